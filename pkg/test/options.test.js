// Option validation and normalisation, under Node (no browser needed).
import assert from "node:assert/strict";
import { test } from "node:test";
import { invalid, worded } from "../src/check.js";
import { MigrateError } from "../src/errors.js";
import { normalizeOptions } from "../src/options.js";

const valid = () => ({
  authgear: { endpoint: "https://myapp.authgear.cloud/", clientID: "client1" },
  exchange: { url: "https://api.example.com/authgear-migrate" },
  legacy: { storage: "localStorage", key: "legacy_session", pointer: "/access_token" },
});

async function refused(options, option, pattern) {
  await assert.rejects(
    normalizeOptions(options),
    (error) => {
      assert.ok(error instanceof MigrateError, `not a MigrateError: ${error}`);
      assert.equal(error.code, "ERR_INVALID_OPTION");
      assert.equal(error.option, option);
      // "options.<option> …", or "options …" for the whole object.
      const named = option === "options" ? "options" : `options.${option}`;
      assert.match(error.message, new RegExp(`: ${named.replace(/\./g, "\\.")} `));
      assert.doesNotMatch(error.message, /is not valid$/, "the refusal was not worded");
      if (pattern) assert.match(error.message, pattern);
      return true;
    },
  );
}

test("normalises a minimal configuration", async () => {
  const { engine, hooks, rollout, wasmURL } = await normalizeOptions(valid());
  assert.deepEqual(rollout, { enabled: true, sample: 1 });
  assert.equal(wasmURL, undefined);
  assert.deepEqual(engine, {
    authgear: { endpoint: "https://myapp.authgear.cloud", clientID: "client1", name: "default", issuers: [] },
    exchange: { url: "https://api.example.com/authgear-migrate", timeoutMs: 10000, budgetMs: 20000, credentials: "same-origin", deviceInfo: null },
    legacy: { source: { storage: { area: "localStorage", key: "legacy_session", pointers: { accessToken: "/access_token" } } }, issuer: null, audience: null },
    cleanup: "remove",
    clockToleranceSeconds: 60,
    dryRun: false,
    keys: {
      refreshToken: "authgear_default_refreshToken",
      idToken: "authgear_default_idToken",
      state: "authgear-migrate_default_state",
      sample: "authgear-migrate_default_sample",
      lock: "authgear-migrate:default",
    },
  });
  assert.deepEqual(hooks, { read: undefined, clear: undefined, write: undefined, onEvent: undefined, authgearStore: undefined, legacyStore: undefined });
});

test("authgear.issuer: origins, once each, without the endpoint itself", async () => {
  const with_ = async (issuer) => {
    const options = valid();
    options.authgear.issuer = issuer;
    return (await normalizeOptions(options)).engine.authgear.issuers;
  };
  assert.deepEqual(await with_("https://Auth.Example.com/"), ["https://auth.example.com"]);
  assert.deepEqual(await with_(["https://auth.example.com", "https://auth.example.com:443", "https://myapp.authgear.cloud"]), ["https://auth.example.com"]);
  assert.deepEqual(await with_(["http://127.0.0.1:3000"]), ["http://127.0.0.1:3000"]);
  for (const [issuer, option] of [
    ["https://auth.example.com/oauth2", "authgear.issuer"],
    ["http://auth.example.com", "authgear.issuer"],
    [[], "authgear.issuer"],
    [["https://ok.example", 42], "authgear.issuer[1]"],
  ]) {
    await assert.rejects(with_(issuer), { code: "ERR_INVALID_OPTION", option });
  }
});

test('authgear.sessionType "cookie" is refused, with why', async () => {
  const options = valid();
  options.authgear.sessionType = "cookie";
  await assert.rejects(normalizeOptions(options), { code: "ERR_INVALID_OPTION", option: "authgear.sessionType", message: /cannot be created from an exchange/ });
  options.authgear.sessionType = "refresh_token";
  assert.equal((await normalizeOptions(options)).engine.authgear.endpoint, "https://myapp.authgear.cloud");
});

