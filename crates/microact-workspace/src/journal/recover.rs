//! Recovery: a project read back from its stored records, up to the last good edit, with
//! what could not be read; and when the log has grown enough to fold into a snapshot.

use super::{Sealed, Snapshot};
use crate::Session;
use microact_core::model::Project;

/// A project read back from its records.
#[derive(Clone, Debug, PartialEq)]
pub struct Recovered {
    pub project: Project,
    /// The last edit it holds.
    pub seq: u64,
    /// What could not be read, for the person: empty when everything was.
    pub problems: Vec<String>,
    /// Stored edits after the last good one, left out.
    pub dropped: usize,
}

impl Recovered {
    pub fn damaged(&self) -> bool {
        !self.problems.is_empty()
    }
}

/// The project from its snapshots and log: the newest snapshot that reads back intact, then
/// every following edit in order up to the first that is missing, damaged or does not apply.
/// `Err` lists the problems when no snapshot can be read.
pub fn recover(
    mut snapshots: Vec<Snapshot>,
    mut log: Vec<(u64, Sealed)>,
) -> Result<Recovered, Vec<String>> {
    snapshots.sort_by_key(|s| std::cmp::Reverse(s.seq));
    log.sort_by_key(|(seq, _)| *seq);
    let mut problems = Vec::new();
    let base = snapshots.iter().find_map(|s| match s.read() {
        Ok(project) => Some((s.seq, project)),
        Err(why) => {
            problems.push(format!(
                "the snapshot after edit {} was left out: {why}",
                s.seq
            ));
            None
        }
    });
    let Some((mut seq, mut project)) = base else {
        if snapshots.is_empty() {
            problems.push("no snapshot is stored".into());
        }
        return Err(problems);
    };
    let later: Vec<&(u64, Sealed)> = log.iter().filter(|(s, _)| *s > seq).collect();
    let mut good = 0;
    for (at, sealed) in &later {
        if *at != seq + 1 {
            problems.push(format!("edit {} is missing", seq + 1));
            break;
        }
        let entry = match sealed.open() {
            Ok(entry) => entry,
            Err(why) => {
                problems.push(format!("edit {at} was left out: {why}"));
                break;
            }
        };
        // An edit that does not apply leaves the project as it was (edits are all-or-nothing).
        if let Err(e) = entry.replay(&mut project) {
            problems.push(format!("edit {at} was left out: it does not apply ({e})"));
            break;
        }
        seq = *at;
        good += 1;
    }
    Ok(Recovered {
        project,
        seq,
        dropped: later.len() - good,
        problems,
    })
}

/// Whether the log has grown enough to be folded into a new snapshot: many entries, or more
/// bytes than the snapshot itself (whichever comes first; at least 256 KiB).
pub fn should_compact(entries: u64, log_bytes: u64, snapshot_bytes: u64) -> bool {
    entries >= 1_000 || log_bytes > snapshot_bytes.max(256 * 1024)
}

/// Everything stored of one project, as read from the browser's storage.
#[derive(Clone, Debug, Default)]
pub struct Records {
    /// `None` when there is no such project.
    pub name: Option<String>,
    /// The workspace's focus (JSON of [`super::Focus`]).
    pub focus: Option<String>,
    /// A project saved by an earlier version as one session JSON.
    pub legacy: Option<String>,
    pub snapshots: Vec<Snapshot>,
    pub log: Vec<(u64, Sealed)>,
    /// Records that are not what they should be (kept as they are; said on load).
    pub unreadable: Vec<String>,
}

/// A stored project as a tab opens it.
#[derive(Clone, Debug, PartialEq)]
pub struct Restored {
    pub session: Session,
    /// What could not be read, for the person: empty when everything was.
    pub problems: Vec<String>,
    /// Stored edits after the last good one, left out.
    pub dropped: usize,
    /// The last edit it holds.
    pub seq: u64,
    /// Whether it is to be stored afresh, as one snapshot, once this tab edits it: saved by an
    /// earlier version as one session, or damaged (after a raw copy is kept).
    pub rewrite: bool,
}

/// Why a stored project cannot be opened at all.
#[derive(Debug, thiserror::Error)]
pub enum RestoreError {
    #[error("the saved project could not be read ({0})")]
    Legacy(#[from] serde_json::Error),
    #[error("the stored project could not be read: {}", .0.join("; "))]
    Unreadable(Vec<String>),
}

/// The project `records` hold, where it was left; `Ok(None)` when there is no such project.
pub fn restore(records: Records) -> Result<Option<Restored>, RestoreError> {
    if records.name.is_none() {
        return Ok(None);
    }
    let focus = records
        .focus
        .as_deref()
        .and_then(|f| serde_json::from_str(f).ok())
        .unwrap_or_default();
    if records.snapshots.is_empty()
        && let Some(legacy) = &records.legacy
    {
        return Ok(Some(Restored {
            session: serde_json::from_str(legacy)?,
            problems: Vec::new(),
            dropped: 0,
            seq: 0,
            rewrite: true,
        }));
    }
    let recovered = recover(records.snapshots, records.log).map_err(RestoreError::Unreadable)?;
    let mut problems = records.unreadable;
    problems.extend(recovered.problems);
    Ok(Some(Restored {
        session: Session {
            project: recovered.project,
            focus,
            view: Default::default(),
            playhead: 0,
        },
        rewrite: !problems.is_empty(),
        problems,
        dropped: recovered.dropped,
        seq: recovered.seq,
    }))
}
