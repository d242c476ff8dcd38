//! The rest of the fediverse, in-process: fake remote hosts, each an axum server on its own
//! port of a loopback address (so each is a distinct host to the instance), serving
//! Mastodon-like `Person` actors (keys generated here; actors may share one), WebFinger, and any
//! documents a test puts there (Notes, channels, videos). Every GET it answers and every POST
//! to its inboxes (shared `/inbox` and `/users/{name}/inbox`) is recorded; with `verify`, each
//! POST's HTTP signature and Digest are also checked against the instance's published key
//! (fetched by keyId) and refused with 401 when they do not verify.
//!
//! Deliveries to the instance are signed by the fake's actors (draft-cavage, as Mastodon),
//! or by any key under any keyId, so tests can also forge, age or tamper with them.

use anyhow::{Context, Result};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Router;
use ferrotube_federation::{
    sign_request, verify_digest, IncomingSignature, PrivateKey, PublicKey, VerifyOptions,
};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::SystemTime;

pub const PUBLIC: &str = "https://www.w3.org/ns/activitystreams#Public";
pub const AP: &str = "application/activity+json";

/// A fresh 2048-bit key, made on a blocking thread.
pub fn key() -> tokio::task::JoinHandle<PrivateKey> {
    tokio::task::spawn_blocking(|| PrivateKey::generate_with_bits(2048).expect("generate a key"))
}

/// `n` fresh 2048-bit keys, made on all cores.
pub async fn generate_keys(n: usize) -> Result<Vec<PrivateKey>> {
    let threads = std::thread::available_parallelism()
        .map(|p| p.get())
        .unwrap_or(2);
    let mut tasks = Vec::new();
    for t in 0..threads {
        let mine = (t..n).step_by(threads).count();
        tasks.push(tokio::task::spawn_blocking(move || {
            (0..mine)
                .map(|_| PrivateKey::generate_with_bits(2048))
                .collect::<std::result::Result<Vec<_>, _>>()
        }));
    }
    let mut keys = Vec::with_capacity(n);
    for t in tasks {
        keys.extend(t.await.context("key generation panicked")??);
    }
    Ok(keys)
}

/// A POST one of the fake's inboxes received (and, with `verify`, accepted).
#[derive(Clone, Debug)]
pub struct Received {
    /// Index of the host in [`Fediverse::hosts`].
    pub host: usize,
    /// To the shared inbox (`/inbox`) rather than an actor's.
    pub shared: bool,
    /// Path with query.
    pub path: String,
    pub headers: HeaderMap,
    pub body: Bytes,
    pub json: Value,
    /// The activity's `type`.
    pub kind: String,
    /// The activity's `object`, or its `id` when it is an object.
    pub object_id: String,
    pub at: SystemTime,
}

#[derive(Default, Debug)]
pub struct Counters {
    pub posts: AtomicU64,
    pub verified: AtomicU64,
    pub verify_failed: AtomicU64,
    pub actor_gets: AtomicU64,
}

struct ActorKey {
    key: PrivateKey,
    pem: String,
}

impl ActorKey {
    fn new(key: PrivateKey) -> Arc<ActorKey> {
        let pem = key.public_key().to_pem().expect("pem");
        Arc::new(ActorKey { key, pem })
    }
}

/// One fake remote host.
pub struct FakeHost {
    pub idx: usize,
    /// `http://ip:port`
    pub url: String,
    /// `ip:port`
    pub host: String,
    /// Actor names in the order they were given.
    names: Vec<String>,
    /// Actor URLs, same order.
    actor_urls: Vec<String>,
    keys: Mutex<HashMap<String, Arc<ActorKey>>>,
    /// Other documents it serves, by path.
    objects: Mutex<HashMap<String, Value>>,
    /// What its users deliver with.
    client: reqwest::Client,
}

