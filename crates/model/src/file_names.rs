//! The file names PeerTube (and Ferrotube) serve under
//!
//! - `/static/web-videos/{file}` and `/download/web-videos/{file}`: `<uuid>-<resolution>.mp4`;
//! - `/static/streaming-playlists/hls/{video uuid}/{file}`: `<uuid>-master.m3u8`,
//!   `<uuid>-segments-sha256.json`, `<uuid>-<resolution>.m3u8`,
//!   `<uuid>-<resolution>-fragmented.mp4` (see `ferrotube_media::HlsNames`);
//! - `/download/streaming-playlists/hls/videos/{file}`: `<uuid>-<resolution>-fragmented.mp4`;
//! - `/lazy-static/torrents/{file}`: `<uuid>-<resolution>.torrent` and
//!   `<uuid>-<resolution>-hls.torrent`.
//!
//! `{file}` comes straight from the request path, so everything here takes arbitrary UTF-8 and
//! never panics (no byte-index slicing that could land inside a multibyte character). Fuzzed:
//! `fuzz/fuzz_targets/file_names.rs`.

use std::fmt;

/// Length of a hyphenated uuid (`8-4-4-4-12` hex digits).
pub const UUID_LEN: usize = 36;

/// `true` for a hyphenated uuid: 36 ASCII characters, `-` at 8, 13, 18 and 23, hex digits (either
/// case) elsewhere. No braces, no `urn:uuid:` prefix, no simple (dash-less) form.
pub fn is_uuid(s: &str) -> bool {
    s.len() == UUID_LEN
        && s.bytes().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => b == b'-',
            _ => b.is_ascii_hexdigit(),
        })
}

/// Splits `<uuid>-<rest>` into the uuid and what follows its dash. `None` when the name does not
/// start with a hyphenated uuid followed by `-` (including when byte 36 falls inside a multibyte
/// character, where a plain `split_at(36)` would panic).
pub fn split_uuid_prefix(name: &str) -> Option<(&str, &str)> {
    let (uuid, rest) = name.split_at_checked(UUID_LEN)?;
    if !is_uuid(uuid) {
        return None;
    }
    Some((uuid, rest.strip_prefix('-')?))
}

/// `true` when `name` is one safe path segment to join under a storage folder: not empty, not
/// `.` or `..`, and without `/`, `\` or NUL. The same rule as `ferrotube_storage::check_key`
/// applied to a single segment.
pub fn is_safe_file_name(name: &str) -> bool {
    !name.is_empty() && name != "." && name != ".." && !name.contains(['/', '\\', '\0'])
}

/// A resolution as written in file names: decimal ASCII digits without a sign or leading zeros
/// (`0` is the audio-only rendition), so that a parsed name writes back identically.
pub fn parse_resolution(s: &str) -> Option<u32> {
    let canonical = match s.as_bytes() {
        [b'0'] => true,
        [first, rest @ ..] => {
            (b'1'..=b'9').contains(first) && rest.iter().all(|b| b.is_ascii_digit())
        }
        [] => false,
    };
    if canonical {
        s.parse().ok()
    } else {
        None
    }
}

