//! The server's log files, read back for `GET /api/v1/server/logs`. The binary writes every
//! event it logs as one JSON line (PeerTube's format: `level`, `message`, `label`, `timestamp`,
//! `tags` and the event's fields) to `{data_dir}/logs/ferrotube-YYYY-MM-DD.log`, one file per
//! UTC day, keeping [`RETENTION_DAYS`] of them. Each node writes its own files: on several
//! nodes an admin reads the logs of the node that answers, as PeerTube reads its primary's.

use serde_json::Value;
use std::path::{Path, PathBuf};

pub const LOG_DIR: &str = "logs";
pub const PREFIX: &str = "ferrotube-";
pub const RETENTION_DAYS: usize = 7;
/// PeerTube's MAX_LOGS_OUTPUT_CHARACTERS: an answer stops growing past this.
pub const MAX_OUTPUT_CHARS: usize = 5 * 1000 * 1000;

pub fn dir(data_dir: &Path) -> PathBuf {
    data_dir.join(LOG_DIR)
}

/// The file of the UTC day `day` (`YYYY-MM-DD`).
pub fn file_name(day: &str) -> String {
    format!("{PREFIX}{day}.log")
}

/// PeerTube's levels, lowest first.
pub fn level_rank(level: &str) -> Option<u8> {
    Some(match level {
        "debug" => 0,
        "info" => 1,
        "warn" => 2,
        "error" => 3,
        _ => return None,
    })
}

pub struct Filter {
    pub start: i64,
    pub end: i64,
    pub min_level: u8,
    /// Lines with one of these tags; `None`: any line.
    pub tags_one_of: Option<Vec<String>>,
}

impl Filter {
    fn keeps(&self, line: &Value) -> Option<bool> {
        let at = ferrotube_model::timefmt::parse_iso(line.get("timestamp")?.as_str()?)?;
        if at < self.start || at > self.end {
            return Some(false);
        }
        let rank = level_rank(line.get("level")?.as_str()?)?;
        if rank < self.min_level {
            return Some(false);
        }
        Some(match &self.tags_one_of {
            None => true,
            Some(wanted) => line
                .get("tags")
                .and_then(Value::as_array)
                .is_some_and(|tags| {
                    tags.iter()
                        .filter_map(Value::as_str)
                        .any(|t| wanted.iter().any(|w| w == t))
                }),
        })
    }
}

/// The lines of the log files under `dir` that pass `filter`, oldest first; the newest ones
/// when there are more than [`MAX_OUTPUT_CHARS`].
pub fn read(dir: &Path, filter: &Filter) -> std::io::Result<Vec<Value>> {
    let mut files: Vec<PathBuf> = match std::fs::read_dir(dir) {
        Ok(entries) => entries
            .filter_map(|e| e.ok())
            .map(|e| e.path())
            .filter(|p| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with(PREFIX) && n.ends_with(".log"))
            })
            .collect(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    // The day is in the name: newest first.
    files.sort_unstable_by(|a, b| b.cmp(a));
    let mut out: Vec<Value> = Vec::new();
    let mut size = 0usize;
    'files: for f in files {
        let text = std::fs::read_to_string(&f)?;
        let mut older_than_start = false;
        for raw in text.lines().rev() {
            let Ok(line) = serde_json::from_str::<Value>(raw) else {
                continue;
            };
            match filter.keeps(&line) {
                Some(true) => {
                    size += raw.len();
                    out.push(line);
                    if size > MAX_OUTPUT_CHARS {
                        break 'files;
                    }
                }
                _ => {
                    if line
                        .get("timestamp")
                        .and_then(Value::as_str)
                        .and_then(ferrotube_model::timefmt::parse_iso)
                        .is_some_and(|t| t < filter.start)
                    {
                        older_than_start = true;
                        break;
                    }
                }
            }
        }
        if older_than_start {
            break;
        }
    }
    out.reverse();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_by_date_level_and_tags() {
        let dir = std::env::temp_dir().join(format!("ft-logs-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let lines = [
            r#"{"level":"info","message":"a","timestamp":"2026-01-01T10:00:00.000Z","tags":["http"]}"#,
            r#"{"level":"warn","message":"b","timestamp":"2026-01-01T11:00:00.000Z","tags":["jobs"]}"#,
            "not json",
            r#"{"level":"debug","message":"c","timestamp":"2026-01-01T12:00:00.000Z","tags":["http"]}"#,
        ];
        std::fs::write(dir.join(file_name("2026-01-01")), lines.join("\n")).expect("write");
        let t = |s: &str| ferrotube_model::timefmt::parse_iso(s).expect("time");
        let all = Filter {
            start: t("2026-01-01T00:00:00.000Z"),
            end: t("2026-01-02T00:00:00.000Z"),
            min_level: 0,
            tags_one_of: None,
        };
        let msgs = |f: &Filter| -> Vec<String> {
            read(&dir, f)
                .expect("read")
                .iter()
                .map(|l| l["message"].as_str().unwrap_or("").to_string())
                .collect()
        };
        assert_eq!(msgs(&all), ["a", "b", "c"]);
        let warn = Filter {
            min_level: 2,
            ..all
        };
        assert_eq!(msgs(&warn), ["b"]);
        let http = Filter {
            min_level: 0,
            tags_one_of: Some(vec!["http".into()]),
            ..warn
        };
        assert_eq!(msgs(&http), ["a", "c"]);
        let late = Filter {
            start: t("2026-01-01T10:30:00.000Z"),
            tags_one_of: None,
            ..http
        };
        assert_eq!(msgs(&late), ["b", "c"]);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
