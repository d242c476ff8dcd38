//! Our actors (the instance's Application, accounts' Persons, channels' Groups) with keys made
//! on first use, and remote actors fetched, validated and cached.

use super::{strip_fragment, url_host, FedError, FedResult};
use crate::Instance;
use ferrotube_db::accounts::{AccountRow, ActorImageKind, ChannelRow, ImageOwner};
use ferrotube_db::federation::{ActorFields, ActorRow, RemoteProfile};
use ferrotube_federation::vocab::actor::{parse_actor, ActorKind, ActorObject};
use ferrotube_federation::{PrivateKey, PublicKey, Signer};
use ferrotube_model::timefmt::now_ms;
use std::time::{Duration, Instant};

/// The instance actor's name, as in PeerTube.
pub const INSTANCE_ACTOR: &str = "peertube";

/// Remote keys are reloaded from the database after this long (a refetch on a failed
/// verification covers rotation sooner).
const KEY_CACHE_TTL: Duration = Duration::from_secs(600);

async fn ensure_local(
    state: &Instance,
    url: String,
    kind: &str,
    username: &str,
    account_id: Option<i64>,
    channel_id: Option<i64>,
) -> FedResult<ActorRow> {
    if let Some(a) = state.db.actor_by_url(&url).await? {
        return Ok(a);
    }
    let inbox = format!("{url}/inbox");
    let outbox = format!("{url}/outbox");
    let followers = format!("{url}/followers");
    let shared = format!("{}/inbox", state.url);
    Ok(state
        .db
        .upsert_actor(&ActorFields {
            url: &url,
            kind,
            username,
            host: None,
            account_id,
            channel_id,
            inbox_url: &inbox,
            shared_inbox_url: Some(&shared),
            outbox_url: Some(&outbox),
            followers_url: Some(&followers),
            public_key_pem: None,
            now: now_ms(),
        })
        .await?)
}

/// The instance actor (`/accounts/peertube`), which follows and is followed by instances.
pub async fn instance_actor(state: &Instance) -> FedResult<ActorRow> {
    state
        .federation
        .instance_actor
        .get_or_try_init(|| async {
            let account = match state.db.account_by_name(INSTANCE_ACTOR).await? {
                Some(a) => a,
                None => {
                    state
                        .db
                        .create_system_account(INSTANCE_ACTOR, now_ms())
                        .await?
                }
            };
            let row = ensure_local(
                state,
                state.account_url(INSTANCE_ACTOR),
                "Application",
                INSTANCE_ACTOR,
                Some(account.id),
                None,
            )
            .await?;
            // Cached for the process's life: cache it with its keys, or every `local_keys` of
            // this stale copy would generate (and throw away) a fresh 2048-bit key.
            Ok::<_, FedError>(local_keys(state, &row).await?.0)
        })
        .await
        .cloned()
}

pub async fn account_actor(state: &Instance, a: &AccountRow) -> FedResult<ActorRow> {
    if a.host.is_some() {
        return state
            .db
            .actor_of_account(a.id)
            .await?
            .ok_or_else(|| FedError::Refused(format!("remote account {} has no actor", a.name)));
    }
    if a.user_id.is_none() && a.name == INSTANCE_ACTOR {
        return instance_actor(state).await;
    }
    ensure_local(
        state,
        state.account_url(&a.name),
        "Person",
        &a.name,
        Some(a.id),
        None,
    )
    .await
}

pub async fn channel_actor(state: &Instance, c: &ChannelRow) -> FedResult<ActorRow> {
    if c.host.is_some() {
        return state
            .db
            .actor_of_channel(c.id)
            .await?
            .ok_or_else(|| FedError::Refused(format!("remote channel {} has no actor", c.name)));
    }
    ensure_local(
        state,
        state.channel_url(&c.name),
        "Group",
        &c.name,
        None,
        Some(c.id),
    )
    .await
}

