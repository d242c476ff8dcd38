//! Reading and editing videos: `/api/v1/videos...`, the lists of accounts and channels, ratings,
//! views. Privacy is decided here, once, in [`visible_to`], for every read path including files.

use crate::auth::{ClientIp, CurrentUser, MaybeUser};
use crate::error::{ApiError, ApiResult};
use crate::params::Params;
use crate::state::AppState;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use ferrotube_db::users::UserRow;
use ferrotube_db::videos::{VideoFilter, VideoRow, VideoUpdate};
use ferrotube_model::timefmt::{now_ms, parse_iso};
use ferrotube_model::{uuid_from_short, validate, Privacy, UserRole, VideoState};
use serde::Deserialize;
use serde_json::{json, Value};

pub const VIDEO_SORTS: &[(&str, &str)] = &[
    ("name", "v.name, v.id"),
    ("duration", "v.duration, v.id"),
    ("createdAt", "v.created_at, v.id"),
    ("publishedAt", "v.published_at, v.id"),
    (
        "originallyPublishedAt",
        "COALESCE(v.originally_published_at, v.published_at), v.id",
    ),
    ("views", "v.views, v.id"),
    ("likes", "v.likes, v.id"),
    ("trending", "v.views, v.id"),
    ("hot", "v.views, v.id"),
    ("best", "v.likes, v.id"),
    ("match", "v.published_at, v.id"),
];

pub fn is_owner(v: &VideoRow, user: Option<&UserRow>) -> bool {
    user.is_some_and(|u| v.account_user_id == Some(u.id))
}

fn is_moderator(user: Option<&UserRow>) -> bool {
    user.and_then(|u| UserRole::from_id(u.role))
        .is_some_and(UserRole::moderates_videos)
}

/// Whether `user` (None: anonymous) may read `v` and its files. `Err` carries the status to answer.
pub fn visible_to(v: &VideoRow, user: Option<&UserRow>) -> ApiResult<()> {
    if is_owner(v, user) || is_moderator(user) {
        return Ok(());
    }
    let privacy = Privacy::from_id(v.privacy).unwrap_or(Privacy::Private);
    match privacy {
        Privacy::Public | Privacy::Unlisted => {}
        Privacy::Internal if user.is_some() => {}
        _ if user.is_none() => {
            return Err(ApiError::unauthorized(
                "Cannot get this video without authentication",
            ))
        }
        _ => return Err(ApiError::forbidden("Cannot get this private video")),
    }
    let playable = v.state == VideoState::Published.id()
        || (v.state == VideoState::ToTranscode.id() && !v.wait_transcoding);
    if !playable {
        return Err(ApiError::forbidden(
            "Cannot get this video: it is not published yet",
        ));
    }
    Ok(())
}

/// Resolves `{id}` as PeerTube does: numeric id, uuid, or shortUUID (a trailing slash is fine).
pub async fn find_video(state: &AppState, id: &str) -> ApiResult<VideoRow> {
    let id = id.trim_end_matches('/');
    let found = if let Ok(n) = id.parse::<i64>() {
        state.db.video_by_id(n).await?
    } else if let Ok(u) = uuid::Uuid::parse_str(id) {
        state.db.video_by_uuid(&u.to_string()).await?
    } else if let Some(u) = uuid_from_short(id) {
        state.db.video_by_uuid(&u.to_string()).await?
    } else {
        return Err(ApiError::bad_param(
            "id",
            id,
            "Should have a valid id",
            "params",
        ));
    };
    found.ok_or_else(|| ApiError::not_found("Video not found"))
}

