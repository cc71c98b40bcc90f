//! Browser tests of the web edge, in headless Chromium (wasm-bindgen-test).
//! Run: `CHROMEDRIVER=/usr/bin/chromedriver cargo test --target wasm32-unknown-unknown --test web_edge`

#![cfg(target_arch = "wasm32")]

use authgear_migrate::core::options::Credentials;
use authgear_migrate::core::source::Area;
use authgear_migrate::web::clock::{now_ms, sleep};
use authgear_migrate::web::http::{SendError, post_form};
use authgear_migrate::web::lock;
use authgear_migrate::web::random;
use authgear_migrate::web::storage::Store;
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
fn web_storage_round_trips() {
    for area in [Area::LocalStorage, Area::SessionStorage] {
        let store = Store::open(area).unwrap();
        store.set("edge-test", "value 1").unwrap();
        assert_eq!(store.get("edge-test").unwrap().as_deref(), Some("value 1"));
        store.remove("edge-test").unwrap();
        assert_eq!(store.get("edge-test").unwrap(), None);
    }
}

#[wasm_bindgen_test]
fn cookies_round_trip_with_encoding() {
    let store = Store::open(Area::Cookie).unwrap();
    store.set("edge_cookie", r#"{"a":"b c;d"}"#).unwrap();
    assert_eq!(
        store.get("edge_cookie").unwrap().as_deref(),
        Some(r#"{"a":"b c;d"}"#)
    );
    store.remove("edge_cookie").unwrap();
    assert_eq!(store.get("edge_cookie").unwrap(), None);
}

#[wasm_bindgen_test]
fn quota_errors_surface_with_their_name() {
    let store = Store::open(Area::LocalStorage).unwrap();
    let big = "x".repeat(12 * 1024 * 1024);
    let error = store.set("edge-too-big", &big).unwrap_err();
    assert_eq!(error.name, "QuotaExceededError");
    assert_eq!(error.op, "write");
    assert_eq!(store.get("edge-too-big").unwrap(), None);
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
