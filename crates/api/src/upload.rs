//! Uploads: PeerTube's legacy multipart `POST /videos/upload` and the resumable (uploadx) protocol
//! at `/videos/upload-resumable`. Bytes go to temp storage; only a complete file that ffprobe
//! accepts becomes a video (row + processing job, committed together). A rejected upload leaves
//! nothing behind.

use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::videos::{owned_channel, VideoFields};
use axum::body::Body;
use axum::extract::{Multipart, RawQuery, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use ferrotube_db::uploads::UploadSessionRow;
use ferrotube_db::users::UserRow;
use ferrotube_db::videos::NewVideo;
use ferrotube_model::timefmt::{now_ms, parse_iso};
use ferrotube_model::{short_uuid, VideoState};
use futures::StreamExt;
use serde_json::json;
use std::path::{Path, PathBuf};
use tokio::io::{AsyncSeekExt, AsyncWriteExt};

/// Extensions PeerTube accepts for video files (its `video.file.extensions`).
pub const VIDEO_EXTENSIONS: &[&str] = &[
    "webm", "ogv", "ogg", "mp4", "mkv", "mov", "qt", "mqv", "m4v", "flv", "f4v", "wmv", "avi",
    "3gp", "3gpp", "3g2", "3gpp2", "nut", "mts", "m2ts", "mpv", "m2v", "m1v", "mpg", "mpe", "mpeg",
    "vob", "mxf", "mp3", "wma", "wav", "flac", "aac", "m4a", "ac3",
];

pub fn parse_fields(raw: &serde_json::Map<String, serde_json::Value>) -> ApiResult<VideoFields> {
    // Clients send numbers as strings in multipart and sometimes in JSON; accept both.
    let mut m = raw.clone();
    for key in [
        "channelId",
        "privacy",
        "category",
        "licence",
        "commentsPolicy",
    ] {
        if let Some(serde_json::Value::String(s)) = m.get(key) {
            let parsed = if s.is_empty() {
                serde_json::Value::Null
            } else {
                s.parse::<i64>().map(serde_json::Value::from).map_err(|_| {
                    ApiError::bad_param(key, s, format!("Should have a valid {key}"), "body")
                })?
            };
            m.insert(key.into(), parsed);
        }
    }
    for key in [
        "nsfw",
        "commentsEnabled",
        "downloadEnabled",
        "waitTranscoding",
    ] {
        if let Some(serde_json::Value::String(s)) = m.get(key) {
            let b = match s.as_str() {
                "true" | "1" => true,
                "false" | "0" => false,
                _ => {
                    return Err(ApiError::bad_param(
                        key,
                        s,
                        format!("Should have a boolean {key}"),
                        "body",
                    ))
                }
            };
            m.insert(key.into(), serde_json::Value::Bool(b));
        }
    }
    if let Some(serde_json::Value::String(s)) = m.get("tags") {
        m.insert("tags".into(), json!([s]));
    }
    serde_json::from_value(serde_json::Value::Object(m))
        .map_err(|e| ApiError::bad_request(format!("Incorrect request parameters: {e}")))
}

fn extension_of(filename: &str) -> Option<String> {
    let ext = Path::new(filename)
        .extension()?
        .to_str()?
        .to_ascii_lowercase();
    VIDEO_EXTENSIONS.contains(&ext.as_str()).then_some(ext)
}

fn unsupported_file() -> ApiError {
    ApiError::new(
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
async fn check_room(state: &AppState, user: &UserRow, size: i64) -> ApiResult<()> {
    if size < 0 || size as u64 > state.settings.upload.max_file_size {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "The video is too large (max: {} bytes)",
                state.settings.upload.max_file_size
            ),
        )
        .code("max_file_size_reached"));
    }
    if user.video_quota < 0 && user.video_quota_daily < 0 {
        return Ok(());
    }
    let (total, daily) = state
        .db
        .video_quota_used(user.account_id, now_ms() - 24 * 3600 * 1000)
        .await?;
    if user.video_quota >= 0 && total + size > user.video_quota {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "The user video quota is exceeded with this video.",
        )
        .code("quota_reached"));
    }
    if user.video_quota_daily >= 0 && daily + size > user.video_quota_daily {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "The user video daily quota is exceeded with this video.",
        )
        .code("quota_reached"));
    }
    Ok(())
}

