//! The developer's probes, out of an annotator's way: one collapsible "Diagnostics" panel at the
//! end of the side column with the self-test's numbers, the frame → model-input tensor probe and
//! the pose benchmark.

use leptos::prelude::*;

use crate::ui::compute_panel::SelfTestTimings;
use crate::ui::frame_probe::FrameProbe;

#[component]
pub fn Diagnostics() -> impl IntoView {
    view! {
        <details class="diagnostics" data-testid="diagnostics">
            <summary>"Diagnostics"</summary>
            <SelfTestTimings/>
            <FrameProbe/>
            <p class="hint">
                <a href="?bench=pose" data-testid="pose-bench-link">"Pose benchmark"</a>
                ": every pose model on each compute path in the engine, medians as JSON (takes a while)."
            </p>
        </details>
    }
}
