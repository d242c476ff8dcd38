//! One test kit for the instance tests (`crates/ferrotube/tests`) and the federation bench
//! (`crates/fedbench`):
//!
//! - [`TestInstance`]: the real `ferrotube` binary as a child process on 127.0.0.x, with a temp
//!   data dir on SQLite or on a fresh PostgreSQL database ([`PgDb`]), driven over real HTTP
//!   (for what needs a process: restarts, kill -9, separate hosts, the real job runner);
//! - [`TestApp`]: the same instance built in-process (`ferrotube_app::build`), served on an
//!   ephemeral port inside the test's runtime, with no background job runner: queued jobs run
//!   when the test calls [`TestApp::run_pending_jobs`], deterministically;
//! - [`Http`]: the client side both of them share (sign-in, users, uploads, JSON GETs), reached
//!   through `Deref`;
//! - [`fediverse`]: fake remote hosts with `Person` actors and their keys, signed deliveries,
//!   and inboxes that record (and optionally verify) what the instance delivers.
//!
//! PostgreSQL: `FERROTUBE_TEST_PG_URL` (default `postgres://postgres@127.0.0.1:5432`) names a
//! server where the `postgres` role may create databases; each instance gets its own database,
//! dropped when the instance is dropped.
// Test code: a panic is how a test kit reports a failure.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::string_slice
)]

mod app;
pub mod fediverse;
mod http_client;
pub mod mail;
pub mod nginx;
mod pg;
mod process;
pub mod redis_server;
pub mod s3;
mod util;

pub use app::TestApp;
pub use http_client::{assert_problem, header, Http};
pub use mail::{Mail, MailServer};
pub use nginx::Nginx;
pub use pg::{pg_base, PgDb};
pub use process::{ferrotube_bin, memory_mib, Launch, TestInstance};
pub use redis_server::RedisServer;
pub use s3::S3Server;
pub use util::{ffprobe, make_clip, multipart, sha256_hex};

/// The `root` password of the instances the kit starts (unless told otherwise).
pub const ROOT_PW: &str = "root-password-123";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Generates one `#[tokio::test]` per backend for each scenario `async fn name(Backend)` (the
/// calling crate needs `tokio` with the `macros` and multi-thread runtime features).
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name($crate::Backend::Sqlite).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::$name($crate::Backend::Postgres).await
            }
        }
    )*};
}
