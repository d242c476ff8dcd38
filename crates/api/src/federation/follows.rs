//! PeerTube's admin API for instance follows (`/api/v1/server/following`, `/followers`) and the
//! server blocklist.

use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult, ParamLocation};
use crate::extract::Json;
use crate::extract::Path;
use crate::params::Params;
use crate::shapes::JsonViews;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use ferrotube_app::federation::actors::{instance_actor, resolve_handle};
use ferrotube_app::federation::inbox::{answer_follow, follow, follow_activity_id, unfollow};
use ferrotube_app::Instance;
use ferrotube_db::federation::{ActorRow, FollowRow, FOLLOW_ACCEPTED};
use ferrotube_db::sort::{CreatedAtSort, Sort};
use ferrotube_federation::vocab::activity::ActivityKind;
use ferrotube_model::timefmt::{iso, now_ms};
use ferrotube_model::UserRole;
use serde::Deserialize;
use serde_json::{json, Value};

/// `redundancy_hosts`: the hosts we may mirror (`hostRedundancyAllowed`).
fn actor_summary(state: &Instance, a: &ActorRow, redundancy_hosts: &[String]) -> Value {
    let host = a.host.clone().unwrap_or_else(|| state.host.clone());
    json!({
        "id": a.id,
        "url": a.url,
        "name": a.username,
        "hostRedundancyAllowed": redundancy_hosts.contains(&host),
        "host": host,
        "followingCount": 0,
        "followersCount": 0,
        "avatars": [],
        "createdAt": iso(a.created_at),
        "updatedAt": iso(a.fetched_at),
    })
}

async fn follow_json(
    state: &Instance,
    f: &FollowRow,
    redundancy_hosts: &[String],
) -> ApiResult<Value> {
    let follower = state.db.actor_by_id(f.follower_id).await?;
    let following = state.db.actor_by_id(f.following_id).await?;
    let (Some(follower), Some(following)) = (follower, following) else {
        return Err(ApiError::internal("follow without its actors"));
    };
    Ok(json!({
        "id": f.id,
        "follower": actor_summary(state, &follower, redundancy_hosts),
        "following": actor_summary(state, &following, redundancy_hosts),
        "score": 20,
        "state": f.state,
        "createdAt": iso(f.created_at),
        "updatedAt": iso(f.updated_at),
    }))
}

#[derive(Deserialize)]
pub struct FollowBody {
    #[serde(default)]
    hosts: Vec<String>,
    #[serde(default)]
    handles: Vec<String>,
}

pub(crate) fn valid_host(h: &str) -> bool {
    !h.is_empty()
        && h.len() <= 255
        && url::Url::parse(&format!("http://{h}/")).is_ok_and(|u| {
            u.host_str().is_some()
                && u.path() == "/"
                && u.username().is_empty()
                && u.query().is_none()
                && !h.contains(['/', '@', '?', '#'])
        })
}

/// `POST /api/v1/server/following`: the instance follows instances (by host: their instance
/// actor) or actors (by handle).
pub async fn follow_servers(
    State(state): State<Instance>,
    user: CurrentUser,
    Json(body): Json<FollowBody>,
) -> ApiResult<StatusCode> {
    user.require(UserRole::Administrator)?;
    if body.hosts.is_empty() && body.handles.is_empty() {
        return Err(ApiError::bad_param(
            "hosts",
            "",
            "Should have hosts or handles",
            ParamLocation::Body,
        ));
    }
    let mut handles = Vec::new();
    for h in &body.hosts {
        if !valid_host(h) {
            return Err(ApiError::bad_param(
                "hosts",
                h,
                "Should have a valid host",
                ParamLocation::Body,
            ));
        }
        handles.push(format!(
            "{}@{h}",
            ferrotube_app::federation::actors::INSTANCE_ACTOR
        ));
    }
    handles.extend(body.handles.iter().cloned());
    let me = instance_actor(&state).await?;
    for handle in handles {
        if handle.ends_with(&format!("@{}", state.host)) {
            return Err(ApiError::bad_request("An instance cannot follow itself"));
        }
        let target = resolve_handle(&state, &handle).await?;
        follow(&state, &me, &target).await?;
        tracing::info!(%handle, "instance follow requested");
        crate::audit::record(
            &state,
            &user.0,
            "follows",
            "create",
            json!({ "following": handle }),
        )
        .await;
    }
    Ok(StatusCode::NO_CONTENT)
}

async fn list(state: &Instance, q: Option<&str>, following: bool) -> ApiResult<Json<Value>> {
    let p = Params::parse(q);
    let (start, count) = p.pagination(15)?;
    p.sort(Sort::asc(CreatedAtSort::CreatedAt))?;
    let wanted_state = p.str("state").filter(|s| !s.is_empty());
    if let Some(s) = wanted_state {
        if s != "pending" && s != "accepted" && s != "rejected" {
            return Err(ApiError::bad_param(
                "state",
                s,
                "Should have a valid follow state",
                ParamLocation::Query,
            ));
        }
    }
    let me = instance_actor(state).await?;
    let (total, rows) = state
        .db
        .list_follows(me.id, following, start, count)
        .await?;
    let redundancy_hosts = state.db.redundancy_allowed_hosts().await?;
    let mut data = Vec::new();
    for f in rows
        .iter()
        .filter(|f| wanted_state.is_none_or(|s| s == f.state))
    {
        data.push(follow_json(state, f, &redundancy_hosts).await?);
    }
    Ok(Json(json!({ "total": total, "data": data })))
}

