//! Running ffmpeg/ffprobe as child processes.
//!
//! Every child is spawned with `kill_on_drop(true)` so that a cancelled job
//! (the future is dropped) never leaves an orphaned encoder burning CPU, and
//! with a hard timeout because a corrupt input can make ffmpeg spin forever.

use std::collections::VecDeque;
use std::ffi::OsString;
use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::process::Command;
use tokio::sync::watch;

use crate::MediaError;

/// How many trailing stderr lines are kept for error messages; ffmpeg's
/// real reason is almost always in the last few lines.
const STDERR_TAIL_LINES: usize = 20;
/// Guards against a single pathological stderr line eating memory.
const STDERR_LINE_MAX: usize = 1000;

/// ffmpeg binary; overridable so deployments with a custom build (e.g. one
/// with libfdk_aac) need not touch PATH.
pub fn ffmpeg_bin() -> OsString {
    std::env::var_os("FERROTUBE_FFMPEG").unwrap_or_else(|| "ffmpeg".into())
}

pub fn ffprobe_bin() -> OsString {
    std::env::var_os("FERROTUBE_FFPROBE").unwrap_or_else(|| "ffprobe".into())
}

/// Timeout for a full transcode: generous, because a 2-core box encoding
/// six rungs can run well below real time, but bounded so a stuck process
/// is eventually reclaimed.
pub fn transcode_timeout(duration_secs: f64) -> Duration {
    let scaled = if duration_secs.is_finite() && duration_secs > 0.0 {
        duration_secs * 20.0
    } else {
        0.0
    };
    Duration::from_secs_f64(scaled.max(600.0))
}

/// Progress reporting: ffmpeg's `-progress pipe:1` output is turned into a
/// percentage of `duration_secs`.
pub struct Progress {
    pub sender: watch::Sender<f32>,
    pub duration_secs: f64,
}

pub struct Captured {
    pub stdout: Vec<u8>,
}

fn program_name(program: &OsString) -> String {
    program.to_string_lossy().into_owned()
}

/// Runs a short-lived tool (ffprobe) and captures stdout; a non-zero exit
/// becomes `MediaError::Ffmpeg` carrying the stderr tail.
pub async fn run_capture(
    program: OsString,
    args: &[OsString],
    timeout: Duration,
) -> Result<Captured, MediaError> {
    let name = program_name(&program);
    let mut cmd = Command::new(&program);
    cmd.args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    die_with_parent(&mut cmd);
    let child = cmd.spawn().map_err(|source| MediaError::Spawn {
        program: name.clone(),
        source,
    })?;
    let output = match tokio::time::timeout(timeout, child.wait_with_output()).await {
        Ok(res) => res.map_err(|source| MediaError::Spawn {
            program: name.clone(),
            source,
        })?,
        // Dropping the wait future drops the child, which kills it.
        Err(_) => {
            return Err(MediaError::Timeout {
                program: name,
                secs: timeout.as_secs(),
            })
        }
    };
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
        let start = lines.len().saturating_sub(STDERR_TAIL_LINES);
        return Err(MediaError::Ffmpeg {
            program: name,
            status: output.status.to_string(),
            stderr: lines.get(start..).unwrap_or_default().join("\n"),
        });
    }
    Ok(Captured {
        stdout: output.stdout,
    })
}

