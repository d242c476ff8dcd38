//! Harness for the store tests: a fresh database per test, a SQLite file in a temp dir or a new
//! PostgreSQL database, migrated by `Db::connect` as the server does it.
//!
//! PostgreSQL: `FERROTUBE_TEST_PG_URL` (default `postgres://postgres@127.0.0.1:5432`) names a
//! server where the `postgres` role may create databases; each test gets its own database
//! (a clone of a migrated template, see `TEMPLATE`), dropped (WITH FORCE) when the test ends,
//! passed or failed. An unreachable server fails the PostgreSQL tests: they never skip.
#![allow(dead_code)]

use ferrotube_db::users::{CreatedUser, NewUser};
use ferrotube_db::videos::NewVideo;
use ferrotube_db::Db;
use sqlx::Connection;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Generates one `#[tokio::test]` per backend for each story `async fn name(db: &Db)`; each
/// test runs on a database of its own.
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let t = $crate::common::TestDb::create($crate::common::Backend::Sqlite).await;
                super::$name(&t.db).await;
                t.close().await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let t = $crate::common::TestDb::create($crate::common::Backend::Postgres).await;
                super::$name(&t.db).await;
                t.close().await;
            }
        }
    )*};
}

fn pg_base() -> String {
    std::env::var("FERROTUBE_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into())
        .trim_end_matches('/')
        .to_string()
}

async fn pg_admin(sql: &str) -> Result<(), String> {
    let url = format!("{}/postgres", pg_base());
    let mut conn = sqlx::PgConnection::connect(&url)
        .await
        .map_err(|e| format!("cannot connect to {url}: {e}"))?;
    let r = sqlx::query(sql).execute(&mut conn).await;
    let _ = conn.close().await;
    r.map(|_| ()).map_err(|e| e.to_string())
}

/// The migrated template each PostgreSQL test database is cloned from, so that a test pays for
/// a `CREATE DATABASE ... TEMPLATE` instead of running every migration again (the migrations
/// themselves are what made the PostgreSQL half of the suite slow). One template per migration
/// set, named after the migrations' versions and checksums (`ft_dbtest_tpl_<hash>`), made once
/// by `Db::connect` itself and kept on the test server between runs; an older one is dropped
/// when a new one is made. `Db::connect` still runs on every clone (and finds nothing to do);
/// `connect::reconnect` migrates a database from scratch.
static TEMPLATE: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();

fn template_name() -> String {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    for m in sqlx::migrate!("./migrations/postgres").iter() {
        m.version.hash(&mut h);
        m.checksum.hash(&mut h);
    }
    format!("ft_dbtest_tpl_{:016x}", h.finish())
}

async fn template() -> &'static str {
    TEMPLATE
        .get_or_init(|| async {
            let name = template_name();
            if let Err(e) = make_template(&name).await {
                panic!(
                    "PostgreSQL at {} is required for the postgres store tests \
                     (set FERROTUBE_TEST_PG_URL): {e}",
                    pg_base()
                );
            }
            name
        })
        .await
}

