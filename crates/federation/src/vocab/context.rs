//! The `@context` values PeerTube 6.3 puts on what it serves and sends. Copied from what a real
//! PeerTube answered (samples/activitypub): JSON-LD processors and PeerTube's own signature
//! checks (RsaSignature2017) resolve terms through these, so they must match term for term.

use serde_json::{json, Map, Value};

/// The three entries every PeerTube context starts with; alone, it is the context of Follow,
/// Accept, Reject, Announce, Delete, Like/Dislike, Undo and collections.
pub fn base() -> Value {
    json!([
        "https://www.w3.org/ns/activitystreams",
        "https://w3id.org/security/v1",
        { "RsaSignature2017": "https://w3id.org/security#RsaSignature2017" }
    ])
}

/// `base()` plus one object with the `pt` and `sc` prefixes and `terms`.
fn extended(terms: Value) -> Value {
    let mut ctx = Map::new();
    ctx.insert("pt".into(), json!("https://joinpeertube.org/ns#"));
    ctx.insert("sc".into(), json!("http://schema.org/"));
    if let Value::Object(t) = terms {
        ctx.extend(t);
    }
    let mut v = base();
    if let Value::Array(a) = &mut v {
        a.push(Value::Object(ctx));
    }
    v
}

fn number(id: &str) -> Value {
    json!({ "@type": "sc:Number", "@id": id })
}

fn boolean(id: &str) -> Value {
    json!({ "@type": "sc:Boolean", "@id": id })
}

fn id_ref(id: &str) -> Value {
    json!({ "@id": id, "@type": "@id" })
}

/// Context of a `Video` (also of Create/Update carrying one).
pub fn video() -> Value {
    extended(json!({
        "Hashtag": "as:Hashtag",
        "category": "sc:category",
        "licence": "sc:license",
        "subtitleLanguage": "sc:subtitleLanguage",
        "automaticallyGenerated": "pt:automaticallyGenerated",
        "sensitive": "as:sensitive",
        "language": "sc:inLanguage",
        "identifier": "sc:identifier",
        "isLiveBroadcast": "sc:isLiveBroadcast",
        "liveSaveReplay": boolean("pt:liveSaveReplay"),
        "permanentLive": boolean("pt:permanentLive"),
        "latencyMode": number("pt:latencyMode"),
        "Infohash": "pt:Infohash",
        "tileWidth": number("pt:tileWidth"),
        "tileHeight": number("pt:tileHeight"),
        "tileDuration": number("pt:tileDuration"),
        "aspectRatio": { "@type": "sc:Float", "@id": "pt:aspectRatio" },
        "uuid": { "@type": "sc:identifier", "@id": "pt:uuid" },
        "originallyPublishedAt": "sc:datePublished",
        "uploadDate": "sc:uploadDate",
        "hasParts": "sc:hasParts",
        "views": number("pt:views"),
        "state": number("pt:state"),
        "size": number("pt:size"),
        "fps": number("pt:fps"),
        "commentsEnabled": boolean("pt:commentsEnabled"),
        "canReply": "pt:canReply",
        "commentsPolicy": number("pt:commentsPolicy"),
        "downloadEnabled": boolean("pt:downloadEnabled"),
        "waitTranscoding": boolean("pt:waitTranscoding"),
        "support": { "@type": "sc:Text", "@id": "pt:support" },
        "likes": id_ref("as:likes"),
        "dislikes": id_ref("as:dislikes"),
        "shares": id_ref("as:shares"),
        "comments": id_ref("as:comments"),
        "PropertyValue": "sc:PropertyValue",
        "value": "sc:value"
    }))
}

/// Context of actors (Person, Group, Application).
pub fn actor() -> Value {
    extended(json!({
        "playlists": id_ref("pt:playlists"),
        "support": { "@type": "sc:Text", "@id": "pt:support" },
        "lemmy": "https://join-lemmy.org/ns#",
        "postingRestrictedToMods": "lemmy:postingRestrictedToMods",
        "icons": "as:icon"
    }))
}

/// Context of a comment (`Note`) and of Create/Update carrying one.
pub fn comment() -> Value {
    extended(json!({ "replyApproval": "pt:replyApproval" }))
}

/// Context of an `ApproveReply` or `RejectReply` (PeerTube names the type as a term).
pub fn reply_approval(kind: &str) -> Value {
    let mut terms = Map::new();
    terms.insert(kind.to_string(), json!(format!("pt:{kind}")));
    extended(Value::Object(terms))
}

/// Context of a `View`.
pub fn view() -> Value {
    extended(json!({
        "WatchAction": "sc:WatchAction",
        "InteractionCounter": "sc:InteractionCounter",
        "interactionType": "sc:interactionType",
        "userInteractionCount": "sc:userInteractionCount"
    }))
}

/// Context of a `CacheFile` (and of Create/Update/Undo carrying one).
pub fn cache_file() -> Value {
    extended(json!({ "expires": "sc:expires", "CacheFile": "pt:CacheFile" }))
}

/// Context of a `Playlist` and its `PlaylistElement`s (and of Create/Update carrying one).
pub fn playlist() -> Value {
    extended(json!({
        "Playlist": "pt:Playlist",
        "PlaylistElement": "pt:PlaylistElement",
        "position": number("pt:position"),
        "startTimestamp": number("pt:startTimestamp"),
        "stopTimestamp": number("pt:stopTimestamp"),
        "uuid": { "@type": "sc:identifier", "@id": "pt:uuid" }
    }))
}

/// Context of a `Flag` (abuse report; its predefined reasons are Hashtags).
pub fn flag() -> Value {
    extended(json!({ "Hashtag": "as:Hashtag" }))
}

/// `body` with `@context` set to `ctx`.
pub fn with(ctx: Value, mut body: Value) -> Value {
    if let Value::Object(m) = &mut body {
        m.insert("@context".into(), ctx);
    }
    body
}

/// Context of a video's chapters (`hasPart` of `sc` parts with their offsets).
pub fn chapters() -> Value {
    extended(json!({
        "hasPart": "sc:hasPart",
        "endOffset": "sc:endOffset",
        "startOffset": "sc:startOffset"
    }))
}
