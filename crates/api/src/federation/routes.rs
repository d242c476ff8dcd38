//! The ActivityPub and discovery surface: actors, their outbox / followers / following, video
//! and comment objects (when the request asks for ActivityPub JSON), the inboxes, WebFinger,
//! NodeInfo and host-meta.

use crate::extract::{Path, Query};
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use ferrotube_app::federation::actors::{
    actor_json, instance_actor, local_actor_by_url, INSTANCE_ACTOR,
};
use ferrotube_app::federation::objects::{federates, note_object, video_object};
use ferrotube_app::federation::FedError;
use ferrotube_app::Instance;
use ferrotube_db::federation::ActorRow;
use ferrotube_db::sort::{CommentSort, Sort, VideoSort};
use ferrotube_db::videos::VideoFilter;
use ferrotube_federation::discovery;
use ferrotube_federation::vocab::collection::{ordered_collection, ordered_collection_page};
use ferrotube_federation::vocab::note::note_to_json;
use ferrotube_federation::vocab::video::video_to_json;
use ferrotube_model::Privacy;
use serde::Deserialize;
use serde_json::{json, Value};

const AP_CONTENT_TYPE: &str = "application/activity+json; charset=utf-8";
const PAGE_SIZE: i64 = 10;

pub fn router() -> Router<Instance> {
    Router::new()
        .route("/.well-known/webfinger", get(webfinger))
        .route("/.well-known/nodeinfo", get(nodeinfo_index))
        .route("/nodeinfo/2.0.json", get(nodeinfo))
        .route("/nodeinfo/2.0", get(nodeinfo))
        .route("/.well-known/host-meta", get(host_meta))
        .route(
            "/inbox",
            post(super::inbox::post_inbox).layer(inbox_limit()),
        )
        .route(
            "/accounts/{name}/inbox",
            post(super::inbox::post_inbox).layer(inbox_limit()),
        )
        .route(
            "/video-channels/{name}/inbox",
            post(super::inbox::post_inbox).layer(inbox_limit()),
        )
        .route("/accounts/{name}", get(account))
        .route("/a/{name}", get(account))
        .route("/video-channels/{name}", get(channel))
        .route("/c/{name}", get(channel))
        .route("/accounts/{name}/{collection}", get(account_collection))
        .route(
            "/video-channels/{name}/{collection}",
            get(channel_collection),
        )
        .route("/video-playlists/{id}", get(playlist))
        .route(
            "/video-playlists/{id}/videos/{element}",
            get(playlist_element),
        )
        .route("/videos/watch/{id}/comments/{comment}", get(comment))
        .route("/videos/watch/{id}/{collection}", get(video_collection))
        .route(
            "/redundancy/streaming-playlists/hls/{uuid}",
            get(cache_file),
        )
}

/// Our copy of a video as its `CacheFile` (PeerTube serves it at the CacheFile's id, so an
/// instance that got it forwarded can fetch it from us).
async fn cache_file(State(state): State<Instance>, Path(uuid): Path<String>) -> Response {
    match ferrotube_app::federation::cache_files::our_cache_file(&state, &uuid).await {
        Ok(Some(body)) => ap(body),
        Ok(None) => not_found(),
        Err(e) => crate::error::ApiError::from(e).into_response(),
    }
}

/// An activity is a few KB (a Video with its files, ~10 KB); 1 MiB leaves room without letting
/// anyone make us buffer large bodies before the signature is checked.
pub const INBOX_MAX_BYTES: usize = 1024 * 1024;

fn inbox_limit() -> axum::extract::DefaultBodyLimit {
    axum::extract::DefaultBodyLimit::max(INBOX_MAX_BYTES)
}

/// Whether the client asked for ActivityPub rather than a page.
pub fn wants_activity_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| {
            a.contains("application/activity+json") || a.contains("application/ld+json")
        })
}

fn ap(body: Value) -> Response {
    (
        [(header::CONTENT_TYPE, AP_CONTENT_TYPE)],
        serde_json::to_vec(&body).unwrap_or_default(),
    )
        .into_response()
}

fn not_found() -> Response {
    crate::error::ApiError::not_found("Not found").into_response()
}

