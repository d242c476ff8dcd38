//! The `Content-Range` header of a resumable upload chunk (PeerTube's `PUT
//! /api/v1/videos/upload-resumable`), as `@uppy/tus`-style clients send it:
//!
//! - `bytes <start>-<end>/<total>`: one chunk, `0 <= start <= end < total` (inclusive end, as in
//!   RFC 9110 §14.4);
//! - `bytes */<total>`: "where should I resume?", asked without a body.
//!
//! Numbers are plain ASCII digits (no sign), optional whitespace is tolerated around each part,
//! and the unit `bytes` is compared case-insensitively (RFC 9110 §14.1). Anything else, including
//! a value that does not fit an `i64`, is [`BadContentRange`]. Pure and panic-free on any input
//! (fuzzed: `fuzz/fuzz_targets/content_range.rs`).

use std::fmt;

/// A parsed `Content-Range`. Sizes are `i64` like the database's byte counts; they are never
/// negative.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContentRange {
    /// `bytes */total`: the client asks how much was received.
    Ask { total: i64 },
    /// `bytes start-end/total`: bytes `start..=end` of a `total`-byte file.
    Chunk { start: i64, end: i64, total: i64 },
}

impl ContentRange {
    /// The announced size of the whole file.
    pub fn total(&self) -> i64 {
        match *self {
            ContentRange::Ask { total } | ContentRange::Chunk { total, .. } => total,
        }
    }
}

/// Writes the canonical form (`bytes 0-99/1000`, `bytes */1000`), which parses back to the same
/// value.
impl fmt::Display for ContentRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            ContentRange::Ask { total } => write!(f, "bytes */{total}"),
            ContentRange::Chunk { start, end, total } => {
                write!(f, "bytes {start}-{end}/{total}")
            }
        }
    }
}

/// The header is not a valid `bytes a-b/total` or `bytes */total`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("Should have a valid Content-Range (bytes a-b/total)")]
pub struct BadContentRange;

/// Optional whitespace of HTTP (`OWS`: spaces and tabs).
fn trim_ows(s: &str) -> &str {
    s.trim_matches([' ', '\t'])
}

/// A non-negative decimal of ASCII digits only (`+5`, `-0`, `5 5` and `` are refused).
fn digits(s: &str) -> Result<i64, BadContentRange> {
    let s = trim_ows(s);
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(BadContentRange);
    }
    s.parse().map_err(|_| BadContentRange)
}

/// Parses a `Content-Range` header value. See the module docs for the accepted forms.
pub fn parse_content_range(value: &str) -> Result<ContentRange, BadContentRange> {
    let value = trim_ows(value);
    // `bytes` (any case) then at least one space. `get` keeps this safe on multibyte input.
    let unit = value.get(..5).ok_or(BadContentRange)?;
    if !unit.eq_ignore_ascii_case("bytes") {
        return Err(BadContentRange);
    }
    let spec = value.get(5..).ok_or(BadContentRange)?;
    if !spec.starts_with([' ', '\t']) {
        return Err(BadContentRange);
    }
    let (range, total) = spec.split_once('/').ok_or(BadContentRange)?;
    let total = digits(total)?;
    if trim_ows(range) == "*" {
        return Ok(ContentRange::Ask { total });
    }
    let (start, end) = range.split_once('-').ok_or(BadContentRange)?;
    let (start, end) = (digits(start)?, digits(end)?);
    if start > end || end >= total {
        return Err(BadContentRange);
    }
    Ok(ContentRange::Chunk { start, end, total })
}

impl std::str::FromStr for ContentRange {
    type Err = BadContentRange;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_content_range(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_and_asks() {
        assert_eq!(
            parse_content_range("bytes 0-99/1000"),
            Ok(ContentRange::Chunk {
                start: 0,
                end: 99,
                total: 1000
            })
        );
        assert_eq!(
            parse_content_range("bytes 999-999/1000"),
            Ok(ContentRange::Chunk {
                start: 999,
                end: 999,
                total: 1000
            })
        );
        assert_eq!(
            parse_content_range("bytes */1000"),
            Ok(ContentRange::Ask { total: 1000 })
        );
        assert_eq!(
            parse_content_range("bytes */0"),
            Ok(ContentRange::Ask { total: 0 })
        );
        // Whitespace around the parts and the unit's case are tolerated.
        assert_eq!(
            parse_content_range("  BYTES  0 - 9 / 10 "),
            Ok(ContentRange::Chunk {
                start: 0,
                end: 9,
                total: 10
            })
        );
        assert_eq!(
            parse_content_range("bytes\t* /7"),
            Ok(ContentRange::Ask { total: 7 })
        );
    }

    #[test]
    fn refuses_everything_else() {
        for bad in [
            "",
            "bytes",
            "bytes ",
            "bytes=0-9/10",
            "bytes0-9/10",
            "items 0-9/10",
            "bytes 0-9",
            "bytes 0-9/*",
            "bytes 0-10/10",
            "bytes 5-4/10",
            "bytes -1-4/10",
            "bytes +0-4/10",
            "bytes 0-+4/10",
            "bytes 0-4/+10",
            "bytes */-5",
            "bytes 0-4/1 0",
            "bytes 0-4-5/10",
            "bytes 0-4/10/10",
            "bytes */",
            "bytes 9223372036854775807-9223372036854775807/9223372036854775808",
            "bytes 0-1/99999999999999999999999",
            // Multibyte input around the unit must not panic.
            "byté 0-1/2",
            "éééé",
            "bytes\u{a0}0-1/2",
            "bytes ０-1/2",
        ] {
            assert_eq!(parse_content_range(bad), Err(BadContentRange), "{bad:?}");
        }
    }

    #[test]
    fn display_round_trips() {
        for r in [
            ContentRange::Ask { total: 0 },
            ContentRange::Ask { total: i64::MAX },
            ContentRange::Chunk {
                start: 0,
                end: i64::MAX - 1,
                total: i64::MAX,
            },
        ] {
            assert_eq!(r.to_string().parse::<ContentRange>(), Ok(r));
        }
        assert_eq!(ContentRange::Ask { total: 3 }.total(), 3);
    }
}
