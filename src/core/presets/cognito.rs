//! AWS Amplify v6 and amazon-cognito-identity-js (v5 and before): Cognito user pools.
//!
//! aws-amplify/amplify-js `packages/auth/src/providers/cognito/tokenProvider/TokenStore.ts`
//! (keys `CognitoIdentityServiceProvider.<clientId>.<LastAuthUser>.{accessToken,idToken,
//! refreshToken,clockDrift,signInDetails}`, pointer `CognitoIdentityServiceProvider.<clientId>.
//! LastAuthUser`; `clearTokens()` removes those and the pointer, and keeps the device keys);
//! v5 `amazon-cognito-identity-js/src/CognitoUser.js` (`cacheTokens`, `clearCachedUser`: the same
//! names and `userData`). Values are raw strings: the access and ID tokens are JWTs (expiry =
//! `exp`), the refresh token is opaque (or a JWE). `Amplify.configure(cfg, {ssr: true})` writes
//! the same names to readable cookies, which are read too.

use super::{Candidates, PresetSpec, Want, find, read, session, token};
use crate::core::source::{Area, Entry, LegacySession, TokenKind, Unreadable};

const PREFIX: &str = "CognitoIdentityServiceProvider.";
const POINTER: &str = ".LastAuthUser";
const AREAS: [Area; 2] = [Area::LocalStorage, Area::Cookie];
/// Token keys and the other per-user keys sign-out removes.
const TOKENS: [(&str, TokenKind); 3] = [
    ("accessToken", TokenKind::AccessToken),
    ("idToken", TokenKind::IdToken),
    ("refreshToken", TokenKind::RefreshToken),
];
const ALSO_REMOVED: [&str; 3] = ["clockDrift", "signInDetails", "userData"];

pub fn wants(spec: &PresetSpec) -> Vec<Want> {
    let prefix = match &spec.client_id {
        Some(client_id) => format!("{PREFIX}{client_id}."),
        None => PREFIX.to_owned(),
    };
    AREAS
        .iter()
        .map(|area| Want::Prefix(*area, prefix.clone()))
        .collect()
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
        let base = format!("{PREFIX}{client_id}.{user}.");
        let mut tokens = Vec::new();
        let mut reads = Vec::new();
        for (name, kind) in TOKENS {
            if let Some(entry) = find(entries, pointer.area, &format!("{base}{name}")) {
                reads.push(read(entry));
                if !entry.value.is_empty() {
                    tokens.push(token(kind, &entry.value, None));
                }
            }
        }
        for name in ALSO_REMOVED {
            if let Some(entry) = find(entries, pointer.area, &format!("{base}{name}")) {
                reads.push(read(entry));
            }
        }
        reads.push(read(pointer));
        candidates.offer(Ok(session(tokens, reads)));
    }
    candidates.finish()
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
}
