//! microact outside the browser: a folder of clips pre-labelled with the page's own analysis
//! (MoveNet on the engine's CPU kernels, the people worth a track, their pose tracks, boxes and a
//! recognizer's proposals), each written as the microact project the page imports as is.
//!
//! - [`Options`] say who is analysed, by which recognizer, with which models;
//! - [`Analyser`] holds the loaded models and analyses one clip into an [`Analysis`];
//! - [`analyse_all`] runs a batch on threads, resumable, into a folder and its `report.json`;
//! - `models` finds and loads the model files, `batch` keeps the batch's bookkeeping.
//!
//! This is the library a Python wheel wraps: a few typed calls, errors as values.

#[cfg(target_arch = "wasm32")]
compile_error!("microact-cli is native only: it decodes with ffmpeg and writes files");

mod analyser;
mod batch;
mod models;

use std::path::PathBuf;

pub use analyser::{AnalyseError, Analyser, Analysis, Stats};
pub use batch::{
    BatchError, Entry, Outcome, Progress, Report, analyse_all, analyse_into, output_name,
    read_inputs, write_report,
};
pub use microact_protocol::{MultiPose, MultiPoseSide};
pub use microact_workspace::clip_analysis::People;
pub use microact_workspace::io::Format;
pub use models::{LoadError, default_models_dir};

/// What recognises the actions in each person's poses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Recognizer {
    /// A recognizer of `models/manifest.json`, by name (`penn-ddnet`, `jhmdb-ddnet`).
    Shipped(String),
    /// A model taught in the page and exported to this file.
    Taught(PathBuf),
}

impl Default for Recognizer {
    /// The page's default.
    fn default() -> Self {
        Recognizer::Shipped(microact_workspace::clip_analysis::DEFAULT_RECOGNIZER.to_string())
    }
}

/// How clips are analysed.
#[derive(Clone, Debug, PartialEq)]
pub struct Options {
    /// One person (SinglePose, following them) or everyone (MultiPose and its tracker).
    pub people: People,
    pub recognizer: Recognizer,
    /// The folder with `manifest.json` and the weight files.
    pub models: PathBuf,
    /// MultiPose's input size and zoom (everyone only).
    pub multi: MultiPose,
}

impl Default for Options {
    /// One person, the page's recognizer and MultiPose settings, the models found by
    /// [`default_models_dir`].
    fn default() -> Self {
        Options {
            people: People::One,
            recognizer: Recognizer::default(),
            models: default_models_dir(),
            multi: MultiPose::default(),
        }
    }
}
