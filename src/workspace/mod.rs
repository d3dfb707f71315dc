//! The annotation workspace as plain Rust: the open project with its undo history, what is
//! selected, the label being applied, the mark-in point and the timeline's view. The UI renders
//! it and sends it commands; every change of the project goes through `microact-core`'s edits.

pub mod clip_analysis;
pub mod io;
pub mod journal;
pub mod keys;
pub mod teach;
pub mod view;

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

    /// Makes `clip` the video on screen: the project's video with its name and size (and hash
    /// when both know one), or a new video with one empty track. Its rate and frame count come
    /// from the clip as measured.
    pub fn attach(&mut self, clip: &OpenedClip) -> Result<VideoId, Refusal> {
        let same = |v: &&Video| {
            v.name == clip.name
                && (v.bytes == 0 || v.bytes == clip.bytes)
                && (v.hash.is_empty() || clip.hash.is_empty() || v.hash == clip.hash)
        };
        let id = match self.project.videos.iter().find(same).cloned() {
            Some(known) => {
                let measured = Video {
                    name: known.name.clone(),
                    hash: if clip.hash.is_empty() {
                        known.hash.clone()
                    } else {
                        clip.hash.clone()
                    },
                    ..clip.video(known.id)
                };
                // A clip measured a few frames short (a rounded duration) keeps every segment;
                // times imported without a rate move onto the clip's.
                let edit = Edit::retime(&self.project, measured);
                let changed = match &edit {
                    Edit::SetVideo { video } => *video != known,
                    _ => true,
                };
                // A tab that only follows the project shows the clip as the project has it.
                if changed && self.read_only.is_none() {
                    self.apply("update video", edit)?;
                }
                known.id
            }
            None => {
                let id = self.project.next_video_id();
                let video = clip.video(id);
                let add = Edit::AddVideo {
                    index: self.project.videos.len(),
                    video,
                };
                let mut project = self.project.clone();
                add.clone().apply(&mut project).map_err(|e| e.to_string())?;
                let track = Edit::add_track(&project, id, "Person 1");
                self.apply("add video", Edit::Batch(vec![add, track]))?;
                id
            }
        };
        if self.video != Some(id) {
            self.video = Some(id);
            self.selected = None;
            self.mark_in = None;
            self.track = self.lanes().first().map(|t| t.id);
        }
        Ok(id)
    }

    /// Records the content hash of the clip on screen once it is known. `Err` names a clip that
    /// has the project's file name and size but other content.
    pub fn set_hash(&mut self, name: &str, bytes: u64, hash: &str) -> Result<(), Refusal> {
        let Some(video) = self
            .project
            .videos
            .iter()
            .find(|v| v.name == name && v.bytes == bytes)
            .cloned()
        else {
            return Ok(());
        };
        if video.hash.is_empty() {
            if self.read_only.is_some() {
                // The editing tab records it.
                return Ok(());
            }
            // A fact about the file found in the background, not an edit to undo.
            let edit = Edit::SetVideo {
                video: Video {
                    hash: hash.to_string(),
                    ..video
                },
            };
            edit.clone()
                .apply(&mut self.project)
                .map_err(|e| e.to_string())?;
            self.journal.push(Entry::Apply(edit));
            return Ok(());
        }
        if video.hash != hash {
            return Err(format!(
                "{name} is not the file this project was made with: same name and size, other content. Its segments may not fit this clip."
            ));
        }
        Ok(())
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

impl Workspace {
    /// The label set the palette shows: the active label's, else the first.
    pub fn palette_set(&self) -> Option<&labels::LabelSet> {
        self.label
            .as_ref()
            .and_then(|l| self.project.label_set(&l.set))
            .or_else(|| self.project.label_sets.first())
    }

    /// The keys that pick a label of `set`: its own shortcuts, or, for a set without any
    /// (MA-52), the digits 1–9 on its first nine leaves in `shown` order (the palette's filter).
    pub fn label_keys(set: &labels::LabelSet, shown: &[String]) -> Vec<(char, LabelRef)> {
        let own: Vec<(char, LabelRef)> = set
            .labels
            .iter()
            .filter_map(|l| Some((l.shortcut?, LabelRef::new(&set.id, &l.id))))
            .collect();
        if !own.is_empty() {
            return own;
        }
        shown
            .iter()
            .take(9)
            .zip('1'..='9')
            .map(|(id, key)| (key, LabelRef::new(&set.id, id)))
            .collect()
    }
}

/// The leaves of `set` whose name or path contains `query` (any case), in set order.
pub fn search_labels(set: &labels::LabelSet, query: &str) -> Vec<String> {
    let q = query.trim().to_lowercase();
    set.leaves()
        .filter(|l| q.is_empty() || set.path(&l.id).join(" ").to_lowercase().contains(&q))
        .map(|l| l.id.clone())
        .collect()
}

/// The playback speeds the keys step through (0.1× to 4×).
pub const SPEEDS: [f64; 9] = [0.1, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 4.0];

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    fn clip(name: &str) -> OpenedClip {
        OpenedClip {
            name: name.into(),
            bytes: 1000,
            hash: "ab".into(),
            rate: FrameRate::new(30, 1).unwrap(),
            frames: 60,
            width: 640,
            height: 360,
        }
    }

    fn label(name: &str) -> LabelRef {
        LabelRef::new("ma52", name)
    }

    /// A new project with a 2 s, 30 fps clip attached.
    pub(crate) fn workspace() -> Workspace {
        let mut ws = Workspace::new("test");
        ws.attach(&clip("walk.webm")).unwrap();
        ws
    }

    #[test]
    fn the_journal_replays_every_change_undo_and_redo_included() {
        let mut ws = Workspace::new("test");
        let base = ws.project.clone();
        let mut c = clip("walk.webm");
        c.hash = String::new();
        ws.attach(&c).unwrap();
        ws.set_hash("walk.webm", 1000, "aa").unwrap();
        let track = ws.track.unwrap();
        ws.label = Some(label("nodding"));
        let a = ws.create(track, 5, 20).unwrap();
        ws.create(track, 30, 40).unwrap();
        ws.split_selected(35).unwrap();
        ws.undo().unwrap();
        ws.undo().unwrap();
        ws.redo().unwrap();
        ws.selected = Some(a);
        ws.delete_selected().unwrap();
        let journal = ws.take_journal();
        assert!(!ws.journal_pending());
        assert_eq!(journal.len(), 9, "{journal:?}");
        let mut replayed = base;
        for entry in journal {
            entry.replay(&mut replayed).unwrap();
        }
        assert_eq!(replayed, ws.project);
    }

    #[test]
    fn a_clip_opened_after_an_import_without_a_rate_gets_its_times_exactly() {
        // A CSV without an fps column, imported with no clip open: times in milliseconds.
        let mut ws = Workspace::new("test");
        let csv = "video,label,start_s,end_s\nwalk.webm,nodding,2,10\n";
        let imported = microact_core::formats::table::import(&ws.project, csv).unwrap();
        let edit = microact_core::formats::merge(
            &ws.project,
            &imported,
            microact_core::formats::Mode::Merge,
        );
        ws.apply("import", edit).unwrap();
        assert!(ws.project.videos[0].rate_unknown);
        let mut c = clip("walk.webm");
        (c.rate, c.frames, c.bytes) = (FrameRate::new(25, 1).unwrap(), 250, 0);
        ws.attach(&c).unwrap();
        let (_, segment) = ws.project.segments().next().unwrap();
        assert_eq!(
            (segment.start, segment.end),
            (50, 250),
            "[2 s, 10 s) at 25 fps"
        );
        assert!(!ws.project.videos[0].rate_unknown);
        // Undo puts the milliseconds back.
        ws.undo().unwrap();
        assert_eq!(ws.project.segments().next().unwrap().1.start, 2000);
    }

    #[test]
    fn a_read_only_workspace_refuses_every_edit_and_logs_nothing() {
        let mut ws = workspace();
        ws.take_journal();
        let track = ws.track.unwrap();
        ws.label = Some(label("nodding"));
        ws.create(track, 5, 20).unwrap();
        ws.take_journal();
        let before = ws.project.clone();
        ws.set_read_only(Some("open in another tab".into()));
        assert_eq!(ws.create(track, 30, 40).unwrap_err(), "open in another tab");
        assert!(ws.undo().is_none());
        assert!(ws.set_hash("walk.webm", 1000, "ab").is_ok());
        assert_eq!(ws.project, before);
        assert!(!ws.journal_pending());
        ws.set_read_only(None);
        assert!(ws.undo().is_some());
    }

    #[test]
    fn a_new_clip_gets_a_track_and_reopening_it_finds_it() {
        let mut ws = workspace();
        assert_eq!(ws.lanes().len(), 1);
        assert_eq!(ws.lanes()[0].meta.name, "Person 1");
        let first = ws.video;
        ws.attach(&clip("other.webm")).unwrap();
        assert_ne!(ws.video, first);
        assert_eq!(ws.project.videos.len(), 2);
        ws.attach(&clip("walk.webm")).unwrap();
        assert_eq!(ws.video, first);
        assert_eq!(ws.project.videos.len(), 2);
        // The same name with other bytes is another file.
        let mut changed = clip("walk.webm");
        changed.bytes = 5;
        ws.attach(&changed).unwrap();
        assert_eq!(ws.project.videos.len(), 3);
    }

    #[test]
    fn the_hash_is_recorded_once_and_a_different_file_is_named() {
        let mut c = clip("walk.webm");
        c.hash = String::new();
        let mut ws = Workspace::new("t");
        ws.attach(&c).unwrap();
        ws.set_hash("walk.webm", 1000, "aa").unwrap();
        assert_eq!(ws.project.videos[0].hash, "aa");
        // Re-opening without a hash yet keeps the recorded one.
        ws.attach(&c).unwrap();
        assert_eq!(ws.project.videos[0].hash, "aa");
        assert!(ws.set_hash("walk.webm", 1000, "aa").is_ok());
        let err = ws.set_hash("walk.webm", 1000, "bb").unwrap_err();
        assert!(err.contains("not the file"), "{err}");
        assert!(
            ws.set_hash("other.webm", 5, "cc").is_ok(),
            "not in the project: nothing to say"
        );
    }

    #[test]
    fn marking_in_and_out_makes_a_segment_with_the_active_label() {
        let mut ws = workspace();
        ws.mark_in = Some(10);
        assert!(ws.mark_out(20).is_err(), "no label yet");
        ws.choose_label(label("nodding")).unwrap();
        ws.mark_in = Some(20);
        let id = ws.mark_out(10).unwrap();
        let (_, s) = ws.project.segment(id).unwrap();
        assert_eq!((s.start, s.end), (10, 21));
        assert_eq!(s.label, label("nodding"));
        assert_eq!(ws.selected, Some(id));
        // Choosing a label now relabels the selection, as one undo step.
        ws.choose_label(label("waving")).unwrap();
        assert_eq!(ws.project.segment(id).unwrap().1.label, label("waving"));
        assert_eq!(ws.undo().as_deref(), Some("relabel"));
        assert_eq!(ws.project.segment(id).unwrap().1.label, label("nodding"));
    }

    #[test]
    fn split_merge_delete_and_undo_each() {
        let mut ws = workspace();
        ws.choose_label(label("nodding")).unwrap();
        let track = ws.track.unwrap();
        let a = ws.create(track, 0, 30).unwrap();
        ws.split_selected(10).unwrap();
        assert_eq!(ws.lanes()[0].segments.len(), 2);
        ws.selected = Some(a);
        ws.merge_next().unwrap();
        assert_eq!(ws.lanes()[0].segments.len(), 1);
        ws.delete_selected().unwrap();
        assert!(ws.lanes()[0].segments.is_empty());
        assert_eq!(ws.undo().as_deref(), Some("delete segment"));
        assert_eq!(ws.undo().as_deref(), Some("merge"));
        assert_eq!(ws.lanes()[0].segments.len(), 2);
        assert_eq!(ws.undo().as_deref(), Some("split"));
        assert_eq!(ws.undo().as_deref(), Some("add segment"));
        assert!(ws.lanes()[0].segments.is_empty());
        assert!(ws.selected.is_none(), "the selection went with the segment");
        assert_eq!(ws.redo().as_deref(), Some("add segment"));
    }

    #[test]
    fn typing_a_description_is_one_undo_step() {
        let mut ws = workspace();
        let t = ws.track.unwrap();
        for text in ["t", "th", "the man"] {
            ws.set_track_meta(t, |m| m.description = Some(text.into()))
                .unwrap();
        }
        assert_eq!(ws.lanes()[0].meta.description.as_deref(), Some("the man"));
        ws.seal();
        ws.undo();
        assert_eq!(ws.lanes()[0].meta.description, None);
    }

    #[test]
    fn tracks_add_step_and_delete() {
        let mut ws = workspace();
        let second = ws.add_track().unwrap();
        assert_eq!(ws.lanes()[1].meta.name, "Person 2");
        assert_eq!(ws.track, Some(second));
        ws.step_track(-1);
        assert_eq!(ws.track, Some(ws.lanes()[0].id));
        ws.remove_track(second).unwrap();
        assert_eq!(ws.lanes().len(), 1);
        ws.undo();
        assert_eq!(ws.lanes().len(), 2);
    }

    #[test]
    fn the_session_round_trips_through_json() {
        let mut ws = workspace();
        ws.choose_label(label("nodding")).unwrap();
        let t = ws.track.unwrap();
        ws.create(t, 5, 9).unwrap();
        let view = TimeView {
            start: 3.5,
            px_per_frame: 2.0,
        };
        ws.playhead = 7;
        ws.step_speed(false);
        let text = serde_json::to_string(&ws.session(view)).unwrap();
        let saved: Session = serde_json::from_str(&text).unwrap();
        assert_eq!(saved.view, view);
        let back = Workspace::from_session(saved);
        assert_eq!(back.session(view), ws.session(view));
        assert_eq!(back.speed, 0.75);
    }

    #[test]
    fn label_keys_are_the_sets_own_or_digits_over_the_search() {
        let penn = labels::penn_action();
        let all = search_labels(&penn, "");
        let keys = Workspace::label_keys(&penn, &all);
        assert_eq!(keys.len(), 15);
        assert_eq!(
            keys[0],
            ('1', LabelRef::new("penn_action", "baseball_pitch"))
        );
        let ma52 = labels::ma52();
        let found = search_labels(&ma52, "head");
        assert!(
            found.contains(&"nodding".to_string()),
            "path match: head › nodding"
        );
        assert!(
            !found.contains(&"head".to_string()),
            "parents are not labels to apply"
        );
        let keys = Workspace::label_keys(&ma52, &found);
        assert_eq!(keys.len(), 9.min(found.len()));
        assert_eq!(keys[0].0, '1');
        assert_eq!(keys[0].1.label, found[0]);
        assert!(search_labels(&ma52, "zzz").is_empty());
    }

    #[test]
    fn boundaries_and_speeds() {
        let mut ws = workspace();
        ws.choose_label(label("nodding")).unwrap();
        let t = ws.track.unwrap();
        ws.create(t, 5, 9).unwrap();
        assert_eq!(ws.boundary(0, true), Some(5));
        assert_eq!(ws.boundary(5, true), Some(9));
        assert_eq!(ws.boundary(30, false), Some(9));
        ws.speed = 1.0;
        for _ in 0..20 {
            ws.step_speed(true);
        }
        assert_eq!(ws.speed, 4.0);
        for _ in 0..20 {
            ws.step_speed(false);
        }
        assert_eq!(ws.speed, 0.1);
    }
}
