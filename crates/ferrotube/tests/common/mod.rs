//! Shared harness for the instance tests: the real `ferrotube` binary as a child process, on
//! SQLite or on a fresh PostgreSQL database, driven over real HTTP.
//!
//! PostgreSQL: `FERROTUBE_TEST_PG_URL` (default `postgres://postgres@127.0.0.1:5432`) names a
//! server where the `postgres` role may create databases; each instance gets its own database,
//! dropped when the instance is dropped. An unreachable server fails the PostgreSQL tests.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use serde_json::{json, Value};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Generates one `#[tokio::test]` per backend for each scenario `async fn name(Backend)`.
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name($crate::common::Backend::Sqlite).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::$name($crate::common::Backend::Postgres).await
            }
        }
    )*};
}

pub const ROOT_PW: &str = "root-password-123";

fn pg_base() -> String {
    std::env::var("FERROTUBE_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into())
        .trim_end_matches('/')
        .to_string()
}

fn psql(sql: &str) -> Result<(), String> {
    let out = Command::new("psql")
        .arg(format!("{}/postgres", pg_base()))
        .args(["-v", "ON_ERROR_STOP=1", "-q", "-c", sql])
        .output()
        .map_err(|e| format!("cannot run psql: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

/// A database of its own on the test PostgreSQL server; dropped (WITH FORCE) on drop.
pub struct PgDb {
    pub name: String,
    pub url: String,
}

impl PgDb {
    pub fn create() -> PgDb {
        let name = format!("ft_test_{}", uuid::Uuid::new_v4().simple());
        if let Err(e) = psql(&format!("CREATE DATABASE {name}")) {
            panic!(
                "PostgreSQL at {} is required for the postgres instance tests: {e}",
                pg_base()
            );
        }
        PgDb {
            url: format!("{}/{name}", pg_base()),
            name,
        }
    }
}

impl Drop for PgDb {
    fn drop(&mut self) {
        if let Err(e) = psql(&format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            self.name
        )) {
            eprintln!("cannot drop test database {}: {e}", self.name);
        }
    }
}

/// A running instance. Dropping it kills the server, drops its database and removes its data dir.
pub struct TestInstance {
    pub url: String,
    pub host: String,
    pub port: u16,
    pub client: reqwest::Client,
    pub data_dir: PathBuf,
    pub child: Option<Child>,
    pub backend: Backend,
    config_file: Option<PathBuf>,
    log_file: PathBuf,
    client_creds: std::sync::Mutex<Option<(String, String)>>,
    // Dropped after the child is killed (field order): the database, then the directory.
    pub pg_db: Option<PgDb>,
    _tmp: tempfile::TempDir,
}

fn free_port(ip: &str) -> u16 {
    let l = std::net::TcpListener::bind((ip, 0)).expect("bind an ephemeral port");
    l.local_addr().expect("local addr").port()
}

impl TestInstance {
    pub async fn start(backend: Backend) -> TestInstance {
        TestInstance::start_with(backend, "").await
    }

    /// Starts an instance with `config` (TOML, may be empty) passed through `serve --config`.
    pub async fn start_with(backend: Backend, config: &str) -> TestInstance {
        TestInstance::start_at(backend, "127.0.0.1", config).await
    }

    /// Starts an instance listening on `ip` (federation tests give each instance its own
    /// loopback address, as separate hosts).
    pub async fn start_at(backend: Backend, ip: &str, config: &str) -> TestInstance {
        let tmp = tempfile::Builder::new()
            .prefix("ferrotube-it-")
            .tempdir()
            .expect("tempdir");
        let data_dir = tmp.path().join("data");
        std::fs::create_dir_all(&data_dir).expect("data dir");
        let config_file = if config.trim().is_empty() {
            None
        } else {
            let f = tmp.path().join("config.toml");
            std::fs::write(&f, config).expect("write config");
            Some(f)
        };
        let pg_db = match backend {
            Backend::Postgres => Some(PgDb::create()),
            Backend::Sqlite => None,
        };
        let port = free_port(ip);
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(60))
            .build()
            .expect("client");
        let mut inst = TestInstance {
            url: format!("http://{ip}:{port}"),
            host: format!("{ip}:{port}"),
            port,
            client,
            log_file: tmp.path().join("server.log"),
            data_dir,
            child: None,
            backend,
            config_file,
            client_creds: std::sync::Mutex::new(None),
            pg_db,
            _tmp: tmp,
        };
        inst.spawn().await;
        inst
    }

    async fn spawn(&mut self) {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log_file)
            .expect("log file");
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_ferrotube"));
        cmd.arg("serve");
        if let Some(c) = &self.config_file {
            cmd.arg("--config").arg(c);
        }
        cmd.env_remove("FERROTUBE_CONFIG")
            .env_remove("FERROTUBE_DATABASE_URL")
            .env("FERROTUBE_LISTEN", &self.host)
            .env("FERROTUBE_PUBLIC_URL", &self.url)
            .env("FERROTUBE_DATA_DIR", &self.data_dir)
            .env("FERROTUBE_INITIAL_ROOT_PASSWORD", ROOT_PW)
            .env("RUST_LOG", "info,sqlx=warn")
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log"))
            .stderr(log);
        if let Some(db) = &self.pg_db {
            cmd.env("FERROTUBE_DATABASE_URL", &db.url);
        }
        self.child = Some(cmd.spawn().expect("spawn the ferrotube binary"));
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(status) = self
                .child
                .as_mut()
                .and_then(|c| c.try_wait().ok().flatten())
            {
                panic!("ferrotube exited at start ({status}):\n{}", self.log_tail());
            }
            if let Ok(r) = self
                .client
                .get(format!("{}/api/v1/config", self.url))
                .timeout(Duration::from_secs(2))
                .send()
                .await
            {
                if r.status() == 200 {
                    return;
                }
            }
            assert!(
                Instant::now() < deadline,
                "ferrotube did not answer within 60 s:\n{}",
                self.log_tail()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// SIGKILLs the server (no graceful shutdown) and waits for it to be gone.
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Kills the server with SIGKILL and starts the same binary on the same data dir and database.
    pub async fn restart(&mut self) {
        self.kill();
        self.spawn().await;
    }

    pub fn log_tail(&self) -> String {
        let mut s = String::new();
        if let Ok(mut f) = std::fs::File::open(&self.log_file) {
            let _ = f.read_to_string(&mut s);
        }
        let lines: Vec<&str> = s.lines().collect();
        lines[lines.len().saturating_sub(60)..].join("\n")
    }

    pub fn api(&self, path: &str) -> String {
        format!("{}{}", self.url, path)
    }

    /// Absolute URL for a path, an absolute URL, or a protocol-relative one.
    pub fn abs(&self, u: &str) -> String {
        if u.starts_with("http://") || u.starts_with("https://") {
            u.to_string()
        } else if let Some(rest) = u.strip_prefix("//") {
            format!("http://{rest}")
        } else {
            format!("{}{}", self.url, u)
        }
    }

    pub fn get(&self, path: &str, token: Option<&str>) -> reqwest::RequestBuilder {
        let r = self.client.get(self.abs(path));
        match token {
            Some(t) => r.bearer_auth(t),
            None => r,
        }
    }

    pub async fn get_json(&self, path: &str, token: Option<&str>) -> Value {
        let r = self.get(path, token).send().await.expect("request");
        let status = r.status();
        let text = r.text().await.expect("body");
        assert_eq!(status, 200, "GET {path}: {text}");
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("GET {path}: not JSON ({e}): {text}"))
    }

    // ------------------------------------------------------------------ auth

    pub async fn oauth_client(&self) -> (String, String) {
        if let Some(c) = self.client_creds.lock().expect("lock").clone() {
            return c;
        }
        let v = self.get_json("/api/v1/oauth-clients/local", None).await;
        let c = (
            v["client_id"].as_str().expect("client_id").to_string(),
            v["client_secret"]
                .as_str()
                .expect("client_secret")
                .to_string(),
        );
        *self.client_creds.lock().expect("lock") = Some(c.clone());
        c
    }

    pub async fn token_request(&self, form: &[(&str, &str)]) -> reqwest::Response {
        self.client
            .post(self.api("/api/v1/users/token"))
            .form(form)
            .send()
            .await
            .expect("token request")
    }

    /// The password grant; returns the whole token answer.
    pub async fn login(&self, user: &str, pw: &str) -> Value {
        let (id, secret) = self.oauth_client().await;
        let r = self
            .token_request(&[
                ("client_id", &id),
                ("client_secret", &secret),
                ("grant_type", "password"),
                ("username", user),
                ("password", pw),
            ])
            .await;
        let status = r.status();
        let text = r.text().await.expect("body");
        assert_eq!(status, 200, "login {user}: {text}");
        serde_json::from_str(&text).expect("token json")
    }

    pub async fn token(&self, user: &str, pw: &str) -> String {
        self.login(user, pw).await["access_token"]
            .as_str()
            .expect("access_token")
            .to_string()
    }

    pub async fn root_token(&self) -> String {
        self.token("root", ROOT_PW).await
    }

    /// Creates a user as `admin_token`; returns the new user's id.
    pub async fn create_user(
        &self,
        admin_token: &str,
        username: &str,
        pw: &str,
        role: i64,
        video_quota: Option<i64>,
    ) -> i64 {
        let mut body = json!({
            "username": username,
            "password": pw,
            "email": format!("{username}@example.com"),
            "role": role,
        });
        if let Some(q) = video_quota {
            body["videoQuota"] = json!(q);
        }
        let r = self
            .client
            .post(self.api("/api/v1/users"))
            .bearer_auth(admin_token)
            .json(&body)
            .send()
            .await
            .expect("create user");
        let status = r.status();
        let text = r.text().await.expect("body");
        assert_eq!(status, 200, "create user {username}: {text}");
        let v: Value = serde_json::from_str(&text).expect("json");
        v["user"]["id"].as_i64().expect("user id")
    }

    pub async fn me(&self, token: &str) -> Value {
        self.get_json("/api/v1/users/me", Some(token)).await
    }

    /// The id of the first channel of the token's user.
    pub async fn channel_id(&self, token: &str) -> i64 {
        self.me(token).await["videoChannels"][0]["id"]
            .as_i64()
            .expect("a channel id in /users/me")
    }

    pub async fn my_videos_total(&self, token: &str) -> i64 {
        self.get_json("/api/v1/users/me/videos", Some(token)).await["total"]
            .as_i64()
            .expect("total")
    }

    // ------------------------------------------------------------------ uploads

    /// `POST /videos/upload-resumable` for a file of `size` bytes named `filename`.
    pub async fn resumable_init(
        &self,
        token: &str,
        filename: &str,
        size: u64,
        meta: &Value,
    ) -> reqwest::Response {
        let mut body = meta.clone();
        body["filename"] = json!(filename);
        self.client
            .post(self.api("/api/v1/videos/upload-resumable"))
            .bearer_auth(token)
            .header("X-Upload-Content-Length", size.to_string())
            .header("X-Upload-Content-Type", "video/mp4")
            .json(&body)
            .send()
            .await
            .expect("resumable init")
    }

    /// Init that must answer 201; returns the absolute session URL from `Location`.
    pub async fn resumable_session(
        &self,
        token: &str,
        filename: &str,
        size: u64,
        meta: &Value,
    ) -> String {
        let r = self.resumable_init(token, filename, size, meta).await;
        let status = r.status();
        let loc = r
            .headers()
            .get("location")
            .map(|v| v.to_str().expect("ascii location").to_string());
        let text = r.text().await.expect("body");
        assert_eq!(status, 201, "resumable init: {text}");
        let loc = loc.expect("Location on 201");
        assert!(
            loc.starts_with(&format!(
                "//{}/api/v1/videos/upload-resumable?upload_id=",
                self.host
            )),
            "Location must be protocol-relative on our host: {loc}"
        );
        self.abs(&loc)
    }

    /// One PUT of `bytes` at `start` for a file of `total` bytes.
    pub async fn put_chunk(
        &self,
        token: &str,
        session: &str,
        bytes: Vec<u8>,
        start: u64,
        total: u64,
    ) -> reqwest::Response {
        let end = start + bytes.len() as u64 - 1;
        self.client
            .put(session)
            .bearer_auth(token)
            .header("Content-Range", format!("bytes {start}-{end}/{total}"))
            .header("Content-Type", "application/octet-stream")
            .body(bytes)
            .send()
            .await
            .expect("chunk")
    }

    /// The whole resumable protocol, checked at each step; returns the final `{video:{...}}`.
    pub async fn upload_resumable(
        &self,
        token: &str,
        path: &Path,
        meta: &Value,
        chunk_size: usize,
    ) -> Value {
        let data = std::fs::read(path).expect("read clip");
        let total = data.len() as u64;
        let filename = path
            .file_name()
            .expect("name")
            .to_string_lossy()
            .to_string();
        let session = self.resumable_session(token, &filename, total, meta).await;
        let mut start = 0usize;
        loop {
            let end = (start + chunk_size).min(data.len());
            let r = self
                .put_chunk(
                    token,
                    &session,
                    data[start..end].to_vec(),
                    start as u64,
                    total,
                )
                .await;
            let status = r.status();
            let range = header(&r, "range");
            let text = r.text().await.expect("body");
            if end < data.len() {
                assert_eq!(status, 308, "non-final chunk {start}-{end}: {text}");
                assert_eq!(
                    range.as_deref(),
                    Some(format!("bytes=0-{}", end - 1).as_str()),
                    "Range after chunk {start}-{end}"
                );
                start = end;
            } else {
                assert_eq!(status, 200, "final chunk: {text}");
                let v: Value = serde_json::from_str(&text).expect("final json");
                assert!(v["video"]["id"].as_i64().is_some(), "video.id in {v}");
                assert!(v["video"]["uuid"].as_str().is_some(), "video.uuid in {v}");
                assert!(
                    v["video"]["shortUUID"].as_str().is_some(),
                    "shortUUID in {v}"
                );
                return v;
            }
        }
    }

    /// Legacy multipart `POST /videos/upload` (body built by hand: field order as given).
    pub async fn legacy_upload(
        &self,
        token: &str,
        path: &Path,
        fields: &[(&str, String)],
    ) -> reqwest::Response {
        let filename = path
            .file_name()
            .expect("name")
            .to_string_lossy()
            .to_string();
        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let (content_type, body) = multipart(
            &fields,
            &[(
                "videofile",
                &filename,
                std::fs::read(path).expect("read clip"),
            )],
        );
        self.client
            .post(self.api("/api/v1/videos/upload"))
            .bearer_auth(token)
            .header("Content-Type", content_type)
            .body(body)
            .send()
            .await
            .expect("legacy upload")
    }

    /// Polls `GET /videos/{uuid}` until published (state 1); fails fast on a failed state.
    pub async fn wait_published(&self, uuid: &str, token: Option<&str>) -> Value {
        self.wait_published_within(uuid, token, Duration::from_secs(120))
            .await
    }

    pub async fn wait_published_within(
        &self,
        uuid: &str,
        token: Option<&str>,
        limit: Duration,
    ) -> Value {
        let deadline = Instant::now() + limit;
        let mut last = String::new();
        loop {
            let r = self
                .get(&format!("/api/v1/videos/{uuid}"), token)
                .send()
                .await;
            if let Ok(r) = r {
                let status = r.status();
                last = r.text().await.unwrap_or_default();
                if status == 200 {
                    let v: Value = serde_json::from_str(&last).expect("video json");
                    match v["state"]["id"].as_i64() {
                        Some(1) => return v,
                        Some(7) => panic!("transcoding failed: {v}\n{}", self.log_tail()),
                        _ => {}
                    }
                }
            }
            assert!(
                Instant::now() < deadline,
                "video {uuid} not published within {limit:?}; last answer: {last}\n{}",
                self.log_tail()
            );
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }

    /// Files left in the resumable/legacy upload temp dir.
    pub fn upload_temp_files(&self) -> Vec<String> {
        match std::fs::read_dir(self.data_dir.join("storage/tmp/uploads")) {
            Ok(rd) => rd
                .filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().to_string())
                .collect(),
            Err(_) => Vec::new(),
        }
    }
}

impl Drop for TestInstance {
    fn drop(&mut self) {
        self.kill();
        if std::thread::panicking() {
            eprintln!(
                "---- ferrotube log ({:?}, {}) ----\n{}",
                self.backend,
                self.url,
                self.log_tail()
            );
        }
    }
}

pub fn header(r: &reqwest::Response, name: &str) -> Option<String> {
    r.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

/// Checks an error answer: status, `application/problem+json`, and a body with that status.
pub async fn assert_problem(r: reqwest::Response, status: u16, what: &str) -> Value {
    let got = r.status().as_u16();
    let ct = header(&r, "content-type").unwrap_or_default();
    let text = r.text().await.expect("body");
    assert_eq!(got, status, "{what}: expected {status}, got {got}: {text}");
    assert!(
        ct.starts_with("application/problem+json"),
        "{what}: content-type {ct:?} is not problem+json"
    );
    let v: Value = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("{what}: problem body is not JSON ({e}): {text}"));
    assert_eq!(v["status"].as_u64(), Some(status as u64), "{what}: {v}");
    v
}

/// Generates a test clip with ffmpeg (testsrc + sine, H.264/AAC).
pub fn make_clip(dir: &Path, name: &str, secs: u32, w: u32, h: u32) -> PathBuf {
    let out = dir.join(name);
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
        .arg(format!("testsrc=duration={secs}:size={w}x{h}:rate=30"))
        .args(["-f", "lavfi", "-i"])
        .arg(format!("sine=duration={secs}"))
        .args([
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-c:a",
            "aac",
            "-shortest",
        ])
        .arg(&out)
        .status()
        .expect("run ffmpeg");
    assert!(st.success(), "ffmpeg could not generate {name}");
    out
}

pub fn sha256_hex(b: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(b))
}

/// Runs ffprobe on a URL or file; returns its JSON (`-show_streams -show_format`).
pub fn ffprobe(target: &str) -> Value {
    let out = Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-print_format",
            "json",
            "-show_streams",
            "-show_format",
        ])
        .arg(target)
        .output()
        .expect("run ffprobe");
    assert!(
        out.status.success(),
        "ffprobe {target} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("ffprobe json")
}

/// A multipart body with text fields and files (`(field, filename, bytes)`).
pub fn multipart(fields: &[(&str, &str)], files: &[(&str, &str, Vec<u8>)]) -> (String, Vec<u8>) {
    let boundary = format!("----ft{}", uuid::Uuid::new_v4().simple());
    let mut body = Vec::new();
    for (k, v) in fields {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                .as_bytes(),
        );
    }
    for (k, name, bytes) in files {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}
