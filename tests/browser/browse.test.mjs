// Browsing journeys: a visitor goes from the discover page to trending, to a category list with a
// filter (no script needed: a GET form and page links), searches by text and by a channel handle,
// opens the channel page and its owner's account, reads the about page (in French too); signed
// in, the channel page's button subscribes and unsubscribes (PeerTube's subscriptions API).
// shootAndCheck (phone + desktop, axe) on every page of the area.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import os from "node:os";
import { launchChromium, collectErrors, getToken, makeClip, resumableUpload, shootAndCheck, shotsDir, signInUI, startInstance, waitFor } from "./helpers.mjs";

const ROOT_PASSWORD = "browser-browse-Root-pw-1";
let inst;
let browser;
let tmp;

before(async () => {
  inst = await startInstance({ rootPassword: ROOT_PASSWORD, prefix: "ft-browser-browse-" });
  browser = await launchChromium();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "ft-browse-clip-"));
  const clip = fs.readFileSync(await makeClip(path.join(tmp, "clip.mp4"), 1));
  const token = await getToken(inst.base, "root", ROOT_PASSWORD);
  const me = await (await fetch(`${inst.base}/api/v1/users/me`, { headers: { Authorization: `Bearer ${token}` } })).json();
  const channelId = me.videoChannels[0].id;
  const uuids = [];
  for (const [name, category] of [["Cooking with rust", 13], ["Science of bikes", 15], ["Science of boats", 15]]) {
    const v = await resumableUpload(inst.base, token, clip, { name, channelId, privacy: 1, category, filename: "clip.mp4" });
    uuids.push(v.uuid);
  }
  for (const uuid of uuids) {
    await waitFor(async () => (await (await fetch(`${inst.base}/api/v1/videos/${uuid}`)).json()).state?.id === 1, { timeoutMs: 60000, what: `video ${uuid} published` });
  }
  const r = await fetch(`${inst.base}/api/v1/users`, {
    method: "POST",
    headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
    body: JSON.stringify({ username: "viewer", password: "viewer-password-1", email: "viewer@example.com", role: 2 }),
  });
  assert.equal(r.status, 200, await r.text());
});

