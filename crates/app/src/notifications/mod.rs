//! Users' notifications, as PeerTube has them: an [`Event`] (a video published, a comment, a
//! follow, an abuse report…) is queued as a durable `notify` job, in the event's own
//! transaction where there is one, else right after its commit. The job finds who is
//! concerned, reads each one's settings (a bit mask per kind: 1 web, 2 e-mail), stores the web
//! notifications and queues the mails in one transaction, then pushes the new notifications to
//! the open pages ([`hub`]). A crash before that commit leaves the job to run again; after it,
//! the mails are durable `email` jobs of their own.
//!
//! For other parts of the core: call [`notify`] (or [`queue_in`] inside a transaction) with an
//! [`Event`] built from ids.

pub mod hub;

use crate::error::{Error, Result};
use crate::mail::{self, Content};
use crate::Instance;
use ferrotube_db::accounts::{AccountRow, ActorImageKind, ChannelRow};
use ferrotube_db::videos::VideoRow;
use ferrotube_db::Tx;
use ferrotube_jobs::{JobContext, JobError, QueueError};
use ferrotube_model::timefmt::{iso, now_ms};
use ferrotube_model::{Privacy, VideoState};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

/// The job kind that turns an [`Event`] into notifications and mails.
pub const NOTIFY: &str = "notify";
const NOTIFY_PRIORITY: i64 = 15;

/// PeerTube's `UserNotificationType` numbers (those this instance makes).
pub mod kind {
    pub const NEW_VIDEO_FROM_SUBSCRIPTION: i64 = 1;
    pub const NEW_COMMENT_ON_MY_VIDEO: i64 = 2;
    pub const NEW_ABUSE_FOR_MODERATORS: i64 = 3;
    pub const MY_VIDEO_PUBLISHED: i64 = 6;
    pub const NEW_USER_REGISTRATION: i64 = 9;
    pub const NEW_FOLLOW: i64 = 10;
    pub const COMMENT_MENTION: i64 = 11;
    pub const NEW_INSTANCE_FOLLOWER: i64 = 13;
    pub const ABUSE_STATE_CHANGE: i64 = 15;
    pub const ABUSE_NEW_MESSAGE: i64 = 16;
    pub const NEW_USER_REGISTRATION_REQUEST: i64 = 20;
}

pub const WEB: i64 = 1;
pub const EMAIL: i64 = 2;

/// PeerTube's `UserNotificationSetting` fields and the defaults a new user gets.
pub const SETTINGS: [(&str, i64); 18] = [
    ("abuseAsModerator", WEB | EMAIL),
    ("videoAutoBlacklistAsModerator", WEB | EMAIL),
    ("newUserRegistration", WEB),
    ("newVideoFromSubscription", WEB),
    ("blacklistOnMyVideo", WEB | EMAIL),
    ("myVideoPublished", WEB),
    ("myVideoImportFinished", WEB),
    ("commentMention", WEB),
    ("newCommentOnMyVideo", WEB),
    ("newFollow", WEB),
    ("newInstanceFollower", WEB),
    ("autoInstanceFollowing", WEB),
    ("abuseStateChange", WEB | EMAIL),
    ("abuseNewMessage", WEB | EMAIL),
    ("newPeerTubeVersion", WEB | EMAIL),
    ("newPluginVersion", WEB),
    ("myVideoStudioEditionFinished", WEB),
    ("myVideoTranscriptionGenerated", WEB),
];

/// The fields PeerTube's validator requires in `PUT /users/me/notification-settings`.
const REQUIRED_SETTINGS: [&str; 12] = [
    "newVideoFromSubscription",
    "newCommentOnMyVideo",
    "abuseAsModerator",
    "videoAutoBlacklistAsModerator",
    "blacklistOnMyVideo",
    "myVideoImportFinished",
    "myVideoPublished",
    "commentMention",
    "newFollow",
    "newUserRegistration",
    "newInstanceFollower",
    "autoInstanceFollowing",
];

