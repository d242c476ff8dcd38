//! ActivityPub wired to the store: our actors and their keys, remote actors fetched and cached,
//! the inbox (verify, journal, process), the outbox (durable deliveries), instance follows and
//! the Video / Note objects both ways. `crates/api` serves the routes.
//!
//! Everything a remote party sends goes through a durable job before it changes anything, and
//! everything we send goes out through one: a restart loses neither (PeerTube keeps its inbox
//! queue in memory).

pub mod actors;
pub mod inbox;
pub mod objects;
pub mod outbox;

use ferrotube_db::federation::ActorRow;
use ferrotube_federation::{ApClient, FetchError, PublicKey, Signer};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;
use tokio::sync::Semaphore;

/// Job kinds.
pub const DELIVER: &str = "activitypub-http-broadcast";
pub const INBOX: &str = "activitypub-inbox";
pub const FETCH_OUTBOX: &str = "activitypub-http-fetcher";
pub const FEDERATE_VIDEO: &str = "federate-video";
pub const REFRESH_VIDEO: &str = "activitypub-refresher";

#[derive(Debug, thiserror::Error)]
pub enum FedError {
    #[error("remote fetch: {0}")]
    Fetch(#[from] FetchError),
    #[error("invalid ActivityPub document: {0}")]
    Vocab(#[from] ferrotube_federation::vocab::VocabError),
    #[error("database: {0}")]
    Db(#[from] ferrotube_db::DbError),
    #[error("key: {0}")]
    Key(#[from] ferrotube_federation::KeyError),
    #[error("refused: {0}")]
    Refused(String),
    #[error("queue: {0}")]
    Queue(#[from] ferrotube_jobs::QueueError),
}

impl FedError {
    /// For jobs: whether another attempt could succeed.
    pub fn into_job_error(self) -> ferrotube_jobs::JobError {
        let retry = match &self {
            FedError::Fetch(e) => !e.is_permanent(),
            FedError::Db(ferrotube_db::DbError::Conflict(_)) => false,
            FedError::Db(_) | FedError::Queue(_) => true,
            _ => false,
        };
        if retry {
            ferrotube_jobs::JobError::Retry(self.to_string())
        } else {
            ferrotube_jobs::JobError::Permanent(self.to_string())
        }
    }
}

impl From<FedError> for crate::error::Error {
    fn from(e: FedError) -> Self {
        match e {
            FedError::Refused(why) => crate::error::Error::bad_request(why),
            FedError::Fetch(f) => crate::error::Error::new(
                http::StatusCode::BAD_REQUEST,
                format!("Cannot reach the remote server: {f}"),
            ),
            FedError::Vocab(v) => crate::error::Error::bad_request(format!(
                "The remote server answered an invalid document: {v}"
            )),
            other => crate::error::Error::internal(other),
        }
    }
}

pub type FedResult<T> = Result<T, FedError>;

/// What federation keeps in memory on this node (all of it rebuildable from the database).
pub struct FederationState {
    pub client: ApClient,
    /// Parsed private keys of our actors.
    signers: Mutex<HashMap<i64, Signer>>,
    /// Remote actors with their parsed public keys, by actor URL, with when they were loaded:
    /// the inbox verifies most deliveries without touching the database.
    remote_keys: Mutex<HashMap<String, (ActorRow, PublicKey, Instant)>>,
    /// Blocked server hosts, mirrored from the database (this node's writes update it; other
    /// nodes' after `BLOCKLIST_TTL`).
    blocked_hosts: Mutex<(std::collections::HashSet<String>, Option<Instant>)>,
    /// Deliveries in flight per remote host.
    host_slots: Mutex<HashMap<String, Arc<Semaphore>>>,
    per_host: usize,
    instance_actor: tokio::sync::OnceCell<ActorRow>,
}

impl FederationState {
    pub fn new(client: ApClient, per_host: usize) -> Self {
        FederationState {
            client,
            signers: Mutex::new(HashMap::new()),
            remote_keys: Mutex::new(HashMap::new()),
            blocked_hosts: Mutex::new((Default::default(), None)),
            host_slots: Mutex::new(HashMap::new()),
            per_host: per_host.max(1),
            instance_actor: tokio::sync::OnceCell::new(),
        }
    }

    fn host_slot(&self, host: &str) -> Arc<Semaphore> {
        let mut slots = self
            .host_slots
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        slots
            .entry(host.to_string())
            .or_insert_with(|| Arc::new(Semaphore::new(self.per_host)))
            .clone()
    }
}

const BLOCKLIST_TTL: std::time::Duration = std::time::Duration::from_secs(5);

/// Whether a server is blocked, from memory (reloaded every few seconds).
pub async fn is_blocked_host(state: &crate::Instance, host: &str) -> FedResult<bool> {
    {
        let cache = state
            .federation
            .blocked_hosts
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        if cache.1.is_some_and(|at| at.elapsed() < BLOCKLIST_TTL) {
            return Ok(cache.0.contains(host));
        }
    }
    let hosts: std::collections::HashSet<String> = state
        .db
        .list_blocked_servers()
        .await?
        .into_iter()
        .map(|(h, _)| h)
        .collect();
    let blocked = hosts.contains(host);
    *state
        .federation
        .blocked_hosts
        .lock()
        .unwrap_or_else(|p| p.into_inner()) = (hosts, Some(Instant::now()));
    Ok(blocked)
}

/// Forgets the mirrored blocklist after a change on this node.
pub fn blocklist_changed(state: &crate::Instance) {
    state
        .federation
        .blocked_hosts
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .1 = None;
}

/// `host[:port]` of a URL, as PeerTube writes hosts.
pub fn url_host(url: &str) -> Option<String> {
    let u = url::Url::parse(url).ok()?;
    let host = u.host_str()?;
    Some(match u.port() {
        Some(p) => format!("{host}:{p}"),
        None => host.to_string(),
    })
}

/// The URL without its fragment (`…/accounts/x#main-key` names the actor `…/accounts/x`).
pub fn strip_fragment(url: &str) -> &str {
    url.split('#').next().unwrap_or(url)
}

pub const PUBLIC: &str = "https://www.w3.org/ns/activitystreams#Public";
