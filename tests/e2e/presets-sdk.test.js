// Presets against the real legacy SDKs from npm: each SDK's browser build (served to the page
// from node_modules through page.route) writes its own storage, without its cloud, holding
// tokens minted by the devstack's legacy IdP; the preset reads it and migrates it end to end;
// then the SDK itself finds no session left.
import assert from "node:assert/strict";
import { beforeEach, describe, test } from "node:test";
import { openApp, sharedStack } from "./harness.js";
import { assertMigrated, migrateChecked, mint as mintFor, serveSdks } from "./legacy-sdk.js";

const SDKS = {
  "oidc-client-ts": "node_modules/oidc-client-ts/dist/browser/oidc-client-ts.min.js",
  okta: "node_modules/@okta/okta-auth-js/dist/okta-auth-js.min.js",
  msal: "node_modules/@azure/msal-browser/lib/msal-browser.min.js",
};

let stack;
let browser;
let page;

sharedStack((...started) => ([stack, browser] = started));
beforeEach(async () => {
  await stack.reset();
  ({ page } = await openApp(browser, stack, (fresh) => serveSdks(fresh, SDKS)));
});

async function loadSdk(name) {
  await page.addScriptTag({ url: `/__sdk/${name}.js` });
}

const mint = (...args) => mintFor(stack, ...args);
const migrate = (legacy) => migrateChecked(page, stack, legacy);

describe("oidc-client-ts 3 (UserManager.storeUser)", () => {
  const settings = { authority: "https://idp.example/realms/main", client_id: "spa-client" };

  async function storeUser(user, sdkSettings = settings) {
    await loadSdk("oidc-client-ts");
    await page.evaluate(
      async ({ settings, user }) => {
        const manager = new oidc.UserManager({ ...settings, redirect_uri: `${location.origin}/`, automaticSilentRenew: false, monitorSession: false });
        await manager.storeUser(new oidc.User(user));
      },
      { settings: sdkSettings, user },
    );
  }

  async function sdkUser(sdkSettings = settings) {
    return page.evaluate(async (settings) => {
      const manager = new oidc.UserManager({ ...settings, redirect_uri: `${location.origin}/`, automaticSilentRenew: false, monitorSession: false });
      return (await manager.getUser())?.access_token ?? null;
    }, sdkSettings);
  }

  test("a live access token", async () => {
    const expiresAt = Math.floor(Date.now() / 1000) + 3600;
    await storeUser({ access_token: await mint(), id_token: await mint("id_token"), token_type: "Bearer", scope: "openid", profile: { sub: "legacy|1" }, expires_at: expiresAt });
    assert.ok(await sdkUser(), "the SDK does not see its own user");
    const result = await migrate({ preset: "oidc-client-ts", authority: settings.authority, clientId: settings.client_id });
    assertMigrated(result, "access_token");
    assert.deepEqual(result.inspection.entries, [{ storage: "sessionStorage", key: `oidc.user:${settings.authority}:${settings.client_id}` }]);
    assert.equal(await sdkUser(), null, "the SDK still finds its user after cleanup");
  });

  // The SDK's key spells the authority as the app configured the SDK; the preset's option may
  // differ from it by a trailing slash, and the fast path must not answer "no legacy session".
  for (const [sdkSlash, optionSlash] of [["", "/"], ["/", ""]]) {
    test(`the SDK's authority ${sdkSlash ? "with" : "without"} a trailing slash, the option's ${optionSlash ? "with" : "without"}`, async () => {
      const sdkSettings = { ...settings, authority: settings.authority + sdkSlash };
      const expiresAt = Math.floor(Date.now() / 1000) + 3600;
      await storeUser({ access_token: await mint(), token_type: "Bearer", scope: "openid", profile: { sub: "legacy|1" }, expires_at: expiresAt }, sdkSettings);
      assert.ok(await sdkUser(sdkSettings), "the SDK does not see its own user");
      const result = await migrate({ preset: "oidc-client-ts", authority: settings.authority + optionSlash, clientId: settings.client_id });
      assertMigrated(result, "access_token");
      assert.deepEqual(result.inspection.entries, [{ storage: "sessionStorage", key: `oidc.user:${sdkSettings.authority}:${settings.client_id}` }]);
      assert.equal(await sdkUser(sdkSettings), null, "the SDK still finds its user after cleanup");
    });
  }

  test("an expired access token with a refresh token", async () => {
    await storeUser({
      access_token: await mint("access_token", { expires_in: -3600 }),
      refresh_token: await mint("refresh_token"),
      token_type: "Bearer",
      scope: "openid offline_access",
      profile: { sub: "legacy|1" },
      expires_at: Math.floor(Date.now() / 1000) - 3600,
    });
    const result = await migrate({ preset: "oidc-client-ts", clientId: settings.client_id });
    assertMigrated(result, "refresh_token");
    assert.equal(await sdkUser(), null);
  });
});

