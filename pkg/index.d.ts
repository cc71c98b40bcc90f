/**
 * authgear-migrate: move a signed-in user from a legacy auth SDK to an Authgear session,
 * without logging anyone out.
 *
 * @packageDocumentation
 */

// The codes and names are generated from the engine's Rust definitions (src/facts.rs).
import type { DeferReason, LegacyPresetName, RejectReason, Unreadable, WarningCode } from "./src/facts.js";
export type { DeferReason, LegacyPresetName, RejectReason, Unreadable, WarningCode };

/**
 * Finds the session a legacy SDK left on this device, exchanges it through your migration
 * endpoint for an Authgear session, and saves that session where `@authgear/web` reads it.
 * Call it before `authgear.configure()`; when it answers `migrated`, `configure()` finds the
 * user signed in.
 *
 * Never rejects for a network, endpoint or storage failure: those end `deferred`, with the
 * legacy session untouched. Rejects with a {@link MigrateError} only for bad options.
 */
export function migrateSession(options: MigrateOptions): Promise<Outcome>;

/**
 * Reports what `migrateSession` would find on this device, and changes nothing: the legacy
 * session's token kinds, formats and expiries, the storage entries it is made of (what cleanup
 * would remove), and the credential that would be sent or why none would be. Never a token
 * value. No lock, no request to the endpoint, no write. For support screens and the demo.
 * Takes the same options as `migrateSession`, validated the same way (`enabled` and `sample`
 * are accepted and ignored: inspecting is not migrating); rejects with a
 * {@link MigrateError}: for bad options, outside a browser, or `ERR_ENGINE_UNAVAILABLE` when the
 * engine cannot load (`cause` says why).
 */
export function inspectLegacySession(options: MigrateOptions): Promise<Inspection>;

/**
 * Fetches and compiles the engine ahead of `migrateSession`, for a page that expects to need it.
 * `migrateSession` never needs this: it loads the engine itself, and only when there is work.
 * `wasmURL` is checked as `migrateSession`'s is (`ERR_INVALID_OPTION`); an engine that cannot load
 * rejects with `ERR_ENGINE_UNAVAILABLE` (`cause` says why), and a later call tries again.
 */
export function preloadEngine(options?: { wasmURL?: string | URL }): Promise<void>;

export interface MigrateOptions {
  /** The Authgear project and client the session is for, as given to `authgear.configure()`. */
  authgear: AuthgearOptions;
  /** Your migration endpoint. */
  exchange: ExchangeOptions;
  /** Where the legacy session is on the device. */
  legacy: LegacySource;
  /**
   * What happens to the legacy session once the Authgear session is saved and read back:
   * `"remove"` (default) deletes exactly the entries it was read from; `"keep"` leaves them.
   * Either way the device never migrates twice. When the session went to `localStorage` and the
   * legacy one lives anywhere else, the removal waits 10 minutes (until the browser has surely
   * written the new session to disk) and is done by the first call after that.
   */
  cleanup?: "remove" | "keep";
  /** Clock skew, in seconds (0 to 3600), allowed when judging token expiry. Default 60. */
  clockTolerance?: number;
  /**
   * Read and pre-check only: no lock, no request, no write (but the device's `sample` draw,
   * with `sample` below 1, which is kept as on any call). Answers what a real call would do:
   * `dry-run` with the credential it would send, or the outcome it would end with.
   */
  dryRun?: boolean;
  /**
   * Whether this device migrates at all yet: a boolean, or a function returning (a promise of)
   * one, e.g. a feature flag. Only `true` takes part: `false` (or any other value) answers
   * `skipped` (`disabled`) at once, as does a function that throws or rejects, or a promise still
   * unsettled after 10 seconds. Default `true`.
   */
  enabled?: boolean | (() => boolean | Promise<boolean>);
  /**
   * The fraction of devices that take part, from 0 to 1. Each device draws once and keeps its
   * draw, so it stays in or out from one start to the next, and raising the fraction only adds
   * devices. Others answer `skipped` (`not-sampled`). Default 1.
   */
  sample?: number;
  /**
   * Where the engine's `.wasm` is served, when a bundler does not place it beside the package's
   * JS (the default), e.g. a CDN URL. It follows the same https / same-origin rule as
   * `exchange.url`. The engine loads once per page, from the first URL a call gives (or
   * `preloadEngine`'s); a later call with another one uses the engine already loaded.
   */
  wasmURL?: string | URL;
  /** Receives an event at each step. Events never contain a token. */
  onEvent?: (event: MigrateEvent) => void;
  /** Print every event to the console (`console.debug`). Default false. */
  debug?: boolean;
}

