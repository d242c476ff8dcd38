// The administration pages (/admin/...): an administrator follows a second instance and sees
// the follow accepted, handles a user's report of a video (accept with a comment), creates a
// user and bans it, renames the instance and sees the new name in the header. Every page is
// photographed at phone and desktop widths and checked with axe; one in French.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import {
  launchChromium, collectErrors, signInUI, shootAndCheck, shotsDir, startInstance, getToken,
  makeClip, resumableUpload, waitFor,
} from "./helpers.mjs";

const ROOT_PASSWORD = "browser-admin-Root-pw-1";
const FED = { FERROTUBE_ALLOW_PRIVATE_NETWORK: "true" };
let a;
let b;
let browser;

before(async () => {
  [a, b] = await Promise.all([
    startInstance({ rootPassword: ROOT_PASSWORD, prefix: "ft-browser-admin-", extraEnv: FED }),
    startInstance({ rootPassword: ROOT_PASSWORD, prefix: "ft-browser-admin-b-", extraEnv: FED, host: "127.0.0.2" }),
  ]);
  browser = await launchChromium();
});

after(async () => {
  if (browser) await browser.close().catch(() => {});
  if (a) await a.stop();
  if (b) await b.stop();
});

async function api(base, token, method, url, body) {
  const res = await fetch(`${base}${url}`, {
    method,
    headers: { Authorization: `Bearer ${token}`, ...(body ? { "Content-Type": "application/json" } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${url}: HTTP ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

/** Reloads until `fn` holds (a server-side change the page shows after a reload). */
async function reloadUntil(page, fn, what) {
  await waitFor(async () => {
    await page.reload({ waitUntil: "load" });
    return fn();
  }, { timeoutMs: 30000, intervalMs: 500, what });
}

test("anonymous readers sign in first; users get the 403 page", async () => {
  const res = await fetch(`${a.base}/admin/users/list`, { redirect: "manual" });
  assert.equal(res.status, 303);
  assert.ok(res.headers.get("location").startsWith("/login?next="), res.headers.get("location"));
  const root = await getToken(a.base, "root", ROOT_PASSWORD);
  await api(a.base, root, "POST", "/api/v1/users", { username: "plain", password: "plain-user-pw-1", email: "plain@example.org", role: 2, videoQuota: -1, videoQuotaDaily: -1 });
  const context = await browser.newContext();
  const page = await context.newPage();
  try {
    await signInUI(page, a.base, "plain", "plain-user-pw-1");
    const r = await page.goto(`${a.base}/admin/users/list`, { waitUntil: "load" });
    assert.equal(r.status(), 403);
    assert.equal(await page.locator("#ft-nav-admin").count(), 0);
    await shootAndCheck(page, shotsDir("admin"), "forbidden");
  } finally {
    await context.close();
  }
});

test("an administrator's journey through the administration pages", async () => {
  const dir = shotsDir("admin");
  const root = await getToken(a.base, "root", ROOT_PASSWORD);
  // A user reports a published video.
  const clip = await makeClip(path.join(a.tmp, "clip.mp4"), 1);
  const video = await resumableUpload(a.base, root, fs.readFileSync(clip), { name: "Reported clip", channelId: 1, privacy: 1, filename: "clip.mp4" });
  await api(a.base, root, "POST", "/api/v1/users", { username: "reporter", password: "reporter-pw-123", email: "reporter@example.org", role: 2, videoQuota: -1, videoQuotaDaily: -1 });
  const reporter = await getToken(a.base, "reporter", "reporter-pw-123");
  await waitFor(async () => (await api(a.base, root, "GET", `/api/v1/videos/${video.uuid}`)).state.id === 1, { timeoutMs: 60000, what: "video published" });
  await api(a.base, reporter, "POST", "/api/v1/abuses", { video: { id: video.id }, reason: "This clip is misleading" });

  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = collectErrors(page);
  page.on("dialog", (d) => d.accept());
  try {
    await signInUI(page, a.base, "root", ROOT_PASSWORD);
    await page.goto(`${a.base}/admin`, { waitUntil: "load" });
    assert.equal(new URL(page.url()).pathname, "/admin/users/list");

    // Follow the second instance; its acceptance shows after a reload.
    const bHost = new URL(b.base).host;
    await page.goto(`${a.base}/admin/follows/following-list`, { waitUntil: "load" });
    await shootAndCheck(page, dir, "following-empty");
    await page.fill("#ft-admin-follow-1", bHost);
    await Promise.all([page.waitForEvent("load"), page.click("#ft-admin-follow button[type=submit]")]);
    const row = page.locator(`tr[data-id="${bHost}"]`);
    await reloadUntil(page, async () => (await row.count()) === 1 && (await row.locator("td").nth(1).textContent()) === "Accepted", "follow accepted");
    // The redundancy switch of that instance.
    await Promise.all([page.waitForEvent("load"), row.locator("button", { hasText: "Allow redundancy" }).click()]);
    assert.equal(await row.locator("td").nth(2).textContent(), "Yes");
    assert.equal(await page.locator("#ft-admin-status").textContent(), "Done.");
    await shootAndCheck(page, dir, "following");
    await page.goto(`${a.base}/admin/follows/followers-list`, { waitUntil: "load" });
    await shootAndCheck(page, dir, "followers");

    // The report: accept it with a moderation comment.
    await page.goto(`${a.base}/admin/moderation/abuses/list`, { waitUntil: "load" });
    const report = page.locator("tr[data-id]").first();
    assert.match(await report.textContent(), /This clip is misleading/);
    assert.match(await report.textContent(), /Reported clip/);
    await shootAndCheck(page, dir, "abuses");
    const id = await report.getAttribute("data-id");
    await report.locator("summary", { hasText: "Accept" }).click();
    await page.fill(`#ft-abuse-accept-${id}-1`, "Removed the misleading part");
    await Promise.all([page.waitForEvent("load"), page.click(`#ft-abuse-accept-${id} button[type=submit]`)]);
    const handled = page.locator(`tr[data-id="${id}"]`);
    assert.equal(await handled.locator("td").nth(3).textContent(), "Accepted");
    assert.equal(await handled.locator("td").nth(4).textContent(), "Removed the misleading part");
    const seen = await api(a.base, reporter, "GET", "/api/v1/users/me/abuses");
    assert.equal(seen.data[0].state.id, 3);
    await page.goto(`${a.base}/admin/moderation/abuses/list?state=1`, { waitUntil: "load" });
    assert.equal(await page.locator("tr[data-id]").count(), 0);

    // Users: create one, ban it.
    await page.goto(`${a.base}/admin/users/list`, { waitUntil: "load" });
    await page.locator("summary", { hasText: "Create a user" }).click();
    await page.fill("#ft-admin-create-user-1", "newbie");
    await page.fill("#ft-admin-create-user-2", "newbie@example.org");
    await page.fill("#ft-admin-create-user-3", "newbie-password-1");
    await Promise.all([page.waitForEvent("load"), page.click("#ft-admin-create-user button[type=submit]")]);
    const newbie = page.locator('tr[data-id="newbie"]');
    assert.equal(await newbie.count(), 1);
    assert.equal(await newbie.locator("td").nth(4).textContent(), "Active");
    const uid = (await api(a.base, root, "GET", "/api/v1/users?count=100")).data.find((u) => u.username === "newbie").id;
    await newbie.locator("summary", { hasText: "Ban" }).click();
    await page.fill(`#ft-ban-${uid}-1`, "spam");
    await Promise.all([page.waitForEvent("load"), page.click(`#ft-ban-${uid} button[type=submit]`)]);
    assert.equal(await page.locator('tr[data-id="newbie"] td').nth(4).textContent(), "Banned (spam)");
    await shootAndCheck(page, dir, "users");
    await page.goto(`${a.base}/admin/users/list?blocked=true`, { waitUntil: "load" });
    assert.deepEqual(await page.locator("tr[data-id]").evaluateAll((rs) => rs.map((r) => r.dataset.id)), ["newbie"]);

    // The other pages render (and pass axe) with and without rows.
    await api(a.base, root, "POST", "/api/v1/server/blocklist/servers", { host: "bad.example.org" });
    for (const [url, name] of [
      ["/admin/moderation/video-blocks/list", "video-blocks"],
      ["/admin/moderation/blocklist/accounts", "muted-accounts"],
      ["/admin/moderation/blocklist/servers", "muted-servers"],
      ["/admin/overview/comments/list", "comments"],
      ["/admin/system/jobs", "jobs"],
    ]) {
      const r = await page.goto(`${a.base}${url}`, { waitUntil: "load" });
      assert.equal(r.status(), 200, url);
      await shootAndCheck(page, dir, name);
    }
    assert.equal(await page.locator('tr[data-id]').count() > 0, true, "jobs listed");

    // Settings: rename the instance; the header shows the new name.
    await page.goto(`${a.base}/admin/config/edit-custom`, { waitUntil: "load" });
    await shootAndCheck(page, dir, "config");
    await page.fill("#ft-admin-config-1", "Admin Journey Tube");
    await Promise.all([page.waitForEvent("load"), page.click("#ft-admin-config button[type=submit]")]);
    assert.equal((await page.locator(".ft-brand").textContent()).trim(), "Admin Journey Tube");
    assert.equal(await page.inputValue("#ft-admin-config-1"), "Admin Journey Tube");
    const custom = await api(a.base, root, "GET", "/api/v1/config/custom");
    assert.equal(custom.instance.name, "Admin Journey Tube");
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test("the administration pages in French", async () => {
  const context = await browser.newContext({ locale: "fr-FR" });
  const page = await context.newPage();
  try {
    await signInUI(page, a.base, "root", ROOT_PASSWORD);
    await page.goto(`${a.base}/admin/users/list`, { waitUntil: "load" });
    assert.equal(await page.getAttribute("html", "lang"), "fr");
    assert.equal((await page.locator("h1").textContent()).trim(), "Utilisateurs");
    await shootAndCheck(page, shotsDir("admin"), "users-fr");
  } finally {
    await context.close();
  }
});
