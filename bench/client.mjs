// 2, 3 and 5: client cost in headless Chromium, round trips, and scale (web storage size, tabs).
// Two subjects, each an esbuild-bundled page served by one devstack (bench/.site):
//   engine       authgear-migrate's migrateSession(), exchanging through the reference endpoint
//                (same-origin, /api/authgear-migrate; or cross-origin, the devstack's endpoint origin)
//   hand-written bench/handwritten/migrate.js, exchanging through the Express endpoint of the guide
//                (bench/express-endpoint, its own origin: cross-origin, JSON, so a CORS preflight)
// Every time is measured in the page with performance.now(). Nothing here passes or fails.
import { chromium } from "playwright-core";
import { summary } from "./lib/stats.mjs";

const CHROMIUM_ARGS = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
];

export function launchChromium() {
  return chromium.launch({ executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium", args: CHROMIUM_ARGS });
}

/** The page URL of each subject. */
function subjects(stack, express) {
  const { urls } = stack;
  const query = (exchange) => `authgear=${encodeURIComponent(urls.authgear)}&client=${encodeURIComponent(urls.clientID)}&exchange=${encodeURIComponent(exchange)}`;
  return {
    engine: { page: `${urls.app}/engine.html?${query(urls.exchangeURL)}`, exchange: urls.exchangeURL, label: "engine, same-origin endpoint" },
    engineCross: { page: `${urls.app}/engine.html?${query(`${urls.endpoint}/`)}`, exchange: `${urls.endpoint}/`, label: "engine, cross-origin endpoint" },
    handwritten: { page: `${urls.app}/handwritten.html?${query(express.url)}`, exchange: express.url, label: "hand-written + Express (cross-origin)" },
  };
}

/** A token dispenser: each legacy token is used once (the reference endpoint refuses replays). */
function dispenser(tokens) {
  let next = 0;
  return (count) => {
    if (next + count > tokens.length) throw new Error(`bench: out of legacy tokens (${tokens.length})`);
    const slice = tokens.slice(next, next + count);
    next += count;
    return slice;
  };
}

/** Opens `url` in a new page of `context`, waits for its automatic run, closes it. */
async function freshRun(context, url) {
  const page = await context.newPage();
  try {
    await page.goto(url);
    const result = await page.evaluate(() => window.benchDone);
    if (result.error) throw new Error(`page: ${result.error}`);
    return result;
  } finally {
    await page.close();
  }
}

/** A page of `subject` with nothing automatic, to prepare storage and run in-page loops. */
async function controlPage(context, subject) {
  const page = await context.newPage();
  await page.goto(subject.page);
  await page.waitForFunction(() => window.bench);
  return page;
}

function statuses(results) {
  const counts = {};
  for (const result of results) counts[result.status] = (counts[result.status] ?? 0) + 1;
  return counts;
}

/**
 * @param {{ browser, stack, express, tokens: string[], sizes: object, log: (line: string) => void }} run
 */
export async function measureClient({ browser, stack, express, tokens, sizes, log }) {
  const take = dispenser(tokens);
  const all = subjects(stack, express);
  const out = { settings: sizes, warm: {}, fresh: {}, roundTrips: {}, scale: { storage: {}, tabs: {} } };

  // 2a. Warm: the code is loaded in the page; many calls, one after another.
  for (const name of ["engine", "engineCross", "handwritten"]) {
    const subject = all[name];
    const context = await browser.newContext();
    const page = await controlPage(context, subject);
    const result = { label: subject.label };
    if (name !== "engineCross") {
      const fast = await page.evaluate(([b, n]) => window.bench.alreadyMigrated(b, n), [sizes.fastBatches, sizes.fastPerBatch]);
      result.alreadyMigrated = { status: fast.status, perCallMs: summary(fast.means), calls: sizes.fastBatches * sizes.fastPerBatch };
      const none = await page.evaluate(([b, n]) => window.bench.noLegacySession(b, n), [sizes.fastBatches, sizes.fastPerBatch]);
      result.noLegacySession = { status: none.status, perCallMs: summary(none.means), calls: sizes.fastBatches * sizes.fastPerBatch };
    }
    // A first migration loads the engine; it is not counted here (see `fresh`).
    await page.evaluate((t) => window.bench.migrations(t), take(1));
    const runs = await page.evaluate((t) => window.bench.migrations(t), take(sizes.warmMigrations));
    result.migration = {
      statuses: statuses(runs),
      ownMs: summary(runs.map((r) => r.ownMs)),
      networkMs: summary(runs.map((r) => r.networkMs)),
      totalMs: summary(runs.map((r) => r.totalMs)),
    };
    out.warm[name] = result;
    log(`warm ${name}: migration own ${result.migration.ownMs.median?.toFixed(2)} ms (median of ${runs.length})`);
    await context.close();
  }

  // 2a'. Where the engine's time goes: its events (whole milliseconds since the call began)
  // over a separate pass with `onEvent` set, averaged.
  {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${all.engine.page}&events=1`);
    await page.waitForFunction(() => window.bench);
    await page.evaluate((t) => window.bench.migrations(t), take(1));
    const steps = {};
    for (const token of take(sizes.eventRuns)) {
      await page.evaluate((t) => window.bench.migrations(t), [token]);
      const events = await page.evaluate(() => window.bench.lastEvents());
      for (const event of events ?? []) {
        const step = (steps[event.type] ??= { n: 0, elapsedMs: 0, durationMs: 0 });
        step.n += 1;
        step.elapsedMs += event.elapsedMs;
        if (typeof event.durationMs === "number") step.durationMs += event.durationMs;
      }
    }
    out.engineSteps = Object.fromEntries(Object.entries(steps).map(([type, step]) => [type, {
      meanElapsedMs: step.elapsedMs / step.n,
      ...(step.durationMs && { meanDurationMs: step.durationMs / step.n }),
      n: step.n,
    }]));
    await context.close();
  }

  // 2b. Fresh page loads (code fetched and compiled each time: the devstack serves no-store).
  for (const name of ["engine", "engineCross", "handwritten"]) {
    const subject = all[name];
    const context = await browser.newContext();
    const control = await controlPage(context, subject);
    const e2e = [];
    for (const token of take(sizes.freshLoads)) {
      await control.evaluate((t) => window.bench.prepare(t), token);
      e2e.push(await freshRun(context, `${subject.page}&auto=e2e`));
    }
    const first = [];
    if (name !== "engineCross") {
      for (let i = 0; i < sizes.freshLoads; i++) {
        await control.evaluate(() => window.bench.prepare(null));
        first.push(await freshRun(context, `${subject.page}&auto=first`));
      }
    }
    out.fresh[name] = {
      label: subject.label,
      statuses: statuses(e2e),
      sessionStates: e2e.reduce((acc, r) => ({ ...acc, [r.sessionState]: (acc[r.sessionState] ?? 0) + 1 }), {}),
      migrationTotalMs: summary(e2e.map((r) => r.totalMs)),
      migrationNetworkMs: summary(e2e.map((r) => r.networkMs)),
      migrationOwnMs: summary(e2e.map((r) => r.ownMs)),
      configureMs: summary(e2e.map((r) => r.configureMs)),
      endToEndMs: summary(e2e.map((r) => r.endToEndMs)),
      appCodeStartMs: summary(e2e.map((r) => r.startedAt)),
      ...(first.length && { firstCallNoLegacyMs: summary(first.map((r) => r.totalMs)), firstCallStatuses: statuses(first) }),
    };
    log(`fresh ${name}: end to end ${out.fresh[name].endToEndMs.median?.toFixed(1)} ms (median of ${e2e.length})`);
    await context.close();
  }

  // 3. Round trips of one migration, on a fresh page: counted by the servers (the devstack's
  // request counters, the Express endpoint's), which see CORS preflights; and the requests the
  // page made for it, as Playwright sees them.
  for (const name of ["engine", "engineCross", "handwritten"]) {
    const subject = all[name];
    const context = await browser.newContext();
    const control = await controlPage(context, subject);
    await control.evaluate((t) => window.bench.prepare(t), take(1)[0]);
    await stack.reset();
    await express.resetStats();
    const seen = [];
    context.on("request", (request) => seen.push({ method: request.method(), url: request.url(), type: request.resourceType() }));
    const result = await freshRun(context, `${subject.page}&auto=migrate`);
    const state = await stack.state();
    const exchangeURL = new URL(subject.exchange);
    let post, options;
    if (name === "handwritten") {
      const stats = await express.stats();
      post = stats.requests.POST ?? 0;
      options = stats.requests.OPTIONS ?? 0;
    } else {
      const origin = name === "engine" ? "app" : "endpoint";
      const counts = state.counters.requests[origin] ?? {};
      post = counts[`POST ${exchangeURL.pathname}`] ?? 0;
      options = counts[`OPTIONS ${exchangeURL.pathname}`] ?? 0;
    }
    // Code fetched for the migration itself: everything but the page and its entry bundle.
    const code = seen.filter((r) => /\.(js|wasm)$/.test(new URL(r.url).pathname) && !r.url.includes("-app.js"));
    out.roundTrips[name] = {
      label: subject.label,
      status: result.status,
      exchangePOST: post,
      preflightOPTIONS: options,
      exchangeRequests: post + options,
      lazyCodeRequests: code.map((r) => new URL(r.url).pathname),
      pageRequests: seen.map((r) => `${r.method} ${new URL(r.url).origin === stack.urls.app ? "" : new URL(r.url).origin}${new URL(r.url).pathname}`),
    };
    await context.close();
  }
  log("round trips counted");

  // 5a. Web storage size: unrelated entries beside the session.
  for (const entries of sizes.storageEntries) {
    out.scale.storage[entries] = {};
    for (const name of ["engine", "handwritten"]) {
      const subject = all[name];
      const context = await browser.newContext();
      const page = await controlPage(context, subject);
      const length = await page.evaluate((n) => window.bench.fill(n), entries);
      const fast = await page.evaluate(([b, n]) => window.bench.alreadyMigrated(b, n), [sizes.scaleFastBatches, sizes.fastPerBatch]);
      await page.evaluate((t) => window.bench.migrations(t), take(1));
      const runs = await page.evaluate((t) => window.bench.migrations(t), take(sizes.scaleMigrations));
      out.scale.storage[entries][name] = {
        storageLength: length,
        alreadyMigratedPerCallMs: summary(fast.means),
        migrationOwnMs: summary(runs.map((r) => r.ownMs)),
        statuses: statuses(runs),
      };
      await context.close();
    }
    log(`storage ${entries} entries done`);
  }

  // 5b. Tabs of one browser profile sharing one legacy session: each loaded, then all told to
  // call at the same instant (a BroadcastChannel message from the control page).
  for (const tabs of sizes.tabs) {
    out.scale.tabs[tabs] = {};
    for (const name of ["engine", "handwritten"]) {
      const subject = all[name];
      const reps = [];
      for (let rep = 0; rep < sizes.tabReps; rep++) {
        const context = await browser.newContext();
        const control = await controlPage(context, subject);
        await control.evaluate((t) => window.bench.prepare(t), take(1)[0]);
        const opening = Date.now();
        const pages = await Promise.all(Array.from({ length: tabs }, async () => {
          const page = await context.newPage();
          await page.goto(`${subject.page}&auto=wait`);
          return page;
        }));
        const openMs = Date.now() - opening;
        const before = await stack.state();
        await express.resetStats();
        const goAt = await control.evaluate(() => window.bench.go());
        const results = await Promise.all(pages.map((page) => page.evaluate(() => window.benchDone)));
        const failed = results.find((r) => r.error);
        if (failed) throw new Error(`tab: ${failed.error}`);
        const after = await stack.state();
        const path = `POST ${new URL(subject.exchange).pathname}`;
        const exchanges = name === "handwritten"
          ? (await express.stats()).requests.POST ?? 0
          : (after.counters.requests.app?.[path] ?? 0) - (before.counters.requests.app?.[path] ?? 0);
        reps.push({
          openMs,
          allResolvedMs: Math.max(...results.map((r) => r.doneAtEpochMs)) - goAt,
          perTabMs: results.map((r) => r.doneAtEpochMs - r.startAtEpochMs),
          statuses: statuses(results),
          exchanges,
          authgearSessionsCreated: after.counters.create_session.successful - before.counters.create_session.successful,
        });
        await context.close();
      }
      out.scale.tabs[tabs][name] = {
        allResolvedMs: summary(reps.map((r) => r.allResolvedMs)),
        perTabCallMs: summary(reps.flatMap((r) => r.perTabMs)),
        tabsOpenMs: summary(reps.map((r) => r.openMs)),
        statuses: reps.map((r) => r.statuses),
        exchangesPerRun: reps.map((r) => r.exchanges),
        authgearSessionsPerRun: reps.map((r) => r.authgearSessionsCreated),
      };
    }
    log(`${tabs} tab(s) done`);
  }
  return out;
}
