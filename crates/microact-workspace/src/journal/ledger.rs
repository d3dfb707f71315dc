//! What this tab has written of the open project and what it writes next: the autosave's
//! bookkeeping as plain Rust. The page (`ui::autosave`) takes the workspace's new entries, asks
//! the ledger what to write, issues it and reports back whether the browser committed it.

use super::{Entry, Sealed, Snapshot, should_compact};

/// What to write for the workspace's changes since the last write.
#[derive(Clone, Debug, PartialEq)]
pub enum Write {
    /// Nothing changed.
    Nothing,
    /// Only the focus changed: the head record alone.
    Head,
    /// Log entries numbered `first, first + 1, …`, with the head.
    Append { first: u64, entries: Vec<Sealed> },
    /// The whole project as one snapshot: after a failed write the stored log may lack entries
    /// the next ones would follow.
    Whole,
}

/// What a committed write leads to.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Committed {
    /// Every write so far is committed: the page says "saved".
    pub saved: bool,
    /// The log has grown enough to be folded into a new snapshot.
    pub compact: bool,
}

/// The open project's stored state as this tab wrote it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Ledger {
    /// The last edit written (or being written).
    seq: u64,
    /// Writes issued and not yet settled.
    in_flight: u32,
    /// A write failed: the next write is the whole project, not the log's next entries.
    broken: bool,
    /// The person was told of the failure (once until the next "saved").
    warned: bool,
    /// The focus last written (its JSON).
    focus: String,
    /// The newest snapshot's edit and size, and the log after it.
    snapshot_seq: u64,
    snapshot_bytes: u64,
    log_entries: u64,
    log_bytes: u64,
}

impl Ledger {
    /// A project opened at edit `seq`, its newest snapshot's; `rewrite` when the first write is
    /// to store it afresh (see [`super::Restored::rewrite`]).
    pub fn opened(seq: u64, rewrite: bool) -> Self {
        Self {
            seq,
            snapshot_seq: seq,
            broken: rewrite,
            ..Self::default()
        }
    }

    /// The last edit written, or being written.
    pub fn seq(&self) -> u64 {
        self.seq
    }

    /// The newest snapshot's edit.
    pub fn snapshot_seq(&self) -> u64 {
        self.snapshot_seq
    }

    /// The stored size: snapshot and log.
    pub fn bytes(&self) -> u64 {
        self.snapshot_bytes + self.log_bytes
    }

    /// Whether the next write is the whole project.
    pub fn needs_whole(&self) -> bool {
        self.broken
    }

    /// What to write for the workspace's new `entries` and its `focus` (JSON) as it is now,
    /// counted as written from here on. `Err` when an entry cannot be written as JSON: the
    /// write fails ([`Self::failed`]) and the next is the whole project.
    pub fn next_write(&mut self, entries: &[Entry], focus: String) -> serde_json::Result<Write> {
        if entries.is_empty() && focus == self.focus {
            return Ok(Write::Nothing);
        }
        self.focus = focus;
        let first = self.seq + 1;
        self.seq += entries.len() as u64;
        if self.broken {
            return Ok(Write::Whole);
        }
        let entries = entries
            .iter()
            .map(Sealed::new)
            .collect::<serde_json::Result<Vec<_>>>()?;
        self.log_entries += entries.len() as u64;
        self.log_bytes += entries.iter().map(|s| s.text.len() as u64).sum::<u64>();
        Ok(if entries.is_empty() {
            Write::Head
        } else {
            Write::Append { first, entries }
        })
    }

    /// The whole project is being written as `snapshot`: the log starts again after it.
    pub fn whole(&mut self, snapshot: &Snapshot) {
        self.seq = snapshot.seq;
        self.snapshot_seq = snapshot.seq;
        self.snapshot_bytes = snapshot.bytes();
        self.log_entries = 0;
        self.log_bytes = 0;
    }

    /// A write was issued.
    pub fn issued(&mut self) {
        self.in_flight += 1;
    }

    /// An issued write committed or failed.
    pub fn settled(&mut self) {
        self.in_flight = self.in_flight.saturating_sub(1);
    }

    /// An issued write committed (`whole`: the whole project, which mends a failed write).
    pub fn committed(&mut self, whole: bool) -> Committed {
        if whole {
            self.broken = false;
        }
        let saved = self.in_flight == 0 && !self.broken;
        if saved {
            self.warned = false;
        }
        Committed {
            saved,
            compact: should_compact(self.log_entries, self.log_bytes, self.snapshot_bytes),
        }
    }

