//! The orchestrator: runs the loss-free order of steps, passing the core's decisions to the edge
//! and the edge's results back to the core.
//!
//! At every instant the device holds a usable session: the legacy one is only removed after the
//! Authgear one is saved, read back and recorded.

use js_sys::Function;

use crate::core::answer::{Answer, classify};
use crate::core::choice::{Choice, Expectations, choose};
use crate::core::event::Event;
use crate::core::options::{Cleanup, Credentials, Options};
use crate::core::outcome::{Credential, DeferReason, Outcome, RejectReason};
use crate::core::presets;
use crate::core::retry::{Backoff, RetryPolicy};
use crate::core::source::{Area, LegacySession};
use crate::core::state::{self, Start, StateRecord, fingerprint};
use crate::core::validate::{AuthgearSession, InvalidAnswer, issuer_configuration, validate};
use crate::web::clock::{now_ms, now_s, sleep};
use crate::web::http::{SendError, post_form};
use crate::web::report::{self, Reporter};
use crate::web::storage::{Store, Stores, WebArea};
use crate::web::{broadcast, legacy, lock, random};
use crate::wire::{ExchangeRequest, SubjectTokenType};

/// The app's callbacks, and the storage adapters the wrapper resolved.
#[derive(Default)]
pub struct Hooks {
    /// `legacy.read()`: returns `{accessToken?, refreshToken?, idToken?}` or a promise of it.
    pub read: Option<Function>,
    /// `legacy.clear()`: removes the legacy session the callback source read.
    pub clear: Option<Function>,
    /// `legacy.write(tokens)`: stores replacement tokens the endpoint handed back.
    pub write: Option<Function>,
    pub on_event: Option<Function>,
    pub stores: Stores,
}

/// Extra time a tab waits for the lock beyond the holder's own budget.
const LOCK_MARGIN_MS: u64 = 5_000;

/// Runs one migration and reports its outcome.
pub async fn migrate(options: &Options, hooks: &Hooks) -> Outcome {
    let report = Reporter::new(hooks.on_event.clone());
    let migration = Migration {
        options,
        hooks,
        report: &report,
    };
    let outcome = match migration.steps().await {
        Ok(outcome) | Err(outcome) => outcome,
    };
    report.emit(&Event::Outcome {
        status: outcome.status(),
        reason: outcome.reason(),
    });
    outcome
}

struct Migration<'a> {
    options: &'a Options,
    hooks: &'a Hooks,
    report: &'a Reporter,
}

/// A step that ends the call early with this outcome.
type Step<T> = Result<T, Outcome>;

fn deferred_now(reason: DeferReason) -> Outcome {
    Outcome::Deferred {
        reason,
        retry_at: now_ms(),
    }
}

