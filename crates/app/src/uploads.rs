//! From uploaded bytes to a video. Bytes collect in temp storage (resumable chunks through the
//! [`ChunkStore`] trait); only a complete file that ffprobe accepts becomes a video, and the
//! video row and its transcoding job are committed together. A rejected upload leaves nothing
//! behind.

use crate::error::{Error, ErrorCode, ParamLocation, Result};
use crate::transcode::{original_key, TranscodePayload, TRANSCODE};
use crate::videos::{owned_channel, VideoFields, VIDEO_EXTENSIONS};
use crate::Instance;
use bytes::Bytes;
use ferrotube_db::uploads::UploadSessionRow;
use ferrotube_db::users::UserRow;
use ferrotube_db::videos::{NewFile, NewVideo};
use ferrotube_model::timefmt::{now_ms, parse_iso};
use ferrotube_model::{FileKind, VideoState};
use ferrotube_storage::{ChunkStore, ObjectStore};
use futures::{Stream, StreamExt};
use http::StatusCode;
use std::path::Path;

/// The supported extension of a video file name, lowercased.
pub fn extension_of(filename: &str) -> Option<String> {
    let ext = Path::new(filename)
        .extension()?
        .to_str()?
        .to_ascii_lowercase();
    VIDEO_EXTENSIONS.contains(&ext.as_str()).then_some(ext)
}

pub fn unsupported_file() -> Error {
    Error::new(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        format!(
            "This file is not supported. Please, make sure it is of the following type: {}",
            VIDEO_EXTENSIONS
                .iter()
                .map(|e| format!(".{e}"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    )
}

/// Quota and size checks for `size` more bytes from `user`, with PeerTube's status codes.
pub async fn check_room(instance: &Instance, user: &UserRow, size: i64) -> Result<()> {
    if size < 0 || size as u64 > instance.settings.upload.max_file_size {
        return Err(Error::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "The video is too large (max: {} bytes)",
                instance.settings.upload.max_file_size
            ),
        )
        .code(ErrorCode::MaxFileSizeReached));
    }
    if user.video_quota < 0 && user.video_quota_daily < 0 {
        return Ok(());
    }
    let (total, daily) = instance
        .db
        .video_quota_used(user.account_id, now_ms() - 24 * 3600 * 1000)
        .await?;
    if user.video_quota >= 0 && total + size > user.video_quota {
        return Err(Error::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "The user video quota is exceeded with this video.",
        )
        .code(ErrorCode::QuotaReached));
    }
    if user.video_quota_daily >= 0 && daily + size > user.video_quota_daily {
        return Err(Error::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "The user video daily quota is exceeded with this video.",
        )
        .code(ErrorCode::QuotaReached));
    }
    Ok(())
}

/// The fields an upload must carry (a name, the uploader's own channel), all valid.
pub async fn check_fields(instance: &Instance, user: &UserRow, f: &VideoFields) -> Result<()> {
    let Some(name) = &f.name else {
        return Err(Error::bad_param(
            "name",
            "",
            "Should have a video name",
            ParamLocation::Body,
        ));
    };
    ferrotube_model::validate::video_name(name)?;
    f.validate()?;
    let Some(channel_id) = f.channel_id else {
        return Err(Error::bad_param(
            "channelId",
            "",
            "Should have correct video channel id",
            ParamLocation::Body,
        ));
    };
    owned_channel(instance, user, channel_id).await
}

