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

pub mod copies;
pub mod mirror;
pub mod schedule;

use crate::federation::actors::instance_actor;
use crate::federation::cache_files::{self, CacheFileChange};
use crate::{Error, Instance, Result};
use ferrotube_db::redundancy::{RedundancyRow, RedundancyTarget, RedundantVideo};
use ferrotube_db::videos::VideoRow;
use ferrotube_model::timefmt::now_ms;
use ferrotube_storage::ObjectStore;

pub use copies::{
    cache_file_id, copy_prefix, copy_url, mirror_urls, mirrorable, our_live_copy, stream_sources,
    StreamSources,
};
pub use mirror::{run_mirror, MIRROR};
pub use schedule::{run_check, CHECK};

/// The strategy name of a copy made by hand (`POST /api/v1/server/redundancy/videos`).
pub const MANUAL: &str = "manual";

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
