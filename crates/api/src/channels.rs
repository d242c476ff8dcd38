//! Channels (`/video-channels`) and accounts (`/accounts`).

use crate::auth::{CurrentUser, MaybeUser};
use crate::error::{ApiError, ApiResult, ParamLocation};
use crate::extract::Json;
use crate::extract::Path;
use crate::params::Params;
use crate::shapes::JsonViews;
use crate::videos::{filter_from, list_with};
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use ferrotube_app::channels::ChannelChanges;
use ferrotube_app::videos::present_or_null;
use ferrotube_app::Instance;
use ferrotube_db::accounts::{AccountRow, ChannelRow};
use ferrotube_db::sort::{ChannelSort, Direction, Sort};
use ferrotube_model::timefmt::now_ms;
use ferrotube_model::validate;
use serde::Deserialize;
use serde_json::{json, Value};

/// The name an account or channel is stored under: `name` and `name@our host` are ours,
/// `name@host` (host with its port, as PeerTube writes it) a remote one known here, stored
/// under that handle.
pub(crate) fn stored_name<'a>(state: &Instance, handle: &'a str) -> &'a str {
    let handle = handle.trim_end_matches('/').trim_start_matches('@');
    match handle.split_once('@') {
        Some((name, host)) if host == state.host => name,
        _ => handle,
    }
}

/// A channel, ours or a remote one known here.
pub(crate) async fn channel_by_handle(state: &Instance, handle: &str) -> ApiResult<ChannelRow> {
    state
        .db
        .channel_by_name(stored_name(state, handle))
        .await?
        .ok_or_else(|| ApiError::not_found("Video channel not found"))
}

/// One of our channels: a remote one is changed at its origin, not here.
pub(crate) async fn local_channel_by_handle(
    state: &Instance,
    handle: &str,
) -> ApiResult<ChannelRow> {
    let c = channel_by_handle(state, handle).await?;
    match c.host {
        None => Ok(c),
        Some(_) => Err(ApiError::not_found("Video channel not found")),
    }
}

/// An account, ours or a remote one known here.
pub(crate) async fn account_by_handle(state: &Instance, handle: &str) -> ApiResult<AccountRow> {
    state
        .db
        .account_by_name(stored_name(state, handle))
        .await?
        .ok_or_else(|| ApiError::not_found("Account not found"))
}

