//! Node roles: `serve --role web` answers HTTP and runs no job, `--role worker` runs the jobs
//! and answers nothing; both on one PostgreSQL database and one file store. SQLite refuses a
//! split role (it is one process's database).

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
