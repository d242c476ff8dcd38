//! ffprobe/ffmpeg wrappers for Ferrotube: probing uploads, PeerTube's
//! resolution ladder, HLS (single-file fMP4 + byte ranges, exactly the
//! shape PeerTube produces), web-video MP4s and thumbnails.
//!
//! Everything runs ffmpeg/ffprobe as child processes (binaries overridable
//! with `FERROTUBE_FFMPEG` / `FERROTUBE_FFPROBE`); children are killed on
//! timeout and when the calling future is dropped.
//!
//! PeerTube rules followed (PeerTube 6.x sources):
//! * segment length 4 s (`-hls_time 4`, ffmpeg-vod.ts), 2 s keyframe
//!   interval (`-g fps*2`), forced at exact times here so rungs align;
//! * x264 `-preset veryfast`, VBV maxrate = average theoretical bitrate
//!   (bitrate.ts), bufsize = 2x, `-bf 16 -b_strategy 1`
//!   (default-transcoding-profiles.ts), High profile;
//! * fps caps of `computeOutputFPS` (fps.ts) with `transcoding.fps.max` 60;
//! * master playlist layout and BANDWIDTH = ceil(size * 8 / duration).
//!
//! Deliberate differences: audio is always re-encoded to AAC-LC 128 kbit/s
//! stereo (PeerTube copies AAC input when its bitrate is low enough), which
//! keeps every rendition's codec string `mp4a.40.2` and avoids ADTS/odd
//! channel layout pitfalls.

#![cfg_attr(test, allow(clippy::unwrap_used))]

mod error;
pub mod hls;
pub mod ladder;
pub mod playlist;
mod probe;
pub mod process;
pub mod storyboard;
mod thumbnails;
mod web_video;

pub use error::MediaError;
pub use hls::{transcode_hls, transcode_hls_named, HlsNames, HlsOutput, HlsRendition};
pub use ladder::{
    ladder, ladder_with_original, output_dimensions, plan_rungs, target_fps, target_fps_with,
    target_video_bitrate, target_video_bitrate_with, RungPlan,
};
pub use probe::{probe, probe_image, ProbeInfo};
pub use storyboard::{storyboard, storyboard_layout, StoryboardLayout};
pub use thumbnails::{thumbnail, PREVIEW_SIZE, THUMBNAIL_SIZE};
pub use web_video::transcode_web_video;
