//! The engine reads claims from tokens it cannot verify: legacy tokens before sending them, and
//! the endpoint's answer before saving it. Any text must come out as facts, never a panic, and
//! a token jwt-compact's parse refuses must come out opaque: the reading follows jwt-compact's.
#![no_main]

use authgear_migrate::core::token::{TokenFacts, TokenFormat, inspect};
use jwt_compact::UntrustedToken;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(token) = std::str::from_utf8(data) else {
        return;
    };
    let facts = inspect(token);
    // An opaque token yields nothing that a later check could mistake for a claim.
    if facts.format == TokenFormat::Opaque {
        assert_eq!(facts, TokenFacts::default());
    } else {
        assert!(UntrustedToken::new(token).is_ok(), "read as a JWT, refused by jwt-compact");
    }
    // The expiry arithmetic saturates at every extreme.
    for now in [i64::MIN, 0, i64::MAX] {
        facts.is_expired(now, i64::MAX);
    }
});
