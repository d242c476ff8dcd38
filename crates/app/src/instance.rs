//! The running instance: settings, store, queue, storage, caches, federation and P2P state.
//! Every operation of the core takes an [`Instance`]; the HTTP layer holds one in its router.

use ferrotube_config::Settings;
use ferrotube_db::videos::VideoRow;
use ferrotube_db::Db;
use ferrotube_jobs::Queue;
use ferrotube_model::{FileKind, Privacy};
use ferrotube_storage::LocalStore;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[derive(Clone)]
pub struct Instance(pub Arc<Inner>);

pub struct Inner {
    pub settings: Settings,
    pub db: Db,
    pub queue: Queue,
    pub store: LocalStore,
    pub login_limiter: RateLimiter,
    /// Wrong `x-peertube-video-password` answers per address (`app::video_passwords`).
    pub video_password_limiter: RateLimiter,
    pub view_dedup: Mutex<HashMap<(IpAddr, i64), Instant>>,
    /// The instance's public URL and host, computed once.
    pub url: String,
    pub host: String,
    pub cache: crate::cache::ResponseCache,
    /// The instance's trackers, as torrents and magnets name them.
    pub trackers: ferrotube_p2p::Trackers,
    /// `/api/v1/config` as last serialised by the API, with the runtime settings' generation
    /// it was built from (rebuilt when an admin changes them).
    pub config_json: Mutex<Option<(u64, Arc<String>)>>,
    /// The editable settings in effect (file/env settings with the admin's changes over them):
    /// read them with [`Inner::live`].
    pub runtime: crate::admin::runtime::Runtime,
    pub federation: crate::federation::state::FederationState,
    /// Tracker, known info hashes, playback metrics.
    pub p2p: crate::p2p::state::P2p,
    /// The SMTP client; `None` when no SMTP server is configured (no mail is queued).
    pub mailer: Option<crate::mail::transport::Mailer>,
    /// New notifications, pushed to the pages open on this node.
    pub notifications: crate::notifications::hub::Hub,
    /// What this node tells the instance's other nodes (Redis; nothing without it).
    pub bus: crate::bus::Bus,
    /// The S3-compatible buckets (`[object_storage] enabled`); `None`: files stay on local disk.
    pub objects: Option<Arc<ferrotube_storage::object::S3Store>>,
}

impl std::ops::Deref for Instance {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

/// Fixed-window counter per client address. Per node: behind several nodes the effective limit
/// is multiplied by the node count (a shared Redis counter is the large-size answer).
pub struct RateLimiter {
    max: u32,
    window: Duration,
    hits: Mutex<HashMap<IpAddr, (Instant, u32)>>,
}

impl RateLimiter {
    pub fn new(max: u32, window: Duration) -> RateLimiter {
        RateLimiter {
            max,
            window,
            hits: Mutex::new(HashMap::new()),
        }
    }

    /// `Some(retry_after_secs)` while the address is over the limit, without counting a hit.
    pub fn blocked(&self, ip: IpAddr) -> Option<u64> {
        let now = Instant::now();
        let hits = self.hits.lock().ok()?;
        let (start, n) = hits.get(&ip)?;
        let elapsed = now.duration_since(*start);
        (elapsed < self.window && *n >= self.max)
            .then(|| self.window.saturating_sub(elapsed).as_secs().max(1))
    }

    /// Counts a hit; `Err(retry_after_secs)` once the address is over the limit.
    pub fn hit(&self, ip: IpAddr) -> Result<(), u64> {
        let now = Instant::now();
        let Ok(mut hits) = self.hits.lock() else {
            return Ok(());
        };
        if hits.len() > 100_000 {
            hits.retain(|_, (start, _)| now.duration_since(*start) < self.window);
        }
        let entry = hits.entry(ip).or_insert((now, 0));
        if now.duration_since(entry.0) >= self.window {
            *entry = (now, 0);
        }
        entry.1 += 1;
        if entry.1 > self.max {
            Err(self
                .window
                .saturating_sub(now.duration_since(entry.0))
                .as_secs()
                .max(1))
        } else {
            Ok(())
        }
    }
}

impl Inner {
    /// The settings in effect now, for the ones an administrator edits at run time
    /// (`/api/v1/config/custom`): instance name and descriptions, signup, user quotas,
    /// transcoding resolutions and web videos, federation manual approval.
    pub fn live(&self) -> Arc<crate::admin::runtime::Live> {
        self.runtime.live()
    }

    pub fn account_url(&self, name: &str) -> String {
        format!("{}/accounts/{name}", self.url)
    }
    pub fn channel_url(&self, name: &str) -> String {
        format!("{}/video-channels/{name}", self.url)
    }
    /// The URL folder a file of `kind` is served from. Files of videos not readable by anyone
    /// live under `/private/`, as in PeerTube, so a proxy or CDN can tell which paths need
    /// authorization; both paths serve a file after the same check, so a torrent's web seed
    /// keeps working when the privacy changes.
    pub fn file_base_url(&self, v: &VideoRow, kind: FileKind) -> String {
        if let Some(url) = crate::object_storage::public_base_url(self, v, kind) {
            return url;
        }
        self.files_base_url(&v.uuid, v.privacy, kind)
    }

    /// [`Inner::file_base_url`] of the video `uuid` with this privacy.
    pub fn files_base_url(&self, uuid: &str, privacy: Privacy, kind: FileKind) -> String {
        let private = !privacy.readable_by_anyone();
        match (kind, private) {
            (FileKind::WebVideo, false) => format!("{}/static/web-videos", self.url),
            (FileKind::WebVideo, true) => format!("{}/static/web-videos/private", self.url),
            (FileKind::Hls, false) => self.hls_base(uuid),
            (FileKind::Hls, true) => {
                format!("{}/static/streaming-playlists/hls/private/{uuid}", self.url)
            }
        }
    }

    /// Scratch space for multipart uploads and scaled images, on the store's filesystem.
    pub fn scratch_dir(&self) -> std::path::PathBuf {
        self.store.temp_dir().join("uploads")
    }

    pub fn hls_base(&self, uuid: &str) -> String {
        format!("{}/static/streaming-playlists/hls/{uuid}", self.url)
    }

    /// Something public reads show changed (see [`crate::cache`]).
    pub fn videos_changed(&self) {
        self.cache.invalidate();
        self.p2p.changed();
        self.bus.publish(crate::bus::Event::Changed);
    }

    /// Counts a view once per address and video per hour, as PeerTube does.
    pub fn first_view(&self, ip: IpAddr, video_id: i64) -> bool {
        let now = Instant::now();
        let Ok(mut seen) = self.view_dedup.lock() else {
            return true;
        };
        if seen.len() > 100_000 {
            seen.retain(|_, t| now.duration_since(*t) < Duration::from_secs(3600));
        }
        match seen.get(&(ip, video_id)) {
            Some(t) if now.duration_since(*t) < Duration::from_secs(3600) => false,
            _ => {
                seen.insert((ip, video_id), now);
                true
            }
        }
    }
}
