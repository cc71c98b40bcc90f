//! The migration's own record on the device: what was attempted, what finished, when to retry.
//!
//! Written before every step that cannot be undone, so that a page closed at any instant leaves
//! enough behind for the next load to finish the job: a retry sends the same idempotency key,
//! a saved session gets its legacy cleanup, a failing endpoint is not asked again too soon.
//!
//! The wrapper's fast path (`pkg/src/gate.js`) reads `v`, `status` and `notBefore` of this
//! record without loading the engine; they keep their meaning across versions.

use crate::core::json::{Json, Named};
use crate::core::outcome::{Credential, DeferReason, RejectReason};
use crate::core::retry::Backoff;
use crate::core::source::Area;
use crate::prelude::*;

pub const VERSION: u8 = 1;

/// Stored as JSON: `{"v", "status", "attempt"?, "failures", "notBefore"?, "reason"?,
/// "configuration"?, "updatedAt"}`, in that order, an absent field left out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StateRecord {
    pub v: u8,
    pub status: Status,
    pub attempt: Option<Attempt>,
    /// Consecutive calls that ended `deferred`.
    pub failures: u32,
    /// Unix ms before which the device does not ask again.
    pub not_before: Option<i64>,
    /// The last reject or defer reason code.
    pub reason: Option<String>,
    /// With a rejection for the deployment (`RejectReason::is_configuration`): the
    /// configuration it was judged under (a fingerprint of the options it depends on, made by
    /// the engine). It holds, for any credential, until that configuration changes or
    /// `not_before` passes.
    pub configuration: Option<String>,
    pub updated_at: i64,
}

/// How long the legacy session outlives a saved Authgear session held in another medium.
/// Browsers commit web storage to disk in batches (Chromium 5 s after a write at the least, and
/// up to a minute or more for an origin that writes often), while an IndexedDB delete, a native
/// store or the app's own `clear` may be on disk at once: a crash in between would leave
/// neither session. Written in the same area, the two commit together.
pub const CLEANUP_DELAY_MS: i64 = 10 * 60 * 1000;

/// How long a configuration rejection holds when the app's configuration stays the same: a fix
/// on the endpoint's side (it now calls Authgear at the app's origin, serves the client, takes
/// the request) is seen within a day, while a device does not ask in vain on every start
/// meanwhile.
pub const CONFIGURATION_RECHECK_MS: i64 = 24 * 60 * 60 * 1000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// An attempt is recorded; its answer may not have arrived.
    Pending,
    /// The last call failed transiently; see `not_before`.
    Deferred,
    /// The endpoint refused the credential in `attempt`.
    Rejected,
    /// The Authgear session is saved and verified; legacy cleanup has not finished.
    Saved,
    /// Finished: this device never migrates again, even after an Authgear sign-out.
    Done,
    /// No legacy session at the last look.
    None,
}

impl Named for Status {
    const ALL: &'static [Self] = &[
        Self::Pending,
        Self::Deferred,
        Self::Rejected,
        Self::Saved,
        Self::Done,
        Self::None,
    ];

    fn name(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Deferred => "deferred",
            Self::Rejected => "rejected",
            Self::Saved => "saved",
            Self::Done => "done",
            Self::None => "none",
        }
    }
}

/// One place a source reads first, for the wrapper's fast path (generated into
/// `pkg/src/facts.js`): while every place of the probe is empty, the answer is "no legacy
/// session", and the engine need not load.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Probe {
    pub area: Area,
    pub key: Option<String>,
    pub prefix: Option<String>,
    /// Any key containing this (MSAL's caches before 2.35, keyed by account first).
    pub contains: Option<String>,
}

/// One exchange attempt. A retry of the same credential reuses the key.
/// Stored as `{"key", "startedAt", "credential", "fingerprint", "sends"}`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attempt {
    pub key: String,
    pub started_at: i64,
    pub credential: String,
    /// Identifies the credential without keeping it (FNV-1a 64, hex); the credential itself
    /// sits beside this record in the same storage.
    pub fingerprint: String,
    /// Sends made under this key, in every page load.
    pub sends: u32,
}

