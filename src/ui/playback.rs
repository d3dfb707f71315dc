//! Playback in the workspace: a looped segment going round, labelling while the clip plays
//! (`workspace::playing` decides; this keeps it in signals) and the timeline following the
//! playhead.

use leptos::prelude::*;
use microact_core::model::{Frame, LabelRef, TrackId};

use crate::ui::editor::Editor;
use crate::workspace::playing::{LabelWhilePlaying, loop_jump};

#[derive(Clone, Copy)]
pub struct Playback {
    /// The selected segment's span while "loop" is on.
    pub looping: RwSignal<Option<(Frame, Frame)>>,
    /// The segment being recorded with a held key (track, start) for the timeline to draw.
    pub recording: RwSignal<Option<(TrackId, Frame)>>,
    labelling: StoredValue<LabelWhilePlaying>,
    editor: Editor,
}

impl Playback {
    pub fn new(editor: Editor) -> Self {
        Self {
            looping: RwSignal::new(None),
            recording: RwSignal::new(None),
            labelling: StoredValue::new(LabelWhilePlaying::default()),
            editor,
        }
    }

    /// Loops the selected segment, or stops looping.
    pub fn toggle_loop(&self) {
        if self.looping.get_untracked().is_some() {
            self.looping.set(None);
            return;
        }
        let ws = self.editor.ws;
        let span = ws.with_untracked(|w| {
            w.selected
                .and_then(|id| w.project.segment(id))
                .map(|(_, s)| (s.start, s.end))
        });
        let viewer = self.editor.viewer;
        match span {
            Some((start, end)) => {
                self.looping.set(Some((start, end)));
                viewer.jump(start);
                if !viewer.playing.get_untracked() {
                    viewer.toggle_play();
                }
            }
            None => self.editor.notices.error("select a segment to loop"),
        }
    }

    /// Label key `key` went down: while the clip plays it starts a segment on the active track;
    /// paused, it labels the selected segment (or the next one drawn).
    pub fn label_key_down(&self, key: char, label: LabelRef) {
        let editor = self.editor;
        if !editor.viewer.playing.get_untracked() {
            editor.run(|w| w.choose_label(label));
            return;
        }
        let Some(track) = editor.ws.with_untracked(|w| w.track) else {
            editor.notices.error("add a track first");
            return;
        };
        let start = editor.playhead();
        self.labelling
            .update_value(|l| l.press(key, label.clone(), track, start));
        self.recording.set(Some((track, start)));
        editor.ws.update(|w| w.label = Some(label));
    }

    /// Key `key` came up: the segment it recorded goes into the project.
    pub fn label_key_up(&self, key: char) {
        let at = self.editor.playhead();
        let Some(recorded) = self
            .labelling
            .try_update_value(|l| l.release(key, at))
            .flatten()
        else {
            return;
        };
        self.recording.set(None);
        self.editor.run(|w| recorded.apply(w));
    }

    /// A looped segment goes round; the playhead stays in view.
    pub fn install(&self) {
        let (editor, looping) = (self.editor, self.looping);
        Effect::new(move |_| {
            let Some(frame) = editor.viewer.frame() else {
                return;
            };
            if let Some(start) = looping.get().and_then(|span| loop_jump(span, frame)) {
                editor.viewer.jump(start);
            }
            let (width, frames) = (editor.width.get_untracked(), editor.frames());
            let view = editor.view.get_untracked();
            let mut followed = view;
            followed.follow(frame, frames, width);
            if followed != view {
                editor.view.set(followed);
            }
        });
    }
}
