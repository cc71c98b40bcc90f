//! The browser as the engine's device: each trait of `engine::device` over the thin wrappers of
//! this folder, and the app's callbacks. Nothing here decides.

use js_sys::{Function, Reflect};
use wasm_bindgen::{JsCast, JsValue};

use crate::core::event::Event;
use crate::core::options::Credentials;
use crate::core::presets::Sealed;
use crate::core::source::Area;
use crate::engine::device::{
    Broadcast, CallbackFailed, CallbackTokens, Clock, Events, Http, HttpAnswer, LegacyMedia, Lock,
    LockTimeout, Random, SendError, Storage, StoreError,
};
use crate::prelude::*;
use crate::web::storage::{Store, Stores, WebArea, store_error};
use crate::web::{broadcast, clock, http, indexeddb, lock, random, report, webcrypto};
use crate::wire;

/// The app's callbacks, and the storage adapters the wrapper resolved.
#[derive(Default)]
pub struct Hooks {
    /// `legacy.read()`: returns `{accessToken?, refreshToken?, idToken?}` or a promise of it.
    pub read: Option<Function>,
    /// `legacy.clear()`: removes the legacy session the callback source read.
    pub clear: Option<Function>,
    /// `legacy.write(tokens)`: stores replacement tokens the endpoint handed back.
    pub write: Option<Function>,
    pub on_event: Option<Function>,
    pub stores: Stores,
}

/// This page, for one call.
pub struct WebDevice {
    hooks: Hooks,
    report: report::Reporter,
}

impl WebDevice {
    pub fn new(hooks: Hooks) -> Self {
        let report = report::Reporter::new(hooks.on_event.clone());
        Self { hooks, report }
    }
}

impl Clock for WebDevice {
    fn now_ms(&self) -> i64 {
        clock::now_ms()
    }

    fn monotonic_ms(&self) -> f64 {
        report::now()
    }

    // The edge's own futures, handed over rather than wrapped in one more state machine.
    fn sleep(&self, ms: u64) -> impl Future<Output = ()> {
        clock::sleep(ms)
    }
}

impl Random for WebDevice {
    fn key(&self) -> String {
        random::key()
    }

    fn unit(&self) -> f64 {
        random::unit()
    }
}

impl Storage for WebDevice {
    type Store<'a> = Store;

    fn state(&self) -> Result<Store, StoreError> {
        WebArea::open(Area::LocalStorage).map(Store::Web)
    }

    fn authgear(&self) -> Result<Store, StoreError> {
        self.hooks.stores.authgear()
    }

    fn open(&self, area: Area) -> Result<Store, StoreError> {
        self.hooks.stores.open(area)
    }
}

impl LegacyMedia for WebDevice {
    async fn records(
        &self,
        database: &str,
        store: &str,
        key_path: &str,
        prefix: &str,
    ) -> Result<Vec<(String, String)>, StoreError> {
        indexeddb::read(database, store, key_path, prefix)
            .await
            .map_err(|thrown| store_error(Area::IndexedDb.as_str(), "read", &thrown))
    }

    async fn delete_record(
        &self,
        database: &str,
        store: &str,
        key: &str,
    ) -> Result<(), StoreError> {
        indexeddb::delete(database, store, key)
            .await
            .map_err(|thrown| store_error(Area::IndexedDb.as_str(), "remove", &thrown))
    }

    fn unseal(&self, sealed: &Sealed) -> impl Future<Output = Vec<Option<String>>> {
        webcrypto::unseal(sealed)
    }

    fn host(&self) -> Option<String> {
        web_sys::window()?.location().hostname().ok()
    }

    fn expire_cookie(&self, name: &str, domain: &str) {
        let document = web_sys::window()
            .and_then(|window| window.document())
            .and_then(|document| document.dyn_into::<web_sys::HtmlDocument>().ok());
        if let Some(document) = document {
            let mut cookie = crate::core::cookie::expire(name, "/");
            cookie.push_str("; Domain=");
            cookie.push_str(domain);
            let _ = document.set_cookie(&cookie);
        }
    }

    async fn callback_read(&self) -> Result<Option<CallbackTokens>, CallbackFailed> {
        let read = self.hooks.read.as_ref().ok_or(CallbackFailed)?;
        let returned = call(read, &JsValue::UNDEFINED).await?;
        if returned.is_null() || returned.is_undefined() {
            return Ok(None);
        }
        if !returned.is_object() {
            return Err(CallbackFailed);
        }
        let member = |name: &str| -> Result<Option<String>, CallbackFailed> {
            let value = Reflect::get(&returned, &name.into()).map_err(|_| CallbackFailed)?;
            if value.is_null() || value.is_undefined() {
                return Ok(None);
            }
            value.as_string().map(Some).ok_or(CallbackFailed)
        };
        Ok(Some(CallbackTokens {
            access_token: member("accessToken")?,
            refresh_token: member("refreshToken")?,
            id_token: member("idToken")?,
        }))
    }

    async fn callback_write(&self, tokens: &wire::LegacyTokens) -> Result<(), CallbackFailed> {
        let write = self.hooks.write.as_ref().ok_or(CallbackFailed)?;
        let object = js_sys::Object::new();
        for (name, token) in [
            ("accessToken", &tokens.access_token),
            ("refreshToken", &tokens.refresh_token),
            ("idToken", &tokens.id_token),
        ] {
            if let Some(token) = token {
                Reflect::set(&object, &name.into(), &token.into()).map_err(|_| CallbackFailed)?;
            }
        }
        call(write, &object).await.map(drop)
    }

    async fn callback_clear(&self) -> Option<Result<(), CallbackFailed>> {
        let clear = self.hooks.clear.as_ref()?;
        Some(call(clear, &JsValue::UNDEFINED).await.map(drop))
    }
}

/// Calls an app callback with one argument and awaits its result when it returns a promise.
async fn call(function: &Function, argument: &JsValue) -> Result<JsValue, CallbackFailed> {
    let returned = function
        .call1(&JsValue::NULL, argument)
        .map_err(|_| CallbackFailed)?;
    clock::settled(&returned).await.map_err(|_| CallbackFailed)
}

impl Http for WebDevice {
    fn post_form(
        &self,
        url: &str,
        body: String,
        credentials: Credentials,
        timeout_ms: u64,
    ) -> impl Future<Output = Result<HttpAnswer, SendError>> {
        let answer = http::post_form(url, body, credentials, timeout_ms);
        // The test build of a panic (tests/e2e/faults.test.js): the endpoint has answered, the
        // Authgear session is not saved yet, and the call is past its first await.
        #[cfg(feature = "test-panic-after-exchange")]
        let answer = async {
            let answer = answer.await;
            if answer.is_ok() {
                panic!("test-panic-after-exchange");
            }
            answer
        };
        answer
    }
}

impl Lock for WebDevice {
    type Guard = lock::LockGuard;

    async fn acquire(
        &self,
        name: &str,
        wait_ms: u64,
        lease_ms: u64,
    ) -> Result<(lock::LockGuard, &'static str), LockTimeout> {
        let guard = lock::acquire(name, wait_ms, lease_ms).await?;
        let mechanism = guard.mechanism;
        Ok((guard, mechanism))
    }

    fn keep(&self, guard: &lock::LockGuard, lease_ms: u64) -> bool {
        guard.keep(lease_ms)
    }
}

impl Broadcast for WebDevice {
    fn announce(&self, channel: &str, message: &str) {
        broadcast::announce(channel, message);
    }
}

impl Events for WebDevice {
    fn emit(&self, event: &Event) {
        self.report.emit(event);
    }
}
