//! Cutting the records into import requests whose serialized body stays within Authgear's limit
//! (pkg/lib/userimport/model.go: `BodyMaxSize = 500 * 1000` bytes; a larger body is answered
//! 413 `RequestEntityTooLarge` / `JSONTooLarge`). Sizes are measured on the exact bytes sent.
//!
//! The cut is deterministic: the same records and options give the same batches, byte for byte,
//! so a resumed run can recognise the batches it already sent by their SHA-256.

use ring::digest::{SHA256, digest};
use serde::Serialize;

use crate::plan::{Plan, Planned, SkipReason, Skipped};
use crate::record::{Identifier, ImportRecord};

/// Authgear's limit on the body of `POST /_api/admin/users/import`.
pub const BODY_MAX_SIZE: usize = 500 * 1000;

/// One request: records `first .. first + count` of the plan.
#[derive(Clone, Debug)]
pub struct Batch {
    pub first: usize,
    pub count: usize,
    pub body: Vec<u8>,
    /// Hex SHA-256 of `body`.
    pub sha256: String,
}

/// The request's members other than the records, in the order Authgear's `Request` declares
/// them; `upsert` is written only when true (it is `omitempty` there).
#[derive(Serialize)]
struct Envelope<'a> {
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    upsert: bool,
    identifier: &'a str,
    records: [(); 0],
}

/// The body's bytes around the records: `{…,"records":[` and `]}`.
fn envelope(identifier: Identifier, upsert: bool) -> (Vec<u8>, Vec<u8>) {
    let empty = serde_json::to_vec(&Envelope {
        upsert,
        identifier: identifier.as_str(),
        records: [],
    })
    .expect("serializes");
    // `…"records":[]}`: split before the closing `]}`.
    let cut = empty.len() - 2;
    (empty[..cut].to_vec(), empty[cut..].to_vec())
}

/// Moves the records that fit no request on their own (a body with that record alone would be
/// over `max_bytes`) from the plan to its skipped users.
pub fn set_aside_oversize(plan: &mut Plan, identifier: Identifier, upsert: bool, max_bytes: usize) {
    let (head, tail) = envelope(identifier, upsert);
    let fixed = head.len() + tail.len();
    let records = std::mem::take(&mut plan.records);
    for planned in records {
        let bytes = serialize(&planned.record).len();
        if fixed + bytes > max_bytes {
            plan.skipped.push(Skipped {
                position: planned.position,
                legacy_id: planned.legacy_id,
                login_id: Some(planned.login_id),
                reason: SkipReason::TooLarge { bytes },
            });
        } else {
            plan.records.push(planned);
        }
    }
}

/// Packs records greedily, in order, into bodies of at most `max_bytes`. Every record must fit
/// alone (see [`set_aside_oversize`]); one that does not gets a request of its own.
pub fn split(
    records: &[Planned],
    identifier: Identifier,
    upsert: bool,
    max_bytes: usize,
) -> Vec<Batch> {
    let (head, tail) = envelope(identifier, upsert);
    let fixed = head.len() + tail.len();
    let mut batches = Vec::new();
    let mut current: Vec<(usize, Vec<u8>)> = Vec::new();
    let mut size = fixed;
    let finish = |current: &mut Vec<(usize, Vec<u8>)>, batches: &mut Vec<Batch>| {
        if current.is_empty() {
            return;
        }
        let mut body = head.clone();
        for (n, (_, json)) in current.iter().enumerate() {
            if n > 0 {
                body.push(b',');
            }
            body.extend_from_slice(json);
        }
        body.extend_from_slice(&tail);
        batches.push(Batch {
            first: current[0].0,
            count: current.len(),
            sha256: hex_sha256(&body),
            body,
        });
        current.clear();
    };
    for (index, planned) in records.iter().enumerate() {
        let json = serialize(&planned.record);
        let added = json.len() + usize::from(!current.is_empty());
        if !current.is_empty() && size + added > max_bytes {
            finish(&mut current, &mut batches);
            size = fixed;
        }
        size += json.len() + usize::from(!current.is_empty());
        current.push((index, json));
    }
    finish(&mut current, &mut batches);
    batches
}

pub fn serialize(record: &ImportRecord) -> Vec<u8> {
    serde_json::to_vec(record).expect("records serialize")
}

pub fn hex_sha256(bytes: &[u8]) -> String {
    digest(&SHA256, bytes)
        .as_ref()
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn planned(n: usize, filler: usize) -> Planned {
        Planned {
            position: n + 1,
            legacy_id: None,
            identifier: Identifier::Email,
            login_id: format!("user{n}@example.com"),
            record: ImportRecord {
                email: Some(format!("user{n}@example.com")),
                name: Some("x".repeat(filler)),
                ..ImportRecord::default()
            },
        }
    }

    #[test]
    fn bodies_stay_within_the_limit_and_keep_every_record_in_order() {
        let records: Vec<Planned> = (0..1_000).map(|n| planned(n, n % 300)).collect();
        let batches = split(&records, Identifier::Email, true, 20_000);
        assert!(batches.len() > 1);
        let mut next = 0;
        for batch in &batches {
            assert!(batch.body.len() <= 20_000, "{}", batch.body.len());
            assert_eq!(batch.first, next);
            next += batch.count;
            let body: serde_json::Value = serde_json::from_slice(&batch.body).unwrap();
            assert_eq!(body["upsert"], true);
            assert_eq!(body["identifier"], "email");
            assert_eq!(body["records"].as_array().unwrap().len(), batch.count);
        }
        assert_eq!(next, 1_000);
        // Deterministic.
        let again = split(&records, Identifier::Email, true, 20_000);
        let hashes =
            |batches: &[Batch]| batches.iter().map(|b| b.sha256.clone()).collect::<Vec<_>>();
        assert_eq!(hashes(&batches), hashes(&again));
    }

    #[test]
    fn a_body_can_be_exactly_the_limit_and_a_lone_giant_is_set_aside() {
        let records = vec![planned(0, 10), planned(1, 10)];
        let one = split(&records, Identifier::Email, false, usize::MAX);
        let exact = one[0].body.len();
        assert_eq!(split(&records, Identifier::Email, false, exact).len(), 1);
        let two = split(&records, Identifier::Email, false, exact - 1);
        assert_eq!(two.len(), 2);
        assert!(!String::from_utf8_lossy(&two[0].body).contains("upsert"));
        let mut plan = Plan {
            records: vec![planned(0, 100), planned(1, 1)],
            ..Plan::default()
        };
        set_aside_oversize(&mut plan, Identifier::Email, false, 120);
        assert_eq!(plan.records.len(), 1);
        assert_eq!(plan.skipped.len(), 1);
        assert!(matches!(
            plan.skipped[0].reason,
            SkipReason::TooLarge { .. }
        ));
    }
}
