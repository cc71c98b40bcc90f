// Presets against the real legacy SDKs of tests/sdks/package.json (pinned versions), bundled
// for the page with the repository's esbuild. Each SDK signs in through its own API, its
// network answered by routes on the page's own loopback origin (nothing leaves the machine), with
// tokens minted by the devstack's legacy IdP in the SDK's wire format; the page is then reloaded
// (the new app ships without the SDK), the preset migrates the session end to end, and a fresh
// instance of the SDK must find no session, while nothing the inspection did not list was removed.
import assert from "node:assert/strict";
import { before, beforeEach, describe, test } from "node:test";
import { bundleSdks } from "../sdks/bundle.js";
import { sharedStack } from "./harness.js";
import { assertMigrated, assertOnlyListedRemoved, migrateChecked, mint as mintFor, serveSdks, storageKeys } from "./legacy-sdk.js";

let stack;
let browser;
let page;
let bundles;

sharedStack((...started) => ([stack, browser] = started));
before(async () => {
  const started = Date.now();
  bundles = await bundleSdks(["supabase", "firebase", "cognito", "amplify", "auth0"]);
  console.log(`# bundled the legacy SDKs in ${Date.now() - started} ms`);
});
beforeEach(async () => {
  await stack.reset();
  const context = await browser.newContext();
  page = await context.newPage();
  await serveSdks(page, bundles);
  await page.goto(stack.urls.app);
});

const mint = (...args) => mintFor(stack, ...args);
const now = () => Math.floor(Date.now() / 1000);

/** Loads an SDK bundle into the page (`globalThis.sdk`). */
async function loadSdk(name) {
  await page.addScriptTag({ url: `/__sdk/${name}.js` });
}

/** Answers the page's requests under `path` of its own origin with `handler(request) → {status?, json}`. */
async function answer(path, handler) {
  await page.route(`${stack.urls.app}${path}**`, async (route) => {
    const { status = 200, json, headers = {} } = await handler(route.request());
    await route.fulfill({ status, contentType: "application/json", headers, body: JSON.stringify(json) });
  });
}

/** The new app ships: the page is loaded again without the legacy SDK, then migrates. */
async function migrateAfterReload(legacy) {
  await page.reload();
  const before = await storageKeys(page);
  const result = await migrateChecked(page, stack, legacy);
  return { result, before };
}

async function assertCleanedUp({ result, before }) {
  assertOnlyListedRemoved(before, await storageKeys(page), result.inspection);
}

