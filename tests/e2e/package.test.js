// The npm package in the browser: what it loads and when, its rollout controls, strict CSP,
// and what it tells the app (never a token).
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, test } from "node:test";
import { demoOptions, leaks, legacySignIn, migrateIn, openApp, sharedStack, startDevstack, storageItem } from "./harness.js";

let stack;
let browser;

sharedStack((...started) => ([stack, browser] = started));
beforeEach(() => stack.reset());

/** A fresh page on the app origin that records every request it makes. */
async function recordingPage() {
  const requests = [];
  const { page, context } = await openApp(browser, stack, (fresh) =>
    fresh.on("request", (request) => requests.push({ url: request.url(), method: request.method() })),
  );
  return { page, requests, context };
}

/** What loads the engine: the loader's lazy module, the glue, the .wasm. */
const wasmRequests = (requests) => requests.filter((request) => /\/(instantiate\.js|authgear_migrate\.js|authgear_migrate_bg\.wasm)$/.test(new URL(request.url).pathname));

/** Records, in the page, which of WebAssembly's compilers the loader calls. */
function recordCompiles() {
  window.compiles = [];
  for (const name of ["compileStreaming", "compile"]) {
    const original = WebAssembly[name];
    WebAssembly[name] = function (...args) {
      window.compiles.push(name);
      return original.apply(this, args);
    };
  }
}
const exchanges = (requests) => requests.filter((request) => request.url.endsWith("/api/authgear-migrate"));

