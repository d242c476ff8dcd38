//! "My account" and "My library", the viewer's half: settings, notifications, watch history,
//! subscriptions and their feed; and the pages of someone without an account yet: sign-up,
//! forgotten password, and the two pages the mails' secret links open.
//!
//! The pages render what they show on the server (they read without JavaScript);
//! `assets/account.js` sends their changes to PeerTube's REST API.

use crate::{format_date, format_duration, render_or_fallback, Chrome, VideoCard};
use askama::Template;

/// What `/my-account/settings` shows of the signed-in user.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SettingsView {
    pub user_id: i64,
    pub username: String,
    pub email: String,
    pub display_name: String,
    pub description: String,
    /// `/lazy-static/avatars/...`, when the account has one.
    pub avatar_path: Option<String>,
    /// `display`, `blur` or `do_not_list`.
    pub nsfw_policy: String,
    pub p2p_enabled: bool,
    pub auto_play_video: bool,
    pub videos_history_enabled: bool,
    /// The languages the user wants listed; empty: all.
    pub video_languages: Vec<String>,
    /// Every language a video may have: (code, name).
    pub languages: Vec<(String, String)>,
    pub two_factor_enabled: bool,
}

/// One notification, as the list shows it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NotificationItem {
    pub id: i64,
    pub text: String,
    /// Where it leads (a video's page...), if anywhere.
    pub link: Option<String>,
    pub read: bool,
    /// RFC 3339.
    pub created_at: String,
}

/// One row of the notification preferences: PeerTube's setting name and its web/e-mail bits.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NotificationSetting {
    pub key: String,
    pub web: bool,
    pub email: bool,
    /// False for a staff-only switch shown to a user who is not staff: the row stays in the
    /// form, hidden, because PeerTube's API wants every field back on save.
    pub shown: bool,
}

/// Page links of a list: 1-based page number, whether there are pages before and after.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Paging {
    pub page: i64,
    pub has_prev: bool,
    pub has_next: bool,
    /// The list's path with its other query parameters, ending in `?` or `&`.
    pub base: String,
}

impl Paging {
    /// Paging of `total` items, `per_page` a page, `page` (1-based) shown.
    pub fn new(base: &str, page: i64, per_page: i64, total: i64) -> Paging {
        Paging {
            page,
            has_prev: page > 1,
            has_next: page * per_page < total,
            base: base.to_string(),
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NotificationsView {
    pub items: Vec<NotificationItem>,
    pub total: i64,
    pub unread_only: bool,
    pub paging: Paging,
    pub settings: Vec<NotificationSetting>,
}

/// A video of the watch history, with where the user stopped.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HistoryItem {
    pub video_id: i64,
    pub card: VideoCard,
    pub position_secs: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HistoryView {
    pub enabled: bool,
    pub items: Vec<HistoryItem>,
    pub total: i64,
    pub paging: Paging,
}

/// A channel the user follows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FollowedChannel {
    /// `name` for a local channel, `name@host` for a remote one (the API's handle).
    pub handle: String,
    pub display_name: String,
    /// Its page (`/c/handle`).
    pub url: String,
    pub avatar_path: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SubscriptionsView {
    pub channels: Vec<FollowedChannel>,
    pub total: i64,
    pub paging: Paging,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FeedView {
    pub videos: Vec<VideoCard>,
    pub paging: Paging,
}

/// What the sign-up form must say about the instance's rules.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SignupView {
    /// Sign-up is open at all.
    pub open: bool,
    /// A moderator accepts each request (`/users/registrations/request`).
    pub requires_approval: bool,
    /// The new user must follow a mail's link before signing in.
    pub requires_email_verification: bool,
}

struct CardRow<'a> {
    card: &'a VideoCard,
    duration: String,
    date: String,
}

fn rows(cards: &[VideoCard]) -> Vec<CardRow<'_>> {
    cards
        .iter()
        .map(|card| CardRow {
            card,
            duration: format_duration(card.duration_secs),
            date: format_date(&card.published_at),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "account/settings.html")]
struct SettingsTemplate<'a> {
    c: &'a Chrome,
    title: String,
    page: &'static str,
    v: &'a SettingsView,
}

#[derive(Template)]
#[template(path = "account/notifications.html")]
struct NotificationsTemplate<'a> {
    c: &'a Chrome,
    title: String,
    page: &'static str,
    v: &'a NotificationsView,
    dates: Vec<String>,
}

#[derive(Template)]
#[template(path = "account/history.html")]
struct HistoryTemplate<'a> {
    c: &'a Chrome,
    title: String,
    page: &'static str,
    v: &'a HistoryView,
    cards: Vec<(CardRow<'a>, i64, String)>,
}

#[derive(Template)]
#[template(path = "account/subscriptions.html")]
struct SubscriptionsTemplate<'a> {
    c: &'a Chrome,
    title: String,
    page: &'static str,
    v: &'a SubscriptionsView,
}

#[derive(Template)]
#[template(path = "account/feed.html")]
struct FeedTemplate<'a> {
    c: &'a Chrome,
    title: String,
    page: &'static str,
    v: &'a FeedView,
    cards: Vec<CardRow<'a>>,
}

#[derive(Template)]
#[template(path = "account/signup.html")]
struct SignupTemplate<'a> {
    c: &'a Chrome,
    title: String,
    page: &'static str,
    v: &'a SignupView,
}

