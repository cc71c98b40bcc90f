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
//!
//! On wasm32 the crate is `no_std`: std's panic machinery formats every panic's message, which
//! kept most of core's formatting in the module (what is left is reached from core's own
//! bounds-check panics). A panic there rejects the calls in flight with `ERR_ENGINE_INTERNAL`,
//! and every later call of the page, then traps; nothing is lost (the order of steps in
//! `../shared/design/ARCHITECTURE.md`), and the next page load resumes. The `std` feature (the
//! browser tests) links std instead.

#![cfg_attr(all(target_arch = "wasm32", not(feature = "std")), no_std)]

extern crate alloc;

mod prelude;

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

#[cfg(all(
    target_arch = "wasm32",
    target_feature = "atomics",
    not(feature = "std")
))]
compile_error!("the engine's allocator assumes one thread: build without the atomics feature");

#[cfg(all(
    target_arch = "wasm32",
    not(target_feature = "atomics"),
    not(feature = "std")
))]
#[global_allocator]
#[allow(unsafe_code)]
// SAFETY: without the atomics feature (refused above) a wasm32 module has one thread; each
// worker instantiates its own module, with its own memory.
static ALLOCATOR: lol_alloc::AssumeSingleThreaded<lol_alloc::FreeListAllocator> =
    unsafe { lol_alloc::AssumeSingleThreaded::new(lol_alloc::FreeListAllocator::new()) };

#[cfg(all(target_arch = "wasm32", not(feature = "std")))]
#[panic_handler]
fn panic(_: &::core::panic::PanicInfo<'_>) -> ! {
    // What the trap would leave pending is settled first: the calls, the Web Locks.
    web::pending::abandon();
    ::core::arch::wasm32::unreachable()
}
