//! Fuzz harnesses for this crate's parsers, and the small driver that replays them in CI.
//!
//! Each harness takes arbitrary bytes, must never panic, and asserts the parser's invariants
//! (round trips, bounds) with `assert!`, so a broken invariant is a crash for libFuzzer too. The
//! same functions run two ways (see `fuzz/README.md`):
//!
//! - coverage-guided, by hand: `cargo +nightly fuzz run <target>` in `fuzz/`, whose targets are
//!   one-line calls of these functions;
//! - briefly in CI, under `cargo test`: [`replay_and_mutate`] replays the committed seeds in
//!   `fuzz/seeds/<target>/` (crash regressions included) and a few thousand inputs derived from
//!   them with a fixed-seed PRNG, in well under a second.
//!
//! Not part of the crate's API proper: `#[doc(hidden)]` in `lib.rs`.

use crate::content_range::{parse_content_range, ContentRange};
use crate::file_names::{
    hls_download_file, is_safe_file_name, is_uuid, parse_file_name, split_uuid_prefix,
    web_video_file, FileName,
};
use crate::ids::{short_uuid as encode_short, uuid_from_short};
use crate::subtitles::{chapters_from_description, to_webvtt};
use std::path::Path;

/// Fuzz target `content_range`: [`parse_content_range`] on arbitrary text.
pub fn content_range(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    if let Ok(r) = parse_content_range(&text) {
        match r {
            ContentRange::Ask { total } => assert!(total >= 0),
            ContentRange::Chunk { start, end, total } => {
                assert!(0 <= start && start <= end && end < total, "{r:?}");
            }
        }
        // The canonical form parses back to the same value.
        assert_eq!(parse_content_range(&r.to_string()), Ok(r));
    }
    // And any valid value built from the input round-trips.
    if let Some(r) = content_range_from(data) {
        assert_eq!(parse_content_range(&r.to_string()), Ok(r), "{r}");
    }
}

/// A valid [`ContentRange`] from the first 24 bytes, if there are that many.
fn content_range_from(data: &[u8]) -> Option<ContentRange> {
    let n = |i: usize| -> Option<i64> {
        let b: [u8; 8] = data.get(i * 8..i * 8 + 8)?.try_into().ok()?;
        // Mask to 63 bits: non-negative, and small values are reachable too.
        Some((u64::from_le_bytes(b) >> (b[7] % 64)) as i64 & i64::MAX)
    };
    let (a, b, c) = (n(0)?, n(1)?, n(2)?);
    let mut v = [a, b, c];
    v.sort_unstable();
    let [start, end, total] = v;
    Some(if end < total {
        ContentRange::Chunk { start, end, total }
    } else {
        ContentRange::Ask { total }
    })
}

const FUZZ_UUID: &str = "0b8f4a2e-3c1d-4e5f-8a9b-0c1d2e3f4a5b";

/// Fuzz target `file_names`: the `{file}` parsers of the static and download routes. When the
/// first byte is odd the rest is put after a valid `<uuid>-`, so the suffix parsing is reached
/// without the fuzzer having to discover a uuid first.
pub fn file_names(data: &[u8]) {
    let raw = String::from_utf8_lossy(data.get(1..).unwrap_or_default());
    let name = if data.first().is_some_and(|b| b & 1 == 1) {
        format!("{FUZZ_UUID}-{raw}")
    } else {
        raw.into_owned()
    };
    let name = name.as_str();

    let safe = is_safe_file_name(name);
    assert_eq!(
        safe,
        !name.is_empty() && name != "." && name != ".." && !name.contains(['/', '\\', '\0'])
    );
    if let Some((uuid, rest)) = split_uuid_prefix(name) {
        assert!(is_uuid(uuid));
        assert_eq!(uuid.len(), 36);
        assert_eq!(format!("{uuid}-{rest}"), name);
    } else if let Some(prefix) = name.get(..36) {
        assert!(!is_uuid(prefix) || name.as_bytes().get(36) != Some(&b'-'));
    }
    let parsed = parse_file_name(name);
    if let Some(f) = parsed {
        assert_eq!(f.to_string(), name, "{f:?}");
        assert_eq!(parse_file_name(&f.to_string()), Some(f));
        assert!(safe, "{name:?}");
        assert_eq!(split_uuid_prefix(name).map(|(u, _)| u), Some(f.uuid()));
    }
    assert_eq!(
        web_video_file(name),
        match parsed {
            Some(FileName::WebVideo { uuid, resolution }) => Some((uuid, resolution)),
            _ => None,
        }
    );
    assert_eq!(
        hls_download_file(name),
        match parsed {
            Some(FileName::HlsFragmented { uuid, resolution }) => Some((uuid, resolution)),
            _ => None,
        }
    );
}

