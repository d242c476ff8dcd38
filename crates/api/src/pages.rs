//! Server-rendered pages (home, watch, sign-in, upload). The markup lives in the `web` crate;
//! this module only gathers what a page shows, through the same privacy rule as the API.

use crate::auth::MaybeUser;
use crate::extract::Path;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use ferrotube_app::videos::{find_video, visible_to};
use ferrotube_app::Instance;
use ferrotube_db::sort::{Sort, VideoSort};
use ferrotube_db::videos::VideoFilter;
use ferrotube_model::timefmt::iso;
use ferrotube_model::{short_uuid, VideoState};
use ferrotube_web as web;

fn name(state: &Instance) -> &str {
    &state.settings.instance.name
}

pub async fn home(State(state): State<Instance>) -> Response {
    let filter = VideoFilter {
        privacies: vec![1],
        published_only: true,
        ..Default::default()
    };
    let rows = match state
        .db
        .list_videos(&filter, Sort::desc(VideoSort::PublishedAt), 0, 24, true)
        .await
    {
        Ok((_, rows)) => rows,
        Err(e) => {
            tracing::error!(error = %e, "home page: cannot list videos");
            Vec::new()
        }
    };
    let videos = rows
        .iter()
        .map(|v| web::VideoCard {
            uuid: v.uuid.clone(),
            short_uuid: uuid::Uuid::parse_str(&v.uuid)
                .map(|u| short_uuid(&u))
                .unwrap_or_default(),
            name: v.name.clone(),
            thumbnail_path: v
                .thumbnail_name
                .as_ref()
                .map(|t| format!("/lazy-static/thumbnails/{t}")),
            duration_secs: v.duration,
            channel_display_name: v.channel_display_name.clone(),
            channel_name: v.channel_name.clone(),
            views: v.views,
            published_at: iso(v.published_at),
        })
        .collect();
    Html(web::render_home(&web::HomePage {
        instance_name: name(&state).to_string(),
        videos,
    }))
    .into_response()
}

pub async fn watch(
    State(state): State<Instance>,
    MaybeUser(user): MaybeUser,
    Path(id): Path<String>,
) -> Response {
    let v = match find_video(&state, &id).await {
        Ok(v) => v,
        Err(_) => return not_found_page(&state),
    };
    let is_published = v.state == VideoState::Published;
    // Anonymous render when anyone may see it; otherwise a shell whose script asks the API with
    // the viewer's token (pages carry no cookie session).
    let processing_public = v.privacy.readable_by_anyone() && !is_published;
    if !processing_public && visible_to(&v, user.as_ref()).is_err() {
        return Html(web::render_watch_shell(name(&state), &v.uuid)).into_response();
    }
    // A remote video plays from our copy when we keep one, else from its origin.
    let sources = ferrotube_app::redundancy::stream_sources(&state, &v)
        .await
        .ok()
        .flatten();
    let from_copy = sources.as_ref().is_some_and(|s| s.from_our_copy);
    let master = sources.map(|s| s.master_url);
    let page = web::WatchPage {
        instance_name: name(&state).to_string(),
        uuid: v.uuid.clone(),
        short_uuid: uuid::Uuid::parse_str(&v.uuid)
            .map(|u| short_uuid(&u))
            .unwrap_or_default(),
        name: v.name.clone(),
        description: v.description.clone(),
        hls_master_url: if is_published { master } else { None },
        preview_path: v
            .preview_name
            .as_ref()
            .map(|p| format!("/lazy-static/previews/{p}")),
        channel_display_name: v.channel_display_name.clone(),
        channel_name: v.channel_name.clone(),
        views: v.views,
        likes: v.likes,
        dislikes: v.dislikes,
        published_at: iso(v.published_at),
        state_label: v.state.label().to_string(),
        is_published,
        served_from_copy: from_copy,
        origin_host: v.channel_host.clone(),
        p2p_config: if is_published {
            crate::p2p::player_config(&state, &v).await
        } else {
            None
        },
        sharing: sharing(&state, &v),
    };
    Html(web::render_watch(&page)).into_response()
}

