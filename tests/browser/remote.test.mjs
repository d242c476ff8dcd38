// A user's journey across two instances: on instance A, find a channel of instance B by its
// handle (`name@host` in the header's search), subscribe from its page, see B's next video
// arrive in the subscriptions feed, watch it on A, like it and comment; B sees the like and the
// comment (ActivityPub between the two, real HTTP). Pages photographed and checked with axe.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import {
  launchChromium, collectErrors, signInUI, shootAndCheck, shotsDir, startInstance, getToken,
  makeClip, resumableUpload, waitFor,
} from "./helpers.mjs";

const ROOT_PASSWORD = "browser-remote-Root-pw-1";
const FED = { FERROTUBE_ALLOW_PRIVATE_NETWORK: "true" };
let a;
let b;
let browser;
let tmp;

before(async () => {
  [a, b] = await Promise.all([
    startInstance({ rootPassword: ROOT_PASSWORD, prefix: "ft-browser-remote-a-", extraEnv: FED }),
    startInstance({ rootPassword: ROOT_PASSWORD, prefix: "ft-browser-remote-b-", extraEnv: FED, host: "127.0.0.2" }),
  ]);
  browser = await launchChromium();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "ft-remote-clip-"));
});

after(async () => {
  if (browser) await browser.close().catch(() => {});
  if (a) await a.stop();
  if (b) await b.stop();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

async function api(base, token, method, url, body) {
  const res = await fetch(`${base}${url}`, {
    method,
    headers: { ...(token ? { Authorization: `Bearer ${token}` } : {}), ...(body ? { "Content-Type": "application/json" } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${url}: HTTP ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

test("subscribe to a remote channel by its handle, watch its new video, like and comment", async () => {
  const dir = shotsDir("remote");
  const bHost = new URL(b.base).host;
  const handle = `root_channel@${bHost}`;
  const rootA = await getToken(a.base, "root", ROOT_PASSWORD);
  await api(a.base, rootA, "POST", "/api/v1/users", { username: "carol", password: "carol-password-1", email: "carol@example.org", role: 2, videoQuota: -1, videoQuotaDaily: -1 });
  const rootB = await getToken(b.base, "root", ROOT_PASSWORD);
  const meB = await api(b.base, rootB, "GET", "/api/v1/users/me");

  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = collectErrors(page);
  try {
    await signInUI(page, a.base, "carol", "carol-password-1");
    // The header's search resolves the handle on B and links to the channel's page here.
    await page.fill("#ft-search-input", handle);
    await Promise.all([page.waitForURL(/\/search\?/), page.press("#ft-search-input", "Enter")]);
    const found = page.locator("#ft-search-resolved a");
    await found.waitFor();
    await shootAndCheck(page, dir, "search-remote-handle");
    await Promise.all([page.waitForURL((u) => u.pathname.startsWith("/c/")), found.click()]);
    assert.equal(decodeURIComponent(new URL(page.url()).pathname), `/c/${handle}`);
    const btn = page.locator("#ft-subscribe");
    await waitFor(async () => (await btn.getAttribute("aria-pressed")) === "false", { what: "subscription state" });
    await btn.click();
    await waitFor(async () => (await btn.getAttribute("aria-pressed")) === "true", { what: "subscribed" });
    await shootAndCheck(page, dir, "remote-channel-subscribed");
    // B accepts the follow: its channel has one follower.
    await waitFor(
      async () => (await api(b.base, null, "GET", "/api/v1/video-channels/root_channel")).followersCount === 1,
      { what: "B's channel followed from A" },
    );

    // B publishes a video: it reaches carol's subscriptions feed on A.
    const clip = fs.readFileSync(await makeClip(path.join(tmp, "clip.mp4"), 2));
    const v = await resumableUpload(b.base, rootB, clip, { name: "News from B", channelId: meB.videoChannels[0].id, privacy: 1, filename: "clip.mp4" });
    await waitFor(async () => (await api(b.base, null, "GET", `/api/v1/videos/${v.uuid}`)).state?.id === 1, { timeoutMs: 60000, what: "published on B" });
    await waitFor(
      async () => {
        await page.goto(`${a.base}/videos/subscriptions`, { waitUntil: "load" });
        return (await page.locator(".ft-card-title", { hasText: "News from B" }).count()) === 1;
      },
      { timeoutMs: 30000, intervalMs: 1000, what: "B's video in the feed on A" },
    );
    await shootAndCheck(page, dir, "feed-with-remote-video");

    // Watched on A: its origin is named; a like and a comment reach B.
    await Promise.all([page.waitForURL(/\/w\//), page.locator(".ft-card-title", { hasText: "News from B" }).click()]);
    assert.match(await page.locator("#ft-video-origin").textContent(), new RegExp(bHost.replace(/\./g, "\\.")));
    // The channel is known as the one carol follows, and its link leads to its page here.
    await waitFor(async () => (await page.getAttribute("#ft-subscribe", "aria-pressed")) === "true", { what: "subscribed state on the watch page" });
    assert.equal(decodeURIComponent(await page.getAttribute("#ft-video-channel", "href")), `/c/${handle}`);
    await page.click("#ft-like");
    await waitFor(async () => (await page.getAttribute("#ft-like", "aria-pressed")) === "true", { what: "liked" });
    await page.fill("#ft-comment-text", "Hello from instance A");
    await page.click("#ft-comment-new button[type=submit]");
    await page.locator("#ft-comment-list > li.ft-comment", { hasText: "Hello from instance A" }).waitFor();
    await shootAndCheck(page, dir, "remote-video-commented");
    await waitFor(
      async () => {
        const [video, threads] = await Promise.all([
          api(b.base, null, "GET", `/api/v1/videos/${v.uuid}`),
          api(b.base, null, "GET", `/api/v1/videos/${v.uuid}/comment-threads`),
        ]);
        return video.likes === 1 && threads.data.some((c) => c.text === "Hello from instance A" && c.account.host === new URL(a.base).host);
      },
      { what: "the like and the comment on B" },
    );
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});
