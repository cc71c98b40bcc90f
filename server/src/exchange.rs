//! One exchange, from the request to the answer:
//!
//! 1. the kill switch, then the per-address rate limit;
//! 2. the form, the client allowlist, the kind of credential (and in cookie mode, the Origin);
//! 3. the idempotency cache: an answer kept for this key and credential is served again, a
//!    request still running with it is waited for;
//! 4. the credential, verified by its kind's verifier (a refresh token is redeemed first, after
//!    it is claimed in the replay cache, since redeeming spends it);
//! 5. whose it is: issued to an allowed legacy client, with a login ID the IdP vouched for;
//!    then the per-subject rate limit, then the replay cache's claim;
//! 6. the Authgear user (found by login ID, bound to the credential's `sub` when configured,
//!    or created when configured and the login ID is vouched for), then `createSession`;
//! 7. the answer, kept in the idempotency cache when it is final, logged and counted.

use std::collections::HashSet;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use authgear_migrate::wire::{
    ExchangeRequest, FORM_CONTENT_TYPE, FormError, LegacyTokens, SubjectTokenType, TokenResponse,
};
use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::header::{CONTENT_TYPE, ORIGIN, RETRY_AFTER};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use http_body_util::{BodyExt as _, LengthLimitError, Limited};
use tokio_util::task::TaskTracker;

use crate::authgear::{AdminClient, Lookup, Slot, User};
use crate::config::Config;
use crate::created::CreatedUsers;
use crate::digest::{Digests, sha256_hex};
use crate::error::ExchangeError;
use crate::idempotency::{Begin, Idempotency, StoredAnswer, attempt_id};
use crate::legacy::{
    IdentityError, IdentityRules, Legacy, LoginId, Verified, is_b64token, replay_id,
};
use crate::limits::{KillSwitch, RateLimits, Scope};
use crate::metrics::Metrics;
use crate::replay::{Claimed, ReplayCache};
use crate::store::Store;
use crate::{MAX_BODY_BYTES, MAX_IDEMPOTENCY_KEY_BYTES, no_store};

pub(crate) struct Exchange {
    client_ids: HashSet<String>,
    identity: IdentityRules,
    create_users: bool,
    leeway: Duration,
    replay_ttl: Duration,
    /// Cookie mode answers requests from these origins only.
    cookie_origins: Vec<String>,
    pub(crate) legacy: Legacy,
    pub(crate) authgear: AdminClient,
    pub(crate) store: Arc<Store>,
    replay: ReplayCache,
    idempotency: Idempotency,
    created: CreatedUsers,
    limits: RateLimits,
    pub(crate) kill_switch: KillSwitch,
    pub(crate) metrics: Arc<Metrics>,
    /// Where exchanges run, so that shutdown waits for them.
    tasks: TaskTracker,
}

/// A failed exchange, with the legacy tokens it spent (they go back to the client).
struct Failure {
    error: ExchangeError,
    spent: Option<LegacyTokens>,
}

impl From<ExchangeError> for Failure {
    fn from(error: ExchangeError) -> Self {
        Self { error, spent: None }
    }
}

/// What the log line of an exchange says, gathered as the exchange goes. Never a token.
#[derive(Default)]
struct Trace {
    client_ip: Option<IpAddr>,
    client_id: Option<String>,
    subject_token_type: Option<&'static str>,
    subject: Option<String>,
    user_created: bool,
}

impl Exchange {
    pub(crate) fn new(config: &Config, metrics: Arc<Metrics>, tasks: TaskTracker) -> Self {
        let http = crate::upstream::client();
        let store = Arc::new(Store::new(&config.store));
        Self {
            client_ids: config.authgear.client_ids.iter().cloned().collect(),
            identity: IdentityRules::new(&config.legacy),
            create_users: config.authgear.create_users,
            leeway: config.legacy.leeway,
            replay_ttl: config.store.replay_ttl,
            cookie_origins: config
                .cors_allowed_origins
                .iter()
                .map(|origin| origin.as_str().to_owned())
                .collect(),
            legacy: Legacy::new(&config.legacy, &http, &metrics),
            authgear: AdminClient::new(&config.authgear, http, Arc::clone(&metrics)),
            replay: ReplayCache::new(
                Arc::clone(&store),
                Arc::clone(&metrics),
                config.store.idempotency_ttl,
            ),
            idempotency: Idempotency::new(
                Arc::clone(&store),
                config.store.idempotency_ttl,
                config.store.in_flight_ttl,
                Arc::clone(&metrics),
            ),
            created: CreatedUsers::new(Arc::clone(&store), Arc::clone(&metrics)),
            limits: RateLimits::new(&config.limits, Arc::clone(&store)),
            kill_switch: KillSwitch::new(&config.limits),
            store,
            metrics,
            tasks,
        }
    }

