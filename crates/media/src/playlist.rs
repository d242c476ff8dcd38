//! Just enough HLS playlist handling for what ffmpeg writes with
//! `-hls_flags single_file -hls_segment_type fmp4`, plus the master
//! playlist and PeerTube's `segments-sha256.json`.

use std::fmt::Write as _;

/// A byte range inside the fragmented mp4 (`length@offset`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ByteRange {
    pub offset: u64,
    pub length: u64,
}

impl ByteRange {
    /// PeerTube's key in segments-sha256.json: inclusive "start-end".
    pub fn key(&self) -> String {
        format!(
            "{}-{}",
            self.offset,
            (self.offset + self.length).saturating_sub(1)
        )
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Segment {
    pub uri: String,
    pub duration: f64,
    pub range: ByteRange,
}

/// A parsed single-file fMP4 variant playlist.
#[derive(Debug, Clone, PartialEq)]
pub struct VariantPlaylist {
    /// EXT-X-MAP: the init segment (ftyp+moov).
    pub map_uri: String,
    pub map_range: ByteRange,
    pub segments: Vec<Segment>,
}

impl VariantPlaylist {
    pub fn duration(&self) -> f64 {
        self.segments.iter().map(|s| s.duration).sum()
    }
}

/// `length[@offset]`; a missing offset continues after the previous range
/// (RFC 8216 4.3.2.2).
fn parse_range(s: &str, next_offset: u64) -> Result<ByteRange, String> {
    let s = s.trim().trim_matches('"');
    let (len, off) = match s.split_once('@') {
        Some((l, o)) => (l, Some(o)),
        None => (s, None),
    };
    let length = len
        .trim()
        .parse::<u64>()
        .map_err(|_| format!("bad byte range {s:?}"))?;
    let offset = match off {
        Some(o) => o
            .trim()
            .parse::<u64>()
            .map_err(|_| format!("bad byte range {s:?}"))?,
        None => next_offset,
    };
    Ok(ByteRange { offset, length })
}

/// Splits an attribute list (`URI="a,b",BYTERANGE="1@0"`) respecting quotes.
fn attributes(list: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = list;
    while !rest.is_empty() {
        let Some((name, after)) = rest.split_once('=') else {
            break;
        };
        let (value, remaining) = if let Some(quoted) = after.strip_prefix('"') {
            quoted.split_once('"').unwrap_or((quoted, ""))
        } else {
            // The `,` stays on `remaining`, trimmed below.
            after.split_at(after.find(',').unwrap_or(after.len()))
        };
        out.push((name.trim().to_owned(), value.to_owned()));
        rest = remaining.trim_start_matches(',');
    }
    out
}

pub fn parse_variant(text: &str) -> Result<VariantPlaylist, String> {
    let mut lines = text.lines().map(str::trim).filter(|l| !l.is_empty());
    if lines.next() != Some("#EXTM3U") {
        return Err("missing #EXTM3U header".into());
    }
    let mut map: Option<(String, ByteRange)> = None;
    let mut segments = Vec::new();
    let mut pending_duration: Option<f64> = None;
    let mut pending_range: Option<ByteRange> = None;
    let mut next_offset = 0u64;

    for line in lines {
        if let Some(attrs) = line.strip_prefix("#EXT-X-MAP:") {
            let attrs = attributes(attrs);
            let uri = attrs
                .iter()
                .find(|(k, _)| k == "URI")
                .map(|(_, v)| v.clone())
                .ok_or("EXT-X-MAP without URI")?;
            let range = attrs
                .iter()
                .find(|(k, _)| k == "BYTERANGE")
                .ok_or("EXT-X-MAP without BYTERANGE: init segment is not inside the single file")
                .and_then(|(_, v)| parse_range(v, 0).map_err(|_| "bad EXT-X-MAP BYTERANGE"))?;
            next_offset = range.offset + range.length;
            map = Some((uri, range));
        } else if let Some(d) = line.strip_prefix("#EXTINF:") {
            let d = d.split(',').next().unwrap_or("").trim();
            pending_duration = Some(
                d.parse::<f64>()
                    .map_err(|_| format!("bad EXTINF duration {d:?}"))?,
            );
        } else if let Some(r) = line.strip_prefix("#EXT-X-BYTERANGE:") {
            pending_range = Some(parse_range(r, next_offset)?);
        } else if line.starts_with('#') {
            continue;
        } else {
            let duration = pending_duration
                .take()
                .ok_or_else(|| format!("segment {line:?} without EXTINF"))?;
            let range = pending_range
                .take()
                .ok_or_else(|| format!("segment {line:?} without EXT-X-BYTERANGE"))?;
            next_offset = range.offset + range.length;
            segments.push(Segment {
                uri: line.to_owned(),
                duration,
                range,
            });
        }
    }
    let (map_uri, map_range) = map.ok_or("missing EXT-X-MAP")?;
    if segments.is_empty() {
        return Err("playlist has no segments".into());
    }
    Ok(VariantPlaylist {
        map_uri,
        map_range,
        segments,
    })
}

/// One `#EXT-X-STREAM-INF` entry of the master playlist.
pub struct MasterEntry<'a> {
    pub bandwidth: u64,
    pub width: u32,
    pub height: u32,
    pub fps: u32,
    pub codecs: &'a str,
    pub uri: &'a str,
}

/// Same layout as PeerTube's master playlists (including its two blank
/// lines after the header). Audio-only entries get `RESOLUTION=0x0` and
/// no FRAME-RATE, as PeerTube writes them.
pub fn master_playlist(entries: &[MasterEntry<'_>]) -> String {
    let mut s = String::from("#EXTM3U\n#EXT-X-VERSION:3\n\n");
    for e in entries {
        s.push('\n');
        let _ = write!(
            s,
            "#EXT-X-STREAM-INF:BANDWIDTH={},RESOLUTION={}x{}",
            e.bandwidth, e.width, e.height
        );
        if e.fps > 0 {
            let _ = write!(s, ",FRAME-RATE={}", e.fps);
        }
        let _ = write!(s, ",CODECS=\"{}\"\n{}", e.codecs, e.uri);
    }
    s.push('\n');
    s
}

/// Renders segments-sha256.json with the files in the given order (serde_json's
/// map would sort them), pretty-printed like PeerTube's.
pub fn segments_sha256_json(files: &[(String, Vec<(String, String)>)]) -> String {
    let q = |s: &str| serde_json::Value::String(s.to_owned()).to_string();
    let mut out = String::from("{");
    for (i, (file, ranges)) in files.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let _ = write!(out, "\n  {}: {{", q(file));
        for (j, (range, hash)) in ranges.iter().enumerate() {
            if j > 0 {
                out.push(',');
            }
            let _ = write!(out, "\n    {}: {}", q(range), q(hash));
        }
        out.push_str("\n  }");
    }
    out.push_str("\n}\n");
    out
}

/// RFC 6381 codec string from the avcC box in an init segment:
/// `avc1.PPCCLL` (profile, constraint flags, level).
pub fn avc1_codec_from_init(init: &[u8]) -> Option<String> {
    let pos = init.windows(4).position(|w| w == b"avcC")?;
    let &[version, profile, constraints, level] = init.get(pos + 4..pos + 8)? else {
        return None;
    };
    // configurationVersion must be 1.
    if version != 1 {
        return None;
    }
    Some(format!("avc1.{profile:02x}{constraints:02x}{level:02x}"))
}

#[cfg(test)]
#[allow(clippy::indexing_slicing, clippy::string_slice)]
mod tests {
    use super::*;

