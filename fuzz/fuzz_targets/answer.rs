//! The endpoint's answer, as the engine classifies and validates it before saving anything.
//! Input: two bytes of HTTP status, the `Retry-After` value up to the first newline, the body.
#![no_main]

use authgear_migrate::core::answer::{Answer, classify};
use authgear_migrate::core::options::AuthgearTarget;
use authgear_migrate::core::token::{TokenFormat, inspect, same_issuer};
use authgear_migrate::core::validate::validate;
use libfuzzer_sys::fuzz_target;

const NOW_S: i64 = 1_800_000_000;

fuzz_target!(|data: &[u8]| {
    let [high, low, rest @ ..] = data else {
        return;
    };
    let Ok(rest) = std::str::from_utf8(rest) else {
        return;
    };
    let (retry_after, body) = rest.split_once('\n').unwrap_or(("", rest));
    let retry_after = (!retry_after.is_empty()).then_some(retry_after);
    let status = u16::from_be_bytes([*high, *low]);
    let Answer::Tokens(tokens) = classify(status, retry_after, body, NOW_S * 1000) else {
        return;
    };
    let access_token = tokens.access_token.clone();
    let target = AuthgearTarget {
        endpoint: "https://project.authgear.example".into(),
        client_id: "client1".into(),
        name: "default".into(),
        issuers: vec!["https://auth.example".into()],
    };
    // A foreign answer must never pass: an accepted JWT access token is the target's.
    if validate(tokens, &target, NOW_S, 60).is_ok() {
        let facts = inspect(&access_token);
        if facts.format == TokenFormat::Jwt {
            let iss = facts.issuer.as_deref().unwrap();
            assert!(
                same_issuer(iss, &target.endpoint)
                    || target.issuers.iter().any(|origin| same_issuer(iss, origin))
            );
            assert_eq!(facts.client_id.as_deref(), Some("client1"));
        }
    }
});
