//! Which legacy credential to send.
//!
//! An unexpired bearer token (the access token, or the ID token where the backend expects it)
//! is best: the endpoint verifies it locally. When it has expired, or is one the endpoint would
//! refuse (another issuer or audience, or bound to a DPoP key the page cannot prove), a live
//! refresh token: most returning users come back after their short-lived access token has run
//! out, and the refresh token is what the SDK itself would use then. Only with no live refresh
//! token is the bearer token's refusal the answer.

use crate::core::source::{LegacySession, LegacyToken, TokenKind};
use crate::core::token::{TokenFormat, same_issuer};

/// What the app expects of a legacy bearer token, and the time to judge it at.
#[derive(Clone, Copy, Debug)]
pub struct Expectations<'a> {
    pub issuer: Option<&'a str>,
    pub audience: Option<&'a str>,
    /// Allowed clock skew, seconds.
    pub leeway: i64,
    /// Unix seconds.
    pub now: i64,
    /// The bearer token kind the backend verifies.
    pub bearer: TokenKind,
}

/// The decision.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Choice<'a> {
    Send(&'a LegacyToken),
    /// Nothing worth sending: the endpoint would refuse every token there is.
    Refuse(LocalRefusal),
}

/// Why no token is worth sending.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LocalRefusal {
    Expired,
    WrongIssuer,
    WrongAudience,
    /// Bound to a DPoP key (RFC 9449) held by the legacy SDK: sent as a bearer token it proves
    /// nothing, and a verifier that honours `cnf` refuses it.
    DpopBound,
}

impl LocalRefusal {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Expired => "expired",
            Self::WrongIssuer => "wrong_issuer",
            Self::WrongAudience => "wrong_audience",
            Self::DpopBound => "dpop_bound",
        }
    }
}

/// Chooses the credential. `session` holds at least one token.
pub fn choose<'a>(session: &'a LegacySession, expect: &Expectations<'_>) -> Choice<'a> {
    let other_bearer = match expect.bearer {
        TokenKind::IdToken => TokenKind::AccessToken,
        _ => TokenKind::IdToken,
    };
    let bearer = session
        .token(expect.bearer)
        .or_else(|| session.token(other_bearer))
        .map(|token| judge_bearer(token, expect));
    if let Some(Ok(token)) = bearer {
        return Choice::Send(token);
    }
    let refresh = session
        .token(TokenKind::RefreshToken)
        .map(|token| usable(token, expect));
    match (bearer, refresh) {
        (_, Some(Ok(token))) => Choice::Send(token),
        // The bearer token's refusal names what the app configured; the refresh token's is
        // the only one when there is no bearer token.
        (Some(Err(refusal)), _) | (None, Some(Err(refusal))) => Choice::Refuse(refusal),
        _ => Choice::Refuse(LocalRefusal::Expired),
    }
}

fn judge_bearer<'a>(
    token: &'a LegacyToken,
    expect: &Expectations<'_>,
) -> Result<&'a LegacyToken, LocalRefusal> {
    let facts = &token.facts;
    if facts.format == TokenFormat::Jwt {
        if let (Some(wanted), Some(actual)) = (expect.issuer, facts.issuer.as_deref())
            && !same_issuer(wanted, actual)
        {
            return Err(LocalRefusal::WrongIssuer);
        }
        if let Some(wanted) = expect.audience
            && !facts.audience.iter().any(|aud| aud == wanted)
        {
            return Err(LocalRefusal::WrongAudience);
        }
    }
    usable(token, expect)
}

