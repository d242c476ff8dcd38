//! Video playlists and their elements, local and remote. Elements are kept in `position` order
//! (a reorder rewrites the positions as 1, 2, ... in one transaction; a removal or a deleted
//! video leaves a gap, so readers number elements by their rank).

use crate::macros::*;
use crate::{Db, DbError, Result};

/// PeerTube's playlist privacies (`/video-playlists/privacies`).
pub const PLAYLIST_PUBLIC: i64 = 1;
pub const PLAYLIST_UNLISTED: i64 = 2;
pub const PLAYLIST_PRIVATE: i64 = 3;
/// PeerTube's playlist types.
pub const PLAYLIST_REGULAR: i64 = 1;
pub const PLAYLIST_WATCH_LATER: i64 = 2;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PlaylistRow {
    pub id: i64,
    pub uuid: String,
    /// ActivityPub id of a remote playlist; `None` for a local one.
    pub url: Option<String>,
    pub account_id: i64,
    pub channel_id: Option<i64>,
    pub name: String,
    pub description: Option<String>,
    pub privacy: i64,
    pub playlist_type: i64,
    pub thumbnail_name: Option<String>,
    /// A remote playlist's icon.
    pub thumbnail_url: Option<String>,
    pub channel_position: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
    pub videos_length: i64,
    /// The thumbnail of the first element's video (shown when the playlist has none).
    pub first_thumbnail: Option<String>,
    pub account_name: String,
    pub account_display_name: String,
    pub account_host: Option<String>,
    pub account_user_id: Option<i64>,
    pub account_actor_url: Option<String>,
    pub channel_name: Option<String>,
    pub channel_display_name: Option<String>,
    pub channel_host: Option<String>,
    pub channel_actor_url: Option<String>,
}

impl PlaylistRow {
    pub fn is_local(&self) -> bool {
        self.url.is_none()
    }
}

const PLAYLIST_SELECT: &str = "SELECT p.id, p.uuid, p.url, p.account_id, p.channel_id, p.name, p.description, p.privacy, \
  p.playlist_type, p.thumbnail_name, p.thumbnail_url, p.channel_position, p.created_at, p.updated_at, \
  (SELECT COUNT(*) FROM video_playlist_elements e WHERE e.playlist_id = p.id) AS videos_length, \
  (SELECT v.thumbnail_name FROM video_playlist_elements e JOIN videos v ON v.id = e.video_id \
     WHERE e.playlist_id = p.id ORDER BY e.position, e.id LIMIT 1) AS first_thumbnail, \
  a.name AS account_name, a.display_name AS account_display_name, a.host AS account_host, a.user_id AS account_user_id, \
  (SELECT url FROM actors WHERE actors.account_id = a.id AND actors.host IS NOT NULL) AS account_actor_url, \
  c.name AS channel_name, c.display_name AS channel_display_name, c.host AS channel_host, \
  (SELECT url FROM actors WHERE actors.channel_id = c.id AND actors.host IS NOT NULL) AS channel_actor_url \
  FROM video_playlists p JOIN accounts a ON a.id = p.account_id LEFT JOIN channels c ON c.id = p.channel_id";

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ElementRow {
    pub id: i64,
    pub url: Option<String>,
    pub playlist_id: i64,
    pub video_id: i64,
    pub position: i64,
    pub start_timestamp: Option<i64>,
    pub stop_timestamp: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

const ELEMENT_COLS: &str = "id, url, playlist_id, video_id, position, start_timestamp, stop_timestamp, created_at, updated_at";

/// A playlist to write (new, or the fields an update sets).
pub struct NewPlaylist<'a> {
    pub uuid: &'a str,
    pub url: Option<&'a str>,
    pub account_id: i64,
    pub channel_id: Option<i64>,
    pub name: &'a str,
    pub description: Option<&'a str>,
    pub privacy: i64,
    pub playlist_type: i64,
    pub thumbnail_url: Option<&'a str>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// An element as a remote playlist lists it.
pub struct NewElement<'a> {
    pub url: Option<&'a str>,
    pub video_id: i64,
    pub start_timestamp: Option<i64>,
    pub stop_timestamp: Option<i64>,
}

/// Which playlists a list shows. Integers are written into the SQL text (they are typed), the
/// search is bound.
#[derive(Debug, Clone, Default)]
pub struct PlaylistFilter {
    pub account_id: Option<i64>,
    pub channel_id: Option<i64>,
    /// Empty: any privacy.
    pub privacies: Vec<i64>,
    pub playlist_type: Option<i64>,
    /// Only the playlists of this instance.
    pub local_only: bool,
    /// Words of the display name (case-insensitive substring).
    pub search: Option<String>,
    /// A remote playlist's host (`accounts.host`); our own host means local ones.
    pub host: Option<Option<String>>,
    pub uuids: Vec<String>,
}

