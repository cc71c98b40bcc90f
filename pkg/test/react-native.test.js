// The React Native bridge under Node: the page-side adapter, the native-side handler, and the
// REAL `PersistentTokenStorage` of @authgear/react-native (its key maker, its storage driver),
// with only the native module stubbed where the SDK reaches it: `NativeModules.AuthgearReactNative`.
// Node rather than a bundle in a browser: the SDK's dist is CommonJS that requires
// `react-native`, which Node resolves to the stub below, and the bridge itself is plain JS;
// react-native-webview's two postMessage directions are a loop of message events.
import assert from "node:assert/strict";
import Module, { createRequire } from "node:module";
import { afterEach, beforeEach, test } from "node:test";
import { HELD_NATIVELY, reactNativeStorage } from "../src/adapters/react-native.js";
import { createMigrationBridge } from "../src/react-native.js";

/** The native module's storage (Keychain / EncryptedSharedPreferences) and every call made to it. */
const native = { items: new Map(), calls: [], failWrites: false };
const AuthgearReactNative = {
  async storageGetItem(key) {
    native.calls.push(["storageGetItem", key]);
    return native.items.get(key) ?? null;
  },
  async storageSetItem(key, value) {
    native.calls.push(["storageSetItem", key]);
    if (native.failWrites) throw new Error("Keychain write failed");
    native.items.set(key, value);
  },
  async storageDeleteItem(key) {
    native.calls.push(["storageDeleteItem", key]);
    native.items.delete(key);
  },
};

// `require("react-native")` inside the SDK's dist: the NativeModules boundary, nothing more.
const STUB = "\0react-native-stub";
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  return request === "react-native" ? STUB : resolve.call(this, request, ...rest);
};
Module._cache[STUB] = {
  id: STUB,
  filename: STUB,
  loaded: true,
  exports: {
    NativeModules: { AuthgearReactNative },
    Platform: { OS: "android", select: (choices) => choices.android ?? choices.default },
    NativeEventEmitter: class {
      addListener() {
        return { remove() {} };
      }
    },
  },
};
const { PersistentTokenStorage } = createRequire(import.meta.url)("@authgear/react-native");

// A WebView page's window is an event target; Node's global is not.
const page = new EventTarget();
globalThis.addEventListener = page.addEventListener.bind(page);
globalThis.dispatchEvent = page.dispatchEvent.bind(page);

const TOKEN = "rt.0123456789abcdef0123456789abcdef";
let pageURL;
let onMessage;
/** Every message the native side sent to web content. */
let toPage;
let requests;

beforeEach(() => {
  native.items.clear();
  native.calls.length = 0;
  native.failWrites = false;
  pageURL = "https://app.example.com/start";
  toPage = [];
  requests = [];
  const webViewRef = {
    current: {
      // Native → page: react-native-webview dispatches a message event, with no source, in the page.
      postMessage: (data) => {
        toPage.push(data);
        queueMicrotask(() => globalThis.dispatchEvent(new MessageEvent("message", { data })));
      },
    },
  };
  onMessage = createMigrationBridge({ tokenStorage: new PersistentTokenStorage(), webViewRef, allowedOrigins: ["https://APP.example.com/"] });
  // Page → native.
  globalThis.ReactNativeWebView = {
    postMessage: (data) => {
      requests.push(JSON.parse(data));
      queueMicrotask(() => onMessage({ nativeEvent: { data, url: pageURL } }));
    },
  };
});
afterEach(() => delete globalThis.ReactNativeWebView);

test("saves and removes through the real PersistentTokenStorage, under the SDK's own key names", async () => {
  const store = reactNativeStorage();
  assert.equal(store.name, "react-native");
  assert.equal(await store.get("authgear_default_refreshToken"), null);
  await store.set("authgear_default_refreshToken", TOKEN);
  assert.equal(native.items.get("authgear_default_refreshToken"), TOKEN);
  assert.equal(await store.get("authgear_default_refreshToken"), TOKEN, "the read-back of what this page saved");
  await store.set("authgear_my_app_refreshToken", "rt-2");
  assert.equal(native.items.get("authgear_my_app_refreshToken"), "rt-2");
  // The SDK itself finds it where its configure() looks.
  assert.equal(await new PersistentTokenStorage().getRefreshToken("default"), TOKEN);
  await store.remove("authgear_default_refreshToken");
  assert.equal(native.items.has("authgear_default_refreshToken"), false);
  assert.deepEqual(
    native.calls.filter(([, key]) => key === "authgear_default_refreshToken").map(([call]) => call),
    ["storageGetItem", "storageSetItem", "storageGetItem", "storageGetItem", "storageDeleteItem"],
  );
});

test("no message to web content contains the token, and no request reads it", async () => {
  native.items.set("authgear_default_refreshToken", TOKEN);
  const store = reactNativeStorage();
  // A session the page did not save: present, but the page learns nothing more.
  assert.equal(await store.get("authgear_default_refreshToken"), HELD_NATIVELY);
  assert.equal(await store.has("authgear_default_refreshToken"), true);
  assert.equal(await store.holds("authgear_default_refreshToken", "a guess"), false);
  assert.equal(await store.holds("authgear_default_refreshToken", TOKEN), true);
  // Asking for the value the old way is refused.
  const id = "a".repeat(32);
  onMessage({ nativeEvent: { data: JSON.stringify({ tag: "authgear-migrate/storage", id, op: "get", key: "authgear_default_refreshToken" }), url: pageURL } });
  await new Promise((resolve) => setTimeout(resolve, 10));
  assert.ok(toPage.length >= 5);
  for (const message of toPage) {
    assert.ok(!message.includes(TOKEN.slice(3, 19)), `a message to the page holds the token: ${message}`);
    const { value } = JSON.parse(message);
    assert.ok(value === undefined || value === null || typeof value === "boolean", message);
  }
  assert.match(toPage.at(-1), /unknown operation/);
  assert.ok(!requests.some((request) => request.op === "get"));
});