describe("supabase-js 2.119, @supabase/ssr 0.12, @supabase/auth-helpers-nextjs 0.10", () => {
  const path = "/__supabase";
  const url = () => `${stack.urls.app}${path}`;
  const key = "sb-127-auth-token"; // the first label of 127.0.0.1

  /** GoTrue's `/user` and `/token` answers. */
  async function goTrue(access, refresh, user = {}) {
    const profile = { id: "legacy-1", aud: "authenticated", role: "authenticated", email: "alice@example.com", app_metadata: {}, user_metadata: {}, ...user };
    await answer(`${path}/auth/v1/`, async (request) =>
      new URL(request.url()).pathname.endsWith("/token")
        ? { json: { access_token: access, refresh_token: refresh, token_type: "bearer", expires_in: 3600, expires_at: now() + 3600, user: profile } }
        : { json: profile },
    );
  }

  /** Calls `setSession` on a client the factory `make` names, with `options`. */
  async function setSession(make, access, refresh, options = {}) {
    await loadSdk("supabase");
    return page.evaluate(
      async ({ make, url, access, refresh, options }) => {
        const client = make === "createPagesBrowserClient" ? sdk.createPagesBrowserClient({ supabaseUrl: url, supabaseKey: "anon-key", ...options }) : sdk[make](url, "anon-key", options);
        const { error } = await client.auth.setSession({ access_token: access, refresh_token: refresh });
        if (error) throw new Error(`setSession: ${error.message}`);
        return Object.keys(localStorage).concat(document.cookie.split("; ").map((pair) => pair.split("=")[0]), Object.keys(sessionStorage));
      },
      { make, url: url(), access, refresh, options },
    );
  }

  /** A fresh client's `getSession()`: the SDK's own reader. */
  async function sdkSession(make, options = {}) {
    await loadSdk("supabase");
    return page.evaluate(
      async ({ make, url, options }) => {
        const client = make === "createPagesBrowserClient" ? sdk.createPagesBrowserClient({ supabaseUrl: url, supabaseKey: "anon-key", ...options }) : sdk[make](url, "anon-key", options);
        const { data } = await client.auth.getSession();
        return data.session?.access_token ?? null;
      },
      { make, url: url(), options },
    );
  }

  const noRefresh = { auth: { autoRefreshToken: false, detectSessionInUrl: false } };

  test("supabase-js setSession (localStorage): the access token", async () => {
    const access = await mint();
    await goTrue(access, await mint("refresh_token"));
    const written = await setSession("createClient", access, "unused", noRefresh);
    assert.ok(written.includes(key), `supabase-js did not write ${key}: ${written}`);
    const migration = await migrateAfterReload({ preset: "supabase", url: url() });
    assertMigrated(migration.result, "access_token");
    await assertCleanedUp(migration);
    assert.equal(await sdkSession("createClient", noRefresh), null, "supabase-js still finds its session");
  });

  test("supabase-js with storage: sessionStorage", async () => {
    const access = await mint();
    await goTrue(access, "unused");
    await loadSdk("supabase");
    await page.evaluate(
      async ({ url, access }) => {
        const client = sdk.createClient(url, "anon-key", { auth: { storage: sessionStorage, autoRefreshToken: false, detectSessionInUrl: false } });
        const { error } = await client.auth.setSession({ access_token: access, refresh_token: "unused" });
        if (error) throw new Error(error.message);
      },
      { url: url(), access },
    );
    assert.ok(await page.evaluate((key) => sessionStorage.getItem(key) !== null, key));
    const migration = await migrateAfterReload({ preset: "supabase", url: url() });
    assertMigrated(migration.result, "access_token");
    assert.deepEqual(migration.result.inspection.entries, [{ storage: "sessionStorage", key }]);
    await assertCleanedUp(migration);
  });

  test("@supabase/ssr createBrowserClient: chunked base64url cookies", async () => {
    const access = await mint();
    // A large profile, as with many identities or metadata: over 3180 characters, so chunked.
    await goTrue(access, "unused", { user_metadata: { bio: "x".repeat(4000) } });
    const written = await setSession("createBrowserClient", access, "unused", noRefresh);
    assert.ok(written.includes(`${key}.0`) && written.includes(`${key}.1`), `not chunked: ${written}`);
    const migration = await migrateAfterReload({ preset: "supabase", url: url() });
    assertMigrated(migration.result, "access_token");
    assert.ok(migration.result.inspection.entries.length >= 2, "every chunk is listed for cleanup");
    await assertCleanedUp(migration);
    assert.equal(await sdkSession("createBrowserClient", noRefresh), null, "@supabase/ssr still finds its session");
  });

  test("@supabase/auth-helpers-nextjs createPagesBrowserClient: the array cookie; an expired access token migrates by refresh", async () => {
    const expired = await mint("access_token", { expires_in: -600 });
    const live = await mint();
    const refresh = await mint("refresh_token");
    // setSession with a live token writes the cookie; the stored array then holds `expired`
    // (the SDK's own refresh answered with it), as on a device whose user came back late.
    await goTrue(live, refresh);
    const written = await setSession("createPagesBrowserClient", live, refresh, { options: {} });
    assert.ok(written.some((name) => name.startsWith(key)), `no cookie: ${written}`);
    const cookie = await page.evaluate((key) => document.cookie.split("; ").find((pair) => pair.startsWith(`${key}=`)), key);
    assert.ok(decodeURIComponent(cookie.slice(key.length + 1)).startsWith('["'), `not the array format: ${cookie.slice(0, 40)}`);
    await page.evaluate(
      ({ key, expired, refresh }) => (document.cookie = `${key}=${encodeURIComponent(JSON.stringify([expired, refresh, null, null, null]))}; path=/; samesite=lax`),
      { key, expired, refresh },
    );
    const migration = await migrateAfterReload({ preset: "supabase", url: url() });
    assertMigrated(migration.result, "refresh_token");
    await assertCleanedUp(migration);
    assert.equal(await sdkSession("createPagesBrowserClient"), null, "auth-helpers still finds its session");
  });
});

