//! Video redundancy: which followed hosts we may mirror, the copies we keep of their videos, and
//! the copies other instances announce of the videos we know. A copy is listed only while it
//! lives (`expires_at` in the future, or none).

use crate::macros::*;
use crate::{Db, Result, Tx};

/// One copy of a video's HLS files, ours or another instance's.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RedundancyRow {
    pub id: i64,
    pub video_id: i64,
    /// Who keeps the copy: our instance actor for ours.
    pub actor_id: i64,
    pub local: bool,
    /// The CacheFile's id.
    pub url: String,
    /// The folder the copy is served from (the origin's file names below it).
    pub file_url: String,
    pub strategy: Option<String>,
    pub size: i64,
    pub expires_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

const COLS: &str = "id, video_id, actor_id, local, url, file_url, strategy, size, expires_at, created_at, updated_at";

/// A copy as it is recorded (ours once its files are in place, or an announced one).
pub struct NewRedundancy<'a> {
    pub video_id: i64,
    pub actor_id: i64,
    pub local: bool,
    pub url: &'a str,
    pub file_url: &'a str,
    pub strategy: Option<&'a str>,
    pub size: i64,
    pub expires_at: Option<i64>,
    pub now: i64,
}

/// A video listed by the redundancy admin API.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RedundantVideo {
    pub id: i64,
    pub name: String,
    pub uuid: String,
    /// `None` for a local video.
    pub url: Option<String>,
}

/// A remote video a strategy may mirror, with the size of its HLS files.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MirrorCandidate {
    pub video_id: i64,
    pub size: i64,
    /// We keep a copy already (for whichever strategy).
    pub mirrored: bool,
}

/// How a strategy ranks the videos it mirrors (PeerTube's `redundancy.videos.strategies`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CandidateOrder {
    MostViews,
    /// Views per day since publication.
    Trending,
    RecentlyAdded,
}

/// Which copies the admin list shows (PeerTube's `target`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RedundancyTarget {
    /// Other instances' copies of our videos.
    MyVideos,
    /// Our copies of other instances' videos.
    RemoteVideos,
}

impl Db {
    /// Allows or forbids mirroring `host`'s videos; answers whether anything changed.
    pub async fn set_redundancy_allowed(
        &self,
        host: &str,
        allowed: bool,
        now: i64,
    ) -> Result<bool> {
        Ok(if allowed {
            write_exec!(
                self,
                "INSERT INTO redundancy_hosts (host, allowed_at) VALUES ($1, $2) ON CONFLICT (host) DO NOTHING",
                host,
                now
            )?
        } else {
            write_exec!(self, "DELETE FROM redundancy_hosts WHERE host = $1", host)?
        } > 0)
    }

    /// Whether `follower_id` (our instance actor) has an accepted follow of an actor on `host`.
    pub async fn follows_host(&self, follower_id: i64, host: &str) -> Result<bool> {
        Ok(read_scalar!(
            self,
            i64,
            "SELECT COUNT(*) FROM follows f JOIN actors a ON a.id = f.following_id \
             WHERE f.follower_id = $1 AND a.host = $2 AND f.state = 'accepted'",
            follower_id,
            host
        )? > 0)
    }

    pub async fn redundancy_allowed_hosts(&self) -> Result<Vec<String>> {
        Ok(read_all!(
            self,
            (String,),
            "SELECT host FROM redundancy_hosts ORDER BY host"
        )?
        .into_iter()
        .map(|(h,)| h)
        .collect())
    }

