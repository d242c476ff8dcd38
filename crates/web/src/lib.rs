//! Server-rendered HTML pages and static client assets for Ferrotube.
//!
//! The API crate turns its data into the view structs below ([`HomePage`],
//! [`WatchPage`], [`VideoCard`]) and calls the `render_*` functions from its
//! axum handlers. Static assets (hls.js, the app script and the stylesheet)
//! are served under `/client/` by [`assets_router`].
//!
//! Every user-provided string goes through askama's HTML escaping.

use askama::Template;

pub mod account;
pub mod admin;
pub mod browse;
pub mod chrome;
pub mod i18n;
pub mod library;
pub mod watch;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
pub use chrome::{Chrome, SessionUser, Theme};
pub use i18n::Lang;

mod hls_info {
    include!(concat!(env!("OUT_DIR"), "/hls_info.rs"));
}
pub use hls_info::{HLS_JS_BUNDLED, HLS_JS_VERSION, P2P_PLAYER_BUNDLED};

/// The app script (all pages), embedded from `assets/app.js`.
pub const APP_JS: &str = include_str!("../assets/app.js");
/// The stylesheet: the core rules (`assets/style.css`) and each area's (`assets/<area>.css`),
/// served as one file (a few KB gzipped; one request per page).
pub const STYLE_CSS: &str = concat!(
    include_str!("../assets/style.css"),
    // One line per area of the interface:
    include_str!("../assets/admin.css"),
    include_str!("../assets/library.css"),
    include_str!("../assets/watch.css"),
    include_str!("../assets/browse.css"),
    include_str!("../assets/account.css"),
);

/// The scripts of one area of the interface (`assets/<area>.js`), served at
/// `/client/<area>.js` and loaded only by that area's pages (`{% block scripts %}`), so that no
/// page but the watch page carries much script. Each runs after `app.js`, whose helpers it
/// finds in `window.ferrotube`.
/// (An `Asset` holds its gzipped bytes in a `OnceLock`: each is its own `static`, listed here
/// by reference.)
static AREA_SCRIPTS: &[(&str, &Asset)] = &[
    // One line per area: ("area.js", &AREA_JS), and its static below.
    ("account.js", &ACCOUNT_JS),
    ("admin.js", &ADMIN_JS),
    ("browse.js", &BROWSE_JS),
    ("library.js", &LIBRARY_JS),
    ("watch.js", &WATCH_JS),
];
static ACCOUNT_JS: Asset = Asset::new(JS, include_bytes!("../assets/account.js"));
static ADMIN_JS: Asset = Asset::new(JS, include_bytes!("../assets/admin.js"));
static BROWSE_JS: Asset = Asset::new(JS, include_bytes!("../assets/browse.js"));
static LIBRARY_JS: Asset = Asset::new(JS, include_bytes!("../assets/library.js"));
static WATCH_JS: Asset = Asset::new(JS, include_bytes!("../assets/watch.js"));

const JS: &str = "text/javascript; charset=utf-8";
/// hls.js (`web/node_modules/hls.js/dist/hls.min.js`), or a stub that logs an
/// error when the crate was built without `web/node_modules`.
pub const HLS_JS: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/hls.min.js"));
/// The P2P player (`web/src/player.js` bundled with hls.js and p2p-media-loader by esbuild), or
/// empty when the crate was built without `web/node_modules`.
pub const PLAYER_JS: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/player.js"));

/// Cache-Control sent with `/client/*` assets. Pages reference them with a
/// `?v=<content hash>` query, so a new build never serves stale files.
pub const ASSET_CACHE_CONTROL: &str = "public, max-age=31536000, immutable";

/// Short hex tag of the embedded assets' contents (cache busting query),
/// computed by build.rs.
pub fn asset_version() -> String {
    String::from(hls_info::ASSET_VERSION)
}

/// One video in a list (home page grid).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VideoCard {
    pub uuid: String,
    pub short_uuid: String,
    pub name: String,
    /// Server path such as `/lazy-static/thumbnails/x.jpg`.
    pub thumbnail_path: Option<String>,
    pub duration_secs: i64,
    pub channel_display_name: String,
    pub channel_name: String,
    pub views: i64,
    /// RFC 3339.
    pub published_at: String,
    /// Sensitive content: its thumbnail is blurred for readers whose policy says so.
    pub nsfw: bool,
}

