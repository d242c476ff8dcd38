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
// - HTTP segment fetches are spread over the page's stream and the other copies of it
//   (`mirrors`: the origin and the instances that keep a copy, PeerTube's redundancies), each
//   checked against segments-sha256.json like a peer's; a copy that errors, stalls or serves a
//   wrong segment is rested for a while and the segment is fetched from the next one.
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

/** How long a copy that failed is left out of the rotation. */
const SOURCE_REST_MS = 30000;

/**
 * The HTTP sources of one stream: folders holding the same files (the page's and the mirrors'),
 * taken in turn. A source that fails is rested for SOURCE_REST_MS; when all are resting the
 * least recently failed one is used.
 */
export function makeSources(pageFolder, mirrors) {
  const folders = [pageFolder];
  for (const m of mirrors || []) {
    const f = m.endsWith("/") ? m : `${m}/`;
    if (!folders.includes(f)) folders.push(f);
  }
  const restingUntil = new Map();
  let next = 0;
  return {
    folders,
    /** The next source in turn that is not resting. */
    pick(now = Date.now()) {
      for (let i = 0; i < folders.length; i += 1) {
        const f = folders[(next + i) % folders.length];
        if (!((restingUntil.get(f) || 0) > now)) {
          next = (next + i + 1) % folders.length;
          return f;
        }
      }
      const f = [...folders].sort((a, b) => (restingUntil.get(a) || 0) - (restingUntil.get(b) || 0))[0];
      return f;
    },
    fail(folder, now = Date.now()) {
      restingUntil.set(folder, now + SOURCE_REST_MS);
    },
  };
}

function folderOf(url) {
  const u = new URL(url, window.location.href);
  u.search = "";
  u.hash = "";
  const s = u.toString();
  return s.slice(0, s.lastIndexOf("/") + 1);
}

function makeStats() {
  return {
    peers: 0,
    p2pBytes: 0,
    httpBytes: 0,
    /** HTTP bytes by origin (scheme://host:port) of the copy that served them. */
    httpBySource: {},
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
  el.dataset.httpBySource = JSON.stringify(s.httpBySource);
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
  const expectedHash = async (segmentUrl, byteRange) => {
    const map = await hashes;
    const ranges = map && map[fileName(segmentUrl)];
    const key = byteRange ? `${byteRange.start}-${byteRange.end}` : undefined;
    return ranges && key ? ranges[key] : undefined;
  };
  // HTTP: spread over the copies, failing over (see makeSources).
  const sources = makeSources(folderOf(url), config.mirrors);
  const servedBy = new Map(); // segment key -> folder of its last HTTP attempt
  const segmentKey = (segmentUrl, byteRange) =>
    `${fileName(segmentUrl)}@${byteRange ? byteRange.start : ""}`;
  const httpRequestSetup = async (segmentUrl, segmentByteRange, signal, requestByteRange) => {
    const key = segmentKey(segmentUrl, segmentByteRange);
    // Asked again for the same segment: the last attempt failed (error, stall or bad data).
    const previous = servedBy.get(key);
    if (previous) sources.fail(previous);
    const folder = sources.pick();
    servedBy.set(key, folder);
    const headers = new Headers();
    if (requestByteRange) headers.set("Range", `bytes=${requestByteRange.start}-${requestByteRange.end ?? ""}`);
    return new Request(`${folder}${encodeURIComponent(fileName(segmentUrl))}`, { headers, signal });
  };
  const validateHTTPSegment = async (segmentUrl, byteRange, data) => {
    const key = segmentKey(segmentUrl, byteRange);
    const folder = servedBy.get(key);
    const expected = await expectedHash(segmentUrl, byteRange);
    // Without a map (it failed to load) nothing can be checked; with one, every copy is.
    const ok = !(await hashes) || (!!expected && bytesToHex(sha256(new Uint8Array(data))) === expected);
    if (!ok) {
      stats.rejectedSegments += 1;
      stats.rejectedBytes += data.byteLength;
      renderOverlay(overlay, stats);
      return false;
    }
    servedBy.delete(key);
    if (folder) {
      const origin = new URL(folder).origin;
      stats.httpBySource[origin] = (stats.httpBySource[origin] || 0) + data.byteLength;
      renderOverlay(overlay, stats);
    }
    return true;
  };
  const core = {
    announceTrackers: config.trackers,
    httpRequestSetup,
    validateHTTPSegment,
    // A copy that sends nothing for 5 s is given up for the next one.
    httpNotReceivingBytesTimeoutMs: 5000,
    httpErrorRetries: Math.max(3, sources.folders.length + 1),
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
window.FerrotubeP2P = { createP2PPlayer, HlsWithP2P, swarmInfoHash, makeSources };
