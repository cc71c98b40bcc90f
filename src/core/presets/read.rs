//! Readers the SDK files share: JSON and its members, expiries, base64url, tokens, entries and
//! sessions. Apart so that each SDK file reads as the SDK's format and nothing else.

use crate::core::base64;
use crate::core::json::{Json, integer};
use crate::core::source::{Area, Entry, LegacySession, LegacyToken, Read, TokenKind, Unreadable};
use crate::prelude::*;

/// JSON text, or `NotJson`.
pub(super) fn json(text: &str) -> Result<Json, Unreadable> {
    Json::parse(text).map_err(|_| Unreadable::NotJson)
}

/// A non-empty string member.
pub(super) fn text<'a>(value: &'a Json, name: &str) -> Option<&'a str> {
    value.str(name).filter(|text| !text.is_empty())
}

/// Seconds since the epoch, written as a number (its fraction cut) or a string of digits
/// (MSAL).
pub(super) fn seconds(value: &Json) -> Option<i64> {
    match value {
        Json::Number(_) => value.as_i64(),
        Json::String(text) => integer(text.trim()),
        _ => None,
    }
}

/// base64url, padded or not (what JavaScript encoders write).
pub(super) fn base64url(text: &str) -> Option<Vec<u8>> {
    base64::decode(text.trim_end_matches('='))
}

pub(super) fn token(kind: TokenKind, value: &str, expires_at: Option<i64>) -> LegacyToken {
    LegacyToken::with_expiry(kind, value.to_owned(), expires_at)
}

/// RFC 9449: a `token_type` of `DPoP` binds the access token to the SDK's key, and §5 binds a
/// public client's refresh token to it as well; neither can be used without the key.
pub(super) fn bind_dpop(tokens: &mut [LegacyToken], token_type: Option<&str>) {
    if token_type.is_some_and(|kind| kind.eq_ignore_ascii_case("dpop")) {
        for token in tokens.iter_mut().filter(|t| t.kind != TokenKind::IdToken) {
            token.facts.dpop_bound = true;
        }
    }
}

pub(super) fn read(entry: &Entry) -> Read {
    Read {
        area: entry.area,
        key: entry.key.clone(),
    }
}

/// Pairs grouped by key, in the order keys first appear.
pub(super) fn group<K: PartialEq, V>(pairs: impl Iterator<Item = (K, V)>) -> Vec<(K, Vec<V>)> {
    let mut groups: Vec<(K, Vec<V>)> = Vec::new();
    for (key, value) in pairs {
        match groups.iter_mut().find(|(have, _)| *have == key) {
            Some((_, values)) => values.push(value),
            None => groups.push((key, vec![value])),
        }
    }
    groups
}

/// The entry with this key in this area.
pub(super) fn find<'a>(entries: &'a [Entry], area: Area, key: &str) -> Option<&'a Entry> {
    entries
        .iter()
        .find(|entry| entry.area == area && entry.key == key)
}

/// A session of these tokens, or none when there are none.
pub(super) fn session(tokens: Vec<LegacyToken>, entries: Vec<Read>) -> Option<LegacySession> {
    (!tokens.is_empty()).then_some(LegacySession { tokens, entries })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::presets::fixtures::*;

    #[test]
    fn metadata_expiry_takes_the_earlier() {
        let opaque = token(TokenKind::AccessToken, "opaque", Some(NOW));
        assert_eq!(opaque.facts.expires_at, Some(NOW));
        let jwt = token(TokenKind::AccessToken, &jwt_exp(NOW + 100), Some(NOW + 50));
        assert_eq!(jwt.facts.expires_at, Some(NOW + 50));
        let jwt = token(TokenKind::AccessToken, &jwt_exp(NOW + 100), Some(NOW + 500));
        assert_eq!(jwt.facts.expires_at, Some(NOW + 100));
    }

    #[test]
    fn a_dpop_token_type_binds_access_and_refresh_tokens() {
        let mut tokens = vec![
            token(TokenKind::AccessToken, "at", None),
            token(TokenKind::RefreshToken, "rt", None),
            token(TokenKind::IdToken, &jwt_exp(NOW), None),
        ];
        bind_dpop(&mut tokens, Some("Bearer"));
        assert!(tokens.iter().all(|t| !t.facts.dpop_bound));
        bind_dpop(&mut tokens, Some("DPoP"));
        let bound: Vec<bool> = tokens.iter().map(|t| t.facts.dpop_bound).collect();
        assert_eq!(bound, [true, true, false]);
    }

    #[test]
    fn seconds_take_numbers_and_strings() {
        let seconds = |text: &str| seconds(&Json::parse(text).unwrap());
        assert_eq!(seconds("5"), Some(5));
        assert_eq!(seconds("5.9"), Some(5));
        assert_eq!(seconds("1.7e9"), Some(1_700_000_000));
        assert_eq!(seconds("\"1735689600\""), Some(1_735_689_600));
        assert_eq!(seconds("\" 7 \""), Some(7));
        assert_eq!(seconds("\"x\""), None);
        assert_eq!(seconds("null"), None);
    }
}
