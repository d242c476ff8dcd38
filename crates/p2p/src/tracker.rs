//! HTTP BitTorrent tracker (BEP 3 announce, BEP 23 compact peers, BEP 7 `peers6`, BEP 48
//! scrape) over an in-memory swarm store.
//!
//! PeerTube runs `bittorrent-tracker` in-process and refuses info hashes that are not one of its
//! own files or HLS swarms; [`Tracker`] does the same through the `known` predicate it is built
//! with, so an instance's tracker cannot be used to coordinate arbitrary torrents. Swarms live only
//! in memory: a restart loses them, and clients re-announce within one interval.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, RawQuery, Request, State as AxumState};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use ferrotube_model::proxy::TrustedProxies;
use rand::seq::IteratorRandom;
use serde::Serialize;
use serde_bytes::ByteBuf;

/// A 20-byte info hash or peer id.
pub type Id = [u8; 20];

/// Tracker settings.
#[derive(Debug, Clone)]
pub struct TrackerConfig {
    /// Announce interval told to clients. A peer not heard from for twice this long is dropped.
    /// Default 10 minutes, `bittorrent-tracker`'s default, which PeerTube keeps.
    pub interval: Duration,
    /// Most peers stored per swarm; announces beyond it still get peers but are not stored, so a
    /// crowd cannot grow one swarm's memory without bound.
    pub max_peers_per_swarm: usize,
    /// Most peers stored across all swarms (same rule).
    pub max_peers_total: usize,
    /// Peers returned when the client does not say `numwant` (bittorrent-tracker: 50).
    pub default_numwant: usize,
    /// Ceiling on `numwant` (bittorrent-tracker: 82, about what fits a UDP packet).
    pub max_numwant: usize,
    /// Peers whose `X-Forwarded-For` names the client (a reverse proxy in front); the client
    /// is the last address of the chain that is not one of them, so a client cannot register
    /// someone else's address by writing the header itself. Empty: the connection's address.
    pub trusted_proxies: TrustedProxies,
    /// Requests (HTTP announces and scrapes, WebSocket messages) one address may make per
    /// minute; past it the tracker answers a failure and, on a socket, hangs up. `0`: no limit.
    pub max_requests_per_minute: u32,
}

impl Default for TrackerConfig {
    fn default() -> Self {
        Self {
            interval: Duration::from_secs(600),
            max_peers_per_swarm: 1000,
            max_peers_total: 100_000,
            default_numwant: 50,
            max_numwant: 82,
            trusted_proxies: TrustedProxies::none(),
            max_requests_per_minute: 600,
        }
    }
}

/// Announce `event`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// A regular re-announce (no or empty `event`).
    Update,
    Started,
    Completed,
    Stopped,
}

/// A parsed announce.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnnounceRequest {
    pub info_hash: Id,
    pub peer_id: Id,
    /// The address the request came from. The `ip` query parameter is ignored on purpose: trusting
    /// it would let anyone point a swarm at a third party's host.
    pub ip: IpAddr,
    pub port: u16,
    pub uploaded: u64,
    pub downloaded: u64,
    /// Bytes still missing; `0` makes the peer a seeder.
    pub left: u64,
    pub event: Event,
    pub numwant: Option<usize>,
    /// Compact peer lists (BEP 23); the default unless the client sends `compact=0`.
    pub compact: bool,
}

/// Why a request was refused; the text goes into the bencoded `failure reason`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TrackerError {
    #[error("invalid {0}")]
    Invalid(&'static str),
    #[error("missing {0}")]
    Missing(&'static str),
    #[error("unknown info_hash")]
    UnknownInfoHash,
}

/// Percent-decodes one query component to raw bytes. `info_hash` and `peer_id` are binary, so a
/// UTF-8 decoder would mangle them; `+` means a space as in form encoding (Node's `querystring`,
/// which bittorrent-tracker uses, does the same).
fn decode_component(s: &str) -> Vec<u8> {
    let plus_as_space: Vec<u8> = s
        .bytes()
        .map(|b| if b == b'+' { b' ' } else { b })
        .collect();
    percent_encoding::percent_decode(&plus_as_space).collect()
}

/// Splits a raw query string into decoded `(key, value)` byte pairs, keeping repeats (scrape
/// sends `info_hash` several times).
pub fn parse_query(raw: &str) -> Vec<(Vec<u8>, Vec<u8>)> {
    raw.split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (decode_component(k), decode_component(v))
        })
        .collect()
}

fn id_of(v: &[u8], what: &'static str) -> Result<Id, TrackerError> {
    v.try_into().map_err(|_| TrackerError::Invalid(what))
}

fn number<T: std::str::FromStr>(v: &[u8], what: &'static str) -> Result<T, TrackerError> {
    std::str::from_utf8(v)
        .ok()
        .and_then(|s| s.parse().ok())
        .ok_or(TrackerError::Invalid(what))
}

