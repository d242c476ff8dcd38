// The watch page's captions, chapters and storyboard, in Chromium against the real server:
// a caption track is picked in the player and its text shows, the chapters are listed and
// marked on the seek bar, and hovering the seek bar shows the storyboard sprite of that time.
//
// Run: node --test tests/browser/captions.test.mjs (after `cargo build -p ferrotube`).
// FT_SCREENSHOTS=<dir> keeps the screenshots taken along the way.
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

const ROOT_PASSWORD = "browser-captions-Root-pw-1";
const VTT = "WEBVTT\n\n00:00.000 --> 00:04.000\nHello from the captions\n";

let tmp;
let server;
let browser;
let token;
let video;

function serverLogs() {
  return server ? server.logs.join("").slice(-6000) : "";
}

before(async () => {
  if (!fs.existsSync(SERVER_BIN)) throw new Error(`server binary ${SERVER_BIN} not found: build it (cargo build -p ferrotube)`);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "ft-browser-captions-"));
  const port = await freePort();
  const dataDir = path.join(tmp, "data");
  fs.mkdirSync(dataDir);
  server = startServer(SERVER_BIN, { port, dataDir, rootPassword: ROOT_PASSWORD });
  process.once("exit", () => {
    if (server.proc.exitCode === null) server.proc.kill("SIGKILL");
  });
  await waitFor(
    async () => {
      if (server.proc.exitCode !== null) throw Object.assign(new Error("exited"), { fatal: true });
      const res = await fetch(`${server.base}/api/v1/config`);
      await res.arrayBuffer();
      return res.status === 200;
    },
    { timeoutMs: 60000, what: "server up" },
  ).catch((err) => {
    throw new Error(`server did not start: ${err.message}\n${serverLogs()}`);
  });
  token = await getToken(server.base, "root", ROOT_PASSWORD);
  const auth = { Authorization: `Bearer ${token}` };
  const me = await (await fetch(`${server.base}/api/v1/users/me`, { headers: auth })).json();
  const clip = await makeClip(path.join(tmp, "clip.mp4"), 4);
  video = await resumableUpload(server.base, token, fs.readFileSync(clip), {
    name: "Captions in the browser",
    channelId: me.videoChannels[0].id,
    privacy: 1,
    filename: "clip.mp4",
    description: "Parts:\n00:00 Opening scene\n00:02 Closing scene",
  });
  await waitFor(
    async () => {
      const v = await (await fetch(`${server.base}/api/v1/videos/${video.uuid}`, { headers: auth })).json();
      if (v.state && [7, 8, 11].includes(v.state.id)) throw Object.assign(new Error("failed"), { fatal: true });
      return v.state && v.state.id === 1;
    },
    { timeoutMs: 120000, intervalMs: 500, what: "published" },
  ).catch((err) => {
    throw new Error(`${err.message}\n${serverLogs()}`);
  });
  const form = new FormData();
  form.append("captionfile", new Blob([VTT], { type: "text/vtt" }), "en.vtt");
  const put = await fetch(`${server.base}/api/v1/videos/${video.uuid}/captions/en`, { method: "PUT", headers: auth, body: form });
  assert.equal(put.status, 204, await put.text());
  browser = await launchChromium();
});

after(async () => {
  if (browser) await browser.close().catch(() => {});
  if (server) await stopProcess(server.proc);
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

async function shot(page, name) {
  const dir = process.env.FT_SCREENSHOTS || tmp;
  fs.mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: path.join(dir, name) });
}

test("captions are selectable and shown, chapters listed, storyboard on hover", async () => {
  const context = await browser.newContext({ viewport: { width: 1000, height: 900 } });
  const page = await context.newPage();
  const errors = collectErrors(page);
  try {
    const res = await page.goto(`${server.base}/w/${video.shortUUID}`, { waitUntil: "load" });
    assert.equal(res.status(), 200);
    await page.locator("#ft-watch[data-extras=ready]").waitFor({ state: "attached", timeout: 30000 });

    // Chapters: listed in order, with their times, and marked on the seek bar.
    const items = await page.locator("#ft-chapters li").allTextContents();
    assert.deepEqual(items, ["0:00 Opening scene", "0:02 Closing scene"]);
    assert.equal(await page.locator("#ft-seekbar .ft-seekbar-mark").count(), 1, "a mark where the second chapter starts");

    // Captions: offered by language, off until picked, then the cue's text shows.
    const options = await page.locator("#ft-captions option").allTextContents();
    assert.deepEqual(options, ["Captions off", "English"]);
    assert.equal(await page.locator("#ft-caption-line").isVisible(), false);
    await page.selectOption("#ft-captions", "en");
    await waitFor(() => page.evaluate(() => document.getElementById("ft-video").dataset.ready === "true"), {
      timeoutMs: 30000,
      what: "player ready",
    });
    await page.evaluate(() => {
      const v = document.getElementById("ft-video");
      v.muted = true;
      return v.play().catch(() => {});
    });
    await page.locator("#ft-caption-line").waitFor({ state: "visible", timeout: 30000 });
    assert.equal(await page.locator("#ft-caption-line").textContent(), "Hello from the captions");
    await page.evaluate(() => document.getElementById("ft-video").pause());
    await shot(page, "captions-shown.png");
    // Picking "off" hides it again.
    await page.selectOption("#ft-captions", "");
    await page.locator("#ft-caption-line").waitFor({ state: "hidden", timeout: 5000 });

    // Storyboard: hovering three quarters of the way shows sprite 3 of a 4-second clip.
    const track = page.locator("#ft-seekbar .ft-seekbar-track");
    const box = await track.boundingBox();
    await page.mouse.move(box.x + box.width * 0.8, box.y + box.height / 2);
    await page.locator("#ft-storyboard-tip").waitFor({ state: "visible", timeout: 5000 });
    const sprite = await page.evaluate(() => {
      const s = document.getElementById("ft-storyboard");
      const cs = getComputedStyle(s);
      return { index: s.dataset.sprite, image: cs.backgroundImage, position: cs.backgroundPosition, width: cs.width };
    });
    const boards = await (await fetch(`${server.base}/api/v1/videos/${video.uuid}/storyboards`)).json();
    const board = boards.storyboards[0];
    assert.ok(sprite.image.includes(board.storyboardPath), JSON.stringify(sprite));
    assert.equal(sprite.index, "3");
    assert.equal(sprite.position, `-${3 * board.spriteWidth}px 0px`);
    assert.equal(sprite.width, `${board.spriteWidth}px`);
    assert.match(await page.locator("#ft-storyboard-tip").textContent(), /^0:03 · Closing scene$/);
    // The sprite image really loads.
    const loaded = await page.evaluate(
      (src) =>
        new Promise((resolve) => {
          const img = new Image();
          img.onload = () => resolve({ w: img.naturalWidth, h: img.naturalHeight });
          img.onerror = () => resolve(null);
          img.src = src;
        }),
      board.storyboardPath,
    );
    assert.deepEqual(loaded, { w: board.totalWidth, h: board.totalHeight });
    await shot(page, "storyboard-hover.png");
    // The same page at phone width: the caption menu, chapters and seek bar still fit.
    await page.setViewportSize({ width: 390, height: 844 });
    await shot(page, "watch-phone.png");
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});
