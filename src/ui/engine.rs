//! The engine worker as the page's panels share it: one handle through context, its state shown
//! beside the compute backend, a crash said in a notice.

use leptos::prelude::*;

use crate::browser::engine::{Engine, EngineState};
use crate::ui::notices::Notices;

/// The page's one engine (started by the first request that needs a model).
#[derive(Clone, Copy)]
pub struct EngineHandle {
    engine: StoredValue<Engine, LocalStorage>,
    pub state: RwSignal<EngineState>,
}

impl EngineHandle {
    pub fn new(notices: Notices) -> Self {
        let state = RwSignal::new(EngineState::Idle);
        let engine = Engine::new(
            move |s| state.set(s),
            move |why| {
                notices.error(format!(
                    "The model engine stopped ({why}) and will start again with the next request. Your project is untouched."
                ))
            },
        );
        Self {
            engine: StoredValue::new_local(engine),
            state,
        }
    }

    pub fn get(&self) -> Engine {
        self.engine.get_value()
    }

    /// Whether the engine runs or is starting (else there is nothing in it to reset).
    pub fn started(&self) -> bool {
        self.state.get_untracked() != EngineState::Idle
    }
}

/// The engine's state in words, beside the compute backend.
#[component]
pub fn EngineBadge() -> impl IntoView {
    let handle = expect_context::<EngineHandle>();
    let state = move || match handle.state.get() {
        EngineState::Idle => "idle",
        EngineState::Starting => "starting",
        EngineState::Running => "running",
    };
    let text = move || match handle.state.get() {
        EngineState::Idle => " · engine: starts when a model is needed",
        EngineState::Starting => " · engine: loading…",
        EngineState::Running => " · engine: running",
    };
    view! { <span class="engine" data-testid="engine" data-state=state>{text}</span> }
}