/// Fuzz target `short_uuid`: decoding arbitrary text, and `decode(encode(u)) == u` for the uuid
/// made of the first 16 bytes.
pub fn short_uuid(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    if let Some(u) = uuid_from_short(&text) {
        assert!(!text.is_empty() && text.len() <= 22);
        let canonical = encode_short(&u);
        // Leading `1`s are the alphabet's zeros: the same number with or without them.
        assert_eq!(
            canonical.trim_start_matches('1'),
            text.trim_start_matches('1')
        );
        assert_eq!(uuid_from_short(&canonical), Some(u));
    }
    if let Some(bytes) = data.get(..16).and_then(|b| <[u8; 16]>::try_from(b).ok()) {
        let u = uuid::Uuid::from_bytes(bytes);
        let s = encode_short(&u);
        assert_eq!(s.len(), 22, "{s}");
        assert!(s
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() && !b"0OIl".contains(&b)));
        assert_eq!(uuid_from_short(&s), Some(u), "{s}");
    }
}

/// A xorshift64* generator: deterministic inputs for CI without a `rand` dependency.
#[derive(Debug, Clone)]
pub struct Prng(u64);

impl Prng {
    pub fn new(seed: u64) -> Self {
        Prng(seed | 1)
    }

    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform-ish in `0..n` (`0` when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next_u64() % n as u64) as usize
        }
    }

    /// One of `items`, drawn as `items[self.below(items.len())]`; `None` when it is empty.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        items.get(self.below(items.len()))
    }
}

/// One libFuzzer-style mutation of `input`: bit flips, interesting bytes, insertions and
/// deletions, a dictionary token, or a splice with another seed.
fn mutate(rng: &mut Prng, input: &mut Vec<u8>, seeds: &[Vec<u8>], dict: &[&[u8]]) {
    const INTERESTING: &[u8] = &[
        0, 1, 0x7F, 0x80, 0xFF, b'-', b'/', b'*', b' ', b'%', b'&', b'=', b'"', b',', b'.',
    ];
    let len = input.len();
    match rng.below(8) {
        0 if len > 0 => {
            let i = rng.below(len);
            let bit = rng.below(8);
            if let Some(b) = input.get_mut(i) {
                *b ^= 1 << bit;
            }
        }
        1 if len > 0 => {
            let i = rng.below(len);
            if let (Some(b), Some(&v)) = (input.get_mut(i), rng.pick(INTERESTING)) {
                *b = v;
            }
        }
        2 => {
            let i = rng.below(len + 1);
            input.insert(i, rng.next_u64() as u8);
        }
        3 if len > 0 => {
            let i = rng.below(len);
            let n = 1 + rng.below((len - i).min(8));
            input.drain(i..i + n);
        }
        4 if !dict.is_empty() => {
            let token = rng.pick(dict).copied().unwrap_or_default();
            let i = rng.below(len + 1);
            input.splice(i..i, token.iter().copied());
        }
        5 if !seeds.is_empty() => {
            let other = rng.pick(seeds).map_or(&[][..], Vec::as_slice);
            let cut = rng.below(len + 1);
            let from = rng.below(other.len() + 1);
            input.truncate(cut);
            input.extend_from_slice(other.get(from..).unwrap_or_default());
        }
        6 if len > 0 => {
            // A multibyte character, the classic slicing hazard.
            let i = rng.below(len + 1);
            let c = rng.pick(&['é', '€', '𝄞', '\u{a0}']).copied().unwrap_or('é');
            let mut buf = [0u8; 4];
            input.splice(i..i, c.encode_utf8(&mut buf).bytes());
        }
        _ => {
            let i = rng.below(len + 1);
            let n = rng.below(4);
            let byte = rng.next_u64() as u8;
            input.splice(i..i, std::iter::repeat_n(byte, n));
        }
    }
}

