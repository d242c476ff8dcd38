//! PeerTube's `Video` object: metadata, thumbnails and the `url[]` file list (web-video MP4s and
//! an HLS playlist, each file followed by its metadata, torrent and magnet links).

use super::{
    audience, check_http, check_type, context, first_href, id_of, one_or_many, opt_date,
    opt_string, opt_url, or_null, req_date, req_str, req_url, Image, Result, VocabError, AS_PUBLIC,
};
use serde_json::{json, Map, Value};

/// Who may see a video, read off its audience.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Privacy {
    Public,
    Unlisted,
    /// Not addressed to the public at all (PeerTube does not federate private videos; other
    /// servers may).
    Private,
}

/// One video file and the links PeerTube lists after it.
#[derive(Debug, Clone, PartialEq)]
pub struct VideoFileLink {
    pub url: String,
    pub media_type: String,
    pub height: u32,
    pub width: Option<u32>,
    pub fps: Option<u32>,
    pub size: Option<i64>,
    /// An fMP4 of an HLS playlist (as opposed to a plain "web-video" MP4).
    pub fragmented: bool,
    pub has_audio: bool,
    pub has_video: bool,
    pub metadata_url: Option<String>,
    pub torrent_url: Option<String>,
    pub magnet_uri: Option<String>,
    /// The BitTorrent info hash, read from the magnet's `xt` when parsing.
    pub info_hash: Option<String>,
}

/// The HLS streaming playlist.
#[derive(Debug, Clone, PartialEq)]
pub struct HlsPlaylistLink {
    pub master_url: String,
    pub segments_sha256_url: Option<String>,
    /// P2P swarm ids, one per variant (`Infohash` tags).
    pub infohashes: Vec<String>,
    pub files: Vec<VideoFileLink>,
    /// Folders of other instances' live copies of the playlist (CacheFile `url`s), each with
    /// the origin's file names below it. PeerTube learns mirrors from CacheFile activities
    /// only; listing them here lets any reader find them, in a tag PeerTube's parser skips
    /// (`{"type": "Link", "name": "redundancy", "rel": ["redundancy"], ...}`).
    pub redundancies: Vec<String>,
}

/// A caption (`subtitleLanguage` entry).
#[derive(Debug, Clone, PartialEq)]
pub struct Subtitle {
    /// (code, label), e.g. ("en", "English").
    pub language: (String, String),
    pub url: String,
    pub automatically_generated: Option<bool>,
}

/// The storyboard sprite the player shows on seek (`preview` with rel `storyboard`).
#[derive(Debug, Clone, PartialEq)]
pub struct Storyboard {
    pub url: String,
    pub media_type: String,
    pub width: u32,
    pub height: u32,
    pub tile_width: u32,
    pub tile_height: u32,
    pub tile_duration_secs: i64,
}

/// A `Video`.
#[derive(Debug, Clone, PartialEq)]
pub struct VideoObject {
    pub id: String,
    pub uuid: String,
    pub name: String,
    pub duration_secs: i64,
    /// (id, label): PeerTube sends the id as a string (`"15"`).
    pub category: Option<(i64, String)>,
    pub licence: Option<(i64, String)>,
    pub language: Option<(String, String)>,
    pub views: i64,
    pub sensitive: bool,
    pub wait_transcoding: bool,
    pub state: i64,
    pub comments_enabled: bool,
    pub comments_policy: i64,
    pub download_enabled: bool,
    pub published: String,
    pub updated: String,
    pub originally_published_at: Option<String>,
    pub tags: Vec<String>,
    /// The description, markdown.
    pub content: Option<String>,
    pub support: Option<String>,
    pub icons: Vec<Image>,
    pub aspect_ratio: Option<f64>,
    pub hls: Option<HlsPlaylistLink>,
    pub web_files: Vec<VideoFileLink>,
    pub likes_url: String,
    pub dislikes_url: String,
    pub shares_url: String,
    pub comments_url: String,
    /// The account (`Person`) in `attributedTo`.
    pub account_url: String,
    /// The channel (`Group`) in `attributedTo`.
    pub channel_url: String,
    pub to: Vec<String>,
    pub cc: Vec<String>,
    pub is_live: bool,
    pub subtitles: Vec<Subtitle>,
    pub storyboard: Option<Storyboard>,
    /// `hasParts`: the chapters collection.
    pub chapters_url: Option<String>,
    /// BitTorrent trackers (http(s) and ws(s) announce URLs).
    pub trackers: Vec<String>,
    pub live_save_replay: Option<bool>,
    pub permanent_live: Option<bool>,
    pub latency_mode: Option<i64>,
}

