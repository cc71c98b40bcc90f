// Generated from the Rust definitions (src/facts.rs) by `cargo test --test facts`: do not edit.

/** Why a credential was rejected (src/core/outcome.rs). Permanent for that credential. */
export type RejectReason =
  | "expired"
  | "invalid"
  | "revoked"
  | "replayed"
  | "user_not_found"
  | "user_disabled"
  | "unverified_login_id"
  | "subject_mismatch"
  | "wrong_issuer"
  | "wrong_audience"
  | "dpop_bound"
  | "invalid_client"
  | "invalid_request"
  | "unsupported_token_type"
  | "issuer_mismatch";

/** Why the migration did not happen now (src/core/outcome.rs). Transient: nothing was lost. */
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

/** Something went wrong that did not change the outcome (src/core/event.rs). */
export type WarningCode =
  | "token_type"
  | "expires_in"
  | "refresh_token"
  | "access_token"
  | "access_token_iss"
  | "access_token_client_id"
  | "access_token_exp"
  | "access_token_sub"
  | "id_token_iss"
  | "id_token_aud"
  | "id_token_sub"
  | "id_token_not_saved"
  | "cleanup_failed"
  | "legacy_restore_failed"
  | "state_not_saved"
  | "engine_unavailable";

/** Why a value that was there did not yield a session (src/core/source.rs). */
export type Unreadable =
  | "not_json"
  | "pointer_missing"
  | "not_a_string"
  | "unexpected_shape"
  | "bad_encoding"
  | "missing_chunk"
  | "not_decryptable"
  | "memory_only"
  | "read_failed";

/** The legacy SDKs a preset reads (src/core/presets/). */
export type LegacyPresetName =
  | "auth0-spa"
  | "firebase"
  | "amplify"
  | "cognito"
  | "supabase"
  | "okta"
  | "msal"
  | "oidc-client-ts"
  | "descope"
  | "stytch"
  | "privy"
  | "kinde"
  | "clerk"
  | "authjs";