export interface AuthgearOptions {
  /** The project's origin, e.g. `https://myapp.authgear.cloud`. Tokens must have it as `iss`. */
  endpoint: string;
  /** The OAuth client ID of this app. Tokens must carry it as `client_id`. */
  clientID: string;
  /** The SDK container name, when the app sets one. Default `"default"`. */
  name?: string;
  /**
   * Where this app's Authgear SDK keeps its session, so that the session is saved where the SDK
   * reads it:
   * - `"localStorage"`: `@authgear/web`;
   * - `"capacitor"`: `@authgear/capacitor`, through its native `Authgear` plugin;
   * - `"react-native"`: `@authgear/react-native`, through the app's bridge
   *   (`authgear-migrate/react-native`);
   * - `"auto"` (default): the Capacitor plugin when the native app has it (registered, or
   *   listed by the native bridge's `Capacitor.PluginHeaders` before `@authgear/capacitor` is
   *   imported), else the React Native bridge if present, else `localStorage`. On Capacitor's
   *   web platform (an Ionic app's web build, which signs in with `@authgear/web`) that is
   *   `localStorage`, even with `@authgear/capacitor` imported. A native Capacitor platform whose
   *   bridge lists no plugins answers `deferred` (`storage`): nothing is saved where the SDK
   *   might not look;
   * - a {@link StorageAdapter} of your own.
   */
  storage?: "auto" | "localStorage" | "capacitor" | "react-native" | StorageAdapter;
  /**
   * Other origins a JWT access token may name as `iss`, besides `endpoint`: Authgear sets `iss`
   * to the origin the migration endpoint called the Admin API at, so with a custom domain on
   * one side only, name the other origin here. A token of any other issuer is refused
   * (`rejected`, `issuer_mismatch`), and the device does not ask again for a day unless this
   * option or `endpoint` changes.
   */
  issuer?: string | string[];
  /**
   * The Authgear SDK's `sessionType`. Default `"refresh_token"`. `"cookie"` throws
   * `ERR_INVALID_OPTION` before anything is read or written: an Authgear cookie session cannot be
   * created from an exchange.
   */
  sessionType?: "refresh_token" | "cookie";
}

/**
 * A key-value store the engine reads and writes through. Methods may return promises; a failure
 * must throw or reject (never be swallowed): the engine reads every write back. A promise still
 * unsettled after 10 seconds counts as a failure (a native side that never answers must not hold
 * the app's startup): the call answers `deferred` (`storage`), with nothing lost. The `legacy`
 * callbacks are held to the same 10 seconds: a `read` that fails answers `deferred`
 * (`legacy_read_failed`); a `write` or `clear` that fails is a warning (`legacy_restore_failed`,
 * `cleanup_failed`) and the outcome stands.
 */
export interface StorageAdapter {
  /** Labels the storage in outcomes and events. Default `"custom"`. */
  name?: string;
  get(key: string): string | null | undefined | Promise<string | null | undefined>;
  set(key: string, value: string): void | Promise<void>;
  remove(key: string): void | Promise<void>;
  /** Every key; needed only by sources that find entries by prefix. */
  keys?(): string[] | Promise<string[]>;
}

/**
 * The `@authgear/capacitor` SDK's native storage (the `Authgear` plugin). Without `plugin`, it
 * throws `ERR_ADAPTER_UNAVAILABLE` outside a native Capacitor app.
 */
export function capacitorStorage(options?: { plugin?: object }): StorageAdapter;

