//! Registration with approval (`signup.requires_approval`): a sign-up becomes a request that a
//! moderator accepts (the user is created then, with its channel) or rejects.
//!
//! A stored request tells the moderators ([`on_requested`]); a decision is mailed to the
//! requester ([`on_processed`]).

use crate::accounts::{create_local_user_hashed, hash_password, LocalUser};
use crate::error::{Error, ParamLocation, Result};
use crate::Instance;
use ferrotube_db::safety::{NewRegistration, RegistrationRow};
use ferrotube_model::timefmt::now_ms;
use ferrotube_model::{validate, UserRole};

pub const PENDING: i64 = 1;
pub const REJECTED: i64 = 2;
pub const ACCEPTED: i64 = 3;

pub fn state_label(state: i64) -> &'static str {
    match state {
        PENDING => "Pending",
        REJECTED => "Rejected",
        ACCEPTED => "Accepted",
        _ => "Unknown",
    }
}

/// A sign-up request as the client sent it.
pub struct RegistrationRequest<'a> {
    pub username: &'a str,
    pub password: &'a str,
    pub email: &'a str,
    pub display_name: Option<&'a str>,
    /// Channel name and display name.
    pub channel: Option<(&'a str, &'a str)>,
    pub reason: &'a str,
}

/// PeerTube's `isSignupAllowed` for a request: sign-up on, and the user limit not reached.
async fn signup_allowed(state: &Instance) -> Result<()> {
    let live = state.live();
    let s = &live.settings.signup;
    if !s.enabled {
        return Err(Error::forbidden("User registration is not allowed"));
    }
    // PeerTube counts every user, root included, against the limit.
    if s.limit >= 0 && state.db.count_users().await? >= s.limit {
        return Err(Error::forbidden("User limit is reached on this instance"));
    }
    Ok(())
}

fn text_param(name: &str, value: &str, min: usize, max: usize, what: &str) -> Result<()> {
    let n = value.chars().count();
    if n < min || n > max {
        return Err(Error::bad_param(
            name,
            value,
            format!("Should have a valid {what} ({min} to {max} characters)"),
            ParamLocation::Body,
        ));
    }
    Ok(())
}

/// Stores a registration request, with PeerTube's checks in its order.
pub async fn request(state: &Instance, r: RegistrationRequest<'_>) -> Result<RegistrationRow> {
    signup_allowed(state).await?;
    validate::username(r.username)?;
    validate::password(r.password)?;
    validate::email(r.email)?;
    if let Some(d) = r.display_name {
        validate::display_name("displayName", d)?;
    }
    if let Some((name, display)) = r.channel {
        validate::channel_name(name)?;
        validate::display_name("channel.displayName", display)?;
    }
    text_param(
        "registrationReason",
        r.reason,
        2,
        3000,
        "registration reason",
    )?;
    if state.db.user_exists(r.username, r.email).await? {
        return Err(Error::conflict(
            "User with this username or email already exists.",
        ));
    }
    if let Some((name, _)) = r.channel {
        if name == r.username {
            return Err(Error::bad_request(
                "Channel name cannot be the same as user username.",
            ));
        }
        if state.db.actor_name_taken(name).await? {
            return Err(Error::conflict(format!(
                "Channel with name {name} already exists."
            )));
        }
    }
    if !state.live().settings.signup.requires_approval {
        return Err(Error::bad_request(
            "Signup approval is not enabled on this instance",
        ));
    }
    let channel = r.channel.map(|c| c.0);
    if state
        .db
        .registration_taken(r.username, r.email, channel)
        .await?
    {
        return Err(Error::conflict(
            "Registration with this username, channel name or email already exists.",
        ));
    }
    let hash = hash_password(r.password)?;
    let row = state
        .db
        .insert_registration(&NewRegistration {
            registration_reason: r.reason,
            username: r.username,
            email: r.email,
            password_hash: &hash,
            account_display_name: r.display_name,
            channel_handle: channel,
            channel_display_name: r.channel.map(|c| c.1),
            now: now_ms(),
        })
        .await
        .map_err(|e| match e {
            // Two requests for one name at once: the store's unique index decides.
            ferrotube_db::DbError::Conflict(_) => Error::conflict(
                "Registration with this username, channel name or email already exists.",
            ),
            other => other.into(),
        })?;
    tracing::info!(registration = row.id, username = %row.username, "registration requested");
    on_requested(state, &row).await;
    Ok(row)
}

/// The request `id`, still pending (PeerTube answers "User not found" for an unknown one).
async fn pending(state: &Instance, id: i64) -> Result<RegistrationRow> {
    let r = state
        .db
        .registration(id)
        .await?
        .ok_or_else(|| Error::not_found("User not found"))?;
    if r.state != PENDING {
        return Err(Error::conflict(
            "This registration is already accepted or rejected.",
        ));
    }
    Ok(r)
}

fn check_response(response: Option<&str>) -> Result<&str> {
    let r = response.unwrap_or("");
    if r.is_empty() || r.chars().count() > 3000 {
        return Err(Error::bad_param(
            "moderationResponse",
            r,
            "Should have a valid moderation response",
            ParamLocation::Body,
        ));
    }
    Ok(r)
}

