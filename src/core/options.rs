//! The engine's options, as the npm wrapper hands them over.
//!
//! Users never write this shape: `pkg/src/options.js` validates what they wrote, with errors that
//! name the option, and normalises it into this form (absolute URLs, defaults filled in, storage
//! keys made). Deserialisation here is strict so that a drift between the two sides fails loudly
//! in the tests rather than quietly in the field.

use serde::Deserialize;

use crate::core::source::Area;

#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Options {
    pub authgear: AuthgearTarget,
    pub exchange: ExchangeTarget,
    pub legacy: LegacyOptions,
    pub cleanup: Cleanup,
    /// Clock skew allowed when judging any token's `exp`, seconds.
    pub clock_tolerance_seconds: u32,
    /// Read and pre-check only: no lock, no request, no write; answer what would be sent.
    pub dry_run: bool,
    pub keys: Keys,
}

/// The Authgear project and client the session is for.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AuthgearTarget {
    /// The project endpoint's origin, without a trailing slash: the `iss` of its tokens.
    pub endpoint: String,
    #[serde(rename = "clientID")]
    pub client_id: String,
    /// The SDK container name (`default` unless the app set one).
    pub name: String,
    /// `authgear.issuer`: other origins a JWT access token may name as `iss` (a custom domain
    /// on one side of the exchange only). Never contains `endpoint`.
    pub issuers: Vec<String>,
}

/// Where and how the legacy credential is exchanged.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ExchangeTarget {
    /// Absolute URL, already checked against the URL policy (https, same origin, or loopback).
    pub url: String,
    /// Per request.
    pub timeout_ms: u32,
    /// For the whole call, retries included.
    pub budget_ms: u32,
    pub credentials: Credentials,
    /// base64url of a JSON object, passed on to `createSession`.
    pub device_info: Option<String>,
}

/// `RequestInit.credentials` of the exchange request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Credentials {
    Omit,
    SameOrigin,
    Include,
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LegacyOptions {
    pub source: SourceSpec,
    /// When set, a legacy JWT whose `iss` differs is not sent.
    pub issuer: Option<String>,
    /// When set, a legacy JWT whose `aud` does not contain it is not sent.
    pub audience: Option<String>,
}

/// Where the legacy session is read from.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
// Externally tagged (`{"storage": {…}}`): serde's internally tagged enums buffer their content
// generically, which costs kilobytes of Wasm for nothing.
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub enum SourceSpec {
    /// One storage entry; JSON pointers pick the tokens out of its value.
    #[serde(rename_all = "camelCase")]
    Storage {
        area: Area,
        key: String,
        pointers: Pointers,
    },
    /// The app's `legacy.read()` callback returns the tokens; `legacy.clear()`, when given,
    /// removes them.
    #[serde(rename_all = "camelCase")]
    Callback { has_clear: bool },
    /// A legacy SDK named by the app: the preset knows where that SDK keeps its session
    /// (`src/core/presets/`).
    Preset(crate::core::presets::PresetSpec),
}

/// RFC 6901 JSON pointers into a storage value, one per token kind. `""` is the whole value.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Pointers {
    pub access_token: Option<String>,
    pub refresh_token: Option<String>,
    pub id_token: Option<String>,
}

/// What happens to the legacy session once the Authgear session is saved and verified.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Cleanup {
    Remove,
    Keep,
}

/// Storage keys, made by the wrapper's one key maker (`pkg/src/keys.js`).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Keys {
    /// `authgear_<name>_refreshToken`, read by the SDK's `configure()`.
    pub refresh_token: String,
    /// `authgear_<name>_idToken`.
    pub id_token: String,
    /// This engine's state record.
    pub state: String,
    /// Identifies the legacy source configuration, for the record of where it looked.
    pub source: String,
    /// Web Locks name, and the lease key where Web Locks are missing.
    pub lock: String,
}
