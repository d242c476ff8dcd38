//! Remote playlists: a `Playlist` is fetched from its origin (the object, its pages and each
//! `PlaylistElement`) and stored with its elements, whose videos are fetched as any remote
//! video; `Create`/`Update`/`Delete` of one, lookups by URL, and the crawl of the `playlists`
//! collections of the actors an outbox crawl learns. (No import of the outbox: it calls here.)

use super::actors::{instance_signer, remote_actor};
use super::objects::fetch_remote_video;
use super::{url_host, FedError, FedResult, PUBLIC};
use crate::Instance;
use ferrotube_db::playlists::{
    NewElement, NewPlaylist, PLAYLIST_PUBLIC, PLAYLIST_REGULAR, PLAYLIST_UNLISTED,
};
use ferrotube_federation::vocab::collection::parse_collection;
use ferrotube_model::timefmt::{now_ms, parse_iso};
use serde_json::Value;
use tracing::{info, warn};

/// Elements followed per remote playlist (PeerTube's crawl limit is of the same order).
const MAX_REMOTE_ELEMENTS: usize = 500;
/// Actors whose `playlists` collection one outbox crawl follows, and playlists per actor.
pub const MAX_CRAWLED_ACTORS: usize = 20;
const MAX_PLAYLISTS_PER_ACTOR: usize = 100;

fn str_of<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

fn urls_of(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(|x| match x {
                Value::String(s) => Some(s.clone()),
                Value::Object(_) => x.get("id").and_then(Value::as_str).map(str::to_owned),
                _ => None,
            })
            .collect(),
        Some(o @ Value::Object(_)) => o
            .get("id")
            .and_then(Value::as_str)
            .map(|s| vec![s.to_owned()])
            .unwrap_or_default(),
        _ => Vec::new(),
    }
}

