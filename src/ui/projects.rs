//! The open project's place among the stored ones: restoring the last project on start, new,
//! open, duplicate, rename, delete, start over; the clip on screen joining the project (and its
//! content hash); where the person is (view, playhead) written apart from the project. Each
//! change's durability is `ui::autosave`.

use leptos::ev;
use leptos::prelude::*;
use leptos::task::spawn_local;
use microact_core::edit::Edit;
use microact_core::model::{Frame, VideoId};
use std::time::Duration;

use crate::browser::{self, storage, tabs};
use crate::media;
use crate::ui::autosave::{Autosave, LAST_PROJECT};
use crate::ui::editor::Editor;
use crate::ui::playback::Playback;
use crate::ui::viewer::Source;
use crate::workspace::keys::Keymap;
use crate::workspace::view::TimeView;
use crate::workspace::{OpenedClip, Workspace};

/// Quiet time after the view or playhead moves before where the person is gets written (edits
/// are written at once, by `ui::autosave`).
const PLACE_DELAY: Duration = Duration::from_millis(300);
const UNTITLED: &str = "Untitled project";

/// Where the person is in a project: saved on its own so that zooming or stepping does not
/// rewrite a large project.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
struct Place {
    view: TimeView,
    playhead: Frame,
}

#[derive(Clone, Copy)]
pub struct Projects {
    pub project_id: RwSignal<String>,
    /// The stored projects, for the projects list.
    pub projects: RwSignal<Vec<storage::StoredProject>>,
    pub autosave: Autosave,
    place_generation: StoredValue<u64>,
    /// The last clip hashed: name, size, SHA-256.
    hashed: StoredValue<Option<(String, u64, String)>>,
    /// The playhead to go back to when the restored project's clip is opened again.
    restore_playhead: StoredValue<Option<(VideoId, Frame)>>,
    loaded: RwSignal<bool>,
    keymap: RwSignal<Keymap>,
    editor: Editor,
    playback: Playback,
}

impl Projects {
    pub fn new(editor: Editor, playback: Playback, keymap: RwSignal<Keymap>) -> Self {
        let project_id = RwSignal::new(String::new());
        let projects = RwSignal::new(Vec::new());
        Self {
            project_id,
            projects,
            autosave: Autosave::new(editor.ws, project_id, projects, editor.notices),
            place_generation: StoredValue::new(0),
            hashed: StoredValue::new(None),
            restore_playhead: StoredValue::new(None),
            loaded: RwSignal::new(false),
            keymap,
            editor,
            playback,
        }
    }

    pub fn refresh_projects(&self) {
        let projects = self.projects;
        spawn_local(async move {
            if let Ok(list) = storage::list_projects().await {
                projects.set(list);
            }
        });
    }

    pub fn new_project(&self) {
        self.restore_playhead.set_value(None);
        self.fresh(Workspace::new(UNTITLED));
    }

    pub fn duplicate_project(&self) {
        let view = self.editor.view.get_untracked();
        let copy = self.editor.ws.with_untracked(|w| {
            let mut s = w.session(view);
            s.project.name = format!("{} (copy)", s.project.name);
            s
        });
        self.fresh(Workspace::from_session(copy));
    }

    /// Deletes stored project `id`; deleting the open one leaves a new project open.
    pub async fn delete_project(&self, id: &str) {
        if let Err(e) = storage::delete_project(id).await {
            self.editor
                .notices
                .error(format!("The project could not be deleted: {e}"));
            return;
        }
        if self.project_id.get_untracked() == id {
            self.fresh(Workspace::new(UNTITLED));
        }
        self.refresh_projects();
    }

    pub fn rename(&self, name: String) {
        self.editor
            .run(|w| w.apply_in_group("rename project", Edit::RenameProject { name }, 2_000_000));
    }

    /// After everything stored was deleted: a new empty project and the default keys.
    pub fn start_over(&self) {
        self.restore_playhead.set_value(None);
        self.keymap.set(Keymap::default());
        self.fresh(Workspace::new(UNTITLED));
        self.refresh_projects();
    }

    /// `ws` as a new project under a fresh id, stored at once; the clip on screen joins it.
    fn fresh(&self, ws: Workspace) {
        self.playback.looping.set(None);
        self.editor.ws.set(ws);
        self.project_id.set(storage::new_id());
        self.autosave.begin();
        self.reattach();
    }

