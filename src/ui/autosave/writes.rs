//! The writes of the open project: each change issued at once (log entries, or the whole
//! project after a failure), "saved" when committed, a failure said once, and persistent
//! storage asked for at the first save.

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::{Autosave, LAST_PROJECT, Role, SaveState};
use crate::browser::storage::{self, Keep, Pending, StorageError};
use crate::browser::tabs::{self, Message};
use crate::browser::{self};
use crate::workspace::journal::{Ledger, Snapshot, Write};

impl Autosave {
    /// Writes what changed since the last call, now: the workspace's new log entries with its
    /// head, or the head alone when only the focus changed. Runs after every change of the
    /// workspace and when the page is hidden or closed.
    pub fn flush(&self) {
        let role = self.role.get_untracked();
        if role != Role::Editing {
            if role == Role::Loading {
                // Changes made before a project is loaded belong to no stored project.
                self.ws.update_untracked(|w| drop(w.take_journal()));
            }
            return;
        }
        let (entries, focus) = self.ws.update_untracked(|w| (w.take_journal(), w.focus()));
        let focus = serde_json::to_string(&focus).unwrap_or_default();
        let write = match self
            .ledger
            .try_update_value(|l| l.next_write(&entries, focus))
        {
            None | Some(Ok(Write::Nothing)) => return,
            Some(Ok(write)) => write,
            Some(Err(e)) => {
                return self.failed(StorageError::Failed(format!(
                    "an edit could not be written as JSON: {e}"
                )));
            }
        };
        let seq = self.seq();
        let pending = match write {
            Write::Whole => return self.write_whole(seq),
            Write::Append { first, entries } => storage::append(&self.head(seq), first, &entries),
            Write::Head | Write::Nothing => storage::put_head(&self.head(seq)),
        };
        self.track(pending, seq, false);
    }

    /// Writes the whole project as the snapshot after edit `seq`, dropping its older records
    /// (a new project, a recovered one, or after a failed write).
    pub(super) fn write_whole(&self, seq: u64) {
        let snapshot = self
            .ws
            .update_untracked(|w| Snapshot::of(&mut w.project, seq));
        let snapshot = match snapshot {
            Ok(s) => s,
            Err(e) => {
                return self.failed(StorageError::Failed(format!(
                    "the project could not be written as JSON: {e}"
                )));
            }
        };
        self.ledger.update_value(|l| l.whole(&snapshot));
        let pending = storage::put_snapshot(&self.head(seq), &snapshot, Keep::Nothing);
        self.track(pending, seq, true);
    }

    /// Follows an issued write to its end.
    fn track(&self, pending: Result<Pending, StorageError>, seq: u64, whole: bool) {
        self.issued.set(seq);
        let pending = match pending {
            Ok(p) => p,
            Err(e) => return self.failed(e),
        };
        let started = browser::now_ms();
        let project = self.project.get_untracked();
        self.ledger.update_value(Ledger::issued);
        if !matches!(self.save.get_untracked(), SaveState::Failed(_)) {
            self.save.set(SaveState::Saving);
        }
        let this = *self;
        spawn_local(async move {
            let result = pending.await;
            this.ledger.update_value(Ledger::settled);
            if this.project.get_untracked() != project {
                // A write of the project open before; its failure, if any, was its own.
                return;
            }
            match result {
                Ok(()) => this.committed_write(&project, seq, whole, browser::now_ms() - started),
                Err(StorageError::Conflict) => this.conflict(),
                Err(e) => this.failed(e),
            }
        });
    }

    fn committed_write(&self, project: &str, seq: u64, whole: bool, ms: f64) {
        self.write_ms.set(Some(ms));
        if seq > self.committed.get_untracked() {
            self.committed.set(seq);
        }
        let Some(next) = self.ledger.try_update_value(|l| l.committed(whole)) else {
            return;
        };
        if whole {
            self.snapshot.set(seq);
        }
        if next.saved {
            self.save.set(SaveState::Saved);
        }
        tabs::say(&Message::Saved {
            project: project.to_string(),
            seq,
        });
        // The list learns of this write here rather than by reading every project back.
        let head = self.head(seq);
        let entry = storage::StoredProject {
            id: head.id,
            name: head.name,
            updated: browser::now_epoch_ms(),
            bytes: head.bytes,
        };
        self.projects.update(|list| {
            list.retain(|p| p.id != entry.id);
            list.insert(0, entry);
        });
        self.ask_to_persist();
        if next.compact {
            self.compact();
        }
    }

    pub(super) fn failed(&self, e: StorageError) {
        let why = e.to_string();
        self.save.set(SaveState::Failed(why.clone()));
        if self.ledger.try_update_value(Ledger::failed) == Some(true) {
            self.notices.error(format!(
                "Your work is not being saved in this browser ({why}). It is still here in this tab: use “Export now” to keep a copy."
            ));
        }
    }

    /// Asks once, at the first committed write, that the browser keep this site's storage.
    fn ask_to_persist(&self) {
        if self.asked_persist.get_value() {
            return;
        }
        self.asked_persist.set_value(true);
        let persisted = self.persisted;
        spawn_local(async move {
            let granted = match storage::persisted().await {
                Some(true) => Some(true),
                _ => storage::persist().await,
            };
            persisted.set(granted);
        });
    }

    /// Reads whether storage is persistent (the data panel shows it before any save).
    pub fn check_persisted(&self) {
        let persisted = self.persisted;
        spawn_local(async move { persisted.set(storage::persisted().await) });
    }

    /// Stores `id` as the project to open next time.
    pub(super) fn remember(&self, id: &str) {
        if let Ok(pending) = storage::put_setting(LAST_PROJECT, id) {
            spawn_local(async move { drop(pending.await) });
        }
    }
}
