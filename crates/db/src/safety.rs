//! Account safety: two-factor secrets and requests, token sessions, registration requests and
//! video passwords.

use crate::macros::*;
use crate::sort::{Sort, SortKey};
use crate::{Db, DbError, Result};

/// A sign-in session: one access/refresh token pair and where it was obtained and last used.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TokenSessionRow {
    pub id: i64,
    pub user_id: i64,
    pub access_token: String,
    pub login_device: Option<String>,
    pub login_ip: Option<String>,
    pub login_at: Option<i64>,
    pub last_activity_device: Option<String>,
    pub last_activity_ip: Option<String>,
    pub last_activity_at: Option<i64>,
    pub created_at: i64,
}

const SESSION_COLS: &str = "id, user_id, access_token, login_device, login_ip, login_at, \
     last_activity_device, last_activity_ip, last_activity_at, created_at";

/// Where a session was opened (PeerTube keeps the first login's through refreshes).
#[derive(Debug, Clone)]
pub struct SessionLogin {
    pub device: Option<String>,
    pub ip: Option<String>,
    pub at: i64,
}

/// Keys of the token session list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenSessionSort {
    CreatedAt,
    LastActivityDate,
}

impl SortKey for TokenSessionSort {
    const KEYS: &'static [(&'static str, Self)] = &[
        ("createdAt", TokenSessionSort::CreatedAt),
        ("lastActivityDate", TokenSessionSort::LastActivityDate),
    ];
    fn columns(self) -> &'static [&'static str] {
        match self {
            TokenSessionSort::CreatedAt => &["created_at", "id"],
            TokenSessionSort::LastActivityDate => &["last_activity_at", "id"],
        }
    }
}

/// A registration request (PeerTube's `UserRegistration`).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RegistrationRow {
    pub id: i64,
    pub state: i64,
    pub registration_reason: String,
    pub moderation_response: Option<String>,
    pub username: String,
    pub email: String,
    pub email_verified: Option<bool>,
    pub password_hash: String,
    pub account_display_name: Option<String>,
    pub channel_handle: Option<String>,
    pub channel_display_name: Option<String>,
    pub user_id: Option<i64>,
    pub processed_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

const REGISTRATION_COLS: &str = "id, state, registration_reason, moderation_response, username, \
     email, email_verified, password_hash, account_display_name, channel_handle, \
     channel_display_name, user_id, processed_at, created_at, updated_at";

pub struct NewRegistration<'a> {
    pub registration_reason: &'a str,
    pub username: &'a str,
    pub email: &'a str,
    pub password_hash: &'a str,
    pub account_display_name: Option<&'a str>,
    pub channel_handle: Option<&'a str>,
    pub channel_display_name: Option<&'a str>,
    pub now: i64,
}

/// Keys of the registration list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegistrationSort {
    CreatedAt,
    State,
}

impl SortKey for RegistrationSort {
    const KEYS: &'static [(&'static str, Self)] = &[
        ("createdAt", RegistrationSort::CreatedAt),
        ("state", RegistrationSort::State),
    ];
    fn columns(self) -> &'static [&'static str] {
        match self {
            RegistrationSort::CreatedAt => &["created_at", "id"],
            RegistrationSort::State => &["state", "id"],
        }
    }
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct VideoPasswordRow {
    pub id: i64,
    pub video_id: i64,
    pub password: String,
}

