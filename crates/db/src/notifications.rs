//! Users' notifications, their notification settings, and the one-time secrets mailed to them
//! (password reset, e-mail verification). Migration 0014.

use crate::macros::*;
use crate::{Db, Result, Tx};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct NotificationRow {
    pub id: i64,
    pub user_id: i64,
    #[sqlx(rename = "type")]
    pub kind: i64,
    /// A JSON object: the parts of PeerTube's `UserNotification` this type shows.
    pub payload: String,
    pub read: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

const NOTIFICATION_COLS: &str = "id, user_id, type, payload, read, created_at, updated_at";

/// A user's notification list: which ones, and in what order.
#[derive(Debug, Clone)]
pub struct NotificationQuery {
    pub user_id: i64,
    pub unread_only: bool,
    pub start: i64,
    pub count: i64,
    /// `created_at` or `read`.
    pub by_read: bool,
    pub descending: bool,
    /// Only these types (PeerTube's `typeOneOf`); all when empty.
    pub types: Vec<i64>,
}

impl Db {
    /// Adds a notification inside the caller's transaction (with the mails it causes).
    pub async fn insert_notification_in(
        &self,
        tx: &mut Tx,
        user_id: i64,
        kind: i64,
        payload: &str,
        now: i64,
    ) -> Result<NotificationRow> {
        let sql = format!(
            "INSERT INTO user_notifications (user_id, type, payload, read, created_at, updated_at) \
             VALUES ($1, $2, $3, FALSE, $4, $4) RETURNING {NOTIFICATION_COLS}"
        );
        let row = match tx {
            Tx::Sqlite(t) => {
                sqlx::query_as::<_, NotificationRow>(&sql)
                    .bind(user_id)
                    .bind(kind)
                    .bind(payload)
                    .bind(now)
                    .fetch_one(&mut **t)
                    .await?
            }
            Tx::Postgres(t) => {
                sqlx::query_as::<_, NotificationRow>(&sql)
                    .bind(user_id)
                    .bind(kind)
                    .bind(payload)
                    .bind(now)
                    .fetch_one(&mut **t)
                    .await?
            }
        };
        Ok(row)
    }

    pub async fn list_notifications(
        &self,
        q: &NotificationQuery,
    ) -> Result<(i64, Vec<NotificationRow>)> {
        // Both parts of the ORDER BY come from fixed strings, never from input.
        let dir = if q.descending { "DESC" } else { "ASC" };
        let order = if q.by_read {
            format!("read {dir}, id {dir}")
        } else {
            format!("created_at {dir}, id {dir}")
        };
        let mut unread = if q.unread_only {
            " AND read = FALSE".to_string()
        } else {
            String::new()
        };
        // Numbers written into the text, never strings: nothing here comes from input as text.
        if !q.types.is_empty() {
            let list: Vec<String> = q.types.iter().map(i64::to_string).collect();
            unread.push_str(&format!(" AND type IN ({})", list.join(", ")));
        }
        let total = read_scalar!(
            self,
            i64,
            &format!("SELECT COUNT(*) FROM user_notifications WHERE user_id = $1{unread}"),
            q.user_id
        )?;
        let sql = format!(
            "SELECT {NOTIFICATION_COLS} FROM user_notifications WHERE user_id = $1{unread} \
             ORDER BY {order} LIMIT $2 OFFSET $3"
        );
        let rows = read_all!(self, NotificationRow, &sql, q.user_id, q.count, q.start)?;
        Ok((total, rows))
    }

    pub async fn count_unread_notifications(&self, user_id: i64) -> Result<i64> {
        Ok(read_scalar!(
            self,
            i64,
            "SELECT COUNT(*) FROM user_notifications WHERE user_id = $1 AND read = FALSE",
            user_id
        )?)
    }

    /// Marks these notifications of `user_id` read; others' ids are ignored.
    pub async fn mark_notifications_read(
        &self,
        user_id: i64,
        ids: &[i64],
        now: i64,
    ) -> Result<u64> {
        let mut n = 0;
        let mut tx = self.begin().await?;
        for id in ids {
            n += tx_exec!(
                &mut tx,
                "UPDATE user_notifications SET read = TRUE, updated_at = $1 \
                 WHERE id = $2 AND user_id = $3 AND read = FALSE",
                now,
                *id,
                user_id
            )?;
        }
        tx.commit().await?;
        Ok(n)
    }

    pub async fn mark_all_notifications_read(&self, user_id: i64, now: i64) -> Result<u64> {
        Ok(write_exec!(
            self,
            "UPDATE user_notifications SET read = TRUE, updated_at = $1 WHERE user_id = $2 AND read = FALSE",
            now,
            user_id
        )?)
    }

    /// The stored settings object (JSON), `None` while the user kept the defaults.
    pub async fn notification_settings(&self, user_id: i64) -> Result<Option<String>> {
        Ok(read_opt!(
            self,
            (String,),
            "SELECT settings FROM user_notification_settings WHERE user_id = $1",
            user_id
        )?
        .map(|(s,)| s))
    }

    pub async fn set_notification_settings(
        &self,
        user_id: i64,
        settings: &str,
        now: i64,
    ) -> Result<()> {
        write_exec!(
            self,
            "INSERT INTO user_notification_settings (user_id, settings, updated_at) VALUES ($1, $2, $3) \
             ON CONFLICT (user_id) DO UPDATE SET settings = excluded.settings, updated_at = excluded.updated_at",
            user_id,
            settings,
            now
        )?;
        Ok(())
    }

    /// Local users (ids) whose account follows `actor_id` (accepted): a channel's subscribers.
    pub async fn local_follower_users(&self, actor_id: i64) -> Result<Vec<i64>> {
        Ok(read_all!(
            self,
            (i64,),
            "SELECT a.user_id FROM follows f JOIN actors fa ON fa.id = f.follower_id \
             JOIN accounts a ON a.id = fa.account_id \
             WHERE f.following_id = $1 AND f.state = 'accepted' AND a.user_id IS NOT NULL \
             ORDER BY a.user_id",
            actor_id
        )?
        .into_iter()
        .map(|(id,)| id)
        .collect())
    }

    /// Users whose role id is at most `role` (0 administrator, 1 moderator).
    pub async fn users_with_role_at_most(&self, role: i64) -> Result<Vec<i64>> {
        Ok(read_all!(
            self,
            (i64,),
            "SELECT id FROM users WHERE role <= $1 AND blocked = FALSE ORDER BY id",
            role
        )?
        .into_iter()
        .map(|(id,)| id)
        .collect())
    }

    /// The local user owning an account, if any.
    pub async fn user_of_account(&self, account_id: i64) -> Result<Option<i64>> {
        Ok(read_opt!(
            self,
            (Option<i64>,),
            "SELECT user_id FROM accounts WHERE id = $1",
            account_id
        )?
        .and_then(|(u,)| u))
    }

    pub async fn abuse_by_id(&self, id: i64) -> Result<Option<crate::federation::AbuseRow>> {
        Ok(read_opt!(
            self,
            crate::federation::AbuseRow,
            "SELECT id, url, reporter_account_id, video_id, comment_id, flagged_account_id, reason, state, created_at \
             FROM abuses WHERE id = $1",
            id
        )?)
    }

    /// Stores a one-time secret (its SHA-256), replacing the user's previous one of `purpose`.
    pub async fn set_user_secret(
        &self,
        user_id: i64,
        purpose: &str,
        secret_sha256: &str,
        expires_at: i64,
    ) -> Result<()> {
        write_exec!(
            self,
            "INSERT INTO user_secrets (user_id, purpose, secret_sha256, expires_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (user_id, purpose) DO UPDATE SET secret_sha256 = excluded.secret_sha256, expires_at = excluded.expires_at",
            user_id,
            purpose,
            secret_sha256,
            expires_at
        )?;
        Ok(())
    }

    /// Records, in the caller's transaction, that the publication of `video_id` is being told;
    /// false when it already was (the caller then tells nobody).
    pub async fn claim_publication_notice_in(
        &self,
        tx: &mut Tx,
        video_id: i64,
        now: i64,
    ) -> Result<bool> {
        let n = tx_exec!(
            tx,
            "INSERT INTO video_publication_notices (video_id, created_at) VALUES ($1, $2) \
             ON CONFLICT (video_id) DO NOTHING",
            video_id,
            now
        )?;
        Ok(n == 1)
    }

    /// Uses the secret once: true (and it is gone) when it matches and has not expired. A wrong
    /// secret leaves the right one in place.
    pub async fn take_user_secret_in(
        &self,
        tx: &mut Tx,
        user_id: i64,
        purpose: &str,
        secret_sha256: &str,
        now: i64,
    ) -> Result<bool> {
        let n = tx_exec!(
            tx,
            "DELETE FROM user_secrets WHERE user_id = $1 AND purpose = $2 AND secret_sha256 = $3 AND expires_at > $4",
            user_id,
            purpose,
            secret_sha256,
            now
        )?;
        Ok(n == 1)
    }

    pub async fn set_password_in(
        &self,
        tx: &mut Tx,
        user_id: i64,
        password_hash: &str,
    ) -> Result<()> {
        tx_exec!(
            tx,
            "UPDATE users SET password_hash = $1 WHERE id = $2",
            password_hash,
            user_id
        )?;
        Ok(())
    }

    pub async fn set_email_verified_in(
        &self,
        tx: &mut Tx,
        user_id: i64,
        verified: bool,
    ) -> Result<()> {
        tx_exec!(
            tx,
            "UPDATE users SET email_verified = $1 WHERE id = $2",
            verified,
            user_id
        )?;
        Ok(())
    }

    /// A local user by e-mail, case-insensitively.
    pub async fn user_id_by_email(&self, email: &str) -> Result<Option<i64>> {
        Ok(read_opt!(
            self,
            (i64,),
            "SELECT id FROM users WHERE LOWER(email) = LOWER($1)",
            email
        )?
        .map(|(id,)| id))
    }
}
