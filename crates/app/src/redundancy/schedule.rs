//! The strategies of `redundancy.videos.strategies`, applied every `check_interval` by the
//! `videos-redundancy` job (one at a time on the whole cluster: a node queues it only when none
//! is waiting or running).
//!
//! For each strategy: rank the remote videos of the hosts we may mirror (`most-views`,
//! `trending`: views per day since publication, `recently-added` with `min_views`), and take
//! them best first while they fit in the strategy's `size` (copies not yet expired keep their
//! room: a copy lives at least `min_lifetime`). A wanted video without a copy is queued for
//! mirroring; a copy still wanted is renewed for another `min_lifetime` shortly before it would
//! expire (Update), one no longer wanted is dropped once expired (Undo, files removed). Copies
//! others announced and did not renew are forgotten, and folders of ours that no copy records (a
//! mirror that died between moving its files and recording them, and then gave up) are swept.

use super::{drop_copy, mirror, renew_copy, MANUAL};
use crate::Instance;
use ferrotube_config::{RedundancyStrategy, StrategyName};
use ferrotube_db::redundancy::{CandidateOrder, MirrorCandidate};
use ferrotube_jobs::{JobContext, JobError};
use ferrotube_model::timefmt::now_ms;
use std::collections::HashSet;
use std::time::Duration;
use tracing::{info, warn};

pub const CHECK: &str = "videos-redundancy";

/// How many ranked videos a strategy looks at per check.
const CANDIDATES: i64 = 100;
/// An unrecorded copy folder younger than this may belong to a mirror job about to record it.
const SWEEP_AFTER: Duration = Duration::from_secs(3600);

/// Queues a check unless one is waiting or running (called every `check_interval`).
pub async fn queue_check(state: &Instance) -> crate::Result<()> {
    if state.settings.redundancy.videos.strategies.is_empty()
        || state.db.job_outstanding(CHECK, "%").await?
    {
        return Ok(());
    }
    state
        .queue
        .enqueue(CHECK, &serde_json::json!({}), 80)
        .await?;
    Ok(())
}

pub async fn run_check(state: Instance, _ctx: JobContext) -> Result<(), JobError> {
    check(&state)
        .await
        .map_err(|e| JobError::Retry(e.to_string()))
}

/// One pass of every strategy.
pub async fn check(state: &Instance) -> crate::Result<()> {
    let now = now_ms();
    let forgotten = state.db.purge_expired_remote_redundancies(now).await?;
    if forgotten > 0 {
        info!(forgotten, "expired copies of other instances forgotten");
        state.videos_changed();
    }
    let strategies = &state.settings.redundancy.videos.strategies;
    for s in strategies {
        if let Err(e) = apply(state, s, now).await {
            warn!(strategy = s.strategy.as_str(), error = %e, "redundancy strategy failed");
        }
    }
    // Copies of a strategy no longer configured go when they expire.
    for r in state.db.expired_local_redundancies(now).await? {
        let configured = r.strategy.as_deref().is_some_and(|name| {
            name == MANUAL || strategies.iter().any(|s| s.strategy.as_str() == name)
        });
        if !configured {
            drop_copy(state, &r).await?;
        }
    }
    sweep_unrecorded(state).await;
    Ok(())
}

fn order_of(name: StrategyName) -> CandidateOrder {
    match name {
        StrategyName::MostViews => CandidateOrder::MostViews,
        StrategyName::Trending => CandidateOrder::Trending,
        StrategyName::RecentlyAdded => CandidateOrder::RecentlyAdded,
    }
}

/// The videos a strategy wants: best first while they fit in `room` bytes.
fn wanted(ranked: &[MirrorCandidate], room: i64) -> HashSet<i64> {
    let mut used = 0i64;
    let mut out = HashSet::new();
    for c in ranked {
        if used.saturating_add(c.size) <= room {
            used = used.saturating_add(c.size);
            out.insert(c.video_id);
        }
    }
    out
}

