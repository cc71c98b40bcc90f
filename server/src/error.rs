//! Every way an exchange can fail, and the one wire answer each gets.

use std::fmt;
use std::time::Duration;

use authgear_migrate::wire::{
    ErrorCode, ErrorResponse, FORM_CONTENT_TYPE, FormError, GrantRefusal, SubjectTokenType,
};
use axum::Json;
use axum::http::StatusCode;
use axum::http::header::RETRY_AFTER;
use axum::response::{IntoResponse, Response};

use crate::authgear::AdminError;
use crate::legacy_jwt::VerifyError;
use crate::{MAX_BODY_BYTES, no_store};

/// How long to ask clients to wait when Authgear is down and did not say.
const DEFAULT_RETRY_AFTER: Duration = Duration::from_secs(10);
/// Bounds on an upstream `Retry-After` we pass on: long enough to matter, short enough that a
/// wrong header cannot park every client for hours.
const RETRY_AFTER_RANGE: (Duration, Duration) = (Duration::from_secs(1), Duration::from_secs(300));

#[derive(Debug)]
#[non_exhaustive]
pub(crate) enum ExchangeError {
    /// The body is not declared form-encoded.
    NotAForm,
    BodyTooLarge,
    /// The connection failed while the body was read.
    BodyUnreadable,
    Form(FormError),
    UnknownClient,
    /// A subject token type this endpoint does not exchange.
    UnsupportedTokenType(SubjectTokenType),
    Legacy(VerifyError),
    /// The verified token lacks the configured login ID claim.
    NoLoginId(String),
    UserNotFound,
    UserDisabled,
    Authgear(AdminError),
}

/// An error answer: status, body, and `Retry-After` for a 503.
pub(crate) struct Answer {
    pub(crate) status: StatusCode,
    pub(crate) body: ErrorResponse,
    pub(crate) retry_after: Option<Duration>,
}

impl ExchangeError {
    pub(crate) fn answer(&self) -> Answer {
        use ExchangeError as E;
        let described = |status, error| Answer::new(status, error, self.to_string());
        match self {
            E::NotAForm | E::BodyTooLarge | E::BodyUnreadable => {
                described(StatusCode::BAD_REQUEST, ErrorCode::InvalidRequest)
            }
            E::Form(error) => described(StatusCode::BAD_REQUEST, error.error_code()),
            E::UnknownClient => described(StatusCode::UNAUTHORIZED, ErrorCode::InvalidClient),
            E::UnsupportedTokenType(_) => {
                described(StatusCode::BAD_REQUEST, ErrorCode::UnsupportedTokenType)
            }
            E::Legacy(VerifyError::KeySetUnavailable(error)) => Answer::unavailable(
                "the legacy IdP's keys cannot be fetched now; retry later",
                error.retry_after,
            ),
            E::Legacy(VerifyError::Expired) => self.refusal(GrantRefusal::Expired),
            E::Legacy(_) => self.refusal(GrantRefusal::Invalid),
            E::NoLoginId(_) | E::UserNotFound => self.refusal(GrantRefusal::UserNotFound),
            E::UserDisabled => self.refusal(GrantRefusal::UserDisabled),
            // The cause (a URL, a connection error) stays in the log; the client needs only "later".
            E::Authgear(AdminError::Unavailable { retry_after, .. }) => Answer::unavailable(
                "Authgear is unavailable; retry later",
                retry_after.map_or(DEFAULT_RETRY_AFTER, |wanted| {
                    wanted.clamp(RETRY_AFTER_RANGE.0, RETRY_AFTER_RANGE.1)
                }),
            ),
            // A misconfiguration (CreateSession disabled, unknown client, refused admin key):
            // the description names it, so that whoever reads the client's report can fix it.
            E::Authgear(_) => described(StatusCode::INTERNAL_SERVER_ERROR, ErrorCode::ServerError),
        }
    }

    fn refusal(&self, reason: GrantRefusal) -> Answer {
        let mut answer = Answer::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::InvalidGrant,
            self.to_string(),
        );
        answer.body.reason = Some(reason);
        answer
    }
}

impl Answer {
    fn new(status: StatusCode, error: ErrorCode, description: String) -> Self {
        Self {
            status,
            body: ErrorResponse {
                error,
                error_description: Some(rfc6749_text(&description)),
                reason: None,
                legacy_session: None,
            },
            retry_after: None,
        }
    }

    fn unavailable(description: &str, retry_after: Duration) -> Self {
        let mut answer = Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::TemporarilyUnavailable,
            description.to_owned(),
        );
        answer.retry_after = Some(retry_after);
        answer
    }
}

impl IntoResponse for ExchangeError {
    fn into_response(self) -> Response {
        let Answer {
            status,
            body,
            retry_after,
        } = self.answer();
        let mut response = (status, no_store(), Json(body)).into_response();
        if let Some(wait) = retry_after {
            // Whole seconds, rounded up: "0" would invite an immediate retry.
            let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
            response
                .headers_mut()
                .insert(RETRY_AFTER, seconds.max(1).into());
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
            Self::NotAForm => write!(f, "the Content-Type must be {FORM_CONTENT_TYPE}"),
            Self::BodyTooLarge => write!(f, "the body is larger than {MAX_BODY_BYTES} bytes"),
            Self::BodyUnreadable => f.write_str("the body could not be read"),
            Self::Form(error) => error.fmt(f),
            Self::UnknownClient => f.write_str("this endpoint does not serve that `client_id`"),
            Self::UnsupportedTokenType(kind) => write!(
                f,
                "this endpoint does not exchange subject tokens of type {}",
                kind.as_urn()
            ),
            Self::Legacy(error) => error.fmt(f),
            Self::NoLoginId(claim) => {
                write!(
                    f,
                    "the legacy token has no `{claim}` claim to find the user by"
                )
            }
            Self::UserNotFound => f.write_str("no Authgear user has the legacy token's login ID"),
            Self::UserDisabled => f.write_str("the Authgear user is disabled"),
            Self::Authgear(error) => error.fmt(f),
        }
    }
}

impl std::error::Error for ExchangeError {}

impl From<VerifyError> for ExchangeError {
    fn from(error: VerifyError) -> Self {
        Self::Legacy(error)
    }
}

impl From<AdminError> for ExchangeError {
    fn from(error: AdminError) -> Self {
        Self::Authgear(error)
    }
}
