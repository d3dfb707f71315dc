//! A project's durable form: an append-only log of the edits the workspace applied, in order
//! (undo and redo included), over snapshots that compact it. Loading replays the log over the
//! newest snapshot that reads back intact and says what could not be read. Plain Rust: the page
//! keeps the records in IndexedDB (`browser::storage`) and writes them (`ui::autosave`) as the
//! [`Ledger`] decides; a tab that follows another's edits applies them with [`catch_up`].

use microact_core::edit::{Edit, EditError};
use microact_core::model::{LabelRef, Project, SegmentId, TrackId, VideoId};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

mod follow;
mod ledger;
mod recover;
mod snapshot;

pub use follow::{CatchUp, catch_up};
pub use ledger::{Ledger, Write};
pub use recover::{Records, Recovered, RestoreError, Restored, recover, restore, should_compact};
pub use snapshot::{CHUNK, Snapshot, SnapshotWriter};

/// Why a stored record (a log entry, a snapshot) cannot be trusted.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    #[error("its checksum does not match")]
    Checksum,
    #[error("it cannot be read ({0})")]
    Unreadable(#[from] serde_json::Error),
    #[error("it does not start with the project")]
    NoProject,
    #[error("it holds two projects")]
    TwoProjects,
    #[error("it has segments for a track it lacks ({0})")]
    NoSuchTrack(usize),
}

/// One log entry: an edit as the workspace applied it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", content = "edit", rename_all = "lowercase")]
pub enum Entry {
    /// A new edit, checked against the project as it was.
    Apply(Edit),
    /// An undo or a redo: the history's stored edit, applied unchecked as the history does.
    Restore(Edit),
}

impl Entry {
    /// Applies the entry to `project` as it was applied in the page.
    pub fn replay(self, project: &mut Project) -> Result<(), EditError> {
        match self {
            Entry::Apply(edit) => edit.apply(project).map(drop),
            Entry::Restore(edit) => edit.reapply(project).map(drop),
        }
    }
}

/// What the page stores with every write besides the edits: what is selected and active.
/// (Where the person is in time, zoom and playhead, is saved apart, as it changes constantly.)
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Focus {
    #[serde(default)]
    pub video: Option<VideoId>,
    #[serde(default)]
    pub selected: Option<SegmentId>,
    #[serde(default)]
    pub track: Option<TrackId>,
    #[serde(default)]
    pub label: Option<LabelRef>,
    #[serde(default = "normal_speed")]
    pub speed: f64,
}

impl Default for Focus {
    fn default() -> Self {
        Self {
            video: None,
            selected: None,
            track: None,
            label: None,
            speed: normal_speed(),
        }
    }
}

fn normal_speed() -> f64 {
    1.0
}

/// SHA-256 (hex) over texts, each length-prefixed so that moving a boundary changes the sum.
pub fn checksum<'a>(texts: impl IntoIterator<Item = &'a str>) -> String {
    let mut hasher = Sha256::new();
    for text in texts {
        hasher.update((text.len() as u64).to_le_bytes());
        hasher.update(text.as_bytes());
    }
    hex(&hasher.finalize())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A log record as stored: the entry's JSON and its checksum.
#[derive(Clone, Debug, PartialEq)]
pub struct Sealed {
    pub text: String,
    pub sum: String,
}

impl Sealed {
    pub fn new(entry: &Entry) -> serde_json::Result<Self> {
        let text = serde_json::to_string(entry)?;
        let sum = checksum([text.as_str()]);
        Ok(Self { text, sum })
    }

    /// The entry, if the record is intact.
    pub fn open(&self) -> Result<Entry, RecordError> {
        if checksum([self.text.as_str()]) != self.sum {
            return Err(RecordError::Checksum);
        }
        Ok(serde_json::from_str(&self.text)?)
    }
}

#[cfg(test)]
mod tests;