/// `GET /api/v1/server/following` (public in PeerTube).
pub async fn list_following(
    State(state): State<Instance>,
    RawQuery(q): RawQuery,
) -> ApiResult<Json<Value>> {
    list(&state, q.as_deref(), true).await
}

/// `GET /api/v1/server/followers` (public in PeerTube).
pub async fn list_followers(
    State(state): State<Instance>,
    RawQuery(q): RawQuery,
) -> ApiResult<Json<Value>> {
    list(&state, q.as_deref(), false).await
}

/// A known remote actor from a host (its instance actor) or a handle.
async fn known_actor(state: &Instance, host_or_handle: &str) -> ApiResult<ActorRow> {
    let handle = if host_or_handle.contains('@') {
        host_or_handle.trim_start_matches('@').to_string()
    } else {
        format!(
            "{}@{host_or_handle}",
            ferrotube_app::federation::actors::INSTANCE_ACTOR
        )
    };
    let account = state.db.account_by_name(&handle).await?;
    let actor = match account {
        Some(a) => state.db.actor_of_account(a.id).await?,
        None => match state.db.channel_by_name(&handle).await? {
            Some(c) => state.db.actor_of_channel(c.id).await?,
            None => None,
        },
    };
    actor.ok_or_else(|| ApiError::not_found(format!("{host_or_handle} is not known")))
}

/// `DELETE /api/v1/server/following/{hostOrHandle}`.
pub async fn unfollow_server(
    State(state): State<Instance>,
    user: CurrentUser,
    Path(target): Path<String>,
) -> ApiResult<StatusCode> {
    user.require(UserRole::Administrator)?;
    let them = known_actor(&state, &target).await?;
    let me = instance_actor(&state).await?;
    let f = state
        .db
        .follow_between(me.id, them.id)
        .await?
        .ok_or_else(|| ApiError::not_found("Follow not found"))?;
    unfollow(&state, &f, &me, &them).await?;
    crate::audit::record(
        &state,
        &user.0,
        "follows",
        "delete",
        json!({ "following": them.url }),
    )
    .await;
    Ok(StatusCode::NO_CONTENT)
}

async fn follower_of_me(
    state: &Instance,
    handle: &str,
) -> ApiResult<(ActorRow, ActorRow, FollowRow)> {
    let them = known_actor(state, handle).await?;
    let me = instance_actor(state).await?;
    let f = state
        .db
        .follow_between(them.id, me.id)
        .await?
        .ok_or_else(|| ApiError::not_found("Follower not found"))?;
    Ok((me, them, f))
}

/// `POST /api/v1/server/followers/{handle}/accept` (with manual approval).
pub async fn accept_follower(
    State(state): State<Instance>,
    user: CurrentUser,
    Path(handle): Path<String>,
) -> ApiResult<StatusCode> {
    user.require(UserRole::Administrator)?;
    let (me, them, f) = follower_of_me(&state, &handle).await?;
    if f.state == FOLLOW_ACCEPTED {
        return Err(ApiError::conflict("This follower is already accepted"));
    }
    state
        .db
        .set_follow_state(f.id, FOLLOW_ACCEPTED, now_ms())
        .await?;
    let follow_id = follow_activity_id(&f, &them);
    answer_follow(&state, ActivityKind::Accept, &me, &them, &follow_id).await?;
    crate::audit::record(
        &state,
        &user.0,
        "followers",
        "accept",
        json!({ "follower": them.url }),
    )
    .await;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/v1/server/followers/{handle}/reject` and `DELETE /api/v1/server/followers/{handle}`.
pub async fn reject_follower(
    State(state): State<Instance>,
    user: CurrentUser,
    Path(handle): Path<String>,
) -> ApiResult<StatusCode> {
    user.require(UserRole::Administrator)?;
    let (me, them, f) = follower_of_me(&state, &handle).await?;
    state.db.delete_follow(f.id).await?;
    let follow_id = follow_activity_id(&f, &them);
    answer_follow(&state, ActivityKind::Reject, &me, &them, &follow_id).await?;
    crate::audit::record(
        &state,
        &user.0,
        "followers",
        "reject",
        json!({ "follower": them.url }),
    )
    .await;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/v1/server/blocklist/servers` `{host}`.
#[derive(Deserialize)]
pub struct BlockServer {
    host: String,
}

pub async fn block_server(
    State(state): State<Instance>,
    user: CurrentUser,
    Json(body): Json<BlockServer>,
) -> ApiResult<StatusCode> {
    user.require(UserRole::Moderator)?;
    if !valid_host(&body.host) {
        return Err(ApiError::bad_param(
            "host",
            &body.host,
            "Should have a valid host",
            ParamLocation::Body,
        ));
    }
    if body.host == state.host {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "You cannot block your own server",
        ));
    }
    state.db.block_server(&body.host, now_ms()).await?;
    ferrotube_app::federation::blocklist::blocklist_changed(&state);
    tracing::info!(host = %body.host, "server blocked");
    crate::audit::record(
        &state,
        &user.0,
        "server-blocklist",
        "create",
        json!({ "host": body.host }),
    )
    .await;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn unblock_server(
    State(state): State<Instance>,
    user: CurrentUser,
    Path(host): Path<String>,
) -> ApiResult<StatusCode> {
    user.require(UserRole::Moderator)?;
    if !state.db.unblock_server(&host).await? {
        return Err(ApiError::not_found("Server block not found"));
    }
    ferrotube_app::federation::blocklist::blocklist_changed(&state);
    crate::audit::record(
        &state,
        &user.0,
        "server-blocklist",
        "delete",
        json!({ "host": host }),
    )
    .await;
    Ok(StatusCode::NO_CONTENT)
}

