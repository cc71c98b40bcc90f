//! Legacy provisioning: gives a user who signed up on Authgear an account in the legacy system,
//! so that an old app version, which still signs in there, finds it.
//!
//! One target is configured (`generic`: the documented contract for a home-made backend;
//! `auth0`: the Management API). Every call is idempotent at the target ("already there" is
//! success), so the webhook receiver and `reconcile` may both provision the same user. A
//! transient failure (429, 5xx, network) is retried a bounded number of times; what still fails
//! is left to `reconcile`, the guarantee.

mod auth0;
mod generic;

use std::fmt;
use std::time::Duration;

use serde::Serialize;
use serde_json::{Map, Value};

use crate::config::ProvisionTarget;
use crate::upstream::Causes;
use auth0::Auth0;
use generic::Generic;

/// Attempts per user, the first included.
const ATTEMPTS: u32 = 4;
/// The wait after the first failure; it doubles after each.
const FIRST_BACKOFF: Duration = Duration::from_millis(500);
/// A target's `Retry-After` is honoured up to this; past it, `reconcile` takes over.
const MAX_BACKOFF: Duration = Duration::from_secs(5);

/// A new Authgear user, as much as the legacy system is told (the generic target's body).
/// Absent attributes are left out.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub(crate) struct NewUser {
    /// The webhook event's `id`; absent when `reconcile` found the user.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) event_id: Option<String>,
    /// The user's UUID (the `sub` of their Authgear tokens).
    pub(crate) authgear_user_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) email_verified: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) phone_number: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) phone_number_verified: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) preferred_username: Option<String>,
    /// RFC 3339, as Authgear gave it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) created_at: Option<String>,
}

impl NewUser {
    /// From Authgear's standard attributes (the webhook's `standard_attributes`, the Admin
    /// API's `standardAttributes`: the same claims).
    pub(crate) fn new(
        authgear_user_id: String,
        created_at: Option<String>,
        attributes: &Map<String, Value>,
    ) -> Self {
        let text = |name: &str| {
            attributes
                .get(name)
                .and_then(Value::as_str)
                .filter(|value| !value.is_empty())
                .map(str::to_owned)
        };
        let flag = |name: &str| attributes.get(name).and_then(Value::as_bool);
        Self {
            event_id: None,
            authgear_user_id,
            email: text("email"),
            email_verified: flag("email_verified"),
            phone_number: text("phone_number"),
            phone_number_verified: flag("phone_number_verified"),
            preferred_username: text("preferred_username"),
            created_at,
        }
    }
}

/// What the target did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Provisioned {
    Created,
    /// The target has the user already (HTTP 409): done as well.
    AlreadyThere,
}

/// Why a user is not (yet) in the legacy system.
#[derive(Debug)]
#[non_exhaustive]
pub(crate) enum ProvisionError {
    /// 429, 5xx, or no answer, after every attempt: `reconcile` will try again.
    Unavailable { cause: String },
    /// The target refused for good (4xx other than 409 and 429): a configuration or contract
    /// problem that retrying will not fix.
    Refused { status: u16, what: String },
    /// The target cannot hold this user (Auth0 wants an email address).
    Unsuitable(&'static str),
}

impl fmt::Display for ProvisionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Unavailable { cause } => {
                write!(f, "the legacy system is unavailable ({cause})")
            }
            Self::Refused { status, what } => {
                write!(f, "the legacy system refused (HTTP {status}): {what}")
            }
            Self::Unsuitable(why) => write!(f, "the legacy system cannot hold this user: {why}"),
        }
    }
}

impl std::error::Error for ProvisionError {}

/// One attempt's failure, as the targets report it.
#[derive(Debug)]
pub(super) enum AttemptError {
    /// Worth another attempt, after the target's `Retry-After` when it gave one.
    Transient {
        cause: String,
        retry_after: Option<Duration>,
    },
    Final(ProvisionError),
}

impl AttemptError {
    fn unreachable(error: &reqwest::Error) -> Self {
        Self::Transient {
            cause: format!("unreachable: {}", Causes(error)),
            retry_after: None,
        }
    }

    /// The error of an answer that is neither success nor "already there".
    fn of_status(response: &reqwest::Response, what: impl FnOnce() -> String) -> Self {
        let status = response.status();
        if status.as_u16() == 429 || status.is_server_error() {
            return Self::Transient {
                cause: format!("HTTP {status}"),
                retry_after: retry_after(response),
            };
        }
        Self::Final(ProvisionError::Refused {
            status: status.as_u16(),
            what: what(),
        })
    }
}

/// `Retry-After` in seconds.
fn retry_after(response: &reqwest::Response) -> Option<Duration> {
    let value = response.headers().get(reqwest::header::RETRY_AFTER)?;
    value
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()
        .map(Duration::from_secs)
}

enum Target {
    Generic(Generic),
    Auth0(Auth0),
}

/// The configured target, with the retry policy around it.
pub(crate) struct Provisioner {
    target: Target,
}

impl Provisioner {
    pub(crate) fn new(target: &ProvisionTarget, http: reqwest::Client) -> Self {
        Self {
            target: match target {
                ProvisionTarget::Generic { url, secret } => {
                    Target::Generic(Generic::new(url.clone(), secret.clone(), http))
                }
                ProvisionTarget::Auth0(config) => Target::Auth0(Auth0::new(config.clone(), http)),
            },
        }
    }

    /// `generic` or `auth0`, for logs and reports.
    pub(crate) fn kind(&self) -> &'static str {
        match self.target {
            Target::Generic(_) => "generic",
            Target::Auth0(_) => "auth0",
        }
    }

    /// Provisions `user`, retrying transient failures with backoff within the bound.
    pub(crate) async fn provision(&self, user: &NewUser) -> Result<Provisioned, ProvisionError> {
        let mut backoff = FIRST_BACKOFF;
        let mut attempt = 1;
        loop {
            let result = match &self.target {
                Target::Generic(target) => target.provision(user).await,
                Target::Auth0(target) => target.provision(user).await,
            };
            match result {
                Ok(done) => return Ok(done),
                Err(AttemptError::Final(error)) => return Err(error),
                Err(AttemptError::Transient { cause, .. }) if attempt == ATTEMPTS => {
                    return Err(ProvisionError::Unavailable { cause });
                }
                Err(AttemptError::Transient { cause, retry_after }) => {
                    let wait =
                        retry_after.map_or(backoff, |asked| asked.clamp(backoff, MAX_BACKOFF));
                    tracing::info!(
                        target = self.kind(),
                        attempt,
                        %cause,
                        wait_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX),
                        "legacy provisioning failed; retrying"
                    );
                    tokio::time::sleep(wait).await;
                    backoff = (backoff * 2).min(MAX_BACKOFF);
                    attempt += 1;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn absent_attributes_are_left_out() {
        let attributes =
            json!({"email": "new@example.com", "email_verified": true, "phone_number": ""});
        let user = NewUser::new(
            "3f1c2a8e-0000-4000-8000-000000000001".to_owned(),
            None,
            attributes.as_object().unwrap(),
        );
        assert_eq!(
            serde_json::to_value(&user).unwrap(),
            json!({
                "authgear_user_id": "3f1c2a8e-0000-4000-8000-000000000001",
                "email": "new@example.com",
                "email_verified": true,
            })
        );
    }
}
