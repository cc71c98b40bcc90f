// Validates what the app passed, once, with errors that name the option; then normalises it
// into the engine's form (src/core/options.rs): absolute URLs, defaults, storage keys.

import { capacitorAuthgear, capacitorStorage, capacitorUndetermined } from "./adapters/capacitor.js";
import { REACT_NATIVE_NEEDS, hasReactNativeBridge } from "./adapters/detect.js";
import { absent, invalid, isPlainObject, object, oneOf, optional, parseURL, text, worded } from "./check.js";
import { MigrateError } from "./errors.js";
import { keysFor } from "./keys.js";
import { PRESET_OPTIONS, normalizePreset } from "./presets.js";

const TOKEN_KINDS = ["accessToken", "refreshToken", "idToken"];

/**
 * @param {import("../index.js").MigrateOptions} options
 * @returns {Promise<{ engine: object, hooks: { read?: Function, clear?: Function, write?: Function, onEvent?: Function, authgearStore?: object, legacyStore?: object }, rollout: { enabled: boolean | Function, sample: number }, wasmURL?: string }>}
 */
export async function normalizeOptions(options) {
  const normalized = await checked(() => normalize(options));
  // The React Native bridge is loaded only inside a React Native WebView: web pages never fetch it.
  if (normalized.hooks.authgearStore === REACT_NATIVE) {
    const { bridgeStorage } = await import("./adapters/bridge.js");
    normalized.hooks.authgearStore = bridgeStorage();
  }
  return normalized;
}

/** `preloadEngine`'s `wasmURL`, checked as `migrateSession` checks its own. */
export function normalizeWasmURL(wasmURL) {
  return checked(() => wasmLocation(wasmURL));
}

/** What `check` answers; a refusal it throws, worded. */
async function checked(check) {
  try {
    return check();
  } catch (error) {
    throw await worded(error);
  }
}

const REACT_NATIVE = "react-native";

function normalize(options) {
  object(options, "", ["authgear", "exchange", "legacy", "cleanup", "clockTolerance", "dryRun", "enabled", "sample", "wasmURL", "onEvent", "debug"]);
  const { authgear, authgearStore } = normalizeAuthgear(options.authgear);
  const exchange = normalizeExchange(options.exchange);
  const { legacy, read, clear, write, legacyStore } = normalizeLegacy(options.legacy);
  const cleanup = oneOf(options.cleanup, "cleanup", ["remove", "keep"], "remove");
  const clockTolerance = integer(options.clockTolerance, "clockTolerance", 0, 3600, 60);
  const onEvent = optional(options.onEvent, "onEvent", "function");
  const debug = optional(options.debug, "debug", "boolean");
  const dryRun = optional(options.dryRun, "dryRun", "boolean") === true;
  const { enabled = true } = options;
  const sample = options.sample ?? 1;
  if (typeof enabled !== "boolean") optional(enabled, "enabled", "function", "enabled");
  if (!(sample >= 0 && sample <= 1) || typeof sample !== "number") invalid("sample", "sample", options.sample);
  return {
    engine: { authgear, exchange, legacy, cleanup, clockToleranceSeconds: clockTolerance, dryRun, keys: keysFor(authgear.name) },
    rollout: { enabled, sample },
    wasmURL: wasmLocation(options.wasmURL),
    hooks: { read, clear, write, onEvent: reporter(onEvent, debug), authgearStore, legacyStore },
  };
}

