//! The running instance: settings, store, queue, storage, caches, federation and P2P state.
//! Every operation of the core takes an [`Instance`]; the HTTP layer holds one in its router.

use ferrotube_config::Settings;
use ferrotube_db::videos::VideoRow;
use ferrotube_db::Db;
use ferrotube_jobs::Queue;
use ferrotube_model::{FileKind, Privacy};
use ferrotube_storage::LocalStore;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

pub use crate::shared_counters::RateLimiter;

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
    pub view_dedup: crate::shared_counters::ViewDedup,
    /// Where the limits and the view de-duplication count (Redis when the nodes share one).
    pub counters: crate::shared_counters::SharedCounters,
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

    /// Counts a view once per address and video per hour, as PeerTube does (on every node
    /// alike when they share Redis).
    pub async fn first_view(&self, ip: IpAddr, video_id: i64) -> bool {
        self.view_dedup.first(&self.counters, ip, video_id).await
    }
}