impl AnnounceRequest {
    /// Parses an announce query string. `ip` is the address the request came from.
    pub fn from_query(raw: &str, ip: IpAddr) -> Result<Self, TrackerError> {
        let mut info_hash = None;
        let mut peer_id = None;
        let mut port = None;
        let (mut uploaded, mut downloaded) = (0, 0);
        // A client that does not say is assumed to still need data (bittorrent-tracker counts it
        // as a leecher too).
        let mut left = u64::MAX;
        let mut event = Event::Update;
        let mut numwant = None;
        let mut compact = true;
        for (k, v) in parse_query(raw) {
            match k.as_slice() {
                b"info_hash" => info_hash = Some(id_of(&v, "info_hash")?),
                b"peer_id" => peer_id = Some(id_of(&v, "peer_id")?),
                b"port" => port = Some(number::<u16>(&v, "port")?),
                b"uploaded" => uploaded = number(&v, "uploaded")?,
                b"downloaded" => downloaded = number(&v, "downloaded")?,
                b"left" => left = number(&v, "left")?,
                b"numwant" => numwant = Some(number(&v, "numwant")?),
                b"compact" => compact = v.as_slice() != b"0",
                b"event" => {
                    event = match v.as_slice() {
                        b"" | b"update" | b"empty" => Event::Update,
                        b"started" => Event::Started,
                        b"completed" => Event::Completed,
                        b"stopped" => Event::Stopped,
                        _ => return Err(TrackerError::Invalid("event")),
                    }
                }
                _ => {}
            }
        }
        Ok(Self {
            info_hash: info_hash.ok_or(TrackerError::Missing("info_hash"))?,
            peer_id: peer_id.ok_or(TrackerError::Missing("peer_id"))?,
            ip,
            port: port.ok_or(TrackerError::Missing("port"))?,
            uploaded,
            downloaded,
            left,
            event,
            numwant,
            compact,
        })
    }
}

#[derive(Debug, Clone)]
struct Peer {
    addr: SocketAddr,
    seeder: bool,
    last_seen: Instant,
}

/// One torrent's peers.
#[derive(Debug, Default)]
pub struct Swarm {
    peers: HashMap<Id, Peer>,
    /// Number of `completed` events seen, scrape's `downloaded`.
    completed: u64,
}

impl Swarm {
    fn counts(&self) -> (u64, u64) {
        let seeders = self.peers.values().filter(|p| p.seeder).count() as u64;
        (seeders, self.peers.len() as u64 - seeders)
    }
}

/// Swarm counts, as scrape reports them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ScrapeEntry {
    pub complete: u64,
    pub downloaded: u64,
    pub incomplete: u64,
}

/// Peers handed back by an announce.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnnounceResult {
    pub interval: Duration,
    pub complete: u64,
    pub incomplete: u64,
    pub peers: Vec<(Id, SocketAddr)>,
}

/// Predicate deciding whether an info hash belongs to this instance.
pub type KnownFn = dyn Fn(&Id) -> bool + Send + Sync;

/// The tracker: configuration, the "known info hash" predicate and all swarms.
pub struct Tracker {
    config: TrackerConfig,
    known: Box<KnownFn>,
    state: Mutex<Swarms>,
    /// WebTorrent (WebSocket) swarms, apart from the HTTP ones: their peers reach each other
    /// through WebRTC relayed by us and have no address an HTTP client could use.
    pub(crate) ws: crate::ws::WsSwarms,
    throttle: Mutex<HashMap<IpAddr, (Instant, u32)>>,
}

#[derive(Default)]
struct Swarms {
    swarms: HashMap<Id, Swarm>,
    total_peers: usize,
}

impl Swarms {
    /// Drops a swarm's peers unheard of since `deadline`, and the swarm itself once empty.
    fn expire_swarm(&mut self, info_hash: &Id, deadline: Instant) {
        if let Some(swarm) = self.swarms.get_mut(info_hash) {
            let before = swarm.peers.len();
            swarm.peers.retain(|_, p| p.last_seen >= deadline);
            self.total_peers -= before - swarm.peers.len();
            if swarm.peers.is_empty() {
                self.swarms.remove(info_hash);
            }
        }
    }
}