    /// Loads the last project (or starts one); autosave starts after.
    fn restore(&self) {
        let this = *self;
        spawn_local(async move {
            match storage::setting(LAST_PROJECT).await {
                Ok(Some(id)) => this.load(&id).await,
                Ok(None) => this.fresh(Workspace::new(UNTITLED)),
                Err(e) => {
                    this.fresh(Workspace::new(UNTITLED));
                    this.editor.notices.error(format!(
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
    pub async fn load(&self, id: &str) {
        let notices = self.editor.notices;
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
                self.playback.looping.set(None);
                self.editor.view.set(session.view);
                self.editor.ws.set(Workspace::from_session(session));
                self.project_id.set(id.to_string());
                let damaged = !restored.problems.is_empty();
                self.autosave.start(claim, damaged);
                if damaged {
                    notices.error(format!(
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
            Ok(None) => self.fresh(Workspace::new(UNTITLED)),
            Err(e) => {
                // Keep the stored records untouched: start a new project beside them.
                self.fresh(Workspace::new(UNTITLED));
                notices.error(format!("The saved project could not be opened ({e}); it is kept as it was (Your data → Export stored data), and a new project is open."));
            }
        }
    }

    /// After a load or an import, the clip on screen joins the project if it is one of its
    /// videos.
    pub fn reattach(&self) {
        if let Some(clip) = self.opened_clip() {
            self.attach(clip);
        }
    }

    fn opened_clip(&self) -> Option<OpenedClip> {
        let viewer = self.editor.viewer;
        let (Source::Clip(info), Some(rate)) =
            (viewer.source.get_untracked(), viewer.rate.get_untracked())
        else {
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
        let editor = self.editor;
        let frames = clip.frames;
        let width = editor.width.get_untracked();
        let before = editor.ws.with_untracked(|w| w.video);
        let Some(id) = editor.run(|w| w.attach(&clip)) else {
            return;
        };
        if before != Some(id) || editor.view.get_untracked() == TimeView::default() {
            editor.view.set(TimeView::fit(frames, width));
        } else {
            editor.view.update(|v| v.clamp(frames, width));
        }
        self.hash_clip(id);
        if let Some((video, frame)) = self.restore_playhead.get_value()
            && video == id
        {
            self.restore_playhead.set_value(None);
            editor.viewer.seek(frame);
        }
    }

    /// Hashes the clip on screen in the background and records it with its video (or says that
    /// it is another file than the project's).
    fn hash_clip(&self, id: VideoId) {
        let editor = self.editor;
        let Some(file) = editor.viewer.file.with_value(|f| f.clone()) else {
            return;
        };
        let known = editor
            .ws
            .with_untracked(|w| w.project.video(id).map(|v| v.hash.clone()));
        let hashed = self.hashed;
        let cached = hashed.with_value(|h| {
            h.as_ref()
                .filter(|(n, b, _)| *n == file.name && *b == file.bytes)
                .map(|(_, _, h)| h.clone())
        });
        spawn_local(async move {
            let hash = match cached {
                Some(hash) => hash,
                None => match browser::files::sha256(&file).await {
                    Ok(hash) => {
                        hashed.set_value(Some((file.name.clone(), file.bytes, hash.clone())));
                        hash
                    }
                    Err(e) => {
                        editor.notices.error(e);
                        return;
                    }
                },
            };
            if known.as_deref() != Some(hash.as_str()) {
                editor.run(|w| w.set_hash(&file.name, file.bytes, &hash));
            }
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

    /// Writes where the person is now (issued at once: also when the page is closing).
    fn save_place(&self) {
        if !self.loaded.get_untracked() {
            return;
        }
        let editor = self.editor;
        let place = Place {
            view: editor.view.get_untracked(),
            playhead: editor
                .viewer
                .frame()
                .unwrap_or_else(|| editor.ws.with_untracked(|w| w.playhead)),
        };
        let Ok(text) = serde_json::to_string(&place) else {
            return;
        };
        let key = storage::place_key(&self.project_id.get_untracked());
        if let Ok(pending) = storage::put_setting(&key, &text) {
            // A failure here shows in the next edit's write, which fails the same way.
            spawn_local(async move { drop(pending.await) });
        }
    }

    /// Ties the project to the page: the clip on screen joins it, every change is written,
    /// other tabs are heard, and the last project is restored.
    pub fn install(&self) {
        let (this, editor) = (*self, self.editor);
        // A clip whose rate is known joins the project.
        Effect::new(move |_| {
            let ready = matches!(editor.viewer.source.get(), Source::Clip(_))
                && editor.viewer.rate.get().is_some();
            if ready && let Some(clip) = this.opened_clip() {
                this.attach(clip);
                editor
                    .viewer
                    .set_speed(editor.ws.with_untracked(|w| w.speed));
            }
        });
        // Every change of the workspace is written at once; where the person is, after the
        // playhead or view rests; both when the page is hidden or closed.
        Effect::new(move |_| {
            editor.ws.track();
            this.autosave.flush();
        });
        Effect::new(move |_| {
            editor.view.track();
            let frame = editor.viewer.frame();
            if !editor.viewer.playing.get() && frame.is_some() {
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
        self.restore();
    }
}
