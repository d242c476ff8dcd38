//! The transcoding job: from the stored original to a published HLS ladder (and plain MP4s when
//! configured), thumbnails and file metadata. The job is idempotent: a rerun after a crash starts
//! from the original again and replaces whatever a previous run left, so no rung is ever doubled.

use crate::Instance;
use ferrotube_db::videos::{NewFile, TranscodeResult, VideoRow};
use ferrotube_jobs::{JobContext, JobError};
use ferrotube_media::MediaError;
use ferrotube_model::timefmt::now_ms;
use ferrotube_model::FileKind;
use ferrotube_model::VideoState;
use ferrotube_storage::ObjectStore;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

pub const TRANSCODE: &str = "video-transcoding";

#[derive(Serialize, Deserialize)]
pub struct TranscodePayload {
    pub uuid: String,
    pub original_key: String,
    pub probe_duration: f64,
}

/// Where an upload's original file is stored; the job reads it, a deletion removes it.
pub fn original_key(uuid: &str, ext: &str) -> String {
    format!("original-video-files/{uuid}.{ext}")
}

/// Removes a temp directory when the job ends, however it ends (including cancellation).
struct TempDir(PathBuf);
impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub async fn run_transcode(state: Instance, ctx: JobContext) -> Result<(), JobError> {
    let p: TranscodePayload = serde_json::from_value(ctx.payload.clone())
        .map_err(|e| JobError::Permanent(format!("bad payload: {e}")))?;
    let video = match state.db.video_by_uuid(&p.uuid).await {
        Ok(Some(v)) => v,
        Ok(None) => return Ok(()), // deleted meanwhile: nothing to do
        Err(e) => return Err(JobError::Retry(e.to_string())),
    };
    let result = transcode(&state, &video, &p, &ctx).await;
    match result {
        Ok(()) => Ok(()),
        Err(e) => {
            let permanent = matches!(e, JobError::Permanent(_));
            if (permanent || ctx.is_last_attempt()) && video.state == VideoState::Published {
                // A replaced source that cannot be transcoded: the video keeps its files.
                tracing::error!(video = %p.uuid, error = %e, "the replaced source cannot be transcoded; the video keeps its previous files");
            } else if permanent || ctx.is_last_attempt() {
                mark_failed(&state, &p.uuid, &e.to_string()).await;
            }
            Err(e)
        }
    }
}

pub async fn mark_failed(state: &Instance, uuid: &str, reason: &str) {
    if let Ok(Some(v)) = state.db.video_by_uuid(uuid).await {
        if let Err(e) = state
            .db
            .set_video_state(
                v.id,
                VideoState::TranscodingFailed.id(),
                Some(reason),
                now_ms(),
            )
            .await
        {
            tracing::error!(error = %e, video = uuid, "cannot record the transcoding failure");
        }
        state.videos_changed();
    }
}

fn media_err(e: MediaError) -> JobError {
    match e {
        MediaError::NotAVideo(reason) => JobError::Permanent(format!("not a video: {reason}")),
        other => JobError::Retry(other.to_string()),
    }
}

