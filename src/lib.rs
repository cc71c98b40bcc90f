//! authgear-migrate: move a signed-in user from a legacy auth SDK to an Authgear session,
//! without logging anyone out.
//!
//! ```text
//! core/     pure: every decision (credential choice, token inspection, presets, answer
//!           classification and validation, retry policy, the state record, codes, key names)
//! engine/   the flow, in its loss-free order, written once over the small traits of
//!           engine::device; compiled on every target and crash-tested natively
//! web/      (wasm32) the browser as that device: thin web-sys wrappers, one noun per file
//! api       (wasm32) the wasm-bindgen surface the npm package calls: options in, outcome out
//! wire      the contract with the migration endpoint, shared with `server/`
//! facts     (native) the facts the JS fast path needs, rendered into pkg/src/facts.js
//! ```
//!
//! The product's API is the npm package (`pkg/`); this crate's public surface is what the
//! reference endpoint, the devstack, the fuzz targets and the tests need.

pub mod core;
pub mod engine;
pub mod wire;

// Used by the wasm-bindgen surface and its tests only.
#[doc(hidden)]
pub mod inspect;

#[cfg(not(target_arch = "wasm32"))]
#[doc(hidden)]
pub mod facts;

// Public for the browser tests in `tests/`; the product's API is the npm package.
#[cfg(target_arch = "wasm32")]
#[doc(hidden)]
pub mod api;
#[cfg(target_arch = "wasm32")]
#[doc(hidden)]
pub mod web;
