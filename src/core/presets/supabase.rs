//! Supabase: supabase-js 2.x (auth-js), @supabase/ssr's browser client, and auth-js v1.
//!
//! supabase/supabase-js `SupabaseClient.ts` (default `storageKey` `sb-<first label of the URL's
//! hostname>-auth-token`, [`DEFAULT_KEY`], made by `pkg/src/presets.js` from `legacy.url`), auth-js
//! `GoTrueClient.ts` (the session as JSON: `access_token`, `refresh_token`, `expires_at` in
//! seconds; sign-out removes the key). @supabase/ssr `src/cookies.ts` (the same key as cookies;
//! encoding `base64url` writes `base64-` + base64url(JSON), `raw` plain JSON) and
//! `src/utils/chunker.ts` (over 3180 URI-encoded characters the value is split into `<key>.0`,
//! `<key>.1`, …; the unsplit cookie wins when present; chunks are joined up to the first missing
//! one, and only the joined value carries the `base64-` prefix). auth-js v1: key
//! `supabase.auth.token`, value `{"currentSession": {…}, "expiresAt": <s>}`.
//! `@supabase/auth-helpers-*` (auth-helpers-shared `src/utils/cookies.ts`,
//! `stringifySupabaseSession`): the same cookie names and chunks, holding the JSON array
//! `[access_token, refresh_token, provider_token, provider_refresh_token, factors]`; the expiry
//! is the access token's `exp`. A `storage: sessionStorage` client keeps its key there.

use super::choose::Candidates;
use super::read::{base64url, group, json, read, seconds, session, text, token};
use super::{PresetSpec, Want};
use crate::core::json::{Json, integer};
use crate::core::source::{Area, Entry, LegacySession, Read, TokenKind, Unreadable};
use crate::prelude::*;

const V1_KEY: &str = "supabase.auth.token";
/// supabase-js's default `storageKey`: `sb-` + the project ref + `-auth-token`; the wrapper
/// makes it from `legacy.url` with these (generated into `pkg/src/facts.js`).
pub const DEFAULT_KEY: [&str; 2] = ["sb-", "-auth-token"];
const BASE64_PREFIX: &str = "base64-";

pub fn wants(spec: &PresetSpec) -> Vec<Want> {
    let web = |area| match &spec.storage_key {
        Some(key) => Want::Key(area, key.clone()),
        None => Want::Prefix(area, "sb-".to_owned()),
    };
    let cookies = spec.storage_key.as_deref().unwrap_or("sb-").to_owned();
    vec![
        web(Area::LocalStorage),
        web(Area::SessionStorage),
        Want::Prefix(Area::Cookie, cookies),
        Want::Key(Area::LocalStorage, V1_KEY.to_owned()),
    ]
}

/// Whether `key` is the session's storage key (configured, or any project's default).
fn is_key(spec: &PresetSpec, key: &str) -> bool {
    match &spec.storage_key {
        Some(wanted) => key == wanted,
        None => key.starts_with(DEFAULT_KEY[0]) && key.ends_with(DEFAULT_KEY[1]),
    }
}

pub fn parse(spec: &PresetSpec, entries: &[Entry]) -> Result<Option<LegacySession>, Unreadable> {
    let mut candidates = Candidates::default();
    for entry in entries
        .iter()
        .filter(|e| matches!(e.area, Area::LocalStorage | Area::SessionStorage))
    {
        if is_key(spec, &entry.key) || (entry.key == V1_KEY && entry.area == Area::LocalStorage) {
            candidates.offer(from_json(&entry.value, vec![read(entry)]));
        }
    }
    // Cookies, grouped by storage key: the whole cookie, or its numbered chunks.
    let cookies = group(
        entries
            .iter()
            .filter(|e| e.area == Area::Cookie)
            .filter_map(|entry| {
                let (base, chunk) = match entry.key.rsplit_once('.') {
                    Some((base, index)) if index.bytes().all(|b| b.is_ascii_digit()) => {
                        (base, integer(index))
                    }
                    _ => (entry.key.as_str(), None),
                };
                (is_key(spec, base) && (chunk.is_some() || base == entry.key))
                    .then_some((base, (chunk, entry)))
            }),
    );
    for (_, parts) in &cookies {
        candidates.offer(from_cookies(parts));
    }
    candidates.finish()
}

