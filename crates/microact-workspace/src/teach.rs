//! Teaching from the project's own labels, as plain Rust: what teaches (the ground truth of
//! every clip, people's segments and accepted proposals, over the person's stored poses), the
//! next version, a taught model kept or forgotten as an undo step, and a taught model's
//! proposals put on tracks (never over what people already labelled) as one undo step.

use microact_core::edit::Edit;
use microact_core::formats::truth::is_ground_truth;
use microact_core::model::{Frame, LabelRef, PoseTrack, Segment, TrackId};
use microact_core::taught::{TAUGHT, TaughtModel};
use microact_protocol::{Example, PersonFrames};

use microact_core::labels::flat_set;

use super::{Refusal, Workspace};

pub mod gestures;

/// The label set of gestures recorded from the camera.
pub const GESTURES: &str = "gestures";

/// What the project can teach.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Lesson {
    pub version: u32,
    /// In order of first use; each example's `label` indexes it.
    pub labels: Vec<LabelRef>,
    pub examples: Vec<Example>,
    /// Labelled segments on tracks with no stored poses (analyse their clip first).
    pub without_poses: usize,
}

/// Proposals that mostly (over half their length) cover a segment people stand behind are
/// left out: the label there is decided.
fn undecided<'a>(
    proposals: Vec<Segment>,
    decided: impl Iterator<Item = &'a Segment> + Clone,
) -> Vec<Segment> {
    proposals
        .into_iter()
        .filter(|p| {
            let covered: Frame = decided
                .clone()
                .map(|d| p.end.min(d.end).saturating_sub(p.start.max(d.start)))
                .sum();
            2 * covered <= p.end - p.start
        })
        .collect()
}

impl Workspace {
    /// Every ground-truth segment of the project, with its person's stored poses if any.
    fn ground_truth(&self) -> impl Iterator<Item = (&Segment, Option<&PoseTrack>)> {
        let project = &self.project;
        project.tracks.iter().flat_map(move |track| {
            let pose = project.pose_of(track);
            track
                .segments
                .iter()
                .filter(|s| is_ground_truth(s))
                .map(move |s| (s, pose))
        })
    }

    /// Every ground-truth segment of the project over its person's stored poses.
    pub fn lesson(&self) -> Lesson {
        let mut lesson = Lesson {
            version: self.next_taught_version(),
            ..Lesson::default()
        };
        for (s, pose) in self.ground_truth() {
            let Some(pose) = pose else {
                lesson.without_poses += 1;
                continue;
            };
            let label = match lesson.labels.iter().position(|l| *l == s.label) {
                Some(i) => i,
                None => {
                    lesson.labels.push(s.label.clone());
                    lesson.labels.len() - 1
                }
            };
            lesson.examples.push(Example {
                label: label as u32,
                frames: pose.between(s.start, s.end),
            });
        }
        lesson
    }

    /// The version the next taught model gets.
    pub fn next_taught_version(&self) -> u32 {
        self.project
            .taught
            .iter()
            .map(|m| m.version)
            .max()
            .unwrap_or(0)
            + 1
    }

    /// What [`Self::lesson`] would hold, counted without copying poses: segments with poses,
    /// their labels, segments without poses.
    pub fn lesson_counts(&self) -> (usize, usize, usize) {
        let (mut with, mut without) = (0, 0);
        let mut labels: Vec<&LabelRef> = Vec::new();
        for (s, pose) in self.ground_truth() {
            if pose.is_none() {
                without += 1;
                continue;
            }
            with += 1;
            if !labels.contains(&&s.label) {
                labels.push(&s.label);
            }
        }
        (with, labels.len(), without)
    }

    /// Keeps `model` in the project as one undo step.
    pub fn take_taught(&mut self, model: TaughtModel) -> Result<(), Refusal> {
        let what = format!("teach {}", model.version_name());
        self.apply(&what, Edit::PutTaught { model })
    }

