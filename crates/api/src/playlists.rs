//! Video playlists as PeerTube's REST API serves them (`/api/v1/video-playlists...`, the lists of
//! accounts and channels, `/users/me/video-playlists/videos-exist`, `/search/video-playlists`).
//! The rules live in `ferrotube_app::playlists`; this module parses and shapes.

use crate::auth::{CurrentUser, MaybeUser};
use crate::error::{ApiError, ApiResult, ParamLocation};
use crate::extract::{Json, Path};
use crate::params::Params;
use crate::shapes::JsonViews;
use crate::upload::MultipartForm;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use ferrotube_app::playlists::{self as core, privacy_label, type_label, IdKind};
use ferrotube_app::Instance;
use ferrotube_db::playlists::{PlaylistFilter, PlaylistRow, PLAYLIST_PUBLIC};
use ferrotube_db::sort::{PlaylistSort, Sort};
use ferrotube_db::users::UserRow;
use ferrotube_model::short_uuid;
use ferrotube_model::timefmt::iso;
use serde_json::{json, Map, Value};

/// A playlist as PeerTube's `VideoPlaylist`.
pub fn playlist_json(state: &Instance, p: &PlaylistRow) -> Value {
    let uuid = uuid::Uuid::parse_str(&p.uuid).unwrap_or_default();
    let thumbnail = p
        .thumbnail_name
        .as_ref()
        .or(p.first_thumbnail.as_ref())
        .map(|t| format!("/lazy-static/thumbnails/{t}"));
    let account_url = p.account_actor_url.clone().unwrap_or_else(|| {
        state.actor_page_url("accounts", &p.account_name, p.account_host.as_deref())
    });
    let host = |h: &Option<String>| h.clone().unwrap_or_else(|| state.host.clone());
    let channel = match (p.channel_id, &p.channel_name) {
        (Some(id), Some(name)) => json!({
            "id": id,
            "name": crate::shapes::local_part(name),
            "displayName": p.channel_display_name,
            "url": p.channel_actor_url.clone().unwrap_or_else(|| {
                state.actor_page_url("video-channels", name, p.channel_host.as_deref())
            }),
            "host": host(&p.channel_host),
            "avatars": [],
        }),
        _ => Value::Null,
    };
    json!({
        "id": p.id,
        "uuid": p.uuid,
        "shortUUID": short_uuid(&uuid),
        "isLocal": p.is_local(),
        "url": ferrotube_app::federation::playlists::playlist_url(state, p),
        "displayName": p.name,
        "description": p.description,
        "privacy": { "id": p.privacy, "label": privacy_label(p.privacy) },
        "thumbnailPath": thumbnail,
        "embedPath": format!("/video-playlists/embed/{}", p.uuid),
        "type": { "id": p.playlist_type, "label": type_label(p.playlist_type) },
        "videosLength": p.videos_length,
        "videoChannelPosition": p.channel_position,
        "createdAt": iso(p.created_at),
        "updatedAt": iso(p.updated_at),
        "ownerAccount": {
            "id": p.account_id,
            "displayName": p.account_display_name,
            "name": crate::shapes::local_part(&p.account_name),
            "url": account_url,
            "host": host(&p.account_host),
            "avatars": [],
        },
        "videoChannel": channel,
    })
}

fn page(total: i64, rows: &[PlaylistRow], state: &Instance) -> Json<Value> {
    let data: Vec<Value> = rows.iter().map(|p| playlist_json(state, p)).collect();
    Json(json!({ "total": total, "data": data }))
}

/// `playlistType` of the list parameters.
fn type_filter(p: &Params) -> ApiResult<Option<i64>> {
    p.int("playlistType", 1, 2)
}

/// A readable playlist by `{playlistId}`.
async fn readable(state: &Instance, id: &str, user: Option<&UserRow>) -> ApiResult<PlaylistRow> {
    let (p, how) = core::find_playlist(state, id).await?;
    core::visible_to(&p, how, user)?;
    Ok(p)
}

async fn list_of(
    state: &Instance,
    p: &Params,
    f: PlaylistFilter,
    default: Sort<PlaylistSort>,
) -> ApiResult<Json<Value>> {
    let (start, count) = p.pagination(15)?;
    let order = p.sort(default)?;
    let (total, rows) = state.db.list_playlists(&f, order, start, count).await?;
    Ok(page(total, &rows, state))
}

/// `GET /api/v1/video-playlists/privacies`.
pub async fn privacies() -> Json<Value> {
    Json(json!({ "1": "Public", "2": "Unlisted", "3": "Private" }))
}

