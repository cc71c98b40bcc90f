// The rolling migration in the demo: a new user signs up on "Authgear"; the webhook reaches the
// endpoint, which gives them an account at the legacy IdP; an old app version lets them in with
// a password reset. Real Chromium, the real devstack binary, its in-process endpoint.
import assert from "node:assert/strict";
import { beforeEach, describe, test } from "node:test";
import { openApp, sharedStack } from "./harness.js";

let stack;
let browser;
let page;

sharedStack((...started) => ([stack, browser] = started));
beforeEach(async () => {
  await stack.reset();
  ({ page } = await openApp(browser, stack));
});

async function control(path) {
  const response = await fetch(`${stack.urls.app}${path}`);
  assert.ok(response.ok, `${path}: ${response.status}`);
  return response.json();
}

describe("the demo's rolling migration", () => {
  test("a sign-up on Authgear gets one legacy account by webhook, and the old app gets in", async () => {
    const email = await page.inputValue("#sign-up-email");
    // Before: the legacy IdP has no such account.
    assert.equal((await control("/__devstack/legacy/accounts")).calls[email], undefined);

    await page.click("#sign-up-button");
    await page.waitForFunction(() => document.body.dataset.provisioned, null, { timeout: 15_000 });
    assert.match(await page.textContent("#legacy-account"), /^provisioned \(generic\) for Authgear user /);
    const { accounts, calls } = await control("/__devstack/legacy/accounts");
    assert.deepEqual(calls[email], { requests: 1, created: 1, already_there: 0 });
    const state = await control("/__devstack/state");
    const user = state.users.find((candidate) => candidate.email === email);
    assert.equal(accounts.find((account) => account.email === email).authgear_user_id, user.authgear_user_id);
    const { deliveries } = await control("/__devstack/authgear/hooks");
    const delivery = deliveries.find((candidate) => candidate.user_id === user.authgear_user_id);
    assert.equal(delivery.triggered_by, "user");
    assert.equal(delivery.status, 200);

    await page.click("#old-app-button");
    await page.waitForFunction(() => document.body.dataset.oldApp);
    assert.equal(await page.evaluate(() => document.body.dataset.oldApp), "signed-in");
  });
});
