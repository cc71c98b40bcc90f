import { loadEngine } from "./engine.js";
import { MigrateError } from "./errors.js";
import { quickOutcome, settled } from "./gate.js";
import { normalizeOptions } from "./options.js";

/**
 * Finds the legacy session on this device and exchanges it for an Authgear session saved where
 * the Authgear SDK reads it. Call it before `authgear.configure()`.
 *
 * @param {import("../index.js").MigrateOptions} options
 * @returns {Promise<import("../index.js").Outcome>}
 */
export async function migrateSession(options) {
  if (typeof window === "undefined" || typeof localStorage === "undefined") {
    throw new MigrateError(
      MigrateError.ERR_NOT_IN_BROWSER,
      "migrateSession() runs in the browser, not during server rendering",
    );
  }
  const { engine: normalized, hooks, rollout, wasmURL } = await normalizeOptions(options);
  const started = performance.now();
  const skipped = await rolloutOutcome(rollout, normalized.keys);
  if (skipped) return report(hooks, skipped, started);
  const quick = await quickOutcome(normalized.keys, normalized.legacy.source, Date.now(), hooks.authgearStore);
  if (quick) return report(hooks, quick, started);

  let engine;
  try {
    engine = await loadEngine(wasmURL);
  } catch (error) {
    hooks.onEvent?.({ type: "warning", code: "engine_unavailable", message: error.message, elapsedMs: elapsed(started) });
    return report(hooks, { status: "deferred", reason: "engine_unavailable", retryAt: Date.now() }, started);
  }
  return engine.migrate(normalized, hooks);
}

/** `enabled` and `sample`: whether this device takes part in the migration yet. */
async function rolloutOutcome({ enabled, sample }, keys) {
  // A flag service that fails, or does not answer in time: not enabled.
  const on = typeof enabled === "function" ? await settled(Promise.resolve().then(enabled)).catch(() => false) : enabled;
  if (on !== true) return { status: "skipped", reason: "disabled" };
  if (sample < 1 && !(deviceDraw(keys.sample) < sample)) return { status: "skipped", reason: "not-sampled" };
  return null;
}

/**
 * A number in [0, 1) drawn once per device and kept, so a device stays in or out of the sample
 * from one start to the next, and raising the fraction only ever adds devices.
 */
function deviceDraw(key) {
  try {
    const kept = Number.parseFloat(localStorage.getItem(key) ?? "");
    if (kept >= 0 && kept < 1) return kept;
    const draw = crypto.getRandomValues(new Uint32Array(1))[0] / 2 ** 32;
    localStorage.setItem(key, String(draw));
    return draw;
  } catch {
    // No storage to keep a draw in: stay out rather than flip on every start.
    return 1;
  }
}

function report(hooks, outcome, started) {
  hooks.onEvent?.({ type: "outcome", status: outcome.status, ...(outcome.reason && { reason: outcome.reason }), elapsedMs: elapsed(started) });
  return outcome;
}

function elapsed(started) {
  return Math.round(performance.now() - started);
}
