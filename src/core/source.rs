//! Where a legacy session lives, and how its tokens are picked out of what the edge read.
//!
//! Reading is split in two so that parsing stays pure: a source says which storage entries it
//! needs ([`Read`]), the edge reads them into [`Entry`] values, and the source parses those into a
//! [`LegacySession`] that also lists the entries that make it up, so that cleanup removes
//! exactly those and nothing else.

use crate::core::json::{Json, Named, write_string};
use crate::core::options::Pointers;
use crate::core::token::{TokenFacts, inspect};
use crate::prelude::*;
use crate::wire::SubjectTokenType;

/// A storage area the edge can read and write.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Area {
    LocalStorage,
    SessionStorage,
    Cookie,
    /// The adapter the app passed as `legacy.storage` (Capacitor Preferences, a native plugin…).
    Adapter,
    /// A record of an IndexedDB object store, read by the presets that need one (Firebase's
    /// `firebaseLocalStorageDb`): the key is the record's key, the value its JSON text.
    IndexedDb,
}

impl Named for Area {
    const ALL: &'static [Self] = &[
        Self::LocalStorage,
        Self::SessionStorage,
        Self::Cookie,
        Self::Adapter,
        Self::IndexedDb,
    ];

    fn name(self) -> &'static str {
        self.as_str()
    }
}

impl Named for TokenKind {
    const ALL: &'static [Self] = &Self::ALL;

    fn name(self) -> &'static str {
        self.as_str()
    }
}

impl Area {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::LocalStorage => "localStorage",
            Self::SessionStorage => "sessionStorage",
            Self::Cookie => "cookie",
            Self::Adapter => "adapter",
            Self::IndexedDb => "indexedDB",
        }
    }
}

/// One entry to read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Read {
    pub area: Area,
    pub key: String,
}

/// One entry the edge found.
#[derive(Clone, PartialEq, Eq)]
pub struct Entry {
    pub area: Area,
    pub key: String,
    pub value: String,
}

impl core::fmt::Debug for Entry {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "Entry({}:{}, {} bytes)",
            self.area.as_str(),
            self.key,
            self.value.len()
        )
    }
}

/// The three token kinds a legacy SDK keeps.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TokenKind {
    AccessToken,
    RefreshToken,
    IdToken,
}

impl TokenKind {
    pub const ALL: [Self; 3] = [Self::AccessToken, Self::RefreshToken, Self::IdToken];

    /// The `subject_token_type` this kind is sent as.
    pub const fn subject_token_type(self) -> SubjectTokenType {
        match self {
            Self::AccessToken => SubjectTokenType::AccessToken,
            Self::RefreshToken => SubjectTokenType::RefreshToken,
            Self::IdToken => SubjectTokenType::IdToken,
        }
    }

    pub const fn as_str(self) -> &'static str {
        match self {
            Self::AccessToken => "access_token",
            Self::RefreshToken => "refresh_token",
            Self::IdToken => "id_token",
        }
    }
}

/// A legacy token and what could be read of it.
#[derive(Clone, PartialEq, Eq)]
pub struct LegacyToken {
    pub kind: TokenKind,
    pub value: String,
    pub facts: TokenFacts,
}

impl LegacyToken {
    /// A token whose expiry is read from its own claims, when it has any.
    pub fn new(kind: TokenKind, value: String) -> Self {
        let facts = inspect(&value);
        Self { kind, value, facts }
    }

    /// A token whose SDK recorded its expiry beside it (Unix seconds): opaque tokens have no
    /// other, and for a JWT the earlier of the two counts, since either side may refuse it then.
    pub fn with_expiry(kind: TokenKind, value: String, expires_at: Option<i64>) -> Self {
        let mut token = Self::new(kind, value);
        if let Some(at) = expires_at {
            token.facts.expires_at = Some(token.facts.expires_at.map_or(at, |exp| exp.min(at)));
        }
        token
    }
}

impl core::fmt::Debug for LegacyToken {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("LegacyToken")
            .field("kind", &self.kind)
            .field("facts", &self.facts)
            .finish_non_exhaustive()
    }
}