/// OpenGraph, Twitter card, oEmbed and feed links of a video anyone may read (public or
/// unlisted: the page is rendered anonymously only then).
fn sharing(state: &Instance, v: &ferrotube_db::videos::VideoRow) -> web::Sharing {
    let short = uuid::Uuid::parse_str(&v.uuid)
        .map(|u| short_uuid(&u))
        .unwrap_or_else(|_| v.uuid.clone());
    let page_url = format!("{}/w/{short}", state.url);
    let q = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    let description: String = v
        .description
        .as_deref()
        .unwrap_or("")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .take(200)
        .collect();
    web::Sharing {
        oembed_url: format!("{}/services/oembed?url={}", state.url, q(&page_url)),
        embed_url: format!("{}/videos/embed/{}", state.url, v.uuid),
        image_url: v
            .preview_url
            .clone()
            .or_else(|| {
                v.preview_name
                    .as_ref()
                    .map(|n| format!("{}/lazy-static/previews/{n}", state.url))
            })
            .unwrap_or_default(),
        description,
        channel_feed_url: format!(
            "{}/feeds/videos.xml?videoChannelId={}",
            state.url, v.channel_id
        ),
        // Only a public video's comments have a feed.
        comments_feed_url: if v.privacy == ferrotube_model::Privacy::Public {
            format!("{}/feeds/video-comments.xml?videoId={}", state.url, v.id)
        } else {
            String::new()
        },
        page_url,
    }
}

/// `/w/p/{id}`: a playlist's watch page (the anonymous render of a public or unlisted one).
pub async fn watch_playlist(
    State(state): State<Instance>,
    MaybeUser(user): MaybeUser,
    Path(id): Path<String>,
) -> Response {
    use ferrotube_app::playlists::{find_playlist, visible_to as playlist_visible_to};
    let p = match find_playlist(&state, &id).await {
        Ok((p, how)) if playlist_visible_to(&p, how, user.as_ref()).is_ok() => p,
        _ => return not_found_page(&state),
    };
    let elements = match state.db.playlist_elements(p.id).await {
        Ok(e) => e,
        Err(e) => {
            tracing::error!(error = %e, "playlist page: cannot list elements");
            Vec::new()
        }
    };
    let mut items = Vec::with_capacity(elements.len());
    for (i, e) in elements.iter().enumerate() {
        let Ok(Some(v)) = state.db.video_by_id(e.video_id).await else {
            continue;
        };
        let playable = visible_to(&v, user.as_ref()).is_ok() && v.state == VideoState::Published;
        let master = if playable {
            ferrotube_app::redundancy::stream_sources(&state, &v)
                .await
                .ok()
                .flatten()
                .map(|s| s.master_url)
        } else {
            None
        };
        items.push(web::PlaylistItem {
            position: i as i64 + 1,
            uuid: v.uuid.clone(),
            short_uuid: uuid::Uuid::parse_str(&v.uuid)
                .map(|u| short_uuid(&u))
                .unwrap_or_default(),
            name: if playable {
                v.name.clone()
            } else {
                "Unavailable video".into()
            },
            hls_master_url: master,
            thumbnail_path: v
                .thumbnail_name
                .as_ref()
                .filter(|_| playable)
                .map(|t| format!("/lazy-static/thumbnails/{t}")),
            duration_secs: v.duration,
            channel_display_name: v.channel_display_name.clone(),
            start: e.start_timestamp,
            stop: e.stop_timestamp,
        });
    }
    let page = web::PlaylistPage {
        instance_name: name(&state).to_string(),
        uuid: p.uuid.clone(),
        name: p.name.clone(),
        description: p.description.clone(),
        owner_display_name: p.account_display_name.clone(),
        items,
    };
    Html(web::render_watch_playlist(&page)).into_response()
}

pub async fn login(State(state): State<Instance>) -> Html<String> {
    Html(web::render_login(name(&state)))
}

pub async fn upload(State(state): State<Instance>) -> Html<String> {
    Html(web::render_upload(name(&state)))
}

fn not_found_page(state: &Instance) -> Response {
    (
        StatusCode::NOT_FOUND,
        Html(web::render_not_found(name(state))),
    )
        .into_response()
}

pub async fn fallback(State(state): State<Instance>, uri: axum::http::Uri) -> Response {
    if uri.path().starts_with("/api/") {
        return crate::error::ApiError::not_found("Not found").into_response();
    }
    not_found_page(&state)
}
