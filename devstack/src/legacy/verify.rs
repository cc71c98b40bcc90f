//! How the legacy IdP recognises its own access tokens: JWTs it signed (with either published
//! key), or opaque tokens it registered.

use serde_json::{Map, Value};

use super::Legacy;
use crate::jose::Compact;

/// Whose JWT access tokens a route honours.
#[derive(Clone, Copy)]
pub(super) enum Audience {
    /// This IdP's own API (`aud` the legacy audience): userinfo.
    Ours,
    /// Any resource server's: introspection answers for every token the IdP issued (RFC 7662
    /// §2.2), and checking `aud` is the resource server's business. An ID token (`aud` the
    /// legacy client) is still no access token.
    Any,
}

impl Legacy {
    /// The token's claims, or why it is not a valid access token.
    pub(super) fn verify_access_token(
        &self,
        token: &str,
        audience: Audience,
        now: i64,
    ) -> Result<Map<String, Value>, &'static str> {
        if let Some(record) = self.store().opaque.get(token) {
            return if record.expires_at > now {
                Ok(record.claims.clone())
            } else {
                Err("token expired")
            };
        }
        // Read as Node's and Go's JOSE libraries read tokens: a holder may re-spell one.
        let jwt = Compact::parse_lenient(token).ok_or("unknown token")?;
        let verified = match (jwt.alg(), jwt.kid()) {
            (Some("RS256"), Some(kid)) if kid == self.keys.rs256.kid() => {
                jwt.verify_rs256(self.keys.rs256.public())
            }
            (Some("ES256"), Some(kid)) if kid == self.keys.es256.kid() => {
                jwt.verify_es256(&self.keys.es256)
            }
            _ => false,
        };
        if !verified {
            return Err("bad signature, algorithm or key ID");
        }
        if jwt.claims.get("iss").and_then(Value::as_str) != Some(self.origin.as_str()) {
            return Err("wrong issuer");
        }
        match audience {
            Audience::Ours if !jwt.has_audience(&self.audience) => return Err("wrong audience"),
            Audience::Any if jwt.has_audience(&self.client_id) => return Err("an ID token"),
            _ => {}
        }
        if jwt.numeric("exp").is_none_or(|exp| exp <= now) {
            return Err("token expired");
        }
        if jwt.numeric("nbf").is_some_and(|nbf| nbf > now) {
            return Err("token not yet valid");
        }
        Ok(jwt.claims)
    }
}
