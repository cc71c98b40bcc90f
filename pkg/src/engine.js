// Loads the Wasm engine once, on first need. The rest of the loader and the glue are imported
// dynamically, so that bundlers put them in a chunk of their own that the fast path never loads.

import { wasmURL as located } from "../dist/wasm/locate.js";
import { MigrateError } from "./errors.js";
import { normalizeWasmURL } from "./options.js";

let loading;

/**
 * @param {string} [wasmURL] where the .wasm is served, when not where locate.js says (the default)
 * @returns {Promise<{ migrate(options: object, hooks: object): Promise<object>, inspect(options: object, hooks: object): Promise<object> }>}
 */
export function loadEngine(wasmURL) {
  loading ??= load(wasmURL);
  return loading;
}

async function load(wasmURL) {
  let url = wasmURL;
  try {
    // The .wasm is fetched while the engine's JS loads, not once it has: from the URL given, or
    // from where locate.js, beside it, says the app's bundler put it (which a `blob:` module
    // cannot say: that throws here too).
    url ??= located().href;
    const response = fetch(url);
    // A failure is reported where it is awaited, not as an unhandled rejection.
    response.catch(() => {});
    const { instantiate } = await import("./instantiate.js");
    return await instantiate(response, wasmURL !== undefined, MigrateError);
  } catch (error) {
    loading = undefined;
    throw new MigrateError(MigrateError.ERR_ENGINE_UNAVAILABLE, `the engine could not load from ${url ?? "where locate.js says"}: ${error}`, { cause: error });
  }
}

/**
 * Fetches and compiles the engine ahead of time, for a page that knows a migration is likely.
 * Resolves when it is ready; rejects, without side effects, with ERR_INVALID_OPTION for a bad
 * `wasmURL` or ERR_ENGINE_UNAVAILABLE if the engine cannot load.
 * @param {{ wasmURL?: string | URL }} [options]
 */
export async function preloadEngine({ wasmURL } = {}) {
  await loadEngine(await normalizeWasmURL(wasmURL));
}
