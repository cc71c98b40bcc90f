// auth0-spa-js 2, as an app imports it.
import { Auth0Client } from "@auth0/auth0-spa-js";

globalThis.sdk = { Auth0Client };
