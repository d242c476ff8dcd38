//! Actors: PeerTube accounts (`Person`), channels (`Group`), the instance actor
//! (`Application`), and whatever Mastodon-like servers send (`Service`, `Organization`).

use super::{
    audience, check_http, context, first_href, one_or_many, opt_string, opt_url, req_str, req_url,
    Result, VocabError,
};
use serde_json::{json, Map, Value};

/// The ActivityStreams actor types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActorKind {
    Person,
    Group,
    Application,
    Service,
    Organization,
}

impl ActorKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Person => "Person",
            Self::Group => "Group",
            Self::Application => "Application",
            Self::Service => "Service",
            Self::Organization => "Organization",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "Person" => Self::Person,
            "Group" => Self::Group,
            "Application" => Self::Application,
            "Service" => Self::Service,
            "Organization" => Self::Organization,
            _ => return None,
        })
    }
}

/// An `Image` (avatar, thumbnail, preview).
#[derive(Debug, Clone, PartialEq)]
pub struct Image {
    pub url: String,
    pub media_type: String,
    pub width: Option<u32>,
    pub height: Option<u32>,
}

impl Image {
    pub(crate) fn to_json(&self) -> Value {
        let mut m = Map::new();
        m.insert("type".into(), json!("Image"));
        m.insert("url".into(), json!(self.url));
        m.insert("mediaType".into(), json!(self.media_type));
        if let Some(w) = self.width {
            m.insert("width".into(), json!(w));
        }
        if let Some(h) = self.height {
            m.insert("height".into(), json!(h));
        }
        Value::Object(m)
    }

    /// `icon` as PeerTube (array) or Mastodon (one object) sends it; images whose `url` is
    /// not http(s) are refused rather than silently fetched later.
    pub(crate) fn parse_list(v: Option<&Value>) -> Result<Vec<Image>> {
        one_or_many(v)
            .into_iter()
            .map(|i| {
                let url = first_href(i.get("url")).ok_or(VocabError::Missing("icon.url"))?;
                check_http("icon.url", url)?;
                Ok(Image {
                    url: url.to_owned(),
                    media_type: opt_string(i, "mediaType").unwrap_or_default(),
                    width: dim(i, "width"),
                    height: dim(i, "height"),
                })
            })
            .collect()
    }
}

fn dim(v: &Value, key: &str) -> Option<u32> {
    v.get(key)
        .and_then(Value::as_u64)
        .and_then(|n| u32::try_from(n).ok())
}

/// An actor as PeerTube serves it at its id.
#[derive(Debug, Clone, PartialEq)]
pub struct ActorObject {
    pub id: String,
    pub kind: ActorKind,
    pub preferred_username: String,
    pub name: String,
    pub summary: Option<String>,
    pub url: String,
    pub inbox: String,
    /// Empty when a remote actor has none (optional for PeerTube too).
    pub outbox: String,
    /// Empty when a remote actor has none.
    pub following: String,
    /// Empty when a remote actor has none.
    pub followers: String,
    pub shared_inbox: Option<String>,
    pub playlists: Option<String>,
    pub public_key_pem: String,
    /// Avatars (`icon`), in the order given: remote servers use the first.
    pub icons: Vec<Image>,
    /// Channel banners (`image`).
    pub banners: Vec<Image>,
    /// ISO 8601; empty when a remote actor does not say.
    pub published: String,
    /// For a `Group` (channel): the owning account's URL, which PeerTube requires.
    pub attributed_to: Vec<String>,
    pub support: Option<String>,
}

impl ActorObject {
    /// The key id PeerTube signs with, `id#main-key`.
    pub fn key_id(&self) -> String {
        format!("{}#main-key", self.id)
    }
}

/// The actor with PeerTube's actor `@context`.
pub fn actor_to_json(a: &ActorObject) -> Value {
    context::with(context::actor(), actor_body(a))
}

