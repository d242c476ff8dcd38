//! WebTorrent WebSocket tracker (`/tracker/socket`), the protocol of `bittorrent-tracker`'s
//! WebSocket server, which PeerTube's players (WebTorrent and p2p-media-loader) speak.
//!
//! Browsers cannot open TCP connections to each other, so the tracker relays WebRTC signalling:
//!
//! - a peer announces `{action:"announce", info_hash, peer_id, numwant, event, offers:[{offer,
//!   offer_id}]}`; the tracker answers `{action:"announce", interval, info_hash, complete,
//!   incomplete}` and hands each offer to a different random peer of the swarm as
//!   `{action:"announce", offer, offer_id, peer_id:<offerer>, info_hash}`;
//! - that peer replies `{action:"announce", info_hash, peer_id, to_peer_id, offer_id, answer}`,
//!   which the tracker forwards to `to_peer_id` as `{action:"announce", answer, offer_id,
//!   peer_id:<answerer>, info_hash}`;
//! - `{action:"scrape", info_hash}` (one or a list) gets `{action:"scrape", files:{...}}`.
//!
//! `info_hash` and `peer_id` travel as "binary strings": 20 characters, each one byte
//! (U+0000..U+00FF), the way JavaScript clients hold them.
//!
//! A peer leaves its swarms when its socket closes, or after two intervals of silence.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::response::Response;
use futures::SinkExt;
use rand::seq::IteratorRandom;
use serde::Deserialize;
use serde_json::{json, Value};
use tokio::sync::mpsc;

use crate::tracker::{Id, Tracker};

/// Largest signalling message accepted. SDP offers are a few KiB; ten offers fit easily.
const MAX_MESSAGE_BYTES: usize = 64 * 1024;

/// Most offers relayed per announce (bittorrent-tracker's clients send at most 10 by default).
const MAX_OFFERS: usize = 20;

struct WsPeer {
    conn: u64,
    tx: mpsc::UnboundedSender<String>,
    seeder: bool,
    last_seen: Instant,
}

#[derive(Default)]
struct WsSwarm {
    peers: HashMap<Id, WsPeer>,
    completed: u64,
}

#[derive(Default)]
struct Inner {
    swarms: HashMap<Id, WsSwarm>,
    total_peers: usize,
}

/// The WebSocket swarms of a [`Tracker`].
#[derive(Default)]
pub struct WsSwarms {
    inner: Mutex<Inner>,
    next_conn: AtomicU64,
}

impl WsSwarms {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        // Same reasoning as the HTTP store: nothing a panic could leave behind is worth refusing
        // every later connection for.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn purge(&self, deadline: Instant) {
        let mut inner = self.lock();
        let Inner {
            swarms,
            total_peers,
        } = &mut *inner;
        swarms.retain(|_, s| {
            let before = s.peers.len();
            s.peers.retain(|_, p| p.last_seen >= deadline);
            *total_peers -= before - s.peers.len();
            !s.peers.is_empty()
        });
    }

    /// Removes what connection `conn` registered.
    fn leave(&self, conn: u64, joined: &HashSet<(Id, Id)>) {
        let mut inner = self.lock();
        let Inner {
            swarms,
            total_peers,
        } = &mut *inner;
        for (info_hash, peer_id) in joined {
            if let Some(swarm) = swarms.get_mut(info_hash) {
                // The peer id may have moved to a newer connection (a reconnecting tab): keep it.
                if swarm.peers.get(peer_id).is_some_and(|p| p.conn == conn) {
                    swarm.peers.remove(peer_id);
                    *total_peers -= 1;
                }
                if swarm.peers.is_empty() {
                    swarms.remove(info_hash);
                }
            }
        }
    }

    /// Number of WebSocket peers across swarms.
    pub fn peer_count(&self) -> usize {
        self.lock().total_peers
    }
}

