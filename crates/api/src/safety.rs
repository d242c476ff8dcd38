//! Account safety routes: registration requests and their moderation, two-factor sign-in,
//! token sessions and the passwords of password-protected videos. The rules live in
//! `ferrotube_app::{registrations, two_factor, video_passwords}`; sessions are rows of the
//! token store.

use crate::auth::{bearer, CurrentUser};
use crate::error::{ApiError, ApiResult, ErrorCode, ParamLocation};
use crate::extract::{Json, Path};
use crate::params::Params;
use axum::extract::{FromRequestParts, RawQuery, State};
use axum::http::{request::Parts, HeaderMap, StatusCode};
use axum::routing::{get, post};
use axum::Router;
use ferrotube_app::accounts::verify_password;
use ferrotube_app::registrations::{self, RegistrationRequest};
use ferrotube_app::videos::find_video;
use ferrotube_app::{two_factor, video_passwords, Instance};
use ferrotube_db::safety::{RegistrationRow, RegistrationSort, TokenSessionRow, TokenSessionSort};
use ferrotube_db::sort::Sort;
use ferrotube_db::users::UserRow;
use ferrotube_model::timefmt::{iso, now_ms};
use ferrotube_model::UserRole;
use serde::Deserialize;
use serde_json::{json, Value};

pub fn routes() -> Router<Instance> {
    Router::new()
        .route(
            "/api/v1/users/registrations/request",
            post(request_registration),
        )
        .route("/api/v1/users/registrations", get(list_registrations))
        .route(
            "/api/v1/users/registrations/{id}/accept",
            post(accept_registration),
        )
        .route(
            "/api/v1/users/registrations/{id}/reject",
            post(reject_registration),
        )
        .route(
            "/api/v1/users/registrations/{id}",
            axum::routing::delete(delete_registration),
        )
        .route("/api/v1/users/{id}/two-factor/request", post(request_2fa))
        .route(
            "/api/v1/users/{id}/two-factor/confirm-request",
            post(confirm_2fa),
        )
        .route("/api/v1/users/{id}/two-factor/disable", post(disable_2fa))
        .route("/api/v1/users/{id}/token-sessions", get(list_sessions))
        // PeerTube routes POST; its spec says GET: both are answered.
        .route(
            "/api/v1/users/{id}/token-sessions/{session}/revoke",
            post(revoke_session).get(revoke_session),
        )
        .route(
            "/api/v1/videos/{id}/passwords",
            get(list_passwords)
                .put(replace_passwords)
                .post(add_password),
        )
        .route(
            "/api/v1/videos/{id}/passwords/{password}",
            axum::routing::delete(delete_password),
        )
}

fn id_param(name: &str, raw: &str) -> ApiResult<i64> {
    raw.parse::<i64>().ok().filter(|n| *n > 0).ok_or_else(|| {
        ApiError::bad_param(name, raw, "Should have a valid id", ParamLocation::Params)
    })
}

fn missing(name: &str) -> ApiError {
    ApiError::bad_param(
        name,
        "",
        format!("Should have a valid {name}"),
        ParamLocation::Body,
    )
}

