//! Clerk (clerk-js 6): the short-lived session JWT in a readable cookie.
//!
//! clerk/javascript `packages/clerk-js/src/core/auth/cookies/session.ts` (`__session`, and
//! `__session_<suffix>` with the suffix derived from the publishable key) and `clientUat.ts`
//! (`__client_uat[_<suffix>]`: the client's last update in seconds, `0` when signed out). The
//! `__session` JWT lives about 60 seconds and is refreshed by clerk-js from the long-lived
//! `__client` cookie, which is HttpOnly on Clerk's domain: page JavaScript cannot use it. So a
//! live `__session` is sent at once; otherwise, in cookie mode, the endpoint reads the cookies,
//! with `__client_uat` > 0 as the indicator. Cleanup removes the session cookie, its twin
//! (clerk-js writes the suffixed and the unsuffixed name alike, and removes both), and the
//! indicators with the same suffixes.

use super::Want;
use super::read::{read, session, token};
use crate::core::json::integer;
use crate::core::source::{Area, Entry, LegacySession, LegacyToken, TokenKind, Unreadable};
use crate::prelude::*;

const SESSION: &str = "__session";
const CLIENT_UAT: &str = "__client_uat";

pub fn wants() -> Vec<Want> {
    vec![
        Want::Prefix(Area::Cookie, SESSION.to_owned()),
        Want::Prefix(Area::Cookie, CLIENT_UAT.to_owned()),
    ]
}

/// The suffix of a `<base>` or `<base>_<suffix>` cookie name.
fn suffix<'a>(name: &'a str, base: &str) -> Option<&'a str> {
    let rest = name.strip_prefix(base)?;
    if rest.is_empty() {
        Some("")
    } else {
        rest.strip_prefix('_')
    }
}

pub fn parse(entries: &[Entry]) -> Result<Option<LegacySession>, Unreadable> {
    let session_cookies = || {
        entries.iter().filter_map(|entry| {
            let suffix = suffix(&entry.key, SESSION)?;
            (entry.area == Area::Cookie && !entry.value.is_empty()).then_some((suffix, entry))
        })
    };
    // The freshest session cookie (the last of equals): suffixed ones are per app, the plain
    // one the newest written.
    let mut best: Option<(i64, &Entry, LegacyToken)> = None;
    for (_, entry) in session_cookies() {
        let token = token(TokenKind::AccessToken, &entry.value, None);
        let expires_at = token.facts.expires_at.unwrap_or(0);
        if best.as_ref().is_none_or(|(best, ..)| expires_at >= *best) {
            best = Some((expires_at, entry, token));
        }
    }
    let Some((_, entry, token)) = best else {
        return Ok(None);
    };
    // clerk-js writes each session cookie twice, suffixed and not (`SessionCookie.set`), and its
    // sign-out removes both: the twins hold the same JWT, and each has its `__client_uat`.
    let mut twins = Vec::new();
    let mut reads = Vec::new();
    for (suffix, twin) in session_cookies() {
        if twin.value == entry.value {
            twins.push(suffix);
            reads.push(read(twin));
        }
    }
    for suffix in twins {
        let uat = if suffix.is_empty() {
            CLIENT_UAT.to_owned()
        } else {
            concat(&[CLIENT_UAT, "_", suffix])
        };
        for e in entries {
            if e.area == Area::Cookie && e.key == uat {
                reads.push(read(e));
            }
        }
    }
    Ok(session(vec![token], reads))
}

/// The cookie mode's indicator: a `__client_uat` above zero.
pub fn signed_in(entries: &[Entry]) -> bool {
    entries.iter().any(|entry| {
        entry.area == Area::Cookie
            && suffix(&entry.key, CLIENT_UAT).is_some()
            && integer::<i64>(entry.value.trim()).is_some_and(|at| at > 0)
    })
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use super::super::{CookieMode, Preset, PresetSpec, parse as parse_preset};
    use super::*;

    #[test]
    fn the_freshest_session_cookie_and_its_indicator() {
        let spec = PresetSpec::new(Preset::Clerk);
        let entries = [
            cookie("__session", &jwt_exp(NOW + 10)),
            cookie("__session_Zx1y", &jwt_exp(NOW + 50)),
            cookie("__client_uat", "1799990000"),
            cookie("__client_uat_Zx1y", "1799990000"),
            cookie("__sessionx", "other"),
        ];
        let session = parse_preset(&spec, &entries, NOW).unwrap().unwrap();
        assert_eq!(kinds(&session), [(TokenKind::AccessToken, Some(NOW + 50))]);
        assert_eq!(
            keys(&session),
            [
                (Area::Cookie, "__session_Zx1y"),
                (Area::Cookie, "__client_uat_Zx1y")
            ]
        );
    }

    #[test]
    fn twins_go_together() {
        let spec = PresetSpec::new(Preset::Clerk);
        let jwt = jwt_exp(NOW + 50);
        let entries = [
            cookie("__session", &jwt),
            cookie("__session_Zx1y", &jwt),
            cookie("__session_Other", &jwt_exp(NOW + 20)),
            cookie("__client_uat", "1799990000"),
            cookie("__client_uat_Zx1y", "1799990000"),
            cookie("__client_uat_Other", "1799990000"),
        ];
        let session = parse_preset(&spec, &entries, NOW).unwrap().unwrap();
        let mut removed: Vec<&str> = keys(&session).into_iter().map(|(_, key)| key).collect();
        removed.sort_unstable();
        assert_eq!(
            removed,
            [
                "__client_uat",
                "__client_uat_Zx1y",
                "__session",
                "__session_Zx1y"
            ]
        );
    }

    #[test]
    fn cookie_mode_when_the_jwt_expired() {
        let spec = PresetSpec {
            cookie: Some(CookieMode::default()),
            ..PresetSpec::new(Preset::Clerk)
        };
        let expired = [
            cookie("__session", &jwt_exp(NOW - 30)),
            cookie("__client_uat", "1799990000"),
        ];
        assert!(
            parse_preset(&spec, &expired, NOW)
                .unwrap()
                .unwrap()
                .is_cookie()
        );
        let signed_out = [cookie("__client_uat", "0")];
        assert_eq!(parse_preset(&spec, &signed_out, NOW), Ok(None));
        // Without cookie mode, the expired JWT is what there is (and the pre-check refuses it).
        let plain = PresetSpec::new(Preset::Clerk);
        assert!(
            !parse_preset(&plain, &expired, NOW)
                .unwrap()
                .unwrap()
                .is_cookie()
        );
    }
}
