// My account (area "account"): sign up on an instance that wants e-mail verification (the mail
// is caught by a small SMTP server here), verify, sign in, change the settings and see them
// applied (NSFW policy, P2P off on every page, French interface), subscriptions and their
// feed, notifications, history; the forgotten-password and sign-up pages. axe on every page.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import { launchChromium, collectErrors, signInUI, shootAndCheck, shotsDir, startInstance, waitFor, freePort } from "./helpers.mjs";

const ROOT_PASSWORD = "browser-account-Root-pw-1";
let inst;
let browser;
let smtp;
const mails = [];

/** A minimal SMTP server: takes every mail and keeps its data. */
function startSmtp(port) {
  const server = net.createServer((sock) => {
    let data = null;
    let buf = "";
    sock.write("220 test ESMTP\r\n");
    sock.on("data", (chunk) => {
      buf += chunk.toString("utf8");
      for (;;) {
        if (data !== null) {
          const end = buf.indexOf("\r\n.\r\n");
          if (end < 0) return;
          mails.push(data + buf.slice(0, end));
          buf = buf.slice(end + 5);
          data = null;
          sock.write("250 OK\r\n");
          continue;
        }
        const nl = buf.indexOf("\r\n");
        if (nl < 0) return;
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 2);
        const cmd = line.slice(0, 4).toUpperCase();
        if (cmd === "EHLO") sock.write("250-test\r\n250 8BITMIME\r\n");
        else if (cmd === "DATA") {
          data = "";
          sock.write("354 go on\r\n");
        } else if (cmd === "QUIT") {
          sock.end("221 bye\r\n");
        } else sock.write("250 OK\r\n");
      }
    });
    sock.on("error", () => {});
  });
  return new Promise((resolve) => server.listen(port, "127.0.0.1", () => resolve(server)));
}

/** The first link of a mail to `path` (quoted-printable undone). */
function linkIn(mail, path) {
  const text = mail.replace(/=\r?\n/g, "").replace(/=([0-9A-F]{2})/g, (_, h) => String.fromCharCode(parseInt(h, 16)));
  const m = text.match(new RegExp(`https?://[^\\s"'<>]*${path.replace(/\//g, "\\/")}\\?[^\\s"'<>]+`));
  return m ? m[0].replace(/&amp;/g, "&") : null;
}

before(async () => {
  const port = await freePort();
  smtp = await startSmtp(port);
  inst = await startInstance({
    rootPassword: ROOT_PASSWORD,
    prefix: "ft-browser-account-",
    extraEnv: {
      FERROTUBE_SIGNUP_ENABLED: "true",
      FERROTUBE_SIGNUP_REQUIRES_EMAIL_VERIFICATION: "true",
      FERROTUBE_SMTP_URL: `smtp://127.0.0.1:${port}`,
      FERROTUBE_SMTP_FROM: "ferrotube@example.test",
    },
  });
  browser = await launchChromium();
});

after(async () => {
  if (browser) await browser.close().catch(() => {});
  if (inst) await inst.stop();
  if (smtp) smtp.close();
});

