// Smoke test of the ferrotube-web pages and client script in chromium, without
// the real server: the pages rendered by `cargo run -p ferrotube-web --example
// dump_pages` are served by a tiny node server that also mocks the few API
// endpoints the script calls (OAuth, users/me, resumable upload, video polling).
//
// Run: node --test tests/browser/
// Env: FT_WEB_PAGES_DIR=<dir> to use pages already dumped (skips cargo).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { REPO_ROOT, launchChromium, collectErrors, makeHls, makeJpeg, waitFor } from "./helpers.mjs";

const TOKEN = "mock-access-token";
const PASSWORD = "correct horse";

let tmp;
let pagesDir;
let server;
let base;
let browser;
const state = { uploads: new Map(), views: [], processingPolls: 0, failNextChunkOnce: true, received: null, hlsAuthed: 0 };

function dumpPages(dir) {
  execFileSync("cargo", ["run", "--quiet", "-p", "ferrotube-web", "--example", "dump_pages", "--", dir], {
    cwd: REPO_ROOT,
    stdio: ["ignore", "inherit", "inherit"],
  });
}

function send(res, status, body, headers = {}) {
  const isJson = body !== undefined && typeof body === "object" && !Buffer.isBuffer(body);
  const payload = body === undefined ? "" : isJson ? JSON.stringify(body) : body;
  res.writeHead(status, {
    ...(isJson ? { "Content-Type": headers["Content-Type"] || "application/json; charset=utf-8" } : {}),
    ...headers,
  });
  res.end(payload);
}

function problem(res, status, detail) {
  send(res, status, { detail, error: detail, status }, { "Content-Type": "application/problem+json; charset=utf-8" });
}

const TYPES = { ".html": "text/html; charset=utf-8", ".js": "text/javascript", ".css": "text/css", ".m3u8": "application/vnd.apple.mpegurl", ".ts": "video/mp2t", ".jpg": "image/jpeg" };

function sendFile(res, file) {
  if (!fs.existsSync(file)) return problem(res, 404, "not found");
  send(res, 200, fs.readFileSync(file), { "Content-Type": TYPES[path.extname(file)] || "application/octet-stream" });
}

function readBody(req) {
  return new Promise((resolve) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks)));
  });
}

function videoJson(uuid, published) {
  return {
    id: 1,
    uuid,
    shortUUID: uuid.replace("uuid-", ""),
    name: `Video ${uuid}`,
    description: "Fetched description",
    views: 5,
    channel: { name: "root_channel", displayName: "Main root channel" },
    state: published ? { id: 1, label: "Published" } : { id: 2, label: "To transcode" },
    streamingPlaylists: published ? [{ playlistUrl: `${base}/static/streaming-playlists/hls/master.m3u8` }] : [],
  };
}

