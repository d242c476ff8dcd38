//! A remote video's captions, chapters and storyboard, read from its `Video`: captions and the
//! storyboard recorded with the origin's URLs (their files are fetched when first asked for,
//! `crate::captions::caption_file`), chapters fetched from `hasParts`.

use crate::captions::store::{caption_key, save_storyboard, storyboard_key, video_lock};
use crate::error::{Error, Result};
use crate::Instance;
use ferrotube_db::captions::{ChapterRow, StoryboardRow};
use ferrotube_db::videos::VideoRow;
use ferrotube_federation::vocab::{Subtitle, VideoObject};
use ferrotube_model::constants::language_label;
use ferrotube_model::timefmt::now_ms;
use ferrotube_storage::ObjectStore;

/// The video's current `Video` at its origin, when it answers.
async fn fresh_object(state: &Instance, obj: &VideoObject) -> Option<VideoObject> {
    let signer = super::actors::instance_signer(state).await.ok()?;
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
            let signer = super::actors::instance_signer(state)
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
