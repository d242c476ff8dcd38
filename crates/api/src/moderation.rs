//! Moderation routes: abuse reports (`/api/v1/abuses`, `/users/me/abuses`), video blocks
//! (`/videos/{id}/blacklist`, `/videos/blacklist`) and user bans (`/users/{id}/block`,
//! `/unblock`). The rules live in `ferrotube_app::moderation`.

use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult, ParamLocation};
use crate::extract::{Json, Path};
use crate::params::Params;
use crate::shapes::JsonViews;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::routing::{delete, get, post, put};
use axum::Router;
use ferrotube_app::moderation as core;
use ferrotube_app::Instance;
use ferrotube_db::accounts::AccountRow;
use ferrotube_db::moderation::{
    AbuseFilter, AbuseFullRow, AbuseKind, AbuseSort, AbuseVideoIs, BlacklistSort,
};
use ferrotube_db::sort::Sort;
use ferrotube_model::abuse::{abuse_state_label, bits_to_reasons, reason_bit};
use ferrotube_model::timefmt::iso;
use ferrotube_model::UserRole;
use serde_json::{json, Map, Value};

pub fn routes() -> Router<Instance> {
    Router::new()
        .route("/api/v1/abuses", get(list).post(report))
        .route("/api/v1/abuses/{id}", put(update).delete(remove))
        .route(
            "/api/v1/abuses/{id}/messages",
            get(list_messages).post(add_message),
        )
        .route(
            "/api/v1/abuses/{id}/messages/{message_id}",
            delete(delete_message),
        )
        .route("/api/v1/users/me/abuses", get(my_abuses))
        .route("/api/v1/videos/blacklist", get(list_blocks))
        .route(
            "/api/v1/videos/{id}/blacklist",
            post(block_video).delete(unblock_video),
        )
        .route("/api/v1/users/{id}/block", post(block_user))
        .route("/api/v1/users/{id}/unblock", post(unblock_user))
}

fn path_id(name: &str, raw: &str) -> ApiResult<i64> {
    raw.parse::<i64>().ok().filter(|n| *n > 0).ok_or_else(|| {
        ApiError::bad_param(name, raw, "Should have a valid id", ParamLocation::Params)
    })
}

/// A JSON object body; an empty body is an empty object (PeerTube's optional bodies).
fn object_body(body: &Bytes) -> ApiResult<Map<String, Value>> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(m)) => Ok(m),
        _ => Err(ApiError::bad_request("Should have a JSON object body")),
    }
}

fn bad_body(field: &str, value: &Value, msg: &str) -> ApiError {
    let shown = match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    ApiError::bad_param(field, &shown, msg, ParamLocation::Body)
}

/// An optional string field; another type is refused.
fn opt_str(m: &Map<String, Value>, field: &str, msg: &str) -> ApiResult<Option<String>> {
    match m.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(other) => Err(bad_body(field, other, msg)),
    }
}

/// An optional integer (PeerTube also takes one written as a string).
fn opt_int(v: Option<&Value>, field: &str, msg: &str) -> ApiResult<Option<i64>> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n
            .as_i64()
            .map(Some)
            .ok_or_else(|| bad_body(field, &Value::Number(n.clone()), msg)),
        Some(Value::String(s)) => s
            .parse::<i64>()
            .map(Some)
            .map_err(|_| bad_body(field, &Value::String(s.clone()), msg)),
        Some(other) => Err(bad_body(field, other, msg)),
    }
}

/// `v[k] = x` on an object (indexing is denied: it may panic).
fn set(v: &mut Value, k: &str, x: Value) {
    if let Some(m) = v.as_object_mut() {
        m.insert(k.to_string(), x);
    }
}

/// `v[k]`, `null` when absent.
fn field(v: &Value, k: &str) -> Value {
    v.get(k).cloned().unwrap_or(Value::Null)
}

// ------------------------------------------------------------------------------------------
// Abuses

