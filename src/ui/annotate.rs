//! The annotation workspace's shared state in the page: the [`Workspace`] behind a signal, the
//! keymap and its keys, opening and restoring projects (their durability is `ui::autosave`),
//! and the import/export menu's actions. The panels (timeline, palette, project bar, help)
//! render it.

use leptos::ev;
use leptos::html::Input;
use leptos::prelude::*;
use leptos::task::spawn_local;
use microact_core::formats::truth::Include;
use microact_core::formats::{self, Mode};
use microact_core::model::{Frame, LabelRef, Project, TrackId, VideoId};
use std::time::Duration;

use crate::browser::{self, dom, files::PickedFile, storage, tabs};
use crate::media;
use crate::ui::autosave::{Autosave, LAST_PROJECT};
use crate::ui::notices::Notices;
use crate::ui::player::{Source, Viewer};
use crate::workspace::io::{self, Format, Picked};
use crate::workspace::keys::{Chord, Command, Keymap};
use crate::workspace::view::{TimeView, ZOOM_STEP};
use crate::workspace::{OpenedClip, Refusal, Workspace};

/// Quiet time after the view or playhead moves before where the person is gets written (edits
/// are written at once, by `ui::autosave`).
const PLACE_DELAY: Duration = Duration::from_millis(300);
const KEYMAP: &str = "keymap";

/// Where the person is in a project: saved on its own so that zooming or stepping does not
/// rewrite a large project.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
struct Place {
    view: TimeView,
    playhead: Frame,
}

/// An import read and waiting for the person to choose merge or replace.
#[derive(Clone, Debug)]
pub struct PendingImport {
    pub file: String,
    pub format: Format,
    pub project: Project,
}

/// A label key held down while the clip plays: the segment being recorded.
#[derive(Clone, Debug)]
struct Recording {
    key: char,
    track: TrackId,
    start: Frame,
    label: LabelRef,
}

#[derive(Clone, Copy)]
pub struct Annotate {
    pub ws: RwSignal<Workspace>,
    pub keymap: RwSignal<Keymap>,
    pub help: RwSignal<bool>,
    /// Whether a drag on the video draws the active track's person box.
    pub drawing_box: RwSignal<bool>,
    /// The command waiting for a new chord in the help overlay.
    pub rebinding: RwSignal<Option<Command>>,
    pub search: NodeRef<Input>,
    pub query: RwSignal<String>,
    /// The selected segment's span while "loop" is on.
    pub looping: RwSignal<Option<(Frame, Frame)>>,
    /// The segment being recorded with a held key (track, start) for the timeline to draw.
    pub recording_view: RwSignal<Option<(TrackId, Frame)>>,
    recording: StoredValue<Option<Recording>>,
    /// The timeline's zoom and pan (saved with the session, but not part of the workspace's
    /// state: a zoom redraws the timeline only).
    pub view: RwSignal<TimeView>,
    /// The lanes' width in pixels (the timeline measures it).
    pub width: RwSignal<f64>,
    pub project_id: RwSignal<String>,
    pub projects: RwSignal<Vec<storage::StoredProject>>,
    pub autosave: Autosave,
    pub pending_import: RwSignal<Option<PendingImport>>,
    /// Whether the import/export menu is open.
    pub io_open: RwSignal<bool>,
    place_generation: StoredValue<u64>,
    /// The last clip hashed: name, size, SHA-256.
    hashed: StoredValue<Option<(String, u64, String)>>,
    /// The playhead to go back to when the restored project's clip is opened again.
    restore_playhead: StoredValue<Option<(VideoId, Frame)>>,
    loaded: RwSignal<bool>,
    pub notices: Notices,
    pub viewer: Viewer,
}

