//! Static files: HLS playlists and segments, web videos, thumbnails, previews and downloads, with
//! HTTP Range, validators and caching headers (tower-http's ServeFile), after the same privacy
//! check as the API.

use crate::auth::MaybeUser;
use crate::error::{ApiError, ApiResult};
use crate::extract::Path;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use ferrotube_app::videos::visible_to;
use ferrotube_app::Instance;
use ferrotube_db::videos::VideoRow;
use ferrotube_storage::ObjectStore;
use tower::ServiceExt;
use tower_http::services::ServeFile;

pub(crate) fn mime_for(name: &str) -> &'static str {
    match name.rsplit('.').next().unwrap_or("") {
        "m3u8" => "application/vnd.apple.mpegurl",
        "mp4" | "m4s" => "video/mp4",
        "json" => "application/json",
        "jpg" | "jpeg" => "image/jpeg",
        "png" => "image/png",
        "webp" => "image/webp",
        "torrent" => "application/x-bittorrent",
        "vtt" => "text/vtt; charset=utf-8",
        _ => "application/octet-stream",
    }
}

fn safe_name(name: &str) -> ApiResult<()> {
    ferrotube_storage::check_key(name).map_err(|_| ApiError::not_found("File not found"))?;
    if name.contains('/') {
        return Err(ApiError::not_found("File not found"));
    }
    Ok(())
}

pub(crate) async fn serve(
    state: &Instance,
    key: &str,
    req: Request,
    cache: &'static str,
    download_as: Option<String>,
) -> ApiResult<Response> {
    let path = state
        .store
        .local_path(key)
        .map_err(|_| ApiError::not_found("File not found"))?;
    if !tokio::fs::try_exists(&path).await.unwrap_or(false) {
        return crate::object_files::serve_object(state, key, req, cache, download_as).await;
    }
    let resp = ServeFile::new_with_mime(
        &path,
        &mime_for(key)
            .parse()
            .unwrap_or(mime_guess::mime::APPLICATION_OCTET_STREAM),
    )
    .oneshot(req)
    .await
    .map_err(ApiError::internal)?;
    let mut resp = resp.map(Body::new);
    let h = resp.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    h.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    if let Some(name) = download_as {
        if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
            h.insert(header::CONTENT_DISPOSITION, v);
        }
    }
    Ok(resp)
}

pub(crate) fn cache_for(v: &VideoRow) -> &'static str {
    if v.privacy.readable_by_anyone() {
        "public, max-age=7200"
    } else {
        "private, no-store"
    }
}

async fn video_for_file(
    state: &Instance,
    uuid: &str,
    user: Option<&ferrotube_db::users::UserRow>,
) -> ApiResult<VideoRow> {
    let uuid = uuid::Uuid::parse_str(uuid).map_err(|_| ApiError::not_found("File not found"))?;
    let v = state
        .db
        .video_by_uuid(&uuid.to_string())
        .await?
        .ok_or_else(|| ApiError::not_found("File not found"))?;
    visible_to(&v, user)?;
    Ok(v)
}

/// What a file request carries for a password-protected video: the
/// `x-peertube-video-password` header and the client's address (read before any await: a
/// request is not `Sync`).
fn password_access(state: &Instance, req: &Request) -> (Option<String>, std::net::IpAddr) {
    let password = crate::safety::password_from(req.headers());
    let ip = crate::auth::client_ip(state, req.headers(), req.extensions());
    (password, ip)
}

/// [`video_for_file`] for a client that may send the video's password (a password-protected
/// video's player).
async fn video_for_file_req(
    state: &Instance,
    uuid: &str,
    user: Option<&ferrotube_db::users::UserRow>,
    access: (Option<String>, std::net::IpAddr),
) -> ApiResult<VideoRow> {
    let uuid = uuid::Uuid::parse_str(uuid).map_err(|_| ApiError::not_found("File not found"))?;
    let v = state
        .db
        .video_by_uuid(&uuid.to_string())
        .await?
        .ok_or_else(|| ApiError::not_found("File not found"))?;
    let (password, ip) = access;
    ferrotube_app::video_passwords::visible_with_password(state, &v, user, password.as_deref(), ip)
        .await?;
    Ok(v)
}

pub async fn hls(
    State(state): State<Instance>,
    MaybeUser(user): MaybeUser,
    Path((uuid, file)): Path<(String, String)>,
    req: Request,
) -> ApiResult<Response> {
    safe_name(&file)?;
    let v = video_for_file_req(&state, &uuid, user.as_ref(), password_access(&state, &req)).await?;
    serve(
        &state,
        &format!("streaming-playlists/hls/{}/{file}", v.uuid),
        req,
        cache_for(&v),
        None,
    )
    .await
}

