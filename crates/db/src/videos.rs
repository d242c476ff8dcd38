//! Videos, their tags, files, HLS playlist and ratings.

use crate::macros::*;
use crate::{Db, DbError, Result, Tx};
use ferrotube_model::{FileKind, Privacy, VideoState};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct VideoRow {
    pub id: i64,
    pub uuid: String,
    pub name: String,
    pub description: Option<String>,
    pub support: Option<String>,
    pub category: Option<i64>,
    pub licence: Option<i64>,
    pub language: Option<String>,
    #[sqlx(try_from = "i64")]
    pub privacy: Privacy,
    pub nsfw: bool,
    pub comments_policy: i64,
    pub download_enabled: bool,
    pub wait_transcoding: bool,
    #[sqlx(try_from = "i64")]
    pub state: VideoState,
    pub state_reason: Option<String>,
    pub duration: i64,
    pub aspect_ratio: Option<f64>,
    pub input_size: i64,
    pub views: i64,
    pub likes: i64,
    pub dislikes: i64,
    pub thumbnail_name: Option<String>,
    pub preview_name: Option<String>,
    pub source_filename: Option<String>,
    pub originally_published_at: Option<i64>,
    pub published_at: i64,
    pub created_at: i64,
    pub updated_at: i64,
    pub channel_id: i64,
    pub channel_name: String,
    pub channel_display_name: String,
    pub channel_description: Option<String>,
    pub channel_support: Option<String>,
    pub channel_created_at: i64,
    pub channel_updated_at: i64,
    pub account_id: i64,
    pub account_name: String,
    pub account_display_name: String,
    pub account_description: Option<String>,
    pub account_user_id: Option<i64>,
    pub account_created_at: i64,
    pub account_updated_at: i64,
    /// The ActivityPub id of a remote video; `None` for a local one.
    pub url: Option<String>,
    pub thumbnail_url: Option<String>,
    pub preview_url: Option<String>,
    /// Host of the channel's and the account's instance; `None` when local.
    pub channel_host: Option<String>,
    pub account_host: Option<String>,
    /// When a remote video was last fetched from its origin.
    pub fetched_at: Option<i64>,
    /// ActivityPub ids of a remote video's account and channel.
    pub account_actor_url: Option<String>,
    pub channel_actor_url: Option<String>,
    /// The avatars of its account and channel (JSON of migration 0010).
    pub account_avatars: Option<String>,
    pub channel_avatars: Option<String>,
    /// When its source was last replaced.
    pub input_file_updated_at: Option<i64>,
    /// Blocked by a moderator (`video_blacklist`), and why.
    #[sqlx(default)]
    pub blacklisted: bool,
    #[sqlx(default)]
    pub blacklist_reason: Option<String>,
    /// Its owner is a local user banned by a moderator: hidden as a blocked video is, and
    /// withdrawn from other instances until the ban is lifted.
    #[sqlx(default)]
    pub owner_banned: bool,
    /// Where a local video's files are (migration 0017): `object_storage::STORAGE_LOCAL` or
    /// `STORAGE_OBJECT`.
    #[sqlx(default)]
    pub storage: i64,
    /// 1 when its objects were uploaded readable by anyone (bucket URLs may be advertised).
    #[sqlx(default)]
    pub storage_public: i64,
}

impl VideoRow {
    pub fn is_local(&self) -> bool {
        self.url.is_none()
    }
}

