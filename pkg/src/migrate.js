import { loadEngine } from "./engine.js";
import { fromEngine } from "./errors.js";
import { quickOutcome } from "./gate.js";
import { normalizeOptions } from "./options.js";

/**
 * Finds the legacy session on this device and exchanges it for an Authgear session saved where
 * the Authgear SDK reads it. Call it before `authgear.configure()`.
 *
 * @param {import("../index.js").MigrateOptions} options
 * @returns {Promise<import("../index.js").Outcome>}
 */
export async function migrateSession(options) {
  const { engine: normalized, hooks } = normalizeOptions(options);
  const started = performance.now();
  const quick = await quickOutcome(normalized.keys, Date.now(), hooks.authgearStore);
  if (quick) return report(hooks, quick, started);

  let engine;
  try {
    engine = await loadEngine();
  } catch (error) {
    hooks.onEvent?.({ type: "warning", code: "engine_unavailable", message: String(error?.message ?? error), elapsedMs: elapsed(started) });
    return report(hooks, { status: "deferred", reason: "engine_unavailable", retryAt: Date.now() }, started);
  }
  try {
    return await engine.migrate(normalized, hooks);
  } catch (error) {
    throw fromEngine(error);
  }
}

function report(hooks, outcome, started) {
  hooks.onEvent?.({ type: "outcome", status: outcome.status, ...(outcome.reason && { reason: outcome.reason }), elapsedMs: elapsed(started) });
  return outcome;
}

function elapsed(started) {
  return Math.round(performance.now() - started);
}
