//! The library pages, server-rendered: access rules (sign in first, someone else's video or
//! playlist is a 404) and what they show (state, privacy, search, the edit form's values).
//! In-process (`TestApp`), one backend: the pages only read.

use crate::common::*;
use serde_json::json;

async fn page(t: &TestApp, path: &str, token: Option<&str>) -> (u16, String) {
    let mut req = t.client.get(t.api(path));
    if let Some(tok) = token {
        req = req.bearer_auth(tok);
    }
    let r = req.send().await.expect("page");
    (r.status().as_u16(), r.text().await.expect("body"))
}

#[tokio::test]
async fn library_pages() {
    let t = TestApp::start_with(Backend::Sqlite, "[transcoding]\nresolutions = [144]\n").await;
    let dir = tempfile::tempdir().expect("tmp");
    let clip = make_clip(dir.path(), "l.mp4", 1, 320, 240);
    let size = std::fs::metadata(&clip).expect("clip").len() as usize;
    let root = t.root_token().await;
    t.create_user(&root, "bob", "bob-password", 2, None).await;
    let bob = t.token("bob", "bob-password").await;

    // Signed out: the sign-in form first, then back here.
    let r = t
        .client
        .get(t.api("/my-library/videos"))
        .send()
        .await
        .expect("page");
    // (Whether the client follows the redirect or not, it leads to the sign-in form.)
    if r.status().as_u16() == 303 {
        let to = r.headers()["location"].to_str().expect("location");
        assert_eq!(to, "/login?next=%2Fmy-library%2Fvideos");
    } else {
        assert_eq!(r.url().path(), "/login");
        assert_eq!(r.url().query(), Some("next=%2Fmy-library%2Fvideos"));
    }

    let (s, html) = page(&t, "/my-library/videos", Some(&root)).await;
    assert_eq!(s, 200);
    assert!(html.contains("id=\"ft-lib-empty\""), "{html}");
    let (s, html) = page(&t, "/videos/upload", Some(&root)).await;
    assert_eq!(s, 200);
    assert!(html.contains("name=\"channelId\""));
    assert!(
        html.contains("(root_channel)"),
        "the channel select is rendered"
    );

    let v = t
        .upload_resumable(
            &root,
            &clip,
            &json!({ "name": "Pages clip", "channelId": t.channel_id(&root).await, "privacy": 2, "tags": ["xx", "yy"] }),
            size,
        )
        .await;
    let uuid = v["video"]["uuid"].as_str().expect("uuid").to_string();
    let short = v["video"]["shortUUID"].as_str().expect("short").to_string();
    t.wait_published(&uuid, Some(&root)).await;

    let (_, html) = page(&t, "/my-library/videos", Some(&root)).await;
    assert!(
        html.contains("Pages clip") && html.contains(">Published<") && html.contains(">Unlisted<"),
        "{html}"
    );
    let (_, html) = page(&t, "/my-library/videos?search=nomatch", Some(&root)).await;
    assert!(!html.contains("Pages clip") && html.contains("id=\"ft-lib-empty\""));
    // Another user's list does not show it, nor may they open its edit form.
    let (_, html) = page(&t, "/my-library/videos", Some(&bob)).await;
    assert!(!html.contains("Pages clip"));
    let (s, _) = page(&t, &format!("/videos/update/{short}"), Some(&bob)).await;
    assert_eq!(s, 404);
    let (s, html) = page(&t, &format!("/videos/update/{short}"), Some(&root)).await;
    assert_eq!(s, 200);
    assert!(
        html.contains("value=\"Pages clip\"") && html.contains("value=\"xx, yy\""),
        "{html}"
    );
    assert!(html.contains("<option value=\"2\" selected>"));

    // Channels and playlists.
    let (s, html) = page(&t, "/my-library/video-channels", Some(&root)).await;
    assert_eq!(s, 200);
    assert!(html.contains("data-channel=\"root_channel\""));
    let r = t
        .client
        .post(t.api("/api/v1/video-playlists"))
        .bearer_auth(&root)
        .json(&json!({ "displayName": "Pages list", "privacy": 3 }))
        .send()
        .await
        .expect("create");
    let created: serde_json::Value = r.json().await.expect("json");
    let pid = created["videoPlaylist"]["id"].as_i64().expect("id");
    let (_, html) = page(&t, "/my-library/video-playlists", Some(&root)).await;
    assert!(html.contains("Pages list"), "{html}");
    let (s, html) = page(
        &t,
        &format!("/my-library/video-playlists/{pid}"),
        Some(&root),
    )
    .await;
    assert_eq!(s, 200);
    assert!(html.contains("id=\"ft-playlist-edit\""));
    let (s, _) = page(
        &t,
        &format!("/my-library/video-playlists/{pid}"),
        Some(&bob),
    )
    .await;
    assert_eq!(s, 404);
}
