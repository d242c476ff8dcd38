//! Moderation rules (PeerTube's abuse workflow, video blocks and user bans). The REST layer
//! (`api::moderation`) parses and shapes; who may do what, and what each action changes and
//! federates, is decided here.
//!
//! Notification hooks (built elsewhere): a new report is made in [`report`] (and, received from
//! another instance, in `federation::inbox::on_flag`); a state change happens in
//! [`update_abuse`]; a new message in [`add_message`].

use crate::error::{Error, ParamLocation, Result};
use crate::videos::{find_video, is_moderator, visible_to};
use crate::Instance;
use ferrotube_db::moderation::{AbuseFullRow, NewAbuse};
use ferrotube_db::users::UserRow;
use ferrotube_federation::vocab::FlagDetails;
use ferrotube_model::abuse::{reasons_to_bits, ABUSE_ACCEPTED, ABUSE_PENDING};
use ferrotube_model::timefmt::now_ms;
use ferrotube_model::UserRole;
use tracing::info;

/// What a user reports (`POST /api/v1/abuses`), already read from JSON.
#[derive(Debug, Default)]
pub struct ReportInput {
    pub reason: String,
    pub predefined_reasons: Vec<String>,
    /// The video's id, uuid or short uuid.
    pub video: Option<String>,
    pub start_at: Option<i64>,
    pub end_at: Option<i64>,
    pub comment_id: Option<i64>,
    pub account_id: Option<i64>,
}

fn bad_body(field: &str, value: &str, msg: &str) -> Error {
    Error::bad_param(field, value, msg, ParamLocation::Body)
}

fn text_in(s: &str, min: usize, max: usize) -> bool {
    (min..=max).contains(&s.chars().count())
}

/// Records a report by `user` and, when the reported content lives elsewhere, sends it to its
/// origin as a `Flag`. Answers the report's id. NOTIFICATION HOOK: "new abuse" (local).
#[tracing::instrument(skip_all, fields(user = user.id))]
pub async fn report(state: &Instance, user: &UserRow, input: ReportInput) -> Result<i64> {
    if !text_in(&input.reason, 2, 3000) {
        return Err(bad_body(
            "reason",
            &input.reason,
            "Should have a valid reason",
        ));
    }
    let bits =
        reasons_to_bits(input.predefined_reasons.iter().map(String::as_str)).map_err(|n| {
            bad_body(
                "predefinedReasons",
                n,
                "Should have a valid predefined reason",
            )
        })?;
    if let (Some(s), Some(e)) = (input.start_at, input.end_at) {
        if e <= s {
            return Err(bad_body(
                "video.endAt",
                &e.to_string(),
                "Should have a startAt timestamp beginning before endAt",
            ));
        }
    } else if let Some(e) = input.end_at {
        return Err(bad_body(
            "video.endAt",
            &e.to_string(),
            "Should have a startAt timestamp beginning before endAt",
        ));
    }
    let now = now_ms();
    let mut new = NewAbuse {
        reporter_account_id: Some(user.account_id),
        reason: &input.reason,
        predefined_reasons: bits,
        now,
        ..Default::default()
    };
    // The reported URL and account when the content is remote (it is sent there as a Flag).
    let mut remote: Option<(String, i64)> = None;
    if let Some(id) = &input.video {
        let v = find_video(state, id).await?;
        visible_to(&v, Some(user))?;
        new.video_id = Some(v.id);
        new.flagged_account_id = Some(v.account_id);
        new.start_at = input.start_at;
        new.end_at = input.end_at;
        new.video_snapshot = Some(crate::federation::objects::video_snapshot(state, &v));
        if let Some(url) = &v.url {
            remote = Some((url.clone(), v.account_id));
        }
    } else if let Some(id) = input.comment_id {
        let c = state
            .db
            .comment_by_id(id)
            .await?
            .filter(|c| c.deleted_at.is_none())
            .ok_or_else(|| Error::not_found("Video comment thread not found"))?;
        let v = state
            .db
            .video_by_id(c.video_id)
            .await?
            .ok_or_else(|| Error::not_found("Video comment thread not found"))?;
        visible_to(&v, Some(user))?;
        new.comment_id = Some(c.id);
        new.comment_snapshot = Some(crate::federation::objects::comment_snapshot(&c, &v));
        new.flagged_account_id = c.account_id;
        if let (Some(url), Some(account)) = (&c.url, c.account_id) {
            remote = Some((url.clone(), account));
        }
    } else if let Some(id) = input.account_id {
        let a = state
            .db
            .account_by_id(id)
            .await?
            .ok_or_else(|| Error::not_found("Account not found"))?;
        new.flagged_account_id = Some(a.id);
        if let Some(url) = &a.actor_url {
            remote = Some((url.clone(), a.id));
        }
    } else {
        return Err(Error::bad_request(
            "video id or account id or comment id is required.",
        ));
    }
    let id = state
        .db
        .create_abuse(&new)
        .await?
        .ok_or_else(|| Error::internal("abuse not stored"))?;
    info!(abuse = id, "abuse reported");
    crate::notifications::notify(
        state,
        crate::notifications::Event::NewAbuse { abuse_id: id },
    )
    .await;
    if let Some((url, account)) = remote {
        let details = FlagDetails {
            reasons: ferrotube_model::abuse::bits_to_reasons(bits)
                .into_iter()
                .map(str::to_owned)
                .collect(),
            start_at: new.start_at,
            end_at: new.end_at,
        };
        crate::federation::outbox::flag_remote(
            state,
            id,
            user.account_id,
            &url,
            account,
            &input.reason,
            details,
        )
        .await;
    }
    Ok(id)
}

