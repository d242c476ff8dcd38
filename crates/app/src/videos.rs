//! Videos as the instance's rules see them: who may read or manage one, how `{id}` resolves,
//! the editable fields and their checks.

use crate::error::{Error, ParamLocation, Result};
use crate::Instance;
use ferrotube_db::users::UserRow;
use ferrotube_db::videos::{VideoRow, VideoUpdate};
use ferrotube_model::timefmt::{now_ms, parse_iso};
use ferrotube_model::{uuid_from_short, validate, Privacy, UserRole, VideoState};
use serde::Deserialize;
use serde_json::json;

pub fn is_owner(v: &VideoRow, user: Option<&UserRow>) -> bool {
    user.is_some_and(|u| v.account_user_id == Some(u.id))
}

pub fn is_moderator(user: Option<&UserRow>) -> bool {
    user.map(|u| u.role).is_some_and(UserRole::moderates_videos)
}

/// Whether `user` (None: anonymous) may read `v` and its files. `Err` carries the status to answer.
pub fn visible_to(v: &VideoRow, user: Option<&UserRow>) -> Result<()> {
    if is_owner(v, user) || is_moderator(user) {
        return Ok(());
    }
    // A blocked video is its owner's and the moderators' only (PeerTube's
    // `checkCanSeeUserAuthVideo`): sign in first, then 403.
    if v.blacklisted {
        return Err(match user {
            None => Error::unauthorized("Cannot get this video without authentication"),
            Some(_) => Error::forbidden("Cannot get this blocked video"),
        });
    }
    // A banned user's videos go with them, for as long as the ban lasts.
    if v.owner_banned {
        return Err(match user {
            None => Error::unauthorized("Cannot get this video without authentication"),
            Some(_) => Error::forbidden("Cannot get this video: its owner is banned"),
        });
    }
    let privacy = v.privacy;
    match privacy {
        Privacy::Public | Privacy::Unlisted => {}
        Privacy::Internal if user.is_some() => {}
        _ if user.is_none() => {
            return Err(Error::unauthorized(
                "Cannot get this video without authentication",
            ))
        }
        _ => return Err(Error::forbidden("Cannot get this private video")),
    }
    playable_check(v)
}

/// Whether a video a client may read is far enough along to be shown.
pub fn playable_check(v: &VideoRow) -> Result<()> {
    let playable = v.state == VideoState::Published
        || (v.state == VideoState::ToTranscode && !v.wait_transcoding);
    if !playable {
        return Err(Error::forbidden(
            "Cannot get this video: it is not published yet",
        ));
    }
    Ok(())
}

/// Resolves `{id}` as PeerTube does: numeric id, uuid, or shortUUID (a trailing slash is fine).
pub async fn find_video(state: &Instance, id: &str) -> Result<VideoRow> {
    let id = id.trim_end_matches('/');
    let found = if let Ok(n) = id.parse::<i64>() {
        state.db.video_by_id(n).await?
    } else if let Ok(u) = uuid::Uuid::parse_str(id) {
        state.db.video_by_uuid(&u.to_string()).await?
    } else if let Some(u) = uuid_from_short(id) {
        state.db.video_by_uuid(&u.to_string()).await?
    } else {
        return Err(Error::bad_param(
            "id",
            id,
            "Should have a valid id",
            ParamLocation::Params,
        ));
    };
    found.ok_or_else(|| Error::not_found("Video not found"))
}

/// PeerTube's video password rules for a list (`isValidPasswordProtectedPrivacy`).
pub fn check_password_list(passwords: Option<&[String]>) -> Result<()> {
    let Some(list) = passwords else {
        return Err(Error::bad_request("Video passwords are missing."));
    };
    if list.is_empty() {
        return Err(Error::bad_request(
            "At least one video password is required.",
        ));
    }
    let unique: std::collections::HashSet<&String> = list.iter().collect();
    if unique.len() != list.len() {
        return Err(Error::bad_request(
            "Duplicate video passwords are not allowed.",
        ));
    }
    for p in list {
        check_password(p)?;
    }
    Ok(())
}

