//! Browsing pages: the discover home page (sections of videos), the video lists
//! (`/videos/trending`, `/videos/recently-added`, `/videos/local`) with their filters and
//! paging, the search page, channel and account pages, and `/about/instance`. The API crate's
//! `pages::browse` gathers what they show through the same listing code as the REST API.

use crate::{
    format_date, format_duration, markdown, render_or_fallback, CardView, Chrome, VideoCard,
};
use askama::Template;

impl VideoCard {
    /// The origin host of a remote video's channel (`name@host`), `None` for a local one.
    pub fn remote_host(&self) -> Option<&str> {
        self.channel_name.split_once('@').map(|(_, h)| h)
    }
}

fn views(cards: &[VideoCard]) -> Vec<CardView<'_>> {
    cards
        .iter()
        .map(|card| CardView {
            card,
            duration: format_duration(card.duration_secs),
            date: format_date(&card.published_at),
        })
        .collect()
}

/// One section of the discover page: a few videos and a link to the whole list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Section {
    /// Element id suffix (`ft-section-{id}`).
    pub id: String,
    pub title: String,
    pub see_all: String,
    pub cards: Vec<VideoCard>,
}

/// The discover page (`/`, `/videos/overview`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DiscoverPage {
    /// The administrator's custom home page (markdown).
    pub homepage: Option<String>,
    /// The newest videos (the first grid, `#ft-video-grid`).
    pub recent: Vec<VideoCard>,
    /// Trending, local, by category.
    pub sections: Vec<Section>,
}

struct SectionView<'a> {
    s: &'a Section,
    cards: Vec<CardView<'a>>,
}

#[derive(Template)]
#[template(path = "browse/discover.html")]
struct DiscoverTemplate<'a> {
    c: &'a Chrome,
    title: String,
    page: &'static str,
    homepage: Option<String>,
    recent: Vec<CardView<'a>>,
    sections: Vec<SectionView<'a>>,
}

pub fn render_discover(c: &Chrome, p: &DiscoverPage) -> String {
    render_or_fallback(&DiscoverTemplate {
        c,
        title: c.title(""),
        page: "home",
        homepage: p.homepage.as_deref().map(markdown::to_safe_html),
        recent: views(&p.recent),
        sections: p
            .sections
            .iter()
            .filter(|s| !s.cards.is_empty())
            .map(|s| SectionView {
                s,
                cards: views(&s.cards),
            })
            .collect(),
    })
}

/// One choice of a filter's menu: (value, label, chosen).
pub type Choice = (String, String, bool);

/// The filters of a video list, as the reader set them (a GET form: works without script).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListFilters {
    pub sort: Vec<Choice>,
    /// Local, federated, both.
    pub scope: Vec<Choice>,
    pub category: Vec<Choice>,
    pub language: Vec<Choice>,
    pub nsfw: Vec<Choice>,
}

/// Links to the previous and next pages (`None`: none).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pager {
    pub prev: Option<String>,
    pub next: Option<String>,
    /// 1-based.
    pub page: i64,
}

/// A video list (`/videos/trending`, `/videos/recently-added`, `/videos/local`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VideoListPage {
    /// The list's path (the filters form posts there).
    pub path: String,
    pub heading: String,
    pub total: i64,
    pub cards: Vec<VideoCard>,
    pub filters: ListFilters,
    pub pager: Pager,
}

#[derive(Template)]
#[template(path = "browse/list.html")]
struct ListTemplate<'a> {
    c: &'a Chrome,
    title: String,
    page: &'static str,
    p: &'a VideoListPage,
    cards: Vec<CardView<'a>>,
}

pub fn render_video_list(c: &Chrome, p: &VideoListPage) -> String {
    render_or_fallback(&ListTemplate {
        c,
        title: c.title(&p.heading),
        page: "video-list",
        p,
        cards: views(&p.cards),
    })
}

/// A channel or an account in a list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ActorCard {
    /// `/c/{handle}` or `/a/{handle}`.
    pub href: String,
    pub display_name: String,
    /// `name` or `name@host`.
    pub handle: String,
    pub avatar: Option<String>,
    pub followers: i64,
}

/// A playlist in a list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PlaylistCard {
    pub href: String,
    pub name: String,
    pub thumbnail: Option<String>,
    pub videos: i64,
    pub owner: String,
}

/// The search page (`/search?search=...&searchTarget=`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SearchPage {
    pub query: String,
    /// `videos`, `channels` or `playlists`.
    pub tab: String,
    /// The remote object a URL or `name@host` resolved to: (label, local page).
    pub resolved: Option<(String, String)>,
    /// The query looked like a URL or handle and nothing was found (or the reader must sign in).
    pub lookup_failed: bool,
    pub total: i64,
    pub videos: Vec<VideoCard>,
    pub channels: Vec<ActorCard>,
    pub playlists: Vec<PlaylistCard>,
    pub pager: Pager,
}

