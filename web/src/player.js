// Ferrotube's P2P player: hls.js with p2p-media-loader (Novage, v2), bundled by esbuild
// (`npm run build`, run by crates/web/build.rs) into one script served at /client/player.js.
//
// - Segments come from other viewers over WebRTC when one has them, from the instance over HTTP
//   otherwise (the library's hybrid loader); peers meet on the instance's /tracker/socket.
// - Every segment a peer sends is checked against the playlist's segments-sha256.json; a
//   mismatch drops that peer and the segment is fetched again over HTTP.
// - Swarm ids are PeerTube's: sha1("2" + masterPlaylistUrl + "+V" + variantIndex). For this
//   instance's videos the server computes them into the page (`swarms`: variant playlist URL ->
//   hex info hash); a remote video joins its origin's swarms through the origin's tracker, and
//   the player numbers them from the origin's master playlist (`masterUrl`).
// - A small overlay shows peers and bytes by source; the same figures go to
//   POST /api/v1/metrics/playback every 15 s, as PeerTube's player sends them.
import Hls from "hls.js";
import { HlsJsP2PEngine } from "p2p-media-loader-hlsjs";
import { sha256 } from "@noble/hashes/sha2.js";
import { sha1 } from "@noble/hashes/legacy.js";
import { bytesToHex, hexToBytes, utf8ToBytes } from "@noble/hashes/utils.js";

const HlsWithP2P = HlsJsP2PEngine.injectMixin(Hls);
const METRICS_INTERVAL_MS = 15000;
/** How long a viewer joining a swarm with peers waits for them before using HTTP. */
const PEER_WAIT_MS = 2000;

/** Variant playlist URL -> 20-byte info hash, for the tracker client (see build.mjs). */
const swarmHashes = new Map();
globalThis.__ferrotubeSwarmInfoHash = (stream) => {
  const hex = stream && swarmHashes.get(stream.runtimeId);
  return hex ? hexToBytes(hex) : undefined;
};

/** PeerTube's swarm id of variant `i`: sha1("2" + masterPlaylistUrl + "+V" + i), as hex. */
export function swarmInfoHash(masterUrl, i) {
  return bytesToHex(sha1(utf8ToBytes(`2${masterUrl}+V${i}`)));
}

function fileName(url) {
  const path = new URL(url, window.location.href).pathname;
  return decodeURIComponent(path.slice(path.lastIndexOf("/") + 1));
}

/** Loads segments-sha256.json: {file: {"start-end": hex}}. */
async function loadHashes(url) {
  const res = await fetch(url, { credentials: "same-origin" });
  if (!res.ok) throw new Error(`segments-sha256.json: HTTP ${res.status}`);
  return res.json();
}

function makeStats() {
  return {
    peers: 0,
    p2pBytes: 0,
    httpBytes: 0,
    uploadedBytes: 0,
    rejectedSegments: 0,
    rejectedBytes: 0,
    errors: 0,
    resolutionChanges: 0,
  };
}

