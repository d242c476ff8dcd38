//! Captions, chapters and storyboards of videos.
//!
//! Captions: one WebVTT file per video and language (a SubRip upload is converted), served at
//! `/lazy-static/video-captions/{filename}`. Chapters: titled timecodes, set by hand or read
//! from the description's `00:00 Intro` lines while no chapters were set by hand. Storyboards:
//! one sprite sheet made by the transcode job, served at `/lazy-static/storyboards/{filename}`.
//! Each change of a local video federates as an Update of its Video (`subtitleLanguage`,
//! `hasParts`, `preview`); a remote video's are read from its Video (`store_remote_extras`) and
//! its files fetched from the origin the first time they are asked for.

use crate::error::{Error, ParamLocation, Result};
use crate::videos::can_manage;
use crate::Instance;
use ferrotube_db::captions::{CaptionRow, ChapterRow, StoryboardRow};
use ferrotube_db::users::UserRow;
use ferrotube_db::videos::VideoRow;
use ferrotube_federation::vocab::{Storyboard, Subtitle, VideoObject};
use ferrotube_model::constants::language_label;
use ferrotube_model::subtitles::{self, MAX_CAPTION_BYTES, MAX_CHAPTER_TITLE};
use ferrotube_model::timefmt::now_ms;
use ferrotube_storage::ObjectStore;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::{Arc, OnceLock, Weak};

/// Largest storyboard fetched from another instance (a 10x10 sheet of 192 px sprites is ~1 MB).
const MAX_REMOTE_STORYBOARD_BYTES: usize = 8 * 1024 * 1024;

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

fn check_language(language: &str) -> Result<()> {
    if language_label(language).is_none() {
        return Err(Error::bad_param(
            "captionLanguage",
            language,
            "Should have a valid caption language",
            ParamLocation::Params,
        ));
    }
    Ok(())
}

fn check_editable(v: &VideoRow, user: &UserRow) -> Result<()> {
    can_manage(v, user)?;
    if !v.is_local() {
        return Err(Error::forbidden("Cannot edit a video of another instance"));
    }
    Ok(())
}

/// After a change of a local video's captions or chapters: public reads and its audience.
async fn changed(state: &Instance, v: &VideoRow) {
    state.videos_changed();
    crate::federation::outbox::video_changed(state, v.id, false).await;
}

