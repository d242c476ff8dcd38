//! Our videos and comments as ActivityPub objects, and remote ones into the store.

use super::actors::{account_actor, channel_actor, remote_actor};
use super::{url_host, FedError, FedResult, PUBLIC};
use crate::Instance;
use ferrotube_db::comments::{CommentRow, NewComment};
use ferrotube_db::federation::ActorRow;
use ferrotube_db::remote_videos::{RemoteFile, RemotePlaylist, RemoteVideo};
use ferrotube_db::videos::{FileRow, VideoRow};
use ferrotube_federation::vocab::actor::Image;
use ferrotube_federation::vocab::note::{Mention, NoteObject};
use ferrotube_federation::vocab::video::{
    parse_video, HlsPlaylistLink, VideoFileLink, VideoObject,
};
use ferrotube_model::constants::{categories, language_label, licences};
use ferrotube_model::timefmt::{iso, now_ms};
use ferrotube_model::FileKind;
use ferrotube_model::{CommentsPolicy, Privacy, VideoState};

pub fn video_url(state: &Instance, v: &VideoRow) -> String {
    v.url
        .clone()
        .unwrap_or_else(|| format!("{}/videos/watch/{}", state.url, v.uuid))
}

pub fn comment_url(state: &Instance, video_uuid: &str, c: &CommentRow) -> String {
    c.url
        .clone()
        .unwrap_or_else(|| format!("{}/videos/watch/{video_uuid}/comments/{}", state.url, c.id))
}

/// Whether a video is shown to other instances at all: public or unlisted, and published.
pub fn federates(v: &VideoRow) -> bool {
    v.is_local()
        && matches!(v.privacy, Privacy::Public | Privacy::Unlisted)
        && v.state == VideoState::Published
}

/// `to` / `cc` as PeerTube sets them: public in `to` for public videos, in `cc` for unlisted.
pub fn audience(v: &VideoRow, followers: String) -> (Vec<String>, Vec<String>) {
    if v.privacy == Privacy::Unlisted {
        (vec![followers], vec![PUBLIC.to_string()])
    } else {
        (vec![PUBLIC.to_string()], vec![followers])
    }
}

fn file_link(state: &Instance, v: &VideoRow, f: &FileRow, base: &str) -> VideoFileLink {
    let url = format!("{base}/{}", f.filename);
    let torrent_url = f
        .torrent_filename
        .as_ref()
        .map(|t| format!("{}/lazy-static/torrents/{t}", state.url));
    let magnet_uri = match (&torrent_url, &f.info_hash) {
        (Some(t), Some(h)) => {
            let mut hash = [0u8; 20];
            hex::decode_to_slice(h, &mut hash).ok().map(|_| {
                ferrotube_p2p::magnet_uri(
                    t,
                    &hash,
                    &v.name,
                    &[&state.trackers.http, &state.trackers.ws],
                    &[&url],
                )
            })
        }
        _ => None,
    };
    VideoFileLink {
        url,
        media_type: "video/mp4".into(),
        height: f.resolution.max(0) as u32,
        width: Some(f.width.max(0) as u32),
        fps: Some(f.fps.max(0) as u32),
        size: Some(f.size),
        fragmented: f.kind == FileKind::Hls,
        has_audio: f.has_audio,
        has_video: f.has_video,
        metadata_url: Some(format!(
            "{}/api/v1/videos/{}/metadata/{}",
            state.url, v.uuid, f.id
        )),
        torrent_url,
        magnet_uri,
        info_hash: f.info_hash.clone(),
    }
}

/// The actors of a local video's account and channel.
pub async fn video_actors(state: &Instance, v: &VideoRow) -> FedResult<(ActorRow, ActorRow)> {
    let account = state
        .db
        .account_by_id(v.account_id)
        .await?
        .ok_or_else(|| FedError::Refused("account vanished".into()))?;
    let channel = state
        .db
        .channel_by_id(v.channel_id)
        .await?
        .ok_or_else(|| FedError::Refused("channel vanished".into()))?;
    Ok((
        account_actor(state, &account).await?,
        channel_actor(state, &channel).await?,
    ))
}

