//! Video playlists as the instance's rules see them: who may read or change one, how `{id}`
//! resolves, the checks of PeerTube's validators, element order, the "Watch later" playlist,
//! and the federation of every change (`federation::playlists`).

use crate::error::{Error, ParamLocation, Result};
use crate::images::{store_custom_image, ImageKind};
use crate::videos::{find_video, is_moderator};
use crate::Instance;
use ferrotube_db::playlists::{
    NewElement, NewPlaylist, PlaylistRow, PLAYLIST_PRIVATE, PLAYLIST_PUBLIC, PLAYLIST_REGULAR,
    PLAYLIST_UNLISTED, PLAYLIST_WATCH_LATER,
};
use ferrotube_db::users::UserRow;
use ferrotube_model::timefmt::now_ms;
use ferrotube_model::uuid_from_short;
use std::path::Path;

/// PeerTube's labels of playlist privacies.
pub fn privacy_label(id: i64) -> &'static str {
    match id {
        PLAYLIST_PUBLIC => "Public",
        PLAYLIST_UNLISTED => "Unlisted",
        _ => "Private",
    }
}

pub fn type_label(id: i64) -> &'static str {
    if id == PLAYLIST_WATCH_LATER {
        "Watch later"
    } else {
        "Regular"
    }
}

pub fn is_owner(p: &PlaylistRow, user: Option<&UserRow>) -> bool {
    user.is_some_and(|u| u.account_id == p.account_id)
}

/// How `{playlistId}` was written: an unlisted playlist is only found by its uuid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdKind {
    Number,
    Uuid,
}

/// Resolves `{playlistId}`: numeric id, uuid or shortUUID.
pub async fn find_playlist(state: &Instance, id: &str) -> Result<(PlaylistRow, IdKind)> {
    let id = id.trim_end_matches('/');
    let found = if let Ok(n) = id.parse::<i64>() {
        state
            .db
            .playlist_by_id(n)
            .await?
            .map(|p| (p, IdKind::Number))
    } else if let Ok(u) = uuid::Uuid::parse_str(id) {
        state
            .db
            .playlist_by_uuid(&u.to_string())
            .await?
            .map(|p| (p, IdKind::Uuid))
    } else if let Some(u) = uuid_from_short(id) {
        state
            .db
            .playlist_by_uuid(&u.to_string())
            .await?
            .map(|p| (p, IdKind::Uuid))
    } else {
        return Err(Error::bad_param(
            "playlistId",
            id,
            "Should have a valid playlist id",
            ParamLocation::Params,
        ));
    };
    found.ok_or_else(|| Error::not_found("Video playlist not found"))
}

/// Whether `user` (None: anonymous) may read `p` (PeerTube's rules: a private playlist is its
/// owner's; an unlisted one is read by its uuid only).
pub fn visible_to(p: &PlaylistRow, how: IdKind, user: Option<&UserRow>) -> Result<()> {
    if is_owner(p, user) || is_moderator(user) {
        return Ok(());
    }
    match p.privacy {
        PLAYLIST_PUBLIC => Ok(()),
        PLAYLIST_UNLISTED if how == IdKind::Uuid => Ok(()),
        PLAYLIST_UNLISTED => Err(Error::not_found("Video playlist not found")),
        _ if user.is_none() => Err(Error::unauthorized(
            "Cannot get this private video playlist without authentication",
        )),
        _ => Err(Error::forbidden("Cannot get this private video playlist.")),
    }
}

/// Checks that `user` may change `p`: ours, and its owner's (or a moderator's).
pub fn can_manage(p: &PlaylistRow, user: &UserRow) -> Result<()> {
    if !p.is_local() {
        return Err(Error::forbidden(
            "Cannot manage video playlist of another server.",
        ));
    }
    if !is_owner(p, Some(user)) && !is_moderator(Some(user)) {
        return Err(Error::forbidden(
            "Cannot manage video playlist of another user",
        ));
    }
    Ok(())
}

/// The editable fields as a create or update sends them (multipart or JSON, numbers as strings
/// or numbers). `None`: absent.
#[derive(Debug, Default)]
pub struct PlaylistFields {
    pub display_name: Option<String>,
    /// `Some(None)`: cleared.
    pub description: Option<Option<String>>,
    pub privacy: Option<i64>,
    /// `Some(None)`: removed from its channel.
    pub channel_id: Option<Option<i64>>,
}

