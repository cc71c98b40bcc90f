//! Hands events to the app's `onEvent`, stamped with the time since the call began.

use wasm_bindgen::JsValue;

use crate::core::event::Event;
use crate::core::json::Json;

pub struct Reporter {
    hook: Option<js_sys::Function>,
    started: f64,
}

impl Reporter {
    pub fn new(hook: Option<js_sys::Function>) -> Self {
        Self {
            hook,
            started: now(),
        }
    }

    pub fn emit(&self, event: &Event) {
        let Some(hook) = &self.hook else { return };
        // Whole milliseconds, rounded half up (core has no `f64::round`): the one float here
        // becomes an integer, never float text.
        let elapsed = ((now() - self.started).max(0.0) + 0.5) as i64;
        let Ok(value) = to_js(&event.to_json().with("elapsedMs", elapsed)) else {
            return;
        };
        // An app's listener that throws must not change the migration.
        let _ = hook.call1(&JsValue::NULL, &value);
    }
}

/// `value` as a JS value: its JSON text, parsed by the browser's `JSON.parse`, so that the Wasm
/// carries one writer (`core::json`) for every value out.
pub fn to_js(value: &Json) -> Result<JsValue, JsValue> {
    js_sys::JSON::parse(&value.to_text())
}

/// Milliseconds on the monotonic clock.
pub fn now() -> f64 {
    web_sys::window()
        .and_then(|window| window.performance())
        .map_or_else(js_sys::Date::now, |performance| performance.now())
}
