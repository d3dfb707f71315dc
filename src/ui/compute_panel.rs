//! Which compute backend runs the models, its self-test, and switching between them.

use leptos::prelude::*;
use leptos::task::spawn_local;
use microact_models::burn::tensor::Device;
use microact_models::selftest;

use crate::browser;
use crate::compute::{self, Backend};
use crate::ui::notices::Notices;

#[derive(Clone, Debug, PartialEq)]
pub enum SelfTest {
    Running,
    Passed { max_abs_error: f64, ms: f64 },
    Failed(String),
}

/// The active compute device, shared through context.
#[derive(Clone, Copy)]
pub struct Compute {
    pub backend: RwSignal<Option<Backend>>,
    pub device: StoredValue<Option<Device>, LocalStorage>,
    pub self_test: RwSignal<Option<SelfTest>>,
}

impl Compute {
    pub fn new() -> Self {
        Self {
            backend: RwSignal::new(None),
            device: StoredValue::new_local(None),
            self_test: RwSignal::new(None),
        }
    }

    /// The device models should run on, once one is chosen.
    pub fn device(&self) -> Option<Device> {
        self.device.get_value()
    }

    async fn activate(self, backend: Backend, device: Device) {
        self.device.set_value(Some(device.clone()));
        self.backend.set(Some(backend));
        self.self_test.set(Some(SelfTest::Running));
        let started = browser::now_ms();
        let outcome = match selftest::run(&device).await {
            Ok(report) if report.passed() => SelfTest::Passed {
                max_abs_error: report.max_abs_error,
                ms: browser::now_ms() - started,
            },
            Ok(report) => SelfTest::Failed(format!(
                "wrong result: largest error {:.2e} (allowed {:.0e}), sum {:.4} (should be 16)",
                report.max_abs_error,
                selftest::TOLERANCE,
                report.total
            )),
            Err(e) => SelfTest::Failed(e.to_string()),
        };
        self.self_test.set(Some(outcome));
    }
}

impl Default for Compute {
    fn default() -> Self {
        Self::new()
    }
}

#[component]
pub fn ComputePanel() -> impl IntoView {
    let compute = expect_context::<Compute>();
    let notices = expect_context::<Notices>();

    spawn_local(async move {
        let (backend, device, passed_over) = compute::choose(browser::has_webgpu()).await;
        if let Some(reason) = passed_over {
            notices.info(format!("Running models on the CPU: {reason}."));
        }
        compute.activate(backend, device).await;
    });

    let switch = move |_| {
        let Some(current) = compute.backend.get_untracked() else {
            return;
        };
        let wanted = current.other();
        spawn_local(async move {
            match compute::acquire(wanted, browser::has_webgpu()).await {
                Ok(device) => compute.activate(wanted, device).await,
                Err(e) => notices.error(format!(
                    "Could not switch to {}: {e}. Staying on {}.",
                    wanted.label(),
                    current.label()
                )),
            }
        });
    };

    let self_test_text = move || match compute.self_test.get() {
        None => "not run".to_string(),
        Some(SelfTest::Running) => "running…".to_string(),
        Some(SelfTest::Passed { max_abs_error, ms }) => {
            format!("passed (max error {max_abs_error:.1e}, {ms:.1} ms)")
        }
        Some(SelfTest::Failed(why)) => format!("FAILED: {why}"),
    };
    let self_test_state = move || match compute.self_test.get() {
        None => "none",
        Some(SelfTest::Running) => "running",
        Some(SelfTest::Passed { .. }) => "passed",
        Some(SelfTest::Failed(_)) => "failed",
    };

    view! {
        <section class="compute" aria-label="Compute backend">
            <span class="caption">"Compute: "</span>
            <strong data-testid="backend" data-backend=move || compute.backend.get().map(Backend::id).unwrap_or("none")>
                {move || compute.backend.get().map(Backend::label).unwrap_or("choosing…")}
            </strong>
            <span class="selftest" data-testid="selftest" data-state=self_test_state>
                " · self-test: " {self_test_text}
            </span>
            <button data-testid="switch-backend"
                disabled=move || matches!(compute.self_test.get(), None | Some(SelfTest::Running))
                on:click=switch>
                {move || compute.backend.get().map(|b| format!("Use {}", b.other().label())).unwrap_or_default()}
            </button>
        </section>
    }
}
