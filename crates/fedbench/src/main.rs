//! Federation benchmark (not a test). Starts the release `ferrotube` binary on 127.0.0.2 with
//! a temporary data dir and simulates the rest of the fediverse in-process on loopback: H
//! fake hosts with A `Person` actors each (one 2048-bit key per host). It measures
//!
//! 1. inbox throughput: every fake actor follows the instance actor, then N signed Like / View
//!    activities of a local video arrive over a few hundred connections; answers/s (2xx) and
//!    processed/s (until the instance's `activitypub-inbox` jobs are done);
//! 2. delivery fan-out: a video published with H*A followers on H hosts; time from its
//!    `publishedAt` until the last shared inbox has the `Create`, and deliveries/s;
//! 3. the instance's memory (VmRSS / VmHWM) idle, after the inbox phase, after the fan-out.
//!
//! Every delivery the fake hosts receive has its signature and Digest checked against the
//! instance's published keys. Requests the fake actors send are signed before the clock
//! starts (the bench shares the cores with the instance).
//!
//! ```text
//! cargo build --release -p ferrotube
//! cargo run --release -p ferrotube-fedbench -- [--hosts 100] [--actors-per-host 10]
//!     [--inbox-activities 5000] [--connections 256] [--db sqlite|postgres]
//! ```
// A benchmark harness, held to test code's rules: it indexes its own fixtures freely.
#![allow(clippy::indexing_slicing, clippy::string_slice)]

mod instance;
mod load;

use anyhow::{bail, Context, Result};
use bytes::Bytes;
use clap::{Parser, ValueEnum};
use ferrotube_testkit::fediverse::{self, Fediverse};
use instance::{FedConfig, Instance};
use load::{blast, BlastResult, Prepared};
use serde_json::json;
use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Db {
    Sqlite,
    Postgres,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum InboxKind {
    /// Like and View alternately.
    Mix,
    Like,
    View,
}

#[derive(Parser)]
#[command(about = "Federation benchmark: a release ferrotube against a simulated fediverse")]
struct Args {
    /// Fake remote hosts (each an axum server on its own port of 127.0.0.1).
    #[arg(long, default_value_t = 100)]
    hosts: usize,
    /// Actors per fake host; every one follows the instance.
    #[arg(long, default_value_t = 10)]
    actors_per_host: usize,
    /// Signed activities sent after the follows.
    #[arg(long, default_value_t = 5000)]
    inbox_activities: usize,
    #[arg(long, value_enum, default_value_t = InboxKind::Mix)]
    inbox_kind: InboxKind,
    /// Concurrent connections of the inbox load.
    #[arg(long, default_value_t = 256)]
    connections: usize,
    #[arg(long, value_enum, default_value_t = Db::Sqlite)]
    db: Db,
    /// PostgreSQL server where the `postgres` role may create databases (--db postgres).
    #[arg(
        long,
        env = "FERROTUBE_BENCH_PG_URL",
        default_value = "postgres://postgres@127.0.0.1:5432"
    )]
    pg_url: String,
    /// The server binary (default: `ferrotube` next to this executable).
    #[arg(long)]
    bin: Option<PathBuf>,
    /// `[federation] inbox_concurrency` for the instance (default: the instance's default).
    #[arg(long)]
    inbox_concurrency: Option<usize>,
    /// `[federation] delivery_concurrency`.
    #[arg(long)]
    delivery_concurrency: Option<usize>,
    /// `[federation] per_host_concurrency`.
    #[arg(long)]
    per_host_concurrency: Option<usize>,
    /// Keep the instance's data dir and log.
    #[arg(long)]
    keep: bool,
    /// Record the instance with `perf record -g` during the activity phase and the fan-out,
    /// into `DIR/inbox.perf.data` and `DIR/fanout.perf.data` (`perf report -i ...`).
    #[arg(long)]
    perf_dir: Option<PathBuf>,
}

/// `perf record` of the instance while a phase runs (when `--perf-dir` is given).
struct Perf(Option<std::process::Child>);