test("container names make the keys", async () => {
  const options = valid();
  options.authgear.name = "work";
  assert.equal((await normalizeOptions(options)).engine.keys.refreshToken, "authgear_work_refreshToken");
});

test("a callback source", async () => {
  const read = async () => ({ accessToken: "a" });
  const clear = () => {};
  const options = { ...valid(), legacy: { read, clear, audience: "api" } };
  const { engine, hooks } = await normalizeOptions(options);
  assert.deepEqual(engine.legacy, { source: { callback: { hasClear: true } }, issuer: null, audience: "api" });
  assert.equal(hooks.read, read);
  assert.equal(hooks.clear, clear);
});

test("pointers per token kind", async () => {
  const options = valid();
  options.legacy.pointer = { refreshToken: "/body/refresh_token", idToken: "" };
  assert.deepEqual((await normalizeOptions(options)).engine.legacy.source.storage.pointers, { refreshToken: "/body/refresh_token", idToken: "" });
  delete options.legacy.pointer;
  assert.deepEqual((await normalizeOptions(options)).engine.legacy.source.storage.pointers, { accessToken: "" });
});

test("device info travels to the engine as JSON text (the engine encodes it as base64url)", async () => {
  const options = valid();
  options.exchange.deviceInfo = { platform: "web", note: "✓?>" };
  const { engine: normalized } = await normalizeOptions(options);
  assert.deepEqual(JSON.parse(normalized.exchange.deviceInfo), options.exchange.deviceInfo);
  delete options.exchange.deviceInfo;
  assert.equal((await normalizeOptions(options)).engine.exchange.deviceInfo, null);
});

test("the exchange URL policy: https, loopback http, or the page's own origin", async () => {
  for (const url of ["http://127.0.0.1:8000/x", "http://localhost/x", "http://[::1]:3000/x", "https://a.example/x"]) {
    const options = valid();
    options.exchange.url = url;
    assert.equal((await normalizeOptions(options)).engine.exchange.url, new URL(url).href);
  }
  for (const url of ["http://api.example.com/x", "ftp://a.example/x", "/relative-without-a-page", "https://user:pw@a.example/x", "", 42]) {
    const options = valid();
    options.exchange.url = url;
    await refused(options, "exchange.url", /https URL/);
  }
});

test("relative exchange URLs resolve against the page", async () => {
  globalThis.location = new URL("http://app.internal.test/page");
  try {
    const options = valid();
    options.exchange.url = "/api/authgear-migrate";
    assert.equal((await normalizeOptions(options)).engine.exchange.url, "http://app.internal.test/api/authgear-migrate");
    // Same origin is fine over http; another plain-http origin is not.
    options.exchange.url = "http://elsewhere.test/api";
    await refused(options, "exchange.url");
  } finally {
    delete globalThis.location;
  }
});

