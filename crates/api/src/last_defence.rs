//! The last lines of defence, so that no answer escapes PeerTube's error format: a handler that
//! panics answers problem+json 500 (logged) instead of dropping the connection, and an error that
//! the framework writes itself (405 on a known path with another method, a rejection with a
//! plain-text body) is rewritten as problem+json with the same status and headers.

use crate::error::{problem, Error};
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use std::any::Any;

/// Bodies larger than this are not errors the framework wrote; they pass untouched.
const MAX_BARE_ERROR_BODY: usize = 4096;

/// For `tower_http::catch_panic::CatchPanicLayer::custom`.
pub fn panic_to_problem(panic: Box<dyn Any + Send + 'static>) -> Response {
    let what = panic
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| panic.downcast_ref::<&str>().copied())
        .unwrap_or("(no message)");
    tracing::error!(panic = %what, "a handler panicked");
    problem(Error::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "Internal server error",
    ))
}

/// Rewrites bare error answers (no content type, or plain text) as problem+json.
pub async fn problem_for_bare_errors(req: Request<Body>, next: Next) -> Response {
    let resp = next.run(req).await;
    let status = resp.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return resp;
    }
    let bare = match resp.headers().get(header::CONTENT_TYPE) {
        None => true,
        Some(ct) => ct.as_bytes().starts_with(b"text/plain"),
    };
    if !bare {
        return resp;
    }
    let (mut parts, body) = resp.into_parts();
    let text = match axum::body::to_bytes(body, MAX_BARE_ERROR_BODY).await {
        Ok(b) => String::from_utf8_lossy(&b).trim().to_string(),
        Err(_) => String::new(),
    };
    let detail = if text.is_empty() {
        status.canonical_reason().unwrap_or("Error").to_string()
    } else {
        text
    };
    let rewritten = problem(Error::new(status, detail));
    let (new_parts, new_body) = rewritten.into_parts();
    // Keep what the original said beyond its body (Allow on a 405, Retry-After, ...).
    parts.headers.remove(header::CONTENT_LENGTH);
    for (k, v) in new_parts.headers.iter() {
        parts.headers.insert(k, v.clone());
    }
    Response::from_parts(parts, new_body)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use axum::routing::get;
    use axum::Router;
    use tower::ServiceExt;

    #[tokio::test]
    async fn a_panicking_handler_answers_a_500_problem() {
        let app = Router::new()
            .route(
                "/boom",
                get(|| async {
                    let v: Vec<u8> = Vec::new();
                    #[allow(clippy::indexing_slicing)]
                    v[3].to_string()
                }),
            )
            .layer(tower_http::catch_panic::CatchPanicLayer::custom(
                panic_to_problem,
            ));
        let resp = app
            .oneshot(Request::get("/boom").body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(
            resp.headers().get(header::CONTENT_TYPE).unwrap(),
            "application/problem+json; charset=utf-8"
        );
    }
}
