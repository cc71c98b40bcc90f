// Hybrid apps: the session goes to the native Authgear SDKs' storage, not to the WebView's.
import assert from "node:assert/strict";
import { beforeEach, describe, test } from "node:test";
import { demoOptions, legacySignIn, migrateIn, sharedStack, storageItem } from "./harness.js";

const REFRESH_KEY = "authgear_default_refreshToken";
let stack;
let browser;

sharedStack((...started) => ([stack, browser] = started));
beforeEach(() => stack.reset());

/**
 * The native side's own store survives reloads as the device's keychain would: kept in
 * sessionStorage under a name the app never uses.
 */
const NATIVE_STORE = `
  window.__native = {
    read() { return JSON.parse(sessionStorage.getItem("__native_store") ?? "{}"); },
    write(store) { sessionStorage.setItem("__native_store", JSON.stringify(store)); },
  };
`;

/** `window.Capacitor.Plugins.Authgear` as @authgear/capacitor's plugin.ts declares it. */
function capacitorBridge({ failWrites = false } = {}) {
  return `${NATIVE_STORE}
    const answer = (value) => new Promise((resolve) => setTimeout(() => resolve(value), 1));
    const fail = (message) => Promise.reject(Object.assign(new Error(message), { code: "EUNKNOWN" }));
    window.Capacitor = {
      isNativePlatform: () => true,
      getPlatform: () => "ios",
      Plugins: {
        Authgear: {
          storageGetItem({ key }) { return answer({ value: window.__native.read()[key] ?? null }); },
          storageSetItem({ key, value }) {
            if (${failWrites}) return fail("Keychain write failed");
            const store = window.__native.read(); store[key] = value; window.__native.write(store);
            return answer(undefined);
          },
          storageDeleteItem({ key }) {
            const store = window.__native.read(); delete store[key]; window.__native.write(store);
            return answer(undefined);
          },
        },
        Preferences: {
          get({ key }) { return answer({ value: JSON.parse(sessionStorage.getItem("__prefs") ?? "{}")[key] ?? null }); },
          set({ key, value }) { const p = JSON.parse(sessionStorage.getItem("__prefs") ?? "{}"); p[key] = value; sessionStorage.setItem("__prefs", JSON.stringify(p)); return answer(undefined); },
          remove({ key }) { const p = JSON.parse(sessionStorage.getItem("__prefs") ?? "{}"); delete p[key]; sessionStorage.setItem("__prefs", JSON.stringify(p)); return answer(undefined); },
          keys() { return answer({ keys: Object.keys(JSON.parse(sessionStorage.getItem("__prefs") ?? "{}")) }); },
        },
      },
    };`;
}

/**
 * A React Native WebView: page → native through window.ReactNativeWebView.postMessage, native →
 * page as a message event. The native side is the package's real handler module, given a
 * PersistentTokenStorage-shaped store.
 */
function reactNativeBridge({ answers = true } = {}) {
  return `${NATIVE_STORE}
    const tokenStorage = {
      async getRefreshToken(ns) { return window.__native.read()["authgear_" + ns + "_refreshToken"] ?? null; },
      async setRefreshToken(ns, token) { const s = window.__native.read(); s["authgear_" + ns + "_refreshToken"] = token; window.__native.write(s); },
      async delRefreshToken(ns) { const s = window.__native.read(); delete s["authgear_" + ns + "_refreshToken"]; window.__native.write(s); },
    };
    const webViewRef = { current: { postMessage: (data) => setTimeout(() => window.dispatchEvent(new MessageEvent("message", { data })), 1) } };
    const native = import("/pkg/src/react-native.js").then(({ createMigrationBridge }) =>
      createMigrationBridge({ tokenStorage, webViewRef, allowedOrigins: [location.origin] }));
    window.ReactNativeWebView = {
      postMessage(data) {
        if (!${answers}) return;
        native.then((onMessage) => setTimeout(() => onMessage({ nativeEvent: { data, url: location.href } }), 1));
      },
    };`;
}

async function hybridPage(initScript) {
  const context = await browser.newContext();
  await context.addInitScript(initScript);
  const page = await context.newPage();
  await page.goto(stack.urls.app);
  return page;
}

const nativeStore = (page) => page.evaluate(() => window.__native.read());