test("every bad option is named", async () => {
  const cases = [
    [(o) => (o.authgear = undefined), "authgear", /an object; got nothing/],
    [(o) => (o.authgear.endpoint = "https://a.authgear.cloud/path"), "authgear.endpoint", /no path/],
    [(o) => (o.authgear.endpoint = "http://a.authgear.cloud"), "authgear.endpoint"],
    [(o) => (o.authgear.clientID = ""), "authgear.clientID", /non-empty string; got ""/],
    [(o) => (o.authgear.name = 3), "authgear.name"],
    [(o) => (o.exchange.timeoutMs = 0), "exchange.timeoutMs", /integer from 1 to 120000; got 0/],
    [(o) => (o.exchange.budgetMs = 5), "exchange.budgetMs", /integer from 10000/],
    [(o) => (o.exchange.credentials = "all"), "exchange.credentials", /one of "omit", "same-origin", "include"/],
    [(o) => (o.exchange.deviceInfo = "web"), "exchange.deviceInfo", /plain object/],
    [(o) => (o.exchange.deviceInfo = { build: 12n }), "exchange.deviceInfo", /JSON can write/],
    [(o) => (o.exchange.deviceInfo = { app: "web" }).self = o.exchange.deviceInfo, "exchange.deviceInfo", /JSON can write/],
    [(o) => (o.legacy.storage = "indexedDB"), "legacy.storage"],
    [(o) => (o.legacy.key = ""), "legacy.key"],
    [(o) => (o.legacy.pointer = "access_token"), "legacy.pointer", /JSON pointer/],
    [(o) => (o.legacy.pointer = {}), "legacy.pointer", /at least one/],
    [(o) => (o.legacy.pointer = { accessToken: "x" }), "legacy.pointer.accessToken"],
    [(o) => (o.legacy = { read: "not a function" }), "legacy.read", /a function; got "not a function"/],
    [(o) => (o.legacy = { read() {}, key: "k" }), "legacy.key", /one source at a time/],
    [(o) => (o.legacy.clear = () => {}), "legacy.clear"],
    [(o) => (o.legacy.write = () => {}), "legacy.write", /unless legacy.read/],
    [(o) => (o.legacy = {}), "legacy", /preset.*cookie.*storage.*read/],
    // Not the names authgear.storage takes: an object was given, so an adapter was meant.
    [(o) => (o.legacy.storage = { get() {} }), "legacy.storage", /must be a storage adapter with get, set and remove methods \(set is missing\); got an object$/],
    [(o) => (o.cleanup = "delete"), "cleanup", /"remove", "keep"; got "delete"/],
    [(o) => (o.clockTolerance = -1), "clockTolerance"],
    [(o) => (o.onEvent = true), "onEvent"],
    [(o) => (o.debug = "yes"), "debug"],
    [(o) => (o.cleanUp = "keep"), "cleanUp", /not an option/],
    [(o) => (o.dryRun = 1), "dryRun"],
    [(o) => (o.enabled = "yes"), "enabled", /true, false, or a function/],
    [(o) => (o.sample = 1.5), "sample", /from 0 to 1; got 1.5/],
    [(o) => (o.sample = Number.NaN), "sample"],
    [(o) => (o.wasmURL = "http://cdn.example.com/a.wasm"), "wasmURL"],
    // Not a string: neither made into one ("/null") nor looked up.
    [(o) => (o.wasmURL = null), "wasmURL", /got null/],
    [(o) => (o.wasmURL = {}), "wasmURL", /got an object/],
    [(o) => (o.exchange.timeout = 5), "exchange.timeout", /not an option \(known: url, timeoutMs/],
  ];
  for (const [spoil, option, pattern] of cases) {
    const options = valid();
    spoil(options);
    await refused(options, option, pattern);
  }
  await refused(null, "options", /: options must be an object; got null$/);
});

test("the SDK's storage: auto-detected, named, or an adapter", async () => {
  const options = valid();
  // No Capacitor plugin and no React Native bridge here: localStorage.
  assert.equal((await normalizeOptions(options)).hooks.authgearStore, undefined);
  const saved = new Map();
  globalThis.Capacitor = {
    isNativePlatform: () => true,
    Plugins: {
      Authgear: {
        storageGetItem: async ({ key }) => ({ value: saved.get(key) ?? null }),
        storageSetItem: async ({ key, value }) => void saved.set(key, value),
        storageDeleteItem: async ({ key }) => void saved.delete(key),
      },
    },
  };
  try {
    const store = (await normalizeOptions(options)).hooks.authgearStore;
    assert.equal(store.name, "capacitor");
    options.authgear.storage = "localStorage";
    assert.equal((await normalizeOptions(options)).hooks.authgearStore, undefined);
  } finally {
    delete globalThis.Capacitor;
  }
  // The web platform: @capacitor/core registers the plugin there too, as a proxy whose calls
  // reject; the session is @authgear/web's.
  const unimplemented = new Proxy({}, { get: () => async () => Promise.reject(new Error('"Authgear" plugin is not implemented on web')) });
  globalThis.Capacitor = { isNativePlatform: () => false, getPlatform: () => "web", Plugins: { Authgear: unimplemented } };
  try {
    options.authgear.storage = "auto";
    assert.equal((await normalizeOptions(options)).hooks.authgearStore, undefined);
    options.authgear.storage = "capacitor";
    await assert.rejects(normalizeOptions(options), { code: "ERR_ADAPTER_UNAVAILABLE", option: "authgear.storage", message: /"capacitor", but it needs a native Capacitor app: on the web platform/ });
  } finally {
    delete globalThis.Capacitor;
  }
  for (const [storage, pattern] of [["capacitor", /"capacitor", but it needs a native Capacitor app/], ["react-native", /ReactNativeWebView/]]) {
    options.authgear.storage = storage;
    await assert.rejects(normalizeOptions(options), { code: "ERR_ADAPTER_UNAVAILABLE", option: "authgear.storage", message: pattern });
  }
  const custom = { name: "vault", get() {}, set() {}, remove() {} };
  options.authgear.storage = custom;
  assert.equal((await normalizeOptions(options)).hooks.authgearStore, custom);
  options.authgear.storage = { get() {}, set() {} };
  await refused(options, "authgear.storage", /remove is missing/);
  options.authgear.storage = "indexedDB";
  await refused(options, "authgear.storage", /one of "auto"/);
});

test("legacy data through an adapter", async () => {
  const options = valid();
  const preferences = { name: "capacitor-preferences", get() {}, set() {}, remove() {}, keys() {} };
  options.legacy.storage = preferences;
  const { engine, hooks } = await normalizeOptions(options);
  assert.equal(engine.legacy.source.storage.area, "adapter");
  assert.equal(hooks.legacyStore, preferences);
});

test("rollout and loading options", async () => {
  const enabled = () => true;
  const options = { ...valid(), dryRun: true, enabled, sample: 0.25, wasmURL: "https://cdn.example.com/m.wasm" };
  const normalized = await normalizeOptions(options);
  assert.equal(normalized.engine.dryRun, true);
  assert.deepEqual(normalized.rollout, { enabled, sample: 0.25 });
  assert.equal(normalized.wasmURL, "https://cdn.example.com/m.wasm");
});

test("MigrateError carries codes as static and instance properties", () => {
  const error = new MigrateError(MigrateError.ERR_INVALID_OPTION, "x", { option: "a" });
  assert.equal(error.code, "ERR_INVALID_OPTION");
  assert.equal(error.name, "MigrateError");
  assert.ok(error instanceof Error);
});

test("a refusal names the option and its code at once; its words load after", async () => {
  let refusal;
  try {
    invalid("exchange.timeoutMs", "integer", 0, [1, 120000]);
  } catch (error) {
    refusal = error;
  }
  assert.ok(refusal instanceof MigrateError);
  assert.equal(refusal.code, "ERR_INVALID_OPTION");
  assert.equal(refusal.option, "exchange.timeoutMs");
  const explained = await worded(refusal);
  assert.equal(explained.message, "authgear-migrate: options.exchange.timeoutMs must be an integer from 1 to 120000; got 0");
  assert.equal(explained.option, "exchange.timeoutMs");
  // Anything else passes through as it is.
  const other = new MigrateError(MigrateError.ERR_NOT_IN_BROWSER, "x");
  assert.equal(await worded(other), other);
});

test("wasmURL: a string or a URL object, of this realm or another's", async () => {
  const other = { href: "https://cdn.example.com/other-realm.wasm", toString: () => "ignored" };
  for (const [given, href] of [
    ["https://cdn.example.com/m.wasm", "https://cdn.example.com/m.wasm"],
    [new URL("https://cdn.example.com/u.wasm"), "https://cdn.example.com/u.wasm"],
    [other, "https://cdn.example.com/other-realm.wasm"],
  ]) {
    assert.equal((await normalizeOptions({ ...valid(), wasmURL: given })).wasmURL, href);
  }
});
