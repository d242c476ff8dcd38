//! "My library", the creator's pages: the upload form, my videos (and a video's edit form), my
//! channels and my playlists (and one playlist's elements). The server renders what there is to
//! read; the area script (`assets/library.js`) makes the changes through PeerTube's REST API.

use crate::{render_or_fallback, Chrome};
use askama::Template;

/// One option of a `<select>`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

impl Choice {
    pub fn new(value: impl ToString, label: impl Into<String>, selected: bool) -> Choice {
        Choice {
            value: value.to_string(),
            label: label.into(),
            selected,
        }
    }
}

/// The lists a video's form offers (upload and edit).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VideoFormChoices {
    pub channels: Vec<Choice>,
    pub privacies: Vec<Choice>,
    pub categories: Vec<Choice>,
    pub licences: Vec<Choice>,
    pub languages: Vec<Choice>,
    pub comments_policies: Vec<Choice>,
}

/// One of my videos in my list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MyVideo {
    pub id: i64,
    pub uuid: String,
    pub short_uuid: String,
    pub name: String,
    pub thumbnail_path: Option<String>,
    /// PeerTube's privacy id (1 public .. 5 password protected).
    pub privacy: i64,
    /// PeerTube's state id (1 published, 2 to transcode...).
    pub state: i64,
    pub blocked: bool,
    pub views: i64,
    pub duration_secs: i64,
    /// RFC 3339.
    pub created_at: String,
}

/// `/my-library/videos`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MyVideosPage {
    pub videos: Vec<MyVideo>,
    pub search: String,
    pub total: i64,
    /// 1-based.
    pub page: i64,
    pub pages: i64,
}

/// `/videos/update/{id}`: a video's current settings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VideoEdit {
    pub id: i64,
    pub uuid: String,
    pub short_uuid: String,
    pub name: String,
    pub description: String,
    pub support: String,
    pub tags: String,
    pub nsfw: bool,
    pub download_enabled: bool,
    pub thumbnail_path: Option<String>,
    pub choices: VideoFormChoices,
}

/// One of my channels.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MyChannel {
    pub id: i64,
    pub name: String,
    pub display_name: String,
    pub description: String,
    pub support: String,
    pub avatar_path: Option<String>,
    pub banner_path: Option<String>,
}

/// One of my playlists.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MyPlaylist {
    pub id: i64,
    pub uuid: String,
    pub short_uuid: String,
    pub name: String,
    pub description: String,
    pub privacy: i64,
    /// The privacy's name in the reader's language ([`privacy_label`]).
    pub privacy_label: String,
    /// 2: the "Watch later" playlist (cannot be renamed or deleted).
    pub watch_later: bool,
    pub videos_length: i64,
    pub thumbnail_path: Option<String>,
    pub channel_display_name: Option<String>,
}

/// One element of my playlist.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MyElement {
    pub id: i64,
    pub position: i64,
    pub short_uuid: String,
    pub name: String,
    pub thumbnail_path: Option<String>,
    pub duration_secs: i64,
}

/// `/my-library/video-playlists/{id}`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PlaylistEdit {
    pub playlist: MyPlaylist,
    pub elements: Vec<MyElement>,
    pub channels: Vec<Choice>,
    pub privacies: Vec<Choice>,
}

#[derive(Template)]
#[template(path = "library/upload.html")]
struct UploadTemplate<'a> {
    c: &'a Chrome,
    title: String,
    page: &'static str,
    f: &'a VideoFormChoices,
}

#[derive(Template)]
#[template(path = "library/videos.html")]
struct VideosTemplate<'a> {
    c: &'a Chrome,
    title: String,
    page: &'static str,
    p: &'a MyVideosPage,
    rows: Vec<VideoRowView<'a>>,
    prev: String,
    next: String,
}

struct VideoRowView<'a> {
    v: &'a MyVideo,
    duration: String,
    date: String,
    privacy: String,
    state: String,
}

#[derive(Template)]
#[template(path = "library/video_edit.html")]
struct VideoEditTemplate<'a> {
    c: &'a Chrome,
    title: String,
    page: &'static str,
    v: &'a VideoEdit,
    f: &'a VideoFormChoices,
}

