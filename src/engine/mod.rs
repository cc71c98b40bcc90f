//! The orchestrator: runs the loss-free order of steps, passing the core's decisions to the
//! device and the device's results back to the core.
//!
//! At every instant the device holds a usable session: the legacy one is only removed after the
//! Authgear one is saved, read back and recorded. The flow is written once, generic over the
//! traits of [`device`], and compiled on every target: `crate::web` runs it in the browser, and
//! `tests/crash_points.rs` runs it natively on a fake device, crashing it after each effect.

pub mod device;
pub mod legacy;

use crate::core::answer::{ExchangeAnswer, classify};
use crate::core::choice::{Choice, Expectations, choose};
use crate::core::event::{Event, Warning};
use crate::core::options::{Cleanup, Credentials, Options, SourceSpec};
use crate::core::outcome::{Credential, DeferReason, Outcome, RejectReason};
use crate::core::presets;
use crate::core::retry::{Backoff, RetryPolicy};
use crate::core::search;
use crate::core::source::{Area, LegacySession};
use crate::core::state::{self, Start, StateRecord, Status, fingerprint};
use crate::core::validate::{AuthgearSession, InvalidAnswer, issuer_configuration, validate};
use crate::prelude::*;
use crate::wire::{ExchangeRequest, SubjectTokenType};
use device::{Device, Lock, SendError, Store, StoreError};

/// Extra time a tab waits for the lock beyond the holder's own budget.
const LOCK_MARGIN_MS: u64 = 5_000;

/// Runs one migration and reports its outcome.
pub async fn migrate<D: Device>(options: &Options, device: &D) -> Outcome {
    let migration = Migration { options, device };
    let outcome = match migration.steps().await {
        Ok(outcome) | Err(outcome) => outcome,
    };
    device.emit(&Event::Outcome {
        status: outcome.status(),
        reason: outcome.reason(),
    });
    outcome
}

struct Migration<'a, D> {
    options: &'a Options,
    device: &'a D,
}

/// A step that ends the call early with this outcome.
type Step<T> = Result<T, Outcome>;

