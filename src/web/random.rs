//! Randomness: idempotency keys from the CSPRNG, jitter from `Math.random`.

use crate::prelude::*;

/// 128 random bits, hex. Falls back to `Math.random` only where `crypto` is missing.
pub fn key() -> String {
    let mut bytes = [0u8; 16];
    let filled = web_sys::window()
        .and_then(|window| window.crypto().ok())
        .is_some_and(|crypto| crypto.get_random_values_with_u8_array(&mut bytes).is_ok());
    if !filled {
        bytes
            .iter_mut()
            .for_each(|byte| *byte = (unit() * 256.0) as u8);
    }
    crate::core::state::hex(&bytes)
}

/// Uniform in [0, 1).
pub fn unit() -> f64 {
    js_sys::Math::random()
}