describe("Capacitor", () => {
  test("auto-detects the plugin and saves into its native store under the SDK's key", async () => {
    const page = await hybridPage(capacitorBridge());
    await legacySignIn(page, stack.urls);
    const { outcome, events } = await migrateIn(page, demoOptions(stack.urls));
    assert.deepEqual(outcome, { status: "migrated", credential: "access_token", storage: "capacitor" });
    assert.ok((await nativeStore(page))[REFRESH_KEY], "no refresh token in the native store");
    assert.equal(await storageItem(page, REFRESH_KEY), null, "the session went to localStorage too");
    assert.equal(events.find((event) => event.type === "saved").storage, "capacitor");
    // The next start answers from the native store without the engine.
    const again = await migrateIn(page, demoOptions(stack.urls));
    assert.deepEqual(again.outcome, { status: "already-migrated", storage: "capacitor" });
  });

  test("reads a legacy session kept with @capacitor/preferences and removes it there", async () => {
    const page = await hybridPage(capacitorBridge());
    const tokens = await legacySignIn(page, stack.urls);
    await page.evaluate(async (session) => {
      await window.Capacitor.Plugins.Preferences.set({ key: "legacy_session", value: session });
      localStorage.removeItem("legacy_session");
    }, JSON.stringify(tokens));
    const { outcome } = await page.evaluate(async (options) => {
      const { migrateSession, capacitorPreferences } = await import("authgear-migrate");
      return { outcome: await migrateSession({ ...options, legacy: { ...options.legacy, storage: capacitorPreferences() } }) };
    }, demoOptions(stack.urls));
    assert.equal(outcome.status, "migrated");
    assert.ok((await nativeStore(page))[REFRESH_KEY]);
    const preferences = await page.evaluate(() => window.Capacitor.Plugins.Preferences.keys());
    assert.deepEqual(preferences.keys, [], "the legacy entry is still in Preferences");
  });

  test("a native store that fails leaves the legacy session in place", async () => {
    const page = await hybridPage(capacitorBridge({ failWrites: true }));
    await legacySignIn(page, stack.urls);
    const legacy = await storageItem(page, "legacy_session");
    const { outcome } = await migrateIn(page, demoOptions(stack.urls));
    assert.equal(outcome.status, "deferred");
    assert.equal(outcome.reason, "storage");
    assert.equal(await storageItem(page, "legacy_session"), legacy);
    assert.deepEqual(await nativeStore(page), {});
    assert.equal(await storageItem(page, REFRESH_KEY), null);
  });
});

describe("React Native WebView", () => {
  test("saves through the bridge into PersistentTokenStorage", async () => {
    const page = await hybridPage(reactNativeBridge());
    await legacySignIn(page, stack.urls);
    const { outcome, events } = await migrateIn(page, demoOptions(stack.urls));
    assert.deepEqual(outcome, { status: "migrated", credential: "access_token", storage: "react-native" });
    assert.ok((await nativeStore(page))[REFRESH_KEY]);
    assert.equal(await storageItem(page, REFRESH_KEY), null);
    assert.equal(await storageItem(page, "legacy_session"), null);
    const saved = events.find((event) => event.type === "saved");
    assert.equal(saved.storage, "react-native");
    const again = await migrateIn(page, demoOptions(stack.urls));
    assert.deepEqual(again.outcome, { status: "already-migrated", storage: "react-native" });
  });

  test("a bridge that never answers times out and nothing is lost", async () => {
    const page = await hybridPage(reactNativeBridge({ answers: false }));
    await legacySignIn(page, stack.urls);
    const legacy = await storageItem(page, "legacy_session");
    const { outcome } = await page.evaluate(async (options) => {
      const { migrateSession, reactNativeStorage } = await import("authgear-migrate");
      const storage = reactNativeStorage({ timeoutMs: 300 });
      return { outcome: await migrateSession({ ...options, authgear: { ...options.authgear, storage } }) };
    }, demoOptions(stack.urls));
    assert.equal(outcome.status, "deferred");
    assert.equal(outcome.reason, "storage");
    assert.equal(await storageItem(page, "legacy_session"), legacy);
    assert.equal((await stack.state()).counters.create_session.total, 0, "exchanged without a place to save");
  });

  test("asking for the bridge outside a WebView is a clear error", async () => {
    const page = await hybridPage("");
    const error = await page.evaluate(async (options) => {
      const { migrateSession } = await import("authgear-migrate");
      try {
        await migrateSession({ ...options, authgear: { ...options.authgear, storage: "react-native" } });
        return null;
      } catch (error) {
        return { code: error.code, option: error.option, message: error.message };
      }
    }, demoOptions(stack.urls));
    assert.equal(error.code, "ERR_ADAPTER_UNAVAILABLE");
    assert.equal(error.option, "authgear.storage");
    assert.match(error.message, /ReactNativeWebView/);
  });
});

describe("older webviews", () => {
  test("no Web Locks, no BroadcastChannel, no structuredClone: the lease stands in", async () => {
    const page = await hybridPage(`
      Object.defineProperty(Navigator.prototype, "locks", { get: () => undefined, configurable: true });
      delete window.BroadcastChannel;
      delete window.structuredClone;
    `);
    assert.equal(await page.evaluate(() => [navigator.locks, window.BroadcastChannel, window.structuredClone].every((x) => x === undefined)), true);
    await legacySignIn(page, stack.urls);
    const { outcome, events } = await migrateIn(page, demoOptions(stack.urls));
    assert.equal(outcome.status, "migrated");
    assert.equal(events.find((event) => event.type === "lock").mechanism, "lease");
    assert.ok(await storageItem(page, REFRESH_KEY));
  });
});