async fn check_fields(state: &AppState, user: &UserRow, f: &VideoFields) -> ApiResult<()> {
    let Some(name) = &f.name else {
        return Err(ApiError::bad_param(
            "name",
            "",
            "Should have a video name",
            "body",
        ));
    };
    ferrotube_model::validate::video_name(name)?;
    f.validate()?;
    let Some(channel_id) = f.channel_id else {
        return Err(ApiError::bad_param(
            "channelId",
            "",
            "Should have correct video channel id",
            "body",
        ));
    };
    owned_channel(state, user, channel_id).await
}

fn uploads_dir(state: &AppState) -> PathBuf {
    state.store.temp_dir().join("uploads")
}

/// Turns a complete uploaded file into a video: ffprobe gate, row + job in one transaction, the
/// file moved to the originals store. On any error the file is removed.
async fn create_video(
    state: &AppState,
    user: &UserRow,
    f: &VideoFields,
    file: &Path,
    filename: &str,
    size: i64,
) -> ApiResult<(i64, String)> {
    let probe = match ferrotube_media::probe(file).await {
        Ok(p) => p,
        Err(e) => {
            let _ = tokio::fs::remove_file(file).await;
            tracing::info!(error = %e, "upload rejected by ffprobe");
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                format!("Video file unreadable: {e}"),
            ));
        }
    };
    if let Err(e) = check_room(state, user, size).await {
        let _ = tokio::fs::remove_file(file).await;
        return Err(e);
    }
    let uuid = uuid::Uuid::new_v4().to_string();
    let ext = extension_of(filename).unwrap_or_else(|| "mp4".into());
    let key = original_key(&uuid, &ext);
    if let Err(e) = ferrotube_storage::ObjectStore::put_file(&state.store, file, &key).await {
        let _ = tokio::fs::remove_file(file).await;
        return Err(ApiError::internal(e));
    }
    let now = now_ms();
    let new = NewVideo {
        uuid: uuid.clone(),
        channel_id: f.channel_id.unwrap_or_default(),
        name: f.name.clone().unwrap_or_default().trim().to_string(),
        description: f.description.clone().flatten(),
        support: f.support.clone().flatten(),
        category: f.category.flatten(),
        licence: f.licence.flatten(),
        language: f.language.clone().flatten(),
        privacy: f.privacy.unwrap_or(1),
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
    let job = crate::processing::TranscodePayload {
        uuid: uuid.clone(),
        original_key: key.clone(),
        probe_duration: probe.duration_secs,
    };
    let result: ApiResult<i64> = async {
        let mut tx = state.db.begin().await?;
        let id = state.db.insert_video(&mut tx, &new).await?;
        state
            .queue
            .enqueue_in(&mut tx, crate::processing::TRANSCODE, &job, 50)
            .await?;
        tx.commit().await?;
        Ok(id)
    }
    .await;
    match result {
        Ok(id) => {
            state.queue.wake();
            state.videos_changed();
            tracing::info!(video = %uuid, size, "video created; transcoding queued");
            Ok((id, uuid))
        }
        Err(e) => {
            let _ = ferrotube_storage::ObjectStore::delete(&state.store, &key).await;
            Err(e)
        }
    }
}

pub fn original_key(uuid: &str, ext: &str) -> String {
    format!("original-video-files/{uuid}.{ext}")
}

fn video_created(id: i64, uuid: &str) -> Json<serde_json::Value> {
    let short = uuid::Uuid::parse_str(uuid)
        .map(|u| short_uuid(&u))
        .unwrap_or_default();
    Json(json!({ "video": { "id": id, "uuid": uuid, "shortUUID": short } }))
}

// ---------------------------------------------------------------- resumable

fn header_i64(headers: &HeaderMap, name: &str) -> Option<i64> {
    headers.get(name)?.to_str().ok()?.trim().parse().ok()
}

