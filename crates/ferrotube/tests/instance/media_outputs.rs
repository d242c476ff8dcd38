//! What transcoding produces beyond the HLS ladder: plain MP4 "web videos" (when configured),
//! downloads with Range and `Content-Disposition`, the download switch, and audio-only input.

use crate::common::*;
use serde_json::{json, Value};

const CONFIG: &str = "[transcoding]\nresolutions = [144, 240]\nweb_videos = true\n";

async fn web_videos_and_downloads(backend: Backend) {
    let t = TestInstance::start_with(backend, CONFIG).await;
    let token = t.root_token().await;
    let channel = t.channel_id(&token).await;
    let clip = make_clip(&t.data_dir, "clip240.mp4", 2, 426, 240);
    let r = t
        .legacy_upload(
            &token,
            &clip,
            &[
                ("name", "web video test".into()),
                ("channelId", channel.to_string()),
                ("privacy", "1".into()),
            ],
        )
        .await;
    assert_eq!(r.status(), 200);
    let created: Value = r.json().await.expect("json");
    let uuid = created["video"]["uuid"].as_str().expect("uuid").to_string();
    let v = t.wait_published(&uuid, Some(&token)).await;

    let web: Vec<&Value> = v["files"].as_array().expect("files").iter().collect();
    let mut res: Vec<i64> = web
        .iter()
        .map(|f| f["resolution"]["id"].as_i64().expect("res"))
        .collect();
    res.sort_unstable();
    assert_eq!(
        res,
        vec![144, 240],
        "one web video per rung: {}",
        v["files"]
    );
    let f240 = web
        .iter()
        .find(|f| f["resolution"]["id"] == 240)
        .expect("240p");
    let file_url = f240["fileUrl"].as_str().expect("fileUrl");
    let r = t
        .client
        .get(file_url)
        .header("Range", "bytes=0-99")
        .send()
        .await
        .expect("range");
    assert_eq!(r.status(), 206);
    assert_eq!(header(&r, "content-type").as_deref(), Some("video/mp4"));
    assert_eq!(r.bytes().await.expect("bytes").len(), 100);
    let probe = ffprobe(file_url);
    let kinds: Vec<&str> = probe["streams"]
        .as_array()
        .expect("streams")
        .iter()
        .filter_map(|s| s["codec_type"].as_str())
        .collect();
    assert!(
        kinds.contains(&"video") && kinds.contains(&"audio"),
        "{probe}"
    );

    let download = f240["fileDownloadUrl"].as_str().expect("fileDownloadUrl");
    let r = t.client.get(download).send().await.expect("download");
    assert_eq!(r.status(), 200);
    assert!(
        header(&r, "content-disposition")
            .unwrap_or_default()
            .starts_with("attachment"),
        "{:?}",
        header(&r, "content-disposition")
    );
    let hls_download = v["streamingPlaylists"][0]["files"][0]["fileDownloadUrl"]
        .as_str()
        .expect("hls download")
        .to_string();
    let r = t
        .client
        .get(&hls_download)
        .header("Range", "bytes=10-19")
        .send()
        .await
        .expect("hls download");
    assert_eq!(r.status(), 206, "{hls_download}");

    // The owner turns downloads off: download URLs refuse, playback URLs still work.
    let r = t
        .client
        .put(t.api(&format!("/api/v1/videos/{uuid}")))
        .bearer_auth(&token)
        .json(&json!({ "downloadEnabled": false }))
        .send()
        .await
        .expect("put");
    assert_eq!(r.status(), 204);
    assert_problem(
        t.client.get(download).send().await.expect("download"),
        403,
        "download disabled",
    )
    .await;
    assert_problem(
        t.client.get(&hls_download).send().await.expect("download"),
        403,
        "hls download disabled",
    )
    .await;
    assert_eq!(
        t.client.get(file_url).send().await.expect("file").status(),
        200
    );

    // Deleting the video removes the web videos too.
    let r = t
        .client
        .delete(t.api(&format!("/api/v1/videos/{uuid}")))
        .bearer_auth(&token)
        .send()
        .await
        .expect("delete");
    assert_eq!(r.status(), 204);
    assert_eq!(
        t.client.get(file_url).send().await.expect("file").status(),
        404
    );
    let left = std::fs::read_dir(t.data_dir.join("storage/web-videos"))
        .map(|d| d.count())
        .unwrap_or(0);
    assert_eq!(left, 0, "web video files left behind");
}

