//! PeerTube's REST API (`/api/v1`), the static file routes, the ActivityPub routes and the first
//! web pages: routing, extractors, JSON views and problem+json answers over the core
//! (`ferrotube_app`), which holds the behaviour. `router` / `app` are the HTTP surface.

pub mod actor_images;
pub mod admin;
pub mod audit;
pub mod auth;
pub mod blocklists;
pub mod captions;
pub mod channels;
pub mod comments;
pub mod error;
pub mod extract;
pub mod federation;
pub mod feeds;
pub mod files;
pub mod history;
mod last_defence;
pub mod moderation;
pub mod notifications;
mod object_files;
pub mod p2p;
mod page_cache;
pub mod pages;
pub mod params;
pub mod playlists;
pub mod redundancy;
pub mod safety;
pub mod search;
pub mod server_config;
pub mod session;
pub mod shapes;
pub mod sources;
pub mod subscriptions;
pub mod upload;
pub mod users;
pub mod videos;

use axum::extract::DefaultBodyLimit;
use axum::http::Request;
use axum::routing::{get, post, put};
use axum::Router;
pub use ferrotube_app::Instance;
use std::sync::Arc;
use tower_http::trace::TraceLayer;

pub fn router(state: Instance) -> Router {
    let uploads = Router::new()
        .route("/api/v1/videos/upload", post(upload::legacy_upload))
        .route(
            "/api/v1/videos/upload-resumable",
            post(upload::resumable_init)
                .put(upload::resumable_put)
                .delete(upload::resumable_delete),
        )
        .route(
            "/api/v1/videos/{id}/source/replace-resumable",
            post(sources::replace_init)
                .put(sources::replace_put)
                .delete(sources::replace_delete),
        )
        .route(
            "/api/v1/users/me/avatar/pick",
            post(actor_images::pick_my_avatar),
        )
        .route(
            "/api/v1/users/me/avatar",
            axum::routing::delete(actor_images::delete_my_avatar),
        )
        .route(
            "/api/v1/video-channels/{handle}/avatar/pick",
            post(actor_images::pick_channel_avatar),
        )
        .route(
            "/api/v1/video-channels/{handle}/avatar",
            axum::routing::delete(actor_images::delete_channel_avatar),
        )
        .route(
            "/api/v1/video-channels/{handle}/banner/pick",
            post(actor_images::pick_channel_banner),
        )
        .route(
            "/api/v1/video-channels/{handle}/banner",
            axum::routing::delete(actor_images::delete_channel_banner),
        )
        .layer(DefaultBodyLimit::disable());
    let api = Router::new()
        .route("/api/v1/oauth-clients/local", get(auth::local_client))
        .route("/api/v1/users/token", post(auth::token))
        .route("/api/v1/users/revoke-token", post(auth::revoke))
        .route("/api/v1/users", post(users::create).get(users::list))
        .route("/api/v1/users/register", post(users::register))
        .route("/api/v1/users/me", get(users::me).put(users::update_me))
        .route("/api/v1/users/me/video-quota-used", get(users::quota_used))
        .route(
            "/api/v1/users/me/history/videos",
            get(history::list).delete(history::clear),
        )
        .route(
            "/api/v1/users/me/history/videos/remove",
            post(history::remove),
        )
        .route(
            "/api/v1/users/me/history/videos/{id}",
            axum::routing::delete(history::remove_one),
        )
        .route(
            "/api/v1/users/scoped-tokens",
            get(history::scoped_tokens).post(history::renew_scoped_tokens),
        )
        .route("/api/v1/users/me/videos", get(videos::my_videos))
        .route(
            "/api/v1/users/me/videos/{id}/rating",
            get(videos::my_rating),
        )
        .route(
            "/api/v1/users/{id}",
            get(users::get).put(users::update).delete(users::delete),
        )
        .route(
            "/api/v1/video-channels",
            get(channels::list).post(channels::create),
        )
        .route(
            "/api/v1/video-channels/{handle}",
            get(channels::get)
                .put(channels::update)
                .delete(channels::delete),
        )
        .route(
            "/api/v1/video-channels/{handle}/videos",
            get(channels::videos),
        )
        .route("/api/v1/accounts/{name}", get(channels::account))
        .route(
            "/api/v1/accounts/{name}/videos",
            get(channels::account_videos),
        )
        .route(
            "/api/v1/accounts/{name}/video-channels",
            get(channels::account_channels),
        )
        .route("/api/v1/videos", get(videos::list))
        .route("/api/v1/videos/categories", get(videos::categories))
        .route("/api/v1/videos/licences", get(videos::licences))
        .route("/api/v1/videos/languages", get(videos::languages))
        .route("/api/v1/videos/privacies", get(videos::privacies))
        .route(
            "/api/v1/videos/{id}",
            get(videos::get).put(videos::update).delete(videos::delete),
        )
        .route("/api/v1/videos/{id}/description", get(videos::description))
        .route("/api/v1/videos/{id}/source", get(sources::get))
        .route("/api/v1/videos/{id}/captions", get(captions::list))
        .route(
            "/api/v1/videos/{id}/captions/{language}",
            put(captions::put)
                .delete(captions::delete)
                .layer(DefaultBodyLimit::max(captions::CAPTION_BODY_LIMIT)),
        )
        .route(
            "/api/v1/videos/{id}/chapters",
            get(captions::chapters).put(captions::put_chapters),
        )
        .route(
            "/api/v1/videos/{id}/storyboards",
            get(captions::storyboards),
        )
        .route("/api/v1/videos/{id}/views", post(videos::add_view))
        .route("/api/v1/videos/{id}/rate", put(videos::rate))
        .route("/api/v1/videos/{id}/watching", put(history::watching))
        .route(
            "/api/v1/videos/{id}/metadata/{file_id}",
            get(videos::file_metadata),
        )
        .route(
            "/api/v1/videos/{id}/comment-threads",
            get(comments::list_threads).post(comments::create_thread),
        )
        .route(
            "/api/v1/videos/{id}/comment-threads/{thread_id}",
            get(comments::get_thread),
        )
        .route(
            "/api/v1/videos/{id}/comments/{comment_id}",
            post(comments::reply).delete(comments::delete),
        )
        .route(
            "/api/v1/server/following",
            get(federation::follows::list_following).post(federation::follows::follow_servers),
        )
        .route(
            "/api/v1/server/following/{target}",
            axum::routing::delete(federation::follows::unfollow_server),
        )
        .route(
            "/api/v1/server/followers",
            get(federation::follows::list_followers),
        )
        .route(
            "/api/v1/server/followers/{handle}",
            axum::routing::delete(federation::follows::reject_follower),
        )
        .route(
            "/api/v1/server/followers/{handle}/accept",
            post(federation::follows::accept_follower),
        )
        .route(
            "/api/v1/server/followers/{handle}/reject",
            post(federation::follows::reject_follower),
        )
        .route(
            "/api/v1/server/blocklist/servers",
            get(federation::follows::list_blocked_servers).post(federation::follows::block_server),
        )
        .route(
            "/api/v1/server/blocklist/accounts",
            get(federation::follows::list_blocked_accounts)
                .post(federation::follows::block_account),
        )
        .route(
            "/api/v1/server/blocklist/accounts/{name}",
            axum::routing::delete(federation::follows::unblock_account),
        )
        .route(
            "/api/v1/server/blocklist/servers/{host}",
            axum::routing::delete(federation::follows::unblock_server),
        )
        .route(
            "/api/v1/users/me/subscriptions",
            get(subscriptions::list).post(subscriptions::subscribe),
        )
        .route(
            "/api/v1/users/me/subscriptions/exist",
            get(subscriptions::exist),
        )
        .route(
            "/api/v1/users/me/subscriptions/videos",
            get(subscriptions::videos),
        )
        .route(
            "/api/v1/users/me/subscriptions/{handle}",
            get(subscriptions::get).delete(subscriptions::unsubscribe),
        )
        .route("/api/v1/search/videos", get(search::videos))
        .route("/api/v1/search/video-channels", get(search::channels))
        .route("/api/v1/search/video-playlists", get(playlists::search))
        .route(
            "/api/v1/video-playlists",
            get(playlists::list).post(playlists::create),
        )
        .route(
            "/api/v1/video-playlists/privacies",
            get(playlists::privacies),
        )
        .route(
            "/api/v1/video-playlists/{id}",
            get(playlists::get)
                .put(playlists::update)
                .delete(playlists::delete),
        )
        .route(
            "/api/v1/video-playlists/{id}/videos",
            get(playlists::videos).post(playlists::add_video),
        )
        .route(
            "/api/v1/video-playlists/{id}/videos/reorder",
            post(playlists::reorder),
        )
        .route(
            "/api/v1/video-playlists/{id}/videos/{element}",
            put(playlists::update_video).delete(playlists::remove_video),
        )
        .route(
            "/api/v1/accounts/{name}/video-playlists",
            get(playlists::of_account),
        )
        .route(
            "/api/v1/video-channels/{handle}/video-playlists",
            get(playlists::of_channel),
        )
        .route(
            "/api/v1/video-channels/{handle}/video-playlists/reorder",
            post(playlists::reorder_channel),
        )
        .route(
            "/api/v1/users/me/video-playlists/videos-exist",
            get(playlists::videos_exist),
        )
        .route("/api/v1/config", get(server_config::config))
        .route("/api/v1/config/about", get(server_config::about))
        .route("/api/v1/jobs/{state}", get(server_config::jobs))
        .route(
            "/api/v1/server/redundancy/videos",
            get(redundancy::list).post(redundancy::mirror),
        )
        .route(
            "/api/v1/server/redundancy/videos/{id}",
            axum::routing::delete(redundancy::remove),
        )
        .route(
            "/api/v1/server/redundancy/{host}",
            axum::routing::put(redundancy::set_host),
        );
    let files = Router::new()
        .route(
            "/static/streaming-playlists/hls/private/{uuid}/{file}",
            get(files::hls_private),
        )
        .route(
            "/static/streaming-playlists/hls/{uuid}/{file}",
            get(files::hls),
        )
        .route(
            "/static/redundancy/hls/{uuid}/{file}",
            get(files::redundancy_hls),
        )
        .route("/static/web-videos/{file}", get(files::web_video))
        .route("/static/web-videos/private/{file}", get(files::web_video))
        .route(
            "/download/web-videos/{file}",
            get(files::download_web_video),
        )
        .route(
            "/download/streaming-playlists/hls/videos/{file}",
            get(files::download_hls),
        )
        .route("/lazy-static/thumbnails/{file}", get(files::thumbnail))
        .route("/lazy-static/previews/{file}", get(files::preview))
        .route("/lazy-static/avatars/{file}", get(files::avatar))
        .route("/lazy-static/banners/{file}", get(files::banner))
        .route("/lazy-static/torrents/{file}", get(files::lazy_torrent))
        .route("/download/torrents/{file}", get(files::download_torrent))
        .route(
            "/download/original-video-files/{file}",
            get(sources::download_original),
        )
        .route(
            "/lazy-static/video-captions/{file}",
            get(captions::caption_file),
        )
        .route(
            "/lazy-static/storyboards/{file}",
            get(captions::storyboard_file),
        );
    let pages = Router::new()
        .route(
            "/videos/watch/{id}",
            get(federation::routes::watch_or_object),
        )
        .route("/login", get(pages::login).post(session::login_submit))
        .route("/logout", axum::routing::post(session::logout_submit))
        .route("/ui/prefs", axum::routing::post(session::prefs_submit))
        .route("/services/oembed", get(feeds::oembed))
        .route("/feeds/{file}", get(feeds::feed))
        .route("/feeds/podcast/videos.xml", get(feeds::podcast))
        .merge(ferrotube_web::assets_router());
    Router::new()
        .merge(uploads)
        .merge(api)
        .merge(safety::routes())
        .merge(admin::routes())
        .merge(blocklists::routes())
        .merge(files)
        .merge(pages)
        .merge(pages::admin::routes())
        .merge(pages::library::routes())
        .merge(pages::watch::routes())
        .merge(pages::browse::routes())
        .merge(pages::account::routes())
        .merge(federation::routes::router())
        .merge(moderation::routes())
        .merge(notifications::routes())
        .merge(p2p::router(&state))
        .fallback(pages::fallback)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            page_cache::anonymous_pages,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            session::refresh_session,
        ))
        .layer(axum::middleware::from_fn(last_defence::problem_for_bare_errors))
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(
            last_defence::panic_to_problem,
        ))
        .layer(axum::middleware::from_fn(close_if_body_unread))
        .layer(TraceLayer::new_for_http().make_span_with(|req: &Request<_>| {
            tracing::info_span!("request", method = %req.method(), path = %req.uri().path())
        }))
        .with_state(state)
}

