// Presets end to end: each legacy SDK's storage written in the page exactly as the SDK writes it
// (shared/reference/legacy-storage.md and the SDK sources cited in src/core/presets/), holding
// real-looking tokens minted by the devstack's legacy IdP; then inspectLegacySession and
// migrateSession through the devstack's endpoint, and the legacy entries checked gone (and only
// those). The real SDKs that can write their storage without their cloud are in
// presets-sdk.test.js.
import assert from "node:assert/strict";
import { beforeEach, describe, test } from "node:test";
import { cleanupWhenDue, openApp, sharedStack } from "./harness.js";
import { assertAgrees } from "./legacy-sdk.js";

let stack;
let browser;
let page;

sharedStack((...started) => ([stack, browser] = started));
beforeEach(async () => {
  await stack.reset();
  ({ page } = await openApp(browser, stack));
});

const now = () => Math.floor(Date.now() / 1000);

/** A token from the legacy IdP (`kind`: access_token, id_token, refresh_token, opaque). */
async function mint(kind = "access_token", extra = {}) {
  const { token } = await stack.control("legacy/mint", { user: "alice@example.com", kind, ...extra });
  return token;
}

function options(legacy, extra = {}) {
  return {
    authgear: { endpoint: stack.urls.authgear, clientID: stack.urls.clientID },
    exchange: { url: stack.urls.exchangeURL },
    legacy,
    ...extra,
  };
}

async function inspect(legacy) {
  return page.evaluate(async (options) => {
    const { inspectLegacySession } = await import("authgear-migrate");
    return inspectLegacySession(options);
  }, options(legacy));
}

/**
 * Every migration of every fixture here is inspected first: the two must agree (assertAgrees).
 * `inspect: false` only where a test watches the fast path, which the inspection would bypass.
 */
async function migrate(legacy, extra, { inspect = true } = {}) {
  const result = await page.evaluate(
    async ({ options, inspect }) => {
      const { migrateSession, inspectLegacySession } = await import("authgear-migrate");
      const inspection = inspect ? await inspectLegacySession(options) : undefined;
      const events = [];
      const outcome = await migrateSession({ ...options, onEvent: (event) => events.push(event) });
      return { inspection, outcome, events };
    },
    { options: options(legacy, extra), inspect },
  );
  if (inspect) assertAgrees(result);
  if (result.outcome.status === "migrated") await cleanupWhenDue(page, options(legacy, extra));
  return result;
}

/** Writes web storage entries: `[area, key, value]`. */
async function write(entries) {
  await page.evaluate((entries) => {
    for (const [area, key, value] of entries) {
      if (area === "cookie") document.cookie = `${key}=${value}; path=/; max-age=86400; samesite=lax`;
      else globalThis[area].setItem(key, value);
    }
  }, entries);
}

/** Every entry of web storage and cookies, to check what cleanup left. */
async function snapshot() {
  return page.evaluate(() => {
    const all = {};
    for (const area of ["localStorage", "sessionStorage"]) {
      for (let i = 0; i < globalThis[area].length; i++) {
        const key = globalThis[area].key(i);
        if (!key.startsWith("authgear")) all[`${area}:${key}`] = globalThis[area].getItem(key);
      }
    }
    for (const pair of document.cookie.split("; ").filter(Boolean)) {
      const [name] = pair.split("=");
      all[`cookie:${name}`] = true;
    }
    return all;
  });
}

async function authgearSession() {
  return page.evaluate(() => localStorage.getItem("authgear_default_refreshToken"));
}

/** Asserts a migration went through with `credential`, and `gone` keys were removed, `kept` kept. */
async function assertMigrated(result, credential, { gone = [], kept = [] } = {}) {
  assert.deepEqual(result.outcome, { status: "migrated", credential, storage: "localStorage" }, JSON.stringify(result.events));
  assert.ok(await authgearSession(), "no Authgear session saved");
  const left = await snapshot();
  for (const key of gone) assert.ok(!(key in left), `${key} was not removed`);
  for (const key of kept) assert.ok(key in left, `${key} was removed`);
}

function tokenKinds(inspection) {
  return inspection.tokens.map(({ kind, expired }) => `${kind}${expired ? " (expired)" : ""}`);
}