async fn make_template(name: &str) -> Result<(), String> {
    let url = format!("{}/postgres", pg_base());
    let mut admin = sqlx::PgConnection::connect(&url)
        .await
        .map_err(|e| format!("cannot connect to {url}: {e}"))?;
    let exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
            .bind(name)
            .fetch_one(&mut admin)
            .await
            .map_err(|e| e.to_string())?;
    if exists {
        let _ = admin.close().await;
        return Ok(());
    }
    // Migrated under a name of its own, then renamed: a template is complete or absent, and
    // of two processes racing to make it, the loser drops its copy.
    let fresh = PgDatabase::create().await;
    let db = Db::connect(&fresh.url())
        .await
        .map_err(|e| format!("Db::connect({}) and migrate: {e}", fresh.url()))?;
    db.close().await;
    drop(db);
    // The closed pool's backends may take a moment to go, and a database in use cannot be
    // renamed: retry for a few seconds. A connection handed back to the pool while it closed
    // (the migrator's, returned by a task of its own) can stay open until the pool is dropped;
    // any backend still on the fresh database is ended, as nothing else may use it.
    let mut last_error = String::new();
    for _ in 0..100 {
        // A backend the closed pool left behind (seen idle after `pg_advisory_unlock`, the
        // migrator's last statement) would hold the rename for good: the fresh database is
        // ours alone, so its stragglers are ended.
        let _ = sqlx::query(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE datname = $1 AND pid <> pg_backend_pid()",
        )
        .bind(&fresh.name)
        .execute(&mut admin)
        .await;
        match sqlx::query(&format!("ALTER DATABASE {} RENAME TO {name}", fresh.name))
            .execute(&mut admin)
            .await
        {
            Ok(_) => {
                std::mem::forget(fresh);
                drop_old_templates(&mut admin, name).await;
                let _ = admin.close().await;
                return Ok(());
            }
            Err(e) => last_error = e.to_string(),
        }
        let exists: bool =
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
                .bind(name)
                .fetch_one(&mut admin)
                .await
                .map_err(|e| e.to_string())?;
        if exists {
            // Another process made it first; `fresh` is dropped.
            let _ = admin.close().await;
            return Ok(());
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    Err(format!(
        "cannot make the template database {name}: {last_error}"
    ))
}

async fn drop_old_templates(admin: &mut sqlx::PgConnection, name: &str) {
    let old: Vec<String> = sqlx::query_scalar(
        "SELECT datname FROM pg_database WHERE datname LIKE 'ft\\_dbtest\\_tpl\\_%' AND datname <> $1",
    )
    .bind(name)
    .fetch_all(&mut *admin)
    .await
    .unwrap_or_default();
    for o in old {
        let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {o}"))
            .execute(&mut *admin)
            .await;
    }
}

/// A database of its own on the test PostgreSQL server; dropped (WITH FORCE) on drop, also
/// when the story panicked.
struct PgDatabase {
    name: String,
}

impl PgDatabase {
    async fn create() -> PgDatabase {
        PgDatabase::create_from(None).await
    }

    async fn create_from(template: Option<&str>) -> PgDatabase {
        let name = format!("ft_dbtest_{}", uuid::Uuid::new_v4().simple());
        let sql = match template {
            Some(t) => format!("CREATE DATABASE {name} TEMPLATE {t}"),
            None => format!("CREATE DATABASE {name}"),
        };
        if let Err(e) = pg_admin(&sql).await {
            panic!(
                "PostgreSQL at {} is required for the postgres store tests \
                 (set FERROTUBE_TEST_PG_URL): {e}",
                pg_base()
            );
        }
        PgDatabase { name }
    }

    /// Its URL for `Db::connect`. Commits do not wait for the WAL flush (`synchronous_commit`
    /// off): what a statement does is unchanged, and a test does not wait on the disk for
    /// every write.
    fn url(&self) -> String {
        format!(
            "{}/{}?options=-c%20synchronous_commit%3Doff",
            pg_base(),
            self.name
        )
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        let sql = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
        // Drop runs inside the test's runtime: do the async drop on a thread of its own.
        let r = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| e.to_string())?;
            rt.block_on(pg_admin(&sql))
        })
        .join();
        match r {
            Ok(Ok(())) => {}
            Ok(Err(e)) => eprintln!("cannot drop test database {}: {e}", self.name),
            Err(_) => eprintln!("cannot drop test database {}: thread panicked", self.name),
        }
    }
}

/// A migrated database of its own: SQLite in a temp dir, or a new PostgreSQL database.
pub struct TestDb {
    pub db: Db,
    pub url: String,
    // Dropped after `db` (field order).
    _pg: Option<PgDatabase>,
    _dir: Option<tempfile::TempDir>,
}

impl TestDb {
    /// A database cloned from the migrated template (PostgreSQL) or a new file (SQLite), opened
    /// with `Db::connect`.
    pub async fn create(backend: Backend) -> TestDb {
        TestDb::make(backend, true).await
    }

    /// A database that `Db::connect` migrates from nothing, on either backend.
    pub async fn create_unmigrated(backend: Backend) -> TestDb {
        TestDb::make(backend, false).await
    }

