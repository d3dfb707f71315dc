//! One track's row of the timeline: its header (name, referring description, delete) and its
//! lane (segments or runs of colour, the confidence strip, the draft being dragged out, the
//! segment being recorded with a held key, the mark-in point, the playhead).

use leptos::prelude::*;
use microact_core::model::{SegmentId, TrackId};

use super::{Playhead, Pointer, on_wheel};
use crate::browser::dom;
use crate::ui::editor::Editor;
use crate::ui::playback::Playback;
use crate::workspace::gesture::{Edge, Target};
use crate::workspace::lanes::{self, LaneDraw, SegBox};

/// The track's name and who it follows, editable; delete.
#[component]
pub fn LaneHead(track: TrackId) -> impl IntoView {
    let editor = expect_context::<Editor>();
    let ws = editor.ws;
    let meta = move || {
        ws.with(|w| w.project.track(track).map(|t| t.meta.clone()))
            .unwrap_or_default()
    };
    let active = move || ws.with(|w| w.track == Some(track));
    view! {
        <div class="lane-head" class:active=active data-testid="lane-head" data-track=track.0.to_string()
            on:click=move |_| ws.update(|w| w.track = Some(track))>
            <input class="track-name" data-testid="track-name" aria-label="Track name"
                prop:value=move || meta().name
                on:input=move |e| { let v = event_target_value(&e); editor.run(|w| w.set_track_meta(track, |m| m.name = v)); }
                on:change=move |_| ws.update(|w| w.seal()) />
            <input class="track-description" data-testid="track-description" aria-label="Referring description"
                placeholder="who: “the woman in the green shirt on the left”"
                prop:value=move || meta().description.unwrap_or_default()
                on:input=move |e| {
                    let v = event_target_value(&e);
                    editor.run(|w| w.set_track_meta(track, |m| m.description = (!v.is_empty()).then_some(v)));
                }
                on:change=move |_| ws.update(|w| w.seal()) />
            <p class="track-summary" data-testid="track-summary">{move || meta().description.unwrap_or_default()}</p>
            <button class="icon" data-testid="track-delete" title="Delete this track"
                on:click=move |e| { e.stop_propagation(); editor.run(|w| w.remove_track(track)); }>"✕"</button>
        </div>
    }
}

/// What a press on the lane is on: a segment (`data-seg`), one of its handles (`data-edge`), or
/// empty lane.
fn target(e: &leptos::ev::PointerEvent, track: TrackId) -> Target {
    let segment = dom::target_data(e, "seg")
        .and_then(|s| s.parse::<u64>().ok())
        .map(SegmentId);
    let edge = dom::target_data(e, "edge").map(|edge| match edge.as_str() {
        "start" => Edge::Start,
        _ => Edge::End,
    });
    Target::Lane {
        track,
        segment,
        edge,
    }
}

#[component]
pub fn Lane(track: TrackId) -> impl IntoView {
    let editor = expect_context::<Editor>();
    let pointer = expect_context::<Pointer>();
    let (ws, view) = (editor.ws, editor.view);
    let offset = move || view.with(|v| v.start * v.px_per_frame);
    // Computed once per change; segments are keyed so that panning or zooming keeps the
    // elements already there and only restyles them.
    let drawn = Memo::new(move |_| {
        let width = editor.width.get();
        view.with(|v| ws.with(|w| lanes::lane_draw(w, track, v, width)))
    });
    let boxes = move || {
        drawn.with(|d| match d {
            LaneDraw::Segments(b) => b.clone(),
            LaneDraw::Runs(_) => Vec::new(),
        })
    };
    let runs = move || {
        drawn.with(|d| match d {
            LaneDraw::Runs(r) if !r.is_empty() => Some(view! {
                <div class="runs" data-testid="runs"
                    style=format!("left:{:.1}px;width:{:.1}px;background:{}", offset(), editor.width.get(), lanes::runs_gradient(r))></div>
            }),
            _ => None,
        })
    };
    let active = move || ws.with(|w| w.track == Some(track));
    view! {
        <div class="lane" class:active=active data-testid="lane" data-track=track.0.to_string()
            on:pointerdown=move |e| pointer.press(editor, &e, target(&e, track))
            on:pointermove=move |e| pointer.moved(editor, &e)
            on:pointerup=move |e| pointer.release(editor, &e)
            on:pointercancel=move |_| pointer.cancel(editor)
            on:wheel=move |e| on_wheel(editor, &e)>
            <div class="lane-content" style=move || format!("transform:translateX({:.2}px)", -offset())>
                <For each=boxes key=|s| s.clone() children=segment />
                {runs}
                <ConfidenceStrip track/>
                <Marks track/>
            </div>
            <Playhead/>
        </div>
    }
}

