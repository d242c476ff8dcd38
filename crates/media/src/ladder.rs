//! Resolution ladder, frame-rate caps and bitrate targets, following
//! PeerTube's rules (server/core/lib/transcoding/*, packages/core-utils
//! bitrate.ts and the "default" transcoding profile).

use crate::ProbeInfo;

/// PeerTube's `transcoding.fps.max` default (config/default.yaml).
pub const DEFAULT_MAX_FPS: u32 = 60;

/// Resolutions to produce for `input`, highest first.
///
/// Keeps the enabled heights that do not exceed the input's resolution (the
/// smaller side, so a 1080x1920 portrait clip counts as 1080p, as in
/// PeerTube). When nothing remains (tiny input) the input's own resolution
/// is used so every upload gets at least one rendition. Audio-only input
/// yields `[0]` (PeerTube's "resolution 0" = audio only). A `0` in
/// `enabled` adds an audio-only rendition for inputs that have audio.
pub fn ladder(input: &ProbeInfo, enabled: &[u32]) -> Vec<u32> {
    ladder_with_original(input, enabled, false)
}

/// Like [`ladder`], but with PeerTube's
/// `transcoding.always_transcode_original_resolution`: the input's own
/// resolution is always included, even when it is not an enabled rung.
pub fn ladder_with_original(input: &ProbeInfo, enabled: &[u32], keep_original: bool) -> Vec<u32> {
    if !input.has_video {
        return vec![0];
    }
    let side = input.resolution();
    let mut out: Vec<u32> = enabled
        .iter()
        .copied()
        .filter(|r| *r > 0 && *r <= side)
        .collect();
    if (out.is_empty() || keep_original) && side > 0 {
        out.push(side);
    }
    out.sort_unstable_by(|a, b| b.cmp(a));
    out.dedup();
    if input.has_audio && enabled.contains(&0) {
        out.push(0);
    }
    out
}

/// Output frame rate for a transcoded (non-original) rung, with PeerTube's
/// default cap of 60 fps. See [`target_fps_with`].
pub fn target_fps(input_fps: f64, resolution: u32) -> u32 {
    target_fps_with(input_fps, resolution, false, DEFAULT_MAX_FPS)
}

/// PeerTube's `computeOutputFPS` (server/core/lib/transcoding/fps.ts):
///
/// * the input fps is first rounded to an integer (PeerTube's
///   `getVideoStreamFPS` rounds), unknown fps (0) is taken as 30;
/// * below 720p, unless this is the original resolution, fps above 30 is
///   brought down to the largest of 24/25/30 that divides it (else the one
///   with the smallest remainder): 60 -> 30, 50 -> 25, 48 -> 24;
/// * fps is at least 1;
/// * above `max_fps` it is brought down to the largest of 50/60/max that
///   divides it (else smallest remainder), e.g. 120 -> 60, 100 -> 50.
///
/// Resolution 0 (audio only) has no frame rate and returns 0.
pub fn target_fps_with(input_fps: f64, resolution: u32, is_original: bool, max_fps: u32) -> u32 {
    if resolution == 0 {
        return 0;
    }
    let max_fps = max_fps.max(1);
    let mut fps = if input_fps.is_finite() && input_fps > 0.0 {
        input_fps.round() as u32
    } else {
        30
    };
    let mut standard: Vec<u32> = [24, 25, 30].into_iter().filter(|v| *v <= max_fps).collect();
    if standard.is_empty() {
        standard.push(max_fps);
    }
    let hd_standard: Vec<u32> = [50, 60, max_fps]
        .into_iter()
        .filter(|v| *v <= max_fps)
        .collect();
    let average = max_fps.min(30);

    if !is_original && resolution < 720 && fps > average {
        fps = closest_framerate(fps, &standard);
    }
    fps = fps.max(1);
    if fps > max_fps {
        fps = closest_framerate(fps, &hd_standard);
    }
    fps
}