/// A local video as PeerTube's `Video` object.
pub async fn video_object(state: &Instance, v: &VideoRow) -> FedResult<VideoObject> {
    let id = video_url(state, v);
    let (account_actor, channel_actor) = video_actors(state, v).await?;
    let (to, cc) = audience(
        v,
        account_actor
            .followers_url
            .clone()
            .unwrap_or_else(|| format!("{}/followers", account_actor.url)),
    );
    let files = state.db.video_files(v.id).await?;
    let playlist = state.db.video_playlist(v.id).await?;
    let hls_base = state.file_base_url(v, FileKind::Hls);
    let mirrors = crate::redundancy::copies::mirror_urls(state, v.id)
        .await
        .map_err(|e| FedError::Refused(e.to_string()))?;
    let web_base = state.file_base_url(v, FileKind::WebVideo);
    let hls = playlist.map(|p| {
        let master_url = format!("{hls_base}/{}", p.master_filename);
        let hls_files: Vec<&FileRow> = files.iter().filter(|f| f.kind == FileKind::Hls).collect();
        HlsPlaylistLink {
            infohashes: (0..hls_files.len())
                .map(|i| hex::encode(ferrotube_p2p::hls_swarm_infohash(&master_url, i)))
                .collect(),
            segments_sha256_url: Some(format!("{hls_base}/{}", p.sha256_filename)),
            files: hls_files
                .iter()
                .map(|f| file_link(state, v, f, &hls_base))
                .collect(),
            master_url,
            redundancies: mirrors,
        }
    });
    let web_files = files
        .iter()
        .filter(|f| f.kind == FileKind::WebVideo)
        .map(|f| file_link(state, v, f, &web_base))
        .collect();
    let mut icons = Vec::new();
    if let Some(t) = &v.thumbnail_name {
        icons.push(Image {
            url: format!("{}/lazy-static/thumbnails/{t}", state.url),
            media_type: "image/jpeg".into(),
            width: Some(280),
            height: Some(157),
        });
    }
    if let Some(p) = &v.preview_name {
        icons.push(Image {
            url: format!("{}/lazy-static/previews/{p}", state.url),
            media_type: "image/jpeg".into(),
            width: Some(850),
            height: Some(480),
        });
    }
    let policy = CommentsPolicy::from_id(v.comments_policy).unwrap_or(CommentsPolicy::Enabled);
    Ok(VideoObject {
        uuid: v.uuid.clone(),
        name: v.name.clone(),
        duration_secs: v.duration,
        category: v
            .category
            .and_then(|c| categories().get(&c).map(|n| (c, n.clone()))),
        licence: v
            .licence
            .and_then(|c| licences().get(&c).map(|n| (c, n.clone()))),
        language: v
            .language
            .as_ref()
            .and_then(|l| language_label(l).map(|n| (l.clone(), n.to_string()))),
        views: v.views,
        sensitive: v.nsfw,
        wait_transcoding: v.wait_transcoding,
        state: v.state.id(),
        comments_enabled: policy != CommentsPolicy::Disabled,
        comments_policy: policy.id(),
        download_enabled: v.download_enabled,
        published: iso(v.published_at),
        updated: iso(v.updated_at),
        originally_published_at: v.originally_published_at.map(iso),
        tags: state.db.video_tags(v.id).await?,
        content: v.description.clone(),
        support: v.support.clone(),
        icons,
        aspect_ratio: v.aspect_ratio,
        hls,
        web_files,
        likes_url: format!("{id}/likes"),
        dislikes_url: format!("{id}/dislikes"),
        shares_url: format!("{id}/announces"),
        comments_url: format!("{id}/comments"),
        account_url: account_actor.url,
        channel_url: channel_actor.url,
        to,
        cc,
        is_live: false,
        subtitles: crate::captions::store::ap_subtitles(state, v)
            .await
            .map_err(|e| FedError::Refused(e.to_string()))?,
        storyboard: crate::captions::store::ap_storyboard(state, v)
            .await
            .map_err(|e| FedError::Refused(e.to_string()))?,
        chapters_url: Some(format!("{id}/chapters")),
        trackers: vec![state.trackers.http.clone(), state.trackers.ws.clone()],
        live_save_replay: None,
        permanent_live: None,
        latency_mode: None,
        id,
    })
}