describe("auth0-spa", () => {
  const key = (audience) => `@@auth0spajs@@::AbC::${audience}::openid profile email offline_access`;
  const entry = (access, refresh, expiresAt) =>
    JSON.stringify({
      body: {
        access_token: access,
        ...(refresh && { refresh_token: refresh }),
        expires_in: 86400,
        token_type: "Bearer",
        scope: "openid profile email offline_access",
        audience: stack.urls.legacyAudience,
        client_id: "AbC",
        oauthTokenScope: "openid profile email offline_access",
      },
      expiresAt,
    });

  test("the access token of the configured audience; the whole client's cache removed", async () => {
    const access = await mint();
    await write([
      ["localStorage", key(stack.urls.legacyAudience), entry(access, undefined, now() + 3600)],
      ["localStorage", key("default"), entry("opaque-default-audience", undefined, now() + 7200)],
      ["localStorage", "@@auth0spajs@@::AbC::@@user@@", JSON.stringify({ id_token: await mint("id_token"), decodedToken: { claims: {}, user: {} } })],
      ["localStorage", "@@auth0spajs@@::Other::@@user@@", "{}"],
      ["cookie", "auth0.AbC.is.authenticated", "true"],
      ["cookie", "_legacy_auth0.AbC.is.authenticated", "true"],
    ]);
    const legacy = { preset: "auth0-spa", clientId: "AbC", audience: stack.urls.legacyAudience };
    const inspection = await inspect(legacy);
    assert.deepEqual(tokenKinds(inspection), ["access_token", "id_token"]);
    assert.equal(inspection.credential, "access_token");
    assert.equal(inspection.entries.length, 5);
    assert.ok(!JSON.stringify(inspection).includes(access), "inspect leaked a token");
    await assertMigrated(await migrate(legacy), "access_token", {
      gone: [`localStorage:${key(stack.urls.legacyAudience)}`, "localStorage:@@auth0spajs@@::AbC::@@user@@", "cookie:auth0.AbC.is.authenticated", "cookie:_legacy_auth0.AbC.is.authenticated"],
      kept: ["localStorage:@@auth0spajs@@::Other::@@user@@"],
    });
  });

  test("an expired access token with a live refresh token sends the refresh token", async () => {
    const access = await mint("access_token", { expires_in: -600 });
    const refresh = await mint("refresh_token");
    await write([["localStorage", key(stack.urls.legacyAudience), entry(access, refresh, now() - 600)]]);
    const legacy = { preset: "auth0-spa", clientId: "AbC" };
    const inspection = await inspect(legacy);
    assert.deepEqual(tokenKinds(inspection), ["access_token (expired)", "refresh_token"]);
    assert.equal(inspection.credential, "refresh_token");
    await assertMigrated(await migrate(legacy), "refresh_token");
    assert.equal((await stack.state()).counters.legacy_refresh_tokens_spent, 1);
  });
});