    /// A write failed: the next is the whole project. `true` when the person is to be told
    /// (the first failure since the last "saved").
    pub fn failed(&mut self) -> bool {
        self.broken = true;
        !std::mem::replace(&mut self.warned, true)
    }

    /// Compaction committed a snapshot after edit `seq`: the log up to it is gone, and the log
    /// counts start again unless edits were written meanwhile.
    pub fn compacted(&mut self, snapshot: &Snapshot) {
        if self.seq == snapshot.seq {
            self.log_entries = 0;
            self.log_bytes = 0;
        }
        self.snapshot_seq = snapshot.seq;
        self.snapshot_bytes = snapshot.bytes();
    }

    /// Another tab's saved edits up to `seq` were applied here (this tab follows).
    pub fn followed(&mut self, seq: u64) {
        self.seq = seq;
    }

    /// The next write sends the focus even if it did not change (a project just opened).
    pub fn forget_focus(&mut self) {
        self.focus.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use microact_core::edit::Edit;
    use microact_core::sample::sample_project;

    fn rename(name: &str) -> Entry {
        Entry::Apply(Edit::RenameProject { name: name.into() })
    }

    fn snapshot(seq: u64) -> Snapshot {
        Snapshot::of(&mut sample_project(), seq).expect("writes")
    }

    #[test]
    fn edits_are_appended_numbered_on_and_a_focus_change_writes_the_head() {
        let mut ledger = Ledger::opened(4, false);
        assert_eq!(
            ledger.next_write(&[], String::new()).unwrap(),
            Write::Nothing
        );
        assert_eq!(ledger.next_write(&[], "{}".into()).unwrap(), Write::Head);
        let write = ledger.next_write(&[rename("a"), rename("b")], "{}".into());
        let Ok(Write::Append { first, entries }) = write else {
            panic!("{write:?}");
        };
        assert_eq!((first, entries.len(), ledger.seq()), (5, 2, 6));
        assert_eq!(entries[1].open().unwrap(), rename("b"));
        assert!(ledger.bytes() > 0);
    }

    #[test]
    fn after_a_failed_write_the_whole_project_is_written_and_the_person_told_once() {
        let mut ledger = Ledger::opened(0, false);
        ledger.next_write(&[rename("a")], String::new()).unwrap();
        ledger.issued();
        ledger.settled();
        assert!(ledger.failed(), "told the first time");
        assert!(!ledger.failed(), "not again");
        let write = ledger.next_write(&[rename("b")], String::new()).unwrap();
        assert_eq!((write, ledger.seq()), (Write::Whole, 2));
        ledger.whole(&snapshot(2));
        ledger.issued();
        ledger.settled();
        assert!(ledger.committed(true).saved);
        assert!(!ledger.needs_whole());
        assert!(ledger.failed(), "told again after a save");
    }

    #[test]
    fn saved_shows_only_once_no_write_is_in_flight() {
        let mut ledger = Ledger::opened(0, false);
        ledger.issued();
        ledger.issued();
        ledger.settled();
        assert!(!ledger.committed(false).saved);
        ledger.settled();
        assert!(ledger.committed(false).saved);
        // A damaged project stays unsaved until it is written whole.
        let mut damaged = Ledger::opened(3, true);
        assert!(!damaged.committed(false).saved);
        assert!(damaged.committed(true).saved);
    }

    #[test]
    fn compaction_is_due_after_many_entries_and_counts_only_the_log_after_it() {
        let mut ledger = Ledger::opened(0, false);
        ledger.whole(&snapshot(0));
        let entries: Vec<Entry> = (0..1_000).map(|i| rename(&i.to_string())).collect();
        ledger.next_write(&entries, String::new()).unwrap();
        assert!(ledger.committed(false).compact);
        ledger.compacted(&snapshot(1_000));
        assert!(!ledger.committed(false).compact);
        assert_eq!(ledger.snapshot_seq(), 1_000);

        // Edits written while the snapshot was written stay counted.
        ledger.next_write(&entries, String::new()).unwrap();
        ledger.compacted(&snapshot(1_500));
        assert!(ledger.committed(false).compact);
    }
}
