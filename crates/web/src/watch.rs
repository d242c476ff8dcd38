//! The watch page of a video (`/w/{id}`): the player, the actions (rate, subscribe, share,
//! download, report, save to a playlist), the description, the details, the first page of
//! comments and a few related videos; and the page a reader who may not see a private video
//! gets instead. The page script (`assets/watch.js`) does the actions through PeerTube's API.

use crate::{format_date, format_duration, render_or_fallback, Chrome, VideoCard, WatchPage};
use askama::Template;

/// Everything the watch page shows besides the player (`base`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WatchView {
    /// The player, the title and counters, the sharing metadata.
    pub base: WatchPage,
    /// The video's numeric id (abuse reports, comment feeds).
    pub id: i64,
    pub tags: Vec<String>,
    pub category: Option<String>,
    pub licence: Option<String>,
    pub language: Option<String>,
    /// PeerTube's privacy label ("Public", "Unlisted", "Private", "Internal").
    pub privacy: String,
    pub privacy_id: i64,
    /// The reader's rating: "like", "dislike" or "none".
    pub my_rating: String,
    /// The channel's handle (`name` or `name@host`), for `/c/{handle}` and subscriptions.
    pub channel_handle: String,
    /// `name@host` always (the subscription API's handle).
    pub channel_full_handle: String,
    pub account_display_name: String,
    /// A remote video's page on its origin.
    pub origin_url: Option<String>,
    pub download_enabled: bool,
    /// Comments: "enabled", "disabled" or "approval".
    pub comments_policy: &'static str,
    pub comments_total: i64,
    /// "-createdAt" or "-totalReplies".
    pub comments_sort: String,
    pub comments: Vec<CommentView>,
    pub related: Vec<VideoCard>,
    /// The reader owns the video.
    pub is_owner: bool,
    /// `?start=` seconds (a shared link's start time).
    pub start: i64,
}

/// One comment thread's root as the page shows it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CommentView {
    pub id: i64,
    pub author_display_name: String,
    /// `name` or `name@host`.
    pub author_handle: String,
    /// Safe HTML ([`text_to_html`]).
    pub html: String,
    /// RFC 3339.
    pub created_at: String,
    pub total_replies: i64,
    pub deleted: bool,
    pub held_for_review: bool,
    /// The reader wrote it (may delete it).
    pub mine: bool,
}

/// A video the reader may not see.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PrivateView {
    /// `/w/{short}`: where the sign-in form sends the reader back.
    pub path: String,
    /// The reader is signed in (and still not allowed).
    pub signed_in: bool,
}

struct RelatedView<'a> {
    card: &'a VideoCard,
    duration: String,
    date: String,
}

#[derive(Template)]
#[template(path = "watch/page.html")]
struct WatchPageTemplate<'a> {
    c: &'a Chrome,
    title: String,
    page: &'static str,
    w: &'a WatchView,
    p: &'a WatchPage,
    date: String,
    hls_url: &'a str,
    preview: &'a str,
    p2p: &'a str,
    description: String,
    related: Vec<RelatedView<'a>>,
    share_url: String,
    embed_code: String,
    more_comments: bool,
}

#[derive(Template)]
#[template(path = "watch/private.html")]
struct PrivateTemplate<'a> {
    c: &'a Chrome,
    title: String,
    page: &'static str,
    v: &'a PrivateView,
    login_href: String,
}

/// The watch page.
pub fn render_watch_page(c: &Chrome, w: &WatchView) -> String {
    let p = &w.base;
    let related = w
        .related
        .iter()
        .map(|card| RelatedView {
            card,
            duration: format_duration(card.duration_secs),
            date: format_date(&card.published_at),
        })
        .collect();
    let share_url = if p.sharing.page_url.is_empty() {
        format!("/w/{}", p.short_uuid)
    } else {
        p.sharing.page_url.clone()
    };
    let embed_src = if p.sharing.embed_url.is_empty() {
        format!("/videos/embed/{}", p.uuid)
    } else {
        p.sharing.embed_url.clone()
    };
    let embed_code = format!(
        "<iframe title=\"{}\" width=\"560\" height=\"315\" src=\"{}\" frameborder=\"0\" allowfullscreen=\"\" sandbox=\"allow-same-origin allow-scripts allow-popups allow-forms\"></iframe>",
        attr_escape(&p.name),
        attr_escape(&embed_src)
    );
    render_or_fallback(&WatchPageTemplate {
        c,
        title: c.title(&p.name),
        page: "watch",
        w,
        p,
        date: format_date(&p.published_at),
        hls_url: p.hls_master_url.as_deref().unwrap_or(""),
        preview: p.preview_path.as_deref().unwrap_or(""),
        p2p: crate::p2p_if_bundled(&p.p2p_config),
        description: text_to_html(p.description.as_deref().unwrap_or("")),
        related,
        share_url,
        embed_code,
        more_comments: w.comments_total > w.comments.len() as i64,
    })
}

