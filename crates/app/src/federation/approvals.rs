//! Reply approval, PeerTube's way (6.3+): the owner of a video answers each reply to it with
//! an `ApproveReply` sent to the reply author's inbox, at once or, when the video requires
//! approval, once the owner approved it. Until then a held reply stays with its author and the
//! origin: our users' held comments on remote videos go to the origin only, and remote replies
//! held on our videos are not forwarded to the video's audience.

use super::actors::{account_actor, instance_actor};
use super::objects::{
    approve_reply_id, comment_url, local_comment_by_url, note_object, video_actors, video_url,
};
use super::outbox::{activity, comment_changed, enqueue_deliveries, forward_to_video_audience};
use super::{strip_fragment, url_host, FedError, FedResult, PUBLIC};
use crate::Instance;
use ferrotube_db::comments::CommentRow;
use ferrotube_db::videos::VideoRow;
use ferrotube_federation::vocab::activity::{Activity, ActivityKind, ObjectRef};
use serde_json::{json, Value};
use tracing::{info, warn};

/// The `Create{Note}` of a comment, as its author's instance sends it.
async fn create_of(state: &Instance, v: &VideoRow, c: &CommentRow) -> FedResult<Value> {
    let note = note_object(state, v, c).await?;
    let (to, cc) = (note.to.clone(), note.cc.clone());
    let attributed_to = note.attributed_to.clone();
    Ok(activity(
        ActivityKind::Create,
        format!("{}/activity", note.id),
        &attributed_to,
        ObjectRef::Note(Box::new(note)),
        to,
        cc,
    ))
}

/// Sends `ApproveReply` for a remote comment on our video `v` to its author, and remembers it
/// as the comment's approval.
pub async fn send_approve_reply(state: &Instance, v: &VideoRow, comment_id: i64) {
    let result = async {
        let Some(c) = state.db.comment_by_id(comment_id).await? else {
            return Ok(());
        };
        let (Some(object), Some(author)) = (c.url.clone(), c.account_id) else {
            // Our own comments need no approval sent: the Note carries it.
            return Ok(());
        };
        let owner = state
            .db
            .account_by_id(v.account_id)
            .await?
            .ok_or_else(|| FedError::Refused("video owner vanished".into()))?;
        let me = account_actor(state, &owner).await?;
        let them = state
            .db
            .actor_of_account(author)
            .await?
            .ok_or_else(|| FedError::Refused("comment author has no actor".into()))?;
        let in_reply_to = match c.in_reply_to_id {
            Some(p) => match state.db.comment_by_id(p).await? {
                Some(parent) => comment_url(state, &v.uuid, &parent),
                None => video_url(state, v),
            },
            None => video_url(state, v),
        };
        let id = approve_reply_id(state, v, &c);
        let mut body = activity(
            ActivityKind::ApproveReply,
            id.clone(),
            &me.url,
            ObjectRef::Url(object),
            Vec::new(),
            Vec::new(),
        );
        if let Some(m) = body.as_object_mut() {
            m.insert("inReplyTo".into(), json!(in_reply_to));
        }
        state.db.set_reply_approval(c.id, &id).await?;
        enqueue_deliveries(state, &me, &body, [them.inbox_url.clone()]).await?;
        info!(comment_id, "reply approval sent");
        Ok::<(), FedError>(())
    }
    .await;
    if let Err(e) = result {
        warn!(comment_id, error = %e, "cannot send the reply approval");
    }
}

/// A held comment of ours on a remote video: its `Create` goes to the video's origin only,
/// which holds it for its owner's review and answers `ApproveReply`.
pub async fn send_held_comment(state: &Instance, v: &VideoRow, comment_id: i64) {
    let result = async {
        if v.is_local() {
            return Ok(());
        }
        let Some(c) = state.db.comment_by_id(comment_id).await? else {
            return Ok(());
        };
        let Some(account) = c.account_id else {
            return Ok(());
        };
        let account = state
            .db
            .account_by_id(account)
            .await?
            .ok_or_else(|| FedError::Refused("author vanished".into()))?;
        let author = account_actor(state, &account).await?;
        let body = create_of(state, v, &c).await?;
        let mut inboxes = Vec::new();
        if let Some(ch) = state.db.actor_of_channel(v.channel_id).await? {
            inboxes.push(ch.delivery_inbox().to_string());
        }
        if let Some(a) = state.db.actor_of_account(v.account_id).await? {
            inboxes.push(a.delivery_inbox().to_string());
        }
        enqueue_deliveries(state, &author, &body, inboxes).await?;
        Ok::<(), FedError>(())
    }
    .await;
    if let Err(e) = result {
        warn!(comment_id, error = %e, "cannot send the held comment to its video's origin");
    }
}

