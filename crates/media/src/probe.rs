//! ffprobe wrapper.

use std::ffi::OsString;
use std::path::Path;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::process::{ffprobe_bin, run_capture};
use crate::MediaError;

const PROBE_TIMEOUT: Duration = Duration::from_secs(60);

/// What we need to know about an uploaded file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProbeInfo {
    pub duration_secs: f64,
    pub size_bytes: u64,
    pub has_video: bool,
    pub has_audio: bool,
    /// Display width, i.e. after applying the rotation metadata (ffmpeg
    /// auto-rotates when transcoding, so this is what the output will get).
    pub width: u32,
    pub height: u32,
    pub fps: f64,
    pub video_codec: Option<String>,
    pub audio_codec: Option<String>,
    /// Container bit rate in bit/s (0 when unknown).
    pub bitrate: u64,
    /// Raw `ffprobe -show_format -show_streams` JSON.
    pub raw: Value,
    /// Audio file with embedded cover art (an `attached_pic` stream); such
    /// a stream is not counted as video but is a good thumbnail source.
    pub has_cover_art: bool,
    /// ffprobe `index` of the stream used as video / audio; a file can hold
    /// cover art or several tracks before the one we want.
    pub video_stream_index: Option<u32>,
    pub audio_stream_index: Option<u32>,
}

impl ProbeInfo {
    /// The side PeerTube calls "resolution": the height for landscape, the
    /// width for portrait.
    pub fn resolution(&self) -> u32 {
        self.width.min(self.height)
    }

    pub fn is_portrait(&self) -> bool {
        self.width < self.height
    }

    /// ffmpeg stream specifier of the video stream to encode.
    pub fn video_map(&self) -> String {
        self.video_stream_index
            .map_or_else(|| "0:v:0".to_owned(), |i| format!("0:{i}"))
    }

    /// ffmpeg stream specifier of the audio stream to encode.
    pub fn audio_map(&self) -> String {
        self.audio_stream_index
            .map_or_else(|| "0:a:0".to_owned(), |i| format!("0:{i}"))
    }