/// Turns a complete uploaded file into a video: ffprobe gate, row + job in one transaction, the
/// file moved to the originals store. On any error the file is removed.
pub async fn create_video(
    instance: &Instance,
    user: &UserRow,
    f: &VideoFields,
    file: &Path,
    filename: &str,
    size: i64,
) -> Result<(i64, String)> {
    let probe = match ferrotube_media::probe(file).await {
        Ok(p) => p,
        Err(e) => {
            let _ = tokio::fs::remove_file(file).await;
            tracing::info!(error = %e, "upload rejected by ffprobe");
            return Err(Error::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                format!("Video file unreadable: {e}"),
            ));
        }
    };
    if let Err(e) = check_room(instance, user, size).await {
        let _ = tokio::fs::remove_file(file).await;
        return Err(e);
    }
    let uuid = uuid::Uuid::new_v4().to_string();
    let ext = extension_of(filename).unwrap_or_else(|| "mp4".into());
    let key = original_key(&uuid, &ext);
    if let Err(e) = instance.store.put_file(file, &key).await {
        let _ = tokio::fs::remove_file(file).await;
        return Err(Error::internal(e));
    }
    // Listed in `files` (with its torrent) until transcoding replaces it, as PeerTube does: a
    // client may play it at once when `waitTranscoding` is false, and clients read `files[0]`.
    let privacy = f.privacy.unwrap_or(1);
    let name = f.name.clone().unwrap_or_default().trim().to_string();
    let upload_file = match list_upload_as_web_video(
        instance, &uuid, &name, &key, &ext, privacy, &probe, size,
    )
    .await
    {
        Ok(file) => Some(file),
        Err(e) => {
            tracing::warn!(video = %uuid, error = %e, "the upload is not listed as a file until transcoded");
            None
        }
    };
    let now = now_ms();
    let new = NewVideo {
        uuid: uuid.clone(),
        channel_id: f.channel_id.unwrap_or_default(),
        name,
        description: f.description.clone().flatten(),
        support: f.support.clone().flatten(),
        category: f.category.flatten(),
        licence: f.licence.flatten(),
        language: f.language.clone().flatten(),
        privacy,
        nsfw: f.nsfw.unwrap_or(false),
        comments_policy: f.comments_policy_id().unwrap_or(1),
        download_enabled: f.download_enabled.unwrap_or(true),
        wait_transcoding: f.wait_transcoding.unwrap_or(true),
        state: VideoState::ToTranscode.id(),
        input_size: size,
        source_filename: Some(filename.to_string()),
        originally_published_at: f
            .originally_published_at
            .clone()
            .flatten()
            .as_deref()
            .and_then(parse_iso),
        tags: f.tags.clone().unwrap_or_default(),
        now,
    };
    let job = TranscodePayload {
        uuid: uuid.clone(),
        original_key: key.clone(),
        probe_duration: probe.duration_secs,
    };
    let result: Result<i64> = async {
        let mut tx = instance.db.begin().await?;
        let id = instance.db.insert_video(&mut tx, &new).await?;
        if privacy == ferrotube_model::Privacy::PasswordProtected.id() {
            let passwords = f.video_passwords.as_deref().unwrap_or_default();
            ferrotube_db::safety::insert_video_passwords_in(&mut tx, id, passwords, now).await?;
        }
        if let Some(file) = &upload_file {
            instance
                .db
                .insert_video_file(&mut tx, id, file, now)
                .await?;
        }
        instance
            .queue
            .enqueue_in(&mut tx, TRANSCODE, &job, 50)
            .await?;
        tx.commit().await?;
        Ok(id)
    }
    .await;
    match result {
        Ok(id) => {
            instance.queue.wake();
            // Chapters written in the description (federated with the video once published).
            if let Err(e) = crate::captions::store::chapters_follow_description(
                instance,
                id,
                None,
                new.description.as_deref(),
            )
            .await
            {
                tracing::warn!(video = %uuid, error = %e, "chapters not read from the description");
            }
            instance.videos_changed();
            tracing::info!(video = %uuid, size, "video created; transcoding queued");
            Ok((id, uuid))
        }
        Err(e) => {
            let _ = instance.store.delete(&key).await;
            if let Some(file) = &upload_file {
                let _ = instance
                    .store
                    .delete(&format!("web-videos/{}", file.filename))
                    .await;
                if let Some(t) = &file.torrent_filename {
                    let _ = instance.store.delete(&format!("torrents/{t}")).await;
                }
            }
            Err(e)
        }
    }
}

/// Makes the stored original available as a web video `<uuid>-<resolution>.<ext>` with its
/// torrent; answers its file row.
#[allow(clippy::too_many_arguments)]
async fn list_upload_as_web_video(
    instance: &Instance,
    uuid: &str,
    video_name: &str,
    original_key: &str,
    ext: &str,
    privacy: i64,
    probe: &ferrotube_media::ProbeInfo,
    size: i64,
) -> std::result::Result<NewFile, String> {
    let resolution = if probe.has_video {
        probe.width.min(probe.height)
    } else {
        0
    };
    let filename = format!("{uuid}-{resolution}.{ext}");
    let key = format!("web-videos/{filename}");
    instance
        .store
        .link(original_key, &key)
        .await
        .map_err(|e| e.to_string())?;
    let local = instance.store.local_path(&key).map_err(|e| e.to_string())?;
    // An unknown privacy was refused by validation; private is the safe reading anyway.
    let privacy =
        ferrotube_model::Privacy::from_id(privacy).unwrap_or(ferrotube_model::Privacy::Private);
    let base = instance.files_base_url(uuid, privacy, FileKind::WebVideo);
    let work = instance.scratch_dir();
    tokio::fs::create_dir_all(&work)
        .await
        .map_err(|e| e.to_string())?;
    let torrent = crate::transcode::make_torrent(
        instance,
        video_name,
        &local,
        resolution,
        &format!("{base}/{filename}"),
        &work,
        FileKind::WebVideo,
    )
    .await;
    let (torrent, hash) = match torrent {
        Ok(t) => t,
        Err(e) => {
            let _ = instance.store.delete(&key).await;
            return Err(e);
        }
    };
    Ok(NewFile {
        kind: FileKind::WebVideo,
        resolution: resolution.into(),
        width: probe.width.into(),
        height: probe.height.into(),
        fps: probe.fps.round() as i64,
        size,
        filename,
        playlist_filename: None,
        has_audio: probe.has_audio,
        has_video: probe.has_video,
        metadata: serde_json::to_string(&probe.raw).ok(),
        torrent_filename: Some(torrent),
        info_hash: Some(hash),
    })
}

