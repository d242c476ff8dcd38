//! Upload routes: PeerTube's legacy multipart `POST /videos/upload` and the resumable (uploadx)
//! protocol at `/videos/upload-resumable`. They read the request (headers, multipart fields,
//! body stream) and hand the bytes to [`ferrotube_app::uploads`], which makes the video.

use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult, ErrorCode, ParamLocation};
use crate::extract::Json;
use axum::body::Body;
use axum::extract::{Multipart, RawQuery, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use ferrotube_app::images::{self, ImageKind};
use ferrotube_app::uploads::{self, ChunkOutcome};
use ferrotube_app::videos::parse_fields;
use ferrotube_app::Instance;
use ferrotube_model::{short_uuid, ContentRange};
use serde_json::json;
use std::path::{Path, PathBuf};
use tokio::io::AsyncWriteExt;

fn video_created(id: i64, uuid: &str) -> Json<serde_json::Value> {
    let short = uuid::Uuid::parse_str(uuid)
        .map(|u| short_uuid(&u))
        .unwrap_or_default();
    Json(json!({ "video": { "id": id, "uuid": uuid, "shortUUID": short } }))
}

// ---------------------------------------------------------------- resumable

pub(crate) fn header_i64(headers: &HeaderMap, name: &str) -> Option<i64> {
    headers.get(name)?.to_str().ok()?.trim().parse().ok()
}

pub async fn resumable_init(
    State(state): State<Instance>,
    CurrentUser(user): CurrentUser,
    headers: HeaderMap,
    Json(raw): Json<serde_json::Map<String, serde_json::Value>>,
) -> ApiResult<Response> {
    let size = header_i64(&headers, "x-upload-content-length");
    let mime = headers
        .get("x-upload-content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("application/octet-stream")
        .to_string();
    let upload_id = uploads::start_resumable(&state, &user, raw, size, mime).await?;
    let location = format!(
        "//{}/api/v1/videos/upload-resumable?upload_id={upload_id}",
        state.host
    );
    Ok((StatusCode::CREATED, [(header::LOCATION, location)], "").into_response())
}

pub(crate) fn upload_id_from(q: Option<&str>) -> ApiResult<String> {
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
            ParamLocation::Query,
        )),
        None => Err(ApiError::bad_param(
            "upload_id",
            "",
            "Should have an upload id",
            ParamLocation::Query,
        )),
    }
}

/// A source replacement's session is continued only at its own URL
/// (`/videos/{id}/source/replace-resumable`).
fn refuse_replacement(session: &ferrotube_db::uploads::UploadSessionRow) -> ApiResult<()> {
    let meta: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(&session.metadata).unwrap_or_default();
    if meta.contains_key(uploads::REPLACE_KEY) {
        return Err(ApiError::not_found("Upload not found"));
    }
    Ok(())
}

pub(crate) fn resume_response(received: i64) -> Response {
    let mut r = (StatusCode::PERMANENT_REDIRECT, "").into_response();
    if received > 0 {
        if let Ok(v) = format!("bytes=0-{}", received - 1).parse() {
            r.headers_mut().insert(header::RANGE, v);
        }
    }
    r
}

/// The `Content-Range` of a chunk ([`ferrotube_model::parse_content_range`], fuzzed).
pub(crate) fn parse_content_range(headers: &HeaderMap) -> ApiResult<ContentRange> {
    let raw = headers
        .get(header::CONTENT_RANGE)
        .map(|v| v.to_str().unwrap_or("(not text)"))
        .unwrap_or("");
    ferrotube_model::parse_content_range(raw).map_err(|e| {
        ApiError::bad_param("Content-Range", raw, e.to_string(), ParamLocation::Headers)
    })
}

