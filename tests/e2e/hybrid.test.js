// Hybrid apps: the session goes to the native Authgear SDKs' storage, not to the WebView's.
import assert from "node:assert/strict";
import { beforeEach, describe, test } from "node:test";
import { ROOT, demoOptions, legacySignIn, migrateIn, openApp, sharedStack, storageItem } from "./harness.js";
import { mint as mintFor } from "./legacy-sdk.js";

const REFRESH_KEY = "authgear_default_refreshToken";
let stack;
const mint = (...args) => mintFor(stack, ...args);
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
function capacitorBridge({ failWrites = false, hangWrites = false } = {}) {
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
            if (${hangWrites}) return new Promise(() => {});
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

/**
 * The native side of a Capacitor app, as its WebView sees it before any page script runs:
 * `window.androidBridge`, or WebKit's `bridge` message handler on iOS (what @capacitor/core's
 * getPlatformId() looks for), and on `window.Capacitor` the `PluginHeaders` the native bridge
 * injects and its `nativePromise`, here answered by a stand-in for the Authgear plugin's native
 * code. Everything above the bridge is the real @capacitor/core and @authgear/capacitor.
 */
function capacitorNative({ headers = true, platform = "android" } = {}) {
  return `${NATIVE_STORE}
    window.__nativeCalls = [];
    const promise = ["storageGetItem", "storageSetItem", "storageDeleteItem", "getDeviceInfo", "generateUUID", "randomBytes", "sha256String", "checkDPoPSupported"];
    const plugin = {
      storageGetItem: ({ key }) => ({ value: window.__native.read()[key] ?? null }),
      storageSetItem: ({ key, value }) => { const s = window.__native.read(); s[key] = value; window.__native.write(s); },
      storageDeleteItem: ({ key }) => { const s = window.__native.read(); delete s[key]; window.__native.write(s); },
      getDeviceInfo: () => ({ deviceInfo: ${platform === "ios" ? '{ ios: { uname: { machine: "iPhone17,1" } } }' : '{ android: { Build: { MANUFACTURER: "Google", MODEL: "Pixel 9" } } }'} }),
      generateUUID: () => ({ uuid: crypto.randomUUID() }),
      randomBytes: ({ length }) => ({ bytes: Array.from(crypto.getRandomValues(new Uint8Array(length))) }),
      sha256String: async ({ input }) => ({ bytes: Array.from(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(input)))) }),
      checkDPoPSupported: () => ({ ok: false }),
    };
    ${platform === "ios" ? "window.webkit = { messageHandlers: { bridge: { postMessage() {} } } };" : "window.androidBridge = { postMessage() {} };"}
    window.Capacitor = {
      ${headers ? `PluginHeaders: [{ name: "Authgear", methods: promise.map((name) => ({ name, rtype: "promise" })) }],` : ""}
      nativePromise(pluginName, method, options) {
        window.__nativeCalls.push(pluginName + "." + method);
        if (pluginName !== "Authgear" || !(method in plugin)) return Promise.reject({ message: "not implemented", code: "UNIMPLEMENTED" });
        return new Promise((resolve) => setTimeout(resolve, 1)).then(() => plugin[method](options ?? {}));
      },
      nativeCallback() { throw new Error("no callback methods here"); },
    };`;
}

/** The real Capacitor packages, resolved from node_modules as a bundler would. */
const CAPACITOR_IMPORTS = {
  "@capacitor/core": "/__npm/@capacitor/core/dist/index.js",
  "@authgear/capacitor": "/__npm/@authgear/capacitor/dist/plugin.module.js",
};

/**
 * The demo page with the native side in place, and an import map (merged into the page's own)
 * for the Capacitor packages. The page itself is the devstack's: a page fulfilled by the test
 * would not count as loopback, and Chromium would block its requests to the devstack.
 */
async function capacitorPage(initScript) {
  const { page } = await openApp(browser, stack, async (_, context) => {
    await context.addInitScript(initScript);
    await context.route("**/__npm/**", (route) => {
      const path = new URL(route.request().url()).pathname.slice("/__npm/".length);
      return route.fulfill({ path: `${ROOT}node_modules/${path}`, contentType: "text/javascript" });
    });
  });
  await page.evaluate((imports) => {
    const map = Object.assign(document.createElement("script"), { type: "importmap", textContent: JSON.stringify({ imports }) });
    document.head.append(map);
  }, CAPACITOR_IMPORTS);
  return page;
}

/**
 * `before`: what the app imported before `migrateSession` ("nothing", "core" or "sdk"); the
 * rest is imported after it, then the real SDK configures and fetches the user.
 */
function migrateThenConfigure(page, before) {
  return page.evaluate(
    async ({ options, before }) => {
      if (before === "core") await import("@capacitor/core");
      if (before === "sdk") await import("@authgear/capacitor");
      const registeredBefore = Boolean(window.Capacitor.Plugins?.Authgear);
      const { migrateSession } = await import("authgear-migrate");
      const events = [];
      const outcome = await migrateSession({ ...options, onEvent: (event) => events.push(event) });
      const { default: authgear } = await import("@authgear/capacitor");
      await authgear.configure({ endpoint: options.authgear.endpoint, clientID: options.authgear.clientID });
      const sessionState = authgear.sessionState;
      const sub = sessionState === "AUTHENTICATED" ? (await authgear.fetchUserInfo()).sub : null;
      return { registeredBefore, outcome, events, sessionState, sub, localStorageKeys: Object.keys(localStorage) };
    },
    { options: demoOptions(stack.urls), before },
  );
}

async function hybridPage(initScript) {
  const { page } = await openApp(browser, stack, (_, context) => context.addInitScript(initScript));
  return page;
}

const nativeStore = (page) => page.evaluate(() => window.__native.read());

/** Signs in and migrates: `deferred` (`storage`), the legacy session kept, no Authgear session anywhere. */
async function assertDeferredForStorage(page) {
  await legacySignIn(page, stack.urls);
  const legacy = await storageItem(page, "legacy_session");
  const { outcome } = await migrateIn(page, demoOptions(stack.urls));
  assert.equal(outcome.status, "deferred");
  assert.equal(outcome.reason, "storage");
  assert.equal(await storageItem(page, "legacy_session"), legacy);
  assert.deepEqual(await nativeStore(page), {});
  assert.equal(await storageItem(page, REFRESH_KEY), null, "saved where the SDK never looks");
}

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
    await assertDeferredForStorage(await hybridPage(capacitorBridge({ failWrites: true })));
  });

  test("a native store that never answers a write: deferred (storage) once the call timed out, nothing lost", async () => {
    const started = Date.now();
    await assertDeferredForStorage(await hybridPage(capacitorBridge({ hangWrites: true })));
    assert.ok(Date.now() - started < 30_000, "the call took longer than its timeout");
  });
});

