// `legacy.preset` and cookie mode: option validation and normalisation (src/core/presets/).
import assert from "node:assert/strict";
import { test } from "node:test";
import { MigrateError } from "../src/errors.js";
import { normalizeOptions } from "../src/options.js";

const base = (legacy) => ({
  authgear: { endpoint: "https://myapp.authgear.cloud", clientID: "client1" },
  exchange: { url: "https://api.example.com/authgear-migrate" },
  legacy,
});

const source = async (legacy) => (await normalizeOptions(base(legacy))).engine.legacy;

async function refused(legacy, option, pattern) {
  await assert.rejects(
    normalizeOptions(base(legacy)),
    (error) => {
      assert.ok(error instanceof MigrateError, `not a MigrateError: ${error}`);
      assert.equal(error.code, "ERR_INVALID_OPTION");
      assert.equal(error.option, option);
      assert.doesNotMatch(error.message, /is not valid$/, "the refusal was not worded");
      if (pattern) assert.match(error.message, pattern);
      return true;
    },
  );
}

test("a preset needs only its name", async () => {
  for (const preset of ["auth0-spa", "firebase", "amplify", "cognito", "supabase", "okta", "msal", "oidc-client-ts", "descope", "stytch", "privy", "kinde", "clerk"]) {
    assert.deepEqual(await source({ preset }), { source: { preset: { preset } }, issuer: null, audience: null });
  }
});

test("supabase: the storage key is made from the project URL, as supabase-js does", async () => {
  assert.deepEqual((await source({ preset: "supabase", url: "https://abcd.supabase.co" })).source, { preset: { preset: "supabase", storageKey: "sb-abcd-auth-token" } });
  assert.deepEqual((await source({ preset: "supabase", storageKey: "my-key" })).source, { preset: { preset: "supabase", storageKey: "my-key" } });
  await refused({ preset: "supabase", url: "abcd" }, "legacy.url", /Supabase project URL/);
  await refused({ preset: "supabase", url: "https://a.supabase.co", storageKey: "k" }, "legacy.storageKey");
});

test("each preset's options, passed on", async () => {
  assert.deepEqual(await source({ preset: "auth0-spa", clientId: "AbC", audience: "https://api", scope: "openid offline_access" }), {
    source: { preset: { preset: "auth0-spa", clientId: "AbC", scope: "openid offline_access", audience: "https://api" } },
    issuer: null,
    audience: "https://api",
  });
  assert.deepEqual((await source({ preset: "firebase", apiKey: "AIza", appName: "second" })).source, { preset: { preset: "firebase", apiKey: "AIza", appName: "second" } });
  assert.deepEqual((await source({ preset: "oidc-client-ts", authority: "https://idp.example/", clientId: "spa" })).source, {
    // Without its trailing slash: the probes add it back as a second spelling.
    preset: { preset: "oidc-client-ts", authority: "https://idp.example", clientId: "spa" },
  });
  assert.deepEqual((await source({ preset: "msal", clientId: "c", scope: "api://x/y", bearer: "id_token" })).source, { preset: { preset: "msal", clientId: "c", scope: "api://x/y", bearer: "id_token" } });
  assert.deepEqual((await source({ preset: "descope", prefix: "app." })).source, { preset: { preset: "descope", prefix: "app." } });
  assert.deepEqual(await source({ preset: "okta", storageKey: "tokens", issuer: "https://x.okta.com" }), {
    source: { preset: { preset: "okta", storageKey: "tokens" } },
    issuer: "https://x.okta.com",
    audience: null,
  });
});

test("cookie mode: alone, as a fallback, and Auth.js", async () => {
  assert.deepEqual((await source({ cookie: true })).source, { preset: { preset: "cookie", cookie: {} } });
  assert.deepEqual((await source({ cookie: { indicator: "signed_in" } })).source, { preset: { preset: "cookie", cookie: { indicator: "signed_in" } } });
  assert.deepEqual((await source({ preset: "authjs" })).source, { preset: { preset: "authjs", cookie: {} } });
  assert.deepEqual((await source({ preset: "clerk", cookie: true })).source, { preset: { preset: "clerk", cookie: {} } });
  assert.deepEqual((await source({ preset: "clerk", cookie: false })).source, { preset: { preset: "clerk" } });
  await refused({ cookie: false }, "legacy.cookie");
  await refused({ cookie: { indicator: "" } }, "legacy.cookie.indicator");
  await refused({ cookie: { name: "x" } }, "legacy.cookie.name");
  await refused({ preset: "okta", cookie: "yes" }, "legacy.cookie");
  await refused({ preset: "authjs", cookie: false }, "legacy.cookie", /Auth\.js sessions are always read by the endpoint/);
  await refused({ cookie: true, clientId: "x" }, "legacy.preset", /set when legacy\.clientId is given/);
});

test("mistakes name the option", async () => {
  await refused({ preset: "auth0" }, "legacy.preset", /"auth0-spa"/);
  await refused({ preset: "supabase", clientId: "x" }, "legacy.clientId", /not an option of the "supabase" preset/);
  await refused({ preset: "okta", storage: "localStorage", key: "k" }, "legacy.storage", /one source at a time/);
  await refused({ preset: "okta", read: () => null }, "legacy.read");
  await refused({ storage: "localStorage", key: "k", clientId: "x" }, "legacy.clientId", /legacy\.preset/);
  await refused({ preset: "msal", bearer: "refresh_token" }, "legacy.bearer");
  await refused({ preset: "oidc-client-ts", authority: "not a url" }, "legacy.authority");
  await refused({ preset: "auth0-spa", clientId: "" }, "legacy.clientId");
  await refused({ preset: "okta", nope: 1 }, "legacy.nope");
});
