// The processes a bench run starts, each on loopback and ephemeral ports, each stopped by its
// own handle: the devstack (release build), the reference endpoint standalone, the Express
// endpoint, redis-server. Nothing here outlives the run: every child gets a piped stdin or is
// killed by pid in `stopAll()`, which run.mjs calls on exit and on signals.
import { spawn } from "node:child_process";
import { createPrivateKey, randomUUID, sign } from "node:crypto";
import { readFileSync } from "node:fs";
import { Socket, createServer } from "node:net";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const BENCH = `${ROOT}bench/`;
export const RELEASE = `${ROOT}target-bench/release/`;

const children = new Set();

function track(child, name) {
  children.add(child);
  child.once("exit", () => children.delete(child));
  child.on("error", (error) => console.error(`[bench] ${name}: ${error.message}`));
  return child;
}

/** Ends every child this run started (by its own handle), and waits up to 5 s for them. */
export async function stopAll() {
  const waiting = [...children].map((child) => new Promise((resolve) => {
    const timer = setTimeout(() => { child.kill("SIGKILL"); resolve(); }, 5000);
    child.once("exit", () => { clearTimeout(timer); resolve(); });
    child.stdin?.end();
    child.kill("SIGTERM");
  }));
  await Promise.all(waiting);
}

/**
 * CPU time (user + system) a process has used, in milliseconds, from /proc; `null` elsewhere.
 * (Clock ticks of 10 ms: read it over runs of many seconds.)
 */
export function cpuMs(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
    // After "pid (comm) ": state is field 3, utime 14 and stime 15 (1-based, as in proc(5)).
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return null;
  }
}

