//! Privy js-sdk-core (read at 0.76, from its published build).
//!
//! `localStorage` values are JSON-stringified (tokens are quoted strings): pointer
//! `privy:active-user` holds the user ID (`did:privy:…`, which has colons); then
//! `privy:<id>:token` (access JWT), `privy:<id>:refresh_token`, `privy:<id>:id-token`
//! (`privy:<id>:pat` too, removed with them); older builds used `privy:token`,
//! `privy:refresh_token`, `privy:id-token`. Cookies (raw): `privy-<id>-token`,
//! `privy-<id>-refresh-token`, `privy-<id>-id-token` or unsuffixed, and `privy-[<id>-]session`
//! (`t`) when the server holds HttpOnly cookies, which is the cookie mode's indicator. Sign-out
//! removes the user's keys and cookies, which this mirrors (the `privy:saved-users` list of user
//! IDs is left: it holds no credential).
//!
//! Server-cookie mode (the app config's `custom_api_url`): the published 0.76.2 build
//! (`dist/esm/index.mjs`, `storeRefreshTokenForUser`) stores the `refresh_token` of the server's
//! answer as it comes, and writes no cookies; the server keeps the real one HttpOnly and answers
//! the placeholder `"deprecated"` (the literal is the server's, not in the build). That value is
//! no credential: it is skipped, and cookie mode (with `privy-session`) takes over.

use super::Want;
use super::choose::Candidates;
use super::read::{find, json, read, session, token};
use crate::core::json::Json;
use crate::core::source::{Area, Entry, LegacySession, LegacyToken, Read, TokenKind, Unreadable};
use crate::prelude::*;

const ACTIVE_USER: &str = "privy:active-user";
/// The refresh token Privy's server answers when it keeps the real one in an HttpOnly cookie.
const SERVER_COOKIE_PLACEHOLDER: &str = "deprecated";
const LOCAL: [(&str, Option<TokenKind>); 4] = [
    ("token", Some(TokenKind::AccessToken)),
    ("refresh_token", Some(TokenKind::RefreshToken)),
    ("id-token", Some(TokenKind::IdToken)),
    ("pat", None),
];
const COOKIES: [(&str, TokenKind); 3] = [
    ("token", TokenKind::AccessToken),
    ("refresh-token", TokenKind::RefreshToken),
    ("id-token", TokenKind::IdToken),
];

pub fn wants() -> Vec<Want> {
    vec![
        Want::Prefix(Area::LocalStorage, "privy:".to_owned()),
        Want::Prefix(Area::Cookie, "privy-".to_owned()),
    ]
}

pub fn parse(entries: &[Entry]) -> Result<Option<LegacySession>, Unreadable> {
    let pointer = find(entries, Area::LocalStorage, ACTIVE_USER);
    let user = match pointer.map(|entry| json(&entry.value)).transpose()? {
        Some(Json::String(id)) if !id.is_empty() => Some(id),
        Some(Json::Null) | None => None,
        Some(_) => return Err(Unreadable::UnexpectedShape),
    };
    let mut candidates = Candidates::default();
    candidates.offer(from_local(entries, user.as_deref(), pointer));
    candidates.offer(from_cookies(entries, user.as_deref()));
    candidates.finish()
}

fn from_local(
    entries: &[Entry],
    user: Option<&str>,
    pointer: Option<&Entry>,
) -> Result<Option<LegacySession>, Unreadable> {
    let key = |name: &str| match user {
        Some(id) => concat(&["privy:", id, ":", name]),
        None => concat(&["privy:", name]),
    };
    let mut tokens = Vec::new();
    let mut reads: Vec<Read> = Vec::new();
    for (name, kind) in LOCAL {
        let Some(entry) = find(entries, Area::LocalStorage, &key(name)) else {
            continue;
        };
        reads.push(read(entry));
        let Some(kind) = kind else { continue };
        match json(&entry.value)? {
            Json::String(value) if is_credential(&value) => tokens.push(token(kind, &value, None)),
            Json::Null | Json::String(_) => {}
            _ => return Err(Unreadable::UnexpectedShape),
        }
    }
    if let Some(pointer) = pointer {
        reads.push(read(pointer));
    }
    Ok(session(tokens, reads))
}

fn from_cookies(
    entries: &[Entry],
    user: Option<&str>,
) -> Result<Option<LegacySession>, Unreadable> {
    let mut tokens = Vec::new();
    let mut reads = Vec::new();
    for (name, kind) in COOKIES {
        let names = [
            user.map(|id| concat(&["privy-", id, "-", name])),
            Some(concat(&["privy-", name])),
        ];
        for cookie in names.iter().flatten() {
            if let Some(entry) = find(entries, Area::Cookie, cookie) {
                reads.push(read(entry));
                if is_credential(&entry.value)
                    && tokens.iter().all(|t: &LegacyToken| t.kind != kind)
                {
                    tokens.push(token(kind, &entry.value, None));
                }
            }
        }
    }
    Ok(session(tokens, reads))
}

