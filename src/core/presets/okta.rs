//! @okta/okta-auth-js 8.x token manager.
//!
//! okta/okta-auth-js `lib/constants.ts` (`TOKEN_STORAGE_NAME` `okta-token-storage`),
//! `lib/browser/browserStorage.ts` (the storage types tried in order: `localStorage`,
//! `sessionStorage`, cookie; with `useSeparateCookies` each token is its own cookie
//! `<key>_<tokenKey>` holding one token object as JSON), `lib/oidc/handleOAuthResponse.ts`
//! (token objects `{accessToken, expiresAt, …}`, `{idToken, expiresAt, …}`,
//! `{refreshToken, expiresAt, …}`, `expiresAt` in seconds). `tokenManager.clear()` removes the
//! key (every separate cookie).
//!
//! Where the source disagrees with the reference page: the refresh token's `expiresAt` is the
//! *access token's* expiry (`Number(expiresIn) + now` for both), not the refresh token's; it is
//! not read as one, or every returning user with an expired access token would look signed out.
//! Tokens are recognised by their shape, as `tokenManager` does, whatever their key.

use super::choose::Candidates;
use super::read::{bind_dpop, json, read, seconds, session, text, token};
use super::{PresetSpec, Want};
use crate::core::json::Json;
use crate::core::source::{Area, Entry, LegacySession, LegacyToken, Read, TokenKind, Unreadable};
use crate::prelude::*;

const KEY: &str = "okta-token-storage";

fn key(spec: &PresetSpec) -> &str {
    spec.storage_key.as_deref().unwrap_or(KEY)
}

pub fn wants(spec: &PresetSpec) -> Vec<Want> {
    let key = key(spec);
    vec![
        Want::Key(Area::LocalStorage, key.to_owned()),
        Want::Key(Area::SessionStorage, key.to_owned()),
        Want::Key(Area::Cookie, key.to_owned()),
        Want::Prefix(Area::Cookie, concat(&[key, "_"])),
    ]
}

pub fn parse(spec: &PresetSpec, entries: &[Entry]) -> Result<Option<LegacySession>, Unreadable> {
    let key = key(spec);
    let mut candidates = Candidates::default();
    for area in [Area::LocalStorage, Area::SessionStorage, Area::Cookie] {
        if let Some(entry) = entries.iter().find(|e| e.area == area && e.key == key) {
            candidates.first(storage(&entry.value, vec![read(entry)]));
        }
    }
    // Separate cookies: one token object each.
    let mut tokens = Vec::new();
    let mut reads = Vec::new();
    let mut unreadable = None;
    for entry in entries {
        if entry.area == Area::Cookie
            && entry
                .key
                .strip_prefix(key)
                .is_some_and(|r| r.starts_with('_'))
        {
            reads.push(read(entry));
            match json(&entry.value) {
                Ok(object) => {
                    if let Some(token) = token_of(&object) {
                        tokens.push(token);
                    }
                }
                Err(why) => unreadable = Some(why),
            }
        }
    }
    if !reads.is_empty() {
        candidates.first(match (session(tokens, reads), unreadable) {
            (None, Some(why)) => Err(why),
            (found, _) => Ok(found),
        });
    }
    candidates.finish()
}

fn storage(value: &str, reads: Vec<Read>) -> Result<Option<LegacySession>, Unreadable> {
    let value = json(value)?;
    if value.as_object().is_none() {
        return Err(Unreadable::UnexpectedShape);
    }
    let mut tokens = Vec::new();
    // `dpop: true`: the access token's `tokenType` is `DPoP`, and the refresh token is bound too.
    let mut token_type = None;
    for object in by_key(&value) {
        if let Some(token) = token_of(object) {
            tokens.push(token);
        }
        token_type = token_type.or_else(|| text(object, "tokenType"));
    }
    bind_dpop(&mut tokens, token_type);
    Ok(session(tokens, reads))
}

/// An object's values in the order of their keys, each key at its last value: the order the
/// token keys have always been read in (the first of a kind wins). A few keys: no sort needed.
fn by_key(object: &Json) -> impl Iterator<Item = &Json> {
    let members = object.as_object().unwrap_or_default();
    let mut previous: Option<&str> = None;
    core::iter::from_fn(move || {
        let mut next: Option<&str> = None;
        for (key, _) in members {
            let key = key.as_str();
            if previous.is_none_or(|previous| key > previous) && next.is_none_or(|next| key < next)
            {
                next = Some(key);
            }
        }
        let key = next?;
        previous = Some(key);
        object.get(key)
    })
}

