//! Our playlists over ActivityPub, in PeerTube's dialect: public and unlisted ones are
//! `Playlist` objects (a collection whose pages list `PlaylistElement` URLs), sent to the
//! followers of their account, channel and instance as Create / Update / Delete. Remote
//! playlists: `remote_playlists`.

use super::actors::{account_actor, channel_actor, instance_actor};
use super::outbox::{activity, enqueue_deliveries};
use super::{FedError, FedResult, PUBLIC};
use crate::Instance;
use ferrotube_db::playlists::{
    ElementRow, PlaylistRow, PLAYLIST_PUBLIC, PLAYLIST_REGULAR, PLAYLIST_UNLISTED,
};
use ferrotube_federation::vocab::activity::{ActivityKind, ObjectRef};
use ferrotube_federation::vocab::context;
use ferrotube_model::timefmt::{iso, now_ms};
use serde_json::{json, Value};
use tracing::{info, warn};

/// Elements per page of our `Playlist` collections.
pub const PAGE_SIZE: i64 = 10;

pub fn playlist_url(state: &Instance, p: &PlaylistRow) -> String {
    p.url
        .clone()
        .unwrap_or_else(|| format!("{}/video-playlists/{}", state.url, p.uuid))
}

pub fn element_url(state: &Instance, p: &PlaylistRow, e: &ElementRow) -> String {
    e.url
        .clone()
        .unwrap_or_else(|| format!("{}/video-playlists/{}/videos/{}", state.url, p.uuid, e.id))
}

/// Whether a playlist of ours is shown to other instances: a regular one, public or unlisted,
/// in a channel.
pub fn federates(p: &PlaylistRow) -> bool {
    p.is_local()
        && p.playlist_type == PLAYLIST_REGULAR
        && matches!(p.privacy, PLAYLIST_PUBLIC | PLAYLIST_UNLISTED)
        && p.channel_id.is_some()
}

fn audience(state: &Instance, p: &PlaylistRow) -> (Vec<String>, Vec<String>) {
    let followers = format!("{}/followers", state.account_url(&p.account_name));
    if p.privacy == PLAYLIST_PUBLIC {
        (vec![PUBLIC.to_string()], vec![followers])
    } else {
        (vec![followers], vec![PUBLIC.to_string()])
    }
}

/// The elements of ours other instances may see: those whose video federates.
async fn shown_elements(state: &Instance, p: &PlaylistRow) -> FedResult<Vec<ElementRow>> {
    let mut out = Vec::new();
    for e in state.db.playlist_elements(p.id).await? {
        if let Some(v) = state.db.video_by_id(e.video_id).await? {
            if !v.is_local() || super::objects::federates(&v) {
                out.push(e);
            }
        }
    }
    Ok(out)
}

/// Our playlist as its `Playlist` object (without `@context`).
pub async fn playlist_object(state: &Instance, p: &PlaylistRow) -> FedResult<Value> {
    let id = playlist_url(state, p);
    let total = shown_elements(state, p).await?.len();
    let (to, cc) = audience(state, p);
    let channel_url = p
        .channel_name
        .as_deref()
        .map(|c| state.channel_url(c))
        .unwrap_or_default();
    let mut obj = json!({
        "to": to,
        "cc": cc,
        "id": id,
        "type": "Playlist",
        "totalItems": total,
        "first": format!("{id}?page=1"),
        "name": p.name,
        "content": p.description,
        "mediaType": "text/markdown",
        "uuid": p.uuid,
        "published": iso(p.created_at),
        "updated": iso(p.updated_at),
        "attributedTo": [channel_url],
    });
    let thumb = p.thumbnail_name.as_ref().or(p.first_thumbnail.as_ref());
    if let (Some(t), Some(m)) = (thumb, obj.as_object_mut()) {
        let (w, h) = ferrotube_media::THUMBNAIL_SIZE;
        m.insert(
            "icon".into(),
            json!({
                "type": "Image",
                "url": format!("{}/lazy-static/thumbnails/{t}", state.url),
                "mediaType": "image/jpeg",
                "width": w,
                "height": h,
            }),
        );
    }
    Ok(obj)
}

/// The `Playlist` document served at its URL.
pub async fn playlist_document(state: &Instance, p: &PlaylistRow) -> FedResult<Value> {
    Ok(context::with(
        context::playlist(),
        playlist_object(state, p).await?,
    ))
}

