//! Server-rendered pages. The markup and texts live in the `web` crate; these handlers gather
//! what a page shows, through the same rules as the API, for the reader the session cookie
//! names ([`Page`]). One module per area of the interface; `routes()` lists their URLs (PeerTube's
//! page URLs, so shared links keep working).

pub mod account;
pub mod admin;
pub mod browse;
pub mod library;
mod page;
pub use page::Page;
pub mod watch;

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use ferrotube_app::Instance;
use ferrotube_web as web;

/// The instance's name now (an admin may change it at run time).
pub(crate) fn name(state: &Instance) -> String {
    state.live().settings.instance.name.clone()
}

#[derive(serde::Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

/// `/login`: the sign-in form (posted to `/login`, see `session::login_submit`). A reader
/// already signed in goes on to `next`.
pub async fn login(
    page: Page,
    axum::extract::Query(q): axum::extract::Query<NextQuery>,
) -> Response {
    let next = crate::session::safe_next(q.next.as_deref());
    if page.user.is_some() {
        return axum::response::Redirect::to(&next).into_response();
    }
    let form = web::LoginForm {
        next,
        ..Default::default()
    };
    Html(web::render_login(&page.chrome, &form)).into_response()
}

/// A page only a signed-in reader has: the sign-in form first, then back here.
pub fn sign_in_first(page: &Page) -> Response {
    axum::response::Redirect::to(&format!("/login?next={}", page.chrome.next_param()))
        .into_response()
}

/// The 404 page, in the reader's language.
pub fn not_found_page(page: &Page) -> Response {
    (
        StatusCode::NOT_FOUND,
        Html(web::render_not_found(&page.chrome)),
    )
        .into_response()
}

pub async fn fallback(page: Page, uri: axum::http::Uri) -> Response {
    if uri.path().starts_with("/api/") {
        return crate::error::ApiError::not_found("Not found").into_response();
    }
    not_found_page(&page)
}