/// A report by id, for a moderator or its reporter; 403 for anyone else.
pub async fn abuse_for(state: &Instance, user: &UserRow, id: i64) -> Result<AbuseFullRow> {
    let a = state
        .db
        .abuse_full(id)
        .await?
        .ok_or_else(|| Error::not_found("Abuse not found"))?;
    if !is_moderator(Some(user)) && a.reporter_account_id != Some(user.account_id) {
        return Err(Error::forbidden(format!(
            "User {} does not have right to get abuse {}",
            user.username, a.id
        )));
    }
    Ok(a)
}

/// A moderator changes a report's state and/or moderation comment.
/// A change of state tells the reporter (when local).
#[tracing::instrument(skip_all, fields(abuse = id))]
pub async fn update_abuse(
    state: &Instance,
    id: i64,
    new_state: Option<i64>,
    moderation_comment: Option<&str>,
) -> Result<()> {
    if let Some(s) = new_state {
        if !(ABUSE_PENDING..=ABUSE_ACCEPTED).contains(&s) {
            return Err(bad_body(
                "state",
                &s.to_string(),
                "Should have a valid abuse state",
            ));
        }
    }
    if let Some(c) = moderation_comment {
        if !text_in(c, 2, 3000) {
            return Err(bad_body(
                "moderationComment",
                c,
                "Should have a valid moderation comment",
            ));
        }
    }
    let before = state
        .db
        .abuse_full(id)
        .await?
        .ok_or_else(|| Error::not_found("Abuse not found"))?;
    state
        .db
        .update_abuse(id, new_state, moderation_comment, now_ms())
        .await?;
    let changed = new_state.is_some_and(|s| s != before.state);
    info!(changed, "abuse updated");
    if changed {
        crate::notifications::notify(
            state,
            crate::notifications::Event::AbuseStateChanged { abuse_id: id },
        )
        .await;
    }
    Ok(())
}

/// The reporter/moderator conversation exists only for reports made here.
async fn check_local_reporter(state: &Instance, a: &AbuseFullRow) -> Result<()> {
    let local = match a.reporter_account_id {
        Some(id) => state
            .db
            .account_by_id(id)
            .await?
            .is_some_and(|r| r.host.is_none()),
        None => false,
    };
    if local {
        Ok(())
    } else {
        Err(Error::bad_request(
            "This abuse was not created by a user of your instance.",
        ))
    }
}

/// The messages of a report, for its reporter or a moderator.
pub async fn messages_for(
    state: &Instance,
    user: &UserRow,
    abuse_id: i64,
) -> Result<(AbuseFullRow, Vec<ferrotube_db::moderation::AbuseMessageRow>)> {
    let a = abuse_for(state, user, abuse_id).await?;
    check_local_reporter(state, &a).await?;
    let messages = state.db.list_abuse_messages(a.id).await?;
    Ok((a, messages))
}

/// Adds a message to a report's conversation; the other side is told (the reporter of a
/// moderator's message, the moderators of the reporter's).
#[tracing::instrument(skip_all, fields(abuse = abuse_id))]
pub async fn add_message(
    state: &Instance,
    user: &UserRow,
    abuse_id: i64,
    message: &str,
) -> Result<i64> {
    let a = abuse_for(state, user, abuse_id).await?;
    check_local_reporter(state, &a).await?;
    if !text_in(message, 2, 3000) {
        return Err(bad_body(
            "message",
            message,
            "Should have a valid abuse message",
        ));
    }
    let by_moderator = a.reporter_account_id != Some(user.account_id);
    let id = state
        .db
        .insert_abuse_message(a.id, user.account_id, message, by_moderator, now_ms())
        .await?;
    info!(message = id, by_moderator, "abuse message added");
    crate::notifications::notify(
        state,
        crate::notifications::Event::NewAbuseMessage {
            abuse_id: a.id,
            author_account_id: user.account_id,
        },
    )
    .await;
    Ok(id)
}

