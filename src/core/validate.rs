//! Checks the endpoint's tokens before anything is saved.
//!
//! A guard against a misconfigured endpoint (another project's or client's credentials, a broken
//! proxy), not against a hostile one: an endpoint the app trusts with its users can mint a
//! well-formed answer for anyone. Authgear access tokens are JWTs when the client has JWT access
//! tokens on (`iss`, `client_id`, `sub`, `exp`), and opaque by default; of an opaque answer only
//! its shape can be checked: `token_type`, `expires_in`, and the tokens' characters and length.
//! ID tokens have `aud` = the client ID.

use core::fmt;

use crate::core::options::AuthgearTarget;
use crate::core::state::fingerprint;
use crate::core::token::{TokenFacts, TokenFormat, inspect, same_issuer};
use crate::prelude::*;
use crate::wire::TokenResponse;

/// The tokens to save, once checked.
#[derive(Clone, PartialEq, Eq)]
pub struct AuthgearSession {
    pub refresh_token: String,
    pub id_token: Option<String>,
    pub access_token_format: TokenFormat,
}

impl fmt::Debug for AuthgearSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthgearSession")
            .field("has_id_token", &self.id_token.is_some())
            .field("access_token_format", &self.access_token_format)
            .finish_non_exhaustive()
    }
}

/// Why the answer cannot be saved. Each names the check that failed, never a token.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum InvalidAnswer {
    TokenType,
    ExpiresIn,
    RefreshToken,
    AccessToken,
    /// The JWT access token names another issuer than `authgear.endpoint` and `authgear.issuer`:
    /// a configuration error (a custom domain on one side only), not a transient one. `found` is
    /// the origin it named, or `None` when its `iss` is not an origin.
    AccessTokenIssuer {
        found: Option<String>,
    },
    AccessTokenClient,
    AccessTokenExpired,
    AccessTokenSubject,
    IdTokenIssuer,
    IdTokenAudience,
    IdTokenSubject,
}

impl InvalidAnswer {
    /// A stable code, for events.
    pub const fn code(&self) -> &'static str {
        match self {
            Self::TokenType => "token_type",
            Self::ExpiresIn => "expires_in",
            Self::RefreshToken => "refresh_token",
            Self::AccessToken => "access_token",
            Self::AccessTokenIssuer { .. } => "access_token_iss",
            Self::AccessTokenClient => "access_token_client_id",
            Self::AccessTokenExpired => "access_token_exp",
            Self::AccessTokenSubject => "access_token_sub",
            Self::IdTokenIssuer => "id_token_iss",
            Self::IdTokenAudience => "id_token_aud",
            Self::IdTokenSubject => "id_token_sub",
        }
    }

    pub const fn as_str(&self) -> &'static str {
        match self {
            Self::TokenType => "token_type is not Bearer",
            Self::ExpiresIn => "expires_in is not positive",
            Self::RefreshToken => "refresh_token is missing or malformed",
            Self::AccessToken => "access_token is missing or malformed",
            Self::AccessTokenIssuer { .. } => {
                "access token iss is neither authgear.endpoint nor one of authgear.issuer"
            }
            Self::AccessTokenClient => "access token client_id is not the configured client",
            Self::AccessTokenExpired => "access token has expired",
            Self::AccessTokenSubject => "access token has no sub",
            Self::IdTokenIssuer => {
                "ID token iss is neither authgear.endpoint nor one of authgear.issuer"
            }
            Self::IdTokenAudience => "ID token aud is not the configured client",
            Self::IdTokenSubject => "ID token sub differs from the access token's",
        }
    }

    /// For an issuer mismatch, what the app must set: every other answer will be refused the
    /// same way until the configuration changes.
    pub fn issuer_mismatch(&self, target: &AuthgearTarget) -> Option<String> {
        let Self::AccessTokenIssuer { found } = self else {
            return None;
        };
        // Joined, not `format!`: the Wasm carries no formatting machinery.
        Some(match found {
            Some(origin) => concat(&[
                "the Authgear access token's issuer ",
                origin,
                " is not authgear.endpoint ",
                &target.endpoint,
                ": when the migration endpoint calls Authgear at another origin than the app's SDK (a custom domain), add \"",
                origin,
                "\" to authgear.issuer",
            ]),
            None => concat(&[
                "the Authgear access token's issuer is not an origin, and not authgear.endpoint ",
                &target.endpoint,
            ]),
        })
    }
}