impl VideoObject {
    pub fn privacy(&self) -> Privacy {
        let public = |l: &[String]| l.iter().any(|a| is_public(a));
        if public(&self.to) {
            Privacy::Public
        } else if public(&self.cc) {
            Privacy::Unlisted
        } else {
            Privacy::Private
        }
    }
}

/// JSON-LD lets the public collection be written compacted too.
pub(crate) fn is_public(a: &str) -> bool {
    matches!(a, AS_PUBLIC | "as:Public" | "Public")
}

/// `PT{secs}S`, the only form PeerTube emits (and the only one its validator accepts).
pub fn iso_duration(secs: i64) -> String {
    format!("PT{secs}S")
}

/// Seconds in an ISO 8601 duration (`PT6S`, `PT1H2M3S`, `P1DT2H`); fractional seconds are
/// truncated. `None` when malformed.
pub fn parse_iso_duration(s: &str) -> Option<i64> {
    let rest = s.strip_prefix('P')?;
    let (date, time) = match rest.split_once('T') {
        Some((d, t)) if !t.is_empty() => (d, Some(t)),
        Some(_) => return None,
        None => (rest, None),
    };
    let mut total: i64 = 0;
    let mut any = false;
    // Each part: units allowed in their order, each at most once.
    for (part, units) in [
        (date, &[('D', 86_400i64)][..]),
        (time.unwrap_or(""), &[('H', 3600), ('M', 60), ('S', 1)][..]),
    ] {
        let mut s = part;
        let mut allowed = units;
        while !s.is_empty() {
            let end = s.find(|c: char| !c.is_ascii_digit() && c != '.')?;
            let (num, tail) = s.split_at(end);
            let mut after_unit = tail.chars();
            let unit = after_unit.next()?;
            let pos = allowed.iter().position(|(u, _)| *u == unit)?;
            let (&(_, mult), later_units) = allowed.get(pos..)?.split_first()?;
            allowed = later_units;
            let whole = match num.split_once('.') {
                Some((w, f)) if unit == 'S' && f.chars().all(|c| c.is_ascii_digit()) => w,
                Some(_) => return None,
                None => num,
            };
            if whole.is_empty() {
                return None;
            }
            total = total.checked_add(whole.parse::<i64>().ok()?.checked_mul(mult)?)?;
            any = true;
            s = after_unit.as_str();
        }
    }
    any.then_some(total)
}

/// The video with PeerTube's Video `@context`, as served at its id.
pub fn video_to_json(v: &VideoObject) -> Value {
    context::with(context::video(), video_body(v))
}

