//! Snapshots: the project after an edit, written as parts (the project without its segments
//! and pose tracks, then the segments a chunk at a time, then each pose track), so that a large
//! project is serialised a piece at a time between the page's other work, never in one long
//! task; read back whole, checked against its checksum.

use microact_core::model::{PoseTrack, Project, Segment};
use serde::{Deserialize, Serialize};

use super::{RecordError, checksum};

/// Segments per snapshot part (about 2 ms of serialising in the page).
pub const CHUNK: usize = 2_000;

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
    pub fn read(&self) -> Result<Project, RecordError> {
        if checksum(self.parts.iter().map(String::as_str)) != self.sum {
            return Err(RecordError::Checksum);
        }
        let mut parts = self.parts.iter();
        let mut project = match parts.next().map(|p| serde_json::from_str::<Part>(p)) {
            Some(Ok(Part::Head(project))) => project,
            Some(Ok(_)) | None => return Err(RecordError::NoProject),
            Some(Err(e)) => return Err(e.into()),
        };
        for part in parts {
            match serde_json::from_str::<Part>(part)? {
                Part::Head(_) => return Err(RecordError::TwoProjects),
                Part::Segments { track, segments } => project
                    .tracks
                    .get_mut(track)
                    .ok_or(RecordError::NoSuchTrack(track))?
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
