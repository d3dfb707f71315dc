//! "Teach a gesture": a few examples of each gesture recorded from the live poses (the camera or a
//! playing clip, with skeletons on), taught in the engine as a model of the project's
//! `gestures` set, then recognised live in the actions panel.

use leptos::prelude::*;
use leptos::task::spawn_local;
use microact_core::model::LabelRef;
use microact_protocol::{Example, Request};

use crate::ui::actions_panel::PoseFeed;
use crate::ui::editor::Editor;
use crate::ui::compute_panel::Compute;
use crate::ui::engine::EngineHandle;
use crate::ui::models_panel::RecognizerChoice;
use crate::ui::teach_panel::{DEFAULT_BASE, taught_in_engine};
use crate::workspace::teach::GESTURES;

/// How long one recorded example lasts, ms.
const RECORD_MS: f64 = 2000.0;
/// Fewer live frames than this make no example.
const MIN_FRAMES: usize = 8;

/// One gesture being recorded: its name, the frames so far, when it ends (`performance.now`).
#[derive(Clone, Debug, PartialEq)]
struct Recording {
    name: String,
    frames: Vec<Option<Vec<[f32; 3]>>>,
    until_ms: Option<f64>,
}

#[component]
pub fn GesturePanel() -> impl IntoView {
    let annotate = expect_context::<Editor>();
    let feed = expect_context::<PoseFeed>();
    let engine = expect_context::<EngineHandle>();
    let compute = expect_context::<Compute>();
    let choice = expect_context::<RecognizerChoice>();
    let name = RwSignal::new(String::new());
    let recording: RwSignal<Option<Recording>> = RwSignal::new(None);
    let examples: RwSignal<Vec<(String, Vec<Option<Vec<[f32; 3]>>>)>> = RwSignal::new(Vec::new());
    let busy = RwSignal::new(false);
    let said = RwSignal::new(String::new());
    // Each live pose frame while recording: the first person's keypoints (a frame without
    // anyone is a gap); the recording ends RECORD_MS after its first frame.
    Effect::new(move |_| {
        let Some(frame) = feed.0.get() else {
            return;
        };
        if !frame.live || recording.with_untracked(Option::is_none) {
            return;
        }
        let mut done = None;
        recording.update(|r| {
            let Some(r) = r else {
                return;
            };
            let until = *r.until_ms.get_or_insert(frame.at_ms + RECORD_MS);
            r.frames
                .push(frame.people.first().map(|p| p.keypoints.clone()));
            if frame.at_ms >= until {
                done = Some(r.clone());
            }
        });
        if let Some(r) = done {
            recording.set(None);
            if r.frames.iter().flatten().count() < MIN_FRAMES {
                said.set(format!("Too few poses for {}: turn on Show skeletons with the camera running (or a clip playing), then record again.", r.name));
                return;
            }
            examples.update(|e| e.push((r.name, r.frames)));
        }
    });
    let record = move || {
        let gesture = name.get_untracked().trim().to_string();
        if gesture.is_empty() {
            said.set("Name the gesture first.".into());
            return;
        }
        said.set(String::new());
        recording.set(Some(Recording {
            name: gesture,
            frames: Vec::new(),
            until_ms: None,
        }));
    };
    let teach = move |_| {
        let recorded = examples.get_untracked();
        let mut names: Vec<String> = Vec::new();
        let mut taught = Vec::with_capacity(recorded.len());
        for (n, frames) in recorded {
            let label = names.iter().position(|m| *m == n).unwrap_or_else(|| {
                names.push(n.clone());
                names.len() - 1
            });
            taught.push(Example {
                label: label as u32,
                frames,
            });
        }
        let labels: Vec<LabelRef> = names.iter().map(|n| LabelRef::new(GESTURES, n)).collect();
        let request = Request::Teach {
            base: DEFAULT_BASE.to_string(),
            backend: compute.backend.get_untracked(),
            version: annotate.ws.with_untracked(|w| w.next_taught_version()),
            labels,
            examples: taught,
            fine_tune: false,
        };
        busy.set(true);
        spawn_local(async move {
            let taught = taught_in_engine(engine, request, |_, _| {}).await;
            busy.set(false);
            match taught {
                Ok(Some(model)) => {
                    let version = model.version_name();
                    if annotate.run(|w| w.take_gestures(model.clone())).is_some() {
                        choice.1.set(Some(model));
                        said.set(format!(
                            "Taught gestures {version}: live actions now follow them."
                        ));
                    }
                }
                Ok(None) => said.set("Teaching cancelled.".into()),
                Err(why) => annotate.notices.error(why),
            }
        });
    };
    let counts = move || {
        let e = examples.get();
        let mut seen = std::collections::BTreeMap::new();
        for (n, _) in &e {
            *seen.entry(n.clone()).or_insert(0) += 1;
        }
        seen.into_iter()
            .map(|(n, k)| format!("{n}: {k}"))
            .collect::<Vec<_>>()
            .join(" · ")
    };
    let recording_now = move || recording.with(Option::is_some);
    view! {
        <details class="gesture-panel" data-testid="gestures">
            <summary>"Teach a gesture"</summary>
            <p class="hint">"With the camera on and Show skeletons on: name a gesture, record a few 2 s examples of each, then teach."</p>
            <form class="controls" on:submit=move |e| { e.prevent_default(); record(); }>
                <input data-testid="gesture-name" placeholder="Gesture" aria-label="Gesture name"
                    prop:value=move || name.get() on:input=move |e| name.set(event_target_value(&e)) />
                <button type="submit" data-testid="gesture-record" disabled=recording_now>
                    {move || if recording_now() { "recording…" } else { "Record 2 s" }}
                </button>
            </form>
            <p data-testid="gesture-examples" data-count=move || examples.with(Vec::len)>{counts}</p>
            <div class="controls">
                <button data-testid="gesture-teach" disabled=move || busy.get() || examples.with(Vec::is_empty) on:click=teach>"Teach gestures"</button>
                <button data-testid="gesture-clear" on:click=move |_| examples.set(Vec::new())>"Clear"</button>
            </div>
            <p data-testid="gesture-said">{move || said.get()}</p>
        </details>
    }
}
