// The fast path: answers without loading the engine when the answer is already known. It reads
// what the engine writes (src/core/state.rs: `v`, `status`, `notBefore` of the state record),
// and looks where the engine would look first (the probes generated from src/core/presets/ into
// facts.js), so a device with nothing to migrate never downloads the engine, not even on its
// first start. The engine decides again under its lock; this only skips work.

import { APP_CALL_TIMEOUT_MS, PRESET_PROBES, STATE_VERSION, STATUS } from "./facts.js";

const TIMED_OUT = Symbol("timed out");

/**
 * What a function of the app's returned, settled, or `TIMED_OUT` after `APP_CALL_TIMEOUT_MS`:
 * one that never settles (a native side that never answers) must not hold the app's startup.
 */
export function settled(returned) {
  // The timer is left to run out: cancelling it would cost the fast path more bytes than it saves.
  return Promise.race([returned, new Promise((resolve) => setTimeout(resolve, APP_CALL_TIMEOUT_MS, TIMED_OUT))]);
}

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
    const saved = authgearStore ? await settled(authgearStore.get(keys.refreshToken)) : localStorage.getItem(keys.refreshToken);
    // The engine would wait as long again, and answer this.
    if (saved === TIMED_OUT) return { status: "deferred", reason: "storage", retryAt: now };
    hasSession = saved != null;
  } catch {
    // Storage unavailable, a bridge that failed, a corrupt record: the engine reports it.
    return null;
  }
  if (record?.v !== STATE_VERSION) record = null;
  const status = record?.status;
  // The record's time to come: of a backoff (`deferred`), of the legacy cleanup (`saved`).
  const waiting = typeof record?.notBefore === "number" && record.notBefore > now;
  // A saved session whose legacy cleanup is due still needs the engine (one not due yet waits
  // for the session to reach the disk: src/core/state.rs, CLEANUP_DELAY_MS); so does a session
  // next to an attempt in flight (the page closed between saving and recording it).
  if ((status === STATUS.saved && !waiting) || (hasSession && (status === STATUS.pending || status === STATUS.deferred))) return null;
  if (hasSession || status === STATUS.done || status === STATUS.saved) {
    return { status: "already-migrated", storage };
  }
  if (status === STATUS.deferred && waiting) {
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
 * Where the engine looks first for `source`, as places like facts.js writes them (`<area>=<key>`,
 * `<area>*<prefix>`, `<area>~<part>`), or undefined when only the engine can tell (a callback,
 * an adapter, cookie mode without an indicator).
 * @returns {string[] | undefined}
 */
export function probeFor(source) {
  if (source?.storage) return [`${source.storage.area}=${source.storage.key}`];
  const spec = source?.preset;
  const table = spec && PRESET_PROBES[spec.preset];
  const indicator = spec?.cookie?.indicator;
  if (!table || (spec.cookie && indicator === undefined)) return undefined;
  // The options that change where it looks: those of the last set, which has them all.
  const given = Object.keys(table).at(-1).split(",").filter((option) => spec[option] !== undefined);
  const fill = (place) =>
    given.reduce(
      // A preset that lowercases its keys (MSAL) lowercases the placeholder with them.
      (text, option) => text.split(`\u0001${option}\u0001`).join(spec[option]).split(`\u0001${option.toLowerCase()}\u0001`).join(spec[option].toLowerCase()),
      place,
    );
  // Split before filling: a value may hold a space.
  const probe = table[given.join(",")].split(" ").filter(Boolean).map(fill);
  if (indicator !== undefined) probe.push(`cookie=${indicator}`);
  return probe.length ? probe : undefined;
}

const MATCH = {
  "=": (name, key) => name === key,
  "*": (name, prefix) => name.startsWith(prefix),
  "~": (name, part) => name.includes(part),
};

/** Whether every place of `probe` is empty here. Anything unsure is "no". */
async function stillEmpty(probe = []) {
  const listed = {};
  try {
    for (const place of probe) {
      const at = place.search(/[=*~]/);
      const area = place.slice(0, at);
      const match = place[at];
      const wanted = place.slice(at + 1);
      // One key of web storage is asked for directly: listing every key would make each call
      // cost as much as the app keeps there.
      const storage = match === "=" ? webStorage(area) : undefined;
      if (storage) {
        if (storage.getItem(wanted) != null) return false;
        continue;
      }
      const names = (listed[area] ??= await list(area));
      if (!names || names.some((name) => MATCH[match](name, wanted))) return false;
    }
    return probe.length > 0;
  } catch {
    return false;
  }
}

function webStorage(area) {
  return area === "localStorage" || area === "sessionStorage" ? globalThis[area] : undefined;
}

/** The names in an area, or undefined when they cannot be listed here. */
async function list(area) {
  if (area === "cookie") return document.cookie.split(";").map((pair) => pair.split("=")[0].trim()).filter(Boolean);
  // Database names; older browsers cannot list them.
  if (area === "indexedDB") return typeof indexedDB?.databases === "function" ? (await indexedDB.databases()).map((db) => db.name) : undefined;
  const storage = webStorage(area);
  return storage && Array.from({ length: storage.length }, (_, index) => storage.key(index));
}