fn text_field(raw: &serde_json::Map<String, serde_json::Value>, key: &str) -> Option<String> {
    raw.get(key).and_then(|v| match v {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    })
}

fn int_field(
    raw: &serde_json::Map<String, serde_json::Value>,
    key: &str,
    message: &str,
) -> Result<Option<Option<i64>>> {
    match raw.get(key) {
        None => Ok(None),
        Some(serde_json::Value::Null) => Ok(Some(None)),
        Some(serde_json::Value::String(s)) if s.is_empty() || s == "null" => Ok(Some(None)),
        Some(v) => {
            let n = match v {
                serde_json::Value::Number(n) => n.as_i64(),
                serde_json::Value::String(s) => s.trim().parse::<i64>().ok(),
                _ => None,
            };
            match n {
                Some(n) => Ok(Some(Some(n))),
                None => Err(Error::bad_param(
                    key,
                    &v.to_string(),
                    message,
                    ParamLocation::Body,
                )),
            }
        }
    }
}

/// Reads and checks the fields (PeerTube's lengths and enums).
pub fn parse_fields(raw: &serde_json::Map<String, serde_json::Value>) -> Result<PlaylistFields> {
    let mut f = PlaylistFields::default();
    if raw.contains_key("displayName") {
        let name = text_field(raw, "displayName").unwrap_or_default();
        let n = name.trim().chars().count();
        if n == 0 || name.chars().count() > 120 {
            return Err(Error::bad_param(
                "displayName",
                &name.chars().take(50).collect::<String>(),
                "Should have a valid display name",
                ParamLocation::Body,
            ));
        }
        f.display_name = Some(name.trim().to_string());
    }
    match raw.get("description") {
        None => {}
        Some(serde_json::Value::Null) => f.description = Some(None),
        Some(serde_json::Value::String(d)) if d.is_empty() => f.description = Some(None),
        Some(serde_json::Value::String(d)) => {
            if !(3..=1000).contains(&d.chars().count()) {
                return Err(Error::bad_param(
                    "description",
                    "",
                    "Should have a valid description",
                    ParamLocation::Body,
                ));
            }
            f.description = Some(Some(d.clone()));
        }
        Some(other) => {
            return Err(Error::bad_param(
                "description",
                &other.to_string(),
                "Should have a valid description",
                ParamLocation::Body,
            ))
        }
    }
    match int_field(raw, "privacy", "Should have correct playlist privacy")? {
        None => {}
        Some(Some(p)) if (PLAYLIST_PUBLIC..=PLAYLIST_PRIVATE).contains(&p) => f.privacy = Some(p),
        Some(p) => {
            return Err(Error::bad_param(
                "privacy",
                &format!("{p:?}"),
                "Should have correct playlist privacy",
                ParamLocation::Body,
            ))
        }
    }
    f.channel_id = int_field(
        raw,
        "videoChannelId",
        "Should have correct video channel id",
    )?;
    Ok(f)
}

/// `videoChannelId` must be one of the user's channels.
async fn check_channel(state: &Instance, user: &UserRow, channel_id: i64) -> Result<()> {
    match state.db.channel_by_id(channel_id).await? {
        Some(c) if c.account_id == user.account_id => Ok(()),
        Some(_) => Err(Error::forbidden(
            "Cannot use a video channel of another user",
        )),
        None => Err(Error::bad_param(
            "videoChannelId",
            &channel_id.to_string(),
            "Should have correct video channel id",
            ParamLocation::Body,
        )),
    }
}

fn public_needs_channel() -> Error {
    Error::bad_param(
        "videoChannelId",
        "",
        "Cannot set \"public\" a playlist that is not assigned to a channel.",
        ParamLocation::Body,
    )
}

