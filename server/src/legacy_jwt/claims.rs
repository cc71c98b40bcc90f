//! The registered claims of a legacy token ([RFC 7519 §4.1]) and the checks on them.
//!
//! [RFC 7519 §4.1]: https://www.rfc-editor.org/rfc/rfc7519#section-4.1

use std::time::Duration;

use serde_json::{Map, Value};

use super::VerifyError;

/// What a legacy token must say about itself.
#[derive(Clone, Debug)]
pub(crate) struct ClaimRules {
    pub(crate) issuer: String,
    pub(crate) leeway: Duration,
}

/// The claims of a token whose signature has been verified.
#[derive(Debug)]
pub(crate) struct Claims(Map<String, Value>);

impl Claims {
    pub(crate) fn parse(json: &[u8]) -> Result<Self, VerifyError> {
        serde_json::from_slice(json)
            .map(Self)
            .map_err(|_| VerifyError::Malformed("the payload is not a JSON object"))
    }

    /// Claims a legacy IdP answered about a credential (userinfo, introspection, a session
    /// check).
    pub(crate) fn from_object(object: Map<String, Value>) -> Self {
        Self(object)
    }

    /// `exp`, when it is a number.
    pub(crate) fn expires_at(&self) -> Option<f64> {
        self.0.get("exp").and_then(Value::as_f64)
    }

    /// A claim, whatever its type.
    pub(crate) fn get(&self, name: &str) -> Option<&Value> {
        self.0.get(name)
    }

    /// A claim that holds a string; `None` when it is absent or not a string.
    pub(crate) fn string(&self, name: &str) -> Option<&str> {
        self.0.get(name).and_then(Value::as_str)
    }

    /// Issuer, audience, then time: a token from elsewhere is `invalid` even when it has also
    /// expired.
    pub(crate) fn validate(
        &self,
        rules: &ClaimRules,
        audience: &str,
        now: f64,
    ) -> Result<(), VerifyError> {
        if self.required_string("iss")? != rules.issuer {
            return Err(VerifyError::WrongIssuer);
        }
        // RFC 7519 §4.1.3: a single string or an array of strings.
        let audience_matches = match self.0.get("aud") {
            Some(Value::String(aud)) => aud == audience,
            Some(Value::Array(auds)) => auds.iter().any(|aud| aud.as_str() == Some(audience)),
            Some(_) => {
                return Err(VerifyError::Malformed(
                    "`aud` is neither a string nor an array",
                ));
            }
            None => return Err(VerifyError::MissingClaim("aud")),
        };
        if !audience_matches {
            return Err(VerifyError::WrongAudience);
        }
        let leeway = rules.leeway.as_secs_f64();
        // A token that never expires is not one we exchange.
        let expires = self
            .numeric_date("exp")?
            .ok_or(VerifyError::MissingClaim("exp"))?;
        if now >= expires + leeway {
            return Err(VerifyError::Expired);
        }
        if let Some(not_before) = self.numeric_date("nbf")? {
            if now + leeway < not_before {
                return Err(VerifyError::NotYetValid);
            }
        }
        Ok(())
    }

    fn required_string(&self, name: &'static str) -> Result<&str, VerifyError> {
        match self.0.get(name) {
            Some(Value::String(value)) => Ok(value),
            Some(_) => Err(VerifyError::Malformed(
                "a registered claim has the wrong type",
            )),
            None => Err(VerifyError::MissingClaim(name)),
        }
    }

    /// RFC 7519 §2: seconds since the epoch, possibly with a fraction.
    fn numeric_date(&self, name: &'static str) -> Result<Option<f64>, VerifyError> {
        match self.0.get(name) {
            None => Ok(None),
            Some(value) => value
                .as_f64()
                .map(Some)
                .ok_or(VerifyError::Malformed("a date claim is not a number")),
        }
    }
}
