// Loads the Wasm engine once, on first need. The glue is imported dynamically so that bundlers
// put it, and the .wasm it fetches, in a chunk of its own that the fast path never touches.

let loading;

/**
 * @param {string} [wasmURL] where the .wasm is served, when not beside the glue (default)
 * @returns {Promise<{ migrate(options: object, hooks: object): Promise<object>, inspect(options: object, hooks: object): Promise<object> }>}
 */
export function loadEngine(wasmURL) {
  loading ??= load(wasmURL);
  return loading;
}

function load(wasmURL) {
  // The .wasm is fetched while the glue loads, not once it has. Its URL is the one given, or
  // else the one a tiny module beside it knows (as a bundler emitted it), known long before
  // the glue has loaded and run.
  const wasm = wasmURL === undefined ? import("../dist/wasm/locate.js").then((located) => fetch(located.wasmURL)) : fetch(wasmURL);
  // A failure is reported where the glue awaits it, not as an unhandled rejection.
  wasm.catch(() => {});
  return import("../dist/wasm/authgear_migrate.js")
    .then(async (glue) => {
      // Compiles while streaming when the server sends `application/wasm`.
      await glue.default({ module_or_path: wasm });
      // The normalised options cross as JSON text (plain data: strings, numbers, booleans,
      // null), read by the engine's one JSON reader; the hooks stay JS values.
      return {
        migrate: (options, hooks) => glue.migrate(JSON.stringify(options), hooks),
        inspect: (options, hooks) => glue.inspect(JSON.stringify(options), hooks),
      };
    })
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
