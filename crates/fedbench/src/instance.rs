//! The instance under test: the release `ferrotube` binary as a child process on 127.0.0.2,
//! with its own data dir (and, for PostgreSQL, its own database), driven over HTTP, signed in
//! as root. Starting, waiting and the HTTP helpers are the test kit's ([`TestInstance`]).

use anyhow::{anyhow, Result};
use ferrotube_testkit::{Backend, Launch, TestInstance};
use serde_json::Value;
use std::path::Path;
use std::time::{Duration, Instant};

pub const ROOT_PW: &str = "fedbench-root-password";
pub const IP: &str = "127.0.0.2";

pub struct Instance {
    inst: TestInstance,
    token: String,
}

impl std::ops::Deref for Instance {
    type Target = TestInstance;
    fn deref(&self) -> &TestInstance {
        &self.inst
    }
}

/// What the federation section of the config file overrides.
#[derive(Default, Clone)]
pub struct FedConfig {
    pub inbox_concurrency: Option<usize>,
    pub delivery_concurrency: Option<usize>,
    pub per_host_concurrency: Option<usize>,
}

impl Instance {
    pub async fn start(
        bin: &Path,
        pg_base: Option<&str>,
        fed: &FedConfig,
        keep: bool,
    ) -> Result<Instance> {
        let mut config = String::from("[federation]\nallow_private_network = true\n");
        for (k, v) in [
            ("inbox_concurrency", fed.inbox_concurrency),
            ("delivery_concurrency", fed.delivery_concurrency),
            ("per_host_concurrency", fed.per_host_concurrency),
        ] {
            if let Some(v) = v {
                config.push_str(&format!("{k} = {v}\n"));
            }
        }
        let backend = if pg_base.is_some() {
            Backend::Postgres
        } else {
            Backend::Sqlite
        };
        let mut launch = Launch::new(backend);
        launch.bin = bin.to_path_buf();
        launch.ip = IP.into();
        launch.config = config;
        launch.root_password = ROOT_PW.into();
        if let Some(base) = pg_base {
            launch.pg_base = base.into();
        }
        launch.pg_prefix = "ft_fedbench".into();
        launch.rust_log = std::env::var("RUST_LOG").unwrap_or_else(|_| "info,sqlx=warn".into());
        launch.env = vec![("FERROTUBE_ALLOW_PRIVATE_NETWORK".into(), "1".into())];
        launch.tmp_prefix = "ferrotube-fedbench-".into();
        launch.keep_files = keep;
        let inst = TestInstance::launch(launch).await?;
        let v = inst.try_login("root", ROOT_PW).await?;
        let token = v["access_token"]
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| anyhow!("no access_token in {v}"))?;
        Ok(Instance { inst, token })
    }

    pub fn log_tail_n(&self, lines: usize) -> String {
        self.inst.log_tail_lines(lines)
    }

    pub async fn get_json(&self, path: &str, auth: bool) -> Result<Value> {
        self.inst
            .try_get_json(path, auth.then_some(self.token.as_str()))
            .await
    }

    /// The `total` of an admin job list (`state`: waiting, active, delayed, failed).
    pub async fn jobs_total(&self, state: &str, kind: &str) -> Result<i64> {
        self.inst.jobs_total(&self.token, state, kind).await
    }

    /// Waits until no job of `kind` is waiting or running; returns when that was seen.
    pub async fn wait_jobs_idle(&self, kind: &str, limit: Duration) -> Result<Instant> {
        self.inst.wait_jobs_idle(&self.token, kind, limit).await
    }

    /// Legacy multipart upload of `clip` as root; returns the video's uuid.
    pub async fn upload(&self, clip: &Path, name: &str) -> Result<String> {
        let me = self.get_json("/api/v1/users/me", true).await?;
        let channel = me["videoChannels"][0]["id"]
            .as_i64()
            .ok_or_else(|| anyhow!("root has no channel: {me}"))?;
        let fields = [
            ("channelId", channel.to_string()),
            ("name", name.to_string()),
            ("privacy", "1".to_string()),
        ];
        let r = self
            .inst
            .try_legacy_upload(&self.token, clip, &fields)
            .await?;
        let status = r.status();
        let v: Value = r.json().await.unwrap_or_default();
        v["video"]["uuid"]
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| anyhow!("upload answered {status}: {v}"))
    }

    /// Polls the video until published (state 1); returns its JSON and when state 1 was seen.
    pub async fn wait_published(&self, uuid: &str) -> Result<(Value, std::time::SystemTime)> {
        let v = self
            .inst
            .try_wait_published(
                uuid,
                Some(&self.token),
                Duration::from_secs(120),
                Duration::from_millis(20),
            )
            .await?;
        Ok((v, std::time::SystemTime::now()))
    }
}
