//! HLS transcoding: one ffmpeg process, all rungs, PeerTube-shaped output.
//!
//! The input is decoded once and `split` into one scaled branch per rung;
//! each branch feeds its own `-f hls` output so every rung lands in exactly
//! the file names the caller chose (var_stream_map cannot name files
//! freely). Every output is a single fragmented MP4 holding the init
//! segment and all media segments, addressed by byte ranges, as PeerTube
//! does (`-hls_flags single_file -hls_segment_type fmp4`).

use std::ffi::OsString;
use std::future::Future;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use tokio::sync::watch;

use crate::ladder::{plan_rungs, RungPlan};
use crate::playlist::{self, ByteRange, MasterEntry, VariantPlaylist};
use crate::process::{run_ffmpeg, transcode_timeout, Progress};
use crate::{MediaError, ProbeInfo};

/// PeerTube's `-hls_time 4` (server/core/lib/ffmpeg/ffmpeg-vod.ts).
pub const HLS_SEGMENT_SECS: u32 = 4;
/// Keyframe spacing; PeerTube uses a 2 s GOP (`-g fps*2`). Forcing them at
/// exact times keeps segment boundaries identical across rungs so players
/// can switch quality at any segment.
pub const KEYFRAME_INTERVAL_SECS: u32 = 2;
/// x264 preset of PeerTube's default VOD profile.
pub const X264_PRESET: &str = "veryfast";
/// AAC bitrate for every rendition (see crate docs for why not PeerTube's
/// copy-when-possible rule).
pub const AUDIO_BITRATE: &str = "128k";
/// RFC 6381 codec of what ffmpeg's native `aac` encoder writes (AAC-LC).
pub const AAC_LC_CODEC: &str = "mp4a.40.2";

#[derive(Debug, Clone, PartialEq)]
pub struct HlsRendition {
    /// PeerTube resolution: 0 = audio only.
    pub resolution: u32,
    pub width: u32,
    pub height: u32,
    pub fps: u32,
    pub playlist_file: String,
    pub fragmented_file: String,
    /// Size of the fragmented mp4.
    pub size_bytes: u64,
    /// Average bit/s of the fragmented mp4, as in the master playlist.
    pub bandwidth: u64,
    pub has_video: bool,
    pub has_audio: bool,
    /// RFC 6381 codecs, e.g. `avc1.64001f,mp4a.40.2`.
    pub codecs: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct HlsOutput {
    pub master_file: String,
    pub segments_sha256_file: String,
    /// In the order the resolutions were requested.
    pub renditions: Vec<HlsRendition>,
    /// Duration of the produced media (sum of the first variant's segments).
    pub duration_secs: f64,
}

/// File names for one HLS transcode, PeerTube style: each rendition gets a
/// random UUID shared by its playlist and fragmented file
/// (`<uuid>-720.m3u8`, `<uuid>-720-fragmented.mp4`), and the master and
/// checksum files get their own (`<uuid>-master.m3u8`,
/// `<uuid>-segments-sha256.json`).
#[derive(Debug, Clone, PartialEq)]
pub struct HlsNames {
    pub master: String,
    pub segments_sha256: String,
    /// (resolution, playlist file, fragmented mp4 file)
    pub renditions: Vec<(u32, String, String)>,
}

impl HlsNames {
    pub fn generate(resolutions: &[u32]) -> Self {
        let id = || uuid::Uuid::new_v4().to_string();
        HlsNames {
            master: format!("{}-master.m3u8", id()),
            segments_sha256: format!("{}-segments-sha256.json", id()),
            renditions: resolutions
                .iter()
                .map(|&r| {
                    let u = id();
                    (
                        r,
                        format!("{u}-{r}.m3u8"),
                        format!("{u}-{r}-fragmented.mp4"),
                    )
                })
                .collect(),
        }
    }

