//! End-to-end tests against the real ffmpeg/ffprobe binaries, on tiny
//! generated clips so the whole file runs in seconds.

#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::string_slice)]

use std::path::{Path, PathBuf};
use std::process::Command;

use ferrotube_media::{
    ladder, playlist, probe, thumbnail, transcode_hls, transcode_hls_named, transcode_web_video,
    HlsNames, MediaError, ProbeInfo, PREVIEW_SIZE, THUMBNAIL_SIZE,
};
use sha2::{Digest, Sha256};

const ALL: [u32; 8] = [144, 240, 360, 480, 720, 1080, 1440, 2160];

fn ffmpeg(args: &[&str]) {
    let status = Command::new("ffmpeg")
        .args(["-hide_banner", "-loglevel", "error", "-y"])
        .args(args)
        .status()
        .unwrap();
    assert!(status.success(), "ffmpeg {args:?}");
}

fn video_clip(dir: &Path, w: u32, h: u32) -> PathBuf {
    let out = dir.join(format!("clip-{w}x{h}.mp4"));
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        &format!("testsrc=duration=3:size={w}x{h}:rate=30"),
        "-f",
        "lavfi",
        "-i",
        "sine=duration=3",
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-c:a",
        "aac",
        "-shortest",
        out.to_str().unwrap(),
    ]);
    out
}

fn audio_clip(dir: &Path) -> PathBuf {
    let out = dir.join("sound.m4a");
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "sine=duration=3",
        "-c:a",
        "aac",
        out.to_str().unwrap(),
    ]);
    out
}

/// (width, height) of the first video stream, via ffprobe.
fn ffprobe_size(path: &Path) -> (u32, u32) {
    let out = Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-select_streams",
            "v:0",
            "-show_entries",
            "stream=width,height",
            "-of",
            "csv=p=0",
        ])
        .arg(path)
        .output()
        .unwrap();
    assert!(out.status.success(), "ffprobe {path:?}");
    let text = String::from_utf8(out.stdout).unwrap();
    let (w, h) = text.trim().split_once(',').unwrap();
    (w.parse().unwrap(), h.parse().unwrap())
}

/// Codec types ffprobe sees when reading `path` (works on playlists).
fn ffprobe_stream_types(path: &Path) -> Vec<String> {
    let out = Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-show_entries",
            "stream=codec_type",
            "-of",
            "csv=p=0",
        ])
        .arg(path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "ffprobe {path:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut v: Vec<String> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| l.trim().to_owned())
        .filter(|l| !l.is_empty())
        .collect();
    // Playlists list their streams once per program too.
    v.sort();
    v.dedup();
    v
}

#[tokio::test]
async fn probes_a_good_clip() {
    let dir = tempfile::tempdir().unwrap();
    let clip = video_clip(dir.path(), 640, 360);
    let p = probe(&clip).await.unwrap();
    assert!(p.has_video && p.has_audio);
    assert_eq!((p.width, p.height), (640, 360));
    assert!((p.fps - 30.0).abs() < 0.01, "{}", p.fps);
    assert!((p.duration_secs - 3.0).abs() < 0.2, "{}", p.duration_secs);
    assert_eq!(p.video_codec.as_deref(), Some("h264"));
    assert_eq!(p.audio_codec.as_deref(), Some("aac"));
    assert_eq!(p.size_bytes, std::fs::metadata(&clip).unwrap().len());
    assert!(p.bitrate > 0);
    assert!(p.raw["streams"].as_array().unwrap().len() >= 2);
    assert!(p.raw["format"]["format_name"].is_string());
}

#[tokio::test]
async fn text_file_is_not_a_video() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notes.txt");
    std::fs::write(&path, "hello, this is not a video\n".repeat(50)).unwrap();
    match probe(&path).await {
        Err(MediaError::NotAVideo(reason)) => {
            assert!(!reason.contains(dir.path().to_str().unwrap()), "{reason}");
        }
        other => panic!("expected NotAVideo, got {other:?}"),
    }
}

#[tokio::test]
async fn truncated_mp4_is_not_a_video() {
    let dir = tempfile::tempdir().unwrap();
    let clip = video_clip(dir.path(), 320, 180);
    let bytes = std::fs::read(&clip).unwrap();
    let cut = dir.path().join("cut.mp4");
    std::fs::write(&cut, &bytes[..2048]).unwrap();
    let err = probe(&cut).await.unwrap_err();
    assert!(matches!(err, MediaError::NotAVideo(_)), "{err:?}");
    let empty = dir.path().join("empty.mp4");
    std::fs::write(&empty, b"").unwrap();
    assert!(matches!(probe(&empty).await, Err(MediaError::NotAVideo(_))));
}

