// The fast path: answers without loading the engine when the answer is already known.
// It reads what the engine writes (src/core/state.rs): `v`, `status` and `notBefore` of the
// state record. The engine decides again under its lock; this only skips work.

const STATE_VERSION = 1;

/**
 * @param {{ refreshToken: string, state: string, source: string }} keys
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
  if (status === "none" && record.source === keys.source && !hasSession && (await stillEmpty(record.probe))) {
    return { status: "no-legacy-session" };
  }
  return null;
}

/**
 * Whether every place the engine looked last time is still empty: the engine wrote `probe`
 * (src/core/presets/mod.rs, `probe`) when it found no legacy session. Anything unsure is "no".
 */
async function stillEmpty(probe) {
  if (!Array.isArray(probe) || probe.length === 0) return false;
  const keys = new Map();
  const listed = async (area) => {
    if (!keys.has(area)) keys.set(area, await list(area));
    return keys.get(area);
  };
  try {
    for (const { area, key, prefix, contains } of probe) {
      const present = await listed(area);
      if (present === undefined) return false;
      const found = (name) => (key !== undefined ? name === key : prefix !== undefined ? name.startsWith(prefix) : name.includes(contains));
      if (present.some(found)) return false;
    }
    return true;
  } catch {
    return false;
  }
}

/** The names in an area, or undefined when they cannot be listed here. */
async function list(area) {
  switch (area) {
    case "localStorage":
    case "sessionStorage": {
      const storage = globalThis[area];
      return Array.from({ length: storage.length }, (_, index) => storage.key(index));
    }
    case "cookie":
      return document.cookie.split(";").map((pair) => pair.split("=")[0].trim()).filter(Boolean);
    case "indexedDB":
      // Database names; older browsers cannot list them.
      return typeof indexedDB?.databases === "function" ? (await indexedDB.databases()).map((db) => db.name) : undefined;
    default:
      return undefined;
  }
}
