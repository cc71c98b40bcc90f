// The fast path: answers without loading the engine when the answer is already known. It reads
// what the engine writes (src/core/state.rs: `v`, `status`, `notBefore` of the state record),
// and looks where the engine would look first (the probes generated from src/core/presets/ into
// facts.js), so a device with nothing to migrate never downloads the engine, not even on its
// first start. The engine decides again under its lock; this only skips work.

import { PLACEHOLDER, PRESET_PROBES, STATE_VERSION, STATUS } from "./facts.js";

/**
 * @param {{ refreshToken: string, state: string }} keys
 * @param {unknown} source the normalised legacy source (`engine.legacy.source`)
 * @param {number} now Unix milliseconds
 * @param {{ name?: string, get(key: string): unknown } | undefined} authgearStore the SDK's
 *   storage when it is not localStorage
 * @returns {Promise<import("../index.js").Outcome | null>}
 */
export async function quickOutcome(keys, source, now, authgearStore) {
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
  if (status === STATUS.saved || (hasSession && (status === STATUS.pending || status === STATUS.deferred))) return null;
  if (hasSession || status === STATUS.done) {
    return { status: "already-migrated", storage };
  }
  if (status === STATUS.deferred && typeof record.notBefore === "number" && record.notBefore > now) {
    return { status: "deferred", reason: "backoff", retryAt: record.notBefore };
  }
  // Nothing attempted, nothing found last time, or a rejected credential: if every place the
  // engine reads first is empty, it would answer the same.
  if ((status === undefined || status === STATUS.none || status === STATUS.rejected) && (await stillEmpty(probeFor(source)))) {
    return { status: "no-legacy-session" };
  }
  return null;
}

/**
 * Where the engine looks first for `source`, or undefined when only the engine can tell (a
 * callback, an adapter, cookie mode without an indicator).
 * @returns {Array<{ area: string, key?: string, prefix?: string }> | undefined}
 */
export function probeFor(source) {
  if (source?.storage) return [{ area: source.storage.area, key: source.storage.key }];
  const spec = source?.preset;
  const table = spec && PRESET_PROBES[spec.preset];
  if (!table) return undefined;
  const values = new Map(table.options.filter((option) => spec[option] !== undefined).map((option) => [option, spec[option]]));
  let places = table.probes[[...values.keys()].join(",")];
  if (spec.cookie?.indicator !== undefined) {
    places = [...places, `cookie=${PLACEHOLDER.cookieIndicator}`];
    values.set("cookieIndicator", spec.cookie.indicator);
  } else if (spec.cookie) {
    if (!table.cookie) return undefined;
    places = [...places, ...table.cookie];
  }
  if (places.length === 0) return undefined;
  const fill = (text) => {
    for (const [option, value] of values) {
      // A preset that lowercases its keys (MSAL) lowercases the placeholder with them.
      text = text
        .replaceAll(PLACEHOLDER[option], value)
        .replaceAll(PLACEHOLDER[option].toLowerCase(), String(value).toLowerCase());
    }
    return text;
  };
  const kinds = { "=": "key", "*": "prefix", "~": "contains" };
  return places.map((place) => {
    const at = place.search(/[=*~]/);
    return { area: place.slice(0, at), [kinds[place[at]]]: fill(place.slice(at + 1)) };
  });
}

/** Whether every place of `probe` is empty here. Anything unsure is "no". */
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
