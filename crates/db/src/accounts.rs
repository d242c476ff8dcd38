//! Accounts (PeerTube's Person actors) and channels (Group actors).

use crate::macros::*;
use crate::{Db, DbError, Result};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AccountRow {
    pub id: i64,
    pub user_id: Option<i64>,
    pub name: String,
    pub display_name: String,
    pub description: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    /// `None` when local; for a remote one, `name` is `username@host`.
    pub host: Option<String>,
    /// A remote account's ActivityPub id (its page, for Mastodon users `/users/{name}`).
    pub actor_url: Option<String>,
    /// Accepted follows of its actor (followers known here, for a remote one).
    pub followers_count: i64,
    /// Accepted follows by its actor.
    pub following_count: i64,
    /// Its avatar's sizes as JSON (see migration 0010); `None` when it has none.
    pub avatars: Option<String>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ChannelRow {
    pub id: i64,
    pub account_id: i64,
    pub name: String,
    pub display_name: String,
    pub description: Option<String>,
    pub support: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    /// `None` when local; for a remote one, `name` is `username@host`.
    pub host: Option<String>,
    /// A remote channel's ActivityPub id.
    pub actor_url: Option<String>,
    /// Accepted follows of its actor (followers known here, for a remote one).
    pub followers_count: i64,
    /// Accepted follows by its actor.
    pub following_count: i64,
    /// Its avatar's sizes as JSON (see migration 0010); `None` when it has none.
    pub avatars: Option<String>,
    /// Its banner's sizes as JSON; `None` when it has none.
    pub banners: Option<String>,
}

/// Which image of an actor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActorImageKind {
    Avatar,
    Banner,
}

/// The accounts or channels whose images change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageOwner {
    Account(i64),
    Channel(i64),
}

/// The accepted follows of (`following_id`) or by (`follower_id`) the actor of the row's
/// account or channel (`account_id` / `channel_id` of `actors`), counted beside the row.
macro_rules! follow_count {
    ($side:literal, $owner:literal, $table:literal) => {
        concat!(
            "(SELECT COUNT(*) FROM follows f JOIN actors fa ON fa.id = f.",
            $side,
            " WHERE fa.",
            $owner,
            " = ",
            $table,
            ".id AND f.state = 'accepted')"
        )
    };
}

const ACCOUNT_COLS: &str = concat!(
    "id, user_id, name, display_name, description, created_at, updated_at, host, \
     (SELECT url FROM actors WHERE actors.account_id = accounts.id AND actors.host IS NOT NULL) AS actor_url, ",
    follow_count!("following_id", "account_id", "accounts"),
    " AS followers_count, ",
    follow_count!("follower_id", "account_id", "accounts"),
    " AS following_count, avatars"
);
const CHANNEL_COLS: &str = concat!(
    "id, account_id, name, display_name, description, support, created_at, updated_at, host, \
     (SELECT url FROM actors WHERE actors.channel_id = channels.id AND actors.host IS NOT NULL) AS actor_url, ",
    follow_count!("following_id", "channel_id", "channels"),
    " AS followers_count, ",
    follow_count!("follower_id", "channel_id", "channels"),
    " AS following_count, avatars, banners"
);

impl Db {
    pub async fn account_by_name(&self, name: &str) -> Result<Option<AccountRow>> {
        let sql = format!("SELECT {ACCOUNT_COLS} FROM accounts WHERE name = $1");
        Ok(read_opt!(self, AccountRow, &sql, name)?)
    }

    /// An account owned by no user (the instance actor's), created once.
    pub async fn create_system_account(&self, name: &str, now: i64) -> Result<AccountRow> {
        write_exec!(
            self,
            "INSERT INTO accounts (user_id, name, display_name, created_at, updated_at) VALUES (NULL, $1, $1, $2, $2) \
             ON CONFLICT (name) DO NOTHING",
            name,
            now
        )?;
        let sql = format!("SELECT {ACCOUNT_COLS} FROM accounts WHERE name = $1");
        write_opt!(self, AccountRow, &sql, name)?
            .ok_or_else(|| DbError::Conflict(format!("account {name}")))
    }

