//! MSAL.js: @azure/msal-browser 5.x, with the older schemas it still migrates.
//!
//! AzureAD/microsoft-authentication-library-for-js, npm @azure/msal-browser 5.29 `src/cache/`:
//! `CacheKeys.ts` (index `msal.<schema>.token.keys.<clientId>` = `{"idToken":[…],"accessToken":
//! […],"refreshToken":[…]}`, schema 3 today and none before 1: `msal.token.keys.<clientId>`;
//! accounts `msal[.<schema>].account.keys`), `BrowserCacheManager.ts` (credential keys
//! `msal.3|<homeAccountId>|<environment>|<credentialType>|<clientId>|<realm>|<target>|<scheme>`,
//! lowercase, but found through the index, so v3's `<homeAccountId>-<env>-accesstoken-…` keys
//! are read alike; the active account `msal.<clientId>.active-account-filters`; removing an
//! account removes its credentials, updates both indexes, dropping an index that ends up empty,
//! and clears the active account pointing at it: cleanup does the same), `LocalStorage.ts` (in
//! `localStorage` every credential and account is `{"id","nonce","data","lastUpdatedAt"}`,
//! unless written with "keep me signed in"; the key is the cookie `msal.cache.encryption` =
//! URI-encoded `{"id","key"}`, `key` base64url; data with another `id` is a previous session's
//! and is dropped; the HKDF `info` is the client ID when the entry's key contains it, else
//! empty), `crypto/BrowserCrypto.ts` (HKDF-SHA-256 with salt = nonce, then AES-GCM-256 with a
//! zero 12-byte IV). Entities: `{"homeAccountId","environment","credentialType","clientId",
//! "secret","realm","target","expiresOn","tokenType",…}`, `expiresOn` a string of seconds.
//!
//! Which access token: the one whose target has every word of `legacy.scope`, else one whose
//! JWT `aud` has `legacy.audience`, else the one that expires last, a Microsoft Graph token
//! (which only Graph can verify) only when there is no other. Which account: the active
//! one, else the freshest.

use super::choose::Candidates;
use super::read::{base64url, find, json, read, seconds, session, text, token};
use super::{PresetSpec, Sealed, SealedItem, Want};
use crate::core::json::Json;
use crate::core::search;
use crate::core::source::{Area, Entry, LegacySession, LegacyToken, Read, TokenKind, Unreadable};
use crate::prelude::*;

const COOKIE: &str = "msal.cache.encryption";
const AREAS: [Area; 2] = [Area::SessionStorage, Area::LocalStorage];

pub fn wants(spec: &PresetSpec, found: &[Entry]) -> Vec<Want> {
    let mut wants = vec![
        Want::Prefix(Area::SessionStorage, "msal.".to_owned()),
        Want::Prefix(Area::LocalStorage, "msal.".to_owned()),
        Want::Key(Area::Cookie, COOKIE.to_owned()),
    ];
    // Before 2.35 there is no index: the client's credentials are found by the client ID in
    // their keys, and then their accounts by `<homeAccountId>-<environment>-<realm>`.
    if let Some(needle) = unindexed_needle(spec) {
        for area in AREAS {
            wants.push(Want::Containing(area, needle.clone()));
        }
        for (area, credential) in unindexed(spec, found) {
            wants.push(Want::Key(area, credential.account_key()));
        }
    }
    // Round two: keys the indexes list outside `msal.` (the v3 schema's).
    for entry in found.iter().filter(|entry| AREAS.contains(&entry.area)) {
        for key in listed(entry) {
            if !key.starts_with("msal.") {
                wants.push(Want::Key(entry.area, key));
            }
        }
    }
    wants
}

/// `<schema>.<rest>` → `<rest>`; a key without a schema as it is.
fn without_schema(rest: &str) -> &str {
    match rest.split_once('.') {
        Some((schema, rest))
            if !schema.is_empty() && schema.bytes().all(|b| b.is_ascii_digit()) =>
        {
            rest
        }
        _ => rest,
    }
}

/// The client ID of a token index key.
fn token_index(key: &str) -> Option<&str> {
    without_schema(key.strip_prefix("msal.")?).strip_prefix("token.keys.")
}

fn is_account_index(key: &str) -> bool {
    key.strip_prefix("msal.")
        .is_some_and(|rest| without_schema(rest) == "account.keys")
}

