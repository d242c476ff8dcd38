//! The real `ferrotube` binary as a child process, on SQLite or on a fresh PostgreSQL
//! database, driven over real HTTP.

use crate::{pg_base, Backend, Http, PgDb, ROOT_PW};
use anyhow::{bail, Context, Result};
use std::ops::{Deref, DerefMut};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The `ferrotube` binary: `$FERROTUBE_BIN`, else `$NEXTEST_BIN_EXE_ferrotube` or
/// `$CARGO_BIN_EXE_ferrotube` at run time, else `ferrotube` in the target directory of the
/// running executable (`target/debug/deps/instance-…` → `target/debug/ferrotube`, as
/// assert_cmd finds binaries; cargo builds a package's binaries before its integration tests).
pub fn ferrotube_bin() -> PathBuf {
    for var in [
        "FERROTUBE_BIN",
        "NEXTEST_BIN_EXE_ferrotube",
        "CARGO_BIN_EXE_ferrotube",
    ] {
        if let Some(p) = std::env::var_os(var) {
            return PathBuf::from(p);
        }
    }
    let exe = std::env::current_exe().expect("current exe");
    let mut dir = exe.parent().expect("exe dir").to_path_buf();
    if dir.ends_with("deps") {
        dir.pop();
    }
    dir.join(format!("ferrotube{}", std::env::consts::EXE_SUFFIX))
}

/// RSS and its high-water mark of a process, in MiB.
pub fn memory_mib(pid: u32) -> (f64, f64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|kb| kb.parse::<f64>().ok())
            .map(|kb| kb / 1024.0)
            .unwrap_or(f64::NAN)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// How to start a [`TestInstance`].
#[derive(Clone, Debug)]
pub struct Launch {
    pub bin: PathBuf,
    pub backend: Backend,
    /// The loopback address it listens on (federation gives each instance its own: separate hosts).
    pub ip: String,
    /// TOML passed through `serve --config` (none when empty).
    pub config: String,
    pub root_password: String,
    /// The PostgreSQL server of [`Backend::Postgres`].
    pub pg_base: String,
    pub pg_prefix: String,
    pub rust_log: String,
    /// More environment for the server.
    pub env: Vec<(String, String)>,
    pub tmp_prefix: String,
    /// Keep the data dir and log after the instance is dropped (printed on stderr).
    pub keep_files: bool,
}

impl Launch {
    pub fn new(backend: Backend) -> Launch {
        Launch {
            bin: ferrotube_bin(),
            backend,
            ip: "127.0.0.1".into(),
            config: String::new(),
            root_password: ROOT_PW.into(),
            pg_base: pg_base(),
            pg_prefix: "ft_test".into(),
            // FERROTUBE_TEST_LOG=debug,... to see more of a failing test's servers.
            rust_log: std::env::var("FERROTUBE_TEST_LOG")
                .unwrap_or_else(|_| "info,sqlx=warn".into()),
            env: Vec::new(),
            tmp_prefix: "ferrotube-it-".into(),
            keep_files: false,
        }
    }
}

fn free_port(ip: &str) -> Result<u16> {
    let l = std::net::TcpListener::bind((ip, 0)).with_context(|| format!("bind {ip}:0"))?;
    Ok(l.local_addr()?.port())
}

/// A running instance. Dropping it kills the server, drops its database and removes its data
/// dir. Its client side ([`Http`]: URLs, sign-in, uploads) is reached through `Deref`.
pub struct TestInstance {
    http: Http,
    pub child: Option<Child>,
    /// More nodes of this instance on the same database and files
    /// ([`TestInstance::spawn_worker`], [`TestInstance::spawn_web_node`]); `None` once killed.
    pub nodes: Vec<Option<Child>>,
    pub backend: Backend,
    launch: Launch,
    config_file: Option<PathBuf>,
    log_file: PathBuf,
    // Dropped after the child is killed (field order): the database, then the directory.
    pub pg_db: Option<PgDb>,
    _tmp: Option<tempfile::TempDir>,
}

impl Deref for TestInstance {
    type Target = Http;
    fn deref(&self) -> &Http {
        &self.http
    }
}