fn is_credential(value: &str) -> bool {
    !value.is_empty() && value != SERVER_COOKIE_PLACEHOLDER
}

/// The cookie mode's indicator: `privy-session` or `privy-<id>-session`.
pub fn signed_in(entries: &[Entry]) -> bool {
    entries.iter().any(|entry| {
        entry.area == Area::Cookie
            && entry.key.starts_with("privy-")
            && entry.key.ends_with("session")
            && !entry.value.is_empty()
    })
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use super::super::{CookieMode, Preset, PresetSpec, parse as parse_preset};
    use super::*;

    const USER: &str = "did:privy:cm1abc";

    fn quoted(text: &str) -> String {
        Json::from(text).to_text()
    }

    #[test]
    fn follows_the_active_user() {
        let spec = PresetSpec::new(Preset::Privy);
        let access = jwt_exp(NOW + 3600);
        let entries = [
            local(ACTIVE_USER, &quoted(USER)),
            local("privy:saved-users", &quoted(&format!("[\"{USER}\"]"))),
            local(&format!("privy:{USER}:token"), &quoted(&access)),
            local(&format!("privy:{USER}:refresh_token"), &quoted("rt-1")),
            local(
                &format!("privy:{USER}:id-token"),
                &quoted(&jwt_exp(NOW + 60)),
            ),
            local("privy:token", &quoted("an older user's")),
        ];
        let session = parse_preset(&spec, &entries, NOW).unwrap().unwrap();
        assert_eq!(value(&session, TokenKind::AccessToken), access);
        assert_eq!(value(&session, TokenKind::RefreshToken), "rt-1");
        assert_eq!(
            keys(&session),
            [
                (Area::LocalStorage, "privy:did:privy:cm1abc:token"),
                (Area::LocalStorage, "privy:did:privy:cm1abc:refresh_token"),
                (Area::LocalStorage, "privy:did:privy:cm1abc:id-token"),
                (Area::LocalStorage, ACTIVE_USER),
            ]
        );
    }

    #[test]
    fn older_keys_and_cookies() {
        let spec = PresetSpec::new(Preset::Privy);
        let session = parse_preset(&spec, &[local("privy:token", &quoted("t0"))], NOW)
            .unwrap()
            .unwrap();
        assert_eq!(value(&session, TokenKind::AccessToken), "t0");
        let session = parse_preset(&spec, &[cookie("privy-token", "c0")], NOW)
            .unwrap()
            .unwrap();
        assert_eq!(keys(&session), [(Area::Cookie, "privy-token")]);
    }

    #[test]
    fn unquoted_values_are_corrupt() {
        let spec = PresetSpec::new(Preset::Privy);
        assert_eq!(
            parse_preset(&spec, &[local("privy:token", "eyJraw")], NOW),
            Err(Unreadable::NotJson)
        );
        assert_eq!(
            parse_preset(&spec, &[local(ACTIVE_USER, "{}")], NOW),
            Err(Unreadable::UnexpectedShape)
        );
    }

    #[test]
    fn server_cookie_mode() {
        let spec = PresetSpec {
            cookie: Some(CookieMode::default()),
            ..PresetSpec::new(Preset::Privy)
        };
        assert_eq!(parse_preset(&spec, &[], NOW), Ok(None));
        let session = parse_preset(&spec, &[cookie(&format!("privy-{USER}-session"), "t")], NOW)
            .unwrap()
            .unwrap();
        assert!(session.is_cookie());
    }

    #[test]
    fn server_cookie_mode_placeholder_is_not_a_credential() {
        let cookie_mode = PresetSpec {
            cookie: Some(CookieMode::default()),
            ..PresetSpec::new(Preset::Privy)
        };
        let entries = [
            local(ACTIVE_USER, &quoted(USER)),
            local(&format!("privy:{USER}:token"), &quoted(&jwt_exp(NOW - 600))),
            local(
                &format!("privy:{USER}:refresh_token"),
                &quoted("deprecated"),
            ),
            cookie(&format!("privy-{USER}-session"), "t"),
        ];
        let session = parse_preset(&PresetSpec::new(Preset::Privy), &entries, NOW)
            .unwrap()
            .unwrap();
        assert!(session.token(TokenKind::RefreshToken).is_none());
        assert!(
            parse_preset(&cookie_mode, &entries, NOW)
                .unwrap()
                .unwrap()
                .is_cookie()
        );
    }
}
