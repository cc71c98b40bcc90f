// The app side with authgear-migrate: migrateSession() before authgear.configure().
// Bundled by bench/site.mjs (esbuild, minified, the engine's glue in a lazy chunk).
import authgear from "@authgear/web";
import { migrateSession } from "authgear-migrate";
import { install } from "./probe.js";

const params = new URLSearchParams(location.search);
const config = { endpoint: params.get("authgear"), clientID: params.get("client") };
const exchangeURL = params.get("exchange");
const options = {
  authgear: { endpoint: config.endpoint, clientID: config.clientID },
  exchange: { url: exchangeURL },
  legacy: { storage: "localStorage", key: "legacy_session", pointer: "/access_token" },
};

// `?events=1`: keep the engine's events of each call, for the step breakdown (a separate pass:
// collecting them is work the timed passes do not do).
const withEvents = params.get("events") === "1";
async function migrate() {
  if (!withEvents) return (await migrateSession(options)).status;
  const events = [];
  const outcome = await migrateSession({ ...options, onEvent: (event) => events.push(event) });
  window.benchLastEvents = events;
  return outcome.status;
}

install({ migrate, exchangeURL, authgear, config });
