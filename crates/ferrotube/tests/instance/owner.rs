//! Owners' tools: avatars and banners (upload, sizes, static files, REST, refusals), a video's
//! source (metadata, the owner-only download of the kept original) and its replacement (the
//! new file plays, the old HLS files go, bad files change nothing); and between two instances,
//! a channel's new avatar and a replaced video reaching a follower.

use crate::common::*;
use crate::federation::{until, FEDERATION_CONFIG};
use serde_json::{json, Value};
use std::path::Path;
use std::process::Command;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(60);

/// A one-colour image; its format follows `name`'s extension (an animated GIF for `.gif`).
fn make_png(dir: &Path, name: &str, w: u32, h: u32) -> Vec<u8> {
    let out = dir.join(name);
    let frames = if name.ends_with(".gif") { "3" } else { "1" };
    let st = Command::new("ffmpeg")
        .args([
            "-hide_banner",
            "-loglevel",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
        ])
        .arg(format!("color=c=red:s={w}x{h}:r=5"))
        .args(["-frames:v", frames])
        .arg(&out)
        .status()
        .expect("run ffmpeg");
    assert!(st.success());
    std::fs::read(&out).expect("png")
}

async fn pick(
    t: &TestInstance,
    token: &str,
    path: &str,
    field: &str,
    filename: &str,
    bytes: Vec<u8>,
) -> reqwest::Response {
    let (ct, body) = multipart(&[], &[(field, filename, bytes)]);
    t.client
        .post(t.api(path))
        .bearer_auth(token)
        .header("Content-Type", ct)
        .body(body)
        .send()
        .await
        .expect("pick")
}

async fn status(r: reqwest::Response) -> u16 {
    r.status().as_u16()
}

/// Checks an `avatars`/`banners` list: the sizes, each file served as a JPEG of its size.
async fn check_images(t: &TestInstance, list: &Value, sizes: &[(u64, u64)]) {
    let arr = list.as_array().expect("an array of images");
    assert_eq!(arr.len(), sizes.len(), "{list}");
    for (img, (w, h)) in arr.iter().zip(sizes) {
        assert_eq!(img["width"], *w, "{img}");
        assert_eq!(img["height"], *h, "{img}");
        let path = img["path"].as_str().expect("path");
        assert!(
            path.starts_with("/lazy-static/avatars/") || path.starts_with("/lazy-static/banners/"),
            "{path}"
        );
        assert_eq!(img["fileUrl"], format!("{}{path}", t.url), "{img}");
        let probe = ffprobe(&format!("{}{path}", t.url));
        assert_eq!(probe["streams"][0]["width"], *w);
        assert_eq!(probe["streams"][0]["height"], *h);
    }
}

const AVATAR_SIZES: &[(u64, u64)] = &[(1500, 1500), (600, 600), (120, 120), (48, 48)];
const BANNER_SIZES: &[(u64, u64)] = &[(1920, 317), (600, 100)];

