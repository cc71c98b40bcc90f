//! GraphQL over HTTP to `<endpoint>/_api/admin/graphql`, and what each kind of failure means.
//!
//! Authgear answers an executed query with HTTP 200 and, on failure, `errors[]` whose
//! `extensions` carry its API error `errorName` and `reason` (pkg/util/graphqlutil/api_error.go).
//! Errors that are not API errors (a database outage, a panic) reach us as the bare message
//! "unexpected error". A refused admin JWT is a plain-text HTTP 403 from the authz middleware.

use std::fmt;
use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::{AUTHORIZATION, RETRY_AFTER};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use url::Url;

use super::{AdminJwt, SigningFailed};
use crate::upstream::{self, BodyError, Causes};

/// Admin API answers for our two operations are under a KiB.
const MAX_RESPONSE_BYTES: usize = 64 * 1024;

pub(super) struct Graphql {
    url: Url,
    http: reqwest::Client,
    jwt: AdminJwt,
}

impl Graphql {
    pub(super) fn new(url: Url, http: reqwest::Client, jwt: AdminJwt) -> Self {
        Self { url, http, jwt }
    }

    /// Runs `query`, whose one top-level field is `operation`, and reads its `data`.
    pub(super) async fn run<D: DeserializeOwned>(
        &self,
        operation: &'static str,
        query: &'static str,
        variables: serde_json::Value,
        now: u64,
    ) -> Result<D, AdminError> {
        let jwt = self.jwt.at(now).map_err(AdminError::Signing)?;
        let response = self
            .http
            .post(self.url.clone())
            .header(AUTHORIZATION, format!("Bearer {jwt}"))
            .json(&serde_json::json!({ "query": query, "variables": variables }))
            .send()
            .await
            .map_err(|error| AdminError::unavailable(operation, Transient::Unreachable(error)))?;

        let status = response.status();
        if status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error() {
            let retry_after = retry_after(&response);
            return Err(AdminError::Unavailable {
                operation,
                cause: Transient::Status(status),
                retry_after,
            });
        }
        if status == StatusCode::UNAUTHORIZED || status == StatusCode::FORBIDDEN {
            return Err(AdminError::KeyRefused { status });
        }
        if status != StatusCode::OK {
            return Err(AdminError::Unexpected {
                operation,
                what: format!("HTTP {status}"),
            });
        }
        let body = upstream::read_body(response, MAX_RESPONSE_BYTES)
            .await
            .map_err(|error| match error {
                BodyError::Transport(_) => {
                    AdminError::unavailable(operation, Transient::Body(error))
                }
                BodyError::TooLarge(_) => AdminError::Unexpected {
                    operation,
                    what: error.to_string(),
                },
            })?;
        // `data` is read only once `errors` is known empty: beside errors it may hold nulls
        // that the expected type has no room for.
        let unexpected = |what: String| AdminError::Unexpected { operation, what };
        let answer: GraphqlResponse = serde_json::from_slice(&body)
            .map_err(|error| unexpected(format!("the body is not a GraphQL response ({error})")))?;
        if let Some(error) = answer.errors.into_iter().next() {
            return Err(if error.is_transient() {
                AdminError::unavailable(operation, Transient::Graphql(error))
            } else {
                AdminError::Refused { operation, error }
            });
        }
        let data = answer
            .data
            .ok_or_else(|| unexpected("neither `data` nor `errors`".to_owned()))?;
        serde_json::from_value(data)
            .map_err(|error| unexpected(format!("`data` is not as expected ({error})")))
    }
}

#[derive(Deserialize)]
struct GraphqlResponse {
    data: Option<serde_json::Value>,
    #[serde(default)]
    errors: Vec<GraphqlError>,
}

/// One entry of a GraphQL `errors` array.
#[derive(Debug, Deserialize)]
pub(crate) struct GraphqlError {
    message: String,
    #[serde(default)]
    extensions: Extensions,
}

#[derive(Debug, Default, Deserialize)]
struct Extensions {
    #[serde(rename = "errorName")]
    error_name: Option<String>,
    reason: Option<String>,
}

