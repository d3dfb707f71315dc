//! Leptos components: they render state and dispatch to the browser layer and plain Rust.

pub mod actions_panel;
pub mod analysis_panel;
pub mod annotate;
pub mod app;
pub mod autosave;
pub mod bench;
pub mod boxes;
pub mod compute_panel;
pub mod data_panel;
pub mod diagnostics;
pub mod engine;
pub mod frame_probe;
pub mod gestures;
pub mod help;
pub mod models_panel;
pub mod notices;
pub mod offline;
pub mod palette;
pub mod player;
pub mod pose_panel;
pub mod project_bar;
pub mod teach_panel;
pub mod timeline;