async fn avatars_and_banners(backend: Backend) {
    let t = TestInstance::start(backend).await;
    let root = t.root_token().await;
    let alice_id = t.create_user(&root, "alice", "secret-alice", 2, None).await;
    t.create_user(&root, "bob", "secret-bob", 2, None).await;
    let alice = t.token("alice", "secret-alice").await;
    let bob = t.token("bob", "secret-bob").await;
    let dir = tempfile::tempdir().expect("tmp");
    let png = make_png(dir.path(), "a.png", 300, 200);

    // The user's avatar: every size, served, shown on the account and on /users/me.
    let r = pick(
        &t,
        &alice,
        "/api/v1/users/me/avatar/pick",
        "avatarfile",
        "me.png",
        png.clone(),
    )
    .await;
    assert_eq!(r.status(), 200);
    let answer: Value = r.json().await.expect("json");
    check_images(&t, &answer["avatars"], AVATAR_SIZES).await;
    let account = t.get_json("/api/v1/accounts/alice", None).await;
    assert_eq!(account["avatars"], answer["avatars"], "{account}");
    assert_eq!(t.me(&alice).await["account"]["avatars"], answer["avatars"]);
    let first = answer["avatars"][0]["path"].as_str().unwrap().to_string();

    // Refused, and nothing changes: not an image, a wrong extension, too large, no file, no token.
    let r = pick(
        &t,
        &alice,
        "/api/v1/users/me/avatar/pick",
        "avatarfile",
        "x.png",
        b"not an image".to_vec(),
    )
    .await;
    assert_problem(r, 400, "a text file as an avatar").await;
    let r = pick(
        &t,
        &alice,
        "/api/v1/users/me/avatar/pick",
        "avatarfile",
        "x.txt",
        png.clone(),
    )
    .await;
    assert_problem(r, 400, "a .txt avatar").await;
    let r = pick(
        &t,
        &alice,
        "/api/v1/users/me/avatar/pick",
        "avatarfile",
        "big.png",
        vec![0u8; 4 * 1024 * 1024 + 1],
    )
    .await;
    let big = assert_problem(r, 413, "an avatar over 4 MiB").await;
    assert_eq!(big["code"], "max_file_size_reached", "{big}");
    let r = pick(
        &t,
        &alice,
        "/api/v1/users/me/avatar/pick",
        "other",
        "a.png",
        png.clone(),
    )
    .await;
    assert_problem(r, 400, "no avatarfile").await;
    let r = t
        .client
        .post(t.api("/api/v1/users/me/avatar/pick"))
        .send()
        .await
        .expect("anonymous");
    assert_eq!(r.status(), 401);
    let account = t.get_json("/api/v1/accounts/alice", None).await;
    assert_eq!(account["avatars"], answer["avatars"], "{account}");
    assert_eq!(
        status(t.get(&first, None).send().await.expect("get")).await,
        200
    );
    assert!(
        t.upload_temp_files().is_empty(),
        "{:?}",
        t.upload_temp_files()
    );

    // A GIF (animated) is taken too.
    let gif = make_png(dir.path(), "b.gif", 90, 60);
    let r = pick(
        &t,
        &bob,
        "/api/v1/users/me/avatar/pick",
        "avatarfile",
        "b.gif",
        gif,
    )
    .await;
    assert_eq!(r.status(), 200);
    let bob_avatars: Value = r.json().await.expect("json");
    check_images(&t, &bob_avatars["avatars"], AVATAR_SIZES).await;

    // The channel's avatar and banner, by its owner only.
    let channel = "/api/v1/video-channels/alice_channel";
    let r = pick(
        &t,
        &bob,
        &format!("{channel}/avatar/pick"),
        "avatarfile",
        "b.png",
        png.clone(),
    )
    .await;
    assert_problem(r, 403, "bob picks alice's channel avatar").await;
    let r = pick(
        &t,
        &alice,
        &format!("{channel}/banner/pick"),
        "bannerfile",
        "b.png",
        png.clone(),
    )
    .await;
    assert_eq!(r.status(), 200);
    let banners: Value = r.json().await.expect("json");
    check_images(&t, &banners["banners"], BANNER_SIZES).await;
    let r = pick(
        &t,
        &alice,
        &format!("{channel}/avatar/pick"),
        "avatarfile",
        "c.png",
        png.clone(),
    )
    .await;
    assert_eq!(r.status(), 200);
    let avatars: Value = r.json().await.expect("json");
    check_images(&t, &avatars["avatars"], AVATAR_SIZES).await;
    let c = t.get_json(channel, None).await;
    assert_eq!(c["avatars"], avatars["avatars"], "{c}");
    assert_eq!(c["banners"], banners["banners"], "{c}");
    assert_eq!(c["ownerAccount"]["avatars"], answer["avatars"], "{c}");
    let r = t
        .client
        .delete(t.api(&format!("{channel}/banner")))
        .bearer_auth(&bob)
        .send()
        .await
        .expect("delete");
    assert_problem(r, 403, "bob deletes alice's banner").await;
    assert_eq!(
        t.get_json(channel, None).await["banners"],
        banners["banners"]
    );

    // A new avatar replaces the old files; a deletion empties the list and removes the files.
    let r = pick(
        &t,
        &alice,
        "/api/v1/users/me/avatar/pick",
        "avatarfile",
        "me2.png",
        png.clone(),
    )
    .await;
    assert_eq!(r.status(), 200);
    assert_eq!(
        status(t.get(&first, None).send().await.expect("get")).await,
        404
    );
    let second: Value = r.json().await.expect("json");
    let second_path = second["avatars"][0]["path"].as_str().unwrap().to_string();
    let r = t
        .client
        .delete(t.api("/api/v1/users/me/avatar"))
        .bearer_auth(&alice)
        .send()
        .await
        .expect("delete");
    assert_eq!(r.status(), 204);
    assert_eq!(
        t.get_json("/api/v1/accounts/alice", None).await["avatars"],
        json!([])
    );
    assert_eq!(
        status(t.get(&second_path, None).send().await.expect("get")).await,
        404
    );
    let banner_path = banners["banners"][0]["path"].as_str().unwrap().to_string();
    let r = t
        .client
        .delete(t.api(&format!("{channel}/banner")))
        .bearer_auth(&alice)
        .send()
        .await
        .expect("delete");
    assert_eq!(r.status(), 204);
    let c = t.get_json(channel, None).await;
    assert_eq!(c["banners"], json!([]), "{c}");
    assert_eq!(c["avatars"], avatars["avatars"], "{c}");
    assert_eq!(
        status(t.get(&banner_path, None).send().await.expect("get")).await,
        404
    );
    // A deleted user's images go with it.
    let avatar_path = avatars["avatars"][0]["path"].as_str().unwrap().to_string();
    assert_eq!(
        status(t.get(&avatar_path, None).send().await.expect("get")).await,
        200
    );
    let r = t
        .client
        .delete(t.api(&format!("/api/v1/users/{alice_id}")))
        .bearer_auth(&root)
        .send()
        .await
        .expect("delete alice");
    assert_eq!(r.status(), 204);
    assert_eq!(
        status(t.get(&avatar_path, None).send().await.expect("get")).await,
        404
    );
}

