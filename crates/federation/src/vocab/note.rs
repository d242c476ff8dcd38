//! Comments: PeerTube sends each as a `Note` replying to a video or to another comment, and a
//! deleted one as a `Tombstone` that keeps its place in the thread. Mastodon replies are Notes
//! with HTML content.

use super::{
    audience, check_http, context, first_href, id_of, one_or_many, opt_date, opt_string, opt_url,
    req_date, req_url, Result, VocabError,
};
use serde_json::{json, Map, Value};

/// A `Mention` tag: PeerTube mentions the authors of the comments up the thread.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mention {
    /// The mentioned actor's URL.
    pub href: String,
    /// `@user@host`.
    pub name: String,
}

/// A comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteObject {
    pub id: String,
    pub url: Option<String>,
    /// As given: markdown from PeerTube, HTML from Mastodon (see `media_type`).
    pub content: String,
    pub media_type: Option<String>,
    /// The video or comment this replies to.
    pub in_reply_to: String,
    pub published: String,
    /// For a tombstone, also the deletion time.
    pub updated: Option<String>,
    pub attributed_to: String,
    pub to: Vec<String>,
    pub cc: Vec<String>,
    /// A deleted comment: emitted and parsed as `Tombstone` with `formerType: Note`.
    pub tombstone: bool,
    pub mentions: Vec<Mention>,
    /// PeerTube 6.3's reply-approval URL (`<id>/approve-reply`).
    pub reply_approval: Option<String>,
}

/// The comment with PeerTube's comment `@context`, as served at its id.
pub fn note_to_json(n: &NoteObject) -> Value {
    context::with(context::comment(), note_body(n))
}

/// The comment without `@context`, as embedded in Create.
pub(crate) fn note_body(n: &NoteObject) -> Value {
    let mut m = Map::new();
    if n.tombstone {
        // PeerTube keeps deleted comments as tombstones so replies below them stay threaded;
        // `deleted` is the time the comment was last touched, i.e. deleted.
        let deleted = n.updated.as_ref().unwrap_or(&n.published);
        m.insert("id".into(), json!(n.id));
        m.insert("type".into(), json!("Tombstone"));
        m.insert("formerType".into(), json!("Note"));
        m.insert("inReplyTo".into(), json!(n.in_reply_to));
        m.insert("published".into(), json!(n.published));
        m.insert("updated".into(), json!(deleted));
        m.insert("deleted".into(), json!(deleted));
        return Value::Object(m);
    }
    m.insert("to".into(), json!(n.to));
    m.insert("cc".into(), json!(n.cc));
    m.insert("type".into(), json!("Note"));
    m.insert("id".into(), json!(n.id));
    m.insert("content".into(), json!(n.content));
    m.insert(
        "mediaType".into(),
        json!(n.media_type.as_deref().unwrap_or("text/markdown")),
    );
    m.insert("inReplyTo".into(), json!(n.in_reply_to));
    m.insert(
        "updated".into(),
        json!(n.updated.as_ref().unwrap_or(&n.published)),
    );
    m.insert("published".into(), json!(n.published));
    m.insert("url".into(), json!(n.url.as_ref().unwrap_or(&n.id)));
    m.insert("attributedTo".into(), json!(n.attributed_to));
    if let Some(r) = &n.reply_approval {
        m.insert("replyApproval".into(), json!(r));
    }
    let tags: Vec<Value> = n
        .mentions
        .iter()
        .map(|t| json!({ "type": "Mention", "href": t.href, "name": t.name }))
        .collect();
    m.insert("tag".into(), Value::Array(tags));
    Value::Object(m)
}

/// Parses a PeerTube or Mastodon comment (a `Note`, or a `Tombstone` that was one).
pub fn parse_note(v: &Value) -> Result<NoteObject> {
    let former = v.get("formerType").and_then(Value::as_str);
    let tombstone = match v.get("type").and_then(Value::as_str) {
        Some("Note") => false,
        // A deleted video is a Tombstone too: only a former Note is a comment.
        Some("Tombstone") if matches!(former, None | Some("Note")) => true,
        other => {
            return Err(VocabError::WrongType {
                expected: "Note",
                got: other.unwrap_or("").to_owned(),
            })
        }
    };
    let id = req_url(v, "id")?;
    // Comments live under a video: a Note replying to nothing is a status, not a comment.
    let in_reply_to = v
        .get("inReplyTo")
        .and_then(id_of)
        .ok_or(VocabError::NotAReply)?;
    check_http("inReplyTo", in_reply_to)?;
    let published = req_date(v, "published")?;
    if tombstone {
        return Ok(NoteObject {
            id,
            url: None,
            content: String::new(),
            media_type: None,
            in_reply_to: in_reply_to.to_owned(),
            updated: opt_date(v, "deleted")?.or(opt_date(v, "updated")?),
            published,
            attributed_to: String::new(),
            to: audience(v, "to"),
            cc: audience(v, "cc"),
            tombstone,
            mentions: Vec::new(),
            reply_approval: None,
        });
    }
    // Mastodon may send only `contentMap` (one entry per language).
    let content = opt_string(v, "content")
        .or_else(|| {
            v.get("contentMap")
                .and_then(Value::as_object)
                .and_then(|m| m.values().find_map(Value::as_str))
                .map(str::to_owned)
        })
        .ok_or(VocabError::Missing("content"))?;
    let attributed_to = one_or_many(v.get("attributedTo"))
        .into_iter()
        .find_map(id_of)
        .ok_or(VocabError::Missing("attributedTo"))?;
    check_http("attributedTo", attributed_to)?;
    // `url` is a string for PeerTube and Mastodon, a Link for some others.
    let url = opt_url("url", first_href(v.get("url")))?;
    Ok(NoteObject {
        id,
        url,
        content,
        media_type: opt_string(v, "mediaType"),
        in_reply_to: in_reply_to.to_owned(),
        published,
        updated: opt_date(v, "updated")?,
        attributed_to: attributed_to.to_owned(),
        to: audience(v, "to"),
        cc: audience(v, "cc"),
        tombstone,
        mentions: one_or_many(v.get("tag"))
            .into_iter()
            .filter(|t| t.get("type").and_then(Value::as_str) == Some("Mention"))
            .filter_map(|t| {
                Some(Mention {
                    href: opt_string(t, "href")?,
                    name: opt_string(t, "name")?,
                })
            })
            .collect(),
        reply_approval: opt_string(v, "replyApproval"),
    })
}