fn from_cookies(parts: &[(Option<usize>, &Entry)]) -> Result<Option<LegacySession>, Unreadable> {
    let mut reads = Vec::new();
    for (_, entry) in parts {
        reads.push(read(entry));
    }
    let whole = parts
        .iter()
        .find(|(chunk, entry)| chunk.is_none() && !entry.value.is_empty());
    let joined = match whole {
        Some((_, entry)) => entry.value.clone(),
        None => {
            let mut joined = String::new();
            let mut next = 0;
            while let Some((_, entry)) = parts.iter().find(|(chunk, _)| *chunk == Some(next)) {
                joined.push_str(&entry.value);
                next += 1;
            }
            // A chunk past a missing one: the value is cut (written partially).
            if parts
                .iter()
                .any(|(chunk, _)| chunk.is_some_and(|c| c > next))
            {
                return Err(Unreadable::MissingChunk);
            }
            joined
        }
    };
    if joined.is_empty() {
        return Ok(None);
    }
    let text = match joined.strip_prefix(BASE64_PREFIX) {
        Some(encoded) => base64url(encoded)
            .and_then(|bytes| String::from_utf8(bytes).ok())
            .ok_or(Unreadable::BadEncoding)?,
        None => joined,
    };
    from_json(&text, reads)
}

fn from_json(text_value: &str, reads: Vec<Read>) -> Result<Option<LegacySession>, Unreadable> {
    let value = json(text_value)?;
    if let Some(array) = value.as_array() {
        return from_helpers_array(array, reads);
    }
    // auth-js v1 wrapped the session.
    let session_value = value.get("currentSession").unwrap_or(&value);
    if session_value.as_object().is_none() {
        return Err(Unreadable::UnexpectedShape);
    }
    let expires_at = session_value
        .get("expires_at")
        .and_then(seconds)
        .or_else(|| value.get("expiresAt").and_then(seconds));
    let mut tokens = Vec::new();
    if let Some(access) = text(session_value, "access_token") {
        tokens.push(token(TokenKind::AccessToken, access, expires_at));
    }
    if let Some(refresh) = text(session_value, "refresh_token") {
        tokens.push(token(TokenKind::RefreshToken, refresh, None));
    }
    Ok(session(tokens, reads))
}

