//! The legacy session on the device: read it, put rotated tokens back, remove it. The decisions
//! are the core's (`core::source`, `core::presets`); this walks them over the device's media.

use crate::core::cookie;
use crate::core::options::SourceSpec;
use crate::core::presets::{self, PresetSpec, Want, firebase};
use crate::core::source::{
    Area, Entry, LegacySession, Read, TokenKind, Unreadable, parse_storage_entry,
    rewrite_storage_entry, session_from_callback,
};
use crate::engine::device::{Clock, LegacyMedia, Storage, Store, StoreError};
use crate::prelude::*;
use crate::wire;

/// What reading found.
pub struct Reading {
    pub source: &'static str,
    pub session: Option<LegacySession>,
    /// Why a value that was there did not yield a session.
    pub unreadable: Option<&'static str>,
}

/// Why nothing can be said of the legacy session: the medium the app named did not answer, so
/// a session may be there.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReadFailed {
    /// The app's `legacy.read()` failed.
    Callback,
    /// The storage named by `legacy.storage` (this source) could not be read.
    Store(&'static str),
}

impl ReadFailed {
    /// The source, as [`Reading::source`] names it.
    pub fn source(self) -> &'static str {
        match self {
            Self::Callback => "callback",
            Self::Store(source) => source,
        }
    }
}

/// Why replacement tokens could not be put back.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RestoreError {
    /// A store refused the read or the write.
    Store(StoreError),
    /// The session is no longer where it was read.
    Gone,
    /// Nothing in the stored value holds the old token's text, so the successor has nowhere
    /// to go (encrypted, chunked, or no pointer for that kind).
    NoPlace,
    /// The app's `legacy.write()` failed.
    Callback,
}

impl From<StoreError> for RestoreError {
    fn from(error: StoreError) -> Self {
        Self::Store(error)
    }
}

/// Rounds of reading: pointers (an index, an active-user key) need at most a second one.
const ROUNDS: usize = 3;

/// Reads the legacy session. Never fails on foreign or corrupt data: that is "no session". A
/// preset's media that cannot be read hold nothing (it looks in several, some of which a
/// browser may lock away); the one medium the app named, or its callback, failing is an error.
pub async fn read<D: Storage + LegacyMedia + Clock>(
    spec: &SourceSpec,
    device: &D,
) -> Result<Reading, ReadFailed> {
    let (source, parsed) = match spec {
        SourceSpec::Storage {
            area,
            key,
            pointers,
        } => {
            let failed = |_| ReadFailed::Store(area.as_str());
            let value = device
                .open(*area)
                .map_err(failed)?
                .get(key)
                .await
                .map_err(failed)?;
            let entry = value.map(|value| Entry {
                area: *area,
                key: key.clone(),
                value,
            });
            (area.as_str(), parse_storage_entry(entry.as_ref(), pointers))
        }
        SourceSpec::Callback { .. } => {
            let read = device.callback_read().await;
            let session = read.map_err(|_| ReadFailed::Callback)?.and_then(|tokens| {
                session_from_callback(tokens.access_token, tokens.refresh_token, tokens.id_token)
            });
            ("callback", Ok(session))
        }
        SourceSpec::Preset(spec) => {
            let (entries, _) = read_entries(spec, device).await;
            (
                spec.preset.as_str(),
                presets::parse(spec, &entries, device.now_s()),
            )
        }
    };
    let (session, unreadable) = match parsed {
        Ok(session) => (session, None),
        Err(why) => (None, Some(Unreadable::as_str(why))),
    };
    Ok(Reading {
        source,
        session,
        unreadable,
    })
}

/// Writes replacement tokens back where they were read: the endpoint spent a rotating legacy
/// refresh token and failed, and without its successor the user would lose the legacy session.
/// Returns the kinds written.
pub async fn restore<D: Storage + LegacyMedia + Clock>(
    spec: &SourceSpec,
    device: &D,
    replacement: &wire::LegacyTokens,
) -> Result<Vec<&'static str>, RestoreError> {
    match spec {
        SourceSpec::Storage {
            area,
            key,
            pointers,
        } => {
            let store = device.open(*area)?;
            let current = store.get(key).await?.ok_or(RestoreError::Gone)?;
            let rewritten = rewrite_storage_entry(&current, pointers, replacement)
                .ok_or(RestoreError::NoPlace)?;
            store.set(key, &rewritten).await?;
        }
        SourceSpec::Callback { .. } => {
            device
                .callback_write(replacement)
                .await
                .map_err(|_| RestoreError::Callback)?;
        }
        // In the SDK's own format, where the old token's text is.
        SourceSpec::Preset(spec) => return restore_preset(spec, device, replacement).await,
    }
    let mut kinds = Vec::new();
    for kind in TokenKind::ALL {
        if replacement_token(replacement, kind).is_some() {
            kinds.push(kind.as_str());
        }
    }
    Ok(kinds)
}

fn replacement_token(replacement: &wire::LegacyTokens, kind: TokenKind) -> Option<&str> {
    match kind {
        TokenKind::AccessToken => replacement.access_token.as_deref(),
        TokenKind::RefreshToken => replacement.refresh_token.as_deref(),
        TokenKind::IdToken => replacement.id_token.as_deref(),
    }
}

