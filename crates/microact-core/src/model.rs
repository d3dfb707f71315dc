//! What a project holds: videos (metadata only), label sets, tracks of labelled segments,
//! annotators and pose tracks. Everything is plain data; changes go through [`crate::edit`].

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub use crate::labels::LabelRef;
use crate::labels::LabelSet;
use crate::taught::TaughtModel;
use crate::time::FrameRate;

/// A video's identity inside one project.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct VideoId(pub u32);

/// A track's identity inside one project.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TrackId(pub u32);

/// A segment's identity inside one project (unique across all tracks).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SegmentId(pub u64);

/// A frame index on its video's [`FrameRate`].
pub type Frame = u64;

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Project {
    pub name: String,
    #[serde(default)]
    pub videos: Vec<Video>,
    #[serde(default)]
    pub label_sets: Vec<LabelSet>,
    #[serde(default)]
    pub tracks: Vec<Track>,
    #[serde(default)]
    pub annotators: Vec<Annotator>,
    #[serde(default)]
    pub poses: Vec<PoseTrack>,
    /// Models taught from this project's labels, by version.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub taught: Vec<TaughtModel>,
}

/// A clip the project annotates: its metadata, never its bytes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Video {
    pub id: VideoId,
    /// The file name as the user's system gave it.
    pub name: String,
    pub rate: FrameRate,
    pub frames: Frame,
    pub width: u32,
    pub height: u32,
    /// Hex digest of the file's bytes, to re-attach the right file after a reload.
    #[serde(default)]
    pub hash: String,
    #[serde(default)]
    pub bytes: u64,
    /// The video is known only from a file that gave times in seconds and no rate: `rate` is
    /// [`FrameRate::MILLISECONDS`] until the clip is opened, when [`crate::edit::Edit::retime`]
    /// moves every frame onto the clip's own rate.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub rate_unknown: bool,
}

impl Video {
    pub fn duration(&self) -> f64 {
        self.rate.start_of(self.frames)
    }

    /// Seconds where `frame` starts.
    pub fn seconds(&self, frame: Frame) -> f64 {
        self.rate.start_of(frame)
    }
}

/// One subject in one video and what they do over time.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Track {
    pub id: TrackId,
    pub video: VideoId,
    #[serde(flatten)]
    pub meta: TrackMeta,
    /// Person boxes on keyframes, sorted by frame.
    #[serde(default)]
    pub boxes: Vec<KeyBox>,
    /// Sorted by `(start, end, id)`.
    #[serde(default)]
    pub segments: Vec<Segment>,
}

/// What a track says about its subject, edited as one unit.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TrackMeta {
    /// Shown in the track header ("Person 1" unless renamed).
    pub name: String,
    /// The person id the pose tracker or a dataset gave this subject.
    #[serde(default)]
    pub person: u32,
    /// A referring description, RefAVA style: "the man in the red shirt on the left".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// When set, the track's segments may not overlap.
    #[serde(default)]
    pub exclusive: bool,
}

/// A person box on one frame, in coordinates normalised to the frame (0..1).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct KeyBox {
    pub frame: Frame,
    pub rect: NormRect,
}

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct NormRect {
    pub x1: f32,
    pub y1: f32,
    pub x2: f32,
    pub y2: f32,
}

/// A labelled interval `[start, end)` in frames.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Segment {
    pub id: SegmentId,
    pub start: Frame,
    pub end: Frame,
    pub label: LabelRef,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub attributes: BTreeMap<String, String>,
    pub source: Source,
    pub status: Status,
}

impl Segment {
    pub fn frames(&self) -> Frame {
        self.end.saturating_sub(self.start)
    }

    pub fn contains(&self, frame: Frame) -> bool {
        self.start <= frame && frame < self.end
    }

    pub fn overlaps(&self, other: &Segment) -> bool {
        self.start < other.end && other.start < self.end
    }

    /// The model's score for a proposal; `None` for human labels.
    pub fn score(&self) -> Option<f32> {
        match &self.source {
            Source::Model { score, .. } => Some(*score),
            Source::Human { .. } => None,
        }
    }

    fn order_key(&self) -> (Frame, Frame, SegmentId) {
        (self.start, self.end, self.id)
    }
}

