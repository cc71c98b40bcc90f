//! The engine's one JSON reader, which every record, answer and claim set goes through: held to
//! serde_json's reading of the same bytes. The two may differ only where each is documented to:
//! this reader nests at most 64 deep (serde_json 128), and keeps numbers as text where serde_json
//! refuses one beyond `f64`.
#![no_main]

use authgear_migrate::core::json::Json;
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let ours = Json::parse(text);
    let theirs = serde_json::from_str::<Value>(text);
    match (&ours, &theirs) {
        (Ok(ours), Ok(theirs)) => {
            same(ours, theirs);
            // What it writes, it reads back as the same value.
            assert_eq!(Json::parse(&ours.to_text()).as_ref(), Ok(ours));
        }
        (Ok(_), Err(error)) => assert!(error.to_string().starts_with("number out of range"), "{error}"),
        (Err(error), Ok(_)) => assert_eq!(error.what, "nested too deep"),
        (Err(_), Err(_)) => {}
    }
});

fn same(ours: &Json, theirs: &Value) {
    match (ours, theirs) {
        (Json::Null, Value::Null) | (Json::Number(_), Value::Number(_)) => {}
        (Json::Bool(a), Value::Bool(b)) => assert_eq!(a, b),
        (Json::String(a), Value::String(b)) => assert_eq!(a, b),
        (Json::Array(a), Value::Array(b)) => {
            assert_eq!(a.len(), b.len());
            a.iter().zip(b).for_each(|(a, b)| same(a, b));
        }
        (Json::Object(members), Value::Object(map)) => {
            // A repeated key: both keep its last value.
            let mut distinct: Vec<&str> = members.iter().map(|(key, _)| key.as_str()).collect();
            distinct.sort_unstable();
            distinct.dedup();
            assert_eq!(distinct.len(), map.len());
            for (key, value) in map {
                same(ours.get(key).expect("the same keys"), value);
            }
        }
        _ => panic!("different kinds: {ours:?} and {theirs:?}"),
    }
}
