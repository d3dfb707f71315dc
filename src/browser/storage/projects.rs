//! Projects' records: heads (what the list shows), the edit log appended a transaction at a
//! time, snapshots with what each leaves of the older records, a project read back whole or
//! from an edit on, and a project deleted.

use idb::TransactionMode;
use js_sys::{Array, Object};
use wasm_bindgen::{JsCast, JsValue};

use super::{
    ALL, DAMAGED, LOG, MAX_SEQ, PROJECTS, Pending, Result, SETTINGS, SNAPSHOTS, all_of, entries,
    field, key, object, open, place_key, range, seq_of, store, write,
};
use crate::workspace::journal::{Records, Sealed, Snapshot};

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

pub async fn list_projects() -> Result<Vec<StoredProject>> {
    let db = open().await?;
    let tx = db.transaction(&[PROJECTS], TransactionMode::ReadOnly)?;
    let all = store(&tx, PROJECTS)?.get_all(None, None)?.await?;
    let mut list: Vec<StoredProject> = all.iter().filter_map(listed).collect();
    list.sort_by(|a, b| b.updated.total_cmp(&a.updated));
    Ok(list)
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
