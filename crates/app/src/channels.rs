//! Channels: who may manage one, changing and deleting it (public reads are told here).

use crate::error::{Error, Result};
use crate::Instance;
use ferrotube_db::accounts::ChannelRow;
use ferrotube_db::users::UserRow;
use ferrotube_model::timefmt::now_ms;
use ferrotube_model::UserRole;

/// The channel's owner, or an administrator; a remote channel is managed at its origin.
pub fn may_manage(user: &UserRow, c: &ChannelRow) -> Result<()> {
    if c.host.is_some() {
        return Err(Error::forbidden("Cannot manage a remote channel"));
    }
    let admin = user.role == UserRole::Administrator;
    if c.account_id == user.account_id || admin {
        Ok(())
    } else {
        Err(Error::forbidden("Cannot manage a channel of another user"))
    }
}

/// What `PUT /video-channels/{handle}` may change (already validated).
#[derive(Debug, Default)]
pub struct ChannelChanges {
    pub display_name: Option<String>,
    /// `Some(None)` clears it.
    pub description: Option<Option<String>>,
    pub support: Option<Option<String>>,
}

pub async fn update(
    instance: &Instance,
    user: &UserRow,
    mut c: ChannelRow,
    changes: ChannelChanges,
) -> Result<()> {
    may_manage(user, &c)?;
    if let Some(d) = changes.display_name {
        c.display_name = d.trim().to_string();
    }
    if let Some(d) = changes.description {
        c.description = d;
    }
    if let Some(s) = changes.support {
        c.support = s;
    }
    c.updated_at = now_ms();
    instance.db.update_channel(&c).await?;
    instance.videos_changed();
    crate::federation::outbox::channel_updated(instance, &c).await;
    Ok(())
}

/// Deletes a channel (and its videos); an account keeps at least one.
pub async fn delete(instance: &Instance, user: &UserRow, c: &ChannelRow) -> Result<()> {
    may_manage(user, c)?;
    if instance.db.count_channels_of_account(c.account_id).await? <= 1 {
        return Err(Error::conflict(
            "Cannot remove the last channel of this user",
        ));
    }
    instance.db.delete_channel(c.id).await?;
    crate::actor_images::remove_images_of(instance, c.avatars.as_deref(), c.banners.as_deref())
        .await;
    instance.videos_changed();
    Ok(())
}