function formatBytes(n) {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

function renderOverlay(el, s) {
  if (!el) return;
  el.hidden = false;
  el.textContent = `Peers: ${s.peers} · from peers: ${formatBytes(s.p2pBytes)} · from server: ${formatBytes(s.httpBytes)}`;
  el.dataset.peers = String(s.peers);
  el.dataset.p2pBytes = String(s.p2pBytes);
  el.dataset.httpBytes = String(s.httpBytes);
  el.dataset.uploadedBytes = String(s.uploadedBytes);
  el.dataset.rejectedSegments = String(s.rejectedSegments);
}

/**
 * Starts playback of `url` in `video` with P2P. `config` is the page's `data-p2p` JSON
 * ({enabled, videoId, trackers, swarms | masterUrl, swarmPeers, segmentsSha256Url}); `overlay` the stats element.
 * `window.FERROTUBE_P2P_CORE` (if set before) overrides core settings (tests, benchmarks).
 * Returns the hls.js instance.
 */
export function createP2PPlayer(video, url, config, overlay, hlsOptions) {
  const stats = makeStats();
  window.ferrotubeP2PStats = stats;
  for (const [variant, hex] of Object.entries(config.swarms || {})) swarmHashes.set(variant, hex);
  const hashes = loadHashes(config.segmentsSha256Url).catch((err) => {
    console.warn(`P2P disabled: ${err.message}`);
    return null;
  });
  const validateP2PSegment = async (segmentUrl, byteRange, data) => {
    const map = await hashes;
    const ranges = map && map[fileName(segmentUrl)];
    const key = byteRange ? `${byteRange.start}-${byteRange.end}` : undefined;
    const expected = ranges && key ? ranges[key] : undefined;
    const ok = !!expected && bytesToHex(sha256(new Uint8Array(data))) === expected;
    if (!ok) {
      stats.rejectedSegments += 1;
      stats.rejectedBytes += data.byteLength;
      stats.p2pBytes = Math.max(0, stats.p2pBytes - data.byteLength);
      renderOverlay(overlay, stats);
    }
    return ok;
  };
  const core = {
    announceTrackers: config.trackers,
    swarmId: url,
    validateP2PSegment,
    isP2PDisabled: config.enabled === false,
    // Loopback and LAN candidates are enough: no STUN server is contacted.
    rtcConfig: { iceServers: [] },
    // Only what plays in the next ~6 s must come over HTTP at once (the library's default is
    // 15 s, which for 4 s VOD segments sends most of a late joiner's buffer to the server); the
    // rest comes from peers that have it, and falls back to HTTP when it becomes urgent.
    highDemandTimeWindow: 6,
    // When the tracker already holds viewers of this video (the server counts them into the
    // page), give peers a moment before anything goes over HTTP: the first segments of a late
    // joiner are otherwise fetched from the server while WebRTC is still connecting. Alone in
    // the swarm, playback starts at once.
    httpDownloadInitialTimeoutMs: config.swarmPeers > 0 ? PEER_WAIT_MS : 0,
    ...(window.FERROTUBE_P2P_CORE || {}),
  };
  const hls = new HlsWithP2P({
    ...hlsOptions,
    p2p: {
      core,
      onHlsJsCreated(h) {
        const p2p = h.p2pEngine;
        p2p.addEventListener("onChunkDownloaded", (bytes, source) => {
          if (source === "p2p") stats.p2pBytes += bytes;
          else stats.httpBytes += bytes;
          renderOverlay(overlay, stats);
        });
        p2p.addEventListener("onChunkUploaded", (bytes) => {
          stats.uploadedBytes += bytes;
          renderOverlay(overlay, stats);
        });
        p2p.addEventListener("onPeerConnect", () => {
          stats.peers += 1;
          renderOverlay(overlay, stats);
        });
        p2p.addEventListener("onPeerClose", () => {
          stats.peers = Math.max(0, stats.peers - 1);
          renderOverlay(overlay, stats);
        });
      },
    },
  });
  if (config.masterUrl) {
    // A remote video: the origin's swarms, numbered as its tracker knows them, from the variants
    // in the order of its master playlist (MANIFEST_LOADED lists them so, before hls.js sorts).
    hls.on(Hls.Events.MANIFEST_LOADED, (_event, data) => {
      data.levels.forEach((level, i) => {
        const url = Array.isArray(level.url) ? level.url[0] : level.url;
        swarmHashes.set(url, swarmInfoHash(config.masterUrl, i));
      });
    });
  }
  hls.on(Hls.Events.LEVEL_SWITCHED, () => {
    stats.resolutionChanges += 1;
  });
  hls.on(Hls.Events.ERROR, (_event, data) => {
    stats.errors += 1;
    console.warn(`hls.js: ${data.details}${data.fatal ? " (fatal)" : ""}${data.error ? `: ${data.error.message}` : ""}`);
  });
  renderOverlay(overlay, stats);
  startMetrics(hls, video, config, stats);
  return hls;
}

/** Sends what changed since the last report, as PeerTube's player does. */
function startMetrics(hls, video, config, stats) {
  const sent = makeStats();
  const send = () => {
    const level = hls.levels && hls.currentLevel >= 0 ? hls.levels[hls.currentLevel] : undefined;
    const body = {
      playerMode: "p2p-media-loader",
      resolution: level ? level.height : undefined,
      fps: level && level.frameRate ? level.frameRate : undefined,
      p2pEnabled: config.enabled !== false,
      p2pPeers: stats.peers,
      resolutionChanges: stats.resolutionChanges - sent.resolutionChanges,
      errors: stats.errors - sent.errors,
      downloadedBytesP2P: stats.p2pBytes - sent.p2pBytes,
      downloadedBytesHTTP: stats.httpBytes - sent.httpBytes,
      uploadedBytesP2P: stats.uploadedBytes - sent.uploadedBytes,
      videoId: config.videoId,
    };
    Object.assign(sent, stats);
    fetch("/api/v1/metrics/playback", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    }).catch(() => {});
  };
  const timer = setInterval(() => {
    if (!video.paused || stats.p2pBytes + stats.httpBytes > sent.p2pBytes + sent.httpBytes) send();
  }, METRICS_INTERVAL_MS);
  hls.on(Hls.Events.DESTROYING, () => clearInterval(timer));
}

window.Hls = Hls;
window.FerrotubeP2P = { createP2PPlayer, HlsWithP2P, swarmInfoHash };
