//! S3-compatible object storage for local videos (PeerTube's `object_storage`).
//!
//! The transcode job always writes on local disk; in the transaction that records its result it
//! calls [`queue_move_in`], which marks the video's files local (`videos.storage` 0) and, when
//! object storage is on, queues the durable `move-to-object-storage` job. That job
//! ([`run_move`], body [`move_video`]) uploads the HLS folder, the web videos and the original
//! (public videos' files with `upload_acl.public`, the others with `upload_acl.private`), points
//! the torrents' web seeds at the bucket, then flips `storage` to 1 and queues the video's
//! federation Update in one transaction, and only then removes the local copies. So a video is
//! never advertised half-moved: a worker killed mid-move leaves it local and whole, and the
//! retried job (on any node) starts the uploads again; a failed request is retried inside the
//! job, then the job is retried with backoff while the S3 server is down, and reads keep using
//! the local copies meanwhile.
//!
//! Reads: public files are advertised at the bucket's URL (or the CDN `base_url`), through
//! [`public_base_url`] in `Instance::file_base_url`; private ones keep the instance's private
//! paths, which check the reader and then stream the object ([`locate`], used by the files
//! routes). HLS playlists name their variants and segments relatively, so a playlist read from
//! the bucket finds its files beside it with no rewrite.
//!
//! [`migrate`] (`ferrotube storage migrate --to s3|local`) moves an instance's existing videos
//! either way, one video at a time: a run stopped halfway is resumed by running it again.

use crate::Instance;
use ferrotube_db::object_storage::{STORAGE_LOCAL, STORAGE_OBJECT};
use ferrotube_db::videos::{FileRow, VideoRow};
use ferrotube_jobs::{JobContext, JobError};
use ferrotube_model::FileKind;
use ferrotube_storage::object::{Acl, Kind, ObjectError, S3Store};
use ferrotube_storage::ObjectStore;
use serde::{Deserialize, Serialize};
use std::path::Path;
use std::sync::Arc;

pub const MOVE_TO_OBJECT_STORAGE: &str = "move-to-object-storage";
pub const SET_PRIVACY: &str = "object-storage-privacy";

#[derive(Serialize, Deserialize)]
pub struct MovePayload {
    pub uuid: String,
}

/// The buckets of `[object_storage]`, when enabled.
pub fn from_settings(
    settings: &ferrotube_config::Settings,
) -> Result<Option<Arc<S3Store>>, ObjectError> {
    if !settings.object_storage.enabled {
        return Ok(None);
    }
    Ok(Some(Arc::new(S3Store::new(&settings.object_storage)?)))
}

fn hls_prefix(uuid: &str) -> String {
    format!("streaming-playlists/hls/{uuid}")
}

/// The buckets, when a local video with this storage state and privacy is read straight from
/// them. Bucket URLs only while the objects' ACL lets anyone read them: a video made public is
/// read through the instance until its objects are public too.
fn in_public_bucket(
    state: &crate::instance::Inner,
    storage: i64,
    storage_public: i64,
    privacy: ferrotube_model::Privacy,
) -> Option<&S3Store> {
    let objects = state.objects.as_deref()?;
    (storage == STORAGE_OBJECT && storage_public == 1 && privacy.readable_by_anyone())
        .then_some(objects)
}

/// [`public_base_url`] of a local video's HLS folder, from its storage state and privacy.
pub fn public_hls_base(
    state: &crate::instance::Inner,
    uuid: &str,
    privacy: ferrotube_model::Privacy,
    storage: i64,
    storage_public: i64,
) -> Option<String> {
    in_public_bucket(state, storage, storage_public, privacy)
        .map(|objects| objects.public_url(Kind::StreamingPlaylists, uuid))
}

/// Where a video's files may be read straight from the bucket: its public files once moved.
pub fn public_base_url(
    state: &crate::instance::Inner,
    v: &VideoRow,
    kind: FileKind,
) -> Option<String> {
    if !v.is_local() {
        return None;
    }
    let objects = in_public_bucket(state, v.storage, v.storage_public, v.privacy)?;
    let url = match kind {
        FileKind::Hls => objects.public_url(Kind::StreamingPlaylists, &v.uuid),
        FileKind::WebVideo => objects
            .public_url(Kind::WebVideos, "")
            .trim_end_matches('/')
            .to_string(),
    };
    Some(url)
}