describe("firebase", () => {
  const KEY = "firebase:authUser:AIzaDevstack:[DEFAULT]";

  /** As Firebase's indexed_db.ts writes: db v1, store keyPath `fbase_key`, value an object. */
  async function writeIndexedDb(key, value) {
    await page.evaluate(
      ({ key, value }) =>
        new Promise((resolve, reject) => {
          const open = indexedDB.open("firebaseLocalStorageDb", 1);
          open.onupgradeneeded = () => open.result.createObjectStore("firebaseLocalStorage", { keyPath: "fbase_key" });
          open.onerror = () => reject(open.error);
          open.onsuccess = () => {
            const db = open.result;
            const tx = db.transaction("firebaseLocalStorage", "readwrite");
            tx.objectStore("firebaseLocalStorage").put({ fbase_key: key, value });
            tx.oncomplete = () => (db.close(), resolve());
            tx.onerror = () => reject(tx.error);
          };
        }),
      { key, value },
    );
  }

  const user = (idToken, expirationTime) => ({
    uid: "u1",
    email: "alice@example.com",
    emailVerified: true,
    isAnonymous: false,
    providerData: [],
    stsTokenManager: { refreshToken: "AMf-vBrefresh", accessToken: idToken, expirationTime },
    createdAt: "1700000000000",
    lastLoginAt: "1700000000000",
    apiKey: "AIzaDevstack",
    appName: "[DEFAULT]",
  });

  test("IndexedDB: the ID token is sent, and the record deleted", async () => {
    await writeIndexedDb(KEY, user(await mint("id_token"), (now() + 3600) * 1000));
    const legacy = { preset: "firebase", apiKey: "AIzaDevstack" };
    const inspection = await inspect(legacy);
    assert.deepEqual(inspection.entries, [{ storage: "indexedDB", key: KEY }]);
    assert.deepEqual(tokenKinds(inspection), ["id_token", "refresh_token"]);
    assert.equal(inspection.credential, "id_token");
    await assertMigrated(await migrate(legacy), "id_token");
    const records = await page.evaluate(
      () =>
        new Promise((resolve) => {
          const open = indexedDB.open("firebaseLocalStorageDb");
          open.onsuccess = () => {
            const request = open.result.transaction("firebaseLocalStorage").objectStore("firebaseLocalStorage").getAll();
            request.onsuccess = () => (open.result.close(), resolve(request.result.length));
          };
        }),
    );
    assert.equal(records, 0);
  });

  test("no session, then one appears in IndexedDB: the fast path does not hide it", async () => {
    const wasm = [];
    page.on("request", (request) => request.url().endsWith(".wasm") && wasm.push(request.url()));
    const legacy = { preset: "firebase", apiKey: "AIzaDevstack" };
    // Answered without the engine, from where it looks first (the IndexedDB database too).
    await page.reload();
    wasm.length = 0;
    assert.equal((await migrate(legacy, undefined, { inspect: false })).outcome.status, "no-legacy-session");
    assert.deepEqual(wasm, [], "the engine loaded although every probed place was empty");
    // Firebase signs the user in: the probe sees the database, the engine finds the session.
    await writeIndexedDb(KEY, user(await mint("id_token"), (now() + 3600) * 1000));
    await assertMigrated(await migrate(legacy), "id_token");
  });

  test("localStorage when there is no database, and no empty database is left behind", async () => {
    await write([["localStorage", KEY, JSON.stringify(user(await mint("id_token"), (now() + 3600) * 1000))]]);
    const inspection = await inspect({ preset: "firebase" });
    assert.deepEqual(inspection.entries, [{ storage: "localStorage", key: KEY }]);
    const databases = await page.evaluate(async () => (await indexedDB.databases()).map((db) => db.name));
    assert.ok(!databases.includes("firebaseLocalStorageDb"), "inspecting created the database");
    await assertMigrated(await migrate({ preset: "firebase" }), "id_token", { gone: [`localStorage:${KEY}`] });
  });
});

describe("amplify / cognito", () => {
  const base = "CognitoIdentityServiceProvider.3abcclient";

  test("LastAuthUser's tokens; the ID token is sent; device keys stay", async () => {
    const user = "b1c2-alice";
    await write([
      ["localStorage", `${base}.LastAuthUser`, user],
      ["localStorage", `${base}.${user}.accessToken`, await mint("access_token", { expires_in: -600 })],
      ["localStorage", `${base}.${user}.idToken`, await mint("id_token")],
      ["localStorage", `${base}.${user}.refreshToken`, "eyJjdHkiOiJKV1QiLCJlbmMiOiJBMjU2R0NNIiwiYWxnIjoiUlNBLU9BRVAifQ.opaque"],
      ["localStorage", `${base}.${user}.clockDrift`, "0"],
      ["localStorage", `${base}.${user}.signInDetails`, JSON.stringify({ loginId: "alice@example.com", authFlowType: "USER_SRP_AUTH" })],
      ["localStorage", `${base}.${user}.deviceKey`, "us-east-1_device"],
    ]);
    const legacy = { preset: "amplify", clientId: "3abcclient" };
    const inspection = await inspect(legacy);
    assert.deepEqual(tokenKinds(inspection), ["access_token (expired)", "id_token", "refresh_token"]);
    assert.equal(inspection.credential, "id_token");
    await assertMigrated(await migrate(legacy), "id_token", {
      gone: [`localStorage:${base}.LastAuthUser`, `localStorage:${base}.${user}.idToken`, `localStorage:${base}.${user}.signInDetails`],
      kept: [`localStorage:${base}.${user}.deviceKey`],
    });
  });
});

