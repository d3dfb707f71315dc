//! The timeline under the video: a toolbar (undo, tracks, box, zoom), a ruler with zoom and pan,
//! the playhead (click or drag to seek), one lane per track (`lane`), and the selected segment's
//! details (`details`). Pointer gestures are `workspace::gesture`'s; what a lane draws is
//! `workspace::lanes`'.

mod details;
mod lane;

use leptos::ev;
use leptos::html::Div;
use leptos::prelude::*;

use crate::browser::dom;
use crate::readout;
use crate::ui::editor::Editor;
use crate::ui::keyboard::Keyboard;
use crate::ui::viewer::Source;
use crate::workspace::gesture::{Frames, Gestures, Response, Target};
use crate::workspace::keys::Command;
use crate::workspace::view::ZOOM_STEP;

use details::SegmentDetails;
use lane::{Lane, LaneHead};

/// The gesture in progress, shared by the ruler and the lanes, and the draft it draws.
#[derive(Clone, Copy)]
struct Pointer {
    gestures: StoredValue<Gestures>,
    draft: RwSignal<Option<(microact_core::model::TrackId, u64, u64)>>,
}

impl Pointer {
    /// Runs one pointer event through the gesture machine and does what it says: the change
    /// through the editor (a refusal becomes a notice), the seek on the player.
    fn handle(
        &self,
        editor: Editor,
        event: impl FnOnce(&mut Gestures, &crate::workspace::Workspace, Frames) -> Response,
    ) {
        let frames = editor.frames();
        let response = editor.view.with_untracked(|view| {
            let at = Frames { view, frames };
            editor.ws.with_untracked(|w| {
                self.gestures
                    .try_update_value(|g| event(g, w, at))
                    .unwrap_or_default()
            })
        });
        let draft = self.gestures.with_value(Gestures::draft);
        if draft != self.draft.get_untracked() {
            self.draft.set(draft);
        }
        if let Some(change) = response.change {
            editor.run(|w| change.apply(w));
        }
        if let Some(frame) = response.seek {
            editor.seek(frame);
        }
    }

    fn press(&self, editor: Editor, e: &ev::PointerEvent, target: Target) {
        if !dom::primary_button(e) {
            return;
        }
        dom::capture(e);
        let x = dom::local_x(e);
        self.handle(editor, |g, w, at| g.press(w, at, target, x));
    }

    fn moved(&self, editor: Editor, e: &ev::PointerEvent) {
        let x = dom::local_x(e);
        self.handle(editor, |g, w, at| g.moved(w, at, x));
    }

    fn release(&self, editor: Editor, e: &ev::PointerEvent) {
        let x = dom::local_x(e);
        self.handle(editor, |g, _, at| g.release(at, x));
    }

    fn cancel(&self, editor: Editor) {
        self.handle(editor, |g, _, _| g.cancel());
    }
}

/// Ctrl + wheel zooms about the pointer; shift + wheel or a sideways wheel pans.
fn on_wheel(editor: Editor, e: &ev::WheelEvent) {
    let wheel = dom::wheel(e);
    if wheel.ctrl {
        e.prevent_default();
        let factor = if wheel.dy < 0.0 {
            ZOOM_STEP
        } else {
            1.0 / ZOOM_STEP
        };
        editor.zoom(factor, Some(wheel.x));
    } else if wheel.shift || wheel.dx.abs() > wheel.dy.abs() {
        e.prevent_default();
        editor.pan(if wheel.shift { wheel.dy } else { wheel.dx });
    }
}

#[component]
pub fn Timeline() -> impl IntoView {
    let editor = expect_context::<Editor>();
    let pointer = Pointer {
        gestures: StoredValue::new(Gestures::default()),
        draft: RwSignal::new(None),
    };
    provide_context(pointer);
    let ws = editor.ws;
    let ppf = move || editor.view.with(|v| v.px_per_frame);
    let no_video = move || ws.with(|w| w.current_video().is_none());
    let lane_ids = move || ws.with(|w| w.lanes().iter().map(|t| t.id).collect::<Vec<_>>());
    view! {
        <section class="timeline" aria-label="Timeline" data-testid="timeline"
            data-px-per-frame=move || format!("{:.4}", ppf()) data-view-start=move || format!("{:.2}", editor.view.with(|v| v.start))>
            <Toolbar/>
            <Reopen/>
            <Show when=no_video>
                <p class="hint" data-testid="timeline-empty">"Open a clip: its tracks appear here. Drag across a lane to add a segment with the chosen label."</p>
            </Show>
            <div class="tl-grid">
                <div class="tl-corner">{move || readout::clock(ws.with(|w| w.current_video().map(|v| v.seconds(editor.playhead()))).unwrap_or(0.0))}</div>
                <Ruler/>
                <For each=lane_ids key=|id| *id let:track>
                    <LaneHead track/>
                    <Lane track/>
                </For>
            </div>
            <SegmentDetails/>
        </section>
    }
}

