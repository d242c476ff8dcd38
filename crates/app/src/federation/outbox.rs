//! The outbox: activities become durable delivery jobs, one per remote inbox (shared inboxes
//! when the remote has them, so one POST per server), retried with backoff. A host that keeps
//! failing is parked for a while so its jobs fail fast instead of holding workers, and each
//! host gets at most a few deliveries in flight, so one slow server cannot stall the others.

use super::actors::{account_actor, channel_actor, instance_actor, signer_of};
use super::objects::{federates, note_object, video_object, video_url};
use super::{url_host, FedError, FedResult, DELIVER, FEDERATE_VIDEO, FETCH_OUTBOX};
use crate::Instance;
use ferrotube_db::comments::CommentRow;
use ferrotube_db::federation::ActorRow;
use ferrotube_db::videos::VideoRow;
use ferrotube_federation::vocab::activity::{activity_to_json, Activity, ActivityKind, ObjectRef};
use ferrotube_jobs::{JobContext, JobError};
use ferrotube_model::timefmt::{iso, now_ms};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tracing::{debug, info, warn};

#[derive(Serialize, Deserialize)]
struct Delivery {
    inbox: String,
    /// Our actor whose key signs the POST.
    signer: i64,
    body: String,
}

/// Attempts per delivery: with the queue's backoff (5 s doubling, capped at 10 minutes) a
/// server may be down for about an hour and a half without losing anything.
const DELIVERY_ATTEMPTS: i64 = 14;

/// A host failing this many times in a row, for at least `PARK_MIN_OUTAGE_MS`, is parked (its
/// deliveries fail fast without a connection attempt) for a while, doubling, capped at an hour.
/// Failures that come in a burst (many deliveries at the moment a server restarts) do not park.
const PARK_AFTER: i64 = 3;
const PARK_MIN_OUTAGE_MS: i64 = 30_000;
fn park_ms(extra_failures: i64) -> i64 {
    (30_000i64 << extra_failures.clamp(0, 7)).min(3_600_000)
}

/// Enqueues one delivery per distinct inbox (ours excluded), all in one transaction.
pub async fn enqueue_deliveries(
    state: &Instance,
    signer: &ActorRow,
    body: &Value,
    inboxes: impl IntoIterator<Item = String>,
) -> FedResult<usize> {
    let body = serde_json::to_string(body).map_err(|e| FedError::Refused(e.to_string()))?;
    let mut seen = std::collections::HashSet::new();
    let mut tx = state.db.begin().await?;
    let mut n = 0;
    for inbox in inboxes {
        if inbox.starts_with(&state.url) || !seen.insert(inbox.clone()) {
            continue;
        }
        let job = Delivery {
            inbox,
            signer: signer.id,
            body: body.clone(),
        };
        state
            .queue
            .enqueue_in_with_attempts(&mut tx, DELIVER, &job, 20, DELIVERY_ATTEMPTS)
            .await?;
        n += 1;
    }
    tx.commit().await?;
    state.queue.wake();
    Ok(n)
}

pub async fn run_delivery(state: Instance, ctx: JobContext) -> Result<(), JobError> {
    let d: Delivery = serde_json::from_value(ctx.payload)
        .map_err(|e| JobError::Permanent(format!("bad delivery payload: {e}")))?;
    let host = url_host(&d.inbox).ok_or_else(|| JobError::Permanent("bad inbox URL".into()))?;
    let now = now_ms();
    if let Some(until) = state
        .db
        .host_parked_until(&host, now)
        .await
        .map_err(|e| JobError::Retry(e.to_string()))?
    {
        return Err(JobError::Retry(format!(
            "{host} is unreachable, parked for {} s",
            (until - now) / 1000
        )));
    }
    let signer_actor = state
        .db
        .actor_by_id(d.signer)
        .await
        .map_err(|e| JobError::Retry(e.to_string()))?
        .ok_or_else(|| JobError::Permanent("signing actor vanished".into()))?;
    let signer = signer_of(&state, &signer_actor)
        .await
        .map_err(FedError::into_job_error)?;
    let slot = state.federation.host_slot(&host);
    let _permit = slot
        .acquire()
        .await
        .map_err(|_| JobError::Retry("shutting down".into()))?;
    let result = state
        .federation
        .client
        .post_activity(&d.inbox, d.body.as_bytes(), &signer)
        .await;
    let ok = result.is_ok();
    if let Err(e) = state
        .db
        .record_delivery(&host, ok, PARK_AFTER, PARK_MIN_OUTAGE_MS, park_ms, now_ms())
        .await
    {
        warn!(error = %e, "cannot record delivery outcome");
    }
    match result {
        Ok(()) => {
            debug!(inbox = %d.inbox, "delivered");
            Ok(())
        }
        Err(e) => {
            warn!(inbox = %d.inbox, error = %e, "delivery failed");
            Err(FedError::from(e).into_job_error())
        }
    }
}

