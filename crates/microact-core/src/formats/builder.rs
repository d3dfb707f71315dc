//! The one way importers assemble a project: videos, tracks and labels are looked up by name in
//! the project the user has open (so an import lines up with clips already there), created
//! otherwise; times in seconds become frame boundaries on the video's rate.

use std::collections::BTreeMap;

use crate::labels::{Label, LabelSet, palette};
use crate::model::{
    Frame, LabelRef, Project, Segment, SegmentId, Source, Status, Track, TrackId, Video, VideoId,
};
use crate::time::FrameRate;

/// The rate given to a video that a file knows only in frames (MMAction2's clip names and
/// pickles): the frame numbers are exact whatever the rate, and the app sets the clip's own rate
/// when it is opened. Files that give seconds and no rate get [`FrameRate::MILLISECONDS`].
pub const DEFAULT_RATE: (u32, u32) = (30, 1);

/// Where labels a file uses but no label set of the project has are collected.
pub const IMPORTED_SET: &str = "imported";

pub struct ImportBuilder<'a> {
    base: &'a Project,
    project: Project,
    next_segment: u64,
}

/// What a file says about a segment, in seconds.
pub struct SegmentIn {
    pub start: f64,
    pub end: f64,
    pub label: LabelRef,
    pub note: Option<String>,
    pub attributes: BTreeMap<String, String>,
    pub source: Source,
    pub status: Status,
}

impl SegmentIn {
    /// A human-made, accepted segment with no note or attributes.
    pub fn human(start: f64, end: f64, label: LabelRef, annotator: &str) -> Self {
        Self {
            start,
            end,
            label,
            note: None,
            attributes: BTreeMap::new(),
            source: Source::Human {
                annotator: annotator.to_string(),
            },
            status: Status::Accepted,
        }
    }
}

impl<'a> ImportBuilder<'a> {
    /// Starts an import next to `base`, the project open in the app (its label sets are
    /// available to the import; its tracks are not touched).
    pub fn new(base: &'a Project) -> Self {
        Self {
            base,
            project: Project {
                name: base.name.clone(),
                label_sets: base.label_sets.clone(),
                ..Project::default()
            },
            next_segment: 0,
        }
    }

    pub fn project(&self) -> &Project {
        &self.project
    }

    /// The video named `name`: from this import, else the open project, else new with `rate`
    /// and enough frames for `duration` seconds. Without a rate the video counts milliseconds
    /// and is marked [`Video::rate_unknown`], so the file's times stay exact until the clip's
    /// own rate is known.
    pub fn video(&mut self, name: &str, duration: Option<f64>, rate: Option<FrameRate>) -> VideoId {
        self.add_video(name, duration, rate.ok_or(FrameRate::MILLISECONDS))
    }

    /// The video named `name` for a file that counts frames and gives no rate: new videos get
    /// [`DEFAULT_RATE`], which the clip's own replaces with the frame numbers unchanged.
    pub fn video_in_frames(&mut self, name: &str) -> VideoId {
        let rate =
            FrameRate::new(DEFAULT_RATE.0, DEFAULT_RATE.1).unwrap_or(FrameRate::MILLISECONDS);
        self.add_video(name, None, Ok(rate))
    }

    /// `rate` is `Err(stand-in)` where the file gave none.
    fn add_video(
        &mut self,
        name: &str,
        duration: Option<f64>,
        rate: Result<FrameRate, FrameRate>,
    ) -> VideoId {
        if let Some(video) = self.project.videos.iter().find(|v| v.name == name) {
            return video.id;
        }
        let id = self.project.next_video_id();
        let video = match self.base.videos.iter().find(|v| v.name == name) {
            Some(known) => Video {
                id,
                ..known.clone()
            },
            None => {
                let rate_unknown = rate.is_err();
                let rate = rate.unwrap_or_else(|stand_in| stand_in);
                let frames = duration.map_or(0, |d| rate.frame_count(d.max(0.0)));
                Video {
                    id,
                    name: name.to_string(),
                    rate,
                    frames,
                    width: 0,
                    height: 0,
                    hash: String::new(),
                    bytes: 0,
                    rate_unknown,
                }
            }
        };
        self.project.videos.push(video);
        id
    }

    /// Sets a video's pixel size where the file knows it and the project did not.
    pub fn set_size(&mut self, video: VideoId, width: u32, height: u32) {
        if let Some(v) = self.project.videos.iter_mut().find(|v| v.id == video)
            && v.width == 0
        {
            v.width = width;
            v.height = height;
        }
    }