/// The object that holds the local store's `key` (for the files routes, once the local copy is
/// gone): its kind and key in that kind's bucket.
pub fn locate(key: &str) -> Option<(Kind, String)> {
    if let Some(rest) = key.strip_prefix("streaming-playlists/hls/") {
        return Some((Kind::StreamingPlaylists, rest.to_string()));
    }
    if let Some(rest) = key.strip_prefix("web-videos/") {
        return Some((Kind::WebVideos, rest.to_string()));
    }
    if let Some(rest) = key.strip_prefix("original-video-files/") {
        return Some((Kind::OriginalVideoFiles, rest.to_string()));
    }
    if let Some(rest) = key.strip_prefix("captions/") {
        return Some((Kind::Captions, rest.to_string()));
    }
    None
}

/// In the transcode job's transaction: the new files are local; queue their move when object
/// storage is on.
pub async fn queue_move_in(
    state: &Instance,
    tx: &mut ferrotube_db::Tx,
    video_id: i64,
    uuid: &str,
) -> Result<(), ferrotube_jobs::QueueError> {
    state
        .db
        .set_video_storage_in(tx, video_id, STORAGE_LOCAL, false)
        .await?;
    if state.objects.is_some() {
        let payload = MovePayload {
            uuid: uuid.to_string(),
        };
        state
            .queue
            .enqueue_in(tx, MOVE_TO_OBJECT_STORAGE, &payload, 40)
            .await?;
    }
    Ok(())
}

/// After a moved video's privacy changed between public and not (an update): its objects must
/// carry the other ACL. Queues [`SET_PRIVACY`], which brings the files back and moves them again
/// with the new ACL (no ACL call in the client; a later version may set ACLs in place).
pub async fn privacy_changed(state: &Instance, v: &VideoRow, new_privacy: Option<i64>) {
    let Some(new) = new_privacy.and_then(|p| ferrotube_model::Privacy::try_from(p).ok()) else {
        return;
    };
    // Queued also while a move may be under way (its ACL may be the old one): the job checks.
    if state.objects.is_none() || new.readable_by_anyone() == v.privacy.readable_by_anyone() {
        return;
    }
    let payload = MovePayload {
        uuid: v.uuid.clone(),
    };
    if let Err(e) = state.queue.enqueue(SET_PRIVACY, &payload, 40).await {
        tracing::error!(video = %v.uuid, error = %e, "cannot queue the objects' privacy change");
    }
}

/// The `object-storage-privacy` job: the video's objects get the ACL of its current privacy.
pub async fn run_set_privacy(state: Instance, ctx: JobContext) -> Result<(), JobError> {
    let p: MovePayload = serde_json::from_value(ctx.payload.clone())
        .map_err(|e| JobError::Permanent(format!("bad payload: {e}")))?;
    let v = match state.db.video_by_uuid(&p.uuid).await {
        Ok(Some(v)) => v,
        Ok(None) => return Ok(()),
        Err(e) => return Err(JobError::Retry(e.to_string())),
    };
    let want_public = acl_of(&v) == Acl::Public;
    if v.storage != STORAGE_OBJECT || (v.storage_public == 1) == want_public {
        // Still local (the pending move uploads with the current ACL), or already right.
        return Ok(());
    }
    move_video_to_local(&state, &p.uuid)
        .await
        .map_err(JobError::Retry)?;
    move_video(&state, &p.uuid).await.map_err(JobError::Retry)
}

/// The `move-to-object-storage` job.
pub async fn run_move(state: Instance, ctx: JobContext) -> Result<(), JobError> {
    let p: MovePayload = serde_json::from_value(ctx.payload.clone())
        .map_err(|e| JobError::Permanent(format!("bad payload: {e}")))?;
    move_video(&state, &p.uuid).await.map_err(JobError::Retry)
}

fn acl_of(v: &VideoRow) -> Acl {
    if v.privacy.readable_by_anyone() {
        Acl::Public
    } else {
        Acl::Private
    }
}

fn original_local_key(v: &VideoRow) -> Option<String> {
    let src = v.source_filename.as_deref()?;
    let ext = Path::new(src)
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("mp4")
        .to_ascii_lowercase();
    Some(crate::transcode::original_key(&v.uuid, &ext))
}

