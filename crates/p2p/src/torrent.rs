//! BitTorrent v1 metainfo for one video file, as PeerTube builds it, and its magnet URI.
//!
//! PeerTube calls webtorrent's `create-torrent` with `{ name, createdBy: 'PeerTube',
//! announceList: [[ws tracker], [http tracker]], urlList: [file URL] }` and no `pieceLength`, so
//! the piece length comes from the `piece-length` package (see [`piece_length`]). The resulting
//! file has, keys sorted as bencode requires: `announce` (the first tracker), `announce-list`,
//! `created by`, `creation date`, `encoding: "UTF-8"`, `info {length, name, piece length,
//! pieces}` and `url-list` (BEP 19 web seed: the HTTP URL of the same file, so a client with no
//! peers still gets every byte from the server).

use std::fs::File;
use std::io::{ErrorKind, Read};
use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde::{Deserialize, Serialize};
use serde_bytes::ByteBuf;
use sha1::{Digest, Sha1};

use crate::{Error, Result};

/// The two trackers PeerTube lists in every torrent: WebSocket first (browsers can only use that
/// one, and `create-torrent` copies the first tier into `announce`), HTTP second.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trackers {
    /// `ws(s)://host:port/tracker/socket`
    pub ws: String,
    /// `http(s)://host/tracker/announce`
    pub http: String,
}

impl Trackers {
    /// Trackers of the instance whose public URL is `public_url` (e.g. `https://tube.example`).
    ///
    /// The WebSocket URL always carries the port, like PeerTube's `WEBSERVER.WS + '://' +
    /// WEBSERVER.HOSTNAME + ':' + WEBSERVER.PORT + '/tracker/socket'`
    /// (`wss://tube.example:443/tracker/socket`), while the HTTP one is `WEBSERVER.URL +
    /// '/tracker/announce'`: keeping both forms makes our torrents byte-comparable with theirs.
    pub fn for_public_url(public_url: &url::Url) -> Self {
        let secure = public_url.scheme() == "https";
        let host = public_url.host_str().unwrap_or("localhost");
        let port = public_url
            .port_or_known_default()
            .unwrap_or(if secure { 443 } else { 80 });
        let base = public_url.as_str().trim_end_matches('/');
        Self {
            ws: format!(
                "{}://{host}:{port}/tracker/socket",
                if secure { "wss" } else { "ws" }
            ),
            http: format!("{base}/tracker/announce"),
        }
    }
}

/// A built torrent: the `.torrent` file's bytes and the info hash that names its swarm.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Torrent {
    /// The bencoded metainfo, ready to be written as `<uuid>-<resolution>.torrent`.
    pub bytes: Vec<u8>,
    /// SHA-1 of the bencoded `info` dictionary (what `xt=urn:btih:` and the trackers use).
    pub info_hash: [u8; 20],
}

impl Torrent {
    /// The info hash as PeerTube stores it (`videoFile.infoHash`): 40 lowercase hex digits.
    pub fn info_hash_hex(&self) -> String {
        hex::encode(self.info_hash)
    }
}

/// A single-file metainfo dictionary, field for field what PeerTube writes. Also used to read
/// `.torrent` files back (e.g. remote instances' ones).
///
/// Fields are declared in bencode's sorted key order; serde_bencode sorts keys anyway, the order
/// here only keeps the source readable against a dump of a real file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Metainfo {
    pub announce: String,
    #[serde(rename = "announce-list")]
    pub announce_list: Vec<Vec<String>>,
    #[serde(rename = "created by")]
    pub created_by: String,
    #[serde(rename = "creation date")]
    pub creation_date: i64,
    pub encoding: String,
    pub info: Info,
    #[serde(rename = "url-list")]
    pub url_list: Vec<String>,
}

/// The `info` dictionary of a single-file torrent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Info {
    pub length: u64,
    pub name: String,
    #[serde(rename = "piece length")]
    pub piece_length: u64,
    /// Concatenated 20-byte SHA-1 digests, one per piece. A byte string, not text: serde_bytes
    /// keeps serde_bencode from treating it as a list of integers.
    pub pieces: ByteBuf,
}

impl Metainfo {
    /// Decodes a `.torrent` file.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        Ok(serde_bencode::from_bytes(bytes)?)
    }

    /// Encodes the whole metainfo.
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        Ok(serde_bencode::to_bytes(self)?)
    }

    /// SHA-1 of the bencoded `info` dictionary.
    ///
    /// Re-encoding is exact for files we (or create-torrent) wrote, since their `info` has
    /// exactly these four keys; a foreign torrent with extra `info` keys would hash differently
    /// and needs its raw bytes hashed instead.
    pub fn info_hash(&self) -> Result<[u8; 20]> {
        let info = serde_bencode::to_bytes(&self.info)?;
        Ok(Sha1::digest(&info).into())
    }
}

