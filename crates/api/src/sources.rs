//! A video's source: `GET /videos/{id}/source`, the owner's download of the kept original
//! (`/download/original-video-files/{file}`) and its replacement
//! (`/videos/{id}/source/replace-resumable`, PeerTube's resumable protocol). The behaviour is
//! [`ferrotube_app::sources`].

use crate::auth::{CurrentUser, MaybeUser};
use crate::error::{ApiError, ApiResult, ParamLocation};
use crate::extract::{Json, Path};
use crate::upload::{header_i64, parse_content_range, resume_response, upload_id_from};
use axum::body::Body;
use axum::extract::{RawQuery, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use ferrotube_app::sources;
use ferrotube_app::uploads::{self, ChunkOutcome, REPLACE_KEY};
use ferrotube_app::videos::find_video;
use ferrotube_app::Instance;
use ferrotube_model::timefmt::iso;
use ferrotube_model::ContentRange;
use serde_json::{json, Value};

fn resolution_label(r: u32) -> String {
    if r == 0 {
        "Audio".into()
    } else {
        format!("{r}p")
    }
}

pub async fn get(
    State(state): State<Instance>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let v = find_video(&state, &id).await?;
    let s = sources::source(&state, &user, &v).await?;
    let mut out = json!({
        "filename": s.input_filename,
        "inputFilename": s.input_filename,
        "size": s.size,
        "createdAt": iso(s.created_at),
    });
    if let Some(o) = out.as_object_mut() {
        if let Some(name) = &s.kept_filename {
            o.insert(
                "fileDownloadUrl".into(),
                json!(format!(
                    "{}/download/original-video-files/{name}",
                    state.url
                )),
            );
        }
        if let Some(r) = s.resolution {
            o.insert(
                "resolution".into(),
                json!({ "id": r, "label": resolution_label(r) }),
            );
        }
        if let Some(w) = s.width {
            o.insert("width".into(), json!(w));
        }
        if let Some(h) = s.height {
            o.insert("height".into(), json!(h));
        }
        if let Some(f) = s.fps {
            o.insert("fps".into(), json!(f));
        }
    }
    Ok(Json(out))
}

/// `/download/original-video-files/{file}`: the kept original, to its owner or a moderator.
pub async fn download_original(
    State(state): State<Instance>,
    MaybeUser(user): MaybeUser,
    Path(file): Path<String>,
    req: Request,
) -> ApiResult<Response> {
    let (key, name) = sources::original_for(&state, user.as_ref(), &file).await?;
    crate::files::serve_private_download(&state, &key, req, name).await
}

pub async fn replace_init(
    State(state): State<Instance>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
    headers: HeaderMap,
    Json(raw): Json<serde_json::Map<String, Value>>,
) -> ApiResult<Response> {
    let v = find_video(&state, &id).await?;
    let filename = match raw.get("filename") {
        Some(Value::String(f)) => f.clone(),
        None => String::new(),
        Some(other) => {
            return Err(ApiError::bad_param(
                "filename",
                &other.to_string(),
                "Should have a valid filename",
                ParamLocation::Body,
            ))
        }
    };
    let size = header_i64(&headers, "x-upload-content-length");
    let mime = headers
        .get("x-upload-content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("application/octet-stream")
        .to_string();
    let upload_id = sources::start_replace(&state, &user, &v, &filename, size, mime).await?;
    let location = format!(
        "//{}/api/v1/videos/{}/source/replace-resumable?upload_id={upload_id}",
        state.host, v.id
    );
    Ok((StatusCode::CREATED, [(header::LOCATION, location)], "").into_response())
}

/// The replacement session `upload_id` of `user`, for the video `{id}`.
async fn replace_session(
    state: &Instance,
    user: &ferrotube_db::users::UserRow,
    id: &str,
    q: Option<&str>,
) -> ApiResult<ferrotube_db::uploads::UploadSessionRow> {
    let v = find_video(state, id).await?;
    let upload_id = upload_id_from(q)?;
    let session = uploads::session_of(state, user, &upload_id).await?;
    let meta: serde_json::Map<String, Value> =
        serde_json::from_str(&session.metadata).unwrap_or_default();
    if meta.get(REPLACE_KEY).and_then(Value::as_i64) != Some(v.id) {
        return Err(ApiError::not_found("Upload not found"));
    }
    Ok(session)
}

pub async fn replace_put(
    State(state): State<Instance>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Response> {
    let session = replace_session(&state, &user, &id, q.as_deref()).await?;
    let range = if session.video_uuid.is_some() {
        None
    } else {
        match parse_content_range(&headers)? {
            ContentRange::Ask { total } | ContentRange::Chunk { total, .. }
                if total != session.total_size =>
            {
                return Err(ApiError::bad_param(
                    "Content-Range",
                    &total.to_string(),
                    "Total size differs from the announced X-Upload-Content-Length",
                    ParamLocation::Headers,
                ))
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
        // Already taken (a client retrying after a lost answer).
        ChunkOutcome::Created { .. } => StatusCode::NO_CONTENT.into_response(),
        ChunkOutcome::ReplaceReady { video_id, session } => {
            sources::complete_replace(&state, &user, video_id, &session).await?;
            StatusCode::NO_CONTENT.into_response()
        }
    })
}

pub async fn replace_delete(
    State(state): State<Instance>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> ApiResult<StatusCode> {
    let session = replace_session(&state, &user, &id, q.as_deref()).await?;
    uploads::cancel_resumable(&state, &session).await?;
    Ok(StatusCode::NO_CONTENT)
}