pub(crate) const VIDEO_SELECT: &str = "SELECT v.id, v.uuid, v.name, v.description, v.support, v.category, v.licence, v.language, v.privacy, \
  v.nsfw, v.comments_policy, v.download_enabled, v.wait_transcoding, v.state, v.state_reason, v.duration, v.aspect_ratio, \
  v.input_size, v.views, v.likes, v.dislikes, v.thumbnail_name, v.preview_name, v.source_filename, v.originally_published_at, \
  v.published_at, v.created_at, v.updated_at, \
  c.id AS channel_id, c.name AS channel_name, c.display_name AS channel_display_name, c.description AS channel_description, \
  c.support AS channel_support, c.created_at AS channel_created_at, c.updated_at AS channel_updated_at, \
  a.id AS account_id, a.name AS account_name, a.display_name AS account_display_name, a.description AS account_description, \
  a.user_id AS account_user_id, a.created_at AS account_created_at, a.updated_at AS account_updated_at, \
  v.url, v.thumbnail_url, v.preview_url, c.host AS channel_host, a.host AS account_host, v.fetched_at, \
  (SELECT url FROM actors WHERE actors.account_id = a.id AND actors.host IS NOT NULL) AS account_actor_url, \
  (SELECT url FROM actors WHERE actors.channel_id = c.id AND actors.host IS NOT NULL) AS channel_actor_url, \
  a.avatars AS account_avatars, c.avatars AS channel_avatars, v.input_file_updated_at, \
  EXISTS (SELECT 1 FROM video_blacklist bl WHERE bl.video_id = v.id) AS blacklisted, \
  (SELECT bl.reason FROM video_blacklist bl WHERE bl.video_id = v.id) AS blacklist_reason, \
  EXISTS (SELECT 1 FROM users bu WHERE bu.id = a.user_id AND bu.blocked = TRUE) AS owner_banned, v.storage, v.storage_public \
  FROM videos v JOIN channels c ON c.id = v.channel_id JOIN accounts a ON a.id = c.account_id";

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct FileRow {
    pub id: i64,
    pub video_id: i64,
    #[sqlx(try_from = "String")]
    pub kind: FileKind,
    pub resolution: i64,
    pub width: i64,
    pub height: i64,
    pub fps: i64,
    pub size: i64,
    pub filename: String,
    pub playlist_filename: Option<String>,
    pub has_audio: bool,
    pub has_video: bool,
    pub torrent_filename: Option<String>,
    /// Hex SHA-1 of the torrent's info dictionary.
    pub info_hash: Option<String>,
    /// Absolute URLs of a remote video's file, its torrent and magnet (local ones are derived).
    pub file_url: Option<String>,
    pub torrent_url: Option<String>,
    pub magnet_uri: Option<String>,
}

const FILE_COLS: &str = "id, video_id, kind, resolution, width, height, fps, size, filename, playlist_filename, has_audio, has_video, torrent_filename, info_hash, file_url, torrent_url, magnet_uri";

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PlaylistRow {
    pub id: i64,
    pub video_id: i64,
    pub master_filename: String,
    pub sha256_filename: String,
    /// Absolute URLs for a remote video's playlist (local ones are derived).
    pub playlist_url: Option<String>,
    pub segments_sha256_url: Option<String>,
}

/// A new video as the upload path writes it.
pub struct NewVideo {
    pub uuid: String,
    pub channel_id: i64,
    pub name: String,
    pub description: Option<String>,
    pub support: Option<String>,
    pub category: Option<i64>,
    pub licence: Option<i64>,
    pub language: Option<String>,
    pub privacy: i64,
    pub nsfw: bool,
    pub comments_policy: i64,
    pub download_enabled: bool,
    pub wait_transcoding: bool,
    pub state: i64,
    pub input_size: i64,
    pub source_filename: Option<String>,
    pub originally_published_at: Option<i64>,
    pub tags: Vec<String>,
    pub now: i64,
}

/// The editable fields of a video (`PUT /videos/{id}`); `None` leaves a field as it is.
#[derive(Default)]
pub struct VideoUpdate {
    pub name: Option<String>,
    pub description: Option<Option<String>>,
    pub support: Option<Option<String>>,
    pub category: Option<Option<i64>>,
    pub licence: Option<Option<i64>>,
    pub language: Option<Option<String>>,
    pub privacy: Option<i64>,
    pub nsfw: Option<bool>,
    pub comments_policy: Option<i64>,
    pub download_enabled: Option<bool>,
    pub wait_transcoding: Option<bool>,
    pub originally_published_at: Option<Option<i64>>,
    pub channel_id: Option<i64>,
    pub tags: Option<Vec<String>>,
    pub thumbnail_name: Option<String>,
    pub preview_name: Option<String>,
    pub published_at: Option<i64>,
}

/// A file the transcoder produced.
pub struct NewFile {
    pub kind: FileKind,
    pub resolution: i64,
    pub width: i64,
    pub height: i64,
    pub fps: i64,
    pub size: i64,
    pub filename: String,
    pub playlist_filename: Option<String>,
    pub has_audio: bool,
    pub has_video: bool,
    pub metadata: Option<String>,
    pub torrent_filename: Option<String>,
    pub info_hash: Option<String>,
}

/// What one transcoding run wrote, committed at once so readers never see half a ladder.
pub struct TranscodeResult {
    pub master_filename: String,
    pub sha256_filename: String,
    pub files: Vec<NewFile>,
    pub duration: i64,
    pub aspect_ratio: Option<f64>,
    pub thumbnail_name: Option<String>,
    pub preview_name: Option<String>,
}

#[derive(Debug, Clone)]
pub(crate) enum Arg {
    I(i64),
    S(String),
    B(bool),
    /// Typed nulls: PostgreSQL refuses a NULL bound as text for a BIGINT column.
    NullI,
    NullS,
}

