//! microact's page: a Leptos app over `microact-core` (annotations) and `microact-models` (Burn).
//! Only `browser` touches web-sys; `compute` alone names the compute backends.

pub mod browser;
pub mod compute;
pub mod format;
pub mod media;
pub mod ui;
pub mod workspace;

pub use ui::app::App;

/// The page's entry point: the panic banner, then the app (or the pose benchmark with
/// `?bench=pose`).
#[cfg(target_arch = "wasm32")]
#[wasm_bindgen::prelude::wasm_bindgen(start)]
pub fn start() {
    browser::install_panic_hook();
    match ui::bench::requested() {
        Some(runs) => leptos::mount::mount_to_body(move || {
            leptos::view! { <ui::bench::PoseBench runs=runs /> }
        }),
        None => leptos::mount::mount_to_body(App),
    }
}
