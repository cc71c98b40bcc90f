// React Native: the page side of the bridge (see react-native.js beside it for why it is here).
// Loaded only on a page inside a React Native WebView: it imports nothing the package's entry
// imports, so a bundler keeps it in a chunk of its own that web pages never fetch.

import { decode, encode } from "./protocol.js";

/** What `get` answers for a key that is set natively but was not saved by this page. */
export const HELD_NATIVELY = "[held natively]";

let pending;

/** The `@authgear/react-native` SDK's storage over the app's bridge (checked present by the caller). */
export function bridgeStorage(timeoutMs = 5000) {
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
