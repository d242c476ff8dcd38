//! My account and my library, the viewer's half (settings, notifications, watch history,
//! subscriptions and their videos), sign-up, and the pages of the mails' secret links.
//! What each page shows comes from the same store and rules as the REST API; the pages'
//! script (`account.js`) sends changes to the API.

use super::{sign_in_first, Page};
use crate::shapes::JsonViews;
use axum::extract::{Query, State};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use ferrotube_app::Instance;
use ferrotube_db::notifications::NotificationQuery;
use ferrotube_db::sort::{Sort, VideoSort};
use ferrotube_db::users::UserRow;
use ferrotube_db::videos::VideoFilter;
use ferrotube_web::account as view;
use ferrotube_web::Chrome;
use serde::Deserialize;
use serde_json::Value;

/// Items per page of the lists.
const PER_PAGE: i64 = 20;

pub fn routes() -> Router<Instance> {
    Router::new()
        .route(
            "/my-account",
            get(|| async { axum::response::Redirect::to("/my-account/settings") }),
        )
        .route("/my-account/settings", get(settings))
        .route("/my-account/notifications", get(notifications))
        .route("/my-library/history/videos", get(history))
        .route("/my-library/subscriptions", get(subscriptions))
        .route("/videos/subscriptions", get(feed))
        .route("/signup", get(signup))
        .route("/login/forgot-password", get(forgot_password))
        .route("/reset-password", get(reset_password))
        .route("/verify-account/email", get(verify_email))
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    page: Option<String>,
    unread: Option<String>,
}

impl ListQuery {
    /// The 1-based page asked for (1 for anything that is not a positive number).
    fn page(&self) -> i64 {
        self.page
            .as_deref()
            .and_then(|p| p.parse::<i64>().ok())
            .filter(|p| (1..=10_000).contains(p))
            .unwrap_or(1)
    }

    fn start(&self) -> i64 {
        (self.page() - 1) * PER_PAGE
    }
}

/// A page's failure to read the store: logged, and the page says something went wrong.
fn store_error(page: &Page, what: &str, e: impl std::fmt::Display) -> Response {
    tracing::error!(error = %e, "{what}");
    (
        axum::http::StatusCode::INTERNAL_SERVER_ERROR,
        Html(view::render_error(&page.chrome)),
    )
        .into_response()
}

/// The first avatar path of an API `avatars` array.
fn avatar_of(v: &Value) -> Option<String> {
    v.get("avatars")?
        .as_array()?
        .first()?
        .get("path")?
        .as_str()
        .map(str::to_string)
}

async fn settings_view(
    state: &Instance,
    user: &UserRow,
) -> anyhow_like::Result<view::SettingsView> {
    let account = state.db.account_by_id(user.account_id).await?;
    let prefs = state.db.user_prefs(user.id).await?;
    let (display_name, description, avatar_path) = match &account {
        Some(a) => (
            a.display_name.clone(),
            a.description.clone().unwrap_or_default(),
            avatar_of(&state.account(a)),
        ),
        None => (user.username.clone(), String::new(), None),
    };
    Ok(view::SettingsView {
        user_id: user.id,
        username: user.username.clone(),
        email: user.email.clone(),
        display_name,
        description,
        avatar_path,
        nsfw_policy: user.nsfw_policy.clone(),
        p2p_enabled: prefs.p2p_enabled,
        auto_play_video: prefs.auto_play_video,
        videos_history_enabled: state.db.history_enabled(user.id).await?,
        video_languages: prefs.video_languages.unwrap_or_default(),
        languages: ferrotube_model::constants::LANGUAGES
            .iter()
            .map(|(c, l)| (c.to_string(), l.to_string()))
            .collect(),
        two_factor_enabled: state.db.otp_secret(user.id).await?.is_some(),
    })
}

/// Errors of the store, whatever their crate.
mod anyhow_like {
    pub type Result<T> = std::result::Result<T, Box<dyn std::error::Error + Send + Sync>>;
}

/// `/my-account/settings`.
pub async fn settings(State(state): State<Instance>, page: Page) -> Response {
    let Some(user) = &page.user else {
        return sign_in_first(&page);
    };
    match settings_view(&state, user).await {
        Ok(v) => Html(view::render_settings(&page.chrome, &v)).into_response(),
        Err(e) => store_error(&page, "settings page", e),
    }
}

