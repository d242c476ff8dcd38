//! PeerTube's REST API (`/api/v1`), the static file routes and the first web pages, over the
//! store, the job queue, media and storage crates. `build` wires an instance from settings;
//! `router` is the HTTP surface.

pub mod abuses;
pub mod auth;
pub mod cache;
pub mod channels;
pub mod comments;
pub mod error;
pub mod federation;
pub mod files;
pub mod p2p;
pub mod pages;
pub mod params;
pub mod processing;
pub mod search;
pub mod server_config;
pub mod shapes;
pub mod state;
pub mod subscriptions;
pub mod upload;
pub mod users;
pub mod videos;

use axum::extract::DefaultBodyLimit;
use axum::http::Request;
use axum::routing::{get, post, put};
use axum::Router;
use ferrotube_config::Settings;
use ferrotube_db::Db;
use ferrotube_jobs::{Queue, Runner};
use ferrotube_model::UserRole;
use state::{AppState, Inner, RateLimiter};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tower_http::trace::TraceLayer;

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("cannot create the data directory {0}: {1}")]
    DataDir(String, std::io::Error),
    #[error("database: {0}")]
    Db(#[from] ferrotube_db::DbError),
    #[error("invalid public URL {0}: {1}")]
    PublicUrl(String, url::ParseError),
    #[error("cannot create the administrator: {0}")]
    Root(String),
    #[error("federation: {0}")]
    Federation(String),
}

/// Connects the database (running migrations), prepares directories and creates the `root`
/// administrator on first start.
pub async fn build(settings: Settings) -> Result<AppState, StartError> {
    let data = settings.data_dir.clone();
    std::fs::create_dir_all(data.join("storage").join("tmp"))
        .map_err(|e| StartError::DataDir(data.display().to_string(), e))?;
    let db = Db::connect(&settings.database_url()).await?;
    let queue = Queue::new(
        db.clone(),
        Duration::from_secs(settings.jobs.lease_secs.max(3)),
        settings.jobs.max_attempts.max(1),
    );
    let store = ferrotube_storage::LocalStore::new(data.join("storage"));
    let host = settings.public_host();
    let cache_ttl = settings.cache.public_api_ttl_ms;
    let trackers = url::Url::parse(&settings.public_url)
        .map(|u| ferrotube_p2p::Trackers::for_public_url(&u))
        .map_err(|e| StartError::PublicUrl(settings.public_url.clone(), e))?;
    let url = settings.public_url.clone();
    let limiter = RateLimiter::new(
        settings.rates_limit.login_max,
        Duration::from_secs(settings.rates_limit.login_window_secs),
    );
    let client = ferrotube_federation::ApClient::new(ferrotube_federation::ClientConfig {
        allow_private: settings.federation.allow_private_network,
        user_agent: format!(
            "Ferrotube/{} (+{})",
            env!("CARGO_PKG_VERSION"),
            settings.public_url
        ),
        ..Default::default()
    })
    .map_err(|e| StartError::Federation(e.to_string()))?;
    let federation =
        federation::FederationState::new(client, settings.federation.per_host_concurrency);
    let p2p = p2p::P2p::new(&settings);
    let mut inner = Inner {
        p2p,
        settings,
        db,
        queue,
        store,
        login_limiter: limiter,
        view_dedup: Mutex::new(Default::default()),
        url,
        host,
        config_json: String::new(),
        trackers,
        cache: cache::ResponseCache::new(Duration::from_millis(cache_ttl), 4096),
        federation,
    };
    inner.config_json = server_config::build_config(&inner);
    let state = AppState(Arc::new(inner));
    ensure_root(&state).await?;
    federation::routes::ensure_instance_actor(&state)
        .await
        .map_err(|e| StartError::Federation(e.to_string()))?;
    Ok(state)
}

async fn ensure_root(state: &AppState) -> Result<(), StartError> {
    if state.db.count_users().await? > 0 {
        return Ok(());
    }
    let (password, generated) = match &state.settings.initial_root_password {
        Some(p) => (p.clone(), false),
        None => (auth::random_token(12), true),
    };
    let root = users::LocalUser {
        username: "root",
        password: &password,
        email: "admin@example.com",
        role: UserRole::Administrator,
        quota: (-1, -1),
        display_name: None,
        channel: Some(("root_channel", "Main root channel")),
    };
    users::create_local_user(state, root)
        .await
        .map_err(|e| StartError::Root(e.detail))?;
    if generated {
        // Printed once, on the first start only, as PeerTube does.
        println!("Administrator created. Username: root  Password: {password}");
    }
    tracing::info!("created the administrator account root");
    Ok(())
}