/// Which videos a list shows. Built by the API from query parameters and the caller's rights.
#[derive(Debug, Clone, Default)]
pub struct VideoFilter {
    pub privacies: Vec<i64>,
    /// Only published videos, and those still transcoding whose owner did not ask to wait.
    pub published_only: bool,
    pub channel_id: Option<i64>,
    pub account_id: Option<i64>,
    pub nsfw: Option<bool>,
    pub category_one_of: Vec<i64>,
    pub licence_one_of: Vec<i64>,
    pub language_one_of: Vec<String>,
    pub tags_one_of: Vec<String>,
    pub tags_all_of: Vec<String>,
    pub has_hls_files: Option<bool>,
    pub has_web_video_files: Option<bool>,
    pub search: Option<String>,
    /// Only local videos (`isLocal=true`) or only remote ones (`false`).
    pub is_local: Option<bool>,
    /// Only videos of the channels this actor follows (a user's subscriptions).
    pub subscriber_actor_id: Option<i64>,
    /// Only live videos (`isLive=true`) or only videos on demand (`false`).
    pub is_live: Option<bool>,
    /// Published at or after / at or before (Unix ms; search's `startDate`, `endDate`).
    pub published_after: Option<i64>,
    pub published_before: Option<i64>,
    /// Originally published in this span (the original date, else the publication date).
    pub originally_published_after: Option<i64>,
    pub originally_published_before: Option<i64>,
    /// Duration in seconds, bounds included (`durationMin`, `durationMax`).
    pub duration_min: Option<i64>,
    pub duration_max: Option<i64>,
    /// Only the videos of this host (`host`).
    pub host: Option<HostFilter>,
    /// Only these videos (`uuids`, full uuids).
    pub uuids: Vec<String>,
    /// Also blocked videos (`video_blacklist`): their owner's own list, moderators. Every other
    /// list leaves them out.
    pub include_blacklisted: bool,
    /// Leaves out the videos of the accounts and servers this account muted (the reader's
    /// blocklist). The instance's blocklist applies to every list regardless.
    pub muted_by_account_id: Option<i64>,
}

/// Whose videos a `host` filter keeps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostFilter {
    /// This instance's own.
    Local,
    /// Those of the channels of this remote host.
    Remote(String),
}

/// The words of a search as the full-text index splits text: runs of letters and digits,
/// lowercased. Everything else (quotes, operators, `%`, `_`) only separates words, so no input
/// can change the query's syntax. At most 16 words of at most 64 characters each.
pub fn search_words(search: &str) -> Vec<String> {
    search
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| w.to_lowercase().chars().take(64).collect::<String>())
        .take(16)
        .collect()
}

/// The full-text query of a search's words: every word, the last one as a prefix (it may be
/// half typed: "volc" finds "volcano"), in each backend's query syntax. Only the last: a prefix
/// reads the lists of all the words it starts, and the words before it are whole. The words are
/// letters and digits only (see [`search_words`]), so quoting them needs no escape.
fn full_text_query(pg: bool, words: &[String]) -> String {
    let last = words.len().saturating_sub(1);
    let term = |(i, w): (usize, &String)| match (pg, i == last) {
        (true, true) => format!("'{w}':*"),
        (true, false) => format!("'{w}'"),
        (false, true) => format!("\"{w}\"*"),
        (false, false) => format!("\"{w}\""),
    };
    let terms: Vec<String> = words.iter().enumerate().map(term).collect();
    terms.join(if pg { " & " } else { " " })
}

/// The join that keeps the videos a search matches, with `search_rank` (higher is better):
/// SQLite's FTS5 `bm25` (negated; name weighs most, then tags, then description) or
/// PostgreSQL's `ts_rank_cd` over the weighted `tsvector` (same order, by weight class).
fn search_join(pg: bool, placeholder: &str) -> String {
    if pg {
        format!(
            " JOIN (SELECT video_id AS search_id, ts_rank_cd(document, q) AS search_rank \
             FROM video_search, to_tsquery('simple', {placeholder}) q WHERE document @@ q) s \
             ON s.search_id = v.id"
        )
    } else {
        format!(
            " JOIN (SELECT rowid AS search_id, -bm25(video_search, 10.0, 1.0, 4.0) AS search_rank \
             FROM video_search WHERE video_search MATCH {placeholder}) s ON s.search_id = v.id"
        )
    }
}