async function handle(req, res) {
  const url = new URL(req.url, base);
  const p = url.pathname;
  const authed = req.headers.authorization === `Bearer ${TOKEN}`;
  const pages = {
    "/": "home.html",
    "/empty": "home-empty.html",
    "/login": "login.html",
    "/videos/upload": "upload.html",
    "/w/published": "watch-published.html",
    "/w/processing": "watch-processing.html",
    "/w/private": "watch-shell.html",
    "/404": "not-found.html",
  };
  if (req.method === "GET" && pages[p]) return sendFile(res, path.join(pagesDir, pages[p]));
  if (p.startsWith("/client/")) return sendFile(res, path.join(pagesDir, "client", path.basename(p)));
  if (p.startsWith("/static/streaming-playlists/hls/") && authed) state.hlsAuthed += 1;
  if (p.startsWith("/static/streaming-playlists/hls/")) return sendFile(res, path.join(tmp, "hls", path.basename(p)));
  if (p.startsWith("/lazy-static/")) return sendFile(res, path.join(tmp, "still.jpg"));

  if (p === "/api/v1/users/revoke-token" && req.method === "POST") return send(res, authed ? 200 : 401, {});
  if (p === "/api/v1/oauth-clients/local") return send(res, 200, { client_id: "cid", client_secret: "csecret" });
  if (p === "/api/v1/users/token" && req.method === "POST") {
    const form = new URLSearchParams((await readBody(req)).toString());
    if (form.get("client_id") !== "cid" || form.get("client_secret") !== "csecret") return problem(res, 400, "Invalid client: client is invalid");
    if (form.get("grant_type") !== "password" || form.get("username") !== "root" || form.get("password") !== PASSWORD) {
      return problem(res, 400, "Invalid grant: user credentials are invalid");
    }
    return send(res, 200, { access_token: TOKEN, refresh_token: "r", token_type: "Bearer", expires_in: 86400 });
  }
  if (p === "/api/v1/users/me") {
    if (!authed) return problem(res, 401, "Token is invalid");
    return send(res, 200, { id: 1, username: "root", videoChannels: [{ id: 3, name: "root_channel", displayName: "Main root channel" }] });
  }
  if (p === "/api/v1/videos/upload-resumable" && req.method === "POST") {
    if (!authed) return problem(res, 401, "Token is invalid");
    const meta = JSON.parse((await readBody(req)).toString());
    const total = Number(req.headers["x-upload-content-length"]);
    if (!meta.name || !meta.channelId || !meta.filename || !Number.isFinite(total)) return problem(res, 400, "bad params");
    const id = `up${state.uploads.size + 1}`;
    state.uploads.set(id, { meta, total, data: Buffer.alloc(0) });
    return send(res, 201, undefined, { Location: `//${url.host}/api/v1/videos/upload-resumable?upload_id=${id}`, "Content-Length": "0" });
  }
  if (p === "/api/v1/videos/upload-resumable" && req.method === "PUT") {
    const up = state.uploads.get(url.searchParams.get("upload_id"));
    const body = await readBody(req);
    if (!up) return problem(res, 404, "upload not found");
    const range = req.headers["content-range"] || "";
    const rangeHeader = () => (up.data.length > 0 ? { Range: `bytes=0-${up.data.length - 1}` } : {});
    if (range === `bytes */${up.total}`) return send(res, 308, undefined, { ...rangeHeader(), "Content-Length": "0" });
    const m = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(range);
    if (!m || Number(m[1]) !== up.data.length || Number(m[2]) - Number(m[1]) + 1 !== body.length) {
      return problem(res, 400, `bad Content-Range ${range} (have ${up.data.length})`);
    }
    if (Number(m[1]) > 0 && state.failNextChunkOnce) {
      // Simulate a lost chunk: the client must ask where to resume.
      state.failNextChunkOnce = false;
      return problem(res, 503, "temporarily unavailable");
    }
    up.data = Buffer.concat([up.data, body]);
    if (up.data.length < up.total) return send(res, 308, undefined, { ...rangeHeader(), "Content-Length": "0" });
    state.received = up;
    return send(res, 200, { video: { id: 9, uuid: "uuid-uploaded", shortUUID: "uploadedShort" } });
  }
  // The player of a signed-in viewer reports progress (PUT /watching), as on the real API.
  if (/^\/api\/v1\/videos\/[^/]+\/watching$/.test(p) && req.method === "PUT") {
    await readBody(req);
    return send(res, authed ? 204 : 401, authed ? undefined : {});
  }
  // The watch page's captions, chapters and storyboard: none here (tests/browser/captions.test.mjs
  // covers them against the real server).
  const extras = /^\/api\/v1\/videos\/([^/]+)\/(captions|chapters|storyboards)$/.exec(p);
  if (extras) {
    const uuid = decodeURIComponent(extras[1]);
    if (uuid === "uuid-private" && !authed) return problem(res, 401, "Token is invalid");
    if (!["uuid-published", "uuid-processing", "uuid-private"].includes(uuid)) return problem(res, 404, "Video not found");
    if (extras[2] === "captions") return send(res, 200, { total: 0, data: [] });
    return send(res, 200, { [extras[2]]: [] });
  }
  const vm = /^\/api\/v1\/videos\/([^/]+)(\/views)?$/.exec(p);
  if (vm) {
    const uuid = decodeURIComponent(vm[1]);
    if (vm[2] && req.method === "POST") {
      state.views.push({ uuid, body: JSON.parse((await readBody(req)).toString() || "{}") });
      return send(res, 204);
    }
    if (uuid === "uuid-processing") {
      state.processingPolls += 1;
      return send(res, 200, videoJson(uuid, state.processingPolls >= 3));
    }
    if (uuid === "uuid-private") {
      if (!authed) return problem(res, 401, "Token is invalid");
      return send(res, 200, videoJson(uuid, true));
    }
    if (uuid === "uuid-published") return send(res, 200, videoJson(uuid, true));
    return problem(res, 404, "Video not found");
  }
  return problem(res, 404, "not found");
}

