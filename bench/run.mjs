// The benchmark run: weight, client cost in Chromium, round trips, endpoint load, scale.
// Prints one table and writes bench/results/latest.json. Figures only: nothing passes or fails
// on a time. Run it with ./bench/run.sh (which installs and builds first).
//
//   node bench/run.mjs [--quick]    --quick: fewer iterations and shorter loads, for a try-out
//   node bench/run.mjs --report [FILE]   prints the table of a past run (default results/latest.json)
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg, release, totalmem } from "node:os";
import { launchChromium, measureClient } from "./client.mjs";
import { measureEndpoints } from "./endpoint.mjs";
import { BENCH, legacyTokens, startDevstack, startExpress, stopAll } from "./lib/procs.mjs";
import { buildSite } from "./lib/site.mjs";
import { kb, ms, ratio, table } from "./lib/stats.mjs";
import { cratesTable } from "./crates.mjs";
import { measureWeight, weightTable } from "./weight.mjs";

const quick = process.argv.includes("--quick");
const SIZES = quick
  ? { fastBatches: 10, fastPerBatch: 100, warmMigrations: 20, eventRuns: 10, freshLoads: 5, scaleFastBatches: 5, scaleMigrations: 10, storageEntries: [10, 1000, 10000], tabs: [1, 5, 20], tabReps: 1 }
  : { fastBatches: 30, fastPerBatch: 100, warmMigrations: 100, eventRuns: 40, freshLoads: 30, scaleFastBatches: 10, scaleMigrations: 40, storageEntries: [10, 1000, 10000], tabs: [1, 5, 20], tabReps: 3 };
const LOAD = quick ? { connections: 16, seconds: 4, tokens: 2500, warmupTokens: 200 } : { connections: 16, seconds: 10, tokens: 8000, warmupTokens: 300 };

const started = Date.now();
const log = (line) => process.stderr.write(`\x1b[1m[bench]\x1b[0m ${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s  ${line}\n`);

for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => stopAll().finally(() => process.exit(130)));
}

