//! "Web video" files: one progressive MP4 per resolution.

use std::ffi::OsString;
use std::path::Path;

use crate::hls::{audio_encoder_args, rung_filter, video_encoder_args};
use crate::ladder::plan_rungs;
use crate::process::{run_ffmpeg, transcode_timeout};
use crate::{MediaError, ProbeInfo};

/// Encodes `input` to a plain MP4 (H.264 High + AAC, `+faststart` so it
/// starts playing before it is fully downloaded) at `resolution`, with the
/// same encoder settings as the HLS rungs. Resolution 0 gives an audio-only
/// MP4, as PeerTube does. On error `out` is removed.
pub async fn transcode_web_video(
    input: &Path,
    out: &Path,
    probe: &ProbeInfo,
    resolution: u32,
) -> Result<(), MediaError> {
    if resolution > 0 && !probe.has_video {
        return Err(MediaError::InvalidRequest(format!(
            "cannot produce {resolution}p from a file without video"
        )));
    }
    if resolution == 0 && !probe.has_audio {
        return Err(MediaError::InvalidRequest(
            "cannot produce an audio-only file from a file without audio".into(),
        ));
    }
    let mut args: Vec<OsString> = ["-hide_banner", "-nostdin", "-y", "-loglevel", "error"]
        .iter()
        .map(OsString::from)
        .collect();
    args.extend(probe.input_format_args());
    args.push("-i".into());
    args.push(input.as_os_str().to_owned());

    let mut opts: Vec<String> = Vec::new();
    if resolution > 0 {
        let plans = plan_rungs(probe, &[resolution]);
        if let Some(plan) = plans.first() {
            opts.extend([
                "-filter_complex".into(),
                rung_filter(plan, &probe.video_map(), "v0"),
                "-map".into(),
                "[v0]".into(),
            ]);
            opts.extend(video_encoder_args(plan));
        }
    }
    if probe.has_audio {
        opts.extend(["-map".into(), probe.audio_map()]);
        opts.extend(audio_encoder_args());
    }
    opts.extend(
        [
            "-map_metadata",
            "-1",
            "-max_muxing_queue_size",
            "1024",
            "-movflags",
            "+faststart",
            "-f",
            "mp4",
        ]
        .map(String::from),
    );
    args.extend(opts.into_iter().map(OsString::from));
    args.push(out.as_os_str().to_owned());

    let result = run_ffmpeg(args, transcode_timeout(probe.duration_secs), None).await;
    if result.is_err() {
        let _ = tokio::fs::remove_file(out).await;
    }
    result
}
