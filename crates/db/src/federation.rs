//! ActivityPub actors, follows, the inbox's memory of accepted activities, delivery health per
//! remote host, and the instance's blocklists.

use crate::macros::*;
use crate::{Db, DbError, Result, Tx};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ActorRow {
    pub id: i64,
    pub url: String,
    pub kind: String,
    pub username: String,
    /// `None` for our own actors.
    pub host: Option<String>,
    pub account_id: Option<i64>,
    pub channel_id: Option<i64>,
    pub inbox_url: String,
    pub shared_inbox_url: Option<String>,
    pub outbox_url: Option<String>,
    pub followers_url: Option<String>,
    pub public_key_pem: Option<String>,
    pub private_key_pem: Option<String>,
    pub fetched_at: i64,
    pub created_at: i64,
}

impl ActorRow {
    pub fn is_local(&self) -> bool {
        self.host.is_none()
    }
    /// Where deliveries go: the shared inbox when the actor's server has one (one POST per
    /// server instead of one per follower).
    pub fn delivery_inbox(&self) -> &str {
        self.shared_inbox_url.as_deref().unwrap_or(&self.inbox_url)
    }
}

const ACTOR_COLS: &str = "id, url, kind, username, host, account_id, channel_id, inbox_url, shared_inbox_url, outbox_url, followers_url, public_key_pem, private_key_pem, fetched_at, created_at";

/// An actor to insert or refresh.
pub struct ActorFields<'a> {
    pub url: &'a str,
    pub kind: &'a str,
    pub username: &'a str,
    pub host: Option<&'a str>,
    pub account_id: Option<i64>,
    pub channel_id: Option<i64>,
    pub inbox_url: &'a str,
    pub shared_inbox_url: Option<&'a str>,
    pub outbox_url: Option<&'a str>,
    pub followers_url: Option<&'a str>,
    pub public_key_pem: Option<&'a str>,
    pub now: i64,
}

