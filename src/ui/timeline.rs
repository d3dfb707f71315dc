//! The timeline under the video: a ruler with zoom and pan, the playhead (click or drag to
//! seek), one lane per track with its header (name, referring description), segments in their
//! label's colour, drag to create, handles to resize, drag to move; only the visible window is
//! drawn; under each lane analysed by a recognizer, its confidence strip (the top class's colour,
//! as strong as its probability). Below it, the selected segment's details.

use leptos::ev;
use leptos::html::Div;
use leptos::prelude::*;
use microact_core::edit::Edit;
use microact_core::model::{Frame, SegmentId, Source, Status, TrackId};
use microact_core::query::TrackIndex;

use crate::browser::dom;
use crate::format;
use crate::ui::annotate::Annotate;
use crate::workspace::view::ZOOM_STEP;

/// Pixels a press must travel before it is a drag rather than a click.
const DRAG_SLOP: f64 = 3.0;
/// Pixels per column of a confidence strip.
const STRIP_COLUMN: f64 = 3.0;
/// Above this many visible segments a lane draws runs of colour instead of one element each.
/// (Each element made costs: at 400 a zoom step out of a 10 000-segment project took 750 ms.)
const MAX_ELEMENTS: usize = 150;

#[derive(Clone, Copy, Debug)]
enum Drag {
    Scrub,
    Create {
        track: TrackId,
        anchor: Frame,
        x0: f64,
    },
    Resize {
        id: SegmentId,
        start_edge: bool,
        group: u64,
    },
    Move(Moving),
}

/// A segment being dragged along its lane.
#[derive(Clone, Copy, Debug)]
struct Moving {
    id: SegmentId,
    /// Where in the segment (frames from its start) the pointer holds it.
    grab: f64,
    x0: f64,
    len: Frame,
    group: u64,
    moving: bool,
}

/// One segment as a lane draws it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct SegBox {
    id: SegmentId,
    start: Frame,
    end: Frame,
    label_id: String,
    text: String,
    title: String,
    color: String,
    status: Status,
    selected: bool,
}

/// All of a lane's runs as one CSS gradient: one element however many runs (thousands of run
/// elements made each zoom step of a 10 000-segment project cost up to 750 ms a frame).
fn runs_gradient(runs: &[Run]) -> String {
    let mut stops = Vec::with_capacity(runs.len() * 4);
    for r in runs {
        let (x0, x1) = (r.x, r.x + r.w);
        stops.push(format!(
            "transparent {x0:.1}px,{c} {x0:.1}px,{c} {x1:.1}px,transparent {x1:.1}px",
            c = r.color
        ));
    }
    format!("linear-gradient(to right,{})", stops.join(","))
}

/// A run of pixels drawn in one colour (lanes with too many segments to draw one by one).
#[derive(Clone, Debug, PartialEq)]
struct Run {
    x: f64,
    w: f64,
    color: String,
}

/// Adds a column `[x, x + w)` of `color`: it widens the last run when that run ends at `x` in
/// the same colour, else starts a new one.
fn extend_runs(runs: &mut Vec<Run>, x: f64, w: f64, color: String) {
    match runs.last_mut() {
        Some(r) if r.color == color && (r.x + r.w - x).abs() < 1e-6 => r.w += w,
        _ => runs.push(Run { x, w, color }),
    }
}

