//! OAuth2 as PeerTube does it: one local client, the password and refresh_token grants, opaque
//! bearer tokens stored hashed-free (they are random 40-hex strings, compared by lookup).

use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::extract::{Form, Json};
use axum::extract::{ConnectInfo, FromRequestParts, State};
use axum::http::{header, request::Parts, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use ferrotube_app::accounts::{random_token, verify_password};
use ferrotube_app::Instance;
use ferrotube_db::tokens::TokenRow;
use ferrotube_db::users::UserRow;
use ferrotube_model::timefmt::now_ms;
use ferrotube_model::UserRole;
use serde::Deserialize;
use serde_json::json;
use std::net::SocketAddr;

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

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = v.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

async fn user_from_headers(state: &Instance, headers: &HeaderMap) -> ApiResult<Option<UserRow>> {
    let Some(token) = bearer(headers) else {
        return Ok(None);
    };
    let Some(t) = state.db.token_by_access(token).await? else {
        return Err(ApiError::unauthorized("Token is invalid"));
    };
    if t.access_expires_at < now_ms() {
        return Err(ApiError::unauthorized("Token has expired").code(ErrorCode::InvalidToken));
    }
    let Some(user) = state.db.user_by_id(t.user_id).await? else {
        return Err(ApiError::unauthorized("Token is invalid"));
    };
    if user.blocked {
        return Err(ApiError::unauthorized("User is blocked"));
    }
    Ok(Some(user))
}

impl FromRequestParts<Instance> for MaybeUser {
    type Rejection = ApiError;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &Instance,
    ) -> Result<Self, Self::Rejection> {
        Ok(MaybeUser(user_from_headers(state, &parts.headers).await?))
    }
}

impl FromRequestParts<Instance> for CurrentUser {
    type Rejection = ApiError;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &Instance,
    ) -> Result<Self, Self::Rejection> {
        match user_from_headers(state, &parts.headers).await? {
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

/// The peer's address (rate limits, view counting). Behind a proxy this is the proxy's.
pub struct ClientIp(pub std::net::IpAddr);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let ip = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip())
            .unwrap_or(std::net::IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED));
        Ok(ClientIp(ip))
    }
}

pub async fn token(
    State(state): State<Instance>,
    ClientIp(ip): ClientIp,
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
    let now = now_ms();
    let user_id = match f.grant_type.as_deref() {
        Some("password") => {
            if let Err(retry) = state.login_limiter.hit(ip) {
                return Err(ApiError::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    "Too many login attempts, please try again later.",
                )
                .header(header::RETRY_AFTER, retry.to_string()));
            }
            let (Some(username), Some(password)) = (f.username.as_deref(), f.password.as_deref())
            else {
                return Err(oauth_error(
                    StatusCode::BAD_REQUEST,
                    ErrorCode::InvalidRequest,
                    "Invalid request: missing username or password",
                ));
            };
            let user = state.db.user_by_login(username.trim()).await?;
            let Some(user) = user.filter(|u| verify_password(password, &u.password_hash)) else {
                return Err(oauth_error(
                    StatusCode::BAD_REQUEST,
                    ErrorCode::InvalidGrant,
                    "Invalid grant: user credentials are invalid",
                ));
            };
            if user.blocked {
                return Err(oauth_error(
                    StatusCode::BAD_REQUEST,
                    ErrorCode::InvalidGrant,
                    "Invalid grant: user is blocked",
                ));
            }
            state.db.touch_login(user.id, now).await?;
            user.id
        }
        Some("refresh_token") => {
            let Some(refresh) = f.refresh_token.as_deref() else {
                return Err(oauth_error(
                    StatusCode::BAD_REQUEST,
                    ErrorCode::InvalidRequest,
                    "Invalid request: missing refresh_token",
                ));
            };
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
        _ => {
            return Err(oauth_error(
                StatusCode::BAD_REQUEST,
                ErrorCode::UnsupportedGrantType,
                "Unsupported grant type: grant_type is invalid",
            ));
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
