//! Opening a project: a new one stored at once, or a stored one read back (its lock taken
//! first), then edited here or followed; a damaged one copied raw for support and stored afresh.

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::{Autosave, LoadError, Restored, Role, SaveState};
use crate::browser::storage::{self, StorageError};
use crate::browser::tabs::{self, Ask, Claim};
use crate::workspace::journal::{self, Ledger};

impl Autosave {
    /// Starts a new project (already in the workspace, under a fresh id): this tab edits it,
    /// and it is stored at once.
    pub fn begin(&self) {
        let id = self.project.get_untracked();
        tabs::release_all_but(None);
        let this = *self;
        let lost_id = id.clone();
        // A fresh id: the lock is free.
        tabs::request(&id, Ask::IfFree, |_| {}, move || this.lost(&lost_id));
        self.edit_here();
        self.ledger.set_value(Ledger::default());
        self.committed.set(0);
        self.write_whole(0);
        self.remember(&id);
    }

    /// Reads project `id` from storage; `Ok(None)` when there is none. Takes its lock first
    /// (or learns that another tab has it), so that an editing tab reads the latest state.
    pub async fn load(&self, id: &str) -> Result<Option<(Restored, Claim)>, LoadError> {
        // What the project open until now has not written yet, first.
        self.flush();
        self.role.set(Role::Loading);
        tabs::release_all_but(Some(id));
        let claim = if tabs::holds(id) {
            Claim::Granted
        } else {
            let this = *self;
            let lost_id = id.to_string();
            tabs::claim(id, Ask::IfFree, move || this.lost(&lost_id)).await
        };
        let Some(restored) = journal::restore(storage::load(id).await?)? else {
            return Ok(None);
        };
        // A project to store afresh is stored by `start`, and only by the tab that edits it.
        let rewrite = restored.rewrite && claim != Claim::Busy;
        self.ledger.set_value(Ledger::opened(restored.seq, rewrite));
        Ok(Some((restored, claim)))
    }

    /// After [`Self::load`]'s project is in the workspace: edits here, or follows the tab that
    /// edits. A damaged project is copied raw for support and stored afresh.
    pub fn start(&self, claim: Claim, restored_damage: bool) {
        let id = self.project.get_untracked();
        let (seq, snapshot) = self.ledger.with_value(|l| (l.seq(), l.snapshot_seq()));
        self.committed.set(seq);
        self.issued.set(seq);
        self.snapshot.set(snapshot);
        self.ledger.update_value(Ledger::forget_focus);
        if claim == Claim::Busy {
            self.follow();
            return;
        }
        self.edit_here();
        self.save.set(SaveState::Saved);
        self.remember(&id);
        if self.ledger.with_value(Ledger::needs_whole) {
            let this = *self;
            spawn_local(async move {
                if restored_damage && let Err(e) = keep_raw_copy(&id).await {
                    this.notices.error(format!(
                        "A raw copy of the damaged project could not be kept: {e}"
                    ));
                }
                if this.still(&id, Role::Editing) {
                    this.write_whole(this.seq());
                }
            });
        }
    }

    /// This tab edits the open project from now on.
    fn edit_here(&self) {
        self.ws.update_untracked(|w| {
            drop(w.take_journal());
            w.set_read_only(None);
        });
        self.role.set(Role::Editing);
    }
}

/// Keeps a raw copy of project `id`'s records as stored (for support).
async fn keep_raw_copy(id: &str) -> Result<(), StorageError> {
    let raw = storage::raw_project(id).await?;
    storage::keep_damaged(id, &raw).await
}