/// Puts replacement tokens back where the SDK keeps them (see [`presets::rewrite`]); fails when
/// a replacement refresh token could not be written, since without it the legacy session is lost.
async fn restore_preset<D: Storage + LegacyMedia + Clock>(
    spec: &PresetSpec,
    device: &D,
    replacement: &wire::LegacyTokens,
) -> Result<Vec<&'static str>, RestoreError> {
    let (entries, decrypted) = read_entries(spec, device).await;
    let session = presets::parse(spec, &entries, device.now_s())
        .ok()
        .flatten()
        .ok_or(RestoreError::Gone)?;
    let (writes, kinds) = presets::rewrite(&entries, &decrypted, &session, replacement);
    if replacement.refresh_token.is_some() && !kinds.contains(&TokenKind::RefreshToken) {
        return Err(RestoreError::NoPlace);
    }
    // A cookie keeps the lifetime and scope the SDK gave it.
    let attributes = cookie::Attributes::of(spec.preset);
    for (index, value) in writes {
        let entry = &entries[index];
        device
            .open(entry.area)?
            .set_with(&entry.key, &value, attributes)
            .await?;
    }
    let mut written = Vec::with_capacity(kinds.len());
    for kind in kinds {
        written.push(kind.as_str());
    }
    Ok(written)
}

/// Every entry the preset wants, in as many rounds as its pointers need, decrypted; and the
/// indexes of those that were decrypted.
async fn read_entries<D: Storage + LegacyMedia>(
    spec: &PresetSpec,
    device: &D,
) -> (Vec<Entry>, Vec<usize>) {
    let mut entries: Vec<Entry> = Vec::new();
    let mut asked: Vec<Want> = Vec::new();
    let mut listed: Vec<(Area, Vec<String>)> = Vec::new();
    for _ in 0..ROUNDS {
        let mut wants = Vec::new();
        for want in presets::wants(spec, &entries) {
            if !asked.contains(&want) {
                wants.push(want);
            }
        }
        if wants.is_empty() {
            break;
        }
        for want in &wants {
            read_want(want, device, &mut listed, &mut entries).await;
        }
        asked.append(&mut wants);
    }
    let mut decrypted = Vec::new();
    if let Some(sealed) = presets::sealed(spec, &entries) {
        let plain = device.unseal(&sealed).await;
        for (item, plain) in sealed.items.iter().zip(plain) {
            if let Some(plain) = plain {
                entries[item.index].value = plain;
                decrypted.push(item.index);
            }
        }
    }
    (entries, decrypted)
}

/// Reads what one want names into `entries`; a medium that cannot be read holds nothing.
async fn read_want<D: Storage + LegacyMedia>(
    want: &Want,
    device: &D,
    listed: &mut Vec<(Area, Vec<String>)>,
    entries: &mut Vec<Entry>,
) {
    let area = want.area();
    if area == Area::IndexedDb {
        let (Want::Prefix(_, prefix) | Want::Key(_, prefix) | Want::Containing(_, prefix)) = want;
        let records = device
            .records(
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
    let Ok(store) = device.open(area) else { return };
    let keys: Vec<String> = match want {
        Want::Key(_, key) => vec![key.clone()],
        Want::Prefix(..) | Want::Containing(..) => {
            if !listed.iter().any(|(listed_area, _)| *listed_area == area) {
                let keys = store.keys().await.unwrap_or_default();
                listed.push((area, keys));
            }
            let mut keys = Vec::new();
            for (listed_area, listed_keys) in listed.iter() {
                if *listed_area == area {
                    for key in listed_keys {
                        if want.matches(key) {
                            keys.push(key.clone());
                        }
                    }
                }
            }
            keys
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

/// Removes the entries the session was read from, and calls `legacy.clear()` when given.
/// Returns how many were removed and whether anything failed.
pub async fn remove<D: Storage + LegacyMedia>(
    session: &LegacySession,
    device: &D,
) -> (usize, bool) {
    let mut removed = 0;
    let mut failed = false;
    for entry in &session.entries {
        match remove_entry(entry, &session.entries, device).await {
            Ok(()) => removed += 1,
            Err(_) => failed = true,
        }
    }
    match device.callback_clear().await {
        Some(Ok(())) => removed += 1,
        Some(Err(_)) => failed = true,
        None => {}
    }
    (removed, failed)
}

/// Removes one entry of a session the way the SDK's sign-out would: IndexedDB records deleted,
/// key indexes rewritten rather than removed, cookies expired wherever they may have been set.
/// `all` are the session's entries, which an index must no longer list.
async fn remove_entry<D: Storage + LegacyMedia>(
    entry: &Read,
    all: &[Read],
    device: &D,
) -> Result<(), StoreError> {
    match entry.area {
        Area::IndexedDb => {
            return device
                .delete_record(firebase::DATABASE, firebase::STORE, &entry.key)
                .await;
        }
        Area::Cookie => {
            // SDKs that set domain cookies (Clerk, Stytch, Descope) expire them on every parent
            // domain on sign-out; the host-only cookie is expired by the store below.
            if let Some(host) = device.host() {
                for domain in cookie::domains(&host) {
                    device.expire_cookie(&entry.key, domain);
                }
            }
        }
        _ => {}
    }
    let store = device.open(entry.area)?;
    if presets::is_index(entry) {
        let current = store.get(&entry.key).await?;
        if let Some(pruned) = current.and_then(|value| presets::prune(entry, &value, all)) {
            return store.set(&entry.key, &pruned).await;
        }
    }
    store.remove(&entry.key).await
}