/// Our actor behind a URL of ours (`/accounts/x`, `/video-channels/x`, `/a/x`, `/c/x`).
pub async fn local_actor_by_url(state: &Instance, url: &str) -> FedResult<Option<ActorRow>> {
    let Some(path) = url.strip_prefix(&state.url) else {
        return Ok(None);
    };
    let mut parts = path.trim_start_matches('/').splitn(2, '/');
    let (kind, name) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    if name.is_empty() || name.contains('/') {
        return Ok(None);
    }
    match kind {
        "accounts" | "a" => match state.db.account_by_name(name).await? {
            Some(a) if a.host.is_none() => Ok(Some(account_actor(state, &a).await?)),
            _ => Ok(None),
        },
        "video-channels" | "c" => match state.db.channel_by_name(name).await? {
            Some(c) if c.host.is_none() => Ok(Some(channel_actor(state, &c).await?)),
            _ => Ok(None),
        },
        _ => Ok(None),
    }
}

/// The key pair of one of our actors, generated and stored the first time it is needed.
pub async fn local_keys(state: &Instance, actor: &ActorRow) -> FedResult<(ActorRow, Signer)> {
    if let Some(s) = state
        .federation
        .signers
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .get(&actor.id)
    {
        if actor.public_key_pem.is_some() {
            return Ok((actor.clone(), s.clone()));
        }
    }
    let row = match &actor.private_key_pem {
        Some(_) => actor.clone(),
        // A copy read before the keys were made: use the stored keys rather than make new ones.
        None => match state.db.actor_by_id(actor.id).await? {
            Some(stored) if stored.private_key_pem.is_some() => stored,
            _ => {
                let pair = tokio::task::spawn_blocking(ferrotube_federation::generate_keypair_pem)
                    .await
                    .map_err(|e| FedError::Refused(format!("key generation panicked: {e}")))??;
                state
                    .db
                    .set_actor_keys_once(actor.id, &pair.public_key_pem, &pair.private_key_pem)
                    .await?
                    .ok_or_else(|| FedError::Refused("actor vanished".into()))?
            }
        },
    };
    let pem = row
        .private_key_pem
        .as_deref()
        .ok_or_else(|| FedError::Refused("actor has no private key".into()))?;
    let signer = Signer {
        // PeerTube signs with the bare actor URL as keyId; Mastodon dereferences it the same.
        key_id: row.url.clone(),
        key: PrivateKey::from_pem(pem)?,
    };
    state
        .federation
        .signers
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert(row.id, signer.clone());
    Ok((row, signer))
}

pub async fn signer_of(state: &Instance, actor: &ActorRow) -> FedResult<Signer> {
    Ok(local_keys(state, actor).await?.1)
}

/// Signs our GETs: instances with authorized fetch answer only signed requests.
pub async fn instance_signer(state: &Instance) -> FedResult<Signer> {
    let actor = instance_actor(state).await?;
    signer_of(state, &actor).await
}

/// A remote actor by URL: from the cache when fresh (unless `refresh`), else fetched,
/// validated and stored (its account or channel row too).
pub async fn remote_actor(state: &Instance, url: &str, refresh: bool) -> FedResult<ActorRow> {
    remote_actor_depth(state, strip_fragment(url), refresh, 0).await
}

fn remote_actor_depth<'a>(
    state: &'a Instance,
    url: &'a str,
    refresh: bool,
    depth: u8,
) -> futures::future::BoxFuture<'a, FedResult<ActorRow>> {
    Box::pin(async move {
        if url.starts_with(&state.url) {
            return local_actor_by_url(state, url)
                .await?
                .ok_or_else(|| FedError::Refused(format!("no local actor at {url}")));
        }
        let max_age = state.settings.federation.refresh_after_secs as i64 * 1000;
        if let Some(a) = state.db.actor_by_url(url).await? {
            if !refresh && now_ms() - a.fetched_at < max_age {
                return Ok(a);
            }
        }
        let host = url_host(url).ok_or_else(|| FedError::Refused(format!("bad URL {url}")))?;
        if super::blocklist::is_blocked_host(state, &host).await? {
            return Err(FedError::Refused(format!("{host} is blocked")));
        }
        let signer = instance_signer(state).await?;
        let doc = state
            .federation
            .client
            .get_activity_json(url, Some(&signer))
            .await?;
        let obj = parse_actor(&doc)?;
        store_remote_actor(state, url, &host, &obj, depth).await
    })
}

