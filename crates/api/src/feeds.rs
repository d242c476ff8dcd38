//! Syndication and sharing: `/feeds/videos.{xml,atom,json}`, `/feeds/video-comments.*`,
//! `/feeds/subscriptions.*` (opened by the user's feed token), the podcast feed
//! (`/feeds/podcast/videos.xml`) and oEmbed (`/services/oembed`), shaped as PeerTube writes
//! them (shared/peertube/samples/feeds, samples/rest/oembed.json).
//!
//! The XML is written here rather than through the `rss`/`atom_syndication` crates: PeerTube's
//! feeds mix four extension namespaces (Media RSS, Podcasting 2.0, iTunes, Dublin Core) whose
//! elements those crates only carry as untyped extension maps, so they would save little and
//! add a dependency tree (quick-xml, derive_builder) for CI to compile cold. Every text goes
//! through [`esc`] or [`cdata`], which also drop the characters XML 1.0 forbids.

use crate::error::{ApiError, ApiResult, ParamLocation};
use crate::params::Params;
use axum::extract::{RawQuery, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use ferrotube_app::videos::{find_video, visible_to};
use ferrotube_app::Instance;
use ferrotube_db::accounts::{AccountRow, ChannelRow};
use ferrotube_db::feeds::{CommentFeedFilter, FeedCommentRow};
use ferrotube_db::sort::{Sort, VideoSort};
use ferrotube_db::videos::VideoRow;
use ferrotube_model::timefmt::{iso, now_ms, rfc2822};
use ferrotube_model::{short_uuid, Privacy};
use serde_json::{json, Value};
use std::fmt::Write as _;

/// Items per feed (PeerTube's `FEEDS.COUNT`).
const FEED_COUNT: i64 = 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Rss,
    Atom,
    Json,
}

impl Format {
    fn parse(ext: &str) -> Option<Format> {
        match ext {
            "xml" | "rss" | "rss2" => Some(Format::Rss),
            "atom" | "atom1" => Some(Format::Atom),
            "json" | "json1" => Some(Format::Json),
            _ => None,
        }
    }

    fn content_type(self) -> &'static str {
        match self {
            Format::Rss => "application/rss+xml; charset=utf-8",
            Format::Atom => "application/atom+xml; charset=utf-8",
            Format::Json => "application/json; charset=utf-8",
        }
    }
}

// ---------------------------------------------------------------------------------------------
// XML text
// ---------------------------------------------------------------------------------------------

fn xml_char(c: char) -> bool {
    matches!(c, '\u{9}' | '\u{A}' | '\u{D}' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// Text or attribute value, escaped.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars().filter(|c| xml_char(*c)) {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// A CDATA section holding `s` (a `]]>` inside is split across two sections).
pub fn cdata(s: &str) -> String {
    let clean: String = s.chars().filter(|c| xml_char(*c)).collect();
    format!("<![CDATA[{}]]>", clean.replace("]]>", "]]]]><![CDATA[>"))
}

// ---------------------------------------------------------------------------------------------
// What a feed lists
// ---------------------------------------------------------------------------------------------

/// One media file of a video, as feeds list it (best first).
struct MediaFile {
    url: String,
    size: i64,
    height: i64,
    fps: i64,
    torrent_url: Option<String>,
    magnet: Option<String>,
    label: String,
}

/// A video with the parts its feed item shows.
struct Item {
    v: VideoRow,
    watch_url: String,
    /// Web videos first (plain MP4), then the HLS fragmented MP4s, best first in each.
    files: Vec<MediaFile>,
    web_files: usize,
    hls_playlist: Option<String>,
    preview_url: Option<String>,
    thumbnail_url: Option<String>,
    author_url: String,
}

/// The value at a JSON pointer, `null` when absent.
fn at<'a>(v: &'a Value, pointer: &str) -> &'a Value {
    v.pointer(pointer).unwrap_or(&Value::Null)
}

fn files_of(list: &Value) -> Vec<MediaFile> {
    let mut files: Vec<MediaFile> = list
        .as_array()
        .map(|a| a.as_slice())
        .unwrap_or_default()
        .iter()
        .filter_map(|f| {
            Some(MediaFile {
                url: at(f, "/fileUrl").as_str()?.to_string(),
                size: at(f, "/size").as_i64().unwrap_or(0),
                height: at(f, "/resolution/id").as_i64().unwrap_or(0),
                fps: at(f, "/fps").as_i64().unwrap_or(0),
                torrent_url: at(f, "/torrentUrl").as_str().map(str::to_string),
                magnet: at(f, "/magnetUri").as_str().map(str::to_string),
                label: at(f, "/resolution/label")
                    .as_str()
                    .unwrap_or("")
                    .to_string(),
            })
        })
        .collect();
    files.sort_by_key(|f| std::cmp::Reverse(f.height));
    files
}