/// Runs ffmpeg to completion. `args` must not contain `-progress`; it is
/// added here when progress is requested.
pub async fn run_ffmpeg(
    mut args: Vec<OsString>,
    timeout: Duration,
    progress: Option<Progress>,
) -> Result<(), MediaError> {
    let program = ffmpeg_bin();
    let name = program_name(&program);
    if progress.is_some() {
        // Global options must precede the first input.
        let mut with_progress: Vec<OsString> =
            vec!["-progress".into(), "pipe:1".into(), "-nostats".into()];
        with_progress.append(&mut args);
        args = with_progress;
    }
    tracing::debug!(program = %name, args = ?args, "spawning");

    let mut cmd = Command::new(&program);
    cmd.args(&args)
        .stdin(Stdio::null())
        .stdout(if progress.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    die_with_parent(&mut cmd);
    let mut child = cmd.spawn().map_err(|source| MediaError::Spawn {
        program: name.clone(),
        source,
    })?;
    let stderr = child.stderr.take();
    let stdout = child.stdout.take();

    let result = tokio::time::timeout(timeout, async {
        // Both pipes must be drained concurrently with wait(), otherwise a
        // chatty ffmpeg blocks on a full pipe and never exits.
        let (status, tail, ()) = tokio::join!(
            child.wait(),
            collect_tail(stderr),
            follow_progress(stdout, progress.as_ref())
        );
        (status, tail)
    })
    .await;

    match result {
        Err(_) => {
            // Best effort: the child is also killed when dropped.
            let _ = child.start_kill();
            let _ = child.wait().await;
            Err(MediaError::Timeout {
                program: name,
                secs: timeout.as_secs(),
            })
        }
        Ok((Err(source), _)) => Err(MediaError::Spawn {
            program: name,
            source,
        }),
        Ok((Ok(status), tail)) => {
            if status.success() {
                if let Some(p) = &progress {
                    p.sender.send_replace(100.0);
                }
                Ok(())
            } else {
                Err(MediaError::Ffmpeg {
                    program: name,
                    status: status.to_string(),
                    stderr: tail,
                })
            }
        }
    }
}

async fn collect_tail<R: AsyncRead + Unpin>(pipe: Option<R>) -> String {
    let Some(pipe) = pipe else {
        return String::new();
    };
    let mut tail: VecDeque<String> = VecDeque::with_capacity(STDERR_TAIL_LINES);
    let mut lines = BufReader::new(pipe).lines();
    // A read error just ends collection: the exit status is what matters.
    while let Ok(Some(line)) = lines.next_line().await {
        if line.trim().is_empty() {
            continue;
        }
        if tail.len() == STDERR_TAIL_LINES {
            tail.pop_front();
        }
        let mut line = line;
        if line.len() > STDERR_LINE_MAX {
            let mut cut = STDERR_LINE_MAX;
            while !line.is_char_boundary(cut) {
                cut -= 1;
            }
            line.truncate(cut);
        }
        tail.push_back(line);
    }
    Vec::from(tail).join("\n")
}

async fn follow_progress<R: AsyncRead + Unpin>(pipe: Option<R>, progress: Option<&Progress>) {
    let Some(pipe) = pipe else {
        return;
    };
    let mut lines = BufReader::new(pipe).lines();
    let mut last = 0.0_f32;
    while let Ok(Some(line)) = lines.next_line().await {
        let Some(p) = progress else {
            continue;
        };
        if let Some(us) = parse_out_time_us(&line) {
            if p.duration_secs > 0.0 {
                let pct = ((us as f64 / 1e6) / p.duration_secs * 100.0).clamp(0.0, 99.9) as f32;
                // Several outputs can report slightly different times; never
                // let the bar go backwards.
                if pct > last {
                    last = pct;
                    p.sender.send_replace(pct);
                }
            }
        }
    }
}

/// `out_time_ms` is, despite its name, in microseconds (long-standing
/// ffmpeg quirk), same as `out_time_us`.
pub(crate) fn parse_out_time_us(line: &str) -> Option<i64> {
    let value = line
        .strip_prefix("out_time_us=")
        .or_else(|| line.strip_prefix("out_time_ms="))?;
    value.trim().parse::<i64>().ok().filter(|v| *v >= 0)
}

/// `kill_on_drop` covers cancellation, not a server killed with SIGKILL: then no destructor runs
/// and ffmpeg would go on writing into a work directory a restarted job may be using. Linux's
/// parent-death signal makes the kernel kill the child when the thread that spawned it dies
/// (tokio's worker threads live as long as the process).
#[cfg(target_os = "linux")]
// The one place in the workspace that needs unsafe code: `pre_exec` has no safe equivalent.
#[allow(unsafe_code)]
fn die_with_parent(cmd: &mut Command) {
    // SAFETY: the closure runs in the forked child before exec, where only async-signal-safe
    // calls are allowed: it calls prctl (async-signal-safe), allocates nothing
    // (`last_os_error` only reads errno) and touches no memory shared with the parent.
    unsafe {
        cmd.pre_exec(|| {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
}

#[cfg(not(target_os = "linux"))]
fn die_with_parent(_cmd: &mut Command) {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_progress_lines() {
        assert_eq!(parse_out_time_us("out_time_us=1500000"), Some(1_500_000));
        assert_eq!(parse_out_time_us("out_time_ms=2000000"), Some(2_000_000));
        assert_eq!(parse_out_time_us("out_time_us=N/A"), None);
        assert_eq!(parse_out_time_us("out_time_us=-5"), None);
        assert_eq!(parse_out_time_us("frame=12"), None);
    }

    #[test]
    fn timeout_is_generous() {
        assert_eq!(transcode_timeout(3.0), Duration::from_secs(600));
        assert_eq!(transcode_timeout(100.0), Duration::from_secs(2000));
        assert_eq!(transcode_timeout(f64::NAN), Duration::from_secs(600));
    }
}
