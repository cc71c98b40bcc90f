// Stytch vanilla-js 6 headless client, as an app imports it.
import { StytchHeadlessClient } from "@stytch/vanilla-js/headless";

globalThis.sdk = { StytchHeadlessClient };
