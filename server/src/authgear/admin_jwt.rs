//! The JWT that authenticates calls to Authgear's Admin API.
//!
//! Built as Authgear documents it (reference/apis/admin-api/authentication-and-security.md) and
//! as its server checks it (pkg/lib/admin/authz/middleware.go): RS256 with the header `kid` of a
//! key in the project's admin key set (jwx looks the key up by `kid` and will not guess), `typ`
//! JWT, and the claims `aud` = project ID, `iat`, `exp`, validated with 5 minutes of clock skew.

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use ring::rand::SystemRandom;
use ring::signature::{RSA_PKCS1_SHA256, RsaKeyPair};
use serde_json::json;

use crate::metrics::Metrics;

/// Authgear's samples sign for 5 minutes.
const LIFETIME_SECS: u64 = 5 * 60;
/// A JWT is replaced this long before its `exp`, so it never expires in flight.
const RENEW_BEFORE_EXPIRY_SECS: u64 = 60;

/// An Admin API key: its ID, as the portal shows it, and its RSA private key.
#[derive(Clone)]
pub struct AdminKey {
    id: String,
    pair: Arc<RsaKeyPair>,
}

impl AdminKey {
    /// Reads the private key the portal lets you download: an unencrypted PKCS#8 PEM
    /// (`-----BEGIN PRIVATE KEY-----`). On error, says what is wrong without echoing the key.
    pub fn from_pem(id: String, pem: &str) -> Result<Self, String> {
        let der = pkcs8_der(pem)?;
        let pair = RsaKeyPair::from_pkcs8(&der)
            .map_err(|rejected| format!("ring refuses the RSA key ({rejected})"))?;
        Ok(Self {
            id,
            pair: Arc::new(pair),
        })
    }

    pub fn id(&self) -> &str {
        &self.id
    }
}

// The key never reaches a log line through `{:?}`.
impl fmt::Debug for AdminKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AdminKey")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

fn pkcs8_der(pem: &str) -> Result<Vec<u8>, String> {
    const BEGIN: &str = "-----BEGIN PRIVATE KEY-----";
    const END: &str = "-----END PRIVATE KEY-----";
    if pem.contains("-----BEGIN RSA PRIVATE KEY-----") {
        return Err(
            "found a PKCS#1 key (BEGIN RSA PRIVATE KEY); convert it with \
                    `openssl pkcs8 -topk8 -nocrypt -in old.pem -out key.pem`"
                .to_owned(),
        );
    }
    if pem.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----") {
        return Err("found an encrypted key; give the key unencrypted".to_owned());
    }
    // A PEM passed through an environment file often has its line breaks written as `\n`.
    let pem = pem.replace("\\n", "\n");
    let start = pem
        .find(BEGIN)
        .map(|at| at + BEGIN.len())
        .ok_or_else(|| format!("found no `{BEGIN}` line"))?;
    let end = pem[start..]
        .find(END)
        .map(|at| at + start)
        .ok_or_else(|| format!("found no `{END}` line"))?;
    let body: String = pem[start..end]
        .chars()
        .filter(|c| !c.is_ascii_whitespace())
        .collect();
    STANDARD
        .decode(body)
        .map_err(|_| "the PEM body is not base64".to_owned())
}

/// Mints admin JWTs and reuses each until shortly before it expires: one RSA signature every
/// few minutes instead of one per call. The endpoint and the import CLI share it.
pub struct AdminJwt {
    key: AdminKey,
    project_id: String,
    rng: SystemRandom,
    current: Mutex<Option<Minted>>,
    metrics: Option<Arc<Metrics>>,
}

struct Minted {
    jwt: Arc<str>,
    renew_at: u64,
}

impl AdminJwt {
    pub fn new(key: AdminKey, project_id: String) -> Self {
        Self {
            key,
            project_id,
            rng: SystemRandom::new(),
            current: Mutex::new(None),
            metrics: None,
        }
    }

    /// Counts reuses and mints as `admin_jwt` cache hits and misses.
    pub(crate) fn with_metrics(self, metrics: Arc<Metrics>) -> Self {
        Self {
            metrics: Some(metrics),
            ..self
        }
    }

    /// A valid JWT at `now` (seconds since the epoch).
    pub fn at(&self, now: u64) -> Result<Arc<str>, SigningFailed> {
        // The lock is held while signing (about a millisecond) so that concurrent callers share
        // one new JWT rather than each minting theirs.
        let mut current = self.current.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(minted) = current.as_ref().filter(|minted| now < minted.renew_at) {
            self.count("hit");
            return Ok(Arc::clone(&minted.jwt));
        }
        self.count("miss");
        let jwt: Arc<str> = self.mint(now)?.into();
        *current = Some(Minted {
            jwt: Arc::clone(&jwt),
            renew_at: now + LIFETIME_SECS - RENEW_BEFORE_EXPIRY_SECS,
        });
        Ok(jwt)
    }

    fn count(&self, result: &'static str) {
        if let Some(metrics) = &self.metrics {
            metrics.cache("admin_jwt", result);
        }
    }

    fn mint(&self, now: u64) -> Result<String, SigningFailed> {
        let header = json!({ "alg": "RS256", "kid": self.key.id, "typ": "JWT" });
        let claims = json!({ "aud": self.project_id, "iat": now, "exp": now + LIFETIME_SECS });
        let signing_input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let mut signature = vec![0; self.key.pair.public().modulus_len()];
        self.key
            .pair
            .sign(
                &RSA_PKCS1_SHA256,
                &self.rng,
                signing_input.as_bytes(),
                &mut signature,
            )
            .map_err(|_| SigningFailed)?;
        Ok(format!(
            "{signing_input}.{}",
            URL_SAFE_NO_PAD.encode(signature)
        ))
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
    use super::*;

    const PEM: &str = include_str!("../../../devstack/keys/authgear-admin.pem");

    fn decoded(part: &str) -> serde_json::Value {
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap()
    }

    #[test]
    fn mints_the_documented_claims_and_reuses_the_token() {
        let key = AdminKey::from_pem("kid-1".into(), PEM).unwrap();
        let jwt = AdminJwt::new(key, "myapp".into());
        let first = jwt.at(1_000).unwrap();
        assert_eq!(jwt.at(1_000 + 239).unwrap(), first);
        assert_ne!(jwt.at(1_000 + 240).unwrap(), first);
        let parts: Vec<&str> = first.split('.').collect();
        assert_eq!(
            decoded(parts[0]),
            json!({"alg": "RS256", "kid": "kid-1", "typ": "JWT"})
        );
        assert_eq!(
            decoded(parts[1]),
            json!({"aud": "myapp", "iat": 1_000, "exp": 1_300})
        );
    }

    #[test]
    fn explains_keys_it_cannot_use() {
        let pkcs1 = "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----";
        let refused = |pem| AdminKey::from_pem("k".into(), pem).unwrap_err();
        assert!(refused(pkcs1).contains("PKCS#1"));
        assert!(refused("nothing").contains("BEGIN PRIVATE KEY"));
    }
}
