// The app's Authgear configuration as the engine must honour it: `authgear.sessionType`
// (cookie sessions cannot be migrated), `authgear.issuer` (a custom domain on one side of the
// exchange), and legacy cookies written back on https pages.
import assert from "node:assert/strict";
import { beforeEach, describe, test } from "node:test";
import { demoOptions, legacySignIn, migrateIn, openApp, sharedStack, storageItem } from "./harness.js";

const REFRESH_KEY = "authgear_default_refreshToken";
let stack;
let browser;

sharedStack((...started) => ([stack, browser] = started));
beforeEach(() => stack.reset());

async function appPage(initScript = "") {
  const { page } = await openApp(browser, stack, (_, context) => context.addInitScript(initScript));
  return page;
}

/** Counts every way the page could read or write a session, or reach the network. */
const SPY = `
  window.__touched = [];
  const touch = (what) => window.__touched.push(what);
  for (const method of ["getItem", "setItem", "removeItem", "key", "clear"]) {
    const original = Storage.prototype[method];
    Storage.prototype[method] = function (...args) { touch("storage." + method); return original.apply(this, args); };
  }
  const cookie = Object.getOwnPropertyDescriptor(Document.prototype, "cookie");
  Object.defineProperty(Document.prototype, "cookie", {
    get() { touch("cookie.get"); return cookie.get.call(this); },
    set(value) { touch("cookie.set"); cookie.set.call(this, value); },
    configurable: true,
  });
  const open = IDBFactory.prototype.open;
  IDBFactory.prototype.open = function (...args) { touch("indexedDB.open"); return open.apply(this, args); };
  const fetch = window.fetch;
  window.fetch = function (...args) { touch("fetch " + String(args[0]?.url ?? args[0])); return fetch.apply(this, args); };
  const request = LockManager.prototype.request;
  LockManager.prototype.request = function (...args) { touch("locks.request"); return request.apply(this, args); };
`;

describe("authgear.sessionType", () => {
  test('"cookie" is refused before anything is read, written or sent', async () => {
    const page = await appPage();
    await legacySignIn(page, stack.urls);
    const legacy = await storageItem(page, "legacy_session");
    // Spy only from here: the legacy sign-in above wrote its session.
    await page.evaluate(SPY);
    const results = await page.evaluate(async (options) => {
      const { migrateSession, inspectLegacySession } = await import("authgear-migrate");
      window.__touched.length = 0; // the module imports fetched nothing of the session
      const withCookie = { ...options, authgear: { ...options.authgear, sessionType: "cookie" } };
      const results = [];
      for (const call of [migrateSession, inspectLegacySession]) {
        try {
          await call(withCookie);
          results.push(null);
        } catch (error) {
          results.push({ code: error.code, option: error.option, message: error.message });
        }
      }
      return { results, touched: window.__touched };
    }, demoOptions(stack.urls));
    for (const error of results.results) {
      assert.equal(error?.code, "ERR_INVALID_OPTION");
      assert.equal(error.option, "authgear.sessionType");
      assert.match(error.message, /cookie session.*cannot be created from an exchange/);
    }
    assert.deepEqual(results.touched, [], "the device was touched before the refusal");
    assert.equal(await storageItem(page, "legacy_session"), legacy);
    assert.equal((await stack.state()).counters.create_session.total, 0);
  });

  test('"refresh_token" is the default and migrates; anything else names the option', async () => {
    const page = await appPage();
    await legacySignIn(page, stack.urls);
    const { outcome } = await migrateIn(page, demoOptions(stack.urls, { authgear: { sessionType: "refresh_token" } }));
    assert.equal(outcome.status, "migrated");
    const error = await page.evaluate(async (options) => {
      const { migrateSession } = await import("authgear-migrate");
      return migrateSession({ ...options, authgear: { ...options.authgear, sessionType: "session" } }).catch((error) => ({ code: error.code, option: error.option }));
    }, demoOptions(stack.urls));
    assert.deepEqual(error, { code: "ERR_INVALID_OPTION", option: "authgear.sessionType" });
  });
});