impl PlaylistFilter {
    fn where_sql(&self) -> String {
        let mut w = vec!["LOWER(p.name) LIKE $1".to_string()];
        if let Some(a) = self.account_id {
            w.push(format!("p.account_id = {a}"));
        }
        if let Some(c) = self.channel_id {
            w.push(format!("p.channel_id = {c}"));
        }
        if !self.privacies.is_empty() {
            let list: Vec<String> = self.privacies.iter().map(i64::to_string).collect();
            w.push(format!("p.privacy IN ({})", list.join(", ")));
        }
        if let Some(t) = self.playlist_type {
            w.push(format!("p.playlist_type = {t}"));
        }
        if self.local_only {
            w.push("p.url IS NULL".into());
        }
        match &self.host {
            None => {}
            Some(None) => w.push("a.host IS NULL".into()),
            // Hosts are checked by the caller (letters, digits, dots, dashes, colon).
            Some(Some(h)) => w.push(format!("a.host = '{}'", h.replace('\'', ""))),
        }
        if !self.uuids.is_empty() {
            let list: Vec<String> = self
                .uuids
                .iter()
                .map(|u| format!("'{}'", u.replace('\'', "")))
                .collect();
            w.push(format!("p.uuid IN ({})", list.join(", ")));
        }
        w.join(" AND ")
    }

    fn pattern(&self) -> String {
        match &self.search {
            Some(s) => format!("%{}%", s.to_lowercase().replace(['%', '_'], "").trim()),
            None => "%".into(),
        }
    }
}

impl Db {
    pub async fn insert_playlist(&self, p: &NewPlaylist<'_>) -> Result<i64> {
        write_scalar!(
            self,
            i64,
            "INSERT INTO video_playlists (uuid, url, account_id, channel_id, name, description, privacy, playlist_type, \
             thumbnail_url, created_at, updated_at, channel_position) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, \
             (SELECT COALESCE(MAX(channel_position), 0) + 1 FROM video_playlists WHERE channel_id = $4)) RETURNING id",
            p.uuid,
            p.url,
            p.account_id,
            p.channel_id,
            p.name,
            p.description,
            p.privacy,
            p.playlist_type,
            p.thumbnail_url,
            p.created_at,
            p.updated_at
        )
        .map_err(DbError::from_write)
    }

    /// Rewrites the editable fields of a playlist (a local update or a remote `Update`).
    pub async fn update_playlist(&self, id: i64, p: &NewPlaylist<'_>) -> Result<()> {
        write_exec!(
            self,
            "UPDATE video_playlists SET channel_id = $1, name = $2, description = $3, privacy = $4, \
             thumbnail_url = $5, updated_at = $6 WHERE id = $7",
            p.channel_id,
            p.name,
            p.description,
            p.privacy,
            p.thumbnail_url,
            p.updated_at,
            id
        )?;
        Ok(())
    }

    pub async fn set_playlist_thumbnail(&self, id: i64, name: &str, now: i64) -> Result<()> {
        write_exec!(
            self,
            "UPDATE video_playlists SET thumbnail_name = $1, updated_at = $2 WHERE id = $3",
            name,
            now,
            id
        )?;
        Ok(())
    }

    pub async fn touch_playlist(&self, id: i64, now: i64) -> Result<()> {
        write_exec!(
            self,
            "UPDATE video_playlists SET updated_at = $1 WHERE id = $2",
            now,
            id
        )?;
        Ok(())
    }

    pub async fn delete_playlist(&self, id: i64) -> Result<bool> {
        Ok(write_exec!(self, "DELETE FROM video_playlists WHERE id = $1", id)? > 0)
    }

    pub async fn playlist_by_id(&self, id: i64) -> Result<Option<PlaylistRow>> {
        let sql = format!("{PLAYLIST_SELECT} WHERE p.id = $1");
        Ok(read_opt!(self, PlaylistRow, &sql, id)?)
    }

    pub async fn playlist_by_uuid(&self, uuid: &str) -> Result<Option<PlaylistRow>> {
        let sql = format!("{PLAYLIST_SELECT} WHERE p.uuid = $1");
        Ok(read_opt!(self, PlaylistRow, &sql, uuid)?)
    }

    pub async fn playlist_by_url(&self, url: &str) -> Result<Option<PlaylistRow>> {
        let sql = format!("{PLAYLIST_SELECT} WHERE p.url = $1");
        Ok(read_opt!(self, PlaylistRow, &sql, url)?)
    }

