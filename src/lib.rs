//! microact's page: a Leptos app over `microact-core` (annotations) that asks the engine worker
//! (`microact-protocol`) for everything a model does; it links no Burn. Only `browser` touches
//! web-sys.

pub mod browser;
pub mod format;
pub mod media;
pub mod pose_cost;
pub mod ui;
pub mod workspace;

pub use ui::app::App;

#[cfg(target_arch = "wasm32")]
unsafe extern "C" {
    /// Synthesised by wasm-ld: runs every constructor.
    fn __wasm_call_ctors();
}

/// The page's entry point: the panic banner, then the app (or the pose benchmark with
/// `?bench=pose`).
#[cfg(target_arch = "wasm32")]
#[wasm_bindgen::prelude::wasm_bindgen(start)]
pub fn start() {
    // The constructors, once. Without this explicit call, a module with any wasm-ld takes for a
    // "command" and wraps every export so that it reruns them: with Burn's (cubecl's `inventory`
    // registrations) in the page, each JsValue clone or drop cost ~2 ms and a zoom step of a
    // 10 000-segment timeline 750 ms. The page no longer links Burn; the call stays so that no
    // dependency's constructor can bring that back.
    // SAFETY: called once, first, before anything reads what the constructors register.
    unsafe { __wasm_call_ctors() };
    browser::install_panic_hook();
    match ui::bench::requested() {
        Some(request) => leptos::mount::mount_to_body(move || {
            leptos::view! { <ui::bench::PoseBench request=request /> }
        }),
        None => leptos::mount::mount_to_body(App),
    }
}
