//! `CacheFile` activities, both ways.
//!
//! Out: when we make, renew or drop a copy (see [`crate::redundancy`]) a `federate-cache-file`
//! job is queued in the same transaction as the change, with the activity already built; it
//! sends `Create`, `Update` or `Undo{Create}` to the video's account (the origin lists the copy)
//! and to our instance's followers, signed by our instance actor, as PeerTube does.
//!
//! In: a copy another instance announces of a video we know is recorded, if
//! `remote_redundancy.videos.accept_from` lets that instance (`nobody`, `anybody`,
//! `followings`: instances we follow), if the copy is served from the announcing actor's own
//! host, and while its `expires` is in the future.

use super::actors::{instance_actor, remote_actor};
use super::objects::{video_by_any_url, video_url};
use super::outbox::enqueue_deliveries;
use super::{FedError, FedResult};
use crate::Instance;
use ferrotube_config::AcceptFrom;
use ferrotube_db::redundancy::{NewRedundancy, RedundancyRow};
use ferrotube_db::videos::VideoRow;
use ferrotube_federation::vocab::activity::{activity_to_json, Activity, ActivityKind, ObjectRef};
use ferrotube_federation::vocab::cache_file::{CacheFileObject, HLS_MEDIA_TYPE};
use ferrotube_jobs::{JobContext, JobError};
use ferrotube_model::timefmt::{iso, now_ms, parse_iso};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tracing::info;

pub const FEDERATE_CACHE_FILE: &str = "federate-cache-file";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheFileChange {
    Create,
    Update,
    Undo,
}

#[derive(Debug, Serialize, Deserialize)]
struct FederateCacheFile {
    video_id: i64,
    /// The signed body to send, built when the change was made (an Undo outlives its row).
    activity: Value,
}

/// The CacheFile of our copy `r` of video `v`.
fn cache_file(state: &Instance, v: &VideoRow, r: &RedundancyRow) -> CacheFileObject {
    let owner = v
        .account_actor_url
        .clone()
        .unwrap_or_else(|| state.account_url(&v.account_name));
    CacheFileObject {
        id: r.url.clone(),
        video: video_url(state, v),
        expires: r.expires_at.map(iso),
        href: r.file_url.clone(),
        media_type: HLS_MEDIA_TYPE.to_owned(),
        to: vec![owner],
        cc: Vec::new(),
    }
}

/// Our live copy of video `uuid` as its CacheFile (served at the CacheFile's id), or `None`.
pub async fn our_cache_file(state: &Instance, uuid: &str) -> crate::Result<Option<Value>> {
    let Some(v) = state.db.video_by_uuid(uuid).await? else {
        return Ok(None);
    };
    let Some(r) = crate::redundancy::copies::our_live_copy(state, v.id).await? else {
        return Ok(None);
    };
    Ok(Some(
        ferrotube_federation::vocab::cache_file::cache_file_to_json(&cache_file(state, &v, &r)),
    ))
}

fn create_activity(actor: &str, c: &CacheFileObject) -> Activity {
    Activity {
        id: format!("{}/activity", c.id),
        kind: ActivityKind::Create,
        actor: actor.to_owned(),
        object: ObjectRef::CacheFile(Box::new(c.clone())),
        to: c.to.clone(),
        cc: c.cc.clone(),
        content: None,
        extra_objects: Vec::new(),
        expires: None,
        flag: None,
    }
}

/// Builds the activity for `change` and queues its delivery inside `tx`.
pub async fn queue_announce(
    state: &Instance,
    tx: &mut ferrotube_db::Tx,
    v: &VideoRow,
    r: &RedundancyRow,
    change: CacheFileChange,
) -> Result<(), ferrotube_jobs::QueueError> {
    let actor = state.account_url(super::actors::INSTANCE_ACTOR);
    let c = cache_file(state, v, r);
    let create = create_activity(&actor, &c);
    let activity = match change {
        CacheFileChange::Create => create,
        CacheFileChange::Update => Activity {
            id: format!("{}/updates/{}", c.id, r.updated_at),
            kind: ActivityKind::Update,
            ..create
        },
        CacheFileChange::Undo => Activity {
            id: format!("{}/undo/{}", c.id, uuid::Uuid::new_v4()),
            kind: ActivityKind::Undo,
            actor: actor.clone(),
            to: c.to.clone(),
            cc: c.cc.clone(),
            object: ObjectRef::Activity(Box::new(create)),
            content: None,
            extra_objects: Vec::new(),
            expires: None,
            flag: None,
        },
    };
    let job = FederateCacheFile {
        video_id: v.id,
        activity: activity_to_json(&activity),
    };
    state
        .queue
        .enqueue_in(tx, FEDERATE_CACHE_FILE, &job, 40)
        .await
        .map(|_| ())
}

pub async fn run_federate_cache_file(state: Instance, ctx: JobContext) -> Result<(), JobError> {
    let job: FederateCacheFile = serde_json::from_value(ctx.payload)
        .map_err(|e| JobError::Permanent(format!("bad payload: {e}")))?;
    send(&state, &job).await.map_err(FedError::into_job_error)
}

async fn send(state: &Instance, job: &FederateCacheFile) -> FedResult<()> {
    let me = instance_actor(state).await?;
    let mut inboxes = state.db.follower_inboxes(&[me.id]).await?;
    // The origin: the video's account (PeerTube's audience), found by its actor.
    let owner = job
        .activity
        .get("to")
        .and_then(Value::as_array)
        .and_then(|to| to.first())
        .and_then(Value::as_str)
        .map(str::to_owned);
    if let Some(owner) = owner.filter(|o| !o.starts_with(&state.url)) {
        let actor = remote_actor(state, &owner, false).await?;
        inboxes.push(actor.shared_inbox_url.unwrap_or(actor.inbox_url));
    }
    let n = enqueue_deliveries(state, &me, &job.activity, inboxes).await?;
    info!(
        video_id = job.video_id,
        deliveries = n,
        "cache file announced"
    );
    Ok(())
}

