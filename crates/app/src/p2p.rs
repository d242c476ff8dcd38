//! Peer-to-peer state of the instance: the tracker (served by `crates/api` at `/tracker/*`) and
//! the set of info hashes this instance tracks, playback totals.
//!
//! The tracker is private by default: it only serves info hashes in [`state::KnownSet`], which
//! holds the torrents of local files and the HLS swarm ids of local playlists. The set lives in
//! memory (the tracker asks on every announce) and is rebuilt from the database when videos
//! change ([`crate::instance::Inner::videos_changed`]) and once a minute (other nodes' changes).
//! More sources, such as the videos of followed instances, are one more function in
//! [`known_sources`].

pub mod state;

use crate::Instance;
use ferrotube_model::{FileKind, Privacy};
use ferrotube_p2p::tracker::Id;
use std::collections::HashSet;
use std::time::{Duration, Instant};

/// The master playlist URL a local playlist's swarm ids are made from: its advertised
/// `playlistUrl` (the bucket's once a public video's files moved there, as PeerTube names them).
pub fn master_url(state: &Instance, p: &ferrotube_db::p2p::SwarmPlaylist) -> String {
    let privacy = Privacy::from_id(p.privacy).unwrap_or(Privacy::Private);
    let base = crate::object_storage::public_hls_base(
        state,
        &p.video_uuid,
        privacy,
        p.storage,
        p.storage_public,
    )
    .unwrap_or_else(|| state.files_base_url(&p.video_uuid, privacy, FileKind::Hls));
    format!("{base}/{}", p.master_filename)
}

/// Torrents of this instance's files.
async fn local_torrents(state: &Instance) -> ferrotube_db::Result<Vec<Id>> {
    Ok(state
        .db
        .torrent_info_hashes()
        .await?
        .iter()
        .filter_map(|h| hex::decode(h).ok()?.try_into().ok())
        .collect())
}

/// HLS swarms of this instance's playlists: `sha1("2" + masterPlaylistUrl + "+V" + i)` for each
/// variant `i`.
async fn local_swarms(state: &Instance) -> ferrotube_db::Result<Vec<Id>> {
    let mut out = Vec::new();
    for p in state.db.swarm_playlists().await? {
        // Remote videos (of instances we follow) swarm under their origin's playlist URL.
        let url = p
            .playlist_url
            .clone()
            .unwrap_or_else(|| master_url(state, &p));
        for i in 0..p.variants.max(0) as usize {
            out.push(ferrotube_p2p::hls_swarm_infohash(&url, i));
        }
    }
    Ok(out)
}

/// Every info hash the tracker serves. Add a source here (e.g. followed instances' videos).
pub async fn known_sources(state: &Instance) -> ferrotube_db::Result<HashSet<Id>> {
    let mut set = HashSet::new();
    set.extend(local_torrents(state).await?);
    set.extend(local_swarms(state).await?);
    Ok(set)
}

/// Rebuilds the known set now.
pub async fn refresh(state: &Instance) {
    match known_sources(state).await {
        Ok(set) => state.p2p.known.replace(set),
        Err(e) => tracing::warn!(error = %e, "cannot rebuild the tracker's known info hashes"),
    }
}

/// Keeps the known set fresh and purges silent peers, until `shutdown`.
pub fn spawn(
    state: &Instance,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
) -> tokio::task::JoinHandle<()> {
    let s = state.clone();
    tokio::spawn(async move {
        let mut last_purge = Instant::now();
        loop {
            refresh(&s).await;
            if last_purge.elapsed() >= Duration::from_secs(30) {
                s.p2p.tracker.purge_expired(Instant::now());
                last_purge = Instant::now();
            }
            tokio::select! {
                _ = s.p2p.changed.notified() => {}
                _ = tokio::time::sleep(Duration::from_secs(30)) => {}
                _ = shutdown.changed() => break,
            }
        }
    })
}