/// A request answered before its body was read to the end (an upload refused over quota, a
/// retried final chunk answered from the session) leaves unread bytes on the connection, so the
/// server cannot keep it alive. Saying `Connection: close` then stops clients from reusing it
/// for their next request and failing on a half-closed socket. The body is watched rather than
/// each handler remembering to drain it.
async fn close_if_body_unread(
    req: Request<axum::body::Body>,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use futures::StreamExt;
    use std::sync::atomic::{AtomicBool, Ordering};
    let has_body = req
        .headers()
        .get(axum::http::header::CONTENT_LENGTH)
        .is_some_and(|v| v.as_bytes() != b"0")
        || req
            .headers()
            .contains_key(axum::http::header::TRANSFER_ENCODING);
    if !has_body {
        return next.run(req).await;
    }
    let finished = Arc::new(AtomicBool::new(false));
    let flag = finished.clone();
    let (parts, body) = req.into_parts();
    let end = futures::stream::once(async move {
        flag.store(true, Ordering::Release);
        Ok::<bytes::Bytes, axum::Error>(bytes::Bytes::new())
    });
    let body = axum::body::Body::from_stream(body.into_data_stream().chain(end));
    let mut resp = next.run(Request::from_parts(parts, body)).await;
    if !finished.load(Ordering::Acquire) {
        resp.headers_mut().insert(
            axum::http::header::CONNECTION,
            axum::http::HeaderValue::from_static("close"),
        );
    }
    resp
}

/// The router wrapped so that a trailing slash is removed before routing (PeerTube accepts one
/// on every route); a layer inside the router would only run after a route was chosen.
pub fn app(state: Instance) -> tower_http::normalize_path::NormalizePath<Router> {
    tower::Layer::layer(
        &tower_http::normalize_path::NormalizePathLayer::trim_trailing_slash(),
        router(state),
    )
}
