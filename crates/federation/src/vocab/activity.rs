//! Activities: what lands in an inbox or an outbox page. The object is kept as a URL or parsed
//! into one of our objects; Undo/Accept/Reject wrap another activity, parsed recursively.

use super::actor::{actor_body, parse_actor, ActorKind, ActorObject};
use super::cache_file::{cache_file_body, parse_cache_file, CacheFileObject};
use super::note::{note_body, parse_note, NoteObject};
use super::video::{parse_video, video_body, VideoObject};
use super::{
    audience, check_http, context, id_of, opt_date, opt_string, req_str, same_host, Result,
    VocabError,
};
use serde_json::{json, Map, Value};

/// Activities nest (Undo{Like}, Accept{Follow}); deeper than this is not something PeerTube or
/// Mastodon sends, and refusing it bounds the recursion on hostile input.
const MAX_DEPTH: usize = 3;

/// The activity types PeerTube sends and handles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActivityKind {
    Create,
    Update,
    Delete,
    Announce,
    Follow,
    Accept,
    Reject,
    Undo,
    Like,
    Dislike,
    View,
    Flag,
    /// PeerTube 6.3+: the owner of a video approves a reply to it (`object`: the comment).
    ApproveReply,
    /// Its refusal (PeerTube sends none yet; accepted and ignored).
    RejectReply,
}

impl ActivityKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Create => "Create",
            Self::Update => "Update",
            Self::Delete => "Delete",
            Self::Announce => "Announce",
            Self::Follow => "Follow",
            Self::Accept => "Accept",
            Self::Reject => "Reject",
            Self::Undo => "Undo",
            Self::Like => "Like",
            Self::Dislike => "Dislike",
            Self::View => "View",
            Self::Flag => "Flag",
            Self::ApproveReply => "ApproveReply",
            Self::RejectReply => "RejectReply",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "Create" => Self::Create,
            "Update" => Self::Update,
            "Delete" => Self::Delete,
            "Announce" => Self::Announce,
            "Follow" => Self::Follow,
            "Accept" => Self::Accept,
            "Reject" => Self::Reject,
            "Undo" => Self::Undo,
            "Like" => Self::Like,
            "Dislike" => Self::Dislike,
            "View" => Self::View,
            "Flag" => Self::Flag,
            "ApproveReply" => Self::ApproveReply,
            "RejectReply" => Self::RejectReply,
            _ => return None,
        })
    }
}

/// An activity's `object`.
#[derive(Debug, Clone, PartialEq)]
pub enum ObjectRef {
    /// Referenced by id (Follow, Like, Announce, Delete...).
    Url(String),
    Video(Box<VideoObject>),
    Note(Box<NoteObject>),
    Actor(Box<ActorObject>),
    Activity(Box<Activity>),
    /// A copy of a video's files kept by another instance (video redundancy).
    CacheFile(Box<CacheFileObject>),
    /// A `Tombstone` by id (Mastodon's Delete of a status).
    Tombstone(String),
    /// An embedded object we do not model (Playlist...), kept as received.
    Other(Value),
}

/// An activity.
#[derive(Debug, Clone, PartialEq)]
pub struct Activity {
    pub id: String,
    pub kind: ActivityKind,
    /// The actor's URL (given as a string or as an object with `id`).
    pub actor: String,
    pub object: ObjectRef,
    pub to: Vec<String>,
    pub cc: Vec<String>,
    /// A Flag's reason.
    pub content: Option<String>,
    /// A Flag's objects beyond the first (PeerTube reports a video or comment plus the account).
    pub extra_objects: Vec<String>,
    /// A View's expiry (PeerTube's viewer counting).
    pub expires: Option<String>,
    /// A Flag's predefined reasons and video timestamps.
    pub flag: Option<FlagDetails>,
}

/// What PeerTube's `Flag` carries beyond its reason: the predefined reasons as `Hashtag` tags
/// and the reported span of a video (`startAt`/`endAt`, seconds).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FlagDetails {
    pub reasons: Vec<String>,
    pub start_at: Option<i64>,
    pub end_at: Option<i64>,
}