fn token_of(object: &Json) -> Option<LegacyToken> {
    let expires_at = object.get("expiresAt").and_then(seconds);
    if let Some(access) = text(object, "accessToken") {
        Some(token(TokenKind::AccessToken, access, expires_at))
    } else if let Some(id) = text(object, "idToken") {
        Some(token(TokenKind::IdToken, id, expires_at))
    } else {
        text(object, "refreshToken").map(|refresh| token(TokenKind::RefreshToken, refresh, None))
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use super::super::{Preset, parse as parse_preset};
    use super::*;
    use serde_json::{Value, json};

    fn spec() -> PresetSpec {
        PresetSpec::new(Preset::Okta)
    }

    fn tokens(access_exp: i64) -> Value {
        json!({
            "accessToken": {"accessToken": jwt_exp(access_exp), "expiresAt": access_exp,
                "tokenType": "Bearer", "scopes": ["openid", "offline_access"], "claims": {"sub": "u1"},
                "authorizeUrl": "https://x.okta.com/oauth2/default/v1/authorize",
                "userinfoUrl": "https://x.okta.com/oauth2/default/v1/userinfo"},
            "idToken": {"idToken": jwt_exp(access_exp), "expiresAt": access_exp,
                "issuer": "https://x.okta.com/oauth2/default", "clientId": "0oa1"},
            "refreshToken": {"refreshToken": "rt-opaque", "expiresAt": access_exp,
                "tokenUrl": "https://x.okta.com/oauth2/default/v1/token",
                "issuer": "https://x.okta.com/oauth2/default"}
        })
    }

    #[test]
    fn local_storage_and_the_refresh_tokens_expiry_is_not_its_own() {
        let entries = [local(KEY, &tokens(NOW - 10).to_string())];
        let session = parse_preset(&spec(), &entries, NOW).unwrap().unwrap();
        assert_eq!(
            kinds(&session),
            [
                (TokenKind::AccessToken, Some(NOW - 10)),
                (TokenKind::IdToken, Some(NOW - 10)),
                (TokenKind::RefreshToken, None),
            ]
        );
        assert_eq!(keys(&session), [(Area::LocalStorage, KEY)]);
    }

    #[test]
    fn storage_order_then_separate_cookies() {
        let entries = [
            session_storage(KEY, &tokens(NOW + 1).to_string()),
            local(KEY, r#"{}"#),
        ];
        let session = parse_preset(&spec(), &entries, NOW).unwrap().unwrap();
        assert_eq!(keys(&session), [(Area::SessionStorage, KEY)]);

        let all = tokens(NOW + 5);
        let entries = [
            cookie(
                "okta-token-storage_accessToken",
                &all["accessToken"].to_string(),
            ),
            cookie(
                "okta-token-storage_refreshToken",
                &all["refreshToken"].to_string(),
            ),
            cookie("okta-token-storage-other", "x"),
        ];
        let session = parse_preset(&spec(), &entries, NOW).unwrap().unwrap();
        assert_eq!(session.tokens.len(), 2);
        assert_eq!(session.entries.len(), 2);
    }

    #[test]
    fn token_keys_are_read_in_key_order_each_at_its_last_value() {
        let entries = [local(
            KEY,
            r#"{"b":{"accessToken":"at-b"},"a":{"accessToken":"at-a"},"a":{"accessToken":"at-a2"}}"#,
        )];
        let session = parse_preset(&spec(), &entries, NOW).unwrap().unwrap();
        assert_eq!(value(&session, TokenKind::AccessToken), "at-a2");
        assert_eq!(session.tokens.len(), 2);
    }

    #[test]
    fn a_custom_storage_key() {
        let custom = PresetSpec {
            storage_key: Some("my-tokens".into()),
            ..spec()
        };
        let entries = [local("my-tokens", &tokens(NOW).to_string())];
        assert!(parse_preset(&custom, &entries, NOW).unwrap().is_some());
        assert_eq!(parse_preset(&spec(), &entries, NOW), Ok(None));
    }

    #[test]
    fn corrupt_values_say_why() {
        assert_eq!(
            parse_preset(&spec(), &[local(KEY, "x")], NOW),
            Err(Unreadable::NotJson)
        );
        assert_eq!(
            parse_preset(&spec(), &[local(KEY, "[]")], NOW),
            Err(Unreadable::UnexpectedShape)
        );
        assert_eq!(
            parse_preset(&spec(), &[cookie("okta-token-storage_idToken", "{")], NOW),
            Err(Unreadable::NotJson)
        );
        assert_eq!(parse_preset(&spec(), &[local(KEY, "{}")], NOW), Ok(None));
    }
}