/// A set of fake hosts sharing their records and counters.
pub struct Fediverse {
    pub hosts: Vec<Arc<FakeHost>>,
    pub counters: Counters,
    verify: bool,
    received: Mutex<Vec<Received>>,
    /// (host, path with query, headers) of every GET answered.
    gets: Mutex<Vec<(usize, String, HeaderMap)>>,
    failures: Mutex<Vec<String>>,
    /// The instance's public keys by actor URL (fetched once).
    instance_keys: tokio::sync::Mutex<HashMap<String, PublicKey>>,
    http: reqwest::Client,
    tasks: Mutex<Vec<tokio::task::JoinHandle<()>>>,
}

impl Drop for Fediverse {
    fn drop(&mut self) {
        for t in self.tasks.lock().unwrap_or_else(|p| p.into_inner()).iter() {
            t.abort();
        }
    }
}

#[derive(Clone)]
struct HostCtx {
    fed: Weak<Fediverse>,
    host: Arc<FakeHost>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn ap_response(v: &Value) -> Response {
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "application/activity+json; charset=utf-8",
        )],
        serde_json::to_vec(v).unwrap_or_default(),
    )
        .into_response()
}

/// A Mastodon 4 `Person`, trimmed to what matters.
fn actor_doc(base: &str, name: &str, pem: &str) -> Value {
    let id = format!("{base}/users/{name}");
    json!({
        "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
        "id": id,
        "type": "Person",
        "following": format!("{id}/following"),
        "followers": format!("{id}/followers"),
        "inbox": format!("{id}/inbox"),
        "outbox": format!("{id}/outbox"),
        "featured": format!("{id}/collections/featured"),
        "preferredUsername": name,
        "name": format!("{} of the fake", name.to_uppercase()),
        "summary": "<p>A fake Mastodon user.</p>",
        "url": format!("{base}/@{name}"),
        "manuallyApprovesFollowers": false,
        "discoverable": true,
        "published": "2024-01-01T00:00:00Z",
        "publicKey": {
            "id": format!("{id}#main-key"),
            "owner": id,
            "publicKeyPem": pem,
        },
        "endpoints": { "sharedInbox": format!("{base}/inbox") },
    })
}

