//! The instance's behaviour, free of HTTP routing: what happens when a video is uploaded,
//! transcoded, federated, watched. `crates/api` (REST and pages) and any other front end (a
//! worker-only node, a remote runner) call into this crate; nothing here knows a route.
//!
//! Layers below: `db` (the store), `jobs` (the durable queue), `media` (ffmpeg), `storage`
//! (files), `federation` (ActivityPub vocabulary and signatures), `p2p` (torrents, tracker).

pub mod accounts;
pub mod actor_images;
pub mod cache;
pub mod captions;
pub mod channels;
pub mod error;
pub mod federation;
pub mod history;
pub mod images;
pub mod instance;
pub mod p2p;
pub mod playlists;
pub mod redundancy;
pub mod sources;
pub mod start;
pub mod transcode;
pub mod uploads;
pub mod videos;

pub use error::{Error, ErrorCode, ParamLocation, Result};
pub use instance::Instance;
pub use start::{build, job_runner, spawn_background, StartError};