describe("firebase 12.19 (signInWithCustomToken, through connectAuthEmulator on this origin)", () => {
  const apiKey = "AIzaDevstackKey";

  async function signIn(persistence) {
    const idToken = await mint("id_token");
    const refreshToken = await mint("refresh_token");
    await answer("/identitytoolkit.googleapis.com/", async (request) => {
      const method = new URL(request.url()).pathname.split(":").pop();
      if (method === "signInWithCustomToken") return { json: { kind: "identitytoolkit#VerifyCustomTokenResponse", idToken, refreshToken, expiresIn: "3600", isNewUser: false } };
      if (method === "lookup")
        return { json: { kind: "identitytoolkit#GetAccountInfoResponse", users: [{ localId: "legacy-1", email: "alice@example.com", emailVerified: true, providerUserInfo: [], createdAt: "1700000000000", lastLoginAt: "1700000000000" }] } };
      return { status: 400, json: { error: { message: `not answered: ${method}` } } };
    });
    await loadSdk("firebase");
    return page.evaluate(
      async ({ apiKey, origin, persistence }) => {
        const app = sdk.initializeApp({ apiKey, authDomain: "devstack.firebaseapp.com", projectId: "devstack" });
        const auth = sdk.initializeAuth(app, { persistence: sdk[persistence] });
        sdk.connectAuthEmulator(auth, origin, { disableWarnings: true });
        const credential = await sdk.signInWithCustomToken(auth, "custom-token-from-the-app-backend");
        return credential.user.uid;
      },
      { apiKey, origin: stack.urls.app, persistence },
    );
  }

  async function sdkUser(persistence) {
    await loadSdk("firebase");
    return page.evaluate(
      async ({ apiKey, origin, persistence }) => {
        const app = sdk.initializeApp({ apiKey, authDomain: "devstack.firebaseapp.com", projectId: "devstack" });
        const auth = sdk.initializeAuth(app, { persistence: sdk[persistence] });
        sdk.connectAuthEmulator(auth, origin, { disableWarnings: true });
        await auth.authStateReady();
        return auth.currentUser?.uid ?? null;
      },
      { apiKey, origin: stack.urls.app, persistence },
    );
  }

  for (const [persistence, storage] of [
    ["indexedDBLocalPersistence", "indexedDB"],
    ["browserLocalPersistence", "localStorage"],
  ]) {
    test(`${persistence}: the ID token; the SDK signed out`, async () => {
      assert.equal(await signIn(persistence), "legacy-1");
      await page.reload();
      assert.equal(await sdkUser(persistence), "legacy-1", "Firebase does not find its own user");
      const migration = await migrateAfterReload({ preset: "firebase", apiKey });
      assertMigrated(migration.result, "id_token");
      assert.deepEqual(migration.result.inspection.entries, [{ storage, key: `firebase:authUser:${apiKey}:[DEFAULT]` }]);
      await assertCleanedUp(migration);
      await page.reload();
      assert.equal(await sdkUser(persistence), null, "Firebase still finds its user");
    });
  }
});