impl<D: Device> Migration<'_, D> {
    fn deferred_now(&self, reason: DeferReason) -> Outcome {
        Outcome::Deferred {
            reason,
            retry_at: self.device.now_ms(),
        }
    }

    /// Whole milliseconds since `from` on the monotonic clock.
    fn since(&self, from: f64) -> u64 {
        (self.device.monotonic_ms() - from).max(0.0) as u64
    }

    async fn steps(&self) -> Step<Outcome> {
        let keys = &self.options.keys;
        let storage_failed = |_| self.deferred_now(DeferReason::Storage);
        let state = self.device.state().map_err(storage_failed)?;
        let authgear = self.device.authgear().map_err(storage_failed)?;

        // A dry run changes nothing, so it needs no lock and stops before the first write.
        let dry_run = self.options.dry_run;
        let lock = if dry_run {
            None
        } else {
            let waited_from = self.device.monotonic_ms();
            let (lock, mechanism) = self
                .device
                .acquire(&keys.lock, self.lease_ms(), self.lease_ms())
                .await
                .map_err(|_| self.deferred_now(DeferReason::Locked))?;
            self.device.emit(&Event::Lock {
                mechanism,
                waited_ms: self.since(waited_from),
            });
            Some(lock)
        };

        // Look again under the lock: another tab may have finished meanwhile.
        let record = state
            .get(&keys.state)
            .await
            .map_err(storage_failed)?
            .and_then(|stored| StateRecord::parse(&stored));
        let has_session = self.has_session(&authgear).await.map_err(storage_failed)?;
        match state::start(record.as_ref(), has_session, self.device.now_ms()) {
            Start::AlreadyMigrated { finish_cleanup } => {
                if finish_cleanup && !dry_run {
                    let now = self.device.now_ms();
                    let saved = record.as_ref().is_some_and(|r| r.status == Status::Saved);
                    match self.read_legacy().await {
                        // A session beside an attempt (the page closed before recording it, or
                        // another tab's view lagged): how long it has been on disk is unknown,
                        // so its wait starts now.
                        Ok(Some(session)) if !saved && self.cleanup_waits(&authgear, &session) => {
                            self.write_state(&state, &StateRecord::saved(now, true))
                                .await;
                        }
                        Ok(Some(session)) => {
                            if self.clean_up(&session).await {
                                self.write_state(&state, &StateRecord::done(now)).await;
                            }
                        }
                        Ok(None) => {
                            self.write_state(&state, &StateRecord::done(now)).await;
                        }
                        // Unreadable now: a later start cleans up. This one is migrated all
                        // the same.
                        Err(_) => {}
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
            if !dry_run {
                self.write_state(&state, &StateRecord::none(self.device.now_ms()))
                    .await;
            }
            return Ok(Outcome::NoLegacySession);
        };
        let (credential, subject_token) = self.choose_credential(&session)?;
        // Cookie mode has no token to tell sessions apart: one constant per source.
        let print = fingerprint(subject_token.unwrap_or("cookie"));
        if let Some(reason) = state::earlier_rejection(
            record.as_ref(),
            &print,
            |reason| self.configuration(reason, credential),
            self.device.now_ms(),
        ) {
            return Ok(Outcome::Rejected {
                reason,
                description: None,
            });
        }
        if dry_run {
            return Ok(Outcome::DryRun { credential });
        }
        let mut attempt = state::begin_attempt(
            record.as_ref(),
            credential,
            print,
            || self.device.key(),
            self.device.now_ms(),
        );
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

        self.still_locked(lock.as_ref())?;
        let tokens = self
            .exchange(&state, &authgear, &mut attempt, credential, &request)
            .await?;
        self.still_locked(lock.as_ref())?;
        self.save(&authgear, &state, &tokens, attempt).await?;
        let now = self.device.now_ms();
        let later = self.cleanup_waits(&authgear, &session);
        let saved = StateRecord::saved(now, later);
        let mut recorded = self.write_state(&state, &saved).await;
        // Until the legacy session is gone, `saved` makes a later load finish the cleanup.
        if !later && self.clean_up(&session).await {
            let done = StateRecord::done(self.device.now_ms());
            recorded |= self.write_state(&state, &done).await;
        }
        drop(lock);
        // The first of the `saved` and `done` records fires a `storage` event in the app's other
        // tabs, which `onMigrated` hears; only without either is a message posted (a channel
        // costs a page about 0.5 ms).
        if !recorded {
            self.device.announce(
                &keys.lock,
                &crate::core::keys::migrated_message(saved.updated_at),
            );
        }
        Ok(Outcome::Migrated {
            credential,
            storage: authgear.name().to_owned(),
        })
    }

    /// Reads the legacy session. `Ok(None)` when there is none, or nothing readable.
    async fn read_legacy(&self) -> Step<Option<LegacySession>> {
        let reading = legacy::read(&self.options.legacy.source, self.device)
            .await
            .map_err(|failed| {
                self.deferred_now(match failed {
                    legacy::ReadFailed::Callback => DeferReason::LegacyReadFailed,
                    legacy::ReadFailed::Store(_) => DeferReason::Storage,
                })
            })?;
        let mut kinds = Vec::new();
        if let Some(session) = &reading.session {
            for token in &session.tokens {
                kinds.push(token.kind.as_str());
            }
        }
        self.device.emit(&Event::Read {
            source: reading.source,
            found: reading.session.is_some(),
            kinds,
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
            self.device.emit(&Event::PreCheck {
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
            now: self.device.now_s(),
            // The ID token where the preset's backend verifies that (Firebase, Cognito).
            bearer: presets::bearer(&self.options.legacy.source),
        };
        match choose(session, &expect) {
            Choice::Send(token) => {
                self.device.emit(&Event::PreCheck {
                    credential: Some(token.kind.as_str()),
                    format: Some(token.facts.format.as_str()),
                    refused: None,
                });
                Ok((Credential::Token(token.kind), Some(&token.value)))
            }
            Choice::Refuse(refusal) => {
                self.device.emit(&Event::PreCheck {
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
        state: &impl Store,
        authgear: &impl Store,
        record: &mut StateRecord,
        credential: Credential,
        request: &ExchangeRequest,
    ) -> Step<AuthgearSession> {
        let exchange = &self.options.exchange;
        let policy = RetryPolicy::default();
        let deadline = self.device.now_ms() + i64::from(exchange.budget_ms);
        let body = request.to_form();
        // Cookie mode exists to send the legacy session cookie: to a cross-origin endpoint too.
        let credentials = match request.subject_token {
            None => Credentials::Include,
            Some(_) => exchange.credentials,
        };
        let mut sends = 0;
        loop {
            sends += 1;
            record.count_send(self.device.now_ms());
            // Recorded before it leaves: a crash mid-request retries with the same key.
            if state
                .set(&self.options.keys.state, &record.to_json())
                .await
                .is_err()
            {
                return Err(self.deferred_now(DeferReason::Storage));
            }
            let total_sends = record
                .attempt
                .as_ref()
                .map_or(sends, |attempt| attempt.sends);
            self.device.emit(&Event::Attempt {
                send: sends,
                key_reused: total_sends > 1,
            });
            let remaining = u64::try_from(deadline - self.device.now_ms()).unwrap_or(0);
            let timeout = u64::from(exchange.timeout_ms).min(remaining).max(1);
            let sent_at = self.device.monotonic_ms();
            let (answer, http_status) = match self
                .device
                .post_form(&exchange.url, body.clone(), credentials, timeout)
                .await
            {
                Ok(http) => (
                    classify(
                        http.status,
                        http.retry_after.as_deref(),
                        &http.body,
                        self.device.now_ms(),
                    ),
                    Some(http.status),
                ),
                Err(SendError::Timeout) => (ExchangeAnswer::unanswered(DeferReason::Timeout), None),
                Err(SendError::Network) => (ExchangeAnswer::unanswered(DeferReason::Network), None),
            };
            let answer = match answer {
                ExchangeAnswer::Tokens(tokens) => {
                    let tolerance = i64::from(self.options.clock_tolerance_seconds);
                    match validate(
                        tokens,
                        &self.options.authgear,
                        self.device.now_s(),
                        tolerance,
                    ) {
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
                                return Err(self
                                    .reject_issuer_mismatch(
                                        state,
                                        record,
                                        credential,
                                        &invalid,
                                        description,
                                    )
                                    .await);
                            }
                            self.device.emit(&Event::Warning {
                                code: Warning::InvalidAnswer(invalid),
                            });
                            ExchangeAnswer::unanswered(DeferReason::InvalidResponse)
                        }
                    }
                }
                other => other,
            };
            let rotated = self.restore_legacy(&answer).await;
            // The endpoint spent the credential sent and handed back its successor, now in
            // place: resending the spent one is pointless, and the successor is a new exchange
            // under a new key, for the next load.
            let spent =
                matches!(credential, Credential::Token(kind) if rotated.contains(&kind.as_str()));
            match answer {
                ExchangeAnswer::Tokens(_) => unreachable!("validated above"),
                ExchangeAnswer::Refused {
                    reason,
                    description,
                    ..
                } => {
                    self.report_answer(http_status, "refused", Some(reason.as_str()), sent_at);
                    // Spent by another tab, whose saved session this tab's view of web storage
                    // had not caught up with under the lock (it is only eventually consistent
                    // between a browser's processes): that session is the answer. The pending
                    // record stays, so the next start finishes any cleanup.
                    if reason == RejectReason::Replayed
                        && self.has_session(authgear).await == Ok(true)
                    {
                        return Err(Outcome::AlreadyMigrated {
                            storage: authgear.name().to_owned(),
                        });
                    }
                    self.write_state(state, &self.rejected(record, reason, credential))
                        .await;
                    return Err(Outcome::Rejected {
                        reason,
                        description: description.map(|text| scrub(&text, request)),
                    });
                }
                ExchangeAnswer::Unavailable {
                    reason,
                    retry_after_ms,
                    ..
                } => {
                    self.report_answer(http_status, "unavailable", Some(reason.as_str()), sent_at);
                    let remaining = u64::try_from(deadline - self.device.now_ms()).unwrap_or(0);
                    let delay = policy.next_delay(
                        reason,
                        sends,
                        retry_after_ms,
                        remaining,
                        self.device.unit(),
                    );
                    if let Some(delay) = delay.filter(|_| !spent) {
                        self.device.emit(&Event::Retry {
                            reason: reason.as_str(),
                            delay_ms: delay,
                        });
                        self.device.sleep(delay).await;
                        continue;
                    }
                    return Err(self
                        .defer(state, record.clone(), reason, retry_after_ms)
                        .await);
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
        self.device.emit(&Event::Answer {
            http_status,
            result,
            reason,
            duration_ms: self.since(sent_at),
        });
    }

    /// What a refusal leaves recorded: against this credential, or, for a configuration error,
    /// against any credential while the configuration stays the same, for a day.
    fn rejected(
        &self,
        record: &StateRecord,
        reason: RejectReason,
        credential: Credential,
    ) -> StateRecord {
        let now = self.device.now_ms();
        if reason.is_configuration() {
            let configuration = self.configuration(reason, credential);
            record
                .clone()
                .reject_configuration(reason, configuration, now)
        } else {
            record.clone().reject(reason, now)
        }
    }

    /// What a configuration refusal was judged under, so that a deploy that changes it asks
    /// again at once: the issuers for an issuer mismatch; the endpoint's client and URL too for
    /// the endpoint's refusals, and the credential kind for a token type it does not take (the
    /// device's next credential may be of another kind).
    fn configuration(&self, reason: RejectReason, credential: Credential) -> String {
        let issuers = issuer_configuration(&self.options.authgear);
        if reason == RejectReason::IssuerMismatch {
            return issuers;
        }
        let kind = match reason {
            RejectReason::UnsupportedTokenType => credential.as_str(),
            _ => "",
        };
        let (client, url) = (&self.options.authgear.client_id, &self.options.exchange.url);
        fingerprint(&concat(&[&issuers, " ", client, " ", url, " ", kind]))
    }

    /// Ends the call rejected for an issuer mismatch, which no start asks again until the
    /// configuration changes or a day has passed.
    async fn reject_issuer_mismatch(
        &self,
        state: &impl Store,
        record: &StateRecord,
        credential: Credential,
        invalid: &InvalidAnswer,
        description: String,
    ) -> Outcome {
        let reason = RejectReason::IssuerMismatch;
        let found = match invalid {
            InvalidAnswer::AccessTokenIssuer { found } => found.clone(),
            _ => None,
        };
        self.device.emit(&Event::IssuerMismatch {
            endpoint: self.options.authgear.endpoint.clone(),
            issuer: found,
        });
        self.write_state(state, &self.rejected(record, reason, credential))
            .await;
        Outcome::Rejected {
            reason,
            description: Some(description),
        }
    }

    /// Ends the call deferred, recording when to ask again.
    async fn defer(
        &self,
        state: &impl Store,
        record: StateRecord,
        reason: DeferReason,
        retry_after_ms: Option<u64>,
    ) -> Outcome {
        let deferred = record.defer(
            reason,
            retry_after_ms,
            &Backoff::default(),
            self.device.now_ms(),
            self.device.unit(),
        );
        self.write_state(state, &deferred).await;
        Outcome::Deferred {
            reason,
            retry_at: deferred.not_before.unwrap_or_else(|| self.device.now_ms()),
        }
    }

    /// Saves the session where the SDK reads it, reads it back and compares. The refresh token
    /// is the session: its presence makes the SDK's `configure()` signed in. The ID token is a
    /// cache the SDK refills at its first refresh, and some stores (the React Native SDK's
    /// public token storage) cannot hold it, so it is saved when it can be.
    async fn save(
        &self,
        authgear: &impl Store,
        state: &impl Store,
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
            self.device.emit(&Event::Warning {
                code: Warning::IdTokenNotSaved,
            });
        }
        if !write_and_read_back(authgear, &keys.refresh_token, &session.refresh_token).await {
            // Leave no half-saved session behind; the legacy one is untouched.
            let _ = authgear.remove(&keys.refresh_token).await;
            if id_token_saved {
                let _ = authgear.remove(&keys.id_token).await;
            }
            return Err(self.defer(state, attempt, DeferReason::Storage, None).await);
        }
        self.device.emit(&Event::Saved {
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
                let (removed, failed) = legacy::remove(session, self.device).await;
                ("remove", removed, failed)
            }
        };
        if failed {
            self.device.emit(&Event::Warning {
                code: Warning::CleanupFailed,
            });
        }
        self.device.emit(&Event::Cleanup { policy, removed });
        !failed
    }

    /// Puts back replacement legacy tokens the endpoint returned with a failure.
    /// Answers the kinds written back.
    async fn restore_legacy(&self, answer: &ExchangeAnswer) -> Vec<&'static str> {
        let Some(replacement) = answer.legacy_session() else {
            return Vec::new();
        };
        let restored = legacy::restore(&self.options.legacy.source, self.device, replacement).await;
        match restored {
            Ok(kinds) => {
                self.device.emit(&Event::LegacyRestored {
                    kinds: kinds.clone(),
                });
                kinds
            }
            Err(_) => {
                self.device.emit(&Event::Warning {
                    code: Warning::LegacyRestoreFailed,
                });
                Vec::new()
            }
        }
    }

    /// How long a tab waits for the lock, and a lease lasts: the exchange's budget and a margin.
    fn lease_ms(&self) -> u64 {
        u64::from(self.options.exchange.budget_ms) + LOCK_MARGIN_MS
    }

    /// Before a step only the lock's holder may take (the exchange, the save): the lock is
    /// still this call's, its lease extended to cover the step; else the call stops, deferred,
    /// and the tab that took the lock carries on.
    fn still_locked(&self, lock: Option<&<D as Lock>::Guard>) -> Step<()> {
        match lock {
            Some(guard) if !self.device.keep(guard, self.lease_ms()) => {
                Err(self.deferred_now(DeferReason::Locked))
            }
            _ => Ok(()),
        }
    }

    /// Whether the legacy cleanup must wait for the saved session to reach the disk
    /// (`state::CLEANUP_DELAY_MS`): the session went to web storage, and the legacy session is
    /// removed from anywhere else.
    fn cleanup_waits(&self, authgear: &impl Store, session: &LegacySession) -> bool {
        let local = Area::LocalStorage;
        self.options.cleanup == Cleanup::Remove
            && authgear.name() == local.as_str()
            && (matches!(self.options.legacy.source, SourceSpec::Callback { .. })
                || session.entries.iter().any(|entry| entry.area != local))
    }

    /// Whether the Authgear store holds a session: its refresh token is the session.
    async fn has_session(&self, authgear: &impl Store) -> Result<bool, StoreError> {
        Ok(authgear
            .get(&self.options.keys.refresh_token)
            .await?
            .is_some())
    }

    /// Writes the state record; `false`, with a warning, when it could not be. A failure here
    /// loses no session: at worst the next load repeats a step, which the idempotency key makes
    /// harmless.
    async fn write_state(&self, state: &impl Store, record: &StateRecord) -> bool {
        let written = state
            .set(&self.options.keys.state, &record.to_json())
            .await
            .is_ok();
        if !written {
            self.device.emit(&Event::Warning {
                code: Warning::StateNotSaved,
            });
        }
        written
    }
}

/// Writes `value`, then reads it back: a store that accepted the write but kept something else
/// (or nothing) has not saved it.
async fn write_and_read_back(store: &impl Store, key: &str, value: &str) -> bool {
    store.set(key, value).await.is_ok()
        && store.get(key).await.ok().flatten().as_deref() == Some(value)
}

/// An endpoint's error text, without the credential should it echo it back.
fn scrub(text: &str, request: &ExchangeRequest) -> String {
    // Redacted before it is cut: a cut through the token would leave its start behind.
    let mut text = match request.subject_token.as_deref() {
        Some(token) if !token.is_empty() => search::replace(text, token, "[redacted]"),
        _ => text.to_owned(),
    };
    // 300 characters.
    if let Some((cut, _)) = text.char_indices().nth(300) {
        text.truncate(cut);
    }
    text
}