/// Page `page` (from 1) of the playlist: its element URLs.
pub async fn playlist_page(state: &Instance, p: &PlaylistRow, page: i64) -> FedResult<Value> {
    let id = playlist_url(state, p);
    let all = shown_elements(state, p).await?;
    let total = all.len() as i64;
    let page = page.max(1);
    let items: Vec<Value> = all
        .iter()
        .skip(usize::try_from((page - 1) * PAGE_SIZE).unwrap_or(usize::MAX))
        .take(PAGE_SIZE as usize)
        .map(|e| Value::String(element_url(state, p, e)))
        .collect();
    let next = (page * PAGE_SIZE < total).then(|| format!("{id}?page={}", page + 1));
    Ok(
        ferrotube_federation::vocab::collection::ordered_collection_page(
            &format!("{id}?page={page}"),
            &id,
            items,
            total,
            next.as_deref(),
        ),
    )
}

/// One of our elements as its `PlaylistElement` document; `None` when it is not shown.
pub async fn element_document(
    state: &Instance,
    p: &PlaylistRow,
    element_id: i64,
) -> FedResult<Option<Value>> {
    let all = shown_elements(state, p).await?;
    let Some((i, e)) = all.iter().enumerate().find(|(_, e)| e.id == element_id) else {
        return Ok(None);
    };
    let Some(v) = state.db.video_by_id(e.video_id).await? else {
        return Ok(None);
    };
    Ok(Some(context::with(
        context::playlist(),
        json!({
            "id": element_url(state, p, e),
            "type": "PlaylistElement",
            "url": super::objects::video_url(state, &v),
            "position": i + 1,
            "startTimestamp": e.start_timestamp,
            "stopTimestamp": e.stop_timestamp,
        }),
    )))
}

/// The actors whose followers hear about a playlist: its account, its channel, the instance.
async fn senders(
    state: &Instance,
    p: &PlaylistRow,
) -> FedResult<(ferrotube_db::federation::ActorRow, Vec<String>)> {
    let account = state
        .db
        .account_by_id(p.account_id)
        .await?
        .ok_or_else(|| FedError::Refused("playlist without account".into()))?;
    let account_actor = account_actor(state, &account).await?;
    let mut ids = vec![account_actor.id, instance_actor(state).await?.id];
    if let Some(c) = p.channel_id {
        if let Some(c) = state.db.channel_by_id(c).await? {
            ids.push(channel_actor(state, &c).await?.id);
        }
    }
    let inboxes = state.db.follower_inboxes(&ids).await?;
    Ok((account_actor, inboxes))
}

async fn send_delete(state: &Instance, p: &PlaylistRow) -> FedResult<()> {
    let (actor, inboxes) = senders(state, p).await?;
    let url = playlist_url(state, p);
    let body = activity(
        ActivityKind::Delete,
        format!("{url}/delete/{}", now_ms()),
        &actor.url,
        ObjectRef::Url(url),
        vec![PUBLIC.to_string()],
        Vec::new(),
    );
    enqueue_deliveries(state, &actor, &body, inboxes).await?;
    Ok(())
}

async fn send_changed(state: &Instance, id: i64, before: Option<&PlaylistRow>) -> FedResult<()> {
    let Some(p) = state.db.playlist_by_id(id).await? else {
        return Ok(());
    };
    let was_shown = before.is_some_and(federates);
    if !federates(&p) {
        if was_shown {
            // Turned private (or out of its channel): the others forget it.
            return send_delete(state, &p).await;
        }
        return Ok(());
    }
    let (actor, inboxes) = senders(state, &p).await?;
    let obj = playlist_object(state, &p).await?;
    let (to, cc) = audience(state, &p);
    let url = playlist_url(state, &p);
    let (kind, activity_id) = if was_shown {
        (
            ActivityKind::Update,
            format!("{url}/updates/{}", iso(now_ms())),
        )
    } else {
        (ActivityKind::Create, format!("{url}/activity/{}", now_ms()))
    };
    let body = activity(kind, activity_id, &actor.url, ObjectRef::Other(obj), to, cc);
    let n = enqueue_deliveries(state, &actor, &body, inboxes).await?;
    info!(uuid = %p.uuid, deliveries = n, ?kind, "playlist federated");
    Ok(())
}

/// After a local playlist changed (`before`: as it was, `None` when just created): its Create,
/// Update or Delete goes to its audience.
pub async fn playlist_changed(state: &Instance, id: i64, before: Option<&PlaylistRow>) {
    if let Err(e) = send_changed(state, id, before).await {
        warn!(playlist = id, error = %e, "cannot federate the playlist");
    }
}

/// Before a local playlist's row goes: its audience is told to delete it.
pub async fn playlist_deleted(state: &Instance, p: &PlaylistRow) {
    if !federates(p) {
        return;
    }
    if let Err(e) = send_delete(state, p).await {
        warn!(uuid = %p.uuid, error = %e, "cannot federate the playlist deletion");
    }
}
