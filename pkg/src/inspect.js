import { loadEngine } from "./engine.js";
import { MigrateError } from "./errors.js";
import { normalizeOptions } from "./options.js";

/**
 * Reports what `migrateSession` would find on this device, without changing anything: the
 * legacy session's token kinds, formats and expiries, the storage entries it is made of, and the
 * credential that would be sent (or why none would be). Never a token value. No lock, no
 * request to the exchange endpoint, no write. For support screens and the demo.
 *
 * Takes the same options as `migrateSession` and validates them the same way (the rollout
 * options are accepted and ignored: inspecting is not migrating).
 *
 * @param {import("../index.js").MigrateOptions} options
 * @returns {Promise<import("../index.js").Inspection>}
 */
export async function inspectLegacySession(options) {
  if (typeof window === "undefined" || typeof localStorage === "undefined") {
    throw new MigrateError(MigrateError.ERR_NOT_IN_BROWSER, "inspectLegacySession() runs in the browser, where the legacy session is");
  }
  const { engine: normalized, hooks, wasmURL } = await normalizeOptions(options);
  const engine = await loadEngine(wasmURL);
  return engine.inspect(normalized, hooks);
}
