//! The legacy session on the device: read it, put rotated tokens back, remove it.

use js_sys::Function;
use wasm_bindgen::JsValue;

use crate::core::options::SourceSpec;
use crate::core::source::{
    Entry, LegacySession, TokenKind, parse_storage_entry, rewrite_storage_entry,
    session_from_callback,
};
use crate::web::storage::Stores;
use crate::wire;

/// What reading found.
pub struct Reading {
    pub source: &'static str,
    pub session: Option<LegacySession>,
    /// Why a value that was there did not yield a session.
    pub unreadable: Option<&'static str>,
}

/// The app's `legacy.read()` threw, rejected, or returned something that is not tokens.
#[derive(Debug)]
pub struct CallbackFailed;

/// Reads the legacy session. Never fails on foreign or corrupt data: that is "no session".
pub async fn read(
    spec: &SourceSpec,
    stores: &Stores,
    read_hook: Option<&Function>,
) -> Result<Reading, CallbackFailed> {
    match spec {
        SourceSpec::Storage {
            area,
            key,
            pointers,
        } => {
            let value = match stores.open(*area) {
                Ok(store) => store.get(key).await.ok().flatten(),
                Err(_) => None,
            };
            let entry = value.map(|value| Entry {
                area: *area,
                key: key.clone(),
                value,
            });
            let (session, unreadable) = match parse_storage_entry(entry.as_ref(), pointers) {
                Ok(session) => (session, None),
                Err(why) => (None, Some(why.as_str())),
            };
            Ok(Reading {
                source: area.as_str(),
                session,
                unreadable,
            })
        }
        SourceSpec::Callback { .. } => Ok(Reading {
            source: "callback",
            session: read_callback(read_hook.ok_or(CallbackFailed)?).await?,
            unreadable: None,
        }),
        SourceSpec::Preset(spec) => {
            let (session, unreadable) = match crate::web::presets::read(spec, stores).await {
                Ok(session) => (session, None),
                Err(why) => (None, Some(why.as_str())),
            };
            Ok(Reading {
                source: spec.preset.as_str(),
                session,
                unreadable,
            })
        }
    }
}

async fn read_callback(read: &Function) -> Result<Option<LegacySession>, CallbackFailed> {
    #[derive(serde::Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Returned {
        access_token: Option<String>,
        refresh_token: Option<String>,
        id_token: Option<String>,
    }
    let returned = call(read, &JsValue::UNDEFINED)
        .await
        .map_err(|_| CallbackFailed)?;
    if returned.is_null() || returned.is_undefined() {
        return Ok(None);
    }
    let tokens: Returned = serde_wasm_bindgen::from_value(returned).map_err(|_| CallbackFailed)?;
    Ok(session_from_callback(
        tokens.access_token,
        tokens.refresh_token,
        tokens.id_token,
    ))
}

/// Writes replacement tokens back where they were read: the endpoint spent a rotating legacy
/// refresh token and failed, and without its successor the user would lose the legacy session.
/// Returns the kinds written.
pub async fn restore(
    spec: &SourceSpec,
    stores: &Stores,
    write_hook: Option<&Function>,
    replacement: &wire::LegacySession,
) -> Result<Vec<&'static str>, ()> {
    let kinds: Vec<&'static str> = [
        (TokenKind::AccessToken, &replacement.access_token),
        (TokenKind::RefreshToken, &replacement.refresh_token),
        (TokenKind::IdToken, &replacement.id_token),
    ]
    .into_iter()
    .filter(|(_, token)| token.is_some())
    .map(|(kind, _)| kind.as_str())
    .collect();
    match spec {
        SourceSpec::Storage {
            area,
            key,
            pointers,
        } => {
            let store = stores.open(*area).map_err(drop)?;
            let current = store.get(key).await.map_err(drop)?.ok_or(())?;
            let rewritten = rewrite_storage_entry(&current, pointers, replacement).ok_or(())?;
            store.set(key, &rewritten).await.map_err(drop)?;
        }
        SourceSpec::Callback { .. } => {
            let write = write_hook.ok_or(())?;
            let tokens = js_sys::Object::new();
            for (name, token) in [
                ("accessToken", &replacement.access_token),
                ("refreshToken", &replacement.refresh_token),
                ("idToken", &replacement.id_token),
            ] {
                if let Some(token) = token {
                    js_sys::Reflect::set(&tokens, &name.into(), &token.into()).map_err(drop)?;
                }
            }
            call(write, &tokens).await.map_err(drop)?;
        }
        // In the SDK's own format, where the old token's text is.
        SourceSpec::Preset(spec) => {
            return crate::web::presets::restore(spec, stores, replacement).await;
        }
    }
    Ok(kinds)
}

/// Removes the entries the session was read from, or calls `legacy.clear()`. Returns how many
/// were removed and whether anything failed.
pub async fn remove(
    session: &LegacySession,
    stores: &Stores,
    clear_hook: Option<&Function>,
) -> (usize, bool) {
    let mut removed = 0;
    let mut failed = false;
    for entry in &session.entries {
        // IndexedDB records, key indexes rewritten rather than removed, cookies on every domain.
        let gone = crate::web::presets::remove(entry, &session.entries, stores).await;
        match gone {
            Ok(()) => removed += 1,
            Err(_) => failed = true,
        }
    }
    if let Some(clear) = clear_hook {
        match call(clear, &JsValue::UNDEFINED).await {
            Ok(_) => removed += 1,
            Err(_) => failed = true,
        }
    }
    (removed, failed)
}

/// Calls an app callback with one argument and awaits its result when it returns a promise.
async fn call(function: &Function, argument: &JsValue) -> Result<JsValue, JsValue> {
    let returned = function.call1(&JsValue::NULL, argument)?;
    wasm_bindgen_futures::JsFuture::from(js_sys::Promise::resolve(&returned)).await
}