describe("authgear.issuer", () => {
  // The devstack's Authgear has a custom domain (`urls.authgear`, the SDK's endpoint) and the
  // project origin the migration endpoint calls its Admin API at (`urls.authgearAdmin`), which
  // Authgear puts in a JWT access token's `iss`.
  test("a JWT access token of the Admin API origin is refused as a configuration error, recorded, and accepted once named", async () => {
    await stack.control("config", { issue_jwt_access_token: true });
    const { authgear: sdkEndpoint, authgearAdmin } = stack.urls;
    assert.notEqual(sdkEndpoint, authgearAdmin);
    const page = await appPage();
    await legacySignIn(page, stack.urls);
    const legacy = await storageItem(page, "legacy_session");

    const first = await migrateIn(page, demoOptions(stack.urls));
    assert.equal(first.outcome.status, "rejected");
    assert.equal(first.outcome.reason, "issuer_mismatch");
    assert.match(first.outcome.description, new RegExp(`issuer ${authgearAdmin} is not authgear.endpoint ${sdkEndpoint}.*authgear.issuer`));
    const event = first.events.find((e) => e.type === "issuer-mismatch");
    assert.deepEqual({ ...event, elapsedMs: 0 }, { type: "issuer-mismatch", endpoint: sdkEndpoint, issuer: authgearAdmin, elapsedMs: 0 });
    assert.equal(first.events.find((e) => e.type === "answer").reason, "issuer_mismatch");
    assert.equal(await storageItem(page, "legacy_session"), legacy, "the legacy session was touched");
    assert.equal(await storageItem(page, REFRESH_KEY), null);
    assert.equal((await stack.state()).counters.create_session.total, 1);

    // The next starts do not ask again while the configuration is the same.
    for (let start = 0; start < 3; start += 1) {
      const again = await migrateIn(page, demoOptions(stack.urls));
      assert.equal(again.outcome.reason, "issuer_mismatch");
      assert.ok(!again.events.some((e) => e.type === "attempt"), "asked again under the same configuration");
    }
    assert.equal((await stack.state()).counters.create_session.total, 1);

    // The fixed deploy names the origin: the device asks at once, with the same idempotency key,
    // and the real SDK is signed in as the same user.
    const fixed = await migrateIn(page, demoOptions(stack.urls, { authgear: { issuer: [authgearAdmin] } }));
    assert.deepEqual(fixed.outcome, { status: "migrated", credential: "access_token", storage: "localStorage" }, JSON.stringify(fixed.events));
    assert.equal(fixed.events.find((e) => e.type === "attempt").keyReused, true);
    assert.equal(await storageItem(page, "legacy_session"), null);
    const signedIn = await page.evaluate(async (urls) => {
      const { default: authgear } = await import("@authgear/web");
      await authgear.configure({ endpoint: urls.authgear, clientID: urls.clientID });
      return { state: authgear.sessionState, sub: (await authgear.fetchUserInfo()).sub };
    }, stack.urls);
    const { users } = await stack.state();
    assert.deepEqual(signedIn, { state: "AUTHENTICATED", sub: users.find((user) => user.email === "alice@example.com").authgear_user_id });
  });

  test("origins only: a path, or a token-like value, is refused at the option", async () => {
    const page = await appPage();
    const errors = await page.evaluate(async (options) => {
      const { migrateSession } = await import("authgear-migrate");
      const out = [];
      for (const issuer of ["https://auth.example.com/path", [], ["https://a.example", "not a url"], "http://insecure.example"]) {
        out.push(await migrateSession({ ...options, authgear: { ...options.authgear, issuer } }).catch((error) => ({ code: error.code, option: error.option })));
      }
      return out;
    }, demoOptions(stack.urls));
    assert.deepEqual(errors, [
      { code: "ERR_INVALID_OPTION", option: "authgear.issuer" },
      { code: "ERR_INVALID_OPTION", option: "authgear.issuer" },
      { code: "ERR_INVALID_OPTION", option: "authgear.issuer[1]" },
      { code: "ERR_INVALID_OPTION", option: "authgear.issuer" },
    ]);
  });

  test("opaque access tokens (Authgear's default) are saved with no issuer to compare", async () => {
    await stack.control("config", { issue_jwt_access_token: false });
    const page = await appPage();
    await legacySignIn(page, stack.urls);
    // Not even a wrong endpoint shows: nothing in an opaque answer names a project.
    const elsewhere = { endpoint: "https://another-project.authgear.cloud" };
    const { outcome, events } = await migrateIn(page, demoOptions(stack.urls, { authgear: elsewhere }));
    assert.equal(outcome.status, "migrated");
    assert.equal(events.find((e) => e.type === "saved").accessTokenFormat, "opaque");
  });
});

