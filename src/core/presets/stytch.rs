//! Stytch vanilla-js (read at 6.3): the session lives in cookies page JavaScript can read.
//!
//! stytchauth/stytch-js `packages/web/src/SubscriptionService.ts`: cookie `stytch_session`
//! holds the opaque session token, `stytch_session_jwt` the session JWT (names overridable; the
//! defaults are read). The JWT is the bearer (it lives 5 minutes); the opaque session token is
//! sent as the `refresh_token` kind: it is the long-lived credential the endpoint authenticates
//! with Stytch (`sessions.authenticate`) when the JWT has expired. Its expiry is not readable.

use super::Want;
use super::read::{find, read, session, token};
use crate::core::source::{Area, Entry, LegacySession, TokenKind, Unreadable};
use crate::prelude::*;

const OPAQUE: &str = "stytch_session";
const JWT: &str = "stytch_session_jwt";

pub fn wants() -> Vec<Want> {
    vec![
        Want::Key(Area::Cookie, OPAQUE.to_owned()),
        Want::Key(Area::Cookie, JWT.to_owned()),
    ]
}

pub fn parse(entries: &[Entry]) -> Result<Option<LegacySession>, Unreadable> {
    let mut tokens = Vec::new();
    let mut reads = Vec::new();
    for (name, kind) in [
        (JWT, TokenKind::AccessToken),
        (OPAQUE, TokenKind::RefreshToken),
    ] {
        if let Some(entry) = find(entries, Area::Cookie, name) {
            reads.push(read(entry));
            if !entry.value.is_empty() {
                tokens.push(token(kind, &entry.value, None));
            }
        }
    }
    Ok(session(tokens, reads))
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use super::super::{Preset, PresetSpec, parse as parse_preset};
    use super::*;

    #[test]
    fn jwt_and_opaque_session() {
        let spec = PresetSpec::new(Preset::Stytch);
        let entries = [
            cookie(JWT, &jwt_exp(NOW - 1)),
            cookie(OPAQUE, "mZAYn5aLEqKUlZ_Ad9U_fWr38GaAQ1oFAhT8ds245v7Q"),
        ];
        let session = parse_preset(&spec, &entries, NOW).unwrap().unwrap();
        assert_eq!(
            kinds(&session),
            [
                (TokenKind::AccessToken, Some(NOW - 1)),
                (TokenKind::RefreshToken, None)
            ]
        );
        assert_eq!(session.entries.len(), 2);
        assert_eq!(parse_preset(&spec, &[], NOW), Ok(None));
    }
}