/// The video without `@context`, as embedded in Create/Update.
pub(crate) fn video_body(v: &VideoObject) -> Value {
    let mut m = Map::new();
    let mut put = |k: &str, val: Value| {
        m.insert(k.to_owned(), val);
    };
    put("to", json!(v.to));
    put("cc", json!(v.cc));
    put("type", json!("Video"));
    put("id", json!(v.id));
    put("name", json!(v.name));
    put("duration", json!(iso_duration(v.duration_secs)));
    put("uuid", json!(v.uuid));
    if let Some((id, name)) = &v.category {
        put(
            "category",
            json!({ "identifier": id.to_string(), "name": name }),
        );
    }
    if let Some((id, name)) = &v.licence {
        put(
            "licence",
            json!({ "identifier": id.to_string(), "name": name }),
        );
    }
    if let Some((id, name)) = &v.language {
        put("language", json!({ "identifier": id, "name": name }));
    }
    put("views", json!(v.views));
    put("sensitive", json!(v.sensitive));
    put("waitTranscoding", json!(v.wait_transcoding));
    put("state", json!(v.state));
    put("commentsEnabled", json!(v.comments_enabled));
    // FEP-5624 interaction policy: PeerTube 6.3 announces the key but leaves it null.
    put("canReply", Value::Null);
    put("commentsPolicy", json!(v.comments_policy));
    put("downloadEnabled", json!(v.download_enabled));
    put("published", json!(v.published));
    put(
        "originallyPublishedAt",
        or_null(v.originally_published_at.clone()),
    );
    put("updated", json!(v.updated));
    put(
        "tag",
        v.tags
            .iter()
            .map(|t| json!({ "type": "Hashtag", "name": t }))
            .collect(),
    );
    put("mediaType", json!("text/markdown"));
    put("content", or_null(v.content.clone()));
    put("support", or_null(v.support.clone()));
    put(
        "subtitleLanguage",
        v.subtitles.iter().map(subtitle_json).collect(),
    );
    put("icon", v.icons.iter().map(Image::to_json).collect());
    if let Some(s) = &v.storyboard {
        put(
            "preview",
            json!([{
                "type": "Image",
                "rel": ["storyboard"],
                "url": [{
                    "mediaType": s.media_type, "href": s.url, "width": s.width, "height": s.height,
                    "tileWidth": s.tile_width, "tileHeight": s.tile_height,
                    "tileDuration": iso_duration(s.tile_duration_secs)
                }]
            }]),
        );
    }
    put("aspectRatio", or_null(v.aspect_ratio));
    put("url", Value::Array(url_list(v)));
    // A collection a remote object did not name (parsed as "") is left out, not written as an
    // empty URL no reader accepts (found by the `activity` fuzz target).
    for (key, url) in [
        ("likes", &v.likes_url),
        ("dislikes", &v.dislikes_url),
        ("shares", &v.shares_url),
        ("comments", &v.comments_url),
    ] {
        if !url.is_empty() {
            put(key, json!(url));
        }
    }
    if let Some(c) = &v.chapters_url {
        put("hasParts", json!(c));
    }
    put(
        "attributedTo",
        json!([
            { "type": "Person", "id": v.account_url },
            { "type": "Group", "id": v.channel_url }
        ]),
    );
    put("isLiveBroadcast", json!(v.is_live));
    put("liveSaveReplay", or_null(v.live_save_replay));
    put("permanentLive", or_null(v.permanent_live));
    put("latencyMode", or_null(v.latency_mode));
    Value::Object(m)
}

fn subtitle_json(s: &Subtitle) -> Value {
    let mut c = json!({ "identifier": s.language.0, "name": s.language.1, "url": s.url });
    if let (Some(a), Value::Object(m)) = (s.automatically_generated, &mut c) {
        m.insert("automaticallyGenerated".into(), json!(a));
    }
    c
}

/// `url[]` in PeerTube's order: the watch page first (Mastodon embeds the first link), then the
/// web-video files, the HLS playlist (its files inside its `tag`), then the trackers.
fn url_list(v: &VideoObject) -> Vec<Value> {
    let mut url = vec![json!({ "type": "Link", "mediaType": "text/html", "href": v.id })];
    url.extend(v.web_files.iter().flat_map(file_links));
    if let Some(h) = &v.hls {
        let mut tag: Vec<Value> = h
            .infohashes
            .iter()
            .map(|i| json!({ "type": "Infohash", "name": i }))
            .collect();
        if let Some(s) = &h.segments_sha256_url {
            tag.push(json!({ "type": "Link", "name": "sha256", "mediaType": "application/json", "href": s }));
        }
        tag.extend(h.files.iter().flat_map(file_links));
        tag.extend(h.redundancies.iter().map(|r| {
            json!({ "type": "Link", "name": "redundancy", "rel": ["redundancy"], "mediaType": "application/x-mpegURL", "href": r })
        }));
        url.push(json!({ "type": "Link", "mediaType": "application/x-mpegURL", "href": h.master_url, "tag": tag }));
    }
    for t in &v.trackers {
        let kind = if t.starts_with("ws") {
            "websocket"
        } else {
            "http"
        };
        url.push(json!({ "type": "Link", "name": format!("tracker-{kind}"), "rel": ["tracker", kind], "href": t }));
    }
    url
}