fn abs(state: &Instance, path_or_url: &str) -> String {
    if path_or_url.starts_with("http://") || path_or_url.starts_with("https://") {
        path_or_url.to_string()
    } else {
        format!("{}{path_or_url}", state.url)
    }
}

/// A channel's page, PeerTube's `/c/{name}/videos` (`name@host` for a remote one).
fn channel_page(state: &Instance, v: &VideoRow) -> String {
    match &v.channel_host {
        Some(h) if !v.channel_name.contains('@') => {
            format!("{}/c/{}@{h}/videos", state.url, v.channel_name)
        }
        _ => format!("{}/c/{}/videos", state.url, v.channel_name),
    }
}

fn watch_url(state: &Instance, uuid: &str) -> String {
    let short = uuid::Uuid::parse_str(uuid)
        .map(|u| short_uuid(&u))
        .unwrap_or_else(|_| uuid.to_string());
    format!("{}/w/{short}", state.url)
}

async fn item(state: &Instance, v: VideoRow) -> ApiResult<Item> {
    let d = crate::videos::details(state, &v).await?;
    let web = files_of(at(&d, "/files"));
    let web_files = web.len();
    let mut files = web;
    files.extend(files_of(at(&d, "/streamingPlaylists/0/files")));
    Ok(Item {
        watch_url: watch_url(state, &v.uuid),
        files,
        web_files,
        hls_playlist: at(&d, "/streamingPlaylists/0/playlistUrl")
            .as_str()
            .map(str::to_string),
        preview_url: at(&d, "/previewPath").as_str().map(|p| abs(state, p)),
        thumbnail_url: at(&d, "/thumbnailPath").as_str().map(|p| abs(state, p)),
        author_url: channel_page(state, &v),
        v,
    })
}

/// Resolves the account/channel filters shared by the video and comment feeds.
async fn scope(
    state: &Instance,
    p: &Params,
) -> ApiResult<(Option<AccountRow>, Option<ChannelRow>)> {
    let id_param = |name: &str| -> ApiResult<Option<i64>> {
        match p.str(name) {
            None | Some("") => Ok(None),
            Some(s) => s.parse::<i64>().map(Some).map_err(|_| {
                ApiError::bad_param(name, s, "Should have a valid id", ParamLocation::Query)
            }),
        }
    };
    let account = match id_param("accountId")? {
        Some(id) => Some(
            state
                .db
                .account_by_id(id)
                .await?
                .ok_or_else(|| ApiError::not_found("Account not found"))?,
        ),
        None => match p.str("accountName").filter(|s| !s.is_empty()) {
            Some(handle) => Some(crate::channels::account_by_handle(state, handle).await?),
            None => None,
        },
    };
    let channel = match id_param("videoChannelId")? {
        Some(id) => Some(
            state
                .db
                .channel_by_id(id)
                .await?
                .ok_or_else(|| ApiError::not_found("Video channel not found"))?,
        ),
        None => match p.str("videoChannelName").filter(|s| !s.is_empty()) {
            Some(handle) => Some(crate::channels::channel_by_handle(state, handle).await?),
            None => None,
        },
    };
    Ok((account, channel))
}

// ---------------------------------------------------------------------------------------------
// Routes
// ---------------------------------------------------------------------------------------------

fn feed_response(format: Format, body: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, format.content_type()),
            (header::CACHE_CONTROL, "max-age=900"),
        ],
        body,
    )
        .into_response()
}

/// `/feeds/{videos|video-comments|subscriptions}.{format}`.
pub async fn feed(
    State(state): State<Instance>,
    crate::extract::Path(file): crate::extract::Path<String>,
    uri: axum::http::Uri,
    RawQuery(q): RawQuery,
) -> ApiResult<Response> {
    let Some((kind, ext)) = file.rsplit_once('.') else {
        return Err(ApiError::not_found("Unknown feed"));
    };
    if !matches!(kind, "videos" | "video-comments" | "subscriptions") {
        return Err(ApiError::not_found("Unknown feed"));
    }
    let format = Format::parse(ext).ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_ACCEPTABLE,
            format!("Feed format {ext:?} is not supported: use xml, atom or json"),
        )
    })?;
    let p = Params::parse(q.as_deref());
    let self_url = format!(
        "{}{}",
        state.url,
        uri.path_and_query().map(|x| x.as_str()).unwrap_or("")
    );
    let body = match kind {
        "video-comments" => comments_feed(&state, &p, format, &self_url).await?,
        "subscriptions" => subscriptions_feed(&state, &p, format, &self_url).await?,
        _ => videos_feed(&state, &p, format, &self_url).await?,
    };
    Ok(feed_response(format, body))
}

