//! Users, channels, accounts, ratings and views.
//! In-process (`TestApp`): no restart or second host needed; queued jobs run when the test
//! waits for them.

use crate::common::*;
use serde_json::json;

async fn users(backend: Backend) {
    let t = TestApp::start_with(backend, "[transcoding]\nresolutions = [144]\n").await;
    let dir = tempfile::tempdir().expect("tmp");
    let clip = make_clip(dir.path(), "u.mp4", 2, 320, 240);
    let size = std::fs::metadata(&clip).expect("clip").len() as i64;
    let root = t.root_token().await;

    let uid = t
        .create_user(&root, "alice", "alice-password", 2, Some(50_000_000))
        .await;
    let alice = t.token("alice", "alice-password").await;
    let me = t.me(&alice).await;
    assert_eq!(me["id"].as_i64(), Some(uid));
    assert_eq!(me["username"], "alice");
    assert_eq!(me["role"]["id"], 2);
    assert_eq!(me["videoQuota"], 50_000_000);
    assert_eq!(me["videoChannels"].as_array().map(Vec::len), Some(1));
    assert_eq!(me["videoChannels"][0]["name"], "alice_channel");

    // A user cannot create users.
    let r = t
        .client
        .post(t.api("/api/v1/users"))
        .bearer_auth(&alice)
        .json(&json!({"username": "eve", "password": "eve-password", "email": "e@example.com", "role": 2}))
        .send()
        .await
        .expect("create");
    assert_problem(r, 403, "user creating a user").await;

    // PUT /users/me.
    let r = t
        .client
        .put(t.api("/api/v1/users/me"))
        .bearer_auth(&alice)
        .json(&json!({ "displayName": "Alice Liddell" }))
        .send()
        .await
        .expect("update me");
    assert_eq!(r.status(), 204);
    assert_eq!(
        t.me(&alice).await["account"]["displayName"],
        "Alice Liddell"
    );
    let acc = t.get_json("/api/v1/accounts/alice", None).await;
    assert_eq!(acc["displayName"], "Alice Liddell");
    assert_eq!(acc["name"], "alice");

    // Quota used after an upload equals the file size.
    let q = t
        .get_json("/api/v1/users/me/video-quota-used", Some(&alice))
        .await;
    assert_eq!(q["videoQuotaUsed"], 0);
    let v = t
        .upload_resumable(
            &alice,
            &clip,
            &json!({ "name": "alice's video", "channelId": t.channel_id(&alice).await }),
            size as usize / 2 + 1,
        )
        .await;
    let vid = v["video"]["id"].as_i64().expect("id");
    let uuid = v["video"]["uuid"].as_str().expect("uuid").to_string();
    let q = t
        .get_json("/api/v1/users/me/video-quota-used", Some(&alice))
        .await;
    assert_eq!(q["videoQuotaUsed"].as_i64(), Some(size), "{q}");
    assert_eq!(q["videoQuotaUsedDaily"].as_i64(), Some(size), "{q}");
    t.wait_published(&uuid, Some(&alice)).await;

    // Channels.
    let r = t
        .client
        .post(t.api("/api/v1/video-channels"))
        .bearer_auth(&alice)
        .json(&json!({ "name": "alice_second", "displayName": "Second channel" }))
        .send()
        .await
        .expect("create channel");
    assert_eq!(r.status(), 200);
    let created: serde_json::Value = r.json().await.expect("json");
    assert!(
        created["videoChannel"]["id"].as_i64().is_some(),
        "{created}"
    );
    let r = t
        .client
        .post(t.api("/api/v1/video-channels"))
        .bearer_auth(&alice)
        .json(&json!({ "name": "alice_second", "displayName": "Again" }))
        .send()
        .await
        .expect("create channel");
    assert_problem(r, 409, "duplicate channel name").await;
    let c = t
        .get_json("/api/v1/video-channels/alice_second", None)
        .await;
    assert_eq!(c["displayName"], "Second channel");
    assert_eq!(c["ownerAccount"]["name"], "alice");
    let c = t
        .get_json(
            &format!("/api/v1/video-channels/alice_second@{}", t.host),
            None,
        )
        .await;
    assert_eq!(c["name"], "alice_second");
    let r = t
        .get("/api/v1/video-channels/nobody_channel", None)
        .send()
        .await
        .expect("get");
    assert_problem(r, 404, "unknown channel").await;

    let cv = t
        .get_json("/api/v1/video-channels/alice_channel/videos", None)
        .await;
    assert_eq!(cv["total"], 1, "{cv}");
    assert_eq!(cv["data"][0]["uuid"].as_str(), Some(uuid.as_str()));
    let cv = t
        .get_json("/api/v1/video-channels/alice_second/videos", None)
        .await;
    assert_eq!(cv["total"], 0, "{cv}");
    let av = t.get_json("/api/v1/accounts/alice/videos", None).await;
    assert_eq!(av["total"], 1, "{av}");
    let ac = t
        .get_json("/api/v1/accounts/alice/video-channels", None)
        .await;
    assert_eq!(ac["total"], 2, "{ac}");
    let mut names: Vec<&str> = ac["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(|c| c["name"].as_str().expect("name"))
        .collect();
    names.sort_unstable();
    assert_eq!(names, vec!["alice_channel", "alice_second"]);
    let r = t
        .get("/api/v1/accounts/nobody", None)
        .send()
        .await
        .expect("get");
    assert_problem(r, 404, "unknown account").await;

    // Someone else cannot delete alice's channel.
    t.create_user(&root, "bob", "bob-password", 2, None).await;
    let bob = t.token("bob", "bob-password").await;
    let r = t
        .client
        .delete(t.api("/api/v1/video-channels/alice_second"))
        .bearer_auth(&bob)
        .send()
        .await
        .expect("delete");
    assert_problem(r, 403, "deleting another user's channel").await;

    // Delete a channel; the last one cannot go.
    let r = t
        .client
        .delete(t.api("/api/v1/video-channels/alice_second"))
        .bearer_auth(&alice)
        .send()
        .await
        .expect("delete");
    assert_eq!(r.status(), 204);
    let r = t
        .get("/api/v1/video-channels/alice_second", None)
        .send()
        .await
        .expect("get");
    assert_problem(r, 404, "deleted channel").await;
    let r = t
        .client
        .delete(t.api("/api/v1/video-channels/alice_channel"))
        .bearer_auth(&alice)
        .send()
        .await
        .expect("delete");
    assert_problem(r, 409, "deleting the last channel").await;
    assert_eq!(
        t.get_json("/api/v1/video-channels/alice_channel/videos", None)
            .await["total"],
        1
    );

    // Rating.
    let rating = t
        .get_json(&format!("/api/v1/users/me/videos/{vid}/rating"), Some(&bob))
        .await;
    assert_eq!(rating["rating"], "none");
    let r = t
        .client
        .put(t.api(&format!("/api/v1/videos/{vid}/rate")))
        .bearer_auth(&bob)
        .json(&json!({ "rating": "like" }))
        .send()
        .await
        .expect("rate");
    assert_eq!(r.status(), 204);
    let rating = t
        .get_json(&format!("/api/v1/users/me/videos/{vid}/rating"), Some(&bob))
        .await;
    assert_eq!(rating["rating"], "like");
    assert_eq!(rating["videoId"].as_i64(), Some(vid));
    // Liking twice still counts one like.
    let r = t
        .client
        .put(t.api(&format!("/api/v1/videos/{vid}/rate")))
        .bearer_auth(&bob)
        .json(&json!({ "rating": "like" }))
        .send()
        .await
        .expect("rate");
    assert_eq!(r.status(), 204);
    let v = t.get_json(&format!("/api/v1/videos/{vid}"), None).await;
    assert_eq!(v["likes"], 1, "likes");
    assert_eq!(v["dislikes"], 0, "dislikes");
    let r = t
        .client
        .put(t.api(&format!("/api/v1/videos/{vid}/rate")))
        .bearer_auth(&bob)
        .json(&json!({ "rating": "dislike" }))
        .send()
        .await
        .expect("rate");
    assert_eq!(r.status(), 204);
    let v = t.get_json(&format!("/api/v1/videos/{vid}"), None).await;
    assert_eq!(
        (v["likes"].as_i64(), v["dislikes"].as_i64()),
        (Some(0), Some(1))
    );
    let r = t
        .client
        .put(t.api(&format!("/api/v1/videos/{vid}/rate")))
        .bearer_auth(&bob)
        .json(&json!({ "rating": "love" }))
        .send()
        .await
        .expect("rate");
    assert_problem(r, 400, "bad rating").await;
    let r = t
        .client
        .put(t.api(&format!("/api/v1/videos/{vid}/rate")))
        .json(&json!({ "rating": "like" }))
        .send()
        .await
        .expect("rate");
    assert_problem(r, 401, "anonymous rating").await;

    // Views: counted once per address.
    for _ in 0..3 {
        let r = t
            .client
            .post(t.api(&format!("/api/v1/videos/{uuid}/views")))
            .send()
            .await
            .expect("view");
        assert_eq!(r.status(), 204);
    }
    // Anonymous reads may be served from the public cache for up to its TTL (1 s), so the
    // count shows up eventually, like PeerTube's buffered views; then it must stay at one.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let v = t.get_json(&format!("/api/v1/videos/{vid}"), None).await;
        if v["views"] == 1 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "view not counted: {}",
            v["views"]
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let v = t.get_json(&format!("/api/v1/videos/{vid}"), None).await;
    assert_eq!(v["views"], 1, "views counted once per IP");
    let r = t
        .client
        .post(t.api("/api/v1/videos/999999/views"))
        .send()
        .await
        .expect("view");
    assert_problem(r, 404, "view of an unknown video").await;
}

on_both_backends!(users);

/// Self-registration: refused while disabled; when enabled, validated, unique, and capped.
async fn registration(backend: Backend) {
    let closed = TestApp::start(backend).await;
    let body =
        json!({ "username": "newbie", "password": "newbie-pass", "email": "newbie@example.com" });
    let r = closed
        .client
        .post(closed.api("/api/v1/users/register"))
        .json(&body)
        .send()
        .await
        .expect("register");
    assert_problem(r, 403, "registration disabled").await;
    drop(closed);

    let t = TestApp::start_with(backend, "[signup]\nenabled = true\nlimit = 3\n").await;
    let register = |b: serde_json::Value| {
        let t = &t;
        async move {
            t.client
                .post(t.api("/api/v1/users/register"))
                .json(&b)
                .send()
                .await
                .expect("register")
        }
    };
    let r = register(json!({ "username": "newbie", "password": "newbie-pass", "email": "newbie@example.com", "displayName": "New Bie",
        "channel": { "name": "newbie_videos", "displayName": "Newbie's videos" } }))
    .await;
    assert_eq!(r.status(), 204, "{}", r.text().await.unwrap_or_default());
    let token = t.token("newbie", "newbie-pass").await;
    let me = t.me(&token).await;
    assert_eq!(me["role"]["id"], 2);
    assert_eq!(me["account"]["displayName"], "New Bie");
    assert_eq!(me["videoChannels"][0]["name"], "newbie_videos");
    assert_problem(register(json!({ "username": "newbie", "password": "another-pass", "email": "other@example.com" })).await, 409, "same username").await;
    assert_problem(
        register(
            json!({ "username": "Bad Name", "password": "another-pass", "email": "b@example.com" }),
        )
        .await,
        400,
        "bad username",
    )
    .await;
    assert_problem(
        register(json!({ "username": "shortpw", "password": "x", "email": "s@example.com" })).await,
        400,
        "short password",
    )
    .await;
    assert_problem(
        register(json!({ "username": "bademail", "password": "another-pass", "email": "nope" }))
            .await,
        400,
        "bad email",
    )
    .await;
    assert_problem(
        register(json!({ "username": 12 })).await,
        400,
        "wrong types",
    )
    .await;
    let r = register(
        json!({ "username": "second", "password": "second-pass", "email": "second@example.com" }),
    )
    .await;
    assert_eq!(r.status(), 204);
    // As PeerTube, the limit counts every user (root included): root + 2 reach 3.
    assert_problem(
        register(
            json!({ "username": "third", "password": "third-pass", "email": "third@example.com" }),
        )
        .await,
        403,
        "limit reached",
    )
    .await;
}

on_both_backends!(registration);
