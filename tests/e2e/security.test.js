// The client's defences of SECURITY.md, in Chromium against the devstack: no token in anything
// the app is told or any request but the exchange, the exchange URL policy, and tokens of
// another Authgear project or client never saved.
import assert from "node:assert/strict";
import { beforeEach, describe, test } from "node:test";
import { demoOptions, leaks, legacySignIn, openApp, sharedStack, storageItem } from "./harness.js";

const REFRESH_KEY = "authgear_default_refreshToken";
const ROUTE = { origin: "app", path: "/api/authgear-migrate", method: "POST" };
// Small budgets keep the deferred runs to a few seconds.
const FAST = { exchange: { timeoutMs: 1000, budgetMs: 3000 } };

let stack;
let browser;

sharedStack((...started) => ([stack, browser] = started));
beforeEach(() => stack.reset());

/** A page on the app origin, signed in with the legacy IdP, recording what it says and sends. */
async function signedInPage() {
  const printed = [];
  const errors = [];
  const requests = [];
  const answers = [];
  const { page, context } = await openApp(browser, stack, (fresh) => {
    // Console arguments in full, not the previews `text()` gives of objects.
    // Lines still arriving when the test closes the page are not read.
    fresh.on("console", (message) =>
      printed.push(Promise.all(message.args().map((arg) => arg.jsonValue())).then(JSON.stringify, () => message.text())),
    );
    fresh.on("pageerror", (error) => errors.push(`${error.name}: ${error.message}`));
    fresh.on("request", (request) => requests.push(request.allHeaders().then((headers) => ({ url: request.url(), headers, body: request.postData() ?? "" }))));
    fresh.on("response", (response) => response.url().endsWith(ROUTE.path) && answers.push(response.text().catch(() => "")));
  });
  const legacy = await legacySignIn(page, stack.urls);
  const told = async () => [...(await Promise.all(printed)), ...errors];
  return { page, context, legacy, told, requests: () => Promise.all(requests), answers: () => Promise.all(answers) };
}

/** `migrateSession` with `debug` on, in the page: the outcome and every event, or what it threw. */
function migrate(page, options) {
  return page.evaluate(async (options) => {
    const { migrateSession } = await import("authgear-migrate");
    const events = [];
    try {
      const outcome = await migrateSession({ ...options, debug: true, onEvent: (event) => events.push(event) });
      return { outcome, events };
    } catch (error) {
      return { thrown: { name: error.name, code: error.code, option: error.option, message: error.message }, events };
    }
  }, options);
}

const base64url = (text) => Buffer.from(text).toString("base64url");
/** An unsigned JWT: the engine reads claims only, so this is what a forged answer looks like. */
const jwt = (claims) => `${base64url(JSON.stringify({ alg: "RS256", typ: "JWT" }))}.${base64url(JSON.stringify(claims))}.${base64url("signature")}`;

describe("no token in what the app is told, nor in any request but the exchange", () => {
  // An endpoint that echoes the credential in its error description must not get it into the
  // outcome either.
  const echo = (token) => `the credential ${token} cannot be used`;
  const runs = [
    ["migrated", () => undefined],
    ["rejected", (legacy) => ({ kind: "status", status: 400, body: { error: "invalid_grant", reason: "revoked", error_description: echo(legacy.access_token) } })],
    ["deferred", (legacy) => ({ kind: "status", status: 503, retry_after: 600, body: { error: "temporarily_unavailable", error_description: echo(legacy.access_token) } })],
  ];
  for (const [status, fault] of runs) {
    test(`${status}: every event, console line, error and request scanned`, async () => {
      const { page, context, legacy, told, requests, answers } = await signedInPage();
      const armed = fault(legacy);
      if (armed) await stack.control("faults", { ...ROUTE, fault: armed });
      const { outcome, events } = await migrate(page, demoOptions(stack.urls, FAST));
      assert.equal(outcome.status, status, JSON.stringify(outcome));

      const secrets = [legacy.access_token, legacy.refresh_token, legacy.id_token];
      if (status === "migrated") {
        const tokens = JSON.parse((await answers())[0]);
        secrets.push(tokens.access_token, tokens.refresh_token, tokens.id_token, await storageItem(page, REFRESH_KEY));
      } else {
        assert.equal(await storageItem(page, "legacy_session") !== null, true, "the legacy session stays");
      }
      const lines = await told();
      assert.ok(lines.filter((line) => line.startsWith('["[authgear-migrate]"')).length >= events.length, "debug printed every event");
      const said = [JSON.stringify(outcome), ...events.map((event) => JSON.stringify(event)), ...lines];
      assert.deepEqual(leaks(said, secrets), [], "a token slice appeared in what the app is told");

      // The credential travels in the exchange's body and nowhere else: not in a URL, not in a
      // header (Referer included), not in any other request.
      const sent = await requests();
      const exchanges = sent.filter((request) => request.url === stack.urls.exchangeURL);
      assert.ok(exchanges.length >= 1);
      assert.ok(exchanges.every((request) => request.body.includes(legacy.access_token)));
      const elsewhere = sent.flatMap((request) => [request.url, JSON.stringify(request.headers), ...(exchanges.includes(request) ? [] : [request.body])]);
      assert.deepEqual(leaks(elsewhere, secrets), [], "a token slice left the page outside the exchange body");
      await context.close();
    });
  }
});