/// The actors whose followers hear about a local video: its channel, its account and the
/// instance (instances follow each other's instance actor).
async fn video_audience_actors(state: &Instance, v: &VideoRow) -> FedResult<(ActorRow, Vec<i64>)> {
    let (account_actor, channel_actor) = super::objects::video_actors(state, v).await?;
    let instance = instance_actor(state).await?;
    let ids = vec![account_actor.id, channel_actor.id, instance.id];
    Ok((account_actor, ids))
}

pub fn activity(
    kind: ActivityKind,
    id: String,
    actor: &str,
    object: ObjectRef,
    to: Vec<String>,
    cc: Vec<String>,
) -> Value {
    activity_to_json(&Activity {
        id,
        kind,
        actor: actor.to_string(),
        object,
        to,
        cc,
        content: None,
        extra_objects: Vec::new(),
        expires: None,
        flag: None,
    })
}

/// An activity whose object is another activity, kept as JSON (Accept{Follow}, Undo{Follow}).
pub fn activity_with_object(kind: ActivityKind, id: String, actor: &str, object: Value) -> Value {
    let mut body = activity(
        kind,
        id,
        actor,
        ObjectRef::Url(String::new()),
        Vec::new(),
        Vec::new(),
    );
    if let Some(o) = body.as_object_mut() {
        if let Some(inner) = object.as_object() {
            let mut inner = inner.clone();
            inner.remove("@context");
            o.insert("object".into(), Value::Object(inner));
        }
    }
    body
}

#[derive(Serialize, Deserialize)]
struct FederateVideo {
    video_id: i64,
    /// "create" the first time a video is shown to others, "update" afterwards.
    kind: String,
}

fn federate_job(video_id: i64, created: bool) -> FederateVideo {
    FederateVideo {
        video_id,
        kind: if created { "create" } else { "update" }.into(),
    }
}

/// Queues the Create or Update of a local video to its audience (after the caller's commit).
pub async fn video_changed(state: &Instance, video_id: i64, created: bool) {
    let job = federate_job(video_id, created);
    if let Err(e) = state.queue.enqueue(FEDERATE_VIDEO, &job, 30).await {
        warn!(video_id, error = %e, "cannot queue video federation");
    }
}

/// Queues the Create or Update of a local video in the caller's transaction: the change and its
/// federation commit together. Call `state.queue.wake()` after the commit.
pub async fn queue_video_changed(
    state: &Instance,
    tx: &mut ferrotube_db::Tx,
    video_id: i64,
    created: bool,
) -> Result<(), ferrotube_jobs::QueueError> {
    let job = federate_job(video_id, created);
    state
        .queue
        .enqueue_in(tx, FEDERATE_VIDEO, &job, 30)
        .await
        .map(|_| ())
}

