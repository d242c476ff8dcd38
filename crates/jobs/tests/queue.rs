//! The durable queue on both backends: claims are exclusive, leases expire and are taken over,
//! failures retry with backoff and then fail for good, a job lost by a dead worker is abandoned
//! through the give-up hook once attempts are exhausted.
#![allow(clippy::unwrap_used)]

use ferrotube_db::jobs::NewJob;
use ferrotube_db::Db;
use ferrotube_jobs::{JobError, Queue, Runner};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// A fresh database: a temp SQLite file, or a new PostgreSQL database dropped on `cleanup`.
struct TestDb {
    db: Db,
    pg_name: Option<String>,
    _dir: Option<tempfile::TempDir>,
}

const PG_ADMIN: &str = "postgres://postgres@127.0.0.1:5432/postgres";

impl TestDb {
    async fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::connect(&format!("sqlite://{}", dir.path().join("t.db").display()))
            .await
            .unwrap();
        TestDb {
            db,
            pg_name: None,
            _dir: Some(dir),
        }
    }

    async fn postgres() -> TestDb {
        use sqlx::Connection;
        let name = format!("ft_jobs_{}", rand::random::<u32>());
        let mut admin = sqlx::PgConnection::connect(PG_ADMIN)
            .await
            .expect("PostgreSQL must be running on 127.0.0.1:5432");
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut admin)
            .await
            .unwrap();
        let db = Db::connect(&format!("postgres://postgres@127.0.0.1:5432/{name}"))
            .await
            .unwrap();
        TestDb {
            db,
            pg_name: Some(name),
            _dir: None,
        }
    }

    async fn cleanup(self) {
        self.db.close().await;
        if let Some(name) = self.pg_name {
            use sqlx::Connection;
            let mut admin = sqlx::PgConnection::connect(PG_ADMIN).await.unwrap();
            sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .execute(&mut admin)
                .await
                .unwrap();
        }
    }
}

fn job<'a>(kind: &'a str, payload: &'a str) -> NewJob<'a> {
    NewJob {
        kind,
        payload,
        priority: 100,
        max_attempts: 3,
        run_at: 0,
    }
}

async fn claims_are_exclusive_and_leases_expire(t: &TestDb) {
    let db = &t.db;
    let id = db.enqueue_job(&job("k", "{}"), 1).await.unwrap();
    let a = db
        .claim_job("a", &["k"], 1000, 2000)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(a.id, id);
    assert_eq!(a.attempts, 1);
    assert!(
        db.claim_job("b", &["k"], 1500, 2500)
            .await
            .unwrap()
            .is_none(),
        "a leased job is not claimable"
    );
    assert!(
        db.claim_job("b", &["other"], 3000, 4000)
            .await
            .unwrap()
            .is_none(),
        "kinds are respected"
    );
    // a heart-beats; its lease moves.
    assert!(db
        .heartbeat_job(id, "a", 3000, Some(40), 1900)
        .await
        .unwrap());
    assert!(db
        .claim_job("b", &["k"], 2500, 3500)
        .await
        .unwrap()
        .is_none());
    // a dies: after the lease, b takes it over; a can no longer complete it.
    let b = db
        .claim_job("b", &["k"], 3001, 4000)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((b.id, b.attempts), (id, 2));
    assert!(!db.heartbeat_job(id, "a", 9000, None, 3002).await.unwrap());
    assert!(!db.complete_job(id, "a", 3003).await.unwrap());
    assert!(db.complete_job(id, "b", 3004).await.unwrap());
    assert!(
        db.claim_job("c", &["k"], 99_999, 100_000)
            .await
            .unwrap()
            .is_none(),
        "completed jobs stay done"
    );
    let (total, rows) = db
        .list_jobs(Some("completed"), None, 5000, 0, 10)
        .await
        .unwrap();
    assert_eq!((total, rows.len()), (1, 1));
}

async fn failures_retry_then_fail(t: &TestDb) {
    let db = &t.db;
    let id = db.enqueue_job(&job("k", "{}"), 1).await.unwrap();
    let j = db.claim_job("w", &["k"], 10, 20).await.unwrap().unwrap();
    assert!(db.fail_job(j.id, "w", "boom", Some(500), 11).await.unwrap());
    assert!(
        db.claim_job("w", &["k"], 100, 200).await.unwrap().is_none(),
        "not before its backoff"
    );
    let (delayed, _) = db
        .list_jobs(Some("delayed"), None, 100, 0, 10)
        .await
        .unwrap();
    assert_eq!(delayed, 1);
    let j = db.claim_job("w", &["k"], 600, 700).await.unwrap().unwrap();
    assert_eq!(j.last_error.as_deref(), Some("boom"));
    assert!(db.fail_job(j.id, "w", "final", None, 601).await.unwrap());
    let row = db.job(id).await.unwrap().unwrap();
    assert_eq!(row.state, "failed");
    assert!(db
        .claim_job("w", &["k"], 10_000, 20_000)
        .await
        .unwrap()
        .is_none());
}

