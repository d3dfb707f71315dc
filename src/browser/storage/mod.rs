//! Projects and settings in the browser's IndexedDB (through the `idb` crate, on one connection
//! opened at start):
//! - `projects`: a small head record per project (name, size, the last edit's number, focus);
//! - `log`: every edit as the page applied it, keyed `[project, n]`, appended (`add`, never
//!   `put`: a second tab writing the same number fails instead of overwriting);
//! - `snapshots`: the project after edit `n`, keyed `[project, n]`; the two newest are kept,
//!   with the log since the older one;
//! - `damaged`: raw copies of records that could not be read back, for support;
//! - `settings`: the last project, the keymap, where each project was left.
//!
//! Here the connection, the write path and the keys; `projects`, `settings`, `support` (raw
//! records, deleting everything) and `persistence` (the browser's storage manager) use them.
//!
//! Writes are issued synchronously, in the task that made the change, and committed at once
//! (`commit()`), so that a reload or a closed tab right after an edit still writes it; an edit's
//! append asks for `strict` durability (on disk when it completes). The transaction's completion
//! is awaited through its own events rather than `idb`'s future, which drops the
//! `DOMException`'s name (needed to tell a full quota from a conflict).

use std::cell::RefCell;
use std::future::Future;

use idb::builder::{DatabaseBuilder, ObjectStoreBuilder};
use idb::{Database, KeyPath, KeyRange, Query};
use js_sys::{Array, Object, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::IdbTransaction;

mod persistence;
mod projects;
mod settings;
mod support;

pub use persistence::{persist, persisted, usage};
pub use projects::{
    Head, Keep, StoredProject, append, delete_project, list_projects, load, log_from, put_head,
    put_snapshot,
};
pub use settings::{count_settings, place_key, put_setting, set_setting, setting};
pub use support::{count_damaged, delete_everything, export_raw, keep_damaged, raw_project};

const DB: &str = "microact";
const VERSION: u32 = 2;
const PROJECTS: &str = "projects";
const LOG: &str = "log";
const SNAPSHOTS: &str = "snapshots";
const DAMAGED: &str = "damaged";
const SETTINGS: &str = "settings";
const ALL: [&str; 5] = [PROJECTS, LOG, SNAPSHOTS, DAMAGED, SETTINGS];

/// Why storing or reading failed.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum StorageError {
    #[error("the browser's storage (IndexedDB) is not available: {0}")]
    Unavailable(String),
    #[error("the browser's storage for this site is full ({0})")]
    Full(String),
    #[error("another tab wrote to this project at the same moment")]
    Conflict,
    #[error("{0}")]
    Failed(String),
}

impl StorageError {
    fn from_dom(e: &web_sys::DomException) -> Self {
        match e.name().as_str() {
            "QuotaExceededError" => Self::Full(e.message()),
            "ConstraintError" => Self::Conflict,
            name => Self::Failed(format!("{name}: {}", e.message())),
        }
    }

    fn from_js(e: &JsValue) -> Self {
        match e.dyn_ref::<web_sys::DomException>() {
            Some(dom) => Self::from_dom(dom),
            None => Self::Failed(super::js_error_text(e)),
        }
    }
}

impl From<idb::Error> for StorageError {
    fn from(e: idb::Error) -> Self {
        match &e {
            idb::Error::DomException(dom) => Self::from_dom(dom),
            _ => Self::Failed(e.to_string()),
        }
    }
}

type Result<T> = std::result::Result<T, StorageError>;

thread_local! {
    static CONNECTION: RefCell<Option<web_sys::IdbDatabase>> = const { RefCell::new(None) };
}

/// The page's connection, opened (and upgraded) on first use.
pub async fn open() -> Result<Database> {
    if let Some(db) = connection() {
        return Ok(db.into());
    }
    let keyed = |name: &str| ObjectStoreBuilder::new(name);
    let mut db = DatabaseBuilder::new(DB)
        .version(VERSION)
        .add_object_store(keyed(PROJECTS).key_path(Some(KeyPath::new_single("id"))))
        .add_object_store(keyed(LOG))
        .add_object_store(keyed(SNAPSHOTS))
        .add_object_store(keyed(DAMAGED))
        .add_object_store(keyed(SETTINGS))
        .build()
        .await
        .map_err(|e| StorageError::Unavailable(StorageError::from(e).to_string()))?;
    // A newer version of the page in another tab needs this connection closed to upgrade.
    db.on_version_change(|_| {
        if let Some(db) = CONNECTION.with(|c| c.borrow_mut().take()) {
            db.close();
        }
    });
    let raw: web_sys::IdbDatabase = db.into();
    CONNECTION.with(|c| *c.borrow_mut() = Some(raw.clone()));
    Ok(raw.into())
}

