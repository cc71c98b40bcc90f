//! The legacy IdP's JWK Set, fetched on first use, cached, and refetched when it grows old or
//! when a token names a key it lacks (the IdP rotated its keys).
//!
//! Every download attempt, whatever started it, opens a cooldown during which no other is made:
//! tokens with made-up `kid`s cannot turn the endpoint into a JWKS hammer. A request that needs a
//! download during the cooldown is answered "try later" (503), never "invalid": a key the IdP
//! published a moment ago must not get a user's legacy token refused for good.

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use reqwest::header::ACCEPT;
use url::Url;

use super::jwk::KeySet;
use crate::metrics::Metrics;
use crate::upstream::{self, BodyError, Causes};

/// A JWKS with a few keys is a few KiB; this bounds what a broken IdP can make us hold.
const MAX_JWKS_BYTES: usize = 256 * 1024;

pub(crate) struct RemoteKeySet {
    url: Url,
    http: reqwest::Client,
    cooldown: Duration,
    max_age: Duration,
    state: Mutex<State>,
    /// Held for a whole download, so concurrent requests share one instead of each making theirs.
    downloading: tokio::sync::Mutex<()>,
    metrics: Arc<Metrics>,
}

#[derive(Default)]
struct State {
    keys: Option<Fetched>,
    attempted: Option<Instant>,
}

struct Fetched {
    keys: Arc<KeySet>,
    at: Instant,
}

impl RemoteKeySet {
    pub(crate) fn new(
        url: Url,
        http: reqwest::Client,
        cooldown: Duration,
        max_age: Duration,
        metrics: Arc<Metrics>,
    ) -> Self {
        Self {
            url,
            http,
            cooldown,
            max_age,
            state: Mutex::default(),
            downloading: tokio::sync::Mutex::new(()),
            metrics,
        }
    }

    /// The cached set while it is younger than `max_age`, else a new download.
    pub(crate) async fn keys(&self) -> Result<Arc<KeySet>, JwksUnavailable> {
        if let Some(keys) = self.fresh(Instant::now()) {
            self.metrics.cache("jwks", "hit");
            return Ok(keys);
        }
        self.metrics.cache("jwks", "miss");
        self.refresh(None).await
    }

    /// A newer set than `seen`, which lacks a `kid` some token names.
    pub(crate) async fn keys_newer_than(
        &self,
        seen: &Arc<KeySet>,
    ) -> Result<Arc<KeySet>, JwksUnavailable> {
        self.metrics.cache("jwks", "miss");
        self.refresh(Some(seen)).await
    }

    fn fresh(&self, now: Instant) -> Option<Arc<KeySet>> {
        let state = self.state();
        let fetched = state.keys.as_ref()?;
        (now.duration_since(fetched.at) < self.max_age).then(|| Arc::clone(&fetched.keys))
    }

    async fn refresh(&self, seen: Option<&Arc<KeySet>>) -> Result<Arc<KeySet>, JwksUnavailable> {
        let _one_download = self.downloading.lock().await;
        let now = Instant::now();
        {
            let mut state = self.state();
            if let Some(fetched) = &state.keys {
                // Another request downloaded while this one waited for the lock: use its result.
                let newer = match seen {
                    Some(seen) => !Arc::ptr_eq(seen, &fetched.keys),
                    None => now.duration_since(fetched.at) < self.max_age,
                };
                if newer {
                    return Ok(Arc::clone(&fetched.keys));
                }
            }
            if let Some(attempted) = state.attempted {
                let since = now.duration_since(attempted);
                if since < self.cooldown {
                    return Err(JwksUnavailable {
                        cause: JwksFailure::CoolingDown,
                        retry_after: self.cooldown - since,
                    });
                }
            }
            state.attempted = Some(now);
        }
        match self.download().await {
            Ok(keys) => {
                let keys = Arc::new(keys);
                self.state().keys = Some(Fetched {
                    keys: Arc::clone(&keys),
                    at: Instant::now(),
                });
                tracing::info!(jwks_url = %self.url, "fetched the legacy JWKS");
                Ok(keys)
            }
            Err(cause) => {
                tracing::warn!(jwks_url = %self.url, error = %cause, "cannot fetch the legacy JWKS");
                Err(JwksUnavailable {
                    cause,
                    retry_after: self.cooldown,
                })
            }
        }
    }

    async fn download(&self) -> Result<KeySet, JwksFailure> {
        let response = self
            .http
            .get(self.url.clone())
            .header(ACCEPT, "application/json")
            .send()
            .await
            .map_err(JwksFailure::Unreachable)?;
        if !response.status().is_success() {
            return Err(JwksFailure::Status(response.status()));
        }
        let body = upstream::read_body(response, MAX_JWKS_BYTES)
            .await
            .map_err(JwksFailure::Body)?;
        KeySet::parse(&body).map_err(|_| JwksFailure::NotAKeySet)
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        // The state is two plain fields, consistent after any panic: poisoning carries no news.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The key set cannot be had now; a later attempt may succeed.
#[derive(Debug)]
pub(crate) struct JwksUnavailable {
    cause: JwksFailure,
    /// When the next download may be made.
    pub(crate) retry_after: Duration,
}

#[derive(Debug)]
enum JwksFailure {
    /// A download was attempted moments ago.
    CoolingDown,
    Unreachable(reqwest::Error),
    Status(StatusCode),
    Body(BodyError),
    NotAKeySet,
}

impl fmt::Display for JwksUnavailable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.cause.fmt(f)
    }
}

impl fmt::Display for JwksFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::CoolingDown => f.write_str("the JWKS was fetched moments ago"),
            Self::Unreachable(error) => write!(f, "the JWKS is unreachable: {}", Causes(error)),
            Self::Status(status) => write!(f, "the JWKS answered HTTP {status}"),
            Self::Body(error) => write!(f, "the JWKS response is unusable: {error}"),
            Self::NotAKeySet => f.write_str("the JWKS response is not a JWK Set"),
        }
    }
}