impl Annotate {
    pub fn new(notices: Notices, viewer: Viewer) -> Self {
        let ws = RwSignal::new(Workspace::new("Untitled project"));
        let project_id = RwSignal::new(String::new());
        let projects = RwSignal::new(Vec::new());
        Self {
            ws,
            keymap: RwSignal::new(Keymap::default()),
            help: RwSignal::new(false),
            drawing_box: RwSignal::new(false),
            rebinding: RwSignal::new(None),
            search: NodeRef::new(),
            query: RwSignal::new(String::new()),
            looping: RwSignal::new(None),
            recording_view: RwSignal::new(None),
            recording: StoredValue::new(None),
            view: RwSignal::new(TimeView::default()),
            width: RwSignal::new(800.0),
            project_id,
            projects,
            autosave: Autosave::new(ws, project_id, projects, notices),
            pending_import: RwSignal::new(None),
            io_open: RwSignal::new(false),
            place_generation: StoredValue::new(0),
            hashed: StoredValue::new(None),
            restore_playhead: StoredValue::new(None),
            loaded: RwSignal::new(false),
            notices,
            viewer,
        }
    }

    /// Runs a workspace change; a refusal becomes a notice.
    pub fn run<T>(&self, change: impl FnOnce(&mut Workspace) -> Result<T, Refusal>) -> Option<T> {
        let mut out = None;
        self.ws.update(|ws| out = Some(change(ws)));
        match out? {
            Ok(v) => Some(v),
            Err(why) => {
                self.notices.error(why);
                None
            }
        }
    }

    fn playhead(&self) -> Frame {
        self.viewer.frame().unwrap_or(0)
    }

    fn frames(&self) -> Frame {
        self.ws
            .with_untracked(|w| w.current_video().map(|v| v.frames))
            .unwrap_or(1)
    }

    pub fn zoom(&self, factor: f64, anchor: Option<f64>) {
        let width = self.width.get_untracked();
        let frames = self.frames();
        let anchor = anchor.unwrap_or_else(|| {
            let view = self.view.get_untracked();
            let x = view.x(self.playhead() as f64);
            if (0.0..=width).contains(&x) {
                x
            } else {
                width / 2.0
            }
        });
        self.view.update(|v| v.zoom(factor, anchor, frames, width));
    }

    pub fn pan(&self, dx: f64) {
        let (width, frames) = (self.width.get_untracked(), self.frames());
        self.view.update(|v| v.pan(dx, frames, width));
    }

    pub fn fit(&self) {
        let (width, frames) = (self.width.get_untracked(), self.frames());
        self.view.set(TimeView::fit(frames, width));
    }

    pub fn seek(&self, frame: Frame) {
        self.viewer.seek(frame);
    }

    /// Runs a keyboard command.
    pub fn command(&self, command: Command) {
        let viewer = self.viewer;
        let now = self.playhead();
        let second = viewer
            .rate
            .get_untracked()
            .map(|r| r.fps().round() as i64)
            .unwrap_or(30);
        match command {
            Command::PlayPause => viewer.toggle_play(),
            Command::FrameBack => viewer.step(-1),
            Command::FrameForward => viewer.step(1),
            Command::SecondBack => viewer.step(-second),
            Command::SecondForward => viewer.step(second),
            Command::PreviousBoundary | Command::NextBoundary => {
                let forward = command == Command::NextBoundary;
                match self.ws.with_untracked(|w| w.boundary(now, forward)) {
                    Some(f) => viewer.seek(f.min(self.frames().saturating_sub(1))),
                    None => self
                        .notices
                        .info("no segment boundary that way on this track"),
                }
            }
            Command::Slower | Command::Faster | Command::NormalSpeed => {
                let mut speed = 1.0;
                self.ws.update(|w| {
                    speed = match command {
                        Command::NormalSpeed => {
                            w.speed = 1.0;
                            1.0
                        }
                        c => w.step_speed(c == Command::Faster),
                    }
                });
                viewer.set_speed(speed);
            }
            Command::MarkIn => self.ws.update(|w| w.mark_in = Some(now)),
            Command::MarkOut => {
                self.run(|w| w.mark_out(now));
            }
            Command::Split => {
                self.run(|w| w.split_selected(now));
            }
            Command::MergeNext => {
                self.run(|w| w.merge_next());
            }
            Command::Delete => {
                self.run(|w| w.delete_selected());
            }
            Command::Undo => {
                let mut done = None;
                self.ws.update(|w| done = w.undo());
                if done.is_none() {
                    self.notices.info("nothing to undo");
                }
            }
            Command::Redo => {
                let mut done = None;
                self.ws.update(|w| done = w.redo());
                if done.is_none() {
                    self.notices.info("nothing to redo");
                }
            }
            Command::ZoomIn => self.zoom(ZOOM_STEP, None),
            Command::ZoomOut => self.zoom(1.0 / ZOOM_STEP, None),
            Command::ZoomFit => self.fit(),
            Command::LoopSegment => self.toggle_loop(),
            Command::PreviousTrack => self.ws.update(|w| w.step_track(-1)),
            Command::NextTrack => self.ws.update(|w| w.step_track(1)),
            Command::SearchLabels => {
                if let Some(el) = self.search.get_untracked() {
                    dom::focus(&el);
                }
            }
            Command::Deselect => {
                self.help.set(false);
                self.drawing_box.set(false);
                self.looping.set(None);
                self.ws.update(|w| {
                    w.selected = None;
                    w.mark_in = None;
                });
            }
            Command::Help => self.help.update(|h| *h = !*h),
            Command::DrawBox => self.drawing_box.update(|d| *d = !*d),
        }
    }