/// A remote actor's document as the actor itself delivered it (an `Update{Person|Group}`):
/// its profile and key are stored as a refetch would store them.
pub async fn update_remote_actor(state: &Instance, obj: &ActorObject) -> FedResult<ActorRow> {
    let url = strip_fragment(&obj.id);
    let host = url_host(url).ok_or_else(|| FedError::Refused(format!("bad URL {url}")))?;
    if url.starts_with(&state.url) {
        return Err(FedError::Refused(format!("{url} is one of our actors")));
    }
    store_remote_actor(state, url, &host, obj, 0).await
}

async fn store_remote_actor(
    state: &Instance,
    url: &str,
    host: &str,
    obj: &ActorObject,
    depth: u8,
) -> FedResult<ActorRow> {
    // The document must be the actor we asked for: a server may not answer for another's
    // actors (or alias one of ours).
    if strip_fragment(&obj.id) != url || url_host(&obj.id).as_deref() != Some(host) {
        return Err(FedError::Refused(format!(
            "actor document {} does not match {url}",
            obj.id
        )));
    }
    if obj.preferred_username.is_empty()
        || obj.preferred_username.contains(['@', '/', ' '])
        || obj.preferred_username.len() > 100
    {
        return Err(FedError::Refused(format!(
            "invalid preferredUsername {:?}",
            obj.preferred_username
        )));
    }
    let handle = format!("{}@{host}", obj.preferred_username);
    let display = if obj.name.trim().is_empty() {
        obj.preferred_username.clone()
    } else {
        obj.name.chars().take(120).collect()
    };
    let now = now_ms();
    let profile = RemoteProfile {
        handle: &handle,
        host,
        display_name: &display,
        description: obj.summary.as_deref(),
        support: obj.support.as_deref(),
        now,
    };
    let (kind, account_id, channel_id) = match obj.kind {
        ActorKind::Group => {
            let owner_url = obj
                .attributed_to
                .first()
                .ok_or_else(|| FedError::Refused("Group without attributedTo".into()))?;
            if depth > 0 {
                return Err(FedError::Refused("actor owner chain too deep".into()));
            }
            let owner =
                remote_actor_depth(state, strip_fragment(owner_url), false, depth + 1).await?;
            let owner_account = owner
                .account_id
                .ok_or_else(|| FedError::Refused("Group owner is not a Person".into()))?;
            let channel = state
                .db
                .upsert_remote_channel(&profile, owner_account)
                .await?;
            ("Group", None, Some(channel))
        }
        ref k => {
            let account = state.db.upsert_remote_account(&profile).await?;
            let kind = match k {
                ActorKind::Application => "Application",
                ActorKind::Service => "Service",
                ActorKind::Organization => "Organization",
                _ => "Person",
            };
            (kind, Some(account), None)
        }
    };
    // Refuse unusable keys now rather than at the first signature.
    PublicKey::from_pem(&obj.public_key_pem)?;
    let images_owner = match (account_id, channel_id) {
        (Some(a), _) => Some(ImageOwner::Account(a)),
        (None, Some(c)) => Some(ImageOwner::Channel(c)),
        (None, None) => None,
    };
    let row = state
        .db
        .upsert_actor(&ActorFields {
            url,
            kind,
            username: &obj.preferred_username,
            host: Some(host),
            account_id,
            channel_id,
            inbox_url: &obj.inbox,
            shared_inbox_url: obj.shared_inbox.as_deref(),
            outbox_url: Some(&obj.outbox),
            followers_url: Some(&obj.followers),
            public_key_pem: Some(&obj.public_key_pem),
            now,
        })
        .await?;
    state
        .federation
        .remote_keys
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .remove(url);
    if let Some(owner) = images_owner {
        // The actor is stored already: images it lists that cannot be recorded are not worth
        // refusing it for.
        for (kind, images) in [
            (ActorImageKind::Avatar, &obj.icons),
            (ActorImageKind::Banner, &obj.banners),
        ] {
            if let Err(e) =
                crate::actor_images::stored::set_remote(state, owner, kind, images).await
            {
                tracing::warn!(actor = %url, error = ?e.detail, "cannot record the actor's images");
            }
        }
    }
    Ok(row)
}

