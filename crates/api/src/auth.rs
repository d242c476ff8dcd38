//! OAuth2 as PeerTube does it: one local client, the password and refresh_token grants, opaque
//! bearer tokens stored hashed-free (they are random 40-hex strings, compared by lookup).

use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::extract::{Form, Json};
use axum::extract::{ConnectInfo, FromRequestParts, State};
use axum::http::{header, request::Parts, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use ferrotube_app::accounts::{random_token, verify_password};
use ferrotube_app::Instance;
use ferrotube_db::safety::SessionLogin;
use ferrotube_db::tokens::TokenRow;
use ferrotube_db::users::UserRow;
use ferrotube_model::timefmt::now_ms;
use ferrotube_model::UserRole;
use serde::Deserialize;
use serde_json::json;
use std::net::SocketAddr;

/// The header a two-factor code comes in (and that says one is required).
const OTP_HEADER: &str = "x-peertube-otp";

/// The signed-in user, if the request carries a valid bearer token.
pub struct MaybeUser(pub Option<UserRow>);

/// A signed-in user; 401 otherwise.
pub struct CurrentUser(pub UserRow);

impl CurrentUser {
    pub fn role(&self) -> UserRole {
        self.0.role
    }
    pub fn require(&self, role_at_least: UserRole) -> ApiResult<()> {
        if self.role() <= role_at_least {
            Ok(())
        } else {
            Err(ApiError::forbidden("You do not have the rights to do this"))
        }
    }
}

pub(crate) fn bearer(headers: &HeaderMap) -> Option<&str> {
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = v.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// How often a token's last activity (device, address, date) is written: at most once a minute,
/// not once per request.
const ACTIVITY_WRITE_MS: i64 = 60_000;

/// The client's `User-Agent`, as a session's device.
pub(crate) fn user_agent(headers: &HeaderMap) -> Option<String> {
    headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(|s| s.chars().take(500).collect())
}

async fn user_from_parts(state: &Instance, parts: &Parts) -> ApiResult<Option<UserRow>> {
    let headers = &parts.headers;
    let (token, from_cookie) = match bearer(headers) {
        Some(t) => (t, false),
        None => match crate::session::session_token(headers) {
            Some(t) => (t, true),
            None => return Ok(None),
        },
    };
    let t = state.db.token_by_access(token).await?;
    let user = match &t {
        Some(t) => state.db.user_by_id(t.user_id).await?,
        None => None,
    };
    let problem = match (&t, &user) {
        (None, _) | (_, None) => Some(ApiError::unauthorized("Token is invalid")),
        (Some(t), _) if t.access_expires_at < now_ms() => {
            Some(ApiError::unauthorized("Token has expired").code(ErrorCode::InvalidToken))
        }
        (_, Some(u)) if u.blocked => Some(ApiError::unauthorized("User is blocked")),
        _ => None,
    };
    let (Some(t), Some(user), None) = (t, user, problem.as_ref()) else {
        // A page's session that ended (signed out elsewhere, expired, banned) reads as
        // anonymous: public pages keep working and the next sign-in replaces the cookie.
        return match problem {
            Some(p) if !from_cookie => Err(p),
            _ => Ok(None),
        };
    };
    // A cookie goes with every request the browser makes to us, including those another site
    // provokes: a change made with it must show the token only our pages know.
    if from_cookie && !parts.method.is_safe() && !crate::session::csrf_ok(headers, token) {
        return Err(ApiError::forbidden(
            "Missing or wrong CSRF token: reload the page and try again",
        ));
    }
    let now = now_ms();
    // A read by primary key on every request, a write at most once a minute.
    let last = state.db.token_last_activity(t.id).await?;
    if last.is_none_or(|at| at < now - ACTIVITY_WRITE_MS) {
        // Best effort: a failed bookkeeping write must not refuse the request.
        if let Err(e) = state
            .db
            .touch_session(
                t.id,
                user_agent(headers).as_deref(),
                &client_ip(state, &parts.headers, &parts.extensions).to_string(),
                now,
                now - ACTIVITY_WRITE_MS,
            )
            .await
        {
            tracing::warn!(error = %e, "cannot record the token's last activity");
        }
    }
    Ok(Some(user))
}

impl FromRequestParts<Instance> for MaybeUser {
    type Rejection = ApiError;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &Instance,
    ) -> Result<Self, Self::Rejection> {
        Ok(MaybeUser(user_from_parts(state, parts).await?))
    }
}

impl FromRequestParts<Instance> for CurrentUser {
    type Rejection = ApiError;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &Instance,
    ) -> Result<Self, Self::Rejection> {
        match user_from_parts(state, parts).await? {
            Some(u) => Ok(CurrentUser(u)),
            None => Err(ApiError::unauthorized("Token is invalid")),
        }
    }
}

