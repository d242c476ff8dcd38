//! A real SMTP server on loopback for the mail tests: Python's `aiosmtpd` (Debian's
//! `python3-aiosmtpd`, installed by `scripts/install-deps.sh --test`) in a child process. Each
//! message it accepts is decoded with Python's `email` package (quoted-printable, base64,
//! multipart) and written as one JSON file, which the test reads as a [`Mail`].

use anyhow::{bail, Context, Result};
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const SERVER_PY: &str = r#"
import email, json, os, sys, threading
from email import policy
from aiosmtpd.controller import Controller

folder, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])

class Handler:
    count = 0

    async def handle_DATA(self, server, session, envelope):
        msg = email.message_from_bytes(envelope.content, policy=policy.default)
        text = html = ""
        for part in msg.walk():
            kind = part.get_content_type()
            if kind == "text/plain" and not text:
                text = part.get_content()
            elif kind == "text/html" and not html:
                html = part.get_content()
        Handler.count += 1
        tmp = os.path.join(folder, ".%05d.tmp" % Handler.count)
        with open(tmp, "w") as f:
            json.dump({"from": envelope.mail_from, "to": list(envelope.rcpt_tos),
                       "subject": str(msg["subject"] or ""), "text": text, "html": html}, f)
        os.rename(tmp, os.path.join(folder, "%05d.json" % Handler.count))
        return "250 Message accepted for delivery"

controller = Controller(Handler(), hostname=host, port=port)
controller.start()
print("ready", flush=True)
threading.Event().wait()
"#;

/// One received mail, decoded.
#[derive(Debug, Clone)]
pub struct Mail {
    pub from: String,
    pub to: Vec<String>,
    pub subject: String,
    pub text: String,
    pub html: String,
}

impl Mail {
    /// The first `http(s)://` link of the plain-text part whose path starts with `path`.
    pub fn link(&self, path: &str) -> Option<String> {
        self.text
            .split_whitespace()
            .filter(|w| w.starts_with("http://") || w.starts_with("https://"))
            .find(|w| {
                url::Url::parse(w)
                    .map(|u| u.path().starts_with(path))
                    .unwrap_or(false)
            })
            .map(str::to_string)
    }
}

/// The SMTP server. Dropping it stops the server (the port is then closed).
pub struct MailServer {
    pub host: String,
    pub port: u16,
    dir: tempfile::TempDir,
    child: Child,
}

impl MailServer {
    /// Starts a server on `ip` at a free port.
    pub fn start(ip: &str) -> MailServer {
        let port = std::net::TcpListener::bind((ip, 0))
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("free port");
        MailServer::start_on(ip, port).unwrap_or_else(|e| panic!("{e:#}"))
    }

    /// Starts a server on `ip:port` (a test that wants the server down for a while picks the
    /// port first).
    pub fn start_on(ip: &str, port: u16) -> Result<MailServer> {
        let dir = tempfile::Builder::new()
            .prefix("ferrotube-mail-")
            .tempdir()
            .context("tempdir")?;
        let mut child = Command::new("/usr/bin/python3")
            .arg("-c")
            .arg(SERVER_PY)
            .arg(dir.path())
            .arg(ip)
            .arg(port.to_string())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .context("python3 (aiosmtpd)")?;
        let stdout = child.stdout.take().context("stdout")?;
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .context("read aiosmtpd's first line")?;
        if line.trim() != "ready" {
            let _ = child.kill();
            bail!("aiosmtpd did not start on {ip}:{port} (is python3-aiosmtpd installed?)");
        }
        Ok(MailServer {
            host: ip.to_string(),
            port,
            dir,
            child,
        })
    }

    /// The `[smtp]` section of an instance's settings that sends here.
    pub fn smtp_toml(&self) -> String {
        smtp_toml(&self.host, self.port)
    }

    /// Every mail received so far, oldest first.
    pub fn mails(&self) -> Vec<Mail> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(self.dir.path())
            .map(|d| {
                d.filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|p| p.extension().is_some_and(|x| x == "json"))
                    .collect()
            })
            .unwrap_or_default();
        files.sort();
        files
            .iter()
            .filter_map(|p| std::fs::read_to_string(p).ok())
            .filter_map(|s| serde_json::from_str::<Value>(&s).ok())
            .map(|v| Mail {
                from: v["from"].as_str().unwrap_or_default().to_string(),
                to: v["to"]
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .filter_map(|s| s.as_str().map(str::to_string))
                            .collect()
                    })
                    .unwrap_or_default(),
                subject: v["subject"].as_str().unwrap_or_default().to_string(),
                text: v["text"].as_str().unwrap_or_default().to_string(),
                html: v["html"].as_str().unwrap_or_default().to_string(),
            })
            .collect()
    }

    /// Waits (up to `within`) for a mail to `to` whose subject contains `subject`; the newest
    /// such mail.
    pub async fn wait_for(&self, to: &str, subject: &str, within: Duration) -> Mail {
        let start = Instant::now();
        loop {
            if let Some(m) = self
                .mails()
                .into_iter()
                .rev()
                .find(|m| m.to.iter().any(|t| t == to) && m.subject.contains(subject))
            {
                return m;
            }
            if start.elapsed() > within {
                panic!(
                    "no mail to {to} with {subject:?} within {within:?}; received: {:?}",
                    self.mails()
                        .iter()
                        .map(|m| (&m.to, &m.subject))
                        .collect::<Vec<_>>()
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// How many mails to `to` with `subject` in their subject arrived.
    pub fn count(&self, to: &str, subject: &str) -> usize {
        self.mails()
            .iter()
            .filter(|m| m.to.iter().any(|t| t == to) && m.subject.contains(subject))
            .count()
    }
}

/// The `[smtp]` settings for a plain SMTP server at `host:port`.
pub fn smtp_toml(host: &str, port: u16) -> String {
    format!(
        "[smtp]\nhost = \"{host}\"\nport = {port}\ntls = \"none\"\nfrom_address = \"tube@ferrotube.test\"\n"
    )
}

impl Drop for MailServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
