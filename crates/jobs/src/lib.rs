//! The durable job queue's runtime: workers claim jobs from the database with a lease, keep the
//! lease alive with heartbeats while the body runs, and record success, a retry with exponential
//! backoff, or a final failure. A node that dies (kill -9) simply stops heart-beating; its jobs
//! become claimable when their lease runs out, on this node after a restart or on any other.
//! This crate knows nothing of what jobs do: bodies are registered by kind.

use ferrotube_db::jobs::{JobRow, NewJob};
use ferrotube_db::{Db, Tx};
use ferrotube_model::timefmt::now_ms;
use futures::future::BoxFuture;
use serde::Serialize;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{watch, Notify};
use tracing::{debug, error, info_span, warn, Instrument};

#[derive(Debug, thiserror::Error)]
pub enum JobError {
    /// Worth another attempt (I/O, a busy database, a crashed ffmpeg).
    #[error("{0}")]
    Retry(String),
    /// Retrying cannot help (the input is not a video, the video was deleted).
    #[error("{0}")]
    Permanent(String),
}

#[derive(Debug, thiserror::Error)]
pub enum QueueError {
    #[error(transparent)]
    Db(#[from] ferrotube_db::DbError),
    #[error("cannot encode job payload: {0}")]
    Payload(#[from] serde_json::Error),
}

/// What a job body receives.
pub struct JobContext {
    pub id: i64,
    pub payload: serde_json::Value,
    pub attempt: i64,
    pub max_attempts: i64,
    /// 0..=100; stored with each heartbeat so admins see it in `/api/v1/jobs`.
    pub progress: watch::Sender<i64>,
}

impl JobContext {
    pub fn is_last_attempt(&self) -> bool {
        self.attempt >= self.max_attempts
    }
}

pub type JobBody =
    Arc<dyn Fn(JobContext) -> BoxFuture<'static, Result<(), JobError>> + Send + Sync>;
/// Called once when a job is abandoned without its body deciding it (attempts exhausted by
/// crashes), so the owner can record the failure (e.g. the video's state).
pub type GiveUp = Arc<dyn Fn(serde_json::Value, String) -> BoxFuture<'static, ()> + Send + Sync>;

#[derive(Clone)]
pub struct Queue {
    db: Db,
    notify: Arc<Notify>,
    pub max_attempts: i64,
    pub lease: Duration,
    pub worker_id: String,
    /// While set, workers claim no new job (running ones finish): PeerTube's
    /// `POST /api/v1/jobs/pause`. The owner keeps it in step across nodes.
    paused: Arc<AtomicBool>,
}

impl Queue {
    pub fn new(db: Db, lease: Duration, max_attempts: i64) -> Queue {
        let worker_id = format!("{}-{}", std::process::id(), rand::random::<u32>());
        Queue {
            db,
            notify: Arc::new(Notify::new()),
            max_attempts,
            lease,
            worker_id,
            paused: Arc::new(AtomicBool::new(false)),
        }
    }

    /// Stops (`true`) or lets again (`false`) this node's workers claim jobs; resuming wakes them.
    pub fn set_paused(&self, paused: bool) {
        let was = self.paused.swap(paused, Ordering::AcqRel);
        if was && !paused {
            self.wake();
        }
    }

    pub fn is_paused(&self) -> bool {
        self.paused.load(Ordering::Acquire)
    }

    /// Adds a job inside the caller's transaction; wake workers with [`Queue::wake`] after commit.
    pub async fn enqueue_in<T: Serialize>(
        &self,
        tx: &mut Tx,
        kind: &str,
        payload: &T,
        priority: i64,
    ) -> Result<i64, QueueError> {
        self.enqueue_in_with_attempts(tx, kind, payload, priority, self.max_attempts)
            .await
    }

    /// [`Queue::enqueue_in`] with its own attempt budget (deliveries to a server that is down
    /// for an hour should still arrive).
    pub async fn enqueue_in_with_attempts<T: Serialize>(
        &self,
        tx: &mut Tx,
        kind: &str,
        payload: &T,
        priority: i64,
        max_attempts: i64,
    ) -> Result<i64, QueueError> {
        let payload = serde_json::to_string(payload)?;
        let now = now_ms();
        let job = NewJob {
            kind,
            payload: &payload,
            priority,
            max_attempts: max_attempts.max(1),
            run_at: now,
        };
        Ok(self.db.enqueue_job_in(tx, &job, now).await?)
    }

    pub async fn enqueue<T: Serialize>(
        &self,
        kind: &str,
        payload: &T,
        priority: i64,
    ) -> Result<i64, QueueError> {
        let mut tx = self.db.begin().await?;
        let id = self.enqueue_in(&mut tx, kind, payload, priority).await?;
        tx.commit().await?;
        self.wake();
        Ok(id)
    }

    pub fn wake(&self) {
        self.notify.notify_waiters();
    }

    pub fn db(&self) -> &Db {
        &self.db
    }
}

struct Registration {
    concurrency: usize,
    body: JobBody,
    give_up: Option<GiveUp>,
}

pub struct Runner {
    queue: Queue,
    kinds: HashMap<&'static str, Registration>,
    poll: Duration,
}

impl Runner {
    pub fn new(queue: Queue) -> Runner {
        Runner {
            queue,
            kinds: HashMap::new(),
            poll: Duration::from_secs(1),
        }
    }

    pub fn register(
        mut self,
        kind: &'static str,
        concurrency: usize,
        body: JobBody,
        give_up: Option<GiveUp>,
    ) -> Runner {
        self.kinds.insert(
            kind,
            Registration {
                concurrency: concurrency.max(1),
                body,
                give_up,
            },
        );
        self
    }

    /// Starts `concurrency` worker loops per kind; they stop when `shutdown` turns true.
    pub fn spawn(self, shutdown: watch::Receiver<bool>) -> Vec<tokio::task::JoinHandle<()>> {
        let mut handles = Vec::new();
        for (kind, reg) in self.kinds {
            let reg = Arc::new(reg);
            for slot in 0..reg.concurrency {
                let q = self.queue.clone();
                let reg = reg.clone();
                let mut shutdown = shutdown.clone();
                let poll = self.poll;
                handles.push(tokio::spawn(async move {
                    loop {
                        if *shutdown.borrow() {
                            break;
                        }
                        let worked = match run_one(&q, kind, &reg).await {
                            Ok(w) => w,
                            Err(e) => {
                                warn!(kind, slot, error = %e, "job worker: queue error");
                                false
                            }
                        };
                        if !worked {
                            tokio::select! {
                                _ = q.notify.notified() => {}
                                _ = tokio::time::sleep(poll) => {}
                                _ = shutdown.changed() => {}
                            }
                        }
                    }
                }));
            }
        }
        handles
    }
}

impl Runner {
    /// Runs the claimable jobs of the registered kinds one at a time, inline in the caller's
    /// task, in the queue's order (priority, then age), until none is left to claim now (a job
    /// scheduled for later, such as a retry after its backoff, stays queued); returns how many
    /// ran. For tests that want no worker loops and no polling: jobs the bodies enqueue are run
    /// too.
    pub async fn run_until_idle(&self) -> Result<usize, QueueError> {
        let kinds: Vec<&str> = self.kinds.keys().copied().collect();
        let q = &self.queue;
        let mut ran = 0;
        loop {
            if q.is_paused() {
                return Ok(ran);
            }
            let now = now_ms();
            let lease_ms = q.lease.as_millis() as i64;
            let Some(job) =
                q.db.claim_job(&q.worker_id, &kinds, now, now + lease_ms)
                    .await?
            else {
                return Ok(ran);
            };
            let Some(reg) = self.kinds.get(job.kind.as_str()) else {
                return Ok(ran);
            };
            let span = info_span!("job", id = job.id, kind = %job.kind, attempt = job.attempts);
            execute(q, reg, job).instrument(span).await?;
            ran += 1;
        }
    }
}

/// Backoff before attempt `attempt + 1`: 5 s, 10 s, 20 s ... capped at 10 minutes, with jitter so
/// that jobs failing together do not retry together.
pub fn backoff_ms(attempt: i64) -> i64 {
    let base = 5_000i64.saturating_mul(1i64 << attempt.clamp(1, 8).saturating_sub(1));
    let capped = base.min(600_000);
    capped
        + rand::random::<u64>()
            .checked_rem(1 + capped as u64 / 5)
            .unwrap_or(0) as i64
}

async fn run_one(q: &Queue, kind: &'static str, reg: &Registration) -> Result<bool, QueueError> {
    if q.is_paused() {
        return Ok(false);
    }
    let lease_ms = q.lease.as_millis() as i64;
    let now = now_ms();
    let Some(job) =
        q.db.claim_job(&q.worker_id, &[kind], now, now + lease_ms)
            .await?
    else {
        return Ok(false);
    };
    let span = info_span!("job", id = job.id, kind, attempt = job.attempts);
    execute(q, reg, job).instrument(span).await?;
    Ok(true)
}

async fn execute(q: &Queue, reg: &Registration, job: JobRow) -> Result<(), QueueError> {
    let payload: serde_json::Value =
        serde_json::from_str(&job.payload).unwrap_or(serde_json::Value::Null);
    if job.attempts > job.max_attempts {
        let why = format!(
            "gave up after {} attempts; last error: {}",
            job.max_attempts,
            job.last_error
                .as_deref()
                .unwrap_or("the worker stopped while running it")
        );
        error!(%why, "job abandoned");
        q.db.fail_job(job.id, &q.worker_id, &why, None, now_ms())
            .await?;
        if let Some(g) = &reg.give_up {
            g(payload, why).await;
        }
        return Ok(());
    }
    // Debug: federation runs thousands of small jobs; failures and give-ups stay at warn/error.
    debug!("job started");
    let (progress_tx, mut progress_rx) = watch::channel(0i64);
    let ctx = JobContext {
        id: job.id,
        payload,
        attempt: job.attempts,
        max_attempts: job.max_attempts,
        progress: progress_tx,
    };
    let body = (reg.body)(ctx);
    let beat_every = q.lease / 3;
    // The heartbeats are a future of their own, polled together with the body: while one waits
    // for a database connection the body keeps running. (Awaiting a heartbeat in place of the
    // body deadlocked on SQLite's single writer whenever the body held it in a transaction.)
    let heartbeats = async {
        loop {
            tokio::time::sleep(beat_every).await;
            let p = *progress_rx.borrow_and_update();
            let now = now_ms();
            match q
                .db
                .heartbeat_job(
                    job.id,
                    &q.worker_id,
                    now + q.lease.as_millis() as i64,
                    Some(p),
                    now,
                )
                .await
            {
                Ok(true) => {}
                Ok(false) => {
                    // Another worker holds it now (our lease lapsed): stop, dropping the body
                    // kills its child processes.
                    warn!("job lease lost; abandoning this run");
                    return;
                }
                Err(e) => warn!(error = %e, "heartbeat failed"),
            }
        }
    };
    let outcome = tokio::select! {
        r = body => Some(r),
        () = heartbeats => None,
    };
    let now = now_ms();
    match outcome {
        None => {}
        Some(Ok(())) => {
            q.db.complete_job(job.id, &q.worker_id, now).await?;
            debug!("job completed");
        }
        Some(Err(JobError::Retry(msg))) if job.attempts < job.max_attempts => {
            let at = now + backoff_ms(job.attempts);
            warn!(error = %msg, retry_in_ms = at - now, "job failed; will retry");
            q.db.fail_job(job.id, &q.worker_id, &msg, Some(at), now)
                .await?;
        }
        Some(Err(e)) => {
            error!(error = %e, "job failed for good");
            q.db.fail_job(job.id, &q.worker_id, &e.to_string(), None, now)
                .await?;
        }
    }
    Ok(())
}
