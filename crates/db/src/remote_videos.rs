//! Videos of other instances, stored as their ActivityPub objects describe them: metadata for
//! listing and search, and the absolute URLs of their media, played from the origin.

use crate::macros::*;
use crate::{Db, DbError, Result};

pub struct RemoteFile {
    /// "hls" or "web".
    pub kind: &'static str,
    pub resolution: i64,
    pub width: i64,
    pub height: i64,
    pub fps: i64,
    pub size: i64,
    pub file_url: String,
    pub torrent_url: Option<String>,
    pub magnet_uri: Option<String>,
    pub info_hash: Option<String>,
    pub has_audio: bool,
    pub has_video: bool,
}

pub struct RemotePlaylist {
    pub playlist_url: String,
    pub segments_sha256_url: Option<String>,
}

pub struct RemoteVideo {
    pub url: String,
    pub uuid: String,
    pub channel_id: i64,
    pub name: String,
    pub description: Option<String>,
    pub support: Option<String>,
    pub category: Option<i64>,
    pub licence: Option<i64>,
    pub language: Option<String>,
    pub privacy: i64,
    pub nsfw: bool,
    pub comments_policy: i64,
    pub download_enabled: bool,
    pub wait_transcoding: bool,
    pub state: i64,
    pub duration: i64,
    pub aspect_ratio: Option<f64>,
    pub views: i64,
    pub thumbnail_url: Option<String>,
    pub preview_url: Option<String>,
    pub originally_published_at: Option<i64>,
    pub published_at: i64,
    pub updated_at: i64,
    pub tags: Vec<String>,
    pub playlist: Option<RemotePlaylist>,
    pub files: Vec<RemoteFile>,
    pub now: i64,
}

/// The last path segment of a URL: what a file is called at its origin.
fn file_name(url: &str) -> String {
    url.rsplit('/')
        .next()
        .unwrap_or(url)
        .split(['?', '#'])
        .next()
        .unwrap_or("")
        .to_string()
}

