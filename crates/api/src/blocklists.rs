//! Blocklists of users (`/users/me/blocklist/...`: mutes that hide accounts and servers from one
//! user), their status (`/blocklist/status`), and comment moderation: approval of held comments,
//! the comment lists of moderators and video owners, watched-words lists and automatic tags.
//! The instance's own blocklist is served by `federation::follows`.

use crate::auth::{CurrentUser, MaybeUser};
use crate::channels::account_by_handle;
use crate::comments::{can_moderate, comment_json, comment_of, remove_comment};
use crate::error::{ApiError, ApiResult, ParamLocation};
use crate::extract::{Json, Path};
use crate::federation::follows::valid_host;
use crate::params::Params;
use crate::shapes::JsonViews;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::routing::{get, post, put};
use axum::Router;
use ferrotube_app::videos::find_video;
use ferrotube_app::Instance;
use ferrotube_db::accounts::AccountRow;
use ferrotube_db::blocklists::WatchedWordsRow;
use ferrotube_db::comments::{CommentListFilter, CommentRow};
use ferrotube_db::sort::{CommentSort, Sort};
use ferrotube_db::users::UserRow;
use ferrotube_model::timefmt::{iso, now_ms};
use ferrotube_model::UserRole;
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::HashMap;

pub fn routes() -> Router<Instance> {
    Router::new()
        .route(
            "/api/v1/users/me/blocklist/accounts",
            get(list_muted_accounts).post(mute_account),
        )
        .route(
            "/api/v1/users/me/blocklist/accounts/{name}",
            axum::routing::delete(unmute_account),
        )
        .route(
            "/api/v1/users/me/blocklist/servers",
            get(list_muted_servers).post(mute_server),
        )
        .route(
            "/api/v1/users/me/blocklist/servers/{host}",
            axum::routing::delete(unmute_server),
        )
        .route("/api/v1/blocklist/status", get(block_status))
        .route(
            "/api/v1/videos/{id}/comments/{comment_id}/approve",
            post(approve_comment),
        )
        .route("/api/v1/videos/comments", get(list_all_comments))
        .route(
            "/api/v1/bulk/remove-comments-of",
            post(bulk_remove_comments),
        )
        .route(
            "/api/v1/users/me/videos/comments",
            get(list_my_videos_comments),
        )
        .route(
            "/api/v1/watched-words/accounts/{name}/lists",
            get(list_account_words).post(add_account_words),
        )
        .route(
            "/api/v1/watched-words/accounts/{name}/lists/{list_id}",
            put(update_account_words).delete(delete_account_words),
        )
        .route(
            "/api/v1/watched-words/server/lists",
            get(list_server_words).post(add_server_words),
        )
        .route(
            "/api/v1/watched-words/server/lists/{list_id}",
            put(update_server_words).delete(delete_server_words),
        )
        .route(
            "/api/v1/automatic-tags/policies/accounts/{name}/comments",
            get(get_tag_policy).put(set_tag_policy),
        )
        .route(
            "/api/v1/automatic-tags/accounts/{name}/available",
            get(account_available_tags),
        )
        .route(
            "/api/v1/automatic-tags/server/available",
            get(server_available_tags),
        )
}

// --- A user's blocklist ---------------------------------------------------------------------

#[derive(Deserialize)]
pub struct AccountNameBody {
    #[serde(rename = "accountName")]
    account_name: Option<String>,
}

#[derive(Deserialize)]
pub struct HostBody {
    host: Option<String>,
}

