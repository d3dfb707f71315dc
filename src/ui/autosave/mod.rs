//! The open project's durability in the page. Every change of the workspace is appended to the
//! project's log in IndexedDB as it happens (issued in the same task as the change, committed at
//! once: a reload or a closed tab a moment later keeps it); "saved" shows once the browser says
//! the write is committed. The log is folded into a snapshot in the background, a part at a
//! time. Tabs of one project take turns: the one holding the project's lock edits, the others
//! follow its saved edits read-only until they take over.
//!
//! What to write and when is decided by `workspace::journal` (plain Rust); here are the
//! signals the page shows and the writes issued: `writes` (the log, the whole project, "saved",
//! persistence), `compaction`, `opening` (a new or stored project), `following` (another tab).

use leptos::prelude::*;

use crate::browser::storage::{self, Head, StorageError};
use crate::ui::notices::Notices;
use crate::workspace::Workspace;
use crate::workspace::journal::{Ledger, RestoreError};

mod compaction;
mod following;
mod opening;
mod writes;

pub use crate::workspace::journal::Restored;

pub const LAST_PROJECT: &str = "last-project";

/// What the project bar says while another tab edits the project.
pub const FOLLOWING: &str = "This project is being edited in another tab: this tab shows its saved changes and cannot change it. Choose “Edit here” to take over.";

#[derive(Clone, Debug, PartialEq)]
pub enum SaveState {
    /// Nothing loaded yet.
    Starting,
    Saving,
    Saved,
    /// The last write failed: the work is only in this tab.
    Failed(String),
}

/// What this tab does with the open project.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Role {
    Loading,
    /// It edits and writes.
    Editing,
    /// Another tab edits; this one shows what that one saves.
    Following,
}

/// Why a stored project could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error(transparent)]
    Restore(#[from] RestoreError),
}

#[derive(Clone, Copy)]
pub struct Autosave {
    ws: RwSignal<Workspace>,
    project: RwSignal<String>,
    /// The stored projects as the list shows them (each write updates its entry).
    projects: RwSignal<Vec<storage::StoredProject>>,
    pub save: RwSignal<SaveState>,
    pub role: RwSignal<Role>,
    /// The last edit known committed (the page shows it for tests as `data-committed`).
    pub committed: RwSignal<u64>,
    /// The last edit issued (`data-seq`).
    pub issued: RwSignal<u64>,
    /// The newest snapshot's edit once committed (`data-snapshot`).
    pub snapshot: RwSignal<u64>,
    /// Whether the log is being folded into a snapshot (`data-compacting`).
    pub compacting: RwSignal<bool>,
    /// Milliseconds from the last edit to its committed write.
    pub write_ms: RwSignal<Option<f64>>,
    /// Whether the browser keeps this site's storage under pressure; `None` until known.
    pub persisted: RwSignal<Option<bool>>,
    /// Bumped when the open project must be read again from storage (taken over, a follower
    /// that fell behind a snapshot).
    pub reload: RwSignal<u64>,
    notices: Notices,
    /// What this tab wrote of the open project.
    ledger: StoredValue<Ledger>,
    /// Persistent storage was asked for (once a page).
    asked_persist: StoredValue<bool>,
    /// A queued request for the lock (taken when the editing tab lets go or closes).
    waiting: StoredValue<bool>,
}

impl Autosave {
    pub fn new(
        ws: RwSignal<Workspace>,
        project: RwSignal<String>,
        projects: RwSignal<Vec<storage::StoredProject>>,
        notices: Notices,
    ) -> Self {
        Self {
            ws,
            project,
            projects,
            save: RwSignal::new(SaveState::Starting),
            role: RwSignal::new(Role::Loading),
            committed: RwSignal::new(0),
            issued: RwSignal::new(0),
            snapshot: RwSignal::new(0),
            compacting: RwSignal::new(false),
            write_ms: RwSignal::new(None),
            persisted: RwSignal::new(None),
            reload: RwSignal::new(0),
            notices,
            ledger: StoredValue::new(Ledger::default()),
            asked_persist: StoredValue::new(false),
            waiting: StoredValue::new(false),
        }
    }

    /// The head record of the open project after edit `seq`.
    fn head(&self, seq: u64) -> Head {
        let (name, focus) = self
            .ws
            .with_untracked(|w| (w.project.name.clone(), w.focus()));
        Head {
            id: self.project.get_untracked(),
            name,
            seq,
            focus: serde_json::to_string(&focus).unwrap_or_default(),
            bytes: self.ledger.with_value(Ledger::bytes),
        }
    }

    /// The last edit written, or being written.
    fn seq(&self) -> u64 {
        self.ledger.with_value(Ledger::seq)
    }

    /// Whether `id` is still the open project and this tab still has `role` in it.
    fn still(&self, id: &str, role: Role) -> bool {
        self.project.get_untracked() == id && self.role.get_untracked() == role
    }

    /// Has the page read the open project again from storage.
    fn read_again(&self) {
        self.reload.update(|n| *n += 1);
    }
}