    /// (playlist, fragmented mp4) for `resolution`; unknown resolutions get
    /// fresh names so this can be passed straight to [`transcode_hls`].
    pub fn rendition(&self, resolution: u32) -> (String, String) {
        self.renditions
            .iter()
            .find(|(r, _, _)| *r == resolution)
            .map(|(_, p, f)| (p.clone(), f.clone()))
            .unwrap_or_else(|| {
                let u = uuid::Uuid::new_v4();
                (
                    format!("{u}-{resolution}.m3u8"),
                    format!("{u}-{resolution}-fragmented.mp4"),
                )
            })
    }
}

/// Transcodes `input` into an HLS ladder inside `out_dir`.
///
/// `resolutions` are PeerTube resolutions (see [`crate::ladder`]); 0 means
/// an audio-only rendition. `names(resolution)` returns the (variant
/// playlist, fragmented mp4) file names. Writes the variant playlists and
/// fragmented files, `master_name` and `sha_name`
/// (segments-sha256.json). On error, whatever was written is removed.
///
/// If `progress` is given it receives 0..=100.
///
/// This is an ordinary function returning a `Send + 'static` future (names
/// are resolved and arguments copied up front) so the job can be spawned
/// even though `names` is a non-`Sync` `&dyn Fn`.
#[allow(clippy::too_many_arguments)]
pub fn transcode_hls(
    input: &Path,
    out_dir: &Path,
    probe: &ProbeInfo,
    resolutions: &[u32],
    names: &dyn Fn(u32) -> (String, String),
    master_name: &str,
    sha_name: &str,
    progress: Option<watch::Sender<f32>>,
) -> impl Future<Output = Result<HlsOutput, MediaError>> + Send + 'static {
    let job = HlsJob {
        input: input.to_owned(),
        out_dir: out_dir.to_owned(),
        probe: probe.clone(),
        rungs: resolutions
            .iter()
            .map(|&r| {
                let (p, f) = names(r);
                (r, p, f)
            })
            .collect(),
        master: master_name.to_owned(),
        sha: sha_name.to_owned(),
    };
    async move {
        let written = job.all_files();
        let result = job.run(progress).await;
        if result.is_err() {
            for f in written {
                let _ = tokio::fs::remove_file(&f).await;
            }
        }
        result
    }
}

/// [`transcode_hls`] with names from an [`HlsNames`].
pub fn transcode_hls_named(
    input: &Path,
    out_dir: &Path,
    probe: &ProbeInfo,
    names: &HlsNames,
    progress: Option<watch::Sender<f32>>,
) -> impl Future<Output = Result<HlsOutput, MediaError>> + Send + 'static {
    let resolutions: Vec<u32> = names.renditions.iter().map(|(r, _, _)| *r).collect();
    transcode_hls(
        input,
        out_dir,
        probe,
        &resolutions,
        &|r| names.rendition(r),
        &names.master,
        &names.segments_sha256,
        progress,
    )
}

/// x264 options shared by every video rung (and the benchmark), modelled
/// on PeerTube's default VOD profile: preset veryfast, CRF default (23)
/// constrained by VBV maxrate = target and bufsize = 2x target, 16
/// B-frames with b_strategy 1, 2 s GOP; plus `-profile:v high` (PeerTube's
/// files are High profile, avc1.64xxxx) and forced keyframes so all rungs
/// cut segments at the same instants.
pub fn video_encoder_args(plan: &RungPlan) -> Vec<String> {
    let gop = (plan.fps.max(1) * KEYFRAME_INTERVAL_SECS).to_string();
    vec![
        "-c:v".into(),
        "libx264".into(),
        "-preset".into(),
        X264_PRESET.into(),
        "-profile:v".into(),
        "high".into(),
        "-maxrate:v".into(),
        plan.max_bitrate.to_string(),
        "-bufsize:v".into(),
        (plan.max_bitrate * 2).to_string(),
        "-bf".into(),
        "16".into(),
        "-b_strategy".into(),
        "1".into(),
        "-g:v".into(),
        gop.clone(),
        "-keyint_min:v".into(),
        gop,
        "-force_key_frames:v".into(),
        format!("expr:gte(t,n_forced*{KEYFRAME_INTERVAL_SECS})"),
    ]
}

/// AAC-LC stereo, as PeerTube forces stereo for HLS playback in Chrome.
pub fn audio_encoder_args() -> Vec<String> {
    vec![
        "-c:a".into(),
        "aac".into(),
        "-b:a".into(),
        AUDIO_BITRATE.into(),
        "-ac".into(),
        "2".into(),
    ]
}

/// The per-rung branch of the filter graph, reading `[label_in]` and
/// writing `[label_out]`. Dropping frames before scaling is cheaper.
pub fn rung_filter(plan: &RungPlan, label_in: &str, label_out: &str) -> String {
    let fps = if plan.resample_fps {
        format!("fps={},", plan.fps)
    } else {
        String::new()
    };
    format!(
        "[{label_in}]{fps}scale={}:{},format=yuv420p[{label_out}]",
        plan.width, plan.height
    )
}