/// The setting that governs a notification type.
fn setting_of(kind: i64) -> &'static str {
    match kind {
        kind::NEW_VIDEO_FROM_SUBSCRIPTION => "newVideoFromSubscription",
        kind::NEW_COMMENT_ON_MY_VIDEO => "newCommentOnMyVideo",
        kind::NEW_ABUSE_FOR_MODERATORS => "abuseAsModerator",
        kind::MY_VIDEO_PUBLISHED => "myVideoPublished",
        kind::NEW_FOLLOW => "newFollow",
        kind::COMMENT_MENTION => "commentMention",
        kind::NEW_INSTANCE_FOLLOWER => "newInstanceFollower",
        kind::ABUSE_STATE_CHANGE => "abuseStateChange",
        kind::ABUSE_NEW_MESSAGE => "abuseNewMessage",
        // PeerTube governs registration requests with the same switch as registrations.
        _ => "newUserRegistration",
    }
}

/// Something users may be told about. Built from ids; the `notify` job reads the rest.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "kebab-case")]
pub enum Event {
    /// A local video was published (its transcoding is done): its owner, and when it is
    /// public the local subscribers of its channel.
    LocalVideoPublished { video_id: i64 },
    /// A remote video arrived published and public: the local subscribers of its channel.
    RemoteVideoArrived { video_id: i64 },
    /// A comment, local or remote: the video's local owner, the local accounts it mentions
    /// (`@name`, `@name@our-host`) and the local author of the comment it answers.
    /// A comment held for the owner's approval tells only the owner (so that they can approve
    /// it); the others are told when it is approved ([`Event::CommentApproved`]).
    NewComment { comment_id: i64 },
    /// A held comment was approved: the accounts it mentions and the author it answers (the
    /// owner was told when it arrived).
    CommentApproved { comment_id: i64 },
    /// A follow of a local account or channel (its owner), or of the instance (the
    /// administrators).
    NewFollow { follow_id: i64 },
    /// An abuse report, local or received: moderators and administrators.
    NewAbuse { abuse_id: i64 },
    /// The state of an abuse report changed: its local reporter.
    AbuseStateChanged { abuse_id: i64 },
    /// A message in a report's conversation: to the reporter when a moderator wrote it, to the
    /// moderators when the reporter did (never to its author).
    NewAbuseMessage {
        abuse_id: i64,
        author_account_id: i64,
    },
    /// A user signed up directly: moderators and administrators.
    NewUserRegistration { user_id: i64 },
    /// A registration waits for approval: moderators and administrators.
    NewRegistrationRequest {
        registration_id: i64,
        username: String,
    },
}

/// Queues `event` in the caller's transaction (wake the queue after the commit): the event
/// and its notifications stand or fall together.
pub async fn queue_in(state: &Instance, tx: &mut Tx, event: &Event) -> Result<(), QueueError> {
    state
        .queue
        .enqueue_in(tx, NOTIFY, event, NOTIFY_PRIORITY)
        .await?;
    Ok(())
}

/// Queues `event` after the commit of what caused it. A failure is logged, never the caller's
/// failure: the event itself happened.
pub async fn notify(state: &Instance, event: Event) {
    if let Err(e) = state.queue.enqueue(NOTIFY, &event, NOTIFY_PRIORITY).await {
        tracing::warn!(error = %e, ?event, "cannot queue the notification job");
    }
}

/// One notification to make: for whom, which type, what it shows, what its mail says.
struct Note {
    user_id: i64,
    kind: i64,
    payload: Value,
    title: String,
    line: String,
    link: String,
}

/// The `notify` job.
pub async fn run_notify(state: Instance, ctx: JobContext) -> Result<(), JobError> {
    let event: Event = serde_json::from_value(ctx.payload)
        .map_err(|e| JobError::Permanent(format!("bad notify job: {e}")))?;
    let notes = recipients(&state, &event)
        .await
        .map_err(|e| JobError::Retry(e.detail))?;
    // A video's publication is told once, whichever activity or job brings it first.
    let once = match event {
        Event::LocalVideoPublished { video_id } | Event::RemoteVideoArrived { video_id } => {
            Some(video_id)
        }
        _ => None,
    };
    deliver(&state, notes, once)
        .await
        .map_err(|e| JobError::Retry(e.detail))
}

