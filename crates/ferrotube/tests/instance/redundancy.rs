//! Video redundancy between real instances: B follows A and mirrors A's videos (by strategy and
//! by hand), announces each copy with a CacheFile, A lists the copy (REST, ActivityPub, torrent
//! web seeds), BitTorrent clients and viewers fetch from it; copies expire and are dropped;
//! CacheFiles that the rules exclude and files the origin altered are refused.

use crate::common::*;
use crate::federation::until;
use ferrotube_testkit::fediverse::{key, Fediverse, AP};
use serde_json::{json, Value};
use std::path::Path;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(60);

fn config(extra: &str) -> String {
    format!("[federation]\nallow_private_network = true\n{extra}")
}

async fn follow_and_allow(b: &TestInstance, tb: &str, a: &TestInstance) {
    let r = b
        .client
        .post(b.api("/api/v1/server/following"))
        .bearer_auth(tb)
        .json(&json!({ "hosts": [a.host] }))
        .send()
        .await
        .expect("follow");
    assert_eq!(
        r.status(),
        204,
        "follow: {}",
        r.text().await.unwrap_or_default()
    );
    until(WAIT, "B's follow of A accepted", &[a, b], || async {
        let list = b.get_json("/api/v1/server/following", None).await;
        list["data"]
            .as_array()?
            .iter()
            .any(|f| f["following"]["host"] == a.host.as_str() && f["state"] == "accepted")
            .then_some(())
    })
    .await;
    let r = b
        .client
        .put(b.api(&format!("/api/v1/server/redundancy/{}", a.host)))
        .bearer_auth(tb)
        .json(&json!({ "redundancyAllowed": true }))
        .send()
        .await
        .expect("allow redundancy");
    assert_eq!(r.status(), 204, "{}", r.text().await.unwrap_or_default());
    // PeerTube shows the switch in the following list.
    let list = b.get_json("/api/v1/server/following", None).await;
    let f = list["data"]
        .as_array()
        .and_then(|d| d.iter().find(|f| f["following"]["host"] == a.host.as_str()))
        .expect("A in B's following")
        .clone();
    assert_eq!(f["following"]["hostRedundancyAllowed"], true, "{f}");
    assert_eq!(f["follower"]["hostRedundancyAllowed"], false, "{f}");
}

/// `POST /api/v1/server/redundancy/videos` with `{"videoId": video_id}`.
async fn post_mirror(t: &TestInstance, token: &str, video_id: Value) -> reqwest::Response {
    t.client
        .post(t.api("/api/v1/server/redundancy/videos"))
        .bearer_auth(token)
        .json(&json!({ "videoId": video_id }))
        .send()
        .await
        .expect("POST /api/v1/server/redundancy/videos")
}

/// `DELETE /api/v1/server/redundancy/videos/{id}`, which must answer 204.
async fn remove_copy(t: &TestInstance, token: &str, id: i64) {
    let r = t
        .client
        .delete(t.api(&format!("/api/v1/server/redundancy/videos/{id}")))
        .bearer_auth(token)
        .send()
        .await
        .expect("DELETE a copy");
    assert_eq!(r.status(), 204, "{}", r.text().await.unwrap_or_default());
}

async fn upload(t: &TestInstance, token: &str, clip: &Path, name: &str) -> String {
    let channel = t.channel_id(token).await;
    let v = t
        .upload_resumable(
            token,
            clip,
            &json!({ "name": name, "channelId": channel, "privacy": 1 }),
            1 << 20,
        )
        .await;
    let uuid = v["video"]["uuid"].as_str().expect("uuid").to_string();
    t.wait_published(&uuid, Some(token)).await;
    uuid
}

