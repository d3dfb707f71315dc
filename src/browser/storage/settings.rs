//! Settings: small texts by key (the last project, the key map, where each project was left).

use idb::TransactionMode;
use wasm_bindgen::JsValue;

use super::{Pending, Result, SETTINGS, open, store, write};

/// The settings key of a project's place (zoom, pan, playhead), saved apart from the project
/// so that moving about does not rewrite a large project.
pub fn place_key(id: &str) -> String {
    format!("place:{id}")
}

/// A setting's text (`last-project`, `keymap`).
pub async fn setting(key: &str) -> Result<Option<String>> {
    let db = open().await?;
    let tx = db.transaction(&[SETTINGS], TransactionMode::ReadOnly)?;
    let value = store(&tx, SETTINGS)?.get(JsValue::from_str(key))?.await?;
    Ok(value.and_then(|v| v.as_string()))
}

/// Writes a setting, issued now (a page about to close still writes it).
pub fn put_setting(key: &str, value: &str) -> Result<Pending> {
    let (key, value) = (JsValue::from_str(key), JsValue::from_str(value));
    write(&[SETTINGS], false, |tx| {
        store(tx, SETTINGS)?.put(&value, Some(&key))?;
        Ok(())
    })
}

pub async fn set_setting(key: &str, value: &str) -> Result<()> {
    open().await?;
    put_setting(key, value)?.await
}

/// How many settings are stored.
pub async fn count_settings() -> Result<u32> {
    let db = open().await?;
    let tx = db.transaction(&[SETTINGS], TransactionMode::ReadOnly)?;
    Ok(store(&tx, SETTINGS)?.count(None)?.await?)
}