impl fmt::Display for InvalidAnswer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Identifies the issuer configuration (endpoint and `authgear.issuer`) an issuer mismatch was
/// judged under, so a deploy that changes it asks again at once.
pub fn issuer_configuration(target: &AuthgearTarget) -> String {
    // Sorted by insertion and joined by hand: a handful of names, where a slice sort and
    // `join` would bring kilobytes of generic code into the Wasm.
    let mut accepted: Vec<&str> = Vec::with_capacity(target.issuers.len() + 1);
    for name in target.issuers.iter().chain([&target.endpoint]) {
        let at = accepted.partition_point(|sorted| *sorted <= name.as_str());
        accepted.insert(at, name);
    }
    let mut joined = String::new();
    for (index, name) in accepted.into_iter().enumerate() {
        if index > 0 {
            joined.push(' ');
        }
        joined.push_str(name);
    }
    fingerprint(&joined)
}

/// Longest token accepted; Authgear's refresh tokens are well under 100 characters, its JWT
/// access tokens under 2000.
const MAX_TOKEN_LEN: usize = 8192;

/// Device clocks are often wrong by minutes, and some by hours. A fresh access token is judged
/// by its own `iat` (the issuer's clock); the device clock only catches an answer that is
/// stale by more than this, whatever the device's skew.
const MAX_DEVICE_CLOCK_SKEW: i64 = 24 * 60 * 60;

/// Checks `tokens` against the configured target at `now` (Unix seconds).
pub fn validate(
    tokens: TokenResponse,
    target: &AuthgearTarget,
    now: i64,
    leeway: i64,
) -> Result<AuthgearSession, InvalidAnswer> {
    if !tokens.token_type.eq_ignore_ascii_case("bearer") {
        return Err(InvalidAnswer::TokenType);
    }
    if tokens.expires_in == 0 {
        return Err(InvalidAnswer::ExpiresIn);
    }
    if !well_formed(&tokens.refresh_token) {
        return Err(InvalidAnswer::RefreshToken);
    }
    if !well_formed(&tokens.access_token) {
        return Err(InvalidAnswer::AccessToken);
    }
    let access = inspect(&tokens.access_token);
    if access.format == TokenFormat::Jwt {
        check_access_token(&access, target, now, leeway)?;
    }
    if let Some(id_token) = &tokens.id_token {
        check_id_token(&inspect(id_token), &access, target)?;
    }
    Ok(AuthgearSession {
        refresh_token: tokens.refresh_token,
        id_token: tokens.id_token,
        access_token_format: access.format,
    })
}

/// 1 to 8192 printable ASCII characters, no spaces: the shape of every OAuth token
/// (RFC 6749 Appendix A.12, A.17).
fn well_formed(token: &str) -> bool {
    !token.is_empty()
        && token.len() <= MAX_TOKEN_LEN
        && token.bytes().all(|byte| byte.is_ascii_graphic())
}

/// `authgear.endpoint`, or one of the origins of `authgear.issuer`.
fn accepted_issuer(iss: Option<&str>, target: &AuthgearTarget) -> bool {
    iss.is_some_and(|iss| {
        same_issuer(iss, &target.endpoint)
            || target.issuers.iter().any(|origin| same_issuer(iss, origin))
    })
}

/// The origin an `iss` names, for the event: scheme, host and port, nothing else; `None` when
/// it is not an http(s) origin (its text is then not repeated anywhere).
fn origin_of(iss: &str) -> Option<String> {
    let iss = iss.trim_end_matches('/').to_ascii_lowercase();
    let rest = iss
        .strip_prefix("https://")
        .or_else(|| iss.strip_prefix("http://"))?;
    let host_chars =
        |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']');
    (!rest.is_empty() && rest.len() <= 253 && rest.chars().all(host_chars)).then(|| iss.clone())
}