    /// Keeps a model taught from recorded gestures with its labels in the label set
    /// [`GESTURES`] (labels it had stay); one undo step.
    pub fn take_gestures(&mut self, model: TaughtModel) -> Result<(), Refusal> {
        let mut names: Vec<String> = self
            .project
            .label_set(GESTURES)
            .map(|s| s.labels.iter().map(|l| l.id.clone()).collect())
            .unwrap_or_default();
        for l in &model.labels {
            if !names.contains(&l.label.label) {
                names.push(l.label.label.clone());
            }
        }
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        let set = flat_set(GESTURES, "Gestures", &refs);
        let what = format!("teach gestures {}", model.version_name());
        let index = self.project.label_sets.len();
        self.apply(
            &what,
            Edit::Batch(vec![
                Edit::PutLabelSet { index, set },
                Edit::PutTaught { model },
            ]),
        )
    }

    /// Each track with stored poses as a person to propose on (their id: the track's index).
    pub fn taught_people(&self) -> Vec<(TrackId, PersonFrames)> {
        let project = &self.project;
        project
            .tracks
            .iter()
            .enumerate()
            .filter_map(|(i, t)| {
                let pose = project.pose_of(t)?;
                let frames = project.video(t.video).map_or(0, |v| v.frames);
                let end = frames.max(pose.frames.last().map_or(0, |f| f.frame + 1));
                Some((
                    t.id,
                    PersonFrames {
                        id: i as u32,
                        frames: pose.between(0, end),
                    },
                ))
            })
            .collect()
    }

