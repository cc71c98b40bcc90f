// The native side of the React Native bridge, under Node, talking to the page-side adapter over
// a loop that stands in for react-native-webview's two postMessage directions.
import assert from "node:assert/strict";
import { afterEach, beforeEach, test } from "node:test";
import { reactNativeStorage } from "../src/adapters/react-native.js";
import { createMigrationBridge } from "../src/react-native.js";

/** The public API of @authgear/react-native's PersistentTokenStorage, kept in memory. */
class TokenStorage {
  tokens = new Map();
  async getRefreshToken(namespace) {
    return this.tokens.get(namespace) ?? null;
  }
  async setRefreshToken(namespace, token) {
    this.tokens.set(namespace, token);
  }
  async delRefreshToken(namespace) {
    this.tokens.delete(namespace);
  }
}

// A WebView page's window is an event target; Node's global is not.
const page = new EventTarget();
globalThis.addEventListener = page.addEventListener.bind(page);
globalThis.dispatchEvent = page.dispatchEvent.bind(page);

let tokenStorage;
let pageURL;
let onMessage;

beforeEach(() => {
  tokenStorage = new TokenStorage();
  pageURL = "https://app.example.com/start";
  const webViewRef = {
    current: {
      // Native → page: react-native-webview dispatches a message event in the page.
      postMessage: (data) => queueMicrotask(() => globalThis.dispatchEvent(new MessageEvent("message", { data }))),
    },
  };
  onMessage = createMigrationBridge({ tokenStorage, webViewRef, allowedOrigins: ["https://APP.example.com/"] });
  // Page → native.
  globalThis.ReactNativeWebView = { postMessage: (data) => queueMicrotask(() => onMessage({ nativeEvent: { data, url: pageURL } })) };
});
afterEach(() => delete globalThis.ReactNativeWebView);

test("saves, reads and removes the refresh token through PersistentTokenStorage", async () => {
  const store = reactNativeStorage();
  assert.equal(store.name, "react-native");
  assert.equal(await store.get("authgear_default_refreshToken"), null);
  await store.set("authgear_default_refreshToken", "rt-1");
  assert.equal(tokenStorage.tokens.get("default"), "rt-1");
  assert.equal(await store.get("authgear_default_refreshToken"), "rt-1");
  await store.set("authgear_my_app_refreshToken", "rt-2");
  assert.equal(tokenStorage.tokens.get("my_app"), "rt-2");
  await store.remove("authgear_default_refreshToken");
  assert.equal(tokenStorage.tokens.has("default"), false);
});

test("keys the SDK's public storage cannot hold are refused", async () => {
  const store = reactNativeStorage();
  await assert.rejects(store.set("authgear_default_idToken", "id"), { name: "BridgeError", message: /unsupported key/ });
});

test("pages of other origins are refused", async () => {
  pageURL = "https://evil.example.net/phish";
  const store = reactNativeStorage();
  await assert.rejects(store.get("authgear_default_refreshToken"), { name: "BridgeError", message: /origin/ });
  assert.equal(tokenStorage.tokens.size, 0);
});

test("a native side that never answers times out", async () => {
  globalThis.ReactNativeWebView = { postMessage: () => {} };
  const store = reactNativeStorage({ timeoutMs: 50 });
  await assert.rejects(store.get("authgear_default_refreshToken"), { name: "TimeoutError" });
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
  assert.throws(() => createMigrationBridge({ webViewRef: {}, allowedOrigins: ["https://a"] }), /options.tokenStorage/);
  assert.throws(() => createMigrationBridge({ tokenStorage, webViewRef: {}, allowedOrigins: [] }), /options.allowedOrigins/);
});
