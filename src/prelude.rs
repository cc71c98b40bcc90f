//! What std's prelude gives and a `no_std` build (wasm32) must import: the alloc types.

pub use alloc::borrow::ToOwned;
pub use alloc::string::{String, ToString};
pub use alloc::vec;
pub use alloc::vec::Vec;

/// `parts` joined: what `[a, b].concat()` gives, without alloc's generic join (1.3 KB of the
/// module).
pub fn concat(parts: &[&str]) -> String {
    let mut text = String::with_capacity(parts.iter().map(|part| part.len()).sum());
    for part in parts {
        text.push_str(part);
    }
    text
}
