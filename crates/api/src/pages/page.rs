//! [`Page`]: what every page handler starts from: the reader (from the session cookie), and
//! the [`ferrotube_web::Chrome`] its template is framed with (language, theme, menus).

use crate::session::{cookie, csrf_token, session_token, LANG_COOKIE, THEME_COOKIE};
use axum::extract::FromRequestParts;
use axum::http::{header, request::Parts};
use ferrotube_app::Instance;
use ferrotube_db::users::UserRow;
use ferrotube_web::{i18n, Chrome, SessionUser, Theme};

/// The reader of a page and the page's frame.
pub struct Page {
    /// The signed-in reader (session cookie or bearer token); `None`: anonymous.
    pub user: Option<UserRow>,
    pub chrome: Chrome,
}

impl Page {
    /// A text in the reader's language.
    pub fn t(&self, key: &str) -> String {
        self.chrome.t(key)
    }
}

impl FromRequestParts<Instance> for Page {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Instance,
    ) -> Result<Self, Self::Rejection> {
        // A page never fails for a bad session: it renders for an anonymous reader.
        let user = crate::auth::MaybeUser::from_request_parts(parts, state)
            .await
            .ok()
            .and_then(|m| m.0);
        let headers = &parts.headers;
        let lang = i18n::negotiate(
            cookie(headers, LANG_COOKIE),
            headers
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok()),
        );
        let theme = cookie(headers, THEME_COOKIE)
            .and_then(Theme::from_code)
            .unwrap_or_default();
        let csrf = match (&user, session_token(headers)) {
            (Some(_), Some(t)) => csrf_token(t),
            _ => String::new(),
        };
        let session_user = match &user {
            Some(u) => Some(session_user(state, u).await),
            None => None,
        };
        ferrotube_app::admin::config::reload_if_stale(state).await;
        let live = state.live();
        let chrome = Chrome {
            instance_name: live.settings.instance.name.clone(),
            lang,
            theme,
            user: session_user,
            csrf,
            path: parts
                .uri
                .path_and_query()
                .map(|p| p.as_str().to_string())
                .unwrap_or_else(|| "/".into()),
            signup_open: live.settings.signup.enabled,
            nsfw_policy: user
                .as_ref()
                .map(|u| u.nsfw_policy.clone())
                .or_else(|| {
                    ferrotube_app::admin::config::get(&live.custom, "instance.defaultNSFWPolicy")
                        .and_then(serde_json::Value::as_str)
                        .map(str::to_string)
                })
                .unwrap_or_else(|| "do_not_list".into()),
            asset_v: ferrotube_web::asset_version(),
        };
        Ok(Page { user, chrome })
    }
}

async fn session_user(state: &Instance, u: &UserRow) -> SessionUser {
    let unread = state
        .db
        .count_unread_notifications(u.id)
        .await
        .unwrap_or_else(|e| {
            tracing::warn!(error = %e, "page: cannot count unread notifications");
            0
        });
    let account = state.db.account_by_id(u.account_id).await.ok().flatten();
    let prefs = state.db.user_prefs(u.id).await.unwrap_or_else(|e| {
        tracing::warn!(error = %e, "page: cannot read the user's player settings");
        Default::default()
    });
    SessionUser {
        id: u.id,
        username: u.username.clone(),
        display_name: account
            .as_ref()
            .map(|a| a.display_name.clone())
            .filter(|d| !d.is_empty())
            .unwrap_or_else(|| u.username.clone()),
        role: u.role.id(),
        unread_notifications: unread,
        avatar_path: None,
        p2p_disabled: !prefs.p2p_enabled,
        autoplay: prefs.auto_play_video,
    }
}
