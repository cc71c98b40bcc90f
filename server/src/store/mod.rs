//! The state instances share: a key-value store with expiry and the few atomic operations the
//! replay cache, the idempotency cache, the rate limits and the record of users created just in
//! time are built on. In this process by
//! default; in Redis when `REDIS_URL` is set, so that every instance on one Redis behaves as one.
//!
//! Keys are given without the deployment's prefix; the store adds it.
//!
//! It also counts the distinct legacy users migrated, as a HyperLogLog: Redis's own
//! (`PFADD`/`PFCOUNT` on `<prefix>migrated`), or one of the same kind in memory.

mod hll;
mod memory;
mod redis;

use std::fmt;
use std::time::Duration;

use crate::config::StoreConfig;
use memory::MemoryStore;
use redis::RedisStore;

pub(crate) enum Store {
    Memory(MemoryStore),
    Redis(Box<RedisStore>),
}

/// The answer of [`Store::claim`].
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Claim {
    /// The key was free and now holds our value.
    Claimed,
    /// The key already holds this value.
    Taken(Vec<u8>),
}

/// A rate counter after one more hit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Count {
    pub(crate) hits: u64,
    /// Until the counter resets.
    pub(crate) resets_in: Duration,
}

impl Store {
    pub(crate) fn new(config: &StoreConfig) -> Self {
        match &config.redis_url {
            Some(url) => Self::Redis(Box::new(RedisStore::new(url, &config.key_prefix))),
            None => Self::Memory(MemoryStore::default()),
        }
    }

    /// `memory` or `redis`, for health and logs.
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Self::Memory(_) => "memory",
            Self::Redis(_) => "redis",
        }
    }

    /// Sets `key` to `value` for `ttl` unless it holds a value; then answers that value.
    pub(crate) async fn claim(
        &self,
        key: &str,
        value: &[u8],
        ttl: Duration,
    ) -> Result<Claim, StoreError> {
        match self {
            Self::Memory(store) => Ok(store.claim(key, value, ttl)),
            Self::Redis(store) => store.claim(key, value, ttl).await,
        }
    }

    /// The value of `key`, if it holds one.
    pub(crate) async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        match self {
            Self::Memory(store) => Ok(store.get(key)),
            Self::Redis(store) => store.get(key).await,
        }
    }

    /// Replaces the value of `key` with `new`, for `ttl`, if it still is `expected`.
    pub(crate) async fn replace_if(
        &self,
        key: &str,
        expected: &[u8],
        new: &[u8],
        ttl: Duration,
    ) -> Result<bool, StoreError> {
        match self {
            Self::Memory(store) => Ok(store.replace_if(key, expected, new, ttl)),
            Self::Redis(store) => store.replace_if(key, expected, new, ttl).await,
        }
    }

    /// Removes `key` if it still is `expected` (so that nobody removes a claim made after
    /// theirs expired).
    pub(crate) async fn delete_if(&self, key: &str, expected: &[u8]) -> Result<bool, StoreError> {
        match self {
            Self::Memory(store) => Ok(store.delete_if(key, expected)),
            Self::Redis(store) => store.delete_if(key, expected).await,
        }
    }

    /// Adds one to the counter `key`, which starts at zero and lives for `window`.
    pub(crate) async fn hit(&self, key: &str, window: Duration) -> Result<Count, StoreError> {
        match self {
            Self::Memory(store) => Ok(store.hit(key, window)),
            Self::Redis(store) => store.hit(key, window).await,
        }
    }

    /// Counts `subject` (a legacy user's `sub`, or login ID) as migrated. Only its SHA-256 is
    /// kept, and only as a HyperLogLog register: no subject can be read back.
    pub(crate) async fn add_migrated(&self, subject: &str) -> Result<(), StoreError> {
        let element = crate::digest::sha256_hex(subject);
        match self {
            Self::Memory(store) => {
                store.add_migrated(element.as_bytes());
                Ok(())
            }
            Self::Redis(store) => store.add_migrated(element.as_bytes()).await,
        }
    }

    /// The estimated number of distinct subjects counted by [`Store::add_migrated`], by every
    /// instance on this store (standard error 0.81%).
    pub(crate) async fn migrated(&self) -> Result<u64, StoreError> {
        match self {
            Self::Memory(store) => Ok(store.migrated()),
            Self::Redis(store) => store.migrated().await,
        }
    }

    /// Whether the store answers.
    pub(crate) async fn ping(&self) -> Result<(), StoreError> {
        match self {
            Self::Memory(_) => Ok(()),
            Self::Redis(store) => store.ping().await,
        }
    }
}

/// The shared state cannot be reached. Exchanges then wait (503): without it, the replay and
/// idempotency guarantees would not hold.
#[derive(Debug)]
pub(crate) struct StoreError(pub(crate) String);

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the shared state (Redis) is unavailable: {}", self.0)
    }
}

impl std::error::Error for StoreError {}

/// A TTL as whole milliseconds, at least one (zero means "no expiry" to Redis).
fn ttl_millis(ttl: Duration) -> u64 {
    u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1)
}