async fn transcode(
    state: &Instance,
    video: &VideoRow,
    p: &TranscodePayload,
    ctx: &JobContext,
) -> Result<(), JobError> {
    let input = state
        .store
        .local_path(&p.original_key)
        .map_err(|e| JobError::Permanent(e.to_string()))?;
    // A moved original comes back from its bucket first.
    crate::object_storage::ensure_local(state, &p.original_key)
        .await
        .map_err(JobError::Retry)?;
    if !input.exists() {
        return Err(JobError::Permanent("the original file is missing".into()));
    }
    let probe = ferrotube_media::probe(&input).await.map_err(media_err)?;
    let resolutions =
        ferrotube_media::ladder(&probe, &state.live().settings.transcoding.resolutions);
    let work = state
        .store
        .temp_dir()
        .join("jobs")
        .join(format!("{}-{}", video.uuid, ctx.id));
    let _ = tokio::fs::remove_dir_all(&work).await;
    let hls_dir = work.join("hls");
    tokio::fs::create_dir_all(&hls_dir)
        .await
        .map_err(|e| JobError::Retry(e.to_string()))?;
    let _cleanup = TempDir(work.clone());

    let (ptx, mut prx) = tokio::sync::watch::channel(0f32);
    let job_progress = ctx.progress.clone();
    let forward = tokio::spawn(async move {
        while prx.changed().await.is_ok() {
            let v = *prx.borrow();
            job_progress.send_replace(v.round() as i64);
        }
    });
    // PeerTube's names: one uuid per rung shared by its playlist and fragmented MP4.
    let names = ferrotube_media::HlsNames::generate(&resolutions);
    let out =
        ferrotube_media::transcode_hls_named(&input, &hls_dir, &probe, &names, Some(ptx)).await;
    forward.abort();
    let out = out.map_err(media_err)?;

    let thumbnail_name = match &video.thumbnail_name {
        Some(_) => None,
        None => Some(
            make_image(
                state,
                &input,
                &probe,
                &work,
                "thumbnails",
                ferrotube_media::THUMBNAIL_SIZE,
            )
            .await?,
        ),
    };
    let preview_name = match &video.preview_name {
        Some(_) => None,
        None => Some(
            make_image(
                state,
                &input,
                &probe,
                &work,
                "previews",
                ferrotube_media::PREVIEW_SIZE,
            )
            .await?,
        ),
    };

    // The storyboard (PeerTube's generate-storyboard job, a step of this one here): recorded
    // before the video is published, so its first federation carries it. A failure costs the
    // storyboard only.
    if let Err(e) = make_storyboard(state, &input, &probe, &work, video).await {
        tracing::warn!(video = %video.uuid, error = %e, "no storyboard");
    }

    let metadata = serde_json::to_string(&probe.raw).ok();
    let hls_seed_base = state.file_base_url(video, FileKind::Hls);
    let mut files: Vec<NewFile> = Vec::with_capacity(out.renditions.len());
    for r in &out.renditions {
        let (torrent, hash) = make_torrent(
            state,
            &video.name,
            &hls_dir.join(&r.fragmented_file),
            r.resolution,
            &format!("{hls_seed_base}/{}", r.fragmented_file),
            &work,
            FileKind::Hls,
        )
        .await
        .map_err(JobError::Retry)?;
        files.push(NewFile {
            kind: FileKind::Hls,
            resolution: r.resolution as i64,
            width: r.width as i64,
            height: r.height as i64,
            fps: r.fps as i64,
            size: r.size_bytes as i64,
            filename: r.fragmented_file.clone(),
            playlist_filename: Some(r.playlist_file.clone()),
            has_audio: r.has_audio,
            has_video: r.has_video,
            metadata: metadata.clone(),
            torrent_filename: Some(torrent),
            info_hash: Some(hash),
        });
    }

    if state.live().settings.transcoding.web_videos {
        for r in &out.renditions {
            let name = format!("{}-{}.mp4", video.uuid, r.resolution);
            let local = work.join(&name);
            ferrotube_media::transcode_web_video(&input, &local, &probe, r.resolution)
                .await
                .map_err(media_err)?;
            let size = tokio::fs::metadata(&local)
                .await
                .map(|m| m.len())
                .unwrap_or(0);
            let seed = format!("{}/{name}", state.file_base_url(video, FileKind::WebVideo));
            let (torrent, hash) = make_torrent(
                state,
                &video.name,
                &local,
                r.resolution,
                &seed,
                &work,
                FileKind::WebVideo,
            )
            .await
            .map_err(JobError::Retry)?;
            state
                .store
                .put_file(&local, &format!("web-videos/{name}"))
                .await
                .map_err(|e| JobError::Retry(e.to_string()))?;
            files.push(NewFile {
                kind: FileKind::WebVideo,
                resolution: r.resolution as i64,
                width: r.width as i64,
                height: r.height as i64,
                fps: r.fps as i64,
                size: size as i64,
                filename: name,
                playlist_filename: None,
                has_audio: r.has_audio,
                has_video: r.has_video,
                metadata: metadata.clone(),
                torrent_filename: Some(torrent),
                info_hash: Some(hash),
            });
        }
    }

    // A video already published (its source was replaced) keeps playing its old files until
    // the new ones are recorded: the new ones (new names) join its folder, the old ones go after
    // the commit. A first run swaps the folder in whole.
    let hls_prefix = format!("streaming-playlists/hls/{}", video.uuid);
    let replacing = video.state == VideoState::Published;
    let new_hls_names = if replacing {
        merge_into(state, &hls_dir, &hls_prefix).await?
    } else {
        state
            .store
            .put_dir(&hls_dir, &hls_prefix)
            .await
            .map_err(|e| JobError::Retry(e.to_string()))?;
        Vec::new()
    };
    let aspect =
        (probe.height > 0 && probe.width > 0).then(|| probe.width as f64 / probe.height as f64);
    let result = TranscodeResult {
        master_filename: out.master_file.clone(),
        sha256_filename: out.segments_sha256_file.clone(),
        files,
        duration: probe.duration_secs.round() as i64,
        aspect_ratio: aspect,
        thumbnail_name,
        preview_name,
    };
    // What an earlier run (or the upload) listed, to remove once the new files are committed.
    let before = state
        .db
        .video_files(video.id)
        .await
        .map_err(|e| JobError::Retry(e.to_string()))?;
    let before_playlist = if replacing {
        state
            .db
            .video_playlist(video.id)
            .await
            .map_err(|e| JobError::Retry(e.to_string()))?
    } else {
        None
    };
    // Published and its federation queued in one transaction: a failed enqueue leaves the video
    // unpublished (the job retries) rather than published and never federated.
    let retry = |e: String| JobError::Retry(e);
    let mut tx = state.db.begin().await.map_err(|e| retry(e.to_string()))?;
    state
        .db
        .save_transcode_result_in(&mut tx, video.id, &result, !replacing, now_ms())
        .await
        .map_err(|e| retry(e.to_string()))?;
    // The new files are local; their move to object storage (when on) is queued with them.
    crate::object_storage::queue_move_in(state, &mut tx, video.id, &video.uuid)
        .await
        .map_err(|e| retry(e.to_string()))?;
    // A replaced source is an Update of the video (its followers fetch the new files).
    crate::federation::outbox::queue_video_changed(state, &mut tx, video.id, !replacing)
        .await
        .map_err(|e| retry(e.to_string()))?;
    // "Published" is told once, with the publication itself (same transaction).
    if !replacing {
        crate::notifications::queue_in(
            state,
            &mut tx,
            &crate::notifications::Event::LocalVideoPublished { video_id: video.id },
        )
        .await
        .map_err(|e| retry(e.to_string()))?;
    }
    tx.commit().await.map_err(|e| retry(e.to_string()))?;
    state.queue.wake();
    state.videos_changed();
    tracing::info!(video = %video.uuid, rungs = ?resolutions, "video published");
    remove_replaced_files(state, &before, &result.files).await;
    if replacing {
        // Exactly the files the replaced rows named: another replacement's files, written
        // meanwhile, are never touched.
        let mut old: Vec<&str> = before
            .iter()
            .filter(|f| f.kind == FileKind::Hls)
            .flat_map(|f| [Some(f.filename.as_str()), f.playlist_filename.as_deref()])
            .flatten()
            .collect();
        if let Some(p) = &before_playlist {
            old.extend([p.master_filename.as_str(), p.sha256_filename.as_str()]);
        }
        remove_old_hls(state, &hls_prefix, &old, &new_hls_names).await;
    }
    Ok(())
}