pub fn check_password(p: &str) -> Result<()> {
    let n = p.chars().count();
    if !(2..100).contains(&n) {
        return Err(Error::bad_request(
            "Invalid video password. Video password must be between 2 and 100 characters long.",
        ));
    }
    Ok(())
}

/// After a video's privacy or password list changed in an update: a video leaving privacy 5
/// loses its passwords; one given passwords (checked by the caller) gets exactly those.
async fn passwords_after_update(
    state: &Instance,
    video_id: i64,
    new_privacy: Option<i64>,
    passwords: Option<&[String]>,
) -> Result<()> {
    match (new_privacy, passwords) {
        (Some(p), _) if p != Privacy::PasswordProtected.id() => {
            state
                .db
                .set_video_passwords(video_id, &[], now_ms())
                .await?;
        }
        (_, Some(list)) => {
            state
                .db
                .set_video_passwords(video_id, list, now_ms())
                .await?;
        }
        _ => {}
    }
    Ok(())
}

/// Checks that `user` may change `v` (owner, or a moderator).
pub fn can_manage(v: &VideoRow, user: &UserRow) -> Result<()> {
    if is_owner(v, Some(user)) || is_moderator(Some(user)) {
        Ok(())
    } else {
        Err(Error::forbidden("Cannot manage a video of another user"))
    }
}

/// For fields that may be cleared: absent is `None` (unchanged), `null` is `Some(None)`
/// (cleared), a value is `Some(Some(v))`. (Serde's own `Option<Option<T>>` reads `null` as absent.)
pub fn present_or_null<'de, D, T>(d: D) -> std::result::Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

/// The body of `PUT /videos/{id}` (JSON or multipart fields, already collected).
#[derive(Deserialize, Default, Debug)]
#[serde(rename_all = "camelCase")]
pub struct VideoFields {
    pub name: Option<String>,
    pub channel_id: Option<i64>,
    pub privacy: Option<i64>,
    #[serde(default, deserialize_with = "present_or_null")]
    pub category: Option<Option<i64>>,
    #[serde(default, deserialize_with = "present_or_null")]
    pub licence: Option<Option<i64>>,
    #[serde(default, deserialize_with = "present_or_null")]
    pub language: Option<Option<String>>,
    #[serde(default, deserialize_with = "present_or_null")]
    pub description: Option<Option<String>>,
    #[serde(default, deserialize_with = "present_or_null")]
    pub support: Option<Option<String>>,
    pub tags: Option<Vec<String>>,
    pub nsfw: Option<bool>,
    pub comments_enabled: Option<bool>,
    pub comments_policy: Option<i64>,
    pub download_enabled: Option<bool>,
    pub wait_transcoding: Option<bool>,
    #[serde(default, deserialize_with = "present_or_null")]
    pub originally_published_at: Option<Option<String>>,
    /// Passwords of a password-protected video (privacy 5), required with that privacy.
    pub video_passwords: Option<Vec<String>>,
}

impl VideoFields {
    /// Validates every present field with PeerTube's rules.
    pub fn validate(&self) -> Result<()> {
        if let Some(n) = &self.name {
            validate::video_name(n)?;
        }
        if let Some(Some(c)) = self.category {
            validate::category(c)?;
        }
        if let Some(Some(l)) = self.licence {
            validate::licence(l)?;
        }
        if let Some(Some(l)) = &self.language {
            validate::language(l)?;
        }
        if let Some(Some(d)) = &self.description {
            validate::video_description(d)?;
        }
        if let Some(Some(s)) = &self.support {
            validate::video_support(s)?;
        }
        if let Some(t) = &self.tags {
            validate::tags(t)?;
        }
        if let Some(p) = self.privacy {
            if Privacy::from_id(p).is_none() {
                return Err(Error::bad_param(
                    "privacy",
                    &p.to_string(),
                    "Should have a valid privacy",
                    ParamLocation::Body,
                ));
            }
        }
        if self.privacy == Some(Privacy::PasswordProtected.id()) {
            check_password_list(self.video_passwords.as_deref())?;
        } else if let Some(list) = &self.video_passwords {
            for p in list {
                check_password(p)?;
            }
        }
        if let Some(c) = self.comments_policy {
            if ferrotube_model::CommentsPolicy::from_id(c).is_none() {
                return Err(Error::bad_param(
                    "commentsPolicy",
                    &c.to_string(),
                    "Should have a valid comments policy",
                    ParamLocation::Body,
                ));
            }
        }
        if let Some(Some(d)) = &self.originally_published_at {
            if parse_iso(d).is_none() {
                return Err(Error::bad_param(
                    "originallyPublishedAt",
                    d,
                    "Should have a valid original publication date",
                    ParamLocation::Body,
                ));
            }
        }
        Ok(())
    }

