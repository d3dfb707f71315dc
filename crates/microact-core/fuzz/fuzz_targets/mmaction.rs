#![no_main]
//! MMAction2 clip lists and PoseDataset pickles (any bytes) must give a project or an error,
//! never a panic or an allocation the input cannot pay for.

use libfuzzer_sys::fuzz_target;
use microact_core::formats::mmaction;
use microact_core::labels;
use microact_core::sample::sample_project;

fuzz_target!(|data: &[u8]| {
    let project = sample_project();
    let set = labels::ma52();
    let _ = mmaction::import_poses(&project, data, &set);
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = mmaction::import_clips(&project, text, &set);
    }
});