async fn deliver(state: &Instance, notes: Vec<Note>, once_for_video: Option<i64>) -> Result<()> {
    if notes.is_empty() {
        return Ok(());
    }
    // Reads first, so the write transaction stays short (SQLite has one writer).
    let mut planned = Vec::with_capacity(notes.len());
    for n in notes {
        let Some(user) = state.db.user_by_id(n.user_id).await? else {
            continue;
        };
        let mask = setting_value(&settings(state, user.id).await?, setting_of(n.kind));
        if mask & (WEB | EMAIL) == 0 {
            continue;
        }
        planned.push((n, user, mask));
    }
    let now = now_ms();
    let mut tx = state.db.begin().await?;
    if let Some(video_id) = once_for_video {
        if !state
            .db
            .claim_publication_notice_in(&mut tx, video_id, now)
            .await?
        {
            return Ok(());
        }
    }
    let mut made = Vec::new();
    for (n, user, mask) in &planned {
        if mask & WEB != 0 {
            let row = state
                .db
                .insert_notification_in(&mut tx, user.id, n.kind, &n.payload.to_string(), now)
                .await?;
            made.push(row);
        }
        if mask & EMAIL != 0 {
            let email = mail::render(
                state,
                &user.email,
                &Content {
                    title: &n.title,
                    paragraphs: &[&n.line],
                    action: Some(("Open it", &n.link)),
                },
            );
            mail::queue_in(state, &mut tx, &email)
                .await
                .map_err(Error::internal)?;
        }
    }
    tx.commit().await?;
    state.queue.wake();
    for row in &made {
        let json = notification_json(row).to_string();
        // Pages open on this node, and (through Redis) on the others.
        state.bus.publish(crate::bus::Event::Notification {
            user_id: row.user_id,
            json: json.clone(),
        });
        state.notifications.publish(row.user_id, json);
    }
    tracing::info!(count = made.len(), "notifications made");
    Ok(())
}

fn setting_value(settings: &Map<String, Value>, field: &str) -> i64 {
    settings.get(field).and_then(Value::as_i64).unwrap_or(0)
}

/// PeerTube's `UserNotification` of a stored row.
pub fn notification_json(row: &ferrotube_db::notifications::NotificationRow) -> Value {
    let mut out = match serde_json::from_str::<Value>(&row.payload) {
        Ok(Value::Object(m)) => m,
        _ => Map::new(),
    };
    out.insert("id".into(), json!(row.id));
    out.insert("type".into(), json!(row.kind));
    out.insert("read".into(), json!(row.read));
    out.insert("createdAt".into(), json!(iso(row.created_at)));
    out.insert("updatedAt".into(), json!(iso(row.updated_at)));
    Value::Object(out)
}

/// A user's settings: PeerTube's defaults with what the user changed.
pub async fn settings(state: &Instance, user_id: i64) -> Result<Map<String, Value>> {
    let mut out: Map<String, Value> = SETTINGS
        .iter()
        .map(|(k, v)| ((*k).to_string(), json!(v)))
        .collect();
    if let Some(raw) = state.db.notification_settings(user_id).await? {
        if let Ok(Value::Object(stored)) = serde_json::from_str::<Value>(&raw) {
            for (k, v) in stored {
                if out.contains_key(&k) {
                    out.insert(k, v);
                }
            }
        }
    }
    Ok(out)
}

/// `PUT /users/me/notification-settings`: PeerTube requires its twelve historical fields and
/// takes the newer ones when given; each value is 0..=3 (none, web, e-mail, both).
pub async fn update_settings(state: &Instance, user_id: i64, body: &Value) -> Result<()> {
    let empty = Map::new();
    let given = body.as_object().unwrap_or(&empty);
    let mut current = settings(state, user_id).await?;
    for (field, _) in SETTINGS {
        let v = given.get(field);
        let valid = v
            .and_then(|v| {
                v.as_i64()
                    .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
            })
            .filter(|n| (0..=3).contains(n));
        match (v, valid) {
            (None, _) if !REQUIRED_SETTINGS.contains(&field) => {}
            (_, Some(n)) => {
                current.insert(field.to_string(), json!(n));
            }
            (v, None) => {
                return Err(Error::bad_param(
                    field,
                    &v.map(Value::to_string).unwrap_or_default(),
                    "Invalid value",
                    crate::ParamLocation::Body,
                ))
            }
        }
    }
    state
        .db
        .set_notification_settings(user_id, &Value::Object(current).to_string(), now_ms())
        .await?;
    Ok(())
}