pub async fn run_federate_video(state: Instance, ctx: JobContext) -> Result<(), JobError> {
    let job: FederateVideo = serde_json::from_value(ctx.payload)
        .map_err(|e| JobError::Permanent(format!("bad payload: {e}")))?;
    let Some(v) = state
        .db
        .video_by_id(job.video_id)
        .await
        .map_err(|e| JobError::Retry(e.to_string()))?
    else {
        return Ok(());
    };
    // A video whose block unfederated it stays unknown elsewhere until the block is lifted.
    let unfederated = state
        .db
        .blacklist_of(v.id)
        .await
        .map_err(|e| JobError::Retry(e.to_string()))?
        .is_some_and(|b| b.unfederated);
    if unfederated {
        debug!(uuid = %v.uuid, "unfederated by a block: not federated");
        return Ok(());
    }
    if v.owner_banned {
        debug!(uuid = %v.uuid, "its owner is banned: not federated");
        return Ok(());
    }
    federate_video(&state, &v, job.kind == "create")
        .await
        .map_err(FedError::into_job_error)
}

async fn federate_video(state: &Instance, v: &VideoRow, created: bool) -> FedResult<()> {
    let (account_actor, audience) = video_audience_actors(state, v).await?;
    let inboxes = state.db.follower_inboxes(&audience).await?;
    if !federates(v) {
        // Turned private (or not published): the others must forget it.
        return send_video_delete(state, v, &account_actor, inboxes).await;
    }
    let obj = video_object(state, v).await?;
    let (to, cc) = (obj.to.clone(), obj.cc.clone());
    let id = if created {
        format!("{}/activity", obj.id)
    } else {
        format!("{}/updates/{}", obj.id, iso(now_ms()))
    };
    let kind = if created {
        ActivityKind::Create
    } else {
        ActivityKind::Update
    };
    let url = obj.id.clone();
    let body = activity(
        kind,
        id,
        &account_actor.url,
        ObjectRef::Video(Box::new(obj)),
        to,
        cc,
    );
    let mut n = enqueue_deliveries(state, &account_actor, &body, inboxes).await?;
    if created {
        n += announce_video(state, v, &url).await?;
    }
    info!(uuid = %v.uuid, deliveries = n, created, "video federated");
    Ok(())
}

/// PeerTube's sharing of a new video: its channel and the instance actor each Announce it to
/// their own followers (a Mastodon follower of the channel sees it as the channel's boost).
async fn announce_video(state: &Instance, v: &VideoRow, url: &str) -> FedResult<usize> {
    let channel = state
        .db
        .channel_by_id(v.channel_id)
        .await?
        .ok_or_else(|| FedError::Refused("channel vanished".into()))?;
    let mut n = 0;
    for actor in [
        channel_actor(state, &channel).await?,
        instance_actor(state).await?,
    ] {
        let followers = actor
            .followers_url
            .clone()
            .unwrap_or_else(|| format!("{}/followers", actor.url));
        let body = activity(
            ActivityKind::Announce,
            format!("{url}/announces/{}", actor.id),
            &actor.url,
            ObjectRef::Url(url.to_string()),
            vec![super::PUBLIC.to_string(), followers],
            Vec::new(),
        );
        // Our own shares count too, as in PeerTube (the video's `shares` collection).
        state
            .db
            .upsert_share(
                actor.id,
                v.id,
                &format!("{url}/announces/{}", actor.id),
                now_ms(),
            )
            .await?;
        let inboxes = state.db.follower_inboxes(&[actor.id]).await?;
        n += enqueue_deliveries(state, &actor, &body, inboxes).await?;
    }
    Ok(n)
}

/// One of our accounts or channels changed its profile: `Update{Person|Group}`, carrying the
/// actor as `actor_json` writes it, goes to its followers and the instance's (as PeerTube does:
/// the instance actor shares every local video, so its followers know these actors too).
pub async fn actor_updated(state: &Instance, actor: &ActorRow) {
    let result = async {
        let instance = instance_actor(state).await?;
        let inboxes = state.db.follower_inboxes(&[actor.id, instance.id]).await?;
        if inboxes.is_empty() {
            return Ok(0);
        }
        let obj = super::actors::actor_object(state, actor).await?;
        let followers = actor
            .followers_url
            .clone()
            .unwrap_or_else(|| format!("{}/followers", actor.url));
        let body = activity(
            ActivityKind::Update,
            format!("{}/updates/{}", actor.url, iso(now_ms())),
            &actor.url,
            ObjectRef::Actor(Box::new(obj)),
            vec![super::PUBLIC.to_string()],
            vec![followers],
        );
        enqueue_deliveries(state, actor, &body, inboxes).await
    }
    .await;
    match result {
        Ok(n) => debug!(actor = %actor.url, deliveries = n, "actor update federated"),
        Err(e) => warn!(actor = %actor.url, error = %e, "cannot federate the actor update"),
    }
}

