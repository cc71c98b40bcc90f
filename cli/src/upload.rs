//! The two User Import API calls, with retries: `POST /_api/admin/users/import` (answers a job
//! ID, status `pending`) and `GET /_api/admin/users/import/{id}` (status `pending` until every
//! task of the job completed, then `completed` with a `summary` and per-record `details`).
//!
//! Answers are read as authgear-server writes them (pkg/api/response.go: `{"result": …}` or
//! `{"error": {"name", "reason", "message", "code", "info"}}`) and, failing a `result` member,
//! as the docs print them (the response object at the top level).
//!
//! Transient failures — connection errors, timeouts, 408, 429, 5xx, an answer that is not the
//! expected JSON — are retried with exponential backoff and full jitter, honouring
//! `Retry-After`. A POST retried after an answer was lost is harmless: see `state.rs`. Other
//! refusals are final: 401/403 (the key), 400 (the request), 413 (the size), 429
//! `UsageLimitExceeded` (the project's import quota).

use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, RETRY_AFTER};
use ring::rand::{SecureRandom, SystemRandom};
use serde::Deserialize;
use serde_json::Value;
use url::Url;

use crate::state::Summary;
use authgear_migrate_admin::AdminJwt;

#[derive(Clone, Copy, Debug)]
pub struct RetryPolicy {
    /// Attempts per call, the first included.
    pub attempts: u32,
    pub base: Duration,
    pub cap: Duration,
    pub timeout: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            attempts: 8,
            base: Duration::from_millis(500),
            cap: Duration::from_secs(30),
            timeout: Duration::from_secs(60),
        }
    }
}

/// One record's result (pkg/lib/userimport/model.go: Detail).
#[derive(Clone, Debug, Deserialize)]
pub struct Detail {
    pub index: usize,
    #[serde(default)]
    pub outcome: Option<String>,
    #[serde(default)]
    pub warnings: Vec<Warning>,
    #[serde(default)]
    pub errors: Vec<Value>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct Warning {
    #[serde(default)]
    pub message: String,
}

/// pkg/lib/userimport/model.go: Response.
#[derive(Clone, Debug, Deserialize)]
pub struct JobResponse {
    pub id: String,
    pub status: String,
    #[serde(default)]
    pub summary: Option<Summary>,
    #[serde(default)]
    pub details: Vec<Detail>,
    #[serde(default)]
    pub error: Option<Value>,
}

/// Why a call gave up.
#[derive(Debug)]
pub enum UploadError {
    /// Authgear refused for a reason retrying will not change.
    Refused(String),
    /// The job is unknown (it expired: Authgear keeps jobs 24 hours).
    JobNotFound,
    /// Every attempt failed transiently; the last failure.
    GaveUp(String),
}

impl std::fmt::Display for UploadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Refused(why) => f.write_str(why),
            Self::JobNotFound => {
                f.write_str("Authgear does not know the import job (jobs expire after 24 hours)")
            }
            Self::GaveUp(last) => write!(
                f,
                "gave up after repeated transient failures; the last: {last}"
            ),
        }
    }
}

impl std::error::Error for UploadError {}

/// A failed attempt: retry (after at least the given delay) or stop.
enum Attempt {
    Retry {
        why: String,
        after: Option<Duration>,
    },
    Stop(UploadError),
}

pub struct Client {
    http: reqwest::Client,
    import_url: Url,
    jwt: AdminJwt,
    policy: RetryPolicy,
    rng: SystemRandom,
}

impl Client {
    pub fn new(import_url: Url, jwt: AdminJwt, policy: RetryPolicy) -> Result<Self, String> {
        let http = reqwest::Client::builder()
            .timeout(policy.timeout)
            // A redirect would carry the admin JWT and the records elsewhere: refused, loudly.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("authgear-migrate/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|error| format!("cannot build the HTTP client: {error}"))?;
        Ok(Self {
            http,
            import_url,
            jwt,
            policy,
            rng: SystemRandom::new(),
        })
    }

