//! Video playlists over HTTP: every endpoint of PeerTube's "Video Playlists" tag, the lists of
//! accounts and channels, "Watch later", videos-exist, search, privacy rules, bad input, the
//! ActivityPub documents; and a federation between two instances (B follows A: A's public
//! playlist with its elements appears on B, its updates and deletion follow).

use crate::common::*;
use crate::federation::{until, FEDERATION_CONFIG};
use serde_json::{json, Value};
use std::time::Duration;

async fn send_json(
    t: &TestInstance,
    method: reqwest::Method,
    path: &str,
    token: Option<&str>,
    body: &Value,
) -> reqwest::Response {
    let mut r = t.client.request(method, t.api(path)).json(body);
    if let Some(tok) = token {
        r = r.bearer_auth(tok);
    }
    r.send().await.expect("request")
}

async fn post(t: &TestInstance, path: &str, token: Option<&str>, body: Value) -> reqwest::Response {
    send_json(t, reqwest::Method::POST, path, token, &body).await
}

async fn put(t: &TestInstance, path: &str, token: Option<&str>, body: Value) -> reqwest::Response {
    send_json(t, reqwest::Method::PUT, path, token, &body).await
}

async fn delete(t: &TestInstance, path: &str, token: Option<&str>) -> reqwest::Response {
    let mut r = t.client.delete(t.api(path));
    if let Some(tok) = token {
        r = r.bearer_auth(tok);
    }
    r.send().await.expect("delete")
}

async fn ok_json(r: reqwest::Response, what: &str) -> Value {
    let st = r.status().as_u16();
    let text = r.text().await.unwrap_or_default();
    assert_eq!(st, 200, "{what}: {text}");
    serde_json::from_str(&text).expect("json")
}

async fn no_content(r: reqwest::Response, what: &str) {
    let st = r.status().as_u16();
    let text = r.text().await.unwrap_or_default();
    assert_eq!(st, 204, "{what}: {text}");
}

/// Creates a playlist from a multipart form; answers `{id, uuid, shortUUID}`.
async fn create_form(
    t: &TestInstance,
    token: &str,
    fields: &[(&str, &str)],
    thumbnail: Option<Vec<u8>>,
) -> reqwest::Response {
    let files: Vec<(&str, &str, Vec<u8>)> = thumbnail
        .map(|b| vec![("thumbnailfile", "thumb.png", b)])
        .unwrap_or_default();
    let (ct, body) = multipart(fields, &files);
    t.client
        .post(t.api("/api/v1/video-playlists"))
        .bearer_auth(token)
        .header("content-type", ct)
        .body(body)
        .send()
        .await
        .expect("create playlist")
}

fn png(dir: &std::path::Path) -> Vec<u8> {
    let path = dir.join("thumb.png");
    let st = std::process::Command::new("ffmpeg")
        .args(["-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi"])
        .args(["-i", "color=c=red:s=64x36", "-frames:v", "1"])
        .arg(&path)
        .status()
        .expect("ffmpeg");
    assert!(st.success());
    std::fs::read(path).expect("png")
}

async fn upload(
    t: &TestInstance,
    token: &str,
    clip: &std::path::Path,
    channel: i64,
    name: &str,
    privacy: i64,
) -> Value {
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
    let v = ok_json(r, "upload").await;
    let uuid = v["video"]["uuid"].as_str().expect("uuid").to_string();
    t.wait_published(&uuid, Some(token)).await
}

