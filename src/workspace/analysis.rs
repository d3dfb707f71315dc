//! What clip analysis gives the workspace: a person's pose track and a recognizer's proposed
//! segments, taken in as one undo step; and accepting the proposals above a score.

use microact_core::edit::Edit;
use microact_core::labels::LabelSet;
use microact_core::model::{PoseTrack, Project, Segment, Status, Track, TrackId};

use super::{Refusal, Workspace};

/// One person's analysis of the video on screen.
#[derive(Clone, Debug, PartialEq)]
pub struct Analysed {
    pub pose: PoseTrack,
    /// The recognizer's name (its proposals replace its earlier ones).
    pub model: String,
    /// The label set its classes are (added to the project when missing).
    pub labels: LabelSet,
    pub proposals: Vec<Segment>,
}

/// What taking an analysis did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Taken {
    pub track: TrackId,
    pub added: usize,
    /// Proposals that overlapped a segment of an exclusive track.
    pub left_out: usize,
}

impl Workspace {
    /// Stores the pose track and puts the proposals into the person's track: the lane whose
    /// person id is the pose's, else the active lane, else the first, else a new one. One undo
    /// step.
    /// The pose track is stored under the lane's person id.
    pub fn take_analysis(&mut self, a: Analysed) -> Result<Taken, Refusal> {
        let video = a.pose.video;
        if self.video != Some(video) {
            return Err("the analysed clip is no longer on screen".into());
        }
        let mut edits = Vec::new();
        let mut after = self.project.clone();
        let mut step = |edit: Edit, after: &mut Project| {
            let done = edit.clone().apply(after).map(|_| ());
            edits.push(edit);
            done.map_err(|e| e.to_string())
        };
        if let Some(edit) = label_set_edit(&self.project, &a.labels, &a.model)? {
            step(edit, &mut after)?;
        }
        let lanes = self.lanes();
        let track = lanes
            .iter()
            .find(|t| t.meta.person == a.pose.person)
            .or_else(|| lanes.iter().find(|t| Some(t.id) == self.track))
            .or_else(|| lanes.first())
            .map(|t| t.id);
        let track = match track {
            Some(id) => id,
            None => {
                let id = self.project.next_track_id();
                let mut lane = Track::new(id, video, format!("Person {}", a.pose.person));
                lane.meta.person = a.pose.person;
                step(
                    Edit::AddTrack {
                        index: self.project.tracks.len(),
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
        let (proposals, left_out) = Edit::replace_proposals(&after, track, &a.model, a.proposals)
            .map_err(|e| e.to_string())?;
        let added = match &proposals {
            Edit::Batch(e) => e
                .iter()
                .filter(|e| matches!(e, Edit::PutSegment { .. }))
                .count(),
            _ => 0,
        };
        edits.push(proposals);
        self.apply("analyse clip", Edit::Batch(edits))?;
        self.track = Some(track);
        Ok(Taken {
            track,
            added,
            left_out,
        })
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
mod tests {
    use super::*;
    use crate::workspace::tests::workspace;
    use microact_core::labels;
    use microact_core::model::PoseFrame;
    use microact_core::sample;

    fn analysed(ws: &Workspace, spans: &[(u64, u64, f32)]) -> Analysed {
        Analysed {
            pose: PoseTrack {
                video: ws.video.unwrap(),
                person: 1,
                layout: "coco17".into(),
                frames: vec![PoseFrame {
                    frame: 0,
                    keypoints: vec![[1.0, 2.0, 0.5]; 17],
                }],
            },
            model: "penn-ddnet".into(),
            labels: labels::penn_action(),
            proposals: spans
                .iter()
                .map(|&(start, end, score)| sample::proposal("penn-ddnet", start, end, score))
                .collect(),
        }
    }

    #[test]
    fn an_analysis_is_one_undo_step_and_a_second_replaces_the_first() {
        let mut ws = workspace();
        ws.project.label_sets.retain(|s| s.id != "penn_action");
        let before = ws.project.clone();
        let taken = ws
            .take_analysis(analysed(&ws, &[(0, 20, 0.9), (30, 50, 0.4)]))
            .unwrap();
        assert_eq!((taken.added, taken.left_out), (2, 0));
        assert_eq!(ws.project.poses.len(), 1);
        assert_eq!(ws.project.poses[0].person, ws.lanes()[0].meta.person);
        assert!(ws.project.label_set("penn_action").is_some());
        assert_eq!(ws.open_proposals(), 2);

        assert_eq!(ws.accept_above(0.5), Ok(1));
        assert_eq!(ws.open_proposals(), 1);
        // The accepted one stays when the model proposes again.
        ws.take_analysis(analysed(&ws, &[(40, 59, 0.6)])).unwrap();
        let spans: Vec<(u64, u64, Status)> = ws.lanes()[0]
            .segments
            .iter()
            .map(|s| (s.start, s.end, s.status))
            .collect();
        assert_eq!(
            spans,
            vec![(0, 20, Status::Accepted), (40, 59, Status::Proposed)]
        );
        ws.undo();
        ws.undo();
        ws.undo();
        assert_eq!(ws.project, before);
        assert!(ws.accept_above(0.5).is_err(), "nothing to accept");
    }

    #[test]
    fn a_models_classes_become_a_label_set_once() {
        let mut ws = workspace();
        ws.project.label_sets.retain(|s| s.id != "jhmdb14");
        assert_eq!(ws.add_label_set(labels::jhmdb14()), Ok(true));
        assert_eq!(ws.add_label_set(labels::jhmdb14()), Ok(false));
        assert_eq!(ws.undo().as_deref(), Some("add label set"));
        assert!(ws.project.label_set("jhmdb14").is_none());
    }

    #[test]
    fn a_label_set_without_the_classes_is_refused_and_nothing_changes() {
        let mut ws = workspace();
        let set = ws
            .project
            .label_sets
            .iter_mut()
            .find(|s| s.id == "penn_action")
            .unwrap();
        set.labels.retain(|l| l.id != "squat");
        let before = ws.project.clone();
        let why = ws
            .take_analysis(analysed(&ws, &[(0, 20, 0.9)]))
            .unwrap_err();
        assert!(why.contains("squat"), "{why}");
        assert_eq!(ws.project, before);
    }
}
