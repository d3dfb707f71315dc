//! What an export says the annotator decided: one rule for every exporter.
//!
//! **Ground truth** is what a person stands behind: segments people made (unless they rejected
//! them) and model proposals someone accepted. **Predictions** are a model's output nobody has
//! accepted, open or rejected, with its score and status; only formats that hold a model's
//! output write them (ActivityNet results, AVA detections with scores, microact JSON). An open or
//! rejected proposal never enters ground truth, and an accepted one is ground truth only.

use crate::model::{Project, Segment, Source, Status, VideoId};

/// Where a segment goes in an export.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    GroundTruth,
    Prediction,
    /// A person's segment they rejected: in no export but microact's own.
    Neither,
}

pub fn role(segment: &Segment) -> Role {
    match (&segment.source, segment.status) {
        (_, Status::Accepted) | (Source::Human { .. }, Status::Proposed) => Role::GroundTruth,
        (Source::Model { .. }, Status::Proposed | Status::Rejected) => Role::Prediction,
        (Source::Human { .. }, Status::Rejected) => Role::Neither,
    }
}

pub fn is_ground_truth(segment: &Segment) -> bool {
    role(segment) == Role::GroundTruth
}

pub fn is_prediction(segment: &Segment) -> bool {
    role(segment) == Role::Prediction
}

/// What an export that can hold both writes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Include {
    #[default]
    GroundTruth,
    /// Ground truth and predictions, each marked (status, source, score).
    WithPredictions,
}

impl Include {
    pub fn keeps(self, segment: &Segment) -> bool {
        match role(segment) {
            Role::GroundTruth => true,
            Role::Prediction => self == Include::WithPredictions,
            Role::Neither => false,
        }
    }
}

/// How many segments an export would write as ground truth and as predictions.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub ground_truth: usize,
    pub predictions: usize,
}

/// [`Counts`] over the whole project, or one video's tracks.
pub fn counts(project: &Project, video: Option<VideoId>) -> Counts {
    let mut counts = Counts::default();
    for (track, segment) in project.segments() {
        if video.is_some_and(|v| v != track.video) {
            continue;
        }
        match role(segment) {
            Role::GroundTruth => counts.ground_truth += 1,
            Role::Prediction => counts.predictions += 1,
            Role::Neither => {}
        }
    }
    counts
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sample::sample_project;

    #[test]
    fn ground_truth_is_human_or_accepted_and_never_an_open_or_rejected_proposal() {
        let project = sample_project();
        let of = |keep: fn(&Segment) -> bool| -> Vec<u64> {
            project
                .segments()
                .filter(|(_, s)| keep(s))
                .map(|(_, s)| s.id.0)
                .collect()
        };
        // 2 is a model proposal still open, 4 a rejected one.
        assert_eq!(of(is_ground_truth), [0, 1, 3]);
        assert_eq!(of(is_prediction), [2, 4]);
        assert_eq!(
            counts(&project, None),
            Counts {
                ground_truth: 3,
                predictions: 2
            }
        );
    }

    #[test]
    fn a_rejected_human_segment_is_neither() {
        let mut project = sample_project();
        let (_, segment) = project.segments().next().unwrap();
        let mut segment = segment.clone();
        segment.status = Status::Rejected;
        assert_eq!(role(&segment), Role::Neither);
        segment.status = Status::Accepted;
        segment.source = Source::Model {
            name: "m".into(),
            version: "1".into(),
            score: 0.5,
        };
        assert_eq!(role(&segment), Role::GroundTruth);
        project.tracks.clear();
        assert_eq!(counts(&project, None), Counts::default());
    }
}