/// Full filter graph: decode `input` (a stream specifier such as `0:v:0`)
/// once, split to every video rung. Labels are `v0`, `v1`, ... in the order
/// of `plans`.
pub fn split_filter_graph(input: &str, plans: &[&RungPlan]) -> String {
    match plans {
        [] => String::new(),
        [one] => rung_filter(one, input, "v0"),
        many => {
            let mut g = format!("[{input}]split={}", many.len());
            for i in 0..many.len() {
                g.push_str(&format!("[s{i}]"));
            }
            for (i, p) in many.iter().enumerate() {
                g.push(';');
                g.push_str(&rung_filter(p, &format!("s{i}"), &format!("v{i}")));
            }
            g
        }
    }
}

struct HlsJob {
    input: PathBuf,
    out_dir: PathBuf,
    probe: ProbeInfo,
    /// (resolution, playlist, fragmented mp4)
    rungs: Vec<(u32, String, String)>,
    master: String,
    sha: String,
}

fn check_name(name: &str) -> Result<(), MediaError> {
    let bad = name.is_empty()
        || name == "."
        || name == ".."
        || name.contains(['/', '\\', '\0', '\n', '\r', '"']);
    if bad {
        return Err(MediaError::InvalidRequest(format!(
            "unusable output file name {name:?}"
        )));
    }
    Ok(())
}

fn hash_ranges(path: &Path, ranges: &[ByteRange]) -> Result<Vec<String>, MediaError> {
    let mut file = std::fs::File::open(path).map_err(|e| MediaError::io(path, e))?;
    let len = file.metadata().map_err(|e| MediaError::io(path, e))?.len();
    let mut out = Vec::with_capacity(ranges.len());
    for r in ranges {
        if r.offset.checked_add(r.length).is_none_or(|end| end > len) {
            return Err(MediaError::BadOutput {
                path: path.to_owned(),
                reason: format!("byte range {} beyond end of file ({len} bytes)", r.key()),
            });
        }
        file.seek(SeekFrom::Start(r.offset))
            .map_err(|e| MediaError::io(path, e))?;
        let mut hasher = Sha256::new();
        let hashed = std::io::copy(&mut (&mut file).take(r.length), &mut hasher)
            .map_err(|e| MediaError::io(path, e))?;
        if hashed != r.length {
            return Err(MediaError::BadOutput {
                path: path.to_owned(),
                reason: format!("byte range {} cut short at {hashed} bytes", r.key()),
            });
        }
        out.push(hex::encode(hasher.finalize()));
    }
    Ok(out)
}

fn read_prefix(path: &Path, len: u64) -> Result<Vec<u8>, MediaError> {
    let file = std::fs::File::open(path).map_err(|e| MediaError::io(path, e))?;
    let mut buf = Vec::new();
    file.take(len.min(1 << 20))
        .read_to_end(&mut buf)
        .map_err(|e| MediaError::io(path, e))?;
    Ok(buf)
}

/// What we learn from one produced variant.
struct Produced {
    playlist: VariantPlaylist,
    size: u64,
    hashes: Vec<(String, String)>,
    video_codec: Option<String>,
}

impl HlsJob {
    fn all_files(&self) -> Vec<PathBuf> {
        let mut v: Vec<PathBuf> = self
            .rungs
            .iter()
            .flat_map(|(_, p, f)| [self.out_dir.join(p), self.out_dir.join(f)])
            .collect();
        v.push(self.out_dir.join(&self.master));
        v.push(self.out_dir.join(&self.sha));
        v
    }

    fn validate(&self) -> Result<(), MediaError> {
        if self.rungs.is_empty() {
            return Err(MediaError::InvalidRequest("no resolution requested".into()));
        }
        let mut seen = std::collections::HashSet::new();
        for (r, p, f) in &self.rungs {
            if !seen.insert(*r) {
                return Err(MediaError::InvalidRequest(format!(
                    "resolution {r} requested twice"
                )));
            }
            if *r > 0 && !self.probe.has_video {
                return Err(MediaError::InvalidRequest(format!(
                    "cannot produce {r}p from a file without video"
                )));
            }
            if *r == 0 && !self.probe.has_audio {
                return Err(MediaError::InvalidRequest(
                    "cannot produce an audio-only rendition from a file without audio".into(),
                ));
            }
            check_name(p)?;
            check_name(f)?;
        }
        check_name(&self.master)?;
        check_name(&self.sha)?;
        let mut names: Vec<&String> = self.rungs.iter().flat_map(|(_, p, f)| [p, f]).collect();
        names.push(&self.master);
        names.push(&self.sha);
        let total = names.len();
        names.sort();
        names.dedup();
        if names.len() != total {
            return Err(MediaError::InvalidRequest(
                "output file names must be distinct".into(),
            ));
        }
        Ok(())
    }