// ---------------------------------------------------------------- resumable

/// Opens a resumable upload of `size` bytes (`X-Upload-Content-Length`) with the video's fields
/// (`raw`, as the client sent them); answers the upload id. Checks in PeerTube's order.
pub async fn start_resumable(
    instance: &Instance,
    user: &UserRow,
    raw: serde_json::Map<String, serde_json::Value>,
    size: Option<i64>,
    mime: String,
) -> Result<String> {
    let f = crate::videos::parse_fields(&raw)?;
    check_fields(instance, user, &f).await?;
    let filename = raw
        .get("filename")
        .and_then(|v| v.as_str())
        .unwrap_or("")
        .to_string();
    open_session(instance, user, raw, &filename, size, mime).await
}

/// Checks the file's type and size and records a resumable upload session whose `raw`
/// metadata says what it becomes (a new video's fields, or `sources::REPLACE_KEY`).
pub(crate) async fn open_session(
    instance: &Instance,
    user: &UserRow,
    raw: serde_json::Map<String, serde_json::Value>,
    filename: &str,
    size: Option<i64>,
    mime: String,
) -> Result<String> {
    if extension_of(filename).is_none() {
        return Err(unsupported_file());
    }
    let filename = filename.to_string();
    let Some(size) = size else {
        return Err(Error::bad_param(
            "X-Upload-Content-Length",
            "",
            "Should have a valid file size",
            ParamLocation::Headers,
        ));
    };
    if size <= 0 {
        return Err(Error::bad_param(
            "X-Upload-Content-Length",
            &size.to_string(),
            "Should have a positive file size",
            ParamLocation::Headers,
        ));
    }
    check_room(instance, user, size).await?;
    let upload_id = crate::accounts::random_token(16);
    instance
        .store
        .create_upload(&upload_id)
        .await
        .map_err(Error::internal)?;
    let now = now_ms();
    let session = UploadSessionRow {
        upload_id: upload_id.clone(),
        user_id: user.id,
        metadata: serde_json::Value::Object(raw).to_string(),
        filename,
        mime,
        total_size: size,
        received: 0,
        video_uuid: None,
        created_at: now,
        updated_at: now,
    };
    instance.db.insert_upload_session(&session).await?;
    Ok(upload_id)
}

/// The user's upload session `upload_id`.
pub async fn session_of(
    instance: &Instance,
    user: &UserRow,
    upload_id: &str,
) -> Result<UploadSessionRow> {
    match instance.db.upload_session(upload_id).await? {
        Some(s) if s.user_id == user.id => Ok(s),
        Some(_) => Err(Error::forbidden("This upload belongs to another user")),
        None => Err(Error::not_found("Upload not found")),
    }
}

/// What a `PUT` of the resumable protocol came to.
pub enum ChunkOutcome {
    /// More is expected; the client resumes after `received` bytes.
    Resume { received: i64 },
    /// The chunk did not start where the upload stands; nothing was written.
    OutOfOrder { received: i64 },
    /// The upload is complete and became this video.
    Created { id: i64, uuid: String },
    /// A source replacement is complete (`sources::complete_replace` finishes it).
    ReplaceReady {
        video_id: i64,
        session: UploadSessionRow,
    },
}

/// The upload-session metadata key that marks a resumable upload as the replacement of a
/// video's source (its value is the video's id).
pub const REPLACE_KEY: &str = "replaceVideoId";

