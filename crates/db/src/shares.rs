//! Shares: the Announces of videos (PeerTube's video shares), one per actor and video.

use crate::macros::*;
use crate::{Db, DbError, Result};

impl Db {
    /// Records that `actor_id` shared `video_id` with the Announce `url`; a redelivery, or a new
    /// Announce of a video the actor shared already, keeps one share (under the latest `url`).
    pub async fn upsert_share(
        &self,
        actor_id: i64,
        video_id: i64,
        url: &str,
        now: i64,
    ) -> Result<()> {
        write_exec!(
            self,
            "INSERT INTO video_shares (url, actor_id, video_id, created_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (actor_id, video_id) DO UPDATE SET url = excluded.url",
            url,
            actor_id,
            video_id,
            now
        )
        .map_err(DbError::from_write)?;
        Ok(())
    }

    /// Takes back the share made with the Announce `url`, if `actor_id` made it (an Undo).
    pub async fn delete_share(&self, actor_id: i64, url: &str) -> Result<bool> {
        Ok(write_exec!(
            self,
            "DELETE FROM video_shares WHERE url = $1 AND actor_id = $2",
            url,
            actor_id
        )? > 0)
    }

    /// How many actors share the video (its `shares` collection's `totalItems`).
    pub async fn count_shares(&self, video_id: i64) -> Result<i64> {
        Ok(read_scalar!(
            self,
            i64,
            "SELECT COUNT(*) FROM video_shares WHERE video_id = $1",
            video_id
        )?)
    }
}
