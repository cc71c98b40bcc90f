//! What can be read from a token without its signature: format, expiry, issuer, audience.
//!
//! The engine cannot verify a legacy signature (the endpoint does); it reads claims only to avoid
//! sending a credential that is sure to be refused, and to check that the tokens the endpoint
//! returns were issued for the configured Authgear project and client.

use base64ct::{Base64UrlUnpadded, Encoding};
use chrono::DateTime;
use jwt_compact::UntrustedToken;

use crate::core::json::{Json, Repeated};

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

/// Reads a token's facts. Anything that is not a well-formed JWS with JSON claims is opaque:
/// legacy refresh tokens and JWE session tokens are, and they are sent as they are.
pub fn inspect(token: &str) -> TokenFacts {
    // jwt-compact checks the compact form, the base64url of each part and the header (`alg`,
    // a JSON `cty`); the claims are read with the one JSON walker, not a serde deserialiser.
    if UntrustedToken::new(token).is_err() {
        return TokenFacts::default();
    }
    read_claims(token).unwrap_or_default()
}

/// A claim the reading refuses, making the token opaque: as serde refused it before.
struct Malformed;

impl From<Repeated> for Malformed {
    fn from(_: Repeated) -> Self {
        Self
    }
}

/// The facts in the claims segment (decoded as jwt-compact decodes it), or `Malformed` when
/// the claims are not a JSON object of well-typed claims.
fn read_claims(token: &str) -> Result<TokenFacts, Malformed> {
    let segment = token.split('.').nth(1).ok_or(Malformed)?;
    let bytes = Base64UrlUnpadded::decode_vec(segment).map_err(|_| Malformed)?;
    let text = core::str::from_utf8(&bytes).map_err(|_| Malformed)?;
    let claims = Json::parse(text).map_err(|_| Malformed)?;
    if claims.as_object().is_none() {
        return Err(Malformed);
    }
    // `nbf` is not used, but a malformed one made jwt-compact refuse the claims.
    timestamp(&claims, "nbf")?;
    Ok(TokenFacts {
        format: TokenFormat::Jwt,
        expires_at: timestamp(&claims, "exp")?,
        issued_at: timestamp(&claims, "iat")?,
        issuer: text_claim(&claims, "iss")?,
        audience: audience(claims.member(&["aud"])?)?,
        subject: text_claim(&claims, "sub")?,
        client_id: text_claim(&claims, "client_id")?,
        dpop_bound: match claims.member(&["cnf"])? {
            None | Some(Json::Null) => false,
            Some(cnf @ Json::Object(_)) => text_claim(cnf, "jkt")?.is_some(),
            Some(_) => return Err(Malformed),
        },
    })
}

/// A NumericDate (RFC 7519 §2) as jwt-compact reads it: whole seconds, a fraction cut, within
/// the range of a date; `null` is refused.
fn timestamp(claims: &Json, name: &str) -> Result<Option<i64>, Malformed> {
    let Some(value) = claims.member(&[name])? else {
        return Ok(None);
    };
    let seconds = value.as_i64().ok_or(Malformed)?;
    DateTime::from_timestamp(seconds, 0).ok_or(Malformed)?;
    Ok(Some(seconds))
}

/// A string claim; `null` reads as absent.
fn text_claim(claims: &Json, name: &str) -> Result<Option<String>, Malformed> {
    match claims.member(&[name])? {
        None | Some(Json::Null) => Ok(None),
        Some(Json::String(text)) => Ok(Some(text.clone())),
        Some(_) => Err(Malformed),
    }
}

