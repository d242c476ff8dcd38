//! Password-protected videos (privacy 5): their passwords, and the read check that accepts the
//! `x-peertube-video-password` header. Wrong passwords are rate limited per client address.

use crate::error::{Error, ErrorCode, Result};
use crate::videos::{
    can_manage, check_password, check_password_list, is_moderator, is_owner, visible_to,
};
use crate::Instance;
use ferrotube_db::users::UserRow;
use ferrotube_db::videos::VideoRow;
use ferrotube_model::timefmt::now_ms;
use ferrotube_model::Privacy;
use http::{header, StatusCode};
use std::net::IpAddr;

/// The request header PeerTube reads a video password from.
pub const HEADER: &str = "x-peertube-video-password";

fn require_protected(v: &VideoRow) -> Result<()> {
    if v.privacy != Privacy::PasswordProtected {
        return Err(Error::bad_request("This video is not password protected"));
    }
    Ok(())
}

/// `GET /videos/{id}/passwords`: the owner or a moderator.
pub async fn list(
    state: &Instance,
    user: &UserRow,
    v: &VideoRow,
    start: i64,
    count: i64,
) -> Result<(i64, Vec<ferrotube_db::safety::VideoPasswordRow>)> {
    require_protected(v)?;
    can_manage(v, user)?;
    Ok(state.db.video_passwords(v.id, start, count).await?)
}

/// `PUT /videos/{id}/passwords`: replaces the list.
pub async fn replace(
    state: &Instance,
    user: &UserRow,
    v: &VideoRow,
    passwords: Option<&[String]>,
) -> Result<()> {
    require_protected(v)?;
    check_password_list(passwords)?;
    can_manage(v, user)?;
    state
        .db
        .set_video_passwords(v.id, passwords.unwrap_or_default(), now_ms())
        .await?;
    Ok(())
}

/// `POST /videos/{id}/passwords`: adds one.
pub async fn add(state: &Instance, user: &UserRow, v: &VideoRow, password: &str) -> Result<i64> {
    require_protected(v)?;
    check_password(password)?;
    can_manage(v, user)?;
    state
        .db
        .add_video_password(v.id, password, now_ms())
        .await
        .map_err(|e| match e {
            ferrotube_db::DbError::Conflict(_) => {
                Error::conflict("This password already exists for this video.")
            }
            other => other.into(),
        })
}

/// `DELETE /videos/{id}/passwords/{passwordId}`: never the last one.
pub async fn delete(state: &Instance, user: &UserRow, v: &VideoRow, id: i64) -> Result<()> {
    require_protected(v)?;
    can_manage(v, user)?;
    match state.db.delete_video_password(v.id, id).await? {
        None => Err(Error::not_found("Video password not found")),
        Some(false) => Err(Error::bad_request(
            "Cannot delete the last password of the protected video",
        )),
        Some(true) => Ok(()),
    }
}

/// The read check of a video for a client that may send its password: the owner and
/// moderators read it as any video; anyone else needs a right password (PeerTube's
/// `checkCanSeePasswordProtectedVideo`). Every other privacy goes to [`visible_to`].
pub async fn visible_with_password(
    state: &Instance,
    v: &VideoRow,
    user: Option<&UserRow>,
    password: Option<&str>,
    ip: IpAddr,
) -> Result<()> {
    if v.privacy != Privacy::PasswordProtected || is_owner(v, user) || is_moderator(user) {
        return visible_to(v, user);
    }
    let Some(password) = password else {
        let status = if user.is_some() {
            StatusCode::FORBIDDEN
        } else {
            StatusCode::UNAUTHORIZED
        };
        return Err(Error::new(
            status,
            "Please provide a password to access this password protected video",
        )
        .code(ErrorCode::VideoRequiresPassword));
    };
    if let Some(retry) = state
        .video_password_limiter
        .blocked(&state.counters, ip)
        .await
    {
        return Err(too_many(retry));
    }
    if !state.db.video_password_matches(v.id, password).await? {
        tracing::info!(video = %v.uuid, %ip, "wrong video password");
        if let Err(retry) = state.video_password_limiter.hit(&state.counters, ip).await {
            return Err(too_many(retry));
        }
        return Err(
            Error::forbidden("Incorrect video password. Access to the video is denied")
                .code(ErrorCode::IncorrectVideoPassword),
        );
    }
    crate::videos::playable_check(v)
}

fn too_many(retry: u64) -> Error {
    Error::new(
        StatusCode::TOO_MANY_REQUESTS,
        "Too many wrong video passwords, please try again later.",
    )
    .code(ErrorCode::TooManyRequests)
    .header(header::RETRY_AFTER, retry.to_string())
}
