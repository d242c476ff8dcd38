// A swarm of real viewers: one Ferrotube instance and N headless Chromium processes watching the
// same video, one after the other, each kept open (and sharing) while the next ones watch.
// Not a test file itself: tests/browser/p2p.test.mjs and bench/p2p_bench.mjs run it inside a
// network namespace they made (`ip netns exec NS node tests/browser/p2p-swarm.mjs ...`), so that
// WebRTC has an interface with a default route and no packet leaves the namespace.
//
//   node p2p-swarm.mjs [--viewers N] [--p2p on|off] [--tamper] [--federated] [--mirrored [--kill-origin]]
//                      [--cluster] [--clip-secs S] [--height H]
//
// --federated: the video is uploaded to an origin instance (127.0.0.3) that a second instance
// (127.0.0.2) follows; viewer 0 watches on the origin, the later viewers watch the follower's
// copy, whose player joins the origin's swarm through the origin's tracker.
//
// --mirrored: as --federated, and the follower keeps a copy of the video (video redundancy,
// made by hand through the admin API) that the origin lists; every viewer watches on the origin,
// whose player spreads its HTTP fetches over the origin and the copy.
// --kill-origin (with --mirrored): the origin is killed once the copy is listed; every viewer
// watches on the follower, whose page plays its own copy, to the end.
//
// --cluster: the instance is the large form: Debian's nginx with the shipped deploy/nginx.conf in
// front of two `--role web` nodes and a `--role worker` node, on a PostgreSQL database (reached
// through its Unix socket, the one thing outside the namespace), a private redis-server and an S3
// server (moto, as in the Rust tests); the video is published and moved to the bucket, and the
// viewers watch through the proxy, their players reading the segments from the bucket. The nodes share the tracker's swarms through Redis, so a
// viewer whose tracker socket reached one node gets offers from a viewer on the other; the
// output says which node each viewer's socket reached (nginx's access log).
//
// Prints one JSON line: per viewer the player's figures {p2pBytes, httpBytes, uploadedBytes,
// rejectedSegments, peers} and what the browser itself fetched from the instance (segmentBytes:
// the fMP4 responses; allBytes: every response body), the video's size, and the bytes the server
// process wrote in all (/proc/<pid>/io wchar).
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { execFileSync, spawn } from "node:child_process";
import {
  SERVER_BIN,
  REPO_ROOT,
  loadPlaywright,
  CHROMIUM_PATH,
  CHROMIUM_ARGS,
  freePort,
  waitFor,
  getToken,
  resumableUpload,
  startServer,
  stopProcess,
} from "./helpers.mjs";

const ROOT_PASSWORD = "p2p-swarm-Root-pw-1";
/** WebRTC between browsers of one machine: host candidates on the namespace's veth pair. */
export const WEBRTC_ARGS = ["--allow-loopback-in-peer-connection", "--disable-features=WebRtcHideLocalIpsWithMdns"];

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}

const VIEWERS = Number(arg("viewers", "3"));
// on: P2P; off: plain hls.js; http: the P2P player with nobody uploading (HTTP only, spread
// over the copies as with P2P on).
const P2P_MODE = arg("p2p", "on");
const P2P = P2P_MODE !== "off";
const TAMPER = process.argv.includes("--tamper");
// --mirrors K: K instances keep a copy (127.0.0.2, .4, .5...); --mirrored is --mirrors 1.
const MIRRORS = Number(arg("mirrors", process.argv.includes("--mirrored") ? "1" : "0"));
const MIRRORED = MIRRORS > 0;
const KILL_ORIGIN = process.argv.includes("--kill-origin");
const FEDERATED = process.argv.includes("--federated") || MIRRORED;
const CLUSTER = process.argv.includes("--cluster");
const CLIP_SECS = Number(arg("clip-secs", "24"));
const HEIGHT = Number(arg("height", "240"));

function log(msg) {
  process.stderr.write(`[p2p-swarm] ${msg}\n`);
}

/** Bytes the server process has written (its sockets: pages, scripts, API, segments, tracker). */
function serverWrittenBytes(pid) {
  if (!fs.existsSync(`/proc/${pid}/io`)) return 0;
  const io = fs.readFileSync(`/proc/${pid}/io`, "utf8");
  return Number((/^wchar: (\d+)$/m.exec(io) || [])[1] || 0);
}

