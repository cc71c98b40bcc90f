//! When to try again: a few times within the page, then across page loads.
//!
//! In the page, full jitter (AWS Architecture Blog, "Exponential Backoff And Jitter") within a
//! total time budget, so that the app's start-up is never held longer than it allowed. Across
//! page loads, a persisted "not before" time with exponential backoff and equal jitter, so that
//! after a bad deploy each device asks at most once per step instead of on every page load.

use crate::core::outcome::DeferReason;

/// In-page retries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Sends per call, the first included.
    pub max_sends: u32,
    pub base_ms: u64,
    pub cap_ms: u64,
    /// The least time worth starting another send with.
    pub min_send_ms: u64,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_sends: 3,
            base_ms: 300,
            cap_ms: 4_000,
            min_send_ms: 1_000,
        }
    }
}

impl RetryPolicy {
    /// The wait before the next send, or `None` to stop and defer. `sends` is how many were made,
    /// `remaining_ms` what is left of the budget, `random` uniform in [0, 1).
    pub fn next_delay(
        &self,
        reason: DeferReason,
        sends: u32,
        retry_after_ms: Option<u64>,
        remaining_ms: u64,
        random: f64,
    ) -> Option<u64> {
        if sends >= self.max_sends || !retried_in_page(reason) {
            return None;
        }
        let delay = match retry_after_ms {
            Some(after) => after,
            None => {
                let ceiling = self
                    .base_ms
                    .saturating_mul(1 << sends.saturating_sub(1).min(16))
                    .min(self.cap_ms);
                scale(ceiling, random)
            }
        };
        (delay.saturating_add(self.min_send_ms) <= remaining_ms).then_some(delay)
    }
}

/// A 404 or a proxy's error page will not change within seconds; everything else may.
fn retried_in_page(reason: DeferReason) -> bool {
    !matches!(
        reason,
        DeferReason::UnexpectedStatus | DeferReason::Storage | DeferReason::LegacyReadFailed
    )
}

/// Backoff across page loads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Backoff {
    pub base_ms: u64,
    pub cap_ms: u64,
    /// The longest `Retry-After` honoured, so that a bad header cannot park devices for good.
    pub max_retry_after_ms: u64,
}

impl Default for Backoff {
    fn default() -> Self {
        Self {
            base_ms: 30_000,
            cap_ms: 6 * 60 * 60 * 1000,
            max_retry_after_ms: 7 * 24 * 60 * 60 * 1000,
        }
    }
}

impl Backoff {
    /// The time (Unix ms) before which this device does not ask again, after `failures`
    /// consecutive failed calls (at least 1).
    pub fn not_before(
        &self,
        failures: u32,
        retry_after_ms: Option<u64>,
        now_ms: i64,
        random: f64,
    ) -> i64 {
        let step = self
            .base_ms
            .saturating_mul(1 << failures.saturating_sub(1).min(20))
            .min(self.cap_ms);
        // Equal jitter: at least half a step, so each device asks at most once per step.
        let jittered = step / 2 + scale(step / 2, random);
        let wait = jittered.max(retry_after_ms.unwrap_or(0).min(self.max_retry_after_ms));
        now_ms.saturating_add(i64::try_from(wait).unwrap_or(i64::MAX))
    }
}

fn scale(ceiling: u64, random: f64) -> u64 {
    // Truncation is the point: a uniform integer in [0, ceiling).
    (ceiling as f64 * random.clamp(0.0, 1.0)) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn in_page_retries_are_jittered_and_bounded() {
        let policy = RetryPolicy::default();
        let reason = DeferReason::Network;
        assert_eq!(policy.next_delay(reason, 1, None, 60_000, 0.5), Some(150));
        assert_eq!(policy.next_delay(reason, 2, None, 60_000, 0.5), Some(300));
        assert_eq!(policy.next_delay(reason, 2, None, 60_000, 0.0), Some(0));
        assert_eq!(policy.next_delay(reason, 3, None, 60_000, 0.5), None);
        let long = RetryPolicy {
            max_sends: 40,
            ..policy
        };
        assert_eq!(
            long.next_delay(reason, 30, None, 60_000, 0.999),
            Some(3_996)
        );
    }

    #[test]
    fn retry_after_is_honoured_within_the_budget() {
        let policy = RetryPolicy::default();
        let busy = DeferReason::TemporarilyUnavailable;
        assert_eq!(
            policy.next_delay(busy, 1, Some(2_000), 10_000, 0.9),
            Some(2_000)
        );
        // Waiting would leave no time to send: defer instead.
        assert_eq!(policy.next_delay(busy, 1, Some(9_500), 10_000, 0.9), None);
        assert_eq!(policy.next_delay(busy, 1, Some(120_000), 10_000, 0.9), None);
    }

    #[test]
    fn some_failures_are_not_retried_in_page() {
        let policy = RetryPolicy::default();
        for reason in [DeferReason::UnexpectedStatus, DeferReason::Storage] {
            assert_eq!(policy.next_delay(reason, 1, None, 60_000, 0.5), None);
        }
    }

    #[test]
    fn backoff_doubles_with_equal_jitter() {
        let backoff = Backoff::default();
        assert_eq!(backoff.not_before(1, None, 1_000, 0.0), 1_000 + 15_000);
        assert_eq!(
            backoff.not_before(1, None, 1_000, 0.999_999),
            1_000 + 29_999
        );
        assert_eq!(backoff.not_before(2, None, 0, 0.0), 30_000);
        assert_eq!(backoff.not_before(3, None, 0, 0.0), 60_000);
        // Capped.
        assert_eq!(backoff.not_before(50, None, 0, 0.0), 3 * 60 * 60 * 1000);
    }

    #[test]
    fn backoff_honours_retry_after_up_to_a_limit() {
        let backoff = Backoff::default();
        assert_eq!(backoff.not_before(1, Some(3_600_000), 0, 0.5), 3_600_000);
        let year = 365 * 24 * 3_600_000;
        assert_eq!(
            backoff.not_before(1, Some(year), 0, 0.5),
            7 * 24 * 3_600_000
        );
    }
}