/// Moves every file of `dir` into the store under `prefix` beside what is there; answers their
/// names.
async fn merge_into(state: &Instance, dir: &Path, prefix: &str) -> Result<Vec<String>, JobError> {
    let retry = |e: String| JobError::Retry(e);
    let mut names = Vec::new();
    let mut entries = tokio::fs::read_dir(dir)
        .await
        .map_err(|e| retry(e.to_string()))?;
    while let Some(e) = entries
        .next_entry()
        .await
        .map_err(|e| retry(e.to_string()))?
    {
        let name = e.file_name().to_string_lossy().into_owned();
        state
            .store
            .put_file(&e.path(), &format!("{prefix}/{name}"))
            .await
            .map_err(|e| retry(e.to_string()))?;
        names.push(name);
    }
    Ok(names)
}

/// Removes `old` files of a video's HLS folder (the replaced source's playlists, fragmented
/// files, master and checksums) that the new run did not write again.
async fn remove_old_hls(state: &Instance, prefix: &str, old: &[&str], keep: &[String]) {
    for name in old {
        if !keep.iter().any(|k| k == name) && !name.contains('/') {
            let _ = state.store.delete(&format!("{prefix}/{name}")).await;
        }
    }
}

async fn make_image(
    state: &Instance,
    input: &Path,
    probe: &ferrotube_media::ProbeInfo,
    work: &Path,
    kind: &str,
    size: (u32, u32),
) -> Result<String, JobError> {
    let name = format!("{}.jpg", uuid::Uuid::new_v4());
    let local = work.join(&name);
    ferrotube_media::thumbnail(input, probe, &local, size.0, size.1)
        .await
        .map_err(media_err)?;
    state
        .store
        .put_file(&local, &format!("{kind}/{name}"))
        .await
        .map_err(|e| JobError::Retry(e.to_string()))?;
    Ok(name)
}