describe("Capacitor, real @capacitor/core and @authgear/capacitor, in every import order", () => {
  const orders = [
    ["nothing", "android"],
    ["core", "android"],
    ["sdk", "android"],
    ["nothing", "ios"],
  ];
  for (const [before, platform] of orders) {
    test(`${platform}, imported before migrateSession: ${before}; the SDK then starts AUTHENTICATED as the same user`, async () => {
      const page = await capacitorPage(capacitorNative({ platform }));
      await legacySignIn(page, stack.urls, "bob@example.com");
      const result = await migrateThenConfigure(page, before);
      assert.equal(result.registeredBefore, before === "sdk");
      assert.deepEqual(result.outcome, { status: "migrated", credential: "access_token", storage: "capacitor" }, JSON.stringify(result.events));
      assert.equal(result.sessionState, "AUTHENTICATED");
      const { users } = await stack.state();
      assert.equal(result.sub, users.find((user) => user.email === "bob@example.com").authgear_user_id);
      assert.ok((await nativeStore(page))[REFRESH_KEY], "no refresh token in the native store");
      assert.ok(!result.localStorageKeys.some((key) => key.startsWith("authgear_")), `a session went to localStorage: ${result.localStorageKeys}`);
      assert.ok(!result.localStorageKeys.includes("legacy_session"), "the legacy session was not cleaned up");
      const calls = await page.evaluate(() => window.__nativeCalls);
      assert.ok(calls.includes("Authgear.storageSetItem"), calls.join());
    });
  }

  test("the web platform with @authgear/capacitor imported: saved in localStorage, where @authgear/web reads it", async () => {
    // An Ionic app's web build, as Authgear's own Capacitor example does it: @authgear/capacitor
    // is imported (so @capacitor/core registers its plugin, as a proxy that rejects on the web),
    // and @authgear/web signs in.
    const page = await capacitorPage("");
    await legacySignIn(page, stack.urls, "alice@example.com");
    const result = await page.evaluate(async (options) => {
      await import("@authgear/capacitor");
      const { Capacitor } = await import("@capacitor/core");
      const { migrateSession } = await import("authgear-migrate");
      const outcome = await migrateSession(options);
      const { default: authgear } = await import("@authgear/web");
      await authgear.configure({ endpoint: options.authgear.endpoint, clientID: options.authgear.clientID });
      const sub = authgear.sessionState === "AUTHENTICATED" ? (await authgear.fetchUserInfo()).sub : null;
      return { platform: Capacitor.getPlatform(), registered: Boolean(Capacitor.Plugins.Authgear), outcome, sessionState: authgear.sessionState, sub };
    }, demoOptions(stack.urls));
    assert.equal(result.platform, "web");
    assert.ok(result.registered, "@authgear/capacitor did not register its plugin: the case is not the one meant");
    assert.deepEqual(result.outcome, { status: "migrated", credential: "access_token", storage: "localStorage" });
    assert.equal(result.sessionState, "AUTHENTICATED");
    const { users } = await stack.state();
    assert.equal(result.sub, users.find((user) => user.email === "alice@example.com").authgear_user_id);
    assert.equal(await storageItem(page, "legacy_session"), null, "the legacy session was not cleaned up");
  });

  test("a native platform that lists no plugins: deferred (storage), nothing saved, nothing sent", async () => {
    await assertDeferredForStorage(await capacitorPage(capacitorNative({ headers: false })));
    assert.equal((await stack.state()).counters.create_session.total, 0);
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

  test("a lease that ran out while its tab was still reading: that tab stops, one session", async () => {
    // Tab A holds the lease (6 s: a budget of 1 s and the margin) and reads slowly (the app's
    // `read` takes 7 s); tab B takes the lease once it ran out, sends the access token and saves.
    // A, awake again, must not send its credential (here the refresh token: another key, so
    // another createSession) nor save over B's session.
    const NO_LOCKS = `Object.defineProperty(Navigator.prototype, "locks", { get: () => undefined, configurable: true });`;
    const { page: a, context } = await openApp(browser, stack, (_, fresh) => fresh.addInitScript(NO_LOCKS));
    const b = await context.newPage();
    await b.goto(stack.urls.app);
    const [accessToken, refreshToken] = await Promise.all([mint("access_token"), mint("refresh_token")]);
    const run = (page, tokens, delayMs) =>
      page.evaluate(
        async ({ options, tokens, delayMs }) => {
          const { migrateSession } = await import("authgear-migrate");
          const events = [];
          const read = () => new Promise((resolve) => setTimeout(() => resolve(tokens), delayMs));
          const outcome = await migrateSession({ ...options, legacy: { read, clear: () => {} }, onEvent: (event) => events.push(event) });
          return { outcome, events };
        },
        { options: { ...demoOptions(stack.urls, { exchange: { timeoutMs: 1000, budgetMs: 1000 } }), legacy: undefined }, tokens, delayMs },
      );
    const slow = run(a, { refreshToken }, 7000);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const fast = await run(b, { accessToken }, 0);
    const late = await slow;
    assert.equal(fast.outcome.status, "migrated", JSON.stringify(fast.events));
    assert.deepEqual(late.outcome.status, "deferred", JSON.stringify(late.events));
    assert.equal(late.outcome.reason, "locked");
    assert.ok(!late.events.some((event) => event.type === "attempt"), "the tab that lost its lease still sent");
    assert.equal((await stack.state()).counters.create_session.total, 1);
  });
});