/// auth-helpers' `[access_token, refresh_token, provider_token, provider_refresh_token,
/// factors]`: the provider's tokens are not Supabase's, and the expiry is the JWT's own.
fn from_helpers_array(
    array: &[Json],
    reads: Vec<Read>,
) -> Result<Option<LegacySession>, Unreadable> {
    let member = |at: usize| match array.get(at) {
        Some(Json::String(text)) if !text.is_empty() => Ok(Some(text.as_str())),
        Some(Json::String(_) | Json::Null) | None => Ok(None),
        Some(_) => Err(Unreadable::UnexpectedShape),
    };
    let mut tokens = Vec::new();
    if let Some(access) = member(0)? {
        tokens.push(token(TokenKind::AccessToken, access, None));
    }
    if let Some(refresh) = member(1)? {
        tokens.push(token(TokenKind::RefreshToken, refresh, None));
    }
    if tokens.is_empty() {
        return Err(Unreadable::UnexpectedShape);
    }
    Ok(session(tokens, reads))
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use super::super::{Preset, parse as parse_preset};
    use super::*;
    use base64ct::{Base64UrlUnpadded, Encoding};
    use serde_json::json;

    const KEY: &str = "sb-abcd-auth-token";

    fn spec() -> PresetSpec {
        PresetSpec {
            storage_key: Some(KEY.into()),
            ..PresetSpec::new(Preset::Supabase)
        }
    }

    fn stored(access: &str, expires_at: i64) -> String {
        json!({"access_token": access, "token_type": "bearer", "expires_in": 3600,
            "expires_at": expires_at, "refresh_token": "v1xyz",
            "user": {"id": "u1", "aud": "authenticated", "email": "a@b.c"}})
        .to_string()
    }

    #[test]
    fn local_storage() {
        let access = jwt_exp(NOW + 3600);
        let session = parse_preset(&spec(), &[local(KEY, &stored(&access, NOW + 3500))], NOW)
            .unwrap()
            .unwrap();
        assert_eq!(
            kinds(&session),
            [
                (TokenKind::AccessToken, Some(NOW + 3500)),
                (TokenKind::RefreshToken, None)
            ]
        );
        assert_eq!(value(&session, TokenKind::RefreshToken), "v1xyz");
        assert_eq!(keys(&session), [(Area::LocalStorage, KEY)]);
    }

    #[test]
    fn ssr_cookies_base64_and_chunked() {
        let text = stored(&"a".repeat(5000), NOW + 100);
        let encoded = format!(
            "base64-{}",
            Base64UrlUnpadded::encode_string(text.as_bytes())
        );
        let (first, rest) = encoded.split_at(3180);
        let (second, third) = rest.split_at(3180);
        let entries = [
            cookie("sb-abcd-auth-token.1", second),
            cookie("sb-abcd-auth-token.0", first),
            cookie("sb-abcd-auth-token.2", third),
            cookie("sb-abcd-auth-token-code-verifier", "x"),
        ];
        let session = parse_preset(&spec(), &entries, NOW).unwrap().unwrap();
        assert_eq!(value(&session, TokenKind::AccessToken).len(), 5000);
        assert_eq!(session.entries.len(), 3, "every chunk, not the verifier");
        // Any project's key when none is configured; a single cookie in `raw` encoding.
        let raw = [cookie(KEY, &text)];
        let any = PresetSpec::new(Preset::Supabase);
        assert!(parse_preset(&any, &raw, NOW).unwrap().is_some());
    }

    #[test]
    fn a_missing_chunk_or_bad_base64_says_why() {
        let entries = [
            cookie("sb-abcd-auth-token.0", "base64-eyJhY2Nlc3NfdG9rZW4iOi"),
            cookie("sb-abcd-auth-token.2", "xyz"),
        ];
        assert_eq!(
            parse_preset(&spec(), &entries, NOW),
            Err(Unreadable::MissingChunk)
        );
        assert_eq!(
            parse_preset(&spec(), &[cookie(KEY, "base64-%%%")], NOW),
            Err(Unreadable::BadEncoding)
        );
        assert_eq!(
            parse_preset(&spec(), &[local(KEY, "[1,2]")], NOW),
            Err(Unreadable::UnexpectedShape)
        );
        assert_eq!(
            parse_preset(&spec(), &[cookie(KEY, "[]")], NOW),
            Err(Unreadable::UnexpectedShape)
        );
        assert_eq!(
            parse_preset(&spec(), &[local(KEY, "{")], NOW),
            Err(Unreadable::NotJson)
        );
    }

    #[test]
    fn auth_helpers_array_cookie_chunked() {
        let access = jwt_exp(NOW + 3600);
        let text = json!([access, "rt-helpers", "provider-at", null, []]).to_string();
        let (first, second) = text.split_at(text.len() / 2);
        let entries = [
            cookie("sb-abcd-auth-token.0", first),
            cookie("sb-abcd-auth-token.1", second),
        ];
        let session = parse_preset(&spec(), &entries, NOW).unwrap().unwrap();
        assert_eq!(
            kinds(&session),
            [
                (TokenKind::AccessToken, Some(NOW + 3600)),
                (TokenKind::RefreshToken, None)
            ]
        );
        assert_eq!(value(&session, TokenKind::RefreshToken), "rt-helpers");
        assert_eq!(session.entries.len(), 2);
    }

    #[test]
    fn in_session_storage() {
        let access = jwt_exp(NOW + 3600);
        let entries = [session_storage(KEY, &stored(&access, NOW + 3500))];
        let session = parse_preset(&spec(), &entries, NOW).unwrap().unwrap();
        assert_eq!(keys(&session), [(Area::SessionStorage, KEY)]);
        assert!(
            wants(&spec()).contains(&Want::Key(Area::SessionStorage, KEY.into())),
            "sessionStorage is not read"
        );
    }

    #[test]
    fn auth_js_v1() {
        let value = json!({"currentSession": {"access_token": "at", "refresh_token": "rt",
            "expires_in": 3600}, "expiresAt": NOW + 60})
        .to_string();
        let session = parse_preset(&spec(), &[local(V1_KEY, &value)], NOW)
            .unwrap()
            .unwrap();
        assert_eq!(
            kinds(&session),
            [
                (TokenKind::AccessToken, Some(NOW + 60)),
                (TokenKind::RefreshToken, None)
            ]
        );
        assert_eq!(keys(&session), [(Area::LocalStorage, V1_KEY)]);
    }

    #[test]
    fn other_projects_are_not_read() {
        let other = [local("sb-other-auth-token", &stored("a", NOW))];
        assert_eq!(parse_preset(&spec(), &other, NOW), Ok(None));
    }
}
