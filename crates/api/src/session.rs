//! The pages' session: an OAuth token pair kept in two `HttpOnly`, `SameSite=Lax` cookies, so
//! that the server renders signed-in pages itself and a page's script never holds a token.
//!
//! - `POST /login` (the sign-in form) runs the same password grant as `/api/v1/users/token` and
//!   sets the cookies; `POST /logout` revokes the token and clears them.
//! - Every request with the session cookie and no `Authorization` header is that user's
//!   (`auth::user_from_parts`). A change made with the cookie (any method but GET/HEAD/OPTIONS)
//!   must carry the page's CSRF token, derived from the access token, as `X-CSRF-Token` (scripts)
//!   or `_csrf` (forms): another site can make the browser send the cookie, not know the token.
//! - [`refresh_session`] renews an expired access token from the refresh cookie before the
//!   request is handled, as PeerTube's client does with its stored refresh token.

use crate::auth::{grant, ClientIp, Grant};
use crate::error::ApiError;
use crate::extract::Form;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Redirect, Response};
use ferrotube_app::Instance;
use ferrotube_db::tokens::TokenRow;
use ferrotube_model::timefmt::now_ms;
use serde::Deserialize;
use sha2::{Digest, Sha256};

/// The access token's cookie.
pub const SESSION_COOKIE: &str = "ft_session";
/// The refresh token's cookie.
pub const REFRESH_COOKIE: &str = "ft_refresh";
/// The reader's language and theme (not secrets: plain preferences).
pub const LANG_COOKIE: &str = "ft_lang";
pub const THEME_COOKIE: &str = "ft_theme";
/// The header a page's script sends its CSRF token in.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// The value of cookie `name` in the request's `Cookie` headers.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim_matches('"'))
        .filter(|v| !v.is_empty())
}

/// The session's access token, when the request has no `Authorization` header.
pub fn session_token(headers: &HeaderMap) -> Option<&str> {
    if headers.contains_key(header::AUTHORIZATION) {
        return None;
    }
    cookie(headers, SESSION_COOKIE)
}

/// The CSRF token of a session: a hash of its access token, which only our pages (rendered
/// for that session) show.
pub fn csrf_token(access_token: &str) -> String {
    let mut h = Sha256::new();
    h.update(b"ferrotube-csrf\0");
    h.update(access_token.as_bytes());
    let digest = h.finalize();
    hex::encode(digest.get(..16).unwrap_or_default())
}

/// Whether the request carries the CSRF token of `access_token` in its header.
pub fn csrf_ok(headers: &HeaderMap, access_token: &str) -> bool {
    headers
        .get(CSRF_HEADER)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| constant_time_eq(v.as_bytes(), csrf_token(access_token).as_bytes()))
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A `Set-Cookie` value; `max_age` 0 deletes the cookie.
fn set_cookie(
    state: &Instance,
    name: &str,
    value: &str,
    max_age_secs: i64,
    http_only: bool,
) -> HeaderValue {
    let secure = if state.url.starts_with("https://") {
        "; Secure"
    } else {
        ""
    };
    let http_only = if http_only { "; HttpOnly" } else { "" };
    let v =
        format!("{name}={value}; Path=/; Max-Age={max_age_secs}; SameSite=Lax{http_only}{secure}");
    HeaderValue::from_str(&v).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// The two session cookies of a new token pair.
fn session_cookies(state: &Instance, t: &TokenRow) -> [HeaderValue; 2] {
    let now = now_ms();
    let refresh_secs = ((t.refresh_expires_at - now) / 1000).max(0);
    [
        // The access cookie lives as long as the refresh one: an expired access token is
        // renewed from it by `refresh_session`.
        set_cookie(state, SESSION_COOKIE, &t.access_token, refresh_secs, true),
        set_cookie(state, REFRESH_COOKIE, &t.refresh_token, refresh_secs, true),
    ]
}

fn clear_session_cookies(state: &Instance) -> [HeaderValue; 2] {
    [
        set_cookie(state, SESSION_COOKIE, "", 0, true),
        set_cookie(state, REFRESH_COOKIE, "", 0, true),
    ]
}

/// A local path to go to after signing in: never another site (`//host`, `https://...`).
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.starts_with("/\\") => {
            n.to_string()
        }
        _ => "/".to_string(),
    }
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    otp: Option<String>,
    next: Option<String>,
}