/// A local account's profile changed (see `actor_updated`).
pub async fn account_updated(state: &Instance, account: &ferrotube_db::accounts::AccountRow) {
    match account_actor(state, account).await {
        Ok(actor) => actor_updated(state, &actor).await,
        Err(e) => warn!(account = %account.name, error = %e, "cannot federate the account update"),
    }
}

/// A local channel's profile changed (see `actor_updated`).
pub async fn channel_updated(state: &Instance, channel: &ferrotube_db::accounts::ChannelRow) {
    match channel_actor(state, channel).await {
        Ok(actor) => actor_updated(state, &actor).await,
        Err(e) => warn!(channel = %channel.name, error = %e, "cannot federate the channel update"),
    }
}

async fn send_video_delete(
    state: &Instance,
    v: &VideoRow,
    account_actor: &ActorRow,
    inboxes: Vec<String>,
) -> FedResult<()> {
    let url = video_url(state, v);
    let body = activity(
        ActivityKind::Delete,
        format!("{url}/delete"),
        &account_actor.url,
        ObjectRef::Url(url.clone()),
        vec![super::PUBLIC.to_string()],
        Vec::new(),
    );
    enqueue_deliveries(state, account_actor, &body, inboxes).await?;
    Ok(())
}

/// Before a local video's rows go: tells its audience to delete it.
pub async fn video_deleted(state: &Instance, v: &VideoRow) {
    if !v.is_local() {
        return;
    }
    let result = async {
        let (account_actor, audience) = video_audience_actors(state, v).await?;
        let inboxes = state.db.follower_inboxes(&audience).await?;
        send_video_delete(state, v, &account_actor, inboxes).await
    }
    .await;
    if let Err(e) = result {
        warn!(uuid = %v.uuid, error = %e, "cannot federate the deletion");
    }
}

/// Where a comment (or its deletion) goes: for our videos, their audience; for remote videos,
/// the video's origin; always the followers of the author; and, as PeerTube does, the remote
/// authors of the comments it answers up the thread (or a Mastodon user never sees the reply).
async fn comment_inboxes(
    state: &Instance,
    v: &VideoRow,
    author: &ActorRow,
    c: &CommentRow,
) -> FedResult<Vec<String>> {
    let mut inboxes = state.db.follower_inboxes(&[author.id]).await?;
    let mut parent = c.in_reply_to_id;
    for _ in 0..100 {
        let Some(p) = parent else { break };
        let Some(pc) = state.db.comment_by_id(p).await? else {
            break;
        };
        if let Some(account) = pc.account_id {
            if let Some(a) = state.db.actor_of_account(account).await? {
                if !a.is_local() {
                    inboxes.push(a.delivery_inbox().to_string());
                }
            }
        }
        parent = pc.in_reply_to_id;
    }
    if v.is_local() {
        let (_, audience) = video_audience_actors(state, v).await?;
        inboxes.extend(state.db.follower_inboxes(&audience).await?);
    } else {
        if let Some(c) = state.db.actor_of_channel(v.channel_id).await? {
            inboxes.push(c.delivery_inbox().to_string());
        }
        if let Some(a) = state.db.actor_of_account(v.account_id).await? {
            inboxes.push(a.delivery_inbox().to_string());
        }
    }
    Ok(inboxes)
}

