// The fast path's reading of the state record, under Node with a stand-in localStorage.
import assert from "node:assert/strict";
import { beforeEach, test } from "node:test";
import { probeFor, quickOutcome } from "../src/gate.js";
import { APP_CALL_TIMEOUT_MS } from "../src/facts.js";
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
// The cookie jar, for the presets that read cookies first.
globalThis.document = { cookie: "" };
beforeEach(() => {
  items.clear();
  document.cookie = "";
});

const record = (fields) => localStorage.setItem(keys.state, JSON.stringify({ v: 1, updatedAt: 1, ...fields }));

const CALLBACK = { callback: { hasClear: false } };
const auth0 = { preset: { preset: "auth0-spa", clientId: "c" } };

test("nothing known and no legacy source this page can look at: the engine must run", async () => {
  assert.equal(await quickOutcome(keys, { callback: { hasClear: false } }, 1000), null);
  assert.equal(await quickOutcome(keys, { storage: { area: "adapter", key: "k" } }, 1000), null);
});

test("an Authgear session already saved", async () => {
  localStorage.setItem(keys.refreshToken, "rt");
  assert.deepEqual(await quickOutcome(keys, CALLBACK, 1000), { status: "already-migrated", storage: "localStorage" });
});

test("a saved session awaiting cleanup still runs the engine, signed out or not", async () => {
  record({ status: "saved" });
  assert.equal(await quickOutcome(keys, CALLBACK, 1000), null);
  localStorage.setItem(keys.refreshToken, "rt");
  assert.equal(await quickOutcome(keys, CALLBACK, 1000), null);
});

test("a saved session whose cleanup waits for the disk: already migrated until it is due", async () => {
  record({ status: "saved", notBefore: 5000 });
  localStorage.setItem(keys.refreshToken, "rt");
  assert.deepEqual(await quickOutcome(keys, CALLBACK, 1000), { status: "already-migrated", storage: "localStorage" });
  assert.equal(await quickOutcome(keys, CALLBACK, 5000), null);
  // Signed out of Authgear meanwhile: still nothing to do before the cleanup is due.
  items.delete(keys.refreshToken);
  assert.deepEqual(await quickOutcome(keys, CALLBACK, 1000), { status: "already-migrated", storage: "localStorage" });
});

test("an Authgear store that never answers: deferred (storage) after the timeout, not a hang", async (t) => {
  t.mock.timers.enable({ apis: ["setTimeout"] });
  const silent = { name: "capacitor", get: () => new Promise(() => {}) };
  const outcome = quickOutcome(keys, CALLBACK, 1000, silent);
  t.mock.timers.tick(APP_CALL_TIMEOUT_MS);
  assert.deepEqual(await outcome, { status: "deferred", reason: "storage", retryAt: 1000 });
});

test("a session beside an attempt in flight still runs the engine, to clean up", async () => {
  localStorage.setItem(keys.refreshToken, "rt");
  record({ status: "pending", attempt: { key: "k" } });
  assert.equal(await quickOutcome(keys, CALLBACK, 1000), null);
});

test("done means done, even after an Authgear sign-out", async () => {
  record({ status: "done" });
  assert.deepEqual(await quickOutcome(keys, CALLBACK, 1000), { status: "already-migrated", storage: "localStorage" });
});

test("backoff in force, then over", async () => {
  record({ status: "deferred", notBefore: 5000, failures: 2 });
  assert.deepEqual(await quickOutcome(keys, CALLBACK, 1000), { status: "deferred", reason: "backoff", retryAt: 5000 });
  assert.equal(await quickOutcome(keys, CALLBACK, 5000), null);
});

test("an adapter's session counts, and names the storage", async () => {
  const native = { name: "capacitor", get: async (key) => (key === keys.refreshToken ? "rt" : null) };
  assert.deepEqual(await quickOutcome(keys, CALLBACK, 1000, native), { status: "already-migrated", storage: "capacitor" });
  const failing = { get: async () => { throw new Error("bridge down"); } };
  assert.equal(await quickOutcome(keys, CALLBACK, 1000, failing), null);
});

test("a first start with nothing where the engine looks: no engine", async () => {
  assert.deepEqual(await quickOutcome(keys, auth0, 1000), { status: "no-legacy-session" });
  // Another client's session is not this one's.
  localStorage.setItem("@@auth0spajs@@::other::default::openid", "{}");
  assert.deepEqual(await quickOutcome(keys, auth0, 1000), { status: "no-legacy-session" });
  localStorage.setItem("@@auth0spajs@@::c::default::openid", "{}");
  assert.equal(await quickOutcome(keys, auth0, 1000), null);
  items.clear();
  const storage = { storage: { area: "localStorage", key: "legacy_session" } };
  assert.deepEqual(await quickOutcome(keys, storage, 1000), { status: "no-legacy-session" });
  localStorage.setItem("legacy_session", "{}");
  assert.equal(await quickOutcome(keys, storage, 1000), null);
});

