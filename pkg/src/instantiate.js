// The engine from its fetched .wasm: compiled (while it downloads, when served as
// `application/wasm`), then instantiated by the wasm-bindgen glue. Loaded by engine.js only when
// there is work for the engine.

import init, { inspect, migrate } from "../dist/wasm/authgear_migrate.js";

/**
 * @param {Promise<Response>} fetching the .wasm, fetched by engine.js
 * @param {boolean} given whether the app named its URL (`wasmURL`)
 */
export async function instantiate(fetching, given) {
  const response = await fetching.catch((error) => {
    if (given) throw error;
  });
  if (given && !response.ok) throw new Error(`the engine's .wasm could not be fetched: ${response.status} at ${response.url}`);
  // Not where locate.js says (a .wasm copied beside the glue's chunk, not beside the app's
  // entry), it is the glue's to find: it looks beside itself. A module that does not compile
  // (a Content Security Policy without 'wasm-unsafe-eval') is not fetched again.
  const module = response?.ok ? await compile(response) : undefined;
  await init(module && { module_or_path: module });
  // The normalised options cross as JSON text (plain data: strings, numbers, booleans, null),
  // read by the engine's one JSON reader; the hooks stay JS values.
  return {
    migrate: (options, hooks) => migrate(JSON.stringify(options), hooks),
    inspect: (options, hooks) => inspect(JSON.stringify(options), hooks),
  };
}

/** The module, compiled as it downloads when served as `application/wasm`, else once it has. */
async function compile(response) {
  const type = response.headers.get("Content-Type")?.split(";")[0].trim().toLowerCase();
  return typeof WebAssembly.compileStreaming === "function" && type === "application/wasm"
    ? WebAssembly.compileStreaming(response)
    : WebAssembly.compile(await response.arrayBuffer());
}
