//! microact's page: a Leptos app over `microact-core` (annotations) and `microact-models` (Burn).
//! Only `browser` touches web-sys; `compute` alone names the compute backends.

pub mod browser;
pub mod compute;
pub mod format;
pub mod media;
pub mod ui;
pub mod workspace;

pub use ui::app::App;