/// A list filter from PeerTube's common video query parameters.
pub fn filter_from(p: &Params, user: Option<&UserRow>) -> ApiResult<VideoFilter> {
    let mut f = VideoFilter {
        published_only: true,
        privacies: if user.is_some() { vec![1, 4] } else { vec![1] },
        ..Default::default()
    };
    if let Some(n) = p.str("nsfw") {
        f.nsfw = match n {
            "true" => Some(true),
            "false" => Some(false),
            "both" | "" => None,
            other => {
                return Err(ApiError::bad_param(
                    "nsfw",
                    other,
                    "Should have a valid NSFW attribute",
                    "query",
                ))
            }
        };
    }
    f.category_one_of = p.ints("categoryOneOf")?;
    f.licence_one_of = p.ints("licenceOneOf")?;
    f.language_one_of = p
        .all("languageOneOf")
        .into_iter()
        .map(str::to_string)
        .collect();
    f.tags_one_of = p.all("tagsOneOf").into_iter().map(str::to_string).collect();
    f.tags_all_of = p.all("tagsAllOf").into_iter().map(str::to_string).collect();
    f.has_hls_files = p.bool("hasHLSFiles")?;
    f.has_web_video_files = p.bool("hasWebVideoFiles")?;
    f.is_local = p.bool("isLocal")?;
    p.bool("skipCount")?;
    if p.bool("isLive")? == Some(true) {
        f.is_local = Some(false); // no lives yet: an empty list, not an error
    }
    let privacies = p.ints("privacyOneOf")?;
    if !privacies.is_empty() {
        if !is_moderator(user) {
            return Err(ApiError::unauthorized(
                "Only moderators can filter by privacy",
            ));
        }
        if privacies.iter().any(|p| Privacy::from_id(*p).is_none()) {
            return Err(ApiError::bad_param(
                "privacyOneOf",
                "",
                "Should have a valid privacy",
                "query",
            ));
        }
        f.privacies = privacies;
    }
    if let Some(s) = p.str("search").filter(|s| !s.is_empty()) {
        f.search = Some(s.to_string());
    }
    Ok(f)
}

#[derive(serde::Serialize)]
struct Page<'a, T: serde::Serialize> {
    total: i64,
    data: &'a [T],
}

/// A `{total, data}` page of videos, serialised straight to bytes.
pub async fn list_body(
    state: &AppState,
    p: &Params,
    filter: VideoFilter,
    with_state: bool,
) -> ApiResult<Vec<u8>> {
    let (start, count) = p.pagination(15)?;
    let order = p.sort(VIDEO_SORTS, "v.published_at DESC, v.id DESC")?;
    let skip_count = p.bool("skipCount")?.unwrap_or(false);
    let (total, rows) = state
        .db
        .list_videos(&filter, &order, start, count, skip_count)
        .await?;
    let data: Vec<_> = rows.iter().map(|v| state.video(v, with_state)).collect();
    serde_json::to_vec(&Page { total, data: &data }).map_err(ApiError::internal)
}

pub async fn list_with(
    state: &AppState,
    p: &Params,
    filter: VideoFilter,
    with_state: bool,
) -> ApiResult<Response> {
    Ok(json_response(
        list_body(state, p, filter, with_state).await?.into(),
    ))
}

pub fn json_response(body: bytes::Bytes) -> Response {
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "application/json; charset=utf-8",
        )],
        body,
    )
        .into_response()
}

/// Serves an anonymous read from the public cache when it can; signed-in reads are never cached
/// (they may include private and internal videos).
async fn cached<F, Fut>(
    state: &AppState,
    anonymous: bool,
    uri: &axum::http::Uri,
    compute: F,
) -> ApiResult<Response>
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = ApiResult<Vec<u8>>>,
{
    let key = uri.path_and_query().map(|p| p.as_str()).unwrap_or("");
    if anonymous {
        if let Some(body) = state.cache.get(key) {
            return Ok(json_response(body));
        }
    }
    let generation = state.cache.generation();
    let body: bytes::Bytes = compute().await?.into();
    if anonymous {
        state.cache.put(key, generation, body.clone());
    }
    Ok(json_response(body))
}

pub async fn list(
    State(state): State<AppState>,
    MaybeUser(user): MaybeUser,
    uri: axum::http::Uri,
    RawQuery(q): RawQuery,
) -> ApiResult<Response> {
    cached(&state, user.is_none(), &uri, || async {
        let p = Params::parse(q.as_deref());
        let filter = filter_from(&p, user.as_ref())?;
        list_body(&state, &p, filter, false).await
    })
    .await
}

pub async fn get(
    State(state): State<AppState>,
    MaybeUser(user): MaybeUser,
    uri: axum::http::Uri,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    cached(&state, user.is_none(), &uri, || async {
        let v = find_video(&state, &id).await?;
        visible_to(&v, user.as_ref())?;
        crate::federation::deliver::refresh_if_stale(&state, &v).await;
        serde_json::to_vec(&details(&state, &v).await?).map_err(ApiError::internal)
    })
    .await
}

