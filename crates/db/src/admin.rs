//! The administrator's tools (migration 0016): settings changed at run time, the audit log and
//! the counts of `/api/v1/server/stats`.

use crate::macros::*;
use crate::{Db, DbError, Result};

/// One run-time setting (`admin_settings`): a JSON text under a name.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AdminSettingRow {
    pub name: String,
    pub value: String,
    pub updated_at: i64,
}

/// An audit log entry to record.
#[derive(Debug, Clone)]
pub struct NewAuditLog<'a> {
    pub username: Option<&'a str>,
    pub ip: Option<&'a str>,
    /// What kind of thing changed (`config`, `users`, `videos`, `channels`…).
    pub domain: &'a str,
    /// `create`, `update`, `delete`.
    pub action: &'a str,
    /// A JSON object: the changed entity's fields.
    pub detail: &'a str,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AuditLogRow {
    pub id: i64,
    pub created_at: i64,
    pub username: Option<String>,
    pub ip: Option<String>,
    pub domain: String,
    pub action: String,
    pub detail: String,
}

/// The counts of `/api/v1/server/stats`, read in one go.
#[derive(Debug, Clone, Default)]
pub struct StatsRow {
    pub users: i64,
    pub daily_active_users: i64,
    pub weekly_active_users: i64,
    pub monthly_active_users: i64,
    pub moderators: i64,
    pub admins: i64,
    pub local_videos: i64,
    pub local_video_views: i64,
    pub local_video_comments: i64,
    pub local_video_files_size: i64,
    pub videos: i64,
    pub video_comments: i64,
    pub local_channels: i64,
    pub daily_active_channels: i64,
    pub weekly_active_channels: i64,
    pub monthly_active_channels: i64,
    pub local_playlists: i64,
    pub instance_followers: i64,
    pub instance_following: i64,
    pub abuses: i64,
    pub abuses_processed: i64,
    pub inbox_processed: i64,
    pub inbox_errors: i64,
    pub inbox_waiting: i64,
    pub inbox_last_hour: i64,
    pub registrations: i64,
    pub registrations_processed: i64,
    /// Mean time from request to decision of the processed registration requests, if any.
    pub registration_response_ms: Option<i64>,
}

/// Our copies of remote videos made by one strategy.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RedundancyUseRow {
    pub strategy: String,
    pub used: i64,
    pub videos: i64,
}

const DAY_MS: i64 = 86_400_000;

impl Db {
    pub async fn admin_setting(&self, name: &str) -> Result<Option<AdminSettingRow>> {
        Ok(read_opt!(
            self,
            AdminSettingRow,
            "SELECT name, value, updated_at FROM admin_settings WHERE name = $1",
            name
        )?)
    }

    pub async fn admin_settings(&self) -> Result<Vec<AdminSettingRow>> {
        Ok(read_all!(
            self,
            AdminSettingRow,
            "SELECT name, value, updated_at FROM admin_settings ORDER BY name"
        )?)
    }

    /// Sets `name` to `value` (a JSON text), replacing what was there.
    pub async fn set_admin_setting(&self, name: &str, value: &str, now: i64) -> Result<()> {
        write_exec!(
            self,
            "INSERT INTO admin_settings (name, value, updated_at) VALUES ($1, $2, $3) \
             ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
            name,
            value,
            now
        )
        .map_err(DbError::from_write)?;
        Ok(())
    }

    /// Removes `name` (its default applies again); answers whether it was set.
    pub async fn delete_admin_setting(&self, name: &str) -> Result<bool> {
        Ok(write_exec!(self, "DELETE FROM admin_settings WHERE name = $1", name)? > 0)
    }

    pub async fn insert_audit_log(&self, e: &NewAuditLog<'_>, now: i64) -> Result<()> {
        write_exec!(
            self,
            "INSERT INTO audit_logs (created_at, username, ip, domain, action, detail) \
             VALUES ($1, $2, $3, $4, $5, $6)",
            now,
            e.username,
            e.ip,
            e.domain,
            e.action,
            e.detail
        )?;
        Ok(())
    }

    /// Entries recorded in `[start, end]` (ms), oldest first, at most `limit` (the newest ones).
    pub async fn audit_logs(&self, start: i64, end: i64, limit: i64) -> Result<Vec<AuditLogRow>> {
        let mut rows = read_all!(
            self,
            AuditLogRow,
            "SELECT id, created_at, username, ip, domain, action, detail FROM audit_logs \
             WHERE created_at >= $1 AND created_at <= $2 ORDER BY created_at DESC, id DESC LIMIT $3",
            start,
            end,
            limit
        )?;
        rows.reverse();
        Ok(rows)
    }

    /// Forgets audit entries older than `before` (bounded retention).
    pub async fn purge_audit_logs(&self, before: i64) -> Result<u64> {
        Ok(write_exec!(
            self,
            "DELETE FROM audit_logs WHERE created_at < $1",
            before
        )?)
    }

