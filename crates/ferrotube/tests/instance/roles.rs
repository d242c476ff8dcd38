//! Node roles: `serve --role web` answers HTTP and runs no job, `--role worker` runs the jobs
//! and answers nothing; both on one PostgreSQL database and one file store; a worker that dies
//! mid-job leaves it to another. SQLite refuses a split role (it is one process's database).

use crate::common::*;
use serde_json::Value;
use std::time::{Duration, Instant};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_web_node_queues_and_a_worker_node_transcodes() {
    let launch = Launch {
        config: "[transcoding]\nresolutions = [144]\n".into(),
        env: vec![("FERROTUBE_ROLE".into(), "web".into())],
        ..Launch::new(Backend::Postgres)
    };
    let mut web = TestInstance::launch(launch).await.expect("web node");
    let token = web.root_token().await;
    let channel = web.channel_id(&token).await;
    let dir = tempfile::tempdir().expect("tmp");
    let clip = make_clip(dir.path(), "roles.mp4", 1, 320, 240);
    let r = web
        .legacy_upload(
            &token,
            &clip,
            &[
                ("name", "split roles".to_string()),
                ("channelId", channel.to_string()),
                ("privacy", "1".to_string()),
            ],
        )
        .await;
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.expect("json");
    let uuid = v["video"]["uuid"].as_str().expect("uuid").to_string();
    // The web node runs no job: the video waits in its queue.
    let until = Instant::now() + Duration::from_secs(3);
    while Instant::now() < until {
        let v = web
            .get_json(&format!("/api/v1/videos/{uuid}"), Some(&token))
            .await;
        assert_ne!(v["state"]["id"], 1, "published without a worker: {v}");
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    // A worker on the same database and files transcodes it; the web node serves the result.
    web.spawn_worker().expect("worker");
    let v = web.wait_published(&uuid, Some(&token)).await;
    let master = v["streamingPlaylists"][0]["playlistUrl"]
        .as_str()
        .expect("master playlist")
        .to_string();
    let r = web.client.get(&master).send().await.expect("master");
    assert_eq!(r.status(), 200);
    assert!(r.text().await.expect("body").contains("#EXTM3U"));
    let log = std::fs::read_to_string(web.log_file()).expect("log");
    assert!(log.contains("ferrotube worker running jobs"), "{log}");
}

/// A worker SIGKILLed in the middle of a transcode: once the job's lease runs out another
/// worker takes the job over and publishes the video with every rung exactly once, and the
/// job is not counted as failed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_killed_mid_transcode_leaves_the_job_to_another() {
    let launch = Launch {
        config: "[transcoding]\nresolutions = [360, 240, 144]\n[jobs]\nlease_secs = 3\n".into(),
        env: vec![("FERROTUBE_ROLE".into(), "web".into())],
        ..Launch::new(Backend::Postgres)
    };
    let mut web = TestInstance::launch(launch).await.expect("web node");
    let first = web.spawn_worker().expect("first worker");
    let token = web.root_token().await;
    let channel = web.channel_id(&token).await;
    let dir = tempfile::tempdir().expect("tmp");
    let clip = make_clip(dir.path(), "handover.mp4", 10, 640, 360);
    let r = web
        .legacy_upload(
            &token,
            &clip,
            &[
                ("name", "handed over".to_string()),
                ("channelId", channel.to_string()),
                ("privacy", "1".to_string()),
            ],
        )
        .await;
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.expect("json");
    let uuid = v["video"]["uuid"].as_str().expect("uuid").to_string();
    let deadline = Instant::now() + Duration::from_secs(60);
    while web
        .jobs_total(&token, "active", "video-transcoding")
        .await
        .unwrap_or(0)
        == 0
    {
        assert!(Instant::now() < deadline, "the transcode never started");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    web.kill_node(first);
    let v = web
        .get_json(&format!("/api/v1/videos/{uuid}"), Some(&token))
        .await;
    assert_eq!(v["state"]["id"], 2, "still transcoding when killed: {v}");

    web.spawn_worker().expect("second worker");
    let v = web
        .wait_published_within(&uuid, Some(&token), Duration::from_secs(180))
        .await;
    let mut rungs: Vec<i64> = v["streamingPlaylists"][0]["files"]
        .as_array()
        .expect("files")
        .iter()
        .map(|f| f["resolution"]["id"].as_i64().expect("resolution"))
        .collect();
    rungs.sort_unstable();
    assert_eq!(rungs, vec![144, 240, 360], "each rung exactly once");
    web.wait_jobs_idle(&token, "video-transcoding", Duration::from_secs(30))
        .await
        .expect("the job finishes");
    let failed = web
        .jobs_total(&token, "failed", "video-transcoding")
        .await
        .expect("failed jobs");
    assert_eq!(failed, 0);
}

#[test]
fn sqlite_refuses_a_split_role() {
    let dir = tempfile::tempdir().expect("tmp");
    let out = std::process::Command::new(ferrotube_bin())
        .arg("serve")
        .env_remove("FERROTUBE_DATABASE_URL")
        .env_remove("FERROTUBE_CONFIG")
        .env("FERROTUBE_ROLE", "web")
        .env("FERROTUBE_DATA_DIR", dir.path())
        .env("FERROTUBE_LISTEN", "127.0.0.1:0")
        .env("FERROTUBE_INITIAL_ROOT_PASSWORD", "roles-root-password")
        .env("RUST_BACKTRACE", "0")
        .output()
        .expect("run ferrotube");
    assert!(!out.status.success(), "a web-only node started on SQLite");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("needs PostgreSQL"), "{stderr}");
}
