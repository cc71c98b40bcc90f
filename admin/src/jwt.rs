//! The JWT that authenticates calls to Authgear's Admin API.
//!
//! Built as Authgear documents it (reference/apis/admin-api/authentication-and-security.md) and
//! as its server checks it (pkg/lib/admin/authz/middleware.go): RS256 with the header `kid` of a
//! key in the project's admin key set (jwx looks the key up by `kid` and will not guess), `typ`
//! JWT, and the claims `aud` = project ID, `iat`, `exp`, validated with 5 minutes of clock skew.

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::json;

use crate::AdminKey;

/// Authgear's samples sign for 5 minutes.
const LIFETIME_SECS: u64 = 5 * 60;
/// A JWT is replaced this long before its `exp`, so it never expires in flight.
const RENEW_BEFORE_EXPIRY_SECS: u64 = 60;

/// Whether [`AdminJwt::at`] reused the current JWT or minted a new one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CacheResult {
    Hit,
    Miss,
}

impl CacheResult {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Hit => "hit",
            Self::Miss => "miss",
        }
    }
}

type Observer = Box<dyn Fn(CacheResult) + Send + Sync>;

/// Mints admin JWTs and reuses each until shortly before it expires: one RSA signature every
/// few minutes instead of one per call.
pub struct AdminJwt {
    key: AdminKey,
    project_id: String,
    current: Mutex<Option<Current>>,
    observer: Option<Observer>,
}

struct Current {
    jwt: Arc<str>,
    renew_at: u64,
}

impl AdminJwt {
    pub fn new(key: AdminKey, project_id: impl Into<String>) -> Self {
        Self {
            key,
            project_id: project_id.into(),
            current: Mutex::new(None),
            observer: None,
        }
    }

    /// Calls `observer` with each reuse or mint (the endpoint counts them as cache metrics).
    pub fn observed(self, observer: impl Fn(CacheResult) + Send + Sync + 'static) -> Self {
        Self {
            observer: Some(Box::new(observer)),
            ..self
        }
    }

    /// A valid JWT at `now` (seconds since the epoch).
    pub fn at(&self, now: u64) -> Result<Arc<str>, SigningFailed> {
        // The lock is held while signing (about a millisecond) so that concurrent callers share
        // one new JWT rather than each minting theirs.
        let mut current = self.current.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(minted) = current.as_ref().filter(|minted| now < minted.renew_at) {
            self.observe(CacheResult::Hit);
            return Ok(Arc::clone(&minted.jwt));
        }
        self.observe(CacheResult::Miss);
        let jwt: Arc<str> = self.mint(now)?.into();
        *current = Some(Current {
            jwt: Arc::clone(&jwt),
            renew_at: now + LIFETIME_SECS - RENEW_BEFORE_EXPIRY_SECS,
        });
        Ok(jwt)
    }

    fn observe(&self, result: CacheResult) {
        if let Some(observer) = &self.observer {
            observer(result);
        }
    }

    fn mint(&self, now: u64) -> Result<String, SigningFailed> {
        let header = json!({ "alg": "RS256", "kid": self.key.id(), "typ": "JWT" });
        let claims = json!({ "aud": self.project_id, "iat": now, "exp": now + LIFETIME_SECS });
        let signing_input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let signature = self.key.sign_rs256(signing_input.as_bytes())?;
        Ok(format!(
            "{signing_input}.{}",
            URL_SAFE_NO_PAD.encode(signature)
        ))
    }
}

impl fmt::Debug for AdminJwt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AdminJwt")
            .field("key", &self.key)
            .field("project_id", &self.project_id)
            .finish_non_exhaustive()
    }
}

/// ring could not sign: it fails only when the system's random source does.
#[derive(Debug)]
pub struct SigningFailed;

impl fmt::Display for SigningFailed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("cannot sign the admin JWT")
    }
}

impl std::error::Error for SigningFailed {}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use ring::signature::{RSA_PKCS1_2048_8192_SHA256, RsaPublicKeyComponents};

    use super::*;

    const PEM: &str = include_str!("../../devstack/keys/authgear-admin.pem");

    fn decoded(part: &str) -> serde_json::Value {
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap()
    }

    #[test]
    fn mints_the_documented_claims_and_reuses_the_token() {
        let key = AdminKey::from_pem("kid-1", PEM).unwrap();
        let (n, e) = key.public_components();
        let misses = Arc::new(AtomicUsize::new(0));
        let counted = Arc::clone(&misses);
        let jwt = AdminJwt::new(key, "myapp").observed(move |result| {
            if result == CacheResult::Miss {
                counted.fetch_add(1, Ordering::Relaxed);
            }
        });
        let first = jwt.at(1_000).unwrap();
        assert_eq!(jwt.at(1_000 + 239).unwrap(), first);
        assert_ne!(jwt.at(1_000 + 240).unwrap(), first);
        assert_eq!(misses.load(Ordering::Relaxed), 2);
        let parts: Vec<&str> = first.split('.').collect();
        assert_eq!(
            decoded(parts[0]),
            json!({"alg": "RS256", "kid": "kid-1", "typ": "JWT"})
        );
        assert_eq!(
            decoded(parts[1]),
            json!({"aud": "myapp", "iat": 1_000, "exp": 1_300})
        );
        let signature = URL_SAFE_NO_PAD.decode(parts[2]).unwrap();
        let signed = format!("{}.{}", parts[0], parts[1]);
        RsaPublicKeyComponents { n: &n, e: &e }
            .verify(&RSA_PKCS1_2048_8192_SHA256, signed.as_bytes(), &signature)
            .expect("RS256 with the key's public half");
    }
}