/// The confidence strip of a track's person, as runs over the visible window: each column the
/// colour of the most probable class at its most confident frame, mixed with transparency as
/// far as that probability falls short of 1 (in 10 % steps, so that neighbours merge).
fn confidence_runs(a: &Annotate, track: TrackId) -> Vec<Run> {
    let width = a.width.get();
    let view = a.view.get();
    a.ws.with(|w| {
        let Some(t) = w.project.track(track) else {
            return Vec::new();
        };
        let Some(confidence) = w.project.pose_of(t).and_then(|p| p.confidence.as_ref()) else {
            return Vec::new();
        };
        let mut runs: Vec<Run> = Vec::new();
        let mut x = 0.0;
        while x < width {
            let f0 = view.frame_at(x).floor().max(0.0) as Frame;
            let f1 = view.frame_at(x + STRIP_COLUMN).ceil().max(0.0) as Frame;
            if let Some((label, p)) = confidence.peak(f0, f1)
                && p >= 0.05
            {
                let base = w
                    .project
                    .label(&label)
                    .map_or("#888888", |l| l.color.as_str());
                let c = format!(
                    "color-mix(in srgb,{base} {:.0}%,transparent)",
                    (p * 10.0).round() * 10.0
                );
                extend_runs(&mut runs, x, STRIP_COLUMN, c);
            }
            x += STRIP_COLUMN;
        }
        runs
    })
}

#[derive(Clone, Debug, PartialEq)]
enum LaneDraw {
    Segments(Vec<SegBox>),
    Runs(Vec<Run>),
}

fn lane_draw(a: &Annotate, track: TrackId) -> LaneDraw {
    let width = a.width.get();
    let view = a.view.get();
    a.ws.with(|w| {
        let Some(t) = w.project.track(track) else {
            return LaneDraw::Segments(Vec::new());
        };
        let Some(video) = w.project.video(t.video) else {
            return LaneDraw::Segments(Vec::new());
        };
        let (t0, t1) = view.window(width);
        let index = TrackIndex::new(t);
        let count = index.visible(t0, t1).take(MAX_ELEMENTS + 1).count();
        let color = |s: &microact_core::model::Segment| {
            w.project
                .label(&s.label)
                .map(|l| l.color.clone())
                .unwrap_or_else(|| "#888888".into())
        };
        if count > MAX_ELEMENTS {
            // One run per 2-pixel column: the colour of the first segment there.
            let mut runs: Vec<Run> = Vec::new();
            let mut x = 0.0;
            while x < width {
                let f0 = view.frame_at(x).floor().max(0.0) as Frame;
                let f1 = (view.frame_at(x + 2.0).ceil() as Frame).max(f0 + 1);
                if let Some(s) = index.visible(f0, f1).next() {
                    extend_runs(&mut runs, x, 2.0, color(s));
                }
                x += 2.0;
            }
            return LaneDraw::Runs(runs);
        }
        let boxes = index
            .visible(t0, t1)
            .map(|s| {
                let set = w.project.label_set(&s.label.set);
                let text = set
                    .and_then(|set| set.label(&s.label.label))
                    .map(|l| l.name.clone())
                    .unwrap_or_else(|| s.label.label.clone());
                let path = set
                    .map(|set| set.path(&s.label.label).join(" › "))
                    .unwrap_or_else(|| text.clone());
                let who = match &s.source {
                    Source::Human { annotator } => format!("by {annotator}"),
                    Source::Model {
                        name,
                        version,
                        score,
                    } => format!("proposed by {name} {version}, score {score:.2}"),
                };
                let mut title = format!(
                    "{path}\n{} – {} ({} frames)\n{who} · {}",
                    format::clock(video.seconds(s.start)),
                    format::clock(video.seconds(s.end)),
                    s.frames(),
                    s.status.as_str()
                );
                if let Some(note) = &s.note {
                    title.push('\n');
                    title.push_str(note);
                }
                SegBox {
                    id: s.id,
                    start: s.start,
                    end: s.end,
                    label_id: s.label.label.clone(),
                    text,
                    title,
                    color: color(s),
                    status: s.status,
                    selected: w.selected == Some(s.id),
                }
            })
            .collect();
        LaneDraw::Segments(boxes)
    })
}

