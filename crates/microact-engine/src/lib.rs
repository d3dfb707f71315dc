//! microact's engine: every model the page uses, run in a dedicated Web Worker so that the page's
//! thread never waits for one. It answers the requests of [`microact_protocol`]; the page never
//! links Burn.
//!
//! - [`compute`] is the one place that names compute backends;
//! - [`pose`] keeps pose sessions (a network and what it learnt of earlier frames);
//! - [`live`] follows the first person's live poses with a recognizer;
//! - [`analysis`] scores a clip's pose tracks into confidence and proposals;
//! - [`teach`] teaches a model from labelled segments' poses and proposes with it;
//! - [`bench`] is the pose benchmark (`?bench=pose`);
//! - [`demux`] opens a clip's MP4 or WebM container for the decoder; `decode` (wasm only) runs
//!   WebCodecs' `VideoDecoder` over it;
//! - [`error`] says what went wrong in the page's words and makes it a reply;
//! - [`yuv`] samples a network's input from a video frame's planes;
//! - `native` (native only) decodes a clip with ffmpeg and poses its frames as the worker does
//!   (the examples and the `microact` command-line tool);
//! - `worker` (wasm only) is the Web Worker's side of the messages, fetches and frames.

pub mod analysis;
pub mod bench;
pub mod compute;
#[cfg(target_arch = "wasm32")]
mod decode;
pub mod demux;
pub mod error;
pub mod live;
#[cfg(not(target_arch = "wasm32"))]
pub mod native;
pub mod pose;
pub mod teach;
#[cfg(target_arch = "wasm32")]
mod worker;
pub mod yuv;

pub use error::{ClipError, EngineError, FetchError, FrameError, TeachError};

/// The worker's entry point: constructors once (cubecl's registrations:
/// `microact_protocol::run_constructors`), then requests are read.
#[cfg(target_arch = "wasm32")]
#[wasm_bindgen::prelude::wasm_bindgen(start)]
pub fn start() {
    // SAFETY: called once, first, before anything reads what the constructors register.
    unsafe { microact_protocol::run_constructors() };
    console_error_panic_hook::set_once();
    // The module's memory, for benchmarks to read from outside (`scripts/bench-analysis.mjs`).
    let _ = js_sys::Reflect::set(
        &js_sys::global(),
        &wasm_bindgen::JsValue::from_str("__microactEngineMemory"),
        &wasm_bindgen::memory(),
    );
    worker::serve();
}
