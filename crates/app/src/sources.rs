//! A video's source: the original upload, kept in the originals store
//! (`transcode::original_key`) for the video's life, as PeerTube keeps it when
//! `transcoding.original_file.keep` is on (here always: the transcode job reads it and a rerun
//! starts from it). Its owner (or a moderator) reads its metadata (`GET /videos/{id}/source`),
//! downloads it (`/download/original-video-files/{uuid}.{ext}`) and replaces it
//! (`/videos/{id}/source/replace-resumable`): the new file is checked, becomes the original and
//! is transcoded again; the video keeps playing its old files until the new ones are published.

use crate::error::{Error, Result};
use crate::transcode::{original_key, TranscodePayload, TRANSCODE};
use crate::uploads::{check_room, extension_of, unsupported_file, REPLACE_KEY};
use crate::videos::can_manage;
use crate::Instance;
use ferrotube_db::users::UserRow;
use ferrotube_db::videos::VideoRow;
use ferrotube_model::timefmt::now_ms;
use ferrotube_model::VideoState;
use ferrotube_storage::{ChunkStore, ObjectStore};
use http::StatusCode;
use std::path::Path;

/// What `GET /videos/{id}/source` shows.
pub struct SourceInfo {
    pub input_filename: String,
    /// `{uuid}.{ext}`, the name of the download; `None` when the file is not kept.
    pub kept_filename: Option<String>,
    pub size: i64,
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub fps: Option<f64>,
    pub resolution: Option<u32>,
    pub created_at: i64,
}

fn ext_of_source(v: &VideoRow) -> Option<String> {
    let src = v.source_filename.as_deref()?;
    Some(extension_of(src).unwrap_or_else(|| "mp4".into()))
}

/// The store key of a video's kept original (`None` for a remote video or one without source).
pub fn source_key(v: &VideoRow) -> Option<String> {
    if v.url.is_some() {
        return None;
    }
    ext_of_source(v).map(|ext| original_key(&v.uuid, &ext))
}

/// The source of one of `user`'s videos (a moderator may read any local one).
pub async fn source(instance: &Instance, user: &UserRow, v: &VideoRow) -> Result<SourceInfo> {
    if v.url.is_some() {
        return Err(Error::not_found("Video source not found"));
    }
    can_manage(v, user)?;
    let Some(key) = source_key(v) else {
        return Err(Error::not_found("Video source not found"));
    };
    let input_filename = v.source_filename.clone().unwrap_or_default();
    let path = instance.store.local_path(&key).map_err(Error::internal)?;
    let meta = tokio::fs::metadata(&path).await.ok();
    let probe = match &meta {
        Some(_) => ferrotube_media::probe(&path).await.ok(),
        None => None,
    };
    let has_video = probe.as_ref().is_some_and(|p| p.has_video);
    Ok(SourceInfo {
        input_filename,
        kept_filename: meta.as_ref().and(
            key.strip_prefix("original-video-files/")
                .map(str::to_string),
        ),
        size: meta.map_or(v.input_size, |m| m.len() as i64),
        width: probe.as_ref().filter(|_| has_video).map(|p| p.width),
        height: probe.as_ref().filter(|_| has_video).map(|p| p.height),
        fps: probe.as_ref().filter(|_| has_video).map(|p| p.fps),
        resolution: probe
            .as_ref()
            .map(|p| if has_video { p.width.min(p.height) } else { 0 }),
        created_at: v.input_file_updated_at.unwrap_or(v.created_at),
    })
}

/// The kept original named `{uuid}.{ext}`, for its owner or a moderator; answers its store key
/// and the name to download it as.
pub async fn original_for(
    instance: &Instance,
    user: Option<&UserRow>,
    filename: &str,
) -> Result<(String, String)> {
    let not_found = || Error::not_found("Video file not found");
    let (stem, _) = filename.rsplit_once('.').ok_or_else(not_found)?;
    let uuid = uuid::Uuid::parse_str(stem).map_err(|_| not_found())?;
    let v = instance
        .db
        .video_by_uuid(&uuid.to_string())
        .await?
        .ok_or_else(not_found)?;
    let key = source_key(&v).ok_or_else(not_found)?;
    if key != original_key(&v.uuid, filename.rsplit('.').next().unwrap_or("")) {
        return Err(not_found());
    }
    let Some(user) = user else {
        return Err(Error::unauthorized(
            "Cannot download the original file without authentication",
        ));
    };
    can_manage(&v, user)
        .map_err(|_| Error::forbidden("Only the owner may download the original file"))?;
    let download = v
        .source_filename
        .clone()
        .filter(|s| !s.contains(['"', '\r', '\n']))
        .unwrap_or_else(|| filename.to_string());
    Ok((key, download))
}