impl VideoFilter {
    /// The joins and WHERE clause of the filter, and their arguments. A search joins the
    /// full-text index (its argument is pushed first, so `$1` is also the first placeholder in
    /// the text) and exposes `s.search_rank`.
    fn where_clause(&self, pg: bool) -> (String, Vec<Arg>) {
        let mut parts: Vec<String> = Vec::new();
        let mut args: Vec<Arg> = Vec::new();
        let push = |args: &mut Vec<Arg>, a: Arg| {
            args.push(a);
            format!("${}", args.len())
        };
        let mut join = String::new();
        if let Some(s) = &self.search {
            let words = search_words(s);
            if words.is_empty() {
                // Nothing to look for (only punctuation): nothing matches.
                parts.push("1 = 0".into());
            } else {
                let p = push(&mut args, Arg::S(full_text_query(pg, &words)));
                join = search_join(pg, &p);
            }
        }
        if !self.privacies.is_empty() {
            let list = self
                .privacies
                .iter()
                .map(|p| push(&mut args, Arg::I(*p)))
                .collect::<Vec<_>>()
                .join(",");
            parts.push(format!("v.privacy IN ({list})"));
        }
        if self.published_only {
            parts.push("(v.state = 1 OR (v.state = 2 AND v.wait_transcoding = FALSE))".into());
        }
        if let Some(c) = self.channel_id {
            parts.push(format!("v.channel_id = {}", push(&mut args, Arg::I(c))));
        }
        if let Some(a) = self.account_id {
            parts.push(format!("c.account_id = {}", push(&mut args, Arg::I(a))));
        }
        if let Some(n) = self.nsfw {
            parts.push(if n {
                "v.nsfw = TRUE".into()
            } else {
                "v.nsfw = FALSE".into()
            });
        }
        if !self.category_one_of.is_empty() {
            let list = self
                .category_one_of
                .iter()
                .map(|p| push(&mut args, Arg::I(*p)))
                .collect::<Vec<_>>()
                .join(",");
            parts.push(format!("v.category IN ({list})"));
        }
        if !self.licence_one_of.is_empty() {
            let list = self
                .licence_one_of
                .iter()
                .map(|p| push(&mut args, Arg::I(*p)))
                .collect::<Vec<_>>()
                .join(",");
            parts.push(format!("v.licence IN ({list})"));
        }
        if !self.language_one_of.is_empty() {
            let list = self
                .language_one_of
                .iter()
                .map(|p| push(&mut args, Arg::S(p.clone())))
                .collect::<Vec<_>>()
                .join(",");
            parts.push(format!("v.language IN ({list})"));
        }
        if !self.tags_one_of.is_empty() {
            let list = self
                .tags_one_of
                .iter()
                .map(|p| push(&mut args, Arg::S(p.to_lowercase())))
                .collect::<Vec<_>>()
                .join(",");
            parts.push(format!("EXISTS (SELECT 1 FROM video_tags t WHERE t.video_id = v.id AND LOWER(t.tag) IN ({list}))"));
        }
        for tag in &self.tags_all_of {
            let p = push(&mut args, Arg::S(tag.to_lowercase()));
            parts.push(format!("EXISTS (SELECT 1 FROM video_tags t WHERE t.video_id = v.id AND LOWER(t.tag) = {p})"));
        }
        if let Some(h) = self.has_hls_files {
            parts.push(format!("{} EXISTS (SELECT 1 FROM video_files f WHERE f.video_id = v.id AND f.kind = 'hls')", if h { "" } else { "NOT" }));
        }
        if let Some(h) = self.has_web_video_files {
            parts.push(format!("{} EXISTS (SELECT 1 FROM video_files f WHERE f.video_id = v.id AND f.kind = 'web')", if h { "" } else { "NOT" }));
        }
        if !self.include_blacklisted {
            parts.push("v.id NOT IN (SELECT video_id FROM video_blacklist)".into());
            // Videos of banned users go with them, as blocked ones do.
            parts.push(
                "c.account_id NOT IN (SELECT ba.id FROM accounts ba JOIN users bu ON bu.id = ba.user_id \
                 WHERE bu.blocked = TRUE)"
                    .into(),
            );
        }
        // Videos of blocked servers and accounts are not listed (the block also refuses their
        // deliveries), as PeerTube's lists leave out what the instance's account blocked.
        parts.push("(c.host IS NULL OR c.host NOT IN (SELECT host FROM blocked_servers))".into());
        parts.push("c.account_id NOT IN (SELECT account_id FROM blocked_accounts)".into());
        if let Some(a) = self.muted_by_account_id {
            let p = push(&mut args, Arg::I(a));
            parts.push(format!(
                "NOT EXISTS (SELECT 1 FROM account_mutes am WHERE am.account_id = {p} AND am.target_account_id = c.account_id)"
            ));
            let p = push(&mut args, Arg::I(a));
            parts.push(format!(
                "(c.host IS NULL OR NOT EXISTS (SELECT 1 FROM server_mutes sm WHERE sm.account_id = {p} AND sm.host = c.host))"
            ));
        }
        if let Some(a) = self.subscriber_actor_id {
            let p = push(&mut args, Arg::I(a));
            parts.push(format!(
                "v.channel_id IN (SELECT sa.channel_id FROM follows sf JOIN actors sa ON sa.id = sf.following_id \
                 WHERE sf.follower_id = {p} AND sf.state = 'accepted' AND sa.channel_id IS NOT NULL)"
            ));
        }
        let bounds = [
            ("v.published_at >=", self.published_after),
            ("v.published_at <=", self.published_before),
            (
                "COALESCE(v.originally_published_at, v.published_at) >=",
                self.originally_published_after,
            ),
            (
                "COALESCE(v.originally_published_at, v.published_at) <=",
                self.originally_published_before,
            ),
            ("v.duration >=", self.duration_min),
            ("v.duration <=", self.duration_max),
        ];
        for (test, bound) in bounds {
            if let Some(b) = bound {
                parts.push(format!("{test} {}", push(&mut args, Arg::I(b))));
            }
        }
        match &self.host {
            Some(HostFilter::Local) => parts.push("c.host IS NULL".into()),
            Some(HostFilter::Remote(h)) => {
                parts.push(format!("c.host = {}", push(&mut args, Arg::S(h.clone()))));
            }
            None => {}
        }
        if !self.uuids.is_empty() {
            let list = self
                .uuids
                .iter()
                .map(|u| push(&mut args, Arg::S(u.clone())))
                .collect::<Vec<_>>()
                .join(",");
            parts.push(format!("v.uuid IN ({list})"));
        }
        if self.is_live == Some(true) {
            // No live video exists: neither lives here (not built yet) nor remote ones (a
            // remote live broadcast is not stored as a video).
            parts.push("1 = 0".into());
        }
        match self.is_local {
            Some(true) => parts.push("v.url IS NULL".into()),
            Some(false) => parts.push("v.url IS NOT NULL".into()),
            None => {}
        }
        if parts.is_empty() {
            (join, args)
        } else {
            (format!("{join} WHERE {}", parts.join(" AND ")), args)
        }
    }

