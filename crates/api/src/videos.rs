//! Reading and editing videos: `/api/v1/videos...`, the lists of accounts and channels, ratings,
//! views. Privacy is decided here, once, in [`visible_to`], for every read path including files.

use crate::auth::{ClientIp, CurrentUser, MaybeUser};
use crate::error::{ApiError, ApiResult, ParamLocation};
use crate::extract::Json;
use crate::extract::Path;
use crate::params::Params;
use crate::shapes::JsonViews;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use ferrotube_app::videos::{find_video, is_moderator, parse_fields, visible_to, Rating};
use ferrotube_app::Instance;
use ferrotube_db::sort::{Sort, VideoSort};
use ferrotube_db::users::UserRow;
use ferrotube_db::videos::{VideoFilter, VideoRow};
use ferrotube_model::Privacy;
use serde::Deserialize;
use serde_json::{json, Value};

/// A list filter from PeerTube's common video query parameters.
pub fn filter_from(p: &Params, user: Option<&UserRow>) -> ApiResult<VideoFilter> {
    let mut f = VideoFilter {
        published_only: true,
        privacies: if user.is_some() { vec![1, 4] } else { vec![1] },
        muted_by_account_id: user.map(|u| u.account_id),
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
                    ParamLocation::Query,
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
    f.is_live = p.bool("isLive")?;
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
                ParamLocation::Query,
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
    state: &Instance,
    p: &Params,
    filter: VideoFilter,
    with_state: bool,
) -> ApiResult<Vec<u8>> {
    list_body_for(
        state,
        p,
        filter,
        with_state,
        None,
        Sort::desc(VideoSort::PublishedAt),
    )
    .await
}

/// [`list_body`] read by `reader` (each video they watched carries its `userHistory`), in
/// `default_sort` unless the query names one (a search lists the best match first).
pub async fn list_body_for(
    state: &Instance,
    p: &Params,
    filter: VideoFilter,
    with_state: bool,
    reader: Option<&UserRow>,
    default_sort: Sort<VideoSort>,
) -> ApiResult<Vec<u8>> {
    let (start, count) = p.pagination(15)?;
    let order = p.sort(default_sort)?;
    let skip_count = p.bool("skipCount")?.unwrap_or(false);
    let (total, rows) = state
        .db
        .list_videos(&filter, order, start, count, skip_count)
        .await?;
    let mut data: Vec<_> = rows.iter().map(|v| state.video(v, with_state)).collect();
    if let Some(u) = reader {
        let ids: Vec<i64> = rows.iter().map(|v| v.id).collect();
        let at = state.db.watch_positions(u.id, &ids).await?;
        for v in &mut data {
            v.user_history = at
                .get(&v.id)
                .map(|t| crate::shapes::UserHistory { current_time: *t });
        }
    }
    serde_json::to_vec(&Page { total, data: &data }).map_err(ApiError::internal)
}

pub async fn list_with(
    state: &Instance,
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
    state: &Instance,
    anonymous: bool,
    uri: &axum::http::Uri,
    compute: F,
) -> ApiResult<Response>
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = ApiResult<Vec<u8>>>,
{
    let key = uri.path_and_query().map(|p| p.as_str()).unwrap_or("");
    if !anonymous {
        let body: bytes::Bytes = compute().await?.into();
        return Ok(json_response(body));
    }
    if let Some(body) = state.cache.get(key) {
        return Ok(json_response(body));
    }
    // One reader computes a missing answer; the others wait and read it (see `app::cache`).
    let _filling = state.cache.fill_lock(key).await;
    if let Some(body) = state.cache.get(key) {
        return Ok(json_response(body));
    }
    let generation = state.cache.generation();
    let body: bytes::Bytes = compute().await?.into();
    state.cache.put(key, generation, body.clone());
    Ok(json_response(body))
}

pub async fn list(
    State(state): State<Instance>,
    MaybeUser(user): MaybeUser,
    uri: axum::http::Uri,
    RawQuery(q): RawQuery,
) -> ApiResult<Response> {
    cached(&state, user.is_none(), &uri, || async {
        let p = Params::parse(q.as_deref());
        let filter = filter_from(&p, user.as_ref())?;
        list_body_for(
            &state,
            &p,
            filter,
            false,
            user.as_ref(),
            Sort::desc(VideoSort::PublishedAt),
        )
        .await
    })
    .await
}

pub async fn get(
    State(state): State<Instance>,
    MaybeUser(user): MaybeUser,
    crate::auth::ClientIp(ip): crate::auth::ClientIp,
    crate::safety::VideoPasswordHeader(password): crate::safety::VideoPasswordHeader,
    uri: axum::http::Uri,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    // A read with a video password is never cached: the cache key is the URL alone.
    let anonymous = user.is_none() && password.is_none();
    cached(&state, anonymous, &uri, || async {
        let v =
            crate::safety::find_readable_video(&state, &id, user.as_ref(), password.as_deref(), ip)
                .await?;
        ferrotube_app::federation::outbox::refresh_if_stale(&state, &v).await;
        let mut answer = details(&state, &v).await?;
        if let Some(u) = user.as_ref() {
            crate::history::attach(&state, u, &v, &mut answer).await?;
        }
        serde_json::to_vec(&answer).map_err(ApiError::internal)
    })
    .await
}

pub async fn details(state: &Instance, v: &VideoRow) -> ApiResult<Value> {
    let tags = state.db.video_tags(v.id).await?;
    let files = state.db.video_files(v.id).await?;
    let playlist = state.db.video_playlist(v.id).await?;
    let mirrors = ferrotube_app::redundancy::mirror_urls(state, v.id).await?;
    // The video row already carries its channel and account (one join): only their actors'
    // follow counts are asked for.
    let (account_followers, account_following, channel_followers, channel_following) =
        state.db.follow_counts(v.account_id, v.channel_id).await?;
    let (account_avatars, channel_avatars, channel_banners) =
        state.db.actor_images_of(v.account_id, v.channel_id).await?;
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
        followers_count: account_followers,
        following_count: account_following,
        avatars: account_avatars,
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
        followers_count: channel_followers,
        following_count: channel_following,
        avatars: channel_avatars,
        banners: channel_banners,
    };
    let account_json = state.account(&account);
    let channel_json = state.channel(&channel, Some(&account));
    Ok(state.video_details(
        v,
        crate::shapes::DetailsParts {
            tags,
            files: &files,
            playlist: playlist.as_ref(),
            mirrors: &mirrors,
            account: account_json,
            channel: channel_json,
        },
    ))
}

