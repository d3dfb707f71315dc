//! The annotation workspace as plain Rust: the open project with its undo history, what is
//! selected, the label being applied, the mark-in point and the timeline's view. The UI renders
//! it and sends it commands; every change of the project goes through `microact-core`'s edits.

mod clip;
pub mod clip_analysis;
pub mod gesture;
pub mod io;
pub mod journal;
pub mod keys;
pub mod lanes;
mod palette;
pub mod playing;
pub mod readout;
pub mod teach;
pub mod view;

pub use palette::{read_label_set, search_labels};

use microact_core::edit::{Edit, EditError, History};
use microact_core::labels;
use microact_core::model::{
    Frame, LabelRef, Project, Segment, SegmentId, Source, Status, Track, TrackId, TrackMeta, Video,
    VideoId,
};
use microact_core::query::TrackIndex;
use microact_core::time::FrameRate;
use serde::{Deserialize, Serialize};

use journal::{Entry, Focus};
use view::TimeView;

/// Who made a segment drawn in this page (annotator profiles come later).
pub const ANNOTATOR: &str = "me";

/// A clip as the player knows it once it is open and its rate measured.
#[derive(Clone, Debug, PartialEq)]
pub struct OpenedClip {
    pub name: String,
    pub bytes: u64,
    pub hash: String,
    pub rate: FrameRate,
    pub frames: Frame,
    pub width: u32,
    pub height: u32,
}

impl OpenedClip {
    /// The project's record of this clip under `id`.
    pub fn video(&self, id: VideoId) -> Video {
        Video {
            id,
            name: self.name.clone(),
            rate: self.rate,
            frames: self.frames,
            width: self.width,
            height: self.height,
            hash: self.hash.clone(),
            bytes: self.bytes,
            rate_unknown: false,
        }
    }
}

/// What a reload restores besides the project: the saved form of a [`Workspace`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Session {
    pub project: Project,
    #[serde(flatten)]
    pub focus: Focus,
    #[serde(default)]
    pub view: TimeView,
    #[serde(default)]
    pub playhead: Frame,
}

#[derive(Clone, Debug)]
pub struct Workspace {
    pub project: Project,
    history: History,
    /// The video on screen (its tracks are the lanes).
    pub video: Option<VideoId>,
    pub selected: Option<SegmentId>,
    /// The lane that keys (mark in/out, label while playing) act on.
    pub track: Option<TrackId>,
    /// The label new segments get.
    pub label: Option<LabelRef>,
    pub mark_in: Option<Frame>,
    /// The frame the playhead was on when last saved (restored after a reload).
    pub playhead: Frame,
    pub speed: f64,
    /// The project's changes since the page last took them ([`Self::take_journal`]), in the
    /// order applied: what the page writes to its log.
    journal: Vec<Entry>,
    /// Why the project cannot be edited here (another tab edits it); `None` when it can.
    read_only: Option<String>,
}

/// Why an edit from the page did not happen, for a notice.
pub type Refusal = String;

impl Workspace {
    /// A new project with the built-in label sets, MA-52 first.
    pub fn new(name: &str) -> Self {
        let mut project = Project::new(name);
        project.label_sets = labels::builtin();
        Self::from_session(Session {
            project,
            focus: Focus::default(),
            view: TimeView::default(),
            playhead: 0,
        })
    }

    pub fn from_session(s: Session) -> Self {
        let mut ws = Self {
            project: s.project,
            history: History::default(),
            video: s.focus.video,
            selected: s.focus.selected,
            track: s.focus.track,
            label: s.focus.label,
            mark_in: None,
            playhead: s.playhead,
            speed: s.focus.speed.clamp(SPEEDS[0], SPEEDS[SPEEDS.len() - 1]),
            journal: Vec::new(),
            read_only: None,
        };
        ws.repair();
        ws
    }

    /// The saved form, with the timeline's `view` (kept by the page, outside the workspace, so
    /// zooming does not touch the project's state).
    pub fn session(&self, view: TimeView) -> Session {
        Session {
            project: self.project.clone(),
            focus: self.focus(),
            view,
            playhead: self.playhead,
        }
    }

    /// What is selected and active, stored with every write.
    pub fn focus(&self) -> Focus {
        Focus {
            video: self.video,
            selected: self.selected,
            track: self.track,
            label: self.label.clone(),
            speed: self.speed,
        }
    }

    /// The changes since the last call, oldest first.
    pub fn take_journal(&mut self) -> Vec<Entry> {
        std::mem::take(&mut self.journal)
    }

    /// Whether changes are waiting for [`Self::take_journal`].
    pub fn journal_pending(&self) -> bool {
        !self.journal.is_empty()
    }

    /// Makes the project read-only here (`Some(why)`, the refusal every edit then gets) or
    /// editable again.
    pub fn set_read_only(&mut self, why: Option<String>) {
        self.read_only = why;
    }