/** moto's S3 server on 127.0.0.1:`port` (scripts/install-deps.sh --test installs it). */
async function startS3(port) {
  const bin = process.env.FERROTUBE_MOTO_SERVER || path.join(os.homedir(), ".cache/ferrotube/moto/bin/moto_server");
  const proc = spawn(bin, ["-H", "127.0.0.1", "-p", String(port)], { stdio: "ignore" });
  await waitFor(async () => {
    if (proc.exitCode !== null) throw Object.assign(new Error("moto_server exited"), { fatal: true });
    await (await fetch(`http://127.0.0.1:${port}/`)).arrayBuffer();
    return true;
  }, { timeoutMs: 60000, what: "the S3 server up" });
  return proc;
}

/** The instance's [object_storage] on the S3 server at `endpoint` (public files readable there). */
function objectStorageToml(endpoint) {
  const bucket = (kind, name, prefix) => `[object_storage.${kind}]\nbucket_name = "${name}"\nprefix = "${prefix}"\n`;
  return (
    `[object_storage]\nenabled = true\nendpoint = "${endpoint}"\nregion = "eu-west-1"\nforce_path_style = true\n` +
    `[object_storage.credentials]\naccess_key_id = "swarm"\nsecret_access_key = "swarm-secret"\n` +
    bucket("streaming_playlists", "swarm-playlists", "hls/") +
    bucket("web_videos", "swarm-videos", "web/") +
    bucket("original_video_files", "swarm-originals", "") +
    bucket("captions", "swarm-captions", "")
  );
}

/** A private redis-server on 127.0.0.1:`port`, keeping nothing on disk. */
async function startRedis(port) {
  const proc = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], {
    stdio: "ignore",
  });
  await waitFor(async () => {
    if (proc.exitCode !== null) throw Object.assign(new Error("redis-server exited"), { fatal: true });
    return execFileSync("redis-cli", ["-p", String(port), "ping"], { encoding: "utf8" }).trim() === "PONG";
  }, { what: "redis-server up" });
  return proc;
}

/**
 * Debian's nginx on 127.0.0.1:`port` with the shipped server block (deploy/nginx.conf), only its
 * upstream servers and listen address replaced (as crates/testkit's Nginx does), logging each
 * request's user agent and the node that answered it.
 */
async function startNginx(port, upstreams, dir) {
  fs.mkdirSync(dir, { recursive: true });
  const shipped = fs.readFileSync(path.join(REPO_ROOT, "deploy", "nginx.conf"), "utf8");
  let block = "";
  let inUpstream = false;
  for (const line of shipped.split("\n")) {
    const t = line.trim();
    if (t.startsWith("upstream ferrotube")) {
      inUpstream = true;
      block += `${line}\n${upstreams.map((u) => `    server ${u} max_fails=1 fail_timeout=5s;\n`).join("")}`;
      continue;
    }
    if (inUpstream && t.startsWith("server ")) continue;
    if (inUpstream && t === "}") inUpstream = false;
    block += t === "listen 80;" ? `    listen 127.0.0.1:${port};\n` : `${line}\n`;
  }
  const log = path.join(dir, "access.log");
  const conf = path.join(dir, "nginx.conf");
  fs.writeFileSync(
    conf,
    `daemon off;\nworker_processes 2;\npid ${dir}/nginx.pid;\nerror_log ${dir}/error.log warn;\n` +
      `events { worker_connections 1024; }\nhttp {\n` +
      `  log_format nodes '$http_user_agent|$upstream_addr|$uri|$status';\n  access_log ${log} nodes;\n` +
      ["client_body", "proxy", "fastcgi", "uwsgi", "scgi"].map((k) => `  ${k}_temp_path ${dir}/${k};\n`).join("") +
      `${block}}\n`,
  );
  const proc = spawn("nginx", ["-c", conf, "-p", dir], { stdio: "ignore" });
  await waitFor(async () => {
    if (proc.exitCode !== null) {
      throw Object.assign(new Error(`nginx exited: ${fs.readFileSync(path.join(dir, "error.log"), "utf8")}`), { fatal: true });
    }
    const r = await fetch(`http://127.0.0.1:${port}/api/v1/config`);
    await r.arrayBuffer();
    return r.ok;
  }, { what: "nginx up" });
  return { proc, log };
}

