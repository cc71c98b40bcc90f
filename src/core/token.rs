//! What can be read from a token without its signature: format, expiry, issuer, audience.
//!
//! The engine cannot verify a legacy signature (the endpoint does); it reads claims only to avoid
//! sending a credential that is sure to be refused, and to check that the tokens the endpoint
//! returns were issued for the configured Authgear project and client.

use core::cmp::Ordering;

use crate::core::base64;
use crate::core::json::{Json, Repeated, serde_f64};
use crate::prelude::*;

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
///
/// A token is read as jwt-compact 0.8 reads one (`UntrustedToken::new`, then its claims), with
/// the one JSON walker: jwt-compact's header parse alone brings serde_json, serde's flattening
/// and float formatting into the Wasm (26 KB gzip, issue 15). The native tests and the fuzz
/// target hold this reading to jwt-compact's ([`oracle`]).
pub fn inspect(token: &str) -> TokenFacts {
    read_jws(token).unwrap_or_default()
}

/// A claim or header field the reading refuses, making the token opaque, as jwt-compact
/// refused it.
struct Malformed;

impl From<Repeated> for Malformed {
    fn from(_: Repeated) -> Self {
        Self
    }
}

/// The compact form: three base64url segments (no padding), a header jwt-compact accepts, and
/// claims that are a JSON object of well-typed claims.
fn read_jws(token: &str) -> Result<TokenFacts, Malformed> {
    let mut segments = token.split('.');
    let (Some(header), Some(claims), Some(signature), None) = (
        segments.next(),
        segments.next(),
        segments.next(),
        segments.next(),
    ) else {
        return Err(Malformed);
    };
    check_header(&decoded_json(header)?)?;
    base64::decode(signature).ok_or(Malformed)?;
    read_claims(&decoded_json(claims)?)
}

/// A segment's JSON. Both are read by jwt-compact through serde's flattening, which buffers
/// every value and so refuses a number out of `f64`'s range anywhere in them.
fn decoded_json(segment: &str) -> Result<Json, Malformed> {
    let bytes = base64::decode(segment).ok_or(Malformed)?;
    let text = core::str::from_utf8(&bytes).map_err(|_| Malformed)?;
    let json = Json::parse(text).map_err(|_| Malformed)?;
    if !json.numbers_are_finite() {
        return Err(Malformed);
    }
    Ok(json)
}

/// The header as jwt-compact reads it (`CompleteHeader<Header<Empty>>`): an object with a
/// string `alg`; `cty`, when set, `JSON` in any case; strings `jku`, `kid`, `x5u` and `typ`;
/// thumbprints `x5t` and `x5t#S256`. Each at most once, `null` as absent, other members ignored.
fn check_header(header: &Json) -> Result<(), Malformed> {
    header.as_object().ok_or(Malformed)?;
    let Some(Json::String(_)) = header.member(&["alg"])? else {
        return Err(Malformed);
    };
    if let Some(cty) = text_member(header, "cty")?
        && !cty.eq_ignore_ascii_case("json")
    {
        return Err(Malformed);
    }
    for name in ["jku", "kid", "x5u", "typ"] {
        text_member(header, name)?;
    }
    thumbprint(header, "x5t", 20)?;
    thumbprint(header, "x5t#S256", 32)
}

/// jwt-compact's `Thumbprint<len>`: base64url (up to two `=` of padding allowed) of `len` bytes,
/// or of more bytes that are UTF-8 (a thumbprint written as text); fewer is refused.
fn thumbprint(header: &Json, name: &str, len: usize) -> Result<(), Malformed> {
    let Some(text) = text_member(header, name)? else {
        return Ok(());
    };
    let mut text = text.as_str();
    for _ in 0..2 {
        text = text.strip_suffix('=').unwrap_or(text);
    }
    let decoded = base64::decode(text).ok_or(Malformed)?;
    match (text.len() * 3 / 4).cmp(&len) {
        Ordering::Less => Err(Malformed),
        Ordering::Equal => Ok(()),
        Ordering::Greater => core::str::from_utf8(&decoded)
            .map(|_| ())
            .map_err(|_| Malformed),
    }
}

