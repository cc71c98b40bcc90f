//! What `migrateSession` answers, with stable reason codes the app can branch on.

use crate::core::choice::LocalRefusal;
use crate::core::json::{Json, named_codes};
use crate::core::source::TokenKind;
use crate::prelude::*;

/// The result of one `migrateSession` call, written as the JS outcome object
/// ([`Outcome::to_json`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The Authgear session is saved where the SDK reads it; the app's next `configure()` is
    /// signed in. `storage` names where: `localStorage`, or the adapter's name.
    Migrated {
        credential: Credential,
        storage: String,
    },
    /// An Authgear session was already there, or this device finished its migration before.
    AlreadyMigrated { storage: String },
    /// Nothing to migrate.
    NoLegacySession,
    /// The legacy credential will not be exchanged; the legacy session is left as it was.
    Rejected {
        reason: RejectReason,
        description: Option<String>,
    },
    /// `dryRun`: this credential would be sent. Nothing was sent or written.
    DryRun { credential: Credential },
    /// Not now. Nothing was lost; a call at or after `retryAt` tries again.
    Deferred {
        reason: DeferReason,
        /// Unix milliseconds.
        retry_at: i64,
    },
}

impl Outcome {
    pub const fn status(&self) -> &'static str {
        match self {
            Self::Migrated { .. } => "migrated",
            Self::AlreadyMigrated { .. } => "already-migrated",
            Self::NoLegacySession => "no-legacy-session",
            Self::Rejected { .. } => "rejected",
            Self::DryRun { .. } => "dry-run",
            Self::Deferred { .. } => "deferred",
        }
    }

    pub const fn reason(&self) -> Option<&'static str> {
        match self {
            Self::Rejected { reason, .. } => Some(reason.as_str()),
            Self::Deferred { reason, .. } => Some(reason.as_str()),
            _ => None,
        }
    }

    /// The outcome object: `status`, then the fields in camelCase, a `None` left out.
    pub fn to_json(&self) -> Json {
        let outcome = Json::object(vec![("status", Json::from(self.status()))]);
        match self {
            Self::Migrated {
                credential,
                storage,
            } => outcome
                .with("credential", credential.as_str())
                .with("storage", storage.as_str()),
            Self::AlreadyMigrated { storage } => outcome.with("storage", storage.as_str()),
            Self::NoLegacySession => outcome,
            Self::Rejected {
                reason,
                description,
            } => outcome
                .with("reason", reason.as_str())
                .with_some("description", description.as_deref()),
            Self::DryRun { credential } => outcome.with("credential", credential.as_str()),
            Self::Deferred { reason, retry_at } => outcome
                .with("reason", reason.as_str())
                .with("retryAt", *retry_at),
        }
    }
}

impl From<LocalRefusal> for RejectReason {
    fn from(refusal: LocalRefusal) -> Self {
        match refusal {
            LocalRefusal::Expired => Self::Expired,
            LocalRefusal::WrongIssuer => Self::WrongIssuer,
            LocalRefusal::WrongAudience => Self::WrongAudience,
            LocalRefusal::DpopBound => Self::DpopBound,
        }
    }
}

/// The credential that was exchanged.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Credential {
    Token(TokenKind),
    /// An HttpOnly session cookie the endpoint read itself.
    Cookie,
}

impl Credential {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Token(kind) => kind.as_str(),
            Self::Cookie => "cookie",
        }
    }
}

named_codes! {
    /// Why a credential was rejected. Permanent for that credential, or, for a configuration
    /// error ([`RejectReason::is_configuration`]), for every credential while the configuration
    /// stays the same, for a day.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
    RejectReason {
        /// Expired, judged locally or by the endpoint.
        Expired = "expired",
        Invalid = "invalid",
        Revoked = "revoked",
        /// Already exchanged once.
        Replayed = "replayed",
        /// No Authgear user has this login ID: import the user first.
        UserNotFound = "user_not_found",
        UserDisabled = "user_disabled",
        /// The endpoint found the login ID unverified by the legacy IdP: sign in with Authgear.
        UnverifiedLoginId = "unverified_login_id",
        /// The Authgear user with this login ID belongs to another legacy subject.
        SubjectMismatch = "subject_mismatch",
        /// A legacy JWT from another issuer than `legacy.issuer`; not sent.
        WrongIssuer = "wrong_issuer",
        /// A legacy JWT for another audience than `legacy.audience`; not sent.
        WrongAudience = "wrong_audience",
        /// Bound to the legacy SDK's DPoP key, with no live refresh token beside it; not sent.
        DpopBound = "dpop_bound",
        /// The endpoint does not serve this `authgear.clientID`.
        InvalidClient = "invalid_client",
        InvalidRequest = "invalid_request",
        UnsupportedTokenType = "unsupported_token_type",
        /// The endpoint's Authgear access token names another issuer than `authgear.endpoint`
        /// and `authgear.issuer`.
        IssuerMismatch = "issuer_mismatch",
    }
}