async fn handler(
    State(ctx): State<HostCtx>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(fed) = ctx.fed.upgrade() else {
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    };
    let s = &ctx.host;
    let path = uri.path().to_string();
    let full = uri
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| path.clone());
    if method == Method::POST {
        let shared = path == "/inbox";
        let is_inbox = shared
            || path
                .strip_prefix("/users/")
                .and_then(|r| r.strip_suffix("/inbox"))
                .is_some_and(|name| lock(&s.keys).contains_key(name));
        if !is_inbox {
            return StatusCode::NOT_FOUND.into_response();
        }
        return fed.receive(s, shared, full, headers, body).await;
    }
    if method != Method::GET {
        return StatusCode::METHOD_NOT_ALLOWED.into_response();
    }
    lock(&fed.gets).push((s.idx, full, headers));
    if path == "/.well-known/webfinger" {
        let resource = url::form_urlencoded::parse(uri.query().unwrap_or("").as_bytes())
            .find(|(k, _)| k == "resource")
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default();
        let name = resource
            .strip_prefix("acct:")
            .and_then(|r| r.strip_suffix(&format!("@{}", s.host)))
            .unwrap_or("");
        if !lock(&s.keys).contains_key(name) {
            return StatusCode::NOT_FOUND.into_response();
        }
        let jrd = json!({
            "subject": format!("acct:{name}@{}", s.host),
            "links": [{
                "rel": "self",
                "type": AP,
                "href": format!("{}/users/{name}", s.url),
            }],
        });
        return (
            [(axum::http::header::CONTENT_TYPE, "application/jrd+json")],
            serde_json::to_vec(&jrd).unwrap_or_default(),
        )
            .into_response();
    }
    if let Some(name) = path.strip_prefix("/users/") {
        let key = lock(&s.keys).get(name).cloned();
        if let Some(k) = key {
            fed.counters.actor_gets.fetch_add(1, Ordering::Relaxed);
            return ap_response(&actor_doc(&s.url, name, &k.pem));
        }
    }
    match lock(&s.objects).get(&path) {
        Some(doc) => ap_response(doc),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

impl Fediverse {
    /// Binds one host per entry of `hosts` on `ip` (port chosen by the system), each serving the
    /// given `(name, key)` actors, and serves them in the current runtime. With `verify`, the
    /// inboxes check each delivery's signature and Digest (401 when they do not verify).
    pub async fn start(
        ip: &str,
        hosts: Vec<Vec<(String, PrivateKey)>>,
        verify: bool,
    ) -> Result<Arc<Fediverse>> {
        let client = reqwest::Client::new();
        let mut listeners = Vec::new();
        let mut fake_hosts = Vec::new();
        for (idx, actors) in hosts.into_iter().enumerate() {
            let l = tokio::net::TcpListener::bind((ip, 0))
                .await
                .with_context(|| format!("bind {ip}"))?;
            let host = format!("{ip}:{}", l.local_addr()?.port());
            let url = format!("http://{host}");
            let mut keys = HashMap::new();
            let mut names = Vec::new();
            let mut actor_urls = Vec::new();
            for (name, key) in actors {
                actor_urls.push(format!("{url}/users/{name}"));
                keys.insert(name.clone(), ActorKey::new(key));
                names.push(name);
            }
            listeners.push(l);
            fake_hosts.push(Arc::new(FakeHost {
                idx,
                url,
                host,
                names,
                actor_urls,
                keys: Mutex::new(keys),
                objects: Mutex::new(HashMap::new()),
                client: client.clone(),
            }));
        }
        let fed = Arc::new(Fediverse {
            hosts: fake_hosts,
            counters: Counters::default(),
            verify,
            received: Mutex::new(Vec::new()),
            gets: Mutex::new(Vec::new()),
            failures: Mutex::new(Vec::new()),
            instance_keys: tokio::sync::Mutex::new(HashMap::new()),
            http: client,
            tasks: Mutex::new(Vec::new()),
        });
        let mut tasks = Vec::new();
        for (l, host) in listeners.into_iter().zip(fed.hosts.iter()) {
            let idx = host.idx;
            let app = Router::new().fallback(handler).with_state(HostCtx {
                fed: Arc::downgrade(&fed),
                host: host.clone(),
            });
            tasks.push(tokio::spawn(async move {
                if let Err(e) = axum::serve(l, app).await {
                    eprintln!("fake host {idx} stopped: {e}");
                }
            }));
        }
        *lock(&fed.tasks) = tasks;
        Ok(fed)
    }

    async fn receive(
        &self,
        host: &FakeHost,
        shared: bool,
        path: String,
        headers: HeaderMap,
        body: Bytes,
    ) -> Response {
        let at = SystemTime::now();
        self.counters.posts.fetch_add(1, Ordering::Relaxed);
        if self.verify {
            let checked = async {
                let sig = IncomingSignature::from_request(
                    &Method::POST,
                    &path,
                    &headers,
                    &VerifyOptions::default(),
                )
                .map_err(|e| format!("signature header: {e}"))?;
                verify_digest(&headers, &body).map_err(|e| format!("digest: {e}"))?;
                let key = self
                    .instance_key(sig.key_id())
                    .await
                    .map_err(|e| format!("key of {}: {e}", sig.key_id()))?;
                sig.verify(&key)
                    .map_err(|e| format!("signature of {}: {e}", sig.key_id()))
            }
            .await;
            if let Err(why) = checked {
                self.fail(format!("{}{path}: {why}", host.url));
                return StatusCode::UNAUTHORIZED.into_response();
            }
            self.counters.verified.fetch_add(1, Ordering::Relaxed);
        }
        let json: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        let object_id = match &json["object"] {
            Value::String(s) => s.clone(),
            o => o["id"].as_str().unwrap_or_default().to_string(),
        };
        lock(&self.received).push(Received {
            host: host.idx,
            shared,
            path,
            headers,
            kind: json["type"].as_str().unwrap_or_default().to_string(),
            object_id,
            json,
            body,
            at,
        });
        StatusCode::ACCEPTED.into_response()
    }

    /// Fetches and remembers the public key of one of the instance's actors.
    pub async fn learn_instance_key(&self, actor_url: &str) -> Result<()> {
        let key = self.fetch_key(actor_url).await?;
        self.instance_keys
            .lock()
            .await
            .insert(actor_url.to_string(), key);
        Ok(())
    }

    async fn fetch_key(&self, actor_url: &str) -> Result<PublicKey> {
        let doc: Value = self
            .http
            .get(actor_url)
            .header("Accept", AP)
            .send()
            .await?
            .json()
            .await?;
        let pem = doc["publicKey"]["publicKeyPem"]
            .as_str()
            .with_context(|| format!("no publicKeyPem in {actor_url}"))?;
        Ok(PublicKey::from_pem(pem)?)
    }

    async fn instance_key(&self, key_id: &str) -> Result<PublicKey> {
        let actor = key_id.split('#').next().unwrap_or(key_id);
        let mut keys = self.instance_keys.lock().await;
        if let Some(k) = keys.get(actor) {
            return Ok(k.clone());
        }
        let k = self.fetch_key(actor).await?;
        keys.insert(actor.to_string(), k.clone());
        Ok(k)
    }

    fn fail(&self, why: String) {
        self.counters.verify_failed.fetch_add(1, Ordering::Relaxed);
        let mut f = lock(&self.failures);
        if f.len() < 10 {
            f.push(why);
        }
    }

    /// The first (up to 10) deliveries that did not verify, and why.
    pub fn failures(&self) -> Vec<String> {
        lock(&self.failures).clone()
    }

    /// Every delivery received so far, in order.
    pub fn received(&self) -> Vec<Received> {
        lock(&self.received).clone()
    }

    /// Deliveries received so far that match `pred`.
    pub fn received_where(&self, pred: impl Fn(&Received) -> bool) -> Vec<Received> {
        lock(&self.received)
            .iter()
            .filter(|r| pred(r))
            .cloned()
            .collect()
    }

    /// How many deliveries received so far match `pred` (nothing copied).
    pub fn count(&self, pred: impl Fn(&Received) -> bool) -> usize {
        lock(&self.received).iter().filter(|r| pred(r)).count()
    }

    /// Paths (with query) of every GET answered, on any host.
    pub fn gets(&self) -> Vec<String> {
        lock(&self.gets).iter().map(|(_, p, _)| p.clone()).collect()
    }

    /// The headers of the first GET of `path` (with query), on any host.
    pub fn get_headers(&self, path: &str) -> Option<HeaderMap> {
        lock(&self.gets)
            .iter()
            .find(|(_, p, _)| p == path)
            .map(|(_, _, h)| h.clone())
    }
}

impl FakeHost {
    /// The URL of actor `name`.
    pub fn actor(&self, name: &str) -> String {
        format!("{}/users/{name}", self.url)
    }

    pub fn key_id(&self, name: &str) -> String {
        format!("{}#main-key", self.actor(name))
    }

    /// The i-th actor's URL (in the order given to [`Fediverse::start`]).
    pub fn actor_url(&self, i: usize) -> &str {
        &self.actor_urls[i]
    }

    pub fn actors(&self) -> &[String] {
        &self.actor_urls
    }

    pub fn names(&self) -> &[String] {
        &self.names
    }

    pub fn key(&self, name: &str) -> PrivateKey {
        lock(&self.keys)
            .get(name)
            .map(|k| k.key.clone())
            .expect("known actor")
    }

    /// The actor gets a new key (Mastodon does not, but other servers rotate).
    pub async fn rotate(&self, name: &str) {
        let k = key().await.expect("new key");
        lock(&self.keys).insert(name.to_string(), ActorKey::new(k));
    }

    /// Serves `doc` at its id (an URL on this host).
    pub fn serve(&self, doc: &Value) {
        let id = doc["id"].as_str().expect("id");
        let path = id.strip_prefix(&self.url).expect("an id of the fake");
        self.serve_at(path, doc.clone());
    }

    /// Serves `doc` at `path`.
    pub fn serve_at(&self, path: &str, doc: Value) {
        lock(&self.objects).insert(path.to_string(), doc);
    }

    /// Stops serving what is at `path`; returns it.
    pub fn unserve(&self, path: &str) -> Option<Value> {
        lock(&self.objects).remove(path)
    }

    /// A Mastodon status replying to `in_reply_to`, and the Create that carries it. The Note is
    /// served at its id too.
    pub fn note(&self, author: &str, n: u64, in_reply_to: &str, html: &str) -> (Value, Value) {
        let actor = self.actor(author);
        let id = format!("{actor}/statuses/{n}");
        let note = json!({
            "id": id,
            "type": "Note",
            "summary": null,
            "inReplyTo": in_reply_to,
            "published": "2026-01-02T03:04:05Z",
            "url": format!("{}/@{author}/{n}", self.url),
            "attributedTo": actor,
            "to": [PUBLIC],
            "cc": [format!("{actor}/followers")],
            "sensitive": false,
            "atomUri": id,
            "inReplyToAtomUri": in_reply_to,
            "content": html,
            "contentMap": { "en": html },
            "attachment": [],
            "tag": [],
        });
        let mut served = note.clone();
        served["@context"] = json!(["https://www.w3.org/ns/activitystreams"]);
        self.serve(&served);
        let create = json!({
            "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
            "id": format!("{id}/activity"),
            "type": "Create",
            "actor": actor,
            "published": "2026-01-02T03:04:05Z",
            "to": [PUBLIC],
            "cc": [format!("{actor}/followers")],
            "object": note,
        });
        (note, create)
    }

    /// Headers for a POST of `body` to `url` signed by `key` under `key_id` at `at`
    /// (draft-cavage with Digest, as Mastodon), with the ActivityPub content type.
    pub fn sign_with(
        key: &PrivateKey,
        key_id: &str,
        url: &url::Url,
        body: &[u8],
        at: SystemTime,
    ) -> Result<HeaderMap> {
        let sh = sign_request(key, key_id, &Method::POST, url, Some(body), at)?;
        let mut h = HeaderMap::new();
        sh.apply(&mut h)?;
        h.insert(
            axum::http::header::CONTENT_TYPE,
            HeaderValue::from_static(AP),
        );
        Ok(h)
    }

    /// Headers for a POST of `body` to `url` by actor `name`, signed now.
    pub fn sign(&self, name: &str, url: &url::Url, body: &[u8]) -> Result<HeaderMap> {
        FakeHost::sign_with(
            &self.key(name),
            &self.key_id(name),
            url,
            body,
            SystemTime::now(),
        )
    }

    /// POSTs `sent` to `url`, signed by `key` under `key_id` for the body `signed` at time `at`.
    pub async fn post_raw(
        &self,
        key: &PrivateKey,
        key_id: &str,
        url: &str,
        signed: &[u8],
        sent: Vec<u8>,
        at: SystemTime,
    ) -> reqwest::Response {
        let u = url::Url::parse(url).expect("url");
        let h = FakeHost::sign_with(key, key_id, &u, signed, at).expect("sign");
        self.client
            .post(url)
            .headers(h)
            .body(sent)
            .send()
            .await
            .expect("post to the instance")
    }

    /// A correct delivery of `activity` by `name` to `url`.
    pub async fn post(&self, name: &str, url: &str, activity: &Value) -> reqwest::Response {
        let body = serde_json::to_vec(activity).expect("json");
        self.post_raw(
            &self.key(name),
            &self.key_id(name),
            url,
            &body,
            body.clone(),
            SystemTime::now(),
        )
        .await
    }
}