/// The facts in the claims, or `Malformed` when they are not an object of well-typed claims.
fn read_claims(claims: &Json) -> Result<TokenFacts, Malformed> {
    if claims.as_object().is_none() {
        return Err(Malformed);
    }
    // `nbf` is not used, but a malformed one made jwt-compact refuse the claims.
    timestamp(claims, "nbf")?;
    Ok(TokenFacts {
        format: TokenFormat::Jwt,
        expires_at: timestamp(claims, "exp")?,
        issued_at: timestamp(claims, "iat")?,
        issuer: text_member(claims, "iss")?,
        audience: audience(claims.member(&["aud"])?)?,
        subject: text_member(claims, "sub")?,
        client_id: text_member(claims, "client_id")?,
        dpop_bound: match claims.member(&["cnf"])? {
            None | Some(Json::Null) => false,
            Some(cnf @ Json::Object(_)) => text_member(cnf, "jkt")?.is_some(),
            // serde reads a struct from an array of its fields too: `[jkt]`.
            Some(Json::Array(fields)) => match fields.as_slice() {
                [Json::Null] => false,
                [Json::String(_)] => true,
                _ => return Err(Malformed),
            },
            Some(_) => return Err(Malformed),
        },
    })
}

/// The seconds chrono's `DateTime<Utc>` can hold, the range of a NumericDate jwt-compact reads
/// (years -262143 to 262142).
const NUMERIC_DATES: core::ops::RangeInclusive<i64> = -8_334_601_228_800..=8_210_266_876_799;

/// A NumericDate (RFC 7519 §2) as jwt-compact reads it: whole seconds, a fraction cut, within
/// the range of a date; `null` is refused.
fn timestamp(claims: &Json, name: &str) -> Result<Option<i64>, Malformed> {
    let Some(value) = claims.member(&[name])? else {
        return Ok(None);
    };
    let Json::Number(text) = value else {
        return Err(Malformed);
    };
    // serde_json's `f64`, cut toward zero (`as`), as jwt-compact reads it: `1700000000.99999999999`
    // is 1700000001. Integers read as floats are exact across the range of dates (under 2^53).
    let seconds = serde_f64(text).ok_or(Malformed)? as i64;
    if !NUMERIC_DATES.contains(&seconds) {
        return Err(Malformed);
    }
    Ok(Some(seconds))
}