/// Fetches a remote playlist from its origin (object, pages, elements, their videos) and stores
/// it; answers its id here. `origin_host`: the host that told us about it, which must be the
/// playlist's.
pub async fn fetch_remote_playlist(
    state: &Instance,
    url: &str,
    origin_host: Option<&str>,
) -> FedResult<i64> {
    let host = url_host(url).ok_or_else(|| FedError::Refused(format!("bad URL {url}")))?;
    if origin_host.is_some_and(|o| o != host) {
        return Err(FedError::Refused(format!(
            "playlist {url} is not on {host}"
        )));
    }
    if host == state.host {
        return Err(FedError::Refused(
            "a remote copy of our own playlist".into(),
        ));
    }
    if super::blocklist::is_blocked_host(state, &host).await? {
        return Err(FedError::Refused(format!("{host} is blocked")));
    }
    let signer = instance_signer(state).await?;
    let client = &state.federation.client;
    let doc = client.get_activity_json(url, Some(&signer)).await?;
    if str_of(&doc, "type") != Some("Playlist") || str_of(&doc, "id") != Some(url) {
        return Err(FedError::Refused(format!("{url} is not a Playlist")));
    }
    let to = urls_of(doc.get("to"));
    let cc = urls_of(doc.get("cc"));
    let privacy = if to.iter().any(|t| t == PUBLIC) {
        PLAYLIST_PUBLIC
    } else if cc.iter().any(|t| t == PUBLIC) {
        PLAYLIST_UNLISTED
    } else {
        return Err(FedError::Refused(
            "playlist is neither public nor unlisted".into(),
        ));
    };
    let channel_url = urls_of(doc.get("attributedTo"))
        .into_iter()
        .find(|u| url_host(u).as_deref() == Some(host.as_str()))
        .ok_or_else(|| FedError::Refused("playlist without a channel on its host".into()))?;
    let channel = remote_actor(state, &channel_url, false).await?;
    let channel_id = channel
        .channel_id
        .ok_or_else(|| FedError::Refused(format!("{channel_url} is not a channel")))?;
    let account_id = state
        .db
        .channel_by_id(channel_id)
        .await?
        .map(|c| c.account_id)
        .ok_or_else(|| FedError::Refused("unknown channel".into()))?;
    let name: String = str_of(&doc, "name")
        .unwrap_or_default()
        .chars()
        .take(120)
        .collect();
    if name.trim().is_empty() {
        return Err(FedError::Refused("playlist without a name".into()));
    }
    let description: Option<String> =
        str_of(&doc, "content").map(|d| d.chars().take(1000).collect());
    let uuid = str_of(&doc, "uuid")
        .and_then(|u| uuid::Uuid::parse_str(u).ok())
        .map(|u| u.to_string())
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    let now = now_ms();
    let created = str_of(&doc, "published").and_then(parse_iso).unwrap_or(now);
    let updated = str_of(&doc, "updated").and_then(parse_iso).unwrap_or(now);
    let icon = doc
        .get("icon")
        .and_then(|i| i.get("url"))
        .and_then(Value::as_str)
        .filter(|u| url_host(u).is_some());

    // Element URLs, page after page.
    let mut element_urls: Vec<Value> = Vec::new();
    let mut next = str_of(&doc, "first").map(str::to_owned);
    let mut pages = 0;
    while let Some(page_url) = next.take() {
        pages += 1;
        if pages > 50 || element_urls.len() >= MAX_REMOTE_ELEMENTS {
            break;
        }
        if url_host(&page_url).as_deref() != Some(host.as_str()) {
            break;
        }
        let page = client.get_activity_json(&page_url, Some(&signer)).await?;
        let parsed = parse_collection(&page)?;
        element_urls.extend(parsed.items);
        next = parsed.next.filter(|n| *n != page_url);
    }
    element_urls.truncate(MAX_REMOTE_ELEMENTS);

    let mut elements: Vec<(String, i64, Option<i64>, Option<i64>)> = Vec::new();
    for item in element_urls {
        let el = match &item {
            Value::String(u) if url_host(u).as_deref() == Some(host.as_str()) => {
                match client.get_activity_json(u, Some(&signer)).await {
                    Ok(d) => d,
                    Err(e) => {
                        warn!(element = %u, error = %e, "playlist element not fetched");
                        continue;
                    }
                }
            }
            Value::Object(_) => item.clone(),
            _ => continue,
        };
        if str_of(&el, "type") != Some("PlaylistElement") {
            continue;
        }
        let (Some(el_id), Some(video_url)) = (str_of(&el, "id"), str_of(&el, "url")) else {
            continue;
        };
        if url_host(el_id).as_deref() != Some(host.as_str()) {
            continue;
        }
        let video_id = match fetch_remote_video(state, video_url, false).await {
            Ok(id) => id,
            Err(e) => {
                warn!(video = %video_url, error = %e, "video of a playlist element not fetched");
                continue;
            }
        };
        let ts = |k: &str| el.get(k).and_then(Value::as_i64).filter(|n| *n >= 0);
        elements.push((
            el_id.to_owned(),
            video_id,
            ts("startTimestamp"),
            ts("stopTimestamp"),
        ));
    }

    let fields = NewPlaylist {
        uuid: &uuid,
        url: Some(url),
        account_id,
        channel_id: Some(channel_id),
        name: &name,
        description: description.as_deref(),
        privacy,
        playlist_type: PLAYLIST_REGULAR,
        thumbnail_url: icon,
        created_at: created,
        updated_at: updated,
    };
    let id = match state.db.playlist_by_url(url).await? {
        Some(existing) => {
            if existing.account_id != account_id {
                return Err(FedError::Refused(
                    "playlist moved to another account".into(),
                ));
            }
            state.db.update_playlist(existing.id, &fields).await?;
            existing.id
        }
        None => match state.db.insert_playlist(&fields).await {
            Ok(id) => id,
            // Another uuid clash (or a race with a concurrent fetch): keep a fresh uuid.
            Err(ferrotube_db::DbError::Conflict(_)) => {
                if let Some(p) = state.db.playlist_by_url(url).await? {
                    p.id
                } else {
                    let fresh = uuid::Uuid::new_v4().to_string();
                    state
                        .db
                        .insert_playlist(&NewPlaylist {
                            uuid: &fresh,
                            ..fields
                        })
                        .await?
                }
            }
            Err(e) => return Err(e.into()),
        },
    };
    let new: Vec<NewElement<'_>> = elements
        .iter()
        .map(|(u, v, s, e)| NewElement {
            url: Some(u.as_str()),
            video_id: *v,
            start_timestamp: *s,
            stop_timestamp: *e,
        })
        .collect();
    state.db.replace_playlist_elements(id, &new, now).await?;
    info!(%url, elements = new.len(), "remote playlist stored");
    Ok(id)
}