/// PeerTube's `getClosestFramerate`: biggest candidate dividing `fps`,
/// else the one leaving the smallest remainder.
fn closest_framerate(fps: u32, candidates: &[u32]) -> u32 {
    let mut desc = candidates.to_vec();
    desc.sort_unstable_by(|a, b| b.cmp(a));
    if let Some(found) = desc
        .iter()
        .copied()
        .find(|c| fps.checked_rem(*c) == Some(0))
    {
        return found;
    }
    // Stable sort on the remainder keeps PeerTube's tie-breaking order.
    let mut asc = candidates.to_vec();
    asc.sort_by_key(|c| if *c == 0 { u32::MAX } else { fps % c });
    asc.first().copied().unwrap_or(fps)
}

/// Bits per pixel per frame PeerTube targets (packages/core-utils
/// src/videos/bitrate.ts, "average"/"min" tables, after bitmovin).
fn bits_per_pixel(resolution: u32, table: Table) -> f64 {
    const ORDER: [(u32, f64, f64); 8] = [
        (2160, 0.08, 0.02),
        (1440, 0.09, 0.02),
        (1080, 0.10, 0.02),
        (720, 0.11, 0.02),
        (480, 0.12, 0.02),
        (360, 0.15, 0.02),
        (240, 0.17, 0.02),
        (144, 0.19, 0.02),
    ];
    ORDER
        .iter()
        .find(|(r, _, _)| *r <= resolution)
        .map(|(_, avg, min)| match table {
            Table::Average => *avg,
            Table::Min => *min,
        })
        .unwrap_or(0.0)
}

#[derive(Clone, Copy)]
enum Table {
    Average,
    Min,
}

/// PeerTube's `calculateBitrate`: pixels per second times bits per pixel,
/// where the other side is derived from the aspect `ratio` (width/height).
fn calculate_bitrate(resolution: u32, ratio: f64, fps: u32, table: Table) -> u64 {
    let size1 = f64::from(resolution);
    let size2 = if ratio > 0.0 && ratio < 1.0 {
        size1 / ratio
    } else {
        size1 * ratio
    };
    (size1 * size2 * f64::from(fps) * bits_per_pixel(resolution, table)).floor() as u64
}

/// Average target bitrate (bit/s) for a 16:9 rung, PeerTube's
/// `getAverageTheoreticalBitrate`; e.g. 720p30 -> 3_041_280,
/// 1080p30 -> 6_220_800. Used as x264's `-maxrate` (with a 2x bufsize).
/// Falls back to 192 kbit/s below 144p, like PeerTube.
pub fn target_video_bitrate(resolution: u32, fps: u32) -> u64 {
    let avg = calculate_bitrate(resolution, 16.0 / 9.0, fps, Table::Average);
    if avg == 0 {
        192_000
    } else {
        avg
    }
}

/// PeerTube's `getTargetBitrate` from the default x264 profile: the average
/// for the real aspect ratio, capped at the input bitrate + 30 % (no point
/// spending more bits than the source had), floored at the "min" table.
pub fn target_video_bitrate_with(resolution: u32, fps: u32, ratio: f64, input_bitrate: u64) -> u64 {
    let ratio = if ratio.is_finite() && ratio > 0.0 {
        ratio
    } else {
        16.0 / 9.0
    };
    let mut avg = calculate_bitrate(resolution, ratio, fps, Table::Average);
    if avg == 0 {
        avg = 192_000;
    }
    let capped = if input_bitrate > 0 {
        avg.min(input_bitrate + input_bitrate * 3 / 10)
    } else {
        avg
    };
    let mut min = calculate_bitrate(resolution, ratio, fps, Table::Min);
    if min == 0 {
        min = 10_000;
    }
    capped.max(min)
}