fn remote_file(kind: &'static str, f: &VideoFileLink) -> RemoteFile {
    let height = f.height as i64;
    RemoteFile {
        kind,
        resolution: height,
        width: f.width.map(|w| w as i64).unwrap_or(height * 16 / 9),
        height,
        fps: f.fps.map(|x| x as i64).unwrap_or(0),
        size: f.size.unwrap_or(0),
        file_url: f.url.clone(),
        torrent_url: f.torrent_url.clone(),
        magnet_uri: f.magnet_uri.clone(),
        info_hash: f.info_hash.clone(),
        has_audio: f.has_audio,
        has_video: f.has_video,
    }
}

/// Stores a remote video object. `origin_host` is the host vouching for it (the signer of the
/// activity, or the server we fetched it from): a server may only describe its own videos.
pub async fn store_remote_video(
    state: &Instance,
    obj: &VideoObject,
    origin_host: &str,
) -> FedResult<i64> {
    let lock = state.federation.video_lock(&obj.id);
    let _held = lock.lock().await;
    // Deleted here by its origin: this copy may be older than the Delete (an activity delivered
    // before it and applied after), so only the origin's current answer may bring it back.
    if state.db.video_tombstoned(&obj.id).await? {
        let fresh = fetch_video_object(state, &obj.id).await?;
        let id = store_remote_video_locked(state, &fresh, origin_host).await?;
        state.db.clear_video_tombstone(&obj.id).await?;
        return Ok(id);
    }
    store_remote_video_locked(state, obj, origin_host).await
}

/// The Video at `url`, as its origin serves it now (signed fetch).
async fn fetch_video_object(state: &Instance, url: &str) -> FedResult<VideoObject> {
    let signer = super::actors::instance_signer(state).await?;
    let doc = state
        .federation
        .client
        .get_activity_json(url, Some(&signer))
        .await?;
    let obj = parse_video(&doc)?;
    if obj.id != url {
        return Err(FedError::Refused(format!(
            "fetched {url} but the document is {}",
            obj.id
        )));
    }
    Ok(obj)
}

/// [`store_remote_video`] for a caller that holds the video's lock.
async fn store_remote_video_locked(
    state: &Instance,
    obj: &VideoObject,
    origin_host: &str,
) -> FedResult<i64> {
    let host = url_host(&obj.id).unwrap_or_default();
    if host != origin_host {
        return Err(FedError::Refused(format!(
            "video {} is not on {origin_host}",
            obj.id
        )));
    }
    if url_host(&obj.channel_url).as_deref() != Some(host.as_str()) {
        return Err(FedError::Refused(format!(
            "video {} claims a channel on another host",
            obj.id
        )));
    }
    if host == state.host {
        return Err(FedError::Refused("a remote copy of our own video".into()));
    }
    if super::blocklist::is_blocked_host(state, &host).await? {
        return Err(FedError::Refused(format!("{host} is blocked")));
    }
    let channel = remote_actor(state, &obj.channel_url, false).await?;
    let channel_id = channel
        .channel_id
        .ok_or_else(|| FedError::Refused(format!("{} is not a channel", obj.channel_url)))?;
    let privacy = if obj.to.iter().any(|t| t == PUBLIC) {
        Privacy::Public
    } else if obj.cc.iter().any(|t| t == PUBLIC) {
        Privacy::Unlisted
    } else {
        return Err(FedError::Refused(
            "video is neither public nor unlisted".into(),
        ));
    };
    let thumbnail = obj
        .icons
        .iter()
        .min_by_key(|i| i.width.unwrap_or(u32::MAX))
        .map(|i| i.url.clone());
    let preview = obj
        .icons
        .iter()
        .max_by_key(|i| i.width.unwrap_or(0))
        .filter(|_| obj.icons.len() > 1)
        .map(|i| i.url.clone());
    let mut files: Vec<RemoteFile> = Vec::new();
    let playlist = obj.hls.as_ref().map(|h| {
        files.extend(h.files.iter().map(|f| remote_file("hls", f)));
        RemotePlaylist {
            playlist_url: h.master_url.clone(),
            segments_sha256_url: h.segments_sha256_url.clone(),
        }
    });
    files.extend(obj.web_files.iter().map(|f| remote_file("web", f)));
    let now = now_ms();
    let published = ferrotube_model::timefmt::parse_iso(&obj.published).unwrap_or(now);
    let rv = RemoteVideo {
        url: obj.id.clone(),
        uuid: obj.uuid.clone(),
        channel_id,
        name: obj.name.clone(),
        description: obj.content.clone(),
        support: obj.support.clone(),
        category: obj
            .category
            .as_ref()
            .map(|c| c.0)
            .filter(|c| categories().contains_key(c)),
        licence: obj
            .licence
            .as_ref()
            .map(|c| c.0)
            .filter(|c| licences().contains_key(c)),
        language: obj.language.as_ref().map(|l| l.0.clone()),
        privacy: privacy.id(),
        nsfw: obj.sensitive,
        comments_policy: if obj.comments_enabled {
            CommentsPolicy::from_id(obj.comments_policy)
                .unwrap_or(CommentsPolicy::Enabled)
                .id()
        } else {
            CommentsPolicy::Disabled.id()
        },
        download_enabled: obj.download_enabled,
        wait_transcoding: obj.wait_transcoding,
        state: VideoState::from_id(obj.state)
            .map(|s| s.id())
            .unwrap_or(VideoState::Published.id()),
        duration: obj.duration_secs,
        aspect_ratio: obj.aspect_ratio,
        views: obj.views.max(0),
        thumbnail_url: thumbnail,
        preview_url: preview,
        originally_published_at: obj
            .originally_published_at
            .as_deref()
            .and_then(ferrotube_model::timefmt::parse_iso),
        published_at: published,
        updated_at: ferrotube_model::timefmt::parse_iso(&obj.updated).unwrap_or(published),
        tags: obj
            .tags
            .iter()
            .take(5)
            .map(|t| t.chars().take(30).collect())
            .collect(),
        playlist,
        files,
        now,
    };
    let id = state.db.upsert_remote_video(&rv).await?;
    super::extras::store_remote_extras(state, id, obj).await;
    state.videos_changed();
    Ok(id)
}