    /// Whether the list is a search (and `s.search_rank` exists to sort by).
    fn searches(&self) -> bool {
        self.search
            .as_deref()
            .is_some_and(|s| !search_words(s).is_empty())
    }
}

macro_rules! bind_args {
    ($q:expr, $args:expr) => {{
        let mut q = $q;
        for a in $args {
            q = match a {
                Arg::I(i) => q.bind(*i),
                Arg::S(s) => q.bind(s.clone()),
                Arg::B(b) => q.bind(*b),
                Arg::NullI => q.bind(None::<i64>),
                Arg::NullS => q.bind(None::<String>),
            };
        }
        q
    }};
}
pub(crate) use bind_args;

impl Db {
    /// Inserts a video with its tags and, in the same transaction, whatever the caller adds
    /// (the processing job): either both exist or neither.
    pub async fn insert_video(&self, tx: &mut Tx, v: &NewVideo) -> Result<i64> {
        let id = tx_scalar!(
            &mut *tx,
            i64,
            "INSERT INTO videos (uuid, channel_id, name, description, support, category, licence, language, privacy, nsfw, \
             comments_policy, download_enabled, wait_transcoding, state, input_size, source_filename, originally_published_at, \
             published_at, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $18, $18) RETURNING id",
            &v.uuid,
            v.channel_id,
            &v.name,
            &v.description,
            &v.support,
            v.category,
            v.licence,
            &v.language,
            v.privacy,
            v.nsfw,
            v.comments_policy,
            v.download_enabled,
            v.wait_transcoding,
            v.state,
            v.input_size,
            &v.source_filename,
            v.originally_published_at,
            v.now
        )
        .map_err(DbError::from_write)?;
        set_tags_in(tx, id, &v.tags).await?;
        Ok(id)
    }

    pub async fn video_by_uuid(&self, uuid: &str) -> Result<Option<VideoRow>> {
        let sql = format!("{VIDEO_SELECT} WHERE v.uuid = $1");
        Ok(read_opt!(self, VideoRow, &sql, uuid)?)
    }

