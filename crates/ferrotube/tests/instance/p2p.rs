//! Peer-to-peer delivery through the real server: the private tracker over HTTP (bencoded
//! announce and scrape, compact peers) and WebSocket (WebTorrent offers and answers), refusal of
//! unknown info hashes, peer expiry and throttling, the player's settings on the watch and embed
//! pages, playback metrics, and a stock BitTorrent client (Debian's aria2c) downloading video
//! files through the instance's web seed.

use crate::common::*;
use futures::{SinkExt, StreamExt};
use serde_bencode::value::Value as Bencode;
use serde_json::{json, Value};
use sha1::{Digest, Sha1};
use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;

/// One rung, plain MP4s too, and a one-second tracker interval so that expiry is quick to see.
const CONFIG: &str =
    "[transcoding]\nresolutions = [144]\nweb_videos = true\n[tracker]\ninterval_secs = 1\n";

/// Uploads a 2 s clip and waits until it is published; answers the video details.
async fn publish(t: &TestInstance, token: &str, name: &str) -> Value {
    let channel = t.channel_id(token).await;
    let clip = make_clip(&t.data_dir, &format!("{name}.mp4"), 2, 256, 144);
    let r = t
        .legacy_upload(
            token,
            &clip,
            &[
                ("name", name.into()),
                ("channelId", channel.to_string()),
                ("privacy", "1".into()),
            ],
        )
        .await;
    assert_eq!(r.status(), 200);
    let created: Value = r.json().await.expect("json");
    let uuid = created["video"]["uuid"].as_str().expect("uuid").to_string();
    t.wait_published(&uuid, Some(token)).await
}

fn pct(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("%{b:02X}")).collect()
}

fn info_hash_of(file: &Value) -> [u8; 20] {
    let magnet = file["magnetUri"].as_str().expect("magnetUri");
    let hex = magnet
        .split("xt=urn:btih:")
        .nth(1)
        .expect("btih")
        .split('&')
        .next()
        .expect("hash");
    hex::decode(hex).expect("hex").try_into().expect("20 bytes")
}

fn swarm_id(master: &str, i: usize) -> [u8; 20] {
    Sha1::digest(format!("2{master}+V{i}").as_bytes()).into()
}

fn dict(bytes: &[u8]) -> HashMap<Vec<u8>, Bencode> {
    match serde_bencode::from_bytes::<Bencode>(bytes) {
        Ok(Bencode::Dict(d)) => d,
        other => panic!(
            "not a bencoded dict: {other:?} ({:?})",
            String::from_utf8_lossy(bytes)
        ),
    }
}

fn int(d: &HashMap<Vec<u8>, Bencode>, k: &str) -> i64 {
    match d.get(k.as_bytes()) {
        Some(Bencode::Int(i)) => *i,
        other => panic!("{k}: {other:?}"),
    }
}

fn bytes<'a>(d: &'a HashMap<Vec<u8>, Bencode>, k: &str) -> &'a [u8] {
    match d.get(k.as_bytes()) {
        Some(Bencode::Bytes(b)) => b,
        other => panic!("{k}: {other:?}"),
    }
}

async fn announce(t: &TestInstance, hash: &[u8; 20], peer: u8, port: u16, left: u64) -> Vec<u8> {
    let url = format!(
        "{}/tracker/announce?info_hash={}&peer_id={}&port={port}&uploaded=0&downloaded=0&left={left}&event=started&compact=1",
        t.url,
        pct(hash),
        pct(&[peer; 20])
    );
    let r = t.client.get(url).send().await.expect("announce");
    assert_eq!(r.status(), 200);
    r.bytes().await.expect("body").to_vec()
}

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn ws_connect(t: &TestInstance) -> Ws {
    ws_connect_to(&t.url).await
}