    /// Steps 1 to 3, then the exchange proper, then step 7.
    async fn serve(&self, headers: &HeaderMap, peer: Option<SocketAddr>, body: Body) -> Response {
        let started = Instant::now();
        let mut trace = Trace {
            client_ip: self.limits.client_ip(headers, peer),
            ..Trace::default()
        };
        let (request, credential) = match self.admit(headers, body, &mut trace).await {
            Ok(admitted) => admitted,
            Err(error) => return self.refuse(error, &trace, started),
        };
        let digests = Digests::of(&credential);
        let in_flight = match self
            .idempotency
            .begin(&request.client_id, &request.idempotency_key, &digests)
            .await
        {
            Ok(Begin::Run(in_flight)) => in_flight,
            Ok(Begin::Replay(answer)) => {
                trace.log_replay(&answer, started.elapsed());
                self.metrics
                    .exchange("replayed", "idempotent", started.elapsed());
                return respond(&answer);
            }
            Ok(Begin::Conflict) => {
                return self.refuse(ExchangeError::IdempotencyConflict, &trace, started);
            }
            Ok(Begin::StillRunning) => {
                return self.refuse(ExchangeError::StillRunning, &trace, started);
            }
            Err(error) => {
                self.metrics.store_error();
                return self.refuse(error.into(), &trace, started);
            }
        };

        let result = tokio::select! {
            result = self.run(&request, &credential, &mut trace) => result,
            never = self.idempotency.keep_in_flight(&in_flight) => match never {},
        };
        let (answer, keep) = match &result {
            Ok(session) => (
                StoredAnswer {
                    status: 200,
                    retry_after: None,
                    body: serde_json::to_string(session).expect("a token response serializes"),
                },
                true,
            ),
            Err(failure) => {
                let answer = failure
                    .error
                    .answer()
                    .with_legacy_session(failure.spent.clone());
                let status = answer.status;
                // Final answers are kept; "try later" ones are not, so that the retry runs
                // again, unless they hand back spent legacy tokens, which a lost response must
                // not lose.
                let keep = (status.is_client_error() && status != StatusCode::TOO_MANY_REQUESTS)
                    || failure.spent.is_some();
                (
                    StoredAnswer {
                        status: status.as_u16(),
                        retry_after: answer.retry_after_seconds(),
                        body: serde_json::to_string(&answer.body)
                            .expect("an error response serializes"),
                    },
                    keep,
                )
            }
        };
        if keep {
            self.idempotency.finish(in_flight, &answer, &digests).await;
        } else {
            self.idempotency.abandon(in_flight).await;
        }
        let error = result.as_ref().err().map(|failure| &failure.error);
        trace.log(error, answer.status, started.elapsed());
        let (outcome, reason) = outcome_of(error);
        self.metrics.exchange(outcome, reason, started.elapsed());
        respond(&answer)
    }