/// `POST /api/v1/abuses`: report a video (with its span), a comment or an account.
pub async fn report(
    State(state): State<Instance>,
    CurrentUser(user): CurrentUser,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    let m = object_body(&body)?;
    let mut input = core::ReportInput {
        reason: match m.get("reason") {
            Some(Value::String(s)) => s.clone(),
            other => {
                return Err(bad_body(
                    "reason",
                    other.unwrap_or(&Value::Null),
                    "Should have a valid reason",
                ))
            }
        },
        ..Default::default()
    };
    match m.get("predefinedReasons") {
        None | Some(Value::Null) => {}
        Some(Value::Array(items)) => {
            for i in items {
                match i.as_str() {
                    Some(s) => input.predefined_reasons.push(s.to_string()),
                    None => {
                        return Err(bad_body(
                            "predefinedReasons",
                            i,
                            "Should have a valid predefined reason",
                        ))
                    }
                }
            }
        }
        Some(other) => {
            return Err(bad_body(
                "predefinedReasons",
                other,
                "Should have a valid predefined reason",
            ))
        }
    }
    if let Some(Value::Object(video)) = m.get("video") {
        input.video = match video.get("id") {
            Some(Value::Number(n)) => Some(n.to_string()),
            Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
            other => {
                return Err(bad_body(
                    "video.id",
                    other.unwrap_or(&Value::Null),
                    "Should have a valid video id",
                ))
            }
        };
        let ts = "Should have a valid timestamp";
        input.start_at = opt_int(video.get("startAt"), "video.startAt", ts)?;
        input.end_at = opt_int(video.get("endAt"), "video.endAt", ts)?;
        for (f, v) in [
            ("video.startAt", input.start_at),
            ("video.endAt", input.end_at),
        ] {
            if let Some(n) = v.filter(|n| *n < 0) {
                return Err(bad_body(f, &json!(n), ts));
            }
        }
    }
    if let Some(Value::Object(c)) = m.get("comment") {
        input.comment_id = opt_int(c.get("id"), "comment.id", "Should have a valid comment id")?
            .filter(|n| *n > 0);
        if input.comment_id.is_none() {
            return Err(bad_body(
                "comment.id",
                c.get("id").unwrap_or(&Value::Null),
                "Should have a valid comment id",
            ));
        }
    }
    if let Some(Value::Object(a)) = m.get("account") {
        input.account_id = opt_int(a.get("id"), "account.id", "Should have a valid account id")?
            .filter(|n| *n > 0);
        if input.account_id.is_none() {
            return Err(bad_body(
                "account.id",
                a.get("id").unwrap_or(&Value::Null),
                "Should have a valid account id",
            ));
        }
    }
    let id = core::report(&state, &user, input).await?;
    Ok(Json(json!({ "abuse": { "id": id } })))
}

fn one_of<T: Copy>(p: &Params, name: &str, values: &[(&str, T)]) -> ApiResult<Option<T>> {
    match p.str(name) {
        None | Some("") => Ok(None),
        Some(v) => values
            .iter()
            .find(|(n, _)| *n == v)
            .map(|(_, t)| Some(*t))
            .ok_or_else(|| {
                ApiError::bad_param(
                    name,
                    v,
                    format!("Should have a valid {name}"),
                    ParamLocation::Query,
                )
            }),
    }
}

fn nonempty(p: &Params, name: &str) -> Option<String> {
    p.str(name).filter(|s| !s.is_empty()).map(str::to_string)
}

/// `id`, `search` and `state`: the filters both abuse lists take.
fn common_filter(p: &Params) -> ApiResult<AbuseFilter> {
    Ok(AbuseFilter {
        id: p.int("id", 1, i64::MAX)?,
        state: p.int("state", 1, 3)?,
        search: nonempty(p, "search"),
        ..Default::default()
    })
}

/// `GET /api/v1/abuses`: moderators' list with PeerTube's filters.
pub async fn list(
    State(state): State<Instance>,
    user: CurrentUser,
    RawQuery(q): RawQuery,
) -> ApiResult<Json<Value>> {
    user.require(UserRole::Moderator)?;
    let p = Params::parse(q.as_deref());
    let (start, count) = p.pagination(15)?;
    let sort = p.sort(Sort::desc(AbuseSort::CreatedAt))?;
    let mut f = common_filter(&p)?;
    f.predefined_reason = match p.str("predefinedReason") {
        None | Some("") => None,
        Some(r) => Some(reason_bit(r).ok_or_else(|| {
            ApiError::bad_param(
                "predefinedReason",
                r,
                "Should have a valid predefinedReason",
                ParamLocation::Query,
            )
        })?),
    };
    f.video_is = one_of(
        &p,
        "videoIs",
        &[
            ("deleted", AbuseVideoIs::Deleted),
            ("blacklisted", AbuseVideoIs::Blacklisted),
        ],
    )?;
    f.kind = one_of(
        &p,
        "filter",
        &[
            ("video", AbuseKind::Video),
            ("comment", AbuseKind::Comment),
            ("account", AbuseKind::Account),
        ],
    )?;
    f.search_reporter = nonempty(&p, "searchReporter");
    f.search_reportee = nonempty(&p, "searchReportee");
    f.search_video = nonempty(&p, "searchVideo");
    f.search_video_channel = nonempty(&p, "searchVideoChannel");
    let (total, rows) = state
        .db
        .list_abuses_filtered(&f, sort, start, count)
        .await?;
    let mut data = Vec::with_capacity(rows.len());
    for a in &rows {
        data.push(abuse_json(&state, a, true).await?);
    }
    Ok(Json(json!({ "total": total, "data": data })))
}