fn check_sha_json(out_dir: &Path, sha_name: &str, fragmented: &[String]) {
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out_dir.join(sha_name)).unwrap()).unwrap();
    let files = json.as_object().unwrap();
    assert_eq!(files.len(), fragmented.len());
    for name in fragmented {
        let bytes = std::fs::read(out_dir.join(name)).unwrap();
        let ranges = files[name].as_object().unwrap();
        assert!(!ranges.is_empty());
        for (range, hash) in ranges {
            let (start, end) = range.split_once('-').unwrap();
            let (start, end): (usize, usize) = (start.parse().unwrap(), end.parse().unwrap());
            let digest = hex::encode(Sha256::digest(&bytes[start..=end]));
            assert_eq!(hash.as_str().unwrap(), digest, "{name} {range}");
        }
    }
}

#[tokio::test]
async fn hls_ladder_for_360p_clip() {
    let dir = tempfile::tempdir().unwrap();
    let clip = video_clip(dir.path(), 640, 360);
    let p = probe(&clip).await.unwrap();
    let rungs = ladder(&p, &ALL);
    assert_eq!(rungs, vec![360, 240, 144]);

    let out_dir = dir.path().join("hls");
    let names = HlsNames::generate(&rungs);
    let (tx, rx) = tokio::sync::watch::channel(-1.0_f32);
    let fut = transcode_hls(
        &clip,
        &out_dir,
        &p,
        &rungs,
        &|r| names.rendition(r),
        &names.master,
        &names.segments_sha256,
        Some(tx),
    );
    // The job must be spawnable on a multi-threaded runtime.
    let out = tokio::spawn(fut).await.unwrap().unwrap();
    assert_eq!(*rx.borrow(), 100.0);

    let got: Vec<(u32, u32, u32)> = out
        .renditions
        .iter()
        .map(|r| (r.resolution, r.width, r.height))
        .collect();
    assert_eq!(got, vec![(360, 640, 360), (240, 426, 240), (144, 256, 144)]);
    assert!(
        (out.duration_secs - 3.0).abs() < 0.2,
        "{}",
        out.duration_secs
    );

    let mut listing: Vec<String> = std::fs::read_dir(&out_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    listing.sort();
    let mut expected: Vec<String> = names
        .renditions
        .iter()
        .flat_map(|(_, p, f)| [p.clone(), f.clone()])
        .chain([names.master.clone(), names.segments_sha256.clone()])
        .collect();
    expected.sort();
    assert_eq!(
        listing, expected,
        "exactly the requested files, nothing else"
    );

    for r in &out.renditions {
        assert!(r.has_video && r.has_audio);
        assert_eq!(r.fps, 30);
        assert!(r.codecs.starts_with("avc1.64"), "{}", r.codecs);
        assert!(r.codecs.ends_with(",mp4a.40.2"), "{}", r.codecs);
        let frag = out_dir.join(&r.fragmented_file);
        assert_eq!(r.size_bytes, std::fs::metadata(&frag).unwrap().len());
        assert!(r.bandwidth > 0);
        let text = std::fs::read_to_string(out_dir.join(&r.playlist_file)).unwrap();
        assert!(text.contains("#EXT-X-TARGETDURATION:"));
        assert!(text.contains("#EXT-X-PLAYLIST-TYPE:VOD"));
        let parsed = playlist::parse_variant(&text).unwrap();
        // Init segment inside the single fragmented file, at offset 0.
        assert_eq!(parsed.map_uri, r.fragmented_file);
        assert_eq!(parsed.map_range.offset, 0);
        let last = parsed.segments.last().unwrap().range;
        assert_eq!(last.offset + last.length, r.size_bytes);
        assert_eq!(
            ffprobe_stream_types(&out_dir.join(&r.playlist_file)),
            vec!["audio", "video"]
        );
        assert_eq!(ffprobe_size(&frag), (r.width, r.height));
    }
    // All rungs cut at the same instants (keyframes forced every 2 s).
    let durations: Vec<Vec<String>> = out
        .renditions
        .iter()
        .map(|r| {
            let t = std::fs::read_to_string(out_dir.join(&r.playlist_file)).unwrap();
            t.lines()
                .filter(|l| l.starts_with("#EXTINF"))
                .map(str::to_owned)
                .collect()
        })
        .collect();
    assert!(durations.windows(2).all(|w| w[0] == w[1]), "{durations:?}");

    let master = std::fs::read_to_string(out_dir.join(&out.master_file)).unwrap();
    assert!(master.starts_with("#EXTM3U\n#EXT-X-VERSION:3\n"));
    assert_eq!(master.matches("#EXT-X-STREAM-INF:").count(), 3);
    // Lowest resolution first, like PeerTube.
    let pos = |s: &str| master.find(s).unwrap();
    assert!(pos("RESOLUTION=256x144") < pos("RESOLUTION=426x240"));
    assert!(pos("RESOLUTION=426x240") < pos("RESOLUTION=640x360"));
    assert!(master.contains("FRAME-RATE=30,CODECS=\"avc1.64"));
    assert_eq!(
        ffprobe_stream_types(&out_dir.join(&out.master_file)),
        vec!["audio", "video"]
    );

    let frags: Vec<String> = out
        .renditions
        .iter()
        .map(|r| r.fragmented_file.clone())
        .collect();
    check_sha_json(&out_dir, &out.segments_sha256_file, &frags);
}

#[tokio::test]
async fn hls_audio_only() {
    let dir = tempfile::tempdir().unwrap();
    let sound = audio_clip(dir.path());
    let p = probe(&sound).await.unwrap();
    assert!(!p.has_video && p.has_audio);
    let rungs = ladder(&p, &ALL);
    assert_eq!(rungs, vec![0]);
    let names = HlsNames::generate(&rungs);
    let out_dir = dir.path().join("hls");
    let out = transcode_hls_named(&sound, &out_dir, &p, &names, None)
        .await
        .unwrap();
    assert_eq!(out.renditions.len(), 1);
    let r = &out.renditions[0];
    assert_eq!((r.resolution, r.width, r.height, r.fps), (0, 0, 0, 0));
    assert!(!r.has_video && r.has_audio);
    assert_eq!(r.codecs, "mp4a.40.2");
    assert_eq!(
        ffprobe_stream_types(&out_dir.join(&r.playlist_file)),
        vec!["audio"]
    );
    let master = std::fs::read_to_string(out_dir.join(&out.master_file)).unwrap();
    assert!(
        master.contains("RESOLUTION=0x0,CODECS=\"mp4a.40.2\""),
        "{master}"
    );
    check_sha_json(
        &out_dir,
        &out.segments_sha256_file,
        std::slice::from_ref(&r.fragmented_file),
    );
}

#[tokio::test]
async fn hls_failure_leaves_nothing_behind() {
    let dir = tempfile::tempdir().unwrap();
    let bogus = dir.path().join("bogus.mp4");
    std::fs::write(&bogus, b"definitely not a video").unwrap();
    // A probe result that lies, as if the file changed after probing.
    let fake = ProbeInfo {
        duration_secs: 3.0,
        size_bytes: 22,
        has_video: true,
        has_audio: true,
        width: 640,
        height: 360,
        fps: 30.0,
        video_codec: Some("h264".into()),
        audio_codec: Some("aac".into()),
        bitrate: 1000,
        raw: serde_json::Value::Null,
        has_cover_art: false,
        video_stream_index: None,
        audio_stream_index: None,
    };
    let out_dir = dir.path().join("hls");
    let names = HlsNames::generate(&[360]);
    let err = transcode_hls_named(&bogus, &out_dir, &fake, &names, None)
        .await
        .unwrap_err();
    match err {
        MediaError::Ffmpeg { stderr, .. } => assert!(!stderr.is_empty()),
        other => panic!("expected an ffmpeg error, got {other:?}"),
    }
    let left: Vec<_> = std::fs::read_dir(&out_dir).unwrap().collect();
    assert!(left.is_empty(), "{left:?}");

    // Asking for video from an audio file is refused up front.
    let sound = audio_clip(dir.path());
    let p = probe(&sound).await.unwrap();
    let err = transcode_hls_named(&sound, &out_dir, &p, &HlsNames::generate(&[360]), None)
        .await
        .unwrap_err();
    assert!(matches!(err, MediaError::InvalidRequest(_)), "{err:?}");
}

#[tokio::test]
async fn thumbnails_have_exact_sizes() {
    let dir = tempfile::tempdir().unwrap();
    let clip = video_clip(dir.path(), 640, 360);
    let p = probe(&clip).await.unwrap();
    for (w, h) in [THUMBNAIL_SIZE, PREVIEW_SIZE] {
        let out = dir.path().join(format!("thumb-{w}.jpg"));
        thumbnail(&clip, &p, &out, w, h).await.unwrap();
        assert_eq!(ffprobe_size(&out), (w, h));
        assert_eq!(&std::fs::read(&out).unwrap()[..2], &[0xff, 0xd8]);
    }
    // Portrait input is cropped, not letterboxed, to the same box.
    let tall = video_clip(dir.path(), 180, 320);
    let p = probe(&tall).await.unwrap();
    let out = dir.path().join("tall.jpg");
    thumbnail(&tall, &p, &out, 280, 157).await.unwrap();
    assert_eq!(ffprobe_size(&out), (280, 157));

    let sound = audio_clip(dir.path());
    let p = probe(&sound).await.unwrap();
    let out = dir.path().join("audio.jpg");
    thumbnail(&sound, &p, &out, 280, 157).await.unwrap();
    assert_eq!(ffprobe_size(&out), (280, 157));
}

#[tokio::test]
async fn web_video_mp4() {
    let dir = tempfile::tempdir().unwrap();
    let clip = video_clip(dir.path(), 640, 360);
    let p = probe(&clip).await.unwrap();
    let out = dir.path().join("web-240.mp4");
    transcode_web_video(&clip, &out, &p, 240).await.unwrap();
    let q = probe(&out).await.unwrap();
    assert_eq!((q.width, q.height), (426, 240));
    assert!(q.has_audio);
    // +faststart: the moov box precedes mdat.
    let bytes = std::fs::read(&out).unwrap();
    let find = |tag: &[u8]| bytes.windows(4).position(|w| w == tag).unwrap();
    assert!(find(b"moov") < find(b"mdat"));
}
