//! WebCrypto decryption for presets whose SDK encrypts its storage (MSAL v4+ `localStorage`):
//! HKDF-SHA-256 then AES-GCM-256, done by the browser so that no crypto code ships in the Wasm.

use js_sys::{Array, Object, Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{CryptoKey, SubtleCrypto};

use crate::core::presets::{Sealed, SealedItem};
use crate::prelude::*;

fn object(members: &[(&str, JsValue)]) -> Result<Object, JsValue> {
    let object = Object::new();
    for (name, value) in members {
        Reflect::set(&object, &(*name).into(), value)?;
    }
    Ok(object)
}

fn usages(usage: &str) -> JsValue {
    Array::of1(&usage.into()).into()
}

/// The plaintext of each sealed item, in order; `None` where it does not decrypt.
pub async fn unseal(sealed: &Sealed) -> Vec<Option<String>> {
    // Without WebCrypto or the key, nothing decrypts.
    let keys = match subtle() {
        Ok(subtle) => import(&subtle, &sealed.key)
            .await
            .ok()
            .map(|base| (subtle, base)),
        Err(_) => None,
    };
    let mut plain = Vec::with_capacity(sealed.items.len());
    for item in &sealed.items {
        plain.push(match &keys {
            Some((subtle, base)) => decrypt(subtle, base, item).await.ok(),
            None => None,
        });
    }
    plain
}

fn subtle() -> Result<SubtleCrypto, JsValue> {
    Ok(web_sys::window().ok_or(JsValue::NULL)?.crypto()?.subtle())
}

async fn import(subtle: &SubtleCrypto, key: &[u8]) -> Result<CryptoKey, JsValue> {
    let raw = Uint8Array::from(key);
    let promise = subtle.import_key_with_str("raw", &raw, "HKDF", false, &usages("deriveKey"))?;
    JsFuture::from(promise).await?.dyn_into()
}

async fn decrypt(
    subtle: &SubtleCrypto,
    base: &CryptoKey,
    item: &SealedItem,
) -> Result<String, JsValue> {
    let hkdf = object(&[
        ("name", "HKDF".into()),
        ("hash", "SHA-256".into()),
        ("salt", Uint8Array::from(item.nonce.as_slice()).into()),
        ("info", Uint8Array::from(item.info.as_bytes()).into()),
    ])?;
    let aes = object(&[("name", "AES-GCM".into()), ("length", 256.into())])?;
    let derived: CryptoKey = JsFuture::from(subtle.derive_key_with_object_and_object(
        &hkdf,
        base,
        &aes,
        false,
        &usages("decrypt"),
    )?)
    .await?
    .dyn_into()?;
    let gcm = object(&[
        ("name", "AES-GCM".into()),
        ("iv", Uint8Array::new_with_length(12).into()),
    ])?;
    let plain =
        JsFuture::from(subtle.decrypt_with_object_and_u8_array(&gcm, &derived, &item.data)?)
            .await?;
    String::from_utf8(Uint8Array::new(&plain).to_vec()).map_err(|_| JsValue::NULL)
}
