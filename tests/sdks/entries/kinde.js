// Kinde pkce-js 4, as an app imports it.
import createKindeClient from "@kinde-oss/kinde-auth-pkce-js";

globalThis.sdk = { createKindeClient };