/// What we keep of a remote account's or channel's profile.
pub struct RemoteProfile<'a> {
    /// `name@host`.
    pub handle: &'a str,
    pub host: &'a str,
    pub display_name: &'a str,
    pub description: Option<&'a str>,
    pub support: Option<&'a str>,
    pub now: i64,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct FollowRow {
    pub id: i64,
    pub follower_id: i64,
    pub following_id: i64,
    pub state: String,
    pub activity_url: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

const FOLLOW_COLS: &str =
    "id, follower_id, following_id, state, activity_url, created_at, updated_at";

pub const FOLLOW_PENDING: &str = "pending";
pub const FOLLOW_ACCEPTED: &str = "accepted";

impl Db {
    pub async fn actor_by_url(&self, url: &str) -> Result<Option<ActorRow>> {
        let sql = format!("SELECT {ACTOR_COLS} FROM actors WHERE url = $1");
        Ok(read_opt!(self, ActorRow, &sql, url)?)
    }

    pub async fn actor_by_id(&self, id: i64) -> Result<Option<ActorRow>> {
        let sql = format!("SELECT {ACTOR_COLS} FROM actors WHERE id = $1");
        Ok(read_opt!(self, ActorRow, &sql, id)?)
    }

    pub async fn actor_of_account(&self, account_id: i64) -> Result<Option<ActorRow>> {
        let sql = format!("SELECT {ACTOR_COLS} FROM actors WHERE account_id = $1");
        Ok(read_opt!(self, ActorRow, &sql, account_id)?)
    }

    pub async fn actor_of_channel(&self, channel_id: i64) -> Result<Option<ActorRow>> {
        let sql = format!("SELECT {ACTOR_COLS} FROM actors WHERE channel_id = $1");
        Ok(read_opt!(self, ActorRow, &sql, channel_id)?)
    }

    /// Inserts an actor or refreshes the one with the same URL (a remote actor refetched).
    /// Never touches a private key.
    pub async fn upsert_actor(&self, a: &ActorFields<'_>) -> Result<ActorRow> {
        let sql = format!(
            "INSERT INTO actors (url, kind, username, host, account_id, channel_id, inbox_url, shared_inbox_url, \
             outbox_url, followers_url, public_key_pem, fetched_at, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12) \
             ON CONFLICT (url) DO UPDATE SET kind = excluded.kind, username = excluded.username, \
             account_id = COALESCE(excluded.account_id, actors.account_id), \
             channel_id = COALESCE(excluded.channel_id, actors.channel_id), \
             inbox_url = excluded.inbox_url, shared_inbox_url = excluded.shared_inbox_url, \
             outbox_url = excluded.outbox_url, followers_url = excluded.followers_url, \
             public_key_pem = COALESCE(excluded.public_key_pem, actors.public_key_pem), \
             fetched_at = excluded.fetched_at \
             RETURNING {ACTOR_COLS}"
        );
        write_opt!(
            self,
            ActorRow,
            &sql,
            a.url,
            a.kind,
            a.username,
            a.host,
            a.account_id,
            a.channel_id,
            a.inbox_url,
            a.shared_inbox_url,
            a.outbox_url,
            a.followers_url,
            a.public_key_pem,
            a.now
        )
        .map_err(DbError::from_write)?
        .ok_or_else(|| DbError::Conflict("actor upsert returned nothing".into()))
    }

    /// Stores a local actor's freshly generated key pair unless another request stored one
    /// first; answers the actor as it now is (with whichever pair won).
    pub async fn set_actor_keys_once(
        &self,
        id: i64,
        public_pem: &str,
        private_pem: &str,
    ) -> Result<Option<ActorRow>> {
        write_exec!(
            self,
            "UPDATE actors SET public_key_pem = $1, private_key_pem = $2 WHERE id = $3 AND private_key_pem IS NULL",
            public_pem,
            private_pem,
            id
        )?;
        self.actor_by_id_primary(id).await
    }

    /// Reads through the writer (SQLite) so a write just made is seen.
    async fn actor_by_id_primary(&self, id: i64) -> Result<Option<ActorRow>> {
        let sql = format!("SELECT {ACTOR_COLS} FROM actors WHERE id = $1");
        Ok(write_opt!(self, ActorRow, &sql, id)?)
    }

    pub async fn upsert_follow(
        &self,
        follower_id: i64,
        following_id: i64,
        state: &str,
        activity_url: Option<&str>,
        now: i64,
    ) -> Result<FollowRow> {
        let sql = format!(
            "INSERT INTO follows (follower_id, following_id, state, activity_url, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $5) \
             ON CONFLICT (follower_id, following_id) DO UPDATE SET \
             state = CASE WHEN follows.state = 'accepted' THEN follows.state ELSE excluded.state END, \
             activity_url = COALESCE(excluded.activity_url, follows.activity_url), updated_at = excluded.updated_at \
             RETURNING {FOLLOW_COLS}"
        );
        write_opt!(
            self,
            FollowRow,
            &sql,
            follower_id,
            following_id,
            state,
            activity_url,
            now
        )?
        .ok_or_else(|| DbError::Conflict("follow upsert returned nothing".into()))
    }

    pub async fn set_follow_activity_url(&self, id: i64, url: &str) -> Result<()> {
        write_exec!(
            self,
            "UPDATE follows SET activity_url = $1 WHERE id = $2",
            url,
            id
        )?;
        Ok(())
    }

    pub async fn set_follow_state(&self, id: i64, state: &str, now: i64) -> Result<bool> {
        Ok(write_exec!(
            self,
            "UPDATE follows SET state = $1, updated_at = $2 WHERE id = $3",
            state,
            now,
            id
        )? > 0)
    }

    pub async fn follow_between(
        &self,
        follower_id: i64,
        following_id: i64,
    ) -> Result<Option<FollowRow>> {
        let sql = format!(
            "SELECT {FOLLOW_COLS} FROM follows WHERE follower_id = $1 AND following_id = $2"
        );
        Ok(write_opt!(
            self,
            FollowRow,
            &sql,
            follower_id,
            following_id
        )?)
    }

    pub async fn follow_by_id(&self, id: i64) -> Result<Option<FollowRow>> {
        let sql = format!("SELECT {FOLLOW_COLS} FROM follows WHERE id = $1");
        Ok(read_opt!(self, FollowRow, &sql, id)?)
    }

    pub async fn delete_follow(&self, id: i64) -> Result<bool> {
        Ok(write_exec!(self, "DELETE FROM follows WHERE id = $1", id)? > 0)
    }

    /// Follows where `actor_id` is the follower (`following == true`) or the followee, newest
    /// first, with the total.
    pub async fn list_follows(
        &self,
        actor_id: i64,
        following: bool,
        start: i64,
        count: i64,
    ) -> Result<(i64, Vec<FollowRow>)> {
        let col = if following {
            "follower_id"
        } else {
            "following_id"
        };
        let total = read_scalar!(
            self,
            i64,
            &format!("SELECT COUNT(*) FROM follows WHERE {col} = $1"),
            actor_id
        )?;
        let sql = format!(
            "SELECT {FOLLOW_COLS} FROM follows WHERE {col} = $1 ORDER BY id DESC LIMIT $2 OFFSET $3"
        );
        Ok((
            total,
            read_all!(self, FollowRow, &sql, actor_id, count, start)?,
        ))
    }

    /// The channels an actor follows (a user's subscriptions), with the follow.
    pub async fn followed_channels(
        &self,
        follower_id: i64,
        start: i64,
        count: i64,
    ) -> Result<(i64, Vec<(i64, i64)>)> {
        let total = read_scalar!(
            self,
            i64,
            "SELECT COUNT(*) FROM follows f JOIN actors a ON a.id = f.following_id \
             WHERE f.follower_id = $1 AND a.channel_id IS NOT NULL",
            follower_id
        )?;
        let rows = read_all!(
            self,
            (i64, i64),
            "SELECT a.channel_id, f.id FROM follows f JOIN actors a ON a.id = f.following_id \
             WHERE f.follower_id = $1 AND a.channel_id IS NOT NULL ORDER BY f.id DESC LIMIT $2 OFFSET $3",
            follower_id,
            count,
            start
        )?;
        Ok((total, rows))
    }

    pub async fn count_accepted_followers(&self, actor_id: i64) -> Result<i64> {
        Ok(read_scalar!(
            self,
            i64,
            "SELECT COUNT(*) FROM follows WHERE following_id = $1 AND state = 'accepted'",
            actor_id
        )?)
    }

    /// Remote actors following any of `actor_ids` (accepted), as the URLs of their actors,
    /// for the followers collection.
    pub async fn follower_urls(
        &self,
        actor_id: i64,
        start: i64,
        count: i64,
    ) -> Result<Vec<String>> {
        Ok(read_scalar_all(
            self,
            "SELECT a.url FROM follows f JOIN actors a ON a.id = f.follower_id \
             WHERE f.following_id = $1 AND f.state = 'accepted' ORDER BY f.id LIMIT $2 OFFSET $3",
            actor_id,
            count,
            start,
        )
        .await?)
    }

    /// The distinct inboxes (shared when available) of the remote accepted followers of any of
    /// `actor_ids`: one delivery per remote server for most servers.
    pub async fn follower_inboxes(&self, actor_ids: &[i64]) -> Result<Vec<String>> {
        if actor_ids.is_empty() {
            return Ok(Vec::new());
        }
        let list = actor_ids
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(",");
        let sql = format!(
            "SELECT DISTINCT COALESCE(a.shared_inbox_url, a.inbox_url) FROM follows f \
             JOIN actors a ON a.id = f.follower_id \
             WHERE f.following_id IN ({list}) AND f.state = 'accepted' AND a.host IS NOT NULL"
        );
        Ok(read_all!(self, (String,), &sql)?
            .into_iter()
            .map(|(s,)| s)
            .collect())
    }

    /// Records an accepted activity id; `false` when it was already seen (a redelivery).
    pub async fn mark_activity_seen(
        &self,
        tx: &mut Tx,
        activity_id: &str,
        now: i64,
    ) -> Result<bool> {
        Ok(tx_exec!(
            tx,
            "INSERT INTO inbox_seen (activity_id, received_at) VALUES ($1, $2) ON CONFLICT (activity_id) DO NOTHING",
            activity_id,
            now
        )? == 1)
    }

    /// Whether an activity id was accepted already.
    pub async fn activity_seen(&self, activity_id: &str) -> Result<bool> {
        Ok(read_scalar!(
            self,
            i64,
            "SELECT COUNT(*) FROM inbox_seen WHERE activity_id = $1",
            activity_id
        )? > 0)
    }

    /// Records that the origin deleted the remote video at `url` (see migration 0023).
    pub async fn record_video_tombstone(&self, url: &str, now: i64) -> Result<u64> {
        Ok(write_exec!(
            self,
            "INSERT INTO remote_video_tombstones (url, deleted_at) VALUES ($1, $2) \
             ON CONFLICT (url) DO UPDATE SET deleted_at = excluded.deleted_at",
            url,
            now
        )?)
    }

    /// Whether the origin deleted the remote video at `url` (and it has not come back since).
    pub async fn video_tombstoned(&self, url: &str) -> Result<bool> {
        Ok(read_scalar!(
            self,
            i64,
            "SELECT COUNT(*) FROM remote_video_tombstones WHERE url = $1",
            url
        )? > 0)
    }

    pub async fn purge_video_tombstones(&self, before: i64) -> Result<u64> {
        Ok(write_exec!(
            self,
            "DELETE FROM remote_video_tombstones WHERE deleted_at < $1",
            before
        )?)
    }

    /// The origin serves the video at `url` again.
    pub async fn clear_video_tombstone(&self, url: &str) -> Result<u64> {
        Ok(write_exec!(
            self,
            "DELETE FROM remote_video_tombstones WHERE url = $1",
            url
        )?)
    }

    pub async fn purge_seen_activities(&self, before: i64) -> Result<u64> {
        Ok(write_exec!(
            self,
            "DELETE FROM inbox_seen WHERE received_at < $1",
            before
        )?)
    }

    /// Until when deliveries to `host` are parked, if they are.
    pub async fn host_parked_until(&self, host: &str, now: i64) -> Result<Option<i64>> {
        Ok(read_opt!(
            self,
            (Option<i64>,),
            "SELECT unreachable_until FROM remote_hosts WHERE host = $1",
            host
        )?
        .and_then(|(u,)| u)
        .filter(|u| *u > now))
    }

    /// Counts a delivery outcome; after `park_after` consecutive failures spread over at least
    /// `min_outage_ms`, the host is parked for `park_ms(failures beyond the threshold)`.
    pub async fn record_delivery(
        &self,
        host: &str,
        ok: bool,
        park_after: i64,
        min_outage_ms: i64,
        park_ms: impl Fn(i64) -> i64,
        now: i64,
    ) -> Result<()> {
        if ok {
            write_exec!(
                self,
                "UPDATE remote_hosts SET failures = 0, first_failed_at = NULL, unreachable_until = NULL \
                 WHERE host = $1 AND failures > 0",
                host
            )?;
            return Ok(());
        }
        let (failures, first) = write_opt!(
            self,
            (i64, i64),
            "INSERT INTO remote_hosts (host, failures, first_failed_at) VALUES ($1, 1, $2) \
             ON CONFLICT (host) DO UPDATE SET failures = remote_hosts.failures + 1, \
             first_failed_at = COALESCE(remote_hosts.first_failed_at, excluded.first_failed_at) \
             RETURNING failures, first_failed_at",
            host,
            now
        )?
        .unwrap_or((1, now));
        if failures >= park_after && now - first >= min_outage_ms {
            write_exec!(
                self,
                "UPDATE remote_hosts SET unreachable_until = $1 WHERE host = $2",
                now + park_ms(failures - park_after),
                host
            )?;
        }
        Ok(())
    }

    pub async fn block_server(&self, host: &str, now: i64) -> Result<bool> {
        Ok(write_exec!(
            self,
            "INSERT INTO blocked_servers (host, created_at) VALUES ($1, $2) ON CONFLICT (host) DO NOTHING",
            host,
            now
        )? == 1)
    }

    pub async fn unblock_server(&self, host: &str) -> Result<bool> {
        Ok(write_exec!(self, "DELETE FROM blocked_servers WHERE host = $1", host)? > 0)
    }

    pub async fn is_server_blocked(&self, host: &str) -> Result<bool> {
        Ok(read_scalar!(
            self,
            i64,
            "SELECT COUNT(*) FROM blocked_servers WHERE host = $1",
            host
        )? > 0)
    }

    pub async fn list_blocked_servers(&self) -> Result<Vec<(String, i64)>> {
        Ok(read_all!(
            self,
            (String, i64),
            "SELECT host, created_at FROM blocked_servers ORDER BY created_at DESC"
        )?)
    }

    pub async fn block_account(&self, account_id: i64, now: i64) -> Result<bool> {
        Ok(write_exec!(
            self,
            "INSERT INTO blocked_accounts (account_id, created_at) VALUES ($1, $2) ON CONFLICT (account_id) DO NOTHING",
            account_id,
            now
        )? == 1)
    }

    pub async fn unblock_account(&self, account_id: i64) -> Result<bool> {
        Ok(write_exec!(
            self,
            "DELETE FROM blocked_accounts WHERE account_id = $1",
            account_id
        )? > 0)
    }

    pub async fn is_account_blocked(&self, account_id: i64) -> Result<bool> {
        Ok(read_scalar!(
            self,
            i64,
            "SELECT COUNT(*) FROM blocked_accounts WHERE account_id = $1",
            account_id
        )? > 0)
    }

    pub async fn list_blocked_accounts(&self) -> Result<Vec<(i64, i64)>> {
        Ok(read_all!(
            self,
            (i64, i64),
            "SELECT account_id, created_at FROM blocked_accounts ORDER BY created_at DESC"
        )?)
    }

    /// A remote account by handle (`name@host`), created or refreshed.
    pub async fn upsert_remote_account(&self, p: &RemoteProfile<'_>) -> Result<i64> {
        write_scalar!(
            self,
            i64,
            "INSERT INTO accounts (user_id, name, display_name, description, created_at, updated_at, host) \
             VALUES (NULL, $1, $2, $3, $4, $4, $5) \
             ON CONFLICT (name) DO UPDATE SET display_name = excluded.display_name, \
             description = excluded.description, updated_at = excluded.updated_at \
             WHERE accounts.host IS NOT NULL RETURNING id",
            p.handle,
            p.display_name,
            p.description,
            p.now,
            p.host
        )
        .map_err(|e| remote_profile_error(e, "account", p.handle))
    }

    /// A remote channel by handle, owned by the remote account `account_id`.
    pub async fn upsert_remote_channel(
        &self,
        p: &RemoteProfile<'_>,
        account_id: i64,
    ) -> Result<i64> {
        write_scalar!(
            self,
            i64,
            "INSERT INTO channels (account_id, name, display_name, description, support, created_at, updated_at, host) \
             VALUES ($1, $2, $3, $4, $5, $6, $6, $7) \
             ON CONFLICT (name) DO UPDATE SET display_name = excluded.display_name, \
             description = excluded.description, support = excluded.support, updated_at = excluded.updated_at \
             WHERE channels.host IS NOT NULL RETURNING id",
            account_id,
            p.handle,
            p.display_name,
            p.description,
            p.support,
            p.now,
            p.host
        )
        .map_err(|e| remote_profile_error(e, "channel", p.handle))
    }

    /// Inserts an abuse report; `None` when one with this activity URL already exists.
    #[allow(clippy::too_many_arguments)]
    pub async fn insert_abuse(
        &self,
        url: Option<&str>,
        reporter_account_id: Option<i64>,
        video_id: Option<i64>,
        comment_id: Option<i64>,
        flagged_account_id: Option<i64>,
        reason: &str,
        now: i64,
    ) -> Result<Option<i64>> {
        Ok(write_opt!(
            self,
            (i64,),
            "INSERT INTO abuses (url, reporter_account_id, video_id, comment_id, flagged_account_id, reason, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (url) DO NOTHING RETURNING id",
            url,
            reporter_account_id,
            video_id,
            comment_id,
            flagged_account_id,
            reason,
            now
        )?
        .map(|(id,)| id))
    }

    pub async fn list_abuses(&self, start: i64, count: i64) -> Result<(i64, Vec<AbuseRow>)> {
        let total = read_scalar!(self, i64, "SELECT COUNT(*) FROM abuses")?;
        let rows = read_all!(
            self,
            AbuseRow,
            "SELECT id, url, reporter_account_id, video_id, comment_id, flagged_account_id, reason, state, created_at \
             FROM abuses ORDER BY id DESC LIMIT $1 OFFSET $2",
            count,
            start
        )?;
        Ok((total, rows))
    }
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AbuseRow {
    pub id: i64,
    pub url: Option<String>,
    pub reporter_account_id: Option<i64>,
    pub video_id: Option<i64>,
    pub comment_id: Option<i64>,
    pub flagged_account_id: Option<i64>,
    pub reason: String,
    pub state: i64,
    pub created_at: i64,
}

/// The upserts of remote profiles update only remote rows (`WHERE host IS NOT NULL`): a handle
/// held by a local account or channel makes them return no row, which is a conflict (not a
/// database failure to retry).
fn remote_profile_error(e: sqlx::Error, what: &str, handle: &str) -> DbError {
    match e {
        sqlx::Error::RowNotFound => DbError::Conflict(format!("{what} {handle} is a local {what}")),
        e => DbError::from_write(e),
    }
}

async fn read_scalar_all(
    db: &Db,
    sql: &str,
    a: i64,
    b: i64,
    c: i64,
) -> std::result::Result<Vec<String>, sqlx::Error> {
    Ok(read_all!(db, (String,), sql, a, b, c)?
        .into_iter()
        .map(|(s,)| s)
        .collect())
}
