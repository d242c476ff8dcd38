//! Browsing pages (issue 13): the discover home page, the video lists with their filters and
//! paging, search, channel and account pages, and `/about/instance`. Lists go through the REST
//! API's own filter (`videos::filter_from`) and the store's `list_videos`; remote lookups through
//! the same app functions as `/api/v1/search/*`.

use super::{not_found_page, Page};
use crate::extract::Path;
use crate::params::Params;
use crate::shapes::JsonViews;
use axum::extract::{RawQuery, State};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use ferrotube_app::Instance;
use ferrotube_db::accounts::{AccountRow, ChannelRow};
use ferrotube_db::playlists::{PlaylistFilter, PlaylistRow};
use ferrotube_db::sort::{ChannelSort, PlaylistSort, Sort, VideoSort};
use ferrotube_db::users::UserRow;
use ferrotube_db::videos::{VideoFilter, VideoRow};
use ferrotube_model::short_uuid;
use ferrotube_model::timefmt::iso;
use ferrotube_web as web;
use ferrotube_web::browse::{
    AboutPage, ActorCard, ActorPage, Choice, DiscoverPage, ListFilters, Pager, PlaylistCard,
    SearchPage, Section, VideoListPage,
};

/// Videos per page of a list.
const PER_PAGE: i64 = 24;

pub fn routes() -> Router<Instance> {
    Router::new()
        .route("/", get(home))
        .route("/videos/overview", get(home))
        .route("/videos/trending", get(trending))
        .route("/videos/recently-added", get(recently_added))
        .route("/videos/local", get(local))
        .route("/search", get(search))
        .route("/c/{handle}/{tab}", get(channel_tab))
        .route("/a/{handle}/{tab}", get(account_tab))
        .route("/about/instance", get(about))
        .route(
            "/about",
            get(|| async { axum::response::Redirect::to("/about/instance") }),
        )
}

/// A card of a video row (a remote video's thumbnail from its origin when we keep none).
pub fn card(v: &VideoRow) -> web::VideoCard {
    web::VideoCard {
        uuid: v.uuid.clone(),
        short_uuid: uuid::Uuid::parse_str(&v.uuid)
            .map(|u| short_uuid(&u))
            .unwrap_or_default(),
        name: v.name.clone(),
        thumbnail_path: v
            .thumbnail_name
            .as_ref()
            .map(|t| format!("/lazy-static/thumbnails/{t}"))
            .or_else(|| v.thumbnail_url.clone()),
        duration_secs: v.duration,
        channel_display_name: v.channel_display_name.clone(),
        channel_name: v.channel_name.clone(),
        views: v.views,
        published_at: iso(v.published_at),
        nsfw: v.nsfw,
    }
}

/// The reader's filter from the page's query, as the REST API reads it; a bad value is
/// dropped rather than refused (a page always renders).
fn reader_filter(p: &Params, page: &Page) -> VideoFilter {
    let user = page.user.as_ref();
    let mut f = crate::videos::filter_from(p, user).unwrap_or_else(|_| VideoFilter {
        published_only: true,
        privacies: if user.is_some() { vec![1, 4] } else { vec![1] },
        muted_by_account_id: user.map(|u| u.account_id),
        ..Default::default()
    });
    match p.str("scope") {
        Some("local") => f.is_local = Some(true),
        Some("federated") => f.is_local = Some(false),
        _ => {}
    }
    if p.str("nsfw").is_none() && page.chrome.hides_nsfw() {
        f.nsfw = Some(false);
    }
    f
}

async fn videos(
    state: &Instance,
    f: &VideoFilter,
    sort: Sort<VideoSort>,
    start: i64,
    count: i64,
) -> (i64, Vec<web::VideoCard>) {
    match state.db.list_videos(f, sort, start, count, false).await {
        Ok((total, rows)) => (total, rows.iter().map(card).collect()),
        Err(e) => {
            tracing::error!(error = %e, "browse: cannot list videos");
            (0, Vec::new())
        }
    }
}

/// The query without its empty fields (a filters form sends "any" as an empty value).
fn filled(raw: Option<&str>) -> String {
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in url::form_urlencoded::parse(raw.unwrap_or("").as_bytes()) {
        if !v.is_empty() {
            s.append_pair(&k, &v);
        }
    }
    s.finish()
}

