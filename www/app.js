// The demo: a legacy sign-in, the migration, then the official Authgear SDK using the session.
import { inspectLegacySession, migrateSession } from "authgear-migrate";
import authgear from "@authgear/web";

const config = await (await fetch("/config.json")).json();
const LEGACY_KEY = "legacy_session";
const $ = (id) => document.getElementById(id);

// The options the new app passes: the legacy SDK kept its token response in localStorage.
const options = {
  authgear: { endpoint: config.authgear, clientID: config.clientID },
  exchange: { url: config.exchangeURL },
  legacy: {
    storage: "localStorage",
    key: LEGACY_KEY,
    pointer: { accessToken: "/access_token", refreshToken: "/refresh_token" },
    issuer: config.legacy,
    audience: config.legacyAudience,
  },
};

async function showLegacy() {
  const stored = localStorage.getItem(LEGACY_KEY);
  if (!stored) {
    $("legacy-status").textContent = "none";
    $("inspection").textContent = "…";
    return;
  }
  const { expires_at: expiresAt } = JSON.parse(stored);
  const left = Math.round(expiresAt - Date.now() / 1000);
  $("legacy-status").textContent = left > 0 ? `signed in, access token valid ${left} s more` : "signed in, access token expired";
  // Inspecting loads the engine, so only when there is something to see.
  $("inspection").textContent = JSON.stringify(await inspectLegacySession(options), null, 2);
}

/** Lists each event as it happens, with its time since the call began and since the last step. */
function eventLogger() {
  $("events").replaceChildren();
  let previous = 0;
  return (event) => {
    const { type, elapsedMs, ...details } = event;
    const item = document.createElement("li");
    item.innerHTML = `<span class="ms"></span> <b></b> <span></span>`;
    item.querySelector(".ms").textContent = `${elapsedMs} ms (+${elapsedMs - previous})`;
    item.querySelector("b").textContent = type;
    item.querySelector("span:last-child").textContent = JSON.stringify(details);
    $("events").append(item);
    previous = elapsedMs;
  };
}

$("legacy-sign-in").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = new FormData(event.target);
  const response = await fetch(`${config.legacy}/token`, {
    method: "POST",
    body: new URLSearchParams({
      grant_type: "password",
      username: form.get("email"),
      password: form.get("password"),
      client_id: config.legacyClientID,
    }),
  });
  const tokens = await response.json();
  if (!response.ok) {
    $("legacy-status").textContent = `sign-in failed: ${tokens.error}`;
    return;
  }
  // What a legacy SDK keeps: the token response, with its expiry made absolute.
  localStorage.setItem(LEGACY_KEY, JSON.stringify({ ...tokens, expires_at: Math.floor(Date.now() / 1000) + tokens.expires_in }));
  await showLegacy();
});

async function run(extra) {
  $("outcome").textContent = "running…";
  const outcome = await migrateSession({ ...options, ...extra, onEvent: eventLogger() });
  $("outcome").textContent = JSON.stringify(outcome);
  document.body.dataset.outcome = outcome.status;
  await showLegacy();
}

$("dry-run-button").addEventListener("click", () => run({ dryRun: true }));
$("ship-button").addEventListener("click", () => run({}));

$("authgear-button").addEventListener("click", async () => {
  await authgear.configure({ endpoint: config.authgear, clientID: config.clientID });
  $("session-state").textContent = authgear.sessionState;
  if (authgear.sessionState !== "AUTHENTICATED") return;
  try {
    const userInfo = await authgear.fetchUserInfo();
    $("userinfo").textContent = JSON.stringify({ sub: userInfo.sub, email: userInfo.email }, null, 2);
    document.body.dataset.sub = userInfo.sub;
  } catch (error) {
    $("userinfo").textContent = `fetchUserInfo failed: ${error.message}`;
  }
});

// Rolling migration: sign up on the Authgear stand-in (the devstack's control route stands in for
// Authgear's sign-up page), then watch the legacy IdP get the account by webhook.
$("sign-up-email").value = `newcomer-${Date.now()}@example.com`;
const json = async (url, body) => {
  const response = await fetch(url, body && { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  return { ok: response.ok, status: response.status, body: await response.json().catch(() => null) };
};

$("sign-up").addEventListener("submit", async (event) => {
  event.preventDefault();
  const email = $("sign-up-email").value.trim().toLowerCase();
  const signedUp = await json("/__devstack/authgear/signup", { email });
  if (!signedUp.ok) {
    $("legacy-account").textContent = `sign-up failed: ${JSON.stringify(signedUp.body)}`;
    return;
  }
  $("legacy-account").textContent = `signed up (event ${signedUp.body.event_id}); waiting for the webhook…`;
  // Provisioning happens after the receiver answers: look a few times, no more.
  for (let attempt = 0; attempt < 40; attempt += 1) {
    const { body } = await json("/__devstack/legacy/accounts");
    const account = body.accounts.find((candidate) => candidate.email === email);
    if (account) {
      $("legacy-account").textContent = `provisioned (${account.via}) for Authgear user ${account.authgear_user_id}`;
      $("old-app-button").disabled = false;
      $("old-app-button").dataset.email = email;
      document.body.dataset.provisioned = email;
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  $("legacy-account").textContent = "not provisioned yet: `authgear-migrate-server reconcile` will do it";
});

$("old-app-button").addEventListener("click", async () => {
  const email = $("old-app-button").dataset.email;
  const password = "a-new-password";
  await json(`${config.legacy}/password-reset`, { email });
  // The devstack's outbox stands in for the user's mailbox.
  const { body } = await json("/__devstack/legacy/outbox");
  const mail = body.mails.findLast((candidate) => candidate.to === email);
  const token = new URL(mail.link).searchParams.get("token");
  await json(`${config.legacy}/password-reset/confirm`, { token, password });
  const response = await fetch(`${config.legacy}/token`, {
    method: "POST",
    body: new URLSearchParams({ grant_type: "password", username: email, password, client_id: config.legacyClientID }),
  });
  $("old-app").textContent = response.ok ? `signed in at the legacy IdP as ${email}` : `sign-in failed (${response.status})`;
  document.body.dataset.oldApp = response.ok ? "signed-in" : "failed";
});

$("reset-button").addEventListener("click", () => {
  localStorage.clear();
  location.reload();
});

await showLegacy();
// For the tests: the page's own first look is over, so what they arrange next is theirs alone.
document.body.dataset.ready = "true";
