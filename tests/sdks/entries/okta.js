// okta-auth-js 8, as an app imports it.
import { OktaAuth } from "@okta/okta-auth-js";

globalThis.sdk = { OktaAuth };
