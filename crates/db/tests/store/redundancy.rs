//! Video redundancy: the per-host switch, the copies (ours and announced ones), their expiry,
//! the strategies' candidates and the admin lists.

use crate::common::*;
use crate::remote_videos::{remote, remote_channel};
use ferrotube_db::federation::ActorFields;
use ferrotube_db::jobs::NewJob;
use ferrotube_db::redundancy::{CandidateOrder, NewRedundancy, RedundancyTarget};
use ferrotube_db::Db;

const HOST: &str = "origin.example";

fn actor<'a>(url: &'a str, host: Option<&'a str>) -> ActorFields<'a> {
    ActorFields {
        url,
        kind: "Application",
        username: "peertube",
        host,
        account_id: None,
        channel_id: None,
        inbox_url: "https://x.example/inbox",
        shared_inbox_url: None,
        outbox_url: None,
        followers_url: None,
        public_key_pem: None,
        now: T0,
    }
}

fn copy<'a>(
    video_id: i64,
    actor_id: i64,
    local: bool,
    url: &'a str,
    expires_at: Option<i64>,
) -> NewRedundancy<'a> {
    NewRedundancy {
        video_id,
        actor_id,
        local,
        url,
        file_url: url,
        strategy: local.then_some("recently-added"),
        size: 100,
        expires_at,
        now: T0,
    }
}

