//! Reads for the syndication feeds that the video list does not already answer: the latest
//! comments of public videos.

use crate::macros::*;
use crate::{Db, Result};

/// A comment with what its feed item shows of the video and the author.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct FeedCommentRow {
    pub id: i64,
    pub thread_id: Option<i64>,
    pub text: String,
    pub created_at: i64,
    pub url: Option<String>,
    pub account_name: String,
    pub account_display_name: String,
    pub account_host: Option<String>,
    pub video_uuid: String,
    pub video_name: String,
}

/// Which comments a comments feed lists (all `None`: the instance's).
#[derive(Debug, Clone, Copy, Default)]
pub struct CommentFeedFilter {
    pub video_id: Option<i64>,
    /// Comments on the videos of this account's channels.
    pub account_id: Option<i64>,
    pub channel_id: Option<i64>,
}

impl Db {
    /// The latest live comments on public, published videos, newest first.
    pub async fn feed_comments(
        &self,
        f: CommentFeedFilter,
        count: i64,
    ) -> Result<Vec<FeedCommentRow>> {
        Ok(read_all!(
            self,
            FeedCommentRow,
            "SELECT cm.id, cm.thread_id, cm.text, cm.created_at, cm.url, a.name AS account_name, \
             a.display_name AS account_display_name, a.host AS account_host, v.uuid AS video_uuid, v.name AS video_name \
             FROM comments cm JOIN accounts a ON a.id = cm.account_id JOIN videos v ON v.id = cm.video_id \
             JOIN channels c ON c.id = v.channel_id \
             WHERE cm.deleted_at IS NULL AND v.state = 1 AND v.privacy = 1 \
             AND (c.host IS NULL OR c.host NOT IN (SELECT host FROM blocked_servers)) \
             AND cm.held_for_review = FALSE AND c.account_id NOT IN (SELECT account_id FROM blocked_accounts) \
             AND cm.account_id NOT IN (SELECT account_id FROM blocked_accounts) \
             AND (a.host IS NULL OR a.host NOT IN (SELECT host FROM blocked_servers)) \
             AND ($1 IS NULL OR v.id = $1) AND ($2 IS NULL OR c.account_id = $2) AND ($3 IS NULL OR c.id = $3) \
             ORDER BY cm.created_at DESC, cm.id DESC LIMIT $4",
            f.video_id,
            f.account_id,
            f.channel_id,
            count
        )?)
    }
}