test("a failing native write is caught by the read-back, though the SDK's driver swallows it", async () => {
  native.failWrites = true;
  const store = reactNativeStorage();
  // PersistentTokenStorage's _SafeStorageDriver resolves even when the native module rejects.
  await store.set("authgear_default_refreshToken", TOKEN);
  assert.equal(native.items.size, 0);
  assert.notEqual(await store.get("authgear_default_refreshToken"), TOKEN);
});

test("request IDs are unpredictable, and a reply to a guessed ID is ignored", async () => {
  // The native side is slow; a script in another frame answers every plausible ID first.
  globalThis.ReactNativeWebView.postMessage = (data) => {
    const request = JSON.parse(data);
    requests.push(request);
    for (const guess of ["1", "0", `${Date.now().toString(36)}-1`, request.id.slice(0, 31)]) {
      globalThis.dispatchEvent(new MessageEvent("message", { data: JSON.stringify({ tag: "authgear-migrate/storage", id: guess, ok: true, value: true }) }));
    }
    setTimeout(() => onMessage({ nativeEvent: { data, url: pageURL } }), 5);
  };
  const store = reactNativeStorage();
  assert.equal(await store.has("authgear_default_refreshToken"), false, "a forged reply was taken");
  await store.has("authgear_default_refreshToken");
  const ids = requests.map((request) => request.id);
  assert.equal(new Set(ids).size, ids.length);
  for (const id of ids) assert.match(id, /^[0-9a-f]{32}$/);
});

test("a reply from another window is ignored, even with the right ID", async () => {
  const { port1: otherWindow } = new MessageChannel();
  globalThis.ReactNativeWebView.postMessage = (data) => {
    const { id } = JSON.parse(data);
    requests.push(id);
    // Right ID, wrong channel: posted by another window, so the event has a source.
    const forged = JSON.stringify({ tag: "authgear-migrate/storage", id, ok: true, value: true });
    globalThis.dispatchEvent(new MessageEvent("message", { data: forged, source: otherWindow }));
    setTimeout(() => onMessage({ nativeEvent: { data, url: pageURL } }), 5);
  };
  const store = reactNativeStorage();
  assert.equal(await store.has("authgear_default_refreshToken"), false);
  otherWindow.close();
});

test("keys the SDK's public storage cannot hold are refused", async () => {
  const store = reactNativeStorage();
  await assert.rejects(store.set("authgear_default_idToken", "id"), { name: "BridgeError", message: /unsupported key/ });
});

test("pages of other origins are refused, and the origin allowlist holds for every operation", async () => {
  native.items.set("authgear_default_refreshToken", TOKEN);
  pageURL = "https://evil.example.net/phish";
  const store = reactNativeStorage();
  for (const call of [() => store.has("authgear_default_refreshToken"), () => store.set("authgear_default_refreshToken", "x"), () => store.remove("authgear_default_refreshToken")]) {
    await assert.rejects(call(), { name: "BridgeError", message: /origin/ });
  }
  assert.equal(native.items.get("authgear_default_refreshToken"), TOKEN);
  assert.deepEqual(native.calls, []);
});

test("a native side that never answers times out", async () => {
  globalThis.ReactNativeWebView = { postMessage: () => {} };
  const store = reactNativeStorage({ timeoutMs: 50 });
  await assert.rejects(store.has("authgear_default_refreshToken"), { name: "TimeoutError" });
});

test("a missing bridge is a clear error", () => {
  delete globalThis.ReactNativeWebView;
  assert.throws(() => reactNativeStorage(), { code: "ERR_ADAPTER_UNAVAILABLE", message: /ReactNativeWebView/ });
});

test("the app's own messages pass through", () => {
  assert.equal(onMessage({ nativeEvent: { data: '{"type":"app"}', url: pageURL } }), false);
  assert.equal(onMessage({ nativeEvent: { data: "not json", url: pageURL } }), false);
});

test("wiring mistakes are reported at once", () => {
  const tokenStorage = new PersistentTokenStorage();
  const refused = (options, option, expected) =>
    assert.throws(() => createMigrationBridge(options), (error) => error.code === "ERR_INVALID_OPTION" && error.option === option && expected.test(error.message));
  refused({ webViewRef: {}, allowedOrigins: ["https://a"] }, "tokenStorage", /needs options\.tokenStorage: new PersistentTokenStorage\(\)/);
  refused({ tokenStorage: { setRefreshToken() {} }, webViewRef: {}, allowedOrigins: ["https://a"] }, "tokenStorage", /PersistentTokenStorage/);
  refused({ tokenStorage, allowedOrigins: ["https://a"] }, "webViewRef", /useRef/);
  refused({ tokenStorage, webViewRef: {}, allowedOrigins: [] }, "allowedOrigins", /non-empty array of origins/);
  // A page URL rather than an origin would refuse every page.
  refused({ tokenStorage, webViewRef: {}, allowedOrigins: ["https://app.example.com/home"] }, "allowedOrigins", /origins/);
  assert.doesNotThrow(() => createMigrationBridge({ tokenStorage, webViewRef: {}, allowedOrigins: ["https://app.example.com/", "http://10.0.2.2:8080"] }));
});