#[component]
pub fn Timeline() -> impl IntoView {
    let a = expect_context::<Annotate>();
    let ws = a.ws;
    let lanes_ref = NodeRef::<Div>::new();
    let drag = StoredValue::new(None::<Drag>);
    let draft = RwSignal::new(None::<(TrackId, Frame, Frame)>);
    let next_group = StoredValue::new(1u64);

    // The lanes' width: measured now and on every resize.
    let measure = move || {
        if let Some(el) = lanes_ref.get_untracked() {
            let w = dom::width(&el);
            if w > 0.0 && (w - a.width.get_untracked()).abs() > 0.5 {
                a.width.set(w);
                let frames = ws
                    .with_untracked(|w| w.current_video().map(|v| v.frames))
                    .unwrap_or(1);
                a.view.update(|v| v.clamp(frames, w));
            }
        }
    };
    Effect::new(move |_| {
        lanes_ref.track();
        request_animation_frame(measure);
    });
    let resize = window_event_listener(ev::resize, move |_| measure());
    on_cleanup(move || resize.remove());

    let frames = move || {
        ws.with(|w| w.current_video().map(|v| v.frames))
            .unwrap_or(0)
    };
    let ppf = move || a.view.with(|v| v.px_per_frame);
    let offset = move || a.view.with(|v| v.start * v.px_per_frame);
    let playhead = move || a.viewer.frame().unwrap_or(0);
    let playhead_x = move || a.view.with(|v| v.x(playhead() as f64));

    let on_wheel = move |e: ev::WheelEvent| {
        let wheel = dom::wheel(&e);
        if wheel.ctrl {
            e.prevent_default();
            let factor = if wheel.dy < 0.0 {
                ZOOM_STEP
            } else {
                1.0 / ZOOM_STEP
            };
            a.zoom(factor, Some(wheel.x));
        } else if wheel.shift || wheel.dx.abs() > wheel.dy.abs() {
            e.prevent_default();
            a.pan(if wheel.shift { wheel.dy } else { wheel.dx });
        }
    };

    // Ruler: press or drag to seek.
    let scrub_to = move |x: f64| {
        let frames = ws.with_untracked(|w| w.current_video().map(|v| v.frames).unwrap_or(1));
        let f = a.view.with_untracked(|v| v.snap(x, frames));
        a.seek(f);
    };
    let ruler_down = move |e: ev::PointerEvent| {
        if !dom::primary_button(&e) {
            return;
        }
        dom::capture(&e);
        drag.set_value(Some(Drag::Scrub));
        scrub_to(dom::local_x(&e));
    };
    let ruler_move = move |e: ev::PointerEvent| {
        if matches!(drag.get_value(), Some(Drag::Scrub)) {
            scrub_to(dom::local_x(&e));
        }
    };
    let end_drag = move |_e: ev::PointerEvent| {
        if let Some(Drag::Resize { .. } | Drag::Move(_)) = drag.get_value() {
            ws.update(|w| w.seal());
        }
        drag.set_value(None);
    };

    let ticks = move || {
        let width = a.width.get();
        ws.with(|w| {
            let Some(video) = w.current_video() else {
                return Vec::new();
            };
            a.view.with(|v| v.ticks(width, video.rate))
        })
    };

    let lane_ids = move || ws.with(|w| w.lanes().iter().map(|t| t.id).collect::<Vec<_>>());

    let lane = move |track: TrackId| {
        let snap_edge = move |x: f64| {
            let frames = ws.with_untracked(|w| w.current_video().map(|v| v.frames).unwrap_or(1));
            a.view.with_untracked(|v| v.snap_edge(x, frames))
        };
        let frame_at = move |x: f64| a.view.with_untracked(|v| v.frame_at(x));
        let down = move |e: ev::PointerEvent| {
            if !dom::primary_button(&e) {
                return;
            }
            dom::capture(&e);
            let x = dom::local_x(&e);
            let seg = dom::target_data(&e, "seg")
                .and_then(|s| s.parse::<u64>().ok())
                .map(SegmentId);
            let edge = dom::target_data(&e, "edge");
            ws.update(|w| w.track = Some(track));
            let group = next_group.get_value();
            next_group.set_value(group + 1);
            match (seg, edge) {
                (Some(id), Some(edge)) => {
                    drag.set_value(Some(Drag::Resize {
                        id,
                        start_edge: edge == "start",
                        group,
                    }));
                }
                (Some(id), None) => {
                    let span =
                        ws.with_untracked(|w| w.project.segment(id).map(|(_, s)| (s.start, s.end)));
                    ws.update(|w| w.selected = Some(id));
                    if let Some((start, end)) = span {
                        drag.set_value(Some(Drag::Move(Moving {
                            id,
                            grab: frame_at(x) - start as f64,
                            x0: x,
                            len: end - start,
                            group,
                            moving: false,
                        })));
                    }
                }
                _ => {
                    let anchor = snap_edge(x);
                    drag.set_value(Some(Drag::Create {
                        track,
                        anchor,
                        x0: x,
                    }));
                }
            }
        };
        let moved = move |e: ev::PointerEvent| {
            let x = dom::local_x(&e);
            match drag.get_value() {
                Some(Drag::Create { track, anchor, x0 }) if (x - x0).abs() >= DRAG_SLOP => {
                    draft.set(Some((track, anchor, snap_edge(x))));
                }
                Some(Drag::Resize {
                    id,
                    start_edge,
                    group,
                }) => {
                    let f = snap_edge(x);
                    let edit = ws.with_untracked(|w| {
                        let (_, s) = w.project.segment(id)?;
                        let (start, end) = if start_edge {
                            (f.min(s.end - 1), s.end)
                        } else {
                            (s.start, f.max(s.start + 1))
                        };
                        ((start, end) != (s.start, s.end))
                            .then(|| Edit::set_span(&w.project, id, start, end).ok())
                            .flatten()
                    });
                    if let Some(edit) = edit {
                        let _ =
                            a.ws.try_update(|w| w.apply_in_group("resize segment", edit, group));
                    }
                }
                Some(Drag::Move(mut m)) => {
                    if !m.moving && (x - m.x0).abs() < DRAG_SLOP {
                        return;
                    }
                    m.moving = true;
                    drag.set_value(Some(Drag::Move(m)));
                    let Moving {
                        id,
                        grab,
                        len,
                        group,
                        ..
                    } = m;
                    let total = frames();
                    let new_start = (frame_at(x) - grab).round().max(0.0) as Frame;
                    let new_start = new_start.min(total.saturating_sub(len));
                    let edit = ws.with_untracked(|w| {
                        let (_, s) = w.project.segment(id)?;
                        (s.start != new_start)
                            .then(|| {
                                Edit::set_span(&w.project, id, new_start, new_start + len).ok()
                            })
                            .flatten()
                    });
                    if let Some(edit) = edit {
                        let _ =
                            a.ws.try_update(|w| w.apply_in_group("move segment", edit, group));
                    }
                }
                _ => {}
            }
        };
        let up = move |e: ev::PointerEvent| {
            let x = dom::local_x(&e);
            match drag.get_value() {
                Some(Drag::Create { track, anchor, x0 }) => {
                    draft.set(None);
                    if (x - x0).abs() < DRAG_SLOP {
                        // A click on empty lane: deselect and seek there.
                        ws.update(|w| w.selected = None);
                        scrub_to(x);
                    } else {
                        let end = snap_edge(x);
                        if end != anchor {
                            a.run(|w| w.create(track, anchor.min(end), anchor.max(end)));
                        }
                    }
                }
                Some(Drag::Resize { .. } | Drag::Move(_)) => ws.update(|w| w.seal()),
                _ => {}
            }
            drag.set_value(None);
        };
        // Computed once per change; segments are keyed so that panning or zooming keeps the
        // elements already there and only restyles them.
        let drawn = Memo::new(move |_| lane_draw(&a, track));
        let boxes = move || {
            drawn.with(|d| match d {
                LaneDraw::Segments(b) => b.clone(),
                LaneDraw::Runs(_) => Vec::new(),
            })
        };
        let runs = move || {
            drawn.with(|d| match d {
                LaneDraw::Runs(r) => r.clone(),
                LaneDraw::Segments(_) => Vec::new(),
            })
        };
        let segment = move |s: SegBox| {
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
        };
        let draw = move || {
            view! {
                <For each=boxes key=|s| s.clone() children=segment />
                {move || {
                    let runs = runs();
                    (!runs.is_empty()).then(|| {
                        let style = format!("left:{:.1}px;width:{:.1}px;background:{}", offset(), a.width.get(), runs_gradient(&runs));
                        view! { <div class="runs" data-testid="runs" style=style></div> }
                    })
                }}
            }
        };
        let draft_box = move || {
            let (t, s, e) = draft.get()?;
            (t == track).then(|| {
                let (s, e) = (s.min(e), s.max(e));
                view! { <div class="seg draft" data-testid="draft" style=format!("left:{:.2}px;width:{:.2}px", s as f64 * ppf(), (e - s) as f64 * ppf())></div> }
            })
        };
        let recording = move || {
            let (t, start) = a.recording_view.get()?;
            (t == track).then(|| {
                let w = (playhead().saturating_sub(start) + 1) as f64 * ppf();
                view! { <div class="seg draft recording" data-testid="recording" style=format!("left:{:.2}px;width:{:.2}px", start as f64 * ppf(), w)></div> }
            })
        };
        let mark = move || {
            let m = ws.with(|w| (w.track == Some(track)).then_some(w.mark_in).flatten())?;
            Some(
                view! { <div class="mark-in" data-testid="mark-in" data-frame=m.to_string() style=format!("left:{:.2}px", m as f64 * ppf())></div> },
            )
        };
        let strip = Memo::new(move |_| confidence_runs(&a, track));
        let confidence = move || {
            strip.with(|runs| {
                (!runs.is_empty()).then(|| {
                    let style = format!("left:{:.1}px;width:{:.1}px;background:{}", offset(), a.width.get(), runs_gradient(runs));
                    view! {
                        <div class="confidence" data-testid="confidence" data-runs=runs.len().to_string() style=style
                            title="The recognizer's confidence: its most probable action's colour, as strong as its probability"></div>
                    }
                })
            })
        };
        let active = move || ws.with(|w| w.track == Some(track));
        view! {
            <div class="lane" class:active=active data-testid="lane" data-track=track.0.to_string()
                on:pointerdown=down on:pointermove=moved on:pointerup=up on:pointercancel=end_drag on:wheel=on_wheel>
                <div class="lane-content" style=move || format!("transform:translateX({:.2}px)", -offset())>
                    {draw}
                    {confidence}
                    {draft_box}
                    {recording}
                    {mark}
                </div>
                <div class="playhead" style=move || format!("left:{:.2}px;width:{:.2}px", playhead_x(), ppf().max(1.0))></div>
            </div>
        }
    };

    let lane_head = move |track: TrackId| {
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
                    on:input=move |e| { let v = event_target_value(&e); a.run(|w| w.set_track_meta(track, |m| m.name = v)); }
                    on:change=move |_| ws.update(|w| w.seal()) />
                <input class="track-description" data-testid="track-description" aria-label="Referring description"
                    placeholder="who: “the woman in the green shirt on the left”"
                    prop:value=move || meta().description.unwrap_or_default()
                    on:input=move |e| {
                        let v = event_target_value(&e);
                        a.run(|w| w.set_track_meta(track, |m| m.description = (!v.is_empty()).then_some(v)));
                    }
                    on:change=move |_| ws.update(|w| w.seal()) />
                <p class="track-summary" data-testid="track-summary">{move || meta().description.unwrap_or_default()}</p>
                <button class="icon" data-testid="track-delete" title="Delete this track"
                    on:click=move |e| { e.stop_propagation(); a.run(|w| w.remove_track(track)); }>"✕"</button>
            </div>
        }
    };

    let no_video = move || ws.with(|w| w.current_video().is_none());
    let detached = move || {
        let name = ws.with(|w| w.current_video().map(|v| (v.name.clone(), v.bytes)))?;
        let open = a.viewer.source.get();
        let showing = matches!(open, crate::ui::player::Source::Clip(ref c) if c.name == name.0);
        (!showing).then(|| {
            format!(
                "Open {} ({}) again to see this video and its tracks play.",
                name.0,
                format::bytes(name.1)
            )
        })
    };
    let history = move || {
        ws.with(|w| {
            (
                w.undo_name().map(str::to_string),
                w.redo_name().map(str::to_string),
            )
        })
    };

    view! {
        <section class="timeline" aria-label="Timeline" data-testid="timeline"
            data-px-per-frame=move || format!("{:.4}", ppf()) data-view-start=move || format!("{:.2}", a.view.with(|v| v.start))>
            <div class="timeline-bar">
                <button data-testid="undo" title="Undo (Ctrl+Z)" disabled=move || history().0.is_none()
                    on:click=move |_| a.command(crate::workspace::keys::Command::Undo)>
                    {move || history().0.map(|n| format!("Undo {n}")).unwrap_or_else(|| "Undo".into())}
                </button>
                <button data-testid="redo" title="Redo (Ctrl+Shift+Z)" disabled=move || history().1.is_none()
                    on:click=move |_| a.command(crate::workspace::keys::Command::Redo)>
                    {move || history().1.map(|n| format!("Redo {n}")).unwrap_or_else(|| "Redo".into())}
                </button>
                <button data-testid="add-track" disabled=no_video on:click=move |_| { a.run(|w| w.add_track()); }>"+ Track"</button>
                <button data-testid="draw-box" title="Draw the active track's person box on this frame (B)" class:on=move || a.drawing_box.get()
                    disabled=no_video on:click=move |_| a.drawing_box.update(|d| *d = !*d)>"Box"</button>
                <span class="spacer"></span>
                <span class="readout" data-testid="speed">{move || format!("{}×", ws.with(|w| w.speed))}</span>
                <button data-testid="zoom-out" title="Zoom out (−)" on:click=move |_| a.zoom(1.0 / ZOOM_STEP, None)>"−"</button>
                <button data-testid="zoom-fit" title="Whole video (Shift+Z)" on:click=move |_| a.fit()>"Fit"</button>
                <button data-testid="zoom-in" title="Zoom in (+)" on:click=move |_| a.zoom(ZOOM_STEP, None)>"+"</button>
                <button data-testid="help-open" title="Keyboard shortcuts (?)" on:click=move |_| a.help.set(true)>"?"</button>
            </div>
            <Show when=move || detached().is_some()>
                <p class="hint" data-testid="reopen">{move || detached().unwrap_or_default()}</p>
            </Show>
            <Show when=no_video>
                <p class="hint" data-testid="timeline-empty">"Open a clip: its tracks appear here. Drag across a lane to add a segment with the chosen label."</p>
            </Show>
            <div class="tl-grid">
                <div class="tl-corner">{move || format::clock(ws.with(|w| w.current_video().map(|v| v.seconds(playhead()))).unwrap_or(0.0))}</div>
                <div class="ruler" node_ref=lanes_ref data-testid="ruler"
                    on:pointerdown=ruler_down on:pointermove=ruler_move on:pointerup=end_drag on:wheel=on_wheel>
                    {move || ticks().into_iter().map(|t| {
                        let major = t.label.is_some();
                        view! {
                            <div class=if major { "tick major" } else { "tick" } style=format!("left:{:.2}px", t.x)>
                                {t.label.map(|l| view! { <span>{l}</span> })}
                            </div>
                        }
                    }).collect_view()}
                    <div class="playhead" data-testid="playhead" data-frame=move || playhead().to_string()
                        style=move || format!("left:{:.2}px;width:{:.2}px", playhead_x(), ppf().max(1.0))></div>
                </div>
                <For each=lane_ids key=|id| *id let:track>
                    {lane_head(track)}
                    {lane(track)}
                </For>
            </div>
            <SegmentDetails/>
        </section>
    }
}