    async fn make(backend: Backend, from_template: bool) -> TestDb {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::Builder::new()
                    .prefix("ferrotube-db-test-")
                    .tempdir()
                    .expect("create a temp dir for the SQLite database");
                let url = format!("sqlite://{}", dir.path().join("store.db").display());
                let db = Db::connect(&url)
                    .await
                    .unwrap_or_else(|e| panic!("Db::connect({url}) and migrate: {e}"));
                TestDb {
                    db,
                    url,
                    _pg: None,
                    _dir: Some(dir),
                }
            }
            Backend::Postgres => {
                let pg = if from_template {
                    PgDatabase::create_from(Some(template().await)).await
                } else {
                    PgDatabase::create().await
                };
                let url = pg.url();
                let db = Db::connect(&url)
                    .await
                    .unwrap_or_else(|e| panic!("Db::connect({url}) and migrate: {e}"));
                TestDb {
                    db,
                    url,
                    _pg: Some(pg),
                    _dir: None,
                }
            }
        }
    }

    /// Closes the pools; the database itself goes with `Drop`.
    pub async fn close(self) {
        self.db.close().await;
    }
}

/// A fixed clock: the stories pass explicit Unix-millisecond times.
pub const T0: i64 = 1_700_000_000_000;
pub const HOUR: i64 = 3_600_000;
pub const DAY: i64 = 24 * HOUR;

/// PeerTube's numbers, as the store keeps them.
pub const PUBLIC: i64 = 1;
pub const UNLISTED: i64 = 2;
pub const PRIVATE: i64 = 3;
pub const INTERNAL: i64 = 4;
pub const PUBLISHED: i64 = 1;
pub const TO_TRANSCODE: i64 = 2;

/// A local user `name` with account `name` and default channel `name_channel`.
pub async fn user(db: &Db, name: &str) -> CreatedUser {
    let channel = format!("{name}_channel");
    db.create_user(&NewUser {
        username: name,
        email: &format!("{name}@example.com"),
        password_hash: "hash",
        role: 2,
        video_quota: 1_000_000,
        video_quota_daily: -1,
        display_name: &format!("{name} display"),
        channel_name: &channel,
        channel_display_name: &format!("{name} channel"),
        now: T0,
    })
    .await
    .unwrap_or_else(|e| panic!("create_user({name}): {e}"))
}

/// A public, published video of `channel_id` created at `now`.
pub fn new_video(channel_id: i64, name: &str, now: i64) -> NewVideo {
    NewVideo {
        uuid: uuid::Uuid::new_v4().to_string(),
        channel_id,
        name: name.into(),
        description: None,
        support: None,
        category: None,
        licence: None,
        language: None,
        privacy: PUBLIC,
        nsfw: false,
        comments_policy: 1,
        download_enabled: true,
        wait_transcoding: false,
        state: PUBLISHED,
        input_size: 0,
        source_filename: None,
        originally_published_at: None,
        tags: Vec::new(),
        now,
    }
}

/// Inserts `v` in a transaction of its own; answers its id.
pub async fn insert(db: &Db, v: &NewVideo) -> i64 {
    let mut tx = db.begin().await.expect("begin");
    let id = db
        .insert_video(&mut tx, v)
        .await
        .unwrap_or_else(|e| panic!("insert_video({}): {e}", v.name));
    tx.commit().await.expect("commit insert_video");
    id
}

/// An actor row for an account or channel (remote when `host` is given).
pub async fn actor_of(
    db: &Db,
    url: &str,
    host: Option<&str>,
    account_id: Option<i64>,
    channel_id: Option<i64>,
) -> i64 {
    let inbox = format!("{url}/inbox");
    db.upsert_actor(&ferrotube_db::federation::ActorFields {
        url,
        kind: if channel_id.is_some() {
            "Group"
        } else {
            "Person"
        },
        username: "x",
        host,
        account_id,
        channel_id,
        inbox_url: &inbox,
        shared_inbox_url: None,
        outbox_url: None,
        followers_url: None,
        public_key_pem: None,
        now: T0,
    })
    .await
    .unwrap_or_else(|e| panic!("upsert_actor({url}): {e}"))
    .id
}
