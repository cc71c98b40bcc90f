//! Browser tests of the web edge, in headless Chromium (wasm-bindgen-test).
//! Run: `CHROMEDRIVER=/usr/bin/chromedriver cargo test --target wasm32-unknown-unknown --test web_edge`

#![cfg(target_arch = "wasm32")]

use authgear_migrate::core::options::Credentials;
use authgear_migrate::core::source::Area;
use authgear_migrate::engine::device::{SendError, Store as _};
use authgear_migrate::web::clock::{now_ms, sleep};
use authgear_migrate::web::http::post_form;
use authgear_migrate::web::lock;
use authgear_migrate::web::random;
use authgear_migrate::web::storage::{Adapter, Store, Stores};
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

async fn round_trip(store: &Store, key: &str, value: &str) {
    store.set(key, value).await.unwrap();
    assert_eq!(store.get(key).await.unwrap().as_deref(), Some(value));
    assert!(
        store
            .keys()
            .await
            .unwrap()
            .iter()
            .any(|listed| listed == key)
    );
    store.remove(key).await.unwrap();
    assert_eq!(store.get(key).await.unwrap(), None);
    assert!(
        !store
            .keys()
            .await
            .unwrap()
            .iter()
            .any(|listed| listed == key)
    );
}

#[wasm_bindgen_test]
async fn web_storage_round_trips() {
    for area in [Area::LocalStorage, Area::SessionStorage] {
        let store = Stores::default().open(area).unwrap();
        assert_eq!(store.name(), area.as_str());
        round_trip(&store, "edge-test", "value 1").await;
    }
}

#[wasm_bindgen_test]
async fn cookies_round_trip_with_encoding() {
    let store = Stores::default().open(Area::Cookie).unwrap();
    round_trip(&store, "edge_cookie", r#"{"a":"b c;d"}"#).await;
}

#[wasm_bindgen_test]
async fn quota_errors_surface_with_their_name() {
    let store = Stores::default().open(Area::LocalStorage).unwrap();
    let big = "x".repeat(12 * 1024 * 1024);
    let error = store.set("edge-too-big", &big).await.unwrap_err();
    assert_eq!(error.name, "QuotaExceededError");
    assert_eq!(error.op, "write");
    assert_eq!(store.get("edge-too-big").await.unwrap(), None);
}

/// An adapter object as the wrapper's built-ins and apps pass them: async methods, a name.
fn js_adapter(source: &str) -> Adapter {
    let make = js_sys::Function::new_no_args(source);
    Adapter::new(make.call0(&JsValue::NULL).unwrap())
}

#[wasm_bindgen_test]
async fn adapters_are_awaited_and_named() {
    let adapter = js_adapter(
        "const m = new Map(); return { name: 'test-native', \
         get: async (k) => (m.has(k) ? m.get(k) : null), set: async (k, v) => { m.set(k, v); }, \
         remove: (k) => { m.delete(k); }, keys: async () => [...m.keys()] };",
    );
    let stores = Stores {
        authgear: Some(adapter.clone()),
        legacy: Some(adapter),
    };
    let authgear = stores.authgear().unwrap();
    assert_eq!(authgear.name(), "test-native");
    round_trip(&authgear, "authgear_default_refreshToken", "rt").await;
    round_trip(&stores.open(Area::Adapter).unwrap(), "legacy", "{}").await;
    // Without an adapter, the SDK's storage is localStorage.
    assert_eq!(Stores::default().authgear().unwrap().name(), "localStorage");
}

#[wasm_bindgen_test]
async fn adapter_failures_surface() {
    let store = Store::Adapter(js_adapter(
        "return { get: async () => { throw new TypeError('bridge gone'); }, \
         set: () => Promise.reject(new RangeError('full')), remove: async () => {}, keys: async () => 'nope' };",
    ));
    assert_eq!(store.name(), "custom");
    assert_eq!(store.get("k").await.unwrap_err().name, "TypeError");
    let error = store.set("k", "v").await.unwrap_err();
    assert_eq!((error.op, error.name.as_str()), ("write", "RangeError"));
    assert_eq!(store.keys().await.unwrap_err().op, "list");
    let not_string = Store::Adapter(js_adapter("return { get: async () => 42 };"));
    assert_eq!(not_string.get("k").await.unwrap_err().op, "read");
}

#[wasm_bindgen_test]
fn keys_are_random_hex() {
    let (a, b) = (random::key(), random::key());
    assert_eq!(a.len(), 32);
    assert!(a.bytes().all(|byte| byte.is_ascii_hexdigit()));
    assert_ne!(a, b);
    let unit = random::unit();
    assert!((0.0..1.0).contains(&unit));
}

#[wasm_bindgen_test]
async fn sleep_waits() {
    let before = now_ms();
    sleep(30).await;
    assert!(now_ms() - before >= 25);
}

#[wasm_bindgen_test]
async fn web_locks_exclude_and_release() {
    let first = lock::acquire("edge-lock", 1_000, 5_000).await.unwrap();
    assert_eq!(first.mechanism, "web-locks");
    assert!(lock::acquire("edge-lock", 100, 5_000).await.is_err());
    drop(first);
    let second = lock::acquire("edge-lock", 1_000, 5_000).await.unwrap();
    assert_eq!(second.mechanism, "web-locks");
}

/// Where `navigator.locks` is missing (older webviews), a lease in localStorage stands in.
#[wasm_bindgen_test]
async fn lease_fallback_excludes_and_expires() {
    let navigator = js_sys::Reflect::get(&js_sys::global(), &"navigator".into()).unwrap();
    let descriptor = js_sys::Object::new();
    js_sys::Reflect::set(&descriptor, &"value".into(), &JsValue::UNDEFINED).unwrap();
    js_sys::Reflect::set(&descriptor, &"configurable".into(), &JsValue::TRUE).unwrap();
    js_sys::Object::define_property(&navigator.clone().into(), &"locks".into(), &descriptor);

    let first = lock::acquire("edge-lease", 1_000, 60_000).await.unwrap();
    assert_eq!(first.mechanism, "lease");
    assert!(lock::acquire("edge-lease", 150, 60_000).await.is_err());
    drop(first);
    let second = lock::acquire("edge-lease", 1_000, 300).await.unwrap();
    assert_eq!(second.mechanism, "lease");
    // A holder that died (never dropped) loses the lease when it expires.
    std::mem::forget(second);
    let after_expiry = lock::acquire("edge-lease", 2_000, 60_000).await.unwrap();
    assert_eq!(after_expiry.mechanism, "lease");
    drop(after_expiry);

    js_sys::Reflect::delete_property(&navigator.into(), &"locks".into()).unwrap();
}

#[wasm_bindgen_test]
async fn refused_connection_is_a_network_error() {
    let result = post_form(
        "http://127.0.0.1:9/nothing-listens-here",
        "a=b".into(),
        Credentials::Omit,
        5_000,
    )
    .await;
    assert_eq!(result.err(), Some(SendError::Network));
}

#[wasm_bindgen_test]
async fn answers_of_any_status_are_returned() {
    // The test runner's own server answers 404 for an unknown path.
    let origin = web_sys::window().unwrap().location().origin().unwrap();
    let answer = post_form(
        &format!("{origin}/no-such-endpoint"),
        "a=b".into(),
        Credentials::SameOrigin,
        5_000,
    )
    .await
    .ok()
    .unwrap();
    assert_eq!(answer.status, 404);
}
