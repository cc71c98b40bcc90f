//! What happened, counted, so that tests can assert on side effects they cannot see from the
//! client (did createSession run? was the legacy refresh token spent?).

use std::collections::BTreeMap;
use std::sync::Mutex;

use serde::Serialize;

use crate::faults::Origin;

#[derive(Clone, Copy, Default, Serialize)]
pub struct Outcomes {
    pub issued: u64,
    pub refused: u64,
}

/// Executions of an Admin API mutation.
#[derive(Clone, Copy, Default, Serialize)]
pub struct MutationCount {
    /// Every execution of the mutation, including refusals.
    pub total: u64,
    pub successful: u64,
}

#[derive(Clone, Default, Serialize)]
pub struct Snapshot {
    pub create_session: MutationCount,
    pub create_user: MutationCount,
    /// Authgear `/oauth2/token`, by `grant_type`.
    pub authgear_token: BTreeMap<String, Outcomes>,
    /// Legacy `/token`, by `grant_type`.
    pub legacy_token: BTreeMap<String, Outcomes>,
    /// Legacy refresh tokens exchanged for new ones (each works once).
    pub legacy_refresh_tokens_spent: u64,
    /// Attempts to use a legacy refresh token that was already spent.
    pub legacy_refresh_token_replays: u64,
    /// Requests per origin, keyed `"METHOD /path"`.
    pub requests: BTreeMap<Origin, BTreeMap<String, u64>>,
    /// Requests a fault switch acted on.
    pub fault_hits: u64,
}

#[derive(Default)]
pub struct Counters {
    inner: Mutex<Snapshot>,
}

impl Counters {
    fn with(&self, change: impl FnOnce(&mut Snapshot)) {
        change(&mut self.inner.lock().expect("counters lock"));
    }

    pub fn snapshot(&self) -> Snapshot {
        self.inner.lock().expect("counters lock").clone()
    }

    pub fn reset(&self) {
        self.with(|counts| *counts = Snapshot::default());
    }

    pub fn request(&self, origin: Origin, method: &str, path: &str) {
        self.with(|counts| {
            *counts
                .requests
                .entry(origin)
                .or_default()
                .entry(format!("{method} {path}"))
                .or_default() += 1;
        });
    }

    pub fn fault_hit(&self) {
        self.with(|counts| counts.fault_hits += 1);
    }

    pub fn create_session(&self, successful: bool) {
        self.with(|counts| {
            counts.create_session.total += 1;
            counts.create_session.successful += u64::from(successful);
        });
    }

    pub fn create_user(&self, successful: bool) {
        self.with(|counts| {
            counts.create_user.total += 1;
            counts.create_user.successful += u64::from(successful);
        });
    }

    pub fn authgear_token(&self, grant_type: &str, issued: bool) {
        self.with(|counts| count(&mut counts.authgear_token, grant_type, issued));
    }

    pub fn legacy_token(&self, grant_type: &str, issued: bool) {
        self.with(|counts| count(&mut counts.legacy_token, grant_type, issued));
    }

    pub fn legacy_refresh_spent(&self) {
        self.with(|counts| counts.legacy_refresh_tokens_spent += 1);
    }

    pub fn legacy_refresh_replayed(&self) {
        self.with(|counts| counts.legacy_refresh_token_replays += 1);
    }
}

fn count(map: &mut BTreeMap<String, Outcomes>, grant_type: &str, issued: bool) {
    let outcomes = map.entry(grant_type.to_owned()).or_default();
    if issued {
        outcomes.issued += 1;
    } else {
        outcomes.refused += 1;
    }
}
