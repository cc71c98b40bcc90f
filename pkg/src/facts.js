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

/** supabase-js's default `storageKey`: `before + project ref + after` (src/core/presets/supabase.rs). */
export const SUPABASE_DEFAULT_KEY = ["sb-","-auth-token"];

/**
 * Where each preset looks first (src/core/presets/), per set of the options that change it:
 * `options` lists those, `probes` maps the ones given (in that order, joined by ",") to the
 * places, `<area>=<key>` or `<area>*<prefix>`, with `PLACEHOLDER[option]` standing for the
 * option's value; a set left out: only the engine can tell.
 */
export const PLACEHOLDER = {"apiKey":"\u0001apiKey\u0001","appName":"\u0001appName\u0001","audience":"\u0001audience\u0001","authority":"\u0001authority\u0001","clientId":"\u0001clientId\u0001","cookie":"\u0001cookie\u0001","cookieIndicator":"\u0001cookieIndicator\u0001","prefix":"\u0001prefix\u0001","scope":"\u0001scope\u0001","storageKey":"\u0001storageKey\u0001"};
export const PRESET_PROBES = {"amplify":{"options":["clientId"],"probes":{"":["localStorage*CognitoIdentityServiceProvider.","cookie*CognitoIdentityServiceProvider."],"clientId":["localStorage*CognitoIdentityServiceProvider.\u0001clientId\u0001.","cookie*CognitoIdentityServiceProvider.\u0001clientId\u0001."]},"cookie":null},"auth0-spa":{"options":["clientId"],"probes":{"":["localStorage*@@auth0spajs@@::","cookie*auth0.","cookie*_legacy_auth0."],"clientId":["localStorage*@@auth0spajs@@::\u0001clientId\u0001::","cookie*auth0.","cookie*_legacy_auth0."]},"cookie":null},"authjs":{"options":[],"probes":{"":[]},"cookie":null},"clerk":{"options":[],"probes":{"":["cookie*__session","cookie*__client_uat"]},"cookie":[]},"cognito":{"options":["clientId"],"probes":{"":["localStorage*CognitoIdentityServiceProvider.","cookie*CognitoIdentityServiceProvider."],"clientId":["localStorage*CognitoIdentityServiceProvider.\u0001clientId\u0001.","cookie*CognitoIdentityServiceProvider.\u0001clientId\u0001."]},"cookie":null},"cookie":{"options":[],"probes":{"":[]},"cookie":null},"descope":{"options":["prefix"],"probes":{"":["localStorage=DS","localStorage=DSR","localStorage=DSI","cookie=DS","cookie=DSR"],"prefix":["localStorage=\u0001prefix\u0001DS","localStorage=\u0001prefix\u0001DSR","localStorage=\u0001prefix\u0001DSI","cookie=DS","cookie=DSR"]},"cookie":null},"firebase":{"options":["apiKey"],"probes":{"":["indexedDB=firebaseLocalStorageDb","localStorage*firebase:authUser:","sessionStorage*firebase:authUser:"],"apiKey":["indexedDB=firebaseLocalStorageDb","localStorage*firebase:authUser:\u0001apiKey\u0001:","sessionStorage*firebase:authUser:\u0001apiKey\u0001:"]},"cookie":null},"kinde":{"options":[],"probes":{"":["localStorage*kinde_refreshToken","localStorage*kinde-refreshToken","localStorage=kinde_refresh_token"]},"cookie":["cookie=_kbrte"]},"msal":{"options":[],"probes":{"":["sessionStorage*msal.","localStorage*msal.","cookie=msal.cache.encryption"]},"cookie":null},"oidc-client-ts":{"options":["clientId","authority"],"probes":{"":["sessionStorage*oidc.user:","localStorage*oidc.user:"],"authority":["sessionStorage*oidc.user:","localStorage*oidc.user:"],"clientId":["sessionStorage*oidc.user:","localStorage*oidc.user:"],"clientId,authority":["sessionStorage=oidc.user:\u0001authority\u0001:\u0001clientId\u0001","localStorage=oidc.user:\u0001authority\u0001:\u0001clientId\u0001"]},"cookie":null},"okta":{"options":["storageKey"],"probes":{"":["localStorage=okta-token-storage","sessionStorage=okta-token-storage","cookie=okta-token-storage","cookie*okta-token-storage_"],"storageKey":["localStorage=\u0001storageKey\u0001","sessionStorage=\u0001storageKey\u0001","cookie=\u0001storageKey\u0001","cookie*\u0001storageKey\u0001_"]},"cookie":null},"privy":{"options":[],"probes":{"":["localStorage*privy:","cookie*privy-"]},"cookie":[]},"stytch":{"options":[],"probes":{"":["cookie=stytch_session","cookie=stytch_session_jwt"]},"cookie":null},"supabase":{"options":["storageKey"],"probes":{"":["localStorage*sb-","cookie*sb-","localStorage=supabase.auth.token"],"storageKey":["localStorage=\u0001storageKey\u0001","cookie*\u0001storageKey\u0001","localStorage=supabase.auth.token"]},"cookie":null}};
