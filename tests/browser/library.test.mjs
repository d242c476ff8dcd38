// My library, the creator's journey on a real server: sign in, upload a short clip through the
// upload page, wait in "My videos" until it is published, edit its title and privacy, create a
// channel with an avatar, create a playlist and put the video in it; then delete the video.
// Every page is photographed at phone and desktop widths and checked with axe; one in French.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { launchChromium, collectErrors, signInUI, shootAndCheck, shotsDir, startInstance, makeClip, makeJpeg, waitFor } from "./helpers.mjs";

const ROOT_PASSWORD = "browser-library-Root-pw-1";
let inst;
let browser;
let tmp;

before(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "ft-library-files-"));
  inst = await startInstance({ rootPassword: ROOT_PASSWORD, prefix: "ft-browser-library-" });
  browser = await launchChromium();
});

after(async () => {
  if (browser) await browser.close().catch(() => {});
  if (inst) await inst.stop();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

/** The API's answer, read in the page with its session. */
function api(page, p) {
  return page.evaluate((p) => window.ferrotube.apiJson(p), p);
}

test("upload, publish, edit, channel with avatar, playlist, delete", async () => {
  const dir = shotsDir("library");
  const clip = await makeClip(path.join(tmp, "clip.mp4"), 2);
  const avatar = await makeJpeg(path.join(tmp, "avatar.jpg"));
  const context = await browser.newContext();
  const page = await context.newPage();
  // The last check asks for the deleted video on purpose (404).
  const errors = collectErrors(page, [/status of 404.*\/api\/v1\/videos\//]);
  page.on("dialog", (d) => d.accept());
  try {
    // Signed out: the library sends to the sign-in form first.
    await page.goto(`${inst.base}/my-library/videos`, { waitUntil: "load" });
    assert.equal(new URL(page.url()).pathname, "/login");
    await signInUI(page, inst.base, "root", ROOT_PASSWORD);

    // My videos, empty.
    await page.goto(`${inst.base}/my-library/videos`, { waitUntil: "load" });
    await page.locator("#ft-lib-empty").waitFor();
    await shootAndCheck(page, dir, "videos-empty");

    // Upload: the channel list comes from the server.
    await page.goto(`${inst.base}/videos/upload`, { waitUntil: "load" });
    assert.ok((await page.locator("#ft-upload-channel option").count()) >= 1);
    await shootAndCheck(page, dir, "upload");
    await page.setInputFiles("#ft-upload-file", clip);
    assert.equal(await page.inputValue("#ft-upload-name"), "clip");
    await page.fill("#ft-upload-name", "Library clip");
    await page.selectOption("#ft-upload-category", "15");
    await page.selectOption("#ft-upload-licence", "1");
    await page.selectOption("#ft-upload-language", "en");
    await page.fill("#ft-upload-tags", "one, two");
    await page.fill("#ft-upload-description", "Made by the library test");
    await page.click("#ft-upload-submit");
    await page.locator("#ft-upload-done").waitFor({ state: "visible", timeout: 30000 });
    assert.equal(await page.locator("#ft-upload-percent").textContent(), "100%");
    await shootAndCheck(page, dir, "upload-done");
    const short = (await page.getAttribute("#ft-upload-watch-link", "href")).replace("/w/", "");
    const uploaded = await api(page, `/api/v1/videos/${short}`);
    assert.equal(uploaded.name, "Library clip");
    assert.equal(uploaded.category.id, 15);
    assert.equal(uploaded.language.id, "en");
    assert.deepEqual(uploaded.tags, ["one", "two"]);

    // My videos: the state goes from processing to published.
    await waitFor(
      async () => {
        await page.goto(`${inst.base}/my-library/videos`, { waitUntil: "load" });
        return (await page.locator(".ft-lib-item .ft-lib-state").first().textContent()).trim() === "Published";
      },
      { timeoutMs: 90000, intervalMs: 1000, what: "the video published in My videos" },
    );
    assert.equal((await page.locator(".ft-lib-item .ft-lib-privacy").first().textContent()).trim(), "Public");
    assert.equal((await page.locator(".ft-lib-title").first().textContent()).trim(), "Library clip");
    await shootAndCheck(page, dir, "videos");
    // Search within my videos.
    await page.fill("#ft-lib-search", "nothing like it");
    await Promise.all([page.waitForURL(/search=/), page.press("#ft-lib-search", "Enter")]);
    await page.locator("#ft-lib-empty").waitFor();
    await shootAndCheck(page, dir, "videos-no-match");

    // Edit: title and privacy.
    await page.goto(`${inst.base}/my-library/videos?search=clip`, { waitUntil: "load" });
    await Promise.all([page.waitForURL(/\/videos\/update\//), page.locator(".ft-lib-actions a").first().click()]);
    assert.equal(await page.inputValue("#ft-edit-name"), "Library clip");
    assert.equal(await page.inputValue("#ft-edit-tags"), "one, two");
    await shootAndCheck(page, dir, "edit");
    await page.fill("#ft-edit-name", "Library clip, renamed");
    await page.selectOption("#ft-edit-privacy", "2");
    await page.click("#ft-edit-submit");
    await waitFor(async () => {
      const err = await page.locator("#ft-edit-error").isVisible();
      if (err) throw Object.assign(new Error(await page.locator("#ft-edit-error").textContent()), { fatal: true });
      return (await page.locator("#ft-edit-status").textContent()) === "Saved.";
    }, { what: "the edit saved" });
    const edited = await api(page, `/api/v1/videos/${short}`);
    assert.equal(edited.name, "Library clip, renamed");
    assert.equal(edited.privacy.id, 2);
    assert.deepEqual(edited.tags, ["one", "two"]);
    await page.goto(`${inst.base}/my-library/videos`, { waitUntil: "load" });
    assert.equal((await page.locator(".ft-lib-title").first().textContent()).trim(), "Library clip, renamed");
    assert.equal((await page.locator(".ft-lib-privacy").first().textContent()).trim(), "Unlisted");

    // A channel with an avatar.
    await page.goto(`${inst.base}/my-library/video-channels`, { waitUntil: "load" });
    await shootAndCheck(page, dir, "channels");
    await page.fill("#ft-channel-name", "library_channel");
    await page.fill("#ft-channel-dn", "Library channel");
    await page.fill("#ft-channel-desc", "Where the library test puts things");
    await page.setInputFiles("#ft-channel-avatar", avatar);
    await Promise.all([page.waitForEvent("load"), page.click("#ft-channel-submit")]);
    const card = page.locator('[data-channel="library_channel"]');
    await card.waitFor();
    assert.equal(await card.locator(".ft-lib-avatar img").count(), 1);
    const channel = await api(page, "/api/v1/video-channels/library_channel");
    assert.equal(channel.displayName, "Library channel");
    assert.ok(channel.avatars.length > 0, JSON.stringify(channel.avatars));
    await card.locator("summary").click();
    await shootAndCheck(page, dir, "channels-created");

    // A playlist with the video in it.
    await page.goto(`${inst.base}/my-library/video-playlists`, { waitUntil: "load" });
    await shootAndCheck(page, dir, "playlists");
    await page.fill("#ft-playlist-name", "Library list");
    await page.selectOption("#ft-playlist-privacy", "1");
    await page.selectOption("#ft-playlist-channel", { label: "Library channel (library_channel)" });
    await Promise.all([page.waitForURL(/\/my-library\/video-playlists\/.+/), page.click("#ft-playlist-submit")]);
    await page.locator("#ft-lib-empty").waitFor();
    await shootAndCheck(page, dir, "playlist-empty");
    await page.fill("#ft-playlist-add-video", `${inst.base}/w/${short}`);
    await Promise.all([page.waitForEvent("load"), page.click("#ft-playlist-add-submit")]);
    await page.locator("#ft-lib-elements .ft-lib-title", { hasText: "Library clip, renamed" }).waitFor();
    await shootAndCheck(page, dir, "playlist");
    await page.goto(`${inst.base}/my-library/video-playlists`, { waitUntil: "load" });
    const row = page.locator(".ft-lib-item", { hasText: "Library list" });
    assert.match(await row.textContent(), /1 video/);

    // In French.
    await context.addCookies([{ name: "ft_lang", value: "fr", url: inst.base }]);
    await page.goto(`${inst.base}/my-library/videos`, { waitUntil: "load" });
    assert.equal(await page.getAttribute("html", "lang"), "fr");
    assert.equal((await page.locator(".ft-lib-state").first().textContent()).trim(), "Publiée");
    await shootAndCheck(page, dir, "videos-fr");
    await context.addCookies([{ name: "ft_lang", value: "en", url: inst.base }]);

    // Delete the video (after confirming).
    await page.goto(`${inst.base}/my-library/videos`, { waitUntil: "load" });
    await page.locator("[data-delete-video]").first().click();
    await page.locator(".ft-lib-item").waitFor({ state: "detached" });
    const gone = await page.evaluate((s) => window.ferrotube.apiFetch(`/api/v1/videos/${s}`).then((r) => r.status), short);
    assert.equal(gone, 404);
    assert.deepEqual(errors, []);
  } catch (err) {
    err.message += `\n--- server log ---\n${inst.logs()}`;
    throw err;
  } finally {
    await context.close();
  }
});

test("the upload page resends a chunk the server did not take", async () => {
  const clip = await makeClip(path.join(tmp, "retry.mp4"), 2);
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = collectErrors(page, [/503/]);
  try {
    await signInUI(page, inst.base, "root", ROOT_PASSWORD);
    // The first chunk PUT is answered 503 before it reaches the server (a proxy's hiccup); the
    // page asks again and the upload completes.
    let puts = 0;
    let refused = 0;
    await page.route(/\/api\/v1\/videos\/upload-resumable\?/, async (route) => {
      if (route.request().method() !== "PUT") return route.continue();
      puts++;
      if (refused === 0) {
        refused++;
        return route.fulfill({ status: 503, contentType: "application/problem+json", body: JSON.stringify({ status: 503, detail: "injected by the test" }) });
      }
      return route.continue();
    });
    await page.goto(`${inst.base}/videos/upload`, { waitUntil: "load" });
    await page.setInputFiles("#ft-upload-file", clip);
    await page.fill("#ft-upload-name", "Retried upload");
    await page.click("#ft-upload-submit");
    await page.locator("#ft-upload-done").waitFor({ state: "visible", timeout: 60000 });
    assert.equal(await page.locator("#ft-upload-percent").textContent(), "100%");
    assert.equal(refused, 1);
    assert.ok(puts >= 2, `the chunk was sent again (${puts} PUTs)`);
    const short = (await page.getAttribute("#ft-upload-watch-link", "href")).replace("/w/", "");
    // The server got the whole file: it transcodes it.
    await waitFor(async () => (await api(page, `/api/v1/videos/${short}`)).state.id === 1, { timeoutMs: 90000, what: "the retried upload published" });
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});