/// Accepts a pending request: the user (account, channel, playlists) is created as
/// `/users/register` would have, with the password hashed at request time.
pub async fn accept(
    state: &Instance,
    id: i64,
    response: Option<&str>,
    prevent_email_delivery: bool,
) -> Result<()> {
    let response = check_response(response)?;
    let r = pending(state, id).await?;
    let q = &state.settings.user;
    let channel = match (&r.channel_handle, &r.channel_display_name) {
        (Some(n), Some(d)) => Some((n.as_str(), d.as_str())),
        _ => None,
    };
    let created = create_local_user_hashed(
        state,
        LocalUser {
            username: &r.username,
            password: "",
            email: &r.email,
            role: UserRole::User,
            quota: (q.video_quota, q.video_quota_daily),
            display_name: r.account_display_name.as_deref(),
            channel,
        },
        &r.password_hash,
    )
    .await?;
    if !state
        .db
        .process_registration(id, ACCEPTED, response, Some(created.user_id), now_ms())
        .await?
    {
        // Another moderator processed it meanwhile; the user we made goes again.
        if let Some(u) = state.db.user_by_id(created.user_id).await? {
            crate::accounts::delete_user(state, &u).await?;
        }
        return Err(Error::conflict(
            "This registration is already accepted or rejected.",
        ));
    }
    tracing::info!(registration = id, username = %r.username, "registration accepted");
    if let Some(row) = state.db.registration(id).await? {
        on_processed(state, &row, prevent_email_delivery).await;
    }
    Ok(())
}

pub async fn reject(
    state: &Instance,
    id: i64,
    response: Option<&str>,
    prevent_email_delivery: bool,
) -> Result<()> {
    let response = check_response(response)?;
    pending(state, id).await?;
    if !state
        .db
        .process_registration(id, REJECTED, response, None, now_ms())
        .await?
    {
        return Err(Error::conflict(
            "This registration is already accepted or rejected.",
        ));
    }
    tracing::info!(registration = id, "registration rejected");
    if let Some(row) = state.db.registration(id).await? {
        on_processed(state, &row, prevent_email_delivery).await;
    }
    Ok(())
}

pub async fn delete(state: &Instance, id: i64) -> Result<()> {
    if !state.db.delete_registration(id).await? {
        return Err(Error::not_found("User not found"));
    }
    tracing::info!(registration = id, "registration deleted");
    Ok(())
}

/// A registration request was stored: the moderators are told (PeerTube's
/// `notifyOnNewRegistrationRequest`).
async fn on_requested(state: &Instance, registration: &RegistrationRow) {
    crate::notifications::notify(
        state,
        crate::notifications::Event::NewRegistrationRequest {
            registration_id: registration.id,
            username: registration.username.clone(),
        },
    )
    .await;
}

/// A request was accepted or rejected (`registration.state`, with the moderator's
/// `moderation_response`): the requester gets a mail, unless `prevent_email_delivery`
/// (PeerTube's `addUserRegistrationRequestProcessedJob`). Without SMTP nothing is sent.
async fn on_processed(
    state: &Instance,
    registration: &RegistrationRow,
    prevent_email_delivery: bool,
) {
    if prevent_email_delivery || !crate::mail::enabled(state) {
        return;
    }
    let accepted = registration.state == ACCEPTED;
    let (title, verdict) = if accepted {
        (
            "Your registration request has been accepted",
            format!(
                "Your registration request for the account {} has been accepted. You can now sign in.",
                registration.username
            ),
        )
    } else {
        (
            "Your registration request has been rejected",
            format!(
                "Your registration request for the account {} has been rejected.",
                registration.username
            ),
        )
    };
    let response = registration
        .moderation_response
        .as_deref()
        .map(|r| format!("Moderator's response: {r}"));
    let mut paragraphs: Vec<&str> = vec![verdict.as_str()];
    if let Some(r) = response.as_deref() {
        paragraphs.push(r);
    }
    let login = format!("{}/login", state.url);
    let email = crate::mail::render(
        state,
        &registration.email,
        &crate::mail::Content {
            title,
            paragraphs: &paragraphs,
            action: accepted.then_some(("Sign in", login.as_str())),
        },
    );
    let queued = async {
        let mut tx = state.db.begin().await.map_err(|e| e.to_string())?;
        crate::mail::queue_in(state, &mut tx, &email)
            .await
            .map_err(|e| e.to_string())?;
        tx.commit().await.map_err(|e| e.to_string())
    }
    .await;
    match queued {
        Ok(()) => state.queue.wake(),
        Err(e) => tracing::warn!(
            registration = registration.id,
            error = %e,
            "cannot queue the registration decision mail"
        ),
    }
}

/// At sign-in, when no user matched: a login that names one registration request still
/// waiting or rejected gets PeerTube's answer for it (400 with its code) instead of "invalid
/// credentials".
pub async fn refuse_pending_login(state: &Instance, login: &str) -> Result<()> {
    let found = state.db.registrations_by_login(login).await?;
    if let [r] = found.as_slice() {
        if r.state == REJECTED {
            return Err(Error::bad_request(
                "Registration approval for this account has been rejected",
            )
            .code(crate::error::ErrorCode::AccountApprovalRejected));
        }
        if r.state == PENDING {
            return Err(
                Error::bad_request("Registration for this account is awaiting approval")
                    .code(crate::error::ErrorCode::AccountWaitingForApproval),
            );
        }
    }
    Ok(())
}