/// The torrent `bytes` with `seeds` added to its web seeds (`url-list`), e.g. the instances that
/// keep a copy of the file. The `info` dictionary is untouched, so the info hash stays.
pub fn with_extra_web_seeds(bytes: &[u8], seeds: &[String]) -> Result<Vec<u8>> {
    let mut meta = Metainfo::from_bytes(bytes)?;
    for s in seeds {
        if !meta.url_list.contains(s) {
            meta.url_list.push(s.clone());
        }
    }
    meta.to_bytes()
}

/// Piece length for a file of `bytes` bytes, exactly as the `piece-length` npm package that
/// `create-torrent` uses when PeerTube passes none:
///
/// ```js
/// Math.max(16384, 1 << Math.log2(bytes / 1024) + 0.5 | 0)
/// ```
///
/// i.e. about the square root of the size in KiB, rounded to a power of two, at least 16 KiB
/// (a 100 MB file gets 128 KiB pieces, a 1 GB file 1 MiB). The JavaScript integer
/// semantics are kept on purpose so that a file hashes to the same info hash as on PeerTube:
/// `| 0` truncates toward zero, and `<<` works on 32-bit ints with the shift count taken mod 32.
/// That makes files under ~181 bytes get absurd lengths (`1 << -2` is 2^30); harmless, it only
/// means one piece, and [`make_torrent`] never allocates more than the file's size.
pub fn piece_length(bytes: u64) -> u64 {
    let exponent = (bytes as f64 / 1024.0).log2() + 0.5;
    // JS ToInt32: NaN and infinities become 0, finite values truncate toward zero. The values
    // here stay far inside i32 (log2 of a u64 is below 64).
    let exponent = if exponent.is_finite() {
        exponent.trunc() as i32
    } else {
        0
    };
    let shifted = 1i32.wrapping_shl(exponent as u32);
    i64::from(shifted).max(16384) as u64
}

/// Builds the torrent of one file the way PeerTube does: `name` is the name inside the torrent
/// (PeerTube uses `"<video name> <resolution>p<ext>"`; keep the extension, WebTorrent uses it to
/// pick a player), `web_seed_url` the file's HTTP URL.
///
/// The file is read one piece at a time, so memory stays at one piece whatever its size. This is
/// blocking I/O: call it from `spawn_blocking` or a job worker.
pub fn make_torrent(
    file: &Path,
    name: &str,
    web_seed_url: &str,
    trackers: &Trackers,
) -> Result<Torrent> {
    make_torrent_at(file, name, web_seed_url, trackers, SystemTime::now())
}

/// [`make_torrent`] with a fixed creation date, so tests can compare bytes.
pub fn make_torrent_at(
    file: &Path,
    name: &str,
    web_seed_url: &str,
    trackers: &Trackers,
    created: SystemTime,
) -> Result<Torrent> {
    let io_err = |source| Error::Io {
        path: file.to_path_buf(),
        source,
    };
    let mut f = File::open(file).map_err(io_err)?;
    let size = f.metadata().map_err(io_err)?.len();
    let piece_len = piece_length(size);
    let (pieces, length) = hash_pieces(&mut f, piece_len, size).map_err(io_err)?;

    // create-torrent writes Math.ceil(ms / 1000).
    let millis = created
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or(0);
    let creation_date = i64::try_from(millis.div_ceil(1000)).unwrap_or(i64::MAX);

    let meta = Metainfo {
        announce: trackers.ws.clone(),
        announce_list: vec![vec![trackers.ws.clone()], vec![trackers.http.clone()]],
        created_by: "PeerTube".to_owned(),
        creation_date,
        encoding: "UTF-8".to_owned(),
        info: Info {
            length,
            name: name.to_owned(),
            piece_length: piece_len,
            pieces: ByteBuf::from(pieces),
        },
        url_list: vec![web_seed_url.to_owned()],
    };
    Ok(Torrent {
        bytes: meta.to_bytes()?,
        info_hash: meta.info_hash()?,
    })
}

