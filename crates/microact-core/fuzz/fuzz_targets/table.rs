#![no_main]
//! The table importer must turn any bytes into a project or an error, next to an empty project
//! and next to one with videos, tracks and label sets to match against.

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use microact_core::formats::table;
use microact_core::model::Project;
use microact_core::sample::sample_project;

/// Built once: the fuzzer spends its time in the importer, not in making the open project.
static OPEN: LazyLock<Project> = LazyLock::new(sample_project);

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = table::import(&Project::default(), text);
        let _ = table::import(&OPEN, text);
    }
});