/// Uploads a local video's files, then switches it to object storage and removes the local
/// copies. Idempotent: a video already moved only loses its leftover local copies.
pub async fn move_video(state: &Instance, uuid: &str) -> Result<(), String> {
    let objects = state
        .objects
        .as_ref()
        .ok_or("object storage is not enabled")?;
    let e = |e: ferrotube_db::DbError| e.to_string();
    let Some(v) = state.db.video_by_uuid(uuid).await.map_err(e)? else {
        return Ok(()); // deleted meanwhile
    };
    if !v.is_local() {
        return Ok(());
    }
    let files = state.db.video_files(v.id).await.map_err(e)?;
    // Captions follow their video; one added since the move is uploaded by this job too.
    let captions = upload_captions(state, objects, &v).await?;
    if v.storage != STORAGE_OBJECT {
        objects.ensure_buckets().await.map_err(|e| e.to_string())?;
        upload_video(state, objects, &v, &files).await?;
        let public = acl_of(&v) == Acl::Public;
        let moved = VideoRow {
            storage: STORAGE_OBJECT,
            storage_public: i64::from(public),
            ..v.clone()
        };
        // A privacy change during the uploads: they carry the old ACL, so start again.
        let now = state.db.video_by_uuid(uuid).await.map_err(e)?;
        if now.is_some_and(|n| (acl_of(&n) == Acl::Public) != public) {
            return Err("the video's privacy changed during the move; moving again".into());
        }
        rewrite_web_seeds(state, &moved, &files).await?;
        let mut tx = state.db.begin().await.map_err(e)?;
        state
            .db
            .set_video_storage_in(&mut tx, v.id, STORAGE_OBJECT, public)
            .await
            .map_err(e)?;
        if v.state == ferrotube_model::VideoState::Published {
            crate::federation::outbox::queue_video_changed(state, &mut tx, v.id, false)
                .await
                .map_err(|e| e.to_string())?;
        }
        tx.commit().await.map_err(e)?;
        state.queue.wake();
        state.videos_changed();
        tracing::info!(video = %v.uuid, "video files moved to object storage");
    }
    remove_local_copies(state, &v, &files).await;
    // By name: a caption written since the listing above waits for its own move job.
    for key in captions {
        let _ = state.store.delete(&key).await;
    }
    Ok(())
}

/// Uploads the local caption files of a local video (with its ACL); the keys uploaded.
async fn upload_captions(
    state: &Instance,
    objects: &S3Store,
    v: &VideoRow,
) -> Result<Vec<String>, String> {
    let captions = state
        .db
        .video_captions(v.id)
        .await
        .map_err(|e| e.to_string())?;
    let mut uploaded = Vec::new();
    for c in captions.iter().filter(|c| c.remote_url.is_none()) {
        let key = crate::captions::caption_key(&v.uuid, &c.filename);
        let local = state.store.local_path(&key).map_err(|e| e.to_string())?;
        if !tokio::fs::try_exists(&local).await.unwrap_or(false) {
            continue; // already in the bucket
        }
        if uploaded.is_empty() {
            objects.ensure_buckets().await.map_err(|e| e.to_string())?;
        }
        objects
            .put_file(
                Kind::Captions,
                &format!("{}/{}", v.uuid, c.filename),
                &local,
                acl_of(v),
            )
            .await
            .map_err(|e| e.to_string())?;
        uploaded.push(key);
    }
    Ok(uploaded)
}

/// After a caption of `v` was written locally: a moved video's captions live in the bucket,
/// so the move job takes this one there too.
pub async fn caption_added(state: &Instance, v: &VideoRow) {
    if state.objects.is_none() || v.storage != STORAGE_OBJECT {
        return;
    }
    let payload = MovePayload {
        uuid: v.uuid.clone(),
    };
    if let Err(e) = state
        .queue
        .enqueue(MOVE_TO_OBJECT_STORAGE, &payload, 40)
        .await
    {
        tracing::error!(video = %v.uuid, error = %e, "cannot queue the caption's move");
    }
}

/// Deletes the bucket's copy of a caption of `v` (nothing when it has none).
pub async fn caption_removed(state: &Instance, v: &VideoRow, filename: &str) {
    let Some(objects) = state.objects.as_ref() else {
        return;
    };
    if v.storage != STORAGE_OBJECT {
        return;
    }
    if let Err(e) = objects
        .delete(Kind::Captions, &format!("{}/{filename}", v.uuid))
        .await
    {
        tracing::warn!(video = %v.uuid, error = %e, "cannot delete a caption's object");
    }
}

