//! Custom thumbnails and previews: checked before a video is created, scaled to PeerTube's sizes,
//! stored, recorded on the video. Used by an upload (`crates/api`, after `uploads::create_video`)
//! and by a video update (`videos`).

use crate::error::{Error, ParamLocation, Result};
use crate::Instance;
use ferrotube_model::timefmt::now_ms;
use ferrotube_storage::ObjectStore;
use std::path::Path;

/// Which custom image: PeerTube's form field names, which errors name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageKind {
    Thumbnail,
    Preview,
}

impl ImageKind {
    pub fn field(self) -> &'static str {
        match self {
            ImageKind::Thumbnail => "thumbnailfile",
            ImageKind::Preview => "previewfile",
        }
    }
    fn folder(self) -> &'static str {
        match self {
            ImageKind::Thumbnail => "thumbnails",
            ImageKind::Preview => "previews",
        }
    }
    fn size(self) -> (u32, u32) {
        match self {
            ImageKind::Thumbnail => ferrotube_media::THUMBNAIL_SIZE,
            ImageKind::Preview => ferrotube_media::PREVIEW_SIZE,
        }
    }
}

fn unreadable(kind: ImageKind, why: impl std::fmt::Display) -> Error {
    Error::bad_param(
        kind.field(),
        "",
        format!("Unreadable image: {why}"),
        ParamLocation::Body,
    )
}

/// Checks that a custom image is readable, before anything is created.
pub async fn check_image(image: &Path, kind: ImageKind) -> Result<()> {
    ferrotube_media::probe_image(image)
        .await
        .map(|_| ())
        .map_err(|e| unreadable(kind, e))
}

/// Scales a custom thumbnail or preview to PeerTube's size and stores it; answers its file name.
pub async fn store_custom_image(
    instance: &Instance,
    image: &Path,
    kind: ImageKind,
) -> Result<String> {
    let probe = ferrotube_media::probe_image(image)
        .await
        .map_err(|e| unreadable(kind, e))?;
    if !probe.has_video {
        return Err(Error::bad_param(
            kind.field(),
            "",
            "Unreadable image",
            ParamLocation::Body,
        ));
    }
    let name = format!("{}.jpg", uuid::Uuid::new_v4());
    let out = instance.scratch_dir().join(format!("scaled-{name}"));
    let (w, h) = kind.size();
    if let Err(e) = ferrotube_media::thumbnail(image, &probe, &out, w, h).await {
        let _ = tokio::fs::remove_file(&out).await;
        return Err(unreadable(kind, e));
    }
    if let Err(e) = instance
        .store
        .put_file(&out, &format!("{}/{name}", kind.folder()))
        .await
    {
        let _ = tokio::fs::remove_file(&out).await;
        return Err(Error::internal(e));
    }
    Ok(name)
}

/// Stores custom images and records them on the video.
pub async fn apply_custom_images(
    instance: &Instance,
    video_id: i64,
    thumbnail: Option<&Path>,
    preview: Option<&Path>,
) -> Result<()> {
    let mut update = ferrotube_db::videos::VideoUpdate::default();
    if let Some(t) = thumbnail {
        update.thumbnail_name = Some(store_custom_image(instance, t, ImageKind::Thumbnail).await?);
    }
    if let Some(p) = preview {
        update.preview_name = Some(store_custom_image(instance, p, ImageKind::Preview).await?);
    }
    if update.thumbnail_name.is_some() || update.preview_name.is_some() {
        instance
            .db
            .update_video(video_id, &update, now_ms())
            .await?;
        instance.videos_changed();
    }
    Ok(())
}