describe("supabase", () => {
  const KEY = "sb-abcd-auth-token";
  const session = (access, expiresAt, padding = 0) =>
    JSON.stringify({
      access_token: access,
      token_type: "bearer",
      expires_in: 3600,
      expires_at: expiresAt,
      refresh_token: "v1xyz-not-exchangeable",
      user: { id: "u1", aud: "authenticated", email: "alice@example.com", user_metadata: { bio: "x".repeat(padding) } },
    });

  test("localStorage (supabase-js)", async () => {
    await write([["localStorage", KEY, session(await mint(), now() + 3600)]]);
    const legacy = { preset: "supabase", url: "https://abcd.supabase.co" };
    assert.equal((await inspect(legacy)).credential, "access_token");
    await assertMigrated(await migrate(legacy), "access_token", { gone: [`localStorage:${KEY}`] });
  });

  test("@supabase/ssr cookies: base64- prefix, chunked at 3180, every chunk removed", async () => {
    const value = session(await mint(), now() + 3600, 4000);
    const encoded = await page.evaluate((text) => {
      const bytes = new TextEncoder().encode(text);
      let binary = "";
      for (const byte of bytes) binary += String.fromCharCode(byte);
      return "base64-" + btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
    }, value);
    const chunks = [];
    for (let i = 0; i * 3180 < encoded.length; i++) chunks.push(["cookie", `${KEY}.${i}`, encoded.slice(i * 3180, (i + 1) * 3180)]);
    assert.ok(chunks.length >= 2);
    await write(chunks);
    const legacy = { preset: "supabase", url: "https://abcd.supabase.co" };
    const inspection = await inspect(legacy);
    assert.deepEqual(inspection.entries.map((entry) => entry.key).sort(), chunks.map(([, key]) => key).sort());
    await assertMigrated(await migrate(legacy), "access_token", { gone: chunks.map(([, key]) => `cookie:${key}`) });
  });

  test("a refresh token the endpoint spent before failing is written back in supabase's format", async () => {
    const spent = await mint("refresh_token");
    const stored = JSON.stringify({
      access_token: await mint("access_token", { expires_in: -3600 }),
      token_type: "bearer",
      expires_in: 3600,
      expires_at: now() - 3600,
      refresh_token: spent,
      user: { id: "u1", email: "alice@example.com" },
    });
    await write([["localStorage", KEY, stored]]);
    // Authgear is down: the endpoint redeems the rotating legacy refresh token, then cannot
    // create the session, and hands the legacy successors back.
    await stack.control("faults", { origin: "authgear", path: "/_api/admin/graphql", method: "POST", fault: { kind: "status", status: 503, body: { error: "temporarily_unavailable" } } });
    const legacy = { preset: "supabase", url: "https://abcd.supabase.co" };
    const first = await migrate(legacy, { exchange: { url: stack.urls.exchangeURL, budgetMs: 3000, timeoutMs: 3000 } });
    assert.equal(first.outcome.status, "deferred", JSON.stringify(first.outcome));
    const restored = first.events.find((event) => event.type === "legacy-restored");
    assert.ok(restored, `no legacy-restored event: ${JSON.stringify(first.events)}`);
    assert.ok(restored.kinds.includes("refresh_token"));
    const now_stored = JSON.parse(await page.evaluate((key) => localStorage.getItem(key), KEY));
    assert.notEqual(now_stored.refresh_token, spent, "the spent refresh token is still there");
    assert.equal(now_stored.user.email, "alice@example.com", "the rest of the session was not kept");
    // Authgear is back: the successor migrates.
    await page.evaluate(() => localStorage.removeItem("authgear-migrate_default_state"));
    await fetch(`${stack.urls.app}/__devstack/faults`, { method: "DELETE" });
    await assertMigrated(await migrate(legacy), "refresh_token", { gone: [`localStorage:${KEY}`] });
  });

  test("a missing chunk is no session, and says why", async () => {
    await write([
      ["cookie", `${KEY}.0`, "base64-eyJhY2Nlc3NfdG9rZW4iOiJ4"],
      ["cookie", `${KEY}.2`, "fQ"],
    ]);
    const legacy = { preset: "supabase", url: "https://abcd.supabase.co" };
    assert.equal((await inspect(legacy)).unreadable, "missing_chunk");
    const { outcome, events } = await migrate(legacy);
    assert.deepEqual(outcome, { status: "no-legacy-session" });
    const read = events.find((event) => event.type === "read");
    assert.equal(read.unreadable, "missing_chunk");
    assert.equal(read.source, "supabase");
  });
});

