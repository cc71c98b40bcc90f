//! Presets: the session each legacy SDK leaves on the device, read the way the SDK reads it.
//!
//! A team names its SDK (`legacy: { preset: "supabase", url }`) and nothing more. Each SDK file
//! is one SDK family and cites the SDK sources it follows; `shared/reference/legacy-storage.md`
//! gathers the facts, and where it and the source disagree, the source won (noted per file).
//!
//! Reading stays two-phase and pure, as for the generic storage source: [`wants`] names the
//! entries (exact keys, or key prefixes the edge resolves with `Store::keys()`), possibly in a
//! second round once the first round's pointers are known (MSAL's key index); [`sealed`] names
//! the values the edge must decrypt first (MSAL's encrypted `localStorage`); [`parse`] turns what
//! the edge read into a [`LegacySession`] whose `entries` are exactly what the SDK's own sign-out
//! would remove. Nothing here throws on foreign or corrupt data: that is "no session", with an
//! [`Unreadable`] reason for the `read` event.
//!
//! ```text
//! mod.rs       the dispatch: what to read (wants), decrypt (sealed), parse, write back
//!              (rewrite), and how cleanup treats an index (is_index, prune); cookie mode
//! spec.rs      Preset, PresetSpec, CookieMode: the options and the per-preset facts
//! probe.rs     where the wrapper's fast path may look without the engine
//! read.rs      readers the SDK files share: JSON members, expiries, base64url, tokens, entries
//! choose.rs    one session among candidates: the freshest, or the first in the SDK's order
//! fixtures.rs  (tests) entries as the SDKs write them, and JWTs
//!
//! auth0.rs     @auth0/auth0-spa-js            msal.rs      @azure/msal-browser
//! clerk.rs     clerk-js                       oidc.rs      oidc-client-ts
//! cognito.rs   Amplify v6, Cognito identity   okta.rs      @okta/okta-auth-js
//! descope.rs   Descope web-js-sdk             privy.rs     Privy js-sdk-core
//! firebase.rs  Firebase Auth JS               stytch.rs    Stytch vanilla-js
//! kinde.rs     kinde-auth-pkce-js             supabase.rs  supabase-js, @supabase/ssr
//! ```

pub mod auth0;
pub mod clerk;
pub mod cognito;
pub mod descope;
pub mod firebase;
pub mod kinde;
pub mod msal;
pub mod oidc;
pub mod okta;
pub mod privy;
pub mod stytch;
pub mod supabase;

mod choose;
mod probe;
mod read;
mod spec;

#[cfg(test)]
pub(crate) mod fixtures;

pub use probe::probe;
pub use spec::{CookieMode, Preset, PresetSpec, bearer};

use crate::core::search;
use crate::core::source::{Area, Entry, LegacySession, Read, TokenKind, Unreadable};
use crate::prelude::*;

/// Entries to read: one key, or every key with a prefix, or (for caches whose keys start with
/// an ID not known in advance: MSAL before 2.35) every key containing a text; the edge lists
/// the area's keys for the last two.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Want {
    Key(Area, String),
    Prefix(Area, String),
    Containing(Area, String),
}

impl Want {
    pub const fn area(&self) -> Area {
        match self {
            Self::Key(area, _) | Self::Prefix(area, _) | Self::Containing(area, _) => *area,
        }
    }

    /// Every key with `prefix`, in each of `areas`.
    fn prefixes(areas: &[Area], prefix: &str) -> Vec<Self> {
        let mut wants = Vec::new();
        for area in areas {
            wants.push(Self::Prefix(*area, prefix.to_owned()));
        }
        wants
    }

    pub fn matches(&self, key: &str) -> bool {
        match self {
            Self::Key(_, wanted) => key == wanted,
            Self::Prefix(_, prefix) => key.starts_with(prefix.as_str()),
            Self::Containing(_, part) => search::contains(key, part),
        }
    }
}

/// What to read, given what was read so far (empty at first). The edge asks again after each
/// round and stops when nothing new is wanted (at most three rounds).
pub fn wants(spec: &PresetSpec, found: &[Entry]) -> Vec<Want> {
    let mut wants = match spec.preset {
        Preset::Auth0Spa => auth0::wants(spec),
        Preset::Firebase => firebase::wants(spec),
        Preset::Amplify | Preset::Cognito => cognito::wants(spec),
        Preset::Supabase => supabase::wants(spec),
        Preset::Okta => okta::wants(spec),
        Preset::Msal => msal::wants(spec, found),
        Preset::OidcClientTs => oidc::wants(spec),
        Preset::Descope => descope::wants(spec),
        Preset::Stytch => stytch::wants(),
        Preset::Privy => privy::wants(),
        Preset::Kinde => kinde::wants(),
        Preset::Clerk => clerk::wants(),
        Preset::Authjs | Preset::Cookie => Vec::new(),
    };
    if cookie_mode(spec)
        && let Some(name) = indicator(spec)
    {
        wants.push(Want::Key(Area::Cookie, name.to_owned()));
    }
    wants
}