before(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "ft-pages-"));
  pagesDir = process.env.FT_WEB_PAGES_DIR || path.join(tmp, "pages");
  if (!process.env.FT_WEB_PAGES_DIR) dumpPages(pagesDir);
  fs.mkdirSync(path.join(tmp, "hls"));
  await makeHls(path.join(tmp, "hls"), 6);
  await makeJpeg(path.join(tmp, "still.jpg"));
  server = http.createServer((req, res) => {
    handle(req, res).catch((err) => {
      res.writeHead(500);
      res.end(String(err));
    });
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${server.address().port}`;
  browser = await launchChromium();
});

after(async () => {
  if (browser) await browser.close().catch(() => {});
  if (server) await new Promise((r) => server.close(r));
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

async function newPage(ignore = []) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = collectErrors(page, ignore);
  return { context, page, errors };
}

async function signIn(context) {
  await context.addInitScript((token) => {
    window.localStorage.setItem("ferrotube.access_token", token);
    window.localStorage.setItem("ferrotube.username", "root");
  }, TOKEN);
}

test("static pages load without JS errors and escape user text", async () => {
  const { context, page, errors } = await newPage();
  try {
    for (const p of ["/", "/empty", "/login", "/videos/upload", "/404"]) {
      await page.goto(base + p, { waitUntil: "load" });
      await page.waitForTimeout(200);
    }
    await page.goto(base + "/", { waitUntil: "load" });
    const titles = await page.locator(".ft-card-title").allTextContents();
    assert.equal(titles[0], "A published <script>alert(1)</script> video");
    assert.deepEqual(await page.locator(".ft-duration").allTextContents(), ["0:06", "1:02:05"]);
    assert.equal(await page.locator(".ft-card-title").first().getAttribute("href"), "/w/published");
    assert.equal(await page.locator("#ft-nav-login").isVisible(), true);
    // Images really load (thumbnail path served).
    await waitFor(() => page.evaluate(() => [...document.images].every((i) => i.complete && i.naturalWidth > 0)), { what: "thumbnails" });
    // Signed-out upload page asks to sign in.
    await page.goto(base + "/videos/upload", { waitUntil: "load" });
    assert.equal(await page.locator("#ft-upload-signin").isVisible(), true);
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

for (const forceHlsJs of [false, true]) {
  test(`watch page plays HLS (${forceHlsJs ? "hls.js forced" : "native if supported"}) and registers a view`, async () => {
    const { context, page, errors } = await newPage();
    try {
      if (forceHlsJs) {
        // Hide native HLS support so the hls.js (MSE) path is exercised.
        await context.addInitScript(() => {
          const orig = HTMLMediaElement.prototype.canPlayType;
          HTMLMediaElement.prototype.canPlayType = function (type) {
            return /mpegurl/i.test(type) ? "" : orig.call(this, type);
          };
        });
      }
      state.views.length = 0;
      await page.goto(base + "/w/published", { waitUntil: "load" });
      assert.equal(await page.locator("#ft-video-title").textContent(), "Video published <b>not bold</b>");
      await page.evaluate(() => {
        const v = document.getElementById("ft-video");
        v.muted = true;
        return v.play().catch(() => {});
      });
      await waitFor(() => page.evaluate(() => document.getElementById("ft-video").currentTime > 1.0), { what: "playback" });
      const player = await page.locator("#ft-video").getAttribute("data-player");
      if (forceHlsJs) assert.equal(player, "hls.js");
      else assert.ok(player === "hls.js" || player === "native", player);
      await waitFor(() => state.views.length === 1, { what: "view POST" });
      assert.equal(state.views[0].uuid, "uuid-published");
      assert.equal(typeof state.views[0].body.currentTime, "number");
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
    }
  });
}

test("processing watch page polls until published then plays", async () => {
  const { context, page, errors } = await newPage();
  try {
    state.processingPolls = 0;
    await page.goto(base + "/w/processing", { waitUntil: "load" });
    assert.match(await page.locator("#ft-player-status").textContent(), /being processed/);
    await waitFor(() => page.evaluate(() => document.getElementById("ft-video").dataset.ready === "true"), { what: "player start" });
    assert.ok(state.processingPolls >= 3);
    await page.evaluate(() => {
      const v = document.getElementById("ft-video");
      v.muted = true;
      return v.play().catch(() => {});
    });
    await waitFor(() => page.evaluate(() => document.getElementById("ft-video").currentTime > 1.0), { what: "playback" });
    assert.equal(await page.locator("#ft-player-status").isVisible(), false);
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test("watch shell: anonymous gets a sign-in message, signed-in plays", async () => {
  const anon = await newPage([/401/]);
  try {
    await anon.page.goto(base + "/w/private", { waitUntil: "load" });
    await waitFor(async () => /Sign in/.test((await anon.page.locator("#ft-player-status").textContent()) || ""), { what: "private message" });
    assert.deepEqual(anon.errors, []);
  } finally {
    await anon.context.close();
  }
  const { context, page, errors } = await newPage();
  try {
    await signIn(context);
    await page.goto(base + "/w/private", { waitUntil: "load" });
    await waitFor(() => page.evaluate(() => document.getElementById("ft-video").dataset.ready === "true"), { what: "player start" });
    assert.equal(await page.locator("#ft-video-title").textContent(), "Video uuid-private");
    assert.equal(await page.locator("#ft-video").getAttribute("data-player"), "hls.js");
    assert.equal(await page.locator("#ft-video-views").textContent(), "5 views");
    await page.evaluate(() => {
      const v = document.getElementById("ft-video");
      v.muted = true;
      return v.play().catch(() => {});
    });
    await waitFor(() => page.evaluate(() => document.getElementById("ft-video").currentTime > 1.0), { what: "playback" });
    assert.equal(await page.locator("#ft-nav-user").textContent(), "root");
    assert.ok(state.hlsAuthed > 0, "hls.js sent the bearer token with segment requests");
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test("login UI shows problem+json errors, stores the token and redirects", async () => {
  const { context, page, errors } = await newPage([/400/]);
  try {
    await page.goto(base + "/login", { waitUntil: "load" });
    await page.fill("#ft-login-username", "root");
    await page.fill("#ft-login-password", "wrong");
    await page.click("#ft-login-submit");
    await page.locator("#ft-login-error").waitFor({ state: "visible" });
    assert.equal(await page.locator("#ft-login-error").textContent(), "Invalid grant: user credentials are invalid");
    await page.fill("#ft-login-password", PASSWORD);
    await Promise.all([page.waitForURL(base + "/"), page.click("#ft-login-submit")]);
    assert.equal(await page.evaluate(() => localStorage.getItem("ferrotube.access_token")), TOKEN);
    await page.locator("#ft-nav-user").waitFor({ state: "visible" });
    assert.equal(await page.locator("#ft-nav-user").textContent(), "root");
    // Sign out clears the token.
    // Already on "/", so waitForURL would resolve at once: wait for the reload that the sign out makes.
    await Promise.all([page.waitForEvent("load"), page.click("#ft-nav-logout")]);
    assert.equal(await page.evaluate(() => localStorage.getItem("ferrotube.access_token")), null);
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test("upload UI: resumable chunks with a retried chunk, progress to 100% and watch link", async () => {
  const { context, page, errors } = await newPage([/503/]);
  try {
    await signIn(context);
    state.failNextChunkOnce = true;
    state.received = null;
    const data = randomBytes(9 * 1024 * 1024 + 123);
    const file = path.join(tmp, "upload.mp4");
    fs.writeFileSync(file, data);
    await page.goto(base + "/videos/upload", { waitUntil: "load" });
    await page.locator("#ft-upload-channel option").first().waitFor({ state: "attached" });
    assert.equal(await page.locator("#ft-upload-channel").inputValue(), "3");
    await page.setInputFiles("#ft-upload-file", file);
    assert.equal(await page.locator("#ft-upload-name").inputValue(), "upload");
    await page.fill("#ft-upload-name", "My upload");
    await page.selectOption("#ft-upload-privacy", "2");
    await page.click("#ft-upload-submit");
    await page.locator("#ft-upload-done").waitFor({ state: "visible", timeout: 30000 });
    assert.equal(await page.locator("#ft-upload-percent").textContent(), "100%");
    assert.equal(await page.locator("#ft-upload-bar").evaluate((el) => el.value), 100);
    assert.equal(await page.locator("#ft-upload-watch-link").getAttribute("href"), "/w/uploadedShort");
    assert.ok(state.received, "server got the whole file");
    assert.ok(state.received.data.equals(data), "uploaded bytes match");
    assert.equal(state.received.meta.name, "My upload");
    assert.equal(state.received.meta.privacy, 2);
    assert.equal(state.received.meta.channelId, 3);
    assert.equal(state.received.meta.filename, "upload.mp4");
    assert.equal(state.failNextChunkOnce, false, "a chunk failure was injected and recovered from");
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});