/// Output frame size for a rung: the rung is the smaller side (height for
/// landscape, width for portrait), the other side keeps the aspect ratio,
/// both even (x264 with 4:2:0 needs even sizes). Matches ffmpeg's
/// `scale=-2:<res>` rounding, hence PeerTube's 854x480 / 426x240 / 256x144.
pub fn output_dimensions(in_width: u32, in_height: u32, resolution: u32) -> (u32, u32) {
    if resolution == 0 || in_width == 0 || in_height == 0 {
        return (0, 0);
    }
    let even = |v: u64| u32::try_from((v / 2 * 2).max(2)).unwrap_or(!1);
    let other = |short: u32, long_in: u32, short_in: u32| -> u32 {
        // round(short * long_in / short_in / 2) * 2, like av_rescale.
        let num = u64::from(short) * u64::from(long_in);
        let den = u64::from(short_in) * 2;
        even((num + den / 2) / den * 2)
    };
    if in_width < in_height {
        let w = even(u64::from(resolution));
        (w, other(w, in_height, in_width))
    } else {
        let h = even(u64::from(resolution));
        (other(h, in_width, in_height), h)
    }
}

/// Everything needed to encode one rung.
#[derive(Debug, Clone, PartialEq)]
pub struct RungPlan {
    pub resolution: u32,
    pub width: u32,
    pub height: u32,
    pub fps: u32,
    /// Whether the fps differs from the (rounded) input fps, i.e. an `fps`
    /// filter is needed; otherwise the source timing is kept untouched.
    pub resample_fps: bool,
    /// x264 `-maxrate` in bit/s (bufsize is twice this).
    pub max_bitrate: u64,
}

/// Plans the video rungs of `resolutions` (0 = audio only gets a plan with
/// zero size, fps and bitrate).
pub fn plan_rungs(input: &ProbeInfo, resolutions: &[u32]) -> Vec<RungPlan> {
    let ratio = if input.height > 0 {
        f64::from(input.width) / f64::from(input.height)
    } else {
        16.0 / 9.0
    };
    let rounded_input = if input.fps > 0.0 {
        input.fps.round() as u32
    } else {
        0
    };
    resolutions
        .iter()
        .map(|&resolution| {
            if resolution == 0 {
                return RungPlan {
                    resolution,
                    width: 0,
                    height: 0,
                    fps: 0,
                    resample_fps: false,
                    max_bitrate: 0,
                };
            }
            let (width, height) = output_dimensions(input.width, input.height, resolution);
            let fps = target_fps_with(
                input.fps,
                resolution,
                resolution == input.resolution(),
                DEFAULT_MAX_FPS,
            );
            RungPlan {
                resolution,
                width,
                height,
                fps,
                resample_fps: fps != rounded_input,
                max_bitrate: target_video_bitrate_with(resolution, fps, ratio, input.bitrate),
            }
        })
        .collect()
}

#[cfg(test)]
#[allow(clippy::indexing_slicing, clippy::string_slice)]
mod tests {
    use super::*;

    const ALL: [u32; 8] = [144, 240, 360, 480, 720, 1080, 1440, 2160];

    fn video(w: u32, h: u32) -> ProbeInfo {
        ProbeInfo {
            duration_secs: 10.0,
            size_bytes: 1,
            has_video: true,
            has_audio: true,
            width: w,
            height: h,
            fps: 30.0,
            video_codec: Some("h264".into()),
            audio_codec: Some("aac".into()),
            bitrate: 0,
            raw: serde_json::Value::Null,
            has_cover_art: false,
            video_stream_index: None,
            audio_stream_index: None,
        }
    }

    #[test]
    fn ladder_720p() {
        assert_eq!(
            ladder(&video(1280, 720), &ALL),
            vec![720, 480, 360, 240, 144]
        );
    }

    #[test]
    fn ladder_portrait_uses_smaller_side() {
        assert_eq!(
            ladder(&video(720, 1280), &ALL),
            vec![720, 480, 360, 240, 144]
        );
        assert_eq!(
            ladder(&video(1080, 1920), &[360, 1080, 2160]),
            vec![1080, 360]
        );
    }

