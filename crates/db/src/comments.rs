//! Video comments, local and remote. A thread is a root comment (`thread_id` NULL) and every
//! reply under it (`thread_id` = the root's id). Deletion is soft, as in PeerTube: a deleted
//! comment stays in its thread as a tombstone so replies keep their place.

use crate::macros::*;
use crate::{Db, DbError, Result};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CommentRow {
    pub id: i64,
    /// ActivityPub id of a remote comment; `None` for a local one.
    pub url: Option<String>,
    pub video_id: i64,
    pub account_id: Option<i64>,
    pub thread_id: Option<i64>,
    pub in_reply_to_id: Option<i64>,
    pub text: String,
    pub deleted_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
    pub account_name: Option<String>,
    pub account_display_name: Option<String>,
    pub account_host: Option<String>,
    pub account_user_id: Option<i64>,
    pub account_created_at: Option<i64>,
    pub account_updated_at: Option<i64>,
    pub account_description: Option<String>,
    pub account_actor_url: Option<String>,
    /// Replies under a root (0 for replies themselves).
    pub total_replies: i64,
}

impl CommentRow {
    /// The root of this comment's thread (itself for a root).
    pub fn root_id(&self) -> i64 {
        self.thread_id.unwrap_or(self.id)
    }
}

const COMMENT_SELECT: &str = "SELECT cm.id, cm.url, cm.video_id, cm.account_id, cm.thread_id, cm.in_reply_to_id, \
  cm.text, cm.deleted_at, cm.created_at, cm.updated_at, a.name AS account_name, a.display_name AS account_display_name, \
  a.host AS account_host, a.user_id AS account_user_id, a.created_at AS account_created_at, \
  a.updated_at AS account_updated_at, a.description AS account_description, ac.url AS account_actor_url, \
  (SELECT COUNT(*) FROM comments r WHERE r.thread_id = cm.id) AS total_replies \
  FROM comments cm LEFT JOIN accounts a ON a.id = cm.account_id LEFT JOIN actors ac ON ac.account_id = a.id";

pub struct NewComment<'a> {
    pub url: Option<&'a str>,
    pub video_id: i64,
    pub account_id: i64,
    pub thread_id: Option<i64>,
    pub in_reply_to_id: Option<i64>,
    pub text: &'a str,
    pub created_at: i64,
}

impl Db {
    /// Inserts a comment; a remote one already known by its URL answers its existing id.
    pub async fn insert_comment(&self, c: &NewComment<'_>) -> Result<i64> {
        if let Some(url) = c.url {
            if let Some(existing) = self.comment_by_url(url).await? {
                return Ok(existing.id);
            }
        }
        write_scalar!(
            self,
            i64,
            "INSERT INTO comments (url, video_id, account_id, thread_id, in_reply_to_id, text, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id",
            c.url,
            c.video_id,
            c.account_id,
            c.thread_id,
            c.in_reply_to_id,
            c.text,
            c.created_at
        )
        .map_err(DbError::from_write)
    }

    pub async fn comment_by_id(&self, id: i64) -> Result<Option<CommentRow>> {
        let sql = format!("{COMMENT_SELECT} WHERE cm.id = $1");
        Ok(write_opt!(self, CommentRow, &sql, id)?)
    }

    pub async fn comment_by_url(&self, url: &str) -> Result<Option<CommentRow>> {
        let sql = format!("{COMMENT_SELECT} WHERE cm.url = $1");
        Ok(write_opt!(self, CommentRow, &sql, url)?)
    }

    /// Root comments of a video (`sort` is a trusted ORDER BY clause), with the number of
    /// roots and the number of comments not deleted.
    pub async fn list_comment_threads(
        &self,
        video_id: i64,
        start: i64,
        count: i64,
        sort: crate::sort::Sort<crate::sort::CommentSort>,
    ) -> Result<(i64, i64, Vec<CommentRow>)> {
        let total = read_scalar!(
            self,
            i64,
            "SELECT COUNT(*) FROM comments WHERE video_id = $1 AND thread_id IS NULL",
            video_id
        )?;
        let alive = read_scalar!(
            self,
            i64,
            "SELECT COUNT(*) FROM comments WHERE video_id = $1 AND deleted_at IS NULL",
            video_id
        )?;
        let sql = format!(
            "{COMMENT_SELECT} WHERE cm.video_id = $1 AND cm.thread_id IS NULL ORDER BY {} LIMIT $2 OFFSET $3",
            sort.order_by()
        );
        let rows = read_all!(self, CommentRow, &sql, video_id, count, start)?;
        Ok((total, alive, rows))
    }

    /// A root and all its replies, oldest first.
    pub async fn comment_thread(&self, video_id: i64, root_id: i64) -> Result<Vec<CommentRow>> {
        let sql = format!(
            "{COMMENT_SELECT} WHERE cm.video_id = $1 AND (cm.id = $2 OR cm.thread_id = $2) ORDER BY cm.id"
        );
        Ok(read_all!(self, CommentRow, &sql, video_id, root_id)?)
    }

    pub async fn soft_delete_comment(&self, id: i64, now: i64) -> Result<bool> {
        Ok(write_exec!(
            self,
            "UPDATE comments SET deleted_at = $1, text = '', updated_at = $1 WHERE id = $2 AND deleted_at IS NULL",
            now,
            id
        )? > 0)
    }

    pub async fn update_comment_text(&self, id: i64, text: &str, now: i64) -> Result<()> {
        write_exec!(
            self,
            "UPDATE comments SET text = $1, updated_at = $2 WHERE id = $3",
            text,
            now,
            id
        )?;
        Ok(())
    }

    pub async fn count_local_comments(&self) -> Result<i64> {
        Ok(read_scalar!(
            self,
            i64,
            "SELECT COUNT(*) FROM comments WHERE url IS NULL AND deleted_at IS NULL"
        )?)
    }
}