/// Fetches a video from its origin and stores it: what an Announce, a forwarded activity or a
/// crawl of an outbox leads to. Known and fresh videos are not refetched.
pub async fn fetch_remote_video(state: &Instance, url: &str, refresh: bool) -> FedResult<i64> {
    if url.starts_with(&state.url) {
        return local_video_by_url(state, url)
            .await?
            .map(|v| v.id)
            .ok_or_else(|| FedError::Refused(format!("no local video at {url}")));
    }
    // Held from the check to the store: a Delete that comes meanwhile waits, then wins.
    let lock = state.federation.video_lock(url);
    let _held = lock.lock().await;
    if !refresh {
        if let Some(v) = state.db.video_by_url(url).await? {
            return Ok(v.id);
        }
    }
    let host = url_host(url).ok_or_else(|| FedError::Refused(format!("bad URL {url}")))?;
    let obj = fetch_video_object(state, url).await?;
    let id = store_remote_video_locked(state, &obj, &host).await?;
    // Served by its origin: whatever was deleted before is back.
    state.db.clear_video_tombstone(url).await?;
    Ok(id)
}

/// Our video behind `/videos/watch/{uuid}` (or `/w/{shortUUID}`).
pub async fn local_video_by_url(state: &Instance, url: &str) -> FedResult<Option<VideoRow>> {
    let Some(path) = url.strip_prefix(&state.url) else {
        return Ok(None);
    };
    let id = path
        .strip_prefix("/videos/watch/")
        .or_else(|| path.strip_prefix("/w/"))
        .unwrap_or("");
    if id.is_empty() || id.contains('/') {
        return Ok(None);
    }
    let uuid = match uuid::Uuid::parse_str(id) {
        Ok(u) => u.to_string(),
        Err(_) => match ferrotube_model::uuid_from_short(id) {
            Some(u) => u.to_string(),
            None => return Ok(None),
        },
    };
    Ok(state
        .db
        .video_by_uuid(&uuid)
        .await?
        .filter(|v| v.is_local()))
}