/// `POST` + one `PUT` of the replace-resumable protocol; the `PUT`'s answer.
async fn replace(
    t: &TestInstance,
    token: &str,
    video: &str,
    filename: &str,
    data: Vec<u8>,
) -> reqwest::Response {
    let r = t
        .client
        .post(t.api(&format!("/api/v1/videos/{video}/source/replace-resumable")))
        .bearer_auth(token)
        .header("X-Upload-Content-Length", data.len().to_string())
        .header("X-Upload-Content-Type", "video/mp4")
        .json(&json!({ "filename": filename }))
        .send()
        .await
        .expect("replace init");
    if r.status() != 201 {
        return r;
    }
    let loc = r.headers()["location"].to_str().unwrap().to_string();
    assert!(
        loc.starts_with(&format!("//{}/api/v1/videos/", t.host))
            && loc.contains("/source/replace-resumable?upload_id="),
        "{loc}"
    );
    let total = data.len() as u64;
    t.put_chunk(token, &t.abs(&loc), data, 0, total).await
}

/// The highest HLS rung of a video's details.
fn top_resolution(v: &Value) -> Option<i64> {
    v["streamingPlaylists"][0]["files"]
        .as_array()?
        .iter()
        .filter_map(|f| f["resolution"]["id"].as_i64())
        .max()
}

