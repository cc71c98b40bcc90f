// Validates what the app passed, once, with errors that name the option; then normalises it
// into the engine's form (src/core/options.rs): absolute URLs, defaults, storage keys.

import { capacitorAuthgear, capacitorStorage, capacitorUndetermined } from "./adapters/capacitor.js";
import { reactNativeStorage } from "./adapters/react-native.js";
import { MigrateError } from "./errors.js";
import { keysFor } from "./keys.js";
import { PRESET_OPTIONS, normalizePreset } from "./presets.js";

const STORAGES = ["localStorage", "sessionStorage", "cookie"];
const TOKEN_KINDS = ["accessToken", "refreshToken", "idToken"];

/**
 * @param {import("../index.js").MigrateOptions} options
 * @returns {{ engine: object, hooks: { read?: Function, clear?: Function, write?: Function, onEvent?: Function, authgearStore?: object, legacyStore?: object }, rollout: { enabled: boolean | Function, sample: number }, wasmURL?: string }}
 */
export function normalizeOptions(options) {
  object(options, "", ["authgear", "exchange", "legacy", "cleanup", "clockTolerance", "dryRun", "enabled", "sample", "wasmURL", "onEvent", "debug"]);
  const { authgear, authgearStore } = normalizeAuthgear(options.authgear);
  const exchange = normalizeExchange(options.exchange);
  const { legacy, read, clear, write, legacyStore } = normalizeLegacy(options.legacy);
  const cleanup = oneOf(options.cleanup, "cleanup", ["remove", "keep"], "remove");
  const clockTolerance = integer(options.clockTolerance, "clockTolerance", 0, 3600, 60);
  const onEvent = optionalFunction(options.onEvent, "onEvent");
  const debug = optionalBoolean(options.debug, "debug");
  const dryRun = optionalBoolean(options.dryRun, "dryRun");
  if (options.enabled !== undefined && typeof options.enabled !== "boolean" && typeof options.enabled !== "function") {
    invalid("enabled", "true, false, or a function returning (a promise of) one", options.enabled);
  }
  const sample = options.sample ?? 1;
  if (typeof sample !== "number" || !(sample >= 0 && sample <= 1)) invalid("sample", "a number from 0 to 1", options.sample);
  const wasmURL = options.wasmURL === undefined ? undefined : url(String(options.wasmURL), "wasmURL", true).href;
  return {
    engine: {
      authgear,
      exchange,
      legacy,
      cleanup,
      clockToleranceSeconds: clockTolerance,
      dryRun,
      keys: keysFor(authgear.name, legacy),
    },
    rollout: { enabled: options.enabled ?? true, sample },
    wasmURL,
    hooks: { read, clear, write, onEvent: reporter(onEvent, debug), authgearStore, legacyStore },
  };
}

function normalizeAuthgear(authgear) {
  object(authgear, "authgear", ["endpoint", "clientID", "name", "storage", "issuer", "sessionType"]);
  // Checked first: nothing else of the options may touch the device for an app that cannot be migrated.
  const sessionType = oneOf(authgear.sessionType, "authgear.sessionType", ["refresh_token", "cookie"], "refresh_token");
  if (sessionType === "cookie") {
    throw new MigrateError(
      MigrateError.ERR_INVALID_OPTION,
      'options.authgear.sessionType is "cookie": an Authgear cookie session lives in an HttpOnly cookie that only Authgear\'s own sign-in sets, and cannot be created from an exchange, so this app cannot be migrated by saving a refresh token; use sessionType "refresh_token" in the Authgear SDK (and here), or keep the legacy sign-in until the user signs in with Authgear',
      { option: "authgear.sessionType" },
    );
  }
  const endpoint = url(authgear.endpoint, "authgear.endpoint", false);
  if (!isOrigin(endpoint)) {
    invalid("authgear.endpoint", "the project's origin, like https://myapp.authgear.cloud, with no path", authgear.endpoint);
  }
  return {
    authgear: {
      endpoint: endpoint.origin,
      clientID: text(authgear.clientID, "authgear.clientID"),
      name: authgear.name === undefined ? "default" : text(authgear.name, "authgear.name"),
      issuers: issuers(authgear.issuer, endpoint.origin),
    },
    authgearStore: authgearStorage(authgear.storage),
  };
}

/**
 * `authgear.issuer`: the other origins a JWT access token of this project may name as `iss`.
 * Authgear sets `iss` to the origin the Admin API was called at, which differs from the SDK's
 * endpoint when the app uses a custom domain and the migration endpoint calls the project's
 * `*.authgear.cloud` origin (or the reverse).
 */
