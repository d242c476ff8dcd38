//! The large form: Debian's nginx, configured with the shipped `deploy/nginx.conf`, in front of
//! three `--role web` nodes and one `--role worker` node on one PostgreSQL database and one file
//! store. Through the proxy: a resumable upload survives the death (SIGKILL) of the node it
//! started on, the worker publishes the video, and a list load survives the death of another
//! node (nginx tries the next node for an idempotent request that failed).

use crate::common::*;
use serde_json::{json, Value};
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn web_nodes_behind_nginx_survive_a_node_killed_mid_upload_and_mid_load() {
    let proxy_port = Nginx::free_port().expect("port");
    let public = format!("http://127.0.0.1:{proxy_port}");
    let launch = Launch {
        config: "[transcoding]\nresolutions = [144]\n".into(),
        env: vec![
            ("FERROTUBE_ROLE".into(), "web".into()),
            ("FERROTUBE_PUBLIC_URL".into(), public.clone()),
        ],
        ..Launch::new(Backend::Postgres)
    };
    let mut a = TestInstance::launch(launch).await.expect("node a");
    let (b, b_url) = a.spawn_web_node().await.expect("node b");
    let (_c, c_url) = a.spawn_web_node().await.expect("node c");
    a.spawn_worker().expect("worker");
    let upstreams: Vec<String> = [a.url.clone(), b_url, c_url]
        .iter()
        .map(|u| u.trim_start_matches("http://").to_string())
        .collect();
    let nginx = Nginx::start(proxy_port, &upstreams).await.expect("nginx");
    let proxy = Http::new(
        "127.0.0.1",
        proxy_port,
        a.data_dir.clone(),
        &a.root_password,
        None,
    );
    let token = proxy.root_token().await;
    let channel = proxy.channel_id(&token).await;

    // A resumable upload through the proxy; the node that took its first chunk dies.
    let dir = tempfile::tempdir().expect("tmp");
    let clip = make_clip(dir.path(), "cluster.mp4", 2, 320, 240);
    let data = std::fs::read(&clip).expect("clip");
    let total = data.len() as u64;
    let meta = json!({ "name": "behind nginx", "channelId": channel, "privacy": 1 });
    let session = proxy
        .resumable_session(&token, "cluster.mp4", total, &meta)
        .await;
    let chunk = (data.len() / 4).max(1);
    let r = proxy
        .put_chunk(&token, &session, data[..chunk].to_vec(), 0, total)
        .await;
    assert_eq!(r.status(), 308);
    a.kill_first_node();
    let mut start = chunk;
    let mut video: Option<Value> = None;
    for _attempt in 0..20 {
        let end = (start + chunk).min(data.len());
        let r = proxy
            .put_chunk(
                &token,
                &session,
                data[start..end].to_vec(),
                start as u64,
                total,
            )
            .await;
        match r.status().as_u16() {
            308 if end < data.len() => start = end,
            200 => {
                video = Some(r.json().await.expect("json"));
                break;
            }
            other => {
                // A chunk lost with the node: ask where to resume, as clients do.
                let body = r.text().await.unwrap_or_default();
                eprintln!("chunk {start}-{end}: {other} {body}; asking for the offset");
                let probe = proxy
                    .client
                    .put(&session)
                    .bearer_auth(&token)
                    .header("Content-Range", format!("bytes */{total}"))
                    .send()
                    .await
                    .expect("probe");
                if let Some(range) = header(&probe, "range") {
                    let last: usize = range
                        .rsplit('-')
                        .next()
                        .and_then(|n| n.parse().ok())
                        .expect("range");
                    start = last + 1;
                }
            }
        }
    }
    let video = video.unwrap_or_else(|| panic!("upload did not finish\n{}", nginx.error_log()));
    let uuid = video["video"]["uuid"].as_str().expect("uuid").to_string();
    let v = proxy.wait_published(&uuid, Some(&token)).await;
    assert_eq!(v["duration"], 2, "the whole file was transcoded: {v}");
    // Played through the proxy.
    let master = v["streamingPlaylists"][0]["playlistUrl"]
        .as_str()
        .expect("master")
        .to_string();
    assert!(master.starts_with(&public), "{master}");
    let r = proxy.client.get(&master).send().await.expect("master");
    assert_eq!(r.status(), 200);

    // A list load while another node dies: every request is answered.
    let load = {
        let client = proxy.client.clone();
        let url = format!("{public}/api/v1/videos?count=5");
        tokio::spawn(async move {
            let mut statuses = Vec::new();
            for _ in 0..60 {
                let s = match client.get(&url).send().await {
                    Ok(r) => r.status().as_u16(),
                    Err(_) => 0,
                };
                statuses.push(s);
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            statuses
        })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    a.kill_node(b);
    let statuses = load.await.expect("load");
    assert!(
        statuses.iter().all(|s| *s == 200),
        "{statuses:?}\n{}",
        nginx.error_log()
    );
    // The proxy did meet the dead nodes (and went on to the others).
    let log = nginx.error_log();
    assert!(log.contains("connect() failed"), "{log}");
    eprintln!("nginx error log:\n{log}");
    let list = proxy.get_json("/api/v1/videos", None).await;
    assert!(
        list["data"]
            .as_array()
            .expect("data")
            .iter()
            .any(|x| x["uuid"] == uuid.as_str()),
        "{list}"
    );
}

/// Two `--role web` nodes and a worker on one PostgreSQL database and the Redis at `redis_url`,
/// the answer cache's TTL a minute (so only Redis can make a node see another's change at
/// once): node A, and a client of node B.
async fn web_nodes_on_redis(redis_url: &str) -> (TestInstance, Http) {
    let launch = Launch {
        config: "[transcoding]\nresolutions = [144]\n[cache]\npublic_api_ttl_ms = 60000\n".into(),
        env: vec![
            ("FERROTUBE_ROLE".into(), "web".into()),
            ("FERROTUBE_REDIS_URL".into(), redis_url.to_string()),
        ],
        ..Launch::new(Backend::Postgres)
    };
    let mut a = TestInstance::launch(launch).await.expect("node a");
    let (_, b_url) = a.spawn_web_node().await.expect("node b");
    a.spawn_worker().expect("worker");
    let port: u16 = b_url
        .rsplit(':')
        .next()
        .and_then(|p| p.parse().ok())
        .expect("port");
    let b = Http::new(
        "127.0.0.1",
        port,
        a.data_dir.clone(),
        &a.root_password,
        None,
    );
    (a, b)
}

/// With Redis, a node hears the others at once: a video the worker publishes empties the answer
/// cache of another web node (whose TTL here is a minute), a notification the worker makes
/// reaches the live stream open on another web node, an administrator's change of the
/// settings on one node shows on the other before its own poll, and two viewers whose tracker
/// sockets reached different nodes exchange their WebRTC offer and answer.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn redis_carries_changes_notifications_settings_and_swarms_between_nodes() {
    use futures::StreamExt;
    let (a, b) = web_nodes_on_redis("redis://127.0.0.1:6379").await;
    let root = a.root_token().await;

    // B caches the (empty) list for a minute.
    assert_eq!(b.get_json("/api/v1/videos", None).await["total"], 0);
    // The notification stream of root, open on B.
    let resp = b
        .get("/api/v1/users/me/notifications/stream", Some(&root))
        .send()
        .await
        .expect("stream");
    assert_eq!(resp.status(), 200);
    let mut stream = Box::pin(resp.bytes_stream());

    // A video uploaded on A and published by the worker shows on B at once.
    let channel = a.channel_id(&root).await;
    let dir = tempfile::tempdir().expect("tmp");
    let clip = make_clip(dir.path(), "bus.mp4", 1, 320, 240);
    let r = a
        .legacy_upload(
            &root,
            &clip,
            &[
                ("name", "heard everywhere".to_string()),
                ("channelId", channel.to_string()),
                ("privacy", "1".to_string()),
            ],
        )
        .await;
    assert_eq!(r.status(), 200);
    let uuid = r.json::<Value>().await.expect("json")["video"]["uuid"]
        .as_str()
        .expect("uuid")
        .to_string();
    a.wait_published(&uuid, Some(&root)).await;
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let list = b.get_json("/api/v1/videos", None).await;
        if list["total"] == 1 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "B still answers its cached list: {list}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    // A follower's subscription on A: the worker makes root's notification; B pushes it.
    a.create_user(&root, "fan", "fan-password", 2, None).await;
    let fan = a.token("fan", "fan-password").await;
    let r = a
        .client
        .post(format!("{}/api/v1/users/me/subscriptions", a.url))
        .bearer_auth(&fan)
        .json(&json!({ "uri": "root_channel" }))
        .send()
        .await
        .expect("subscribe");
    assert_eq!(r.status(), 204);
    let mut buf = String::new();
    let pushed = tokio::time::timeout(Duration::from_secs(20), async {
        while let Some(chunk) = stream.next().await {
            buf.push_str(&String::from_utf8_lossy(&chunk.expect("chunk")));
            // The worker's "your video is published" comes first, then the new follower.
            if buf.contains("event: notification") && buf.contains("fan") {
                return true;
            }
        }
        false
    })
    .await;
    assert_eq!(pushed, Ok(true), "B's stream got: {buf}");
    assert!(buf.contains("heard everywhere"), "{buf}");

    // The instance's name, changed on A, on B well before its 5 s poll.
    let mut custom = a.get_json("/api/v1/config/custom", Some(&root)).await;
    custom["instance"]["name"] = json!("Renamed by the bus");
    let r = a
        .client
        .put(format!("{}/api/v1/config/custom", a.url))
        .bearer_auth(&root)
        .json(&custom)
        .send()
        .await
        .expect("put config");
    assert_eq!(r.status(), 200);
    let deadline = std::time::Instant::now() + Duration::from_secs(3);
    loop {
        let config = b.get_json("/api/v1/config", None).await;
        if config["instance"]["name"] == "Renamed by the bus" {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{}",
            config["instance"]
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // The video's HLS swarm: a seeder's socket on A, a leecher's on B.
    let v = b.get_json(&format!("/api/v1/videos/{uuid}"), None).await;
    let master = v["streamingPlaylists"][0]["playlistUrl"]
        .as_str()
        .expect("playlistUrl");
    let hash = crate::p2p::bin(&ferrotube_p2p::hls_swarm_infohash(master, 0));
    let (id_a, id_b) = (crate::p2p::bin(&[b'a'; 20]), crate::p2p::bin(&[b'b'; 20]));
    let mut on_a = crate::p2p::ws_connect_to(&a.url).await;
    crate::p2p::ws_send(
        &mut on_a,
        json!({"action": "announce", "info_hash": hash, "peer_id": id_a, "numwant": 5,
               "left": 0, "event": "started", "offers": []}),
    )
    .await;
    let r = crate::p2p::ws_recv(&mut on_a).await;
    assert_eq!(r["complete"], 1, "A's answer: {r}");
    let mut on_b = crate::p2p::ws_connect_to(&b.url).await;
    let offer = json!({"type": "offer", "sdp": "v=0 from the viewer on B"});
    // B learns of A's member through Redis; until then B's swarm holds only the leecher.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        crate::p2p::ws_send(
            &mut on_b,
            json!({"action": "announce", "info_hash": hash, "peer_id": id_b, "numwant": 5,
                   "left": 1000, "offers": [{"offer": offer, "offer_id": "o-1"}]}),
        )
        .await;
        let r = crate::p2p::ws_recv(&mut on_b).await;
        assert_eq!(r["action"], "announce", "{r}");
        if r["complete"] == 1 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "B never heard of A's seeder: {r}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // The offer made on B reaches the seeder on A; its answer comes back through B.
    let r = crate::p2p::ws_recv(&mut on_a).await;
    assert_eq!(r["offer"], offer, "{r}");
    assert_eq!(r["peer_id"], id_b.as_str());
    let answer = json!({"type": "answer", "sdp": "v=0 from the viewer on A"});
    crate::p2p::ws_send(
        &mut on_a,
        json!({"action": "announce", "info_hash": hash, "peer_id": id_a,
               "to_peer_id": id_b, "answer": answer, "offer_id": "o-1"}),
    )
    .await;
    let r = crate::p2p::ws_recv(&mut on_b).await;
    assert_eq!(r["answer"], answer, "{r}");
    assert_eq!(r["peer_id"], id_a.as_str());
}

/// Behind the shipped nginx, a node records the client's address (from `X-Forwarded-For`, the
/// proxy being trusted), not the proxy's; an address the client writes itself in the header is
/// not believed; and straight to the node, the header counts for nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn behind_the_proxy_the_client_address_is_the_clients() {
    let proxy_port = Nginx::free_port().expect("port");
    let public = format!("http://127.0.0.1:{proxy_port}");
    let launch = Launch {
        env: vec![
            ("FERROTUBE_PUBLIC_URL".into(), public.clone()),
            // Only the proxy (nginx connects from 127.0.0.1); the client below is 127.0.0.9.
            ("FERROTUBE_TRUST_PROXY".into(), "127.0.0.1".into()),
        ],
        ..Launch::new(Backend::Sqlite)
    };
    let node = TestInstance::launch(launch).await.expect("node");
    let upstream = node.url.trim_start_matches("http://").to_string();
    let _nginx = Nginx::start(proxy_port, &[upstream]).await.expect("nginx");
    let client = reqwest::Client::builder()
        .local_address(std::net::IpAddr::from([127, 0, 0, 9]))
        .build()
        .expect("client");
    let (id, secret) = node.oauth_client().await;
    let login = |base: String| {
        let req = client
            .post(format!("{base}/api/v1/users/token"))
            // A client's own claim: never taken, the proxy appends what it saw.
            .header("X-Forwarded-For", "6.6.6.6")
            .form(&[
                ("client_id", id.as_str()),
                ("client_secret", secret.as_str()),
                ("grant_type", "password"),
                ("username", "root"),
                ("password", node.root_password.as_str()),
            ]);
        async move {
            let r = req.send().await.expect("login");
            assert_eq!(r.status(), 200);
            let v: Value = r.json().await.expect("json");
            v["access_token"].as_str().expect("token").to_string()
        }
    };
    let through_proxy = login(public.clone()).await;
    login(node.url.clone()).await;
    let sessions = node
        .get_json(
            "/api/v1/users/1/token-sessions?count=10",
            Some(&through_proxy),
        )
        .await;
    // Both logins came from 127.0.0.9: through the proxy (which the node trusts) and
    // straight (where the client's header is not believed). Neither is the proxy's address or
    // the client's claim.
    let ips: Vec<&str> = sessions["data"]
        .as_array()
        .expect("sessions")
        .iter()
        .filter_map(|s| s["loginIP"].as_str())
        .collect();
    assert_eq!(ips, vec!["127.0.0.9", "127.0.0.9"], "{sessions}");
}

/// Redis restarted under two web nodes: the nodes reconnect by themselves, and a change made
/// after the restart still empties the other node's cache at once (its TTL here is a minute).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_nodes_reconnect_when_redis_restarts() {
    let mut redis = RedisServer::start().await.expect("redis-server");
    let (a, b) = web_nodes_on_redis(&redis.url()).await;
    let root = a.root_token().await;
    let channel = a.channel_id(&root).await;
    let dir = tempfile::tempdir().expect("tmp");
    let clip = make_clip(dir.path(), "restart.mp4", 1, 320, 240);
    let upload = |name: &'static str| {
        let (a, root, clip) = (&a, &root, &clip);
        async move {
            let r = a
                .legacy_upload(
                    root,
                    clip,
                    &[
                        ("name", name.to_string()),
                        ("channelId", channel.to_string()),
                        ("privacy", "1".to_string()),
                    ],
                )
                .await;
            assert_eq!(r.status(), 200);
            let uuid = r.json::<Value>().await.expect("json")["video"]["uuid"]
                .as_str()
                .expect("uuid")
                .to_string();
            a.wait_published(&uuid, Some(root)).await;
        }
    };
    let b_shows = |total: i64| {
        let b = &b;
        async move {
            let deadline = std::time::Instant::now() + Duration::from_secs(15);
            loop {
                let list = b.get_json("/api/v1/videos", None).await;
                if list["total"] == total {
                    return;
                }
                assert!(
                    std::time::Instant::now() < deadline,
                    "B still answers its cached list (want {total}): {list}"
                );
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
    };

    // B caches the empty list; Redis dies and comes back, empty.
    assert_eq!(b.get_json("/api/v1/videos", None).await["total"], 0);
    redis.kill();
    tokio::time::sleep(Duration::from_millis(500)).await;
    // Without Redis the nodes still answer (each keeps to itself meanwhile).
    assert_eq!(b.get_json("/api/v1/videos", None).await["total"], 0);
    redis.restart().await.expect("redis-server again");
    // Both nodes reconnect (they retry every second); B empties its cache when it does.
    upload("after the restart").await;
    b_shows(1).await;
    // B caches the new list; a second video is heard through Redis again, well before the TTL.
    assert_eq!(b.get_json("/api/v1/videos", None).await["total"], 1);
    upload("heard again").await;
    b_shows(2).await;
}

/// The large form end to end: Debian's nginx (the shipped config) in front of two web nodes and
/// a worker on PostgreSQL, Redis and an S3 server (moto), followed by a third, single-node
/// instance. A video uploaded through the proxy is published, moved to the bucket and played
/// from there, and the follower lists it with the bucket's URLs (its inbox deliveries, signed
/// over the proxy's host and port, pass through nginx).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_large_form_publishes_to_the_bucket_and_federates_through_the_proxy() {
    let s3 = S3Server::start().await;
    let proxy_port = Nginx::free_port().expect("port");
    let public = format!("http://127.0.0.1:{proxy_port}");
    let launch = Launch {
        config: format!(
            "[transcoding]\nresolutions = [144]\n[federation]\nallow_private_network = true\n\n{}",
            s3.config_toml("large")
        ),
        env: vec![
            ("FERROTUBE_ROLE".into(), "web".into()),
            ("FERROTUBE_PUBLIC_URL".into(), public.clone()),
            (
                "FERROTUBE_REDIS_URL".into(),
                "redis://127.0.0.1:6379".into(),
            ),
        ],
        ..Launch::new(Backend::Postgres)
    };
    let mut a = TestInstance::launch(launch).await.expect("node a");
    let (_, b_url) = a.spawn_web_node().await.expect("node b");
    a.spawn_worker().expect("worker");
    let upstreams: Vec<String> = [a.url.clone(), b_url]
        .iter()
        .map(|u| u.trim_start_matches("http://").to_string())
        .collect();
    let _nginx = Nginx::start(proxy_port, &upstreams).await.expect("nginx");
    let proxy = Http::new(
        "127.0.0.1",
        proxy_port,
        a.data_dir.clone(),
        &a.root_password,
        None,
    );
    let follower = TestInstance::start_at(
        Backend::Sqlite,
        "127.0.0.5",
        "[federation]\nallow_private_network = true\n",
    )
    .await;

    // The follower follows the instance at the proxy's address; the Accept comes back.
    let ftoken = follower.root_token().await;
    let host = format!("127.0.0.1:{proxy_port}");
    crate::federation::follow(&follower, &ftoken, &host).await;
    crate::federation::until(
        Duration::from_secs(30),
        "the follow accepted",
        &[&a, &follower],
        || async {
            (crate::federation::follow_state(&follower, &host)
                .await
                .as_deref()
                == Some("accepted"))
            .then_some(())
        },
    )
    .await;

    // Uploaded through the proxy, published by the worker, moved to the bucket.
    let token = proxy.root_token().await;
    let channel = proxy.channel_id(&token).await;
    let dir = tempfile::tempdir().expect("tmp");
    let clip = make_clip(dir.path(), "large.mp4", 1, 320, 240);
    let r = proxy
        .legacy_upload(
            &token,
            &clip,
            &[
                ("name", "the large form".to_string()),
                ("channelId", channel.to_string()),
                ("privacy", "1".to_string()),
            ],
        )
        .await;
    assert_eq!(r.status(), 200);
    let uuid = r.json::<Value>().await.expect("json")["video"]["uuid"]
        .as_str()
        .expect("uuid")
        .to_string();
    proxy.wait_published(&uuid, Some(&token)).await;
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    let master = loop {
        let v = proxy
            .get_json(&format!("/api/v1/videos/{uuid}"), None)
            .await;
        let url = v["streamingPlaylists"][0]["playlistUrl"]
            .as_str()
            .unwrap_or("")
            .to_string();
        if url.starts_with(&s3.endpoint()) {
            break url;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "never moved to the bucket: {v}\n{}",
            a.log_tail()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    // Played from the bucket: the master playlist, a variant, and its media file.
    let text = proxy
        .client
        .get(&master)
        .send()
        .await
        .expect("master")
        .text()
        .await
        .expect("text");
    let base = &master[..master.rfind('/').expect("slash") + 1];
    let variant = text
        .lines()
        .find(|l| !l.is_empty() && !l.starts_with('#'))
        .expect("a variant");
    let r = proxy
        .client
        .get(format!("{base}{variant}"))
        .send()
        .await
        .expect("variant");
    assert_eq!(r.status(), 200);
    let media = r
        .text()
        .await
        .expect("variant text")
        .lines()
        .find_map(|l| {
            l.split("URI=\"")
                .nth(1)
                .and_then(|u| u.split('"').next())
                .map(str::to_string)
        })
        .expect("EXT-X-MAP");
    let r = proxy
        .client
        .get(format!("{base}{media}"))
        .header("Range", "bytes=0-99")
        .send()
        .await
        .expect("media");
    assert_eq!(r.status(), 206);

    // Its swarms are named after the bucket's master playlist, as the player names them: the
    // tracker (through the proxy) takes an announce for the first variant.
    let hash = crate::p2p::bin(&ferrotube_p2p::hls_swarm_infohash(&master, 0));
    let mut ws = crate::p2p::ws_connect_to(&public).await;
    crate::p2p::ws_send(
        &mut ws,
        json!({"action": "announce", "info_hash": hash, "peer_id": crate::p2p::bin(&[b'v'; 20]),
               "numwant": 5, "left": 0, "event": "started", "offers": []}),
    )
    .await;
    let r = crate::p2p::ws_recv(&mut ws).await;
    assert!(r.get("failure reason").is_none(), "{r}");
    assert_eq!(r["complete"], 1, "{r}");
    // The watch page tells the player the same master playlist.
    let page = proxy
        .get(&format!("/w/{uuid}"), None)
        .send()
        .await
        .expect("watch page")
        .text()
        .await
        .expect("html");
    assert!(page.contains("masterUrl"), "no P2P config on the page");

    // The follower lists it, reading it from the bucket too.
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    loop {
        let there = follower
            .try_get_json(&format!("/api/v1/videos/{uuid}"), None)
            .await
            .ok();
        if let Some(v) = &there {
            if v["streamingPlaylists"][0]["playlistUrl"] == master.as_str() {
                break;
            }
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the follower never listed the bucket's copy: {there:?}\n{}",
            follower.log_tail()
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}
