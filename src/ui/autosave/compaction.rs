//! Compaction: the log folded into a new snapshot in the background, a part at a time between
//! the page's other work, started again when edits interrupt it.

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::{Autosave, Role};
use crate::browser::storage::{self, Keep};
use crate::browser::{self};
use crate::workspace::Workspace;
use crate::workspace::journal::{Ledger, SnapshotWriter};

/// How long compaction waits before starting again after edits interrupted it.
const COMPACT_RETRY: f64 = 250.0;

impl Autosave {
    /// Folds the log into a new snapshot in the background, a part at a time; starts again
    /// later if the project changes meanwhile.
    pub(super) fn compact(&self) {
        if self.compacting.get_untracked() {
            return;
        }
        self.compacting.set(true);
        let this = *self;
        let project = self.project.get_untracked();
        spawn_local(async move {
            // Edits meanwhile start it again, once they pause.
            while !this.write_snapshot().await && this.still(&project, Role::Editing) {
                browser::sleep(COMPACT_RETRY).await;
            }
            this.compacting.set(false);
        });
    }

    /// Writes the snapshot of the project as it is; `false` when it changed meanwhile.
    async fn write_snapshot(&self) -> bool {
        let project = self.project.get_untracked();
        let seq = self.seq();
        let mut writer = self
            .ws
            .with_untracked(|w| SnapshotWriter::new(&w.project, seq));
        let pause = browser::ui_pause();
        loop {
            pause().await;
            let same = self.still(&project, Role::Editing)
                && self.seq() == seq
                && !self.ws.with_untracked(Workspace::journal_pending);
            if !same {
                return false;
            }
            match self.ws.update_untracked(|w| writer.step(&mut w.project)) {
                Ok(true) => {}
                Ok(false) => break,
                // The next compaction tries again; the log still holds everything.
                Err(_) => return true,
            }
        }
        let snapshot = writer.finish();
        let older = self.ledger.with_value(Ledger::snapshot_seq);
        let pending = storage::put_snapshot(&self.head(seq), &snapshot, Keep::Since(older));
        if let Ok(pending) = pending
            && pending.await.is_ok()
        {
            self.ledger.update_value(|l| l.compacted(&snapshot));
            self.snapshot.set(seq);
        }
        true
    }
}
