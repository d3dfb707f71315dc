//! The engine worker as the page's panels share it: one handle through context, its state shown
//! beside the compute backend, a crash said in a notice.

use leptos::prelude::*;

use crate::browser::engine::{Engine, EngineState};
use crate::ui::notices::Notices;

/// The page's engine (started by the first request that needs a model), and the helpers clip
/// analysis splits a clip across (started for it, kept for the next).
#[derive(Clone, Copy)]
pub struct EngineHandle {
    engine: StoredValue<Engine, LocalStorage>,
    helpers: StoredValue<Vec<Engine>, LocalStorage>,
    notices: Notices,
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
            helpers: StoredValue::new_local(Vec::new()),
            notices,
            state,
        }
    }

    pub fn get(&self) -> Engine {
        self.engine.get_value()
    }

    /// `n` engines: the page's and `n - 1` helpers (each its own worker, started by its first
    /// request; a crashed one is said as the page's is).
    pub fn workers(&self, n: usize) -> Vec<Engine> {
        let notices = self.notices;
        self.helpers.update_value(|helpers| {
            while helpers.len() + 1 < n {
                helpers.push(Engine::new(
                    |_| {},
                    move |why| {
                        notices.error(format!(
                            "A model engine helping with clip analysis stopped ({why}). Your project is untouched."
                        ))
                    },
                ));
            }
        });
        let mut all = vec![self.get()];
        all.extend(self.helpers.with_value(|h| {
            h.iter()
                .take(n.saturating_sub(1))
                .cloned()
                .collect::<Vec<_>>()
        }));
        all
    }

    /// Every engine that may be working (to cancel what they do).
    pub fn all(&self) -> Vec<Engine> {
        let mut all = vec![self.get()];
        all.extend(self.helpers.get_value());
        all
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
