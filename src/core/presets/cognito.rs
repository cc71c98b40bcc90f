//! AWS Amplify v6 and amazon-cognito-identity-js (v5 and before): Cognito user pools.
//!
//! aws-amplify/amplify-js `packages/auth/src/providers/cognito/tokenProvider/TokenStore.ts`
//! (keys `CognitoIdentityServiceProvider.<clientId>.<LastAuthUser>.{accessToken,idToken,
//! refreshToken,clockDrift,signInDetails}`, pointer `CognitoIdentityServiceProvider.<clientId>.
//! LastAuthUser`; `clearTokens()` removes those and the pointer, and keeps the device keys);
//! v5 `amazon-cognito-identity-js/src/CognitoUser.js` (`cacheTokens`, `clearCachedUser`: the same
//! names and `userData`). Values are raw strings: the access and ID tokens are JWTs (expiry =
//! `exp`), the refresh token is opaque (or a JWE). `Amplify.configure(cfg, {ssr: true})` writes
//! the same names to readable cookies, which are read too; their names as js-cookie writes them
//! (`encodeURIComponent`, then `# $ & + ^ \` |` restored and `( )` escaped), so an email
//! username's `@` is `%40` in the name while `LastAuthUser`'s value is decoded.
//! `cognitoUserPoolsTokenProvider.setKeyValueStorage(sessionStorage)` keeps them in
//! `sessionStorage`.

use super::choose::Candidates;
use super::read::{find, read, session, token};
use super::{PresetSpec, Want};
use crate::core::cookie::push_percent_escaped;
use crate::core::source::{Area, Entry, LegacySession, TokenKind, Unreadable};
use crate::prelude::*;

const PREFIX: &str = "CognitoIdentityServiceProvider.";
const POINTER: &str = ".LastAuthUser";
const AREAS: [Area; 3] = [Area::LocalStorage, Area::SessionStorage, Area::Cookie];
/// Token keys and the other per-user keys sign-out removes.
const TOKENS: [(&str, TokenKind); 3] = [
    ("accessToken", TokenKind::AccessToken),
    ("idToken", TokenKind::IdToken),
    ("refreshToken", TokenKind::RefreshToken),
];
const ALSO_REMOVED: [&str; 4] = ["clockDrift", "signInDetails", "oauthMetadata", "userData"];

pub fn wants(spec: &PresetSpec) -> Vec<Want> {
    let prefix = match &spec.client_id {
        Some(client_id) => concat(&[PREFIX, client_id, "."]),
        None => PREFIX.to_owned(),
    };
    Want::prefixes(&AREAS, &prefix)
}

pub fn parse(spec: &PresetSpec, entries: &[Entry]) -> Result<Option<LegacySession>, Unreadable> {
    let mut candidates = Candidates::default();
    for pointer in entries.iter().filter(|e| AREAS.contains(&e.area)) {
        let Some(client_id) = pointer
            .key
            .strip_prefix(PREFIX)
            .and_then(|rest| rest.strip_suffix(POINTER))
        else {
            continue;
        };
        if spec.client_id.as_deref().is_some_and(|id| id != client_id) {
            continue;
        }
        let user = pointer.value.trim();
        if user.is_empty() {
            continue;
        }
        let base = concat(&[PREFIX, client_id, ".", user, "."]);
        let user_entry = |name: &str| {
            let key = concat(&[base.as_str(), name]);
            find(entries, pointer.area, &key).or_else(|| {
                (pointer.area == Area::Cookie)
                    .then(|| find(entries, Area::Cookie, &js_cookie_name(&key)))
                    .flatten()
            })
        };
        let mut tokens = Vec::new();
        let mut reads = Vec::new();
        for (name, kind) in TOKENS {
            if let Some(entry) = user_entry(name) {
                reads.push(read(entry));
                if !entry.value.is_empty() {
                    tokens.push(token(kind, &entry.value, None));
                }
            }
        }
        for name in ALSO_REMOVED {
            if let Some(entry) = user_entry(name) {
                reads.push(read(entry));
            }
        }
        reads.push(read(pointer));
        candidates.offer(Ok(session(tokens, reads)));
    }
    candidates.finish()
}

