// The pages' session: the sign-in form sets an HttpOnly cookie and the server renders signed-in
// pages; changes made with the cookie need the page's CSRF token; sign-out ends the session.
// Also the frame every page shares: language (Accept-Language, the footer's menu), theme, and
// axe-core on the pages of this area.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { launchChromium, collectErrors, signInUI, shootAndCheck, shotsDir, startInstance } from "./helpers.mjs";

const ROOT_PASSWORD = "browser-session-Root-pw-1";
let inst;
let browser;

before(async () => {
  inst = await startInstance({ rootPassword: ROOT_PASSWORD, prefix: "ft-browser-session-" });
  browser = await launchChromium();
});

after(async () => {
  if (browser) await browser.close().catch(() => {});
  if (inst) await inst.stop();
});

test("sign in with the form, CSRF-protected changes, sign out", async () => {
  const dir = shotsDir("session");
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = collectErrors(page, [/400/, /403/]);
  try {
    await page.goto(`${inst.base}/`, { waitUntil: "load" });
    await shootAndCheck(page, dir, "home-anonymous");
    await page.goto(`${inst.base}/login?next=/videos/upload`, { waitUntil: "load" });
    await page.fill("#ft-login-username", "root");
    await page.fill("#ft-login-password", "wrong");
    await page.click("#ft-login-submit");
    await page.locator("#ft-login-error").waitFor({ state: "visible" });
    assert.equal(await page.locator("#ft-login-error").textContent(), "Invalid grant: user credentials are invalid");
    assert.equal(await page.inputValue("#ft-login-username"), "root");
    await shootAndCheck(page, dir, "login-refused");
    await page.fill("#ft-login-password", ROOT_PASSWORD);
    await Promise.all([page.waitForURL(`${inst.base}/videos/upload`), page.click("#ft-login-submit")]);
    // The server knows the reader: the page is rendered signed in, the token is not readable.
    assert.equal(await page.getAttribute("body", "data-user"), "root");
    const cookies = await context.cookies();
    const session = cookies.find((c) => c.name === "ft_session");
    assert.ok(session && session.httpOnly && session.sameSite === "Lax", JSON.stringify(cookies));
    assert.equal(await page.evaluate(() => document.cookie.includes("ft_session")), false);
    // A change with the cookie but without the page's token is refused; with it, done.
    const without = await page.evaluate(() =>
      fetch("/api/v1/users/me", { method: "PUT", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ displayName: "Forged" }) }).then((r) => r.status),
    );
    assert.equal(without, 403);
    const withToken = await page.evaluate(() =>
      window.ferrotube.apiFetch("/api/v1/users/me", { method: "PUT", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ displayName: "Rooty" }) }).then((r) => r.status),
    );
    assert.equal(withToken, 204);
    await page.goto(`${inst.base}/`, { waitUntil: "load" });
    assert.equal((await page.locator("#ft-nav-user").textContent()).trim(), "RRooty");
    await page.click("#ft-nav-user");
    await shootAndCheck(page, dir, "home-signed-in-menu");
    await Promise.all([page.waitForURL(`${inst.base}/`), page.click("#ft-nav-logout")]);
    assert.equal(await page.getAttribute("body", "data-user"), null);
    assert.equal((await context.cookies()).some((c) => c.name === "ft_session"), false);
    // The old token no longer works anywhere.
    const res = await fetch(`${inst.base}/api/v1/users/me`, { headers: { Authorization: `Bearer ${session.value}` } });
    assert.equal(res.status, 401);
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test("language from Accept-Language and the footer menu; dark theme", async () => {
  const dir = shotsDir("session");
  const context = await browser.newContext({ locale: "fr-FR", colorScheme: "light" });
  const page = await context.newPage();
  try {
    await page.goto(`${inst.base}/`, { waitUntil: "load" });
    assert.equal(await page.getAttribute("html", "lang"), "fr");
    assert.equal((await page.locator("#ft-nav-login").textContent()).trim(), "Se connecter");
    await page.selectOption("#ft-pref-lang", "en");
    await page.selectOption("#ft-pref-theme", "dark");
    await Promise.all([page.waitForLoadState("load"), page.click(".ft-prefs button[type=submit]")]);
    await page.waitForFunction(() => document.documentElement.lang === "en");
    assert.equal(await page.getAttribute("html", "data-theme"), "dark");
    assert.equal((await page.locator("#ft-nav-login").textContent()).trim(), "Sign in");
    const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    assert.equal(bg, "rgb(20, 20, 22)");
    await shootAndCheck(page, dir, "home-dark");
    await page.goto(`${inst.base}/no-such-page`, { waitUntil: "load" });
    await shootAndCheck(page, dir, "not-found");
  } finally {
    await context.close();
  }
});