describe("okta-auth-js 8 (tokenManager.add)", () => {
  async function addTokens(tokens, storage) {
    await loadSdk("okta");
    await page.evaluate(
      async ({ tokens, storage }) => {
        const Okta = globalThis.OktaAuth.OktaAuth ?? globalThis.OktaAuth.default ?? globalThis.OktaAuth;
        const auth = new Okta({
          issuer: "https://dev-1.okta.example/oauth2/default",
          clientId: "0oa1legacy",
          redirectUri: `${location.origin}/`,
          tokenManager: { storage, autoRenew: false, autoRemove: false },
        });
        for (const [key, token] of Object.entries(tokens)) auth.tokenManager.add(key, token);
        globalThis.oktaAuth = auth;
      },
      { tokens, storage },
    );
  }

  const issuer = "https://dev-1.okta.example/oauth2/default";

  test("localStorage: access, ID and refresh tokens; the access token is sent", async () => {
    const expiresAt = Math.floor(Date.now() / 1000) + 3600;
    await addTokens(
      {
        accessToken: { accessToken: await mint(), expiresAt, tokenType: "Bearer", scopes: ["openid", "offline_access"], claims: { sub: "legacy|1" }, authorizeUrl: `${issuer}/v1/authorize`, userinfoUrl: `${issuer}/v1/userinfo` },
        idToken: { idToken: await mint("id_token"), expiresAt, scopes: ["openid"], claims: { sub: "legacy|1" }, issuer, clientId: "0oa1legacy", authorizeUrl: `${issuer}/v1/authorize` },
        refreshToken: { refreshToken: await mint("refresh_token"), expiresAt, scopes: ["offline_access"], tokenUrl: `${issuer}/v1/token`, authorizeUrl: `${issuer}/v1/authorize`, issuer },
      },
      "localStorage",
    );
    const result = await migrate({ preset: "okta" });
    assertMigrated(result, "access_token");
    assert.deepEqual(result.inspection.entries, [{ storage: "localStorage", key: "okta-token-storage" }]);
    assert.deepEqual(await page.evaluate(() => Object.keys(globalThis.oktaAuth.tokenManager.getTokensSync())), []);
  });

  test("the refresh token's expiresAt is the access token's: an expired access token still migrates by refresh", async () => {
    const expiredAt = Math.floor(Date.now() / 1000) - 600;
    await addTokens(
      {
        accessToken: { accessToken: await mint("access_token", { expires_in: -600 }), expiresAt: expiredAt, tokenType: "Bearer", scopes: ["openid", "offline_access"], claims: { sub: "legacy|1" }, authorizeUrl: `${issuer}/v1/authorize`, userinfoUrl: `${issuer}/v1/userinfo` },
        refreshToken: { refreshToken: await mint("refresh_token"), expiresAt: expiredAt, scopes: ["offline_access"], tokenUrl: `${issuer}/v1/token`, authorizeUrl: `${issuer}/v1/authorize`, issuer },
      },
      "sessionStorage",
    );
    const result = await migrate({ preset: "okta" });
    assertMigrated(result, "refresh_token");
    assert.equal(await page.evaluate(() => sessionStorage.getItem("okta-token-storage")), null);
  });
});

