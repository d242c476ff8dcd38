// Shared helpers for the browser tests (not a test file itself).
import { createRequire } from "node:module";
import { spawn, execFile } from "node:child_process";
import { promisify } from "node:util";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const requireFromWeb = createRequire(path.join(REPO_ROOT, "web", "package.json"));
const execFileP = promisify(execFile);

/** playwright-core from web/node_modules (run `npm ci --prefix web`). */
export function loadPlaywright() {
  try {
    return requireFromWeb("playwright-core");
  } catch (err) {
    throw new Error(`playwright-core not found in web/node_modules: run \`npm ci --prefix web\` (${err.message})`);
  }
}

/** The server binary: FT_BIN, else cargo's debug build (honouring CARGO_TARGET_DIR). */
export const SERVER_BIN =
  process.env.FT_BIN ||
  path.join(process.env.CARGO_TARGET_DIR ? path.resolve(REPO_ROOT, process.env.CARGO_TARGET_DIR) : path.join(REPO_ROOT, "target"), "debug", "ferrotube");

export const CHROMIUM_PATH = process.env.FT_CHROMIUM || "/usr/bin/chromium";
export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  "--disable-quic",
  "--autoplay-policy=no-user-gesture-required",
];

/** Launches the system chromium headless (never downloads a browser). */
export async function launchChromium() {
  const { chromium } = loadPlaywright();
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
}