/// Opens a resumable replacement of `v`'s source (checks in PeerTube's order: the video, who
/// asks, the file's type, its size).
pub async fn start_replace(
    instance: &Instance,
    user: &UserRow,
    v: &VideoRow,
    filename: &str,
    size: Option<i64>,
    mime: String,
) -> Result<String> {
    if v.url.is_some() {
        return Err(Error::not_found("Video not found"));
    }
    can_manage(v, user)?;
    if v.state != VideoState::Published && v.state != VideoState::TranscodingFailed {
        return Err(Error::conflict(
            "Cannot replace the source of a video that is still being processed",
        ));
    }
    let mut raw = serde_json::Map::new();
    raw.insert(REPLACE_KEY.into(), serde_json::json!(v.id));
    raw.insert("filename".into(), serde_json::json!(filename));
    crate::uploads::open_session(instance, user, raw, filename, size, mime).await
}

/// Finishes a replacement whose last chunk arrived (`ChunkOutcome::ReplaceReady`): the upload
/// becomes the source, or is refused and removed; the session is closed either way.
pub async fn complete_replace(
    instance: &Instance,
    user: &UserRow,
    video_id: i64,
    session: &ferrotube_db::uploads::UploadSessionRow,
) -> Result<()> {
    let upload_id = session.upload_id.as_str();
    let path = instance
        .store
        .upload_file(upload_id)
        .map_err(Error::internal)?;
    let replaced = replace_source(
        instance,
        user,
        video_id,
        &path,
        &session.filename,
        session.total_size,
    )
    .await;
    match replaced {
        Ok(uuid) => {
            instance
                .db
                .finish_upload_session(upload_id, &uuid, now_ms())
                .await?;
            Ok(())
        }
        Err(e) => {
            instance.db.delete_upload_session(upload_id).await?;
            let _ = instance.store.remove_upload(upload_id).await;
            Err(e)
        }
    }
}

/// The last chunk of a replacement arrived: the file becomes `v`'s original and is transcoded
/// again. A file ffprobe refuses (or over quota) is removed and changes nothing.
pub async fn replace_source(
    instance: &Instance,
    user: &UserRow,
    video_id: i64,
    file: &Path,
    filename: &str,
    size: i64,
) -> Result<String> {
    let cleanup = || async {
        let _ = tokio::fs::remove_file(file).await;
    };
    let v = match instance.db.video_by_id(video_id).await? {
        Some(v) => v,
        None => {
            cleanup().await;
            return Err(Error::not_found("Video not found"));
        }
    };
    if let Err(e) = can_manage(&v, user) {
        cleanup().await;
        return Err(e);
    }
    let Some(ext) = extension_of(filename) else {
        cleanup().await;
        return Err(unsupported_file());
    };
    let probe = match ferrotube_media::probe(file).await {
        Ok(p) => p,
        Err(e) => {
            cleanup().await;
            tracing::info!(error = %e, video = %v.uuid, "replacement refused by ffprobe");
            return Err(Error::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                format!("Video file unreadable: {e}"),
            ));
        }
    };
    if let Err(e) = check_room(instance, user, size).await {
        cleanup().await;
        return Err(e);
    }
    let old_key = source_key(&v);
    let key = original_key(&v.uuid, &ext);
    // A new name first when the extension is the same, so the old original stays whole until
    // the row names the new one.
    let staged = format!("original-video-files/{}.replacing.{ext}", v.uuid);
    if let Err(e) = instance.store.put_file(file, &staged).await {
        cleanup().await;
        return Err(Error::internal(e));
    }
    let job = TranscodePayload {
        uuid: v.uuid.clone(),
        original_key: key.clone(),
        probe_duration: probe.duration_secs,
    };
    let now = now_ms();
    let result: Result<()> = async {
        let mut tx = instance.db.begin().await?;
        instance
            .db
            .replace_video_source_in(&mut tx, v.id, filename, size, now)
            .await?;
        instance
            .queue
            .enqueue_in(&mut tx, TRANSCODE, &job, 50)
            .await?;
        // The file takes its place just before the commit: a failure before it leaves the old
        // original and row as they were.
        instance
            .store
            .link(&staged, &key)
            .await
            .map_err(Error::internal)?;
        tx.commit().await?;
        Ok(())
    }
    .await;
    let _ = instance.store.delete(&staged).await;
    result?;
    if let Some(old) = old_key.filter(|k| *k != key) {
        let _ = instance.store.delete(&old).await;
    }
    instance.queue.wake();
    instance.videos_changed();
    tracing::info!(video = %v.uuid, size, "video source replaced; transcoding queued");
    Ok(v.uuid)
}
