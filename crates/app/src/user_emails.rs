//! Mails that carry a secret link: password reset and e-mail verification, as PeerTube does
//! them. The secret (32 random bytes, hex) is mailed; only its SHA-256 is stored, one per user
//! and purpose (asking again replaces it), used once and only before it expires
//! (`user.reset_password_lifetime_secs`, `user.verify_email_lifetime_secs`; PeerTube: 1 hour).
//! The links open our pages (`/reset-password`, `/verify-account/email`), which call the API.

use crate::accounts::{hash_password, random_token};
use crate::error::{Error, Result};
use crate::mail::{self, Content};
use crate::{Instance, ParamLocation};
use ferrotube_db::users::UserRow;
use ferrotube_model::timefmt::now_ms;
use ferrotube_model::validate;
use sha2::{Digest, Sha256};

const RESET_PASSWORD: &str = "reset-password";
const VERIFY_EMAIL: &str = "verify-email";

fn digest(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// Stores a new secret for `purpose` and queues the mail with its link.
async fn mail_secret(
    state: &Instance,
    user: &UserRow,
    purpose: &str,
    lifetime_secs: u64,
    link_path: &str,
    content: impl FnOnce(&str) -> (String, String, &'static str),
) -> Result<()> {
    if !mail::enabled(state) {
        tracing::warn!(
            user = user.id,
            purpose,
            "no SMTP server configured: no mail sent"
        );
        return Ok(());
    }
    let secret = random_token(32);
    let expires = now_ms().saturating_add((lifetime_secs as i64).saturating_mul(1000));
    state
        .db
        .set_user_secret(user.id, purpose, &digest(&secret), expires)
        .await?;
    let link = format!(
        "{}{link_path}?userId={}&verificationString={secret}",
        state.url, user.id
    );
    let (title, line, label) = content(&user.username);
    let email = mail::render(
        state,
        &user.email,
        &Content {
            title: &title,
            paragraphs: &[&line],
            action: Some((label, &link)),
        },
    );
    let mut tx = state.db.begin().await?;
    mail::queue_in(state, &mut tx, &email).await?;
    tx.commit().await?;
    state.queue.wake();
    Ok(())
}

fn email_param(email: Option<&str>) -> Result<&str> {
    let email = email.unwrap_or_default();
    validate::email(email)
        .map_err(|_| Error::bad_param("email", email, "Invalid value", ParamLocation::Body))?;
    Ok(email)
}

/// `POST /users/ask-reset-password`: a mail with a reset link when the address is a user's.
/// The answer never tells whether it is (no account enumeration).
pub async fn ask_reset_password(state: &Instance, email: Option<&str>) -> Result<()> {
    let email = email_param(email)?;
    let Some(user) = user_by_email(state, email).await? else {
        tracing::debug!("reset asked for an unknown address");
        return Ok(());
    };
    let lifetime = state.settings.user.reset_password_lifetime_secs;
    mail_secret(
        state,
        &user,
        RESET_PASSWORD,
        lifetime,
        "/reset-password",
        |name| {
            (
                "Reset your password".to_string(),
                format!(
                    "A reset of the password of {name} was asked. Follow the link within {} minutes \
                     to choose a new one; ignore this mail if you did not ask.",
                    lifetime.div_ceil(60)
                ),
                "Reset my password",
            )
        },
    )
    .await
}

/// `POST /users/ask-send-verify-email`: the verification mail again.
pub async fn ask_send_verify_email(state: &Instance, email: Option<&str>) -> Result<()> {
    let email = email_param(email)?;
    let Some(user) = user_by_email(state, email).await? else {
        return Ok(());
    };
    send_verify_email(state, &user).await
}

/// Mails `user` the link that verifies the address.
pub async fn send_verify_email(state: &Instance, user: &UserRow) -> Result<()> {
    mail_secret(
        state,
        user,
        VERIFY_EMAIL,
        state.settings.user.verify_email_lifetime_secs,
        "/verify-account/email",
        |name| {
            (
                "Verify your e-mail address".to_string(),
                format!("Follow the link to verify the e-mail address of your account {name}."),
                "Verify my e-mail address",
            )
        },
    )
    .await
}

/// After a sign-up when `signup.requires_email_verification`: the user cannot sign in until
/// the mailed link is followed.
pub async fn require_verification(state: &Instance, user_id: i64) -> Result<()> {
    let mut tx = state.db.begin().await?;
    state
        .db
        .set_email_verified_in(&mut tx, user_id, false)
        .await?;
    tx.commit().await?;
    let user = state
        .db
        .user_by_id(user_id)
        .await?
        .ok_or_else(|| Error::not_found("User not found"))?;
    send_verify_email(state, &user).await
}

async fn user_by_email(state: &Instance, email: &str) -> Result<Option<UserRow>> {
    match state.db.user_id_by_email(email).await? {
        Some(id) => Ok(state.db.user_by_id(id).await?),
        None => Ok(None),
    }
}

/// The checks PeerTube's validators make, in their order: the id, the secret, then the user.
async fn target_user(
    state: &Instance,
    id: &str,
    secret: Option<&str>,
) -> Result<(UserRow, String)> {
    let id: i64 = id.parse().ok().filter(|n| *n > 0).ok_or_else(|| {
        Error::bad_param("id", id, "Should have a valid id", ParamLocation::Params)
    })?;
    let secret = secret.unwrap_or_default();
    if secret.is_empty() {
        return Err(Error::bad_param(
            "verificationString",
            "",
            "Should have a valid verification string",
            ParamLocation::Body,
        ));
    }
    let user = state
        .db
        .user_by_id(id)
        .await?
        .ok_or_else(|| Error::not_found("User not found"))?;
    Ok((user, digest(secret)))
}

fn invalid_secret() -> Error {
    Error::forbidden("Invalid verification string.")
}

/// `POST /users/{id}/reset-password`: a new password with a valid, unused, unexpired secret.
pub async fn reset_password(
    state: &Instance,
    id: &str,
    secret: Option<&str>,
    password: Option<&str>,
) -> Result<()> {
    let id_ok = id.parse::<i64>().is_ok_and(|n| n > 0);
    let password = password.unwrap_or_default();
    // PeerTube checks every field before looking the user up.
    if id_ok && secret.is_some_and(|s| !s.is_empty()) {
        validate::password(password)?;
    }
    let (user, digest) = target_user(state, id, secret).await?;
    let hash = hash_password(password)?;
    let mut tx = state.db.begin().await?;
    if !state
        .db
        .take_user_secret_in(&mut tx, user.id, RESET_PASSWORD, &digest, now_ms())
        .await?
    {
        return Err(invalid_secret());
    }
    state.db.set_password_in(&mut tx, user.id, &hash).await?;
    tx.commit().await?;
    tracing::info!(user = user.id, "password reset");
    Ok(())
}

/// `POST /users/{id}/verify-email`.
pub async fn verify_email(state: &Instance, id: &str, secret: Option<&str>) -> Result<()> {
    let (user, digest) = target_user(state, id, secret).await?;
    let mut tx = state.db.begin().await?;
    if !state
        .db
        .take_user_secret_in(&mut tx, user.id, VERIFY_EMAIL, &digest, now_ms())
        .await?
    {
        return Err(invalid_secret());
    }
    state
        .db
        .set_email_verified_in(&mut tx, user.id, true)
        .await?;
    tx.commit().await?;
    tracing::info!(user = user.id, "e-mail verified");
    Ok(())
}