/// One of the file names listed in the module docs. `uuid` borrows from the parsed name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileName<'a> {
    /// `<uuid>-<resolution>.mp4`
    WebVideo { uuid: &'a str, resolution: u32 },
    /// `<uuid>-<resolution>-fragmented.mp4`
    HlsFragmented { uuid: &'a str, resolution: u32 },
    /// `<uuid>-<resolution>.m3u8`
    HlsPlaylist { uuid: &'a str, resolution: u32 },
    /// `<uuid>-master.m3u8`
    HlsMaster { uuid: &'a str },
    /// `<uuid>-segments-sha256.json`
    HlsSegmentsSha256 { uuid: &'a str },
    /// `<uuid>-<resolution>.torrent` (web video) or `<uuid>-<resolution>-hls.torrent`
    Torrent {
        uuid: &'a str,
        resolution: u32,
        hls: bool,
    },
}

impl<'a> FileName<'a> {
    /// The uuid prefix (a random one for HLS files and torrents; the video's for web videos).
    pub fn uuid(&self) -> &'a str {
        match *self {
            FileName::WebVideo { uuid, .. }
            | FileName::HlsFragmented { uuid, .. }
            | FileName::HlsPlaylist { uuid, .. }
            | FileName::HlsMaster { uuid }
            | FileName::HlsSegmentsSha256 { uuid }
            | FileName::Torrent { uuid, .. } => uuid,
        }
    }

    /// The resolution, for the names that carry one.
    pub fn resolution(&self) -> Option<u32> {
        match *self {
            FileName::WebVideo { resolution, .. }
            | FileName::HlsFragmented { resolution, .. }
            | FileName::HlsPlaylist { resolution, .. }
            | FileName::Torrent { resolution, .. } => Some(resolution),
            FileName::HlsMaster { .. } | FileName::HlsSegmentsSha256 { .. } => None,
        }
    }
}

/// Writes the file name back; `parse_file_name(&n.to_string()) == Some(n)`.
impl fmt::Display for FileName<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            FileName::WebVideo { uuid, resolution } => write!(f, "{uuid}-{resolution}.mp4"),
            FileName::HlsFragmented { uuid, resolution } => {
                write!(f, "{uuid}-{resolution}-fragmented.mp4")
            }
            FileName::HlsPlaylist { uuid, resolution } => write!(f, "{uuid}-{resolution}.m3u8"),
            FileName::HlsMaster { uuid } => write!(f, "{uuid}-master.m3u8"),
            FileName::HlsSegmentsSha256 { uuid } => write!(f, "{uuid}-segments-sha256.json"),
            FileName::Torrent {
                uuid,
                resolution,
                hls,
            } => {
                let suffix = if hls { "-hls" } else { "" };
                write!(f, "{uuid}-{resolution}{suffix}.torrent")
            }
        }
    }
}

/// Recognises one of the names in the module docs; `None` for anything else.
pub fn parse_file_name(name: &str) -> Option<FileName<'_>> {
    let (uuid, rest) = split_uuid_prefix(name)?;
    match rest {
        "master.m3u8" => return Some(FileName::HlsMaster { uuid }),
        "segments-sha256.json" => return Some(FileName::HlsSegmentsSha256 { uuid }),
        _ => {}
    }
    if let Some(r) = rest.strip_suffix("-fragmented.mp4") {
        let resolution = parse_resolution(r)?;
        return Some(FileName::HlsFragmented { uuid, resolution });
    }
    if let Some(r) = rest.strip_suffix("-hls.torrent") {
        let resolution = parse_resolution(r)?;
        return Some(FileName::Torrent {
            uuid,
            resolution,
            hls: true,
        });
    }
    if let Some(r) = rest.strip_suffix(".torrent") {
        let resolution = parse_resolution(r)?;
        return Some(FileName::Torrent {
            uuid,
            resolution,
            hls: false,
        });
    }
    if let Some(r) = rest.strip_suffix(".m3u8") {
        let resolution = parse_resolution(r)?;
        return Some(FileName::HlsPlaylist { uuid, resolution });
    }
    if let Some(r) = rest.strip_suffix(".mp4") {
        let resolution = parse_resolution(r)?;
        return Some(FileName::WebVideo { uuid, resolution });
    }
    None
}

/// The `{file}` of `/static/web-videos/{file}` and `/download/web-videos/{file}`:
/// `<uuid>-<resolution>.mp4`, returning the uuid and resolution.
pub fn web_video_file(name: &str) -> Option<(&str, u32)> {
    match parse_file_name(name)? {
        FileName::WebVideo { uuid, resolution } => Some((uuid, resolution)),
        _ => None,
    }
}

/// The `{file}` of `/download/streaming-playlists/hls/videos/{file}`:
/// `<uuid>-<resolution>-fragmented.mp4`, returning the uuid and resolution.
pub fn hls_download_file(name: &str) -> Option<(&str, u32)> {
    match parse_file_name(name)? {
        FileName::HlsFragmented { uuid, resolution } => Some((uuid, resolution)),
        _ => None,
    }
}

#[cfg(test)]
#[allow(clippy::indexing_slicing, clippy::string_slice)]
mod tests {
    use super::*;

    const U: &str = "0b8f4a2e-3c1d-4e5f-8a9b-0c1d2e3f4a5b";

