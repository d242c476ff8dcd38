//! Moderation: abuse reports with their filters and conversation, video blocks (PeerTube's
//! "blacklist") and user bans.

use crate::macros::*;
use crate::sort::{Sort, SortKey};
use crate::videos::{bind_args, Arg};
use crate::{Db, Result};

/// A new abuse report, made here or received as `Flag`.
#[derive(Debug, Clone, Default)]
pub struct NewAbuse<'a> {
    /// The `Flag` activity's id; `None` for a report made here.
    pub url: Option<&'a str>,
    pub reporter_account_id: Option<i64>,
    pub video_id: Option<i64>,
    pub comment_id: Option<i64>,
    pub flagged_account_id: Option<i64>,
    pub reason: &'a str,
    /// Bit set of PeerTube's predefined reasons (bit n-1 for reason id n).
    pub predefined_reasons: i64,
    pub start_at: Option<i64>,
    pub end_at: Option<i64>,
    /// JSON of the reported video kept for after its deletion.
    pub video_snapshot: Option<String>,
    /// JSON of the reported comment kept for after its deletion.
    pub comment_snapshot: Option<String>,
    pub now: i64,
}

/// One report with what the moderators' list shows beside it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AbuseFullRow {
    pub id: i64,
    pub url: Option<String>,
    pub reporter_account_id: Option<i64>,
    pub video_id: Option<i64>,
    pub comment_id: Option<i64>,
    pub flagged_account_id: Option<i64>,
    pub reason: String,
    pub state: i64,
    pub predefined_reasons: i64,
    pub start_at: Option<i64>,
    pub end_at: Option<i64>,
    pub moderation_comment: Option<String>,
    pub video_snapshot: Option<String>,
    pub comment_snapshot: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub count_reports_for_reporter: i64,
    pub count_reports_for_reportee: i64,
    pub count_messages: i64,
    pub count_reports_for_video: i64,
    pub nth_report_for_video: i64,
}

const ABUSE_SELECT: &str = "SELECT a.id, a.url, a.reporter_account_id, a.video_id, a.comment_id, a.flagged_account_id, \
  a.reason, a.state, a.predefined_reasons, a.start_at, a.end_at, a.moderation_comment, a.video_snapshot, a.comment_snapshot, a.created_at, \
  COALESCE(a.updated_at, a.created_at) AS updated_at, \
  (SELECT COUNT(*) FROM abuses x WHERE x.reporter_account_id = a.reporter_account_id) AS count_reports_for_reporter, \
  (SELECT COUNT(*) FROM abuses x WHERE x.flagged_account_id = a.flagged_account_id) AS count_reports_for_reportee, \
  (SELECT COUNT(*) FROM abuse_messages m WHERE m.abuse_id = a.id) AS count_messages, \
  (SELECT COUNT(*) FROM abuses x WHERE x.video_id = a.video_id) AS count_reports_for_video, \
  (SELECT COUNT(*) FROM abuses x WHERE x.video_id = a.video_id AND x.id <= a.id) AS nth_report_for_video \
  FROM abuses a \
  LEFT JOIN videos v ON v.id = a.video_id \
  LEFT JOIN channels vc ON vc.id = v.channel_id \
  LEFT JOIN comments cm ON cm.id = a.comment_id \
  LEFT JOIN accounts ra ON ra.id = a.reporter_account_id \
  LEFT JOIN accounts fa ON fa.id = a.flagged_account_id";

/// What a report is about (PeerTube's `filter`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AbuseKind {
    Video,
    Comment,
    Account,
}

/// `videoIs`: reports of deleted or of blocked videos.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AbuseVideoIs {
    Deleted,
    Blacklisted,
}

/// The filters of the abuse lists (moderators' and a reporter's own).
#[derive(Debug, Clone, Default)]
pub struct AbuseFilter {
    pub id: Option<i64>,
    /// Bit of one predefined reason.
    pub predefined_reason: Option<i64>,
    pub state: Option<i64>,
    pub video_is: Option<AbuseVideoIs>,
    pub kind: Option<AbuseKind>,
    pub search: Option<String>,
    pub search_reporter: Option<String>,
    pub search_reportee: Option<String>,
    pub search_video: Option<String>,
    pub search_video_channel: Option<String>,
    /// Only the reports of this account (`/users/me/abuses`).
    pub reporter_account_id: Option<i64>,
}

