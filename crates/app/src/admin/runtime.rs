//! The settings in effect now: the file/env [`Settings`] with what an administrator changed at
//! run time laid over them (`admin_settings`, migration 0016). A leaf the [`crate::Instance`]
//! holds: [`super::config::reload`] swaps in a new [`Live`] after a change on this node and every
//! few seconds (so nodes sharing a database converge); readers take the current one with
//! [`Runtime::live`], a cheap `Arc` clone, and never see a half-applied change.

use ferrotube_config::Settings;
use serde_json::Value;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

/// How long another node's change may take to show here.
pub const RELOAD_EVERY: Duration = Duration::from_secs(5);

/// One consistent view of the editable settings.
#[derive(Debug, Clone)]
pub struct Live {
    /// The effective settings: the file/env ones with the admin's values over them. Read the
    /// editable settings (instance name, signup, user quotas, transcoding resolutions and web
    /// videos, federation manual approval) here, not in `Instance::settings`.
    pub settings: Settings,
    /// The effective `CustomConfig` (`GET /api/v1/config/custom`).
    pub custom: Value,
    /// The custom home page's markdown, when set.
    pub homepage: Option<String>,
    /// The instance's avatar and banner sizes (`actor_images::stored::StoredImage` JSON).
    pub instance_avatars: Value,
    pub instance_banners: Value,
    /// Bumped at each swap, so answers built from a `Live` (`/api/v1/config`) can be cached.
    pub generation: u64,
}

/// The last `/api/v1/server/stats` answer and when it was made (`super::stats`).
#[derive(Default)]
pub struct StatsCache(pub Mutex<Option<(Instant, Value)>>);

pub struct Runtime {
    pub stats: StatsCache,
    current: RwLock<Arc<Live>>,
    generation: AtomicU64,
    /// The `updated_at` fingerprint of the stored rows the current view was built from.
    fingerprint: Mutex<Option<String>>,
    checked_at: Mutex<Option<Instant>>,
}

impl Runtime {
    /// Starts with the file/env settings (the stored changes are applied by the first reload).
    pub fn new(settings: &Settings, custom: Value) -> Runtime {
        Runtime {
            stats: StatsCache::default(),
            current: RwLock::new(Arc::new(Live {
                settings: settings.clone(),
                custom,
                homepage: None,
                instance_avatars: Value::Array(Vec::new()),
                instance_banners: Value::Array(Vec::new()),
                generation: 0,
            })),
            generation: AtomicU64::new(0),
            fingerprint: Mutex::new(None),
            checked_at: Mutex::new(None),
        }
    }

    pub fn live(&self) -> Arc<Live> {
        match self.current.read() {
            Ok(l) => l.clone(),
            // A writer never panics while holding the lock (it only assigns); recover anyway.
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Installs `next` if the stored rows changed since the last swap (`fingerprint`), or when
    /// `force`d; answers whether it did.
    pub fn swap(&self, mut next: Live, fingerprint: String, force: bool) -> bool {
        if let Ok(mut at) = self.checked_at.lock() {
            *at = Some(Instant::now());
        }
        let Ok(mut fp) = self.fingerprint.lock() else {
            return false;
        };
        if !force && fp.as_deref() == Some(fingerprint.as_str()) {
            return false;
        }
        *fp = Some(fingerprint);
        next.generation = self.generation.fetch_add(1, Ordering::AcqRel) + 1;
        let next = Arc::new(next);
        match self.current.write() {
            Ok(mut l) => *l = next,
            Err(poisoned) => *poisoned.into_inner() = next,
        }
        true
    }

    /// Whether the stored rows should be looked at again.
    pub fn stale(&self) -> bool {
        self.checked_at
            .lock()
            .map(|at| at.is_none_or(|t| t.elapsed() >= RELOAD_EVERY))
            .unwrap_or(true)
    }
}