    /// The account's "Watch later" playlist, if it has one.
    pub async fn watch_later_of(&self, account_id: i64) -> Result<Option<PlaylistRow>> {
        let sql = format!(
            "{PLAYLIST_SELECT} WHERE p.account_id = $1 AND p.playlist_type = {PLAYLIST_WATCH_LATER} ORDER BY p.id LIMIT 1"
        );
        Ok(read_opt!(self, PlaylistRow, &sql, account_id)?)
    }

    /// A page of playlists and the number matching.
    pub async fn list_playlists(
        &self,
        f: &PlaylistFilter,
        sort: crate::sort::Sort<crate::sort::PlaylistSort>,
        start: i64,
        count: i64,
    ) -> Result<(i64, Vec<PlaylistRow>)> {
        let w = f.where_sql();
        let pattern = f.pattern();
        let total = read_scalar!(
            self,
            i64,
            &format!("SELECT COUNT(*) FROM video_playlists p JOIN accounts a ON a.id = p.account_id WHERE {w}"),
            &pattern
        )?;
        let sql = format!(
            "{PLAYLIST_SELECT} WHERE {w} ORDER BY {} LIMIT $2 OFFSET $3",
            sort.order_by()
        );
        let rows = read_all!(self, PlaylistRow, &sql, &pattern, count, start)?;
        Ok((total, rows))
    }

    /// The playlists of a channel in their channel order.
    pub async fn channel_playlist_ids(&self, channel_id: i64) -> Result<Vec<i64>> {
        Ok(read_all!(
            self,
            (i64,),
            "SELECT id FROM video_playlists WHERE channel_id = $1 ORDER BY channel_position, id",
            channel_id
        )?
        .into_iter()
        .map(|(id,)| id)
        .collect())
    }

    /// Writes the channel positions 1..n in the order of `ids`.
    pub async fn set_channel_playlist_order(&self, ids: &[i64]) -> Result<()> {
        let mut tx = self.begin().await?;
        for (i, id) in ids.iter().enumerate() {
            tx_exec!(
                &mut tx,
                "UPDATE video_playlists SET channel_position = $1 WHERE id = $2",
                i as i64 + 1,
                *id
            )?;
        }
        tx.commit().await
    }

    /// Creates the account's "Watch later" playlist unless it has one; answers its id.
    pub async fn ensure_watch_later(&self, account_id: i64, uuid: &str, now: i64) -> Result<i64> {
        if let Some(p) = self.watch_later_of(account_id).await? {
            return Ok(p.id);
        }
        self.insert_playlist(&NewPlaylist {
            uuid,
            url: None,
            account_id,
            channel_id: None,
            name: "Watch later",
            description: None,
            privacy: PLAYLIST_PRIVATE,
            playlist_type: PLAYLIST_WATCH_LATER,
            thumbnail_url: None,
            created_at: now,
            updated_at: now,
        })
        .await
    }

    // ------------------------------------------------------------------------------ elements

    /// Appends a video at the end of a playlist; answers the element's id.
    pub async fn add_playlist_element(
        &self,
        playlist_id: i64,
        e: &NewElement<'_>,
        now: i64,
    ) -> Result<i64> {
        write_scalar!(
            self,
            i64,
            "INSERT INTO video_playlist_elements (url, playlist_id, video_id, position, start_timestamp, stop_timestamp, created_at, updated_at) \
             VALUES ($1, $2, $3, (SELECT COALESCE(MAX(position), 0) + 1 FROM video_playlist_elements WHERE playlist_id = $2), $4, $5, $6, $6) RETURNING id",
            e.url,
            playlist_id,
            e.video_id,
            e.start_timestamp,
            e.stop_timestamp,
            now
        )
        .map_err(DbError::from_write)
    }

    pub async fn playlist_element(&self, id: i64) -> Result<Option<ElementRow>> {
        let sql = format!("SELECT {ELEMENT_COLS} FROM video_playlist_elements WHERE id = $1");
        Ok(read_opt!(self, ElementRow, &sql, id)?)
    }

    pub async fn update_playlist_element(
        &self,
        id: i64,
        start: Option<i64>,
        stop: Option<i64>,
        now: i64,
    ) -> Result<()> {
        write_exec!(
            self,
            "UPDATE video_playlist_elements SET start_timestamp = $1, stop_timestamp = $2, updated_at = $3 WHERE id = $4",
            start,
            stop,
            now,
            id
        )?;
        Ok(())
    }

