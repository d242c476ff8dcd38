//! What the rest of the instance reads and writes of captions, chapters and storyboards
//! without their rules: storage keys and paths, the `Video` object's entries, the per-video
//! lock, chapters that follow a description. A leaf of `captions`: it knows the store and
//! nothing of federation or of the video rules, so `federation`, `videos`, `uploads` and
//! `transcode` use it without an import circle.

use crate::error::{Error, Result};
use crate::Instance;
use ferrotube_db::captions::{ChapterRow, StoryboardRow};
use ferrotube_db::videos::VideoRow;
use ferrotube_federation::vocab::{Storyboard, Subtitle};
use ferrotube_model::constants::language_label;
use ferrotube_model::subtitles;
use ferrotube_storage::ObjectStore;
use std::collections::HashMap;
use std::sync::{Arc, OnceLock, Weak};

/// Storage key of a caption file: under its video's folder, so a deleted video's files go in
/// one sweep.
pub fn caption_key(video_uuid: &str, filename: &str) -> String {
    format!("captions/{video_uuid}/{filename}")
}

pub fn storyboard_key(video_uuid: &str, filename: &str) -> String {
    format!("storyboards/{video_uuid}/{filename}")
}

/// The path a caption is served at (PeerTube's `captionPath`).
pub fn caption_path(filename: &str) -> String {
    format!("/lazy-static/video-captions/{filename}")
}

/// The path a storyboard is served at (PeerTube's `storyboardPath`).
pub fn storyboard_path(filename: &str) -> String {
    format!("/lazy-static/storyboards/{filename}")
}

/// Removes every caption and storyboard file of a video (after its rows are gone).
pub async fn remove_files(state: &Instance, video_uuid: &str) {
    let _ = state
        .store
        .delete_prefix(&format!("captions/{video_uuid}"))
        .await;
    let _ = state
        .store
        .delete_prefix(&format!("storyboards/{video_uuid}"))
        .await;
}

/// Writes `bytes` under `key` (through a temporary file, so readers never see half a file).
pub async fn write_file(state: &Instance, key: &str, bytes: &[u8]) -> Result<()> {
    let tmp_dir = state.store.temp_dir();
    tokio::fs::create_dir_all(&tmp_dir)
        .await
        .map_err(Error::internal)?;
    let tmp = tmp_dir.join(format!("extra-{}", uuid::Uuid::new_v4()));
    tokio::fs::write(&tmp, bytes)
        .await
        .map_err(Error::internal)?;
    if let Err(e) = state.store.put_file(&tmp, key).await {
        let _ = tokio::fs::remove_file(&tmp).await;
        return Err(Error::internal(e));
    }
    Ok(())
}

pub fn description_chapters(description: Option<&str>) -> Vec<ChapterRow> {
    subtitles::chapters_from_description(description.unwrap_or(""))
        .into_iter()
        .map(|(timecode, title)| ChapterRow { timecode, title })
        .collect()
}

/// A local video's description changed from `old` to `new` (`None`: none before, as on
/// upload): its chapters follow the description unless they were set by hand (they differ
/// from what the old description gave). Answers whether they changed.
pub async fn chapters_follow_description(
    state: &Instance,
    video_id: i64,
    old: Option<&str>,
    new: Option<&str>,
) -> Result<bool> {
    let lock = video_lock(state, video_id);
    let _held = lock.lock().await;
    let current = state.db.video_chapters(video_id).await?;
    if current != description_chapters(old) {
        return Ok(false);
    }
    let next = description_chapters(new);
    if next == current {
        return Ok(false);
    }
    state.db.replace_chapters(video_id, &next).await?;
    Ok(true)
}

/// The `subtitleLanguage` entries of a local video's `Video`.
pub async fn ap_subtitles(state: &Instance, v: &VideoRow) -> Result<Vec<Subtitle>> {
    Ok(state
        .db
        .video_captions(v.id)
        .await?
        .into_iter()
        .map(|c| Subtitle {
            language: (
                c.language.clone(),
                language_label(&c.language).unwrap_or("Unknown").to_string(),
            ),
            url: format!("{}{}", state.url, caption_path(&c.filename)),
            automatically_generated: Some(c.automatically_generated),
        })
        .collect())
}

/// The storyboard `preview` of a local video's `Video`.
pub async fn ap_storyboard(state: &Instance, v: &VideoRow) -> Result<Option<Storyboard>> {
    Ok(state.db.video_storyboard(v.id).await?.map(|s| Storyboard {
        url: format!("{}{}", state.url, storyboard_path(&s.filename)),
        media_type: "image/jpeg".into(),
        width: s.total_width as u32,
        height: s.total_height as u32,
        tile_width: s.sprite_width as u32,
        tile_height: s.sprite_height as u32,
        tile_duration_secs: s.sprite_duration,
    }))
}

/// Records the storyboard the transcode job made (the file is already stored under
/// `storyboard_key`); the one it replaces is removed.
pub async fn save_storyboard(state: &Instance, v: &VideoRow, row: &StoryboardRow) -> Result<()> {
    if let Some(old) = state.db.set_storyboard(row).await? {
        if old.filename != row.filename {
            let _ = state
                .store
                .delete(&storyboard_key(&v.uuid, &old.filename))
                .await;
        }
    }
    Ok(())
}

/// One lock per video (and instance, for tests running several in one process): changes of a
/// video's captions and chapters are applied one at a time.
pub fn video_lock(state: &Instance, video_id: i64) -> Arc<tokio::sync::Mutex<()>> {
    type Locks = std::sync::Mutex<HashMap<(String, i64), Weak<tokio::sync::Mutex<()>>>>;
    static LOCKS: OnceLock<Locks> = OnceLock::new();
    let mut map = LOCKS
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|p| p.into_inner());
    map.retain(|_, w| w.strong_count() > 0);
    let key = (state.url.clone(), video_id);
    if let Some(l) = map.get(&key).and_then(Weak::upgrade) {
        return l;
    }
    let l = Arc::new(tokio::sync::Mutex::new(()));
    map.insert(key, Arc::downgrade(&l));
    l
}