/// One segment in its label's colour, with resize handles when selected.
fn segment(s: SegBox) -> impl IntoView {
    let editor = expect_context::<Editor>();
    let ppf = move || editor.view.with(|v| v.px_per_frame);
    let (start, frames) = (s.start as f64, (s.end - s.start) as f64);
    let class = format!(
        "seg {}{}",
        s.status.as_str(),
        if s.selected { " selected" } else { "" }
    );
    let selected = s.selected;
    let color = s.color.clone();
    view! {
        <div class=class data-testid="segment" data-seg=s.id.0.to_string() data-label=s.label_id.clone()
            data-start=s.start.to_string() data-end=s.end.to_string() data-status=s.status.as_str()
            title=s.title.clone()
            style=move || format!("left:{:.2}px;width:{:.2}px;--c:{color}", start * ppf(), (frames * ppf()).max(2.0))>
            <span class="seg-text">{s.text.clone()}</span>
            <Show when=move || selected>
                <div class="handle start" data-edge="start" data-testid="handle-start"></div>
                <div class="handle end" data-edge="end" data-testid="handle-end"></div>
            </Show>
        </div>
    }
}

/// The recognizer's confidence under an analysed person's lane.
#[component]
fn ConfidenceStrip(track: TrackId) -> impl IntoView {
    let editor = expect_context::<Editor>();
    let (ws, view) = (editor.ws, editor.view);
    let offset = move || view.with(|v| v.start * v.px_per_frame);
    let strip = Memo::new(move |_| {
        let width = editor.width.get();
        view.with(|v| ws.with(|w| lanes::confidence_runs(w, track, v, width)))
    });
    move || {
        strip.with(|runs| {
            (!runs.is_empty()).then(|| {
                let style = format!("left:{:.1}px;width:{:.1}px;background:{}", offset(), editor.width.get(), lanes::runs_gradient(runs));
                view! {
                    <div class="confidence" data-testid="confidence" data-runs=runs.len().to_string() style=style
                        title="The recognizer's confidence: its most probable action's colour, as strong as its probability"></div>
                }
            })
        })
    }
}

/// The segment being dragged out, the one being recorded with a held key, the mark-in point.
#[component]
fn Marks(track: TrackId) -> impl IntoView {
    let editor = expect_context::<Editor>();
    let pointer = expect_context::<Pointer>();
    let playback = expect_context::<Playback>();
    let ppf = move || editor.view.with(|v| v.px_per_frame);
    let draft = move || {
        let (t, s, e) = pointer.draft.get()?;
        (t == track).then(|| {
            let (s, e) = (s.min(e), s.max(e));
            view! { <div class="seg draft" data-testid="draft" style=format!("left:{:.2}px;width:{:.2}px", s as f64 * ppf(), (e - s) as f64 * ppf())></div> }
        })
    };
    let recording = move || {
        let (t, start) = playback.recording.get()?;
        (t == track).then(|| {
            let w = (editor.playhead().saturating_sub(start) + 1) as f64 * ppf();
            view! { <div class="seg draft recording" data-testid="recording" style=format!("left:{:.2}px;width:{:.2}px", start as f64 * ppf(), w)></div> }
        })
    };
    let mark = move || {
        let m = editor
            .ws
            .with(|w| (w.track == Some(track)).then_some(w.mark_in).flatten())?;
        Some(
            view! { <div class="mark-in" data-testid="mark-in" data-frame=m.to_string() style=format!("left:{:.2}px", m as f64 * ppf())></div> },
        )
    };
    view! { {draft} {recording} {mark} }
}