pub async fn resumable_init(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    headers: HeaderMap,
    body: Result<
        Json<serde_json::Map<String, serde_json::Value>>,
        axum::extract::rejection::JsonRejection,
    >,
) -> ApiResult<Response> {
    let Json(raw) =
        body.map_err(|e| ApiError::bad_request(format!("Invalid JSON body: {}", e.body_text())))?;
    let f = parse_fields(&raw)?;
    check_fields(&state, &user, &f).await?;
    let filename = raw
        .get("filename")
        .and_then(|v| v.as_str())
        .unwrap_or("")
        .to_string();
    if extension_of(&filename).is_none() {
        return Err(unsupported_file());
    }
    let Some(size) = header_i64(&headers, "x-upload-content-length") else {
        return Err(ApiError::bad_param(
            "X-Upload-Content-Length",
            "",
            "Should have a valid file size",
            "headers",
        ));
    };
    if size <= 0 {
        return Err(ApiError::bad_param(
            "X-Upload-Content-Length",
            &size.to_string(),
            "Should have a positive file size",
            "headers",
        ));
    }
    check_room(&state, &user, size).await?;
    let mime = headers
        .get("x-upload-content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("application/octet-stream")
        .to_string();
    let upload_id = crate::auth::random_token(16);
    let dir = uploads_dir(&state);
    tokio::fs::create_dir_all(&dir)
        .await
        .map_err(ApiError::internal)?;
    tokio::fs::File::create(dir.join(&upload_id))
        .await
        .map_err(ApiError::internal)?;
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
    state.db.insert_upload_session(&session).await?;
    let location = format!(
        "//{}/api/v1/videos/upload-resumable?upload_id={upload_id}",
        state.host
    );
    Ok((StatusCode::CREATED, [(header::LOCATION, location)], "").into_response())
}

fn upload_id_from(q: Option<&str>) -> ApiResult<String> {
    let p = crate::params::Params::parse(q);
    match p.str("upload_id") {
        Some(id)
            if !id.is_empty()
                && id.len() <= 128
                && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') =>
        {
            Ok(id.to_string())
        }
        Some(other) => Err(ApiError::bad_param(
            "upload_id",
            other,
            "Should have a valid upload id",
            "query",
        )),
        None => Err(ApiError::bad_param(
            "upload_id",
            "",
            "Should have an upload id",
            "query",
        )),
    }
}

async fn session_of(
    state: &AppState,
    user: &UserRow,
    upload_id: &str,
) -> ApiResult<UploadSessionRow> {
    match state.db.upload_session(upload_id).await? {
        Some(s) if s.user_id == user.id => Ok(s),
        Some(_) => Err(ApiError::forbidden("This upload belongs to another user")),
        None => Err(ApiError::not_found("Upload not found")),
    }
}

fn resume_response(received: i64) -> Response {
    let mut r = (StatusCode::PERMANENT_REDIRECT, "").into_response();
    if received > 0 {
        if let Ok(v) = format!("bytes=0-{}", received - 1).parse() {
            r.headers_mut().insert(header::RANGE, v);
        }
    }
    r
}

enum ContentRange {
    Ask { total: i64 },
    Chunk { start: i64, end: i64, total: i64 },
}

fn parse_content_range(headers: &HeaderMap) -> ApiResult<ContentRange> {
    let bad = |v: &str| {
        ApiError::bad_param(
            "Content-Range",
            v,
            "Should have a valid Content-Range (bytes a-b/total)",
            "headers",
        )
    };
    let raw = headers
        .get(header::CONTENT_RANGE)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| bad(""))?;
    let spec = raw.trim().strip_prefix("bytes ").ok_or_else(|| bad(raw))?;
    let (range, total) = spec.split_once('/').ok_or_else(|| bad(raw))?;
    let total: i64 = total.trim().parse().map_err(|_| bad(raw))?;
    if range.trim() == "*" {
        return Ok(ContentRange::Ask { total });
    }
    let (a, b) = range.split_once('-').ok_or_else(|| bad(raw))?;
    let (start, end): (i64, i64) = (
        a.trim().parse().map_err(|_| bad(raw))?,
        b.trim().parse().map_err(|_| bad(raw))?,
    );
    if start < 0 || end < start || end >= total {
        return Err(bad(raw));
    }
    Ok(ContentRange::Chunk { start, end, total })
}

