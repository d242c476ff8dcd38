//! Captions and chapters as PeerTube reads them: a caption file is WebVTT or SubRip, stored as
//! WebVTT; chapters are titled timecodes, typed by hand or read from a description's
//! `00:00 Intro` lines.

/// Why a file is not a caption.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SubtitleError {
    #[error("the caption file is not UTF-8 text")]
    NotText,
    #[error("the caption file is neither WebVTT nor SubRip (.srt)")]
    UnknownFormat,
    #[error("the caption file has no cue")]
    NoCue,
    #[error("line {0}: malformed cue timing")]
    BadTiming(usize),
}

/// PeerTube's caption file size limit (CONSTRAINTS_FIELDS.VIDEO_CAPTIONS.CAPTION_FILE).
pub const MAX_CAPTION_BYTES: usize = 20 * 1024 * 1024;
/// PeerTube's chapter title limit (CONSTRAINTS_FIELDS.VIDEO_CHAPTERS.TITLE).
pub const MAX_CHAPTER_TITLE: usize = 100;

/// Milliseconds of a cue timestamp: `hh:mm:ss.mmm` or `mm:ss.mmm` (`,` before the
/// milliseconds when `comma`, as SubRip writes them).
fn timestamp_ms(s: &str, comma: bool) -> Option<u64> {
    let sep = if comma { ',' } else { '.' };
    let (clock, millis) = s.split_once(sep)?;
    if millis.len() != 3 || !millis.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let parts: Vec<&str> = clock.split(':').collect();
    if !(2..=3).contains(&parts.len()) {
        return None;
    }
    let mut total: u64 = 0;
    for (i, p) in parts.iter().enumerate() {
        let last_two = i + 2 >= parts.len();
        let ok_len = if last_two { p.len() == 2 } else { p.len() >= 2 };
        if !ok_len || !p.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let n: u64 = p.parse().ok()?;
        if last_two && n > 59 {
            return None;
        }
        total = total.checked_mul(60)?.checked_add(n)?;
    }
    total.checked_mul(1000)?.checked_add(millis.parse().ok()?)
}

/// A cue timing line `start --> end [settings]`; answers it with `.` milliseconds.
fn timing_line(line: &str, comma: bool) -> Option<String> {
    let (start, rest) = line.split_once("-->")?;
    let rest = rest.trim_start();
    let (end, settings) = match rest.split_once(char::is_whitespace) {
        Some((e, s)) => (e, s.trim()),
        None => (rest, ""),
    };
    let (a, b) = (
        timestamp_ms(start.trim(), comma)?,
        timestamp_ms(end, comma)?,
    );
    if b < a {
        return None;
    }
    let fix = |t: &str| t.replace(',', ".");
    let mut out = format!("{} --> {}", fix(start.trim()), fix(end));
    if !settings.is_empty() && !comma {
        out.push(' ');
        out.push_str(settings);
    }
    Some(out)
}

/// Checks a caption file and answers it as WebVTT: a WebVTT file is kept (line ends
/// normalised), a SubRip file converted. Anything else is refused.
pub fn to_webvtt(bytes: &[u8]) -> Result<String, SubtitleError> {
    let text = std::str::from_utf8(bytes).map_err(|_| SubtitleError::NotText)?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.contains('\0') {
        return Err(SubtitleError::NotText);
    }
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    let first = text.lines().next().unwrap_or("");
    let is_vtt = first == "WEBVTT" || first.starts_with("WEBVTT ") || first.starts_with("WEBVTT\t");
    if is_vtt {
        let mut cues = 0;
        for (i, line) in text.lines().enumerate() {
            if line.contains("-->") {
                if timing_line(line, false).is_none() {
                    return Err(SubtitleError::BadTiming(i + 1));
                }
                cues += 1;
            }
        }
        if cues == 0 {
            return Err(SubtitleError::NoCue);
        }
        let mut out = text;
        if !out.ends_with('\n') {
            out.push('\n');
        }
        return Ok(out);
    }
    srt_to_vtt(&text)
}

/// SubRip: blocks of an optional counter line, a timing line (`00:00:01,000 --> ...`) and text.
fn srt_to_vtt(text: &str) -> Result<String, SubtitleError> {
    let mut out = String::from("WEBVTT\n");
    let mut cues = 0;
    // Blocks of non-blank lines, each line with its number.
    let mut blocks: Vec<Vec<(usize, &str)>> = vec![Vec::new()];
    for (i, l) in text.lines().enumerate() {
        if l.trim().is_empty() {
            blocks.push(Vec::new());
        } else if let Some(b) = blocks.last_mut() {
            b.push((i + 1, l));
        }
    }
    for lines in blocks {
        let Some(&(first_no, first)) = lines.first() else {
            continue;
        };
        let (timing_at, timing_no, timing) = if first.contains("-->") {
            (0, first_no, first)
        } else if first.trim().bytes().all(|b| b.is_ascii_digit()) {
            match lines.get(1) {
                Some(&(n, l)) => (1, n, l),
                None => return Err(SubtitleError::UnknownFormat),
            }
        } else {
            return Err(SubtitleError::UnknownFormat);
        };
        let t = timing_line(timing.trim(), true).ok_or(if cues == 0 && timing_at == 0 {
            SubtitleError::UnknownFormat
        } else {
            SubtitleError::BadTiming(timing_no)
        })?;
        out.push('\n');
        out.push_str(&t);
        out.push('\n');
        for (_, l) in lines.iter().skip(timing_at + 1) {
            // A line of "-->" inside a cue's text would end the cue in WebVTT.
            out.push_str(&l.replace("-->", "->"));
            out.push('\n');
        }
        cues += 1;
    }
    if cues == 0 {
        return Err(SubtitleError::UnknownFormat);
    }
    Ok(out)
}

