//! A user's watch history (where they stopped in each video, PeerTube's `userVideoHistory`),
//! their `videosHistoryEnabled` switch, and their feed token (the secret that opens
//! `/feeds/subscriptions.*`).

use crate::macros::*;
use crate::users::UserRow;
use crate::videos::{VideoRow, VIDEO_SELECT};
use crate::{Db, DbError, Result};

/// A video of a user's history with where they stopped, in seconds.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct HistoryRow {
    #[sqlx(flatten)]
    pub video: VideoRow,
    pub position_secs: i64,
}

/// Videos a user may still read: listed ones, and their own (a video made private since it was
/// watched leaves the history list, not the table).
const STILL_VISIBLE: &str = "(v.privacy IN (1, 2, 4) OR a.user_id = h.user_id)";

impl Db {
    pub async fn history_enabled(&self, user_id: i64) -> Result<bool> {
        Ok(read_opt!(
            self,
            (bool,),
            "SELECT videos_history_enabled FROM users WHERE id = $1",
            user_id
        )?
        .is_none_or(|(b,)| b))
    }

    pub async fn set_history_enabled(&self, user_id: i64, enabled: bool) -> Result<()> {
        write_exec!(
            self,
            "UPDATE users SET videos_history_enabled = $1 WHERE id = $2",
            enabled,
            user_id
        )?;
        Ok(())
    }

    /// Records that the user is at `position_secs` in the video (one row per user and video).
    pub async fn record_watch(
        &self,
        user_id: i64,
        video_id: i64,
        position_secs: i64,
        now: i64,
    ) -> Result<()> {
        write_exec!(
            self,
            "INSERT INTO user_video_history (user_id, video_id, position_secs, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $4) ON CONFLICT (user_id, video_id) \
             DO UPDATE SET position_secs = excluded.position_secs, updated_at = excluded.updated_at",
            user_id,
            video_id,
            position_secs,
            now
        )
        .map_err(DbError::from_write)?;
        Ok(())
    }

    /// Where the user stopped in the video, if it is in their history.
    pub async fn watch_position(&self, user_id: i64, video_id: i64) -> Result<Option<i64>> {
        Ok(read_opt!(
            self,
            (i64,),
            "SELECT position_secs FROM user_video_history WHERE user_id = $1 AND video_id = $2",
            user_id,
            video_id
        )?
        .map(|(p,)| p))
    }

    /// Where the user stopped in each of `video_ids` that is in their history.
    pub async fn watch_positions(
        &self,
        user_id: i64,
        video_ids: &[i64],
    ) -> Result<std::collections::HashMap<i64, i64>> {
        if video_ids.is_empty() {
            return Ok(Default::default());
        }
        // Our own integer ids, written into the text: one statement whatever the page size.
        let list = video_ids
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(",");
        let sql = format!(
            "SELECT video_id, position_secs FROM user_video_history WHERE user_id = $1 AND video_id IN ({list})"
        );
        Ok(read_all!(self, (i64, i64), &sql, user_id)?
            .into_iter()
            .collect())
    }

    /// A page of the user's history, last watched first; `search` matches video names.
    pub async fn list_history(
        &self,
        user_id: i64,
        search: Option<&str>,
        start: i64,
        count: i64,
    ) -> Result<(i64, Vec<HistoryRow>)> {
        let pattern = search.filter(|s| !s.is_empty()).map(|s| {
            let escaped = s
                .to_lowercase()
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_");
            format!("%{escaped}%")
        });
        let filter = format!(
            "h.user_id = $1 AND {STILL_VISIBLE} AND ($2 IS NULL OR LOWER(v.name) LIKE $2 ESCAPE '\\')"
        );
        let sql = format!(
            "{}, h.position_secs FROM videos v JOIN channels c ON c.id = v.channel_id JOIN accounts a ON a.id = c.account_id \
             JOIN user_video_history h ON h.video_id = v.id WHERE {filter} \
             ORDER BY h.updated_at DESC, h.id DESC LIMIT $3 OFFSET $4",
            video_columns()
        );
        let rows = read_all!(self, HistoryRow, &sql, user_id, &pattern, count, start)?;
        let csql = format!(
            "SELECT COUNT(*) FROM user_video_history h JOIN videos v ON v.id = h.video_id \
             JOIN channels c ON c.id = v.channel_id JOIN accounts a ON a.id = c.account_id WHERE {filter}"
        );
        let total = read_scalar!(self, i64, &csql, user_id, &pattern)?;
        Ok((total, rows))
    }

    /// Removes the user's history, all of it or what was watched before `before` (ms).
    pub async fn clear_history(&self, user_id: i64, before: Option<i64>) -> Result<u64> {
        Ok(write_exec!(
            self,
            "DELETE FROM user_video_history WHERE user_id = $1 AND ($2 IS NULL OR updated_at < $2)",
            user_id,
            before
        )?)
    }

    /// Removes one video from the user's history; answers whether it was there.
    pub async fn remove_history_video(&self, user_id: i64, video_id: i64) -> Result<bool> {
        Ok(write_exec!(
            self,
            "DELETE FROM user_video_history WHERE user_id = $1 AND video_id = $2",
            user_id,
            video_id
        )? > 0)
    }

    pub async fn feed_token(&self, user_id: i64) -> Result<Option<String>> {
        Ok(read_opt!(
            self,
            (Option<String>,),
            "SELECT feed_token FROM users WHERE id = $1",
            user_id
        )?
        .and_then(|(t,)| t))
    }

    /// Sets the user's feed token; with `only_if_unset`, keeps one already set (answers the
    /// token in force either way).
    pub async fn set_feed_token(
        &self,
        user_id: i64,
        token: &str,
        only_if_unset: bool,
    ) -> Result<Option<String>> {
        write_exec!(
            self,
            "UPDATE users SET feed_token = $1 WHERE id = $2 AND (feed_token IS NULL OR $3 = FALSE)",
            token,
            user_id,
            only_if_unset
        )
        .map_err(DbError::from_write)?;
        self.feed_token(user_id).await
    }

    /// The user owning `account_id` whose feed token is `token`.
    pub async fn user_by_feed_token(
        &self,
        account_id: i64,
        token: &str,
    ) -> Result<Option<UserRow>> {
        let user_id = read_opt!(
            self,
            (i64,),
            "SELECT u.id FROM users u JOIN accounts a ON a.user_id = u.id WHERE a.id = $1 AND u.feed_token = $2",
            account_id,
            token
        )?;
        match user_id {
            Some((id,)) => self.user_by_id(id).await,
            None => Ok(None),
        }
    }
}

/// The column list of `VIDEO_SELECT` (its text up to `FROM`).
fn video_columns() -> &'static str {
    VIDEO_SELECT
        .split_once(" FROM videos v")
        .map_or(VIDEO_SELECT, |(cols, _)| cols)
}
