//! What the data panel offers for support: raw copies of damaged projects kept and counted, every
//! stored record exported as JSON, and everything deleted.

use idb::TransactionMode;
use js_sys::{Array, Object, Reflect};
use wasm_bindgen::JsValue;

use super::{
    ALL, DAMAGED, LOG, PROJECTS, Result, SNAPSHOTS, StorageError, all_of, entries, key, object,
    open, store, write,
};

/// Keeps a raw copy (JSON) of a project's records that could not all be read back.
pub async fn keep_damaged(id: &str, raw: &str) -> Result<()> {
    open().await?;
    let value = JsValue::from_str(raw);
    let at = js_sys::Date::now() as u64;
    write(&[DAMAGED], false, |tx| {
        store(tx, DAMAGED)?.put(&value, Some(&key(id, at)))?;
        Ok(())
    })?
    .await
}

/// Every record microact stored, as JSON (`{store: [{key, value}]}`), for support.
pub async fn export_raw() -> Result<String> {
    let db = open().await?;
    let tx = db.transaction(&ALL, TransactionMode::ReadOnly)?;
    let out = Object::new();
    for name in ALL {
        put_records(&out, &tx, name, None).await?;
    }
    js_sys::JSON::stringify_with_replacer_and_space(&out, &JsValue::NULL, &JsValue::from_f64(1.0))
        .map(String::from)
        .map_err(|e| StorageError::from_js(&e))
}

/// The raw records of one project (head, snapshots, log), as JSON.
pub async fn raw_project(id: &str) -> Result<String> {
    let db = open().await?;
    let tx = db.transaction(&[PROJECTS, LOG, SNAPSHOTS], TransactionMode::ReadOnly)?;
    let head = store(&tx, PROJECTS)?.get(JsValue::from_str(id))?.await?;
    let out = object(&[("head", head.unwrap_or(JsValue::NULL))])?;
    for name in [SNAPSHOTS, LOG] {
        put_records(&out, &tx, name, Some(all_of(id)?)).await?;
    }
    js_sys::JSON::stringify(&out)
        .map(String::from)
        .map_err(|e| StorageError::from_js(&e))
}

/// Deletes every project and setting this page stored (the database stays, empty).
pub async fn delete_everything() -> Result<()> {
    open().await?;
    write(&ALL, false, |tx| {
        for name in ALL {
            store(tx, name)?.clear()?;
        }
        Ok(())
    })?
    .await
}

/// How many damaged copies are kept.
pub async fn count_damaged() -> Result<u32> {
    let db = open().await?;
    let tx = db.transaction(&[DAMAGED], TransactionMode::ReadOnly)?;
    Ok(store(&tx, DAMAGED)?.count(None)?.await?)
}

/// Sets `out[name]` to the records of store `name` in `query` as `[{key, value}]`.
async fn put_records(
    out: &Object,
    tx: &idb::Transaction,
    name: &str,
    query: Option<idb::Query>,
) -> Result<()> {
    let list = Array::new();
    for (k, v) in entries(tx, name, query).await? {
        list.push(&object(&[("key", k), ("value", v)])?.into());
    }
    Reflect::set(out, &JsValue::from_str(name), &list).map_err(|e| StorageError::from_js(&e))?;
    Ok(())
}
