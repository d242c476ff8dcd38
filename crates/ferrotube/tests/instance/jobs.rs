//! In-process instance, jobs run by the test: an upload is only queued work until the test
//! runs the queue, and then it is published — no polling, no sleeping, no background runner.

use crate::common::*;
use serde_json::json;

async fn upload_is_published_when_the_test_runs_the_jobs(backend: Backend) {
    let t = TestApp::start_with(backend, "[transcoding]\nresolutions = [144]\n").await;
    let token = t.root_token().await;
    let channel = t.channel_id(&token).await;
    let dir = tempfile::tempdir().expect("tmp");
    let clip = make_clip(dir.path(), "jobs.mp4", 1, 320, 240);
    let v = t
        .upload_resumable(
            &token,
            &clip,
            &json!({ "name": "run by the test", "channelId": channel, "privacy": 1 }),
            1 << 20,
        )
        .await;
    let uuid = v["video"]["uuid"].as_str().expect("uuid").to_string();

    // Nothing runs jobs behind the test's back: the video waits for its transcode.
    let before = t
        .get_json(&format!("/api/v1/videos/{uuid}"), Some(&token))
        .await;
    assert_eq!(before["state"]["id"], 2, "to transcode: {before}");
    let waiting = t
        .jobs_total(&token, "waiting", "video-transcoding")
        .await
        .expect("job list");
    assert_eq!(waiting, 1, "one transcode queued");

    let ran = t.run_pending_jobs().await;
    assert!(ran >= 1, "the transcode ran ({ran} jobs)");
    let after = t
        .get_json(&format!("/api/v1/videos/{uuid}"), Some(&token))
        .await;
    assert_eq!(after["state"]["id"], 1, "published: {after}");
    assert!(
        after["files"]
            .as_array()
            .is_some_and(|f| f.iter().any(|f| f["resolution"]["id"] == 144))
            || after["streamingPlaylists"][0]["files"]
                .as_array()
                .is_some_and(|f| f.iter().any(|f| f["resolution"]["id"] == 144)),
        "a 144p file: {after}"
    );
    // The queue is empty now: running it again does nothing.
    assert_eq!(t.run_pending_jobs().await, 0);
    let done = t
        .jobs_total(&token, "completed", "video-transcoding")
        .await
        .expect("job list");
    assert_eq!(done, 1, "the transcode is listed as completed");
}

on_both_backends!(upload_is_published_when_the_test_runs_the_jobs);
