//! A real nginx (Debian's package) in front of an instance's web nodes, configured with the
//! server block operators use (`deploy/nginx.conf`): only the upstream servers and the listen
//! address are replaced.

use anyhow::{bail, Context, Result};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Nginx {
    child: Option<Child>,
    /// `http://127.0.0.1:port`, the URL the world uses.
    pub url: String,
    dir: tempfile::TempDir,
}

/// The shipped server block.
pub fn shipped_config() -> Result<String> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../deploy/nginx.conf");
    std::fs::read_to_string(&path).with_context(|| format!("read {}", path.display()))
}

impl Nginx {
    /// A free port for the proxy, to be known before the nodes start (their public URL).
    pub fn free_port() -> Result<u16> {
        let l = std::net::TcpListener::bind(("127.0.0.1", 0)).context("bind")?;
        Ok(l.local_addr()?.port())
    }

    /// Starts nginx on 127.0.0.1:`port` in front of `upstreams` (`host:port` of web nodes).
    pub async fn start(port: u16, upstreams: &[String]) -> Result<Nginx> {
        let shipped = shipped_config()?;
        let mut server_block = String::new();
        let mut in_upstream = false;
        for line in shipped.lines() {
            let t = line.trim();
            if t.starts_with("upstream ferrotube") {
                in_upstream = true;
                server_block.push_str(line);
                server_block.push('\n');
                for u in upstreams {
                    server_block
                        .push_str(&format!("    server {u} max_fails=1 fail_timeout=5s;\n"));
                }
                continue;
            }
            if in_upstream && t.starts_with("server ") {
                continue;
            }
            if in_upstream && t == "}" {
                in_upstream = false;
            }
            if t == "listen 80;" {
                server_block.push_str(&format!("    listen 127.0.0.1:{port};\n"));
                continue;
            }
            server_block.push_str(line);
            server_block.push('\n');
        }
        let dir = tempfile::Builder::new()
            .prefix("ferrotube-nginx-")
            .tempdir()
            .context("tempdir")?;
        let d = dir.path().display();
        let conf = format!(
            "daemon off;\nworker_processes 1;\npid {d}/nginx.pid;\nerror_log {d}/error.log warn;\n\
             events {{ worker_connections 1024; }}\n\
             http {{\n  access_log off;\n  client_body_temp_path {d}/body;\n  proxy_temp_path {d}/proxy;\n\
             fastcgi_temp_path {d}/fastcgi;\n  uwsgi_temp_path {d}/uwsgi;\n  scgi_temp_path {d}/scgi;\n\
             {server_block}\n}}\n"
        );
        let conf_path = dir.path().join("nginx.conf");
        std::fs::write(&conf_path, conf).context("write nginx.conf")?;
        let child = Command::new(nginx_bin())
            .arg("-c")
            .arg(&conf_path)
            .arg("-p")
            .arg(dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("spawn nginx (scripts/install-deps.sh --test installs it)")?;
        let mut n = Nginx {
            child: Some(child),
            url: format!("http://127.0.0.1:{port}"),
            dir,
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Ok(n);
            }
            if let Some(status) = n.child.as_mut().and_then(|c| c.try_wait().ok().flatten()) {
                bail!("nginx exited ({status}): {}", n.error_log());
            }
            if Instant::now() >= deadline {
                bail!("nginx did not listen within 20 s: {}", n.error_log());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// nginx's error log (upstream failures and retries are logged there).
    pub fn error_log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("error.log")).unwrap_or_default()
    }
}

fn nginx_bin() -> PathBuf {
    ["/usr/sbin/nginx", "/usr/bin/nginx"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
        .unwrap_or_else(|| PathBuf::from("nginx"))
}

impl Drop for Nginx {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}