#[derive(Template)]
#[template(path = "library/channels.html")]
struct ChannelsTemplate<'a> {
    c: &'a Chrome,
    title: String,
    page: &'static str,
    channels: &'a [MyChannel],
}

#[derive(Template)]
#[template(path = "library/playlists.html")]
struct PlaylistsTemplate<'a> {
    c: &'a Chrome,
    title: String,
    page: &'static str,
    playlists: &'a [MyPlaylist],
    channels: &'a [Choice],
    privacies: &'a [Choice],
}

#[derive(Template)]
#[template(path = "library/playlist.html")]
struct PlaylistTemplate<'a> {
    c: &'a Chrome,
    title: String,
    page: &'static str,
    p: &'a PlaylistEdit,
    elements: Vec<(&'a MyElement, String)>,
}

/// The upload page: file, title, channel and the video's settings; the page script sends it
/// with PeerTube's resumable protocol.
pub fn render_upload(c: &Chrome, f: &VideoFormChoices) -> String {
    render_or_fallback(&UploadTemplate {
        c,
        title: c.title(&c.t("library-upload-title")),
        page: "library-upload",
        f,
    })
}

/// The query of another page of my videos (the search kept).
fn page_link(search: &str, page: i64) -> String {
    let mut q = format!("?page={page}");
    if !search.is_empty() {
        q.push_str("&search=");
        q.push_str(&crate::chrome::url_encode(search));
    }
    q
}

/// My videos: a table with state, privacy, views and date, a search box and pages.
pub fn render_my_videos(c: &Chrome, p: &MyVideosPage) -> String {
    let rows = p
        .videos
        .iter()
        .map(|v| VideoRowView {
            v,
            duration: crate::format_duration(v.duration_secs),
            date: crate::format_date(&v.created_at),
            privacy: privacy_label(c, v.privacy),
            state: state_label(c, v.state),
        })
        .collect();
    render_or_fallback(&VideosTemplate {
        c,
        title: c.title(&c.t("nav-my-videos")),
        page: "library-videos",
        p,
        rows,
        prev: if p.page > 1 {
            page_link(&p.search, p.page - 1)
        } else {
            String::new()
        },
        next: if p.page < p.pages {
            page_link(&p.search, p.page + 1)
        } else {
            String::new()
        },
    })
}

/// A video's edit form (PeerTube's `/videos/update/{id}`).
pub fn render_video_edit(c: &Chrome, v: &VideoEdit) -> String {
    render_or_fallback(&VideoEditTemplate {
        c,
        title: c.title(&c.ts("library-edit-title", "name", &v.name)),
        page: "library-video-edit",
        v,
        f: &v.choices,
    })
}

/// My channels, each with its edit form, and the form of a new one.
pub fn render_my_channels(c: &Chrome, channels: &[MyChannel]) -> String {
    render_or_fallback(&ChannelsTemplate {
        c,
        title: c.title(&c.t("nav-my-channels")),
        page: "library-channels",
        channels,
    })
}

/// My playlists and the form of a new one.
pub fn render_my_playlists(
    c: &Chrome,
    playlists: &[MyPlaylist],
    channels: &[Choice],
    privacies: &[Choice],
) -> String {
    render_or_fallback(&PlaylistsTemplate {
        c,
        title: c.title(&c.t("nav-my-playlists")),
        page: "library-playlists",
        playlists,
        channels,
        privacies,
    })
}

/// One of my playlists: its settings and its elements (reorder, remove).
pub fn render_playlist_edit(c: &Chrome, p: &PlaylistEdit) -> String {
    let elements = p
        .elements
        .iter()
        .map(|e| (e, crate::format_duration(e.duration_secs)))
        .collect();
    render_or_fallback(&PlaylistTemplate {
        c,
        title: c.title(&p.playlist.name),
        page: "library-playlist",
        p,
        elements,
    })
}

/// A privacy's name in the reader's language.
pub fn privacy_label(c: &Chrome, privacy: i64) -> String {
    c.t(&format!("library-privacy-{}", privacy.clamp(1, 5)))
}

/// A state's name in the reader's language (PeerTube's labels).
pub fn state_label(c: &Chrome, state: i64) -> String {
    c.t(&format!("library-state-{}", state.clamp(1, 9)))
}

