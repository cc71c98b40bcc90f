// Descope web-js-sdk, as an app imports it.
import createSdk from "@descope/web-js-sdk";

globalThis.sdk = { createSdk };