pub async fn resumable_put(
    State(state): State<Instance>,
    CurrentUser(user): CurrentUser,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Response> {
    let upload_id = upload_id_from(q.as_deref())?;
    let session = uploads::session_of(&state, &user, &upload_id).await?;
    refuse_replacement(&session)?;
    let range = if session.video_uuid.is_some() {
        None
    } else {
        let total_differs = |total: i64| {
            ApiError::bad_param(
                "Content-Range",
                &total.to_string(),
                "Total size differs from the announced X-Upload-Content-Length",
                ParamLocation::Headers,
            )
        };
        match parse_content_range(&headers)? {
            ContentRange::Ask { total } if total != session.total_size => {
                return Err(total_differs(total))
            }
            ContentRange::Chunk { total, .. } if total != session.total_size => {
                return Err(total_differs(total))
            }
            ContentRange::Ask { .. } => None,
            ContentRange::Chunk { start, end, .. } => Some((start, end)),
        }
    };
    let outcome =
        uploads::put_chunk(&state, &user, session, range, body.into_data_stream()).await?;
    Ok(match outcome {
        ChunkOutcome::Resume { received } => resume_response(received),
        ChunkOutcome::OutOfOrder { received } => {
            // Overlapping or out-of-order chunk: refuse it and say where to resume.
            let mut r = ApiError::conflict(format!(
                "Chunk does not start at {received}, where the upload stands; resume from there"
            ))
            .into_response();
            if received > 0 {
                if let Ok(v) = format!("bytes=0-{}", received - 1).parse() {
                    r.headers_mut().insert(header::RANGE, v);
                }
            }
            r
        }
        ChunkOutcome::Created { id, uuid } => video_created(id, &uuid).into_response(),
        // A replacement's session is finished where it was opened.
        ChunkOutcome::ReplaceReady { .. } => {
            return Err(ApiError::not_found("Upload not found"));
        }
    })
}

pub async fn resumable_delete(
    State(state): State<Instance>,
    CurrentUser(user): CurrentUser,
    RawQuery(q): RawQuery,
) -> ApiResult<StatusCode> {
    let upload_id = upload_id_from(q.as_deref())?;
    let session = uploads::session_of(&state, &user, &upload_id).await?;
    refuse_replacement(&session)?;
    uploads::cancel_resumable(&state, &session).await?;
    Ok(StatusCode::NO_CONTENT)
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

impl MultipartForm {
    /// Stores the form's custom images and records them on the video.
    pub async fn apply_images(&self, state: &Instance, video_id: i64) -> ApiResult<()> {
        images::apply_custom_images(
            state,
            video_id,
            self.thumbnail.as_deref(),
            self.preview.as_deref(),
        )
        .await?;
        Ok(())
    }
}

/// PeerTube's limit for custom thumbnails and previews.
const MAX_IMAGE_BYTES: u64 = 4 * 1024 * 1024;
const IMAGE_EXTENSIONS: &[&str] = &["png", "jpg", "jpeg", "webp"];

pub async fn read_multipart(
    state: &Instance,
    mut multipart: Multipart,
) -> ApiResult<MultipartForm> {
    let mut form = MultipartForm::default();
    let mut tags: Vec<serde_json::Value> = Vec::new();
    let mut passwords: Vec<serde_json::Value> = Vec::new();
    let dir = state.scratch_dir();
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
                if uploads::extension_of(&filename).is_none() {
                    return Err(uploads::unsupported_file().into());
                }
                let path = dir.join(format!(
                    "legacy-{}",
                    ferrotube_app::accounts::random_token(12)
                ));
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
                        ParamLocation::Body,
                    ));
                }
                let path = dir.join(format!(
                    "image-{}.{ext}",
                    ferrotube_app::accounts::random_token(12)
                ));
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
                } else if name == "videoPasswords" {
                    passwords.push(serde_json::Value::String(text));
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
    if !passwords.is_empty() {
        form.fields
            .insert("videoPasswords".into(), serde_json::Value::Array(passwords));
    }
    Ok(form)
}

pub async fn legacy_upload(
    State(state): State<Instance>,
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
            ParamLocation::Body,
        ));
    };
    let f = parse_fields(&form.fields)?;
    uploads::check_fields(&state, &user, &f).await?;
    // Images are checked before the video exists, so a bad image rejects the whole upload.
    if let Some(p) = &form.thumbnail {
        images::check_image(p, ImageKind::Thumbnail).await?;
    }
    if let Some(p) = &form.preview {
        images::check_image(p, ImageKind::Preview).await?;
    }
    let (id, uuid) = uploads::create_video(&state, &user, &f, &path, &filename, size).await?;
    form.video = None; // moved into the store by create_video
    if let Err(e) = form.apply_images(&state, id).await {
        tracing::warn!(video = %uuid, error = ?e.detail, "custom images not applied");
    }
    Ok(video_created(id, &uuid))
}

pub(crate) async fn save_field(
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
                    .code(ErrorCode::MaxFileSizeReached));
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