/// A comment of ours behind `/videos/watch/{uuid}/comments/{id}`.
pub async fn local_comment_by_url(state: &Instance, url: &str) -> FedResult<Option<CommentRow>> {
    let Some(rest) = url
        .strip_prefix(&state.url)
        .and_then(|p| p.strip_prefix("/videos/watch/"))
    else {
        return Ok(None);
    };
    let Some((_, id)) = rest.split_once("/comments/") else {
        return Ok(None);
    };
    let Ok(id) = id.parse::<i64>() else {
        return Ok(None);
    };
    Ok(state
        .db
        .comment_by_id(id)
        .await?
        .filter(|c| c.url.is_none()))
}

/// A video (local or remote) by its ActivityPub URL.
pub async fn video_by_any_url(state: &Instance, url: &str) -> FedResult<Option<VideoRow>> {
    if url.starts_with(&state.url) {
        return local_video_by_url(state, url).await;
    }
    Ok(state.db.video_by_url(url).await?)
}

/// A video remote actors may rate or view: a remote one, or one of ours that federates (a
/// private or unpublished video of ours is not there for them, whoever knows its URL).
pub async fn video_for_remote(state: &Instance, url: &str) -> FedResult<Option<VideoRow>> {
    Ok(video_by_any_url(state, url)
        .await?
        .filter(|v| !v.is_local() || federates(v)))
}

/// A comment (local or remote) by its ActivityPub URL.
pub async fn comment_by_any_url(state: &Instance, url: &str) -> FedResult<Option<CommentRow>> {
    if url.starts_with(&state.url) {
        return local_comment_by_url(state, url).await;
    }
    Ok(state.db.comment_by_url(url).await?)
}

/// The id of the ApproveReply we send (or imply) for a comment on our video `v`, as PeerTube
/// names it: under our video's URL, with our id of the comment.
pub fn approve_reply_id(state: &Instance, v: &VideoRow, c: &CommentRow) -> String {
    format!(
        "{}/videos/watch/{}/comments/{}/approve-reply",
        state.url, v.uuid, c.id
    )
}

/// Our comment as a `Note` (a `Tombstone` once deleted).
pub async fn note_object(state: &Instance, v: &VideoRow, c: &CommentRow) -> FedResult<NoteObject> {
    let id = comment_url(state, &v.uuid, c);
    let in_reply_to = match c.in_reply_to_id {
        Some(parent) => match state.db.comment_by_id(parent).await? {
            Some(p) => comment_url(state, &v.uuid, &p),
            None => video_url(state, v),
        },
        None => video_url(state, v),
    };
    let author = match c.account_id {
        Some(a) => match state.db.account_by_id(a).await? {
            Some(acc) => Some(account_actor(state, &acc).await?),
            None => None,
        },
        None => None,
    };
    let (attributed_to, followers) = match author {
        Some(a) => {
            let f = a
                .followers_url
                .clone()
                .unwrap_or_else(|| format!("{}/followers", a.url));
            (a.url, f)
        }
        None => (String::new(), String::new()),
    };
    // PeerTube mentions the authors of the comments up the thread: Mastodon notifies (and
    // threads for) the mentioned only.
    let mut mentions: Vec<Mention> = Vec::new();
    let mut parent = c.in_reply_to_id;
    for _ in 0..100 {
        let Some(p) = parent else { break };
        let Some(pc) = state.db.comment_by_id(p).await? else {
            break;
        };
        if let Some(acc) = match pc.account_id {
            Some(a) => state.db.account_by_id(a).await?,
            None => None,
        } {
            // A mention we cannot make does not hold the comment back.
            if let Ok(actor) = account_actor(state, &acc).await {
                let host = actor.host.clone().unwrap_or_else(|| state.host.clone());
                let m = Mention {
                    name: format!("@{}@{host}", actor.username),
                    href: actor.url,
                };
                if !mentions.contains(&m) {
                    mentions.push(m);
                }
            }
        }
        parent = pc.in_reply_to_id;
    }
    Ok(NoteObject {
        url: Some(id.clone()),
        id,
        content: c.text.clone(),
        media_type: Some("text/markdown".into()),
        in_reply_to,
        published: iso(c.created_at),
        updated: Some(iso(c.updated_at)),
        attributed_to,
        to: vec![PUBLIC.to_string()],
        cc: if followers.is_empty() {
            Vec::new()
        } else {
            vec![followers]
        },
        tombstone: c.deleted_at.is_some(),
        mentions,
        // The approval that lets the video's audience show it: the ApproveReply we received
        // (or sent), or on our own video, ours, implied by its being published.
        reply_approval: c.reply_approval.clone().or_else(|| {
            (v.is_local() && !c.held_for_review).then(|| approve_reply_id(state, v, c))
        }),
    })
}

