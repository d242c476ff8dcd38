//! The administration pages (`/admin/...`) as the server renders them: who may see which page
//! (sign-in first, 403, administrator-only sections), the tables filled from the same reads as
//! the REST API, the forms' REST calls, French, and the page size budget.

use crate::common::*;
use serde_json::json;

async fn page(t: &TestInstance, path: &str, token: Option<&str>) -> (u16, String, String) {
    let r = t.get(path, token).send().await.expect("page");
    let status = r.status().as_u16();
    let location = r
        .headers()
        .get("location")
        .and_then(|l| l.to_str().ok())
        .unwrap_or_default()
        .to_string();
    (status, location, r.text().await.expect("body"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_pages() {
    let t = TestInstance::start(Backend::Sqlite).await;
    let root = t.root_token().await;
    t.create_user(&root, "moddy", "moddy-password", 1, None)
        .await;
    t.create_user(&root, "plainuser", "plainuser-password", 2, None)
        .await;
    let moderator = t.token("moddy", "moddy-password").await;
    let user = t.token("plainuser", "plainuser-password").await;

    // Anonymous: the sign-in form first, back here after.
    let (status, location, _) = page(&t, "/admin/users/list", None).await;
    assert_eq!(status, 303);
    assert_eq!(location, "/login?next=%2Fadmin%2Fusers%2Flist");
    // A user: the 403 page, which says what to do.
    let (status, _, html) = page(&t, "/admin/moderation/abuses/list", Some(&user)).await;
    assert_eq!(status, 403);
    assert!(html.contains("Access denied"), "{html}");
    // `/admin` goes to the first section.
    let (status, location, _) = page(&t, "/admin", Some(&moderator)).await;
    assert_eq!((status, location.as_str()), (303, "/admin/users/list"));

    // A moderator sees users and moderation, not the administrator's sections.
    let (status, _, html) = page(&t, "/admin/users/list", Some(&moderator)).await;
    assert_eq!(status, 200);
    assert!(html.contains(r#"<tr data-id="plainuser">"#), "{html}");
    assert!(html.contains(r#"href="/admin/moderation""#));
    assert!(!html.contains(r#"href="/admin/system""#), "{html}");
    // A moderator may not manage the administrator: no actions on that row.
    assert!(!html.contains(r#"id="ft-delete-user-1""#), "{html}");
    assert!(
        html.contains(r#"data-ft-url="/api/v1/users/3/block""#),
        "{html}"
    );
    for path in [
        "/admin/system/jobs",
        "/admin/config/edit-custom",
        "/admin/follows/following-list",
    ] {
        assert_eq!(page(&t, path, Some(&moderator)).await.0, 403, "{path}");
    }

    // Filters reach the API's: banned users only.
    let r = t
        .client
        .post(t.api("/api/v1/users/3/block"))
        .bearer_auth(&root)
        .json(&json!({ "reason": "spam" }))
        .send()
        .await
        .expect("ban");
    assert_eq!(r.status(), 204);
    let (_, _, html) = page(&t, "/admin/users/list?blocked=true", Some(&root)).await;
    assert!(html.contains(r#"<tr data-id="plainuser">"#), "{html}");
    assert!(!html.contains(r#"<tr data-id="moddy">"#), "{html}");
    assert!(html.contains("Banned (spam)"), "{html}");
    assert!(html.contains(r#"id="ft-unban-3""#), "{html}");
    // The administrator edits their own row but neither bans nor deletes themselves.
    let (_, _, html) = page(&t, "/admin/users/list", Some(&root)).await;
    assert!(html.contains(r#"id="ft-edit-1""#) && !html.contains(r#"id="ft-delete-user-1""#));
    assert!(html.contains(r#"id="ft-delete-user-2""#), "{html}");
    let (_, _, html) = page(&t, "/admin/users/list?search=mod", Some(&root)).await;
    assert!(html.contains(r#"<tr data-id="moddy">"#) && !html.contains(r#"data-id="root""#));

    // Instance mutes, listed with their undo.
    for (url, body) in [
        (
            "/api/v1/server/blocklist/servers",
            json!({ "host": "bad.example.org" }),
        ),
        (
            "/api/v1/server/blocklist/accounts",
            json!({ "accountName": "plainuser" }),
        ),
    ] {
        let r = t
            .client
            .post(t.api(url))
            .bearer_auth(&root)
            .json(&body)
            .send()
            .await
            .expect("mute");
        assert_eq!(r.status(), 204, "{url}");
    }
    let (_, _, html) = page(&t, "/admin/moderation/blocklist/servers", Some(&moderator)).await;
    assert!(
        html.contains(r#"data-ft-url="/api/v1/server/blocklist/servers/bad.example.org""#),
        "{html}"
    );
    let (_, _, html) = page(&t, "/admin/moderation/blocklist/accounts", Some(&moderator)).await;
    assert!(
        html.contains(r#"data-ft-url="/api/v1/server/blocklist/accounts/plainuser""#),
        "{html}"
    );

    // Every page renders for the administrator, under the 30 KB budget, without script.
    for path in [
        "/admin/users/list",
        "/admin/follows/following-list",
        "/admin/follows/followers-list",
        "/admin/moderation/abuses/list",
        "/admin/moderation/abuses/list?state=1",
        "/admin/moderation/video-blocks/list",
        "/admin/moderation/blocklist/accounts",
        "/admin/moderation/blocklist/servers",
        "/admin/overview/comments/list",
        "/admin/system/jobs",
        "/admin/system/jobs?state=failed",
        "/admin/config/edit-custom",
    ] {
        let (status, _, html) = page(&t, path, Some(&root)).await;
        assert_eq!(status, 200, "{path}: {html}");
        assert!(html.len() < 30 * 1024, "{path}: {} bytes", html.len());
        assert!(html.contains("/client/admin.js"), "{path}");
    }
    // The settings form holds the current values and PUTs the whole object back.
    let (_, _, html) = page(&t, "/admin/config/edit-custom", Some(&root)).await;
    assert!(
        html.contains(r#"data-ft-merge="/api/v1/config/custom""#),
        "{html}"
    );
    assert!(
        html.contains(r#"name="instance.name" value="Ferrotube""#),
        "{html}"
    );
    // A bad filter is said on the page, not a crash.
    let (status, _, html) = page(&t, "/admin/system/jobs?state=nonsense", Some(&root)).await;
    assert_eq!(status, 200);
    assert!(
        html.contains("Incorrect request parameters: state"),
        "{html}"
    );

    // French.
    let r = t
        .get("/admin/moderation/abuses/list", Some(&root))
        .header("Accept-Language", "fr")
        .send()
        .await
        .expect("page");
    let html = r.text().await.expect("body");
    assert!(
        html.contains("<h1 class=\"ft-page-title\">Signalements</h1>"),
        "{html}"
    );
    assert!(html.contains("Aucun signalement ici."), "{html}");
}