pub async fn resumable_put(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Response> {
    let upload_id = upload_id_from(q.as_deref())?;
    let session = session_of(&state, &user, &upload_id).await?;
    if let Some(uuid) = &session.video_uuid {
        // The last chunk was already taken (a client retrying after a lost answer).
        let v = state
            .db
            .video_by_uuid(uuid)
            .await?
            .ok_or_else(|| ApiError::not_found("Upload not found"))?;
        return Ok(video_created(v.id, uuid).into_response());
    }
    let (start, end) = match parse_content_range(&headers)? {
        ContentRange::Ask { total } => {
            if total != session.total_size {
                return Err(ApiError::bad_param(
                    "Content-Range",
                    &total.to_string(),
                    "Total size differs from the announced X-Upload-Content-Length",
                    "headers",
                ));
            }
            return Ok(resume_response(session.received));
        }
        ContentRange::Chunk { start, end, total } => {
            if total != session.total_size {
                return Err(ApiError::bad_param(
                    "Content-Range",
                    &total.to_string(),
                    "Total size differs from the announced X-Upload-Content-Length",
                    "headers",
                ));
            }
            (start, end)
        }
    };
    if start != session.received {
        // Overlapping or out-of-order chunk: refuse it and say where to resume.
        let mut r = ApiError::conflict(format!(
            "Chunk starts at {start} but the upload has {} bytes; resume from there",
            session.received
        ))
        .into_response();
        if session.received > 0 {
            if let Ok(v) = format!("bytes=0-{}", session.received - 1).parse() {
                r.headers_mut().insert(header::RANGE, v);
            }
        }
        return Ok(r);
    }
    let expected = end - start + 1;
    let path = uploads_dir(&state).join(&upload_id);
    let written = write_chunk(&path, start, expected, body).await;
    let written = match written {
        Ok(n) => n,
        Err(e) => {
            truncate_to(&path, session.received).await;
            return Err(e);
        }
    };
    if written != expected {
        truncate_to(&path, session.received).await;
        return Err(ApiError::bad_request(format!(
            "Chunk is truncated: Content-Range announces {expected} bytes, {written} arrived"
        )));
    }
    let now = now_ms();
    if !state
        .db
        .advance_upload(&upload_id, start, end + 1, now)
        .await?
    {
        return Err(ApiError::conflict(
            "Another chunk for this offset was accepted first",
        ));
    }
    if end + 1 < session.total_size {
        return Ok(resume_response(end + 1));
    }
    // Complete: becomes a video, or is rejected with nothing left behind.
    let raw: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(&session.metadata).unwrap_or_default();
    let f = parse_fields(&raw)?;
    let created = create_video(
        &state,
        &user,
        &f,
        &path,
        &session.filename,
        session.total_size,
    )
    .await;
    match created {
        Ok((id, uuid)) => {
            state
                .db
                .finish_upload_session(&upload_id, &uuid, now)
                .await?;
            Ok(video_created(id, &uuid).into_response())
        }
        Err(e) => {
            state.db.delete_upload_session(&upload_id).await?;
            Err(e)
        }
    }
}

async fn write_chunk(path: &Path, start: i64, expected: i64, body: Body) -> ApiResult<i64> {
    let mut file = tokio::fs::OpenOptions::new()
        .write(true)
        .open(path)
        .await
        .map_err(ApiError::internal)?;
    file.seek(std::io::SeekFrom::Start(start as u64))
        .await
        .map_err(ApiError::internal)?;
    let mut written: i64 = 0;
    let mut stream = body.into_data_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| ApiError::bad_request(format!("Upload interrupted: {e}")))?;
        if written + chunk.len() as i64 > expected {
            return Err(ApiError::bad_request(
                "Chunk is larger than its Content-Range",
            ));
        }
        file.write_all(&chunk).await.map_err(ApiError::internal)?;
        written += chunk.len() as i64;
    }
    file.flush().await.map_err(ApiError::internal)?;
    file.sync_data().await.map_err(ApiError::internal)?;
    Ok(written)
}

async fn truncate_to(path: &Path, len: i64) {
    if let Ok(f) = tokio::fs::OpenOptions::new().write(true).open(path).await {
        let _ = f.set_len(len.max(0) as u64).await;
    }
}

pub async fn resumable_delete(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    RawQuery(q): RawQuery,
) -> ApiResult<StatusCode> {
    let upload_id = upload_id_from(q.as_deref())?;
    let session = session_of(&state, &user, &upload_id).await?;
    state.db.delete_upload_session(&session.upload_id).await?;
    let _ = tokio::fs::remove_file(uploads_dir(&state).join(&session.upload_id)).await;
    Ok(StatusCode::NO_CONTENT)
}