/// `?page=` (1-based) and the matching offset.
fn page_of(p: &Params) -> (i64, i64) {
    let page = p
        .str("page")
        .and_then(|s| s.parse::<i64>().ok())
        .unwrap_or(1)
        .clamp(1, 10_000);
    (page, (page - 1) * PER_PAGE)
}

/// The previous and next page links of `path` with the same query (`page` 1-based, `shown`
/// items on it, `per_page` a full page); the administration lists use it too.
pub(super) fn pager(
    path: &str,
    raw: Option<&str>,
    page: i64,
    per_page: i64,
    shown: usize,
    total: i64,
) -> Pager {
    let link = |n: i64| {
        let mut s = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in url::form_urlencoded::parse(raw.unwrap_or("").as_bytes()) {
            if k != "page" {
                s.append_pair(&k, &v);
            }
        }
        if n > 1 {
            s.append_pair("page", &n.to_string());
        }
        let q = s.finish();
        if q.is_empty() {
            path.to_string()
        } else {
            format!("{path}?{q}")
        }
    };
    Pager {
        prev: (page > 1).then(|| link(page - 1)),
        next: ((page - 1) * per_page + (shown as i64) < total).then(|| link(page + 1)),
        page,
    }
}

async fn home(State(state): State<Instance>, page: Page) -> Response {
    let p = Params::parse(None);
    let f = reader_filter(&p, &page);
    let newest = Sort::desc(VideoSort::PublishedAt);
    let (_, recent) = videos(&state, &f, newest, 0, 12).await;
    // A section is one row on a wide screen ("see all" leads on): the page stays under 30 KB.
    const SECTION_CARDS: i64 = 4;
    let mut sections = Vec::new();
    if !recent.is_empty() {
        let (_, trending) = videos(
            &state,
            &f,
            Sort::desc(VideoSort::Trending),
            0,
            SECTION_CARDS,
        )
        .await;
        sections.push(Section {
            id: "trending".into(),
            title: page.t("browse-trending"),
            see_all: "/videos/trending".into(),
            cards: trending,
        });
        let local_f = VideoFilter {
            is_local: Some(true),
            ..f.clone()
        };
        let (_, local) = videos(&state, &local_f, newest, 0, SECTION_CARDS).await;
        sections.push(Section {
            id: "local".into(),
            title: page.t("browse-local"),
            see_all: "/videos/local".into(),
            cards: local,
        });
        // The categories of the newest videos, most frequent first (two sections at most).
        let (_, rows) = state
            .db
            .list_videos(&f, newest, 0, 48, true)
            .await
            .unwrap_or_default();
        let mut counts: Vec<(i64, usize)> = Vec::new();
        for c in rows.iter().filter_map(|v| v.category) {
            match counts.iter_mut().find(|(k, _)| *k == c) {
                Some(e) => e.1 += 1,
                None => counts.push((c, 1)),
            }
        }
        counts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        for (cat, _) in counts.into_iter().take(2) {
            let Some(label) = ferrotube_model::constants::categories().get(&cat) else {
                continue;
            };
            let cat_f = VideoFilter {
                category_one_of: vec![cat],
                ..f.clone()
            };
            let (_, cards) = videos(&state, &cat_f, newest, 0, SECTION_CARDS).await;
            sections.push(Section {
                id: format!("category-{cat}"),
                title: page.chrome.ts("browse-category-section", "name", label),
                see_all: format!("/videos/recently-added?categoryOneOf={cat}"),
                cards,
            });
        }
    }
    let homepage = state.live().homepage.clone();
    Html(web::browse::render_discover(
        &page.chrome,
        &DiscoverPage {
            homepage,
            recent,
            sections,
        },
    ))
    .into_response()
}

async fn trending(state: State<Instance>, page: Page, q: RawQuery) -> Response {
    list(
        state,
        page,
        q,
        "/videos/trending",
        "browse-trending",
        VideoSort::Trending,
    )
    .await
}

async fn recently_added(state: State<Instance>, page: Page, q: RawQuery) -> Response {
    list(
        state,
        page,
        q,
        "/videos/recently-added",
        "browse-recent",
        VideoSort::PublishedAt,
    )
    .await
}

async fn local(state: State<Instance>, page: Page, q: RawQuery) -> Response {
    list(
        state,
        page,
        q,
        "/videos/local",
        "browse-local",
        VideoSort::PublishedAt,
    )
    .await
}

