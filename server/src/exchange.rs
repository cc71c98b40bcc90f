//! One exchange, from the form to the Authgear session: parse, check the client, verify the
//! legacy token, find the user, create the session.
//!
//! The later stages of the production endpoint slot in here: the kill switch and rate limits
//! before parsing, the replay and idempotency caches around the verified subject, other subject
//! token types (refresh token, cookie) beside the JWT verifier.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use authgear_migrate::wire::{
    ExchangeRequest, FORM_CONTENT_TYPE, FormError, SubjectTokenType, TokenResponse,
};
use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use http_body_util::{BodyExt as _, LengthLimitError, Limited};
use ring::digest::{SHA256, digest};

use crate::authgear::{AdminClient, LoginIdKey};
use crate::config::Config;
use crate::error::ExchangeError;
use crate::legacy_jwt::{Claims, Verifier};
use crate::{MAX_BODY_BYTES, no_store};

pub(crate) struct Exchange {
    client_ids: HashSet<String>,
    login_id_claim: String,
    login_id_key: LoginIdKey,
    verifier: Verifier,
    authgear: AdminClient,
}

/// What the log line of an exchange says, gathered as the exchange goes. Never a token.
#[derive(Default)]
struct Trace {
    client_id: Option<String>,
    subject_token_type: Option<&'static str>,
    subject: Option<String>,
}

impl Exchange {
    pub(crate) fn new(config: &Config) -> Self {
        let http = crate::upstream::client();
        Self {
            client_ids: config.authgear.client_ids.iter().cloned().collect(),
            login_id_claim: config.legacy.login_id_claim.clone(),
            login_id_key: config.authgear.login_id_key,
            verifier: Verifier::new(&config.legacy, http.clone()),
            authgear: AdminClient::new(&config.authgear, http),
        }
    }

    async fn run(
        &self,
        headers: &HeaderMap,
        body: Body,
        trace: &mut Trace,
    ) -> Result<TokenResponse, ExchangeError> {
        if !is_form(headers) {
            return Err(ExchangeError::NotAForm);
        }
        let body = read_body(body).await?;
        let request = ExchangeRequest::from_form(&body).map_err(ExchangeError::Form)?;
        if !self.client_ids.contains(&request.client_id) {
            return Err(ExchangeError::UnknownClient);
        }
        trace.client_id = Some(request.client_id.clone());
        trace.subject_token_type = Some(request.subject_token_type.as_urn());

        let token = match request.subject_token_type {
            SubjectTokenType::AccessToken | SubjectTokenType::IdToken => request
                .subject_token
                .as_deref()
                .ok_or(ExchangeError::Form(FormError::Missing("subject_token")))?,
            other => return Err(ExchangeError::UnsupportedTokenType(other)),
        };
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or(Duration::ZERO);
        let claims = self.verifier.verify(token, now.as_secs_f64()).await?;
        let login_id = claims
            .string(&self.login_id_claim)
            .filter(|id| !id.is_empty())
            .ok_or_else(|| ExchangeError::NoLoginId(self.login_id_claim.clone()))?;
        trace.subject = Some(pseudonym(&claims, login_id));

        let user = self
            .authgear
            .user_by_login_id(self.login_id_key, login_id, now.as_secs())
            .await?
            .ok_or(ExchangeError::UserNotFound)?;
        if user.is_disabled {
            return Err(ExchangeError::UserDisabled);
        }
        let session = self
            .authgear
            .create_session(
                &user.id,
                &request.client_id,
                request.device_info.as_deref(),
                now.as_secs(),
            )
            .await?;
        Ok(session)
    }
}

/// `POST /`: the exchange, answered and logged.
pub(crate) async fn handle(
    State(exchange): State<Arc<Exchange>>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let started = Instant::now();
    let mut trace = Trace::default();
    let result = exchange.run(&headers, body, &mut trace).await;
    trace.log(&result, started.elapsed());
    match result {
        Ok(session) => (no_store(), Json(session)).into_response(),
        Err(error) => error.into_response(),
    }
}

impl Trace {
    fn log(&self, result: &Result<TokenResponse, ExchangeError>, latency: Duration) {
        let latency_ms = u64::try_from(latency.as_millis()).unwrap_or(u64::MAX);
        let client_id = self.client_id.as_deref();
        let subject = self.subject.as_deref();
        let subject_token_type = self.subject_token_type;
        let error = match result {
            Ok(_) => {
                tracing::info!(
                    outcome = "migrated",
                    status = 200,
                    latency_ms,
                    client_id,
                    subject_token_type,
                    subject,
                    "exchange"
                );
                return;
            }
            Err(error) => error,
        };
        let answer = error.answer();
        let status = answer.status.as_u16();
        // The wire spelling (`invalid_grant`), which only serde knows.
        let code = serde_json::to_value(answer.body.error).unwrap_or_default();
        let code = code.as_str();
        let reason = answer.body.reason.map(|reason| reason.as_str());
        if answer.status.is_server_error() {
            tracing::warn!(
                outcome = "failed", status, error = code, reason, detail = %error,
                latency_ms, client_id, subject_token_type, subject, "exchange"
            );
        } else {
            tracing::info!(
                outcome = "refused", status, error = code, reason, detail = %error,
                latency_ms, client_id, subject_token_type, subject, "exchange"
            );
        }
    }
}

fn is_form(headers: &HeaderMap) -> bool {
    let Some(value) = headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    // Parameters such as `charset=UTF-8` may follow the media type.
    let media_type = value.split(';').next().unwrap_or_default().trim();
    media_type.eq_ignore_ascii_case(FORM_CONTENT_TYPE)
}

async fn read_body(body: Body) -> Result<axum::body::Bytes, ExchangeError> {
    match Limited::new(body, MAX_BODY_BYTES).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(error) if error.is::<LengthLimitError>() => Err(ExchangeError::BodyTooLarge),
        Err(_) => Err(ExchangeError::BodyUnreadable),
    }
}

/// A short stable hash that lets log lines of one user be matched without naming them.
fn pseudonym(claims: &Claims, login_id: &str) -> String {
    let subject = claims.string("sub").unwrap_or(login_id);
    digest(&SHA256, subject.as_bytes()).as_ref()[..6]
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}