/** Collects uncaught page errors and console errors of a page. */
export function collectErrors(page, ignore = []) {
  const errors = [];
  page.on("pageerror", (err) => errors.push(`pageerror: ${err.message}`));
  page.on("console", (msg) => {
    if (msg.type() !== "error") return;
    const text = msg.text();
    if (ignore.some((re) => re.test(text))) return;
    const where = msg.location() && msg.location().url ? ` (${msg.location().url})` : "";
    if (ignore.some((re) => re.test(text + where))) return;
    errors.push(`console.error: ${text}${where}`);
  });
  return errors;
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Polls `fn` until it returns a truthy value or `timeoutMs` passes (an error with `fatal` set stops at once). */
export async function waitFor(fn, { timeoutMs = 30000, intervalMs = 250, what = "condition" } = {}) {
  const deadline = Date.now() + timeoutMs;
  let lastErr;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      if (err && err.fatal) throw err;
      lastErr = err;
    }
    await sleep(intervalMs);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastErr ? `: ${lastErr.message}` : ""}`);
}

const FFMPEG = process.env.FT_FFMPEG || "ffmpeg";
const SOURCES = (secs) => [
  "-f", "lavfi", "-i", `testsrc=duration=${secs}:size=640x360:rate=25`,
  "-f", "lavfi", "-i", `sine=frequency=440:duration=${secs}`,
];
const CODECS = ["-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "64k", "-shortest"];

/** A `secs`-second 360p mp4 (testsrc + sine, libx264/aac). */
export async function makeClip(file, secs = 6) {
  await execFileP(FFMPEG, ["-hide_banner", "-loglevel", "error", "-y", ...SOURCES(secs), ...CODECS, "-movflags", "+faststart", file]);
  return file;
}

/** A VOD HLS rendition with a master playlist `master.m3u8` in `dir`. */
export async function makeHls(dir, secs = 6) {
  await execFileP(
    FFMPEG,
    ["-hide_banner", "-loglevel", "error", "-y", ...SOURCES(secs), ...CODECS,
      "-f", "hls", "-hls_time", "2", "-hls_playlist_type", "vod", "-master_pl_name", "master.m3u8",
      path.join(dir, "360.m3u8")],
  );
  return path.join(dir, "master.m3u8");
}

/** A JPEG still (thumbnails in the page smoke test). */
export async function makeJpeg(file) {
  await execFileP(FFMPEG, ["-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i", "testsrc=size=320x180", "-frames:v", "1", file]);
  return file;
}

/** Gets an OAuth token with the password grant, like PeerTube clients do. */
export async function getToken(base, username, password) {
  const client = await (await fetch(`${base}/api/v1/oauth-clients/local`)).json();
  const form = new URLSearchParams({
    client_id: client.client_id,
    client_secret: client.client_secret,
    grant_type: "password",
    response_type: "code",
    username,
    password,
  });
  const res = await fetch(`${base}/api/v1/users/token`, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: form,
  });
  const body = await res.json();
  if (!res.ok) throw new Error(`token: HTTP ${res.status} ${JSON.stringify(body)}`);
  return body.access_token;
}

/**
 * Uploads `data` (a Buffer) with PeerTube's resumable protocol.
 * Returns the final `video` object ({id, uuid, shortUUID}).
 */
export async function resumableUpload(base, token, data, meta, { chunkSize = 1024 * 1024, mime = "video/mp4" } = {}) {
  const auth = { Authorization: `Bearer ${token}` };
  const init = await fetch(`${base}/api/v1/videos/upload-resumable`, {
    method: "POST",
    headers: {
      ...auth,
      "Content-Type": "application/json",
      "X-Upload-Content-Length": String(data.length),
      "X-Upload-Content-Type": mime,
    },
    body: JSON.stringify(meta),
  });
  if (init.status !== 201) throw new Error(`upload init: HTTP ${init.status} ${await init.text()}`);
  const location = init.headers.get("location");
  if (!location) throw new Error("upload init: no Location header");
  const url = new URL(location, base).toString();
  let offset = 0;
  for (;;) {
    const end = Math.min(offset + chunkSize, data.length) - 1;
    const res = await fetch(url, {
      method: "PUT",
      headers: { ...auth, "Content-Range": `bytes ${offset}-${end}/${data.length}`, "Content-Type": "application/octet-stream" },
      body: data.subarray(offset, end + 1),
      redirect: "manual",
    });
    if (res.status === 308) {
      const m = /bytes=(\d+)-(\d+)/.exec(res.headers.get("range") || "");
      const next = m ? Number(m[2]) + 1 : end + 1;
      if (next <= offset) throw new Error(`upload: server did not advance (Range ${res.headers.get("range")})`);
      offset = next;
      await res.arrayBuffer();
      continue;
    }
    const text = await res.text();
    if (res.status !== 200 && res.status !== 201) throw new Error(`upload chunk: HTTP ${res.status} ${text}`);
    return JSON.parse(text).video;
  }
}

/** Starts `bin serve` with the Ferrotube env; returns {proc, base, logs}. */
export function startServer(bin, { port, dataDir, rootPassword, extraEnv = {}, host = "127.0.0.1" }) {
  const logs = [];
  const proc = spawn(bin, ["serve"], {
    env: {
      ...process.env,
      FERROTUBE_LISTEN: `${host}:${port}`,
      FERROTUBE_PUBLIC_URL: `http://${host}:${port}`,
      FERROTUBE_DATA_DIR: dataDir,
      FERROTUBE_INITIAL_ROOT_PASSWORD: rootPassword,
      ...extraEnv,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const keep = (chunk) => {
    logs.push(chunk.toString());
    if (logs.length > 400) logs.splice(0, logs.length - 400);
  };
  proc.stdout.on("data", keep);
  proc.stderr.on("data", keep);
  return { proc, base: `http://${host}:${port}`, logs };
}

/** Stops a child process: SIGTERM, then SIGKILL after `graceMs`. */
export async function stopProcess(proc, graceMs = 5000) {
  if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise((r) => proc.once("exit", r));
  proc.kill("SIGTERM");
  const timer = setTimeout(() => proc.kill("SIGKILL"), graceMs);
  await exited;
  clearTimeout(timer);
}

// ------------------------------------------------------------------ pages: session, a11y, shots

