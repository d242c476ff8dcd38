//! "My library" pages (PeerTube's URLs): `/videos/upload`, `/my-library/videos`,
//! `/videos/update/{id}`, `/my-library/video-channels`, `/my-library/video-playlists` and
//! `/my-library/video-playlists/{id}`. Each shows what the signed-in reader owns, read with the
//! rules of the REST API; the changes are made by the area script through that API.

use super::{not_found_page, sign_in_first, Page};
use crate::extract::Path;
use axum::extract::{Query, State};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use ferrotube_app::actor_images::stored;
use ferrotube_app::Instance;
use ferrotube_db::accounts::{ActorImageKind, ChannelRow};
use ferrotube_db::playlists::{PlaylistFilter, PlaylistRow};
use ferrotube_db::sort::{PlaylistSort, Sort, VideoSort};
use ferrotube_db::users::UserRow;
use ferrotube_db::videos::VideoFilter;
use ferrotube_model::short_uuid;
use ferrotube_model::timefmt::iso;
use ferrotube_web::library::{self as lib, Choice};

/// Videos on one page of my list.
const PAGE_SIZE: i64 = 20;

pub fn routes() -> Router<Instance> {
    Router::new()
        .route("/videos/upload", get(upload))
        .route("/my-library/videos", get(my_videos))
        .route("/videos/update/{id}", get(video_edit))
        .route("/my-library/video-channels", get(my_channels))
        .route("/my-library/video-playlists", get(my_playlists))
        .route("/my-library/video-playlists/{id}", get(playlist_edit))
}

fn short(uuid: &str) -> String {
    uuid::Uuid::parse_str(uuid)
        .map(|u| short_uuid(&u))
        .unwrap_or_else(|_| uuid.to_string())
}

fn thumbnail(name: &Option<String>) -> Option<String> {
    name.as_ref()
        .map(|t| format!("/lazy-static/thumbnails/{t}"))
}

/// The smallest size of an actor image, as a local path.
fn image_path(kind: ActorImageKind, column: Option<&str>) -> Option<String> {
    stored::parse(column)
        .iter()
        .min_by_key(|i| i.width.unwrap_or(u32::MAX))
        .map(|i| stored::static_path(kind, i))
}

/// Logs a failed read and goes on with nothing.
fn or_empty<T: Default>(r: Result<T, ferrotube_db::DbError>, what: &str) -> T {
    r.unwrap_or_else(|e| {
        tracing::error!(error = %e, "library page: cannot read {what}");
        T::default()
    })
}

async fn my_channel_rows(state: &Instance, user: &UserRow) -> Vec<ChannelRow> {
    or_empty(
        state.db.channels_of_account(user.account_id).await,
        "channels",
    )
}

fn channel_choices(channels: &[ChannelRow], selected: Option<i64>) -> Vec<Choice> {
    channels
        .iter()
        .enumerate()
        .map(|(i, ch)| {
            let chosen = selected.map_or(i == 0, |s| s == ch.id);
            Choice::new(ch.id, format!("{} ({})", ch.display_name, ch.name), chosen)
        })
        .collect()
}

/// The lists of a video's form, `v`'s values chosen (none for a new one).
fn video_choices(
    page: &Page,
    channels: &[ChannelRow],
    v: Option<&ferrotube_db::videos::VideoRow>,
) -> lib::VideoFormChoices {
    use ferrotube_model::constants;
    let c = &page.chrome;
    lib::VideoFormChoices {
        channels: channel_choices(channels, v.map(|v| v.channel_id)),
        privacies: lib::privacy_choices(c, v.map_or(1, |v| v.privacy.id())),
        categories: constants::categories()
            .iter()
            .map(|(k, l)| Choice::new(k, l.clone(), v.and_then(|v| v.category) == Some(*k)))
            .collect(),
        licences: constants::licences()
            .iter()
            .map(|(k, l)| Choice::new(k, l.clone(), v.and_then(|v| v.licence) == Some(*k)))
            .collect(),
        languages: constants::LANGUAGES
            .iter()
            .map(|(k, l)| Choice::new(k, *l, v.and_then(|v| v.language.as_deref()) == Some(*k)))
            .collect(),
        comments_policies: lib::comments_policy_choices(c, v.map_or(1, |v| v.comments_policy)),
    }
}

