//! The P2P state held by the [`crate::instance::Instance`]: the tracker, the known info hashes,
//! playback totals. A leaf: nothing here takes an `Instance`, so the instance can hold it
//! without a cycle; [`super`] keeps it fresh.

use ferrotube_p2p::tracker::Id;
use ferrotube_p2p::{Tracker, TrackerConfig};
use std::collections::HashSet;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, RwLock};
use std::time::Duration;
use tokio::sync::Notify;

/// Info hashes the tracker accepts.
#[derive(Default)]
pub struct KnownSet {
    hashes: RwLock<HashSet<Id>>,
}

impl KnownSet {
    pub fn contains(&self, h: &Id) -> bool {
        self.hashes
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .contains(h)
    }

    pub(super) fn replace(&self, hashes: HashSet<Id>) {
        *self.hashes.write().unwrap_or_else(|e| e.into_inner()) = hashes;
    }

    pub fn len(&self) -> usize {
        self.hashes.read().unwrap_or_else(|e| e.into_inner()).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Playback figures players reported (`POST /api/v1/metrics/playback`), summed since start.
#[derive(Default)]
pub struct PlaybackTotals {
    pub reports: AtomicU64,
    pub downloaded_p2p: AtomicU64,
    pub downloaded_http: AtomicU64,
    pub uploaded_p2p: AtomicU64,
}

/// The P2P part of the shared state.
pub struct P2p {
    pub tracker: Arc<Tracker>,
    pub known: Arc<KnownSet>,
    pub playback: PlaybackTotals,
    pub(super) changed: Notify,
}

impl P2p {
    pub fn new(settings: &ferrotube_config::Settings) -> P2p {
        let t = &settings.tracker;
        let known = Arc::new(KnownSet::default());
        let config = TrackerConfig {
            interval: Duration::from_secs(t.interval_secs.max(1)),
            trusted_proxies: if t.trust_proxy {
                settings.trusted_proxies.clone()
            } else {
                ferrotube_config::TrustedProxies::none()
            },
            max_requests_per_minute: t.max_announces_per_minute,
            ..TrackerConfig::default()
        };
        let private = t.private;
        let set = known.clone();
        let tracker = Tracker::new(config, move |h| !private || set.contains(h));
        P2p {
            tracker: Arc::new(tracker),
            known,
            playback: PlaybackTotals::default(),
            changed: Notify::new(),
        }
    }

    /// Asks for the known set to be rebuilt (soon, off the caller's path).
    pub fn changed(&self) {
        self.changed.notify_one();
    }
}