/// Takes one chunk `[start, end]` of the upload (or answers where it stands, for `None`).
pub async fn put_chunk<S, E>(
    instance: &Instance,
    user: &UserRow,
    session: UploadSessionRow,
    range: Option<(i64, i64)>,
    body: S,
) -> Result<ChunkOutcome>
where
    S: Stream<Item = std::result::Result<Bytes, E>> + Unpin,
    E: std::fmt::Display,
{
    if let Some(uuid) = &session.video_uuid {
        // The last chunk was already taken (a client retrying after a lost answer).
        let v = instance
            .db
            .video_by_uuid(uuid)
            .await?
            .ok_or_else(|| Error::not_found("Upload not found"))?;
        return Ok(ChunkOutcome::Created {
            id: v.id,
            uuid: uuid.clone(),
        });
    }
    let Some((start, end)) = range else {
        return Ok(ChunkOutcome::Resume {
            received: session.received,
        });
    };
    if start != session.received {
        return Ok(ChunkOutcome::OutOfOrder {
            received: session.received,
        });
    }
    let upload_id = session.upload_id.as_str();
    let expected = end - start + 1;
    let written = match write_chunk(instance, upload_id, start, expected, body).await {
        Ok(n) => n,
        Err(e) => {
            let _ = instance
                .store
                .truncate_upload(upload_id, session.received.max(0) as u64)
                .await;
            return Err(e);
        }
    };
    if written != expected {
        let _ = instance
            .store
            .truncate_upload(upload_id, session.received.max(0) as u64)
            .await;
        return Err(Error::bad_request(format!(
            "Chunk is truncated: Content-Range announces {expected} bytes, {written} arrived"
        )));
    }
    let now = now_ms();
    if !instance
        .db
        .advance_upload(upload_id, start, end + 1, now)
        .await?
    {
        return Err(Error::conflict(
            "Another chunk for this offset was accepted first",
        ));
    }
    if end + 1 < session.total_size {
        return Ok(ChunkOutcome::Resume { received: end + 1 });
    }
    // Complete: becomes a video, or is rejected with nothing left behind.
    let raw: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(&session.metadata).unwrap_or_default();
    let path = instance
        .store
        .upload_file(upload_id)
        .map_err(Error::internal)?;
    if let Some(video_id) = raw.get(REPLACE_KEY).and_then(serde_json::Value::as_i64) {
        // A source replacement: `sources::complete_replace` takes it from here.
        return Ok(ChunkOutcome::ReplaceReady { video_id, session });
    }
    let f = crate::videos::parse_fields(&raw)?;
    let created = create_video(
        instance,
        user,
        &f,
        &path,
        &session.filename,
        session.total_size,
    )
    .await;
    match created {
        Ok((id, uuid)) => {
            instance
                .db
                .finish_upload_session(upload_id, &uuid, now)
                .await?;
            Ok(ChunkOutcome::Created { id, uuid })
        }
        Err(e) => {
            instance.db.delete_upload_session(upload_id).await?;
            Err(e)
        }
    }
}

/// Bytes are buffered up to this much between writes to the chunk store.
const WRITE_BUFFER: usize = 1 << 20;

async fn write_chunk<S, E>(
    instance: &Instance,
    upload_id: &str,
    start: i64,
    expected: i64,
    mut body: S,
) -> Result<i64>
where
    S: Stream<Item = std::result::Result<Bytes, E>> + Unpin,
    E: std::fmt::Display,
{
    let store = &instance.store;
    let mut written: i64 = 0;
    let mut buf: Vec<u8> = Vec::with_capacity(WRITE_BUFFER.min(expected.max(0) as usize));
    while let Some(chunk) = body.next().await {
        let chunk = chunk.map_err(|e| Error::bad_request(format!("Upload interrupted: {e}")))?;
        if written + (buf.len() + chunk.len()) as i64 > expected {
            return Err(Error::bad_request("Chunk is larger than its Content-Range"));
        }
        buf.extend_from_slice(&chunk);
        if buf.len() >= WRITE_BUFFER {
            store
                .write_chunk(upload_id, (start + written) as u64, &buf)
                .await
                .map_err(Error::internal)?;
            written += buf.len() as i64;
            buf.clear();
        }
    }
    if !buf.is_empty() {
        store
            .write_chunk(upload_id, (start + written) as u64, &buf)
            .await
            .map_err(Error::internal)?;
        written += buf.len() as i64;
    }
    store
        .sync_upload(upload_id)
        .await
        .map_err(Error::internal)?;
    Ok(written)
}

/// Drops an unfinished upload.
pub async fn cancel_resumable(instance: &Instance, session: &UploadSessionRow) -> Result<()> {
    instance
        .db
        .delete_upload_session(&session.upload_id)
        .await?;
    let _ = instance.store.remove_upload(&session.upload_id).await;
    Ok(())
}

/// Removes unfinished uploads nobody touched for `resumable_expiry_secs`.
pub async fn expire_stale_uploads(instance: &Instance) {
    let cutoff = now_ms() - instance.settings.upload.resumable_expiry_secs as i64 * 1000;
    match instance.db.stale_upload_sessions(cutoff).await {
        Ok(sessions) => {
            for s in sessions {
                let _ = instance.store.remove_upload(&s.upload_id).await;
                let _ = instance.db.delete_upload_session(&s.upload_id).await;
                tracing::info!(upload_id = %s.upload_id, "expired a stale resumable upload");
            }
        }
        Err(e) => tracing::warn!(error = %e, "cannot list stale uploads"),
    }
}
