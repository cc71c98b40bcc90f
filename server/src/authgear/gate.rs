//! The gate in front of the Admin API: a cap on the exchanges talking to it at once, and a
//! pause after Authgear answered 429. Either way the exchange is answered 503 with
//! `Retry-After`, promptly, instead of piling onto an Authgear that cannot keep up.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::sync::{Semaphore, SemaphorePermit};
use tokio::time::Instant;

use super::graphql::{AdminError, Transient};
use crate::metrics::Metrics;

/// When Authgear says 429 without a `Retry-After`.
const DEFAULT_BACKOFF: Duration = Duration::from_secs(10);
/// The longest pause an Authgear `Retry-After` can impose on this instance.
const MAX_BACKOFF: Duration = Duration::from_secs(60);
/// What a client is told when every slot is taken: soon, the queue moves fast.
const SATURATED_RETRY_AFTER: Duration = Duration::from_secs(2);

pub(super) struct Gate {
    slots: Semaphore,
    queue_timeout: Duration,
    paused_until: Mutex<Option<Instant>>,
    metrics: Arc<Metrics>,
}

/// Held while an exchange makes its Admin API calls.
pub(crate) struct Slot<'a> {
    _permit: SemaphorePermit<'a>,
    metrics: &'a Metrics,
}

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        self.metrics.admin_in_flight(-1);
    }
}

impl Gate {
    pub(super) fn new(slots: usize, queue_timeout: Duration, metrics: Arc<Metrics>) -> Self {
        Self {
            slots: Semaphore::new(slots),
            queue_timeout,
            paused_until: Mutex::new(None),
            metrics,
        }
    }

    pub(super) async fn enter(&self) -> Result<Slot<'_>, AdminError> {
        self.check_pause()?;
        let permit = match tokio::time::timeout(self.queue_timeout, self.slots.acquire()).await {
            Ok(Ok(permit)) => permit,
            // Timed out, or (never: the semaphore is not closed) closed.
            _ => {
                return Err(AdminError::Unavailable {
                    operation: "any operation",
                    cause: Transient::Saturated,
                    retry_after: Some(SATURATED_RETRY_AFTER),
                });
            }
        };
        // A pause may have begun while this exchange queued.
        self.check_pause()?;
        self.metrics.admin_in_flight(1);
        Ok(Slot {
            _permit: permit,
            metrics: &self.metrics,
        })
    }

    fn check_pause(&self) -> Result<(), AdminError> {
        let paused_until = *self
            .paused_until
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        match paused_until {
            Some(until) if Instant::now() < until => Err(AdminError::Unavailable {
                operation: "any operation",
                cause: Transient::Throttled,
                retry_after: Some(until - Instant::now()),
            }),
            _ => Ok(()),
        }
    }

    /// Authgear answered 429: no call until its `Retry-After` (within bounds) has passed.
    pub(super) fn back_off(&self, retry_after: Option<Duration>) {
        let pause = retry_after.unwrap_or(DEFAULT_BACKOFF).min(MAX_BACKOFF);
        let until = Instant::now() + pause;
        let mut paused_until = self
            .paused_until
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if paused_until.is_none_or(|current| current < until) {
            *paused_until = Some(until);
        }
        tracing::warn!(
            pause_seconds = pause.as_secs(),
            "Authgear answered 429: pausing Admin API calls"
        );
    }
}