/// A file's Link (with its ffprobe/format PropertyValues) then its metadata, torrent and
/// magnet Links, each repeating the file's dimensions: that is how PeerTube pairs them.
fn file_links(f: &VideoFileLink) -> Vec<Value> {
    let mut dims = Map::new();
    dims.insert("height".into(), json!(f.height));
    if let Some(w) = f.width {
        dims.insert("width".into(), json!(w));
    }
    let mut file = dims.clone();
    if let Some(s) = f.size {
        file.insert("size".into(), json!(s));
    }
    if let Some(fps) = f.fps {
        dims.insert("fps".into(), json!(fps));
        file.insert("fps".into(), json!(fps));
    }
    let prop =
        |name: &str, value: &str| json!({ "type": "PropertyValue", "name": name, "value": value });
    let mut attachment = Vec::new();
    if f.has_audio {
        attachment.push(prop("ffprobe_codec_type", "audio"));
    }
    if f.has_video {
        attachment.push(prop("ffprobe_codec_type", "video"));
    }
    attachment.push(prop(
        "peertube_format_flag",
        if f.fragmented {
            "fragmented"
        } else {
            "web-video"
        },
    ));
    file.insert("attachment".into(), Value::Array(attachment));

    let link = |media_type: &str, href: &str, rel: Option<Value>, base: &Map<String, Value>| {
        let mut l = base.clone();
        l.insert("type".into(), json!("Link"));
        l.insert("mediaType".into(), json!(media_type));
        l.insert("href".into(), json!(href));
        if let Some(r) = rel {
            l.insert("rel".into(), r);
        }
        Value::Object(l)
    };
    let mut out = vec![link(&f.media_type, &f.url, None, &file)];
    if let Some(m) = &f.metadata_url {
        out.push(link(
            "application/json",
            m,
            Some(json!(["metadata", f.media_type])),
            &dims,
        ));
    }
    if let Some(t) = &f.torrent_url {
        out.push(link(TORRENT, t, None, &dims));
    }
    if let Some(m) = &f.magnet_uri {
        out.push(link(MAGNET, m, None, &dims));
    }
    out
}

const TORRENT: &str = "application/x-bittorrent";
const MAGNET: &str = "application/x-bittorrent;x-scheme-handler/magnet";
const HLS: &str = "application/x-mpegURL";