describe("lean loading", () => {
  test("the fast path neither fetches nor instantiates the engine", async () => {
    const { page, requests } = await recordingPage();
    const cases = [
      ["an Authgear session already saved", () => localStorage.setItem("authgear_default_refreshToken", "rt")],
      ["the state record says done", () => localStorage.setItem("authgear-migrate_default_state", JSON.stringify({ v: 1, status: "done", updatedAt: 1 }))],
      ["a backoff in force", () => localStorage.setItem("authgear-migrate_default_state", JSON.stringify({ v: 1, status: "deferred", notBefore: Date.now() + 60_000, updatedAt: 1 }))],
    ];
    for (const [name, arrange] of cases) {
      await page.evaluate(() => localStorage.clear());
      await page.evaluate(arrange);
      const { outcome } = await migrateIn(page, demoOptions(stack.urls));
      assert.ok(["already-migrated", "deferred"].includes(outcome.status), `${name}: ${JSON.stringify(outcome)}`);
      assert.deepEqual(wasmRequests(requests), [], `${name}: the engine was fetched`);
    }
    assert.equal(await page.evaluate(() => performance.getEntriesByType("resource").some((entry) => entry.name.endsWith(".wasm"))), false);
  });

  test("a first start with nothing to migrate answers without the engine", async () => {
    const { page, requests } = await recordingPage();
    const sources = [
      ["the demo's storage source", {}],
      ["the auth0-spa preset", { legacy: { preset: "auth0-spa", clientId: "spa-client" } }],
      ["the supabase preset", { legacy: { preset: "supabase", url: "https://abcd.supabase.co" } }],
    ];
    for (const [name, overrides] of sources) {
      await page.evaluate(() => localStorage.clear());
      const { outcome } = await migrateIn(page, { ...demoOptions(stack.urls), ...overrides });
      assert.deepEqual(outcome, { status: "no-legacy-session" }, name);
      assert.deepEqual(wasmRequests(requests), [], `${name}: the engine was fetched`);
    }
    // Something where the engine looks: now it loads, and reads it.
    await legacySignIn(page, stack.urls);
    assert.equal((await migrateIn(page, demoOptions(stack.urls))).outcome.status, "migrated");
    assert.ok(wasmRequests(requests).length > 0);
  });

  test("with work to do, the engine is fetched once, as application/wasm, and compiled as it downloads", async () => {
    const { page, requests } = await recordingPage();
    await page.addInitScript(recordCompiles);
    await page.reload();
    await page.waitForFunction(() => document.body.dataset.ready === "true");
    await legacySignIn(page, stack.urls);
    await page.evaluate(() => localStorage.setItem("legacy_other", "{}"));
    await migrateIn(page, demoOptions(stack.urls, { cleanup: "keep" }));
    await page.evaluate(() => localStorage.clear());
    await legacySignIn(page, stack.urls, "bob@example.com");
    await migrateIn(page, demoOptions(stack.urls));
    const wasm = wasmRequests(requests).filter((request) => request.url.endsWith(".wasm"));
    assert.equal(wasm.length, 1);
    const type = await page.evaluate(async (url) => (await fetch(url, { method: "HEAD" })).headers.get("content-type"), wasm[0].url);
    assert.equal(type, "application/wasm");
    assert.deepEqual(await page.evaluate(() => window.compiles), ["compileStreaming"]);
  });

  test("preloadEngine fetches ahead; the migration then fetches nothing more", async () => {
    const { page, requests } = await recordingPage();
    await page.evaluate(async () => (await import("authgear-migrate")).preloadEngine());
    assert.equal(wasmRequests(requests).length, 3);
    await legacySignIn(page, stack.urls);
    const { outcome } = await migrateIn(page, demoOptions(stack.urls));
    assert.equal(outcome.status, "migrated");
    assert.equal(wasmRequests(requests).length, 3);
  });

  // The glue's response is held until the .wasm has been asked for: a loader that waited for the
  // glue would never ask, and the test would fail on the timeout. `wasmURL` names another path
  // (answered with the real file), so that only a loader that used it passes.
  const WASM = "/pkg/dist/wasm/authgear_migrate_bg.wasm";
  for (const [name, wasmURL] of [["beside the glue (the default)", undefined], ["given wasmURL", "/engine/elsewhere.wasm"]]) {
    test(`the .wasm is fetched while the glue loads, not after: ${name}`, async () => {
      let wasmAsked;
      const asked = new Promise((resolve) => (wasmAsked = resolve));
      const wasm = [];
      const { page } = await openApp(browser, stack, async (fresh) => {
        fresh.on("request", (request) => {
          const path = new URL(request.url()).pathname;
          if (path.endsWith(".wasm")) wasm.push(path) && wasmAsked(true);
        });
        await fresh.route("**/engine/elsewhere.wasm", async (route) => route.fulfill({ response: await route.fetch({ url: new URL(WASM, route.request().url()).href }) }));
        await fresh.route("**/pkg/dist/wasm/authgear_migrate.js", async (route) => {
          const before = await Promise.race([asked, new Promise((resolve) => setTimeout(resolve, 5000, false))]);
          if (!before) wasmAsked(false);
          await route.continue();
        });
      });
      await legacySignIn(page, stack.urls);
      const { outcome } = await migrateIn(page, { ...demoOptions(stack.urls), ...(wasmURL && { wasmURL }) });
      assert.equal(outcome.status, "migrated");
      assert.equal(await asked, true, "the .wasm was asked for only once the glue had loaded");
      assert.deepEqual(wasm, [wasmURL ?? WASM]);
    });
  }

  test("a .wasm served with another Content-Type still loads, compiled once downloaded", async () => {
    let served = 0;
    const { page } = await openApp(browser, stack, async (fresh) => {
      await fresh.addInitScript(recordCompiles);
      await fresh.route("**/authgear_migrate_bg.wasm", async (route) => {
        served += 1;
        const response = await route.fetch();
        await route.fulfill({ response, headers: { ...response.headers(), "content-type": "application/octet-stream" } });
      });
    });
    await legacySignIn(page, stack.urls);
    assert.equal((await migrateIn(page, demoOptions(stack.urls))).outcome.status, "migrated");
    assert.equal(served, 1);
    assert.deepEqual(await page.evaluate(() => window.compiles), ["compile"]);
  });

  test("a .wasm that is not where locate.js says is found by the glue, beside itself", async () => {
    // The demo serves both at one path: the first request (the loader's) is refused, the
    // second (the glue's) answered.
    let asked = 0;
    const { page } = await openApp(browser, stack, (fresh) =>
      fresh.route("**/authgear_migrate_bg.wasm", async (route) => ((asked += 1) === 1 ? route.fulfill({ status: 404 }) : route.continue())),
    );
    await legacySignIn(page, stack.urls);
    assert.equal((await migrateIn(page, demoOptions(stack.urls))).outcome.status, "migrated");
    assert.equal(asked, 2);
  });

  test("an engine that cannot load defers, and says why", async () => {
    const { page } = await recordingPage();
    await legacySignIn(page, stack.urls);
    const { outcome, events } = await migrateIn(page, { ...demoOptions(stack.urls), wasmURL: "/pkg/dist/wasm/missing.wasm" });
    assert.equal(outcome.status, "deferred");
    assert.equal(outcome.reason, "engine_unavailable");
    const warning = events.find((event) => event.type === "warning");
    assert.equal(warning?.code, "engine_unavailable");
    assert.match(warning.message, /could not load from http:\/\/[^ ]+\/pkg\/dist\/wasm\/missing\.wasm: Error: HTTP status 404/);
    assert.ok(await storageItem(page, "legacy_session"));
  });

  test("inspectLegacySession and preloadEngine reject with a MigrateError when the engine cannot load", async () => {
    const { page } = await recordingPage();
    await legacySignIn(page, stack.urls);
    const errors = await page.evaluate(async (options) => {
      const { inspectLegacySession, preloadEngine, MigrateError } = await import("authgear-migrate");
      const caught = (promise) =>
        promise.then(
          () => null,
          (error) => ({ isMigrateError: error instanceof MigrateError, code: error.code, option: error.option, message: error.message, cause: String(error.cause) }),
        );
      return {
        inspect: await caught(inspectLegacySession(options)),
        preload: await caught(preloadEngine({ wasmURL: options.wasmURL })),
        // Under the same policy as migrateSession's: a .wasm over plain http could be swapped in transit.
        insecure: await caught(preloadEngine({ wasmURL: "http://engine.example/authgear_migrate_bg.wasm" })),
      };
    }, { ...demoOptions(stack.urls), wasmURL: "/pkg/dist/wasm/missing.wasm" });
    for (const error of [errors.inspect, errors.preload]) {
      assert.equal(error?.isMigrateError, true, JSON.stringify(errors));
      assert.equal(error.code, "ERR_ENGINE_UNAVAILABLE");
      assert.match(error.message, /^authgear-migrate: the engine could not load from http:\/\/[^ ]+\/missing\.wasm: Error: HTTP status 404$/);
      assert.equal(error.cause, "Error: HTTP status 404");
    }
    assert.equal(errors.insecure?.code, "ERR_INVALID_OPTION", JSON.stringify(errors));
    assert.equal(errors.insecure.option, "wasmURL");
    assert.match(errors.insecure.message, /options\.wasmURL /);
    assert.ok(await storageItem(page, "legacy_session"));
  });
});

