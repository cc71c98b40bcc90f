//! What the flow needs from the device, as small traits: time, randomness, storage, the legacy
//! SDK's other media, http, the lock, the other tabs, and the app's event listener.
//!
//! `crate::web` implements them over web-sys; the crash-point tests (`tests/crash_points.rs`)
//! implement them over memory and record every effect. Methods are `async` where the browser's
//! are (adapters, IndexedDB, fetch, Web Locks); the engine runs on one thread, a page's event
//! loop, so no future needs to be `Send`.
#![allow(async_fn_in_trait)]

use core::fmt;

use crate::core::cookie::Attributes;
use crate::core::event::Event;
use crate::core::options::Credentials;
use crate::core::presets::Sealed;
use crate::core::source::Area;
use crate::prelude::*;
use crate::wire;

/// A storage operation that failed; `name` is the `DOMException` or `Error` name when there is
/// one (`QuotaExceededError`, `SecurityError`, …).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoreError {
    pub store: String,
    pub op: &'static str,
    pub name: String,
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} failed: {}", self.store, self.op, self.name)
    }
}

impl core::error::Error for StoreError {}

/// How long a function of the app's (a storage adapter's method, a `legacy` callback, a native
/// plugin behind one) may take to settle: one that never does (a native side that never
/// answers) must not hold the app's startup. Past it, the call counts as failed.
pub const APP_CALL_TIMEOUT_MS: u64 = 10_000;

/// One place that holds keys and values: a web storage area, the cookie jar, an adapter.
/// Nothing here swallows a failure: the read-back guarantee needs every one surfaced.
pub trait Store {
    /// The label events and outcomes use.
    fn name(&self) -> &str;
    async fn get(&self, key: &str) -> Result<Option<String>, StoreError>;
    async fn set(&self, key: &str, value: &str) -> Result<(), StoreError>;
    /// Writes `value` with a cookie's `attributes` (those of the SDK it belongs to) when this
    /// store is the cookie jar, and as [`Store::set`] otherwise.
    async fn set_with(
        &self,
        key: &str,
        value: &str,
        attributes: Attributes,
    ) -> Result<(), StoreError> {
        let _ = attributes;
        self.set(key, value).await
    }
    async fn remove(&self, key: &str) -> Result<(), StoreError>;
    /// Every key, for sources that find their entries by prefix.
    async fn keys(&self) -> Result<Vec<String>, StoreError>;
}

/// The wall clock, the monotonic clock, and waiting.
pub trait Clock {
    /// Unix milliseconds.
    fn now_ms(&self) -> i64;
    /// Milliseconds on a clock that never goes back, for durations in events.
    fn monotonic_ms(&self) -> f64;
    async fn sleep(&self, ms: u64);

    /// Unix seconds.
    fn now_s(&self) -> i64 {
        self.now_ms().div_euclid(1000)
    }
}

/// Idempotency keys and jitter.
pub trait Random {
    /// 128 bits from the CSPRNG, hex.
    fn key(&self) -> String;
    /// Uniform in [0, 1), for jitter.
    fn unit(&self) -> f64;
}

/// The key-value stores a migration touches.
pub trait Storage {
    type Store<'a>: Store
    where
        Self: 'a;
    /// Where the state record lives: the page's own `localStorage`, whatever the SDK uses.
    fn state(&self) -> Result<Self::Store<'_>, StoreError>;
    /// Where the Authgear SDK reads its session.
    fn authgear(&self) -> Result<Self::Store<'_>, StoreError>;
    /// A legacy medium (`Area::Adapter` is the app's `legacy.storage`). `Area::IndexedDb` is
    /// not a key-value store: see [`LegacyMedia::records`].
    fn open(&self, area: Area) -> Result<Self::Store<'_>, StoreError>;
}

/// Tokens the app's `legacy.read()` returned.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct CallbackTokens {
    pub access_token: Option<String>,
    pub refresh_token: Option<String>,
    pub id_token: Option<String>,
}

/// The app's `legacy.read()`, `write()` or `clear()` threw, rejected, is missing, or returned
/// something that is not tokens.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CallbackFailed;

/// The legacy SDK's media beyond key-value stores, and the app's legacy callbacks.
pub trait LegacyMedia {
    /// Records of an IndexedDB object store whose key starts with `prefix`: key, and value as
    /// JSON text. No database: no records.
    async fn records(
        &self,
        database: &str,
        store: &str,
        key_path: &str,
        prefix: &str,
    ) -> Result<Vec<(String, String)>, StoreError>;
    async fn delete_record(&self, database: &str, store: &str, key: &str)
    -> Result<(), StoreError>;
    /// The plaintext of each sealed item, in order; `None` where it does not decrypt.
    async fn unseal(&self, sealed: &Sealed) -> Vec<Option<String>>;
    /// The page's host name, for cookies set on a parent domain.
    fn host(&self) -> Option<String>;
    /// Expires cookie `name` set with `Domain=domain`.
    fn expire_cookie(&self, name: &str, domain: &str);
    async fn callback_read(&self) -> Result<Option<CallbackTokens>, CallbackFailed>;
    async fn callback_write(&self, tokens: &wire::LegacyTokens) -> Result<(), CallbackFailed>;
    /// `None` when the app gave no `legacy.clear()`.
    async fn callback_clear(&self) -> Option<Result<(), CallbackFailed>>;
}

/// An HTTP answer, whatever its status.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HttpAnswer {
    pub status: u16,
    pub retry_after: Option<String>,
    pub body: String,
}

/// No answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SendError {
    Network,
    Timeout,
}

/// The exchange request's transport.
pub trait Http {
    /// POSTs form-encoded `body` to `url` with a timeout that covers the body too; redirects
    /// are not followed.
    async fn post_form(
        &self,
        url: &str,
        body: String,
        credentials: Credentials,
        timeout_ms: u64,
    ) -> Result<HttpAnswer, SendError>;
}

/// The lock was not obtained within the wait.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LockTimeout;

/// One migration per device and Authgear container at a time.
pub trait Lock {
    /// Held until dropped.
    type Guard;
    /// Takes the lock `name`, waiting at most `wait_ms`; a lease, where one is used, lasts
    /// `lease_ms`. Answers the guard and the mechanism's name for the event.
    async fn acquire(
        &self,
        name: &str,
        wait_ms: u64,
        lease_ms: u64,
    ) -> Result<(Self::Guard, &'static str), LockTimeout>;
    /// Whether `guard` still holds the lock, extending a lease by `lease_ms` from now: a lease
    /// that ran out (a slow step, a tab its browser froze) may have been taken by another tab.
    fn keep(&self, guard: &Self::Guard, lease_ms: u64) -> bool;
}

/// The app's other tabs.
pub trait Broadcast {
    fn announce(&self, channel: &str, message: &str);
}

/// The app's `onEvent`.
pub trait Events {
    fn emit(&self, event: &Event);
}

/// Everything the flow needs.
pub trait Device:
    Clock + Random + Storage + LegacyMedia + Http + Lock + Broadcast + Events
{
}

impl<T: Clock + Random + Storage + LegacyMedia + Http + Lock + Broadcast + Events> Device for T {}
