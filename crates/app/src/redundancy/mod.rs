//! Video redundancy, PeerTube's name for mirroring: this instance keeps copies of the HLS files
//! of videos from instances it follows (when an administrator allows it for that host), serves
//! them under `/static/redundancy/hls/{uuid}/`, and announces each copy with a `CacheFile`
//! activity so that the origin lists it as another source. Copies other instances announce of
//! the videos we know are recorded the same way and listed beside the video's files.
//!
//! - [`mirror`]: the job that makes one copy (download, check against the origin's sha256 map,
//!   move into place, record and announce in one transaction).
//! - [`schedule`]: the strategies (`redundancy.videos.strategies`) that pick, renew and drop
//!   copies every `check_interval`.
//! - [`crate::federation::cache_files`]: the CacheFile activities, both ways.

pub mod mirror;
pub mod schedule;

use crate::federation::actors::instance_actor;
use crate::federation::cache_files::{self, CacheFileChange};
use crate::{Error, Instance, Result};
use ferrotube_db::redundancy::{RedundancyRow, RedundancyTarget, RedundantVideo};
use ferrotube_db::videos::VideoRow;
use ferrotube_model::timefmt::now_ms;
use ferrotube_storage::ObjectStore;

pub use mirror::{run_mirror, MIRROR};
pub use schedule::{run_check, CHECK};

/// The strategy name of a copy made by hand (`POST /api/v1/server/redundancy/videos`).
pub const MANUAL: &str = "manual";

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

/// `PUT /api/v1/server/redundancy/{host}`: allows or forbids mirroring the videos of an
/// instance we follow.
pub async fn set_host_allowed(state: &Instance, host: &str, allowed: bool) -> Result<()> {
    let me = instance_actor(state).await?;
    if !state.db.follows_host(me.id, host).await? {
        return Err(Error::not_found("Server not found"));
    }
    state
        .db
        .set_redundancy_allowed(host, allowed, now_ms())
        .await?;
    tracing::info!(%host, allowed, "redundancy switch changed");
    Ok(())
}

/// One page of the admin list: videos with their copies of the `target` kind.
pub async fn list(
    state: &Instance,
    target: RedundancyTarget,
    start: i64,
    count: i64,
) -> Result<(i64, Vec<(RedundantVideo, Vec<RedundancyRow>)>)> {
    let (total, videos) = state.db.redundant_videos(target, start, count).await?;
    let mut out = Vec::with_capacity(videos.len());
    for v in videos {
        let copies = state.db.redundancies_for_target(v.id, target).await?;
        out.push((v, copies));
    }
    Ok((total, out))
}

/// `POST /api/v1/server/redundancy/videos`: mirrors one remote video now, whatever the
/// strategies say; the copy is kept until removed by hand.
pub async fn mirror_by_hand(state: &Instance, video_id: i64) -> Result<()> {
    let v = state
        .db
        .video_by_id(video_id)
        .await?
        .ok_or_else(|| Error::not_found("Video not found"))?;
    if v.is_local() {
        return Err(Error::bad_request(
            "Cannot create a redundancy of a local video",
        ));
    }
    if !mirrorable(&v) {
        return Err(Error::bad_request(
            "Only public or unlisted published videos can be mirrored",
        ));
    }
    if state.db.video_playlist(v.id).await?.is_none() {
        return Err(Error::bad_request(
            "This video has no HLS playlist to mirror",
        ));
    }
    if state.db.local_redundancy_of_video(v.id).await?.is_some() {
        return Err(Error::conflict(
            "This video is already duplicated by your instance.",
        ));
    }
    mirror::queue(state, v.id, MANUAL).await?;
    Ok(())
}

/// `DELETE /api/v1/server/redundancy/videos/{id}`: removes one of our copies.
pub async fn remove_by_hand(state: &Instance, redundancy_id: i64) -> Result<()> {
    let r = state
        .db
        .redundancy_by_id(redundancy_id)
        .await?
        .filter(|r| r.local)
        .ok_or_else(|| Error::not_found("Video redundancy not found"))?;
    drop_copy(state, &r).await
}

/// Withdraws our copy: the row goes and its Undo is queued in one transaction (nobody is sent
/// to files that are about to vanish), then the files are removed.
pub async fn drop_copy(state: &Instance, r: &RedundancyRow) -> Result<()> {
    let v = state.db.video_by_id(r.video_id).await?;
    let mut tx = state.db.begin().await?;
    state.db.delete_redundancy_in(&mut tx, r.id).await?;
    if let Some(v) = &v {
        cache_files::queue_announce(state, &mut tx, v, r, CacheFileChange::Undo).await?;
    }
    tx.commit().await?;
    state.queue.wake();
    state.videos_changed();
    if let Some(v) = &v {
        if let Err(e) = state.store.delete_prefix(&copy_prefix(&v.uuid)).await {
            tracing::warn!(error = %e, uuid = %v.uuid, "cannot remove the files of a dropped copy");
        }
        tracing::info!(uuid = %v.uuid, strategy = ?r.strategy, "copy dropped");
    }
    Ok(())
}

/// Keeps our copy `min_lifetime` longer and tells the others (Update{CacheFile}).
pub async fn renew_copy(
    state: &Instance,
    v: &VideoRow,
    r: &RedundancyRow,
    expires_at: i64,
) -> Result<()> {
    let now = now_ms();
    let mut tx = state.db.begin().await?;
    state
        .db
        .extend_redundancy_in(&mut tx, r.id, Some(expires_at), now)
        .await?;
    let renewed = RedundancyRow {
        expires_at: Some(expires_at),
        updated_at: now,
        ..r.clone()
    };
    cache_files::queue_announce(state, &mut tx, v, &renewed, CacheFileChange::Update).await?;
    tx.commit().await?;
    state.queue.wake();
    state.videos_changed();
    tracing::info!(uuid = %v.uuid, strategy = ?r.strategy, "copy renewed");
    Ok(())
}
