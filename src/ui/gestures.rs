//! "Teach a gesture": a few examples of each gesture recorded from the live poses (the camera or a
//! playing clip, with skeletons on), taught in the engine as a model of the project's
//! `gestures` set, then recognised live in the actions panel. What a recording keeps and what
//! is taught is plain Rust (`workspace::teach::gestures`).

use leptos::prelude::*;
use microact_protocol::Request;

use crate::ui::actions_panel::PoseFeed;
use crate::ui::compute_panel::Compute;
use crate::ui::editor::Editor;
use crate::ui::engine::EngineHandle;
use crate::ui::models_panel::RecognizerChoice;
use crate::ui::teach_panel::{DEFAULT_BASE, taught_in_engine};
use crate::workspace::teach::gestures::{Recorded, Recording, counts, lesson};

#[component]
pub fn GesturePanel() -> impl IntoView {
    let annotate = expect_context::<Editor>();
    let feed = expect_context::<PoseFeed>();
    let engine = expect_context::<EngineHandle>();
    let compute = expect_context::<Compute>();
    let choice = expect_context::<RecognizerChoice>();
    let name = RwSignal::new(String::new());
    let recording: RwSignal<Option<Recording>> = RwSignal::new(None);
    let examples: RwSignal<Vec<Recorded>> = RwSignal::new(Vec::new());
    let said = RwSignal::new(String::new());
    // Each live pose frame while recording: the first person's keypoints (a frame without
    // anyone is a gap), until the recording has lasted long enough.
    Effect::new(move |_| {
        let Some(frame) = feed.0.get() else {
            return;
        };
        if !frame.live || recording.with_untracked(Option::is_none) {
            return;
        }
        let keypoints = frame.people.first().map(|p| p.keypoints.clone());
        let ended = recording
            .try_update(|r| r.as_mut()?.take(frame.at_ms, keypoints))
            .flatten();
        match ended {
            None => {}
            Some(Ok(example)) => {
                recording.set(None);
                examples.update(|e| e.push(example));
            }
            Some(Err(why)) => {
                recording.set(None);
                said.set(why);
            }
        }
    });
    let record = move || {
        let gesture = name.get_untracked().trim().to_string();
        if gesture.is_empty() {
            said.set("Name the gesture first.".into());
            return;
        }
        said.set(String::new());
        recording.set(Some(Recording::new(gesture)));
    };
    let teach = Action::new_local(move |_: &()| {
        let (labels, examples) = examples.with_untracked(|e| lesson(e));
        let request = Request::Teach {
            base: DEFAULT_BASE.to_string(),
            backend: compute.backend.get_untracked(),
            version: annotate.ws.with_untracked(|w| w.next_taught_version()),
            labels,
            examples,
            fine_tune: false,
        };
        async move {
            match taught_in_engine(engine, request, |_, _| {}).await {
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
        }
    });
    let teaching = teach.pending();
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
            <p data-testid="gesture-examples" data-count=move || examples.with(Vec::len)>
                {move || examples.with(|e| counts(e))}
            </p>
            <div class="controls">
                <button data-testid="gesture-teach" disabled=move || teaching.get() || examples.with(Vec::is_empty)
                    on:click=move |_| { teach.dispatch_local(()); }>"Teach gestures"</button>
                <button data-testid="gesture-clear" on:click=move |_| examples.set(Vec::new())>"Clear"</button>
            </div>
            <p data-testid="gesture-said">{move || said.get()}</p>
        </details>
    }
}