/// What holds for every token, opaque ones too: an expiry (its own `exp`, or the one the SDK
/// recorded beside it) and a DPoP binding.
fn usable<'a>(
    token: &'a LegacyToken,
    expect: &Expectations<'_>,
) -> Result<&'a LegacyToken, LocalRefusal> {
    if token.facts.dpop_bound {
        return Err(LocalRefusal::DpopBound);
    }
    if token.facts.is_expired(expect.now, expect.leeway) {
        return Err(LocalRefusal::Expired);
    }
    Ok(token)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::token::tests::jwt;
    use serde_json::json;

    const NOW: i64 = 1_800_000_000;

    fn expect() -> Expectations<'static> {
        Expectations {
            issuer: Some("https://legacy.example"),
            audience: Some("api"),
            leeway: 30,
            now: NOW,
            bearer: TokenKind::AccessToken,
        }
    }

    fn access(exp: i64) -> LegacyToken {
        LegacyToken::new(
            TokenKind::AccessToken,
            jwt(json!({"iss": "https://legacy.example", "aud": "api", "exp": exp})),
        )
    }

    fn session(tokens: Vec<LegacyToken>) -> LegacySession {
        LegacySession {
            tokens,
            entries: Vec::new(),
        }
    }

    fn refresh() -> LegacyToken {
        LegacyToken::new(TokenKind::RefreshToken, "opaque-refresh".into())
    }

    fn sent_kind(choice: Choice<'_>) -> Option<TokenKind> {
        match choice {
            Choice::Send(token) => Some(token.kind),
            Choice::Refuse(_) => None,
        }
    }

    #[test]
    fn live_access_token_first() {
        let s = session(vec![refresh(), access(NOW + 600)]);
        assert_eq!(
            sent_kind(choose(&s, &expect())),
            Some(TokenKind::AccessToken)
        );
    }

    #[test]
    fn expired_access_token_falls_back_to_refresh() {
        let s = session(vec![access(NOW - 600), refresh()]);
        assert_eq!(
            sent_kind(choose(&s, &expect())),
            Some(TokenKind::RefreshToken)
        );
    }

    #[test]
    fn leeway_keeps_a_just_expired_token() {
        let s = session(vec![access(NOW - 10)]);
        assert_eq!(
            sent_kind(choose(&s, &expect())),
            Some(TokenKind::AccessToken)
        );
    }

    #[test]
    fn expired_and_nothing_else() {
        let s = session(vec![access(NOW - 600)]);
        assert_eq!(choose(&s, &expect()), Choice::Refuse(LocalRefusal::Expired));
        let expired_refresh =
            LegacyToken::new(TokenKind::RefreshToken, jwt(json!({"exp": NOW - 600})));
        let s = session(vec![access(NOW - 600), expired_refresh]);
        assert_eq!(choose(&s, &expect()), Choice::Refuse(LocalRefusal::Expired));
    }

    #[test]
    fn foreign_tokens_are_not_sent() {
        let wrong_iss = LegacyToken::new(
            TokenKind::AccessToken,
            jwt(json!({"iss": "https://evil.example", "aud": "api", "exp": NOW + 600})),
        );
        let s = session(vec![wrong_iss.clone()]);
        assert_eq!(
            choose(&s, &expect()),
            Choice::Refuse(LocalRefusal::WrongIssuer)
        );
        let wrong_aud = LegacyToken::new(
            TokenKind::AccessToken,
            jwt(json!({"iss": "https://legacy.example", "aud": ["web"], "exp": NOW + 600})),
        );
        let s = session(vec![wrong_aud.clone()]);
        assert_eq!(
            choose(&s, &expect()),
            Choice::Refuse(LocalRefusal::WrongAudience)
        );
        // Beside a live refresh token, the refresh token: the endpoint verifies it itself.
        for refused in [wrong_iss, wrong_aud] {
            let s = session(vec![refused, refresh()]);
            assert_eq!(
                sent_kind(choose(&s, &expect())),
                Some(TokenKind::RefreshToken)
            );
        }
    }

    #[test]
    fn an_id_token_fallback_for_another_audience_falls_through_to_refresh() {
        // Auth0 with only the `@@user@@` ID token and a refresh token, `legacy.audience` set.
        let id = LegacyToken::new(
            TokenKind::IdToken,
            jwt(json!({"iss": "https://legacy.example", "aud": "spa-client", "exp": NOW + 600})),
        );
        let s = session(vec![id.clone(), refresh()]);
        assert_eq!(
            sent_kind(choose(&s, &expect())),
            Some(TokenKind::RefreshToken)
        );
        let s = session(vec![id]);
        assert_eq!(
            choose(&s, &expect()),
            Choice::Refuse(LocalRefusal::WrongAudience)
        );
    }

    #[test]
    fn an_opaque_token_past_its_recorded_expiry_is_expired() {
        let dead = LegacyToken::with_expiry(
            TokenKind::AccessToken,
            "opaque-access".into(),
            Some(NOW - 600),
        );
        let s = session(vec![dead.clone(), refresh()]);
        assert_eq!(
            sent_kind(choose(&s, &expect())),
            Some(TokenKind::RefreshToken)
        );
        let s = session(vec![dead]);
        assert_eq!(choose(&s, &expect()), Choice::Refuse(LocalRefusal::Expired));
        let live = LegacyToken::with_expiry(
            TokenKind::AccessToken,
            "opaque-access".into(),
            Some(NOW + 600),
        );
        let s = session(vec![live, refresh()]);
        assert_eq!(
            sent_kind(choose(&s, &expect())),
            Some(TokenKind::AccessToken)
        );
    }

    #[test]
    fn dpop_bound_tokens_are_never_sent_as_bearer_tokens() {
        let bound = LegacyToken::new(
            TokenKind::AccessToken,
            jwt(
                json!({"iss": "https://legacy.example", "aud": "api", "exp": NOW + 600,
                       "cnf": {"jkt": "thumbprint"}}),
            ),
        );
        let s = session(vec![bound.clone(), refresh()]);
        assert_eq!(
            sent_kind(choose(&s, &expect())),
            Some(TokenKind::RefreshToken)
        );
        let s = session(vec![bound]);
        assert_eq!(
            choose(&s, &expect()),
            Choice::Refuse(LocalRefusal::DpopBound)
        );
        let mut bound_refresh = refresh();
        bound_refresh.facts.dpop_bound = true;
        let s = session(vec![access(NOW - 600), bound_refresh.clone()]);
        assert_eq!(choose(&s, &expect()), Choice::Refuse(LocalRefusal::Expired));
        let s = session(vec![bound_refresh]);
        assert_eq!(
            choose(&s, &expect()),
            Choice::Refuse(LocalRefusal::DpopBound)
        );
    }

    #[test]
    fn opaque_bearer_is_sent_as_is() {
        let s = session(vec![LegacyToken::new(
            TokenKind::AccessToken,
            "opaque".into(),
        )]);
        assert_eq!(
            sent_kind(choose(&s, &expect())),
            Some(TokenKind::AccessToken)
        );
    }

    #[test]
    fn id_token_when_the_backend_expects_it() {
        let id = LegacyToken::new(
            TokenKind::IdToken,
            jwt(json!({"iss": "https://legacy.example", "aud": "api", "exp": NOW + 60})),
        );
        let s = session(vec![access(NOW + 600), id]);
        let by_id = Expectations {
            bearer: TokenKind::IdToken,
            ..expect()
        };
        assert_eq!(sent_kind(choose(&s, &by_id)), Some(TokenKind::IdToken));
        // Only an ID token, and the backend takes access tokens: still the best there is.
        let s = session(vec![LegacyToken::new(
            TokenKind::IdToken,
            "opaque-id".into(),
        )]);
        assert_eq!(sent_kind(choose(&s, &expect())), Some(TokenKind::IdToken));
    }
}
