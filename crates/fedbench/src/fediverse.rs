//! The rest of the fediverse, in-process: H fake hosts, each an axum server on its own port of
//! 127.0.0.1 (so each is a distinct host to the instance), serving A `Person` actors that share
//! one 2048-bit key per host, a shared inbox and per-actor inboxes. Every POST the instance
//! delivers is counted, timed and its HTTP signature and Digest checked against the
//! instance's published key, so the figures are for real signed deliveries.

use anyhow::{Context, Result};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use ferrotube_federation::vocab::actor::{actor_to_json, ActorKind, ActorObject};
use ferrotube_federation::{
    sign_request, verify_digest, IncomingSignature, PrivateKey, PublicKey, VerifyOptions,
};
use serde_json::Value;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

pub struct FakeHost {
    pub base: String,
    key: PrivateKey,
    actors: Vec<String>,
    /// Each actor's document, rendered once.
    docs: HashMap<String, String>,
}

impl FakeHost {
    pub fn actor_url(&self, i: usize) -> &str {
        &self.actors[i]
    }

    pub fn actors(&self) -> &[String] {
        &self.actors
    }
}

/// One delivery as the fake side saw it.
#[derive(Clone)]
pub struct Received {
    pub host: usize,
    pub shared: bool,
    pub kind: String,
    pub object_id: String,
    pub at: SystemTime,
}

#[derive(Default)]
pub struct Counters {
    pub posts: AtomicU64,
    pub verified: AtomicU64,
    pub verify_failed: AtomicU64,
    pub actor_gets: AtomicU64,
}

pub struct Fediverse {
    pub hosts: Vec<FakeHost>,
    pub counters: Counters,
    received: Mutex<Vec<Received>>,
    failures: Mutex<Vec<String>>,
    /// The instance's public keys by keyId (fetched once from the instance).
    instance_keys: tokio::sync::Mutex<HashMap<String, PublicKey>>,
    http: reqwest::Client,
}

#[derive(Clone)]
struct HostCtx {
    fed: Arc<Fediverse>,
    idx: usize,
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
                .map(|_| PrivateKey::generate())
                .collect::<std::result::Result<Vec<_>, _>>()
        }));
    }
    let mut keys = Vec::with_capacity(n);
    for t in tasks {
        keys.extend(t.await.context("key generation panicked")??);
    }
    Ok(keys)
}

impl Fediverse {
    /// Binds `keys.len()` hosts on 127.0.0.1 with `actors_per_host` actors each and serves them.
    pub async fn start(keys: Vec<PrivateKey>, actors_per_host: usize) -> Result<Arc<Fediverse>> {
        let mut listeners = Vec::new();
        let mut hosts = Vec::new();
        for key in keys {
            let l = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
            let base = format!("http://127.0.0.1:{}", l.local_addr()?.port());
            let pem = key.public_key().to_pem()?;
            let mut actors = Vec::new();
            let mut docs = HashMap::new();
            for a in 0..actors_per_host {
                let name = format!("u{a}");
                let id = format!("{base}/users/{name}");
                let doc = actor_to_json(&ActorObject {
                    id: id.clone(),
                    kind: ActorKind::Person,
                    preferred_username: name.clone(),
                    name: format!("Bench user {a}"),
                    summary: None,
                    url: id.clone(),
                    inbox: format!("{id}/inbox"),
                    outbox: format!("{id}/outbox"),
                    following: format!("{id}/following"),
                    followers: format!("{id}/followers"),
                    shared_inbox: Some(format!("{base}/inbox")),
                    playlists: None,
                    public_key_pem: pem.clone(),
                    icons: Vec::new(),
                    banners: Vec::new(),
                    published: "2024-01-01T00:00:00.000Z".into(),
                    attributed_to: Vec::new(),
                    support: None,
                });
                docs.insert(name, doc.to_string());
                actors.push(id);
            }
            listeners.push(l);
            hosts.push(FakeHost {
                base,
                key,
                actors,
                docs,
            });
        }
        let fed = Arc::new(Fediverse {
            hosts,
            counters: Counters::default(),
            received: Mutex::new(Vec::new()),
            failures: Mutex::new(Vec::new()),
            instance_keys: tokio::sync::Mutex::new(HashMap::new()),
            http: reqwest::Client::new(),
        });
        for (idx, l) in listeners.into_iter().enumerate() {
            let app = Router::new()
                .route("/users/{name}", get(actor_doc))
                .route("/inbox", post(shared_inbox))
                .route("/users/{name}/inbox", post(actor_inbox))
                .with_state(HostCtx {
                    fed: fed.clone(),
                    idx,
                });
            tokio::spawn(async move {
                if let Err(e) = axum::serve(l, app).await {
                    eprintln!("fake host {idx} stopped: {e}");
                }
            });
        }
        Ok(fed)
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
            .header("Accept", "application/activity+json")
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
        let mut f = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        if f.len() < 10 {
            f.push(why);
        }
    }