/// `GET /api/v1/users/me/blocklist/accounts`.
async fn list_muted_accounts(
    State(state): State<Instance>,
    CurrentUser(user): CurrentUser,
    RawQuery(q): RawQuery,
) -> ApiResult<Json<Value>> {
    let p = Params::parse(q.as_deref());
    let (start, count) = p.pagination(15)?;
    let me = my_account(&state, &user).await?;
    let (total, rows) = state
        .db
        .list_account_mutes(user.account_id, start, count, oldest_first(&p)?)
        .await?;
    let ids: Vec<i64> = rows.iter().map(|(id, _)| *id).collect();
    let accounts = state.db.accounts_by_ids(&ids).await?;
    let data: Vec<Value> = rows
        .iter()
        .filter_map(|(id, at)| {
            let a = accounts.iter().find(|a| a.id == *id)?;
            Some(json!({
                "byAccount": state.account(&me),
                "blockedAccount": state.account(a),
                "createdAt": iso(*at),
            }))
        })
        .collect();
    Ok(Json(json!({ "total": total, "data": data })))
}

/// The blocklists' `sort`: PeerTube sorts them by `createdAt` only (default: newest first).
fn oldest_first(p: &Params) -> ApiResult<bool> {
    match p.str("sort").filter(|s| !s.is_empty()) {
        None | Some("-createdAt") => Ok(false),
        Some("createdAt") => Ok(true),
        Some(other) => Err(ApiError::bad_param(
            "sort",
            other,
            "Should have correct sortable column",
            ParamLocation::Query,
        )),
    }
}

async fn my_account(state: &Instance, user: &UserRow) -> ApiResult<AccountRow> {
    state
        .db
        .account_by_id(user.account_id)
        .await?
        .ok_or_else(|| ApiError::internal("the user's account vanished"))
}