    /// Every count of the server's stats at `now`. Each is its own small statement: the
    /// answer is cached by the caller, so clarity wins over one large query.
    pub async fn server_stats(&self, now: i64) -> Result<StatsRow> {
        let (day, week, month) = (now - DAY_MS, now - 7 * DAY_MS, now - 30 * DAY_MS);
        let active_users = "SELECT COUNT(*) FROM users WHERE last_login_at >= $1";
        // A channel is active in a period when one of its videos was published in it.
        let active_channels = "SELECT COUNT(DISTINCT v.channel_id) FROM videos v \
             JOIN channels c ON c.id = v.channel_id WHERE c.host IS NULL AND v.published_at >= $1";
        // The instance actor is our one `Application` actor.
        let instance_follows = |col: &str| {
            format!(
                "SELECT COUNT(*) FROM follows f JOIN actors a ON a.id = f.{col} \
                 WHERE a.kind = 'Application' AND a.host IS NULL AND f.state = 'accepted'"
            )
        };
        let inbox_jobs =
            "SELECT COUNT(*) FROM jobs WHERE kind = 'activitypub-inbox' AND state = $1";
        Ok(StatsRow {
            users: read_scalar!(self, i64, "SELECT COUNT(*) FROM users")?,
            daily_active_users: read_scalar!(self, i64, active_users, day)?,
            weekly_active_users: read_scalar!(self, i64, active_users, week)?,
            monthly_active_users: read_scalar!(self, i64, active_users, month)?,
            moderators: read_scalar!(self, i64, "SELECT COUNT(*) FROM users WHERE role = 1")?,
            admins: read_scalar!(self, i64, "SELECT COUNT(*) FROM users WHERE role = 0")?,
            local_videos: read_scalar!(self, i64, "SELECT COUNT(*) FROM videos WHERE url IS NULL")?,
            local_video_views: read_scalar!(
                self,
                i64,
                "SELECT CAST(COALESCE(SUM(views), 0) AS BIGINT) FROM videos WHERE url IS NULL"
            )?,
            local_video_comments: read_scalar!(
                self,
                i64,
                "SELECT COUNT(*) FROM comments c JOIN accounts a ON a.id = c.account_id \
                 WHERE a.host IS NULL AND c.deleted_at IS NULL"
            )?,
            local_video_files_size: read_scalar!(
                self,
                i64,
                "SELECT CAST(COALESCE(SUM(f.size), 0) AS BIGINT) FROM video_files f \
                 JOIN videos v ON v.id = f.video_id WHERE v.url IS NULL"
            )?,
            videos: read_scalar!(self, i64, "SELECT COUNT(*) FROM videos")?,
            video_comments: read_scalar!(
                self,
                i64,
                "SELECT COUNT(*) FROM comments WHERE deleted_at IS NULL"
            )?,
            local_channels: read_scalar!(
                self,
                i64,
                "SELECT COUNT(*) FROM channels WHERE host IS NULL"
            )?,
            daily_active_channels: read_scalar!(self, i64, active_channels, day)?,
            weekly_active_channels: read_scalar!(self, i64, active_channels, week)?,
            monthly_active_channels: read_scalar!(self, i64, active_channels, month)?,
            local_playlists: read_scalar!(
                self,
                i64,
                "SELECT COUNT(*) FROM video_playlists p JOIN accounts a ON a.id = p.account_id \
                 WHERE a.host IS NULL AND p.playlist_type = 1"
            )?,
            instance_followers: read_scalar!(self, i64, &instance_follows("following_id"))?,
            instance_following: read_scalar!(self, i64, &instance_follows("follower_id"))?,
            abuses: read_scalar!(self, i64, "SELECT COUNT(*) FROM abuses")?,
            abuses_processed: read_scalar!(
                self,
                i64,
                "SELECT COUNT(*) FROM abuses WHERE state <> 1"
            )?,
            inbox_processed: read_scalar!(self, i64, inbox_jobs, "completed")?,
            inbox_errors: read_scalar!(self, i64, inbox_jobs, "failed")?,
            inbox_waiting: read_scalar!(self, i64, inbox_jobs, "waiting")?,
            inbox_last_hour: read_scalar!(
                self,
                i64,
                "SELECT COUNT(*) FROM jobs WHERE kind = 'activitypub-inbox' \
                 AND finished_at >= $1",
                now - 3_600_000
            )?,
            registrations: read_scalar!(self, i64, "SELECT COUNT(*) FROM user_registrations")?,
            registrations_processed: read_scalar!(
                self,
                i64,
                "SELECT COUNT(*) FROM user_registrations WHERE processed_at IS NOT NULL"
            )?,
            registration_response_ms: read_scalar!(
                self,
                Option<i64>,
                "SELECT CAST(AVG(processed_at - created_at) AS BIGINT) FROM user_registrations \
                 WHERE processed_at IS NOT NULL"
            )?,
        })
    }

    /// Space and videos used by our own copies of remote videos, per strategy.
    pub async fn redundancy_use(&self) -> Result<Vec<RedundancyUseRow>> {
        Ok(read_all!(
            self,
            RedundancyUseRow,
            "SELECT strategy, CAST(COALESCE(SUM(size), 0) AS BIGINT) AS used, COUNT(*) AS videos \
             FROM video_redundancies WHERE local AND strategy IS NOT NULL GROUP BY strategy"
        )?)
    }
}