fn uuids_of(list: &Value) -> Vec<String> {
    list["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(|p| p["uuid"].as_str().unwrap_or("").to_string())
        .collect()
}

fn element_videos(list: &Value) -> Vec<Value> {
    list["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(|e| e["video"]["uuid"].clone())
        .collect()
}

async fn playlists(backend: Backend) {
    let t = TestInstance::start_with(backend, "[transcoding]\nresolutions = [144]\n").await;
    let dir = tempfile::tempdir().expect("tmp");
    let clip = make_clip(dir.path(), "p.mp4", 2, 320, 240);
    let root = t.root_token().await;
    t.create_user(&root, "alice", "alice-password", 2, None)
        .await;
    t.create_user(&root, "bob", "bob-password", 2, None).await;
    let alice = t.token("alice", "alice-password").await;
    let bob = t.token("bob", "bob-password").await;
    let channel = t.channel_id(&root).await;
    let alice_channel = t.channel_id(&alice).await;
    let v1 = upload(&t, &root, &clip, channel, "first clip", 1).await;
    let v2 = upload(&t, &root, &clip, channel, "second clip", 1).await;
    let hidden = upload(&t, &root, &clip, channel, "private clip", 3).await;
    let (v1u, v2u) = (v1["uuid"].clone(), v2["uuid"].clone());

    // Privacies.
    let pr = t.get_json("/api/v1/video-playlists/privacies", None).await;
    assert_eq!(
        pr,
        json!({ "1": "Public", "2": "Unlisted", "3": "Private" })
    );

    // "Watch later": every user has one, private, listed to its owner only.
    let mine = t
        .get_json("/api/v1/accounts/alice/video-playlists", Some(&alice))
        .await;
    assert_eq!(mine["total"], 1, "{mine}");
    assert_eq!(
        mine["data"][0]["type"],
        json!({ "id": 2, "label": "Watch later" })
    );
    assert_eq!(mine["data"][0]["privacy"]["id"], 3);
    let wl = mine["data"][0]["id"].as_i64().unwrap();
    let anon = t
        .get_json("/api/v1/accounts/alice/video-playlists", None)
        .await;
    assert_eq!(anon["total"], 0, "{anon}");
    assert_problem(
        put(
            &t,
            &format!("/api/v1/video-playlists/{wl}"),
            Some(&alice),
            json!({ "displayName": "x" }),
        )
        .await,
        400,
        "update watch later",
    )
    .await;
    assert_problem(
        delete(&t, &format!("/api/v1/video-playlists/{wl}"), Some(&alice)).await,
        400,
        "delete watch later",
    )
    .await;

    // Creation: multipart with a thumbnail, as PeerTube's client sends it.
    let ch = channel.to_string();
    let r = create_form(
        &t,
        &root,
        &[
            ("displayName", "Road trip"),
            ("description", "Clips of the road"),
            ("privacy", "1"),
            ("videoChannelId", &ch),
        ],
        Some(png(dir.path())),
    )
    .await;
    let created = ok_json(r, "create").await;
    let pl = &created["videoPlaylist"];
    let (pid, puuid) = (
        pl["id"].as_i64().unwrap(),
        pl["uuid"].as_str().unwrap().to_string(),
    );
    let short = pl["shortUUID"].as_str().unwrap().to_string();
    for id in [pid.to_string(), puuid.clone(), short.clone()] {
        let p = t
            .get_json(&format!("/api/v1/video-playlists/{id}"), None)
            .await;
        assert_eq!(p["uuid"], puuid.as_str());
        assert_eq!(p["displayName"], "Road trip");
        assert_eq!(p["description"], "Clips of the road");
        assert_eq!(p["privacy"], json!({ "id": 1, "label": "Public" }));
        assert_eq!(p["type"]["id"], 1);
        assert_eq!(p["isLocal"], true);
        assert_eq!(p["videosLength"], 0);
        assert_eq!(p["videoChannel"]["name"], "root_channel");
        assert_eq!(p["ownerAccount"]["name"], "root");
        assert_eq!(p["url"], format!("{}/video-playlists/{puuid}", t.url));
        let thumb = p["thumbnailPath"].as_str().expect("thumbnail").to_string();
        let r = t.get(&thumb, None).send().await.expect("thumb");
        assert_eq!(r.status(), 200, "{thumb}");
    }

    // Bad input changes nothing.
    let before = t.get_json("/api/v1/video-playlists?count=100", None).await["total"].clone();
    for (fields, status, what) in [
        (
            vec![("privacy", "1"), ("videoChannelId", ch.as_str())],
            400,
            "no name",
        ),
        (
            vec![("displayName", ""), ("privacy", "3")],
            400,
            "empty name",
        ),
        (
            vec![("displayName", "x"), ("privacy", "9")],
            400,
            "bad privacy",
        ),
        (
            vec![("displayName", "x"), ("privacy", "1")],
            400,
            "public without channel",
        ),
        (
            vec![("displayName", "x"), ("description", "ab")],
            400,
            "short description",
        ),
        (
            vec![("displayName", "x"), ("videoChannelId", "abc")],
            400,
            "bad channel id",
        ),
    ] {
        assert_problem(create_form(&t, &root, &fields, None).await, status, what).await;
    }
    let ac = alice_channel.to_string();
    assert_problem(
        create_form(
            &t,
            &root,
            &[("displayName", "x"), ("videoChannelId", &ac)],
            None,
        )
        .await,
        403,
        "another user's channel",
    )
    .await;
    assert_problem(
        create_form(
            &t,
            &root,
            &[("displayName", "x")],
            Some(b"not an image".to_vec()),
        )
        .await,
        400,
        "unreadable thumbnail",
    )
    .await;
    assert_problem(
        post(
            &t,
            "/api/v1/video-playlists",
            None,
            json!({ "displayName": "x" }),
        )
        .await,
        401,
        "anonymous create",
    )
    .await;
    let after = t.get_json("/api/v1/video-playlists?count=100", None).await["total"].clone();
    assert_eq!(before, after, "a refused create changed the list");
    assert_problem(
        t.get("/api/v1/video-playlists/not-an-id", None)
            .send()
            .await
            .unwrap(),
        400,
        "malformed id",
    )
    .await;
    assert_problem(
        t.get("/api/v1/video-playlists/99999", None)
            .send()
            .await
            .unwrap(),
        404,
        "unknown id",
    )
    .await;

    // Elements: add with timestamps, in order.
    let vids = format!("/api/v1/video-playlists/{puuid}/videos");
    let e1 = ok_json(
        post(
            &t,
            &vids,
            Some(&root),
            json!({ "videoId": v1["id"], "startTimestamp": 0, "stopTimestamp": 1 }),
        )
        .await,
        "add v1",
    )
    .await["videoPlaylistElement"]["id"]
        .as_i64()
        .unwrap();
    let e2 = ok_json(
        post(&t, &vids, Some(&root), json!({ "videoId": v2u })).await,
        "add v2",
    )
    .await["videoPlaylistElement"]["id"]
        .as_i64()
        .unwrap();
    let e3 = ok_json(
        post(
            &t,
            &vids,
            Some(&root),
            json!({ "videoId": hidden["shortUUID"] }),
        )
        .await,
        "add private",
    )
    .await["videoPlaylistElement"]["id"]
        .as_i64()
        .unwrap();
    for (body, status, what) in [
        (json!({}), 400, "no video"),
        (json!({ "videoId": "nope!" }), 400, "bad video id"),
        (
            json!({ "videoId": "00000000-0000-4000-8000-000000000000" }),
            404,
            "unknown video",
        ),
        (
            json!({ "videoId": v1["id"], "startTimestamp": -1 }),
            400,
            "negative start",
        ),
        (
            json!({ "videoId": v1["id"], "startTimestamp": 60 }),
            400,
            "start past the end",
        ),
        (
            json!({ "videoId": v1["id"], "startTimestamp": 1, "stopTimestamp": 1 }),
            400,
            "stop not after start",
        ),
        (
            json!({ "videoId": v1["id"], "stopTimestamp": "soon" }),
            400,
            "bad stop",
        ),
    ] {
        assert_problem(post(&t, &vids, Some(&root), body).await, status, what).await;
    }
    assert_problem(
        post(&t, &vids, Some(&bob), json!({ "videoId": v1["id"] })).await,
        403,
        "bob adds",
    )
    .await;
    assert_problem(
        post(&t, &vids, None, json!({ "videoId": v1["id"] })).await,
        401,
        "anonymous adds",
    )
    .await;
    let list = t.get_json(&vids, Some(&root)).await;
    assert_eq!(list["total"], 3, "{list}");
    assert_eq!(
        element_videos(&list),
        vec![v1u.clone(), v2u.clone(), hidden["uuid"].clone()]
    );
    assert_eq!(list["data"][0]["position"], 1);
    assert_eq!(list["data"][0]["startTimestamp"], 0);
    assert_eq!(list["data"][0]["stopTimestamp"], 1);
    assert_eq!(list["data"][1]["startTimestamp"], Value::Null);
    // Others see the private video's element without its video.
    let anon_list = t.get_json(&vids, None).await;
    assert_eq!(anon_list["data"][2]["video"], Value::Null, "{anon_list}");
    assert_eq!(anon_list["data"][2]["type"], 2);
    assert_eq!(anon_list["data"][0]["type"], 0);
    let p = t
        .get_json(&format!("/api/v1/video-playlists/{pid}"), None)
        .await;
    assert_eq!(p["videosLength"], 3);

    // Element timestamps.
    let el = |id: i64| format!("{vids}/{id}");
    no_content(
        put(&t, &el(e2), Some(&root), json!({ "startTimestamp": 1 })).await,
        "set start",
    )
    .await;
    assert_problem(
        put(&t, &el(e2), Some(&root), json!({ "stopTimestamp": 1 })).await,
        400,
        "stop at start",
    )
    .await;
    assert_problem(
        put(&t, &el(e2), Some(&bob), json!({ "startTimestamp": 0 })).await,
        403,
        "bob edits",
    )
    .await;
    assert_problem(
        put(&t, &el(424242), Some(&root), json!({ "startTimestamp": 0 })).await,
        404,
        "unknown element",
    )
    .await;
    let list = t.get_json(&vids, Some(&root)).await;
    assert_eq!(list["data"][1]["startTimestamp"], 1);
    assert_eq!(list["data"][1]["stopTimestamp"], Value::Null);

    // Reorder: the first after the third, then the last two first.
    let reorder = format!("{vids}/reorder");
    no_content(
        post(
            &t,
            &reorder,
            Some(&root),
            json!({ "startPosition": 1, "insertAfterPosition": 3 }),
        )
        .await,
        "reorder",
    )
    .await;
    let list = t.get_json(&vids, Some(&root)).await;
    assert_eq!(
        element_videos(&list),
        vec![v2u.clone(), hidden["uuid"].clone(), v1u.clone()]
    );
    no_content(
        post(
            &t,
            &reorder,
            Some(&root),
            json!({ "startPosition": 2, "insertAfterPosition": 0, "reorderLength": 2 }),
        )
        .await,
        "reorder block",
    )
    .await;
    let list = t.get_json(&vids, Some(&root)).await;
    assert_eq!(
        element_videos(&list),
        vec![hidden["uuid"].clone(), v1u.clone(), v2u.clone()]
    );
    for (body, what) in [
        (
            json!({ "startPosition": 4, "insertAfterPosition": 0 }),
            "start past the end",
        ),
        (
            json!({ "startPosition": 1, "insertAfterPosition": 9 }),
            "insert past the end",
        ),
        (
            json!({ "startPosition": 0, "insertAfterPosition": 1 }),
            "start 0",
        ),
        (json!({ "insertAfterPosition": 1 }), "no start"),
    ] {
        assert_problem(post(&t, &reorder, Some(&root), body).await, 400, what).await;
    }
    assert_problem(
        post(
            &t,
            &reorder,
            Some(&bob),
            json!({ "startPosition": 1, "insertAfterPosition": 2 }),
        )
        .await,
        403,
        "bob reorders",
    )
    .await;
    assert_eq!(
        element_videos(&t.get_json(&vids, Some(&root)).await),
        vec![hidden["uuid"].clone(), v1u.clone(), v2u.clone()]
    );

    // Remove: the others close up.
    assert_problem(delete(&t, &el(e3), Some(&bob)).await, 403, "bob removes").await;
    no_content(delete(&t, &el(e3), Some(&root)).await, "remove").await;
    assert_problem(delete(&t, &el(e3), Some(&root)).await, 404, "removed twice").await;
    let list = t.get_json(&vids, Some(&root)).await;
    assert_eq!(element_videos(&list), vec![v1u.clone(), v2u.clone()]);
    assert_eq!(list["data"][0]["position"], 1);
    assert_eq!(list["data"][1]["position"], 2);
    assert_eq!(list["data"][0]["id"], e1);

    // videos-exist.
    let ex = t
        .get_json(
            &format!(
                "/api/v1/users/me/video-playlists/videos-exist?videoIds={}&videoIds={}&videoIds=999999",
                v1["id"], hidden["id"]
            ),
            Some(&root),
        )
        .await;
    let k1 = v1["id"].to_string();
    assert_eq!(ex[&k1][0]["playlistId"], pid, "{ex}");
    assert_eq!(ex[&k1][0]["playlistElementId"], e1);
    assert_eq!(ex[&k1][0]["stopTimestamp"], 1);
    assert_eq!(ex[&hidden["id"].to_string()], json!([]));
    assert_eq!(ex["999999"], json!([]));
    let ex = t
        .get_json(
            &format!(
                "/api/v1/users/me/video-playlists/videos-exist?videoIds={}",
                v1["id"]
            ),
            Some(&bob),
        )
        .await;
    assert_eq!(ex[&k1], json!([]));
    assert_problem(
        t.get(
            "/api/v1/users/me/video-playlists/videos-exist?videoIds=abc",
            Some(&root),
        )
        .send()
        .await
        .unwrap(),
        400,
        "bad videoIds",
    )
    .await;
    assert_problem(
        t.get(
            "/api/v1/users/me/video-playlists/videos-exist?videoIds=1",
            None,
        )
        .send()
        .await
        .unwrap(),
        401,
        "anonymous videos-exist",
    )
    .await;

    // Privacy: private (no channel) and unlisted playlists of alice.
    let private = ok_json(
        post(
            &t,
            "/api/v1/video-playlists",
            Some(&alice),
            json!({ "displayName": "Secret stash", "privacy": 3 }),
        )
        .await,
        "private",
    )
    .await["videoPlaylist"]
        .clone();
    let unlisted = ok_json(
        post(
            &t,
            "/api/v1/video-playlists",
            Some(&alice),
            json!({ "displayName": "Link only", "privacy": 2, "videoChannelId": alice_channel }),
        )
        .await,
        "unlisted",
    )
    .await["videoPlaylist"]
        .clone();
    let priv_path = format!(
        "/api/v1/video-playlists/{}",
        private["uuid"].as_str().unwrap()
    );
    assert_problem(
        t.get(&priv_path, None).send().await.unwrap(),
        401,
        "private anon",
    )
    .await;
    assert_problem(
        t.get(&priv_path, Some(&bob)).send().await.unwrap(),
        403,
        "private other",
    )
    .await;
    assert_problem(
        t.get(&format!("{priv_path}/videos"), Some(&bob))
            .send()
            .await
            .unwrap(),
        403,
        "private videos other",
    )
    .await;
    t.get_json(&priv_path, Some(&alice)).await;
    let ul_uuid = unlisted["uuid"].as_str().unwrap();
    t.get_json(&format!("/api/v1/video-playlists/{ul_uuid}"), None)
        .await;
    assert_problem(
        t.get(&format!("/api/v1/video-playlists/{}", unlisted["id"]), None)
            .send()
            .await
            .unwrap(),
        404,
        "unlisted by numeric id",
    )
    .await;
    for (path, token) in [
        ("/api/v1/video-playlists?count=100", None),
        ("/api/v1/video-playlists?count=100", Some(bob.as_str())),
        ("/api/v1/accounts/alice/video-playlists", None),
        ("/api/v1/accounts/alice/video-playlists", Some(bob.as_str())),
        ("/api/v1/video-channels/alice_channel/video-playlists", None),
        (
            "/api/v1/search/video-playlists?search=stash",
            Some(bob.as_str()),
        ),
        ("/api/v1/search/video-playlists?search=link", None),
    ] {
        let l = t.get_json(path, token).await;
        let ids = uuids_of(&l);
        assert!(
            !ids.contains(&private["uuid"].as_str().unwrap().to_string()),
            "{path}: {l}"
        );
        assert!(!ids.contains(&ul_uuid.to_string()), "{path}: {l}");
    }
    let own = t
        .get_json("/api/v1/accounts/alice/video-playlists", Some(&alice))
        .await;
    assert_eq!(own["total"], 3, "{own}");
    let own_wl = t
        .get_json(
            "/api/v1/accounts/alice/video-playlists?playlistType=2",
            Some(&alice),
        )
        .await;
    assert_eq!(own_wl["total"], 1, "{own_wl}");
    // Only the owner edits.
    assert_problem(
        put(
            &t,
            &priv_path,
            Some(&bob),
            json!({ "displayName": "mine now" }),
        )
        .await,
        403,
        "bob updates",
    )
    .await;
    assert_problem(
        put(&t, &priv_path, Some(&alice), json!({ "privacy": 1 })).await,
        400,
        "public without channel",
    )
    .await;
    assert_problem(
        put(&t, &priv_path, Some(&alice), json!({ "privacy": "x" })).await,
        400,
        "bad privacy",
    )
    .await;
    no_content(
        put(
            &t,
            &priv_path,
            Some(&alice),
            json!({ "displayName": "Stash", "description": null }),
        )
        .await,
        "update",
    )
    .await;
    let p = t.get_json(&priv_path, Some(&alice)).await;
    assert_eq!(p["displayName"], "Stash");
    assert_eq!(p["privacy"]["id"], 3);

    // Public lists: the instance's, root's account and channel; search by name.
    let l = t.get_json("/api/v1/video-playlists", None).await;
    assert_eq!(uuids_of(&l), vec![puuid.clone()], "{l}");
    assert_eq!(l["data"][0]["videosLength"], 2);
    let l = t
        .get_json("/api/v1/accounts/root/video-playlists", None)
        .await;
    assert_eq!(uuids_of(&l), vec![puuid.clone()], "{l}");
    let l = t
        .get_json("/api/v1/search/video-playlists?search=road", None)
        .await;
    assert_eq!(uuids_of(&l), vec![puuid.clone()], "{l}");
    let l = t
        .get_json(
            "/api/v1/search/video-playlists?search=nothing-like-it",
            None,
        )
        .await;
    assert_eq!(l["total"], 0);
    let l = t
        .get_json(
            &format!(
                "/api/v1/search/video-playlists?search={}/w/p/{short}",
                t.url
            ),
            None,
        )
        .await;
    assert_eq!(uuids_of(&l), vec![puuid.clone()], "{l}");
    assert_problem(
        t.get("/api/v1/video-playlists?playlistType=7", None)
            .send()
            .await
            .unwrap(),
        400,
        "bad playlistType",
    )
    .await;
    assert_problem(
        t.get("/api/v1/video-playlists?sort=nope", None)
            .send()
            .await
            .unwrap(),
        400,
        "bad sort",
    )
    .await;

    // Channel order.
    let second = ok_json(
        post(
            &t,
            "/api/v1/video-playlists",
            Some(&root),
            json!({ "displayName": "Second list", "privacy": 1, "videoChannelId": channel }),
        )
        .await,
        "second",
    )
    .await["videoPlaylist"]["uuid"]
        .as_str()
        .unwrap()
        .to_string();
    let cl = "/api/v1/video-channels/root_channel/video-playlists";
    assert_eq!(
        uuids_of(&t.get_json(cl, None).await),
        vec![puuid.clone(), second.clone()]
    );
    no_content(
        post(
            &t,
            &format!("{cl}/reorder"),
            Some(&root),
            json!({ "startPosition": 2, "insertAfterPosition": 0 }),
        )
        .await,
        "channel reorder",
    )
    .await;
    let l = t.get_json(cl, None).await;
    assert_eq!(uuids_of(&l), vec![second.clone(), puuid.clone()]);
    assert_eq!(l["data"][0]["videoChannelPosition"], 1);
    assert_problem(
        post(
            &t,
            &format!("{cl}/reorder"),
            Some(&bob),
            json!({ "startPosition": 2, "insertAfterPosition": 0 }),
        )
        .await,
        403,
        "bob reorders root's channel",
    )
    .await;
    assert_problem(
        post(
            &t,
            &format!("{cl}/reorder"),
            Some(&root),
            json!({ "startPosition": 3, "insertAfterPosition": 0 }),
        )
        .await,
        400,
        "channel reorder past the end",
    )
    .await;

    // ActivityPub: the actor's playlists, the Playlist, its page, an element.
    let ap = |path: String| {
        let t = &t;
        async move {
            let r = t
                .client
                .get(t.abs(&path))
                .header("Accept", "application/activity+json")
                .send()
                .await
                .expect("ap");
            assert_eq!(r.status(), 200, "{path}");
            r.json::<Value>().await.expect("ap json")
        }
    };
    let coll = ap(format!("{}/accounts/root/playlists", t.url)).await;
    assert_eq!(coll["totalItems"], 2, "{coll}");
    let page = ap(format!(
        "{}/video-channels/root_channel/playlists?page=1",
        t.url
    ))
    .await;
    let items = page["orderedItems"].as_array().unwrap();
    assert!(
        items.contains(&json!(format!("{}/video-playlists/{puuid}", t.url))),
        "{page}"
    );
    let obj = ap(format!("{}/video-playlists/{puuid}", t.url)).await;
    assert_eq!(obj["type"], "Playlist");
    assert_eq!(obj["totalItems"], 2);
    assert_eq!(obj["name"], "Road trip");
    assert_eq!(
        obj["attributedTo"][0],
        format!("{}/video-channels/root_channel", t.url)
    );
    let page = ap(format!("{}/video-playlists/{puuid}?page=1", t.url)).await;
    let first = page["orderedItems"][0].as_str().unwrap().to_string();
    let element = ap(first).await;
    assert_eq!(element["type"], "PlaylistElement");
    assert_eq!(
        element["url"],
        format!("{}/videos/watch/{}", t.url, v1u.as_str().unwrap())
    );
    assert_eq!(element["position"], 1);
    assert_eq!(element["stopTimestamp"], 1);
    let r = t
        .client
        .get(format!(
            "{}/video-playlists/{}",
            t.url,
            private["uuid"].as_str().unwrap()
        ))
        .header("Accept", "application/activity+json")
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        404,
        "a private playlist is not served to other servers"
    );

    // A new thumbnail by a multipart update; a bad one changes nothing.
    let before = t
        .get_json(&format!("/api/v1/video-playlists/{puuid}"), None)
        .await;
    let update_form = |image: Vec<u8>| {
        let (ct, body) = multipart(
            &[("displayName", "Road trip")],
            &[("thumbnailfile", "t.png", image)],
        );
        t.client
            .put(t.api(&format!("/api/v1/video-playlists/{puuid}")))
            .bearer_auth(&root)
            .header("content-type", ct)
            .body(body)
            .send()
    };
    assert_problem(
        update_form(b"garbage".to_vec()).await.unwrap(),
        400,
        "bad thumbnail update",
    )
    .await;
    let same = t
        .get_json(&format!("/api/v1/video-playlists/{puuid}"), None)
        .await;
    assert_eq!(same["thumbnailPath"], before["thumbnailPath"]);
    no_content(
        update_form(png(dir.path())).await.unwrap(),
        "thumbnail update",
    )
    .await;
    let after = t
        .get_json(&format!("/api/v1/video-playlists/{puuid}"), None)
        .await;
    assert_ne!(after["thumbnailPath"], before["thumbnailPath"]);
    let r = t
        .get(after["thumbnailPath"].as_str().unwrap(), None)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);

    // Pages: the watch page, the embed path the API advertises, the URL for people.
    let p = t
        .get_json(&format!("/api/v1/video-playlists/{puuid}"), None)
        .await;
    for path in [
        format!("/w/p/{short}"),
        format!("/w/p/{puuid}"),
        p["embedPath"].as_str().unwrap().to_string(),
    ] {
        let r = t.get(&path, None).send().await.unwrap();
        assert_eq!(r.status(), 200, "{path}");
        let html = r.text().await.unwrap();
        assert!(
            html.contains("Road trip") && html.contains("first clip"),
            "{path}: {html}"
        );
        assert!(html.contains("data-stop=\"1\""), "{path}: {html}");
    }
    let r = t
        .get(&format!("/video-playlists/{puuid}"), None)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(
        header(&r, "location").as_deref(),
        Some(format!("/w/p/{puuid}").as_str())
    );
    let r = t
        .get(&format!("/w/p/{}", private["uuid"].as_str().unwrap()), None)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404, "a private playlist's page");

    // Deletion: only the owner; the elements go with it.
    assert_problem(
        delete(&t, &format!("/api/v1/video-playlists/{pid}"), Some(&bob)).await,
        403,
        "bob deletes",
    )
    .await;
    no_content(
        delete(&t, &format!("/api/v1/video-playlists/{pid}"), Some(&root)).await,
        "delete",
    )
    .await;
    assert_problem(
        t.get(&format!("/api/v1/video-playlists/{pid}"), None)
            .send()
            .await
            .unwrap(),
        404,
        "deleted",
    )
    .await;
    let ex = t
        .get_json(
            &format!(
                "/api/v1/users/me/video-playlists/videos-exist?videoIds={}",
                v1["id"]
            ),
            Some(&root),
        )
        .await;
    assert_eq!(ex[&k1], json!([]));
    // A video deleted leaves the playlists it was in.
    let wl_root = t
        .get_json(
            "/api/v1/accounts/root/video-playlists?playlistType=2",
            Some(&root),
        )
        .await["data"][0]["id"]
        .as_i64()
        .unwrap();
    ok_json(
        post(
            &t,
            &format!("/api/v1/video-playlists/{wl_root}/videos"),
            Some(&root),
            json!({ "videoId": v2["id"] }),
        )
        .await,
        "watch later add",
    )
    .await;
    no_content(
        delete(
            &t,
            &format!("/api/v1/videos/{}", v2u.as_str().unwrap()),
            Some(&root),
        )
        .await,
        "delete video",
    )
    .await;
    let l = t
        .get_json(
            &format!("/api/v1/video-playlists/{wl_root}/videos"),
            Some(&root),
        )
        .await;
    assert_eq!(l["total"], 0, "{l}");
}