/// Plain text out of a remote Note's HTML (Mastodon sends `<p>…</p>` with links and mentions):
/// we show comments as text, so no remote markup ever reaches a page.
pub fn html_to_text(html: &str) -> String {
    let with_breaks = html
        .replace("<br>", "\n")
        .replace("<br/>", "\n")
        .replace("<br />", "\n")
        .replace("</p><p>", "\n\n");
    let mut out = String::with_capacity(with_breaks.len());
    let mut in_tag = false;
    for ch in with_breaks.chars() {
        match ch {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    decode_entities(&out).trim().to_string()
}

/// Named entities HTML serialisers emit, and numeric ones (`&#8217;`, `&#x27;`).
fn decode_entities(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    // `tail` is what follows an `&`; an entity is a name of at most 9 bytes and its `;`.
    while let Some((before, tail)) = rest.split_once('&') {
        out.push_str(before);
        let decoded = tail
            .split_once(';')
            .filter(|(name, _)| name.len() <= 9)
            .and_then(|(name, after)| entity_char(name).map(|c| (c, after)));
        match decoded {
            Some((c, after)) => {
                out.push(c);
                rest = after;
            }
            None => {
                out.push('&');
                rest = tail;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The character an entity's name (between `&` and `;`) stands for.
fn entity_char(name: &str) -> Option<char> {
    match name {
        "lt" => Some('<'),
        "gt" => Some('>'),
        "quot" => Some('"'),
        "apos" => Some('\''),
        "nbsp" => Some(' '),
        "amp" => Some('&'),
        _ => name
            .strip_prefix("#x")
            .or_else(|| name.strip_prefix("#X"))
            .and_then(|h| u32::from_str_radix(h, 16).ok())
            .or_else(|| name.strip_prefix('#').and_then(|d| d.parse().ok()))
            .and_then(char::from_u32),
    }
}

/// A remote comment as [`store_remote_note`] left it.
pub struct StoredNote {
    pub id: i64,
    pub video: VideoRow,
    /// First seen now (not a redelivery or an update of one we have).
    pub created: bool,
    pub held: bool,
}

/// Stores a remote Note replying to a video or to a comment we know; a new one is tagged and,
/// on our approval-required videos, held (see `comment_policy::moderate_new_comment`).
pub async fn store_remote_note(
    state: &Instance,
    note: &NoteObject,
    origin_host: &str,
) -> FedResult<StoredNote> {
    if url_host(&note.id).as_deref() != Some(origin_host)
        || url_host(&note.attributed_to).as_deref() != Some(origin_host)
    {
        return Err(FedError::Refused(format!(
            "note {} is not by an actor of {origin_host}",
            note.id
        )));
    }
    // Only public comments, as PeerTube: a direct message or a followers-only status that
    // replies to a video must not be published under it.
    let public = |a: &String| a == PUBLIC || a == "as:Public" || a == "Public";
    if !note.to.iter().chain(&note.cc).any(public) {
        return Err(FedError::Refused(format!(
            "note {} is not addressed to the public",
            note.id
        )));
    }
    let (video, thread_id, in_reply_to_id) =
        match video_by_any_url(state, &note.in_reply_to).await? {
            Some(v) => (v, None, None),
            None => match comment_by_any_url(state, &note.in_reply_to).await? {
                Some(parent) => {
                    let v = state
                        .db
                        .video_by_id(parent.video_id)
                        .await?
                        .ok_or_else(|| FedError::Refused("parent video vanished".into()))?;
                    (v, Some(parent.root_id()), Some(parent.id))
                }
                None => {
                    // A reply to a video we do not have yet: fetch it (it may be another instance's).
                    let id = fetch_remote_video(state, &note.in_reply_to, false).await?;
                    let v = state
                        .db
                        .video_by_id(id)
                        .await?
                        .ok_or_else(|| FedError::Refused("video vanished".into()))?;
                    (v, None, None)
                }
            },
        };
    if video.is_local() && !federates(&video) {
        return Err(FedError::Refused(format!(
            "video {} is private or not published",
            video.uuid
        )));
    }
    if CommentsPolicy::from_id(video.comments_policy) == Some(CommentsPolicy::Disabled) {
        return Err(FedError::Refused(
            "comments are disabled on this video".into(),
        ));
    }
    let author = remote_actor(state, &note.attributed_to, false).await?;
    let account_id = author
        .account_id
        .ok_or_else(|| FedError::Refused("a comment's author must be a person".into()))?;
    if state.db.is_account_blocked(account_id).await? {
        return Err(FedError::Refused("author is blocked".into()));
    }
    let text = if note.media_type.as_deref() == Some("text/markdown") {
        note.content.clone()
    } else {
        html_to_text(&note.content)
    };
    let text: String = text.chars().take(10_000).collect();
    if text.trim().is_empty() {
        return Err(FedError::Refused("empty comment".into()));
    }
    if let Some(known) = state.db.comment_by_url(&note.id).await? {
        return Ok(StoredNote {
            id: known.id,
            video,
            created: false,
            held: known.held_for_review,
        });
    }
    let moderation = crate::comment_policy::moderate_new_comment(state, None, &video, &text)
        .await
        .map_err(|e| FedError::Refused(format!("moderation: {}", e.detail)))?;
    let id = state
        .db
        .insert_comment(&NewComment {
            url: Some(&note.id),
            video_id: video.id,
            account_id,
            thread_id,
            in_reply_to_id,
            text: &text,
            created_at: ferrotube_model::timefmt::parse_iso(&note.published).unwrap_or_else(now_ms),
            held_for_review: moderation.held,
        })
        .await?;
    if let Err(e) = moderation.record(state, id).await {
        tracing::warn!(comment_id = id, error = %e.detail, "cannot record the comment's tags");
    }
    crate::notifications::notify(
        state,
        crate::notifications::Event::NewComment { comment_id: id },
    )
    .await;
    Ok(StoredNote {
        id,
        video,
        created: true,
        held: moderation.held,
    })
}

/// What a moderator still sees of a reported video once it is deleted (PeerTube's
/// `deletedVideo`). Here, beside the other video shapes, because both a local report
/// (`moderation`) and a received `Flag` (`inbox`) keep one.
pub fn video_snapshot(state: &Instance, v: &VideoRow) -> String {
    serde_json::json!({
        "id": v.id,
        "uuid": v.uuid,
        "name": v.name,
        "nsfw": v.nsfw,
        "channel": {
            "id": v.channel_id,
            "name": v.channel_name,
            "displayName": v.channel_display_name,
            "host": v.channel_host.clone().unwrap_or_else(|| state.host.clone()),
        },
    })
    .to_string()
}

/// What is kept of a reported comment: its report stays a comment report (PeerTube's filter)
/// and its words stay searchable once the comment is gone with its video.
pub fn comment_snapshot(c: &CommentRow, v: &VideoRow) -> String {
    serde_json::json!({
        "id": c.id,
        "threadId": c.thread_id.unwrap_or(c.id),
        "text": c.text,
        "video": { "id": v.id, "name": v.name, "uuid": v.uuid },
    })
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::html_to_text;

    #[test]
    fn mastodon_html_becomes_text() {
        assert_eq!(
            html_to_text(
                "<p>it&#8217;s <a href=\"x\">@bob</a> &amp; &#x27;co&#39; &lt;3</p><p>bye</p>"
            ),
            "it\u{2019}s @bob & 'co' <3\n\nbye"
        );
        assert_eq!(
            html_to_text("a & b &unknown; &#xZZ;"),
            "a & b &unknown; &#xZZ;"
        );
        // Multibyte text next to `&` and `;`, a too-long name and a trailing `&`.
        assert_eq!(
            html_to_text("é&é;€ &#128512; &averylongname; x&"),
            "é&é;€ \u{1F600} &averylongname; x&"
        );
    }
}