impl Perf {
    fn start(dir: Option<&std::path::Path>, pid: u32, name: &str) -> Perf {
        let Some(dir) = dir else { return Perf(None) };
        let _ = std::fs::create_dir_all(dir);
        let out = dir.join(format!("{name}.perf.data"));
        match std::process::Command::new("perf")
            .args(["record", "-F", "499", "-g", "-q", "-o"])
            .arg(&out)
            .args(["-p", &pid.to_string()])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
        {
            Ok(c) => Perf(Some(c)),
            Err(e) => {
                eprintln!("cannot run perf: {e}");
                Perf(None)
            }
        }
    }

    /// Stops the recording (SIGINT, so perf writes its file) and waits for it.
    fn stop(self) {}
}

impl Drop for Perf {
    fn drop(&mut self) {
        if let Some(mut c) = self.0.take() {
            let _ = std::process::Command::new("kill")
                .args(["-INT", &c.id().to_string()])
                .status();
            let _ = c.wait();
        }
    }
}

struct Row {
    what: String,
    value: String,
    note: String,
}

#[derive(Default)]
struct Report {
    rows: Vec<Row>,
}

impl Report {
    fn add(&mut self, what: impl Into<String>, value: impl Into<String>, note: impl Into<String>) {
        let row = Row {
            what: what.into(),
            value: value.into(),
            note: note.into(),
        };
        println!("  {:<52} {:>14}  {}", row.what, row.value, row.note);
        self.rows.push(row);
    }

    fn print(&self) {
        let w = self.rows.iter().map(|r| r.what.len()).max().unwrap_or(10);
        let v = self.rows.iter().map(|r| r.value.len()).max().unwrap_or(10);
        println!("\n| {:<w$} | {:>v$} | note", "measure", "value");
        println!("|{}|{}|------", "-".repeat(w + 2), "-".repeat(v + 2));
        for r in &self.rows {
            println!("| {:<w$} | {:>v$} | {}", r.what, r.value, r.note);
        }
    }
}

fn mem_row(report: &mut Report, inst: &Instance, when: &str) {
    let (rss, hwm) = inst.memory();
    report.add(
        format!("instance RSS {when}"),
        format!("{rss:.1} MiB"),
        format!("VmHWM {hwm:.1} MiB"),
    );
}

fn blast_rows(report: &mut Report, name: &str, b: &BlastResult) {
    report.add(
        format!("{name}: answered 2xx"),
        format!("{}/{}", b.ok, b.sent),
        if b.refused.is_empty() {
            String::new()
        } else {
            format!("refused by status (0 = transport): {:?}", b.refused)
        },
    );
    report.add(
        format!("{name}: accepted/s (2xx at the HTTP level)"),
        format!("{:.0}/s", b.ok_per_sec()),
        format!(
            "{:.2} s; latency p50 {:.1} ms, p99 {:.1} ms",
            b.elapsed.as_secs_f64(),
            b.percentile_ms(0.5),
            b.percentile_ms(0.99)
        ),
    );
    for e in &b.first_errors {
        eprintln!("    refused: {e}");
    }
}

/// Signs `bodies` (host, actor, JSON body) on all cores.
async fn presign(
    fed: &Arc<Fediverse>,
    inbox: &url::Url,
    bodies: Vec<(usize, usize, String)>,
) -> Result<Vec<Prepared>> {
    let threads = std::thread::available_parallelism()
        .map(|p| p.get())
        .unwrap_or(2);
    let chunk = bodies.len().div_ceil(threads).max(1);
    let mut tasks = Vec::new();
    for part in bodies.chunks(chunk) {
        let (fed, inbox, part) = (fed.clone(), inbox.clone(), part.to_vec());
        tasks.push(tokio::task::spawn_blocking(move || {
            part.into_iter()
                .map(|(h, a, body)| {
                    let host = &fed.hosts[h];
                    let headers = host.sign(&host.names()[a], &inbox, body.as_bytes())?;
                    Ok(Prepared {
                        headers,
                        body: Bytes::from(body),
                    })
                })
                .collect::<Result<Vec<_>>>()
        }));
    }
    let mut out = Vec::new();
    for t in tasks {
        out.extend(t.await.context("signing panicked")??);
    }
    Ok(out)
}

fn secs(d: Duration) -> String {
    format!("{:.3} s", d.as_secs_f64())
}

fn since(later: SystemTime, earlier: SystemTime) -> Duration {
    later.duration_since(earlier).unwrap_or_default()
}

