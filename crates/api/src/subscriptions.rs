//! A user's subscriptions (`/api/v1/users/me/subscriptions`): follows from the user's account
//! actor to channels, local or on other instances (`uri` = `channel@host`).

use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult, ParamLocation};
use crate::extract::Json;
use crate::extract::Path;
use crate::params::Params;
use crate::shapes::JsonViews;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use ferrotube_app::federation::actors::{account_actor, resolve_handle};
use ferrotube_app::Instance;
use ferrotube_db::federation::ActorRow;
use ferrotube_db::sort::{CreatedAtSort, Sort};
use serde::Deserialize;
use serde_json::{json, Value};

async fn my_actor(state: &Instance, user: &CurrentUser) -> ApiResult<ActorRow> {
    let account = state
        .db
        .account_by_id(user.0.account_id)
        .await?
        .ok_or_else(|| ApiError::internal("user without account"))?;
    Ok(account_actor(state, &account).await?)
}

/// `name`, `name@ourhost` or `name@otherhost` to the channel's actor (fetched when remote).
async fn channel_actor_for(state: &Instance, uri: &str, fetch: bool) -> ApiResult<ActorRow> {
    let uri = uri.trim().trim_start_matches('@');
    let local_name = match uri.split_once('@') {
        None => Some(uri),
        Some((name, host)) if host == state.host => Some(name),
        _ => None,
    };
    let actor = match local_name {
        Some(name) => {
            let c = state
                .db
                .channel_by_name(name)
                .await?
                .filter(|c| c.host.is_none())
                .ok_or_else(|| ApiError::not_found("Video channel not found"))?;
            ferrotube_app::federation::actors::channel_actor(state, &c).await?
        }
        None if fetch => resolve_handle(state, uri).await?,
        None => {
            let c = state
                .db
                .channel_by_name(uri)
                .await?
                .ok_or_else(|| ApiError::not_found("Subscription not found"))?;
            state
                .db
                .actor_of_channel(c.id)
                .await?
                .ok_or_else(|| ApiError::not_found("Subscription not found"))?
        }
    };
    if actor.channel_id.is_none() {
        return Err(ApiError::bad_request(format!(
            "{uri} is not a video channel"
        )));
    }
    Ok(actor)
}

async fn channel_json(state: &Instance, channel_id: i64) -> ApiResult<Value> {
    let c = state
        .db
        .channel_by_id(channel_id)
        .await?
        .ok_or_else(|| ApiError::not_found("Video channel not found"))?;
    let owner = state.db.account_by_id(c.account_id).await?;
    Ok(state.channel(&c, owner.as_ref()))
}

#[derive(Deserialize)]
pub struct SubscribeBody {
    uri: Option<String>,
}

pub async fn subscribe(
    State(state): State<Instance>,
    user: CurrentUser,
    Json(body): Json<SubscribeBody>,
) -> ApiResult<StatusCode> {
    let b = body;
    let uri = b.uri.unwrap_or_default();
    if uri.is_empty() || uri.len() > 300 {
        return Err(ApiError::bad_param(
            "uri",
            &uri,
            "Should have a valid uri",
            ParamLocation::Body,
        ));
    }
    let target = channel_actor_for(&state, &uri, true).await?;
    let me = my_actor(&state, &user).await?;
    ferrotube_app::federation::inbox::follow(&state, &me, &target).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn list(
    State(state): State<Instance>,
    user: CurrentUser,
    RawQuery(q): RawQuery,
) -> ApiResult<Json<Value>> {
    let p = Params::parse(q.as_deref());
    let (start, count) = p.pagination(15)?;
    p.sort(Sort::asc(CreatedAtSort::CreatedAt))?;
    let me = my_actor(&state, &user).await?;
    let (total, rows) = state.db.followed_channels(me.id, start, count).await?;
    let mut data = Vec::new();
    for (channel_id, _) in rows {
        data.push(channel_json(&state, channel_id).await?);
    }
    Ok(Json(json!({ "total": total, "data": data })))
}

pub async fn get(
    State(state): State<Instance>,
    user: CurrentUser,
    Path(handle): Path<String>,
) -> ApiResult<Json<Value>> {
    let target = channel_actor_for(&state, &handle, false).await?;
    let me = my_actor(&state, &user).await?;
    state
        .db
        .follow_between(me.id, target.id)
        .await?
        .ok_or_else(|| ApiError::not_found("Subscription not found"))?;
    let channel_id = target.channel_id.unwrap_or_default();
    Ok(Json(channel_json(&state, channel_id).await?))
}

pub async fn unsubscribe(
    State(state): State<Instance>,
    user: CurrentUser,
    Path(handle): Path<String>,
) -> ApiResult<StatusCode> {
    let target = channel_actor_for(&state, &handle, false).await?;
    let me = my_actor(&state, &user).await?;
    let f = state
        .db
        .follow_between(me.id, target.id)
        .await?
        .ok_or_else(|| ApiError::not_found("Subscription not found"))?;
    ferrotube_app::federation::inbox::unfollow(&state, &f, &me, &target).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /api/v1/users/me/subscriptions/exist?uris=a&uris=b` -> `{"a": true, "b": false}`.
pub async fn exist(
    State(state): State<Instance>,
    user: CurrentUser,
    RawQuery(q): RawQuery,
) -> ApiResult<Json<Value>> {
    let p = Params::parse(q.as_deref());
    let uris = p.all("uris");
    if uris.is_empty() {
        return Err(ApiError::bad_param(
            "uris",
            "",
            "Should have a valid uris array",
            ParamLocation::Query,
        ));
    }
    let me = my_actor(&state, &user).await?;
    let mut out = serde_json::Map::new();
    for uri in uris.into_iter().take(100) {
        let followed = match channel_actor_for(&state, uri, false).await {
            Ok(target) => state.db.follow_between(me.id, target.id).await?.is_some(),
            Err(_) => false,
        };
        out.insert(uri.to_string(), Value::Bool(followed));
    }
    Ok(Json(Value::Object(out)))
}

/// `GET /api/v1/users/me/subscriptions/videos`: the videos of the followed channels.
pub async fn videos(
    State(state): State<Instance>,
    user: CurrentUser,
    RawQuery(q): RawQuery,
) -> ApiResult<Response> {
    let p = Params::parse(q.as_deref());
    let me = my_actor(&state, &user).await?;
    let mut filter = crate::videos::filter_from(&p, Some(&user.0))?;
    filter.subscriber_actor_id = Some(me.id);
    let body = crate::videos::list_body_for(
        &state,
        &p,
        filter,
        false,
        Some(&user.0),
        ferrotube_db::sort::Sort::desc(ferrotube_db::sort::VideoSort::PublishedAt),
    )
    .await?;
    Ok(crate::videos::json_response(body.into()))
}
