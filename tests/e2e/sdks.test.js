// Presets against the real legacy SDKs of tests/sdks/package.json (pinned versions), bundled
// for the page with the repository's esbuild. Each SDK signs in through its own API, its
// network answered by routes on the page's own loopback origin (nothing leaves the machine), with
// tokens minted by the devstack's legacy IdP in the SDK's wire format; the page is then reloaded
// (the new app ships without the SDK), the preset migrates the session end to end, and a fresh
// instance of the SDK must find no session, while nothing the inspection did not list was removed.
import assert from "node:assert/strict";
import { before, beforeEach, describe, test } from "node:test";
import { bundleSdks } from "../sdks/bundle.js";
import { openApp, sharedStack } from "./harness.js";
import { assertMigrated, assertOnlyListedRemoved, migrateChecked, mint as mintFor, serveSdks, storageKeys } from "./legacy-sdk.js";

let stack;
let browser;
let page;
let bundles;

sharedStack((...started) => ([stack, browser] = started));
before(async () => {
  const started = Date.now();
  bundles = await bundleSdks(["supabase", "firebase", "cognito", "amplify", "auth0", "okta", "descope", "stytch", "kinde", "msal2"]);
  console.log(`# bundled the legacy SDKs in ${Date.now() - started} ms`);
});
beforeEach(async () => {
  await stack.reset();
  ({ page } = await openApp(browser, stack, async (fresh) => {
    await serveSdks(fresh, bundles);
    if (process.env.SDK_DEBUG) fresh.on("response", (r) => console.log("#", r.request().method(), r.url().slice(0, 120), r.status()));
  }));
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

  async function client(code, cacheLocation = "localstorage") {
    await loadSdk("auth0");
    return page.evaluate(
      async ({ domain, clientId, audience, code, cacheLocation }) => {
        // With the memory cache, refresh tokens move the token call into a Web Worker, which refuses this loopback URL.
        const auth0 = new sdk.Auth0Client({ domain, clientId, cacheLocation, useRefreshTokens: cacheLocation !== "memory", authorizationParams: { audience, redirect_uri: location.origin } });
        return new Function("auth0", `return (async () => { ${code} })()`)(auth0);
      },
      { domain: domain(), clientId, audience: stack.urls.legacyAudience, code, cacheLocation },
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

  test("the default memory cache: nothing on the device, and the read event says memory_only", async () => {
    await tokenEndpoint(await mint());
    assert.equal(await client(exchange, "memory"), true);
    const migration = await migrateAfterReload({ preset: "auth0-spa", clientId });
    assert.deepEqual(migration.result.outcome, { status: "no-legacy-session" });
    assert.equal(migration.result.events.find((event) => event.type === "read").unreadable, "memory_only");
    assert.equal(migration.result.inspection.unreadable, "memory_only");
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

describe("okta-auth-js 8.0 (a real PKCE redirect: getWithRedirect, then handleLoginRedirect)", () => {
  const clientId = "0oaDevstackSpa";
  const issuer = () => `${stack.urls.app}/__okta/oauth2/default`;
  const config = () => ({ issuer: issuer(), clientId, redirectUri: `${stack.urls.app}/`, scopes: ["openid", "email", "offline_access"], pkce: true, tokenManager: { storage: "localStorage", autoRenew: false }, services: { autoRenew: false, syncStorage: false } });

  /** The authorization server: authorize redirects back with a code; token answers with `tokenType`. */
  async function authorizationServer({ tokenType = "Bearer" } = {}) {
    const jwks = await (await fetch(`${stack.urls.legacy}/jwks`)).json();
    let nonce;
    await answer("/__okta/oauth2/default/", async (request) => {
      const path = new URL(request.url()).pathname;
      if (path.endsWith("/.well-known/openid-configuration")) {
        const at = (name) => `${issuer()}/v1/${name}`;
        return { json: { issuer: issuer(), authorization_endpoint: at("authorize"), token_endpoint: at("token"), jwks_uri: at("keys"), userinfo_endpoint: at("userinfo"), end_session_endpoint: at("logout"), revocation_endpoint: at("revoke"), code_challenge_methods_supported: ["S256"], response_types_supported: ["code"], grant_types_supported: ["authorization_code", "refresh_token"], dpop_signing_alg_values_supported: ["RS256", "ES256"] } };
      }
      if (path.endsWith("/keys")) return { json: jwks };
      if (path.endsWith("/token")) {
        const body = new URLSearchParams(request.postData());
        assert.equal(body.get("grant_type"), "authorization_code");
        assert.ok(body.get("code_verifier"), "no PKCE verifier");
        if (tokenType === "DPoP") assert.ok(request.headers()["dpop"], "no DPoP proof");
        return {
          json: {
            token_type: tokenType,
            expires_in: 3600,
            scope: "openid email offline_access",
            access_token: await mint("access_token", tokenType === "DPoP" ? { claims: { cnf: { jkt: "bound-to-the-sdk-key" } } } : {}),
            id_token: await mint("id_token", { claims: { iss: issuer(), aud: clientId, nonce } }),
            refresh_token: await mint("refresh_token"),
          },
        };
      }
      return { status: 404, json: { error: `not answered: ${path}` } };
    });
    // Registered last: Playwright asks the newest route first.
    await page.route(`${issuer()}/v1/authorize**`, (route) => {
      const url = new URL(route.request().url());
      nonce = url.searchParams.get("nonce");
      const back = new URL(url.searchParams.get("redirect_uri"));
      back.searchParams.set("code", "authorization-code");
      back.searchParams.set("state", url.searchParams.get("state"));
      return route.fulfill({ status: 302, headers: { location: back.href } });
    });
  }

  async function signIn(extra = {}) {
    await loadSdk("okta");
    await page.evaluate((config) => new sdk.OktaAuth(config).token.getWithRedirect(), { ...config(), ...extra });
    await page.waitForURL((url) => url.searchParams.has("code"));
    await loadSdk("okta");
    await page.evaluate(async (config) => {
      // restoreOriginalUri: the app's own navigation after the callback; none here, so the
      // evaluation is not cut short by one.
      const okta = new sdk.OktaAuth({ ...config, restoreOriginalUri: async () => {} });
      await okta.handleLoginRedirect();
    }, { ...config(), ...extra });
    await page.goto(stack.urls.app);
  }

  async function sdkAuthenticated(extra = {}) {
    await loadSdk("okta");
    return page.evaluate((config) => new sdk.OktaAuth(config).isAuthenticated(), { ...config(), ...extra });
  }

  test("the access token is sent; isAuthenticated() is false after", async () => {
    await authorizationServer();
    await signIn();
    assert.equal(await sdkAuthenticated(), true, "the SDK does not see its own session");
    const migration = await migrateAfterReload({ preset: "okta" });
    assertMigrated(migration.result, "access_token");
    assert.deepEqual(migration.result.inspection.entries, [{ storage: "localStorage", key: "okta-token-storage" }]);
    await assertCleanedUp(migration);
    assert.equal(await sdkAuthenticated(), false, "okta-auth-js still finds its session");
  });

  test("dpop: true binds the tokens: nothing is sent as a bearer token, and the session stays", async () => {
    await authorizationServer({ tokenType: "DPoP" });
    await signIn({ dpop: true });
    const stored = await page.evaluate(() => JSON.parse(localStorage.getItem("okta-token-storage")).accessToken.tokenType);
    assert.equal(stored, "DPoP");
    const migration = await migrateAfterReload({ preset: "okta" });
    assert.deepEqual(migration.result.outcome.status, "rejected", JSON.stringify(migration.result.events));
    assert.equal(migration.result.outcome.reason, "dpop_bound");
    assert.equal(migration.result.inspection.refused, "dpop_bound");
    assert.equal(migration.result.saved, null);
    assert.equal((await stack.state()).counters.create_session.total, 0, "an exchange was attempted");
    assert.equal(await sdkAuthenticated({ dpop: true }), true, "the legacy session was touched");
  });
});

describe("Descope web-js-sdk 1.53 (persistTokens; otp.verify.email)", () => {
  const baseUrl = () => `${stack.urls.app}/__descope`;
  const options = () => ({ projectId: "P2Devstack", baseUrl: baseUrl(), persistTokens: true, autoRefresh: false });

  test("DS is sent; DSRCN goes with the session; getSessionToken() is empty after", async () => {
    const sessionJwt = await mint();
    await answer("/__descope/v1/auth/", async () => ({
      json: { sessionJwt, refreshJwt: await mint("refresh_token"), cookieName: "DSR_app", user: { loginIds: ["alice@example.com"], userId: "U1" }, firstSeen: false },
    }));
    await loadSdk("descope");
    const verified = await page.evaluate((options) => sdk.createSdk(options).otp.verify.email("alice@example.com", "123456"), options());
    assert.equal(verified.ok, true, JSON.stringify(verified));
    const written = await storageKeys(page);
    for (const key of ["localStorage:DS", "localStorage:DSR", "localStorage:DSRCN"]) assert.ok(written.includes(key), `${key} not written: ${written}`);
    const migration = await migrateAfterReload({ preset: "descope" });
    assertMigrated(migration.result, "access_token");
    await assertCleanedUp(migration);
    await loadSdk("descope");
    assert.deepEqual(await page.evaluate((options) => { const d = sdk.createSdk(options); return [d.getSessionToken(), d.getRefreshToken()]; }, options()), ["", ""]);
    assert.equal(await page.evaluate(() => localStorage.getItem("DSRCN")), null, "DSRCN was left");
  });
});

describe("Stytch vanilla-js 6.3 (headless: otps.authenticate)", () => {
  const publicToken = "public-token-test-00000000-0000-4000-8000-000000000000";
  // customBaseUrl keeps only a host and speaks https: the loopback host, answered by the route.
  const api = "https://127.0.0.1";

  async function stytchApi(sessionJwt, sessionToken) {
    const session = { session_id: "session-test-1", user_id: "user-test-1", started_at: new Date().toISOString(), last_accessed_at: new Date().toISOString(), expires_at: new Date(Date.now() + 3600_000).toISOString(), attributes: {}, authentication_factors: [], custom_claims: {}, roles: [] };
    const user = { user_id: "user-test-1", emails: [{ email_id: "email-test-1", email: "alice@example.com", verified: true }], phone_numbers: [], name: { first_name: "", middle_name: "", last_name: "" }, status: "active", created_at: new Date().toISOString(), providers: [], totps: [], webauthn_registrations: [], biometric_registrations: [], crypto_wallets: [], roles: [], trusted_metadata: {}, untrusted_metadata: {} };
    const cors = (request) => ({ "access-control-allow-origin": request.headers().origin ?? stack.urls.app, "access-control-allow-credentials": "true", "access-control-allow-headers": "authorization, content-type, x-sdk-client, x-sdk-parent-host", "access-control-allow-methods": "GET, POST, OPTIONS" });
    await page.route(`${api}/**`, async (route) => {
      const request = route.request();
      if (request.method() === "OPTIONS") return route.fulfill({ status: 204, headers: cors(request) });
      const path = new URL(request.url()).pathname;
      let data = {};
      if (path.startsWith("/sdk/v1/projects/bootstrap/")) data = { request_id: "r", project_name: "devstack", cname_domain: null, email_domains: [], captcha_settings: { enabled: false }, pkce_required_for_email_magic_links: false, pkce_required_for_password_resets: false, pkce_required_for_oauth: false, dfp_protected_auth_enabled: false, password_config: null, rbac_policy: null };
      else if (path === "/sdk/v1/otps/authenticate") data = { status_code: 200, request_id: "r", user_id: user.user_id, method_id: "email-test-1", session_token: sessionToken, session_jwt: sessionJwt, session, user };
      return route.fulfill({ status: 200, contentType: "application/json", headers: cors(request), body: JSON.stringify({ data }) });
    });
  }

  test("the session JWT is sent; both cookies gone; the SDK finds no session", async () => {
    await stytchApi(await mint(), await mint("refresh_token"));
    await loadSdk("stytch");
    await page.evaluate(async ({ publicToken }) => {
      const client = new sdk.StytchHeadlessClient(publicToken, { customBaseUrl: "127.0.0.1" });
      await client.otps.authenticate("123456", "email-test-1", { session_duration_minutes: 60 });
    }, { publicToken });
    const written = await storageKeys(page);
    for (const name of ["cookie:stytch_session", "cookie:stytch_session_jwt"]) assert.ok(written.includes(name), `${name} not written: ${written}`);
    const migration = await migrateAfterReload({ preset: "stytch" });
    assertMigrated(migration.result, "access_token");
    await assertCleanedUp(migration);
    await loadSdk("stytch");
    const session = await page.evaluate(({ publicToken }) => new sdk.StytchHeadlessClient(publicToken, { customBaseUrl: "127.0.0.1" }).session.getTokens(), { publicToken });
    assert.equal(session, null, "Stytch still finds its session tokens");
  });
});

describe("Kinde pkce-js 4.5 (a real PKCE redirect; on 127.0.0.1 the refresh token is in localStorage)", () => {
  const clientId = "kinde-devstack-client";
  const domain = () => `${stack.urls.app}/__kinde`;
  const options = () => ({ client_id: clientId, domain: domain(), redirect_uri: `${stack.urls.app}/`, is_dangerously_use_local_storage: true });

  async function kindeServer() {
    const refreshToken = await mint("refresh_token");
    await answer("/__kinde/oauth2/token", async (request) => {
      const body = new URLSearchParams(request.postData());
      // The code once, and the refresh token the SDK keeps: a fresh client signs in with it.
      const granted = body.get("grant_type") === "authorization_code" ? Boolean(body.get("code_verifier")) : body.get("grant_type") === "refresh_token" && body.get("refresh_token") === refreshToken;
      if (!granted) return { status: 400, json: { error: "invalid_grant" } };
      return { json: { access_token: await mint(), id_token: await mint("id_token", { claims: { iss: domain(), aud: [clientId] } }), refresh_token: refreshToken, expires_in: 3600, scope: "openid profile email offline", token_type: "bearer" } };
    });
    // Registered last: Playwright asks the newest route first.
    await page.route(`${domain()}/oauth2/auth**`, (route) => {
      const url = new URL(route.request().url());
      const back = new URL(url.searchParams.get("redirect_uri"));
      back.searchParams.set("code", "authorization-code");
      back.searchParams.set("state", url.searchParams.get("state"));
      return route.fulfill({ status: 302, headers: { location: back.href } });
    });
  }

  async function kinde(code) {
    await loadSdk("kinde");
    return page.evaluate(
      async ({ options, code }) => {
        const client = await sdk.createKindeClient(options);
        return new Function("kinde", `return (async () => { ${code} })()`)(client);
      },
      { options: options(), code },
    );
  }

  test("the chunked refresh token is sent; isAuthenticated() is false after", async () => {
    await kindeServer();
    await loadSdk("kinde");
    await page.evaluate(async (options) => (await sdk.createKindeClient(options)).login(), options());
    await page.waitForURL((url) => url.searchParams.has("code"));
    assert.equal(await kinde("return kinde.isAuthenticated();"), true, "Kinde did not sign in");
    const written = await storageKeys(page);
    assert.ok(written.includes("localStorage:kinde_refreshToken0"), `no refresh token chunk: ${written}`);
    await page.goto(stack.urls.app);
    assert.equal(await kinde("return kinde.isAuthenticated();"), true, "a fresh Kinde client does not restore its session");
    const migration = await migrateAfterReload({ preset: "kinde" });
    assertMigrated(migration.result, "refresh_token");
    await assertCleanedUp(migration);
    assert.equal(await kinde("return kinde.isAuthenticated();"), false, "Kinde still finds its session");
  });
});

describe("msal-browser 2.34 (before the token key index; loadExternalTokens)", () => {
  const clientId = "c0ffee00-0000-4000-8000-0000000002a4";
  const tenant = "7e7e7e7e-0000-4000-8000-000000000002";
  const oid = "0b0b0b0b-0000-4000-8000-000000000002";
  const scope = "api://legacy-api/access_as_user";
  const authority = `https://login.microsoftonline.com/${tenant}`;

  function config(cacheLocation) {
    const openid = { token_endpoint: `${authority}/oauth2/v2.0/token`, authorization_endpoint: `${authority}/oauth2/v2.0/authorize`, end_session_endpoint: `${authority}/oauth2/v2.0/logout`, issuer: `${authority}/v2.0`, jwks_uri: `${authority}/discovery/v2.0/keys` };
    const cloud = { tenant_discovery_endpoint: `${authority}/v2.0/.well-known/openid-configuration`, "api-version": "1.1", metadata: [{ preferred_network: "login.microsoftonline.com", preferred_cache: "login.windows.net", aliases: ["login.microsoftonline.com", "login.windows.net"] }] };
    return { auth: { clientId, authority, knownAuthorities: ["login.microsoftonline.com"], authorityMetadata: JSON.stringify(openid), cloudDiscoveryMetadata: JSON.stringify(cloud) }, cache: { cacheLocation } };
  }

  async function accounts(cacheLocation) {
    await loadSdk("msal2");
    return page.evaluate((config) => new sdk.PublicClientApplication(config).getAllAccounts().length, config(cacheLocation));
  }

  for (const cacheLocation of ["sessionStorage", "localStorage"]) {
    test(`${cacheLocation}: read without an index; the account gone for MSAL 2 too`, async () => {
      const idToken = await mint("id_token", { claims: { aud: clientId, iss: `${authority}/v2.0`, oid, tid: tenant, preferred_username: "alice@example.com", name: "Alice" } });
      const accessToken = await mint();
      await loadSdk("msal2");
      await page.evaluate(
        ({ config, scope, authority, idToken, accessToken, oid, tenant }) => {
          const app = new sdk.PublicClientApplication(config);
          const clientInfo = btoa(JSON.stringify({ uid: oid, utid: tenant })).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
          app.getTokenCache().loadExternalTokens({ scopes: [scope], authority }, { token_type: "Bearer", scope, expires_in: 3600, ext_expires_in: 3600, id_token: idToken, access_token: accessToken, client_info: clientInfo }, { clientInfo, expiresOn: Math.floor(Date.now() / 1000) + 3600, extendedExpiresOn: Math.floor(Date.now() / 1000) + 3600 });
        },
        { config: config(cacheLocation), scope, authority, idToken, accessToken, oid, tenant },
      );
      const written = await storageKeys(page);
      assert.ok(!written.some((key) => key.includes("token.keys")), `2.34 wrote a key index: ${written}`);
      assert.equal(await accounts(cacheLocation), 1, "MSAL 2 does not see its account");
      const migration = await migrateAfterReload({ preset: "msal", clientId, scope });
      assertMigrated(migration.result, "access_token");
      await assertCleanedUp(migration);
      assert.equal(await accounts(cacheLocation), 0, "MSAL 2 still finds its account");
    });
  }
});