impl std::fmt::Debug for Tracker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tracker")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl Tracker {
    /// A tracker accepting only info hashes for which `known` is true. The predicate runs on
    /// every request under no lock of ours but synchronously: back it with an in-memory set or
    /// cache (PeerTube memoizes its database lookup too).
    pub fn new(config: TrackerConfig, known: impl Fn(&Id) -> bool + Send + Sync + 'static) -> Self {
        Self {
            config,
            known: Box::new(known),
            state: Mutex::new(Swarms::default()),
            ws: crate::ws::WsSwarms::default(),
            throttle: Mutex::new(HashMap::new()),
        }
    }

    pub fn config(&self) -> &TrackerConfig {
        &self.config
    }

    pub fn is_known(&self, info_hash: &Id) -> bool {
        (self.known)(info_hash)
    }

    fn state(&self) -> MutexGuard<'_, Swarms> {
        // A panic while holding the lock cannot leave the maps half-updated in a way that matters
        // (counts are recomputed), so keep serving rather than poisoning the tracker for good.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn expiry(&self) -> Duration {
        self.config.interval * 2
    }

    /// Records an announce made at `now` and picks peers for it.
    pub fn announce(
        &self,
        req: &AnnounceRequest,
        now: Instant,
    ) -> Result<AnnounceResult, TrackerError> {
        if !self.is_known(&req.info_hash) {
            return Err(TrackerError::UnknownInfoHash);
        }
        let numwant = req
            .numwant
            .unwrap_or(self.config.default_numwant)
            .min(self.config.max_numwant);
        let seeder = req.left == 0 || req.event == Event::Completed;
        let addr = SocketAddr::new(req.ip, req.port);

        let mut state = self.state();
        if let Some(deadline) = now.checked_sub(self.expiry()) {
            state.expire_swarm(&req.info_hash, deadline);
        }
        let Swarms {
            swarms,
            total_peers,
        } = &mut *state;

        if req.event == Event::Stopped {
            if let Some(swarm) = swarms.get_mut(&req.info_hash) {
                if swarm.peers.remove(&req.peer_id).is_some() {
                    *total_peers -= 1;
                }
                let (complete, incomplete) = swarm.counts();
                if swarm.peers.is_empty() {
                    swarms.remove(&req.info_hash);
                }
                return Ok(AnnounceResult {
                    interval: self.config.interval,
                    complete,
                    incomplete,
                    peers: Vec::new(),
                });
            }
            return Ok(AnnounceResult {
                interval: self.config.interval,
                complete: 0,
                incomplete: 0,
                peers: Vec::new(),
            });
        }

        let swarm_full = swarms
            .get(&req.info_hash)
            .is_some_and(|s| s.peers.len() >= self.config.max_peers_per_swarm);
        let swarm = swarms.entry(req.info_hash).or_default();
        if req.event == Event::Completed {
            swarm.completed += 1;
        }
        let peer = Peer {
            addr,
            seeder,
            last_seen: now,
        };
        if let Some(existing) = swarm.peers.get_mut(&req.peer_id) {
            *existing = peer;
        } else if !swarm_full && *total_peers < self.config.max_peers_total {
            swarm.peers.insert(req.peer_id, peer);
            *total_peers += 1;
        } else {
            tracing::debug!(info_hash = %hex::encode(req.info_hash), "peer cap reached, not storing");
        }

        // Seeders only need leechers; everyone else gets anyone but themselves.
        let peers = swarm
            .peers
            .iter()
            .filter(|(id, p)| **id != req.peer_id && !(seeder && p.seeder))
            .map(|(id, p)| (*id, p.addr))
            .choose_multiple(&mut rand::thread_rng(), numwant);
        let (complete, incomplete) = swarm.counts();
        if swarm.peers.is_empty() {
            // Possible when the caps refused the only announcer: keep no empty swarm around.
            swarms.remove(&req.info_hash);
        }
        Ok(AnnounceResult {
            interval: self.config.interval,
            complete,
            incomplete,
            peers,
        })
    }

    /// Counts for each requested info hash. Unknown ones are left out rather than failing the
    /// whole scrape; an empty request gets nothing (no full scrape: it would list every swarm).
    pub fn scrape(&self, info_hashes: &[Id], now: Instant) -> Vec<(Id, ScrapeEntry)> {
        let mut state = self.state();
        info_hashes
            .iter()
            .filter(|h| self.is_known(h))
            .map(|h| {
                if let Some(deadline) = now.checked_sub(self.expiry()) {
                    state.expire_swarm(h, deadline);
                }
                let entry = state.swarms.get(h).map_or(
                    ScrapeEntry {
                        complete: 0,
                        downloaded: 0,
                        incomplete: 0,
                    },
                    |s| {
                        let (complete, incomplete) = s.counts();
                        ScrapeEntry {
                            complete,
                            downloaded: s.completed,
                            incomplete,
                        }
                    },
                );
                (*h, entry)
            })
            .collect()
    }

    /// Counts one request from `ip` at `now`; false once the address made more than
    /// `max_requests_per_minute` in the current one-minute window (a fixed window per address,
    /// like bittorrent-tracker's `filter` throttling in PeerTube).
    pub fn allow(&self, ip: IpAddr, now: Instant) -> bool {
        let max = self.config.max_requests_per_minute;
        if max == 0 {
            return true;
        }
        let window = Duration::from_secs(60);
        let mut hits = self.throttle.lock().unwrap_or_else(|e| e.into_inner());
        if hits.len() > 100_000 {
            hits.retain(|_, (start, _)| now.saturating_duration_since(*start) < window);
        }
        let entry = hits.entry(ip).or_insert((now, 0));
        if now.saturating_duration_since(entry.0) >= window {
            *entry = (now, 0);
        }
        entry.1 = entry.1.saturating_add(1);
        entry.1 <= max
    }

    /// Peers connected over WebSocket, across swarms.
    pub fn ws_peer_count(&self) -> usize {
        self.ws.peer_count()
    }

    /// Peers connected over WebSocket in one swarm.
    pub fn ws_swarm_size(&self, info_hash: &Id) -> usize {
        self.ws.swarm_size(info_hash)
    }

    /// Drops every peer unheard of for twice the interval. Announces and scrapes already expire
    /// the swarm they touch; call this periodically so idle swarms do not hold memory.
    pub fn purge_expired(&self, now: Instant) {
        let Some(deadline) = now.checked_sub(self.expiry()) else {
            return;
        };
        {
            let mut state = self.state();
            let hashes: Vec<Id> = state.swarms.keys().copied().collect();
            for h in hashes {
                state.expire_swarm(&h, deadline);
            }
        }
        self.ws.purge(deadline);
    }

    /// Peers stored across all swarms.
    pub fn peer_count(&self) -> usize {
        self.state().total_peers
    }

    /// Swarms with at least one peer.
    pub fn swarm_count(&self) -> usize {
        self.state().swarms.len()
    }

    /// Handles a raw announce query string, returning the bencoded body. Failures are bencoded
    /// `failure reason`s too, which is how BitTorrent clients expect to hear them.
    pub fn announce_bencoded(&self, raw_query: &str, ip: IpAddr, now: Instant) -> Vec<u8> {
        let result = AnnounceRequest::from_query(raw_query, ip)
            .and_then(|req| Ok((self.announce(&req, now)?, req.compact)));
        match result {
            Ok((res, compact)) => encode_announce(&res, compact),
            Err(e) => failure(&e.to_string()),
        }
    }

    /// Handles a raw scrape query string, returning the bencoded body.
    pub fn scrape_bencoded(&self, raw_query: &str, now: Instant) -> Vec<u8> {
        let mut hashes = Vec::new();
        for (k, v) in parse_query(raw_query) {
            if k == b"info_hash" {
                match id_of(&v, "info_hash") {
                    Ok(h) => hashes.push(h),
                    Err(e) => return failure(&e.to_string()),
                }
            }
        }
        if hashes.is_empty() {
            return failure(&TrackerError::Missing("info_hash").to_string());
        }
        let files: HashMap<ByteBuf, ScrapeEntry> = self
            .scrape(&hashes, now)
            .into_iter()
            .map(|(h, e)| (ByteBuf::from(h.to_vec()), e))
            .collect();
        #[derive(Serialize)]
        struct Scrape {
            files: HashMap<ByteBuf, ScrapeEntry>,
        }
        bencode(&Scrape { files })
    }
}

