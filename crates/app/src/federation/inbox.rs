//! The inbox. A POST is checked at once (signature, Digest, Date, blocklist, JSON shape), then
//! journaled as a durable job together with its activity id (a redelivery is acknowledged and
//! dropped), and only the job changes anything: an accepted activity survives a restart.

use super::actors::{local_actor_by_url, remote_actor, remote_public_key, update_remote_actor};
use super::objects::{
    comment_by_any_url, fetch_remote_video, store_remote_note, store_remote_video,
    video_by_any_url, video_for_remote,
};
use super::outbox::{
    activity, activity_with_object, enqueue_deliveries, enqueue_outbox_crawl,
    forward_to_video_audience,
};
use super::{strip_fragment, url_host, FedError, FedResult, INBOX};
use crate::Instance;
use ferrotube_db::federation::{FOLLOW_ACCEPTED, FOLLOW_PENDING};
use ferrotube_federation::signature::IncomingSignature;
use ferrotube_federation::vocab::activity::{parse_activity, Activity, ActivityKind, ObjectRef};
use ferrotube_federation::vocab::actor::{parse_actor, ActorObject};
use ferrotube_federation::vocab::note::parse_note;
use ferrotube_federation::vocab::video::parse_video;
use ferrotube_federation::{verify_digest, VerifyOptions};
use ferrotube_jobs::{JobContext, JobError};
use ferrotube_model::timefmt::now_ms;
use http::{HeaderMap, Method, StatusCode, Uri};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::time::{Duration, SystemTime};
use tracing::{debug, info, Instrument};

#[derive(Serialize, Deserialize)]
struct InboxJob {
    activity: Value,
    /// The actor whose signature we verified.
    signer: String,
    /// Signed by someone other than the activity's actor: its object is believed only as its
    /// origin serves it.
    forwarded: bool,
}