    pub async fn account_by_id(&self, id: i64) -> Result<Option<AccountRow>> {
        let sql = format!("SELECT {ACCOUNT_COLS} FROM accounts WHERE id = $1");
        Ok(read_opt!(self, AccountRow, &sql, id)?)
    }

    pub async fn accounts_by_ids(&self, ids: &[i64]) -> Result<Vec<AccountRow>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let list = ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
        let sql = format!("SELECT {ACCOUNT_COLS} FROM accounts WHERE id IN ({list})");
        Ok(read_all!(self, AccountRow, &sql)?)
    }

    pub async fn update_account(
        &self,
        id: i64,
        display_name: &str,
        description: Option<&str>,
        now: i64,
    ) -> Result<()> {
        write_exec!(
            self,
            "UPDATE accounts SET display_name = $1, description = $2, updated_at = $3 WHERE id = $4",
            display_name,
            description,
            now,
            id
        )?;
        Ok(())
    }

    /// Sets (or, with `None`, clears) an account's or a channel's avatar or banner (the JSON of
    /// migration 0010); answers what was there before, so its files can be removed. An account
    /// has no banner: that is a `NotFound`.
    pub async fn set_actor_images(
        &self,
        owner: ImageOwner,
        kind: ActorImageKind,
        images: Option<&str>,
    ) -> Result<Option<String>> {
        // Before and after in one statement each, under the writer (SQLite's single writer,
        // PostgreSQL's row lock through the transaction).
        let mut tx = self.begin().await?;
        let (read, write) = match (owner, kind) {
            (ImageOwner::Account(_), ActorImageKind::Avatar) => (
                "SELECT avatars FROM accounts WHERE id = $1",
                "UPDATE accounts SET avatars = $1 WHERE id = $2",
            ),
            (ImageOwner::Channel(_), ActorImageKind::Avatar) => (
                "SELECT avatars FROM channels WHERE id = $1",
                "UPDATE channels SET avatars = $1 WHERE id = $2",
            ),
            (ImageOwner::Channel(_), ActorImageKind::Banner) => (
                "SELECT banners FROM channels WHERE id = $1",
                "UPDATE channels SET banners = $1 WHERE id = $2",
            ),
            (ImageOwner::Account(_), ActorImageKind::Banner) => {
                return Err(DbError::Conflict("an account has no banner".into()))
            }
        };
        let id = match owner {
            ImageOwner::Account(id) | ImageOwner::Channel(id) => id,
        };
        let before = tx_scalar!(&mut tx, Option<String>, read, id)?;
        tx_exec!(&mut tx, write, images, id)?;
        tx.commit().await?;
        Ok(before)
    }

    /// The avatars of an account and of a channel and the channel's banners (a video's details
    /// carry its account and channel without them).
    pub async fn actor_images_of(
        &self,
        account_id: i64,
        channel_id: i64,
    ) -> Result<(Option<String>, Option<String>, Option<String>)> {
        Ok(read_opt!(
            self,
            (Option<String>, Option<String>, Option<String>),
            "SELECT a.avatars, c.avatars, c.banners FROM accounts a, channels c WHERE a.id = $1 AND c.id = $2",
            account_id,
            channel_id
        )?
        .unwrap_or_default())
    }

    /// The image columns (avatars or banners) that may list a file named `filename`: a textual
    /// pre-filter the caller confirms by reading the JSON.
    pub async fn image_columns_naming(
        &self,
        kind: ActorImageKind,
        filename: &str,
    ) -> Result<Vec<String>> {
        let escaped = filename
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        let pattern = format!("%{escaped}%");
        let sql = match kind {
            ActorImageKind::Avatar => {
                "SELECT avatars FROM accounts WHERE avatars LIKE $1 ESCAPE '\\' \
                 UNION ALL SELECT avatars FROM channels WHERE avatars LIKE $1 ESCAPE '\\' LIMIT 4"
            }
            ActorImageKind::Banner => {
                "SELECT banners FROM channels WHERE banners LIKE $1 ESCAPE '\\' LIMIT 4"
            }
        };
        Ok(read_all!(self, (String,), sql, &pattern)?
            .into_iter()
            .map(|(c,)| c)
            .collect())
    }

    pub async fn channel_by_id(&self, id: i64) -> Result<Option<ChannelRow>> {
        let sql = format!("SELECT {CHANNEL_COLS} FROM channels WHERE id = $1");
        Ok(read_opt!(self, ChannelRow, &sql, id)?)
    }

    pub async fn channel_by_name(&self, name: &str) -> Result<Option<ChannelRow>> {
        let sql = format!("SELECT {CHANNEL_COLS} FROM channels WHERE name = $1");
        Ok(read_opt!(self, ChannelRow, &sql, name)?)
    }

    pub async fn channels_of_account(&self, account_id: i64) -> Result<Vec<ChannelRow>> {
        let sql = format!("SELECT {CHANNEL_COLS} FROM channels WHERE account_id = $1 ORDER BY id");
        Ok(read_all!(self, ChannelRow, &sql, account_id)?)
    }

    pub async fn list_channels(
        &self,
        start: i64,
        count: i64,
        sort: crate::sort::Sort<crate::sort::ChannelSort>,
    ) -> Result<(i64, Vec<ChannelRow>)> {
        let total = read_scalar!(self, i64, "SELECT COUNT(*) FROM channels")?;
        let sql = format!(
            "SELECT {CHANNEL_COLS} FROM channels ORDER BY {} LIMIT $1 OFFSET $2",
            sort.order_by()
        );
        Ok((total, read_all!(self, ChannelRow, &sql, count, start)?))
    }

    /// Channels whose handle or display name contains `term` (case-insensitive), of one host
    /// when `host` says so.
    pub async fn search_channels(
        &self,
        term: &str,
        host: Option<&crate::videos::HostFilter>,
        sort: crate::sort::Sort<crate::sort::ChannelSort>,
        start: i64,
        count: i64,
    ) -> Result<(i64, Vec<ChannelRow>)> {
        let escaped = term
            .to_lowercase()
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        let pattern = format!("%{escaped}%");
        // $2: 0 any host, 1 ours only, 2 the remote host $3 only.
        let (mode, remote) = match host {
            None => (0i64, String::new()),
            Some(crate::videos::HostFilter::Local) => (1, String::new()),
            Some(crate::videos::HostFilter::Remote(h)) => (2, h.clone()),
        };
        let cond = "(LOWER(name) LIKE $1 ESCAPE '\\' OR LOWER(display_name) LIKE $1 ESCAPE '\\') \
             AND ($2 = 0 OR ($2 = 1 AND host IS NULL) OR ($2 = 2 AND host = $3))";
        let total = read_scalar!(
            self,
            i64,
            &format!("SELECT COUNT(*) FROM channels WHERE {cond}"),
            &pattern,
            mode,
            &remote
        )?;
        let sql = format!(
            "SELECT {CHANNEL_COLS} FROM channels WHERE {cond} ORDER BY {} LIMIT $4 OFFSET $5",
            sort.order_by()
        );
        Ok((
            total,
            read_all!(self, ChannelRow, &sql, &pattern, mode, &remote, count, start)?,
        ))
    }

    pub async fn count_channels_of_account(&self, account_id: i64) -> Result<i64> {
        Ok(read_scalar!(
            self,
            i64,
            "SELECT COUNT(*) FROM channels WHERE account_id = $1",
            account_id
        )?)
    }

    /// Channel handles share the actor namespace with account names (as in PeerTube, where both
    /// are ActivityPub actors on the same host).
    pub async fn actor_name_taken(&self, name: &str) -> Result<bool> {
        let n = read_scalar!(
            self,
            i64,
            "SELECT (SELECT COUNT(*) FROM channels WHERE name = $1) + (SELECT COUNT(*) FROM accounts WHERE name = $1)",
            name
        )?;
        Ok(n > 0)
    }

    pub async fn create_channel(
        &self,
        account_id: i64,
        name: &str,
        display_name: &str,
        description: Option<&str>,
        support: Option<&str>,
        now: i64,
    ) -> Result<i64> {
        write_scalar!(
            self,
            i64,
            "INSERT INTO channels (account_id, name, display_name, description, support, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id",
            account_id,
            name,
            display_name,
            description,
            support,
            now
        )
        .map_err(DbError::from_write)
    }

    pub async fn update_channel(&self, c: &ChannelRow) -> Result<()> {
        write_exec!(
            self,
            "UPDATE channels SET display_name = $1, description = $2, support = $3, updated_at = $4 WHERE id = $5",
            &c.display_name,
            &c.description,
            &c.support,
            c.updated_at,
            c.id
        )?;
        Ok(())
    }

    pub async fn delete_channel(&self, id: i64) -> Result<bool> {
        Ok(write_exec!(self, "DELETE FROM channels WHERE id = $1", id)? > 0)
    }

    /// The follower and following counts of an account's and a channel's actors, in that order
    /// (`(account followers, account following, channel followers, channel following)`), for
    /// a video's details, whose row carries its account and channel already.
    pub async fn follow_counts(
        &self,
        account_id: i64,
        channel_id: i64,
    ) -> Result<(i64, i64, i64, i64)> {
        let sql = concat!(
            "SELECT ",
            follow_count!("following_id", "account_id", "a"),
            ", ",
            follow_count!("follower_id", "account_id", "a"),
            ", ",
            follow_count!("following_id", "channel_id", "c"),
            ", ",
            follow_count!("follower_id", "channel_id", "c"),
            " FROM accounts a, channels c WHERE a.id = $1 AND c.id = $2"
        );
        Ok(read_opt!(self, (i64, i64, i64, i64), sql, account_id, channel_id)?.unwrap_or_default())
    }

    /// Forgets a remote account (its actor was deleted at its origin): its channels and their
    /// videos go with it, its ratings too (the rated videos are recounted), and its comments are
    /// marked deleted, as a deleted comment is (their replies stay in their threads). `false`
    /// when there is no such remote account (a local one is never touched).
    pub async fn delete_remote_account(&self, id: i64, now: i64) -> Result<bool> {
        let mut tx = self.begin().await?;
        let remote = tx_scalar!(
            &mut tx,
            i64,
            "SELECT COUNT(*) FROM accounts WHERE id = $1 AND host IS NOT NULL",
            id
        )?;
        if remote == 0 {
            return Ok(false);
        }
        tx_exec!(
            &mut tx,
            "UPDATE comments SET deleted_at = $1, text = '', updated_at = $1 WHERE account_id = $2 AND deleted_at IS NULL",
            now,
            id
        )?;
        tx_exec!(
            &mut tx,
            "UPDATE videos SET \
             likes = (SELECT COUNT(*) FROM video_rates r WHERE r.video_id = videos.id AND r.rate = 'like' AND r.account_id <> $1), \
             dislikes = (SELECT COUNT(*) FROM video_rates r WHERE r.video_id = videos.id AND r.rate = 'dislike' AND r.account_id <> $1) \
             WHERE id IN (SELECT video_id FROM video_rates WHERE account_id = $1)",
            id
        )?;
        let gone = tx_exec!(&mut tx, "DELETE FROM accounts WHERE id = $1", id)?;
        tx.commit().await?;
        Ok(gone > 0)
    }

    /// Forgets a remote channel and its videos (its actor was deleted at its origin).
    pub async fn delete_remote_channel(&self, id: i64) -> Result<bool> {
        Ok(write_exec!(
            self,
            "DELETE FROM channels WHERE id = $1 AND host IS NOT NULL",
            id
        )? > 0)
    }
}