/// `/static/redundancy/hls/{uuid}/{file}`: our copy of a remote video, served only while the
/// copy is recorded (a folder being written or swept is never served) and the video is public.
pub async fn redundancy_hls(
    State(state): State<Instance>,
    Path((uuid, file)): Path<(String, String)>,
    req: Request,
) -> ApiResult<Response> {
    safe_name(&file)?;
    let v = video_for_file(&state, &uuid, None).await?;
    if ferrotube_app::redundancy::our_live_copy(&state, v.id)
        .await?
        .is_none()
    {
        return Err(ApiError::not_found("File not found"));
    }
    serve(
        &state,
        &format!("{}/{file}", ferrotube_app::redundancy::copy_prefix(&v.uuid)),
        req,
        cache_for(&v),
        None,
    )
    .await
}

pub async fn hls_private(
    state: State<Instance>,
    user: MaybeUser,
    path: Path<(String, String)>,
    req: Request,
) -> ApiResult<Response> {
    hls(state, user, path, req).await
}

/// `<uuid>-<resolution>.mp4` (web videos) or `<uuid>-<resolution>-fragmented.mp4` (HLS downloads).
/// `<uuid>-<rest>`: never panics on arbitrary input (a multibyte character where the uuid
/// ends used to panic the worker here).
fn split_file_name(name: &str) -> Option<(&str, &str)> {
    ferrotube_model::file_names::split_uuid_prefix(name)
}

pub async fn web_video(
    State(state): State<Instance>,
    MaybeUser(user): MaybeUser,
    Path(file): Path<String>,
    req: Request,
) -> ApiResult<Response> {
    safe_name(&file)?;
    let (uuid, _) = split_file_name(&file).ok_or_else(|| ApiError::not_found("File not found"))?;
    let v = video_for_file_req(&state, uuid, user.as_ref(), password_access(&state, &req)).await?;
    serve(
        &state,
        &format!("web-videos/{file}"),
        req,
        cache_for(&v),
        None,
    )
    .await
}

pub async fn download_web_video(
    State(state): State<Instance>,
    MaybeUser(user): MaybeUser,
    Path(file): Path<String>,
    req: Request,
) -> ApiResult<Response> {
    safe_name(&file)?;
    let (uuid, _) = split_file_name(&file).ok_or_else(|| ApiError::not_found("File not found"))?;
    let v = video_for_file_req(&state, uuid, user.as_ref(), password_access(&state, &req)).await?;
    if !v.download_enabled {
        return Err(ApiError::forbidden("Video download is disabled"));
    }
    serve(
        &state,
        &format!("web-videos/{file}"),
        req,
        cache_for(&v),
        Some(file.clone()),
    )
    .await
}

/// `/download/streaming-playlists/hls/videos/<uuid>-<res>-fragmented.mp4`: the rung's single file.
pub async fn download_hls(
    State(state): State<Instance>,
    MaybeUser(user): MaybeUser,
    Path(file): Path<String>,
    req: Request,
) -> ApiResult<Response> {
    safe_name(&file)?;
    let (uuid, rest) =
        split_file_name(&file).ok_or_else(|| ApiError::not_found("File not found"))?;
    let res: i64 = rest
        .strip_suffix("-fragmented.mp4")
        .and_then(|r| r.parse().ok())
        .ok_or_else(|| ApiError::not_found("File not found"))?;
    let v = video_for_file(&state, uuid, user.as_ref()).await?;
    if !v.download_enabled {
        return Err(ApiError::forbidden("Video download is disabled"));
    }
    let files = state.db.video_files(v.id).await?;
    let f = files
        .iter()
        .find(|f| f.kind == ferrotube_model::FileKind::Hls && f.resolution == res)
        .ok_or_else(|| ApiError::not_found("File not found"))?;
    serve(
        &state,
        &format!("streaming-playlists/hls/{}/{}", v.uuid, f.filename),
        req,
        cache_for(&v),
        Some(file.clone()),
    )
    .await
}

/// `.torrent` files, after the privacy check of the video they belong to.
async fn torrent(
    state: &Instance,
    user: Option<&ferrotube_db::users::UserRow>,
    file: &str,
    req: Request,
    download: bool,
) -> ApiResult<Response> {
    safe_name(file)?;
    let f = state
        .db
        .video_file_by_torrent(file)
        .await?
        .ok_or_else(|| ApiError::not_found("File not found"))?;
    let v = state
        .db
        .video_by_id(f.video_id)
        .await?
        .ok_or_else(|| ApiError::not_found("File not found"))?;
    visible_to(&v, user)?;
    // The instances that keep a copy of this HLS file are web seeds too (BitTorrent clients
    // then fetch from them); the torrent on disk names only the origin.
    let mirrors = if f.kind == ferrotube_model::FileKind::Hls && v.is_local() {
        ferrotube_app::redundancy::mirror_urls(state, v.id).await?
    } else {
        Vec::new()
    };
    if mirrors.is_empty() {
        return serve(
            state,
            &format!("torrents/{file}"),
            req,
            cache_for(&v),
            download.then(|| file.to_string()),
        )
        .await;
    }
    let path = state
        .store
        .local_path(&format!("torrents/{file}"))
        .map_err(|_| ApiError::not_found("File not found"))?;
    let bytes = tokio::fs::read(&path)
        .await
        .map_err(|_| ApiError::not_found("File not found"))?;
    let seeds: Vec<String> = mirrors
        .iter()
        .map(|m| format!("{m}/{}", f.filename))
        .collect();
    let bytes =
        ferrotube_p2p::torrent::with_extra_web_seeds(&bytes, &seeds).map_err(ApiError::internal)?;
    let mut resp = Response::new(Body::from(bytes));
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/x-bittorrent"),
    );
    // Mirrors come and go: a short cache, so clients see them soon.
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=60"),
    );
    h.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    if download {
        if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{file}\"")) {
            h.insert(header::CONTENT_DISPOSITION, v);
        }
    }
    Ok(resp)
}

