//! What can be read from a token without its signature: format, expiry, issuer, audience.
//!
//! The engine cannot verify a legacy signature (the endpoint does); it reads claims only to avoid
//! sending a credential that is sure to be refused, and to check that the tokens the endpoint
//! returns were issued for the configured Authgear project and client.

use jwt_compact::UntrustedToken;
use serde::Deserialize;

/// A token's readable facts. Opaque tokens have none but their format.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TokenFacts {
    pub format: TokenFormat,
    /// `exp`, in Unix seconds.
    pub expires_at: Option<i64>,
    /// `iat`, in Unix seconds: the issuer's clock when it issued the token.
    pub issued_at: Option<i64>,
    pub issuer: Option<String>,
    pub audience: Vec<String>,
    pub subject: Option<String>,
    pub client_id: Option<String>,
    /// Bound to a DPoP key (RFC 9449): `cnf.jkt` in its claims, or `token_type: "DPoP"`
    /// recorded by its SDK. Only the key's holder can use it.
    pub dpop_bound: bool,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TokenFormat {
    Jwt,
    #[default]
    Opaque,
}

impl TokenFormat {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Jwt => "jwt",
            Self::Opaque => "opaque",
        }
    }
}

#[derive(Deserialize)]
struct ReadableClaims {
    iss: Option<String>,
    #[serde(default)]
    aud: Audience,
    sub: Option<String>,
    client_id: Option<String>,
    cnf: Option<Confirmation>,
}

/// RFC 7800 `cnf`; RFC 9449 §6.1 puts the DPoP key's thumbprint in `jkt`.
#[derive(Deserialize)]
struct Confirmation {
    jkt: Option<String>,
}

/// RFC 7519 §4.1.3: `aud` is a string or an array of strings.
#[derive(Default, Deserialize)]
#[serde(untagged)]
enum Audience {
    One(String),
    Many(Vec<String>),
    #[default]
    None,
}

/// Reads a token's facts. Anything that is not a well-formed JWS with JSON claims is opaque:
/// legacy refresh tokens and JWE session tokens are, and they are sent as they are.
pub fn inspect(token: &str) -> TokenFacts {
    let Ok(untrusted) = UntrustedToken::new(token) else {
        return TokenFacts::default();
    };
    let Ok(claims) = untrusted.deserialize_claims_unchecked::<ReadableClaims>() else {
        return TokenFacts::default();
    };
    let custom = claims.custom;
    TokenFacts {
        format: TokenFormat::Jwt,
        expires_at: claims.expiration.map(|at| at.timestamp()),
        issued_at: claims.issued_at.map(|at| at.timestamp()),
        issuer: custom.iss,
        audience: match custom.aud {
            Audience::One(one) => vec![one],
            Audience::Many(many) => many,
            Audience::None => Vec::new(),
        },
        subject: custom.sub,
        client_id: custom.client_id,
        dpop_bound: custom.cnf.is_some_and(|cnf| cnf.jkt.is_some()),
    }
}

impl TokenFacts {
    /// Whether `exp` has passed at `now` (Unix seconds), allowing `leeway` seconds of skew.
    /// A token without `exp` never counts as expired: the endpoint decides.
    pub fn is_expired(&self, now: i64, leeway: i64) -> bool {
        self.expires_at
            .is_some_and(|exp| exp.saturating_add(leeway) < now)
    }
}

/// Issuers compare as origins: `https://a.example` and `https://a.example/` are one issuer.
pub fn same_issuer(left: &str, right: &str) -> bool {
    left.trim_end_matches('/') == right.trim_end_matches('/')
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// An unsigned JWT with the given claims: enough for inspection, which never checks signatures.
    pub(crate) fn jwt(claims: serde_json::Value) -> String {
        use base64ct::{Base64UrlUnpadded, Encoding};
        let header = Base64UrlUnpadded::encode_string(br#"{"alg":"RS256","typ":"JWT"}"#);
        let body = Base64UrlUnpadded::encode_string(claims.to_string().as_bytes());
        format!("{header}.{body}.c2lnbmF0dXJl")
    }

    #[test]
    fn reads_claims_of_a_jwt() {
        let facts = inspect(&jwt(serde_json::json!({
            "iss": "https://legacy.example", "aud": ["api", "other"], "sub": "u1",
            "exp": 1_700_000_000, "iat": 1_699_999_000, "client_id": "c1"
        })));
        assert_eq!(facts.format, TokenFormat::Jwt);
        assert_eq!(facts.expires_at, Some(1_700_000_000));
        assert_eq!(facts.issued_at, Some(1_699_999_000));
        assert_eq!(facts.issuer.as_deref(), Some("https://legacy.example"));
        assert_eq!(facts.audience, ["api", "other"]);
        assert_eq!(facts.subject.as_deref(), Some("u1"));
        assert_eq!(facts.client_id.as_deref(), Some("c1"));
    }

    #[test]
    fn a_dpop_thumbprint_binds_the_token() {
        let bound = inspect(&jwt(serde_json::json!({ "cnf": { "jkt": "0ZcOCORZNYy" } })));
        assert!(bound.dpop_bound);
        assert!(!inspect(&jwt(serde_json::json!({ "cnf": {} }))).dpop_bound);
        assert!(!inspect(&jwt(serde_json::json!({ "sub": "u" }))).dpop_bound);
    }

    #[test]
    fn single_audience_string() {
        let facts = inspect(&jwt(serde_json::json!({ "aud": "api" })));
        assert_eq!(facts.audience, ["api"]);
        assert_eq!(facts.expires_at, None);
    }

    #[test]
    fn anything_else_is_opaque() {
        for token in [
            "v1.MxYzOpaque",
            "a.b.c",
            "",
            "eyJhbGciOiJSUzI1NiJ9.bm90IGpzb24.c2ln",
            "h.e.a.d.er",
        ] {
            assert_eq!(inspect(token), TokenFacts::default(), "{token}");
        }
    }

    #[test]
    fn expiry_allows_leeway() {
        let facts = TokenFacts {
            expires_at: Some(1000),
            ..TokenFacts::default()
        };
        assert!(!facts.is_expired(1000, 0));
        assert!(facts.is_expired(1001, 0));
        assert!(!facts.is_expired(1059, 60));
        assert!(!TokenFacts::default().is_expired(i64::MAX, 0));
    }

    #[test]
    fn issuers_ignore_a_trailing_slash() {
        assert!(same_issuer("https://a.example/", "https://a.example"));
        assert!(!same_issuer("https://a.example", "https://b.example"));
    }
}
