//! The open project in the page: the [`Workspace`] behind a signal with its one path from a
//! refused edit to a notice, the timeline's view (zoom, pan, fit) and the player it seeks.
//! Keys, playback, storage and import/export are units of their own over it.

use leptos::prelude::*;
use microact_core::model::Frame;

use crate::ui::notices::Notices;
use crate::ui::viewer::Viewer;
use crate::workspace::view::TimeView;
use crate::workspace::{Refusal, Workspace};

#[derive(Clone, Copy)]
pub struct Editor {
    pub ws: RwSignal<Workspace>,
    /// The timeline's zoom and pan (saved with the session, but not part of the workspace's
    /// state: a zoom redraws the timeline only).
    pub view: RwSignal<TimeView>,
    /// The lanes' width in pixels (the timeline measures it).
    pub width: RwSignal<f64>,
    /// Whether a drag on the video draws the active track's person box.
    pub drawing_box: RwSignal<bool>,
    pub notices: Notices,
    pub viewer: Viewer,
}

impl Editor {
    pub fn new(notices: Notices, viewer: Viewer) -> Self {
        Self {
            ws: RwSignal::new(Workspace::new("Untitled project")),
            view: RwSignal::new(TimeView::default()),
            width: RwSignal::new(800.0),
            drawing_box: RwSignal::new(false),
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

    /// The frame on screen (0 before a clip is open).
    pub fn playhead(&self) -> Frame {
        self.viewer.frame().unwrap_or(0)
    }

    /// The video on screen's frame count (1 without one, so that views stay finite).
    pub fn frames(&self) -> Frame {
        self.ws
            .with_untracked(|w| w.current_video().map(|v| v.frames))
            .unwrap_or(1)
    }

    /// Zooms the timeline about pixel `anchor`, or about the playhead where it is in view.
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

    pub fn undo(&self) {
        let mut done = None;
        self.ws.update(|w| done = w.undo());
        if done.is_none() {
            self.notices.info("nothing to undo");
        }
    }

    pub fn redo(&self) {
        let mut done = None;
        self.ws.update(|w| done = w.redo());
        if done.is_none() {
            self.notices.info("nothing to redo");
        }
    }
}
