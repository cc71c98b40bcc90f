// The engine from its fetched .wasm: compiled (while it downloads, when served as
// `application/wasm`), then instantiated by the wasm-bindgen glue. Loaded by engine.js only when
// there is work for the engine.

import init, { inspect, migrate } from "../dist/wasm/authgear_migrate.js";

/**
 * @param {Promise<Response>} fetching the .wasm, fetched by engine.js
 * @param {boolean} given whether the app named its URL (`wasmURL`)
 * @param {typeof import("./errors.js").MigrateError} MigrateError the entry's: imported here, it
 *   would put errors.js in a chunk of its own, which the fast path would load too
 */
export async function instantiate(fetching, given, MigrateError) {
  const response = await fetching.catch((error) => {
    if (given) throw error;
  });
  if (given && !response.ok) throw new Error(`HTTP status ${response.status}`);
  // Not where locate.js says (a .wasm copied beside the glue's chunk, not beside the app's
  // entry), it is the glue's to find: it looks beside itself. A module that does not compile
  // (a Content Security Policy without 'wasm-unsafe-eval') is not fetched again.
  const module = response?.ok ? await compile(response) : undefined;
  await init(module && { module_or_path: module });
  // The normalised options cross as JSON text (plain data: strings, numbers, booleans, null),
  // read by the engine's one JSON reader; the hooks stay JS values.
  return { migrate: engineCall(migrate, MigrateError), inspect: engineCall(inspect, MigrateError) };
}

/** An export of the engine's, whose errors come out as MigrateErrors with the engine's code. */
function engineCall(exported, MigrateError) {
  return async (options, hooks) => {
    try {
      return await exported(JSON.stringify(options), hooks);
    } catch (error) {
      if (error instanceof MigrateError) throw error;
      const code = typeof error?.code === "string" ? error.code : MigrateError.ERR_ENGINE_INTERNAL;
      throw new MigrateError(code, String(error?.message ?? error).replace(/^authgear-migrate: /, ""), { cause: error });
    }
  };
}

/** The module, compiled as it downloads when served as `application/wasm`, else once it has. */
async function compile(response) {
  const type = response.headers.get("Content-Type")?.split(";")[0].trim().toLowerCase();
  return typeof WebAssembly.compileStreaming === "function" && type === "application/wasm"
    ? WebAssembly.compileStreaming(response)
    : WebAssembly.compile(await response.arrayBuffer());
}