/// The watch page of a video the anonymous render may show.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WatchPage {
    pub instance_name: String,
    pub uuid: String,
    pub short_uuid: String,
    pub name: String,
    pub description: Option<String>,
    /// HLS master playlist URL (`streamingPlaylists[0].playlistUrl`).
    pub hls_master_url: Option<String>,
    pub preview_path: Option<String>,
    pub channel_display_name: String,
    pub channel_name: String,
    pub views: i64,
    pub likes: i64,
    pub dislikes: i64,
    /// RFC 3339.
    pub published_at: String,
    /// PeerTube's `state.label`, e.g. "Published", "To transcode".
    pub state_label: String,
    /// `state.id == 1`.
    pub is_published: bool,
    /// A remote video this page plays from this instance's copy (video redundancy).
    pub served_from_copy: bool,
    /// A remote video's origin (`host[:port]`); `None` for ours.
    pub origin_host: Option<String>,
    /// The P2P player's settings (JSON: trackers, swarm ids, segments-sha256.json URL); `None`
    /// plays over HTTP only.
    pub p2p_config: Option<String>,
    /// What the page tells link previews and feed readers (OpenGraph, Twitter card, oEmbed and
    /// feed links); empty: none of it.
    pub sharing: Sharing,
}

/// A watch page's sharing metadata, absolute URLs throughout.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sharing {
    /// The page itself (`og:url`, canonical link).
    pub page_url: String,
    /// The embed player (`og:video`, `twitter:player`).
    pub embed_url: String,
    /// The preview image (`og:image`, `twitter:image`); empty when there is none.
    pub image_url: String,
    /// Plain-text description, shortened.
    pub description: String,
    /// `/services/oembed?url=...` for this page.
    pub oembed_url: String,
    /// RSS feed of the video's channel.
    pub channel_feed_url: String,
    /// RSS feed of the video's comments; empty when it has none (a video not public).
    pub comments_feed_url: String,
}

/// The embed page (`/videos/embed/{uuid}`): the player alone.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EmbedPage {
    pub instance_name: String,
    pub uuid: String,
    /// Empty when the video is not public.
    pub name: String,
    /// `None` when nothing can be played anonymously (not published, or not public).
    pub hls_master_url: Option<String>,
    pub p2p_config: Option<String>,
}

/// One element of a playlist's watch page.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PlaylistItem {
    pub position: i64,
    pub uuid: String,
    pub short_uuid: String,
    pub name: String,
    /// `None` when the reader cannot play it (private, unpublished): the item is listed and
    /// skipped.
    pub hls_master_url: Option<String>,
    pub thumbnail_path: Option<String>,
    pub duration_secs: i64,
    pub channel_display_name: String,
    /// Seconds where the element starts and stops (PeerTube's timestamps).
    pub start: Option<i64>,
    pub stop: Option<i64>,
}

/// The watch page of a playlist (`/w/p/{id}`): the player and the elements beside it, played
/// one after the other.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PlaylistPage {
    pub instance_name: String,
    pub uuid: String,
    pub name: String,
    pub description: Option<String>,
    pub owner_display_name: String,
    pub items: Vec<PlaylistItem>,
}

/// Formats a duration like PeerTube's cards: `m:ss`, or `h:mm:ss` from one hour.
pub fn format_duration(secs: i64) -> String {
    let secs = secs.max(0);
    let (h, m, s) = (secs / 3600, (secs % 3600) / 60, secs % 60);
    if h > 0 {
        format!("{h}:{m:02}:{s:02}")
    } else {
        format!("{m}:{s:02}")
    }
}

/// "1 view", "42 views".
pub fn format_views(views: i64) -> String {
    if views == 1 {
        String::from("1 view")
    } else {
        format!("{views} views")
    }
}

/// The date part (`YYYY-MM-DD`) of an RFC 3339 timestamp, or the input as is.
pub fn format_date(rfc3339: &str) -> String {
    match rfc3339.get(..10) {
        Some(d) if d.as_bytes().get(4) == Some(&b'-') && d.as_bytes().get(7) == Some(&b'-') => {
            d.to_owned()
        }
        _ => rfc3339.to_owned(),
    }
}

