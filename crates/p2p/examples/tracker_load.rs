//! Tracker load figures against a running instance (not a test; bench/p2p_bench.sh runs it):
//!
//! - how many WebSocket (WebTorrent) peers the tracker holds at once, and the server's memory per
//!   peer (its resident set before and after, read from `/proc/<pid>/status`);
//! - HTTP announces per second over keep-alive connections.
//!
//! `cargo run --release -p ferrotube-p2p --example tracker_load -- --host 127.0.0.1:9000
//! --server-pid PID [--peers 10000] [--swarms 100] [--offers 10] [--announces 20000]
//! [--connections 8]`
//!
//! Each WebSocket peer announces the way a browser does: with `--offers` WebRTC offers (SDP of
//! about 500 bytes each; bittorrent-tracker's client sends 10), which the tracker relays to
//! other peers of the swarm. So the figure includes what a connection keeps after handling a
//! message of a few KiB, not only after a tiny one.
//!
//! The instance must accept any info hash (`[tracker] private = false`) and not throttle
//! (`max_announces_per_minute = 0`): every request comes from this one address. Traffic goes only
//! to `--host`, which must be a loopback address.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use futures::{SinkExt, StreamExt};
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;

fn arg(name: &str, default: &str) -> String {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == &format!("--{name}"))
        .and_then(|i| args.get(i + 1).cloned())
        .unwrap_or_else(|| default.to_string())
}

fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("server pid");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .expect("VmRSS")
}

fn binary_string(bytes: &[u8]) -> String {
    bytes.iter().map(|&b| char::from(b)).collect()
}

fn id(kind: u8, n: u32) -> [u8; 20] {
    let mut id = [kind; 20];
    id[16..].copy_from_slice(&n.to_be_bytes());
    id
}

#[tokio::main]
async fn main() {
    let host = arg("host", "127.0.0.1:9000");
    let addr: SocketAddr = host.parse().expect("--host addr:port");
    assert!(addr.ip().is_loopback(), "--host must be a loopback address");
    let pid: u32 = arg("server-pid", "0").parse().expect("--server-pid");
    let peers: u32 = arg("peers", "10000").parse().expect("--peers");
    let swarms: u32 = arg("swarms", "100").parse().expect("--swarms");
    let announces: u32 = arg("announces", "20000").parse().expect("--announces");
    let connections: u32 = arg("connections", "8").parse().expect("--connections");
    let offers: u32 = arg("offers", "10").parse().expect("--offers");
    // A plausible SDP offer: what a browser puts there is about this long.
    let sdp = format!(
        "v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0\r\na=extmap-allow-mixed\r\na=msid-semantic: WMS\r\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\nc=IN IP4 0.0.0.0\r\na=ice-ufrag:{}\r\na=ice-pwd:{}\r\na=ice-options:trickle\r\na=fingerprint:sha-256 {}\r\na=setup:actpass\r\na=mid:0\r\na=sctp-port:5000\r\na=max-message-size:262144\r\n",
        "Ab3d", "x".repeat(24), "AB:".repeat(31) + "CD"
    );

    // WebSocket peers, opened 200 at a time, each announcing once and staying connected.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let before = rss_kib(pid);
    let started = Instant::now();
    let mut sockets = Vec::with_capacity(peers as usize);
    let mut n = 0;
    while n < peers {
        let batch: Vec<_> = (n..(n + 200).min(peers))
            .map(|i| {
                let url = format!("ws://{host}/tracker/socket");
                let offers: Vec<_> = (0..offers)
                    .map(|k| {
                        serde_json::json!({
                            "offer": {"type": "offer", "sdp": sdp},
                            "offer_id": binary_string(&id(0xE0, i * 64 + k)),
                        })
                    })
                    .collect();
                async move {
                    let (mut ws, _) = tokio_tungstenite::connect_async(url)
                        .await
                        .expect("connect");
                    let msg = serde_json::json!({
                        "action": "announce",
                        "info_hash": binary_string(&id(0xA0, i % swarms)),
                        "peer_id": binary_string(&id(0xB0, i)),
                        "numwant": offers.len(), "uploaded": 0, "downloaded": 0, "left": 1000,
                        "event": "started", "offers": offers,
                    });
                    ws.send(Message::Text(msg.to_string().into()))
                        .await
                        .expect("send");
                    loop {
                        match ws.next().await {
                            Some(Ok(Message::Text(t))) => {
                                assert!(!t.contains("failure reason"), "refused: {t}");
                                break;
                            }
                            Some(Ok(_)) => continue,
                            other => panic!("socket ended: {other:?}"),
                        }
                    }
                    ws
                }
            })
            .collect();
        sockets.extend(futures::future::join_all(batch).await);
        n = sockets.len() as u32;
    }
    let connect_secs = started.elapsed().as_secs_f64();
    tokio::time::sleep(Duration::from_secs(1)).await;
    let after = rss_kib(pid);
    let per_peer = (after.saturating_sub(before) as f64 * 1024.0) / f64::from(peers);
    println!(
        "websocket peers held: {peers} in {swarms} swarms, {offers} offers per announce (connected and announced in {connect_secs:.1} s)"
    );
    println!(
        "server RSS: {before} KiB before, {after} KiB with the peers -> {per_peer:.0} bytes per peer (target <= 2048)"
    );

    // HTTP announces per second: `connections` keep-alive connections, each sending in turn.
    let per_conn = announces / connections.max(1);
    let started = Instant::now();
    let tasks: Vec<_> = (0..connections)
        .map(|c| {
            let host = host.clone();
            tokio::spawn(async move {
                let mut s = TcpStream::connect(&host).await.expect("connect");
                let mut buf = vec![0u8; 64 * 1024];
                for k in 0..per_conn {
                    let info_hash: String = id(0xC0, k % swarms)
                        .iter()
                        .map(|b| format!("%{b:02X}"))
                        .collect();
                    let peer_id: String = id(0xD0, c * per_conn + k)
                        .iter()
                        .map(|b| format!("%{b:02X}"))
                        .collect();
                    let req = format!(
                        "GET /tracker/announce?info_hash={info_hash}&peer_id={peer_id}&port={}&uploaded=0&downloaded=0&left=10&compact=1&numwant=20 HTTP/1.1\r\nHost: {host}\r\n\r\n",
                        1024 + (k % 60000)
                    );
                    s.write_all(req.as_bytes()).await.expect("write");
                    // Read one response: headers, then Content-Length bytes.
                    let mut got = Vec::new();
                    loop {
                        let r = s.read(&mut buf).await.expect("read");
                        assert!(r > 0, "connection closed");
                        got.extend_from_slice(buf.get(..r).unwrap_or_default());
                        if let Some(end) = got.windows(4).position(|w| w == b"\r\n\r\n") {
                            let head = String::from_utf8_lossy(got.get(..end).unwrap_or_default())
                                .to_ascii_lowercase();
                            let len: usize = head
                                .lines()
                                .find_map(|l| l.strip_prefix("content-length:"))
                                .and_then(|v| v.trim().parse().ok())
                                .expect("content-length");
                            if let Some(body) = got.get(end + 4..end + 4 + len) {
                                assert!(
                                    !body.starts_with(b"d14:failure"),
                                    "{}",
                                    String::from_utf8_lossy(body)
                                );
                                break;
                            }
                        }
                    }
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.expect("announce task");
    }
    let secs = started.elapsed().as_secs_f64();
    let total = per_conn * connections;
    println!(
        "http announces: {total} over {connections} keep-alive connections in {secs:.2} s -> {:.0} announces/s",
        f64::from(total) / secs
    );
    drop(sockets);
}