describe("descope, stytch, privy, kinde, clerk", () => {
  test("descope: DS, DSR, DSI in localStorage", async () => {
    await write([
      ["localStorage", "DS", await mint()],
      ["localStorage", "DSR", await mint("access_token", { expires_in: 86400 * 30, claims: { aud: "descope-project" } })],
      ["localStorage", "DSI", await mint("id_token")],
      ["localStorage", "unrelated", "keep me"],
    ]);
    await assertMigrated(await migrate({ preset: "descope" }), "access_token", {
      gone: ["localStorage:DS", "localStorage:DSR", "localStorage:DSI"],
      kept: ["localStorage:unrelated"],
    });
  });

  test("stytch: the session JWT cookie, then the opaque session token", async () => {
    await write([
      ["cookie", "stytch_session_jwt", await mint("access_token", { expires_in: -600 })],
      ["cookie", "stytch_session", await mint("refresh_token")],
    ]);
    const inspection = await inspect({ preset: "stytch" });
    assert.deepEqual(tokenKinds(inspection), ["access_token (expired)", "refresh_token"]);
    await assertMigrated(await migrate({ preset: "stytch" }), "refresh_token", { gone: ["cookie:stytch_session", "cookie:stytch_session_jwt"] });
  });

  test("privy: the active user's JSON-quoted tokens", async () => {
    const id = "did:privy:cm1alice";
    await write([
      ["localStorage", "privy:active-user", JSON.stringify(id)],
      ["localStorage", "privy:saved-users", JSON.stringify(JSON.stringify([id]))],
      ["localStorage", `privy:${id}:token`, JSON.stringify(await mint())],
      ["localStorage", `privy:${id}:refresh_token`, JSON.stringify("privy-refresh")],
      ["localStorage", "privy:caid", JSON.stringify("client-analytics-id")],
    ]);
    await assertMigrated(await migrate({ preset: "privy" }), "access_token", {
      gone: [`localStorage:privy:${id}:token`, `localStorage:privy:${id}:refresh_token`, "localStorage:privy:active-user"],
      kept: ["localStorage:privy:caid", "localStorage:privy:saved-users"],
    });
  });

  test("privy: an unquoted value is corrupt, not a session", async () => {
    await write([["localStorage", "privy:token", "eyJ.not.quoted"]]);
    const { outcome, events } = await migrate({ preset: "privy" });
    assert.deepEqual(outcome, { status: "no-legacy-session" });
    assert.equal(events.find((event) => event.type === "read").unreadable, "not_json");
  });

  test("kinde: 2000-character chunks joined; the refresh token is sent", async () => {
    const long = "k".repeat(4500);
    await write([
      ["localStorage", "kinde_refreshToken0", long.slice(0, 2000)],
      ["localStorage", "kinde_refreshToken1", long.slice(2000, 4000)],
      ["localStorage", "kinde_refreshToken2", long.slice(4000)],
    ]);
    const inspection = await inspect({ preset: "kinde" });
    assert.deepEqual(inspection.entries.map((entry) => entry.key), ["kinde_refreshToken0", "kinde_refreshToken1", "kinde_refreshToken2"]);
    assert.equal(inspection.credential, "refresh_token");
    await page.evaluate(() => localStorage.clear());
    await write([["localStorage", "kinde_refreshToken0", await mint("refresh_token")]]);
    await assertMigrated(await migrate({ preset: "kinde" }), "refresh_token", { gone: ["localStorage:kinde_refreshToken0"] });
  });

  test("clerk: a live __session JWT is sent at once", async () => {
    await write([
      ["cookie", "__session", await mint("access_token", { expires_in: 60 })],
      ["cookie", "__client_uat", String(now())],
    ]);
    await assertMigrated(await migrate({ preset: "clerk" }), "access_token", { gone: ["cookie:__session", "cookie:__client_uat"] });
  });
});

