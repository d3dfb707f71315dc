//! A project's durable form: an append-only log of the edits the workspace applied, in order
//! (undo and redo included), over snapshots that compact it. Loading replays the log over the
//! newest snapshot that reads back intact and says what could not be read. Plain Rust: the page
//! keeps the records in IndexedDB (`browser::storage`) and decides when to write
//! (`ui::autosave`).
//!
//! Snapshots are written as parts (the project without its segments and pose tracks, then the
//! segments a chunk at a time, then each pose track), so that a large project is serialised a
//! piece at a time between the page's other work, never in one long task.

use microact_core::edit::{Edit, EditError};
use microact_core::model::{LabelRef, PoseTrack, Project, Segment, SegmentId, TrackId, VideoId};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Segments per snapshot part (about 2 ms of serialising in the page).
pub const CHUNK: usize = 2_000;

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
    pub fn open(&self) -> Result<Entry, String> {
        if checksum([self.text.as_str()]) != self.sum {
            return Err("its checksum does not match".into());
        }
        serde_json::from_str(&self.text).map_err(|e| format!("it cannot be read ({e})"))
    }
}

/// A snapshot as stored: the project after edit `seq`, in parts, and their checksum.
#[derive(Clone, Debug, PartialEq)]
pub struct Snapshot {
    pub seq: u64,
    pub parts: Vec<String>,
    pub sum: String,
}

impl Snapshot {
    /// The whole snapshot at once (a new or small project, a recovered one).
    pub fn of(project: &mut Project, seq: u64) -> serde_json::Result<Self> {
        let mut writer = SnapshotWriter::new(project, seq);
        while writer.step(project)? {}
        Ok(writer.finish())
    }

    pub fn bytes(&self) -> u64 {
        self.parts.iter().map(|p| p.len() as u64).sum()
    }

    /// The project it holds; `Err` says why it cannot be trusted.
    pub fn read(&self) -> Result<Project, String> {
        if checksum(self.parts.iter().map(String::as_str)) != self.sum {
            return Err("its checksum does not match".into());
        }
        let mut parts = self.parts.iter();
        let unreadable = |e: serde_json::Error| format!("it cannot be read ({e})");
        let mut project = match parts.next().map(|p| serde_json::from_str::<Part>(p)) {
            Some(Ok(Part::Head(project))) => project,
            Some(Ok(_)) | None => return Err("it does not start with the project".into()),
            Some(Err(e)) => return Err(unreadable(e)),
        };
        for part in parts {
            match serde_json::from_str::<Part>(part).map_err(unreadable)? {
                Part::Head(_) => return Err("it holds two projects".into()),
                Part::Segments { track, segments } => project
                    .tracks
                    .get_mut(track)
                    .ok_or_else(|| format!("it has segments for a track it lacks ({track})"))?
                    .segments
                    .extend(segments),
                Part::Pose(pose) => project.poses.push(pose),
            }
        }
        Ok(project)
    }
}

#[derive(Deserialize)]
enum Part {
    Head(Project),
    Segments {
        track: usize,
        segments: Vec<Segment>,
    },
    Pose(PoseTrack),
}