async fn redundancy_story(db: &Db) {
    let ch = remote_channel(db).await;
    let mut v1 = remote("https://origin.example/videos/watch/u1", "u1", ch, T0);
    v1.views = 10;
    v1.published_at = T0 - DAY;
    let mut v2 = remote("https://origin.example/videos/watch/u2", "u2", ch, T0);
    v2.views = 50;
    v2.published_at = T0 - 2 * DAY;
    let id1 = db.upsert_remote_video(&v1).await.unwrap();
    let id2 = db.upsert_remote_video(&v2).await.unwrap();
    let me = db
        .upsert_actor(&actor("https://me.example/accounts/peertube", None))
        .await
        .unwrap();
    let them = db
        .upsert_actor(&actor(
            "https://origin.example/accounts/peertube",
            Some(HOST),
        ))
        .await
        .unwrap();

    // The switch, and who we follow.
    assert!(
        !db.follows_host(me.id, HOST).await.unwrap(),
        "follows_host before any follow"
    );
    db.upsert_follow(me.id, them.id, "accepted", None, T0)
        .await
        .unwrap();
    assert!(
        db.follows_host(me.id, HOST).await.unwrap(),
        "follows_host after an accepted follow"
    );
    assert!(!db.follows_host(me.id, "other.example").await.unwrap());
    let ranked = db
        .mirror_candidates(CandidateOrder::MostViews, 0, T0, 10)
        .await
        .unwrap();
    assert!(
        ranked.is_empty(),
        "no candidates before the host is allowed"
    );
    assert!(db.set_redundancy_allowed(HOST, true, T0).await.unwrap());
    assert!(
        !db.set_redundancy_allowed(HOST, true, T0).await.unwrap(),
        "allowing twice changes nothing"
    );
    assert_eq!(
        db.redundancy_allowed_hosts().await.unwrap(),
        vec![HOST.to_string()]
    );

    // Candidates: ranked per strategy, with their HLS size, min_views honoured.
    let ids = |c: Vec<ferrotube_db::redundancy::MirrorCandidate>| {
        c.iter().map(|c| c.video_id).collect::<Vec<_>>()
    };
    assert_eq!(
        ids(db
            .mirror_candidates(CandidateOrder::MostViews, 0, T0, 10)
            .await
            .unwrap()),
        vec![id2, id1]
    );
    assert_eq!(
        ids(db
            .mirror_candidates(CandidateOrder::RecentlyAdded, 0, T0, 10)
            .await
            .unwrap()),
        vec![id1, id2]
    );
    // Views per day: 50 in two days (25 a day) before 10 in one day.
    assert_eq!(
        ids(db
            .mirror_candidates(CandidateOrder::Trending, 0, T0, 10)
            .await
            .unwrap()),
        vec![id2, id1]
    );
    assert_eq!(
        ids(db
            .mirror_candidates(CandidateOrder::RecentlyAdded, 20, T0, 10)
            .await
            .unwrap()),
        vec![id2]
    );
    let c = db
        .mirror_candidates(CandidateOrder::MostViews, 0, T0, 1)
        .await
        .unwrap();
    assert_eq!(c.len(), 1, "limit");
    assert!(c[0].size > 0 && !c[0].mirrored, "{c:?}");

    // Our copy of v1: recorded in a transaction, listed while it lives.
    let mut tx = db.begin().await.unwrap();
    let ours = db
        .upsert_redundancy_in(
            &mut tx,
            &copy(id1, me.id, true, "https://me.example/r/u1", Some(T0 + HOUR)),
        )
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let c = db
        .mirror_candidates(CandidateOrder::MostViews, 0, T0, 10)
        .await
        .unwrap();
    assert!(c.iter().any(|c| c.video_id == id1 && c.mirrored), "{c:?}");
    assert_eq!(
        db.local_redundancy_of_video(id1)
            .await
            .unwrap()
            .map(|r| r.id),
        Some(ours)
    );
    assert_eq!(
        db.live_redundancies_of_video(id1, T0).await.unwrap().len(),
        1
    );
    assert!(
        db.live_redundancies_of_video(id1, T0 + 2 * HOUR)
            .await
            .unwrap()
            .is_empty(),
        "expired copies are not listed"
    );
    assert_eq!(
        db.expired_local_redundancies(T0 + 2 * HOUR)
            .await
            .unwrap()
            .len(),
        1
    );
    assert!(db.expired_local_redundancies(T0).await.unwrap().is_empty());
    assert_eq!(
        db.local_redundancies("recently-added").await.unwrap().len(),
        1
    );
    assert!(db
        .local_redundancies("most-views")
        .await
        .unwrap()
        .is_empty());
    // The same copy again (a retried job): one row, refreshed.
    let again = db
        .upsert_redundancy(&copy(
            id1,
            me.id,
            true,
            "https://me.example/r/u1",
            Some(T0 + 3 * HOUR),
        ))
        .await
        .unwrap();
    assert_eq!(again, ours);
    assert_eq!(
        db.redundancy_by_id(ours).await.unwrap().unwrap().expires_at,
        Some(T0 + 3 * HOUR)
    );
    let mut tx = db.begin().await.unwrap();
    assert!(db
        .extend_redundancy_in(&mut tx, ours, Some(T0 + 5 * HOUR), T0 + HOUR)
        .await
        .unwrap());
    tx.commit().await.unwrap();
    let r = db
        .redundancy_by_url("https://me.example/r/u1")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (r.expires_at, r.updated_at),
        (Some(T0 + 5 * HOUR), T0 + HOUR)
    );

    // An announced copy of v2 by another instance, forgotten when it expires or is withdrawn.
    db.upsert_redundancy(&copy(
        id2,
        them.id,
        false,
        "https://origin.example/r/u2",
        Some(T0 + HOUR),
    ))
    .await
    .unwrap();
    let (total, list) = db
        .redundant_videos(RedundancyTarget::RemoteVideos, 0, 10)
        .await
        .unwrap();
    assert_eq!((total, list[0].id), (1, id1), "remote-videos: our copies");
    assert_eq!(
        db.redundancies_for_target(id1, RedundancyTarget::RemoteVideos)
            .await
            .unwrap()
            .len(),
        1
    );
    let (total, _) = db
        .redundant_videos(RedundancyTarget::MyVideos, 0, 10)
        .await
        .unwrap();
    assert_eq!(total, 0, "my-videos: others' copies of local videos only");
    assert!(
        !db.delete_remote_redundancy("https://origin.example/r/u2", me.id)
            .await
            .unwrap(),
        "only its announcer withdraws a copy"
    );
    assert_eq!(db.purge_expired_remote_redundancies(T0).await.unwrap(), 0);
    assert_eq!(
        db.purge_expired_remote_redundancies(T0 + 2 * HOUR)
            .await
            .unwrap(),
        1
    );
    db.upsert_redundancy(&copy(
        id2,
        them.id,
        false,
        "https://origin.example/r/u2",
        None,
    ))
    .await
    .unwrap();
    assert!(db
        .delete_remote_redundancy("https://origin.example/r/u2", them.id)
        .await
        .unwrap());
    let mut tx = db.begin().await.unwrap();
    assert!(db.delete_redundancy_in(&mut tx, ours).await.unwrap());
    tx.commit().await.unwrap();
    assert!(db
        .live_redundancies_of_video(id1, T0)
        .await
        .unwrap()
        .is_empty());

    // A mirror job waiting for a video.
    let pattern = format!("{{\"video_id\":{id1},%");
    assert!(!db
        .job_outstanding("video-redundancy", &pattern)
        .await
        .unwrap());
    let payload = format!("{{\"video_id\":{id1},\"strategy\":\"manual\"}}");
    let mut tx = db.begin().await.unwrap();
    db.enqueue_job_in(
        &mut tx,
        &NewJob {
            kind: "video-redundancy",
            payload: &payload,
            priority: 60,
            max_attempts: 5,
            run_at: T0,
        },
        T0,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert!(db
        .job_outstanding("video-redundancy", &pattern)
        .await
        .unwrap());
    assert!(!db
        .job_outstanding("video-redundancy", &format!("{{\"video_id\":{id2},%"))
        .await
        .unwrap());

    // Forbidding the host takes its videos out of the candidates.
    assert!(db.set_redundancy_allowed(HOST, false, T0).await.unwrap());
    assert!(db
        .mirror_candidates(CandidateOrder::MostViews, 0, T0, 10)
        .await
        .unwrap()
        .is_empty());
}

on_both_backends!(redundancy_story);