async fn make_storyboard(
    state: &Instance,
    input: &Path,
    probe: &ferrotube_media::ProbeInfo,
    work: &Path,
    video: &VideoRow,
) -> Result<(), String> {
    let name = format!("{}.jpg", uuid::Uuid::new_v4());
    let local = work.join(format!("storyboard-{name}"));
    let started = std::time::Instant::now();
    let Some(layout) = ferrotube_media::storyboard(input, probe, &local)
        .await
        .map_err(|e| e.to_string())?
    else {
        return Ok(());
    };
    state
        .store
        .put_file(
            &local,
            &crate::captions::store::storyboard_key(&video.uuid, &name),
        )
        .await
        .map_err(|e| e.to_string())?;
    let row = ferrotube_db::captions::StoryboardRow {
        video_id: video.id,
        filename: name,
        remote_url: None,
        total_width: layout.total_width().into(),
        total_height: layout.total_height().into(),
        sprite_width: layout.sprite_width.into(),
        sprite_height: layout.sprite_height.into(),
        sprite_duration: layout.sprite_duration.into(),
        created_at: now_ms(),
    };
    crate::captions::store::save_storyboard(state, video, &row)
        .await
        .map_err(|e| e.to_string())?;
    tracing::info!(video = %video.uuid, sprites = layout.sprites, ms = started.elapsed().as_millis() as u64, "storyboard made");
    Ok(())
}