    const SAMPLE: &str = "#EXTM3U
#EXT-X-VERSION:7
#EXT-X-TARGETDURATION:4
#EXT-X-MEDIA-SEQUENCE:0
#EXT-X-PLAYLIST-TYPE:VOD
#EXT-X-MAP:URI=\"ceaf9cdb-845e-476b-b57b-80a8a460dc0d-720-fragmented.mp4\",BYTERANGE=\"1373@0\"
#EXTINF:4.000000,
#EXT-X-BYTERANGE:102857@1373
ceaf9cdb-845e-476b-b57b-80a8a460dc0d-720-fragmented.mp4
#EXTINF:2.000000,
#EXT-X-BYTERANGE:53047@104230
ceaf9cdb-845e-476b-b57b-80a8a460dc0d-720-fragmented.mp4
#EXT-X-ENDLIST
";

    #[test]
    fn parses_peertube_sample() {
        let p = parse_variant(SAMPLE).unwrap();
        assert_eq!(
            p.map_uri,
            "ceaf9cdb-845e-476b-b57b-80a8a460dc0d-720-fragmented.mp4"
        );
        assert_eq!(
            p.map_range,
            ByteRange {
                offset: 0,
                length: 1373
            }
        );
        assert_eq!(p.segments.len(), 2);
        // Same keys as the sample's segments-sha256.json.
        assert_eq!(p.segments[0].range.key(), "1373-104229");
        assert_eq!(p.segments[1].range.key(), "104230-157276");
        assert!((p.duration() - 6.0).abs() < 1e-9);
    }