    /// Every element of a playlist in order.
    pub async fn playlist_elements(&self, playlist_id: i64) -> Result<Vec<ElementRow>> {
        let sql = format!(
            "SELECT {ELEMENT_COLS} FROM video_playlist_elements WHERE playlist_id = $1 ORDER BY position, id"
        );
        Ok(read_all!(self, ElementRow, &sql, playlist_id)?)
    }

    /// A page of a playlist's elements in order, and their number.
    pub async fn playlist_elements_page(
        &self,
        playlist_id: i64,
        start: i64,
        count: i64,
    ) -> Result<(i64, Vec<ElementRow>)> {
        let total = read_scalar!(
            self,
            i64,
            "SELECT COUNT(*) FROM video_playlist_elements WHERE playlist_id = $1",
            playlist_id
        )?;
        let sql = format!(
            "SELECT {ELEMENT_COLS} FROM video_playlist_elements WHERE playlist_id = $1 ORDER BY position, id LIMIT $2 OFFSET $3"
        );
        let rows = read_all!(self, ElementRow, &sql, playlist_id, count, start)?;
        Ok((total, rows))
    }

    /// Writes the positions 1..n in the order of `ids` (the elements of the playlist as the
    /// caller read them), in one transaction. An element added meanwhile goes after them.
    pub async fn set_playlist_order(&self, playlist_id: i64, ids: &[i64], now: i64) -> Result<()> {
        let mut tx = self.begin().await?;
        tx_exec!(
            &mut tx,
            "UPDATE video_playlists SET updated_at = $1 WHERE id = $2",
            now,
            playlist_id
        )?;
        // Out of the way first, so no two elements share a position midway.
        tx_exec!(
            &mut tx,
            "UPDATE video_playlist_elements SET position = -position WHERE playlist_id = $1 AND position > 0",
            playlist_id
        )?;
        for (i, id) in ids.iter().enumerate() {
            tx_exec!(
                &mut tx,
                "UPDATE video_playlist_elements SET position = $1 WHERE id = $2 AND playlist_id = $3",
                i as i64 + 1,
                *id,
                playlist_id
            )?;
        }
        tx_exec!(
            &mut tx,
            "UPDATE video_playlist_elements SET position = $1 - position WHERE playlist_id = $2 AND position <= 0",
            ids.len() as i64,
            playlist_id
        )?;
        tx.commit().await
    }

    /// Removes an element; the others keep their order.
    pub async fn remove_playlist_element(
        &self,
        playlist_id: i64,
        id: i64,
        now: i64,
    ) -> Result<bool> {
        let n = write_exec!(
            self,
            "DELETE FROM video_playlist_elements WHERE id = $1 AND playlist_id = $2",
            id,
            playlist_id
        )?;
        self.touch_playlist(playlist_id, now).await?;
        Ok(n > 0)
    }

    /// Replaces the elements of a (remote) playlist by `elements`, in order.
    pub async fn replace_playlist_elements(
        &self,
        playlist_id: i64,
        elements: &[NewElement<'_>],
        now: i64,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        // The playlist's row first: two replacements of one playlist run one after the other.
        tx_exec!(
            &mut tx,
            "UPDATE video_playlists SET updated_at = updated_at WHERE id = $1",
            playlist_id
        )?;
        tx_exec!(
            &mut tx,
            "DELETE FROM video_playlist_elements WHERE playlist_id = $1",
            playlist_id
        )?;
        for (i, e) in elements.iter().enumerate() {
            tx_exec!(
                &mut tx,
                "INSERT INTO video_playlist_elements (url, playlist_id, video_id, position, start_timestamp, stop_timestamp, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $7)",
                e.url,
                playlist_id,
                e.video_id,
                i as i64 + 1,
                e.start_timestamp,
                e.stop_timestamp,
                now
            )
            .map_err(DbError::from_write)?;
        }
        tx.commit().await
    }

    /// The elements of an account's playlists holding any of `video_ids`.
    pub async fn account_playlist_elements(
        &self,
        account_id: i64,
        video_ids: &[i64],
    ) -> Result<Vec<ElementRow>> {
        if video_ids.is_empty() {
            return Ok(Vec::new());
        }
        let list: Vec<String> = video_ids.iter().map(i64::to_string).collect();
        let sql = format!(
            "SELECT e.id, e.url, e.playlist_id, e.video_id, e.position, e.start_timestamp, e.stop_timestamp, e.created_at, e.updated_at \
             FROM video_playlist_elements e JOIN video_playlists p ON p.id = e.playlist_id \
             WHERE p.account_id = $1 AND e.video_id IN ({}) ORDER BY e.id",
            list.join(", ")
        );
        Ok(read_all!(self, ElementRow, &sql, account_id)?)
    }
}
