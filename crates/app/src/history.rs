//! Watch history and feed tokens: where a signed-in user stopped in a video (kept only while
//! their `videosHistoryEnabled` switch is on), and the secret that opens their subscriptions feed.

use crate::error::{Error, ParamLocation, Result};
use crate::videos::visible_to;
use crate::Instance;
use ferrotube_db::users::UserRow;
use ferrotube_db::videos::VideoRow;
use ferrotube_model::timefmt::now_ms;

/// Records that `user` is at `current_time` seconds in `v`; nothing when their history is off.
pub async fn record(
    instance: &Instance,
    user: &UserRow,
    v: &VideoRow,
    current_time: i64,
) -> Result<()> {
    visible_to(v, Some(user))?;
    if current_time < 0 {
        return Err(Error::bad_param(
            "currentTime",
            &current_time.to_string(),
            "Should have a valid current time",
            ParamLocation::Body,
        ));
    }
    if instance.db.history_enabled(user.id).await? {
        instance
            .db
            .record_watch(user.id, v.id, current_time, now_ms())
            .await?;
    }
    Ok(())
}

/// The user's feed token, made on first use.
pub async fn feed_token(instance: &Instance, user: &UserRow) -> Result<String> {
    if let Some(t) = instance.db.feed_token(user.id).await? {
        return Ok(t);
    }
    let fresh = uuid::Uuid::new_v4().to_string();
    instance
        .db
        .set_feed_token(user.id, &fresh, true)
        .await?
        .ok_or_else(|| Error::internal("user without feed token"))
}

/// Replaces the user's feed token: feeds read with the old one stop answering.
pub async fn renew_feed_token(instance: &Instance, user: &UserRow) -> Result<String> {
    let fresh = uuid::Uuid::new_v4().to_string();
    instance
        .db
        .set_feed_token(user.id, &fresh, false)
        .await?
        .ok_or_else(|| Error::internal("user without feed token"))
}

/// The user a subscriptions feed is read for: the owner of `account_id` holding `token`.
pub async fn feed_reader(instance: &Instance, account_id: i64, token: &str) -> Result<UserRow> {
    if token.is_empty() {
        return Err(Error::forbidden("Invalid feed token"));
    }
    instance
        .db
        .user_by_feed_token(account_id, token)
        .await?
        .ok_or_else(|| Error::forbidden("Invalid feed token"))
}