    pub fn read_only(&self) -> Option<&str> {
        self.read_only.as_deref()
    }

    fn editable(&self) -> Result<(), Refusal> {
        match &self.read_only {
            Some(why) => Err(why.clone()),
            None => Ok(()),
        }
    }

    /// Applies an entry another tab logged (this tab only follows it): no undo step.
    pub fn follow(&mut self, entry: Entry) -> Result<(), EditError> {
        entry.replay(&mut self.project)?;
        self.history.clear();
        self.repair();
        Ok(())
    }

    /// The video on screen.
    pub fn current_video(&self) -> Option<&Video> {
        self.project.video(self.video?)
    }

    /// The lanes: the tracks of the video on screen, in project order.
    pub fn lanes(&self) -> Vec<&Track> {
        match self.video {
            Some(v) => self.project.tracks_of(v).collect(),
            None => Vec::new(),
        }
    }

    /// Applies `edit` as one undo step named `what`.
    pub fn apply(&mut self, what: &str, edit: Edit) -> Result<(), Refusal> {
        self.editable()?;
        let logged = edit.clone();
        let done = self.history.apply(&mut self.project, what, edit);
        self.after(done, logged)
    }

    /// Applies `edit` as part of gesture `group` (a drag): one undo step until [`Self::seal`].
    pub fn apply_in_group(&mut self, what: &str, edit: Edit, group: u64) -> Result<(), Refusal> {
        self.editable()?;
        let logged = edit.clone();
        let done = self
            .history
            .apply_in_group(&mut self.project, what, edit, group);
        self.after(done, logged)
    }

    pub fn seal(&mut self) {
        self.history.seal();
    }

    fn after(&mut self, done: Result<(), EditError>, logged: Edit) -> Result<(), Refusal> {
        if done.is_ok() {
            self.journal.push(Entry::Apply(logged));
        }
        self.repair();
        done.map_err(|e| e.to_string())
    }

    /// Undoes the last step; `None` when there is none or the project is read-only here.
    pub fn undo(&mut self) -> Option<String> {
        self.editable().ok()?;
        let name = self.history.undo_name().map(str::to_string)?;
        let edit = self.history.next_undo().cloned()?;
        self.history.undo(&mut self.project);
        self.journal.push(Entry::Restore(edit));
        self.repair();
        Some(name)
    }

    pub fn redo(&mut self) -> Option<String> {
        self.editable().ok()?;
        let name = self.history.redo_name().map(str::to_string)?;
        let edit = self.history.next_redo().cloned()?;
        self.history.redo(&mut self.project);
        self.journal.push(Entry::Restore(edit));
        self.repair();
        Some(name)
    }

    pub fn undo_name(&self) -> Option<&str> {
        self.history.undo_name()
    }

    pub fn redo_name(&self) -> Option<&str> {
        self.history.redo_name()
    }

    /// Drops references to things an edit, undo or load removed.
    fn repair(&mut self) {
        if self.video.is_some_and(|v| self.project.video(v).is_none()) {
            self.video = self.project.videos.first().map(|v| v.id);
        }
        if self
            .selected
            .is_some_and(|s| self.project.segment(s).is_none())
        {
            self.selected = None;
        }
        let lane_ok = |t: TrackId| {
            self.project
                .track(t)
                .is_some_and(|t| Some(t.video) == self.video)
        };
        if !self.track.is_some_and(lane_ok) {
            self.track = self.lanes().first().map(|t| t.id);
        }
        if self
            .label
            .as_ref()
            .is_some_and(|l| self.project.label(l).is_none())
        {
            self.label = None;
        }
    }

    /// A new human segment `[start, end)` on `track` with the active label.
    pub fn create(
        &mut self,
        track: TrackId,
        start: Frame,
        end: Frame,
    ) -> Result<SegmentId, Refusal> {
        let label = self
            .label
            .clone()
            .ok_or("choose a label in the palette first")?;
        let (start, end) = (start.min(end), start.max(end));
        let id = self.project.next_segment_id();
        let segment = Segment {
            id,
            start,
            end,
            label,
            note: None,
            attributes: Default::default(),
            source: Source::Human {
                annotator: ANNOTATOR.into(),
            },
            status: Status::Accepted,
        };
        self.apply("add segment", Edit::PutSegment { track, segment })?;
        self.selected = Some(id);
        self.track = Some(track);
        Ok(id)
    }

    /// Sets `label` as active; relabels the selected segment too.
    pub fn choose_label(&mut self, label: LabelRef) -> Result<(), Refusal> {
        self.label = Some(label.clone());
        match self.selected {
            Some(id)
                if self
                    .project
                    .segment(id)
                    .is_some_and(|(_, s)| s.label != label) =>
            {
                let edit = Edit::relabel(&self.project, id, label).map_err(|e| e.to_string())?;
                self.apply("relabel", edit)
            }
            _ => Ok(()),
        }
    }

