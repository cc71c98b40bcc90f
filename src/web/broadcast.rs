//! Telling the app's other tabs that the session moved, when the state record cannot.
//!
//! The `done` state record written to `localStorage` fires a `storage` event in the other tabs.
//! Only a migration that could not write it (cleanup unfinished, storage refused) posts a
//! `BroadcastChannel` message, where the browser has them. The wrapper's `onMigrated()` listens
//! to both.

use wasm_bindgen::JsValue;

/// Posts `message` on the channel `name`, if the browser has `BroadcastChannel` (older
/// webviews do not).
pub fn announce(name: &str, message: &str) {
    let has_channel =
        js_sys::Reflect::has(&js_sys::global(), &JsValue::from_str("BroadcastChannel"))
            .unwrap_or(false);
    if !has_channel {
        return;
    }
    if let Ok(channel) = web_sys::BroadcastChannel::new(name) {
        let _ = channel.post_message(&JsValue::from_str(message));
        channel.close();
    }
}
