//! Descope web-js-sdk (with `persistTokens`, which the React `AuthProvider` turns on).
//!
//! descope/descope-js `packages/sdks/web-js-sdk` (read at 1.53: `SESSION_TOKEN_KEY` `DS`,
//! `REFRESH_TOKEN_KEY` `DSR`, ID token `DSI`, each a raw JWT in `localStorage` under the
//! optional `storagePrefix`; the session token also as cookie `DS`, and the refresh token as
//! cookie `DSR` in cookie mode, the cookie winning when both are there, as the SDK reads them).
//! The refresh token is a JWT with its own `exp`. `DSRCN` (under the prefix) holds the name of
//! the server's HttpOnly refresh cookie when it answers one (`cookieName`); sign-out (`M` in the
//! 1.53 build: `DSR`, `DS`, `DSI`, `DSRCN`, then the two cookies) removes it too, and so does
//! cleanup. Custom cookie names (`sessionTokenViaCookie.cookieName`, `refreshTokenViaCookie.
//! cookieName`) are not read (README).

use super::read::{read, session, token};
use super::{PresetSpec, Want};
use crate::core::source::{Area, Entry, LegacySession, TokenKind, Unreadable};
use crate::prelude::*;

/// The refresh cookie's name, when the server set one: no token, removed with the session.
const REFRESH_COOKIE_NAME: &str = "DSRCN";
const NAMES: [(&str, TokenKind); 3] = [
    ("DS", TokenKind::AccessToken),
    ("DSR", TokenKind::RefreshToken),
    ("DSI", TokenKind::IdToken),
];

fn prefix(spec: &PresetSpec) -> &str {
    spec.prefix.as_deref().unwrap_or("")
}

pub fn wants(spec: &PresetSpec) -> Vec<Want> {
    let prefix = prefix(spec);
    let mut wants = Vec::new();
    for (name, _) in NAMES {
        wants.push(Want::Key(Area::LocalStorage, concat(&[prefix, name])));
    }
    wants.push(Want::Key(
        Area::LocalStorage,
        concat(&[prefix, REFRESH_COOKIE_NAME]),
    ));
    wants.push(Want::Key(Area::Cookie, "DS".to_owned()));
    wants.push(Want::Key(Area::Cookie, "DSR".to_owned()));
    wants
}

pub fn parse(spec: &PresetSpec, entries: &[Entry]) -> Result<Option<LegacySession>, Unreadable> {
    let prefix = prefix(spec);
    let mut tokens = Vec::new();
    let mut reads = Vec::new();
    for (name, kind) in NAMES {
        let local_key = concat(&[prefix, name]);
        // The first cookie with a value, else the first `localStorage` entry with one.
        let mut chosen: Option<&Entry> = None;
        for e in entries {
            if (e.area == Area::Cookie && e.key == name && kind != TokenKind::IdToken)
                || (e.area == Area::LocalStorage && e.key == local_key)
            {
                reads.push(read(e));
                if !e.value.is_empty()
                    && chosen
                        .is_none_or(|chosen| chosen.area != Area::Cookie && e.area == Area::Cookie)
                {
                    chosen = Some(e);
                }
            }
        }
        if let Some(entry) = chosen {
            tokens.push(token(kind, &entry.value, None));
        }
    }
    let cookie_name = concat(&[prefix, REFRESH_COOKIE_NAME]);
    for e in entries {
        if e.area == Area::LocalStorage && e.key == cookie_name {
            reads.push(read(e));
        }
    }
    Ok(session(tokens, reads))
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use super::super::{Preset, parse as parse_preset};
    use super::*;

    #[test]
    fn reads_the_three_jwts() {
        let spec = PresetSpec::new(Preset::Descope);
        let entries = [
            local("DS", &jwt_exp(NOW - 5)),
            local("DSR", &jwt_exp(NOW + 86400)),
            local("DSI", &jwt_exp(NOW + 60)),
            local("DSRCN", "x"),
        ];
        let session = parse_preset(&spec, &entries, NOW).unwrap().unwrap();
        assert_eq!(
            kinds(&session),
            [
                (TokenKind::AccessToken, Some(NOW - 5)),
                (TokenKind::RefreshToken, Some(NOW + 86400)),
                (TokenKind::IdToken, Some(NOW + 60)),
            ]
        );
        assert_eq!(session.entries.len(), 4);
        assert!(keys(&session).contains(&(Area::LocalStorage, "DSRCN")));
    }

    #[test]
    fn prefix_and_cookies() {
        let spec = PresetSpec {
            prefix: Some("app1.".into()),
            ..PresetSpec::new(Preset::Descope)
        };
        let entries = [
            local("DS", "other-app"),
            local("app1.DS", "stale"),
            cookie("DS", "from-cookie"),
        ];
        let session = parse_preset(&spec, &entries, NOW).unwrap().unwrap();
        assert_eq!(value(&session, TokenKind::AccessToken), "from-cookie");
        assert_eq!(
            keys(&session),
            [(Area::LocalStorage, "app1.DS"), (Area::Cookie, "DS")]
        );
        assert_eq!(parse_preset(&spec, &[local("DS", "x")], NOW), Ok(None));
    }
}
