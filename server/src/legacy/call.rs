//! One call to the legacy IdP, and what its HTTP status means, the same for every endpoint:
//! 200 is an answer to read, 429 and 5xx (and no answer at all) are "not now", and the rest is
//! for the caller to judge.

use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::RETRY_AFTER;
use serde_json::{Map, Value};

use super::LegacyError;
use crate::metrics::Metrics;
use crate::upstream::{self, BodyError, Causes};

/// Userinfo, introspection and token answers are a few KiB.
const MAX_ANSWER_BYTES: usize = 64 * 1024;

/// An answer that is neither 429 nor 5xx.
pub(super) struct UpstreamReply {
    pub(super) status: StatusCode,
    body: Vec<u8>,
}

impl UpstreamReply {
    /// The body as a JSON object.
    pub(super) fn object(&self, call: &'static str) -> Result<Map<String, Value>, LegacyError> {
        match serde_json::from_slice(&self.body) {
            Ok(Value::Object(object)) => Ok(object),
            _ => Err(LegacyError::Misconfigured {
                call,
                detail: format!("HTTP {} with a body that is not a JSON object", self.status),
            }),
        }
    }

    /// The RFC 6749 §5.2 `error` code of an error answer, when it has one.
    pub(super) fn oauth_error(&self) -> Option<String> {
        let body: Value = serde_json::from_slice(&self.body).ok()?;
        body.get("error")?.as_str().map(str::to_owned)
    }
}

pub(super) async fn send(
    request: reqwest::RequestBuilder,
    call: &'static str,
    metrics: &Metrics,
) -> Result<UpstreamReply, LegacyError> {
    let unavailable = |detail: String, retry_after| {
        metrics.legacy_call(call, "unavailable");
        LegacyError::Unavailable {
            call,
            detail,
            retry_after,
        }
    };
    let response = request
        .send()
        .await
        .map_err(|error| unavailable(format!("unreachable ({})", Causes(&error)), None))?;
    let status = response.status();
    if status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error() {
        let retry_after = response
            .headers()
            .get(RETRY_AFTER)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.trim().parse().ok())
            .map(Duration::from_secs);
        return Err(unavailable(format!("HTTP {status}"), retry_after));
    }
    let body = upstream::read_body(response, MAX_ANSWER_BYTES)
        .await
        .map_err(|error| match error {
            BodyError::Transport(_) => unavailable(error.to_string(), None),
            BodyError::TooLarge(_) => {
                metrics.legacy_call(call, "error");
                LegacyError::Misconfigured {
                    call,
                    detail: error.to_string(),
                }
            }
        })?;
    metrics.legacy_call(call, if status.is_success() { "ok" } else { "refused" });
    Ok(UpstreamReply { status, body })
}

/// An answer the caller did not expect: the URL or the client is probably wrong.
pub(super) fn unexpected(call: &'static str, answer: &UpstreamReply) -> LegacyError {
    LegacyError::Misconfigured {
        call,
        detail: match answer.oauth_error() {
            Some(error) => format!("HTTP {} `{error}`", answer.status),
            None => format!("HTTP {}", answer.status),
        },
    }
}