fn choices(options: &[(&str, String)], chosen: &str) -> Vec<Choice> {
    options
        .iter()
        .map(|(v, l)| (v.to_string(), l.clone(), *v == chosen))
        .collect()
}

async fn list(
    State(state): State<Instance>,
    page: Page,
    RawQuery(q): RawQuery,
    path: &'static str,
    heading: &str,
    default_sort: VideoSort,
) -> Response {
    let p = Params::parse(Some(&filled(q.as_deref())));
    let mut f = reader_filter(&p, &page);
    let scope = match (path, p.str("scope")) {
        ("/videos/local", _) => {
            f.is_local = Some(true);
            "local"
        }
        (_, Some(s @ ("local" | "federated"))) => s,
        _ => "",
    };
    let sort = p
        .sort(Sort::desc(default_sort))
        .unwrap_or(Sort::desc(default_sort));
    let (n, start) = page_of(&p);
    let (total, cards) = videos(&state, &f, sort, start, PER_PAGE).await;
    let sort_raw = p.str("sort").unwrap_or(match default_sort {
        VideoSort::Trending => "-trending",
        _ => "-publishedAt",
    });
    let t = |k: &str| page.t(k);
    let mut category = vec![(String::new(), t("browse-any"), false)];
    let cat_raw = p.str("categoryOneOf").unwrap_or("");
    for (id, label) in ferrotube_model::constants::categories() {
        category.push((id.to_string(), label.clone(), id.to_string() == cat_raw));
    }
    let lang_raw = p.str("languageOneOf").unwrap_or("");
    let mut language = vec![(String::new(), t("browse-any"), false)];
    for (code, label) in ferrotube_model::constants::LANGUAGES {
        language.push((code.to_string(), label.to_string(), *code == lang_raw));
    }
    let nsfw_raw = p.str("nsfw").unwrap_or(if page.chrome.hides_nsfw() {
        "false"
    } else {
        "both"
    });
    let filters = ListFilters {
        sort: choices(
            &[
                ("-publishedAt", t("browse-sort-recent")),
                ("-trending", t("browse-sort-trending")),
                ("-views", t("browse-sort-views")),
                ("-likes", t("browse-sort-likes")),
                ("name", t("browse-sort-name")),
            ],
            sort_raw,
        ),
        scope: if path == "/videos/local" {
            choices(&[("local", t("browse-scope-local"))], "local")
        } else {
            choices(
                &[
                    ("", t("browse-scope-all")),
                    ("local", t("browse-scope-local")),
                    ("federated", t("browse-scope-federated")),
                ],
                scope,
            )
        },
        category,
        language,
        nsfw: choices(
            &[
                ("false", t("browse-nsfw-hide")),
                ("both", t("browse-nsfw-both")),
                ("true", t("browse-nsfw-only")),
            ],
            nsfw_raw,
        ),
    };
    let pager = pager(path, q.as_deref(), n, PER_PAGE, cards.len(), total);
    Html(web::browse::render_video_list(
        &page.chrome,
        &VideoListPage {
            path: path.to_string(),
            heading: t(heading),
            total,
            cards,
            filters,
            pager,
        },
    ))
    .into_response()
}

fn looks_like_url(s: &str) -> bool {
    s.starts_with("http://") || s.starts_with("https://")
}

fn actor_card(state: &Instance, c: &ChannelRow, owner: Option<&AccountRow>) -> ActorCard {
    let j = state.channel(c, owner);
    ActorCard {
        href: format!("/c/{}", c.name),
        display_name: c.display_name.clone(),
        handle: handle(state, &c.name, c.host.as_deref()),
        avatar: image(&j, "avatars", true),
        followers: c.followers_count,
    }
}

/// `name@host` of an account or channel (its stored name is `name@host` when remote).
fn handle(state: &Instance, name: &str, host: Option<&str>) -> String {
    match host {
        Some(_) => name.to_string(),
        None => format!("{name}@{}", state.host),
    }
}

