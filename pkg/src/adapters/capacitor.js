// Capacitor: the Authgear SDK keeps its session natively through the `Authgear` plugin, with the
// same key names as the web SDK (authgear-sdk-js packages/authgear-capacitor/src/plugin.ts).

import { MigrateError } from "../errors.js";

const PLUGIN = "Authgear";

/**
 * The `@authgear/capacitor` SDK's storage: `storageGetItem`, `storageSetItem`,
 * `storageDeleteItem` of the native plugin registered as `Authgear`. Before
 * `@authgear/capacitor` is imported (an early bootstrap module, a lazy chunk) the plugin is not
 * registered yet; on a native platform whose bridge lists it, the calls go to the bridge directly,
 * as the registered plugin's own methods would.
 */
export function capacitorStorage({ plugin } = {}) {
  if (plugin === undefined && !isNativePlatform(globalThis.Capacitor)) {
    required(plugin, "capacitorStorage", "a native Capacitor app", "on the web platform the session is @authgear/web's, in localStorage");
  }
  const native = required(plugin ?? authgearPlugin(), "capacitorStorage", "the Authgear Capacitor plugin (install @authgear/capacitor)");
  return {
    name: "capacitor",
    get: async (key) => (await native.storageGetItem({ key }))?.value ?? null,
    set: (key, value) => native.storageSetItem({ key, value }),
    remove: (key) => native.storageDeleteItem({ key }),
  };
}

/**
 * Whether this page runs in a native Capacitor app that has the Authgear plugin: `"yes"`,
 * `"no"` (not native, or a native app whose bridge does not list it), or `"unknown"` (native,
 * but nothing says which plugins it has).
 */
export function capacitorAuthgear() {
  const capacitor = globalThis.Capacitor;
  // Asked first: on the web platform @capacitor/core registers every plugin as a proxy whose
  // calls reject, and an Ionic app's web build signs in with @authgear/web.
  if (!isNativePlatform(capacitor)) return "no";
  if (capacitor?.Plugins?.[PLUGIN] || nativeHeader(capacitor) || safeCall(() => capacitor?.isPluginAvailable?.(PLUGIN)) === true) return "yes";
  return Array.isArray(capacitor?.PluginHeaders) ? "no" : "unknown";
}

/**
 * Where to save on a native platform that lists no plugins: nowhere. Every call refuses, so the
 * engine answers `deferred` (`storage`) having touched nothing.
 */
export function capacitorUndetermined() {
  const refuse = async () => {
    // Only the name reaches the outcome's events; the engine answers `deferred` (`storage`).
    const error = new Error("the native bridge lists no plugins");
    error.name = "CapacitorPluginsUnknown";
    throw error;
  };
  return { name: "capacitor", get: refuse, set: refuse, remove: refuse };
}

/** The registered plugin, or else the native bridge's methods for it when the bridge lists it. */
function authgearPlugin() {
  const capacitor = globalThis.Capacitor;
  const registered = capacitor?.Plugins?.[PLUGIN];
  if (registered) return registered;
  if (!isNativePlatform(capacitor) || !nativeHeader(capacitor) || typeof capacitor.nativePromise !== "function") return undefined;
  // What @capacitor/core's registerPlugin() does for a method whose header says "promise".
  const call = (method) => (options) => capacitor.nativePromise(PLUGIN, method, options);
  return { storageGetItem: call("storageGetItem"), storageSetItem: call("storageSetItem"), storageDeleteItem: call("storageDeleteItem") };
}

// @capacitor/core's getPlatformId(): the Android bridge, or WebKit's message handler on iOS. The
// native side injects both, and `Capacitor.PluginHeaders`, before any page script runs.
function isNativePlatform(capacitor) {
  const declared = safeCall(() => capacitor?.isNativePlatform?.());
  if (typeof declared === "boolean") return declared;
  return Boolean(globalThis.androidBridge || globalThis.webkit?.messageHandlers?.bridge);
}

function nativeHeader(capacitor) {
  const headers = capacitor?.PluginHeaders;
  return Array.isArray(headers) && headers.some((header) => header?.name === PLUGIN);
}

function safeCall(ask) {
  try {
    return ask();
  } catch {
    return undefined;
  }
}

/**
 * Legacy data kept with `@capacitor/preferences`, or any plugin with its method shapes
 * (`get({key}) → {value}`, `set({key, value})`, `remove({key})`, `keys() → {keys}`), passed as
 * the plugin object or its registered name.
 */
export function capacitorPreferences({ plugin = "Preferences" } = {}) {
  const named = typeof plugin === "string";
  const native = required(
    named ? globalThis.Capacitor?.Plugins?.[plugin] : plugin,
    "capacitorPreferences",
    named ? `the Capacitor plugin "${plugin}"` : "a Capacitor plugin object",
    named ? "it is not registered in Capacitor.Plugins" : `got ${plugin}`,
  );
  return {
    name: "capacitor-preferences",
    get: async (key) => (await native.get({ key }))?.value ?? null,
    set: (key, value) => native.set({ key, value }),
    remove: (key) => native.remove({ key }),
    keys: async () => (await native.keys())?.keys ?? [],
  };
}

function required(plugin, factory, what, why = "none is registered in Capacitor.Plugins or listed by the native bridge") {
  if (plugin == null) throw new MigrateError(MigrateError.ERR_ADAPTER_UNAVAILABLE, `${factory}() needs ${what}: ${why}`);
  return plugin;
}