    pub fn toggle_loop(&self) {
        if self.looping.get_untracked().is_some() {
            self.looping.set(None);
            return;
        }
        let span = self.ws.with_untracked(|w| {
            w.selected
                .and_then(|id| w.project.segment(id))
                .map(|(_, s)| (s.start, s.end))
        });
        match span {
            Some((start, end)) => {
                self.looping.set(Some((start, end)));
                self.viewer.jump(start);
                if !self.viewer.playing.get_untracked() {
                    self.viewer.toggle_play();
                }
            }
            None => self.notices.error("select a segment to loop"),
        }
    }

    /// The label keys of the palette as shown now.
    fn label_key(&self, key: char) -> Option<LabelRef> {
        let query = self.query.get_untracked();
        self.ws.with_untracked(|w| {
            let set = w.palette_set()?;
            let shown = crate::workspace::search_labels(set, &query);
            Workspace::label_keys(set, &shown)
                .into_iter()
                .find(|(k, _)| *k == key)
                .map(|(_, l)| l)
        })
    }

    fn on_keydown(&self, e: &ev::KeyboardEvent) {
        let k = dom::key(e);
        let chord = Chord::from_event(&k.key, k.ctrl, k.meta, k.shift, k.alt);
        if let Some(command) = self.rebinding.get_untracked() {
            if matches!(k.key.as_str(), "Shift" | "Control" | "Alt" | "Meta") {
                return;
            }
            e.prevent_default();
            self.rebinding.set(None);
            if k.key == "Escape" {
                return;
            }
            let mut lost = None;
            self.keymap
                .update(|m| lost = m.rebind(command, chord.clone()));
            if let Some(lost) = lost {
                self.notices.info(format!(
                    "{chord} now runs “{}” instead of “{}”",
                    command.describe(),
                    lost.describe()
                ));
            }
            self.save_keymap();
            return;
        }
        if browser::typing_in_field(e) {
            // Escape leaves a field; Enter in the label search applies the first match.
            if k.key == "Escape" {
                if let Some(el) = self.search.get_untracked() {
                    let _ = el.blur();
                }
            }
            return;
        }
        if let Some(command) = self.keymap.with_untracked(|m| m.command(&chord)) {
            e.prevent_default();
            if !k.repeat
                || matches!(
                    command,
                    Command::FrameBack | Command::FrameForward | Command::Undo | Command::Redo
                )
            {
                self.command(command);
            }
            return;
        }
        let Some(key) = chord.as_char() else { return };
        let Some(label) = self.label_key(key) else {
            return;
        };
        e.prevent_default();
        if k.repeat {
            return;
        }
        if self.viewer.playing.get_untracked() {
            // Label while playing: the key held down is the segment's extent.
            let Some(track) = self.ws.with_untracked(|w| w.track) else {
                self.notices.error("add a track first");
                return;
            };
            let start = self.playhead();
            self.recording.set_value(Some(Recording {
                key,
                track,
                start,
                label: label.clone(),
            }));
            self.recording_view.set(Some((track, start)));
            self.ws.update(|w| w.label = Some(label));
        } else {
            self.run(|w| w.choose_label(label));
        }
    }

