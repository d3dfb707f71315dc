#![no_main]
//! MMAction2 clip lists and PoseDataset pickles (any bytes) must give a project or an error,
//! never a panic or an allocation the input cannot pay for.

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use microact_core::formats::mmaction;
use microact_core::labels::{self, LabelSet};
use microact_core::model::Project;
use microact_core::sample::sample_project;

/// Built once: the fuzzer spends its time in the importer, not in making the open project.
static OPEN: LazyLock<(Project, LabelSet)> = LazyLock::new(|| (sample_project(), labels::ma52()));

fuzz_target!(|data: &[u8]| {
    let (project, set) = &*OPEN;
    let _ = mmaction::import_poses(project, data, set);
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = mmaction::import_clips(project, text, set);
    }
});