impl SearchPage {
    /// The link to one tab with the same query.
    pub fn tab_href(&self, tab: &str) -> String {
        format!(
            "/search?search={}&searchTarget={tab}",
            crate::chrome::url_encode(&self.query)
        )
    }
}

#[derive(Template)]
#[template(path = "browse/search.html")]
struct SearchTemplate<'a> {
    c: &'a Chrome,
    title: String,
    page: &'static str,
    p: &'a SearchPage,
    cards: Vec<CardView<'a>>,
}

pub fn render_search(c: &Chrome, p: &SearchPage) -> String {
    render_or_fallback(&SearchTemplate {
        c,
        title: c.title(&if p.query.is_empty() {
            c.t("browse-search-title")
        } else {
            c.ts("browse-search-title-for", "query", &p.query)
        }),
        page: "search",
        p,
        cards: views(&p.videos),
    })
}

/// A channel's (`/c/{handle}`) or an account's (`/a/{handle}`) page.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ActorPage {
    /// `channel` or `account`.
    pub kind: &'static str,
    /// As in the URL: `name` or `name@host`.
    pub handle: String,
    pub display_name: String,
    pub avatar: Option<String>,
    pub banner: Option<String>,
    pub followers: i64,
    pub description: Option<String>,
    /// The origin host of a remote one.
    pub host: Option<String>,
    /// A channel's owner account: (display name, `/a/{handle}`).
    pub owner: Option<(String, String)>,
    /// `videos`, `video-playlists` or `video-channels`.
    pub tab: String,
    pub cards: Vec<VideoCard>,
    pub playlists: Vec<PlaylistCard>,
    /// An account's channels.
    pub channels: Vec<ActorCard>,
    pub total: i64,
    pub pager: Pager,
    /// `name@host` for the subscribe button (a channel only).
    pub subscribe_uri: Option<String>,
}

impl ActorPage {
    /// The page's base path (`/c/{handle}` or `/a/{handle}`).
    pub fn base(&self) -> String {
        let prefix = if self.kind == "channel" { "c" } else { "a" };
        format!("/{prefix}/{}", self.handle)
    }
}

#[derive(Template)]
#[template(path = "browse/actor.html")]
struct ActorTemplate<'a> {
    c: &'a Chrome,
    title: String,
    page: &'static str,
    p: &'a ActorPage,
    cards: Vec<CardView<'a>>,
    description: String,
}

pub fn render_actor(c: &Chrome, p: &ActorPage) -> String {
    render_or_fallback(&ActorTemplate {
        c,
        title: c.title(&p.display_name),
        page: if p.kind == "channel" {
            "channel"
        } else {
            "account"
        },
        p,
        cards: views(&p.cards),
        description: p
            .description
            .as_deref()
            .map(markdown::to_safe_html)
            .unwrap_or_default(),
    })
}

/// `/about/instance`, what `/api/v1/config/about` says.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AboutPage {
    pub name: String,
    pub short_description: String,
    /// Markdown texts.
    pub description: String,
    pub terms: String,
    pub code_of_conduct: String,
    pub moderation_information: String,
    pub administrator: String,
    pub languages: Vec<String>,
    pub categories: Vec<String>,
    pub local_videos: i64,
    pub users: i64,
}

#[derive(Template)]
#[template(path = "browse/about.html")]
struct AboutTemplate<'a> {
    c: &'a Chrome,
    title: String,
    page: &'static str,
    p: &'a AboutPage,
    /// (element id, heading key, safe HTML) of each text the admin wrote.
    texts: Vec<(&'static str, &'static str, String)>,
}

pub fn render_about(c: &Chrome, p: &AboutPage) -> String {
    let texts = [
        (
            "ft-about-description",
            "browse-about-description",
            &p.description,
        ),
        ("ft-about-terms", "browse-about-terms", &p.terms),
        ("ft-about-rules", "browse-about-rules", &p.code_of_conduct),
        (
            "ft-about-moderation",
            "browse-about-moderation",
            &p.moderation_information,
        ),
        ("ft-about-admin", "browse-about-admin", &p.administrator),
    ]
    .into_iter()
    .filter(|(_, _, t)| !t.trim().is_empty())
    .map(|(id, key, t)| (id, key, markdown::to_safe_html(t)))
    .collect();
    render_or_fallback(&AboutTemplate {
        c,
        title: c.title(&c.t("browse-about-title")),
        page: "about",
        p,
        texts,
    })
}
