//! The open project's durability in the page. Every change of the workspace is appended to the
//! project's log in IndexedDB as it happens (issued in the same task as the change, committed at
//! once: a reload or a closed tab a moment later keeps it); "saved" shows once the browser says
//! the write is committed. The log is folded into a snapshot in the background, a part at a
//! time. Tabs of one project take turns: the one holding the project's lock edits, the others
//! follow its saved edits read-only until they take over.

use leptos::prelude::*;
use leptos::task::spawn_local;
use std::time::Duration;

use crate::browser::storage::{self, Head, Keep, Pending, StorageError};
use crate::browser::tabs::{self, Ask, Claim, Message};
use crate::browser::{self};
use crate::ui::notices::Notices;
use crate::workspace::journal::{self, Focus, Recovered, Sealed, Snapshot, SnapshotWriter};
use crate::workspace::{Session, Workspace};

pub const LAST_PROJECT: &str = "last-project";

/// How long a tab that asked to take over waits for the editing tab to let go before it takes
/// the lock anyway (that tab is then frozen or hung).
const TAKE_OVER_WAIT: Duration = Duration::from_secs(3);

/// How long compaction waits before starting again after edits interrupted it.
const COMPACT_RETRY: f64 = 250.0;

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

/// What the project bar says while another tab edits the project.
pub const FOLLOWING: &str = "This project is being edited in another tab: this tab shows its saved changes and cannot change it. Choose “Edit here” to take over.";

#[derive(Clone, Debug, Default)]
struct State {
    /// The last edit written (or being written).
    seq: u64,
    in_flight: u32,
    /// A write failed: the next write is the whole project, not the log's next entries.
    broken: bool,
    warned: bool,
    /// The focus last written.
    focus: String,
    /// The newest snapshot's edit, its size, and the log after it.
    snapshot_seq: u64,
    snapshot_bytes: u64,
    log_entries: u64,
    log_bytes: u64,
    compacting: bool,
    asked_persist: bool,
    /// A queued request for the lock (taken over when the editing tab lets go or closes).
    waiting: bool,
}