test("one key of web storage is asked for by name: a call does not list what else the app keeps", async () => {
  for (let i = 0; i < 50; i++) localStorage.setItem(`app_${i}`, "{}");
  const counting = Object.create(localStorage);
  let listed = 0;
  Object.defineProperty(counting, "length", { get: () => (listed++, localStorage.length) });
  globalThis.sessionStorage = counting;
  try {
    const storage = { storage: { area: "sessionStorage", key: "app_7" } };
    assert.equal(await quickOutcome(keys, storage, 1000), null);
    // An empty value is still a value where the engine looks.
    localStorage.setItem("app_empty", "");
    assert.equal(await quickOutcome(keys, { storage: { area: "sessionStorage", key: "app_empty" } }, 1000), null);
    assert.deepEqual(await quickOutcome(keys, { storage: { area: "sessionStorage", key: "legacy_session" } }, 1000), { status: "no-legacy-session" });
    assert.equal(listed, 0);
    // A prefix still needs the names.
    assert.deepEqual(await quickOutcome(keys, { preset: { preset: "auth0-spa", clientId: "c" } }, 1000), { status: "no-legacy-session" });
  } finally {
    delete globalThis.sessionStorage;
  }
});

test("the probes are the engine's, placeholders filled with the app's options", () => {
  const supabase = probeFor({ preset: { preset: "supabase", storageKey: "sb-abcd-auth-token" } });
  assert.ok(supabase.includes("localStorage=sb-abcd-auth-token"), JSON.stringify(supabase));
  assert.ok(supabase.includes("cookie*sb-abcd-auth-token"), JSON.stringify(supabase));
  assert.ok(!JSON.stringify(supabase).includes("\\u0001"), "a placeholder left unfilled");
  // The SDK's key spells the authority as the app configured the SDK: with a trailing slash or without.
  assert.deepEqual(probeFor({ preset: { preset: "oidc-client-ts", authority: "https://idp", clientId: "c" } }), [
    "sessionStorage=oidc.user:https://idp:c",
    "sessionStorage=oidc.user:https://idp/:c",
    "localStorage=oidc.user:https://idp:c",
    "localStorage=oidc.user:https://idp/:c",
  ]);
  // A value with a space is still one place.
  assert.ok(probeFor({ preset: { preset: "auth0-spa", clientId: "a b" } }).includes("localStorage*@@auth0spajs@@::a b::"));
  // MSAL lowercases its keys, and the placeholder with them: the value is lowercased too.
  const msal = probeFor({ preset: { preset: "msal", clientId: "AbC-123" } });
  assert.ok(msal.includes("sessionStorage~-abc-123-"), JSON.stringify(msal));
  assert.ok(!JSON.stringify(msal).includes("\\u0001"), "a placeholder left unfilled");
  // Cookie mode with nothing readable: only the endpoint knows.
  assert.equal(probeFor({ preset: { preset: "auth0-spa", cookie: {} } }), undefined);
  assert.equal(probeFor({ preset: { preset: "authjs", cookie: {} } }), undefined);
  assert.deepEqual(probeFor({ preset: { preset: "authjs", cookie: { indicator: "signed_in" } } }), ["cookie=signed_in"]);
});

test("a record of nothing found, or a rejection, is looked at again the same way", async () => {
  for (const status of ["none", "rejected"]) {
    record({ status });
    assert.deepEqual(await quickOutcome(keys, auth0, 1000), { status: "no-legacy-session" });
  }
  localStorage.setItem("@@auth0spajs@@::c::default::openid", "{}");
  assert.equal(await quickOutcome(keys, auth0, 1000), null);
});

test("a probe this page cannot check is left to the engine", async () => {
  // Firebase reads IndexedDB first; Node has no indexedDB.databases().
  assert.equal(await quickOutcome(keys, { preset: { preset: "firebase" } }, 1000), null);
});

test("unknown versions and corrupt records are left to the engine", async () => {
  localStorage.setItem(keys.state, JSON.stringify({ v: 2, status: "done" }));
  assert.equal(await quickOutcome(keys, CALLBACK, 1000), null);
  localStorage.setItem(keys.state, "{corrupt");
  assert.equal(await quickOutcome(keys, CALLBACK, 1000), null);
});
