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
//! Writes are issued synchronously, in the task that made the change, and committed at once
//! (`commit()`), so that a reload or a closed tab right after an edit still writes it; an edit's
//! append asks for `strict` durability (on disk when it completes). The transaction's completion
//! is awaited through its own events rather than `idb`'s future, which drops the
//! `DOMException`'s name (needed to tell a full quota from a conflict).

use std::cell::RefCell;
use std::future::Future;

use idb::builder::{DatabaseBuilder, ObjectStoreBuilder};
use idb::{Database, KeyPath, KeyRange, Query, TransactionMode};
use js_sys::{Array, Object, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::IdbTransaction;

use crate::workspace::journal::{Records, Sealed, Snapshot};

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

/// A project's head record: what the list shows and where its log ends.
#[derive(Clone, Debug, PartialEq)]
pub struct Head {
    pub id: String,
    pub name: String,
    /// The last edit stored.
    pub seq: u64,
    /// The workspace's focus (JSON of `journal::Focus`).
    pub focus: String,
    /// The stored size: snapshot and log.
    pub bytes: u64,
}

impl Head {
    fn record(&self) -> Result<Object> {
        object(&[
            ("id", self.id.as_str().into()),
            ("name", self.name.as_str().into()),
            ("updated", js_sys::Date::now().into()),
            ("seq", (self.seq as f64).into()),
            ("focus", self.focus.as_str().into()),
            ("bytes", (self.bytes as f64).into()),
        ])
    }
}

/// A stored project as the project list shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredProject {
    pub id: String,
    pub name: String,
    /// `Date.now()` of the last save.
    pub updated: f64,
    pub bytes: u64,
}

fn listed(value: &JsValue) -> Option<StoredProject> {
    Some(StoredProject {
        id: field(value, "id").as_string()?,
        name: field(value, "name").as_string().unwrap_or_default(),
        updated: field(value, "updated").as_f64().unwrap_or(0.0),
        bytes: field(value, "bytes").as_f64().unwrap_or(0.0) as u64,
    })
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

/// Appends edits `first, first + 1, …` to project `head.id`'s log with its head, in one
/// transaction issued now.
pub fn append(head: &Head, first: u64, entries: &[Sealed]) -> Result<Pending> {
    let record = head.record()?;
    write(&[PROJECTS, LOG], true, |tx| {
        let log = store(tx, LOG)?;
        for (i, entry) in entries.iter().enumerate() {
            let value = object(&[
                ("text", entry.text.as_str().into()),
                ("sum", entry.sum.as_str().into()),
            ])?;
            log.add(&value, Some(&key(&head.id, first + i as u64)))?;
        }
        store(tx, PROJECTS)?.put(&record, None)?;
        Ok(())
    })
}

/// Writes the head only (the focus changed, not the project).
pub fn put_head(head: &Head) -> Result<Pending> {
    let record = head.record()?;
    write(&[PROJECTS], false, |tx| {
        store(tx, PROJECTS)?.put(&record, None)?;
        Ok(())
    })
}

/// What a new snapshot leaves of the older records.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Keep {
    /// The snapshot after edit `n` and the log after it (compaction keeps one older snapshot).
    Since(u64),
    /// Nothing: a new project, or a recovered one starting afresh.
    Nothing,
}

/// Writes `snapshot` with the head, dropping what `keep` does not keep, issued now.
pub fn put_snapshot(head: &Head, snapshot: &Snapshot, keep: Keep) -> Result<Pending> {
    let record = head.record()?;
    let parts: Array = snapshot
        .parts
        .iter()
        .map(|p| JsValue::from_str(p))
        .collect();
    let value = object(&[
        ("parts", parts.into()),
        ("sum", snapshot.sum.as_str().into()),
    ])?;
    write(&[PROJECTS, LOG, SNAPSHOTS], true, |tx| {
        let (snapshots, log) = (store(tx, SNAPSHOTS)?, store(tx, LOG)?);
        match keep {
            Keep::Nothing => {
                snapshots.delete(all_of(&head.id)?)?;
                log.delete(all_of(&head.id)?)?;
            }
            Keep::Since(n) => {
                if n > 0 {
                    snapshots.delete(range(&head.id, 0, n - 1)?)?;
                }
                log.delete(range(&head.id, 0, n)?)?;
            }
        }
        snapshots.put(&value, Some(&key(&head.id, snapshot.seq)))?;
        store(tx, PROJECTS)?.put(&record, None)?;
        Ok(())
    })
}

fn sealed(value: &JsValue) -> Option<Sealed> {
    Some(Sealed {
        text: field(value, "text").as_string()?,
        sum: field(value, "sum").as_string()?,
    })
}