/// A body that holds a write transaction across heartbeats (as one that enqueues a follow-up job
/// does) must not stall them: on SQLite the writer is a single connection, and a heartbeat awaited
/// instead of the body waited for it until the pool gave up (60 s).
async fn heartbeats_do_not_wait_on_the_body(t: &TestDb) {
    let q = Queue::new(t.db.clone(), Duration::from_millis(900), 2);
    let db = t.db.clone();
    let runner = Runner::new(q.clone()).register(
        "holds-writer",
        1,
        Arc::new(move |_ctx| {
            let db = db.clone();
            Box::pin(async move {
                let tx = db
                    .begin()
                    .await
                    .map_err(|e| JobError::Retry(e.to_string()))?;
                // Two heartbeat periods with the writer held.
                tokio::time::sleep(Duration::from_millis(700)).await;
                tx.commit()
                    .await
                    .map_err(|e| JobError::Retry(e.to_string()))?;
                Ok(())
            })
        }),
        None,
    );
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let handles = runner.spawn(stop_rx);
    let started = std::time::Instant::now();
    let id = q
        .enqueue("holds-writer", &serde_json::json!({}), 1)
        .await
        .unwrap();
    let deadline = started + Duration::from_secs(20);
    loop {
        let j = t.db.job(id).await.unwrap().unwrap();
        if j.state == "completed" {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the job did not complete: {j:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    stop_tx.send(true).unwrap();
    for h in handles {
        h.await.unwrap();
    }
}

async fn runner_retries_and_gives_up(t: &TestDb) {
    let q = Queue::new(t.db.clone(), Duration::from_secs(3), 2);
    let runs = Arc::new(AtomicUsize::new(0));
    let gave_up = Arc::new(AtomicUsize::new(0));
    let r = runs.clone();
    let g = gave_up.clone();
    let runner = Runner::new(q.clone()).register(
        "flaky",
        1,
        Arc::new(move |ctx| {
            let r = r.clone();
            Box::pin(async move {
                let n = r.fetch_add(1, Ordering::SeqCst);
                ctx.progress.send_replace(50);
                if n == 0 {
                    Err(JobError::Retry("first run fails".into()))
                } else {
                    Ok(())
                }
            })
        }),
        Some(Arc::new(move |_, _| {
            let g = g.clone();
            Box::pin(async move {
                g.fetch_add(1, Ordering::SeqCst);
            })
        })),
    );
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let handles = runner.spawn(stop_rx);
    let id = q
        .enqueue("flaky", &serde_json::json!({"x": 1}), 1)
        .await
        .unwrap();
    // The retry waits for its backoff (5 s and a little jitter).
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let j = t.db.job(id).await.unwrap().unwrap();
        if j.state == "completed" {
            assert_eq!(j.attempts, 2);
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "job did not complete: {j:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(runs.load(Ordering::SeqCst), 2);

    // A job whose worker died with every attempt used is abandoned through the give-up hook.
    let now = ferrotube_model::timefmt::now_ms();
    let lost =
        t.db.enqueue_job(
            &NewJob {
                kind: "flaky",
                payload: "{}",
                priority: 1,
                max_attempts: 1,
                run_at: 0,
            },
            now,
        )
        .await
        .unwrap();
    t.db.claim_job("dead-worker", &["flaky"], now, now + 1)
        .await
        .unwrap();
    q.wake();
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    loop {
        let j = t.db.job(lost).await.unwrap().unwrap();
        if j.state == "failed" {
            assert!(j.last_error.unwrap_or_default().contains("gave up"));
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "lost job was not abandoned: {j:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(gave_up.load(Ordering::SeqCst), 1);
    stop_tx.send(true).unwrap();
    for h in handles {
        h.await.unwrap();
    }
}

/// A paused queue's workers claim nothing (the job stays waiting); resuming wakes them and the
/// job runs. `run_until_idle` respects the pause too.
async fn paused_workers_claim_nothing(t: &TestDb) {
    let q = Queue::new(t.db.clone(), Duration::from_secs(3), 2);
    let runs = Arc::new(AtomicUsize::new(0));
    let r = runs.clone();
    let runner = Runner::new(q.clone()).register(
        "counted",
        1,
        Arc::new(move |_ctx| {
            let r = r.clone();
            Box::pin(async move {
                r.fetch_add(1, Ordering::SeqCst);
                Ok(())
            })
        }),
        None,
    );
    q.set_paused(true);
    assert!(q.is_paused());
    let id = q
        .enqueue("counted", &serde_json::json!({}), 1)
        .await
        .unwrap();
    assert_eq!(
        runner.run_until_idle().await.unwrap(),
        0,
        "paused: nothing runs inline"
    );
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let handles = runner.spawn(stop_rx);
    q.wake();
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(runs.load(Ordering::SeqCst), 0, "paused workers ran a job");
    assert_eq!(t.db.job(id).await.unwrap().unwrap().state, "waiting");
    q.set_paused(false);
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while t.db.job(id).await.unwrap().unwrap().state != "completed" {
        assert!(std::time::Instant::now() < deadline, "not run after resume");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(runs.load(Ordering::SeqCst), 1);
    stop_tx.send(true).unwrap();
    for h in handles {
        h.await.unwrap();
    }
}

macro_rules! on_both {
    ($name:ident) => {
        mod $name {
            #[tokio::test]
            async fn sqlite() {
                let t = super::TestDb::sqlite().await;
                super::$name(&t).await;
                t.cleanup().await;
            }
            #[tokio::test]
            async fn postgres() {
                let t = super::TestDb::postgres().await;
                super::$name(&t).await;
                t.cleanup().await;
            }
        }
    };
}

on_both!(claims_are_exclusive_and_leases_expire);
on_both!(heartbeats_do_not_wait_on_the_body);
on_both!(failures_retry_then_fail);
on_both!(runner_retries_and_gives_up);
on_both!(paused_workers_claim_nothing);