/// The page of a video the reader may not see: sign in first (anonymous), or not allowed.
pub fn render_private(c: &Chrome, v: &PrivateView) -> String {
    let next: String = url_encode(&v.path);
    render_or_fallback(&PrivateTemplate {
        c,
        title: c.title(&c.t("watch-private-title")),
        page: "watch-private",
        v,
        login_href: format!("/login?next={next}"),
    })
}

fn url_encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn attr_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Seconds of a timestamp word such as `1:23` or `1:02:03` (minutes and seconds below 60).
pub fn timestamp_secs(word: &str) -> Option<i64> {
    let parts: Vec<&str> = word.split(':').collect();
    if !(2..=3).contains(&parts.len())
        || parts
            .iter()
            .any(|p| p.is_empty() || p.len() > 2 || !p.bytes().all(|b| b.is_ascii_digit()))
    {
        return None;
    }
    let nums: Vec<i64> = parts.iter().filter_map(|p| p.parse().ok()).collect();
    let (h, m, s) = match nums[..] {
        [m, s] => (0, m, s),
        [h, m, s] => (h, m, s),
        _ => return None,
    };
    if parts.last().is_some_and(|p| p.len() != 2) || s >= 60 || (parts.len() == 3 && m >= 60) {
        return None;
    }
    Some(h * 3600 + m * 60 + s)
}

/// A description or a comment (markdown, as PeerTube's) as safe HTML: bare http(s) URLs become
/// links and timestamps (`1:23`) links to `?start=83`, which the page script turns into seeks
/// of the player (without script, the page reloads starting there).
pub fn text_to_html(text: &str) -> String {
    let mut md = String::with_capacity(text.len() + 16);
    let mut word = String::new();
    let flush = |word: &mut String, md: &mut String| {
        if word.is_empty() {
            return;
        }
        // Keep trailing punctuation out of the link.
        let core = word.trim_end_matches(['.', ',', ')', ';', '!', '?']);
        let tail = word.get(core.len()..).unwrap_or("");
        if (core.starts_with("https://") || core.starts_with("http://"))
            && core.len() > 8
            && !core.contains(['<', '>', '(', '[', ']'])
        {
            md.push('<');
            md.push_str(core);
            md.push('>');
            md.push_str(tail);
        } else if let Some(secs) = timestamp_secs(core) {
            md.push_str(&format!("[{core}](?start={secs}){tail}"));
        } else {
            md.push_str(word);
        }
        word.clear();
    };
    for ch in text.chars() {
        if ch.is_whitespace() {
            flush(&mut word, &mut md);
            md.push(ch);
        } else {
            word.push(ch);
        }
    }
    flush(&mut word, &mut md);
    crate::markdown::to_safe_html(&md)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps() {
        assert_eq!(timestamp_secs("1:23"), Some(83));
        assert_eq!(timestamp_secs("01:02:03"), Some(3723));
        assert_eq!(timestamp_secs("1:2"), None);
        assert_eq!(timestamp_secs("1:60"), None);
        assert_eq!(timestamp_secs("12"), None);
        assert_eq!(timestamp_secs("a:10"), None);
    }

    #[test]
    fn description_links_and_seeks_and_stays_safe() {
        let html = text_to_html("Intro at 1:23, see https://example.org/x. <script>alert(1)</script> [x](javascript:alert(1))");
        assert!(html.contains(r#"<a href="?start=83">1:23</a>,"#), "{html}");
        assert!(
            html.contains(r#"<a href="https://example.org/x">"#),
            "{html}"
        );
        assert!(!html.contains("<script>"), "{html}");
        assert!(!html.contains("javascript:"), "{html}");
    }

    #[test]
    fn page_renders_in_both_languages() {
        let w = WatchView {
            base: WatchPage {
                name: "Clip <b>".into(),
                uuid: "u".into(),
                short_uuid: "s".into(),
                is_published: true,
                ..Default::default()
            },
            tags: vec!["tag1".into()],
            privacy: "Public".into(),
            privacy_id: 1,
            my_rating: "none".into(),
            comments_policy: "enabled",
            comments_sort: "-createdAt".into(),
            comments: vec![CommentView {
                id: 7,
                author_display_name: "Ann".into(),
                author_handle: "ann".into(),
                html: "<p>hi</p>".into(),
                ..Default::default()
            }],
            ..Default::default()
        };
        for lang in crate::Lang::ALL {
            let mut c = Chrome::anonymous("Tube");
            c.lang = lang;
            let html = render_watch_page(&c, &w);
            assert!(html.contains("id=\"ft-video-title\""), "{html}");
            assert!(html.contains("Clip &#60;b&#62;"), "{html}");
            assert!(html.contains("id=\"ft-comment-7\""), "{html}");
            assert!(!html.contains("Template error"), "{html}");
        }
        let html = render_private(
            &Chrome::anonymous("Tube"),
            &PrivateView {
                path: "/w/abc".into(),
                signed_in: false,
            },
        );
        assert!(html.contains("/login?next=/w/abc"), "{html}");
    }
}