fn snapshot(seq: u64, value: &JsValue) -> Option<Snapshot> {
    let parts = field(value, "parts").dyn_into::<Array>().ok()?;
    Some(Snapshot {
        seq,
        parts: parts.iter().map(|p| p.as_string()).collect::<Option<_>>()?,
        sum: field(value, "sum").as_string()?,
    })
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

/// Project `id` as stored: head, snapshots, log.
pub async fn load(id: &str) -> Result<Records> {
    let db = open().await?;
    let tx = db.transaction(&[PROJECTS, LOG, SNAPSHOTS], TransactionMode::ReadOnly)?;
    let mut out = Records::default();
    let Some(head) = store(&tx, PROJECTS)?.get(JsValue::from_str(id))?.await? else {
        return Ok(out);
    };
    out.name = field(&head, "name").as_string().or(Some(String::new()));
    out.focus = field(&head, "focus").as_string();
    out.legacy = field(&head, "session").as_string();
    for (k, v) in entries(&tx, SNAPSHOTS, Some(all_of(id)?)).await? {
        match seq_of(&k).and_then(|n| snapshot(n, &v)) {
            Some(s) => out.snapshots.push(s),
            None => out
                .unreadable
                .push("a snapshot record is not a snapshot".into()),
        }
    }
    out.log = log_records(&tx, id, 0, &mut out.unreadable).await?;
    Ok(out)
}

async fn log_records(
    tx: &idb::Transaction,
    id: &str,
    from: u64,
    unreadable: &mut Vec<String>,
) -> Result<Vec<(u64, Sealed)>> {
    let mut log = Vec::new();
    for (k, v) in entries(tx, LOG, Some(range(id, from, MAX_SEQ)?)).await? {
        match (seq_of(&k), sealed(&v)) {
            (Some(n), Some(s)) => log.push((n, s)),
            (n, _) => unreadable.push(match n {
                Some(n) => format!("edit {n} is not an edit record"),
                None => "a log record has a key that is not an edit number".into(),
            }),
        }
    }
    Ok(log)
}

/// Project `id`'s log from edit `from` on (a tab that follows another's edits).
pub async fn log_from(id: &str, from: u64) -> Result<Vec<(u64, Sealed)>> {
    let db = open().await?;
    let tx = db.transaction(&[LOG], TransactionMode::ReadOnly)?;
    log_records(&tx, id, from, &mut Vec::new()).await
}

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
        let list = Array::new();
        for (k, v) in entries(&tx, name, None).await? {
            list.push(&object(&[("key", k), ("value", v)])?.into());
        }
        Reflect::set(&out, &JsValue::from_str(name), &list)
            .map_err(|e| StorageError::from_js(&e))?;
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
        let list = Array::new();
        for (k, v) in entries(&tx, name, Some(all_of(id)?)).await? {
            list.push(&object(&[("key", k), ("value", v)])?.into());
        }
        Reflect::set(&out, &JsValue::from_str(name), &list)
            .map_err(|e| StorageError::from_js(&e))?;
    }
    js_sys::JSON::stringify(&out)
        .map(String::from)
        .map_err(|e| StorageError::from_js(&e))
}

pub async fn list_projects() -> Result<Vec<StoredProject>> {
    let db = open().await?;
    let tx = db.transaction(&[PROJECTS], TransactionMode::ReadOnly)?;
    let all = store(&tx, PROJECTS)?.get_all(None, None)?.await?;
    let mut list: Vec<StoredProject> = all.iter().filter_map(listed).collect();
    list.sort_by(|a, b| b.updated.total_cmp(&a.updated));
    Ok(list)
}

/// The settings key of a project's place (zoom, pan, playhead), saved apart from the project
/// so that moving about does not rewrite a large project.
pub fn place_key(id: &str) -> String {
    format!("place:{id}")
}

/// Deletes a project: its head, log, snapshots, damaged copies and place.
pub async fn delete_project(id: &str) -> Result<()> {
    open().await?;
    let place = JsValue::from_str(&place_key(id));
    write(&ALL, false, |tx| {
        store(tx, PROJECTS)?.delete(JsValue::from_str(id))?;
        for name in [LOG, SNAPSHOTS, DAMAGED] {
            store(tx, name)?.delete(all_of(id)?)?;
        }
        store(tx, SETTINGS)?.delete(place)?;
        Ok(())
    })?
    .await
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

/// How many settings are stored.
pub async fn count_settings() -> Result<u32> {
    let db = open().await?;
    let tx = db.transaction(&[SETTINGS], TransactionMode::ReadOnly)?;
    Ok(store(&tx, SETTINGS)?.count(None)?.await?)
}

/// How many damaged copies are kept.
pub async fn count_damaged() -> Result<u32> {
    let db = open().await?;
    let tx = db.transaction(&[DAMAGED], TransactionMode::ReadOnly)?;
    Ok(store(&tx, DAMAGED)?.count(None)?.await?)
}

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

/// A fresh id for a new project.
pub fn new_id() -> String {
    let t = js_sys::Date::now() as u64;
    let r = (js_sys::Math::random() * 1e9) as u64;
    format!("p{t:x}{r:x}")
}
