// Nothing lost, in the real browser: one fault of each family, then a reload with the fault cleared.
// After each step the device must hold a usable session: the legacy one, or an Authgear one
// that the real @authgear/web can use.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { basename } from "node:path";
import { beforeEach, describe, test } from "node:test";
import { ROOT, demoOptions, legacySignIn, migrateIn, sharedStack, storageItem } from "./harness.js";

const REFRESH_KEY = "authgear_default_refreshToken";
const STATE_KEY = "authgear-migrate_default_state";
const ROUTE = { origin: "app", path: "/api/authgear-migrate", method: "POST" };
// Small budgets keep every case to a few seconds.
const FAST = { exchange: { timeoutMs: 1000, budgetMs: 4000 } };

let stack;
let browser;

sharedStack((...started) => ([stack, browser] = started));
beforeEach(() => stack.reset());

/**
 * Storage faults and crash points, armed per page through `window.__storageFault`:
 * `{ op: "set" | "remove", key, kind }`, on the first such operation on `key`, where kind is `quota`, `throw`, `readback`
 * (keeps another value than the one written), `crash-before` or `crash-after` (the page freezes
 * before or after the write, and the test closes it: the tab died at that instant).
 */
const STORAGE_HOOKS = `
  const original = { set: Storage.prototype.setItem, remove: Storage.prototype.removeItem };
  const armed = (op, key) => {
    const fault = window.__storageFault;
    return fault && fault.op === op && fault.key === key ? fault : null;
  };
  const freeze = () => {
    console.log("__crashed");
    const until = Date.now() + 20000;
    while (Date.now() < until) {}
  };
  const apply = (fault, perform) => {
    if (!fault) return perform();
    window.__storageFault = null;
    switch (fault.kind) {
      case "quota": throw new DOMException("The quota has been exceeded.", "QuotaExceededError");
      case "throw": throw new DOMException("The operation is insecure.", "SecurityError");
      case "crash-before": freeze(); return;
      case "crash-after": perform(); freeze(); return;
      default: return perform();
    }
  };
  Storage.prototype.setItem = function (key, value) {
    const fault = this === localStorage ? armed("set", key) : null;
    if (fault?.kind === "readback") { window.__storageFault = null; return original.set.call(this, key, value + "~"); }
    return apply(fault, () => original.set.call(this, key, value));
  };
  Storage.prototype.removeItem = function (key) {
    return apply(this === localStorage ? armed("remove", key) : null, () => original.remove.call(this, key));
  };
`;

async function newContext() {
  const context = await browser.newContext();
  await context.clock.install();
  await context.addInitScript(STORAGE_HOOKS);
  return context;
}

async function openApp(context) {
  const page = await context.newPage();
  await page.goto(stack.urls.app);
  return page;
}

/**
 * The invariant: an Authgear session @authgear/web can use ("authgear"), or else the legacy
 * session as it was ("legacy"); null when the device holds neither.
 */
async function usableSession(page, legacy) {
  const sub = (await storageItem(page, REFRESH_KEY))
    ? await page.evaluate(async (urls) => {
        const { default: authgear } = await import("@authgear/web");
        await authgear.configure({ endpoint: urls.authgear, clientID: urls.clientID });
        if (authgear.sessionState !== "AUTHENTICATED") return null;
        return (await authgear.fetchUserInfo()).sub;
      }, stack.urls)
    : null;
  if (sub) return "authgear";
  return legacy && (await storageItem(page, "legacy_session")) === legacy ? "legacy" : null;
}