/// Removes unfinished uploads nobody touched for `resumable_expiry_secs`.
pub async fn expire_stale_uploads(state: &AppState) {
    let cutoff = now_ms() - state.settings.upload.resumable_expiry_secs as i64 * 1000;
    match state.db.stale_upload_sessions(cutoff).await {
        Ok(sessions) => {
            for s in sessions {
                let _ = tokio::fs::remove_file(uploads_dir(state).join(&s.upload_id)).await;
                let _ = state.db.delete_upload_session(&s.upload_id).await;
                tracing::info!(upload_id = %s.upload_id, "expired a stale resumable upload");
            }
        }
        Err(e) => tracing::warn!(error = %e, "cannot list stale uploads"),
    }
}

// ---------------------------------------------------------------- multipart (legacy upload, update)

/// What a multipart body carried: text fields (as a JSON map, like the JSON bodies), the video
/// file and custom images, each saved to temp storage. Dropping it removes the temp files.
#[derive(Default)]
pub struct MultipartForm {
    pub fields: serde_json::Map<String, serde_json::Value>,
    pub video: Option<(PathBuf, String, i64)>,
    pub thumbnail: Option<PathBuf>,
    pub preview: Option<PathBuf>,
}

impl Drop for MultipartForm {
    fn drop(&mut self) {
        let paths = [
            self.video.as_ref().map(|v| &v.0),
            self.thumbnail.as_ref(),
            self.preview.as_ref(),
        ];
        for p in paths.into_iter().flatten() {
            let _ = std::fs::remove_file(p);
        }
    }
}

/// PeerTube's limit for custom thumbnails and previews.
const MAX_IMAGE_BYTES: u64 = 4 * 1024 * 1024;
const IMAGE_EXTENSIONS: &[&str] = &["png", "jpg", "jpeg", "webp"];

pub async fn read_multipart(
    state: &AppState,
    mut multipart: Multipart,
) -> ApiResult<MultipartForm> {
    let mut form = MultipartForm::default();
    let mut tags: Vec<serde_json::Value> = Vec::new();
    let dir = uploads_dir(state);
    tokio::fs::create_dir_all(&dir)
        .await
        .map_err(ApiError::internal)?;
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => {
                return Err(ApiError::bad_request(format!(
                    "Malformed multipart body: {e}"
                )))
            }
        };
        let name = field
            .name()
            .unwrap_or("")
            .trim_end_matches("[]")
            .to_string();
        match name.as_str() {
            "videofile" => {
                let filename = field.file_name().unwrap_or("video.mp4").to_string();
                if extension_of(&filename).is_none() {
                    return Err(unsupported_file());
                }
                let path = dir.join(format!("legacy-{}", crate::auth::random_token(12)));
                // Registered before writing so that a failed write is cleaned up too.
                form.video = Some((path.clone(), filename, 0));
                let size = save_field(field, &path, state.settings.upload.max_file_size).await?;
                if let Some(v) = form.video.as_mut() {
                    v.2 = size;
                }
            }
            "thumbnailfile" | "previewfile" => {
                let filename = field.file_name().unwrap_or("").to_ascii_lowercase();
                let ext = Path::new(&filename)
                    .extension()
                    .and_then(|e| e.to_str())
                    .unwrap_or("");
                if !IMAGE_EXTENSIONS.contains(&ext) {
                    return Err(ApiError::bad_param(
                        &name,
                        &filename,
                        "This image is not supported (png, jpg, jpeg, webp)",
                        "body",
                    ));
                }
                let path = dir.join(format!("image-{}.{ext}", crate::auth::random_token(12)));
                if name == "thumbnailfile" {
                    form.thumbnail = Some(path.clone());
                } else {
                    form.preview = Some(path.clone());
                }
                save_field(field, &path, MAX_IMAGE_BYTES).await?;
            }
            _ => {
                let text = field.text().await.map_err(|e| {
                    ApiError::bad_request(format!("Malformed multipart field {name}: {e}"))
                })?;
                if name == "tags" {
                    tags.push(serde_json::Value::String(text));
                } else {
                    form.fields.insert(name, serde_json::Value::String(text));
                }
            }
        }
    }
    if !tags.is_empty() {
        form.fields
            .insert("tags".into(), serde_json::Value::Array(tags));
    }
    Ok(form)
}