/// Escapes LIKE's wildcards so a search is taken literally.
fn like_pattern(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('%');
    for c in s.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

impl Db {
    // ---- two-factor ----

    pub async fn otp_secret(&self, user_id: i64) -> Result<Option<String>> {
        Ok(read_opt!(
            self,
            (Option<String>,),
            "SELECT otp_secret FROM users WHERE id = $1",
            user_id
        )?
        .and_then(|r| r.0))
    }

    /// Sets (or clears) the user's TOTP secret; the replay guard starts over.
    pub async fn set_otp_secret(&self, user_id: i64, secret: Option<&str>) -> Result<()> {
        write_exec!(
            self,
            "UPDATE users SET otp_secret = $1, otp_last_step = NULL WHERE id = $2",
            secret,
            user_id
        )?;
        Ok(())
    }

    /// Records `step` as the last accepted code's step if it is newer than the last one, in one
    /// statement so two sign-ins racing with the same code cannot both win. `false`: replayed.
    pub async fn accept_otp_step(&self, user_id: i64, step: i64) -> Result<bool> {
        Ok(write_exec!(
            self,
            "UPDATE users SET otp_last_step = $1 WHERE id = $2 AND otp_secret IS NOT NULL \
             AND (otp_last_step IS NULL OR otp_last_step < $1)",
            step,
            user_id
        )? == 1)
    }

    pub async fn insert_two_factor_request(
        &self,
        user_id: i64,
        token: &str,
        secret: &str,
        expires_at: i64,
        now: i64,
    ) -> Result<()> {
        // Expired requests of anyone go first: the table stays small without a sweeper job.
        write_exec!(
            self,
            "DELETE FROM two_factor_requests WHERE expires_at < $1",
            now
        )?;
        write_exec!(
            self,
            "INSERT INTO two_factor_requests (user_id, request_token, otp_secret, expires_at) VALUES ($1, $2, $3, $4)",
            user_id,
            token,
            secret,
            expires_at
        )
        .map_err(DbError::from_write)?;
        Ok(())
    }

    /// The secret of a pending, unexpired request of this user.
    pub async fn two_factor_request(
        &self,
        user_id: i64,
        token: &str,
        now: i64,
    ) -> Result<Option<String>> {
        Ok(read_opt!(
            self,
            (String,),
            "SELECT otp_secret FROM two_factor_requests WHERE user_id = $1 AND request_token = $2 AND expires_at >= $3",
            user_id,
            token,
            now
        )?
        .map(|r| r.0))
    }

    pub async fn delete_two_factor_requests(&self, user_id: i64) -> Result<()> {
        write_exec!(
            self,
            "DELETE FROM two_factor_requests WHERE user_id = $1",
            user_id
        )?;
        Ok(())
    }

    // ---- token sessions ----

    /// Writes where the token `access` was obtained (at login) and used.
    pub async fn record_session(
        &self,
        access: &str,
        login: &SessionLogin,
        device: Option<&str>,
        ip: &str,
        now: i64,
    ) -> Result<()> {
        write_exec!(
            self,
            "UPDATE oauth_tokens SET login_device = $1, login_ip = $2, login_at = $3, \
             last_activity_device = $4, last_activity_ip = $5, last_activity_at = $6 WHERE access_token = $7",
            &login.device,
            &login.ip,
            login.at,
            device,
            ip,
            now,
            access
        )?;
        Ok(())
    }

    /// Where the session of this refresh token was opened, read before it is exchanged.
    pub async fn session_login_by_refresh(&self, refresh: &str) -> Result<Option<SessionLogin>> {
        let row = read_opt!(
            self,
            (Option<String>, Option<String>, Option<i64>, i64),
            "SELECT login_device, login_ip, login_at, created_at FROM oauth_tokens WHERE refresh_token = $1",
            refresh
        )?;
        Ok(row.map(|(device, ip, at, created)| SessionLogin {
            device,
            ip,
            at: at.unwrap_or(created),
        }))
    }

    /// Last activity of a token: written only when the stored one is older than `stale_before`,
    /// so a busy client costs one write a minute, not one per request.
    pub async fn touch_session(
        &self,
        token_id: i64,
        device: Option<&str>,
        ip: &str,
        now: i64,
        stale_before: i64,
    ) -> Result<()> {
        write_exec!(
            self,
            "UPDATE oauth_tokens SET last_activity_device = $1, last_activity_ip = $2, last_activity_at = $3 \
             WHERE id = $4 AND (last_activity_at IS NULL OR last_activity_at < $5)",
            device,
            ip,
            now,
            token_id,
            stale_before
        )?;
        Ok(())
    }

    pub async fn token_last_activity(&self, token_id: i64) -> Result<Option<i64>> {
        Ok(read_opt!(
            self,
            (Option<i64>,),
            "SELECT last_activity_at FROM oauth_tokens WHERE id = $1",
            token_id
        )?
        .and_then(|r| r.0))
    }

    /// Unexpired sessions of a user (a session lives as long as its refresh token).
    pub async fn list_sessions(
        &self,
        user_id: i64,
        now: i64,
        start: i64,
        count: i64,
        sort: Sort<TokenSessionSort>,
    ) -> Result<(i64, Vec<TokenSessionRow>)> {
        let total = read_scalar!(
            self,
            i64,
            "SELECT COUNT(*) FROM oauth_tokens WHERE user_id = $1 AND refresh_expires_at >= $2",
            user_id,
            now
        )?;
        let sql = format!(
            "SELECT {SESSION_COLS} FROM oauth_tokens WHERE user_id = $1 AND refresh_expires_at >= $2 ORDER BY {} LIMIT $3 OFFSET $4",
            sort.order_by()
        );
        let rows = read_all!(self, TokenSessionRow, &sql, user_id, now, count, start)?;
        Ok((total, rows))
    }

    /// Revokes one session of a user; `false` when it is not theirs or does not exist.
    pub async fn revoke_session(&self, user_id: i64, session_id: i64) -> Result<bool> {
        Ok(write_exec!(
            self,
            "DELETE FROM oauth_tokens WHERE id = $1 AND user_id = $2",
            session_id,
            user_id
        )? > 0)
    }

    // ---- registrations ----

    pub async fn insert_registration(&self, r: &NewRegistration<'_>) -> Result<RegistrationRow> {
        let id = write_scalar!(
            self,
            i64,
            "INSERT INTO user_registrations (state, registration_reason, username, email, password_hash, \
             account_display_name, channel_handle, channel_display_name, created_at, updated_at) \
             VALUES (1, $1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id",
            r.registration_reason,
            r.username,
            r.email,
            r.password_hash,
            r.account_display_name,
            r.channel_handle,
            r.channel_display_name,
            r.now
        )
        .map_err(DbError::from_write)?;
        self.registration(id)
            .await?
            .ok_or(DbError::Sqlx(sqlx::Error::RowNotFound))
    }

    pub async fn registration(&self, id: i64) -> Result<Option<RegistrationRow>> {
        let sql = format!("SELECT {REGISTRATION_COLS} FROM user_registrations WHERE id = $1");
        Ok(read_opt!(self, RegistrationRow, &sql, id)?)
    }

    /// Whether a registration already holds this username, email or channel handle (PeerTube
    /// compares emails case-insensitively).
    pub async fn registration_taken(
        &self,
        username: &str,
        email: &str,
        channel: Option<&str>,
    ) -> Result<bool> {
        let n = read_scalar!(
            self,
            i64,
            "SELECT COUNT(*) FROM user_registrations WHERE LOWER(username) = LOWER($1) OR LOWER(email) = LOWER($2) \
             OR channel_handle = $1 OR username = $3 OR channel_handle = $3",
            username,
            email,
            channel.unwrap_or(username)
        )?;
        Ok(n > 0)
    }

    /// The registrations a login (username or email) names, for the sign-in's "awaiting
    /// approval" answer.
    pub async fn registrations_by_login(&self, login: &str) -> Result<Vec<RegistrationRow>> {
        let sql = format!(
            "SELECT {REGISTRATION_COLS} FROM user_registrations WHERE LOWER(username) = LOWER($1) OR LOWER(email) = LOWER($1)"
        );
        Ok(read_all!(self, RegistrationRow, &sql, login)?)
    }

    pub async fn list_registrations(
        &self,
        search: Option<&str>,
        states: &[i64],
        start: i64,
        count: i64,
        sort: Sort<RegistrationSort>,
    ) -> Result<(i64, Vec<RegistrationRow>)> {
        // States are checked integers (1..3): written into the text, never a user's string.
        let mut filter = String::from("($1 = '' OR LOWER(username) LIKE $1 ESCAPE '\\' OR LOWER(email) LIKE $1 ESCAPE '\\' OR LOWER(COALESCE(channel_handle, '')) LIKE $1 ESCAPE '\\' OR LOWER(COALESCE(account_display_name, '')) LIKE $1 ESCAPE '\\')");
        if !states.is_empty() {
            let list = states
                .iter()
                .map(|s| s.to_string())
                .collect::<Vec<_>>()
                .join(", ");
            filter.push_str(&format!(" AND state IN ({list})"));
        }
        let pattern = search.map(like_pattern).unwrap_or_default();
        let total_sql = format!("SELECT COUNT(*) FROM user_registrations WHERE {filter}");
        let total = read_scalar!(self, i64, &total_sql, &pattern)?;
        let sql = format!(
            "SELECT {REGISTRATION_COLS} FROM user_registrations WHERE {filter} ORDER BY {} LIMIT $2 OFFSET $3",
            sort.order_by()
        );
        let rows = read_all!(self, RegistrationRow, &sql, &pattern, count, start)?;
        Ok((total, rows))
    }

    /// Moves a pending registration to `state` (2 rejected, 3 accepted); `false` when it was
    /// no longer pending (two moderators at once: one wins).
    pub async fn process_registration(
        &self,
        id: i64,
        state: i64,
        response: &str,
        user_id: Option<i64>,
        now: i64,
    ) -> Result<bool> {
        Ok(write_exec!(
            self,
            "UPDATE user_registrations SET state = $1, moderation_response = $2, user_id = $3, \
             processed_at = $4, updated_at = $4 WHERE id = $5 AND state = 1",
            state,
            response,
            user_id,
            now,
            id
        )? == 1)
    }

    pub async fn delete_registration(&self, id: i64) -> Result<bool> {
        Ok(write_exec!(self, "DELETE FROM user_registrations WHERE id = $1", id)? > 0)
    }

    // ---- video passwords ----

    pub async fn video_passwords(
        &self,
        video_id: i64,
        start: i64,
        count: i64,
    ) -> Result<(i64, Vec<VideoPasswordRow>)> {
        let total = read_scalar!(
            self,
            i64,
            "SELECT COUNT(*) FROM video_passwords WHERE video_id = $1",
            video_id
        )?;
        let rows = read_all!(
            self,
            VideoPasswordRow,
            "SELECT id, video_id, password FROM video_passwords WHERE video_id = $1 ORDER BY id LIMIT $2 OFFSET $3",
            video_id,
            count,
            start
        )?;
        Ok((total, rows))
    }

    /// Replaces the video's passwords with `passwords` in one transaction.
    pub async fn set_video_passwords(
        &self,
        video_id: i64,
        passwords: &[String],
        now: i64,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        tx_exec!(
            &mut tx,
            "DELETE FROM video_passwords WHERE video_id = $1",
            video_id
        )?;
        for p in passwords {
            tx_exec!(
                &mut tx,
                "INSERT INTO video_passwords (video_id, password, created_at, updated_at) VALUES ($1, $2, $3, $3)",
                video_id,
                p,
                now
            )
            .map_err(DbError::from_write)?;
        }
        tx.commit().await?;
        Ok(())
    }

    pub async fn add_video_password(&self, video_id: i64, password: &str, now: i64) -> Result<i64> {
        write_scalar!(
            self,
            i64,
            "INSERT INTO video_passwords (video_id, password, created_at, updated_at) VALUES ($1, $2, $3, $3) RETURNING id",
            video_id,
            password,
            now
        )
        .map_err(DbError::from_write)
    }

    /// Deletes one password unless it is the video's last one. `None`: no such password of this
    /// video; `Some(false)`: it is the last one.
    pub async fn delete_video_password(&self, video_id: i64, id: i64) -> Result<Option<bool>> {
        let mut tx = self.begin().await?;
        let n = tx_scalar!(
            &mut tx,
            i64,
            "SELECT COUNT(*) FROM video_passwords WHERE video_id = $1",
            video_id
        )?;
        let exists = tx_scalar!(
            &mut tx,
            i64,
            "SELECT COUNT(*) FROM video_passwords WHERE video_id = $1 AND id = $2",
            video_id,
            id
        )?;
        if exists == 0 {
            return Ok(None);
        }
        if n <= 1 {
            return Ok(Some(false));
        }
        tx_exec!(
            &mut tx,
            "DELETE FROM video_passwords WHERE video_id = $1 AND id = $2",
            video_id,
            id
        )?;
        tx.commit().await?;
        Ok(Some(true))
    }

    pub async fn video_password_matches(&self, video_id: i64, password: &str) -> Result<bool> {
        Ok(read_scalar!(
            self,
            i64,
            "SELECT COUNT(*) FROM video_passwords WHERE video_id = $1 AND password = $2",
            video_id,
            password
        )? > 0)
    }
}

/// Stores a new video's passwords in the transaction that creates it.
pub async fn insert_video_passwords_in(
    tx: &mut crate::Tx,
    video_id: i64,
    passwords: &[String],
    now: i64,
) -> Result<()> {
    for p in passwords {
        tx_exec!(
            &mut *tx,
            "INSERT INTO video_passwords (video_id, password, created_at, updated_at) VALUES ($1, $2, $3, $3)",
            video_id,
            p,
            now
        )
        .map_err(DbError::from_write)?;
    }
    Ok(())
}
