// Capacitor: the Authgear SDK keeps its session natively through the `Authgear` plugin, with the
// same key names as the web SDK (authgear-sdk-js packages/authgear-capacitor/src/plugin.ts).

import { MigrateError } from "../errors.js";

/**
 * The `@authgear/capacitor` SDK's storage: `storageGetItem`, `storageSetItem`,
 * `storageDeleteItem` of the native plugin registered as `Authgear`.
 */
export function capacitorStorage({ plugin = globalThis.Capacitor?.Plugins?.Authgear } = {}) {
  const native = required(plugin, "capacitorStorage", "the Authgear Capacitor plugin (install @authgear/capacitor)");
  return {
    name: "capacitor",
    get: async (key) => (await native.storageGetItem({ key }))?.value ?? null,
    set: (key, value) => native.storageSetItem({ key, value }),
    remove: (key) => native.storageDeleteItem({ key }),
  };
}

/**
 * Legacy data kept with `@capacitor/preferences`, or any plugin with its method shapes
 * (`get({key}) → {value}`, `set({key, value})`, `remove({key})`, `keys() → {keys}`), passed as
 * the plugin object or its registered name.
 */
export function capacitorPreferences({ plugin = "Preferences" } = {}) {
  const native = required(
    typeof plugin === "string" ? globalThis.Capacitor?.Plugins?.[plugin] : plugin,
    "capacitorPreferences",
    typeof plugin === "string" ? `the Capacitor plugin "${plugin}"` : "a Capacitor plugin object",
  );
  return {
    name: "capacitor-preferences",
    get: async (key) => (await native.get({ key }))?.value ?? null,
    set: (key, value) => native.set({ key, value }),
    remove: (key) => native.remove({ key }),
    keys: async () => (await native.keys())?.keys ?? [],
  };
}

function required(plugin, factory, what) {
  if (plugin == null) {
    throw new MigrateError(MigrateError.ERR_ADAPTER_UNAVAILABLE, `${factory}() needs ${what}, and none is registered on window.Capacitor.Plugins`);
  }
  return plugin;
}