/// Values the edge must decrypt before [`parse`]: `key` is the raw AES key material, each item
/// is HKDF-SHA-256 (salt `nonce`, info `info`) then AES-GCM-256 with a zero 12-byte IV over
/// `data`. The edge replaces `entries[index].value` with the plaintext it gets.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sealed {
    pub key: Vec<u8>,
    pub items: Vec<SealedItem>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SealedItem {
    pub index: usize,
    pub nonce: Vec<u8>,
    pub data: Vec<u8>,
    pub info: String,
}

pub fn sealed(spec: &PresetSpec, entries: &[Entry]) -> Option<Sealed> {
    match spec.preset {
        Preset::Msal => msal::sealed(spec, entries),
        _ => None,
    }
}

/// Whether cleanup rewrites this entry rather than removes it: an index of other keys (MSAL's),
/// which must stay consistent for the keys that remain.
pub fn is_index(entry: &Read) -> bool {
    entry.area != Area::Cookie && msal::is_index(&entry.key)
}

/// The index entry's value once `removed` are gone: `Some(value)` to write, `None` to remove it.
pub fn prune(entry: &Read, value: &str, removed: &[Read]) -> Option<String> {
    let mut keys = Vec::new();
    for read in removed {
        if read.area == entry.area {
            keys.push(read.key.as_str());
        }
    }
    msal::prune(&entry.key, value, &keys).flatten()
}

/// Writes back replacement tokens the endpoint handed over after spending a rotating legacy
/// refresh token: in each of the session's entries that holds an old token's text, that text is
/// replaced by its successor, so the SDK finds its session in its own format. Values that do not
/// hold the token as text (encrypted, base64, split in chunks) cannot be rewritten this way;
/// nor are the `decrypted` ones (indexes into `entries`): their plaintext must never land in
/// storage in clear (MSAL's `localStorage`), and re-encrypting is MSAL's business.
/// Returns the entries to write (index into `entries`, new value) and the kinds written.
pub fn rewrite(
    entries: &[Entry],
    decrypted: &[usize],
    session: &LegacySession,
    replacement: &crate::wire::LegacyTokens,
) -> (Vec<(usize, String)>, Vec<TokenKind>) {
    let mut writes: Vec<(usize, String)> = Vec::new();
    let mut kinds = Vec::new();
    for (kind, new) in [
        (TokenKind::AccessToken, &replacement.access_token),
        (TokenKind::RefreshToken, &replacement.refresh_token),
        (TokenKind::IdToken, &replacement.id_token),
    ] {
        let (Some(new), Some(old)) = (new, session.token(kind)) else {
            continue;
        };
        for (index, entry) in entries.iter().enumerate() {
            let part = session
                .entries
                .iter()
                .any(|read| read.area == entry.area && read.key == entry.key);
            if !part || entry.area == Area::IndexedDb || decrypted.contains(&index) {
                continue;
            }
            let current = match writes.iter().position(|(at, _)| *at == index) {
                Some(at) => &writes[at].1,
                None => &entry.value,
            };
            if !search::contains(current, &old.value) {
                continue;
            }
            let value = search::replace(current, &old.value, new);
            match writes.iter_mut().find(|(at, _)| *at == index) {
                Some(write) => write.1 = value,
                None => writes.push((index, value)),
            }
            if !kinds.contains(&kind) {
                kinds.push(kind);
            }
        }
    }
    (writes, kinds)
}

/// Parses what the edge read. `now` is Unix seconds. `Ok(None)`: no session.
pub fn parse(
    spec: &PresetSpec,
    entries: &[Entry],
    now: i64,
) -> Result<Option<LegacySession>, Unreadable> {
    let parsed = match spec.preset {
        Preset::Auth0Spa => auth0::parse(spec, entries),
        Preset::Firebase => firebase::parse(spec, entries),
        Preset::Amplify | Preset::Cognito => cognito::parse(spec, entries),
        Preset::Supabase => supabase::parse(spec, entries),
        Preset::Okta => okta::parse(spec, entries),
        Preset::Msal => msal::parse(spec, entries),
        Preset::OidcClientTs => oidc::parse(spec, entries),
        Preset::Descope => descope::parse(spec, entries),
        Preset::Stytch => stytch::parse(entries),
        Preset::Privy => privy::parse(entries),
        Preset::Kinde => kinde::parse(entries),
        Preset::Clerk => clerk::parse(entries),
        Preset::Authjs | Preset::Cookie => Ok(None),
    };
    if !cookie_mode(spec) {
        return parsed;
    }
    // Cookie mode takes over when nothing readable is live, and the indicator (if the preset
    // has one) says the legacy SDK holds a session.
    let live = |session: &LegacySession| {
        session
            .tokens
            .iter()
            .any(|token| !token.facts.is_expired(now, 0))
    };
    match parsed {
        Ok(Some(session)) if live(&session) => Ok(Some(session)),
        _ if signed_in(spec, entries) => Ok(Some(LegacySession::default())),
        other => other,
    }
}

