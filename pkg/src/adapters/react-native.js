// React Native: the Authgear SDK keeps its session natively, out of the WebView's reach. The page
// asks the native side over `window.ReactNativeWebView.postMessage` and awaits the correlated
// reply, which the app's WebView delivers back with `webView.postMessage` (see react-native.js).

import { MigrateError } from "../errors.js";
import { decode, encode } from "./protocol.js";

let pending;
let nextID = 0;

/**
 * The `@authgear/react-native` SDK's storage, through the app's bridge.
 * @param {{ timeoutMs?: number }} [options] how long to wait for each reply (default 5000)
 */
export function reactNativeStorage({ timeoutMs = 5000 } = {}) {
  if (typeof globalThis.ReactNativeWebView?.postMessage !== "function") {
    throw new MigrateError(
      MigrateError.ERR_ADAPTER_UNAVAILABLE,
      "reactNativeStorage() needs window.ReactNativeWebView: this page is not inside a React Native WebView, or the WebView has no onMessage handler",
    );
  }
  const ask = (op, key, value) => request({ op, key, value }, timeoutMs);
  return {
    name: "react-native",
    get: (key) => ask("get", key),
    set: (key, value) => ask("set", key, value).then(() => undefined),
    remove: (key) => ask("remove", key).then(() => undefined),
  };
}

function request(message, timeoutMs) {
  listen();
  const id = `${Date.now().toString(36)}-${(nextID += 1)}`;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      pending.delete(id);
      reject(named("TimeoutError", `no reply from the React Native side within ${timeoutMs} ms (is authgear-migrate/react-native wired to the WebView?)`));
    }, timeoutMs);
    pending.set(id, { resolve, reject, timer });
    globalThis.ReactNativeWebView.postMessage(encode({ id, ...message }));
  });
}

// react-native-webview delivers `webView.postMessage(data)` as a message event on `window`
// (iOS) or `document` (Android).
function listen() {
  if (pending) return;
  pending = new Map();
  const receive = (event) => {
    const reply = decode(event.data);
    const waiting = reply && pending.get(reply.id);
    if (!waiting) return;
    pending.delete(reply.id);
    clearTimeout(waiting.timer);
    if (reply.ok) waiting.resolve(reply.value ?? null);
    else waiting.reject(named("BridgeError", reply.error ?? "the React Native side refused the request"));
  };
  globalThis.addEventListener?.("message", receive);
  globalThis.document?.addEventListener?.("message", receive);
}

function named(name, message) {
  const error = new Error(`authgear-migrate: ${message}`);
  error.name = name;
  return error;
}