/// Whether `accept_from` lets the instance at `host` mirror our videos.
async fn accepted_from(state: &Instance, host: &str) -> FedResult<bool> {
    Ok(match state.settings.remote_redundancy.videos.accept_from {
        AcceptFrom::Nobody => false,
        AcceptFrom::Anybody => true,
        AcceptFrom::Followings => {
            let me = instance_actor(state).await?;
            state.db.follows_host(me.id, host).await?
        }
    })
}

/// The CacheFile at `id` as its announcer serves it now (`None`: withdrawn), for activities that
/// reach us forwarded by the origin: a copy is believed only from the instance that keeps it.
async fn fetch_from_announcer(state: &Instance, id: &str) -> FedResult<Option<CacheFileObject>> {
    let signer = super::actors::instance_signer(state).await?;
    match state
        .federation
        .client
        .get_activity_json(id, Some(&signer))
        .await
    {
        Ok(doc) => {
            let c = ferrotube_federation::vocab::cache_file::parse_cache_file(&doc)?;
            if c.id != id {
                return Err(FedError::Refused(
                    "the CacheFile served has another id".into(),
                ));
            }
            Ok(Some(c))
        }
        Err(ferrotube_federation::client::FetchError::Status(404 | 410)) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Create or Update{CacheFile}: records (or renews) the copy `c` announced by `act.actor`. One
/// that came forwarded is fetched from its announcer first. A copy of one of our videos is
/// forwarded to the video's audience, so the instances that follow us learn of it.
pub async fn on_cache_file(
    state: &Instance,
    act: &Activity,
    raw: &Value,
    c: &CacheFileObject,
    actor_host: &str,
    forwarded: bool,
) -> FedResult<()> {
    let fetched;
    let c = if forwarded {
        fetched = fetch_from_announcer(state, &c.id)
            .await?
            .ok_or_else(|| FedError::Refused("the announcer no longer serves that copy".into()))?;
        &fetched
    } else {
        c
    };
    record_cache_file(state, act, c, actor_host).await?;
    if !forwarded {
        if let Some(video) = video_by_any_url(state, &c.video).await? {
            if video.is_local() {
                super::outbox::forward_to_video_audience(state, &video, raw, actor_host).await?;
            }
        }
    }
    Ok(())
}

async fn record_cache_file(
    state: &Instance,
    act: &Activity,
    c: &CacheFileObject,
    actor_host: &str,
) -> FedResult<()> {
    if !accepted_from(state, actor_host).await? {
        return Err(FedError::Refused(format!(
            "copies from {actor_host} are not accepted (remote_redundancy.videos.accept_from)"
        )));
    }
    // The vocabulary already checked that the CacheFile and its url are on the activity's
    // host; check again here, where it matters.
    if super::url_host(&c.href).as_deref() != Some(actor_host) {
        return Err(FedError::Refused(
            "a copy must be served by the instance that announces it".into(),
        ));
    }
    let now = now_ms();
    let expires_at = match &c.expires {
        Some(e) => Some(parse_iso(e).ok_or_else(|| FedError::Refused("bad expires".into()))?),
        None => None,
    };
    if expires_at.is_some_and(|e| e <= now) {
        return Err(FedError::Refused("the copy has already expired".into()));
    }
    let video = video_by_any_url(state, &c.video)
        .await?
        .ok_or_else(|| FedError::Refused(format!("unknown video {}", c.video)))?;
    if video.is_local() && !super::objects::federates(&video) {
        return Err(FedError::Refused("that video is not shared".into()));
    }
    let actor = remote_actor(state, &act.actor, false).await?;
    state
        .db
        .upsert_redundancy(&NewRedundancy {
            video_id: video.id,
            actor_id: actor.id,
            local: false,
            url: &c.id,
            file_url: &c.href,
            strategy: None,
            size: 0,
            expires_at,
            now,
        })
        .await?;
    state.videos_changed();
    info!(video = %video.uuid, by = %act.actor, copy = %c.href, "copy of a video recorded");
    Ok(())
}

/// Undo{Create{CacheFile}}: the announcer drops its copy. Forwarded, it is believed once the
/// announcer no longer serves the CacheFile; from the announcer, a copy of one of our videos is
/// forwarded to the video's audience.
pub async fn on_undo_cache_file(
    state: &Instance,
    act: &Activity,
    raw: &Value,
    cache_file_id: &str,
    forwarded: bool,
) -> FedResult<()> {
    if forwarded && fetch_from_announcer(state, cache_file_id).await?.is_some() {
        return Err(FedError::Refused(
            "forwarded Undo of a copy its announcer still serves".into(),
        ));
    }
    let video = match state.db.redundancy_by_url(cache_file_id).await? {
        Some(r) => state.db.video_by_id(r.video_id).await?,
        None => None,
    };
    let Some(actor) = state
        .db
        .actor_by_url(super::strip_fragment(&act.actor))
        .await?
    else {
        return Ok(());
    };
    if state
        .db
        .delete_remote_redundancy(cache_file_id, actor.id)
        .await?
    {
        state.videos_changed();
        info!(by = %act.actor, cache_file = %cache_file_id, "copy of a video withdrawn");
        if let (Some(v), false) = (&video, forwarded) {
            if v.is_local() {
                let host = super::url_host(&act.actor).unwrap_or_default();
                super::outbox::forward_to_video_audience(state, v, raw, &host).await?;
            }
        }
    }
    Ok(())
}