test("sign up, verify, sign in, settings applied, subscriptions, notifications, history", async () => {
  const dir = shotsDir("account");
  const context = await browser.newContext({ locale: "en-US" });
  const page = await context.newPage();
  const errors = collectErrors(page, [/401/, /403/]);
  try {
    // Sign-up, then the mail's link verifies the address.
    await page.goto(`${inst.base}/signup`, { waitUntil: "load" });
    await shootAndCheck(page, dir, "signup");
    await page.fill("#ft-signup-username", "alice");
    await page.fill("#ft-signup-display-name", "Alice A.");
    await page.fill("#ft-signup-email", "alice@example.test");
    await page.fill("#ft-signup-password", "alice-password-1");
    await page.check("#ft-signup-terms");
    await page.click("#ft-signup-submit");
    await page.locator("#ft-signup-done").waitFor({ state: "visible" });
    assert.match(await page.locator("#ft-signup-done-text").textContent(), /confirm your address/);
    await shootAndCheck(page, dir, "signup-done");
    const link = await waitFor(() => mails.map((m) => linkIn(m, "/verify-account/email")).find(Boolean), { what: "verification mail" });
    const url = new URL(link);
    await page.goto(`${inst.base}${url.pathname}${url.search}`, { waitUntil: "load" });
    await page.locator("#ft-verify-done").waitFor({ state: "visible" });
    await shootAndCheck(page, dir, "verify-email");
    // A wrong secret says so.
    await page.goto(`${inst.base}/verify-account/email?userId=${url.searchParams.get("userId")}&verificationString=nope`, { waitUntil: "load" });
    await page.locator("#ft-verify-error").waitFor({ state: "visible" });

    await signInUI(page, inst.base, "alice", "alice-password-1");
    assert.equal(await page.getAttribute("body", "data-user"), "alice");

    // Settings: NSFW shown, P2P off, then the interface in French.
    await page.goto(`${inst.base}/my-account/settings`, { waitUntil: "load" });
    assert.equal(await page.inputValue("#ft-account-display-name"), "Alice A.");
    await shootAndCheck(page, dir, "settings");
    await page.check("#ft-account-nsfw-display");
    await page.uncheck("#ft-account-p2p");
    assert.equal(await page.getAttribute("body", "data-autoplay"), "on");
    await page.uncheck("#ft-account-autoplay");
    await page.click("#ft-account-video-form button[type=submit]");
    await page.locator("#ft-account-video-form .ft-status.ft-good").waitFor();
    const me = await page.evaluate(() => window.ferrotube.apiJson("/api/v1/users/me"));
    assert.equal(me.nsfwPolicy, "display");
    assert.equal(me.p2pEnabled, false);
    assert.equal(me.autoPlayVideo, false);
    await page.fill("#ft-account-display-name", "Alice B.");
    await page.click("#ft-account-profile-form button[type=submit]");
    await page.locator("#ft-account-profile-form .ft-status.ft-good").waitFor();
    await page.selectOption("#ft-account-ui-lang", "fr");
    await Promise.all([page.waitForURL(`${inst.base}/my-account/settings`), page.click("#ft-account-ui-form button[type=submit]")]);
    await page.waitForFunction(() => document.documentElement.lang === "fr");
    assert.equal(await page.getAttribute("body", "data-p2p"), "off");
    assert.equal(await page.getAttribute("body", "data-autoplay"), null);
    assert.ok(await page.isChecked("#ft-account-nsfw-display"));
    assert.equal(await page.isChecked("#ft-account-p2p"), false);
    assert.equal((await page.locator("h1").textContent()).trim(), "Mes paramètres");
    assert.equal((await page.locator("#ft-nav-user .ft-menu-name").textContent()).trim(), "Alice B.");
    await shootAndCheck(page, dir, "settings-fr");
    // Wrong current password: the form says why.
    await page.fill("#ft-account-current-password", "wrong-one");
    await page.fill("#ft-account-new-password", "alice-password-2");
    await page.fill("#ft-account-confirm-password", "alice-password-2");
    await page.click("#ft-account-password-form button[type=submit]");
    await page.locator("#ft-account-password-form .ft-status.ft-bad").waitFor();

    // Subscriptions: follow root's channel, see it listed, the feed, unsubscribe.
    const sub = await page.evaluate(() =>
      window.ferrotube.apiFetch("/api/v1/users/me/subscriptions", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ uri: "root_channel" }),
      }).then((r) => r.status),
    );
    assert.equal(sub, 204);
    await page.goto(`${inst.base}/my-library/subscriptions`, { waitUntil: "load" });
    assert.equal(await page.locator("#ft-account-subs-list li").count(), 1);
    await shootAndCheck(page, dir, "subscriptions");
    await page.goto(`${inst.base}/videos/subscriptions`, { waitUntil: "load" });
    await page.locator("#ft-account-feed-empty").waitFor();
    await shootAndCheck(page, dir, "feed");
    await page.goto(`${inst.base}/my-library/subscriptions`, { waitUntil: "load" });
    await page.click(".ft-account-unsubscribe");
    await waitFor(async () => (await page.locator("#ft-account-subs-list li").count()) === 0, { what: "unsubscribed" });

    // Notifications and history (empty states), in French.
    await page.goto(`${inst.base}/my-account/notifications`, { waitUntil: "load" });
    await shootAndCheck(page, dir, "notifications");
    await page.uncheck("#ft-account-ns-form tr[data-key=newFollow] input[name=web]");
    await page.click("#ft-account-ns-form button[type=submit]");
    // Wait for the form's answer, whichever it is, so a refusal fails with its message.
    const nsStatus = page.locator("#ft-account-ns-form .ft-status");
    await waitFor(async () => (await nsStatus.textContent()).trim() !== "", { what: "notification settings saved" });
    assert.equal(await nsStatus.getAttribute("class"), "ft-status ft-good", await nsStatus.textContent());
    const after = await page.evaluate(() => window.ferrotube.apiJson("/api/v1/users/me"));
    assert.equal(after.notificationSettings.newFollow, 0);
    await page.goto(`${inst.base}/my-library/history/videos`, { waitUntil: "load" });
    await page.locator("#ft-account-history-empty").waitFor();
    await shootAndCheck(page, dir, "history");
    await page.uncheck("#ft-account-history-toggle");
    await page.locator("#ft-account-history-status.ft-good").waitFor();
    const h = await page.evaluate(() => window.ferrotube.apiJson("/api/v1/users/me"));
    assert.equal(h.videosHistoryEnabled, false);
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test("forgotten password: the mail's link resets it", async () => {
  const dir = shotsDir("account");
  const context = await browser.newContext({ locale: "en-US" });
  const page = await context.newPage();
  try {
    await page.goto(`${inst.base}/login/forgot-password`, { waitUntil: "load" });
    await shootAndCheck(page, dir, "forgot-password");
    const before = mails.length;
    await page.fill("#ft-forgot-email", "alice@example.test");
    await page.click("#ft-forgot-submit");
    await page.locator("#ft-forgot-form .ft-status.ft-good").waitFor();
    const link = await waitFor(() => mails.slice(before).map((m) => linkIn(m, "/reset-password")).find(Boolean), { what: "reset mail" });
    const url = new URL(link);
    await page.goto(`${inst.base}${url.pathname}${url.search}`, { waitUntil: "load" });
    await shootAndCheck(page, dir, "reset-password");
    await page.fill("#ft-reset-password", "alice-password-3");
    await page.fill("#ft-reset-confirm", "alice-password-3");
    await page.click("#ft-reset-submit");
    await page.locator("#ft-reset-done").waitFor({ state: "visible" });
    await signInUI(page, inst.base, "alice", "alice-password-3");
    assert.equal(await page.getAttribute("body", "data-user"), "alice");
  } finally {
    await context.close();
  }
});