/// Decodes a JavaScript binary string (one char per byte) of exactly 20 bytes.
fn binary_id(s: &str) -> Option<Id> {
    let bytes: Vec<u8> = s
        .chars()
        .map(|c| u8::try_from(u32::from(c)).ok())
        .collect::<Option<_>>()?;
    bytes.try_into().ok()
}

/// Encodes 20 bytes as a JavaScript binary string.
fn binary_string(id: &Id) -> String {
    id.iter().map(|&b| char::from(b)).collect()
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

#[derive(Debug, Deserialize)]
struct Offer {
    offer: Value,
    offer_id: Value,
}

#[derive(Debug, Deserialize)]
struct Incoming {
    action: String,
    info_hash: Option<OneOrMany>,
    peer_id: Option<String>,
    numwant: Option<usize>,
    left: Option<f64>,
    event: Option<String>,
    offers: Option<Vec<Offer>>,
    answer: Option<Value>,
    to_peer_id: Option<String>,
    offer_id: Option<Value>,
}

/// Per-connection state.
struct Conn {
    id: u64,
    tx: mpsc::UnboundedSender<String>,
    joined: HashSet<(Id, Id)>,
}

pub(crate) async fn socket_handler(
    State(tracker): State<Arc<Tracker>>,
    headers: axum::http::HeaderMap,
    extensions: axum::http::Extensions,
    ws: WebSocketUpgrade,
) -> Response {
    let ip = crate::tracker::client_ip_of(&tracker, &headers, &extensions);
    // Signalling messages are small: small buffers keep an idle peer cheap (tungstenite's
    // defaults are 128 KiB each way), which matters with thousands of open sockets.
    ws.max_message_size(MAX_MESSAGE_BYTES)
        .max_frame_size(MAX_MESSAGE_BYTES)
        .read_buffer_size(READ_BUFFER_BYTES)
        .write_buffer_size(0)
        .on_upgrade(move |socket| serve_socket(tracker, socket, ip))
}

/// Initial read buffer of a socket; it grows for larger messages.
const READ_BUFFER_BYTES: usize = 1024;

async fn serve_socket(tracker: Arc<Tracker>, mut socket: WebSocket, ip: Option<std::net::IpAddr>) {
    // Messages to this peer come from other connections' tasks too, so they go through a
    // channel. Unbounded because senders must never block while holding the swarm lock; a slow
    // reader is bounded by the peers and offers that can target it. One task per connection both
    // reads the socket and drains the channel (no split, no second task): an idle peer costs
    // little, which matters with thousands of sockets open.
    let (tx, mut rx) = mpsc::unbounded_channel::<String>();
    let mut conn = Conn {
        id: tracker.ws.next_conn.fetch_add(1, Ordering::Relaxed),
        tx,
        joined: HashSet::new(),
    };
    loop {
        tokio::select! {
            incoming = socket.recv() => {
                let Some(Ok(msg)) = incoming else { break };
                let text = match msg {
                    Message::Text(t) => t,
                    Message::Close(_) => break,
                    // Pings are answered by axum; binary frames are not part of the protocol.
                    _ => continue,
                };
                if let Some(ip) = ip {
                    if !tracker.allow(ip, Instant::now()) {
                        // An abusive peer: say why, then hang up (its swarm entries go below).
                        failure(&conn, "announce", crate::tracker::TOO_MANY, None);
                        break;
                    }
                }
                match serde_json::from_str::<Incoming>(text.as_str()) {
                    Ok(msg) => handle(&tracker, &mut conn, msg),
                    Err(e) => send(
                        &conn.tx,
                        json!({ "failure reason": format!("invalid message: {e}") }),
                    ),
                }
            }
            Some(out) = rx.recv() => {
                if socket.send(Message::Text(out.into())).await.is_err() {
                    break;
                }
            }
        }
    }
    tracker.ws.leave(conn.id, &conn.joined);
    // What was queued before leaving (a failure reason, say) still goes out.
    while let Ok(out) = rx.try_recv() {
        if socket.send(Message::Text(out.into())).await.is_err() {
            break;
        }
    }
    let _ = socket.close().await;
}

fn send(tx: &mpsc::UnboundedSender<String>, v: Value) {
    // A closed channel means that peer is leaving; its entries go away with its connection.
    let _ = tx.send(v.to_string());
}

fn failure(conn: &Conn, action: &str, reason: &str, info_hash: Option<&Id>) {
    let mut v = json!({ "action": action, "failure reason": reason });
    if let Some(h) = info_hash {
        v["info_hash"] = json!(binary_string(h));
    }
    send(&conn.tx, v);
}

fn handle(tracker: &Tracker, conn: &mut Conn, msg: Incoming) {
    match msg.action.as_str() {
        "announce" => announce(tracker, conn, msg),
        "scrape" => scrape(tracker, conn, msg),
        other => failure(conn, other, "invalid action", None),
    }
}

fn announce(tracker: &Tracker, conn: &mut Conn, msg: Incoming) {
    let info_hash = match &msg.info_hash {
        Some(OneOrMany::One(s)) => binary_id(s),
        _ => None,
    };
    let Some(info_hash) = info_hash else {
        return failure(conn, "announce", "invalid info_hash", None);
    };
    let Some(peer_id) = msg.peer_id.as_deref().and_then(binary_id) else {
        return failure(conn, "announce", "invalid peer_id", Some(&info_hash));
    };
    if !tracker.is_known(&info_hash) {
        return failure(conn, "announce", "unknown info_hash", Some(&info_hash));
    }
    let config = tracker.config();
    let now = Instant::now();
    let mut inner = tracker.ws.lock();
    let Inner {
        swarms,
        total_peers,
    } = &mut *inner;

    // An answer only travels back to the peer that made the offer.
    if let Some(answer) = msg.answer {
        let Some(to) = msg.to_peer_id.as_deref().and_then(binary_id) else {
            return failure(conn, "announce", "invalid to_peer_id", Some(&info_hash));
        };
        let Some(swarm) = swarms.get_mut(&info_hash) else {
            return;
        };
        if let Some(me) = swarm.peers.get_mut(&peer_id) {
            me.last_seen = now;
        }
        if let Some(target) = swarm.peers.get(&to) {
            send(
                &target.tx,
                json!({
                    "action": "announce",
                    "answer": answer,
                    "offer_id": msg.offer_id,
                    "peer_id": binary_string(&peer_id),
                    "info_hash": binary_string(&info_hash),
                }),
            );
        }
        return;
    }

    let event = msg.event.as_deref().unwrap_or("");
    if event == "stopped" {
        if let Some(swarm) = swarms.get_mut(&info_hash) {
            if swarm.peers.get(&peer_id).is_some_and(|p| p.conn == conn.id) {
                swarm.peers.remove(&peer_id);
                *total_peers -= 1;
            }
            if swarm.peers.is_empty() {
                swarms.remove(&info_hash);
            }
        }
        conn.joined.remove(&(info_hash, peer_id));
        return;
    }

    let seeder = msg.left == Some(0.0) || event == "completed";
    let swarm_full = swarms
        .get(&info_hash)
        .is_some_and(|s| s.peers.len() >= config.max_peers_per_swarm);
    let global_full = *total_peers >= config.max_peers_total;
    let swarm = swarms.entry(info_hash).or_default();
    if event == "completed" {
        swarm.completed += 1;
    }
    let entry = WsPeer {
        conn: conn.id,
        tx: conn.tx.clone(),
        seeder,
        last_seen: now,
    };
    if let Some(existing) = swarm.peers.get_mut(&peer_id) {
        *existing = entry;
        conn.joined.insert((info_hash, peer_id));
    } else if !swarm_full && !global_full {
        swarm.peers.insert(peer_id, entry);
        *total_peers += 1;
        conn.joined.insert((info_hash, peer_id));
    }

    let complete = swarm.peers.values().filter(|p| p.seeder).count();
    send(
        &conn.tx,
        json!({
            "action": "announce",
            "interval": config.interval.as_secs(),
            "info_hash": binary_string(&info_hash),
            "complete": complete,
            "incomplete": swarm.peers.len() - complete,
        }),
    );

    // Each offer goes to a different random peer; a seeder's offers only to leechers.
    let offers = msg.offers.unwrap_or_default();
    let numwant = msg
        .numwant
        .unwrap_or(config.default_numwant)
        .min(config.max_numwant)
        .min(offers.len())
        .min(MAX_OFFERS);
    let targets = swarm
        .peers
        .iter()
        .filter(|(id, p)| **id != peer_id && !(seeder && p.seeder))
        .map(|(_, p)| p.tx.clone())
        .choose_multiple(&mut rand::thread_rng(), numwant);
    for (tx, offer) in targets.iter().zip(offers) {
        send(
            tx,
            json!({
                "action": "announce",
                "offer": offer.offer,
                "offer_id": offer.offer_id,
                "peer_id": binary_string(&peer_id),
                "info_hash": binary_string(&info_hash),
            }),
        );
    }
    if swarm.peers.is_empty() {
        swarms.remove(&info_hash);
    }
}

fn scrape(tracker: &Tracker, conn: &Conn, msg: Incoming) {
    let hashes: Vec<String> = match msg.info_hash {
        Some(OneOrMany::One(s)) => vec![s],
        Some(OneOrMany::Many(v)) => v,
        None => Vec::new(),
    };
    let inner = tracker.ws.lock();
    let mut files = serde_json::Map::new();
    for s in hashes {
        let Some(h) = binary_id(&s) else {
            return failure(conn, "scrape", "invalid info_hash", None);
        };
        if !tracker.is_known(&h) {
            continue;
        }
        let (complete, incomplete, downloaded) = inner.swarms.get(&h).map_or((0, 0, 0), |s| {
            let complete = s.peers.values().filter(|p| p.seeder).count();
            (complete, s.peers.len() - complete, s.completed)
        });
        files.insert(
            s,
            json!({ "complete": complete, "incomplete": incomplete, "downloaded": downloaded }),
        );
    }
    send(&conn.tx, json!({ "action": "scrape", "files": files }));
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::tracker::TrackerConfig;
    use futures::StreamExt;
    use std::net::SocketAddr;
    use std::time::Duration;
    use tokio::net::TcpStream;
    use tokio_tungstenite::tungstenite::Message as TMessage;
    use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

    type Client = WebSocketStream<MaybeTlsStream<TcpStream>>;

    const HASH: Id = [0x81; 20];

    async fn server() -> (SocketAddr, Arc<Tracker>) {
        let tracker = Arc::new(Tracker::new(TrackerConfig::default(), |h| *h == HASH));
        let app: axum::Router = crate::tracker::router(tracker.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            axum::serve(
                listener,
                app.into_make_service_with_connect_info::<SocketAddr>(),
            )
            .await
            .unwrap();
        });
        (addr, tracker)
    }

    async fn connect(addr: SocketAddr) -> Client {
        let (ws, _) = tokio_tungstenite::connect_async(format!("ws://{addr}/tracker/socket"))
            .await
            .unwrap();
        ws
    }

    async fn send_json(c: &mut Client, v: Value) {
        c.send(TMessage::Text(v.to_string().into())).await.unwrap();
    }

    async fn recv_json(c: &mut Client) -> Value {
        loop {
            let msg = tokio::time::timeout(Duration::from_secs(5), c.next())
                .await
                .expect("timed out waiting for a message")
                .unwrap()
                .unwrap();
            if let TMessage::Text(t) = msg {
                return serde_json::from_str(t.as_str()).unwrap();
            }
        }
    }

    #[test]
    fn binary_strings_round_trip() {
        let id: Id = *b"\x00\xff\x81abc\x7f\x80\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c";
        assert_eq!(binary_id(&binary_string(&id)), Some(id));
        assert_eq!(binary_id("short"), None);
        assert_eq!(binary_id(&"\u{100}".repeat(20)), None, "not a byte");
    }

    #[tokio::test]
    async fn two_peers_exchange_offer_and_answer_through_the_tracker() {
        let (addr, tracker) = server().await;
        let hash = binary_string(&HASH);
        let id_a = binary_string(&[b'A'; 20]);
        let id_b = binary_string(&[b'B'; 20]);

        let mut a = connect(addr).await;
        send_json(
            &mut a,
            json!({"action": "announce", "info_hash": hash, "peer_id": id_a, "numwant": 5,
                   "left": 0, "event": "started", "offers": []}),
        )
        .await;
        let r = recv_json(&mut a).await;
        assert_eq!(r["action"], "announce");
        assert_eq!(r["info_hash"], hash.as_str());
        assert_eq!(
            (r["complete"].as_u64(), r["incomplete"].as_u64()),
            (Some(1), Some(0))
        );
        assert_eq!(r["interval"], 600);

        let mut b = connect(addr).await;
        let offer = json!({"type": "offer", "sdp": "v=0 b's offer"});
        send_json(
            &mut b,
            json!({"action": "announce", "info_hash": hash, "peer_id": id_b, "numwant": 5,
                   "left": 1000, "event": "started",
                   "offers": [{"offer": offer, "offer_id": "offer-1"}]}),
        )
        .await;
        let r = recv_json(&mut b).await;
        assert_eq!(
            (r["complete"].as_u64(), r["incomplete"].as_u64()),
            (Some(1), Some(1))
        );

        // A receives B's offer, with B's peer id.
        let r = recv_json(&mut a).await;
        assert_eq!(r["offer"], offer);
        assert_eq!(r["offer_id"], "offer-1");
        assert_eq!(r["peer_id"], id_b.as_str());
        assert_eq!(r["info_hash"], hash.as_str());

        // A answers; B receives it with A's peer id.
        let answer = json!({"type": "answer", "sdp": "v=0 a's answer"});
        send_json(
            &mut a,
            json!({"action": "announce", "info_hash": hash, "peer_id": id_a,
                   "to_peer_id": id_b, "answer": answer, "offer_id": "offer-1"}),
        )
        .await;
        let r = recv_json(&mut b).await;
        assert_eq!(r["answer"], answer);
        assert_eq!(r["offer_id"], "offer-1");
        assert_eq!(r["peer_id"], id_a.as_str());

        // Scrape over the socket.
        send_json(&mut b, json!({"action": "scrape", "info_hash": [hash]})).await;
        let r = recv_json(&mut b).await;
        assert_eq!(r["action"], "scrape");
        assert_eq!(r["files"][hash.as_str()]["complete"], 1);
        assert_eq!(r["files"][hash.as_str()]["incomplete"], 1);

        // Closing A's socket takes it out of the swarm.
        a.close(None).await.unwrap();
        for _ in 0..50 {
            if tracker.ws.peer_count() == 1 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert_eq!(tracker.ws.peer_count(), 1);
    }

    #[tokio::test]
    async fn unknown_info_hash_is_refused() {
        let (addr, tracker) = server().await;
        let mut c = connect(addr).await;
        let other = binary_string(&[0x22; 20]);
        send_json(
            &mut c,
            json!({"action": "announce", "info_hash": other, "peer_id": binary_string(&[1; 20]),
                   "offers": []}),
        )
        .await;
        let r = recv_json(&mut c).await;
        assert_eq!(r["failure reason"], "unknown info_hash");
        assert_eq!(r["info_hash"], other.as_str());
        assert_eq!(tracker.ws.peer_count(), 0);

        send_json(&mut c, json!({"action": "announce", "info_hash": "short"})).await;
        let r = recv_json(&mut c).await;
        assert_eq!(r["failure reason"], "invalid info_hash");
    }
}