/// `GET /api/v1/users/me/abuses`: the reports the caller made.
pub async fn my_abuses(
    State(state): State<Instance>,
    CurrentUser(user): CurrentUser,
    RawQuery(q): RawQuery,
) -> ApiResult<Json<Value>> {
    let p = Params::parse(q.as_deref());
    let (start, count) = p.pagination(15)?;
    let sort = p.sort(Sort::desc(AbuseSort::CreatedAt))?;
    let mut f = common_filter(&p)?;
    f.reporter_account_id = Some(user.account_id);
    let (total, rows) = state
        .db
        .list_abuses_filtered(&f, sort, start, count)
        .await?;
    let mut data = Vec::with_capacity(rows.len());
    for a in &rows {
        data.push(abuse_json(&state, a, false).await?);
    }
    Ok(Json(json!({ "total": total, "data": data })))
}

async fn account_json(state: &Instance, id: Option<i64>) -> ApiResult<Value> {
    Ok(match id {
        Some(id) => state
            .db
            .account_by_id(id)
            .await?
            .map(|a| state.account(&a))
            .unwrap_or(Value::Null),
        None => Value::Null,
    })
}

/// PeerTube's abuse JSON: `AdminAbuse` for moderators, `UserAbuse` for the reporter.
async fn abuse_json(state: &Instance, a: &AbuseFullRow, admin: bool) -> ApiResult<Value> {
    let video = if let Some(id) = a.video_id {
        match state.db.video_by_id(id).await? {
            Some(v) => {
                let channel = match state.db.channel_by_id(v.channel_id).await? {
                    Some(c) => state.channel(&c, None),
                    None => Value::Null,
                };
                let mut o = json!({
                    "id": v.id,
                    "uuid": v.uuid,
                    "shortUUID": state.video(&v, false).short_uuid,
                    "name": v.name,
                    "nsfw": v.nsfw,
                    "startAt": a.start_at,
                    "endAt": a.end_at,
                    "deleted": false,
                    "blacklisted": v.blacklisted,
                    "thumbnailPath": v.thumbnail_name.as_ref().map(|t| format!("/lazy-static/thumbnails/{t}")),
                    "channel": channel,
                });
                if admin {
                    set(&mut o, "countReports", json!(a.count_reports_for_video));
                    set(&mut o, "nthReport", json!(a.nth_report_for_video));
                }
                o
            }
            None => Value::Null,
        }
    } else if let Some(snap) = &a.video_snapshot {
        // The video was deleted: what was kept of it when it was reported.
        let s: Value = serde_json::from_str(snap).unwrap_or(Value::Null);
        let short = uuid::Uuid::parse_str(field(&s, "uuid").as_str().unwrap_or_default())
            .map(|u| ferrotube_model::ids::short_uuid(&u))
            .unwrap_or_default();
        let mut o = json!({
            "id": field(&s, "id"),
            "uuid": field(&s, "uuid"),
            "shortUUID": short,
            "name": field(&s, "name"),
            "nsfw": field(&s, "nsfw"),
            "startAt": a.start_at,
            "endAt": a.end_at,
            "deleted": true,
            "blacklisted": false,
            "thumbnailPath": null,
            "channel": field(&s, "channel"),
        });
        if admin {
            set(&mut o, "countReports", json!(0));
            set(&mut o, "nthReport", json!(0));
        }
        o
    } else {
        Value::Null
    };
    let comment = match a.comment_id {
        Some(id) => match state.db.comment_by_id(id).await? {
            Some(c) => {
                let v = state.db.video_by_id(c.video_id).await?;
                json!({
                    "id": c.id,
                    "threadId": c.thread_id.unwrap_or(c.id),
                    "text": if c.deleted_at.is_some() { String::new() } else { c.text.clone() },
                    "deleted": c.deleted_at.is_some(),
                    "video": v.map(|v| json!({ "id": v.id, "name": v.name, "uuid": v.uuid })),
                })
            }
            None => Value::Null,
        },
        None => Value::Null,
    };
    let mut out = json!({
        "id": a.id,
        "reason": a.reason,
        "predefinedReasons": bits_to_reasons(a.predefined_reasons),
        "flaggedAccount": account_json(state, a.flagged_account_id).await?,
        "state": { "id": a.state, "label": abuse_state_label(a.state) },
        "countMessages": a.count_messages,
        "video": video,
        "comment": comment,
        "createdAt": iso(a.created_at),
        "updatedAt": iso(a.updated_at),
    });
    if admin {
        set(&mut out, "moderationComment", json!(a.moderation_comment));
        set(
            &mut out,
            "reporterAccount",
            account_json(state, a.reporter_account_id).await?,
        );
        set(
            &mut out,
            "countReportsForReporter",
            json!(a.count_reports_for_reporter),
        );
        set(
            &mut out,
            "countReportsForReportee",
            json!(a.count_reports_for_reportee),
        );
    }
    Ok(out)
}