pub async fn local_client(State(state): State<Instance>) -> ApiResult<Json<serde_json::Value>> {
    let c = state
        .db
        .local_oauth_client(|| (random_token(16), random_token(16)))
        .await?;
    Ok(Json(
        json!({ "client_id": c.client_id, "client_secret": c.client_secret }),
    ))
}

#[derive(Deserialize)]
pub struct TokenForm {
    client_id: Option<String>,
    client_secret: Option<String>,
    grant_type: Option<String>,
    username: Option<String>,
    password: Option<String>,
    refresh_token: Option<String>,
}

fn oauth_error(status: StatusCode, code: ErrorCode, detail: &str) -> ApiError {
    ApiError::new(status, detail).code(code)
}

/// The client's address (rate limits, view counting, sessions, the audit log): the
/// connection's peer, or behind a trusted reverse proxy (`trust_proxy`) the address it
/// forwards in `X-Forwarded-For`.
pub struct ClientIp(pub std::net::IpAddr);

/// See [`ClientIp`]; for code that has the request's parts rather than an extractor.
pub fn client_ip(
    state: &Instance,
    headers: &HeaderMap,
    extensions: &axum::http::Extensions,
) -> std::net::IpAddr {
    let peer = extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())
        .unwrap_or(std::net::IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED));
    let forwarded = headers.get("x-forwarded-for").and_then(|v| v.to_str().ok());
    state.settings.trusted_proxies.client(peer, forwarded)
}

impl FromRequestParts<Instance> for ClientIp {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &Instance,
    ) -> Result<Self, Self::Rejection> {
        Ok(ClientIp(client_ip(
            state,
            &parts.headers,
            &parts.extensions,
        )))
    }
}

pub async fn token(
    State(state): State<Instance>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    form: Result<Form<TokenForm>, ApiError>,
) -> ApiResult<Response> {
    let Form(f) = form.map_err(|e| {
        oauth_error(
            StatusCode::BAD_REQUEST,
            ErrorCode::InvalidRequest,
            &format!("Invalid request: {}", e.detail),
        )
    })?;
    let (Some(cid), Some(secret)) = (f.client_id.as_deref(), f.client_secret.as_deref()) else {
        return Err(oauth_error(
            StatusCode::BAD_REQUEST,
            ErrorCode::InvalidClient,
            "Invalid client: client is invalid",
        ));
    };
    if !state.db.oauth_client_valid(cid, secret).await? {
        return Err(oauth_error(
            StatusCode::BAD_REQUEST,
            ErrorCode::InvalidClient,
            "Invalid client: client is invalid",
        ));
    }
    let otp = headers.get(OTP_HEADER).map(|v| v.to_str().unwrap_or(""));
    let g = match f.grant_type.as_deref() {
        Some("password") => {
            let (Some(username), Some(password)) = (f.username.as_deref(), f.password.as_deref())
            else {
                return Err(oauth_error(
                    StatusCode::BAD_REQUEST,
                    ErrorCode::InvalidRequest,
                    "Invalid request: missing username or password",
                ));
            };
            Grant::Password {
                username,
                password,
                otp,
            }
        }
        Some("refresh_token") => {
            let Some(refresh) = f.refresh_token.as_deref() else {
                return Err(oauth_error(
                    StatusCode::BAD_REQUEST,
                    ErrorCode::InvalidRequest,
                    "Invalid request: missing refresh_token",
                ));
            };
            Grant::Refresh(refresh)
        }
        _ => {
            return Err(oauth_error(
                StatusCode::BAD_REQUEST,
                ErrorCode::UnsupportedGrantType,
                "Unsupported grant type: grant_type is invalid",
            ));
        }
    };
    let t = grant(&state, ip, &headers, g).await?;
    let o = &state.settings.oauth;
    let body = json!({
        "token_type": "Bearer",
        "access_token": t.access_token,
        "refresh_token": t.refresh_token,
        "expires_in": o.access_token_lifetime_secs,
        "refresh_token_expires_in": o.refresh_token_lifetime_secs,
    });
    Ok((
        StatusCode::OK,
        [(header::CACHE_CONTROL, "no-store")],
        Json(body),
    )
        .into_response())
}