/// What a source found: its tokens, and the entries that hold them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LegacySession {
    pub tokens: Vec<LegacyToken>,
    pub entries: Vec<Read>,
}

impl LegacySession {
    pub fn token(&self, kind: TokenKind) -> Option<&LegacyToken> {
        self.tokens.iter().find(|token| token.kind == kind)
    }

    /// A session page JavaScript cannot read (an HttpOnly cookie): no tokens, and the endpoint
    /// reads the cookie itself (cookie mode).
    pub fn is_cookie(&self) -> bool {
        self.tokens.is_empty()
    }
}

/// Why a value found in storage did not yield a session. Never an error: a foreign or corrupt
/// value means "no legacy session", and the reason goes to a debug event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unreadable {
    NotJson,
    PointerMissing,
    NotAString,
    /// JSON, but not in the shape the SDK writes (a preset's entry).
    UnexpectedShape,
    /// Not in the encoding the SDK writes: base64url, UTF-8.
    BadEncoding,
    /// A chunked value with a chunk missing.
    MissingChunk,
    /// Encrypted with a key that is not there (MSAL's `msal.cache.encryption` cookie).
    NotDecryptable,
    /// The SDK says it is signed in but keeps its tokens in memory only (auth0-spa-js's default
    /// `cacheLocation`): nothing on the device can be exchanged.
    MemoryOnly,
    /// The app's `legacy.read()` threw, or the storage it named in `legacy.storage` could not
    /// be read (reported by `inspectLegacySession`).
    ReadFailed,
}

impl Unreadable {
    pub const ALL: [Self; 9] = [
        Self::NotJson,
        Self::PointerMissing,
        Self::NotAString,
        Self::UnexpectedShape,
        Self::BadEncoding,
        Self::MissingChunk,
        Self::NotDecryptable,
        Self::MemoryOnly,
        Self::ReadFailed,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            Self::NotJson => "not_json",
            Self::PointerMissing => "pointer_missing",
            Self::NotAString => "not_a_string",
            Self::UnexpectedShape => "unexpected_shape",
            Self::BadEncoding => "bad_encoding",
            Self::MissingChunk => "missing_chunk",
            Self::NotDecryptable => "not_decryptable",
            Self::MemoryOnly => "memory_only",
            Self::ReadFailed => "read_failed",
        }
    }
}

/// The generic storage source: one entry, tokens picked out by JSON pointers.
pub fn storage_read(area: Area, key: &str) -> Read {
    Read {
        area,
        key: key.to_owned(),
    }
}

/// Parses the generic storage source's entry. `Ok(None)` when the entry is absent or holds no
/// token at any pointer.
pub fn parse_storage_entry(
    entry: Option<&Entry>,
    pointers: &Pointers,
) -> Result<Option<LegacySession>, Unreadable> {
    let Some(entry) = entry else {
        return Ok(None);
    };
    let wanted = [
        (TokenKind::AccessToken, &pointers.access_token),
        (TokenKind::RefreshToken, &pointers.refresh_token),
        (TokenKind::IdToken, &pointers.id_token),
    ];
    let whole_value_only = wanted
        .iter()
        .all(|(_, pointer)| pointer.as_deref().is_none_or(str::is_empty));
    // A raw token needs no JSON; anything pointed into must be JSON.
    let json = if whole_value_only {
        Json::parse(&entry.value).ok()
    } else {
        Some(Json::parse(&entry.value).map_err(|_| Unreadable::NotJson)?)
    };

    let mut tokens = Vec::new();
    // A pointer with nothing behind it means that kind is absent (no refresh token without
    // `offline_access`, say); only when every pointer misses is the value not what was expected.
    let mut missed = false;
    for (kind, pointer) in wanted {
        let Some(pointer) = pointer else { continue };
        let Some(json) = &json else {
            // The whole value, and it is not JSON: a raw token.
            tokens.push(LegacyToken::new(kind, entry.value.clone()));
            continue;
        };
        match json.pointer(pointer) {
            Some(Json::String(token)) if !token.is_empty() => {
                tokens.push(LegacyToken::new(kind, token.clone()));
            }
            Some(Json::Null | Json::String(_)) => {}
            Some(_) => return Err(Unreadable::NotAString),
            None => missed = true,
        }
    }
    if tokens.is_empty() {
        return if missed {
            Err(Unreadable::PointerMissing)
        } else {
            Ok(None)
        };
    }
    Ok(Some(LegacySession {
        tokens,
        entries: vec![storage_read(entry.area, &entry.key)],
    }))
}