// One case per family of failure: the native crash-point suite (tests/crash_points.rs) runs the
// flow crashing after, and failing, each of its effects; these prove the same in the browser,
// with its real storage, fetch, locks and @authgear/web.
const faultCases = [];
const networkFaults = [
  ["no answer within the timeout, every send", { kind: "delay", ms: 2500 }],
  ["503 with a long Retry-After (kill switch)", { kind: "status", status: 503, retry_after: 600, body: '{"error":"temporarily_unavailable"}' }],
  ["502 from a proxy, not JSON, first send", { kind: "status", status: 502, body: "<html>Bad Gateway</html>" }, 1],
  ["truncated JSON, every send", { kind: "truncate" }],
  ["response lost after the exchange happened", { kind: "drop_response" }, 1],
];
for (const [name, fault, times] of networkFaults) {
  faultCases.push({ name, arm: () => stack.control("faults", { ...ROUTE, ...(times && { times }), fault }) });
}
// Each armed on the first write or removal of its key.
const storageFaults = [
  ["storage throwing (private mode) recording the attempt", { op: "set", key: STATE_KEY, kind: "throw" }],
  ["quota exceeded saving the Authgear session", { op: "set", key: REFRESH_KEY, kind: "quota" }],
  ["the Authgear session does not read back", { op: "set", key: REFRESH_KEY, kind: "readback" }],
  ["removing the legacy session fails", { op: "remove", key: "legacy_session", kind: "throw" }],
];
for (const [name, fault] of storageFaults) {
  faultCases.push({ name, arm: (page) => page.evaluate((fault) => (window.__storageFault = fault), fault) });
}
faultCases.push({
  name: "crash after saving the Authgear session, before recording it",
  crash: true,
  arm: (page) => page.evaluate((fault) => (window.__storageFault = fault), { op: "set", key: REFRESH_KEY, kind: "crash-after" }),
});
faultCases.push({
  name: "crash during the request",
  crash: true,
  arm: () => stack.control("faults", { ...ROUTE, times: 1, fault: { kind: "delay", ms: 5000 } }),
  // The tab dies once the request is in flight.
  crashWhen: async () => {
    for (let i = 0; i < 100; i += 1) {
      const { counters } = await stack.state();
      if ((counters.requests.app?.["POST /api/authgear-migrate"] ?? 0) > 0) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  },
});

describe("the fault matrix", () => {
  test(`${faultCases.length} cases; no session lost`, { timeout: 900_000 }, async () => {
    const lost = [];
    const log = [];
    for (const testCase of faultCases) {
      await stack.reset();
      const context = await newContext();
      let page = await openApp(context);
      await legacySignIn(page, stack.urls);
      const legacy = await storageItem(page, "legacy_session");
      await testCase.arm(page);

      let first;
      if (testCase.crash) {
        const crashed = new Promise((resolve) => page.on("console", (message) => message.text() === "__crashed" && resolve()));
        const running = migrateIn(page, demoOptions(stack.urls, FAST)).catch(() => null);
        await Promise.race([crashed, testCase.crashWhen?.() ?? new Promise(() => {})]);
        await page.close();
        await running;
        first = "crashed";
        page = await openApp(context);
      } else {
        first = (await migrateIn(page, demoOptions(stack.urls, FAST))).outcome;
      }
      const afterFault = await usableSession(page, legacy);

      // Clear the fault, let any backoff pass, load the app again.
      await stack.control("faults").catch(() => {});
      await fetch(`${stack.urls.app}/__devstack/faults`, { method: "DELETE" });
      await page.evaluate(() => (window.__storageFault = null));
      await context.clock.fastForward(3_600_000);
      await page.reload();
      const second = (await migrateIn(page, demoOptions(stack.urls, FAST))).outcome;
      const afterReload = await usableSession(page, legacy);
      const { counters } = await stack.state();

      if (!afterFault || !afterReload) lost.push(testCase.name);
      log.push({
        case: testCase.name,
        first: typeof first === "string" ? first : `${first.status}${first.reason ? `/${first.reason}` : ""}`,
        session: afterFault,
        reload: `${second.status}${second.reason ? `/${second.reason}` : ""}`,
        final: afterReload,
        createSession: counters.create_session.total,
      });
      assert.ok(["migrated", "already-migrated"].includes(second.status), `${testCase.name}: after the reload, ${JSON.stringify(second)}`);
      assert.equal(afterReload, "authgear", `${testCase.name}: the reload did not finish the migration`);
      assert.ok((await storageItem(page, "legacy_session")) === null, `${testCase.name}: the legacy session was not cleaned up`);
      // Retries carry one idempotency key: the endpoint replays, Authgear sees one session.
      assert.equal(counters.create_session.total, 1, `${testCase.name}: createSession ran ${counters.create_session.total} times`);
      await context.close();
    }
    console.table(log);
    console.log(`fault matrix: ${faultCases.length} cases run, ${lost.length} lost a session${lost.length ? `: ${lost.join("; ")}` : ""}`);
    assert.deepEqual(lost, []);
  });
});

describe("a panic in the engine", () => {
  // The package's glue and .wasm, swapped for the build whose engine panics once the endpoint has
  // answered (scripts/build.sh --test-builds): a panic is a trap, which abandons the engine's
  // futures, so without the panic handler's rejections the app's await would never return.
  test("rejects the calls in flight and every later one of the page with ERR_ENGINE_INTERNAL; nothing lost, the reload migrates", async () => {
    const build = `${ROOT}pkg/dist/test-panic/`;
    assert.ok(existsSync(`${build}authgear_migrate_bg.wasm`), `no test build at ${build}: run ./scripts/build.sh --test-builds`);
    const context = await browser.newContext();
    const swap = (route) => route.fulfill({ path: `${build}${basename(new URL(route.request().url()).pathname)}` });
    await context.route("**/pkg/dist/wasm/authgear_migrate*", swap);
    const page = await openApp(context);
    await legacySignIn(page, stack.urls);
    const legacy = await storageItem(page, "legacy_session");

    const calls = await page.evaluate(async (options) => {
      const { migrateSession } = await import("authgear-migrate");
      const settle = (call) =>
        Promise.race([
          call.then((outcome) => ({ outcome }), (error) => ({ name: error?.name, code: error?.code, message: String(error?.message) })),
          new Promise((resolve) => setTimeout(() => resolve({ hung: true }), 15_000)),
        ]);
      // Two at once (an app that calls twice, React's strict mode): the second waits for the lock
      // the first holds when it panics. Then one more.
      const both = await Promise.all([settle(migrateSession(options)), settle(migrateSession(options))]);
      return [...both, await settle(migrateSession(options))];
    }, demoOptions(stack.urls, FAST));
    for (const [index, call] of calls.entries()) {
      assert.equal(call.name, "MigrateError", `call ${index + 1}: ${JSON.stringify(call)}`);
      assert.equal(call.code, "ERR_ENGINE_INTERNAL", `call ${index + 1}: ${JSON.stringify(call)}`);
      assert.match(call.message, /no session was lost/);
    }
    const { counters } = await stack.state();
    assert.equal(counters.requests.app?.["POST /api/authgear-migrate"], 1, "one call reached the endpoint, once; the others never went on");
    assert.equal(await usableSession(page, legacy), "legacy");
    // No Web Lock is held or asked for: the app's other tabs do not wait for this one.
    const locks = await page.evaluate(async () => {
      for (let i = 0; i < 20; i += 1) {
        const { held, pending } = await navigator.locks.query();
        if (held.length + pending.length === 0) return "free";
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      return JSON.stringify(await navigator.locks.query());
    });
    assert.equal(locks, "free", "the lock of the calls that panicked is still held");

    // The package's own build again, as after a fixed deploy: the same key, one session.
    await context.unroute("**/pkg/dist/wasm/authgear_migrate*", swap);
    await page.reload();
    const { outcome } = await migrateIn(page, demoOptions(stack.urls, FAST));
    assert.equal(outcome.status, "migrated", JSON.stringify(outcome));
    assert.equal(await usableSession(page, legacy), "authgear");
    assert.equal((await stack.state()).counters.create_session.total, 1);
    await context.close();
  });
});

describe("single flight and the other tabs", () => {
  test("five tabs at once: one createSession, one session, all migrated or already-migrated", async () => {
    const context = await newContext();
    const first = await openApp(context);
    await legacySignIn(first, stack.urls);
    const tabs = [first, ...(await Promise.all([1, 2, 3, 4].map(() => openApp(context))))];
    const outcomes = await Promise.all(tabs.map((tab) => migrateIn(tab, demoOptions(stack.urls)).then((run) => run.outcome)));
    // Usually one tab says `migrated` and four `already-migrated`. But Chromium's localStorage is
    // only eventually consistent between tabs in different renderer processes, and the lock is
    // granted by the browser process: a tab granted the lock next may still see the first one's
    // `pending` record without its saved session. It then sends the same idempotency key, is
    // answered the same tokens and says `migrated` too (seen on a loaded machine). What holds
    // either way is below: one createSession, one session in every tab.
    const statuses = outcomes.map((outcome) => outcome.status);
    assert.ok(statuses.every((status) => status === "migrated" || status === "already-migrated"), String(statuses));
    assert.ok(statuses.includes("migrated"), String(statuses));
    const tokens = new Set(await Promise.all(tabs.map((tab) => storageItem(tab, REFRESH_KEY))));
    assert.equal(tokens.size, 1);
    assert.ok([...tokens][0], "no tab has the Authgear session");
    const { counters } = await stack.state();
    assert.equal(counters.create_session.total, 1);
    await context.close();
  });

  test("onMigrated tells the other open tabs, once", async () => {
    const context = await newContext();
    const [migrating, waiting] = [await openApp(context), await openApp(context)];
    await waiting.evaluate(async () => {
      const { onMigrated } = await import("authgear-migrate");
      window.__heard = [];
      onMigrated((event) => window.__heard.push(event));
    });
    await legacySignIn(migrating, stack.urls);
    assert.equal((await migrateIn(migrating, demoOptions(stack.urls))).outcome.status, "migrated");
    await waiting.waitForFunction(() => window.__heard.length > 0);
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.deepEqual(await waiting.evaluate(() => window.__heard), [{ name: "default" }]);
    await context.close();
  });
});

describe("backoff across page loads", () => {
  test("a failing endpoint is asked per backoff step, not per page load", async () => {
    await stack.control("faults", { ...ROUTE, fault: { kind: "status", status: 503, retry_after: 30, body: '{"error":"temporarily_unavailable"}' } });
    const context = await newContext();
    const page = await openApp(context);
    await legacySignIn(page, stack.urls);
    const loads = 20;
    const reasons = [];
    for (let load = 0; load < loads; load += 1) {
      await page.reload();
      const { outcome } = await migrateIn(page, demoOptions(stack.urls, FAST));
      assert.equal(outcome.status, "deferred");
      reasons.push(outcome.reason);
      await context.clock.fastForward(20_000);
    }
    const { counters } = await stack.state();
    const requests = counters.requests.app["POST /api/authgear-migrate"] ?? 0;
    const asked = reasons.filter((reason) => reason !== "backoff").length;
    console.log(`backoff: ${loads} page loads over ${(loads * 20) / 60} min of a failing endpoint, ${requests} requests`);
    assert.equal(requests, asked, "a load that was told to back off sent a request");
    // 30 s, then 30–60 s, 60–120 s, 120–240 s: at most 5 asks in 400 s.
    assert.ok(requests <= 5, `${requests} requests in ${loads} loads`);
    assert.ok(requests >= 2);
    await context.close();
  });
});

describe("idempotency", () => {
  test("a lost response is replayed by its key: one createSession, one spend of the legacy refresh token", async () => {
    const context = await newContext();
    const page = await openApp(context);
    await legacySignIn(page, stack.urls);
    // Two hours on, only the refresh token is live: the endpoint must redeem it at the legacy IdP.
    await context.clock.fastForward(2 * 3_600_000);
    await stack.control("faults", { ...ROUTE, times: 1, fault: { kind: "drop_response" } });
    const { outcome, events } = await migrateIn(page, demoOptions(stack.urls, FAST));
    assert.equal(outcome.status, "migrated", JSON.stringify(outcome));
    assert.equal(outcome.credential, "refresh_token");
    // The retry may be the engine's or Chromium's own (it resends a request whose reused
    // connection closed without an answer); either way it carries the same key.
    const { counters } = await stack.state();
    assert.ok(counters.requests.app["POST /api/authgear-migrate"] >= 2, "no retry after the lost response");
    assert.ok(events.some((event) => event.type === "attempt"));
    assert.equal(counters.create_session.successful, 1);
    assert.equal(counters.legacy_refresh_tokens_spent, 1);
    assert.equal(await usableSession(page, null), "authgear");
    await context.close();
  });
});
