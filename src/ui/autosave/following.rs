//! Tabs of one project: this tab follows the editing tab's saved edits read-only, takes over
//! when it lets go or closes ("Edit here" asks it to), and lets go when another tab asks.

use leptos::prelude::*;
use leptos::task::spawn_local;
use std::time::Duration;

use super::{Autosave, FOLLOWING, Role, SaveState};
use crate::browser::storage;
use crate::browser::tabs::{self, Ask, Claim, Message};
use crate::workspace::journal::{self, CatchUp};

/// How long a tab that asked to take over waits for the editing tab to let go before it takes
/// the lock anyway (that tab is then frozen or hung).
const TAKE_OVER_WAIT: Duration = Duration::from_secs(3);

impl Autosave {
    /// Another tab wrote the same edit number: it edits this project now.
    pub(super) fn conflict(&self) {
        self.notices.error(
            "The last change was not saved: another tab changed this project at the same moment. This tab now shows what is stored; choose “Edit here” to take over.",
        );
        self.follow();
        self.read_again();
    }

    /// This tab shows the editing tab's saved changes and cannot edit; it takes over on its own
    /// when that tab lets go or closes.
    pub(super) fn follow(&self) {
        self.role.set(Role::Following);
        self.ws
            .update(|w| w.set_read_only(Some(FOLLOWING.to_string())));
        self.save.set(SaveState::Saved);
        self.wait_for_lock(Ask::Wait);
    }

    fn wait_for_lock(&self, ask: Ask) {
        if ask == Ask::Wait && self.waiting.get_value() {
            return;
        }
        self.waiting.set_value(true);
        let id = self.project.get_untracked();
        let this = *self;
        let lost_id = id.clone();
        tabs::request(
            &id.clone(),
            ask,
            move |claim| {
                this.waiting.set_value(false);
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
                    this.read_again();
                }
            },
            move || this.lost(&lost_id),
        );
    }

    /// Another tab took the lock of `id` without asking (it found this tab unresponsive).
    pub(super) fn lost(&self, id: &str) {
        if self.still(id, Role::Editing) {
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
                if this.still(&id, Role::Following) {
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
                if project == current
                    && self.role.get_untracked() == Role::Following
                    && seq > self.seq() =>
            {
                self.catch_up(project);
            }
            _ => {}
        }
    }

    /// Applies the editing tab's new log entries; reads the project again when they are not
    /// all there (folded into a snapshot meanwhile).
    fn catch_up(&self, id: String) {
        let this = *self;
        spawn_local(async move {
            let Ok(log) = storage::log_from(&id, this.seq() + 1).await else {
                return this.read_again();
            };
            if !this.still(&id, Role::Following) {
                return;
            }
            // Another catch-up may have applied some of these meanwhile: from where it is now.
            let seq = this.seq();
            let mut caught = CatchUp::Done(seq);
            this.ws.maybe_update(|w| {
                caught = journal::catch_up(w, seq, &log);
                caught.seq() != seq
            });
            this.ledger.update_value(|l| l.followed(caught.seq()));
            this.committed.set(caught.seq());
            this.issued.set(caught.seq());
            if let CatchUp::Stopped(_) = caught {
                this.read_again();
            }
        });
    }
}