fn local_part(name: &str) -> &str {
    name.split('@').next().unwrap_or(name)
}

fn avatars(state: &Instance, column: Option<&str>) -> (Value, Value) {
    let list: Vec<Value> = crate::actor_images::stored::parse(column)
        .iter()
        .map(|i| crate::actor_images::stored::image_json(&state.url, ActorImageKind::Avatar, i))
        .collect();
    let first = list.first().cloned().unwrap_or(Value::Null);
    (Value::Array(list), first)
}

/// PeerTube's `ActorInfo` of an account.
fn account_info(state: &Instance, a: &AccountRow) -> Value {
    let (list, first) = avatars(state, a.avatars.as_deref());
    json!({
        "id": a.id,
        "name": local_part(&a.name),
        "displayName": a.display_name,
        "host": a.host.clone().unwrap_or_else(|| state.host.clone()),
        "avatars": list,
        "avatar": first,
    })
}

/// PeerTube's `ActorInfo` of a channel.
fn channel_info(state: &Instance, c: &ChannelRow) -> Value {
    let (list, first) = avatars(state, c.avatars.as_deref());
    json!({
        "id": c.id,
        "name": local_part(&c.name),
        "displayName": c.display_name,
        "host": c.host.clone().unwrap_or_else(|| state.host.clone()),
        "avatars": list,
        "avatar": first,
    })
}

/// PeerTube's `VideoInfo`.
fn video_info(v: &VideoRow) -> Value {
    let short = uuid::Uuid::parse_str(&v.uuid)
        .map(|u| ferrotube_model::ids::short_uuid(&u))
        .unwrap_or_default();
    json!({ "id": v.id, "uuid": v.uuid, "shortUUID": short, "name": v.name })
}

fn watch_url(state: &Instance, v: &VideoRow) -> String {
    format!("{}/w/{}", state.url, v.uuid)
}

async fn video_with_channel(state: &Instance, v: &VideoRow) -> Result<Value> {
    let mut info = video_info(v);
    if let (Some(c), Some(o)) = (
        state.db.channel_by_id(v.channel_id).await?,
        info.as_object_mut(),
    ) {
        o.insert("channel".into(), channel_info(state, &c));
    }
    Ok(info)
}

/// Local users following the channel of `v`, but its owner.
async fn subscribers(state: &Instance, v: &VideoRow) -> Result<Vec<i64>> {
    let Some(actor) = state.db.actor_of_channel(v.channel_id).await? else {
        return Ok(Vec::new());
    };
    let mut users = state.db.local_follower_users(actor.id).await?;
    users.retain(|u| Some(*u) != v.account_user_id);
    Ok(users)
}

async fn staff(state: &Instance) -> Result<Vec<i64>> {
    Ok(state
        .db
        .users_with_role_at_most(ferrotube_model::UserRole::Moderator.id())
        .await?)
}

