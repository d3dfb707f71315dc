//! The entry point every model uses, made visible: the current frame letterboxed into a model's
//! input size (drawn here), as the tensor the engine makes of it, with its statistics and the
//! way back to source pixels.

use leptos::html::Canvas;
use leptos::prelude::*;
use microact_core::geometry::{Letterbox, Size};
use microact_protocol::{Backend, Reply, Request, TensorStats};

use crate::browser::canvas;
use crate::browser::engine::Frame;
use crate::ui::compute_panel::Compute;
use crate::ui::engine::EngineHandle;
use crate::ui::notices::Notices;
use crate::ui::viewer::{Source, Viewer};

/// Input sides of the pose models: MoveNet SinglePose Lightning (192) and MultiPose (256).
const SIDES: [u32; 2] = [192, 256];

#[derive(Clone, Debug, PartialEq)]
struct Probe {
    stats: TensorStats,
    letterbox: Letterbox,
    backend: &'static str,
}

/// The frame on screen letterboxed into `side` × `side` on `canvas`, and the engine's tensor of
/// it.
async fn probe(
    viewer: Viewer,
    canvas_ref: NodeRef<Canvas>,
    engine: EngineHandle,
    backend: Backend,
    side: u32,
) -> Result<Probe, String> {
    let (Some(video), Some(canvas)) = (viewer.video.get_untracked(), canvas_ref.get_untracked())
    else {
        return Err("the page is not ready yet".into());
    };
    let letterbox = canvas::draw_letterboxed(&video, &canvas, Size::square(side))?;
    let frame = Frame::of_canvas(&canvas).await.map_err(|e| e.to_string())?;
    match engine
        .get()
        .call(Request::Tensor { backend }, Some(frame.into()), |_| {})
        .await
    {
        Ok(Reply::Tensor(stats)) => Ok(Probe {
            stats,
            letterbox,
            backend: backend.label(),
        }),
        Ok(other) => Err(format!("the engine answered {other:?}")),
        Err(e) => Err(e.to_string()),
    }
}

#[component]
pub fn FrameProbe() -> impl IntoView {
    let viewer = expect_context::<Viewer>();
    let compute = expect_context::<Compute>();
    let engine = expect_context::<EngineHandle>();
    let notices = expect_context::<Notices>();
    let canvas_ref = NodeRef::<Canvas>::new();
    let side = RwSignal::new(SIDES[0]);
    let convert = Action::new_local(move |&side: &u32| {
        let backend = compute.backend.get_untracked();
        async move {
            let probed = probe(viewer, canvas_ref, engine, backend, side).await;
            if let Err(e) = &probed {
                notices.error(format!("The frame could not be turned into a tensor: {e}"));
            }
            probed.ok()
        }
    });
    let nothing_to_read = move || viewer.source.get() == Source::Empty || convert.pending().get();

    view! {
        <section class="frame-probe" aria-label="Frame to tensor">
            <h2>"Model input"</h2>
            <div class="controls">
                <label>"Size "
                    <select data-testid="probe-size" on:change=move |e| {
                        if let Ok(v) = event_target_value(&e).parse() { side.set(v) }
                    }>
                        {SIDES.map(|s| view! { <option value=s.to_string()>{format!("{s}×{s}")}</option> })}
                    </select>
                </label>
                <button data-testid="to-tensor" disabled=nothing_to_read
                    on:click=move |_| { convert.dispatch_local(side.get_untracked()); }>"Frame → tensor"</button>
            </div>
            <canvas node_ref=canvas_ref data-testid="model-input" width="192" height="192"></canvas>
            {move || convert.value().get().flatten().map(tensor_view)}
        </section>
    }
}

/// The tensor's statistics, the letterbox and the input's centre back in source pixels.
fn tensor_view(p: Probe) -> impl IntoView {
    let s = &p.stats;
    let joined = |values: &[f32]| {
        values
            .iter()
            .map(|v| format!("{v:.3}"))
            .collect::<Vec<_>>()
            .join(",")
    };
    let target = p.letterbox.target;
    let (cx, cy) = p.letterbox.to_source(
        f64::from(target.width) / 2.0,
        f64::from(target.height) / 2.0,
    );
    view! {
        <dl class="tensor" data-testid="tensor"
            data-shape=s.shape.map(|d| d.to_string()).join(",")
            data-mean=joined(&s.mean) data-std=format!("{:.3}", s.std)
            data-min=format!("{}", s.min) data-max=format!("{}", s.max)>
            <dt>"shape"</dt><dd>{format!("{:?}", s.shape)}</dd>
            <dt>"mean R,G,B"</dt><dd>{format!("{:.1}, {:.1}, {:.1}", s.mean[0], s.mean[1], s.mean[2])}</dd>
            <dt>"std · min · max"</dt><dd>{format!("{:.1} · {} · {}", s.std, s.min, s.max)}</dd>
            <dt>"letterbox"</dt><dd>{format!("scale {:.4}, offset ({:.1}, {:.1})", p.letterbox.scale, p.letterbox.placed.x, p.letterbox.placed.y)}</dd>
            <dt>"input centre ↔ source"</dt><dd data-testid="centre-in-source">{format!("({cx:.1}, {cy:.1})")}</dd>
            <dt>"time"</dt><dd>{format!("{:.1} ms on {}", s.ms, p.backend)}</dd>
        </dl>
    }
}
