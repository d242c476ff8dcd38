//! Storage of the durable job queue. A job is claimed with a lease (`locked_until`) that its worker
//! extends by heart-beating; a job whose lease ran out (its worker died, or the node was killed)
//! is claimable again. The job body runs outside any transaction: a transcode takes minutes.

use crate::macros::*;
use crate::{Db, Result, Tx};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct JobRow {
    pub id: i64,
    pub kind: String,
    pub payload: String,
    pub state: String,
    pub priority: i64,
    pub attempts: i64,
    pub max_attempts: i64,
    pub run_at: i64,
    pub locked_by: Option<String>,
    pub locked_until: Option<i64>,
    pub progress: Option<i64>,
    pub last_error: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub finished_at: Option<i64>,
}

const COLS: &str = "id, kind, payload, state, priority, attempts, max_attempts, run_at, locked_by, locked_until, progress, last_error, created_at, updated_at, finished_at";

pub struct NewJob<'a> {
    pub kind: &'a str,
    pub payload: &'a str,
    pub priority: i64,
    pub max_attempts: i64,
    pub run_at: i64,
}

fn kinds_list(kinds: &[&str]) -> String {
    // Job kinds are compile-time names of our own; refuse anything that could be SQL.
    kinds
        .iter()
        .filter(|k| {
            !k.is_empty()
                && k.bytes()
                    .all(|b| b.is_ascii_lowercase() || b == b'-' || b == b'_')
        })
        .map(|k| format!("'{k}'"))
        .collect::<Vec<_>>()
        .join(",")
}

impl Db {
    /// Whether a job of `kind` whose payload matches the LIKE pattern is waiting or running
    /// (so a periodic check does not queue the same work twice).
    pub async fn job_outstanding(&self, kind: &str, payload_like: &str) -> Result<bool> {
        Ok(read_scalar!(
            self,
            i64,
            "SELECT COUNT(*) FROM jobs WHERE kind = $1 AND state IN ('waiting', 'active') AND payload LIKE $2",
            kind,
            payload_like
        )? > 0)
    }

    pub async fn enqueue_job_in(&self, tx: &mut Tx, j: &NewJob<'_>, now: i64) -> Result<i64> {
        Ok(tx_scalar!(
            tx,
            i64,
            "INSERT INTO jobs (kind, payload, state, priority, max_attempts, run_at, created_at, updated_at) \
             VALUES ($1, $2, 'waiting', $3, $4, $5, $6, $6) RETURNING id",
            j.kind,
            j.payload,
            j.priority,
            j.max_attempts,
            j.run_at,
            now
        )?)
    }