/// Who made a segment.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Source {
    Human {
        annotator: String,
    },
    Model {
        name: String,
        version: String,
        score: f32,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Proposed,
    Accepted,
    Rejected,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Proposed => "proposed",
            Status::Accepted => "accepted",
            Status::Rejected => "rejected",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text.trim().to_ascii_lowercase().as_str() {
            "proposed" => Some(Status::Proposed),
            "accepted" => Some(Status::Accepted),
            "rejected" => Some(Status::Rejected),
            _ => None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Annotator {
    pub id: String,
    pub name: String,
}

/// One person's keypoints over a video, as a pose model gave them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PoseTrack {
    pub video: VideoId,
    pub person: u32,
    /// The keypoint layout's name, e.g. `coco17`.
    pub layout: String,
    /// Sorted by frame; frames without a detection are absent.
    pub frames: Vec<PoseFrame>,
    /// A recognizer's confidence over the track, when one has scored it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confidence: Option<Confidence>,
}

impl PoseTrack {
    /// Keypoints on frames `[start, end)`, one entry a frame (`None` where the person is not
    /// seen).
    pub fn between(&self, start: Frame, end: Frame) -> Vec<Option<Vec<[f32; 3]>>> {
        let mut out = vec![None; end.saturating_sub(start) as usize];
        let from = self.frames.partition_point(|f| f.frame < start);
        for f in self.frames[from..].iter().take_while(|f| f.frame < end) {
            out[(f.frame - start) as usize] = Some(f.keypoints.clone());
        }
        out
    }
}

/// A recognizer's confidence over a pose track, frame by frame: its most probable class there
/// and that class's probability (the timeline draws it as a strip under the person's track).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Confidence {
    /// The model's name, as its proposals' source names it.
    pub model: String,
    /// The label set its classes are labels of.
    pub set: String,
    /// Label ids in the model's class order.
    pub classes: Vec<String>,
    /// From frame 0: `(index into classes, probability)`; probability 0 where nothing was scored.
    pub frames: Vec<(u16, f32)>,
}

impl Confidence {
    /// The top label and its probability (clamped to 0..=1) on `frame`; `None` past the end or
    /// where the class index names no class (an imported file can say anything).
    pub fn at(&self, frame: Frame) -> Option<(LabelRef, f32)> {
        let (class, p) = self.read(frame)?;
        Some((LabelRef::new(&self.set, class), p))
    }

    /// Over frames `[start, end)` (at least `start`): the frame with the highest probability,
    /// as [`Self::at`].
    pub fn peak(&self, start: Frame, end: Frame) -> Option<(LabelRef, f32)> {
        let (class, p) = (start..end.max(start + 1))
            .filter_map(|f| self.read(f))
            .reduce(|best, next| if next.1 > best.1 { next } else { best })?;
        Some((LabelRef::new(&self.set, class), p))
    }

    fn read(&self, frame: Frame) -> Option<(&str, f32)> {
        let &(class, p) = self.frames.get(usize::try_from(frame).ok()?)?;
        let label = self.classes.get(usize::from(class))?;
        let p = if p.is_finite() {
            p.clamp(0.0, 1.0)
        } else {
            0.0
        };
        Some((label, p))
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PoseFrame {
    pub frame: Frame,
    /// `[x, y, score]` per keypoint, in source pixels.
    pub keypoints: Vec<[f32; 3]>,
}

impl Project {
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            ..Self::default()
        }
    }

    pub fn video(&self, id: VideoId) -> Option<&Video> {
        self.videos.iter().find(|v| v.id == id)
    }

    pub fn track(&self, id: TrackId) -> Option<&Track> {
        self.tracks.iter().find(|t| t.id == id)
    }

    pub fn track_mut(&mut self, id: TrackId) -> Option<&mut Track> {
        self.tracks.iter_mut().find(|t| t.id == id)
    }

    /// The pose track of `track`'s person in its video, if one was stored.
    pub fn pose_of(&self, track: &Track) -> Option<&PoseTrack> {
        self.poses
            .iter()
            .find(|p| p.video == track.video && p.person == track.meta.person)
    }

    pub fn label_set(&self, id: &str) -> Option<&LabelSet> {
        self.label_sets.iter().find(|s| s.id == id)
    }