async fn recipients(state: &Instance, event: &Event) -> Result<Vec<Note>> {
    let mut notes = Vec::new();
    match event {
        Event::LocalVideoPublished { video_id } | Event::RemoteVideoArrived { video_id } => {
            let Some(v) = state.db.video_by_id(*video_id).await? else {
                return Ok(notes);
            };
            if v.state != VideoState::Published {
                return Ok(notes);
            }
            let video = video_with_channel(state, &v).await?;
            let link = watch_url(state, &v);
            if let (Event::LocalVideoPublished { .. }, Some(owner)) = (event, v.account_user_id) {
                notes.push(Note {
                    user_id: owner,
                    kind: kind::MY_VIDEO_PUBLISHED,
                    payload: json!({ "video": video }),
                    title: format!("Your video {} has been published", v.name),
                    line: format!("Your video {} is now online.", v.name),
                    link: link.clone(),
                });
            }
            if v.privacy == Privacy::Public {
                for user_id in subscribers(state, &v).await? {
                    notes.push(Note {
                        user_id,
                        kind: kind::NEW_VIDEO_FROM_SUBSCRIPTION,
                        payload: json!({ "video": video }),
                        title: format!("{} just published a new video", v.channel_display_name),
                        line: format!(
                            "Your subscription {} just published a new video: {}.",
                            v.channel_display_name, v.name
                        ),
                        link: link.clone(),
                    });
                }
            }
        }
        Event::NewComment { comment_id } => {
            comment_notes(state, *comment_id, false, &mut notes).await?
        }
        Event::CommentApproved { comment_id } => {
            comment_notes(state, *comment_id, true, &mut notes).await?
        }
        Event::NewFollow { follow_id } => follow_notes(state, *follow_id, &mut notes).await?,
        Event::NewAbuse { abuse_id }
        | Event::AbuseStateChanged { abuse_id }
        | Event::NewAbuseMessage { abuse_id, .. } => {
            let Some(a) = state.db.abuse_by_id(*abuse_id).await? else {
                return Ok(notes);
            };
            let mut abuse = Map::new();
            abuse.insert("id".into(), json!(a.id));
            abuse.insert("state".into(), json!(a.state));
            let mut link = format!("{}/admin/moderation/abuses/list", state.url);
            if let Some(v) = match a.video_id {
                Some(id) => state.db.video_by_id(id).await?,
                None => None,
            } {
                link = watch_url(state, &v);
                abuse.insert("video".into(), video_info(&v));
            }
            if let Some(c) = match a.comment_id {
                Some(id) => state.db.comment_by_id(id).await?,
                None => None,
            } {
                if let Some(v) = state.db.video_by_id(c.video_id).await? {
                    abuse.insert(
                        "comment".into(),
                        json!({ "threadId": c.root_id(), "video": video_info(&v) }),
                    );
                }
            }
            if let Some(acc) = match a.flagged_account_id {
                Some(id) => state.db.account_by_id(id).await?,
                None => None,
            } {
                abuse.insert("account".into(), account_info(state, &acc));
            }
            let reporter = match a.reporter_account_id {
                Some(id) => state.db.user_of_account(id).await?,
                None => None,
            };
            if let Event::NewAbuseMessage {
                author_account_id, ..
            } = event
            {
                let author = state.db.user_of_account(*author_account_id).await?;
                let to: Vec<i64> = if a.reporter_account_id == Some(*author_account_id) {
                    staff(state).await?
                } else {
                    reporter.into_iter().collect()
                };
                for user_id in to.into_iter().filter(|u| Some(*u) != author) {
                    notes.push(Note {
                        user_id,
                        kind: kind::ABUSE_NEW_MESSAGE,
                        payload: json!({ "abuse": abuse }),
                        title: "New message on an abuse report".into(),
                        line: format!("A new message was added to the abuse report #{}.", a.id),
                        link: link.clone(),
                    });
                }
            } else if matches!(event, Event::NewAbuse { .. }) {
                for user_id in staff(state).await? {
                    notes.push(Note {
                        user_id,
                        kind: kind::NEW_ABUSE_FOR_MODERATORS,
                        payload: json!({ "abuse": abuse }),
                        title: "New abuse report".into(),
                        line: format!("A new abuse report (#{}) was made.", a.id),
                        link: link.clone(),
                    });
                }
            } else if let Some(reporter) = reporter {
                notes.push(Note {
                    user_id: reporter,
                    kind: kind::ABUSE_STATE_CHANGE,
                    payload: json!({ "abuse": abuse }),
                    title: "Your abuse report changed state".into(),
                    line: format!("The state of your abuse report #{} changed.", a.id),
                    link,
                });
            }
        }
        Event::NewUserRegistration { user_id } => {
            let Some(u) = state.db.user_by_id(*user_id).await? else {
                return Ok(notes);
            };
            let Some(acc) = state.db.account_by_id(u.account_id).await? else {
                return Ok(notes);
            };
            for staff_id in staff(state).await? {
                notes.push(Note {
                    user_id: staff_id,
                    kind: kind::NEW_USER_REGISTRATION,
                    payload: json!({ "account": account_info(state, &acc) }),
                    title: "New user registration".into(),
                    line: format!("User {} just signed up.", u.username),
                    link: format!("{}/admin/users/list", state.url),
                });
            }
        }
        Event::NewRegistrationRequest {
            registration_id,
            username,
        } => {
            for staff_id in staff(state).await? {
                notes.push(Note {
                    user_id: staff_id,
                    kind: kind::NEW_USER_REGISTRATION_REQUEST,
                    payload: json!({ "registration": { "id": registration_id, "username": username } }),
                    title: "New registration request".into(),
                    line: format!("{username} wants to create an account."),
                    link: format!("{}/admin/moderation/registrations/list", state.url),
                });
            }
        }
    }
    Ok(notes)
}