/// The generic storage source's entry with replacement tokens written at their pointers, for
/// when the endpoint spent a rotating legacy refresh token and handed back its successor.
/// `None` when no replacement has a pointer to go to.
pub fn rewrite_storage_entry(
    value: &str,
    pointers: &Pointers,
    replacement: &crate::wire::LegacyTokens,
) -> Option<String> {
    let mut updates: Vec<(&str, &str)> = Vec::new();
    for (pointer, token) in [
        (&pointers.access_token, &replacement.access_token),
        (&pointers.refresh_token, &replacement.refresh_token),
        (&pointers.id_token, &replacement.id_token),
    ] {
        if let (Some(pointer), Some(token)) = (pointer, token) {
            updates.push((pointer, token));
        }
    }
    if let [("", token)] = updates.as_slice() {
        // The whole value is the token; keep the JSON quoting if it had one.
        return Some(if value.starts_with('"') {
            let mut quoted = String::new();
            write_string(token, &mut quoted);
            quoted
        } else {
            (*token).to_owned()
        });
    }
    // Every other member is written back as it was: same order, same numbers' text.
    let mut json = Json::parse(value).ok()?;
    let mut changed = false;
    for (pointer, token) in updates {
        if let Some(slot) = json.pointer_mut(pointer) {
            *slot = Json::from(token);
            changed = true;
        }
    }
    changed.then(|| json.to_text())
}

