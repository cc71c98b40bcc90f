//! Presets: the session each legacy SDK leaves on the device, read the way the SDK reads it.
//!
//! A team names its SDK (`legacy: { preset: "supabase", url }`) and nothing more. Each file here
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

use crate::core::json::{Json, Named};
use crate::core::options::SourceSpec;
use crate::core::source::{Area, Entry, LegacySession, LegacyToken, Read, TokenKind, Unreadable};
use crate::core::state::Probe;

/// The SDKs a preset reads. `authjs` and `cookie` are cookie modes: the session is in an
/// HttpOnly cookie only the endpoint can read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Preset {
    Auth0Spa,
    Firebase,
    Amplify,
    Cognito,
    Supabase,
    Okta,
    Msal,
    OidcClientTs,
    Descope,
    Stytch,
    Privy,
    Kinde,
    Clerk,
    Authjs,
    Cookie,
}

impl Preset {
    pub const ALL: [Self; 15] = [
        Self::Auth0Spa,
        Self::Firebase,
        Self::Amplify,
        Self::Cognito,
        Self::Supabase,
        Self::Okta,
        Self::Msal,
        Self::OidcClientTs,
        Self::Descope,
        Self::Stytch,
        Self::Privy,
        Self::Kinde,
        Self::Clerk,
        Self::Authjs,
        Self::Cookie,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Auth0Spa => "auth0-spa",
            Self::Firebase => "firebase",
            Self::Amplify => "amplify",
            Self::Cognito => "cognito",
            Self::Supabase => "supabase",
            Self::Okta => "okta",
            Self::Msal => "msal",
            Self::OidcClientTs => "oidc-client-ts",
            Self::Descope => "descope",
            Self::Stytch => "stytch",
            Self::Privy => "privy",
            Self::Kinde => "kinde",
            Self::Clerk => "clerk",
            Self::Authjs => "authjs",
            Self::Cookie => "cookie",
        }
    }

    /// The bearer token the SDK's backends verify: the ID token for Firebase (its "access
    /// token" is the Firebase ID token) and Cognito; the access token otherwise.
    pub const fn bearer(self) -> TokenKind {
        match self {
            Self::Firebase | Self::Amplify | Self::Cognito => TokenKind::IdToken,
            _ => TokenKind::AccessToken,
        }
    }
}

impl Named for Preset {
    const ALL: &'static [Self] = &Self::ALL;

    fn name(self) -> &'static str {
        self.as_str()
    }
}

/// A preset and its options, as `pkg/src/presets.js` normalises them. Which options a preset
/// takes is checked there, with errors that name the option.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PresetSpec {
    pub preset: Preset,
    /// The SDK's client ID (Auth0, Cognito, MSAL, oidc-client-ts): picks that app's session.
    pub client_id: Option<String>,
    /// Auth0's cache key audience; MSAL: the access token whose `aud` has it.
    pub audience: Option<String>,
    /// Auth0's cache key scope, MSAL's token target: every word of it must be there.
    pub scope: Option<String>,
    /// The storage key the SDK was configured with (Supabase `storageKey`, Okta
    /// `tokenManager.storageKey`), or the one the wrapper derived (Supabase from `url`).
    pub storage_key: Option<String>,
    /// oidc-client-ts `authority`.
    pub authority: Option<String>,
    /// Firebase `apiKey` and app name.
    pub api_key: Option<String>,
    pub app_name: Option<String>,
    /// Descope `localStorage` key prefix.
    pub prefix: Option<String>,
    /// The bearer token the backend verifies, when not the preset's default.
    pub bearer: Option<TokenKind>,
    /// Cookie mode: when no readable token is live, let the endpoint read an HttpOnly cookie.
    pub cookie: Option<CookieMode>,
}

/// Cookie mode. `indicator` names a cookie page JavaScript can read whose presence says a
/// legacy session exists, so signed-out users send nothing; presets with one of their own
/// (Clerk `__client_uat`, Privy `privy-session`) need none. Kinde's `_kbrte` is its HttpOnly
/// refresh cookie itself, never visible to page JavaScript: Kinde's cookie mode asks the
/// endpoint once, as Auth.js's does, unless the app names an indicator.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CookieMode {
    pub indicator: Option<String>,
}

impl PresetSpec {
    /// A spec with no options, for tests and defaults.
    pub const fn new(preset: Preset) -> Self {
        Self {
            preset,
            client_id: None,
            audience: None,
            scope: None,
            storage_key: None,
            authority: None,
            api_key: None,
            app_name: None,
            prefix: None,
            bearer: None,
            cookie: None,
        }
    }

    pub fn bearer(&self) -> TokenKind {
        self.bearer.unwrap_or_else(|| self.preset.bearer())
    }
}

/// The bearer token kind the source's backend verifies.
pub fn bearer(source: &SourceSpec) -> TokenKind {
    match source {
        SourceSpec::Preset(spec) => spec.bearer(),
        _ => TokenKind::AccessToken,
    }
}

