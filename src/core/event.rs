//! What the engine reports as it goes, for `onEvent` and `debug: true`. Never a token.

use serde::Serialize;

/// One step of a migration. Serialised with `type` as the tag; the edge adds `elapsedMs`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum Event {
    /// The per-container lock is held.
    #[serde(rename_all = "camelCase")]
    Lock {
        mechanism: &'static str,
        waited_ms: u64,
    },
    /// The legacy session was looked for.
    #[serde(rename_all = "camelCase")]
    Read {
        source: &'static str,
        found: bool,
        kinds: Vec<&'static str>,
        /// Why a value that was there did not parse.
        #[serde(skip_serializing_if = "Option::is_none")]
        unreadable: Option<&'static str>,
    },
    /// The local judgement of the legacy tokens.
    #[serde(rename_all = "camelCase")]
    PreCheck {
        #[serde(skip_serializing_if = "Option::is_none")]
        credential: Option<&'static str>,
        #[serde(skip_serializing_if = "Option::is_none")]
        format: Option<&'static str>,
        #[serde(skip_serializing_if = "Option::is_none")]
        refused: Option<&'static str>,
    },
    /// A send, recorded before it leaves.
    #[serde(rename_all = "camelCase")]
    Attempt { send: u32, key_reused: bool },
    /// The endpoint's answer (or its absence).
    #[serde(rename_all = "camelCase")]
    Answer {
        #[serde(skip_serializing_if = "Option::is_none")]
        http_status: Option<u16>,
        result: &'static str,
        #[serde(skip_serializing_if = "Option::is_none")]
        reason: Option<&'static str>,
        duration_ms: u64,
    },
    /// Waiting before the next send.
    #[serde(rename_all = "camelCase")]
    Retry { reason: &'static str, delay_ms: u64 },
    /// Replacement legacy tokens from the endpoint were written back.
    #[serde(rename_all = "camelCase")]
    LegacyRestored { kinds: Vec<&'static str> },
    /// The Authgear session is saved and read back.
    #[serde(rename_all = "camelCase")]
    Saved {
        storage: String,
        id_token: bool,
        access_token_format: &'static str,
    },
    /// The legacy session was removed, or kept by policy.
    #[serde(rename_all = "camelCase")]
    Cleanup {
        policy: &'static str,
        removed: usize,
    },
    /// The call's result, as returned.
    #[serde(rename_all = "camelCase")]
    Outcome {
        status: &'static str,
        #[serde(skip_serializing_if = "Option::is_none")]
        reason: Option<&'static str>,
    },
    /// The endpoint's Authgear access token named another issuer: the two origins, so the
    /// operator sees what `authgear.issuer` must hold. Origins only (`issuer` is absent when
    /// the token's `iss` is not an origin).
    #[serde(rename_all = "camelCase")]
    IssuerMismatch {
        endpoint: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        issuer: Option<String>,
    },
    /// Something went wrong that did not change the outcome.
    #[serde(rename_all = "camelCase")]
    Warning { code: &'static str },
}
