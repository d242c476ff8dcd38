//! Peer-to-peer routes: the tracker (`/tracker/announce`, `/tracker/scrape`, `/tracker/socket`)
//! over the `p2p` crate and the core's known set, the player's P2P settings for the watch and
//! embed pages, and `POST /api/v1/metrics/playback`.

use crate::auth::MaybeUser;
use crate::error::{ApiError, ApiResult, ParamLocation};
use crate::extract::Json;
use crate::extract::Path;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use ferrotube_app::videos::{find_video, visible_to};
use ferrotube_app::Instance;
use ferrotube_storage::ObjectStore;
use serde::Deserialize;
use serde_json::json;
use std::collections::BTreeMap;
use std::sync::atomic::Ordering;

/// The tracker's routes (when enabled), the playback metrics endpoint and the embed page.
pub fn router(state: &Instance) -> Router<Instance> {
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
pub async fn player_config(state: &Instance, v: &ferrotube_db::videos::VideoRow) -> Option<String> {
    let playlist = state.db.video_playlist(v.id).await.ok().flatten()?;
    let sources = ferrotube_app::redundancy::stream_sources(state, v)
        .await
        .ok()
        .flatten()?;
    if !v.is_local() {
        return remote_player_config(state, v, &playlist, &sources);
    }
    // Swarms are named after the advertised master playlist (the bucket's once moved).
    let master = sources.master_url.clone();
    let base = master.rsplit_once('/').map(|(b, _)| b.to_string())?;
    let ws = format!("{}/tracker/socket", state.url.replacen("http", "ws", 1));
    // Variant `i` is the i-th URI of the master playlist, as PeerTube numbers them.
    let local_master = state
        .store
        .local_path(&format!(
            "streaming-playlists/hls/{}/{}",
            v.uuid, playlist.master_filename
        ))
        .ok()?;
    let Ok(text) = tokio::fs::read_to_string(&local_master).await else {
        // Moved to the bucket: the player numbers the swarms itself from the master playlist
        // it loads (as for a remote video); the peers now in them still count.
        let variants = state
            .db
            .video_files(v.id)
            .await
            .ok()?
            .iter()
            .filter(|f| f.kind == ferrotube_model::FileKind::Hls)
            .count();
        let swarm_peers: usize = (0..variants)
            .map(|i| {
                let hash = ferrotube_p2p::hls_swarm_infohash(&master, i);
                state.p2p.tracker.ws_swarm_size(&hash)
            })
            .sum();
        return Some(numbered_by_player(
            state,
            v,
            &ws,
            &master,
            swarm_peers,
            &sources,
        ));
    };
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
    Some(
        json!({
            "enabled": state.settings.tracker.enabled,
            "videoId": v.uuid,
            "trackers": [ws],
            "swarms": swarms,
            // Viewers in the swarms now: the player waits a moment for them before using HTTP.
            "swarmPeers": swarm_peers,
            "segmentsSha256Url": sources.segments_sha256_url,
            // Instances that keep a copy: the player fetches segments from them too.
            "mirrors": sources.mirrors,
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
    state: &Instance,
    v: &ferrotube_db::videos::VideoRow,
    playlist: &ferrotube_db::videos::PlaylistRow,
    sources: &ferrotube_app::redundancy::StreamSources,
) -> Option<String> {
    // Swarms are named after the origin's master playlist, wherever the page plays from.
    let master = playlist.playlist_url.as_deref()?;
    let origin = url::Url::parse(master).ok()?.origin();
    if !origin.is_tuple() {
        return None;
    }
    let ws = format!(
        "{}/tracker/socket",
        origin.ascii_serialization().replacen("http", "ws", 1)
    );
    Some(numbered_by_player(state, v, &ws, master, 0, sources))
}

/// The config of a video whose master playlist the player loads and numbers the swarms of itself
/// (`masterUrl`): a remote video, or ours once its files moved to the bucket.
fn numbered_by_player(
    state: &Instance,
    v: &ferrotube_db::videos::VideoRow,
    tracker: &str,
    master: &str,
    swarm_peers: usize,
    sources: &ferrotube_app::redundancy::StreamSources,
) -> String {
    json!({
        "enabled": state.settings.tracker.enabled,
        "videoId": v.uuid,
        "trackers": [tracker],
        "masterUrl": master,
        "swarmPeers": swarm_peers,
        "segmentsSha256Url": sources.segments_sha256_url,
        "mirrors": sources.mirrors,
    })
    .to_string()
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
    State(state): State<Instance>,
    MaybeUser(user): MaybeUser,
    Json(body): Json<PlaybackMetric>,
) -> ApiResult<StatusCode> {
    let m = body;
    if m.player_mode != "p2p-media-loader" && m.player_mode != "web-video" {
        return Err(ApiError::bad_param(
            "playerMode",
            &m.player_mode,
            "Should have a valid player mode",
            ParamLocation::Body,
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
pub async fn embed(
    State(state): State<Instance>,
    page: crate::pages::Page,
    Path(id): Path<String>,
) -> Response {
    let Ok(v) = find_video(&state, &id).await else {
        return crate::pages::not_found_page(&page);
    };
    let published = v.state == ferrotube_model::VideoState::Published;
    let readable = v.privacy.readable_by_anyone();
    let master = if published && readable {
        ferrotube_app::redundancy::stream_sources(&state, &v)
            .await
            .ok()
            .flatten()
            .map(|s| s.master_url)
    } else {
        None
    };
    let p2p = if master.is_some() {
        player_config(&state, &v).await
    } else {
        None
    };
    Html(ferrotube_web::render_embed(&ferrotube_web::EmbedPage {
        instance_name: state.live().settings.instance.name.clone(),
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
