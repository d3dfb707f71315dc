//! The keyboard in the workspace: key events → the keymap's commands (rebinding included),
//! label keys (digits or a set's own shortcuts over the palette's filter), each command run on
//! the editor, the player or the playback; the keymap saved with the settings.

use leptos::ev;
use leptos::html::Input;
use leptos::prelude::*;
use leptos::task::spawn_local;
use microact_core::model::LabelRef;

use crate::browser::{self, dom, storage};
use crate::ui::editor::Editor;
use crate::ui::playback::Playback;
use crate::workspace::keys::{Chord, Command, Keymap};
use crate::workspace::view::ZOOM_STEP;
use crate::workspace::{Workspace, search_labels};

const KEYMAP: &str = "keymap";

#[derive(Clone, Copy)]
pub struct Keyboard {
    pub keymap: RwSignal<Keymap>,
    /// The command waiting for a new chord in the help overlay.
    pub rebinding: RwSignal<Option<Command>>,
    /// Whether the keyboard overlay is open.
    pub help: RwSignal<bool>,
    /// The palette's search field and filter (the digits pick among the labels it shows).
    pub search: NodeRef<Input>,
    pub query: RwSignal<String>,
    editor: Editor,
    playback: Playback,
}

impl Keyboard {
    pub fn new(editor: Editor, playback: Playback) -> Self {
        Self {
            keymap: RwSignal::new(Keymap::default()),
            rebinding: RwSignal::new(None),
            help: RwSignal::new(false),
            search: NodeRef::new(),
            query: RwSignal::new(String::new()),
            editor,
            playback,
        }
    }

    /// Runs a keyboard command (the toolbar's buttons run theirs here too).
    pub fn command(&self, command: Command) {
        let (editor, viewer) = (self.editor, self.editor.viewer);
        let now = editor.playhead();
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
                match editor.ws.with_untracked(|w| w.boundary(now, forward)) {
                    Some(f) => viewer.seek(f.min(editor.frames().saturating_sub(1))),
                    None => editor
                        .notices
                        .info("no segment boundary that way on this track"),
                }
            }
            Command::Slower | Command::Faster | Command::NormalSpeed => {
                let mut speed = 1.0;
                editor.ws.update(|w| {
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
            Command::MarkIn => editor.ws.update(|w| w.mark_in = Some(now)),
            Command::MarkOut => {
                editor.run(|w| w.mark_out(now));
            }
            Command::Split => {
                editor.run(|w| w.split_selected(now));
            }
            Command::MergeNext => {
                editor.run(|w| w.merge_next());
            }
            Command::Delete => {
                editor.run(|w| w.delete_selected());
            }
            Command::Undo => editor.undo(),
            Command::Redo => editor.redo(),
            Command::ZoomIn => editor.zoom(ZOOM_STEP, None),
            Command::ZoomOut => editor.zoom(1.0 / ZOOM_STEP, None),
            Command::ZoomFit => editor.fit(),
            Command::LoopSegment => self.playback.toggle_loop(),
            Command::PreviousTrack => editor.ws.update(|w| w.step_track(-1)),
            Command::NextTrack => editor.ws.update(|w| w.step_track(1)),
            Command::SearchLabels => {
                if let Some(el) = self.search.get_untracked() {
                    dom::focus(&el);
                }
            }
            Command::Deselect => {
                self.help.set(false);
                editor.drawing_box.set(false);
                self.playback.looping.set(None);
                editor.ws.update(|w| {
                    w.selected = None;
                    w.mark_in = None;
                });
            }
            Command::Help => self.help.update(|h| *h = !*h),
            Command::DrawBox => editor.drawing_box.update(|d| *d = !*d),
        }
    }

    /// The label key `key` picks among the palette's labels as shown now.
    fn label_key(&self, key: char) -> Option<LabelRef> {
        let query = self.query.get_untracked();
        self.editor.ws.with_untracked(|w| {
            let set = w.palette_set()?;
            let shown = search_labels(set, &query);
            Workspace::label_keys(set, &shown)
                .into_iter()
                .find(|(k, _)| *k == key)
                .map(|(_, l)| l)
        })
    }

    /// The help overlay waits for a chord for `command`: this key is it (Escape keeps the old).
    fn rebind(&self, command: Command, key: &str, chord: Chord) {
        self.rebinding.set(None);
        if key == "Escape" {
            return;
        }
        let mut lost = None;
        self.keymap
            .update(|m| lost = m.rebind(command, chord.clone()));
        if let Some(lost) = lost {
            self.editor.notices.info(format!(
                "{chord} now runs “{}” instead of “{}”",
                command.describe(),
                lost.describe()
            ));
        }
        self.save_keymap();
    }

    fn on_keydown(&self, e: &ev::KeyboardEvent) {
        let k = dom::key(e);
        let chord = Chord::from_event(&k.key, k.ctrl, k.meta, k.shift, k.alt);
        if let Some(command) = self.rebinding.get_untracked() {
            if !matches!(k.key.as_str(), "Shift" | "Control" | "Alt" | "Meta") {
                e.prevent_default();
                self.rebind(command, &k.key, chord);
            }
            return;
        }
        if browser::typing_in_field(e) {
            // Escape leaves a field; Enter in the label search applies the first match.
            if k.key == "Escape"
                && let Some(el) = self.search.get_untracked()
            {
                dom::blur(&el);
            }
            return;
        }
        if let Some(command) = self.keymap.with_untracked(|m| m.command(&chord)) {
            e.prevent_default();
            if !k.repeat || command.repeats() {
                self.command(command);
            }
            return;
        }
        let Some(key) = chord.as_char() else { return };
        let Some(label) = self.label_key(key) else {
            return;
        };
        e.prevent_default();
        if !k.repeat {
            self.playback.label_key_down(key, label);
        }
    }

    fn on_keyup(&self, e: &ev::KeyboardEvent) {
        let k = dom::key(e);
        if let Some(key) = Chord::from_event(&k.key, false, false, false, false).as_char() {
            self.playback.label_key_up(key);
        }
    }

    fn save_keymap(&self) {
        let Ok(text) = self.keymap.with_untracked(serde_json::to_string) else {
            return;
        };
        let notices = self.editor.notices;
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

    /// The key listeners, and the saved keymap loaded.
    pub fn install(&self) {
        let this = *self;
        let down = window_event_listener(ev::keydown, move |e| this.on_keydown(&e));
        let up = window_event_listener(ev::keyup, move |e| this.on_keyup(&e));
        on_cleanup(move || {
            down.remove();
            up.remove();
        });
        spawn_local(async move {
            let Ok(Some(text)) = storage::setting(KEYMAP).await else {
                return;
            };
            match serde_json::from_str::<Keymap>(&text) {
                Ok(map) => this.keymap.set(map),
                Err(e) => this.editor.notices.error(format!(
                    "The saved key bindings could not be read ({e}); the defaults apply."
                )),
            }
        });
    }
}