async fn source_download_and_replace(backend: Backend) {
    let t = TestInstance::start(backend).await;
    let root = t.root_token().await;
    t.create_user(&root, "alice", "secret-alice", 2, None).await;
    t.create_user(&root, "bob", "secret-bob", 2, None).await;
    let alice = t.token("alice", "secret-alice").await;
    let bob = t.token("bob", "secret-bob").await;
    let dir = tempfile::tempdir().expect("tmp");
    let clip = make_clip(dir.path(), "first.mp4", 1, 320, 240);
    let bytes = std::fs::read(&clip).unwrap();
    let channel = t.channel_id(&alice).await;
    let v = t
        .upload_resumable(
            &alice,
            &clip,
            &json!({ "name": "mine", "channelId": channel, "privacy": 1 }),
            1 << 20,
        )
        .await;
    let uuid = v["video"]["uuid"].as_str().unwrap().to_string();
    let before = t.wait_published(&uuid, Some(&alice)).await;
    assert_eq!(top_resolution(&before), Some(240), "{before}");

    // The source: its owner and an administrator read it; nobody else.
    let src = t
        .get_json(&format!("/api/v1/videos/{uuid}/source"), Some(&alice))
        .await;
    assert_eq!(src["inputFilename"], "first.mp4", "{src}");
    assert_eq!(src["size"], bytes.len() as u64, "{src}");
    assert_eq!(src["resolution"]["id"], 240, "{src}");
    assert_eq!(src["width"], 320, "{src}");
    let download = src["fileDownloadUrl"]
        .as_str()
        .expect("fileDownloadUrl")
        .to_string();
    assert_eq!(
        download,
        format!("{}/download/original-video-files/{uuid}.mp4", t.url)
    );
    let r = t
        .client
        .get(&download)
        .bearer_auth(&alice)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.bytes().await.unwrap().as_ref(),
        bytes.as_slice(),
        "the original, byte for byte"
    );
    let r = t
        .client
        .get(&download)
        .bearer_auth(&root)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_problem(
        t.client.get(&download).send().await.unwrap(),
        401,
        "anonymous download",
    )
    .await;
    assert_problem(
        t.client
            .get(&download)
            .bearer_auth(&bob)
            .send()
            .await
            .unwrap(),
        403,
        "bob's download",
    )
    .await;
    let r = t
        .get(&format!("/api/v1/videos/{uuid}/source"), Some(&bob))
        .send()
        .await
        .unwrap();
    assert_problem(r, 403, "bob reads the source").await;
    let r = t
        .get(&format!("/api/v1/videos/{uuid}/source"), None)
        .send()
        .await
        .unwrap();
    assert_problem(r, 401, "anonymous source").await;
    let r = t
        .client
        .get(format!(
            "{}/download/original-video-files/{}.mp4",
            t.url,
            uuid::Uuid::new_v4()
        ))
        .bearer_auth(&alice)
        .send()
        .await
        .unwrap();
    assert_problem(r, 404, "unknown original").await;

    // Replacements refused change nothing: another user's, a wrong type, an unreadable file.
    let second = make_clip(dir.path(), "second.mp4", 1, 640, 480);
    let second_bytes = std::fs::read(&second).unwrap();
    assert_problem(
        replace(&t, &bob, &uuid, "second.mp4", second_bytes.clone()).await,
        403,
        "bob replaces",
    )
    .await;
    assert_problem(
        replace(&t, &alice, &uuid, "second.txt", second_bytes.clone()).await,
        415,
        "a .txt source",
    )
    .await;
    assert_problem(
        replace(&t, &alice, &uuid, "junk.mp4", vec![7u8; 5000]).await,
        422,
        "an unreadable source",
    )
    .await;
    // A replacement's session is continued at its own URL only.
    let r = t
        .client
        .post(t.api(&format!("/api/v1/videos/{uuid}/source/replace-resumable")))
        .bearer_auth(&alice)
        .header("X-Upload-Content-Length", second_bytes.len().to_string())
        .json(&json!({ "filename": "second.mp4" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let loc = r.headers()["location"].to_str().unwrap().to_string();
    let upload_id = loc.rsplit("upload_id=").next().unwrap().to_string();
    let total = second_bytes.len() as u64;
    let plain = t
        .put_chunk(
            &alice,
            &t.api(&format!(
                "/api/v1/videos/upload-resumable?upload_id={upload_id}"
            )),
            second_bytes.clone(),
            0,
            total,
        )
        .await;
    assert_problem(plain, 404, "a replacement continued as an upload").await;
    let r = t
        .client
        .delete(t.abs(&loc))
        .bearer_auth(&alice)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204, "the replacement cancelled");
    assert!(
        t.upload_temp_files().is_empty(),
        "{:?}",
        t.upload_temp_files()
    );
    let same = t
        .get_json(&format!("/api/v1/videos/{uuid}"), Some(&alice))
        .await;
    assert_eq!(same["streamingPlaylists"], before["streamingPlaylists"]);
    let src2 = t
        .get_json(&format!("/api/v1/videos/{uuid}/source"), Some(&alice))
        .await;
    assert_eq!(src2["inputFilename"], "first.mp4");
    let r = t
        .client
        .get(&download)
        .bearer_auth(&alice)
        .send()
        .await
        .unwrap();
    assert_eq!(r.bytes().await.unwrap().as_ref(), bytes.as_slice());

    // The replacement: transcoded again; the video plays the new file, the old HLS files go.
    let old_playlist = before["streamingPlaylists"][0]["files"][0]["fileUrl"]
        .as_str()
        .unwrap()
        .to_string();
    let old_master = before["streamingPlaylists"][0]["playlistUrl"]
        .as_str()
        .unwrap()
        .to_string();
    let old_torrent = before["streamingPlaylists"][0]["files"][0]["torrentUrl"]
        .as_str()
        .unwrap()
        .to_string();
    let r = replace(&t, &alice, &uuid, "second.mp4", second_bytes.clone()).await;
    assert_eq!(r.status(), 204, "{}", r.text().await.unwrap_or_default());
    let after = until(
        WAIT,
        "the replaced video republished with its new rungs",
        &[&t],
        || async {
            let v = t
                .get_json(&format!("/api/v1/videos/{uuid}"), Some(&alice))
                .await;
            (top_resolution(&v) == Some(480)).then_some(v)
        },
    )
    .await;
    assert_eq!(after["state"]["id"], 1);
    assert_eq!(
        after["publishedAt"], before["publishedAt"],
        "published once"
    );
    assert_eq!(before["inputFileUpdatedAt"], Value::Null);
    assert!(after["inputFileUpdatedAt"].is_string(), "{after}");
    let master = after["streamingPlaylists"][0]["playlistUrl"]
        .as_str()
        .unwrap();
    let probe = ffprobe(master);
    let heights: Vec<i64> = probe["streams"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["height"].as_i64())
        .collect();
    assert!(heights.contains(&480), "{probe}");
    for old in [&old_playlist, &old_master, &old_torrent] {
        let s = until(WAIT, "the old files removed", &[&t], || async {
            let s = t
                .client
                .get(old.as_str())
                .send()
                .await
                .unwrap()
                .status()
                .as_u16();
            (s == 404).then_some(s)
        })
        .await;
        assert_eq!(s, 404, "{old}");
    }
    // Only the new files are left in the video's folder: a playlist and a fragmented file per
    // rung, the master and the checksums.
    let rungs = after["streamingPlaylists"][0]["files"]
        .as_array()
        .unwrap()
        .len();
    let folder = t
        .data_dir
        .join(format!("storage/streaming-playlists/hls/{uuid}"));
    let left: Vec<String> = std::fs::read_dir(&folder)
        .expect("the HLS folder")
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(left.len(), 2 * rungs + 2, "{left:?}");
    let src3 = t
        .get_json(&format!("/api/v1/videos/{uuid}/source"), Some(&alice))
        .await;
    assert_eq!(src3["inputFilename"], "second.mp4", "{src3}");
    assert_eq!(src3["resolution"]["id"], 480, "{src3}");
    assert_eq!(src3["createdAt"], after["inputFileUpdatedAt"], "{src3}");
    let r = t
        .client
        .get(&download)
        .bearer_auth(&alice)
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.bytes().await.unwrap().as_ref(),
        second_bytes.as_slice(),
        "the new original"
    );

    // The config advertises what exists.
    let config = t.get_json("/api/v1/config", None).await;
    assert_eq!(config["videoFile"]["update"]["enabled"], true);
    assert_eq!(config["export"]["users"]["enabled"], false);
    assert_eq!(config["import"]["users"]["enabled"], false);
    // Editable at run time (`/api/v1/config/custom`, tests/instance/admin.rs).
    assert_eq!(
        config["webadmin"]["configuration"]["edition"]["allowed"],
        true
    );
    assert_eq!(config["avatar"]["file"]["size"]["max"], 4 * 1024 * 1024);
}