describe("rollout controls", () => {
  test("dryRun reads and pre-checks, and sends and writes nothing", async () => {
    const { page, requests } = await recordingPage();
    await legacySignIn(page, stack.urls);
    const before = await page.evaluate(() => JSON.stringify(Object.entries(localStorage).sort()));
    const { outcome, events } = await migrateIn(page, { ...demoOptions(stack.urls), dryRun: true });
    assert.deepEqual(outcome, { status: "dry-run", credential: "access_token" });
    assert.deepEqual(events.map((event) => event.type), ["read", "pre-check", "outcome"]);
    assert.deepEqual(exchanges(requests), []);
    assert.equal(await page.evaluate(() => JSON.stringify(Object.entries(localStorage).sort())), before);
  });

  test("enabled: false, or a flag function, skips everything; a flag service that fails is a no", async () => {
    const { page, requests } = await recordingPage();
    await legacySignIn(page, stack.urls);
    const outcomes = await page.evaluate(async (options) => {
      const { migrateSession } = await import("authgear-migrate");
      const settle = (promise) => promise.catch((error) => ({ rejected: String(error) }));
      return [
        await settle(migrateSession({ ...options, enabled: false })),
        await settle(migrateSession({ ...options, enabled: async () => false })),
        await settle(migrateSession({ ...options, enabled: async () => Promise.reject(new Error("flag service down")) })),
        await settle(migrateSession({ ...options, enabled: () => { throw new Error("flag client not ready"); } })),
      ];
    }, demoOptions(stack.urls));
    assert.deepEqual(outcomes, [
      { status: "skipped", reason: "disabled" },
      { status: "skipped", reason: "disabled" },
      { status: "skipped", reason: "disabled" },
      { status: "skipped", reason: "disabled" },
    ]);
    assert.deepEqual(wasmRequests(requests), []);
  });

  test("sample: each device draws once and keeps its draw", async () => {
    const { page } = await recordingPage();
    await legacySignIn(page, stack.urls);
    const draw = await page.evaluate(() => {
      localStorage.setItem("authgear-migrate_default_sample", "0.42");
      return localStorage.getItem("authgear-migrate_default_sample");
    });
    const results = await page.evaluate(async (options) => {
      const { migrateSession } = await import("authgear-migrate");
      const outside = [];
      for (let i = 0; i < 5; i += 1) outside.push((await migrateSession({ ...options, sample: 0.4, dryRun: true })).status);
      const inside = (await migrateSession({ ...options, sample: 0.43, dryRun: true })).status;
      return { outside, inside };
    }, demoOptions(stack.urls));
    assert.deepEqual(results.outside, Array(5).fill("skipped"));
    assert.equal(results.inside, "dry-run");
    assert.equal(await storageItem(page, "authgear-migrate_default_sample"), draw);
    // A device with no draw yet makes one and keeps it.
    await page.evaluate(() => localStorage.removeItem("authgear-migrate_default_sample"));
    await migrateIn(page, { ...demoOptions(stack.urls), sample: 0.5, dryRun: true });
    const made = Number(await storageItem(page, "authgear-migrate_default_sample"));
    assert.ok(made >= 0 && made < 1);
  });
});

