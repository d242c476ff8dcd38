//! Captions (one per video and language), chapters (a video's list of titled timecodes) and
//! storyboards (one sprite sheet per video). A remote video's caption or storyboard keeps the
//! origin's URL beside the name we serve it under.

use crate::macros::*;
use crate::{Db, DbError, Result};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CaptionRow {
    pub id: i64,
    pub video_id: i64,
    pub language: String,
    pub filename: String,
    pub remote_url: Option<String>,
    pub automatically_generated: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ChapterRow {
    pub timecode: i64,
    pub title: String,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct StoryboardRow {
    pub video_id: i64,
    pub filename: String,
    pub remote_url: Option<String>,
    pub total_width: i64,
    pub total_height: i64,
    pub sprite_width: i64,
    pub sprite_height: i64,
    pub sprite_duration: i64,
    pub created_at: i64,
}

const CAPTION_SELECT: &str =
    "SELECT id, video_id, language, filename, remote_url, automatically_generated, \
  created_at, updated_at FROM video_captions";

const STORYBOARD_SELECT: &str =
    "SELECT video_id, filename, remote_url, total_width, total_height, \
  sprite_width, sprite_height, sprite_duration, created_at FROM video_storyboards";

impl Db {
    /// A video's captions, by language.
    pub async fn video_captions(&self, video_id: i64) -> Result<Vec<CaptionRow>> {
        let sql = format!("{CAPTION_SELECT} WHERE video_id = $1 ORDER BY language");
        Ok(read_all!(self, CaptionRow, &sql, video_id)?)
    }

    pub async fn caption_by_filename(&self, filename: &str) -> Result<Option<CaptionRow>> {
        let sql = format!("{CAPTION_SELECT} WHERE filename = $1");
        Ok(read_opt!(self, CaptionRow, &sql, filename)?)
    }

    /// Adds or replaces the caption of `language`; answers the replaced caption (its file is
    /// the caller's to remove).
    pub async fn upsert_caption(
        &self,
        video_id: i64,
        language: &str,
        filename: &str,
        remote_url: Option<&str>,
        now: i64,
    ) -> Result<Option<CaptionRow>> {
        let sql = format!("{CAPTION_SELECT} WHERE video_id = $1 AND language = $2");
        let before = write_opt!(self, CaptionRow, &sql, video_id, language)?;
        write_exec!(
            self,
            "INSERT INTO video_captions (video_id, language, filename, remote_url, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $5) \
             ON CONFLICT (video_id, language) DO UPDATE SET filename = excluded.filename, \
             remote_url = excluded.remote_url, updated_at = excluded.updated_at",
            video_id,
            language,
            filename,
            remote_url,
            now
        )
        .map_err(DbError::from_write)?;
        Ok(before)
    }

    /// Removes the caption of `language`; answers it when there was one.
    pub async fn delete_caption(
        &self,
        video_id: i64,
        language: &str,
    ) -> Result<Option<CaptionRow>> {
        let sql = "DELETE FROM video_captions WHERE video_id = $1 AND language = $2 \
                   RETURNING id, video_id, language, filename, remote_url, automatically_generated, \
                   created_at, updated_at";
        Ok(write_opt!(self, CaptionRow, sql, video_id, language)?)
    }

    /// A video's chapters, in time order.
    pub async fn video_chapters(&self, video_id: i64) -> Result<Vec<ChapterRow>> {
        Ok(read_all!(
            self,
            ChapterRow,
            "SELECT timecode, title FROM video_chapters WHERE video_id = $1 ORDER BY timecode",
            video_id
        )?)
    }

    /// Replaces a video's chapters (timecodes unique) in one transaction.
    pub async fn replace_chapters(&self, video_id: i64, chapters: &[ChapterRow]) -> Result<()> {
        let mut tx = self.begin().await?;
        tx_exec!(
            &mut tx,
            "DELETE FROM video_chapters WHERE video_id = $1",
            video_id
        )?;
        for c in chapters {
            tx_exec!(
                &mut tx,
                "INSERT INTO video_chapters (video_id, timecode, title) VALUES ($1, $2, $3)",
                video_id,
                c.timecode,
                &c.title
            )
            .map_err(DbError::from_write)?;
        }
        tx.commit().await
    }

    pub async fn video_storyboard(&self, video_id: i64) -> Result<Option<StoryboardRow>> {
        let sql = format!("{STORYBOARD_SELECT} WHERE video_id = $1");
        Ok(read_opt!(self, StoryboardRow, &sql, video_id)?)
    }

    pub async fn storyboard_by_filename(&self, filename: &str) -> Result<Option<StoryboardRow>> {
        let sql = format!("{STORYBOARD_SELECT} WHERE filename = $1");
        Ok(read_opt!(self, StoryboardRow, &sql, filename)?)
    }

    /// Sets a video's storyboard; answers the one it replaces (its file is the caller's).
    pub async fn set_storyboard(&self, s: &StoryboardRow) -> Result<Option<StoryboardRow>> {
        let before = self.delete_storyboard(s.video_id).await?;
        write_exec!(
            self,
            "INSERT INTO video_storyboards (video_id, filename, remote_url, total_width, total_height, \
             sprite_width, sprite_height, sprite_duration, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            s.video_id,
            &s.filename,
            &s.remote_url,
            s.total_width,
            s.total_height,
            s.sprite_width,
            s.sprite_height,
            s.sprite_duration,
            s.created_at
        )
        .map_err(DbError::from_write)?;
        Ok(before)
    }

    pub async fn delete_storyboard(&self, video_id: i64) -> Result<Option<StoryboardRow>> {
        let sql = "DELETE FROM video_storyboards WHERE video_id = $1 RETURNING video_id, filename, \
                   remote_url, total_width, total_height, sprite_width, sprite_height, sprite_duration, created_at";
        Ok(write_opt!(self, StoryboardRow, sql, video_id)?)
    }
}
