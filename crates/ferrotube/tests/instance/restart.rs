//! A server killed with SIGKILL in the middle of transcoding finishes the job after a restart,
//! with every rung exactly once.

use crate::common::*;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

async fn restart(backend: Backend) {
    let mut t = TestInstance::start_with(backend, "[jobs]\nlease_secs = 3\n").await;
    let dir = tempfile::tempdir().expect("tmp");
    let clip = make_clip(dir.path(), "long.mp4", 12, 1280, 720);
    let root = t.root_token().await;
    let channel = t.channel_id(&root).await;
    let size = std::fs::metadata(&clip).expect("clip").len() as usize;
    let v = t
        .upload_resumable(
            &root,
            &clip,
            &json!({ "name": "long one", "channelId": channel }),
            size / 3 + 1,
        )
        .await;
    let uuid = v["video"]["uuid"].as_str().expect("uuid").to_string();

    // Wait until the transcoding job is running, then kill the server mid-job.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let jobs = t
            .get_json("/api/v1/jobs/active?jobType=video-transcoding", Some(&root))
            .await;
        let running = jobs["data"]
            .as_array()
            .expect("data")
            .iter()
            .any(|j| j["data"]["uuid"] == uuid.as_str());
        if running {
            break;
        }
        let state = t
            .get_json(&format!("/api/v1/videos/{uuid}"), Some(&root))
            .await;
        assert_ne!(
            state["state"]["id"], 1,
            "published before the job was seen active (clip too short?)"
        );
        assert!(
            Instant::now() < deadline,
            "the job never became active: {jobs}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let before = t
        .get_json(&format!("/api/v1/videos/{uuid}"), Some(&root))
        .await;
    assert_eq!(
        before["state"]["id"], 2,
        "still transcoding when killed: {before}"
    );
    t.kill();

    t.restart().await;
    // Tokens survive, but a fresh one must work too.
    let root = t.root_token().await;
    // Generous: on CI's two cores, shared with the whole suite, the lease's expiry and this
    // 12 s 720p ladder have taken up to 140 s.
    let v = t
        .wait_published_within(&uuid, Some(&root), Duration::from_secs(240))
        .await;
    // The video is published from inside the job; the job is marked completed (and its work
    // dir removed) only after its body returns, so wait for that before reading the job lists.
    t.wait_jobs_idle(&root, "video-transcoding", Duration::from_secs(30))
        .await
        .expect("the transcoding job finishes after publishing");

    let files = v["streamingPlaylists"][0]["files"]
        .as_array()
        .expect("files")
        .clone();
    let mut res: Vec<i64> = files
        .iter()
        .map(|f| f["resolution"]["id"].as_i64().expect("res"))
        .collect();
    res.sort_unstable();
    assert_eq!(res, vec![144, 240, 360, 480, 720], "each rung exactly once");
    assert_eq!(v["streamingPlaylists"].as_array().map(Vec::len), Some(1));

    let master_url = v["streamingPlaylists"][0]["playlistUrl"]
        .as_str()
        .expect("playlistUrl");
    let r = t.client.get(master_url).send().await.expect("master");
    assert_eq!(r.status(), 200);
    let master = r.text().await.expect("text");
    let base = &master_url[..master_url.rfind('/').expect("slash") + 1];
    let variants: Vec<&str> = master
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .collect();
    assert_eq!(variants.len(), 5, "master playlist:\n{master}");
    for var in variants {
        let r = t
            .client
            .get(format!("{base}{}", var.trim()))
            .send()
            .await
            .expect("variant");
        assert_eq!(r.status(), 200, "variant {var}");
    }
    for f in &files {
        let r = t
            .client
            .get(f["fileUrl"].as_str().expect("fileUrl"))
            .header("Range", "bytes=0-99")
            .send()
            .await
            .expect("file");
        assert_eq!(r.status(), 206);
    }

    // On disk: master + sha json + (playlist + fragmented mp4) per rung, nothing else.
    let hls_dir = t
        .data_dir
        .join(format!("storage/streaming-playlists/hls/{uuid}"));
    let on_disk: Vec<String> = std::fs::read_dir(&hls_dir)
        .expect("hls dir")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().to_string())
        .collect();
    assert_eq!(
        on_disk.len(),
        2 + 2 * 5,
        "files in {hls_dir:?}: {on_disk:?}"
    );
    let jobs_tmp: Vec<_> = std::fs::read_dir(t.data_dir.join("storage/tmp/jobs"))
        .map(|rd| rd.filter_map(|e| e.ok()).map(|e| e.file_name()).collect())
        .unwrap_or_default();
    assert!(
        jobs_tmp.is_empty(),
        "job work dirs left behind: {jobs_tmp:?}"
    );

    let done: Value = t
        .get_json(
            "/api/v1/jobs/completed?jobType=video-transcoding",
            Some(&root),
        )
        .await;
    let ours: Vec<&Value> = done["data"]
        .as_array()
        .expect("data")
        .iter()
        .filter(|j| j["data"]["uuid"] == uuid.as_str())
        .collect();
    assert_eq!(ours.len(), 1, "one completed job: {done}");
    let failed = t.get_json("/api/v1/jobs/failed", Some(&root)).await;
    assert_eq!(failed["total"], 0, "{failed}");
}

on_both_backends!(restart);