    /// A taught model's proposals for each track, replacing the taught models' earlier open
    /// ones, leaving out those over segments people stand behind; one undo step. Returns how
    /// many came in.
    pub fn take_taught_proposals(
        &mut self,
        version: &str,
        by_track: Vec<(TrackId, Vec<Segment>)>,
    ) -> Result<usize, Refusal> {
        let mut after = self.project.clone();
        let mut edits = Vec::new();
        let mut added = 0;
        for (track, proposals) in by_track {
            let Some(lane) = after.track(track) else {
                continue;
            };
            // Poses past the clip's end (an imported file can say anything) propose nothing there.
            let frames = after.video(lane.video).map_or(0, |v| v.frames);
            let proposals = proposals
                .into_iter()
                .filter_map(|mut p| {
                    p.end = p.end.min(frames);
                    (p.end > p.start).then_some(p)
                })
                .collect();
            let proposals = undecided(
                proposals,
                lane.segments.iter().filter(|s| is_ground_truth(s)),
            );
            let (edit, _) = Edit::replace_proposals(&after, track, TAUGHT, proposals)
                .map_err(|e| e.to_string())?;
            if let Edit::Batch(e) = &edit {
                added += e
                    .iter()
                    .filter(|e| matches!(e, Edit::PutSegment { .. }))
                    .count();
            }
            edit.clone().apply(&mut after).map_err(|e| e.to_string())?;
            edits.push(edit);
        }
        self.apply(&format!("propose with {version}"), Edit::Batch(edits))?;
        Ok(added)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tests::workspace as workspace_with_clip;
    use microact_core::model::{PoseFrame, Source, Status};
    use microact_core::sample::taught_model as model;

    fn with_poses(w: &mut Workspace) -> TrackId {
        let video = w.video.unwrap();
        let track = w.lanes()[0].id;
        let person = w.lanes()[0].meta.person;
        let pose = PoseTrack {
            video,
            person,
            layout: "coco17".into(),
            frames: (0..60)
                .filter(|f| f % 10 != 3)
                .map(|f| PoseFrame {
                    frame: f,
                    keypoints: vec![[f as f32, 1.0, 0.9]; 17],
                })
                .collect(),
            confidence: None,
        };
        w.apply("pose", Edit::PutPose { pose }).unwrap();
        track
    }

    fn segment(id: u64, start: Frame, end: Frame, label: &str, source: Source) -> Segment {
        Segment {
            id: microact_core::model::SegmentId(id),
            start,
            end,
            label: LabelRef::new("ma52", label),
            note: None,
            attributes: Default::default(),
            source,
            status: Status::Proposed,
        }
    }

    fn human() -> Source {
        Source::Human {
            annotator: "me".into(),
        }
    }

    fn taught(score: f32) -> Source {
        Source::Model {
            name: TAUGHT.into(),
            version: "v1".into(),
            score,
        }
    }

    #[test]
    fn the_lesson_is_the_ground_truth_over_stored_poses() {
        let mut w = workspace_with_clip();
        let track = with_poses(&mut w);
        for (id, (s, e, l)) in [
            (0, 10, "nodding"),
            (20, 30, "shaking head"),
            (40, 48, "nodding"),
        ]
        .into_iter()
        .enumerate()
        {
            let seg = segment(100 + id as u64, s, e, l, human());
            w.apply(
                "put",
                Edit::PutSegment {
                    track,
                    segment: seg,
                },
            )
            .unwrap();
        }
        // An open proposal does not teach.
        let open = segment(200, 50, 58, "shaking head", taught(0.9));
        w.apply(
            "put",
            Edit::PutSegment {
                track,
                segment: open,
            },
        )
        .unwrap();
        let lesson = w.lesson();
        assert_eq!(w.lesson_counts(), (3, 2, 0));
        assert_eq!(lesson.version, 1);
        assert_eq!(
            lesson.labels,
            vec![
                LabelRef::new("ma52", "nodding"),
                LabelRef::new("ma52", "shaking head")
            ]
        );
        let per_label: Vec<usize> = (0..2)
            .map(|l| lesson.examples.iter().filter(|e| e.label == l).count())
            .collect();
        assert_eq!(per_label, vec![2, 1]);
        let third = &lesson.examples[2];
        assert_eq!(third.frames.len(), 8);
        assert!(third.frames[3].is_none(), "frame 43 has no pose");
        assert_eq!(third.frames[0].as_ref().unwrap()[0][0], 40.0);
        assert_eq!(lesson.without_poses, 0);
        w.take_taught(model(1)).unwrap();
        assert_eq!(w.lesson().version, 2);
        w.undo();
        assert!(w.project.taught.is_empty());
    }

    #[test]
    fn gestures_keep_their_labels_in_one_set() {
        let mut w = workspace_with_clip();
        let mut m = model(1);
        for (l, name) in m.labels.iter_mut().zip(["wave", "clap"]) {
            l.label = LabelRef::new(GESTURES, name);
        }
        w.take_gestures(m.clone()).unwrap();
        m.version = 2;
        m.labels[1].label = LabelRef::new(GESTURES, "jump");
        w.take_gestures(m).unwrap();
        let set = w.project.label_set(GESTURES).unwrap();
        let ids: Vec<&str> = set.labels.iter().map(|l| l.id.as_str()).collect();
        assert_eq!(ids, vec!["wave", "clap", "jump"]);
        assert_eq!(w.project.taught.len(), 2);
        w.undo();
        w.undo();
        assert!(w.project.label_set(GESTURES).is_none());
    }

    #[test]
    fn proposals_keep_off_what_people_labelled_and_undo_as_one() {
        let mut w = workspace_with_clip();
        let track = with_poses(&mut w);
        let mine = segment(100, 10, 30, "nodding", human());
        w.apply(
            "put",
            Edit::PutSegment {
                track,
                segment: mine,
            },
        )
        .unwrap();
        let people = w.taught_people();
        assert_eq!(people.len(), 1);
        assert_eq!(people[0].1.frames.len() as u64, 60);
        let proposals = vec![
            segment(0, 12, 28, "nodding", taught(0.8)),
            segment(1, 40, 60, "shaking head", taught(0.7)),
        ];
        let before = w.project.clone();
        assert_eq!(
            w.take_taught_proposals("v1", vec![(track, proposals)]),
            Ok(1)
        );
        let lane = w.project.track(track).unwrap();
        assert_eq!(lane.segments.len(), 2);
        assert!(
            lane.segments
                .iter()
                .any(|s| s.start == 40 && s.label.label == "shaking head")
        );
        w.undo();
        assert_eq!(w.project, before);
    }
}
