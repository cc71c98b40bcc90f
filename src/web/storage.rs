//! Key-value storage: `localStorage`, `sessionStorage`, `document.cookie`.
//!
//! Unlike the Authgear SDK's `_SafeStorageDriver`, nothing here swallows a failure: the engine's
//! read-back guarantee needs every quota error, disabled storage or security error surfaced.

use std::fmt;

use wasm_bindgen::{JsCast, JsValue};
use web_sys::HtmlDocument;

use crate::core::cookie;
use crate::core::source::Area;

/// One storage area.
pub enum Store {
    Web(web_sys::Storage, Area),
    Cookies(HtmlDocument),
}

/// A storage operation that threw; `name` is the `DOMException` name when there is one
/// (`QuotaExceededError`, `SecurityError`, …).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoreError {
    pub area: Area,
    pub op: &'static str,
    pub name: String,
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} failed: {}",
            self.area.as_str(),
            self.op,
            self.name
        )
    }
}

impl Store {
    /// Opens an area. Fails where the browser refuses access (storage disabled, sandboxed
    /// frames, cookies blocked).
    pub fn open(area: Area) -> Result<Self, StoreError> {
        let error = |value: JsValue| StoreError::new(area, "open", &value);
        let window = web_sys::window().ok_or_else(|| error(JsValue::NULL))?;
        match area {
            Area::LocalStorage => window.local_storage(),
            Area::SessionStorage => window.session_storage(),
            Area::Cookie => {
                let document = window
                    .document()
                    .and_then(|document| document.dyn_into::<HtmlDocument>().ok())
                    .ok_or_else(|| error(JsValue::NULL))?;
                return Ok(Self::Cookies(document));
            }
        }
        .map_err(error)?
        .map(|storage| Self::Web(storage, area))
        .ok_or_else(|| error(JsValue::NULL))
    }

    pub fn area(&self) -> Area {
        match self {
            Self::Web(_, area) => *area,
            Self::Cookies(_) => Area::Cookie,
        }
    }

    pub fn get(&self, key: &str) -> Result<Option<String>, StoreError> {
        match self {
            Self::Web(storage, _) => storage.get_item(key),
            Self::Cookies(document) => document.cookie().map(|cookies| cookie::find(&cookies, key)),
        }
        .map_err(|value| StoreError::new(self.area(), "read", &value))
    }

    pub fn set(&self, key: &str, value: &str) -> Result<(), StoreError> {
        match self {
            Self::Web(storage, _) => storage.set_item(key, value),
            // Cookie writes (legacy write-back) keep the session cookie's default scope.
            Self::Cookies(document) => document.set_cookie(&format!(
                "{key}={}; Path=/; SameSite=Lax",
                encode_cookie_value(value)
            )),
        }
        .map_err(|error| StoreError::new(self.area(), "write", &error))
    }

    pub fn remove(&self, key: &str) -> Result<(), StoreError> {
        match self {
            Self::Web(storage, _) => storage.remove_item(key),
            Self::Cookies(document) => document.set_cookie(&cookie::expire(key, "/")),
        }
        .map_err(|error| StoreError::new(self.area(), "remove", &error))
    }
}

fn encode_cookie_value(value: &str) -> String {
    js_sys::encode_uri_component(value).into()
}

impl StoreError {
    fn new(area: Area, op: &'static str, thrown: &JsValue) -> Self {
        let name = js_sys::Reflect::get(thrown, &JsValue::from_str("name"))
            .ok()
            .and_then(|name| name.as_string())
            .unwrap_or_else(|| "unavailable".to_owned());
        Self { area, op, name }
    }
}