/// Where the wrapper's fast path may look, without the engine, to answer "no legacy session"
/// again: the entries the source reads first. `None` when the engine alone can tell (a
/// callback, an adapter, a cookie-mode source without a readable indicator).
pub fn probe(source: &SourceSpec) -> Option<Vec<Probe>> {
    let wants = match source {
        SourceSpec::Storage { area, key, .. } => vec![Want::Key(*area, key.clone())],
        SourceSpec::Callback { .. } => return None,
        // Cookie mode without an indicator may find its session where page JS cannot look.
        SourceSpec::Preset(spec) if cookie_mode(spec) && indicator(spec).is_none() => return None,
        SourceSpec::Preset(spec) => wants(spec, &[]),
    };
    if wants.is_empty() || wants.iter().any(|want| want.area() == Area::Adapter) {
        return None;
    }
    let probe = |area, key, prefix, contains| Probe {
        area,
        key,
        prefix,
        contains,
    };
    let probes = wants.into_iter().map(|want| match want {
        // Listing a store's keys needs a transaction; the fast path lists databases, so
        // IndexedDB is probed by the database the records live in.
        Want::Key(Area::IndexedDb, _)
        | Want::Prefix(Area::IndexedDb, _)
        | Want::Containing(Area::IndexedDb, _) => probe(
            Area::IndexedDb,
            Some(firebase::DATABASE.to_owned()),
            None,
            None,
        ),
        Want::Key(area, key) => probe(area, Some(key), None, None),
        Want::Prefix(area, prefix) => probe(area, None, Some(prefix), None),
        Want::Containing(area, text) => probe(area, None, None, Some(text)),
    });
    Some(probes.collect())
}

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

    pub fn matches(&self, key: &str) -> bool {
        match self {
            Self::Key(_, wanted) => key == wanted,
            Self::Prefix(_, prefix) => key.starts_with(prefix.as_str()),
            Self::Containing(_, text) => key.contains(text.as_str()),
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
    let removed: Vec<&str> = removed
        .iter()
        .filter(|read| read.area == entry.area)
        .map(|read| read.key.as_str())
        .collect();
    msal::prune(&entry.key, value, &removed).flatten()
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
            if !current.contains(old.value.as_str()) {
                continue;
            }
            let value = current.replace(old.value.as_str(), new);
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

/// JSON text, or `NotJson`.
fn json(text: &str) -> Result<Json, Unreadable> {
    Json::parse(text).map_err(|_| Unreadable::NotJson)
}

/// A non-empty string member.
fn text<'a>(value: &'a Json, name: &str) -> Option<&'a str> {
    value.str(name).filter(|text| !text.is_empty())
}

/// Seconds since the epoch, written as a number (its fraction cut) or a string of digits
/// (MSAL).
fn seconds(value: &Json) -> Option<i64> {
    match value {
        Json::Number(_) => value.as_i64(),
        Json::String(text) => text.trim().parse().ok(),
        _ => None,
    }
}

/// base64url, padded or not (what JavaScript encoders write).
fn base64url(text: &str) -> Option<Vec<u8>> {
    use base64ct::{Base64UrlUnpadded, Encoding};
    Base64UrlUnpadded::decode_vec(text.trim_end_matches('=')).ok()
}

fn token(kind: TokenKind, value: &str, expires_at: Option<i64>) -> LegacyToken {
    LegacyToken::with_expiry(kind, value.to_owned(), expires_at)
}

/// RFC 9449: a `token_type` of `DPoP` binds the access token to the SDK's key, and §5 binds a
/// public client's refresh token to it as well; neither can be used without the key.
fn bind_dpop(tokens: &mut [LegacyToken], token_type: Option<&str>) {
    if token_type.is_some_and(|kind| kind.eq_ignore_ascii_case("dpop")) {
        for token in tokens.iter_mut().filter(|t| t.kind != TokenKind::IdToken) {
            token.facts.dpop_bound = true;
        }
    }
}

fn read(entry: &Entry) -> Read {
    Read {
        area: entry.area,
        key: entry.key.clone(),
    }
}

/// Pairs grouped by key, in the order keys first appear.
fn group<K: PartialEq, V>(pairs: impl Iterator<Item = (K, V)>) -> Vec<(K, Vec<V>)> {
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
fn find<'a>(entries: &'a [Entry], area: Area, key: &str) -> Option<&'a Entry> {
    entries
        .iter()
        .find(|entry| entry.area == area && entry.key == key)
}

/// A session of these tokens, or none when there are none.
fn session(tokens: Vec<LegacyToken>, entries: Vec<Read>) -> Option<LegacySession> {
    (!tokens.is_empty()).then_some(LegacySession { tokens, entries })
}

/// The latest expiry of a session's tokens: sessions compare by it when several are found.
fn freshness(session: &LegacySession) -> i64 {
    session
        .tokens
        .iter()
        .filter_map(|token| token.facts.expires_at)
        .max()
        .unwrap_or(0)
}