    /// Records a copy, or refreshes the one this actor already has of this video (its
    /// CacheFile id, folder, size and expiry may change).
    pub async fn upsert_redundancy_in(&self, tx: &mut Tx, r: &NewRedundancy<'_>) -> Result<i64> {
        Ok(tx_scalar!(
            tx,
            i64,
            "INSERT INTO video_redundancies (video_id, actor_id, local, url, file_url, strategy, size, expires_at, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) \
             ON CONFLICT (video_id, actor_id) DO UPDATE SET url = excluded.url, file_url = excluded.file_url, \
               strategy = excluded.strategy, size = excluded.size, expires_at = excluded.expires_at, updated_at = excluded.updated_at \
             RETURNING id",
            r.video_id,
            r.actor_id,
            r.local,
            r.url,
            r.file_url,
            r.strategy,
            r.size,
            r.expires_at,
            r.now
        )?)
    }

    pub async fn upsert_redundancy(&self, r: &NewRedundancy<'_>) -> Result<i64> {
        let mut tx = self.begin().await?;
        let id = self.upsert_redundancy_in(&mut tx, r).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Moves a copy's expiry (an announced Update, or our renewal).
    pub async fn extend_redundancy_in(
        &self,
        tx: &mut Tx,
        id: i64,
        expires_at: Option<i64>,
        now: i64,
    ) -> Result<bool> {
        Ok(tx_exec!(
            tx,
            "UPDATE video_redundancies SET expires_at = $1, updated_at = $2 WHERE id = $3",
            expires_at,
            now,
            id
        )? == 1)
    }

    pub async fn redundancy_by_id(&self, id: i64) -> Result<Option<RedundancyRow>> {
        let sql = format!("SELECT {COLS} FROM video_redundancies WHERE id = $1");
        Ok(read_opt!(self, RedundancyRow, &sql, id)?)
    }

    pub async fn redundancy_by_url(&self, url: &str) -> Result<Option<RedundancyRow>> {
        let sql = format!("SELECT {COLS} FROM video_redundancies WHERE url = $1");
        Ok(read_opt!(self, RedundancyRow, &sql, url)?)
    }

    /// Our copy of a video, live or expired.
    pub async fn local_redundancy_of_video(&self, video_id: i64) -> Result<Option<RedundancyRow>> {
        let sql = format!("SELECT {COLS} FROM video_redundancies WHERE video_id = $1 AND local");
        Ok(read_opt!(self, RedundancyRow, &sql, video_id)?)
    }

    /// The live copies of a video (ours and others'), oldest first.
    pub async fn live_redundancies_of_video(
        &self,
        video_id: i64,
        now: i64,
    ) -> Result<Vec<RedundancyRow>> {
        let sql = format!(
            "SELECT {COLS} FROM video_redundancies WHERE video_id = $1 \
             AND (expires_at IS NULL OR expires_at > $2) ORDER BY id"
        );
        Ok(read_all!(self, RedundancyRow, &sql, video_id, now)?)
    }

    /// Our copies kept for a strategy (all of them, live or expired), oldest first.
    pub async fn local_redundancies(&self, strategy: &str) -> Result<Vec<RedundancyRow>> {
        let sql = format!(
            "SELECT {COLS} FROM video_redundancies WHERE local AND strategy = $1 ORDER BY id"
        );
        Ok(read_all!(self, RedundancyRow, &sql, strategy)?)
    }

    /// Our copies whose expiry has passed.
    pub async fn expired_local_redundancies(&self, now: i64) -> Result<Vec<RedundancyRow>> {
        let sql = format!(
            "SELECT {COLS} FROM video_redundancies WHERE local AND expires_at IS NOT NULL AND expires_at <= $1 ORDER BY id"
        );
        Ok(read_all!(self, RedundancyRow, &sql, now)?)
    }

    /// Forgets the copies other instances announced and did not renew in time.
    pub async fn purge_expired_remote_redundancies(&self, now: i64) -> Result<u64> {
        Ok(write_exec!(
            self,
            "DELETE FROM video_redundancies WHERE NOT local AND expires_at IS NOT NULL AND expires_at <= $1",
            now
        )?)
    }

    pub async fn delete_redundancy_in(&self, tx: &mut Tx, id: i64) -> Result<bool> {
        Ok(tx_exec!(tx, "DELETE FROM video_redundancies WHERE id = $1", id)? == 1)
    }

    /// Forgets an announced copy, if `actor_id` is the one that keeps it.
    pub async fn delete_remote_redundancy(&self, url: &str, actor_id: i64) -> Result<bool> {
        Ok(write_exec!(
            self,
            "DELETE FROM video_redundancies WHERE url = $1 AND actor_id = $2 AND NOT local",
            url,
            actor_id
        )? == 1)
    }

    /// Videos with copies of the `target` kind, by name, and how many there are.
    pub async fn redundant_videos(
        &self,
        target: RedundancyTarget,
        start: i64,
        count: i64,
    ) -> Result<(i64, Vec<RedundantVideo>)> {
        let filter = match target {
            RedundancyTarget::MyVideos => "v.url IS NULL AND NOT r.local",
            RedundancyTarget::RemoteVideos => "v.url IS NOT NULL AND r.local",
        };
        let with = format!(
            "EXISTS (SELECT 1 FROM video_redundancies r WHERE r.video_id = v.id AND {filter})"
        );
        let total = read_scalar!(
            self,
            i64,
            &format!("SELECT COUNT(*) FROM videos v WHERE {with}")
        )?;
        let rows = read_all!(
            self,
            RedundantVideo,
            &format!(
                "SELECT v.id, v.name, v.uuid, v.url FROM videos v WHERE {with} ORDER BY v.name, v.id LIMIT $1 OFFSET $2"
            ),
            count,
            start
        )?;
        Ok((total, rows))
    }

    /// The copies of `video_id` of the `target` kind.
    pub async fn redundancies_for_target(
        &self,
        video_id: i64,
        target: RedundancyTarget,
    ) -> Result<Vec<RedundancyRow>> {
        let local = target == RedundancyTarget::RemoteVideos;
        let sql = format!(
            "SELECT {COLS} FROM video_redundancies WHERE video_id = $1 AND local = $2 ORDER BY id"
        );
        Ok(read_all!(self, RedundancyRow, &sql, video_id, local)?)
    }

    /// Remote, published, public videos of the hosts we may mirror that have an HLS playlist,
    /// best first for `order`, with at least `min_views` views; those we keep a copy of too (a
    /// strategy renews a copy only while it would still pick it).
    pub async fn mirror_candidates(
        &self,
        order: CandidateOrder,
        min_views: i64,
        now: i64,
        limit: i64,
    ) -> Result<Vec<MirrorCandidate>> {
        let order_by = match order {
            CandidateOrder::MostViews => "v.views DESC, v.id",
            // Views per day since publication (86 400 000 ms a day; a day at least).
            CandidateOrder::Trending => {
                "(v.views * 86400000.0) / (CASE WHEN $3 - v.published_at > 86400000 THEN $3 - v.published_at ELSE 86400000 END) DESC, v.id"
            }
            CandidateOrder::RecentlyAdded => "v.published_at DESC, v.id",
        };
        // `$3` (now) is named in every variant so PostgreSQL can type it where the order does not
        // use it.
        let sql = format!(
            "SELECT v.id AS video_id, \
               CAST(COALESCE((SELECT SUM(f.size) FROM video_files f WHERE f.video_id = v.id AND f.kind = 'hls'), 0) AS BIGINT) AS size, \
               EXISTS (SELECT 1 FROM video_redundancies r WHERE r.video_id = v.id AND r.local) AS mirrored \
             FROM videos v \
             JOIN channels c ON c.id = v.channel_id \
             JOIN redundancy_hosts h ON h.host = c.host \
             JOIN streaming_playlists p ON p.video_id = v.id \
             WHERE v.url IS NOT NULL AND v.privacy = 1 AND v.state = 1 AND v.views >= $1 \
               AND $3 >= 0 \
             ORDER BY {order_by} LIMIT $2"
        );
        Ok(read_all!(
            self,
            MirrorCandidate,
            &sql,
            min_views,
            limit,
            now
        )?)
    }
}