async fn channels_json(state: &Instance, rows: &[ChannelRow]) -> ApiResult<Vec<Value>> {
    let mut ids: Vec<i64> = rows.iter().map(|c| c.account_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let accounts = state.db.accounts_by_ids(&ids).await?;
    Ok(rows
        .iter()
        .map(|c| state.channel(c, accounts.iter().find(|a| a.id == c.account_id)))
        .collect())
}

pub async fn list(State(state): State<Instance>, RawQuery(q): RawQuery) -> ApiResult<Json<Value>> {
    let p = Params::parse(q.as_deref());
    let (start, count) = p.pagination(15)?;
    let order = p.sort(Sort::asc(ChannelSort::CreatedAt))?;
    let (total, rows) = state.db.list_channels(start, count, order).await?;
    Ok(Json(
        json!({ "total": total, "data": channels_json(&state, &rows).await? }),
    ))
}

pub async fn get(
    State(state): State<Instance>,
    Path(handle): Path<String>,
) -> ApiResult<Json<Value>> {
    let c = channel_by_handle(&state, &handle).await?;
    let owner = state.db.account_by_id(c.account_id).await?;
    Ok(Json(state.channel(&c, owner.as_ref())))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChannelBody {
    name: Option<String>,
    display_name: Option<String>,
    #[serde(default, deserialize_with = "present_or_null")]
    description: Option<Option<String>>,
    #[serde(default, deserialize_with = "present_or_null")]
    support: Option<Option<String>>,
}

fn check_texts(b: &ChannelBody) -> ApiResult<()> {
    if let Some(d) = &b.display_name {
        validate::display_name("displayName", d)?;
    }
    if let Some(Some(d)) = &b.description {
        if !(3..=1000).contains(&d.chars().count()) {
            return Err(ApiError::bad_param(
                "description",
                "",
                "Should have a description between 3 and 1000 characters long",
                ParamLocation::Body,
            ));
        }
    }
    if let Some(Some(s)) = &b.support {
        validate::video_support(s)?;
    }
    Ok(())
}

pub async fn create(
    State(state): State<Instance>,
    CurrentUser(user): CurrentUser,
    Json(b): Json<ChannelBody>,
) -> ApiResult<Json<Value>> {
    let Some(name) = b.name.as_deref() else {
        return Err(ApiError::bad_param(
            "name",
            "",
            "Should have a valid channel name",
            ParamLocation::Body,
        ));
    };
    validate::channel_name(name)?;
    let Some(display_name) = b.display_name.as_deref() else {
        return Err(ApiError::bad_param(
            "displayName",
            "",
            "Should have a display name",
            ParamLocation::Body,
        ));
    };
    check_texts(&b)?;
    if state.db.count_channels_of_account(user.account_id).await? >= 20 {
        return Err(ApiError::bad_request(
            "You cannot create more than 20 channels",
        ));
    }
    if state.db.actor_name_taken(name).await? {
        return Err(ApiError::conflict(
            "Cannot use this name: an account or a channel already has it.",
        ));
    }
    let id = state
        .db
        .create_channel(
            user.account_id,
            name,
            display_name.trim(),
            b.description.clone().flatten().as_deref(),
            b.support.clone().flatten().as_deref(),
            now_ms(),
        )
        .await?;
    crate::audit::record(
        &state,
        &user,
        "channels",
        "create",
        json!({ "id": id, "name": name }),
    )
    .await;
    Ok(Json(json!({ "videoChannel": { "id": id } })))
}

pub async fn update(
    State(state): State<Instance>,
    user: CurrentUser,
    Path(handle): Path<String>,
    Json(b): Json<ChannelBody>,
) -> ApiResult<StatusCode> {
    check_texts(&b)?;
    let c = local_channel_by_handle(&state, &handle).await?;
    let detail = json!({ "id": c.id, "name": c.name });
    let changes = ChannelChanges {
        display_name: b.display_name,
        description: b.description,
        support: b.support,
    };
    ferrotube_app::channels::update(&state, &user.0, c, changes).await?;
    crate::audit::record(&state, &user.0, "channels", "update", detail).await;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn delete(
    State(state): State<Instance>,
    user: CurrentUser,
    Path(handle): Path<String>,
) -> ApiResult<StatusCode> {
    let c = local_channel_by_handle(&state, &handle).await?;
    ferrotube_app::channels::delete(&state, &user.0, &c).await?;
    crate::audit::record(
        &state,
        &user.0,
        "channels",
        "delete",
        json!({ "id": c.id, "name": c.name }),
    )
    .await;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn videos(
    State(state): State<Instance>,
    MaybeUser(user): MaybeUser,
    Path(handle): Path<String>,
    RawQuery(q): RawQuery,
) -> ApiResult<axum::response::Response> {
    let c = channel_by_handle(&state, &handle).await?;
    let p = Params::parse(q.as_deref());
    let mut f = filter_from(&p, user.as_ref())?;
    f.channel_id = Some(c.id);
    list_with(&state, &p, f, false).await
}

pub async fn account(
    State(state): State<Instance>,
    Path(handle): Path<String>,
) -> ApiResult<Json<Value>> {
    let a = account_by_handle(&state, &handle).await?;
    Ok(Json(state.account(&a)))
}

pub async fn account_videos(
    State(state): State<Instance>,
    MaybeUser(user): MaybeUser,
    Path(handle): Path<String>,
    RawQuery(q): RawQuery,
) -> ApiResult<axum::response::Response> {
    let a = account_by_handle(&state, &handle).await?;
    let p = Params::parse(q.as_deref());
    let mut f = filter_from(&p, user.as_ref())?;
    f.account_id = Some(a.id);
    list_with(&state, &p, f, false).await
}

pub async fn account_channels(
    State(state): State<Instance>,
    Path(handle): Path<String>,
    RawQuery(q): RawQuery,
) -> ApiResult<Json<Value>> {
    let a = account_by_handle(&state, &handle).await?;
    let p = Params::parse(q.as_deref());
    let (start, count) = p.pagination(15)?;
    let order = p.sort(Sort::asc(ChannelSort::Id))?;
    let mut rows = state.db.channels_of_account(a.id).await?;
    // An account has a handful of channels: sorted here rather than by another statement.
    match order.key {
        ChannelSort::Name => rows.sort_by(|x, y| x.name.cmp(&y.name)),
        ChannelSort::UpdatedAt => rows.sort_by_key(|c| c.updated_at),
        ChannelSort::CreatedAt => rows.sort_by_key(|c| c.created_at),
        ChannelSort::Id => rows.sort_by_key(|c| c.id),
    }
    if order.direction == Direction::Desc {
        rows.reverse();
    }
    let total = rows.len() as i64;
    let page: Vec<ChannelRow> = rows
        .into_iter()
        .skip(start as usize)
        .take(count as usize)
        .collect();
    Ok(Json(
        json!({ "total": total, "data": channels_json(&state, &page).await? }),
    ))
}