/// A count that reads as 0 when absent; `None` when it is there and not a `u32`.
fn count(record: &Json, key: &str) -> Option<u32> {
    match record.get(key) {
        None => Some(0),
        Some(value) => value.as_integer::<u32>(),
    }
}

/// An optional field: `Some(None)` when absent or `null`, `None` when it does not read.
fn optional<T>(
    record: &Json,
    key: &str,
    read: impl FnOnce(&Json) -> Option<T>,
) -> Option<Option<T>> {
    match record.field(key) {
        None => Some(None),
        Some(value) => read(value).map(Some),
    }
}

/// What to do before touching the legacy session, given the record and whether an Authgear
/// session is already saved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Start {
    AlreadyMigrated {
        /// A previous load saved the session and did not get to clean up.
        finish_cleanup: bool,
    },
    Deferred {
        retry_at: i64,
    },
    Proceed,
}

/// Fingerprint of a credential.
pub fn fingerprint(credential: &str) -> String {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let hash = credential.bytes().fold(OFFSET, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(PRIME)
    });
    hex(&hash.to_be_bytes())
}

/// Lowercase hex of `bytes`, two digits each: as `{:02x}` per byte writes, without the
/// formatting machinery.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut text = String::with_capacity(2 * bytes.len());
    for byte in bytes {
        text.push(char::from(DIGITS[usize::from(byte >> 4)]));
        text.push(char::from(DIGITS[usize::from(byte & 0x0f)]));
    }
    text
}

impl StateRecord {
    /// Reads a stored record. Anything unreadable (another version, corruption) counts as none:
    /// the worst case is one more exchange, which the endpoint's idempotency cache absorbs.
    /// Fields are read as serde read them before (records written then still read): unknown
    /// fields ignored, `failures` and `sends` 0 when absent, every field present of its type.
    pub fn parse(stored: &str) -> Option<Self> {
        let record = Json::parse(stored).ok()?;
        let attempt = match record.field("attempt") {
            Some(attempt) => Some(Attempt {
                key: attempt.str("key")?.to_owned(),
                started_at: attempt.get("startedAt")?.as_integer()?,
                credential: attempt.str("credential")?.to_owned(),
                fingerprint: attempt.str("fingerprint")?.to_owned(),
                sends: count(attempt, "sends")?,
            }),
            None => None,
        };
        let parsed = Self {
            v: record.get("v")?.as_integer::<u8>()?,
            status: Status::from_name(record.str("status")?)?,
            attempt,
            failures: count(&record, "failures")?,
            not_before: optional(&record, "notBefore", Json::as_integer::<i64>)?,
            reason: optional(&record, "reason", |reason| {
                reason.as_str().map(str::to_owned)
            })?,
            configuration: optional(&record, "configuration", |text| {
                text.as_str().map(str::to_owned)
            })?,
            updated_at: record.get("updatedAt")?.as_integer()?,
        };
        (parsed.v == VERSION).then_some(parsed)
    }

    /// The stored text.
    pub fn to_json(&self) -> String {
        let attempt = self.attempt.as_ref().map(|attempt| {
            Json::object(vec![
                ("key", Json::from(attempt.key.as_str())),
                ("startedAt", Json::from(attempt.started_at)),
                ("credential", Json::from(attempt.credential.as_str())),
                ("fingerprint", Json::from(attempt.fingerprint.as_str())),
                ("sends", Json::from(attempt.sends)),
            ])
        });
        Json::object(vec![
            ("v", Json::from(u32::from(self.v))),
            ("status", Json::from(self.status.name())),
        ])
        .with_some("attempt", attempt)
        .with("failures", self.failures)
        .with_some("notBefore", self.not_before)
        .with_some("reason", self.reason.as_deref())
        .with_some("configuration", self.configuration.as_deref())
        .with("updatedAt", self.updated_at)
        .to_text()
    }