/// Creates a regular playlist of `user`; answers `(id, uuid)`.
pub async fn create(
    state: &Instance,
    user: &UserRow,
    f: &PlaylistFields,
    thumbnail: Option<&Path>,
) -> Result<(i64, String)> {
    let Some(name) = f.display_name.as_deref() else {
        return Err(Error::bad_param(
            "displayName",
            "",
            "Should have a valid display name",
            ParamLocation::Body,
        ));
    };
    let privacy = f.privacy.unwrap_or(PLAYLIST_PRIVATE);
    let channel_id = f.channel_id.flatten();
    match channel_id {
        Some(c) => check_channel(state, user, c).await?,
        None if privacy == PLAYLIST_PUBLIC => return Err(public_needs_channel()),
        None => {}
    }
    if let Some(t) = thumbnail {
        crate::images::check_image(t, ImageKind::Thumbnail).await?;
    }
    let uuid = uuid::Uuid::new_v4().to_string();
    let now = now_ms();
    let id = state
        .db
        .insert_playlist(&NewPlaylist {
            uuid: &uuid,
            url: None,
            account_id: user.account_id,
            channel_id,
            name,
            description: f.description.clone().flatten().as_deref(),
            privacy,
            playlist_type: PLAYLIST_REGULAR,
            thumbnail_url: None,
            created_at: now,
            updated_at: now,
        })
        .await?;
    if let Some(t) = thumbnail {
        let stored = store_custom_image(state, t, ImageKind::Thumbnail).await?;
        state.db.set_playlist_thumbnail(id, &stored, now).await?;
    }
    crate::federation::playlists::playlist_changed(state, id, None).await;
    Ok((id, uuid))
}

/// Applies an update of `p` by `user`.
pub async fn update(
    state: &Instance,
    user: &UserRow,
    p: &PlaylistRow,
    f: &PlaylistFields,
    thumbnail: Option<&Path>,
) -> Result<()> {
    can_manage(p, user)?;
    if p.playlist_type == PLAYLIST_WATCH_LATER {
        return Err(Error::bad_request("Cannot update a watch later playlist."));
    }
    let channel_id = match f.channel_id {
        Some(Some(c)) => {
            check_channel(state, user, c).await?;
            Some(c)
        }
        Some(None) => None,
        None => p.channel_id,
    };
    let privacy = f.privacy.unwrap_or(p.privacy);
    if privacy == PLAYLIST_PUBLIC && channel_id.is_none() {
        return Err(public_needs_channel());
    }
    if let Some(t) = thumbnail {
        crate::images::check_image(t, ImageKind::Thumbnail).await?;
    }
    let now = now_ms();
    let description = match &f.description {
        Some(d) => d.clone(),
        None => p.description.clone(),
    };
    state
        .db
        .update_playlist(
            p.id,
            &NewPlaylist {
                uuid: &p.uuid,
                url: None,
                account_id: p.account_id,
                channel_id,
                name: f.display_name.as_deref().unwrap_or(&p.name),
                description: description.as_deref(),
                privacy,
                playlist_type: p.playlist_type,
                thumbnail_url: None,
                created_at: p.created_at,
                updated_at: now,
            },
        )
        .await?;
    if let Some(t) = thumbnail {
        let stored = store_custom_image(state, t, ImageKind::Thumbnail).await?;
        state.db.set_playlist_thumbnail(p.id, &stored, now).await?;
    }
    crate::federation::playlists::playlist_changed(state, p.id, Some(p)).await;
    Ok(())
}

pub async fn delete(state: &Instance, user: &UserRow, p: &PlaylistRow) -> Result<()> {
    can_manage(p, user)?;
    if p.playlist_type == PLAYLIST_WATCH_LATER {
        return Err(Error::bad_request("Cannot delete a watch later playlist."));
    }
    crate::federation::playlists::playlist_deleted(state, p).await;
    state.db.delete_playlist(p.id).await?;
    Ok(())
}

/// Start and stop of an element, in seconds.
#[derive(Debug, Default, Clone, Copy)]
pub struct Timestamps {
    pub start: Option<Option<i64>>,
    pub stop: Option<Option<i64>>,
}

pub fn parse_timestamps(raw: &serde_json::Map<String, serde_json::Value>) -> Result<Timestamps> {
    let mut t = Timestamps::default();
    for (key, slot) in [
        ("startTimestamp", &mut t.start),
        ("stopTimestamp", &mut t.stop),
    ] {
        let v = int_field(raw, key, &format!("Should have a valid {key}"))?;
        if let Some(Some(n)) = v {
            if n < 0 {
                return Err(Error::bad_param(
                    key,
                    &n.to_string(),
                    format!("Should have a valid {key}"),
                    ParamLocation::Body,
                ));
            }
        }
        *slot = v;
    }
    Ok(t)
}

/// Start before stop, both within the video.
fn check_timestamps(start: Option<i64>, stop: Option<i64>, duration: i64) -> Result<()> {
    let bad = |key: &str, n: i64| {
        Err(Error::bad_param(
            key,
            &n.to_string(),
            format!("Should have a valid {key}"),
            ParamLocation::Body,
        ))
    };
    if let Some(s) = start {
        if duration > 0 && s > duration {
            return bad("startTimestamp", s);
        }
    }
    if let Some(e) = stop {
        if (duration > 0 && e > duration) || start.is_some_and(|s| e <= s) {
            return bad("stopTimestamp", e);
        }
    }
    Ok(())
}

