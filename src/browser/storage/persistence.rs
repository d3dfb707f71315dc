//! The browser's storage manager: whether this site's storage is kept under pressure, asking
//! that it be, and what the site uses of its quota.

use js_sys::Reflect;
use wasm_bindgen::{JsCast, JsValue};

use super::field;

fn storage_manager() -> Option<web_sys::StorageManager> {
    let navigator = web_sys::window()?.navigator();
    // Older browsers have no `navigator.storage`.
    let manager = Reflect::get(&navigator, &JsValue::from_str("storage")).ok()?;
    (!manager.is_undefined()).then(|| manager.unchecked_into())
}

async fn boolean(promise: std::result::Result<js_sys::Promise, JsValue>) -> Option<bool> {
    let value = wasm_bindgen_futures::JsFuture::from(promise.ok()?)
        .await
        .ok()?;
    value.as_bool()
}

/// Whether the browser keeps this site's storage under pressure (`navigator.storage.persisted()`);
/// `None` where it does not say.
pub async fn persisted() -> Option<bool> {
    boolean(storage_manager()?.persisted()).await
}

/// Asks the browser to keep this site's storage (`navigator.storage.persist()`): granted or not.
pub async fn persist() -> Option<bool> {
    boolean(storage_manager()?.persist()).await
}

/// What this origin uses of the browser's storage and its quota, in bytes
/// (`navigator.storage.estimate()`: IndexedDB and the offline cache together); `None` where the
/// browser does not say.
pub async fn usage() -> Option<(f64, f64)> {
    let promise = storage_manager()?.estimate().ok()?;
    let value = wasm_bindgen_futures::JsFuture::from(promise).await.ok()?;
    Some((
        field(&value, "usage").as_f64()?,
        field(&value, "quota").as_f64()?,
    ))
}