/// Parses and checks a `Video` the way PeerTube's validator does.
pub fn parse_video(v: &Value) -> Result<VideoObject> {
    check_type(v, "Video")?;
    let id = req_url(v, "id")?;
    let uuid = req_str(v, "uuid")?;
    if !is_uuid(uuid) {
        return Err(invalid("uuid", format!("`{uuid}` is not a UUID")));
    }
    let name = req_str(v, "name")?;
    if !(3..=120).contains(&name.chars().count()) {
        return Err(invalid("name", "must be 3 to 120 characters".into()));
    }
    let duration = req_str(v, "duration")?;
    let duration_secs = parse_iso_duration(duration).ok_or_else(|| {
        invalid(
            "duration",
            format!("`{duration}` is not an ISO 8601 duration"),
        )
    })?;

    // attributedTo: the account and the channel; PeerTube cannot store a video without both.
    let mut account_url = None;
    let mut channel_url = None;
    for a in one_or_many(v.get("attributedTo")) {
        let slot = match a.get("type").and_then(Value::as_str) {
            Some("Person") => &mut account_url,
            Some("Group") => &mut channel_url,
            _ => continue,
        };
        if slot.is_none() {
            let id = a.get("id").and_then(Value::as_str);
            let id = id.ok_or(VocabError::Missing("attributedTo.id"))?;
            *slot = Some(check_http("attributedTo.id", id).map(|_| id.to_owned())?);
        }
    }
    let (Some(account_url), Some(channel_url)) = (account_url, channel_url) else {
        return Err(invalid("attributedTo", "needs a Person and a Group".into()));
    };

    let bool_or = |k: &str, d: bool| v.get(k).and_then(Value::as_bool).unwrap_or(d);
    let comments_enabled = bool_or("commentsEnabled", true);
    // Older PeerTube only says commentsEnabled; its policy values are 1 enabled, 2 disabled.
    let comments_policy = v
        .get("commentsPolicy")
        .and_then(Value::as_i64)
        .unwrap_or(if comments_enabled { 1 } else { 2 });

    let mut hls = None;
    let mut web_links = Vec::new();
    let mut trackers = Vec::new();
    for u in one_or_many(v.get("url")) {
        let media_type = u.get("mediaType").and_then(Value::as_str).unwrap_or("");
        if has_rel(u, "tracker") {
            let href = req_str(u, "href").map_err(|_| VocabError::Missing("url.href"))?;
            match url::Url::parse(href) {
                Ok(t) if matches!(t.scheme(), "http" | "https" | "ws" | "wss") => {
                    trackers.push(href.to_owned())
                }
                _ => return Err(invalid("url", format!("bad tracker `{href}`"))),
            }
        } else if media_type == HLS && hls.is_none() {
            hls = Some(parse_hls(u)?);
        } else if media_type != "text/html" {
            web_links.push(u);
        }
    }

    Ok(VideoObject {
        uuid: uuid.to_owned(),
        name: name.to_owned(),
        duration_secs,
        category: labelled_int(v, "category")?,
        licence: labelled_int(v, "licence")?,
        language: v
            .get("language")
            .filter(|l| !l.is_null())
            .map(labelled)
            .transpose()?,
        views: v.get("views").and_then(Value::as_i64).unwrap_or(0),
        sensitive: bool_or("sensitive", false),
        wait_transcoding: bool_or("waitTranscoding", false),
        // 1 = published: what a server that does not say means.
        state: v.get("state").and_then(Value::as_i64).unwrap_or(1),
        comments_enabled,
        comments_policy,
        download_enabled: bool_or("downloadEnabled", true),
        published: req_date(v, "published")?,
        updated: req_date(v, "updated")?,
        originally_published_at: opt_date(v, "originallyPublishedAt")?,
        tags: one_or_many(v.get("tag"))
            .into_iter()
            .filter(|t| t.get("type").and_then(Value::as_str) == Some("Hashtag"))
            .filter_map(|t| opt_string(t, "name"))
            .collect(),
        content: opt_string(v, "content"),
        support: opt_string(v, "support"),
        icons: Image::parse_list(v.get("icon"))?,
        aspect_ratio: v.get("aspectRatio").and_then(Value::as_f64),
        hls,
        web_files: parse_files(&web_links, false)?,
        likes_url: collection_url(v, "likes")?,
        dislikes_url: collection_url(v, "dislikes")?,
        shares_url: collection_url(v, "shares")?,
        comments_url: collection_url(v, "comments")?,
        account_url,
        channel_url,
        to: audience(v, "to"),
        cc: audience(v, "cc"),
        is_live: bool_or("isLiveBroadcast", false),
        subtitles: one_or_many(v.get("subtitleLanguage"))
            .into_iter()
            .map(parse_subtitle)
            .collect::<Result<_>>()?,
        storyboard: parse_storyboard(v)?,
        chapters_url: opt_url("hasParts", v.get("hasParts").and_then(Value::as_str))?,
        trackers,
        live_save_replay: v.get("liveSaveReplay").and_then(Value::as_bool),
        permanent_live: v.get("permanentLive").and_then(Value::as_bool),
        latency_mode: v.get("latencyMode").and_then(Value::as_i64),
        id,
    })
}

fn invalid(field: &'static str, reason: String) -> VocabError {
    VocabError::Invalid { field, reason }
}

fn is_uuid(s: &str) -> bool {
    s.len() == 36
        && s.char_indices().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => c == '-',
            _ => c.is_ascii_hexdigit(),
        })
}

fn has_rel(u: &Value, rel: &str) -> bool {
    one_or_many(u.get("rel"))
        .iter()
        .any(|r| r.as_str() == Some(rel))
}