/// Adds a video (any id form) at the end of `p`; answers the element's id.
pub async fn add_element(
    state: &Instance,
    user: &UserRow,
    p: &PlaylistRow,
    video_id: &str,
    t: Timestamps,
) -> Result<i64> {
    can_manage(p, user)?;
    let well_formed = video_id.parse::<i64>().is_ok()
        || uuid::Uuid::parse_str(video_id).is_ok()
        || uuid_from_short(video_id).is_some();
    if !well_formed {
        return Err(Error::bad_param(
            "videoId",
            video_id,
            "Should have a valid video id",
            ParamLocation::Body,
        ));
    }
    let v = find_video(state, video_id).await?;
    crate::videos::visible_to(&v, Some(user))?;
    let (start, stop) = (t.start.flatten(), t.stop.flatten());
    check_timestamps(start, stop, v.duration)?;
    let now = now_ms();
    let id = state
        .db
        .add_playlist_element(
            p.id,
            &NewElement {
                url: None,
                video_id: v.id,
                start_timestamp: start,
                stop_timestamp: stop,
            },
            now,
        )
        .await?;
    state.db.touch_playlist(p.id, now).await?;
    crate::federation::playlists::playlist_changed(state, p.id, Some(p)).await;
    Ok(id)
}

async fn element_of(
    state: &Instance,
    p: &PlaylistRow,
    raw: &str,
) -> Result<ferrotube_db::playlists::ElementRow> {
    let id: i64 = raw.parse().map_err(|_| {
        Error::bad_param(
            "playlistElementId",
            raw,
            "Should have a valid playlist element id",
            ParamLocation::Params,
        )
    })?;
    state
        .db
        .playlist_element(id)
        .await?
        .filter(|e| e.playlist_id == p.id)
        .ok_or_else(|| Error::not_found("Video playlist element not found"))
}

pub async fn update_element(
    state: &Instance,
    user: &UserRow,
    p: &PlaylistRow,
    element: &str,
    t: Timestamps,
) -> Result<()> {
    can_manage(p, user)?;
    let e = element_of(state, p, element).await?;
    let start = t.start.unwrap_or(e.start_timestamp);
    let stop = t.stop.unwrap_or(e.stop_timestamp);
    let duration = state
        .db
        .video_by_id(e.video_id)
        .await?
        .map_or(0, |v| v.duration);
    check_timestamps(start, stop, duration)?;
    let now = now_ms();
    state
        .db
        .update_playlist_element(e.id, start, stop, now)
        .await?;
    state.db.touch_playlist(p.id, now).await?;
    crate::federation::playlists::playlist_changed(state, p.id, Some(p)).await;
    Ok(())
}

pub async fn remove_element(
    state: &Instance,
    user: &UserRow,
    p: &PlaylistRow,
    element: &str,
) -> Result<()> {
    can_manage(p, user)?;
    let e = element_of(state, p, element).await?;
    state
        .db
        .remove_playlist_element(p.id, e.id, now_ms())
        .await?;
    crate::federation::playlists::playlist_changed(state, p.id, Some(p)).await;
    Ok(())
}

/// A reorder request (PeerTube's: positions from 1; `insert_after` 0 puts the block first).
#[derive(Debug, Clone, Copy)]
pub struct Reorder {
    pub start: i64,
    pub insert_after: i64,
    pub length: i64,
}

pub fn parse_reorder(raw: &serde_json::Map<String, serde_json::Value>) -> Result<Reorder> {
    let need = |key: &str, min: i64, required: bool| -> Result<Option<i64>> {
        let v = int_field(raw, key, &format!("Should have a valid {key}"))?.flatten();
        match v {
            Some(n) if n >= min => Ok(Some(n)),
            None if !required => Ok(None),
            other => Err(Error::bad_param(
                key,
                &other.map(|n| n.to_string()).unwrap_or_default(),
                format!("Should have a valid {key}"),
                ParamLocation::Body,
            )),
        }
    };
    Ok(Reorder {
        start: need("startPosition", 1, true)?.unwrap_or(1),
        insert_after: need("insertAfterPosition", 0, true)?.unwrap_or(0),
        length: need("reorderLength", 1, false)?.unwrap_or(1),
    })
}