/// `/videos/upload`.
pub async fn upload(State(state): State<Instance>, page: Page) -> Response {
    let Some(user) = page.user.as_ref() else {
        return sign_in_first(&page);
    };
    let channels = my_channel_rows(&state, user).await;
    let choices = video_choices(&page, &channels, None);
    Html(lib::render_upload(&page.chrome, &choices)).into_response()
}

#[derive(serde::Deserialize, Default)]
pub struct ListQuery {
    search: Option<String>,
    page: Option<i64>,
}

/// `/my-library/videos?search=&page=`.
pub async fn my_videos(
    State(state): State<Instance>,
    page: Page,
    Query(q): Query<ListQuery>,
) -> Response {
    let Some(user) = page.user.as_ref() else {
        return sign_in_first(&page);
    };
    let search = q.search.unwrap_or_default().trim().to_string();
    let number = q.page.unwrap_or(1).clamp(1, 10_000);
    let filter = VideoFilter {
        account_id: Some(user.account_id),
        include_blacklisted: true,
        search: Some(search.clone()).filter(|s| !s.is_empty()),
        ..Default::default()
    };
    let (total, rows) = or_empty(
        state
            .db
            .list_videos(
                &filter,
                Sort::desc(VideoSort::CreatedAt),
                (number - 1) * PAGE_SIZE,
                PAGE_SIZE,
                false,
            )
            .await,
        "my videos",
    );
    let videos = rows
        .iter()
        .map(|v| lib::MyVideo {
            id: v.id,
            uuid: v.uuid.clone(),
            short_uuid: short(&v.uuid),
            name: v.name.clone(),
            thumbnail_path: thumbnail(&v.thumbnail_name),
            privacy: v.privacy.id(),
            state: v.state.id(),
            blocked: v.blacklisted,
            views: v.views,
            duration_secs: v.duration,
            created_at: iso(v.created_at),
        })
        .collect();
    let p = lib::MyVideosPage {
        videos,
        search,
        total,
        page: number,
        pages: (total + PAGE_SIZE - 1) / PAGE_SIZE,
    };
    Html(lib::render_my_videos(&page.chrome, &p)).into_response()
}

/// `/videos/update/{id}`: the edit form of a video the reader may manage.
pub async fn video_edit(
    State(state): State<Instance>,
    page: Page,
    Path(id): Path<String>,
) -> Response {
    let Some(user) = page.user.as_ref() else {
        return sign_in_first(&page);
    };
    let v = match ferrotube_app::videos::find_video(&state, &id).await {
        Ok(v) if v.channel_host.is_none() => v,
        _ => return not_found_page(&page),
    };
    if ferrotube_app::videos::can_manage(&v, user).is_err() {
        return not_found_page(&page);
    }
    let channels = my_channel_rows(&state, user).await;
    let tags = or_empty(state.db.video_tags(v.id).await, "tags");
    let edit = lib::VideoEdit {
        id: v.id,
        uuid: v.uuid.clone(),
        short_uuid: short(&v.uuid),
        name: v.name.clone(),
        description: v.description.clone().unwrap_or_default(),
        support: v.support.clone().unwrap_or_default(),
        tags: tags.join(", "),
        nsfw: v.nsfw,
        download_enabled: v.download_enabled,
        thumbnail_path: thumbnail(&v.thumbnail_name),
        choices: video_choices(&page, &channels, Some(&v)),
    };
    Html(lib::render_video_edit(&page.chrome, &edit)).into_response()
}

/// `/my-library/video-channels`.
pub async fn my_channels(State(state): State<Instance>, page: Page) -> Response {
    let Some(user) = page.user.as_ref() else {
        return sign_in_first(&page);
    };
    let channels: Vec<lib::MyChannel> = my_channel_rows(&state, user)
        .await
        .iter()
        .map(|ch| lib::MyChannel {
            id: ch.id,
            name: ch.name.clone(),
            display_name: ch.display_name.clone(),
            description: ch.description.clone().unwrap_or_default(),
            support: ch.support.clone().unwrap_or_default(),
            avatar_path: image_path(ActorImageKind::Avatar, ch.avatars.as_deref()),
            banner_path: stored::parse(ch.banners.as_deref())
                .iter()
                .max_by_key(|i| i.width.unwrap_or(0))
                .map(|i| stored::static_path(ActorImageKind::Banner, i)),
        })
        .collect();
    Html(lib::render_my_channels(&page.chrome, &channels)).into_response()
}

