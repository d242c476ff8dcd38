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
//!
//! Several web nodes of one instance share their swarms through [`SwarmMessage`]s (carried by
//! the instance's Redis bus, see `ferrotube_app::bus`): each node keeps its own sockets' peers
//! and a copy of the other nodes' members, so an offer can go to a peer whose socket reached
//! another node, which writes it to that socket. Without a link (one node), nothing is sent.

use std::collections::{HashMap, VecDeque};
use std::future::poll_fn;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::task::Poll;
use std::time::Instant;

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use futures::task::AtomicWaker;
use hyper_util::rt::TokioIo;
use rand::seq::IteratorRandom;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use tokio::sync::mpsc;

use crate::tracker::{Id, Tracker};
use crate::ws_codec::{self, close_code, FrameReader, Incoming as Frame};

/// Largest signalling message accepted. SDP offers are a few KiB; ten offers fit easily.
const MAX_MESSAGE_BYTES: usize = 64 * 1024;

/// Most offers relayed per announce (bittorrent-tracker's clients send at most 10 by default).
const MAX_OFFERS: usize = 20;

/// What may wait for one peer (messages, bytes) before more is dropped: a reader that far
/// behind is gone or hostile, and an offer that never arrives only makes the offerer try
/// another peer. The byte bound keeps sockets that never read from holding relayed offers.
const MAX_QUEUED: usize = 256;
const MAX_QUEUED_BYTES: usize = 256 * 1024;

/// Swarms one socket may join (a page joins one per stream it plays; a level switch adds one).
const MAX_SWARMS_PER_SOCKET: usize = 64;

/// Messages for one connection, pushed by any task and written out by the connection's own.
/// Empty, it owns no heap memory: the point of not using a channel here, which allocates a
/// block of slots up front, with thousands of idle peers.
#[derive(Default)]
pub(crate) struct Outbox {
    queue: Mutex<Queued>,
    waker: AtomicWaker,
}

#[derive(Default)]
struct Queued {
    messages: VecDeque<String>,
    bytes: usize,
}

impl Outbox {
    fn queue(&self) -> MutexGuard<'_, Queued> {
        self.queue.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn push(&self, msg: String) {
        {
            let mut q = self.queue();
            if q.messages.len() >= MAX_QUEUED || q.bytes + msg.len() > MAX_QUEUED_BYTES {
                tracing::debug!("tracker socket: peer not reading, message dropped");
                return;
            }
            q.bytes += msg.len();
            q.messages.push_back(msg);
        }
        self.waker.wake();
    }

    fn is_empty(&self) -> bool {
        self.queue().messages.is_empty()
    }

    fn take(&self) -> VecDeque<String> {
        std::mem::take(&mut *self.queue()).messages
    }
}

/// Where a swarm member's socket is.
enum Member {
    /// On this node: what is meant for it goes into its connection's outbox.
    Local { conn: u64, outbox: Arc<Outbox> },
    /// On another node of the instance: what is meant for it is relayed there.
    Remote { node: Arc<str> },
}

struct WsPeer {
    at: Member,
    seeder: bool,
    last_seen: Instant,
}

impl WsPeer {
    fn is_conn(&self, conn: u64) -> bool {
        matches!(self.at, Member::Local { conn: c, .. } if c == conn)
    }
}

/// What one node's tracker tells the other nodes' (ids as hex). Best effort, like the bus that
/// carries it: a member nobody hears of again expires after two intervals, as a silent local
/// one does, and a lost offer only makes the offerer try another peer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum SwarmMessage {
    /// A peer whose socket is on `node` announced in a swarm (joined, or is still there).
    Joined {
        node: String,
        info_hash: String,
        peer_id: String,
        seeder: bool,
    },
    /// That peer left the swarm (stopped, or its socket closed).
    Left {
        node: String,
        info_hash: String,
        peer_id: String,
    },
    /// A signalling message (an offer or an answer, as the peer receives it) for a peer of
    /// `to_node`.
    Relay {
        to_node: String,
        info_hash: String,
        peer_id: String,
        message: String,
    },
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
pub struct WsSwarms {
    inner: Mutex<Inner>,
    next_conn: AtomicU64,
    /// This node's name among the instance's nodes (random per process).
    node: Arc<str>,
    /// Where messages for the other nodes go, once [`Tracker::link_cluster`] was called.
    link: OnceLock<mpsc::UnboundedSender<SwarmMessage>>,
}