    fn on_keyup(&self, e: &ev::KeyboardEvent) {
        let k = dom::key(e);
        let Some(key) = Chord::from_event(&k.key, false, false, false, false).as_char() else {
            return;
        };
        let Some(rec) = self.recording.with_value(|r| r.clone()) else {
            return;
        };
        if rec.key != key {
            return;
        }
        self.recording.set_value(None);
        self.recording_view.set(None);
        let end = self.playhead() + 1;
        self.run(|w| {
            w.label = Some(rec.label.clone());
            w.create(rec.track, rec.start, end.max(rec.start + 1))
        });
    }

    /// Writes where the person is (zoom, pan, playhead) soon: once for a burst of moves, and
    /// cheap however large the project.
    fn schedule_place(&self) {
        if !self.loaded.get_untracked() {
            return;
        }
        // Debounced: only the timer of the last move in a burst writes.
        let counter = self.place_generation;
        let generation = counter.get_value() + 1;
        counter.set_value(generation);
        let this = *self;
        set_timeout(
            move || {
                if counter.get_value() == generation {
                    this.save_place()
                }
            },
            PLACE_DELAY,
        );
    }

    fn place(&self) -> Place {
        Place {
            view: self.view.get_untracked(),
            playhead: self
                .viewer
                .frame()
                .unwrap_or_else(|| self.ws.with_untracked(|w| w.playhead)),
        }
    }

    /// Writes where the person is now (issued at once: also when the page is closing).
    fn save_place(&self) {
        if !self.loaded.get_untracked() {
            return;
        }
        let Ok(text) = serde_json::to_string(&self.place()) else {
            return;
        };
        let key = storage::place_key(&self.project_id.get_untracked());
        if let Ok(pending) = storage::put_setting(&key, &text) {
            // A failure here shows in the next edit's write, which fails the same way.
            spawn_local(async move { drop(pending.await) });
        }
    }

    fn save_keymap(&self) {
        let Ok(text) = self.keymap.with_untracked(serde_json::to_string) else {
            return;
        };
        let notices = self.notices;
        spawn_local(async move {
            if let Err(e) = storage::set_setting(KEYMAP, &text).await {
                notices.error(format!("The key bindings could not be saved: {e}"));
            }
        });
    }

    pub fn reset_keymap(&self) {
        self.keymap.set(Keymap::default());
        self.save_keymap();
    }

    /// After everything stored was deleted: a new empty project and the default keys.
    pub fn start_over(&self) {
        self.looping.set(None);
        self.restore_playhead.set_value(None);
        self.keymap.set(Keymap::default());
        self.fresh(Workspace::new("Untitled project"));
        self.refresh_projects();
    }

    /// `ws` as a new project under a fresh id, stored at once; the clip on screen joins it.
    fn fresh(&self, ws: Workspace) {
        self.looping.set(None);
        self.ws.set(ws);
        self.project_id.set(storage::new_id());
        self.autosave.begin();
        self.reattach();
    }

    pub fn refresh_projects(&self) {
        let this = *self;
        spawn_local(async move {
            if let Ok(list) = storage::list_projects().await {
                this.projects.set(list);
            }
        });
    }