    /// Steps 1 and 2: the request is one to exchange. Answers its credential: the subject token,
    /// or in cookie mode the cookies to forward.
    async fn admit(
        &self,
        headers: &HeaderMap,
        body: Body,
        trace: &mut Trace,
    ) -> Result<(ExchangeRequest, String), ExchangeError> {
        if self.kill_switch.is_on() {
            return Err(ExchangeError::KillSwitch(self.kill_switch.retry_after));
        }
        if let Some(ip) = trace.client_ip {
            if let Some(retry_after) = self.limits.hit_ip(ip).await.inspect_err(|_| {
                self.metrics.store_error();
            })? {
                return Err(ExchangeError::RateLimited {
                    scope: Scope::Ip,
                    retry_after,
                });
            }
        }
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
        if !self.legacy.accepts(request.subject_token_type) {
            return Err(ExchangeError::UnsupportedTokenType(
                request.subject_token_type,
            ));
        }
        let key = &request.idempotency_key;
        if key.len() > MAX_IDEMPOTENCY_KEY_BYTES || !key.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(ExchangeError::BadIdempotencyKey);
        }
        let credential = match request.subject_token_type {
            SubjectTokenType::Cookie => {
                // A cross-site page can make the browser send the user's cookie along; only
                // the app's own origins may (CSRF). Browsers always send Origin on a POST.
                let origin = headers.get(ORIGIN).and_then(|value| value.to_str().ok());
                if !origin.is_some_and(|origin| self.cookie_origins.iter().any(|o| o == origin)) {
                    return Err(ExchangeError::CookieOrigin);
                }
                self.legacy
                    .session_cookies(headers)
                    .ok_or(ExchangeError::NoSessionCookie)?
            }
            _ => {
                let token = request
                    .subject_token
                    .clone()
                    .ok_or(ExchangeError::Form(FormError::Missing("subject_token")))?;
                // A re-spaced copy is no bearer token; re-spellings that are one (padding, a
                // signature's unused bits) share the original's replay identity.
                if !is_b64token(&token) {
                    return Err(ExchangeError::NotABearerToken);
                }
                token
            }
        };
        Ok((request, credential))
    }

    /// Steps 4 to 6.
    async fn run(
        &self,
        request: &ExchangeRequest,
        credential: &str,
        trace: &mut Trace,
    ) -> Result<TokenResponse, Failure> {
        let now = now();
        if request.subject_token_type == SubjectTokenType::RefreshToken {
            // Redeeming spends the token: claim it first, so that two requests cannot both.
            let claimed = self
                .claim(request, &replay_id(credential, None), None, now)
                .await?;
            let spent = match self.legacy.redeem(credential).await {
                Ok(spent) => spent,
                Err(error) => {
                    self.replay.release(claimed).await;
                    return Err(ExchangeError::from(error).into());
                }
            };
            // From here on, the replacement tokens are the user's legacy session.
            let result = match self.legacy.verify_redeemed(&spent, now).await {
                Ok(verified) => self.create(request, &verified, false, trace, now).await,
                Err(error) => Err(error.into()),
            };
            return result.map_err(|error| Failure {
                error,
                spent: Some(spent),
            });
        }

        let verified = match request.subject_token_type {
            SubjectTokenType::AccessToken => self.legacy.verify_access_token(credential, now).await,
            SubjectTokenType::IdToken => self.legacy.verify_id_token(credential, now).await,
            _ => self.legacy.check_session(credential).await,
        }
        .map_err(ExchangeError::from)?;
        Ok(self.create(request, &verified, true, trace, now).await?)
    }

    /// Step 5 and 6 for a verified credential, claimed in the replay cache when `claim` (a
    /// redeemed refresh token was claimed before); the claim is released when no session
    /// results.
    async fn create(
        &self,
        request: &ExchangeRequest,
        verified: &Verified,
        claim: bool,
        trace: &mut Trace,
        now: f64,
    ) -> Result<TokenResponse, ExchangeError> {
        let claims = &verified.claims;
        // Whose it is, from what the IdP vouched for, before anything is looked up.
        self.identity.check_client(verified)?;
        let login_id = self.identity.login_id(claims)?;
        let legacy_subject = claims.string("sub");
        let subject = legacy_subject.unwrap_or(login_id.value);
        trace.subject = Some(sha256_hex(subject)[..12].to_owned());
        if let Some(retry_after) = self
            .limits
            .hit_subject(subject)
            .await
            .inspect_err(|_| self.metrics.store_error())?
        {
            return Err(ExchangeError::RateLimited {
                scope: Scope::Subject,
                retry_after,
            });
        }
        let claimed = if claim {
            Some(
                self.claim(request, &verified.replay_id, verified.expires_at, now)
                    .await?,
            )
        } else {
            None
        };
        let result = self
            .create_session(request, &login_id, legacy_subject, trace, now)
            .await;
        if let (Err(_), Some(claimed)) = (&result, claimed) {
            self.replay.release(claimed).await;
        }
        // Progress counts users, not exchanges; the session exists, so a miss is only counted.
        if result.is_ok() && self.store.add_migrated(subject).await.is_err() {
            self.metrics.store_error();
        }
        result
    }

    /// Claims the credential in the replay cache for this request's attempt, for its lifetime
    /// when known.
    async fn claim(
        &self,
        request: &ExchangeRequest,
        replay_id: &str,
        expires_at: Option<f64>,
        now: f64,
    ) -> Result<Claimed, ExchangeError> {
        let ttl = match expires_at {
            Some(exp) => Duration::from_secs_f64((exp - now).max(0.0)) + self.leeway,
            None => self.replay_ttl,
        };
        let attempt = attempt_id(&request.client_id, &request.idempotency_key);
        self.replay
            .claim(replay_id, ttl, &attempt, now as u64)
            .await
            .inspect_err(|_| self.metrics.store_error())?
            .ok_or(ExchangeError::Replayed)
    }

    async fn create_session(
        &self,
        request: &ExchangeRequest,
        login_id: &LoginId<'_>,
        legacy_subject: Option<&str>,
        trace: &mut Trace,
        now: f64,
    ) -> Result<TokenResponse, ExchangeError> {
        let seconds = now as u64;
        let slot = self.authgear.slot().await?;
        let (key, value) = (login_id.key, login_id.value);
        let mut user = self
            .authgear
            .user_by_login_id(&slot, key, value, seconds)
            .await?;
        if matches!(user, Lookup::Nobody) && self.create_users {
            // An address nobody proved they own never becomes an account, whatever
            // LEGACY_REQUIRE_VERIFIED says.
            if !login_id.vouched {
                return Err(IdentityError::UnverifiedCreation.into());
            }
            user = match self
                .authgear
                .create_user(&slot, key, value, seconds)
                .await?
            {
                Some(created) => {
                    trace.user_created = true;
                    Lookup::Found(created)
                }
                // Someone else made them a moment ago: found and checked like any user.
                None => {
                    self.authgear
                        .user_by_login_id(&slot, key, value, seconds)
                        .await?
                }
            };
        }
        let Lookup::Found(mut user) = user else {
            return Err(ExchangeError::UserNotFound);
        };
        if let Some(subject) = legacy_subject {
            self.bind_if_created(&slot, &mut user, subject, trace.user_created, seconds)
                .await?;
        }
        self.identity
            .check_subject(legacy_subject, &user.custom_attributes)?;
        if user.is_disabled {
            return Err(ExchangeError::UserDisabled);
        }
        Ok(self
            .authgear
            .create_session(
                &slot,
                &user.id,
                &request.client_id,
                request.device_info.as_deref(),
                seconds,
            )
            .await?)
    }

    /// Binds a user this endpoint created for `subject`, as an imported one is, before their
    /// first session: just now (`created_now`), or in an exchange whose binding failed (see
    /// `created`). Any other user is left to `check_subject`.
    async fn bind_if_created(
        &self,
        slot: &Slot<'_>,
        user: &mut User,
        subject: &str,
        created_now: bool,
        seconds: u64,
    ) -> Result<(), ExchangeError> {
        let Some(attribute) = self.identity.subject_attribute() else {
            return Ok(());
        };
        let bound = user
            .custom_attributes
            .get(attribute)
            .is_some_and(|value| !value.is_null() && value.as_str() != Some(""));
        if bound {
            return Ok(());
        }
        if created_now {
            // Before the call that may fail, so that a later exchange can finish it.
            if let Err(error) = self.created.remember(&user.id, subject).await {
                self.metrics.store_error();
                tracing::warn!(%error, "cannot record a user created just in time: if binding them fails, no retry will");
            }
        } else if !self
            .created
            .created_for(&user.id, subject)
            .await
            .inspect_err(|_| self.metrics.store_error())?
        {
            return Ok(());
        }
        user.custom_attributes = self
            .authgear
            .set_custom_attribute(slot, user, attribute, subject, seconds)
            .await?;
        self.created.forget(&user.id, subject).await;
        Ok(())
    }

    /// An answer given before the idempotency cache is involved: logged and counted, not kept.
    fn refuse(&self, error: ExchangeError, trace: &Trace, started: Instant) -> Response {
        let answer = error.answer();
        trace.log(Some(&error), answer.status.as_u16(), started.elapsed());
        let (outcome, reason) = outcome_of(Some(&error));
        self.metrics.exchange(outcome, reason, started.elapsed());
        answer.into_response()
    }
}