pub async fn details(state: &AppState, v: &VideoRow) -> ApiResult<Value> {
    let tags = state.db.video_tags(v.id).await?;
    let files = state.db.video_files(v.id).await?;
    let playlist = state.db.video_playlist(v.id).await?;
    // The video row already carries its channel and account (one join), no need to ask again.
    let account = ferrotube_db::accounts::AccountRow {
        id: v.account_id,
        user_id: v.account_user_id,
        name: v.account_name.clone(),
        display_name: v.account_display_name.clone(),
        description: v.account_description.clone(),
        created_at: v.account_created_at,
        updated_at: v.account_updated_at,
        host: v.account_host.clone(),
        actor_url: v.account_actor_url.clone(),
    };
    let channel = ferrotube_db::accounts::ChannelRow {
        id: v.channel_id,
        account_id: v.account_id,
        name: v.channel_name.clone(),
        display_name: v.channel_display_name.clone(),
        description: v.channel_description.clone(),
        support: v.channel_support.clone(),
        created_at: v.channel_created_at,
        updated_at: v.channel_updated_at,
        host: v.channel_host.clone(),
        actor_url: v.channel_actor_url.clone(),
    };
    let account_json = state.account(&account);
    let channel_json = state.channel(&channel, Some(&account));
    Ok(state.video_details(
        v,
        tags,
        &files,
        playlist.as_ref(),
        account_json,
        channel_json,
    ))
}

pub async fn description(
    State(state): State<AppState>,
    MaybeUser(user): MaybeUser,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let v = find_video(&state, &id).await?;
    visible_to(&v, user.as_ref())?;
    Ok(Json(json!({ "description": v.description })))
}

pub async fn file_metadata(
    State(state): State<AppState>,
    MaybeUser(user): MaybeUser,
    Path((id, file_id)): Path<(String, String)>,
) -> ApiResult<Json<Value>> {
    let v = find_video(&state, &id).await?;
    visible_to(&v, user.as_ref())?;
    let file_id: i64 = file_id.parse().map_err(|_| {
        ApiError::bad_param(
            "videoFileId",
            &file_id,
            "Should have a valid file id",
            "params",
        )
    })?;
    match state.db.video_file(file_id).await? {
        Some((f, meta)) if f.video_id == v.id => Ok(Json(
            meta.and_then(|m| serde_json::from_str(&m).ok())
                .unwrap_or_else(|| json!({})),
        )),
        _ => Err(ApiError::not_found("Video file metadata not found")),
    }
}

/// Checks that `user` may change `v` (owner, or a moderator).
pub fn can_manage(v: &VideoRow, user: &UserRow) -> ApiResult<()> {
    if is_owner(v, Some(user)) || is_moderator(Some(user)) {
        Ok(())
    } else {
        Err(ApiError::forbidden("Cannot manage a video of another user"))
    }
}

/// The body of `PUT /videos/{id}` (JSON or multipart fields, already collected).
#[derive(Deserialize, Default, Debug)]
#[serde(rename_all = "camelCase")]
pub struct VideoFields {
    pub name: Option<String>,
    pub channel_id: Option<i64>,
    pub privacy: Option<i64>,
    pub category: Option<Option<i64>>,
    pub licence: Option<Option<i64>>,
    pub language: Option<Option<String>>,
    pub description: Option<Option<String>>,
    pub support: Option<Option<String>>,
    pub tags: Option<Vec<String>>,
    pub nsfw: Option<bool>,
    pub comments_enabled: Option<bool>,
    pub comments_policy: Option<i64>,
    pub download_enabled: Option<bool>,
    pub wait_transcoding: Option<bool>,
    pub originally_published_at: Option<Option<String>>,
}