    #[test]
    fn multibyte_char_at_byte_36_does_not_panic() {
        // What crashed `split_at(36)` in the API: `/static/web-videos/` + 35 ASCII chars + `é`
        // (bytes 35 and 36) + `-720.mp4`.
        let name = format!("{}é-720.mp4", "a".repeat(35));
        assert!(!name.is_char_boundary(36));
        assert_eq!(split_uuid_prefix(&name), None);
        assert_eq!(parse_file_name(&name), None);
        assert_eq!(web_video_file(&name), None);
        assert!(is_safe_file_name(&name));
        // Multibyte characters anywhere else are just not uuids either.
        for name in [
            "é",
            "ééééééééééééééééééééééééééééééééééééé",
            "\u{10FFFF}-1.mp4",
        ] {
            assert_eq!(split_uuid_prefix(name), None);
        }
    }

    #[test]
    fn uuid_prefix() {
        assert_eq!(
            split_uuid_prefix(&format!("{U}-720.mp4")),
            Some((U, "720.mp4"))
        );
        assert_eq!(split_uuid_prefix(&format!("{U}-")), Some((U, "")));
        assert_eq!(split_uuid_prefix(U), None);
        assert_eq!(split_uuid_prefix(&format!("{U}_720.mp4")), None);
        assert_eq!(
            split_uuid_prefix(&format!("{}-720.mp4", "a".repeat(36))),
            None
        );
        let upper = U.to_ascii_uppercase();
        assert_eq!(
            split_uuid_prefix(&format!("{upper}-1")),
            Some((upper.as_str(), "1"))
        );
        assert!(is_uuid(U));
        assert!(!is_uuid(&U.replace('-', "0")));
        assert!(!is_uuid(&format!("{{{}}}", &U[1..35])));
    }

    #[test]
    fn peertube_names() {
        let cases = [
            (
                format!("{U}-720.mp4"),
                FileName::WebVideo {
                    uuid: U,
                    resolution: 720,
                },
            ),
            (
                format!("{U}-0.mp4"),
                FileName::WebVideo {
                    uuid: U,
                    resolution: 0,
                },
            ),
            (
                format!("{U}-1080-fragmented.mp4"),
                FileName::HlsFragmented {
                    uuid: U,
                    resolution: 1080,
                },
            ),
            (
                format!("{U}-480.m3u8"),
                FileName::HlsPlaylist {
                    uuid: U,
                    resolution: 480,
                },
            ),
            (format!("{U}-master.m3u8"), FileName::HlsMaster { uuid: U }),
            (
                format!("{U}-segments-sha256.json"),
                FileName::HlsSegmentsSha256 { uuid: U },
            ),
            (
                format!("{U}-720.torrent"),
                FileName::Torrent {
                    uuid: U,
                    resolution: 720,
                    hls: false,
                },
            ),
            (
                format!("{U}-720-hls.torrent"),
                FileName::Torrent {
                    uuid: U,
                    resolution: 720,
                    hls: true,
                },
            ),
        ];
        for (name, want) in cases {
            assert_eq!(parse_file_name(&name), Some(want), "{name}");
            assert_eq!(want.to_string(), name);
            assert_eq!(want.uuid(), U);
        }
        assert_eq!(web_video_file(&format!("{U}-720.mp4")), Some((U, 720)));
        assert_eq!(web_video_file(&format!("{U}-720-fragmented.mp4")), None);
        assert_eq!(
            hls_download_file(&format!("{U}-720-fragmented.mp4")),
            Some((U, 720))
        );
        assert_eq!(hls_download_file(&format!("{U}-720.mp4")), None);
    }

    #[test]
    fn refuses_non_canonical_resolutions() {
        for rest in [
            "-720.mp4.exe",
            "-0720.mp4",
            "-+720.mp4",
            "--720.mp4",
            "-.mp4",
            "-4294967296.mp4",
            "-７２０.mp4",
            "-720 .mp4",
            "-master.mp4",
            "-x-fragmented.mp4",
            "-720-HLS.torrent",
        ] {
            assert_eq!(parse_file_name(&format!("{U}{rest}")), None, "{rest}");
        }
        assert_eq!(parse_resolution("4294967295"), Some(u32::MAX));
        assert_eq!(parse_resolution("00"), None);
    }

    #[test]
    fn safe_names() {
        for ok in ["a", "a.mp4", "...", "é", "a b"] {
            assert!(is_safe_file_name(ok), "{ok}");
        }
        for bad in ["", ".", "..", "a/b", "/a", "a\\b", "a\0b"] {
            assert!(!is_safe_file_name(bad), "{bad:?}");
        }
    }
}
