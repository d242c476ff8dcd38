//! The watch pages: a video's (`/w/{id}`, and `/videos/watch/{id}` through
//! `federation::routes::watch_or_object`) and a playlist's (`/w/p/{id}`). The reader is the
//! session's ([`Page`]): a private or internal video is rendered in full for those allowed, and
//! a reader who is not gets a page saying to sign in (or that they may not see it).

use super::{name, not_found_page, Page};
use crate::extract::Path;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use ferrotube_app::videos::{find_video, visible_to};
use ferrotube_app::Instance;
use ferrotube_db::sort::{CommentSort, Sort, VideoSort};
use ferrotube_db::videos::{VideoFilter, VideoRow};
use ferrotube_model::timefmt::iso;
use ferrotube_model::{short_uuid, CommentsPolicy, Privacy, VideoState};
use ferrotube_web as web;

/// How many comment threads and related videos the page shows.
const COMMENTS_PAGE: i64 = 10;
const RELATED: usize = 6;

pub fn routes() -> Router<Instance> {
    Router::new()
        .route("/w/{id}", get(watch))
        .route("/w/p/{id}", get(watch_playlist))
        .route("/video-playlists/embed/{id}", get(watch_playlist))
}

fn short(uuid: &str) -> String {
    uuid::Uuid::parse_str(uuid)
        .map(|u| short_uuid(&u))
        .unwrap_or_default()
}

/// `?start=` (seconds, or a `1:23` timestamp) and `?commentsSort=`.
struct WatchQuery {
    start: i64,
    comments_sort: String,
}

fn parse_query(q: Option<&str>) -> WatchQuery {
    let mut out = WatchQuery {
        start: 0,
        comments_sort: "-createdAt".into(),
    };
    for (k, v) in url::form_urlencoded::parse(q.unwrap_or("").as_bytes()) {
        match &*k {
            "start" | "t" => {
                out.start = v
                    .trim_end_matches('s')
                    .parse::<i64>()
                    .ok()
                    .or_else(|| web::watch::timestamp_secs(&v))
                    .unwrap_or(0)
                    .max(0)
            }
            "commentsSort" if v == "-totalReplies" => out.comments_sort = v.into_owned(),
            _ => {}
        }
    }
    out
}