/// Local accounts named in a comment: `@name` or `@name@our-host`.
fn mentioned_names(text: &str, our_host: &str) -> Vec<String> {
    let mut out = Vec::new();
    for word in text.split(|c: char| c.is_whitespace() || c == ',' || c == ';') {
        let Some(handle) = word.strip_prefix('@') else {
            continue;
        };
        let handle = handle.trim_end_matches(|c: char| !(c.is_alphanumeric() || c == '_'));
        let (name, host) = match handle.split_once('@') {
            Some((n, h)) => (n, Some(h)),
            None => (handle, None),
        };
        if name.is_empty() || host.is_some_and(|h| !h.eq_ignore_ascii_case(our_host)) {
            continue;
        }
        if !out.iter().any(|n: &String| n == name) {
            out.push(name.to_string());
        }
    }
    out
}

/// `approved`: the comment was held and is now approved; its owner was told already.
async fn comment_notes(
    state: &Instance,
    comment_id: i64,
    approved: bool,
    notes: &mut Vec<Note>,
) -> Result<()> {
    let Some(c) = state.db.comment_by_id(comment_id).await? else {
        return Ok(());
    };
    if c.deleted_at.is_some() {
        return Ok(());
    }
    let Some(v) = state.db.video_by_id(c.video_id).await? else {
        return Ok(());
    };
    let Some(author) = (match c.account_id {
        Some(id) => state.db.account_by_id(id).await?,
        None => None,
    }) else {
        return Ok(());
    };
    let payload = json!({ "comment": {
        "id": c.id,
        "threadId": c.root_id(),
        "heldForReview": c.held_for_review,
        "account": account_info(state, &author),
        "video": video_info(&v),
    }});
    let link = format!("{};threadId={}", watch_url(state, &v), c.root_id());
    let excerpt: String = c.text.chars().take(200).collect();
    let owner = v.account_user_id.filter(|o| Some(*o) != author.user_id);
    if let Some(owner) = owner.filter(|_| !approved) {
        notes.push(Note {
            user_id: owner,
            kind: kind::NEW_COMMENT_ON_MY_VIDEO,
            payload: payload.clone(),
            title: format!("New comment on your video {}", v.name),
            line: format!("{} commented: {excerpt}", author.display_name),
            link: link.clone(),
        });
    }
    // Until the owner approves it, a held comment is seen by its author, the owner and the
    // moderators only: nobody else is told of it.
    if c.held_for_review {
        return Ok(());
    }
    let mut mentioned: Vec<i64> = Vec::new();
    for name in mentioned_names(&c.text, &state.host) {
        if let Some(acc) = state.db.account_by_name(&name).await? {
            if acc.host.is_none() {
                mentioned.extend(acc.user_id);
            }
        }
    }
    // A reply mentions the author of the comment it answers, as PeerTube's client writes it.
    if let Some(parent) = match c.in_reply_to_id {
        Some(id) => state.db.comment_by_id(id).await?,
        None => None,
    } {
        if let Some(uid) = match parent.account_id {
            Some(id) => state.db.user_of_account(id).await?,
            None => None,
        } {
            mentioned.push(uid);
        }
    }
    mentioned.sort_unstable();
    mentioned.dedup();
    for user_id in mentioned {
        if Some(user_id) == author.user_id || Some(user_id) == owner {
            continue;
        }
        notes.push(Note {
            user_id,
            kind: kind::COMMENT_MENTION,
            payload: payload.clone(),
            title: format!("{} mentioned you", author.display_name),
            line: format!(
                "{} mentioned you on the video {}: {excerpt}",
                author.display_name, v.name
            ),
            link: link.clone(),
        });
    }
    Ok(())
}

