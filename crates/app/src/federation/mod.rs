//! ActivityPub wired to the store: our actors and their keys, remote actors fetched and cached,
//! the inbox (verify, journal, process), the outbox (durable deliveries), instance follows and
//! the Video / Note objects both ways. `crates/api` serves the routes.
//!
//! Everything a remote party sends goes through a durable job before it changes anything, and
//! everything we send goes out through one: a restart loses neither (PeerTube keeps its inbox
//! queue in memory).
//!
//! This module and [`state`] are leaves: they know nothing of [`crate::instance::Instance`], which
//! holds a [`state::FederationState`]; the submodules that take an `Instance` build on them.

pub mod actors;
pub mod approvals;
pub mod blocklist;
pub mod cache_files;
pub mod extras;
pub mod inbox;
pub mod objects;
pub mod outbox;
pub mod playlists;
pub mod remote_playlists;
pub mod state;

use ferrotube_federation::FetchError;

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

pub type FedResult<T> = Result<T, FedError>;

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
