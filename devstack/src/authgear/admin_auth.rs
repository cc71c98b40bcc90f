//! Admin API authentication: pkg/lib/admin/authz/middleware.go, which parses the bearer token
//! with `jwt.ParseString(token, jwt.WithKeySet(publicKeys))` and then
//! `jwt.Validate(token, WithAudience(appID), WithAcceptableSkew(duration.ClockSkew))`
//! (lestrrat-go/jwx v2).
//!
//! What that amounts to, and what is emulated here:
//! - `Authorization` must match `^Bearer (.*)$` (case-sensitive scheme, one space).
//! - The header must carry a `kid` naming a key of the set (jws/key_provider.go: `requireKid`).
//! - The signature is checked with the algorithm recorded on the key (`alg: RS256`), never the
//!   one the token names: an HS256 or `alg: none` token cannot verify.
//! - `aud` must contain the project ID, as a string or in an array.
//! - `exp`, `iat`, `nbf` are checked only when present, each with 5 minutes of skew
//!   (jwt/validate.go; pkg/util/duration: ClockSkew). A token without `exp` is accepted.
//!
//! Any failure is `403` with Go's `http.Error(w, "Forbidden", 403)` body.

use std::fmt;

use crate::jose::{Compact, RsaPublic};

/// pkg/util/duration/duration.go: ClockSkew = 5 * time.Minute.
const CLOCK_SKEW: i64 = 5 * 60;

/// Why an Admin API request was refused (logged; the client only ever sees 403).
#[derive(Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum AdminAuthError {
    NoBearerToken,
    NotAJws,
    NoKeyId,
    UnknownKeyId,
    BadSignature,
    WrongAudience,
    Expired,
    IssuedInTheFuture,
    NotYetValid,
}

impl fmt::Display for AdminAuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::NoBearerToken => "no `Authorization: Bearer` header",
            Self::NotAJws => "the bearer token is not a compact JWS",
            Self::NoKeyId => "no key ID (\"kid\") specified in token",
            Self::UnknownKeyId => "no key in the set has the token's kid",
            Self::BadSignature => "the signature does not verify as RS256 with the admin key",
            Self::WrongAudience => "\"aud\" not satisfied",
            Self::Expired => "\"exp\" not satisfied",
            Self::IssuedInTheFuture => "\"iat\" not satisfied",
            Self::NotYetValid => "\"nbf\" not satisfied",
        })
    }
}

pub fn verify(
    authorization: Option<&str>,
    key: &RsaPublic,
    project_id: &str,
    now: i64,
) -> Result<(), AdminAuthError> {
    let token = authorization
        .and_then(|value| value.strip_prefix("Bearer "))
        .ok_or(AdminAuthError::NoBearerToken)?;
    let jwt = Compact::parse(token).ok_or(AdminAuthError::NotAJws)?;
    match jwt.kid() {
        None | Some("") => return Err(AdminAuthError::NoKeyId),
        Some(kid) if kid != key.kid => return Err(AdminAuthError::UnknownKeyId),
        Some(_) => {}
    }
    if !jwt.verify_rs256(key) {
        return Err(AdminAuthError::BadSignature);
    }
    if !jwt.has_audience(project_id) {
        return Err(AdminAuthError::WrongAudience);
    }
    // jwx treats a zero time as absent.
    let claim = |name| jwt.numeric(name).filter(|value| *value != 0);
    if claim("iat").is_some_and(|iat| now < iat - CLOCK_SKEW) {
        return Err(AdminAuthError::IssuedInTheFuture);
    }
    if claim("exp").is_some_and(|exp| now >= exp + CLOCK_SKEW) {
        return Err(AdminAuthError::Expired);
    }
    if claim("nbf").is_some_and(|nbf| now < nbf - CLOCK_SKEW) {
        return Err(AdminAuthError::NotYetValid);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::{Map, Value, json};

    use super::*;
    use crate::authgear::keys::{ADMIN_KEY_ID, ADMIN_KEY_PEM};
    use crate::jose::{RsaKey, Signer, encode};

    const NOW: i64 = 1_800_000_000;

    fn key() -> RsaKey {
        RsaKey::from_pem(ADMIN_KEY_ID.trim(), ADMIN_KEY_PEM).unwrap()
    }

    fn token(kid: Option<&str>, claims: Value, signer: &Signer<'_>) -> String {
        let mut header = Map::new();
        if let Some(kid) = kid {
            header.insert("kid".into(), kid.into());
        }
        format!("Bearer {}", encode(header, &claims, signer))
    }

    fn check(authorization: &str) -> Result<(), AdminAuthError> {
        verify(Some(authorization), key().public(), "devstack", NOW)
    }

    #[test]
    fn accepts_the_docs_shapes() {
        let key = key();
        let kid = Some(key.kid());
        let rs256 = Signer::Rs256(&key);
        let array = json!({"aud": ["devstack"], "iat": NOW, "exp": NOW + 300});
        assert_eq!(check(&token(kid, array, &rs256)), Ok(()));
        let string = json!({"aud": "devstack", "iat": NOW, "exp": NOW + 300});
        assert_eq!(check(&token(kid, string, &rs256)), Ok(()));
        // jwx validates exp only when present.
        assert_eq!(
            check(&token(kid, json!({"aud": "devstack"}), &rs256)),
            Ok(())
        );
        // Within the 5-minute skew.
        let late = json!({"aud": "devstack", "exp": NOW - 299});
        assert_eq!(check(&token(kid, late, &rs256)), Ok(()));
    }

    #[test]
    fn refuses_what_jwx_refuses() {
        let key = key();
        let kid = Some(key.kid());
        let rs256 = Signer::Rs256(&key);
        let good = json!({"aud": "devstack", "iat": NOW, "exp": NOW + 300});
        assert_eq!(
            check(&token(None, good.clone(), &rs256)),
            Err(AdminAuthError::NoKeyId)
        );
        assert_eq!(
            check(&token(Some("other"), good.clone(), &rs256)),
            Err(AdminAuthError::UnknownKeyId)
        );
        let pem = key.public().spki_pem();
        assert_eq!(
            check(&token(kid, good.clone(), &Signer::Hs256(pem.as_bytes()))),
            Err(AdminAuthError::BadSignature)
        );
        assert_eq!(
            check(&token(kid, good.clone(), &Signer::None)),
            Err(AdminAuthError::BadSignature)
        );
        assert_eq!(
            check(&token(kid, json!({"aud": "other"}), &rs256)),
            Err(AdminAuthError::WrongAudience)
        );
        assert_eq!(
            check(&token(
                kid,
                json!({"aud": "devstack", "exp": NOW - 300}),
                &rs256
            )),
            Err(AdminAuthError::Expired)
        );
        assert_eq!(
            check(&token(
                kid,
                json!({"aud": "devstack", "iat": NOW + 301}),
                &rs256
            )),
            Err(AdminAuthError::IssuedInTheFuture)
        );
        assert_eq!(
            check(&token(
                kid,
                json!({"aud": "devstack", "nbf": NOW + 301}),
                &rs256
            )),
            Err(AdminAuthError::NotYetValid)
        );
        let bearer = token(kid, good, &rs256);
        assert_eq!(
            check(&bearer.replacen("Bearer", "bearer", 1)),
            Err(AdminAuthError::NoBearerToken)
        );
    }
}
