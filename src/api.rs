//! The wasm-bindgen surface: options in, outcome out. Nothing else is exported.

use alloc::boxed::Box;
use core::pin::Pin;
use core::task::Poll;

use js_sys::{Function, Promise};
use wasm_bindgen::prelude::*;

use crate::core::options::{Options, OptionsError};
use crate::engine;
use crate::prelude::*;
use crate::web::device::{Hooks, WebDevice};
use crate::web::pending;
use crate::web::report::to_js;
use crate::web::storage::{Adapter, Stores};

/// Runs one migration. `options` is the wrapper's normalised form, as JSON text; `hooks` holds the app's
/// callbacks (`read`, `clear`, `write`, `onEvent`) and
/// storage adapters (`authgearStore`, `legacyStore`). Resolves to the outcome object.
#[wasm_bindgen]
pub fn migrate(options: String, hooks: JsValue) -> Promise {
    promise(async move {
        let options = parse_options(&options)?;
        let hooks = Hooks {
            read: function(&hooks, "read"),
            clear: function(&hooks, "clear"),
            write: function(&hooks, "write"),
            on_event: function(&hooks, "onEvent"),
            stores: Stores {
                authgear: adapter(&hooks, "authgearStore"),
                legacy: adapter(&hooks, "legacyStore"),
            },
        };
        let outcome = engine::migrate(&options, &WebDevice::new(hooks)).await;
        to_js(&outcome.to_json())
            .map_err(|_| engine_error("ERR_ENGINE_INTERNAL", "the outcome did not serialise"))
    })
}

/// `inspectLegacySession`: reads the legacy session as `migrate` would and reports what it
/// found (kinds, expiries, entries, the credential it would send), never a token. No lock, no
/// request, no write. `hooks` as for `migrate` (`read`, `legacyStore`).
#[wasm_bindgen]
pub fn inspect(options: String, hooks: JsValue) -> Promise {
    promise(async move {
        let options = parse_options(&options)?;
        let device = WebDevice::new(Hooks {
            read: function(&hooks, "read"),
            stores: Stores {
                authgear: adapter(&hooks, "authgearStore"),
                legacy: adapter(&hooks, "legacyStore"),
            },
            ..Hooks::default()
        });
        let answer = crate::inspect::inspect(&options, &device).await;
        to_js(&answer.to_json())
            .map_err(|_| engine_error("ERR_ENGINE_INTERNAL", "the inspection did not serialise"))
    })
}

/// `task` as the promise the wrapper awaits. Both exports hand over one boxed future type, so
/// the executor's glue is compiled once, not once per export.
fn promise(task: impl Future<Output = Result<JsValue, JsValue>> + 'static) -> Promise {
    settle(Box::pin(task))
}

/// Registered with `web::pending` while it runs: a panic rejects it rather than leave it pending,
/// and it is not polled again once a panic has happened, in this call or another.
fn settle(mut task: Pin<Box<dyn Future<Output = Result<JsValue, JsValue>>>>) -> Promise {
    if pending::abandoned() {
        return Promise::reject(&pending::error());
    }
    let mut settlers = None;
    let promise = Promise::new(&mut |resolve, reject| settlers = Some((resolve, reject)));
    // The executor runs at once (the spec says so): the settlers are there.
    let Some((resolve, reject)) = settlers else {
        return Promise::reject(&pending::error());
    };
    let ticket = pending::register(&reject);
    wasm_bindgen_futures::spawn_local(async move {
        // Today wasm-bindgen-futures' executor does not run again after a trap in it (seen in
        // tests/e2e/faults.test.js); this holds the calls still in flight should that change.
        let guarded = core::future::poll_fn(|context| {
            if pending::abandoned() {
                Poll::Pending
            } else {
                task.as_mut().poll(context)
            }
        });
        let _ = match guarded.await {
            Ok(value) => resolve.call1(&JsValue::NULL, &value),
            Err(error) => reject.call1(&JsValue::NULL, &error),
        };
        drop(ticket);
    });
    promise
}

/// The wrapper's normalised options, as `JSON.stringify` wrote them: one text in, read by the
/// same reader as every other JSON the engine sees.
fn parse_options(options: &str) -> Result<Options, JsValue> {
    Options::parse(options).map_err(|OptionsError { field, what }| {
        let mut message = String::from("the engine does not understand the options it was given (");
        message.push_str(&field);
        message.push(' ');
        message.push_str(what);
        message.push_str("); the package's JS and Wasm files are from different versions");
        engine_error("ERR_ENGINE_OPTIONS", &message)
    })
}

fn function(hooks: &JsValue, name: &str) -> Option<Function> {
    js_sys::Reflect::get(hooks, &JsValue::from_str(name))
        .ok()
        .and_then(|value| value.dyn_into().ok())
}

fn adapter(hooks: &JsValue, name: &str) -> Option<Adapter> {
    js_sys::Reflect::get(hooks, &JsValue::from_str(name))
        .ok()
        .filter(JsValue::is_object)
        .map(Adapter::new)
}

/// `message` as the engine's error with `code`.
fn engine_error(code: &str, message: &str) -> JsValue {
    let mut text = String::from("authgear-migrate: ");
    text.push_str(message);
    pending::coded_error(code, &text)
}