/// Seconds of `m:ss`, `mm:ss` or `h:mm:ss`.
fn timecode_secs(s: &str) -> Option<i64> {
    let parts: Vec<&str> = s.split(':').collect();
    if !(2..=3).contains(&parts.len()) {
        return None;
    }
    let mut total: i64 = 0;
    for (i, p) in parts.iter().enumerate() {
        if p.is_empty() || p.len() > 2 || !p.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let n: i64 = p.parse().ok()?;
        if i > 0 && n > 59 {
            return None;
        }
        total = total * 60 + n;
    }
    Some(total)
}

/// Chapters written in a description, as PeerTube reads them: consecutive lines that start
/// with a timecode (`00:00 Intro`, `1:02:03 End`); the first run of such lines counts, and only
/// when it has at least two. Titles are cut at 100 characters; a repeated timecode keeps its
/// first title.
pub fn chapters_from_description(text: &str) -> Vec<(i64, String)> {
    let mut found: Vec<(i64, String)> = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        let parsed = line
            .split_once(char::is_whitespace)
            .and_then(|(tc, title)| {
                let title = title.trim();
                let tc = tc.trim_start_matches(['-', '*']).trim();
                timecode_secs(tc)
                    .filter(|_| !title.is_empty())
                    .map(|s| (s, title.chars().take(MAX_CHAPTER_TITLE).collect::<String>()))
            });
        match parsed {
            Some((secs, title)) if !found.iter().any(|(t, _)| *t == secs) => {
                found.push((secs, title));
            }
            Some(_) => {}
            None if !found.is_empty() => break,
            None => {}
        }
    }
    if found.len() < 2 {
        return Vec::new();
    }
    found.sort_by_key(|(t, _)| *t);
    found
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn webvtt_is_kept() {
        let v = "WEBVTT\r\n\r\n00:00.000 --> 00:01.500 align:start\r\nHello\r\n";
        assert_eq!(
            to_webvtt(v.as_bytes()).unwrap(),
            "WEBVTT\n\n00:00.000 --> 00:01.500 align:start\nHello\n"
        );
        let bom = "\u{feff}WEBVTT - title\n\n1\n00:00:01.000 --> 00:00:02.000\nHi";
        assert!(to_webvtt(bom.as_bytes())
            .unwrap()
            .starts_with("WEBVTT - title\n"));
    }

    #[test]
    fn srt_is_converted() {
        let srt = "1\r\n00:00:00,000 --> 00:00:01,250\r\nHello world\r\n\r\n2\r\n00:00:01,250 --> 00:00:02,000\r\nSecond\r\nline\r\n";
        assert_eq!(
            to_webvtt(srt.as_bytes()).unwrap(),
            "WEBVTT\n\n00:00:00.000 --> 00:00:01.250\nHello world\n\n00:00:01.250 --> 00:00:02.000\nSecond\nline\n"
        );
    }

    #[test]
    fn non_subtitles_are_refused() {
        assert_eq!(
            to_webvtt(b"\x89PNG\r\n\x1a\n\0\0"),
            Err(SubtitleError::NotText)
        );
        assert_eq!(
            to_webvtt(b"just some text\nnothing else"),
            Err(SubtitleError::UnknownFormat)
        );
        assert_eq!(to_webvtt(b""), Err(SubtitleError::UnknownFormat));
        assert_eq!(to_webvtt(b"WEBVTT\n\n"), Err(SubtitleError::NoCue));
        assert_eq!(
            to_webvtt(b"WEBVTT\n\n00:00.000 --> soon\nx\n"),
            Err(SubtitleError::BadTiming(3))
        );
        assert_eq!(
            to_webvtt(b"1\n00:00:02,000 --> 00:00:01,000\nbackwards\n"),
            Err(SubtitleError::BadTiming(2))
        );
        assert!(to_webvtt(b"1\n00:00:00,000 --> 00:00:01,000\nok\n\n2\nbroken\n").is_err());
    }

    #[test]
    fn description_chapters() {
        let d = "My video.\n\n00:00 Intro\n0:03 Middle part\n1:00:00 End\nThanks!\n05:00 not read";
        assert_eq!(
            chapters_from_description(d),
            vec![
                (0, "Intro".to_string()),
                (3, "Middle part".to_string()),
                (3600, "End".to_string())
            ]
        );
        assert!(chapters_from_description("00:00 Only one").is_empty());
        assert!(chapters_from_description("no chapters here\n12:3 x\n1:99 y").is_empty());
        let long = format!("00:00 {}\n00:10 b", "x".repeat(150));
        assert_eq!(chapters_from_description(&long)[0].1.chars().count(), 100);
    }
}