/** Signs in through the sign-in form, as a person does (the server sets the session cookie). */
export async function signInUI(page, base, username, password) {
  await page.goto(`${base}/login`, { waitUntil: "load" });
  await page.fill("#ft-login-username", username);
  await page.fill("#ft-login-password", password);
  await Promise.all([page.waitForURL((u) => !u.pathname.startsWith("/login")), page.click("#ft-login-submit")]);
}

const AXE_SOURCE = fs.readFileSync(path.join(REPO_ROOT, "web/node_modules/axe-core/axe.min.js"), "utf8");

/**
 * Runs axe-core (WCAG 2 A/AA rules) on the page as it is now and fails on any serious or
 * critical violation, naming the rule and the elements.
 */
export async function checkA11y(page, what = page.url()) {
  await page.evaluate(AXE_SOURCE);
  const result = await page.evaluate(() =>
    window.axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] } }),
  );
  const bad = result.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  if (bad.length > 0) {
    const lines = bad.map((v) => `${v.impact} ${v.id}: ${v.help}\n    ${v.nodes.slice(0, 5).map((n) => n.target.join(" ")).join("\n    ")}`);
    throw new Error(`axe: ${bad.length} serious/critical violation(s) on ${what}\n  ${lines.join("\n  ")}`);
  }
  return result.violations.length;
}

/** Phone and desktop widths the journeys are photographed at. */
export const VIEWPORTS = { phone: { width: 390, height: 844 }, desktop: { width: 1366, height: 900 } };

/** The folder a test writes its screenshots to: $FT_SHOTS_DIR/<test>, or target/browser-shots/<test>. */
export function shotsDir(testName) {
  const root = process.env.FT_SHOTS_DIR || path.join(REPO_ROOT, "target", "browser-shots");
  const dir = path.join(root, testName);
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

/**
 * Takes the page at phone and desktop widths (full page), runs axe at each, and puts the
 * viewport back. `dir` from shotsDir().
 */
export async function shootAndCheck(page, dir, name) {
  const before = page.viewportSize();
  for (const [label, size] of Object.entries(VIEWPORTS)) {
    await page.setViewportSize(size);
    // From the top: a full-page shot of a scrolled page draws the sticky header mid-page.
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.waitForTimeout(50);
    await page.screenshot({ path: path.join(dir, `${name}-${label}.png`), fullPage: true });
    await checkA11y(page, `${name} (${label})`);
  }
  if (before) await page.setViewportSize(before);
}

/**
 * Starts a real `ferrotube serve` (SQLite, local files) in a fresh temp folder and waits until
 * it answers. Returns { base, server, tmp, logs(), stop() }.
 */
export async function startInstance({ rootPassword, extraEnv = {}, host = "127.0.0.1", prefix = "ft-browser-" } = {}) {
  if (!fs.existsSync(SERVER_BIN)) throw new Error(`server binary ${SERVER_BIN} not found: build it (cargo build -p ferrotube) or set FT_BIN`);
  const os = await import("node:os");
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const dataDir = path.join(tmp, "data");
  fs.mkdirSync(dataDir);
  const port = await freePort();
  const server = startServer(SERVER_BIN, { port, dataDir, rootPassword, extraEnv, host });
  process.once("exit", () => {
    if (server.proc.exitCode === null) server.proc.kill("SIGKILL");
  });
  const logs = () => server.logs.join("").slice(-8000);
  await waitFor(
    async () => {
      if (server.proc.exitCode !== null) throw Object.assign(new Error("exited"), { fatal: true });
      const res = await fetch(`${server.base}/api/v1/config`);
      await res.arrayBuffer();
      return res.status === 200;
    },
    { timeoutMs: 60000, what: "GET /api/v1/config == 200" },
  ).catch((err) => {
    throw new Error(`server did not start: ${err.message}\n--- server log ---\n${logs()}`);
  });
  return {
    base: server.base,
    server,
    tmp,
    logs,
    stop: async () => {
      await stopProcess(server.proc);
      fs.rmSync(tmp, { recursive: true, force: true });
    },
  };
}
