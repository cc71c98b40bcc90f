// onMigrated's reading of the state record's storage events, under Node with a stand-in window.
import assert from "node:assert/strict";
import { test } from "node:test";
import { keysFor } from "../src/keys.js";
import { onMigrated } from "../src/tabs.js";

test("a migration is news once: on its first saved or done record, not on the cleanup after", () => {
  const listeners = new Set();
  globalThis.addEventListener = (type, listener) => type === "storage" && listeners.add(listener);
  globalThis.removeEventListener = (type, listener) => listeners.delete(listener);
  const key = keysFor("default").state;
  const record = (status, updatedAt) => JSON.stringify({ v: 1, status, updatedAt });
  const fire = (oldValue, newValue) => listeners.forEach((listener) => listener({ key, oldValue, newValue }));
  const heard = [];
  const stop = onMigrated((event) => heard.push(event));
  try {
    fire(null, record("pending", 1));
    assert.equal(heard.length, 0, "an attempt is no news");
    fire(record("pending", 1), record("saved", 2));
    assert.deepEqual(heard, [{ name: "default" }]);
    // The legacy cleanup, at once or ten minutes later.
    fire(record("saved", 2), record("done", 600_002));
    assert.equal(heard.length, 1, "the cleanup after a saved session called back again");
    // A load that finds a session beside an attempt and finishes: heard once.
    fire(record("pending", 3), record("done", 4));
    assert.equal(heard.length, 2);
  } finally {
    stop();
    delete globalThis.addEventListener;
    delete globalThis.removeEventListener;
  }
});
