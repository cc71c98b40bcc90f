//! Every way an exchange can fail, and the one wire answer each gets.

use std::fmt;
use std::time::Duration;

use authgear_migrate::wire::{
    ErrorCode, FORM_CONTENT_TYPE, FormError, GrantRefusal, LegacyTokens, SubjectTokenType,
};
use axum::Json;
use axum::http::StatusCode;
use axum::http::header::RETRY_AFTER;
use axum::response::{IntoResponse, Response};

use crate::authgear::AdminError;
use crate::legacy::{IdentityError, LegacyError};
use crate::legacy_jwt::VerifyError;
use crate::limits::Scope;
use crate::store::StoreError;
use crate::{MAX_BODY_BYTES, MAX_IDEMPOTENCY_KEY_BYTES, no_store};
use serde::Serialize;

/// How long to ask clients to wait when a service is down and did not say.
const DEFAULT_RETRY_AFTER: Duration = Duration::from_secs(10);
/// Bounds on an upstream `Retry-After` we pass on: long enough to matter, short enough that a
/// wrong header cannot park every client for hours.
const RETRY_AFTER_RANGE: (Duration, Duration) = (Duration::from_secs(1), Duration::from_secs(300));
/// A retry while the first request with its key still runs: that one ends within seconds.
const IN_FLIGHT_RETRY_AFTER: Duration = Duration::from_secs(2);
const STORE_RETRY_AFTER: Duration = Duration::from_secs(5);

#[derive(Debug)]
#[non_exhaustive]
pub(crate) enum ExchangeError {
    /// The operator switched exchanges off.
    KillSwitch(Duration),
    RateLimited {
        scope: Scope,
        retry_after: Duration,
    },
    /// The body is not declared form-encoded.
    NotAForm,
    BodyTooLarge,
    /// The connection failed while the body was read.
    BodyUnreadable,
    Form(FormError),
    /// The idempotency key is too long or not printable ASCII.
    BadIdempotencyKey,
    UnknownClient,
    /// A subject token type this endpoint is not configured to exchange.
    UnsupportedTokenType(SubjectTokenType),
    /// Cookie mode from an origin outside `CORS_ALLOWED_ORIGINS` (or none): a cross-site request
    /// that the browser decorated with the user's cookie.
    CookieOrigin,
    /// Cookie mode, and not every configured cookie came along.
    NoSessionCookie,
    /// The idempotency key was used with another subject token.
    IdempotencyConflict,
    /// The first request with this idempotency key is still running.
    StillRunning,
    /// The subject token is not an RFC 6750 `b64token` (whitespace, padding in the middle, …).
    NotABearerToken,
    /// The legacy credential was exchanged already.
    Replayed,
    Legacy(LegacyError),
    /// The verified credential does not speak for the user it names, or for an allowed client.
    Identity(IdentityError),
    UserNotFound,
    UserDisabled,
    Authgear(AdminError),
    Store(StoreError),
}

/// An error answer: status, body, and `Retry-After` for a 429 or 503.
pub(crate) struct ErrorReply {
    pub(crate) status: StatusCode,
    pub(crate) body: ErrorBody,
    pub(crate) retry_after: Option<Duration>,
}

/// The wire's error answer (RFC 6749 §5.2 with `reason` and `legacy_session`).
#[derive(Serialize)]
pub(crate) struct ErrorBody {
    pub(crate) error: ErrorCode,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) error_description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) reason: Option<GrantRefusal>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) legacy_session: Option<LegacyTokens>,
}

/// What a 500 says: the cause (a URL, an Authgear message, a key ID) is the operator's to read
/// in the log, not the client's.
const SERVER_ERROR_DESCRIPTION: &str =
    "the migration endpoint cannot complete the exchange; its operator finds the cause in its log";