function normalizeAuthgear(authgear) {
  object(authgear, "authgear", ["endpoint", "clientID", "name", "storage", "issuer", "sessionType"]);
  // Checked first: nothing else of the options may touch the device for an app that cannot be migrated.
  if (oneOf(authgear.sessionType, "authgear.sessionType", ["refresh_token", "cookie"], "refresh_token") === "cookie") {
    invalid("authgear.sessionType", "authgear.sessionType", "cookie");
  }
  const endpoint = origin(authgear.endpoint, "authgear.endpoint");
  return {
    authgear: {
      endpoint,
      clientID: text(authgear.clientID, "authgear.clientID"),
      name: text(authgear.name, "authgear.name", "default"),
      issuers: issuers(authgear.issuer, endpoint),
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
  const many = Array.isArray(issuer);
  if (many && issuer.length === 0) invalid("authgear.issuer", "authgear.issuer", issuer);
  const origins = (many ? issuer : [issuer]).map((value, index) => origin(value, many ? `authgear.issuer[${index}]` : "authgear.issuer"));
  return [...new Set(origins)].filter((other) => other !== endpoint);
}

/** An origin with no path, like https://myapp.authgear.cloud. */
function origin(value, option) {
  const parsed = url(value, option, false);
  if (parsed.pathname !== "/" || parsed.search || parsed.hash) invalid(option, "origin", value);
  return parsed.origin;
}

/**
 * Where the Authgear SDK of this app keeps its session: `localStorage` for `@authgear/web`, the
 * native plugin for `@authgear/capacitor`, the native side for `@authgear/react-native`. `auto`
 * asks Capacitor whether the native Authgear plugin is there (registered or not yet), then looks
 * for the React Native bridge. `undefined` means localStorage.
 */
function authgearStorage(storage = "auto") {
  if (isPlainObject(storage)) return adapter(storage, "authgear.storage");
  let detected = oneOf(storage, "authgear.storage", ["auto", "localStorage", "capacitor", "react-native"]);
  if (detected === "auto") {
    const capacitor = capacitorAuthgear();
    // A native app that says nothing of its plugins: saving to localStorage could put the
    // session where @authgear/capacitor never looks, so save nowhere and answer `deferred`.
    if (capacitor === "unknown") return capacitorUndetermined();
    detected = capacitor === "yes" ? "capacitor" : hasReactNativeBridge() ? REACT_NATIVE : "localStorage";
  }
  if (detected === REACT_NATIVE) {
    // Stands for the bridge's adapter until normalizeOptions loads it.
    if (hasReactNativeBridge()) return REACT_NATIVE;
    throw unavailable(detected, `it ${REACT_NATIVE_NEEDS}`);
  }
  try {
    if (detected === "capacitor") return capacitorStorage();
  } catch (error) {
    throw unavailable(detected, error.message.replace(/^authgear-migrate: \S+ /, "it "), error);
  }
  return undefined;
}

/** The named platform's Authgear storage is not on this device. */
function unavailable(detected, why, cause) {
  return new MigrateError(MigrateError.ERR_ADAPTER_UNAVAILABLE, `options.authgear.storage is "${detected}", but ${why}`, { option: "authgear.storage", cause });
}

/** A storage adapter object: async (or sync) `get`, `set`, `remove`, optional `keys`, `name`. */
function adapter(value, option) {
  for (const method of ["get", "set", "remove"]) {
    if (typeof value[method] !== "function") invalid(option, "adapter", value, method);
  }
  optional(value.keys, `${option}.keys`, "function");
  if (value.name !== undefined) text(value.name, `${option}.name`);
  return value;
}

function normalizeExchange(exchange) {
  object(exchange, "exchange", ["url", "timeoutMs", "budgetMs", "credentials", "deviceInfo"]);
  const timeoutMs = integer(exchange.timeoutMs, "exchange.timeoutMs", 1, 120_000, 10_000);
  const budgetMs = integer(exchange.budgetMs, "exchange.budgetMs", timeoutMs, 600_000, Math.max(20_000, timeoutMs));
  return {
    url: url(exchange.url, "exchange.url", true).href,
    timeoutMs,
    budgetMs,
    credentials: oneOf(exchange.credentials, "exchange.credentials", ["omit", "same-origin", "include"], "same-origin"),
    deviceInfo: exchange.deviceInfo === undefined ? null : jsonText(exchange.deviceInfo),
  };
}

/** `exchange.deviceInfo` as JSON text, written here: one JSON cannot write (a BigInt, a cycle) is refused. */
function jsonText(value) {
  try {
    if (isPlainObject(value)) return JSON.stringify(value);
  } catch {
    // Refused below.
  }
  invalid("exchange.deviceInfo", "exchange.deviceInfo", value);
}

function normalizeLegacy(legacy) {
  object(legacy, "legacy", ["storage", "key", "pointer", "read", "clear", "write", "issuer", "audience", ...PRESET_OPTIONS]);
  const expect = { issuer: text(legacy.issuer, "legacy.issuer", null), audience: text(legacy.audience, "legacy.audience", null) };
  const preset = normalizePreset(legacy);
  if (preset) return { legacy: { source: preset, ...expect } };
  const { read, clear, write } = legacy;
  if (read !== undefined) {
    absent(legacy, ["storage", "key", "pointer"], "withRead");
    for (const name of ["read", "clear", "write"]) optional(legacy[name], `legacy.${name}`, "function");
    return { legacy: { source: { callback: { hasClear: clear !== undefined } }, ...expect }, read, clear, write };
  }
  absent(legacy, ["clear", "write"], "withoutRead");
  if (legacy.storage === undefined) invalid("legacy", "legacy", legacy);
  const legacyStore = isPlainObject(legacy.storage) ? adapter(legacy.storage, "legacy.storage") : undefined;
  const area = legacyStore ? "adapter" : oneOf(legacy.storage, "legacy.storage", ["localStorage", "sessionStorage", "cookie"]);
  const storage = { area, key: text(legacy.key, "legacy.key"), pointers: pointers(legacy.pointer) };
  return { legacy: { source: { storage }, ...expect }, legacyStore };
}

/** `pointer` is one JSON pointer (to the access token) or one per token kind. */
function pointers(pointer = "") {
  if (typeof pointer === "string") return { accessToken: jsonPointer(pointer, "legacy.pointer") };
  object(pointer, "legacy.pointer", TOKEN_KINDS);
  const picked = {};
  for (const kind of TOKEN_KINDS) {
    if (pointer[kind] !== undefined) picked[kind] = jsonPointer(pointer[kind], `legacy.pointer.${kind}`);
  }
  if (Object.keys(picked).length === 0) invalid("legacy.pointer", "legacy.pointer", pointer, TOKEN_KINDS);
  return picked;
}

function jsonPointer(value, option) {
  if (typeof value !== "string" || (value !== "" && value[0] !== "/")) invalid(option, "pointer", value);
  return value;
}

/**
 * Absolute URL. The exchange URL also follows the credential policy: it receives the legacy
 * credential, so it must be https, on the page's own origin, or loopback (development).
 */
function url(value, option, relativeAllowed) {
  const page = relativeAllowed ? globalThis.location : undefined;
  const parsed = typeof value === "string" && value !== "" && parseURL(value, page?.href);
  if (!parsed || !(parsed.protocol === "https:" || page?.origin === parsed.origin || (parsed.protocol === "http:" && isLoopback(parsed.hostname)))) {
    invalid(option, "url", value, relativeAllowed);
  }
  if (parsed.username || parsed.password) invalid(option, "userinfo", value, relativeAllowed);
  return parsed;
}

/** `wasmURL`: absolute, under the same policy as the exchange URL; undefined when not given. */
function wasmLocation(value) {
  // A URL's text (from this page's realm or another's); anything else not a string is refused.
  return value === undefined ? undefined : url(value?.href ?? value, "wasmURL", true).href;
}

function isLoopback(hostname) {
  return hostname === "localhost" || hostname === "[::1]" || /^127(\.\d{1,3}){3}$/.test(hostname);
}

function integer(value, option, min, max, fallback) {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < min || value > max) invalid(option, "integer", value, [min, max]);
  return value;
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