fn fed_error(e: FedError) -> Response {
    crate::error::ApiError::from(e).into_response()
}

#[derive(Deserialize)]
pub struct WebFingerQuery {
    resource: Option<String>,
}

async fn webfinger(State(state): State<Instance>, Query(q): Query<WebFingerQuery>) -> Response {
    let Some(resource) = q.resource else {
        return crate::error::ApiError::bad_request("resource is required").into_response();
    };
    // `acct:name@host`, or the actor's URL itself (Mastodon asks both ways).
    let (name, actor) = if resource.starts_with("http://") || resource.starts_with("https://") {
        match local_actor_by_url(&state, &resource).await {
            Ok(Some(a)) => (a.username.clone(), Some(a)),
            _ => return not_found(),
        }
    } else {
        let Some((name, host)) = discovery::parse_acct(&resource) else {
            return crate::error::ApiError::bad_request("resource must be acct:name@host")
                .into_response();
        };
        if host != state.host {
            return not_found();
        }
        let actor = match local_actor_by_url(&state, &state.account_url(name)).await {
            Ok(Some(a)) => Some(a),
            _ => local_actor_by_url(&state, &state.channel_url(name))
                .await
                .ok()
                .flatten(),
        };
        (name.to_string(), actor)
    };
    let Some(actor) = actor else {
        return not_found();
    };
    let wf = discovery::webfinger(&name, &state.host, &actor.url, &state.url);
    (
        [(header::CONTENT_TYPE, discovery::WEBFINGER_CONTENT_TYPE)],
        serde_json::to_vec(&wf).unwrap_or_default(),
    )
        .into_response()
}

async fn nodeinfo_index(State(state): State<Instance>) -> Response {
    axum::Json(discovery::nodeinfo_index(
        &state.url,
        &state.account_url(INSTANCE_ACTOR),
    ))
    .into_response()
}

async fn nodeinfo(State(state): State<Instance>) -> Response {
    let users = state.db.count_users().await.unwrap_or(0);
    let posts = state
        .db
        .list_videos(
            &VideoFilter {
                is_local: Some(true),
                privacies: vec![Privacy::Public.id()],
                published_only: true,
                ..Default::default()
            },
            Sort::asc(VideoSort::Id),
            0,
            0,
            false,
        )
        .await
        .map(|(n, _)| n)
        .unwrap_or(0);
    let comments = state.db.count_local_comments().await.unwrap_or(0);
    let input = discovery::NodeInfoInput {
        software_version: ferrotube_model::constants::PEERTUBE_COMPAT_VERSION.into(),
        open_registrations: state.live().settings.signup.enabled,
        total_users: users,
        active_month: users,
        active_halfyear: users,
        local_posts: posts,
        local_comments: comments,
        node_name: state.live().settings.instance.name.clone(),
        node_description: state.live().settings.instance.short_description.clone(),
        node_config: json!({}),
    };
    (
        [(
            header::CONTENT_TYPE,
            "application/json; profile=\"http://nodeinfo.diaspora.software/ns/schema/2.0#\"",
        )],
        serde_json::to_vec(&discovery::nodeinfo(input)).unwrap_or_default(),
    )
        .into_response()
}

async fn host_meta(State(state): State<Instance>) -> Response {
    (
        [(header::CONTENT_TYPE, discovery::HOST_META_CONTENT_TYPE)],
        discovery::host_meta(&state.url),
    )
        .into_response()
}

async fn actor_response(state: &Instance, headers: &HeaderMap, url: String) -> Response {
    if !wants_activity_json(headers) {
        // No account or channel pages yet: send people to the home page.
        return (StatusCode::SEE_OTHER, [(header::LOCATION, "/")]).into_response();
    }
    match local_actor_by_url(state, &url).await {
        Ok(Some(actor)) => match actor_json(state, &actor).await {
            Ok(j) => ap(j),
            Err(e) => fed_error(e),
        },
        Ok(None) => not_found(),
        Err(e) => fed_error(e),
    }
}

