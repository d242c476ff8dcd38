//! Resumable upload sessions (the uploadx protocol PeerTube speaks). The bytes live in temp
//! storage; the row says how many of them are known good.

use crate::macros::*;
use crate::{Db, DbError, Result};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UploadSessionRow {
    pub upload_id: String,
    pub user_id: i64,
    pub metadata: String,
    pub filename: String,
    pub mime: String,
    pub total_size: i64,
    pub received: i64,
    pub video_uuid: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

const COLS: &str = "upload_id, user_id, metadata, filename, mime, total_size, received, video_uuid, created_at, updated_at";

impl Db {
    pub async fn insert_upload_session(&self, s: &UploadSessionRow) -> Result<()> {
        write_exec!(
            self,
            "INSERT INTO upload_sessions (upload_id, user_id, metadata, filename, mime, total_size, received, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, 0, $7, $7)",
            &s.upload_id,
            s.user_id,
            &s.metadata,
            &s.filename,
            &s.mime,
            s.total_size,
            s.created_at
        )
        .map_err(DbError::from_write)?;
        Ok(())
    }

    pub async fn upload_session(&self, upload_id: &str) -> Result<Option<UploadSessionRow>> {
        let sql = format!("SELECT {COLS} FROM upload_sessions WHERE upload_id = $1");
        Ok(read_opt!(self, UploadSessionRow, &sql, upload_id)?)
    }

    /// Moves `received` forward only from the value the caller started from, so two chunks racing
    /// for the same offset cannot both count.
    pub async fn advance_upload(
        &self,
        upload_id: &str,
        from: i64,
        to: i64,
        now: i64,
    ) -> Result<bool> {
        let n = write_exec!(
            self,
            "UPDATE upload_sessions SET received = $1, updated_at = $2 WHERE upload_id = $3 AND received = $4",
            to,
            now,
            upload_id,
            from
        )?;
        Ok(n == 1)
    }

    pub async fn finish_upload_session(
        &self,
        upload_id: &str,
        video_uuid: &str,
        now: i64,
    ) -> Result<()> {
        write_exec!(
            self,
            "UPDATE upload_sessions SET video_uuid = $1, updated_at = $2 WHERE upload_id = $3",
            video_uuid,
            now,
            upload_id
        )?;
        Ok(())
    }

    pub async fn delete_upload_session(&self, upload_id: &str) -> Result<bool> {
        Ok(write_exec!(
            self,
            "DELETE FROM upload_sessions WHERE upload_id = $1",
            upload_id
        )? > 0)
    }

    pub async fn stale_upload_sessions(&self, older_than: i64) -> Result<Vec<UploadSessionRow>> {
        let sql = format!("SELECT {COLS} FROM upload_sessions WHERE updated_at < $1");
        Ok(read_all!(self, UploadSessionRow, &sql, older_than)?)
    }
}
