// End-to-end browser test against the real Ferrotube server.
//
// Run (from the repository root, after `cargo build -p ferrotube` and
// `npm ci --prefix web`):
//   node --test tests/browser/
// Env:
//   FT_BIN       server binary (default: $CARGO_TARGET_DIR or target, /debug/ferrotube)
//   FT_CHROMIUM  chromium binary (default: /usr/bin/chromium)
//   FT_FFMPEG    ffmpeg binary (default: ffmpeg on PATH)
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
  signInUI,
  stopProcess,
} from "./helpers.mjs";

const BIN = SERVER_BIN;
const ROOT_PASSWORD = "browser-test-Root-pw-1";

let tmp;
let server;
let base;
let browser;
let clip;
let token;
let channelId;

function killServerSync() {
  if (server && server.proc.exitCode === null && server.proc.signalCode === null) server.proc.kill("SIGKILL");
}

function serverLogs() {
  return server ? server.logs.join("").slice(-6000) : "";
}

before(async () => {
  if (!fs.existsSync(BIN)) throw new Error(`server binary ${BIN} not found: build it (cargo build -p ferrotube) or set FT_BIN`);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "ft-browser-"));
  process.once("exit", killServerSync);
  const port = await freePort();
  const dataDir = path.join(tmp, "data");
  fs.mkdirSync(dataDir);
  server = startServer(BIN, { port, dataDir, rootPassword: ROOT_PASSWORD });
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
  assert.ok(me.videoChannels && me.videoChannels.length > 0, "root has a channel");
  channelId = me.videoChannels[0].id;
  clip = await makeClip(path.join(tmp, "clip.mp4"), 6);
  browser = await launchChromium();
});