    pub fn comments_policy_id(&self) -> Option<i64> {
        self.comments_policy
            .or(self.comments_enabled.map(|e| if e { 1 } else { 2 }))
    }
}

/// Checks that `channel_id` is one of `user`'s channels.
pub async fn owned_channel(state: &Instance, user: &UserRow, channel_id: i64) -> Result<()> {
    match state.db.channel_by_id(channel_id).await? {
        Some(c) if c.account_id == user.account_id => Ok(()),
        Some(_) => Err(Error::forbidden("Cannot use a channel of another user")),
        None => Err(Error::bad_param(
            "channelId",
            &channel_id.to_string(),
            "Should have correct video channel id",
            ParamLocation::Body,
        )),
    }
}

/// Extensions PeerTube accepts for video files (its `video.file.extensions`).
pub const VIDEO_EXTENSIONS: &[&str] = &[
    "webm", "ogv", "ogg", "mp4", "mkv", "mov", "qt", "mqv", "m4v", "flv", "f4v", "wmv", "avi",
    "3gp", "3gpp", "3g2", "3gpp2", "nut", "mts", "m2ts", "mpv", "m2v", "m1v", "mpg", "mpe", "mpeg",
    "vob", "mxf", "mp3", "wma", "wav", "flac", "aac", "m4a", "ac3",
];

pub fn parse_fields(raw: &serde_json::Map<String, serde_json::Value>) -> Result<VideoFields> {
    // Clients send numbers as strings in multipart and sometimes in JSON; accept both.
    let mut m = raw.clone();
    for key in [
        "channelId",
        "privacy",
        "category",
        "licence",
        "commentsPolicy",
    ] {
        if let Some(serde_json::Value::String(s)) = m.get(key) {
            let parsed = if s.is_empty() {
                serde_json::Value::Null
            } else {
                s.parse::<i64>().map(serde_json::Value::from).map_err(|_| {
                    Error::bad_param(
                        key,
                        s,
                        format!("Should have a valid {key}"),
                        ParamLocation::Body,
                    )
                })?
            };
            m.insert(key.into(), parsed);
        }
    }
    for key in [
        "nsfw",
        "commentsEnabled",
        "downloadEnabled",
        "waitTranscoding",
    ] {
        if let Some(serde_json::Value::String(s)) = m.get(key) {
            let b = match s.as_str() {
                "true" | "1" => true,
                "false" | "0" => false,
                _ => {
                    return Err(Error::bad_param(
                        key,
                        s,
                        format!("Should have a boolean {key}"),
                        ParamLocation::Body,
                    ))
                }
            };
            m.insert(key.into(), serde_json::Value::Bool(b));
        }
    }
    for key in ["tags", "videoPasswords"] {
        if let Some(serde_json::Value::String(s)) = m.get(key) {
            m.insert(key.into(), json!([s]));
        }
    }
    serde_json::from_value(serde_json::Value::Object(m))
        .map_err(|e| Error::bad_request(format!("Incorrect request parameters: {e}")))
}

