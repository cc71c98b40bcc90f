// Shared by the tests that let a real legacy SDK write its storage: tokens from the devstack's
// legacy IdP, the SDK's browser build served to the page, and one migration that checks that
// `inspectLegacySession` names the credential `migrateSession` then sends.
import assert from "node:assert/strict";
import { ROOT, cleanupWhenDue } from "./harness.js";

/** A token from the devstack's legacy IdP (`kind`: access_token, id_token, refresh_token, opaque). */
export async function mint(stack, kind = "access_token", extra = {}) {
  const { token } = await stack.control("legacy/mint", { user: "alice@example.com", kind, ...extra });
  return token;
}

/** Serves `/__sdk/<name>.js` to the page from `files` (name → path under the repository, or bundled text). */
export async function serveSdks(page, files) {
  await page.route("**/__sdk/*.js", (route) => {
    const name = new URL(route.request().url()).pathname.slice("/__sdk/".length, -".js".length);
    const file = files[name];
    if (file === undefined) return route.fulfill({ status: 404, body: `no SDK ${name}` });
    return typeof file === "string"
      ? route.fulfill({ path: `${ROOT}${file}`, contentType: "text/javascript" })
      : route.fulfill({ body: file.text, contentType: "text/javascript" });
  });
}

/** The options of one migration against `stack`. */
export function optionsFor(stack, legacy) {
  return {
    authgear: { endpoint: stack.urls.authgear, clientID: stack.urls.clientID },
    exchange: { url: stack.urls.exchangeURL },
    legacy,
  };
}

/**
 * Inspects, then migrates: the inspection is taken first, as an app's support screen would,
 * and must name the credential the migration sends (or the refusal it answers).
 */
export async function migrateChecked(page, stack, legacy) {
  const result = await page.evaluate(async (options) => {
    const { migrateSession, inspectLegacySession } = await import("authgear-migrate");
    const inspection = await inspectLegacySession(options);
    const events = [];
    const outcome = await migrateSession({ ...options, onEvent: (event) => events.push(event) });
    return { inspection, outcome, events, saved: localStorage.getItem("authgear_default_refreshToken") };
  }, optionsFor(stack, legacy));
  assertAgrees(result);
  if (result.outcome.status === "migrated") await cleanupWhenDue(page, optionsFor(stack, legacy));
  return result;
}

/** `inspectLegacySession` said what `migrateSession` did. */
export function assertAgrees({ inspection, outcome, events }) {
  const sent = events.find((event) => event.type === "pre-check");
  if (!sent) return; // Nothing was read: no pre-check to compare.
  assert.equal(inspection.credential ?? null, sent.credential ?? null, `inspection ${JSON.stringify(inspection)} vs ${JSON.stringify(sent)}`);
  assert.equal(inspection.refused ?? null, sent.refused ?? null, `inspection ${JSON.stringify(inspection)} vs ${JSON.stringify(sent)}`);
  if (outcome.status === "migrated") assert.equal(outcome.credential, inspection.credential);
}

export function assertMigrated(result, credential) {
  assert.deepEqual(result.outcome, { status: "migrated", credential, storage: "localStorage" }, JSON.stringify(result.events));
  assert.equal(result.inspection.credential, credential);
  assert.ok(result.saved, "no Authgear session saved");
}

/** Every web storage key and cookie name besides Authgear's, to check what cleanup left. */
export async function storageKeys(page) {
  return page.evaluate(() => {
    const keys = [];
    for (const area of ["localStorage", "sessionStorage"]) {
      for (let i = 0; i < globalThis[area].length; i++) {
        const key = globalThis[area].key(i);
        if (!key.startsWith("authgear")) keys.push(`${area}:${key}`);
      }
    }
    for (const pair of document.cookie.split("; ").filter(Boolean)) keys.push(`cookie:${pair.split("=")[0]}`);
    return keys.sort();
  });
}

/** Cleanup removed exactly the entries the inspection listed: nothing else went. */
export function assertOnlyListedRemoved(before, after, inspection) {
  const listed = new Set(inspection.entries.map(({ storage, key }) => `${storage}:${key}`));
  const removed = before.filter((key) => !after.includes(key));
  assert.deepEqual(removed.filter((key) => !listed.has(key)), [], "cleanup removed what it did not list");
  const stayed = [...listed].filter((key) => after.includes(key) && !key.startsWith("indexedDB:"));
  assert.deepEqual(stayed, [], "cleanup left what it listed");
}