fn bencode<T: Serialize>(value: &T) -> Vec<u8> {
    // Our response structs only hold integers, byte strings, lists and maps keyed by bytes, all of
    // which bencode encodes; failing here would be a bug in this module.
    serde_bencode::to_bytes(value).unwrap_or_else(|e| {
        tracing::error!("bencoding a tracker response: {e}");
        b"d14:failure reason14:internal errore".to_vec()
    })
}

/// `d14:failure reason<len>:<reason>e`
pub fn failure(reason: &str) -> Vec<u8> {
    #[derive(Serialize)]
    struct Failure<'a> {
        #[serde(rename = "failure reason")]
        reason: &'a str,
    }
    bencode(&Failure { reason })
}

fn encode_announce(res: &AnnounceResult, compact: bool) -> Vec<u8> {
    #[derive(Serialize)]
    struct DictPeer {
        ip: String,
        #[serde(rename = "peer id")]
        peer_id: ByteBuf,
        port: u16,
    }
    #[derive(Serialize)]
    #[serde(untagged)]
    enum Peers {
        Compact(ByteBuf),
        Dicts(Vec<DictPeer>),
    }
    #[derive(Serialize)]
    struct Response {
        complete: u64,
        incomplete: u64,
        interval: u64,
        peers: Peers,
        #[serde(skip_serializing_if = "Option::is_none")]
        peers6: Option<ByteBuf>,
    }
    let (peers, peers6) = if compact {
        // BEP 23: 4-byte IPv4 + 2-byte port, big-endian; BEP 7: IPv6 peers in `peers6`, 16 + 2.
        let mut v4 = Vec::new();
        let mut v6 = Vec::new();
        for (_, addr) in &res.peers {
            match addr {
                SocketAddr::V4(a) => {
                    v4.extend_from_slice(&a.ip().octets());
                    v4.extend_from_slice(&a.port().to_be_bytes());
                }
                SocketAddr::V6(a) => {
                    v6.extend_from_slice(&a.ip().octets());
                    v6.extend_from_slice(&a.port().to_be_bytes());
                }
            }
        }
        (
            Peers::Compact(ByteBuf::from(v4)),
            (!v6.is_empty()).then(|| ByteBuf::from(v6)),
        )
    } else {
        let dicts = res
            .peers
            .iter()
            .map(|(id, addr)| DictPeer {
                ip: addr.ip().to_string(),
                peer_id: ByteBuf::from(id.to_vec()),
                port: addr.port(),
            })
            .collect();
        (Peers::Dicts(dicts), None)
    };
    bencode(&Response {
        complete: res.complete,
        incomplete: res.incomplete,
        interval: res.interval.as_secs(),
        peers,
        peers6,
    })
}