describe("legacy cookies written back", () => {
  // The endpoint spent a rotating legacy refresh token and then failed: its answer carries the
  // replacement, which the engine writes back where the legacy SDK keeps it. The answer is
  // the wire contract's (server/README.md), given here by the test at the app's exchange path.
  const ROTATED = "rotated-legacy-refresh-token-0123456789";
  const answer = { error: "temporarily_unavailable", error_description: "try later", legacy_session: { refresh_token: ROTATED } };

  /** A page of the app served at `origin` (https through routing, or the devstack's own http). */
  async function pageAt(origin) {
    const context = await browser.newContext();
    await context.route(`${origin}/**`, async (route) => {
      const url = new URL(route.request().url());
      if (url.pathname === "/api/authgear-migrate") {
        return route.fulfill({ status: 503, headers: { "retry-after": "3600" }, contentType: "application/json", body: JSON.stringify(answer) });
      }
      const response = await route.fetch({ url: `${stack.urls.app}${url.pathname}${url.search}` });
      return route.fulfill({ response });
    });
    const page = await context.newPage();
    await page.goto(`${origin}/`);
    return { context, page };
  }

  async function writeBack(page, legacy) {
    return page.evaluate(async (legacy) => {
      const { migrateSession } = await import("authgear-migrate");
      const events = [];
      const outcome = await migrateSession({
        authgear: { endpoint: "https://project.authgear.cloud", clientID: "client" },
        exchange: { url: "/api/authgear-migrate", timeoutMs: 2000, budgetMs: 2000 },
        legacy,
        onEvent: (event) => events.push(event),
      });
      return { outcome, events };
    }, legacy);
  }

  // @supabase/ssr with `cookieEncoding: "raw"`: the preset's write-back replaces the old token's
  // text, which the default `base64-` encoding hides (reported, not changed here).
  test("on an https page: Secure, with the SDK's own lifetime and scope (@supabase/ssr)", async () => {
    const { context, page } = await pageAt("https://app.example.test");
    const { token: expired } = await stack.control("legacy/mint", { user: "alice@example.com", expires_in: -3600 });
    const session = { access_token: expired, token_type: "bearer", expires_in: 3600, expires_at: Math.floor(Date.now() / 1000) - 3600, refresh_token: "old-legacy-refresh-token" };
    await page.evaluate((value) => (document.cookie = `sb-abcd-auth-token=${encodeURIComponent(value)}; Path=/; SameSite=Lax; Max-Age=34560000; Secure`), JSON.stringify(session));
    const { outcome, events } = await writeBack(page, { preset: "supabase", url: "https://abcd.supabase.co" });
    assert.equal(outcome.status, "deferred", JSON.stringify(events));
    assert.deepEqual(events.find((e) => e.type === "legacy-restored")?.kinds, ["refresh_token"], JSON.stringify(events));
    const [cookie] = (await context.cookies()).filter((c) => c.name === "sb-abcd-auth-token");
    assert.ok(cookie, "the legacy cookie is gone");
    const written = JSON.parse(decodeURIComponent(cookie.value));
    assert.equal(written.refresh_token, ROTATED);
    assert.equal(cookie.secure, true);
    assert.equal(cookie.sameSite, "Lax");
    assert.equal(cookie.path, "/");
    assert.equal(cookie.httpOnly, false);
    // @supabase/ssr's 400 days, not a session cookie that dies with the browser.
    const days = (cookie.expires - Date.now() / 1000) / 86400;
    assert.ok(days > 399 && days <= 400, `expires in ${days} days`);
  });

  test("on an http page (development): not Secure, site-wide, a session cookie for an unknown library", async () => {
    const { context, page } = await pageAt(stack.urls.app);
    const { token: expired } = await stack.control("legacy/mint", { user: "alice@example.com", expires_in: -3600 });
    await page.evaluate((value) => (document.cookie = `legacy_session=${encodeURIComponent(value)}; Path=/`), JSON.stringify({ access_token: expired, refresh_token: "old" }));
    const { outcome, events } = await writeBack(page, { storage: "cookie", key: "legacy_session", pointer: { accessToken: "/access_token", refreshToken: "/refresh_token" } });
    assert.equal(outcome.status, "deferred", JSON.stringify(events));
    const [cookie] = (await context.cookies()).filter((c) => c.name === "legacy_session");
    assert.equal(JSON.parse(decodeURIComponent(cookie.value)).refresh_token, ROTATED);
    assert.equal(cookie.secure, false);
    assert.equal(cookie.path, "/");
    assert.equal(cookie.expires, -1);
  });
});