    fn new(status: Status, now: i64) -> Self {
        Self {
            v: VERSION,
            status,
            attempt: None,
            failures: 0,
            not_before: None,
            reason: None,
            configuration: None,
            updated_at: now,
        }
    }
}

/// The first decision, under the lock. A device that saved an Authgear session never migrates
/// again, even after the user signs out of Authgear: signing them back in with a lingering
/// legacy session would undo their sign-out.
pub fn start(record: Option<&StateRecord>, has_authgear_session: bool, now: i64) -> Start {
    let status = record.map(|record| record.status);
    match status {
        // Saved, but the legacy cleanup has not finished, or is not due yet.
        Some(Status::Saved) => Start::AlreadyMigrated {
            finish_cleanup: record
                .and_then(|record| record.not_before)
                .is_none_or(|cleanup_at| cleanup_at <= now),
        },
        Some(Status::Done) => Start::AlreadyMigrated {
            finish_cleanup: false,
        },
        // An attempt in flight and a session saved: the page closed between saving and
        // recording it, so the cleanup is still to do.
        Some(Status::Pending | Status::Deferred) if has_authgear_session => {
            Start::AlreadyMigrated {
                finish_cleanup: true,
            }
        }
        _ if has_authgear_session => Start::AlreadyMigrated {
            finish_cleanup: false,
        },
        Some(Status::Deferred) => match record.and_then(|record| record.not_before) {
            Some(retry_at) if retry_at > now => Start::Deferred { retry_at },
            _ => Start::Proceed,
        },
        _ => Start::Proceed,
    }
}

/// A refusal recorded earlier that still holds: for this very credential, or, when the refusal
/// was for the app's configuration, for any credential while `configuration(reason)` (the
/// current one) is the one it was judged under and its day has not passed.
pub fn earlier_rejection(
    record: Option<&StateRecord>,
    fingerprint: &str,
    configuration: impl FnOnce(RejectReason) -> String,
    now: i64,
) -> Option<RejectReason> {
    let record = record.filter(|record| record.status == Status::Rejected)?;
    let reason = record
        .reason
        .as_deref()
        .and_then(RejectReason::from_name)
        .unwrap_or(RejectReason::Invalid);
    let holds = match &record.configuration {
        Some(judged) => {
            record.not_before.is_some_and(|until| until > now) && *judged == configuration(reason)
        }
        None => record
            .attempt
            .as_ref()
            .is_some_and(|attempt| attempt.fingerprint == fingerprint),
    };
    holds.then_some(reason)
}

/// Records the attempt before the first send. An unresolved attempt for the same credential keeps
/// its key: the endpoint may have answered it already, and will answer the retry the same way.
pub fn begin_attempt(
    record: Option<&StateRecord>,
    credential: Credential,
    fingerprint: String,
    new_key: impl FnOnce() -> String,
    now: i64,
) -> StateRecord {
    // After an issuer mismatch the credential was exchanged already: the same key lets the
    // endpoint answer from its idempotency record instead of "replayed". The endpoint's own
    // refusals exchanged nothing, and one of them may be about the key (reused with another
    // credential): those get a new one.
    let issuer_mismatch = RejectReason::IssuerMismatch.as_str();
    let earlier = record
        .filter(|record| {
            matches!(record.status, Status::Pending | Status::Deferred)
                || (record.status == Status::Rejected
                    && record.reason.as_deref() == Some(issuer_mismatch))
        })
        .and_then(|record| record.attempt.clone())
        .filter(|attempt| {
            attempt.fingerprint == fingerprint && attempt.credential == credential.as_str()
        });
    let attempt = earlier.unwrap_or_else(|| Attempt {
        key: new_key(),
        started_at: now,
        credential: credential.as_str().to_owned(),
        fingerprint,
        sends: 0,
    });
    StateRecord {
        attempt: Some(attempt),
        failures: record.map_or(0, |record| record.failures),
        ..StateRecord::new(Status::Pending, now)
    }
}