/// `GET /api/v1/video-playlists`: the public playlists known here.
pub async fn list(State(state): State<Instance>, RawQuery(q): RawQuery) -> ApiResult<Json<Value>> {
    let p = Params::parse(q.as_deref());
    let f = PlaylistFilter {
        privacies: vec![PLAYLIST_PUBLIC],
        playlist_type: type_filter(&p)?,
        ..Default::default()
    };
    list_of(&state, &p, f, Sort::desc(PlaylistSort::CreatedAt)).await
}

/// A create or update body: multipart (with `thumbnailfile`) or JSON.
async fn read_body(
    state: &Instance,
    req: axum::extract::Request,
) -> ApiResult<(Map<String, Value>, Option<MultipartForm>)> {
    use axum::extract::FromRequest;
    let is_multipart = req
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    if is_multipart {
        let mp = axum::extract::Multipart::from_request(req, state)
            .await
            .map_err(|e| {
                ApiError::bad_request(format!("Malformed multipart body: {}", e.body_text()))
            })?;
        let form = crate::upload::read_multipart(state, mp).await?;
        Ok((form.fields.clone(), Some(form)))
    } else {
        let Json(raw) = Json::<Map<String, Value>>::from_request(req, state).await?;
        Ok((raw, None))
    }
}

/// `POST /api/v1/video-playlists`.
pub async fn create(
    State(state): State<Instance>,
    CurrentUser(user): CurrentUser,
    req: axum::extract::Request,
) -> ApiResult<Json<Value>> {
    let (raw, form) = read_body(&state, req).await?;
    let f = core::parse_fields(&raw)?;
    let thumbnail = form.as_ref().and_then(|f| f.thumbnail.as_deref());
    let (id, uuid) = core::create(&state, &user, &f, thumbnail).await?;
    let short = uuid::Uuid::parse_str(&uuid)
        .map(|u| short_uuid(&u))
        .unwrap_or_default();
    Ok(Json(
        json!({ "videoPlaylist": { "id": id, "uuid": uuid, "shortUUID": short } }),
    ))
}

/// `GET /api/v1/video-playlists/{playlistId}`.
pub async fn get(
    State(state): State<Instance>,
    MaybeUser(user): MaybeUser,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let p = readable(&state, &id, user.as_ref()).await?;
    Ok(Json(playlist_json(&state, &p)))
}