/// The token index's members, in the order MSAL writes them.
const LISTS: [&str; 3] = ["idToken", "accessToken", "refreshToken"];

/// The token index's three lists, as `getTokenKeys` reads them (all three members required).
fn token_keys(value: &str) -> Option<[Vec<String>; 3]> {
    lists(&Json::parse(value).ok()?)
}

fn lists(index: &Json) -> Option<[Vec<String>; 3]> {
    let [id, access, refresh] = LISTS.map(|name| index.get(name).and_then(Json::as_strings));
    Some([id?, access?, refresh?])
}

fn string_array(keys: Vec<String>) -> Json {
    let mut array = Vec::with_capacity(keys.len());
    for key in keys {
        array.push(Json::from(key));
    }
    Json::Array(array)
}

fn account_keys(value: &str) -> Option<Vec<String>> {
    Json::parse(value).ok()?.as_strings()
}

/// Every key an index entry lists.
fn listed(entry: &Entry) -> Vec<String> {
    if token_index(&entry.key).is_some() {
        let Some([mut keys, mut access, mut refresh]) = token_keys(&entry.value) else {
            return Vec::new();
        };
        keys.append(&mut access);
        keys.append(&mut refresh);
        keys
    } else if is_account_index(&entry.key) {
        account_keys(&entry.value).unwrap_or_default()
    } else {
        Vec::new()
    }
}

fn is_sealed(value: &Json) -> bool {
    ["id", "nonce", "data"]
        .iter()
        .all(|name| value.get(name).is_some())
}

pub fn sealed(spec: &PresetSpec, entries: &[Entry]) -> Option<Sealed> {
    let cookie = json(&find(entries, Area::Cookie, COOKIE)?.value).ok()?;
    let id = text(&cookie, "id")?;
    let key = base64url(text(&cookie, "key")?)?;
    let mut client_ids: Vec<&str> = Vec::new();
    match &spec.client_id {
        Some(client_id) => client_ids.push(client_id),
        None => {
            for entry in entries {
                if entry.area == Area::LocalStorage
                    && let Some(client_id) = token_index(&entry.key)
                {
                    client_ids.push(client_id);
                }
            }
        }
    }
    let item = |index, entry: &Entry| {
        let value = Json::parse(&entry.value).ok()?;
        if !is_sealed(&value) || text(&value, "id")? != id {
            return None;
        }
        let info = client_ids
            .iter()
            .find(|client_id| search::contains(&entry.key, client_id))
            .map_or_else(String::new, |client_id| (*client_id).to_owned());
        Some(SealedItem {
            index,
            nonce: base64url(text(&value, "nonce")?)?,
            data: base64url(text(&value, "data")?)?,
            info,
        })
    };
    let mut items = Vec::new();
    for (index, entry) in entries.iter().enumerate() {
        if entry.area == Area::LocalStorage
            && let Some(item) = item(index, entry)
        {
            items.push(item);
        }
    }
    (!items.is_empty()).then_some(Sealed { key, items })
}

pub fn parse(spec: &PresetSpec, entries: &[Entry]) -> Result<Option<LegacySession>, Unreadable> {
    let mut candidates = Candidates::default();
    for area in AREAS {
        for index in entries.iter().filter(|entry| entry.area == area) {
            let Some(client_id) = token_index(&index.key) else {
                continue;
            };
            if spec.client_id.as_deref().is_some_and(|id| id != client_id) {
                continue;
            }
            let Some(lists) = token_keys(&index.value) else {
                candidates.offer(Err(Unreadable::UnexpectedShape));
                continue;
            };
            candidates.offer(client_session(
                spec,
                client_id,
                area,
                Some(index),
                &lists,
                entries,
            ));
        }
        if let Some(client_id) = &spec.client_id
            && !entries
                .iter()
                .any(|e| e.area == area && token_index(&e.key) == Some(client_id.as_str()))
        {
            let mut keys = Vec::new();
            for (at, credential) in unindexed(spec, entries) {
                if at == area {
                    keys.push(credential.entry.key.clone());
                }
            }
            if !keys.is_empty() {
                // Every kind in one list: `client_session` tells them by `credentialType`.
                let lists = [keys, Vec::new(), Vec::new()];
                candidates.offer(client_session(spec, client_id, area, None, &lists, entries));
            }
        }
    }
    candidates.finish()
}