impl Migration<'_> {
    async fn steps(&self) -> Step<Outcome> {
        let keys = &self.options.keys;
        let storage_failed = |_| deferred_now(DeferReason::Storage);
        // The state record lives in the page's own storage, whatever the SDK uses.
        let state = WebArea::open(Area::LocalStorage).map_err(storage_failed)?;
        let authgear = self.hooks.stores.authgear().map_err(storage_failed)?;

        // A dry run changes nothing, so it needs no lock and stops before the first write.
        let dry_run = self.options.dry_run;
        let lock = if dry_run {
            None
        } else {
            let budget = u64::from(self.options.exchange.budget_ms);
            let waited_from = report::now();
            let lock = lock::acquire(&keys.lock, budget + LOCK_MARGIN_MS, budget + LOCK_MARGIN_MS)
                .await
                .map_err(|_| deferred_now(DeferReason::Locked))?;
            self.report.emit(&Event::Lock {
                mechanism: lock.mechanism,
                waited_ms: (report::now() - waited_from) as u64,
            });
            Some(lock)
        };

        // Look again under the lock: another tab may have finished meanwhile.
        let record = state
            .get(&keys.state)
            .map_err(storage_failed)?
            .and_then(|stored| StateRecord::parse(&stored));
        let has_session = authgear
            .get(&keys.refresh_token)
            .await
            .map_err(storage_failed)?
            .is_some();
        match state::start(record.as_ref(), has_session, now_ms()) {
            Start::AlreadyMigrated { finish_cleanup } => {
                if finish_cleanup && !dry_run {
                    let cleaned = match self.read_legacy().await? {
                        Some(session) => self.clean_up(&session).await,
                        None => true,
                    };
                    if cleaned {
                        self.write_state(&state, &StateRecord::done(now_ms()));
                    }
                }
                return Ok(Outcome::AlreadyMigrated {
                    storage: authgear.name().to_owned(),
                });
            }
            Start::Deferred { retry_at } => {
                return Ok(Outcome::Deferred {
                    reason: DeferReason::Backoff,
                    retry_at,
                });
            }
            Start::Proceed => {}
        }

        let Some(session) = self.read_legacy().await? else {
            // Where it looked, so the wrapper can answer the same without the engine next time.
            if let Some(probe) = presets::probe(&self.options.legacy.source)
                && !dry_run
            {
                let source = keys.source.clone();
                self.write_state(&state, &StateRecord::none(probe, source, now_ms()));
            }
            return Ok(Outcome::NoLegacySession);
        };
        let (credential, subject_token) = self.choose_credential(&session)?;
        // Cookie mode has no token to tell sessions apart: one constant per source.
        let print = fingerprint(subject_token.unwrap_or("cookie"));
        let configuration = issuer_configuration(&self.options.authgear);
        if let Some(reason) =
            state::earlier_rejection(record.as_ref(), &print, &configuration, now_ms())
        {
            return Ok(Outcome::Rejected {
                reason,
                description: None,
            });
        }
        if dry_run {
            return Ok(Outcome::DryRun { credential });
        }
        let mut attempt =
            state::begin_attempt(record.as_ref(), credential, print, random::key, now_ms());
        let request = ExchangeRequest {
            client_id: self.options.authgear.client_id.clone(),
            // Cookie mode: no subject token; the endpoint reads the HttpOnly cookie itself.
            subject_token: subject_token.map(str::to_owned),
            subject_token_type: match credential {
                Credential::Token(kind) => kind.subject_token_type(),
                Credential::Cookie => SubjectTokenType::Cookie,
            },
            idempotency_key: attempt
                .attempt
                .as_ref()
                .map(|attempt| attempt.key.clone())
                .unwrap_or_default(),
            device_info: self.options.exchange.device_info.clone(),
        };

        let tokens = self.exchange(&state, &mut attempt, &request).await?;
        self.save(&authgear, &state, &tokens, attempt).await?;
        self.write_state(&state, &StateRecord::saved(now_ms()));
        // Until the legacy session is gone, `saved` makes the next load finish the cleanup.
        let done = StateRecord::done(now_ms());
        if self.clean_up(&session).await {
            self.write_state(&state, &done);
        }
        drop(lock);
        // `at` lets a tab that hears both this and the record's `storage` event act once.
        let message = format!(r#"{{"type":"migrated","at":{}}}"#, done.updated_at);
        broadcast::announce(&keys.lock, &message);
        Ok(Outcome::Migrated {
            credential,
            storage: authgear.name().to_owned(),
        })
    }

    /// Reads the legacy session. `Ok(None)` when there is none, or nothing readable.
    async fn read_legacy(&self) -> Step<Option<LegacySession>> {
        let reading = legacy::read(
            &self.options.legacy.source,
            &self.hooks.stores,
            self.hooks.read.as_ref(),
        )
        .await
        .map_err(|_| deferred_now(DeferReason::LegacyReadFailed))?;
        self.report.emit(&Event::Read {
            source: reading.source,
            found: reading.session.is_some(),
            kinds: reading
                .session
                .iter()
                .flat_map(|session| session.tokens.iter().map(|token| token.kind.as_str()))
                .collect(),
            unreadable: reading.unreadable,
        });
        Ok(reading.session)
    }

    /// The local pre-check: the token worth sending, or a rejection without a request.
    /// `None` as the token: cookie mode.
    fn choose_credential<'s>(
        &self,
        session: &'s LegacySession,
    ) -> Step<(Credential, Option<&'s str>)> {
        if session.is_cookie() {
            self.report.emit(&Event::PreCheck {
                credential: Some(Credential::Cookie.as_str()),
                format: None,
                refused: None,
            });
            return Ok((Credential::Cookie, None));
        }
        let expect = Expectations {
            issuer: self.options.legacy.issuer.as_deref(),
            audience: self.options.legacy.audience.as_deref(),
            leeway: i64::from(self.options.clock_tolerance_seconds),
            now: now_s(),
            // The ID token where the preset's backend verifies that (Firebase, Cognito).
            bearer: presets::bearer(&self.options.legacy.source),
        };
        match choose(session, &expect) {
            Choice::Send(token) => {
                self.report.emit(&Event::PreCheck {
                    credential: Some(token.kind.as_str()),
                    format: Some(token.facts.format.as_str()),
                    refused: None,
                });
                Ok((Credential::Token(token.kind), Some(&token.value)))
            }
            Choice::Refuse(refusal) => {
                self.report.emit(&Event::PreCheck {
                    credential: None,
                    format: None,
                    refused: Some(refusal.as_str()),
                });
                Err(Outcome::Rejected {
                    reason: refusal.into(),
                    description: None,
                })
            }
        }
    }

    /// Sends the request, retrying within the budget, until tokens that validate come back.
    async fn exchange(
        &self,
        state: &WebArea,
        record: &mut StateRecord,
        request: &ExchangeRequest,
    ) -> Step<AuthgearSession> {
        let exchange = &self.options.exchange;
        let policy = RetryPolicy::default();
        let deadline = now_ms() + i64::from(exchange.budget_ms);
        let body = request.to_form();
        // Cookie mode exists to send the legacy session cookie: to a cross-origin endpoint too.
        let credentials = match request.subject_token {
            None => Credentials::Include,
            Some(_) => exchange.credentials,
        };
        let mut sends = 0;
        loop {
            sends += 1;
            record.count_send(now_ms());
            // Recorded before it leaves: a crash mid-request retries with the same key.
            if state
                .set(&self.options.keys.state, &record.to_json())
                .is_err()
            {
                return Err(deferred_now(DeferReason::Storage));
            }
            let total_sends = record
                .attempt
                .as_ref()
                .map_or(sends, |attempt| attempt.sends);
            self.report.emit(&Event::Attempt {
                send: sends,
                key_reused: total_sends > 1,
            });
            let remaining = u64::try_from(deadline - now_ms()).unwrap_or(0);
            let timeout = u64::from(exchange.timeout_ms).min(remaining).max(1);
            let sent_at = report::now();
            let (answer, http_status) =
                match post_form(&exchange.url, body.clone(), credentials, timeout).await {
                    Ok(http) => (
                        classify(
                            http.status,
                            http.retry_after.as_deref(),
                            &http.body,
                            now_ms(),
                        ),
                        Some(http.status),
                    ),
                    Err(SendError::Timeout) => (Answer::unanswered(DeferReason::Timeout), None),
                    Err(SendError::Network) => (Answer::unanswered(DeferReason::Network), None),
                };
            let answer = match answer {
                Answer::Tokens(tokens) => {
                    let tolerance = i64::from(self.options.clock_tolerance_seconds);
                    match validate(tokens, &self.options.authgear, now_s(), tolerance) {
                        Ok(session) => {
                            self.report_answer(http_status, "tokens", None, sent_at);
                            return Ok(session);
                        }
                        Err(invalid) => {
                            if let Some(description) =
                                invalid.issuer_mismatch(&self.options.authgear)
                            {
                                let reason = Some(RejectReason::IssuerMismatch.as_str());
                                self.report_answer(http_status, "refused", reason, sent_at);
                                return Err(self.reject_configuration(
                                    state,
                                    record,
                                    &invalid,
                                    description,
                                ));
                            }
                            self.report.emit(&Event::Warning {
                                code: invalid.code(),
                            });
                            Answer::unanswered(DeferReason::InvalidResponse)
                        }
                    }
                }
                other => other,
            };
            self.restore_legacy(&answer).await;
            match answer {
                Answer::Tokens(_) => unreachable!("validated above"),
                Answer::Refused {
                    reason,
                    description,
                    ..
                } => {
                    self.report_answer(http_status, "refused", Some(reason.as_str()), sent_at);
                    self.write_state(state, &record.clone().reject(reason, now_ms()));
                    return Err(Outcome::Rejected {
                        reason,
                        description: description.map(|text| scrub(&text, request)),
                    });
                }
                Answer::Unavailable {
                    reason,
                    retry_after_ms,
                    ..
                } => {
                    self.report_answer(http_status, "unavailable", Some(reason.as_str()), sent_at);
                    let remaining = u64::try_from(deadline - now_ms()).unwrap_or(0);
                    let delay =
                        policy.next_delay(reason, sends, retry_after_ms, remaining, random::unit());
                    if let Some(delay) = delay {
                        self.report.emit(&Event::Retry {
                            reason: reason.as_str(),
                            delay_ms: delay,
                        });
                        sleep(delay).await;
                        continue;
                    }
                    return Err(self.defer(state, record.clone(), reason, retry_after_ms));
                }
            }
        }
    }

    fn report_answer(
        &self,
        http_status: Option<u16>,
        result: &'static str,
        reason: Option<&'static str>,
        sent_at: f64,
    ) {
        self.report.emit(&Event::Answer {
            http_status,
            result,
            reason,
            duration_ms: (report::now() - sent_at) as u64,
        });
    }

    /// Ends the call rejected for the app's configuration (an issuer mismatch), recorded so
    /// that no start asks again until the configuration changes or a day has passed.
    fn reject_configuration(
        &self,
        state: &WebArea,
        record: &StateRecord,
        invalid: &InvalidAnswer,
        description: String,
    ) -> Outcome {
        let reason = RejectReason::IssuerMismatch;
        let found = match invalid {
            InvalidAnswer::AccessTokenIssuer { found } => found.clone(),
            _ => None,
        };
        self.report.emit(&Event::IssuerMismatch {
            endpoint: self.options.authgear.endpoint.clone(),
            issuer: found,
        });
        let configuration = issuer_configuration(&self.options.authgear);
        let rejected = record
            .clone()
            .reject_configuration(reason, configuration, now_ms());
        self.write_state(state, &rejected);
        Outcome::Rejected {
            reason,
            description: Some(description),
        }
    }

    /// Ends the call deferred, recording when to ask again.
    fn defer(
        &self,
        state: &WebArea,
        record: StateRecord,
        reason: DeferReason,
        retry_after_ms: Option<u64>,
    ) -> Outcome {
        let deferred = record.defer(
            reason,
            retry_after_ms,
            &Backoff::default(),
            now_ms(),
            random::unit(),
        );
        self.write_state(state, &deferred);
        Outcome::Deferred {
            reason,
            retry_at: deferred.not_before.unwrap_or_else(now_ms),
        }
    }

    /// Saves the session where the SDK reads it, reads it back and compares. The refresh token
    /// is the session: its presence makes the SDK's `configure()` signed in. The ID token is a
    /// cache the SDK refills at its first refresh, and some stores (the React Native SDK's
    /// public token storage) cannot hold it, so it is saved when it can be.
    async fn save(
        &self,
        authgear: &Store,
        state: &WebArea,
        session: &AuthgearSession,
        attempt: StateRecord,
    ) -> Step<()> {
        let keys = &self.options.keys;
        let id_token_saved = match &session.id_token {
            Some(token) => write_and_read_back(authgear, &keys.id_token, token).await,
            None => false,
        };
        if session.id_token.is_some() && !id_token_saved {
            let _ = authgear.remove(&keys.id_token).await;
            self.report.emit(&Event::Warning {
                code: "id_token_not_saved",
            });
        }
        if !write_and_read_back(authgear, &keys.refresh_token, &session.refresh_token).await {
            // Leave no half-saved session behind; the legacy one is untouched.
            let _ = authgear.remove(&keys.refresh_token).await;
            if id_token_saved {
                let _ = authgear.remove(&keys.id_token).await;
            }
            return Err(self.defer(state, attempt, DeferReason::Storage, None));
        }
        self.report.emit(&Event::Saved {
            storage: authgear.name().to_owned(),
            id_token: id_token_saved,
            access_token_format: session.access_token_format.as_str(),
        });
        Ok(())
    }

    /// Removes the legacy session, unless the app keeps it. A failure is reported, not fatal:
    /// the Authgear session is saved, and the next load tries the cleanup again. Answers
    /// whether the cleanup is finished.
    async fn clean_up(&self, session: &LegacySession) -> bool {
        let (policy, removed, failed) = match self.options.cleanup {
            Cleanup::Keep => ("keep", 0, false),
            Cleanup::Remove => {
                let (removed, failed) =
                    legacy::remove(session, &self.hooks.stores, self.hooks.clear.as_ref()).await;
                ("remove", removed, failed)
            }
        };
        if failed {
            self.report.emit(&Event::Warning {
                code: "cleanup_failed",
            });
        }
        self.report.emit(&Event::Cleanup { policy, removed });
        !failed
    }

    /// Puts back replacement legacy tokens the endpoint returned with a failure.
    async fn restore_legacy(&self, answer: &Answer) {
        let Some(replacement) = answer.legacy_session() else {
            return;
        };
        let restored = legacy::restore(
            &self.options.legacy.source,
            &self.hooks.stores,
            self.hooks.write.as_ref(),
            replacement,
        )
        .await;
        match restored {
            Ok(kinds) => self.report.emit(&Event::LegacyRestored { kinds }),
            Err(()) => self.report.emit(&Event::Warning {
                code: "legacy_restore_failed",
            }),
        }
    }

    /// Writes the state record. A failure here loses no session: at worst the next load repeats
    /// a step, which the idempotency key makes harmless.
    fn write_state(&self, state: &WebArea, record: &StateRecord) {
        if state
            .set(&self.options.keys.state, &record.to_json())
            .is_err()
        {
            self.report.emit(&Event::Warning {
                code: "state_not_saved",
            });
        }
    }
}

/// Writes `value`, then reads it back: a store that accepted the write but kept something else
/// (or nothing) has not saved it.
async fn write_and_read_back(store: &Store, key: &str, value: &str) -> bool {
    store.set(key, value).await.is_ok()
        && store.get(key).await.ok().flatten().as_deref() == Some(value)
}

/// An endpoint's error text, without the credential should it echo it back.
fn scrub(text: &str, request: &ExchangeRequest) -> String {
    // Redacted before it is cut: a cut through the token would leave its start behind.
    let text = match request.subject_token.as_deref() {
        Some(token) if !token.is_empty() => text.replace(token, "[redacted]"),
        _ => text.to_owned(),
    };
    text.chars().take(300).collect()
}