    pub async fn enqueue_job(&self, j: &NewJob<'_>, now: i64) -> Result<i64> {
        let mut tx = self.begin().await?;
        let id = self.enqueue_job_in(&mut tx, j, now).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Takes the next runnable job of one of `kinds` for `worker`, leased until `lease_until`.
    pub async fn claim_job(
        &self,
        worker: &str,
        kinds: &[&str],
        now: i64,
        lease_until: i64,
    ) -> Result<Option<JobRow>> {
        let kinds = kinds_list(kinds);
        if kinds.is_empty() {
            return Ok(None);
        }
        let sql = match self {
            // Waiting jobs first, then expired leases, each an ordered walk of `jobs_claim`
            // (`+` keeps the planner off `jobs_ready`, which would read and sort the backlog).
            Db::Sqlite { .. } => format!(
                "UPDATE jobs SET state = 'active', locked_by = $1, locked_until = $2, attempts = attempts + 1, updated_at = $3 \
                 WHERE id = COALESCE(\
                 (SELECT id FROM jobs WHERE state = 'waiting' AND kind IN ({kinds}) AND +run_at <= $3 ORDER BY priority, id LIMIT 1), \
                 (SELECT id FROM jobs WHERE state = 'active' AND kind IN ({kinds}) AND +locked_until < $3 ORDER BY priority, id LIMIT 1)) \
                 RETURNING {COLS}"
            ),
            Db::Postgres(_) => Self::claim_sql_postgres(&kinds),
        };
        Ok(write_opt!(self, JobRow, &sql, worker, lease_until, now)?)
    }

    fn claim_sql_postgres(kinds: &str) -> String {
        // As on SQLite: waiting jobs first, then expired leases, each an ordered walk of
        // `jobs_claim` (one `OR` over both made the planner scan and sort the backlog).
        let lock = " FOR UPDATE SKIP LOCKED";
        format!(
            "UPDATE jobs SET state = 'active', locked_by = $1, locked_until = $2, attempts = attempts + 1, updated_at = $3 \
             WHERE id = COALESCE(\
             (SELECT id FROM jobs WHERE state = 'waiting' AND kind IN ({kinds}) AND run_at <= $3 ORDER BY priority, id LIMIT 1{lock}), \
             (SELECT id FROM jobs WHERE state = 'active' AND kind IN ({kinds}) AND locked_until < $3 ORDER BY priority, id LIMIT 1{lock})) \
             RETURNING {COLS}"
        )
    }

    /// Extends the lease; `false` when the job is no longer this worker's (another took it over).
    pub async fn heartbeat_job(
        &self,
        id: i64,
        worker: &str,
        lease_until: i64,
        progress: Option<i64>,
        now: i64,
    ) -> Result<bool> {
        let n = write_exec!(
            self,
            "UPDATE jobs SET locked_until = $1, progress = COALESCE($2, progress), updated_at = $3 WHERE id = $4 AND locked_by = $5 AND state = 'active'",
            lease_until,
            progress,
            now,
            id,
            worker
        )?;
        Ok(n == 1)
    }

    pub async fn complete_job(&self, id: i64, worker: &str, now: i64) -> Result<bool> {
        let n = write_exec!(
            self,
            "UPDATE jobs SET state = 'completed', locked_by = NULL, locked_until = NULL, progress = 100, finished_at = $1, updated_at = $1 \
             WHERE id = $2 AND locked_by = $3",
            now,
            id,
            worker
        )?;
        Ok(n == 1)
    }

    /// Records a failure: back to `waiting` at `retry_at`, or `failed` for good when `retry_at` is None.
    pub async fn fail_job(
        &self,
        id: i64,
        worker: &str,
        error: &str,
        retry_at: Option<i64>,
        now: i64,
    ) -> Result<bool> {
        let n = match retry_at {
            Some(at) => write_exec!(
                self,
                "UPDATE jobs SET state = 'waiting', run_at = $1, last_error = $2, locked_by = NULL, locked_until = NULL, updated_at = $3 \
                 WHERE id = $4 AND locked_by = $5",
                at,
                error,
                now,
                id,
                worker
            )?,
            None => write_exec!(
                self,
                "UPDATE jobs SET state = 'failed', last_error = $1, locked_by = NULL, locked_until = NULL, finished_at = $2, updated_at = $2 \
                 WHERE id = $3 AND locked_by = $4",
                error,
                now,
                id,
                worker
            )?,
        };
        Ok(n == 1)
    }

    /// Jobs by PeerTube state name (`active`, `waiting`, `delayed`, `completed`, `failed`), newest first.
    pub async fn list_jobs(
        &self,
        state: Option<&str>,
        kind: Option<&str>,
        now: i64,
        start: i64,
        count: i64,
    ) -> Result<(i64, Vec<JobRow>)> {
        // One statement for every filter: `$1` is the state ("all" for any), `$2` the kind
        // ("" for any), `$3` now (waiting vs delayed is a waiting job's run_at against now).
        const WHERE: &str = "($1 = 'all' \
            OR ($1 = 'delayed' AND state = 'waiting' AND run_at > $3) \
            OR ($1 <> 'delayed' AND state = $1 AND ($1 <> 'waiting' OR run_at <= $3))) \
            AND ($2 = '' OR kind = $2)";
        let state = state.unwrap_or("all");
        let kind = kind.unwrap_or("");
        let total = read_scalar!(
            self,
            i64,
            &format!("SELECT COUNT(*) FROM jobs WHERE {WHERE}"),
            state,
            kind,
            now
        )?;
        let sql =
            format!("SELECT {COLS} FROM jobs WHERE {WHERE} ORDER BY id DESC LIMIT $4 OFFSET $5");
        let rows = read_all!(self, JobRow, &sql, state, kind, now, count, start)?;
        Ok((total, rows))
    }

    /// Deletes jobs that finished (completed or failed for good) before `before`: every
    /// federation activity and delivery is a job, so the table would otherwise grow forever.
    pub async fn purge_finished_jobs(&self, before: i64) -> Result<u64> {
        Ok(write_exec!(
            self,
            "DELETE FROM jobs WHERE state IN ('completed', 'failed') AND finished_at < $1",
            before
        )?)
    }

    /// Gives a job that failed for good a new round of attempts, runnable now (an
    /// administrator's retry, once the cause is fixed). False when the job is not `failed`.
    pub async fn retry_failed_job(&self, id: i64, now: i64) -> Result<bool> {
        let n = write_exec!(
            self,
            "UPDATE jobs SET state = 'waiting', attempts = 0, run_at = $1, finished_at = NULL, updated_at = $1 \
             WHERE id = $2 AND state = 'failed'",
            now,
            id
        )?;
        Ok(n == 1)
    }

    pub async fn job(&self, id: i64) -> Result<Option<JobRow>> {
        let sql = format!("SELECT {COLS} FROM jobs WHERE id = $1");
        Ok(read_opt!(self, JobRow, &sql, id)?)
    }
}