/** Cognito's `InitiateAuth` (USER_PASSWORD_AUTH), as the user pool endpoint answers it. */
async function cognitoPool(path) {
  const tokens = {
    AccessToken: await mint("access_token", { claims: { username: "alice@example.com", token_use: "access" } }),
    IdToken: await mint("id_token", { claims: { "cognito:username": "alice@example.com", token_use: "id" } }),
    RefreshToken: await mint("refresh_token"),
  };
  const targets = [];
  await answer(path, async (request) => {
    const target = request.headers()["x-amz-target"] ?? "";
    targets.push(target);
    if (target.endsWith(".InitiateAuth")) {
      const body = JSON.parse(request.postData());
      assert.equal(body.AuthFlow, "USER_PASSWORD_AUTH");
      return { json: { AuthenticationResult: { ...tokens, ExpiresIn: 3600, TokenType: "Bearer" }, ChallengeParameters: {} } };
    }
    return { status: 400, headers: { "x-amzn-errortype": "InvalidParameterException" }, json: { __type: "InvalidParameterException", message: `not answered: ${target}` } };
  });
  return targets;
}

const POOL = { userPoolId: "us-east-1_Devstack", clientId: "3devstackclient0000000000" };

describe("amazon-cognito-identity-js 6.3 (authenticateUser, USER_PASSWORD_AUTH)", () => {
  const options = () => ({ UserPoolId: POOL.userPoolId, ClientId: POOL.clientId, endpoint: `${stack.urls.app}/__cognito/` });

  test("localStorage: the ID token; getCurrentUser() is null after", async () => {
    await cognitoPool("/__cognito/");
    await loadSdk("cognito");
    await page.evaluate(
      (options) =>
        new Promise((resolve, reject) => {
          const pool = new sdk.CognitoUserPool(options);
          const user = new sdk.CognitoUser({ Username: "alice@example.com", Pool: pool });
          user.setAuthenticationFlowType("USER_PASSWORD_AUTH");
          user.authenticateUser(new sdk.AuthenticationDetails({ Username: "alice@example.com", Password: "password" }), { onSuccess: resolve, onFailure: reject });
        }),
      options(),
    );
    const migration = await migrateAfterReload({ preset: "cognito", clientId: POOL.clientId });
    assertMigrated(migration.result, "id_token");
    await assertCleanedUp(migration);
    await loadSdk("cognito");
    assert.equal(await page.evaluate((options) => new sdk.CognitoUserPool(options).getCurrentUser(), options()), null, "the SDK still finds its user");
  });
});

describe("aws-amplify 6.22 (signIn with USER_PASSWORD_AUTH and userPoolEndpoint)", () => {
  const config = () => ({ Auth: { Cognito: { userPoolId: POOL.userPoolId, userPoolClientId: POOL.clientId, userPoolEndpoint: `${stack.urls.app}/__cognito` } } });

  async function configure(ssr, storage) {
    await loadSdk("amplify");
    await page.evaluate(
      ({ config, ssr, storage }) => {
        sdk.Amplify.configure(config, { ssr });
        if (storage === "sessionStorage") sdk.cognitoUserPoolsTokenProvider.setKeyValueStorage(sdk.amplifySessionStorage);
      },
      { config: config(), ssr, storage },
    );
  }

  async function sdkUser(ssr, storage) {
    await configure(ssr, storage);
    return page.evaluate(() =>
      sdk.getCurrentUser().then(
        (user) => user.username,
        (error) => (error.name === "UserUnAuthenticatedException" ? null : Promise.reject(error)),
      ),
    );
  }

  for (const [ssr, storage, medium] of [
    [false, "localStorage", "localStorage"],
    [true, "localStorage", "cookie"],
    [false, "sessionStorage", "sessionStorage"],
  ]) {
    test(`ssr: ${ssr}, ${storage}: the ID token from ${medium}; getCurrentUser() signed out`, async () => {
      await cognitoPool("/__cognito");
      await configure(ssr, storage);
      const signedIn = await page.evaluate(() => sdk.signIn({ username: "alice@example.com", password: "password", options: { authFlowType: "USER_PASSWORD_AUTH" } }));
      assert.equal(signedIn.isSignedIn, true, JSON.stringify(signedIn));
      const written = await storageKeys(page);
      assert.ok(written.some((key) => key.startsWith(`${medium}:CognitoIdentityServiceProvider.${POOL.clientId}.`)), `nothing in ${medium}: ${written}`);
      if (ssr) assert.ok(written.some((key) => key.includes("%40")), `js-cookie did not encode the email username: ${written}`);
      const migration = await migrateAfterReload({ preset: "amplify", clientId: POOL.clientId });
      assertMigrated(migration.result, "id_token");
      assert.ok(migration.result.inspection.entries.every(({ storage: area }) => area === medium));
      await assertCleanedUp(migration);
      assert.equal(await sdkUser(ssr, storage), null, "Amplify still finds its user");
    });
  }
});