/// RFC 7519 §4.1.3: `aud` is a string or an array of strings.
fn audience(aud: Option<&Json>) -> Result<Vec<String>, Malformed> {
    match aud {
        None | Some(Json::Null) => Ok(Vec::new()),
        Some(Json::String(one)) => Ok(vec![one.clone()]),
        Some(many @ Json::Array(_)) => many.as_strings().ok_or(Malformed),
        Some(_) => Err(Malformed),
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
        jwt_of_text(&claims.to_string())
    }

    /// An unsigned JWT whose claims segment is `claims`, whatever it is.
    fn jwt_of_text(claims: &str) -> String {
        let header = Base64UrlUnpadded::encode_string(br#"{"alg":"RS256","typ":"JWT"}"#);
        let body = Base64UrlUnpadded::encode_string(claims.as_bytes());
        format!("{header}.{body}.c2lnbmF0dXJl")
    }

    /// How the claims were read before issue 15: jwt-compact's serde deserialiser, kept as the
    /// oracle the walker's reading is held to.
    #[cfg(not(target_arch = "wasm32"))]
    mod serde_reading {
        use super::super::{TokenFacts, TokenFormat, UntrustedToken, inspect};
        use super::jwt_of_text;
        use serde::Deserialize;

        #[derive(Deserialize)]
        struct ReadableClaims {
            iss: Option<String>,
            #[serde(default)]
            aud: Audience,
            sub: Option<String>,
            client_id: Option<String>,
            cnf: Option<Confirmation>,
        }

        #[derive(Deserialize)]
        struct Confirmation {
            jkt: Option<String>,
        }

        #[derive(Default, Deserialize)]
        #[serde(untagged)]
        enum Audience {
            One(String),
            Many(Vec<String>),
            #[default]
            None,
        }

        fn inspect_with_serde(token: &str) -> TokenFacts {
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

        #[test]
        fn claims_read_as_serde_read_them() {
            for claims in [
                r#"{}"#,
                r#"  {"sub":"u"}  "#,
                r#"{"sub":"u","client_id":"c","iss":"https://i","aud":"a"}"#,
                r#"{"exp":1700000000,"iat":1699999000,"nbf":1699999000}"#,
                r#"{"exp":1700000000.9}"#,
                r#"{"exp":-1.9}"#,
                r#"{"exp":1e3}"#,
                r#"{"exp":-0}"#,
                r#"{"exp":"1700000000"}"#,
                r#"{"exp":null}"#,
                r#"{"exp":true}"#,
                r#"{"exp":1e300}"#,
                r#"{"exp":9223372036854775807}"#,
                r#"{"exp":9223372036854775808}"#,
                r#"{"exp":8210298412799}"#,
                r#"{"exp":8210298412800}"#,
                r#"{"exp":-8334601228800}"#,
                r#"{"exp":-8334601228801}"#,
                r#"{"nbf":"x"}"#,
                r#"{"nbf":null}"#,
                r#"{"iat":[1]}"#,
                r#"{"iss":null,"sub":null,"client_id":null}"#,
                r#"{"iss":5}"#,
                r#"{"sub":{}}"#,
                r#"{"iss":"a","iss":"b"}"#,
                r#"{"exp":1,"exp":2}"#,
                r#"{"x":1,"x":2}"#,
                r#"{"aud":null}"#,
                r#"{"aud":[]}"#,
                r#"{"aud":["a","b"]}"#,
                r#"{"aud":["a",5]}"#,
                r#"{"aud":[null]}"#,
                r#"{"aud":5}"#,
                r#"{"aud":{}}"#,
                r#"{"aud":"a","aud":"b"}"#,
                r#"{"cnf":null}"#,
                r#"{"cnf":{}}"#,
                r#"{"cnf":{"jkt":null}}"#,
                r#"{"cnf":{"jkt":"t"}}"#,
                r#"{"cnf":{"jkt":"t","other":1}}"#,
                r#"{"cnf":{"jkt":5}}"#,
                r#"{"cnf":{"jkt":"a","jkt":"b"}}"#,
                r#"{"cnf":"x"}"#,
                r#"{"cnf":true}"#,
                r#"{"cnf":[]}"#,
                r#"{"x":{"y":[1,{"z":null}],"w":-1.5e-7}}"#,
                r#"{"sub":"\u00e9\ud83d\ude00"}"#,
                r#"{"sub":"\ud800"}"#,
                r#"{"sub":"u",}"#,
                r#"{"sub":"u"} x"#,
                "[]",
                r#""s""#,
                "1",
                "null",
                "",
            ] {
                let token = jwt_of_text(claims);
                assert_eq!(inspect(&token), inspect_with_serde(&token), "{claims}");
            }
        }
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
