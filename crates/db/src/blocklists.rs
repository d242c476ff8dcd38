//! What users and the instance moderate with: a user's mutes (accounts and servers they do not
//! want to see), watched-words lists, the automatic tags given to comments and the accounts'
//! "hold for review" policies on those tags. The instance's own blocklists are in `federation`.

use crate::macros::*;
use crate::Result;

/// A list of strings as JSON (serialising strings cannot fail).
fn words_json(words: &[String]) -> String {
    serde_json::to_string(words).unwrap_or_else(|_| "[]".into())
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct WatchedWordsRow {
    pub id: i64,
    pub account_id: Option<i64>,
    pub list_name: String,
    /// A JSON array of strings.
    pub words: String,
    pub created_at: i64,
    pub updated_at: i64,
}

impl WatchedWordsRow {
    pub fn words(&self) -> Vec<String> {
        serde_json::from_str(&self.words).unwrap_or_default()
    }
}

impl crate::Db {
    /// Mutes an account for `by`; answers false when it was muted already.
    pub async fn mute_account(&self, by: i64, target: i64, now: i64) -> Result<bool> {
        Ok(write_exec!(
            self,
            "INSERT INTO account_mutes (account_id, target_account_id, created_at) VALUES ($1, $2, $3) \
             ON CONFLICT (account_id, target_account_id) DO NOTHING",
            by,
            target,
            now
        )? > 0)
    }

    pub async fn unmute_account(&self, by: i64, target: i64) -> Result<bool> {
        Ok(write_exec!(
            self,
            "DELETE FROM account_mutes WHERE account_id = $1 AND target_account_id = $2",
            by,
            target
        )? > 0)
    }

    /// A page of the accounts `by` muted, newest first: (account id, muted at), and the total.
    pub async fn list_account_mutes(
        &self,
        by: i64,
        start: i64,
        count: i64,
        oldest_first: bool,
    ) -> Result<(i64, Vec<(i64, i64)>)> {
        let total = read_scalar!(
            self,
            i64,
            "SELECT COUNT(*) FROM account_mutes WHERE account_id = $1",
            by
        )?;
        let dir = if oldest_first { "ASC" } else { "DESC" };
        let sql = format!(
            "SELECT target_account_id, created_at FROM account_mutes WHERE account_id = $1 \
             ORDER BY created_at {dir}, target_account_id {dir} LIMIT $2 OFFSET $3"
        );
        let rows = read_all!(self, (i64, i64), &sql, by, count, start)?;
        Ok((total, rows))
    }

    pub async fn is_account_muted(&self, by: i64, target: i64) -> Result<bool> {
        Ok(read_scalar!(
            self,
            i64,
            "SELECT COUNT(*) FROM account_mutes WHERE account_id = $1 AND target_account_id = $2",
            by,
            target
        )? > 0)
    }

    pub async fn mute_server(&self, by: i64, host: &str, now: i64) -> Result<bool> {
        Ok(write_exec!(
            self,
            "INSERT INTO server_mutes (account_id, host, created_at) VALUES ($1, $2, $3) \
             ON CONFLICT (account_id, host) DO NOTHING",
            by,
            host,
            now
        )? > 0)
    }

    pub async fn unmute_server(&self, by: i64, host: &str) -> Result<bool> {
        Ok(write_exec!(
            self,
            "DELETE FROM server_mutes WHERE account_id = $1 AND host = $2",
            by,
            host
        )? > 0)
    }

    /// A page of the servers `by` muted, newest first: (host, muted at), and the total.
    pub async fn list_server_mutes(
        &self,
        by: i64,
        start: i64,
        count: i64,
        oldest_first: bool,
    ) -> Result<(i64, Vec<(String, i64)>)> {
        let total = read_scalar!(
            self,
            i64,
            "SELECT COUNT(*) FROM server_mutes WHERE account_id = $1",
            by
        )?;
        let dir = if oldest_first { "ASC" } else { "DESC" };
        let sql = format!(
            "SELECT host, created_at FROM server_mutes WHERE account_id = $1 \
             ORDER BY created_at {dir}, host {dir} LIMIT $2 OFFSET $3"
        );
        let rows = read_all!(self, (String, i64), &sql, by, count, start)?;
        Ok((total, rows))
    }

    pub async fn is_server_muted(&self, by: i64, host: &str) -> Result<bool> {
        Ok(read_scalar!(
            self,
            i64,
            "SELECT COUNT(*) FROM server_mutes WHERE account_id = $1 AND host = $2",
            by,
            host
        )? > 0)
    }

    /// Whether `by` muted this account or its server.
    pub async fn is_muted_by(&self, by: i64, account_id: i64) -> Result<bool> {
        Ok(read_scalar!(
            self,
            i64,
            "SELECT COUNT(*) FROM accounts a WHERE a.id = $2 AND (\
             EXISTS (SELECT 1 FROM account_mutes am WHERE am.account_id = $1 AND am.target_account_id = a.id) \
             OR (a.host IS NOT NULL AND EXISTS (SELECT 1 FROM server_mutes sm WHERE sm.account_id = $1 AND sm.host = a.host)))",
            by,
            account_id
        )? > 0)
    }

    /// The watched-words lists of an account (`None`: the instance's), oldest first.
    pub async fn watched_words_lists(
        &self,
        account_id: Option<i64>,
    ) -> Result<Vec<WatchedWordsRow>> {
        Ok(read_all!(
            self,
            WatchedWordsRow,
            "SELECT id, account_id, list_name, words, created_at, updated_at FROM watched_words_lists \
             WHERE (account_id = $1 OR ($1 IS NULL AND account_id IS NULL)) ORDER BY id",
            account_id
        )?)
    }

    pub async fn watched_words_list(
        &self,
        account_id: Option<i64>,
        id: i64,
    ) -> Result<Option<WatchedWordsRow>> {
        Ok(read_opt!(
            self,
            WatchedWordsRow,
            "SELECT id, account_id, list_name, words, created_at, updated_at FROM watched_words_lists \
             WHERE id = $2 AND (account_id = $1 OR ($1 IS NULL AND account_id IS NULL))",
            account_id,
            id
        )?)
    }

    pub async fn insert_watched_words_list(
        &self,
        account_id: Option<i64>,
        name: &str,
        words: &[String],
        now: i64,
    ) -> Result<i64> {
        let words = words_json(words);
        Ok(write_scalar!(
            self,
            i64,
            "INSERT INTO watched_words_lists (account_id, list_name, words, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $4) RETURNING id",
            account_id,
            name,
            words,
            now
        )?)
    }

    pub async fn update_watched_words_list(
        &self,
        id: i64,
        name: Option<&str>,
        words: Option<&[String]>,
        now: i64,
    ) -> Result<()> {
        let words = words.map(words_json);
        write_exec!(
            self,
            "UPDATE watched_words_lists SET list_name = COALESCE($1, list_name), words = COALESCE($2, words), \
             updated_at = $3 WHERE id = $4",
            name,
            words,
            now,
            id
        )?;
        Ok(())
    }

    pub async fn delete_watched_words_list(&self, id: i64) -> Result<bool> {
        Ok(write_exec!(self, "DELETE FROM watched_words_lists WHERE id = $1", id)? > 0)
    }

    /// Replaces the automatic tags of a comment as `account_id` (`None`: the instance) sees them.
    pub async fn set_comment_auto_tags(
        &self,
        comment_id: i64,
        account_id: Option<i64>,
        tags: &[String],
    ) -> Result<()> {
        write_exec!(
            self,
            "DELETE FROM comment_auto_tags WHERE comment_id = $1 AND (account_id = $2 OR ($2 IS NULL AND account_id IS NULL))",
            comment_id,
            account_id
        )?;
        for t in tags {
            write_exec!(
                self,
                "INSERT INTO comment_auto_tags (comment_id, account_id, tag) VALUES ($1, $2, $3)",
                comment_id,
                account_id,
                t
            )?;
        }
        Ok(())
    }

    /// The automatic tags of these comments as `account_id` (`None`: the instance) sees them.
    pub async fn comment_auto_tags(
        &self,
        comment_ids: &[i64],
        account_id: Option<i64>,
    ) -> Result<Vec<(i64, String)>> {
        if comment_ids.is_empty() {
            return Ok(Vec::new());
        }
        // Ids are integers from our own rows: inlining them cannot change the query.
        let list = comment_ids
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(",");
        let sql = format!(
            "SELECT comment_id, tag FROM comment_auto_tags WHERE comment_id IN ({list}) \
             AND (account_id = $1 OR ($1 IS NULL AND account_id IS NULL)) ORDER BY tag"
        );
        Ok(read_all!(self, (i64, String), &sql, account_id)?)
    }

    /// The tags whose comments an account holds for review.
    pub async fn auto_tag_review_policy(&self, account_id: i64) -> Result<Vec<String>> {
        Ok(read_all!(
            self,
            (String,),
            "SELECT tag FROM comment_auto_tag_policies WHERE account_id = $1 ORDER BY tag",
            account_id
        )?
        .into_iter()
        .map(|(t,)| t)
        .collect())
    }

    pub async fn set_auto_tag_review_policy(&self, account_id: i64, tags: &[String]) -> Result<()> {
        let mut tx = self.begin().await?;
        tx_exec!(
            &mut tx,
            "DELETE FROM comment_auto_tag_policies WHERE account_id = $1",
            account_id
        )?;
        for t in tags {
            tx_exec!(
                &mut tx,
                "INSERT INTO comment_auto_tag_policies (account_id, tag) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                account_id,
                t
            )?;
        }
        tx.commit().await?;
        Ok(())
    }
}