/// `PUT /api/v1/abuses/{id}`: state and moderation comment.
pub async fn update(
    State(state): State<Instance>,
    user: CurrentUser,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult<StatusCode> {
    user.require(UserRole::Moderator)?;
    let id = path_id("id", &id)?;
    let m = object_body(&body)?;
    let new_state = opt_int(m.get("state"), "state", "Should have a valid abuse state")?;
    let comment = opt_str(
        &m,
        "moderationComment",
        "Should have a valid moderation comment",
    )?;
    core::update_abuse(&state, id, new_state, comment.as_deref()).await?;
    crate::audit::record(
        &state,
        &user.0,
        "abuse",
        "update",
        json!({ "id": id, "state": new_state, "moderationComment": comment }),
    )
    .await;
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE /api/v1/abuses/{id}`.
pub async fn remove(
    State(state): State<Instance>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    user.require(UserRole::Moderator)?;
    let id = path_id("id", &id)?;
    if !state.db.delete_abuse(id).await? {
        return Err(ApiError::not_found("Abuse not found"));
    }
    tracing::info!(abuse = id, "abuse deleted");
    crate::audit::record(&state, &user.0, "abuse", "delete", json!({ "id": id })).await;
    Ok(StatusCode::NO_CONTENT)
}

fn account_summary(state: &Instance, a: &AccountRow) -> Value {
    let full = state.account(a);
    json!({
        "id": field(&full, "id"),
        "name": field(&full, "name"),
        "displayName": field(&full, "displayName"),
        "url": field(&full, "url"),
        "host": field(&full, "host"),
        "avatars": field(&full, "avatars"),
    })
}

/// `GET /api/v1/abuses/{id}/messages`: the reporter's or a moderator's.
pub async fn list_messages(
    State(state): State<Instance>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let id = path_id("id", &id)?;
    let (_, messages) = core::messages_for(&state, &user, id).await?;
    let mut data = Vec::with_capacity(messages.len());
    for m in &messages {
        let account = match m.account_id {
            Some(a) => state
                .db
                .account_by_id(a)
                .await?
                .map(|a| account_summary(&state, &a))
                .unwrap_or(Value::Null),
            None => Value::Null,
        };
        data.push(json!({
            "id": m.id,
            "message": m.message,
            "byModerator": m.by_moderator,
            "createdAt": iso(m.created_at),
            "account": account,
        }));
    }
    Ok(Json(json!({ "total": data.len(), "data": data })))
}

/// `POST /api/v1/abuses/{id}/messages`.
pub async fn add_message(
    State(state): State<Instance>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    let id = path_id("id", &id)?;
    let m = object_body(&body)?;
    let message = match m.get("message") {
        Some(Value::String(s)) => s.clone(),
        other => {
            return Err(bad_body(
                "message",
                other.unwrap_or(&Value::Null),
                "Should have a valid abuse message",
            ))
        }
    };
    let mid = core::add_message(&state, &user, id, &message).await?;
    Ok(Json(json!({ "abuseMessage": { "id": mid } })))
}

/// `DELETE /api/v1/abuses/{id}/messages/{messageId}`.
pub async fn delete_message(
    State(state): State<Instance>,
    CurrentUser(user): CurrentUser,
    Path((id, message_id)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let id = path_id("id", &id)?;
    let message_id = path_id("messageId", &message_id)?;
    core::delete_message(&state, &user, id, message_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

// ------------------------------------------------------------------------------------------
// Video blocks

/// `POST /api/v1/videos/{id}/blacklist` with optional `{reason, unfederate}`.
pub async fn block_video(
    State(state): State<Instance>,
    user: CurrentUser,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult<StatusCode> {
    user.require(UserRole::Moderator)?;
    let m = object_body(&body)?;
    let reason = opt_str(&m, "reason", "Should have a valid reason")?;
    let unfederate = match m.get("unfederate") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) if s == "true" => true,
        Some(Value::String(s)) if s == "false" => false,
        Some(other) => {
            return Err(bad_body(
                "unfederate",
                other,
                "Should have a valid unfederate boolean",
            ))
        }
    };
    core::block_video(&state, &id, reason.as_deref(), unfederate).await?;
    crate::audit::record(
        &state,
        &user.0,
        "video-blacklist",
        "create",
        json!({ "video": id, "reason": reason, "unfederate": unfederate }),
    )
    .await;
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE /api/v1/videos/{id}/blacklist`.
pub async fn unblock_video(
    State(state): State<Instance>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    user.require(UserRole::Moderator)?;
    core::unblock_video(&state, &id).await?;
    crate::audit::record(
        &state,
        &user.0,
        "video-blacklist",
        "delete",
        json!({ "video": id }),
    )
    .await;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /api/v1/videos/blacklist` (`type`, `search`, `sort`): PeerTube's `VideoBlacklist`
/// items, each with its video.
pub async fn list_blocks(
    State(state): State<Instance>,
    user: CurrentUser,
    RawQuery(q): RawQuery,
) -> ApiResult<Json<Value>> {
    user.require(UserRole::Moderator)?;
    let p = Params::parse(q.as_deref());
    let (start, count) = p.pagination(15)?;
    let sort = p.sort(Sort::desc(BlacklistSort::CreatedAt))?;
    let block_type = match p.str("type") {
        None | Some("") => None,
        Some("1") => Some(1),
        Some("2") => Some(2),
        Some(other) => {
            return Err(ApiError::bad_param(
                "type",
                other,
                "Should have a valid video blacklist type attribute",
                ParamLocation::Query,
            ))
        }
    };
    let search = nonempty(&p, "search");
    let (total, rows) = state
        .db
        .list_blacklist(block_type, search.as_deref(), sort, start, count)
        .await?;
    let mut data = Vec::with_capacity(rows.len());
    for b in &rows {
        let video = match state.db.video_by_id(b.video_id).await? {
            Some(v) => serde_json::to_value(state.video(&v, true))
                .map_err(|e| ApiError::internal(e.to_string()))?,
            None => Value::Null,
        };
        data.push(json!({
            "id": b.id,
            "videoId": b.video_id,
            "createdAt": iso(b.created_at),
            "updatedAt": iso(b.updated_at),
            "reason": b.reason,
            "unfederated": b.unfederated,
            "type": b.block_type,
            "video": video,
        }));
    }
    Ok(Json(json!({ "total": total, "data": data })))
}

// ------------------------------------------------------------------------------------------
// User bans

async fn set_blocked(
    state: &Instance,
    user: CurrentUser,
    id: &str,
    body: Option<&Bytes>,
) -> ApiResult<StatusCode> {
    user.require(UserRole::Moderator)?;
    let id = path_id("id", id)?;
    let reason = match body {
        Some(b) => opt_str(
            &object_body(b)?,
            "reason",
            "Should have a valid blocked reason",
        )?,
        None => None,
    };
    core::set_user_blocked(state, &user.0, id, body.is_some(), reason.as_deref()).await?;
    let action = if body.is_some() { "block" } else { "unblock" };
    crate::audit::record(
        state,
        &user.0,
        "users",
        action,
        json!({ "id": id, "reason": reason }),
    )
    .await;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/v1/users/{id}/block` with optional `{reason}`.
pub async fn block_user(
    State(state): State<Instance>,
    user: CurrentUser,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult<StatusCode> {
    set_blocked(&state, user, &id, Some(&body)).await
}

/// `POST /api/v1/users/{id}/unblock`.
pub async fn unblock_user(
    State(state): State<Instance>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    set_blocked(&state, user, &id, None).await
}
