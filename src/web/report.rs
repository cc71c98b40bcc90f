//! Hands events to the app's `onEvent`, stamped with the time since the call began.

use serde::Serialize;
use wasm_bindgen::JsValue;

use crate::core::event::Event;

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
        // One serialiser for every value out: JSON text, parsed by the browser.
        let Ok(value) = to_js(event) else {
            return;
        };
        let elapsed = (now() - self.started).max(0.0).round();
        let _ = js_sys::Reflect::set(&value, &"elapsedMs".into(), &JsValue::from_f64(elapsed));
        // An app's listener that throws must not change the migration.
        let _ = hook.call1(&JsValue::NULL, &value);
    }
}

/// `value` as a JS value: serde_json's text, parsed by the browser's `JSON.parse`, so that the
/// Wasm carries one serialiser (serde_json's) rather than serde-wasm-bindgen's as well.
pub fn to_js(value: &impl Serialize) -> Result<JsValue, JsValue> {
    let text =
        serde_json::to_string(value).map_err(|error| JsValue::from_str(&error.to_string()))?;
    js_sys::JSON::parse(&text)
}

/// Milliseconds on the monotonic clock.
pub fn now() -> f64 {
    web_sys::window()
        .and_then(|window| window.performance())
        .map_or_else(js_sys::Date::now, |performance| performance.now())
}