impl Default for WsSwarms {
    fn default() -> Self {
        Self {
            inner: Mutex::default(),
            next_conn: AtomicU64::new(0),
            node: hex::encode(rand::random::<[u8; 8]>()).into(),
            link: OnceLock::new(),
        }
    }
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

    /// Tells the other nodes, if linked to them.
    fn tell(&self, msg: SwarmMessage) {
        if let Some(link) = self.link.get() {
            let _ = link.send(msg);
        }
    }

    fn joined_message(&self, info_hash: &Id, peer_id: &Id, seeder: bool) -> SwarmMessage {
        SwarmMessage::Joined {
            node: self.node.to_string(),
            info_hash: hex::encode(info_hash),
            peer_id: hex::encode(peer_id),
            seeder,
        }
    }

    fn left_message(&self, info_hash: &Id, peer_id: &Id) -> SwarmMessage {
        SwarmMessage::Left {
            node: self.node.to_string(),
            info_hash: hex::encode(info_hash),
            peer_id: hex::encode(peer_id),
        }
    }

    /// Delivers a message to a member: into its outbox here, or relayed to its node.
    fn deliver(&self, to: &WsPeer, info_hash: &Id, peer_id: &Id, message: Value) {
        match &to.at {
            Member::Local { outbox, .. } => send(outbox, message),
            Member::Remote { node } => self.tell(SwarmMessage::Relay {
                to_node: node.to_string(),
                info_hash: hex::encode(info_hash),
                peer_id: hex::encode(peer_id),
                message: message.to_string(),
            }),
        }
    }