/// `POST /login`: the sign-in form. Success sets the session and goes to `next`; a refusal
/// shows the form again with PeerTube's message (and the two-factor field when needed).
pub async fn login_submit(
    State(state): State<Instance>,
    ClientIp(ip): ClientIp,
    page: crate::pages::Page,
    headers: HeaderMap,
    form: Result<Form<LoginForm>, ApiError>,
) -> Response {
    let Ok(Form(f)) = form else {
        return login_again(
            &page,
            String::new(),
            None,
            false,
            None,
            StatusCode::BAD_REQUEST,
        );
    };
    let otp = f.otp.as_deref().map(str::trim).filter(|o| !o.is_empty());
    let result = grant(
        &state,
        ip,
        &headers,
        Grant::Password {
            username: &f.username,
            password: &f.password,
            otp,
        },
    )
    .await;
    match result {
        Ok(t) => {
            let mut res = Redirect::to(&safe_next(f.next.as_deref())).into_response();
            for c in session_cookies(&state, &t) {
                res.headers_mut().append(header::SET_COOKIE, c);
            }
            res
        }
        Err(ApiError(e)) => {
            let otp_required = e.code == Some(ferrotube_app::error::ErrorCode::MissingTwoFactor)
                || e.code == Some(ferrotube_app::error::ErrorCode::InvalidTwoFactor);
            let message = if e.code == Some(ferrotube_app::error::ErrorCode::MissingTwoFactor) {
                None
            } else {
                Some(e.detail.clone())
            };
            let status = if e.status == StatusCode::TOO_MANY_REQUESTS {
                e.status
            } else {
                StatusCode::BAD_REQUEST
            };
            login_again(&page, f.username, f.next, otp_required, message, status)
        }
    }
}

fn login_again(
    page: &crate::pages::Page,
    username: String,
    next: Option<String>,
    otp_required: bool,
    error: Option<String>,
    status: StatusCode,
) -> Response {
    let form = ferrotube_web::LoginForm {
        username,
        next: safe_next(next.as_deref()),
        error,
        otp_required,
    };
    (
        status,
        Html(ferrotube_web::render_login(&page.chrome, &form)),
    )
        .into_response()
}

#[derive(Deserialize)]
pub struct LogoutForm {
    #[serde(default, rename = "_csrf")]
    csrf: String,
}

/// `POST /logout`: revokes the session's token and clears its cookies.
pub async fn logout_submit(
    State(state): State<Instance>,
    headers: HeaderMap,
    form: Result<Form<LogoutForm>, ApiError>,
) -> Response {
    let token = session_token(&headers);
    let csrf = form.map(|Form(f)| f.csrf).unwrap_or_default();
    if let Some(t) = token {
        if !constant_time_eq(csrf.as_bytes(), csrf_token(t).as_bytes()) {
            return ApiError::forbidden(
                "Missing or wrong CSRF token: reload the page and try again",
            )
            .into_response();
        }
        if let Err(e) = state.db.revoke_token(t).await {
            tracing::warn!(error = %e, "sign-out: cannot revoke the token");
        }
    }
    let mut res = Redirect::to("/").into_response();
    for c in clear_session_cookies(&state) {
        res.headers_mut().append(header::SET_COOKIE, c);
    }
    res
}

#[derive(Deserialize)]
pub struct PrefsForm {
    lang: Option<String>,
    theme: Option<String>,
    next: Option<String>,
}

