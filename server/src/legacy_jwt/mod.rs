//! Verification of a legacy JWT (an access token or an ID token) against the legacy IdP's JWKS.
//!
//! The order of the checks is the order of trust: the shape, the algorithm against the allowlist,
//! the key (the JWK's type and `alg` must fit the token's `alg`), the signature, and only then
//! the claims, which mean nothing until the signature holds.

mod alg;
mod claims;
mod jwk;
mod jwks;
mod jws;

use std::fmt;

pub use alg::Algorithm;
pub(crate) use claims::Claims;
pub(crate) use jwk::KeySet;
pub(crate) use jwks::JwksUnavailable;
pub(crate) use jws::Signed;

use std::sync::Arc;
use std::time::Duration;

use crate::config::JwtConfig;
use crate::metrics::Metrics;
use claims::ClaimRules;
use jwks::RemoteKeySet;
use jws::CompactJws;

pub(crate) struct Verifier {
    algorithms: Vec<Algorithm>,
    rules: ClaimRules,
    keys: RemoteKeySet,
}

impl Verifier {
    pub(crate) fn new(
        config: &JwtConfig,
        issuer: &str,
        leeway: Duration,
        http: reqwest::Client,
        metrics: Arc<Metrics>,
    ) -> Self {
        Self {
            algorithms: config.algorithms.clone(),
            rules: ClaimRules {
                issuer: issuer.to_owned(),
                leeway,
            },
            keys: RemoteKeySet::new(
                config.jwks_url.clone(),
                http,
                config.jwks_cooldown,
                config.jwks_max_age,
                metrics,
            ),
        }
    }

    /// The key set, fetched when it is not cached (for `--check-config`).
    pub(crate) async fn key_set(&self) -> Result<Arc<KeySet>, JwksUnavailable> {
        self.keys.keys().await
    }

    pub(crate) fn algorithms(&self) -> &[Algorithm] {
        &self.algorithms
    }

    /// Verifies `token` at `now` (seconds since the epoch), for a token whose `aud` must
    /// contain `audience`, and returns its claims.
    pub(crate) async fn verify(
        &self,
        token: &str,
        audience: &str,
        now: f64,
    ) -> Result<Claims, VerifyError> {
        let CompactJws { signed, signature } = CompactJws::parse(token)?;
        // `jku`, `x5u` and `jwk` headers are ignored on purpose: keys come from the configured
        // JWKS only, never from the token that is to be checked with them.
        if signed.header.crit.is_some() {
            return Err(VerifyError::CriticalHeader);
        }
        let alg = Algorithm::from_name(&signed.header.alg)
            .filter(|alg| self.algorithms.contains(alg))
            .ok_or(VerifyError::AlgorithmRefused)?;
        let kid = signed.header.kid.as_deref();

        let mut keys = self.keys.keys().await?;
        if let Some(kid) = kid {
            if !keys.has_kid(kid) {
                keys = self.keys.keys_newer_than(&keys).await?;
                if !keys.has_kid(kid) {
                    return Err(VerifyError::UnknownKey);
                }
            }
        }
        let mut candidates = keys.candidates(kid, alg).peekable();
        if candidates.peek().is_none() {
            return Err(VerifyError::NoFittingKey);
        }
        if !candidates.any(|key| key.verifies(signed.input.as_bytes(), &signature)) {
            return Err(VerifyError::BadSignature);
        }

        let claims = Claims::parse(&signed.payload)?;
        claims.validate(&self.rules, audience, now)?;
        Ok(claims)
    }
}

/// Why a legacy token is refused. Messages never quote the token.
#[derive(Debug)]
#[non_exhaustive]
pub(crate) enum VerifyError {
    Malformed(&'static str),
    /// `none`, an HMAC, an unknown name, or an algorithm outside `LEGACY_ALGORITHMS`.
    AlgorithmRefused,
    /// RFC 7515 §4.1.11: extensions we do not understand must not be ignored.
    CriticalHeader,
    /// No key of a freshly fetched JWKS has the token's `kid`.
    UnknownKey,
    /// The keys that could have signed the token are of another type or algorithm.
    NoFittingKey,
    BadSignature,
    WrongIssuer,
    WrongAudience,
    MissingClaim(&'static str),
    Expired,
    NotYetValid,
    /// The JWKS cannot be had now: nothing is known about the token yet.
    KeySetUnavailable(JwksUnavailable),
}

impl From<JwksUnavailable> for VerifyError {
    fn from(error: JwksUnavailable) -> Self {
        Self::KeySetUnavailable(error)
    }
}

impl fmt::Display for VerifyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Malformed(what) => write!(f, "the legacy token is malformed: {what}"),
            Self::AlgorithmRefused => {
                f.write_str("the legacy token's signature algorithm is not allowed")
            }
            Self::CriticalHeader => {
                f.write_str("the legacy token has critical header parameters (`crit`)")
            }
            Self::UnknownKey => f.write_str("no key of the legacy JWKS has the token's `kid`"),
            Self::NoFittingKey => {
                f.write_str("no key of the legacy JWKS fits the token's signature algorithm")
            }
            Self::BadSignature => f.write_str("the legacy token's signature does not verify"),
            Self::WrongIssuer => f.write_str("the legacy token's `iss` is not the expected issuer"),
            Self::WrongAudience => {
                f.write_str("the legacy token's `aud` does not name the expected audience")
            }
            Self::MissingClaim(name) => write!(f, "the legacy token has no `{name}` claim"),
            Self::Expired => f.write_str("the legacy token has expired"),
            Self::NotYetValid => f.write_str("the legacy token is not valid yet (`nbf`)"),
            Self::KeySetUnavailable(error) => {
                write!(f, "the legacy token cannot be checked now: {error}")
            }
        }
    }
}

impl std::error::Error for VerifyError {}