/** A free TCP port on 127.0.0.1 (bound, read, released). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Polls `url` until it answers 2xx, for at most `timeoutMs`. */
export async function waitFor(url, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  for (let tries = 0; Date.now() < deadline && tries < 400; tries++) {
    try {
      const response = await fetch(url);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms`);
}

/**
 * The devstack (release build) on ephemeral ports, serving `www`. The migration endpoint it
 * mounts gets rate limits off, so that a bench's hundreds of exchanges for one user are not
 * answered 429 (the limits are a production setting, not a cost).
 */
export async function startDevstack({ www }) {
  const child = track(spawn(`${RELEASE}devstack`, ["--port-base", "0", "--www", www, "--pkg", `${ROOT}pkg`], {
    cwd: ROOT,
    stdio: ["pipe", "pipe", process.env.BENCH_LOG ? "inherit" : "ignore"],
    env: {
      ...process.env,
      DEVSTACK_ENDPOINT_RATE_LIMIT_PER_IP: "off",
      DEVSTACK_ENDPOINT_RATE_LIMIT_PER_SUBJECT: "off",
      DEVSTACK_ENDPOINT_RUST_LOG: "warn",
    },
  }), "devstack");
  const line = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("devstack did not start within 20 s")), 20_000);
    child.once("exit", (code) => reject(new Error(`devstack exited with ${code} before it was ready`)));
    createInterface({ input: child.stdout }).once("line", (first) => {
      clearTimeout(timer);
      resolve(first);
    });
  });
  const urls = JSON.parse(line);
  async function control(path, body, method) {
    const response = await fetch(`${urls.app}/__devstack/${path}`, {
      method: method ?? (body === undefined ? "GET" : "POST"),
      headers: { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`devstack ${path}: ${response.status} ${text}`);
    return text ? JSON.parse(text) : undefined;
  }
  return {
    urls,
    pid: child.pid,
    control,
    reset: () => control("reset", {}),
    state: () => control("state"),
    stop: () => new Promise((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once("exit", resolve);
      child.stdin.end();
    }),
  };
}

/** The devstack's development-only Admin API key: `{ kid, pem }`. */
export function adminKey() {
  return {
    kid: readFileSync(`${ROOT}devstack/keys/authgear-admin.kid`, "utf8").trim(),
    pem: readFileSync(`${ROOT}devstack/keys/authgear-admin.pem`, "utf8"),
    file: `${ROOT}devstack/keys/authgear-admin.pem`,
  };
}

/**
 * Legacy access tokens as the devstack's legacy IdP mints them (`POST /__devstack/legacy/mint`,
 * same header and claims), signed here with its committed development-only RS256 key: the mint
 * route signs a few hundred a second on this machine, and a load run needs thousands. Signed on
 * libuv's thread pool, so both cores work. Each token has its own `jti`, so each is a distinct
 * credential for the endpoint's replay cache.
 */
export async function legacyTokens(urls, count, { email = "alice@example.com", sub = "legacy|1" } = {}) {
  const key = createPrivateKey(readFileSync(`${ROOT}devstack/keys/legacy-rs256.pem`));
  const kid = readFileSync(`${ROOT}devstack/keys/legacy-rs256.kid`, "utf8").trim();
  const b64 = (value) => Buffer.from(JSON.stringify(value)).toString("base64url");
  const header = b64({ alg: "RS256", kid, typ: "JWT" });
  const now = Math.floor(Date.now() / 1000);
  const one = () => {
    const claims = {
      aud: urls.legacyAudience, client_id: urls.legacyClientID, email, email_verified: true,
      exp: now + 3600, iat: now, iss: urls.legacy, jti: randomUUID(), nbf: now,
      scope: "openid profile email offline_access", sub,
    };
    const input = `${header}.${b64(claims)}`;
    return new Promise((resolve, reject) => sign("sha256", Buffer.from(input), key, (error, signature) =>
      error ? reject(error) : resolve(`${input}.${signature.toString("base64url")}`)));
  };
  const tokens = [];
  // In slices, so that the thread pool stays busy without a queue of thousands of closures.
  for (let start = 0; start < count; start += 256) {
    tokens.push(...await Promise.all(Array.from({ length: Math.min(256, count - start) }, one)));
  }
  return tokens;
}

/** Whether the reference endpoint binary reads `REDIS_URL` (the variable is named in it). */
export function serverSupportsRedis() {
  try {
    return readFileSync(`${RELEASE}authgear-migrate-server`).includes("REDIS_URL");
  } catch {
    return false;
  }
}

/**
 * The reference endpoint (release binary) standalone, configured by environment variables
 * against the devstack's Authgear and legacy stand-ins. Rate limits off (see startDevstack),
 * per-exchange log lines off (RUST_LOG=warn), everything else at its defaults.
 */
export async function startServer(urls, { redisURL } = {}) {
  const port = await freePort();
  const key = adminKey();
  const child = track(spawn(`${RELEASE}authgear-migrate-server`, [], {
    cwd: ROOT,
    stdio: ["pipe", "ignore", process.env.BENCH_LOG ? "inherit" : "ignore"],
    env: {
      PATH: process.env.PATH,
      LISTEN_ADDR: `127.0.0.1:${port}`,
      // The bench reads /metrics on the exchange's port (the default is a loopback port of its own).
      OPS_LISTEN_ADDR: "beside-exchange",
      AUTHGEAR_ENDPOINT: urls.authgear,
      AUTHGEAR_PROJECT_ID: urls.projectID,
      AUTHGEAR_ADMIN_KEY_ID: key.kid,
      AUTHGEAR_ADMIN_KEY_FILE: key.file,
      AUTHGEAR_CLIENT_IDS: urls.clientID,
      LEGACY_JWKS_URL: `${urls.legacy}/jwks`,
      LEGACY_ISSUER: urls.legacy,
      LEGACY_AUDIENCE: urls.legacyAudience,
      CORS_ALLOWED_ORIGINS: urls.app,
      RATE_LIMIT_PER_IP: "off",
      RATE_LIMIT_PER_SUBJECT: "off",
      RUST_LOG: "warn",
      ...(redisURL && { REDIS_URL: redisURL }),
    },
  }), "authgear-migrate-server");
  const base = `http://127.0.0.1:${port}`;
  await waitFor(`${base}/healthz`);
  return { url: `${base}/`, base, pid: child.pid, metrics: () => fetch(`${base}/metrics`).then((r) => r.text()), stop: () => stopChild(child) };
}

/** The Express endpoint of Authgear's guide (bench/express-endpoint/server.mjs). */
export async function startExpress(urls) {
  const port = await freePort();
  const key = adminKey();
  const child = track(spawn(process.execPath, [`${BENCH}express-endpoint/server.mjs`], {
    cwd: ROOT,
    stdio: ["pipe", "ignore", process.env.BENCH_LOG ? "inherit" : "ignore"],
    env: {
      PATH: process.env.PATH,
      NODE_ENV: "production",
      PORT: String(port),
      AUTHGEAR_ENDPOINT: urls.authgear,
      AUTHGEAR_PROJECT_ID: urls.projectID,
      AUTHGEAR_ADMIN_KEY_ID: key.kid,
      AUTHGEAR_ADMIN_KEY_FILE: key.file,
      AUTHGEAR_CLIENT_ID: urls.clientID,
      LEGACY_JWKS_URL: `${urls.legacy}/jwks`,
      LEGACY_ISSUER: urls.legacy,
      LEGACY_AUDIENCE: urls.legacyAudience,
      APP_ORIGIN: urls.app,
    },
  }), "express endpoint");
  const base = `http://127.0.0.1:${port}`;
  await waitFor(`${base}/healthz`);
  return {
    url: `${base}/migrate`,
    base,
    pid: child.pid,
    stats: () => fetch(`${base}/__bench/stats`).then((r) => r.json()),
    resetStats: () => fetch(`${base}/__bench/stats`, { method: "DELETE" }),
    stop: () => stopChild(child),
  };
}

/** redis-server on an ephemeral port, no persistence. `null` when it is not installed. */
export async function startRedis() {
  const port = await freePort();
  const child = track(spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], {
    stdio: ["pipe", "ignore", "ignore"],
  }), "redis-server");
  const ready = await new Promise((resolve) => {
    child.once("error", () => resolve(false));
    child.once("exit", () => resolve(false));
    const deadline = Date.now() + 10_000;
    const poll = () => {
      const socket = new Socket();
      socket.once("error", () => { socket.destroy(); Date.now() < deadline ? setTimeout(poll, 50) : resolve(false); });
      socket.connect(port, "127.0.0.1", () => { socket.end(); resolve(true); });
    };
    poll();
  });
  if (!ready) return null;
  return { url: `redis://127.0.0.1:${port}/0`, pid: child.pid, stop: () => stopChild(child) };
}

function stopChild(child) {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
    child.once("exit", () => { clearTimeout(timer); resolve(); });
    child.kill("SIGTERM");
  });
}