impl Db {
    /// Inserts or refreshes a remote video (keyed by its ActivityPub URL) with its tags,
    /// playlist and files, in one transaction. Refuses (`Conflict`) a uuid that belongs to a
    /// local video or to another remote URL: a remote instance must not overwrite those.
    pub async fn upsert_remote_video(&self, v: &RemoteVideo) -> Result<i64> {
        let mut tx = self.begin().await?;
        let thumbnail_name = v.thumbnail_url.as_ref().map(|_| format!("{}.jpg", v.uuid));
        let preview_name = v
            .preview_url
            .as_ref()
            .map(|_| format!("{}-preview.jpg", v.uuid));
        // Keyed by the ActivityPub URL; the same uuid under another URL (a local video, or
        // another origin) hits the uuid's UNIQUE constraint and answers `Conflict`.
        let id = tx_scalar!(
            &mut tx,
            i64,
            "INSERT INTO videos (uuid, channel_id, name, description, support, category, licence, language, privacy, \
             nsfw, comments_policy, download_enabled, wait_transcoding, state, duration, aspect_ratio, views, \
             thumbnail_url, preview_url, originally_published_at, published_at, created_at, updated_at, fetched_at, \
             url, thumbnail_name, preview_name) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, \
             $21, $21, $22, $23, $24, $25, $26) \
             ON CONFLICT (url) DO UPDATE SET channel_id = excluded.channel_id, name = excluded.name, \
             description = excluded.description, support = excluded.support, category = excluded.category, \
             licence = excluded.licence, language = excluded.language, privacy = excluded.privacy, nsfw = excluded.nsfw, \
             comments_policy = excluded.comments_policy, download_enabled = excluded.download_enabled, \
             wait_transcoding = excluded.wait_transcoding, state = excluded.state, duration = excluded.duration, \
             aspect_ratio = excluded.aspect_ratio, views = excluded.views, thumbnail_url = excluded.thumbnail_url, \
             preview_url = excluded.preview_url, originally_published_at = excluded.originally_published_at, \
             published_at = excluded.published_at, updated_at = excluded.updated_at, fetched_at = excluded.fetched_at, \
             thumbnail_name = excluded.thumbnail_name, preview_name = excluded.preview_name \
             WHERE videos.uuid = excluded.uuid \
             RETURNING id",
            &v.uuid,
            v.channel_id,
            &v.name,
            &v.description,
            &v.support,
            v.category,
            v.licence,
            &v.language,
            v.privacy,
            v.nsfw,
            v.comments_policy,
            v.download_enabled,
            v.wait_transcoding,
            v.state,
            v.duration,
            v.aspect_ratio,
            v.views,
            &v.thumbnail_url,
            &v.preview_url,
            v.originally_published_at,
            v.published_at,
            v.updated_at,
            v.now,
            &v.url,
            &thumbnail_name,
            &preview_name
        )
        .map_err(|e| match e {
            // The URL is known under another uuid: an origin may not swap a video's identity.
            sqlx::Error::RowNotFound => {
                DbError::Conflict(format!("{} already exists with another uuid", v.url))
            }
            e => DbError::from_write(e),
        })?;
        tx_exec!(&mut tx, "DELETE FROM video_tags WHERE video_id = $1", id)?;
        for (i, tag) in v.tags.iter().enumerate() {
            tx_exec!(
                &mut tx,
                "INSERT INTO video_tags (video_id, position, tag) VALUES ($1, $2, $3)",
                id,
                i as i64,
                tag
            )?;
        }
        tx_exec!(&mut tx, "DELETE FROM video_files WHERE video_id = $1", id)?;
        tx_exec!(
            &mut tx,
            "DELETE FROM streaming_playlists WHERE video_id = $1",
            id
        )?;
        if let Some(p) = &v.playlist {
            let sha = p.segments_sha256_url.clone().unwrap_or_default();
            tx_exec!(
                &mut tx,
                "INSERT INTO streaming_playlists (video_id, master_filename, sha256_filename, created_at, playlist_url, segments_sha256_url) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
                id,
                file_name(&p.playlist_url),
                file_name(&sha),
                v.now,
                &p.playlist_url,
                &p.segments_sha256_url
            )?;
        }
        for f in &v.files {
            // Two links for one rung (PeerTube sends none, a broken peer might): keep the first.
            tx_exec!(
                &mut tx,
                "INSERT INTO video_files (video_id, kind, resolution, width, height, fps, size, filename, has_audio, has_video, \
                 created_at, info_hash, file_url, torrent_url, magnet_uri) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) \
                 ON CONFLICT (video_id, kind, resolution) DO NOTHING",
                id,
                f.kind,
                f.resolution,
                f.width,
                f.height,
                f.fps,
                f.size,
                file_name(&f.file_url),
                f.has_audio,
                f.has_video,
                v.now,
                &f.info_hash,
                &f.file_url,
                &f.torrent_url,
                &f.magnet_uri
            )?;
        }
        tx.commit().await?;
        Ok(id)
    }

    pub async fn video_by_url(&self, url: &str) -> Result<Option<crate::videos::VideoRow>> {
        let sql = format!("{} WHERE v.url = $1", crate::videos::VIDEO_SELECT);
        Ok(read_opt!(self, crate::videos::VideoRow, &sql, url)?)
    }

    /// Claims the refresh of a stale remote video: `true` for the one caller that moved its
    /// `fetched_at` forward (the others see it fresh and do nothing).
    pub async fn claim_video_refresh(&self, id: i64, stale_before: i64, now: i64) -> Result<bool> {
        Ok(write_exec!(
            self,
            "UPDATE videos SET fetched_at = $1 WHERE id = $2 AND url IS NOT NULL AND fetched_at < $3",
            now,
            id,
            stale_before
        )? == 1)
    }

    /// The origin URL of a remote video's thumbnail or preview cached under `name`.
    pub async fn remote_image_url(&self, name: &str) -> Result<Option<String>> {
        Ok(read_opt!(
            self,
            (Option<String>,),
            "SELECT CASE WHEN thumbnail_name = $1 THEN thumbnail_url ELSE preview_url END FROM videos \
             WHERE url IS NOT NULL AND (thumbnail_name = $1 OR preview_name = $1)",
            name
        )?
        .and_then(|(u,)| u))
    }

    /// Removes the remote videos of a channel's or account's host, e.g. after an unfollow.
    pub async fn delete_remote_videos_of_host(&self, host: &str) -> Result<u64> {
        Ok(write_exec!(
            self,
            "DELETE FROM videos WHERE url IS NOT NULL AND channel_id IN (SELECT id FROM channels WHERE host = $1)",
            host
        )?)
    }
}