/// [`Part`] by reference, for writing without a copy of the project.
#[derive(Serialize)]
enum PartRef<'a> {
    Head(&'a Project),
    Segments {
        track: usize,
        segments: &'a [Segment],
    },
    Pose(&'a PoseTrack),
}

#[derive(Clone, Copy, Debug)]
enum Step {
    Head,
    Segments { track: usize, from: usize },
    Pose(usize),
}

/// Writes a snapshot a part at a time. The caller makes sure the project does not change
/// between steps (the page checks the log's position before each and starts again otherwise).
#[derive(Debug)]
pub struct SnapshotWriter {
    seq: u64,
    steps: std::vec::IntoIter<Step>,
    parts: Vec<String>,
}

impl SnapshotWriter {
    pub fn new(project: &Project, seq: u64) -> Self {
        let mut steps = vec![Step::Head];
        for (track, t) in project.tracks.iter().enumerate() {
            steps.extend(
                (0..t.segments.len())
                    .step_by(CHUNK)
                    .map(|from| Step::Segments { track, from }),
            );
        }
        steps.extend((0..project.poses.len()).map(Step::Pose));
        Self {
            seq,
            steps: steps.into_iter(),
            parts: Vec::new(),
        }
    }

    pub fn seq(&self) -> u64 {
        self.seq
    }

    /// Writes the next part; `Ok(false)` once every part is written.
    pub fn step(&mut self, project: &mut Project) -> serde_json::Result<bool> {
        let Some(step) = self.steps.next() else {
            return Ok(false);
        };
        let text = match step {
            Step::Head => {
                // The head is the project without what the other parts hold: taken out for the
                // moment of writing (moves, no copies) and put back.
                let segments: Vec<Vec<Segment>> = project
                    .tracks
                    .iter_mut()
                    .map(|t| std::mem::take(&mut t.segments))
                    .collect();
                let poses = std::mem::take(&mut project.poses);
                let text = serde_json::to_string(&PartRef::Head(project));
                for (t, s) in project.tracks.iter_mut().zip(segments) {
                    t.segments = s;
                }
                project.poses = poses;
                text?
            }
            Step::Segments { track, from } => {
                let all = project
                    .tracks
                    .get(track)
                    .map_or(&[][..], |t| &t.segments[..]);
                let segments = &all[from.min(all.len())..(from + CHUNK).min(all.len())];
                serde_json::to_string(&PartRef::Segments { track, segments })?
            }
            Step::Pose(i) => match project.poses.get(i) {
                Some(pose) => serde_json::to_string(&PartRef::Pose(pose))?,
                None => return Ok(true),
            },
        };
        self.parts.push(text);
        Ok(self.steps.len() > 0)
    }

    pub fn finish(self) -> Snapshot {
        let sum = checksum(self.parts.iter().map(String::as_str));
        Snapshot {
            seq: self.seq,
            parts: self.parts,
            sum,
        }
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;
    use microact_core::sample;

    fn project() -> Project {
        sample::sample_project()
    }

    /// A log of real edits on the sample project, and the project after each.
    fn edits(base: &Project, n: usize) -> (Vec<(u64, Sealed)>, Vec<Project>) {
        let mut project = base.clone();
        let mut log = Vec::new();
        let mut states = Vec::new();
        let track = project.tracks[0].id;
        for i in 0..n {
            let entry = if i % 3 == 2 {
                // An undo or redo is logged as the history applies it, unchecked.
                Entry::Restore(Edit::RenameProject {
                    name: format!("undone {i}"),
                })
            } else {
                let id = project.next_segment_id();
                let start = 150 + 4 * i as u64;
                let mut segment = project.tracks[0].segments[0].clone();
                segment.id = id;
                segment.start = start;
                segment.end = start + 2;
                Entry::Apply(Edit::PutSegment { track, segment })
            };
            entry.clone().replay(&mut project).expect("applies");
            log.push((i as u64 + 1, Sealed::new(&entry).expect("serialises")));
            states.push(project.clone());
        }
        (log, states)
    }

    fn long_project() -> Project {
        sample::many_segments(3 * CHUNK + 7, 2)
    }

    #[test]
    fn snapshot_parts_read_back_as_the_project() {
        let mut p = long_project();
        let before = p.clone();
        let snap = Snapshot::of(&mut p, 7).expect("writes");
        assert_eq!(p, before, "writing puts everything back");
        // head + three chunks of track 0 + the other tracks' chunks + poses
        assert!(snap.parts.len() >= 4, "{} parts", snap.parts.len());
        assert_eq!(snap.read().expect("reads"), before);
    }

    #[test]
    fn snapshot_then_log_replays_to_the_last_state() {
        let mut base = project();
        let snap = Snapshot::of(&mut base, 0).expect("writes");
        let (log, states) = edits(&base, 30);
        let got = recover(vec![snap], log).expect("recovers");
        assert_eq!(got.seq, 30);
        assert_eq!(got.project, states[29]);
        assert!(!got.damaged(), "{:?}", got.problems);
        assert_eq!(got.dropped, 0);
    }

    #[test]
    fn a_newer_snapshot_skips_the_edits_it_holds() {
        let mut base = project();
        let first = Snapshot::of(&mut base, 0).expect("writes");
        let (log, states) = edits(&base, 20);
        let mut at_12 = states[11].clone();
        let second = Snapshot::of(&mut at_12, 12).expect("writes");
        let got = recover(vec![first, second], log).expect("recovers");
        assert_eq!((got.seq, &got.project), (20, &states[19]));
        assert!(!got.damaged());
    }

    #[test]
    fn a_truncated_log_loads_up_to_the_last_good_edit() {
        let mut base = project();
        let snap = Snapshot::of(&mut base, 0).expect("writes");
        let (mut log, states) = edits(&base, 10);
        let half = log[6].1.text.len() / 2;
        log[6].1.text.truncate(half);
        let got = recover(vec![snap.clone()], log.clone()).expect("recovers");
        assert_eq!((got.seq, &got.project, got.dropped), (6, &states[5], 4));
        assert!(got.problems[0].contains("edit 7"), "{:?}", got.problems);

        // A missing entry: everything after it is left out and said.
        log.remove(6);
        let got = recover(vec![snap], log).expect("recovers");
        assert_eq!((got.seq, got.dropped), (6, 3));
        assert_eq!(got.problems, vec!["edit 7 is missing".to_string()]);
    }

    #[test]
    fn a_forged_entry_that_does_not_apply_stops_the_replay() {
        let mut base = project();
        let snap = Snapshot::of(&mut base, 0).expect("writes");
        let (mut log, states) = edits(&base, 4);
        // Valid JSON and checksum, but its track does not exist.
        let bad = Entry::Apply(Edit::RemoveTrack { id: TrackId(999) });
        log[2].1 = Sealed::new(&bad).expect("serialises");
        let got = recover(vec![snap], log).expect("recovers");
        assert_eq!((got.seq, &got.project), (2, &states[1]));
        assert!(
            got.problems[0].contains("does not apply"),
            "{:?}",
            got.problems
        );
    }

    #[test]
    fn a_corrupted_snapshot_falls_back_to_the_older_one_and_loses_nothing() {
        let mut base = project();
        let first = Snapshot::of(&mut base, 0).expect("writes");
        let (log, states) = edits(&base, 20);
        let mut at_12 = states[11].clone();
        let mut second = Snapshot::of(&mut at_12, 12).expect("writes");
        second.parts[0] = second.parts[0].replacen("\"name\"", "\"nome\"", 1);
        let got = recover(vec![second, first.clone()], log).expect("recovers");
        assert_eq!((got.seq, &got.project, got.dropped), (20, &states[19], 0));
        assert_eq!(got.problems.len(), 1);
        assert!(
            got.problems[0].contains("snapshot after edit 12"),
            "{:?}",
            got.problems
        );

        let mut only = first;
        only.parts[0].push('x');
        assert!(recover(vec![only], Vec::new()).is_err());
    }

    #[test]
    fn compaction_follows_the_log_not_the_project() {
        assert!(!should_compact(10, 10_000, 50_000_000));
        assert!(should_compact(1_000, 10_000, 50_000_000));
        assert!(should_compact(10, 300 * 1024, 1_000));
        assert!(!should_compact(10, 200 * 1024, 1_000));
    }
}