/// B's copies of remote videos: uuid -> (redundancy id, fileUrl).
async fn b_copies(b: &TestInstance, tb: &str) -> Vec<(String, i64, String)> {
    let list = b
        .get_json(
            "/api/v1/server/redundancy/videos?target=remote-videos",
            Some(tb),
        )
        .await;
    list["data"]
        .as_array()
        .map(|d| {
            d.iter()
                .flat_map(|v| {
                    let uuid = v["uuid"].as_str().unwrap_or("").to_string();
                    v["redundancies"]["streamingPlaylists"]
                        .as_array()
                        .cloned()
                        .unwrap_or_default()
                        .into_iter()
                        .map(move |r| {
                            (
                                uuid.clone(),
                                r["id"].as_i64().unwrap_or(0),
                                r["fileUrl"].as_str().unwrap_or("").to_string(),
                            )
                        })
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The copies A lists for its video (`streamingPlaylists[0].redundancies[].baseUrl`).
async fn a_lists(a: &TestInstance, uuid: &str) -> Vec<String> {
    let v = a.get_json(&format!("/api/v1/videos/{uuid}"), None).await;
    v["streamingPlaylists"][0]["redundancies"]
        .as_array()
        .map(|r| {
            r.iter()
                .filter_map(|x| x["baseUrl"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

async fn wait_remote(b: &TestInstance, uuid: &str, all: &[&TestInstance]) {
    until(WAIT, "A's video on B", all, || async {
        let r = b
            .get(&format!("/api/v1/videos/{uuid}"), None)
            .send()
            .await
            .ok()?;
        (r.status() == 200).then_some(())
    })
    .await;
}

/// B mirrors A's videos by its `recently-added` strategy, A lists the copy everywhere, a
/// BitTorrent client downloads from B with A gone; a newer video takes the room of an older one
/// whose copy then expires, is dropped and no longer listed.
async fn mirror_by_strategy(backend: Backend) {
    let dir = tempfile::tempdir().expect("tmp");
    let clip = make_clip(dir.path(), "mirror.mp4", 2, 320, 240);
    let mut a = TestInstance::start_at(backend, "127.0.0.2", &config("")).await;
    let ta = a.root_token().await;
    let v1 = upload(&a, &ta, &clip, "first to mirror").await;
    // The same clip transcodes to the same sizes: room for one copy, not two.
    let details = a.get_json(&format!("/api/v1/videos/{v1}"), None).await;
    let size: i64 = details["streamingPlaylists"][0]["files"]
        .as_array()
        .expect("files")
        .iter()
        .map(|f| f["size"].as_i64().unwrap_or(0))
        .sum();
    assert!(size > 0, "{details}");
    let b = TestInstance::start_at(
        backend,
        "127.0.0.3",
        &config(&format!(
            "[redundancy.videos]\ncheck_interval = \"1 second\"\n\
             [[redundancy.videos.strategies]]\nstrategy = \"recently-added\"\n\
             size = {}\nmin_lifetime = \"8 seconds\"\nmin_views = 0\n",
            size + size / 2
        )),
    )
    .await;
    let tb = b.root_token().await;
    follow_and_allow(&b, &tb, &a).await;
    wait_remote(&b, &v1, &[&a, &b]).await;

    // Mirrored within a check or two, served by B under PeerTube's path.
    let (_, _, copy) = until(WAIT, "B's copy of v1", &[&a, &b], || async {
        b_copies(&b, &tb).await.into_iter().find(|c| c.0 == v1)
    })
    .await;
    assert_eq!(copy, format!("{}/static/redundancy/hls/{v1}", b.url));
    let list = b
        .get_json(
            "/api/v1/server/redundancy/videos?target=remote-videos",
            Some(&tb),
        )
        .await;
    let entry = &list["data"][0];
    assert_eq!(
        entry["redundancies"]["streamingPlaylists"][0]["strategy"],
        "recently-added"
    );
    assert!(
        entry["redundancies"]["streamingPlaylists"][0]["expiresOn"].is_string(),
        "{list}"
    );
    assert!(
        entry["redundancies"]["streamingPlaylists"][0]["size"]
            .as_i64()
            .unwrap_or(0)
            >= size
    );
    let master_name = details["streamingPlaylists"][0]["playlistUrl"]
        .as_str()
        .and_then(|u| u.rsplit('/').next())
        .expect("master name")
        .to_string();
    let r = b
        .client
        .get(format!("{copy}/{master_name}"))
        .send()
        .await
        .expect("copy master");
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap_or_default().starts_with("#EXTM3U"));

    // A lists B's copy: REST, ActivityPub, and the torrent's web seeds.
    until(WAIT, "A lists B's copy", &[&a, &b], || async {
        a_lists(&a, &v1).await.contains(&copy).then_some(())
    })
    .await;
    let mine = a
        .get_json(
            "/api/v1/server/redundancy/videos?target=my-videos",
            Some(&ta),
        )
        .await;
    assert_eq!(mine["total"], 1, "{mine}");
    assert_eq!(
        mine["data"][0]["redundancies"]["streamingPlaylists"][0]["fileUrl"],
        copy
    );
    let ap: Value = a
        .client
        .get(format!("{}/videos/watch/{v1}", a.url))
        .header("Accept", AP)
        .send()
        .await
        .expect("AP video")
        .json()
        .await
        .expect("AP json");
    let hls = ap["url"]
        .as_array()
        .and_then(|u| u.iter().find(|l| l["mediaType"] == "application/x-mpegURL"))
        .expect("HLS link")
        .clone();
    assert!(
        hls["tag"].as_array().is_some_and(|t| t
            .iter()
            .any(|x| x["name"] == "redundancy" && x["href"] == copy.as_str())),
        "{hls}"
    );
    let details = a.get_json(&format!("/api/v1/videos/{v1}"), None).await;
    let file = &details["streamingPlaylists"][0]["files"][0];
    let torrent_url = file["torrentUrl"].as_str().expect("torrent").to_string();
    let torrent = a
        .client
        .get(&torrent_url)
        .send()
        .await
        .expect("torrent")
        .bytes()
        .await
        .expect("bytes");
    let meta = ferrotube_p2p::Metainfo::from_bytes(&torrent).expect("bencode");
    let file_name = file["fileUrl"]
        .as_str()
        .and_then(|u| u.rsplit('/').next())
        .expect("file name");
    assert!(
        meta.url_list.contains(&format!("{copy}/{file_name}")),
        "{:?}",
        meta.url_list
    );
    // The magnet names the copy too.
    assert!(file["magnetUri"]
        .as_str()
        .is_some_and(|m| m.contains(&urlencode(&format!("{copy}/{file_name}")))));

    // A newer video: the strategy wants it instead; the old copy keeps its room until it
    // expires, then goes (Undo to A), and the new one is mirrored.
    let v2 = upload(&a, &ta, &clip, "second to mirror").await;
    wait_remote(&b, &v2, &[&a, &b]).await;
    until(
        WAIT,
        "v1's copy dropped and v2 mirrored",
        &[&a, &b],
        || async {
            let copies = b_copies(&b, &tb).await;
            (copies.len() == 1 && copies[0].0 == v2).then_some(())
        },
    )
    .await;
    let r = b
        .client
        .get(format!("{copy}/{master_name}"))
        .send()
        .await
        .expect("dropped copy");
    assert_eq!(r.status(), 404, "a dropped copy is no longer served");
    until(
        WAIT,
        "A stops listing the dropped copy",
        &[&a, &b],
        || async { a_lists(&a, &v1).await.is_empty().then_some(()) },
    )
    .await;
    until(WAIT, "A lists the new copy", &[&a, &b], || async {
        (!a_lists(&a, &v2).await.is_empty()).then_some(())
    })
    .await;

    // With A gone, a BitTorrent client still gets v2's file, from B's web seed.
    let details = a.get_json(&format!("/api/v1/videos/{v2}"), None).await;
    let file = &details["streamingPlaylists"][0]["files"][0];
    let size = file["size"].as_u64().expect("size");
    let torrent = a
        .client
        .get(file["torrentUrl"].as_str().expect("torrent"))
        .send()
        .await
        .expect("torrent")
        .bytes()
        .await
        .expect("bytes");
    let torrent_path = dir.path().join("v2.torrent");
    std::fs::write(&torrent_path, &torrent).expect("write torrent");
    a.kill();
    let out = dir.path().join("dl");
    let st = std::process::Command::new("aria2c")
        .args([
            "--enable-dht=false",
            "--enable-dht6=false",
            "--bt-enable-lpd=false",
            "--enable-peer-exchange=false",
            "--seed-time=0",
            "--bt-stop-timeout=30",
            "--timeout=10",
            "--console-log-level=warn",
            "--summary-interval=0",
            "--allow-overwrite=true",
            "-d",
        ])
        .arg(&out)
        .arg(&torrent_path)
        .output()
        .expect("run aria2c (Debian's aria2)");
    assert!(
        st.status.success(),
        "aria2c: {}\n{}",
        String::from_utf8_lossy(&st.stdout),
        String::from_utf8_lossy(&st.stderr)
    );
    let got: u64 = std::fs::read_dir(&out)
        .expect("download dir")
        .filter_map(|e| e.ok())
        .filter(|e| e.path().extension().is_some_and(|x| x == "mp4"))
        .map(|e| e.metadata().map(|m| m.len()).unwrap_or(0))
        .sum();
    assert_eq!(got, size, "the whole file came from B's web seed");
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

ferrotube_testkit::on_both_backends!(mirror_by_strategy);

/// A copy made by hand, kept until removed by hand; a file the origin altered after publishing
/// its sha256 map is not mirrored.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn manual_copy_and_altered_origin() {
    let dir = tempfile::tempdir().expect("tmp");
    let clip = make_clip(dir.path(), "manual.mp4", 2, 320, 240);
    let a = TestInstance::start_at(Backend::Sqlite, "127.0.0.2", &config("")).await;
    let b = TestInstance::start_at(Backend::Sqlite, "127.0.0.3", &config("")).await;
    // C follows A and B: it learns of B's copy of A's video from B's CacheFile.
    let c = TestInstance::start_at(Backend::Sqlite, "127.0.0.4", &config("")).await;
    // D follows A only: it learns of B's copy from A, which forwards B's CacheFile to the
    // video's audience; D then fetches the CacheFile from B before believing it.
    let d = TestInstance::start_at(Backend::Sqlite, "127.0.0.5", &config("")).await;
    let (ta, tb, tc) = (
        a.root_token().await,
        b.root_token().await,
        c.root_token().await,
    );
    let td = d.root_token().await;
    follow_and_allow(&b, &tb, &a).await;
    follow_and_allow(&c, &tc, &a).await;
    follow_and_allow(&c, &tc, &b).await;
    follow_and_allow(&d, &td, &a).await;
    let good = upload(&a, &ta, &clip, "good").await;
    let bad = upload(&a, &ta, &clip, "altered").await;
    for uuid in [&good, &bad] {
        wait_remote(&b, uuid, &[&a, &b]).await;
        wait_remote(&c, uuid, &[&a, &c]).await;
        wait_remote(&d, uuid, &[&a, &d]).await;
    }
    let b_id = |uuid: String| {
        let b = &b;
        async move { b.get_json(&format!("/api/v1/videos/{uuid}"), None).await["id"].clone() }
    };

    // Alter one byte of a segment of `bad` on A, after its map was published.
    let folder = a
        .data_dir
        .join(format!("storage/streaming-playlists/hls/{bad}"));
    let fmp4 = std::fs::read_dir(&folder)
        .expect("A's HLS folder")
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .find(|p| p.to_string_lossy().ends_with("-fragmented.mp4"))
        .expect("an fMP4 file");
    let mut bytes = std::fs::read(&fmp4).expect("read");
    let at = bytes.len() - 100;
    bytes[at] ^= 0xff;
    std::fs::write(&fmp4, &bytes).expect("write");

    for uuid in [&good, &bad] {
        let r = post_mirror(&b, &tb, json!(b_id(uuid.clone()).await)).await;
        assert_eq!(r.status(), 204, "{}", r.text().await.unwrap_or_default());
    }
    let (_, id, copy) = until(WAIT, "B's manual copy", &[&a, &b], || async {
        b_copies(&b, &tb).await.into_iter().find(|c| c.0 == good)
    })
    .await;
    let list = b
        .get_json(
            "/api/v1/server/redundancy/videos?target=remote-videos",
            Some(&tb),
        )
        .await;
    let r0 = &list["data"][0]["redundancies"]["streamingPlaylists"][0];
    assert_eq!(r0["strategy"], "manual", "{list}");
    assert!(
        r0["expiresOn"].is_null(),
        "a manual copy does not expire: {list}"
    );
    // The CacheFile is served at its id, as PeerTube serves it.
    let cf: Value = b
        .client
        .get(format!(
            "{}/redundancy/streaming-playlists/hls/{good}",
            b.url
        ))
        .header("Accept", AP)
        .send()
        .await
        .expect("CacheFile")
        .json()
        .await
        .expect("CacheFile json");
    assert_eq!(cf["type"], "CacheFile", "{cf}");
    assert_eq!(cf["url"]["href"], copy.as_str());
    assert_eq!(cf["object"], format!("{}/videos/watch/{good}", a.url));
    assert!(cf["expires"].is_null());
    until(
        WAIT,
        "the altered video's mirror job failed",
        &[&a, &b],
        || async {
            let failed = b
                .get_json("/api/v1/jobs/failed?jobType=video-redundancy", Some(&tb))
                .await;
            failed["data"].as_array()?.iter().find_map(|j| {
                j["error"]
                    .as_str()
                    .filter(|e| e.contains("does not match the origin's sha256 map"))
                    .map(|_| ())
            })
        },
    )
    .await;
    assert!(
        !b_copies(&b, &tb).await.iter().any(|c| c.0 == bad),
        "an altered file is never listed"
    );
    let r = b
        .client
        .get(format!("{}/static/redundancy/hls/{bad}/x.m3u8", b.url))
        .send()
        .await
        .expect("get");
    assert_eq!(r.status(), 404);
    assert!(a_lists(&a, &bad).await.is_empty());

    // Twice is a conflict; a local video cannot be mirrored.
    let r = post_mirror(&b, &tb, json!(b_id(good.clone()).await)).await;
    assert_problem(r, 409, "already duplicated").await;
    let r = post_mirror(&a, &ta, json!(good)).await;
    assert_problem(r, 400, "local video").await;
    // Wrong types are a clear 400, and change nothing.
    let r = post_mirror(&b, &tb, json!({ "id": 1 })).await;
    assert_problem(r, 400, "videoId").await;
    let r = b
        .client
        .put(b.api(&format!("/api/v1/server/redundancy/{}", a.host)))
        .bearer_auth(&tb)
        .json(&json!({ "redundancyAllowed": "yes" }))
        .send()
        .await
        .expect("bad switch");
    assert_eq!(r.status(), 400);
    let r = b
        .client
        .delete(b.api("/api/v1/server/redundancy/videos/abc"))
        .bearer_auth(&tb)
        .send()
        .await
        .expect("bad id");
    assert_problem(r, 400, "redundancyId").await;
    assert_eq!(b_copies(&b, &tb).await.len(), 1, "nothing changed");
    // Only administrators manage copies.
    let r = b
        .client
        .get(b.api("/api/v1/server/redundancy/videos?target=remote-videos"))
        .send()
        .await
        .expect("anonymous");
    assert_eq!(r.status(), 401);
    let r = b
        .client
        .get(b.api("/api/v1/server/redundancy/videos?target=everything"))
        .bearer_auth(&tb)
        .send()
        .await
        .expect("bad target");
    assert_problem(r, 400, "target").await;
    let r = b
        .client
        .put(b.api("/api/v1/server/redundancy/unknown.example"))
        .bearer_auth(&tb)
        .json(&json!({ "redundancyAllowed": true }))
        .send()
        .await
        .expect("unknown host");
    assert_problem(r, 404, "Server not found").await;

    // Removed by hand: gone from B, its files no longer served, A stops listing it.
    until(WAIT, "A lists the manual copy", &[&a, &b], || async {
        a_lists(&a, &good).await.contains(&copy).then_some(())
    })
    .await;
    until(
        WAIT,
        "C, B's follower, lists B's copy of A's video",
        &[&b, &c],
        || async { a_lists(&c, &good).await.contains(&copy).then_some(()) },
    )
    .await;
    until(
        WAIT,
        "D, A's follower, lists B's copy (forwarded by A)",
        &[&a, &d],
        || async { a_lists(&d, &good).await.contains(&copy).then_some(()) },
    )
    .await;
    remove_copy(&b, &tb, id).await;
    assert!(b_copies(&b, &tb).await.is_empty());
    until(WAIT, "A forgets the removed copy", &[&a, &b], || async {
        a_lists(&a, &good).await.is_empty().then_some(())
    })
    .await;
    until(WAIT, "C forgets the removed copy", &[&b, &c], || async {
        a_lists(&c, &good).await.is_empty().then_some(())
    })
    .await;
    until(
        WAIT,
        "D forgets the removed copy (forwarded Undo)",
        &[&a, &d],
        || async { a_lists(&d, &good).await.is_empty().then_some(()) },
    )
    .await;
}

/// A CacheFile in PeerTube's shape from any instance is recorded and listed, and withdrawn by
/// its Undo; with `accept_from = "followings"` one from an instance we do not follow is refused
/// and logged; a copy on another host than its announcer is refused at the door.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cache_files_from_others() {
    let dir = tempfile::tempdir().expect("tmp");
    let clip = make_clip(dir.path(), "rules.mp4", 1, 320, 240);
    let open = TestInstance::start_at(Backend::Sqlite, "127.0.0.2", &config("")).await;
    let guarded = TestInstance::start_at(
        Backend::Sqlite,
        "127.0.0.3",
        &config("[remote_redundancy.videos]\naccept_from = \"followings\"\n"),
    )
    .await;
    let fed = Fediverse::start(
        "127.0.0.6",
        vec![vec![("peertube".to_string(), key().await.expect("key"))]],
        false,
    )
    .await
    .expect("fake fediverse");
    let host = fed.hosts[0].clone();
    let actor = host.actor("peertube");
    let create = |a: &TestInstance, uuid: &str, href: &str| {
        let id = format!("{}/redundancy/streaming-playlists/hls/{uuid}", host.url);
        json!({
            "@context": ["https://www.w3.org/ns/activitystreams"],
            "type": "Create",
            "id": format!("{id}/activity"),
            "actor": actor,
            "to": [format!("{}/accounts/root", a.url)],
            "cc": [],
            "object": {
                "to": [format!("{}/accounts/root", a.url)],
                "cc": [],
                "type": "CacheFile",
                "id": id,
                "object": format!("{}/videos/watch/{uuid}", a.url),
                "expires": "2099-01-01T00:00:00.000Z",
                "url": { "type": "Link", "mediaType": "application/x-mpegURL", "href": href },
            },
        })
    };

    // Accepted from anybody (PeerTube's default): listed as a source of the video.
    let token = open.root_token().await;
    let uuid = upload(&open, &token, &clip, "open").await;
    let href = format!("{}/static/redundancy/hls/{uuid}", host.url);
    let activity = create(&open, &uuid, &href);
    let r = host
        .post("peertube", &format!("{}/inbox", open.url), &activity)
        .await;
    assert!(r.status().is_success(), "{}", r.status());
    until(WAIT, "the announced copy listed", &[&open], || async {
        a_lists(&open, &uuid).await.contains(&href).then_some(())
    })
    .await;
    let mine = open
        .get_json(
            "/api/v1/server/redundancy/videos?target=my-videos",
            Some(&token),
        )
        .await;
    assert_eq!(
        mine["data"][0]["redundancies"]["streamingPlaylists"][0]["fileUrl"],
        href
    );
    // Withdrawn by Undo{Create{CacheFile}}.
    let undo = json!({
        "@context": ["https://www.w3.org/ns/activitystreams"],
        "type": "Undo",
        "id": format!("{}/undo/1", host.url),
        "actor": actor,
        "object": activity,
    });
    let r = host
        .post("peertube", &format!("{}/inbox", open.url), &undo)
        .await;
    assert!(r.status().is_success(), "{}", r.status());
    until(WAIT, "the withdrawn copy forgotten", &[&open], || async {
        a_lists(&open, &uuid).await.is_empty().then_some(())
    })
    .await;

    // A copy served from another host than its announcer: refused at the door.
    let r = host
        .post(
            "peertube",
            &format!("{}/inbox", open.url),
            &create(&open, &uuid, "http://127.0.0.9:1/static/redundancy/hls/x"),
        )
        .await;
    assert_problem(r, 400, "url.href").await;

    // Followings only: the fake is not followed, its copy is refused and the refusal logged.
    let token = guarded.root_token().await;
    let uuid = upload(&guarded, &token, &clip, "guarded").await;
    let href = format!("{}/static/redundancy/hls/{uuid}", host.url);
    let r = host
        .post(
            "peertube",
            &format!("{}/inbox", guarded.url),
            &create(&guarded, &uuid, &href),
        )
        .await;
    assert!(r.status().is_success(), "{}", r.status());
    until(
        WAIT,
        "refusal logged (followings only)",
        &[&guarded],
        || async {
            guarded
                .log_tail()
                .lines()
                .any(|l| l.contains("activity not applied") && l.contains("not accepted"))
                .then_some(())
        },
    )
    .await;
    assert!(a_lists(&guarded, &uuid).await.is_empty());
}

/// The copy at `copy` is whole: its master, every variant, the sha256 map and every segment of
/// every fMP4 file match (the map is the origin's).
async fn copy_is_whole(t: &TestInstance, copy: &str, master_name: &str, sha_name: &str) -> bool {
    use sha2::{Digest, Sha256};
    let get = |u: String| {
        let c = t.client.clone();
        async move {
            let r = c.get(&u).send().await.ok()?;
            if r.status() != 200 {
                return None;
            }
            r.bytes().await.ok()
        }
    };
    let Some(master) = get(format!("{copy}/{master_name}")).await else {
        return false;
    };
    let Some(sha) = get(format!("{copy}/{sha_name}")).await else {
        return false;
    };
    let map: std::collections::HashMap<String, std::collections::HashMap<String, String>> =
        serde_json::from_slice(&sha).expect("sha256 map");
    let master = String::from_utf8_lossy(&master).to_string();
    let variants: Vec<&str> = master
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();
    if variants.is_empty() {
        return false;
    }
    for v in variants {
        if get(format!("{copy}/{v}")).await.is_none() {
            return false;
        }
    }
    for (file, ranges) in &map {
        let Some(bytes) = get(format!("{copy}/{file}")).await else {
            return false;
        };
        for (range, want) in ranges {
            let (a, b) = range.split_once('-').expect("range");
            let (a, b): (usize, usize) = (a.parse().expect("start"), b.parse().expect("end"));
            if bytes.len() <= b || hex::encode(Sha256::digest(&bytes[a..=b])) != *want {
                return false;
            }
        }
    }
    true
}

/// kill -9 of the mirror at any point of a mirror job, or of the origin: no half copy is ever
/// listed or served, and the copy completes after the restart.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mirror_job_survives_kill9() {
    let dir = tempfile::tempdir().expect("tmp");
    let clip = make_clip(dir.path(), "kill.mp4", 6, 640, 360);
    let mut a = TestInstance::start_at(Backend::Sqlite, "127.0.0.2", &config("")).await;
    // A short lease: a job whose worker died is taken up again soon after the restart.
    let mut b = TestInstance::start_at(
        Backend::Postgres,
        "127.0.0.3",
        &config("[jobs]\nlease_secs = 2\n"),
    )
    .await;
    let (ta, tb) = (a.root_token().await, b.root_token().await);
    follow_and_allow(&b, &tb, &a).await;
    let uuid = upload(&a, &ta, &clip, "killed mirror").await;
    wait_remote(&b, &uuid, &[&a, &b]).await;
    let details = a.get_json(&format!("/api/v1/videos/{uuid}"), None).await;
    let name_of = |k: &str| {
        details["streamingPlaylists"][0][k]
            .as_str()
            .and_then(|u| u.rsplit('/').next())
            .expect("file name")
            .to_string()
    };
    let (master_name, sha_name) = (name_of("playlistUrl"), name_of("segmentsSha256Url"));
    let video_id = b.get_json(&format!("/api/v1/videos/{uuid}"), None).await["id"].clone();
    let copy = format!("{}/static/redundancy/hls/{uuid}", b.url);

    for (round, delay_ms) in [0u64, 15, 40, 90, 200].into_iter().enumerate() {
        // Start from no copy.
        let tb = b.root_token().await;
        if let Some((_, id, _)) = b_copies(&b, &tb).await.into_iter().next() {
            remove_copy(&b, &tb, id).await;
        }
        let r = post_mirror(&b, &tb, json!(video_id)).await;
        assert_eq!(
            r.status(),
            204,
            "round {round}: {}",
            r.text().await.unwrap_or_default()
        );
        tokio::time::sleep(Duration::from_millis(delay_ms)).await;
        b.restart().await;
        // The job may run again at once (killed before a worker took it, it is not leased), so
        // each fact is read before the one it implies: a copy, once listed, stays listed.
        // Served means listed, and listed means whole.
        let tb = b.root_token().await;
        let served = b
            .client
            .get(format!("{copy}/{master_name}"))
            .send()
            .await
            .expect("get")
            .status()
            == 200;
        let listed = !b_copies(&b, &tb).await.is_empty();
        assert!(
            listed || !served,
            "round {round} ({delay_ms} ms): an unlisted copy is served"
        );
        if listed {
            assert!(
                copy_is_whole(&b, &copy, &master_name, &sha_name).await,
                "round {round} ({delay_ms} ms): a listed copy is not whole"
            );
        }
        // The job finishes after the restart.
        until(
            WAIT,
            "the copy completes after the restart",
            &[&a, &b],
            || async { (!b_copies(&b, &tb).await.is_empty()).then_some(()) },
        )
        .await;
        assert!(
            copy_is_whole(&b, &copy, &master_name, &sha_name).await,
            "round {round}"
        );
    }

    // The origin killed during the job: the job retries until the origin is back.
    let tb = b.root_token().await;
    let (_, id, _) = b_copies(&b, &tb).await.into_iter().next().expect("a copy");
    remove_copy(&b, &tb, id).await;
    a.kill();
    let r = post_mirror(&b, &tb, json!(video_id)).await;
    assert_eq!(r.status(), 204);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(
        b_copies(&b, &tb).await.is_empty(),
        "nothing listed while the origin is down"
    );
    a.restart().await;
    until(
        Duration::from_secs(120),
        "the copy completes once the origin is back",
        &[&a, &b],
        || async { (!b_copies(&b, &tb).await.is_empty()).then_some(()) },
    )
    .await;
    assert!(copy_is_whole(&b, &copy, &master_name, &sha_name).await);
    let _ = ta;
}

/// A copy the strategy still wants is renewed when it expires (Update{CacheFile}): the origin
/// goes on listing it past its first expiry.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wanted_copies_are_renewed() {
    let dir = tempfile::tempdir().expect("tmp");
    let clip = make_clip(dir.path(), "renew.mp4", 1, 320, 240);
    let a = TestInstance::start_at(Backend::Sqlite, "127.0.0.2", &config("")).await;
    let b = TestInstance::start_at(
        Backend::Sqlite,
        "127.0.0.3",
        &config(
            "[redundancy.videos]\ncheck_interval = \"1 second\"\n\
             [[redundancy.videos.strategies]]\nstrategy = \"most-views\"\n\
             size = \"1GB\"\nmin_lifetime = \"3 seconds\"\n",
        ),
    )
    .await;
    let (ta, tb) = (a.root_token().await, b.root_token().await);
    follow_and_allow(&b, &tb, &a).await;
    let uuid = upload(&a, &ta, &clip, "kept").await;
    wait_remote(&b, &uuid, &[&a, &b]).await;
    let first = until(WAIT, "B's copy", &[&a, &b], || async {
        let list = b
            .get_json(
                "/api/v1/server/redundancy/videos?target=remote-videos",
                Some(&tb),
            )
            .await;
        list["data"][0]["redundancies"]["streamingPlaylists"][0]["expiresOn"]
            .as_str()
            .map(str::to_string)
    })
    .await;
    until(WAIT, "the copy renewed", &[&a, &b], || async {
        let list = b
            .get_json(
                "/api/v1/server/redundancy/videos?target=remote-videos",
                Some(&tb),
            )
            .await;
        list["data"][0]["redundancies"]["streamingPlaylists"][0]["expiresOn"]
            .as_str()
            .filter(|e| *e > first.as_str())
            .map(|_| ())
    })
    .await;
    // Past the first expiry (3 s), the origin still lists it: it got the Update.
    tokio::time::sleep(Duration::from_secs(4)).await;
    assert_eq!(a_lists(&a, &uuid).await.len(), 1, "{}", a.log_tail());
    assert!(
        b.log_tail().contains("copy renewed"),
        "renewal logged:\n{}",
        b.log_tail()
    );
}
