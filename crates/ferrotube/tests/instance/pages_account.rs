//! The account area's pages (server-rendered): access rules, what they show, and the player
//! preferences of `PUT /users/me` (migration 0019) as the pages see them.

use crate::common::*;
use serde_json::json;

async fn page(t: &TestApp, path: &str, token: Option<&str>) -> (u16, String) {
    let mut r = t.client.get(t.api(path));
    if let Some(tok) = token {
        r = r.bearer_auth(tok);
    }
    let r = r.send().await.expect("page");
    let status = r.status().as_u16();
    (status, r.text().await.expect("body"))
}

async fn account_pages(backend: Backend) {
    let t = TestApp::start_with(backend, "").await;
    let root = t.root_token().await;
    t.create_user(&root, "alice", "alice-password", 2, None)
        .await;
    let alice = t.token("alice", "alice-password").await;

    // Signed out: the private pages send to the sign-in form; the public ones render.
    for path in [
        "/my-account/settings",
        "/my-account/notifications",
        "/my-library/history/videos",
        "/my-library/subscriptions",
        "/videos/subscriptions",
    ] {
        let r = t.client.get(t.api(path)).send().await.expect("get");
        assert_eq!(r.status(), 303, "{path}");
        let to = r.headers()["location"].to_str().expect("location");
        assert!(to.starts_with("/login?next="), "{path}: {to}");
    }
    let (s, html) = page(&t, "/signup", None).await;
    assert_eq!(s, 200);
    assert!(
        html.contains("id=\"ft-signup-closed\""),
        "sign-up is off by default"
    );
    for path in [
        "/login/forgot-password",
        "/reset-password?userId=1&verificationString=x",
        "/verify-account/email?userId=1&verificationString=x",
    ] {
        let (s, html) = page(&t, path, None).await;
        assert_eq!(s, 200, "{path}");
        assert!(html.contains("/client/account.js"), "{path}");
    }

    // The settings page shows the stored preferences; PUT /users/me changes them.
    let (s, html) = page(&t, "/my-account/settings", Some(&alice)).await;
    assert_eq!(s, 200);
    assert!(html.contains(r#"id="ft-account-p2p" checked"#));
    assert!(html.contains(r#"value="do_not_list" checked"#));
    assert!(!html.contains("data-p2p=\"off\""));
    let me = t.me(&alice).await;
    assert_eq!(me["p2pEnabled"], true);
    assert_eq!(me["videoLanguages"], serde_json::Value::Null);
    let r = t
        .client
        .put(t.api("/api/v1/users/me"))
        .bearer_auth(&alice)
        .json(&json!({ "p2pEnabled": false, "autoPlayVideo": false, "nsfwPolicy": "blur", "videoLanguages": ["fr", "en"] }))
        .send()
        .await
        .expect("put");
    assert_eq!(r.status(), 204);
    let me = t.me(&alice).await;
    assert_eq!(me["p2pEnabled"], false);
    assert_eq!(me["autoPlayVideo"], false);
    assert_eq!(me["videoLanguages"], json!(["fr", "en"]));
    let (_, html) = page(&t, "/my-account/settings", Some(&alice)).await;
    assert!(
        html.contains("data-p2p=\"off\""),
        "every page tells the player"
    );
    assert!(!html.contains(r#"id="ft-account-p2p" checked"#));
    assert!(html.contains(r#"value="blur" checked"#));
    assert!(html.contains(r#"<option value="fr" selected>"#));
    // Bad languages are refused.
    let r = t
        .client
        .put(t.api("/api/v1/users/me"))
        .bearer_auth(&alice)
        .json(&json!({ "videoLanguages": [""] }))
        .send()
        .await
        .expect("put");
    assert_eq!(r.status(), 400);

    // The lists: empty states, and a plain user sees no moderator notification settings.
    let (s, html) = page(&t, "/my-account/notifications", Some(&alice)).await;
    assert_eq!(s, 200);
    assert!(html.contains("ft-account-notif-empty"));
    assert!(html.contains("data-key=\"newVideoFromSubscription\""));
    // A moderator's switch is not shown to a user (its row stays in the form, hidden, because
    // the API wants every field back).
    assert!(html.contains("data-key=\"abuseAsModerator\" hidden"));
    let (_, html) = page(&t, "/my-account/notifications", Some(&root)).await;
    assert!(html.contains("data-key=\"abuseAsModerator\">"));
    let (_, html) = page(&t, "/my-library/history/videos", Some(&alice)).await;
    assert!(html.contains("ft-account-history-empty"));
    let (_, html) = page(&t, "/videos/subscriptions", Some(&alice)).await;
    assert!(html.contains("ft-account-feed-empty"));
    let r = t
        .client
        .post(t.api("/api/v1/users/me/subscriptions"))
        .bearer_auth(&alice)
        .json(&json!({ "uri": "root_channel" }))
        .send()
        .await
        .expect("subscribe");
    assert_eq!(r.status(), 204);
    let (_, html) = page(&t, "/my-library/subscriptions", Some(&alice)).await;
    assert!(html.contains("data-handle=\"root_channel\""), "{html}");
    assert!(html.contains("href=\"/c/root_channel\""));
}

on_both_backends!(account_pages);