async fn account(
    State(state): State<Instance>,
    page: crate::pages::Page,
    headers: HeaderMap,
    Path(name): Path<String>,
    axum::extract::RawQuery(q): axum::extract::RawQuery,
) -> Response {
    if !wants_activity_json(&headers) {
        return crate::pages::browse::account_page(&state, page, name, q).await;
    }
    let url = state.account_url(&name);
    actor_response(&state, &headers, url).await
}

async fn channel(
    State(state): State<Instance>,
    page: crate::pages::Page,
    headers: HeaderMap,
    Path(name): Path<String>,
    axum::extract::RawQuery(q): axum::extract::RawQuery,
) -> Response {
    if !wants_activity_json(&headers) {
        return crate::pages::browse::channel_page(&state, page, name, q).await;
    }
    let url = state.channel_url(&name);
    actor_response(&state, &headers, url).await
}

#[derive(Deserialize)]
pub struct PageQuery {
    page: Option<i64>,
}

async fn account_collection(
    State(state): State<Instance>,
    Path((name, collection)): Path<(String, String)>,
    Query(q): Query<PageQuery>,
) -> Response {
    let url = state.account_url(&name);
    actor_collection(&state, url, &collection, q.page).await
}

async fn channel_collection(
    State(state): State<Instance>,
    Path((name, collection)): Path<(String, String)>,
    Query(q): Query<PageQuery>,
) -> Response {
    let url = state.channel_url(&name);
    actor_collection(&state, url, &collection, q.page).await
}

async fn actor_collection(
    state: &Instance,
    actor_url: String,
    collection: &str,
    page: Option<i64>,
) -> Response {
    let actor = match local_actor_by_url(state, &actor_url).await {
        Ok(Some(a)) => a,
        Ok(None) => return not_found(),
        Err(e) => return fed_error(e),
    };
    let result = match collection {
        "outbox" => outbox(state, &actor, page).await,
        "followers" => follow_collection(state, &actor, page, false).await,
        "following" => follow_collection(state, &actor, page, true).await,
        "playlists" => playlists_collection(state, &actor, page).await,
        _ => return not_found(),
    };
    match result {
        Ok(v) => ap(v),
        Err(e) => fed_error(e),
    }
}

fn paged(id: &str, total: i64, page: Option<i64>, items: Vec<Value>) -> Value {
    match page {
        None => ordered_collection(id, total, Some(&format!("{id}?page=1"))),
        Some(p) => {
            let next = (p * PAGE_SIZE < total).then(|| format!("{id}?page={}", p + 1));
            ordered_collection_page(&format!("{id}?page={p}"), id, items, total, next.as_deref())
        }
    }
}

/// The videos an actor shares, as Announces of their URLs (a crawler fetches each from us).
async fn outbox(state: &Instance, actor: &ActorRow, page: Option<i64>) -> Result<Value, FedError> {
    let id = format!("{}/outbox", actor.url);
    let filter = VideoFilter {
        is_local: Some(true),
        privacies: vec![Privacy::Public.id()],
        published_only: true,
        account_id: actor.account_id.filter(|_| actor.kind != "Application"),
        channel_id: actor.channel_id,
        ..Default::default()
    };
    let p = page.unwrap_or(1).max(1);
    let (total, videos) = state
        .db
        .list_videos(
            &filter,
            Sort::desc(VideoSort::PublishedAt),
            (p - 1) * PAGE_SIZE,
            if page.is_some() { PAGE_SIZE } else { 0 },
            false,
        )
        .await?;
    let items = videos
        .iter()
        .filter(|v| federates(v))
        .map(|v| {
            let url = ferrotube_app::federation::objects::video_url(state, v);
            json!({
                "type": "Announce",
                "id": format!("{url}/announces/{}", actor.id),
                "actor": actor.url,
                "object": url,
                "to": [ferrotube_app::federation::PUBLIC],
                "cc": [format!("{}/followers", actor.url)],
            })
        })
        .collect();
    Ok(paged(&id, total, page, items))
}

