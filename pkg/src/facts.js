// Generated from the Rust definitions (src/facts.rs) by `cargo test --test facts`: do not edit.

/** Storage keys per container: `before + name + after` (src/core/keys.rs). */
export const KEYS = {"idToken":["authgear_","_idToken"],"lock":["authgear-migrate:",""],"refreshToken":["authgear_","_refreshToken"],"sample":["authgear-migrate_","_sample"],"state":["authgear-migrate_","_state"]};

/** The state record (src/core/state.rs): its version, and its statuses. */
export const STATE_VERSION = 1;
export const STATUS = {"deferred":"deferred","done":"done","none":"none","pending":"pending","rejected":"rejected","saved":"saved"};

/** The message a tab posts when it finished a migration (src/core/keys.rs). */
export const BROADCAST = {"atField":"at","migrated":"migrated","typeField":"type"};

/** Warning codes the JS side emits itself (src/core/event.rs). */
export const WARNING = {"cleanup_failed":"cleanup_failed","engine_unavailable":"engine_unavailable","id_token_not_saved":"id_token_not_saved","legacy_restore_failed":"legacy_restore_failed","state_not_saved":"state_not_saved"};

/** How long a function of the app's may take to settle (src/engine/device.rs). */
export const APP_CALL_TIMEOUT_MS = 10000;

/** supabase-js's default `storageKey`: `before + project ref + after` (src/core/presets/supabase.rs). */
export const SUPABASE_DEFAULT_KEY = ["sb-","-auth-token"];

/**
 * Where each preset looks first (src/core/presets/), per set of the options that change it
 * (their names, in order, joined by ","; every set, the one of them all last): its places,
 * joined by spaces, `<area>=<key>`, `<area>*<prefix>` or `<area>~<part>`, where `\u0001<option>\u0001`
 * stands for the option's value (lowercased: for the value lowercased, as MSAL's keys are).
 * An indicator cookie adds `cookie=<indicator>`; cookie mode without one: only the engine can tell.
 */
export const PRESET_PROBES = {"auth0-spa":{"":"localStorage*@@auth0spajs@@:: cookie*auth0. cookie*_legacy_auth0.","clientId":"localStorage*@@auth0spajs@@::\u0001clientId\u0001:: cookie*auth0. cookie*_legacy_auth0."},"firebase":{"":"indexedDB=firebaseLocalStorageDb localStorage*firebase:authUser: sessionStorage*firebase:authUser:","apiKey":"indexedDB=firebaseLocalStorageDb localStorage*firebase:authUser:\u0001apiKey\u0001: sessionStorage*firebase:authUser:\u0001apiKey\u0001:"},"amplify":{"":"localStorage*CognitoIdentityServiceProvider. sessionStorage*CognitoIdentityServiceProvider. cookie*CognitoIdentityServiceProvider.","clientId":"localStorage*CognitoIdentityServiceProvider.\u0001clientId\u0001. sessionStorage*CognitoIdentityServiceProvider.\u0001clientId\u0001. cookie*CognitoIdentityServiceProvider.\u0001clientId\u0001."},"cognito":{"":"localStorage*CognitoIdentityServiceProvider. sessionStorage*CognitoIdentityServiceProvider. cookie*CognitoIdentityServiceProvider.","clientId":"localStorage*CognitoIdentityServiceProvider.\u0001clientId\u0001. sessionStorage*CognitoIdentityServiceProvider.\u0001clientId\u0001. cookie*CognitoIdentityServiceProvider.\u0001clientId\u0001."},"supabase":{"":"localStorage*sb- sessionStorage*sb- cookie*sb- localStorage=supabase.auth.token","storageKey":"localStorage=\u0001storageKey\u0001 sessionStorage=\u0001storageKey\u0001 cookie*\u0001storageKey\u0001 localStorage=supabase.auth.token"},"okta":{"":"localStorage=okta-token-storage sessionStorage=okta-token-storage cookie=okta-token-storage cookie*okta-token-storage_","storageKey":"localStorage=\u0001storageKey\u0001 sessionStorage=\u0001storageKey\u0001 cookie=\u0001storageKey\u0001 cookie*\u0001storageKey\u0001_"},"msal":{"":"sessionStorage*msal. localStorage*msal. cookie=msal.cache.encryption","clientId":"sessionStorage*msal. localStorage*msal. cookie=msal.cache.encryption sessionStorage~-\u0001clientid\u0001- localStorage~-\u0001clientid\u0001-"},"oidc-client-ts":{"":"sessionStorage*oidc.user: localStorage*oidc.user:","clientId":"sessionStorage*oidc.user: localStorage*oidc.user:","authority":"sessionStorage*oidc.user: localStorage*oidc.user:","clientId,authority":"sessionStorage=oidc.user:\u0001authority\u0001:\u0001clientId\u0001 sessionStorage=oidc.user:\u0001authority\u0001/:\u0001clientId\u0001 localStorage=oidc.user:\u0001authority\u0001:\u0001clientId\u0001 localStorage=oidc.user:\u0001authority\u0001/:\u0001clientId\u0001"},"descope":{"":"localStorage=DS localStorage=DSR localStorage=DSI localStorage=DSRCN cookie=DS cookie=DSR","prefix":"localStorage=\u0001prefix\u0001DS localStorage=\u0001prefix\u0001DSR localStorage=\u0001prefix\u0001DSI localStorage=\u0001prefix\u0001DSRCN cookie=DS cookie=DSR"},"stytch":{"":"cookie=stytch_session cookie=stytch_session_jwt"},"privy":{"":"localStorage*privy: cookie*privy-"},"kinde":{"":"localStorage*kinde_refreshToken localStorage*kinde-refreshToken localStorage=kinde_refresh_token"},"clerk":{"":"cookie*__session cookie*__client_uat"},"authjs":{"":""},"cookie":{"":""}};
