//! The JSON log files `GET /api/v1/server/logs` reads back (`ferrotube_app::admin::logs`): a
//! `tracing` layer writing each event as one line of PeerTube's log format (`level`, `message`,
//! `label`, `timestamp`, `tags`, then the event's fields) to
//! `{data_dir}/logs/ferrotube-YYYY-MM-DD.log`, a file per UTC day, removing files beyond the
//! retention. Written line by line with no buffer, so a crash loses nothing already logged.

use ferrotube_app::admin::logs::{file_name, PREFIX, RETENTION_DAYS};
use serde_json::{Map, Value};
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::PathBuf;
use std::sync::Mutex;
use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::layer::Context;
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::Layer;

pub struct JsonFileLayer {
    dir: PathBuf,
    label: String,
    /// The day of the open file and the file.
    file: Mutex<Option<(String, File)>>,
}

impl JsonFileLayer {
    /// Creates the folder; the first event opens the day's file.
    pub fn new(dir: PathBuf, label: String) -> std::io::Result<JsonFileLayer> {
        std::fs::create_dir_all(&dir)?;
        Ok(JsonFileLayer {
            dir,
            label,
            file: Mutex::new(None),
        })
    }

    fn write_line(&self, day: &str, line: &str) {
        let Ok(mut slot) = self.file.lock() else {
            return;
        };
        if slot.as_ref().is_none_or(|(d, _)| d != day) {
            let path = self.dir.join(file_name(day));
            match OpenOptions::new().create(true).append(true).open(&path) {
                Ok(f) => *slot = Some((day.to_string(), f)),
                // Logging must never take the server down: the line goes to stderr only.
                Err(_) => return,
            }
            self.remove_old_files();
        }
        if let Some((_, f)) = slot.as_mut() {
            let _ = f.write_all(line.as_bytes());
        }
    }

    /// Keeps the newest [`RETENTION_DAYS`] files (the day is in the name, so names sort by age).
    fn remove_old_files(&self) {
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return;
        };
        let mut files: Vec<PathBuf> = entries
            .filter_map(|e| e.ok())
            .map(|e| e.path())
            .filter(|p| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with(PREFIX) && n.ends_with(".log"))
            })
            .collect();
        files.sort_unstable_by(|a, b| b.cmp(a));
        for old in files.iter().skip(RETENTION_DAYS) {
            let _ = std::fs::remove_file(old);
        }
    }
}

struct Fields(Map<String, Value>);

impl Visit for Fields {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.insert(
            field.name().to_string(),
            Value::String(format!("{value:?}")),
        );
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0
            .insert(field.name().to_string(), Value::String(value.to_string()));
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.0.insert(field.name().to_string(), Value::from(value));
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.0.insert(field.name().to_string(), Value::from(value));
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.0.insert(field.name().to_string(), Value::from(value));
    }
}

/// PeerTube's level names (it has no trace).
fn level_name(level: &Level) -> &'static str {
    match *level {
        Level::ERROR => "error",
        Level::WARN => "warn",
        Level::INFO => "info",
        _ => "debug",
    }
}

/// The tags of an event: its target's path below the crate (`ferrotube_app::federation::inbox`
/// gives `app`, `federation`, `inbox`), so `tagsOneOf=federation` picks a subsystem.
fn tags(target: &str) -> Vec<Value> {
    target
        .split("::")
        .map(|t| t.strip_prefix("ferrotube_").unwrap_or(t))
        .filter(|t| !t.is_empty())
        .map(|t| Value::String(t.to_string()))
        .collect()
}

impl<S> Layer<S> for JsonFileLayer
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        let mut fields = Fields(Map::new());
        event.record(&mut fields);
        let meta = event.metadata();
        let now = ferrotube_model::timefmt::now_ms();
        let timestamp = ferrotube_model::timefmt::iso(now);
        let mut line = Map::new();
        line.insert("level".into(), Value::from(level_name(meta.level())));
        let message = fields.0.remove("message").unwrap_or(Value::from(""));
        line.insert("message".into(), message);
        line.insert("label".into(), Value::from(self.label.as_str()));
        line.insert("timestamp".into(), Value::from(timestamp.as_str()));
        line.insert("tags".into(), Value::Array(tags(meta.target())));
        for (k, v) in fields.0 {
            line.entry(k).or_insert(v);
        }
        let mut text = Value::Object(line).to_string();
        text.push('\n');
        // `YYYY-MM-DD` of the timestamp.
        let day = timestamp.get(..10).unwrap_or("unknown");
        self.write_line(day, &text);
    }
}