    #[test]
    fn implicit_offsets_continue() {
        let text = "#EXTM3U\n#EXT-X-MAP:URI=\"f.mp4\",BYTERANGE=\"10@0\"\n#EXTINF:4,\n#EXT-X-BYTERANGE:5\nf.mp4\n#EXTINF:1,\n#EXT-X-BYTERANGE:7\nf.mp4\n";
        let p = parse_variant(text).unwrap();
        assert_eq!(
            p.segments[0].range,
            ByteRange {
                offset: 10,
                length: 5
            }
        );
        assert_eq!(
            p.segments[1].range,
            ByteRange {
                offset: 15,
                length: 7
            }
        );
    }

    #[test]
    fn rejects_separate_init_and_plain_segments() {
        assert!(
            parse_variant("#EXTM3U\n#EXT-X-MAP:URI=\"init.mp4\"\n#EXTINF:4,\nseg0.m4s\n").is_err()
        );
        assert!(parse_variant(
            "#EXTM3U\n#EXT-X-MAP:URI=\"f.mp4\",BYTERANGE=\"1@0\"\n#EXTINF:4,\nseg0.m4s\n"
        )
        .is_err());
        assert!(parse_variant("nope").is_err());
    }

    #[test]
    fn master_matches_sample_layout() {
        let m = master_playlist(&[
            MasterEntry {
                bandwidth: 109118,
                width: 256,
                height: 144,
                fps: 30,
                codecs: "avc1.64000c,mp4a.40.2",
                uri: "a-144.m3u8",
            },
            MasterEntry {
                bandwidth: 5,
                width: 0,
                height: 0,
                fps: 0,
                codecs: "mp4a.40.2",
                uri: "a-0.m3u8",
            },
        ]);
        assert_eq!(
            m,
            "#EXTM3U\n#EXT-X-VERSION:3\n\n\n#EXT-X-STREAM-INF:BANDWIDTH=109118,RESOLUTION=256x144,FRAME-RATE=30,CODECS=\"avc1.64000c,mp4a.40.2\"\na-144.m3u8\n#EXT-X-STREAM-INF:BANDWIDTH=5,RESOLUTION=0x0,CODECS=\"mp4a.40.2\"\na-0.m3u8\n"
        );
    }

    #[test]
    fn sha_json_is_valid_and_ordered() {
        let s = segments_sha256_json(&[
            (
                "b.mp4".into(),
                vec![("1-2".into(), "ab".into()), ("3-4".into(), "cd".into())],
            ),
            ("a.mp4".into(), vec![("5-6".into(), "ef".into())]),
        ]);
        let v: serde_json::Value = serde_json::from_str(&s).unwrap();
        assert_eq!(v["b.mp4"]["3-4"], "cd");
        assert!(s.find("b.mp4").unwrap() < s.find("a.mp4").unwrap());
    }

    #[test]
    fn codec_from_avcc() {
        let mut init = b"....avcC".to_vec();
        init.extend_from_slice(&[1, 0x64, 0x00, 0x1f, 0xff]);
        assert_eq!(avc1_codec_from_init(&init).as_deref(), Some("avc1.64001f"));
        assert_eq!(avc1_codec_from_init(b"mp4a"), None);
    }
}
