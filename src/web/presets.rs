//! The presets' effects: read what a preset wants from every medium it names (resolving key
//! prefixes with `Store::keys()`), decrypt what it says is sealed, and remove a session's
//! entries the way the SDK's sign-out would (IndexedDB records deleted, key indexes rewritten,
//! cookies expired wherever they may have been set).

use crate::core::cookie;
use crate::core::presets::{self, PresetSpec, Want, firebase};
use crate::core::source::{Area, Entry, LegacySession, Read, TokenKind, Unreadable};
use crate::web::clock::now_s;
use crate::web::storage::Stores;
use crate::web::{indexeddb, webcrypto};

/// Rounds of reading: pointers (an index, an active-user key) need at most a second one.
const ROUNDS: usize = 3;

/// Reads the preset's session. Foreign or corrupt data is "no session", with a reason; a
/// medium that cannot be read (storage disabled) holds nothing.
pub async fn read(spec: &PresetSpec, stores: &Stores) -> Result<Option<LegacySession>, Unreadable> {
    let (entries, _) = read_entries(spec, stores).await;
    presets::parse(spec, &entries, now_s())
}

/// Puts replacement tokens back where the SDK keeps them (see [`presets::rewrite`]). Returns
/// the kinds written; fails when a replacement refresh token could not be written, since
/// without it the legacy session is lost.
pub async fn restore(
    spec: &PresetSpec,
    stores: &Stores,
    replacement: &crate::wire::LegacySession,
) -> Result<Vec<&'static str>, ()> {
    let (entries, decrypted) = read_entries(spec, stores).await;
    let session = presets::parse(spec, &entries, now_s())
        .ok()
        .flatten()
        .ok_or(())?;
    let (writes, kinds) = presets::rewrite(&entries, &decrypted, &session, replacement);
    if replacement.refresh_token.is_some() && !kinds.contains(&TokenKind::RefreshToken) {
        return Err(());
    }
    for (index, value) in writes {
        let entry = &entries[index];
        let store = stores.open(entry.area).map_err(drop)?;
        // A cookie keeps the lifetime and scope the SDK gave it.
        let attributes = cookie::Attributes::of(spec.preset);
        store
            .set_with(&entry.key, &value, attributes)
            .await
            .map_err(drop)?;
    }
    Ok(kinds.iter().map(|kind| kind.as_str()).collect())
}

/// Every entry the preset wants, in as many rounds as its pointers need, decrypted; and the
/// indexes of those that were decrypted.
async fn read_entries(spec: &PresetSpec, stores: &Stores) -> (Vec<Entry>, Vec<usize>) {
    let mut entries: Vec<Entry> = Vec::new();
    let mut asked: Vec<Want> = Vec::new();
    let mut listed: Vec<(Area, Vec<String>)> = Vec::new();
    for _ in 0..ROUNDS {
        let wants: Vec<Want> = presets::wants(spec, &entries)
            .into_iter()
            .filter(|want| !asked.contains(want))
            .collect();
        if wants.is_empty() {
            break;
        }
        for want in &wants {
            read_want(want, stores, &mut listed, &mut entries).await;
        }
        asked.extend(wants);
    }
    let mut decrypted = Vec::new();
    if let Some(sealed) = presets::sealed(spec, &entries) {
        let plain = webcrypto::unseal(&sealed).await;
        for (item, plain) in sealed.items.iter().zip(plain) {
            if let Some(plain) = plain {
                entries[item.index].value = plain;
                decrypted.push(item.index);
            }
        }
    }
    (entries, decrypted)
}

async fn read_want(
    want: &Want,
    stores: &Stores,
    listed: &mut Vec<(Area, Vec<String>)>,
    entries: &mut Vec<Entry>,
) {
    let area = want.area();
    if area == Area::IndexedDb {
        let (Want::Prefix(_, prefix) | Want::Key(_, prefix) | Want::Containing(_, prefix)) = want;
        let records = indexeddb::read(
            firebase::DATABASE,
            firebase::STORE,
            firebase::KEY_PATH,
            prefix,
        )
        .await
        .unwrap_or_default();
        for (key, value) in records {
            if want.matches(&key) {
                push(entries, Entry { area, key, value });
            }
        }
        return;
    }
    let Ok(store) = stores.open(area) else { return };
    let keys: Vec<String> = match want {
        Want::Key(_, key) => vec![key.clone()],
        Want::Prefix(..) | Want::Containing(..) => {
            if !listed.iter().any(|(listed_area, _)| *listed_area == area) {
                let keys = store.keys().await.unwrap_or_default();
                listed.push((area, keys));
            }
            listed
                .iter()
                .find(|(listed_area, _)| *listed_area == area)
                .map(|(_, keys)| {
                    keys.iter()
                        .filter(|key| want.matches(key))
                        .cloned()
                        .collect()
                })
                .unwrap_or_default()
        }
    };
    for key in keys {
        if entries
            .iter()
            .any(|entry| entry.area == area && entry.key == key)
        {
            continue;
        }
        if let Ok(Some(value)) = store.get(&key).await {
            push(entries, Entry { area, key, value });
        }
    }
}

fn push(entries: &mut Vec<Entry>, entry: Entry) {
    if !entries
        .iter()
        .any(|e| e.area == entry.area && e.key == entry.key)
    {
        entries.push(entry);
    }
}

/// Removes one entry of a session: `all` are the session's entries, which an index must no
/// longer list.
pub async fn remove(entry: &Read, all: &[Read], stores: &Stores) -> Result<(), ()> {
    match entry.area {
        Area::IndexedDb => {
            return indexeddb::delete(firebase::DATABASE, firebase::STORE, &entry.key)
                .await
                .map_err(drop);
        }
        Area::Cookie => expire_everywhere(&entry.key),
        _ => {}
    }
    let store = stores.open(entry.area).map_err(drop)?;
    if presets::is_index(entry) {
        let current = store.get(&entry.key).await.map_err(drop)?;
        if let Some(pruned) = current.and_then(|value| presets::prune(entry, &value, all)) {
            return store.set(&entry.key, &pruned).await.map_err(drop);
        }
    }
    store.remove(&entry.key).await.map_err(drop)
}

/// Expires a cookie for every domain it may have been set for (the page's host and each parent
/// domain), as SDKs that set domain cookies (Clerk, Stytch, Descope) do on sign-out; the
/// host-only cookie is expired by the store.
fn expire_everywhere(name: &str) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let Ok(host) = window.location().hostname() else {
        return;
    };
    let Some(document) = window.document().and_then(|document| {
        wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlDocument>(document).ok()
    }) else {
        return;
    };
    // An IP address has no parent domain.
    let is_ip = host.contains(':') || host.bytes().all(|b| b.is_ascii_digit() || b == b'.');
    let mut domain = host.as_str();
    loop {
        let _ = document.set_cookie(&format!("{}; Domain={domain}", cookie::expire(name, "/")));
        match domain.split_once('.') {
            Some((_, parent)) if !is_ip && parent.contains('.') => domain = parent,
            _ => break,
        }
    }
}