    /// Every video of a local account (what a ban of its user takes away).
    pub async fn local_videos_of_account(&self, account_id: i64) -> Result<Vec<VideoRow>> {
        let sql = format!("{VIDEO_SELECT} WHERE a.id = $1 AND v.url IS NULL ORDER BY v.id");
        Ok(read_all!(self, VideoRow, &sql, account_id)?)
    }

    pub async fn video_by_id(&self, id: i64) -> Result<Option<VideoRow>> {
        let sql = format!("{VIDEO_SELECT} WHERE v.id = $1");
        Ok(read_opt!(self, VideoRow, &sql, id)?)
    }

    /// A page of videos and, unless `skip_count`, the total that matches.
    pub async fn list_videos(
        &self,
        filter: &VideoFilter,
        sort: crate::sort::Sort<crate::sort::VideoSort>,
        start: i64,
        count: i64,
        skip_count: bool,
    ) -> Result<(i64, Vec<VideoRow>)> {
        let (where_sql, args) = filter.where_clause(matches!(self, Db::Postgres(_)));
        let n = args.len();
        let order_by = match sort.key {
            // Best match first (`-match`), then the newest; without a search, the newest.
            crate::sort::VideoSort::Match if filter.searches() => {
                format!(
                    "s.search_rank {}, v.published_at DESC, v.id DESC",
                    sort.direction.sql()
                )
            }
            _ => sort.order_by(),
        };
        let sql = format!(
            "{VIDEO_SELECT}{where_sql} ORDER BY {order_by} LIMIT ${} OFFSET ${}",
            n + 1,
            n + 2
        );
        let rows = match self {
            Db::Sqlite { read, .. } => {
                bind_args!(sqlx::query_as::<_, VideoRow>(&sql), &args)
                    .bind(count)
                    .bind(start)
                    .fetch_all(read)
                    .await?
            }
            Db::Postgres(p) => {
                bind_args!(sqlx::query_as::<_, VideoRow>(&sql), &args)
                    .bind(count)
                    .bind(start)
                    .fetch_all(p)
                    .await?
            }
        };
        let total = if skip_count {
            0
        } else if (start == 0 && (rows.len() as i64) < count)
            || (start > 0 && !rows.is_empty() && (rows.len() as i64) < count)
        {
            start + rows.len() as i64
        } else {
            let csql = format!(
                "SELECT COUNT(*) FROM videos v JOIN channels c ON c.id = v.channel_id{where_sql}"
            );
            match self {
                Db::Sqlite { read, .. } => {
                    bind_args!(sqlx::query_scalar::<_, i64>(&csql), &args)
                        .fetch_one(read)
                        .await?
                }
                Db::Postgres(p) => {
                    bind_args!(sqlx::query_scalar::<_, i64>(&csql), &args)
                        .fetch_one(p)
                        .await?
                }
            }
        };
        Ok((total, rows))
    }

    pub async fn video_tags(&self, video_id: i64) -> Result<Vec<String>> {
        Ok(read_all!(
            self,
            (String,),
            "SELECT tag FROM video_tags WHERE video_id = $1 ORDER BY position",
            video_id
        )?
        .into_iter()
        .map(|(t,)| t)
        .collect())
    }

    /// Adds one file to a video inside the caller's transaction (a transcoded rung, or the
    /// uploaded file, listed until transcoding replaces it).
    pub async fn insert_video_file(
        &self,
        tx: &mut Tx,
        video_id: i64,
        f: &NewFile,
        now: i64,
    ) -> Result<()> {
        tx_exec!(
            &mut *tx,
            "INSERT INTO video_files (video_id, kind, resolution, width, height, fps, size, filename, playlist_filename, has_audio, has_video, metadata, created_at, torrent_filename, info_hash) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
            video_id,
            f.kind.as_str(),
            f.resolution,
            f.width,
            f.height,
            f.fps,
            f.size,
            &f.filename,
            &f.playlist_filename,
            f.has_audio,
            f.has_video,
            &f.metadata,
            now,
            &f.torrent_filename,
            &f.info_hash
        )?;
        Ok(())
    }

    pub async fn video_files(&self, video_id: i64) -> Result<Vec<FileRow>> {
        let sql = format!(
            "SELECT {FILE_COLS} FROM video_files WHERE video_id = $1 ORDER BY resolution DESC"
        );
        Ok(read_all!(self, FileRow, &sql, video_id)?)
    }

