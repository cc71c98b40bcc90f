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
  get length() {
    return items.size;
  },
  key: (index) => [...items.keys()][index] ?? null,
};
beforeEach(() => items.clear());

const record = (fields) => localStorage.setItem(keys.state, JSON.stringify({ v: 1, updatedAt: 1, ...fields }));

test("nothing known: the engine must run", async () => {
  assert.equal(await quickOutcome(keys, 1000), null);
});

test("an Authgear session already saved", async () => {
  localStorage.setItem(keys.refreshToken, "rt");
  assert.deepEqual(await quickOutcome(keys, 1000), { status: "already-migrated", storage: "localStorage" });
});

test("a saved session awaiting cleanup still runs the engine, signed out or not", async () => {
  record({ status: "saved" });
  assert.equal(await quickOutcome(keys, 1000), null);
  localStorage.setItem(keys.refreshToken, "rt");
  assert.equal(await quickOutcome(keys, 1000), null);
});

test("a session beside an attempt in flight still runs the engine, to clean up", async () => {
  localStorage.setItem(keys.refreshToken, "rt");
  record({ status: "pending", attempt: { key: "k" } });
  assert.equal(await quickOutcome(keys, 1000), null);
});

test("done means done, even after an Authgear sign-out", async () => {
  record({ status: "done" });
  assert.deepEqual(await quickOutcome(keys, 1000), { status: "already-migrated", storage: "localStorage" });
});

test("backoff in force, then over", async () => {
  record({ status: "deferred", notBefore: 5000, failures: 2 });
  assert.deepEqual(await quickOutcome(keys, 1000), { status: "deferred", reason: "backoff", retryAt: 5000 });
  assert.equal(await quickOutcome(keys, 5000), null);
});

test("an adapter's session counts, and names the storage", async () => {
  const native = { name: "capacitor", get: async (key) => (key === keys.refreshToken ? "rt" : null) };
  assert.deepEqual(await quickOutcome(keys, 1000, native), { status: "already-migrated", storage: "capacitor" });
  const failing = { get: async () => { throw new Error("bridge down"); } };
  assert.equal(await quickOutcome(keys, 1000, failing), null);
});

test("no legacy session, while every probed place is still empty", async () => {
  const probe = [
    { area: "localStorage", key: "legacy_session" },
    { area: "localStorage", prefix: "@@auth0spajs@@::c::" },
  ];
  record({ status: "none", probe, source: keys.source });
  assert.deepEqual(await quickOutcome(keys, 1000), { status: "no-legacy-session" });
  // Written for another source configuration: not this one's answer.
  assert.equal(await quickOutcome(keysFor("default", { storage: {} }), 1000), null);
  localStorage.setItem("@@auth0spajs@@::c::default::openid", "{}");
  assert.equal(await quickOutcome(keys, 1000), null);
  items.delete("@@auth0spajs@@::c::default::openid");
  localStorage.setItem("legacy_session", "{}");
  assert.equal(await quickOutcome(keys, 1000), null);
});

test("a probe this page cannot check is left to the engine", async () => {
  for (const probe of [[{ area: "indexedDB", key: "firebaseLocalStorageDb" }], [{ area: "adapter", key: "k" }], [], undefined]) {
    record({ status: "none", probe, source: keys.source });
    assert.equal(await quickOutcome(keys, 1000), null, JSON.stringify(probe));
  }
});

test("unknown versions and corrupt records are left to the engine", async () => {
  localStorage.setItem(keys.state, JSON.stringify({ v: 2, status: "done" }));
  assert.equal(await quickOutcome(keys, 1000), null);
  localStorage.setItem(keys.state, "{corrupt");
  assert.equal(await quickOutcome(keys, 1000), null);
});