/// The public key of a remote actor, from memory, the database or its server.
pub async fn remote_public_key(
    state: &Instance,
    actor_url: &str,
    refresh: bool,
) -> FedResult<(ActorRow, PublicKey)> {
    if !refresh {
        let cached = state
            .federation
            .remote_keys
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(actor_url)
            .filter(|(_, _, at)| at.elapsed() < KEY_CACHE_TTL)
            .map(|(a, k, _)| (a.clone(), k.clone()));
        if let Some(found) = cached {
            return Ok(found);
        }
    }
    let actor = remote_actor(state, actor_url, refresh).await?;
    let pem = actor
        .public_key_pem
        .as_deref()
        .ok_or_else(|| FedError::Refused(format!("{actor_url} has no public key")))?;
    let key = PublicKey::from_pem(pem)?;
    state
        .federation
        .remote_keys
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert(
            actor_url.to_string(),
            (actor.clone(), key.clone(), Instant::now()),
        );
    Ok((actor, key))
}

/// Resolves `name@host` through WebFinger to an actor URL, then fetches the actor.
pub async fn resolve_handle(state: &Instance, handle: &str) -> FedResult<ActorRow> {
    let handle = handle.trim().trim_start_matches('@');
    let (name, host) = handle
        .split_once('@')
        .ok_or_else(|| FedError::Refused(format!("{handle:?} is not name@host")))?;
    if name.is_empty() || host.is_empty() || host.contains(['/', '?', '#', '@']) {
        return Err(FedError::Refused(format!("{handle:?} is not name@host")));
    }
    if host == state.host {
        if let Some(a) = local_actor_by_url(state, &state.account_url(name)).await? {
            return Ok(a);
        }
        return local_actor_by_url(state, &state.channel_url(name))
            .await?
            .ok_or_else(|| FedError::Refused(format!("no local actor {name}")));
    }
    let scheme = if state.url.starts_with("https://") {
        "https"
    } else {
        "http"
    };
    let wf = format!("{scheme}://{host}/.well-known/webfinger?resource=acct:{name}@{host}");
    let jrd = state
        .federation
        .client
        .get_json(&wf, "application/jrd+json, application/json", None)
        .await?;
    let href = jrd
        .get("links")
        .and_then(|l| l.as_array())
        .and_then(|links| {
            links.iter().find(|l| {
                l.get("rel").and_then(|r| r.as_str()) == Some("self")
                    && l.get("type").and_then(|t| t.as_str()).is_some_and(|t| {
                        t.starts_with("application/activity+json")
                            || t.starts_with("application/ld+json")
                    })
            })
        })
        .and_then(|l| l.get("href"))
        .and_then(|h| h.as_str())
        .ok_or_else(|| FedError::Refused(format!("WebFinger of {handle} names no actor")))?
        .to_string();
    if url_host(&href).as_deref() != Some(host) {
        return Err(FedError::Refused(format!(
            "WebFinger of {handle} points to another host ({href})"
        )));
    }
    remote_actor(state, &href, false).await
}