impl StateRecord {
    /// One more send under the current attempt; recorded before it leaves.
    pub fn count_send(&mut self, now: i64) {
        if let Some(attempt) = &mut self.attempt {
            attempt.sends += 1;
        }
        self.updated_at = now;
    }

    /// The call ends deferred; the attempt is kept for the next try.
    pub fn defer(
        mut self,
        reason: DeferReason,
        retry_after_ms: Option<u64>,
        backoff: &Backoff,
        now: i64,
        random: f64,
    ) -> Self {
        self.failures += 1;
        self.status = Status::Deferred;
        self.not_before = Some(backoff.not_before(self.failures, retry_after_ms, now, random));
        self.reason = Some(reason.as_str().to_owned());
        self.updated_at = now;
        self
    }

    /// The endpoint refused the attempt's credential.
    pub fn reject(mut self, reason: RejectReason, now: i64) -> Self {
        self.status = Status::Rejected;
        self.failures = 0;
        self.not_before = None;
        self.reason = Some(reason.as_str().to_owned());
        self.updated_at = now;
        self
    }

    /// The endpoint's answer does not fit the app's configuration (`configuration`): refused
    /// for every credential until the configuration changes, or for a day.
    pub fn reject_configuration(
        mut self,
        reason: RejectReason,
        configuration: String,
        now: i64,
    ) -> Self {
        self = self.reject(reason, now);
        self.not_before = Some(now + CONFIGURATION_RECHECK_MS);
        self.configuration = Some(configuration);
        self
    }

    /// The Authgear session is saved and verified; the legacy cleanup waits `CLEANUP_DELAY_MS`
    /// when it `waits`.
    pub fn saved(now: i64, waits: bool) -> Self {
        Self {
            not_before: waits.then_some(now + CLEANUP_DELAY_MS),
            ..Self::new(Status::Saved, now)
        }
    }

    /// Nothing left to do on this device.
    pub fn done(now: i64) -> Self {
        Self::new(Status::Done, now)
    }