async fn list_items(
    state: &Instance,
    p: &Params,
    filter: ferrotube_db::videos::VideoFilter,
) -> ApiResult<Vec<Item>> {
    let order = p.sort(Sort::desc(VideoSort::PublishedAt))?;
    let (_, rows) = state
        .db
        .list_videos(&filter, order, 0, FEED_COUNT, true)
        .await?;
    let mut items = Vec::with_capacity(rows.len());
    for v in rows {
        items.push(item(state, v).await?);
    }
    Ok(items)
}

/// The anonymous list filter of a feed: PeerTube's query filters, public videos only.
fn public_filter(p: &Params) -> ApiResult<ferrotube_db::videos::VideoFilter> {
    let mut f = crate::videos::filter_from(p, None)?;
    f.privacies = vec![Privacy::Public.id()];
    f.published_only = true;
    Ok(f)
}

async fn videos_feed(
    state: &Instance,
    p: &Params,
    format: Format,
    self_url: &str,
) -> ApiResult<String> {
    let (account, channel) = scope(state, p).await?;
    let mut filter = public_filter(p)?;
    filter.account_id = account.as_ref().map(|a| a.id);
    filter.channel_id = channel.as_ref().map(|c| c.id);
    let items = list_items(state, p, filter).await?;
    let (title, description, link) = match (&channel, &account) {
        (Some(c), _) => (
            c.display_name.clone(),
            c.description.clone().unwrap_or_default(),
            format!("{}/c/{}/videos", state.url, c.name),
        ),
        (None, Some(a)) => (
            a.display_name.clone(),
            a.description.clone().unwrap_or_default(),
            format!("{}/a/{}/video-channels", state.url, a.name),
        ),
        (None, None) => (
            state.live().settings.instance.name.clone(),
            state.live().settings.instance.short_description.clone(),
            state.url.clone(),
        ),
    };
    let head = Head {
        title,
        description,
        link,
        self_url: self_url.to_string(),
    };
    Ok(render_videos(state, format, &head, &items))
}

async fn subscriptions_feed(
    state: &Instance,
    p: &Params,
    format: Format,
    self_url: &str,
) -> ApiResult<String> {
    let account_id = match p.str("accountId") {
        Some(s) => s.parse::<i64>().map_err(|_| {
            ApiError::bad_param(
                "accountId",
                s,
                "Should have a valid id",
                ParamLocation::Query,
            )
        })?,
        None => {
            return Err(ApiError::bad_param(
                "accountId",
                "",
                "Should have an account id",
                ParamLocation::Query,
            ))
        }
    };
    let token = p.str("token").unwrap_or("");
    let user = ferrotube_app::history::feed_reader(state, account_id, token).await?;
    let account = state
        .db
        .account_by_id(user.account_id)
        .await?
        .ok_or_else(|| ApiError::internal("user without account"))?;
    let me = ferrotube_app::federation::actors::account_actor(state, &account).await?;
    let mut filter = public_filter(p)?;
    filter.subscriber_actor_id = Some(me.id);
    let items = list_items(state, p, filter).await?;
    let head = Head {
        title: state.live().settings.instance.name.clone(),
        description: state.live().settings.instance.short_description.clone(),
        link: state.url.clone(),
        self_url: self_url.to_string(),
    };
    Ok(render_videos(state, format, &head, &items))
}

async fn comments_feed(
    state: &Instance,
    p: &Params,
    format: Format,
    self_url: &str,
) -> ApiResult<String> {
    let mut f = CommentFeedFilter::default();
    if let Some(id) = p.str("videoId").filter(|s| !s.is_empty()) {
        let v = find_video(state, id).await?;
        // Unlisted and private videos are never in a feed, their comments neither.
        if v.privacy != Privacy::Public || visible_to(&v, None).is_err() {
            return Err(ApiError::not_found("Video not found"));
        }
        f.video_id = Some(v.id);
    } else {
        let (account, channel) = scope(state, p).await?;
        f.account_id = account.map(|a| a.id);
        f.channel_id = channel.map(|c| c.id);
    }
    let rows = state.db.feed_comments(f, FEED_COUNT).await?;
    let head = Head {
        title: state.live().settings.instance.name.clone(),
        description: state.live().settings.instance.short_description.clone(),
        link: state.url.clone(),
        self_url: self_url.to_string(),
    };
    Ok(render_comments(state, format, &head, &rows))
}