    /// The track of `video` named `name` (created at the end of the list if new).
    pub fn track(&mut self, video: VideoId, name: &str) -> TrackId {
        if let Some(track) = self
            .project
            .tracks
            .iter()
            .find(|t| t.video == video && t.meta.name == name)
        {
            return track.id;
        }
        let id = self.project.next_track_id();
        let mut track = Track::new(id, video, name);
        track.meta.person = self.project.tracks_of(video).count() as u32;
        self.project.tracks.push(track);
        id
    }

    pub fn track_mut(&mut self, id: TrackId) -> Option<&mut Track> {
        self.project.track_mut(id)
    }

    /// The label a file calls `name`, preferring set `set` when given: a label of the project's
    /// sets whose id or name matches, else one added to the [`IMPORTED_SET`] set.
    pub fn label(&mut self, set: Option<&str>, name: &str) -> LabelRef {
        let name = name.trim();
        let sets = self.project.label_sets.iter();
        let preferred = sets
            .clone()
            .filter(|s| set.is_none_or(|id| s.id == id))
            .chain(sets.filter(|s| set.is_some_and(|id| s.id != id)));
        for candidate in preferred {
            if let Some(label) = candidate
                .labels
                .iter()
                .find(|l| l.id == name || l.name == name)
            {
                return LabelRef::new(candidate.id.clone(), label.id.clone());
            }
        }
        let set = match self
            .project
            .label_sets
            .iter()
            .position(|s| s.id == IMPORTED_SET)
        {
            Some(at) => &mut self.project.label_sets[at],
            None => {
                self.project.label_sets.push(LabelSet {
                    id: IMPORTED_SET.into(),
                    name: "Imported labels".into(),
                    labels: Vec::new(),
                });
                let last = self.project.label_sets.len() - 1;
                &mut self.project.label_sets[last]
            }
        };
        let color = palette(set.labels.len());
        set.labels.push(Label {
            id: name.to_string(),
            name: name.to_string(),
            parent: None,
            color,
            shortcut: None,
        });
        LabelRef::new(IMPORTED_SET, name)
    }

    /// Adds a label set the file defines, unless the project has one with the same id.
    pub fn label_set(&mut self, set: LabelSet) {
        if self.project.label_set(&set.id).is_none() {
            self.project.label_sets.push(set);
        }
    }

    /// Adds a segment given in seconds: edges snap to the nearest frame boundary, a segment
    /// shorter than a frame keeps one frame, and the video grows to hold it.
    pub fn segment(&mut self, track: TrackId, segment: SegmentIn) -> Option<SegmentId> {
        let video = self.project.track(track)?.video;
        let v = self.project.video(video)?;
        let start = frame_of(v, segment.start);
        let end = frame_of(v, segment.end).max(start.saturating_add(1));
        self.segment_frames(track, start, end, segment)
    }

    /// Adds a segment whose frames the file gives exactly.
    pub fn segment_frames(
        &mut self,
        track: TrackId,
        start: Frame,
        end: Frame,
        segment: SegmentIn,
    ) -> Option<SegmentId> {
        let video = self.project.track(track)?.video;
        if let Some(v) = self.project.videos.iter_mut().find(|v| v.id == video) {
            v.frames = v.frames.max(end);
        }
        let id = SegmentId(self.next_segment);
        self.next_segment += 1;
        let lane = self.project.track_mut(track)?;
        lane.segments.push(Segment {
            id,
            start,
            end,
            label: segment.label,
            note: segment.note,
            attributes: segment.attributes,
            source: segment.source,
            status: segment.status,
        });
        Some(id)
    }

    /// The project, its tracks sorted and empty-but-named tracks kept; label sets the base
    /// already has are dropped (the import refers to them).
    pub fn finish(mut self) -> Project {
        for track in &mut self.project.tracks {
            track.sort();
        }
        let base = self.base;
        self.project
            .label_sets
            .retain(|s| base.label_set(&s.id).is_none());
        self.project
    }
}

/// Frames past this are not a real clip (over a year at 120 fps): times beyond it are clamped,
/// so frame arithmetic cannot overflow on absurd input.
const MAX_FRAME: Frame = 1 << 32;

fn frame_of(video: &Video, seconds: f64) -> Frame {
    video.rate.boundary_near(seconds).min(MAX_FRAME)
}