    fn ffmpeg_args(&self, plans: &[RungPlan]) -> Vec<OsString> {
        let mut args: Vec<OsString> = ["-hide_banner", "-nostdin", "-y", "-loglevel", "error"]
            .iter()
            .map(OsString::from)
            .collect();
        args.extend(self.probe.input_format_args());
        args.push("-i".into());
        args.push(self.input.clone().into_os_string());

        let video_plans: Vec<&RungPlan> = plans.iter().filter(|p| p.resolution > 0).collect();
        if !video_plans.is_empty() {
            args.push("-filter_complex".into());
            args.push(split_filter_graph(&self.probe.video_map(), &video_plans).into());
        }

        let mut video_index = 0;
        for (plan, (_, playlist, fragmented)) in plans.iter().zip(&self.rungs) {
            let mut out: Vec<String> = Vec::new();
            if plan.resolution > 0 {
                out.extend(["-map".into(), format!("[v{video_index}]")]);
                video_index += 1;
                out.extend(video_encoder_args(plan));
            }
            if self.probe.has_audio {
                // ffmpeg cannot share one encoder between outputs, so AAC is
                // encoded once per rung; it costs ~1% of the x264 work.
                out.extend(["-map".into(), self.probe.audio_map()]);
                out.extend(audio_encoder_args());
            }
            out.extend(
                [
                    "-map_metadata",
                    "-1",
                    "-max_muxing_queue_size",
                    "1024",
                    "-f",
                    "hls",
                    "-hls_time",
                ]
                .map(String::from),
            );
            out.push(HLS_SEGMENT_SECS.to_string());
            out.extend(
                [
                    "-hls_list_size",
                    "0",
                    "-hls_playlist_type",
                    "vod",
                    "-hls_segment_type",
                    "fmp4",
                    "-hls_flags",
                    "single_file",
                    "-hls_segment_filename",
                ]
                .map(String::from),
            );
            args.extend(out.into_iter().map(OsString::from));
            args.push(self.out_dir.join(fragmented).into_os_string());
            args.push(self.out_dir.join(playlist).into_os_string());
        }
        args
    }

    async fn inspect(&self, playlist_name: &str, fragmented: &str) -> Result<Produced, MediaError> {
        let playlist_path = self.out_dir.join(playlist_name);
        let text = tokio::fs::read_to_string(&playlist_path)
            .await
            .map_err(|e| MediaError::io(&playlist_path, e))?;
        let bad = |reason: String| MediaError::BadOutput {
            path: playlist_path.clone(),
            reason,
        };
        let parsed = playlist::parse_variant(&text).map_err(bad)?;
        // PeerTube serves the playlist next to the fragmented file and
        // resolves URIs relative to it, so they must be the bare file name.
        if parsed.map_uri != fragmented || parsed.segments.iter().any(|s| s.uri != fragmented) {
            return Err(bad(format!(
                "playlist does not point at {fragmented:?} (map {:?})",
                parsed.map_uri
            )));
        }
        let frag_path = self.out_dir.join(fragmented);
        let ranges: Vec<ByteRange> = parsed.segments.iter().map(|s| s.range).collect();
        let init_len = parsed.map_range.offset + parsed.map_range.length;
        let path = frag_path.clone();
        let (hashes, init, size) = tokio::task::spawn_blocking(move || {
            let hashes = hash_ranges(&path, &ranges)?;
            let init = read_prefix(&path, init_len)?;
            let size = std::fs::metadata(&path)
                .map_err(|e| MediaError::io(&path, e))?
                .len();
            Ok::<_, MediaError>((hashes, init, size))
        })
        .await
        .map_err(|e| MediaError::io(&frag_path, std::io::Error::other(e)))??;
        let hashes = parsed
            .segments
            .iter()
            .zip(hashes)
            .map(|(s, h)| (s.range.key(), h))
            .collect();
        Ok(Produced {
            playlist: parsed,
            size,
            hashes,
            video_codec: playlist::avc1_codec_from_init(&init),
        })
    }

