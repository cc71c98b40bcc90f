//! @auth0/auth0-spa-js with `cacheLocation: 'localstorage'` (v2, and v1's older body).
//!
//! auth0/auth0-spa-js `src/cache/shared.ts` (`CacheKey`: `@@auth0spajs@@::<clientId>::<audience>::<scope>`,
//! audience `default` when none), `src/cache/cache-localstorage.ts` (one key per entry),
//! `src/cache/cache-manager.ts` (entry `{body, expiresAt}`, `expiresAt` in seconds; the v2 ID
//! token in `@@auth0spajs@@::<clientId>::@@user@@` as `{id_token, decodedToken}`; v1 kept
//! `id_token` in `body`), `src/Auth0Client.ts` (`logout()` clears every entry of the client
//! and the `auth0.<clientId>.is.authenticated` flag cookies, which this mirrors).
//!
//! With several entries (audiences, scopes) the one for the configured audience and scope is
//! taken (every configured scope word in the key's scope, as `getTokenSilently` matches), or
//! the freshest.

use super::choose::Candidates;
use super::read::{bind_dpop, group, json, read, seconds, session, text, token};
use super::{PresetSpec, Want};
use crate::core::json::Json;
use crate::core::search;
use crate::core::source::{Area, Entry, LegacySession, TokenKind, Unreadable};
use crate::prelude::*;

const PREFIX: &str = "@@auth0spajs@@::";
const USER: &str = "@@user@@";

pub fn wants(spec: &PresetSpec) -> Vec<Want> {
    let prefix = match &spec.client_id {
        Some(client_id) => concat(&[PREFIX, client_id, "::"]),
        None => PREFIX.to_owned(),
    };
    vec![
        Want::Prefix(Area::LocalStorage, prefix),
        Want::Prefix(Area::Cookie, "auth0.".to_owned()),
        Want::Prefix(Area::Cookie, "_legacy_auth0.".to_owned()),
    ]
}

pub fn parse(spec: &PresetSpec, entries: &[Entry]) -> Result<Option<LegacySession>, Unreadable> {
    // Entries by client ID: `<clientId>::<audience>::<scope>` or `<clientId>::@@user@@`.
    let clients = group(
        entries
            .iter()
            .filter(|e| e.area == Area::LocalStorage)
            .filter_map(|entry| {
                let (client_id, rest) = search::split_once(entry.key.strip_prefix(PREFIX)?, "::")?;
                spec.client_id
                    .as_deref()
                    .is_none_or(|id| id == client_id)
                    .then_some((client_id, (rest, entry)))
            }),
    );
    let mut candidates = Candidates::default();
    let none_stored = clients.is_empty();
    for (client_id, client_entries) in clients {
        candidates.offer(client_session(spec, client_id, &client_entries, entries));
    }
    // The flag cookie is set whatever the cache location: signed in with nothing stored is the
    // default in-memory cache, which nothing here can read.
    if none_stored && signed_in_flag(spec, entries) {
        return Err(Unreadable::MemoryOnly);
    }
    candidates.finish()
}

/// An `auth0.<clientId>.is.authenticated` (or `_legacy_` twin) cookie saying `true`.
fn signed_in_flag(spec: &PresetSpec, entries: &[Entry]) -> bool {
    entries.iter().any(|entry| {
        entry.area == Area::Cookie
            && entry.value == "true"
            && (entry.key.strip_prefix("_legacy_"))
                .unwrap_or(&entry.key)
                .strip_prefix("auth0.")
                .and_then(|rest| rest.strip_suffix(".is.authenticated"))
                .is_some_and(|client_id| spec.client_id.as_deref().is_none_or(|id| id == client_id))
    })
}

