//! What a panic must settle. A panic is a trap (`src/lib.rs`): it abandons the future it was in,
//! and with it the promise that future would settle (the app's `await migrateSession()` would
//! never return) and the Web Lock it would release (the app's other tabs would wait for the lock
//! until this one closed). Each call and each lock registers here the function that settles it;
//! the panic handler calls them all with the engine's error. From then on every call is refused,
//! and the calls still in flight are never polled again: the instance's state is whatever the
//! panic left, and their locks are released.

use core::alloc::Layout;
use core::cell::{Cell, RefCell};

use js_sys::Function;
use wasm_bindgen::JsValue;

use crate::prelude::*;

struct Pending {
    next: Cell<u32>,
    settlers: RefCell<Vec<(u32, Function)>>,
    abandoned: Cell<bool>,
}

// SAFETY: a wasm32 module without the atomics feature has one thread, so the cells are never
// reached from two at once. With the feature the static is not `Sync`, and does not compile.
#[cfg(not(target_feature = "atomics"))]
#[allow(unsafe_code)]
unsafe impl Sync for Pending {}

static PENDING: Pending = Pending {
    next: Cell::new(0),
    settlers: RefCell::new(Vec::new()),
    abandoned: Cell::new(false),
};

/// `settle`, registered until the ticket is dropped.
pub struct Ticket(u32);

pub fn register(settle: &Function) -> Ticket {
    let id = PENDING.next.get();
    PENDING.next.set(id.wrapping_add(1));
    let settle = settle.clone();
    if let Ok(mut settlers) = PENDING.settlers.try_borrow_mut() {
        // Room first: running out of memory while the list is borrowed would leave the panic
        // handler unable to settle anything.
        if settlers.try_reserve(1).is_err() {
            drop(settlers);
            alloc::alloc::handle_alloc_error(Layout::new::<(u32, Function)>());
        }
        settlers.push((id, settle));
    }
    Ticket(id)
}

impl Drop for Ticket {
    fn drop(&mut self) {
        if let Ok(mut settlers) = PENDING.settlers.try_borrow_mut() {
            settlers.retain(|(id, _)| *id != self.0);
        }
    }
}

/// Whether a panic has happened.
pub fn abandoned() -> bool {
    PENDING.abandoned.get()
}

/// For the panic handler: calls every registered settler with [`error`]. Nothing here allocates
/// on the Rust heap but wasm-bindgen's table of JS values, should it have to grow (a failure there
/// traps without a panic); a panic in here traps at once. (The `std` build, for the browser
/// tests, panics through std's handler.)
#[cfg(not(feature = "std"))]
pub fn abandon() {
    PENDING.abandoned.set(true);
    let Ok(mut settlers) = PENDING.settlers.try_borrow_mut() else {
        return;
    };
    let error = error();
    for (_, settle) in settlers.drain(..) {
        let _ = settle.call1(&JsValue::NULL, &error);
    }
}

/// The error of a call the engine abandoned.
pub fn error() -> JsValue {
    coded_error(
        "ERR_ENGINE_INTERNAL",
        "authgear-migrate: the engine stopped on an internal error (a panic in its Wasm, a bug: please \
         report it); no session was lost, and a later page load resumes the migration where it stopped",
    )
}

/// A JS `Error` with a stable `code`, as the wrapper's `MigrateError` carries.
pub fn coded_error(code: &str, text: &str) -> JsValue {
    let error = js_sys::Error::new(text);
    let _ = js_sys::Reflect::set(&error, &"code".into(), &code.into());
    error.into()
}