/// `POST /`: the exchange, answered, logged and counted.
///
/// It runs in a task of its own: a client that gives up (a timeout, a closed tab) drops the
/// connection, and with it this handler, but not the exchange. That one finishes, and its answer
/// is kept for the retry, rather than stopping halfway with a session created, a refresh token
/// spent or a credential claimed, and nothing kept to say so. The task is tracked, so that a
/// shutdown waits for it too ([`crate::Endpoint::finish_in_flight`]).
pub(crate) async fn handle(State(exchange): State<Arc<Exchange>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let peer = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| *addr);
    let tasks = exchange.tasks.clone();
    let task = tasks.spawn(async move { exchange.serve(&parts.headers, peer, body).await });
    match task.await {
        Ok(response) => response,
        Err(error) => {
            tracing::error!(%error, "an exchange task failed");
            let body = serde_json::json!({ "error": "server_error" });
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                no_store(),
                axum::Json(body),
            )
                .into_response()
        }
    }
}

/// The answer as sent, the first time and every time the idempotency cache serves it again.
fn respond(answer: &StoredAnswer) -> Response {
    let status = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = (
        status,
        no_store(),
        [(CONTENT_TYPE, HeaderValue::from_static("application/json"))],
        answer.body.clone(),
    )
        .into_response();
    if let Some(seconds) = answer.retry_after {
        response.headers_mut().insert(RETRY_AFTER, seconds.into());
    }
    response
}