    /// No legacy session at this look.
    pub fn none(now: i64) -> Self {
        Self::new(Status::None, now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::source::TokenKind;

    const ACCESS: Credential = Credential::Token(TokenKind::AccessToken);

    fn pending() -> StateRecord {
        begin_attempt(None, ACCESS, fingerprint("t1"), || "key-1".into(), 100)
    }

    #[test]
    fn fingerprints_are_stable_and_distinct() {
        assert_eq!(fingerprint(""), "cbf29ce484222325");
        assert_eq!(fingerprint("a"), "af63dc4c8601ec8c");
        assert_ne!(fingerprint("t1"), fingerprint("t2"));
    }

    #[test]
    fn hex_pads_every_byte() {
        assert_eq!(hex(&[0x00, 0x0f, 0xa5, 0xff]), "000fa5ff");
        assert_eq!(hex(&[]), "");
    }

    #[test]
    fn round_trips_and_ignores_unknown_versions() {
        let record = pending();
        assert_eq!(StateRecord::parse(&record.to_json()), Some(record));
        assert_eq!(
            StateRecord::parse(r#"{"v":2,"status":"done","updatedAt":1}"#),
            None
        );
        assert_eq!(StateRecord::parse("garbage"), None);
    }

    #[test]
    fn start_decisions() {
        assert_eq!(start(None, false, 0), Start::Proceed);
        assert_eq!(
            start(None, true, 0),
            Start::AlreadyMigrated {
                finish_cleanup: false
            }
        );
        let saved = StateRecord::saved(1, false);
        for has_session in [true, false] {
            assert_eq!(
                start(Some(&saved), has_session, 2),
                Start::AlreadyMigrated {
                    finish_cleanup: true
                }
            );
        }
        // Saved where the cleanup waits for the write to reach the disk: not before its time.
        let waiting = StateRecord::saved(1, true);
        for (now, finish_cleanup) in [(2, false), (1 + CLEANUP_DELAY_MS, true)] {
            assert_eq!(
                start(Some(&waiting), true, now),
                Start::AlreadyMigrated { finish_cleanup }
            );
        }
        let text = waiting.to_json();
        assert_eq!(StateRecord::parse(&text), Some(waiting), "{text}");
        let crashed_after_saving = pending();
        assert_eq!(
            start(Some(&crashed_after_saving), true, 2),
            Start::AlreadyMigrated {
                finish_cleanup: true
            }
        );
        // Signed out of Authgear after migrating: never migrate again.
        let done = StateRecord::done(1);
        assert_eq!(
            start(Some(&done), false, 2),
            Start::AlreadyMigrated {
                finish_cleanup: false
            }
        );
        let deferred = pending().defer(
            DeferReason::ServerError,
            Some(60_000),
            &Backoff::default(),
            1_000,
            0.0,
        );
        assert_eq!(
            start(Some(&deferred), false, 2_000),
            Start::Deferred { retry_at: 61_000 }
        );
        assert_eq!(start(Some(&deferred), false, 61_000), Start::Proceed);
    }

    #[test]
    fn retries_keep_the_idempotency_key_for_the_same_credential() {
        let first = pending();
        let deferred = first.defer(DeferReason::Timeout, None, &Backoff::default(), 200, 0.5);
        let again = begin_attempt(
            Some(&deferred),
            ACCESS,
            fingerprint("t1"),
            || "key-2".into(),
            300,
        );
        assert_eq!(again.attempt.as_ref().unwrap().key, "key-1");
        assert_eq!(again.failures, 1);
        // A different credential (the legacy SDK refreshed it meanwhile) gets a new key.
        let other = begin_attempt(
            Some(&deferred),
            ACCESS,
            fingerprint("t2"),
            || "key-2".into(),
            300,
        );
        assert_eq!(other.attempt.as_ref().unwrap().key, "key-2");
    }

    #[test]
    fn failures_grow_and_reset() {
        let backoff = Backoff::default();
        let once = pending().defer(DeferReason::Network, None, &backoff, 0, 0.0);
        let twice = begin_attempt(Some(&once), ACCESS, fingerprint("t1"), String::new, 1).defer(
            DeferReason::Network,
            None,
            &backoff,
            1,
            0.0,
        );
        assert_eq!(twice.failures, 2);
        assert_eq!(twice.not_before, Some(30_001));
        let rejected = twice.reject(RejectReason::Revoked, 2);
        assert_eq!(rejected.failures, 0);
        assert_eq!(
            earlier_rejection(Some(&rejected), &fingerprint("t1"), |_| "c1".into(), 3),
            Some(RejectReason::Revoked)
        );
        assert_eq!(
            earlier_rejection(Some(&rejected), &fingerprint("t2"), |_| "c1".into(), 3),
            None
        );
    }

    #[test]
    fn a_configuration_rejection_holds_until_the_configuration_changes_or_a_day_passes() {
        let rejected =
            pending().reject_configuration(RejectReason::IssuerMismatch, "c1".into(), 10);
        assert_eq!(
            StateRecord::parse(&rejected.to_json()),
            Some(rejected.clone())
        );
        // Any credential: the answer would be refused the same way.
        for credential in ["t1", "t2"] {
            assert_eq!(
                earlier_rejection(
                    Some(&rejected),
                    &fingerprint(credential),
                    |_| "c1".into(),
                    11
                ),
                Some(RejectReason::IssuerMismatch)
            );
        }
        // A deploy that changes authgear.endpoint or authgear.issuer asks again at once…
        assert_eq!(
            earlier_rejection(Some(&rejected), &fingerprint("t1"), |_| "c2".into(), 11),
            None
        );
        // …and so does the same configuration a day later.
        let later = 10 + CONFIGURATION_RECHECK_MS;
        assert_eq!(
            earlier_rejection(Some(&rejected), &fingerprint("t1"), |_| "c1".into(), later),
            None
        );
        // With the same idempotency key, should the endpoint have spent the credential.
        let again = begin_attempt(
            Some(&rejected),
            ACCESS,
            fingerprint("t1"),
            || "key-2".into(),
            later,
        );
        assert_eq!(again.attempt.unwrap().key, "key-1");
        let other = begin_attempt(
            Some(&rejected),
            ACCESS,
            fingerprint("t2"),
            || "key-2".into(),
            later,
        );
        assert_eq!(other.attempt.unwrap().key, "key-2");
    }

    #[test]
    fn records_written_by_the_serde_version_still_read() {
        let deferred = r#"{"v":1,"status":"deferred","attempt":{"key":"key-1","startedAt":100,"credential":"access_token","fingerprint":"af63dc4c8601ec8c","sends":2},"failures":1,"notBefore":30200,"reason":"timeout","updatedAt":200}"#;
        let record = StateRecord::parse(deferred).unwrap();
        assert_eq!(
            record,
            StateRecord {
                v: 1,
                status: Status::Deferred,
                attempt: Some(Attempt {
                    key: "key-1".into(),
                    started_at: 100,
                    credential: "access_token".into(),
                    fingerprint: "af63dc4c8601ec8c".into(),
                    sends: 2,
                }),
                failures: 1,
                not_before: Some(30_200),
                reason: Some("timeout".into()),
                configuration: None,
                updated_at: 200,
            }
        );
        assert_eq!(record.to_json(), deferred);
        let rejected = r#"{"v":1,"status":"rejected","attempt":{"key":"k","startedAt":1,"credential":"cookie","fingerprint":"f","sends":1},"failures":0,"notBefore":86400010,"reason":"issuer_mismatch","configuration":"c1","updatedAt":10}"#;
        assert_eq!(StateRecord::parse(rejected).unwrap().to_json(), rejected);
        // Before `sends` and `failures` were kept; `null` for what is optional.
        let older = r#"{"v":1,"status":"pending","attempt":{"key":"k","startedAt":1,"credential":"id_token","fingerprint":"f"},"notBefore":null,"updatedAt":1,"extra":true}"#;
        let record = StateRecord::parse(older).unwrap();
        assert_eq!((record.failures, record.attempt.unwrap().sends), (0, 0));
        assert_eq!(record.not_before, None);
        for unreadable in [
            r#"{"v":1,"status":"paused","updatedAt":1}"#,
            r#"{"v":1,"status":"done"}"#,
            r#"{"v":1,"status":"done","updatedAt":1.5}"#,
            r#"{"v":1,"status":"done","updatedAt":1,"failures":-1}"#,
            r#"{"v":1,"status":"done","updatedAt":1,"failures":null}"#,
            r#"{"v":1,"status":"done","updatedAt":1,"reason":5}"#,
            r#"{"v":1,"status":"done","updatedAt":1,"attempt":{"key":"k"}}"#,
            r#"{"v":"1","status":"done","updatedAt":1}"#,
            r#"{"v":257,"status":"done","updatedAt":1}"#,
            "[]",
        ] {
            assert_eq!(StateRecord::parse(unreadable), None, "{unreadable}");
        }
    }

    #[test]
    fn none_is_looked_at_again() {
        let record = StateRecord::none(7);
        assert_eq!(
            record.to_json(),
            r#"{"v":1,"status":"none","failures":0,"updatedAt":7}"#
        );
        assert_eq!(start(Some(&record), false, 8), Start::Proceed);
    }

    #[test]
    fn sends_are_counted_on_the_attempt() {
        let mut record = pending();
        record.count_send(5);
        record.count_send(6);
        assert_eq!(record.attempt.unwrap().sends, 2);
    }
}