/// `%word%` for a case-insensitive LIKE, with the pattern characters of the input escaped.
fn like(s: &str) -> String {
    let mut out = String::from("%");
    for c in s.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

impl AbuseFilter {
    fn where_clause(&self) -> (String, Vec<Arg>) {
        let mut parts: Vec<String> = Vec::new();
        let mut args: Vec<Arg> = Vec::new();
        let push = |args: &mut Vec<Arg>, a: Arg| {
            args.push(a);
            format!("${}", args.len())
        };
        if let Some(id) = self.id {
            parts.push(format!("a.id = {}", push(&mut args, Arg::I(id))));
        }
        if let Some(bit) = self.predefined_reason {
            parts.push(format!(
                "(a.predefined_reasons & {}) != 0",
                push(&mut args, Arg::I(bit))
            ));
        }
        if let Some(s) = self.state {
            parts.push(format!("a.state = {}", push(&mut args, Arg::I(s))));
        }
        match self.video_is {
            Some(AbuseVideoIs::Deleted) => {
                parts.push("(a.video_id IS NULL AND a.video_snapshot IS NOT NULL)".into())
            }
            Some(AbuseVideoIs::Blacklisted) => {
                parts.push("a.video_id IN (SELECT video_id FROM video_blacklist)".into())
            }
            None => {}
        }
        match self.kind {
            Some(AbuseKind::Video) => {
                parts.push("(a.video_id IS NOT NULL OR a.video_snapshot IS NOT NULL)".into())
            }
            Some(AbuseKind::Comment) => {
                parts.push("(a.comment_id IS NOT NULL OR a.comment_snapshot IS NOT NULL)".into())
            }
            Some(AbuseKind::Account) => parts.push(
                "(a.video_id IS NULL AND a.video_snapshot IS NULL AND a.comment_id IS NULL \
                 AND a.comment_snapshot IS NULL)"
                    .into(),
            ),
            None => {}
        }
        let text = |cols: &[&str], p: &str| {
            let ors = cols
                .iter()
                .map(|c| format!("LOWER(COALESCE({c}, '')) LIKE {p} ESCAPE '\\'"))
                .collect::<Vec<_>>()
                .join(" OR ");
            format!("({ors})")
        };
        if let Some(s) = &self.search {
            let p = push(&mut args, Arg::S(like(s)));
            parts.push(text(
                &[
                    "v.name",
                    "a.video_snapshot",
                    "cm.text",
                    "a.comment_snapshot",
                    "ra.name",
                    "ra.display_name",
                    "fa.name",
                    "fa.display_name",
                    "a.reason",
                ],
                &p,
            ));
        }
        if let Some(s) = &self.search_reporter {
            let p = push(&mut args, Arg::S(like(s)));
            parts.push(text(&["ra.name", "ra.display_name"], &p));
        }
        if let Some(s) = &self.search_reportee {
            let p = push(&mut args, Arg::S(like(s)));
            parts.push(text(&["fa.name", "fa.display_name"], &p));
        }
        if let Some(s) = &self.search_video {
            let p = push(&mut args, Arg::S(like(s)));
            parts.push(text(&["v.name", "v.uuid", "a.video_snapshot"], &p));
        }
        if let Some(s) = &self.search_video_channel {
            let p = push(&mut args, Arg::S(like(s)));
            parts.push(text(&["vc.name", "vc.display_name"], &p));
        }
        if let Some(r) = self.reporter_account_id {
            parts.push(format!(
                "a.reporter_account_id = {}",
                push(&mut args, Arg::I(r))
            ));
        }
        if parts.is_empty() {
            (String::new(), args)
        } else {
            (format!(" WHERE {}", parts.join(" AND ")), args)
        }
    }
}

/// Keys of the abuse lists (PeerTube's `abusesSort`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AbuseSort {
    Id,
    CreatedAt,
    State,
}

impl SortKey for AbuseSort {
    const KEYS: &'static [(&'static str, Self)] = &[
        ("id", AbuseSort::Id),
        ("createdAt", AbuseSort::CreatedAt),
        ("state", AbuseSort::State),
    ];
    fn columns(self) -> &'static [&'static str] {
        match self {
            AbuseSort::Id => &["a.id"],
            AbuseSort::CreatedAt => &["a.created_at", "a.id"],
            AbuseSort::State => &["a.state", "a.id"],
        }
    }
}