/// What a token is granted for: a password (with its two-factor code, when the user has one) or
/// a refresh token.
pub(crate) enum Grant<'a> {
    Password {
        username: &'a str,
        password: &'a str,
        otp: Option<&'a str>,
    },
    Refresh(&'a str),
}

/// Checks a grant and issues a new token pair, recorded as a session (the OAuth endpoint and
/// the pages' sign-in both come here).
pub(crate) async fn grant(
    state: &Instance,
    ip: std::net::IpAddr,
    headers: &HeaderMap,
    g: Grant<'_>,
) -> ApiResult<TokenRow> {
    let now = now_ms();
    let device = user_agent(headers);
    let mut login = SessionLogin {
        device: device.clone(),
        ip: Some(ip.to_string()),
        at: now,
    };
    let user_id = match g {
        Grant::Password {
            username,
            password,
            otp,
        } => {
            if let Err(retry) = state.login_limiter.hit(&state.counters, ip).await {
                return Err(ApiError::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    "Too many login attempts, please try again later.",
                )
                .header(header::RETRY_AFTER, retry.to_string()));
            }
            let user = state.db.user_by_login(username.trim()).await?;
            let Some(user) = user.filter(|u| verify_password(password, &u.password_hash)) else {
                ferrotube_app::registrations::refuse_pending_login(state, username.trim()).await?;
                return Err(oauth_error(
                    StatusCode::BAD_REQUEST,
                    ErrorCode::InvalidGrant,
                    "Invalid grant: user credentials are invalid",
                ));
            };
            // PeerTube's oauth model refuses a banned user with `AccessDeniedError`.
            if user.blocked {
                return Err(oauth_error(
                    StatusCode::BAD_REQUEST,
                    ErrorCode::AccessDenied,
                    "User is blocked.",
                ));
            }
            // PeerTube's message and OAuth error, which its client looks for.
            if state.live().settings.signup.requires_email_verification && !user.email_verified {
                return Err(oauth_error(
                    StatusCode::BAD_REQUEST,
                    ErrorCode::AccessDenied,
                    "User email is not verified.",
                ));
            }
            if let Some(secret) = state.db.otp_secret(user.id).await? {
                let Some(code) = otp else {
                    return Err(ApiError::unauthorized("Missing two factor header")
                        .code(ErrorCode::MissingTwoFactor)
                        .header(header::HeaderName::from_static(OTP_HEADER), "required; app"));
                };
                if !ferrotube_app::two_factor::check_sign_in(state, user.id, &secret, code).await? {
                    return Err(oauth_error(
                        StatusCode::BAD_REQUEST,
                        ErrorCode::InvalidTwoFactor,
                        "Invalid two factor header",
                    ));
                }
            }
            state.db.touch_login(user.id, now).await?;
            user.id
        }
        Grant::Refresh(refresh) => {
            // The session keeps where it was opened through refreshes, as PeerTube's does.
            if let Some(l) = state.db.session_login_by_refresh(refresh).await? {
                login = l;
            }
            match state.db.take_refresh_token(refresh).await? {
                Some(t) if t.refresh_expires_at >= now => t.user_id,
                _ => {
                    return Err(oauth_error(
                        StatusCode::BAD_REQUEST,
                        ErrorCode::InvalidGrant,
                        "Invalid grant: refresh token is invalid",
                    ))
                }
            }
        }
    };
    let o = &state.settings.oauth;
    let t = TokenRow {
        id: 0,
        user_id,
        access_token: random_token(20),
        refresh_token: random_token(20),
        access_expires_at: now + o.access_token_lifetime_secs * 1000,
        refresh_expires_at: now + o.refresh_token_lifetime_secs * 1000,
    };
    state.db.insert_token(&t, now).await?;
    state
        .db
        .record_session(
            &t.access_token,
            &login,
            device.as_deref(),
            &ip.to_string(),
            now,
        )
        .await?;
    Ok(t)
}

pub async fn revoke(
    State(state): State<Instance>,
    headers: HeaderMap,
    _user: CurrentUser,
) -> ApiResult<Json<serde_json::Value>> {
    if let Some(t) = bearer(&headers) {
        state.db.revoke_token(t).await?;
    }
    Ok(Json(json!({})))
}
