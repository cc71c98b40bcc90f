//! Checks the endpoint's tokens before anything is saved.
//!
//! A misconfigured or malicious endpoint could hand back tokens of another Authgear project or
//! client; saving them would sign the user into the wrong place. Authgear access tokens are JWTs
//! when the client has JWT access tokens on (`iss` = endpoint, `client_id`, `sub`, `exp`), and
//! opaque otherwise; ID tokens have `aud` = the client ID.

use std::fmt;

use crate::core::options::AuthgearTarget;
use crate::core::token::{TokenFacts, TokenFormat, inspect, same_issuer};
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
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum InvalidAnswer {
    TokenType,
    ExpiresIn,
    RefreshToken,
    AccessTokenIssuer,
    AccessTokenClient,
    AccessTokenExpired,
    AccessTokenSubject,
    IdTokenIssuer,
    IdTokenAudience,
    IdTokenSubject,
}

impl InvalidAnswer {
    /// A stable code, for events.
    pub const fn code(self) -> &'static str {
        match self {
            Self::TokenType => "token_type",
            Self::ExpiresIn => "expires_in",
            Self::RefreshToken => "refresh_token",
            Self::AccessTokenIssuer => "access_token_iss",
            Self::AccessTokenClient => "access_token_client_id",
            Self::AccessTokenExpired => "access_token_exp",
            Self::AccessTokenSubject => "access_token_sub",
            Self::IdTokenIssuer => "id_token_iss",
            Self::IdTokenAudience => "id_token_aud",
            Self::IdTokenSubject => "id_token_sub",
        }
    }

    pub const fn as_str(self) -> &'static str {
        match self {
            Self::TokenType => "token_type is not Bearer",
            Self::ExpiresIn => "expires_in is not positive",
            Self::RefreshToken => "refresh_token is missing or malformed",
            Self::AccessTokenIssuer => "access token iss is not the configured Authgear endpoint",
            Self::AccessTokenClient => "access token client_id is not the configured client",
            Self::AccessTokenExpired => "access token has expired",
            Self::AccessTokenSubject => "access token has no sub",
            Self::IdTokenIssuer => "ID token iss is not the configured Authgear endpoint",
            Self::IdTokenAudience => "ID token aud is not the configured client",
            Self::IdTokenSubject => "ID token sub differs from the access token's",
        }
    }
}

impl fmt::Display for InvalidAnswer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Longest refresh token accepted; Authgear's are well under 100 characters.
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

fn well_formed(token: &str) -> bool {
    !token.is_empty()
        && token.len() <= MAX_TOKEN_LEN
        && token.bytes().all(|byte| byte.is_ascii_graphic())
}

fn check_access_token(
    facts: &TokenFacts,
    target: &AuthgearTarget,
    now: i64,
    leeway: i64,
) -> Result<(), InvalidAnswer> {
    if !facts
        .issuer
        .as_deref()
        .is_some_and(|iss| same_issuer(iss, &target.endpoint))
    {
        return Err(InvalidAnswer::AccessTokenIssuer);
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
    if !id
        .issuer
        .as_deref()
        .is_some_and(|iss| same_issuer(iss, &target.endpoint))
    {
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

    #[test]
    fn opaque_access_tokens_are_accepted() {
        let session = validate(response("opaque".into(), None), &target(), NOW, 0).unwrap();
        assert_eq!(session.access_token_format, TokenFormat::Opaque);
    }

    #[test]
    fn refuses_foreign_or_broken_tokens() {
        let base = access_claims();
        let cases = [
            (
                with(base.clone(), "iss", json!("https://evil.example")),
                InvalidAnswer::AccessTokenIssuer,
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