    #[test]
    fn ladder_tiny_keeps_own_resolution() {
        assert_eq!(ladder(&video(100, 56), &ALL), vec![56]);
    }

    #[test]
    fn ladder_audio_only() {
        let mut p = video(0, 0);
        p.has_video = false;
        assert_eq!(ladder(&p, &ALL), vec![0]);
    }

    #[test]
    fn ladder_original_and_audio_rung() {
        assert_eq!(
            ladder_with_original(&video(1000, 600), &[360, 720], true),
            vec![600, 360]
        );
        assert_eq!(ladder(&video(640, 360), &[0, 360, 720]), vec![360, 0]);
        let mut silent = video(640, 360);
        silent.has_audio = false;
        assert_eq!(ladder(&silent, &[0, 360]), vec![360]);
    }

    #[test]
    fn fps_caps() {
        assert_eq!(target_fps(60.0, 1080), 60);
        assert_eq!(target_fps(60.0, 720), 60);
        assert_eq!(target_fps(60.0, 480), 30);
        assert_eq!(target_fps(50.0, 360), 25);
        assert_eq!(target_fps(48.0, 240), 24);
        assert_eq!(target_fps(59.94, 480), 30);
        assert_eq!(target_fps(29.97, 144), 30);
        assert_eq!(target_fps(24.0, 144), 24);
        assert_eq!(target_fps(120.0, 1080), 60);
        assert_eq!(target_fps(100.0, 1080), 50);
        assert_eq!(target_fps(0.5, 1080), 1);
        assert_eq!(target_fps(30.0, 0), 0);
        // The original resolution keeps its fps even below 720p.
        assert_eq!(target_fps_with(60.0, 480, true, 60), 60);
    }

    #[test]
    fn bitrates_match_peertube() {
        // floor(720 * 1280 * 30 * 0.11)
        assert_eq!(target_video_bitrate(720, 30), 3_041_280);
        assert_eq!(target_video_bitrate(1080, 30), 6_220_800);
        assert_eq!(target_video_bitrate(100, 30), 192_000);
        // Capped at input + 30 %, floored at the min table.
        assert_eq!(
            target_video_bitrate_with(720, 30, 16.0 / 9.0, 1_000_000),
            1_300_000
        );
        assert_eq!(target_video_bitrate_with(720, 30, 16.0 / 9.0, 1), 552_960);
        // Portrait: ratio < 1 uses resolution / ratio for the other side.
        assert_eq!(target_video_bitrate_with(720, 30, 9.0 / 16.0, 0), 3_041_280);
    }

    #[test]
    fn dimensions_like_peertube() {
        assert_eq!(output_dimensions(1920, 1080, 1080), (1920, 1080));
        assert_eq!(output_dimensions(1920, 1080, 720), (1280, 720));
        assert_eq!(output_dimensions(1920, 1080, 480), (854, 480));
        assert_eq!(output_dimensions(1920, 1080, 360), (640, 360));
        assert_eq!(output_dimensions(1920, 1080, 240), (426, 240));
        assert_eq!(output_dimensions(1920, 1080, 144), (256, 144));
        assert_eq!(output_dimensions(1080, 1920, 480), (480, 854));
        assert_eq!(output_dimensions(101, 57, 57), (100, 56));
        assert_eq!(output_dimensions(0, 0, 0), (0, 0));
    }

    #[test]
    fn plan_marks_fps_resampling() {
        let mut p = video(1280, 720);
        p.fps = 60.0;
        let plan = plan_rungs(&p, &[720, 480]);
        assert_eq!(plan[0].fps, 60);
        assert!(!plan[0].resample_fps);
        assert_eq!(plan[1].fps, 30);
        assert!(plan[1].resample_fps);
        assert_eq!((plan[1].width, plan[1].height), (854, 480));
    }
}