/// `GET /tracker/announce`, `GET /tracker/scrape` and the WebSocket tracker `GET
/// /tracker/socket` (see [`crate::ws`]).
///
/// The client address comes from axum's `ConnectInfo<SocketAddr>` (serve with
/// `into_make_service_with_connect_info`), or what a trusted proxy forwards in `X-Forwarded-For`; a
/// request with neither is refused, since a peer without an address is useless to others.
pub fn router<S>(tracker: Arc<Tracker>) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    Router::new()
        .route("/tracker/announce", get(announce_handler))
        .route("/tracker/scrape", get(scrape_handler))
        .route("/tracker/socket", get(crate::ws::socket_handler))
        .with_state(tracker)
}

/// The failure reason an over-limit client gets.
pub const TOO_MANY: &str = "too many requests, slow down";

fn client_ip(tracker: &Tracker, headers: &HeaderMap, req: &Request) -> Option<IpAddr> {
    client_ip_of(tracker, headers, req.extensions())
}

/// The client's address: the connection's, or what a trusted proxy forwards.
pub(crate) fn client_ip_of(
    tracker: &Tracker,
    headers: &HeaderMap,
    extensions: &axum::http::Extensions,
) -> Option<IpAddr> {
    let peer = extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())?;
    let forwarded = headers.get("x-forwarded-for").and_then(|v| v.to_str().ok());
    Some(tracker.config.trusted_proxies.client(peer, forwarded))
}

fn bencoded_response(body: Vec<u8>) -> Response {
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"))],
        body,
    )
        .into_response()
}

async fn announce_handler(
    AxumState(tracker): AxumState<Arc<Tracker>>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    req: Request,
) -> Response {
    let Some(ip) = client_ip(&tracker, &headers, &req) else {
        return bencoded_response(failure("cannot determine client address"));
    };
    if !tracker.allow(ip, Instant::now()) {
        return bencoded_response(failure(TOO_MANY));
    }
    let body = tracker.announce_bencoded(query.as_deref().unwrap_or(""), ip, Instant::now());
    bencoded_response(body)
}