/// `POST /ui/prefs`: the footer's language and theme menus (cookies for a year; they work
/// without an account and without JavaScript).
pub async fn prefs_submit(
    State(state): State<Instance>,
    form: Result<Form<PrefsForm>, ApiError>,
) -> Response {
    let Ok(Form(f)) = form else {
        return Redirect::to("/").into_response();
    };
    let mut res = Redirect::to(&safe_next(f.next.as_deref())).into_response();
    const YEAR: i64 = 365 * 24 * 3600;
    if let Some(l) = f.lang.as_deref().and_then(ferrotube_web::Lang::from_tag) {
        res.headers_mut().append(
            header::SET_COOKIE,
            set_cookie(&state, LANG_COOKIE, l.code(), YEAR, false),
        );
    }
    if let Some(t) = f.theme.as_deref().and_then(ferrotube_web::Theme::from_code) {
        res.headers_mut().append(
            header::SET_COOKIE,
            set_cookie(&state, THEME_COOKIE, t.code(), YEAR, false),
        );
    }
    res
}

/// Renews a session whose access token expired (or was lost) from its refresh cookie, before
/// the request is handled: the request then reads as signed in and the new cookies go back
/// with the answer. A refresh that fails (another request of the page renewed it first) leaves
/// the cookies alone: that request reads as anonymous and the browser keeps the new pair.
pub async fn refresh_session(
    State(state): State<Instance>,
    mut req: Request,
    next: Next,
) -> Response {
    let headers = req.headers();
    if headers.contains_key(header::AUTHORIZATION) {
        return next.run(req).await;
    }
    let Some(refresh) = cookie(headers, REFRESH_COOKIE).map(str::to_string) else {
        return next.run(req).await;
    };
    let usable = match cookie(headers, SESSION_COOKIE) {
        Some(access) => matches!(
            state.db.token_by_access(access).await,
            Ok(Some(t)) if t.access_expires_at >= now_ms()
        ),
        None => false,
    };
    if usable {
        return next.run(req).await;
    }
    let ip = crate::auth::client_ip(&state, req.headers(), req.extensions());
    let renewed = grant(&state, ip, req.headers(), Grant::Refresh(&refresh)).await;
    let Ok(t) = renewed else {
        return next.run(req).await;
    };
    // The handler sees the new token, as the browser will from now on.
    let others: Vec<String> = req
        .headers()
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .map(str::trim)
        .filter(|p| {
            let k = p.split('=').next().unwrap_or("");
            k != SESSION_COOKIE && k != REFRESH_COOKIE && !p.is_empty()
        })
        .map(str::to_string)
        .collect();
    let mut all = others;
    all.push(format!("{SESSION_COOKIE}={}", t.access_token));
    all.push(format!("{REFRESH_COOKIE}={}", t.refresh_token));
    if let Ok(v) = HeaderValue::from_str(&all.join("; ")) {
        req.headers_mut().remove(header::COOKIE);
        req.headers_mut().insert(header::COOKIE, v);
    }
    let mut res = next.run(req).await;
    for c in session_cookies(&state, &t) {
        res.headers_mut().append(header::SET_COOKIE, c);
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_cookies_and_refuses_foreign_next() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; ft_session=abc; b=2"),
        );
        assert_eq!(cookie(&h, SESSION_COOKIE), Some("abc"));
        assert_eq!(session_token(&h), Some("abc"));
        h.insert(header::AUTHORIZATION, HeaderValue::from_static("Bearer x"));
        assert_eq!(session_token(&h), None);
        assert_eq!(safe_next(Some("/w/abc?x=1")), "/w/abc?x=1");
        assert_eq!(safe_next(Some("//evil.example/")), "/");
        assert_eq!(safe_next(Some("https://evil.example/")), "/");
        assert_eq!(safe_next(Some("/\\evil.example")), "/");
        assert_eq!(safe_next(None), "/");
    }

    #[test]
    fn csrf_token_is_bound_to_the_session() {
        let mut h = HeaderMap::new();
        h.insert(
            CSRF_HEADER,
            HeaderValue::from_str(&csrf_token("t1"))
                .unwrap_or_else(|_| HeaderValue::from_static("")),
        );
        assert!(csrf_ok(&h, "t1"));
        assert!(!csrf_ok(&h, "t2"));
        assert!(!csrf_ok(&HeaderMap::new(), "t1"));
    }
}