/// The line a notification shows and where it leads, in the reader's language.
fn describe(c: &Chrome, kind: i64, n: &Value) -> (String, Option<String>) {
    let s = |v: Option<&Value>| v.and_then(Value::as_str).map(str::to_string);
    let someone = c.t("account-n-someone");
    let who = |a: Option<&Value>| {
        a.and_then(|a| s(a.get("displayName")).or_else(|| s(a.get("name"))))
            .unwrap_or_else(|| someone.clone())
    };
    let video = n
        .get("video")
        .or_else(|| n.pointer("/comment/video"))
        .or_else(|| n.pointer("/abuse/video"));
    let vname = s(video.and_then(|v| v.get("name"))).unwrap_or_default();
    let link = video.and_then(|v| {
        s(v.get("shortUUID"))
            .or_else(|| s(v.get("uuid")))
            .map(|id| format!("/w/{id}"))
    });
    let t = |key: &str, args: &[(&'static str, String)]| view::text_with(c, key, args);
    let text = match kind {
        1 => t(
            "account-n-new-video",
            &[("who", who(n.pointer("/video/channel"))), ("video", vname)],
        ),
        2 => t(
            "account-n-comment",
            &[
                ("who", who(n.pointer("/comment/account"))),
                ("video", vname),
            ],
        ),
        3 => t("account-n-abuse", &[]),
        6 => t("account-n-published", &[("video", vname)]),
        9 => t("account-n-signup", &[("who", who(n.get("account")))]),
        10 => t(
            "account-n-follow",
            &[
                ("who", who(n.pointer("/actorFollow/follower"))),
                ("target", who(n.pointer("/actorFollow/following"))),
            ],
        ),
        11 => t(
            "account-n-mention",
            &[
                ("who", who(n.pointer("/comment/account"))),
                ("video", vname),
            ],
        ),
        13 => t(
            "account-n-instance-follow",
            &[(
                "who",
                s(n.pointer("/actorFollow/follower/host")).unwrap_or(someone.clone()),
            )],
        ),
        15 => t("account-n-abuse-state", &[]),
        20 => t(
            "account-n-registration",
            &[(
                "who",
                s(n.pointer("/registration/username")).unwrap_or(someone.clone()),
            )],
        ),
        _ => t("account-n-other", &[]),
    };
    (text, link)
}

/// `/my-account/notifications[?unread=true][&page=n]`.
pub async fn notifications(
    State(state): State<Instance>,
    page: Page,
    Query(q): Query<ListQuery>,
) -> Response {
    let Some(user) = &page.user else {
        return sign_in_first(&page);
    };
    let unread_only = q.unread.as_deref() == Some("true");
    let query = NotificationQuery {
        user_id: user.id,
        unread_only,
        start: q.start(),
        count: PER_PAGE,
        by_read: false,
        descending: true,
        types: Vec::new(),
    };
    let (total, rows) = match ferrotube_app::notifications::list(&state, query).await {
        Ok(r) => r,
        Err(e) => return store_error(&page, "notifications page", e),
    };
    let settings = match ferrotube_app::notifications::settings(&state, user.id).await {
        Ok(s) => s,
        Err(e) => return store_error(&page, "notifications page: settings", e),
    };
    let items = rows
        .iter()
        .map(|n| {
            let kind = n.get("type").and_then(Value::as_i64).unwrap_or(0);
            let (text, link) = describe(&page.chrome, kind, n);
            view::NotificationItem {
                id: n.get("id").and_then(Value::as_i64).unwrap_or(0),
                text,
                link,
                read: n.get("read").and_then(Value::as_bool).unwrap_or(true),
                created_at: n
                    .get("createdAt")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string(),
            }
        })
        .collect();
    let base = if unread_only {
        "/my-account/notifications?unread=true&"
    } else {
        "/my-account/notifications?"
    };
    let v = view::NotificationsView {
        items,
        total,
        unread_only,
        paging: view::Paging::new(base, q.page(), PER_PAGE, total),
        settings: ferrotube_app::notifications::SETTINGS
            .iter()
            .map(|(key, _)| {
                let bits = settings.get(*key).and_then(Value::as_i64).unwrap_or(0);
                view::NotificationSetting {
                    key: key.to_string(),
                    web: bits & 1 != 0,
                    email: bits & 2 != 0,
                    shown: staff_only(key).is_none_or(|role| user.role.id() <= role),
                }
            })
            .collect(),
    };
    Html(view::render_notifications(&page.chrome, &v)).into_response()
}

/// The most junior role a notification setting concerns (0 administrators, 1 moderators);
/// `None`: every user.
fn staff_only(key: &str) -> Option<i64> {
    match key {
        "abuseAsModerator" | "videoAutoBlacklistAsModerator" | "newUserRegistration" => Some(1),
        "newInstanceFollower"
        | "autoInstanceFollowing"
        | "newPeerTubeVersion"
        | "newPluginVersion" => Some(0),
        _ => None,
    }
}

/// `/my-library/history/videos`.
pub async fn history(
    State(state): State<Instance>,
    page: Page,
    Query(q): Query<ListQuery>,
) -> Response {
    let Some(user) = &page.user else {
        return sign_in_first(&page);
    };
    let enabled = match state.db.history_enabled(user.id).await {
        Ok(e) => e,
        Err(e) => return store_error(&page, "history page", e),
    };
    let (total, rows) = match state
        .db
        .list_history(user.id, None, q.start(), PER_PAGE)
        .await
    {
        Ok(r) => r,
        Err(e) => return store_error(&page, "history page", e),
    };
    let v = view::HistoryView {
        enabled,
        items: rows
            .iter()
            .map(|r| view::HistoryItem {
                video_id: r.video.id,
                card: super::browse::card(&r.video),
                position_secs: r.position_secs,
            })
            .collect(),
        total,
        paging: view::Paging::new("/my-library/history/videos?", q.page(), PER_PAGE, total),
    };
    Html(view::render_history(&page.chrome, &v)).into_response()
}

async fn my_actor_id(state: &Instance, user: &UserRow) -> anyhow_like::Result<i64> {
    let account = state
        .db
        .account_by_id(user.account_id)
        .await?
        .ok_or("user without account")?;
    Ok(
        ferrotube_app::federation::actors::account_actor(state, &account)
            .await?
            .id,
    )
}

/// `/my-library/subscriptions`: the channels the user follows.
pub async fn subscriptions(
    State(state): State<Instance>,
    page: Page,
    Query(q): Query<ListQuery>,
) -> Response {
    let Some(user) = &page.user else {
        return sign_in_first(&page);
    };
    let listed = async {
        let me = my_actor_id(&state, user).await?;
        let (total, rows) = state.db.followed_channels(me, q.start(), PER_PAGE).await?;
        let mut channels = Vec::with_capacity(rows.len());
        for (channel_id, _) in rows {
            let Some(ch) = state.db.channel_by_id(channel_id).await? else {
                continue;
            };
            let handle = match &ch.host {
                Some(host) if !ch.name.contains('@') => format!("{}@{host}", ch.name),
                _ => ch.name.clone(),
            };
            channels.push(view::FollowedChannel {
                url: format!("/c/{handle}"),
                avatar_path: avatar_of(&state.channel(&ch, None)),
                display_name: ch.display_name.clone(),
                handle,
            });
        }
        anyhow_like::Result::Ok((total, channels))
    };
    let (total, channels) = match listed.await {
        Ok(r) => r,
        Err(e) => return store_error(&page, "subscriptions page", e),
    };
    let v = view::SubscriptionsView {
        channels,
        total,
        paging: view::Paging::new("/my-library/subscriptions?", q.page(), PER_PAGE, total),
    };
    Html(view::render_subscriptions(&page.chrome, &v)).into_response()
}

/// `/videos/subscriptions`: the newest videos of the followed channels, filtered by the user's
/// NSFW policy and video languages.
pub async fn feed(
    State(state): State<Instance>,
    page: Page,
    Query(q): Query<ListQuery>,
) -> Response {
    let Some(user) = &page.user else {
        return sign_in_first(&page);
    };
    let listed = async {
        let me = my_actor_id(&state, user).await?;
        let prefs = state.db.user_prefs(user.id).await?;
        let filter = VideoFilter {
            published_only: true,
            privacies: vec![1, 4],
            muted_by_account_id: Some(user.account_id),
            subscriber_actor_id: Some(me),
            nsfw: (user.nsfw_policy == "do_not_list").then_some(false),
            language_one_of: prefs.video_languages.unwrap_or_default(),
            ..Default::default()
        };
        let (total, rows) = state
            .db
            .list_videos(
                &filter,
                Sort::desc(VideoSort::PublishedAt),
                q.start(),
                PER_PAGE,
                false,
            )
            .await?;
        anyhow_like::Result::Ok((total, rows))
    };
    let (total, rows) = match listed.await {
        Ok(r) => r,
        Err(e) => return store_error(&page, "subscriptions feed", e),
    };
    let v = view::FeedView {
        videos: rows.iter().map(super::browse::card).collect(),
        paging: view::Paging::new("/videos/subscriptions?", q.page(), PER_PAGE, total),
    };
    Html(view::render_feed(&page.chrome, &v)).into_response()
}

/// `/signup`: the form when the instance takes sign-ups, else a notice.
pub async fn signup(State(state): State<Instance>, page: Page) -> Response {
    if page.user.is_some() {
        return axum::response::Redirect::to("/my-account/settings").into_response();
    }
    let live = state.live();
    let s = &live.settings.signup;
    let v = view::SignupView {
        open: s.enabled,
        requires_approval: s.requires_approval,
        requires_email_verification: s.requires_email_verification,
    };
    Html(view::render_signup(&page.chrome, &v)).into_response()
}

/// `/login/forgot-password`.
pub async fn forgot_password(page: Page) -> Response {
    Html(view::render_forgot_password(&page.chrome)).into_response()
}

/// `/reset-password?userId=&verificationString=` (the link of the reset mail).
pub async fn reset_password(page: Page) -> Response {
    Html(view::render_reset_password(&page.chrome)).into_response()
}

/// `/verify-account/email?userId=&verificationString=` (the link of the verification mail).
pub async fn verify_email(page: Page) -> Response {
    Html(view::render_verify_email(&page.chrome)).into_response()
}
