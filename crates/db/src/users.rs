//! Users, with the account and default channel every local user owns.

use crate::macros::*;
use crate::{Db, DbError, Result, Tx};
use ferrotube_model::UserRole;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UserRow {
    pub id: i64,
    pub username: String,
    pub email: String,
    pub password_hash: String,
    #[sqlx(try_from = "i64")]
    pub role: UserRole,
    pub video_quota: i64,
    pub video_quota_daily: i64,
    pub blocked: bool,
    pub blocked_reason: Option<String>,
    pub nsfw_policy: String,
    pub email_verified: bool,
    pub created_at: i64,
    pub last_login_at: Option<i64>,
    pub account_id: i64,
}

pub(crate) const USER_COLS: &str = "u.id, u.username, u.email, u.password_hash, u.role, u.video_quota, u.video_quota_daily, u.blocked, \
     u.blocked_reason, u.nsfw_policy, u.email_verified, u.created_at, u.last_login_at, a.id AS account_id";

pub struct NewUser<'a> {
    pub username: &'a str,
    pub email: &'a str,
    pub password_hash: &'a str,
    pub role: i64,
    pub video_quota: i64,
    pub video_quota_daily: i64,
    pub display_name: &'a str,
    pub channel_name: &'a str,
    pub channel_display_name: &'a str,
    pub now: i64,
}

#[derive(Debug, Clone, Copy)]
pub struct CreatedUser {
    pub user_id: i64,
    pub account_id: i64,
    pub channel_id: i64,
}

impl Db {
    /// Creates the user, its account and its default channel in one transaction.
    pub async fn create_user(&self, u: &NewUser<'_>) -> Result<CreatedUser> {
        let mut tx = self.begin().await?;
        let created = create_user_in(&mut tx, u).await?;
        tx.commit().await?;
        Ok(created)
    }

    pub async fn user_by_id(&self, id: i64) -> Result<Option<UserRow>> {
        let sql = format!(
            "SELECT {USER_COLS} FROM users u JOIN accounts a ON a.user_id = u.id WHERE u.id = $1"
        );
        Ok(read_opt!(self, UserRow, &sql, id)?)
    }

    /// Looks a user up by username or email, case-insensitively (PeerTube accepts either at login).
    pub async fn user_by_login(&self, login: &str) -> Result<Option<UserRow>> {
        let sql = format!("SELECT {USER_COLS} FROM users u JOIN accounts a ON a.user_id = u.id WHERE LOWER(u.username) = LOWER($1) OR LOWER(u.email) = LOWER($1)");
        Ok(read_opt!(self, UserRow, &sql, login)?)
    }

    pub async fn user_exists(&self, username: &str, email: &str) -> Result<bool> {
        let n = read_scalar!(
            self,
            i64,
            "SELECT COUNT(*) FROM users WHERE LOWER(username) = LOWER($1) OR LOWER(email) = LOWER($2)",
            username,
            email
        )?;
        let actor = read_scalar!(
            self,
            i64,
            "SELECT COUNT(*) FROM accounts WHERE name = $1",
            username
        )?;
        let chan = read_scalar!(
            self,
            i64,
            "SELECT COUNT(*) FROM channels WHERE name = $1",
            username
        )?;
        Ok(n + actor + chan > 0)
    }

    pub async fn count_users(&self) -> Result<i64> {
        Ok(read_scalar!(self, i64, "SELECT COUNT(*) FROM users")?)
    }

    pub async fn list_users(
        &self,
        start: i64,
        count: i64,
        sort: crate::sort::Sort<crate::sort::UserSort>,
    ) -> Result<Vec<UserRow>> {
        let sql = format!("SELECT {USER_COLS} FROM users u JOIN accounts a ON a.user_id = u.id ORDER BY {} LIMIT $1 OFFSET $2", sort.order_by());
        Ok(read_all!(self, UserRow, &sql, count, start)?)
    }

    pub async fn touch_login(&self, user_id: i64, now: i64) -> Result<()> {
        write_exec!(
            self,
            "UPDATE users SET last_login_at = $1 WHERE id = $2",
            now,
            user_id
        )?;
        Ok(())
    }

    pub async fn update_user(&self, u: &UserRow) -> Result<()> {
        write_exec!(
            self,
            "UPDATE users SET email = $1, password_hash = $2, role = $3, video_quota = $4, video_quota_daily = $5, \
             blocked = $6, blocked_reason = $7, nsfw_policy = $8 WHERE id = $9",
            &u.email,
            &u.password_hash,
            u.role.id(),
            u.video_quota,
            u.video_quota_daily,
            u.blocked,
            &u.blocked_reason,
            &u.nsfw_policy,
            u.id
        )
        .map_err(DbError::from_write)?;
        Ok(())
    }

    pub async fn delete_user(&self, user_id: i64) -> Result<bool> {
        // Accounts and channels cascade from the user; videos cascade from channels.
        let mut tx = self.begin().await?;
        tx_exec!(&mut tx, "DELETE FROM accounts WHERE user_id = $1", user_id)?;
        let n = tx_exec!(&mut tx, "DELETE FROM users WHERE id = $1", user_id)?;
        tx.commit().await?;
        Ok(n > 0)
    }

    /// Bytes of video input a user has uploaded (PeerTube counts the original files), in total and
    /// since `since` (for the daily quota).
    pub async fn video_quota_used(&self, account_id: i64, since: i64) -> Result<(i64, i64)> {
        let total = read_scalar!(
            self,
            i64,
            "SELECT CAST(COALESCE(SUM(v.input_size), 0) AS BIGINT) FROM videos v JOIN channels c ON c.id = v.channel_id WHERE c.account_id = $1",
            account_id
        )?;
        let daily = read_scalar!(
            self,
            i64,
            "SELECT CAST(COALESCE(SUM(v.input_size), 0) AS BIGINT) FROM videos v JOIN channels c ON c.id = v.channel_id WHERE c.account_id = $1 AND v.created_at >= $2",
            account_id,
            since
        )?;
        Ok((total, daily))
    }
}

pub(crate) async fn create_user_in(tx: &mut Tx, u: &NewUser<'_>) -> Result<CreatedUser> {
    let user_id = tx_scalar!(
        &mut *tx,
        i64,
        "INSERT INTO users (username, email, password_hash, role, video_quota, video_quota_daily, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        u.username,
        u.email,
        u.password_hash,
        u.role,
        u.video_quota,
        u.video_quota_daily,
        u.now
    )
    .map_err(DbError::from_write)?;
    let account_id = tx_scalar!(
        &mut *tx,
        i64,
        "INSERT INTO accounts (user_id, name, display_name, created_at, updated_at) VALUES ($1, $2, $3, $4, $4) RETURNING id",
        user_id,
        u.username,
        u.display_name,
        u.now
    )
    .map_err(DbError::from_write)?;
    let channel_id = tx_scalar!(
        &mut *tx,
        i64,
        "INSERT INTO channels (account_id, name, display_name, created_at, updated_at) VALUES ($1, $2, $3, $4, $4) RETURNING id",
        account_id,
        u.channel_name,
        u.channel_display_name,
        u.now
    )
    .map_err(DbError::from_write)?;
    Ok(CreatedUser {
        user_id,
        account_id,
        channel_id,
    })
}