async fn apply(state: &Instance, s: &RedundancyStrategy, now: i64) -> crate::Result<()> {
    let name = s.strategy.as_str();
    let min_views = if s.strategy == StrategyName::RecentlyAdded {
        s.min_views
    } else {
        0
    };
    let ranked = state
        .db
        .mirror_candidates(order_of(s.strategy), min_views, now, CANDIDATES)
        .await?;
    let ours = state.db.local_redundancies(name).await?;
    let ours_ids: HashSet<i64> = ours.iter().map(|r| r.video_id).collect();
    let budget = i64::try_from(s.size).unwrap_or(i64::MAX);
    // Copies of other strategies are theirs to keep: this one ranks the rest.
    let ranked: Vec<MirrorCandidate> = ranked
        .into_iter()
        .filter(|c| !c.mirrored || ours_ids.contains(&c.video_id))
        .collect();
    let wanted_now = wanted(&ranked, budget);
    // Copies still within their lifetime keep their room even when no longer wanted.
    let kept: i64 = ours
        .iter()
        .filter(|r| r.expires_at.is_some_and(|e| e > now) && !wanted_now.contains(&r.video_id))
        .map(|r| r.size)
        .sum();
    let wanted_ids = wanted(&ranked, budget.saturating_sub(kept));
    let lifetime_ms = i64::try_from(s.min_lifetime).unwrap_or(i64::MAX / 2_000) * 1000;

    // A wanted copy is renewed before it would lapse (it expires within the next two checks),
    // so the origin never stops listing it; an unwanted one goes once it has expired.
    let interval_ms =
        i64::try_from(state.settings.redundancy.videos.check_interval).unwrap_or(3600) * 1000;
    for r in &ours {
        let Some(expires_at) = r.expires_at else {
            continue;
        };
        if wanted_ids.contains(&r.video_id) && expires_at <= now + 2 * interval_ms {
            match state.db.video_by_id(r.video_id).await? {
                Some(v) => renew_copy(state, &v, r, now + lifetime_ms).await?,
                None => drop_copy(state, r).await?,
            }
        } else if !wanted_ids.contains(&r.video_id) && expires_at <= now {
            drop_copy(state, r).await?;
        }
    }
    for c in ranked
        .iter()
        .filter(|c| !c.mirrored && wanted_ids.contains(&c.video_id))
    {
        if mirror::queue(state, c.video_id, name).await? {
            info!(strategy = name, video_id = c.video_id, "mirror queued");
        }
    }
    Ok(())
}

/// Removes copy folders that no row of ours records and that are old enough not to belong to a
/// mirror job between its move and its commit.
async fn sweep_unrecorded(state: &Instance) {
    let root = state.store.root().join("redundancy/hls");
    let Ok(mut dir) = tokio::fs::read_dir(&root).await else {
        return;
    };
    while let Ok(Some(entry)) = dir.next_entry().await {
        let Some(uuid) = entry.file_name().to_str().map(str::to_owned) else {
            continue;
        };
        let old = entry
            .metadata()
            .await
            .ok()
            .and_then(|m| m.modified().ok())
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age > SWEEP_AFTER);
        if !old {
            continue;
        }
        let recorded = match state.db.video_by_uuid(&uuid).await {
            Ok(Some(v)) => matches!(state.db.local_redundancy_of_video(v.id).await, Ok(Some(_))),
            Ok(None) => false,
            Err(_) => continue,
        };
        if !recorded {
            info!(%uuid, "unrecorded copy folder removed");
            let _ = tokio::fs::remove_dir_all(entry.path()).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_strategy_takes_the_best_videos_that_fit() {
        let c = |video_id, size| MirrorCandidate {
            video_id,
            size,
            mirrored: false,
        };
        let ranked = [c(1, 60), c(2, 50), c(3, 30), c(4, 10)];
        let w = wanted(&ranked, 100);
        assert_eq!(w, HashSet::from([1, 3, 4]));
        assert!(wanted(&ranked, 5).is_empty());
    }
}
