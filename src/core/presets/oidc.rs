//! oidc-client-ts 3.x `UserManager`.
//!
//! authts/oidc-client-ts `src/UserManager.ts` (`_userStoreKey` `user:<authority>:<client_id>`,
//! `userStore` a `WebStorageStateStore` over `sessionStorage` unless configured, prefix `oidc.`;
//! `removeUser()` removes the key), `src/User.ts` (`toStorageString()`: `id_token`,
//! `access_token`, `refresh_token`, `token_type`, `scope`, `profile`, `expires_at` in seconds,
//! the access token's expiry). `localStorage` is read too (a `userStore` moved there).

use super::choose::Candidates;
use super::read::{bind_dpop, json, read, seconds, session, text, token};
use super::{PresetSpec, Want};
use crate::core::source::{Area, Entry, LegacySession, TokenKind, Unreadable};
use crate::prelude::*;

const PREFIX: &str = "oidc.user:";
const AREAS: [Area; 2] = [Area::SessionStorage, Area::LocalStorage];

/// With both the authority and the client ID, the key itself, under either spelling of the
/// authority: the SDK's key spells it as the app configured the SDK, which may differ from the
/// preset's option by a trailing slash. Otherwise every user key, matched by [`is_wanted`].
pub fn wants(spec: &PresetSpec) -> Vec<Want> {
    let mut wants = Vec::new();
    for area in AREAS {
        match (&spec.authority, &spec.client_id) {
            (Some(authority), Some(client_id)) => {
                let authority = authority.trim_end_matches('/');
                for slash in ["", "/"] {
                    wants.push(Want::Key(
                        area,
                        concat(&[PREFIX, authority, slash, ":", client_id]),
                    ));
                }
            }
            _ => wants.push(Want::Prefix(area, PREFIX.to_owned())),
        }
    }
    wants
}

/// Whether a key's `<authority>:<client_id>` is the configured one; authorities compare
/// without a trailing slash.
fn is_wanted(spec: &PresetSpec, rest: &str) -> bool {
    // With a client ID, what precedes `:<client_id>` is the authority; without one, the key
    // starts with the authority.
    let authority = match &spec.client_id {
        Some(client_id) => match rest
            .strip_suffix(client_id.as_str())
            .and_then(|r| r.strip_suffix(':'))
        {
            Some(authority) => authority,
            None => return false,
        },
        None => rest,
    };
    spec.authority.as_deref().is_none_or(|wanted| {
        let wanted = wanted.trim_end_matches('/');
        if spec.client_id.is_some() {
            authority.trim_end_matches('/') == wanted
        } else {
            authority
                .strip_prefix(wanted)
                .is_some_and(|rest| rest.trim_start_matches('/').starts_with(':'))
        }
    })
}

pub fn parse(spec: &PresetSpec, entries: &[Entry]) -> Result<Option<LegacySession>, Unreadable> {
    let mut candidates = Candidates::default();
    for entry in entries.iter().filter(|e| AREAS.contains(&e.area)) {
        let Some(rest) = entry.key.strip_prefix(PREFIX) else {
            continue;
        };
        if !is_wanted(spec, rest) {
            continue;
        }
        candidates.offer(user(entry));
    }
    candidates.finish()
}

fn user(entry: &Entry) -> Result<Option<LegacySession>, Unreadable> {
    let value = json(&entry.value)?;
    if value.as_object().is_none() {
        return Err(Unreadable::UnexpectedShape);
    }
    let expires_at = value.get("expires_at").and_then(seconds);
    let mut tokens = Vec::new();
    if let Some(access) = text(&value, "access_token") {
        tokens.push(token(TokenKind::AccessToken, access, expires_at));
    }
    if let Some(refresh) = text(&value, "refresh_token") {
        tokens.push(token(TokenKind::RefreshToken, refresh, None));
    }
    if let Some(id) = text(&value, "id_token") {
        tokens.push(token(TokenKind::IdToken, id, None));
    }
    // `dpop` settings (oidc-client-ts 3.1+): `token_type` is `DPoP`.
    bind_dpop(&mut tokens, text(&value, "token_type"));
    Ok(session(tokens, vec![read(entry)]))
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use super::super::{Preset, parse as parse_preset};
    use super::*;
    use serde_json::json;

    const KEY: &str = "oidc.user:https://login.example/realms/main:spa";

    fn spec() -> PresetSpec {
        PresetSpec {
            authority: Some("https://login.example/realms/main".into()),
            client_id: Some("spa".into()),
            ..PresetSpec::new(Preset::OidcClientTs)
        }
    }

    fn stored(expires_at: i64) -> String {
        json!({"id_token": jwt_exp(expires_at + 100), "session_state": null,
            "access_token": jwt_exp(expires_at), "refresh_token": "rt",
            "token_type": "Bearer", "scope": "openid offline_access",
            "profile": {"sub": "u1"}, "expires_at": expires_at})
        .to_string()
    }

    #[test]
    fn reads_the_user_and_its_expiry() {
        let slashed = "oidc.user:https://login.example/realms/main/:spa";
        let both = [
            Want::Key(Area::SessionStorage, KEY.into()),
            Want::Key(Area::SessionStorage, slashed.into()),
            Want::Key(Area::LocalStorage, KEY.into()),
            Want::Key(Area::LocalStorage, slashed.into()),
        ];
        assert_eq!(wants(&spec()), both);
        let given_slashed = PresetSpec {
            authority: Some("https://login.example/realms/main/".into()),
            ..spec()
        };
        assert_eq!(wants(&given_slashed), both);
        let session = parse_preset(&spec(), &[session_storage(KEY, &stored(NOW))], NOW)
            .unwrap()
            .unwrap();
        assert_eq!(
            kinds(&session),
            [
                (TokenKind::AccessToken, Some(NOW)),
                (TokenKind::RefreshToken, None),
                (TokenKind::IdToken, Some(NOW + 100)),
            ]
        );
        assert_eq!(keys(&session), [(Area::SessionStorage, KEY)]);
    }

    #[test]
    fn matching_keys() {
        let slash = PresetSpec {
            authority: Some("https://login.example/realms/main/".into()),
            ..spec()
        };
        assert!(is_wanted(&slash, "https://login.example/realms/main:spa"));
        assert!(!is_wanted(
            &spec(),
            "https://login.example/realms/main:other"
        ));
        let client_only = PresetSpec {
            authority: None,
            ..spec()
        };
        assert!(is_wanted(&client_only, "https://a:b/x:spa"));
        let authority_only = PresetSpec {
            client_id: None,
            ..spec()
        };
        assert!(is_wanted(
            &authority_only,
            "https://login.example/realms/main:zz"
        ));
        assert!(!is_wanted(
            &authority_only,
            "https://login.example/realms/mainx:zz"
        ));
        let any = PresetSpec::new(Preset::OidcClientTs);
        let entries = [local(KEY, &stored(NOW))];
        assert!(parse_preset(&any, &entries, NOW).unwrap().is_some());
    }

    #[test]
    fn corrupt_values_say_why() {
        assert_eq!(
            parse_preset(&spec(), &[local(KEY, "nope")], NOW),
            Err(Unreadable::NotJson)
        );
        assert_eq!(
            parse_preset(&spec(), &[local(KEY, "\"s\"")], NOW),
            Err(Unreadable::UnexpectedShape)
        );
    }
}
