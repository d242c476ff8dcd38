//! Anonymous page answers from memory: the home page, the video lists, search, channel,
//! account, watch and about pages are what crowds and crawlers read, and what they show changes
//! far less often than it is read. The answer is kept in the public answer cache
//! (`app::cache::ResponseCache`: a write on this node empties it at once, the TTL bounds the rest)
//! under the URL, the reader's language and theme, which is all an anonymous page depends on.
//! A reader with a session (cookie or bearer token) is never served from here.

use crate::session::{cookie, LANG_COOKIE, REFRESH_COOKIE, SESSION_COOKIE, THEME_COOKIE};
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use ferrotube_app::Instance;

/// A bound on what is read back (a watch page is ~10 KB).
const MAX_PAGE_BYTES: usize = 8 * 1024 * 1024;

/// The HTML-only page URLs (never an ActivityPub URL, which answers JSON to the same path).
fn cacheable_path(path: &str) -> bool {
    path == "/"
        || path == "/search"
        || path.starts_with("/videos/trending")
        || path.starts_with("/videos/recently-added")
        || path.starts_with("/videos/local")
        || path.starts_with("/videos/overview")
        || path.starts_with("/w/")
        || path.starts_with("/c/")
        || path.starts_with("/a/")
        || path.starts_with("/about/")
}

pub async fn anonymous_pages(State(state): State<Instance>, req: Request, next: Next) -> Response {
    let headers = req.headers();
    let anonymous = !headers.contains_key(header::AUTHORIZATION)
        && cookie(headers, SESSION_COOKIE).is_none()
        && cookie(headers, REFRESH_COOKIE).is_none();
    // ActivityPub clients get JSON at some of these URLs (`/c/{name}`, `/a/{name}`).
    let wants_json = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("json"));
    if req.method() != Method::GET || !anonymous || wants_json || !cacheable_path(req.uri().path())
    {
        return next.run(req).await;
    }
    let lang = ferrotube_web::i18n::negotiate(
        cookie(headers, LANG_COOKIE),
        headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
    );
    let theme = cookie(headers, THEME_COOKIE).unwrap_or("auto");
    let uri = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or("/");
    let key = format!("page\0{uri}\0{}\0{theme}", lang.code());
    if let Some(body) = state.cache.get(&key) {
        return html(body);
    }
    // One reader renders a page that is missing; the others wait and read its answer.
    let _filling = state.cache.fill_lock(&key).await;
    if let Some(body) = state.cache.get(&key) {
        return html(body);
    }
    let generation = state.cache.generation();
    let res = next.run(req).await;
    let is_html = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("text/html"));
    if res.status() != StatusCode::OK || !is_html || res.headers().contains_key(header::SET_COOKIE)
    {
        return res;
    }
    let (parts, body) = res.into_parts();
    match axum::body::to_bytes(body, MAX_PAGE_BYTES).await {
        Ok(bytes) => {
            state.cache.put(&key, generation, bytes.clone());
            Response::from_parts(parts, Body::from(bytes))
        }
        // Too large to keep (or the body failed): it cannot be answered now either.
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

fn html(body: bytes::Bytes) -> Response {
    let mut res = Response::new(Body::from(body));
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    res
}

#[cfg(test)]
mod tests {
    use super::cacheable_path;

    #[test]
    fn only_html_page_urls_are_kept() {
        for p in [
            "/",
            "/videos/trending",
            "/search",
            "/w/abc",
            "/c/x",
            "/a/y",
            "/about/instance",
        ] {
            assert!(cacheable_path(p), "{p}");
        }
        for p in [
            "/api/v1/videos",
            "/videos/watch/x",
            "/accounts/root",
            "/video-channels/c",
            "/login",
            "/my-library/videos",
            "/admin/users",
        ] {
            assert!(!cacheable_path(p), "{p}");
        }
    }
}
