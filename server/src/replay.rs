//! The replay cache: each legacy credential is exchanged at most once within its lifetime.
//!
//! A credential is claimed (by a hash of its replay identity, never the credential itself: see
//! `legacy::replay_id`, one identity for every spelling of it) just before the step
//! that cannot be undone (`createSession`, or spending a refresh token). The claim stays when
//! that step succeeded or spent the credential; it is released when the exchange failed before,
//! so that a retry with a new idempotency key can still succeed. A retry with the *same* key is
//! answered by the idempotency cache before it gets here, unless no answer was kept: then it may
//! find the claim of its own earlier run (the store's answer to the claim lost to a timeout after
//! Redis ran it, a release that failed, a process that stopped), which names its attempt, and
//! carries on in that run's place instead of being told `replayed` for good.

use std::sync::Arc;
use std::time::Duration;

use crate::digest::replay_key;
use crate::metrics::Metrics;
use crate::store::{Claim, Store, StoreError};

/// The least time a credential is remembered: a token about to expire is still refused for a
/// moment after, within any clock skew the verifier tolerates.
const MIN_TTL: Duration = Duration::from_secs(60);

pub(crate) struct ReplayCache {
    store: Arc<Store>,
    metrics: Arc<Metrics>,
    /// `IDEMPOTENCY_TTL_SECONDS`: how long an attempt may find its own claim. Within it, a run
    /// whose answer was kept is answered from the idempotency cache before it gets here; past
    /// it, the same request again (sent by whoever copied it) is refused, not exchanged again.
    retry_window: Duration,
}

/// A credential this exchange claimed, and the claim's value.
pub(crate) struct Claimed {
    key: String,
    value: Vec<u8>,
}

impl ReplayCache {
    pub(crate) fn new(store: Arc<Store>, metrics: Arc<Metrics>, retry_window: Duration) -> Self {
        Self {
            store,
            metrics,
            retry_window,
        }
    }

    /// Claims the credential known by `replay_id` for `ttl`, for the client's attempt
    /// `attempt` (see `idempotency::attempt_id`), at `now` (Unix seconds); `None` when it was
    /// exchanged already, by another attempt or by this one too long ago.
    pub(crate) async fn claim(
        &self,
        replay_id: &str,
        ttl: Duration,
        attempt: &str,
        now: u64,
    ) -> Result<Option<Claimed>, StoreError> {
        let key = format!("replay:{}", replay_key(replay_id));
        let value = format!("{attempt} {now}").into_bytes();
        match self.store.claim(&key, &value, ttl.max(MIN_TTL)).await? {
            Claim::Claimed => {
                self.metrics.cache("replay", "miss");
                Ok(Some(Claimed { key, value }))
            }
            // An earlier run of this attempt claimed it and kept no answer: carry on in its
            // place (releasing it, if it comes to that, by the value it holds).
            Claim::Taken(found) if self.claimed_by(&found, attempt, now) => {
                self.metrics.cache("replay", "miss");
                Ok(Some(Claimed { key, value: found }))
            }
            Claim::Taken(_) => {
                self.metrics.cache("replay", "hit");
                Ok(None)
            }
        }
    }

    /// Whether the claim `found` is `attempt`'s, made within the retry window.
    fn claimed_by(&self, found: &[u8], attempt: &str, now: u64) -> bool {
        let Some((owner, at)) = std::str::from_utf8(found)
            .ok()
            .and_then(|found| found.split_once(' '))
        else {
            return false;
        };
        owner == attempt
            && at
                .parse::<u64>()
                .is_ok_and(|at| now.saturating_sub(at) < self.retry_window.as_secs())
    }

    /// Gives the credential back: the exchange failed before anything was spent.
    pub(crate) async fn release(&self, claimed: Claimed) {
        if let Err(error) = self.store.delete_if(&claimed.key, &claimed.value).await {
            // The claim then lives out its TTL: the credential is refused as `replayed` rather
            // than exchanged twice.
            self.metrics.store_error();
            tracing::warn!(%error, "cannot release a replay-cache claim");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::StoreConfig;

    #[tokio::test]
    async fn an_attempt_finds_its_own_claim_within_the_retry_window_only() {
        let store = Store::new(&StoreConfig {
            redis_url: None,
            key_prefix: String::new(),
            replay_ttl: Duration::from_secs(600),
            idempotency_ttl: Duration::from_secs(600),
            in_flight_ttl: Duration::from_secs(60),
        });
        let window = Duration::from_secs(600);
        let cache = ReplayCache::new(Arc::new(store), Arc::new(Metrics::new()), window);
        let ttl = Duration::from_secs(3600);
        // The first run's claim, whose answer it never saw.
        assert!(cache.claim("jti", ttl, "a", 1000).await.unwrap().is_some());
        assert!(cache.claim("jti", ttl, "b", 1001).await.unwrap().is_none());
        let again = cache.claim("jti", ttl, "a", 1599).await.unwrap();
        assert!(again.is_some(), "the same attempt, within the window");
        assert!(cache.claim("jti", ttl, "a", 1600).await.unwrap().is_none());
        // Released by the run that carried on, under the first run's value.
        cache.release(again.unwrap()).await;
        assert!(cache.claim("jti", ttl, "b", 1601).await.unwrap().is_some());
    }
}