/// The selected segment: its label, times, source and status, note, and what can be done to it.
#[component]
fn SegmentDetails() -> impl IntoView {
    let a = expect_context::<Annotate>();
    let ws = a.ws;
    // Rebuilt when another segment is selected; its fields follow edits reactively, so typing a
    // note keeps the focus in the note.
    let selected_id =
        Memo::new(move |_| ws.with(|w| w.selected.filter(|&id| w.project.segment(id).is_some())));
    let facts = move |id: SegmentId| {
        ws.with(|w| {
            let (track, s) = w.project.segment(id)?;
            let video = w.project.video(track.video)?;
            let path = w
                .project
                .label_set(&s.label.set)
                .map(|set| set.path(&s.label.label).join(" › "))
                .unwrap_or_else(|| s.label.label.clone());
            Some((
                s.clone(),
                path,
                video.seconds(s.start),
                video.seconds(s.end),
                track.meta.name.clone(),
            ))
        })
    };
    let group = 3_000_000u64;
    view! {
        {move || selected_id.get().map(|id| {
            let proposed = move || facts(id).is_some_and(|(s, ..)| s.status == Status::Proposed);
            let path = move || facts(id).map(|(_, p, ..)| p).unwrap_or_default();
            let line = move || {
                let Some((s, _, t0, t1, track)) = facts(id) else { return String::new() };
                let who = match &s.source {
                    Source::Human { annotator } => format!("by {annotator}"),
                    Source::Model { name, version, score } => format!("proposed by {name} {version} (score {score:.2})"),
                };
                format!("{track} · {} – {} · frames {}–{} · {who} · {}", format::clock(t0), format::clock(t1), s.start, s.end, s.status.as_str())
            };
            let note = move || facts(id).and_then(|(s, ..)| s.note).unwrap_or_default();
            view! {
                <div class="segment-details" data-testid="segment-details" data-seg=id.0.to_string()>
                    <strong data-testid="details-label">{path}</strong>
                    <span class="readout">{line}</span>
                    <textarea data-testid="segment-note" placeholder="Note" rows="1"
                        prop:value=note
                        on:input=move |e| {
                            let v = event_target_value(&e);
                            a.run(|w| {
                                let edit = Edit::set_note(&w.project, id, (!v.is_empty()).then_some(v)).map_err(|e| e.to_string())?;
                                w.apply_in_group("edit note", edit, group)
                            });
                        }
                        on:change=move |_| ws.update(|w| w.seal())></textarea>
                    <div class="controls">
                        <Show when=proposed>
                            <button data-testid="accept" on:click=move |_| { a.run(|w| w.set_status(id, Status::Accepted)); }>"Accept"</button>
                            <button data-testid="reject" on:click=move |_| { a.run(|w| w.set_status(id, Status::Rejected)); }>"Reject"</button>
                        </Show>
                        <button data-testid="split" title="Split at the playhead (S)" on:click=move |_| a.command(crate::workspace::keys::Command::Split)>"Split"</button>
                        <button data-testid="merge" title="Merge with the next segment (M)" on:click=move |_| a.command(crate::workspace::keys::Command::MergeNext)>"Merge next"</button>
                        <button data-testid="loop" title="Loop this segment (L)" on:click=move |_| a.toggle_loop()>
                            {move || if a.looping.get().is_some() { "Stop loop" } else { "Loop" }}
                        </button>
                        <button data-testid="delete" title="Delete (Delete)" on:click=move |_| a.command(crate::workspace::keys::Command::Delete)>"Delete"</button>
                    </div>
                </div>
            }
        })}
    }
}