    /// Input options pinning ffmpeg to the demuxer ffprobe identified, so a
    /// file vetted by [`probe`] cannot be re-interpreted as something else
    /// (e.g. a playlist) when it is transcoded.
    pub fn input_format_args(&self) -> Vec<std::ffi::OsString> {
        let name = self
            .raw
            .get("format")
            .and_then(|f| f.get("format_name"))
            .and_then(Value::as_str)
            .and_then(|n| n.split(',').next())
            .map(str::trim)
            .filter(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'));
        match name {
            Some(n) => vec!["-f".into(), n.into()],
            None => Vec::new(),
        }
    }
}

/// Probes `path` with ffprobe.
///
/// Returns [`MediaError::NotAVideo`] when ffprobe cannot parse the file or
/// when it contains neither a video nor an audio stream.
pub async fn probe(path: &Path) -> Result<ProbeInfo, MediaError> {
    let (raw, size) = run_ffprobe(path).await?;
    parse_probe(raw, size)
}

/// Probes a still image (a custom thumbnail or preview): accepted only when ffprobe sees a
/// single-image format with a picture, which [`probe`] refuses as a video.
pub async fn probe_image(path: &Path) -> Result<ProbeInfo, MediaError> {
    let (raw, size) = run_ffprobe(path).await?;
    let format_name = raw
        .get("format")
        .and_then(|f| f.get("format_name"))
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    // A GIF (animated or not) is an image too: avatars and banners may be GIFs, as on PeerTube.
    if !is_still_image_format(&format_name) && format_name != "gif" {
        return Err(MediaError::NotAVideo(format!(
            "not an image (format {format_name})"
        )));
    }
    let stream = raw
        .get("streams")
        .and_then(Value::as_array)
        .and_then(|s| {
            s.iter()
                .find(|s| s.get("codec_type").and_then(Value::as_str) == Some("video"))
        })
        .cloned()
        .ok_or_else(|| MediaError::NotAVideo("the image has no picture".into()))?;
    let dim = |k: &str| stream.get(k).and_then(Value::as_u64).unwrap_or(0) as u32;
    let (width, height) = (dim("width"), dim("height"));
    if width == 0 || height == 0 {
        return Err(MediaError::NotAVideo("the image has no size".into()));
    }
    Ok(ProbeInfo {
        duration_secs: 0.0,
        size_bytes: size,
        has_video: true,
        has_audio: false,
        width,
        height,
        fps: 0.0,
        video_codec: stream
            .get("codec_name")
            .and_then(Value::as_str)
            .map(str::to_string),
        audio_codec: None,
        bitrate: 0,
        raw,
        has_cover_art: false,
        video_stream_index: stream
            .get("index")
            .and_then(Value::as_u64)
            .map(|i| i as u32),
        audio_stream_index: None,
    })
}

async fn run_ffprobe(path: &Path) -> Result<(Value, u64), MediaError> {
    let meta = tokio::fs::metadata(path)
        .await
        .map_err(|e| MediaError::io(path, e))?;
    if meta.len() == 0 {
        return Err(MediaError::NotAVideo("the file is empty".into()));
    }
    let args: Vec<OsString> = vec![
        "-v".into(),
        "error".into(),
        "-print_format".into(),
        "json".into(),
        "-show_format".into(),
        "-show_streams".into(),
        path.as_os_str().into(),
    ];
    let out = match run_capture(ffprobe_bin(), &args, PROBE_TIMEOUT).await {
        Ok(out) => out,
        Err(MediaError::Ffmpeg { stderr, .. }) => {
            let reason = stderr
                .lines()
                .last()
                .map(|l| strip_path_prefix(l, path))
                .filter(|l| !l.is_empty())
                .unwrap_or_else(|| "unrecognised format".to_owned());
            return Err(MediaError::NotAVideo(format!(
                "the file could not be read as audio or video ({reason})"
            )));
        }
        Err(e) => return Err(e),
    };
    let raw: Value = serde_json::from_slice(&out.stdout).map_err(|e| {
        MediaError::NotAVideo(format!("ffprobe returned unreadable metadata ({e})"))
    })?;
    Ok((raw, meta.len()))
}

/// ffprobe prefixes errors with the input path, which is a server-side temp
/// path the uploader should not see.
fn strip_path_prefix(line: &str, path: &Path) -> String {
    let p = path.to_string_lossy();
    line.strip_prefix(p.as_ref())
        .map(|rest| rest.trim_start_matches(':').trim())
        .unwrap_or(line)
        .trim()
        .to_owned()
}

fn as_f64(v: Option<&Value>) -> Option<f64> {
    match v? {
        Value::String(s) => s.trim().parse::<f64>().ok(),
        Value::Number(n) => n.as_f64(),
        _ => None,
    }
    .filter(|x| x.is_finite())
}

fn as_u64(v: Option<&Value>) -> Option<u64> {
    as_f64(v).filter(|x| *x >= 0.0).map(|x| x as u64)
}

/// "30000/1001" -> 29.97; "0/0" -> None.
pub(crate) fn parse_rate(s: &str) -> Option<f64> {
    let (num, den) = match s.split_once('/') {
        Some((n, d)) => (n.trim().parse::<f64>().ok()?, d.trim().parse::<f64>().ok()?),
        None => (s.trim().parse::<f64>().ok()?, 1.0),
    };
    if den == 0.0 {
        return None;
    }
    let r = num / den;
    (r.is_finite() && r > 0.0).then_some(r)
}

fn rotation_of(stream: &Value) -> i64 {
    let from_side_data = stream
        .get("side_data_list")
        .and_then(Value::as_array)
        .and_then(|list| {
            list.iter()
                .find_map(|sd| as_f64(sd.get("rotation")).map(|r| r as i64))
        });
    let from_tag = || as_f64(stream.get("tags").and_then(|t| t.get("rotate"))).map(|r| r as i64);
    from_side_data.or_else(from_tag).unwrap_or(0)
}

/// Formats ffprobe reports for single images; a lone PNG/JPEG is "video"
/// to ffprobe but not something we should publish.
fn is_still_image_format(format_name: &str) -> bool {
    format_name.contains("image2") || format_name.ends_with("_pipe")
}

/// Demuxers that must never see an upload. Playlists and concat lists make
/// ffmpeg open other files or URLs named inside the upload (the classic
/// "HLS playlist disguised as .mp4" local file disclosure / SSRF); the
/// text-art demuxers turn any text file into a "video".
const REJECTED_FORMATS: &[&str] = &[
    "hls",
    "applehttp",
    "concat",
    "dash",
    "webm_dash_manifest",
    "ffmetadata",
    "lavfi",
    "tty",
    "bin",
    "xbin",
    "adf",
    "idf",
    "srt",
    "ass",
    "webvtt",
    "subviewer",
    "microdvd",
    "sami",
];

/// Codecs ffmpeg "decodes" from text files; never real video.
const REJECTED_VIDEO_CODECS: &[&str] = &["ansi", "bintext", "xbin", "idf"];

pub(crate) fn parse_probe(raw: Value, file_size: u64) -> Result<ProbeInfo, MediaError> {
    let empty = Vec::new();
    let streams = raw
        .get("streams")
        .and_then(Value::as_array)
        .unwrap_or(&empty);
    let format = raw.get("format").cloned().unwrap_or(Value::Null);
    let format_name = format
        .get("format_name")
        .and_then(Value::as_str)
        .unwrap_or("");

    let is_cover = |s: &Value| {
        s.get("disposition")
            .and_then(|d| d.get("attached_pic"))
            .and_then(Value::as_i64)
            == Some(1)
    };
    let of_type = |s: &Value, t: &str| s.get("codec_type").and_then(Value::as_str) == Some(t);

    if format_name
        .split(',')
        .any(|f| REJECTED_FORMATS.contains(&f.trim()))
    {
        return Err(MediaError::NotAVideo(format!(
            "unsupported file type ({format_name})"
        )));
    }
    let video = streams.iter().find(|s| {
        of_type(s, "video")
            && !is_cover(s)
            && as_u64(s.get("width")).unwrap_or(0) > 0
            && as_u64(s.get("height")).unwrap_or(0) > 0
    });
    let audio = streams.iter().find(|s| of_type(s, "audio"));
    if let Some(codec) = video
        .and_then(|v| v.get("codec_name"))
        .and_then(Value::as_str)
    {
        if REJECTED_VIDEO_CODECS.contains(&codec) {
            return Err(MediaError::NotAVideo(
                "the file looks like text, not a video".into(),
            ));
        }
    }
    let has_cover_art = streams.iter().any(|s| of_type(s, "video") && is_cover(s));

    if video.is_none() && audio.is_none() {
        return Err(MediaError::NotAVideo(
            "the file contains no video or audio stream".into(),
        ));
    }
    if let (Some(_), None) = (video, audio) {
        if is_still_image_format(format_name) {
            return Err(MediaError::NotAVideo(
                "the file is a still image, not a video".into(),
            ));
        }
    }

    let mut duration = as_f64(format.get("duration")).unwrap_or(0.0);
    if duration <= 0.0 {
        duration = streams
            .iter()
            .filter_map(|s| as_f64(s.get("duration")))
            .fold(0.0, f64::max);
    }

    let (mut width, mut height, mut fps) = (0u32, 0u32, 0.0);
    if let Some(v) = video {
        width = u32::try_from(as_u64(v.get("width")).unwrap_or(0)).unwrap_or(0);
        height = u32::try_from(as_u64(v.get("height")).unwrap_or(0)).unwrap_or(0);
        if rotation_of(v).rem_euclid(180) == 90 {
            std::mem::swap(&mut width, &mut height);
        }
        // avg_frame_rate reflects what is actually stored; r_frame_rate is
        // a guess that is often 90k or 1000 for VFR/webm inputs.
        fps = ["avg_frame_rate", "r_frame_rate"]
            .iter()
            .find_map(|k| v.get(*k).and_then(Value::as_str).and_then(parse_rate))
            .filter(|r| *r <= 1000.0)
            .unwrap_or(0.0);
    }

    let codec = |s: Option<&Value>| {
        s.and_then(|s| s.get("codec_name"))
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    let size_bytes = as_u64(format.get("size")).unwrap_or(file_size);
    let mut bitrate = as_u64(format.get("bit_rate")).unwrap_or(0);
    if bitrate == 0 && duration > 0.0 {
        bitrate = (size_bytes as f64 * 8.0 / duration) as u64;
    }

    let video_stream_index = video
        .and_then(|v| as_u64(v.get("index")))
        .and_then(|i| u32::try_from(i).ok());
    let audio_stream_index = audio
        .and_then(|a| as_u64(a.get("index")))
        .and_then(|i| u32::try_from(i).ok());
    let video_codec = codec(video);
    let audio_codec = codec(audio);
    let (has_video, has_audio) = (video.is_some(), audio.is_some());

    Ok(ProbeInfo {
        duration_secs: duration,
        size_bytes,
        has_video,
        has_audio,
        width,
        height,
        fps,
        video_codec,
        audio_codec,
        bitrate,
        raw,
        has_cover_art,
        video_stream_index,
        audio_stream_index,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn rates() {
        assert_eq!(parse_rate("30/1"), Some(30.0));
        assert!((parse_rate("30000/1001").unwrap_or(0.0) - 29.97).abs() < 0.01);
        assert_eq!(parse_rate("0/0"), None);
        assert_eq!(parse_rate("25"), Some(25.0));
    }

    #[test]
    fn rotated_phone_video_is_portrait() {
        let raw = json!({
            "streams": [{"codec_type": "video", "codec_name": "h264", "width": 1920, "height": 1080,
                         "avg_frame_rate": "30/1", "side_data_list": [{"rotation": -90}]},
                        {"codec_type": "audio", "codec_name": "aac"}],
            "format": {"duration": "10.0", "size": "1000", "bit_rate": "800", "format_name": "mov,mp4"}
        });
        let p = parse_probe(raw, 1000).unwrap();
        assert_eq!((p.width, p.height), (1080, 1920));
        assert!(p.is_portrait());
        assert_eq!(p.resolution(), 1080);
    }

    #[test]
    fn cover_art_is_not_video() {
        let raw = json!({
            "streams": [{"codec_type": "audio", "codec_name": "mp3", "index": 0},
                        {"codec_type": "video", "codec_name": "mjpeg", "width": 500, "height": 500,
                         "disposition": {"attached_pic": 1}}],
            "format": {"duration": "3.0", "format_name": "mp3"}
        });
        let p = parse_probe(raw, 1000).unwrap();
        assert_eq!(p.video_map(), "0:v:0");
        assert!(!p.has_video);
        assert!(p.has_audio);
        assert!(p.has_cover_art);
        assert_eq!(p.audio_map(), "0:0");
    }

    #[test]
    fn still_image_is_rejected() {
        let raw = json!({
            "streams": [{"codec_type": "video", "codec_name": "png", "width": 10, "height": 10}],
            "format": {"format_name": "png_pipe"}
        });
        assert!(matches!(
            parse_probe(raw, 10),
            Err(MediaError::NotAVideo(_))
        ));
    }

    #[test]
    fn playlists_and_text_are_rejected() {
        let raw = json!({
            "streams": [{"codec_type": "video", "codec_name": "h264", "width": 10, "height": 10}],
            "format": {"format_name": "hls"}
        });
        assert!(matches!(
            parse_probe(raw, 10),
            Err(MediaError::NotAVideo(_))
        ));
        let raw = json!({
            "streams": [{"codec_type": "video", "codec_name": "ansi", "width": 640, "height": 400}],
            "format": {"format_name": "something"}
        });
        assert!(matches!(
            parse_probe(raw, 10),
            Err(MediaError::NotAVideo(_))
        ));
    }

    #[test]
    fn pins_demuxer() {
        let raw = json!({
            "streams": [{"codec_type": "audio", "codec_name": "aac"}],
            "format": {"format_name": "mov,mp4,m4a,3gp,3g2,mj2", "duration": "1"}
        });
        let p = parse_probe(raw, 10).unwrap();
        assert_eq!(p.input_format_args(), vec!["-f", "mov"]);
    }

    #[test]
    fn no_streams_is_rejected() {
        let raw = json!({"streams": [], "format": {"format_name": "tty"}});
        assert!(matches!(
            parse_probe(raw, 10),
            Err(MediaError::NotAVideo(_))
        ));
    }
}
