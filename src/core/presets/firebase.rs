//! Firebase Auth JS v9+ (modular; read at 12.x).
//!
//! firebase/firebase-js-sdk `packages/auth/src/platform_browser/persistence/indexed_db.ts`
//! (db `firebaseLocalStorageDb` v1, store `firebaseLocalStorage`, keyPath `fbase_key`, records
//! `{fbase_key, value}` with `value` an object), `core/persistence/persistence_user_manager.ts`
//! (key `firebase:authUser:<apiKey>:<appName>`; the first persistence of IndexedDB,
//! `localStorage`, `sessionStorage` that holds a user is the one in use),
//! `core/user/token_manager.ts` (`stsTokenManager: {refreshToken, accessToken, expirationTime}`,
//! `expirationTime` in milliseconds). The "access token" is the Firebase ID token, which is what
//! backends verify (`verifyIdToken`): it is read as the ID token.
//!
//! The edge serialises an IndexedDB record's `value` as JSON text, as web storage holds it.

use super::choose::Candidates;
use super::read::{json, read, seconds, session, text, token};
use super::{PresetSpec, Want};
use crate::core::source::{Area, Entry, LegacySession, TokenKind, Unreadable};
use crate::prelude::*;

/// The IndexedDB database and object store `getAuth()` uses (records keyed by `fbase_key`).
pub const DATABASE: &str = "firebaseLocalStorageDb";
pub const STORE: &str = "firebaseLocalStorage";
pub const KEY_PATH: &str = "fbase_key";
const PREFIX: &str = "firebase:authUser:";
const DEFAULT_APP: &str = "[DEFAULT]";
/// Where `getAuth()` looks, in its order.
const AREAS: [Area; 3] = [Area::IndexedDb, Area::LocalStorage, Area::SessionStorage];

pub fn wants(spec: &PresetSpec) -> Vec<Want> {
    let prefix = match &spec.api_key {
        Some(api_key) => concat(&[PREFIX, api_key, ":"]),
        None => PREFIX.to_owned(),
    };
    Want::prefixes(&AREAS, &prefix)
}

pub fn parse(spec: &PresetSpec, entries: &[Entry]) -> Result<Option<LegacySession>, Unreadable> {
    let app = spec.app_name.as_deref().unwrap_or(DEFAULT_APP);
    let mut candidates = Candidates::default();
    for area in AREAS {
        for entry in entries.iter().filter(|entry| entry.area == area) {
            let Some((api_key, app_name)) = entry
                .key
                .strip_prefix(PREFIX)
                .and_then(|rest| rest.split_once(':'))
            else {
                continue;
            };
            if app_name == app && spec.api_key.as_deref().is_none_or(|key| key == api_key) {
                candidates.first(user(entry));
            }
        }
    }
    candidates.finish()
}

fn user(entry: &Entry) -> Result<Option<LegacySession>, Unreadable> {
    let value = json(&entry.value)?;
    let manager = value
        .get("stsTokenManager")
        .filter(|manager| manager.as_object().is_some())
        .ok_or(Unreadable::UnexpectedShape)?;
    let expires_at = manager
        .get("expirationTime")
        .and_then(seconds)
        .map(|ms| ms / 1000);
    let mut tokens = Vec::new();
    if let Some(id) = text(manager, "accessToken") {
        tokens.push(token(TokenKind::IdToken, id, expires_at));
    }
    if let Some(refresh) = text(manager, "refreshToken") {
        tokens.push(token(TokenKind::RefreshToken, refresh, None));
    }
    Ok(session(tokens, vec![read(entry)]))
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use super::super::{Preset, parse as parse_preset};
    use super::*;
    use serde_json::json;

    const KEY: &str = "firebase:authUser:AIzaKey:[DEFAULT]";

    fn spec() -> PresetSpec {
        PresetSpec {
            api_key: Some("AIzaKey".into()),
            ..PresetSpec::new(Preset::Firebase)
        }
    }

    fn user_value(id_token: &str, expiration_ms: i64) -> String {
        json!({"uid": "u1", "email": "a@b.c", "emailVerified": true, "isAnonymous": false,
            "providerData": [], "stsTokenManager": {"refreshToken": "AMf-vBrefresh",
            "accessToken": id_token, "expirationTime": expiration_ms},
            "createdAt": "1700000000000", "lastLoginAt": "1700000000000",
            "apiKey": "AIzaKey", "appName": "[DEFAULT]"})
        .to_string()
    }

    #[test]
    fn reads_indexeddb_first() {
        let entries = [
            entry(Area::IndexedDb, KEY, &user_value("idb-token", NOW * 1000)),
            local(KEY, &user_value("local-token", (NOW + 99) * 1000)),
        ];
        let session = parse_preset(&spec(), &entries, NOW).unwrap().unwrap();
        assert_eq!(value(&session, TokenKind::IdToken), "idb-token");
        assert_eq!(
            kinds(&session),
            [
                (TokenKind::IdToken, Some(NOW)),
                (TokenKind::RefreshToken, None)
            ]
        );
        assert_eq!(keys(&session), [(Area::IndexedDb, KEY)]);
    }

    #[test]
    fn then_web_storage() {
        let id = jwt_exp(NOW + 3600);
        let entries = [session_storage(KEY, &user_value(&id, (NOW + 3600) * 1000))];
        let session = parse_preset(&spec(), &entries, NOW).unwrap().unwrap();
        assert_eq!(value(&session, TokenKind::IdToken), id);
        assert_eq!(keys(&session), [(Area::SessionStorage, KEY)]);
    }

    #[test]
    fn other_apps_are_not_read() {
        let other = "firebase:authUser:AIzaKey:secondary";
        let entries = [local(other, &user_value("t", NOW * 1000))];
        assert_eq!(parse_preset(&spec(), &entries, NOW), Ok(None));
        let secondary = PresetSpec {
            app_name: Some("secondary".into()),
            ..spec()
        };
        assert!(parse_preset(&secondary, &entries, NOW).unwrap().is_some());
        // Without an API key, the default app of any project.
        let any = PresetSpec::new(Preset::Firebase);
        assert!(
            parse_preset(&any, &[local(KEY, &user_value("t", 0))], NOW)
                .unwrap()
                .is_some()
        );
    }

    #[test]
    fn corrupt_values_say_why_and_a_good_one_still_wins() {
        assert_eq!(
            parse_preset(&spec(), &[local(KEY, "not json")], NOW),
            Err(Unreadable::NotJson)
        );
        assert_eq!(
            parse_preset(&spec(), &[local(KEY, r#"{"uid":"u1"}"#)], NOW),
            Err(Unreadable::UnexpectedShape)
        );
        let entries = [
            entry(Area::IndexedDb, KEY, "[]"),
            local(KEY, &user_value("good", NOW * 1000)),
        ];
        assert!(parse_preset(&spec(), &entries, NOW).unwrap().is_some());
    }
}
