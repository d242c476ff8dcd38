//! The store: one set of portable SQL statements run on SQLite (small instances) or PostgreSQL
//! (large ones), chosen at start from the database URL.
//!
//! Why one SQL text for both rather than a trait with two hand-written implementations: the
//! statements here use only what both dialects share (`$n` placeholders, which sqlx's SQLite
//! driver binds by number; `RETURNING`; `ON CONFLICT`; Unix-millisecond `BIGINT` timestamps), so a
//! second copy would only be a place for the two to drift. Where the dialects do differ (the job
//! queue's claim, `FOR UPDATE SKIP LOCKED`) the code matches on the backend explicitly. Each
//! backend keeps its own migrations. Every statement is exercised on both by the test suites.

mod macros;

pub mod account_prefs;
pub mod accounts;
pub mod admin;
pub mod blocklists;
pub mod captions;
pub mod comments;
pub mod federation;
pub mod feeds;
pub mod history;
pub mod jobs;
pub mod moderation;
pub mod notifications;
pub mod object_storage;
pub mod p2p;
pub mod playlists;
pub mod redundancy;
pub mod remote_videos;
pub mod safety;
pub mod shares;
pub mod sort;
pub mod sources;
pub mod tokens;
pub mod uploads;
pub mod users;
pub mod videos;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, SqlitePool};
use std::str::FromStr;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("already exists: {0}")]
    Conflict(String),
    #[error("database error: {0}")]
    Sqlx(#[from] sqlx::Error),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("unsupported database URL {0:?}: use sqlite://... or postgres://...")]
    BadUrl(String),
}

impl DbError {
    /// Turns a unique-constraint violation into `Conflict`, so callers can answer 409 without
    /// looking at driver error codes.
    pub(crate) fn from_write(e: sqlx::Error) -> DbError {
        if let sqlx::Error::Database(d) = &e {
            if d.is_unique_violation() {
                return DbError::Conflict(d.message().to_string());
            }
        }
        DbError::Sqlx(e)
    }
}

pub type Result<T> = std::result::Result<T, DbError>;

/// SQLite gets a one-connection writer pool beside a reader pool: SQLite allows one writer at a
/// time anyway, and serialising writes in the pool avoids `SQLITE_BUSY` on lock upgrades.
#[derive(Clone, Debug)]
pub enum Db {
    Sqlite { read: SqlitePool, write: SqlitePool },
    Postgres(PgPool),
}

impl Db {
    pub async fn connect(url: &str) -> Result<Db> {
        if url.starts_with("sqlite:") {
            let opts = SqliteConnectOptions::from_str(url)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(10))
                .pragma("cache_size", "-4000");
            let write = SqlitePoolOptions::new()
                .max_connections(1)
                .acquire_timeout(Duration::from_secs(60))
                .connect_with(opts.clone())
                .await?;
            sqlx::migrate!("./migrations/sqlite").run(&write).await?;
            let read = SqlitePoolOptions::new()
                .max_connections(4)
                .min_connections(1)
                .connect_with(opts.read_only(true))
                .await?;
            Ok(Db::Sqlite { read, write })
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let opts = PgConnectOptions::from_str(url)?;
            let pool = PgPoolOptions::new()
                .max_connections(10)
                .min_connections(1)
                .acquire_timeout(Duration::from_secs(30))
                .connect_with(opts)
                .await?;
            sqlx::migrate!("./migrations/postgres").run(&pool).await?;
            Ok(Db::Postgres(pool))
        } else {
            Err(DbError::BadUrl(url.to_string()))
        }
    }

    pub fn backend_name(&self) -> &'static str {
        match self {
            Db::Sqlite { .. } => "sqlite",
            Db::Postgres(_) => "postgres",
        }
    }

    pub async fn close(&self) {
        match self {
            Db::Sqlite { read, write } => {
                read.close().await;
                write.close().await;
            }
            Db::Postgres(p) => p.close().await,
        }
    }

    pub async fn begin(&self) -> Result<Tx> {
        Ok(match self {
            Db::Sqlite { write, .. } => Tx::Sqlite(write.begin().await?),
            Db::Postgres(p) => Tx::Postgres(p.begin().await?),
        })
    }
}

/// A write transaction on either backend; statements that must commit together (a video row
/// and the job that processes it) take one of these.
pub enum Tx {
    Sqlite(sqlx::Transaction<'static, sqlx::Sqlite>),
    Postgres(sqlx::Transaction<'static, sqlx::Postgres>),
}

impl Tx {
    pub async fn commit(self) -> Result<()> {
        match self {
            Tx::Sqlite(t) => t.commit().await?,
            Tx::Postgres(t) => t.commit().await?,
        }
        Ok(())
    }
}
