//! The instance under test: the release `ferrotube` binary as a child process on 127.0.0.2,
//! with its own data dir (and, for PostgreSQL, its own database), driven over HTTP.

use anyhow::{anyhow, bail, Context, Result};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const ROOT_PW: &str = "fedbench-root-password";
pub const IP: &str = "127.0.0.2";

pub struct Instance {
    pub url: String,
    pub client: reqwest::Client,
    pub log_file: PathBuf,
    child: Child,
    pg: Option<(String, String)>,
    token: String,
    _tmp: Option<tempfile::TempDir>,
}

/// What the federation section of the config file overrides.
#[derive(Default, Clone)]
pub struct FedConfig {
    pub inbox_concurrency: Option<usize>,
    pub delivery_concurrency: Option<usize>,
    pub per_host_concurrency: Option<usize>,
}

fn free_port(ip: &str) -> Result<u16> {
    let l = std::net::TcpListener::bind((ip, 0)).with_context(|| format!("bind {ip}:0"))?;
    Ok(l.local_addr()?.port())
}

fn psql(base: &str, sql: &str) -> Result<()> {
    let out = Command::new("psql")
        .arg(format!("{base}/postgres"))
        .args(["-v", "ON_ERROR_STOP=1", "-q", "-c", sql])
        .output()
        .context("cannot run psql")?;
    if !out.status.success() {
        bail!("psql: {}", String::from_utf8_lossy(&out.stderr));
    }
    Ok(())
}

/// RSS and its high-water mark of a process, in MiB.
pub fn memory_mib(pid: u32) -> (f64, f64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|kb| kb.parse::<f64>().ok())
            .map(|kb| kb / 1024.0)
            .unwrap_or(f64::NAN)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

impl Instance {
    pub async fn start(
        bin: &Path,
        pg_base: Option<&str>,
        fed: &FedConfig,
        keep: bool,
    ) -> Result<Instance> {
        let tmp = tempfile::Builder::new()
            .prefix("ferrotube-fedbench-")
            .tempdir()
            .context("tempdir")?;
        let data_dir = tmp.path().join("data");
        std::fs::create_dir_all(&data_dir)?;
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
        let config_file = tmp.path().join("config.toml");
        std::fs::write(&config_file, config)?;
        let pg = match pg_base {
            Some(base) => {
                let base = base.trim_end_matches('/').to_string();
                let name = format!("ft_fedbench_{}", uuid::Uuid::new_v4().simple());
                psql(&base, &format!("CREATE DATABASE {name}"))?;
                Some((base, name))
            }
            None => None,
        };
        let port = free_port(IP)?;
        let url = format!("http://{IP}:{port}");
        let log_file = tmp.path().join("server.log");
        let log = std::fs::File::create(&log_file)?;
        let mut cmd = Command::new(bin);
        cmd.arg("serve")
            .arg("--config")
            .arg(&config_file)
            .env_remove("FERROTUBE_CONFIG")
            .env_remove("FERROTUBE_DATABASE_URL")
            .env("FERROTUBE_LISTEN", format!("{IP}:{port}"))
            .env("FERROTUBE_PUBLIC_URL", &url)
            .env("FERROTUBE_DATA_DIR", &data_dir)
            .env("FERROTUBE_INITIAL_ROOT_PASSWORD", ROOT_PW)
            .env("FERROTUBE_ALLOW_PRIVATE_NETWORK", "1")
            .env(
                "RUST_LOG",
                std::env::var("RUST_LOG").unwrap_or_else(|_| "info,sqlx=warn".into()),
            )
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log);
        if let Some((base, name)) = &pg {
            cmd.env("FERROTUBE_DATABASE_URL", format!("{base}/{name}"));
        }
        let child = cmd
            .spawn()
            .with_context(|| format!("cannot start {}", bin.display()))?;
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .build()?;
        let mut inst = Instance {
            url,
            client,
            log_file,
            child,
            pg,
            token: String::new(),
            _tmp: None,
        };
        if keep {
            let kept = tmp.keep();
            eprintln!("keeping the instance's files in {}", kept.display());
        } else {
            inst._tmp = Some(tmp);
        }
        inst.wait_ready().await?;
        inst.token = inst.login().await?;
        Ok(inst)
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn memory(&self) -> (f64, f64) {
        memory_mib(self.pid())
    }

    pub fn log_tail(&self, lines: usize) -> String {
        let s = std::fs::read_to_string(&self.log_file).unwrap_or_default();
        let all: Vec<&str> = s.lines().collect();
        all[all.len().saturating_sub(lines)..].join("\n")
    }

