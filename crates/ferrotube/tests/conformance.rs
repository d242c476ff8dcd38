//! Conformance against PeerTube's REST API description: starts the real `ferrotube serve`, uploads
//! one tiny clip, then checks that each answer validates against the response schema that
//! PeerTube's OpenAPI document (`tests/data/openapi-7.1.json`, a copy of PeerTube 7.1's spec)
//! declares for that path, method and status.
//!
//! The OpenAPI 3.0 schemas are turned into JSON Schema 2020-12 first (`nullable`, JS-style
//! `/regex/flags` patterns, `$ref` into `#/components/schemas`). Where the spec and a real
//! PeerTube (6.3, whose answers clients are written against) disagree, we follow the real answers:
//! each such exception is listed, with its reason, in `spec_exceptions` and `response_schema`.
//!
//! It also checks the error contract: malformed query parameters are a 400
//! `application/problem+json` (never a 5xx), and unknown `/api/v1/...` paths are a 404 in the same
//! format.
//!
//! Run: `cargo test -p ferrotube --test conformance`. Needs `ffmpeg` on the PATH (the server
//! transcodes the clip with it).
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::string_slice)]

use serde_json::{json, Map, Value};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const SPEC: &str = include_str!("data/openapi-7.1.json");
const ROOT_PASSWORD: &str = "conformance-root-pw-42";

// ---------------------------------------------------------------------------------------------
// The spec, as JSON Schema
// ---------------------------------------------------------------------------------------------

struct Spec {
    doc: Value,
    /// `{"schemas": {...}}`: the converted `components.schemas`, which every `$ref` points into.
    components: Value,
}

impl Spec {
    fn load() -> Spec {
        let doc: Value = serde_json::from_str(SPEC).expect("tests/data/openapi-7.1.json is JSON");
        let mut schemas = to_json_schema(&doc["components"]["schemas"]);
        spec_exceptions(&mut schemas);
        Spec {
            components: json!({ "schemas": schemas }),
            doc,
        }
    }

    /// The converted response schema the spec declares for `method path` answering `status`.
    fn declared(&self, method: &str, path: &str, status: u16) -> Option<Value> {
        let op = self.doc["paths"].get(path)?.get(method)?;
        let s = op["responses"]
            .get(status.to_string())?
            .get("content")?
            .get("application/json")?
            .get("schema")?;
        Some(to_json_schema(s))
    }

    /// Whether the operation takes PeerTube's list parameters (`start`, `count`, `sort`).
    fn is_list(&self, method: &str, path: &str) -> bool {
        let Some(params) = self.doc["paths"][path][method]["parameters"].as_array() else {
            return false;
        };
        params.iter().any(|p| {
            let r = p["$ref"].as_str().unwrap_or_default();
            r.ends_with("/start") || r.ends_with("/count") || p["name"] == "count"
        })
    }

    /// Validates `body` against `schema`; one line per violation.
    fn violations(&self, schema: &Value, body: &Value) -> Vec<String> {
        let root = json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "components": self.components,
            "allOf": [schema],
        });
        let validator = match jsonschema::draft202012::options()
            .should_validate_formats(true)
            .should_ignore_unknown_formats(true)
            .build(&root)
        {
            Ok(v) => v,
            Err(e) => return vec![format!("the schema does not compile: {e}")],
        };
        let mut out: Vec<String> = validator
            .iter_errors(body)
            .map(|e| {
                let mut shown = e.instance().to_string();
                if shown.len() > 160 {
                    let cut = (0..=160)
                        .rev()
                        .find(|i| shown.is_char_boundary(*i))
                        .unwrap_or(0);
                    shown.truncate(cut);
                    shown.push('…');
                }
                format!(
                    "at `{}`: {} (schema {}; value {shown})",
                    e.instance_path(),
                    e.masked(),
                    e.evaluation_path()
                )
            })
            .collect();
        out.sort();
        out.dedup();
        out
    }
}

/// OpenAPI 3.0 schema object -> JSON Schema 2020-12.
fn to_json_schema(node: &Value) -> Value {
    match node {
        Value::Array(items) => Value::Array(items.iter().map(to_json_schema).collect()),
        Value::Object(map) => {
            let mut out = Map::new();
            for (k, v) in map {
                match k.as_str() {
                    // Annotations only, or OpenAPI keywords without a JSON Schema meaning.
                    "nullable" | "example" | "examples" | "discriminator" | "xml"
                    | "externalDocs" | "readOnly" | "writeOnly" | "deprecated" => {}
                    // PeerTube writes some patterns as JS literals: `/^[a-z0-9._]+$/`, `/…/i`.
                    "pattern" => {
                        out.insert(k.clone(), Value::String(js_regex(v.as_str().unwrap_or(""))));
                    }
                    // `hostname` fields carry the port when the instance is not on 80/443
                    // (PeerTube answers `"host": "localhost:9000"`), which the `hostname` format
                    // rejects.
                    "format" if v == "hostname" => {}
                    _ => {
                        out.insert(k.clone(), to_json_schema(v));
                    }
                }
            }
            if map.get("nullable") == Some(&Value::Bool(true)) {
                nullable(out)
            } else {
                Value::Object(out)
            }
        }
        other => other.clone(),
    }
}

/// `nullable: true`: a plain `type` becomes `[type, "null"]` (and `null` joins an `enum`);
/// anything else (`$ref`, `allOf`, no type) becomes `anyOf: [it, {"type": "null"}]`.
fn nullable(mut schema: Map<String, Value>) -> Value {
    let simple = schema.get("type").is_some_and(Value::is_string)
        && !schema.contains_key("$ref")
        && !schema.contains_key("allOf")
        && !schema.contains_key("oneOf")
        && !schema.contains_key("anyOf");
    if simple {
        let t = schema["type"].clone();
        schema.insert("type".into(), json!([t, "null"]));
        if let Some(Value::Array(values)) = schema.get_mut("enum") {
            values.push(Value::Null);
        }
        Value::Object(schema)
    } else {
        json!({ "anyOf": [Value::Object(schema), { "type": "null" }] })
    }
}

fn js_regex(p: &str) -> String {
    if let Some(rest) = p.strip_prefix('/') {
        if let Some(end) = rest.rfind('/') {
            let (body, flags) = (&rest[..end], &rest[end + 1..]);
            if flags.chars().all(|c| c.is_ascii_alphabetic()) {
                return if flags.contains('i') {
                    format!("(?i){body}")
                } else {
                    body.to_string()
                };
            }
        }
    }
    p.to_string()
}

fn pointer_mut<'a>(schemas: &'a mut Value, ptr: &str) -> &'a mut Map<String, Value> {
    schemas
        .pointer_mut(ptr)
        .and_then(Value::as_object_mut)
        .unwrap_or_else(|| panic!("the spec has no components.schemas{ptr}"))
}