/**
 * Legacy data kept with `@capacitor/preferences`, or with any plugin of the same method shapes,
 * given as the plugin object or its registered name (default `"Preferences"`). Throws
 * `ERR_ADAPTER_UNAVAILABLE` when no plugin of that name is registered in `Capacitor.Plugins`.
 */
export function capacitorPreferences(options?: { plugin?: string | object }): StorageAdapter;

/**
 * The `@authgear/react-native` SDK's storage, reached from a page inside a React Native WebView
 * through the bridge the app wires with `authgear-migrate/react-native`. The native side never
 * sends the token to the page: `has` and `holds` answer booleans, and `get` answers the value this
 * page saved once the native side confirms it holds exactly that, `"[held natively]"` for any
 * other session, or `null`. Throws `ERR_ADAPTER_UNAVAILABLE` outside a React Native WebView.
 */
export function reactNativeStorage(options?: {
  /** How long to wait for each reply from the native side. Default 5000. */
  timeoutMs?: number;
}): StorageAdapter & {
  has(key: string): Promise<boolean>;
  holds(key: string, value: string): Promise<boolean>;
};

/**
 * Calls `callback` when another tab of this app finishes a migration, so it can run
 * `authgear.configure()` again (the SDK reads its session only at `configure()`).
 * Returns a function that stops listening.
 */
export function onMigrated(callback: (event: { name: string }) => void, options?: { name?: string }): () => void;

export interface ExchangeOptions {
  /**
   * The migration endpoint. It receives the legacy credential, so it must be https, a path on
   * the page's own origin, or an `http://localhost` / `http://127.0.0.1` URL in development.
   */
  url: string;
  /** Per request, in milliseconds, from 1 to 120000. Default 10000. */
  timeoutMs?: number;
  /**
   * For the whole call, retries included, in milliseconds, from `timeoutMs` to 600000. Default
   * 20000, or `timeoutMs` when that is longer.
   */
  budgetMs?: number;
  /**
   * `fetch` credentials mode of the exchange request. Default `"same-origin"`. Cookie mode always
   * sends cookies (`"include"`).
   */
  credentials?: "omit" | "same-origin" | "include";
  /**
   * Sent to the endpoint (base64url JSON) and passed on to Authgear's `createSession`. A plain
   * object JSON can write (no BigInt, no cycle).
   */
  deviceInfo?: Record<string, unknown>;
}

/**
 * Where the legacy session is read from: one storage entry, a callback of yours, the preset of
 * the legacy SDK ({@link LegacyPresetSource}), or an HttpOnly cookie the endpoint reads
 * ({@link LegacyCookieSource}).
 */
export type LegacySource = LegacyStorageSource | LegacyCallbackSource | LegacyPresetSource | LegacyCookieSource;

interface LegacyExpectations {
  /**
   * When set, a legacy JWT whose `iss` differs is not sent: a live refresh token beside it is,
   * and without one the outcome is `rejected` (`wrong_issuer`).
   */
  issuer?: string;
  /**
   * When set, a legacy JWT whose `aud` lacks it is not sent: a live refresh token beside it is,
   * and without one the outcome is `rejected` (`wrong_audience`).
   */
  audience?: string;
}

export interface LegacyStorageSource extends LegacyExpectations {
  /** A web storage area, or an adapter such as {@link capacitorPreferences}. */
  storage: "localStorage" | "sessionStorage" | "cookie" | StorageAdapter;
  /** The storage key, or cookie name. */
  key: string;
  /**
   * RFC 6901 JSON pointer to the access token in the stored JSON value (`""`, the default, is the
   * whole value), or one pointer per token kind.
   */
  pointer?: string | { accessToken?: string; refreshToken?: string; idToken?: string };
}

export interface LegacyCallbackSource extends LegacyExpectations {
  /** Returns the legacy tokens, or `null` when there is no legacy session. */
  read: () => LegacyTokens | null | Promise<LegacyTokens | null>;
  /**
   * Removes the legacy session; called once the Authgear session is saved (cleanup `"remove"`),
   * by the first call 10 minutes after it when the session went to `localStorage`.
   */
  clear?: () => void | Promise<void>;
  /**
   * Stores replacement legacy tokens. Called when the endpoint spent a rotating legacy refresh
   * token, then failed, and handed the successors back: without them the legacy session is lost.
   */
  write?: (tokens: LegacyTokens) => void | Promise<void>;
}

