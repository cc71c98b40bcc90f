// Shared by the end-to-end tests: a devstack on ephemeral loopback ports, and headless Chromium.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { after, before } from "node:test";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

export const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const DEVSTACK = `${ROOT}target/debug/devstack`;

/** Starts a devstack; resolves once it printed its URLs. `stop()` ends it. */
export async function startDevstack(args = []) {
  const child = spawn(DEVSTACK, ["--port-base", "0", ...args], {
    cwd: ROOT,
    stdio: ["pipe", "pipe", process.env.DEVSTACK_LOG ? "inherit" : "ignore"],
  });
  const lines = createInterface({ input: child.stdout });
  const first = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("devstack did not start within 20 s")), 20_000);
    child.once("exit", (code) => reject(new Error(`devstack exited with ${code} before it was ready`)));
    lines.once("line", (line) => {
      clearTimeout(timer);
      resolve(line);
    });
  });
  const urls = JSON.parse(first);
  async function control(path, body) {
    const response = await fetch(`${urls.app}/__devstack/${path}`, {
      method: body === undefined ? "GET" : "POST",
      headers: { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`devstack ${path}: ${response.status} ${text}`);
    return text ? JSON.parse(text) : undefined;
  }
  return {
    urls,
    control,
    reset: () => control("reset", {}),
    state: () => control("state"),
    /** Closing stdin ends the devstack (so does a test runner that dies). */
    stop: () =>
      new Promise((resolve) => {
        child.once("exit", resolve);
        child.stdin.end();
      }),
  };
}

export function launchChromium() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/** The options the demo page uses, for `stack`; `overrides` are merged per group. */
export function demoOptions(urls, overrides = {}) {
  return {
    authgear: { endpoint: urls.authgear, clientID: urls.clientID, ...overrides.authgear },
    exchange: { url: urls.exchangeURL, ...overrides.exchange },
    legacy: {
      storage: "localStorage",
      key: "legacy_session",
      pointer: { accessToken: "/access_token", refreshToken: "/refresh_token" },
      ...overrides.legacy,
    },
    ...(overrides.cleanup && { cleanup: overrides.cleanup }),
  };
}

/** Runs `migrateSession(options)` in the page, collecting its events. */
export async function migrateIn(page, options) {
  return page.evaluate(async (options) => {
    const { migrateSession } = await import("authgear-migrate");
    const events = [];
    const outcome = await migrateSession({ ...options, onEvent: (event) => events.push(event) });
    return { outcome, events };
  }, options);
}

/**
 * After a migration that saved to localStorage a session whose legacy one lives elsewhere
 * (IndexedDB, cookies, sessionStorage), the cleanup waits until the saved session has surely
 * reached the disk (src/core/state.rs, CLEANUP_DELAY_MS). This checks the wait: a call before
 * it answers at once and the legacy session is still there; then it moves the page's clock past
 * it, and makes the call that cleans up (what it removed, the caller checks). Answers whether
 * there was a wait.
 */
export async function cleanupWhenDue(page, options) {
  const record = await page.evaluate(() => JSON.parse(localStorage.getItem("authgear-migrate_default_state") ?? "null"));
  if (record?.status !== "saved" || typeof record.notBefore !== "number") return false;
  const call = () =>
    page.evaluate(async (options) => {
      const { migrateSession, inspectLegacySession } = await import("authgear-migrate");
      return { outcome: await migrateSession(options), entries: (await inspectLegacySession(options)).entries };
    }, options);
  const early = await call();
  assert.deepEqual(early.outcome, { status: "already-migrated", storage: "localStorage" });
  assert.ok(early.entries.length > 0, "the legacy session was removed before its cleanup was due");
  await page.clock.setSystemTime(record.notBefore + 1000);
  const due = await call();
  assert.deepEqual(due.outcome, { status: "already-migrated", storage: "localStorage" });
  return true;
}

/** Signs `email` in with the legacy IdP from the page and stores the session as the demo does. */
export async function legacySignIn(page, urls, email = "alice@example.com") {
  return page.evaluate(
    async ({ urls, email }) => {
      const response = await fetch(`${urls.legacy}/token`, {
        method: "POST",
        body: new URLSearchParams({ grant_type: "password", username: email, password: "password", client_id: urls.legacyClientID }),
      });
      const tokens = await response.json();
      if (!response.ok) throw new Error(`legacy sign-in: ${JSON.stringify(tokens)}`);
      localStorage.setItem("legacy_session", JSON.stringify({ ...tokens, expires_at: Math.floor(Date.now() / 1000) + tokens.expires_in }));
      return tokens;
    },
    { urls, email },
  );
}

/** Reads a localStorage entry of the page. */
export function storageItem(page, key) {
  return page.evaluate((key) => localStorage.getItem(key), key);
}

/**
 * The texts that hold a token of `secrets`, or any 16-character slice of one: a slice is a
 * leak too (a truncated message, a token split across lines).
 */
export function leaks(texts, secrets) {
  const slices = secrets.filter(Boolean).flatMap((secret) => Array.from({ length: Math.floor(secret.length / 16) }, (_, i) => secret.slice(i * 16, i * 16 + 16)));
  return texts.filter((text) => slices.some((slice) => text.includes(slice)));
}

/**
 * The devstack and Chromium a test file shares: started before its tests, stopped after them,
 * and handed to `ready` to keep in the file's own variables.
 */
/**
 * A fresh context and page on the demo app, once the demo's own first look is over: it loads the
 * engine when a legacy session is there, so a test that stores one next must not race it.
 * `prepare(page, context)` runs before the navigation (listeners, routes, init scripts).
 */
export async function openApp(browser, stack, prepare) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await prepare?.(page, context);
  await page.goto(stack.urls.app);
  await page.waitForFunction(() => document.body.dataset.ready === "true");
  return { page, context };
}

export function sharedStack(ready) {
  let stack;
  let browser;
  before(async () => {
    [stack, browser] = await Promise.all([startDevstack(), launchChromium()]);
    ready(stack, browser);
  });
  after(async () => {
    await browser?.close();
    await stack?.stop();
  });
}
