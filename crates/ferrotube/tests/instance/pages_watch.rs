//! The watch page as the server renders it (no script): the reader the session names decides
//! what a private video's page shows; comments, details and related videos are in the HTML.

use crate::common::*;
use serde_json::{json, Value};

async fn upload(
    t: &TestInstance,
    token: &str,
    clip: &std::path::Path,
    name: &str,
    privacy: i64,
) -> Value {
    let channel = t.channel_id(token).await;
    let r = t
        .legacy_upload(
            token,
            clip,
            &[
                ("name", name.to_string()),
                ("channelId", channel.to_string()),
                ("privacy", privacy.to_string()),
                ("description", "Look at 0:01 <script>x</script>".to_string()),
            ],
        )
        .await;
    let status = r.status();
    let text = r.text().await.expect("body");
    assert_eq!(status, 200, "upload {name}: {text}");
    let v: Value = serde_json::from_str(&text).expect("json");
    let uuid = v["video"]["uuid"].as_str().expect("uuid").to_string();
    t.wait_published(&uuid, Some(token)).await;
    v["video"].clone()
}

async fn page(t: &TestInstance, path: &str, token: Option<&str>) -> (u16, String) {
    let r = t.get(path, token).send().await.expect(path);
    let status = r.status().as_u16();
    (status, r.text().await.expect("body"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn watch_page_server_render_and_private_videos() {
    let t = TestInstance::start_with(Backend::Sqlite, "[transcoding]\nresolutions = [144]\n").await;
    let dir = tempfile::tempdir().expect("tmp");
    let clip = make_clip(dir.path(), "w.mp4", 2, 320, 240);
    let root = t.root_token().await;
    t.create_user(&root, "viewer", "viewer-password", 2, None)
        .await;
    let viewer = t.token("viewer", "viewer-password").await;
    let public = upload(&t, &root, &clip, "Page clip", 1).await;
    let private = upload(&t, &root, &clip, "Hidden clip", 3).await;
    let (pub_uuid, pub_short) = (
        public["uuid"].as_str().unwrap(),
        public["shortUUID"].as_str().unwrap(),
    );
    let r = t
        .client
        .post(t.api(&format!("/api/v1/videos/{pub_uuid}/comment-threads")))
        .bearer_auth(&viewer)
        .json(&json!({ "text": "Server-rendered comment at 0:02" }))
        .send()
        .await
        .expect("comment");
    assert_eq!(r.status(), 200);

    // Anonymous, no script: the page has the comments, the details, the safe description.
    let (status, html) = page(&t, &format!("/w/{pub_short}"), None).await;
    assert_eq!(status, 200, "{html}");
    for needle in [
        "id=\"ft-video-title\">Page clip</h1>",
        "Server-rendered comment at <a href=\"?start=2\">0:02</a>",
        "<a href=\"?start=1\">0:01</a>",
        "id=\"ft-comment-login\"",
        "/client/watch.js",
    ] {
        assert!(html.contains(needle), "watch page lacks {needle}:\n{html}");
    }
    assert!(
        !html.contains("<script>x</script>"),
        "description not escaped:\n{html}"
    );
    // The comment's author may delete it; another reader may not.
    let (_, as_viewer) = page(&t, &format!("/w/{pub_short}"), Some(&viewer)).await;
    assert!(as_viewer.contains("data-mine=\"true\""), "{as_viewer}");
    let (_, as_root) = page(&t, &format!("/w/{pub_short}"), Some(&root)).await;
    assert!(!as_root.contains("data-mine=\"true\""));
    // PeerTube's other URL serves the same page.
    let (status, html) = page(&t, &format!("/videos/watch/{pub_uuid}"), None).await;
    assert_eq!(status, 200);
    assert!(html.contains("id=\"ft-video-title\">Page clip</h1>"));

    // A private video: sign in first; a reader not allowed is told so; its owner sees it all.
    let priv_short = private["shortUUID"].as_str().unwrap();
    let (status, html) = page(&t, &format!("/w/{priv_short}"), None).await;
    assert_eq!(status, 401);
    assert!(
        html.contains(&format!("href=\"/login?next=/w/{priv_short}\"")),
        "{html}"
    );
    assert!(!html.contains("Hidden clip"));
    let (status, html) = page(&t, &format!("/w/{priv_short}"), Some(&viewer)).await;
    assert_eq!(status, 403);
    assert!(!html.contains("Hidden clip"));
    let (status, html) = page(&t, &format!("/w/{priv_short}"), Some(&root)).await;
    assert_eq!(status, 200);
    assert!(
        html.contains("id=\"ft-video-title\">Hidden clip</h1>"),
        "{html}"
    );
    assert!(
        !html.contains("data-hls-src=\"\""),
        "the owner's page plays it:\n{html}"
    );
    // Unknown video: the 404 page.
    assert_eq!(page(&t, "/w/nope", None).await.0, 404);
}