    pub fn failures(&self) -> Vec<String> {
        self.failures
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Deliveries received so far that match `pred`.
    pub fn received(&self, pred: impl Fn(&Received) -> bool) -> Vec<Received> {
        self.received
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .filter(|r| pred(r))
            .cloned()
            .collect()
    }

    /// A signed POST of `body` by actor `a` of host `h` to `inbox`, as headers to send.
    pub fn sign(&self, h: usize, a: usize, inbox: &url::Url, body: &[u8]) -> Result<HeaderMap> {
        let host = &self.hosts[h];
        let signed = sign_request(
            &host.key,
            host.actor_url(a),
            &Method::POST,
            inbox,
            Some(body),
            SystemTime::now(),
        )?;
        let mut headers = HeaderMap::new();
        signed.apply(&mut headers)?;
        headers.insert(
            http::header::CONTENT_TYPE,
            http::HeaderValue::from_static("application/activity+json"),
        );
        Ok(headers)
    }
}

async fn actor_doc(State(ctx): State<HostCtx>, Path(name): Path<String>) -> Response {
    ctx.fed.counters.actor_gets.fetch_add(1, Ordering::Relaxed);
    match ctx.fed.hosts[ctx.idx].docs.get(&name) {
        Some(doc) => (
            [(http::header::CONTENT_TYPE, "application/activity+json")],
            doc.clone(),
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

async fn shared_inbox(
    State(ctx): State<HostCtx>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    receive(ctx, true, uri, headers, body).await
}

async fn actor_inbox(
    State(ctx): State<HostCtx>,
    Path(_name): Path<String>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    receive(ctx, false, uri, headers, body).await
}

async fn receive(
    ctx: HostCtx,
    shared: bool,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let at = SystemTime::now();
    let fed = &ctx.fed;
    fed.counters.posts.fetch_add(1, Ordering::Relaxed);
    let path = uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
    let checked = async {
        let sig = IncomingSignature::from_request(
            &Method::POST,
            path,
            &headers,
            &VerifyOptions::default(),
        )
        .map_err(|e| format!("signature header: {e}"))?;
        verify_digest(&headers, &body).map_err(|e| format!("digest: {e}"))?;
        let key = fed
            .instance_key(sig.key_id())
            .await
            .map_err(|e| format!("key of {}: {e}", sig.key_id()))?;
        sig.verify(&key)
            .map_err(|e| format!("signature of {}: {e}", sig.key_id()))
    }
    .await;
    if let Err(why) = checked {
        fed.fail(format!("{}{path}: {why}", fed.hosts[ctx.idx].base));
        return StatusCode::UNAUTHORIZED;
    }
    fed.counters.verified.fetch_add(1, Ordering::Relaxed);
    let v: Value = serde_json::from_slice(&body).unwrap_or_default();
    let object_id = match &v["object"] {
        Value::String(s) => s.clone(),
        o => o["id"].as_str().unwrap_or_default().to_string(),
    };
    fed.received
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .push(Received {
            host: ctx.idx,
            shared,
            kind: v["type"].as_str().unwrap_or_default().to_string(),
            object_id,
            at,
        });
    StatusCode::NO_CONTENT
}