async fn follow_collection(
    state: &Instance,
    actor: &ActorRow,
    page: Option<i64>,
    following: bool,
) -> Result<Value, FedError> {
    let id = format!(
        "{}/{}",
        actor.url,
        if following { "following" } else { "followers" }
    );
    let p = page.unwrap_or(1).max(1);
    let (total, rows) = state
        .db
        .list_follows(actor.id, following, (p - 1) * PAGE_SIZE, PAGE_SIZE)
        .await?;
    let mut items = Vec::new();
    if page.is_some() {
        for f in rows.iter().filter(|f| f.state == "accepted") {
            let other = if following {
                f.following_id
            } else {
                f.follower_id
            };
            if let Some(a) = state.db.actor_by_id(other).await? {
                items.push(Value::String(a.url));
            }
        }
    }
    Ok(paged(&id, total, page, items))
}

/// The public playlists of an account or channel, by URL (a crawler fetches each from us).
async fn playlists_collection(
    state: &Instance,
    actor: &ActorRow,
    page: Option<i64>,
) -> Result<Value, FedError> {
    use ferrotube_app::federation::playlists::{federates, playlist_url};
    let id = format!("{}/playlists", actor.url);
    if actor.kind == "Application" {
        return Ok(paged(&id, 0, page, Vec::new()));
    }
    let filter = ferrotube_db::playlists::PlaylistFilter {
        account_id: actor.account_id,
        channel_id: actor.channel_id,
        privacies: vec![ferrotube_db::playlists::PLAYLIST_PUBLIC],
        playlist_type: Some(ferrotube_db::playlists::PLAYLIST_REGULAR),
        local_only: true,
        ..Default::default()
    };
    let p = page.unwrap_or(1).max(1);
    let (total, rows) = state
        .db
        .list_playlists(
            &filter,
            Sort::asc(ferrotube_db::sort::PlaylistSort::Id),
            (p - 1) * PAGE_SIZE,
            if page.is_some() { PAGE_SIZE } else { 0 },
        )
        .await?;
    let items = rows
        .iter()
        .filter(|pl| federates(pl))
        .map(|pl| Value::String(playlist_url(state, pl)))
        .collect();
    Ok(paged(&id, total, page, items))
}

/// A playlist of ours that other instances may read (public or unlisted, in a channel).
async fn federated_playlist(
    state: &Instance,
    id: &str,
) -> Result<Option<ferrotube_db::playlists::PlaylistRow>, FedError> {
    let Ok(u) = uuid::Uuid::parse_str(id) else {
        return Ok(None);
    };
    Ok(state
        .db
        .playlist_by_uuid(&u.to_string())
        .await?
        .filter(ferrotube_app::federation::playlists::federates))
}

/// `/video-playlists/{uuid}`: the `Playlist` object (`?page=n`: its element URLs) for
/// ActivityPub clients; people are sent to the playlist's watch page.
async fn playlist(
    State(state): State<Instance>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(q): Query<PageQuery>,
) -> Response {
    use ferrotube_app::federation::playlists::{playlist_document, playlist_page};
    if !wants_activity_json(&headers) {
        let to = format!("/w/p/{id}");
        return (StatusCode::SEE_OTHER, [(header::LOCATION, to)]).into_response();
    }
    let p = match federated_playlist(&state, &id).await {
        Ok(Some(p)) => p,
        Ok(None) => return not_found(),
        Err(e) => return fed_error(e),
    };
    let doc = match q.page {
        Some(n) => playlist_page(&state, &p, n).await,
        None => playlist_document(&state, &p).await,
    };
    match doc {
        Ok(d) => ap(d),
        Err(e) => fed_error(e),
    }
}

/// `/video-playlists/{uuid}/videos/{elementId}`: one `PlaylistElement`.
async fn playlist_element(
    State(state): State<Instance>,
    Path((id, element)): Path<(String, String)>,
) -> Response {
    let p = match federated_playlist(&state, &id).await {
        Ok(Some(p)) => p,
        Ok(None) => return not_found(),
        Err(e) => return fed_error(e),
    };
    let Ok(element) = element.parse::<i64>() else {
        return not_found();
    };
    match ferrotube_app::federation::playlists::element_document(&state, &p, element).await {
        Ok(Some(d)) => ap(d),
        Ok(None) => not_found(),
        Err(e) => fed_error(e),
    }
}

