//! "My Notifications" (`/api/v1/users/me/notifications…`, notification settings), their live
//! stream, and the mails with a secret link (password reset, e-mail verification); the two pages
//! those links open are in `pages::account`.
//!
//! The live stream, `GET /api/v1/users/me/notifications/stream`, is server-sent events
//! authenticated by a bearer token or our pages' session cookie. The page reads it with `fetch()` and a
//! stream reader rather than `EventSource`, which cannot send an `Authorization` header: that
//! keeps the token out of URLs (logs, proxies, history) and needs no second kind of credential
//! (a ticket table, its expiry, its cleanup). It sends `hello` (the unread count) once, then one
//! `notification` event (PeerTube's `UserNotification`) per new notification, and `resync`
//! when it fell behind.

use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult, ParamLocation};
use crate::extract::{Json, Path};
use crate::params::Params;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use axum::routing::{get, post, put};
use axum::Router;
use ferrotube_app::notifications;
use ferrotube_app::Instance;
use ferrotube_db::notifications::NotificationQuery;
use ferrotube_model::timefmt::now_ms;
use futures::Stream;
use serde::Deserialize;
use serde_json::{json, Value};
use std::convert::Infallible;

pub fn routes() -> Router<Instance> {
    Router::new()
        .route("/api/v1/users/me/notifications", get(list))
        .route("/api/v1/users/me/notifications/read", post(read))
        .route("/api/v1/users/me/notifications/read-all", post(read_all))
        .route("/api/v1/users/me/notifications/stream", get(stream))
        .route(
            "/api/v1/users/me/notification-settings",
            put(update_settings),
        )
        .route("/api/v1/users/ask-reset-password", post(ask_reset_password))
        .route("/api/v1/users/{id}/reset-password", post(reset_password))
        .route(
            "/api/v1/users/ask-send-verify-email",
            post(ask_send_verify_email),
        )
        .route("/api/v1/users/{id}/verify-email", post(verify_email))
}

/// `GET /users/me/notifications`: `unread`, `typeOneOf`, `start`, `count`, `sort` (`createdAt`,
/// `read`, `-` for descending; newest first by default).
pub async fn list(
    State(state): State<Instance>,
    CurrentUser(user): CurrentUser,
    RawQuery(q): RawQuery,
) -> ApiResult<Json<Value>> {
    let p = Params::parse(q.as_deref());
    let unread_only = p.bool("unread")?.unwrap_or(false);
    let (start, count) = p.pagination(15)?;
    let (by_read, descending) = match p.str("sort").filter(|s| !s.is_empty()) {
        None | Some("-createdAt") => (false, true),
        Some("createdAt") => (false, false),
        Some("read") => (true, false),
        Some("-read") => (true, true),
        Some(other) => {
            return Err(ApiError::bad_param(
                "sort",
                other,
                "Should have correct sortable column",
                ParamLocation::Query,
            ))
        }
    };
    let mut types = Vec::new();
    for raw in p.all("typeOneOf") {
        types.push(raw.parse::<i64>().map_err(|_| {
            ApiError::bad_param(
                "typeOneOf",
                raw,
                "Should have a valid typeOneOf array",
                ParamLocation::Query,
            )
        })?);
    }
    let (total, data) = notifications::list(
        &state,
        NotificationQuery {
            user_id: user.id,
            unread_only,
            start,
            count,
            by_read,
            descending,
            types,
        },
    )
    .await?;
    Ok(Json(json!({ "total": total, "data": data })))
}