/// What the keys of msal-browser before 2.35 contain for this client: `-<clientId>-`, in the
/// lowercase MSAL wrote them in.
fn unindexed_needle(spec: &PresetSpec) -> Option<String> {
    spec.client_id
        .as_ref()
        .map(|client_id| concat(&["-", &client_id.to_ascii_lowercase(), "-"]))
}

/// The client's credentials among keys outside `msal.` (the caches of msal-browser before 2.35).
fn unindexed<'a>(
    spec: &PresetSpec,
    entries: &'a [Entry],
) -> impl Iterator<Item = (Area, Credential<'a>)> + 'a {
    let needle = unindexed_needle(spec);
    let client_id = spec.client_id.clone().unwrap_or_default();
    entries
        .iter()
        .filter(move |entry| {
            AREAS.contains(&entry.area)
                && !entry.key.starts_with("msal.")
                && needle
                    .as_ref()
                    .is_some_and(|needle| search::contains(&entry.key, needle))
        })
        .filter_map(move |entry| {
            let entity = Json::parse(&entry.value).ok()?;
            let credential = Credential { entry, entity };
            (text(&credential.entity, "credentialType").is_some()
                && credential
                    .field("clientId")
                    .eq_ignore_ascii_case(&client_id))
            .then_some((entry.area, credential))
        })
}

/// One credential entity found through the index.
struct Credential<'a> {
    entry: &'a Entry,
    entity: Json,
}

impl Credential<'_> {
    fn field(&self, name: &str) -> &str {
        text(&self.entity, name).unwrap_or("")
    }

    fn account(&self) -> (&str, &str) {
        (self.field("homeAccountId"), self.field("environment"))
    }

    fn expires_on(&self) -> Option<i64> {
        self.entity.get("expiresOn").and_then(seconds)
    }

    /// The account entity's key, as msal-browser before 2.35 wrote it.
    fn account_key(&self) -> String {
        let (home, environment) = self.account();
        concat(&[home, "-", environment, "-", self.field("realm")]).to_ascii_lowercase()
    }
}

/// The client's session from the credentials `lists` names in `area`; `index` is the key index
/// they were found through (none before 2.35).
fn client_session(
    spec: &PresetSpec,
    client_id: &str,
    area: Area,
    index: Option<&Entry>,
    lists: &[Vec<String>; 3],
    entries: &[Entry],
) -> Result<Option<LegacySession>, Unreadable> {
    let mut credentials = Vec::new();
    let mut unreadable = None;
    for key in lists.iter().flatten() {
        let Some(entry) = find(entries, area, key) else {
            continue;
        };
        match json(&entry.value) {
            Ok(entity) if text(&entity, "credentialType").is_some() => {
                credentials.push(Credential { entry, entity });
            }
            Ok(other) if is_sealed(&other) => unreadable = Some(Unreadable::NotDecryptable),
            Ok(_) => unreadable = Some(Unreadable::UnexpectedShape),
            Err(why) => unreadable = Some(why),
        }
    }
    // The active account, when one is set and has credentials here.
    let active_key = concat(&["msal.", client_id, ".active-account-filters"]);
    let active_entry = find(entries, area, &active_key);
    let active = active_entry
        .and_then(|entry| Json::parse(&entry.value).ok())
        .and_then(|filters| text(&filters, "homeAccountId").map(str::to_owned));
    let mut accounts: Vec<(&str, &str)> = Vec::new();
    for credential in &credentials {
        if !accounts.contains(&credential.account()) {
            accounts.push(credential.account());
        }
    }
    // Only the active account, when it is among them.
    let only = active
        .as_deref()
        .filter(|active| accounts.iter().any(|(home, _)| home == active));
    let mut candidates = Candidates::default();
    for account in accounts {
        if only.is_some_and(|active| account.0 != active) {
            continue;
        }
        let mut session = account_session(spec, client_id, account, &credentials);
        if let Ok(Some(session)) = &mut session {
            session.entries.append(&mut match index {
                Some(index) => cleanup(index, account, entries),
                None => unindexed_accounts(area, account, &credentials, entries),
            });
            if let Some(entry) = active_entry
                && active.as_deref() == Some(account.0)
            {
                session.entries.push(read(entry));
            }
        }
        candidates.offer(session);
    }
    if let Some(why) = unreadable {
        candidates.offer(Err(why));
    }
    candidates.finish()
}