/// Our actor as ActivityPub JSON.
pub async fn actor_json(state: &Instance, actor: &ActorRow) -> FedResult<serde_json::Value> {
    let obj = actor_object(state, actor).await?;
    Ok(ferrotube_federation::vocab::actor::actor_to_json(&obj))
}

/// Our actor as an ActivityPub object (what `actor_json` writes, and `Update` carries).
pub async fn actor_object(state: &Instance, actor: &ActorRow) -> FedResult<ActorObject> {
    let (row, _) = local_keys(state, actor).await?;
    let mut icons = Vec::new();
    let mut banners = Vec::new();
    let (name, summary, published, support, attributed_to) = match (row.account_id, row.channel_id)
    {
        (Some(id), _) => {
            let a = state
                .db
                .account_by_id(id)
                .await?
                .ok_or_else(|| FedError::Refused("account vanished".into()))?;
            icons = crate::actor_images::stored::parse(a.avatars.as_deref());
            (
                a.display_name,
                a.description,
                a.created_at,
                None,
                Vec::new(),
            )
        }
        (None, Some(id)) => {
            let c = state
                .db
                .channel_by_id(id)
                .await?
                .ok_or_else(|| FedError::Refused("channel vanished".into()))?;
            let owner = state.db.account_by_id(c.account_id).await?;
            icons = crate::actor_images::stored::parse(c.avatars.as_deref());
            banners = crate::actor_images::stored::parse(c.banners.as_deref());
            (
                c.display_name,
                c.description,
                c.created_at,
                c.support,
                owner
                    .map(|o| vec![state.account_url(&o.name)])
                    .unwrap_or_default(),
            )
        }
        (None, None) => (row.username.clone(), None, row.created_at, None, Vec::new()),
    };
    // The instance actor shows the instance's avatar and banner (set by an administrator).
    if row.kind == "Application" {
        let live = state.live();
        icons = serde_json::from_value(live.instance_avatars.clone()).unwrap_or_default();
        banners = serde_json::from_value(live.instance_banners.clone()).unwrap_or_default();
    }
    let kind = match row.kind.as_str() {
        "Application" => ActorKind::Application,
        "Group" => ActorKind::Group,
        _ => ActorKind::Person,
    };
    let page = match kind {
        ActorKind::Group => format!("{}/c/{}", state.url, row.username),
        _ => format!("{}/a/{}", state.url, row.username),
    };
    Ok(ActorObject {
        id: row.url.clone(),
        kind,
        preferred_username: row.username.clone(),
        name,
        summary,
        url: if row.kind == "Application" {
            row.url.clone()
        } else {
            page
        },
        inbox: row.inbox_url.clone(),
        outbox: row.outbox_url.clone().unwrap_or_default(),
        following: format!("{}/following", row.url),
        followers: row.followers_url.clone().unwrap_or_default(),
        shared_inbox: row.shared_inbox_url.clone(),
        playlists: Some(format!("{}/playlists", row.url)),
        public_key_pem: row.public_key_pem.clone().unwrap_or_default(),
        icons: ap_images(state, ActorImageKind::Avatar, &icons),
        banners: ap_images(state, ActorImageKind::Banner, &banners),
        published: ferrotube_model::timefmt::iso(published),
        attributed_to,
        support,
    })
}

/// Our actor images as ActivityPub `Image`s, largest first (remote servers use the first).
fn ap_images(
    state: &Instance,
    kind: ActorImageKind,
    images: &[crate::actor_images::stored::StoredImage],
) -> Vec<ferrotube_federation::vocab::actor::Image> {
    images
        .iter()
        .map(|i| ferrotube_federation::vocab::actor::Image {
            url: crate::actor_images::stored::image_url(&state.url, kind, i),
            media_type: "image/jpeg".into(),
            width: i.width,
            height: i.height,
        })
        .collect()
}
