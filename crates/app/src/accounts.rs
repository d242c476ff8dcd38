//! Local users and their secrets: password hashing, random tokens, creating a user with its
//! account and default channel.

use crate::error::{Error, Result};
use crate::Instance;
use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use ferrotube_db::users::NewUser;
use ferrotube_model::timefmt::now_ms;
use ferrotube_model::{validate, UserRole};

pub fn hash_password(password: &str) -> Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(Error::internal)
}

/// Verifies argon2 hashes (ours) and bcrypt ones are not supported yet; unknown formats fail closed.
pub fn verify_password(password: &str, hash: &str) -> bool {
    match PasswordHash::new(hash) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

pub fn random_token(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    for b in buf.iter_mut() {
        *b = rand::random();
    }
    hex::encode(buf)
}

/// A local user to create, as the admin API, registration and first start describe it.
pub struct LocalUser<'a> {
    pub username: &'a str,
    pub password: &'a str,
    pub email: &'a str,
    pub role: UserRole,
    /// Total and daily video quota in bytes (-1: unlimited).
    pub quota: (i64, i64),
    pub display_name: Option<&'a str>,
    /// Default channel's name and display name; `<username>_channel` when absent.
    pub channel: Option<(&'a str, &'a str)>,
}

/// Creates a user with its account and default channel.
pub async fn create_local_user(
    state: &Instance,
    new: LocalUser<'_>,
) -> Result<ferrotube_db::users::CreatedUser> {
    validate::username(new.username)?;
    validate::password(new.password)?;
    create_user_with_hash(state, new, None).await
}

/// Creates a user whose password was hashed earlier (an accepted registration request keeps
/// only the hash); `new.password` is not read.
pub async fn create_local_user_hashed(
    state: &Instance,
    new: LocalUser<'_>,
    password_hash: &str,
) -> Result<ferrotube_db::users::CreatedUser> {
    create_user_with_hash(state, new, Some(password_hash)).await
}

async fn create_user_with_hash(
    state: &Instance,
    new: LocalUser<'_>,
    password_hash: Option<&str>,
) -> Result<ferrotube_db::users::CreatedUser> {
    let LocalUser {
        username,
        password,
        email,
        role,
        quota,
        display_name,
        channel,
    } = new;
    validate::username(username)?;
    validate::email(email)?;
    let default_channel = format!("{username}_channel");
    let (channel_name, channel_display) = match channel {
        Some((n, d)) => (n.to_string(), d.to_string()),
        None => (default_channel, format!("Main {username} channel")),
    };
    validate::channel_name(&channel_name)?;
    if channel_name == username {
        return Err(Error::conflict(
            "Channel name cannot be the same as user username.",
        ));
    }
    if state.db.user_exists(username, email).await?
        || state.db.actor_name_taken(&channel_name).await?
    {
        return Err(Error::conflict(
            "User with this username or email already exists.",
        ));
    }
    let hash = match password_hash {
        Some(h) => h.to_string(),
        None => hash_password(password)?,
    };
    let created = state
        .db
        .create_user(&NewUser {
            username,
            email,
            password_hash: &hash,
            role: role.id(),
            video_quota: quota.0,
            video_quota_daily: quota.1,
            display_name: display_name.unwrap_or(username),
            channel_name: &channel_name,
            channel_display_name: &channel_display,
            now: now_ms(),
        })
        .await?;
    // PeerTube gives every user a private "Watch later" playlist.
    crate::playlists::ensure_watch_later(state, created.account_id).await?;
    Ok(created)
}

/// Changes the public profile of an account (display name, description).
pub async fn update_profile(
    instance: &Instance,
    account_id: i64,
    display_name: Option<&str>,
    description: Option<Option<&str>>,
) -> Result<()> {
    if display_name.is_none() && description.is_none() {
        return Ok(());
    }
    let account = instance
        .db
        .account_by_id(account_id)
        .await?
        .ok_or_else(|| Error::internal("user without account"))?;
    let name = display_name.unwrap_or(&account.display_name);
    let desc = match description {
        Some(d) => d,
        None => account.description.as_deref(),
    };
    instance
        .db
        .update_account(account_id, name.trim(), desc, now_ms())
        .await?;
    instance.videos_changed();
    if let Some(updated) = instance.db.account_by_id(account_id).await? {
        crate::federation::outbox::account_updated(instance, &updated).await;
    }
    Ok(())
}

/// Deletes a user with its account, channels and videos (never `root`).
pub async fn delete_user(instance: &Instance, user: &ferrotube_db::users::UserRow) -> Result<()> {
    if user.username == "root" {
        return Err(Error::bad_request("Cannot remove the root user"));
    }
    // Its account's and channels' images, read before the rows go.
    let account = instance.db.account_by_id(user.account_id).await?;
    let channels = instance.db.channels_of_account(user.account_id).await?;
    instance.db.delete_user(user.id).await?;
    if let Some(a) = account {
        crate::actor_images::remove_images_of(instance, a.avatars.as_deref(), None).await;
    }
    for c in channels {
        crate::actor_images::remove_images_of(instance, c.avatars.as_deref(), c.banners.as_deref())
            .await;
    }
    instance.videos_changed();
    Ok(())
}
