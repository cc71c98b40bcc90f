// React Native: the Authgear SDK keeps its session natively, out of the WebView's reach. The page
// asks the native side over `window.ReactNativeWebView.postMessage` and awaits the correlated
// reply, which the app's WebView delivers back with `webView.postMessage` (see react-native.js).
//
// The native side never sends a token to the page: it answers whether a key is set (`has`) and
// whether it holds exactly a value the page sends (`compare`), which is all the engine's
// "already migrated?" and read-back checks need.

import { MigrateError } from "../errors.js";
import { decode, encode } from "./protocol.js";

/** What `get` answers for a key that is set natively but was not saved by this page. */
export const HELD_NATIVELY = "[held natively]";

let pending;

/**
 * The `@authgear/react-native` SDK's storage, through the app's bridge.
 * @param {{ timeoutMs?: number }} [options] how long to wait for each reply (default 5000)
 */
export function reactNativeStorage({ timeoutMs = 5000 } = {}) {
  if (typeof globalThis.ReactNativeWebView?.postMessage !== "function") {
    throw new MigrateError(
      MigrateError.ERR_ADAPTER_UNAVAILABLE,
      "reactNativeStorage() needs window.ReactNativeWebView: a React Native WebView with an onMessage handler",
    );
  }
  const ask = (op, key, value) => request({ op, key, value }, timeoutMs);
  // Values this page saved: `get` returns one only once the native side confirms it holds it.
  const saved = new Map();
  const has = async (key) => (await ask("has", key)) === true;
  const holds = async (key, value) => (await ask("compare", key, value)) === true;
  return {
    name: "react-native",
    has,
    holds,
    async get(key) {
      const value = saved.get(key);
      if (value !== undefined && (await holds(key, value))) return value;
      return (await has(key)) ? HELD_NATIVELY : null;
    },
    async set(key, value) {
      saved.set(key, value);
      await ask("set", key, value);
    },
    async remove(key) {
      saved.delete(key);
      await ask("remove", key);
    },
  };
}

function request(message, timeoutMs) {
  listen();
  // Unpredictable: a reply must answer a request this page made, not a guess.
  const id = Array.from(crypto.getRandomValues(new Uint8Array(16)), (byte) => byte.toString(16).padStart(2, "0")).join("");
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      pending.delete(id);
      reject(named("TimeoutError", `no reply from the React Native side within ${timeoutMs} ms (is authgear-migrate/react-native wired to the WebView?)`));
    }, timeoutMs);
    pending.set(id, { resolve, reject, timer });
    globalThis.ReactNativeWebView.postMessage(encode({ id, ...message }));
  });
}

// react-native-webview delivers `webView.postMessage(data)` as a message event it dispatches
// itself on `window` (iOS) or `document` (Android): such an event has no `source`. A message
// another window or frame posts has one, and is not the native side's.
function listen() {
  if (pending) return;
  pending = new Map();
  const receive = (event) => {
    if (event.source != null) return;
    const reply = decode(event.data);
    const waiting = reply && typeof reply.id === "string" && pending.get(reply.id);
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