impl RejectReason {
    /// A refusal of the deployment, not of the credential: the fix is a deploy (of the app or
    /// the endpoint), after which the same credential must be sent again. Not asked again under
    /// the same configuration for a day (`state::CONFIGURATION_RECHECK_MS`), for any credential.
    pub const fn is_configuration(self) -> bool {
        matches!(
            self,
            Self::InvalidClient
                | Self::InvalidRequest
                | Self::UnsupportedTokenType
                | Self::IssuerMismatch
        )
    }
}

named_codes! {
    /// Why the migration did not happen now. Transient: nothing was lost.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
    DeferReason {
        /// The request did not reach the endpoint, or its answer did not come back.
        Network = "network",
        Timeout = "timeout",
        /// 5xx other than 503.
        ServerError = "server_error",
        /// 503: the endpoint, or Authgear behind it, is overloaded or switched off.
        TemporarilyUnavailable = "temporarily_unavailable",
        /// 429.
        RateLimited = "rate_limited",
        /// An HTTP status the contract does not use (404, a proxy's error page, …).
        UnexpectedStatus = "unexpected_status",
        /// A 200 whose body is not a valid token response, or whose tokens are not for the
        /// configured Authgear project and client.
        InvalidResponse = "invalid_response",
        /// The Authgear session could not be saved, or did not read back the same.
        Storage = "storage",
        /// An earlier failure set a time before which this device does not ask again.
        Backoff = "backoff",
        /// Another tab held the migration lock for too long.
        Locked = "locked",
        /// The app's `legacy.read()` threw.
        LegacyReadFailed = "legacy_read_failed",
        /// The wrapper could not load the engine (answered by the JS side).
        EngineUnavailable = "engine_unavailable",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    #[test]
    fn outcomes_serialise_as_the_js_api_documents() {
        let cases = [
            (
                Outcome::Migrated {
                    credential: Credential::Token(TokenKind::RefreshToken),
                    storage: "localStorage".into(),
                },
                json!({"status": "migrated", "credential": "refresh_token", "storage": "localStorage"}),
            ),
            (
                Outcome::AlreadyMigrated {
                    storage: "capacitor".into(),
                },
                json!({"status": "already-migrated", "storage": "capacitor"}),
            ),
            (
                Outcome::NoLegacySession,
                json!({"status": "no-legacy-session"}),
            ),
            (
                Outcome::Rejected {
                    reason: RejectReason::UserNotFound,
                    description: None,
                },
                json!({"status": "rejected", "reason": "user_not_found"}),
            ),
            (
                Outcome::Rejected {
                    reason: RejectReason::IssuerMismatch,
                    description: Some("a \"quoted\" word".into()),
                },
                json!({"status": "rejected", "reason": "issuer_mismatch",
                    "description": "a \"quoted\" word"}),
            ),
            (
                Outcome::DryRun {
                    credential: Credential::Token(TokenKind::IdToken),
                },
                json!({"status": "dry-run", "credential": "id_token"}),
            ),
            (
                Outcome::Deferred {
                    reason: DeferReason::Timeout,
                    retry_at: 5,
                },
                json!({"status": "deferred", "reason": "timeout", "retryAt": 5}),
            ),
        ];
        for (outcome, expected) in cases {
            let text = outcome.to_json().to_text();
            assert_eq!(serde_json::from_str::<Value>(&text).unwrap(), expected);
            // Written in the order of the JS API's documentation: the tag first.
            assert!(text.starts_with(r#"{"status":"#), "{text}");
        }
    }
}
