//! Whole-project checks, for what arrives from outside (imports, old files): each problem says
//! what is wrong and where. Edits keep a valid project valid on their own (see [`crate::edit`]).

use std::collections::HashSet;
use std::fmt;

use crate::model::{Frame, LabelRef, Project, SegmentId, Track};

#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    /// Where: "track \"Person 1\" (video walk.webm), segment 12".
    pub place: String,
    pub kind: ProblemKind,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ProblemKind {
    #[error("ends before it starts (frames {start}..{end})")]
    EmptySpan { start: Frame, end: Frame },
    #[error("ends at frame {end}, past the video's {frames} frames")]
    OutsideVideo { end: Frame, frames: Frame },
    #[error("uses label {:?} of set {:?}, which the project does not have", .0.label, .0.set)]
    UnknownLabel(LabelRef),
    #[error("overlaps segment {0:?} in a track that does not allow overlaps")]
    Overlap(SegmentId),
    #[error("belongs to a video the project does not have")]
    NoVideo,
    #[error("has an id another {0} already uses")]
    DuplicateId(&'static str),
    #[error("has a box outside the frame or with no area on frame {0}")]
    BadBox(Frame),
    #[error("{0}")]
    LabelSet(String),
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.place, self.kind)
    }
}

impl Project {
    /// Every problem in the project, in document order; empty when it is valid.
    pub fn validate(&self) -> Vec<Problem> {
        let mut problems = Vec::new();
        let mut report = |place: String, kind| problems.push(Problem { place, kind });

        let mut video_ids = HashSet::new();
        for video in &self.videos {
            if !video_ids.insert(video.id) {
                report(
                    format!("video {}", video.name),
                    ProblemKind::DuplicateId("video"),
                );
            }
        }
        for set in &self.label_sets {
            if let Err(error) = set.validate() {
                report(
                    format!("label set {:?}", set.id),
                    ProblemKind::LabelSet(error.to_string()),
                );
            }
        }
        let mut track_ids = HashSet::new();
        let mut segment_ids = HashSet::new();
        for track in &self.tracks {
            let video = self.video(track.video);
            let track_place = match video {
                Some(v) => format!("track {:?} (video {})", track.meta.name, v.name),
                None => format!("track {:?}", track.meta.name),
            };
            if !track_ids.insert(track.id) {
                report(track_place.clone(), ProblemKind::DuplicateId("track"));
            }
            if video.is_none() {
                report(track_place.clone(), ProblemKind::NoVideo);
            }
            for b in &track.boxes {
                let r = b.rect;
                let inside = |v: f32| (0.0..=1.0).contains(&v);
                if !(inside(r.x1) && inside(r.y1) && inside(r.x2) && inside(r.y2))
                    || r.x1 >= r.x2
                    || r.y1 >= r.y2
                {
                    report(track_place.clone(), ProblemKind::BadBox(b.frame));
                }
            }
            for segment in &track.segments {
                let place = || format!("{track_place}, segment {}", segment.id.0);
                if !segment_ids.insert(segment.id) {
                    report(place(), ProblemKind::DuplicateId("segment"));
                }
                if segment.start >= segment.end {
                    report(
                        place(),
                        ProblemKind::EmptySpan {
                            start: segment.start,
                            end: segment.end,
                        },
                    );
                }
                if let Some(v) = video
                    && segment.end > v.frames
                {
                    report(
                        place(),
                        ProblemKind::OutsideVideo {
                            end: segment.end,
                            frames: v.frames,
                        },
                    );
                }
                if self.label(&segment.label).is_none() {
                    report(place(), ProblemKind::UnknownLabel(segment.label.clone()));
                }
            }
            if track.meta.exclusive {
                for (segment, other) in overlaps(track) {
                    report(
                        format!("{track_place}, segment {}", segment.0),
                        ProblemKind::Overlap(other),
                    );
                }
            }
        }
        for pose in &self.poses {
            if self.video(pose.video).is_none() {
                report(
                    format!("pose track of person {}", pose.person),
                    ProblemKind::NoVideo,
                );
            }
        }
        problems
    }
}

/// `(segment, earlier segment it overlaps)` for each overlap in a track sorted by start.
fn overlaps(track: &Track) -> Vec<(SegmentId, SegmentId)> {
    let mut found = Vec::new();
    let mut furthest: Option<(Frame, SegmentId)> = None;
    for segment in &track.segments {
        if let Some((end, id)) = furthest
            && end > segment.start
        {
            found.push((segment.id, id));
        }
        if furthest.is_none_or(|(end, _)| segment.end > end) {
            furthest = Some((segment.end, segment.id));
        }
    }
    found
}

/// The first overlap in a track, for the edit checks.
pub(crate) fn first_overlap(track: &Track) -> Option<(SegmentId, SegmentId)> {
    overlaps(track).into_iter().next()
}