// ---------------------------------------------------------------------------------------------
// Writers
// ---------------------------------------------------------------------------------------------

struct Head {
    title: String,
    description: String,
    link: String,
    self_url: String,
}

fn copyright(state: &Instance) -> String {
    format!(
        "All rights reserved, unless otherwise specified in the terms specified at {}/about and potential licenses granted by each content's rightholder.",
        state.url
    )
}

fn icon(state: &Instance) -> String {
    format!("{}/client/assets/images/icons/icon-96x96.png", state.url)
}

fn rss_head(state: &Instance, out: &mut String, head: &Head, namespaces: &str) {
    let _ = write!(
        out,
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<rss version=\"2.0\" {namespaces} xmlns:atom=\"http://www.w3.org/2005/Atom\">\n<channel>\n\
         <title>{}</title>\n<link>{}</link>\n<description>{}</description>\n<lastBuildDate>{}</lastBuildDate>\n\
         <docs>https://validator.w3.org/feed/docs/rss2.html</docs>\n<generator>PeerTube - {}</generator>\n\
         <image>\n<title>{}</title>\n<url>{}</url>\n<link>{}</link>\n</image>\n<copyright>{}</copyright>\n\
         <atom:link href=\"{}\" rel=\"self\" type=\"application/rss+xml\"/>\n",
        esc(&head.title),
        esc(&head.link),
        esc(&head.description),
        rfc2822(now_ms()),
        esc(&state.url),
        esc(&head.title),
        esc(&icon(state)),
        esc(&head.link),
        esc(&copyright(state)),
        esc(&head.self_url),
    );
}

fn atom_head(state: &Instance, out: &mut String, head: &Head) {
    let _ = write!(
        out,
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\n\
         <id>{}</id>\n<title>{}</title>\n<updated>{}</updated>\n<generator>PeerTube - {}</generator>\n\
         <author>\n<name>{}</name>\n</author>\n<link rel=\"alternate\" href=\"{}\"/>\n<link rel=\"self\" href=\"{}\"/>\n\
         <subtitle>{}</subtitle>\n<logo>{}</logo>\n<icon>{}/client/assets/images/favicon.png</icon>\n<rights>{}</rights>\n",
        esc(&head.link),
        esc(&head.title),
        iso(now_ms()),
        esc(&state.url),
        esc(&state.live().settings.instance.name),
        esc(&head.link),
        esc(&head.self_url),
        esc(&head.description),
        esc(&icon(state)),
        esc(&state.url),
        esc(&copyright(state)),
    );
}

fn json_head(state: &Instance, head: &Head, items: Vec<Value>) -> String {
    let doc = json!({
        "version": "https://jsonfeed.org/version/1.1",
        "title": head.title,
        "home_page_url": head.link,
        "feed_url": head.self_url,
        "description": head.description,
        "icon": icon(state),
        "author": { "name": state.live().settings.instance.name },
        "authors": [{ "name": state.live().settings.instance.name }],
        "items": items,
    });
    serde_json::to_string_pretty(&doc).unwrap_or_default()
}