on_both_backends!(playlists);

async fn playlist_names(t: &TestInstance) -> Vec<(String, i64)> {
    let l = t.get_json("/api/v1/video-playlists?count=100", None).await;
    l["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["displayName"].as_str().unwrap_or("").to_string(),
                p["videosLength"].as_i64().unwrap_or(-1),
            )
        })
        .collect()
}

/// B follows A; A's public playlist with two elements appears on B (listed, readable, its
/// elements playable there), then its update, its reorder and its deletion follow.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn playlists_federate() {
    let config = format!("{FEDERATION_CONFIG}[transcoding]\nresolutions = [144]\n");
    let a = TestInstance::start_at(Backend::Sqlite, "127.0.0.2", &config).await;
    let b = TestInstance::start_at(Backend::Postgres, "127.0.0.3", &config).await;
    let all = [&a, &b];
    let (ta, tb) = (a.root_token().await, b.root_token().await);
    let dir = tempfile::tempdir().expect("tmp");
    let clip = make_clip(dir.path(), "f.mp4", 2, 320, 240);
    let channel = a.channel_id(&ta).await;
    let v1 = upload(&a, &ta, &clip, channel, "fed one", 1).await;
    let v2 = upload(&a, &ta, &clip, channel, "fed two", 1).await;

    // A playlist made before the follow: B finds it by crawling what it learns (the outbox,
    // then the `playlists` collections of the accounts and channels there).
    let old = ok_json(
        post(
            &a,
            "/api/v1/video-playlists",
            Some(&ta),
            json!({ "displayName": "Older list", "privacy": 1, "videoChannelId": channel }),
        )
        .await,
        "create older",
    )
    .await["videoPlaylist"]["uuid"]
        .as_str()
        .unwrap()
        .to_string();
    ok_json(
        post(
            &a,
            &format!("/api/v1/video-playlists/{old}/videos"),
            Some(&ta),
            json!({ "videoId": v2["uuid"], "stopTimestamp": 1 }),
        )
        .await,
        "add to older",
    )
    .await;
    // Another one, found on B by its URL before any follow: a signed-in search fetches it,
    // an anonymous one only shows what is known.
    let looked_up = ok_json(
        post(
            &a,
            "/api/v1/video-playlists",
            Some(&ta),
            json!({ "displayName": "Looked up", "privacy": 2, "videoChannelId": channel }),
        )
        .await,
        "create looked up",
    )
    .await["videoPlaylist"]["uuid"]
        .as_str()
        .unwrap()
        .to_string();
    ok_json(
        post(
            &a,
            &format!("/api/v1/video-playlists/{looked_up}/videos"),
            Some(&ta),
            json!({ "videoId": v1["uuid"] }),
        )
        .await,
        "add to looked up",
    )
    .await;
    let lookup = format!(
        "/api/v1/search/video-playlists?search={}/video-playlists/{looked_up}",
        a.url
    );
    assert_eq!(
        b.get_json(&lookup, None).await["total"],
        0,
        "anonymous lookup"
    );
    let found = b.get_json(&lookup, Some(&tb)).await;
    assert_eq!(found["total"], 1, "{found}");
    assert_eq!(found["data"][0]["uuid"], looked_up.as_str());
    assert_eq!(found["data"][0]["privacy"]["id"], 2);
    assert_eq!(found["data"][0]["videosLength"], 1);
    assert_eq!(b.get_json(&lookup, None).await["total"], 1, "known now");
    assert!(
        !playlist_names(&b)
            .await
            .iter()
            .any(|(n, _)| n == "Looked up"),
        "an unlisted playlist is not listed"
    );

    no_content(
        post(
            &b,
            "/api/v1/server/following",
            Some(&tb),
            json!({ "hosts": [a.host] }),
        )
        .await,
        "follow",
    )
    .await;
    until(Duration::from_secs(30), "B follows A", &all, || async {
        let l = b.get_json("/api/v1/server/following", None).await;
        (l["data"][0]["state"] == "accepted").then_some(())
    })
    .await;

    let pl = ok_json(
        post(
            &a,
            "/api/v1/video-playlists",
            Some(&ta),
            json!({ "displayName": "Federated list", "privacy": 1, "videoChannelId": channel }),
        )
        .await,
        "create",
    )
    .await["videoPlaylist"]
        .clone();
    let puuid = pl["uuid"].as_str().unwrap().to_string();
    let vids = format!("/api/v1/video-playlists/{puuid}/videos");
    ok_json(
        post(
            &a,
            &vids,
            Some(&ta),
            json!({ "videoId": v1["uuid"], "startTimestamp": 1 }),
        )
        .await,
        "add 1",
    )
    .await;
    ok_json(
        post(&a, &vids, Some(&ta), json!({ "videoId": v2["uuid"] })).await,
        "add 2",
    )
    .await;

    until(
        Duration::from_secs(60),
        "the playlist on B with two elements",
        &all,
        || async {
            let names = playlist_names(&b).await;
            names
                .contains(&("Federated list".to_string(), 2))
                .then_some(())
        },
    )
    .await;
    until(
        Duration::from_secs(60),
        "the older playlist on B",
        &all,
        || async {
            playlist_names(&b)
                .await
                .contains(&("Older list".to_string(), 1))
                .then_some(())
        },
    )
    .await;
    let els = b
        .get_json(&format!("/api/v1/video-playlists/{old}/videos"), None)
        .await;
    assert_eq!(els["data"][0]["video"]["uuid"], v2["uuid"], "{els}");
    assert_eq!(els["data"][0]["stopTimestamp"], 1);
    let on_b = b
        .get_json(&format!("/api/v1/video-playlists/{puuid}"), None)
        .await;
    assert_eq!(on_b["isLocal"], false);
    assert_eq!(on_b["uuid"], puuid.as_str());
    assert_eq!(on_b["url"], format!("{}/video-playlists/{puuid}", a.url));
    assert_eq!(on_b["ownerAccount"]["host"], a.host.as_str());
    assert_eq!(on_b["videoChannel"]["host"], a.host.as_str());
    let els = b
        .get_json(&format!("/api/v1/video-playlists/{puuid}/videos"), None)
        .await;
    assert_eq!(els["total"], 2, "{els}");
    assert_eq!(els["data"][0]["video"]["uuid"], v1["uuid"]);
    assert_eq!(els["data"][0]["startTimestamp"], 1);
    assert_eq!(els["data"][1]["video"]["uuid"], v2["uuid"]);
    assert_eq!(els["data"][1]["video"]["isLocal"], false);
    // B's users cannot change it.
    assert_problem(
        put(
            &b,
            &format!("/api/v1/video-playlists/{puuid}"),
            Some(&tb),
            json!({ "displayName": "hijack" }),
        )
        .await,
        403,
        "remote playlist edited on B",
    )
    .await;

    // Update and reorder follow.
    no_content(
        put(
            &a,
            &format!("/api/v1/video-playlists/{puuid}"),
            Some(&ta),
            json!({ "displayName": "Renamed list" }),
        )
        .await,
        "rename",
    )
    .await;
    no_content(
        post(
            &a,
            &format!("{vids}/reorder"),
            Some(&ta),
            json!({ "startPosition": 2, "insertAfterPosition": 0 }),
        )
        .await,
        "reorder",
    )
    .await;
    until(
        Duration::from_secs(60),
        "the rename and reorder on B",
        &all,
        || async {
            let p = b
                .try_get_json(&format!("/api/v1/video-playlists/{puuid}"), None)
                .await
                .ok()?;
            let els = b
                .try_get_json(&format!("/api/v1/video-playlists/{puuid}/videos"), None)
                .await
                .ok()?;
            (p["displayName"] == "Renamed list" && els["data"][0]["video"]["uuid"] == v2["uuid"])
                .then_some(())
        },
    )
    .await;

    // Deletion follows.
    no_content(
        delete(&a, &format!("/api/v1/video-playlists/{puuid}"), Some(&ta)).await,
        "delete",
    )
    .await;
    until(
        Duration::from_secs(60),
        "the deletion on B",
        &all,
        || async {
            let st = b
                .get(&format!("/api/v1/video-playlists/{puuid}"), None)
                .send()
                .await
                .ok()?
                .status();
            (st == 404).then_some(())
        },
    )
    .await;
}
