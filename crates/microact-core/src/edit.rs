//! Every change to a [`Project`] is an [`Edit`]. Applying one checks it, changes the project and
//! returns the edit that undoes it; [`History`] keeps those pairs for undo and redo and merges the
//! steps of one gesture (a drag) into one.
//!
//! Primitive edits put or remove one thing; compound ones (split, merge, accept all above a score,
//! delete a video with its tracks) are [`Edit::Batch`]es built by the constructors below from the
//! project's current state.

use serde::{Deserialize, Serialize};

use crate::labels::LabelSet;
use crate::model::{
    Annotator, Frame, KeyBox, LabelRef, NormRect, PoseTrack, Project, Segment, SegmentId, Status,
    Track, TrackId, TrackMeta, Video, VideoId,
};
use crate::taught::TaughtModel;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Edit {
    /// Inserts `segment` into `track`, or replaces the segment with its id there.
    PutSegment {
        track: TrackId,
        segment: Segment,
    },
    RemoveSegment {
        track: TrackId,
        id: SegmentId,
    },
    /// Inserts a whole track (with its segments) at `index` in the track list.
    AddTrack {
        index: usize,
        track: Track,
    },
    RemoveTrack {
        id: TrackId,
    },
    SetTrackMeta {
        track: TrackId,
        meta: TrackMeta,
    },
    /// Draws (`Some`) or clears (`None`) the track's person box on `frame`.
    SetBox {
        track: TrackId,
        frame: Frame,
        rect: Option<NormRect>,
    },
    AddVideo {
        index: usize,
        video: Video,
    },
    RemoveVideo {
        id: VideoId,
    },
    /// Replaces a video's metadata (the clip's measured rate, size and hash), keeping its id.
    SetVideo {
        video: Video,
    },
    /// Inserts a label set at `index`, or replaces the set with its id (keeping its place).
    PutLabelSet {
        index: usize,
        set: LabelSet,
    },
    RemoveLabelSet {
        id: String,
    },
    PutAnnotator {
        annotator: Annotator,
    },
    RemoveAnnotator {
        id: String,
    },
    /// Inserts or replaces the pose track of `(video, person)`.
    PutPose {
        pose: PoseTrack,
    },
    RemovePose {
        video: VideoId,
        person: u32,
    },
    RenameProject {
        name: String,
    },
    /// Inserts a taught model, or replaces the one of its version.
    PutTaught {
        model: TaughtModel,
    },
    RemoveTaught {
        version: u32,
    },
    /// Applied in order; all or nothing.
    Batch(Vec<Edit>),
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EditError {
    #[error("there is no taught model v{0}")]
    NoTaught(u32),
    #[error(transparent)]
    Taught(#[from] crate::taught::TaughtError),
    #[error("there is no track {0:?}")]
    NoTrack(TrackId),
    #[error("there is no segment {0:?} in that track")]
    NoSegment(SegmentId),
    #[error("there is no video {0:?}")]
    NoVideo(VideoId),
    #[error("there is no label set {0:?}")]
    NoLabelSet(String),
    #[error("there is no annotator {0:?}")]
    NoAnnotator(String),
    #[error("there is no pose track for person {person} in video {video:?}")]
    NoPose { video: VideoId, person: u32 },
    #[error("a segment must end after it starts (frames {start}..{end})")]
    EmptySpan { start: Frame, end: Frame },
    #[error("the segment ends at frame {end}, past the end of {video} ({frames} frames)")]
    OutsideVideo {
        end: Frame,
        frames: Frame,
        video: String,
    },
    #[error("label {:?} is not in label set {:?}", .0.label, .0.set)]
    UnknownLabel(LabelRef),
    #[error(
        "track {track:?} does not allow overlaps: frames {start}..{end} overlap segment {other:?}"
    )]
    Overlap {
        track: String,
        start: Frame,
        end: Frame,
        other: SegmentId,
    },
    #[error("segment {0:?} already exists in another track")]
    SegmentIdTaken(SegmentId),
    #[error("{0} already exists")]
    IdTaken(String),
    #[error("label {label:?} of set {set:?} is still used by {count} segment(s)")]
    LabelInUse {
        set: String,
        label: String,
        count: usize,
    },
    #[error("video {video} still has {count} track(s)")]
    VideoInUse { video: String, count: usize },
    #[error("a split point must be inside the segment (frames {start}..{end}, split at {at})")]
    SplitOutside { start: Frame, end: Frame, at: Frame },
    #[error("only segments in the same track can be merged")]
    MergeAcrossTracks,
    #[error(transparent)]
    LabelSet(#[from] crate::labels::LabelSetError),
}

impl Edit {
    /// Checks the edit against the project and applies it; returns the edit that undoes it. On
    /// an error the project is unchanged.
    pub fn apply(self, project: &mut Project) -> Result<Edit, EditError> {
        self.run(project, true)
    }

    /// Applies an edit that restores a state the project was in (an undo or a redo): those are
    /// not checked again, so a project that was imported with problems can still be undone.
    fn restore(self, project: &mut Project) -> Edit {
        match self.reapply(project) {
            Ok(inverse) => inverse,
            // Unchecked runs fail only when the target is gone, which a linear history rules
            // out; the edit then changed nothing and undoing it changes nothing either.
            Err(_) => Edit::Batch(Vec::new()),
        }
    }

    /// Applies an edit without checking it again, as undo and redo do (and a replayed log of
    /// them); `Err` when its target is gone, the project then unchanged.
    pub fn reapply(self, project: &mut Project) -> Result<Edit, EditError> {
        self.run(project, false)
    }

    fn run(self, project: &mut Project, checked: bool) -> Result<Edit, EditError> {
        match self {
            Edit::PutSegment { track, segment } => {
                if checked {
                    check_segment(project, track, &segment)?;
                }
                let lane = project.track_mut(track).ok_or(EditError::NoTrack(track))?;
                let id = segment.id;
                let old = lane.take(id);
                let inverse = match old {
                    Some(old) => Edit::PutSegment {
                        track,
                        segment: old,
                    },
                    None => Edit::RemoveSegment { track, id },
                };
                lane.insert_sorted(segment);
                Ok(inverse)
            }
            Edit::RemoveSegment { track, id } => {
                let lane = project.track_mut(track).ok_or(EditError::NoTrack(track))?;
                let segment = lane.take(id).ok_or(EditError::NoSegment(id))?;
                Ok(Edit::PutSegment { track, segment })
            }
            Edit::AddTrack { index, mut track } => {
                if checked {
                    check_new_track(project, &track)?;
                }
                track.sort();
                let id = track.id;
                project
                    .tracks
                    .insert(index.min(project.tracks.len()), track);
                Ok(Edit::RemoveTrack { id })
            }
            Edit::RemoveTrack { id } => {
                let index = project
                    .tracks
                    .iter()
                    .position(|t| t.id == id)
                    .ok_or(EditError::NoTrack(id))?;
                let track = project.tracks.remove(index);
                Ok(Edit::AddTrack { index, track })
            }
            Edit::SetTrackMeta { track, meta } => {
                let lane = project.track_mut(track).ok_or(EditError::NoTrack(track))?;
                if checked && meta.exclusive {
                    check_no_overlaps(lane, &meta.name)?;
                }
                let old = std::mem::replace(&mut lane.meta, meta);
                Ok(Edit::SetTrackMeta { track, meta: old })
            }
            Edit::SetBox { track, frame, rect } => {
                let lane = project.track_mut(track).ok_or(EditError::NoTrack(track))?;
                let old = lane.box_at(frame);
                lane.boxes.retain(|b| b.frame != frame);
                if let Some(rect) = rect {
                    let at = lane.boxes.partition_point(|b| b.frame < frame);
                    lane.boxes.insert(at, KeyBox { frame, rect });
                }
                Ok(Edit::SetBox {
                    track,
                    frame,
                    rect: old,
                })
            }
            Edit::AddVideo { index, video } => {
                if checked && project.video(video.id).is_some() {
                    return Err(EditError::IdTaken(format!("video {:?}", video.id)));
                }
                let id = video.id;
                project
                    .videos
                    .insert(index.min(project.videos.len()), video);
                Ok(Edit::RemoveVideo { id })
            }
            Edit::RemoveVideo { id } => {
                let index = project
                    .videos
                    .iter()
                    .position(|v| v.id == id)
                    .ok_or(EditError::NoVideo(id))?;
                let count = project.tracks_of(id).count();
                if checked && count > 0 {
                    let video = project.videos[index].name.clone();
                    return Err(EditError::VideoInUse { video, count });
                }
                let video = project.videos.remove(index);
                Ok(Edit::AddVideo { index, video })
            }
            Edit::SetVideo { video } => {
                let end = project.latest_end(video.id);
                if checked && end > video.frames {
                    return Err(EditError::OutsideVideo {
                        end,
                        frames: video.frames,
                        video: video.name.clone(),
                    });
                }
                let slot = project
                    .videos
                    .iter_mut()
                    .find(|v| v.id == video.id)
                    .ok_or(EditError::NoVideo(video.id))?;
                let old = std::mem::replace(slot, video);
                Ok(Edit::SetVideo { video: old })
            }
            Edit::PutLabelSet { index, set } => {
                if checked {
                    set.validate()?;
                    check_labels_kept(project, &set.id, Some(&set))?;
                }
                match project.label_sets.iter().position(|s| s.id == set.id) {
                    Some(at) => {
                        let old = std::mem::replace(&mut project.label_sets[at], set);
                        Ok(Edit::PutLabelSet {
                            index: at,
                            set: old,
                        })
                    }
                    None => {
                        let id = set.id.clone();
                        project
                            .label_sets
                            .insert(index.min(project.label_sets.len()), set);
                        Ok(Edit::RemoveLabelSet { id })
                    }
                }
            }
            Edit::RemoveLabelSet { id } => {
                let index = project
                    .label_sets
                    .iter()
                    .position(|s| s.id == id)
                    .ok_or_else(|| EditError::NoLabelSet(id.clone()))?;
                if checked {
                    check_labels_kept(project, &id, None)?;
                }
                let set = project.label_sets.remove(index);
                Ok(Edit::PutLabelSet { index, set })
            }
            Edit::PutAnnotator { annotator } => {
                match project.annotators.iter_mut().find(|a| a.id == annotator.id) {
                    Some(slot) => {
                        let old = std::mem::replace(slot, annotator);
                        Ok(Edit::PutAnnotator { annotator: old })
                    }
                    None => {
                        let id = annotator.id.clone();
                        project.annotators.push(annotator);
                        Ok(Edit::RemoveAnnotator { id })
                    }
                }
            }
            Edit::RemoveAnnotator { id } => {
                let index = project
                    .annotators
                    .iter()
                    .position(|a| a.id == id)
                    .ok_or_else(|| EditError::NoAnnotator(id.clone()))?;
                Ok(Edit::PutAnnotator {
                    annotator: project.annotators.remove(index),
                })
            }
            Edit::PutPose { pose } => {
                if checked && project.video(pose.video).is_none() {
                    return Err(EditError::NoVideo(pose.video));
                }
                let (video, person) = (pose.video, pose.person);
                match project
                    .poses
                    .iter_mut()
                    .find(|p| p.video == video && p.person == person)
                {
                    Some(slot) => Ok(Edit::PutPose {
                        pose: std::mem::replace(slot, pose),
                    }),
                    None => {
                        project.poses.push(pose);
                        Ok(Edit::RemovePose { video, person })
                    }
                }
            }
            Edit::RemovePose { video, person } => {
                let index = project
                    .poses
                    .iter()
                    .position(|p| p.video == video && p.person == person)
                    .ok_or(EditError::NoPose { video, person })?;
                Ok(Edit::PutPose {
                    pose: project.poses.remove(index),
                })
            }
            Edit::PutTaught { model } => {
                if checked {
                    model.validate()?;
                }
                let version = model.version;
                match project.taught.iter_mut().find(|m| m.version == version) {
                    Some(slot) => Ok(Edit::PutTaught {
                        model: std::mem::replace(slot, model),
                    }),
                    None => {
                        let at = project.taught.partition_point(|m| m.version < version);
                        project.taught.insert(at, model);
                        Ok(Edit::RemoveTaught { version })
                    }
                }
            }
            Edit::RemoveTaught { version } => {
                let index = project
                    .taught
                    .iter()
                    .position(|m| m.version == version)
                    .ok_or(EditError::NoTaught(version))?;
                Ok(Edit::PutTaught {
                    model: project.taught.remove(index),
                })
            }
            Edit::RenameProject { name } => {
                let old = std::mem::replace(&mut project.name, name);
                Ok(Edit::RenameProject { name: old })
            }
            Edit::Batch(edits) => {
                let mut inverses = Vec::with_capacity(edits.len());
                for edit in edits {
                    match edit.run(project, checked) {
                        Ok(inverse) => inverses.push(inverse),
                        Err(error) => {
                            for inverse in inverses.into_iter().rev() {
                                inverse.restore(project);
                            }
                            return Err(error);
                        }
                    }
                }
                inverses.reverse();
                Ok(Edit::Batch(inverses))
            }
        }
    }

    /// Whether applying `self` after `next`-like edits makes `next` alone enough: both set the
    /// same whole thing (one segment, one track's meta, one box), so a drag keeps only its last.
    fn covers(&self, next: &Edit) -> bool {
        match (self, next) {
            (
                Edit::PutSegment {
                    track: a,
                    segment: s,
                },
                Edit::PutSegment {
                    track: b,
                    segment: t,
                },
            ) => a == b && s.id == t.id,
            (Edit::SetTrackMeta { track: a, .. }, Edit::SetTrackMeta { track: b, .. }) => a == b,
            (
                Edit::SetBox {
                    track: a, frame: f, ..
                },
                Edit::SetBox {
                    track: b, frame: g, ..
                },
            ) => a == b && f == g,
            (Edit::RenameProject { .. }, Edit::RenameProject { .. }) => true,
            _ => false,
        }
    }
}

/// Constructors for the edits a timeline offers, built from the project's current state.
impl Edit {
    /// Moves or resizes a segment to `[start, end)`.
    pub fn set_span(
        project: &Project,
        id: SegmentId,
        start: Frame,
        end: Frame,
    ) -> Result<Edit, EditError> {
        Self::change(project, id, |s| {
            s.start = start;
            s.end = end;
        })
    }

    pub fn relabel(project: &Project, id: SegmentId, label: LabelRef) -> Result<Edit, EditError> {
        Self::change(project, id, |s| s.label = label)
    }

    pub fn set_note(
        project: &Project,
        id: SegmentId,
        note: Option<String>,
    ) -> Result<Edit, EditError> {
        Self::change(project, id, |s| s.note = note)
    }

    /// Sets the status of each of `ids` (accept or reject proposals).
    pub fn set_status(
        project: &Project,
        ids: &[SegmentId],
        status: Status,
    ) -> Result<Edit, EditError> {
        ids.iter()
            .map(|&id| Self::change(project, id, |s| s.status = status))
            .collect::<Result<Vec<_>, _>>()
            .map(Edit::Batch)
    }

    /// A model's new proposals for `track`: its earlier proposals there that nobody accepted or
    /// rejected go, each of `proposals` comes in with a fresh id unless the track is exclusive
    /// and it overlaps a segment that stays. Human segments and decided proposals are never
    /// touched. Returns the edit and how many proposals were left out.
    pub fn replace_proposals(
        project: &Project,
        track: TrackId,
        model: &str,
        proposals: Vec<Segment>,
    ) -> Result<(Edit, usize), EditError> {
        let lane = project.track(track).ok_or(EditError::NoTrack(track))?;
        let stale = |s: &Segment| {
            s.status == Status::Proposed
                && matches!(&s.source, crate::model::Source::Model { name, .. } if name == model)
        };
        let mut edits: Vec<Edit> = lane
            .segments
            .iter()
            .filter(|s| stale(s))
            .map(|s| Edit::RemoveSegment { track, id: s.id })
            .collect();
        let kept: Vec<&Segment> = lane.segments.iter().filter(|s| !stale(s)).collect();
        let mut next = project.next_segment_id().0;
        let mut left_out = 0;
        let mut added: Vec<Segment> = Vec::new();
        for mut segment in proposals {
            let clash = lane.meta.exclusive
                && kept
                    .iter()
                    .copied()
                    .chain(&added)
                    .any(|s| s.overlaps(&segment));
            if clash {
                left_out += 1;
                continue;
            }
            segment.id = SegmentId(next);
            segment.status = Status::Proposed;
            next += 1;
            added.push(segment);
        }
        edits.extend(
            added
                .into_iter()
                .map(|segment| Edit::PutSegment { track, segment }),
        );
        Ok((Edit::Batch(edits), left_out))
    }

    /// Accepts every proposal in `track` (all tracks when `None`) scoring at least `threshold`.
    pub fn accept_above(project: &Project, track: Option<TrackId>, threshold: f32) -> Edit {
        let ids: Vec<SegmentId> = project
            .segments()
            .filter(|(t, s)| {
                track.is_none_or(|id| t.id == id)
                    && s.status == Status::Proposed
                    && s.score().is_some_and(|score| score >= threshold)
            })
            .map(|(_, s)| s.id)
            .collect();
        Self::set_status(project, &ids, Status::Accepted).unwrap_or(Edit::Batch(Vec::new()))
    }

    /// Splits a segment at frame `at`: it keeps `[start, at)`, a copy with a new id takes
    /// `[at, end)`.
    pub fn split(project: &Project, id: SegmentId, at: Frame) -> Result<Edit, EditError> {
        let (track, segment) = project.segment(id).ok_or(EditError::NoSegment(id))?;
        if at <= segment.start || at >= segment.end {
            return Err(EditError::SplitOutside {
                start: segment.start,
                end: segment.end,
                at,
            });
        }
        let mut head = segment.clone();
        head.end = at;
        let mut tail = segment.clone();
        tail.id = project.next_segment_id();
        tail.start = at;
        Ok(Edit::Batch(vec![
            Edit::PutSegment {
                track: track.id,
                segment: head,
            },
            Edit::PutSegment {
                track: track.id,
                segment: tail,
            },
        ]))
    }

    /// Merges `second` into `first`: `first` then spans both (and the gap between them).
    pub fn merge(
        project: &Project,
        first: SegmentId,
        second: SegmentId,
    ) -> Result<Edit, EditError> {
        let (track_a, a) = project.segment(first).ok_or(EditError::NoSegment(first))?;
        let (track_b, b) = project
            .segment(second)
            .ok_or(EditError::NoSegment(second))?;
        if track_a.id != track_b.id {
            return Err(EditError::MergeAcrossTracks);
        }
        let mut merged = a.clone();
        merged.start = a.start.min(b.start);
        merged.end = a.end.max(b.end);
        Ok(Edit::Batch(vec![
            Edit::RemoveSegment {
                track: track_b.id,
                id: second,
            },
            Edit::PutSegment {
                track: track_a.id,
                segment: merged,
            },
        ]))
    }

    pub fn delete_segments(project: &Project, ids: &[SegmentId]) -> Result<Edit, EditError> {
        ids.iter()
            .map(|&id| {
                let (track, _) = project.segment(id).ok_or(EditError::NoSegment(id))?;
                Ok(Edit::RemoveSegment {
                    track: track.id,
                    id,
                })
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Edit::Batch)
    }

    /// Moves a segment to another track (of the same video), keeping its id.
    pub fn move_to_track(project: &Project, id: SegmentId, to: TrackId) -> Result<Edit, EditError> {
        let (from, segment) = project.segment(id).ok_or(EditError::NoSegment(id))?;
        Ok(Edit::Batch(vec![
            Edit::RemoveSegment { track: from.id, id },
            Edit::PutSegment {
                track: to,
                segment: segment.clone(),
            },
        ]))
    }

    /// Removes a video with its tracks and pose tracks.
    pub fn remove_video(project: &Project, id: VideoId) -> Edit {
        let mut edits: Vec<Edit> = project
            .tracks_of(id)
            .map(|t| Edit::RemoveTrack { id: t.id })
            .collect();
        edits.extend(
            project
                .poses
                .iter()
                .filter(|p| p.video == id)
                .map(|p| Edit::RemovePose {
                    video: id,
                    person: p.person,
                }),
        );
        edits.push(Edit::RemoveVideo { id });
        Edit::Batch(edits)
    }

    /// Appends a new, empty track for `video`.
    pub fn add_track(project: &Project, video: VideoId, name: impl Into<String>) -> Edit {
        Edit::AddTrack {
            index: project.tracks.len(),
            track: Track::new(project.next_track_id(), video, name),
        }
    }

    /// Makes `measured` the record of its video, moving every frame of the video's tracks,
    /// boxes and poses from the old rate to the new one when the old was only a stand-in
    /// ([`Video::rate_unknown`]: a file's times in milliseconds), so each keeps its time in
    /// seconds. A known rate is replaced as is: frame numbers are the annotation. The video
    /// grows to hold the latest segment, which a clip measured a frame short would cut.
    pub fn retime(project: &Project, mut measured: Video) -> Edit {
        let Some(old) = project.video(measured.id) else {
            return Edit::SetVideo { video: measured };
        };
        let mut edits = Vec::new();
        if old.rate_unknown && old.rate != measured.rate {
            let (from, to) = (old.rate, measured.rate);
            let frame = |f: Frame| to.boundary_near(from.start_of(f));
            let mut latest = 0;
            for track in project.tracks_of(old.id) {
                let mut moved = track.clone();
                for segment in &mut moved.segments {
                    segment.start = frame(segment.start);
                    segment.end = frame(segment.end).max(segment.start + 1);
                    latest = latest.max(segment.end);
                }
                for key in &mut moved.boxes {
                    key.frame = frame(key.frame);
                }
                // Two keys a stand-in frame apart may land on one frame: the first stays.
                moved.boxes.dedup_by_key(|k| k.frame);
                let index = project.tracks.iter().position(|t| t.id == track.id);
                edits.push(Edit::RemoveTrack { id: track.id });
                edits.push(Edit::AddTrack {
                    index: index.unwrap_or(project.tracks.len() - 1),
                    track: moved,
                });
            }
            for pose in project.poses.iter().filter(|p| p.video == old.id) {
                let mut moved = pose.clone();
                for f in &mut moved.frames {
                    f.frame = frame(f.frame);
                }
                moved.frames.dedup_by_key(|f| f.frame);
                edits.push(Edit::PutPose { pose: moved });
            }
            measured.frames = measured.frames.max(latest);
        } else {
            measured.frames = measured.frames.max(project.latest_end(old.id));
        }
        measured.rate_unknown = false;
        // Last, once the segments fit the new frame count.
        edits.push(Edit::SetVideo { video: measured });
        match edits.len() {
            1 => edits.remove(0),
            _ => Edit::Batch(edits),
        }
    }

    fn change(
        project: &Project,
        id: SegmentId,
        change: impl FnOnce(&mut Segment),
    ) -> Result<Edit, EditError> {
        let (track, segment) = project.segment(id).ok_or(EditError::NoSegment(id))?;
        let mut segment = segment.clone();
        change(&mut segment);
        Ok(Edit::PutSegment {
            track: track.id,
            segment,
        })
    }
}

fn check_segment(project: &Project, track: TrackId, segment: &Segment) -> Result<(), EditError> {
    let lane = project.track(track).ok_or(EditError::NoTrack(track))?;
    if segment.start >= segment.end {
        return Err(EditError::EmptySpan {
            start: segment.start,
            end: segment.end,
        });
    }
    let video = project
        .video(lane.video)
        .ok_or(EditError::NoVideo(lane.video))?;
    if segment.end > video.frames {
        return Err(EditError::OutsideVideo {
            end: segment.end,
            frames: video.frames,
            video: video.name.clone(),
        });
    }
    if project.label(&segment.label).is_none() {
        return Err(EditError::UnknownLabel(segment.label.clone()));
    }
    if let Some((other, _)) = project.segment(segment.id)
        && other.id != track
    {
        return Err(EditError::SegmentIdTaken(segment.id));
    }
    if lane.meta.exclusive
        && let Some(other) = lane
            .segments
            .iter()
            .find(|s| s.id != segment.id && s.overlaps(segment))
    {
        return Err(EditError::Overlap {
            track: lane.meta.name.clone(),
            start: segment.start,
            end: segment.end,
            other: other.id,
        });
    }
    Ok(())
}

fn check_new_track(project: &Project, track: &Track) -> Result<(), EditError> {
    if project.track(track.id).is_some() {
        return Err(EditError::IdTaken(format!("track {:?}", track.id)));
    }
    if project.video(track.video).is_none() {
        return Err(EditError::NoVideo(track.video));
    }
    // Check its segments as if added one by one to an empty copy of the track.
    let mut scratch = Project {
        videos: project.videos.clone(),
        label_sets: project.label_sets.clone(),
        ..Project::default()
    };
    scratch.tracks.push(Track {
        segments: Vec::new(),
        ..track.clone()
    });
    for segment in &track.segments {
        if project.segment(segment.id).is_some() {
            return Err(EditError::SegmentIdTaken(segment.id));
        }
        check_segment(&scratch, track.id, segment)?;
        if let Some(lane) = scratch.track_mut(track.id) {
            lane.insert_sorted(segment.clone());
        }
    }
    Ok(())
}

fn check_no_overlaps(track: &Track, name: &str) -> Result<(), EditError> {
    match crate::validate::first_overlap(track) {
        Some((id, other)) => {
            let segment = track.segment(id);
            Err(EditError::Overlap {
                track: name.to_string(),
                start: segment.map_or(0, |s| s.start),
                end: segment.map_or(0, |s| s.end),
                other,
            })
        }
        None => Ok(()),
    }
}

/// Fails when segments use a label of set `id` that `replacement` (or no set, when removing)
/// does not have.
fn check_labels_kept(
    project: &Project,
    id: &str,
    replacement: Option<&LabelSet>,
) -> Result<(), EditError> {
    let missing = |label: &LabelRef| {
        label.set == id && replacement.is_none_or(|set| set.label(&label.label).is_none())
    };
    if let Some((_, first)) = project.segments().find(|(_, s)| missing(&s.label)) {
        let count = project
            .segments()
            .filter(|(_, s)| missing(&s.label))
            .count();
        return Err(EditError::LabelInUse {
            set: id.to_string(),
            label: first.label.label.clone(),
            count,
        });
    }
    Ok(())
}

/// One undoable step: what it was (for the menu), how to redo it and how to undo it.
#[derive(Clone, Debug)]
struct Step {
    what: String,
    redo: Edit,
    undo: Edit,
    /// Steps of one gesture share a group and merge until [`History::seal`].
    group: Option<u64>,
}

/// Undo and redo over a project's edits.
#[derive(Clone, Debug)]
pub struct History {
    done: Vec<Step>,
    undone: Vec<Step>,
    limit: usize,
    open_group: Option<u64>,
}

impl Default for History {
    fn default() -> Self {
        Self::with_limit(1000)
    }
}

impl History {
    /// A history that keeps the last `limit` steps.
    pub fn with_limit(limit: usize) -> Self {
        Self {
            done: Vec::new(),
            undone: Vec::new(),
            limit: limit.max(1),
            open_group: None,
        }
    }

    /// Applies `edit` as a new step named `what`.
    pub fn apply(
        &mut self,
        project: &mut Project,
        what: impl Into<String>,
        edit: Edit,
    ) -> Result<(), EditError> {
        self.push(project, what.into(), edit, None)
    }

    /// Applies `edit` as part of gesture `group`: consecutive edits of one open group are one
    /// undo step. [`History::seal`] ends the gesture.
    pub fn apply_in_group(
        &mut self,
        project: &mut Project,
        what: impl Into<String>,
        edit: Edit,
        group: u64,
    ) -> Result<(), EditError> {
        self.push(project, what.into(), edit, Some(group))
    }

    /// Ends the open gesture: the next edit starts a new step.
    pub fn seal(&mut self) {
        self.open_group = None;
    }

    fn push(
        &mut self,
        project: &mut Project,
        what: String,
        edit: Edit,
        group: Option<u64>,
    ) -> Result<(), EditError> {
        let undo = edit.clone().apply(project)?;
        self.undone.clear();
        let merge = group.is_some() && group == self.open_group;
        self.open_group = group;
        match self.done.last_mut() {
            Some(last) if merge && last.group == group => {
                if last.redo.covers(&edit) {
                    last.redo = edit;
                } else {
                    let earlier = std::mem::replace(&mut last.redo, Edit::Batch(Vec::new()));
                    last.redo = Edit::Batch(vec![earlier, edit]);
                    let older = std::mem::replace(&mut last.undo, Edit::Batch(Vec::new()));
                    last.undo = Edit::Batch(vec![undo, older]);
                }
                last.what = what;
            }
            _ => {
                self.done.push(Step {
                    what,
                    redo: edit,
                    undo,
                    group,
                });
                if self.done.len() > self.limit {
                    self.done.remove(0);
                }
            }
        }
        Ok(())
    }

    /// Undoes the last step; `false` when there is none.
    pub fn undo(&mut self, project: &mut Project) -> bool {
        self.open_group = None;
        let Some(step) = self.done.pop() else {
            return false;
        };
        step.undo.clone().restore(project);
        self.undone.push(step);
        true
    }

    /// Redoes the last undone step; `false` when there is none.
    pub fn redo(&mut self, project: &mut Project) -> bool {
        self.open_group = None;
        let Some(step) = self.undone.pop() else {
            return false;
        };
        step.redo.clone().restore(project);
        self.done.push(step);
        true
    }

    /// The edit undo would apply (it is [`Edit::reapply`]d, unchecked).
    pub fn next_undo(&self) -> Option<&Edit> {
        self.done.last().map(|s| &s.undo)
    }

    /// The edit redo would apply.
    pub fn next_redo(&self) -> Option<&Edit> {
        self.undone.last().map(|s| &s.redo)
    }

    /// What undo would undo ("move segment").
    pub fn undo_name(&self) -> Option<&str> {
        self.done.last().map(|s| s.what.as_str())
    }

    pub fn redo_name(&self) -> Option<&str> {
        self.undone.last().map(|s| s.what.as_str())
    }

    pub fn clear(&mut self) {
        *self = Self::with_limit(self.limit);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::FrameRate;

    #[test]
    fn retime_moves_millisecond_times_onto_the_clip_rate_and_undoes() {
        let mut project = crate::sample::sample_project();
        let video = &mut project.videos[0];
        // As an import without a rate leaves it: 10 s counted in milliseconds.
        (video.rate, video.frames, video.rate_unknown) = (FrameRate::MILLISECONDS, 10_000, true);
        let segment = &mut project.tracks[0].segments[0];
        (segment.start, segment.end) = (2_000, 10_000);
        project.tracks[0].segments.sort_by_key(|s| s.start);
        let before = project.clone();
        let mut clip = project.videos[0].clone();
        (clip.rate, clip.frames) = (FrameRate::new(25, 1).unwrap(), 250);
        let undo = Edit::retime(&project, clip).apply(&mut project).unwrap();
        let (_, segment) = project.segment(SegmentId(0)).unwrap();
        assert_eq!(
            (segment.start, segment.end),
            (50, 250),
            "[2 s, 10 s) at 25 fps"
        );
        assert!(!project.videos[0].rate_unknown);
        undo.apply(&mut project).unwrap();
        assert_eq!(project, before);

        // A known rate is replaced with frame numbers unchanged.
        let mut known = project.clone();
        known.videos[0].rate_unknown = false;
        let mut clip = known.videos[0].clone();
        clip.rate = FrameRate::new(25, 1).unwrap();
        Edit::retime(&known, clip).apply(&mut known).unwrap();
        assert_eq!(known.segment(SegmentId(0)).unwrap().1.start, 2_000);
    }
}