/// A message about a report.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AbuseMessageRow {
    pub id: i64,
    pub abuse_id: i64,
    pub account_id: Option<i64>,
    pub message: String,
    pub by_moderator: bool,
    pub created_at: i64,
}

/// A blocked video.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct BlacklistRow {
    pub id: i64,
    pub video_id: i64,
    pub reason: Option<String>,
    pub unfederated: bool,
    pub block_type: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

/// Keys of the video block list (PeerTube's `blacklistsSort`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlacklistSort {
    Id,
    Name,
    Duration,
    Views,
    Likes,
    Dislikes,
    Uuid,
    CreatedAt,
}

impl SortKey for BlacklistSort {
    const KEYS: &'static [(&'static str, Self)] = &[
        ("id", BlacklistSort::Id),
        ("name", BlacklistSort::Name),
        ("duration", BlacklistSort::Duration),
        ("views", BlacklistSort::Views),
        ("likes", BlacklistSort::Likes),
        ("dislikes", BlacklistSort::Dislikes),
        ("uuid", BlacklistSort::Uuid),
        ("createdAt", BlacklistSort::CreatedAt),
    ];
    fn columns(self) -> &'static [&'static str] {
        match self {
            BlacklistSort::Id => &["b.id"],
            BlacklistSort::Name => &["v.name", "b.id"],
            BlacklistSort::Duration => &["v.duration", "b.id"],
            BlacklistSort::Views => &["v.views", "b.id"],
            BlacklistSort::Likes => &["v.likes", "b.id"],
            BlacklistSort::Dislikes => &["v.dislikes", "b.id"],
            BlacklistSort::Uuid => &["v.uuid", "b.id"],
            BlacklistSort::CreatedAt => &["b.created_at", "b.id"],
        }
    }
}

const BLACKLIST_COLS: &str =
    "b.id, b.video_id, b.reason, b.unfederated, b.block_type, b.created_at, b.updated_at";

impl Db {
    /// Records a report; `None` when a `Flag` with this activity id was already recorded.
    pub async fn create_abuse(&self, a: &NewAbuse<'_>) -> Result<Option<i64>> {
        Ok(write_opt!(
            self,
            (i64,),
            "INSERT INTO abuses (url, reporter_account_id, video_id, comment_id, flagged_account_id, reason, \
             predefined_reasons, start_at, end_at, video_snapshot, comment_snapshot, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12) ON CONFLICT (url) DO NOTHING RETURNING id",
            a.url,
            a.reporter_account_id,
            a.video_id,
            a.comment_id,
            a.flagged_account_id,
            a.reason,
            a.predefined_reasons,
            a.start_at,
            a.end_at,
            a.video_snapshot.as_deref(),
            a.comment_snapshot.as_deref(),
            a.now
        )?
        .map(|(id,)| id))
    }

    pub async fn abuse_full(&self, id: i64) -> Result<Option<AbuseFullRow>> {
        let sql = format!("{ABUSE_SELECT} WHERE a.id = $1");
        Ok(read_opt!(self, AbuseFullRow, &sql, id)?)
    }