async fn scrape_handler(
    AxumState(tracker): AxumState<Arc<Tracker>>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    req: Request,
) -> Response {
    if let Some(ip) = client_ip(&tracker, &headers, &req) {
        if !tracker.allow(ip, Instant::now()) {
            return bencoded_response(failure(TOO_MANY));
        }
    }
    bencoded_response(tracker.scrape_bencoded(query.as_deref().unwrap_or(""), Instant::now()))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::string_slice)]

    use super::*;
    use std::net::Ipv4Addr;

    use http_body_util::BodyExt;
    use serde_bencode::value::Value;
    use tower::ServiceExt;

    const HASH: Id = [0xAA; 20];

    fn tracker(config: TrackerConfig) -> Tracker {
        Tracker::new(config, |h| *h == HASH || *h == [0xBB; 20])
    }

    fn req(peer: u8, port: u16, left: u64, event: Event) -> AnnounceRequest {
        AnnounceRequest {
            info_hash: HASH,
            peer_id: [peer; 20],
            ip: IpAddr::V4(Ipv4Addr::new(10, 0, 0, peer)),
            port,
            uploaded: 0,
            downloaded: 0,
            left,
            event,
            numwant: None,
            compact: true,
        }
    }

    fn pct(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("%{b:02X}")).collect()
    }

    fn dict(bytes: &[u8]) -> HashMap<Vec<u8>, Value> {
        match serde_bencode::from_bytes::<Value>(bytes).unwrap() {
            Value::Dict(d) => d,
            other => panic!("not a dict: {other:?}"),
        }
    }

    fn int(d: &HashMap<Vec<u8>, Value>, k: &str) -> i64 {
        match d.get(k.as_bytes()) {
            Some(Value::Int(i)) => *i,
            other => panic!("{k}: {other:?}"),
        }
    }

    fn bytes_of<'a>(d: &'a HashMap<Vec<u8>, Value>, k: &str) -> &'a [u8] {
        match d.get(k.as_bytes()) {
            Some(Value::Bytes(b)) => b,
            other => panic!("{k}: {other:?}"),
        }
    }

    #[test]
    fn binary_query_values_are_decoded_byte_for_byte() {
        // Bytes that are invalid UTF-8 (0xFF, lone 0xC3), a NUL, and characters left unescaped
        // by some clients (letters, '.', '-') must all come back exactly.
        let info_hash: Id = *b"\xff\x00\xc3ab.-~\x80\x7f\x01\x02\x03\x04\x05\x06\x07\x08\x09 ";
        let peer_id: Id = *b"-WW0105-\xfe\xfd\xfc\xfb\xfa\xf9\xf8\xf7\xf6\xf5\xf4\xf3";
        let q = format!(
            "info_hash=%FF%00%C3ab.-~%80%7F{}+&peer_id=-WW0105-{}&port=6881&uploaded=1&downloaded=2&left=3&event=started&numwant=5&compact=1",
            pct(&info_hash[10..19]),
            pct(&peer_id[8..]),
        );
        let r = AnnounceRequest::from_query(&q, IpAddr::V4(Ipv4Addr::LOCALHOST)).unwrap();
        assert_eq!(r.info_hash, info_hash);
        assert_eq!(r.peer_id, peer_id);
        assert_eq!((r.port, r.uploaded, r.downloaded, r.left), (6881, 1, 2, 3));
        assert_eq!(r.event, Event::Started);
        assert_eq!(r.numwant, Some(5));
        assert!(r.compact);
    }

    #[test]
    fn bad_queries_are_refused_with_a_reason() {
        let ip = IpAddr::V4(Ipv4Addr::LOCALHOST);
        let ok_hash = pct(&HASH);
        let peer = pct(&[1; 20]);
        assert_eq!(
            AnnounceRequest::from_query(&format!("info_hash={ok_hash}&port=1"), ip),
            Err(TrackerError::Missing("peer_id"))
        );
        assert_eq!(
            AnnounceRequest::from_query(&format!("info_hash=%AA&peer_id={peer}&port=1"), ip),
            Err(TrackerError::Invalid("info_hash"))
        );
        assert_eq!(
            AnnounceRequest::from_query(
                &format!("info_hash={ok_hash}&peer_id={peer}&port=99999"),
                ip
            ),
            Err(TrackerError::Invalid("port"))
        );
        let t = tracker(TrackerConfig::default());
        let body = t.announce_bencoded(
            &format!("info_hash={}&peer_id={peer}&port=1", pct(&[0xCC; 20])),
            ip,
            Instant::now(),
        );
        assert_eq!(body, b"d14:failure reason17:unknown info_hashe");
        assert_eq!(t.peer_count(), 0, "an unknown hash stores nothing");
    }

    #[test]
    fn announce_returns_compact_peers_and_counts() {
        let t = tracker(TrackerConfig::default());
        let now = Instant::now();
        t.announce(&req(1, 1001, 0, Event::Started), now).unwrap(); // seeder
        t.announce(&req(2, 1002, 50, Event::Started), now).unwrap();

        let q = format!(
            "info_hash={}&peer_id={}&port=1003&left=10&event=started&compact=1",
            pct(&HASH),
            pct(&[3; 20])
        );
        let body = t.announce_bencoded(&q, IpAddr::V4(Ipv4Addr::new(10, 0, 0, 3)), now);
        let d = dict(&body);
        assert_eq!(int(&d, "interval"), 600);
        assert_eq!(int(&d, "complete"), 1);
        assert_eq!(int(&d, "incomplete"), 2);
        let peers = bytes_of(&d, "peers");
        assert_eq!(peers.len(), 12, "two peers, six bytes each, not ourselves");
        let mut got: Vec<&[u8]> = peers.chunks(6).collect();
        got.sort();
        assert_eq!(
            got,
            vec![&[10, 0, 0, 1, 0x03, 0xE9][..], &[10, 0, 0, 2, 0x03, 0xEA]]
        );
        assert!(!d.contains_key(b"peers6".as_slice()));
    }

    #[test]
    fn seeders_get_only_leechers_and_numwant_is_honoured() {
        let t = tracker(TrackerConfig::default());
        let now = Instant::now();
        for i in 1..=10 {
            t.announce(&req(i, 1000, 5, Event::Started), now).unwrap();
        }
        t.announce(&req(20, 1000, 0, Event::Started), now).unwrap();
        let mut r = req(21, 1000, 0, Event::Started);
        r.numwant = Some(3);
        let res = t.announce(&r, now).unwrap();
        assert_eq!(res.peers.len(), 3);
        assert!(res.peers.iter().all(|(id, _)| id[0] <= 10), "no seeders");
        r.numwant = Some(1000);
        assert_eq!(t.announce(&r, now).unwrap().peers.len(), 10);
    }

    #[test]
    fn non_compact_and_ipv6_peers() {
        let t = tracker(TrackerConfig::default());
        let now = Instant::now();
        let mut v6 = req(1, 7000, 5, Event::Started);
        v6.ip = "2001:db8::1".parse().unwrap();
        t.announce(&v6, now).unwrap();
        let q = format!(
            "info_hash={}&peer_id={}&port=1&left=1",
            pct(&HASH),
            pct(&[2; 20])
        );
        let d = dict(&t.announce_bencoded(&q, IpAddr::V4(Ipv4Addr::LOCALHOST), now));
        let p6 = bytes_of(&d, "peers6");
        assert_eq!(p6.len(), 18);
        assert_eq!(&p6[16..], &7000u16.to_be_bytes());

        let d = dict(&t.announce_bencoded(
            &format!("{q}&compact=0"),
            IpAddr::V4(Ipv4Addr::LOCALHOST),
            now,
        ));
        let Some(Value::List(list)) = d.get(b"peers".as_slice()) else {
            panic!("peers is not a list")
        };
        let Value::Dict(p) = &list[0] else { panic!() };
        assert_eq!(bytes_of(p, "ip"), b"2001:db8::1");
        assert_eq!(bytes_of(p, "peer id"), &[1; 20]);
        assert_eq!(int(p, "port"), 7000);
    }

    #[test]
    fn stopped_and_completed_events() {
        let t = tracker(TrackerConfig::default());
        let now = Instant::now();
        t.announce(&req(1, 1, 5, Event::Started), now).unwrap();
        t.announce(&req(2, 2, 5, Event::Started), now).unwrap();
        let res = t.announce(&req(1, 1, 0, Event::Completed), now).unwrap();
        assert_eq!((res.complete, res.incomplete), (1, 1));
        let res = t.announce(&req(2, 2, 5, Event::Stopped), now).unwrap();
        assert_eq!((res.complete, res.incomplete), (1, 0));
        assert!(res.peers.is_empty());
        assert_eq!(
            t.scrape(&[HASH], now),
            vec![(
                HASH,
                ScrapeEntry {
                    complete: 1,
                    downloaded: 1,
                    incomplete: 0
                }
            )]
        );
        t.announce(&req(1, 1, 0, Event::Stopped), now).unwrap();
        assert_eq!((t.peer_count(), t.swarm_count()), (0, 0));
    }

    #[test]
    fn stale_peers_expire_after_two_intervals() {
        let t = tracker(TrackerConfig {
            interval: Duration::from_secs(10),
            ..TrackerConfig::default()
        });
        let t0 = Instant::now();
        t.announce(&req(1, 1, 5, Event::Started), t0).unwrap();
        t.announce(&req(2, 2, 5, Event::Started), t0 + Duration::from_secs(15))
            .unwrap();
        // At 20 s peer 1 (last seen 0 s) is exactly at the limit: still there.
        let res = t
            .announce(&req(3, 3, 5, Event::Started), t0 + Duration::from_secs(20))
            .unwrap();
        assert_eq!(res.peers.len(), 2);
        // At 21 s it is gone.
        let res = t
            .announce(&req(3, 3, 5, Event::Update), t0 + Duration::from_secs(21))
            .unwrap();
        assert_eq!(
            res.peers.iter().map(|p| p.0[0]).collect::<Vec<_>>(),
            vec![2]
        );
        // The periodic purge empties idle swarms.
        t.purge_expired(t0 + Duration::from_secs(60));
        assert_eq!((t.peer_count(), t.swarm_count()), (0, 0));
    }

    #[test]
    fn per_swarm_and_global_caps() {
        let t = tracker(TrackerConfig {
            max_peers_per_swarm: 2,
            max_peers_total: 3,
            ..TrackerConfig::default()
        });
        let now = Instant::now();
        for i in 1..=3 {
            t.announce(&req(i, 1, 5, Event::Started), now).unwrap();
        }
        assert_eq!(t.peer_count(), 2, "per-swarm cap");
        // The refused peer still gets the stored ones.
        let res = t.announce(&req(3, 1, 5, Event::Update), now).unwrap();
        assert_eq!(res.peers.len(), 2);
        // A known peer re-announcing in a full swarm is refreshed, not refused.
        let res = t.announce(&req(1, 1, 5, Event::Update), now).unwrap();
        assert_eq!(res.peers.len(), 1);

        let mut other = req(9, 1, 5, Event::Started);
        other.info_hash = [0xBB; 20];
        t.announce(&other, now).unwrap();
        other.peer_id = [10; 20];
        t.announce(&other, now).unwrap();
        assert_eq!(t.peer_count(), 3, "global cap");
        assert_eq!(t.swarm_count(), 2);
    }

    #[test]
    fn addresses_over_the_request_limit_are_refused_until_the_window_passes() {
        let t = tracker(TrackerConfig {
            max_requests_per_minute: 3,
            ..TrackerConfig::default()
        });
        let a = IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1));
        let b = IpAddr::V4(Ipv4Addr::new(10, 0, 0, 2));
        let t0 = Instant::now();
        assert!((0..3).all(|_| t.allow(a, t0)));
        assert!(!t.allow(a, t0), "fourth in the minute");
        assert!(t.allow(b, t0), "other addresses are not affected");
        assert!(t.allow(a, t0 + Duration::from_secs(61)), "a new window");
    }

    #[test]
    fn scrape_encodes_binary_keys() {
        let t = tracker(TrackerConfig::default());
        let now = Instant::now();
        t.announce(&req(1, 1, 0, Event::Started), now).unwrap();
        let q = format!(
            "info_hash={}&info_hash={}&info_hash={}",
            pct(&HASH),
            pct(&[0xBB; 20]),
            pct(&[0xCC; 20])
        );
        let d = dict(&t.scrape_bencoded(&q, now));
        let Some(Value::Dict(files)) = d.get(b"files".as_slice()) else {
            panic!("no files")
        };
        assert_eq!(files.len(), 2, "the unknown hash is left out");
        let Some(Value::Dict(a)) = files.get(HASH.as_slice()) else {
            panic!()
        };
        assert_eq!(
            (
                int(a, "complete"),
                int(a, "incomplete"),
                int(a, "downloaded")
            ),
            (1, 0, 0)
        );
        assert_eq!(
            t.scrape_bencoded("", now),
            b"d14:failure reason17:missing info_hashe"
        );
    }

    async fn get(app: Router, uri: &str, from: Option<SocketAddr>) -> (StatusCode, Vec<u8>) {
        let mut req = axum::http::Request::get(uri)
            .body(axum::body::Body::empty())
            .unwrap();
        if let Some(addr) = from {
            req.extensions_mut().insert(ConnectInfo(addr));
        }
        let res = app.oneshot(req).await.unwrap();
        let status = res.status();
        let body = res.into_body().collect().await.unwrap().to_bytes().to_vec();
        (status, body)
    }

    #[tokio::test]
    async fn router_serves_announce_and_scrape() {
        let t = Arc::new(tracker(TrackerConfig::default()));
        let app: Router = router(t.clone());
        let from: SocketAddr = "192.0.2.7:55555".parse().unwrap();
        let uri = format!(
            "/tracker/announce?info_hash={}&peer_id={}&port=51413&left=0&event=started",
            pct(&HASH),
            pct(&[7; 20])
        );
        let (status, body) = get(app.clone(), &uri, Some(from)).await;
        assert_eq!(status, StatusCode::OK);
        let d = dict(&body);
        assert_eq!(int(&d, "complete"), 1);

        // A second peer sees the first at the connection's address and the announced port.
        let uri2 = format!(
            "/tracker/announce?info_hash={}&peer_id={}&port=6881&left=9",
            pct(&HASH),
            pct(&[8; 20])
        );
        let (_, body) = get(app.clone(), &uri2, Some("192.0.2.8:1".parse().unwrap())).await;
        assert_eq!(bytes_of(&dict(&body), "peers"), &[192, 0, 2, 7, 0xC8, 0xD5]);

        let (_, body) = get(
            app.clone(),
            &format!("/tracker/scrape?info_hash={}", pct(&HASH)),
            None,
        )
        .await;
        let d = dict(&body);
        let Some(Value::Dict(files)) = d.get(b"files".as_slice()) else {
            panic!()
        };
        assert!(files.contains_key(HASH.as_slice()));

        let (status, body) = get(app, &uri, None).await;
        assert_eq!(status, StatusCode::OK);
        assert!(body.starts_with(b"d14:failure reason"));
    }

    #[tokio::test]
    async fn router_trusts_forwarded_for_only_when_configured() {
        let t = Arc::new(tracker(TrackerConfig {
            trusted_proxies: TrustedProxies::parse(&["loopback".into(), "10.0.0.0/8".into()])
                .unwrap(),
            ..TrackerConfig::default()
        }));
        let app: Router = router(t);
        let uri = format!(
            "/tracker/announce?info_hash={}&peer_id={}&port=1&left=1",
            pct(&HASH),
            pct(&[1; 20])
        );
        // Through a proxy on loopback and another on 10/8: the client is 203.0.113.9.
        let mut req = axum::http::Request::get(&uri)
            .header("x-forwarded-for", "203.0.113.9, 10.0.0.1")
            .body(axum::body::Body::empty())
            .unwrap();
        req.extensions_mut()
            .insert(ConnectInfo::<SocketAddr>("127.0.0.1:5000".parse().unwrap()));
        app.clone().oneshot(req).await.unwrap();
        // A client that is not a proxy: its header is ignored.
        let uri3 = format!(
            "/tracker/announce?info_hash={}&peer_id={}&port=3&left=1",
            pct(&HASH),
            pct(&[3; 20])
        );
        let mut req = axum::http::Request::get(&uri3)
            .header("x-forwarded-for", "198.51.100.77")
            .body(axum::body::Body::empty())
            .unwrap();
        req.extensions_mut().insert(ConnectInfo::<SocketAddr>(
            "192.0.2.50:5000".parse().unwrap(),
        ));
        app.clone().oneshot(req).await.unwrap();
        let uri2 = format!(
            "/tracker/announce?info_hash={}&peer_id={}&port=2&left=1",
            pct(&HASH),
            pct(&[2; 20])
        );
        let (_, body) = get(app, &uri2, Some("192.0.2.1:9".parse().unwrap())).await;
        let d = dict(&body);
        let mut peers: Vec<&[u8]> = bytes_of(&d, "peers").chunks(6).collect();
        peers.sort();
        assert_eq!(
            peers,
            vec![&[192, 0, 2, 50, 0, 3][..], &[203, 0, 113, 9, 0, 1][..]]
        );
    }
}
