//! What the engine reports as it goes, for `onEvent` and `debug: true`. Never a token.

use crate::core::json::Json;
use crate::core::validate::InvalidAnswer;
use crate::prelude::*;

/// One step of a migration. Written as an object with `type` as the tag ([`Event::to_json`]);
/// the edge adds `elapsedMs`.
#[derive(Clone, Debug, PartialEq)]
pub enum Event {
    /// The per-container lock is held.
    Lock {
        mechanism: &'static str,
        waited_ms: u64,
    },
    /// The legacy session was looked for.
    Read {
        source: &'static str,
        found: bool,
        kinds: Vec<&'static str>,
        /// Why a value that was there did not parse.
        unreadable: Option<&'static str>,
    },
    /// The local judgement of the legacy tokens.
    PreCheck {
        credential: Option<&'static str>,
        format: Option<&'static str>,
        refused: Option<&'static str>,
    },
    /// A send, recorded before it leaves.
    Attempt { send: u32, key_reused: bool },
    /// The endpoint's answer (or its absence).
    Answer {
        http_status: Option<u16>,
        result: &'static str,
        reason: Option<&'static str>,
        duration_ms: u64,
    },
    /// Waiting before the next send.
    Retry { reason: &'static str, delay_ms: u64 },
    /// Replacement legacy tokens from the endpoint were written back.
    LegacyRestored { kinds: Vec<&'static str> },
    /// The Authgear session is saved and read back.
    Saved {
        storage: String,
        id_token: bool,
        access_token_format: &'static str,
    },
    /// The legacy session was removed, or kept by policy.
    Cleanup {
        policy: &'static str,
        removed: usize,
    },
    /// The call's result, as returned.
    Outcome {
        status: &'static str,
        reason: Option<&'static str>,
    },
    /// The endpoint's Authgear access token named another issuer: the two origins, so the
    /// operator sees what `authgear.issuer` must hold. Origins only (`issuer` is absent when
    /// the token's `iss` is not an origin).
    IssuerMismatch {
        endpoint: String,
        issuer: Option<String>,
    },
    /// Something went wrong that did not change the outcome.
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

impl Event {
    /// The object `onEvent` receives (before `elapsedMs`): `type`, then the fields in camelCase,
    /// a `None` left out.
    pub fn to_json(&self) -> Json {
        let event = |kind: &str| Json::object(vec![("type", Json::from(kind))]);
        match self {
            Self::Lock {
                mechanism,
                waited_ms,
            } => event("lock")
                .with("mechanism", *mechanism)
                .with("waitedMs", *waited_ms),
            Self::Read {
                source,
                found,
                kinds,
                unreadable,
            } => event("read")
                .with("source", *source)
                .with("found", *found)
                .with("kinds", names(kinds))
                .with_some("unreadable", *unreadable),
            Self::PreCheck {
                credential,
                format,
                refused,
            } => event("pre-check")
                .with_some("credential", *credential)
                .with_some("format", *format)
                .with_some("refused", *refused),
            Self::Attempt { send, key_reused } => event("attempt")
                .with("send", *send)
                .with("keyReused", *key_reused),
            Self::Answer {
                http_status,
                result,
                reason,
                duration_ms,
            } => event("answer")
                .with_some("httpStatus", http_status.map(u32::from))
                .with("result", *result)
                .with_some("reason", *reason)
                .with("durationMs", *duration_ms),
            Self::Retry { reason, delay_ms } => event("retry")
                .with("reason", *reason)
                .with("delayMs", *delay_ms),
            Self::LegacyRestored { kinds } => event("legacy-restored").with("kinds", names(kinds)),
            Self::Saved {
                storage,
                id_token,
                access_token_format,
            } => event("saved")
                .with("storage", storage.as_str())
                .with("idToken", *id_token)
                .with("accessTokenFormat", *access_token_format),
            Self::Cleanup { policy, removed } => event("cleanup")
                .with("policy", *policy)
                .with("removed", *removed as u64),
            Self::Outcome { status, reason } => event("outcome")
                .with("status", *status)
                .with_some("reason", *reason),
            Self::IssuerMismatch { endpoint, issuer } => event("issuer-mismatch")
                .with("endpoint", endpoint.as_str())
                .with_some("issuer", issuer.as_deref()),
            Self::Warning { code } => event("warning").with("code", code.as_str()),
        }
    }
}

fn names(names: &[&str]) -> Json {
    let mut array = Vec::with_capacity(names.len());
    for name in names {
        array.push(Json::from(*name));
    }
    Json::Array(array)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    #[test]
    fn events_are_written_as_on_event_documents() {
        let cases = [
            (
                Event::Lock {
                    mechanism: "web-locks",
                    waited_ms: 3,
                },
                json!({"type": "lock", "mechanism": "web-locks", "waitedMs": 3}),
            ),
            (
                Event::Read {
                    source: "localStorage",
                    found: true,
                    kinds: vec!["access_token", "refresh_token"],
                    unreadable: None,
                },
                json!({"type": "read", "source": "localStorage", "found": true,
                    "kinds": ["access_token", "refresh_token"]}),
            ),
            (
                Event::Read {
                    source: "msal",
                    found: false,
                    kinds: vec![],
                    unreadable: Some("not_json"),
                },
                json!({"type": "read", "source": "msal", "found": false, "kinds": [],
                    "unreadable": "not_json"}),
            ),
            (
                Event::PreCheck {
                    credential: Some("access_token"),
                    format: Some("jwt"),
                    refused: None,
                },
                json!({"type": "pre-check", "credential": "access_token", "format": "jwt"}),
            ),
            (
                Event::Attempt {
                    send: 2,
                    key_reused: true,
                },
                json!({"type": "attempt", "send": 2, "keyReused": true}),
            ),
            (
                Event::Answer {
                    http_status: Some(503),
                    result: "deferred",
                    reason: Some("temporarily_unavailable"),
                    duration_ms: 12,
                },
                json!({"type": "answer", "httpStatus": 503, "result": "deferred",
                    "reason": "temporarily_unavailable", "durationMs": 12}),
            ),
            (
                Event::Answer {
                    http_status: None,
                    result: "deferred",
                    reason: None,
                    duration_ms: 0,
                },
                json!({"type": "answer", "result": "deferred", "durationMs": 0}),
            ),
            (
                Event::Retry {
                    reason: "network",
                    delay_ms: 250,
                },
                json!({"type": "retry", "reason": "network", "delayMs": 250}),
            ),
            (
                Event::LegacyRestored {
                    kinds: vec!["refresh_token"],
                },
                json!({"type": "legacy-restored", "kinds": ["refresh_token"]}),
            ),
            (
                Event::Saved {
                    storage: "localStorage".into(),
                    id_token: false,
                    access_token_format: "opaque",
                },
                json!({"type": "saved", "storage": "localStorage", "idToken": false,
                    "accessTokenFormat": "opaque"}),
            ),
            (
                Event::Cleanup {
                    policy: "remove",
                    removed: 2,
                },
                json!({"type": "cleanup", "policy": "remove", "removed": 2}),
            ),
            (
                Event::Outcome {
                    status: "no-legacy-session",
                    reason: None,
                },
                json!({"type": "outcome", "status": "no-legacy-session"}),
            ),
            (
                Event::IssuerMismatch {
                    endpoint: "https://a.example".into(),
                    issuer: Some("https://b.example".into()),
                },
                json!({"type": "issuer-mismatch", "endpoint": "https://a.example",
                    "issuer": "https://b.example"}),
            ),
            (
                Event::Warning {
                    code: Warning::InvalidAnswer(InvalidAnswer::AccessTokenClient),
                },
                json!({"type": "warning", "code": InvalidAnswer::AccessTokenClient.code()}),
            ),
            (
                Event::Warning {
                    code: Warning::StateNotSaved,
                },
                json!({"type": "warning", "code": "state_not_saved"}),
            ),
        ];
        for (event, expected) in cases {
            let text = event.to_json().to_text();
            assert_eq!(serde_json::from_str::<Value>(&text).unwrap(), expected);
            assert!(text.starts_with(r#"{"type":"#), "{text}");
        }
    }
}
