//! What clip analysis gives the workspace: each person's pose track (with the recognizer's
//! per-frame confidence), person boxes and proposed segments, taken in as one undo step; and
//! accepting the proposals above a score.

use microact_core::edit::Edit;
use microact_core::labels::LabelSet;
use microact_core::model::{KeyBox, PoseTrack, Project, Segment, Status, Track, TrackId};

use super::{Refusal, Workspace};

mod job;
mod people;
mod status;
mod stitch;

pub use job::{Decoder, Job, People, Scored, scored, scored_taught, split};
pub use people::{Seen, people, person_boxes, person_frames, pose_track};
pub use status::{Phase, Progress, Summary};
pub use stitch::{Part, stitch};

/// The recognizer clip analysis uses until another is chosen.
pub const DEFAULT_RECOGNIZER: &str = "penn-ddnet";

/// One person's analysis of the video on screen.
#[derive(Clone, Debug, PartialEq)]
pub struct Analysed {
    pub pose: PoseTrack,
    /// The recognizer's name (its proposals replace its earlier ones).
    pub model: String,
    /// The label set its classes are (added to the project when missing).
    pub labels: LabelSet,
    pub proposals: Vec<Segment>,
    /// Person boxes from the pose, a few a second; a frame that has a box keeps it.
    pub boxes: Vec<KeyBox>,
}

/// What taking one person's analysis did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Taken {
    pub track: TrackId,
    pub added: usize,
    /// Proposals that overlapped a segment of an exclusive track.
    pub left_out: usize,
}

impl Workspace {
    /// Takes one person's analysis: see [`Self::take_analyses`].
    pub fn take_analysis(&mut self, a: Analysed) -> Result<Taken, Refusal> {
        let taken = self.take_analyses(vec![a])?;
        taken
            .first()
            .copied()
            .ok_or_else(|| "nothing was analysed".into())
    }

    /// Stores each person's pose track and boxes and puts their proposals into their track, all
    /// as one undo step. A person's track is the lane whose person id is the pose's; else, for
    /// the first person (the one seen most), the active lane, else the first; else a new lane.
    /// Each pose track is stored under its lane's person id.
    pub fn take_analyses(&mut self, people: Vec<Analysed>) -> Result<Vec<Taken>, Refusal> {
        let Some(first) = people.first() else {
            return Ok(Vec::new());
        };
        let video = first.pose.video;
        if self.video != Some(video) || people.iter().any(|a| a.pose.video != video) {
            return Err("the analysed clip is no longer on screen".into());
        }
        let mut edits = Vec::new();
        let mut after = self.project.clone();
        let mut step = |edit: Edit, after: &mut Project| {
            let done = edit.clone().apply(after).map(|_| ());
            edits.push(edit);
            done.map_err(|e| e.to_string())
        };
        for a in &people {
            if let Some(edit) = label_set_edit(&after, &a.labels, &a.model)? {
                step(edit, &mut after)?;
            }
        }
        let lanes: Vec<(TrackId, u32)> =
            self.lanes().iter().map(|t| (t.id, t.meta.person)).collect();
        let by_person = |person: u32| lanes.iter().find(|l| l.1 == person).map(|l| l.0);
        let matched: Vec<Option<TrackId>> =
            people.iter().map(|a| by_person(a.pose.person)).collect();
        let fallback = self
            .track
            .filter(|t| lanes.iter().any(|l| l.0 == *t))
            .or_else(|| lanes.first().map(|l| l.0))
            .filter(|t| !matched.contains(&Some(*t)));
        let mut taken = Vec::with_capacity(people.len());
        for (i, a) in people.into_iter().enumerate() {
            let track = match (matched[i], fallback.filter(|_| i == 0)) {
                (Some(id), _) | (None, Some(id)) => id,
                (None, None) => {
                    let id = after.next_track_id();
                    // "Person n", the first n no lane of the clip is named.
                    let taken = |name: &str| after.tracks_of(video).any(|t| t.meta.name == name);
                    let name = (1..)
                        .map(|n| format!("Person {n}"))
                        .find(|n| !taken(n))
                        .unwrap_or_default();
                    let mut lane = Track::new(id, video, name);
                    lane.meta.person = a.pose.person;
                    step(
                        Edit::AddTrack {
                            index: after.tracks.len(),
                            track: lane,
                        },
                        &mut after,
                    )?;
                    id
                }
            };
            // The pose track belongs to the lane's person (exports pair them by that id).
            let mut pose = a.pose;
            pose.person = after.track(track).map_or(pose.person, |t| t.meta.person);
            step(Edit::PutPose { pose }, &mut after)?;
            for b in a.boxes {
                let free = after
                    .track(track)
                    .is_some_and(|t| t.box_at(b.frame).is_none());
                if free {
                    let edit = Edit::SetBox {
                        track,
                        frame: b.frame,
                        rect: Some(b.rect),
                    };
                    step(edit, &mut after)?;
                }
            }
            let (proposals, left_out) =
                Edit::replace_proposals(&after, track, &a.model, a.proposals)
                    .map_err(|e| e.to_string())?;
            let added = match &proposals {
                Edit::Batch(e) => e
                    .iter()
                    .filter(|e| matches!(e, Edit::PutSegment { .. }))
                    .count(),
                _ => 0,
            };
            step(proposals, &mut after)?;
            taken.push(Taken {
                track,
                added,
                left_out,
            });
        }
        self.apply("analyse clip", Edit::Batch(edits))?;
        self.track = taken.first().map(|t| t.track);
        Ok(taken)
    }