fn client_session(
    spec: &PresetSpec,
    client_id: &str,
    client_entries: &[(&str, &Entry)],
    all: &[Entry],
) -> Result<Option<LegacySession>, Unreadable> {
    let wanted_scope = spec.scope.as_deref().unwrap_or("");
    // The freshest entry's expiry and value, whose body is an object.
    let mut best: Option<(i64, Json)> = None;
    let mut unreadable = None;
    for (rest, entry) in client_entries {
        let Some((audience, scope)) = search::split_once(rest, "::") else {
            continue;
        };
        if spec
            .audience
            .as_deref()
            .is_some_and(|wanted| wanted != audience)
            || !wanted_scope
                .split_whitespace()
                .all(|word| scope.split_whitespace().any(|have| have == word))
        {
            continue;
        }
        match json(&entry.value) {
            Ok(value) if matches!(value.get("body"), Some(Json::Object(_))) => {
                let expires_at = value.get("expiresAt").and_then(seconds).unwrap_or(0);
                if best.as_ref().is_none_or(|(at, _)| expires_at > *at) {
                    best = Some((expires_at, value));
                }
            }
            Ok(_) => unreadable = Some(Unreadable::UnexpectedShape),
            Err(why) => unreadable = Some(why),
        }
    }
    let Some((expires_at, body)) = best
        .as_ref()
        .and_then(|(at, value)| Some((at, value.get("body")?)))
    else {
        return unreadable.map_or(Ok(None), Err);
    };
    let mut tokens = Vec::new();
    if let Some(access) = text(body, "access_token") {
        tokens.push(token(TokenKind::AccessToken, access, Some(*expires_at)));
    }
    if let Some(refresh) = text(body, "refresh_token") {
        tokens.push(token(TokenKind::RefreshToken, refresh, None));
    }
    // v1: the ID token in the body; v2: in the user entry.
    let user = client_entries
        .iter()
        .find(|(rest, _)| *rest == USER)
        .and_then(|(_, entry)| Json::parse(&entry.value).ok());
    if let Some(id) =
        text(body, "id_token").or_else(|| user.as_ref().and_then(|u| text(u, "id_token")))
    {
        tokens.push(token(TokenKind::IdToken, id, None));
    }
    // `useDpop` (auth0-spa-js 2.3+): the body's `token_type` is `DPoP`.
    bind_dpop(&mut tokens, text(body, "token_type"));
    // Cleanup: what `logout()` removes for this client.
    let mut reads = Vec::new();
    for (_, entry) in client_entries {
        reads.push(read(entry));
    }
    let flag = concat(&["auth0.", client_id, ".is.authenticated"]);
    let legacy_flag = concat(&["_legacy_", &flag]);
    for e in all {
        if e.area == Area::Cookie && (e.key == flag || e.key == legacy_flag) {
            reads.push(read(e));
        }
    }
    Ok(session(tokens, reads))
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use super::super::{Preset, parse as parse_preset};
    use super::*;
    use serde_json::json;

    const KEY: &str =
        "@@auth0spajs@@::AbC::https://api.example::openid profile email offline_access";

    fn spec() -> PresetSpec {
        PresetSpec {
            client_id: Some("AbC".into()),
            ..PresetSpec::new(Preset::Auth0Spa)
        }
    }

    fn entry_value(access: &str, refresh: Option<&str>, expires_at: i64) -> String {
        let mut body = json!({"access_token": access, "expires_in": 86400, "token_type": "Bearer",
            "scope": "openid profile email offline_access", "audience": "https://api.example",
            "client_id": "AbC", "oauthTokenScope": "openid profile email offline_access"});
        if let Some(refresh) = refresh {
            body["refresh_token"] = json!(refresh);
        }
        json!({"body": body, "expiresAt": expires_at}).to_string()
    }

    #[test]
    fn reads_the_v2_cache_with_the_user_entry() {
        let access = jwt_exp(NOW + 3600);
        let id = jwt_exp(NOW + 36000);
        let entries = [
            local(KEY, &entry_value(&access, Some("v1.MxRefresh"), NOW + 3000)),
            local(
                "@@auth0spajs@@::AbC::@@user@@",
                &json!({"id_token": id, "decodedToken": {"claims": {"sub": "u1"}, "user": {}}})
                    .to_string(),
            ),
            cookie("auth0.AbC.is.authenticated", "true"),
            cookie("_legacy_auth0.AbC.is.authenticated", "true"),
            cookie("auth0.Other.is.authenticated", "true"),
        ];
        let session = parse_preset(&spec(), &entries, NOW).unwrap().unwrap();
        assert_eq!(
            kinds(&session),
            [
                (TokenKind::AccessToken, Some(NOW + 3000)),
                (TokenKind::RefreshToken, None),
                (TokenKind::IdToken, Some(NOW + 36000)),
            ]
        );
        assert_eq!(value(&session, TokenKind::RefreshToken), "v1.MxRefresh");
        assert_eq!(
            keys(&session),
            [
                (Area::LocalStorage, KEY),
                (Area::LocalStorage, "@@auth0spajs@@::AbC::@@user@@"),
                (Area::Cookie, "auth0.AbC.is.authenticated"),
                (Area::Cookie, "_legacy_auth0.AbC.is.authenticated"),
            ]
        );
    }

    #[test]
    fn v1_keeps_the_id_token_in_the_body() {
        let mut value: serde_json::Value =
            serde_json::from_str(&entry_value("opaque-at", None, NOW)).unwrap();
        value["body"]["id_token"] = json!(jwt_exp(NOW + 10));
        let session = parse_preset(&spec(), &[local(KEY, &value.to_string())], NOW)
            .unwrap()
            .unwrap();
        assert_eq!(
            kinds(&session),
            [
                (TokenKind::AccessToken, Some(NOW)),
                (TokenKind::IdToken, Some(NOW + 10))
            ]
        );
    }

    #[test]
    fn picks_the_configured_audience_and_scope_or_the_freshest() {
        let other = "@@auth0spajs@@::AbC::default::openid profile";
        let entries = [
            local(KEY, &entry_value("for-api", None, NOW + 100)),
            local(other, &entry_value("for-default", None, NOW + 200)),
        ];
        let freshest = parse_preset(&spec(), &entries, NOW).unwrap().unwrap();
        assert_eq!(value(&freshest, TokenKind::AccessToken), "for-default");
        let api = PresetSpec {
            audience: Some("https://api.example".into()),
            scope: Some("offline_access openid".into()),
            ..spec()
        };
        let chosen = parse_preset(&api, &entries, NOW).unwrap().unwrap();
        assert_eq!(value(&chosen, TokenKind::AccessToken), "for-api");
        // Cleanup still removes every entry of the client, as logout() does.
        assert_eq!(chosen.entries.len(), 2);
        let missing = PresetSpec {
            scope: Some("read:admin".into()),
            ..api
        };
        assert_eq!(parse_preset(&missing, &entries, NOW), Ok(None));
    }

    #[test]
    fn without_a_client_id_any_client_is_read() {
        let entries = [local(KEY, &entry_value("a", None, NOW + 5))];
        let spec = PresetSpec::new(Preset::Auth0Spa);
        assert!(parse_preset(&spec, &entries, NOW).unwrap().is_some());
        let other = PresetSpec {
            client_id: Some("Zzz".into()),
            ..spec
        };
        assert_eq!(parse_preset(&other, &entries, NOW), Ok(None));
    }

    #[test]
    fn corrupt_entries_say_why() {
        assert_eq!(
            parse_preset(&spec(), &[local(KEY, "{oops")], NOW),
            Err(Unreadable::NotJson)
        );
        assert_eq!(
            parse_preset(&spec(), &[local(KEY, r#"{"access_token":"x"}"#)], NOW),
            Err(Unreadable::UnexpectedShape)
        );
        // A body without tokens is no session, not corruption.
        assert_eq!(
            parse_preset(&spec(), &[local(KEY, r#"{"body":{},"expiresAt":1}"#)], NOW),
            Ok(None)
        );
        assert_eq!(
            parse_preset(
                &spec(),
                &[local("@@auth0spajs@@::AbC::@@user@@", "{}")],
                NOW
            ),
            Ok(None)
        );
    }

    #[test]
    fn signed_in_with_nothing_stored_is_the_memory_cache() {
        let flag = [cookie("auth0.AbC.is.authenticated", "true")];
        assert_eq!(
            parse_preset(&spec(), &flag, NOW),
            Err(Unreadable::MemoryOnly)
        );
        let other = [cookie("_legacy_auth0.Other.is.authenticated", "true")];
        assert_eq!(parse_preset(&spec(), &other, NOW), Ok(None));
        let signed_out = [cookie("auth0.AbC.is.authenticated", "false")];
        assert_eq!(parse_preset(&spec(), &signed_out, NOW), Ok(None));
    }
}