/// Checks a delivery to an inbox (signature, Digest, Date, blocklist, JSON shape) and journals
/// it as a durable job; `Err` carries the status to answer and why, for the log.
pub async fn receive(
    state: &Instance,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(), (StatusCode, String)> {
    let forbidden = |why: String| (StatusCode::FORBIDDEN, why);
    let path = uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
    let opts = VerifyOptions {
        clock_skew: Some(Duration::from_secs(
            state.settings.federation.clock_skew_secs,
        )),
        now: SystemTime::now(),
    };
    let sig = IncomingSignature::from_request(method, path, headers, &opts)
        .map_err(|e| forbidden(format!("invalid HTTP signature: {e}")))?;
    verify_digest(headers, body).map_err(|e| forbidden(format!("invalid Digest: {e}")))?;
    let signer_url = strip_fragment(sig.actor_url()).to_string();
    let signer_host =
        url_host(&signer_url).ok_or_else(|| forbidden(format!("bad keyId {signer_url}")))?;
    if super::blocklist::is_blocked_host(state, &signer_host)
        .await
        .map_err(|e| (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?
    {
        return Err(forbidden(format!("{signer_host} is blocked")));
    }
    let (_, key) = remote_public_key(state, &signer_url, false)
        .await
        .map_err(|e| forbidden(format!("cannot get the key of {signer_url}: {e}")))?;
    if sig.verify(&key).is_err() {
        // The actor may have rotated its key: fetch it again, once.
        let (_, key) = remote_public_key(state, &signer_url, true)
            .await
            .map_err(|e| forbidden(format!("cannot refetch the key of {signer_url}: {e}")))?;
        sig.verify(&key)
            .map_err(|e| forbidden(format!("signature does not verify: {e}")))?;
    }
    let json: Value = serde_json::from_slice(body)
        .map_err(|e| (StatusCode::BAD_REQUEST, format!("body is not JSON: {e}")))?;
    let act = parse_activity(&json)
        .map_err(|e| (StatusCode::BAD_REQUEST, format!("invalid activity: {e}")))?;
    let actor_host = url_host(&act.actor).unwrap_or_default();
    if actor_host == state.host {
        return Err(forbidden("an activity of one of our own actors".into()));
    }
    let blocked = super::blocklist::is_blocked_host(state, &actor_host)
        .await
        .map_err(|e| (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
    if blocked {
        return Err(forbidden(format!("{actor_host} is blocked")));
    }
    let forwarded = strip_fragment(&act.actor) != signer_url;
    // What is accepted forwarded is checked against its origin before it is applied: objects
    // are fetched again, deletions confirmed gone, and a withdrawn copy (Undo{Create{CacheFile}})
    // confirmed no longer served by its announcer.
    let undo_of_copy = act.kind == ActivityKind::Undo
        && matches!(&act.object, ObjectRef::Activity(inner)
            if matches!(inner.object, ObjectRef::CacheFile(_)));
    if forwarded
        && !undo_of_copy
        && !matches!(
            act.kind,
            ActivityKind::Create | ActivityKind::Update | ActivityKind::Delete
        )
    {
        return Err(forbidden(format!(
            "{signer_url} signed a {:?} of {}",
            act.kind, act.actor
        )));
    }
    // A forwarded copy is remembered with its forwarder: it must not use up the id of the
    // author's own delivery (anyone could otherwise send a guessed future id first). A copy
    // of what the author delivered already is a duplicate all the same.
    let seen_id = if forwarded {
        let direct = state
            .db
            .activity_seen(&act.id)
            .await
            .map_err(|e| (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
        if direct {
            debug!(id = %act.id, "forwarded copy of an activity we have");
            return Ok(());
        }
        format!("{} forwarded by {signer_url}", act.id)
    } else {
        act.id.clone()
    };
    let job = InboxJob {
        activity: json,
        signer: signer_url,
        forwarded,
    };
    let internal = |e: String| (StatusCode::INTERNAL_SERVER_ERROR, e);
    let mut tx = state
        .db
        .begin()
        .await
        .map_err(|e| internal(e.to_string()))?;
    let fresh = state
        .db
        .mark_activity_seen(&mut tx, &seen_id, now_ms())
        .await
        .map_err(|e| internal(e.to_string()))?;
    if fresh {
        state
            .queue
            .enqueue_in(&mut tx, INBOX, &job, 10)
            .await
            .map_err(|e| internal(e.to_string()))?;
    }
    tx.commit().await.map_err(|e| internal(e.to_string()))?;
    if fresh {
        state.queue.wake();
    } else {
        debug!(id = %act.id, "duplicate activity ignored");
    }
    Ok(())
}

pub async fn run_inbox(state: Instance, ctx: JobContext) -> Result<(), JobError> {
    let job: InboxJob = serde_json::from_value(ctx.payload)
        .map_err(|e| JobError::Permanent(format!("bad inbox payload: {e}")))?;
    let act = parse_activity(&job.activity)
        .map_err(|e| JobError::Permanent(format!("invalid activity: {e}")))?;
    // The author's own delivery came in meanwhile: that one is applied, not this copy.
    if job.forwarded
        && state
            .db
            .activity_seen(&act.id)
            .await
            .map_err(|e| JobError::Retry(e.to_string()))?
    {
        return Ok(());
    }
    let span = tracing::info_span!("activity", kind = ?act.kind, id = %act.id);
    match process(&state, &act, &job.activity, job.forwarded)
        .instrument(span)
        .await
    {
        Ok(()) => Ok(()),
        Err(e) => {
            info!(error = %e, "activity not applied");
            Err(e.into_job_error())
        }
    }
}

fn object_url(o: &ObjectRef) -> Option<&str> {
    match o {
        ObjectRef::Url(u) | ObjectRef::Tombstone(u) => Some(u),
        ObjectRef::Video(v) => Some(&v.id),
        ObjectRef::Note(n) => Some(&n.id),
        ObjectRef::Actor(a) => Some(&a.id),
        ObjectRef::Activity(a) => Some(&a.id),
        ObjectRef::CacheFile(c) => Some(&c.id),
        ObjectRef::Other(v) => v.get("id").and_then(Value::as_str),
    }
}

async fn process(state: &Instance, act: &Activity, raw: &Value, forwarded: bool) -> FedResult<()> {
    let actor_host = url_host(&act.actor).unwrap_or_default();
    match act.kind {
        ActivityKind::Follow => on_follow(state, act).await,
        ActivityKind::Accept | ActivityKind::Reject => on_follow_answer(state, act).await,
        ActivityKind::Undo => on_undo(state, act, raw, forwarded).await,
        ActivityKind::Create | ActivityKind::Update => match &act.object {
            ObjectRef::CacheFile(c) => {
                super::cache_files::on_cache_file(state, act, raw, c, &actor_host, forwarded).await
            }
            _ => on_create_or_update(state, act, raw, forwarded, &actor_host).await,
        },
        ActivityKind::Announce => on_announce(state, act).await,
        ActivityKind::Delete => on_delete(state, act, raw, forwarded, &actor_host).await,
        ActivityKind::Like | ActivityKind::Dislike => {
            let url = object_url(&act.object).unwrap_or_default();
            let video = video_for_remote(state, url)
                .await?
                .ok_or_else(|| FedError::Refused(format!("unknown video {url}")))?;
            let account = remote_account_id(state, &act.actor).await?;
            let rate = if act.kind == ActivityKind::Like {
                "like"
            } else {
                "dislike"
            };
            state
                .db
                .set_rate(account, video.id, Some(rate), now_ms())
                .await?;
            state.videos_changed();
            Ok(())
        }
        ActivityKind::View => {
            // PeerTube 6 sends two Views of one watch: one with `expires`, which only says a
            // viewer is there (live viewer counts), and one without, the counted view.
            if act.expires.is_some() {
                return Ok(());
            }
            let url = object_url(&act.object).unwrap_or_default();
            if let Some(v) = video_for_remote(state, url).await? {
                if v.is_local() {
                    state.db.add_view(v.id).await?;
                }
            }
            Ok(())
        }
        ActivityKind::Flag => on_flag(state, act).await,
        ActivityKind::ApproveReply => super::approvals::on_approve_reply(state, act).await,
        // PeerTube sends no RejectReply yet (a refused reply is deleted): nothing to apply.
        ActivityKind::RejectReply => Ok(()),
    }
}

/// An Announce shares a video: the video is stored (believed only as its origin serves it,
/// whoever announces it) and the share counted, once per actor and video.
async fn on_announce(state: &Instance, act: &Activity) -> FedResult<()> {
    let url = object_url(&act.object)
        .ok_or_else(|| FedError::Refused("Announce without object".into()))?;
    let video_id = fetch_remote_video(state, url, false).await?;
    let video = video_for_remote(state, url)
        .await?
        .filter(|v| v.id == video_id)
        .ok_or_else(|| FedError::Refused(format!("{url} cannot be shared")))?;
    let by = remote_actor(state, &act.actor, false).await?;
    state
        .db
        .upsert_share(by.id, video.id, &act.id, now_ms())
        .await?;
    debug!(by = %by.url, %url, "video shared");
    Ok(())
}

async fn remote_account_id(state: &Instance, actor_url: &str) -> FedResult<i64> {
    let actor = remote_actor(state, actor_url, false).await?;
    let id = actor
        .account_id
        .ok_or_else(|| FedError::Refused(format!("{actor_url} is not an account")))?;
    if state.db.is_account_blocked(id).await? {
        return Err(FedError::Refused(format!("{actor_url} is blocked")));
    }
    Ok(id)
}

async fn on_follow(state: &Instance, act: &Activity) -> FedResult<()> {
    let target_url = object_url(&act.object).unwrap_or_default();
    let target = local_actor_by_url(state, target_url)
        .await?
        .ok_or_else(|| FedError::Refused(format!("no local actor {target_url}")))?;
    let follower = remote_actor(state, &act.actor, false).await?;
    let manual = target.kind == "Application" && state.live().settings.federation.manual_approval;
    let wanted = if manual {
        FOLLOW_PENDING
    } else {
        FOLLOW_ACCEPTED
    };
    let follow = state
        .db
        .upsert_follow(follower.id, target.id, wanted, Some(&act.id), now_ms())
        .await?;
    info!(follower = %follower.url, target = %target.url, state = %follow.state, "followed");
    if follow.state == FOLLOW_ACCEPTED {
        answer_follow(state, ActivityKind::Accept, &target, &follower, &act.id).await?;
    }
    crate::notifications::notify(
        state,
        crate::notifications::Event::NewFollow {
            follow_id: follow.id,
        },
    )
    .await;
    Ok(())
}

/// The id of a follow's Follow activity: the one it was sent or received with, else the id we
/// give our own (`{follower}/follows/{id}`).
pub fn follow_activity_id(
    f: &ferrotube_db::federation::FollowRow,
    follower: &ferrotube_db::federation::ActorRow,
) -> String {
    f.activity_url
        .clone()
        .unwrap_or_else(|| format!("{}/follows/{}", follower.url, f.id))
}

/// The Follow `id` of `follower` for `target`, as sent and as embedded in Accept, Reject, Undo.
fn follow_activity(
    id: &str,
    follower: &ferrotube_db::federation::ActorRow,
    target: &ferrotube_db::federation::ActorRow,
) -> Value {
    activity(
        ActivityKind::Follow,
        id.to_string(),
        &follower.url,
        ObjectRef::Url(target.url.clone()),
        Vec::new(),
        Vec::new(),
    )
}

/// Answers a follow of one of our actors with Accept or Reject (at once, or when an
/// administrator decides). The answer is ours, so its id is on our host (receivers check).
pub async fn answer_follow(
    state: &Instance,
    answer: ActivityKind,
    target: &ferrotube_db::federation::ActorRow,
    follower: &ferrotube_db::federation::ActorRow,
    follow_id: &str,
) -> FedResult<()> {
    let path = if answer == ActivityKind::Accept {
        "accepts"
    } else {
        "rejects"
    };
    let body = activity_with_object(
        answer,
        format!("{}/{path}/follows/{}", target.url, uuid::Uuid::new_v4()),
        &target.url,
        follow_activity(follow_id, follower, target),
    );
    enqueue_deliveries(state, target, &body, [follower.inbox_url.clone()]).await?;
    Ok(())
}

async fn on_follow_answer(state: &Instance, act: &Activity) -> FedResult<()> {
    // The answered Follow: embedded, or its URL. Either way its follower must be ours and its
    // followee the actor answering.
    let follower_url = match &act.object {
        ObjectRef::Activity(f) => f.actor.clone(),
        _ => state.account_url(super::actors::INSTANCE_ACTOR),
    };
    let Some(ours) = local_actor_by_url(state, &follower_url).await? else {
        return Err(FedError::Refused(format!("{follower_url} is not ours")));
    };
    let them = remote_actor(state, &act.actor, false).await?;
    let Some(follow) = state.db.follow_between(ours.id, them.id).await? else {
        return Err(FedError::Refused("no such follow".into()));
    };
    if act.kind == ActivityKind::Accept {
        state
            .db
            .set_follow_state(follow.id, FOLLOW_ACCEPTED, now_ms())
            .await?;
        info!(following = %them.url, "follow accepted");
        if let Some(outbox) = &them.outbox_url {
            enqueue_outbox_crawl(state, outbox).await?;
        }
    } else {
        state.db.delete_follow(follow.id).await?;
        info!(following = %them.url, "follow rejected");
    }
    Ok(())
}

async fn on_undo(state: &Instance, act: &Activity, raw: &Value, forwarded: bool) -> FedResult<()> {
    let ObjectRef::Activity(inner) = &act.object else {
        return Ok(());
    };
    if strip_fragment(&inner.actor) != strip_fragment(&act.actor) {
        return Err(FedError::Refused("undo of someone else's activity".into()));
    }
    match inner.kind {
        ActivityKind::Follow => {
            let target_url = object_url(&inner.object).unwrap_or_default();
            let (Some(target), Some(follower)) = (
                local_actor_by_url(state, target_url).await?,
                state.db.actor_by_url(strip_fragment(&act.actor)).await?,
            ) else {
                return Ok(());
            };
            if let Some(f) = state.db.follow_between(follower.id, target.id).await? {
                state.db.delete_follow(f.id).await?;
                info!(follower = %follower.url, "unfollowed");
            }
            Ok(())
        }
        ActivityKind::Create => match &inner.object {
            ObjectRef::CacheFile(c) => {
                super::cache_files::on_undo_cache_file(state, act, raw, &c.id, forwarded).await
            }
            _ => Ok(()),
        },
        ActivityKind::Like | ActivityKind::Dislike => {
            let url = object_url(&inner.object).unwrap_or_default();
            if let Some(v) = video_by_any_url(state, url).await? {
                let account = remote_account_id(state, &act.actor).await?;
                // Undo{Like} takes back a like, not the dislike that replaced it since.
                let undone = if inner.kind == ActivityKind::Like {
                    "like"
                } else {
                    "dislike"
                };
                if state.db.rate_of(account, v.id).await?.as_deref() == Some(undone) {
                    state.db.set_rate(account, v.id, None, now_ms()).await?;
                    state.videos_changed();
                }
            }
            Ok(())
        }
        ActivityKind::Announce => {
            if let Some(by) = state.db.actor_by_url(strip_fragment(&act.actor)).await? {
                if state.db.delete_share(by.id, &inner.id).await? {
                    debug!(by = %by.url, announce = %inner.id, "share undone");
                }
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

async fn on_create_or_update(
    state: &Instance,
    act: &Activity,
    raw: &Value,
    forwarded: bool,
    actor_host: &str,
) -> FedResult<()> {
    let client = &state.federation.client;
    // Forwarded: fetch the object from its origin rather than trust the forwarder's copy.
    let object: ObjectRef = if forwarded {
        let url = object_url(&act.object)
            .ok_or_else(|| FedError::Refused("forwarded activity without object id".into()))?;
        if url_host(url).as_deref() != Some(actor_host) {
            return Err(FedError::Refused(
                "object is not on its actor's host".into(),
            ));
        }
        let signer = super::actors::instance_signer(state).await?;
        let doc = client.get_activity_json(url, Some(&signer)).await?;
        match doc.get("type").and_then(Value::as_str) {
            Some("Video") => ObjectRef::Video(Box::new(parse_video(&doc)?)),
            Some("Note") => ObjectRef::Note(Box::new(parse_note(&doc)?)),
            Some("Person" | "Group" | "Application" | "Service" | "Organization") => {
                ObjectRef::Actor(Box::new(parse_actor(&doc)?))
            }
            Some("Playlist") => ObjectRef::Other(doc),
            other => {
                return Err(FedError::Refused(format!("unsupported object {other:?}")));
            }
        }
    } else {
        act.object.clone()
    };
    match &object {
        ObjectRef::Video(v) => {
            if !forwarded {
                check_video_owner(state, &act.actor, v).await?;
            }
            let id = store_remote_video(state, v, actor_host).await?;
            // Subscribers hear of a video a Create or Update shows published and public (not of
            // the old ones a crawl or a search brings in); the `notify` job tells them once.
            let listed = state.db.video_by_id(id).await?.is_some_and(|v| {
                v.state == ferrotube_model::VideoState::Published
                    && v.privacy == ferrotube_model::Privacy::Public
            });
            if listed {
                crate::notifications::notify(
                    state,
                    crate::notifications::Event::RemoteVideoArrived { video_id: id },
                )
                .await;
            }
            Ok(())
        }
        ObjectRef::Note(n) => {
            if strip_fragment(&n.attributed_to) != strip_fragment(&act.actor) {
                return Err(FedError::Refused("note not attributed to its actor".into()));
            }
            let stored = store_remote_note(state, n, actor_host).await?;
            // A held comment stays here until its approval; a new one that is not held is
            // approved at once (PeerTube's automatic ApproveReply), then shown to the audience.
            if stored.video.is_local() && !forwarded && !stored.held {
                if stored.created {
                    super::approvals::send_approve_reply(state, &stored.video, stored.id).await;
                }
                forward_to_video_audience(state, &stored.video, raw, actor_host).await?;
            }
            Ok(())
        }
        ObjectRef::Url(u) => {
            fetch_remote_video(state, u, true).await?;
            Ok(())
        }
        ObjectRef::Actor(a) if act.kind == ActivityKind::Update => {
            on_update_actor(state, act, a).await
        }
        ObjectRef::Other(o) if o.get("type").and_then(Value::as_str) == Some("Playlist") => {
            super::remote_playlists::on_playlist(state, &act.actor, o, actor_host).await
        }
        _ => Ok(()),
    }
}

/// `Update{Person|Group}`: a remote account's or channel's new profile (name, description,
/// support, key) is applied at once. Only the actor itself may send it, or its server's
/// instance actor (as PeerTube allows); an actor we do not know is not stored for it.
async fn on_update_actor(state: &Instance, act: &Activity, obj: &ActorObject) -> FedResult<()> {
    let url = strip_fragment(&obj.id);
    let by = strip_fragment(&act.actor);
    if url != by {
        let sender = remote_actor(state, by, false).await?;
        if sender.kind != "Application" || sender.host != url_host(url) {
            return Err(FedError::Refused(format!(
                "{by} may not update the actor {url}"
            )));
        }
    }
    if state.db.actor_by_url(url).await?.is_none() {
        debug!(%url, "update of an actor we do not know, ignored");
        return Ok(());
    }
    let row = update_remote_actor(state, obj).await?;
    state.videos_changed();
    info!(actor = %row.url, "remote actor updated");
    Ok(())
}

/// The actor of a Create/Update of a video must own its channel (be the channel, or the
/// channel's account), and the video if we have it: the same server is not enough (any user
/// there could rewrite another's video, or move it into their own channel).
async fn check_video_owner(
    state: &Instance,
    actor_url: &str,
    v: &ferrotube_federation::vocab::video::VideoObject,
) -> FedResult<()> {
    let by = remote_actor(state, actor_url, false).await?;
    let owns = |channel_id: i64, account_id: i64| {
        by.channel_id == Some(channel_id) || by.account_id == Some(account_id)
    };
    let channel = remote_actor(state, &v.channel_url, false).await?;
    let channel = match channel.channel_id {
        Some(id) => state.db.channel_by_id(id).await?,
        None => None,
    }
    .ok_or_else(|| FedError::Refused(format!("{} is not a channel", v.channel_url)))?;
    if !owns(channel.id, channel.account_id) {
        return Err(FedError::Refused(format!(
            "{actor_url} does not own the channel {}",
            v.channel_url
        )));
    }
    if let Some(existing) = state.db.video_by_url(&v.id).await? {
        if !owns(existing.channel_id, existing.account_id) {
            return Err(FedError::Refused(format!(
                "{actor_url} does not own the video {}",
                v.id
            )));
        }
    }
    Ok(())
}

async fn on_delete(
    state: &Instance,
    act: &Activity,
    raw: &Value,
    forwarded: bool,
    actor_host: &str,
) -> FedResult<()> {
    let url = object_url(&act.object).unwrap_or_default().to_string();
    // An object of another host: only a comment, deleted by its video's owner (PeerTube's
    // moderation sends `Delete` of `<comment url>` with the id `<comment url>/delete`).
    let same_host = url_host(&url).as_deref() == Some(actor_host);
    if !same_host && forwarded {
        return Err(FedError::Refused("delete of another host's object".into()));
    }
    if forwarded {
        // Believe a forwarded Delete only if the origin no longer serves the object.
        let signer = super::actors::instance_signer(state).await?;
        match state
            .federation
            .client
            .get_activity_json(&url, Some(&signer))
            .await
        {
            Ok(doc) if doc.get("type").and_then(Value::as_str) != Some("Tombstone") => {
                return Err(FedError::Refused(
                    "object still exists at its origin".into(),
                ));
            }
            _ => {}
        }
    }
    if let Some(target) = state.db.actor_by_url(strip_fragment(&url)).await? {
        return on_delete_actor(state, act, &target).await;
    }
    // Only an object's owner may delete it: the same server is not enough (any Mastodon user
    // could delete anyone's comments there). An actor we do not know owns nothing here.
    let by = state.db.actor_by_url(strip_fragment(&act.actor)).await?;
    let (by_account, by_channel) = (
        by.as_ref().and_then(|a| a.account_id),
        by.as_ref().and_then(|a| a.channel_id),
    );
    // A fetch of this video that began before the Delete finishes first (see `video_lock`).
    let lock = state.federation.video_lock(&url);
    let _held = lock.lock().await;
    if let Some(v) = state.db.video_by_url(&url).await? {
        if !same_host || (by_account != Some(v.account_id) && by_channel != Some(v.channel_id)) {
            return Err(FedError::Refused(format!(
                "{} does not own the video {url}",
                act.actor
            )));
        }
        state.db.delete_video(v.id).await?;
        state.db.record_video_tombstone(&url, now_ms()).await?;
        // Our cached copies of its captions and storyboard.
        crate::captions::store::remove_files(state, &v.uuid).await;
        state.videos_changed();
        info!(%url, "remote video deleted");
        return Ok(());
    }
    if super::remote_playlists::on_playlist_delete(state, &url, by_account, by_channel, same_host)
        .await?
    {
        return Ok(());
    }
    if let Some(c) = comment_by_any_url(state, &url).await? {
        let video = state.db.video_by_id(c.video_id).await?;
        let owns_video = video
            .as_ref()
            .is_some_and(|v| by_account == Some(v.account_id));
        if by_account.is_none() || (!owns_video && (!same_host || c.account_id != by_account)) {
            return Err(FedError::Refused(format!(
                "{} is neither the author of {url} nor its video's owner",
                act.actor
            )));
        }
        state.db.soft_delete_comment(c.id, now_ms()).await?;
        if let Some(v) = video {
            if v.is_local() && !forwarded {
                forward_to_video_audience(state, &v, raw, actor_host).await?;
            }
        }
        return Ok(());
    }
    // Nothing known by that URL yet: it may be a video whose Create is still waiting in the
    // inbox. Its origin said it is gone, so that Create must ask the origin first.
    if same_host && !forwarded {
        state.db.record_video_tombstone(&url, now_ms()).await?;
    }
    Ok(())
}

/// `Delete` of an actor (an account or channel deleted at its origin, or a Mastodon user gone):
/// only the actor itself may send it. Its channels, their videos and its comments go with it.
async fn on_delete_actor(
    state: &Instance,
    act: &Activity,
    target: &ferrotube_db::federation::ActorRow,
) -> FedResult<()> {
    if target.is_local() || strip_fragment(&act.actor) != target.url {
        return Err(FedError::Refused(format!(
            "{} may not delete the actor {}",
            act.actor, target.url
        )));
    }
    let gone = match (target.account_id, target.channel_id) {
        (Some(account), _) => state.db.delete_remote_account(account, now_ms()).await?,
        (None, Some(channel)) => state.db.delete_remote_channel(channel).await?,
        (None, None) => false,
    };
    state
        .federation
        .remote_keys
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .remove(&target.url);
    state.videos_changed();
    info!(actor = %target.url, gone, "remote actor deleted");
    Ok(())
}

/// A report from another instance (PeerTube's `Flag`) becomes a report here, with its
/// predefined reasons (unknown names dropped) and the video span.
/// NOTIFICATION HOOK: "new abuse" (received from another instance), after `create_abuse`.
async fn on_flag(state: &Instance, act: &Activity) -> FedResult<()> {
    let reporter = remote_account_id(state, &act.actor).await.ok();
    let mut targets: Vec<String> = object_url(&act.object)
        .map(str::to_string)
        .into_iter()
        .collect();
    targets.extend(act.extra_objects.iter().cloned());
    let reason: String = act
        .content
        .clone()
        .unwrap_or_default()
        .chars()
        .take(3000)
        .collect();
    let details = act.flag.clone().unwrap_or_default();
    let bits = details
        .reasons
        .iter()
        .filter_map(|r| ferrotube_model::abuse::reason_bit(r))
        .fold(0, |acc, b| acc | b);
    // A span is kept only when it is coherent (PeerTube's own check on reports).
    let (start_at, end_at) = match (details.start_at, details.end_at) {
        (Some(s), Some(e)) if e > s => (Some(s), Some(e)),
        (Some(s), None) => (Some(s), None),
        _ => (None, None),
    };
    for t in targets {
        let video = video_by_any_url(state, &t).await?;
        let comment = if video.is_none() {
            comment_by_any_url(state, &t).await?
        } else {
            None
        };
        let comment_snapshot = match &comment {
            Some(c) => state
                .db
                .video_by_id(c.video_id)
                .await?
                .map(|v| super::objects::comment_snapshot(c, &v)),
            None => None,
        };
        let account = if video.is_none() && comment.is_none() {
            local_actor_by_url(state, &t)
                .await?
                .and_then(|a| a.account_id)
        } else {
            None
        };
        if video.is_none() && comment.is_none() && account.is_none() {
            continue;
        }
        let flagged = video
            .as_ref()
            .map(|v| v.account_id)
            .or_else(|| comment.as_ref().and_then(|c| c.account_id))
            .or(account);
        let new = ferrotube_db::moderation::NewAbuse {
            url: Some(&act.id),
            reporter_account_id: reporter,
            video_id: video.as_ref().map(|v| v.id),
            comment_id: comment.as_ref().map(|c| c.id),
            flagged_account_id: flagged,
            reason: &reason,
            predefined_reasons: bits,
            start_at: video.as_ref().and(start_at),
            end_at: video.as_ref().and(end_at),
            video_snapshot: video
                .as_ref()
                .map(|v| super::objects::video_snapshot(state, v)),
            comment_snapshot,
            now: now_ms(),
        };
        if let Some(abuse_id) = state.db.create_abuse(&new).await? {
            info!(target = %t, abuse = abuse_id, "abuse report received");
            crate::notifications::notify(state, crate::notifications::Event::NewAbuse { abuse_id })
                .await;
        }
        break;
    }
    Ok(())
}

/// Used by the REST layer: one of our accounts follows a remote (or local) actor.
pub async fn follow(
    state: &Instance,
    follower: &ferrotube_db::federation::ActorRow,
    target: &ferrotube_db::federation::ActorRow,
) -> FedResult<ferrotube_db::federation::FollowRow> {
    let now = now_ms();
    if target.is_local() {
        let f = state
            .db
            .upsert_follow(follower.id, target.id, FOLLOW_ACCEPTED, None, now)
            .await?;
        crate::notifications::notify(
            state,
            crate::notifications::Event::NewFollow { follow_id: f.id },
        )
        .await;
        return Ok(f);
    }
    let f = state
        .db
        .upsert_follow(follower.id, target.id, FOLLOW_PENDING, None, now)
        .await?;
    let id = follow_activity_id(&f, follower);
    state.db.set_follow_activity_url(f.id, &id).await?;
    let body = follow_activity(&id, follower, target);
    enqueue_deliveries(state, follower, &body, [target.inbox_url.clone()]).await?;
    Ok(f)
}

/// Undoes a follow of one of our actors and forgets it.
pub async fn unfollow(
    state: &Instance,
    follow: &ferrotube_db::federation::FollowRow,
    follower: &ferrotube_db::federation::ActorRow,
    target: &ferrotube_db::federation::ActorRow,
) -> FedResult<()> {
    if !target.is_local() {
        let id = follow_activity_id(follow, follower);
        let body = activity_with_object(
            ActivityKind::Undo,
            format!("{id}/undo"),
            &follower.url,
            follow_activity(&id, follower, target),
        );
        enqueue_deliveries(state, follower, &body, [target.inbox_url.clone()]).await?;
    }
    state.db.delete_follow(follow.id).await?;
    let instance_follow = follower.id == super::actors::instance_actor(state).await?.id;
    if let (true, Some(host)) = (instance_follow, &target.host) {
        // What we listed only because we followed them goes too (as PeerTube does).
        let removed = state.db.delete_remote_videos_of_host(host).await?;
        state.videos_changed();
        info!(%host, removed, "unfollowed, remote videos removed");
    }
    Ok(())
}
