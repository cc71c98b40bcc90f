//! The store in this process's memory: one instance, nothing to run beside it.
//!
//! Expired entries are dropped when read, and swept out whenever a write finds the last sweep
//! more than a few seconds old, so memory follows the live entries.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tokio::time::Instant;

use super::hll::HyperLogLog;
use super::{Claim, Count};

const SWEEP_EVERY: Duration = Duration::from_secs(10);

pub(crate) struct MemoryStore {
    state: Mutex<State>,
    migrated: Mutex<HyperLogLog>,
}

struct State {
    entries: HashMap<String, Entry>,
    swept: Instant,
}

struct Entry {
    value: Vec<u8>,
    expires: Instant,
}

impl Default for MemoryStore {
    fn default() -> Self {
        Self {
            state: Mutex::new(State {
                entries: HashMap::new(),
                swept: Instant::now(),
            }),
            migrated: Mutex::default(),
        }
    }
}

impl MemoryStore {
    fn state(&self) -> MutexGuard<'_, State> {
        // Every operation leaves the map consistent: a panic elsewhere carries no news.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The live state, swept of expired entries when due.
    fn live(&self, now: Instant) -> MutexGuard<'_, State> {
        let mut state = self.state();
        if now.duration_since(state.swept) >= SWEEP_EVERY {
            state.entries.retain(|_, entry| entry.expires > now);
            state.swept = now;
        }
        state
    }

    pub(super) fn claim(&self, key: &str, value: &[u8], ttl: Duration) -> Claim {
        let now = Instant::now();
        let mut state = self.live(now);
        if let Some(entry) = state.entries.get(key).filter(|entry| entry.expires > now) {
            return Claim::Taken(entry.value.clone());
        }
        state.entries.insert(
            key.to_owned(),
            Entry {
                value: value.to_vec(),
                expires: now + ttl,
            },
        );
        Claim::Claimed
    }

    pub(super) fn get(&self, key: &str) -> Option<Vec<u8>> {
        let now = Instant::now();
        self.state()
            .entries
            .get(key)
            .filter(|entry| entry.expires > now)
            .map(|entry| entry.value.clone())
    }

    pub(super) fn replace_if(&self, key: &str, expected: &[u8], new: &[u8], ttl: Duration) -> bool {
        let now = Instant::now();
        let mut state = self.live(now);
        match state.entries.get_mut(key) {
            Some(entry) if entry.expires > now && entry.value == expected => {
                entry.value = new.to_vec();
                entry.expires = now + ttl;
                true
            }
            _ => false,
        }
    }

    pub(super) fn delete_if(&self, key: &str, expected: &[u8]) -> bool {
        let now = Instant::now();
        let mut state = self.state();
        let matches = state
            .entries
            .get(key)
            .is_some_and(|entry| entry.expires > now && entry.value == expected);
        if matches {
            state.entries.remove(key);
        }
        matches
    }

    pub(super) fn hit(&self, key: &str, window: Duration) -> Count {
        let now = Instant::now();
        let mut state = self.live(now);
        let entry = state
            .entries
            .entry(key.to_owned())
            .and_modify(|entry| {
                if entry.expires <= now {
                    entry.value = 0u64.to_be_bytes().to_vec();
                    entry.expires = now + window;
                }
            })
            .or_insert_with(|| Entry {
                value: 0u64.to_be_bytes().to_vec(),
                expires: now + window,
            });
        let hits = entry
            .value
            .as_slice()
            .try_into()
            .map_or(0, u64::from_be_bytes)
            .saturating_add(1);
        entry.value = hits.to_be_bytes().to_vec();
        Count {
            hits,
            resets_in: entry.expires.duration_since(now),
        }
    }

    pub(super) fn add_migrated(&self, element: &[u8]) {
        let mut hll = self.migrated.lock().unwrap_or_else(PoisonError::into_inner);
        hll.add(element);
    }

    pub(super) fn migrated(&self) -> u64 {
        let hll = self.migrated.lock().unwrap_or_else(PoisonError::into_inner);
        hll.count()
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.state().entries.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn entries_live_for_their_ttl() {
        let store = MemoryStore::default();
        let ttl = Duration::from_secs(5);
        assert_eq!(store.claim("k", b"a", ttl), Claim::Claimed);
        assert_eq!(store.claim("k", b"b", ttl), Claim::Taken(b"a".to_vec()));
        assert!(!store.replace_if("k", b"b", b"c", ttl));
        assert!(store.replace_if("k", b"a", b"c", ttl));
        assert_eq!(store.get("k"), Some(b"c".to_vec()));
        tokio::time::advance(Duration::from_secs(6)).await;
        assert_eq!(store.get("k"), None);
        assert_eq!(store.claim("k", b"d", ttl), Claim::Claimed);
        assert!(!store.delete_if("k", b"c"));
        assert!(store.delete_if("k", b"d"));
        assert_eq!(store.get("k"), None);
    }

    #[tokio::test(start_paused = true)]
    async fn counters_reset_with_their_window() {
        let store = MemoryStore::default();
        let window = Duration::from_secs(60);
        assert_eq!(store.hit("ip", window).hits, 1);
        tokio::time::advance(Duration::from_secs(20)).await;
        let count = store.hit("ip", window);
        assert_eq!(count.hits, 2);
        assert_eq!(count.resets_in, Duration::from_secs(40));
        tokio::time::advance(Duration::from_secs(41)).await;
        assert_eq!(store.hit("ip", window).hits, 1);
    }

    #[tokio::test(start_paused = true)]
    async fn expired_entries_are_swept() {
        let store = MemoryStore::default();
        for n in 0..100 {
            store.claim(&format!("k{n}"), b"x", Duration::from_secs(1));
        }
        tokio::time::advance(SWEEP_EVERY).await;
        store.claim("fresh", b"x", Duration::from_secs(1));
        assert_eq!(store.len(), 1);
    }
}
