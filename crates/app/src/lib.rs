//! The instance's behaviour, free of HTTP routing: what happens when a video is uploaded,
//! transcoded, federated, watched. `crates/api` (REST and pages) and any other front end (a
//! worker-only node, a remote runner) call into this crate; nothing here knows a route.
//!
//! Layers below: `db` (the store), `jobs` (the durable queue), `media` (ffmpeg), `storage`
//! (files), `federation` (ActivityPub vocabulary and signatures), `p2p` (torrents, tracker).

pub mod accounts;
pub mod actor_images;
pub mod admin;
pub mod bus;
pub mod cache;
pub mod captions;
pub mod channels;
pub mod comment_policy;
pub mod error;
pub mod federation;
pub mod history;
pub mod images;
pub mod instance;
pub mod mail;
pub mod moderation;
pub mod notifications;
pub mod object_storage;
pub mod p2p;
pub mod playlists;
pub mod redundancy;
pub mod registrations;
pub mod shared_counters;
pub mod sources;
pub mod start;
pub mod transcode;
pub mod two_factor;
pub mod uploads;
pub mod user_emails;
pub mod video_passwords;
pub mod videos;

pub use error::{Error, ErrorCode, ParamLocation, Result};
pub use instance::Instance;
pub use start::{build, job_runner, spawn_background, Role, StartError};