on_both_backends!(avatars_and_banners, source_download_and_replace);

/// B (PostgreSQL) subscribes to A's channel (SQLite). A's channel changes its avatar: B's REST
/// answer for the channel shows it (served by redirect to A); A replaces a video's source: B
/// lists the new files.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn avatar_and_replacement_reach_a_follower() {
    let a = TestInstance::start_at(Backend::Sqlite, "127.0.0.2", FEDERATION_CONFIG).await;
    let b = TestInstance::start_at(Backend::Postgres, "127.0.0.3", FEDERATION_CONFIG).await;
    let all = [&a, &b];
    let (ta, tb) = (a.root_token().await, b.root_token().await);
    let handle = format!("root_channel@{}", a.host);
    let r = b
        .client
        .post(b.api("/api/v1/users/me/subscriptions"))
        .bearer_auth(&tb)
        .json(&json!({ "uri": handle }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204, "{}", r.text().await.unwrap_or_default());
    until(WAIT, "B's subscription accepted", &all, || async {
        let c = a
            .get_json("/api/v1/video-channels/root_channel", None)
            .await;
        (c["followersCount"] == 1).then_some(())
    })
    .await;

    let dir = tempfile::tempdir().expect("tmp");
    let png = make_png(dir.path(), "a.png", 200, 200);
    let r = pick(
        &a,
        &ta,
        "/api/v1/video-channels/root_channel/avatar/pick",
        "avatarfile",
        "a.png",
        png,
    )
    .await;
    assert_eq!(r.status(), 200);
    let picked: Value = r.json().await.unwrap();
    let on_b = until(WAIT, "the avatar on B", &all, || async {
        let c = b
            .get_json(&format!("/api/v1/video-channels/{handle}"), Some(&tb))
            .await;
        (c["avatars"].as_array().is_some_and(|l| !l.is_empty())).then_some(c)
    })
    .await;
    let first = &on_b["avatars"][0];
    assert_eq!(first["fileUrl"], picked["avatars"][0]["fileUrl"], "{on_b}");
    assert_eq!(first["width"], 1500, "{on_b}");
    // B serves it by sending the client to A.
    let no_redirect = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let r = no_redirect
        .get(format!("{}{}", b.url, first["path"].as_str().unwrap()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 307);
    assert_eq!(r.headers()["location"], first["fileUrl"].as_str().unwrap());

    // A replaced video: B lists its new files. Its channel's avatar shows in both lists.
    let clip = make_clip(dir.path(), "first.mp4", 1, 320, 240);
    let channel = a.channel_id(&ta).await;
    let v = a
        .upload_resumable(
            &ta,
            &clip,
            &json!({ "name": "to replace", "channelId": channel, "privacy": 1 }),
            1 << 20,
        )
        .await;
    let uuid = v["video"]["uuid"].as_str().unwrap().to_string();
    a.wait_published(&uuid, Some(&ta)).await;
    until(WAIT, "the video on B", &all, || async {
        let v = b
            .try_get_json(&format!("/api/v1/videos/{uuid}"), None)
            .await
            .ok()?;
        (top_resolution(&v) == Some(240)).then_some(())
    })
    .await;
    for (t, token) in [(&a, &ta), (&b, &tb)] {
        let list = t.get_json("/api/v1/videos", Some(token)).await;
        let item = &list["data"][0];
        assert_eq!(item["uuid"], uuid.as_str(), "{list}");
        assert_eq!(
            item["channel"]["avatars"][0]["fileUrl"], picked["avatars"][0]["fileUrl"],
            "{}: {item}",
            t.url
        );
    }
    let second = make_clip(dir.path(), "second.mp4", 1, 640, 480);
    let r = replace(
        &a,
        &ta,
        &uuid,
        "second.mp4",
        std::fs::read(&second).unwrap(),
    )
    .await;
    assert_eq!(r.status(), 204);
    let v = until(WAIT, "the new files on B", &all, || async {
        let v = b
            .try_get_json(&format!("/api/v1/videos/{uuid}"), None)
            .await
            .ok()?;
        (top_resolution(&v) == Some(480)).then_some(v)
    })
    .await;
    let master = v["streamingPlaylists"][0]["playlistUrl"].as_str().unwrap();
    assert!(master.starts_with(&a.url), "{master}");
    let probe = ffprobe(master);
    assert!(
        probe["streams"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["height"] == 480),
        "{probe}"
    );
}
