//! The replay cache: each legacy credential is exchanged at most once within its lifetime.
//!
//! A credential is claimed (by a hash of its replay identity, never the credential itself: see
//! `legacy::replay_id`, one identity for every spelling of it) just before the step
//! that cannot be undone (`createSession`, or spending a refresh token). The claim stays when
//! that step succeeded or spent the credential; it is released when the exchange failed before,
//! so that a retry with a new idempotency key can still succeed. A retry with the *same* key is
//! answered by the idempotency cache before it gets here.

use std::sync::Arc;
use std::time::Duration;

use ring::rand::{SecureRandom as _, SystemRandom};

use crate::digest::replay_key;
use crate::metrics::Metrics;
use crate::store::{Claim, Store, StoreError};

/// The least time a credential is remembered: a token about to expire is still refused for a
/// moment after, within any clock skew the verifier tolerates.
const MIN_TTL: Duration = Duration::from_secs(60);

pub(crate) struct ReplayCache {
    store: Arc<Store>,
    metrics: Arc<Metrics>,
    rng: SystemRandom,
}

/// A credential this exchange claimed.
pub(crate) struct Claimed {
    key: String,
    owner: Vec<u8>,
}

impl ReplayCache {
    pub(crate) fn new(store: Arc<Store>, metrics: Arc<Metrics>) -> Self {
        Self {
            store,
            metrics,
            rng: SystemRandom::new(),
        }
    }

    /// Claims the credential known by `replay_id` for `ttl`; `None` when it was exchanged
    /// already.
    pub(crate) async fn claim(
        &self,
        replay_id: &str,
        ttl: Duration,
    ) -> Result<Option<Claimed>, StoreError> {
        let key = format!("replay:{}", replay_key(replay_id));
        let mut owner = vec![0; 16];
        // The system RNG fails only when the OS cannot give randomness; a fixed owner is then
        // still correct, merely unable to tell two claims of one key apart.
        let _ = self.rng.fill(&mut owner);
        match self.store.claim(&key, &owner, ttl.max(MIN_TTL)).await? {
            Claim::Claimed => {
                self.metrics.cache("replay", "miss");
                Ok(Some(Claimed { key, owner }))
            }
            Claim::Taken(_) => {
                self.metrics.cache("replay", "hit");
                Ok(None)
            }
        }
    }

    /// Gives the credential back: the exchange failed before anything was spent.
    pub(crate) async fn release(&self, claimed: Claimed) {
        if let Err(error) = self.store.delete_if(&claimed.key, &claimed.owner).await {
            // The claim then lives out its TTL: the credential is refused as `replayed` rather
            // than exchanged twice.
            self.metrics.store_error();
            tracing::warn!(%error, "cannot release a replay-cache claim");
        }
    }
}
