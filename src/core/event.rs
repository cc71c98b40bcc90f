//! What the engine reports as it goes, for `onEvent` and `debug: true`. Never a token.

use serde::Serialize;

use crate::core::validate::InvalidAnswer;

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
    Warning { code: Warning },
}

/// A warning's code: something went wrong that did not change the outcome.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Warning {
    /// The endpoint's tokens failed a check and were not saved (the call ends deferred).
    InvalidAnswer(InvalidAnswer),
    /// The ID token did not save or read back; the session is the refresh token, and the SDK
    /// fetches a new ID token at its first refresh.
    IdTokenNotSaved,
    /// Removing the legacy session failed; the next load tries again.
    CleanupFailed,
    /// Replacement legacy tokens from the endpoint could not be written back.
    LegacyRestoreFailed,
    /// The state record did not save; at worst the next load repeats a step.
    StateNotSaved,
    /// The wrapper could not load the engine (reported by the JS side).
    EngineUnavailable,
}

impl Warning {
    /// Every code, for the generated JS constants and TypeScript union.
    pub const ALL: [Self; 16] = [
        Self::InvalidAnswer(InvalidAnswer::TokenType),
        Self::InvalidAnswer(InvalidAnswer::ExpiresIn),
        Self::InvalidAnswer(InvalidAnswer::RefreshToken),
        Self::InvalidAnswer(InvalidAnswer::AccessToken),
        Self::InvalidAnswer(InvalidAnswer::AccessTokenIssuer { found: None }),
        Self::InvalidAnswer(InvalidAnswer::AccessTokenClient),
        Self::InvalidAnswer(InvalidAnswer::AccessTokenExpired),
        Self::InvalidAnswer(InvalidAnswer::AccessTokenSubject),
        Self::InvalidAnswer(InvalidAnswer::IdTokenIssuer),
        Self::InvalidAnswer(InvalidAnswer::IdTokenAudience),
        Self::InvalidAnswer(InvalidAnswer::IdTokenSubject),
        Self::IdTokenNotSaved,
        Self::CleanupFailed,
        Self::LegacyRestoreFailed,
        Self::StateNotSaved,
        Self::EngineUnavailable,
    ];

    pub const fn as_str(&self) -> &'static str {
        match self {
            Self::InvalidAnswer(invalid) => invalid.code(),
            Self::IdTokenNotSaved => "id_token_not_saved",
            Self::CleanupFailed => "cleanup_failed",
            Self::LegacyRestoreFailed => "legacy_restore_failed",
            Self::StateNotSaved => "state_not_saved",
            Self::EngineUnavailable => "engine_unavailable",
        }
    }
}

impl Serialize for Warning {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}
