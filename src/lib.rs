//! authgear-migrate: move a signed-in user from a legacy auth SDK to an Authgear session,
//! without logging anyone out.
//!
//! [`core`] holds every decision and is tested natively; `web` (wasm32 only) performs the effects
//! in the browser; `engine` runs the steps in their loss-free order; `api` is the wasm-bindgen
//! surface the npm package calls. [`wire`] is the contract with the migration endpoint, shared
//! with the reference endpoint in `server/`.

pub mod core;
pub mod engine;
#[cfg(not(target_arch = "wasm32"))]
#[doc(hidden)]
pub mod facts;
#[doc(hidden)]
pub mod inspect;
pub mod wire;

// Public for the browser tests in `tests/`; the product's API is the npm package.
#[cfg(target_arch = "wasm32")]
#[doc(hidden)]
pub mod api;
#[cfg(target_arch = "wasm32")]
#[doc(hidden)]
pub mod web;
