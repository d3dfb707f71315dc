//! Which compute backend the engine runs the models on, its self-test, and switching between
//! them. The page only chooses: WebGPU where the browser has it, else the CPU. The engine
//! acquires the device and runs the self-test (an Action), first whenever it starts (so opening
//! the page starts nothing), then after each switch or on request. The header says whether it
//! passed; its numbers are in the diagnostics panel.

use leptos::prelude::*;
use microact_protocol::{Backend, Reply, Request, SelfTest};

use crate::browser;
use crate::browser::engine::EngineState;
use crate::ui::engine::EngineHandle;
use crate::ui::notices::Notices;

/// The self-test of the backend in use, as the page shows it.
#[derive(Clone, Debug, PartialEq)]
pub enum TestState {
    Passed { max_abs_error: f64, ms: f64 },
    Failed(String),
}

/// The backend models run on, shared through context.
#[derive(Clone, Copy)]
pub struct Compute {
    pub backend: RwSignal<Backend>,
    /// The last self-test's outcome; `None`: not run on this backend yet (the engine has not
    /// started since it was chosen).
    pub self_test: RwSignal<Option<TestState>>,
}

impl Compute {
    /// WebGPU where the browser offers it (said when it does not).
    pub fn new(notices: Notices) -> Self {
        let backend = if browser::has_webgpu() {
            Backend::WebGpu
        } else {
            notices.info(
                "Running models on the CPU: this browser offers no WebGPU (navigator.gpu is missing or disabled).",
            );
            Backend::Cpu
        };
        Self {
            backend: RwSignal::new(backend),
            self_test: RwSignal::new(None),
        }
    }

    /// Runs the self-test on `wanted` in the engine and uses `wanted` unless it gave no device.
    /// On a switch (`switching`) an unusable backend is refused; otherwise (the engine starting
    /// on the page's choice) the CPU takes over, and the reason is said.
    async fn test(self, engine: EngineHandle, notices: Notices, wanted: Backend, switching: bool) {
        let before = self.backend.get_untracked();
        self.backend.set(wanted);
        self.self_test.set(None);
        let reply = engine
            .get()
            .call(Request::SelfTest { backend: wanted }, None, |_| {})
            .await;
        let state = match reply {
            Ok(Reply::SelfTest(SelfTest::Passed { max_abs_error, ms })) => {
                TestState::Passed { max_abs_error, ms }
            }
            Ok(Reply::SelfTest(SelfTest::Wrong { message })) => TestState::Failed(message),
            Ok(Reply::SelfTest(SelfTest::Unavailable { message })) => {
                if switching {
                    notices.error(format!(
                        "Could not switch to {}: {message}. Staying on {}.",
                        wanted.label(),
                        before.label()
                    ));
                    self.backend.set(before);
                    self.self_test.set(None);
                    return;
                }
                if wanted == Backend::Cpu {
                    TestState::Failed(message)
                } else {
                    notices.info(format!("Running models on the CPU: {message}."));
                    // Once: the CPU always gives a device.
                    return Box::pin(self.test(engine, notices, Backend::Cpu, false)).await;
                }
            }
            Ok(other) => TestState::Failed(format!("the engine answered {other:?}")),
            Err(e) => TestState::Failed(e.to_string()),
        };
        self.self_test.set(Some(state));
    }
}

#[component]
pub fn ComputePanel() -> impl IntoView {
    let compute = expect_context::<Compute>();
    let engine = expect_context::<EngineHandle>();
    let notices = expect_context::<Notices>();
    // (backend wanted, whether it is a switch)
    let self_test = Action::new_local(move |&(wanted, switching): &(Backend, bool)| {
        compute.test(engine, notices, wanted, switching)
    });
    let running = self_test.pending();

    // A starting engine (the first model needed, or a crashed one replaced) tests the backend,
    // unless the start is the test's own.
    Effect::new(move |before: Option<EngineState>| {
        let now = engine.state.get();
        if now == EngineState::Starting
            && before != Some(EngineState::Starting)
            && !running.get_untracked()
        {
            self_test.dispatch_local((compute.backend.get_untracked(), false));
        }
        now
    });

    let switch = move |_| {
        let wanted = compute.backend.get_untracked().other();
        if engine.started() {
            self_test.dispatch_local((wanted, true));
        } else if wanted == Backend::WebGpu && !browser::has_webgpu() {
            notices.error(
                "Could not switch to WebGPU: this browser offers no WebGPU (navigator.gpu is missing or disabled). Staying on CPU.",
            );
        } else {
            // Tested when the engine starts.
            compute.backend.set(wanted);
            compute.self_test.set(None);
        }
    };
    let run_test = move |_| {
        self_test.dispatch_local((compute.backend.get_untracked(), false));
    };

    let self_test_text = move || match compute.self_test.get() {
        _ if running.get() => "running…".to_string(),
        None => "runs when a model is first used".to_string(),
        Some(TestState::Passed { .. }) => "passed".to_string(),
        Some(TestState::Failed(why)) => format!("FAILED: {why}"),
    };
    let self_test_state = move || match compute.self_test.get() {
        _ if running.get() => "running",
        None => "none",
        Some(TestState::Passed { .. }) => "passed",
        Some(TestState::Failed(_)) => "failed",
    };

    view! {
        <section class="compute" aria-label="Compute backend">
            <span class="caption">"Compute: "</span>
            <strong data-testid="backend" data-backend=move || compute.backend.get().id()>
                {move || compute.backend.get().label()}
            </strong>
            <span class="selftest" data-testid="selftest" data-state=self_test_state>
                " · self-test: " {self_test_text}
            </span>
            <button data-testid="run-selftest" disabled=move || running.get() on:click=run_test>"Test"</button>
            <button data-testid="switch-backend" disabled=move || running.get() on:click=switch>
                {move || format!("Use {}", compute.backend.get().other().label())}
            </button>
        </section>
    }
}

/// The self-test's numbers (for the diagnostics panel): its largest error against the
/// reference and how long it took, on the backend in use.
#[component]
pub fn SelfTestTimings() -> impl IntoView {
    let compute = expect_context::<Compute>();
    let text = move || match compute.self_test.get() {
        Some(TestState::Passed { max_abs_error, ms }) => format!(
            "Self-test on {}: max error {max_abs_error:.1e} · {ms:.1} ms",
            compute.backend.get().label()
        ),
        Some(TestState::Failed(why)) => format!("Self-test failed: {why}"),
        None => "Self-test: not run on this backend yet.".to_string(),
    };
    view! { <p class="selftest-timings" data-testid="selftest-timings">{text}</p> }
}