    pub fn label_set_mut(&mut self, id: &str) -> Option<&mut LabelSet> {
        self.label_sets.iter_mut().find(|s| s.id == id)
    }

    /// The segment with `id` and the track holding it.
    pub fn segment(&self, id: SegmentId) -> Option<(&Track, &Segment)> {
        self.tracks
            .iter()
            .find_map(|t| t.segment(id).map(|s| (t, s)))
    }

    pub fn tracks_of(&self, video: VideoId) -> impl Iterator<Item = &Track> {
        self.tracks.iter().filter(move |t| t.video == video)
    }

    /// The last frame any segment of `video` reaches (0 when it has none).
    pub fn latest_end(&self, video: VideoId) -> Frame {
        self.tracks_of(video)
            .filter_map(|t| t.segments.iter().map(|s| s.end).max())
            .max()
            .unwrap_or(0)
    }

    pub fn segments(&self) -> impl Iterator<Item = (&Track, &Segment)> {
        self.tracks
            .iter()
            .flat_map(|t| t.segments.iter().map(move |s| (t, s)))
    }

    /// An id no video uses yet.
    pub fn next_video_id(&self) -> VideoId {
        VideoId(self.videos.iter().map(|v| v.id.0 + 1).max().unwrap_or(0))
    }

    /// An id no track uses yet.
    pub fn next_track_id(&self) -> TrackId {
        TrackId(self.tracks.iter().map(|t| t.id.0 + 1).max().unwrap_or(0))
    }

    /// An id no segment uses yet.
    pub fn next_segment_id(&self) -> SegmentId {
        SegmentId(self.segments().map(|(_, s)| s.id.0 + 1).max().unwrap_or(0))
    }

    /// The label a reference points at, if its set and label exist.
    pub fn label(&self, label: &LabelRef) -> Option<&crate::labels::Label> {
        self.label_set(&label.set)?.label(&label.label)
    }
}

impl Track {
    pub fn new(id: TrackId, video: VideoId, name: impl Into<String>) -> Self {
        Self {
            id,
            video,
            meta: TrackMeta {
                name: name.into(),
                ..TrackMeta::default()
            },
            boxes: Vec::new(),
            segments: Vec::new(),
        }
    }

    pub fn segment(&self, id: SegmentId) -> Option<&Segment> {
        self.segments.iter().find(|s| s.id == id)
    }

    /// Inserts `segment` where the `(start, end, id)` order puts it.
    pub fn insert_sorted(&mut self, segment: Segment) {
        let key = segment.order_key();
        let at = self.segments.partition_point(|s| s.order_key() < key);
        self.segments.insert(at, segment);
    }

    /// Removes and returns the segment with `id`.
    pub fn take(&mut self, id: SegmentId) -> Option<Segment> {
        let at = self.segments.iter().position(|s| s.id == id)?;
        Some(self.segments.remove(at))
    }

    /// The box on `frame`, if one was drawn there.
    pub fn box_at(&self, frame: Frame) -> Option<NormRect> {
        self.boxes.iter().find(|b| b.frame == frame).map(|b| b.rect)
    }

    /// Restores the sort orders the queries rely on (after an import builds a track by hand).
    pub fn sort(&mut self) {
        self.segments.sort_by_key(Segment::order_key);
        self.boxes.sort_by_key(|b| b.frame);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn confidence_reads_safely_whatever_a_file_says() {
        let c = Confidence {
            model: "m".into(),
            set: "s".into(),
            classes: vec!["walk".into(), "run".into()],
            frames: vec![(0, 0.2), (1, 0.9), (7, 0.5), (0, f32::NAN), (1, 1.5)],
        };
        assert_eq!(c.at(1), Some((LabelRef::new("s", "run"), 0.9)));
        assert_eq!(c.at(2), None, "class 7 is no class");
        assert_eq!(c.at(3), Some((LabelRef::new("s", "walk"), 0.0)));
        assert_eq!(c.at(4), Some((LabelRef::new("s", "run"), 1.0)));
        assert_eq!(c.at(5), None, "past the end");
        assert_eq!(c.peak(0, 3), Some((LabelRef::new("s", "run"), 0.9)));
        assert_eq!(
            c.peak(0, 0),
            c.at(0),
            "an empty range reads its first frame"
        );
        assert_eq!(c.peak(9, 12), None);
    }
}