/// The path (or URL) of an actor's image from its API shape; the smallest or the largest.
fn image(j: &serde_json::Value, key: &str, smallest: bool) -> Option<String> {
    let list = j.get(key)?.as_array()?;
    let pick = if smallest { list.first() } else { list.last() }?;
    pick.get("path")
        .or_else(|| pick.get("fileUrl"))
        .and_then(|v| v.as_str())
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

fn playlist_card(state: &Instance, pl: &PlaylistRow) -> PlaylistCard {
    PlaylistCard {
        href: format!("/w/p/{}", pl.uuid),
        name: pl.name.clone(),
        thumbnail: pl
            .thumbnail_name
            .as_ref()
            .or(pl.first_thumbnail.as_ref())
            .map(|t| format!("/lazy-static/thumbnails/{t}"))
            .or_else(|| pl.thumbnail_url.clone()),
        videos: pl.videos_length,
        owner: if pl.account_display_name.is_empty() {
            handle(state, &pl.account_name, pl.account_host.as_deref())
        } else {
            pl.account_display_name.clone()
        },
    }
}

async fn search(State(state): State<Instance>, page: Page, RawQuery(q): RawQuery) -> Response {
    let user = page.user.as_ref();
    let p = Params::parse(Some(&filled(q.as_deref())));
    let query = p.str("search").unwrap_or("").trim().to_string();
    let tab = p
        .str("searchTarget")
        .filter(|t| matches!(*t, "channels" | "playlists"))
        .unwrap_or("videos")
        .to_string();
    let (n, start) = page_of(&p);
    let mut out = SearchPage {
        query: query.clone(),
        tab: tab.clone(),
        ..Default::default()
    };
    let bare = query.trim_start_matches('@');
    let is_handle = bare.contains('@') && !bare.contains(' ') && !looks_like_url(bare);
    if looks_like_url(&query) || is_handle {
        out.resolved = resolve(&state, user, &query).await;
        out.lookup_failed = out.resolved.is_none();
    } else if !query.is_empty() || tab == "videos" {
        match tab.as_str() {
            "channels" => {
                if let Ok((total, rows)) = state
                    .db
                    .search_channels(&query, None, Sort::asc(ChannelSort::Id), start, PER_PAGE)
                    .await
                {
                    out.total = total;
                    for c in &rows {
                        let owner = state.db.account_by_id(c.account_id).await.ok().flatten();
                        out.channels.push(actor_card(&state, c, owner.as_ref()));
                    }
                }
            }
            "playlists" => {
                let f = PlaylistFilter {
                    privacies: vec![1],
                    search: Some(query.clone()),
                    ..Default::default()
                };
                if let Ok((total, rows)) = state
                    .db
                    .list_playlists(&f, Sort::desc(PlaylistSort::CreatedAt), start, PER_PAGE)
                    .await
                {
                    out.total = total;
                    out.playlists = rows.iter().map(|pl| playlist_card(&state, pl)).collect();
                }
            }
            _ => {
                let mut f = reader_filter(&p, &page);
                if !query.is_empty() {
                    f.search = Some(query.clone());
                }
                let sort = if query.is_empty() {
                    Sort::desc(VideoSort::PublishedAt)
                } else {
                    Sort::desc(VideoSort::Match)
                };
                let (total, cards) = videos(&state, &f, sort, start, PER_PAGE).await;
                out.total = total;
                out.videos = cards;
            }
        }
        let shown = out.videos.len() + out.channels.len() + out.playlists.len();
        out.pager = pager("/search", q.as_deref(), n, PER_PAGE, shown, out.total);
    }
    Html(web::browse::render_search(&page.chrome, &out)).into_response()
}

/// A pasted URL or `name@host`: the object, fetched from its origin when the reader is signed
/// in (as `/api/v1/search/*` does), as (label, local page).
async fn resolve(
    state: &Instance,
    user: Option<&UserRow>,
    query: &str,
) -> Option<(String, String)> {
    use ferrotube_app::federation::{actors, objects};
    if looks_like_url(query) {
        // Our own pages first.
        let video = match user {
            Some(_) => objects::fetch_remote_video(state, query, false).await.ok(),
            None => objects::video_by_any_url(state, query)
                .await
                .ok()
                .flatten()
                .map(|v| v.id),
        };
        if let Some(id) = video {
            let v = state.db.video_by_id(id).await.ok().flatten()?;
            ferrotube_app::videos::visible_to(&v, user).ok()?;
            let c = card(&v);
            return Some((v.name.clone(), format!("/w/{}", c.short_uuid)));
        }
        if user.is_some() {
            let a = actors::remote_actor(state, query, false).await.ok()?;
            return actor_link(state, a.channel_id, a.account_id).await;
        }
        return None;
    }
    let handle = query.trim_start_matches('@');
    let name = crate::channels::stored_name(state, handle);
    if let Ok(Some(c)) = state.db.channel_by_name(name).await {
        return Some((c.display_name.clone(), format!("/c/{}", c.name)));
    }
    if let Ok(Some(a)) = state.db.account_by_name(name).await {
        return Some((a.display_name.clone(), format!("/a/{}", a.name)));
    }
    user?;
    let a = actors::resolve_handle(state, handle).await.ok()?;
    actor_link(state, a.channel_id, a.account_id).await
}

async fn actor_link(
    state: &Instance,
    channel_id: Option<i64>,
    account_id: Option<i64>,
) -> Option<(String, String)> {
    if let Some(id) = channel_id {
        let c = state.db.channel_by_id(id).await.ok().flatten()?;
        return Some((c.display_name.clone(), format!("/c/{}", c.name)));
    }
    let a = state.db.account_by_id(account_id?).await.ok().flatten()?;
    Some((a.display_name.clone(), format!("/a/{}", a.name)))
}

/// `/c/{handle}` (a page when the client does not ask for ActivityPub; see
/// `federation::routes`).
pub async fn channel_page(
    state: &Instance,
    page: Page,
    handle: String,
    q: Option<String>,
) -> Response {
    channel(state, page, handle, "videos".into(), q).await
}

async fn channel_tab(
    State(state): State<Instance>,
    page: Page,
    Path((handle, tab)): Path<(String, String)>,
    RawQuery(q): RawQuery,
) -> Response {
    if !matches!(tab.as_str(), "videos" | "video-playlists") {
        return not_found_page(&page);
    }
    channel(&state, page, handle, tab, q).await
}

async fn channel(
    state: &Instance,
    page: Page,
    handle: String,
    tab: String,
    q: Option<String>,
) -> Response {
    let Ok(c) = crate::channels::channel_by_handle(state, &handle).await else {
        return not_found_page(&page);
    };
    let owner = state.db.account_by_id(c.account_id).await.ok().flatten();
    let j = state.channel(&c, owner.as_ref());
    let p = Params::parse(Some(&filled(q.as_deref())));
    let (n, start) = page_of(&p);
    let mut out = ActorPage {
        kind: "channel",
        handle: c.name.clone(),
        display_name: c.display_name.clone(),
        avatar: image(&j, "avatars", false),
        banner: image(&j, "banners", false),
        followers: c.followers_count,
        description: c.description.clone(),
        host: c.host.clone(),
        owner: owner
            .as_ref()
            .map(|a| (a.display_name.clone(), format!("/a/{}", a.name))),
        subscribe_uri: Some(handle_of(state, &c)),
        tab: tab.clone(),
        ..Default::default()
    };
    let base = format!("/c/{}/{tab}", c.name);
    if tab == "video-playlists" {
        let f = PlaylistFilter {
            channel_id: Some(c.id),
            privacies: vec![1],
            ..Default::default()
        };
        fill_playlists(state, &mut out, &f, start).await;
    } else {
        let mut f = reader_filter(&p, &page);
        f.channel_id = Some(c.id);
        let (total, cards) = videos(
            state,
            &f,
            Sort::desc(VideoSort::PublishedAt),
            start,
            PER_PAGE,
        )
        .await;
        out.total = total;
        out.cards = cards;
    }
    let shown = out.cards.len() + out.playlists.len();
    out.pager = pager(&base, q.as_deref(), n, PER_PAGE, shown, out.total);
    Html(web::browse::render_actor(&page.chrome, &out)).into_response()
}

fn handle_of(state: &Instance, c: &ChannelRow) -> String {
    handle(state, &c.name, c.host.as_deref())
}

async fn fill_playlists(state: &Instance, out: &mut ActorPage, f: &PlaylistFilter, start: i64) {
    match state
        .db
        .list_playlists(f, Sort::desc(PlaylistSort::CreatedAt), start, PER_PAGE)
        .await
    {
        Ok((total, rows)) => {
            out.total = total;
            out.playlists = rows.iter().map(|pl| playlist_card(state, pl)).collect();
        }
        Err(e) => tracing::error!(error = %e, "browse: cannot list playlists"),
    }
}

/// `/a/{handle}` (a page when the client does not ask for ActivityPub).
pub async fn account_page(
    state: &Instance,
    page: Page,
    handle: String,
    q: Option<String>,
) -> Response {
    account(state, page, handle, "videos".into(), q).await
}

async fn account_tab(
    State(state): State<Instance>,
    page: Page,
    Path((handle, tab)): Path<(String, String)>,
    RawQuery(q): RawQuery,
) -> Response {
    if !matches!(
        tab.as_str(),
        "videos" | "video-playlists" | "video-channels"
    ) {
        return not_found_page(&page);
    }
    account(&state, page, handle, tab, q).await
}

async fn account(
    state: &Instance,
    page: Page,
    handle: String,
    tab: String,
    q: Option<String>,
) -> Response {
    let Ok(a) = crate::channels::account_by_handle(state, &handle).await else {
        return not_found_page(&page);
    };
    let j = state.account(&a);
    let p = Params::parse(Some(&filled(q.as_deref())));
    let (n, start) = page_of(&p);
    let mut out = ActorPage {
        kind: "account",
        handle: a.name.clone(),
        display_name: a.display_name.clone(),
        avatar: image(&j, "avatars", false),
        followers: a.followers_count,
        description: a.description.clone(),
        host: a.host.clone(),
        tab: tab.clone(),
        ..Default::default()
    };
    let base = format!("/a/{}/{tab}", a.name);
    match tab.as_str() {
        "video-playlists" => {
            let f = PlaylistFilter {
                account_id: Some(a.id),
                privacies: vec![1],
                ..Default::default()
            };
            fill_playlists(state, &mut out, &f, start).await;
        }
        "video-channels" => {
            let rows = state.db.channels_of_account(a.id).await.unwrap_or_default();
            out.total = rows.len() as i64;
            out.channels = rows
                .iter()
                .map(|c| actor_card(state, c, Some(&a)))
                .collect();
        }
        _ => {
            let mut f = reader_filter(&p, &page);
            f.account_id = Some(a.id);
            let (total, cards) = videos(
                state,
                &f,
                Sort::desc(VideoSort::PublishedAt),
                start,
                PER_PAGE,
            )
            .await;
            out.total = total;
            out.cards = cards;
        }
    }
    let shown = out.cards.len() + out.playlists.len();
    out.pager = if tab == "video-channels" {
        Pager::default()
    } else {
        pager(&base, q.as_deref(), n, PER_PAGE, shown, out.total)
    };
    Html(web::browse::render_actor(&page.chrome, &out)).into_response()
}

async fn about(State(state): State<Instance>, page: Page) -> Response {
    let j = crate::server_config::about(State(state.clone())).await.0;
    let none = serde_json::Value::Null;
    let i = j.get("instance").unwrap_or(&none);
    let field = |k: &str| i.get(k).unwrap_or(&none);
    let text = |k: &str| field(k).as_str().unwrap_or("").to_string();
    let list = |k: &str, map: &dyn Fn(&serde_json::Value) -> Option<String>| -> Vec<String> {
        field(k)
            .as_array()
            .map(|a| a.iter().filter_map(map).collect())
            .unwrap_or_default()
    };
    let languages = list("languages", &|v| {
        let code = v.as_str()?;
        Some(
            ferrotube_model::constants::LANGUAGES
                .iter()
                .find(|(c, _)| *c == code)
                .map(|(_, l)| l.to_string())
                .unwrap_or_else(|| code.to_string()),
        )
    });
    let categories = list("categories", &|v| {
        ferrotube_model::constants::categories()
            .get(&v.as_i64()?)
            .cloned()
    });
    let now = ferrotube_model::timefmt::now_ms();
    let stats = state.db.server_stats(now).await.unwrap_or_default();
    let p = AboutPage {
        name: text("name"),
        short_description: text("shortDescription"),
        description: text("description"),
        terms: text("terms"),
        code_of_conduct: text("codeOfConduct"),
        moderation_information: text("moderationInformation"),
        administrator: text("administrator"),
        languages,
        categories,
        local_videos: stats.local_videos,
        users: stats.users,
    };
    Html(web::browse::render_about(&page.chrome, &p)).into_response()
}