/// A string member; `null` reads as absent.
fn text_member(claims: &Json, name: &str) -> Result<Option<String>, Malformed> {
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

/// jwt-compact's reading of a token's facts (`UntrustedToken::new`, then its claims through a
/// serde deserialiser, as the engine read them before issue 15): the oracle [`inspect`] is held
/// to by the native tests and the fuzz target. Not in the Wasm.
#[cfg(all(not(target_arch = "wasm32"), any(test, feature = "jwt-oracle")))]
pub mod oracle {
    use jwt_compact::UntrustedToken;
    use serde::Deserialize;

    use super::{TokenFacts, TokenFormat};

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
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use base64ct::{Base64UrlUnpadded, Encoding};

    /// An unsigned JWT with the given claims: enough for inspection, which never checks signatures.
    pub(crate) fn jwt(claims: serde_json::Value) -> String {
        jwt_of_text(&claims.to_string())
    }

    /// An unsigned JWT whose claims segment is `claims`, whatever it is.
    fn jwt_of_text(claims: &str) -> String {
        token_of(r#"{"alg":"RS256","typ":"JWT"}"#, claims)
    }

    /// An unsigned token of these header and claims texts, whatever they are.
    fn token_of(header: &str, claims: &str) -> String {
        let header = Base64UrlUnpadded::encode_string(header.as_bytes());
        let body = Base64UrlUnpadded::encode_string(claims.as_bytes());
        format!("{header}.{body}.c2lnbmF0dXJl")
    }

    /// The reading held to jwt-compact's ([`oracle`](super::oracle)), case by case.
    #[cfg(not(target_arch = "wasm32"))]
    mod serde_reading {
        use super::super::oracle::inspect as inspect_with_serde;
        use super::super::{NUMERIC_DATES, TokenFormat, inspect};
        use super::{jwt_of_text, token_of};
        use base64ct::{Base64UrlUnpadded, Encoding};

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
                r#"{"exp":8210266876799}"#,
                r#"{"exp":1700000000.99999999999}"#,
                r#"{"exp":1700000000.9999999}"#,
                r#"{"exp":-0.99999999999999999}"#,
                r#"{"exp":8210266876799.9999}"#,
                r#"{"exp":8210266876799.5}"#,
                r#"{"exp":1.7e9}"#,
                r#"{"exp":17e8}"#,
                r#"{"exp":1e-5}"#,
                r#"{"exp":-1e-400}"#,
                r#"{"iat":99999999999999999999}"#,
                r#"{"iat":-9223372036854775808}"#,
                r#"{"iat":-9223372036854775809}"#,
                r#"{"exp":8210266876800}"#,
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
                r#"{"cnf":["t"]}"#,
                r#"{"cnf":[null]}"#,
                r#"{"cnf":[5]}"#,
                r#"{"cnf":["a","b"]}"#,
                r#"{"cnf":[["t"]]}"#,
                r#"{"x":{"y":[1,{"z":null}],"w":-1.5e-7}}"#,
                r#"{"x":1e400}"#,
                r#"{"x":{"y":[-1e400]}}"#,
                r#"{"cnf":{"jkt":"t","n":1e400}}"#,
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

        #[test]
        fn headers_read_as_jwt_compact_reads_them() {
            let t20 = Base64UrlUnpadded::encode_string(&[7; 20]);
            let t32 = Base64UrlUnpadded::encode_string(&[7; 32]);
            let t19 = Base64UrlUnpadded::encode_string(&[7; 19]);
            let text33 = Base64UrlUnpadded::encode_string(&[b'a'; 33]);
            let binary33 = Base64UrlUnpadded::encode_string(&[0xff; 33]);
            let mut headers = vec![
                r#"{"alg":"RS256"}"#.to_owned(),
                r#" {"alg":"none","typ":"JWT"} "#.to_owned(),
                r#"{"alg":""}"#.to_owned(),
                r#"{"\u0061lg":"ES256"}"#.to_owned(),
                r#"{}"#.to_owned(),
                r#"{"alg":null}"#.to_owned(),
                r#"{"alg":5}"#.to_owned(),
                r#"{"alg":"RS256","alg":"HS256"}"#.to_owned(),
                r#"{"alg":"RS256","cty":"JSON"}"#.to_owned(),
                r#"{"alg":"RS256","cty":"json"}"#.to_owned(),
                r#"{"alg":"RS256","cty":null}"#.to_owned(),
                r#"{"alg":"RS256","cty":"JWT"}"#.to_owned(),
                r#"{"alg":"RS256","cty":"cbor"}"#.to_owned(),
                r#"{"alg":"RS256","cty":1}"#.to_owned(),
                r#"{"alg":"RS256","cty":"json","cty":"json"}"#.to_owned(),
                r#"{"alg":"RS256","kid":"k1","jku":"https://j","x5u":"https://x","typ":"at+jwt"}"#.to_owned(),
                r#"{"alg":"RS256","kid":null,"jku":null,"x5u":null,"typ":null,"x5t":null,"x5t#S256":null}"#.to_owned(),
                r#"{"alg":"RS256","kid":5}"#.to_owned(),
                r#"{"alg":"RS256","typ":{}}"#.to_owned(),
                r#"{"alg":"RS256","jku":[]}"#.to_owned(),
                r#"{"alg":"RS256","x5u":true}"#.to_owned(),
                r#"{"alg":"RS256","kid":"a","kid":"b"}"#.to_owned(),
                r#"{"alg":"RS256","typ":"a","typ":"b"}"#.to_owned(),
                r#"{"alg":"RS256","other":1,"other":2}"#.to_owned(),
                r#"{"alg":"RS256","jwk":{"kty":"RSA","n":"x","e":"AQAB"},"crit":["b64"],"b64":false,"n":1.5e300}"#.to_owned(),
                r#"{"alg":"RS256","n":1e400}"#.to_owned(),
                r#"{"alg":"RS256","n":-1e400}"#.to_owned(),
                r#"{"alg":"RS256","n":[1e309]}"#.to_owned(),
                r#"{"alg":"RS256","n":1e-400}"#.to_owned(),
                r#"{"alg":"RS256","n":123456789012345678901234567890}"#.to_owned(),
                r#"{"alg":"RS256","n":1.7976931348623157e308}"#.to_owned(),
                r#"{"alg":"RS256","n":1.7976931348623157000e308}"#.to_owned(),
                r#"{"alg":"RS256","n":17976931348623157000e289}"#.to_owned(),
                r#"{"alg":"RS256","n":1.797693134862315649e308}"#.to_owned(),
                r#"{"alg":"RS256","n":1.7976931348623156225e308}"#.to_owned(),
                r#"{"alg":"RS256","n":1.79769313486231571e308}"#.to_owned(),
                r#"{"alg":"RS256","n":1.7976931348623158e308}"#.to_owned(),
                r#"{"alg":"RS256","n":-179769313486231570e291}"#.to_owned(),
                r#"{"alg":"RS256","n":0.00017976931348623157e312}"#.to_owned(),
                r#"{"alg":"RS256","n":1.8e308}"#.to_owned(),
                r#"{"alg":"RS256","n":9.9e307}"#.to_owned(),
                r#"{"alg":"RS256","n":1e309}"#.to_owned(),
                r#"{"alg":"RS256","n":0e99999999999999999999}"#.to_owned(),
                r#"{"alg":"RS256","n":1e99999999999999999999}"#.to_owned(),
                r#"{"alg":"RS256","n":1e-99999999999999999999}"#.to_owned(),
                r#"{"alg":"RS256","n":0.0}"#.to_owned(),
                r#"{"alg":"RS256","x5t":5}"#.to_owned(),
                r#"{"alg":"RS256","x5t":"!!"}"#.to_owned(),
                r#"{"alg":"RS256","x5t#S256":""}"#.to_owned(),
                r#"{"alg":"RS256"} x"#.to_owned(),
                r#"{"alg":"RS256",}"#.to_owned(),
                r#"["RS256"]"#.to_owned(),
                r#""RS256""#.to_owned(),
                "null".to_owned(),
                "".to_owned(),
            ];
            for (name, value) in [
                ("x5t", &t20),
                ("x5t", &t32),
                ("x5t", &t19),
                ("x5t#S256", &t32),
                ("x5t#S256", &t20),
                ("x5t#S256", &text33),
                ("x5t#S256", &binary33),
            ] {
                for padding in ["", "=", "==", "==="] {
                    headers.push(format!(r#"{{"alg":"RS256","{name}":"{value}{padding}"}}"#));
                }
            }
            headers.push(format!(r#"{{"alg":"RS256","x5t":"{t20}","x5t":"{t20}"}}"#));
            // Integers too long for i64 and u64 are read as floats.
            headers.push(format!(r#"{{"alg":"RS256","n":1{}}}"#, "0".repeat(308)));
            headers.push(format!(r#"{{"alg":"RS256","n":1{}}}"#, "0".repeat(309)));
            let mut read = [0; 2];
            for header in &headers {
                let token = token_of(header, r#"{"sub":"u"}"#);
                let facts = inspect(&token);
                assert_eq!(facts, inspect_with_serde(&token), "{header}");
                read[usize::from(facts.format == TokenFormat::Jwt)] += 1;
            }
            // Both ways, so the cases cannot all agree by being refused alike.
            assert!(read[0] > 10 && read[1] > 10, "{read:?}");
        }

        #[test]
        fn segments_read_as_jwt_compact_reads_them() {
            let header = Base64UrlUnpadded::encode_string(br#"{"alg":"RS256"}"#);
            let claims = Base64UrlUnpadded::encode_string(br#"{"sub":"u"}"#);
            for token in [
                format!("{header}.{claims}.c2lnbmF0dXJl"),
                format!("{header}.{claims}."),
                format!("{header}.{claims}"),
                format!("{header}.{claims}.c2ln.x"),
                format!("{header}.{claims}.c2lnbmF0dXJl="),
                format!("{header}.{claims}.c2lnbmF0dXJ"),
                format!("{header}.{claims}.c2l+bmF0dXJl"),
                format!("{header}=.{claims}.c2ln"),
                format!(".{claims}.c2ln"),
                format!("{header}..c2ln"),
                format!(" {header}.{claims}.c2ln"),
                format!("{header}.{claims}.c2ln\n"),
            ] {
                assert_eq!(inspect(&token), inspect_with_serde(&token), "{token}");
            }
        }

        #[test]
        fn numeric_dates_span_chrono() {
            use chrono::{DateTime, Utc};
            let chrono =
                DateTime::<Utc>::MIN_UTC.timestamp()..=DateTime::<Utc>::MAX_UTC.timestamp();
            assert_eq!(NUMERIC_DATES, chrono);
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