function issuers(issuer, endpoint) {
  if (issuer === undefined) return [];
  const list = Array.isArray(issuer) ? issuer : [issuer];
  const option = (index) => (Array.isArray(issuer) ? `authgear.issuer[${index}]` : "authgear.issuer");
  if (list.length === 0) invalid("authgear.issuer", "an origin or a non-empty array of origins", issuer);
  const origins = list.map((value, index) => {
    const parsed = url(value, option(index), false);
    if (!isOrigin(parsed)) invalid(option(index), "an origin, like https://myapp.authgear.cloud, with no path", value);
    return parsed.origin;
  });
  return [...new Set(origins)].filter((origin) => origin !== endpoint);
}

function isOrigin(parsed) {
  return parsed.pathname === "/" && !parsed.search && !parsed.hash;
}

/**
 * Where the Authgear SDK of this app keeps its session: `localStorage` for `@authgear/web`, the
 * native plugin for `@authgear/capacitor`, the native side for `@authgear/react-native`. `auto`
 * asks Capacitor whether the native Authgear plugin is there (registered or not yet), then looks
 * for the React Native bridge. `undefined` means localStorage.
 */
function authgearStorage(storage = "auto") {
  if (typeof storage === "object" && storage !== null) return adapter(storage, "authgear.storage");
  const choice = oneOf(storage, "authgear.storage", ["auto", "localStorage", "capacitor", "react-native"]);
  let detected = choice;
  if (choice === "auto") {
    const capacitor = capacitorAuthgear();
    // A native app that says nothing of its plugins: saving to localStorage could put the
    // session where @authgear/capacitor never looks, so save nowhere and answer `deferred`.
    if (capacitor === "unknown") return capacitorUndetermined();
    detected = capacitor === "yes" ? "capacitor" : typeof globalThis.ReactNativeWebView?.postMessage === "function" ? "react-native" : "localStorage";
  }
  try {
    if (detected === "capacitor") return capacitorStorage();
    if (detected === "react-native") return reactNativeStorage();
  } catch (error) {
    throw new MigrateError(MigrateError.ERR_ADAPTER_UNAVAILABLE, `options.authgear.storage is "${detected}", but ${error.message.replace(/^authgear-migrate: \S+ /, "it ")}`, { option: "authgear.storage", cause: error });
  }
  return undefined;
}

/** A storage adapter object: async (or sync) `get`, `set`, `remove`, optional `keys`, `name`. */
function adapter(value, option) {
  for (const method of ["get", "set", "remove"]) {
    if (typeof value[method] !== "function") invalid(option, `"localStorage", "capacitor", "react-native", "auto" or an adapter with get, set and remove methods (${method} is missing)`, value);
  }
  if (value.keys !== undefined && typeof value.keys !== "function") invalid(`${option}.keys`, "a function", value.keys);
  if (value.name !== undefined) text(value.name, `${option}.name`);
  return value;
}

function normalizeExchange(exchange) {
  object(exchange, "exchange", ["url", "timeoutMs", "budgetMs", "credentials", "deviceInfo"]);
  const timeoutMs = integer(exchange.timeoutMs, "exchange.timeoutMs", 1, 120_000, 10_000);
  const budgetMs = integer(exchange.budgetMs, "exchange.budgetMs", timeoutMs, 600_000, Math.max(20_000, timeoutMs));
  let deviceInfo = null;
  if (exchange.deviceInfo !== undefined) {
    if (!isPlainObject(exchange.deviceInfo)) invalid("exchange.deviceInfo", "a plain object", exchange.deviceInfo);
    deviceInfo = base64url(JSON.stringify(exchange.deviceInfo));
  }
  return {
    url: url(exchange.url, "exchange.url", true).href,
    timeoutMs,
    budgetMs,
    credentials: oneOf(exchange.credentials, "exchange.credentials", ["omit", "same-origin", "include"], "same-origin"),
    deviceInfo,
  };
}

function normalizeLegacy(legacy) {
  object(legacy, "legacy", ["storage", "key", "pointer", "read", "clear", "write", "issuer", "audience", ...PRESET_OPTIONS]);
  const issuer = optionalText(legacy.issuer, "legacy.issuer");
  const audience = optionalText(legacy.audience, "legacy.audience");
  const preset = normalizePreset(legacy);
  if (preset) return { legacy: { source: preset, issuer, audience } };
  if (legacy.read !== undefined) {
    for (const name of ["storage", "key", "pointer"]) {
      if (legacy[name] !== undefined) invalid(`legacy.${name}`, "absent when legacy.read is given (one source at a time)", legacy[name]);
    }
    const read = optionalFunction(legacy.read, "legacy.read");
    const clear = optionalFunction(legacy.clear, "legacy.clear");
    const write = optionalFunction(legacy.write, "legacy.write");
    return { legacy: { source: { callback: { hasClear: clear !== undefined } }, issuer, audience }, read, clear, write };
  }
  for (const name of ["clear", "write"]) {
    if (legacy[name] !== undefined) invalid(`legacy.${name}`, "absent unless legacy.read is given", legacy[name]);
  }
  if (legacy.storage === undefined) {
    invalid("legacy", "an object with either `storage` and `key`, or a `read` function", legacy);
  }
  const legacyStore = typeof legacy.storage === "object" && legacy.storage !== null ? adapter(legacy.storage, "legacy.storage") : undefined;
  const area = legacyStore ? "adapter" : oneOf(legacy.storage, "legacy.storage", STORAGES);
  const key = text(legacy.key, "legacy.key");
  return { legacy: { source: { storage: { area, key, pointers: pointers(legacy.pointer) } }, issuer, audience }, legacyStore };
}

