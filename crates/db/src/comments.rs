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
    /// Waiting for the video owner's approval: shown only to its author, the owner and
    /// moderators, and not federated to the video's audience.
    pub held_for_review: bool,
    /// The id of the ApproveReply activity that approved it (ours or the origin's).
    pub reply_approval: Option<String>,
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
  (SELECT COUNT(*) FROM comments r WHERE r.thread_id = cm.id) AS total_replies, \
  cm.held_for_review, cm.reply_approval \
  FROM comments cm LEFT JOIN accounts a ON a.id = cm.account_id LEFT JOIN actors ac ON ac.account_id = a.id";

/// Who reads a video's comments, for what they may see: nothing of what the instance blocked,
/// nothing of what the reader or (on a local video) the video's owner muted, and held comments
/// only when the reader wrote them, owns the video or moderates.
#[derive(Debug, Clone, Default)]
pub struct CommentViewer {
    pub account_id: Option<i64>,
    /// The owner of a local video (their mutes apply to everyone's view of their comments).
    pub video_owner_account_id: Option<i64>,
    pub sees_all_held: bool,
}

impl CommentViewer {
    /// The ids bound for [`Self::clause`]; no account has id -1.
    fn ids(&self) -> (i64, i64) {
        (
            self.account_id.unwrap_or(-1),
            self.video_owner_account_id.unwrap_or(-1),
        )
    }

    /// The condition on `cm` (comments) and `a` (its author's account), with the placeholders
    /// of the viewer's id, the owner's id and `sees_all_held`.
    fn clause(&self, viewer: &str, owner: &str, all_held: &str) -> String {
        Self::clause_on("cm", "a", viewer, owner, all_held)
    }

    /// [`Self::clause`] on other aliases of `comments` (`cm`) and `accounts` (`a`).
    fn clause_on(cm: &str, a: &str, viewer: &str, owner: &str, all_held: &str) -> String {
        let text = format!(
            "(cm.account_id IS NULL OR (cm.account_id NOT IN (SELECT account_id FROM blocked_accounts) \
             AND (a.host IS NULL OR a.host NOT IN (SELECT host FROM blocked_servers)) \
             AND NOT EXISTS (SELECT 1 FROM account_mutes am WHERE am.account_id IN ({viewer}, {owner}) AND am.target_account_id = cm.account_id) \
             AND (a.host IS NULL OR NOT EXISTS (SELECT 1 FROM server_mutes sm WHERE sm.account_id IN ({viewer}, {owner}) AND sm.host = a.host)))) \
             AND (cm.held_for_review = FALSE OR {all_held} = TRUE OR cm.account_id = {viewer})"
        );
        if cm == "cm" && a == "a" {
            return text;
        }
        // The aliases are constants of this module, never input.
        text.replace("cm.", &format!("{cm}."))
            .replace("a.host", &format!("{a}.host"))
    }

    /// The select of comments whose `total_replies` counts only the replies the viewer sees.
    fn select(&self, viewer: &str, owner: &str, all_held: &str) -> String {
        let replies = Self::clause_on("r", "ra", viewer, owner, all_held);
        COMMENT_SELECT.replacen(
            "(SELECT COUNT(*) FROM comments r WHERE r.thread_id = cm.id)",
            &format!(
                "(SELECT COUNT(*) FROM comments r LEFT JOIN accounts ra ON ra.id = r.account_id \
                 WHERE r.thread_id = cm.id AND {replies})"
            ),
            1,
        )
    }
}

/// Filters of the comment lists for moderators and video owners.
#[derive(Debug, Clone, Default)]
pub struct CommentListFilter {
    /// Only comments on the local videos of this account (`/users/me/videos/comments`).
    pub video_owner_account_id: Option<i64>,
    /// Whose automatic tags `auto_tag_one_of` reads (`None`: the instance's).
    pub tags_of_account_id: Option<i64>,
    pub search: Option<String>,
    pub search_account: Option<String>,
    pub search_video: Option<String>,
    pub video_id: Option<i64>,
    pub channel_id: Option<i64>,
    pub auto_tag_one_of: Vec<String>,
    pub is_local: Option<bool>,
    pub on_local_video: Option<bool>,
    pub held_for_review: Option<bool>,
    /// Leaves out what the instance blocked and, `Some(id)`, what that account muted
    /// (PeerTube's lists do, unless a moderator asks `includeMuted`).
    pub hide_blocked: bool,
    pub muted_by_account_id: Option<i64>,
}