async fn audio_only(backend: Backend) {
    let t = TestInstance::start_with(backend, "[transcoding]\nresolutions = [144, 240]\n").await;
    let token = t.root_token().await;
    let channel = t.channel_id(&token).await;
    let m4a = t.data_dir.join("tone.m4a");
    let st = std::process::Command::new("ffmpeg")
        .args([
            "-hide_banner",
            "-loglevel",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            "sine=duration=2",
            "-c:a",
            "aac",
        ])
        .arg(&m4a)
        .status()
        .expect("ffmpeg");
    assert!(st.success());
    let meta = json!({ "name": "audio only", "channelId": channel, "privacy": 1 });
    let created = t.upload_resumable(&token, &m4a, &meta, 64 * 1024).await;
    let uuid = created["video"]["uuid"].as_str().expect("uuid").to_string();
    let v = t.wait_published(&uuid, Some(&token)).await;
    let files = v["streamingPlaylists"][0]["files"]
        .as_array()
        .expect("files")
        .clone();
    assert_eq!(files.len(), 1, "{files:?}");
    assert_eq!(files[0]["resolution"]["id"], 0);
    assert_eq!(files[0]["hasVideo"], false);
    assert_eq!(files[0]["hasAudio"], true);
    let master = v["streamingPlaylists"][0]["playlistUrl"]
        .as_str()
        .expect("master");
    let probe = ffprobe(master);
    assert!(
        probe["streams"]
            .as_array()
            .expect("streams")
            .iter()
            .any(|s| s["codec_type"] == "audio"),
        "{probe}"
    );
    let thumb = t.abs(v["thumbnailPath"].as_str().expect("thumbnail"));
    let r = t.client.get(&thumb).send().await.expect("thumb");
    assert_eq!(r.status(), 200);
    assert_eq!(header(&r, "content-type").as_deref(), Some("image/jpeg"));
}

on_both_backends!(web_videos_and_downloads);
on_both_backends!(audio_only);

/// `PUT /videos/{id}` as PeerTube's clients send it: multipart, with a custom thumbnail that is
/// scaled to PeerTube's 280x157; a non-image is refused and changes nothing.
async fn custom_thumbnail(backend: Backend) {
    let t = TestInstance::start_with(backend, "[transcoding]\nresolutions = [144]\n").await;
    let token = t.root_token().await;
    let channel = t.channel_id(&token).await;
    let clip = make_clip(&t.data_dir, "tiny.mp4", 1, 256, 144);
    let r = t
        .legacy_upload(
            &token,
            &clip,
            &[
                ("name", "thumbs".into()),
                ("channelId", channel.to_string()),
                ("privacy", "1".into()),
            ],
        )
        .await;
    let uuid = r.json::<Value>().await.expect("json")["video"]["uuid"]
        .as_str()
        .expect("uuid")
        .to_string();
    let before = t.wait_published(&uuid, Some(&token)).await;
    let png = t.data_dir.join("red.png");
    let st = std::process::Command::new("ffmpeg")
        .args([
            "-hide_banner",
            "-loglevel",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            "color=c=red:s=640x360",
            "-frames:v",
            "1",
        ])
        .arg(&png)
        .status()
        .expect("ffmpeg");
    assert!(st.success());

    let (ct, body) = multipart(
        &[("name", "thumbs renamed")],
        &[(
            "thumbnailfile",
            "red.png",
            std::fs::read(&png).expect("png"),
        )],
    );
    let r = t
        .client
        .put(t.api(&format!("/api/v1/videos/{uuid}")))
        .bearer_auth(&token)
        .header("Content-Type", ct)
        .body(body)
        .send()
        .await
        .expect("put");
    assert_eq!(r.status(), 204, "{}", r.text().await.unwrap_or_default());
    let after = t.get_json(&format!("/api/v1/videos/{uuid}"), None).await;
    assert_eq!(after["name"], "thumbs renamed");
    assert_ne!(after["thumbnailPath"], before["thumbnailPath"]);
    let url = t.abs(after["thumbnailPath"].as_str().expect("thumbnail"));
    let probe = ffprobe(&url);
    assert_eq!(probe["streams"][0]["width"], 280, "{probe}");
    assert_eq!(probe["streams"][0]["height"], 157, "{probe}");

    let (ct, body) = multipart(
        &[("name", "not applied")],
        &[("thumbnailfile", "fake.png", b"not an image".to_vec())],
    );
    let r = t
        .client
        .put(t.api(&format!("/api/v1/videos/{uuid}")))
        .bearer_auth(&token)
        .header("Content-Type", ct)
        .body(body)
        .send()
        .await
        .expect("put");
    assert_problem(r, 400, "a text file as thumbnail").await;
    let (ct, body) = multipart(&[], &[("thumbnailfile", "x.exe", b"MZ".to_vec())]);
    let r = t
        .client
        .put(t.api(&format!("/api/v1/videos/{uuid}")))
        .bearer_auth(&token)
        .header("Content-Type", ct)
        .body(body)
        .send()
        .await
        .expect("put");
    assert_problem(r, 400, "a thumbnail with a wrong extension").await;
    let left = t.upload_temp_files();
    assert!(left.is_empty(), "temp files left: {left:?}");
}

on_both_backends!(custom_thumbnail);
