//! How the legacy IdP recognises its own access tokens: JWTs it signed (with either published
//! key), or opaque tokens it registered.

use serde_json::{Map, Value};

use super::Legacy;
use crate::jose::Compact;

impl Legacy {
    /// The token's claims, or why it is not a valid access token.
    pub(super) fn verify_access_token(
        &self,
        token: &str,
        now: i64,
    ) -> Result<Map<String, Value>, &'static str> {
        if let Some(record) = self.store().opaque.get(token) {
            return if record.expires_at > now {
                Ok(record.claims.clone())
            } else {
                Err("token expired")
            };
        }
        let jwt = Compact::parse(token).ok_or("unknown token")?;
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
        if !jwt.has_audience(&self.audience) {
            return Err("wrong audience");
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