/// The privacies a video may take, `selected` chosen.
pub fn privacy_choices(c: &Chrome, selected: i64) -> Vec<Choice> {
    (1..=4)
        .map(|p| Choice::new(p, privacy_label(c, p), p == selected))
        .collect()
}

/// The comment policies (PeerTube's ids: 1 enabled, 2 disabled, 3 held for approval).
pub fn comments_policy_choices(c: &Chrome, selected: i64) -> Vec<Choice> {
    (1..=3)
        .map(|p| {
            Choice::new(
                p,
                c.t(&format!("library-comments-policy-{p}")),
                p == selected,
            )
        })
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use crate::{Lang, SessionUser};

    const EVIL: &str = "<script>alert(1)</script>";

    fn signed_in(lang: Lang) -> Chrome {
        Chrome {
            lang,
            user: Some(SessionUser {
                username: "root".into(),
                display_name: "Root".into(),
                ..Default::default()
            }),
            csrf: "tok".into(),
            ..Chrome::anonymous("Ferrotube")
        }
    }

    fn video(state: i64, privacy: i64) -> MyVideo {
        MyVideo {
            id: 7,
            uuid: "u".into(),
            short_uuid: "s".into(),
            name: EVIL.into(),
            privacy,
            state,
            created_at: "2026-01-02T03:04:05Z".into(),
            ..Default::default()
        }
    }

    #[test]
    fn my_videos_show_state_privacy_and_pages_escaped_and_small() {
        let p = MyVideosPage {
            videos: (0..20).map(|i| video(1 + i % 2, 1 + i % 4)).collect(),
            search: EVIL.into(),
            total: 45,
            page: 2,
            pages: 3,
        };
        let html = render_my_videos(&signed_in(Lang::En), &p);
        assert!(!html.contains("<script>alert"), "escaped");
        assert!(html.contains(">Published<") && html.contains(">To transcode<"));
        assert!(html.contains(">Unlisted<") && html.contains(">Internal<"));
        assert!(html.contains("?page=1&#38;search=%3Cscript"));
        assert!(html.contains("?page=3&#38;search="));
        assert!(html.contains("data-delete-video=\"7\""));
        assert!(html.contains("href=\"/videos/update/s\""));
        assert!(html.len() < 30_000, "{} bytes", html.len());
        let fr = render_my_videos(&signed_in(Lang::Fr), &p);
        assert!(fr.contains(">Publiée<") && fr.contains(">Non listée<"));
    }

    #[test]
    fn empty_states_say_what_to_do() {
        let c = signed_in(Lang::En);
        let html = render_my_videos(&c, &MyVideosPage::default());
        assert!(html.contains("href=\"/videos/upload\""));
        assert!(render_my_channels(&c, &[]).contains("id=\"ft-channel-create\""));
        assert!(render_my_playlists(&c, &[], &[], &[]).contains("id=\"ft-playlist-create\""));
        let none = render_upload(&c, &VideoFormChoices::default());
        assert!(none.contains("ft-upload-no-channel") && !none.contains("ft-upload-form"));
    }

    #[test]
    fn forms_keep_the_chosen_values() {
        let c = signed_in(Lang::En);
        let choices = VideoFormChoices {
            channels: vec![Choice::new(3, EVIL, true)],
            privacies: privacy_choices(&c, 2),
            comments_policies: comments_policy_choices(&c, 3),
            ..Default::default()
        };
        let upload = render_upload(&c, &choices);
        assert!(
            upload.contains("<option value=\"3\" selected>&#60;script&#62;")
                || upload.contains("<option value=\"3\" selected>&lt;script&gt;")
        );
        let edit = render_video_edit(
            &c,
            &VideoEdit {
                id: 9,
                name: EVIL.into(),
                tags: "a, b".into(),
                nsfw: true,
                choices,
                ..Default::default()
            },
        );
        assert!(!edit.contains("<script>alert"));
        assert!(edit.contains("<option value=\"2\" selected>Unlisted</option>"));
        assert!(edit.contains("<option value=\"3\" selected>Held for approval</option>"));
        assert!(edit.contains("id=\"ft-edit-nsfw\" name=\"nsfw\" type=\"checkbox\" checked"));
        assert!(edit.contains("value=\"a, b\""));
    }
}