/// likes/dislikes/shares/comments: an http(s) URL (or a collection carrying one); empty when a
/// non-PeerTube server leaves it out.
fn collection_url(v: &Value, key: &'static str) -> Result<String> {
    match v.get(key).and_then(id_of) {
        Some(s) => check_http(key, s).map(|_| s.to_owned()),
        None => Ok(String::new()),
    }
}

/// `{identifier, name}`.
fn labelled(l: &Value) -> Result<(String, String)> {
    let id = match l.get("identifier") {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => return Err(VocabError::Missing("identifier")),
    };
    Ok((id, opt_string(l, "name").unwrap_or_default()))
}

/// category/licence: `{identifier: "15", name}` with a numeric identifier.
fn labelled_int(v: &Value, key: &'static str) -> Result<Option<(i64, String)>> {
    let Some(l) = v.get(key).filter(|l| !l.is_null()) else {
        return Ok(None);
    };
    let (id, name) = labelled(l)?;
    let n = id
        .parse()
        .map_err(|_| invalid(key, format!("identifier `{id}` is not a number")))?;
    Ok(Some((n, name)))
}

fn parse_subtitle(s: &Value) -> Result<Subtitle> {
    let url = first_href(s.get("url")).ok_or(VocabError::Missing("subtitleLanguage.url"))?;
    check_http("subtitleLanguage.url", url)?;
    Ok(Subtitle {
        language: labelled(s)?,
        url: url.to_owned(),
        automatically_generated: s.get("automaticallyGenerated").and_then(Value::as_bool),
    })
}

fn parse_storyboard(v: &Value) -> Result<Option<Storyboard>> {
    let Some(p) = one_or_many(v.get("preview"))
        .into_iter()
        .find(|p| has_rel(p, "storyboard"))
    else {
        return Ok(None);
    };
    let Some(u) = one_or_many(p.get("url")).into_iter().next() else {
        return Ok(None);
    };
    let num = |k: &'static str| {
        u.get(k)
            .and_then(Value::as_u64)
            .and_then(|n| u32::try_from(n).ok())
            .ok_or(VocabError::Missing(k))
    };
    let tile = req_str(u, "tileDuration")?;
    Ok(Some(Storyboard {
        url: req_url(u, "href")?,
        media_type: opt_string(u, "mediaType").unwrap_or_default(),
        width: num("width")?,
        height: num("height")?,
        tile_width: num("tileWidth")?,
        tile_height: num("tileHeight")?,
        tile_duration_secs: parse_iso_duration(tile)
            .ok_or_else(|| invalid("tileDuration", format!("`{tile}` is not a duration")))?,
    }))
}

fn parse_hls(u: &Value) -> Result<HlsPlaylistLink> {
    let master_url = req_url(u, "href")?;
    let tags = one_or_many(u.get("tag"));
    let mut infohashes = Vec::new();
    let mut segments_sha256_url = None;
    let mut links = Vec::new();
    let mut redundancies = Vec::new();
    for t in tags {
        match (
            t.get("type").and_then(Value::as_str),
            t.get("name").and_then(Value::as_str),
        ) {
            (Some("Infohash"), Some(h)) => infohashes.push(h.to_owned()),
            (_, Some("sha256")) => segments_sha256_url = Some(req_url(t, "href")?),
            // Informative only (copies are believed from their CacheFile): a bad one is skipped.
            (_, Some("redundancy")) => redundancies.extend(req_url(t, "href").ok()),
            _ => links.push(t),
        }
    }
    Ok(HlsPlaylistLink {
        master_url,
        segments_sha256_url,
        infohashes,
        files: parse_files(&links, true)?,
        redundancies,
    })
}

/// The links that follow a file Link.
#[derive(Clone, Copy)]
enum Aux {
    Metadata,
    Torrent,
    Magnet,
}