    /// Removes what connection `conn` registered.
    fn leave(&self, conn: u64, joined: &[(Id, Id)]) {
        let mut inner = self.lock();
        let Inner {
            swarms,
            total_peers,
        } = &mut *inner;
        for (info_hash, peer_id) in joined {
            if let Some(swarm) = swarms.get_mut(info_hash) {
                // The peer id may have moved to a newer connection (a reconnecting tab): keep it.
                if swarm.peers.get(peer_id).is_some_and(|p| p.is_conn(conn)) {
                    swarm.peers.remove(peer_id);
                    *total_peers -= 1;
                    self.tell(self.left_message(info_hash, peer_id));
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

    /// Peers in one swarm right now (the watch page tells the player whether to wait for them).
    pub fn swarm_size(&self, info_hash: &Id) -> usize {
        self.lock()
            .swarms
            .get(info_hash)
            .map_or(0, |s| s.peers.len())
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
    outbox: Arc<Outbox>,
    /// (info hash, peer id) pairs this socket announced; a handful at most, so a Vec.
    joined: Vec<(Id, Id)>,
}

/// Whether a comma-separated header holds `token` (case-insensitive), as `Connection: keep-alive,
/// Upgrade` does.
fn has_token(headers: &HeaderMap, name: header::HeaderName, token: &str) -> bool {
    headers
        .get_all(name)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|t| t.trim().eq_ignore_ascii_case(token))
}

fn refuse(status: StatusCode, detail: &str) -> Response {
    let body = json!({ "type": "about:blank", "title": status.canonical_reason(), "status": status.as_u16(), "detail": detail });
    let mut res = (status, body.to_string()).into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/problem+json"),
    );
    res
}

/// The WebSocket handshake (RFC 6455 §4.2), answered here rather than by axum's extractor so
/// that the connection is served by [`ws_codec`] (see there for why).
pub(crate) async fn socket_handler(
    State(tracker): State<Arc<Tracker>>,
    mut req: Request,
) -> Response {
    let headers = req.headers();
    if req.method() != Method::GET
        || !has_token(headers, header::CONNECTION, "upgrade")
        || !has_token(headers, header::UPGRADE, "websocket")
    {
        let mut res = refuse(
            StatusCode::UPGRADE_REQUIRED,
            "this is the WebTorrent tracker's WebSocket: connect with a WebSocket client",
        );
        res.headers_mut()
            .insert(header::UPGRADE, HeaderValue::from_static("websocket"));
        return res;
    }
    if headers
        .get(header::SEC_WEBSOCKET_VERSION)
        .is_none_or(|v| v.as_bytes() != b"13")
    {
        let mut res = refuse(
            StatusCode::BAD_REQUEST,
            "unsupported WebSocket version (13 expected)",
        );
        res.headers_mut().insert(
            header::SEC_WEBSOCKET_VERSION,
            HeaderValue::from_static("13"),
        );
        return res;
    }
    let Some(key) = headers
        .get(header::SEC_WEBSOCKET_KEY)
        .filter(|k| k.len() == 24)
    else {
        return refuse(
            StatusCode::BAD_REQUEST,
            "missing or malformed Sec-WebSocket-Key",
        );
    };
    let accept = ws_codec::accept_key(key.as_bytes());
    let ip = crate::tracker::client_ip_of(&tracker, req.headers(), req.extensions());
    let Some(on_upgrade) = req.extensions_mut().remove::<hyper::upgrade::OnUpgrade>() else {
        return refuse(
            StatusCode::UPGRADE_REQUIRED,
            "this connection cannot be upgraded (WebSocket needs HTTP/1.1)",
        );
    };
    tokio::spawn(async move {
        match on_upgrade.await {
            Ok(upgraded) => serve_socket(tracker, TokioIo::new(upgraded), ip).await,
            Err(e) => tracing::debug!(error = %e, "tracker socket: upgrade failed"),
        }
    });
    let mut res = StatusCode::SWITCHING_PROTOCOLS.into_response();
    let h = res.headers_mut();
    h.insert(header::UPGRADE, HeaderValue::from_static("websocket"));
    h.insert(header::CONNECTION, HeaderValue::from_static("upgrade"));
    if let Ok(v) = HeaderValue::from_str(&accept) {
        h.insert(header::SEC_WEBSOCKET_ACCEPT, v);
    }
    res
}

/// What woke a connection's task.
enum Event {
    Outgoing,
    Received(Result<Frame, ws_codec::FrameError>),
}

async fn serve_socket<S>(tracker: Arc<Tracker>, mut io: S, ip: Option<std::net::IpAddr>)
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    // Messages to this peer come from other connections' tasks too, so they go through its
    // outbox. One task per connection both reads the socket and writes the outbox out; the
    // reader keeps its progress in itself, so being interrupted by outgoing messages loses
    // nothing.
    let mut conn = Conn {
        id: tracker.ws.next_conn.fetch_add(1, Ordering::Relaxed),
        outbox: Arc::new(Outbox::default()),
        joined: Vec::new(),
    };
    let mut reader = FrameReader::new(MAX_MESSAGE_BYTES);
    let close = loop {
        let event = poll_fn(|cx| {
            conn.outbox.waker.register(cx.waker());
            if !conn.outbox.is_empty() {
                return Poll::Ready(Event::Outgoing);
            }
            reader.poll_message(&mut io, cx).map(Event::Received)
        })
        .await;
        let text = match event {
            Event::Outgoing => {
                if write_outbox(&mut io, &conn.outbox).await.is_err() {
                    break None;
                }
                continue;
            }
            Event::Received(Ok(Frame::Text(t))) => t,
            Event::Received(Ok(Frame::Ping(p))) => {
                if io.write_all(&ws_codec::pong_frame(&p)).await.is_err() {
                    break None;
                }
                continue;
            }
            // Binary frames are not part of the protocol; pongs answer nothing we sent.
            Event::Received(Ok(Frame::Binary(_) | Frame::Pong)) => continue,
            Event::Received(Ok(Frame::Close(_))) => break Some(close_code::NORMAL),
            Event::Received(Err(e)) => {
                tracing::debug!(error = %e, "tracker socket closed");
                break e.close_code();
            }
        };
        if let Some(ip) = ip {
            if !tracker.allow(ip, Instant::now()) {
                // An abusive peer: say why, then hang up (its swarm entries go below).
                failure(&conn, "announce", crate::tracker::TOO_MANY, None);
                break Some(close_code::POLICY);
            }
        }
        match serde_json::from_str::<Incoming>(&text) {
            Ok(msg) => handle(&tracker, &mut conn, msg),
            Err(e) => send(
                &conn.outbox,
                json!({ "failure reason": format!("invalid message: {e}") }),
            ),
        }
    };
    tracker.ws.leave(conn.id, &conn.joined);
    if let Some(code) = close {
        // What was queued before leaving (a failure reason, say) still goes out, then the close.
        if write_outbox(&mut io, &conn.outbox).await.is_ok() {
            let _ = io.write_all(&ws_codec::close_frame(code)).await;
        }
    }
    let _ = io.shutdown().await;
}

async fn write_outbox<S: AsyncWrite + Unpin>(io: &mut S, outbox: &Outbox) -> std::io::Result<()> {
    for msg in outbox.take() {
        io.write_all(&ws_codec::text_frame(&msg)).await?;
    }
    io.flush().await
}

fn remember(joined: &mut Vec<(Id, Id)>, pair: (Id, Id)) {
    if !joined.contains(&pair) {
        joined.push(pair);
    }
}

fn send(outbox: &Outbox, v: Value) {
    outbox.push(v.to_string());
}

fn failure(conn: &Conn, action: &str, reason: &str, info_hash: Option<&Id>) {
    let mut v = json!({ "action": action, "failure reason": reason });
    if let (Some(h), Some(obj)) = (info_hash, v.as_object_mut()) {
        obj.insert("info_hash".into(), json!(binary_string(h)));
    }
    send(&conn.outbox, v);
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
            let ws = &tracker.ws;
            ws.deliver(
                target,
                &info_hash,
                &to,
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
            if swarm
                .peers
                .get(&peer_id)
                .is_some_and(|p| p.is_conn(conn.id))
            {
                swarm.peers.remove(&peer_id);
                *total_peers -= 1;
                tracker
                    .ws
                    .tell(tracker.ws.left_message(&info_hash, &peer_id));
            }
            if swarm.peers.is_empty() {
                swarms.remove(&info_hash);
            }
        }
        conn.joined.retain(|j| *j != (info_hash, peer_id));
        return;
    }

    if conn.joined.len() >= MAX_SWARMS_PER_SOCKET && !conn.joined.contains(&(info_hash, peer_id)) {
        return failure(
            conn,
            "announce",
            "too many swarms on one socket",
            Some(&info_hash),
        );
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
        at: Member::Local {
            conn: conn.id,
            outbox: conn.outbox.clone(),
        },
        seeder,
        last_seen: now,
    };
    let member = if let Some(existing) = swarm.peers.get_mut(&peer_id) {
        *existing = entry;
        true
    } else if !swarm_full && !global_full {
        swarm.peers.insert(peer_id, entry);
        *total_peers += 1;
        true
    } else {
        false
    };
    if member {
        remember(&mut conn.joined, (info_hash, peer_id));
        let ws = &tracker.ws;
        ws.tell(ws.joined_message(&info_hash, &peer_id, seeder));
    }

    let complete = swarm.peers.values().filter(|p| p.seeder).count();
    send(
        &conn.outbox,
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
        .choose_multiple(&mut rand::thread_rng(), numwant);
    for ((to, target), offer) in targets.into_iter().zip(offers) {
        tracker.ws.deliver(
            target,
            &info_hash,
            to,
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
    send(&conn.outbox, json!({ "action": "scrape", "files": files }));
}

impl Tracker {
    /// Links this node's WebSocket swarms to the instance's other nodes: what they must know
    /// comes out of the returned receiver (for the caller to carry to them), and what they
    /// send goes into [`Tracker::apply_swarm_message`]. `None` if already linked.
    pub fn link_cluster(&self) -> Option<mpsc::UnboundedReceiver<SwarmMessage>> {
        let (tx, rx) = mpsc::unbounded_channel();
        self.ws.link.set(tx).ok()?;
        Some(rx)
    }

    /// Applies what another node's tracker said (see [`SwarmMessage`]).
    pub fn apply_swarm_message(&self, msg: SwarmMessage) {
        let hex_id = |s: &str| -> Option<Id> { hex::decode(s).ok()?.try_into().ok() };
        let ws = &self.ws;
        match msg {
            SwarmMessage::Joined {
                node,
                info_hash,
                peer_id,
                seeder,
            } => {
                let (Some(info_hash), Some(peer_id)) = (hex_id(&info_hash), hex_id(&peer_id))
                else {
                    return;
                };
                if node.as_str() == &*ws.node || !self.is_known(&info_hash) {
                    return;
                }
                let config = self.config();
                let mut inner = ws.lock();
                let Inner {
                    swarms,
                    total_peers,
                } = &mut *inner;
                let global_full = *total_peers >= config.max_peers_total;
                let swarm = swarms.entry(info_hash).or_default();
                let full = global_full || swarm.peers.len() >= config.max_peers_per_swarm;
                let entry = WsPeer {
                    at: Member::Remote { node: node.into() },
                    seeder,
                    last_seen: Instant::now(),
                };
                match swarm.peers.get_mut(&peer_id) {
                    // A socket of ours still holds this peer id: ours is the live one.
                    Some(p) if matches!(p.at, Member::Local { .. }) => {}
                    Some(p) => *p = entry,
                    None if full => {}
                    None => {
                        swarm.peers.insert(peer_id, entry);
                        *total_peers += 1;
                    }
                }
                if swarm.peers.is_empty() {
                    swarms.remove(&info_hash);
                }
            }
            SwarmMessage::Left {
                node,
                info_hash,
                peer_id,
            } => {
                let (Some(info_hash), Some(peer_id)) = (hex_id(&info_hash), hex_id(&peer_id))
                else {
                    return;
                };
                let mut inner = ws.lock();
                let Inner {
                    swarms,
                    total_peers,
                } = &mut *inner;
                if let Some(swarm) = swarms.get_mut(&info_hash) {
                    let theirs = swarm.peers.get(&peer_id).is_some_and(
                        |p| matches!(&p.at, Member::Remote { node: n } if **n == *node),
                    );
                    if theirs {
                        swarm.peers.remove(&peer_id);
                        *total_peers -= 1;
                    }
                    if swarm.peers.is_empty() {
                        swarms.remove(&info_hash);
                    }
                }
            }
            SwarmMessage::Relay {
                to_node,
                info_hash,
                peer_id,
                message,
            } => {
                if to_node.as_str() != &*ws.node {
                    return;
                }
                let (Some(info_hash), Some(peer_id)) = (hex_id(&info_hash), hex_id(&peer_id))
                else {
                    return;
                };
                let inner = ws.lock();
                let target = inner
                    .swarms
                    .get(&info_hash)
                    .and_then(|s| s.peers.get(&peer_id));
                if let Some(WsPeer {
                    at: Member::Local { outbox, .. },
                    ..
                }) = target
                {
                    outbox.push(message);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::string_slice)]

    use super::*;
    use crate::tracker::TrackerConfig;
    use futures::{SinkExt, StreamExt};
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

    /// Carries each tracker's messages to the other, as the instance's bus does between nodes.
    fn link(a: &Arc<Tracker>, b: &Arc<Tracker>) {
        for (from, to) in [(a, b), (b, a)] {
            let mut rx = from.link_cluster().unwrap();
            let to = to.clone();
            tokio::spawn(async move {
                while let Some(m) = rx.recv().await {
                    // Through JSON, as on the bus.
                    let text = serde_json::to_string(&m).unwrap();
                    to.apply_swarm_message(serde_json::from_str(&text).unwrap());
                }
            });
        }
    }

    async fn wait_until(what: &str, cond: impl Fn() -> bool) {
        for _ in 0..100 {
            if cond() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("timed out waiting until {what}");
    }

    #[tokio::test]
    async fn peers_on_two_linked_nodes_find_each_other() {
        let (addr1, t1) = server().await;
        let (addr2, t2) = server().await;
        link(&t1, &t2);
        assert!(t1.link_cluster().is_none(), "linked once");
        let hash = binary_string(&HASH);
        let id_a = binary_string(&[b'A'; 20]);
        let id_b = binary_string(&[b'B'; 20]);

        // A seeds on node 1; node 2 learns of it.
        let mut a = connect(addr1).await;
        send_json(
            &mut a,
            json!({"action": "announce", "info_hash": hash, "peer_id": id_a, "numwant": 5,
                   "left": 0, "event": "started", "offers": []}),
        )
        .await;
        recv_json(&mut a).await;
        wait_until("node 2 knows A", || t2.ws_swarm_size(&HASH) == 1).await;

        // B, on node 2, offers: the offer reaches A through node 1.
        let mut b = connect(addr2).await;
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
            (Some(1), Some(1)),
            "node 2 counts the seeder on node 1"
        );
        let r = recv_json(&mut a).await;
        assert_eq!(r["offer"], offer);
        assert_eq!(r["peer_id"], id_b.as_str());

        // A's answer goes back to B through node 2.
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

        // Node 2 scrapes both members.
        send_json(&mut b, json!({"action": "scrape", "info_hash": hash})).await;
        let r = recv_json(&mut b).await;
        assert_eq!(r["files"][hash.as_str()]["complete"], 1);
        assert_eq!(r["files"][hash.as_str()]["incomplete"], 1);

        // A's socket closes: node 2 forgets it too.
        a.close(None).await.unwrap();
        wait_until("node 2 forgets A", || t2.ws_swarm_size(&HASH) == 1).await;
        wait_until("node 1 keeps only B", || t1.ws_swarm_size(&HASH) == 1).await;
        assert_eq!(t2.ws.peer_count(), 1);
    }

    #[test]
    fn a_node_ignores_its_own_and_foreign_relays_and_garbage() {
        let t = Tracker::new(TrackerConfig::default(), |h| *h == HASH);
        let me = t.ws.node.to_string();
        // Its own Joined (echoed) and one for an unknown swarm add nobody.
        t.apply_swarm_message(SwarmMessage::Joined {
            node: me,
            info_hash: hex::encode(HASH),
            peer_id: hex::encode([1u8; 20]),
            seeder: true,
        });
        t.apply_swarm_message(SwarmMessage::Joined {
            node: "other".into(),
            info_hash: hex::encode([2u8; 20]),
            peer_id: hex::encode([1u8; 20]),
            seeder: true,
        });
        t.apply_swarm_message(SwarmMessage::Joined {
            node: "other".into(),
            info_hash: "zz".into(),
            peer_id: hex::encode([1u8; 20]),
            seeder: true,
        });
        assert_eq!(t.ws.peer_count(), 0);
        // A Left from a node that does not hold the member removes nothing.
        t.apply_swarm_message(SwarmMessage::Joined {
            node: "other".into(),
            info_hash: hex::encode(HASH),
            peer_id: hex::encode([1u8; 20]),
            seeder: false,
        });
        t.apply_swarm_message(SwarmMessage::Left {
            node: "third".into(),
            info_hash: hex::encode(HASH),
            peer_id: hex::encode([1u8; 20]),
        });
        assert_eq!(t.ws_swarm_size(&HASH), 1);
        t.apply_swarm_message(SwarmMessage::Left {
            node: "other".into(),
            info_hash: hex::encode(HASH),
            peer_id: hex::encode([1u8; 20]),
        });
        assert_eq!(t.ws_swarm_size(&HASH), 0);
        assert_eq!(t.ws.peer_count(), 0);
        // Remote members expire like local ones.
        t.apply_swarm_message(SwarmMessage::Joined {
            node: "other".into(),
            info_hash: hex::encode(HASH),
            peer_id: hex::encode([1u8; 20]),
            seeder: false,
        });
        t.purge_expired(Instant::now() + t.expiry() + Duration::from_secs(1));
        assert_eq!(t.ws.peer_count(), 0);
    }

    #[test]
    fn an_outbox_nobody_reads_is_bounded() {
        let o = Outbox::default();
        for _ in 0..MAX_QUEUED * 2 {
            o.push("x".into());
        }
        assert_eq!(o.take().len(), MAX_QUEUED);
        let big = "y".repeat(60 * 1024);
        for _ in 0..10 {
            o.push(big.clone());
        }
        assert_eq!(o.take().len(), MAX_QUEUED_BYTES / big.len());
        // Taking the queue frees its room.
        o.push(big);
        assert_eq!(o.take().len(), 1);
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
    async fn handshake_is_checked_and_control_frames_answered() {
        let (addr, tracker) = server().await;
        // A plain GET (a browser opening the URL) is told what this is.
        let client = reqwest_like_get(addr, &[]).await;
        assert!(client.starts_with("HTTP/1.1 426"), "{client}");
        assert!(client.contains("application/problem+json"), "{client}");
        let bad_version = reqwest_like_get(
            addr,
            &[
                ("Connection", "Upgrade"),
                ("Upgrade", "websocket"),
                ("Sec-WebSocket-Version", "8"),
                ("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="),
            ],
        )
        .await;
        assert!(bad_version.starts_with("HTTP/1.1 400"), "{bad_version}");
        assert!(bad_version
            .to_ascii_lowercase()
            .contains("sec-websocket-version: 13"));
        // No key, or one that is not 16 base64-encoded bytes.
        for key in [None, Some("short")] {
            let mut headers = vec![
                ("Connection", "Upgrade"),
                ("Upgrade", "websocket"),
                ("Sec-WebSocket-Version", "13"),
            ];
            if let Some(k) = key {
                headers.push(("Sec-WebSocket-Key", k));
            }
            let res = reqwest_like_get(addr, &headers).await;
            assert!(res.starts_with("HTTP/1.1 400"), "{key:?}: {res}");
            assert!(res.contains("Sec-WebSocket-Key"), "{key:?}: {res}");
        }

        // Ping is answered with the same payload; a message over the limit closes with 1009.
        let mut c = connect(addr).await;
        c.send(TMessage::Ping(b"are you there".to_vec().into()))
            .await
            .unwrap();
        let msg = tokio::time::timeout(Duration::from_secs(5), c.next())
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        assert_eq!(msg, TMessage::Pong(b"are you there".to_vec().into()));
        send_json(
            &mut c,
            json!({"action": "announce", "info_hash": binary_string(&HASH),
                   "peer_id": binary_string(&[7; 20]), "offers": []}),
        )
        .await;
        assert_eq!(recv_json(&mut c).await["action"], "announce");
        assert_eq!(tracker.ws.peer_count(), 1);
        c.send(TMessage::Text("x".repeat(MAX_MESSAGE_BYTES + 1).into()))
            .await
            .unwrap();
        let closed = loop {
            match tokio::time::timeout(Duration::from_secs(5), c.next())
                .await
                .unwrap()
            {
                Some(Ok(TMessage::Close(frame))) => break frame,
                Some(Ok(_)) => continue,
                other => panic!("expected a close frame, got {other:?}"),
            }
        };
        assert_eq!(u16::from(closed.unwrap().code), 1009);
        for _ in 0..50 {
            if tracker.ws.peer_count() == 0 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert_eq!(
            tracker.ws.peer_count(),
            0,
            "a closed socket leaves its swarms"
        );
    }

    /// One raw HTTP/1.1 GET of /tracker/socket with `headers`; the response head and body.
    async fn reqwest_like_get(addr: SocketAddr, headers: &[(&str, &str)]) -> String {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let mut s = TcpStream::connect(addr).await.unwrap();
        let mut req = format!("GET /tracker/socket HTTP/1.1\r\nHost: {addr}\r\n");
        for (k, v) in headers {
            req.push_str(&format!("{k}: {v}\r\n"));
        }
        req.push_str("Connection: close\r\n\r\n");
        if headers.iter().any(|(k, _)| *k == "Connection") {
            req = req.replace("Connection: close\r\n", "");
        }
        s.write_all(req.as_bytes()).await.unwrap();
        let mut out = Vec::new();
        let _ = tokio::time::timeout(Duration::from_secs(2), s.read_to_end(&mut out)).await;
        String::from_utf8_lossy(&out).into_owned()
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
