//! An instance built in-process, for scenarios that need no separate process: no restart, no
//! kill -9, one host. It is served on an ephemeral port of 127.0.0.1 inside the test's own
//! runtime, and has no background job runner: jobs stay queued until the test calls
//! [`TestApp::run_pending_jobs`], which runs them inline until the queue is empty (as
//! crates.io's `TestApp` does), so a test never polls or sleeps for a job.

use crate::{pg_base, Backend, Http, PgDb, ROOT_PW};
use anyhow::{Context, Result};
use ferrotube_app::Instance;
use ferrotube_jobs::Runner;
use serde_json::Value;
use std::collections::HashMap;
use std::ops::Deref;

/// An in-process instance. Its client side ([`Http`]) is reached through `Deref`.
pub struct TestApp {
    http: Http,
    /// The instance itself, for tests that look inside (database, queue, settings).
    pub instance: Instance,
    pub backend: Backend,
    runner: Runner,
    server: tokio::task::JoinHandle<()>,
    // Dropped after the server task is aborted (field order): the database, then the directory.
    pub pg_db: Option<PgDb>,
    _tmp: tempfile::TempDir,
}

impl Deref for TestApp {
    type Target = Http;
    fn deref(&self) -> &Http {
        &self.http
    }
}

impl TestApp {
    pub async fn start(backend: Backend) -> TestApp {
        TestApp::start_with(backend, "").await
    }

    /// Builds an instance with `config` (TOML, may be empty; the settings file the binary
    /// would read), on SQLite in a temp dir or on a database of its own.
    pub async fn start_with(backend: Backend, config: &str) -> TestApp {
        TestApp::try_start(backend, config)
            .await
            .unwrap_or_else(|e| panic!("{e:#}"))
    }

    pub async fn try_start(backend: Backend, config: &str) -> Result<TestApp> {
        let tmp = tempfile::Builder::new()
            .prefix("ferrotube-app-")
            .tempdir()
            .context("tempdir")?;
        let data_dir = tmp.path().join("data");
        std::fs::create_dir_all(&data_dir).context("data dir")?;
        let config_file = if config.trim().is_empty() {
            None
        } else {
            let f = tmp.path().join("config.toml");
            std::fs::write(&f, config).context("write config")?;
            Some(f)
        };
        let pg_db = match backend {
            Backend::Postgres => Some(PgDb::create_on(&pg_base(), "ft_test")?),
            Backend::Sqlite => None,
        };
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
            .await
            .context("bind 127.0.0.1:0")?;
        let port = listener.local_addr()?.port();
        let http = Http::new("127.0.0.1", port, data_dir.clone(), ROOT_PW, None);
        // What the binary's environment would say (FERROTUBE_* win over the file).
        let mut env: HashMap<&str, String> = HashMap::from([
            ("FERROTUBE_LISTEN", http.host.clone()),
            ("FERROTUBE_PUBLIC_URL", http.url.clone()),
            ("FERROTUBE_DATA_DIR", data_dir.display().to_string()),
            ("FERROTUBE_INITIAL_ROOT_PASSWORD", ROOT_PW.to_string()),
        ]);
        if let Some(db) = &pg_db {
            env.insert("FERROTUBE_DATABASE_URL", db.url.clone());
        }
        let settings =
            ferrotube_config::Settings::load(config_file.as_deref(), |k| env.get(k).cloned())
                .context("invalid settings")?;
        let instance = ferrotube_app::build(settings)
            .await
            .context("cannot build the instance")?;
        let app = axum::ServiceExt::<axum::extract::Request>::into_make_service_with_connect_info::<
            std::net::SocketAddr,
        >(ferrotube_api::app(instance.clone()));
        let server = tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, app).await {
                eprintln!("test app server stopped: {e}");
            }
        });
        Ok(TestApp {
            http,
            runner: ferrotube_app::job_runner(&instance),
            instance,
            backend,
            server,
            pg_db,
            _tmp: tmp,
        })
    }

    /// Runs every queued job that is due, one at a time in this task, until the queue is empty
    /// (jobs those jobs queue included; retries scheduled for later stay queued). Returns how
    /// many ran.
    pub async fn run_pending_jobs(&self) -> usize {
        self.runner
            .run_until_idle()
            .await
            .unwrap_or_else(|e| panic!("running the queued jobs: {e}"))
    }

    /// Runs the pending jobs, then the video must be published (state 1): no polling.
    pub async fn wait_published(&self, uuid: &str, token: Option<&str>) -> Value {
        self.run_pending_jobs().await;
        let v = self
            .get_json(&format!("/api/v1/videos/{uuid}"), token)
            .await;
        assert_eq!(
            v["state"]["id"], 1,
            "video {uuid} is not published once its jobs ran: {v}"
        );
        v
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.server.abort();
    }
}
