//! Avatars and banners: `POST /users/me/avatar/pick`, `DELETE /users/me/avatar`,
//! `POST /video-channels/{handle}/{avatar|banner}/pick` and their `DELETE`s. A handler reads the
//! one multipart file and hands it to [`ferrotube_app::actor_images`].

use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult, ParamLocation};
use crate::extract::{Json, Path};
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use ferrotube_app::actor_images::stored::{
    image_json, ActorImageKindExt, IMAGE_EXTENSIONS, MAX_IMAGE_BYTES,
};
use ferrotube_app::Instance;
use ferrotube_db::accounts::{ActorImageKind, ImageOwner};
use serde_json::{json, Value};
use std::path::PathBuf;

/// The uploaded image in temp storage, removed when dropped.
struct TempImage(PathBuf);
impl Drop for TempImage {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

async fn read_image(
    state: &Instance,
    kind: ActorImageKind,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> ApiResult<TempImage> {
    let field_name = kind.field();
    let mut multipart = multipart.map_err(|e| {
        ApiError::bad_request(format!(
            "Expected a multipart/form-data body: {}",
            e.body_text()
        ))
    })?;
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
        if field.name() != Some(field_name) {
            continue;
        }
        let filename = field.file_name().unwrap_or("").to_ascii_lowercase();
        let ext = std::path::Path::new(&filename)
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or("");
        if !IMAGE_EXTENSIONS.contains(&ext) {
            return Err(ApiError::bad_param(
                field_name,
                &filename,
                "This image is not supported (png, jpeg, jpg, gif, webp)",
                ParamLocation::Body,
            ));
        }
        let path = dir.join(format!(
            "actor-upload-{}.{ext}",
            ferrotube_app::accounts::random_token(12)
        ));
        let image = TempImage(path.clone());
        crate::upload::save_field(field, &path, MAX_IMAGE_BYTES).await?;
        return Ok(image);
    }
    Err(ApiError::bad_param(
        field_name,
        "",
        "Should have an image file",
        ParamLocation::Body,
    ))
}

fn answer(
    state: &Instance,
    kind: ActorImageKind,
    images: &[ferrotube_app::actor_images::stored::StoredImage],
) -> Json<Value> {
    let list: Vec<Value> = images
        .iter()
        .map(|i| image_json(&state.url, kind, i))
        .collect();
    let key = match kind {
        ActorImageKind::Avatar => "avatars",
        ActorImageKind::Banner => "banners",
    };
    Json(json!({ key: list }))
}

pub async fn pick_my_avatar(
    State(state): State<Instance>,
    CurrentUser(user): CurrentUser,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> ApiResult<Json<Value>> {
    let kind = ActorImageKind::Avatar;
    let image = read_image(&state, kind, multipart).await?;
    let images = ferrotube_app::actor_images::set_local(
        &state,
        ImageOwner::Account(user.account_id),
        kind,
        Some(&image.0),
    )
    .await?;
    Ok(answer(&state, kind, &images))
}

pub async fn delete_my_avatar(
    State(state): State<Instance>,
    CurrentUser(user): CurrentUser,
) -> ApiResult<StatusCode> {
    ferrotube_app::actor_images::set_local(
        &state,
        ImageOwner::Account(user.account_id),
        ActorImageKind::Avatar,
        None,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn channel_pick(
    state: Instance,
    user: ferrotube_db::users::UserRow,
    handle: &str,
    kind: ActorImageKind,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> ApiResult<Json<Value>> {
    let c = crate::channels::local_channel_by_handle(&state, handle).await?;
    ferrotube_app::channels::may_manage(&user, &c)?;
    let image = read_image(&state, kind, multipart).await?;
    let images = ferrotube_app::actor_images::set_local(
        &state,
        ImageOwner::Channel(c.id),
        kind,
        Some(&image.0),
    )
    .await?;
    Ok(answer(&state, kind, &images))
}

async fn channel_delete(
    state: Instance,
    user: ferrotube_db::users::UserRow,
    handle: &str,
    kind: ActorImageKind,
) -> ApiResult<StatusCode> {
    let c = crate::channels::local_channel_by_handle(&state, handle).await?;
    ferrotube_app::channels::may_manage(&user, &c)?;
    ferrotube_app::actor_images::set_local(&state, ImageOwner::Channel(c.id), kind, None).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn pick_channel_avatar(
    State(state): State<Instance>,
    CurrentUser(user): CurrentUser,
    Path(handle): Path<String>,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> ApiResult<Json<Value>> {
    channel_pick(state, user, &handle, ActorImageKind::Avatar, multipart).await
}

pub async fn pick_channel_banner(
    State(state): State<Instance>,
    CurrentUser(user): CurrentUser,
    Path(handle): Path<String>,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> ApiResult<Json<Value>> {
    channel_pick(state, user, &handle, ActorImageKind::Banner, multipart).await
}

pub async fn delete_channel_avatar(
    State(state): State<Instance>,
    CurrentUser(user): CurrentUser,
    Path(handle): Path<String>,
) -> ApiResult<StatusCode> {
    channel_delete(state, user, &handle, ActorImageKind::Avatar).await
}

pub async fn delete_channel_banner(
    State(state): State<Instance>,
    CurrentUser(user): CurrentUser,
    Path(handle): Path<String>,
) -> ApiResult<StatusCode> {
    channel_delete(state, user, &handle, ActorImageKind::Banner).await
}

/// `POST /api/v1/config/instance-{avatar,banner}/pick` (administrators): PeerTube answers 204.
async fn instance_pick(
    state: Instance,
    user: CurrentUser,
    kind: ActorImageKind,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> ApiResult<StatusCode> {
    user.require(ferrotube_model::UserRole::Administrator)?;
    let image = read_image(&state, kind, multipart).await?;
    ferrotube_app::actor_images::set_instance(&state, kind, Some(&image.0)).await?;
    crate::audit::record(
        &state,
        &user.0,
        "config",
        "update",
        json!({ "instanceImage": kind.folder() }),
    )
    .await;
    Ok(StatusCode::NO_CONTENT)
}

async fn instance_delete(
    state: Instance,
    user: CurrentUser,
    kind: ActorImageKind,
) -> ApiResult<StatusCode> {
    user.require(ferrotube_model::UserRole::Administrator)?;
    ferrotube_app::actor_images::set_instance(&state, kind, None).await?;
    crate::audit::record(
        &state,
        &user.0,
        "config",
        "delete",
        json!({ "instanceImage": kind.folder() }),
    )
    .await;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn pick_instance_avatar(
    State(state): State<Instance>,
    user: CurrentUser,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> ApiResult<StatusCode> {
    instance_pick(state, user, ActorImageKind::Avatar, multipart).await
}

pub async fn pick_instance_banner(
    State(state): State<Instance>,
    user: CurrentUser,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> ApiResult<StatusCode> {
    instance_pick(state, user, ActorImageKind::Banner, multipart).await
}

pub async fn delete_instance_avatar(
    State(state): State<Instance>,
    user: CurrentUser,
) -> ApiResult<StatusCode> {
    instance_delete(state, user, ActorImageKind::Avatar).await
}

pub async fn delete_instance_banner(
    State(state): State<Instance>,
    user: CurrentUser,
) -> ApiResult<StatusCode> {
    instance_delete(state, user, ActorImageKind::Banner).await
}
