// The fast path's reading of the state record, under Node with a stand-in localStorage.
import assert from "node:assert/strict";
import { beforeEach, test } from "node:test";
import { quickOutcome } from "../src/gate.js";
import { keysFor } from "../src/keys.js";

const keys = keysFor("default");
const items = new Map();
globalThis.localStorage = {
  getItem: (key) => (items.has(key) ? items.get(key) : null),
  setItem: (key, value) => items.set(key, String(value)),
};
beforeEach(() => items.clear());

const record = (fields) => localStorage.setItem(keys.state, JSON.stringify({ v: 1, updatedAt: 1, ...fields }));

test("nothing known: the engine must run", () => {
  assert.equal(quickOutcome(keys, 1000), null);
});

test("an Authgear session already saved", () => {
  localStorage.setItem(keys.refreshToken, "rt");
  assert.deepEqual(quickOutcome(keys, 1000), { status: "already-migrated", storage: "localStorage" });
});

test("a saved session awaiting cleanup still runs the engine", () => {
  localStorage.setItem(keys.refreshToken, "rt");
  record({ status: "saved" });
  assert.equal(quickOutcome(keys, 1000), null);
});

test("done means done, even after an Authgear sign-out", () => {
  record({ status: "done" });
  assert.deepEqual(quickOutcome(keys, 1000), { status: "already-migrated", storage: "localStorage" });
});

test("backoff in force, then over", () => {
  record({ status: "deferred", notBefore: 5000, failures: 2 });
  assert.deepEqual(quickOutcome(keys, 1000), { status: "deferred", reason: "backoff", retryAt: 5000 });
  assert.equal(quickOutcome(keys, 5000), null);
});

test("unknown versions and corrupt records are left to the engine", () => {
  localStorage.setItem(keys.state, JSON.stringify({ v: 2, status: "done" }));
  assert.equal(quickOutcome(keys, 1000), null);
  localStorage.setItem(keys.state, "{corrupt");
  assert.equal(quickOutcome(keys, 1000), null);
});