impl VideoFields {
    /// Validates every present field with PeerTube's rules.
    pub fn validate(&self) -> ApiResult<()> {
        if let Some(n) = &self.name {
            validate::video_name(n)?;
        }
        if let Some(Some(c)) = self.category {
            validate::category(c)?;
        }
        if let Some(Some(l)) = self.licence {
            validate::licence(l)?;
        }
        if let Some(Some(l)) = &self.language {
            validate::language(l)?;
        }
        if let Some(Some(d)) = &self.description {
            validate::video_description(d)?;
        }
        if let Some(Some(s)) = &self.support {
            validate::video_support(s)?;
        }
        if let Some(t) = &self.tags {
            validate::tags(t)?;
        }
        if let Some(p) = self.privacy {
            if Privacy::from_id(p).is_none() || p == Privacy::PasswordProtected.id() {
                return Err(ApiError::bad_param(
                    "privacy",
                    &p.to_string(),
                    "Should have a valid privacy",
                    "body",
                ));
            }
        }
        if let Some(c) = self.comments_policy {
            if ferrotube_model::CommentsPolicy::from_id(c).is_none() {
                return Err(ApiError::bad_param(
                    "commentsPolicy",
                    &c.to_string(),
                    "Should have a valid comments policy",
                    "body",
                ));
            }
        }
        if let Some(Some(d)) = &self.originally_published_at {
            if parse_iso(d).is_none() {
                return Err(ApiError::bad_param(
                    "originallyPublishedAt",
                    d,
                    "Should have a valid original publication date",
                    "body",
                ));
            }
        }
        Ok(())
    }

    pub fn comments_policy_id(&self) -> Option<i64> {
        self.comments_policy
            .or(self.comments_enabled.map(|e| if e { 1 } else { 2 }))
    }
}

/// Checks that `channel_id` is one of `user`'s channels.
pub async fn owned_channel(state: &AppState, user: &UserRow, channel_id: i64) -> ApiResult<()> {
    match state.db.channel_by_id(channel_id).await? {
        Some(c) if c.account_id == user.account_id => Ok(()),
        Some(_) => Err(ApiError::forbidden("Cannot use a channel of another user")),
        None => Err(ApiError::bad_param(
            "channelId",
            &channel_id.to_string(),
            "Should have correct video channel id",
            "body",
        )),
    }
}

