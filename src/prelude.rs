//! What std's prelude gives and a `no_std` build (wasm32) must import: the alloc types.

pub use alloc::borrow::ToOwned;
pub use alloc::string::{String, ToString};
pub use alloc::vec;
pub use alloc::vec::Vec;
