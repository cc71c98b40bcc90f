// The end-to-end slice: legacy sign-in → migrateSession → the real @authgear/web signed in.
import assert from "node:assert/strict";
import { beforeEach, describe, test } from "node:test";
import { demoOptions, legacySignIn, migrateIn, openApp, sharedStack, storageItem } from "./harness.js";

let stack;
let browser;
let page;

sharedStack((...started) => ([stack, browser] = started));
beforeEach(async () => {
  await stack.reset();
  ({ page } = await openApp(browser, stack));
});

function authgearUserID(state, email) {
  const user = state.users.find((candidate) => candidate.email === email);
  assert.ok(user, `devstack has no user ${email}`);
  return user.authgear_user_id;
}

describe("the demo, clicked through", () => {
  test("the session moves and @authgear/web uses it for the same user", async () => {
    await page.click("#legacy-sign-in-button");
    await page.waitForFunction(() => document.getElementById("legacy-status").textContent.startsWith("signed in"));
    const legacy = JSON.parse(await storageItem(page, "legacy_session"));
    // What the engine sees, redacted.
    await page.waitForFunction(() => document.getElementById("inspection").textContent.includes("found"));
    const inspection = JSON.parse(await page.textContent("#inspection"));
    assert.equal(inspection.found, true);
    assert.equal(inspection.credential, "access_token");
    assert.ok(!JSON.stringify(inspection).includes(legacy.access_token.slice(0, 24)), "the inspection shows a token");
    // A dry run changes nothing.
    await page.click("#dry-run-button");
    await page.waitForFunction(() => document.body.dataset.outcome);
    assert.equal(await page.evaluate(() => document.body.dataset.outcome), "dry-run");
    assert.ok(await storageItem(page, "legacy_session"));
    await page.evaluate(() => delete document.body.dataset.outcome);

    await page.click("#ship-button");
    await page.waitForFunction(() => document.body.dataset.outcome);
    assert.equal(await page.evaluate(() => document.body.dataset.outcome), "migrated");
    const outcome = JSON.parse(await page.textContent("#outcome"));
    assert.deepEqual(outcome, { status: "migrated", credential: "access_token", storage: "localStorage" });
    // The steps showed up as they happened.
    const steps = await page.$$eval("#events li b", (items) => items.map((item) => item.textContent));
    for (const step of ["lock", "read", "pre-check", "attempt", "answer", "saved", "cleanup", "outcome"]) {
      assert.ok(steps.includes(step), `no ${step} event in ${steps}`);
    }

    // Saved where the SDK reads it; the legacy session removed only after that.
    const refreshToken = await storageItem(page, "authgear_default_refreshToken");
    assert.ok(refreshToken, "no Authgear refresh token saved");
    assert.notEqual(refreshToken, legacy.refresh_token);
    assert.equal(await storageItem(page, "legacy_session"), null);

    await page.click("#authgear-button");
    await page.waitForFunction(() => document.body.dataset.sub || document.getElementById("userinfo").textContent);
    assert.equal(await page.textContent("#session-state"), "AUTHENTICATED");
    const state = await stack.state();
    assert.equal(await page.evaluate(() => document.body.dataset.sub), authgearUserID(state, "alice@example.com"));
    assert.equal(state.counters.create_session.successful, 1);
  });
});

// Authgear as it ships (opaque access tokens, no refresh-token rotation) and with each switch
// on. The app's SDK uses the project's custom domain (`urls.authgear`); the endpoint calls the
// Admin API at the project's own host (`urls.authgearAdmin`), as a real deployment does.
const MODES = [
  { name: "Authgear's defaults: opaque access tokens", settings: {} },
  { name: "refresh-token rotation on", settings: { refresh_token_rotation_enabled: true } },
  // A JWT access token from createSession names the Admin API host as its `iss`: the app
  // names that host in `authgear.issuer` (client-config.test.js shows the refusal without it).
  { name: "JWT access tokens on", settings: { issue_jwt_access_token: true }, issuer: "authgearAdmin" },
];

