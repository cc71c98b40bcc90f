//! What the replay cache knows a presented credential by: one identity for every spelling the
//! legacy IdP reads as the same credential.
//!
//! The string as sent will not do. Many IdPs decode base64url leniently (Node's `Buffer`, Go's
//! non-strict encodings, the JOSE libraries on them): a JWT whose signature has `=` padding
//! added, or the unused low bits of its last character changed, verifies as the same token, and
//! with a new idempotency key it would be a second credential.

use crate::legacy_jwt::{Claims, Signed};

/// The replay identity of `token` (a subject token, or a cookie's value), with `answer`, what
/// the IdP said of the token itself (introspection), when it said anything.
///
/// A JWS is known by its `jti` (the answer's, else the payload's) beside its `iss`, else by its
/// signed content (`header.payload`): never by its signature, which a holder can re-spell, or for
/// ECDSA re-sign as `(r, n - s)`, without the key. Any other token is known without its trailing
/// `=` padding.
pub(crate) fn replay_id(token: &str, answer: Option<&Claims>) -> String {
    let Ok((signed, _signature)) = Signed::split(token) else {
        return format!("token\0{}", token.trim_end_matches('='));
    };
    let by_jti = |claims: &Claims| {
        let jti = claims.string("jti").filter(|jti| !jti.is_empty())?;
        let iss = claims.string("iss").unwrap_or_default();
        Some(format!("jti\0{iss}\0{jti}"))
    };
    answer
        .and_then(by_jti)
        .or_else(|| by_jti(&Claims::parse(&signed.payload).ok()?))
        .unwrap_or_else(|| format!("jws\0{}", signed.input))
}

#[cfg(test)]
mod tests {
    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use serde_json::{Value, json};

    use super::*;

    fn jws(claims: &Value, signature: &str) -> String {
        let part = |value: &Value| URL_SAFE_NO_PAD.encode(value.to_string());
        let header = json!({ "alg": "RS256", "kid": "k1" });
        format!("{}.{}.{signature}", part(&header), part(claims))
    }

    fn answer(claims: Value) -> Claims {
        match claims {
            Value::Object(object) => Claims::from_object(object),
            _ => unreachable!("claims are an object"),
        }
    }

    #[test]
    fn a_jws_is_known_by_its_jti_else_its_signed_content_whatever_its_signature() {
        let with_jti = json!({ "iss": "https://legacy.example/", "jti": "j1", "sub": "a" });
        let without = json!({ "iss": "https://legacy.example/", "sub": "a" });
        for claims in [&with_jti, &without] {
            let id = replay_id(&jws(claims, "c2lnQQ"), None);
            for signature in ["c2lnQQ==", "c2lnQR", "c2lnQR==", "c2ln+Q", ""] {
                assert_eq!(replay_id(&jws(claims, signature), None), id, "{signature}");
            }
        }
        assert_eq!(
            replay_id(&jws(&with_jti, "x"), None),
            "jti\0https://legacy.example/\0j1"
        );
        assert!(replay_id(&jws(&without, "x"), None).starts_with("jws\0eyJ"));
        // Another payload is another credential.
        let other = json!({ "iss": "https://legacy.example/", "sub": "b" });
        assert_ne!(
            replay_id(&jws(&other, "x"), None),
            replay_id(&jws(&without, "x"), None)
        );
    }

    #[test]
    fn the_answer_s_jti_comes_first() {
        let token = jws(&json!({ "sub": "a" }), "x");
        let said = answer(json!({ "iss": "https://legacy.example/", "jti": "j2" }));
        assert_eq!(
            replay_id(&token, Some(&said)),
            "jti\0https://legacy.example/\0j2"
        );
        // An answer without one leaves the payload to say.
        let silent = answer(json!({ "active": true }));
        assert_eq!(replay_id(&token, Some(&silent)), replay_id(&token, None));
    }

    #[test]
    fn any_other_token_is_known_without_its_padding() {
        for token in ["opaque-token", "opaque-token=", "opaque-token=="] {
            assert_eq!(replay_id(token, None), "token\0opaque-token", "{token}");
        }
        // Three parts but no JWS header: an opaque token, whole.
        assert_eq!(replay_id("abc.def.ghi", None), "token\0abc.def.ghi");
        assert_ne!(
            replay_id("abc.def.ghj", None),
            replay_id("abc.def.ghi", None)
        );
    }
}
