//! Projects and settings in the browser's IndexedDB (through rexie): one record per project
//! holding its saved session as JSON, and a settings store (the last open project, the keymap).
//! Errors are text a person can act on ("QuotaExceededError: …").

use js_sys::{Object, Reflect};
use rexie::{ObjectStore, Rexie, Store, Transaction, TransactionMode};
use wasm_bindgen::{JsCast, JsValue};

const DB: &str = "microact";
const VERSION: u32 = 1;
const PROJECTS: &str = "projects";
const SETTINGS: &str = "settings";

/// A stored project as the project list shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredProject {
    pub id: String,
    pub name: String,
    /// `Date.now()` of the last save.
    pub updated: f64,
    /// Size of the saved JSON.
    pub bytes: u64,
}

fn text(e: rexie::Error) -> String {
    match e {
        rexie::Error::IdbError(e) => e.to_string(),
        e => e.to_string(),
    }
}

async fn open() -> Result<Rexie, String> {
    Rexie::builder(DB)
        .version(VERSION)
        .add_object_store(ObjectStore::new(PROJECTS).key_path("id"))
        .add_object_store(ObjectStore::new(SETTINGS))
        .build()
        .await
        .map_err(|e| {
            format!(
                "the browser's storage (IndexedDB) is not available: {}",
                text(e)
            )
        })
}

fn field(value: &JsValue, name: &str) -> JsValue {
    Reflect::get(value, &JsValue::from_str(name)).unwrap_or(JsValue::UNDEFINED)
}

fn stored(value: &JsValue) -> Option<StoredProject> {
    Some(StoredProject {
        id: field(value, "id").as_string()?,
        name: field(value, "name").as_string().unwrap_or_default(),
        updated: field(value, "updated").as_f64().unwrap_or(0.0),
        bytes: field(value, "bytes").as_f64().unwrap_or(0.0) as u64,
    })
}

/// One store of the database, in a transaction of its own.
async fn store(name: &str, mode: TransactionMode) -> Result<(Transaction, Store), String> {
    let db = open().await?;
    let tx = db.transaction(&[name], mode).map_err(text)?;
    let store = tx.store(name).map_err(text)?;
    Ok((tx, store))
}

/// Saves (inserts or replaces) a project's session JSON.
pub async fn save_project(id: &str, name: &str, session: &str) -> Result<(), String> {
    let record = Object::new();
    let set = |k: &str, v: JsValue| Reflect::set(&record, &JsValue::from_str(k), &v).map(|_| ());
    set("id", id.into())
        .and_then(|_| set("name", name.into()))
        .and_then(|_| set("updated", js_sys::Date::now().into()))
        .and_then(|_| set("bytes", (session.len() as f64).into()))
        .and_then(|_| set("session", session.into()))
        .map_err(|e| super::js_error_text(&e))?;
    let (tx, store) = store(PROJECTS, TransactionMode::ReadWrite).await?;
    store.put(&record, None).await.map_err(text)?;
    tx.done().await.map_err(text)?;
    Ok(())
}

/// The session JSON of project `id`; `None` when there is no such project.
pub async fn load_project(id: &str) -> Result<Option<String>, String> {
    let (_tx, store) = store(PROJECTS, TransactionMode::ReadOnly).await?;
    let value = store.get(id.into()).await.map_err(text)?;
    Ok(value.and_then(|v| field(&v, "session").as_string()))
}

pub async fn list_projects() -> Result<Vec<StoredProject>, String> {
    let (_tx, store) = store(PROJECTS, TransactionMode::ReadOnly).await?;
    let all = store.get_all(None, None).await.map_err(text)?;
    let mut list: Vec<StoredProject> = all.iter().filter_map(stored).collect();
    list.sort_by(|a, b| b.updated.total_cmp(&a.updated));
    Ok(list)
}

/// The settings key of a project's place (zoom, pan, playhead), saved apart from the project
/// so that moving about does not rewrite a large project.
pub fn place_key(id: &str) -> String {
    format!("place:{id}")
}

/// Deletes a project and its place.
pub async fn delete_project(id: &str) -> Result<(), String> {
    let db = open().await?;
    let tx = db
        .transaction(&[PROJECTS, SETTINGS], TransactionMode::ReadWrite)
        .map_err(text)?;
    tx.store(PROJECTS)
        .map_err(text)?
        .delete(id.into())
        .await
        .map_err(text)?;
    tx.store(SETTINGS)
        .map_err(text)?
        .delete(place_key(id).into())
        .await
        .map_err(text)?;
    tx.done().await.map_err(text)?;
    Ok(())
}

/// A setting's text (`last-project`, `keymap`).
pub async fn setting(key: &str) -> Result<Option<String>, String> {
    let (_tx, store) = store(SETTINGS, TransactionMode::ReadOnly).await?;
    let value = store.get(key.into()).await.map_err(text)?;
    Ok(value.and_then(|v| v.as_string()))
}

pub async fn set_setting(key: &str, value: &str) -> Result<(), String> {
    let (tx, store) = store(SETTINGS, TransactionMode::ReadWrite).await?;
    store
        .put(&JsValue::from_str(value), Some(&JsValue::from_str(key)))
        .await
        .map_err(text)?;
    tx.done().await.map_err(text)?;
    Ok(())
}

/// Deletes every project and setting this page stored (the database stays, empty).
pub async fn delete_everything() -> Result<(), String> {
    let db = open().await?;
    let tx = db
        .transaction(&[PROJECTS, SETTINGS], TransactionMode::ReadWrite)
        .map_err(text)?;
    for name in [PROJECTS, SETTINGS] {
        tx.store(name).map_err(text)?.clear().await.map_err(text)?;
    }
    tx.done().await.map_err(text)?;
    Ok(())
}

/// How many settings are stored.
pub async fn count_settings() -> Result<u32, String> {
    let (_tx, store) = store(SETTINGS, TransactionMode::ReadOnly).await?;
    store.count(None).await.map_err(text)
}

/// What this origin uses of the browser's storage and its quota, in bytes
/// (`navigator.storage.estimate()`: IndexedDB and the offline cache together); `None` where the
/// browser does not say.
pub async fn usage() -> Option<(f64, f64)> {
    let navigator = web_sys::window()?.navigator();
    let manager = Reflect::get(&navigator, &JsValue::from_str("storage")).ok()?;
    if manager.is_undefined() {
        return None;
    }
    let estimate: js_sys::Function = Reflect::get(&manager, &JsValue::from_str("estimate"))
        .ok()?
        .dyn_into()
        .ok()?;
    let promise: js_sys::Promise = estimate.call0(&manager).ok()?.dyn_into().ok()?;
    let value = wasm_bindgen_futures::JsFuture::from(promise).await.ok()?;
    Some((
        field(&value, "usage").as_f64()?,
        field(&value, "quota").as_f64()?,
    ))
}

/// A fresh id for a new project.
pub fn new_id() -> String {
    let t = js_sys::Date::now() as u64;
    let r = (js_sys::Math::random() * 1e9) as u64;
    format!("p{t:x}{r:x}")
}