    /// Loads the last project (or starts one) and the keymap; autosave starts after.
    fn restore(&self) {
        let this = *self;
        spawn_local(async move {
            if let Ok(Some(text)) = storage::setting(KEYMAP).await {
                match serde_json::from_str::<Keymap>(&text) {
                    Ok(map) => this.keymap.set(map),
                    Err(e) => this.notices.error(format!(
                        "The saved key bindings could not be read ({e}); the defaults apply."
                    )),
                }
            }
            match storage::setting(LAST_PROJECT).await {
                Ok(Some(id)) => this.load(&id).await,
                Ok(None) => this.fresh(Workspace::new("Untitled project")),
                Err(e) => {
                    this.fresh(Workspace::new("Untitled project"));
                    this.notices.error(format!(
                        "Projects cannot be saved in this browser ({e}). Work in this tab is kept until it closes: use “Export now” to keep a copy."
                    ));
                }
            }
            this.loaded.set(true);
            this.autosave.check_persisted();
            this.refresh_projects();
        });
    }

    /// Opens stored project `id` where the person left it: edited here, or followed read-only
    /// while another tab edits it. A damaged project opens up to its last good edit, saying
    /// what was left out.
    async fn load(&self, id: &str) {
        match self.autosave.load(id).await {
            Ok(Some((restored, claim))) => {
                let mut session = restored.session;
                let place = storage::setting(&storage::place_key(id))
                    .await
                    .ok()
                    .flatten()
                    .and_then(|p| serde_json::from_str::<Place>(&p).ok());
                if let Some(place) = place {
                    session.view = place.view;
                    session.playhead = place.playhead;
                }
                let playhead = session.focus.video.map(|v| (v, session.playhead));
                self.restore_playhead.set_value(playhead);
                self.looping.set(None);
                self.view.set(session.view);
                self.ws.set(Workspace::from_session(session));
                self.project_id.set(id.to_string());
                let damaged = !restored.problems.is_empty();
                self.autosave.start(claim, damaged);
                if damaged {
                    self.notices.error(format!(
                        "This project was stored damaged: it is open as it was up to its last readable edit{}. {}. A raw copy of what was stored is kept (Your data → Export stored data).",
                        match restored.dropped {
                            0 => String::new(),
                            n => format!(" ({n} later edit{} left out)", if n == 1 { "" } else { "s" }),
                        },
                        restored.problems.join("; ")
                    ));
                }
                self.reattach();
            }
            Ok(None) => self.fresh(Workspace::new("Untitled project")),
            Err(e) => {
                // Keep the stored records untouched: start a new project beside them.
                self.fresh(Workspace::new("Untitled project"));
                self.notices.error(format!("The saved project could not be opened ({e}); it is kept as it was (Your data → Export stored data), and a new project is open."));
            }
        }
    }

    /// After a load, the clip on screen joins the project if it is one of its videos.
    fn reattach(&self) {
        if let Some(clip) = self.opened_clip() {
            self.attach(clip);
        }
    }

    fn opened_clip(&self) -> Option<OpenedClip> {
        let (Source::Clip(info), Some(rate)) = (
            self.viewer.source.get_untracked(),
            self.viewer.rate.get_untracked(),
        ) else {
            return None;
        };
        Some(OpenedClip {
            frames: media::frame_count(&info, rate),
            name: info.name,
            bytes: info.bytes,
            hash: String::new(),
            rate,
            width: info.width,
            height: info.height,
        })
    }

    fn attach(&self, clip: OpenedClip) {
        let frames = clip.frames;
        let width = self.width.get_untracked();
        let before = self.ws.with_untracked(|w| w.video);
        let Some(id) = self.run(|w| w.attach(&clip)) else {
            return;
        };
        if before != Some(id) || self.view.get_untracked() == TimeView::default() {
            self.view.set(TimeView::fit(frames, width));
        } else {
            self.view.update(|v| v.clamp(frames, width));
        }
        self.hash_clip(id);
        if let Some((video, frame)) = self.restore_playhead.get_value()
            && video == id
        {
            self.restore_playhead.set_value(None);
            self.viewer.seek(frame);
        }
    }