fn account_session(
    spec: &PresetSpec,
    client_id: &str,
    account: (&str, &str),
    credentials: &[Credential<'_>],
) -> Result<Option<LegacySession>, Unreadable> {
    // One pass over the account's credentials: every one is removed with it; the first ID
    // token, the best access token, and the app's own refresh token else the family's first.
    let scope = spec.scope.as_deref().unwrap_or("");
    let mut reads = Vec::new();
    let mut id = None;
    let mut best: Option<((bool, i64), LegacyToken)> = None;
    let (mut own_refresh, mut any_refresh) = (None, None);
    for credential in credentials {
        if credential.account() != account {
            continue;
        }
        reads.push(read(credential.entry));
        let secret = credential.field("secret");
        if secret.is_empty() {
            continue;
        }
        match credential.field("credentialType") {
            "IdToken" => {
                id.get_or_insert(secret);
            }
            "AccessToken" => {
                if let Some(ranked) = ranked_access(spec, scope, credential) {
                    // Later ones win ties, as `max_by_key` picks.
                    if best.as_ref().is_none_or(|(best, _)| ranked.0 >= *best) {
                        best = Some(ranked);
                    }
                }
            }
            "RefreshToken" => {
                any_refresh.get_or_insert(credential);
                if credential.field("clientId") == client_id {
                    own_refresh.get_or_insert(credential);
                }
            }
            _ => {}
        }
    }
    let mut tokens: Vec<LegacyToken> = Vec::new();
    if let Some(id) = id {
        tokens.push(token(TokenKind::IdToken, id, None));
    }
    if let Some((_, best)) = best {
        tokens.push(best);
    }
    if let Some(refresh) = own_refresh.or(any_refresh) {
        tokens.push(token(
            TokenKind::RefreshToken,
            refresh.field("secret"),
            refresh.expires_on(),
        ));
    }
    Ok(session(tokens, reads))
}

/// A bearer access token (not PoP / SSH certificates) for the configured API, with its rank: a
/// Microsoft Graph token is Graph's to verify, not the app's backend, so any other comes first,
/// then the latest expiry.
fn ranked_access(
    spec: &PresetSpec,
    scope: &str,
    credential: &Credential<'_>,
) -> Option<((bool, i64), LegacyToken)> {
    let scheme = credential.field("tokenType");
    // Scopes compare without case, as MSAL's `ScopeSet` does.
    let target = credential.field("target");
    if !(scheme.is_empty() || scheme.eq_ignore_ascii_case("bearer"))
        || !scope.split_whitespace().all(|word| {
            target
                .split_whitespace()
                .any(|have| have.eq_ignore_ascii_case(word))
        })
    {
        return None;
    }
    let access = token(
        TokenKind::AccessToken,
        credential.field("secret"),
        credential.expires_on(),
    );
    if spec
        .audience
        .as_deref()
        .is_some_and(|audience| !access.facts.audience.iter().any(|aud| aud == audience))
    {
        return None;
    }
    let rank = (
        !for_graph(&access, target),
        access.facts.expires_at.unwrap_or(0),
    );
    Some((rank, access))
}

/// Graph's `aud`: its application ID, or its resource URL.
const GRAPH: [&str; 2] = [
    "00000003-0000-0000-c000-000000000000",
    "https://graph.microsoft.com",
];

/// A token for Microsoft Graph: its `aud` says so, or (opaque to us) every scope of its target
/// is Graph's: a bare name (`User.Read`: Graph is MSAL's default resource) or a Graph URL, while
/// an API's scopes are `api://…/name` or `https://host/name`.
fn for_graph(access: &LegacyToken, target: &str) -> bool {
    const OIDC: [&str; 4] = ["openid", "profile", "email", "offline_access"];
    if !access.facts.audience.is_empty() {
        return access
            .facts
            .audience
            .iter()
            .any(|aud| GRAPH.contains(&aud.trim_end_matches('/')));
    }
    let mut words = target
        .split_whitespace()
        .filter(|word| !OIDC.iter().any(|oidc| word.eq_ignore_ascii_case(oidc)))
        .peekable();
    words.peek().is_some()
        && words.all(|word| {
            !word.as_bytes().contains(&b'/')
                || search::contains(&word.to_ascii_lowercase(), GRAPH[1])
        })
}

/// What else removing the account touches: its account entities, and the indexes.
fn cleanup(index: &Entry, (home, environment): (&str, &str), entries: &[Entry]) -> Vec<Read> {
    let mut reads = vec![read(index)];
    for accounts in entries
        .iter()
        .filter(|entry| entry.area == index.area && is_account_index(&entry.key))
    {
        let keys = account_keys(&accounts.value).unwrap_or_default();
        let mut matched = false;
        for key in &keys {
            if search::contains(key, home) && search::contains(key, environment) {
                matched = true;
                if let Some(entry) = find(entries, index.area, key) {
                    reads.push(read(entry));
                }
            }
        }
        if matched {
            reads.push(read(accounts));
        }
    }
    reads
}

/// Before 2.35: the account entities of `account`'s credentials, by their keys.
fn unindexed_accounts(
    area: Area,
    account: (&str, &str),
    credentials: &[Credential<'_>],
    entries: &[Entry],
) -> Vec<Read> {
    let mut keys = Vec::new();
    for credential in credentials {
        if credential.account() == account {
            keys.push(credential.account_key());
        }
    }
    keys.dedup();
    let mut reads = Vec::new();
    for key in &keys {
        if let Some(entry) = find(entries, area, key) {
            reads.push(read(entry));
        }
    }
    reads
}

/// Whether the key is one of MSAL's key indexes, which cleanup rewrites rather than removes.
pub fn is_index(key: &str) -> bool {
    token_index(key).is_some() || is_account_index(key)
}

/// How cleanup leaves an index entry once `removed` are gone: `Some(None)` removes it (it would
/// be empty, as MSAL leaves none), `Some(Some(value))` rewrites it; `None`: not an index.
pub fn prune(key: &str, value: &str, removed: &[&str]) -> Option<Option<String>> {
    let keep = |keys: Vec<String>| -> Vec<String> {
        let mut kept = Vec::new();
        for key in keys {
            if !removed.contains(&key.as_str()) {
                kept.push(key);
            }
        }
        kept
    };
    if token_index(key).is_some() {
        let Some((mut index, kept)) = Json::parse(value).ok().and_then(|index| {
            let kept = lists(&index)?.map(keep);
            Some((index, kept))
        }) else {
            return Some(None);
        };
        if kept.iter().all(Vec::is_empty) {
            return Some(None);
        }
        // In place: the index keeps its order and whatever else it holds.
        for (name, keys) in LISTS.into_iter().zip(kept) {
            index.set(name, string_array(keys));
        }
        return Some(Some(index.to_text()));
    }
    if is_account_index(key) {
        let accounts = keep(account_keys(value).unwrap_or_default());
        return Some((!accounts.is_empty()).then(|| string_array(accounts).to_text()));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use super::super::{Preset, parse as parse_preset};
    use super::*;
    use serde_json::{Value, json};

    const CLIENT: &str = "c0ffee00-0000-4000-8000-000000000001";
    const HOME: &str = "oid1.tid1";
    const ENV: &str = "login.microsoftonline.com";

    fn spec() -> PresetSpec {
        PresetSpec {
            client_id: Some(CLIENT.into()),
            ..PresetSpec::new(Preset::Msal)
        }
    }

    fn key(kind: &str, target: &str) -> String {
        format!("msal.3|{HOME}|{ENV}|{kind}|{CLIENT}|tid1|{target}|")
    }

    fn entity(kind: &str, secret: &str, target: &str, expires_on: Option<i64>) -> String {
        let mut entity = json!({"homeAccountId": HOME, "environment": ENV, "credentialType": kind,
            "clientId": CLIENT, "secret": secret, "realm": "tid1", "target": target,
            "cachedAt": "1735686000", "tokenType": "Bearer", "lastUpdatedAt": "1735686000000"});
        if let Some(at) = expires_on {
            entity["expiresOn"] = json!(at.to_string());
            entity["extendedExpiresOn"] = json!(at.to_string());
        }
        entity.to_string()
    }

    /// A v5 `sessionStorage` cache: an account with ID, two access and a refresh token.
    fn v5_cache(area: Area) -> Vec<Entry> {
        let id = key("idtoken", "");
        let graph = key("accesstoken", "user.read openid profile");
        let api = key("accesstoken", "api://my-api/access_as_user");
        let refresh = key("refreshtoken", "");
        let account = format!("msal.3|{HOME}|{ENV}|tid1");
        vec![
            entry(
                area,
                &format!("msal.3.token.keys.{CLIENT}"),
                &json!({
                "idToken": [id], "accessToken": [graph, api], "refreshToken": [refresh]})
                .to_string(),
            ),
            entry(
                area,
                &id,
                &entity("IdToken", &jwt_exp(NOW + 3600), "", None),
            ),
            entry(
                area,
                &graph,
                &entity(
                    "AccessToken",
                    "graph-at",
                    "User.Read openid profile",
                    Some(NOW + 3000),
                ),
            ),
            entry(
                area,
                &api,
                &entity(
                    "AccessToken",
                    &jwt(json!({"aud": "api://my-api", "exp": NOW + 2000})),
                    "api://my-api/access_as_user",
                    Some(NOW + 2000),
                ),
            ),
            entry(
                area,
                &refresh,
                &entity("RefreshToken", "rt-secret", "", None),
            ),
            entry(area, "msal.3.account.keys", &json!([account]).to_string()),
            entry(
                area,
                &account,
                &json!({"homeAccountId": HOME, "environment": ENV, "realm": "tid1",
                "localAccountId": "oid1", "username": "a@b.c", "authorityType": "MSSTS"})
                .to_string(),
            ),
            entry(area, "msal.version", "5.29.0"),
        ]
    }

    #[test]
    fn v5_session_storage_picks_the_api_token_by_scope() {
        let api = PresetSpec {
            scope: Some("api://my-api/access_as_user".into()),
            ..spec()
        };
        let session = parse_preset(&api, &v5_cache(Area::SessionStorage), NOW)
            .unwrap()
            .unwrap();
        assert_eq!(
            kinds(&session),
            [
                (TokenKind::IdToken, Some(NOW + 3600)),
                (TokenKind::AccessToken, Some(NOW + 2000)),
                (TokenKind::RefreshToken, None),
            ]
        );
        assert_eq!(value(&session, TokenKind::RefreshToken), "rt-secret");
        // Cleanup: the four credentials, the token index, the account and its index.
        assert_eq!(session.entries.len(), 7);
        assert!(!keys(&session).contains(&(Area::SessionStorage, "msal.version")));
        // By audience, and by default the latest.
        let by_audience = PresetSpec {
            audience: Some("api://my-api".into()),
            ..spec()
        };
        let session = parse_preset(&by_audience, &v5_cache(Area::SessionStorage), NOW)
            .unwrap()
            .unwrap();
        assert_eq!(
            session
                .token(TokenKind::AccessToken)
                .unwrap()
                .facts
                .expires_at,
            Some(NOW + 2000)
        );
        // Without scope or audience: not the Graph token, though it expires last.
        let session = parse_preset(&spec(), &v5_cache(Area::SessionStorage), NOW)
            .unwrap()
            .unwrap();
        assert_ne!(value(&session, TokenKind::AccessToken), "graph-at");
    }

    #[test]
    fn graph_tokens_are_known_by_audience_or_scopes() {
        let opaque = token(TokenKind::AccessToken, "at", None);
        assert!(for_graph(&opaque, "User.Read openid profile"));
        assert!(for_graph(&opaque, "https://graph.microsoft.com/Mail.Read"));
        assert!(!for_graph(&opaque, "api://my-api/access_as_user openid"));
        assert!(!for_graph(&opaque, "openid profile"));
        for aud in GRAPH {
            let graph = token(TokenKind::AccessToken, &jwt(json!({"aud": aud})), None);
            assert!(for_graph(&graph, "api://looks-like-an-api/x"));
        }
        let api = token(
            TokenKind::AccessToken,
            &jwt(json!({"aud": "api://my-api"})),
            None,
        );
        assert!(!for_graph(&api, "User.Read"));
    }

    #[test]
    fn v3_keys_through_the_old_index() {
        let access = format!("{HOME}-{ENV}-accesstoken-{CLIENT}-tid1-user.read--");
        let entries = [
            local(
                &format!("msal.token.keys.{CLIENT}"),
                &json!({"idToken": [],
                "accessToken": [access], "refreshToken": []})
                .to_string(),
            ),
            local(
                &access,
                &entity("AccessToken", "old-at", "user.read", Some(NOW + 5)),
            ),
        ];
        assert!(wants(&spec(), &entries).contains(&Want::Key(Area::LocalStorage, access.clone())));
        let session = parse_preset(&spec(), &entries, NOW).unwrap().unwrap();
        assert_eq!(kinds(&session), [(TokenKind::AccessToken, Some(NOW + 5))]);
    }

    #[test]
    fn before_2_35_credentials_are_found_by_the_client_id_in_their_keys() {
        let base = format!("{HOME}-{ENV}");
        let access = format!("{base}-accesstoken-{CLIENT}-tid1-api://my-api/access_as_user--");
        let id = format!("{base}-idtoken-{CLIENT}-tid1---");
        let account = format!("{base}-tid1");
        let other_client = format!("{base}-accesstoken-0ther-tid1-user.read--");
        let needle = format!("-{CLIENT}-");
        assert!(wants(&spec(), &[]).contains(&Want::Containing(Area::SessionStorage, needle)));
        let mut entries = vec![
            session_storage(
                &access,
                &entity(
                    "AccessToken",
                    &jwt_exp(NOW + 600),
                    "api://my-api/access_as_user",
                    Some(NOW + 600),
                ),
            ),
            session_storage(&id, &entity("IdToken", &jwt_exp(NOW + 600), "", None)),
            session_storage(
                &other_client,
                &entity("AccessToken", "theirs", "user.read", Some(NOW + 600)),
            ),
        ];
        // Round two asks for the account entity of what round one found.
        assert!(
            wants(&spec(), &entries).contains(&Want::Key(Area::SessionStorage, account.clone()))
        );
        entries.push(session_storage(
            &account,
            &json!({"homeAccountId": HOME, "environment": ENV, "realm": "tid1", "authorityType": "MSSTS"}).to_string(),
        ));
        let session = parse_preset(&spec(), &entries, NOW).unwrap().unwrap();
        assert_eq!(
            kinds(&session),
            [
                (TokenKind::IdToken, Some(NOW + 600)),
                (TokenKind::AccessToken, Some(NOW + 600))
            ]
        );
        let mut removed: Vec<&str> = keys(&session).into_iter().map(|(_, key)| key).collect();
        removed.sort_unstable();
        let mut expected = [access.as_str(), id.as_str(), account.as_str()];
        expected.sort_unstable();
        assert_eq!(removed, expected);
        // Without a client ID, nothing tells the client's keys apart.
        assert!(
            !wants(&PresetSpec::new(Preset::Msal), &entries)
                .iter()
                .any(|want| matches!(want, Want::Containing(..)))
        );
    }

    #[test]
    fn encrypted_entries_are_named_for_decryption() {
        let mut entries = v5_cache(Area::LocalStorage);
        let sealed_value = json!({"id": "k1", "nonce": "AAECAwQFBgcICQoLDA0ODw", "data": "3q2-7w",
            "lastUpdatedAt": "1"})
        .to_string();
        let old_session = json!({"id": "k0", "nonce": "AA", "data": "AA"}).to_string();
        entries[1].value = sealed_value.clone();
        entries[2].value = old_session;
        entries.push(cookie(
            COOKIE,
            r#"{"id":"k1","key":"AAECAwQFBgcICQoLDA0ODwABAgMEBQYHCAkKCwwNDg8"}"#,
        ));
        let sealed = sealed(&spec(), &entries).unwrap();
        assert_eq!(sealed.key.len(), 32);
        assert_eq!(sealed.items.len(), 1);
        assert_eq!(sealed.items[0].index, 1);
        assert_eq!(sealed.items[0].nonce, (0..16).collect::<Vec<u8>>());
        assert_eq!(sealed.items[0].data, [0xde, 0xad, 0xbe, 0xef]);
        assert_eq!(
            sealed.items[0].info, CLIENT,
            "the key contains the client ID"
        );
        // Left sealed (not decrypted), the rest still makes a session.
        let session = parse_preset(&spec(), &entries, NOW).unwrap().unwrap();
        assert!(session.token(TokenKind::IdToken).is_none());
        // With nothing else readable: not decryptable.
        let only = [entries[0].clone(), entries[1].clone()];
        assert_eq!(
            parse_preset(&spec(), &only, NOW),
            Err(Unreadable::NotDecryptable)
        );
    }

    #[test]
    fn the_active_account_wins() {
        let mut entries = v5_cache(Area::SessionStorage);
        let other_key = format!("msal.3|oid2.tid1|{ENV}|accesstoken|{CLIENT}|tid1|user.read|");
        let other = json!({"homeAccountId": "oid2.tid1", "environment": ENV, "credentialType":
            "AccessToken", "clientId": CLIENT, "secret": "other-at", "target": "user.read",
            "expiresOn": (NOW + 9000).to_string()})
        .to_string();
        let index: Value = serde_json::from_str(&entries[0].value).unwrap();
        let mut index = index;
        index["accessToken"]
            .as_array_mut()
            .unwrap()
            .push(json!(other_key));
        entries[0].value = index.to_string();
        entries.push(session_storage(&other_key, &other));
        let session = parse_preset(&spec(), &entries, NOW).unwrap().unwrap();
        assert_eq!(
            value(&session, TokenKind::AccessToken),
            "other-at",
            "the freshest"
        );
        entries.push(session_storage(
            &format!("msal.{CLIENT}.active-account-filters"),
            &json!({"homeAccountId": HOME, "localAccountId": "oid1", "tenantId": "tid1"})
                .to_string(),
        ));
        let session = parse_preset(&spec(), &entries, NOW).unwrap().unwrap();
        assert_eq!(value(&session, TokenKind::RefreshToken), "rt-secret");
        assert!(!["other-at", "graph-at"].contains(&value(&session, TokenKind::AccessToken)));
        assert!(
            keys(&session)
                .iter()
                .any(|(_, key)| key.ends_with("active-account-filters"))
        );
    }

    #[test]
    fn indexes_are_pruned_as_msal_leaves_them() {
        let index =
            json!({"idToken": ["a"], "accessToken": ["b", "c"], "refreshToken": []}).to_string();
        assert_eq!(
            prune("msal.3.token.keys.x", &index, &["a", "b", "c"]),
            Some(None)
        );
        let pruned = prune("msal.3.token.keys.x", &index, &["b"])
            .unwrap()
            .unwrap();
        assert_eq!(
            serde_json::from_str::<Value>(&pruned).unwrap(),
            json!({"idToken": ["a"], "accessToken": ["c"], "refreshToken": []})
        );
        // Rewritten in place: MSAL's order, and any member it may add, stay as they were.
        assert_eq!(
            prune(
                "msal.3.token.keys.x",
                r#"{"idToken":["a"],"accessToken":["b","c"],"refreshToken":[],"v":1.0}"#,
                &["b"]
            ),
            Some(Some(
                r#"{"idToken":["a"],"accessToken":["c"],"refreshToken":[],"v":1.0}"#.to_owned()
            ))
        );
        assert_eq!(
            prune("msal.account.keys", r#"["a","b"]"#, &["a"]),
            Some(Some(r#"["b"]"#.into()))
        );
        assert_eq!(prune("msal.3.account.keys", r#"["a"]"#, &["a"]), Some(None));
        assert_eq!(prune("msal.3|x|y", "{}", &[]), None);
        assert_eq!(prune("msal.3.token.keys.x", "garbage", &[]), Some(None));
    }

    #[test]
    fn corrupt_indexes_and_entities_say_why() {
        let index = local(&format!("msal.3.token.keys.{CLIENT}"), r#"{"idToken":[]}"#);
        assert_eq!(
            parse_preset(&spec(), &[index], NOW),
            Err(Unreadable::UnexpectedShape)
        );
        let id = key("idtoken", "");
        let entries = [
            local(
                &format!("msal.3.token.keys.{CLIENT}"),
                &json!({"idToken": [id], "accessToken": [], "refreshToken": []}).to_string(),
            ),
            local(&id, "{nope"),
        ];
        assert_eq!(
            parse_preset(&spec(), &entries, NOW),
            Err(Unreadable::NotJson)
        );
        assert_eq!(parse_preset(&spec(), &[], NOW), Ok(None));
    }
}