impl DerefMut for TestInstance {
    fn deref_mut(&mut self) -> &mut Http {
        &mut self.http
    }
}

impl TestInstance {
    pub async fn start(backend: Backend) -> TestInstance {
        TestInstance::start_with(backend, "").await
    }

    /// Starts an instance with `config` (TOML, may be empty) passed through `serve --config`.
    pub async fn start_with(backend: Backend, config: &str) -> TestInstance {
        TestInstance::start_at(backend, "127.0.0.1", config).await
    }

    /// Starts an instance listening on `ip` (federation tests give each instance its own
    /// loopback address, as separate hosts).
    pub async fn start_at(backend: Backend, ip: &str, config: &str) -> TestInstance {
        let launch = Launch {
            ip: ip.into(),
            config: config.into(),
            ..Launch::new(backend)
        };
        TestInstance::launch(launch)
            .await
            .unwrap_or_else(|e| panic!("{e:#}"))
    }

    /// Starts the binary as `launch` says and waits until it answers `GET /api/v1/config`.
    pub async fn launch(launch: Launch) -> Result<TestInstance> {
        let tmp = tempfile::Builder::new()
            .prefix(&launch.tmp_prefix)
            .tempdir()
            .context("tempdir")?;
        let data_dir = tmp.path().join("data");
        std::fs::create_dir_all(&data_dir).context("data dir")?;
        let config_file = if launch.config.trim().is_empty() {
            None
        } else {
            let f = tmp.path().join("config.toml");
            std::fs::write(&f, &launch.config).context("write config")?;
            Some(f)
        };
        let pg_db = match launch.backend {
            Backend::Postgres => Some(PgDb::create_on(&launch.pg_base, &launch.pg_prefix)?),
            Backend::Sqlite => None,
        };
        let port = free_port(&launch.ip)?;
        let log_file = tmp.path().join("server.log");
        let tmp = if launch.keep_files {
            eprintln!("keeping the instance's files in {}", tmp.keep().display());
            None
        } else {
            Some(tmp)
        };
        let mut inst = TestInstance {
            http: Http::new(
                &launch.ip,
                port,
                data_dir,
                &launch.root_password,
                Some(log_file.clone()),
            ),
            log_file,
            child: None,
            nodes: Vec::new(),
            backend: launch.backend,
            config_file,
            launch,
            pg_db,
            _tmp: tmp,
        };
        inst.spawn().await?;
        Ok(inst)
    }

    /// The command that starts a node of this instance (same settings, database and files).
    fn node_command(&self) -> Result<Command> {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log_file)
            .context("log file")?;
        let mut cmd = Command::new(&self.launch.bin);
        cmd.arg("serve");
        if let Some(c) = &self.config_file {
            cmd.arg("--config").arg(c);
        }
        cmd.env_remove("FERROTUBE_CONFIG")
            .env_remove("FERROTUBE_DATABASE_URL")
            .env("FERROTUBE_LISTEN", &self.http.host)
            .env("FERROTUBE_PUBLIC_URL", &self.http.url)
            .env("FERROTUBE_DATA_DIR", &self.http.data_dir)
            .env(
                "FERROTUBE_INITIAL_ROOT_PASSWORD",
                &self.launch.root_password,
            )
            .env("RUST_LOG", &self.launch.rust_log)
            .envs(self.launch.env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(log.try_clone().context("log")?)
            .stderr(log);
        if let Some(db) = &self.pg_db {
            cmd.env("FERROTUBE_DATABASE_URL", &db.url);
        }
        Ok(cmd)
    }

    /// Starts one more node of this instance with `--role worker` (jobs only), on the same
    /// database and files; its log goes to the same file. Killed with the instance. Returns the
    /// node's index for [`TestInstance::kill_node`].
    pub fn spawn_worker(&mut self) -> Result<usize> {
        let mut cmd = self.node_command()?;
        cmd.env("FERROTUBE_ROLE", "worker");
        let child = cmd.spawn().context("spawn a worker")?;
        self.nodes.push(Some(child));
        Ok(self.nodes.len() - 1)
    }