    pub async fn video_file(&self, file_id: i64) -> Result<Option<(FileRow, Option<String>)>> {
        let sql = format!("SELECT {FILE_COLS} FROM video_files WHERE id = $1");
        let Some(f) = read_opt!(self, FileRow, &sql, file_id)? else {
            return Ok(None);
        };
        let meta = read_scalar!(
            self,
            Option<String>,
            "SELECT metadata FROM video_files WHERE id = $1",
            file_id
        )?;
        Ok(Some((f, meta)))
    }

    pub async fn video_file_by_torrent(&self, torrent_filename: &str) -> Result<Option<FileRow>> {
        let sql = format!("SELECT {FILE_COLS} FROM video_files WHERE torrent_filename = $1");
        Ok(read_opt!(self, FileRow, &sql, torrent_filename)?)
    }

    pub async fn video_playlist(&self, video_id: i64) -> Result<Option<PlaylistRow>> {
        Ok(read_opt!(
            self,
            PlaylistRow,
            "SELECT id, video_id, master_filename, sha256_filename, playlist_url, segments_sha256_url FROM streaming_playlists WHERE video_id = $1",
            video_id
        )?)
    }

    pub async fn update_video(&self, video_id: i64, u: &VideoUpdate, now: i64) -> Result<()> {
        let mut sets: Vec<String> = Vec::new();
        let mut args: Vec<Arg> = Vec::new();
        let mut set = |col: &str, a: Arg| {
            args.push(a);
            sets.push(format!("{col} = ${}", args.len()));
        };
        let int = |v: Option<i64>| v.map(Arg::I).unwrap_or(Arg::NullI);
        let text = |v: &Option<String>| v.clone().map(Arg::S).unwrap_or(Arg::NullS);
        if let Some(v) = &u.name {
            set("name", Arg::S(v.clone()));
        }
        if let Some(v) = &u.description {
            set("description", text(v));
        }
        if let Some(v) = &u.support {
            set("support", text(v));
        }
        if let Some(v) = u.category {
            set("category", int(v));
        }
        if let Some(v) = u.licence {
            set("licence", int(v));
        }
        if let Some(v) = &u.language {
            set("language", text(v));
        }
        if let Some(v) = u.privacy {
            set("privacy", Arg::I(v));
        }
        if let Some(v) = u.comments_policy {
            set("comments_policy", Arg::I(v));
        }
        if let Some(v) = u.originally_published_at {
            set("originally_published_at", int(v));
        }
        if let Some(v) = u.channel_id {
            set("channel_id", Arg::I(v));
        }
        if let Some(v) = &u.thumbnail_name {
            set("thumbnail_name", Arg::S(v.clone()));
        }
        if let Some(v) = &u.preview_name {
            set("preview_name", Arg::S(v.clone()));
        }
        if let Some(v) = u.published_at {
            set("published_at", Arg::I(v));
        }
        if let Some(v) = u.nsfw {
            set("nsfw", Arg::B(v));
        }
        if let Some(v) = u.download_enabled {
            set("download_enabled", Arg::B(v));
        }
        if let Some(v) = u.wait_transcoding {
            set("wait_transcoding", Arg::B(v));
        }
        set("updated_at", Arg::I(now));
        let sql = format!(
            "UPDATE videos SET {} WHERE id = ${}",
            sets.join(", "),
            args.len() + 1
        );
        let mut tx = self.begin().await?;
        match &mut tx {
            Tx::Sqlite(t) => {
                bind_args!(sqlx::query(&sql), &args)
                    .bind(video_id)
                    .execute(&mut **t)
                    .await
                    .map_err(DbError::from_write)?;
            }
            Tx::Postgres(t) => {
                bind_args!(sqlx::query(&sql), &args)
                    .bind(video_id)
                    .execute(&mut **t)
                    .await
                    .map_err(DbError::from_write)?;
            }
        }
        if let Some(tags) = &u.tags {
            set_tags_in(&mut tx, video_id, tags).await?;
        }
        tx.commit().await
    }

    pub async fn set_video_state(
        &self,
        video_id: i64,
        state: i64,
        reason: Option<&str>,
        now: i64,
    ) -> Result<()> {
        write_exec!(
            self,
            "UPDATE videos SET state = $1, state_reason = $2, updated_at = $3 WHERE id = $4",
            state,
            reason,
            now,
            video_id
        )?;
        Ok(())
    }

    /// Records a finished transcoding: files, playlist, metadata and the published state, at once.
    /// Replaces whatever an earlier (interrupted or repeated) run left, so a rerun never doubles a rung.
    pub async fn save_transcode_result(
        &self,
        video_id: i64,
        r: &TranscodeResult,
        publish: bool,
        now: i64,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        self.save_transcode_result_in(&mut tx, video_id, r, publish, now)
            .await?;
        tx.commit().await
    }

