//! The client side of an instance under test, shared by [`crate::TestInstance`] (a child
//! process) and [`crate::TestApp`] (in-process): URLs, sign-in, users, uploads, JSON GETs.
//! Helpers panic with what went wrong (they are for tests); the `try_` ones return errors.

use crate::multipart;
use anyhow::{bail, Context, Result};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// An instance's address and an HTTP client for it (no redirects followed, 60 s timeout).
pub struct Http {
    /// `http://ip:port`
    pub url: String,
    /// `ip:port`
    pub host: String,
    pub port: u16,
    pub client: reqwest::Client,
    pub data_dir: PathBuf,
    pub root_password: String,
    log_file: Option<PathBuf>,
    client_creds: std::sync::Mutex<Option<(String, String)>>,
}

impl Http {
    pub fn new(
        ip: &str,
        port: u16,
        data_dir: PathBuf,
        root_password: &str,
        log_file: Option<PathBuf>,
    ) -> Http {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(60))
            .build()
            .expect("client");
        Http {
            url: format!("http://{ip}:{port}"),
            host: format!("{ip}:{port}"),
            port,
            client,
            data_dir,
            root_password: root_password.to_string(),
            log_file,
            client_creds: std::sync::Mutex::new(None),
        }
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
        self.try_get_json(path, token)
            .await
            .unwrap_or_else(|e| panic!("{e:#}"))
    }

    /// `GET path` that must answer 200 with JSON.
    pub async fn try_get_json(&self, path: &str, token: Option<&str>) -> Result<Value> {
        let r = self
            .get(path, token)
            .send()
            .await
            .with_context(|| format!("GET {path}"))?;
        let status = r.status();
        let text = r.text().await.context("body")?;
        if status != 200 {
            bail!("GET {path}: {status}: {text}");
        }
        serde_json::from_str(&text).with_context(|| format!("GET {path}: not JSON: {text}"))
    }

    // ------------------------------------------------------------------ auth

    /// The local OAuth client (fetched once, then remembered).
    pub async fn oauth_client(&self) -> (String, String) {
        self.try_oauth_client()
            .await
            .unwrap_or_else(|e| panic!("{e:#}"))
    }

    pub async fn try_oauth_client(&self) -> Result<(String, String)> {
        if let Some(c) = self.client_creds.lock().expect("lock").clone() {
            return Ok(c);
        }
        let v = self
            .try_get_json("/api/v1/oauth-clients/local", None)
            .await?;
        let c = (
            v["client_id"].as_str().context("client_id")?.to_string(),
            v["client_secret"]
                .as_str()
                .context("client_secret")?
                .to_string(),
        );
        *self.client_creds.lock().expect("lock") = Some(c.clone());
        Ok(c)
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
        self.try_login(user, pw)
            .await
            .unwrap_or_else(|e| panic!("{e:#}"))
    }

    pub async fn try_login(&self, user: &str, pw: &str) -> Result<Value> {
        let (id, secret) = self.try_oauth_client().await?;
        let r = self
            .client
            .post(self.api("/api/v1/users/token"))
            .form(&[
                ("client_id", id.as_str()),
                ("client_secret", secret.as_str()),
                ("grant_type", "password"),
                ("username", user),
                ("password", pw),
            ])
            .send()
            .await
            .context("token request")?;
        let status = r.status();
        let text = r.text().await.context("body")?;
        if status != 200 {
            bail!("login {user}: {status}: {text}");
        }
        serde_json::from_str(&text).context("token json")
    }

    pub async fn token(&self, user: &str, pw: &str) -> String {
        self.login(user, pw).await["access_token"]
            .as_str()
            .expect("access_token")
            .to_string()
    }

    pub async fn root_token(&self) -> String {
        self.token("root", &self.root_password).await
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
        self.try_legacy_upload(token, path, fields)
            .await
            .unwrap_or_else(|e| panic!("{e:#}"))
    }

    pub async fn try_legacy_upload(
        &self,
        token: &str,
        path: &Path,
        fields: &[(&str, String)],
    ) -> Result<reqwest::Response> {
        let filename = path
            .file_name()
            .context("a file name")?
            .to_string_lossy()
            .to_string();
        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let bytes = std::fs::read(path).with_context(|| format!("read clip {}", path.display()))?;
        let (content_type, body) = multipart(&fields, &[("videofile", &filename, bytes)]);
        self.client
            .post(self.api("/api/v1/videos/upload"))
            .bearer_auth(token)
            .header("Content-Type", content_type)
            .body(body)
            .send()
            .await
            .context("legacy upload")
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
        match self
            .try_wait_published(uuid, token, limit, Duration::from_millis(250))
            .await
        {
            Ok(v) => v,
            Err(e) => panic!("{e:#}\n{}", self.log_tail()),
        }
    }

    /// Polls `GET /videos/{uuid}` every `poll` until published (state 1); an error on a failed
    /// state (7) or after `limit`.
    pub async fn try_wait_published(
        &self,
        uuid: &str,
        token: Option<&str>,
        limit: Duration,
        poll: Duration,
    ) -> Result<Value> {
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
                    let v: Value = serde_json::from_str(&last).context("video json")?;
                    match v["state"]["id"].as_i64() {
                        Some(1) => return Ok(v),
                        Some(7) => bail!("transcoding failed: {v}"),
                        _ => {}
                    }
                }
            }
            if Instant::now() >= deadline {
                bail!("video {uuid} not published within {limit:?}; last answer: {last}");
            }
            tokio::time::sleep(poll).await;
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

    // ------------------------------------------------------------------ jobs, followers

    /// The `total` of an admin job list (`state`: waiting, active, delayed, failed, completed).
    pub async fn jobs_total(&self, admin_token: &str, state: &str, kind: &str) -> Result<i64> {
        let v = self
            .try_get_json(
                &format!("/api/v1/jobs/{state}?jobType={kind}&count=1"),
                Some(admin_token),
            )
            .await?;
        Ok(v["total"].as_i64().unwrap_or(0))
    }

    /// Polls until no job of `kind` is waiting or running; returns when that was seen.
    pub async fn wait_jobs_idle(
        &self,
        admin_token: &str,
        kind: &str,
        limit: Duration,
    ) -> Result<Instant> {
        let deadline = Instant::now() + limit;
        loop {
            let busy = self.jobs_total(admin_token, "waiting", kind).await?
                + self.jobs_total(admin_token, "active", kind).await?;
            if busy == 0 {
                return Ok(Instant::now());
            }
            if Instant::now() > deadline {
                bail!("{busy} {kind} jobs still waiting or active after {limit:?}");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The `total` of `GET /api/v1/server/followers`.
    pub async fn followers_total(&self) -> Result<i64> {
        let v = self
            .try_get_json("/api/v1/server/followers?count=1", None)
            .await?;
        Ok(v["total"].as_i64().unwrap_or(0))
    }

    /// The last `lines` lines of the server's log (empty for an in-process [`crate::TestApp`],
    /// whose log goes to the test's output).
    pub fn log_tail_lines(&self, lines: usize) -> String {
        let Some(f) = &self.log_file else {
            return String::new();
        };
        let s = std::fs::read_to_string(f).unwrap_or_default();
        let all: Vec<&str> = s.lines().collect();
        all[all.len().saturating_sub(lines)..].join("\n")
    }

    /// The last 60 lines of the server's log.
    pub fn log_tail(&self) -> String {
        self.log_tail_lines(60)
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
