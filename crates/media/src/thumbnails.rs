//! Thumbnails and previews.

use std::ffi::OsString;
use std::path::Path;
use std::time::Duration;

use crate::process::run_ffmpeg;
use crate::{MediaError, ProbeInfo};

/// PeerTube's thumbnail size (THUMBNAILS_SIZE in constants.ts).
pub const THUMBNAIL_SIZE: (u32, u32) = (280, 157);
/// PeerTube's preview size (PREVIEWS_SIZE in constants.ts).
pub const PREVIEW_SIZE: (u32, u32) = (850, 480);

const THUMBNAIL_TIMEOUT: Duration = Duration::from_secs(120);
/// Background of audio-only thumbnails, close to PeerTube's dark player.
const AUDIO_BACKGROUND: &str = "0x1e1e1e";

/// Writes a JPEG of exactly `width`x`height` to `out`.
///
/// Takes the frame at half the duration (keeping clear of the last frames,
/// where seeking can land past the end), scales it to cover the box and
/// crops the overflow, like PeerTube's "cover" fit. Audio-only input uses
/// its cover art when it has one, else a plain dark image.
pub async fn thumbnail(
    input: &Path,
    probe: &ProbeInfo,
    out: &Path,
    width: u32,
    height: u32,
) -> Result<(), MediaError> {
    if width == 0 || height == 0 {
        return Err(MediaError::InvalidRequest(format!(
            "thumbnail size {width}x{height}"
        )));
    }
    let result = make_thumbnail(input, probe, out, width, height).await;
    if result.is_err() {
        let _ = tokio::fs::remove_file(out).await;
    }
    result
}

/// Crops the source to the target aspect first and scales last: cropping
/// a 4:2:0 frame rounds to even sizes, so crop-after-scale can land one
/// pixel short of an odd target like 157.
fn cover_filter(width: u32, height: u32) -> String {
    format!(
        "crop=w='min(iw,ih*{width}/{height})':h='min(ih,iw*{height}/{width})',scale={width}:{height},setsar=1"
    )
}

fn jpeg_output(out: &Path) -> Vec<OsString> {
    // image2 + -update 1 writes one file at exactly `out`, whatever its
    // name (no %d pattern expansion).
    [
        "-frames:v",
        "1",
        "-an",
        "-c:v",
        "mjpeg",
        "-q:v",
        "2",
        "-f",
        "image2",
        "-update",
        "1",
    ]
    .iter()
    .map(OsString::from)
    .chain(std::iter::once(out.as_os_str().to_owned()))
    .collect()
}

fn base_args() -> Vec<OsString> {
    ["-hide_banner", "-nostdin", "-y", "-loglevel", "error"]
        .iter()
        .map(OsString::from)
        .collect()
}

async fn frame_at(
    input: &Path,
    probe: &ProbeInfo,
    seek: Option<f64>,
    stream: &str,
    out: &Path,
    width: u32,
    height: u32,
) -> Result<(), MediaError> {
    let mut args = base_args();
    if let Some(t) = seek {
        // Input seeking: fast (jumps to the previous keyframe, then decodes
        // forward accurately).
        args.push("-ss".into());
        args.push(format!("{t:.3}").into());
    }
    args.extend(probe.input_format_args());
    args.push("-i".into());
    args.push(input.as_os_str().to_owned());
    args.push("-map".into());
    args.push(stream.into());
    args.push("-vf".into());
    args.push(cover_filter(width, height).into());
    args.extend(jpeg_output(out));
    run_ffmpeg(args, THUMBNAIL_TIMEOUT, None).await?;
    // A seek past the last frame "succeeds" without writing anything.
    match tokio::fs::metadata(out).await {
        Ok(m) if m.len() > 0 => Ok(()),
        _ => Err(MediaError::Ffmpeg {
            program: "ffmpeg".into(),
            status: "exit status: 0".into(),
            stderr: "no frame could be extracted".into(),
        }),
    }
}

async fn plain_image(out: &Path, width: u32, height: u32) -> Result<(), MediaError> {
    let mut args = base_args();
    args.extend(
        [
            "-f".into(),
            "lavfi".into(),
            "-i".into(),
            format!("color=c={AUDIO_BACKGROUND}:s=16x16:d=1"),
            // The color source rounds odd sizes down to even; scale does not.
            "-vf".into(),
            format!("scale={width}:{height},setsar=1"),
        ]
        .map(OsString::from),
    );
    args.extend(jpeg_output(out));
    run_ffmpeg(args, THUMBNAIL_TIMEOUT, None).await
}

async fn make_thumbnail(
    input: &Path,
    probe: &ProbeInfo,
    out: &Path,
    width: u32,
    height: u32,
) -> Result<(), MediaError> {
    let _ = tokio::fs::remove_file(out).await;
    if probe.has_video {
        let d = probe.duration_secs;
        let seek = if d.is_finite() && d > 1.0 {
            (d / 2.0).clamp(0.0, (d - 1.0).max(0.0))
        } else {
            0.0
        };
        let stream = probe.video_map();
        return match frame_at(input, probe, Some(seek), &stream, out, width, height).await {
            Ok(()) => Ok(()),
            // Durations in broken containers can be wrong; the first frame
            // is always there.
            Err(MediaError::Ffmpeg { .. }) if seek > 0.0 => {
                frame_at(input, probe, None, &stream, out, width, height).await
            }
            Err(e) => Err(e),
        };
    }
    if probe.has_cover_art
        && frame_at(input, probe, None, "0:v:0", out, width, height)
            .await
            .is_ok()
    {
        return Ok(());
    }
    plain_image(out, width, height).await
}