/// The `outcome` and `reason` of the metrics.
fn outcome_of(error: Option<&ExchangeError>) -> (&'static str, &'static str) {
    match error {
        None => ("migrated", "none"),
        Some(error) if error.answer().status.is_server_error() => ("failed", error.reason()),
        Some(error) => ("refused", error.reason()),
    }
}

fn now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or(Duration::ZERO)
        .as_secs_f64()
}

impl Trace {
    fn log(&self, error: Option<&ExchangeError>, status: u16, latency: Duration) {
        let latency_ms = u64::try_from(latency.as_millis()).unwrap_or(u64::MAX);
        let client_ip = self.client_ip.map(|ip| ip.to_string());
        let client_ip = client_ip.as_deref();
        let client_id = self.client_id.as_deref();
        let subject = self.subject.as_deref();
        let subject_token_type = self.subject_token_type;
        let Some(error) = error else {
            tracing::info!(
                outcome = "migrated",
                status,
                latency_ms,
                client_ip,
                client_id,
                subject_token_type,
                subject,
                user_created = self.user_created,
                "exchange"
            );
            return;
        };
        let answer = error.answer();
        let code = answer.body.error.as_str();
        let reason = error.reason();
        if answer.status.is_server_error() {
            tracing::warn!(
                outcome = "failed", status, error = code, reason, detail = %error,
                latency_ms, client_ip, client_id, subject_token_type, subject, "exchange"
            );
        } else {
            tracing::info!(
                outcome = "refused", status, error = code, reason, detail = %error,
                latency_ms, client_ip, client_id, subject_token_type, subject, "exchange"
            );
        }
    }

    fn log_replay(&self, answer: &StoredAnswer, latency: Duration) {
        let latency_ms = u64::try_from(latency.as_millis()).unwrap_or(u64::MAX);
        let client_ip = self.client_ip.map(|ip| ip.to_string());
        tracing::info!(
            outcome = "replayed",
            status = answer.status,
            latency_ms,
            client_ip = client_ip.as_deref(),
            client_id = self.client_id.as_deref(),
            subject_token_type = self.subject_token_type,
            "exchange"
        );
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

/// The body, up to [`MAX_BODY_BYTES`], within [`BODY_TIMEOUT`]: a client that trickles its
/// body cannot hold a connection and a task for long.
async fn read_body(body: Body) -> Result<axum::body::Bytes, ExchangeError> {
    let reading = Limited::new(body, MAX_BODY_BYTES).collect();
    match tokio::time::timeout(BODY_TIMEOUT, reading).await {
        Ok(Ok(collected)) => Ok(collected.to_bytes()),
        Ok(Err(error)) if error.is::<LengthLimitError>() => Err(ExchangeError::BodyTooLarge),
        Ok(Err(_)) | Err(_) => Err(ExchangeError::BodyUnreadable),
    }
}

const BODY_TIMEOUT: Duration = Duration::from_secs(10);
