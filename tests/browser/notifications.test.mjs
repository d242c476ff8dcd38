// The notification bell: a signed-in page shows the unread count and a dropdown list, and a new
// notification arrives on the open page through the server-sent event stream, without a reload
// or any polling; "Mark all as read" clears the count on the server too.
//
// Run (from the repository root, after `cargo build -p ferrotube` and `npm ci --prefix web`):
//   node --test tests/browser/notifications.test.mjs
// FT_SCREENSHOTS=<dir> keeps a screenshot of the open dropdown.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { SERVER_BIN, launchChromium, collectErrors, freePort, waitFor, getToken, startServer, stopProcess } from "./helpers.mjs";

const ROOT_PASSWORD = "browser-bell-Root-pw-1";

let tmp;
let server;
let base;
let browser;
let rootToken;

function serverLogs() {
  return server ? server.logs.join("").slice(-6000) : "";
}

before(async () => {
  if (!fs.existsSync(SERVER_BIN)) throw new Error(`server binary ${SERVER_BIN} not found: build it (cargo build -p ferrotube) or set FT_BIN`);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "ft-browser-bell-"));
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
  rootToken = await getToken(base, "root", ROOT_PASSWORD);
  const created = await fetch(`${base}/api/v1/users`, {
    method: "POST",
    headers: { Authorization: `Bearer ${rootToken}`, "Content-Type": "application/json" },
    body: JSON.stringify({ username: "bob", password: "bob-password", email: "bob@example.com", role: 2 }),
  });
  assert.equal(created.status, 200, await created.text());
  browser = await launchChromium();
});

after(async () => {
  if (browser) await browser.close().catch(() => {});
  if (server) await stopProcess(server.proc);
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

test("a new notification reaches the open page's bell live", async () => {
  const page = await browser.newPage({ viewport: { width: 1100, height: 700 } });
  const errors = collectErrors(page);
  // Sign in through the login form, as a person would.
  await page.goto(`${base}/login`);
  await page.fill("#ft-login-username", "root");
  await page.fill("#ft-login-password", ROOT_PASSWORD);
  await page.click("#ft-login-submit");
  await page.waitForURL(`${base}/`);
  await page.waitForSelector("#ft-bell:not([hidden])");
  assert.equal(await page.isHidden("#ft-bell-count"), true, "no unread notification yet");
  // Wait until the stream is open (its hello sets the count), so the next one is pushed.
  await waitFor(() => page.evaluate(() => document.getElementById("ft-bell").dataset.unread === "0"), {
    what: "the stream's hello",
  });

  // bob subscribes to root's channel (another client): root's open page hears of it.
  const bob = await getToken(base, "bob", "bob-password");
  const sub = await fetch(`${base}/api/v1/users/me/subscriptions`, {
    method: "POST",
    headers: { Authorization: `Bearer ${bob}`, "Content-Type": "application/json" },
    body: JSON.stringify({ uri: "root_channel" }),
  });
  assert.equal(sub.status, 204);
  await page.waitForSelector("#ft-bell-count:not([hidden])", { timeout: 30000 });
  assert.equal((await page.textContent("#ft-bell-count")).trim(), "1");

  await page.click("#ft-bell-button");
  await page.waitForSelector("#ft-bell-panel:not([hidden])");
  const items = await page.$$eval("#ft-bell-items li", (lis) => lis.map((li) => ({ text: li.textContent, unread: li.classList.contains("ft-unread") })));
  assert.equal(items.length, 1, JSON.stringify(items));
  assert.match(items[0].text, /bob follows Main root channel/);
  assert.equal(items[0].unread, true);
  const shots = process.env.FT_SCREENSHOTS;
  if (shots) {
    fs.mkdirSync(shots, { recursive: true });
    await page.screenshot({ path: path.join(shots, "notifications-bell.png") });
  }

  await page.click("#ft-bell-readall");
  await page.waitForSelector("#ft-bell-count", { state: "hidden" });
  const unread = await (
    await fetch(`${base}/api/v1/users/me/notifications?unread=true`, { headers: { Authorization: `Bearer ${rootToken}` } })
  ).json();
  assert.equal(unread.total, 0, JSON.stringify(unread));
  assert.deepEqual(errors, []);
  await page.close();
});

test("the pages of mailed links post their secret and show the server's answer", async () => {
  const page = await browser.newPage({ viewport: { width: 1100, height: 700 } });
  // A refused secret is the server's 403, shown as such (the mail tests in
  // crates/ferrotube/tests/instance/notifications.rs follow valid links end to end).
  const errors = collectErrors(page, [/status of 403/]);
  await page.goto(`${base}/reset-password?userId=1&verificationString=not-the-secret`);
  await page.fill("#ft-reset-password", "a-new-password");
  await page.fill("#ft-reset-confirm", "another-password");
  await page.click("#ft-reset-submit");
  await page.waitForSelector("#ft-reset-error:not([hidden])");
  assert.match(await page.textContent("#ft-reset-error"), /differ/);
  await page.fill("#ft-reset-confirm", "a-new-password");
  await page.click("#ft-reset-submit");
  await waitFor(async () => /Invalid verification string/.test(await page.textContent("#ft-reset-error")), {
    what: "the server's refusal shown",
  });
  assert.equal(await page.isHidden("#ft-reset-done"), true);
  // root's password is unchanged.
  await getToken(base, "root", ROOT_PASSWORD);

  await page.goto(`${base}/verify-account/email?userId=1&verificationString=not-the-secret`);
  await page.waitForSelector("#ft-verify-error:not([hidden])");
  assert.match(await page.textContent("#ft-verify-error"), /Invalid verification string/);
  assert.deepEqual(errors, []);
  await page.close();
});