/// The tracker's WebSocket of the node at `base` (`http://host:port`).
pub(crate) async fn ws_connect_to(base: &str) -> Ws {
    let url = format!("{}/tracker/socket", base.replacen("http", "ws", 1));
    tokio_tungstenite::connect_async(url).await.expect("ws").0
}

pub(crate) async fn ws_send(c: &mut Ws, v: Value) {
    c.send(Message::Text(v.to_string().into()))
        .await
        .expect("send");
}

pub(crate) async fn ws_recv(c: &mut Ws) -> Value {
    loop {
        let m = tokio::time::timeout(Duration::from_secs(10), c.next())
            .await
            .expect("a tracker message within 10 s")
            .expect("open socket")
            .expect("frame");
        if let Message::Text(t) = m {
            return serde_json::from_str(t.as_str()).expect("json");
        }
    }
}

/// JavaScript "binary string": one char per byte.
pub(crate) fn bin(id: &[u8]) -> String {
    id.iter().map(|&b| char::from(b)).collect()
}

async fn tracker(backend: Backend) {
    let t = TestInstance::start_with(backend, CONFIG).await;
    let token = t.root_token().await;
    let v = publish(&t, &token, "tracked").await;
    let web = &v["files"][0];
    let hls = &v["streamingPlaylists"][0];
    let web_hash = info_hash_of(web);
    let hls_hash = info_hash_of(&hls["files"][0]);

    // Unknown info hashes are refused on every endpoint: the tracker is private.
    let body = announce(&t, &[0x42; 20], 1, 6881, 10).await;
    assert_eq!(bytes(&dict(&body), "failure reason"), b"unknown info_hash");

    // Two HTTP peers of a file's torrent find each other, as compact peers.
    let d = dict(&announce(&t, &web_hash, 1, 6881, 0).await);
    assert_eq!((int(&d, "complete"), int(&d, "incomplete")), (1, 0));
    assert_eq!(int(&d, "interval"), 1);
    let d = dict(&announce(&t, &web_hash, 2, 6882, 100).await);
    assert_eq!((int(&d, "complete"), int(&d, "incomplete")), (1, 1));
    assert_eq!(
        bytes(&d, "peers"),
        &[127, 0, 0, 1, 0x1A, 0xE1],
        "peer 1 at 127.0.0.1:6881"
    );
    // The HLS file's torrent is known too.
    let d = dict(&announce(&t, &hls_hash, 3, 6883, 100).await);
    assert_eq!(int(&d, "incomplete"), 1);

    let scrape = format!(
        "{}/tracker/scrape?info_hash={}&info_hash={}",
        t.url,
        pct(&web_hash),
        pct(&[0x42; 20])
    );
    let body = t.client.get(scrape).send().await.expect("scrape");
    let d = dict(&body.bytes().await.expect("body"));
    let Some(Bencode::Dict(files)) = d.get(b"files".as_slice()) else {
        panic!("no files in scrape: {d:?}")
    };
    assert_eq!(files.len(), 1, "the unknown hash is left out");
    let Some(Bencode::Dict(f)) = files.get(web_hash.as_slice()) else {
        panic!("scrape is keyed by the binary info hash: {files:?}")
    };
    assert_eq!((int(f, "complete"), int(f, "incomplete")), (1, 1));

    // Silent peers expire after two intervals (1 s here).
    tokio::time::sleep(Duration::from_millis(2600)).await;
    let d = dict(&announce(&t, &web_hash, 2, 6882, 100).await);
    assert_eq!(bytes(&d, "peers"), b"", "peer 1 expired");
    assert_eq!((int(&d, "complete"), int(&d, "incomplete")), (0, 1));

    // WebSocket: the HLS swarm id of variant 0 is PeerTube's; two browsers signal through it.
    let master = hls["playlistUrl"].as_str().expect("playlistUrl");
    let swarm = bin(&swarm_id(master, 0));
    let (id_a, id_b) = (bin(&[b'a'; 20]), bin(&[b'b'; 20]));
    let mut a = ws_connect(&t).await;
    ws_send(
        &mut a,
        json!({"action": "announce", "info_hash": swarm, "peer_id": id_a, "numwant": 5,
               "uploaded": 0, "downloaded": 0, "left": 0, "event": "started", "offers": []}),
    )
    .await;
    let r = ws_recv(&mut a).await;
    assert_eq!(r["action"], "announce", "{r}");
    assert!(r.get("failure reason").is_none(), "{r}");
    assert_eq!(r["complete"], 1);

    let mut b = ws_connect(&t).await;
    let offer = json!({"type": "offer", "sdp": "v=0 b"});
    ws_send(
        &mut b,
        json!({"action": "announce", "info_hash": swarm, "peer_id": id_b, "numwant": 5,
               "left": 10, "event": "started", "offers": [{"offer": offer, "offer_id": "o1"}]}),
    )
    .await;
    let r = ws_recv(&mut b).await;
    assert_eq!(
        (r["complete"].as_u64(), r["incomplete"].as_u64()),
        (Some(1), Some(1)),
        "{r}"
    );
    let r = ws_recv(&mut a).await;
    assert_eq!(r["offer"], offer, "A gets B's offer: {r}");
    assert_eq!(r["peer_id"], id_b.as_str());
    let answer = json!({"type": "answer", "sdp": "v=0 a"});
    ws_send(
        &mut a,
        json!({"action": "announce", "info_hash": swarm, "peer_id": id_a, "to_peer_id": id_b,
               "answer": answer, "offer_id": "o1"}),
    )
    .await;
    let r = ws_recv(&mut b).await;
    assert_eq!(r["answer"], answer, "B gets A's answer: {r}");
    assert_eq!(r["offer_id"], "o1");
    assert_eq!(r["peer_id"], id_a.as_str());

    // B leaves with `stopped`; A's scrape then counts only itself. `completed` makes a seeder.
    ws_send(
        &mut b,
        json!({"action": "announce", "info_hash": swarm, "peer_id": id_b, "event": "stopped"}),
    )
    .await;
    // `stopped` has no answer; a scrape on the same socket is answered after it is applied (the
    // two sockets are served independently, so A's next announce could otherwise come first).
    ws_send(&mut b, json!({"action": "scrape", "info_hash": [swarm]})).await;
    let r = ws_recv(&mut b).await;
    assert_eq!(r["action"], "scrape", "{r}");
    ws_send(
        &mut a,
        json!({"action": "announce", "info_hash": swarm, "peer_id": id_a, "left": 0,
               "event": "completed", "offers": []}),
    )
    .await;
    let r = ws_recv(&mut a).await;
    assert_eq!(
        (r["complete"].as_u64(), r["incomplete"].as_u64()),
        (Some(1), Some(0)),
        "{r}"
    );

    // A variant the playlist does not have is not a swarm of ours.
    let n = hls["files"].as_array().expect("files").len();
    ws_send(
        &mut a,
        json!({"action": "announce", "info_hash": bin(&swarm_id(master, n)), "peer_id": id_a,
               "offers": []}),
    )
    .await;
    let r = ws_recv(&mut a).await;
    assert_eq!(r["failure reason"], "unknown info_hash", "{r}");

    // Deleting the video forgets its info hashes (the known set is rebuilt on change).
    let r = t
        .client
        .delete(t.api(&format!(
            "/api/v1/videos/{}",
            v["uuid"].as_str().expect("uuid")
        )))
        .bearer_auth(&token)
        .send()
        .await
        .expect("delete");
    assert_eq!(r.status(), 204);
    let mut refused = false;
    for _ in 0..50 {
        let body = announce(&t, &web_hash, 1, 6881, 10).await;
        if dict(&body).contains_key(b"failure reason".as_slice()) {
            refused = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(refused, "the deleted video's torrent is still tracked");
}

async fn throttling(backend: Backend) {
    let t = TestInstance::start_with(backend, "[tracker]\nmax_announces_per_minute = 5\n").await;
    let mut reasons = Vec::new();
    for i in 0..7u8 {
        let body = announce(&t, &[0x42; 20], i, 6881, 1).await;
        reasons.push(String::from_utf8_lossy(bytes(&dict(&body), "failure reason")).into_owned());
    }
    assert_eq!(reasons[..5], vec!["unknown info_hash"; 5]);
    assert_eq!(reasons[5..], vec!["too many requests, slow down"; 2]);
    // A WebSocket peer over the limit is told so and hung up on.
    let mut c = ws_connect(&t).await;
    ws_send(&mut c, json!({"action": "scrape", "info_hash": []})).await;
    let r = ws_recv(&mut c).await;
    assert_eq!(r["failure reason"], "too many requests, slow down", "{r}");
    let end = tokio::time::timeout(Duration::from_secs(5), c.next())
        .await
        .expect("the socket closes");
    assert!(
        matches!(end, None | Some(Ok(Message::Close(_))) | Some(Err(_))),
        "{end:?}"
    );
}

async fn pages_and_metrics(backend: Backend) {
    let t = TestInstance::start_with(backend, CONFIG).await;
    let token = t.root_token().await;
    let v = publish(&t, &token, "embedded").await;
    let uuid = v["uuid"].as_str().expect("uuid");
    let hls = &v["streamingPlaylists"][0];
    let master = hls["playlistUrl"].as_str().expect("playlistUrl");

    for page in [format!("/videos/embed/{uuid}"), format!("/w/{uuid}")] {
        let r = t.client.get(t.api(&page)).send().await.expect("page");
        assert_eq!(r.status(), 200, "{page}");
        let html = r.text().await.expect("html");
        assert!(
            html.contains("/client/player.js"),
            "{page} loads the P2P player"
        );
        let attr = html
            .split("data-p2p=\"")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .unwrap_or_else(|| panic!("{page}: no data-p2p in {html}"));
        let config: Value = serde_json::from_str(&unescape(attr))
            .unwrap_or_else(|e| panic!("{page}: data-p2p is not JSON ({e}): {attr}"));
        assert_eq!(
            config["trackers"][0],
            format!("{}/tracker/socket", t.url.replacen("http", "ws", 1))
        );
        assert_eq!(config["segmentsSha256Url"], hls["segmentsSha256Url"]);
        let swarms = config["swarms"].as_object().expect("swarms");
        assert_eq!(swarms.len(), hls["files"].as_array().expect("files").len());
        // Variant i of the master playlist gets sha1("2" + master + "+V" + i).
        let text = t
            .client
            .get(master)
            .send()
            .await
            .expect("master")
            .text()
            .await
            .expect("text");
        let base = master.rsplit_once('/').expect("base").0;
        for (i, uri) in text
            .lines()
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .enumerate()
        {
            assert_eq!(
                swarms[&format!("{base}/{uri}")],
                hex::encode(swarm_id(master, i)),
                "{page}: variant {i}"
            );
        }
    }
    let r = t
        .client
        .get(t.api("/client/player.js"))
        .send()
        .await
        .expect("player");
    assert_eq!(r.status(), 200);
    assert!(r
        .text()
        .await
        .expect("js")
        .contains("__ferrotubeSwarmInfoHash"));
    let r = t
        .client
        .get(t.api("/videos/embed/00000000-0000-4000-8000-000000000000"))
        .send()
        .await
        .expect("embed");
    assert_eq!(r.status(), 404);

    let metric = |video: Value, mode: &str| {
        json!({"playerMode": mode, "resolution": 144, "fps": 30, "p2pEnabled": true, "p2pPeers": 1,
               "resolutionChanges": 0, "errors": 0, "downloadedBytesP2P": 1000,
               "downloadedBytesHTTP": 500, "uploadedBytesP2P": 10, "videoId": video})
    };
    let post = |body: Value| {
        t.client
            .post(t.api("/api/v1/metrics/playback"))
            .json(&body)
            .send()
    };
    assert_eq!(
        post(metric(json!(uuid), "p2p-media-loader"))
            .await
            .expect("post")
            .status(),
        204
    );
    assert_eq!(
        post(metric(v["id"].clone(), "web-video"))
            .await
            .expect("post")
            .status(),
        204
    );
    assert_problem(
        post(metric(json!(uuid), "flash")).await.expect("post"),
        400,
        "bad mode",
    )
    .await;
    assert_problem(
        post(metric(
            json!("00000000-0000-4000-8000-000000000000"),
            "web-video",
        ))
        .await
        .expect("post"),
        404,
        "unknown video",
    )
    .await;
    assert_problem(
        post(json!({"playerMode": "web-video"}))
            .await
            .expect("post"),
        400,
        "missing fields",
    )
    .await;
}

/// Undoes askama's attribute escaping.
fn unescape(s: &str) -> String {
    s.replace("&#34;", "\"")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// Runs Debian's aria2c on a torrent with the instance as the only seed (its web seed, BEP 19)
/// and the instance's tracker; answers the downloaded file.
fn aria2c(torrent: &Path, dir: &Path) -> Vec<u8> {
    let out = std::process::Command::new("aria2c")
        .args([
            "--seed-time=0",
            "--enable-dht=false",
            "--enable-dht6=false",
            "--bt-enable-lpd=false",
            "--enable-peer-exchange=false",
            "--disable-ipv6=true",
            "--summary-interval=0",
            "--console-log-level=warn",
            "--allow-overwrite=true",
            "--bt-stop-timeout=60",
        ])
        .arg(format!("--dir={}", dir.display()))
        .arg(torrent)
        .output()
        .unwrap_or_else(|e| {
            panic!("cannot run aria2c ({e}): install it with scripts/install-deps.sh --test")
        });
    assert!(
        out.status.success(),
        "aria2c failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let files: Vec<_> = std::fs::read_dir(dir)
        .expect("dir")
        .filter_map(|e| e.ok())
        .filter(|e| e.path().extension().is_some_and(|x| x == "mp4"))
        .collect();
    assert_eq!(files.len(), 1, "one file downloaded: {files:?}");
    std::fs::read(files[0].path()).expect("read download")
}

async fn bittorrent_client_downloads_through_web_seed(backend: Backend) {
    let t = TestInstance::start_with(backend, CONFIG).await;
    let token = t.root_token().await;
    let v = publish(&t, &token, "seeded").await;
    let files = [
        v["files"][0].clone(),
        v["streamingPlaylists"][0]["files"][0].clone(),
    ];
    for (i, f) in files.iter().enumerate() {
        let torrent = t
            .client
            .get(f["torrentUrl"].as_str().expect("torrentUrl"))
            .send()
            .await
            .expect("torrent")
            .bytes()
            .await
            .expect("bytes");
        let dir = t.data_dir.join(format!("aria2-{i}"));
        std::fs::create_dir_all(&dir).expect("dir");
        let path = dir.join("video.torrent");
        std::fs::write(&path, &torrent).expect("write torrent");
        let download_dir = dir.join("out");
        std::fs::create_dir_all(&download_dir).expect("dir");
        let got = tokio::task::spawn_blocking(move || aria2c(&path, &download_dir))
            .await
            .expect("aria2c task");
        let served = t
            .client
            .get(f["fileUrl"].as_str().expect("fileUrl"))
            .send()
            .await
            .expect("file")
            .bytes()
            .await
            .expect("bytes");
        assert_eq!(got.len(), served.len(), "file {i}: size");
        assert_eq!(sha256_hex(&got), sha256_hex(&served), "file {i}: bytes");
    }
}

on_both_backends!(
    tracker,
    throttling,
    pages_and_metrics,
    bittorrent_client_downloads_through_web_seed
);
