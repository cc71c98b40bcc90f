//! IndexedDB, for the presets whose SDK keeps its session there (Firebase).
//!
//! Read-only until cleanup, and careful not to leave anything behind: opening a database that
//! does not exist would create an empty one, so the upgrade that creation starts is aborted,
//! which leaves no database.

use alloc::rc::Rc;
use core::cell::Cell;

use js_sys::{Array, JSON, Promise, Reflect};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{IdbDatabase, IdbRequest, IdbTransaction, IdbTransactionMode};

use crate::prelude::*;

/// Waits for a request's `success` (its result) or `error`.
async fn done(request: &IdbRequest) -> Result<JsValue, JsValue> {
    let promise = Promise::new(&mut |resolve, reject| {
        request.set_onsuccess(Some(&resolve));
        request.set_onerror(Some(&reject));
    });
    JsFuture::from(promise).await?;
    request.result()
}

/// Waits for a transaction to commit.
async fn committed(transaction: &IdbTransaction) -> Result<(), JsValue> {
    let promise = Promise::new(&mut |resolve, reject| {
        transaction.set_oncomplete(Some(&resolve));
        transaction.set_onerror(Some(&reject));
        transaction.set_onabort(Some(&reject));
    });
    JsFuture::from(promise).await.map(drop)
}

/// Opens an existing database; `None` when there is none (and none is created).
async fn open(name: &str) -> Result<Option<IdbDatabase>, JsValue> {
    let factory = web_sys::window()
        .ok_or(JsValue::NULL)?
        .indexed_db()?
        .ok_or(JsValue::NULL)?;
    let request = factory.open(name)?;
    let missing = Rc::new(Cell::new(false));
    let on_upgrade = {
        let (request, missing) = (request.clone(), Rc::clone(&missing));
        // Without a version, an upgrade only happens when the database is being created.
        Closure::<dyn FnMut()>::new(move || {
            missing.set(true);
            if let Some(transaction) = request.transaction() {
                let _ = transaction.abort();
            }
        })
    };
    request.set_onupgradeneeded(Some(on_upgrade.as_ref().unchecked_ref()));
    let opened = done(&request).await;
    request.set_onupgradeneeded(None);
    match opened {
        Ok(database) => Ok(Some(database.dyn_into()?)),
        Err(_) if missing.get() => Ok(None),
        Err(error) => Err(error),
    }
}

/// Every record of `store` whose key (at `key_path`) starts with `prefix`: its key, and its
/// `value` member as JSON text.
pub async fn read(
    database: &str,
    store: &str,
    key_path: &str,
    prefix: &str,
) -> Result<Vec<(String, String)>, JsValue> {
    let Some(database) = open(database).await? else {
        return Ok(Vec::new());
    };
    let records = if database.object_store_names().contains(store) {
        let transaction = database.transaction_with_str(store)?;
        done(&transaction.object_store(store)?.get_all()?).await
    } else {
        Ok(Array::new().into())
    };
    database.close();
    let records: Array = records?.dyn_into()?;
    let mut found = Vec::new();
    for record in records.iter() {
        let Some(key) = Reflect::get(&record, &key_path.into())?.as_string() else {
            continue;
        };
        if !key.starts_with(prefix) {
            continue;
        }
        let value = Reflect::get(&record, &"value".into())?;
        // Web storage holds the same object as JSON text; a string value is kept as it is.
        let text = match value.as_string() {
            Some(text) => text,
            None => JSON::stringify(&value)?.as_string().unwrap_or_default(),
        };
        found.push((key, text));
    }
    Ok(found)
}

/// Deletes the record with `key`, as the SDK's sign-out does.
pub async fn delete(database: &str, store: &str, key: &str) -> Result<(), JsValue> {
    let Some(database) = open(database).await? else {
        return Ok(());
    };
    let result = async {
        let transaction =
            database.transaction_with_str_and_mode(store, IdbTransactionMode::Readwrite)?;
        transaction.object_store(store)?.delete(&key.into())?;
        committed(&transaction).await
    }
    .await;
    database.close();
    result
}
