//! Captions, chapters and storyboards as PeerTube's REST API serves them
//! (`/api/v1/videos/{id}/captions`, `/chapters`, `/storyboards`), and their files under
//! `/lazy-static/video-captions/` and `/lazy-static/storyboards/`. The rules live in
//! `ferrotube_app::captions`.

use crate::auth::{CurrentUser, MaybeUser};
use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, Path};
use axum::extract::{Multipart, Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use ferrotube_app::captions as core;
use ferrotube_app::videos::{find_video, visible_to};
use ferrotube_app::Instance;
use ferrotube_db::captions::{CaptionRow, ChapterRow, StoryboardRow};
use ferrotube_db::users::UserRow;
use ferrotube_db::videos::VideoRow;
use ferrotube_model::constants::language_label;
use ferrotube_model::timefmt::iso;
use serde_json::{json, Value};

/// Room for the caption file and the multipart framing around it.
pub const CAPTION_BODY_LIMIT: usize = ferrotube_model::subtitles::MAX_CAPTION_BYTES + 64 * 1024;

fn caption_json(c: &CaptionRow) -> Value {
    json!({
        "language": {
            "id": c.language,
            "label": language_label(&c.language).unwrap_or("Unknown"),
        },
        "automaticallyGenerated": c.automatically_generated,
        "captionPath": core::caption_path(&c.filename),
        "updatedAt": iso(c.updated_at),
    })
}

fn chapter_json(c: &ChapterRow) -> Value {
    json!({ "timecode": c.timecode, "title": c.title })
}

fn storyboard_json(s: &StoryboardRow) -> Value {
    json!({
        "storyboardPath": core::storyboard_path(&s.filename),
        "totalHeight": s.total_height,
        "totalWidth": s.total_width,
        "spriteHeight": s.sprite_height,
        "spriteWidth": s.sprite_width,
        "spriteDuration": s.sprite_duration,
    })
}

/// `GET /api/v1/videos/{id}/captions`.
pub async fn list(
    State(state): State<Instance>,
    MaybeUser(user): MaybeUser,
    crate::auth::ClientIp(ip): crate::auth::ClientIp,
    crate::safety::VideoPasswordHeader(password): crate::safety::VideoPasswordHeader,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let v = crate::safety::find_readable_video(&state, &id, user.as_ref(), password.as_deref(), ip)
        .await?;
    let rows = state.db.video_captions(v.id).await?;
    let data: Vec<Value> = rows.iter().map(caption_json).collect();
    Ok(Json(json!({ "total": data.len(), "data": data })))
}

/// `PUT /api/v1/videos/{id}/captions/{captionLanguage}` (multipart, the file in `captionfile`).
pub async fn put(
    State(state): State<Instance>,
    CurrentUser(user): CurrentUser,
    Path((id, language)): Path<(String, String)>,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> ApiResult<StatusCode> {
    let v = find_video(&state, &id).await?;
    let mut multipart = multipart.map_err(|e| {
        ApiError::bad_request(format!(
            "Expected a multipart/form-data body: {}",
            e.body_text()
        ))
    })?;
    let mut file: Option<Vec<u8>> = None;
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => {
                return Err(ApiError::bad_request(format!(
                    "Malformed multipart body: {}",
                    e.body_text()
                )))
            }
        };
        if field.name() != Some("captionfile") {
            continue;
        }
        let bytes = field.bytes().await.map_err(|e| {
            ApiError::bad_request(format!("Cannot read the caption file: {}", e.body_text()))
        })?;
        file = Some(bytes.to_vec());
    }
    let Some(file) = file else {
        return Err(ApiError::bad_param(
            "captionfile",
            "",
            "Should have a caption file",
            crate::error::ParamLocation::Body,
        ));
    };
    core::set_caption(&state, &user, &v, &language, &file).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE /api/v1/videos/{id}/captions/{captionLanguage}`.
pub async fn delete(
    State(state): State<Instance>,
    CurrentUser(user): CurrentUser,
    Path((id, language)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let v = find_video(&state, &id).await?;
    core::delete_caption(&state, &user, &v, &language).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /api/v1/videos/{id}/chapters`.
pub async fn chapters(
    State(state): State<Instance>,
    MaybeUser(user): MaybeUser,
    crate::auth::ClientIp(ip): crate::auth::ClientIp,
    crate::safety::VideoPasswordHeader(password): crate::safety::VideoPasswordHeader,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let v = crate::safety::find_readable_video(&state, &id, user.as_ref(), password.as_deref(), ip)
        .await?;
    let rows = state.db.video_chapters(v.id).await?;
    let list: Vec<Value> = rows.iter().map(chapter_json).collect();
    Ok(Json(json!({ "chapters": list })))
}

/// `PUT /api/v1/videos/{id}/chapters` (`{"chapters": [{"title", "timecode"}]}`).
pub async fn put_chapters(
    State(state): State<Instance>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
    Json(body): Json<Value>,
) -> ApiResult<StatusCode> {
    let v = find_video(&state, &id).await?;
    core::set_chapters(&state, &user, &v, &body).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /api/v1/videos/{id}/storyboards`.
pub async fn storyboards(
    State(state): State<Instance>,
    MaybeUser(user): MaybeUser,
    crate::auth::ClientIp(ip): crate::auth::ClientIp,
    crate::safety::VideoPasswordHeader(password): crate::safety::VideoPasswordHeader,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let v = crate::safety::find_readable_video(&state, &id, user.as_ref(), password.as_deref(), ip)
        .await?;
    let list: Vec<Value> = state
        .db
        .video_storyboard(v.id)
        .await?
        .iter()
        .map(storyboard_json)
        .collect();
    Ok(Json(json!({ "storyboards": list })))
}

/// `/lazy-static/video-captions/{file}` (WebVTT), after the video's privacy check.
pub async fn caption_file(
    State(state): State<Instance>,
    MaybeUser(user): MaybeUser,
    Path(file): Path<String>,
    req: Request,
) -> ApiResult<Response> {
    let c = state
        .db
        .caption_by_filename(&file)
        .await?
        .ok_or_else(file_not_found)?;
    let v = readable_video(&state, user.as_ref(), c.video_id).await?;
    core::caption_file(&state, &v, &c)
        .await?
        .ok_or_else(file_not_found)?;
    serve_file(&state, &v, &core::caption_key(&v.uuid, &c.filename), req).await
}

/// `/lazy-static/storyboards/{file}` (JPEG), after the video's privacy check.
pub async fn storyboard_file(
    State(state): State<Instance>,
    MaybeUser(user): MaybeUser,
    Path(file): Path<String>,
    req: Request,
) -> ApiResult<Response> {
    let s = state
        .db
        .storyboard_by_filename(&file)
        .await?
        .ok_or_else(file_not_found)?;
    let v = readable_video(&state, user.as_ref(), s.video_id).await?;
    core::storyboard_file(&state, &v, &s)
        .await?
        .ok_or_else(file_not_found)?;
    serve_file(&state, &v, &core::storyboard_key(&v.uuid, &s.filename), req).await
}

fn file_not_found() -> ApiError {
    ApiError::not_found("File not found")
}

/// The video a file belongs to, if `user` may see it.
async fn readable_video(
    state: &Instance,
    user: Option<&UserRow>,
    video_id: i64,
) -> ApiResult<VideoRow> {
    let v = state
        .db
        .video_by_id(video_id)
        .await?
        .ok_or_else(file_not_found)?;
    visible_to(&v, user)?;
    Ok(v)
}

/// A stored file of `v`, cached as long as the video's privacy allows.
async fn serve_file(
    state: &Instance,
    v: &VideoRow,
    key: &str,
    req: Request,
) -> ApiResult<Response> {
    crate::files::serve(state, key, req, crate::files::cache_for(v), None).await
}