describe("cookie mode", () => {
  /** Signs in to the legacy IdP's cookie session: an HttpOnly `legacy_session` cookie. */
  async function legacyCookieSession() {
    await page.evaluate(async (legacy) => {
      const response = await fetch(`${legacy}/session/login`, {
        method: "POST",
        credentials: "include",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ email: "alice@example.com", password: "password" }),
      });
      if (!response.ok) throw new Error(`legacy session login: ${response.status}`);
    }, stack.urls.legacy);
    assert.ok(!(await page.evaluate(() => document.cookie)).includes("legacy_session"), "the session cookie should be HttpOnly");
  }

  test("authjs: the exchange carries no token and the endpoint reads the HttpOnly cookie", async () => {
    await legacyCookieSession();
    const inspection = await inspect({ preset: "authjs" });
    assert.equal(inspection.credential, "cookie");
    assert.deepEqual(inspection.tokens, []);
    const result = await migrate({ preset: "authjs" });
    assert.deepEqual(result.events.find((event) => event.type === "pre-check"), { type: "pre-check", credential: "cookie", elapsedMs: result.events.find((event) => event.type === "pre-check").elapsedMs });
    await assertMigrated(result, "cookie");
  });

  test("clerk: an expired __session falls back to the cookie when __client_uat says signed in", async () => {
    await legacyCookieSession();
    await write([
      ["cookie", "__session", await mint("access_token", { expires_in: -120 })],
      ["cookie", "__client_uat", String(now() - 200)],
    ]);
    assert.equal((await inspect({ preset: "clerk", cookie: true })).credential, "cookie");
    await assertMigrated(await migrate({ preset: "clerk", cookie: true }), "cookie");
  });

  test("signed out: an indicator sends nothing; without one the refusal is remembered", async () => {
    const requests = async () => (await stack.state()).counters.requests.app?.["POST /api/authgear-migrate"] ?? 0;
    assert.deepEqual((await migrate({ cookie: { indicator: "signed_in" } })).outcome, { status: "no-legacy-session" });
    assert.equal(await requests(), 0);
    const first = await migrate({ cookie: true });
    assert.equal(first.outcome.status, "rejected", JSON.stringify(first.outcome));
    assert.equal(await requests(), 1);
    const second = await migrate({ cookie: true });
    assert.deepEqual(second.outcome, { status: "rejected", reason: first.outcome.reason });
    assert.equal(await requests(), 1, "a remembered refusal was asked again");
  });
});

describe("foreign and corrupt data", () => {
  test("never throws: each preset answers no-legacy-session with a reason", async () => {
    await write([
      ["localStorage", "okta-token-storage", "{not json"],
      ["localStorage", "sb-abcd-auth-token", "[1,2,3]"],
      ["localStorage", "@@auth0spajs@@::AbC::default::openid", '{"nobody":1}'],
      ["localStorage", "firebase:authUser:k:[DEFAULT]", '"a string"'],
      ["sessionStorage", "oidc.user:https://idp.example:spa", "<html>"],
      ["localStorage", "msal.3.token.keys.c", '{"idToken":"not a list"}'],
    ]);
    const cases = [
      [{ preset: "okta" }, "not_json"],
      [{ preset: "supabase", url: "https://abcd.supabase.co" }, "unexpected_shape"],
      [{ preset: "auth0-spa" }, "unexpected_shape"],
      [{ preset: "firebase" }, "unexpected_shape"],
      [{ preset: "oidc-client-ts" }, "not_json"],
      [{ preset: "msal" }, "unexpected_shape"],
    ];
    for (const [legacy, why] of cases) {
      const { outcome, events } = await migrate(legacy);
      assert.deepEqual(outcome, { status: "no-legacy-session" }, legacy.preset);
      assert.equal(events.find((event) => event.type === "read").unreadable, why, legacy.preset);
    }
    // Nothing was touched.
    assert.equal((await snapshot())["localStorage:okta-token-storage"], "{not json");
  });
});