struct CardView<'a> {
    card: &'a VideoCard,
    duration: String,
    date: String,
}

#[derive(Template)]
#[template(path = "watch_playlist.html")]
struct PlaylistTemplate<'a> {
    c: &'a Chrome,
    title: String,
    page: &'static str,
    p: &'a PlaylistPage,
    items: Vec<PlaylistItemView<'a>>,
}

struct PlaylistItemView<'a> {
    item: &'a PlaylistItem,
    hls_url: &'a str,
    thumbnail: &'a str,
    duration: String,
    start: String,
    stop: String,
}

#[derive(Template)]
#[template(path = "embed.html")]
struct EmbedTemplate<'a> {
    title: String,
    asset_v: String,
    p: &'a EmbedPage,
    hls_url: &'a str,
    p2p: &'a str,
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginTemplate<'a> {
    c: &'a Chrome,
    title: String,
    page: &'static str,
    form: &'a LoginForm,
}

#[derive(Template)]
#[template(path = "not_found.html")]
struct NotFoundTemplate<'a> {
    c: &'a Chrome,
    title: String,
    page: &'static str,
}

#[derive(Template)]
#[template(path = "blocked.html")]
struct BlockedTemplate<'a> {
    c: &'a Chrome,
    title: String,
    page: &'static str,
    video_name: &'a str,
}

/// Renders a template; on the (practically impossible) formatting error a
/// minimal page is returned instead of panicking.
fn render_or_fallback<T: Template>(t: &T) -> String {
    t.render().unwrap_or_else(|e| {
        let msg = e
            .to_string()
            .replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;");
        format!(
            "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Error</title></head><body><p>Template error: {msg}</p></body></html>"
        )
    })
}

/// Playlist watch page: the player, and the elements in order beside it; the page script plays
/// them one after the other, each from its start to its stop timestamp.
pub fn render_watch_playlist(c: &Chrome, p: &PlaylistPage) -> String {
    let items = p
        .items
        .iter()
        .map(|item| PlaylistItemView {
            item,
            hls_url: item.hls_master_url.as_deref().unwrap_or(""),
            thumbnail: item.thumbnail_path.as_deref().unwrap_or(""),
            duration: format_duration(item.duration_secs),
            start: item.start.map(|s| s.to_string()).unwrap_or_default(),
            stop: item.stop.map(|s| s.to_string()).unwrap_or_default(),
        })
        .collect();
    render_or_fallback(&PlaylistTemplate {
        c,
        title: c.title(&p.name),
        page: "watch-playlist",
        p,
        items,
    })
}

/// The P2P settings when the player bundle exists (otherwise the page plays over HTTP).
fn p2p_if_bundled(config: &Option<String>) -> &str {
    match config {
        Some(c) if P2P_PLAYER_BUNDLED => c,
        _ => "",
    }
}

/// Embed page: the player filling the frame, with the P2P stats overlay.
pub fn render_embed(p: &EmbedPage) -> String {
    render_or_fallback(&EmbedTemplate {
        title: if p.name.is_empty() {
            p.instance_name.clone()
        } else {
            format!("{} - {}", p.name, p.instance_name)
        },
        asset_v: asset_version(),
        p,
        hls_url: p.hls_master_url.as_deref().unwrap_or(""),
        p2p: p2p_if_bundled(&p.p2p_config),
    })
}

/// What the sign-in form shows again after a refused attempt.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LoginForm {
    pub username: String,
    /// Where to go once signed in (a local path).
    pub next: String,
    /// Why the last attempt was refused.
    pub error: Option<String>,
    /// The account has two-factor authentication: the form asks for the code.
    pub otp_required: bool,
}

/// Sign-in page: a form posted to `/login`, which sets the session cookie.
pub fn render_login(c: &Chrome, form: &LoginForm) -> String {
    render_or_fallback(&LoginTemplate {
        c,
        title: c.title(&c.t("login-title")),
        page: "login",
        form,
    })
}

/// 404 page (the handler should send it with status 404).
pub fn render_not_found(c: &Chrome) -> String {
    render_or_fallback(&NotFoundTemplate {
        c,
        title: c.title(&c.t("not-found-title")),
        page: "not-found",
    })
}

