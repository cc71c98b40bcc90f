//! The store in Redis: many instances, one state. Each operation is one round trip; the ones
//! that read and then write are Lua scripts, which Redis runs atomically.
//!
//! The connection is made on first use and remade after a failure (redis-rs's
//! `ConnectionManager`); every call is bounded by a short timeout, so that a Redis outage turns
//! into prompt 503s rather than hung exchanges.

use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{Client, Script};
use tokio::sync::OnceCell;

use super::{Claim, Count, StoreError, ttl_millis};
use crate::config::RedisUrl;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
const RESPONSE_TIMEOUT: Duration = Duration::from_secs(2);
/// The HyperLogLog of the subjects migrated: one per deployment (per prefix).
const MIGRATED: &str = "migrated";

/// SET NX with expiry; when the key is taken, its value.
const CLAIM: &str = "\
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return false end
return redis.call('GET', KEYS[1])";

const REPLACE_IF: &str = "\
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
  return 1
end
return 0";

const DELETE_IF: &str = "\
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0";

/// INCR, with the window's expiry set by the first hit; the count and the time left.
const HIT: &str = "\
local hits = redis.call('INCR', KEYS[1])
local left = redis.call('PTTL', KEYS[1])
if left < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  left = tonumber(ARGV[1])
end
return {hits, left}";

pub(crate) struct RedisStore {
    client: Client,
    prefix: String,
    connection: OnceCell<ConnectionManager>,
    claim: Script,
    replace_if: Script,
    delete_if: Script,
    hit: Script,
}

impl RedisStore {
    pub(super) fn new(url: &RedisUrl, prefix: &str) -> Self {
        Self {
            // Config already opened it once: this cannot fail.
            client: Client::open(url.as_str()).expect("REDIS_URL was checked at start"),
            prefix: prefix.to_owned(),
            connection: OnceCell::new(),
            claim: Script::new(CLAIM),
            replace_if: Script::new(REPLACE_IF),
            delete_if: Script::new(DELETE_IF),
            hit: Script::new(HIT),
        }
    }

    async fn connection(&self) -> Result<ConnectionManager, StoreError> {
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(CONNECT_TIMEOUT))
            .set_response_timeout(Some(RESPONSE_TIMEOUT))
            .set_number_of_retries(1)
            .set_max_delay(Duration::from_millis(500));
        self.connection
            .get_or_try_init(|| self.client.get_connection_manager_with_config(config))
            .await
            .cloned()
            .map_err(failed)
    }

    fn key(&self, key: &str) -> String {
        format!("{}{key}", self.prefix)
    }

    pub(super) async fn claim(
        &self,
        key: &str,
        value: &[u8],
        ttl: Duration,
    ) -> Result<Claim, StoreError> {
        let mut connection = self.connection().await?;
        let taken: Option<Vec<u8>> = self
            .claim
            .key(self.key(key))
            .arg(value)
            .arg(ttl_millis(ttl))
            .invoke_async(&mut connection)
            .await
            .map_err(failed)?;
        Ok(taken.map_or(Claim::Claimed, Claim::Taken))
    }

    pub(super) async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let mut connection = self.connection().await?;
        redis::cmd("GET")
            .arg(self.key(key))
            .query_async(&mut connection)
            .await
            .map_err(failed)
    }

    pub(super) async fn replace_if(
        &self,
        key: &str,
        expected: &[u8],
        new: &[u8],
        ttl: Duration,
    ) -> Result<bool, StoreError> {
        let mut connection = self.connection().await?;
        let replaced: i64 = self
            .replace_if
            .key(self.key(key))
            .arg(expected)
            .arg(new)
            .arg(ttl_millis(ttl))
            .invoke_async(&mut connection)
            .await
            .map_err(failed)?;
        Ok(replaced == 1)
    }

    pub(super) async fn delete_if(&self, key: &str, expected: &[u8]) -> Result<bool, StoreError> {
        let mut connection = self.connection().await?;
        let deleted: i64 = self
            .delete_if
            .key(self.key(key))
            .arg(expected)
            .invoke_async(&mut connection)
            .await
            .map_err(failed)?;
        Ok(deleted == 1)
    }

    pub(super) async fn hit(&self, key: &str, window: Duration) -> Result<Count, StoreError> {
        let mut connection = self.connection().await?;
        let (hits, left): (u64, u64) = self
            .hit
            .key(self.key(key))
            .arg(ttl_millis(window))
            .invoke_async(&mut connection)
            .await
            .map_err(failed)?;
        Ok(Count {
            hits,
            resets_in: Duration::from_millis(left),
        })
    }

    pub(super) async fn add_migrated(&self, element: &[u8]) -> Result<(), StoreError> {
        let mut connection = self.connection().await?;
        let _: i64 = redis::cmd("PFADD")
            .arg(self.key(MIGRATED))
            .arg(element)
            .query_async(&mut connection)
            .await
            .map_err(failed)?;
        Ok(())
    }

    pub(super) async fn migrated(&self) -> Result<u64, StoreError> {
        let mut connection = self.connection().await?;
        redis::cmd("PFCOUNT")
            .arg(self.key(MIGRATED))
            .query_async(&mut connection)
            .await
            .map_err(failed)
    }

    pub(super) async fn ping(&self) -> Result<(), StoreError> {
        let mut connection = self.connection().await?;
        let _: String = redis::cmd("PING")
            .query_async(&mut connection)
            .await
            .map_err(failed)?;
        Ok(())
    }
}

/// redis-rs errors name the failure (connection refused, timeout), never the URL's password.
fn failed(error: redis::RedisError) -> StoreError {
    StoreError(error.to_string())
}
