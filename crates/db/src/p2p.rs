//! What the tracker needs to know which info hashes belong to this instance: the torrents of the
//! local files and the HLS playlists (whose swarm ids are computed from their master playlist
//! URL and variant count by the caller).

use crate::macros::*;
use crate::{Db, Result};

/// One HLS playlist, with what its swarm ids are made of.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SwarmPlaylist {
    pub video_uuid: String,
    pub privacy: i64,
    pub master_filename: String,
    /// Number of HLS variants (`video_files` rows of kind `hls`).
    pub variants: i64,
    /// A remote video's master playlist URL at its origin (its swarms are the origin's).
    pub playlist_url: Option<String>,
    /// Where a local video's files are (`object_storage::STORAGE_*`) and whether its objects
    /// are public: a moved public video is advertised, and swarms, at the bucket's URL.
    pub storage: i64,
    pub storage_public: i64,
}

impl Db {
    /// Hex info hashes of every file's torrent (ours, and those remote videos' magnets name).
    pub async fn torrent_info_hashes(&self) -> Result<Vec<String>> {
        Ok(read_all!(
            self,
            (String,),
            "SELECT info_hash FROM video_files WHERE info_hash IS NOT NULL"
        )?
        .into_iter()
        .map(|(h,)| h)
        .collect())
    }

    /// Every HLS playlist (ours, and remote ones of the instances we follow) with its variant count.
    pub async fn swarm_playlists(&self) -> Result<Vec<SwarmPlaylist>> {
        Ok(read_all!(
            self,
            SwarmPlaylist,
            "SELECT v.uuid AS video_uuid, v.privacy, p.master_filename, \
               (SELECT COUNT(*) FROM video_files f WHERE f.video_id = v.id AND f.kind = 'hls') AS variants, \
               p.playlist_url, v.storage, v.storage_public \
             FROM streaming_playlists p JOIN videos v ON v.id = p.video_id"
        )?)
    }
}