/// A project read from storage, to open.
pub struct Restored {
    pub session: Session,
    pub problems: Vec<String>,
    pub dropped: usize,
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
    st: StoredValue<State>,
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
            st: StoredValue::new(State::default()),
        }
    }

    fn head(&self, seq: u64) -> Head {
        let (name, focus) = self
            .ws
            .with_untracked(|w| (w.project.name.clone(), w.focus()));
        let st = self.st.get_value();
        Head {
            id: self.project.get_untracked(),
            name,
            seq,
            focus: serde_json::to_string(&focus).unwrap_or_default(),
            bytes: st.snapshot_bytes + st.log_bytes,
        }
    }

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
        let st = self.st.get_value();
        if entries.is_empty() && focus == st.focus {
            return;
        }
        self.st.update_value(|s| s.focus = focus);
        let seq = st.seq + entries.len() as u64;
        if st.broken {
            self.write_whole(seq);
            return;
        }
        let sealed: Result<Vec<Sealed>, _> = entries.iter().map(Sealed::new).collect();
        let sealed = match sealed {
            Ok(sealed) => sealed,
            Err(e) => {
                self.st.update_value(|s| s.seq = seq);
                self.failed(StorageError::Failed(format!(
                    "an edit could not be written as JSON: {e}"
                )));
                return;
            }
        };
        let bytes: u64 = sealed.iter().map(|s| s.text.len() as u64).sum();
        self.st.update_value(|s| {
            s.seq = seq;
            s.log_entries += sealed.len() as u64;
            s.log_bytes += bytes;
        });
        let head = self.head(seq);
        let pending = if sealed.is_empty() {
            storage::put_head(&head)
        } else {
            storage::append(&head, st.seq + 1, &sealed)
        };
        self.track(pending, seq, false);
    }

    /// Writes the whole project as the snapshot after edit `seq`, dropping its older records
    /// (a new project, a recovered one, or after a failed write).
    fn write_whole(&self, seq: u64) {
        let snapshot = self
            .ws
            .update_untracked(|w| Snapshot::of(&mut w.project, seq));
        let snapshot = match snapshot {
            Ok(s) => s,
            Err(e) => {
                self.failed(StorageError::Failed(format!(
                    "the project could not be written as JSON: {e}"
                )));
                return;
            }
        };
        self.st.update_value(|s| {
            s.seq = seq;
            s.snapshot_seq = seq;
            s.snapshot_bytes = snapshot.bytes();
            s.log_entries = 0;
            s.log_bytes = 0;
        });
        let pending = storage::put_snapshot(&self.head(seq), &snapshot, Keep::Nothing);
        self.track(pending, seq, true);
    }

    fn track(&self, pending: Result<Pending, StorageError>, seq: u64, whole: bool) {
        self.issued.set(seq);
        let pending = match pending {
            Ok(p) => p,
            Err(e) => return self.failed(e),
        };
        let started = browser::now_ms();
        let project = self.project.get_untracked();
        self.st.update_value(|s| s.in_flight += 1);
        if !matches!(self.save.get_untracked(), SaveState::Failed(_)) {
            self.save.set(SaveState::Saving);
        }
        let this = *self;
        spawn_local(async move {
            let result = pending.await;
            this.st
                .update_value(|s| s.in_flight = s.in_flight.saturating_sub(1));
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
        if whole {
            self.st.update_value(|s| s.broken = false);
            self.snapshot.set(seq);
        }
        let st = self.st.get_value();
        if st.in_flight == 0 && !st.broken {
            self.save.set(SaveState::Saved);
            self.st.update_value(|s| s.warned = false);
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
        if journal::should_compact(st.log_entries, st.log_bytes, st.snapshot_bytes) {
            self.compact();
        }
    }

    fn failed(&self, e: StorageError) {
        self.st.update_value(|s| s.broken = true);
        let why = e.to_string();
        self.save.set(SaveState::Failed(why.clone()));
        if !self.st.with_value(|s| s.warned) {
            self.st.update_value(|s| s.warned = true);
            self.notices.error(format!(
                "Your work is not being saved in this browser ({why}). It is still here in this tab: use “Export now” to keep a copy."
            ));
        }
    }

    /// Another tab wrote the same edit number: it edits this project now.
    fn conflict(&self) {
        self.notices.error(
            "The last change was not saved: another tab changed this project at the same moment. This tab now shows what is stored; choose “Edit here” to take over.",
        );
        self.follow();
        self.reload.update(|n| *n += 1);
    }

    /// Asks once, at the first committed write, that the browser keep this site's storage.
    fn ask_to_persist(&self) {
        if self.st.with_value(|s| s.asked_persist) {
            return;
        }
        self.st.update_value(|s| s.asked_persist = true);
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

    /// Folds the log into a new snapshot in the background, a part at a time; starts again
    /// later if the project changes meanwhile.
    fn compact(&self) {
        if self.st.with_value(|s| s.compacting) {
            return;
        }
        self.st.update_value(|s| s.compacting = true);
        self.compacting.set(true);
        let this = *self;
        let project = self.project.get_untracked();
        spawn_local(async move {
            // Edits meanwhile start it again, once they pause.
            while !this.write_snapshot().await
                && this.project.get_untracked() == project
                && this.role.get_untracked() == Role::Editing
            {
                browser::sleep(COMPACT_RETRY).await;
            }
            this.st.update_value(|s| s.compacting = false);
            this.compacting.set(false);
        });
    }

    /// Writes the snapshot of the project as it is; `false` when it changed meanwhile.
    async fn write_snapshot(&self) -> bool {
        let project = self.project.get_untracked();
        let seq = self.st.with_value(|s| s.seq);
        let mut writer = self
            .ws
            .with_untracked(|w| SnapshotWriter::new(&w.project, seq));
        let pause = browser::ui_pause();
        loop {
            pause().await;
            let same = self.project.get_untracked() == project
                && self.st.with_value(|s| s.seq) == seq
                && self.role.get_untracked() == Role::Editing
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
        let older = self.st.with_value(|s| s.snapshot_seq);
        let pending = storage::put_snapshot(&self.head(seq), &snapshot, Keep::Since(older));
        if let Ok(pending) = pending
            && pending.await.is_ok()
        {
            let bytes = snapshot.bytes();
            self.st.update_value(|s| {
                if s.seq == seq {
                    s.log_entries = 0;
                    s.log_bytes = 0;
                }
                s.snapshot_seq = seq;
                s.snapshot_bytes = bytes;
            });
            self.snapshot.set(seq);
        }
        true
    }

    /// Starts a new project (already in the workspace, under a fresh id): this tab edits it,
    /// and it is stored at once.
    pub fn begin(&self) {
        let id = self.project.get_untracked();
        tabs::release_all_but(None);
        self.claim_new(&id);
        self.ws.update_untracked(|w| {
            drop(w.take_journal());
            w.set_read_only(None);
        });
        self.st.set_value(State {
            asked_persist: self.st.with_value(|s| s.asked_persist),
            ..State::default()
        });
        self.committed.set(0);
        self.role.set(Role::Editing);
        self.write_whole(0);
        self.remember(&id);
    }

    fn claim_new(&self, id: &str) {
        let this = *self;
        let lost_id = id.to_string();
        // A fresh id: the lock is free.
        tabs::request(id, Ask::IfFree, |_| {}, move || this.lost(&lost_id));
    }

    fn remember(&self, id: &str) {
        if let Ok(pending) = storage::put_setting(LAST_PROJECT, id) {
            spawn_local(async move { drop(pending.await) });
        }
    }

    /// Reads project `id` from storage; `Ok(None)` when there is none. Takes its lock first
    /// (or learns that another tab has it), so that an editing tab reads the latest state.
    pub async fn load(&self, id: &str) -> Result<Option<(Restored, Claim)>, String> {
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
        let stored = storage::load(id).await.map_err(|e| e.to_string())?;
        if stored.name.is_none() {
            return Ok(None);
        }
        let focus: Focus = stored
            .focus
            .as_deref()
            .and_then(|f| serde_json::from_str(f).ok())
            .unwrap_or_default();
        let mut problems = stored.unreadable.clone();
        if stored.snapshots.is_empty()
            && let Some(legacy) = &stored.legacy
        {
            // Saved by an earlier version as one session: read as is, and stored anew by
            // `start` (as a snapshot) when this tab edits it.
            let session: Session = serde_json::from_str(legacy)
                .map_err(|e| format!("the saved project could not be read ({e})"))?;
            self.st.set_value(State {
                broken: claim != Claim::Busy,
                asked_persist: self.st.with_value(|s| s.asked_persist),
                ..State::default()
            });
            let restored = Restored {
                session,
                problems: Vec::new(),
                dropped: 0,
            };
            return Ok(Some((restored, claim)));
        }
        let Recovered {
            project,
            seq,
            problems: more,
            dropped,
        } = journal::recover(stored.snapshots, stored.log)
            .map_err(|why| format!("the stored project could not be read: {}", why.join("; ")))?;
        problems.extend(more);
        let damaged = !problems.is_empty();
        self.st.set_value(State {
            seq,
            snapshot_seq: seq,
            // After damage the project is stored afresh (by `start`) once a raw copy is kept.
            broken: damaged && claim != Claim::Busy,
            asked_persist: self.st.with_value(|s| s.asked_persist),
            ..State::default()
        });
        let session = Session {
            project,
            focus,
            view: Default::default(),
            playhead: 0,
        };
        Ok(Some((
            Restored {
                session,
                problems,
                dropped,
            },
            claim,
        )))
    }

    /// After [`Self::load`]'s project is in the workspace: edits here, or follows the tab that
    /// edits. A damaged project is copied raw for support and stored afresh.
    pub fn start(&self, claim: Claim, restored_damage: bool) {
        let id = self.project.get_untracked();
        self.committed.set(self.st.with_value(|s| s.seq));
        self.issued.set(self.st.with_value(|s| s.seq));
        self.snapshot.set(self.st.with_value(|s| s.snapshot_seq));
        self.st.update_value(|s| s.focus = String::new());
        if claim == Claim::Busy {
            self.follow();
            return;
        }
        self.ws.update_untracked(|w| {
            drop(w.take_journal());
            w.set_read_only(None);
        });
        self.role.set(Role::Editing);
        self.save.set(SaveState::Saved);
        self.remember(&id);
        if self.st.with_value(|s| s.broken) {
            let this = *self;
            spawn_local(async move {
                if restored_damage {
                    match storage::raw_project(&id).await {
                        Ok(raw) => {
                            if let Err(e) = storage::keep_damaged(&id, &raw).await {
                                this.notices.error(format!(
                                    "A raw copy of the damaged project could not be kept: {e}"
                                ));
                            }
                        }
                        Err(e) => this.notices.error(format!(
                            "A raw copy of the damaged project could not be kept: {e}"
                        )),
                    }
                }
                if this.project.get_untracked() == id && this.role.get_untracked() == Role::Editing
                {
                    let seq = this.st.with_value(|s| s.seq);
                    this.write_whole(seq);
                }
            });
        }
    }

    /// This tab shows the editing tab's saved changes and cannot edit; it takes over on its own
    /// when that tab lets go or closes.
    fn follow(&self) {
        self.role.set(Role::Following);
        self.ws
            .update(|w| w.set_read_only(Some(FOLLOWING.to_string())));
        self.save.set(SaveState::Saved);
        self.wait_for_lock(Ask::Wait);
    }

    fn wait_for_lock(&self, ask: Ask) {
        if ask == Ask::Wait && self.st.with_value(|s| s.waiting) {
            return;
        }
        self.st.update_value(|s| s.waiting = true);
        let id = self.project.get_untracked();
        let this = *self;
        let lost_id = id.clone();
        let name = id.clone();
        tabs::request(
            &name,
            ask,
            move |claim| {
                this.st.update_value(|s| s.waiting = false);
                if claim != Claim::Granted {
                    return;
                }
                if this.project.get_untracked() != id {
                    tabs::release_all_but(Some(&this.project.get_untracked()));
                    return;
                }
                if this.role.get_untracked() == Role::Following {
                    this.notices.info(
                        "You can edit this project here now: the other tab let go of it or closed.",
                    );
                    this.reload.update(|n| *n += 1);
                }
            },
            move || this.lost(&lost_id),
        );
    }

    /// Another tab took the lock of `id` without asking (it found this tab unresponsive).
    fn lost(&self, id: &str) {
        if self.project.get_untracked() == id && self.role.get_untracked() == Role::Editing {
            self.notices
                .info("Another tab took over this project: this tab now shows its changes.");
            self.follow();
        }
    }

    /// "Edit here": asks the editing tab to let go, and takes the lock when it has (or after a
    /// few seconds if it does not answer).
    pub fn take_over(&self) {
        let id = self.project.get_untracked();
        tabs::say(&Message::Release {
            project: id.clone(),
        });
        self.wait_for_lock(Ask::Wait);
        let this = *self;
        set_timeout(
            move || {
                if this.project.get_untracked() == id
                    && this.role.get_untracked() == Role::Following
                {
                    this.wait_for_lock(Ask::Steal);
                }
            },
            TAKE_OVER_WAIT,
        );
    }

    /// A message from another tab.
    pub fn heard(&self, message: Message) {
        let current = self.project.get_untracked();
        match message {
            Message::Release { project }
                if project == current && self.role.get_untracked() == Role::Editing =>
            {
                // Every edit so far is already issued: the next tab reads them all.
                self.flush();
                tabs::release_all_but(None);
                self.notices
                    .info("Another tab is editing this project now: this tab shows its changes.");
                self.follow();
            }
            Message::Saved { project, seq }
                if project == current && self.role.get_untracked() == Role::Following =>
            {
                if seq > self.st.with_value(|s| s.seq) {
                    self.catch_up(project);
                }
            }
            _ => {}
        }
    }

    /// Applies the editing tab's new log entries; reads the project again when they are not
    /// all there (folded into a snapshot meanwhile).
    fn catch_up(&self, id: String) {
        let this = *self;
        spawn_local(async move {
            let from = this.st.with_value(|s| s.seq) + 1;
            let log = match storage::log_from(&id, from).await {
                Ok(log) => log,
                Err(_) => return this.reload.update(|n| *n += 1),
            };
            if this.project.get_untracked() != id || this.role.get_untracked() != Role::Following {
                return;
            }
            // Another catch-up may have applied some of these meanwhile: from where it is now.
            let mut seq = this.st.with_value(|s| s.seq);
            let from = seq;
            let mut later = log.iter().filter(|(n, _)| *n > from).peekable();
            if later.peek().is_some_and(|(n, _)| *n != seq + 1) {
                return this.reload.update(|n| *n += 1);
            }
            let mut ok = true;
            this.ws.update(|w| {
                for (n, sealed) in later {
                    if *n != seq + 1 {
                        ok = false;
                        break;
                    }
                    match sealed.open().map(|e| w.follow(e)) {
                        Ok(Ok(())) => seq = *n,
                        // Read everything again (from the snapshot the other tab wrote).
                        _ => {
                            ok = false;
                            break;
                        }
                    }
                }
            });
            this.st.update_value(|s| s.seq = seq);
            this.committed.set(seq);
            this.issued.set(seq);
            if !ok {
                this.reload.update(|n| *n += 1);
            }
        });
    }
}