impl ExchangeError {
    pub(crate) fn answer(&self) -> ErrorReply {
        use ExchangeError as E;
        let described = |status, error| ErrorReply::new(status, error, self.to_string());
        let bad_request = |error| described(StatusCode::BAD_REQUEST, error);
        let server_error = || {
            ErrorReply::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                ErrorCode::ServerError,
                SERVER_ERROR_DESCRIPTION.to_owned(),
            )
        };
        match self {
            E::KillSwitch(retry_after) => ErrorReply::unavailable(
                StatusCode::SERVICE_UNAVAILABLE,
                "migration is paused by the operator; retry later",
                *retry_after,
            ),
            E::RateLimited { scope, retry_after } => ErrorReply::unavailable(
                StatusCode::TOO_MANY_REQUESTS,
                match scope {
                    Scope::Ip => "too many exchanges from this address; retry later",
                    Scope::Subject => "too many exchanges for this user; retry later",
                },
                *retry_after,
            ),
            E::NotAForm
            | E::BodyTooLarge
            | E::BodyUnreadable
            | E::BadIdempotencyKey
            | E::CookieOrigin
            | E::IdempotencyConflict => bad_request(ErrorCode::InvalidRequest),
            E::Form(error) => bad_request(error.error_code()),
            E::UnknownClient => described(StatusCode::UNAUTHORIZED, ErrorCode::InvalidClient),
            E::UnsupportedTokenType(_) => bad_request(ErrorCode::UnsupportedTokenType),
            E::StillRunning => ErrorReply::unavailable(
                StatusCode::SERVICE_UNAVAILABLE,
                "a request with this idempotency key is still running; retry shortly",
                IN_FLIGHT_RETRY_AFTER,
            ),
            E::Replayed => self.refusal(GrantRefusal::Replayed),
            E::NotABearerToken => self.refusal(GrantRefusal::Invalid),
            E::NoSessionCookie => self.refusal(GrantRefusal::Invalid),
            E::Legacy(LegacyError::Jwt(VerifyError::KeySetUnavailable(error))) => {
                ErrorReply::unavailable(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "the legacy IdP's keys cannot be fetched now; retry later",
                    error.retry_after,
                )
            }
            E::Legacy(LegacyError::Jwt(VerifyError::Expired)) => {
                self.refusal(GrantRefusal::Expired)
            }
            E::Legacy(LegacyError::Jwt(_)) => self.refusal(GrantRefusal::Invalid),
            E::Legacy(LegacyError::Refused { reason, .. }) => self.refusal(*reason),
            // The cause (a URL, a connection error) stays in the log; the client needs only
            // "later".
            E::Legacy(LegacyError::Unavailable { retry_after, .. }) => ErrorReply::unavailable(
                StatusCode::SERVICE_UNAVAILABLE,
                "the legacy IdP cannot answer now; retry later",
                clamped(*retry_after),
            ),
            E::Legacy(LegacyError::Misconfigured { .. } | LegacyError::NotConfigured(_)) => {
                server_error()
            }
            E::Identity(IdentityError::NoLoginId(_)) | E::UserNotFound => {
                self.refusal(GrantRefusal::UserNotFound)
            }
            E::Identity(IdentityError::Unverified(_) | IdentityError::UnverifiedCreation) => {
                self.refusal(GrantRefusal::UnverifiedLoginId)
            }
            E::Identity(
                IdentityError::SubjectMismatch
                | IdentityError::Unbound(_)
                | IdentityError::NoSubject,
            ) => self.refusal(GrantRefusal::SubjectMismatch),
            E::Identity(_) => self.refusal(GrantRefusal::Invalid),
            E::UserDisabled => self.refusal(GrantRefusal::UserDisabled),
            E::Authgear(AdminError::Unavailable { retry_after, .. }) => ErrorReply::unavailable(
                StatusCode::SERVICE_UNAVAILABLE,
                "Authgear is unavailable; retry later",
                clamped(*retry_after),
            ),
            // A misconfiguration (CreateSession disabled, unknown client, refused admin key):
            // the log line names it.
            E::Authgear(_) => server_error(),
            E::Store(_) => ErrorReply::unavailable(
                StatusCode::SERVICE_UNAVAILABLE,
                "the endpoint's shared state is unavailable; retry later",
                STORE_RETRY_AFTER,
            ),
        }
    }

    /// The `reason` label of the exchange metrics and log lines: a fixed set of names.
    pub(crate) fn reason(&self) -> &'static str {
        use ExchangeError as E;
        match self {
            E::KillSwitch(_) => "kill_switch",
            E::RateLimited {
                scope: Scope::Ip, ..
            } => "rate_limited_ip",
            E::RateLimited {
                scope: Scope::Subject,
                ..
            } => "rate_limited_subject",
            E::NotAForm | E::BodyTooLarge | E::BodyUnreadable | E::BadIdempotencyKey => {
                "invalid_request"
            }
            E::Form(error) => match error.error_code() {
                ErrorCode::UnsupportedGrantType => "unsupported_grant_type",
                ErrorCode::UnsupportedTokenType => "unsupported_token_type",
                _ => "invalid_request",
            },
            E::UnsupportedTokenType(_) => "unsupported_token_type",
            E::UnknownClient => "invalid_client",
            E::CookieOrigin => "cookie_origin",
            E::NoSessionCookie => "no_session_cookie",
            E::IdempotencyConflict => "idempotency_conflict",
            E::StillRunning => "in_flight",
            E::NotABearerToken => "not_a_bearer_token",
            E::Replayed => "replayed",
            E::Legacy(LegacyError::Jwt(VerifyError::KeySetUnavailable(_))) => "jwks_unavailable",
            E::Legacy(LegacyError::Jwt(VerifyError::Expired)) => "expired",
            E::Legacy(LegacyError::Jwt(VerifyError::AlgorithmRefused)) => "algorithm_refused",
            E::Legacy(LegacyError::Jwt(VerifyError::BadSignature)) => "bad_signature",
            E::Legacy(LegacyError::Jwt(VerifyError::WrongAudience)) => "wrong_audience",
            E::Legacy(LegacyError::Jwt(VerifyError::WrongIssuer)) => "wrong_issuer",
            E::Legacy(LegacyError::Jwt(_)) => "invalid",
            E::Legacy(LegacyError::Refused { reason, .. }) => reason.as_str(),
            E::Legacy(LegacyError::Unavailable { .. }) => "legacy_unavailable",
            E::Legacy(LegacyError::Misconfigured { .. } | LegacyError::NotConfigured(_)) => {
                "legacy_error"
            }
            E::Identity(IdentityError::NoLoginId(_)) | E::UserNotFound => "user_not_found",
            E::Identity(IdentityError::Unverified(_) | IdentityError::UnverifiedCreation) => {
                "unverified_login_id"
            }
            E::Identity(
                IdentityError::SubjectMismatch
                | IdentityError::Unbound(_)
                | IdentityError::NoSubject,
            ) => "subject_mismatch",
            E::Identity(_) => "wrong_client",
            E::UserDisabled => "user_disabled",
            E::Authgear(AdminError::Unavailable { .. }) => "authgear_unavailable",
            E::Authgear(_) => "authgear_error",
            E::Store(_) => "store_unavailable",
        }
    }

    fn refusal(&self, reason: GrantRefusal) -> ErrorReply {
        let mut answer = ErrorReply::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::InvalidGrant,
            self.to_string(),
        );
        answer.body.reason = Some(reason);
        answer
    }
}