async fn wait_until<F, Fut>(limit: Duration, what: &str, mut f: F) -> Result<Instant>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<bool>>,
{
    let deadline = Instant::now() + limit;
    loop {
        if f().await? {
            return Ok(Instant::now());
        }
        if Instant::now() > deadline {
            bail!("timed out after {limit:?} waiting for {what}");
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

const INBOX_JOB: &str = "activitypub-inbox";
const DELIVER_JOB: &str = "activitypub-http-broadcast";

#[tokio::main]
async fn main() -> Result<()> {
    let args = Args::parse();
    let bin = match &args.bin {
        Some(b) => b.clone(),
        None => std::env::current_exe()?.with_file_name("ferrotube"),
    };
    if !bin.exists() {
        bail!(
            "{} not found: run `cargo build --release -p ferrotube` first (same target dir)",
            bin.display()
        );
    }
    let total_actors = args.hosts * args.actors_per_host;
    println!(
        "fedbench: {} hosts x {} actors = {total_actors} followers, {} inbox activities ({}), \
         {} connections, {}; {} cores; server {}",
        args.hosts,
        args.actors_per_host,
        args.inbox_activities,
        match args.inbox_kind {
            InboxKind::Mix => "Like/View",
            InboxKind::Like => "Like",
            InboxKind::View => "View",
        },
        args.connections,
        match args.db {
            Db::Sqlite => "SQLite",
            Db::Postgres => "PostgreSQL",
        },
        std::thread::available_parallelism()
            .map(|p| p.get())
            .unwrap_or(0),
        bin.display()
    );
    let mut report = Report::default();
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    report.add(
        "machine load average (1/5/15 min) at start",
        load.split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" "),
        "the bench and the instance share these cores: anything else running skews the figures",
    );
    let work = tempfile::tempdir()?;
    let clip = ferrotube_testkit::make_clip(work.path(), "clip.mp4", 1, 320, 240);

    let fed_config = FedConfig {
        inbox_concurrency: args.inbox_concurrency,
        delivery_concurrency: args.delivery_concurrency,
        per_host_concurrency: args.per_host_concurrency,
    };
    let pg = (args.db == Db::Postgres).then_some(args.pg_url.as_str());
    let t0 = Instant::now();
    let inst = Instance::start(&bin, pg, &fed_config, args.keep).await?;
    report.add(
        "instance start (to first 200)",
        secs(t0.elapsed()),
        &inst.url,
    );
    let result = run(&args, &inst, &clip, &mut report).await;
    let log = std::fs::read_to_string(inst.log_file()).unwrap_or_default();
    let warns: Vec<&str> = log
        .lines()
        .filter(|l| l.contains(" WARN ") || l.contains(" ERROR "))
        .collect();
    report.add(
        "instance log: WARN/ERROR lines",
        warns.len().to_string(),
        warns.first().map(|l| l.to_string()).unwrap_or_default(),
    );
    report.print();
    if let Err(e) = &result {
        eprintln!(
            "\nbench failed: {e:#}\n--- instance log tail\n{}",
            inst.log_tail_n(30)
        );
    }
    result
}

async fn run(
    args: &Args,
    inst: &Instance,
    clip: &std::path::Path,
    report: &mut Report,
) -> Result<()> {
    let total_actors = args.hosts * args.actors_per_host;
    tokio::time::sleep(Duration::from_millis(500)).await;
    mem_row(report, inst, "idle (after start)");

    let t = Instant::now();
    let keys = fediverse::generate_keys(args.hosts).await?;
    report.add(
        "bench: 2048-bit host keys generated",
        secs(t.elapsed()),
        format!("{} keys (not part of any figure)", args.hosts),
    );
    let hosts = keys
        .into_iter()
        .map(|k| {
            (0..args.actors_per_host)
                .map(|a| (format!("u{a}"), k.clone()))
                .collect()
        })
        .collect();
    let fed = Fediverse::start("127.0.0.1", hosts, true).await?;
    let instance_actor = format!("{}/accounts/peertube", inst.url);
    fed.learn_instance_key(&instance_actor).await?;
    fed.learn_instance_key(&format!("{}/accounts/root", inst.url))
        .await?;

    // A video for the Likes and Views, published before anyone follows.
    let t = Instant::now();
    let target = inst.upload(clip, "fedbench target").await?;
    inst.wait_published(&target).await?;
    report.add(
        "video upload + transcode to published (1 s clip)",
        secs(t.elapsed()),
        "",
    );
    let video_url = format!("{}/videos/watch/{target}", inst.url);

    // ---------------------------------------------------------------- 1a. follows
    let inbox = url::Url::parse(&format!("{}/inbox", inst.url))?;
    let mut bodies = Vec::new();
    for (h, host) in fed.hosts.iter().enumerate() {
        for (a, actor) in host.actors().iter().enumerate() {
            let body = json!({
                "@context": "https://www.w3.org/ns/activitystreams",
                "type": "Follow",
                "id": format!("{actor}/follows/instance"),
                "actor": actor,
                "object": instance_actor,
            });
            bodies.push((h, a, body.to_string()));
        }
    }
    let t = Instant::now();
    let follows = presign(&fed, &inbox, bodies).await?;
    let sign_rate = follows.len() as f64 / t.elapsed().as_secs_f64();
    println!(
        "  (bench signed {} follows at {sign_rate:.0}/s)",
        follows.len()
    );
    let gets_before = fed
        .counters
        .actor_gets
        .load(std::sync::atomic::Ordering::Relaxed);
    let b = blast(inbox.as_str(), follows, args.connections).await;
    let start = b.started.unwrap_or_else(Instant::now);
    blast_rows(report, "follows", &b);
    let followed = wait_until(Duration::from_secs(300), "all follows stored", || async {
        Ok(inst.followers_total().await? >= b.ok as i64)
    })
    .await?;
    let idle = inst
        .wait_jobs_idle(INBOX_JOB, Duration::from_secs(300))
        .await?;
    let processed_at = followed.max(idle);
    report.add(
        "follows: processed/s (all followers stored, inbox jobs done)",
        format!(
            "{:.0}/s",
            b.ok as f64 / (processed_at - start).as_secs_f64()
        ),
        format!(
            "{} from the first POST; each Follow fetches its actor ({} GETs)",
            secs(processed_at - start),
            fed.counters
                .actor_gets
                .load(std::sync::atomic::Ordering::Relaxed)
                - gets_before
        ),
    );
    let accepted = wait_until(
        Duration::from_secs(300),
        "all Accepts delivered",
        || async { Ok(fed.count(|r| r.kind == "Accept") >= b.ok) },
    )
    .await?;
    report.add(
        "follows: Accept deliveries/s (to the actors' inboxes)",
        format!("{:.0}/s", b.ok as f64 / (accepted - start).as_secs_f64()),
        format!(
            "last Accept {} after the first Follow",
            secs(accepted - start)
        ),
    );
    inst.wait_jobs_idle(DELIVER_JOB, Duration::from_secs(120))
        .await?;

    // ---------------------------------------------------------------- 1b. activities
    let mut bodies = Vec::new();
    for i in 0..args.inbox_activities {
        let h = i % args.hosts;
        let a = (i / args.hosts) % args.actors_per_host;
        let actor = fed.hosts[h].actor_url(a);
        let like = match args.inbox_kind {
            InboxKind::Mix => i % 2 == 0,
            InboxKind::Like => true,
            InboxKind::View => false,
        };
        let (kind, path) = if like {
            ("Like", "likes")
        } else {
            ("View", "views")
        };
        let body = json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "type": kind,
            "id": format!("{actor}/{path}/{i}"),
            "actor": actor,
            "object": video_url,
        });
        bodies.push((h, a, body.to_string()));
    }
    let t = Instant::now();
    let acts = presign(&fed, &inbox, bodies).await?;
    println!(
        "  (bench signed {} activities in {})",
        acts.len(),
        secs(t.elapsed())
    );
    let perf = Perf::start(args.perf_dir.as_deref(), inst.pid(), "inbox");
    let b = blast(inbox.as_str(), acts, args.connections).await;
    let start = b.started.unwrap_or_else(Instant::now);
    blast_rows(report, "activities", &b);
    let idle = inst
        .wait_jobs_idle(INBOX_JOB, Duration::from_secs(600))
        .await?;
    perf.stop();
    report.add(
        "activities: processed/s (inbox jobs all done)",
        format!("{:.0}/s", b.ok as f64 / (idle - start).as_secs_f64()),
        format!(
            "{} from the first POST; target >= 1000/s",
            secs(idle - start)
        ),
    );
    let failed = inst.jobs_total("failed", INBOX_JOB).await?;
    let delayed = inst.jobs_total("delayed", INBOX_JOB).await?;
    report.add(
        "activities: inbox jobs failed / delayed (retrying)",
        format!("{failed} / {delayed}"),
        "",
    );
    let v = inst
        .get_json(&format!("/api/v1/videos/{target}"), false)
        .await?;
    report.add(
        "activities: target video likes / views",
        format!("{} / {}", v["likes"], v["views"]),
        "likes: one per distinct actor",
    );
    mem_row(report, inst, "after the inbox phase");

    // ---------------------------------------------------------------- 2. fan-out
    let t = Instant::now();
    let perf = Perf::start(args.perf_dir.as_deref(), inst.pid(), "fanout");
    let uuid = inst.upload(clip, "fedbench fan-out").await?;
    let (video, seen_published) = inst.wait_published(&uuid).await?;
    let published_at = video["publishedAt"]
        .as_str()
        .and_then(|s| {
            time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok()
        })
        .map(SystemTime::from)
        .context("publishedAt")?;
    let upload_to_published = t.elapsed();
    let is_create = |r: &fediverse::Received| r.kind == "Create" && r.object_id.contains(&uuid);
    wait_until(
        Duration::from_secs(120),
        "the Create on every host",
        || async {
            let hosts: HashSet<usize> = fed
                .received_where(is_create)
                .iter()
                .map(|r| r.host)
                .collect();
            Ok(hosts.len() >= args.hosts)
        },
    )
    .await?;
    perf.stop();
    let creates = fed.received_where(is_create);
    let first = creates.iter().map(|r| r.at).min().unwrap_or(published_at);
    let last = creates.iter().map(|r| r.at).max().unwrap_or(published_at);
    let shared = creates.iter().filter(|r| r.shared).count();
    report.add(
        "fan-out: upload to published (seen by polling)",
        secs(upload_to_published),
        format!("publishedAt {}", video["publishedAt"]),
    );
    report.add(
        "fan-out: publishedAt -> Create at the first host",
        secs(since(first, published_at)),
        "",
    );
    report.add(
        format!(
            "fan-out: publishedAt -> Create at the last of {} hosts",
            args.hosts
        ),
        secs(since(last, published_at)),
        format!(
            "target <= 2 s; {} after state 1 was seen",
            if last >= seen_published {
                format!("{:.3} s", since(last, seen_published).as_secs_f64())
            } else {
                format!("-{:.3} s", since(seen_published, last).as_secs_f64())
            }
        ),
    );
    report.add(
        "fan-out: Create deliveries (to shared inboxes)",
        format!("{} ({shared})", creates.len()),
        format!("{total_actors} followers on {} hosts", args.hosts),
    );
    report.add(
        "fan-out: deliveries/s (first -> last Create)",
        format!(
            "{:.0}/s",
            creates.len() as f64 / since(last, first).as_secs_f64().max(1e-3)
        ),
        format!(
            "{:.0}/s counted from publishedAt",
            creates.len() as f64 / since(last, published_at).as_secs_f64().max(1e-3)
        ),
    );
    inst.wait_jobs_idle(DELIVER_JOB, Duration::from_secs(60))
        .await?;
    let announces = fed.received_where(|r| r.kind == "Announce" && r.object_id.contains(&uuid));
    report.add(
        "fan-out: Announce deliveries of the video",
        announces.len().to_string(),
        "its channel and the instance actor share it too",
    );
    mem_row(report, inst, "after the fan-out");

    let c = &fed.counters;
    let failures = fed.failures();
    report.add(
        "deliveries received / signature+Digest verified / bad",
        format!(
            "{} / {} / {}",
            c.posts.load(std::sync::atomic::Ordering::Relaxed),
            c.verified.load(std::sync::atomic::Ordering::Relaxed),
            c.verify_failed.load(std::sync::atomic::Ordering::Relaxed)
        ),
        failures.first().cloned().unwrap_or_default(),
    );
    Ok(())
}
