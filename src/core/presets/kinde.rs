//! Kinde: @kinde-oss/kinde-auth-pkce-js 4.x (on localhost, or `is_dangerously_use_local_storage`).
//!
//! kinde-oss/kinde-auth-pkce-js 4.5 sets `@kinde/js-utils`' `storageSettings.keyPrefix` to
//! `kinde_`; js-utils' `LocalStorage` splits a value into 2000-character chunks stored as
//! `<prefix><key>0`, `<prefix><key>1`, … and reads them back in order up to the first missing
//! one. Only the refresh token is there (`kinde_refreshToken0…`); access and ID tokens stay in
//! memory. Older 4.x builds kept it whole in `kinde_refresh_token`, which 4.5 still reads.
//! js-utils' own default prefix `kinde-` (SDKs built on it directly) is read too. Apps on the
//! default `*.kinde.com` domain keep those chunks in production as well (js-utils
//! `exchangeAuthCode.ts`); with a custom domain the refresh token is the HttpOnly `_kbrte` cookie
//! (`createKindeClient.ts`), which page JavaScript never sees: cookie mode, with no indicator of
//! its own (see `indicator` in `mod.rs`).

use super::Want;
use super::choose::Candidates;
use super::read::{find, read, session, token};
use crate::core::json::integer;
use crate::core::source::{Area, Entry, LegacySession, LegacyToken, TokenKind, Unreadable};
use crate::prelude::*;

const CHUNKED: [&str; 2] = ["kinde_refreshToken", "kinde-refreshToken"];
const WHOLE: &str = "kinde_refresh_token";

pub fn wants() -> Vec<Want> {
    let mut wants = Vec::new();
    for prefix in CHUNKED {
        wants.push(Want::Prefix(Area::LocalStorage, prefix.to_owned()));
    }
    wants.push(Want::Key(Area::LocalStorage, WHOLE.to_owned()));
    wants
}

pub fn parse(entries: &[Entry]) -> Result<Option<LegacySession>, Unreadable> {
    let mut candidates = Candidates::default();
    for prefix in CHUNKED {
        candidates.first(chunks(entries, prefix));
    }
    if let Some(entry) = find(entries, Area::LocalStorage, WHOLE) {
        candidates.first(Ok(session(refresh(&entry.value), vec![read(entry)])));
    }
    candidates.finish()
}

fn chunks(entries: &[Entry], prefix: &str) -> Result<Option<LegacySession>, Unreadable> {
    let mut numbered: Vec<(usize, &Entry)> = Vec::new();
    for entry in entries {
        let Some(index) = entry.key.strip_prefix(prefix) else {
            continue;
        };
        if entry.area == Area::LocalStorage
            && !index.is_empty()
            && index.bytes().all(|b| b.is_ascii_digit())
            && let Some(index) = integer(index)
        {
            numbered.push((index, entry));
        }
    }
    let mut value = String::new();
    let mut next = 0;
    while let Some((_, entry)) = numbered.iter().find(|(index, _)| *index == next) {
        value.push_str(&entry.value);
        next += 1;
    }
    if numbered.iter().any(|(index, _)| *index >= next) {
        return Err(Unreadable::MissingChunk);
    }
    let mut reads = Vec::new();
    for (_, entry) in &numbered {
        reads.push(read(entry));
    }
    Ok(session(refresh(&value), reads))
}

/// The refresh token `value` is, when there is one.
fn refresh(value: &str) -> Vec<LegacyToken> {
    if value.is_empty() {
        Vec::new()
    } else {
        vec![token(TokenKind::RefreshToken, value, None)]
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use super::super::{CookieMode, Preset, PresetSpec, parse as parse_preset, wants};
    use super::*;

    #[test]
    fn joins_chunks_in_order() {
        let spec = PresetSpec::new(Preset::Kinde);
        let token = "r".repeat(2000) + &"s".repeat(2000) + "tail";
        let entries = [
            local("kinde_refreshToken1", &token[2000..4000]),
            local("kinde_refreshToken0", &token[..2000]),
            local("kinde_refreshToken2", &token[4000..]),
            local("kinde_refresh_lock", "{}"),
        ];
        let session = parse_preset(&spec, &entries, NOW).unwrap().unwrap();
        assert_eq!(value(&session, TokenKind::RefreshToken), token);
        assert_eq!(session.entries.len(), 3);
    }

    #[test]
    fn a_gap_is_a_missing_chunk() {
        let spec = PresetSpec::new(Preset::Kinde);
        let entries = [
            local("kinde_refreshToken0", "a"),
            local("kinde_refreshToken2", "c"),
        ];
        assert_eq!(
            parse_preset(&spec, &entries, NOW),
            Err(Unreadable::MissingChunk)
        );
        let entries = [local("kinde_refreshToken1", "b")];
        assert_eq!(
            parse_preset(&spec, &entries, NOW),
            Err(Unreadable::MissingChunk)
        );
    }

    #[test]
    fn older_whole_key_and_cookie_mode_without_seeing_kbrte() {
        let spec = PresetSpec::new(Preset::Kinde);
        let session = parse_preset(&spec, &[local(WHOLE, "rt")], NOW)
            .unwrap()
            .unwrap();
        assert_eq!(keys(&session), [(Area::LocalStorage, WHOLE)]);
        let cookie_mode = PresetSpec {
            cookie: Some(CookieMode::default()),
            ..spec
        };
        // `_kbrte` is HttpOnly: cookie mode cannot wait to see it.
        assert!(
            parse_preset(&cookie_mode, &[], NOW)
                .unwrap()
                .unwrap()
                .is_cookie()
        );
        assert!(
            !wants(&cookie_mode, &[])
                .iter()
                .any(|want| want.area() == Area::Cookie)
        );
        // A live chunked refresh token (the default `*.kinde.com` domain) is sent instead.
        let session = parse_preset(&cookie_mode, &[local("kinde_refreshToken0", "rt")], NOW)
            .unwrap()
            .unwrap();
        assert!(!session.is_cookie());
    }
}