export interface LegacyTokens {
  accessToken?: string;
  refreshToken?: string;
  idToken?: string;
}

/** What `migrateSession` did. Branch on `status`. */
export type Outcome = Migrated | AlreadyMigrated | NoLegacySession | Rejected | Deferred | DryRun | Skipped;

/** `dryRun`: this credential would be sent. Nothing was sent or written. */
export interface DryRun {
  status: "dry-run";
  credential: "access_token" | "refresh_token" | "id_token" | "cookie";
}

/** `enabled` is false, or this device is outside `sample`: nothing was read or sent. */
export interface Skipped {
  status: "skipped";
  reason: "disabled" | "not-sampled";
}

/** The Authgear session is saved; `authgear.configure()` now finds the user signed in. */
export interface Migrated {
  status: "migrated";
  /** The legacy credential that was exchanged. */
  credential: "access_token" | "refresh_token" | "id_token" | "cookie";
  /** Where the session was saved: `"localStorage"`, or the storage adapter's `name`. */
  storage: string;
}

/** An Authgear session was already saved, or this device finished its migration earlier. */
export interface AlreadyMigrated {
  status: "already-migrated";
  /** Where the Authgear session was looked for: `"localStorage"`, or the storage adapter's `name`. */
  storage: string;
}

/** No legacy session on this device. Show your sign-in as usual. */
export interface NoLegacySession {
  status: "no-legacy-session";
}

/**
 * The legacy credential will not be exchanged. The legacy session is left as it was; ask the
 * user to sign in with Authgear. A configuration error (`invalid_client`, `invalid_request`,
 * `unsupported_token_type`, `issuer_mismatch`) is the deployment's, not the credential's: the
 * device does not ask again for a day while the options it depends on stay the same
 * (`authgear.endpoint` and `authgear.issuer`; for the endpoint's refusals also
 * `authgear.clientID` and `exchange.url`; for `unsupported_token_type`, a credential of the same
 * kind), then sends again.
 */
export interface Rejected {
  status: "rejected";
  reason: RejectReason;
  /** The endpoint's `error_description`, when it sent one; for `issuer_mismatch`, what to set. */
  description?: string;
}


/**
 * Not now; nothing was lost. Keep using the legacy session and call again on a later start:
 * calls before `retryAt` answer at once without a request.
 */
export interface Deferred {
  status: "deferred";
  reason: DeferReason;
  /** Unix milliseconds. */
  retryAt: number;
}


/** One step of a migration. `elapsedMs` counts from the start of the call. */
export type MigrateEvent = (
  | { type: "lock"; mechanism: "web-locks" | "lease" | "none"; waitedMs: number }
  | {
      type: "read";
      /** The medium read, or the preset's name. */
      source: "localStorage" | "sessionStorage" | "cookie" | "callback" | "adapter" | LegacyPresetName;
      found: boolean;
      kinds: Array<"access_token" | "refresh_token" | "id_token">;
      /** Why a value that was there did not parse. */
      unreadable?: Unreadable;
    }
  | {
      type: "pre-check";
      credential?: "access_token" | "refresh_token" | "id_token" | "cookie";
      format?: "jwt" | "opaque";
      refused?: "expired" | "wrong_issuer" | "wrong_audience" | "dpop_bound";
    }
  | { type: "attempt"; send: number; keyReused: boolean }
  | {
      type: "answer";
      httpStatus?: number;
      result: "tokens" | "refused" | "unavailable";
      reason?: RejectReason | DeferReason;
      durationMs: number;
    }
  | { type: "retry"; reason: DeferReason; delayMs: number }
  | { type: "legacy-restored"; kinds: Array<"access_token" | "refresh_token" | "id_token"> }
  /** The two origins of an issuer mismatch; `issuer` is absent when the token's `iss` is not an origin. */
  | { type: "issuer-mismatch"; endpoint: string; issuer?: string }
  | { type: "saved"; storage: string; idToken: boolean; accessTokenFormat: "jwt" | "opaque" }
  | { type: "cleanup"; policy: "remove" | "keep"; removed: number }
  | { type: "outcome"; status: Outcome["status"]; reason?: RejectReason | DeferReason | Skipped["reason"] }
  | { type: "warning"; code: WarningCode; message?: string }
) & { elapsedMs: number };