/// The watch page of a video blocked by the moderators: a short message instead of the player
/// (the handler sends it with status 403).
pub fn render_blocked(c: &Chrome, video_name: &str) -> String {
    render_or_fallback(&BlockedTemplate {
        c,
        title: c.title(video_name),
        page: "blocked",
        video_name,
    })
}

/// A `/client/*` asset and its gzip form, made on first request and kept for the process.
struct Asset {
    content_type: &'static str,
    body: &'static [u8],
    gzip: std::sync::OnceLock<Vec<u8>>,
}

impl Asset {
    const fn new(content_type: &'static str, body: &'static [u8]) -> Self {
        Asset {
            content_type,
            body,
            gzip: std::sync::OnceLock::new(),
        }
    }

    fn gzipped(&self) -> &[u8] {
        self.gzip.get_or_init(|| {
            use std::io::Write;
            let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
            // Writing to a Vec cannot fail.
            let _ = enc.write_all(self.body);
            enc.finish().unwrap_or_default()
        })
    }

    /// Gzip when the client takes it: the player script is most of what a viewer fetches
    /// besides the video itself, and every viewer of a swarm fetches it from the instance.
    fn respond(&'static self, headers: &axum::http::HeaderMap) -> axum::response::Response {
        let gzip = accepts_gzip(headers) && !self.gzipped().is_empty();
        let body: &'static [u8] = if gzip { self.gzipped() } else { self.body };
        let mut res = (
            [
                (header::CONTENT_TYPE, self.content_type),
                (header::CACHE_CONTROL, ASSET_CACHE_CONTROL),
                (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
                (header::VARY, "Accept-Encoding"),
            ],
            body,
        )
            .into_response();
        if gzip {
            res.headers_mut().insert(
                header::CONTENT_ENCODING,
                axum::http::HeaderValue::from_static("gzip"),
            );
        }
        res
    }
}

/// Whether `Accept-Encoding` lists gzip with a non-zero quality.
fn accepts_gzip(headers: &axum::http::HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|item| {
            let mut parts = item.split(';');
            let coding = parts.next().unwrap_or("").trim();
            let refused = parts.any(|p| {
                p.trim()
                    .strip_prefix("q=")
                    .and_then(|q| q.trim().parse::<f32>().ok())
                    .is_some_and(|q| q <= 0.0)
            });
            (coding.eq_ignore_ascii_case("gzip") || coding == "*") && !refused
        })
}

static HLS_ASSET: Asset = Asset::new("text/javascript; charset=utf-8", HLS_JS);
static APP_ASSET: Asset = Asset::new(JS, APP_JS.as_bytes());
static PLAYER_ASSET: Asset = Asset::new("text/javascript; charset=utf-8", PLAYER_JS);
static STYLE_ASSET: Asset = Asset::new("text/css; charset=utf-8", STYLE_CSS.as_bytes());

/// Routes `/client/hls.min.js`, `/client/player.js`, `/client/app.js` and `/client/style.css`.
/// Merge it into the app router: `app.merge(ferrotube_web::assets_router())`.
pub fn assets_router<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new()
        .route(
            "/client/hls.min.js",
            get(|h: axum::http::HeaderMap| async move { HLS_ASSET.respond(&h) }),
        )
        .route(
            "/client/app.js",
            get(|h: axum::http::HeaderMap| async move { APP_ASSET.respond(&h) }),
        )
        .route(
            "/client/player.js",
            get(|h: axum::http::HeaderMap| async move { PLAYER_ASSET.respond(&h) }),
        )
        .route(
            "/client/style.css",
            get(|h: axum::http::HeaderMap| async move { STYLE_ASSET.respond(&h) }),
        )
        .route(
            "/client/{file}",
            get(
                |h: axum::http::HeaderMap,
                 axum::extract::Path(file): axum::extract::Path<String>| async move {
                    match AREA_SCRIPTS.iter().find(|(name, _)| *name == file) {
                        Some((_, asset)) => asset.respond(&h),
                        None => axum::http::StatusCode::NOT_FOUND.into_response(),
                    }
                },
            ),
        )
}

#[cfg(test)]
mod tests;

pub mod markdown;