async function makeClip(file, secs) {
  execFileSync("ffmpeg", [
    "-hide_banner", "-loglevel", "error", "-y",
    "-f", "lavfi", "-i", `testsrc2=duration=${secs}:size=854x480:rate=25`,
    "-f", "lavfi", "-i", `sine=frequency=440:duration=${secs}`,
    "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "64k", "-shortest", file,
  ]);
}

/**
 * Makes viewer 1 a dishonest peer: every large message it sends over a WebRTC data channel (the
 * segment data it shares; protocol commands are small) has a few bytes flipped on the wire,
 * while what it plays and keeps stays intact.
 */
async function tamperUploads(page) {
  await page.addInitScript(() => {
    const send = RTCDataChannel.prototype.send;
    RTCDataChannel.prototype.send = function (data) {
      if (data && typeof data !== "string" && data.byteLength > 4096) {
        const bytes = ArrayBuffer.isView(data)
          ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice()
          : new Uint8Array(data).slice();
        for (let i = bytes.length - 64; i < bytes.length - 48; i++) bytes[i] ^= 0xff;
        return send.call(this, bytes);
      }
      return send.call(this, data);
    };
  });
}

async function main() {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "ft-p2p-"));
  const dataDir = path.join(tmp, "data");
  fs.mkdirSync(dataDir);
  const config = path.join(tmp, "config.toml");
  // One rung keeps every viewer in one swarm. All browsers reach the instance from 127.0.0.1, so
  // the per-address tracker limit (meant for the open Internet) is off here. Federation between
  // two loopback instances needs private addresses allowed.
  fs.writeFileSync(
    config,
    `[transcoding]\nresolutions = [${HEIGHT}]\n[tracker]\nmax_announces_per_minute = 0\n[federation]\nallow_private_network = true\n`,
  );
  const start = async (host, dir) => {
    fs.mkdirSync(dir, { recursive: true });
    const s = startServer(SERVER_BIN, {
      host,
      port: await freePort(),
      dataDir: dir,
      rootPassword: ROOT_PASSWORD,
      extraEnv: { FERROTUBE_CONFIG: config },
    });
    servers.push(s);
    await waitFor(async () => {
      if (s.proc.exitCode !== null) throw Object.assign(new Error(`server ${host} exited`), { fatal: true });
      const res = await fetch(`${s.base}/api/v1/config`);
      await res.arrayBuffer();
      return res.ok;
    }, { timeoutMs: 60000, what: `server ${host} up` });
    return s;
  };
  const servers = [];
  const browsers = [];
  const helpers = [];
  const database = `ft_p2p_cluster_${process.pid}`;
  const psql = (sql) =>
    execFileSync("psql", ["-h", "/var/run/postgresql", "-U", "postgres", "-qc", sql], { stdio: ["ignore", "ignore", "pipe"] });
  let nginx = null;
  let bucketEndpoint = null;
  try {
    let server;
    if (CLUSTER) {
      psql(`CREATE DATABASE ${database}`);
      const redisPort = await freePort();
      helpers.push(await startRedis(redisPort));
      const s3Port = await freePort();
      helpers.push(await startS3(s3Port));
      bucketEndpoint = `http://127.0.0.1:${s3Port}`;
      fs.appendFileSync(config, objectStorageToml(bucketEndpoint));
      const proxyPort = await freePort();
      const shared = {
        FERROTUBE_CONFIG: config,
        FERROTUBE_DATABASE_URL: `postgres://postgres@localhost/${database}?host=/var/run/postgresql`,
        FERROTUBE_REDIS_URL: `redis://127.0.0.1:${redisPort}`,
        FERROTUBE_PUBLIC_URL: `http://127.0.0.1:${proxyPort}`,
      };
      const node = async (role, port) => {
        const s = startServer(SERVER_BIN, {
          port,
          dataDir,
          rootPassword: ROOT_PASSWORD,
          extraEnv: { ...shared, FERROTUBE_ROLE: role },
        });
        servers.push(s);
        if (role === "worker") return s;
        await waitFor(async () => {
          if (s.proc.exitCode !== null) throw Object.assign(new Error(`node ${s.base} exited: ${s.logs.join("")}`), { fatal: true });
          const res = await fetch(`${s.base}/api/v1/config`);
          await res.arrayBuffer();
          return res.ok;
        }, { timeoutMs: 60000, what: `node ${s.base} up` });
        return s;
      };
      const a = await node("web", await freePort());
      const b = await node("web", await freePort());
      await node("worker", await freePort());
      nginx = await startNginx(proxyPort, [a.base, b.base].map((u) => new URL(u).host), path.join(tmp, "nginx"));
      helpers.push(nginx.proc);
      server = { base: shared.FERROTUBE_PUBLIC_URL, proc: a.proc, nodes: [a.base, b.base] };
      log(`cluster: nginx ${server.base} in front of ${server.nodes.join(", ")}`);
    } else {
      server = await start(FEDERATED ? "127.0.0.3" : "127.0.0.1", dataDir);
    }
    const follower = FEDERATED ? await start("127.0.0.2", path.join(tmp, "follower")) : null;
    const followers = follower ? [follower] : [];
    for (let k = 1; k < MIRRORS; k++) followers.push(await start(`127.0.0.${k + 3}`, path.join(tmp, `mirror-${k}`)));
    const token = await getToken(server.base, "root", ROOT_PASSWORD);
    const me = await (await fetch(`${server.base}/api/v1/users/me`, { headers: { Authorization: `Bearer ${token}` } })).json();
    const clip = path.join(tmp, "clip.mp4");
    await makeClip(clip, CLIP_SECS);
    const video = await resumableUpload(server.base, token, fs.readFileSync(clip), {
      name: "P2P swarm clip",
      channelId: me.videoChannels[0].id,
      privacy: 1,
      filename: "clip.mp4",
    });
    const details = await waitFor(async () => {
      const v = await (await fetch(`${server.base}/api/v1/videos/${video.uuid}`)).json();
      if (v.state && [7, 8, 11].includes(v.state.id)) throw Object.assign(new Error("transcoding failed"), { fatal: true });
      // In a cluster, published and moved to the bucket.
      if (bucketEndpoint && !(v.streamingPlaylists?.[0]?.playlistUrl || "").startsWith(bucketEndpoint)) return null;
      return v.state && v.state.id === 1 ? v : null;
    }, { timeoutMs: 300000, intervalMs: 1000, what: bucketEndpoint ? "video published and moved to the bucket" : "video published" });
    const segmentBytes = details.streamingPlaylists[0].files.reduce((n, f) => n + f.size, 0);
    log(`published ${video.uuid}: ${segmentBytes} bytes of fMP4`);
    for (const follower of followers) {
      // The follower follows the origin, and lists the video once the follow is accepted.
      const ftoken = await getToken(follower.base, "root", ROOT_PASSWORD);
      const res = await fetch(`${follower.base}/api/v1/server/following`, {
        method: "POST",
        headers: { Authorization: `Bearer ${ftoken}`, "Content-Type": "application/json" },
        body: JSON.stringify({ hosts: [new URL(server.base).host] }),
      });
      if (res.status !== 204) throw new Error(`follow: HTTP ${res.status} ${await res.text()}`);
      await waitFor(async () => {
        const r = await fetch(`${follower.base}/api/v1/videos/${video.uuid}`);
        await r.arrayBuffer();
        return r.ok;
      }, { timeoutMs: 60000, intervalMs: 500, what: "the video on the follower" });
      log(`the follower lists ${video.uuid}`);
      if (MIRRORED) {
        const auth = { Authorization: `Bearer ${ftoken}`, "Content-Type": "application/json" };
        const allow = await fetch(`${follower.base}/api/v1/server/redundancy/${new URL(server.base).host}`, {
          method: "PUT",
          headers: auth,
          body: JSON.stringify({ redundancyAllowed: true }),
        });
        if (allow.status !== 204) throw new Error(`allow redundancy: HTTP ${allow.status} ${await allow.text()}`);
        const there = await (await fetch(`${follower.base}/api/v1/videos/${video.uuid}`)).json();
        const mirror = await fetch(`${follower.base}/api/v1/server/redundancy/videos`, {
          method: "POST",
          headers: auth,
          body: JSON.stringify({ videoId: there.id }),
        });
        if (mirror.status !== 204) throw new Error(`mirror: HTTP ${mirror.status} ${await mirror.text()}`);
        await waitFor(async () => {
          const v = await (await fetch(`${server.base}/api/v1/videos/${video.uuid}`)).json();
          return (v.streamingPlaylists[0].redundancies || []).some((r) => r.baseUrl.startsWith(follower.base));
        }, { timeoutMs: 60000, intervalMs: 500, what: "the origin lists the follower's copy" });
        log(`the origin lists the copy of ${follower.base}`);
      }
    }
    if (KILL_ORIGIN) {
      server.proc.kill("SIGKILL");
      await waitFor(() => server.proc.exitCode !== null || server.proc.signalCode !== null, { what: "origin killed" });
      log("origin killed");
    }

    const { chromium } = loadPlaywright();
    const writtenBefore = serverWrittenBytes(server.proc.pid);
    const viewers = [];
    for (let i = 0; i < VIEWERS; i++) {
      const browser = await chromium.launch({
        executablePath: CHROMIUM_PATH,
        headless: true,
        args: [...CHROMIUM_ARGS, ...WEBRTC_ARGS],
      });
      browsers.push(browser);
      // In a cluster, each viewer names itself to nginx's access log by its user agent.
      const page = await browser.newPage(
        CLUSTER ? { userAgent: `Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36 ft-viewer-${i}` } : {},
      );
      // Bytes this browser received from the instance, counted by the browser (with P2P off the
      // player's own counters do not run).
      const fetched = { segmentBytes: 0, allBytes: 0, segmentBytesByHost: {} };
      page.on("requestfinished", async (req) => {
        try {
          const { responseBodySize } = await req.sizes();
          fetched.allBytes += responseBodySize;
          if (/-fragmented\.mp4(\?|$)/.test(req.url())) {
            fetched.segmentBytes += responseBodySize;
            const host = new URL(req.url()).origin;
            fetched.segmentBytesByHost[host] = (fetched.segmentBytesByHost[host] || 0) + responseBodySize;
          }
        } catch {
          /* page gone */
        }
      });
      page.on("pageerror", (err) => log(`viewer ${i}: pageerror ${err.message}`));
      page.on("console", (msg) => {
        if (msg.type() === "warning" || msg.type() === "error") log(`viewer ${i}: ${msg.type()}: ${msg.text()}`);
      });
      if (!P2P) await page.addInitScript(() => { window.FERROTUBE_P2P_CORE = { isP2PDisabled: true }; });
      if (P2P_MODE === "http") await page.addInitScript(() => { window.FERROTUBE_P2P_CORE = { isP2PUploadDisabled: true }; });
      if (TAMPER && i === 0) await tamperUploads(page);
      if (process.env.FT_P2P_DEBUG) {
        await page.addInitScript((d) => localStorage.setItem("debug", d), process.env.FT_P2P_DEBUG);
        page.on("console", (msg) => {
          if (msg.type() === "debug" || msg.type() === "log") log(`viewer ${i}: ${msg.text()}`);
        });
      }
      const watchOn = KILL_ORIGIN ? follower : follower && !MIRRORED && i > 0 ? follower : server;
      await page.goto(`${watchOn.base}/videos/embed/${video.uuid}`, { waitUntil: "load" });
      await waitFor(() => page.evaluate(() => document.getElementById("ft-video").dataset.ready === "true"), {
        timeoutMs: 30000,
        what: `viewer ${i}: player ready`,
      });
      const mode = await page.evaluate(() => document.getElementById("ft-video").dataset.player);
      if (mode !== "p2p") throw new Error(`viewer ${i}: player mode ${mode}, not p2p`);
      if (i === 0 && !KILL_ORIGIN) {
        // The player numbers swarms itself for remote videos: it must agree with the server,
        // which numbered this (local) video's swarms from the same master playlist.
        const check = await page.evaluate(async () => {
          const v = document.getElementById("ft-video");
          const cfg = JSON.parse(v.dataset.p2p);
          // A video in the bucket: the player numbers its swarms from masterUrl (as for a
          // remote one), the tracker from the same URL; there is no server map to compare.
          if (!cfg.swarms) return cfg.masterUrl === v.dataset.hlsSrc ? "numbered by the player" : `masterUrl ${cfg.masterUrl}`;
          const master = v.dataset.hlsSrc;
          const text = await (await fetch(master)).text();
          const uris = text.split("\n").map((l) => l.trim()).filter((l) => l && !l.startsWith("#"));
          return uris.map((uri, n) => {
            const url = new URL(uri, master).toString();
            return { url, server: cfg.swarms[url], player: window.FerrotubeP2P.swarmInfoHash(master, n) };
          });
        });
        if (typeof check === "string") {
          if (check !== "numbered by the player") throw new Error(`swarm ids: ${check} is not the played master playlist`);
        } else if (!check.length || check.some((c) => !c.server || c.server !== c.player)) {
          throw new Error(`swarm ids: player and server disagree: ${JSON.stringify(check)}`);
        }
      }
      await page.evaluate(() => {
        const v = document.getElementById("ft-video");
        v.muted = true;
        return v.play().catch(() => {});
      });
      // Loaded to the end: every segment is in this viewer's hands (and shareable).
      let last = null;
      const state = await waitFor(async () => {
        const s = await page.evaluate(() => {
          const v = document.getElementById("ft-video");
          const b = v.buffered;
          return {
            bufferedTo: b.length ? b.end(b.length - 1) : 0,
            duration: v.duration,
            currentTime: v.currentTime,
            ...window.ferrotubeP2PStats,
          };
        });
        last = s;
        return s.duration > 0 && s.bufferedTo >= s.duration - 0.5 ? s : null;
      }, { timeoutMs: 120000, intervalMs: 500, what: `viewer ${i}: buffered to the end` }).catch((err) => {
        throw new Error(`${err.message}; last seen: ${JSON.stringify(last)}`);
      });
      if (KILL_ORIGIN) {
        // Played, not only loaded, to the end.
        await page.evaluate(() => {
          const v = document.getElementById("ft-video");
          v.playbackRate = 4;
          return v.play().catch(() => {});
        });
        await waitFor(() => page.evaluate(() => document.getElementById("ft-video").ended), {
          timeoutMs: CLIP_SECS * 1000 + 60000,
          intervalMs: 500,
          what: `viewer ${i}: played to the end`,
        });
        state.ended = true;
        // The page's HTML escapes the apostrophe.
        state.servedFromCopy = /Served from this instance(?:'|&#x27;|&#39;)s copy/.test(
          await (await fetch(`${watchOn.base}/w/${video.uuid}`)).text(),
        );
      }
      log(`viewer ${i}: ${JSON.stringify(state)}`);
      viewers.push({ page, state, fetched });
    }
    // Final figures, once uploads to the last viewer are counted everywhere.
    const results = [];
    for (const { page, fetched, state } of viewers) {
      results.push({
        ...(await page.evaluate(() => ({ ...window.ferrotubeP2PStats }))),
        fetched,
        ended: !!state.ended,
        servedFromCopy: !!state.servedFromCopy,
      });
    }
    const serverBytes = serverWrittenBytes(server.proc.pid) - writtenBefore;
    // Which node each viewer's tracker socket reached: nginx logs a WebSocket once it closes.
    let trackerNodes = null;
    if (CLUSTER) {
      for (const b of browsers.splice(0)) await b.close().catch(() => {});
      const lines = await waitFor(() => {
        const all = fs.readFileSync(nginx.log, "utf8").split("\n").filter((l) => l.includes("|/tracker/socket|"));
        return all.length >= VIEWERS ? all : null;
      }, { timeoutMs: 10000, what: "the tracker sockets in nginx's access log" }).catch(() => []);
      trackerNodes = viewers.map((_, i) => [
        ...new Set(lines.filter((l) => l.includes(`ft-viewer-${i}|`)).map((l) => `http://${l.split("|")[1]}`)),
      ]);
    }
    process.stdout.write(
      `${JSON.stringify({
        p2p: P2P,
        tamper: TAMPER,
        federated: FEDERATED,
        mirrored: MIRRORED,
        origin: server.base,
        mirror: follower ? follower.base : null,
        mirrors: MIRRORED ? followers.map((f) => f.base) : [],
        segmentBytes,
        serverBytes,
        nodes: server.nodes || null,
        bucket: bucketEndpoint,
        trackerNodes,
        viewers: results,
      })}\n`,
    );
  } finally {
    for (const b of browsers) await b.close().catch(() => {});
    for (const s of servers) await stopProcess(s.proc);
    for (const h of helpers) await stopProcess(h);
    if (CLUSTER) {
      try {
        psql(`DROP DATABASE IF EXISTS ${database}`);
      } catch (err) {
        log(`cannot drop ${database}: ${err.message}`);
      }
    }
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    log(`failed: ${err.stack || err}`);
    process.exit(1);
  },
);