fn clamped(wanted: Option<Duration>) -> Duration {
    wanted.map_or(DEFAULT_RETRY_AFTER, |wanted| {
        wanted.clamp(RETRY_AFTER_RANGE.0, RETRY_AFTER_RANGE.1)
    })
}

impl ErrorReply {
    fn new(status: StatusCode, error: ErrorCode, description: String) -> Self {
        Self {
            status,
            body: ErrorBody {
                error,
                error_description: Some(rfc6749_text(&description)),
                reason: None,
                legacy_session: None,
            },
            retry_after: None,
        }
    }

    fn unavailable(status: StatusCode, description: &str, retry_after: Duration) -> Self {
        let mut answer = Self::new(
            status,
            ErrorCode::TemporarilyUnavailable,
            description.to_owned(),
        );
        answer.retry_after = Some(retry_after);
        answer
    }

    /// The replacement legacy tokens, when the exchange spent a rotating refresh token.
    pub(crate) fn with_legacy_session(mut self, session: Option<LegacyTokens>) -> Self {
        self.body.legacy_session = session;
        self
    }

    /// `Retry-After` in whole seconds, rounded up: "0" would invite an immediate retry.
    pub(crate) fn retry_after_seconds(&self) -> Option<u64> {
        self.retry_after
            .map(|wait| (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1))
    }
}

