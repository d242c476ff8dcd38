//! Peer-to-peer groundwork for Ferrotube, the PeerTube-compatible parts that let browsers share
//! video bytes with each other:
//!
//! - [`torrent`]: BitTorrent v1 metainfo for one file, built like PeerTube's `create-torrent` call,
//!   and the magnet URI PeerTube puts in `files[].magnetUri`;
//! - [`hls`]: the swarm info hash p2p-media-loader (v1) uses for an HLS variant;
//! - [`tracker`]: an in-memory tracker store (announce, scrape, expiry, caps) and its HTTP
//!   endpoints (`/tracker/announce`, `/tracker/scrape`);
//! - [`ws`]: the WebTorrent WebSocket tracker (`/tracker/socket`) that relays WebRTC offers and
//!   answers between peers of a swarm.
//!
//! Nothing here touches the database: the server decides which info hashes are "known" by handing
//! the tracker a predicate.

#[doc(hidden)]
pub mod fuzzing;
pub mod hls;
pub mod torrent;
pub mod tracker;
pub mod ws;
mod ws_codec;

pub use hls::hls_swarm_infohash;
pub use torrent::{magnet_uri, make_torrent, piece_length, Metainfo, Torrent, Trackers};
pub use tracker::{router, Tracker, TrackerConfig};

/// Errors from building torrents.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("reading {path}: {source}")]
    Io {
        path: std::path::PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("bencode: {0}")]
    Bencode(#[from] serde_bencode::Error),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