/// The seed files of one target, sorted by name. Panics when the folder is missing or empty, so
/// CI cannot pass by silently replaying nothing.
pub fn read_seeds(dir: &Path) -> Vec<Vec<u8>> {
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("seed folder {}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .collect();
    paths.sort();
    let seeds: Vec<Vec<u8>> = paths
        .iter()
        .map(|p| std::fs::read(p).unwrap_or_else(|e| panic!("{}: {e}", p.display())))
        .collect();
    assert!(!seeds.is_empty(), "no seeds in {}", dir.display());
    seeds
}

/// CI's short fuzz run of one target: every seed in `seeds_dir`, then `rounds` inputs, each a
/// seed (or random bytes) put through 1 to 8 mutations, with a PRNG seeded from the target's
/// name, so a failure reproduces exactly. Returns how many inputs ran. The environment variables
/// `FERROTUBE_FUZZ_ROUNDS` (replaces `rounds`) and `FERROTUBE_FUZZ_SEED` (another PRNG stream)
/// make longer blind runs by hand where libFuzzer cannot be built.
pub fn replay_and_mutate(
    seeds_dir: &Path,
    harness: impl Fn(&[u8]),
    dict: &[&[u8]],
    rounds: usize,
) -> usize {
    let seeds = read_seeds(seeds_dir);
    // On a failure, print the input so it can be saved as a seed and fuzzed by hand.
    let run = |input: &[u8]| {
        if let Err(panic) =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| harness(input)))
        {
            eprintln!(
                "fuzz input that failed ({} bytes): \"{}\"",
                input.len(),
                input.escape_ascii()
            );
            std::panic::resume_unwind(panic);
        }
    };
    for s in &seeds {
        run(s);
    }
    // Seeded by the target's name (the folder's), not its path: the same inputs on every machine.
    // `FERROTUBE_FUZZ_ROUNDS` and `FERROTUBE_FUZZ_SEED` make a longer or different run by hand.
    let env = |name: &str| std::env::var(name).ok().and_then(|v| v.parse::<u64>().ok());
    let rounds = env("FERROTUBE_FUZZ_ROUNDS").map_or(rounds, |r| r as usize);
    let name = seeds_dir.file_name().unwrap_or_default().to_string_lossy();
    let mut rng = Prng::new(name.bytes().fold(
        env("FERROTUBE_FUZZ_SEED").unwrap_or(0xcbf2_9ce4_8422_2325),
        |h, b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3),
    ));
    for _ in 0..rounds {
        let mut input = if rng.below(8) == 0 {
            (0..rng.below(64)).map(|_| rng.next_u64() as u8).collect()
        } else {
            rng.pick(&seeds).cloned().unwrap_or_default()
        };
        for _ in 0..1 + rng.below(8) {
            mutate(&mut rng, &mut input, &seeds, dict);
        }
        run(&input);
    }
    seeds.len() + rounds
}

/// `fuzz/seeds/<target>` of this repository, from a crate directory two levels below its root.
pub fn seeds_dir(crate_dir: &str, target: &str) -> std::path::PathBuf {
    Path::new(crate_dir).join("../../fuzz/seeds").join(target)
}

/// Fuzz target `subtitles`: [`to_webvtt`] (caption uploads, remote captions) and
/// [`chapters_from_description`] (every description) on arbitrary bytes.
pub fn subtitles(data: &[u8]) {
    if let Ok(vtt) = to_webvtt(data) {
        assert!(vtt.starts_with("WEBVTT"), "{vtt:?}");
        // What is stored is itself an accepted caption file, which a second pass keeps as is.
        assert_eq!(
            to_webvtt(vtt.as_bytes()).ok().as_deref(),
            Some(vtt.as_str()),
            "{vtt:?}"
        );
    }
    let chapters = chapters_from_description(&String::from_utf8_lossy(data));
    for (i, (time, title)) in chapters.iter().enumerate() {
        assert!(*time >= 0, "{chapters:?}");
        assert!(title.chars().count() <= 100, "{chapters:?}");
        assert!(
            chapters.iter().skip(i + 1).all(|(t, _)| t != time),
            "a timecode twice: {chapters:?}"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROUNDS: usize = 10_000;

    fn run(target: &str, harness: fn(&[u8]), dict: &[&[u8]]) {
        let n = replay_and_mutate(
            &seeds_dir(env!("CARGO_MANIFEST_DIR"), target),
            harness,
            dict,
            ROUNDS,
        );
        assert!(n > 0);
    }

    #[test]
    fn fuzz_content_range() {
        run(
            "content_range",
            content_range,
            &[
                b"bytes ",
                b"*/",
                b"-",
                b"/",
                b"9223372036854775807",
                b"0",
                b" ",
            ],
        );
    }

    #[test]
    fn fuzz_file_names() {
        run(
            "file_names",
            file_names,
            &[
                b"-fragmented.mp4",
                b".mp4",
                b".m3u8",
                b"master.m3u8",
                b"segments-sha256.json",
                b"-hls.torrent",
                b".torrent",
                b"720",
                FUZZ_UUID.as_bytes(),
            ],
        );
    }

    #[test]
    fn fuzz_short_uuid() {
        run("short_uuid", short_uuid, &[b"1", b"z", b"Z", b"111111"]);
    }

    #[test]
    fn fuzz_subtitles() {
        run(
            "subtitles",
            subtitles,
            &[
                b"WEBVTT\n\n",
                b" --> ",
                b"00:00:01.000",
                b"00:00:01,000",
                b"\r\n",
                b"\n\n",
                b"1\n",
                b"00:00 ",
                b"1:02:03 ",
                b"\xef\xbb\xbf",
            ],
        );
    }

    #[test]
    fn prng_is_deterministic() {
        let (mut a, mut b) = (Prng::new(7), Prng::new(7));
        for _ in 0..10 {
            assert_eq!(a.next_u64(), b.next_u64());
        }
        assert_eq!(a.below(0), 0);
    }
}
