// The watch page's journey: sign in, watch, like, comment, reply, save to a playlist, share,
// report; the anonymous render, a private video's page (anonymous: sign in first; its owner:
// the full page) and the page in French. Screenshots and axe on each.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import {
  launchChromium,
  collectErrors,
  getToken,
  makeClip,
  resumableUpload,
  shootAndCheck,
  shotsDir,
  signInUI,
  startInstance,
  waitFor,
} from "./helpers.mjs";

const ROOT_PASSWORD = "browser-watch-Root-pw-1";
let inst;
let browser;
let token;
let pub;
let priv;
let playlistId;

async function api(p, opts = {}) {
  const res = await fetch(`${inst.base}${p}`, {
    ...opts,
    headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json", ...(opts.headers || {}) },
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

async function upload(clip, meta) {
  const v = await resumableUpload(inst.base, token, fs.readFileSync(clip), { filename: "clip.mp4", ...meta });
  await waitFor(async () => (await api(`/api/v1/videos/${v.uuid}`)).body.state.id === 1, {
    timeoutMs: 120000,
    intervalMs: 500,
    what: `${meta.name} published`,
  });
  return v;
}

before(async () => {
  inst = await startInstance({ rootPassword: ROOT_PASSWORD, prefix: "ft-browser-watch-" });
  token = await getToken(inst.base, "root", ROOT_PASSWORD);
  const me = (await api("/api/v1/users/me")).body;
  const channelId = me.videoChannels[0].id;
  const clip = await makeClip(path.join(fs.mkdtempSync(path.join(inst.tmp || "/tmp", "clip-")), "clip.mp4"), 2);
  pub = await upload(clip, {
    name: "Watch journey clip",
    channelId,
    privacy: 1,
    description: "Jump to 0:01 to see it, or read https://example.org/notes.",
    tags: ["journey", "ferrotube"],
    category: 15,
    licence: 1,
    language: "en",
  });
  await upload(clip, { name: "Another clip of the channel", channelId, privacy: 1 });
  priv = await upload(clip, { name: "Secret clip", channelId, privacy: 3 });
  const pl = await api("/api/v1/video-playlists", {
    method: "POST",
    body: JSON.stringify({ displayName: "Favourites", privacy: 1, videoChannelId: channelId }),
  });
  assert.equal(pl.status, 200, JSON.stringify(pl.body));
  playlistId = pl.body.videoPlaylist.id;
  browser = await launchChromium();
});

after(async () => {
  if (browser) await browser.close().catch(() => {});
  if (inst) await inst.stop();
});

test("anonymous: the watch page reads without signing in; a private video says to sign in", async () => {
  const dir = shotsDir("watch-page");
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = collectErrors(page, [/401/]);
  try {
    await page.goto(`${inst.base}/w/${pub.shortUUID}`, { waitUntil: "load" });
    assert.equal(await page.locator("#ft-video-title").textContent(), "Watch journey clip");
    assert.equal(await page.locator('#ft-video-description a[href="?start=1"]').textContent(), "0:01");
    assert.equal(await page.locator('#ft-video-description a[href="https://example.org/notes"]').count(), 1);
    assert.deepEqual(await page.locator("#ft-video-tags a").allTextContents(), ["#journey", "#ferrotube"]);
    assert.match(await page.locator("#ft-video-details").textContent(), /Public/);
    assert.match(await page.locator("#ft-related").textContent(), /Another clip of the channel/);
    assert.equal(await page.locator("#ft-comment-login").count(), 1);
    await waitFor(() => page.evaluate(() => document.getElementById("ft-video").dataset.ready === "true"), {
      what: "player ready",
    });
    // A timestamp of the description seeks the player.
    await page.click('#ft-video-description a[href="?start=1"]');
    await waitFor(() => page.evaluate(() => document.getElementById("ft-video").currentTime >= 1), { what: "seeked to 0:01" });
    await shootAndCheck(page, dir, "watch-anonymous");

    const res = await page.goto(`${inst.base}/w/${priv.shortUUID}`, { waitUntil: "load" });
    assert.equal(res.status(), 401);
    assert.match(await page.locator("#ft-private-message").textContent(), /Sign in/);
    assert.equal(await page.locator("#ft-private-login").getAttribute("href"), `/login?next=/w/${priv.shortUUID}`);
    assert.doesNotMatch(await page.content(), /Secret clip/);
    await shootAndCheck(page, dir, "private-anonymous");
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test("signed in: like, comment, reply, save to a playlist, share, report", async () => {
  const dir = shotsDir("watch-page");
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = collectErrors(page);
  page.on("dialog", (d) => d.accept());
  try {
    await signInUI(page, inst.base, "root", ROOT_PASSWORD);
    await page.goto(`${inst.base}/w/${pub.shortUUID}`, { waitUntil: "load" });

    // Like.
    await page.click("#ft-like");
    await waitFor(async () => (await page.getAttribute("#ft-like", "aria-pressed")) === "true", { what: "liked" });
    assert.equal(await page.locator("#ft-like-count").textContent(), "1");
    assert.equal((await api(`/api/v1/users/me/videos/${pub.id}/rating`)).body.rating, "like");

    // Comment, then reply to it.
    await page.fill("#ft-comment-text", "A first comment at 0:01");
    await page.click("#ft-comment-new button[type=submit]");
    const first = page.locator("#ft-comment-list > li.ft-comment").first();
    await first.waitFor();
    assert.match(await first.textContent(), /A first comment/);
    await first.locator('button[data-act="reply"]').click();
    await first.locator(".ft-reply-form textarea").fill("A reply");
    await first.locator(".ft-reply-form button[type=submit]").click();
    await first.locator(".ft-replies li.ft-comment").waitFor();
    const threads = (await api(`/api/v1/videos/${pub.uuid}/comment-threads`)).body;
    assert.equal(threads.total, 1);
    const tree = (await api(`/api/v1/videos/${pub.uuid}/comment-threads/${threads.data[0].id}`)).body;
    assert.equal(tree.children[0].comment.text, "A reply");

    // A comment of mine can be deleted.
    await page.fill("#ft-comment-text", "To be deleted");
    await page.click("#ft-comment-new button[type=submit]");
    await waitFor(async () => (await page.locator("#ft-comment-list > li.ft-comment").count()) === 2, { what: "second comment" });
    await page.locator('#ft-comment-list > li.ft-comment').first().locator('button[data-act="delete"]').click();
    await waitFor(async () => (await api(`/api/v1/videos/${pub.uuid}/comment-threads`)).body.totalNotDeletedComments === 2, {
      what: "comment deleted",
    });

    // Save to a playlist.
    await page.click("#ft-save-open");
    await page.locator(`#ft-save-${playlistId}`).check();
    await waitFor(async () => /Added/.test(await page.locator("#ft-save-status").textContent()), { what: "added" });
    assert.equal((await api(`/api/v1/video-playlists/${playlistId}/videos`)).body.total, 1);
    await page.locator("#ft-save-dialog [data-close]").click();

    // Share: the link, with a start time, and the embed code.
    await page.click("#ft-share-open");
    assert.equal(await page.inputValue("#ft-share-url"), `${inst.base}/w/${pub.shortUUID}`);
    await page.check("#ft-share-start-on");
    await page.fill("#ft-share-start", "0:01");
    assert.equal(await page.inputValue("#ft-share-url"), `${inst.base}/w/${pub.shortUUID}?start=1`);
    assert.match(await page.inputValue("#ft-share-embed"), new RegExp(`^<iframe .*src="${inst.base}/videos/embed/${pub.uuid}\\?start=1"`));
    await page.locator("#ft-share-dialog [data-close]").click();

    // Report.
    await page.click("#ft-report-open");
    await page.locator('#ft-report-form input[value="spamOrMisleading"]').check();
    await page.fill("#ft-report-text", "This is spam");
    await shootAndCheck(page, dir, "report-dialog");
    await page.click("#ft-report-send");
    await waitFor(async () => /Thank you/.test(await page.locator("#ft-report-status").textContent()), { what: "report sent" });
    const abuses = (await api("/api/v1/abuses")).body;
    assert.equal(abuses.total, 1);
    assert.deepEqual(abuses.data[0].predefinedReasons, ["spamOrMisleading"]);
    await page.locator("#ft-report-dialog [data-close]").click();

    // The page again, server-rendered with what was done.
    await page.goto(`${inst.base}/w/${pub.shortUUID}`, { waitUntil: "load" });
    assert.equal(await page.getAttribute("#ft-like", "aria-pressed"), "true");
    assert.match(await page.locator("#ft-comments-title").textContent(), /2 comments/);
    await shootAndCheck(page, dir, "watch-signed-in");

    // Its owner reads the private video in full, server-rendered.
    await page.goto(`${inst.base}/w/${priv.shortUUID}`, { waitUntil: "load" });
    assert.equal(await page.locator("#ft-video-title").textContent(), "Secret clip");
    assert.match(await page.locator("#ft-video-privacy").textContent(), /Private/);
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test("the watch page in French", async () => {
  const dir = shotsDir("watch-page");
  const context = await browser.newContext({ locale: "fr-FR" });
  const page = await context.newPage();
  try {
    await page.goto(`${inst.base}/w/${pub.shortUUID}`, { waitUntil: "load" });
    assert.equal(await page.getAttribute("html", "lang"), "fr");
    assert.match(await page.locator("#ft-comments-title").textContent(), /commentaires/);
    assert.equal((await page.locator("#ft-share-open").textContent()).trim(), "Partager");
    await shootAndCheck(page, dir, "watch-fr");
  } finally {
    await context.close();
  }
});