/// Builds the BitTorrent v1 metainfo of one file (web seed = its HTTP URL) as PeerTube does, and
/// stores it under `torrents/`; answers its file name and hex info hash.
pub(crate) async fn make_torrent(
    state: &Instance,
    video_name: &str,
    local: &Path,
    resolution: u32,
    web_seed: &str,
    work: &Path,
    kind: FileKind,
) -> Result<(String, String), String> {
    let trackers = state.trackers.clone();
    let label = if resolution == 0 {
        "audio".to_string()
    } else {
        format!("{resolution}p")
    };
    let name = format!("{video_name} {label}.mp4");
    let (file, seed) = (local.to_path_buf(), web_seed.to_string());
    // Hashing reads the whole file: keep it off the async workers.
    let torrent = tokio::task::spawn_blocking(move || {
        ferrotube_p2p::make_torrent(&file, &name, &seed, &trackers)
    })
    .await
    .map_err(|e| e.to_string())?
    .map_err(|e| e.to_string())?;
    let suffix = if kind == FileKind::Hls { "-hls" } else { "" };
    let torrent_name = format!("{}-{resolution}{suffix}.torrent", uuid::Uuid::new_v4());
    let tmp = work.join(&torrent_name);
    tokio::fs::write(&tmp, &torrent.bytes)
        .await
        .map_err(|e| e.to_string())?;
    state
        .store
        .put_file(&tmp, &format!("torrents/{torrent_name}"))
        .await
        .map_err(|e| e.to_string())?;
    Ok((torrent_name, torrent.info_hash_hex()))
}

/// Deletes the web videos and torrents of `before` that the new `files` do not reuse (the
/// listed upload, the outputs of an interrupted earlier run).
async fn remove_replaced_files(
    state: &Instance,
    before: &[ferrotube_db::videos::FileRow],
    files: &[NewFile],
) {
    for old in before {
        let web = old.kind == FileKind::WebVideo;
        if web && !files.iter().any(|f| f.filename == old.filename) {
            let _ = state
                .store
                .delete(&format!("web-videos/{}", old.filename))
                .await;
        }
        if let Some(t) = &old.torrent_filename {
            if !files.iter().any(|f| f.torrent_filename.as_ref() == Some(t)) {
                let _ = state.store.delete(&format!("torrents/{t}")).await;
            }
        }
    }
}

/// Deletes everything stored for a video (after its row is gone); `files` are its file rows
/// read before the delete (their torrents go too).
pub async fn remove_video_files(
    state: &Instance,
    v: &VideoRow,
    files: &[ferrotube_db::videos::FileRow],
) {
    crate::object_storage::remove_video_objects(state, v, files).await;
    let store = &state.store;
    for f in files {
        if let Some(t) = &f.torrent_filename {
            let _ = store.delete(&format!("torrents/{t}")).await;
        }
        if f.kind == FileKind::WebVideo {
            let _ = store.delete(&format!("web-videos/{}", f.filename)).await;
        }
    }
    let _ = store
        .delete_prefix(&format!("streaming-playlists/hls/{}", v.uuid))
        .await;
    crate::captions::store::remove_files(state, &v.uuid).await;
    if let Some(t) = &v.thumbnail_name {
        let _ = store.delete(&format!("thumbnails/{t}")).await;
    }
    if let Some(t) = &v.preview_name {
        let _ = store.delete(&format!("previews/{t}")).await;
    }
    if let Some(src) = &v.source_filename {
        let ext = Path::new(src)
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or("mp4")
            .to_ascii_lowercase();
        let _ = store.delete(&original_key(&v.uuid, &ext)).await;
    }
}

/// Work directories of attempts that never finished (their node was killed) are removed a day
/// later; a day is far longer than any transcode, so a running job's directory is never touched.
pub async fn remove_stale_work_dirs(state: &Instance) {
    let dir = state.store.temp_dir().join("jobs");
    let Ok(mut entries) = tokio::fs::read_dir(&dir).await else {
        return;
    };
    let day = std::time::Duration::from_secs(24 * 3600);
    while let Ok(Some(e)) = entries.next_entry().await {
        let old = e
            .metadata()
            .await
            .ok()
            .and_then(|m| m.modified().ok())
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age > day);
        if old {
            let _ = tokio::fs::remove_dir_all(e.path()).await;
            tracing::info!(path = %e.path().display(), "removed a stale transcoding work directory");
        }
    }
}