/// A page of a blocklist (newest first unless `sort=createdAt`) and its total, as PeerTube's
/// lists take `start`, `count` and `sort`.
fn blocklist_page<T>(q: Option<&str>, mut rows: Vec<T>) -> ApiResult<(usize, Vec<T>)> {
    let p = Params::parse(q);
    let (start, count) = p.pagination(15)?;
    let order = p.sort(Sort::desc(CreatedAtSort::CreatedAt))?;
    let total = rows.len();
    if order.direction == ferrotube_db::sort::Direction::Asc {
        rows.reverse();
    }
    let page = rows
        .into_iter()
        .skip(usize::try_from(start).unwrap_or(usize::MAX))
        .take(usize::try_from(count).unwrap_or(0))
        .collect();
    Ok((total, page))
}

pub async fn list_blocked_servers(
    State(state): State<Instance>,
    user: CurrentUser,
    RawQuery(q): RawQuery,
) -> ApiResult<Json<Value>> {
    user.require(UserRole::Moderator)?;
    let (total, rows) = blocklist_page(q.as_deref(), state.db.list_blocked_servers().await?)?;
    let data: Vec<Value> = rows
        .iter()
        .map(|(host, at)| {
            json!({
                "byAccount": null,
                "blockedServer": { "host": host },
                "createdAt": iso(*at),
            })
        })
        .collect();
    Ok(Json(json!({ "total": total, "data": data })))
}

#[derive(Deserialize)]
pub struct BlockAccount {
    #[serde(rename = "accountName")]
    account_name: String,
}

/// `POST /api/v1/server/blocklist/accounts` `{accountName}` (`name` or `name@host`).
pub async fn block_account(
    State(state): State<Instance>,
    user: CurrentUser,
    Json(body): Json<BlockAccount>,
) -> ApiResult<StatusCode> {
    user.require(UserRole::Moderator)?;
    let name = body.account_name.trim_start_matches('@');
    let local = name
        .strip_suffix(&format!("@{}", state.host))
        .unwrap_or(name);
    let account = state
        .db
        .account_by_name(local)
        .await?
        .ok_or_else(|| ApiError::not_found("Account not found"))?;
    if account.id == user.0.account_id {
        return Err(ApiError::conflict("You cannot block yourself"));
    }
    state.db.block_account(account.id, now_ms()).await?;
    ferrotube_app::federation::blocklist::blocklist_changed(&state);
    tracing::info!(account = %account.name, "account blocked");
    crate::audit::record(
        &state,
        &user.0,
        "account-blocklist",
        "create",
        json!({ "account": body.account_name }),
    )
    .await;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn unblock_account(
    State(state): State<Instance>,
    user: CurrentUser,
    Path(name): Path<String>,
) -> ApiResult<StatusCode> {
    user.require(UserRole::Moderator)?;
    // `name`, `name@host`, and our own accounts also as `name@our-host`, as when blocking.
    let name = name.trim_start_matches('@');
    let local = name
        .strip_suffix(&format!("@{}", state.host))
        .unwrap_or(name);
    let account = state
        .db
        .account_by_name(local)
        .await?
        .ok_or_else(|| ApiError::not_found("Account not found"))?;
    if !state.db.unblock_account(account.id).await? {
        return Err(ApiError::not_found("Account block not found"));
    }
    ferrotube_app::federation::blocklist::blocklist_changed(&state);
    crate::audit::record(
        &state,
        &user.0,
        "account-blocklist",
        "delete",
        json!({ "account": name }),
    )
    .await;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn list_blocked_accounts(
    State(state): State<Instance>,
    user: CurrentUser,
    RawQuery(q): RawQuery,
) -> ApiResult<Json<Value>> {
    user.require(UserRole::Moderator)?;
    let (total, rows) = blocklist_page(q.as_deref(), state.db.list_blocked_accounts().await?)?;
    let mut data = Vec::new();
    for (account_id, at) in rows {
        if let Some(a) = state.db.account_by_id(account_id).await? {
            data.push(json!({
                "byAccount": null,
                "blockedAccount": state.account(&a),
                "createdAt": iso(at),
            }));
        }
    }
    Ok(Json(json!({ "total": total, "data": data })))
}