    /// Starts a job: its ID, and how many POSTs it took.
    pub async fn submit(
        &self,
        body: &[u8],
        notify: &(dyn Fn(&str) + Sync),
    ) -> Result<(String, u32), UploadError> {
        let (response, attempts) = self
            .call("POST", notify, |bearer| {
                self.http
                    .post(self.import_url.clone())
                    .header(AUTHORIZATION, bearer)
                    .header(CONTENT_TYPE, "application/json")
                    .body(body.to_vec())
            })
            .await?;
        Ok((response.id, attempts))
    }

    /// The job's status now.
    pub async fn status(
        &self,
        job_id: &str,
        notify: &(dyn Fn(&str) + Sync),
    ) -> Result<JobResponse, UploadError> {
        let mut url = self.import_url.clone();
        url.path_segments_mut()
            .map_err(|()| UploadError::Refused("the endpoint URL cannot have a path".into()))?
            .push(job_id);
        let (response, _) = self
            .call("GET", notify, |bearer| {
                self.http.get(url.clone()).header(AUTHORIZATION, bearer)
            })
            .await?;
        Ok(response)
    }

    /// The response, and how many attempts it took.
    async fn call(
        &self,
        method: &str,
        notify: &(dyn Fn(&str) + Sync),
        build: impl Fn(String) -> reqwest::RequestBuilder,
    ) -> Result<(JobResponse, u32), UploadError> {
        let mut last = String::new();
        for attempt in 0..self.policy.attempts {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |elapsed| elapsed.as_secs());
            let bearer = format!(
                "Bearer {}",
                self.jwt
                    .at(now)
                    .map_err(|failed| UploadError::Refused(failed.to_string()))?
            );
            let outcome = match build(bearer).send().await {
                Ok(response) => self.read(method, response).await,
                Err(error) => Err(Attempt::Retry {
                    why: describe(&error),
                    after: None,
                }),
            };
            match outcome {
                Ok(response) => return Ok((response, attempt + 1)),
                Err(Attempt::Stop(error)) => return Err(error),
                Err(Attempt::Retry { why, after }) => {
                    if attempt + 1 < self.policy.attempts {
                        let delay = self.backoff(attempt, after);
                        notify(&format!(
                            "{why}; retrying in {:.1} s (attempt {} of {})",
                            delay.as_secs_f64(),
                            attempt + 2,
                            self.policy.attempts
                        ));
                        tokio::time::sleep(delay).await;
                    }
                    last = why;
                }
            }
        }
        Err(UploadError::GaveUp(last))
    }

    async fn read(
        &self,
        method: &str,
        response: reqwest::Response,
    ) -> Result<JobResponse, Attempt> {
        let status = response.status();
        let retry_after = response
            .headers()
            .get(RETRY_AFTER)
            .and_then(|value| value.to_str().ok())
            .and_then(|text| text.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let body = response.bytes().await.map_err(|error| Attempt::Retry {
            why: format!("{method}: the answer broke off ({})", describe(&error)),
            after: None,
        })?;
        let json: Option<Value> = serde_json::from_slice(&body).ok();
        let error = json.as_ref().and_then(|json| json.get("error"));
        let error_text = error.map(describe_api_error).unwrap_or_else(|| {
            let text = String::from_utf8_lossy(&body);
            text.trim().chars().take(200).collect()
        });
        let reason = error
            .and_then(|error| error.get("reason"))
            .and_then(Value::as_str)
            .unwrap_or_default();
        if status.is_success() {
            let result = json.as_ref().map(|json| json.get("result").unwrap_or(json));
            return match result.map(JobResponse::deserialize) {
                Some(Ok(job)) if !job.id.is_empty() => Ok(job),
                _ => Err(Attempt::Retry {
                    why: format!("{method}: {status} with an answer that is not an import job"),
                    after: None,
                }),
            };
        }
        let what = format!("{method}: {status} {error_text}");
        Err(match status {
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => {
                Attempt::Stop(UploadError::Refused(format!(
                    "{what}: the Admin API refused the key; check AUTHGEAR_ADMIN_KEY_ID, the key file and AUTHGEAR_PROJECT_ID"
                )))
            }
            StatusCode::NOT_FOUND if reason == "TaskNotFound" => {
                Attempt::Stop(UploadError::JobNotFound)
            }
            StatusCode::TOO_MANY_REQUESTS if reason == "UsageLimitExceeded" => {
                Attempt::Stop(UploadError::Refused(format!(
                    "{what}: the project's user import quota is used up; run the same command again later to resume"
                )))
            }
            StatusCode::REQUEST_TIMEOUT | StatusCode::TOO_MANY_REQUESTS => Attempt::Retry {
                why: what,
                after: retry_after,
            },
            status if status.is_server_error() => Attempt::Retry {
                why: what,
                after: retry_after,
            },
            status if status.is_redirection() => Attempt::Stop(UploadError::Refused(format!(
                "{what}: a redirect is never followed (it would carry the admin JWT and the \
                 records elsewhere); set AUTHGEAR_ENDPOINT to the URL that answers"
            ))),
            _ => Attempt::Stop(UploadError::Refused(what)),
        })
    }

    /// Full jitter: uniform in [0, min(cap, base × 2^attempt)], and at least `Retry-After`.
    fn backoff(&self, attempt: u32, retry_after: Option<Duration>) -> Duration {
        let ceiling = self
            .policy
            .base
            .saturating_mul(1u32 << attempt.min(20))
            .min(self.policy.cap);
        let mut bytes = [0u8; 8];
        let fraction = match self.rng.fill(&mut bytes) {
            Ok(()) => (u64::from_le_bytes(bytes) >> 11) as f64 / (1u64 << 53) as f64,
            Err(_) => 0.5,
        };
        ceiling
            .mul_f64(fraction)
            .max(retry_after.unwrap_or_default())
    }
}

