//! Avatars (accounts, channels) and banners (channels): PeerTube's actor images. An upload is
//! checked (an image, not too large), scaled to PeerTube's sizes, stored under `avatars/` or
//! `banners/`, recorded on its account or channel (migration 0010's JSON) and federated as the
//! actor's `icon` / `image` (an `Update{Person|Group}`). Remote actors' images are kept as their
//! URLs (`stored::set_remote`). The previous files are removed once the new ones are recorded.

pub mod stored;

use crate::error::{Error, ParamLocation, Result};
use crate::Instance;
use ferrotube_db::accounts::{ActorImageKind, ImageOwner};
use ferrotube_model::timefmt::now_ms;
use ferrotube_storage::ObjectStore;
use std::path::Path;
use stored::{parse, ActorImageKindExt, StoredImage};

fn unreadable(kind: ActorImageKind, why: impl std::fmt::Display) -> Error {
    Error::bad_param(
        kind.field(),
        "",
        format!("This file is not a supported image: {why}"),
        ParamLocation::Body,
    )
}

/// Scales `file` to every size of `kind` and stores them; answers the stored sizes. Nothing is
/// left behind on an error.
async fn store_sizes(
    instance: &Instance,
    file: &Path,
    kind: ActorImageKind,
) -> Result<Vec<StoredImage>> {
    let probe = ferrotube_media::probe_image(file)
        .await
        .map_err(|e| unreadable(kind, e))?;
    let work = instance.scratch_dir();
    tokio::fs::create_dir_all(&work)
        .await
        .map_err(Error::internal)?;
    let now = now_ms();
    let mut stored: Vec<StoredImage> = Vec::new();
    let mut failure: Option<Error> = None;
    for &(w, h) in kind.sizes() {
        let name = format!("{}.jpg", uuid::Uuid::new_v4());
        let out = work.join(format!("actor-image-{name}"));
        if let Err(e) = ferrotube_media::thumbnail(file, &probe, &out, w, h).await {
            let _ = tokio::fs::remove_file(&out).await;
            failure = Some(unreadable(kind, e));
            break;
        }
        if let Err(e) = instance
            .store
            .put_file(&out, &format!("{}/{name}", kind.folder()))
            .await
        {
            let _ = tokio::fs::remove_file(&out).await;
            failure = Some(Error::internal(e));
            break;
        }
        stored.push(StoredImage {
            filename: name,
            file_url: None,
            width: Some(w),
            height: Some(h),
            created_at: now,
            updated_at: now,
        });
    }
    if let Some(e) = failure {
        remove_files(instance, kind, &stored).await;
        return Err(e);
    }
    Ok(stored)
}

/// Removes the files of an account's or channel's images once the row is gone (its `avatars`
/// and, for a channel, `banners` columns, read before the delete).
pub async fn remove_images_of(instance: &Instance, avatars: Option<&str>, banners: Option<&str>) {
    remove_files(instance, ActorImageKind::Avatar, &parse(avatars)).await;
    remove_files(instance, ActorImageKind::Banner, &parse(banners)).await;
}

async fn remove_files(instance: &Instance, kind: ActorImageKind, images: &[StoredImage]) {
    for img in images.iter().filter(|i| i.file_url.is_none()) {
        if ferrotube_storage::check_key(&img.filename).is_ok() && !img.filename.contains('/') {
            let _ = instance
                .store
                .delete(&format!("{}/{}", kind.folder(), img.filename))
                .await;
        }
    }
}

/// Sets (`Some(file)`) or removes (`None`) the avatar or banner of one of our accounts or
/// channels (the caller checked who may); answers the new sizes. The actor's followers get an
/// `Update`, public reads are refreshed, the old files are removed.
pub async fn set_local(
    instance: &Instance,
    owner: ImageOwner,
    kind: ActorImageKind,
    file: Option<&Path>,
) -> Result<Vec<StoredImage>> {
    if matches!(
        (owner, kind),
        (ImageOwner::Account(_), ActorImageKind::Banner)
    ) {
        return Err(Error::not_found("An account has no banner"));
    }
    let images = match file {
        Some(f) => store_sizes(instance, f, kind).await?,
        None => Vec::new(),
    };
    let json = (!images.is_empty())
        .then(|| serde_json::to_string(&images))
        .transpose()
        .map_err(Error::internal)?;
    let before = match instance
        .db
        .set_actor_images(owner, kind, json.as_deref())
        .await
    {
        Ok(b) => b,
        Err(e) => {
            remove_files(instance, kind, &images).await;
            return Err(e.into());
        }
    };
    remove_files(instance, kind, &parse(before.as_deref())).await;
    instance.videos_changed();
    match owner {
        ImageOwner::Account(id) => {
            if let Some(a) = instance.db.account_by_id(id).await? {
                crate::federation::outbox::account_updated(instance, &a).await;
            }
        }
        ImageOwner::Channel(id) => {
            if let Some(c) = instance.db.channel_by_id(id).await? {
                crate::federation::outbox::channel_updated(instance, &c).await;
            }
        }
    }
    Ok(images)
}

/// Sets (`Some(file)`) or removes (`None`) the instance's avatar or banner (PeerTube's
/// `/api/v1/config/instance-{avatar,banner}/pick`): kept with the runtime settings
/// (`admin_settings`), shown in `/api/v1/config` and as the instance actor's `icon` / `image`;
/// the instance's followers get an `Update`, the old files are removed.
pub async fn set_instance(
    instance: &Instance,
    kind: ActorImageKind,
    file: Option<&Path>,
) -> Result<Vec<StoredImage>> {
    use crate::admin::config::{INSTANCE_AVATARS, INSTANCE_BANNERS};
    let name = match kind {
        ActorImageKind::Avatar => INSTANCE_AVATARS,
        ActorImageKind::Banner => INSTANCE_BANNERS,
    };
    let images = match file {
        Some(f) => store_sizes(instance, f, kind).await?,
        None => Vec::new(),
    };
    let written = async {
        let before = instance.db.admin_setting(name).await?;
        if images.is_empty() {
            instance.db.delete_admin_setting(name).await?;
        } else {
            let json = serde_json::to_string(&images).map_err(Error::internal)?;
            instance.db.set_admin_setting(name, &json, now_ms()).await?;
        }
        Ok::<_, Error>(before)
    }
    .await;
    let before = match written {
        Ok(b) => b,
        Err(e) => {
            remove_files(instance, kind, &images).await;
            return Err(e);
        }
    };
    remove_files(
        instance,
        kind,
        &parse(before.as_ref().map(|r| r.value.as_str())),
    )
    .await;
    crate::admin::config::reload(instance, true).await?;
    match crate::federation::actors::instance_actor(instance).await {
        Ok(actor) => crate::federation::outbox::actor_updated(instance, &actor).await,
        Err(e) => tracing::warn!(error = %e, "cannot federate the instance's new image"),
    }
    Ok(images)
}
