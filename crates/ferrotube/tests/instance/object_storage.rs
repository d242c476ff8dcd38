//! Object storage against a real S3 server (moto, on loopback): the move job, public files read
//! from the bucket (HLS played from there), private files refused anonymously and served to the
//! owner through the instance, deletion, and `storage migrate` both ways.

use crate::common::*;
use ferrotube_storage::object::Kind;
use serde_json::Value;
use std::time::{Duration, Instant};

const TAG: &str = "ft";

async fn upload(
    t: &TestInstance,
    token: &str,
    clip: &std::path::Path,
    name: &str,
    privacy: i64,
) -> String {
    let channel = t.channel_id(token).await;
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
    let status = r.status();
    let text = r.text().await.expect("body");
    assert_eq!(status, 200, "upload {name}: {text}");
    let v: Value = serde_json::from_str(&text).expect("json");
    v["video"]["uuid"].as_str().expect("uuid").to_string()
}

/// Waits until the video's files say `storage` (0 local, 1 object storage).
async fn wait_storage(t: &TestInstance, uuid: &str, token: &str, storage: i64) -> Value {
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        let v = t
            .try_get_json(&format!("/api/v1/videos/{uuid}"), Some(token))
            .await
            .ok();
        if let Some(v) = v {
            let files = &v["streamingPlaylists"][0]["files"];
            if files
                .as_array()
                .is_some_and(|f| !f.is_empty() && f.iter().all(|f| f["storage"] == storage))
            {
                return v;
            }
        }
        assert!(
            Instant::now() < deadline,
            "video {uuid} never reached storage {storage}:\n{}",
            t.log_tail()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The URIs a playlist names (variants, or the media file of `EXT-X-MAP` and segments),
/// resolved against its URL.
fn playlist_uris(base: &str, text: &str) -> Vec<String> {
    let base = url::Url::parse(base).expect("playlist url");
    let mut out = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        let uri = if let Some(rest) = line.strip_prefix("#EXT-X-MAP:URI=\"") {
            rest.split('"').next().map(str::to_string)
        } else if !line.is_empty() && !line.starts_with('#') {
            Some(line.to_string())
        } else {
            None
        };
        if let Some(u) = uri {
            out.push(base.join(&u).expect("join").to_string());
        }
    }
    out
}

async fn anon_status(t: &TestInstance, url: &str) -> u16 {
    t.client
        .get(url)
        .header("Range", "bytes=0-99")
        .send()
        .await
        .expect("request")
        .status()
        .as_u16()
}

fn local_hls_dir(t: &TestInstance, uuid: &str) -> std::path::PathBuf {
    t.data_dir
        .join("storage/streaming-playlists/hls")
        .join(uuid)
}

async fn wait_no_objects(s3: &ferrotube_storage::object::S3Store, kind: Kind, prefix: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let left = s3.list(kind, prefix).await.expect("list");
        if left.is_empty() {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "objects left under {prefix}: {left:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

fn run_migrate(t: &TestInstance, to: &str) {
    let out = t.run_cli(&["storage", "migrate", "--to", to]);
    assert!(
        out.status.success(),
        "storage migrate --to {to}: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

async fn object_storage(backend: Backend) {
    let s3 = S3Server::start().await;
    let bucket = s3.store(TAG);
    let config = format!(
        "[transcoding]\nresolutions = [144]\nweb_videos = true\n\n{}",
        s3.config_toml(TAG)
    );
    let mut t = TestInstance::start_with(backend, &config).await;
    let dir = tempfile::tempdir().expect("tmp");
    let clip = make_clip(dir.path(), "o.mp4", 2, 320, 240);
    let root = t.root_token().await;
    let public = upload(&t, &root, &clip, "public one", 1).await;
    let private = upload(&t, &root, &clip, "private one", 3).await;

    // Public: every advertised URL is the bucket's, and HLS plays from there anonymously.
    let v = wait_storage(&t, &public, &root, 1).await;
    let endpoint = s3.endpoint();
    let pl = &v["streamingPlaylists"][0];
    let master = pl["playlistUrl"].as_str().expect("playlistUrl");
    assert!(
        master.starts_with(&format!("{endpoint}/{TAG}-playlists/hls/{public}/")),
        "{master}"
    );
    let text = t.client.get(master).send().await.expect("master");
    assert_eq!(text.status(), 200);
    let text = text.text().await.expect("master body");
    assert!(text.starts_with("#EXTM3U"), "{text}");
    let variants = playlist_uris(master, &text);
    assert!(!variants.is_empty(), "{text}");
    let variant_text = t
        .client
        .get(&variants[0])
        .send()
        .await
        .expect("variant")
        .text()
        .await
        .expect("variant body");
    let media = playlist_uris(&variants[0], &variant_text);
    assert!(!media.is_empty(), "{variant_text}");
    let seg = t
        .client
        .get(&media[0])
        .header("Range", "bytes=0-1023")
        .send()
        .await
        .expect("segment");
    assert!(
        seg.status().is_success(),
        "segment {}: {}",
        media[0],
        seg.status()
    );
    assert!(!seg.bytes().await.expect("segment body").is_empty());
    assert!(pl["segmentsSha256Url"]
        .as_str()
        .expect("sha")
        .starts_with(&endpoint));
    let file = &pl["files"][0];
    let file_url = file["fileUrl"].as_str().expect("fileUrl");
    assert!(
        file_url.starts_with(&format!("{endpoint}/{TAG}-playlists/")),
        "{file_url}"
    );
    assert_eq!(anon_status(&t, file_url).await, 206);
    // Its torrent's web seed is the bucket's URL.
    let torrent = t
        .get(file["torrentUrl"].as_str().expect("torrentUrl"), None)
        .send()
        .await
        .expect("torrent")
        .bytes()
        .await
        .expect("torrent body");
    assert!(
        torrent
            .windows(file_url.len())
            .any(|w| w == file_url.as_bytes()),
        "the torrent's web seed is not {file_url}"
    );
    let web = &v["files"][0];
    assert_eq!(web["storage"], 1);
    let web_url = web["fileUrl"].as_str().expect("web fileUrl");
    assert!(
        web_url.starts_with(&format!("{endpoint}/{TAG}-videos/web/")),
        "{web_url}"
    );
    assert_eq!(anon_status(&t, web_url).await, 206);
    // The local copies are gone; the instance's old paths redirect to the bucket.
    assert!(!local_hls_dir(&t, &public).exists());
    let name = master.rsplit('/').next().expect("name");
    let old = t
        .get(
            &format!("/static/streaming-playlists/hls/{public}/{name}"),
            None,
        )
        .send()
        .await
        .expect("old path");
    assert_eq!(old.status(), 302);
    assert_eq!(header(&old, "location").as_deref(), Some(master));
    // The original is in its bucket, private.
    let originals = bucket
        .list(Kind::OriginalVideoFiles, &public)
        .await
        .expect("list originals");
    assert_eq!(originals.len(), 1, "{originals:?}");
    let original_url = bucket.public_url(Kind::OriginalVideoFiles, &originals[0]);
    assert_eq!(anon_status(&t, &original_url).await, 403);

    // Private: the files are in the bucket but not readable there; the instance serves them to
    // the owner only.
    let pv = wait_storage(&t, &private, &root, 1).await;
    let ppl = &pv["streamingPlaylists"][0];
    let pmaster = ppl["playlistUrl"].as_str().expect("private playlistUrl");
    assert!(
        pmaster.starts_with(&format!(
            "{}/static/streaming-playlists/hls/private/",
            t.url
        )),
        "{pmaster}"
    );
    let pname = pmaster.rsplit('/').next().expect("name");
    let in_bucket = bucket
        .list(Kind::StreamingPlaylists, &format!("{private}/"))
        .await
        .expect("list");
    assert!(
        in_bucket.iter().any(|k| k.ends_with(pname)),
        "{in_bucket:?}"
    );
    let direct = bucket.public_url(Kind::StreamingPlaylists, &format!("{private}/{pname}"));
    assert_eq!(anon_status(&t, &direct).await, 403, "{direct}");
    let anon = anon_status(&t, pmaster).await;
    assert!(
        matches!(anon, 401 | 403 | 404),
        "anonymous read of a private file: {anon}"
    );
    let owner = t.get(pmaster, Some(&root)).send().await.expect("owner");
    assert_eq!(owner.status(), 200);
    assert!(owner.text().await.expect("body").starts_with("#EXTM3U"));
    let pfile = ppl["files"][0]["fileUrl"]
        .as_str()
        .expect("private fileUrl");
    let ranged = t
        .get(pfile, Some(&root))
        .header("Range", "bytes=0-99")
        .send()
        .await
        .expect("owner range");
    assert_eq!(ranged.status(), 206);
    assert_eq!(header(&ranged, "content-length").as_deref(), Some("100"));
    assert_eq!(ranged.bytes().await.expect("range body").len(), 100);

    // Deleting a video removes its objects.
    let del = t
        .client
        .delete(t.api(&format!("/api/v1/videos/{public}")))
        .bearer_auth(&root)
        .send()
        .await
        .expect("delete");
    assert_eq!(del.status(), 204);
    wait_no_objects(&bucket, Kind::StreamingPlaylists, &format!("{public}/")).await;
    wait_no_objects(&bucket, Kind::OriginalVideoFiles, &public).await;
    wait_no_objects(&bucket, Kind::WebVideos, &public).await;

    // `storage migrate --to local` brings the private video back; `--to s3` moves it again.
    t.kill();
    run_migrate(&t, "local");
    t.restart().await;
    let back = wait_storage(&t, &private, &root, 0).await;
    assert!(local_hls_dir(&t, &private).join(pname).exists());
    wait_no_objects(&bucket, Kind::StreamingPlaylists, &format!("{private}/")).await;
    let url = back["streamingPlaylists"][0]["playlistUrl"]
        .as_str()
        .expect("playlistUrl");
    let r = t.get(url, Some(&root)).send().await.expect("local read");
    assert_eq!(r.status(), 200);
    t.kill();
    run_migrate(&t, "s3");
    t.restart().await;
    wait_storage(&t, &private, &root, 1).await;
    assert!(!local_hls_dir(&t, &private).exists());
    let again = bucket
        .list(Kind::StreamingPlaylists, &format!("{private}/"))
        .await
        .expect("list");
    assert!(again.iter().any(|k| k.ends_with(pname)), "{again:?}");
    let owner = t.get(pmaster, Some(&root)).send().await.expect("owner");
    assert_eq!(owner.status(), 200);

    // Made public, its objects become readable from the bucket and are advertised there.
    let r = t
        .client
        .put(t.api(&format!("/api/v1/videos/{private}")))
        .bearer_auth(&root)
        .json(&serde_json::json!({ "privacy": 1 }))
        .send()
        .await
        .expect("update");
    assert_eq!(r.status(), 204);
    let deadline = Instant::now() + Duration::from_secs(60);
    let now_public = loop {
        let v = t
            .get_json(&format!("/api/v1/videos/{private}"), Some(&root))
            .await;
        let url = v["streamingPlaylists"][0]["playlistUrl"]
            .as_str()
            .unwrap_or("")
            .to_string();
        if url.starts_with(&endpoint) {
            break url;
        }
        assert!(
            Instant::now() < deadline,
            "never advertised at the bucket: {url}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(anon_status(&t, &now_public).await, 206);
    assert_eq!(anon_status(&t, &direct).await, 206);
}

on_both_backends!(object_storage);

/// Large files go up in parts (`max_upload_part` 5 MB here) and read back whole and by range.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn multipart_upload_and_ranges() {
    let s3 = S3Server::start().await;
    let store = s3.store("mp");
    store.ensure_buckets().await.expect("buckets");
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("big.mp4");
    let data: Vec<u8> = (0..(11 * 1024 * 1024 + 7))
        .map(|i: u32| (i % 251) as u8)
        .collect();
    std::fs::write(&path, &data).expect("write");
    store
        .put_file(
            Kind::WebVideos,
            "big.mp4",
            &path,
            ferrotube_storage::object::Acl::Public,
        )
        .await
        .expect("multipart upload");
    let body = reqwest::get(store.public_url(Kind::WebVideos, "big.mp4"))
        .await
        .expect("get")
        .bytes()
        .await
        .expect("body");
    assert_eq!(body.len(), data.len());
    assert!(body == data);
    let back = dir.path().join("back.mp4");
    store
        .download(Kind::WebVideos, "big.mp4", &back)
        .await
        .expect("download");
    assert!(std::fs::read(&back).expect("read") == data);
    let mut part = store
        .get(
            Kind::WebVideos,
            "big.mp4",
            Some((5 * 1024 * 1024, Some(5 * 1024 * 1024 + 9))),
        )
        .await
        .expect("range");
    assert_eq!(part.status, 206);
    use futures::StreamExt;
    let mut got = Vec::new();
    while let Some(c) = part.body.next().await {
        got.extend_from_slice(&c.expect("chunk"));
    }
    assert_eq!(got, data[5 * 1024 * 1024..5 * 1024 * 1024 + 10]);
    store
        .delete(Kind::WebVideos, "big.mp4")
        .await
        .expect("delete");
    assert!(store
        .list(Kind::WebVideos, "")
        .await
        .expect("list")
        .is_empty());
}

/// The S3 server is down when a video is published: the video plays from its local files, the
/// move job fails and is retried with backoff, and once the server is up the files move and
/// the video is read from the bucket.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn while_the_s3_server_is_down_videos_play_locally_and_move_later() {
    let port = std::net::TcpListener::bind(("127.0.0.1", 0))
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("port");
    let endpoint = format!("http://127.0.0.1:{port}");
    let config = format!(
        "[transcoding]\nresolutions = [144]\n\n{}",
        ferrotube_testkit::s3::config_toml_for(&endpoint, "down")
    );
    let t = TestInstance::start_with(Backend::Sqlite, &config).await;
    let dir = tempfile::tempdir().expect("tmp");
    let clip = make_clip(dir.path(), "down.mp4", 1, 320, 240);
    let root = t.root_token().await;
    let uuid = upload(&t, &root, &clip, "moved later", 1).await;

    // Published on local files, which the instance serves while the bucket is out of reach.
    let v = t.wait_published(&uuid, Some(&root)).await;
    let master = v["streamingPlaylists"][0]["playlistUrl"]
        .as_str()
        .expect("playlistUrl")
        .to_string();
    assert!(master.starts_with(&t.url), "{master}");
    let status = anon_status(&t, &master).await;
    assert!((200..300).contains(&status), "{status}");
    let files = &v["streamingPlaylists"][0]["files"];
    assert!(
        files
            .as_array()
            .is_some_and(|f| f.iter().all(|f| f["storage"] == 0)),
        "{v}"
    );
    // The move job failed at least once and waits for its retry.
    let deadline = Instant::now() + Duration::from_secs(30);
    while t
        .jobs_total(&root, "delayed", "move-to-object-storage")
        .await
        .unwrap_or(0)
        == 0
    {
        assert!(
            Instant::now() < deadline,
            "no retry queued:\n{}",
            t.log_tail()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    // The server comes up: the retried job moves the files; the bucket serves them.
    let _s3 = S3Server::start_at("127.0.0.1", port)
        .await
        .expect("moto_server");
    let v = wait_storage(&t, &uuid, &root, 1).await;
    let master = v["streamingPlaylists"][0]["playlistUrl"]
        .as_str()
        .expect("playlistUrl");
    assert!(
        master.starts_with(&format!("{endpoint}/down-playlists/")),
        "{master}"
    );
    let status = anon_status(&t, master).await;
    assert!((200..300).contains(&status), "{status}");
}

/// A worker SIGKILLed while it moves a video to the bucket (the S3 server frozen under it, so
/// the move is caught half-way): the video stays advertised at its local files, which play;
/// once the job's lease runs out another worker takes it and finishes the move, and the video
/// is then read from the bucket, its local copies gone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_killed_mid_move_leaves_the_video_playable_and_another_finishes() {
    let s3 = S3Server::start().await;
    let launch = Launch {
        config: format!(
            "[transcoding]\nresolutions = [144]\n[jobs]\nlease_secs = 3\n\n{}",
            s3.config_toml("killed")
        ),
        env: vec![("FERROTUBE_ROLE".into(), "web".into())],
        ..Launch::new(Backend::Postgres)
    };
    let mut t = TestInstance::launch(launch).await.expect("web node");
    let worker = t.spawn_worker().expect("worker");
    let root = t.root_token().await;
    let dir = tempfile::tempdir().expect("tmp");
    let clip = make_clip(dir.path(), "killed.mp4", 1, 320, 240);
    // Transcoding writes local files only; the move that follows will hang on the frozen server.
    s3.pause();
    let uuid = upload(&t, &root, &clip, "moved by the second worker", 1).await;
    let v = t.wait_published(&uuid, Some(&root)).await;
    let deadline = Instant::now() + Duration::from_secs(60);
    while t
        .jobs_total(&root, "active", "move-to-object-storage")
        .await
        .unwrap_or(0)
        == 0
    {
        assert!(
            Instant::now() < deadline,
            "the move never started:\n{}",
            t.log_tail()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    t.kill_node(worker);

    // Half-moved is never advertised: the video names its local files, and they play.
    let v2 = t.get_json(&format!("/api/v1/videos/{uuid}"), None).await;
    assert_eq!(
        v2["streamingPlaylists"][0]["playlistUrl"],
        v["streamingPlaylists"][0]["playlistUrl"]
    );
    let master = v2["streamingPlaylists"][0]["playlistUrl"]
        .as_str()
        .expect("playlistUrl")
        .to_string();
    assert!(master.starts_with(&t.url), "{master}");
    let r = t.client.get(&master).send().await.expect("master");
    assert_eq!(r.status(), 200);
    let text = r.text().await.expect("text");
    for uri in playlist_uris(&master, &text) {
        let status = anon_status(&t, &uri).await;
        assert!((200..300).contains(&status), "{uri}: {status}");
    }
    assert!(local_hls_dir(&t, &uuid).exists());

    // The server thaws and a new worker finishes what the dead one started.
    s3.resume();
    t.spawn_worker().expect("second worker");
    let v = wait_storage(&t, &uuid, &root, 1).await;
    let master = v["streamingPlaylists"][0]["playlistUrl"]
        .as_str()
        .expect("playlistUrl");
    assert!(master.starts_with(&s3.endpoint()), "{master}");
    assert_eq!(anon_status(&t, master).await, 206);
    let deadline = Instant::now() + Duration::from_secs(20);
    while local_hls_dir(&t, &uuid).exists() {
        assert!(Instant::now() < deadline, "local copies left behind");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let failed = t
        .jobs_total(&root, "failed", "move-to-object-storage")
        .await
        .expect("failed jobs");
    assert_eq!(failed, 0);
}

/// `proxify_private_files = false`: once the instance has checked the viewer, a private video's
/// media file is a redirect to a pre-signed URL of the bucket (no shared cache may keep it),
/// which reads the file there; playlists are still streamed by the instance, and an anonymous
/// client gets neither.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_proxying_a_private_file_is_a_redirect_to_a_signed_bucket_url() {
    let s3 = S3Server::start().await;
    let config = format!(
        "[transcoding]\nresolutions = [144]\n\n{}\n[object_storage.proxy]\nproxify_private_files = false\n",
        s3.config_toml("signed")
    );
    let t = TestInstance::start_with(Backend::Sqlite, &config).await;
    let dir = tempfile::tempdir().expect("tmp");
    let clip = make_clip(dir.path(), "signed.mp4", 1, 320, 240);
    let root = t.root_token().await;
    let uuid = upload(&t, &root, &clip, "signed for its owner", 3).await;
    let v = wait_storage(&t, &uuid, &root, 1).await;
    let pl = &v["streamingPlaylists"][0];

    let master = pl["playlistUrl"].as_str().expect("playlistUrl");
    let owner = t.get(master, Some(&root)).send().await.expect("owner");
    assert_eq!(owner.status(), 200, "playlists are streamed");
    assert!(owner.text().await.expect("body").starts_with("#EXTM3U"));

    let file = pl["files"][0]["fileUrl"].as_str().expect("fileUrl");
    assert!(file.starts_with(&t.url), "{file}");
    let anon = anon_status(&t, file).await;
    assert!(matches!(anon, 401 | 403 | 404), "anonymous: {anon}");
    let r = t.get(file, Some(&root)).send().await.expect("owner file");
    assert_eq!(r.status(), 302);
    assert_eq!(
        header(&r, "cache-control").as_deref(),
        Some("private, no-store")
    );
    let signed = header(&r, "location").expect("location");
    assert!(
        signed.starts_with(&s3.endpoint()) && signed.contains("X-Amz-Signature="),
        "{signed}"
    );
    // The signed URL reads the file from the bucket, ranges included; unsigned, it is refused.
    let got = t
        .client
        .get(&signed)
        .header("Range", "bytes=0-99")
        .send()
        .await
        .expect("signed read");
    assert_eq!(got.status(), 206);
    assert_eq!(got.bytes().await.expect("body").len(), 100);
    let unsigned = signed.split('?').next().expect("path");
    assert_eq!(anon_status(&t, unsigned).await, 403, "{unsigned}");
}

/// Local caption files of the video `uuid`.
fn local_captions(t: &TestInstance, uuid: &str) -> usize {
    std::fs::read_dir(t.data_dir.join("storage/captions").join(uuid))
        .map(|d| d.count())
        .unwrap_or(0)
}

/// Waits until the captions bucket holds exactly one caption of `uuid`, whose key ends with
/// `suffix`, and no local copy is left; answers its key.
async fn wait_caption_moved(
    t: &TestInstance,
    bucket: &ferrotube_storage::object::S3Store,
    uuid: &str,
    suffix: &str,
) -> String {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let keys = bucket
            .list(Kind::Captions, &format!("{uuid}/"))
            .await
            .expect("list captions");
        let local = local_captions(t, uuid);
        if keys.len() == 1 && keys[0].ends_with(suffix) && local == 0 {
            return keys[0].clone();
        }
        assert!(
            Instant::now() < deadline,
            "bucket {keys:?}, {local} local file(s):\n{}",
            t.log_tail()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The text of the video's first caption, read anonymously at its `captionPath`.
async fn caption_text(t: &TestInstance, uuid: &str) -> String {
    let list = t
        .get_json(&format!("/api/v1/videos/{uuid}/captions"), None)
        .await;
    let path = list["data"][0]["captionPath"]
        .as_str()
        .expect("captionPath")
        .to_string();
    let r = t.get(&path, None).send().await.expect("caption");
    assert_eq!(r.status(), 200, "streamed, not redirected: {path}");
    r.text().await.expect("text")
}

/// The captions of a moved video: a caption added to it goes to the captions bucket (its local
/// copy removed), a replaced one's old object is deleted, the instance streams them at its own
/// path, `storage migrate` takes them back and forth with the video, and a deleted caption's
/// object is gone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn captions_follow_their_video_into_the_bucket_and_back() {
    let s3 = S3Server::start().await;
    let config = format!(
        "[transcoding]\nresolutions = [144]\n\n{}",
        s3.config_toml("capt")
    );
    let t = TestInstance::start_with(Backend::Sqlite, &config).await;
    let bucket = s3.store("capt");
    let dir = tempfile::tempdir().expect("tmp");
    let clip = make_clip(dir.path(), "capt.mp4", 1, 320, 240);
    let root = t.root_token().await;
    let uuid = upload(&t, &root, &clip, "captioned in the bucket", 1).await;
    wait_storage(&t, &uuid, &root, 1).await;

    let vtt = "WEBVTT\n\n00:00.000 --> 00:01.000\nIn the bucket\n";
    let r =
        crate::captions::put_caption(&t, Some(&root), &uuid, "en", "en.vtt", vtt.as_bytes()).await;
    assert_eq!(r.status(), 204);
    let first = wait_caption_moved(&t, &bucket, &uuid, "-en.vtt").await;
    assert!(caption_text(&t, &uuid).await.contains("In the bucket"));

    // Replaced: the new file moves, the old object goes.
    let vtt2 = "WEBVTT\n\n00:00.000 --> 00:01.000\nReplaced in the bucket\n";
    let r =
        crate::captions::put_caption(&t, Some(&root), &uuid, "en", "en.vtt", vtt2.as_bytes()).await;
    assert_eq!(r.status(), 204);
    let second = wait_caption_moved(&t, &bucket, &uuid, "-en.vtt").await;
    assert_ne!(first, second, "the old caption's object stayed");
    assert!(caption_text(&t, &uuid)
        .await
        .contains("Replaced in the bucket"));

    // Back to local disk with the video, and out again.
    run_migrate(&t, "local");
    wait_storage(&t, &uuid, &root, 0).await;
    assert_eq!(local_captions(&t, &uuid), 1);
    wait_no_objects(&bucket, Kind::Captions, &format!("{uuid}/")).await;
    assert!(caption_text(&t, &uuid)
        .await
        .contains("Replaced in the bucket"));
    run_migrate(&t, "s3");
    wait_storage(&t, &uuid, &root, 1).await;
    wait_caption_moved(&t, &bucket, &uuid, "-en.vtt").await;

    // Deleted: its object goes.
    let r = t
        .client
        .delete(t.api(&format!("/api/v1/videos/{uuid}/captions/en")))
        .bearer_auth(&root)
        .send()
        .await
        .expect("delete caption");
    assert_eq!(r.status(), 204);
    wait_no_objects(&bucket, Kind::Captions, &format!("{uuid}/")).await;
}