describe("msal-browser 5 (loadExternalTokens)", () => {
  const clientId = "c0ffee00-0000-4000-8000-00000000a11c";
  const tenant = "7e7e7e7e-0000-4000-8000-000000000001";
  const oid = "0b0b0b0b-0000-4000-8000-000000000001";
  const scope = "api://legacy-api/access_as_user";

  /** MSAL writes its cache with `cacheLocation`; authority metadata is given, so no network. */
  async function loadTokens(cacheLocation) {
    const authority = `https://login.microsoftonline.com/${tenant}`;
    const idToken = await mint("id_token", {
      claims: { aud: clientId, iss: `${authority}/v2.0`, oid, tid: tenant, preferred_username: "alice@example.com", name: "Alice" },
    });
    const accessToken = await mint();
    const refreshToken = await mint("refresh_token");
    await loadSdk("msal");
    await page.evaluate(
      async ({ clientId, tenant, oid, scope, authority, idToken, accessToken, refreshToken, cacheLocation }) => {
        const openid = {
          token_endpoint: `${authority}/oauth2/v2.0/token`,
          authorization_endpoint: `${authority}/oauth2/v2.0/authorize`,
          end_session_endpoint: `${authority}/oauth2/v2.0/logout`,
          issuer: `${authority}/v2.0`,
          jwks_uri: `${authority}/discovery/v2.0/keys`,
        };
        const cloud = {
          tenant_discovery_endpoint: `${authority}/v2.0/.well-known/openid-configuration`,
          "api-version": "1.1",
          metadata: [{ preferred_network: "login.microsoftonline.com", preferred_cache: "login.windows.net", aliases: ["login.microsoftonline.com", "login.windows.net"] }],
        };
        const config = {
          auth: { clientId, authority, knownAuthorities: ["login.microsoftonline.com"], authorityMetadata: JSON.stringify(openid), cloudDiscoveryMetadata: JSON.stringify(cloud) },
          cache: { cacheLocation },
        };
        const clientInfo = btoa(JSON.stringify({ uid: oid, utid: tenant })).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
        await msal.loadExternalTokens(
          config,
          { scopes: [scope], authority },
          { token_type: "Bearer", scope, expires_in: 3600, ext_expires_in: 3600, id_token: idToken, access_token: accessToken, refresh_token: refreshToken, client_info: clientInfo },
          {},
        );
        globalThis.msalConfig = config;
      },
      { clientId, tenant, oid, scope, authority, idToken, accessToken, refreshToken, cacheLocation },
    );
  }

  async function sdkAccounts() {
    return page.evaluate(async () => {
      const app = new msal.PublicClientApplication(globalThis.msalConfig);
      await app.initialize();
      return app.getAllAccounts().length;
    });
  }

  test("sessionStorage (v5 plaintext): the API's access token; the account gone for MSAL too", async () => {
    await loadTokens("sessionStorage");
    assert.equal(await sdkAccounts(), 1);
    const result = await migrate({ preset: "msal", clientId, scope });
    assertMigrated(result, "access_token");
    assert.deepEqual(result.inspection.tokens.map((token) => token.kind).sort(), ["access_token", "id_token", "refresh_token"]);
    assert.equal(await sdkAccounts(), 0);
    const left = await page.evaluate(() => Object.keys(sessionStorage).filter((key) => key.includes("token.keys") || key.includes("account.keys")));
    assert.deepEqual(left, [], "the indexes were left listing removed keys");
  });

  test("localStorage (encrypted, key in the msal.cache.encryption cookie): decrypted with WebCrypto", async () => {
    await loadTokens("localStorage");
    const sealed = await page.evaluate(() => Object.entries(localStorage).filter(([key, value]) => key.startsWith("msal.3|") && value.includes('"nonce"')).length);
    assert.ok(sealed >= 3, `MSAL did not encrypt its cache (${sealed} sealed entries)`);
    assert.ok(await page.evaluate(() => document.cookie.includes("msal.cache.encryption")), "no encryption cookie");
    const result = await migrate({ preset: "msal", clientId, scope });
    assertMigrated(result, "access_token");
    assert.equal(await sdkAccounts(), 0);
  });

  test("without the encryption cookie the cache is not decryptable: no session, and why", async () => {
    await loadTokens("localStorage");
    await page.evaluate(() => (document.cookie = "msal.cache.encryption=; max-age=0; path=/"));
    await page.context().clearCookies();
    const result = await page.evaluate(
      async (options) => (await import("authgear-migrate")).inspectLegacySession(options),
      { authgear: { endpoint: stack.urls.authgear, clientID: stack.urls.clientID }, exchange: { url: stack.urls.exchangeURL }, legacy: { preset: "msal", clientId } },
    );
    assert.equal(result.found, false);
    assert.equal(result.unreadable, "not_decryptable");
  });
});
