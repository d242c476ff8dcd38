//! What federation keeps in memory on this node, held by the [`crate::instance::Instance`]. A
//! leaf: nothing here takes an `Instance`, so the instance can hold it without a cycle.

use ferrotube_db::federation::ActorRow;
use ferrotube_federation::{ApClient, PublicKey, Signer};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};
use std::time::Instant;
use tokio::sync::Semaphore;

/// What federation keeps in memory on this node (all of it rebuildable from the database).
pub struct FederationState {
    pub client: ApClient,
    /// Parsed private keys of our actors.
    pub(super) signers: Mutex<HashMap<i64, Signer>>,
    /// Remote actors with their parsed public keys, by actor URL, with when they were loaded:
    /// the inbox verifies most deliveries without touching the database.
    pub(super) remote_keys: Mutex<HashMap<String, (ActorRow, PublicKey, Instant)>>,
    /// Blocked server hosts, mirrored from the database (this node's writes update it; other
    /// nodes' after `BLOCKLIST_TTL`, see [`super::blocklist`]).
    pub(super) blocked_hosts: Mutex<(std::collections::HashSet<String>, Option<Instant>)>,
    /// Deliveries in flight per remote host.
    host_slots: Mutex<HashMap<String, Arc<Semaphore>>>,
    per_host: usize,
    /// One lock per remote video URL: a fetch-and-store and a Delete of the same video run one
    /// after the other, so a copy fetched before the Delete is not written back after it.
    video_locks: Mutex<HashMap<String, Weak<tokio::sync::Mutex<()>>>>,
    pub(super) instance_actor: tokio::sync::OnceCell<ActorRow>,
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
            video_locks: Mutex::new(HashMap::new()),
            instance_actor: tokio::sync::OnceCell::new(),
        }
    }

    pub(super) fn host_slot(&self, host: &str) -> Arc<Semaphore> {
        let mut slots = self
            .host_slots
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        slots
            .entry(host.to_string())
            .or_insert_with(|| Arc::new(Semaphore::new(self.per_host)))
            .clone()
    }

    /// The lock of the remote video at `url` (see `video_locks`).
    pub(super) fn video_lock(&self, url: &str) -> Arc<tokio::sync::Mutex<()>> {
        let mut locks = self
            .video_locks
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        locks.retain(|_, w| w.strong_count() > 0);
        if let Some(l) = locks.get(url).and_then(Weak::upgrade) {
            return l;
        }
        let l = Arc::new(tokio::sync::Mutex::new(()));
        locks.insert(url.to_string(), Arc::downgrade(&l));
        l
    }
}