/// Gathers candidate sessions: the freshest one wins; with none, the first reason a value did
/// not parse, if any.
#[derive(Default)]
struct Candidates {
    best: Option<LegacySession>,
    unreadable: Option<Unreadable>,
}

impl Candidates {
    fn offer(&mut self, candidate: Result<Option<LegacySession>, Unreadable>) {
        match candidate {
            Ok(Some(session)) => {
                if self
                    .best
                    .as_ref()
                    .is_none_or(|best| freshness(&session) > freshness(best))
                {
                    self.best = Some(session);
                }
            }
            Ok(None) => {}
            Err(why) => {
                self.unreadable.get_or_insert(why);
            }
        }
    }

    /// The first that yields a session wins (SDKs that read their media in an order).
    fn first(&mut self, candidate: Result<Option<LegacySession>, Unreadable>) {
        if self.best.is_none() {
            self.offer(candidate);
        }
    }

    fn finish(self) -> Result<Option<LegacySession>, Unreadable> {
        match (self.best, self.unreadable) {
            (Some(session), _) => Ok(Some(session)),
            (None, Some(why)) => Err(why),
            (None, None) => Ok(None),
        }
    }
}

#[cfg(test)]
pub(crate) mod fixtures {
    //! What the parser tests share: entries as the SDKs write them, and JWTs.
    use super::*;
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
}

#[cfg(test)]
mod tests {
    use super::fixtures::*;
    use super::*;

    #[test]
    fn probes_name_where_a_source_reads() {
        let probe = |json: &str| {
            probe(&SourceSpec::from_json(&crate::core::json::Json::parse(json).unwrap()).unwrap())
        };
        let storage = probe(r#"{"storage":{"area":"cookie","key":"s","pointers":{}}}"#).unwrap();
        assert_eq!(
            storage,
            [Probe {
                area: Area::Cookie,
                key: Some("s".into()),
                prefix: None,
                contains: None
            }]
        );
        let supabase =
            probe(r#"{"preset":{"preset":"supabase","storageKey":"sb-a-auth-token"}}"#).unwrap();
        assert!(
            supabase
                .iter()
                .any(|p| p.key.as_deref() == Some("sb-a-auth-token"))
        );
        assert!(supabase.iter().any(|p| p.area == Area::Cookie));
        let firebase = probe(r#"{"preset":{"preset":"firebase","apiKey":"k"}}"#).unwrap();
        assert!(firebase.contains(&Probe {
            area: Area::IndexedDb,
            key: Some("firebaseLocalStorageDb".into()),
            prefix: None,
            contains: None
        }));
        let auth0 = probe(r#"{"preset":{"preset":"auth0-spa","clientId":"c"}}"#).unwrap();
        assert!(
            auth0
                .iter()
                .any(|p| p.prefix.as_deref() == Some("@@auth0spajs@@::c::"))
        );
        // Only the engine can tell for a callback, an adapter, or a cookie without indicator.
        assert_eq!(probe(r#"{"callback":{"hasClear":false}}"#), None);
        assert_eq!(
            probe(r#"{"storage":{"area":"adapter","key":"k","pointers":{}}}"#),
            None
        );
        assert_eq!(probe(r#"{"preset":{"preset":"authjs","cookie":{}}}"#), None);
        assert_eq!(probe(r#"{"preset":{"preset":"kinde","cookie":{}}}"#), None);
        let msal = probe(r#"{"preset":{"preset":"msal","clientId":"C1"}}"#).unwrap();
        assert!(msal.iter().any(|p| p.contains.as_deref() == Some("-c1-")));
        assert!(
            probe(r#"{"preset":{"preset":"kinde","cookie":{"indicator":"signed_in"}}}"#).is_some()
        );
    }

    #[test]
    fn bearer_per_preset() {
        assert_eq!(Preset::Firebase.bearer(), TokenKind::IdToken);
        assert_eq!(Preset::Cognito.bearer(), TokenKind::IdToken);
        assert_eq!(Preset::Amplify.bearer(), TokenKind::IdToken);
        assert_eq!(Preset::Supabase.bearer(), TokenKind::AccessToken);
    }

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
    fn candidates_prefer_the_freshest_then_a_reason() {
        let mut candidates = Candidates::default();
        candidates.offer(Err(Unreadable::NotJson));
        candidates.offer(Ok(None));
        assert_eq!(
            std::mem::take(&mut candidates).finish(),
            Err(Unreadable::NotJson)
        );
        let older = session(
            vec![token(TokenKind::AccessToken, &jwt_exp(NOW), None)],
            vec![],
        );
        let newer = session(
            vec![token(TokenKind::AccessToken, &jwt_exp(NOW + 10), None)],
            vec![],
        );
        candidates.offer(Ok(older));
        candidates.offer(Err(Unreadable::NotJson));
        candidates.offer(Ok(newer.clone()));
        assert_eq!(candidates.finish(), Ok(newer));
    }

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