describe("the exchange URL policy", () => {
  test("http to another host is refused before anything is read or sent, naming exchange.url", async () => {
    const { page, context, requests } = await signedInPage();
    const url = "http://api.example.test/api/authgear-migrate";
    const { thrown, events } = await migrate(page, demoOptions(stack.urls, { exchange: { url } }));
    assert.equal(thrown?.code, "ERR_INVALID_OPTION", JSON.stringify(thrown));
    assert.equal(thrown.option, "exchange.url");
    assert.match(thrown.message, /exchange\.url/);
    assert.deepEqual(events, []);
    assert.ok((await requests()).every((request) => !request.url.includes("api.example.test")));
    assert.notEqual(await storageItem(page, "legacy_session"), null);
    await context.close();
  });

  test("a redirect from the exchange URL is not followed: the credential goes nowhere else", async () => {
    const { page, context, requests } = await signedInPage();
    const elsewhere = "https://collector.example.test/steal";
    // An open redirect on the app's origin, or a misconfigured proxy: a 307 keeps the POST body.
    await page.route(stack.urls.exchangeURL, (route) => route.fulfill({ status: 307, headers: { location: elsewhere } }));
    await page.route(elsewhere, (route) => route.fulfill({ status: 200, contentType: "application/json", body: "{}" }));
    const { outcome } = await migrate(page, demoOptions(stack.urls, FAST));
    assert.deepEqual((await requests()).filter((request) => request.url === elsewhere), []);
    assert.equal(outcome.status, "deferred", JSON.stringify(outcome));
    assert.equal(outcome.reason, "unexpected_status");
    assert.notEqual(await storageItem(page, "legacy_session"), null);
    await context.close();
  });

  test("https on another origin is used", async () => {
    const { page, context, legacy, requests } = await signedInPage();
    const url = "https://migrate.example.test/api/authgear-migrate";
    // The browser's request goes to the https origin; Playwright hands it to the devstack's
    // endpoint as it is (Origin header included) and the endpoint's answer back.
    await page.route(url, async (route) => route.fulfill({ response: await route.fetch({ url: stack.urls.exchangeURL }) }));
    const { outcome } = await migrate(page, demoOptions(stack.urls, { exchange: { url } }));
    assert.equal(outcome.status, "migrated", JSON.stringify(outcome));
    const sent = await requests();
    assert.ok(sent.some((request) => request.url === url && request.headers.origin === stack.urls.app));
    assert.ok(!sent.some((request) => request.url === stack.urls.exchangeURL), "the page itself only talked to the https URL");
    assert.ok(!sent.some((request) => request.url !== url && request.body.includes(legacy.access_token.slice(0, 32))));
    await context.close();
  });

  test("loopback http on another origin is used (development)", async () => {
    const { page, context } = await signedInPage();
    const app = new URL(stack.urls.app);
    assert.equal(app.hostname, "127.0.0.1", "the devstack serves on 127.0.0.1");
    const url = new URL(stack.urls.exchangeURL);
    url.hostname = "localhost";
    const { outcome, events } = await migrate(page, demoOptions(stack.urls, { exchange: { url: url.href } }));
    assert.equal(outcome.status, "migrated", JSON.stringify({ outcome, events }));
    await context.close();
  });
});

describe("foreign tokens", () => {
  const now = () => Math.floor(Date.now() / 1000);
  const access = (claims) =>
    jwt({ iss: stack.urls.authgear, aud: [stack.urls.authgear], client_id: stack.urls.clientID, sub: "user-1", iat: now(), exp: now() + 1800, ...claims });
  const answer = (tokens) => ({ kind: "status", status: 200, body: { token_type: "Bearer", expires_in: 1800, refresh_token: "foreign-refresh-token", ...tokens } });
  // Another issuer is a configuration error (`issuer_mismatch`, with both origins in its event);
  // the others are answers not to save now.
  const invalid = (code) => ["deferred", "invalid_response", (event) => event.type === "warning" && event.code === code];
  const cases = [
    ["another Authgear's access token", ["rejected", "issuer_mismatch", (event) => event.type === "issuer-mismatch" && event.issuer === "https://other.authgear.example"], () => answer({ access_token: access({ iss: "https://other.authgear.example" }) })],
    ["another client's access token", invalid("access_token_client_id"), () => answer({ access_token: access({ client_id: "someone-else" }) })],
    ["an ID token for another client", invalid("id_token_aud"), () => answer({ access_token: access({}), id_token: jwt({ iss: stack.urls.authgear, aud: "someone-else", sub: "user-1" }) })],
  ];
  for (const [name, [status, reason, reported], fault] of cases) {
    test(`${name}: refused, nothing saved, the legacy session kept`, async () => {
      const { page, context } = await signedInPage();
      const before = await storageItem(page, "legacy_session");
      await stack.control("faults", { ...ROUTE, fault: fault() });
      const { outcome, events } = await migrate(page, demoOptions(stack.urls, FAST));
      assert.equal(outcome.status, status, JSON.stringify(outcome));
      assert.equal(outcome.reason, reason);
      assert.ok(events.some(reported), JSON.stringify(events));
      assert.equal(await storageItem(page, REFRESH_KEY), null, "no Authgear session saved");
      assert.equal(await storageItem(page, "legacy_session"), before, "the legacy session as it was");
      await context.close();
    });
  }
});