/// `POST /api/v1/users/me/blocklist/accounts` `{accountName}`.
async fn mute_account(
    State(state): State<Instance>,
    CurrentUser(user): CurrentUser,
    Json(body): Json<AccountNameBody>,
) -> ApiResult<StatusCode> {
    let name = body.account_name.unwrap_or_default();
    if name.trim().is_empty() {
        return Err(ApiError::bad_param(
            "accountName",
            &name,
            "Invalid value",
            ParamLocation::Body,
        ));
    }
    let target = account_by_handle(&state, &name).await?;
    if target.id == user.account_id {
        return Err(ApiError::conflict("You cannot block yourself."));
    }
    state
        .db
        .mute_account(user.account_id, target.id, now_ms())
        .await?;
    tracing::info!(user = user.id, account = %target.name, "account muted");
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE /api/v1/users/me/blocklist/accounts/{accountName}`.
async fn unmute_account(
    State(state): State<Instance>,
    CurrentUser(user): CurrentUser,
    Path(name): Path<String>,
) -> ApiResult<StatusCode> {
    let target = account_by_handle(&state, &name).await?;
    if !state.db.unmute_account(user.account_id, target.id).await? {
        return Err(ApiError::not_found("Account block entry not found."));
    }
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /api/v1/users/me/blocklist/servers`.
async fn list_muted_servers(
    State(state): State<Instance>,
    CurrentUser(user): CurrentUser,
    RawQuery(q): RawQuery,
) -> ApiResult<Json<Value>> {
    let p = Params::parse(q.as_deref());
    let (start, count) = p.pagination(15)?;
    let me = my_account(&state, &user).await?;
    let (total, rows) = state
        .db
        .list_server_mutes(user.account_id, start, count, oldest_first(&p)?)
        .await?;
    let data: Vec<Value> = rows
        .iter()
        .map(|(host, at)| {
            json!({
                "byAccount": state.account(&me),
                "blockedServer": { "host": host },
                "createdAt": iso(*at),
            })
        })
        .collect();
    Ok(Json(json!({ "total": total, "data": data })))
}

/// `POST /api/v1/users/me/blocklist/servers` `{host}`.
async fn mute_server(
    State(state): State<Instance>,
    CurrentUser(user): CurrentUser,
    Json(body): Json<HostBody>,
) -> ApiResult<StatusCode> {
    let host = body.host.unwrap_or_default();
    if !valid_host(&host) {
        return Err(ApiError::bad_param(
            "host",
            &host,
            "Should have a valid host",
            ParamLocation::Body,
        ));
    }
    if host == state.host {
        return Err(ApiError::conflict("You cannot block your own server."));
    }
    state
        .db
        .mute_server(user.account_id, &host, now_ms())
        .await?;
    tracing::info!(user = user.id, host = %host, "server muted");
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE /api/v1/users/me/blocklist/servers/{host}`.
async fn unmute_server(
    State(state): State<Instance>,
    CurrentUser(user): CurrentUser,
    Path(host): Path<String>,
) -> ApiResult<StatusCode> {
    if !state.db.unmute_server(user.account_id, &host).await? {
        return Err(ApiError::not_found("Server block entry not found."));
    }
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /api/v1/blocklist/status?accounts=...&hosts=...`: whether the instance, and the user
/// asking (if signed in), block each.
async fn block_status(
    State(state): State<Instance>,
    MaybeUser(user): MaybeUser,
    RawQuery(q): RawQuery,
) -> ApiResult<Json<Value>> {
    let p = Params::parse(q.as_deref());
    let handles = p.all("accounts");
    let hosts = p.all("hosts");
    if let Some(bad) = handles
        .iter()
        .find(|h| h.trim_start_matches('@').is_empty())
    {
        return Err(ApiError::bad_param(
            "accounts",
            bad,
            "Should have a valid accounts array",
            ParamLocation::Query,
        ));
    }
    if let Some(bad) = hosts.iter().find(|h| !valid_host(h)) {
        return Err(ApiError::bad_param(
            "hosts",
            bad,
            "Should have a valid hosts array",
            ParamLocation::Query,
        ));
    }
    let mut accounts = serde_json::Map::new();
    for handle in handles {
        let (by_server, by_user) = match account_by_handle(&state, handle).await {
            Ok(a) => (
                state.db.is_account_blocked(a.id).await?,
                match &user {
                    Some(u) => state.db.is_account_muted(u.account_id, a.id).await?,
                    None => false,
                },
            ),
            Err(_) => (false, false),
        };
        accounts.insert(
            handle.to_string(),
            json!({
                "blockedByServer": by_server,
                // PeerTube names the blocklist subscription behind a block; none here.
                "blockedByServerSubscription": null,
                "blockedByUser": by_user,
            }),
        );
    }
    let mut out_hosts = serde_json::Map::new();
    for host in hosts {
        let by_server = state.db.is_server_blocked(host).await?;
        let by_user = match &user {
            Some(u) => state.db.is_server_muted(u.account_id, host).await?,
            None => false,
        };
        out_hosts.insert(
            host.to_string(),
            json!({
                "blockedByServer": by_server,
                // PeerTube names the blocklist subscription behind a block; none here.
                "blockedByServerSubscription": null,
                "blockedByUser": by_user,
            }),
        );
    }
    Ok(Json(json!({ "accounts": accounts, "hosts": out_hosts })))
}

// --- Comment approval and lists ----------------------------------------------------------------

/// `POST /api/v1/videos/{id}/comments/{commentId}/approve`: by the video's owner or a moderator.
async fn approve_comment(
    State(state): State<Instance>,
    CurrentUser(user): CurrentUser,
    Path((id, comment)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let v = find_video(&state, &id).await?;
    let c = comment_of(&state, &v, &comment).await?;
    if !can_moderate(&v, &user) {
        return Err(ApiError::forbidden(
            "Cannot approve a comment of a video you do not own",
        ));
    }
    if !c.held_for_review || c.deleted_at.is_some() {
        return Err(ApiError::bad_request("This comment is not held for review"));
    }
    ferrotube_app::federation::approvals::approve_held_comment(&state, &v, &c).await?;
    tracing::info!(comment_id = c.id, "comment approved");
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
pub struct BulkRemoveBody {
    #[serde(rename = "accountName")]
    account_name: Option<String>,
    scope: Option<String>,
}

/// `POST /api/v1/bulk/remove-comments-of` `{accountName, scope}`: deletes every comment of an
/// account on my videos (`my-videos`) or, for moderators, anywhere (`instance`); what PeerTube
/// offers beside a block.
async fn bulk_remove_comments(
    State(state): State<Instance>,
    CurrentUser(user): CurrentUser,
    Json(body): Json<BulkRemoveBody>,
) -> ApiResult<StatusCode> {
    let name = body.account_name.unwrap_or_default();
    if name.trim().is_empty() {
        return Err(ApiError::bad_param(
            "accountName",
            &name,
            "Invalid value",
            ParamLocation::Body,
        ));
    }
    let scope = body.scope.unwrap_or_default();
    let on_my_videos = match scope.as_str() {
        "my-videos" | "my-videos-and-collaborations" => true,
        "instance" => false,
        _ => {
            return Err(ApiError::bad_param(
                "scope",
                &scope,
                "Invalid value",
                ParamLocation::Body,
            ))
        }
    };
    let author = account_by_handle(&state, &name).await?;
    if !on_my_videos && user.role > UserRole::Moderator {
        return Err(ApiError::forbidden(
            "User cannot remove any comments of this instance.",
        ));
    }
    let comments = state
        .db
        .comments_for_bulk_delete(author.id, on_my_videos.then_some(user.account_id))
        .await?;
    for c in &comments {
        if let Some(v) = state.db.video_by_id(c.video_id).await? {
            remove_comment(&state, &v, c).await?;
        }
    }
    tracing::info!(account = %author.name, removed = comments.len(), %scope, "comments removed in bulk");
    Ok(StatusCode::NO_CONTENT)
}

fn list_filter(p: &Params) -> ApiResult<CommentListFilter> {
    let text = |name: &str| p.str(name).filter(|s| !s.is_empty()).map(str::to_string);
    let id = |name: &str| p.int(name, 1, i64::MAX);
    // PeerTube's names, and the spec's (`searchAccountForComments`...).
    Ok(CommentListFilter {
        search: text("search"),
        search_account: text("searchAccount").or_else(|| text("searchAccountForComments")),
        search_video: text("searchVideo").or_else(|| text("searchVideoForComments")),
        video_id: id("videoId")?,
        channel_id: id("videoChannelId")?,
        auto_tag_one_of: p
            .all("autoTagOneOf")
            .into_iter()
            .chain(p.all("autoTagOneOfComment"))
            .filter(|t| !t.is_empty())
            .map(str::to_string)
            .collect(),
        is_local: p.bool("isLocal")?,
        on_local_video: p.bool("onLocalVideo")?,
        held_for_review: p.bool("isHeldForReview")?,
        hide_blocked: p.bool("includeMuted")? != Some(true),
        ..Default::default()
    })
}

/// The comments of a moderation list with their video and the automatic tags `tags_of` sees.
async fn review_list(state: &Instance, p: &Params, f: CommentListFilter) -> ApiResult<Json<Value>> {
    let (start, count) = p.pagination(15)?;
    let order = p.sort(Sort::desc(CommentSort::CreatedAt))?;
    let (total, rows) = state
        .db
        .list_comments_for_review(&f, start, count, order)
        .await?;
    let ids: Vec<i64> = rows.iter().map(|c| c.id).collect();
    let tags = state
        .db
        .comment_auto_tags(&ids, f.tags_of_account_id)
        .await?;
    let mut data = Vec::with_capacity(rows.len());
    for c in &rows {
        let Some(v) = state.db.video_by_id(c.video_id).await? else {
            continue;
        };
        data.push(review_json(state, &v, c, &tags));
    }
    Ok(Json(json!({ "total": total, "data": data })))
}

fn review_json(
    state: &Instance,
    v: &ferrotube_db::videos::VideoRow,
    c: &CommentRow,
    tags: &[(i64, String)],
) -> Value {
    let full = comment_json(state, v, c);
    let pick = |k: &str| full.get(k).cloned().unwrap_or(Value::Null);
    json!({
        "id": c.id,
        "url": pick("url"),
        "text": c.text,
        "heldForReview": c.held_for_review,
        "threadId": c.root_id(),
        "inReplyToCommentId": c.in_reply_to_id,
        "createdAt": iso(c.created_at),
        "updatedAt": iso(c.updated_at),
        "account": pick("account"),
        "video": {
            "id": v.id,
            "uuid": v.uuid,
            "name": v.name,
        },
        "automaticTags": tags
            .iter()
            .filter(|(id, _)| *id == c.id)
            .map(|(_, t)| t.clone())
            .collect::<Vec<_>>(),
    })
}

/// `GET /api/v1/videos/comments`: every comment, for moderators.
pub(crate) async fn list_all_comments(
    State(state): State<Instance>,
    user: CurrentUser,
    RawQuery(q): RawQuery,
) -> ApiResult<Json<Value>> {
    user.require(UserRole::Moderator)?;
    let p = Params::parse(q.as_deref());
    let f = list_filter(&p)?;
    review_list(&state, &p, f).await
}

/// `GET /api/v1/users/me/videos/comments`: the comments on my videos, held ones included.
async fn list_my_videos_comments(
    State(state): State<Instance>,
    CurrentUser(user): CurrentUser,
    RawQuery(q): RawQuery,
) -> ApiResult<Json<Value>> {
    let p = Params::parse(q.as_deref());
    let f = CommentListFilter {
        video_owner_account_id: Some(user.account_id),
        tags_of_account_id: Some(user.account_id),
        muted_by_account_id: Some(user.account_id),
        // Only the owner's own videos: the general filters do not widen that.
        is_local: p.bool("isLocal")?,
        ..list_filter(&p)?
    };
    review_list(&state, &p, f).await
}

// --- Watched words -----------------------------------------------------------------------------

/// A local account the user may manage (their own; any, for moderators).
async fn managed_account(state: &Instance, user: &UserRow, name: &str) -> ApiResult<AccountRow> {
    let a = account_by_handle(state, name).await?;
    if a.host.is_some() {
        return Err(ApiError::not_found("Account not found"));
    }
    if a.id != user.account_id && user.role > UserRole::Moderator {
        return Err(ApiError::forbidden(
            "Only the owner of this account can manage it",
        ));
    }
    Ok(a)
}

fn words_json(l: &WatchedWordsRow) -> Value {
    json!({
        "id": l.id,
        "listName": l.list_name,
        "words": l.words(),
        "createdAt": iso(l.created_at),
        "updatedAt": iso(l.updated_at),
    })
}

#[derive(Deserialize)]
pub struct WordsBody {
    #[serde(rename = "listName")]
    list_name: Option<Value>,
    words: Option<Value>,
}

/// Checks a list body as PeerTube does (names of 1 to 100 characters, 1 to 500 words of 1 to
/// 100 characters); `partial` allows either to be absent (an update).
fn valid_words(b: &WordsBody, partial: bool) -> ApiResult<(Option<String>, Option<Vec<String>>)> {
    let name = match &b.list_name {
        None if partial => None,
        Some(Value::String(s)) if (1..=100).contains(&s.trim().chars().count()) => {
            Some(s.trim().to_string())
        }
        other => {
            return Err(ApiError::bad_param(
                "listName",
                &other.as_ref().map(Value::to_string).unwrap_or_default(),
                "Should have a list name between 1 and 100 characters long",
                ParamLocation::Body,
            ))
        }
    };
    let words = match &b.words {
        None if partial => None,
        Some(Value::Array(items))
            if (1..=500).contains(&items.len())
                && items.iter().all(|w| {
                    w.as_str()
                        .is_some_and(|s| (1..=100).contains(&s.chars().count()))
                }) =>
        {
            Some(
                items
                    .iter()
                    .filter_map(|w| w.as_str().map(str::to_string))
                    .collect(),
            )
        }
        _ => {
            return Err(ApiError::bad_param(
                "words",
                "",
                "Should have an array of up to 500 words between 1 and 100 characters each",
                ParamLocation::Body,
            ))
        }
    };
    Ok((name, words))
}

fn list_id(raw: &str) -> ApiResult<i64> {
    raw.parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| ApiError::bad_param("listId", raw, "Invalid value", ParamLocation::Params))
}

async fn list_words(state: &Instance, owner: Option<i64>) -> ApiResult<Json<Value>> {
    let lists = state.db.watched_words_lists(owner).await?;
    let data: Vec<Value> = lists.iter().rev().map(words_json).collect();
    Ok(Json(json!({ "total": data.len(), "data": data })))
}

async fn add_words(
    state: &Instance,
    owner: Option<i64>,
    body: WordsBody,
) -> ApiResult<Json<Value>> {
    let (Some(name), Some(words)) = valid_words(&body, false)? else {
        return Err(ApiError::bad_request("listName and words are required"));
    };
    unique_name(state, owner, &name, None).await?;
    let id = state
        .db
        .insert_watched_words_list(owner, &name, &words, now_ms())
        .await?;
    Ok(Json(json!({ "watchedWordsList": { "id": id } })))
}

async fn unique_name(
    state: &Instance,
    owner: Option<i64>,
    name: &str,
    current: Option<i64>,
) -> ApiResult<()> {
    let taken = state
        .db
        .watched_words_lists(owner)
        .await?
        .iter()
        .any(|l| l.list_name == name && Some(l.id) != current);
    if taken {
        return Err(ApiError::bad_request(format!(
            "Watched words list with name {name} already exists"
        )));
    }
    Ok(())
}

async fn update_words(
    state: &Instance,
    owner: Option<i64>,
    raw_id: &str,
    body: WordsBody,
) -> ApiResult<StatusCode> {
    let id = list_id(raw_id)?;
    let (name, words) = valid_words(&body, true)?;
    let Some(list) = state.db.watched_words_list(owner, id).await? else {
        return Err(ApiError::not_found(
            "Unknown watched words list id for this account",
        ));
    };
    if let Some(n) = &name {
        unique_name(state, owner, n, Some(list.id)).await?;
    }
    state
        .db
        .update_watched_words_list(list.id, name.as_deref(), words.as_deref(), now_ms())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn delete_words(state: &Instance, owner: Option<i64>, raw_id: &str) -> ApiResult<StatusCode> {
    let id = list_id(raw_id)?;
    let Some(list) = state.db.watched_words_list(owner, id).await? else {
        return Err(ApiError::not_found(
            "Unknown watched words list id for this account",
        ));
    };
    state.db.delete_watched_words_list(list.id).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn list_account_words(
    State(state): State<Instance>,
    CurrentUser(user): CurrentUser,
    Path(name): Path<String>,
) -> ApiResult<Json<Value>> {
    let a = managed_account(&state, &user, &name).await?;
    list_words(&state, Some(a.id)).await
}

async fn add_account_words(
    State(state): State<Instance>,
    CurrentUser(user): CurrentUser,
    Path(name): Path<String>,
    Json(body): Json<WordsBody>,
) -> ApiResult<Json<Value>> {
    let a = managed_account(&state, &user, &name).await?;
    add_words(&state, Some(a.id), body).await
}

async fn update_account_words(
    State(state): State<Instance>,
    CurrentUser(user): CurrentUser,
    Path((name, id)): Path<(String, String)>,
    Json(body): Json<WordsBody>,
) -> ApiResult<StatusCode> {
    let a = managed_account(&state, &user, &name).await?;
    update_words(&state, Some(a.id), &id, body).await
}

async fn delete_account_words(
    State(state): State<Instance>,
    CurrentUser(user): CurrentUser,
    Path((name, id)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let a = managed_account(&state, &user, &name).await?;
    delete_words(&state, Some(a.id), &id).await
}

async fn list_server_words(
    State(state): State<Instance>,
    user: CurrentUser,
) -> ApiResult<Json<Value>> {
    user.require(UserRole::Moderator)?;
    list_words(&state, None).await
}

async fn add_server_words(
    State(state): State<Instance>,
    user: CurrentUser,
    Json(body): Json<WordsBody>,
) -> ApiResult<Json<Value>> {
    user.require(UserRole::Moderator)?;
    add_words(&state, None, body).await
}

async fn update_server_words(
    State(state): State<Instance>,
    user: CurrentUser,
    Path(id): Path<String>,
    Json(body): Json<WordsBody>,
) -> ApiResult<StatusCode> {
    user.require(UserRole::Moderator)?;
    update_words(&state, None, &id, body).await
}

async fn delete_server_words(
    State(state): State<Instance>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    user.require(UserRole::Moderator)?;
    delete_words(&state, None, &id).await
}

// --- Automatic tags ----------------------------------------------------------------------------

fn available_json(tags: Vec<(String, &'static str)>) -> Value {
    let available: Vec<Value> = tags
        .into_iter()
        .map(|(name, kind)| json!({ "name": name, "type": kind }))
        .collect();
    json!({ "available": available })
}

async fn account_available_tags(
    State(state): State<Instance>,
    CurrentUser(user): CurrentUser,
    Path(name): Path<String>,
) -> ApiResult<Json<Value>> {
    let a = managed_account(&state, &user, &name).await?;
    let tags = ferrotube_app::comment_policy::available_tags(&state, Some(a.id)).await?;
    Ok(Json(available_json(tags)))
}

async fn server_available_tags(
    State(state): State<Instance>,
    user: CurrentUser,
) -> ApiResult<Json<Value>> {
    user.require(UserRole::Moderator)?;
    let tags = ferrotube_app::comment_policy::available_tags(&state, None).await?;
    Ok(Json(available_json(tags)))
}

async fn get_tag_policy(
    State(state): State<Instance>,
    CurrentUser(user): CurrentUser,
    Path(name): Path<String>,
) -> ApiResult<Json<Value>> {
    let a = managed_account(&state, &user, &name).await?;
    let review = state.db.auto_tag_review_policy(a.id).await?;
    Ok(Json(json!({ "review": review })))
}

#[derive(Deserialize)]
pub struct PolicyBody {
    review: Option<Value>,
}

/// `PUT /api/v1/automatic-tags/policies/accounts/{accountName}/comments` `{review: [tag]}`:
/// each tag must be one the account can get.
async fn set_tag_policy(
    State(state): State<Instance>,
    CurrentUser(user): CurrentUser,
    Path(name): Path<String>,
    Json(body): Json<PolicyBody>,
) -> ApiResult<StatusCode> {
    let a = managed_account(&state, &user, &name).await?;
    let available = ferrotube_app::comment_policy::available_tags(&state, Some(a.id)).await?;
    let known: HashMap<&str, ()> = available.iter().map(|(n, _)| (n.as_str(), ())).collect();
    let tags: Option<Vec<String>> = match &body.review {
        Some(Value::Array(items)) => items
            .iter()
            .map(|t| {
                t.as_str()
                    .filter(|s| known.contains_key(s))
                    .map(str::to_string)
            })
            .collect(),
        _ => None,
    };
    let Some(tags) = tags else {
        return Err(ApiError::bad_param(
            "review",
            "",
            "Should have a valid review array",
            ParamLocation::Body,
        ));
    };
    state.db.set_auto_tag_review_policy(a.id, &tags).await?;
    Ok(StatusCode::NO_CONTENT)
}