/// `/videos/watch/{id}`: the Video object for ActivityPub clients, the watch page otherwise.
pub async fn watch_or_object(
    state: State<Instance>,
    page: crate::pages::Page,
    headers: HeaderMap,
    path: Path<String>,
    query: axum::extract::RawQuery,
) -> Response {
    if !wants_activity_json(&headers) {
        return crate::pages::watch::watch(state, page, path, query).await;
    }
    let url = format!("{}/videos/watch/{}", state.url, path.0);
    match ferrotube_app::federation::objects::local_video_by_url(&state, &url).await {
        // A blocked video is refused as PeerTube refuses it to an unauthenticated fetch (a
        // 403, not a 404: the instances that know it keep it unless it was unfederated).
        Ok(Some(v)) if v.blacklisted || v.owner_banned => {
            crate::error::ApiError::forbidden("Cannot get this blocked video").into_response()
        }
        Ok(Some(v)) if federates(&v) => match video_object(&state, &v).await {
            Ok(obj) => ap(video_to_json(&obj)),
            Err(e) => fed_error(e),
        },
        Ok(_) => not_found(),
        Err(e) => fed_error(e),
    }
}

async fn comment(
    State(state): State<Instance>,
    Path((id, comment)): Path<(String, String)>,
) -> Response {
    // Our comments live under the watch URL of their video, whichever instance hosts the video.
    let v = match state.db.video_by_uuid(&id).await {
        Ok(Some(v)) if matches!(v.privacy, Privacy::Public | Privacy::Unlisted) => v,
        Ok(_) => return not_found(),
        Err(e) => return fed_error(e.into()),
    };
    let Ok(comment_id) = comment.parse::<i64>() else {
        return not_found();
    };
    // Only our own comments are served: a remote one lives at its origin.
    let c = match state.db.comment_by_id(comment_id).await {
        Ok(Some(c)) if c.video_id == v.id && c.url.is_none() => c,
        Ok(_) => return not_found(),
        Err(e) => return fed_error(e.into()),
    };
    match note_object(&state, &v, &c).await {
        Ok(n) => ap(note_to_json(&n)),
        Err(e) => fed_error(e),
    }
}

/// The likes / dislikes / announces / comments collections of a video: totals only.
async fn video_collection(
    State(state): State<Instance>,
    Path((id, collection)): Path<(String, String)>,
) -> Response {
    let url = format!("{}/videos/watch/{id}", state.url);
    let v = match ferrotube_app::federation::objects::local_video_by_url(&state, &url).await {
        Ok(Some(v)) if federates(&v) => v,
        Ok(_) => return not_found(),
        Err(e) => return fed_error(e),
    };
    if collection == "chapters" {
        return match state.db.video_chapters(v.id).await {
            Ok(rows) => {
                let list: Vec<(i64, String)> =
                    rows.into_iter().map(|c| (c.timecode, c.title)).collect();
                ap(ferrotube_federation::vocab::chapters::chapters_to_json(
                    &format!("{url}/chapters"),
                    &list,
                    v.duration,
                ))
            }
            Err(e) => fed_error(e.into()),
        };
    }
    let total = match collection.as_str() {
        "likes" => v.likes,
        "dislikes" => v.dislikes,
        "announces" => match state.db.count_shares(v.id).await {
            Ok(n) => n,
            Err(e) => return fed_error(e.into()),
        },
        "comments" => match state
            .db
            .list_comment_threads(
                v.id,
                &ferrotube_db::comments::CommentViewer {
                    video_owner_account_id: v.is_local().then_some(v.account_id),
                    ..Default::default()
                },
                0,
                0,
                Sort::asc(CommentSort::Id),
            )
            .await
        {
            Ok((_, alive, _)) => alive,
            Err(e) => return fed_error(e.into()),
        },
        _ => return not_found(),
    };
    ap(ordered_collection(
        &format!("{url}/{collection}"),
        total,
        None,
    ))
}

/// Makes sure the instance actor exists at start (so WebFinger and NodeInfo answer at once).
pub async fn ensure_instance_actor(state: &Instance) -> Result<(), FedError> {
    instance_actor(state).await.map(|_| ())
}
