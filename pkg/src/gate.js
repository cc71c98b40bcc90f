// The fast path: answers without loading the engine when the answer is already known.
// It reads what the engine writes (src/core/state.rs): `v`, `status` and `notBefore` of the
// state record. The engine decides again under its lock; this only skips work.

const STATE_VERSION = 1;

/**
 * @param {{ refreshToken: string, state: string }} keys
 * @param {number} now Unix milliseconds
 * @returns {import("../index.js").Outcome | null}
 */
export function quickOutcome(keys, now) {
  let hasSession;
  let record;
  try {
    hasSession = localStorage.getItem(keys.refreshToken) != null;
    record = JSON.parse(localStorage.getItem(keys.state) ?? "null");
  } catch {
    // Storage unavailable or a corrupt record: the engine reports what it finds.
    return null;
  }
  if (record?.v !== STATE_VERSION) record = null;
  const status = record?.status;
  // A saved session whose legacy cleanup did not run yet still needs the engine.
  if ((hasSession && status !== "saved") || status === "done") {
    return { status: "already-migrated", storage: "localStorage" };
  }
  if (status === "deferred" && typeof record.notBefore === "number" && record.notBefore > now) {
    return { status: "deferred", reason: "backoff", retryAt: record.notBefore };
  }
  return null;
}