// ------------------------------------------------------------------ registrations

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RegistrationBody {
    username: Option<String>,
    password: Option<String>,
    email: Option<String>,
    display_name: Option<String>,
    channel: Option<ChannelBody>,
    registration_reason: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChannelBody {
    name: Option<String>,
    display_name: Option<String>,
}

pub fn registration_json(r: &RegistrationRow) -> Value {
    json!({
        "id": r.id,
        "state": { "id": r.state, "label": registrations::state_label(r.state) },
        "registrationReason": r.registration_reason,
        "moderationResponse": r.moderation_response,
        "username": r.username,
        "email": r.email,
        "emailVerified": r.email_verified,
        "accountDisplayName": r.account_display_name,
        "channelHandle": r.channel_handle,
        "channelDisplayName": r.channel_display_name,
        "createdAt": iso(r.created_at),
        "updatedAt": iso(r.updated_at),
        "user": r.user_id.map(|id| json!({ "id": id })),
    })
}

/// `POST /users/registrations/request`: anyone, when sign-up is open and needs approval.
pub async fn request_registration(
    State(state): State<Instance>,
    Json(b): Json<RegistrationBody>,
) -> ApiResult<Json<Value>> {
    let username = b.username.as_deref().ok_or_else(|| missing("username"))?;
    let password = b.password.as_deref().ok_or_else(|| missing("password"))?;
    let email = b.email.as_deref().ok_or_else(|| missing("email"))?;
    let reason = b
        .registration_reason
        .as_deref()
        .ok_or_else(|| missing("registrationReason"))?;
    let channel = match &b.channel {
        None => None,
        Some(ChannelBody {
            name: Some(n),
            display_name: Some(d),
        }) => Some((n.as_str(), d.as_str())),
        Some(_) => {
            return Err(ApiError::bad_request(
                "Channel is optional but if you specify it, channel.name and channel.displayName are required.",
            ))
        }
    };
    let row = registrations::request(
        &state,
        RegistrationRequest {
            username,
            password,
            email,
            display_name: b.display_name.as_deref(),
            channel,
            reason,
        },
    )
    .await?;
    Ok(Json(registration_json(&row)))
}

pub async fn list_registrations(
    State(state): State<Instance>,
    user: CurrentUser,
    RawQuery(q): RawQuery,
) -> ApiResult<Json<Value>> {
    user.require(UserRole::Moderator)?;
    let p = Params::parse(q.as_deref());
    let (start, count) = p.pagination(15)?;
    let sort = p.sort(Sort::desc(RegistrationSort::CreatedAt))?;
    let states = p.ints("stateOneOf")?;
    if let Some(bad) = states.iter().find(|s| !(1..=3).contains(*s)) {
        return Err(ApiError::bad_param(
            "stateOneOf",
            &bad.to_string(),
            "Should have a valid registration state",
            ParamLocation::Query,
        ));
    }
    let search = p.str("search").filter(|s| !s.is_empty());
    let (total, rows) = state
        .db
        .list_registrations(search, &states, start, count, sort)
        .await?;
    let data: Vec<Value> = rows.iter().map(registration_json).collect();
    Ok(Json(json!({ "total": total, "data": data })))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ModerationBody {
    moderation_response: Option<String>,
    prevent_email_delivery: Option<bool>,
}

pub async fn accept_registration(
    State(state): State<Instance>,
    user: CurrentUser,
    Path(id): Path<String>,
    Json(b): Json<ModerationBody>,
) -> ApiResult<StatusCode> {
    user.require(UserRole::Moderator)?;
    let id = id_param("registrationId", &id)?;
    registrations::accept(
        &state,
        id,
        b.moderation_response.as_deref(),
        b.prevent_email_delivery.unwrap_or(false),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn reject_registration(
    State(state): State<Instance>,
    user: CurrentUser,
    Path(id): Path<String>,
    Json(b): Json<ModerationBody>,
) -> ApiResult<StatusCode> {
    user.require(UserRole::Moderator)?;
    let id = id_param("registrationId", &id)?;
    registrations::reject(
        &state,
        id,
        b.moderation_response.as_deref(),
        b.prevent_email_delivery.unwrap_or(false),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn delete_registration(
    State(state): State<Instance>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    user.require(UserRole::Moderator)?;
    let id = id_param("registrationId", &id)?;
    registrations::delete(&state, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

// ------------------------------------------------------------------ two-factor

/// The user `{id}` names, when `me` may act on them: themself, or a user their role manages
/// (an admin anyone, a moderator plain users).
async fn managed_target(
    state: &Instance,
    me: &UserRow,
    raw_id: &str,
    what: &str,
) -> ApiResult<UserRow> {
    let id = id_param("id", raw_id)?;
    let target = state
        .db
        .user_by_id(id)
        .await?
        .ok_or_else(|| ApiError::not_found("User not found"))?;
    if target.id != me.id && !me.role.can_manage(target.role) {
        return Err(ApiError::forbidden(format!(
            "User {} does not have right to {what} of this user.",
            me.username
        )));
    }
    Ok(target)
}

/// PeerTube asks for the caller's current password, except for a moderator acting on another
/// user.
fn check_current_password(me: &UserRow, target_id: &str, given: Option<&str>) -> ApiResult<()> {
    let acting_on_other = target_id.parse::<i64>().ok() != Some(me.id);
    if acting_on_other && me.role.moderates_videos() {
        return Ok(());
    }
    let Some(given) = given.filter(|p| !p.is_empty()) else {
        return Err(missing("currentPassword"));
    };
    if !verify_password(given, &me.password_hash) {
        return Err(ApiError::unauthorized("Invalid current password")
            .code(ErrorCode::InvalidCurrentPassword));
    }
    Ok(())
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PasswordBody {
    current_password: Option<String>,
}

pub async fn request_2fa(
    State(state): State<Instance>,
    CurrentUser(me): CurrentUser,
    Path(id): Path<String>,
    Json(b): Json<PasswordBody>,
) -> ApiResult<Json<Value>> {
    check_current_password(&me, &id, b.current_password.as_deref())?;
    let target = managed_target(&state, &me, &id, "change two factor setting").await?;
    let r = two_factor::request(&state, &target).await?;
    Ok(Json(json!({
        "otpRequest": { "requestToken": r.request_token, "secret": r.secret, "uri": r.uri }
    })))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConfirmBody {
    request_token: Option<String>,
    otp_token: Option<String>,
}

pub async fn confirm_2fa(
    State(state): State<Instance>,
    crate::auth::ClientIp(ip): crate::auth::ClientIp,
    CurrentUser(me): CurrentUser,
    Path(id): Path<String>,
    Json(b): Json<ConfirmBody>,
) -> ApiResult<StatusCode> {
    // Guessing codes is what the login limiter is for too (PeerTube: its confirm-token limiter).
    if let Err(retry) = state.login_limiter.hit(&state.counters, ip).await {
        return Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "Too many attempts, please try again later.",
        )
        .header(axum::http::header::RETRY_AFTER, retry.to_string()));
    }
    let target = managed_target(&state, &me, &id, "change two factor setting").await?;
    let request_token = b
        .request_token
        .as_deref()
        .ok_or_else(|| missing("requestToken"))?;
    let otp_token = b.otp_token.as_deref().ok_or_else(|| missing("otpToken"))?;
    two_factor::confirm(&state, &target, request_token, otp_token).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn disable_2fa(
    State(state): State<Instance>,
    CurrentUser(me): CurrentUser,
    Path(id): Path<String>,
    Json(b): Json<PasswordBody>,
) -> ApiResult<StatusCode> {
    check_current_password(&me, &id, b.current_password.as_deref())?;
    let target = managed_target(&state, &me, &id, "change two factor setting").await?;
    two_factor::disable(&state, &target).await?;
    Ok(StatusCode::NO_CONTENT)
}

// ------------------------------------------------------------------ token sessions

fn session_json(s: &TokenSessionRow, current: Option<&str>) -> Value {
    let login_at = s.login_at.unwrap_or(s.created_at);
    json!({
        "id": s.id,
        "currentSession": current == Some(s.access_token.as_str()),
        "loginDevice": s.login_device,
        "loginIP": s.login_ip,
        "loginDate": iso(login_at),
        "lastActivityDevice": s.last_activity_device,
        "lastActivityIP": s.last_activity_ip,
        "lastActivityDate": iso(s.last_activity_at.unwrap_or(login_at)),
        "createdAt": iso(s.created_at),
    })
}

pub async fn list_sessions(
    State(state): State<Instance>,
    CurrentUser(me): CurrentUser,
    headers: HeaderMap,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> ApiResult<Json<Value>> {
    let target = managed_target(&state, &me, &id, "manage the token sessions").await?;
    let p = Params::parse(q.as_deref());
    let (start, count) = p.pagination(15)?;
    let sort = p.sort(Sort::desc(TokenSessionSort::CreatedAt))?;
    let (total, rows) = state
        .db
        .list_sessions(target.id, now_ms(), start, count, sort)
        .await?;
    let current = bearer(&headers);
    let data: Vec<Value> = rows.iter().map(|s| session_json(s, current)).collect();
    Ok(Json(json!({ "total": total, "data": data })))
}

pub async fn revoke_session(
    State(state): State<Instance>,
    CurrentUser(me): CurrentUser,
    Path((id, session)): Path<(String, String)>,
) -> ApiResult<Json<Value>> {
    let target = managed_target(&state, &me, &id, "manage the token sessions").await?;
    let session = id_param("tokenSessionId", &session)?;
    if !state.db.revoke_session(target.id, session).await? {
        return Err(ApiError::not_found(
            "The token session does not exist or does not belong to the user.",
        ));
    }
    tracing::info!(
        user = target.id,
        session,
        by = me.id,
        "token session revoked"
    );
    // PeerTube's revokeToken answer.
    Ok(Json(json!({ "success": true })))
}

// ------------------------------------------------------------------ video passwords

/// The `x-peertube-video-password` header, when the request has one.
pub struct VideoPasswordHeader(pub Option<String>);

/// Finds the video `{id}` and checks that the reader may see it, with the video password they
/// sent (from `ip`, for the limit on wrong passwords): every read that accepts the header.
pub async fn find_readable_video(
    state: &Instance,
    id: &str,
    user: Option<&UserRow>,
    password: Option<&str>,
    ip: std::net::IpAddr,
) -> ApiResult<ferrotube_db::videos::VideoRow> {
    let v = find_video(state, id).await?;
    video_passwords::visible_with_password(state, &v, user, password, ip).await?;
    Ok(v)
}

impl<S: Send + Sync> FromRequestParts<S> for VideoPasswordHeader {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(VideoPasswordHeader(password_from(&parts.headers)))
    }
}

pub fn password_from(headers: &HeaderMap) -> Option<String> {
    headers
        .get(video_passwords::HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

pub async fn list_passwords(
    State(state): State<Instance>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> ApiResult<Json<Value>> {
    let v = find_video(&state, &id).await?;
    let (start, count) = Params::parse(q.as_deref()).pagination(15)?;
    let (total, rows) = video_passwords::list(&state, &user, &v, start, count).await?;
    let data: Vec<Value> = rows
        .iter()
        .map(|p| json!({ "id": p.id, "password": p.password, "videoId": p.video_id }))
        .collect();
    Ok(Json(json!({ "total": total, "data": data })))
}

#[derive(Deserialize)]
pub struct PasswordsBody {
    passwords: Option<Vec<String>>,
}

pub async fn replace_passwords(
    State(state): State<Instance>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
    Json(b): Json<PasswordsBody>,
) -> ApiResult<StatusCode> {
    let v = find_video(&state, &id).await?;
    video_passwords::replace(&state, &user, &v, b.passwords.as_deref()).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
pub struct OnePasswordBody {
    password: Option<String>,
}

pub async fn add_password(
    State(state): State<Instance>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
    Json(b): Json<OnePasswordBody>,
) -> ApiResult<StatusCode> {
    let v = find_video(&state, &id).await?;
    let password = b.password.as_deref().ok_or_else(|| missing("password"))?;
    video_passwords::add(&state, &user, &v, password).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn delete_password(
    State(state): State<Instance>,
    CurrentUser(user): CurrentUser,
    Path((id, password)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let v = find_video(&state, &id).await?;
    let password_id = id_param("videoPasswordId", &password)?;
    video_passwords::delete(&state, &user, &v, password_id).await?;
    Ok(StatusCode::NO_CONTENT)
}