function machine() {
  const cpu = cpus();
  let wrkVersion = null;
  try {
    wrkVersion = execFileSync("wrk", ["--version"], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  } catch (error) {
    wrkVersion = String(error.stdout ?? ""); // wrk --version exits 1
  }
  wrkVersion = /wrk \S*?([\d.]+)/.exec(wrkVersion)?.[0]?.replace(/wrk \S*?(?=[\d])/, "wrk ") ?? null;
  return {
    cpu: cpu[0]?.model?.trim(),
    cores: cpu.length,
    memoryGB: Math.round(totalmem() / 1e9),
    kernel: release(),
    node: process.version,
    wrk: wrkVersion,
  };
}

async function main() {
  const meta = { date: new Date().toISOString(), quick, machine: machine(), loadAverageAtStart: loadavg().map((v) => +v.toFixed(2)), sizes: SIZES, load: LOAD };
  log(`${meta.machine.cpu}, ${meta.machine.cores} cores; load average ${meta.loadAverageAtStart.join(" ")}`);

  // Each part on its own: one that fails is reported as such, the others still print.
  const attempt = async (name, part) => {
    try {
      return await part();
    } catch (error) {
      log(`${name} failed: ${error?.stack ?? error}`);
      return { failed: String(error?.message ?? error).split("\n")[0] };
    }
  };

  log("1. weight");
  const weight = await attempt("weight", measureWeight);

  log("2, 3, 5. client cost, round trips, scale (Chromium)");
  const client = await attempt("client", async () => {
    const site = await buildSite();
    const stack = await startDevstack({ www: site });
    const express = await startExpress(stack.urls);
    const browser = await launchChromium();
    meta.machine.chromium = browser.version();
    try {
      const tokens = await legacyTokens(stack.urls, 900);
      return await measureClient({ browser, stack, express, tokens, sizes: SIZES, log });
    } finally {
      await browser.close();
      await express.stop();
      await stack.stop();
    }
  });

  log("4. endpoint load (wrk)");
  const endpoint = await attempt("endpoint", () => measureEndpoints({ ...LOAD, log }));

  meta.loadAverageAtEnd = loadavg().map((v) => +v.toFixed(2));
  meta.wallSeconds = Math.round((Date.now() - started) / 1000);
  const results = { meta, weight, client, endpoint };
  mkdirSync(`${BENCH}results`, { recursive: true });
  writeFileSync(`${BENCH}results/latest.json`, `${JSON.stringify(results, null, 2)}\n`);
  process.stdout.write(`${report(results)}\n`);
  log(`wrote bench/results/latest.json (${meta.wallSeconds} s)`);
}

// ---------------------------------------------------------------------------------------------
// The printed report.

const med = (s) => s?.median;

/** "12.3 ms (p95 20.1 ms)", with a floor for figures under the timer's resolution. */
function fig(stat, floor = 0) {
  if (!stat || stat.median == null) return "n/a";
  const show = (v) => (floor && v <= floor ? `≤${ms(floor)}` : ms(v));
  return `${show(stat.median)} (p95 ${show(stat.p95)})`;
}

/** engine / hand-written, with a bound when the hand-written figure is under the resolution. */
function timeRatio(engine, hand, floor = 0) {
  if (engine == null || hand == null) return "n/a";
  if (floor && hand <= floor) return `≥${ratio(engine, floor)}`;
  return ratio(engine, hand);
}

function report({ meta, weight, client, endpoint }) {
  const m = meta.machine;
  const out = [];
  out.push(`authgear-migrate benchmarks, ${meta.date.slice(0, 16).replace("T", " ")} UTC${meta.quick ? " (--quick)" : ""}`);
  out.push(`machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGB} GB, Linux ${m.kernel}; Chromium ${m.chromium}; Node ${m.node}; ${m.wrk}`);
  out.push(`load average at start ${meta.loadAverageAtStart.join(" ")}, at end ${meta.loadAverageAtEnd.join(" ")}; run took ${meta.wallSeconds} s`);
  out.push("Medians, p95 in brackets. Ratios are engine / hand-written (or / the alternative): above 1, the engine costs more.");
  out.push("");

  if (weight.failed) {
    out.push(`1. WEIGHT: failed (${weight.failed})`, "");
  } else {
    out.push(`1. WEIGHT (@authgear/web ${weight.versions["@authgear/web"]}, jose ${weight.versions.jose}; sizes in KB of 1000 bytes)`);
    out.push(table(weightTable(weight)));
    out.push("", weight.crates?.failed ? `Wasm by crate: ${weight.crates.failed}` : table(cratesTable(weight.crates)));
    out.push("");
  }
  if (client.failed) out.push(`2, 3, 5. CLIENT: failed (${client.failed})`, "");
  else out.push(...clientReport(client, meta));
  if (endpoint.failed) out.push(`4. ENDPOINT: failed (${endpoint.failed})`, "");
  else out.push(...endpointReport(endpoint, meta));
  if (!client.failed) out.push(...scaleReport(client));
  out.push("What each figure includes: bench/README.md. All figures: bench/results/latest.json.");
  return out.join("\n");
}

function clientReport(client, meta) {
  const out = [];

  const w = client.warm;
  const f = client.fresh;
  const floor = 0.1 / client.settings.fastPerBatch;
  const rows = [["2. CLIENT COST IN CHROMIUM (headless, loopback)", "engine, same-origin", "engine, cross-origin", "hand-written + Express", "engine / hand-written"]];
  rows.push([
    `fast path: already migrated, per call (${w.engine.alreadyMigrated.calls} calls)`,
    fig(w.engine.alreadyMigrated.perCallMs, floor), "same code", fig(w.handwritten.alreadyMigrated.perCallMs, floor),
    timeRatio(med(w.engine.alreadyMigrated.perCallMs), med(w.handwritten.alreadyMigrated.perCallMs), floor),
  ]);
  rows.push([
    "no legacy session, per call, code loaded",
    fig(w.engine.noLegacySession.perCallMs, floor), "same code", fig(w.handwritten.noLegacySession.perCallMs, floor),
    timeRatio(med(w.engine.noLegacySession.perCallMs), med(w.handwritten.noLegacySession.perCallMs), floor),
  ]);
  rows.push([
    `no legacy session, first call of a page load (${f.engine.firstCallNoLegacyMs.n} loads)`,
    fig(f.engine.firstCallNoLegacyMs), "same code", fig(f.handwritten.firstCallNoLegacyMs),
    timeRatio(med(f.engine.firstCallNoLegacyMs), med(f.handwritten.firstCallNoLegacyMs)),
  ]);
  rows.push([
    `full migration, own time, code loaded (${w.engine.migration.ownMs.n} runs)`,
    fig(w.engine.migration.ownMs), fig(w.engineCross.migration.ownMs), fig(w.handwritten.migration.ownMs),
    ratio(med(w.engine.migration.ownMs), med(w.handwritten.migration.ownMs)),
  ]);
  rows.push([
    "  its exchange request (network wait, excluded above)",
    fig(w.engine.migration.networkMs), fig(w.engineCross.migration.networkMs), fig(w.handwritten.migration.networkMs),
    ratio(med(w.engine.migration.networkMs), med(w.handwritten.migration.networkMs)),
  ]);
  rows.push([
    `full migration, own time, first call of a page load (${f.engine.migrationOwnMs.n} loads)`,
    fig(f.engine.migrationOwnMs), fig(f.engineCross.migrationOwnMs), fig(f.handwritten.migrationOwnMs),
    ratio(med(f.engine.migrationOwnMs), med(f.handwritten.migrationOwnMs)),
  ]);
  rows.push([
    "end to end: navigation start to AUTHENTICATED @authgear/web",
    fig(f.engine.endToEndMs), fig(f.engineCross.endToEndMs), fig(f.handwritten.endToEndMs),
    ratio(med(f.engine.endToEndMs), med(f.handwritten.endToEndMs)),
  ]);
  rows.push([
    "  of which configure() after the migration",
    fig(f.engine.configureMs), fig(f.engineCross.configureMs), fig(f.handwritten.configureMs),
    ratio(med(f.engine.configureMs), med(f.handwritten.configureMs)),
  ]);
  const sessions = (name) => Object.entries(f[name].sessionStates).map(([k, v]) => `${v} ${k}`).join(", ");
  rows.push(["  sessionState after configure()", sessions("engine"), sessions("engineCross"), sessions("handwritten"), ""]);
  out.push(table(rows));
  const steps = client.engineSteps ?? {};
  const order = ["lock", "read", "pre-check", "attempt", "answer", "saved", "cleanup", "outcome"];
  const stepText = order.filter((type) => steps[type]).map((type) => `${type} ${steps[type].meanElapsedMs.toFixed(1)}${type === "answer" && steps.answer.meanDurationMs != null ? ` (request ${steps.answer.meanDurationMs.toFixed(1)})` : ""}`).join(", ");
  if (stepText) out.push(`engine steps, code loaded (mean ms since the call began, whole-ms events, ${steps.outcome?.n ?? 0} runs): ${stepText}`);
  out.push("");

  const rt = client.roundTrips;
  const rtRows = [["3. ROUND TRIPS (one migration; counted by the servers)", "exchange requests", "of which CORS preflight", "code fetched for it"]];
  for (const name of ["engine", "engineCross", "handwritten"]) {
    const r = rt[name];
    rtRows.push([r.label, String(r.exchangeRequests), String(r.preflightOPTIONS), r.lazyCodeRequests.length ? `${r.lazyCodeRequests.length} (${r.lazyCodeRequests.map((p) => p.split("/").pop().replace(/-[A-Z0-9]{8}\.js$/, ".js")).join(", ")})` : "0"]);
  }
  out.push(table(rtRows));
  out.push("");
  return out;
}

function endpointReport(endpoint, meta) {
  const out = [];
  const e = endpoint.results;
  const epRows = [[`4. ENDPOINT (wrk, ${meta.load.connections} connections, ${meta.load.seconds} s, a new legacy token per request)`, "exchanges/s", "p50", "p99", "endpoint CPU/exchange", "stand-ins CPU/exchange", "answers"]];
  for (const name of ["reference", "referenceRedis", "express"]) {
    const r = e[name];
    if (!r || r.unavailable) {
      epRows.push([r?.label ?? name, r?.unavailable ?? "n/a", "", "", "", "", ""]);
      continue;
    }
    const answers = Object.entries(r.statuses).map(([code, n]) => `${n}×${code}`).join(" ") + (r.tokensExhausted ? ` (tokens ran out at ${r.loadedSeconds.toFixed(1)} s)` : "");
    epRows.push([r.label, r.exchangesPerSecond.toFixed(0), ms(r.latencyMs["50"]), ms(r.latencyMs["99"]), ms(r.endpointCpuMsPerExchange), ms(r.standInCpuMsPerExchange), answers]);
  }
  if (e.reference && !e.reference.unavailable && e.express) {
    epRows.push([
      "ratio reference in memory / Express",
      ratio(e.reference.exchangesPerSecond, e.express.exchangesPerSecond),
      ratio(e.reference.latencyMs["50"], e.express.latencyMs["50"]),
      ratio(e.reference.latencyMs["99"], e.express.latencyMs["99"]),
      ratio(e.reference.endpointCpuMsPerExchange, e.express.endpointCpuMsPerExchange),
      "", "",
    ]);
  }
  if (e.referenceRedis && !e.referenceRedis.unavailable && e.express) {
    epRows.push([
      "ratio reference with Redis / Express",
      ratio(e.referenceRedis.exchangesPerSecond, e.express.exchangesPerSecond),
      ratio(e.referenceRedis.latencyMs["50"], e.express.latencyMs["50"]),
      ratio(e.referenceRedis.latencyMs["99"], e.express.latencyMs["99"]),
      ratio(e.referenceRedis.endpointCpuMsPerExchange, e.express.endpointCpuMsPerExchange),
      "", "",
    ]);
  }
  out.push(table(epRows));
  out.push("");
  return out;
}

function scaleReport(client) {
  const out = [];
  const floor = 0.1 / client.settings.fastPerBatch;
  const s = client.scale;
  const stRows = [["5a. SCALE: unrelated web storage entries", "engine fast path", "hand-written fast path", "ratio", "engine migration, own", "hand-written, own", "ratio"]];
  for (const [entries, r] of Object.entries(s.storage)) {
    stRows.push([
      `${Number(entries).toLocaleString("en")} entries`,
      fig(r.engine.alreadyMigratedPerCallMs, floor), fig(r.handwritten.alreadyMigratedPerCallMs, floor),
      timeRatio(med(r.engine.alreadyMigratedPerCallMs), med(r.handwritten.alreadyMigratedPerCallMs), floor),
      fig(r.engine.migrationOwnMs), fig(r.handwritten.migrationOwnMs),
      ratio(med(r.engine.migrationOwnMs), med(r.handwritten.migrationOwnMs)),
    ]);
  }
  out.push(table(stRows));
  out.push("");
  const tabRows = [["5b. SCALE: tabs calling at once, one legacy session", "engine: all resolved", "exchanges", "Authgear sessions", "hand-written: all resolved", "exchanges", "Authgear sessions", "ratio"]];
  for (const [tabs, r] of Object.entries(s.tabs)) {
    tabRows.push([
      `${tabs} tab${tabs === "1" ? "" : "s"} (${r.engine.allResolvedMs.n} runs)`,
      fig(r.engine.allResolvedMs), r.engine.exchangesPerRun.join("/"), r.engine.authgearSessionsPerRun.join("/"),
      fig(r.handwritten.allResolvedMs), r.handwritten.exchangesPerRun.join("/"), r.handwritten.authgearSessionsPerRun.join("/"),
      ratio(med(r.engine.allResolvedMs), med(r.handwritten.allResolvedMs)),
    ]);
  }
  out.push(table(tabRows));
  out.push("");
  return out;
}

const reportAt = process.argv.indexOf("--report");
(reportAt >= 0
  ? Promise.resolve().then(() => {
    const file = process.argv[reportAt + 1] ?? `${BENCH}results/latest.json`;
    process.stdout.write(`${report(JSON.parse(readFileSync(file, "utf8")))}\n`);
  })
  : main())
  .catch(async (error) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(() => stopAll());