/// `Create` / `Update` of a `Playlist`: the object is fetched again from its origin (what an
/// activity embeds is not trusted for the elements, which it does not carry anyway).
pub async fn on_playlist(
    state: &Instance,
    actor: &str,
    obj: &Value,
    actor_host: &str,
) -> FedResult<()> {
    let url = str_of(obj, "id").ok_or_else(|| FedError::Refused("playlist without id".into()))?;
    if url_host(url).as_deref() != Some(actor_host)
        || url_host(actor).as_deref() != Some(actor_host)
    {
        return Err(FedError::Refused(
            "playlist is not on its actor's host".into(),
        ));
    }
    fetch_remote_playlist(state, url, Some(actor_host)).await?;
    Ok(())
}

/// `Delete` of a remote playlist, by its account or channel on its host; `false` when `url` is
/// no playlist known here.
pub async fn on_playlist_delete(
    state: &Instance,
    url: &str,
    by_account: Option<i64>,
    by_channel: Option<i64>,
    same_host: bool,
) -> FedResult<bool> {
    let Some(p) = state.db.playlist_by_url(url).await? else {
        return Ok(false);
    };
    let owner =
        by_account == Some(p.account_id) || (by_channel.is_some() && by_channel == p.channel_id);
    if !same_host || !owner {
        return Err(FedError::Refused(format!(
            "the sender does not own the playlist {url}"
        )));
    }
    state.db.delete_playlist(p.id).await?;
    info!(%url, "remote playlist deleted");
    Ok(true)
}

/// Fetches the playlists the `playlists` collections of these (remote, `host`) actors list.
/// Failures are logged: what was found is kept.
pub async fn crawl_actors_playlists(
    state: &Instance,
    actors: &std::collections::BTreeSet<String>,
    host: &str,
) {
    for actor in actors.iter().take(MAX_CRAWLED_ACTORS) {
        if url_host(actor).as_deref() != Some(host) {
            continue;
        }
        match crawl_actor_playlists(state, actor, host).await {
            Ok(n) if n > 0 => info!(%actor, playlists = n, "playlists crawled"),
            Ok(_) => {}
            Err(e) => warn!(%actor, error = %e, "playlists not crawled"),
        }
    }
}

async fn crawl_actor_playlists(state: &Instance, actor: &str, host: &str) -> FedResult<usize> {
    let signer = instance_signer(state).await?;
    let client = &state.federation.client;
    let doc = client.get_activity_json(actor, Some(&signer)).await?;
    let Some(collection) =
        str_of(&doc, "playlists").filter(|u| url_host(u).as_deref() == Some(host))
    else {
        return Ok(0);
    };
    let mut urls: Vec<String> = Vec::new();
    let mut next = Some(collection.to_owned());
    let mut pages = 0;
    while let Some(page_url) = next.take() {
        pages += 1;
        if pages > 20 || urls.len() >= MAX_PLAYLISTS_PER_ACTOR {
            break;
        }
        let page = client.get_activity_json(&page_url, Some(&signer)).await?;
        let parsed = parse_collection(&page)?;
        urls.extend(parsed.items.iter().filter_map(|i| match i {
            Value::String(s) => Some(s.clone()),
            other => str_of(other, "id").map(str::to_owned),
        }));
        next = parsed
            .next
            .filter(|n| *n != page_url && url_host(n).as_deref() == Some(host));
    }
    let mut n = 0;
    for url in urls.iter().take(MAX_PLAYLISTS_PER_ACTOR) {
        if state.db.playlist_by_url(url).await?.is_some() {
            continue;
        }
        match fetch_remote_playlist(state, url, Some(host)).await {
            Ok(_) => n += 1,
            Err(e) => warn!(playlist = %url, error = %e, "playlist not fetched"),
        }
    }
    Ok(n)
}
