//! `GET /api/v1/server/stats` (PeerTube's `ServerStats`): counts from the store, kept for
//! [`TTL`] as PeerTube caches this route, so a busy page of clients costs one set of queries.

use crate::error::Result;
use crate::Instance;
use ferrotube_model::timefmt::now_ms;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

pub const TTL: Duration = Duration::from_secs(5);

pub async fn server_stats(instance: &Instance) -> Result<Value> {
    if let Ok(c) = instance.runtime.stats.0.lock() {
        if let Some((at, v)) = c.as_ref() {
            if at.elapsed() < TTL {
                return Ok(v.clone());
            }
        }
    }
    let now = now_ms();
    let s = instance.db.server_stats(now).await?;
    let used = instance.db.redundancy_use().await?;
    let redundancy: Vec<Value> = instance
        .settings
        .redundancy
        .videos
        .strategies
        .iter()
        .map(|st| {
            let name = st.strategy.as_str();
            let u = used.iter().find(|u| u.strategy == name);
            json!({
                "strategy": name,
                "totalSize": st.size,
                "totalUsed": u.map_or(0, |u| u.used),
                // One HLS playlist per copied video.
                "totalVideoFiles": u.map_or(0, |u| u.videos),
                "totalVideos": u.map_or(0, |u| u.videos),
            })
        })
        .collect();
    let v = json!({
        "totalUsers": s.users,
        "totalDailyActiveUsers": s.daily_active_users,
        "totalWeeklyActiveUsers": s.weekly_active_users,
        "totalMonthlyActiveUsers": s.monthly_active_users,
        "totalModerators": s.moderators,
        "totalAdmins": s.admins,
        "totalLocalVideos": s.local_videos,
        "totalLocalVideoViews": s.local_video_views,
        "totalLocalVideoComments": s.local_video_comments,
        "totalLocalVideoFilesSize": s.local_video_files_size,
        "totalVideos": s.videos,
        "totalVideoComments": s.video_comments,
        "totalLocalVideoChannels": s.local_channels,
        "totalLocalDailyActiveVideoChannels": s.daily_active_channels,
        "totalLocalWeeklyActiveVideoChannels": s.weekly_active_channels,
        "totalLocalMonthlyActiveVideoChannels": s.monthly_active_channels,
        "totalLocalPlaylists": s.local_playlists,
        "totalInstanceFollowers": s.instance_followers,
        "totalInstanceFollowing": s.instance_following,
        "videosRedundancy": redundancy,
        // From the inbox jobs still listed (finished jobs are kept a week).
        "totalActivityPubMessagesProcessed": s.inbox_processed + s.inbox_errors,
        "totalActivityPubMessagesSuccesses": s.inbox_processed,
        "totalActivityPubMessagesErrors": s.inbox_errors,
        "activityPubMessagesProcessedPerSecond": s.inbox_last_hour as f64 / 3600.0,
        "totalActivityPubMessagesWaiting": s.inbox_waiting,
        "averageRegistrationRequestResponseTimeMs": s.registration_response_ms,
        "totalRegistrationRequestsProcessed": s.registrations_processed,
        "totalRegistrationRequests": s.registrations,
        // Abuse reports do not record when they were processed: PeerTube answers null for stats
        // it does not keep.
        "averageAbuseResponseTimeMs": null,
        "totalAbusesProcessed": s.abuses_processed,
        "totalAbuses": s.abuses,
    });
    if let Ok(mut c) = instance.runtime.stats.0.lock() {
        *c = Some((Instant::now(), v.clone()));
    }
    Ok(v)
}