    /// The mark-out key: a segment from the mark-in point to the playhead (inclusive).
    pub fn mark_out(&mut self, frame: Frame) -> Result<SegmentId, Refusal> {
        let start = self
            .mark_in
            .take()
            .ok_or("mark a start with the mark-in key first")?;
        let track = self.track.ok_or("add a track first")?;
        let (lo, hi) = (start.min(frame), start.max(frame));
        self.create(track, lo, hi + 1)
    }

    pub fn split_selected(&mut self, at: Frame) -> Result<(), Refusal> {
        let id = self.selected.ok_or("select a segment to split")?;
        let edit = Edit::split(&self.project, id, at).map_err(|e| e.to_string())?;
        self.apply("split", edit)
    }

    /// Merges the selected segment with the next one on its track.
    pub fn merge_next(&mut self) -> Result<(), Refusal> {
        let id = self.selected.ok_or("select a segment to merge")?;
        let (track, _) = self.project.segment(id).ok_or("the segment is gone")?;
        // Segments are kept in (start, end, id) order: the next one is the next in the list.
        let at = track.segments.iter().position(|s| s.id == id).unwrap_or(0);
        let next = track
            .segments
            .get(at + 1)
            .map(|s| s.id)
            .ok_or("there is no later segment on this track to merge with")?;
        let edit = Edit::merge(&self.project, id, next).map_err(|e| e.to_string())?;
        self.apply("merge", edit)
    }

    pub fn delete_selected(&mut self) -> Result<(), Refusal> {
        let id = self.selected.ok_or("select a segment to delete")?;
        let edit = Edit::delete_segments(&self.project, &[id]).map_err(|e| e.to_string())?;
        self.apply("delete segment", edit)?;
        self.selected = None;
        Ok(())
    }

    pub fn set_status(&mut self, id: SegmentId, status: Status) -> Result<(), Refusal> {
        let edit = Edit::set_status(&self.project, &[id], status).map_err(|e| e.to_string())?;
        self.apply(status.as_str(), edit)
    }

    pub fn add_track(&mut self) -> Result<TrackId, Refusal> {
        let video = self.video.ok_or("open a clip first")?;
        let n = self.lanes().len() + 1;
        let edit = Edit::add_track(&self.project, video, format!("Person {n}"));
        let id = self.project.next_track_id();
        self.apply("add track", edit)?;
        self.track = Some(id);
        Ok(id)
    }

    pub fn remove_track(&mut self, id: TrackId) -> Result<(), Refusal> {
        self.apply("delete track", Edit::RemoveTrack { id })
    }

    /// Renames a track or sets its description; typing in one field is one undo step.
    pub fn set_track_meta(
        &mut self,
        id: TrackId,
        change: impl FnOnce(&mut TrackMeta),
    ) -> Result<(), Refusal> {
        let mut meta = self
            .project
            .track(id)
            .ok_or("the track is gone")?
            .meta
            .clone();
        change(&mut meta);
        let group = 1_000_000 + u64::from(id.0);
        self.apply_in_group("edit track", Edit::SetTrackMeta { track: id, meta }, group)
    }

    /// The next or previous segment boundary on the active lane (or any lane when none).
    pub fn boundary(&self, from: Frame, forward: bool) -> Option<Frame> {
        let lanes = self.lanes();
        let lanes = lanes
            .iter()
            .filter(|t| self.track.is_none_or(|id| t.id == id));
        let found = lanes.filter_map(|t| {
            let index = TrackIndex::new(t);
            if forward {
                index.next_boundary(from)
            } else {
                index.previous_boundary(from)
            }
        });
        if forward { found.min() } else { found.max() }
    }

    /// The active lane one up or down.
    pub fn step_track(&mut self, delta: i64) {
        let lanes: Vec<TrackId> = self.lanes().iter().map(|t| t.id).collect();
        if lanes.is_empty() {
            return;
        }
        let at = self
            .track
            .and_then(|t| lanes.iter().position(|&l| l == t))
            .unwrap_or(0) as i64;
        let next = (at + delta).clamp(0, lanes.len() as i64 - 1) as usize;
        self.track = Some(lanes[next]);
    }

    /// Playback speed one step slower or faster.
    pub fn step_speed(&mut self, faster: bool) -> f64 {
        let at = SPEEDS
            .iter()
            .position(|&s| s >= self.speed - 1e-9)
            .unwrap_or(SPEEDS.len() - 1);
        let next = if faster {
            (at + 1).min(SPEEDS.len() - 1)
        } else {
            at.saturating_sub(1)
        };
        self.speed = SPEEDS[next];
        self.speed
    }
}

/// The playback speeds the keys step through (0.1× to 4×).
pub const SPEEDS: [f64; 9] = [0.1, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 4.0];

#[cfg(test)]
pub(crate) mod tests;