/// The open connection, for writes that must be issued now; `None` before [`open`].
fn connection() -> Option<web_sys::IdbDatabase> {
    CONNECTION.with(|c| c.borrow().clone())
}

fn key(id: &str, n: u64) -> JsValue {
    Array::of2(&JsValue::from_str(id), &JsValue::from_f64(n as f64)).into()
}

/// Keys `[id, from..=to]`.
fn range(id: &str, from: u64, to: u64) -> Result<Query> {
    Ok(KeyRange::bound(&key(id, from), &key(id, to), None, None)?.into())
}

/// Every key of project `id`.
fn all_of(id: &str) -> Result<Query> {
    range(id, 0, MAX_SEQ)
}

const MAX_SEQ: u64 = (1 << 53) - 1;

fn object(fields: &[(&str, JsValue)]) -> Result<Object> {
    let o = Object::new();
    for (k, v) in fields {
        Reflect::set(&o, &JsValue::from_str(k), v).map_err(|e| StorageError::from_js(&e))?;
    }
    Ok(o)
}

fn field(value: &JsValue, name: &str) -> JsValue {
    Reflect::get(value, &JsValue::from_str(name)).unwrap_or(JsValue::UNDEFINED)
}

fn seq_of(key: &JsValue) -> Option<u64> {
    let n = Reflect::get_u32(key, 1).ok()?.as_f64()?;
    (n >= 0.0 && n.fract() == 0.0).then_some(n as u64)
}

/// A write issued and not yet known to be committed.
pub type Pending = std::pin::Pin<Box<dyn Future<Output = Result<()>>>>;

/// A read-write transaction over `stores`, its requests issued by `fill` now, committed at once.
fn write(
    stores: &[&str],
    strict: bool,
    fill: impl FnOnce(&idb::Transaction) -> Result<()>,
) -> Result<Pending> {
    let raw =
        connection().ok_or_else(|| StorageError::Unavailable("the database is not open".into()))?;
    let names: Array = stores.iter().map(|s| JsValue::from_str(s)).collect();
    // `transaction(stores, mode, {durability})` by name: web-sys has the options dictionary
    // only behind `web_sys_unstable_apis`.
    let durability = if strict { "strict" } else { "default" };
    let options = object(&[("durability", durability.into())])?;
    let method: js_sys::Function = Reflect::get(&raw, &JsValue::from_str("transaction"))
        .and_then(|f| f.dyn_into())
        .map_err(|e| StorageError::from_js(&e))?;
    let tx: IdbTransaction = method
        .call3(&raw, &names, &JsValue::from_str("readwrite"), &options)
        .and_then(|t| t.dyn_into())
        .map_err(|e| StorageError::from_js(&e))?;
    let done = settled(&tx);
    let wrapped = idb::Transaction::from(tx.clone());
    if let Err(e) = fill(&wrapped) {
        let _ = tx.abort();
        return Err(e);
    }
    wrapped.commit()?;
    Ok(Box::pin(done))
}

/// Resolves when `tx` commits; its error when it aborts.
fn settled(tx: &IdbTransaction) -> impl Future<Output = Result<()>> + 'static {
    let tx = tx.clone();
    let promise = js_sys::Promise::new(&mut |resolve, reject| {
        tx.set_oncomplete(Some(&resolve));
        let failed = tx.clone();
        let on_abort = wasm_bindgen::closure::Closure::once_into_js(move || {
            let why = match failed.error() {
                Some(e) => e.into(),
                None => JsValue::from_str("the write was aborted"),
            };
            let _ = reject.call1(&JsValue::NULL, &why);
        });
        tx.set_onabort(Some(on_abort.unchecked_ref()));
    });
    async move {
        wasm_bindgen_futures::JsFuture::from(promise)
            .await
            .map(drop)
            .map_err(|e| StorageError::from_js(&e))
    }
}

fn store(tx: &idb::Transaction, name: &str) -> Result<idb::ObjectStore> {
    Ok(tx.object_store(name)?)
}

/// Keys and values of `store` in `query`, in key order.
async fn entries(
    tx: &idb::Transaction,
    name: &str,
    query: Option<Query>,
) -> Result<Vec<(JsValue, JsValue)>> {
    let store = store(tx, name)?;
    let keys = store.get_all_keys(query.clone(), None)?.await?;
    let values = store.get_all(query, None)?.await?;
    Ok(keys.into_iter().zip(values).collect())
}

/// A fresh id for a new project.
pub fn new_id() -> String {
    let t = js_sys::Date::now() as u64;
    let r = (js_sys::Math::random() * 1e9) as u64;
    format!("p{t:x}{r:x}")
}