    /// Hashes the clip on screen in the background and records it with its video (or says that
    /// it is another file than the project's).
    fn hash_clip(&self, id: VideoId) {
        let Some(file) = self.viewer.file.with_value(|f| f.clone()) else {
            return;
        };
        let known = self
            .ws
            .with_untracked(|w| w.project.video(id).map(|v| v.hash.clone()));
        let this = *self;
        let cached = self.hashed.with_value(|h| {
            h.as_ref()
                .filter(|(n, b, _)| *n == file.name && *b == file.bytes)
                .map(|(_, _, h)| h.clone())
        });
        spawn_local(async move {
            let hash = match cached {
                Some(hash) => hash,
                None => match browser::files::sha256(&file).await {
                    Ok(hash) => {
                        this.hashed
                            .set_value(Some((file.name.clone(), file.bytes, hash.clone())));
                        hash
                    }
                    Err(e) => {
                        this.notices.error(e);
                        return;
                    }
                },
            };
            if known.as_deref() != Some(hash.as_str()) {
                this.run(|w| w.set_hash(&file.name, file.bytes, &hash));
            }
        });
    }

    pub fn new_project(&self) {
        self.restore_playhead.set_value(None);
        self.fresh(Workspace::new("Untitled project"));
    }

    pub fn open_project(&self, id: String) {
        let this = *self;
        spawn_local(async move { this.load(&id).await });
    }

    pub fn duplicate_project(&self) {
        let view = self.view.get_untracked();
        let copy = self.ws.with_untracked(|w| {
            let mut s = w.session(view);
            s.project.name = format!("{} (copy)", s.project.name);
            s
        });
        self.fresh(Workspace::from_session(copy));
    }

    pub fn delete_project(&self, id: String) {
        let this = *self;
        spawn_local(async move {
            if let Err(e) = storage::delete_project(&id).await {
                this.notices
                    .error(format!("The project could not be deleted: {e}"));
                return;
            }
            if this.project_id.get_untracked() == id {
                this.fresh(Workspace::new("Untitled project"));
            }
            this.refresh_projects();
        });
    }

    pub fn rename(&self, name: String) {
        self.run(|w| {
            w.apply_in_group(
                "rename project",
                microact_core::edit::Edit::RenameProject { name },
                2_000_000,
            )
        });
    }

    /// Downloads the project in `format`, with the proposals nobody accepted where `include`
    /// asks and the format holds them.
    pub fn export(&self, format: Format, include: Include) {
        let out = self.ws.with_untracked(|w| {
            let set = w
                .palette_set()
                .cloned()
                .unwrap_or_else(microact_core::labels::ma52);
            io::export(&w.project, format, w.video, &set, include)
        });
        match out {
            Ok(out) => {
                for file in &out.files {
                    if let Err(e) = dom::download(&file.name, file.mime, &file.bytes) {
                        self.notices
                            .error(format!("{} could not be downloaded: {e}", file.name));
                    }
                }
                if out.left_out > 0 {
                    self.notices.info(format!(
                        "{}: {} segment(s) left out (their labels are not in the label set chosen, they have no pose, or — ActivityNet results — no ground truth has their label)",
                        format.name(),
                        out.left_out
                    ));
                }
            }
            Err(e) => self.notices.error(format!("Export failed: {e}")),
        }
    }