async fn upload_video(
    state: &Instance,
    objects: &S3Store,
    v: &VideoRow,
    files: &[FileRow],
) -> Result<(), String> {
    let acl = acl_of(v);
    let store = &state.store;
    let hls_dir = store
        .local_path(&hls_prefix(&v.uuid))
        .map_err(|e| e.to_string())?;
    // The HLS folder: playlists, fragmented MP4s and the segments' checksums.
    let mut entries = tokio::fs::read_dir(&hls_dir)
        .await
        .map_err(|e| format!("{}: {e}", hls_dir.display()))?;
    while let Some(entry) = entries.next_entry().await.map_err(|e| e.to_string())? {
        let name = entry.file_name().to_string_lossy().into_owned();
        let key = format!("{}/{name}", v.uuid);
        objects
            .put_file(Kind::StreamingPlaylists, &key, &entry.path(), acl)
            .await
            .map_err(|e| e.to_string())?;
    }
    for f in files.iter().filter(|f| f.kind == FileKind::WebVideo) {
        let local = store
            .local_path(&format!("web-videos/{}", f.filename))
            .map_err(|e| e.to_string())?;
        objects
            .put_file(Kind::WebVideos, &f.filename, &local, acl)
            .await
            .map_err(|e| e.to_string())?;
    }
    // The original is never public (PeerTube keeps it private whatever the video's privacy).
    if let Some(key) = original_local_key(v) {
        let local = store.local_path(&key).map_err(|e| e.to_string())?;
        if tokio::fs::try_exists(&local).await.unwrap_or(false) {
            if let Some((kind, object_key)) = locate(&key) {
                objects
                    .put_file(kind, &object_key, &local, Acl::Private)
                    .await
                    .map_err(|e| e.to_string())?;
            }
        }
    }
    Ok(())
}

/// Points each torrent's web seed at where its file is read now (`v.storage` says where).
async fn rewrite_web_seeds(
    state: &Instance,
    v: &VideoRow,
    files: &[FileRow],
) -> Result<(), String> {
    for f in files {
        let Some(t) = &f.torrent_filename else {
            continue;
        };
        let seed = format!("{}/{}", state.file_base_url(v, f.kind), f.filename);
        let key = format!("torrents/{t}");
        let path = state.store.local_path(&key).map_err(|e| e.to_string())?;
        let Ok(bytes) = tokio::fs::read(&path).await else {
            continue;
        };
        let mut meta = ferrotube_p2p::Metainfo::from_bytes(&bytes).map_err(|e| e.to_string())?;
        meta.url_list = vec![seed];
        let out = meta.to_bytes().map_err(|e| e.to_string())?;
        let tmp = state
            .store
            .temp_dir()
            .join(format!("{t}-{}", uuid::Uuid::new_v4()));
        tokio::fs::write(&tmp, &out)
            .await
            .map_err(|e| e.to_string())?;
        state
            .store
            .put_file(&tmp, &key)
            .await
            .map_err(|e| e.to_string())?;
    }
    Ok(())
}

async fn remove_local_copies(state: &Instance, v: &VideoRow, files: &[FileRow]) {
    let store = &state.store;
    let _ = store.delete_prefix(&hls_prefix(&v.uuid)).await;
    for f in files.iter().filter(|f| f.kind == FileKind::WebVideo) {
        let _ = store.delete(&format!("web-videos/{}", f.filename)).await;
    }
    if let Some(key) = original_local_key(v) {
        let _ = store.delete(&key).await;
    }
}

/// Deletes a moved video's objects (called with its rows read before the delete).
pub async fn remove_video_objects(state: &Instance, v: &VideoRow, files: &[FileRow]) {
    let Some(objects) = state.objects.as_ref() else {
        return;
    };
    if v.storage != STORAGE_OBJECT {
        return;
    }
    if let Err(e) = objects
        .delete_prefix(Kind::StreamingPlaylists, &format!("{}/", v.uuid))
        .await
    {
        tracing::warn!(video = %v.uuid, error = %e, "cannot delete the HLS objects");
    }
    for f in files.iter().filter(|f| f.kind == FileKind::WebVideo) {
        let _ = objects.delete(Kind::WebVideos, &f.filename).await;
    }
    if let Some((kind, key)) = original_local_key(v).as_deref().and_then(locate) {
        let _ = objects.delete(kind, &key).await;
    }
    if let Err(e) = objects
        .delete_prefix(Kind::Captions, &format!("{}/", v.uuid))
        .await
    {
        tracing::warn!(video = %v.uuid, error = %e, "cannot delete the caption objects");
    }
}

/// Makes sure the local store's `key` exists on disk (the transcode job's input): downloads it
/// from its bucket when it was moved. `Ok(false)`: it is nowhere.
pub async fn ensure_local(state: &Instance, key: &str) -> Result<bool, String> {
    let path = state.store.local_path(key).map_err(|e| e.to_string())?;
    if tokio::fs::try_exists(&path).await.unwrap_or(false) {
        return Ok(true);
    }
    let (Some(objects), Some((kind, object_key))) = (state.objects.as_ref(), locate(key)) else {
        return Ok(false);
    };
    match objects.download(kind, &object_key, &path).await {
        Ok(()) => Ok(true),
        Err(ObjectError::NotFound(_)) => Ok(false),
        Err(e) => Err(e.to_string()),
    }
}