/// Scales a custom thumbnail or preview to PeerTube's size and stores it; answers its file name.
pub async fn store_custom_image(
    state: &AppState,
    image: &Path,
    kind: &str,
    size: (u32, u32),
) -> ApiResult<String> {
    let probe = ferrotube_media::probe_image(image)
        .await
        .map_err(|e| ApiError::bad_param(kind, "", format!("Unreadable image: {e}"), "body"))?;
    if !probe.has_video {
        return Err(ApiError::bad_param(kind, "", "Unreadable image", "body"));
    }
    let name = format!("{}.jpg", uuid::Uuid::new_v4());
    let out = uploads_dir(state).join(format!("scaled-{name}"));
    if let Err(e) = ferrotube_media::thumbnail(image, &probe, &out, size.0, size.1).await {
        let _ = tokio::fs::remove_file(&out).await;
        return Err(ApiError::bad_param(
            kind,
            "",
            format!("Unreadable image: {e}"),
            "body",
        ));
    }
    let folder = if kind == "thumbnailfile" {
        "thumbnails"
    } else {
        "previews"
    };
    if let Err(e) =
        ferrotube_storage::ObjectStore::put_file(&state.store, &out, &format!("{folder}/{name}"))
            .await
    {
        let _ = tokio::fs::remove_file(&out).await;
        return Err(ApiError::internal(e));
    }
    Ok(name)
}

/// Stores the form's custom images and records them on the video.
pub async fn apply_custom_images(
    state: &AppState,
    video_id: i64,
    form: &MultipartForm,
) -> ApiResult<()> {
    let mut update = ferrotube_db::videos::VideoUpdate::default();
    if let Some(t) = &form.thumbnail {
        update.thumbnail_name = Some(
            store_custom_image(state, t, "thumbnailfile", ferrotube_media::THUMBNAIL_SIZE).await?,
        );
    }
    if let Some(p) = &form.preview {
        update.preview_name =
            Some(store_custom_image(state, p, "previewfile", ferrotube_media::PREVIEW_SIZE).await?);
    }
    if update.thumbnail_name.is_some() || update.preview_name.is_some() {
        state.db.update_video(video_id, &update, now_ms()).await?;
        state.videos_changed();
    }
    Ok(())
}

pub async fn legacy_upload(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> ApiResult<Json<serde_json::Value>> {
    let multipart = multipart.map_err(|e| {
        ApiError::bad_request(format!(
            "Expected a multipart/form-data body: {}",
            e.body_text()
        ))
    })?;
    let mut form = read_multipart(&state, multipart).await?;
    let Some((path, filename, size)) = form.video.clone() else {
        return Err(ApiError::bad_param(
            "videofile",
            "",
            "Should have a file",
            "body",
        ));
    };
    let f = parse_fields(&form.fields)?;
    check_fields(&state, &user, &f).await?;
    // Images are checked before the video exists, so a bad image rejects the whole upload.
    for (img, kind) in [
        (&form.thumbnail, "thumbnailfile"),
        (&form.preview, "previewfile"),
    ] {
        if let Some(p) = img {
            ferrotube_media::probe_image(p).await.map_err(|e| {
                ApiError::bad_param(kind, "", format!("Unreadable image: {e}"), "body")
            })?;
        }
    }
    let (id, uuid) = create_video(&state, &user, &f, &path, &filename, size).await?;
    form.video = None; // moved into the store by create_video
    if let Err(e) = apply_custom_images(&state, id, &form).await {
        tracing::warn!(video = %uuid, error = ?e.detail, "custom images not applied");
    }
    Ok(video_created(id, &uuid))
}

async fn save_field(
    mut field: axum::extract::multipart::Field<'_>,
    path: &Path,
    max: u64,
) -> ApiResult<i64> {
    let mut out = tokio::fs::File::create(path)
        .await
        .map_err(ApiError::internal)?;
    let mut size: u64 = 0;
    loop {
        match field.chunk().await {
            Ok(Some(chunk)) => {
                size += chunk.len() as u64;
                if size > max {
                    return Err(ApiError::new(
                        StatusCode::PAYLOAD_TOO_LARGE,
                        format!("The file is too large (max: {max} bytes)"),
                    )
                    .code("max_file_size_reached"));
                }
                out.write_all(&chunk).await.map_err(ApiError::internal)?;
            }
            Ok(None) => break,
            Err(e) => return Err(ApiError::bad_request(format!("Upload interrupted: {e}"))),
        }
    }
    out.flush().await.map_err(ApiError::internal)?;
    Ok(size as i64)
}