    /// Reads picked files as `format` (or the format their name and content say) and asks
    /// whether to merge or replace.
    pub fn import(&self, picked: Vec<PickedFile>, format: Option<Format>) {
        let this = *self;
        spawn_local(async move {
            let mut files = Vec::new();
            for file in &picked {
                match dom::read(file).await {
                    Ok(bytes) => files.push(Picked {
                        name: file.name.clone(),
                        bytes,
                    }),
                    Err(e) => {
                        this.notices.error(e);
                        return;
                    }
                }
            }
            let Some(main) = files
                .iter()
                .find(|f| !f.name.ends_with(".pbtxt"))
                .or(files.first())
            else {
                return;
            };
            let name = main.name.clone();
            let Some(format) = format.or_else(|| Format::detect(&main.name, &main.bytes)) else {
                this.notices.error(format!(
                    "{name}: the format is not recognised; choose it in the list and import again"
                ));
                return;
            };
            let read = this.ws.with_untracked(|w| {
                let set = w
                    .palette_set()
                    .cloned()
                    .unwrap_or_else(microact_core::labels::ma52);
                io::import(&w.project, format, &files, &set)
            });
            match read {
                Ok(project) => this.pending_import.set(Some(PendingImport {
                    file: name,
                    format,
                    project,
                })),
                Err(e) => this.notices.error(format!("{name} was not imported: {e}")),
            }
        });
    }

    pub fn finish_import(&self, mode: Option<Mode>) {
        let Some(pending) = self.pending_import.get_untracked() else {
            return;
        };
        self.pending_import.set(None);
        let Some(mode) = mode else { return };
        let summary = io::summary(&pending.project);
        let done = self.run(|w| {
            let edit = formats::merge(&w.project, &pending.project, mode);
            let what = match mode {
                Mode::Merge => "import (merge)",
                Mode::Replace => "import (replace)",
            };
            w.apply(what, edit)?;
            if w.video.is_none() || mode == Mode::Replace {
                w.video = w.project.videos.first().map(|v| v.id);
            }
            Ok(())
        });
        if done.is_some() {
            self.notices
                .info(format!("Imported {} ({summary}).", pending.file));
            self.reattach();
        }
    }

    /// Installs the listeners and effects that tie the workspace to the page.
    pub fn install(&self) {
        let this = *self;
        let down = window_event_listener(ev::keydown, move |e| this.on_keydown(&e));
        let up = window_event_listener(ev::keyup, move |e| this.on_keyup(&e));
        on_cleanup(move || {
            down.remove();
            up.remove();
        });
        // A clip whose rate is known joins the project.
        Effect::new(move |_| {
            let ready = matches!(this.viewer.source.get(), Source::Clip(_))
                && this.viewer.rate.get().is_some();
            if ready && let Some(clip) = this.opened_clip() {
                this.attach(clip);
                this.viewer.set_speed(this.ws.with_untracked(|w| w.speed));
            }
        });
        // Every change of the workspace is written at once; where the person is, after the
        // playhead or view rests; both when the page is hidden or closed.
        Effect::new(move |_| {
            this.ws.track();
            this.autosave.flush();
        });
        Effect::new(move |_| {
            this.view.track();
            let frame = this.viewer.frame();
            if !this.viewer.playing.get() && frame.is_some() {
                this.schedule_place();
            }
        });
        let flush = move || {
            this.autosave.flush();
            this.save_place();
        };
        let hide = window_event_listener(ev::pagehide, move |_| flush());
        let hidden = window_event_listener(ev::visibilitychange, move |_| {
            if browser::page_hidden() {
                flush();
            }
        });
        on_cleanup(move || {
            hide.remove();
            hidden.remove();
        });
        // Tabs of one project: another tab's saved edits, a request to let go; a project this
        // tab must read again (taken over, fallen behind a snapshot).
        tabs::listen(move |message| this.autosave.heard(message));
        Effect::new(move |first: Option<()>| {
            this.autosave.reload.track();
            if first.is_some() {
                let id = this.project_id.get_untracked();
                spawn_local(async move { this.load(&id).await });
            }
        });
        // A looped segment goes round; the playhead stays in view.
        Effect::new(move |_| {
            let Some(frame) = this.viewer.frame() else {
                return;
            };
            if let Some((start, end)) = this.looping.get()
                && (frame >= end || frame + 1 < start)
            {
                this.viewer.jump(start);
            }
            let (width, frames) = (this.width.get_untracked(), this.frames());
            let view = this.view.get_untracked();
            let mut followed = view;
            followed.follow(frame, frames, width);
            if followed != view {
                this.view.set(followed);
            }
        });
        self.restore();
    }
}