/** The one error class of this package. Branch on `code`, never on the message. */
export class MigrateError extends Error {
  /** An option is missing or has the wrong shape; `option` names it. */
  static readonly ERR_INVALID_OPTION: "ERR_INVALID_OPTION";
  /** Called where there is no browser (server rendering): call it from client code. */
  static readonly ERR_NOT_IN_BROWSER: "ERR_NOT_IN_BROWSER";
  /** A storage named in the options is not there (no Capacitor plugin, no React Native bridge). */
  static readonly ERR_ADAPTER_UNAVAILABLE: "ERR_ADAPTER_UNAVAILABLE";
  /**
   * The engine's `.wasm` could not be fetched or compiled (a wrong `wasmURL`, the network, a
   * Content Security Policy without `'wasm-unsafe-eval'`); `cause` says why. From `preloadEngine`
   * and `inspectLegacySession`: `migrateSession` answers `deferred` (`engine_unavailable`) instead.
   */
  static readonly ERR_ENGINE_UNAVAILABLE: "ERR_ENGINE_UNAVAILABLE";
  /** The package's JS and Wasm files disagree: reinstall the package. */
  static readonly ERR_ENGINE_OPTIONS: "ERR_ENGINE_OPTIONS";
  /** A defect in the engine; please report it. */
  static readonly ERR_ENGINE_INTERNAL: "ERR_ENGINE_INTERNAL";
  readonly code:
    | "ERR_INVALID_OPTION"
    | "ERR_NOT_IN_BROWSER"
    | "ERR_ADAPTER_UNAVAILABLE"
    | "ERR_ENGINE_UNAVAILABLE"
    | "ERR_ENGINE_OPTIONS"
    | "ERR_ENGINE_INTERNAL";
  /**
   * The option at fault, e.g. `"exchange.url"`: for `ERR_INVALID_OPTION` (`"options"` for the
   * whole object, `"callback"` for `onMigrated`'s), and for `ERR_ADAPTER_UNAVAILABLE` from
   * `authgear.storage`.
   */
  readonly option?: string;
}


/**
 * Names the legacy SDK; the preset knows where that SDK keeps its session (current major
 * version and the older formats it still reads), which token the backend expects, and what the
 * SDK's own sign-out removes (exactly what cleanup removes). The README's presets table lists
 * what each reads. Foreign or corrupt data is "no legacy session", with the reason in the
 * `read` event's `unreadable`.
 */
