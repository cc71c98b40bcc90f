//! The wrapper's fast path: where it may look, without the engine, for a source's session.
//! Apart from the dispatch because it serves the JS side (its facts are rendered into
//! `pkg/src/facts.js`) and only turns the first round of [`wants`](super::wants) into [`Probe`]s.

use super::{Want, cookie_mode, firebase, indicator, wants};
use crate::core::options::SourceSpec;
use crate::core::source::Area;
use crate::core::state::Probe;
use crate::prelude::*;

/// Where the wrapper's fast path may look, without the engine, to answer "no legacy session"
/// again: the entries the source reads first. `None` when the engine alone can tell (a
/// callback, an adapter, a cookie-mode source without a readable indicator).
pub fn probe(source: &SourceSpec) -> Option<Vec<Probe>> {
    let wants = match source {
        SourceSpec::Storage { area, key, .. } => vec![Want::Key(*area, key.clone())],
        SourceSpec::Callback { .. } => return None,
        // Cookie mode without an indicator may find its session where page JS cannot look.
        SourceSpec::Preset(spec) if cookie_mode(spec) && indicator(spec).is_none() => return None,
        SourceSpec::Preset(spec) => wants(spec, &[]),
    };
    if wants.is_empty() || wants.iter().any(|want| want.area() == Area::Adapter) {
        return None;
    }
    let probe = |area, key, prefix, contains| Probe {
        area,
        key,
        prefix,
        contains,
    };
    let probes = wants.into_iter().map(|want| match want {
        // Listing a store's keys needs a transaction; the fast path lists databases, so
        // IndexedDB is probed by the database the records live in.
        Want::Key(Area::IndexedDb, _)
        | Want::Prefix(Area::IndexedDb, _)
        | Want::Containing(Area::IndexedDb, _) => probe(
            Area::IndexedDb,
            Some(firebase::DATABASE.to_owned()),
            None,
            None,
        ),
        Want::Key(area, key) => probe(area, Some(key), None, None),
        Want::Prefix(area, prefix) => probe(area, None, Some(prefix), None),
        Want::Containing(area, text) => probe(area, None, None, Some(text)),
    });
    Some(probes.collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probes_name_where_a_source_reads() {
        let probe = |json: &str| {
            probe(&SourceSpec::from_json(&crate::core::json::Json::parse(json).unwrap()).unwrap())
        };
        let storage = probe(r#"{"storage":{"area":"cookie","key":"s","pointers":{}}}"#).unwrap();
        assert_eq!(
            storage,
            [Probe {
                area: Area::Cookie,
                key: Some("s".into()),
                prefix: None,
                contains: None
            }]
        );
        let supabase =
            probe(r#"{"preset":{"preset":"supabase","storageKey":"sb-a-auth-token"}}"#).unwrap();
        assert!(
            supabase
                .iter()
                .any(|p| p.key.as_deref() == Some("sb-a-auth-token"))
        );
        assert!(supabase.iter().any(|p| p.area == Area::Cookie));
        let firebase = probe(r#"{"preset":{"preset":"firebase","apiKey":"k"}}"#).unwrap();
        assert!(firebase.contains(&Probe {
            area: Area::IndexedDb,
            key: Some("firebaseLocalStorageDb".into()),
            prefix: None,
            contains: None
        }));
        let auth0 = probe(r#"{"preset":{"preset":"auth0-spa","clientId":"c"}}"#).unwrap();
        assert!(
            auth0
                .iter()
                .any(|p| p.prefix.as_deref() == Some("@@auth0spajs@@::c::"))
        );
        // Only the engine can tell for a callback, an adapter, or a cookie without indicator.
        assert_eq!(probe(r#"{"callback":{"hasClear":false}}"#), None);
        assert_eq!(
            probe(r#"{"storage":{"area":"adapter","key":"k","pointers":{}}}"#),
            None
        );
        assert_eq!(probe(r#"{"preset":{"preset":"authjs","cookie":{}}}"#), None);
        assert_eq!(probe(r#"{"preset":{"preset":"kinde","cookie":{}}}"#), None);
        let msal = probe(r#"{"preset":{"preset":"msal","clientId":"C1"}}"#).unwrap();
        assert!(msal.iter().any(|p| p.contains.as_deref() == Some("-c1-")));
        assert!(
            probe(r#"{"preset":{"preset":"kinde","cookie":{"indicator":"signed_in"}}}"#).is_some()
        );
    }
}