/// `PUT /videos/{id}`: JSON, or multipart/form-data as PeerTube's clients send it (with optional
/// `thumbnailfile` / `previewfile`).
pub async fn update(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
    req: axum::extract::Request,
) -> ApiResult<StatusCode> {
    use axum::extract::FromRequest;
    let is_multipart = req
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    let (f, form) = if is_multipart {
        let mp = axum::extract::Multipart::from_request(req, &state)
            .await
            .map_err(|e| {
                ApiError::bad_request(format!("Malformed multipart body: {}", e.body_text()))
            })?;
        let form = crate::upload::read_multipart(&state, mp).await?;
        (crate::upload::parse_fields(&form.fields)?, Some(form))
    } else {
        let Json(raw) = Json::<serde_json::Map<String, Value>>::from_request(req, &state)
            .await
            .map_err(|e| ApiError::bad_request(format!("Invalid JSON body: {}", e.body_text())))?;
        (crate::upload::parse_fields(&raw)?, None)
    };
    f.validate()?;
    let v = find_video(&state, &id).await?;
    can_manage(&v, &user)?;
    if !v.is_local() {
        return Err(ApiError::forbidden(
            "Cannot update a video of another instance",
        ));
    }
    if let Some(c) = f.channel_id {
        owned_channel(&state, &user, c).await?;
    }
    let now = now_ms();
    let update = VideoUpdate {
        name: f.name.clone(),
        description: f.description.clone(),
        support: f.support.clone(),
        category: f.category,
        licence: f.licence,
        language: f.language.clone(),
        privacy: f.privacy,
        nsfw: f.nsfw,
        comments_policy: f.comments_policy_id(),
        download_enabled: f.download_enabled,
        wait_transcoding: f.wait_transcoding,
        originally_published_at: f
            .originally_published_at
            .as_ref()
            .map(|o| o.as_deref().and_then(parse_iso)),
        channel_id: f.channel_id,
        tags: f.tags.clone(),
        ..Default::default()
    };
    state.db.update_video(v.id, &update, now).await?;
    if let Some(form) = &form {
        crate::upload::apply_custom_images(&state, v.id, form).await?;
    }
    state.videos_changed();
    crate::federation::deliver::video_changed(&state, v.id, false).await;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn delete(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let v = find_video(&state, &id).await?;
    can_manage(&v, &user)?;
    let files = state.db.video_files(v.id).await?;
    // The Delete is queued before the rows go: its audience is read from them.
    crate::federation::deliver::video_deleted(&state, &v).await;
    state.db.delete_video(v.id).await?;
    state.videos_changed();
    if v.is_local() {
        crate::processing::remove_video_files(&state, &v, &files).await;
    }
    Ok(StatusCode::NO_CONTENT)
}

pub async fn add_view(
    State(state): State<AppState>,
    MaybeUser(user): MaybeUser,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let v = find_video(&state, &id).await?;
    visible_to(&v, user.as_ref())?;
    if state.first_view(ip, v.id) {
        if v.is_local() {
            state.db.add_view(v.id).await?;
        } else {
            // Views are counted at the origin, which federates the new count back.
            crate::federation::deliver::view_remote_video(&state, &v).await;
        }
    }
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
pub struct RateBody {
    rating: Option<String>,
}

pub async fn rate(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
    body: Result<Json<RateBody>, axum::extract::rejection::JsonRejection>,
) -> ApiResult<StatusCode> {
    let Json(b) =
        body.map_err(|e| ApiError::bad_request(format!("Invalid JSON body: {}", e.body_text())))?;
    let rating = b.rating.unwrap_or_default();
    let rate = match rating.as_str() {
        "like" => Some("like"),
        "dislike" => Some("dislike"),
        "none" => None,
        other => {
            return Err(ApiError::bad_param(
                "rating",
                other,
                "Should have a valid rate type",
                "body",
            ))
        }
    };
    let v = find_video(&state, &id).await?;
    visible_to(&v, Some(&user))?;
    let before = state.db.rate_of(user.account_id, v.id).await?;
    state
        .db
        .set_rate(user.account_id, v.id, rate, now_ms())
        .await?;
    state.videos_changed();
    if !v.is_local() && before.as_deref() != rate {
        crate::federation::deliver::rate_remote_video(
            &state,
            &v,
            user.account_id,
            before.as_deref(),
            rate,
        )
        .await;
    }
    Ok(StatusCode::NO_CONTENT)
}

pub async fn my_rating(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let v = find_video(&state, &id).await?;
    let rating = state
        .db
        .rate_of(user.account_id, v.id)
        .await?
        .unwrap_or_else(|| "none".into());
    Ok(Json(json!({ "videoId": v.id, "rating": rating })))
}

fn id_label_map(map: impl Iterator<Item = (String, String)>) -> Json<Value> {
    Json(Value::Object(
        map.map(|(k, v)| (k, Value::String(v))).collect(),
    ))
}

pub async fn categories() -> Json<Value> {
    id_label_map(
        ferrotube_model::constants::categories()
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone())),
    )
}

pub async fn licences() -> Json<Value> {
    id_label_map(
        ferrotube_model::constants::licences()
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone())),
    )
}

pub async fn privacies() -> Json<Value> {
    id_label_map(
        ferrotube_model::constants::privacies()
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone())),
    )
}

pub async fn languages() -> Json<Value> {
    id_label_map(
        ferrotube_model::constants::LANGUAGES
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string())),
    )
}

/// `GET /users/me/videos`: all of my videos, whatever their privacy and state.
pub async fn my_videos(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    RawQuery(q): RawQuery,
) -> ApiResult<Json<Value>> {
    let p = Params::parse(q.as_deref());
    let mut filter = VideoFilter {
        account_id: Some(user.account_id),
        ..Default::default()
    };
    if let Some(s) = p.str("search").filter(|s| !s.is_empty()) {
        filter.search = Some(s.to_string());
    }
    let (start, count) = p.pagination(15)?;
    let order = p.sort(VIDEO_SORTS, "v.created_at DESC, v.id DESC")?;
    let (total, rows) = state
        .db
        .list_videos(&filter, &order, start, count, false)
        .await?;
    let data: Vec<_> = rows.iter().map(|v| state.video(v, true)).collect();
    Ok(Json(json!({ "total": total, "data": data })))
}

pub async fn not_found_response() -> Response {
    ApiError::not_found("Not found").into_response()
}