/// `PUT /api/v1/video-playlists/{playlistId}`.
pub async fn update(
    State(state): State<Instance>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
    req: axum::extract::Request,
) -> ApiResult<StatusCode> {
    let (raw, form) = read_body(&state, req).await?;
    let f = core::parse_fields(&raw)?;
    let (p, _) = core::find_playlist(&state, &id).await?;
    let thumbnail = form.as_ref().and_then(|f| f.thumbnail.as_deref());
    core::update(&state, &user, &p, &f, thumbnail).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE /api/v1/video-playlists/{playlistId}`.
pub async fn delete(
    State(state): State<Instance>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let (p, _) = core::find_playlist(&state, &id).await?;
    core::delete(&state, &user, &p).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// PeerTube's element types: a regular one, or one whose video is gone, private or unavailable
/// to the reader (then without its video).
const ELEMENT_REGULAR: i64 = 0;
const ELEMENT_PRIVATE: i64 = 2;
const ELEMENT_UNAVAILABLE: i64 = 3;

/// `GET /api/v1/video-playlists/{playlistId}/videos`.
pub async fn videos(
    State(state): State<Instance>,
    MaybeUser(user): MaybeUser,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> ApiResult<Json<Value>> {
    let params = Params::parse(q.as_deref());
    let (start, count) = params.pagination(15)?;
    let p = readable(&state, &id, user.as_ref()).await?;
    let (total, rows) = state.db.playlist_elements_page(p.id, start, count).await?;
    let mut data = Vec::with_capacity(rows.len());
    for (i, e) in rows.iter().enumerate() {
        let video = state.db.video_by_id(e.video_id).await?;
        let (kind, video) = match video {
            Some(v) => match ferrotube_app::videos::visible_to(&v, user.as_ref()) {
                Ok(()) => (
                    ELEMENT_REGULAR,
                    serde_json::to_value(state.video(&v, false)).map_err(ApiError::internal)?,
                ),
                Err(err)
                    if err.status == StatusCode::FORBIDDEN && v.privacy.readable_by_anyone() =>
                {
                    (ELEMENT_UNAVAILABLE, Value::Null)
                }
                Err(_) => (ELEMENT_PRIVATE, Value::Null),
            },
            None => (ELEMENT_UNAVAILABLE, Value::Null),
        };
        data.push(json!({
            "id": e.id,
            "position": start + i as i64 + 1,
            "startTimestamp": e.start_timestamp,
            "stopTimestamp": e.stop_timestamp,
            "type": kind,
            "video": video,
        }));
    }
    Ok(Json(json!({ "total": total, "data": data })))
}

async fn json_body(state: &Instance, req: axum::extract::Request) -> ApiResult<Map<String, Value>> {
    use axum::extract::FromRequest;
    let Json(raw) = Json::<Map<String, Value>>::from_request(req, state).await?;
    Ok(raw)
}

/// `POST /api/v1/video-playlists/{playlistId}/videos`.
pub async fn add_video(
    State(state): State<Instance>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
    req: axum::extract::Request,
) -> ApiResult<Json<Value>> {
    let raw = json_body(&state, req).await?;
    let video_id = match raw.get("videoId") {
        Some(Value::String(s)) if !s.is_empty() => s.clone(),
        Some(Value::Number(n)) if n.is_i64() => n.to_string(),
        other => {
            return Err(ApiError::bad_param(
                "videoId",
                &other.map(Value::to_string).unwrap_or_default(),
                "Should have a valid video id",
                ParamLocation::Body,
            ))
        }
    };
    let t = core::parse_timestamps(&raw)?;
    let (p, _) = core::find_playlist(&state, &id).await?;
    let element = core::add_element(&state, &user, &p, &video_id, t).await?;
    Ok(Json(json!({ "videoPlaylistElement": { "id": element } })))
}

/// `PUT /api/v1/video-playlists/{playlistId}/videos/{playlistElementId}`.
pub async fn update_video(
    State(state): State<Instance>,
    CurrentUser(user): CurrentUser,
    Path((id, element)): Path<(String, String)>,
    req: axum::extract::Request,
) -> ApiResult<StatusCode> {
    let raw = json_body(&state, req).await?;
    let t = core::parse_timestamps(&raw)?;
    let (p, _) = core::find_playlist(&state, &id).await?;
    core::update_element(&state, &user, &p, &element, t).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE /api/v1/video-playlists/{playlistId}/videos/{playlistElementId}`.
pub async fn remove_video(
    State(state): State<Instance>,
    CurrentUser(user): CurrentUser,
    Path((id, element)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let (p, _) = core::find_playlist(&state, &id).await?;
    core::remove_element(&state, &user, &p, &element).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/v1/video-playlists/{playlistId}/videos/reorder`.
pub async fn reorder(
    State(state): State<Instance>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
    req: axum::extract::Request,
) -> ApiResult<StatusCode> {
    let raw = json_body(&state, req).await?;
    let r = core::parse_reorder(&raw)?;
    let (p, _) = core::find_playlist(&state, &id).await?;
    core::reorder(&state, &user, &p, r).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /api/v1/accounts/{name}/video-playlists`: public ones; all of them (with "Watch
/// later") for the account's own user.
pub async fn of_account(
    State(state): State<Instance>,
    MaybeUser(user): MaybeUser,
    Path(handle): Path<String>,
    RawQuery(q): RawQuery,
) -> ApiResult<Json<Value>> {
    let a = crate::channels::account_by_handle(&state, &handle).await?;
    let p = Params::parse(q.as_deref());
    let own = user.as_ref().is_some_and(|u| u.account_id == a.id);
    if own {
        core::ensure_watch_later(&state, a.id).await?;
    }
    let f = PlaylistFilter {
        account_id: Some(a.id),
        privacies: if own {
            Vec::new()
        } else {
            vec![PLAYLIST_PUBLIC]
        },
        playlist_type: type_filter(&p)?,
        search: p.str("search").filter(|s| !s.is_empty()).map(str::to_owned),
        ..Default::default()
    };
    list_of(&state, &p, f, Sort::desc(PlaylistSort::UpdatedAt)).await
}

/// `GET /api/v1/video-channels/{handle}/video-playlists`, in the channel's order.
pub async fn of_channel(
    State(state): State<Instance>,
    MaybeUser(user): MaybeUser,
    Path(handle): Path<String>,
    RawQuery(q): RawQuery,
) -> ApiResult<Json<Value>> {
    let c = crate::channels::channel_by_handle(&state, &handle).await?;
    let p = Params::parse(q.as_deref());
    let own = user.as_ref().is_some_and(|u| u.account_id == c.account_id);
    let f = PlaylistFilter {
        channel_id: Some(c.id),
        privacies: if own {
            Vec::new()
        } else {
            vec![PLAYLIST_PUBLIC]
        },
        playlist_type: type_filter(&p)?,
        ..Default::default()
    };
    list_of(&state, &p, f, Sort::asc(PlaylistSort::ChannelPosition)).await
}

/// `POST /api/v1/video-channels/{handle}/video-playlists/reorder`.
pub async fn reorder_channel(
    State(state): State<Instance>,
    CurrentUser(user): CurrentUser,
    Path(handle): Path<String>,
    req: axum::extract::Request,
) -> ApiResult<StatusCode> {
    let raw = json_body(&state, req).await?;
    let r = core::parse_reorder(&raw)?;
    let c = crate::channels::channel_by_handle(&state, &handle).await?;
    core::reorder_channel(&state, &user, &c, r).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /api/v1/users/me/video-playlists/videos-exist?videoIds=1&videoIds=2`.
pub async fn videos_exist(
    State(state): State<Instance>,
    CurrentUser(user): CurrentUser,
    RawQuery(q): RawQuery,
) -> ApiResult<Json<Value>> {
    let p = Params::parse(q.as_deref());
    let ids = p.ints("videoIds")?;
    if ids.is_empty() || ids.len() > 100 {
        return Err(ApiError::bad_param(
            "videoIds",
            "",
            "Should have a valid video ids array",
            ParamLocation::Query,
        ));
    }
    let elements = state
        .db
        .account_playlist_elements(user.account_id, &ids)
        .await?;
    let mut out = Map::new();
    for id in &ids {
        let found: Vec<Value> = elements
            .iter()
            .filter(|e| e.video_id == *id)
            .map(|e| {
                json!({
                    "playlistElementId": e.id,
                    "playlistId": e.playlist_id,
                    "startTimestamp": e.start_timestamp,
                    "stopTimestamp": e.stop_timestamp,
                })
            })
            .collect();
        out.insert(id.to_string(), Value::Array(found));
    }
    Ok(Json(Value::Object(out)))
}

fn valid_host(h: &str) -> bool {
    !h.is_empty()
        && h.len() <= 255
        && h.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '_'))
}

/// `GET /api/v1/search/video-playlists`: by words of the name among the public playlists known
/// here, or a lookup by URL (fetched from its origin for signed-in users, as for videos).
pub async fn search(
    State(state): State<Instance>,
    MaybeUser(user): MaybeUser,
    RawQuery(q): RawQuery,
) -> ApiResult<Json<Value>> {
    let p = Params::parse(q.as_deref());
    let (start, count) = p.pagination(15)?;
    let order = p.sort(Sort::desc(PlaylistSort::CreatedAt))?;
    let search = p.str("search").unwrap_or("").trim().to_string();
    if search.starts_with("http://") || search.starts_with("https://") {
        let found = match search
            .strip_prefix(&format!("{}/video-playlists/", state.url))
            .or_else(|| search.strip_prefix(&format!("{}/w/p/", state.url)))
        {
            Some(id) => core::find_playlist(&state, id).await.ok().map(|(p, _)| p),
            None => {
                let known = state.db.playlist_by_url(&search).await?;
                match (known, &user) {
                    (Some(p), _) => Some(p),
                    (None, Some(_)) => {
                        match ferrotube_app::federation::remote_playlists::fetch_remote_playlist(
                            &state, &search, None,
                        )
                        .await
                        {
                            Ok(id) => state.db.playlist_by_id(id).await?,
                            Err(e) => {
                                tracing::info!(url = %search, error = %e, "playlist lookup failed");
                                None
                            }
                        }
                    }
                    (None, None) => None,
                }
            }
        };
        let rows: Vec<PlaylistRow> = found
            .into_iter()
            .filter(|pl| core::visible_to(pl, IdKind::Uuid, user.as_ref()).is_ok())
            .collect();
        return Ok(page(rows.len() as i64, &rows, &state));
    }
    let host = match p.str("host").filter(|h| !h.is_empty()) {
        None => None,
        Some(h) if h == state.host => Some(None),
        Some(h) if valid_host(h) => Some(Some(h.to_string())),
        Some(h) => {
            return Err(ApiError::bad_param(
                "host",
                h,
                "Should have a valid host",
                ParamLocation::Query,
            ))
        }
    };
    let mut uuids = Vec::new();
    for u in p.all("uuids") {
        let parsed = uuid::Uuid::parse_str(u)
            .ok()
            .or_else(|| ferrotube_model::uuid_from_short(u));
        match parsed {
            Some(x) => uuids.push(x.to_string()),
            None => {
                return Err(ApiError::bad_param(
                    "uuids",
                    u,
                    "Should have valid uuids",
                    ParamLocation::Query,
                ))
            }
        }
    }
    let f = PlaylistFilter {
        privacies: vec![PLAYLIST_PUBLIC],
        search: (!search.is_empty()).then_some(search),
        host,
        uuids,
        ..Default::default()
    };
    let (total, rows) = state.db.list_playlists(&f, order, start, count).await?;
    Ok(page(total, &rows, &state))
}