after(async () => {
  if (browser) await browser.close().catch(() => {});
  if (inst) await inst.stop();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

test("a visitor browses, filters, searches and opens a channel", async () => {
  const dir = shotsDir("browse");
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = collectErrors(page);
  const base = inst.base;
  try {
    await page.goto(`${base}/`, { waitUntil: "load" });
    assert.equal(await page.locator("#ft-video-grid .ft-card").count(), 3);
    await page.locator("#ft-section-category-15").waitFor();
    await shootAndCheck(page, dir, "discover");
    await Promise.all([page.waitForURL(`${base}/videos/trending`), page.click("#ft-section-trending .ft-see-all")]);
    await shootAndCheck(page, dir, "trending");
    // A category list, then a filter (the GET form, no script involved).
    await page.goto(`${base}/`, { waitUntil: "load" });
    await Promise.all([page.waitForURL(/categoryOneOf=15/), page.click("#ft-section-category-15 .ft-see-all")]);
    assert.deepEqual((await page.locator("#ft-video-grid .ft-card-title").allTextContents()).sort(), ["Science of bikes", "Science of boats"]);
    await page.selectOption("#ft-filter-sort", "name");
    await Promise.all([page.waitForURL(/sort=name/), page.click("#ft-filter-apply")]);
    assert.deepEqual(await page.locator("#ft-video-grid .ft-card-title").allTextContents(), ["Science of bikes", "Science of boats"]);
    await shootAndCheck(page, dir, "category-filtered");
    await page.goto(`${base}/videos/local?languageOneOf=de`, { waitUntil: "load" });
    await page.locator("#ft-no-videos").waitFor();
    await shootAndCheck(page, dir, "list-empty");

    // Search from the header, then a channel handle.
    await page.fill("#ft-search-input", "bikes");
    await Promise.all([page.waitForURL(/\/search\?search=bikes/), page.press("#ft-search-input", "Enter")]);
    assert.deepEqual(await page.locator("#ft-video-grid .ft-card-title").allTextContents(), ["Science of bikes"]);
    await shootAndCheck(page, dir, "search-videos");
    await page.click("#ft-tab-channels");
    await page.waitForURL(/searchTarget=channels/);
    await shootAndCheck(page, dir, "search-channels");
    const host = new URL(base).host;
    await page.goto(`${base}/search?search=${encodeURIComponent(`root_channel@${host}`)}`, { waitUntil: "load" });
    await Promise.all([page.waitForURL(`${base}/c/root_channel`), page.click("#ft-search-resolved a")]);

    // The channel page: anonymous readers are asked to sign in to subscribe.
    assert.equal((await page.locator("#ft-actor-name").textContent()).trim(), "Main root channel");
    assert.equal(await page.locator("#ft-video-grid .ft-card").count(), 3);
    assert.ok(await page.locator("#ft-subscribe-signin").isVisible());
    await shootAndCheck(page, dir, "channel");
    await page.click("#ft-tab-playlists");
    await page.waitForURL(`${base}/c/root_channel/video-playlists`);
    await shootAndCheck(page, dir, "channel-playlists");
    await page.goto(`${base}/a/root/video-channels`, { waitUntil: "load" });
    await page.locator("#ft-actor-channels").waitFor();
    await shootAndCheck(page, dir, "account-channels");
    await page.goto(`${base}/about/instance`, { waitUntil: "load" });
    assert.equal((await page.locator("#ft-about-local-videos").textContent()).trim(), "3");
    await shootAndCheck(page, dir, "about");
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test("signed in: subscribe and unsubscribe from the channel page; French pages", async () => {
  const dir = shotsDir("browse");
  const context = await browser.newContext({ locale: "fr-FR" });
  const page = await context.newPage();
  const errors = collectErrors(page);
  const base = inst.base;
  try {
    await signInUI(page, base, "viewer", "viewer-password-1");
    await page.goto(`${base}/c/root_channel`, { waitUntil: "load" });
    const btn = page.locator("#ft-subscribe");
    await waitFor(async () => (await btn.getAttribute("aria-pressed")) === "false", { what: "subscription state" });
    assert.equal((await btn.textContent()).trim(), "S’abonner");
    await btn.click();
    await waitFor(async () => (await btn.getAttribute("aria-pressed")) === "true", { what: "subscribed" });
    const token = await getToken(base, "viewer", "viewer-password-1");
    const subs = await (await fetch(`${base}/api/v1/users/me/subscriptions`, { headers: { Authorization: `Bearer ${token}` } })).json();
    assert.equal(subs.total, 1);
    await page.reload({ waitUntil: "load" });
    await waitFor(async () => (await btn.getAttribute("aria-pressed")) === "true", { what: "state after reload" });
    await shootAndCheck(page, dir, "channel-subscribed-fr");
    await btn.click();
    await waitFor(async () => (await btn.getAttribute("aria-pressed")) === "false", { what: "unsubscribed" });
    await page.goto(`${base}/videos/recently-added`, { waitUntil: "load" });
    await shootAndCheck(page, dir, "recent-fr");
    await page.goto(`${base}/about/instance`, { waitUntil: "load" });
    assert.equal((await page.locator("h1").first().textContent()).trim().length > 0, true);
    await shootAndCheck(page, dir, "about-fr");
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test("sensitive videos: hidden, blurred or shown as the reader's NSFW policy says", async () => {
  const dir = shotsDir("browse");
  const base = inst.base;
  const root = await getToken(base, "root", ROOT_PASSWORD);
  const me = await (await fetch(`${base}/api/v1/users/me`, { headers: { Authorization: `Bearer ${root}` } })).json();
  const clip = fs.readFileSync(path.join(tmp, "clip.mp4"));
  const v = await resumableUpload(base, root, clip, { name: "A sensitive clip", channelId: me.videoChannels[0].id, privacy: 1, nsfw: true, filename: "clip.mp4" });
  await waitFor(async () => (await (await fetch(`${base}/api/v1/videos/${v.uuid}`)).json()).state?.id === 1, { timeoutMs: 60000, what: "sensitive video published" });
  const viewer = await getToken(base, "viewer", "viewer-password-1");
  const policy = (nsfwPolicy) =>
    fetch(`${base}/api/v1/users/me`, {
      method: "PUT",
      headers: { Authorization: `Bearer ${viewer}`, "Content-Type": "application/json" },
      body: JSON.stringify({ nsfwPolicy }),
    }).then((r) => assert.equal(r.status, 204));
  const titles = (page) => page.locator("#ft-video-grid .ft-card-title").allTextContents();
  const blurOf = (page) => page.$eval(".ft-card.ft-nsfw .ft-thumb img", (img) => getComputedStyle(img).filter);

  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = collectErrors(page);
  try {
    // Anonymous readers get the instance's default, do_not_list.
    await page.goto(`${base}/videos/recently-added`, { waitUntil: "load" });
    assert.ok(!(await titles(page)).includes("A sensitive clip"));

    await signInUI(page, base, "viewer", "viewer-password-1");
    await policy("blur");
    await page.goto(`${base}/videos/recently-added`, { waitUntil: "load" });
    assert.ok((await titles(page)).includes("A sensitive clip"));
    assert.equal(await page.getAttribute("body", "data-nsfw"), "blur");
    assert.match(await blurOf(page), /blur/);
    await shootAndCheck(page, dir, "nsfw-blurred");

    await policy("display");
    await page.reload({ waitUntil: "load" });
    assert.ok((await titles(page)).includes("A sensitive clip"));
    assert.equal(await blurOf(page), "none");

    await policy("do_not_list");
    await page.reload({ waitUntil: "load" });
    assert.ok(!(await titles(page)).includes("A sensitive clip"));
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});
