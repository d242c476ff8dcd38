//! Captions, chapters and storyboards of videos.
//!
//! Captions: one WebVTT file per video and language (a SubRip upload is converted), served at
//! `/lazy-static/video-captions/{filename}`. Chapters: titled timecodes, set by hand or read
//! from the description's `00:00 Intro` lines while no chapters were set by hand. Storyboards:
//! one sprite sheet made by the transcode job, served at `/lazy-static/storyboards/{filename}`.
//! Each change of a local video federates as an Update of its Video (`subtitleLanguage`,
//! `hasParts`, `preview`); a remote video's are read from its Video
//! (`federation::extras::store_remote_extras`) and its files fetched from the origin the first
//! time they are asked for (`caption_file`, `storyboard_file`). What other modules need without
//! these rules lives in the leaf `store`.

pub mod store;

pub use store::{
    caption_key, caption_path, chapters_follow_description, remove_files, storyboard_key,
    storyboard_path,
};

use crate::error::{Error, ParamLocation, Result};
use crate::videos::can_manage;
use crate::Instance;
use ferrotube_db::captions::{CaptionRow, ChapterRow, StoryboardRow};
use ferrotube_db::users::UserRow;
use ferrotube_db::videos::VideoRow;
use ferrotube_model::constants::language_label;
use ferrotube_model::subtitles::{self, MAX_CAPTION_BYTES, MAX_CHAPTER_TITLE};
use ferrotube_model::timefmt::now_ms;
use ferrotube_storage::ObjectStore;
use serde_json::Value;
use store::{video_lock, write_file};

/// Largest storyboard fetched from another instance (a 10x10 sheet of 192 px sprites is ~1 MB).
const MAX_REMOTE_STORYBOARD_BYTES: usize = 8 * 1024 * 1024;

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
        crate::object_storage::caption_removed(state, v, &old.filename).await;
    }
    crate::object_storage::caption_added(state, v).await;
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
    crate::object_storage::caption_removed(state, v, &gone.filename).await;
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

/// The bytes of a caption file as stored, fetching a remote video's from its origin the first
/// time (checked and converted like an upload). `None` when there is no such file. For a video
/// moved to object storage the local path may not exist: the file is in the captions bucket,
/// where the file routes read it.
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
        let moved =
            state.objects.is_some() && v.storage == ferrotube_db::object_storage::STORAGE_OBJECT;
        return Ok(moved.then_some(path));
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