/// Starts the job workers and periodic maintenance on this node.
pub fn spawn_background(
    state: &AppState,
    shutdown: tokio::sync::watch::Receiver<bool>,
) -> Vec<tokio::task::JoinHandle<()>> {
    let s = state.clone();
    let give_up_state = state.clone();
    let runner = Runner::new(state.queue.clone()).register(
        processing::TRANSCODE,
        state.settings.transcoding.concurrency,
        Arc::new(move |ctx| Box::pin(processing::run_transcode(s.clone(), ctx))),
        Some(Arc::new(move |payload, why| {
            let st = give_up_state.clone();
            Box::pin(async move {
                if let Some(uuid) = payload.get("uuid").and_then(|u| u.as_str()) {
                    processing::mark_failed(&st, uuid, &why).await;
                }
            })
        })),
    );
    let fed = &state.settings.federation;
    let (s1, s2, s3, s4, s5) = (
        state.clone(),
        state.clone(),
        state.clone(),
        state.clone(),
        state.clone(),
    );
    let runner = runner
        .register(
            federation::DELIVER,
            fed.delivery_concurrency,
            Arc::new(move |ctx| Box::pin(federation::deliver::run_delivery(s1.clone(), ctx))),
            None,
        )
        .register(
            federation::INBOX,
            fed.inbox_concurrency,
            Arc::new(move |ctx| Box::pin(federation::inbox::run_inbox(s2.clone(), ctx))),
            None,
        )
        .register(
            federation::FETCH_OUTBOX,
            2,
            Arc::new(move |ctx| Box::pin(federation::deliver::run_fetch_outbox(s3.clone(), ctx))),
            None,
        )
        .register(
            federation::FEDERATE_VIDEO,
            2,
            Arc::new(move |ctx| Box::pin(federation::deliver::run_federate_video(s4.clone(), ctx))),
            None,
        )
        .register(
            federation::REFRESH_VIDEO,
            2,
            Arc::new(move |ctx| Box::pin(federation::deliver::run_refresh_video(s5.clone(), ctx))),
            None,
        );
    let mut handles = runner.spawn(shutdown.clone());
    handles.push(p2p::spawn(state, shutdown.clone()));
    let s = state.clone();
    let mut stop = shutdown;
    handles.push(tokio::spawn(async move {
        loop {
            upload::expire_stale_uploads(&s).await;
            processing::remove_stale_work_dirs(&s).await;
            let now = ferrotube_model::timefmt::now_ms();
            if let Err(e) = s.db.purge_expired_tokens(now).await {
                tracing::warn!(error = %e, "cannot purge expired tokens");
            }
            // Redeliveries come within hours; a week of activity ids is plenty.
            if let Err(e) = s.db.purge_seen_activities(now - 7 * 86_400_000).await {
                tracing::warn!(error = %e, "cannot purge seen activities");
            }
            // Finished jobs stay listed in /api/v1/jobs for a week.
            if let Err(e) = s.db.purge_finished_jobs(now - 7 * 86_400_000).await {
                tracing::warn!(error = %e, "cannot purge finished jobs");
            }
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_secs(600)) => {}
                _ = stop.changed() => break,
            }
        }
    }));
    handles
}

pub fn router(state: AppState) -> Router {
    let uploads = Router::new()
        .route("/api/v1/videos/upload", post(upload::legacy_upload))
        .route(
            "/api/v1/videos/upload-resumable",
            post(upload::resumable_init)
                .put(upload::resumable_put)
                .delete(upload::resumable_delete),
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
        .route("/api/v1/videos/{id}/views", post(videos::add_view))
        .route("/api/v1/videos/{id}/rate", put(videos::rate))
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
        .route("/api/v1/abuses", get(abuses::list).post(abuses::report))
        .route("/api/v1/config", get(server_config::config))
        .route("/api/v1/config/about", get(server_config::about))
        .route("/api/v1/jobs/{state}", get(server_config::jobs));
    let files = Router::new()
        .route(
            "/static/streaming-playlists/hls/private/{uuid}/{file}",
            get(files::hls_private),
        )
        .route(
            "/static/streaming-playlists/hls/{uuid}/{file}",
            get(files::hls),
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
        .route("/lazy-static/torrents/{file}", get(files::lazy_torrent))
        .route("/download/torrents/{file}", get(files::download_torrent));
    let pages = Router::new()
        .route("/", get(pages::home))
        .route("/w/{id}", get(pages::watch))
        .route(
            "/videos/watch/{id}",
            get(federation::routes::watch_or_object),
        )
        .route("/login", get(pages::login))
        .route("/videos/upload", get(pages::upload))
        .merge(ferrotube_web::assets_router());
    Router::new()
        .merge(uploads)
        .merge(api)
        .merge(files)
        .merge(pages)
        .merge(federation::routes::router())
        .merge(p2p::router(&state))
        .fallback(pages::fallback)
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
pub fn app(state: AppState) -> tower_http::normalize_path::NormalizePath<Router> {
    tower::Layer::layer(
        &tower_http::normalize_path::NormalizePathLayer::trim_trailing_slash(),
        router(state),
    )
}