/// Deletes a message: its author or a moderator.
pub async fn delete_message(
    state: &Instance,
    user: &UserRow,
    abuse_id: i64,
    message_id: i64,
) -> Result<()> {
    let a = abuse_for(state, user, abuse_id).await?;
    check_local_reporter(state, &a).await?;
    let m = state
        .db
        .abuse_message(message_id, a.id)
        .await?
        .ok_or_else(|| Error::not_found("Abuse message not found"))?;
    if !is_moderator(Some(user)) && m.account_id != Some(user.account_id) {
        return Err(Error::forbidden("Cannot delete this abuse message"));
    }
    state.db.delete_abuse_message(m.id).await?;
    Ok(())
}

/// Blocks a video (a moderator's act): hidden from lists, feeds and its pages for everyone but
/// its owner and moderators. `unfederate` on a local video also sends its Delete to the
/// instances that know it.
#[tracing::instrument(skip_all, fields(video = %id))]
pub async fn block_video(
    state: &Instance,
    id: &str,
    reason: Option<&str>,
    unfederate: bool,
) -> Result<()> {
    if let Some(r) = reason {
        if !text_in(r, 2, 300) {
            return Err(bad_body("reason", r, "Should have a valid reason"));
        }
    }
    let v = find_video(state, id).await?;
    if unfederate && !v.is_local() {
        return Err(Error::conflict("You cannot unfederate a remote video."));
    }
    if !state
        .db
        .blacklist_video(v.id, reason, unfederate, now_ms())
        .await?
    {
        return Err(Error::conflict("This video is already blocked."));
    }
    state.videos_changed();
    if unfederate {
        crate::federation::outbox::video_deleted(state, &v).await;
    }
    info!(uuid = %v.uuid, unfederate, "video blocked");
    Ok(())
}

/// Unblocks a video; one that was unfederated is sent again. As an Update: its Create's id
/// was already seen by the instances that got it, and they drop a known id as a redelivery;
/// an Update (a fresh id) of a video they do not have stores it all the same.
#[tracing::instrument(skip_all, fields(video = %id))]
pub async fn unblock_video(state: &Instance, id: &str) -> Result<()> {
    let v = find_video(state, id).await?;
    let Some(b) = state.db.unblacklist_video(v.id).await? else {
        return Err(Error::not_found("Blacklisted video not found"));
    };
    state.videos_changed();
    if b.unfederated && v.is_local() {
        crate::federation::outbox::video_changed(state, v.id, false).await;
    }
    info!(uuid = %v.uuid, "video unblocked");
    Ok(())
}

/// Bans (`blocked`) or unbans a user. PeerTube's rules: the root user cannot be banned, a
/// moderator acts only on plain users. A ban drops the user's tokens and takes their videos
/// away while it lasts: hidden here from all but moderators (as blocked videos are), and
/// withdrawn from the instances that have them (a `Delete` of each federated video; the unban
/// sends each again as an Update, which stores it where it is unknown). PeerTube itself keeps a
/// banned user's videos listed; an administrator who bans expects the content gone.
#[tracing::instrument(skip_all, fields(by = by.id, user = user_id, blocked))]
pub async fn set_user_blocked(
    state: &Instance,
    by: &UserRow,
    user_id: i64,
    blocked: bool,
    reason: Option<&str>,
) -> Result<()> {
    if let Some(r) = reason {
        if !text_in(r, 3, 250) {
            return Err(bad_body("reason", r, "Should have a valid blocked reason"));
        }
    }
    let target = state
        .db
        .user_by_id(user_id)
        .await?
        .ok_or_else(|| Error::not_found("User not found"))?;
    if target.username == "root" {
        return Err(Error::bad_request("Cannot block the root user"));
    }
    let may = match by.role {
        UserRole::Administrator => true,
        UserRole::Moderator => target.role == UserRole::User,
        UserRole::User => false,
    };
    if !may {
        return Err(Error::forbidden(
            "Moderators cannot manage administrators or other moderators",
        ));
    }
    if target.blocked == blocked {
        // Nothing changes: no second withdrawal or re-announce of the videos.
        state
            .db
            .set_user_blocked(target.id, blocked, if blocked { reason } else { None })
            .await?;
        return Ok(());
    }
    state
        .db
        .set_user_blocked(target.id, blocked, if blocked { reason } else { None })
        .await?;
    state.videos_changed();
    let mut withdrawn = 0;
    for v in state.db.local_videos_of_account(target.account_id).await? {
        let federated = crate::federation::objects::federates(&v)
            && !state
                .db
                .blacklist_of(v.id)
                .await?
                .is_some_and(|b| b.unfederated);
        if !federated {
            continue;
        }
        if blocked {
            crate::federation::outbox::video_deleted(state, &v).await;
        } else {
            crate::federation::outbox::video_changed(state, v.id, false).await;
        }
        withdrawn += 1;
    }
    info!(videos = withdrawn, "user ban changed");
    Ok(())
}