async fn follow_notes(state: &Instance, follow_id: i64, notes: &mut Vec<Note>) -> Result<()> {
    let Some(f) = state.db.follow_by_id(follow_id).await? else {
        return Ok(());
    };
    let (Some(follower), Some(target)) = (
        state.db.actor_by_id(f.follower_id).await?,
        state.db.actor_by_id(f.following_id).await?,
    ) else {
        return Ok(());
    };
    if !target.is_local() {
        return Ok(());
    }
    let follower_host = follower.host.clone().unwrap_or_else(|| state.host.clone());
    let (follower_info, follower_user) = if let Some(acc) = match follower.account_id {
        Some(id) => state.db.account_by_id(id).await?,
        None => None,
    } {
        (account_info(state, &acc), acc.user_id)
    } else if let Some(ch) = match follower.channel_id {
        Some(id) => state.db.channel_by_id(id).await?,
        None => None,
    } {
        (channel_info(state, &ch), None)
    } else {
        (
            json!({ "id": follower.id, "name": follower.username, "displayName": follower.username,
                    "host": follower_host, "avatars": [], "avatar": null }),
            None,
        )
    };
    let who = follower_info
        .get("displayName")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let (following, recipients, kind, link) = if target.kind == "Application" {
        (
            json!({ "type": "instance", "name": target.username, "displayName": target.username, "host": state.host }),
            state
                .db
                .users_with_role_at_most(ferrotube_model::UserRole::Administrator.id())
                .await?,
            kind::NEW_INSTANCE_FOLLOWER,
            format!("{}/admin/follows/followers-list", state.url),
        )
    } else if let Some(acc) = match target.account_id {
        Some(id) => state.db.account_by_id(id).await?,
        None => None,
    } {
        (
            json!({ "type": "account", "name": acc.name, "displayName": acc.display_name, "host": state.host }),
            acc.user_id.into_iter().collect::<Vec<_>>(),
            kind::NEW_FOLLOW,
            format!("{}/a/{}", state.url, acc.name),
        )
    } else if let Some(ch) = match target.channel_id {
        Some(id) => state.db.channel_by_id(id).await?,
        None => None,
    } {
        let owner = state.db.user_of_account(ch.account_id).await?;
        (
            json!({ "type": "channel", "name": ch.name, "displayName": ch.display_name, "host": state.host }),
            owner.into_iter().collect(),
            kind::NEW_FOLLOW,
            format!("{}/c/{}", state.url, ch.name),
        )
    } else {
        return Ok(());
    };
    let title = if kind == kind::NEW_INSTANCE_FOLLOWER {
        format!("{follower_host} follows your instance")
    } else {
        format!(
            "{who} follows {}",
            following
                .get("displayName")
                .and_then(Value::as_str)
                .unwrap_or_default()
        )
    };
    for user_id in recipients {
        if Some(user_id) == follower_user {
            continue;
        }
        notes.push(Note {
            user_id,
            kind,
            payload: json!({ "actorFollow": {
                "id": f.id,
                "follower": follower_info,
                "state": f.state,
                "following": following,
            }}),
            title: title.clone(),
            line: format!("{title}."),
            link: link.clone(),
        });
    }
    Ok(())
}

/// A page of a user's notifications, PeerTube's JSON.
pub async fn list(
    state: &Instance,
    q: ferrotube_db::notifications::NotificationQuery,
) -> Result<(i64, Vec<Value>)> {
    let (total, rows) = state.db.list_notifications(&q).await?;
    Ok((total, rows.iter().map(notification_json).collect()))
}

#[cfg(test)]
mod tests {
    use super::mentioned_names;

    #[test]
    fn mentions_are_local_handles() {
        assert_eq!(
            mentioned_names(
                "hi @alice, @bob@here.tld and @carol@elsewhere.tld!",
                "here.tld"
            ),
            vec!["alice".to_string(), "bob".to_string()]
        );
        assert_eq!(
            mentioned_names("mail me: a@b.c @ @alice.", "x"),
            vec!["alice"]
        );
    }
}