/// SHA-1 of each `piece_len` block of `reader` (the last one shorter), and the total length read.
/// The length is what was actually read, like create-torrent, so a file growing or shrinking
/// under us still yields a self-consistent torrent.
fn hash_pieces(
    reader: &mut impl Read,
    piece_len: u64,
    size_hint: u64,
) -> std::io::Result<(Vec<u8>, u64)> {
    // Never allocate more than the file: tiny files can get a 1 GiB piece length (see
    // `piece_length`). Floor of 64 KiB so a file that grew since stat still reads in big chunks.
    let buf_len = piece_len.min(size_hint.max(64 * 1024));
    let buf_len = usize::try_from(buf_len).unwrap_or(usize::MAX);
    let mut buf = vec![0u8; buf_len];
    let mut pieces = Vec::new();
    let mut total = 0u64;
    let mut hasher = Sha1::new();
    let mut in_piece = 0u64;
    loop {
        let want = usize::try_from(piece_len - in_piece)
            .unwrap_or(usize::MAX)
            .min(buf.len());
        let chunk = buf
            .get_mut(..want)
            .ok_or_else(|| std::io::Error::other("piece buffer shorter than asked"))?;
        let n = match reader.read(chunk) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        let read = chunk
            .get(..n)
            .ok_or_else(|| std::io::Error::other("reader returned more bytes than asked"))?;
        hasher.update(read);
        in_piece += n as u64;
        total += n as u64;
        if in_piece == piece_len {
            pieces.extend_from_slice(&hasher.finalize_reset());
            in_piece = 0;
        }
    }
    if in_piece > 0 {
        pieces.extend_from_slice(&hasher.finalize());
    }
    Ok((pieces, total))
}

/// What JavaScript's `encodeURIComponent` leaves alone: letters, digits and `-_.!~*'()`.
const URI_COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'!')
    .remove(b'~')
    .remove(b'*')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')');