/// Writes `bytes` under `key` (through a temporary file, so readers never see half a file).
async fn write_file(state: &Instance, key: &str, bytes: &[u8]) -> Result<()> {
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

/// `PUT /videos/{id}/captions/{language}`: adds or replaces the caption of `language`.
pub async fn set_caption(
    state: &Instance,
    user: &UserRow,
    v: &VideoRow,
    language: &str,
    bytes: &[u8],
) -> Result<()> {
    check_language(language)?;
    check_editable(v, user)?;
    if bytes.len() > MAX_CAPTION_BYTES {
        return Err(Error::bad_param(
            "captionfile",
            "",
            "This caption file is too big",
            ParamLocation::Body,
        ));
    }
    let vtt = subtitles::to_webvtt(bytes).map_err(|e| {
        Error::bad_param(
            "captionfile",
            "",
            format!("This caption file is not a valid caption file: {e}"),
            ParamLocation::Body,
        )
    })?;
    let filename = format!("{}-{language}.vtt", uuid::Uuid::new_v4());
    let key = caption_key(&v.uuid, &filename);
    write_file(state, &key, vtt.as_bytes()).await?;
    let before = match state
        .db
        .upsert_caption(v.id, language, &filename, None, now_ms())
        .await
    {
        Ok(b) => b,
        Err(e) => {
            let _ = state.store.delete(&key).await;
            return Err(e.into());
        }
    };
    if let Some(old) = before {
        let _ = state
            .store
            .delete(&caption_key(&v.uuid, &old.filename))
            .await;
    }
    tracing::info!(video = %v.uuid, language, "caption set");
    changed(state, v).await;
    Ok(())
}

/// `DELETE /videos/{id}/captions/{language}`.
pub async fn delete_caption(
    state: &Instance,
    user: &UserRow,
    v: &VideoRow,
    language: &str,
) -> Result<()> {
    check_language(language)?;
    check_editable(v, user)?;
    let Some(gone) = state.db.delete_caption(v.id, language).await? else {
        return Err(Error::not_found("Video caption not found"));
    };
    let _ = state
        .store
        .delete(&caption_key(&v.uuid, &gone.filename))
        .await;
    changed(state, v).await;
    Ok(())
}

/// Reads `{"chapters": [{"title", "timecode"}]}` as PeerTube's validator does.
pub fn parse_chapters_body(body: &Value) -> Result<Vec<ChapterRow>> {
    let bad = |value: &str, message: &str| {
        Error::bad_param("chapters", value, message.to_string(), ParamLocation::Body)
    };
    let Some(list) = body.get("chapters").and_then(Value::as_array) else {
        return Err(bad("", "Should have a valid chapters array"));
    };
    let mut out: Vec<ChapterRow> = Vec::with_capacity(list.len());
    for c in list {
        let title = c
            .get("title")
            .and_then(Value::as_str)
            .filter(|t| (1..=MAX_CHAPTER_TITLE).contains(&t.chars().count()))
            .ok_or_else(|| bad(&c.to_string(), "Should have a valid chapter title"))?;
        let timecode = match c.get("timecode") {
            Some(Value::Number(n)) => n.as_i64(),
            Some(Value::String(s)) => s.parse::<i64>().ok(),
            _ => None,
        }
        .filter(|t| *t >= 0)
        .ok_or_else(|| bad(&c.to_string(), "Should have a valid chapter timecode"))?;
        if out.iter().any(|o| o.timecode == timecode) {
            return Err(bad(
                &timecode.to_string(),
                "Chapter timecodes should be unique",
            ));
        }
        out.push(ChapterRow {
            timecode,
            title: title.to_string(),
        });
    }
    out.sort_by_key(|c| c.timecode);
    Ok(out)
}

/// `PUT /videos/{id}/chapters`: replaces the chapters of a local video.
pub async fn set_chapters(
    state: &Instance,
    user: &UserRow,
    v: &VideoRow,
    body: &Value,
) -> Result<()> {
    let chapters = parse_chapters_body(body)?;
    check_editable(v, user)?;
    {
        let lock = video_lock(state, v.id);
        let _held = lock.lock().await;
        state.db.replace_chapters(v.id, &chapters).await?;
    }
    changed(state, v).await;
    Ok(())
}

fn description_chapters(description: Option<&str>) -> Vec<ChapterRow> {
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
fn video_lock(state: &Instance, video_id: i64) -> Arc<tokio::sync::Mutex<()>> {
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

/// The video's current `Video` at its origin, when it answers.
async fn fresh_object(state: &Instance, obj: &VideoObject) -> Option<VideoObject> {
    let signer = crate::federation::actors::instance_signer(state)
        .await
        .ok()?;
    let doc = state
        .federation
        .client
        .get_activity_json(&obj.id, Some(&signer))
        .await
        .ok()?;
    let fresh = ferrotube_federation::vocab::parse_video(&doc).ok()?;
    (fresh.id == obj.id).then_some(fresh)
}

/// A remote video's captions, chapters and storyboard, as its origin describes them now. The
/// inbox applies activities side by side, so an older Update can be applied after a newer one:
/// under the video's lock, the current `Video` (and its chapters) are read from the origin,
/// so the last one applied is the newest (`obj`, from the activity, when the origin does not
/// answer). Each part that cannot be read is logged and left as it was.
pub async fn store_remote_extras(state: &Instance, video_id: i64, obj: &VideoObject) {
    let lock = video_lock(state, video_id);
    let _held = lock.lock().await;
    let v = match state.db.video_by_id(video_id).await {
        Ok(Some(v)) => v,
        _ => return,
    };
    let fresh = fresh_object(state, obj).await;
    let obj = fresh.as_ref().unwrap_or(obj);
    if let Err(e) = remote_captions(state, &v, obj).await {
        tracing::warn!(video = %obj.id, error = %e, "remote captions not stored");
    }
    if let Err(e) = remote_storyboard(state, &v, obj).await {
        tracing::warn!(video = %obj.id, error = %e, "remote storyboard not stored");
    }
    if let Err(e) = remote_chapters(state, &v, obj).await {
        tracing::warn!(video = %obj.id, error = %e, "remote chapters not stored");
    }
}

async fn remote_captions(state: &Instance, v: &VideoRow, obj: &VideoObject) -> Result<()> {
    let current = state.db.video_captions(v.id).await?;
    let wanted: Vec<&Subtitle> = obj
        .subtitles
        .iter()
        // Any http(s) URL: an origin with object storage serves its files from another host
        // (the fetch client keeps to public addresses).
        .filter(|s| language_label(&s.language.0).is_some())
        .collect();
    for c in &current {
        if !wanted.iter().any(|s| s.language.0 == c.language) {
            state.db.delete_caption(v.id, &c.language).await?;
            let _ = state.store.delete(&caption_key(&v.uuid, &c.filename)).await;
        }
    }
    for s in wanted {
        let known = current
            .iter()
            .any(|c| c.language == s.language.0 && c.remote_url.as_deref() == Some(&s.url));
        if known {
            continue;
        }
        let filename = format!("{}-{}.vtt", uuid::Uuid::new_v4(), s.language.0);
        if let Some(old) = state
            .db
            .upsert_caption(v.id, &s.language.0, &filename, Some(&s.url), now_ms())
            .await?
        {
            let _ = state
                .store
                .delete(&caption_key(&v.uuid, &old.filename))
                .await;
        }
    }
    Ok(())
}

async fn remote_storyboard(state: &Instance, v: &VideoRow, obj: &VideoObject) -> Result<()> {
    let current = state.db.video_storyboard(v.id).await?;
    let Some(s) = obj.storyboard.as_ref() else {
        if let Some(old) = state.db.delete_storyboard(v.id).await? {
            let _ = state
                .store
                .delete(&storyboard_key(&v.uuid, &old.filename))
                .await;
        }
        return Ok(());
    };
    let row = StoryboardRow {
        video_id: v.id,
        filename: format!("{}.jpg", uuid::Uuid::new_v4()),
        remote_url: Some(s.url.clone()),
        total_width: s.width.into(),
        total_height: s.height.into(),
        sprite_width: s.tile_width.into(),
        sprite_height: s.tile_height.into(),
        sprite_duration: s.tile_duration_secs.max(1),
        created_at: now_ms(),
    };
    let unchanged = current.as_ref().is_some_and(|c| {
        c.remote_url == row.remote_url
            && (
                c.total_width,
                c.total_height,
                c.sprite_width,
                c.sprite_height,
                c.sprite_duration,
            ) == (
                row.total_width,
                row.total_height,
                row.sprite_width,
                row.sprite_height,
                row.sprite_duration,
            )
    });
    if unchanged || row.sprite_width <= 0 || row.sprite_height <= 0 {
        return Ok(());
    }
    save_storyboard(state, v, &row).await
}

async fn remote_chapters(state: &Instance, v: &VideoRow, obj: &VideoObject) -> Result<()> {
    let chapters = match &obj.chapters_url {
        Some(url) if same_host(url, &obj.id) => {
            let signer = crate::federation::actors::instance_signer(state)
                .await
                .map_err(Error::internal)?;
            let doc = state
                .federation
                .client
                .get_activity_json(url, Some(&signer))
                .await
                .map_err(Error::internal)?;
            ferrotube_federation::vocab::chapters::parse_chapters(&doc)
                .map_err(Error::internal)?
                .into_iter()
                .map(|(timecode, title)| ChapterRow { timecode, title })
                .collect()
        }
        _ => Vec::new(),
    };
    if state.db.video_chapters(v.id).await? != chapters {
        state.db.replace_chapters(v.id, &chapters).await?;
    }
    Ok(())
}

fn same_host(a: &str, b: &str) -> bool {
    let host = |u: &str| {
        url::Url::parse(u)
            .ok()
            .and_then(|u| u.host_str().map(str::to_string))
    };
    host(a).is_some() && host(a) == host(b)
}

/// The bytes of a caption file as stored, fetching a remote video's from its origin the first
/// time (checked and converted like an upload). `None` when there is no such file.
pub async fn caption_file(
    state: &Instance,
    v: &VideoRow,
    c: &CaptionRow,
) -> Result<Option<std::path::PathBuf>> {
    let key = caption_key(&v.uuid, &c.filename);
    let path = state.store.local_path(&key).map_err(Error::internal)?;
    if tokio::fs::try_exists(&path).await.unwrap_or(false) {
        return Ok(Some(path));
    }
    let Some(url) = &c.remote_url else {
        return Ok(None);
    };
    let bytes = match state
        .federation
        .client
        .get_bytes(url, "", MAX_CAPTION_BYTES)
        .await
    {
        Ok(b) => b,
        Err(e) => {
            tracing::info!(%url, error = %e, "remote caption not fetched");
            return Ok(None);
        }
    };
    let Ok(vtt) = subtitles::to_webvtt(&bytes) else {
        tracing::info!(%url, "remote caption is not a caption file");
        return Ok(None);
    };
    write_file(state, &key, vtt.as_bytes()).await?;
    Ok(Some(path))
}

/// The storyboard image as stored, fetching a remote video's from its origin the first time.
pub async fn storyboard_file(
    state: &Instance,
    v: &VideoRow,
    s: &StoryboardRow,
) -> Result<Option<std::path::PathBuf>> {
    let key = storyboard_key(&v.uuid, &s.filename);
    let path = state.store.local_path(&key).map_err(Error::internal)?;
    if tokio::fs::try_exists(&path).await.unwrap_or(false) {
        return Ok(Some(path));
    }
    let Some(url) = &s.remote_url else {
        return Ok(None);
    };
    match state
        .federation
        .client
        .get_bytes(url, "image/", MAX_REMOTE_STORYBOARD_BYTES)
        .await
    {
        Ok(bytes) => {
            write_file(state, &key, &bytes).await?;
            Ok(Some(path))
        }
        Err(e) => {
            tracing::info!(%url, error = %e, "remote storyboard not fetched");
            Ok(None)
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;
    use serde_json::json;

    #[test]
    fn chapter_bodies() {
        let ok = parse_chapters_body(&json!({"chapters": [
            {"title": "Middle", "timecode": 3}, {"title": "Intro", "timecode": "0"}
        ]}))
        .unwrap();
        assert_eq!(ok[0].title, "Intro");
        assert_eq!(ok[1].timecode, 3);
        assert!(parse_chapters_body(&json!({"chapters": []}))
            .unwrap()
            .is_empty());
        for bad in [
            json!({}),
            json!({"chapters": "x"}),
            json!({"chapters": [{"title": "", "timecode": 0}]}),
            json!({"chapters": [{"title": "a", "timecode": -1}]}),
            json!({"chapters": [{"title": "a", "timecode": 1.5}]}),
            json!({"chapters": [{"title": "a"}]}),
            json!({"chapters": [{"title": "a", "timecode": 1}, {"title": "b", "timecode": 1}]}),
            json!({"chapters": [{"title": "x".repeat(101), "timecode": 1}]}),
        ] {
            assert!(parse_chapters_body(&bad).is_err(), "{bad}");
        }
    }
}