describe("Content Security Policy", () => {
  // Pages with a strict policy in a <meta> tag, served by a devstack of their own.
  let pages;
  before(async () => {
    pages = await startDevstack(["--www", "tests/e2e/pages"]);
  });
  after(() => pages?.stop());

  async function underPolicy(file) {
    // Signed in from here: the policy lets the page talk to its own origin only.
    const response = await fetch(`${pages.urls.legacy}/token`, {
      method: "POST",
      body: new URLSearchParams({ grant_type: "password", username: "alice@example.com", password: "password", client_id: pages.urls.legacyClientID }),
    });
    const tokens = await response.json();
    const context = await browser.newContext();
    const tab = await context.newPage();
    const violations = [];
    tab.on("console", (message) => /Content Security Policy|Refused/.test(message.text()) && violations.push(message.text()));
    let wasmFetches = 0;
    tab.on("request", (request) => request.url().endsWith(".wasm") && (wasmFetches += 1));
    await tab.goto(`${pages.urls.app}/${file}`);
    await tab.waitForFunction(() => typeof window.run === "function");
    await tab.evaluate((session) => localStorage.setItem("legacy_session", session), JSON.stringify(tokens));
    const { outcome, events } = await tab.evaluate(async (options) => {
      const events = [];
      const outcome = await window.run({ ...options, onEvent: (event) => events.push(event) });
      return { outcome, events };
    }, demoOptions(pages.urls));
    const legacyKept = (await storageItem(tab, "legacy_session")) !== null;
    await context.close();
    return { outcome, events, violations, legacyKept, wasmFetches };
  }

  test("works under a strict policy with 'wasm-unsafe-eval'", async () => {
    const { outcome, violations } = await underPolicy("csp-wasm.html");
    assert.equal(outcome.status, "migrated", JSON.stringify(outcome));
    assert.deepEqual(violations, []);
  });

  test("without 'wasm-unsafe-eval' the browser refuses the engine: deferred, nothing lost", async () => {
    const { outcome, events, legacyKept, wasmFetches } = await underPolicy("csp-no-wasm.html");
    assert.equal(outcome.status, "deferred");
    // Refused by the policy, the module is not fetched again for the glue to try.
    assert.equal(wasmFetches, 1);
    assert.equal(outcome.reason, "engine_unavailable");
    const warning = events.find((event) => event.code === "engine_unavailable");
    assert.match(warning.message, /Content Security Policy|unsafe-eval/, "the refusal was not the policy's");
    assert.ok(legacyKept);
  });
});

describe("what the app is told", () => {
  test("debug prints every event; no event, console line or outcome carries a token", async () => {
    const { page } = await recordingPage();
    const lines = [];
    // Console arguments in full, not the previews `text()` gives of objects.
    page.on("console", (message) => lines.push(Promise.all(message.args().map((arg) => arg.jsonValue())).then(JSON.stringify)));
    const legacy = await legacySignIn(page, stack.urls);
    const { outcome, events } = await page.evaluate(async (options) => {
      const { migrateSession } = await import("authgear-migrate");
      const events = [];
      const outcome = await migrateSession({ ...options, debug: true, onEvent: (event) => events.push(event) });
      return { outcome, events };
    }, demoOptions(stack.urls));
    assert.equal(outcome.status, "migrated");
    const printed = await Promise.all(lines);
    assert.ok(printed.filter((line) => line.startsWith('["[authgear-migrate]"')).length >= events.length);
    const authgearRefresh = await storageItem(page, "authgear_default_refreshToken");
    const secrets = [legacy.access_token, legacy.refresh_token, legacy.id_token, authgearRefresh];
    const told = [JSON.stringify(outcome), ...events.map((event) => JSON.stringify(event)), ...printed];
    assert.deepEqual(leaks(told, secrets).length, 0, "a token slice appeared in what the app is told");
    assert.ok(told.length > 10);
  });
});