fn render_videos(state: &Instance, format: Format, head: &Head, items: &[Item]) -> String {
    let mut out = String::new();
    match format {
        Format::Rss => {
            rss_head(
                state,
                &mut out,
                head,
                "xmlns:dc=\"http://purl.org/dc/elements/1.1/\" xmlns:media=\"http://search.yahoo.com/mrss/\"",
            );
            for it in items {
                rss_video_item(state, &mut out, it);
            }
            out.push_str("</channel>\n</rss>\n");
        }
        Format::Atom => {
            atom_head(state, &mut out, head);
            for it in items {
                let _ = write!(
                    out,
                    "<entry>\n<title type=\"html\">{}</title>\n<id>{}</id>\n<link href=\"{}\"/>\n<updated>{}</updated>\n",
                    cdata(&it.v.name),
                    esc(&it.watch_url),
                    esc(&it.watch_url),
                    iso(it.v.published_at),
                );
                if let Some(d) = it.v.description.as_deref().filter(|d| !d.is_empty()) {
                    let _ = writeln!(out, "<summary type=\"html\">{}</summary>", cdata(d));
                }
                if let Some(f) = it.files.first() {
                    let _ = writeln!(
                        out,
                        "<link rel=\"enclosure\" type=\"video/mp4\" length=\"{}\" href=\"{}\"/>",
                        f.size,
                        esc(&f.url)
                    );
                }
                let _ = write!(
                    out,
                    "<author>\n<name>{}</name>\n<uri>{}</uri>\n</author>\n</entry>\n",
                    esc(&it.v.channel_display_name),
                    esc(&it.author_url)
                );
            }
            out.push_str("</feed>\n");
        }
        Format::Json => {
            let items: Vec<Value> = items
                .iter()
                .map(|it| {
                    let attachments: Vec<Value> = it
                        .files
                        .iter()
                        .map(|f| match &f.torrent_url {
                            Some(t) => json!({
                                "title": it.v.name, "url": t, "size_in_bytes": f.size,
                                "mime_type": "application/x-bittorrent",
                            }),
                            None => json!({
                                "title": it.v.name, "url": f.url, "size_in_bytes": f.size,
                                "mime_type": "video/mp4",
                            }),
                        })
                        .collect();
                    let author = json!({ "name": it.v.channel_display_name, "url": it.author_url });
                    let mut item = json!({
                        "id": it.watch_url,
                        "content_html": it.v.description.clone().unwrap_or_default(),
                        "url": it.watch_url,
                        "title": it.v.name,
                        "attachments": attachments,
                        "date_published": iso(it.v.published_at),
                        "date_modified": iso(it.v.updated_at.max(it.v.published_at)),
                        "author": author,
                        "authors": [author],
                    });
                    if let (Some(o), Some(img)) = (item.as_object_mut(), &it.preview_url) {
                        o.insert("image".into(), json!(img));
                    }
                    item
                })
                .collect();
            out = json_head(state, head, items);
        }
    }
    out
}

fn rss_video_item(state: &Instance, out: &mut String, it: &Item) {
    let _ = write!(
        out,
        "<item>\n<title>{}</title>\n<link>{}</link>\n<guid>{}</guid>\n<pubDate>{}</pubDate>\n",
        cdata(&it.v.name),
        esc(&it.watch_url),
        esc(&it.watch_url),
        rfc2822(it.v.published_at),
    );
    if let Some(d) = it.v.description.as_deref().filter(|d| !d.is_empty()) {
        let _ = writeln!(out, "<description>{}</description>", cdata(d));
    }
    let _ = writeln!(
        out,
        "<dc:creator>{}</dc:creator>",
        esc(&it.v.channel_display_name)
    );
    if let Some(f) = it.files.first() {
        let _ = writeln!(
            out,
            "<enclosure length=\"{}\" type=\"video/mp4\" url=\"{}\"/>",
            f.size,
            esc(&f.url)
        );
    }
    let _ = write!(
        out,
        "<media:community>\n<media:statistics views=\"{}\"/>\n</media:community>\n\
         <media:embed url=\"{}/videos/embed/{}\"/>\n<media:player url=\"{}\"/>\n<media:group>\n",
        it.v.views,
        esc(&state.url),
        esc(&it.v.uuid),
        esc(&it.watch_url)
    );
    for f in &it.files {
        if let Some(t) = &f.torrent_url {
            let _ = writeln!(
                out,
                "<media:peerLink type=\"application/x-bittorrent\" href=\"{}\" isDefault=\"false\"/>",
                esc(t)
            );
        }
    }
    for (i, f) in it.files.iter().enumerate() {
        let _ = writeln!(
            out,
            "<media:content type=\"video/mp4\" medium=\"video\" height=\"{}\" fileSize=\"{}\" url=\"{}\" framerate=\"{}\" duration=\"{}\" isDefault=\"{}\"/>",
            f.height,
            f.size,
            esc(&f.url),
            f.fps,
            it.v.duration,
            i == 0
        );
    }
    out.push_str("</media:group>\n");
    for img in [&it.preview_url, &it.thumbnail_url].into_iter().flatten() {
        let _ = writeln!(out, "<media:thumbnail url=\"{}\"/>", esc(img));
    }
    let _ = write!(
        out,
        "<media:rating>{}</media:rating>\n<media:title type=\"plain\">{}</media:title>\n</item>\n",
        if it.v.nsfw { "adult" } else { "nonadult" },
        esc(&it.v.name)
    );
}

fn comment_link(state: &Instance, c: &FeedCommentRow) -> String {
    format!(
        "{};threadId={}",
        watch_url(state, &c.video_uuid),
        c.thread_id.unwrap_or(c.id)
    )
}

/// A comment's text as HTML paragraphs (stored text is shown escaped, never as markup).
fn comment_html(text: &str) -> String {
    let mut out = String::new();
    for para in text.split("\n\n").filter(|p| !p.trim().is_empty()) {
        let _ = writeln!(out, "<p>{}</p>", esc(para.trim()).replace('\n', "<br>"));
    }
    out
}

