//! The spine: resumable upload in chunks -> transcoding -> HLS playback -> reads, edit, delete.

use crate::common::*;
use serde_json::{json, Value};

/// Variant playlist URIs listed in a master playlist, made absolute against `master_url`.
fn variants(master: &str, master_url: &str) -> Vec<String> {
    let base = &master_url[..master_url.rfind('/').expect("a slash") + 1];
    master
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            if l.starts_with("http") {
                l.to_string()
            } else {
                format!("{base}{l}")
            }
        })
        .collect()
}

async fn spine(backend: Backend) {
    let t = TestInstance::start(backend).await;
    let dir = tempfile::tempdir().expect("tmp");
    let clip = make_clip(dir.path(), "spine.mp4", 3, 640, 360);
    let data = std::fs::read(&clip).expect("clip");
    let total = data.len() as u64;
    assert!(total > 30_000, "clip unexpectedly small: {total}");

    let token = t.root_token().await;
    let channel = t.channel_id(&token).await;
    let meta = json!({ "name": "spine video", "channelId": channel, "privacy": 1 });

    // Resumable upload in 4 chunks, by hand, checking every answer.
    let session = t.resumable_session(&token, "spine.mp4", total, &meta).await;
    let chunk = (data.len() / 4) + 1;
    let mut start = 0usize;
    let mut created: Option<Value> = None;
    while start < data.len() {
        let end = (start + chunk).min(data.len());
        let r = t
            .put_chunk(
                &token,
                &session,
                data[start..end].to_vec(),
                start as u64,
                total,
            )
            .await;
        let status = r.status().as_u16();
        let range = header(&r, "range");
        let text = r.text().await.expect("body");
        if end < data.len() {
            assert_eq!(status, 308, "chunk {start}-{end}: {text}");
            assert_eq!(range, Some(format!("bytes=0-{}", end - 1)));
            // Asking where we are (`bytes */total`, empty body) answers the same Range.
            let r = t
                .client
                .put(&session)
                .bearer_auth(&token)
                .header("Content-Range", format!("bytes */{total}"))
                .header("Content-Length", "0")
                .send()
                .await
                .expect("ask");
            assert_eq!(r.status(), 308, "status query");
            assert_eq!(header(&r, "range"), Some(format!("bytes=0-{}", end - 1)));
        } else {
            assert_eq!(status, 200, "final chunk: {text}");
            created = Some(serde_json::from_str(&text).expect("json"));
        }
        start = end;
    }
    let created = created.expect("a final answer");
    let id = created["video"]["id"].as_i64().expect("id");
    let uuid = created["video"]["uuid"].as_str().expect("uuid").to_string();
    let short = created["video"]["shortUUID"]
        .as_str()
        .expect("shortUUID")
        .to_string();
    assert_ne!(short, uuid);

    let v = t.wait_published(&uuid, Some(&token)).await;
    assert_eq!(v["id"].as_i64(), Some(id));
    assert_eq!(v["name"], "spine video");
    assert!(
        v["duration"].as_i64().unwrap_or(0) >= 2,
        "duration: {}",
        v["duration"]
    );

    // HLS: master playlist, every variant playable by ffprobe.
    let pl = &v["streamingPlaylists"][0];
    let master_url = pl["playlistUrl"].as_str().expect("playlistUrl").to_string();
    let r = t.client.get(&master_url).send().await.expect("master");
    assert_eq!(r.status(), 200);
    let master = r.text().await.expect("master text");
    assert!(master.starts_with("#EXTM3U"), "master: {master}");
    let vars = variants(&master, &master_url);
    let files = pl["files"].as_array().expect("files").clone();
    assert!(!files.is_empty(), "no HLS files");
    assert_eq!(
        vars.len(),
        files.len(),
        "variants vs files:\n{master}\n{files:?}"
    );
    let mut heights: Vec<i64> = files
        .iter()
        .map(|f| f["resolution"]["id"].as_i64().expect("res"))
        .collect();
    heights.sort_unstable();
    assert_eq!(heights, vec![144, 240, 360], "ladder for a 360p input");
    for u in &vars {
        let r = t.client.get(u).send().await.expect("variant");
        assert_eq!(r.status(), 200, "variant {u}");
        let body = r.text().await.expect("variant text");
        assert!(body.contains("#EXT-X-MAP"), "variant {u}: {body}");
        let probe = ffprobe(u);
        let streams = probe["streams"].as_array().expect("streams");
        assert!(
            streams.iter().any(|s| s["codec_type"] == "video"),
            "no video stream in {u}: {probe}"
        );
    }

    // segments-sha256.json: every range of every file matches.
    let sha_url = pl["segmentsSha256Url"].as_str().expect("sha url");
    let sha: Value = {
        let r = t.client.get(sha_url).send().await.expect("sha");
        assert_eq!(r.status(), 200);
        r.json().await.expect("sha json")
    };
    let sha = sha.as_object().expect("sha object");
    assert_eq!(sha.len(), files.len(), "sha256 json files: {sha:?}");
    let base = &sha_url[..sha_url.rfind('/').expect("slash") + 1];
    let mut checked = 0;
    for (file, ranges) in sha {
        for (range, expected) in ranges.as_object().expect("ranges") {
            let (a, b) = range.split_once('-').expect("start-end");
            let (a, b): (u64, u64) = (a.parse().expect("a"), b.parse().expect("b"));
            let r = t
                .client
                .get(format!("{base}{file}"))
                .header("Range", format!("bytes={range}"))
                .send()
                .await
                .expect("segment");
            assert_eq!(r.status(), 206, "{file} {range}");
            let bytes = r.bytes().await.expect("bytes");
            assert_eq!(bytes.len() as u64, b - a + 1, "{file} {range} length");
            assert_eq!(
                sha256_hex(&bytes),
                expected.as_str().expect("hash"),
                "{file} {range}"
            );
            checked += 1;
        }
    }
    assert!(
        checked >= files.len(),
        "too few segments checked: {checked}"
    );

    // The same video by id, uuid, shortUUID and with a trailing slash; anonymously.
    for key in [id.to_string(), uuid.clone(), short.clone()] {
        let got = t.get_json(&format!("/api/v1/videos/{key}"), None).await;
        assert_eq!(got["uuid"].as_str(), Some(uuid.as_str()), "by {key}");
    }
    let list = t.get_json("/api/v1/videos", None).await;
    assert!(list["total"].as_i64().unwrap_or(0) >= 1, "{list}");
    assert!(
        list["data"]
            .as_array()
            .expect("data")
            .iter()
            .any(|x| x["uuid"] == uuid.as_str()),
        "uploaded video not listed: {list}"
    );

    // Edit. The anonymous read first fills the public answer cache: the edit must still show
    // at once on this node.
    let before = t.get_json(&format!("/api/v1/videos/{uuid}"), None).await;
    assert_eq!(before["name"], "spine video");
    let r = t
        .client
        .put(t.api(&format!("/api/v1/videos/{id}")))
        .bearer_auth(&token)
        .json(&json!({
            "name": "renamed spine",
            "description": "A longer description of the spine video.",
            "tags": ["alpha", "beta"],
        }))
        .send()
        .await
        .expect("update");
    assert_eq!(r.status(), 204, "{}", r.text().await.unwrap_or_default());
    let got = t.get_json(&format!("/api/v1/videos/{uuid}"), None).await;
    assert_eq!(got["name"], "renamed spine");
    assert_eq!(
        got["description"],
        "A longer description of the spine video."
    );
    let mut tags: Vec<String> = got["tags"]
        .as_array()
        .expect("tags")
        .iter()
        .map(|x| x.as_str().expect("tag").to_string())
        .collect();
    tags.sort();
    assert_eq!(tags, vec!["alpha", "beta"]);
    let d = t
        .get_json(&format!("/api/v1/videos/{id}/description"), None)
        .await;
    assert_eq!(d["description"], "A longer description of the spine video.");

    // Images.
    // Every HLS file has a torrent whose web seed is the file itself, and a magnet naming it.
    let details = t.get_json(&format!("/api/v1/videos/{uuid}"), None).await;
    for f in details["streamingPlaylists"][0]["files"]
        .as_array()
        .expect("files")
    {
        let torrent_url = f["torrentUrl"].as_str().expect("torrentUrl");
        let r = t.client.get(torrent_url).send().await.expect("torrent");
        assert_eq!(r.status(), 200, "{torrent_url}");
        assert_eq!(
            header(&r, "content-type").as_deref(),
            Some("application/x-bittorrent")
        );
        let meta = ferrotube_p2p::Metainfo::from_bytes(&r.bytes().await.expect("bytes"))
            .expect("a torrent");
        let file_url = f["fileUrl"].as_str().expect("fileUrl");
        assert_eq!(meta.url_list, vec![file_url.to_string()], "web seed");
        assert_eq!(Some(meta.info.length), f["size"].as_u64());
        assert!(meta
            .announce_list
            .iter()
            .flatten()
            .any(|a| a.ends_with("/tracker/socket")));
        let hash = hex::encode(meta.info_hash().expect("info hash"));
        let magnet = f["magnetUri"].as_str().expect("magnetUri");
        assert!(magnet.contains(&format!("xt=urn:btih:{hash}")), "{magnet}");
        let bytes = t
            .client
            .get(file_url)
            .send()
            .await
            .expect("file")
            .bytes()
            .await
            .expect("bytes");
        let plen = meta.info.piece_length as usize;
        for (i, want) in meta.info.pieces.chunks(20).enumerate() {
            let piece = &bytes[i * plen..((i + 1) * plen).min(bytes.len())];
            let got = <sha1::Sha1 as sha1::Digest>::digest(piece);
            assert_eq!(got.as_slice(), want, "piece {i}");
        }
        let dl = f["torrentDownloadUrl"]
            .as_str()
            .expect("torrentDownloadUrl");
        let r = t.client.get(dl).send().await.expect("torrent download");
        assert!(header(&r, "content-disposition")
            .unwrap_or_default()
            .starts_with("attachment"));
    }

    for key in ["thumbnailPath", "previewPath"] {
        let p = got[key]
            .as_str()
            .unwrap_or_else(|| panic!("{key} in {got}"));
        let r = t.get(p, None).send().await.expect("image");
        assert_eq!(r.status(), 200, "{key} {p}");
        assert_eq!(header(&r, "content-type").as_deref(), Some("image/jpeg"));
        let b = r.bytes().await.expect("bytes");
        assert!(b.starts_with(&[0xFF, 0xD8]), "{key} is not a JPEG");
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
        2 + 2 * files.len(),
        "files in {hls_dir:?}: {on_disk:?}"
    );

    // PeerTube accepts a trailing slash on every route.
    let got = t.get_json(&format!("/api/v1/videos/{uuid}/"), None).await;
    assert_eq!(
        got["uuid"].as_str(),
        Some(uuid.as_str()),
        "with a trailing slash"
    );

    // Delete: the video and its files are gone.
    let r = t
        .client
        .delete(t.api(&format!("/api/v1/videos/{id}")))
        .bearer_auth(&token)
        .send()
        .await
        .expect("delete");
    assert_eq!(r.status(), 204);
    let r = t
        .get(&format!("/api/v1/videos/{uuid}"), Some(&token))
        .send()
        .await
        .expect("get");
    assert_problem(r, 404, "deleted video").await;
    for u in vars.iter().chain([&master_url]) {
        let r = t.client.get(u).send().await.expect("file");
        assert_eq!(r.status(), 404, "{u} after delete");
    }
    for f in &files {
        let u = f["fileUrl"].as_str().expect("fileUrl");
        let r = t.client.get(u).send().await.expect("file");
        assert_eq!(r.status(), 404, "{u} after delete");
    }
    let torrents_left = std::fs::read_dir(t.data_dir.join("storage/torrents"))
        .map(|d| d.count())
        .unwrap_or(0);
    assert_eq!(torrents_left, 0, "torrents left on disk after delete");
    assert!(
        !t.data_dir
            .join(format!("storage/streaming-playlists/hls/{uuid}"))
            .exists(),
        "HLS directory left on disk"
    );
}

on_both_backends!(spine);