/// A local comment was written (or deleted, when the row carries `deleted_at`).
pub async fn comment_changed(state: &Instance, v: &VideoRow, comment_id: i64) {
    let result = async {
        let Some(c) = state.db.comment_by_id(comment_id).await? else {
            return Ok(());
        };
        let Some(account_id) = c.account_id else {
            return Ok(());
        };
        let account = state
            .db
            .account_by_id(account_id)
            .await?
            .ok_or_else(|| FedError::Refused("author vanished".into()))?;
        let author = account_actor(state, &account).await?;
        let note = note_object(state, v, &c).await?;
        let inboxes = comment_inboxes(state, v, &author, &c).await?;
        let body = if c.deleted_at.is_some() {
            activity(
                ActivityKind::Delete,
                format!("{}/delete", note.id),
                &author.url,
                ObjectRef::Url(note.id.clone()),
                vec![super::PUBLIC.to_string()],
                Vec::new(),
            )
        } else {
            let (to, cc) = (note.to.clone(), note.cc.clone());
            activity(
                ActivityKind::Create,
                format!("{}/activity", note.id),
                &author.url,
                ObjectRef::Note(Box::new(note)),
                to,
                cc,
            )
        };
        enqueue_deliveries(state, &author, &body, inboxes).await?;
        Ok::<(), FedError>(())
    }
    .await;
    if let Err(e) = result {
        warn!(comment_id, error = %e, "cannot federate the comment");
    }
}

/// Sends an activity of a remote actor, received for one of our videos, on to that video's
/// audience (PeerTube's forwarding): other followers of the video learn about the comment. The
/// receivers see our signature, not the author's, so they check the object at its origin.
pub async fn forward_to_video_audience(
    state: &Instance,
    v: &VideoRow,
    body: &Value,
    except_host: &str,
) -> FedResult<()> {
    let (_, audience) = video_audience_actors(state, v).await?;
    let inboxes: Vec<String> = state
        .db
        .follower_inboxes(&audience)
        .await?
        .into_iter()
        .filter(|i| url_host(i).as_deref() != Some(except_host))
        .collect();
    let instance = instance_actor(state).await?;
    enqueue_deliveries(state, &instance, body, inboxes).await?;
    Ok(())
}

/// A like, dislike, their undo or a view of a remote video, sent to its origin.
pub async fn send_to_video_origin(
    state: &Instance,
    v: &VideoRow,
    from: &ActorRow,
    body: &Value,
) -> FedResult<()> {
    let mut inboxes = Vec::new();
    if let Some(a) = state.db.actor_of_account(v.account_id).await? {
        inboxes.push(a.delivery_inbox().to_string());
    }
    enqueue_deliveries(state, from, body, inboxes).await?;
    Ok(())
}

#[derive(Serialize, Deserialize)]
pub struct FetchOutbox {
    pub url: String,
}

/// Crawls a followed actor's outbox and stores the videos it shares (what a new follower of an
/// instance sees at once, before any new activity).
pub async fn run_fetch_outbox(state: Instance, ctx: JobContext) -> Result<(), JobError> {
    let job: FetchOutbox = serde_json::from_value(ctx.payload)
        .map_err(|e| JobError::Permanent(format!("bad payload: {e}")))?;
    crawl_outbox(&state, &job.url)
        .await
        .map_err(FedError::into_job_error)
}

const MAX_OUTBOX_PAGES: usize = 50;