pub async fn lazy_torrent(
    State(state): State<Instance>,
    MaybeUser(user): MaybeUser,
    Path(file): Path<String>,
    req: Request,
) -> ApiResult<Response> {
    torrent(&state, user.as_ref(), &file, req, false).await
}

pub async fn download_torrent(
    State(state): State<Instance>,
    MaybeUser(user): MaybeUser,
    Path(file): Path<String>,
    req: Request,
) -> ApiResult<Response> {
    torrent(&state, user.as_ref(), &file, req, true).await
}

/// Remote videos' images are fetched from their origin the first time they are asked for and
/// kept (PeerTube's lazy-static cache), so pages never point browsers at other servers.
async fn cache_remote_image(state: &Instance, folder: &str, file: &str) {
    let Ok(path) = state.store.local_path(&format!("{folder}/{file}")) else {
        return;
    };
    if tokio::fs::try_exists(&path).await.unwrap_or(false) {
        return;
    }
    let url = match state.db.remote_image_url(file).await {
        Ok(Some(u)) => u,
        _ => return,
    };
    match state
        .federation
        .client
        .get_bytes(&url, "image/", 4 * 1024 * 1024)
        .await
    {
        Ok(bytes) => {
            if let Some(dir) = path.parent() {
                let _ = tokio::fs::create_dir_all(dir).await;
            }
            let tmp = path.with_extension("part");
            if tokio::fs::write(&tmp, &bytes).await.is_ok() {
                let _ = tokio::fs::rename(&tmp, &path).await;
            }
        }
        Err(e) => tracing::info!(%url, error = %e, "remote image not cached"),
    }
}

pub async fn thumbnail(
    State(state): State<Instance>,
    Path(file): Path<String>,
    req: Request,
) -> ApiResult<Response> {
    safe_name(&file)?;
    cache_remote_image(&state, "thumbnails", &file).await;
    serve(
        &state,
        &format!("thumbnails/{file}"),
        req,
        "public, max-age=7200",
        None,
    )
    .await
}

/// A file only its owner may read (the kept original): never cached by others.
pub async fn serve_private_download(
    state: &Instance,
    key: &str,
    req: Request,
    name: String,
) -> ApiResult<Response> {
    serve(state, key, req, "private, no-store", Some(name)).await
}

/// `/lazy-static/avatars/{file}`: one of our avatars, or a redirect to a remote actor's.
pub async fn avatar(
    State(state): State<Instance>,
    Path(file): Path<String>,
    req: Request,
) -> ApiResult<Response> {
    actor_image(
        state,
        ferrotube_db::accounts::ActorImageKind::Avatar,
        file,
        req,
    )
    .await
}

/// `/lazy-static/banners/{file}`: one of our banners, or a redirect to a remote channel's.
pub async fn banner(
    State(state): State<Instance>,
    Path(file): Path<String>,
    req: Request,
) -> ApiResult<Response> {
    actor_image(
        state,
        ferrotube_db::accounts::ActorImageKind::Banner,
        file,
        req,
    )
    .await
}

async fn actor_image(
    state: Instance,
    kind: ferrotube_db::accounts::ActorImageKind,
    file: String,
    req: Request,
) -> ApiResult<Response> {
    use ferrotube_app::actor_images::stored::{remote_url_of, ActorImageKindExt};
    safe_name(&file)?;
    let key = format!("{}/{file}", kind.folder());
    let local = state
        .store
        .local_path(&key)
        .map_err(|_| ApiError::not_found("File not found"))?;
    if !tokio::fs::try_exists(&local).await.unwrap_or(false) {
        // A remote actor's image is served where it lives.
        if let Some(url) = remote_url_of(&state, kind, &file).await? {
            return Ok(axum::response::Redirect::temporary(&url).into_response());
        }
    }
    serve(&state, &key, req, "public, max-age=7200", None).await
}

pub async fn preview(
    State(state): State<Instance>,
    Path(file): Path<String>,
    req: Request,
) -> ApiResult<Response> {
    safe_name(&file)?;
    cache_remote_image(&state, "previews", &file).await;
    serve(
        &state,
        &format!("previews/{file}"),
        req,
        "public, max-age=7200",
        None,
    )
    .await
}

pub async fn not_found() -> Response {
    ApiError::not_found("File not found").into_response()
}
