//! `POST /inbox` and the actors' inboxes: the core checks and journals the delivery; this
//! answers 204, or problem+json with the reason (also logged).

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use ferrotube_app::Instance;
use tracing::warn;

fn refuse(status: StatusCode, why: String) -> Response {
    warn!(%why, "inbox refused a delivery");
    crate::error::ApiError::new(status, why).into_response()
}

pub async fn post_inbox(
    State(state): State<Instance>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> Response {
    // An oversized or broken body gets problem+json like every other refusal, and is logged.
    let body = match body {
        Ok(b) => b,
        Err(e) => return refuse(e.status(), format!("unreadable body: {}", e.body_text())),
    };
    match ferrotube_app::federation::inbox::receive(&state, &method, &uri, &headers, &body).await {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err((status, why)) => refuse(status, why),
    }
}