    /// [`Db::save_transcode_result`] inside the caller's transaction, so that what follows from
    /// it (the federation of a published video) commits with it or not at all.
    pub async fn save_transcode_result_in(
        &self,
        tx: &mut Tx,
        video_id: i64,
        r: &TranscodeResult,
        publish: bool,
        now: i64,
    ) -> Result<()> {
        tx_exec!(
            &mut *tx,
            "DELETE FROM video_files WHERE video_id = $1 AND kind IN ('hls', 'web')",
            video_id
        )?;
        tx_exec!(
            &mut *tx,
            "DELETE FROM streaming_playlists WHERE video_id = $1",
            video_id
        )?;
        tx_exec!(
            &mut *tx,
            "INSERT INTO streaming_playlists (video_id, master_filename, sha256_filename, created_at) VALUES ($1, $2, $3, $4)",
            video_id,
            &r.master_filename,
            &r.sha256_filename,
            now
        )?;
        for f in &r.files {
            self.insert_video_file(tx, video_id, f, now).await?;
        }
        tx_exec!(
            &mut *tx,
            "UPDATE videos SET duration = $1, aspect_ratio = $2, thumbnail_name = COALESCE(thumbnail_name, $3), \
             preview_name = COALESCE(preview_name, $4), updated_at = $5 WHERE id = $6",
            r.duration,
            r.aspect_ratio,
            &r.thumbnail_name,
            &r.preview_name,
            now,
            video_id
        )?;
        if publish {
            tx_exec!(
                &mut *tx,
                "UPDATE videos SET state = 1, state_reason = NULL, published_at = $1 WHERE id = $2",
                now,
                video_id
            )?;
        }
        Ok(())
    }

    pub async fn delete_video(&self, video_id: i64) -> Result<bool> {
        Ok(write_exec!(self, "DELETE FROM videos WHERE id = $1", video_id)? > 0)
    }

    pub async fn add_view(&self, video_id: i64) -> Result<()> {
        write_exec!(
            self,
            "UPDATE videos SET views = views + 1 WHERE id = $1",
            video_id
        )?;
        Ok(())
    }

    /// Sets (or with `None`, removes) an account's rating and recounts the video's likes.
    pub async fn set_rate(
        &self,
        account_id: i64,
        video_id: i64,
        rate: Option<&str>,
        now: i64,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        // Take the video row's lock first. On PostgreSQL (read committed) two rates of one video
        // committed side by side would otherwise each count with a snapshot taken before the
        // other's insert, and the later UPDATE would overwrite the earlier one's count (a like
        // and a dislike arriving together ended as 0 likes, 1 dislike). With the lock held, the
        // counting statement below starts after the other transaction committed and sees its
        // row. (SQLite serialises writers anyway; the statement is a no-op there.)
        tx_exec!(
            &mut tx,
            "UPDATE videos SET likes = likes WHERE id = $1",
            video_id
        )?;
        tx_exec!(
            &mut tx,
            "DELETE FROM video_rates WHERE account_id = $1 AND video_id = $2",
            account_id,
            video_id
        )?;
        if let Some(r) = rate {
            tx_exec!(
                &mut tx,
                "INSERT INTO video_rates (account_id, video_id, rate, created_at) VALUES ($1, $2, $3, $4)",
                account_id,
                video_id,
                r,
                now
            )?;
        }
        tx_exec!(
            &mut tx,
            "UPDATE videos SET likes = (SELECT COUNT(*) FROM video_rates WHERE video_id = $1 AND rate = 'like'), \
             dislikes = (SELECT COUNT(*) FROM video_rates WHERE video_id = $1 AND rate = 'dislike') WHERE id = $1",
            video_id
        )?;
        tx.commit().await
    }

    pub async fn rate_of(&self, account_id: i64, video_id: i64) -> Result<Option<String>> {
        Ok(read_opt!(
            self,
            (String,),
            "SELECT rate FROM video_rates WHERE account_id = $1 AND video_id = $2",
            account_id,
            video_id
        )?
        .map(|(r,)| r))
    }
}

async fn set_tags_in(tx: &mut Tx, video_id: i64, tags: &[String]) -> Result<()> {
    tx_exec!(
        &mut *tx,
        "DELETE FROM video_tags WHERE video_id = $1",
        video_id
    )?;
    for (i, t) in tags.iter().enumerate() {
        tx_exec!(
            &mut *tx,
            "INSERT INTO video_tags (video_id, position, tag) VALUES ($1, $2, $3)",
            video_id,
            i as i64,
            t
        )?;
    }
    Ok(())
}
