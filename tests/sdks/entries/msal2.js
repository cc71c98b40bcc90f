// msal-browser 2.34: the last release before the token key index (2.35).
import { PublicClientApplication } from "msal-browser-2";

globalThis.sdk = { PublicClientApplication };