/// Builds the session a `legacy.read()` callback returned. Empty strings count as absent.
pub fn session_from_callback(
    access_token: Option<String>,
    refresh_token: Option<String>,
    id_token: Option<String>,
) -> Option<LegacySession> {
    let mut tokens = Vec::new();
    for (kind, value) in [
        (TokenKind::AccessToken, access_token),
        (TokenKind::RefreshToken, refresh_token),
        (TokenKind::IdToken, id_token),
    ] {
        if let Some(token) = value.filter(|token| !token.is_empty()) {
            tokens.push(LegacyToken::new(kind, token));
        }
    }
    (!tokens.is_empty()).then_some(LegacySession {
        tokens,
        entries: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::token::tests::jwt;

    fn entry(value: &str) -> Entry {
        Entry {
            area: Area::LocalStorage,
            key: "legacy_session".into(),
            value: value.into(),
        }
    }

    fn access(pointer: &str) -> Pointers {
        Pointers {
            access_token: Some(pointer.into()),
            ..Pointers::default()
        }
    }

    #[test]
    fn picks_tokens_by_pointer() {
        let access_token = jwt(serde_json::json!({"exp": 2_000_000_000}));
        let value = serde_json::json!({
            "body": {"access_token": access_token, "refresh_token": "r1"}
        })
        .to_string();
        let pointers = Pointers {
            access_token: Some("/body/access_token".into()),
            refresh_token: Some("/body/refresh_token".into()),
            id_token: None,
        };
        let session = parse_storage_entry(Some(&entry(&value)), &pointers)
            .unwrap()
            .unwrap();
        assert_eq!(session.tokens.len(), 2);
        let access = session.token(TokenKind::AccessToken).unwrap();
        assert_eq!(access.value, access_token);
        assert_eq!(access.facts.expires_at, Some(2_000_000_000));
        assert_eq!(session.token(TokenKind::RefreshToken).unwrap().value, "r1");
        assert_eq!(
            session.entries,
            [storage_read(Area::LocalStorage, "legacy_session")]
        );
    }

    #[test]
    fn an_absent_kind_is_not_corruption() {
        let pointers = Pointers {
            access_token: Some("/access_token".into()),
            refresh_token: Some("/refresh_token".into()),
            id_token: None,
        };
        let session = parse_storage_entry(Some(&entry(r#"{"access_token":"a"}"#)), &pointers)
            .unwrap()
            .unwrap();
        assert_eq!(session.tokens.len(), 1);
        assert_eq!(session.tokens[0].kind, TokenKind::AccessToken);
    }

    #[test]
    fn raw_value_and_json_string() {
        let raw = parse_storage_entry(Some(&entry("opaque-token")), &access(""))
            .unwrap()
            .unwrap();
        assert_eq!(raw.tokens[0].value, "opaque-token");
        // A JSON-quoted value (as Privy writes) is unquoted.
        let quoted = parse_storage_entry(Some(&entry("\"quoted\"")), &access(""))
            .unwrap()
            .unwrap();
        assert_eq!(quoted.tokens[0].value, "quoted");
    }

    #[test]
    fn absent_or_empty_is_no_session() {
        assert_eq!(parse_storage_entry(None, &access("/a")), Ok(None));
        assert_eq!(
            parse_storage_entry(Some(&entry(r#"{"a":null}"#)), &access("/a")),
            Ok(None)
        );
        assert_eq!(
            parse_storage_entry(Some(&entry(r#"{"a":""}"#)), &access("/a")),
            Ok(None)
        );
    }

    #[test]
    fn corrupt_values_say_why() {
        assert_eq!(
            parse_storage_entry(Some(&entry("{not json")), &access("/a")),
            Err(Unreadable::NotJson)
        );
        assert_eq!(
            parse_storage_entry(Some(&entry(r#"{"b":"x"}"#)), &access("/a")),
            Err(Unreadable::PointerMissing)
        );
        assert_eq!(
            parse_storage_entry(Some(&entry(r#"{"a":{"b":1}}"#)), &access("/a")),
            Err(Unreadable::NotAString)
        );
    }

    #[test]
    fn rotated_tokens_are_written_back_in_place() {
        let pointers = Pointers {
            access_token: Some("/body/access_token".into()),
            refresh_token: Some("/body/refresh_token".into()),
            id_token: None,
        };
        let replacement = crate::wire::LegacyTokens {
            access_token: Some("a2".into()),
            refresh_token: Some("r2".into()),
            id_token: Some("ignored: no pointer".into()),
        };
        let value =
            r#"{"body":{"access_token":"a1","refresh_token":"r1","scope":"x"},"expiresAt":5}"#;
        let rewritten = rewrite_storage_entry(value, &pointers, &replacement).unwrap();
        let json: serde_json::Value = serde_json::from_str(&rewritten).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"body":{"access_token":"a2","refresh_token":"r2","scope":"x"},"expiresAt":5})
        );
        // What the pointers do not reach is written back as it was: order, numbers' text.
        let value = r#"{"z":1.50,"body":{"scope":"x","refresh_token":"r1"},"a":[1e3]}"#;
        assert_eq!(
            rewrite_storage_entry(value, &pointers, &replacement).as_deref(),
            Some(r#"{"z":1.50,"body":{"scope":"x","refresh_token":"r2"},"a":[1e3]}"#)
        );
        let whole = Pointers {
            refresh_token: Some(String::new()),
            ..Pointers::default()
        };
        assert_eq!(
            rewrite_storage_entry("r1", &whole, &replacement).as_deref(),
            Some("r2")
        );
        assert_eq!(
            rewrite_storage_entry("\"r1\"", &whole, &replacement).as_deref(),
            Some("\"r2\"")
        );
        let nothing = crate::wire::LegacyTokens::default();
        assert_eq!(rewrite_storage_entry(value, &pointers, &nothing), None);
    }

    #[test]
    fn callback_tokens() {
        assert_eq!(session_from_callback(None, Some(String::new()), None), None);
        let session = session_from_callback(Some("a".into()), None, Some("i".into())).unwrap();
        assert_eq!(session.tokens.len(), 2);
        assert!(session.entries.is_empty());
    }
}
