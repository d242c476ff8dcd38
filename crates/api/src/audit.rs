//! The audit log entry of a change made through a handler (`ferrotube_app::admin::audit`): a
//! leaf, so every handler module can record without importing another.

use ferrotube_app::admin::audit::{self, Actor};
use ferrotube_app::Instance;
use serde_json::Value;

/// Records that `user` did `action` on something of `domain`; `detail` is a JSON object of the
/// entity's fields. Call it after the change succeeded.
pub async fn record(
    state: &Instance,
    user: &ferrotube_db::users::UserRow,
    domain: &str,
    action: &str,
    detail: Value,
) {
    audit::record(
        state,
        &Actor::user(&user.username, None),
        domain,
        action,
        detail,
    )
    .await
}