    /// Adds a model's classes as a label set unless the project has it (one undo step); false
    /// when it was there already.
    pub fn add_label_set(&mut self, set: LabelSet) -> Result<bool, Refusal> {
        let model = set.name.clone();
        match label_set_edit(&self.project, &set, &model)? {
            Some(edit) => self.apply("add label set", edit).map(|()| true),
            None => Ok(false),
        }
    }

    /// Accepts the proposals of the video on screen that score at least `threshold`; returns
    /// how many.
    pub fn accept_above(&mut self, threshold: f32) -> Result<usize, Refusal> {
        let ids: Vec<TrackId> = self.lanes().iter().map(|t| t.id).collect();
        let edits: Vec<Edit> = ids
            .iter()
            .map(|&id| Edit::accept_above(&self.project, Some(id), threshold))
            .collect();
        let count = edits
            .iter()
            .map(|e| match e {
                Edit::Batch(e) => e.len(),
                _ => 1,
            })
            .sum();
        if count == 0 {
            return Err(format!("no proposals score {threshold:.2} or more"));
        }
        self.apply("accept proposals", Edit::Batch(edits))?;
        Ok(count)
    }

    /// The proposals of the video on screen still waiting for a decision.
    pub fn open_proposals(&self) -> usize {
        self.lanes()
            .iter()
            .flat_map(|t| &t.segments)
            .filter(|s| s.status == Status::Proposed)
            .count()
    }
}

/// The edit that adds `set` to `project`, `None` when the project has a set with its id and
/// every one of its labels; refused when that set lacks one (`model`'s output could not be
/// labelled).
fn label_set_edit(project: &Project, set: &LabelSet, model: &str) -> Result<Option<Edit>, Refusal> {
    let Some(have) = project.label_set(&set.id) else {
        return Ok(Some(Edit::PutLabelSet {
            index: project.label_sets.len(),
            set: set.clone(),
        }));
    };
    match set.labels.iter().find(|l| have.label(&l.id).is_none()) {
        Some(missing) => Err(format!(
            "the project's label set {} has no label {:?} for {model}",
            have.name, missing.id
        )),
        None => Ok(None),
    }
}

#[cfg(test)]
mod tests;
