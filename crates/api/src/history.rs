//! Watch history (`/api/v1/users/me/history/videos...`, `PUT /api/v1/videos/{id}/watching`) and
//! the feed token (`/api/v1/users/scoped-tokens`), over `ferrotube_app::history`.

use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult, ParamLocation};
use crate::extract::{Json, Path};
use crate::params::Params;
use crate::shapes::JsonViews;
use axum::extract::{FromRequest, RawQuery, Request, State};
use axum::http::{header, StatusCode};
use ferrotube_app::history;
use ferrotube_app::videos::find_video;
use ferrotube_app::Instance;
use ferrotube_db::users::UserRow;
use ferrotube_db::videos::VideoRow;
use ferrotube_model::timefmt::parse_iso;
use serde::Deserialize;
use serde_json::{json, Value};

/// `currentTime` of a watching or view body: a whole number of seconds (PeerTube accepts a
/// number; a fractional one is floored).
pub fn current_time_of(body: &Value) -> ApiResult<Option<i64>> {
    match body.get("currentTime") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => match n.as_f64() {
            Some(f) if (0.0..1e12).contains(&f) => Ok(Some(f.floor() as i64)),
            _ => Err(bad_time(&n.to_string())),
        },
        Some(other) => Err(bad_time(&other.to_string())),
    }
}

fn bad_time(value: &str) -> ApiError {
    ApiError::bad_param(
        "currentTime",
        value,
        "Should have correct current time",
        ParamLocation::Body,
    )
}

pub async fn watching(
    State(state): State<Instance>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
    Json(body): Json<Value>,
) -> ApiResult<StatusCode> {
    let t = current_time_of(&body)?.ok_or_else(|| bad_time(""))?;
    let v = find_video(&state, &id).await?;
    history::record(&state, &user, &v, t).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn list(
    State(state): State<Instance>,
    CurrentUser(user): CurrentUser,
    RawQuery(q): RawQuery,
) -> ApiResult<Json<Value>> {
    let p = Params::parse(q.as_deref());
    let (start, count) = p.pagination(15)?;
    let (total, rows) = state
        .db
        .list_history(user.id, p.str("search"), start, count)
        .await?;
    let data: Vec<crate::shapes::Video> = rows
        .iter()
        .map(|r| crate::shapes::Video {
            user_history: Some(crate::shapes::UserHistory {
                current_time: r.position_secs,
            }),
            ..state.video(&r.video, false)
        })
        .collect();
    Ok(Json(json!({ "total": total, "data": data })))
}

/// `DELETE /api/v1/users/me/history/videos`: the whole history.
pub async fn clear(
    State(state): State<Instance>,
    CurrentUser(user): CurrentUser,
) -> ApiResult<StatusCode> {
    state.db.clear_history(user.id, None).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct RemoveBody {
    before_date: Option<Value>,
}

/// `POST /api/v1/users/me/history/videos/remove` with an optional `beforeDate` (JSON, form or
/// multipart body, as PeerTube's client and its spec send it).
pub async fn remove(
    State(state): State<Instance>,
    CurrentUser(user): CurrentUser,
    req: Request,
) -> ApiResult<StatusCode> {
    let ctype = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let before: Option<Value> = if ctype.starts_with("multipart/form-data") {
        let mut form = axum::extract::Multipart::from_request(req, &state)
            .await
            .map_err(|e| ApiError::bad_request(format!("Invalid multipart body: {e}")))?;
        let mut found = None;
        while let Some(field) = form
            .next_field()
            .await
            .map_err(|e| ApiError::bad_request(format!("Invalid multipart body: {e}")))?
        {
            if field.name() == Some("beforeDate") {
                let text = field
                    .text()
                    .await
                    .map_err(|e| ApiError::bad_request(format!("Invalid multipart body: {e}")))?;
                found = Some(Value::String(text));
            }
        }
        found
    } else {
        let bytes = axum::body::Bytes::from_request(req, &state)
            .await
            .map_err(|e| ApiError::bad_request(format!("Invalid body: {e}")))?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            None
        } else if ctype.starts_with("application/x-www-form-urlencoded") {
            let p = Params::parse(std::str::from_utf8(&bytes).ok());
            p.str("beforeDate").map(|s| Value::String(s.to_string()))
        } else {
            let b: RemoveBody = serde_json::from_slice(&bytes)
                .map_err(|e| ApiError::bad_request(format!("Invalid JSON body: {e}")))?;
            b.before_date
        }
    };
    let before_ms = match before {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(parse_iso(&s).ok_or_else(|| bad_date(&s))?),
        Some(other) => return Err(bad_date(&other.to_string())),
    };
    state.db.clear_history(user.id, before_ms).await?;
    Ok(StatusCode::NO_CONTENT)
}

fn bad_date(value: &str) -> ApiError {
    ApiError::bad_param(
        "beforeDate",
        value,
        "Should have a valid before date",
        ParamLocation::Body,
    )
}

/// `DELETE /api/v1/users/me/history/videos/{videoId}`.
pub async fn remove_one(
    State(state): State<Instance>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let v = find_video(&state, &id).await?;
    state.db.remove_history_video(user.id, v.id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Adds `userHistory` to a video answer read by `user`, when the video is in their history.
pub async fn attach(
    state: &Instance,
    user: &UserRow,
    v: &VideoRow,
    answer: &mut Value,
) -> ApiResult<()> {
    if let Some(t) = state.db.watch_position(user.id, v.id).await? {
        if let Some(o) = answer.as_object_mut() {
            o.insert("userHistory".into(), json!({ "currentTime": t }));
        }
    }
    Ok(())
}

pub async fn scoped_tokens(
    State(state): State<Instance>,
    CurrentUser(user): CurrentUser,
) -> ApiResult<Json<Value>> {
    let t = history::feed_token(&state, &user).await?;
    Ok(Json(json!({ "feedToken": t })))
}

pub async fn renew_scoped_tokens(
    State(state): State<Instance>,
    CurrentUser(user): CurrentUser,
) -> ApiResult<Json<Value>> {
    let t = history::renew_feed_token(&state, &user).await?;
    Ok(Json(json!({ "feedToken": t })))
}