/// Component-level corrections: where the spec itself is wrong, or where a real PeerTube answers
/// otherwise (clients follow PeerTube's answers, so we do too).
fn spec_exceptions(schemas: &mut Value) {
    // Spec bug: `^[a-z0-9]$` / `^[a-zA-Z0-9]$` allow one character only; PeerTube's client id
    // and secret are 32 of them (samples/rest/oauth-clients-local.json).
    for field in ["client_id", "client_secret"] {
        let s = pointer_mut(schemas, &format!("/OAuthClient/properties/{field}"));
        let p = s["pattern"]
            .as_str()
            .unwrap_or_default()
            .replace("]$", "]+$");
        s.insert("pattern".into(), Value::String(p));
    }
    // Spec bug: the magnet pattern wants `magnet:?xt=` first, but PeerTube writes
    // `magnet:?xs=<torrent url>&xt=urn:btih:…` (samples/rest/video-details.json).
    pointer_mut(schemas, "/VideoFile/properties/magnetUri").remove("pattern");
    // PeerTube answers `null` for these on users with none (samples/rest/users-me.json:
    // `"blockedReason": null`, `"pluginAuth": null`); the spec says string.
    for field in ["blockedReason", "pluginAuth"] {
        if let Some(s) = schemas.pointer_mut(&format!("/User/properties/{field}")) {
            let owned = std::mem::take(s);
            *s = nullable(owned.as_object().cloned().unwrap_or_default());
        }
    }
    // A video without category/licence/language: PeerTube's video formatter answers
    // `{"id": null, "label": "Unknown"}` (`{ id: video.category, label: getCategoryLabel(...) }`);
    // the spec's ids are non-null. (The sample video has all three set, and so does our first
    // clip, which is checked with the spec's types.)
    for constant in [
        "VideoConstantNumber-Category",
        "VideoConstantNumber-Licence",
        "VideoConstantString-Language",
    ] {
        let props = pointer_mut(schemas, &format!("/{constant}/properties"));
        let id = props["id"].as_object().cloned().unwrap_or_default();
        props.insert("id".into(), nullable(id));
    }
    // `tags` has `minItems: 1` (an input rule of the upload form); PeerTube answers `"tags": []`
    // for a video without tags (`video.Tags.map(t => t.name)`).
    pointer_mut(schemas, "/VideoDetails/allOf/1/properties/tags").remove("minItems");
    // Job `error`: the spec says object; PeerTube's formatJob answers the first stacktrace line
    // (a string) for a failed job and `null` otherwise.
    pointer_mut(schemas, "/Job/properties/error")
        .insert("type".into(), json!(["object", "string", "null"]));
    // Job types: PeerTube 6 runs `federate-video` (its job that announces a published video),
    // missing from the 7.1 enum; `activitypub-inbox` is ours, since PeerTube keeps its inbox
    // queue in memory where a restart loses it.
    // Playlists: PeerTube's formatter answers `description: null` when there is none
    // (samples/rest/video-playlist.json), `thumbnailPath: null` for a playlist without a
    // thumbnail nor elements, `videoChannel: null` for one outside any channel ("Watch later"
    // always), and then no `videoChannelPosition`.
    for field in [
        "description",
        "thumbnailPath",
        "videoChannel",
        "videoChannelPosition",
    ] {
        if let Some(s) = schemas.pointer_mut(&format!("/VideoPlaylist/properties/{field}")) {
            let owned = std::mem::take(s);
            *s = nullable(owned.as_object().cloned().unwrap_or_default());
        }
    }
    // A registration's `emailVerified` is `null` when the instance does not ask for e-mail
    // verification (PeerTube's request controller: `REQUIRES_EMAIL_VERIFICATION ? false : null`).
    if let Some(s) = schemas.pointer_mut("/UserRegistration/properties/emailVerified") {
        let owned = std::mem::take(s);
        *s = nullable(owned.as_object().cloned().unwrap_or_default());
    }
    // Server stats: the spec says PeerTube answers null for the stats an admin disabled; we answer
    // null for those we do not keep (abuse response times; registration response times before any
    // request was processed).
    for field in [
        "averageRegistrationRequestResponseTimeMs",
        "totalRegistrationRequestsProcessed",
        "totalRegistrationRequests",
        "averageAbuseResponseTimeMs",
    ] {
        if let Some(s) = schemas.pointer_mut(&format!("/ServerStats/properties/{field}")) {
            let owned = std::mem::take(s);
            *s = nullable(owned.as_object().cloned().unwrap_or_default());
        }
    }
    // Abuses: PeerTube answers the reported span as it stores it, whole seconds or `null`
    // (`startAt: abuseModel.startAt` in AbuseModel.buildBaseVideoAbuse); the spec says date-time.
    // `moderationComment` is `null` until a moderator writes one.
    for field in ["startAt", "endAt"] {
        let s = pointer_mut(
            schemas,
            &format!("/Abuse/properties/video/properties/{field}"),
        );
        s.clear();
        s.insert("type".into(), json!(["integer", "null"]));
    }
    if let Some(s) = schemas.pointer_mut("/Abuse/properties/moderationComment") {
        let owned = std::mem::take(s);
        *s = nullable(owned.as_object().cloned().unwrap_or_default());
    }
    let types = pointer_mut(schemas, "/Job/properties/type");
    if let Some(list) = types.get_mut("enum").and_then(Value::as_array_mut) {
        list.push(json!("federate-video"));
        list.push(json!("activitypub-inbox"));
        // PeerTube's own `notify` job (it makes users' notifications since 5.0), missing from
        // the 7.1 enum; ours has the same name and role.
        list.push(json!("notify"));
    }
}

/// The schema a response is held to: the spec's, except where a real PeerTube answers otherwise.
fn response_schema(spec: &Spec, method: &str, path: &str, status: u16) -> Option<Value> {
    let user = json!({ "$ref": "#/components/schemas/User" });
    match (method, path, status) {
        // PeerTube answers the CustomConfig after a change or a reset (its config controller's
        // `res.json(...)`); the spec declares no content.
        ("put" | "delete", "/api/v1/config/custom", 200) => {
            Some(json!({ "$ref": "#/components/schemas/ServerConfigCustom" }))
        }
        // PeerTube answers the parsed JSON log lines (server/core/controllers/api/server/logs.ts
        // pushes `JSON.parse(line)` objects); the spec says strings.
        ("get", "/api/v1/server/logs" | "/api/v1/server/audit-logs", 200) => Some(json!({
            "type": "array",
            "items": {
                "type": "object",
                "required": ["level", "message", "timestamp"],
                "properties": {
                    "level": { "enum": ["debug", "info", "warn", "error", "audit"] },
                    "message": { "type": "string" },
                    "timestamp": { "type": "string", "format": "date-time" },
                },
            },
        })),
        // PeerTube answers `{abuseMessage: {id}}` (its addAbuseMessage controller); the spec
        // declares no body.
        ("post", "/api/v1/abuses/{abuseId}/messages", 200) => Some(json!({
            "type": "object",
            "required": ["abuseMessage"],
            "properties": {
                "abuseMessage": {
                    "type": "object",
                    "required": ["id"],
                    "properties": { "id": { "type": "integer" } },
                },
            },
        })),
        // PeerTube answers one User object (samples/rest/users-me.json); the spec says array.
        ("get", "/api/v1/users/me", 200) => Some(user),
        // PeerTube answers `{total, data: [User]}` (its users controller uses
        // getFormattedObjects, as every list does); the spec says a bare array.
        ("get", "/api/v1/users", 200) => Some(json!({
            "type": "object",
            "required": ["total", "data"],
            "properties": {
                "total": { "type": "integer", "minimum": 0 },
                "data": { "type": "array", "items": user },
            },
        })),
        // PeerTube answers `{total, data: [VideoRedundancy]}`
        // (samples/rest/server-redundancy-videos.json); the spec says a bare array.
        ("get", "/api/v1/server/redundancy/videos", 200) => Some(json!({
            "type": "object",
            "required": ["total", "data"],
            "properties": {
                "total": { "type": "integer", "minimum": 0 },
                "data": { "type": "array", "items": { "$ref": "#/components/schemas/VideoRedundancy" } },
            },
        })),
        // PeerTube answers `{"description": "..."}`, `{"description": null}` when there is none
        // (samples/rest/video-description.json); the spec says a bare string.
        ("get", "/api/v1/videos/{id}/description", 200) => Some(json!({
            "type": "object",
            "required": ["description"],
            "properties": { "description": { "type": ["string", "null"] } },
        })),
        // PeerTube answers `{"1": "Public", "2": "Unlisted", "3": "Private"}` (the spec's own
        // example); the spec's schema says an array of strings.
        ("get", "/api/v1/video-playlists/privacies", 200) => Some(json!({
            "type": "object",
            "required": ["1", "2", "3"],
            "additionalProperties": { "type": "string" },
        })),
        // PeerTube answers `{"chapters": [{timecode, title}]}` (samples/rest/video-chapters.json);
        // the spec's `VideoChapters.chapters` is one object.
        ("get", "/api/v1/videos/{id}/chapters", 200) => Some(json!({
            "type": "object",
            "required": ["chapters"],
            "properties": {
                "chapters": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["timecode", "title"],
                        "properties": {
                            "timecode": { "type": "integer", "minimum": 0 },
                            "title": { "type": "string", "minLength": 1 },
                        },
                    },
                },
            },
        })),
        // PeerTube answers one `{otpRequest}` object (its two-factor controller); the spec says
        // an array of them.
        ("post", "/api/v1/users/{id}/two-factor/request", 200) => Some(json!({
            "$ref": "#/components/schemas/RequestTwoFactorResponse"
        })),
        // PeerTube answers 200 with the list (`res.json(...)` in its video-passwords
        // controller); the spec files the list under 204.
        ("get", "/api/v1/videos/{id}/passwords", 200) => Some(json!({
            "$ref": "#/components/schemas/VideoPasswordList"
        })),
        _ => spec.declared(method, path, status),
    }
}

