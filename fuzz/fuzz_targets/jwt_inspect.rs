//! The engine reads claims from tokens it cannot verify: legacy tokens before sending them, and
//! the endpoint's answer before saving it. Any text must come out as facts, never a panic, and
//! as the facts jwt-compact reads (`core::token::oracle`).
#![no_main]

use authgear_migrate::core::token::{TokenFacts, TokenFormat, inspect, oracle};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(token) = std::str::from_utf8(data) else {
        return;
    };
    let facts = inspect(token);
    // An opaque token yields nothing that a later check could mistake for a claim.
    if facts.format == TokenFormat::Opaque {
        assert_eq!(facts, TokenFacts::default());
    }
    assert_eq!(facts, oracle::inspect(token), "read otherwise than jwt-compact reads it");
    // The expiry arithmetic saturates at every extreme.
    for now in [i64::MIN, 0, i64::MAX] {
        facts.is_expired(now, i64::MAX);
    }
});