/// The owner (or a moderator) approves a held comment on our video `v`: ours is federated as
/// any new comment; a remote one gets its `ApproveReply` and is forwarded to the audience.
pub async fn approve_held_comment(state: &Instance, v: &VideoRow, c: &CommentRow) -> FedResult<()> {
    if !state.db.approve_comment(c.id, None).await? {
        return Ok(());
    }
    crate::notifications::notify(
        state,
        crate::notifications::Event::CommentApproved { comment_id: c.id },
    )
    .await;
    if c.url.is_none() {
        comment_changed(state, v, c.id).await;
        return Ok(());
    }
    send_approve_reply(state, v, c.id).await;
    let author_host = c.url.as_deref().and_then(url_host).unwrap_or_default();
    let approved = state
        .db
        .comment_by_id(c.id)
        .await?
        .ok_or_else(|| FedError::Refused("comment vanished".into()))?;
    let body = create_of(state, v, &approved).await?;
    // Signed by us, not the author: the receivers fetch the Note from its origin.
    forward_to_video_audience(state, v, &body, &author_host).await
}

/// `ApproveReply` from the owner of a remote video for one of our comments: the comment is
/// released and federated to everyone.
pub async fn on_approve_reply(state: &Instance, act: &Activity) -> FedResult<()> {
    let object = act
        .object_id()
        .ok_or_else(|| FedError::Refused("ApproveReply without object".into()))?;
    let c = local_comment_by_url(state, object)
        .await?
        .ok_or_else(|| FedError::Refused(format!("no comment of ours at {object}")))?;
    if c.deleted_at.is_some() {
        return Err(FedError::Refused(format!("comment {object} is deleted")));
    }
    let v = state
        .db
        .video_by_id(c.video_id)
        .await?
        .ok_or_else(|| FedError::Refused("video vanished".into()))?;
    let owner = state.db.actor_of_account(v.account_id).await?;
    if v.is_local() || owner.map(|o| o.url).as_deref() != Some(strip_fragment(&act.actor)) {
        return Err(FedError::Refused(format!(
            "{} does not own the video of {object}",
            act.actor
        )));
    }
    if !c.held_for_review {
        if c.reply_approval.is_none() {
            state.db.set_reply_approval(c.id, &act.id).await?;
        }
        return Ok(());
    }
    state.db.approve_comment(c.id, Some(&act.id)).await?;
    info!(
        comment_id = c.id,
        "our comment approved by the video's owner"
    );
    crate::notifications::notify(
        state,
        crate::notifications::Event::CommentApproved { comment_id: c.id },
    )
    .await;
    comment_changed(state, &v, c.id).await;
    Ok(())
}

/// The owner (or a moderator) removed a remote comment on our video (a refused reply is
/// deleted, as PeerTube does: it sends no RejectReply): PeerTube's `Delete` of the comment,
/// signed by the video's account, goes to the video's audience and to the comment's author.
pub async fn send_owner_delete(state: &Instance, v: &VideoRow, c: &CommentRow) {
    let result = async {
        let Some(url) = c.url.clone() else {
            return Ok(());
        };
        if !v.is_local() {
            return Ok(());
        }
        let (owner, channel) = video_actors(state, v).await?;
        let instance = instance_actor(state).await?;
        let mut inboxes = state
            .db
            .follower_inboxes(&[owner.id, channel.id, instance.id])
            .await?;
        if let Some(author) = c.account_id {
            if let Some(a) = state.db.actor_of_account(author).await? {
                inboxes.push(a.inbox_url.clone());
            }
        }
        let body = activity(
            ActivityKind::Delete,
            format!("{url}/delete"),
            &owner.url,
            ObjectRef::Url(url),
            vec![PUBLIC.to_string()],
            Vec::new(),
        );
        enqueue_deliveries(state, &owner, &body, inboxes).await?;
        Ok::<(), FedError>(())
    }
    .await;
    if let Err(e) = result {
        warn!(comment_id = c.id, error = %e, "cannot federate the removal of a remote comment");
    }
}
