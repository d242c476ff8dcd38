//! Benchmark of the one-process HLS ladder against plain ffmpeg baselines.
//!
//! ```text
//! CARGO_TARGET_DIR=/work/targets/media cargo run --release -p ferrotube-media \
//!     --bin ladder-bench -- [--secs N] [--input FILE]
//! ```
//!
//! Without `--input` it generates an N-second (default 60) 1080p30
//! testsrc + sine clip. It then times, with identical encoder settings:
//! 1. our `transcode_hls` to the rungs 1080..144 (one ffmpeg, HLS outputs,
//!    then playlist parsing, hashing, master + sha256 json);
//! 2. one plain ffmpeg decoding once and encoding all rungs via `split` to
//!    plain MP4 files;
//! 3. one plain ffmpeg per rung, run one after the other;
//!
//! and prints wall times and the ratios ours/(2) and ours/(3). Use
//! `--secs 10` for a quick dry run.

use std::error::Error;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use ferrotube_media::hls::{
    audio_encoder_args, rung_filter, split_filter_graph, video_encoder_args,
};
use ferrotube_media::{ladder, plan_rungs, probe, transcode_hls_named, HlsNames, RungPlan};

const RUNGS: [u32; 6] = [1080, 720, 480, 360, 240, 144];

fn run_ffmpeg(args: &[String]) -> Result<(), Box<dyn Error>> {
    let out = Command::new("ffmpeg")
        .args(["-hide_banner", "-nostdin", "-y", "-loglevel", "error"])
        .args(args)
        .output()?;
    if !out.status.success() {
        return Err(format!(
            "ffmpeg failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )
        .into());
    }
    Ok(())
}

fn path_str(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

fn mp4_output(plan: &RungPlan, label: &str, audio: Option<String>, out: &Path) -> Vec<String> {
    let mut a = vec!["-map".to_owned(), format!("[{label}]")];
    a.extend(video_encoder_args(plan));
    if let Some(map) = audio {
        a.extend(["-map".to_owned(), map]);
        a.extend(audio_encoder_args());
    }
    a.extend(["-f".to_owned(), "mp4".to_owned(), path_str(out)]);
    a
}

fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let mut duration = 60u32;
    let mut input: Option<PathBuf> = None;
    let mut argv = std::env::args().skip(1);
    while let Some(arg) = argv.next() {
        match arg.as_str() {
            "--secs" => {
                duration = argv.next().ok_or("--secs needs a value")?.parse()?;
            }
            "--input" => input = Some(argv.next().ok_or("--input needs a value")?.into()),
            "-h" | "--help" => {
                println!("usage: ladder-bench [--secs N] [--input FILE]");
                return Ok(());
            }
            other => return Err(format!("unknown argument {other:?}").into()),
        }
    }

    let work = std::env::temp_dir().join(format!("ladder-bench-{}", std::process::id()));
    std::fs::create_dir_all(&work)?;
    let result = bench(&work, duration, input).await;
    let _ = std::fs::remove_dir_all(&work);
    result
}

async fn bench(work: &Path, duration: u32, input: Option<PathBuf>) -> Result<(), Box<dyn Error>> {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let input = match input {
        Some(p) => p,
        None => {
            let clip = work.join("input.mp4");
            println!("generating {duration} s 1080p30 testsrc + sine clip...");
            run_ffmpeg(&[
                "-f".into(),
                "lavfi".into(),
                "-i".into(),
                format!("testsrc=duration={duration}:size=1920x1080:rate=30"),
                "-f".into(),
                "lavfi".into(),
                "-i".into(),
                format!("sine=duration={duration}"),
                "-c:v".into(),
                "libx264".into(),
                "-preset".into(),
                "ultrafast".into(),
                "-c:a".into(),
                "aac".into(),
                "-shortest".into(),
                path_str(&clip),
            ])?;
            clip
        }
    };
    let info = probe(&input).await?;
    let rungs = ladder(&info, &RUNGS);
    let plans = plan_rungs(&info, &rungs);
    println!(
        "input {}x{} {:.2} fps {:.1} s; rungs {rungs:?}; {cores} cores",
        info.width, info.height, info.fps, info.duration_secs
    );

    // (1) ours
    let names = HlsNames::generate(&rungs);
    let t = Instant::now();
    let out = transcode_hls_named(&input, &work.join("ours"), &info, &names, None).await?;
    let ours = t.elapsed();
    let hls_bytes: u64 = out.renditions.iter().map(|r| r.size_bytes).sum();

    // (2) one process, split filter, plain mp4 outputs
    let video_plans: Vec<&RungPlan> = plans.iter().filter(|p| p.resolution > 0).collect();
    let mut args = vec!["-i".to_owned(), path_str(&input)];
    args.extend([
        "-filter_complex".to_owned(),
        split_filter_graph(&info.video_map(), &video_plans),
    ]);
    for (i, plan) in video_plans.iter().enumerate() {
        let out = work.join(format!("split-{}.mp4", plan.resolution));
        args.extend(mp4_output(
            plan,
            &format!("v{i}"),
            info.has_audio.then(|| info.audio_map()),
            &out,
        ));
    }
    let t = Instant::now();
    run_ffmpeg(&args)?;
    let split = t.elapsed();

    // (3) one process per rung
    let t = Instant::now();
    for plan in &video_plans {
        let out = work.join(format!("single-{}.mp4", plan.resolution));
        let mut args = vec!["-i".to_owned(), path_str(&input)];
        args.extend([
            "-filter_complex".to_owned(),
            rung_filter(plan, &info.video_map(), "v0"),
        ]);
        args.extend(mp4_output(
            plan,
            "v0",
            info.has_audio.then(|| info.audio_map()),
            &out,
        ));
        run_ffmpeg(&args)?;
    }
    let separate = t.elapsed();

    println!(
        "(1) ours, transcode_hls (HLS+sha256)  : {:8.2} s  ({} bytes of fMP4)",
        secs(ours),
        hls_bytes
    );
    println!(
        "(2) one ffmpeg, split -> mp4          : {:8.2} s",
        secs(split)
    );
    println!(
        "(3) {} separate ffmpeg runs -> mp4     : {:8.2} s",
        video_plans.len(),
        secs(separate)
    );
    println!("ours / (2) = {:.3}", secs(ours) / secs(split).max(1e-9));
    println!("ours / (3) = {:.3}", secs(ours) / secs(separate).max(1e-9));
    Ok(())
}