    /// A page of reports matching `filter`, and how many match in all.
    pub async fn list_abuses_filtered(
        &self,
        filter: &AbuseFilter,
        sort: Sort<AbuseSort>,
        start: i64,
        count: i64,
    ) -> Result<(i64, Vec<AbuseFullRow>)> {
        let (where_sql, args) = filter.where_clause();
        let n = args.len();
        let count_sql = format!(
            "SELECT COUNT(*) FROM abuses a \
             LEFT JOIN videos v ON v.id = a.video_id \
             LEFT JOIN channels vc ON vc.id = v.channel_id \
             LEFT JOIN comments cm ON cm.id = a.comment_id \
             LEFT JOIN accounts ra ON ra.id = a.reporter_account_id \
             LEFT JOIN accounts fa ON fa.id = a.flagged_account_id{where_sql}"
        );
        let sql = format!(
            "{ABUSE_SELECT}{where_sql} ORDER BY {} LIMIT ${} OFFSET ${}",
            sort.order_by(),
            n + 1,
            n + 2
        );
        let (total, rows) = match self {
            Db::Sqlite { read, .. } => {
                let total = bind_args!(sqlx::query_scalar::<_, i64>(&count_sql), &args)
                    .fetch_one(read)
                    .await?;
                let rows = bind_args!(sqlx::query_as::<_, AbuseFullRow>(&sql), &args)
                    .bind(count)
                    .bind(start)
                    .fetch_all(read)
                    .await?;
                (total, rows)
            }
            Db::Postgres(p) => {
                let total = bind_args!(sqlx::query_scalar::<_, i64>(&count_sql), &args)
                    .fetch_one(p)
                    .await?;
                let rows = bind_args!(sqlx::query_as::<_, AbuseFullRow>(&sql), &args)
                    .bind(count)
                    .bind(start)
                    .fetch_all(p)
                    .await?;
                (total, rows)
            }
        };
        Ok((total, rows))
    }

    /// Sets a report's state and/or moderation comment; `processed_at` is set when the state
    /// changes. Answers whether the report exists.
    pub async fn update_abuse(
        &self,
        id: i64,
        state: Option<i64>,
        moderation_comment: Option<&str>,
        now: i64,
    ) -> Result<bool> {
        let n = write_exec!(
            self,
            "UPDATE abuses SET \
             processed_at = CASE WHEN $1 IS NOT NULL AND $1 != state THEN $3 ELSE processed_at END, \
             state = COALESCE($1, state), \
             moderation_comment = COALESCE($2, moderation_comment), updated_at = $3 WHERE id = $4",
            state,
            moderation_comment,
            now,
            id
        )?;
        Ok(n > 0)
    }

    pub async fn delete_abuse(&self, id: i64) -> Result<bool> {
        Ok(write_exec!(self, "DELETE FROM abuses WHERE id = $1", id)? > 0)
    }

    pub async fn list_abuse_messages(&self, abuse_id: i64) -> Result<Vec<AbuseMessageRow>> {
        Ok(read_all!(
            self,
            AbuseMessageRow,
            "SELECT id, abuse_id, account_id, message, by_moderator, created_at FROM abuse_messages \
             WHERE abuse_id = $1 ORDER BY id ASC",
            abuse_id
        )?)
    }

    pub async fn insert_abuse_message(
        &self,
        abuse_id: i64,
        account_id: i64,
        message: &str,
        by_moderator: bool,
        now: i64,
    ) -> Result<i64> {
        Ok(write_scalar!(
            self,
            i64,
            "INSERT INTO abuse_messages (abuse_id, account_id, message, by_moderator, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $5) RETURNING id",
            abuse_id,
            account_id,
            message,
            by_moderator,
            now
        )?)
    }

    pub async fn abuse_message(&self, id: i64, abuse_id: i64) -> Result<Option<AbuseMessageRow>> {
        Ok(read_opt!(
            self,
            AbuseMessageRow,
            "SELECT id, abuse_id, account_id, message, by_moderator, created_at FROM abuse_messages \
             WHERE id = $1 AND abuse_id = $2",
            id,
            abuse_id
        )?)
    }

    pub async fn delete_abuse_message(&self, id: i64) -> Result<bool> {
        Ok(write_exec!(self, "DELETE FROM abuse_messages WHERE id = $1", id)? > 0)
    }

    /// Blocks a video; `false` when it already is.
    pub async fn blacklist_video(
        &self,
        video_id: i64,
        reason: Option<&str>,
        unfederated: bool,
        now: i64,
    ) -> Result<bool> {
        let n = write_exec!(
            self,
            "INSERT INTO video_blacklist (video_id, reason, unfederated, block_type, created_at, updated_at) \
             VALUES ($1, $2, $3, 1, $4, $4) ON CONFLICT (video_id) DO NOTHING",
            video_id,
            reason,
            unfederated,
            now
        )?;
        Ok(n > 0)
    }

    pub async fn blacklist_of(&self, video_id: i64) -> Result<Option<BlacklistRow>> {
        let sql = format!("SELECT {BLACKLIST_COLS} FROM video_blacklist b WHERE b.video_id = $1");
        Ok(read_opt!(self, BlacklistRow, &sql, video_id)?)
    }

