//! What the parser tests share: entries as the SDKs write them, and JWTs. A file of its own
//! because every SDK file's tests use it (and `src/inspect.rs`'s).

use crate::core::source::{Area, Entry, LegacySession, TokenKind};
pub(crate) use crate::core::token::tests::jwt;

pub const NOW: i64 = 1_800_000_000;

pub fn entry(area: Area, key: &str, value: &str) -> Entry {
    Entry {
        area,
        key: key.to_owned(),
        value: value.to_owned(),
    }
}

pub fn local(key: &str, value: &str) -> Entry {
    entry(Area::LocalStorage, key, value)
}

pub fn session_storage(key: &str, value: &str) -> Entry {
    entry(Area::SessionStorage, key, value)
}

pub fn cookie(key: &str, value: &str) -> Entry {
    entry(Area::Cookie, key, value)
}

/// A JWT that expires at `exp`.
pub fn jwt_exp(exp: i64) -> String {
    jwt(serde_json::json!({"iss": "https://legacy.example", "sub": "u1", "exp": exp}))
}

/// The kinds of a session's tokens with their expiries.
pub fn kinds(session: &LegacySession) -> Vec<(TokenKind, Option<i64>)> {
    session
        .tokens
        .iter()
        .map(|token| (token.kind, token.facts.expires_at))
        .collect()
}

pub fn keys(session: &LegacySession) -> Vec<(Area, &str)> {
    session
        .entries
        .iter()
        .map(|read| (read.area, read.key.as_str()))
        .collect()
}

pub fn value(session: &LegacySession, kind: TokenKind) -> &str {
    &session.token(kind).expect("token").value
}
