//! Swarm identity for HLS playback through p2p-media-loader.

use sha1::{Digest, Sha1};

/// The peer protocol version PeerTube stores as `P2P_MEDIA_LOADER_PEER_VERSION` and prefixes to
/// the swarm id; peers on another version must not meet in the same swarm.
pub const P2P_MEDIA_LOADER_PEER_VERSION: u32 = 2;

/// Info hash under which p2p-media-loader (v1) peers of one HLS variant find each other on the
/// tracker: `sha1("2" + masterPlaylistUrl + "+V" + variantIndex)`.
///
/// This is PeerTube's `VideoStreamingPlaylistModel.buildP2PMediaLoaderInfoHashes`, which the
/// tracker's filter uses to accept HLS swarms; `variant_index` is the variant's position in the
/// master playlist (p2p-media-loader numbers variants in playlist order).
pub fn hls_swarm_infohash(master_playlist_url: &str, variant_index: usize) -> [u8; 20] {
    let mut h = Sha1::new();
    h.update(P2P_MEDIA_LOADER_PEER_VERSION.to_string().as_bytes());
    h.update(master_playlist_url.as_bytes());
    h.update(b"+V");
    h.update(variant_index.to_string().as_bytes());
    h.finalize().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn swarm_infohash_is_sha1_of_version_url_and_variant() {
        let url = "http://localhost:9000/static/streaming-playlists/hls/92898c59-7abe-4bab-8383-e66da1715dff/8233c0cf-0983-4c32-8751-6c1fdc16cb73-master.m3u8";
        let expected: [u8; 20] = Sha1::digest(format!("2{url}+V3").as_bytes()).into();
        assert_eq!(hls_swarm_infohash(url, 3), expected);
        assert_ne!(hls_swarm_infohash(url, 0), hls_swarm_infohash(url, 1));
        // A fixed vector, computed independently with `printf '2http://a/m.m3u8+V0' | sha1sum`,
        // so a change in the concatenation order is caught.
        assert_eq!(
            hex::encode(hls_swarm_infohash("http://a/m.m3u8", 0)),
            FIXED_VECTOR
        );
    }

    const FIXED_VECTOR: &str = "06b70a3c39c6b1f10920fbcad0da430d9e6327f7";
}