async fn crawl_outbox(state: &Instance, url: &str) -> FedResult<()> {
    let host = url_host(url).ok_or_else(|| FedError::Refused(format!("bad URL {url}")))?;
    let signer = super::actors::instance_signer(state).await?;
    let client = &state.federation.client;
    let first = client.get_activity_json(url, Some(&signer)).await?;
    let mut page = ferrotube_federation::vocab::collection::parse_collection(&first)?;
    let mut stored = 0usize;
    // The accounts and channels of what was stored, whose playlists are crawled next (as
    // PeerTube does for the actors it learns).
    let mut owners = std::collections::BTreeSet::new();
    for n in 0..MAX_OUTBOX_PAGES {
        for item in &page.items {
            // An item is an activity (Announce / Create) whose object is the video or its URL.
            let object = item.get("object").unwrap_or(item);
            let video_url = object.as_str().map(str::to_string).or_else(|| {
                (object.get("type").and_then(Value::as_str) == Some("Video"))
                    .then(|| object.get("id").and_then(Value::as_str).map(str::to_string))
                    .flatten()
            });
            let Some(video_url) = video_url else { continue };
            if url_host(&video_url).as_deref() != Some(host.as_str()) {
                continue;
            }
            match super::objects::fetch_remote_video(state, &video_url, false).await {
                Ok(id) => {
                    stored += 1;
                    if owners.len() < super::remote_playlists::MAX_CRAWLED_ACTORS {
                        if let Ok(Some(v)) = state.db.video_by_id(id).await {
                            owners.extend(v.account_actor_url);
                            owners.extend(v.channel_actor_url);
                        }
                    }
                }
                Err(e) => debug!(url = %video_url, error = %e, "outbox item skipped"),
            }
        }
        let Some(next) = page.next.take() else { break };
        if n + 1 == MAX_OUTBOX_PAGES || url_host(&next).as_deref() != Some(host.as_str()) {
            break;
        }
        let doc = client.get_activity_json(&next, Some(&signer)).await?;
        page = ferrotube_federation::vocab::collection::parse_collection(&doc)?;
    }
    info!(outbox = %url, stored, "outbox crawled");
    super::remote_playlists::crawl_actors_playlists(state, &owners, &host).await;
    Ok(())
}

pub async fn enqueue_outbox_crawl(state: &Instance, outbox: &str) -> FedResult<()> {
    state
        .queue
        .enqueue(
            FETCH_OUTBOX,
            &FetchOutbox {
                url: outbox.to_string(),
            },
            40,
        )
        .await?;
    Ok(())
}

/// A local account rated a remote video: Like / Dislike, or Undo of the previous one.
pub async fn rate_remote_video(
    state: &Instance,
    v: &VideoRow,
    account_id: i64,
    before: Option<&str>,
    now: Option<&str>,
) {
    let result = async {
        let account = state
            .db
            .account_by_id(account_id)
            .await?
            .ok_or_else(|| FedError::Refused("account vanished".into()))?;
        let me = account_actor(state, &account).await?;
        let url = video_url(state, v);
        let kind_of = |r: &str| {
            if r == "like" {
                ActivityKind::Like
            } else {
                ActivityKind::Dislike
            }
        };
        let rate_activity = |r: &str| {
            activity(
                kind_of(r),
                // Unique per rating: a like after an undo is a new activity, not a redelivery.
                format!("{}/{}s/{}-{}", me.url, r, v.id, now_ms()),
                &me.url,
                ObjectRef::Url(url.clone()),
                vec![v.url.clone().unwrap_or_default()],
                Vec::new(),
            )
        };
        if let Some(b) = before {
            let inner = rate_activity(b);
            let id = inner
                .get("id")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            let undo =
                activity_with_object(ActivityKind::Undo, format!("{id}/undo"), &me.url, inner);
            send_to_video_origin(state, v, &me, &undo).await?;
        }
        if let Some(r) = now {
            send_to_video_origin(state, v, &me, &rate_activity(r)).await?;
        }
        Ok::<(), FedError>(())
    }
    .await;
    if let Err(e) = result {
        warn!(uuid = %v.uuid, error = %e, "cannot federate the rating");
    }
}

/// A view of a remote video, sent to its origin by the instance actor (as PeerTube does).
pub async fn view_remote_video(state: &Instance, v: &VideoRow) {
    let result = async {
        let me = instance_actor(state).await?;
        let url = video_url(state, v);
        let body = activity(
            ActivityKind::View,
            format!("{}/views/videos/{}/{}", me.url, v.id, uuid::Uuid::new_v4()),
            &me.url,
            ObjectRef::Url(url),
            Vec::new(),
            Vec::new(),
        );
        send_to_video_origin(state, v, &me, &body).await
    }
    .await;
    if let Err(e) = result {
        warn!(uuid = %v.uuid, error = %e, "cannot federate the view");
    }
}

