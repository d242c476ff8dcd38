//! The jobs table basics as the store exposes them (the queue's claims, leases and retries are
//! `crates/jobs`' tests): enqueue in a caller's transaction, listing by state and kind, claim
//! order and kinds, purge of finished jobs.

use crate::common::*;
use ferrotube_db::jobs::NewJob;
use ferrotube_db::Db;

fn job<'a>(kind: &'a str, priority: i64, run_at: i64) -> NewJob<'a> {
    NewJob {
        kind,
        payload: "{\"v\":1}",
        priority,
        max_attempts: 3,
        run_at,
    }
}

async fn jobs_enqueue_list_claim_purge(db: &Db) {
    // The video and its processing job commit together, or not at all.
    let a = user(db, "alice").await;
    let v = new_video(a.channel_id, "with job", T0);
    let mut tx = db.begin().await.unwrap();
    db.insert_video(&mut tx, &v).await.unwrap();
    let lost = db
        .enqueue_job_in(&mut tx, &job("transcode", 10, T0), T0)
        .await
        .expect("enqueue_job_in");
    drop(tx);
    assert!(
        db.job(lost).await.unwrap().is_none(),
        "enqueue_job_in in a rolled-back transaction leaves no job"
    );
    assert!(db.video_by_uuid(&v.uuid).await.unwrap().is_none());
    let mut tx = db.begin().await.unwrap();
    db.insert_video(&mut tx, &v).await.unwrap();
    let tj = db
        .enqueue_job_in(&mut tx, &job("transcode", 10, T0), T0)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let j = db
        .job(tj)
        .await
        .unwrap()
        .expect("job(id) after a committed enqueue_job_in");
    assert_eq!(
        (
            j.kind.as_str(),
            j.payload.as_str(),
            j.state.as_str(),
            j.priority,
            j.attempts,
            j.max_attempts,
            j.run_at,
            j.created_at,
            j.locked_by,
            j.finished_at
        ),
        (
            "transcode",
            "{\"v\":1}",
            "waiting",
            10,
            0,
            3,
            T0,
            T0,
            None,
            None
        ),
        "enqueue_job_in writes a waiting job"
    );
    assert!(db.video_by_uuid(&v.uuid).await.unwrap().is_some());

    let later = db
        .enqueue_job(&job("federate", 100, T0 + HOUR), T0)
        .await
        .expect("enqueue_job(delayed)");
    let urgent = db.enqueue_job(&job("federate", 1, T0), T0).await.unwrap();
    let ids = |r: (i64, Vec<ferrotube_db::jobs::JobRow>)| {
        (r.0, r.1.into_iter().map(|j| j.id).collect::<Vec<_>>())
    };
    assert_eq!(
        ids(db
            .list_jobs(None, None, T0, 0, 10)
            .await
            .expect("list_jobs(all)")),
        (3, vec![urgent, later, tj]),
        "list_jobs: every job, newest first"
    );
    assert_eq!(
        ids(db
            .list_jobs(Some("waiting"), None, T0, 0, 10)
            .await
            .unwrap()),
        (2, vec![urgent, tj]),
        "list_jobs(waiting): runnable now"
    );
    assert_eq!(
        ids(db
            .list_jobs(Some("delayed"), None, T0, 0, 10)
            .await
            .unwrap()),
        (1, vec![later]),
        "list_jobs(delayed): waiting with run_at in the future"
    );
    assert_eq!(
        ids(db
            .list_jobs(None, Some("federate"), T0, 0, 10)
            .await
            .unwrap()),
        (2, vec![urgent, later]),
        "list_jobs(kind)"
    );
    assert_eq!(
        ids(db
            .list_jobs(Some("waiting"), Some("federate"), T0, 0, 10)
            .await
            .unwrap()),
        (1, vec![urgent]),
        "list_jobs(state and kind)"
    );
    assert_eq!(
        ids(db.list_jobs(None, None, T0, 1, 1).await.unwrap()),
        (3, vec![later]),
        "list_jobs paging keeps the total"
    );

    assert!(
        db.claim_job("w", &[], T0, T0 + 10).await.unwrap().is_none(),
        "claim_job with no kinds"
    );
    assert!(
        db.claim_job("w", &["bad'kind"], T0, T0 + 10)
            .await
            .unwrap()
            .is_none(),
        "claim_job refuses kind names that are not [a-z_-]"
    );
    let c = db
        .claim_job("w", &["federate", "transcode"], T0, T0 + 10)
        .await
        .expect("claim_job")
        .expect("a runnable job");
    assert_eq!(
        (
            c.id,
            c.state.as_str(),
            c.attempts,
            c.locked_by.as_deref(),
            c.locked_until
        ),
        (urgent, "active", 1, Some("w"), Some(T0 + 10)),
        "claim_job takes the lowest priority number first"
    );
    let c2 = db
        .claim_job("w", &["federate", "transcode"], T0, T0 + 10)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(c2.id, tj, "claim_job then the next runnable one");
    assert!(
        db.claim_job("w", &["federate", "transcode"], T0, T0 + 10)
            .await
            .unwrap()
            .is_none(),
        "claim_job never takes a delayed job early"
    );
    assert_eq!(
        ids(db.list_jobs(Some("active"), None, T0, 0, 10).await.unwrap()).0,
        2,
        "list_jobs(active)"
    );

    assert!(db
        .heartbeat_job(tj, "w", T0 + 20, Some(50), T0 + 5)
        .await
        .expect("heartbeat_job"));
    assert_eq!(
        db.job(tj).await.unwrap().unwrap().progress,
        Some(50),
        "heartbeat_job records progress"
    );
    assert!(
        !db.complete_job(tj, "intruder", T0 + 6).await.unwrap(),
        "complete_job by another worker is refused"
    );
    assert!(db
        .complete_job(tj, "w", T0 + 6)
        .await
        .expect("complete_job"));
    assert!(db
        .fail_job(urgent, "w", "boom", None, T0 + 7)
        .await
        .expect("fail_job(for good)"));
    let j = db.job(urgent).await.unwrap().unwrap();
    assert_eq!(
        (j.state.as_str(), j.last_error.as_deref(), j.finished_at),
        ("failed", Some("boom"), Some(T0 + 7))
    );
    assert_eq!(
        ids(db
            .list_jobs(Some("completed"), None, T0, 0, 10)
            .await
            .unwrap()),
        (1, vec![tj]),
        "list_jobs(completed)"
    );
    assert_eq!(
        ids(db.list_jobs(Some("failed"), None, T0, 0, 10).await.unwrap()),
        (1, vec![urgent]),
        "list_jobs(failed)"
    );

    assert_eq!(
        db.purge_finished_jobs(T0 + 7)
            .await
            .expect("purge_finished_jobs"),
        1,
        "purge_finished_jobs: finished strictly before the limit"
    );
    assert!(db.job(tj).await.unwrap().is_none() && db.job(urgent).await.unwrap().is_some());
    assert_eq!(db.purge_finished_jobs(T0 + DAY).await.unwrap(), 1);
    assert!(
        db.job(later).await.unwrap().is_some(),
        "purge_finished_jobs never removes waiting jobs"
    );
}

on_both_backends!(jobs_enqueue_list_claim_purge);