impl IntoResponse for ErrorReply {
    fn into_response(self) -> Response {
        let retry_after = self.retry_after_seconds();
        let mut response = (self.status, no_store(), Json(self.body)).into_response();
        if let Some(seconds) = retry_after {
            response.headers_mut().insert(RETRY_AFTER, seconds.into());
        }
        response
    }
}

/// RFC 6749 §5.2 limits `error_description` to printable ASCII without `"` and `\`.
fn rfc6749_text(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '"' => '\'',
            '\\' => '/',
            ' '..='~' => c,
            _ => '?',
        })
        .collect()
}

impl fmt::Display for ExchangeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::KillSwitch(_) => f.write_str("migration is paused by the operator"),
            Self::RateLimited { scope, .. } => {
                write!(f, "the per-{} rate limit is reached", scope.as_str())
            }
            Self::NotAForm => write!(f, "the Content-Type must be {FORM_CONTENT_TYPE}"),
            Self::BodyTooLarge => write!(f, "the body is larger than {MAX_BODY_BYTES} bytes"),
            Self::BodyUnreadable => f.write_str("the body could not be read"),
            Self::Form(error) => error.fmt(f),
            Self::BadIdempotencyKey => write!(
                f,
                "`idempotency_key` must be at most {MAX_IDEMPOTENCY_KEY_BYTES} printable ASCII characters"
            ),
            Self::UnknownClient => f.write_str("this endpoint does not serve that `client_id`"),
            Self::UnsupportedTokenType(kind) => write!(
                f,
                "this endpoint does not exchange subject tokens of type {}",
                kind.as_urn()
            ),
            Self::CookieOrigin => {
                f.write_str("cookie mode needs an Origin header naming one of CORS_ALLOWED_ORIGINS")
            }
            Self::NoSessionCookie => {
                f.write_str("the request does not carry every legacy session cookie")
            }
            Self::IdempotencyConflict => f.write_str(
                "this `idempotency_key` was used with another subject token; use a new key",
            ),
            Self::StillRunning => {
                f.write_str("a request with this idempotency key is still running")
            }
            Self::NotABearerToken => f.write_str(
                "`subject_token` is not an RFC 6750 bearer token (b64token characters only)",
            ),
            Self::Replayed => f.write_str("this legacy credential was exchanged already"),
            Self::Legacy(error) => error.fmt(f),
            Self::Identity(error) => error.fmt(f),
            Self::UserNotFound => {
                f.write_str("no Authgear user has the legacy credential's login ID")
            }
            Self::UserDisabled => f.write_str("the Authgear user is disabled"),
            Self::Authgear(error) => error.fmt(f),
            Self::Store(error) => error.fmt(f),
        }
    }
}

impl std::error::Error for ExchangeError {}

impl From<VerifyError> for ExchangeError {
    fn from(error: VerifyError) -> Self {
        Self::Legacy(LegacyError::Jwt(error))
    }
}

impl From<LegacyError> for ExchangeError {
    fn from(error: LegacyError) -> Self {
        Self::Legacy(error)
    }
}

impl From<IdentityError> for ExchangeError {
    fn from(error: IdentityError) -> Self {
        Self::Identity(error)
    }
}

impl From<AdminError> for ExchangeError {
    fn from(error: AdminError) -> Self {
        Self::Authgear(error)
    }
}

impl From<StoreError> for ExchangeError {
    fn from(error: StoreError) -> Self {
        Self::Store(error)
    }
}