for (const mode of MODES) {
  describe(`the main path, ${mode.name}`, () => {
    test("migrateSession, then the SDK's own refresh with the migrated refresh token and userinfo", async () => {
      await stack.control("config", mode.settings);
      const endpoint = stack.urls.authgear;
      const authgear = mode.issuer ? { issuer: stack.urls[mode.issuer] } : {};
      await legacySignIn(page, stack.urls, "bob@example.com");
      const { outcome } = await migrateIn(page, demoOptions(stack.urls, { authgear }));
      assert.equal(outcome.status, "migrated");
      const saved = await storageItem(page, "authgear_default_refreshToken");
      assert.ok(saved);
      assert.equal(await storageItem(page, "legacy_session"), null);
      const { state, sub, accessToken } = await page.evaluate(async ({ endpoint, clientID }) => {
        const { default: authgear } = await import("@authgear/web");
        await authgear.configure({ endpoint, clientID });
        const info = await authgear.fetchUserInfo();
        return { state: authgear.sessionState, sub: info.sub, accessToken: authgear.accessToken };
      }, { endpoint, clientID: stack.urls.clientID });
      assert.equal(state, "AUTHENTICATED");
      assert.equal(sub, authgearUserID(await stack.state(), "bob@example.com"));
      assert.ok(accessToken, "the SDK obtained an access token with the saved refresh token");
      // The SDK's own access token is of the form the project issues, named after the host it
      // refreshed at: the custom domain.
      if (mode.settings.issue_jwt_access_token) {
        const claims = JSON.parse(Buffer.from(accessToken.split(".")[1], "base64url"));
        assert.equal(claims.iss, endpoint);
        assert.equal(claims.sub, sub);
      } else {
        assert.ok(!accessToken.startsWith("eyJ"), "an opaque access token");
      }
      const kept = await storageItem(page, "authgear_default_refreshToken");
      if (mode.settings.refresh_token_rotation_enabled) {
        assert.ok(kept && kept !== saved, "the SDK stored the rotated refresh token");
      } else {
        assert.equal(kept, saved, "without rotation the saved refresh token stays");
      }
    });
  });
}

describe("when there is nothing to do, or it cannot be done", () => {
  test("no legacy session", async () => {
    const { outcome, events } = await migrateIn(page, demoOptions(stack.urls));
    assert.deepEqual(outcome, { status: "no-legacy-session" });
    // Answered by the fast path from where the engine looks (pkg/src/facts.js), without the engine.
    assert.deepEqual(events.map((event) => event.type), ["outcome"]);
    assert.equal((await stack.state()).counters.create_session.total, 0);
  });

  test("an expired legacy token is not sent, and the legacy session stays", async () => {
    const { token } = await stack.control("legacy/mint", { user: "alice@example.com", expires_in: -3600 });
    const stored = JSON.stringify({ access_token: token });
    await page.evaluate((stored) => localStorage.setItem("legacy_session", stored), stored);
    const { outcome, events } = await migrateIn(page, demoOptions(stack.urls));
    assert.deepEqual(outcome, { status: "rejected", reason: "expired" });
    assert.equal(events.find((event) => event.type === "pre-check").refused, "expired");
    assert.ok(!events.some((event) => event.type === "attempt"), "an expired token was sent");
    assert.equal(await storageItem(page, "legacy_session"), stored);
    assert.equal(await storageItem(page, "authgear_default_refreshToken"), null);
  });

  test("the endpoint answers invalid_grant: rejected, legacy session kept", async () => {
    // A legacy user that was never imported into Authgear.
    const { token } = await stack.control("legacy/mint", { claims: { email: "ghost@example.com" } });
    const stored = JSON.stringify({ access_token: token });
    await page.evaluate((stored) => localStorage.setItem("legacy_session", stored), stored);
    const { outcome } = await migrateIn(page, demoOptions(stack.urls));
    assert.equal(outcome.status, "rejected");
    assert.equal(outcome.reason, "user_not_found");
    assert.equal(await storageItem(page, "legacy_session"), stored);
    assert.equal(await storageItem(page, "authgear_default_refreshToken"), null);
    assert.equal((await stack.state()).counters.create_session.total, 0);
  });

  test("the endpoint is down: deferred, legacy session kept", async () => {
    await legacySignIn(page, stack.urls);
    const stored = await storageItem(page, "legacy_session");
    await stack.control("faults", { origin: "app", path: "/api/authgear-migrate", method: "POST", fault: { kind: "drop" } });
    const { outcome, events } = await migrateIn(page, demoOptions(stack.urls, { exchange: { timeoutMs: 2000, budgetMs: 6000 } }));
    assert.equal(outcome.status, "deferred");
    assert.equal(outcome.reason, "network");
    assert.ok(outcome.retryAt > Date.now(), "deferred without a time to retry");
    assert.ok(events.filter((event) => event.type === "attempt").length > 1, "no in-page retry");
    assert.equal(await storageItem(page, "legacy_session"), stored);
    assert.equal(await storageItem(page, "authgear_default_refreshToken"), null);
  });
});
