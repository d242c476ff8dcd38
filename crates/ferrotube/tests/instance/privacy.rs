//! Privacy: private, unlisted and internal videos and their files, for the owner, another user
//! and anonymous visitors.

use crate::common::*;
use serde_json::Value;

async fn upload_with_privacy(
    t: &TestInstance,
    token: &str,
    clip: &std::path::Path,
    channel: i64,
    name: &str,
    privacy: i64,
) -> String {
    let r = t
        .legacy_upload(
            token,
            clip,
            &[
                ("name", name.to_string()),
                ("channelId", channel.to_string()),
                ("privacy", privacy.to_string()),
            ],
        )
        .await;
    let status = r.status();
    let text = r.text().await.expect("body");
    assert_eq!(status, 200, "legacy upload {name}: {text}");
    let v: Value = serde_json::from_str(&text).expect("json");
    v["video"]["uuid"].as_str().expect("uuid").to_string()
}

fn listed(list: &Value, uuid: &str) -> bool {
    list["data"]
        .as_array()
        .expect("data")
        .iter()
        .any(|v| v["uuid"] == uuid)
}

/// Every HLS URL of a published video: master, sha json, variants and fragmented files.
fn hls_urls(v: &Value) -> Vec<String> {
    let pl = &v["streamingPlaylists"][0];
    let mut out = vec![
        pl["playlistUrl"].as_str().expect("playlistUrl").to_string(),
        pl["segmentsSha256Url"].as_str().expect("sha").to_string(),
    ];
    for f in pl["files"].as_array().expect("files") {
        out.push(f["fileUrl"].as_str().expect("fileUrl").to_string());
    }
    out
}

async fn status_of(t: &TestInstance, url: &str, token: Option<&str>) -> u16 {
    t.get(url, token)
        .header("Range", "bytes=0-99")
        .send()
        .await
        .expect("request")
        .status()
        .as_u16()
}

async fn privacy(backend: Backend) {
    let t = TestInstance::start_with(backend, "[transcoding]\nresolutions = [144]\n").await;
    let dir = tempfile::tempdir().expect("tmp");
    let clip = make_clip(dir.path(), "p.mp4", 2, 320, 240);
    let root = t.root_token().await;
    t.create_user(&root, "viewer", "viewer-password", 2, None)
        .await;
    let other = t.token("viewer", "viewer-password").await;
    let channel = t.channel_id(&root).await;

    let private = upload_with_privacy(&t, &root, &clip, channel, "private one", 3).await;
    let unlisted = upload_with_privacy(&t, &root, &clip, channel, "unlisted one", 2).await;
    let internal = upload_with_privacy(&t, &root, &clip, channel, "internal one", 4).await;
    let pv = t.wait_published(&private, Some(&root)).await;
    t.wait_published(&unlisted, Some(&root)).await;
    t.wait_published(&internal, Some(&root)).await;
    assert_eq!(pv["privacy"]["id"], 3);

    // Private: 401 anonymous, 403 another user, 200 the owner; files likewise.
    let path = format!("/api/v1/videos/{private}");
    assert_problem(
        t.get(&path, None).send().await.expect("get"),
        401,
        "private anon",
    )
    .await;
    assert_problem(
        t.get(&path, Some(&other)).send().await.expect("get"),
        403,
        "private other",
    )
    .await;
    assert_eq!(status_of(&t, &path, Some(&root)).await, 200);
    let urls = hls_urls(&pv);
    assert!(urls.len() >= 3);
    for u in &urls {
        let s = status_of(&t, u, None).await;
        assert!(s == 401 || s == 403, "anon {u}: {s}");
        assert_eq!(status_of(&t, u, Some(&other)).await, 403, "other user {u}");
        let s = status_of(&t, u, Some(&root)).await;
        assert!(s == 200 || s == 206, "owner {u}: {s}");
    }
    let r = t
        .get(&format!("{path}/description"), None)
        .send()
        .await
        .expect("desc");
    assert_eq!(r.status(), 401, "private description anonymously");

    // Lists: private never (not even for its owner in the public list), unlisted never,
    // internal for signed-in users only.
    let anon_list = t.get_json("/api/v1/videos?count=100", None).await;
    let other_list = t.get_json("/api/v1/videos?count=100", Some(&other)).await;
    let root_list = t.get_json("/api/v1/videos?count=100", Some(&root)).await;
    for l in [&anon_list, &other_list, &root_list] {
        assert!(!listed(l, &private), "private listed: {l}");
        assert!(!listed(l, &unlisted), "unlisted listed: {l}");
    }
    assert!(
        !listed(&anon_list, &internal),
        "internal listed anonymously"
    );
    assert!(
        listed(&other_list, &internal),
        "internal not listed for a user"
    );
    assert!(
        listed(&root_list, &internal),
        "internal not listed for root"
    );
    assert_eq!(
        anon_list["total"], 0,
        "anonymous total counts hidden videos"
    );

    // Unlisted: readable by anyone with the link, files too.
    let uv = t
        .get_json(&format!("/api/v1/videos/{unlisted}"), None)
        .await;
    for u in hls_urls(&uv) {
        let s = status_of(&t, &u, None).await;
        assert!(s == 200 || s == 206, "unlisted anon {u}: {s}");
    }

    // Internal: signed-in users only.
    let ipath = format!("/api/v1/videos/{internal}");
    assert_problem(
        t.get(&ipath, None).send().await.expect("get"),
        401,
        "internal anon",
    )
    .await;
    let iv = t.get_json(&ipath, Some(&other)).await;
    for u in hls_urls(&iv) {
        let s = status_of(&t, &u, None).await;
        assert!(s == 401 || s == 403, "internal anon {u}: {s}");
        let s = status_of(&t, &u, Some(&other)).await;
        assert!(s == 200 || s == 206, "internal user {u}: {s}");
    }

    // The owner's own list shows all three, whatever their privacy.
    let mine = t.get_json("/api/v1/users/me/videos", Some(&root)).await;
    assert_eq!(mine["total"], 3, "{mine}");
}

on_both_backends!(privacy);
