//! The audit log (PeerTube's `audit.log`): every change an administrator, moderator or user
//! makes, with who, from where and when, kept in the database (`audit_logs`, migration 0016) so
//! that every node's changes are in one place, and read back by `GET /api/v1/server/audit-logs`.
//!
//! Any module that changes something calls [`record`] after the change succeeded:
//! `record(&instance, &Actor::user(&name, ip), "videos", "update", json!({...}))`. A failure to
//! record is logged and never undoes the change.

use crate::Instance;
use ferrotube_db::admin::{AuditLogRow, NewAuditLog};
use ferrotube_model::timefmt::{iso, now_ms};
use serde_json::{json, Map, Value};

/// Audit entries are kept this long (PeerTube keeps its audit files by size; a year is plenty
/// for an admin looking back).
pub const RETENTION_MS: i64 = 365 * 86_400_000;
/// At most this many entries per answer (PeerTube stops at about 1 MB of lines).
pub const MAX_ENTRIES: i64 = 2000;

/// Who made a change.
#[derive(Debug, Clone, Copy, Default)]
pub struct Actor<'a> {
    pub username: Option<&'a str>,
    pub ip: Option<&'a str>,
}

impl<'a> Actor<'a> {
    pub fn user(username: &'a str, ip: Option<&'a str>) -> Actor<'a> {
        Actor {
            username: Some(username),
            ip,
        }
    }
}

/// Records that `by` did `action` (`create`, `update`, `delete`) on something of `domain`
/// (`config`, `users`, `videos`, `channels`, `custom-page`, `jobs`…); `detail` is a JSON object
/// of the entity's fields.
pub async fn record(
    instance: &Instance,
    by: &Actor<'_>,
    domain: &str,
    action: &str,
    detail: Value,
) {
    let text = detail.to_string();
    let entry = NewAuditLog {
        username: by.username,
        ip: by.ip,
        domain,
        action,
        detail: &text,
    };
    if let Err(e) = instance.db.insert_audit_log(&entry, now_ms()).await {
        tracing::warn!(error = %e, domain, action, "cannot record an audit log entry");
    }
}

/// One entry as PeerTube's audit log answers it: a log line whose `message` is the JSON text of
/// `{user, domain, action, ...fields}`.
pub fn line(row: &AuditLogRow, label: &str) -> Value {
    let mut m = Map::new();
    m.insert("user".into(), json!(row.username.as_deref().unwrap_or("")));
    m.insert("domain".into(), json!(row.domain));
    m.insert("action".into(), json!(row.action));
    if let Some(ip) = &row.ip {
        m.insert("ip".into(), json!(ip));
    }
    if let Ok(Value::Object(detail)) = serde_json::from_str::<Value>(&row.detail) {
        for (k, v) in detail {
            m.entry(format!("{}-{k}", row.domain)).or_insert(v);
        }
    }
    json!({
        "level": "audit",
        "message": Value::Object(m).to_string(),
        "label": label,
        "timestamp": iso(row.created_at),
    })
}

/// The entries of `[start, end]` (ms), oldest first.
pub async fn read(instance: &Instance, start: i64, end: i64) -> crate::Result<Vec<Value>> {
    let rows = instance.db.audit_logs(start, end, MAX_ENTRIES).await?;
    Ok(rows.iter().map(|r| line(r, &instance.host)).collect())
}
