// Loads the Wasm engine once, on first need. The rest of the loader and the glue are imported
// dynamically, so that bundlers put them in a chunk of their own that the fast path never loads.

import { wasmURL as located } from "../dist/wasm/locate.js";
import { MigrateError } from "./errors.js";

let loading;

/**
 * @param {string} [wasmURL] where the .wasm is served, when not where locate.js says (the default)
 * @returns {Promise<{ migrate(options: object, hooks: object): Promise<object>, inspect(options: object, hooks: object): Promise<object> }>}
 */
export function loadEngine(wasmURL) {
  loading ??= load(wasmURL);
  return loading;
}

function load(wasmURL) {
  // The .wasm is fetched while the engine's JS loads, not once it has: from the URL given, or
  // from where locate.js, beside it, says the app's bundler put it.
  const response = fetch(wasmURL ?? located());
  // A failure is reported where it is awaited, not as an unhandled rejection.
  response.catch(() => {});
  return import("./instantiate.js")
    .then(({ instantiate }) => instantiate(response, wasmURL !== undefined, MigrateError))
    .catch((error) => {
      loading = undefined;
      throw error;
    });
}

/**
 * Fetches and compiles the engine ahead of time, for a page that knows a migration is likely.
 * Resolves when it is ready; rejects, without side effects, if it cannot load.
 * @param {{ wasmURL?: string | URL }} [options]
 */
export async function preloadEngine({ wasmURL } = {}) {
  await loadEngine(wasmURL === undefined ? undefined : String(wasmURL));
}