after(async () => {
  if (browser) await browser.close().catch(() => {});
  if (server) await stopProcess(server.proc);
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

async function waitPublished(uuid) {
  return waitFor(
    async () => {
      const res = await fetch(`${base}/api/v1/videos/${uuid}`, { headers: { Authorization: `Bearer ${token}` } });
      const v = await res.json();
      if (v.state && [7, 8, 11].includes(v.state.id)) {
        throw Object.assign(new Error(`processing failed: ${JSON.stringify(v.state)}`), { fatal: true });
      }
      return v.state && v.state.id === 1 ? v : null;
    },
    { timeoutMs: 120000, intervalMs: 1000, what: `video ${uuid} published` },
  ).catch((err) => {
    throw new Error(`${err.message}\n--- server log ---\n${serverLogs()}`);
  });
}

async function assertPlays(page) {
  await page.locator("#ft-video").waitFor({ state: "attached" });
  await waitFor(() => page.evaluate(() => document.getElementById("ft-video").dataset.ready === "true"), {
    timeoutMs: 30000,
    what: "player ready",
  });
  await page.evaluate(() => {
    const v = document.getElementById("ft-video");
    v.muted = true;
    return v.play().catch(() => {});
  });
  await waitFor(() => page.evaluate(() => document.getElementById("ft-video").currentTime > 1.0), {
    timeoutMs: 30000,
    what: "video currentTime > 1.0",
  });
}

test("API upload (resumable) then the watch page plays the HLS stream", async () => {
  const data = fs.readFileSync(clip);
  const video = await resumableUpload(
    base,
    token,
    data,
    { name: "Browser test clip", channelId, privacy: 1, filename: "clip.mp4" },
    { chunkSize: 64 * 1024 },
  );
  assert.ok(video.uuid && video.shortUUID, JSON.stringify(video));
  const details = await waitPublished(video.uuid);
  assert.ok(details.streamingPlaylists?.[0]?.playlistUrl, "has an HLS playlist");

  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = collectErrors(page);
  try {
    const res = await page.goto(`${base}/w/${video.shortUUID}`, { waitUntil: "load" });
    assert.equal(res.status(), 200);
    assert.equal(await page.locator("#ft-video-title").textContent(), "Browser test clip");
    await assertPlays(page);

    // The quality menu: Auto first, then the ladder from the best rendition down; choosing
    // one makes the player switch to it.
    const renditions = details.streamingPlaylists[0].files.map((f) => f.resolution.id).filter((r) => r > 0);
    assert.ok(renditions.length >= 2, `a ladder: ${JSON.stringify(renditions)}`);
    await page.locator("#ft-quality-box").waitFor({ state: "visible" });
    const options = await page.$$eval("#ft-quality option", (os) => os.map((o) => o.textContent));
    const expected = [...renditions].sort((a, b) => b - a).map((r) => `${r}p`);
    assert.equal(options.length, renditions.length + 1, JSON.stringify(options));
    assert.match(options[0], /^Auto/);
    assert.deepEqual(options.slice(1), expected);
    const lowest = expected[expected.length - 1];
    // From the start, so that the clip (a few seconds) does not end before the switch.
    await page.evaluate(() => {
      const v = document.getElementById("ft-video");
      v.currentTime = 0;
    });
    await page.selectOption("#ft-quality", { label: lowest });
    const playing = () => page.evaluate(() => document.getElementById("ft-quality").dataset.playing);
    await waitFor(async () => (await playing()) === lowest, { what: `the player on ${lowest}` }).catch(async (e) => {
      throw new Error(`${e.message} (playing ${await playing()})`);
    });
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test("login and upload through the UI, then watch", async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = collectErrors(page);
  try {
    await page.goto(`${base}/login`, { waitUntil: "load" });
    await page.fill("#ft-login-username", "root");
    await page.fill("#ft-login-password", ROOT_PASSWORD);
    await Promise.all([page.waitForURL(`${base}/`), page.click("#ft-login-submit")]);
    await page.locator("#ft-nav-user").waitFor({ state: "visible" });
    assert.equal((await page.locator("#ft-nav-user .ft-menu-name").textContent()).trim(), "root");

    await page.goto(`${base}/videos/upload`, { waitUntil: "load" });
    await page.locator("#ft-upload-channel option").first().waitFor({ state: "attached" });
    await page.setInputFiles("#ft-upload-file", clip);
    await page.fill("#ft-upload-name", "UI uploaded clip");
    await page.selectOption("#ft-upload-privacy", "1");
    await page.click("#ft-upload-submit");
    await page.locator("#ft-upload-done").waitFor({ state: "visible", timeout: 60000 });
    assert.equal(await page.locator("#ft-upload-percent").textContent(), "100%");
    const href = await page.locator("#ft-upload-watch-link").getAttribute("href");
    assert.match(href, /^\/w\/[A-Za-z0-9]+$/);

    await page.click("#ft-upload-watch-link");
    await page.waitForURL(`${base}${href}`);
    // The page polls until transcoding is done, then starts the player.
    await page.locator("#ft-video").waitFor({ state: "attached" });
    await waitFor(() => page.evaluate(() => document.getElementById("ft-video").dataset.ready === "true"), {
      timeoutMs: 120000,
      intervalMs: 500,
      what: "player ready after processing",
    });
    await assertPlays(page);
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test("a signed-in viewer resumes where they stopped, and the player reports progress", async () => {
  const video = await resumableUpload(base, token, fs.readFileSync(clip), {
    name: "Resume clip",
    channelId,
    privacy: 1,
    filename: "clip.mp4",
  });
  await waitPublished(video.uuid);
  const auth = { Authorization: `Bearer ${token}`, "Content-Type": "application/json" };
  const put = await fetch(`${base}/api/v1/videos/${video.uuid}/watching`, {
    method: "PUT",
    headers: auth,
    body: JSON.stringify({ currentTime: 3 }),
  });
  assert.equal(put.status, 204);
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = collectErrors(page);
  try {
    await signInUI(page, base, "root", ROOT_PASSWORD);
    await page.goto(`${base}/w/${video.shortUUID}`, { waitUntil: "load" });
    await waitFor(
      () =>
        page.evaluate(() => {
          const v = document.getElementById("ft-video");
          return v.dataset.resumedAt === "3" && v.currentTime >= 3;
        }),
      { timeoutMs: 30000, what: "player resumed at 3 s" },
    );
    // autoPlayVideo is on for a new user (PeerTube's default): the video plays by itself.
    assert.equal(await page.getAttribute("body", "data-autoplay"), "on");
    await waitFor(() => page.evaluate(() => document.getElementById("ft-video").currentTime > 4.2), {
      timeoutMs: 30000,
      what: "played past 4 s by itself",
    });
    await page.evaluate(() => document.getElementById("ft-video").pause());
    await waitFor(
      async () => {
        const h = await (await fetch(`${base}/api/v1/users/me/history/videos`, { headers: auth })).json();
        const entry = h.data.find((v) => v.uuid === video.uuid);
        return entry && entry.userHistory.currentTime >= 4;
      },
      { timeoutMs: 15000, what: "progress reported on pause" },
    );
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});