/// The actor without `@context`, as embedded in an Update.
pub(crate) fn actor_body(a: &ActorObject) -> Value {
    let mut m = Map::new();
    m.insert("type".into(), json!(a.kind.as_str()));
    m.insert("id".into(), json!(a.id));
    m.insert("following".into(), json!(a.following));
    m.insert("followers".into(), json!(a.followers));
    if let Some(p) = &a.playlists {
        m.insert("playlists".into(), json!(p));
    }
    m.insert("inbox".into(), json!(a.inbox));
    m.insert("outbox".into(), json!(a.outbox));
    m.insert("preferredUsername".into(), json!(a.preferred_username));
    m.insert("url".into(), json!(a.url));
    m.insert("name".into(), json!(a.name));
    if let Some(s) = &a.shared_inbox {
        m.insert("endpoints".into(), json!({ "sharedInbox": s }));
    }
    m.insert(
        "publicKey".into(),
        json!({ "id": a.key_id(), "owner": a.id, "publicKeyPem": a.public_key_pem }),
    );
    m.insert("published".into(), json!(a.published));
    // PeerTube leaves `icon` and `image` out (not empty) when there is no avatar or banner.
    if !a.icons.is_empty() {
        m.insert("icon".into(), a.icons.iter().map(Image::to_json).collect());
    }
    if !a.banners.is_empty() {
        m.insert(
            "image".into(),
            a.banners.iter().map(Image::to_json).collect(),
        );
    }
    m.insert("summary".into(), json!(a.summary));
    // Channel-only keys: `support`, Lemmy's posting flag (channels only take posts from their
    // owner) and the owner, by which PeerTube attaches a remote channel to its account.
    if a.kind == ActorKind::Group {
        m.insert("support".into(), json!(a.support));
        m.insert("postingRestrictedToMods".into(), json!(true));
        let owners: Vec<Value> = a
            .attributed_to
            .iter()
            .map(|id| json!({ "type": "Person", "id": id }))
            .collect();
        m.insert("attributedTo".into(), Value::Array(owners));
    }
    Value::Object(m)
}

/// Parses a PeerTube or Mastodon actor document.
pub fn parse_actor(v: &Value) -> Result<ActorObject> {
    let t = req_str(v, "type")?;
    let kind = ActorKind::parse(t).ok_or_else(|| VocabError::WrongType {
        expected: "Person, Group, Application, Service or Organization",
        got: t.to_owned(),
    })?;
    let id = req_url(v, "id")?;
    let preferred_username = req_str(v, "preferredUsername")?.to_owned();
    if preferred_username.is_empty() {
        return Err(VocabError::Missing("preferredUsername"));
    }
    // publicKey: one object (PeerTube, Mastodon) or, from some servers, an array of them.
    let key = one_or_many(v.get("publicKey"))
        .into_iter()
        .next()
        .ok_or(VocabError::Missing("publicKey"))?;
    let public_key_pem = req_str(key, "publicKeyPem")?.to_owned();
    if !public_key_pem.contains("BEGIN PUBLIC KEY") {
        return Err(VocabError::Invalid {
            field: "publicKey.publicKeyPem",
            reason: "not a PEM public key".into(),
        });
    }
    // A key owned by someone else would let that someone sign as this actor.
    if let Some(owner) = key.get("owner").and_then(Value::as_str) {
        if owner != id {
            return Err(VocabError::Invalid {
                field: "publicKey.owner",
                reason: format!("`{owner}` is not the actor `{id}`"),
            });
        }
    }
    let optional_url = |key: &'static str| opt_url(key, v.get(key).and_then(Value::as_str));
    let shared_inbox = opt_url(
        "endpoints.sharedInbox",
        v.get("endpoints")
            .and_then(|e| e.get("sharedInbox"))
            .and_then(Value::as_str),
    )?;
    let attributed_to: Vec<String> = audience(v, "attributedTo");
    // PeerTube attaches every channel to an account; an ownerless Group cannot be stored.
    if kind == ActorKind::Group && attributed_to.is_empty() {
        return Err(VocabError::Missing("attributedTo"));
    }
    // `url` is the profile page: a string, a Link or an array of Links; fall back to the id.
    let url = first_href(v.get("url")).unwrap_or(&id).to_owned();
    Ok(ActorObject {
        kind,
        name: opt_string(v, "name")
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| preferred_username.clone()),
        preferred_username,
        summary: opt_string(v, "summary"),
        url,
        inbox: req_url(v, "inbox")?,
        outbox: optional_url("outbox")?.unwrap_or_default(),
        following: optional_url("following")?.unwrap_or_default(),
        followers: optional_url("followers")?.unwrap_or_default(),
        shared_inbox,
        playlists: optional_url("playlists")?,
        public_key_pem,
        icons: Image::parse_list(v.get("icon"))?,
        banners: Image::parse_list(v.get("image"))?,
        published: opt_string(v, "published").unwrap_or_default(),
        attributed_to,
        support: opt_string(v, "support"),
        id,
    })
}