/// Changes a local video's fields (and custom images), then tells public reads and the
/// video's audience. `user` must manage the video and own a new channel.
pub async fn update(
    instance: &Instance,
    user: &UserRow,
    v: &VideoRow,
    f: &VideoFields,
    thumbnail: Option<&std::path::Path>,
    preview: Option<&std::path::Path>,
) -> Result<()> {
    f.validate()?;
    can_manage(v, user)?;
    if !v.is_local() {
        return Err(Error::forbidden(
            "Cannot update a video of another instance",
        ));
    }
    if let Some(c) = f.channel_id {
        owned_channel(instance, user, c).await?;
    }
    let update = VideoUpdate {
        name: f.name.clone(),
        description: f.description.clone(),
        support: f.support.clone(),
        category: f.category,
        licence: f.licence,
        language: f.language.clone(),
        privacy: f.privacy,
        nsfw: f.nsfw,
        comments_policy: f.comments_policy_id(),
        download_enabled: f.download_enabled,
        wait_transcoding: f.wait_transcoding,
        originally_published_at: f
            .originally_published_at
            .as_ref()
            .map(|o| o.as_deref().and_then(parse_iso)),
        channel_id: f.channel_id,
        tags: f.tags.clone(),
        ..Default::default()
    };
    // A list for a video that stays or becomes password protected; PeerTube ignores one sent
    // for another privacy.
    let protected = f.privacy.unwrap_or(v.privacy.id()) == Privacy::PasswordProtected.id();
    if protected && (v.privacy != Privacy::PasswordProtected || f.video_passwords.is_some()) {
        check_password_list(f.video_passwords.as_deref())?;
    }
    instance.db.update_video(v.id, &update, now_ms()).await?;
    crate::object_storage::privacy_changed(instance, v, f.privacy).await;
    passwords_after_update(
        instance,
        v.id,
        f.privacy,
        f.video_passwords.as_deref().filter(|_| protected),
    )
    .await?;
    if let Some(d) = &f.description {
        crate::captions::store::chapters_follow_description(
            instance,
            v.id,
            v.description.as_deref(),
            d.as_deref(),
        )
        .await?;
    }
    crate::images::apply_custom_images(instance, v.id, thumbnail, preview).await?;
    instance.videos_changed();
    crate::federation::outbox::video_changed(instance, v.id, false).await;
    Ok(())
}

/// Deletes a video (ours: with its files; a remote one: our copy), telling its audience first.
pub async fn delete(instance: &Instance, user: &UserRow, v: &VideoRow) -> Result<()> {
    can_manage(v, user)?;
    let files = instance.db.video_files(v.id).await?;
    // The Delete is queued before the rows go: its audience is read from them.
    crate::federation::outbox::video_deleted(instance, v).await;
    instance.db.delete_video(v.id).await?;
    instance.videos_changed();
    if v.is_local() {
        crate::transcode::remove_video_files(instance, v, &files).await;
    } else {
        crate::captions::store::remove_files(instance, &v.uuid).await;
    }
    Ok(())
}

/// Counts a view from `ip` (once per address and video per hour); a remote video's view is
/// counted at its origin, which federates the new count back.
pub async fn add_view(
    instance: &Instance,
    user: Option<&UserRow>,
    ip: std::net::IpAddr,
    v: &VideoRow,
) -> Result<()> {
    visible_to(v, user)?;
    if instance.first_view(ip, v.id).await {
        if v.is_local() {
            instance.db.add_view(v.id).await?;
        } else {
            crate::federation::outbox::view_remote_video(instance, v).await;
        }
    }
    Ok(())
}

/// A rating of a video.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rating {
    Like,
    Dislike,
}

impl Rating {
    pub fn as_str(self) -> &'static str {
        match self {
            Rating::Like => "like",
            Rating::Dislike => "dislike",
        }
    }
}

/// Sets (or with `None`, removes) `user`'s rating of `v`; a remote video's origin is told.
pub async fn rate(
    instance: &Instance,
    user: &UserRow,
    v: &VideoRow,
    rating: Option<Rating>,
) -> Result<()> {
    visible_to(v, Some(user))?;
    let rate = rating.map(Rating::as_str);
    let before = instance.db.rate_of(user.account_id, v.id).await?;
    instance
        .db
        .set_rate(user.account_id, v.id, rate, now_ms())
        .await?;
    instance.videos_changed();
    if !v.is_local() && before.as_deref() != rate {
        crate::federation::outbox::rate_remote_video(
            instance,
            v,
            user.account_id,
            before.as_deref(),
            rate,
        )
        .await;
    }
    Ok(())
}