export type LegacyPresetSource =
  | (PresetCommon & {
      preset: "auth0-spa";
      /**
       * The Auth0 application's client ID; without it the freshest cache of any client is read.
       * (`audience` also picks the cache entry: the API identifier the SDK was configured with.)
       */
      clientId?: string;
      /** The scope the SDK requested: the entry whose scope has every word of it is read. */
      scope?: string;
    })
  | (PresetCommon & {
      preset: "firebase";
      /** The Firebase project's web API key (`firebaseConfig.apiKey`); without it, any project's. */
      apiKey?: string;
      /** The Firebase app name. Default `"[DEFAULT]"`. */
      appName?: string;
    })
  | (PresetCommon & {
      preset: "amplify" | "cognito";
      /** The user pool app client ID; without it, any client's last signed-in user. */
      clientId?: string;
    })
  | (PresetCommon & {
      preset: "supabase";
      /** The Supabase project URL, e.g. `https://abcd.supabase.co`: the storage key is made from it. */
      url?: string;
      /** The `auth.storageKey` the client was created with, when not the default (instead of `url`). */
      storageKey?: string;
    })
  | (PresetCommon & {
      preset: "okta";
      /** `tokenManager.storageKey`, when not `"okta-token-storage"`. */
      storageKey?: string;
    })
  | (PresetCommon & {
      preset: "msal";
      /** The app registration's client ID; without it, any client's cache. */
      clientId?: string;
      /**
       * The scope of the access token your backend verifies (e.g. `api://my-api/access_as_user`);
       * without it, an access token whose `aud` has `audience`, else the one that expires last.
       */
      scope?: string;
    })
  | (PresetCommon & {
      preset: "oidc-client-ts";
      /** The `authority` given to `UserManager`, with or without its trailing slash. */
      authority?: string;
      /** The `client_id` given to `UserManager`. */
      clientId?: string;
    })
  | (PresetCommon & {
      preset: "descope";
      /** The `storagePrefix` given to the SDK. Default none. */
      prefix?: string;
    })
  | (PresetCommon & { preset: "stytch" | "privy" | "kinde" | "clerk" })
  | (LegacyExpectations & {
      /** Auth.js v5 / next-auth v4: the session is an HttpOnly cookie; always cookie mode. */
      preset: "authjs";
      /** A readable cookie of yours whose presence says the user is signed in. */
      cookie?: true | { indicator?: string };
    });

interface PresetCommon extends LegacyExpectations {
  /**
   * The legacy token your backend verifies, when not the preset's: `"id_token"` for Firebase and
   * Cognito/Amplify, `"access_token"` for the others. An expired one falls back to the refresh
   * token either way.
   */
  bearer?: "access_token" | "id_token";
  /**
   * Cookie mode as a fallback: when no readable token is live, send the exchange with the
   * page's cookies and no subject token, for the endpoint to read an HttpOnly session itself.
   * Clerk (`__client_uat`) and Privy (`privy-session`) have an indicator cookie that says a
   * session exists; elsewhere (Kinde too: its `_kbrte` is HttpOnly) name one with `indicator`,
   * or every signed-out device asks once (the refusal is then remembered).
   */
  cookie?: boolean | { indicator?: string };
}

/**
 * Cookie mode alone: the legacy session is an HttpOnly cookie only your endpoint can read. The
 * exchange carries `subject_token_type=urn:authgear-migrate:token-type:cookie` and no subject
 * token, always sent with the page's cookies (`credentials: "include"`, whatever
 * `exchange.credentials` says), so a cross-origin endpoint must answer CORS with credentials.
 */
export interface LegacyCookieSource extends LegacyExpectations {
  /**
   * `true`, or `{ indicator }`: a readable cookie whose presence (not empty, `"0"` or
   * `"false"`) says a legacy session exists. Without one, every device asks once.
   */
  cookie: true | { indicator?: string };
}


/** What {@link inspectLegacySession} found. Never a token value. */
export interface Inspection {
  /** Whether there is a legacy session (tokens, or a cookie session in cookie mode). */
  found: boolean;
  /** The medium read (`"localStorage"`, `"cookie"`, `"callback"`, …) or the preset's name. */
  source: string;
  /** The preset, when the source is one. */
  preset?: LegacyPresetName | "cookie";
  tokens: Array<{
    kind: "access_token" | "refresh_token" | "id_token";
    format: "jwt" | "opaque";
    /** Unix seconds, from the token's `exp` or the SDK's record of it; `null` when unknown. */
    expiresAt: number | null;
    /** Whether it has expired, with `clockTolerance`. */
    expired: boolean;
  }>;
  /** The storage entries the session is made of: what cleanup removes. */
  entries: Array<{ storage: "localStorage" | "sessionStorage" | "cookie" | "indexedDB" | "adapter"; key: string }>;
  /** The credential `migrateSession` would send. */
  credential?: "access_token" | "refresh_token" | "id_token" | "cookie";
  /** Why nothing would be sent. */
  refused?: "expired" | "wrong_issuer" | "wrong_audience" | "dpop_bound";
  /** Why a value that was there did not yield a session. */
  unreadable?: Unreadable;
}