pub struct NewComment<'a> {
    pub url: Option<&'a str>,
    pub video_id: i64,
    pub account_id: i64,
    pub thread_id: Option<i64>,
    pub in_reply_to_id: Option<i64>,
    pub text: &'a str,
    pub created_at: i64,
    pub held_for_review: bool,
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
            "INSERT INTO comments (url, video_id, account_id, thread_id, in_reply_to_id, text, created_at, updated_at, held_for_review) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8) RETURNING id",
            c.url,
            c.video_id,
            c.account_id,
            c.thread_id,
            c.in_reply_to_id,
            c.text,
            c.created_at,
            c.held_for_review
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

    /// Root comments of a video that `who` may see (`sort` is a trusted ORDER BY clause), with
    /// the number of those roots and the number of those comments not deleted.
    pub async fn list_comment_threads(
        &self,
        video_id: i64,
        who: &CommentViewer,
        start: i64,
        count: i64,
        sort: crate::sort::Sort<crate::sort::CommentSort>,
    ) -> Result<(i64, i64, Vec<CommentRow>)> {
        let vis = who.clause("$2", "$3", "$4");
        let (viewer, owner) = who.ids();
        let total = read_scalar!(
            self,
            i64,
            &format!(
                "SELECT COUNT(*) FROM comments cm LEFT JOIN accounts a ON a.id = cm.account_id \
                 WHERE cm.video_id = $1 AND cm.thread_id IS NULL AND {vis}"
            ),
            video_id,
            viewer,
            owner,
            who.sees_all_held
        )?;
        let alive = read_scalar!(
            self,
            i64,
            &format!(
                "SELECT COUNT(*) FROM comments cm LEFT JOIN accounts a ON a.id = cm.account_id \
                 WHERE cm.video_id = $1 AND cm.deleted_at IS NULL AND {vis}"
            ),
            video_id,
            viewer,
            owner,
            who.sees_all_held
        )?;
        let sql = format!(
            "{} WHERE cm.video_id = $1 AND cm.thread_id IS NULL AND {vis} ORDER BY {} LIMIT $5 OFFSET $6",
            who.select("$2", "$3", "$4"),
            sort.order_by()
        );
        let rows = read_all!(
            self,
            CommentRow,
            &sql,
            video_id,
            viewer,
            owner,
            who.sees_all_held,
            count,
            start
        )?;
        Ok((total, alive, rows))
    }

    /// A root and the replies under it that `who` may see, oldest first.
    pub async fn comment_thread(
        &self,
        video_id: i64,
        root_id: i64,
        who: &CommentViewer,
    ) -> Result<Vec<CommentRow>> {
        let vis = who.clause("$3", "$4", "$5");
        let (viewer, owner) = who.ids();
        let sql = format!(
            "{COMMENT_SELECT} WHERE cm.video_id = $1 AND (cm.id = $2 OR cm.thread_id = $2) AND {vis} ORDER BY cm.id"
        );
        Ok(read_all!(
            self,
            CommentRow,
            &sql,
            video_id,
            root_id,
            viewer,
            owner,
            who.sees_all_held
        )?)
    }

    /// Releases a held comment; `reply_approval` is the ApproveReply activity's id. Answers
    /// whether it was held.
    pub async fn approve_comment(&self, id: i64, reply_approval: Option<&str>) -> Result<bool> {
        Ok(write_exec!(
            self,
            "UPDATE comments SET held_for_review = FALSE, reply_approval = COALESCE($1, reply_approval) \
             WHERE id = $2 AND held_for_review = TRUE",
            reply_approval,
            id
        )? > 0)
    }

    /// Records the ApproveReply that approved a comment already shown.
    pub async fn set_reply_approval(&self, id: i64, reply_approval: &str) -> Result<()> {
        write_exec!(
            self,
            "UPDATE comments SET reply_approval = $1 WHERE id = $2",
            reply_approval,
            id
        )?;
        Ok(())
    }

    /// The comments of a moderation list (`GET /videos/comments`, `/users/me/videos/comments`):
    /// not deleted, newest first unless `sort` says otherwise, with their video.
    pub async fn list_comments_for_review(
        &self,
        f: &CommentListFilter,
        start: i64,
        count: i64,
        sort: crate::sort::Sort<crate::sort::CommentSort>,
    ) -> Result<(i64, Vec<CommentRow>)> {
        use crate::videos::{bind_args, Arg};
        let mut parts: Vec<String> = vec!["cm.deleted_at IS NULL".into()];
        let mut args: Vec<Arg> = Vec::new();
        let push = |args: &mut Vec<Arg>, a: Arg| {
            args.push(a);
            format!("${}", args.len())
        };
        let like = |s: &str| {
            let escaped = s
                .to_lowercase()
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_");
            format!("%{escaped}%")
        };
        if let Some(owner) = f.video_owner_account_id {
            let p = push(&mut args, Arg::I(owner));
            parts.push(format!("v.url IS NULL AND c.account_id = {p}"));
        }
        if let Some(s) = &f.search {
            let p = push(&mut args, Arg::S(like(s)));
            parts.push(format!(
                "(LOWER(cm.text) LIKE {p} ESCAPE '\\' OR LOWER(a.name) LIKE {p} ESCAPE '\\' \
                 OR LOWER(a.display_name) LIKE {p} ESCAPE '\\' OR LOWER(v.name) LIKE {p} ESCAPE '\\')"
            ));
        }
        if let Some(s) = &f.search_account {
            let p = push(&mut args, Arg::S(like(s)));
            parts.push(format!(
                "(LOWER(a.name) LIKE {p} ESCAPE '\\' OR LOWER(a.display_name) LIKE {p} ESCAPE '\\')"
            ));
        }
        if let Some(s) = &f.search_video {
            let p = push(&mut args, Arg::S(like(s)));
            parts.push(format!("LOWER(v.name) LIKE {p} ESCAPE '\\'"));
        }
        if let Some(id) = f.video_id {
            let p = push(&mut args, Arg::I(id));
            parts.push(format!("cm.video_id = {p}"));
        }
        if let Some(id) = f.channel_id {
            let p = push(&mut args, Arg::I(id));
            parts.push(format!("v.channel_id = {p}"));
        }
        match f.is_local {
            Some(true) => parts.push("cm.url IS NULL".into()),
            Some(false) => parts.push("cm.url IS NOT NULL".into()),
            None => {}
        }
        match f.on_local_video {
            Some(true) => parts.push("v.url IS NULL".into()),
            Some(false) => parts.push("v.url IS NOT NULL".into()),
            None => {}
        }
        match f.held_for_review {
            Some(true) => parts.push("cm.held_for_review = TRUE".into()),
            Some(false) => parts.push("cm.held_for_review = FALSE".into()),
            None => {}
        }
        if !f.auto_tag_one_of.is_empty() {
            let scope = match f.tags_of_account_id {
                Some(a) => format!("t.account_id = {}", push(&mut args, Arg::I(a))),
                None => "t.account_id IS NULL".to_string(),
            };
            let list = f
                .auto_tag_one_of
                .iter()
                .map(|t| push(&mut args, Arg::S(t.clone())))
                .collect::<Vec<_>>()
                .join(",");
            parts.push(format!(
                "EXISTS (SELECT 1 FROM comment_auto_tags t WHERE t.comment_id = cm.id AND {scope} AND t.tag IN ({list}))"
            ));
        }
        if f.hide_blocked {
            let viewer = push(&mut args, Arg::I(f.muted_by_account_id.unwrap_or(-1)));
            parts.push(CommentViewer::clause_on(
                "cm", "a", &viewer, &viewer, "TRUE",
            ));
        }
        let joins = " JOIN videos v ON v.id = cm.video_id JOIN channels c ON c.id = v.channel_id";
        let where_sql = parts.join(" AND ");
        let n = args.len();
        let sql = format!(
            "{COMMENT_SELECT}{joins} WHERE {where_sql} ORDER BY {} LIMIT ${} OFFSET ${}",
            sort.order_by(),
            n + 1,
            n + 2
        );
        let csql = format!(
            "SELECT COUNT(*) FROM comments cm LEFT JOIN accounts a ON a.id = cm.account_id{joins} WHERE {where_sql}"
        );
        let (total, rows) = match self {
            Db::Sqlite { read, .. } => (
                bind_args!(sqlx::query_scalar::<_, i64>(&csql), &args)
                    .fetch_one(read)
                    .await?,
                bind_args!(sqlx::query_as::<_, CommentRow>(&sql), &args)
                    .bind(count)
                    .bind(start)
                    .fetch_all(read)
                    .await?,
            ),
            Db::Postgres(p) => (
                bind_args!(sqlx::query_scalar::<_, i64>(&csql), &args)
                    .fetch_one(p)
                    .await?,
                bind_args!(sqlx::query_as::<_, CommentRow>(&sql), &args)
                    .bind(count)
                    .bind(start)
                    .fetch_all(p)
                    .await?,
            ),
        };
        Ok((total, rows))
    }

    /// The comments of an account not deleted yet, on the videos of `on_videos_of` (an account)
    /// or anywhere: what a bulk removal deletes.
    pub async fn comments_for_bulk_delete(
        &self,
        author: i64,
        on_videos_of: Option<i64>,
    ) -> Result<Vec<CommentRow>> {
        let sql = format!(
            "{COMMENT_SELECT} WHERE cm.account_id = $1 AND cm.deleted_at IS NULL AND ($2 IS NULL OR cm.video_id IN \
             (SELECT bv.id FROM videos bv JOIN channels bc ON bc.id = bv.channel_id WHERE bc.account_id = $2)) ORDER BY cm.id"
        );
        Ok(read_all!(self, CommentRow, &sql, author, on_videos_of)?)
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