/// The small pages of one form (forgotten password, reset, verification).
#[derive(Template)]
#[template(path = "account/forgot_password.html")]
struct ForgotTemplate<'a> {
    c: &'a Chrome,
    title: String,
    page: &'static str,
}

#[derive(Template)]
#[template(path = "account/reset_password.html")]
struct ResetTemplate<'a> {
    c: &'a Chrome,
    title: String,
    page: &'static str,
}

#[derive(Template)]
#[template(path = "account/verify_email.html")]
struct VerifyTemplate<'a> {
    c: &'a Chrome,
    title: String,
    page: &'static str,
}

/// `/my-account/settings`.
pub fn render_settings(c: &Chrome, v: &SettingsView) -> String {
    render_or_fallback(&SettingsTemplate {
        c,
        title: c.title(&c.t("account-settings-title")),
        page: "account-settings",
        v,
    })
}

/// `/my-account/notifications`.
pub fn render_notifications(c: &Chrome, v: &NotificationsView) -> String {
    render_or_fallback(&NotificationsTemplate {
        c,
        title: c.title(&c.t("account-notifications-title")),
        page: "account-notifications",
        dates: v.items.iter().map(|n| format_date(&n.created_at)).collect(),
        v,
    })
}

/// `/my-library/history/videos`.
pub fn render_history(c: &Chrome, v: &HistoryView) -> String {
    render_or_fallback(&HistoryTemplate {
        c,
        title: c.title(&c.t("account-history-title")),
        page: "account-history",
        cards: v
            .items
            .iter()
            .map(|h| {
                (
                    CardRow {
                        card: &h.card,
                        duration: format_duration(h.card.duration_secs),
                        date: format_date(&h.card.published_at),
                    },
                    h.video_id,
                    format_duration(h.position_secs),
                )
            })
            .collect(),
        v,
    })
}

/// `/my-library/subscriptions`.
pub fn render_subscriptions(c: &Chrome, v: &SubscriptionsView) -> String {
    render_or_fallback(&SubscriptionsTemplate {
        c,
        title: c.title(&c.t("account-subscriptions-title")),
        page: "account-subscriptions",
        v,
    })
}

/// `/videos/subscriptions`: the newest videos of the followed channels.
pub fn render_feed(c: &Chrome, v: &FeedView) -> String {
    render_or_fallback(&FeedTemplate {
        c,
        title: c.title(&c.t("account-feed-title")),
        page: "account-feed",
        cards: rows(&v.videos),
        v,
    })
}

/// `/signup`.
pub fn render_signup(c: &Chrome, v: &SignupView) -> String {
    render_or_fallback(&SignupTemplate {
        c,
        title: c.title(&c.t("account-signup-title")),
        page: "account-signup",
        v,
    })
}

/// `/login/forgot-password`.
pub fn render_forgot_password(c: &Chrome) -> String {
    render_or_fallback(&ForgotTemplate {
        c,
        title: c.title(&c.t("account-forgot-title")),
        page: "account-forgot-password",
    })
}

/// `/reset-password?userId=&verificationString=`: the new-password form.
pub fn render_reset_password(c: &Chrome) -> String {
    render_or_fallback(&ResetTemplate {
        c,
        title: c.title(&c.t("account-reset-title")),
        page: "account-reset-password",
    })
}

/// `/verify-account/email?userId=&verificationString=`: the script posts the secret.
pub fn render_verify_email(c: &Chrome) -> String {
    render_or_fallback(&VerifyTemplate {
        c,
        title: c.title(&c.t("account-verify-title")),
        page: "account-verify-email",
    })
}

#[derive(Template)]
#[template(path = "account/error.html")]
struct ErrorTemplate<'a> {
    c: &'a Chrome,
    title: String,
    page: &'static str,
}

/// What a page of this area shows when the store fails (sent with status 500).
pub fn render_error(c: &Chrome) -> String {
    render_or_fallback(&ErrorTemplate {
        c,
        title: c.title(&c.t("account-error-title")),
        page: "account-error",
    })
}

/// A text of the reader's language with named string arguments (notification lines).
pub fn text_with(c: &Chrome, key: &str, args: &[(&'static str, String)]) -> String {
    let args: Vec<_> = args.iter().map(|(k, v)| (*k, v.clone().into())).collect();
    c.lang.t_args(key, &args)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_page_shows_the_preferences() {
        let c = Chrome::anonymous("T");
        let html = render_settings(
            &c,
            &SettingsView {
                username: "alice".into(),
                nsfw_policy: "blur".into(),
                p2p_enabled: false,
                languages: vec![("fr".into(), "French".into())],
                video_languages: vec!["fr".into()],
                ..Default::default()
            },
        );
        assert!(html.contains(r#"value="blur" checked"#), "{html}");
        assert!(html.contains(r#"<option value="fr" selected>"#), "{html}");
        assert!(!html.contains(r#"id="ft-account-p2p" checked"#));
    }

    #[test]
    fn paging_knows_its_ends() {
        let p = Paging::new("/x?", 2, 10, 25);
        assert!(p.has_prev && p.has_next);
        assert!(!Paging::new("/x?", 3, 10, 25).has_next);
    }
}
