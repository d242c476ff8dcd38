// A playlist's watch page plays its elements one after the other: the first from its start to
// its stop timestamp, then the second from its start timestamp.
//
// Run (from the repository root, after `cargo build -p ferrotube` and `npm ci --prefix web`):
//   node --test tests/browser/playlist.test.mjs
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import {
  SERVER_BIN,
  launchChromium,
  collectErrors,
  freePort,
  waitFor,
  makeClip,
  getToken,
  resumableUpload,
  startServer,
  stopProcess,
} from "./helpers.mjs";

const ROOT_PASSWORD = "browser-playlist-Root-pw-1";

let tmp;
let server;
let base;
let browser;
let token;
let channelId;

function serverLogs() {
  return server ? server.logs.join("").slice(-6000) : "";
}

before(async () => {
  if (!fs.existsSync(SERVER_BIN)) throw new Error(`server binary ${SERVER_BIN} not found: build it (cargo build -p ferrotube) or set FT_BIN`);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "ft-browser-playlist-"));
  const port = await freePort();
  const dataDir = path.join(tmp, "data");
  fs.mkdirSync(dataDir);
  server = startServer(SERVER_BIN, { port, dataDir, rootPassword: ROOT_PASSWORD });
  process.once("exit", () => {
    if (server && server.proc.exitCode === null) server.proc.kill("SIGKILL");
  });
  base = server.base;
  await waitFor(
    async () => {
      if (server.proc.exitCode !== null) throw Object.assign(new Error("exited"), { fatal: true });
      const res = await fetch(`${base}/api/v1/config`);
      await res.arrayBuffer();
      return res.status === 200;
    },
    { timeoutMs: 60000, what: "GET /api/v1/config == 200" },
  ).catch((err) => {
    throw new Error(`server did not start: ${err.message}\n--- server log ---\n${serverLogs()}`);
  });
  token = await getToken(base, "root", ROOT_PASSWORD);
  const me = await (await fetch(`${base}/api/v1/users/me`, { headers: { Authorization: `Bearer ${token}` } })).json();
  channelId = me.videoChannels[0].id;
  browser = await launchChromium();
});

after(async () => {
  if (browser) await browser.close().catch(() => {});
  if (server) await stopProcess(server.proc);
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

async function api(method, p, body) {
  const res = await fetch(`${base}${p}`, {
    method,
    headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  assert.ok(res.ok, `${method} ${p}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

async function uploadPublished(file, name) {
  const video = await resumableUpload(base, token, fs.readFileSync(file), { name, channelId, privacy: 1, filename: "clip.mp4" });
  await waitFor(
    async () => {
      const v = await (await fetch(`${base}/api/v1/videos/${video.uuid}`)).json();
      return v.state && v.state.id === 1;
    },
    { timeoutMs: 120000, intervalMs: 500, what: `${name} published` },
  ).catch((err) => {
    throw new Error(`${err.message}\n--- server log ---\n${serverLogs()}`);
  });
  return video;
}

test("a two-element playlist plays through, each element within its timestamps", async () => {
  const clip = await makeClip(path.join(tmp, "clip.mp4"), 4);
  const first = await uploadPublished(clip, "First element");
  const second = await uploadPublished(clip, "Second element");
  const pl = (await api("POST", "/api/v1/video-playlists", { displayName: "Browser playlist", privacy: 1, videoChannelId: channelId }))
    .videoPlaylist;
  await api("POST", `/api/v1/video-playlists/${pl.uuid}/videos`, { videoId: first.uuid, stopTimestamp: 2 });
  await api("POST", `/api/v1/video-playlists/${pl.uuid}/videos`, { videoId: second.uuid, startTimestamp: 1 });

  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = collectErrors(page);
  try {
    const res = await page.goto(`${base}/w/p/${pl.shortUUID}`, { waitUntil: "load" });
    assert.equal(res.status(), 200);
    assert.equal(await page.locator("#ft-playlist-name").textContent(), "Browser playlist");
    assert.equal(await page.locator(".ft-playlist-item").count(), 2);
    await page.evaluate(() => {
      document.getElementById("ft-video").muted = true;
    });
    // The first element plays, from 0.
    await waitFor(() => page.evaluate(() => document.getElementById("ft-video").dataset.current === "0"), { what: "first element current" });
    assert.equal(await page.locator("#ft-video-title").textContent(), "First element");
    // Then the second, after the first reached its stop timestamp.
    await waitFor(() => page.evaluate(() => document.getElementById("ft-video").dataset.current === "1"), {
      timeoutMs: 30000,
      what: "second element current",
    });
    await waitFor(() => page.evaluate(() => document.getElementById("ft-video").currentTime > 1.8), {
      timeoutMs: 30000,
      what: "second element playing past its start",
    });
    assert.equal(await page.locator("#ft-video-title").textContent(), "Second element");
    assert.equal(await page.locator(".ft-playlist-item.ft-current").getAttribute("data-index"), "1");
    // FT_SCREENSHOTS=<dir> keeps a screenshot of the page while the second element plays.
    if (process.env.FT_SCREENSHOTS) {
      await page.screenshot({ path: path.join(process.env.FT_SCREENSHOTS, "playlist-second-element.png") });
      await page.setViewportSize({ width: 390, height: 844 });
      await page.screenshot({ path: path.join(process.env.FT_SCREENSHOTS, "playlist-phone.png") });
    }
    // And to its end: the playlist is done.
    await waitFor(() => page.evaluate(() => document.getElementById("ft-video").dataset.finished === "true"), {
      timeoutMs: 30000,
      what: "playlist finished",
    });
    const log = await page.evaluate(() => window.ferrotubePlaylist.log);
    const events = log.map((e) => `${e.index}:${e.event}${e.reason ? ":" + e.reason : ""}`);
    assert.deepEqual(events, ["0:start", "0:end:stop", "1:start", "1:end:ended"], JSON.stringify(log));
    const [start0, end0, start1] = log;
    assert.ok(start0.time < 0.5, `first element starts at 0: ${start0.time}`);
    assert.ok(end0.time >= 2 && end0.time < 3, `first element stops at its stop timestamp: ${end0.time}`);
    assert.ok(start1.time >= 1 && start1.time < 1.5, `second element starts at its start timestamp: ${start1.time}`);
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});