fn check_access_token(
    facts: &TokenFacts,
    target: &AuthgearTarget,
    now: i64,
    leeway: i64,
) -> Result<(), InvalidAnswer> {
    if !accepted_issuer(facts.issuer.as_deref(), target) {
        return Err(InvalidAnswer::AccessTokenIssuer {
            found: facts.issuer.as_deref().and_then(origin_of),
        });
    }
    if facts.client_id.as_deref() != Some(target.client_id.as_str()) {
        return Err(InvalidAnswer::AccessTokenClient);
    }
    let lifetime_ok = match (facts.expires_at, facts.issued_at) {
        (Some(exp), Some(iat)) => exp > iat,
        (Some(_), None) => !facts.is_expired(now, leeway),
        (None, _) => false,
    };
    if !lifetime_ok || facts.is_expired(now, MAX_DEVICE_CLOCK_SKEW) {
        return Err(InvalidAnswer::AccessTokenExpired);
    }
    if facts.subject.as_deref().is_none_or(str::is_empty) {
        return Err(InvalidAnswer::AccessTokenSubject);
    }
    Ok(())
}

fn check_id_token(
    id: &TokenFacts,
    access: &TokenFacts,
    target: &AuthgearTarget,
) -> Result<(), InvalidAnswer> {
    if !accepted_issuer(id.issuer.as_deref(), target) {
        return Err(InvalidAnswer::IdTokenIssuer);
    }
    if !id.audience.contains(&target.client_id) {
        return Err(InvalidAnswer::IdTokenAudience);
    }
    if access.subject.is_some() && id.subject != access.subject {
        return Err(InvalidAnswer::IdTokenSubject);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::token::tests::jwt;
    use serde_json::{Value, json};

    const NOW: i64 = 1_800_000_000;

    fn target() -> AuthgearTarget {
        AuthgearTarget {
            endpoint: "https://app.authgear.cloud".into(),
            client_id: "client1".into(),
            name: "default".into(),
            issuers: Vec::new(),
        }
    }

    fn access_claims() -> Value {
        json!({
            "iss": "https://app.authgear.cloud", "aud": ["https://app.authgear.cloud"],
            "client_id": "client1", "sub": "user-uuid", "exp": NOW + 1800, "iat": NOW
        })
    }

    fn response(access_token: String, id_token: Option<String>) -> TokenResponse {
        TokenResponse {
            access_token,
            token_type: "Bearer".into(),
            expires_in: 1800,
            refresh_token: "rt.abc".into(),
            issued_token_type: crate::wire::TOKEN_TYPE_REFRESH_TOKEN.into(),
            id_token,
        }
    }

    fn with(mut claims: Value, key: &str, value: Value) -> String {
        claims[key] = value;
        jwt(claims)
    }

    fn with_no_iat(mut claims: Value) -> Value {
        claims.as_object_mut().unwrap().remove("iat");
        claims
    }

    #[test]
    fn accepts_tokens_for_the_target() {
        let session = validate(response(jwt(access_claims()), None), &target(), NOW, 0).unwrap();
        assert_eq!(session.refresh_token, "rt.abc");
        assert_eq!(session.access_token_format, TokenFormat::Jwt);
        let id = jwt(
            json!({"iss": "https://app.authgear.cloud/", "aud": "client1", "sub": "user-uuid"}),
        );
        assert!(validate(response(jwt(access_claims()), Some(id)), &target(), NOW, 0).is_ok());
    }

    /// Of an opaque answer (Authgear's default) the engine checks exactly its shape: token type,
    /// expiry, and both tokens' characters and length. Nothing ties it to the project or client.
    #[test]
    fn opaque_answers_are_checked_for_their_shape_only() {
        let session = validate(response("opaque".into(), None), &target(), NOW, 0).unwrap();
        assert_eq!(session.access_token_format, TokenFormat::Opaque);
        // No claim of any project or client can be read, so none is asked for.
        let mut other_target = target();
        other_target.endpoint = "https://other.authgear.cloud".into();
        other_target.client_id = "other".into();
        assert!(validate(response("opaque".into(), None), &other_target, NOW, 0).is_ok());
        let longest = "a".repeat(MAX_TOKEN_LEN);
        assert!(validate(response(longest.clone(), None), &target(), NOW, 0).is_ok());

        type Spoil = fn(&mut TokenResponse);
        let cases: [(Spoil, InvalidAnswer); 8] = [
            (|t| t.token_type = "DPoP".into(), InvalidAnswer::TokenType),
            (|t| t.expires_in = 0, InvalidAnswer::ExpiresIn),
            (
                |t| t.refresh_token = String::new(),
                InvalidAnswer::RefreshToken,
            ),
            (
                |t| t.refresh_token = "rt abc".into(),
                InvalidAnswer::RefreshToken,
            ),
            (
                |t| t.refresh_token = "rt\u{e9}".into(),
                InvalidAnswer::RefreshToken,
            ),
            (
                |t| t.refresh_token = "a".repeat(MAX_TOKEN_LEN + 1),
                InvalidAnswer::RefreshToken,
            ),
            (
                |t| t.access_token = String::new(),
                InvalidAnswer::AccessToken,
            ),
            (
                |t| t.access_token = "op\naque".into(),
                InvalidAnswer::AccessToken,
            ),
        ];
        for (spoil, expected) in cases {
            let mut answer = response("opaque".into(), None);
            spoil(&mut answer);
            assert_eq!(validate(answer, &target(), NOW, 0), Err(expected));
        }
    }

    #[test]
    fn issuers_the_app_names_are_accepted_and_no_other() {
        let custom = with(access_claims(), "iss", json!("https://auth.example.com"));
        let refused = validate(response(custom.clone(), None), &target(), NOW, 0).unwrap_err();
        assert_eq!(
            refused,
            InvalidAnswer::AccessTokenIssuer {
                found: Some("https://auth.example.com".into())
            }
        );
        let advice = refused.issuer_mismatch(&target()).unwrap();
        assert!(advice.contains("https://auth.example.com"), "{advice}");
        assert!(advice.contains("https://app.authgear.cloud"), "{advice}");

        let mut named = target();
        named.issuers = vec!["https://auth.example.com".into()];
        assert!(validate(response(custom, None), &named, NOW, 0).is_ok());
        // The endpoint itself stays accepted, and a third origin does not become so.
        assert!(validate(response(jwt(access_claims()), None), &named, NOW, 0).is_ok());
        let third = with(access_claims(), "iss", json!("https://evil.example"));
        assert!(validate(response(third, None), &named, NOW, 0).is_err());
        // ID tokens follow the same list.
        let id =
            jwt(json!({"iss": "https://auth.example.com", "aud": "client1", "sub": "user-uuid"}));
        assert!(validate(response(jwt(access_claims()), Some(id)), &named, NOW, 0).is_ok());
    }

    #[test]
    fn an_iss_that_is_not_an_origin_is_not_repeated() {
        for iss in [
            "eyJhbGciOi.secret.part",
            "https://app.example/path?x=1",
            "ftp://files.example",
        ] {
            let access = with(access_claims(), "iss", json!(iss));
            let refused = validate(response(access, None), &target(), NOW, 0).unwrap_err();
            assert_eq!(
                refused,
                InvalidAnswer::AccessTokenIssuer { found: None },
                "{iss}"
            );
            assert!(!refused.issuer_mismatch(&target()).unwrap().contains(iss));
        }
        assert_eq!(
            origin_of("HTTPS://Auth.Example.com:8443/"),
            Some("https://auth.example.com:8443".into())
        );
    }

    #[test]
    fn the_issuer_configuration_changes_with_the_accepted_origins_only() {
        let mut named = target();
        let before = issuer_configuration(&named);
        named.client_id = "client2".into();
        assert_eq!(issuer_configuration(&named), before);
        named.issuers = vec!["https://auth.example.com".into()];
        assert_ne!(issuer_configuration(&named), before);
    }

    #[test]
    fn the_issuer_configuration_is_the_sorted_names_joined_as_stored_records_have_it() {
        let mut named = target();
        named.endpoint = "https://b.example".into();
        named.issuers = vec![
            "https://c.example".into(),
            "https://a.example".into(),
            "".into(),
        ];
        let mut names = named.issuers.clone();
        names.push(named.endpoint.clone());
        names.sort();
        assert_eq!(issuer_configuration(&named), fingerprint(&names.join(" ")));
    }

    #[test]
    fn refuses_foreign_or_broken_tokens() {
        let base = access_claims();
        let cases = [
            (
                with(base.clone(), "iss", json!("https://evil.example")),
                InvalidAnswer::AccessTokenIssuer {
                    found: Some("https://evil.example".into()),
                },
            ),
            (
                with(base.clone(), "client_id", json!("other")),
                InvalidAnswer::AccessTokenClient,
            ),
            (
                with(base.clone(), "exp", json!(NOW - 10)),
                InvalidAnswer::AccessTokenExpired,
            ),
            // Without iat, the device clock (with leeway) is all there is.
            (
                with(with_no_iat(base.clone()), "exp", json!(NOW - 10)),
                InvalidAnswer::AccessTokenExpired,
            ),
            (
                with(base.clone(), "sub", json!("")),
                InvalidAnswer::AccessTokenSubject,
            ),
        ];
        for (access, expected) in cases {
            assert_eq!(
                validate(response(access, None), &target(), NOW, 0),
                Err(expected)
            );
        }
        let mut no_refresh = response(jwt(base.clone()), None);
        no_refresh.refresh_token = "has space".into();
        assert_eq!(
            validate(no_refresh, &target(), NOW, 0),
            Err(InvalidAnswer::RefreshToken)
        );
        let mut mac = response(jwt(base.clone()), None);
        mac.token_type = "MAC".into();
        assert_eq!(
            validate(mac, &target(), NOW, 0),
            Err(InvalidAnswer::TokenType)
        );
    }

    #[test]
    fn a_wrong_device_clock_does_not_refuse_a_fresh_token() {
        let access = jwt(access_claims());
        // The device runs three hours fast: the token is judged by its own iat.
        let ahead = NOW + 3 * 3600;
        assert!(validate(response(access.clone(), None), &target(), ahead, 60).is_ok());
        // But an answer stale by more than any plausible skew is refused.
        let stale = NOW + 2 * 24 * 3600;
        assert_eq!(
            validate(response(access, None), &target(), stale, 60),
            Err(InvalidAnswer::AccessTokenExpired)
        );
        // exp not after iat is malformed whatever the clocks say.
        let backwards = with(access_claims(), "exp", json!(NOW - 1));
        assert_eq!(
            validate(response(backwards, None), &target(), NOW, 60),
            Err(InvalidAnswer::AccessTokenExpired)
        );
    }

    #[test]
    fn id_token_must_match() {
        let access = jwt(access_claims());
        let cases = [
            (
                json!({"iss": "https://evil.example", "aud": "client1", "sub": "user-uuid"}),
                InvalidAnswer::IdTokenIssuer,
            ),
            (
                json!({"iss": "https://app.authgear.cloud", "aud": "other", "sub": "user-uuid"}),
                InvalidAnswer::IdTokenAudience,
            ),
            (
                json!({"iss": "https://app.authgear.cloud", "aud": "client1", "sub": "someone"}),
                InvalidAnswer::IdTokenSubject,
            ),
        ];
        for (claims, expected) in cases {
            let answer = response(access.clone(), Some(jwt(claims)));
            assert_eq!(validate(answer, &target(), NOW, 0), Err(expected));
        }
    }
}