/// Moves the block `[start, start + length)` after `insert_after` (positions of the list
/// before the move); `None` when a position is past the end.
pub fn reordered(ids: &[i64], r: Reorder) -> Option<Vec<i64>> {
    let n = ids.len() as i64;
    if r.start > n || r.insert_after > n {
        return None;
    }
    let from = usize::try_from(r.start - 1).ok()?;
    let to = usize::try_from((r.start - 1 + r.length).min(n)).ok()?;
    let block: Vec<i64> = ids.get(from..to)?.to_vec();
    if r.insert_after >= r.start - 1 && r.insert_after <= r.start - 1 + r.length {
        return Some(ids.to_vec());
    }
    let mut rest: Vec<i64> = ids
        .iter()
        .enumerate()
        .filter(|(i, _)| *i < from || *i >= to)
        .map(|(_, id)| *id)
        .collect();
    let at = if r.insert_after == 0 {
        0
    } else {
        let anchor = *ids.get(usize::try_from(r.insert_after - 1).ok()?)?;
        rest.iter().position(|id| *id == anchor)? + 1
    };
    let tail = rest.split_off(at);
    rest.extend(block);
    rest.extend(tail);
    Some(rest)
}

fn past_the_end() -> Error {
    Error::bad_param(
        "startPosition",
        "",
        "Start position or insert after position is bigger than the playlist length",
        ParamLocation::Body,
    )
}

pub async fn reorder(state: &Instance, user: &UserRow, p: &PlaylistRow, r: Reorder) -> Result<()> {
    can_manage(p, user)?;
    let ids: Vec<i64> = state
        .db
        .playlist_elements(p.id)
        .await?
        .into_iter()
        .map(|x| x.id)
        .collect();
    let new = reordered(&ids, r).ok_or_else(past_the_end)?;
    state.db.set_playlist_order(p.id, &new, now_ms()).await?;
    crate::federation::playlists::playlist_changed(state, p.id, Some(p)).await;
    Ok(())
}

/// Reorders the playlists of a channel (their `videoChannelPosition`).
pub async fn reorder_channel(
    state: &Instance,
    user: &UserRow,
    channel: &ferrotube_db::accounts::ChannelRow,
    r: Reorder,
) -> Result<()> {
    if channel.host.is_some() {
        return Err(Error::forbidden(
            "Cannot manage a channel of another server",
        ));
    }
    if channel.account_id != user.account_id && !is_moderator(Some(user)) {
        return Err(Error::forbidden("Cannot manage a channel of another user"));
    }
    let ids = state.db.channel_playlist_ids(channel.id).await?;
    let new = reordered(&ids, r).ok_or_else(past_the_end)?;
    state.db.set_channel_playlist_order(&new).await?;
    Ok(())
}

/// The account's "Watch later" playlist, created the first time it is needed.
pub async fn ensure_watch_later(state: &Instance, account_id: i64) -> Result<i64> {
    Ok(state
        .db
        .ensure_watch_later(account_id, &uuid::Uuid::new_v4().to_string(), now_ms())
        .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(start: i64, insert_after: i64, length: i64) -> Reorder {
        Reorder {
            start,
            insert_after,
            length,
        }
    }

    #[test]
    fn reorders_as_peertube() {
        let ids = [10, 20, 30, 40, 50];
        assert_eq!(reordered(&ids, r(1, 3, 1)), Some(vec![20, 30, 10, 40, 50]));
        assert_eq!(reordered(&ids, r(4, 0, 2)), Some(vec![40, 50, 10, 20, 30]));
        assert_eq!(reordered(&ids, r(2, 5, 2)), Some(vec![10, 40, 50, 20, 30]));
        assert_eq!(reordered(&ids, r(5, 1, 1)), Some(vec![10, 50, 20, 30, 40]));
        assert_eq!(reordered(&ids, r(2, 2, 1)), Some(ids.to_vec()));
        assert_eq!(reordered(&ids, r(6, 0, 1)), None);
        assert_eq!(reordered(&ids, r(1, 6, 1)), None);
    }

    #[test]
    fn timestamps_within_the_video() {
        assert!(check_timestamps(Some(1), Some(2), 3).is_ok());
        assert!(check_timestamps(Some(2), Some(2), 3).is_err());
        assert!(check_timestamps(Some(4), None, 3).is_err());
        assert!(check_timestamps(None, Some(4), 3).is_err());
        assert!(check_timestamps(None, None, 0).is_ok());
    }
}