fn my_playlist(page: &Page, p: &PlaylistRow) -> lib::MyPlaylist {
    lib::MyPlaylist {
        id: p.id,
        uuid: p.uuid.clone(),
        short_uuid: short(&p.uuid),
        name: p.name.clone(),
        description: p.description.clone().unwrap_or_default(),
        privacy: p.privacy,
        privacy_label: lib::privacy_label(&page.chrome, p.privacy),
        watch_later: p.playlist_type == 2,
        videos_length: p.videos_length,
        thumbnail_path: thumbnail(&p.thumbnail_name).or_else(|| thumbnail(&p.first_thumbnail)),
        channel_display_name: p.channel_display_name.clone(),
    }
}

/// A playlist's privacies (PeerTube's: public, unlisted, private).
fn playlist_privacies(page: &Page, selected: i64) -> Vec<Choice> {
    (1..=3)
        .map(|p| Choice::new(p, lib::privacy_label(&page.chrome, p), p == selected))
        .collect()
}

/// `/my-library/video-playlists`.
pub async fn my_playlists(State(state): State<Instance>, page: Page) -> Response {
    let Some(user) = page.user.as_ref() else {
        return sign_in_first(&page);
    };
    let filter = PlaylistFilter {
        account_id: Some(user.account_id),
        ..Default::default()
    };
    let (_, rows) = or_empty(
        state
            .db
            .list_playlists(&filter, Sort::desc(PlaylistSort::UpdatedAt), 0, 100)
            .await,
        "playlists",
    );
    let playlists: Vec<lib::MyPlaylist> = rows.iter().map(|p| my_playlist(&page, p)).collect();
    let channels = my_channel_rows(&state, user).await;
    let html = lib::render_my_playlists(
        &page.chrome,
        &playlists,
        &channel_choices(&channels, Some(-1)),
        &playlist_privacies(&page, 3),
    );
    Html(html).into_response()
}

/// `/my-library/video-playlists/{id}` (numeric id, uuid or short uuid).
pub async fn playlist_edit(
    State(state): State<Instance>,
    page: Page,
    Path(id): Path<String>,
) -> Response {
    let Some(user) = page.user.as_ref() else {
        return sign_in_first(&page);
    };
    let found = match id.parse::<i64>() {
        Ok(n) => state.db.playlist_by_id(n).await.ok().flatten(),
        Err(_) => ferrotube_app::playlists::find_playlist(&state, &id)
            .await
            .ok()
            .map(|(p, _)| p),
    };
    let p = match found {
        Some(p) if ferrotube_app::playlists::can_manage(&p, user).is_ok() => p,
        _ => return not_found_page(&page),
    };
    let rows = or_empty(state.db.playlist_elements(p.id).await, "playlist elements");
    let mut elements = Vec::with_capacity(rows.len());
    for (i, e) in rows.iter().enumerate() {
        let video = state.db.video_by_id(e.video_id).await.ok().flatten();
        elements.push(lib::MyElement {
            id: e.id,
            position: i as i64 + 1,
            short_uuid: video.as_ref().map(|v| short(&v.uuid)).unwrap_or_default(),
            name: video
                .as_ref()
                .map(|v| v.name.clone())
                .unwrap_or_else(|| page.t("library-unavailable")),
            thumbnail_path: video.as_ref().and_then(|v| thumbnail(&v.thumbnail_name)),
            duration_secs: video.as_ref().map_or(0, |v| v.duration),
        });
    }
    let channels = my_channel_rows(&state, user).await;
    let edit = lib::PlaylistEdit {
        playlist: my_playlist(&page, &p),
        elements,
        channels: channel_choices(&channels, Some(p.channel_id.unwrap_or(-1))),
        privacies: playlist_privacies(&page, p.privacy),
    };
    Html(lib::render_playlist_edit(&page.chrome, &edit)).into_response()
}