fn describe(error: &reqwest::Error) -> String {
    if error.is_timeout() {
        "timed out".into()
    } else if error.is_connect() {
        "cannot connect".into()
    } else {
        let mut text = error.to_string();
        let mut source = std::error::Error::source(error);
        while let Some(inner) = source {
            text.push_str(": ");
            text.push_str(&inner.to_string());
            source = inner.source();
        }
        text
    }
}

/// `Name/Reason: message` for Authgear's error object, or the docs' `{"error": "text"}`.
pub fn describe_api_error(error: &Value) -> String {
    match error {
        Value::String(text) => text.clone(),
        Value::Object(object) => {
            let field = |name: &str| object.get(name).and_then(Value::as_str).unwrap_or_default();
            let mut text = format!(
                "{}/{}: {}",
                field("name"),
                field("reason"),
                field("message")
            );
            if let Some(info) = object.get("info") {
                text.push(' ');
                text.push_str(&info.to_string());
            }
            text
        }
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_read_both_shapes() {
        let authgear = serde_json::json!({"name": "RequestEntityTooLarge", "reason": "JSONTooLarge",
            "message": "request body too large", "code": 413, "info": {"limit": 500000}});
        assert_eq!(
            describe_api_error(&authgear),
            r#"RequestEntityTooLarge/JSONTooLarge: request body too large {"limit":500000}"#
        );
        assert_eq!(
            describe_api_error(&Value::String("Invalid request".into())),
            "Invalid request"
        );
    }

    #[test]
    fn jobs_read_with_or_without_the_result_wrapper() {
        let wrapped = serde_json::json!({"result": {"id": "userimport_X", "created_at": "2024-04-04T06:56:36.02508096Z", "status": "pending"}});
        let inner = wrapped.get("result").unwrap();
        let job = JobResponse::deserialize(inner).unwrap();
        assert_eq!(job.status, "pending");
        assert!(job.summary.is_none());
    }
}
