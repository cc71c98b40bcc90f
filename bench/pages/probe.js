// What the bench pages expose to the runner (bench/client.mjs), the same for both migrations:
// `window.bench` with timed calls measured inside the page with performance.now(), and the
// automatic runs for fresh page loads, whose result is the promise `window.benchDone`:
// `?auto=e2e` (migrate, then configure @authgear/web), `?auto=first` or `?auto=migrate` (one
// call), `?auto=wait` (one call when the control page's `bench.go()` says so: tabs at once).
//
// "Network wait" is the exchange request's own time from Resource Timing (startTime to
// responseEnd: connection, CORS preflight if any, request, server time, response body), so the
// client's own cost is the call's time minus that.

const FILLER = "bench_filler_";

/**
 * @param {{ migrate: () => Promise<string>, exchangeURL: string, authgear: object, config: { endpoint: string, clientID: string } }} subject
 */
export function install({ migrate, exchangeURL, authgear, config }) {
  const exchangeEntries = (since) =>
    performance.getEntriesByType("resource").filter((entry) => entry.name === exchangeURL && entry.startTime >= since);

  /** One call: its outcome, its whole time, the exchange requests' time, and their count. */
  async function timedCall() {
    performance.clearResourceTimings();
    const start = performance.now();
    const status = await migrate();
    const totalMs = performance.now() - start;
    // Resource Timing entries are queued at the end of the response body: let them land.
    await new Promise((resolve) => setTimeout(resolve, 0));
    const entries = exchangeEntries(start);
    const networkMs = entries.reduce((sum, entry) => sum + (entry.responseEnd - entry.startTime), 0);
    return { status, totalMs, networkMs, ownMs: totalMs - networkMs, requests: entries.length };
  }

  /** Removes what a migration reads or writes, keeping the filler entries. */
  function clearSession() {
    for (const key of Object.keys(localStorage)) {
      if (!key.startsWith(FILLER)) localStorage.removeItem(key);
    }
  }

  function legacySession(accessToken) {
    return JSON.stringify({ access_token: accessToken, token_type: "Bearer", expires_in: 3600, expires_at: Math.floor(Date.now() / 1000) + 3600 });
  }

  const bench = {
    /** Replaces the filler entries by `count` unrelated ones (about 60 bytes each). */
    fill(count) {
      for (const key of Object.keys(localStorage)) {
        if (key.startsWith(FILLER)) localStorage.removeItem(key);
      }
      for (let i = 0; i < count; i++) {
        localStorage.setItem(`${FILLER}${String(i).padStart(5, "0")}`, `{"v":${i},"note":"unrelated app data ${i}"}`);
      }
      return localStorage.length;
    },

    /**
     * The fast path, nothing to do (an Authgear session is saved): `batches` means of
     * `perBatch` calls each (a batch, because one call is below the browser's 100 µs timer
     * resolution outside cross-origin isolation).
     */
    async alreadyMigrated(batches, perBatch) {
      clearSession();
      localStorage.setItem(`authgear_${"default"}_refreshToken`, "saved-earlier");
      const status = await migrate(); // warms the code path once
      const means = [];
      for (let b = 0; b < batches; b++) {
        const start = performance.now();
        for (let i = 0; i < perBatch; i++) await migrate();
        means.push((performance.now() - start) / perBatch);
      }
      clearSession();
      return { status, means };
    },

    /** No legacy session and no Authgear session, in a page where the code is loaded. */
    async noLegacySession(batches, perBatch) {
      clearSession();
      const status = await migrate();
      const means = [];
      for (let b = 0; b < batches; b++) {
        const start = performance.now();
        for (let i = 0; i < perBatch; i++) await migrate();
        means.push((performance.now() - start) / perBatch);
      }
      return { status, means };
    },

    /** A full migration for each token, one after another, in this page (code loaded). */
    async migrations(tokens) {
      const results = [];
      for (const token of tokens) {
        clearSession();
        localStorage.setItem("legacy_session", legacySession(token));
        results.push(await timedCall());
      }
      clearSession();
      return results;
    },

    /** Puts a legacy session in place for the next page load. */
    prepare(token) {
      clearSession();
      if (token) localStorage.setItem("legacy_session", legacySession(token));
    },

    /** Tells every tab waiting (`?auto=wait`) to call now; answers the time, epoch ms. */
    go() {
      const at = performance.timeOrigin + performance.now();
      new BroadcastChannel("bench-go").postMessage("go");
      return at;
    },

    /** The engine's events of the last call (engine page with `?events=1`), else null. */
    lastEvents: () => window.benchLastEvents ?? null,

    clearSession,
  };
  window.bench = bench;

  const auto = new URLSearchParams(location.search).get("auto");
  if (auto === "wait") {
    // Tabs: load, then call when the control page says "go", all at the same instant.
    window.benchDone = new Promise((resolve) => {
      const channel = new BroadcastChannel("bench-go");
      channel.onmessage = async () => {
        channel.close();
        const startAtEpochMs = performance.timeOrigin + performance.now();
        const call = await timedCall().catch((error) => ({ error: String(error?.stack ?? error) }));
        resolve({ ...call, startAtEpochMs, doneAtEpochMs: performance.timeOrigin + performance.now() });
      };
    });
  } else if (auto) {
    window.benchDone = (async () => {
      const startedAt = performance.now(); // since navigation start
      const call = await timedCall();
      const migratedAt = performance.now();
      let sessionState = null;
      let configuredAt = migratedAt;
      if (auto === "e2e") {
        await authgear.configure({ endpoint: config.endpoint, clientID: config.clientID });
        sessionState = authgear.sessionState;
        configuredAt = performance.now();
      }
      return {
        ...call,
        startedAt,
        migratedAt,
        sessionState,
        configureMs: configuredAt - migratedAt,
        // From navigation start: the page, its code, the migration, configure().
        endToEndMs: configuredAt,
        doneAtEpochMs: performance.timeOrigin + configuredAt,
      };
    })().catch((error) => ({ error: String(error?.stack ?? error) }));
  }
}