impl GraphqlError {
    pub(super) fn is(&self, reason: &str, message: &str) -> bool {
        self.extensions.reason.as_deref() == Some(reason) && self.message == message
    }

    /// Authgear's own "try later" kinds (apierrors.TooManyRequest, InternalError,
    /// ServiceUnavailable) and the bare "unexpected error" that hides a non-API failure.
    fn is_transient(&self) -> bool {
        match self.extensions.error_name.as_deref() {
            Some(name) => matches!(
                name,
                "TooManyRequest" | "InternalError" | "ServiceUnavailable"
            ),
            None => self.message == "unexpected error",
        }
    }
}

impl fmt::Display for GraphqlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        match (&self.extensions.error_name, &self.extensions.reason) {
            (Some(name), Some(reason)) => write!(f, " ({name}: {reason})"),
            (Some(name), None) => write!(f, " ({name})"),
            _ => Ok(()),
        }
    }
}

/// `Retry-After` in its delta-seconds form; the HTTP-date form is rare enough to ignore.
fn retry_after(response: &reqwest::Response) -> Option<Duration> {
    let seconds = response.headers().get(RETRY_AFTER)?.to_str().ok()?;
    seconds.trim().parse().ok().map(Duration::from_secs)
}

/// Why an Admin API call gave no answer to use.
#[derive(Debug)]
#[non_exhaustive]
pub(crate) enum AdminError {
    /// Authgear cannot serve now: unreachable, 429 or 5xx, or a GraphQL error it marks transient.
    Unavailable {
        operation: &'static str,
        cause: Transient,
        /// Authgear's own `Retry-After`, when it gave one.
        retry_after: Option<Duration>,
    },
    /// HTTP 401/403: Authgear refused the admin JWT.
    KeyRefused {
        status: StatusCode,
    },
    /// Authgear refused the operation itself: "CreateSession is disabled", "invalid client ID", …
    Refused {
        operation: &'static str,
        error: GraphqlError,
    },
    /// An answer that is not the GraphQL response expected.
    Unexpected {
        operation: &'static str,
        what: String,
    },
    Signing(SigningFailed),
}

#[derive(Debug)]
pub(crate) enum Transient {
    /// Every Admin API slot stayed taken for `AUTHGEAR_QUEUE_TIMEOUT_MS`.
    Saturated,
    /// Authgear answered 429 moments ago; its `Retry-After` has not passed.
    Throttled,
    Unreachable(reqwest::Error),
    Status(StatusCode),
    Body(BodyError),
    Graphql(GraphqlError),
}

impl AdminError {
    fn unavailable(operation: &'static str, cause: Transient) -> Self {
        Self::Unavailable {
            operation,
            cause,
            retry_after: None,
        }
    }
}

impl fmt::Display for AdminError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Unavailable {
                operation, cause, ..
            } => write!(f, "Authgear cannot serve {operation} now: {cause}"),
            Self::KeyRefused { status } => write!(
                f,
                "Authgear refused the admin JWT (HTTP {status}): check AUTHGEAR_ADMIN_KEY_ID, \
                 the admin key and AUTHGEAR_PROJECT_ID"
            ),
            Self::Refused { operation, error } => {
                write!(f, "Authgear refused {operation}: {error}")
            }
            Self::Unexpected { operation, what } => {
                write!(f, "unexpected answer from Authgear to {operation}: {what}")
            }
            Self::Signing(error) => error.fmt(f),
        }
    }
}

impl fmt::Display for Transient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Saturated => {
                f.write_str("every Admin API slot is taken (AUTHGEAR_MAX_CONCURRENCY)")
            }
            Self::Throttled => f.write_str("it asked to slow down (HTTP 429) moments ago"),
            Self::Unreachable(error) => write!(f, "unreachable ({})", Causes(error)),
            Self::Status(status) => write!(f, "HTTP {status}"),
            Self::Body(error) => error.fmt(f),
            Self::Graphql(error) => error.fmt(f),
        }
    }
}

impl std::error::Error for AdminError {}
