//! What a panic must settle. A panic is a trap (`src/lib.rs`): it abandons every future of the
//! instance, and with them the promises they would settle (the app's `await migrateSession()`
//! would never return) and the Web Locks they would release (the app's other tabs would wait
//! for the lock until this one closed). Each registers here the function that settles it; the
//! panic handler calls them all with the engine's error, and every later call is refused.

use core::cell::{Cell, RefCell};

use js_sys::Function;
use wasm_bindgen::JsValue;

use crate::prelude::*;

struct Pending {
    next: Cell<u32>,
    settlers: RefCell<Vec<(u32, Function)>>,
    abandoned: Cell<bool>,
}

// SAFETY: a wasm32 module without the atomics feature (refused in `src/lib.rs`) has one thread,
// so the cells are never reached from two at once.
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
    if let Ok(mut settlers) = PENDING.settlers.try_borrow_mut() {
        settlers.push((id, settle.clone()));
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

/// Whether a panic has happened: the instance's state is whatever it left.
pub fn abandoned() -> bool {
    PENDING.abandoned.get()
}

/// For the panic handler: calls every registered settler with [`error`]. Allocates nothing (the
/// panic may be an allocation failure); a panic in here traps at once. (The `std` build, for the
/// browser tests, panics through std's handler.)
#[cfg(not(feature = "std"))]
pub fn abandon() {
    PENDING.abandoned.set(true);
    let Ok(mut settlers) = PENDING.settlers.try_borrow_mut() else {
        return;
    };
    for (_, settle) in settlers.drain(..) {
        let _ = settle.call1(&JsValue::NULL, &error());
    }
}

/// The error of a call the engine abandoned, with the code the wrapper's `MigrateError` takes.
pub fn error() -> JsValue {
    let error = js_sys::Error::new(
        "authgear-migrate: the engine stopped on an internal error (a panic in its Wasm, a bug: please \
         report it); no session was lost, and a later page load resumes the migration where it stopped",
    );
    let _ = js_sys::Reflect::set(&error, &"code".into(), &"ERR_ENGINE_INTERNAL".into());
    error.into()
}