    async fn wait_ready(&mut self) -> Result<()> {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(status) = self.child.try_wait()? {
                bail!(
                    "ferrotube exited at start ({status}):\n{}",
                    self.log_tail(40)
                );
            }
            if let Ok(r) = self
                .client
                .get(format!("{}/api/v1/config", self.url))
                .timeout(Duration::from_secs(2))
                .send()
                .await
            {
                if r.status() == 200 {
                    return Ok(());
                }
            }
            if Instant::now() > deadline {
                bail!(
                    "ferrotube did not answer within 60 s:\n{}",
                    self.log_tail(40)
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub async fn get_json(&self, path: &str, auth: bool) -> Result<Value> {
        let mut r = self.client.get(format!("{}{path}", self.url));
        if auth {
            r = r.bearer_auth(&self.token);
        }
        let r = r.send().await.with_context(|| format!("GET {path}"))?;
        let status = r.status();
        let text = r.text().await?;
        if status != 200 {
            bail!("GET {path}: {status}: {text}");
        }
        serde_json::from_str(&text).with_context(|| format!("GET {path}: not JSON"))
    }

    async fn login(&self) -> Result<String> {
        let c = self.get_json("/api/v1/oauth-clients/local", false).await?;
        let (id, secret) = (
            c["client_id"].as_str().unwrap_or_default(),
            c["client_secret"].as_str().unwrap_or_default(),
        );
        let r = self
            .client
            .post(format!("{}/api/v1/users/token", self.url))
            .form(&[
                ("client_id", id),
                ("client_secret", secret),
                ("grant_type", "password"),
                ("username", "root"),
                ("password", ROOT_PW),
            ])
            .send()
            .await?;
        let v: Value = r.json().await?;
        v["access_token"]
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| anyhow!("no access_token in {v}"))
    }

    /// The `total` of an admin job list (`state`: waiting, active, delayed, failed).
    pub async fn jobs_total(&self, state: &str, kind: &str) -> Result<i64> {
        let v = self
            .get_json(
                &format!("/api/v1/jobs/{state}?jobType={kind}&count=1"),
                true,
            )
            .await?;
        Ok(v["total"].as_i64().unwrap_or(0))
    }

    /// Waits until no job of `kind` is waiting or running; returns when that was seen.
    pub async fn wait_jobs_idle(&self, kind: &str, limit: Duration) -> Result<Instant> {
        let deadline = Instant::now() + limit;
        loop {
            let busy =
                self.jobs_total("waiting", kind).await? + self.jobs_total("active", kind).await?;
            if busy == 0 {
                return Ok(Instant::now());
            }
            if Instant::now() > deadline {
                bail!("{busy} {kind} jobs still waiting or active after {limit:?}");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub async fn followers_total(&self) -> Result<i64> {
        let v = self
            .get_json("/api/v1/server/followers?count=1", false)
            .await?;
        Ok(v["total"].as_i64().unwrap_or(0))
    }

    /// Legacy multipart upload of `clip` as root; returns the video's uuid.
    pub async fn upload(&self, clip: &Path, name: &str) -> Result<String> {
        let me = self.get_json("/api/v1/users/me", true).await?;
        let channel = me["videoChannels"][0]["id"]
            .as_i64()
            .ok_or_else(|| anyhow!("root has no channel: {me}"))?;
        let boundary = format!("----fedbench{}", uuid::Uuid::new_v4().simple());
        let mut body = Vec::new();
        for (k, v) in [
            ("channelId", channel.to_string()),
            ("name", name.to_string()),
            ("privacy", "1".to_string()),
        ] {
            body.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"
                )
                .as_bytes(),
            );
        }
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"videofile\"; \
                 filename=\"clip.mp4\"\r\nContent-Type: video/mp4\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(&std::fs::read(clip)?);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let r = self
            .client
            .post(format!("{}/api/v1/videos/upload", self.url))
            .bearer_auth(&self.token)
            .header(
                "Content-Type",
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(body)
            .send()
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
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            let v = self
                .get_json(&format!("/api/v1/videos/{uuid}"), true)
                .await?;
            match v["state"]["id"].as_i64() {
                Some(1) => return Ok((v, std::time::SystemTime::now())),
                Some(7) => bail!("transcoding failed: {v}"),
                _ => {}
            }
            if Instant::now() > deadline {
                bail!("video {uuid} not published within 120 s");
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if let Some((base, name)) = &self.pg {
            if let Err(e) = psql(
                base,
                &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
            ) {
                eprintln!("cannot drop {name}: {e}");
            }
        }
    }
}

/// A 1-second 320x240 H.264 clip made by ffmpeg.
pub fn make_clip(dir: &Path) -> Result<PathBuf> {
    let out = dir.join("clip.mp4");
    let st = Command::new("ffmpeg")
        .args([
            "-hide_banner",
            "-loglevel",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
        ])
        .arg("testsrc=size=320x240:rate=25")
        .args([
            "-t",
            "1",
            "-pix_fmt",
            "yuv420p",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
        ])
        .arg(&out)
        .status()
        .context("cannot run ffmpeg")?;
    if !st.success() {
        bail!("ffmpeg failed to make the clip");
    }
    Ok(out)
}
