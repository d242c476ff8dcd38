//! ActivityPub vocabulary as PeerTube 6.x speaks it: actors, videos, comments (Notes),
//! activities and collections, to and from `serde_json::Value`.
//!
//! Pure: no database, no HTTP. Emitters reproduce PeerTube's JSON shapes key for key, because
//! PeerTube's validators reject objects missing fields they expect. Parsers are strict on what
//! PeerTube itself checks (types, http(s) ids, hosts, dates) and ignore fields we do not model,
//! so that Mastodon and newer PeerTube versions still get through.
//!
//! Objects served at their id carry PeerTube's `@context` (`*_to_json`); embedded in an
//! activity or an outbox page they do not, as PeerTube writes them. Keys come out in
//! `serde_json`'s (sorted) order: JSON peers do not depend on key order, and a signed body is
//! digested as sent.

pub mod activity;
pub mod actor;
pub mod cache_file;
pub mod chapters;
pub mod collection;
pub mod context;
pub mod note;
pub mod video;

pub use activity::{
    activity_body, activity_to_json, parse_activity, Activity, ActivityKind, FlagDetails, ObjectRef,
};
pub use actor::{actor_to_json, parse_actor, ActorKind, ActorObject, Image};
pub use collection::{
    ordered_collection, ordered_collection_page, parse_collection, CollectionPage,
};
pub use note::{note_to_json, parse_note, Mention, NoteObject};
pub use video::{
    iso_duration, parse_iso_duration, parse_video, video_to_json, HlsPlaylistLink, Privacy,
    Storyboard, Subtitle, VideoFileLink, VideoObject,
};

use serde_json::Value;
use url::Url;

/// The audience value that makes an object public.
pub const AS_PUBLIC: &str = "https://www.w3.org/ns/activitystreams#Public";

/// Why a JSON document was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VocabError {
    #[error("missing or ill-typed field `{0}`")]
    Missing(&'static str),
    #[error("field `{field}` is invalid: {reason}")]
    Invalid { field: &'static str, reason: String },
    #[error("expected an object of type {expected}, got `{got}`")]
    WrongType { expected: &'static str, got: String },
    #[error("unsupported type `{0}`")]
    Unsupported(String),
    #[error("`{field}` is not an http(s) URL: `{value}`")]
    NotHttpUrl { field: &'static str, value: String },
    #[error("`{field}` ({got}) is not on the actor's host ({actor})")]
    HostMismatch {
        field: &'static str,
        got: String,
        actor: String,
    },
    #[error("the note replies to nothing (inReplyTo missing or null)")]
    NotAReply,
    #[error("objects nested deeper than {0} levels")]
    TooDeep(usize),
}

pub(crate) type Result<T> = std::result::Result<T, VocabError>;

/// `v[key]` as a string; `Missing` when absent, null or not a string.
pub(crate) fn req_str<'a>(v: &'a Value, key: &'static str) -> Result<&'a str> {
    v.get(key)
        .and_then(Value::as_str)
        .ok_or(VocabError::Missing(key))
}

/// `v[key]` as an owned string, `None` when absent or null.
pub(crate) fn opt_string(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(str::to_owned)
}

/// A required http(s) URL field.
pub(crate) fn req_url(v: &Value, key: &'static str) -> Result<String> {
    let s = req_str(v, key)?;
    check_http(key, s)?;
    Ok(s.to_owned())
}

/// Parses `s` as an absolute http(s) URL: everything we later fetch or compare hosts of.
pub(crate) fn check_http(field: &'static str, s: &str) -> Result<Url> {
    match Url::parse(s) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host_str().is_some() => Ok(u),
        _ => Err(VocabError::NotHttpUrl {
            field,
            value: s.to_owned(),
        }),
    }
}

/// `host[:port]` of an http(s) URL: the unit of authority for ids (port included, as PeerTube
/// compares hosts with their port).
pub(crate) fn authority(field: &'static str, s: &str) -> Result<String> {
    let u = check_http(field, s)?;
    let host = u.host_str().unwrap_or_default();
    Ok(match u.port() {
        Some(p) => format!("{host}:{p}"),
        None => host.to_owned(),
    })
}

/// Refuses `url` unless it lives on the same host as `actor`.
pub(crate) fn same_host(field: &'static str, url: &str, actor: &str) -> Result<()> {
    let (got, actor) = (authority(field, url)?, authority("actor", actor)?);
    if got == actor {
        Ok(())
    } else {
        Err(VocabError::HostMismatch { field, got, actor })
    }
}

/// The id of a value that may be a bare URL or an object carrying `id` (ActivityPub allows both
/// almost everywhere).
pub(crate) fn id_of(v: &Value) -> Option<&str> {
    v.as_str().or_else(|| v.get("id").and_then(Value::as_str))
}

/// An audience field (`to`, `cc`): a string or an array of strings; absent means empty.
pub(crate) fn audience(v: &Value, key: &str) -> Vec<String> {
    match v.get(key) {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(a)) => a.iter().filter_map(id_of).map(str::to_owned).collect(),
        _ => Vec::new(),
    }
}

/// A field that is one value or an array of them, as a list (ActivityStreams allows both).
pub(crate) fn one_or_many(v: Option<&Value>) -> Vec<&Value> {
    match v {
        Some(Value::Array(a)) => a.iter().collect(),
        Some(Value::Null) | None => Vec::new(),
        Some(other) => vec![other],
    }
}

/// The first URL in a `url`-like field: a string, a Link (`href`), or an array of those.
pub(crate) fn first_href(v: Option<&Value>) -> Option<&str> {
    one_or_many(v)
        .into_iter()
        .find_map(|u| u.as_str().or_else(|| u.get("href").and_then(Value::as_str)))
}

/// An optional http(s) URL: absent or null is `None`, anything else must be http(s).
pub(crate) fn opt_url(field: &'static str, s: Option<&str>) -> Result<Option<String>> {
    s.map(|s| check_http(field, s).map(|_| s.to_owned()))
        .transpose()
}

/// Requires `type` to be `expected`.
pub(crate) fn check_type(v: &Value, expected: &'static str) -> Result<()> {
    match v.get("type").and_then(Value::as_str) {
        Some(t) if t == expected => Ok(()),
        other => Err(VocabError::WrongType {
            expected,
            got: other.unwrap_or("").to_owned(),
        }),
    }
}

/// A required ISO 8601 / RFC 3339 date, kept as given (PeerTube sends `2024-06-06T13:06:05.060Z`).
pub(crate) fn req_date(v: &Value, key: &'static str) -> Result<String> {
    let s = req_str(v, key)?;
    check_date(key, s)?;
    Ok(s.to_owned())
}

/// An optional date: null or absent is `None`, a malformed one is an error.
pub(crate) fn opt_date(v: &Value, key: &'static str) -> Result<Option<String>> {
    match v.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(_) => req_date(v, key).map(Some),
    }
}

fn check_date(field: &'static str, s: &str) -> Result<()> {
    time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
        .map(|_| ())
        .map_err(|e| VocabError::Invalid {
            field,
            reason: format!("`{s}` is not an ISO 8601 date: {e}"),
        })
}

/// `Some(x)` as JSON, `None` as `null`: PeerTube emits explicit nulls and its peers expect the keys.
pub(crate) fn or_null<T: Into<Value>>(x: Option<T>) -> Value {
    x.map_or(Value::Null, Into::into)
}