/// A cookie name as js-cookie 3 (`converter.write` of names) writes it.
fn js_cookie_name(name: &str) -> String {
    let mut encoded = String::with_capacity(name.len());
    for ch in name.chars() {
        // js-cookie's unescaped set, as a match: `str::contains(char)` would bring core's
        // string searcher into the module.
        if ch.is_ascii_alphanumeric()
            || matches!(
                ch,
                '-' | '_' | '.' | '!' | '~' | '*' | '\'' | '#' | '$' | '&' | '+' | '^' | '`' | '|'
            )
        {
            encoded.push(ch);
        } else {
            let mut bytes = [0; 4];
            for byte in ch.encode_utf8(&mut bytes).bytes() {
                push_percent_escaped(&mut encoded, byte);
            }
        }
    }
    encoded
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use super::super::{Preset, parse as parse_preset};
    use super::*;

    const BASE: &str = "CognitoIdentityServiceProvider.3abc";

    fn spec() -> PresetSpec {
        PresetSpec {
            client_id: Some("3abc".into()),
            ..PresetSpec::new(Preset::Amplify)
        }
    }

    fn stored(area: Area, user: &str, access_exp: i64) -> Vec<Entry> {
        vec![
            entry(area, &format!("{BASE}.LastAuthUser"), user),
            entry(
                area,
                &format!("{BASE}.{user}.accessToken"),
                &jwt_exp(access_exp),
            ),
            entry(
                area,
                &format!("{BASE}.{user}.idToken"),
                &jwt_exp(access_exp),
            ),
            entry(
                area,
                &format!("{BASE}.{user}.refreshToken"),
                "eyJjdHkiOiJKV1QiLCJlbmMiOiJBMjU2R0NNIn0.a.b.c.d",
            ),
            entry(area, &format!("{BASE}.{user}.clockDrift"), "0"),
            entry(
                area,
                &format!("{BASE}.{user}.signInDetails"),
                r#"{"loginId":"a@b.c"}"#,
            ),
            entry(area, &format!("{BASE}.{user}.deviceKey"), "us-east-1_dev"),
        ]
    }

    #[test]
    fn follows_last_auth_user() {
        let mut entries = stored(Area::LocalStorage, "u-123", NOW + 3600);
        // Another user signed in before, on this device.
        entries.push(local(
            &format!("{BASE}.u-old.accessToken"),
            &jwt_exp(NOW + 9000),
        ));
        let session = parse_preset(&spec(), &entries, NOW).unwrap().unwrap();
        assert_eq!(
            kinds(&session),
            [
                (TokenKind::AccessToken, Some(NOW + 3600)),
                (TokenKind::IdToken, Some(NOW + 3600)),
                (TokenKind::RefreshToken, None),
            ]
        );
        // What signOut() removes: not the device key, not the other user.
        assert_eq!(
            keys(&session),
            [
                (
                    Area::LocalStorage,
                    "CognitoIdentityServiceProvider.3abc.u-123.accessToken"
                ),
                (
                    Area::LocalStorage,
                    "CognitoIdentityServiceProvider.3abc.u-123.idToken"
                ),
                (
                    Area::LocalStorage,
                    "CognitoIdentityServiceProvider.3abc.u-123.refreshToken"
                ),
                (
                    Area::LocalStorage,
                    "CognitoIdentityServiceProvider.3abc.u-123.clockDrift"
                ),
                (
                    Area::LocalStorage,
                    "CognitoIdentityServiceProvider.3abc.u-123.signInDetails"
                ),
                (
                    Area::LocalStorage,
                    "CognitoIdentityServiceProvider.3abc.LastAuthUser"
                ),
            ]
        );
    }

    #[test]
    fn ssr_cookies_and_any_client() {
        let entries = stored(Area::Cookie, "u-9", NOW + 60);
        let any = PresetSpec::new(Preset::Cognito);
        let session = parse_preset(&any, &entries, NOW).unwrap().unwrap();
        assert!(session.entries.iter().all(|read| read.area == Area::Cookie));
        let other = PresetSpec {
            client_id: Some("zzz".into()),
            ..any
        };
        assert_eq!(parse_preset(&other, &entries, NOW), Ok(None));
    }

    #[test]
    fn a_pointer_without_tokens_is_no_session() {
        let entries = [local(&format!("{BASE}.LastAuthUser"), "u-1")];
        assert_eq!(parse_preset(&spec(), &entries, NOW), Ok(None));
        let empty = [local(&format!("{BASE}.LastAuthUser"), "")];
        assert_eq!(parse_preset(&spec(), &empty, NOW), Ok(None));
    }

    #[test]
    fn js_cookie_encoded_names_of_an_email_username() {
        assert_eq!(
            js_cookie_name("C.a+b@x.com(1).idToken"),
            "C.a+b%40x.com%281%29.idToken"
        );
        let user = "alice@example.com";
        let entries: Vec<Entry> = stored(Area::Cookie, user, NOW + 60)
            .into_iter()
            .map(|mut entry| {
                if !entry.key.ends_with(".LastAuthUser") {
                    entry.key = entry.key.replace('@', "%40");
                }
                entry
            })
            .collect();
        let session = parse_preset(&spec(), &entries, NOW).unwrap().unwrap();
        assert_eq!(session.tokens.len(), 3);
        assert!(
            keys(&session).iter().any(|(_, key)| *key
                == "CognitoIdentityServiceProvider.3abc.alice%40example.com.refreshToken"),
            "cleanup must expire the cookie by the name it was written with"
        );
    }

    #[test]
    fn session_storage_and_oauth_metadata() {
        let mut entries = stored(Area::SessionStorage, "u-5", NOW + 60);
        entries.push(session_storage(
            &format!("{BASE}.u-5.oauthMetadata"),
            r#"{"oauthSignIn":true}"#,
        ));
        let session = parse_preset(&spec(), &entries, NOW).unwrap().unwrap();
        assert!(
            session
                .entries
                .iter()
                .all(|read| read.area == Area::SessionStorage)
        );
        assert!(keys(&session).contains(&(
            Area::SessionStorage,
            "CognitoIdentityServiceProvider.3abc.u-5.oauthMetadata"
        )));
    }
}
