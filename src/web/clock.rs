//! Time: the wall clock, and waiting.

use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use crate::engine::device::APP_CALL_TIMEOUT_MS;

#[wasm_bindgen]
extern "C" {
    // Global functions, so they work in windows and workers alike.
    #[wasm_bindgen(js_name = setTimeout)]
    fn set_timeout(callback: &js_sys::Function, ms: i32) -> JsValue;
    #[wasm_bindgen(js_name = clearTimeout)]
    fn clear_timeout(id: &JsValue);
}

/// Unix milliseconds.
pub fn now_ms() -> i64 {
    js_sys::Date::now() as i64
}

/// Unix seconds.
pub fn now_s() -> i64 {
    now_ms().div_euclid(1000)
}

/// Resolves after `ms` milliseconds.
pub async fn sleep(ms: u64) {
    let ms = i32::try_from(ms).unwrap_or(i32::MAX);
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        set_timeout(&resolve, ms);
    });
    // A timer promise never rejects.
    let _ = JsFuture::from(promise).await;
}

/// What a function of the app's returned, settled, or a `TimeoutError` once
/// `APP_CALL_TIMEOUT_MS` passed.
pub async fn settled(returned: &JsValue) -> Result<JsValue, JsValue> {
    let mut expire = None;
    let expired = js_sys::Promise::new(&mut |_, reject| expire = Some(reject));
    let _timer = expire.map(|reject| {
        Timer::once(APP_CALL_TIMEOUT_MS, move || {
            let error = js_sys::Error::new("did not settle in time");
            error.set_name("TimeoutError");
            let _ = reject.call1(&JsValue::NULL, &error);
        })
    });
    let race = js_sys::Array::of2(&js_sys::Promise::resolve(returned), &expired);
    JsFuture::from(js_sys::Promise::race(&race)).await
}

/// A callback scheduled once; cancelled when dropped.
pub struct Timer {
    id: JsValue,
    _callback: Closure<dyn FnMut()>,
}

impl Timer {
    pub fn once(ms: u64, callback: impl FnOnce() + 'static) -> Self {
        let mut callback = Some(callback);
        let callback = Closure::<dyn FnMut()>::new(move || {
            if let Some(callback) = callback.take() {
                callback();
            }
        });
        let id = set_timeout(
            callback.as_ref().unchecked_ref(),
            i32::try_from(ms).unwrap_or(i32::MAX),
        );
        Self {
            id,
            _callback: callback,
        }
    }
}

impl Drop for Timer {
    fn drop(&mut self) {
        clear_timeout(&self.id);
    }
}