describe("auth0-spa-js 2.27 (cacheLocation localstorage, loginWithCustomTokenExchange)", () => {
  const clientId = "AuthZeroSpaClient";
  const domain = () => `${stack.urls.app}/__auth0`;
  const scope = "openid profile email offline_access";

  /** Auth0's `/oauth/token` answering the token exchange with `access` (and `expires_in`). */
  async function tokenEndpoint(access, expiresIn = 3600) {
    const idToken = await mint("id_token", { claims: { iss: `${domain()}/`, aud: clientId } });
    const refreshToken = await mint("refresh_token");
    await answer("/__auth0/oauth/token", async () => ({ json: { access_token: access, id_token: idToken, refresh_token: refreshToken, token_type: "Bearer", expires_in: expiresIn, scope } }));
  }

  async function client(code) {
    await loadSdk("auth0");
    return page.evaluate(
      async ({ domain, clientId, audience, code }) => {
        const auth0 = new sdk.Auth0Client({ domain, clientId, cacheLocation: "localstorage", useRefreshTokens: true, authorizationParams: { audience, redirect_uri: location.origin } });
        return new Function("auth0", `return (async () => { ${code} })()`)(auth0);
      },
      { domain: domain(), clientId, audience: stack.urls.legacyAudience, code },
    );
  }

  const exchange = `await auth0.loginWithCustomTokenExchange({ subject_token: "external-token", subject_token_type: "urn:example:external" }); return auth0.isAuthenticated();`;

  test("a live JWT access token is sent; isAuthenticated() is false after", async () => {
    await tokenEndpoint(await mint());
    assert.equal(await client(exchange), true);
    const migration = await migrateAfterReload({ preset: "auth0-spa", clientId, audience: stack.urls.legacyAudience });
    assertMigrated(migration.result, "access_token");
    await assertCleanedUp(migration);
    assert.equal(await client("return auth0.isAuthenticated();"), false, "auth0-spa-js still finds its session");
  });

  test("an opaque access token past the entry's expiresAt, beside a live refresh token: the refresh token", async () => {
    await tokenEndpoint(await mint("opaque", { expires_in: -600 }), -600);
    await client(exchange);
    const migration = await migrateAfterReload({ preset: "auth0-spa", clientId });
    assertMigrated(migration.result, "refresh_token");
    assert.equal((await stack.state()).counters.legacy_refresh_tokens_spent, 1);
    await assertCleanedUp(migration);
    assert.equal(await client("return auth0.isAuthenticated();"), false);
  });

  test("the SDK stripped the expired entry to its refresh token; with legacy.audience the ID token falls through to it", async () => {
    await tokenEndpoint(await mint("opaque", { expires_in: -600 }), -600);
    // auth0-spa-js itself strips an expired entry to `{refresh_token}` when it reads it.
    await client(`${exchange.replace("return auth0.isAuthenticated();", "")} await auth0.getTokenSilently({ cacheMode: "cache-only" }); return true;`);
    const stripped = await page.evaluate(() => Object.entries(localStorage).find(([key]) => key.includes("offline_access"))?.[1]);
    const { body } = JSON.parse(stripped);
    assert.ok(body.refresh_token && !("access_token" in body), `not stripped: ${Object.keys(body)}`);
    const migration = await migrateAfterReload({ preset: "auth0-spa", clientId, audience: stack.urls.legacyAudience });
    assertMigrated(migration.result, "refresh_token");
    await assertCleanedUp(migration);
  });
});
