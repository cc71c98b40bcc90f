/**
 * authgear-migrate: move a signed-in user from a legacy auth SDK to an Authgear session,
 * without logging anyone out.
 *
 * @packageDocumentation
 */

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
 * Fetches and compiles the engine ahead of `migrateSession`, for a page that expects to need it.
 * `migrateSession` never needs this: it loads the engine itself, and only when there is work.
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
   * Either way the device never migrates twice.
   */
  cleanup?: "remove" | "keep";
  /** Clock skew, in seconds, allowed when judging token expiry. Default 60. */
  clockTolerance?: number;
  /**
   * Read and pre-check only: no lock, no request, no write. Answers what a real call would do:
   * `dry-run` with the credential it would send, or the outcome it would end with.
   */
  dryRun?: boolean;
  /**
   * Whether this device migrates at all yet: a boolean, or a function returning (a promise of)
   * one, e.g. a feature flag. `false` answers `skipped` (`disabled`) at once. Default `true`.
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
   * `exchange.url`.
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
   * - `"auto"` (default): the Capacitor plugin if present, else the React Native bridge if
   *   present, else `localStorage`;
   * - a {@link StorageAdapter} of your own.
   */
  storage?: "auto" | "localStorage" | "capacitor" | "react-native" | StorageAdapter;
}

/**
 * A key-value store the engine reads and writes through. Methods may return promises; a failure
 * must throw or reject (never be swallowed): the engine reads every write back.
 */
export interface StorageAdapter {
  /** Labels the storage in outcomes and events. */
  name?: string;
  get(key: string): string | null | undefined | Promise<string | null | undefined>;
  set(key: string, value: string): void | Promise<void>;
  remove(key: string): void | Promise<void>;
  /** Every key; needed only by sources that find entries by prefix. */
  keys?(): string[] | Promise<string[]>;
}

/** The `@authgear/capacitor` SDK's native storage (the `Authgear` plugin). */
export function capacitorStorage(options?: { plugin?: object }): StorageAdapter;

/**
 * Legacy data kept with `@capacitor/preferences`, or with any plugin of the same method shapes,
 * given as the plugin object or its registered name (default `"Preferences"`).
 */
export function capacitorPreferences(options?: { plugin?: string | object }): StorageAdapter;

/**
 * The `@authgear/react-native` SDK's storage, reached from a page inside a React Native WebView
 * through the bridge the app wires with `authgear-migrate/react-native`.
 */
export function reactNativeStorage(options?: {
  /** How long to wait for each reply from the native side. Default 5000. */
  timeoutMs?: number;
}): StorageAdapter;

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
  /** Per request, in milliseconds. Default 10000. */
  timeoutMs?: number;
  /** For the whole call, retries included, in milliseconds; at least `timeoutMs`. Default 20000. */
  budgetMs?: number;
  /** `fetch` credentials mode of the exchange request. Default `"same-origin"`. */
  credentials?: "omit" | "same-origin" | "include";
  /** Sent to the endpoint (base64url JSON) and passed on to Authgear's `createSession`. */
  deviceInfo?: Record<string, unknown>;
}

/** Where the legacy session is read from: one storage entry, or a callback of yours. */
export type LegacySource = LegacyStorageSource | LegacyCallbackSource;

interface LegacyExpectations {
  /** When set, a legacy JWT whose `iss` differs is not sent (outcome `rejected`, `wrong_issuer`). */
  issuer?: string;
  /** When set, a legacy JWT whose `aud` lacks it is not sent (outcome `rejected`, `wrong_audience`). */
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
  /** Removes the legacy session; called once the Authgear session is saved (cleanup `"remove"`). */
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
 * user to sign in with Authgear.
 */
export interface Rejected {
  status: "rejected";
  reason: RejectReason;
  /** The endpoint's `error_description`, when it sent one. */
  description?: string;
}

export type RejectReason =
  | "expired"
  | "invalid"
  | "revoked"
  | "replayed"
  | "user_not_found"
  | "user_disabled"
  | "wrong_issuer"
  | "wrong_audience"
  | "invalid_client"
  | "invalid_request"
  | "unsupported_token_type";

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

export type DeferReason =
  | "network"
  | "timeout"
  | "server_error"
  | "temporarily_unavailable"
  | "rate_limited"
  | "unexpected_status"
  | "invalid_response"
  | "storage"
  | "backoff"
  | "locked"
  | "legacy_read_failed"
  | "engine_unavailable";

/** One step of a migration. `elapsedMs` counts from the start of the call. */
export type MigrateEvent = (
  | { type: "lock"; mechanism: "web-locks" | "lease" | "none"; waitedMs: number }
  | {
      type: "read";
      source: "localStorage" | "sessionStorage" | "cookie" | "callback";
      found: boolean;
      kinds: Array<"access_token" | "refresh_token" | "id_token">;
      /** Why a value that was there did not parse. */
      unreadable?: "not_json" | "pointer_missing" | "not_a_string";
    }
  | {
      type: "pre-check";
      credential?: "access_token" | "refresh_token" | "id_token";
      format?: "jwt" | "opaque";
      refused?: "expired" | "wrong_issuer" | "wrong_audience";
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
  | { type: "saved"; storage: string; idToken: boolean; accessTokenFormat: "jwt" | "opaque" }
  | { type: "cleanup"; policy: "remove" | "keep"; removed: number }
  | { type: "outcome"; status: Outcome["status"]; reason?: RejectReason | DeferReason | Skipped["reason"] }
  | { type: "warning"; code: string; message?: string }
) & { elapsedMs: number };

/** The one error class of this package. Branch on `code`. */
export class MigrateError extends Error {
  static readonly ERR_INVALID_OPTION: "ERR_INVALID_OPTION";
  static readonly ERR_NOT_IN_BROWSER: "ERR_NOT_IN_BROWSER";
  static readonly ERR_ADAPTER_UNAVAILABLE: "ERR_ADAPTER_UNAVAILABLE";
  static readonly ERR_ENGINE_OPTIONS: "ERR_ENGINE_OPTIONS";
  static readonly ERR_ENGINE_INTERNAL: "ERR_ENGINE_INTERNAL";
  readonly code:
    | "ERR_INVALID_OPTION"
    | "ERR_NOT_IN_BROWSER"
    | "ERR_ADAPTER_UNAVAILABLE"
    | "ERR_ENGINE_OPTIONS"
    | "ERR_ENGINE_INTERNAL";
  /** The option at fault, e.g. `"exchange.url"`, for `ERR_INVALID_OPTION`. */
  readonly option?: string;
}
