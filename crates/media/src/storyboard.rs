//! Storyboards: one JPEG sprite sheet of frames taken at regular intervals, which players show
//! when the viewer hovers the progress bar. Sizes and counts are PeerTube's
//! (`STORYBOARD` in constants.ts, `generate-storyboard.ts`): sprites at most 192 pixels on their
//! long edge, one per second up to 100, in rows of at most 10.

use std::ffi::OsString;
use std::path::Path;
use std::time::Duration;

use crate::process::run_ffmpeg;
use crate::{MediaError, ProbeInfo};

/// PeerTube's STORYBOARD.SPRITE_MAX_SIZE.
pub const SPRITE_MAX_SIZE: u32 = 192;
/// PeerTube's STORYBOARD.SPRITES_MAX_EDGE_COUNT.
pub const SPRITES_MAX_EDGE_COUNT: u32 = 10;

const STORYBOARD_TIMEOUT: Duration = Duration::from_secs(300);

/// The sprite sheet's geometry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoryboardLayout {
    pub sprite_width: u32,
    pub sprite_height: u32,
    /// Seconds of video per sprite.
    pub sprite_duration: u32,
    pub sprites: u32,
    pub columns: u32,
    pub rows: u32,
}

impl StoryboardLayout {
    pub fn total_width(&self) -> u32 {
        self.sprite_width * self.columns
    }
    pub fn total_height(&self) -> u32 {
        self.sprite_height * self.rows
    }
}

fn even(x: f64) -> u32 {
    let n = x.round().max(2.0) as u32;
    n - n % 2
}

/// The layout PeerTube picks for a video of `width`x`height` lasting `duration_secs`; `None`
/// without a picture or a duration.
pub fn storyboard_layout(width: u32, height: u32, duration_secs: f64) -> Option<StoryboardLayout> {
    if width == 0 || height == 0 || !duration_secs.is_finite() || duration_secs <= 0.0 {
        return None;
    }
    let ratio = width as f64 / height as f64;
    let (sprite_width, sprite_height) = if width >= height {
        (SPRITE_MAX_SIZE, even(SPRITE_MAX_SIZE as f64 / ratio))
    } else {
        (even(SPRITE_MAX_SIZE as f64 * ratio), SPRITE_MAX_SIZE)
    };
    let max_sprites = SPRITES_MAX_EDGE_COUNT * SPRITES_MAX_EDGE_COUNT;
    let whole = duration_secs.ceil().max(1.0) as u32;
    let sprites = whole.min(max_sprites);
    let sprite_duration = if sprites <= SPRITES_MAX_EDGE_COUNT {
        1
    } else {
        whole.div_ceil(sprites)
    };
    // Sprites that would start past the end are not taken.
    let sprites = sprites.min(whole.div_ceil(sprite_duration)).max(1);
    let (columns, rows) = if sprites <= SPRITES_MAX_EDGE_COUNT {
        (sprites, 1)
    } else {
        (
            SPRITES_MAX_EDGE_COUNT,
            sprites.div_ceil(SPRITES_MAX_EDGE_COUNT),
        )
    };
    Some(StoryboardLayout {
        sprite_width,
        sprite_height,
        sprite_duration,
        sprites,
        columns,
        rows,
    })
}

/// Writes the sprite sheet of `input` to `out` (JPEG) in one decode of the video stream;
/// answers its layout, or `None` for input without a picture.
pub async fn storyboard(
    input: &Path,
    probe: &ProbeInfo,
    out: &Path,
) -> Result<Option<StoryboardLayout>, MediaError> {
    if !probe.has_video {
        return Ok(None);
    }
    let Some(layout) = storyboard_layout(probe.width, probe.height, probe.duration_secs) else {
        return Ok(None);
    };
    let _ = tokio::fs::remove_file(out).await;
    let mut args: Vec<OsString> = ["-hide_banner", "-nostdin", "-y", "-loglevel", "error"]
        .iter()
        .map(OsString::from)
        .collect();
    args.extend(probe.input_format_args());
    args.push("-i".into());
    args.push(input.as_os_str().to_owned());
    args.push("-map".into());
    args.push(probe.video_map().into());
    args.push("-an".into());
    args.push("-vf".into());
    args.push(
        format!(
            "fps=1/{d},scale={w}:{h},setsar=1,tile={c}x{r}",
            d = layout.sprite_duration,
            w = layout.sprite_width,
            h = layout.sprite_height,
            c = layout.columns,
            r = layout.rows
        )
        .into(),
    );
    for a in [
        "-frames:v",
        "1",
        "-c:v",
        "mjpeg",
        "-q:v",
        "3",
        "-f",
        "image2",
        "-update",
        "1",
    ] {
        args.push(a.into());
    }
    args.push(out.as_os_str().to_owned());
    let result = run_ffmpeg(args, STORYBOARD_TIMEOUT, None).await;
    if result.is_err() {
        let _ = tokio::fs::remove_file(out).await;
    }
    result?;
    match tokio::fs::metadata(out).await {
        Ok(m) if m.len() > 0 => Ok(Some(layout)),
        _ => Err(MediaError::Ffmpeg {
            program: "ffmpeg".into(),
            status: "exit status: 0".into(),
            stderr: "no storyboard was written".into(),
        }),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn peertubes_layouts() {
        // samples/activitypub/video-with-caption-chapters.json: 6 s of 1280x720.
        let l = storyboard_layout(1280, 720, 6.0).unwrap();
        assert_eq!(
            (l.sprite_width, l.sprite_height, l.sprite_duration),
            (192, 108, 1)
        );
        assert_eq!((l.total_width(), l.total_height()), (1152, 108));
        let l = storyboard_layout(640, 360, 1.4).unwrap();
        assert_eq!((l.columns, l.rows, l.sprite_duration), (2, 1, 1));
        let l = storyboard_layout(1920, 1080, 3600.0).unwrap();
        assert_eq!((l.columns, l.rows, l.sprite_duration), (10, 10, 36));
        let l = storyboard_layout(1920, 1080, 45.0).unwrap();
        assert_eq!((l.columns, l.rows, l.sprites), (10, 5, 45));
        let l = storyboard_layout(360, 640, 2.0).unwrap();
        assert_eq!((l.sprite_width, l.sprite_height), (108, 192));
        assert!(storyboard_layout(0, 0, 5.0).is_none());
        assert!(storyboard_layout(640, 360, 0.0).is_none());
    }
}