pub async fn watch(
    State(state): State<Instance>,
    page: Page,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Response {
    let user = page.user.clone();
    let v = match find_video(&state, &id).await {
        Ok(v) => v,
        Err(_) => return not_found_page(&page),
    };
    let is_published = v.state == VideoState::Published;
    // A public or unlisted video still processing is shown to anyone (the script polls).
    let processing_public = v.privacy.readable_by_anyone() && !is_published;
    if (v.blacklisted || v.owner_banned) && visible_to(&v, user.as_ref()).is_err() {
        return (
            StatusCode::FORBIDDEN,
            Html(web::render_blocked(&page.chrome, &v.name)),
        )
            .into_response();
    }
    if !processing_public && visible_to(&v, user.as_ref()).is_err() {
        let view = web::watch::PrivateView {
            path: format!("/w/{}", short(&v.uuid)),
            signed_in: user.is_some(),
        };
        let status = if user.is_some() {
            StatusCode::FORBIDDEN
        } else {
            StatusCode::UNAUTHORIZED
        };
        return (
            status,
            Html(web::watch::render_private(&page.chrome, &view)),
        )
            .into_response();
    }
    let query = parse_query(q.as_deref());
    // A remote video plays from our copy when we keep one, else from its origin.
    let sources = ferrotube_app::redundancy::stream_sources(&state, &v)
        .await
        .ok()
        .flatten();
    let from_copy = sources.as_ref().is_some_and(|s| s.from_our_copy);
    let master = sources.map(|s| s.master_url);
    let base = web::WatchPage {
        instance_name: name(&state),
        uuid: v.uuid.clone(),
        short_uuid: short(&v.uuid),
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
        // Link previews and feeds only for what anyone may read.
        sharing: if v.privacy.readable_by_anyone() {
            sharing(&state, &v)
        } else {
            web::Sharing::default()
        },
    };
    let tags = state.db.video_tags(v.id).await.unwrap_or_else(|e| {
        tracing::error!(error = %e, "watch page: cannot read tags");
        Vec::new()
    });
    let my_rating = match &user {
        Some(u) => state
            .db
            .rate_of(u.account_id, v.id)
            .await
            .ok()
            .flatten()
            .unwrap_or_else(|| "none".into()),
        None => "none".into(),
    };
    let policy = CommentsPolicy::from_id(v.comments_policy).unwrap_or(CommentsPolicy::Enabled);
    let (comments_total, comments) = if policy == CommentsPolicy::Disabled {
        (0, Vec::new())
    } else {
        comments(&state, &v, user.as_ref(), &query.comments_sort).await
    };
    let related = related(&state, &v, &tags).await;
    // A remote channel's stored name is already `name@host`.
    let channel_handle = v.channel_name.clone();
    let view = web::watch::WatchView {
        id: v.id,
        category: v
            .category
            .and_then(|c| ferrotube_model::constants::categories().get(&c).cloned()),
        licence: v
            .licence
            .and_then(|l| ferrotube_model::constants::licences().get(&l).cloned()),
        language: v
            .language
            .as_deref()
            .and_then(ferrotube_model::constants::language_label)
            .map(str::to_string),
        privacy: v.privacy.label().to_string(),
        privacy_id: v.privacy.id(),
        my_rating,
        channel_full_handle: match v.channel_host {
            Some(_) => v.channel_name.clone(),
            None => format!("{}@{}", v.channel_name, state.host),
        },
        channel_handle,
        account_display_name: v.account_display_name.clone(),
        origin_url: v.url.clone().filter(|u| u.starts_with("http")),
        download_enabled: v.download_enabled && is_published,
        comments_policy: match policy {
            CommentsPolicy::Enabled => "enabled",
            CommentsPolicy::Disabled => "disabled",
            CommentsPolicy::RequiresApproval => "approval",
        },
        comments_total,
        comments_sort: query.comments_sort,
        comments,
        related,
        is_owner: user.as_ref().is_some_and(|u| u.account_id == v.account_id),
        start: query.start,
        tags,
        base,
    };
    Html(web::watch::render_watch_page(&page.chrome, &view)).into_response()
}

/// The first page of comment threads, as the comments API lists them for this reader.
async fn comments(
    state: &Instance,
    v: &VideoRow,
    user: Option<&ferrotube_db::users::UserRow>,
    sort: &str,
) -> (i64, Vec<web::watch::CommentView>) {
    let order = if sort == "-totalReplies" {
        Sort::desc(CommentSort::TotalReplies)
    } else {
        Sort::desc(CommentSort::CreatedAt)
    };
    let viewer = crate::comments::viewer(v, user);
    let (total, _, rows) = match state
        .db
        .list_comment_threads(v.id, &viewer, 0, COMMENTS_PAGE, order)
        .await
    {
        Ok(r) => r,
        Err(e) => {
            tracing::error!(error = %e, "watch page: cannot list comments");
            return (0, Vec::new());
        }
    };
    let views = rows
        .iter()
        .map(|c| web::watch::CommentView {
            id: c.id,
            author_display_name: c
                .account_display_name
                .clone()
                .or_else(|| c.account_name.clone())
                .unwrap_or_default(),
            author_handle: match (&c.account_name, &c.account_host) {
                (Some(n), Some(h)) => format!("{n}@{h}"),
                (Some(n), None) => n.clone(),
                _ => String::new(),
            },
            html: if c.deleted_at.is_some() {
                String::new()
            } else {
                web::watch::text_to_html(&c.text)
            },
            created_at: iso(c.created_at),
            total_replies: c.total_replies,
            deleted: c.deleted_at.is_some(),
            held_for_review: c.held_for_review,
            mine: user.is_some_and(|u| c.account_id == Some(u.account_id)),
        })
        .collect();
    (total, views)
}

/// A few public videos of the same channel, then of the same tags.
async fn related(state: &Instance, v: &VideoRow, tags: &[String]) -> Vec<web::VideoCard> {
    let mut filters = vec![VideoFilter {
        privacies: vec![Privacy::Public.id()],
        published_only: true,
        channel_id: Some(v.channel_id),
        ..Default::default()
    }];
    if !tags.is_empty() {
        filters.push(VideoFilter {
            privacies: vec![Privacy::Public.id()],
            published_only: true,
            tags_one_of: tags.to_vec(),
            ..Default::default()
        });
    }
    let mut out: Vec<web::VideoCard> = Vec::new();
    for filter in filters {
        let rows = match state
            .db
            .list_videos(
                &filter,
                Sort::desc(VideoSort::PublishedAt),
                0,
                RELATED as i64 + 1,
                false,
            )
            .await
        {
            Ok((_, rows)) => rows,
            Err(e) => {
                tracing::error!(error = %e, "watch page: cannot list related videos");
                Vec::new()
            }
        };
        for r in rows {
            if out.len() >= RELATED {
                break;
            }
            if r.id == v.id || out.iter().any(|c| c.uuid == r.uuid) {
                continue;
            }
            out.push(super::browse::card(&r));
        }
    }
    out
}

/// OpenGraph, Twitter card, oEmbed and feed links of a video anyone may read (public or
/// unlisted: the page is rendered anonymously only then).
fn sharing(state: &Instance, v: &VideoRow) -> web::Sharing {
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
    page: Page,
    Path(id): Path<String>,
) -> Response {
    let user = page.user.clone();
    use ferrotube_app::playlists::{find_playlist, visible_to as playlist_visible_to};
    let p = match find_playlist(&state, &id).await {
        Ok((p, how)) if playlist_visible_to(&p, how, user.as_ref()).is_ok() => p,
        _ => return not_found_page(&page),
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
    let playlist = web::PlaylistPage {
        instance_name: name(&state),
        uuid: p.uuid.clone(),
        name: p.name.clone(),
        description: p.description.clone(),
        owner_display_name: p.account_display_name.clone(),
        items,
    };
    Html(web::render_watch_playlist(&page.chrome, &playlist)).into_response()
}