/// The magnet URI PeerTube puts in `files[].magnetUri` (its `generateMagnetUri`, encoded by the
/// `magnet-uri` package):
///
/// `magnet:?xs=<torrent url>&xt=urn:btih:<hex>&dn=<name>&tr=<tracker>...&ws=<web seed>...`
///
/// Parameter order is magnet-uri's insertion order for PeerTube's object (`xs`, then `xt`, `dn`,
/// `tr`, `ws`). `xs`, `tr` and `ws` are `encodeURIComponent`-encoded, `dn` too but with spaces
/// as `+`. PeerTube passes `trackers` as `[http announce, ws socket]` (its `getTrackerUrls`,
/// where the ws URL has no explicit default port) and `web_seeds` as the file URL followed by
/// redundancy copies; `name` is the video's name (not the torrent's inner file name).
pub fn magnet_uri(
    torrent_url: &str,
    info_hash: &[u8; 20],
    name: &str,
    trackers: &[&str],
    web_seeds: &[&str],
) -> String {
    let enc = |s: &str| utf8_percent_encode(s, URI_COMPONENT).to_string();
    let mut out = format!(
        "magnet:?xs={}&xt=urn:btih:{}&dn={}",
        enc(torrent_url),
        hex::encode(info_hash),
        enc(name).replace("%20", "+"),
    );
    for t in trackers {
        out.push_str("&tr=");
        out.push_str(&enc(t));
    }
    for w in web_seeds {
        out.push_str("&ws=");
        out.push_str(&enc(w));
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::string_slice)]

    use super::*;
    use std::io::Write;
    use std::time::Duration;

    // Real PeerTube output, kept in the repo so the tests always run.
    const SAMPLE_TORRENT: &[u8] =
        include_bytes!("../tests/fixtures/6c1a2b97-648c-4982-9358-dddca41d0802-144-hls.torrent");
    const SAMPLE_DETAILS: &[u8] = include_bytes!("../tests/fixtures/video-details.json");

    fn read_sample(bytes: &[u8]) -> Option<Vec<u8>> {
        Some(bytes.to_vec())
    }

    fn trackers() -> Trackers {
        Trackers::for_public_url(&url::Url::parse("http://localhost:9000").unwrap())
    }

    #[test]
    fn mirrors_join_the_web_seeds_and_the_info_hash_stays() {
        let before = Metainfo::from_bytes(SAMPLE_TORRENT).unwrap();
        let mirror = "http://mirror.example/static/redundancy/hls/u/f.mp4".to_string();
        let bytes =
            with_extra_web_seeds(SAMPLE_TORRENT, &[mirror.clone(), mirror.clone()]).unwrap();
        let after = Metainfo::from_bytes(&bytes).unwrap();
        assert_eq!(after.info_hash().unwrap(), before.info_hash().unwrap());
        assert_eq!(after.url_list.len(), before.url_list.len() + 1);
        assert_eq!(after.url_list.last(), Some(&mirror));
        assert_eq!(after.url_list[0], before.url_list[0]);
    }

    #[test]
    fn sample_torrent_decodes_and_reencodes_byte_for_byte() {
        let Some(bytes) = read_sample(SAMPLE_TORRENT) else {
            return;
        };
        // Dump the generic structure, to see every key PeerTube writes.
        let value: serde_bencode::value::Value = serde_bencode::from_bytes(&bytes).unwrap();
        if let serde_bencode::value::Value::Dict(d) = &value {
            for (k, v) in d {
                let k = String::from_utf8_lossy(k);
                match v {
                    serde_bencode::value::Value::Dict(info) => {
                        let keys: Vec<_> =
                            info.keys().map(|k| String::from_utf8_lossy(k)).collect();
                        println!("{k}: dict {keys:?}");
                    }
                    serde_bencode::value::Value::Bytes(b) => {
                        println!("{k}: {:?}", String::from_utf8_lossy(b))
                    }
                    other => println!("{k}: {other:?}"),
                }
            }
        }

        let meta = Metainfo::from_bytes(&bytes).unwrap();
        assert_eq!(meta.to_bytes().unwrap(), bytes, "our struct loses nothing");
        assert_eq!(meta.announce, "ws://localhost:9000/tracker/socket");
        assert_eq!(
            meta.announce_list,
            vec![vec![trackers().ws.clone()], vec![trackers().http.clone()]]
        );
        assert_eq!(meta.created_by, "PeerTube");
        assert_eq!(meta.encoding, "UTF-8");
        assert_eq!(meta.info.name, "Sample video 144p.mp4");
        assert_eq!(meta.info.length, 81838);
        // PeerTube's piece length rule reproduced on the sample's size.
        assert_eq!(meta.info.piece_length, piece_length(81838));
        assert_eq!(meta.info.pieces.len(), 20 * 81838_usize.div_ceil(16384));

        // And the info hash equals the one video-details.json shows for that file.
        assert_eq!(
            hex::encode(meta.info_hash().unwrap()),
            "81699fed24291271c34e2699f1d977501ee71021"
        );
    }

    #[test]
    fn piece_length_follows_the_piece_length_package() {
        // Values computed with node: Math.max(16384, 1 << Math.log2(b / 1024) + 0.5 | 0)
        let cases: &[(u64, u64)] = &[
            (0, 16384),
            (100, 1 << 30), // JS shift quirk: 1 << -2
            (1000, 16384),
            (81838, 16384),
            (1 << 20, 16384),         // 1 MiB -> 2^10.5 -> 1024 -> floor 16 KiB
            (100_000_000, 1 << 17),   // ~95 MiB -> 2^17
            (1_000_000_000, 1 << 20), // ~1 GB -> 2^20
            (10 * (1 << 30), 1 << 23),
        ];
        for &(bytes, want) in cases {
            assert_eq!(piece_length(bytes), want, "bytes = {bytes}");
        }
    }

    fn write_file(len: usize) -> tempfile::NamedTempFile {
        let mut f = tempfile::NamedTempFile::new().unwrap();
        let data: Vec<u8> = (0..len).map(|i| (i * 7 % 251) as u8).collect();
        f.write_all(&data).unwrap();
        f.flush().unwrap();
        f
    }

    #[test]
    fn generated_torrent_round_trips_and_hashes_its_pieces() {
        // 3.5 pieces of 16 KiB: exercises the short last piece.
        let len = 16384 * 3 + 8192;
        let file = write_file(len);
        let data = std::fs::read(file.path()).unwrap();
        let created = UNIX_EPOCH + Duration::from_millis(1_795_614_901_001);
        let t = make_torrent_at(
            file.path(),
            "Sample video 144p.mp4",
            "http://localhost:9000/static/web-videos/x-144.mp4",
            &trackers(),
            created,
        )
        .unwrap();

        let meta = Metainfo::from_bytes(&t.bytes).unwrap();
        assert_eq!(meta.to_bytes().unwrap(), t.bytes);
        assert_eq!(meta.creation_date, 1_795_614_902, "ceil of ms / 1000");
        assert_eq!(meta.announce, "ws://localhost:9000/tracker/socket");
        assert_eq!(
            meta.url_list,
            vec!["http://localhost:9000/static/web-videos/x-144.mp4".to_owned()]
        );
        assert_eq!(meta.info.length, len as u64);
        assert_eq!(meta.info.piece_length, 16384);

        let expected: Vec<u8> = data
            .chunks(16384)
            .flat_map(|c| Sha1::digest(c).to_vec())
            .collect();
        assert_eq!(meta.info.pieces.as_ref(), expected.as_slice());

        // info_hash = sha1 of the info dictionary as it sits in the file: cut it out of the raw
        // bytes ("4:info" + dict, up to "8:url-list", the next key in sorted order).
        let start = find(&t.bytes, b"4:infod").unwrap() + b"4:info".len();
        let end = find(&t.bytes, b"8:url-list").unwrap();
        let raw_info = &t.bytes[start..end];
        let want: [u8; 20] = Sha1::digest(raw_info).into();
        assert_eq!(t.info_hash, want);
        assert_eq!(t.info_hash_hex(), hex::encode(want));
    }

    #[test]
    fn generated_torrent_matches_sample_layout() {
        // Same name, trackers, web seed, date and length as the sample; only the content
        // (hence pieces) differs, so everything outside `pieces` must be byte-identical.
        let Some(sample) = read_sample(SAMPLE_TORRENT) else {
            return;
        };
        let sample = Metainfo::from_bytes(&sample).unwrap();
        let file = write_file(81838);
        let created = UNIX_EPOCH + Duration::from_secs(sample.creation_date as u64);
        let t = make_torrent_at(
            file.path(),
            &sample.info.name,
            &sample.url_list[0],
            &trackers(),
            created,
        )
        .unwrap();
        let mut ours = Metainfo::from_bytes(&t.bytes).unwrap();
        assert_eq!(ours.info.pieces.len(), sample.info.pieces.len());
        ours.info.pieces = sample.info.pieces.clone();
        assert_eq!(ours, sample);
    }

    #[test]
    fn empty_file_has_no_pieces() {
        let file = write_file(0);
        let t = make_torrent(file.path(), "e.mp4", "http://h/e.mp4", &trackers()).unwrap();
        let meta = Metainfo::from_bytes(&t.bytes).unwrap();
        assert_eq!(meta.info.length, 0);
        assert!(meta.info.pieces.is_empty());
    }

    #[test]
    fn missing_file_is_an_io_error() {
        let err = make_torrent(
            Path::new("/nonexistent/f.mp4"),
            "f",
            "http://h/f",
            &trackers(),
        )
        .unwrap_err();
        assert!(matches!(err, Error::Io { .. }), "{err}");
    }

    #[test]
    fn trackers_for_https_instance_carry_the_port_on_ws() {
        let t = Trackers::for_public_url(&url::Url::parse("https://tube.example/").unwrap());
        assert_eq!(t.ws, "wss://tube.example:443/tracker/socket");
        assert_eq!(t.http, "https://tube.example/tracker/announce");
    }

    fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
        hay.windows(needle.len()).position(|w| w == needle)
    }

    #[test]
    fn magnets_of_the_sample_video_are_reproduced_from_their_parts() {
        let Some(bytes) = read_sample(SAMPLE_DETAILS) else {
            return;
        };
        let details: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        let name = details["name"].as_str().unwrap();
        let trackers: Vec<&str> = details["trackerUrls"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t.as_str().unwrap())
            .collect();
        let mut files: Vec<&serde_json::Value> =
            details["files"].as_array().unwrap().iter().collect();
        for p in details["streamingPlaylists"].as_array().unwrap() {
            files.extend(p["files"].as_array().unwrap());
        }
        assert!(!files.is_empty());
        for f in files {
            let expected = f["magnetUri"].as_str().unwrap();
            let hash_hex = expected
                .split("urn:btih:")
                .nth(1)
                .unwrap()
                .split('&')
                .next()
                .unwrap();
            let mut hash = [0u8; 20];
            hex::decode_to_slice(hash_hex, &mut hash).unwrap();
            let got = magnet_uri(
                f["torrentUrl"].as_str().unwrap(),
                &hash,
                name,
                &trackers,
                &[f["fileUrl"].as_str().unwrap()],
            );
            assert_eq!(got, expected);
        }
    }

    #[test]
    fn magnet_encodes_like_encode_uri_component() {
        let m = magnet_uri(
            "http://h/t.torrent",
            &[0xab; 20],
            "Ça va (bien)! ~*'_.-&=+?",
            &[],
            &[],
        );
        assert_eq!(
            m,
            format!(
                "magnet:?xs=http%3A%2F%2Fh%2Ft.torrent&xt=urn:btih:{}&dn=%C3%87a+va+(bien)!+~*'_.-%26%3D%2B%3F",
                "ab".repeat(20)
            )
        );
    }
}