    /// Starts one more `--role web` node of this instance on another port of the same address,
    /// and waits until it answers. Returns its index and its own base URL.
    pub async fn spawn_web_node(&mut self) -> Result<(usize, String)> {
        let port = free_port(&self.launch.ip)?;
        let listen = format!("{}:{port}", self.launch.ip);
        let mut cmd = self.node_command()?;
        cmd.env("FERROTUBE_ROLE", "web")
            .env("FERROTUBE_LISTEN", &listen);
        let child = cmd.spawn().context("spawn a web node")?;
        self.nodes.push(Some(child));
        let base = format!("http://{listen}");
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(r) = self
                .client
                .get(format!("{base}/api/v1/config"))
                .timeout(Duration::from_secs(2))
                .send()
                .await
            {
                if r.status() == 200 {
                    return Ok((self.nodes.len() - 1, base));
                }
            }
            if Instant::now() >= deadline {
                bail!(
                    "the web node did not answer within 60 s:\n{}",
                    self.log_tail()
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// SIGKILLs one of the extra nodes.
    pub fn kill_node(&mut self, index: usize) {
        if let Some(mut c) = self.nodes.get_mut(index).and_then(Option::take) {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// SIGKILLs the first node (the one `launch` started), leaving the extra ones running.
    pub fn kill_first_node(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    async fn spawn(&mut self) -> Result<()> {
        let mut cmd = self.node_command()?;
        self.child = Some(cmd.spawn().with_context(|| {
            format!("spawn the ferrotube binary {}", self.launch.bin.display())
        })?);
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(status) = self
                .child
                .as_mut()
                .and_then(|c| c.try_wait().ok().flatten())
            {
                bail!("ferrotube exited at start ({status}):\n{}", self.log_tail());
            }
            if let Ok(r) = self
                .client
                .get(format!("{}/api/v1/config", self.url))
                .timeout(Duration::from_secs(2))
                .send()
                .await
            {
                if r.status() == 200 {
                    return Ok(());
                }
            }
            if Instant::now() >= deadline {
                bail!("ferrotube did not answer within 60 s:\n{}", self.log_tail());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Runs the binary with `args` (e.g. `storage migrate --to local`) on this instance's
    /// settings, data dir and database, and waits for it; answers its output.
    pub fn run_cli(&self, args: &[&str]) -> std::process::Output {
        let mut cmd = Command::new(&self.launch.bin);
        cmd.args(args);
        if let Some(c) = &self.config_file {
            cmd.arg("--config").arg(c);
        }
        cmd.env_remove("FERROTUBE_CONFIG")
            .env_remove("FERROTUBE_DATABASE_URL")
            .env("FERROTUBE_LISTEN", &self.http.host)
            .env("FERROTUBE_PUBLIC_URL", &self.http.url)
            .env("FERROTUBE_DATA_DIR", &self.http.data_dir)
            .env("RUST_LOG", &self.launch.rust_log)
            .envs(self.launch.env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null());
        if let Some(db) = &self.pg_db {
            cmd.env("FERROTUBE_DATABASE_URL", &db.url);
        }
        cmd.output().expect("run the ferrotube binary")
    }

    /// SIGKILLs the server (no graceful shutdown) and waits for it to be gone.
    pub fn kill(&mut self) {
        let extra = self.nodes.drain(..).flatten();
        for mut c in self.child.take().into_iter().chain(extra) {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Kills the server with SIGKILL and starts the same binary on the same data dir and database.
    pub async fn restart(&mut self) {
        self.kill();
        self.spawn().await.unwrap_or_else(|e| panic!("{e:#}"));
    }

    /// The server's process id (0 once killed).
    pub fn pid(&self) -> u32 {
        self.child.as_ref().map(Child::id).unwrap_or(0)
    }

    /// The server's RSS and high-water mark, in MiB.
    pub fn memory(&self) -> (f64, f64) {
        memory_mib(self.pid())
    }

    pub fn log_file(&self) -> &Path {
        &self.log_file
    }
}

impl Drop for TestInstance {
    fn drop(&mut self) {
        self.kill();
        if std::thread::panicking() {
            eprintln!(
                "---- ferrotube log ({:?}, {}) ----\n{}",
                self.backend,
                self.url,
                self.log_tail()
            );
        }
    }
}
