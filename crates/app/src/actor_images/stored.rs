//! What is stored of an actor image and how it is shown (REST `ActorImage`, ActivityPub
//! `Image`), and a remote actor's images recorded as URLs. A leaf: `federation` reads it while
//! `actor_images` (uploads) sends through `federation`.

use crate::error::{Error, Result};
use crate::Instance;
use ferrotube_db::accounts::{ActorImageKind, ImageOwner};
use ferrotube_model::timefmt::{iso, now_ms};
use serde::{Deserialize, Serialize};

/// PeerTube's avatar sizes (ACTOR_IMAGES_SIZE in constants.ts), largest first.
pub const AVATAR_SIZES: &[(u32, u32)] = &[(1500, 1500), (600, 600), (120, 120), (48, 48)];
/// PeerTube's banner sizes.
pub const BANNER_SIZES: &[(u32, u32)] = &[(1920, 317), (600, 100)];
/// PeerTube's limit for avatar and banner files (`avatar.file.size.max` of the config).
pub const MAX_IMAGE_BYTES: u64 = 4 * 1024 * 1024;
/// The extensions PeerTube accepts (`avatar.file.extensions`).
pub const IMAGE_EXTENSIONS: &[&str] = &["png", "jpeg", "jpg", "gif", "webp"];

/// One size of an actor image, as stored (migration 0010).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct StoredImage {
    /// The file's name under `avatars/` or `banners/` (a remote image: the last segment of its
    /// URL, for information only).
    pub filename: String,
    /// A remote image's URL; `None` for ours.
    #[serde(default)]
    pub file_url: Option<String>,
    #[serde(default)]
    pub width: Option<u32>,
    #[serde(default)]
    pub height: Option<u32>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// The sizes recorded in a row's column (nothing for `None` or unreadable JSON).
pub fn parse(column: Option<&str>) -> Vec<StoredImage> {
    column
        .and_then(|c| serde_json::from_str(c).ok())
        .unwrap_or_default()
}

impl ActorImageKindExt for ActorImageKind {
    fn folder(self) -> &'static str {
        match self {
            ActorImageKind::Avatar => "avatars",
            ActorImageKind::Banner => "banners",
        }
    }
    fn field(self) -> &'static str {
        match self {
            ActorImageKind::Avatar => "avatarfile",
            ActorImageKind::Banner => "bannerfile",
        }
    }
    fn sizes(self) -> &'static [(u32, u32)] {
        match self {
            ActorImageKind::Avatar => AVATAR_SIZES,
            ActorImageKind::Banner => BANNER_SIZES,
        }
    }
}

/// Where an image kind lives and how it is named.
pub trait ActorImageKindExt {
    /// The store folder and static path segment (`avatars`, `banners`).
    fn folder(self) -> &'static str;
    /// PeerTube's multipart field name.
    fn field(self) -> &'static str;
    fn sizes(self) -> &'static [(u32, u32)];
}

/// The path an image is served at here (`/lazy-static/avatars/x.jpg`); a remote image's is the
/// path of its own URL, since it is served by redirecting there.
pub fn static_path(kind: ActorImageKind, img: &StoredImage) -> String {
    format!("/lazy-static/{}/{}", kind.folder(), img.filename)
}

/// PeerTube's `ActorImage` JSON of one size.
pub fn image_json(base_url: &str, kind: ActorImageKind, img: &StoredImage) -> serde_json::Value {
    let path = static_path(kind, img);
    let file_url = img
        .file_url
        .clone()
        .unwrap_or_else(|| format!("{base_url}{path}"));
    serde_json::json!({
        "path": path,
        "fileUrl": file_url,
        "width": img.width,
        "height": img.height,
        "createdAt": iso(img.created_at),
        "updatedAt": iso(img.updated_at),
    })
}

/// The absolute URL of one size (ours under our URL, a remote one its own).
pub fn image_url(base_url: &str, kind: ActorImageKind, img: &StoredImage) -> String {
    img.file_url
        .clone()
        .unwrap_or_else(|| format!("{base_url}{}", static_path(kind, img)))
}

/// A remote actor's images as its document lists them (`icon` / `image`), recorded as URLs.
pub async fn set_remote(
    instance: &Instance,
    owner: ImageOwner,
    kind: ActorImageKind,
    images: &[ferrotube_federation::vocab::actor::Image],
) -> Result<()> {
    if matches!(
        (owner, kind),
        (ImageOwner::Account(_), ActorImageKind::Banner)
    ) {
        return Ok(());
    }
    let column = match owner {
        ImageOwner::Account(id) => instance.db.account_by_id(id).await?.and_then(|a| a.avatars),
        ImageOwner::Channel(id) => instance
            .db
            .channel_by_id(id)
            .await?
            .and_then(|c| match kind {
                ActorImageKind::Avatar => c.avatars,
                ActorImageKind::Banner => c.banners,
            }),
    };
    let known = parse(column.as_deref());
    let now = now_ms();
    let stored: Vec<StoredImage> = images
        .iter()
        .take(8)
        .map(|i| {
            // An image already known keeps its dates (PeerTube's `updatedAt` moves on change).
            let same = known
                .iter()
                .find(|k| k.file_url.as_deref() == Some(i.url.as_str()));
            StoredImage {
                filename: remote_filename(&i.url),
                file_url: Some(i.url.clone()),
                width: i.width,
                height: i.height,
                created_at: same.map_or(now, |k| k.created_at),
                updated_at: same.map_or(now, |k| k.updated_at),
            }
        })
        .collect();
    if stored == known {
        return Ok(());
    }
    let json = (!stored.is_empty())
        .then(|| serde_json::to_string(&stored))
        .transpose()
        .map_err(Error::internal)?;
    instance
        .db
        .set_actor_images(owner, kind, json.as_deref())
        .await?;
    instance.videos_changed();
    Ok(())
}

/// The URL of the remote image served here as `/lazy-static/{avatars|banners}/{filename}`.
pub async fn remote_url_of(
    instance: &Instance,
    kind: ActorImageKind,
    filename: &str,
) -> Result<Option<String>> {
    let columns = instance.db.image_columns_naming(kind, filename).await?;
    Ok(columns
        .iter()
        .flat_map(|c| parse(Some(c)))
        .find(|i| i.filename == filename)
        .and_then(|i| i.file_url))
}

/// The last path segment of a remote image's URL, kept only if it is a plain file name.
fn remote_filename(url: &str) -> String {
    let last = url
        .split(['?', '#'])
        .next()
        .unwrap_or("")
        .rsplit('/')
        .next()
        .unwrap_or("");
    if !last.is_empty()
        && last.len() <= 100
        && last
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        && !last.starts_with('.')
    {
        last.to_string()
    } else {
        format!("remote-{}", uuid::Uuid::new_v4())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn remote_filenames_are_plain_names() {
        assert_eq!(
            remote_filename("https://a.example/lazy-static/avatars/ab-12.webp?x=1"),
            "ab-12.webp"
        );
        assert!(remote_filename("https://a.example/x/..").starts_with("remote-"));
        assert!(remote_filename("https://a.example/").starts_with("remote-"));
    }

    #[test]
    fn stored_images_read_back() {
        let img = StoredImage {
            filename: "a.jpg".into(),
            file_url: None,
            width: Some(48),
            height: Some(48),
            created_at: 1,
            updated_at: 2,
        };
        let json = serde_json::to_string(&vec![img.clone()]).unwrap();
        assert_eq!(parse(Some(&json)), vec![img]);
        assert!(parse(Some("not json")).is_empty());
        assert!(parse(None).is_empty());
    }
}
