//! Key-value storage: `localStorage`, `sessionStorage`, `document.cookie`, and adapters the app
//! passes in (the Capacitor plugin, the React Native bridge, its own).
//!
//! Unlike the Authgear SDK's `_SafeStorageDriver`, nothing here swallows a failure: the engine's
//! read-back guarantee needs every quota error, disabled storage or security error surfaced.

use std::fmt;

use js_sys::{Function, Promise, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::HtmlDocument;

use crate::core::cookie::{self, Attributes};
use crate::core::source::Area;

/// A storage operation that failed; `name` is the `DOMException` or `Error` name when there is
/// one (`QuotaExceededError`, `SecurityError`, …).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoreError {
    pub store: String,
    pub op: &'static str,
    pub name: String,
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} failed: {}", self.store, self.op, self.name)
    }
}

impl StoreError {
    fn new(store: &str, op: &'static str, thrown: &JsValue) -> Self {
        let name = Reflect::get(thrown, &"name".into())
            .ok()
            .and_then(|name| name.as_string())
            .unwrap_or_else(|| "unavailable".to_owned());
        Self {
            store: store.to_owned(),
            op,
            name,
        }
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
        let error = |value: &JsValue| StoreError::new(area.as_str(), "open", value);
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
        (0..length)
            .map(|index| self.storage.key(index).map_err(|e| self.error("list", &e)))
            .filter_map(Result::transpose)
            .collect()
    }

    fn error(&self, op: &'static str, thrown: &JsValue) -> StoreError {
        StoreError::new(self.area.as_str(), op, thrown)
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
        let error = |thrown: &JsValue| StoreError::new(&self.name, op, thrown);
        let function: Function = Reflect::get(&self.object, &method.into())
            .map_err(|thrown| error(&thrown))?
            .dyn_into()
            .map_err(|_| error(&js_sys::Error::new("NotAFunction").into()))?;
        let args: js_sys::Array = args.iter().map(|arg| JsValue::from_str(arg)).collect();
        let returned = function
            .apply(&self.object, &args)
            .map_err(|thrown| error(&thrown))?;
        JsFuture::from(Promise::resolve(&returned))
            .await
            .map_err(|thrown| error(&thrown))
    }

    async fn get(&self, key: &str) -> Result<Option<String>, StoreError> {
        let value = self.call("read", "get", &[key]).await?;
        if value.is_null() || value.is_undefined() {
            return Ok(None);
        }
        value.as_string().map(Some).ok_or_else(|| {
            StoreError::new(&self.name, "read", &js_sys::Error::new("NotAString").into())
        })
    }

    async fn keys(&self) -> Result<Vec<String>, StoreError> {
        let value = self.call("list", "keys", &[]).await?;
        let not_strings = || {
            StoreError::new(
                &self.name,
                "list",
                &js_sys::Error::new("NotAnArrayOfStrings").into(),
            )
        };
        value
            .dyn_into::<js_sys::Array>()
            .map_err(|_| not_strings())?
            .iter()
            .map(|key| key.as_string().ok_or_else(not_strings))
            .collect()
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
                .ok_or_else(|| StoreError::new("cookie", "open", &JsValue::NULL)),
            Area::LocalStorage | Area::SessionStorage => WebArea::open(area).map(Self::Web),
            // Not key-value stores of this kind: adapters come from `Stores`, IndexedDB records
            // from `web::indexeddb`.
            Area::Adapter | Area::IndexedDb => {
                Err(StoreError::new(area.as_str(), "open", &JsValue::NULL))
            }
        }
    }

    /// The label events and outcomes use.
    pub fn name(&self) -> &str {
        match self {
            Self::Web(web) => web.area.as_str(),
            Self::Cookies(_) => Area::Cookie.as_str(),
            Self::Adapter(adapter) => &adapter.name,
        }
    }

    pub async fn get(&self, key: &str) -> Result<Option<String>, StoreError> {
        match self {
            Self::Web(web) => web.get(key),
            Self::Cookies(document) => document
                .cookie()
                .map(|cookies| cookie::find(&cookies, key))
                .map_err(|e| StoreError::new("cookie", "read", &e)),
            Self::Adapter(adapter) => adapter.get(key).await,
        }
    }

    pub async fn set(&self, key: &str, value: &str) -> Result<(), StoreError> {
        match self {
            Self::Web(web) => web.set(key, value),
            Self::Cookies(document) => write_cookie(document, key, value, Attributes::DEFAULT),
            Self::Adapter(adapter) => adapter.call("write", "set", &[key, value]).await.map(drop),
        }
    }

    /// Writes `value` with a cookie's `attributes` (those of the SDK it belongs to) when this
    /// store is the cookie jar, and as [`Store::set`] otherwise.
    pub async fn set_with(
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

    pub async fn remove(&self, key: &str) -> Result<(), StoreError> {
        match self {
            Self::Web(web) => web.remove(key),
            Self::Cookies(document) => document
                .set_cookie(&cookie::expire(key, "/"))
                .map_err(|e| StoreError::new("cookie", "remove", &e)),
            Self::Adapter(adapter) => adapter.call("remove", "remove", &[key]).await.map(drop),
        }
    }

    /// Every key, for sources that find their entries by prefix.
    pub async fn keys(&self) -> Result<Vec<String>, StoreError> {
        match self {
            Self::Web(web) => web.keys(),
            Self::Cookies(document) => document
                .cookie()
                .map(|cookies| cookie::names(&cookies).map(str::to_owned).collect())
                .map_err(|e| StoreError::new("cookie", "list", &e)),
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
        .map_err(|e| StoreError::new("cookie", "write", &e))
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
