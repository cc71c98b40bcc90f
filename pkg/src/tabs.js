// Telling the app's other open tabs that the session moved, so they can configure Authgear again
// (the SDK reads its session once, at configure()).

import { MigrateError } from "./errors.js";
import { BROADCAST, STATUS } from "./facts.js";
import { keysFor } from "./keys.js";

/**
 * Calls `callback` in this tab when another tab of the app finishes a migration. Listens to the
 * `storage` event of the engine's state record (its first `saved` or `done`: the legacy cleanup
 * that follows a `saved`, at once or minutes later, is not news) and to the BroadcastChannel
 * message the engine posts when it could write neither; a migration heard both ways calls back
 * once.
 *
 * @param {(event: { name: string }) => void} callback
 * @param {{ name?: string }} [options] the Authgear container name (default `"default"`)
 * @returns {() => void} stops listening
 */
export function onMigrated(callback, { name = "default" } = {}) {
  if (typeof callback !== "function") {
    throw new MigrateError(MigrateError.ERR_INVALID_OPTION, "onMigrated(callback) needs a function", { option: "callback" });
  }
  const keys = keysFor(name);
  let lastAt;
  const heard = (at) => {
    if (at === undefined || at === lastAt) return;
    lastAt = at;
    callback({ name });
  };
  const channel = typeof BroadcastChannel === "function" ? new BroadcastChannel(keys.lock) : undefined;
  if (channel) {
    channel.onmessage = (event) => {
      const message = parse(event.data);
      if (message?.[BROADCAST.typeField] === BROADCAST.migrated) heard(message[BROADCAST.atField]);
    };
  }
  const migrated = (record) => record?.status === STATUS.saved || record?.status === STATUS.done;
  const onStorage = (event) => {
    if (event.key !== keys.state) return;
    const record = parse(event.newValue);
    if (migrated(record) && !migrated(parse(event.oldValue))) heard(record.updatedAt);
  };
  globalThis.addEventListener?.("storage", onStorage);
  return () => {
    channel?.close();
    globalThis.removeEventListener?.("storage", onStorage);
  };
}

function parse(text) {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