/** `pointer` is one JSON pointer (to the access token) or one per token kind. */
function pointers(pointer) {
  if (pointer === undefined) return { accessToken: "" };
  if (typeof pointer === "string") return { accessToken: jsonPointer(pointer, "legacy.pointer") };
  object(pointer, "legacy.pointer", TOKEN_KINDS);
  const picked = {};
  for (const kind of TOKEN_KINDS) {
    if (pointer[kind] !== undefined) picked[kind] = jsonPointer(pointer[kind], `legacy.pointer.${kind}`);
  }
  if (Object.keys(picked).length === 0) {
    invalid("legacy.pointer", "a JSON pointer, or an object with at least one of accessToken, refreshToken, idToken", pointer);
  }
  return picked;
}

function jsonPointer(value, option) {
  if (typeof value !== "string" || (value !== "" && !value.startsWith("/"))) {
    invalid(option, 'an RFC 6901 JSON pointer such as "/access_token" ("" for the whole value)', value);
  }
  return value;
}

/**
 * Absolute URL. The exchange URL also follows the credential policy: it receives the legacy
 * credential, so it must be https, on the page's own origin, or loopback (development).
 */
function url(value, option, relativeAllowed) {
  const expected = relativeAllowed
    ? "an https URL, a path on this page's origin, or an http://localhost / 127.0.0.1 URL"
    : "an https URL (or http://localhost / 127.0.0.1 in development)";
  if (typeof value !== "string" || value === "") invalid(option, expected, value);
  const base = relativeAllowed ? globalThis.location?.href : undefined;
  let parsed;
  try {
    parsed = new URL(value, base);
  } catch {
    invalid(option, expected, value);
  }
  if (parsed.username || parsed.password) invalid(option, `${expected}, without user or password`, value);
  const sameOrigin = relativeAllowed && globalThis.location?.origin === parsed.origin;
  if (!(parsed.protocol === "https:" || sameOrigin || (parsed.protocol === "http:" && isLoopback(parsed.hostname)))) {
    invalid(option, expected, value);
  }
  return parsed;
}

function isLoopback(hostname) {
  return hostname === "localhost" || hostname === "[::1]" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
}

function object(value, option, known) {
  if (!isPlainObject(value)) invalid(option || "options", "an object", value);
  for (const name of Object.keys(value)) {
    if (!known.includes(name)) {
      const path = option ? `${option}.${name}` : name;
      throw new MigrateError(MigrateError.ERR_INVALID_OPTION, `options.${path} is not an option (known: ${known.join(", ")})`, { option: path });
    }
  }
}

function text(value, option) {
  if (typeof value !== "string" || value.trim() === "") invalid(option, "a non-empty string", value);
  return value;
}

function optionalText(value, option) {
  return value === undefined ? null : text(value, option);
}

function oneOf(value, option, allowed, fallback) {
  if (value === undefined && fallback !== undefined) return fallback;
  if (!allowed.includes(value)) invalid(option, `one of ${allowed.map((a) => JSON.stringify(a)).join(", ")}`, value);
  return value;
}

function integer(value, option, min, max, fallback) {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < min || value > max) invalid(option, `an integer from ${min} to ${max}`, value);
  return value;
}

function optionalFunction(value, option) {
  if (value !== undefined && typeof value !== "function") invalid(option, "a function", value);
  return value;
}

function optionalBoolean(value, option) {
  if (value !== undefined && typeof value !== "boolean") invalid(option, "true or false", value);
  return value === true;
}

function isPlainObject(value) {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function invalid(option, expected, got) {
  throw new MigrateError(MigrateError.ERR_INVALID_OPTION, `options.${option} must be ${expected}; got ${describe(got)}`, { option });
}

function describe(value) {
  if (value === undefined) return "nothing";
  if (typeof value === "string") return JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value);
  if (typeof value === "function") return "a function";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object" && value !== null) return "an object";
  return String(value);
}

function base64url(text) {
  const bytes = new TextEncoder().encode(text);
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** `onEvent`, plus the console when `debug` is on. A throwing listener changes nothing. */
function reporter(onEvent, debug) {
  if (!onEvent && !debug) return undefined;
  return (event) => {
    if (debug) console.debug("[authgear-migrate]", event);
    try {
      onEvent?.(event);
    } catch {
      // The app's listener is not ours to fail on.
    }
  };
}
