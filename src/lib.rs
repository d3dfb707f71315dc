//! microact's page: a Leptos app over `microact-core` (annotations) that asks the engine worker
//! (`microact-protocol`) for everything a model does; it links no Burn. Only `browser` touches
//! web-sys.

pub mod browser;
pub mod media;
pub mod pose_cost;
pub mod ui;

/// The workspace as plain Rust lives in its own crate (shared with the native tools); the page
/// names it as one of its modules.
pub use microact_workspace::{self as workspace, readout};
pub use ui::app::App;

/// The page's entry point: the panic banner, then the app (or the pose benchmark with
/// `?bench=pose`).
#[cfg(target_arch = "wasm32")]
#[wasm_bindgen::prelude::wasm_bindgen(start)]
pub fn start() {
    // The page no longer links Burn; the call stays so that no dependency's constructor can
    // bring the export wrapping back.
    // SAFETY: called once, first, before anything reads what the constructors register.
    unsafe { microact_protocol::run_constructors() };
    browser::install_panic_hook();
    match ui::bench::requested() {
        Some(request) => leptos::mount::mount_to_body(move || {
            leptos::view! { <ui::bench::PoseBench request=request /> }
        }),
        None => leptos::mount::mount_to_body(App),
    }
}