/// File Links first, then their metadata/torrent/magnet Links matched by height (and fps when
/// given), as PeerTube pairs them.
fn parse_files(links: &[&Value], in_hls: bool) -> Result<Vec<VideoFileLink>> {
    let mut files = Vec::new();
    let mut extras = Vec::new();
    for &l in links {
        let media_type = l.get("mediaType").and_then(Value::as_str).unwrap_or("");
        let is_media = media_type.starts_with("video/") || media_type.starts_with("audio/");
        if is_media && !has_rel(l, "metadata") {
            files.push(parse_file(l, media_type, in_hls)?);
        } else {
            extras.push(l);
        }
    }
    for l in extras {
        let media_type = l.get("mediaType").and_then(Value::as_str).unwrap_or("");
        let href = l.get("href").and_then(Value::as_str).unwrap_or("");
        let kind = if has_rel(l, "metadata") {
            Aux::Metadata
        } else if media_type == MAGNET || href.starts_with("magnet:") {
            Aux::Magnet
        } else if media_type == TORRENT {
            Aux::Torrent
        } else {
            continue;
        };
        // Its file: same height, same fps when both say, and that link not yet seen.
        let height = l.get("height").and_then(Value::as_u64);
        let fps = l.get("fps").and_then(Value::as_u64);
        let Some(f) = files.iter_mut().find(|f| {
            let free = match kind {
                Aux::Metadata => f.metadata_url.is_none(),
                Aux::Torrent => f.torrent_url.is_none(),
                Aux::Magnet => f.magnet_uri.is_none(),
            };
            free && Some(u64::from(f.height)) == height
                && (fps.is_none() || f.fps.is_none() || f.fps.map(u64::from) == fps)
        }) else {
            continue;
        };
        match kind {
            Aux::Metadata => f.metadata_url = Some(req_url(l, "href")?),
            Aux::Torrent => f.torrent_url = Some(req_url(l, "href")?),
            Aux::Magnet => {
                f.info_hash = Some(magnet_info_hash(href)?);
                f.magnet_uri = Some(href.to_owned());
            }
        }
    }
    Ok(files)
}

fn parse_file(l: &Value, media_type: &str, in_hls: bool) -> Result<VideoFileLink> {
    let url = req_url(l, "href")?;
    let num = |k: &str| {
        l.get(k)
            .and_then(Value::as_u64)
            .and_then(|n| u32::try_from(n).ok())
    };
    let props: Vec<(&str, &str)> = one_or_many(l.get("attachment"))
        .into_iter()
        .filter_map(|a| Some((a.get("name")?.as_str()?, a.get("value")?.as_str()?)))
        .collect();
    let codecs: Vec<&str> = props
        .iter()
        .filter(|(n, _)| *n == "ffprobe_codec_type")
        .map(|(_, v)| *v)
        .collect();
    let height = num("height").ok_or(VocabError::Missing("url.height"))?;
    // Before 6.3 PeerTube did not describe streams: every file had audio, and video unless it
    // was an audio-only (height 0) file.
    let (has_audio, has_video) = if codecs.is_empty() {
        (true, height > 0)
    } else {
        (codecs.contains(&"audio"), codecs.contains(&"video"))
    };
    let fragmented = match props.iter().find(|(n, _)| *n == "peertube_format_flag") {
        Some((_, flag)) => *flag == "fragmented",
        None => in_hls,
    };
    Ok(VideoFileLink {
        url,
        media_type: media_type.to_owned(),
        height,
        width: num("width"),
        fps: num("fps"),
        size: l.get("size").and_then(Value::as_i64),
        fragmented,
        has_audio,
        has_video,
        metadata_url: None,
        torrent_url: None,
        magnet_uri: None,
        info_hash: None,
    })
}

/// The hex info hash of `magnet:?...&xt=urn:btih:HASH&...`.
fn magnet_info_hash(magnet: &str) -> Result<String> {
    let bad = || invalid("url.href", format!("bad magnet URI `{magnet}`"));
    let u = url::Url::parse(magnet).map_err(|_| bad())?;
    if u.scheme() != "magnet" {
        return Err(bad());
    }
    u.query_pairs()
        .find_map(|(k, v)| {
            (k == "xt").then(|| v.strip_prefix("urn:btih:").map(str::to_ascii_lowercase))
        })
        .flatten()
        .filter(|h| h.len() == 40 && h.chars().all(|c| c.is_ascii_hexdigit()))
        .ok_or_else(bad)
}
