//! A real S3-compatible server on loopback for the object storage tests: moto's server mode
//! (`moto_server`, from PyPI, installed by `scripts/install-deps.sh --test` into a venv under
//! `~/.cache/ferrotube/moto`; `FERROTUBE_MOTO_SERVER` names another binary). It speaks the S3
//! REST API with SigV4, multipart uploads, and enforces canned ACLs on anonymous reads (a
//! `private` object answers 403 without a signature), which the privacy tests rely on.
//!
//! Why moto rather than Garage: Garage from crates.io is a large build (minutes on two cores, on
//! every fresh CI machine); moto installs from wheels in about 35 s and starts in about 2 s.

use anyhow::{bail, Context, Result};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The server. Dropping it stops the server.
pub struct S3Server {
    pub host: String,
    pub port: u16,
    child: Child,
}

/// Where `install-deps.sh --test` puts the server.
pub fn moto_server_bin() -> std::path::PathBuf {
    if let Ok(p) = std::env::var("FERROTUBE_MOTO_SERVER") {
        return p.into();
    }
    let home = std::env::var("HOME").unwrap_or_else(|_| "/root".into());
    std::path::Path::new(&home).join(".cache/ferrotube/moto/bin/moto_server")
}

impl S3Server {
    /// Starts a server on 127.0.0.1 at a free port and waits until it answers.
    pub async fn start() -> S3Server {
        S3Server::start_on("127.0.0.1")
            .await
            .unwrap_or_else(|e| panic!("{e:#}"))
    }

    pub async fn start_on(ip: &str) -> Result<S3Server> {
        let port = std::net::TcpListener::bind((ip, 0))
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .context("free port")?;
        S3Server::start_at(ip, port).await
    }

    /// Starts a server at a given address (a test that starts the instance first, with the S3
    /// server still down).
    pub async fn start_at(ip: &str, port: u16) -> Result<S3Server> {
        let bin = moto_server_bin();
        let child = Command::new(&bin)
            .arg("-H")
            .arg(ip)
            .arg("-p")
            .arg(port.to_string())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .with_context(|| {
                format!(
                    "start {} (run scripts/install-deps.sh --test)",
                    bin.display()
                )
            })?;
        let server = S3Server {
            host: ip.to_string(),
            port,
            child,
        };
        let client = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(r) = client
                .get(format!("{}/moto-api/", server.endpoint()))
                .timeout(Duration::from_secs(2))
                .send()
                .await
            {
                if r.status().is_success() {
                    return Ok(server);
                }
            }
            if Instant::now() >= deadline {
                bail!("moto_server did not answer on {ip}:{port} within 30 s");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub fn endpoint(&self) -> String {
        format!("http://{}:{}", self.host, self.port)
    }

    /// The `[object_storage]` TOML of an instance that stores in this server: one bucket per
    /// kind, named `{tag}-…` (so instances sharing a server keep apart), path-style URLs,
    /// `max_upload_part` at S3's 5 MB minimum so larger files go in parts.
    pub fn config_toml(&self, tag: &str) -> String {
        config_toml_for(&self.endpoint(), tag)
    }

    /// A signed client of the buckets [`S3Server::config_toml`] describes (what a test lists and
    /// checks with).
    pub fn store(&self, tag: &str) -> ferrotube_storage::object::S3Store {
        let settings: ferrotube_config::Settings =
            toml::from_str(&self.config_toml(tag)).expect("object storage TOML");
        ferrotube_storage::object::S3Store::new(&settings.object_storage).expect("S3 client")
    }
}

/// [`S3Server::config_toml`] for a server at `endpoint` (which may not be up yet).
pub fn config_toml_for(endpoint: &str, tag: &str) -> String {
    format!(
        r#"[object_storage]
enabled = true
endpoint = "{endpoint}"
region = "eu-west-1"
force_path_style = true
max_upload_part = "5MB"

[object_storage.credentials]
access_key_id = "ferrotube-test"
secret_access_key = "ferrotube-test-secret"

[object_storage.streaming_playlists]
bucket_name = "{tag}-playlists"
prefix = "hls/"

[object_storage.web_videos]
bucket_name = "{tag}-videos"
prefix = "web/"

[object_storage.original_video_files]
bucket_name = "{tag}-originals"

[object_storage.captions]
bucket_name = "{tag}-captions"
"#
    )
}

impl S3Server {
    /// Freezes the server (SIGSTOP): connections are accepted by the kernel and never answered,
    /// as with a server that hangs.
    pub fn pause(&self) {
        self.signal("-STOP");
    }

    /// Thaws a [`S3Server::pause`]d server (SIGCONT).
    pub fn resume(&self) {
        self.signal("-CONT");
    }

    fn signal(&self, sig: &str) {
        let ok = Command::new("kill")
            .arg(sig)
            .arg(self.child.id().to_string())
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "kill {sig} moto_server");
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