/// `POST /users/me/notifications/read` with `ids` (PeerTube lets it be absent).
pub async fn read(
    State(state): State<Instance>,
    CurrentUser(user): CurrentUser,
    Json(body): Json<Value>,
) -> ApiResult<StatusCode> {
    let ids = match body.get("ids") {
        None => Vec::new(),
        Some(Value::Array(items)) if !items.is_empty() => items
            .iter()
            .map(Value::as_i64)
            .collect::<Option<Vec<i64>>>()
            .ok_or_else(bad_ids)?,
        Some(_) => return Err(bad_ids()),
    };
    state
        .db
        .mark_notifications_read(user.id, &ids, now_ms())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

fn bad_ids() -> ApiError {
    ApiError::bad_param(
        "ids",
        "",
        "Should have a valid array of notification ids",
        ParamLocation::Body,
    )
}

pub async fn read_all(
    State(state): State<Instance>,
    CurrentUser(user): CurrentUser,
) -> ApiResult<StatusCode> {
    state
        .db
        .mark_all_notifications_read(user.id, now_ms())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn update_settings(
    State(state): State<Instance>,
    CurrentUser(user): CurrentUser,
    Json(body): Json<Value>,
) -> ApiResult<StatusCode> {
    notifications::update_settings(&state, user.id, &body).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The live stream (see the module's comment for why `fetch` and a bearer token).
pub async fn stream(
    State(state): State<Instance>,
    CurrentUser(user): CurrentUser,
    headers: axum::http::HeaderMap,
) -> ApiResult<Sse<impl Stream<Item = Result<SseEvent, Infallible>>>> {
    // The stream ends when the token that opened it expires; the page then reconnects with a
    // fresh one (a stream must not outlive its credential). The credential is the bearer
    // token of an API client or the session cookie of our pages.
    let token = crate::auth::bearer(&headers)
        .or_else(|| crate::session::session_token(&headers))
        .unwrap_or_default();
    let expires_at = state
        .db
        .token_by_access(token)
        .await?
        .map(|t| t.access_expires_at)
        .unwrap_or_else(now_ms);
    let lifetime = std::time::Duration::from_millis(
        u64::try_from(expires_at.saturating_sub(now_ms())).unwrap_or(0),
    );
    // Subscribed before counting: a notification made in between is counted or sent, or both
    // (the page dedups by id), never lost.
    let rx = state.notifications.subscribe();
    let unread = state.db.count_unread_notifications(user.id).await?;
    let hello = SseEvent::default()
        .event("hello")
        .data(json!({ "unreadCount": unread }).to_string());
    let user_id = user.id;
    let live = futures::stream::unfold(rx, move |mut rx| async move {
        use tokio::sync::broadcast::error::RecvError;
        loop {
            match rx.recv().await {
                Ok(p) if p.user_id == user_id => {
                    let ev = SseEvent::default().event("notification").data(p.json);
                    return Some((Ok::<_, Infallible>(ev), rx));
                }
                Ok(_) => continue,
                Err(RecvError::Lagged(_)) => {
                    let ev = SseEvent::default().event("resync").data("{}");
                    return Some((Ok(ev), rx));
                }
                Err(RecvError::Closed) => return None,
            }
        }
    });
    let events = futures::StreamExt::take_until(
        futures::StreamExt::chain(
            futures::stream::once(async { Ok::<_, Infallible>(hello) }),
            live,
        ),
        tokio::time::sleep(lifetime),
    );
    Ok(Sse::new(events).keep_alive(KeepAlive::default()))
}

#[derive(Deserialize)]
pub struct EmailBody {
    email: Option<Value>,
}

fn email_of(b: &EmailBody) -> Option<&str> {
    b.email.as_ref().and_then(Value::as_str)
}

/// Always 204 for a well-formed address, known or not.
pub async fn ask_reset_password(
    State(state): State<Instance>,
    Json(b): Json<EmailBody>,
) -> ApiResult<StatusCode> {
    ferrotube_app::user_emails::ask_reset_password(&state, email_of(&b)).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn ask_send_verify_email(
    State(state): State<Instance>,
    Json(b): Json<EmailBody>,
) -> ApiResult<StatusCode> {
    ferrotube_app::user_emails::ask_send_verify_email(&state, email_of(&b)).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SecretBody {
    verification_string: Option<Value>,
    password: Option<Value>,
}

pub async fn reset_password(
    State(state): State<Instance>,
    Path(id): Path<String>,
    Json(b): Json<SecretBody>,
) -> ApiResult<StatusCode> {
    ferrotube_app::user_emails::reset_password(
        &state,
        &id,
        b.verification_string.as_ref().and_then(Value::as_str),
        b.password.as_ref().and_then(Value::as_str),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn verify_email(
    State(state): State<Instance>,
    Path(id): Path<String>,
    Json(b): Json<SecretBody>,
) -> ApiResult<StatusCode> {
    ferrotube_app::user_emails::verify_email(
        &state,
        &id,
        b.verification_string.as_ref().and_then(Value::as_str),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}