/// Undo and redo (named), add a track, draw a box, speed, zoom and help.
#[component]
fn Toolbar() -> impl IntoView {
    let editor = expect_context::<Editor>();
    let keyboard = expect_context::<Keyboard>();
    let ws = editor.ws;
    let no_video = move || ws.with(|w| w.current_video().is_none());
    let history = move || {
        ws.with(|w| {
            (
                w.undo_name().map(str::to_string),
                w.redo_name().map(str::to_string),
            )
        })
    };
    view! {
        <div class="timeline-bar">
            <button data-testid="undo" title="Undo (Ctrl+Z)" disabled=move || history().0.is_none()
                on:click=move |_| keyboard.command(Command::Undo)>
                {move || history().0.map(|n| format!("Undo {n}")).unwrap_or_else(|| "Undo".into())}
            </button>
            <button data-testid="redo" title="Redo (Ctrl+Shift+Z)" disabled=move || history().1.is_none()
                on:click=move |_| keyboard.command(Command::Redo)>
                {move || history().1.map(|n| format!("Redo {n}")).unwrap_or_else(|| "Redo".into())}
            </button>
            <button data-testid="add-track" disabled=no_video on:click=move |_| { editor.run(|w| w.add_track()); }>"+ Track"</button>
            <button data-testid="draw-box" title="Draw the active track's person box on this frame (B)" class:on=move || editor.drawing_box.get()
                disabled=no_video on:click=move |_| keyboard.command(Command::DrawBox)>"Box"</button>
            <span class="spacer"></span>
            <span class="readout" data-testid="speed">{move || format!("{}×", ws.with(|w| w.speed))}</span>
            <button data-testid="zoom-out" title="Zoom out (−)" on:click=move |_| keyboard.command(Command::ZoomOut)>"−"</button>
            <button data-testid="zoom-fit" title="Whole video (Shift+Z)" on:click=move |_| keyboard.command(Command::ZoomFit)>"Fit"</button>
            <button data-testid="zoom-in" title="Zoom in (+)" on:click=move |_| keyboard.command(Command::ZoomIn)>"+"</button>
            <button data-testid="help-open" title="Keyboard shortcuts (?)" on:click=move |_| keyboard.help.set(true)>"?"</button>
        </div>
    }
}

/// A project video that is not the clip on screen: open it again to see it.
#[component]
fn Reopen() -> impl IntoView {
    let editor = expect_context::<Editor>();
    let detached = move || {
        let (name, bytes) = editor
            .ws
            .with(|w| w.current_video().map(|v| (v.name.clone(), v.bytes)))?;
        let showing = matches!(editor.viewer.source.get(), Source::Clip(ref c) if c.name == name);
        (!showing).then(|| {
            format!(
                "Open {name} ({}) again to see this video and its tracks play.",
                readout::bytes(bytes)
            )
        })
    };
    view! {
        <Show when=move || detached().is_some()>
            <p class="hint" data-testid="reopen">{move || detached().unwrap_or_default()}</p>
        </Show>
    }
}

/// The ruler: ticks and times; press or drag to seek. Its width is the lanes' (measured now
/// and on every resize).
#[component]
fn Ruler() -> impl IntoView {
    let editor = expect_context::<Editor>();
    let pointer = expect_context::<Pointer>();
    let (ws, view) = (editor.ws, editor.view);
    let lanes_ref = NodeRef::<Div>::new();
    let measure = move || {
        if let Some(el) = lanes_ref.get_untracked() {
            let w = dom::width(&el);
            if w > 0.0 && (w - editor.width.get_untracked()).abs() > 0.5 {
                editor.width.set(w);
                let frames = editor.frames();
                view.update(|v| v.clamp(frames, w));
            }
        }
    };
    Effect::new(move |_| {
        lanes_ref.track();
        request_animation_frame(measure);
    });
    let resize = window_event_listener(ev::resize, move |_| measure());
    on_cleanup(move || resize.remove());
    let ticks = move || {
        let width = editor.width.get();
        ws.with(|w| {
            let video = w.current_video()?;
            Some(view.with(|v| v.ticks(width, video.rate)))
        })
        .unwrap_or_default()
    };
    view! {
        <div class="ruler" node_ref=lanes_ref data-testid="ruler"
            on:pointerdown=move |e| pointer.press(editor, &e, Target::Ruler)
            on:pointermove=move |e| pointer.moved(editor, &e)
            on:pointerup=move |e| pointer.release(editor, &e)
            on:wheel=move |e| on_wheel(editor, &e)>
            {move || ticks().into_iter().map(|t| {
                let major = t.label.is_some();
                view! {
                    <div class=if major { "tick major" } else { "tick" } style=format!("left:{:.2}px", t.x)>
                        {t.label.map(|l| view! { <span>{l}</span> })}
                    </div>
                }
            }).collect_view()}
            <Playhead testid="playhead"/>
        </div>
    }
}

/// The playhead's line, in the ruler and in each lane.
#[component]
fn Playhead(#[prop(optional)] testid: Option<&'static str>) -> impl IntoView {
    let editor = expect_context::<Editor>();
    let ppf = move || editor.view.with(|v| v.px_per_frame);
    let x = move || editor.view.with(|v| v.x(editor.playhead() as f64));
    view! {
        <div class="playhead" data-testid=testid data-frame=move || testid.map(|_| editor.playhead().to_string())
            style=move || format!("left:{:.2}px;width:{:.2}px", x(), ppf().max(1.0))></div>
    }
}
