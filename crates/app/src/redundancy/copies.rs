//! What the rest of the instance reads about copies: where ours live and are served, which
//! copies of a video are live, and what a page plays. A leaf of `redundancy`: it knows the store
//! and nothing of federation, so `federation` (the AP Video, CacheFile objects) can read it
//! without an import circle.

use crate::{Instance, Result};
use ferrotube_db::redundancy::RedundancyRow;
use ferrotube_db::videos::VideoRow;
use ferrotube_model::timefmt::now_ms;

/// Where our copy of video `uuid` lives in the store.
pub fn copy_prefix(uuid: &str) -> String {
    format!("redundancy/hls/{uuid}")
}

/// The folder our copy of video `uuid` is served from (the CacheFile's `url`).
pub fn copy_url(state: &Instance, uuid: &str) -> String {
    format!("{}/static/redundancy/hls/{uuid}", state.url)
}

/// The id of the CacheFile announcing our copy of video `uuid`.
pub fn cache_file_id(state: &Instance, uuid: &str) -> String {
    format!("{}/redundancy/streaming-playlists/hls/{uuid}", state.url)
}

/// Whether we may keep a copy of `v`: another instance's video, published, that anyone may
/// watch (public or unlisted).
pub fn mirrorable(v: &VideoRow) -> bool {
    !v.is_local()
        && matches!(
            v.privacy,
            ferrotube_model::Privacy::Public | ferrotube_model::Privacy::Unlisted
        )
        && v.state == ferrotube_model::VideoState::Published
}

/// The folders of a video's live copies (ours and other instances'), for its REST and
/// ActivityPub answers, its torrents and the player.
pub async fn mirror_urls(state: &Instance, video_id: i64) -> Result<Vec<String>> {
    Ok(state
        .db
        .live_redundancies_of_video(video_id, now_ms())
        .await?
        .into_iter()
        .map(|r| r.file_url)
        .collect())
}

/// Where a viewer of this instance's page fetches a video's HLS stream from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamSources {
    /// The master playlist the page plays: ours for a local video; for a remote one, our copy
    /// when we keep one (it plays with the origin down), else the origin's.
    pub master_url: String,
    /// The sha256 map beside that master playlist.
    pub segments_sha256_url: String,
    /// Other folders holding the same files (the origin, other instances' copies), which the
    /// player also fetches segments from.
    pub mirrors: Vec<String>,
    /// The page plays our copy of a remote video.
    pub from_our_copy: bool,
}

fn file_name_of(url: &str) -> Option<&str> {
    url.rsplit_once('/')
        .map(|(_, name)| name)
        .filter(|n| !n.is_empty())
}

/// The stream sources of a video with an HLS playlist, or `None` (no playlist, or a remote one
/// whose origin published no master or map).
pub async fn stream_sources(state: &Instance, v: &VideoRow) -> Result<Option<StreamSources>> {
    let Some(playlist) = state.db.video_playlist(v.id).await? else {
        return Ok(None);
    };
    let copies = state.db.live_redundancies_of_video(v.id, now_ms()).await?;
    if v.is_local() {
        let base = state.file_base_url(v, ferrotube_model::FileKind::Hls);
        return Ok(Some(StreamSources {
            master_url: format!("{base}/{}", playlist.master_filename),
            segments_sha256_url: format!("{base}/{}", playlist.sha256_filename),
            mirrors: copies.into_iter().map(|r| r.file_url).collect(),
            from_our_copy: false,
        }));
    }
    let (Some(master), Some(sha)) = (playlist.playlist_url, playlist.segments_sha256_url) else {
        return Ok(None);
    };
    let origin_folder = master
        .rsplit_once('/')
        .map(|(folder, _)| folder.to_owned())
        .unwrap_or_default();
    let (ours, others): (Vec<RedundancyRow>, Vec<RedundancyRow>) =
        copies.into_iter().partition(|r| r.local);
    let mut mirrors: Vec<String> = others.into_iter().map(|r| r.file_url).collect();
    match (ours.first(), file_name_of(&master), file_name_of(&sha)) {
        (Some(copy), Some(master_name), Some(sha_name)) => {
            mirrors.insert(0, origin_folder);
            Ok(Some(StreamSources {
                master_url: format!("{}/{master_name}", copy.file_url),
                segments_sha256_url: format!("{}/{sha_name}", copy.file_url),
                mirrors,
                from_our_copy: true,
            }))
        }
        _ => Ok(Some(StreamSources {
            master_url: master,
            segments_sha256_url: sha,
            mirrors,
            from_our_copy: false,
        })),
    }
}

/// Our live copy of a remote video, if we keep one.
pub async fn our_live_copy(state: &Instance, video_id: i64) -> Result<Option<RedundancyRow>> {
    let now = now_ms();
    Ok(state
        .db
        .local_redundancy_of_video(video_id)
        .await?
        .filter(|r| r.expires_at.is_none_or(|e| e > now)))
}