/// Error bodies. The spec declares none; its "Errors" section describes RFC 7807 bodies and the
/// real ones (samples/rest/error-*.json) carry `type`, `detail`, `status` (always), `title`
/// (not on 401/400 OAuth errors), `code`, `error` (a copy of detail), `docs`, `invalid-params`.
fn problem_schema(status: u16) -> Value {
    json!({
        "type": "object",
        "required": ["type", "detail", "status"],
        "properties": {
            "type": { "type": "string", "minLength": 1 },
            "title": { "type": "string" },
            "detail": { "type": "string", "minLength": 1 },
            "status": { "const": status },
            "code": { "type": "string" },
            "error": { "type": "string" },
            "docs": { "type": "string" },
            "instance": { "type": "string" },
            "invalid-params": {
                "type": "object",
                "additionalProperties": {
                    "type": "object",
                    "required": ["msg"],
                    "properties": {
                        "msg": { "type": "string" },
                        "path": { "type": "string" },
                        "location": { "type": "string" },
                    },
                },
            },
        },
    })
}

// ---------------------------------------------------------------------------------------------
// The server
// ---------------------------------------------------------------------------------------------

struct Server {
    child: Child,
    base: String,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    fn start() -> Server {
        Server::start_with(&[])
    }

    /// The server with extra `FERROTUBE_*` settings.
    fn start_with(env: &[(&str, &str)]) -> Server {
        let dir = tempfile::tempdir().unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let base = format!("http://127.0.0.1:{port}");
        let log = dir.path().join("server.log");
        let out = std::fs::File::create(&log).unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_ferrotube"))
            .arg("serve")
            .env("FERROTUBE_LISTEN", format!("127.0.0.1:{port}"))
            .env("FERROTUBE_PUBLIC_URL", &base)
            .env("FERROTUBE_DATA_DIR", dir.path().join("data"))
            .env("FERROTUBE_INITIAL_ROOT_PASSWORD", ROOT_PASSWORD)
            .env_remove("FERROTUBE_CONFIG")
            .env_remove("FERROTUBE_DATABASE_URL")
            .env("RUST_LOG", "info,sqlx=warn")
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(out.try_clone().unwrap())
            .stderr(out)
            .spawn()
            .expect("cannot start the ferrotube binary");
        Server {
            child,
            base,
            log,
            _dir: dir,
        }
    }

    fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(40)..].join("\n")
    }

    async fn wait_ready(&mut self, http: &reqwest::Client) {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("ferrotube exited ({status}):\n{}", self.log_tail());
            }
            if let Ok(r) = http
                .get(format!("{}/api/v1/config", self.base))
                .send()
                .await
            {
                if r.status().is_success() {
                    return;
                }
            }
            assert!(
                Instant::now() < deadline,
                "ferrotube did not answer within 60 s:\n{}",
                self.log_tail()
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}

struct Answer {
    status: u16,
    content_type: String,
    text: String,
}

impl Answer {
    fn json(&self) -> Result<Value, String> {
        serde_json::from_str(&self.text).map_err(|e| {
            let mut t = self.text.clone();
            t.truncate(200);
            format!("the body is not JSON ({e}): {t:?}")
        })
    }
}

async fn send(req: reqwest::RequestBuilder) -> Answer {
    let r = req.send().await.expect("request failed");
    let status = r.status().as_u16();
    let content_type = r
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let text = r.text().await.unwrap_or_default();
    Answer {
        status,
        content_type,
        text,
    }
}

fn form(pairs: &[(&str, &str)]) -> String {
    // Values here are plain ASCII words; only escape what a form body cannot carry as is.
    pairs
        .iter()
        .map(|(k, v)| {
            let v: String = v
                .bytes()
                .map(|b| match b {
                    b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' => {
                        (b as char).to_string()
                    }
                    _ => format!("%{b:02X}"),
                })
                .collect();
            format!("{k}={v}")
        })
        .collect::<Vec<_>>()
        .join("&")
}

fn make_clip(dir: &Path) -> Option<Vec<u8>> {
    let path = dir.join("clip.mp4");
    let status = Command::new("ffmpeg")
        .args(["-hide_banner", "-loglevel", "error", "-y"])
        .args([
            "-f",
            "lavfi",
            "-i",
            "testsrc=duration=2:size=320x180:rate=25",
        ])
        .args(["-f", "lavfi", "-i", "sine=duration=2"])
        .args([
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-c:a",
            "aac",
            "-shortest",
        ])
        .arg(&path)
        .stdin(Stdio::null())
        .status()
        .ok()?;
    status
        .success()
        .then(|| std::fs::read(&path).ok())
        .flatten()
}

/// A small PNG (an avatar or banner to upload).
fn make_png(dir: &Path) -> Option<Vec<u8>> {
    let path = dir.join("image.png");
    let status = Command::new("ffmpeg")
        .args(["-hide_banner", "-loglevel", "error", "-y"])
        .args([
            "-f",
            "lavfi",
            "-i",
            "color=c=blue:s=160x90",
            "-frames:v",
            "1",
        ])
        .arg(&path)
        .stdin(Stdio::null())
        .status()
        .ok()?;
    status
        .success()
        .then(|| std::fs::read(&path).ok())
        .flatten()
}

/// A multipart body of one image file in `field`.
fn image_multipart(boundary: &str, field: &str, file: &[u8]) -> Vec<u8> {
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; \
         filename=\"image.png\"\r\nContent-Type: image/png\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(file);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    body
}