    async fn run(self, progress: Option<watch::Sender<f32>>) -> Result<HlsOutput, MediaError> {
        self.validate()?;
        tokio::fs::create_dir_all(&self.out_dir)
            .await
            .map_err(|e| MediaError::io(&self.out_dir, e))?;

        let resolutions: Vec<u32> = self.rungs.iter().map(|(r, _, _)| *r).collect();
        let plans = plan_rungs(&self.probe, &resolutions);
        if let Some(tx) = &progress {
            tx.send_replace(0.0);
        }
        let progress = progress.map(|sender| Progress {
            sender,
            duration_secs: self.probe.duration_secs,
        });
        run_ffmpeg(
            self.ffmpeg_args(&plans),
            transcode_timeout(self.probe.duration_secs),
            progress,
        )
        .await?;

        let mut renditions = Vec::with_capacity(self.rungs.len());
        let mut sha_files = Vec::with_capacity(self.rungs.len());
        let mut duration_secs = None;
        for (plan, (resolution, playlist_file, fragmented_file)) in plans.iter().zip(&self.rungs) {
            let produced = self.inspect(playlist_file, fragmented_file).await?;
            let has_video = *resolution > 0;
            let has_audio = self.probe.has_audio;
            let mut codecs = Vec::new();
            if has_video {
                let codec = produced
                    .video_codec
                    .clone()
                    .ok_or_else(|| MediaError::BadOutput {
                        path: self.out_dir.join(fragmented_file),
                        reason: "no avcC box in the init segment".into(),
                    })?;
                codecs.push(codec);
            }
            if has_audio {
                codecs.push(AAC_LC_CODEC.to_owned());
            }
            let media_duration = produced.playlist.duration();
            let duration = *duration_secs.get_or_insert(media_duration);
            // PeerTube: ceil(file size in bits / video duration), with the
            // duration stored as whole seconds.
            let whole_secs = duration.round().max(1.0);
            let bandwidth = ((produced.size * 8) as f64 / whole_secs).ceil() as u64;
            sha_files.push((fragmented_file.clone(), produced.hashes));
            renditions.push(HlsRendition {
                resolution: *resolution,
                width: plan.width,
                height: plan.height,
                fps: plan.fps,
                playlist_file: playlist_file.clone(),
                fragmented_file: fragmented_file.clone(),
                size_bytes: produced.size,
                bandwidth,
                has_video,
                has_audio,
                codecs: codecs.join(","),
            });
        }

        // PeerTube lists renditions from the lowest resolution up (audio
        // only, resolution 0, thus first).
        let mut order: Vec<_> = renditions.iter().zip(&sha_files).collect();
        order.sort_by_key(|(r, _)| r.resolution);
        let entries: Vec<MasterEntry<'_>> = order
            .iter()
            .map(|&(r, _)| MasterEntry {
                bandwidth: r.bandwidth,
                width: r.width,
                height: r.height,
                fps: r.fps,
                codecs: &r.codecs,
                uri: &r.playlist_file,
            })
            .collect();
        let master = playlist::master_playlist(&entries);
        let sha_ordered: Vec<(String, Vec<(String, String)>)> =
            order.iter().map(|&(_, sha)| sha.clone()).collect();
        let sha_json = playlist::segments_sha256_json(&sha_ordered);

        let master_path = self.out_dir.join(&self.master);
        tokio::fs::write(&master_path, master)
            .await
            .map_err(|e| MediaError::io(&master_path, e))?;
        let sha_path = self.out_dir.join(&self.sha);
        tokio::fs::write(&sha_path, sha_json)
            .await
            .map_err(|e| MediaError::io(&sha_path, e))?;

        Ok(HlsOutput {
            master_file: self.master.clone(),
            segments_sha256_file: self.sha.clone(),
            renditions,
            duration_secs: duration_secs.unwrap_or(0.0),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(resolution: u32, width: u32, height: u32, resample: bool) -> RungPlan {
        RungPlan {
            resolution,
            width,
            height,
            fps: 30,
            resample_fps: resample,
            max_bitrate: 1000,
        }
    }

    #[test]
    fn filter_graph_splits_once() {
        let a = plan(360, 640, 360, false);
        let b = plan(240, 426, 240, true);
        assert_eq!(
            split_filter_graph("0:v:0", &[&a, &b]),
            "[0:v:0]split=2[s0][s1];[s0]scale=640:360,format=yuv420p[v0];[s1]fps=30,scale=426:240,format=yuv420p[v1]"
        );
        assert_eq!(
            split_filter_graph("0:1", &[&a]),
            "[0:1]scale=640:360,format=yuv420p[v0]"
        );
    }

    #[test]
    fn names_are_peertube_like() {
        let n = HlsNames::generate(&[720, 0]);
        assert!(n.master.ends_with("-master.m3u8"));
        assert!(n.segments_sha256.ends_with("-segments-sha256.json"));
        let (p, f) = n.rendition(720);
        assert_eq!(p.len(), 36 + "-720.m3u8".len());
        assert_eq!(f, p.replace(".m3u8", "-fragmented.mp4"));
        assert!(n.rendition(0).0.ends_with("-0.m3u8"));
    }

    #[test]
    fn rejects_bad_names() {
        assert!(check_name("../x").is_err());
        assert!(check_name("").is_err());
        assert!(check_name("a-720.m3u8").is_ok());
    }
}