fn render_comments(
    state: &Instance,
    format: Format,
    head: &Head,
    rows: &[FeedCommentRow],
) -> String {
    let mut out = String::new();
    match format {
        Format::Rss => {
            rss_head(
                state,
                &mut out,
                head,
                "xmlns:dc=\"http://purl.org/dc/elements/1.1/\" xmlns:content=\"http://purl.org/rss/1.0/modules/content/\"",
            );
            for c in rows {
                let link = comment_link(state, c);
                let _ = write!(
                    out,
                    "<item>\n<title>{}</title>\n<link>{}</link>\n<guid>{}</guid>\n<pubDate>{}</pubDate>\n\
                     <content:encoded>{}</content:encoded>\n<dc:creator>{}</dc:creator>\n</item>\n",
                    cdata(&format!("{} - {}", c.video_name, c.account_name)),
                    esc(&link),
                    esc(&link),
                    rfc2822(c.created_at),
                    cdata(&comment_html(&c.text)),
                    esc(&c.account_name),
                );
            }
            out.push_str("</channel>\n</rss>\n");
        }
        Format::Atom => {
            atom_head(state, &mut out, head);
            for c in rows {
                let link = comment_link(state, c);
                let _ = write!(
                    out,
                    "<entry>\n<title type=\"html\">{}</title>\n<id>{}</id>\n<link href=\"{}\"/>\n<updated>{}</updated>\n\
                     <content type=\"html\">{}</content>\n<author>\n<name>{}</name>\n</author>\n</entry>\n",
                    cdata(&format!("{} - {}", c.video_name, c.account_name)),
                    esc(&link),
                    esc(&link),
                    iso(c.created_at),
                    cdata(&comment_html(&c.text)),
                    esc(&c.account_name),
                );
            }
            out.push_str("</feed>\n");
        }
        Format::Json => {
            let items = rows
                .iter()
                .map(|c| {
                    let link = comment_link(state, c);
                    let author = json!({ "name": c.account_name });
                    json!({
                        "id": link,
                        "url": link,
                        "title": format!("{} - {}", c.video_name, c.account_name),
                        "content_html": comment_html(&c.text),
                        "date_published": iso(c.created_at),
                        "date_modified": iso(c.created_at),
                        "author": author,
                        "authors": [author],
                    })
                })
                .collect();
            out = json_head(state, head, items);
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Podcast
// ---------------------------------------------------------------------------------------------

/// `/feeds/podcast/videos.xml?videoChannelId=`: a channel's public videos as a Podcasting 2.0
/// RSS feed, each with its best MP4 as the enclosure and every file as an alternate enclosure.
pub async fn podcast(
    State(state): State<Instance>,
    uri: axum::http::Uri,
    RawQuery(q): RawQuery,
) -> ApiResult<Response> {
    let p = Params::parse(q.as_deref());
    let raw = p.str("videoChannelId").unwrap_or("");
    let id: i64 = raw.parse().map_err(|_| {
        ApiError::bad_param(
            "videoChannelId",
            raw,
            "Should have a valid video channel id",
            ParamLocation::Query,
        )
    })?;
    let channel = state
        .db
        .channel_by_id(id)
        .await?
        .ok_or_else(|| ApiError::not_found("Video channel not found"))?;
    let account = state
        .db
        .account_by_id(channel.account_id)
        .await?
        .ok_or_else(|| ApiError::not_found("Video channel not found"))?;
    let mut filter = public_filter(&Params::parse(None))?;
    filter.channel_id = Some(channel.id);
    let items = list_items(&state, &Params::parse(None), filter).await?;
    let link = format!("{}/c/{}/videos", state.url, channel.name);
    let person = format!("{}/a/{}/video-channels", state.url, account.name);
    let self_url = format!(
        "{}{}",
        state.url,
        uri.path_and_query().map(|x| x.as_str()).unwrap_or("")
    );
    let mut out = String::new();
    let _ = write!(
        out,
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<rss version=\"2.0\" \
         xmlns:podcast=\"https://github.com/Podcastindex-org/podcast-namespace/blob/main/docs/1.0.md\" \
         xmlns:itunes=\"http://www.itunes.com/dtds/podcast-1.0.dtd\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\" \
         xmlns:content=\"http://purl.org/rss/1.0/modules/content/\" xmlns:atom=\"http://www.w3.org/2005/Atom\">\n<channel>\n\
         <title>{title}</title>\n<lastBuildDate>{}</lastBuildDate>\n<docs>https://validator.w3.org/feed/docs/rss2.html</docs>\n\
         <generator>PeerTube - {}</generator>\n<podcast:medium>video</podcast:medium>\n<link>{link}</link>\n\
         <description>{}</description>\n<podcast:person href=\"{person}\">{}</podcast:person>\n\
         <itunes:owner>\n<itunes:name>{}</itunes:name>\n<itunes:email/>\n</itunes:owner>\n<itunes:explicit>no</itunes:explicit>\n\
         <image>\n<title>{title}</title>\n<url>{}</url>\n<link>{link}</link>\n</image>\n<copyright>{}</copyright>\n\
         <atom:link href=\"{}\" rel=\"self\" type=\"application/rss+xml\"/>\n",
        rfc2822(now_ms()),
        esc(&state.url),
        esc(channel.description.as_deref().unwrap_or("")),
        esc(&account.display_name),
        esc(&account.display_name),
        esc(&icon(&state)),
        esc(&copyright(&state)),
        esc(&self_url),
        title = esc(&channel.display_name),
        link = esc(&link),
        person = esc(&person),
    );
    for it in &items {
        podcast_item(&state, &mut out, it, &person, &account.display_name);
    }
    out.push_str("</channel>\n</rss>\n");
    Ok((
        [
            (header::CONTENT_TYPE, "application/rss+xml; charset=utf-8"),
            (header::CACHE_CONTROL, "max-age=900"),
        ],
        out,
    )
        .into_response())
}

fn podcast_item(state: &Instance, out: &mut String, it: &Item, person: &str, owner: &str) {
    let object_url =
        it.v.url
            .clone()
            .unwrap_or_else(|| format!("{}/videos/watch/{}", state.url, it.v.uuid));
    let _ = write!(
        out,
        "<item>\n<title>{}</title>\n<link>{}</link>\n<guid isPermaLink=\"true\">{}</guid>\n<pubDate>{}</pubDate>\n",
        cdata(&it.v.name),
        esc(&it.watch_url),
        esc(&it.watch_url),
        rfc2822(it.v.published_at)
    );
    if let Some(d) = it.v.description.as_deref().filter(|d| !d.is_empty()) {
        let _ = writeln!(out, "<description>{}</description>", cdata(d));
    }
    let _ = write!(
        out,
        "<dc:creator>{}</dc:creator>\n<podcast:person href=\"{}\">{}</podcast:person>\n\
         <podcast:tracker>{}/tracker/announce</podcast:tracker>\n<podcast:tracker>{}/tracker/socket</podcast:tracker>\n\
         <podcast:socialInteract uri=\"{}\" protocol=\"activitypub\" accountUrl=\"{}\"/>\n",
        esc(owner),
        esc(person),
        esc(owner),
        esc(&state.url),
        esc(&state.url.replacen("http", "ws", 1)),
        esc(&object_url),
        esc(person),
    );
    // Plain MP4s when the instance makes them, else the HLS fragmented MP4s (still one file
    // per resolution that any player reads).
    let mp4s: &[MediaFile] = if it.web_files > 0 {
        it.files.get(..it.web_files).unwrap_or_default()
    } else {
        &it.files
    };
    if let Some(best) = mp4s.first() {
        let _ = writeln!(
            out,
            "<enclosure url=\"{}\" length=\"{}\" type=\"video/mp4\"/>",
            esc(&best.url),
            best.size
        );
    }
    let duration = it.v.duration.max(1) as f64;
    for (i, f) in mp4s.iter().enumerate() {
        let _ = writeln!(
            out,
            "<podcast:alternateEnclosure type=\"video/mp4\" length=\"{}\" bitrate=\"{}\" title=\"{}\" default=\"{}\">\n\
             <podcast:source uri=\"{}\"/>",
            f.size,
            f.size as f64 * 8.0 / duration,
            esc(&f.label),
            i == 0,
            esc(&f.url),
        );
        if let Some(t) = &f.torrent_url {
            let _ = writeln!(
                out,
                "<podcast:source uri=\"{}\" contentType=\"application/x-bittorrent\"/>",
                esc(t)
            );
        }
        if let Some(m) = &f.magnet {
            let _ = writeln!(out, "<podcast:source uri=\"{}\"/>", esc(m));
        }
        out.push_str("</podcast:alternateEnclosure>\n");
    }
    if let Some(hls) = &it.hls_playlist {
        let _ = writeln!(
            out,
            "<podcast:alternateEnclosure type=\"application/x-mpegURL\" title=\"HLS\" default=\"false\">\n\
             <podcast:source uri=\"{}\"/>\n</podcast:alternateEnclosure>",
            esc(hls)
        );
    }
    if let Some(img) = &it.preview_url {
        let _ = writeln!(out, "<itunes:image href=\"{}\"/>", esc(img));
    }
    let _ = write!(
        out,
        "<itunes:explicit>{}</itunes:explicit>\n</item>\n",
        if it.v.nsfw { "yes" } else { "no" }
    );
}

// ---------------------------------------------------------------------------------------------
// oEmbed
// ---------------------------------------------------------------------------------------------

/// `GET /services/oembed?url=<watch page>`: PeerTube's oEmbed answer (JSON only) for a public
/// or unlisted video of this instance.
pub async fn oembed(State(state): State<Instance>, RawQuery(q): RawQuery) -> ApiResult<Response> {
    let p = Params::parse(q.as_deref());
    if let Some(f) = p.str("format").filter(|f| !f.is_empty() && *f != "json") {
        return Err(ApiError::new(
            StatusCode::NOT_IMPLEMENTED,
            format!("Requested format {f:?} is not implemented on server."),
        ));
    }
    let raw = p.str("url").unwrap_or("");
    let bad_url =
        || ApiError::bad_param("url", raw, "Should have a valid url", ParamLocation::Query);
    let parsed = url::Url::parse(raw).map_err(|_| bad_url())?;
    let ours = url::Url::parse(&state.url).map_err(ApiError::internal)?;
    if parsed.host_str() != ours.host_str()
        || parsed.port_or_known_default() != ours.port_or_known_default()
    {
        return Err(bad_url());
    }
    let id = ["/w/", "/videos/watch/"]
        .iter()
        .find_map(|prefix| parsed.path().strip_prefix(prefix))
        .filter(|id| !id.is_empty() && !id.contains('/'))
        .ok_or_else(bad_url)?;
    let v = find_video(&state, id).await.map_err(|e| {
        if e.status == StatusCode::BAD_REQUEST {
            bad_url()
        } else {
            ApiError(e)
        }
    })?;
    if !matches!(v.privacy, Privacy::Public | Privacy::Unlisted) {
        return Err(ApiError::forbidden("Video is not publicly available"));
    }
    let max = |name: &str, default: i64| -> ApiResult<i64> {
        Ok(p.int(name, 1, 100_000)?.map_or(default, |m| m.min(default)))
    };
    let width = max("maxwidth", 560)?;
    let height = max("maxheight", 315)?;
    let embed = format!("{}/videos/embed/{}", state.url, v.uuid);
    let html = format!(
        "<iframe width=\"{width}\" height=\"{height}\" sandbox=\"allow-same-origin allow-scripts allow-popups allow-forms\" title=\"{}\" src=\"{}\" frameborder=\"0\" allowfullscreen></iframe>",
        esc(&v.name),
        esc(&embed)
    );
    let mut body = json!({
        "type": "video",
        "version": "1.0",
        "html": html,
        "width": width,
        "height": height,
        "title": v.name,
        "author_name": v.channel_display_name,
        "author_url": v.channel_actor_url.clone().unwrap_or_else(|| format!("{}/video-channels/{}", state.url, v.channel_name)),
        "provider_name": "PeerTube",
        "provider_url": state.url,
    });
    let preview = v.preview_url.clone().or_else(|| {
        v.preview_name
            .as_ref()
            .map(|n| format!("{}/lazy-static/previews/{n}", state.url))
    });
    if let (Some(o), Some(img)) = (body.as_object_mut(), preview) {
        o.insert("thumbnail_url".into(), json!(img));
        o.insert("thumbnail_width".into(), json!(850));
        o.insert("thumbnail_height".into(), json!(480));
    }
    Ok(crate::videos::json_response(
        serde_json::to_vec(&body)
            .map_err(ApiError::internal)?
            .into(),
    ))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn escapes_markup_and_drops_forbidden_characters() {
        assert_eq!(esc("a<b>&\"c'\u{1}"), "a&lt;b&gt;&amp;&quot;c&apos;");
        assert_eq!(cdata("x]]>y\u{0}"), "<![CDATA[x]]]]><![CDATA[>y]]>");
    }

    #[test]
    fn formats_by_extension() {
        assert_eq!(Format::parse("xml"), Some(Format::Rss));
        assert_eq!(Format::parse("atom"), Some(Format::Atom));
        assert_eq!(Format::parse("json"), Some(Format::Json));
        assert_eq!(Format::parse("html"), None);
    }

    #[test]
    fn comment_text_is_escaped_html() {
        assert_eq!(
            comment_html("hi <b>\n\nbye"),
            "<p>hi &lt;b&gt;</p>\n<p>bye</p>\n"
        );
    }
}