fn parse_flag_details(v: &Value) -> FlagDetails {
    let reasons = v
        .get("tag")
        .and_then(Value::as_array)
        .map(|tags| {
            tags.iter()
                .filter(|t| t.get("type").and_then(Value::as_str) == Some("Hashtag"))
                .filter_map(|t| t.get("name").and_then(Value::as_str))
                .take(16)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    // Seconds in the video; anything else (negative, fractional, text) is left out.
    let secs = |k: &str| v.get(k).and_then(Value::as_i64).filter(|n| *n >= 0);
    FlagDetails {
        reasons,
        start_at: secs("startAt"),
        end_at: secs("endAt"),
    }
}

impl Activity {
    /// The id of the object, however it was given.
    pub fn object_id(&self) -> Option<&str> {
        match &self.object {
            ObjectRef::Url(u) | ObjectRef::Tombstone(u) => Some(u),
            ObjectRef::Video(v) => Some(&v.id),
            ObjectRef::Note(n) => Some(&n.id),
            ObjectRef::Actor(a) => Some(&a.id),
            ObjectRef::Activity(a) => Some(&a.id),
            ObjectRef::CacheFile(c) => Some(&c.id),
            ObjectRef::Other(v) => id_of(v),
        }
    }
}

/// The activity with the `@context` PeerTube gives that kind of activity.
pub fn activity_to_json(a: &Activity) -> Value {
    let ctx = match (a.kind, &a.object) {
        (_, ObjectRef::Video(_)) => context::video(),
        (_, ObjectRef::Note(_)) => context::comment(),
        (_, ObjectRef::Actor(_)) => context::actor(),
        (ActivityKind::View, _) => context::view(),
        (ActivityKind::ApproveReply | ActivityKind::RejectReply, _) => {
            context::reply_approval(a.kind.as_str())
        }
        (ActivityKind::Flag, _) => context::flag(),
        (_, ObjectRef::CacheFile(_)) => context::cache_file(),
        (_, ObjectRef::Other(o)) if o.get("type").and_then(Value::as_str) == Some("Playlist") => {
            context::playlist()
        }
        (ActivityKind::Undo, ObjectRef::Activity(inner))
            if matches!(inner.object, ObjectRef::CacheFile(_)) =>
        {
            context::cache_file()
        }
        _ => context::base(),
    };
    context::with(ctx, activity_body(a))
}

/// The activity without `@context`: the shape of outbox page items and of the bodies PeerTube
/// 6.3 delivers (see inbox-deliveries.json).
pub fn activity_body(a: &Activity) -> Value {
    let mut m = Map::new();
    // PeerTube leaves the audience out of Follow/Accept/Reject (addressed by inbox alone) but
    // writes `cc: []` elsewhere.
    if !(a.to.is_empty() && a.cc.is_empty()) {
        m.insert("to".into(), json!(a.to));
        m.insert("cc".into(), json!(a.cc));
    }
    m.insert("type".into(), json!(a.kind.as_str()));
    m.insert("id".into(), json!(a.id));
    m.insert("actor".into(), json!(a.actor));
    let object = match &a.object {
        ObjectRef::Url(u) => json!(u),
        ObjectRef::Video(v) => video_body(v),
        ObjectRef::Note(n) => note_body(n),
        ObjectRef::Actor(x) => actor_body(x),
        ObjectRef::Activity(x) => activity_body(x),
        ObjectRef::CacheFile(c) => cache_file_body(c),
        ObjectRef::Tombstone(id) => json!({ "type": "Tombstone", "id": id }),
        ObjectRef::Other(v) => v.clone(),
    };
    // A Flag names all it reports in one `object` array.
    let object = if a.kind == ActivityKind::Flag {
        let mut all = vec![object];
        all.extend(a.extra_objects.iter().map(|o| json!(o)));
        Value::Array(all)
    } else {
        object
    };
    m.insert("object".into(), object);
    if let Some(c) = &a.content {
        m.insert("content".into(), json!(c));
        // PeerTube writes abuse reasons in markdown.
        m.insert("mediaType".into(), json!("text/markdown"));
    }
    if let Some(e) = &a.expires {
        m.insert("expires".into(), json!(e));
    }
    if let Some(f) = &a.flag {
        let tags: Vec<Value> = f
            .reasons
            .iter()
            .map(|r| json!({ "type": "Hashtag", "name": r }))
            .collect();
        m.insert("tag".into(), Value::Array(tags));
        if let Some(s) = f.start_at {
            m.insert("startAt".into(), json!(s));
        }
        if let Some(e) = f.end_at {
            m.insert("endAt".into(), json!(e));
        }
    }
    Value::Object(m)
}

/// Parses and checks an incoming activity (with or without `@context`).
pub fn parse_activity(v: &Value) -> Result<Activity> {
    parse_at(v, 0)
}

fn parse_at(v: &Value, depth: usize) -> Result<Activity> {
    if depth > MAX_DEPTH {
        return Err(VocabError::TooDeep(MAX_DEPTH));
    }
    let t = req_str(v, "type")?;
    let kind = ActivityKind::parse(t).ok_or_else(|| VocabError::Unsupported(t.to_owned()))?;
    let id = req_str(v, "id")?;
    check_http("id", id)?;
    let actor = v
        .get("actor")
        .and_then(id_of)
        .ok_or(VocabError::Missing("actor"))?;
    check_http("actor", actor)?;
    // An actor speaks only for ids on its own server. Exception: PeerTube names the Delete of a
    // remote comment, sent by the video's owner, after the comment (`<comment url>/delete`);
    // the receiver checks the actor may delete that object.
    if kind != ActivityKind::Delete {
        same_host("id", id, actor)?;
    }

    let raw = v.get("object").ok_or(VocabError::Missing("object"))?;
    // A Flag's object is the list of what is reported.
    let (raw, extra_objects) = match (kind, raw) {
        (ActivityKind::Flag, Value::Array(all)) => {
            let (first, others) = all.split_first().ok_or(VocabError::Missing("object"))?;
            let rest = others
                .iter()
                .map(|o| {
                    let u = id_of(o).ok_or(VocabError::Missing("object"))?;
                    check_http("object", u).map(|_| u.to_owned())
                })
                .collect::<Result<Vec<_>>>()?;
            (first, rest)
        }
        _ => (raw, Vec::new()),
    };
    let object = parse_object(raw, depth)?;
    // Created or updated content must come from the server that hosts it, or anyone could
    // rewrite anyone's videos.
    if matches!(kind, ActivityKind::Create | ActivityKind::Update)
        && !matches!(object, ObjectRef::Url(_))
    {
        let oid = match &object {
            ObjectRef::Video(x) => Some(x.id.as_str()),
            ObjectRef::Note(x) => Some(x.id.as_str()),
            ObjectRef::Actor(x) => Some(x.id.as_str()),
            ObjectRef::CacheFile(x) => Some(x.id.as_str()),
            ObjectRef::Other(x) => id_of(x),
            _ => None,
        };
        if let Some(oid) = oid {
            same_host("object.id", oid, actor)?;
        }
    }
    Ok(Activity {
        id: id.to_owned(),
        kind,
        actor: actor.to_owned(),
        object,
        to: audience(v, "to"),
        cc: audience(v, "cc"),
        content: opt_string(v, "content"),
        extra_objects,
        expires: opt_date(v, "expires")?,
        flag: (kind == ActivityKind::Flag).then(|| parse_flag_details(v)),
    })
}

fn parse_object(raw: &Value, depth: usize) -> Result<ObjectRef> {
    if let Some(u) = raw.as_str() {
        check_http("object", u)?;
        return Ok(ObjectRef::Url(u.to_owned()));
    }
    let Some(t) = raw.get("type").and_then(Value::as_str) else {
        // `{"id": ...}` alone is a reference.
        let u = id_of(raw).ok_or(VocabError::Missing("object.id"))?;
        check_http("object.id", u)?;
        return Ok(ObjectRef::Url(u.to_owned()));
    };
    Ok(match t {
        "Video" => ObjectRef::Video(Box::new(parse_video(raw)?)),
        "Note" => ObjectRef::Note(Box::new(parse_note(raw)?)),
        "CacheFile" => ObjectRef::CacheFile(Box::new(parse_cache_file(raw)?)),
        "Tombstone" => {
            let u = id_of(raw).ok_or(VocabError::Missing("object.id"))?;
            check_http("object.id", u)?;
            ObjectRef::Tombstone(u.to_owned())
        }
        t if ActorKind::parse(t).is_some() => ObjectRef::Actor(Box::new(parse_actor(raw)?)),
        t if ActivityKind::parse(t).is_some() => {
            ObjectRef::Activity(Box::new(parse_at(raw, depth + 1)?))
        }
        _ => ObjectRef::Other(raw.clone()),
    })
}
