//! Person boxes over the video: the active track's box on the frame on screen (drawn there, or
//! held from the last keyframe before it, dashed), and a drawing mode (`B`) in which a drag on
//! the video sets the track's box on this frame. Boxes are normalised to the frame.

use leptos::ev;
use leptos::html::Div;
use leptos::prelude::*;
use microact_core::edit::Edit;
use microact_core::model::NormRect;

use crate::browser::dom;
use crate::ui::editor::Editor;

/// Smallest box side, as a share of the frame, that a drag draws (smaller is a click).
const MIN_SIDE: f64 = 0.01;

#[component]
pub fn BoxLayer() -> impl IntoView {
    let a = expect_context::<Editor>();
    let ws = a.ws;
    let layer = NodeRef::<Div>::new();
    let start = StoredValue::new(None::<(f64, f64)>);
    let draft = RwSignal::new(None::<NormRect>);

    let frame = move || a.viewer.frame();
    // The box shown: this frame's, or the last keyframe's before it (held).
    let shown = move || {
        let f = frame()?;
        ws.with(|w| {
            let t = w.project.track(w.track?)?;
            let held = t.boxes.iter().rev().find(|b| b.frame <= f)?;
            Some((held.rect, held.frame == f, t.meta.name.clone()))
        })
    };
    let point = move |e: &ev::PointerEvent| {
        let el = layer.get_untracked()?;
        let (w, h) = dom::size(&el);
        (w > 0.0 && h > 0.0).then(|| {
            (
                (dom::local_x(e) / w).clamp(0.0, 1.0),
                (dom::local_y(e) / h).clamp(0.0, 1.0),
            )
        })
    };
    let rect = |(x0, y0): (f64, f64), (x1, y1): (f64, f64)| NormRect {
        x1: x0.min(x1) as f32,
        y1: y0.min(y1) as f32,
        x2: x0.max(x1) as f32,
        y2: y0.max(y1) as f32,
    };
    let down = move |e: ev::PointerEvent| {
        if !dom::primary_button(&e) {
            return;
        }
        dom::capture(&e);
        start.set_value(point(&e));
    };
    let moved = move |e: ev::PointerEvent| {
        if let (Some(s), Some(p)) = (start.get_value(), point(&e)) {
            draft.set(Some(rect(s, p)));
        }
    };
    let up = move |e: ev::PointerEvent| {
        let (Some(s), Some(p)) = (start.get_value(), point(&e)) else {
            return;
        };
        start.set_value(None);
        draft.set(None);
        let r = rect(s, p);
        if f64::from(r.x2 - r.x1) < MIN_SIDE || f64::from(r.y2 - r.y1) < MIN_SIDE {
            return;
        }
        let Some(frame) = frame() else { return };
        a.run(|w| {
            let track = w.track.ok_or("add a track first")?;
            w.apply(
                "draw box",
                Edit::SetBox {
                    track,
                    frame,
                    rect: Some(r),
                },
            )
        });
        a.drawing_box.set(false);
    };
    let style = |r: NormRect| {
        format!(
            "left:{:.3}%;top:{:.3}%;width:{:.3}%;height:{:.3}%",
            r.x1 * 100.0,
            r.y1 * 100.0,
            (r.x2 - r.x1) * 100.0,
            (r.y2 - r.y1) * 100.0
        )
    };
    view! {
        <div class="box-layer" class:drawing=move || a.drawing_box.get() node_ref=layer data-testid="box-layer"
            on:pointerdown=down on:pointermove=moved on:pointerup=up>
            {move || shown().map(|(r, exact, name)| view! {
                <div class="person-box" class:held=!exact data-testid="person-box"
                    data-rect=format!("{:.3},{:.3},{:.3},{:.3}", r.x1, r.y1, r.x2, r.y2) style=style(r)>
                    <span>{name}</span>
                </div>
            })}
            {move || draft.get().map(|r| view! { <div class="person-box draft" style=style(r)></div> })}
        </div>
    }
}
