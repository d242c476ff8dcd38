//! Peer-to-peer wiring: the tracker (`/tracker/announce`, `/tracker/scrape`, `/tracker/socket`)
//! over the `p2p` crate, the set of info hashes this instance tracks, the player's P2P settings
//! for the watch and embed pages, and `POST /api/v1/metrics/playback`.
//!
//! The tracker is private by default: it only serves info hashes in [`KnownSet`], which holds the
//! torrents of local files and the HLS swarm ids of local playlists. The set lives in memory (the
//! tracker asks on every announce) and is rebuilt from the database when videos change
//! ([`crate::state::Inner::videos_changed`]) and once a minute (other nodes' changes).
//! More sources, such as the videos of followed instances, are one more function in
//! [`known_sources`].

use crate::auth::MaybeUser;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::videos::{find_video, visible_to};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use ferrotube_model::Privacy;
use ferrotube_p2p::tracker::Id;
use ferrotube_p2p::{Tracker, TrackerConfig};
use ferrotube_storage::ObjectStore;
use serde::Deserialize;
use serde_json::json;
use std::collections::{BTreeMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};
use tokio::sync::Notify;

/// Info hashes the tracker accepts.
#[derive(Default)]
pub struct KnownSet {
    hashes: RwLock<HashSet<Id>>,
}

impl KnownSet {
    pub fn contains(&self, h: &Id) -> bool {
        self.hashes
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .contains(h)
    }

    fn replace(&self, hashes: HashSet<Id>) {
        *self.hashes.write().unwrap_or_else(|e| e.into_inner()) = hashes;
    }