/// Brings a moved video's files back to local disk, switches it to local storage, then deletes
/// its objects.
pub async fn move_video_to_local(state: &Instance, uuid: &str) -> Result<(), String> {
    let objects = state
        .objects
        .as_ref()
        .ok_or("[object_storage] must stay configured to read the objects back")?;
    let e = |e: ferrotube_db::DbError| e.to_string();
    let Some(v) = state.db.video_by_uuid(uuid).await.map_err(e)? else {
        return Ok(());
    };
    if v.storage != STORAGE_OBJECT {
        return Ok(());
    }
    let files = state.db.video_files(v.id).await.map_err(e)?;
    let work = state
        .store
        .temp_dir()
        .join(format!("to-local-{}", uuid::Uuid::new_v4()));
    let result: Result<(), String> = async {
        for key in objects
            .list(Kind::StreamingPlaylists, &format!("{}/", v.uuid))
            .await
            .map_err(|e| e.to_string())?
        {
            let Some(name) = key.rsplit('/').next().filter(|n| !n.is_empty()) else {
                continue;
            };
            objects
                .download(Kind::StreamingPlaylists, &key, &work.join(name))
                .await
                .map_err(|e| e.to_string())?;
        }
        if tokio::fs::try_exists(&work).await.unwrap_or(false) {
            state
                .store
                .put_dir(&work, &hls_prefix(&v.uuid))
                .await
                .map_err(|e| e.to_string())?;
        }
        Ok(())
    }
    .await;
    let _ = tokio::fs::remove_dir_all(&work).await;
    result?;
    for f in files.iter().filter(|f| f.kind == FileKind::WebVideo) {
        ensure_local(state, &format!("web-videos/{}", f.filename)).await?;
    }
    if let Some(key) = original_local_key(&v) {
        ensure_local(state, &key).await?;
    }
    for c in state.db.video_captions(v.id).await.map_err(e)? {
        if c.remote_url.is_none() {
            ensure_local(state, &crate::captions::caption_key(&v.uuid, &c.filename)).await?;
        }
    }
    let local = VideoRow {
        storage: STORAGE_LOCAL,
        storage_public: 0,
        ..v.clone()
    };
    rewrite_web_seeds(state, &local, &files).await?;
    let mut tx = state.db.begin().await.map_err(e)?;
    state
        .db
        .set_video_storage_in(&mut tx, v.id, STORAGE_LOCAL, false)
        .await
        .map_err(e)?;
    if v.state == ferrotube_model::VideoState::Published {
        crate::federation::outbox::queue_video_changed(state, &mut tx, v.id, false)
            .await
            .map_err(|e| e.to_string())?;
    }
    tx.commit().await.map_err(e)?;
    state.videos_changed();
    remove_video_objects(state, &v, &files).await;
    tracing::info!(video = %v.uuid, "video files moved back to local disk");
    Ok(())
}

/// Which way `storage migrate` moves files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    ObjectStorage,
    Local,
}

/// Moves every local video's files to `target`, one video after the other; answers how many
/// moved. Stops at the first failure (run it again to resume: moved videos are skipped).
pub async fn migrate(state: &Instance, target: Target) -> Result<usize, String> {
    if state.objects.is_none() {
        return Err("[object_storage] is not enabled in the settings".into());
    }
    let from = match target {
        Target::ObjectStorage => STORAGE_LOCAL,
        Target::Local => STORAGE_OBJECT,
    };
    let uuids = state
        .db
        .local_videos_in_storage(from)
        .await
        .map_err(|e| e.to_string())?;
    let mut moved = 0;
    for uuid in uuids {
        match target {
            Target::ObjectStorage => move_video(state, &uuid).await,
            Target::Local => move_video_to_local(state, &uuid).await,
        }
        .map_err(|e| format!("video {uuid}: {e}"))?;
        moved += 1;
        tracing::info!(video = %uuid, ?target, "migrated");
    }
    Ok(moved)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_keys_map_to_their_buckets() {
        assert_eq!(
            locate("streaming-playlists/hls/u/m.m3u8"),
            Some((Kind::StreamingPlaylists, "u/m.m3u8".to_string()))
        );
        assert_eq!(
            locate("web-videos/u-240.mp4"),
            Some((Kind::WebVideos, "u-240.mp4".to_string()))
        );
        assert_eq!(
            locate("original-video-files/u.mp4"),
            Some((Kind::OriginalVideoFiles, "u.mp4".to_string()))
        );
        assert_eq!(locate("thumbnails/x.jpg"), None);
    }
}
