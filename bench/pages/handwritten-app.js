// The app side with the hand-written migration (bench/handwritten/migrate.js) before
// authgear.configure(). Bundled by bench/site.mjs (esbuild, minified), like engine-app.js.
import authgear from "@authgear/web";
import { migrateLegacySession } from "../handwritten/migrate.js";
import { install } from "./probe.js";

const params = new URLSearchParams(location.search);
const config = { endpoint: params.get("authgear"), clientID: params.get("client") };
const exchangeURL = params.get("exchange");

install({ migrate: () => migrateLegacySession({ endpoint: exchangeURL }), exchangeURL, authgear, config });
