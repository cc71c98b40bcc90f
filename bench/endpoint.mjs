// 4. Endpoint throughput and latency under a bounded load on loopback: wrk (one thread, a fixed
// number of connections, a fixed time), each request with its own legacy token, against
//   the reference endpoint (release build of authgear-migrate-server), state in memory;
//   the same with REDIS_URL (a redis-server this run starts on an ephemeral port);
//   the Express endpoint of Authgear's guide (bench/express-endpoint), one Node process.
// All three call the same devstack's Authgear and legacy stand-ins, which run on the same two
// cores as wrk and the endpoint: the figures are of the whole chain on this machine.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { BENCH, cpuMs, legacyTokens, serverSupportsRedis, startDevstack, startExpress, startRedis, startServer } from "./lib/procs.mjs";

let runs = 0;

function wrk({ url, tokenFile, format, clientID, connections, seconds }) {
  return new Promise((resolve, reject) => {
    const args = ["-t1", `-c${connections}`, `-d${seconds}s`, "--timeout", "10s", "-s", `${BENCH}wrk/exchange.lua`, url, "--", tokenFile, format, clientID, "1", `${process.pid}-${++runs}`];
    const child = spawn("wrk", args, { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => { stdout += chunk; });
    child.stderr.on("data", (chunk) => { stderr += chunk; });
    const timer = setTimeout(() => child.kill("SIGKILL"), (seconds + 30) * 1000);
    child.once("error", reject);
    child.once("exit", (code) => {
      clearTimeout(timer);
      const line = stdout.split("\n").find((l) => l.startsWith("BENCH_JSON "));
      if (code !== 0 || !line) return reject(new Error(`wrk exited ${code}: ${stderr || stdout}`));
      resolve(JSON.parse(line.slice("BENCH_JSON ".length)));
    });
  });
}

/** Sum and count of a Prometheus histogram (every label set added up). */
function histogram(text, name) {
  let sum = 0, count = 0;
  for (const line of text.split("\n")) {
    if (line.startsWith(`${name}_sum`)) sum += Number(line.split(" ").pop());
    if (line.startsWith(`${name}_count`)) count += Number(line.split(" ").pop());
  }
  return { sum, count };
}

function merge(statusMaps) {
  const merged = {};
  for (const map of statusMaps) for (const [code, n] of Object.entries(map)) merged[code] = (merged[code] ?? 0) + n;
  return merged;
}

/**
 * @param {{ connections: number, seconds: number, tokens: number, warmupTokens: number, log: Function }} settings
 */
export async function measureEndpoints({ connections, seconds, tokens: poolSize, warmupTokens, log }) {
  const stack = await startDevstack({ www: `${BENCH}pages` });
  const dir = mkdtempSync(`${tmpdir()}/authgear-migrate-bench-`);
  try {
    const { urls } = stack;
    const started = performance.now();
    const pool = await legacyTokens(urls, poolSize + warmupTokens);
    log(`signed ${pool.length} legacy tokens in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    const warmFile = `${dir}/warm.txt`;
    const tokenFile = `${dir}/tokens.txt`;
    writeFileSync(warmFile, pool.slice(0, warmupTokens).join("\n"));
    writeFileSync(tokenFile, pool.slice(warmupTokens).join("\n"));

    const redisSupported = serverSupportsRedis();
    const targets = [
      { name: "reference", label: "reference endpoint (Rust), in memory", format: "form", start: () => startServer(urls) },
      {
        name: "referenceRedis",
        label: "reference endpoint (Rust), Redis",
        format: "form",
        unavailable: redisSupported ? null : "n/a (server has no REDIS_URL support)",
        start: async () => {
          const redis = await startRedis();
          if (!redis) return { unavailable: "n/a (redis-server could not start)" };
          const server = await startServer(urls, { redisURL: redis.url });
          return { ...server, pids: [server.pid, redis.pid], stop: async () => { await server.stop(); await redis.stop(); } };
        },
      },
      { name: "express", label: "Express endpoint of the guide (Node)", format: "json", start: () => startExpress(urls) },
    ];

    const results = {};
    for (const target of targets) {
      if (target.unavailable) {
        results[target.name] = { label: target.label, unavailable: target.unavailable };
        continue;
      }
      const server = await target.start();
      if (server.unavailable) {
        results[target.name] = { label: target.label, unavailable: server.unavailable };
        continue;
      }
      try {
        // Warm-up: JWKS fetched, connections to the stand-ins open, JIT warm. Its own tokens.
        await wrk({ url: server.url, tokenFile: warmFile, format: target.format, clientID: urls.clientID, connections, seconds: 2 });
        const before = target.name === "express" ? await server.stats() : await server.metrics();
        const pids = server.pids ?? [server.pid];
        const cpuBefore = pids.map(cpuMs);
        const standInBefore = cpuMs(stack.pid);
        const run = await wrk({ url: server.url, tokenFile, format: target.format, clientID: urls.clientID, connections, seconds });
        const cpuAfter = pids.map(cpuMs);
        const standInAfter = cpuMs(stack.pid);
        const after = target.name === "express" ? await server.stats() : await server.metrics();
        const statuses = merge(run.statuses);
        const ok = statuses["200"] ?? 0;
        const exhausted = run.exhausted_ms > 0;
        const loadedMs = exhausted ? run.exhausted_ms - run.started_ms : run.duration_ms;
        let ownMs = null;
        if (target.name === "express") {
          const exchanges = after.exchanges - before.exchanges;
          ownMs = exchanges ? ((after.totalMs - before.totalMs) - (after.adminMs - before.adminMs)) / exchanges : null;
        } else {
          const total = histogram(after, "authgear_migrate_exchange_duration_seconds");
          const totalBefore = histogram(before, "authgear_migrate_exchange_duration_seconds");
          const admin = histogram(after, "authgear_migrate_admin_api_duration_seconds");
          const adminBefore = histogram(before, "authgear_migrate_admin_api_duration_seconds");
          const count = total.count - totalBefore.count;
          ownMs = count ? (((total.sum - totalBefore.sum) - (admin.sum - adminBefore.sum)) * 1000) / count : null;
        }
        results[target.name] = {
          label: target.label,
          connections,
          seconds,
          requests: run.requests,
          statuses,
          errors: run.errors,
          tokensExhausted: exhausted,
          loadedSeconds: loadedMs / 1000,
          exchangesPerSecond: ok / (loadedMs / 1000),
          latencyMs: run.latency_ms,
          // Time in the endpoint not spent waiting for the Admin API (under this load, so
          // queueing for the CPU included), per exchange.
          ownMsPerExchange: ownMs,
          // CPU used per exchange answered 200: the endpoint (and its redis-server), and the
          // devstack's stand-ins it called.
          endpointCpuMsPerExchange: ok ? cpuAfter.reduce((sum, v, i) => sum + (v - cpuBefore[i]), 0) / ok : null,
          standInCpuMsPerExchange: ok ? (standInAfter - standInBefore) / ok : null,
        };
        log(`${target.name}: ${results[target.name].exchangesPerSecond.toFixed(0)} exchanges/s, p50 ${run.latency_ms["50"]} ms`);
      } finally {
        await server.stop();
      }
    }
    return { redisSupported, tokens: poolSize, results };
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await stack.stop();
  }
}