fn cookie_mode(spec: &PresetSpec) -> bool {
    spec.cookie.is_some() || matches!(spec.preset, Preset::Authjs | Preset::Cookie)
}

/// A readable cookie, named in the options or the preset's own, whose presence says the
/// HttpOnly session exists. Clerk's and Privy's are recognised by [`signed_in`] from the
/// cookies their presets read anyway.
fn indicator(spec: &PresetSpec) -> Option<&str> {
    match spec
        .cookie
        .as_ref()
        .and_then(|mode| mode.indicator.as_deref())
    {
        Some(name) => Some(name),
        None => None,
    }
}

/// Whether cookie mode has a legacy session to exchange. Without an indicator it must assume
/// so: the endpoint answers, and a refusal is remembered (see the README's cookie mode).
fn signed_in(spec: &PresetSpec, entries: &[Entry]) -> bool {
    if let Some(name) = indicator(spec) {
        return entries.iter().any(|entry| {
            entry.area == Area::Cookie
                && entry.key == name
                && !matches!(entry.value.trim(), "" | "0" | "false")
        });
    }
    match spec.preset {
        Preset::Clerk => clerk::signed_in(entries),
        Preset::Privy => privy::signed_in(entries),
        _ => true,
    }
}

// Shared helpers of the preset parsers.

#[cfg(test)]
mod tests {
    use super::fixtures::*;
    use super::read::{read, token};
    use super::*;

    #[test]
    fn cookie_mode_without_indicator_is_always_a_cookie_session() {
        let spec = PresetSpec::new(Preset::Authjs);
        assert!(wants(&spec, &[]).is_empty());
        let session = parse(&spec, &[], NOW).unwrap().unwrap();
        assert!(session.is_cookie());
        assert!(session.entries.is_empty());
    }

    #[test]
    fn cookie_mode_with_an_indicator_needs_it() {
        let spec = PresetSpec {
            cookie: Some(CookieMode {
                indicator: Some("signed_in".into()),
            }),
            ..PresetSpec::new(Preset::Cookie)
        };
        assert_eq!(
            wants(&spec, &[]),
            [Want::Key(Area::Cookie, "signed_in".into())]
        );
        assert_eq!(parse(&spec, &[], NOW), Ok(None));
        assert_eq!(parse(&spec, &[cookie("signed_in", "0")], NOW), Ok(None));
        assert!(
            parse(&spec, &[cookie("signed_in", "1")], NOW)
                .unwrap()
                .unwrap()
                .is_cookie()
        );
    }

    #[test]
    fn cookie_fallback_only_when_no_readable_token_is_live() {
        let spec = PresetSpec {
            cookie: Some(CookieMode::default()),
            ..PresetSpec::new(Preset::Descope)
        };
        let live = [local("DS", &jwt_exp(NOW + 60))];
        assert!(!parse(&spec, &live, NOW).unwrap().unwrap().is_cookie());
        let expired = [local("DS", &jwt_exp(NOW - 60))];
        assert!(parse(&spec, &expired, NOW).unwrap().unwrap().is_cookie());
    }

    #[test]
    fn rotated_tokens_are_written_back_in_the_sdks_format() {
        let spec = PresetSpec::new(Preset::Privy);
        let entries = [
            local("privy:active-user", "\"did:privy:u\""),
            local("privy:did:privy:u:token", "\"at-1\""),
            local("privy:did:privy:u:refresh_token", "\"rt-1\""),
            local("unrelated", "rt-1"),
        ];
        let session = parse(&spec, &entries, NOW).unwrap().unwrap();
        let replacement = crate::wire::LegacyTokens {
            access_token: None,
            refresh_token: Some("rt-2".into()),
            id_token: Some("no old one".into()),
        };
        let (writes, kinds) = rewrite(&entries, &[], &session, &replacement);
        assert_eq!(writes, [(2, "\"rt-2\"".to_owned())]);
        assert_eq!(kinds, [TokenKind::RefreshToken]);
        // A decrypted value (MSAL's localStorage) is never written back in clear.
        assert_eq!(
            rewrite(&entries, &[2], &session, &replacement),
            (vec![], vec![])
        );
        // Encrypted or chunked values do not hold the token as text: nothing is written.
        let sealed = [local("kinde_refreshToken0", "rt-")];
        let session = LegacySession {
            tokens: vec![token(TokenKind::RefreshToken, "rt-1", None)],
            entries: vec![read(&sealed[0])],
        };
        assert_eq!(
            rewrite(&sealed, &[], &session, &replacement),
            (vec![], vec![])
        );
    }
}