pub async fn description(
    State(state): State<Instance>,
    MaybeUser(user): MaybeUser,
    crate::auth::ClientIp(ip): crate::auth::ClientIp,
    crate::safety::VideoPasswordHeader(password): crate::safety::VideoPasswordHeader,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let v = crate::safety::find_readable_video(&state, &id, user.as_ref(), password.as_deref(), ip)
        .await?;
    Ok(Json(json!({ "description": v.description })))
}

pub async fn file_metadata(
    State(state): State<Instance>,
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
            ParamLocation::Params,
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

/// `PUT /videos/{id}`: JSON, or multipart/form-data as PeerTube's clients send it (with optional
/// `thumbnailfile` / `previewfile`).
pub async fn update(
    State(state): State<Instance>,
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
        (parse_fields(&form.fields)?, Some(form))
    } else {
        let Json(raw) = Json::<serde_json::Map<String, Value>>::from_request(req, &state).await?;
        (parse_fields(&raw)?, None)
    };
    let v = find_video(&state, &id).await?;
    let images = form
        .as_ref()
        .map(|f| (f.thumbnail.as_deref(), f.preview.as_deref()));
    let (thumbnail, preview) = images.unwrap_or((None, None));
    ferrotube_app::videos::update(&state, &user, &v, &f, thumbnail, preview).await?;
    crate::audit::record(
        &state,
        &user,
        "videos",
        "update",
        json!({ "id": v.id, "uuid": v.uuid }),
    )
    .await;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn delete(
    State(state): State<Instance>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let v = find_video(&state, &id).await?;
    ferrotube_app::videos::delete(&state, &user, &v).await?;
    crate::audit::record(
        &state,
        &user,
        "videos",
        "delete",
        json!({ "id": v.id, "uuid": v.uuid, "name": v.name }),
    )
    .await;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn add_view(
    State(state): State<Instance>,
    MaybeUser(user): MaybeUser,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
    body: bytes::Bytes,
) -> ApiResult<StatusCode> {
    // `currentTime` (PeerTube's view body) is also the signed-in viewer's progress.
    let current_time = if body.iter().all(u8::is_ascii_whitespace) {
        None
    } else {
        let b: Value = serde_json::from_slice(&body)
            .map_err(|e| ApiError::bad_request(format!("Invalid JSON body: {e}")))?;
        crate::history::current_time_of(&b)?
    };
    let v = find_video(&state, &id).await?;
    ferrotube_app::videos::add_view(&state, user.as_ref(), ip, &v).await?;
    if let (Some(u), Some(t)) = (user.as_ref(), current_time) {
        ferrotube_app::history::record(&state, u, &v, t).await?;
    }
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
pub struct RateBody {
    rating: Option<String>,
}

pub async fn rate(
    State(state): State<Instance>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
    Json(body): Json<RateBody>,
) -> ApiResult<StatusCode> {
    let rating = match body.rating.as_deref().unwrap_or_default() {
        "like" => Some(Rating::Like),
        "dislike" => Some(Rating::Dislike),
        "none" => None,
        other => {
            return Err(ApiError::bad_param(
                "rating",
                other,
                "Should have a valid rate type",
                ParamLocation::Body,
            ))
        }
    };
    let v = find_video(&state, &id).await?;
    ferrotube_app::videos::rate(&state, &user, &v, rating).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn my_rating(
    State(state): State<Instance>,
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
    State(state): State<Instance>,
    CurrentUser(user): CurrentUser,
    RawQuery(q): RawQuery,
) -> ApiResult<Json<Value>> {
    let p = Params::parse(q.as_deref());
    let mut filter = VideoFilter {
        account_id: Some(user.account_id),
        // An owner sees their blocked videos in their own list (marked `blacklisted`).
        include_blacklisted: true,
        ..Default::default()
    };
    if let Some(s) = p.str("search").filter(|s| !s.is_empty()) {
        filter.search = Some(s.to_string());
    }
    let (start, count) = p.pagination(15)?;
    let order = p.sort(Sort::desc(VideoSort::CreatedAt))?;
    let (total, rows) = state
        .db
        .list_videos(&filter, order, start, count, false)
        .await?;
    // PeerTube's owner list carries each video's block (`blacklisted`, `blacklistedReason`).
    let mut data = Vec::with_capacity(rows.len());
    for v in &rows {
        let mut o = serde_json::to_value(state.video(v, true))
            .map_err(|e| ApiError::internal(e.to_string()))?;
        if let Some(m) = o.as_object_mut() {
            m.insert("blacklisted".into(), json!(v.blacklisted));
            m.insert("blacklistedReason".into(), json!(v.blacklist_reason));
        }
        data.push(o);
    }
    Ok(Json(json!({ "total": total, "data": data })))
}

pub async fn not_found_response() -> Response {
    ApiError::not_found("Not found").into_response()
}