/// A report of a remote video goes to its origin as a `Flag` by our instance actor (the
/// reporter stays anonymous to the other instance, as in PeerTube).
/// Sends a report of remote content to its origin as PeerTube's `Flag`, from the reporter's
/// account actor (as PeerTube's `createAbuse` does) to the reported account: `object` the
/// reported URL, `content` the reason, the predefined reasons as `Hashtag` tags and the video
/// span (`startAt`/`endAt`). Delivery is a durable job; a failure to queue it is logged (the
/// report stays here).
pub async fn flag_remote(
    state: &Instance,
    abuse_id: i64,
    reporter_account_id: i64,
    object_url: &str,
    flagged_account_id: i64,
    reason: &str,
    details: ferrotube_federation::vocab::FlagDetails,
) {
    let result = async {
        let reporter = state
            .db
            .account_by_id(reporter_account_id)
            .await?
            .ok_or_else(|| FedError::Refused("the reporter has no account".into()))?;
        let me = account_actor(state, &reporter).await?;
        let target = state
            .db
            .actor_of_account(flagged_account_id)
            .await?
            .ok_or_else(|| FedError::Refused("the reported account has no actor".into()))?;
        let body = activity_to_json(&Activity {
            id: format!("{}/abuses/{abuse_id}", state.url),
            kind: ActivityKind::Flag,
            actor: me.url.clone(),
            object: ObjectRef::Url(object_url.to_string()),
            to: vec![target.url.clone()],
            cc: Vec::new(),
            content: Some(reason.to_string()),
            extra_objects: Vec::new(),
            expires: None,
            flag: Some(details),
        });
        let inboxes = vec![target.delivery_inbox().to_string()];
        enqueue_deliveries(state, &me, &body, inboxes).await
    }
    .await;
    if let Err(e) = result {
        warn!(abuse_id, error = %e, "cannot federate the report");
    }
}

#[derive(Serialize, Deserialize)]
struct RefreshVideo {
    url: String,
}

/// A remote video read after `refresh_after_secs` is refetched from its origin in the
/// background (the reader gets what we have at once); a video gone at the origin is removed.
pub async fn refresh_if_stale(state: &Instance, v: &VideoRow) {
    let Some(url) = &v.url else { return };
    let now = now_ms();
    let stale_before = now - state.settings.federation.refresh_after_secs as i64 * 1000;
    if v.fetched_at.unwrap_or(0) >= stale_before {
        return;
    }
    match state.db.claim_video_refresh(v.id, stale_before, now).await {
        Ok(true) => {
            let job = RefreshVideo { url: url.clone() };
            if let Err(e) = state.queue.enqueue(super::REFRESH_VIDEO, &job, 60).await {
                warn!(error = %e, "cannot queue a video refresh");
            }
        }
        Ok(false) => {}
        Err(e) => warn!(error = %e, "cannot claim a video refresh"),
    }
}

pub async fn run_refresh_video(state: Instance, ctx: JobContext) -> Result<(), JobError> {
    let job: RefreshVideo = serde_json::from_value(ctx.payload)
        .map_err(|e| JobError::Permanent(format!("bad payload: {e}")))?;
    match super::objects::fetch_remote_video(&state, &job.url, true).await {
        Ok(_) => Ok(()),
        Err(FedError::Fetch(ferrotube_federation::FetchError::Status(404 | 410))) => {
            if let Ok(Some(v)) = state.db.video_by_url(&job.url).await {
                let _ = state.db.delete_video(v.id).await;
                let _ = state.db.record_video_tombstone(&job.url, now_ms()).await;
                state.videos_changed();
                info!(url = %job.url, "remote video gone at its origin, removed");
            }
            Ok(())
        }
        Err(e) => Err(e.into_job_error()),
    }
}
