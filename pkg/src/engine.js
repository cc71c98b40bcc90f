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
  // The .wasm is fetched and compiled while the glue loads, not once it has. Its URL is the one
  // given, or else the one a tiny module beside it knows (as a bundler emitted it), known long
  // before the glue has loaded and run.
  const located = wasmURL === undefined ? import("../dist/wasm/locate.js").then((locate) => locate.wasmURL) : Promise.resolve(wasmURL);
  const compiled = located.then((url) => fetch(url)).then(compile);
  // A failure is reported where the glue awaits it, not as an unhandled rejection.
  compiled.catch(() => {});
  return import("../dist/wasm/authgear_migrate.js")
    .then(async (glue) => {
      await glue.default({ module_or_path: await compiled });
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

/** The module, compiled as it downloads when served as `application/wasm`, else once it has. */
async function compile(response) {
  if (!response.ok) throw new Error(`the engine's .wasm could not be fetched: ${response.status} at ${response.url}`);
  const type = response.headers.get("Content-Type")?.split(";")[0].trim();
  return type === "application/wasm" ? WebAssembly.compileStreaming(response) : WebAssembly.compile(await response.arrayBuffer());
}

/**
 * Fetches and compiles the engine ahead of time, for a page that knows a migration is likely.
 * Resolves when it is ready; rejects, without side effects, if it cannot load.
 * @param {{ wasmURL?: string | URL }} [options]
 */
export async function preloadEngine({ wasmURL } = {}) {
  await loadEngine(wasmURL === undefined ? undefined : String(wasmURL));
}
