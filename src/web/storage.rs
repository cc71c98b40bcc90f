//! Key-value storage: `localStorage`, `sessionStorage`, `document.cookie`, and adapters the app
//! passes in (the Capacitor plugin, the React Native bridge, its own).
//!
//! Unlike the Authgear SDK's `_SafeStorageDriver`, nothing here swallows a failure: the engine's
//! read-back guarantee needs every quota error, disabled storage or security error surfaced.

use js_sys::{Function, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::HtmlDocument;

use crate::core::cookie::{self, Attributes};
use crate::core::source::Area;
use crate::engine::device::{self, StoreError};
use crate::prelude::*;
use crate::web::clock::settled;

/// A `StoreError` from what the browser threw.
pub(crate) fn store_error(store: &str, op: &'static str, thrown: &JsValue) -> StoreError {
    let name = Reflect::get(thrown, &"name".into())
        .ok()
        .and_then(|name| name.as_string())
        .unwrap_or_else(|| "unavailable".to_owned());
    StoreError {
        store: store.to_owned(),
        op,
        name,
    }
}

/// `localStorage` or `sessionStorage`: synchronous, so the lock's lease can use it in `Drop`.
#[derive(Clone)]
pub struct WebArea {
    storage: web_sys::Storage,
    area: Area,
}

impl WebArea {
    /// Fails where the browser refuses access (storage disabled, sandboxed frames).
    pub fn open(area: Area) -> Result<Self, StoreError> {
        let error = |value: &JsValue| store_error(area.as_str(), "open", value);
        let window = web_sys::window().ok_or_else(|| error(&JsValue::NULL))?;
        let storage = match area {
            Area::SessionStorage => window.session_storage(),
            _ => window.local_storage(),
        }
        .map_err(|thrown| error(&thrown))?
        .ok_or_else(|| error(&JsValue::NULL))?;
        Ok(Self { storage, area })
    }

    pub fn get(&self, key: &str) -> Result<Option<String>, StoreError> {
        self.storage
            .get_item(key)
            .map_err(|e| self.error("read", &e))
    }

    pub fn set(&self, key: &str, value: &str) -> Result<(), StoreError> {
        self.storage
            .set_item(key, value)
            .map_err(|e| self.error("write", &e))
    }

    pub fn remove(&self, key: &str) -> Result<(), StoreError> {
        self.storage
            .remove_item(key)
            .map_err(|e| self.error("remove", &e))
    }

    fn keys(&self) -> Result<Vec<String>, StoreError> {
        let length = self.storage.length().map_err(|e| self.error("list", &e))?;
        let mut keys = Vec::new();
        for index in 0..length {
            let key = self
                .storage
                .key(index)
                .map_err(|e| self.error("list", &e))?;
            if let Some(key) = key {
                keys.push(key);
            }
        }
        Ok(keys)
    }

    fn error(&self, op: &'static str, thrown: &JsValue) -> StoreError {
        store_error(self.area.as_str(), op, thrown)
    }
}

/// A storage object of the app's, or a built-in one of the wrapper's: `get(key)`,
/// `set(key, value)`, `remove(key)` and, to find entries by prefix, `keys()`; each may return
/// a promise. `name` labels it in events and outcomes.
#[derive(Clone)]
pub struct Adapter {
    object: JsValue,
    name: String,
}

impl Adapter {
    pub fn new(object: JsValue) -> Self {
        let name = Reflect::get(&object, &"name".into())
            .ok()
            .and_then(|name| name.as_string())
            .unwrap_or_else(|| "custom".to_owned());
        Self { object, name }
    }

    async fn call(
        &self,
        op: &'static str,
        method: &str,
        args: &[&str],
    ) -> Result<JsValue, StoreError> {
        let error = |thrown: &JsValue| store_error(&self.name, op, thrown);
        let function: Function = Reflect::get(&self.object, &method.into())
            .map_err(|thrown| error(&thrown))?
            .dyn_into()
            .map_err(|_| error(&js_sys::Error::new("NotAFunction").into()))?;
        let array = js_sys::Array::new();
        for arg in args {
            array.push(&JsValue::from_str(arg));
        }
        let returned = function
            .apply(&self.object, &array)
            .map_err(|thrown| error(&thrown))?;
        settled(&returned).await.map_err(|thrown| error(&thrown))
    }

    async fn get(&self, key: &str) -> Result<Option<String>, StoreError> {
        let value = self.call("read", "get", &[key]).await?;
        if value.is_null() || value.is_undefined() {
            return Ok(None);
        }
        value.as_string().map(Some).ok_or_else(|| {
            store_error(&self.name, "read", &js_sys::Error::new("NotAString").into())
        })
    }

    async fn keys(&self) -> Result<Vec<String>, StoreError> {
        let value = self.call("list", "keys", &[]).await?;
        let not_strings = || {
            store_error(
                &self.name,
                "list",
                &js_sys::Error::new("NotAnArrayOfStrings").into(),
            )
        };
        let mut keys = Vec::new();
        for key in value
            .dyn_into::<js_sys::Array>()
            .map_err(|_| not_strings())?
            .iter()
        {
            keys.push(key.as_string().ok_or_else(not_strings)?);
        }
        Ok(keys)
    }
}

/// One place that holds keys and values.
#[derive(Clone)]
pub enum Store {
    Web(WebArea),
    Cookies(HtmlDocument),
    Adapter(Adapter),
}

impl Store {
    /// Opens a web area. `Area::Adapter` has no web store: [`Stores::open`] resolves it.
    fn open_web(area: Area) -> Result<Self, StoreError> {
        match area {
            Area::Cookie => web_sys::window()
                .and_then(|window| window.document())
                .and_then(|document| document.dyn_into::<HtmlDocument>().ok())
                .map(Self::Cookies)
                .ok_or_else(|| store_error("cookie", "open", &JsValue::NULL)),
            Area::LocalStorage | Area::SessionStorage => WebArea::open(area).map(Self::Web),
            // Not key-value stores of this kind: adapters come from `Stores`, IndexedDB records
            // from `web::indexeddb`.
            Area::Adapter | Area::IndexedDb => {
                Err(store_error(area.as_str(), "open", &JsValue::NULL))
            }
        }
    }
}

impl device::Store for Store {
    fn name(&self) -> &str {
        match self {
            Self::Web(web) => web.area.as_str(),
            Self::Cookies(_) => Area::Cookie.as_str(),
            Self::Adapter(adapter) => &adapter.name,
        }
    }

    async fn get(&self, key: &str) -> Result<Option<String>, StoreError> {
        match self {
            Self::Web(web) => web.get(key),
            Self::Cookies(document) => document
                .cookie()
                .map(|cookies| cookie::find(&cookies, key))
                .map_err(|e| store_error("cookie", "read", &e)),
            Self::Adapter(adapter) => adapter.get(key).await,
        }
    }

    async fn set(&self, key: &str, value: &str) -> Result<(), StoreError> {
        match self {
            Self::Web(web) => web.set(key, value),
            Self::Cookies(document) => write_cookie(document, key, value, Attributes::DEFAULT),
            Self::Adapter(adapter) => adapter.call("write", "set", &[key, value]).await.map(drop),
        }
    }

    async fn set_with(
        &self,
        key: &str,
        value: &str,
        attributes: Attributes,
    ) -> Result<(), StoreError> {
        match self {
            Self::Cookies(document) => write_cookie(document, key, value, attributes),
            _ => self.set(key, value).await,
        }
    }

    async fn remove(&self, key: &str) -> Result<(), StoreError> {
        match self {
            Self::Web(web) => web.remove(key),
            Self::Cookies(document) => document
                .set_cookie(&cookie::expire(key, "/"))
                .map_err(|e| store_error("cookie", "remove", &e)),
            Self::Adapter(adapter) => adapter.call("remove", "remove", &[key]).await.map(drop),
        }
    }

    async fn keys(&self) -> Result<Vec<String>, StoreError> {
        match self {
            Self::Web(web) => web.keys(),
            Self::Cookies(document) => document
                .cookie()
                .map(|cookies| {
                    let mut keys = Vec::new();
                    for name in cookie::names(&cookies) {
                        keys.push(name.to_owned());
                    }
                    keys
                })
                .map_err(|e| store_error("cookie", "list", &e)),
            Self::Adapter(adapter) => adapter.keys().await,
        }
    }
}

/// Legacy write-back into `document.cookie`, `Secure` on https pages.
fn write_cookie(
    document: &HtmlDocument,
    key: &str,
    value: &str,
    attributes: Attributes,
) -> Result<(), StoreError> {
    let https = document
        .location()
        .and_then(|location| location.protocol().ok())
        .is_some_and(|protocol| protocol == "https:");
    let encoded = String::from(js_sys::encode_uri_component(value));
    document
        .set_cookie(&cookie::assign(key, &encoded, attributes, https))
        .map_err(|e| store_error("cookie", "write", &e))
}

/// Every store a migration may touch: the web areas, and the adapters the options name.
#[derive(Clone, Default)]
pub struct Stores {
    /// Where the Authgear SDK keeps its session when it is not `localStorage`.
    pub authgear: Option<Adapter>,
    /// `legacy.storage` when it is an adapter.
    pub legacy: Option<Adapter>,
}

impl Stores {
    pub fn open(&self, area: Area) -> Result<Store, StoreError> {
        match (area, &self.legacy) {
            (Area::Adapter, Some(adapter)) => Ok(Store::Adapter(adapter.clone())),
            _ => Store::open_web(area),
        }
    }

    /// Where the Authgear session is saved: the SDK's own storage.
    pub fn authgear(&self) -> Result<Store, StoreError> {
        match &self.authgear {
            Some(adapter) => Ok(Store::Adapter(adapter.clone())),
            None => Store::open_web(Area::LocalStorage),
        }
    }
}