fn multipart(boundary: &str, fields: &[(&str, &str)], file: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    for (k, v) in fields {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
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
    body.extend_from_slice(file);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    body
}

// ---------------------------------------------------------------------------------------------
// Checks
// ---------------------------------------------------------------------------------------------

#[derive(Default)]
struct Report {
    failures: Vec<String>,
    checked: usize,
}

impl Report {
    fn fail(&mut self, what: &str, why: impl AsRef<str>) {
        self.failures.push(format!("{what}: {}", why.as_ref()));
    }

    /// `answer` must have `status`, a JSON body of the right media type, and validate against
    /// the schema held for `method spec_path` (spec or documented exception).
    fn conforms(
        &mut self,
        spec: &Spec,
        what: &str,
        method: &str,
        spec_path: &str,
        status: u16,
        answer: &Answer,
    ) -> Option<Value> {
        self.checked += 1;
        if answer.status != status {
            let mut t = answer.text.clone();
            t.truncate(300);
            self.fail(
                what,
                format!("status {} (wanted {status}): {t}", answer.status),
            );
            return None;
        }
        let wanted_type = if status >= 400 {
            "application/problem+json"
        } else {
            "application/json"
        };
        if !answer.content_type.starts_with(wanted_type) {
            self.fail(
                what,
                format!(
                    "Content-Type {:?}, wanted {wanted_type}",
                    answer.content_type
                ),
            );
        }
        let body = match answer.json() {
            Ok(b) => b,
            Err(e) => {
                self.fail(what, e);
                return None;
            }
        };
        let schema = if status >= 400 {
            Some(problem_schema(status))
        } else {
            response_schema(spec, method, spec_path, status)
        };
        let Some(schema) = schema else {
            self.fail(
                what,
                format!("the spec declares no JSON schema for {method} {spec_path} {status}"),
            );
            return Some(body);
        };
        for v in spec.violations(&schema, &body) {
            self.fail(what, v);
        }
        Some(body)
    }
}

/// `GET` endpoints checked, as (spec path, concrete path, needs the root token).
fn endpoints(uuid: &str) -> Vec<(&'static str, String, bool)> {
    vec![
        ("/api/v1/config", "/api/v1/config".into(), false),
        ("/api/v1/config/about", "/api/v1/config/about".into(), false),
        ("/api/v1/videos", "/api/v1/videos".into(), false),
        (
            "/api/v1/videos/{id}",
            format!("/api/v1/videos/{uuid}"),
            false,
        ),
        (
            "/api/v1/videos/{id}/description",
            format!("/api/v1/videos/{uuid}/description"),
            false,
        ),
        ("/api/v1/users/me", "/api/v1/users/me".into(), true),
        (
            "/api/v1/videos/{id}/source",
            format!("/api/v1/videos/{uuid}/source"),
            true,
        ),
        (
            "/api/v1/users/me/video-quota-used",
            "/api/v1/users/me/video-quota-used".into(),
            true,
        ),
        (
            "/api/v1/users/me/videos",
            "/api/v1/users/me/videos".into(),
            true,
        ),
        (
            "/api/v1/video-channels",
            "/api/v1/video-channels".into(),
            false,
        ),
        (
            "/api/v1/video-channels/{channelHandle}",
            "/api/v1/video-channels/root_channel".into(),
            false,
        ),
        (
            "/api/v1/video-channels/{channelHandle}/videos",
            "/api/v1/video-channels/root_channel/videos".into(),
            false,
        ),
        (
            "/api/v1/accounts/{name}",
            "/api/v1/accounts/root".into(),
            false,
        ),
        (
            "/api/v1/accounts/{name}/videos",
            "/api/v1/accounts/root/videos".into(),
            false,
        ),
        (
            "/api/v1/accounts/{name}/video-channels",
            "/api/v1/accounts/root/video-channels".into(),
            false,
        ),
        (
            "/api/v1/oauth-clients/local",
            "/api/v1/oauth-clients/local".into(),
            false,
        ),
        (
            "/api/v1/jobs/{state}",
            "/api/v1/jobs/completed".into(),
            true,
        ),
        ("/api/v1/users", "/api/v1/users".into(), true),
        (
            "/api/v1/server/redundancy/videos",
            "/api/v1/server/redundancy/videos?target=my-videos".into(),
            true,
        ),
        (
            "/api/v1/server/following",
            "/api/v1/server/following".into(),
            false,
        ),
        (
            "/api/v1/search/videos",
            "/api/v1/search/videos?search=clip".into(),
            false,
        ),
        (
            "/api/v1/search/video-channels",
            "/api/v1/search/video-channels?search=root".into(),
            false,
        ),
        (
            "/api/v1/video-playlists",
            "/api/v1/video-playlists".into(),
            false,
        ),
        (
            "/api/v1/video-playlists/privacies",
            "/api/v1/video-playlists/privacies".into(),
            false,
        ),
        (
            "/api/v1/accounts/{name}/video-playlists",
            "/api/v1/accounts/root/video-playlists".into(),
            true,
        ),
        (
            "/api/v1/video-channels/{channelHandle}/video-playlists",
            "/api/v1/video-channels/root_channel/video-playlists".into(),
            false,
        ),
        (
            "/api/v1/videos/{id}/captions",
            format!("/api/v1/videos/{uuid}/captions"),
            false,
        ),
        (
            "/api/v1/videos/{id}/chapters",
            format!("/api/v1/videos/{uuid}/chapters"),
            false,
        ),
        (
            "/api/v1/videos/{id}/storyboards",
            format!("/api/v1/videos/{uuid}/storyboards"),
            false,
        ),
        (
            "/api/v1/config/custom",
            "/api/v1/config/custom".into(),
            true,
        ),
        ("/api/v1/server/stats", "/api/v1/server/stats".into(), false),
        (
            "/api/v1/server/logs",
            "/api/v1/server/logs?startDate=2000-01-01T00:00:00.000Z".into(),
            true,
        ),
        (
            "/api/v1/server/audit-logs",
            "/api/v1/server/audit-logs?startDate=2000-01-01T00:00:00.000Z".into(),
            true,
        ),
        (
            "/api/v1/custom-pages/homepage/instance",
            "/api/v1/custom-pages/homepage/instance".into(),
            false,
        ),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn peertube_openapi_conformance() {
    let spec = Spec::load();
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap();
    let mut server = Server::start();
    server.wait_ready(&http).await;
    let base = server.base.clone();
    let url = |p: &str| format!("{base}{p}");
    let mut report = Report::default();

    // --- OAuth: the local client, then a password grant for root.
    let client = send(http.get(url("/api/v1/oauth-clients/local"))).await;
    let client = report
        .conforms(
            &spec,
            "GET /oauth-clients/local",
            "get",
            "/api/v1/oauth-clients/local",
            200,
            &client,
        )
        .expect("no OAuth client");
    let (cid, csecret) = (
        client["client_id"].as_str().unwrap().to_string(),
        client["client_secret"].as_str().unwrap().to_string(),
    );
    let token_req = |user: &str, pw: &str, cid: &str| {
        http.post(url("/api/v1/users/token"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form(&[
                ("client_id", cid),
                ("client_secret", &csecret),
                ("grant_type", "password"),
                ("response_type", "code"),
                ("username", user),
                ("password", pw),
            ]))
    };
    let tok = send(token_req("root", ROOT_PASSWORD, &cid)).await;
    let tok = report
        .conforms(
            &spec,
            "POST /users/token",
            "post",
            "/api/v1/users/token",
            200,
            &tok,
        )
        .expect("no token");
    let bearer = format!("Bearer {}", tok["access_token"].as_str().unwrap());
    for (what, answer) in [
        (
            "POST /users/token (bad client)",
            send(token_req("root", ROOT_PASSWORD, "nope")).await,
        ),
        (
            "POST /users/token (bad password)",
            send(token_req("root", "wrong-pw", &cid)).await,
        ),
    ] {
        report.conforms(&spec, what, "post", "/api/v1/users/token", 400, &answer);
    }

    // --- Upload one clip and wait until it is published.
    let me = send(
        http.get(url("/api/v1/users/me"))
            .header("authorization", &bearer),
    )
    .await;
    let me = me.json().expect("/users/me");
    let channel_id = me["videoChannels"][0]["id"].to_string();
    let work = tempfile::tempdir().unwrap();
    let clip = make_clip(work.path()).expect("ffmpeg cannot make the test clip");
    // Two clips: one with every descriptive field set (as the real sample video), one bare
    // (null description, no category/licence/language, no tags).
    let rich: &[(&str, &str)] = &[
        ("name", "Conformance clip"),
        ("channelId", &channel_id),
        ("privacy", "1"),
        ("category", "15"),
        ("licence", "1"),
        ("language", "en"),
        ("tags[]", "ferrotube"),
        ("tags[]", "sample"),
        ("description", "A *sample* description in markdown."),
        ("support", "Support text"),
    ];
    let bare: &[(&str, &str)] = &[
        ("name", "Bare clip"),
        ("channelId", &channel_id),
        ("privacy", "1"),
    ];
    let mut uuids = Vec::new();
    for fields in [rich, bare] {
        let boundary = "ferrotube-conformance-boundary-7d1f";
        let upload = send(
            http.post(url("/api/v1/videos/upload"))
                .header("authorization", &bearer)
                .header(
                    "content-type",
                    format!("multipart/form-data; boundary={boundary}"),
                )
                .body(multipart(boundary, fields, &clip)),
        )
        .await;
        let uploaded = report
            .conforms(
                &spec,
                "POST /videos/upload",
                "post",
                "/api/v1/videos/upload",
                200,
                &upload,
            )
            .unwrap_or_else(|| panic!("upload failed: {}", report.failures.join("\n")));
        uuids.push(uploaded["video"]["uuid"].as_str().unwrap().to_string());
    }
    let deadline = Instant::now() + Duration::from_secs(120);
    for uuid in &uuids {
        loop {
            let v = send(
                http.get(url(&format!("/api/v1/videos/{uuid}")))
                    .header("authorization", &bearer),
            )
            .await;
            let state = v.json().ok().and_then(|v| v["state"]["id"].as_i64());
            if state == Some(1) {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "video {uuid} not published after 120 s (state {state:?}):\n{}",
                server.log_tail()
            );
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }
    let (uuid, bare_uuid) = (&uuids[0], &uuids[1]);

    // --- Notifications: each publication told root (MY_VIDEO_PUBLISHED) through the `notify`
    // job, which runs right after the transcoding job; wait for both, then check the list.
    let notifications = loop {
        let answer = send(
            http.get(url("/api/v1/users/me/notifications?count=10"))
                .header("authorization", &bearer),
        )
        .await;
        let total = answer.json().ok().and_then(|v| v["total"].as_i64());
        if total >= Some(2) {
            break answer;
        }
        assert!(
            Instant::now() < deadline,
            "root's notifications not made (total {total:?}):\n{}",
            server.log_tail()
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    };
    if let Some(body) = report.conforms(
        &spec,
        "GET /users/me/notifications",
        "get",
        "/api/v1/users/me/notifications",
        200,
        &notifications,
    ) {
        if body["data"][0]["type"] != 6 || body["data"][0]["video"]["channel"]["name"].is_null() {
            report.fail(
                "GET /users/me/notifications",
                format!("not a publication: {body}"),
            );
        }
    }

    // --- Avatars and banners (before the reads, which then show them).
    let png = make_png(work.path()).expect("ffmpeg cannot make the test image");
    for (spec_path, path, field) in [
        (
            "/api/v1/users/me/avatar/pick",
            "/api/v1/users/me/avatar/pick".to_string(),
            "avatarfile",
        ),
        (
            "/api/v1/video-channels/{channelHandle}/avatar/pick",
            "/api/v1/video-channels/root_channel/avatar/pick".to_string(),
            "avatarfile",
        ),
        (
            "/api/v1/video-channels/{channelHandle}/banner/pick",
            "/api/v1/video-channels/root_channel/banner/pick".to_string(),
            "bannerfile",
        ),
    ] {
        let boundary = "ferrotube-conformance-image-boundary";
        let answer = send(
            http.post(url(&path))
                .header("authorization", &bearer)
                .header(
                    "content-type",
                    format!("multipart/form-data; boundary={boundary}"),
                )
                .body(image_multipart(boundary, field, &png)),
        )
        .await;
        let body = report.conforms(
            &spec,
            &format!("POST {path}"),
            "post",
            spec_path,
            200,
            &answer,
        );
        let key = if field == "bannerfile" {
            "banners"
        } else {
            "avatars"
        };
        if body
            .as_ref()
            .and_then(|b| b[key].as_array())
            .is_none_or(|l| l.is_empty())
        {
            report.fail(&format!("POST {path}"), format!("no {key}: {body:?}"));
        }
    }

    // --- A caption and chapters on the first clip, so their lists are not empty.
    let boundary = "ferrotube-conformance-caption-3a9c";
    let caption = send(
        http.put(url(&format!("/api/v1/videos/{uuid}/captions/en")))
            .header("authorization", &bearer)
            .header(
                "content-type",
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"captionfile\"; \
                 filename=\"en.srt\"\r\nContent-Type: application/x-subrip\r\n\r\n\
                 1\r\n00:00:00,000 --> 00:00:01,000\r\nHello\r\n\r\n--{boundary}--\r\n"
            )),
    )
    .await;
    let chapters = send(
        http.put(url(&format!("/api/v1/videos/{uuid}/chapters")))
            .header("authorization", &bearer)
            .json(&json!({ "chapters": [
                { "title": "Intro", "timecode": 0 }, { "title": "Middle", "timecode": 1 }
            ] })),
    )
    .await;
    // The runtime configuration written back as read, then reset: both answer a CustomConfig.
    let custom: Value = serde_json::from_str(
        &send(
            http.get(url("/api/v1/config/custom"))
                .header("authorization", &bearer),
        )
        .await
        .text,
    )
    .unwrap_or_default();
    let put = send(
        http.put(url("/api/v1/config/custom"))
            .header("authorization", &bearer)
            .json(&custom),
    )
    .await;
    report.conforms(
        &spec,
        "PUT /config/custom",
        "put",
        "/api/v1/config/custom",
        200,
        &put,
    );
    let reset = send(
        http.delete(url("/api/v1/config/custom"))
            .header("authorization", &bearer),
    )
    .await;
    report.conforms(
        &spec,
        "DELETE /config/custom",
        "delete",
        "/api/v1/config/custom",
        200,
        &reset,
    );
    // A custom home page, so its GET answers 200.
    let homepage = send(
        http.put(url("/api/v1/custom-pages/homepage/instance"))
            .header("authorization", &bearer)
            .json(&json!({ "content": "Welcome to the conformance instance" })),
    )
    .await;
    for (what, answer) in [
        ("PUT caption", &caption),
        ("PUT chapters", &chapters),
        ("PUT homepage", &homepage),
    ] {
        report.checked += 1;
        if answer.status != 204 {
            report.fail(what, format!("status {}: {}", answer.status, answer.text));
        }
    }

    // --- Every endpoint's 200 against its schema.
    let mut all = endpoints(uuid);
    all.push((
        "/api/v1/videos/{id}",
        format!("/api/v1/videos/{bare_uuid}"),
        false,
    ));
    all.push((
        "/api/v1/videos/{id}/description",
        format!("/api/v1/videos/{bare_uuid}/description"),
        false,
    ));
    for (spec_path, path, auth) in all {
        let mut req = http.get(url(&path));
        if auth {
            req = req.header("authorization", &bearer);
        }
        let answer = send(req).await;
        report.conforms(
            &spec,
            &format!("GET {path}"),
            "get",
            spec_path,
            200,
            &answer,
        );
    }

    // --- Watch history: the list and a video answer carrying `userHistory`.
    let watched = send(
        http.put(url(&format!("/api/v1/videos/{uuid}/watching")))
            .header("authorization", &bearer)
            .json(&json!({ "currentTime": 1 })),
    )
    .await;
    if watched.status != 204 {
        report.fail(
            "PUT /videos/{id}/watching",
            format!("status {}", watched.status),
        );
    }
    for (spec_path, path) in [
        (
            "/api/v1/users/me/history/videos",
            "/api/v1/users/me/history/videos".to_string(),
        ),
        ("/api/v1/videos/{id}", format!("/api/v1/videos/{uuid}")),
    ] {
        let answer = send(http.get(url(&path)).header("authorization", &bearer)).await;
        let body = report.conforms(
            &spec,
            &format!("GET {path} (watched)"),
            "get",
            spec_path,
            200,
            &answer,
        );
        let current = body.map(|b| {
            let v = b.get("data").and_then(|d| d.get(0)).unwrap_or(&b);
            v["userHistory"]["currentTime"].clone()
        });
        if current != Some(json!(1)) {
            report.fail(
                &format!("GET {path} (watched)"),
                format!("userHistory.currentTime {current:?} (wanted 1)"),
            );
        }
    }

    // The caption, chapter and storyboard lists checked above were not empty.
    for (path, pointer, want) in [
        (format!("/api/v1/videos/{uuid}/captions"), "/total", 1),
        (format!("/api/v1/videos/{uuid}/chapters"), "/chapters", 2),
        (
            format!("/api/v1/videos/{uuid}/storyboards"),
            "/storyboards",
            1,
        ),
    ] {
        let body = send(http.get(url(&path))).await.json().unwrap_or_default();
        let got = body
            .pointer(pointer)
            .map(|v| v.as_array().map(|a| a.len() as u64).or(v.as_u64()))
            .unwrap_or_default();
        report.checked += 1;
        if got != Some(want) {
            report.fail(
                &format!("GET {path}"),
                format!("{body} (wanted {want} entries)"),
            );
        }
    }

    // --- Playlists: create one with both clips, then every read of it against its schema.
    let created = send(
        http.post(url("/api/v1/video-playlists"))
            .header("authorization", &bearer)
            .json(&json!({
                "displayName": "Conformance playlist",
                "description": "Both clips",
                "privacy": 1,
                "videoChannelId": me["videoChannels"][0]["id"],
            })),
    )
    .await;
    let created = report.conforms(
        &spec,
        "POST /video-playlists",
        "post",
        "/api/v1/video-playlists",
        200,
        &created,
    );
    let playlist = created
        .as_ref()
        .and_then(|c| c["videoPlaylist"]["uuid"].as_str())
        .unwrap_or("none")
        .to_string();
    let mut video_ids = Vec::new();
    for id in [uuid, bare_uuid] {
        let added = send(
            http.post(url(&format!("/api/v1/video-playlists/{playlist}/videos")))
                .header("authorization", &bearer)
                .json(&json!({ "videoId": id, "startTimestamp": 0, "stopTimestamp": 1 })),
        )
        .await;
        report.conforms(
            &spec,
            "POST /video-playlists/{id}/videos",
            "post",
            "/api/v1/video-playlists/{playlistId}/videos",
            200,
            &added,
        );
        let v = send(http.get(url(&format!("/api/v1/videos/{id}")))).await;
        video_ids.push(v.json().map(|v| v["id"].to_string()).unwrap_or_default());
    }
    for (spec_path, path, auth) in [
        (
            "/api/v1/video-playlists/{playlistId}",
            format!("/api/v1/video-playlists/{playlist}"),
            false,
        ),
        (
            "/api/v1/video-playlists/{playlistId}/videos",
            format!("/api/v1/video-playlists/{playlist}/videos"),
            false,
        ),
        (
            "/api/v1/video-playlists",
            "/api/v1/video-playlists".to_string(),
            false,
        ),
        (
            "/api/v1/accounts/{name}/video-playlists",
            "/api/v1/accounts/root/video-playlists".to_string(),
            true,
        ),
        (
            "/api/v1/video-channels/{channelHandle}/video-playlists",
            "/api/v1/video-channels/root_channel/video-playlists".to_string(),
            false,
        ),
        (
            "/api/v1/search/video-playlists",
            "/api/v1/search/video-playlists?search=conformance".to_string(),
            false,
        ),
        (
            "/api/v1/users/me/video-playlists/videos-exist",
            format!(
                "/api/v1/users/me/video-playlists/videos-exist?videoIds={}&videoIds={}",
                video_ids[0], video_ids[1]
            ),
            true,
        ),
    ] {
        let mut req = http.get(url(&path));
        if auth {
            req = req.header("authorization", &bearer);
        }
        let answer = send(req).await;
        let body = report.conforms(
            &spec,
            &format!("GET {path}"),
            "get",
            spec_path,
            200,
            &answer,
        );
        // The lists and reads really carry the playlist (not an empty page that validates).
        let shown = body.map(|b| b.to_string()).unwrap_or_default();
        let wanted = if spec_path.ends_with("videos-exist") {
            "playlistElementId"
        } else if spec_path.ends_with("/videos") {
            uuid.as_str()
        } else {
            playlist.as_str()
        };
        if !shown.contains(wanted) {
            report.fail(&format!("GET {path}"), format!("does not show {wanted}"));
        }
    }
    let not_found = send(http.get(url(
        "/api/v1/video-playlists/00000000-0000-4000-8000-000000000000",
    )))
    .await;
    report.conforms(
        &spec,
        "GET /video-playlists/{unknown} (404)",
        "get",
        "/api/v1/video-playlists/{playlistId}",
        404,
        &not_found,
    );

    // The two description answers, by value (`null` when there is none, as PeerTube).
    for (id, want) in [
        (uuid, json!("A *sample* description in markdown.")),
        (bare_uuid, Value::Null),
    ] {
        let d = send(http.get(url(&format!("/api/v1/videos/{id}/description")))).await;
        let got = d
            .json()
            .map(|b| b["description"].clone())
            .unwrap_or(json!("<no JSON>"));
        if got != want {
            report.fail(
                &format!("GET /videos/{id}/description"),
                format!("{got} (wanted {want})"),
            );
        }
    }

    // The first clip really carries the values the spec's non-null types are checked on.
    let v = send(http.get(url(&format!("/api/v1/videos/{uuid}")))).await;
    let v = v.json().unwrap_or_default();
    let got = json!([
        v["category"]["id"],
        v["licence"]["id"],
        v["language"]["id"],
        v["tags"]
    ]);
    let want = json!([15, 1, "en", ["ferrotube", "sample"]]);
    if got != want {
        report.fail(
            &format!("GET /videos/{uuid}"),
            format!("{got} (wanted {want})"),
        );
    }

    // --- Moderation: a report with its reasons and span, the moderators' and the reporter's
    // lists, a message, a video block (lifted at once: the clip stays listed for what follows).
    let auth_json = |req: reqwest::RequestBuilder, body: Value| {
        req.header("authorization", &bearer)
            .header("content-type", "application/json")
            .body(body.to_string())
    };
    let created = send(auth_json(
        http.post(url("/api/v1/abuses")),
        json!({
            "reason": "conformance report",
            "predefinedReasons": ["spamOrMisleading", "captions"],
            "video": { "id": uuid, "startAt": 1, "endAt": 2 },
        }),
    ))
    .await;
    let abuse_id = report
        .conforms(
            &spec,
            "POST /abuses",
            "post",
            "/api/v1/abuses",
            200,
            &created,
        )
        .and_then(|b| b["abuse"]["id"].as_i64())
        .unwrap_or(0);
    let msg = send(auth_json(
        http.post(url(&format!("/api/v1/abuses/{abuse_id}/messages"))),
        json!({ "message": "a word about it" }),
    ))
    .await;
    report.conforms(
        &spec,
        "POST /abuses/{id}/messages",
        "post",
        "/api/v1/abuses/{abuseId}/messages",
        200,
        &msg,
    );
    for (spec_path, path) in [
        ("/api/v1/abuses", "/api/v1/abuses".to_string()),
        (
            "/api/v1/users/me/abuses",
            "/api/v1/users/me/abuses".to_string(),
        ),
        (
            "/api/v1/abuses/{abuseId}/messages",
            format!("/api/v1/abuses/{abuse_id}/messages"),
        ),
    ] {
        let a = send(http.get(url(&path)).header("authorization", &bearer)).await;
        let body = report.conforms(&spec, &format!("GET {path}"), "get", spec_path, 200, &a);
        if body.is_some_and(|b| b["total"] != 1) {
            report.fail(&format!("GET {path}"), "does not show the report");
        }
    }
    let blocked = send(auth_json(
        http.post(url(&format!("/api/v1/videos/{uuid}/blacklist"))),
        json!({ "reason": "conformance block" }),
    ))
    .await;
    report.checked += 1;
    if blocked.status != 204 {
        report.fail(
            "POST /videos/{id}/blacklist",
            format!("status {}", blocked.status),
        );
    }
    let blocks = send(
        http.get(url("/api/v1/videos/blacklist"))
            .header("authorization", &bearer),
    )
    .await;
    let body = report.conforms(
        &spec,
        "GET /videos/blacklist",
        "get",
        "/api/v1/videos/blacklist",
        200,
        &blocks,
    );
    if body.is_some_and(|b| b["data"][0]["video"]["uuid"] != uuid.as_str()) {
        report.fail("GET /videos/blacklist", "does not show the blocked clip");
    }
    let lifted = send(
        http.delete(url(&format!("/api/v1/videos/{uuid}/blacklist")))
            .header("authorization", &bearer),
    )
    .await;
    report.checked += 1;
    if lifted.status != 204 {
        report.fail(
            "DELETE /videos/{id}/blacklist",
            format!("status {}", lifted.status),
        );
    }
    let bad_state = send(auth_json(
        http.put(url(&format!("/api/v1/abuses/{abuse_id}"))),
        json!({ "state": 7 }),
    ))
    .await;
    report.conforms(
        &spec,
        "PUT /abuses/{id} state 7 (400)",
        "put",
        "/api/v1/abuses/{abuseId}",
        400,
        &bad_state,
    );

    // --- Error bodies: 400, 401, 404.
    let bad = send(http.get(url("/api/v1/videos?count=abc&sort=nope"))).await;
    report.conforms(
        &spec,
        "GET /videos?count=abc (400)",
        "get",
        "/api/v1/videos",
        400,
        &bad,
    );
    if let Ok(b) = bad.json() {
        if b["invalid-params"].get("count").is_none() {
            report.fail(
                "GET /videos?count=abc (400)",
                "no `invalid-params.count` member",
            );
        }
    }
    let no_token = send(http.get(url("/api/v1/users/me"))).await;
    report.conforms(
        &spec,
        "GET /users/me without token (401)",
        "get",
        "/api/v1/users/me",
        401,
        &no_token,
    );
    let bad_token = send(http.get(url("/api/v1/users/me")).header(
        "authorization",
        "Bearer 0000000000000000000000000000000000000000",
    ))
    .await;
    report.conforms(
        &spec,
        "GET /users/me bad token (401)",
        "get",
        "/api/v1/users/me",
        401,
        &bad_token,
    );
    let not_found: [(&str, &str); 4] = [
        (
            "/api/v1/videos/{id}",
            "/api/v1/videos/00000000-0000-4000-8000-000000000000",
        ),
        ("/api/v1/accounts/{name}", "/api/v1/accounts/nobody-here"),
        (
            "/api/v1/video-channels/{channelHandle}",
            "/api/v1/video-channels/no_such_channel",
        ),
        (
            "/api/v1/video-channels/{channelHandle}/videos",
            "/api/v1/video-channels/no_such_channel/videos",
        ),
    ];
    for (spec_path, path) in not_found {
        let a = send(http.get(url(path))).await;
        report.conforms(
            &spec,
            &format!("GET {path} (404)"),
            "get",
            spec_path,
            404,
            &a,
        );
    }

    // --- Malformed query parameters: list endpoints answer 400 problem+json; none answers 5xx.
    let malformed = ["count=abc", "start=-5", "sort=%%%", "count=1000"];
    for (spec_path, path, auth) in endpoints(uuid) {
        let list = spec.is_list("get", spec_path);
        for q in malformed {
            let sep = if path.contains('?') { '&' } else { '?' };
            let mut req = http.get(format!("{}{sep}{q}", url(&path)));
            if auth {
                req = req.header("authorization", &bearer);
            }
            let answer = send(req).await;
            let what = format!("GET {path}{sep}{q}");
            if answer.status >= 500 {
                report.checked += 1;
                report.fail(&what, format!("status {}: {}", answer.status, answer.text));
            } else if list {
                report.conforms(&spec, &what, "get", spec_path, 400, &answer);
            } else if answer.status >= 400 {
                // Not a list: PeerTube ignores these parameters; an error must still be a problem.
                report.conforms(&spec, &what, "get", spec_path, answer.status, &answer);
            } else {
                report.checked += 1;
            }
        }
    }

    // --- Unknown API paths: 404 problem+json, whatever the method.
    for (method, path) in [
        ("GET", "/api/v1/nothing-here"),
        (
            "GET",
            "/api/v1/videos/00000000-0000-4000-8000-000000000000/nothing",
        ),
        ("GET", "/api/v1/users/me/nothing/here"),
        ("POST", "/api/v1/nothing-here"),
        ("DELETE", "/api/v1/no/such/thing"),
        ("GET", "/api/v2/videos"),
    ] {
        let m = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let answer = send(http.request(m, url(path)).header("authorization", &bearer)).await;
        report.conforms(
            &spec,
            &format!("{method} {path}"),
            "get",
            path,
            404,
            &answer,
        );
    }

    // --- Blocklists and comment moderation (watched words, automatic tags, comment lists).
    let auth = |r: reqwest::RequestBuilder| r.header("authorization", &bearer);
    let created = send(
        auth(http.post(url("/api/v1/watched-words/server/lists")))
            .json(&json!({ "listName": "spam", "words": ["buy now", "cheap"] })),
    )
    .await;
    report.conforms(
        &spec,
        "POST /watched-words/server/lists",
        "post",
        "/api/v1/watched-words/server/lists",
        200,
        &created,
    );
    let dup = send(
        auth(http.post(url("/api/v1/watched-words/server/lists")))
            .json(&json!({ "listName": "spam", "words": ["x"] })),
    )
    .await;
    report.conforms(
        &spec,
        "POST /watched-words/server/lists (duplicate, 400)",
        "post",
        "/api/v1/watched-words/server/lists",
        400,
        &dup,
    );
    let comment = send(
        auth(http.post(url(&format!("/api/v1/videos/{uuid}/comment-threads"))))
            .json(&json!({ "text": "cheap link https://example.org" })),
    )
    .await;
    report.conforms(
        &spec,
        "POST /videos/{id}/comment-threads",
        "post",
        "/api/v1/videos/{id}/comment-threads",
        200,
        &comment,
    );
    for (spec_path, path) in [
        (
            "/api/v1/blocklist/status",
            "/api/v1/blocklist/status?accounts=root&hosts=example.org".to_string(),
        ),
        (
            "/api/v1/watched-words/server/lists",
            "/api/v1/watched-words/server/lists".into(),
        ),
        (
            "/api/v1/watched-words/accounts/{accountName}/lists",
            "/api/v1/watched-words/accounts/root/lists".into(),
        ),
        (
            "/api/v1/automatic-tags/server/available",
            "/api/v1/automatic-tags/server/available".into(),
        ),
        (
            "/api/v1/automatic-tags/accounts/{accountName}/available",
            "/api/v1/automatic-tags/accounts/root/available".into(),
        ),
        (
            "/api/v1/automatic-tags/policies/accounts/{accountName}/comments",
            "/api/v1/automatic-tags/policies/accounts/root/comments".into(),
        ),
        (
            "/api/v1/videos/comments",
            "/api/v1/videos/comments?autoTagOneOf=spam".into(),
        ),
        (
            "/api/v1/users/me/videos/comments",
            "/api/v1/users/me/videos/comments".into(),
        ),
        (
            "/api/v1/videos/{id}/comment-threads",
            format!("/api/v1/videos/{uuid}/comment-threads"),
        ),
    ] {
        let a = send(auth(http.get(url(&path)))).await;
        let body = report.conforms(&spec, &format!("GET {path}"), "get", spec_path, 200, &a);
        if spec_path == "/api/v1/videos/comments"
            && body.as_ref().map(|b| b["total"].clone()) != Some(json!(1))
        {
            report.fail(&format!("GET {path}"), "the tagged comment is not listed");
        }
    }
    let bad = send(
        auth(http.put(url(
            "/api/v1/automatic-tags/policies/accounts/root/comments",
        )))
        .json(&json!({ "review": ["no-such-tag"] })),
    )
    .await;
    report.conforms(
        &spec,
        "PUT /automatic-tags/policies (unknown tag, 400)",
        "put",
        "/api/v1/automatic-tags/policies/accounts/{accountName}/comments",
        400,
        &bad,
    );

    let mut summary = String::new();
    let _ = writeln!(
        summary,
        "{} checks, {} failures",
        report.checked,
        report.failures.len()
    );
    for f in &report.failures {
        let _ = writeln!(summary, "  - {f}");
    }
    eprintln!("{summary}");
    assert!(
        report.failures.is_empty(),
        "OpenAPI conformance:\n{summary}"
    );
}

/// Account safety's answers (registration requests, two-factor, token sessions, video
/// passwords) on an instance whose sign-up needs approval.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn account_safety_conformance() {
    let spec = Spec::load();
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .user_agent("ferrotube-conformance/1.0")
        .build()
        .unwrap();
    let mut server = Server::start_with(&[
        ("FERROTUBE_SIGNUP_ENABLED", "1"),
        ("FERROTUBE_SIGNUP_REQUIRES_APPROVAL", "1"),
    ]);
    server.wait_ready(&http).await;
    let base = server.base.clone();
    let url = |p: &str| format!("{base}{p}");
    let mut report = Report::default();
    let client = send(http.get(url("/api/v1/oauth-clients/local")))
        .await
        .json()
        .expect("client");
    let tok = send(
        http.post(url("/api/v1/users/token"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form(&[
                ("client_id", client["client_id"].as_str().unwrap()),
                ("client_secret", client["client_secret"].as_str().unwrap()),
                ("grant_type", "password"),
                ("username", "root"),
                ("password", ROOT_PASSWORD),
            ])),
    )
    .await
    .json()
    .expect("token");
    let bearer = format!("Bearer {}", tok["access_token"].as_str().unwrap());
    let me = send(
        http.get(url("/api/v1/users/me"))
            .header("authorization", &bearer),
    )
    .await
    .json()
    .expect("me");
    let root_id = me["id"].as_i64().unwrap();

    // Registration: a request, the moderation list before and after accepting it.
    let asked = send(http.post(url("/api/v1/users/registrations/request")).json(&json!({
        "username": "newcomer", "password": "newcomer-password", "email": "newcomer@example.com",
        "displayName": "Newcomer", "registrationReason": "I make films",
        "channel": { "name": "newcomer_films", "displayName": "Films" },
    })))
    .await;
    let asked = report.conforms(
        &spec,
        "POST /users/registrations/request",
        "post",
        "/api/v1/users/registrations/request",
        200,
        &asked,
    );
    let list = |what: &'static str| {
        let req = http
            .get(url("/api/v1/users/registrations"))
            .header("authorization", &bearer);
        async move { (what, send(req).await) }
    };
    let (what, answer) = list("GET /users/registrations (pending)").await;
    report.conforms(
        &spec,
        what,
        "get",
        "/api/v1/users/registrations",
        200,
        &answer,
    );
    if let Some(id) = asked.as_ref().and_then(|a| a["id"].as_i64()) {
        let accepted = send(
            http.post(url(&format!("/api/v1/users/registrations/{id}/accept")))
                .header("authorization", &bearer)
                .json(&json!({ "moderationResponse": "Welcome" })),
        )
        .await;
        report.checked += 1;
        if accepted.status != 204 {
            report.fail("POST /users/registrations/{id}/accept", &accepted.text);
        }
    }
    let (what, answer) = list("GET /users/registrations (accepted)").await;
    report.conforms(
        &spec,
        what,
        "get",
        "/api/v1/users/registrations",
        200,
        &answer,
    );

    // Two-factor request and the token sessions.
    let otp = send(
        http.post(url(&format!("/api/v1/users/{root_id}/two-factor/request")))
            .header("authorization", &bearer)
            .json(&json!({ "currentPassword": ROOT_PASSWORD })),
    )
    .await;
    report.conforms(
        &spec,
        "POST /users/{id}/two-factor/request",
        "post",
        "/api/v1/users/{id}/two-factor/request",
        200,
        &otp,
    );
    let sessions = send(
        http.get(url(&format!("/api/v1/users/{root_id}/token-sessions")))
            .header("authorization", &bearer),
    )
    .await;
    report.conforms(
        &spec,
        "GET /users/{id}/token-sessions",
        "get",
        "/api/v1/users/{id}/token-sessions",
        200,
        &sessions,
    );

    // A password-protected video: its password list, and the refusals without the password.
    let work = tempfile::tempdir().unwrap();
    let clip = make_clip(work.path()).expect("ffmpeg cannot make the test clip");
    let channel_id = me["videoChannels"][0]["id"].to_string();
    let boundary = "ferrotube-conformance-boundary-pw";
    let upload = send(
        http.post(url("/api/v1/videos/upload"))
            .header("authorization", &bearer)
            .header(
                "content-type",
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(multipart(
                boundary,
                &[
                    ("name", "Protected clip"),
                    ("channelId", &channel_id),
                    ("privacy", "5"),
                    ("videoPasswords[]", "first-pass"),
                    ("videoPasswords[]", "second-pass"),
                ],
                &clip,
            )),
    )
    .await;
    let uploaded = report.conforms(
        &spec,
        "POST /videos/upload (password protected)",
        "post",
        "/api/v1/videos/upload",
        200,
        &upload,
    );
    if let Some(uuid) = uploaded.as_ref().and_then(|u| u["video"]["uuid"].as_str()) {
        let passwords = send(
            http.get(url(&format!("/api/v1/videos/{uuid}/passwords")))
                .header("authorization", &bearer),
        )
        .await;
        report.conforms(
            &spec,
            "GET /videos/{id}/passwords",
            "get",
            "/api/v1/videos/{id}/passwords",
            200,
            &passwords,
        );
        let video = url(&format!("/api/v1/videos/{uuid}"));
        let anonymous = send(http.get(&video)).await;
        report.conforms(
            &spec,
            "GET /videos/{id} (no password)",
            "get",
            "/api/v1/videos/{id}",
            401,
            &anonymous,
        );
        let wrong = send(http.get(&video).header("x-peertube-video-password", "nope")).await;
        report.conforms(
            &spec,
            "GET /videos/{id} (wrong password)",
            "get",
            "/api/v1/videos/{id}",
            403,
            &wrong,
        );
    }

    let mut summary = String::new();
    let _ = writeln!(
        summary,
        "{} checks, {} failures",
        report.checked,
        report.failures.len()
    );
    for f in &report.failures {
        let _ = writeln!(summary, "  - {f}");
    }
    eprintln!("{summary}");
    assert!(
        report.failures.is_empty(),
        "OpenAPI conformance (account safety):\n{summary}"
    );
}

/// The conversion itself, without a server.
#[test]
fn openapi_conversion() {
    let spec = Spec::load();
    let s = to_json_schema(&json!({ "type": "string", "nullable": true, "enum": ["a"] }));
    assert_eq!(
        s,
        json!({ "type": ["string", "null"], "enum": ["a", null] })
    );
    let s = to_json_schema(&json!({ "$ref": "#/x", "nullable": true }));
    assert_eq!(
        s,
        json!({ "anyOf": [{ "$ref": "#/x" }, { "type": "null" }] })
    );
    assert_eq!(js_regex("/^[a-z0-9._]+$/"), "^[a-z0-9._]+$");
    assert_eq!(js_regex("/magnet:\\?xt/i"), "(?i)magnet:\\?xt");
    assert_eq!(js_regex("^[0-9a-f]{8}$"), "^[0-9a-f]{8}$");

    // `$ref`s resolve into the components, constraints apply.
    let account = json!({ "$ref": "#/components/schemas/Account" });
    assert!(spec
        .violations(
            &account,
            &json!({ "name": "root", "host": "localhost:9000" })
        )
        .is_empty());
    assert!(!spec
        .violations(&account, &json!({ "name": "Not Valid!" }))
        .is_empty());
    assert!(!spec
        .violations(&account, &json!({ "id": "seven" }))
        .is_empty());
    // Every response schema of the spec compiles.
    for (path, ops) in spec.doc["paths"].as_object().unwrap() {
        for (method, op) in ops.as_object().unwrap() {
            let Some(responses) = op.get("responses").and_then(Value::as_object) else {
                continue;
            };
            for status in responses.keys() {
                if let Some(s) = status
                    .parse()
                    .ok()
                    .and_then(|st| spec.declared(method, path, st))
                {
                    let v = spec.violations(&s, &Value::Null);
                    assert!(
                        !v.iter()
                            .any(|e| e.starts_with("the schema does not compile")),
                        "{method} {path} {status}: {v:?}"
                    );
                }
            }
        }
    }
}
