// The fast path: answers without loading the engine when the answer is already known.
// It reads what the engine writes (src/core/state.rs): `v`, `status` and `notBefore` of the
// state record. The engine decides again under its lock; this only skips work.

const STATE_VERSION = 1;

/**
 * @param {{ refreshToken: string, state: string }} keys
 * @param {number} now Unix milliseconds
 * @param {{ name?: string, get(key: string): unknown } | undefined} authgearStore the SDK's
 *   storage when it is not localStorage
 * @returns {Promise<import("../index.js").Outcome | null>}
 */
export async function quickOutcome(keys, now, authgearStore) {
  const storage = authgearStore ? (authgearStore.name ?? "custom") : "localStorage";
  let hasSession;
  let record;
  try {
    record = JSON.parse(localStorage.getItem(keys.state) ?? "null");
    const saved = authgearStore ? await authgearStore.get(keys.refreshToken) : localStorage.getItem(keys.refreshToken);
    hasSession = saved != null;
  } catch {
    // Storage unavailable, a bridge that failed, a corrupt record: the engine reports it.
    return null;
  }
  if (record?.v !== STATE_VERSION) record = null;
  const status = record?.status;
  // A saved session whose legacy cleanup has not finished still needs the engine; so does a
  // session next to an attempt in flight (the page closed between saving and recording it).
  if (status === "saved" || (hasSession && (status === "pending" || status === "deferred"))) return null;
  if (hasSession || status === "done") {
    return { status: "already-migrated", storage };
  }
  if (status === "deferred" && typeof record.notBefore === "number" && record.notBefore > now) {
    return { status: "deferred", reason: "backoff", retryAt: record.notBefore };
  }
  return null;
}