    /// Unblocks a video; answers the block it had, if any.
    pub async fn unblacklist_video(&self, video_id: i64) -> Result<Option<BlacklistRow>> {
        Ok(write_opt!(
            self,
            BlacklistRow,
            "DELETE FROM video_blacklist WHERE video_id = $1 RETURNING id, video_id, reason, unfederated, \
             block_type, created_at, updated_at",
            video_id
        )?)
    }

    /// A page of blocks (`block_type`, a search in the video's name), and how many in all.
    pub async fn list_blacklist(
        &self,
        block_type: Option<i64>,
        search: Option<&str>,
        sort: Sort<BlacklistSort>,
        start: i64,
        count: i64,
    ) -> Result<(i64, Vec<BlacklistRow>)> {
        let mut parts = Vec::new();
        let mut args = Vec::new();
        if let Some(t) = block_type {
            args.push(Arg::I(t));
            parts.push(format!("b.block_type = ${}", args.len()));
        }
        if let Some(s) = search {
            args.push(Arg::S(like(s)));
            parts.push(format!("LOWER(v.name) LIKE ${} ESCAPE '\\'", args.len()));
        }
        let where_sql = if parts.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", parts.join(" AND "))
        };
        let n = args.len();
        let count_sql = format!(
            "SELECT COUNT(*) FROM video_blacklist b JOIN videos v ON v.id = b.video_id{where_sql}"
        );
        let sql = format!(
            "SELECT {BLACKLIST_COLS} FROM video_blacklist b JOIN videos v ON v.id = b.video_id{where_sql} \
             ORDER BY {} LIMIT ${} OFFSET ${}",
            sort.order_by(),
            n + 1,
            n + 2
        );
        let (total, rows) = match self {
            Db::Sqlite { read, .. } => {
                let total = bind_args!(sqlx::query_scalar::<_, i64>(&count_sql), &args)
                    .fetch_one(read)
                    .await?;
                let rows = bind_args!(sqlx::query_as::<_, BlacklistRow>(&sql), &args)
                    .bind(count)
                    .bind(start)
                    .fetch_all(read)
                    .await?;
                (total, rows)
            }
            Db::Postgres(p) => {
                let total = bind_args!(sqlx::query_scalar::<_, i64>(&count_sql), &args)
                    .fetch_one(p)
                    .await?;
                let rows = bind_args!(sqlx::query_as::<_, BlacklistRow>(&sql), &args)
                    .bind(count)
                    .bind(start)
                    .fetch_all(p)
                    .await?;
                (total, rows)
            }
        };
        Ok((total, rows))
    }

    /// Users banned (`blocked`) or not: `GET /api/v1/users?blocked=`. Answers the page and the
    /// total.
    pub async fn list_users_blocked(
        &self,
        blocked: bool,
        start: i64,
        count: i64,
        sort: Sort<crate::sort::UserSort>,
    ) -> Result<(i64, Vec<crate::users::UserRow>)> {
        let total = read_scalar!(
            self,
            i64,
            "SELECT COUNT(*) FROM users WHERE blocked = $1",
            blocked
        )?;
        let sql = format!(
            "SELECT {} FROM users u JOIN accounts a ON a.user_id = u.id WHERE u.blocked = $1 \
             ORDER BY {} LIMIT $2 OFFSET $3",
            crate::users::USER_COLS,
            sort.order_by()
        );
        let rows = read_all!(self, crate::users::UserRow, &sql, blocked, count, start)?;
        Ok((total, rows))
    }

    /// Bans or unbans a user. A ban also drops every token the user holds, in the same
    /// transaction, so no request made with an old token passes after the answer.
    pub async fn set_user_blocked(
        &self,
        user_id: i64,
        blocked: bool,
        reason: Option<&str>,
    ) -> Result<bool> {
        let mut tx = self.begin().await?;
        let n = tx_exec!(
            &mut tx,
            "UPDATE users SET blocked = $1, blocked_reason = $2 WHERE id = $3",
            blocked,
            reason,
            user_id
        )?;
        if blocked {
            tx_exec!(
                &mut tx,
                "DELETE FROM oauth_tokens WHERE user_id = $1",
                user_id
            )?;
        }
        tx.commit().await?;
        Ok(n > 0)
    }
}
