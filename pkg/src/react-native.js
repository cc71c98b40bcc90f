// The native side of the React Native bridge: runs in the React Native app (not in the WebView),
// wired to the WebView's `onMessage`. It saves through `@authgear/react-native`'s public
// `PersistentTokenStorage`, the storage the SDK's `configure()` reads. It never sends the
// refresh token to the page: web content (a script injected into it, a frame) is less trusted
// than the app, so the page may write, remove, and ask "is it set?" or "is it this?", not read.

import { decode, encode } from "./adapters/protocol.js";
import { MigrateError } from "./errors.js";

const REFRESH_TOKEN_KEY = /^authgear_(.+)_refreshToken$/;

/**
 * @param {object} options
 * @param {{ getRefreshToken(ns: string): Promise<string | null>, setRefreshToken(ns: string, token: string): Promise<void>, delRefreshToken(ns: string): Promise<void> }} options.tokenStorage
 *   `new PersistentTokenStorage()` from `@authgear/react-native`.
 * @param {{ current?: { postMessage(data: string): void } | null }} options.webViewRef the WebView's ref.
 * @param {string[]} options.allowedOrigins origins of the pages allowed to use the bridge.
 * @returns {(event: { nativeEvent: { data: string, url?: string } }) => boolean}
 *   the `onMessage` handler; answers `true` for a message of ours, `false` for the app's own.
 */
export function createMigrationBridge({ tokenStorage, webViewRef, allowedOrigins } = {}) {
  for (const [name, ok, expected] of [
    ["tokenStorage", ["getRefreshToken", "setRefreshToken", "delRefreshToken"].every((method) => typeof tokenStorage?.[method] === "function"), "new PersistentTokenStorage() from @authgear/react-native"],
    ["webViewRef", webViewRef != null && typeof webViewRef === "object", "the WebView's ref, from useRef()"],
    // An origin with a path would never equal a page's, and refuse every page.
    ["allowedOrigins", Array.isArray(allowedOrigins) && allowedOrigins.length > 0 && allowedOrigins.every((origin) => typeof origin === "string" && originOf(origin) === origin.replace(/\/+$/, "").toLowerCase()), 'a non-empty array of origins, like ["https://app.example.com"] (a file:// page cannot use the bridge)'],
  ]) {
    if (!ok) throw new MigrateError(MigrateError.ERR_INVALID_OPTION, `createMigrationBridge() needs options.${name}: ${expected}`, { option: name });
  }
  const allowed = new Set(allowedOrigins.map((origin) => origin.replace(/\/+$/, "").toLowerCase()));

  return function onMessage(event) {
    const message = decode(event?.nativeEvent?.data);
    if (!message) return false;
    const reply = (answer) => webViewRef.current?.postMessage(encode({ id: message.id, ...answer }));
    // Only the app's own pages may touch the session.
    if (!allowed.has(originOf(event.nativeEvent.url))) {
      reply({ ok: false, error: "this page's origin is not in allowedOrigins" });
      return true;
    }
    const namespace = REFRESH_TOKEN_KEY.exec(message.key ?? "")?.[1];
    if (namespace === undefined) {
      // The SDK's public storage holds the refresh token only; the ID token is refetched.
      reply({ ok: false, error: `unsupported key ${JSON.stringify(message.key)}` });
      return true;
    }
    // Only a boolean or nothing goes back: never what the storage holds.
    perform(tokenStorage, message, namespace).then(
      (value) => reply({ ok: true, value }),
      // The error's name only: a storage error's text is not ours to pass to web content.
      (error) => reply({ ok: false, error: `${message.op} failed: ${error instanceof TypeError ? error.message : (error?.name ?? "Error")}` }),
    );
    return true;
  };
}

async function perform(tokenStorage, { op, value }, namespace) {
  switch (op) {
    case "has":
      return (await tokenStorage.getRefreshToken(namespace)) != null;
    case "compare":
      if (typeof value !== "string") throw new TypeError("compare needs a string value");
      return (await tokenStorage.getRefreshToken(namespace)) === value;
    case "set":
      if (typeof value !== "string") throw new TypeError("set needs a string value");
      await tokenStorage.setRefreshToken(namespace, value);
      return null;
    case "remove":
      await tokenStorage.delRefreshToken(namespace);
      return null;
    default:
      throw new TypeError(`unknown operation ${JSON.stringify(op)}`);
  }
}

// React Native's URL polyfill has no `origin` on older versions.
function originOf(url) {
  return /^[a-z][a-z0-9+.-]*:\/\/[^/?#]+/i.exec(url ?? "")?.[0].toLowerCase() ?? "";
}