    pub fn len(&self) -> usize {
        self.hashes.read().unwrap_or_else(|e| e.into_inner()).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Playback figures players reported (`POST /api/v1/metrics/playback`), summed since start.
#[derive(Default)]
pub struct PlaybackTotals {
    pub reports: AtomicU64,
    pub downloaded_p2p: AtomicU64,
    pub downloaded_http: AtomicU64,
    pub uploaded_p2p: AtomicU64,
}

/// The P2P part of the shared state.
pub struct P2p {
    pub tracker: Arc<Tracker>,
    pub known: Arc<KnownSet>,
    pub playback: PlaybackTotals,
    changed: Notify,
}

impl P2p {
    pub fn new(settings: &ferrotube_config::Settings) -> P2p {
        let t = &settings.tracker;
        let known = Arc::new(KnownSet::default());
        let config = TrackerConfig {
            interval: Duration::from_secs(t.interval_secs.max(1)),
            trust_proxy: t.trust_proxy,
            max_requests_per_minute: t.max_announces_per_minute,
            ..TrackerConfig::default()
        };
        let private = t.private;
        let set = known.clone();
        let tracker = Tracker::new(config, move |h| !private || set.contains(h));
        P2p {
            tracker: Arc::new(tracker),
            known,
            playback: PlaybackTotals::default(),
            changed: Notify::new(),
        }
    }

    /// Asks for the known set to be rebuilt (soon, off the caller's path).
    pub fn changed(&self) {
        self.changed.notify_one();
    }
}

/// The master playlist URL a playlist's swarm ids are made from: its `playlistUrl`.
fn master_url(state: &AppState, uuid: &str, privacy: i64, master: &str) -> String {
    let public = Privacy::from_id(privacy).is_some_and(Privacy::readable_by_anyone);
    if public {
        format!("{}/{master}", state.hls_base(uuid))
    } else {
        format!(
            "{}/static/streaming-playlists/hls/private/{uuid}/{master}",
            state.url
        )
    }
}

/// Torrents of this instance's files.
async fn local_torrents(state: &AppState) -> ferrotube_db::Result<Vec<Id>> {
    Ok(state
        .db
        .torrent_info_hashes()
        .await?
        .iter()
        .filter_map(|h| hex::decode(h).ok()?.try_into().ok())
        .collect())
}

/// HLS swarms of this instance's playlists: `sha1("2" + masterPlaylistUrl + "+V" + i)` for each
/// variant `i`.
async fn local_swarms(state: &AppState) -> ferrotube_db::Result<Vec<Id>> {
    let mut out = Vec::new();
    for p in state.db.swarm_playlists().await? {
        // Remote videos (of instances we follow) swarm under their origin's playlist URL.
        let url = p
            .playlist_url
            .clone()
            .unwrap_or_else(|| master_url(state, &p.video_uuid, p.privacy, &p.master_filename));
        for i in 0..p.variants.max(0) as usize {
            out.push(ferrotube_p2p::hls_swarm_infohash(&url, i));
        }
    }
    Ok(out)
}

/// Every info hash the tracker serves. Add a source here (e.g. followed instances' videos).
pub async fn known_sources(state: &AppState) -> ferrotube_db::Result<HashSet<Id>> {
    let mut set = HashSet::new();
    set.extend(local_torrents(state).await?);
    set.extend(local_swarms(state).await?);
    Ok(set)
}

/// Rebuilds the known set now.
pub async fn refresh(state: &AppState) {
    match known_sources(state).await {
        Ok(set) => state.p2p.known.replace(set),
        Err(e) => tracing::warn!(error = %e, "cannot rebuild the tracker's known info hashes"),
    }
}

/// Keeps the known set fresh and purges silent peers, until `shutdown`.
pub fn spawn(
    state: &AppState,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
) -> tokio::task::JoinHandle<()> {
    let s = state.clone();
    tokio::spawn(async move {
        let mut last_purge = Instant::now();
        loop {
            refresh(&s).await;
            if last_purge.elapsed() >= Duration::from_secs(30) {
                s.p2p.tracker.purge_expired(Instant::now());
                last_purge = Instant::now();
            }
            tokio::select! {
                _ = s.p2p.changed.notified() => {}
                _ = tokio::time::sleep(Duration::from_secs(30)) => {}
                _ = shutdown.changed() => break,
            }
        }
    })
}

/// The tracker's routes (when enabled), the playback metrics endpoint and the embed page.
pub fn router(state: &AppState) -> Router<AppState> {
    let mut r = Router::new()
        .route("/api/v1/metrics/playback", post(playback_metrics))
        .route("/videos/embed/{id}", get(embed));
    if state.settings.tracker.enabled {
        r = r.merge(ferrotube_p2p::router(state.p2p.tracker.clone()));
    }
    r
}

/// What the player needs to share segments: JSON for the page's `data-p2p` attribute, or `None`
/// when the video has no HLS playlist.
pub async fn player_config(state: &AppState, v: &ferrotube_db::videos::VideoRow) -> Option<String> {
    let playlist = state.db.video_playlist(v.id).await.ok().flatten()?;
    if !v.is_local() {
        return remote_player_config(state, v, &playlist);
    }
    let master = master_url(state, &v.uuid, v.privacy, &playlist.master_filename);
    let base = master.rsplit_once('/').map(|(b, _)| b.to_string())?;
    // Variant `i` is the i-th URI of the master playlist, as PeerTube numbers them.
    let text = tokio::fs::read_to_string(
        state
            .store
            .local_path(&format!(
                "streaming-playlists/hls/{}/{}",
                v.uuid, playlist.master_filename
            ))
            .ok()?,
    )
    .await
    .ok()?;
    let mut swarm_peers = 0;
    let swarms: BTreeMap<String, String> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .enumerate()
        .map(|(i, uri)| {
            let hash = ferrotube_p2p::hls_swarm_infohash(&master, i);
            swarm_peers += state.p2p.tracker.ws_swarm_size(&hash);
            (format!("{base}/{uri}"), hex::encode(hash))
        })
        .collect();
    let ws = format!("{}/tracker/socket", state.url.replacen("http", "ws", 1));
    Some(
        json!({
            "enabled": state.settings.tracker.enabled,
            "videoId": v.uuid,
            "trackers": [ws],
            "swarms": swarms,
            // Viewers in the swarms now: the player waits a moment for them before using HTTP.
            "swarmPeers": swarm_peers,
            "segmentsSha256Url": format!("{base}/{}", playlist.sha256_filename),
        })
        .to_string(),
    )
}

/// A remote video joins its origin's swarms, through the origin's tracker, as PeerTube's player
/// does: viewers here and there share segments. The variant list is the origin's master
/// playlist, which the player loads anyway, so the player numbers the swarms itself from
/// `masterUrl` (the same `sha1("2" + masterUrl + "+V" + i)`), and segments from peers are
/// checked against the origin's `segments-sha256.json`.
fn remote_player_config(
    state: &AppState,
    v: &ferrotube_db::videos::VideoRow,
    playlist: &ferrotube_db::videos::PlaylistRow,
) -> Option<String> {
    let master = playlist.playlist_url.as_deref()?;
    let sha256 = playlist.segments_sha256_url.as_deref()?;
    let origin = url::Url::parse(master).ok()?.origin();
    if !origin.is_tuple() {
        return None;
    }
    let ws = format!(
        "{}/tracker/socket",
        origin.ascii_serialization().replacen("http", "ws", 1)
    );
    Some(
        json!({
            "enabled": state.settings.tracker.enabled,
            "videoId": v.uuid,
            "trackers": [ws],
            "masterUrl": master,
            "swarmPeers": 0,
            "segmentsSha256Url": sha256,
        })
        .to_string(),
    )
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PlaybackMetric {
    player_mode: String,
    resolution: Option<f64>,
    fps: Option<f64>,
    p2p_enabled: bool,
    p2p_peers: Option<f64>,
    resolution_changes: f64,
    buffer_stalled: Option<f64>,
    errors: f64,
    #[serde(rename = "downloadedBytesP2P")]
    downloaded_bytes_p2p: f64,
    #[serde(rename = "downloadedBytesHTTP")]
    downloaded_bytes_http: f64,
    #[serde(rename = "uploadedBytesP2P")]
    uploaded_bytes_p2p: f64,
    video_id: serde_json::Value,
}

fn count(v: f64) -> u64 {
    if v.is_finite() && v > 0.0 {
        v.min(1e15) as u64
    } else {
        0
    }
}

/// `POST /api/v1/metrics/playback`: what a player saw since its last report (PeerTube exports
/// these through OpenTelemetry; here they are summed in memory and logged).
pub async fn playback_metrics(
    State(state): State<AppState>,
    MaybeUser(user): MaybeUser,
    body: Result<Json<PlaybackMetric>, axum::extract::rejection::JsonRejection>,
) -> ApiResult<StatusCode> {
    let Json(m) =
        body.map_err(|e| ApiError::bad_request(format!("Invalid JSON body: {}", e.body_text())))?;
    if m.player_mode != "p2p-media-loader" && m.player_mode != "web-video" {
        return Err(ApiError::bad_param(
            "playerMode",
            &m.player_mode,
            "Should have a valid player mode",
            "body",
        ));
    }
    let id = match &m.video_id {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Number(n) => n.to_string(),
        _ => {
            return Err(ApiError::bad_request(
                "videoId must be an id, uuid or shortUUID",
            ))
        }
    };
    let v = find_video(&state, &id).await?;
    visible_to(&v, user.as_ref())?;
    let t = &state.p2p.playback;
    t.reports.fetch_add(1, Ordering::Relaxed);
    t.downloaded_p2p
        .fetch_add(count(m.downloaded_bytes_p2p), Ordering::Relaxed);
    t.downloaded_http
        .fetch_add(count(m.downloaded_bytes_http), Ordering::Relaxed);
    t.uploaded_p2p
        .fetch_add(count(m.uploaded_bytes_p2p), Ordering::Relaxed);
    tracing::debug!(
        video = %v.uuid,
        mode = %m.player_mode,
        resolution = m.resolution.unwrap_or(0.0),
        fps = m.fps.unwrap_or(0.0),
        p2p = m.p2p_enabled,
        peers = m.p2p_peers.unwrap_or(0.0),
        resolution_changes = m.resolution_changes,
        stalls = m.buffer_stalled.unwrap_or(0.0),
        errors = m.errors,
        p2p_bytes = m.downloaded_bytes_p2p,
        http_bytes = m.downloaded_bytes_http,
        uploaded = m.uploaded_bytes_p2p,
        "playback metrics"
    );
    Ok(StatusCode::NO_CONTENT)
}

/// `/videos/embed/{id}`: the player alone, for iframes.
pub async fn embed(State(state): State<AppState>, Path(id): Path<String>) -> Response {
    let Ok(v) = find_video(&state, &id).await else {
        return (
            StatusCode::NOT_FOUND,
            Html(ferrotube_web::render_not_found(
                &state.settings.instance.name,
            )),
        )
            .into_response();
    };
    let published = v.state == ferrotube_model::VideoState::Published.id();
    let readable = Privacy::from_id(v.privacy).is_some_and(Privacy::readable_by_anyone);
    let master = if published && readable {
        state.db.video_playlist(v.id).await.ok().flatten().map(|p| {
            p.playlist_url
                .clone()
                .unwrap_or_else(|| format!("{}/{}", state.hls_base(&v.uuid), p.master_filename))
        })
    } else {
        None
    };
    let p2p = if master.is_some() {
        player_config(&state, &v).await
    } else {
        None
    };
    Html(ferrotube_web::render_embed(&ferrotube_web::EmbedPage {
        instance_name: state.settings.instance.name.clone(),
        uuid: v.uuid.clone(),
        name: if readable {
            v.name.clone()
        } else {
            String::new()
        },
        hls_master_url: master,
        p2p_config: p2p,
    }))
    .into_response()
}
