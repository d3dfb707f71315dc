#![no_main]
//! AVA rows (against the MA-52 label map microact writes) and label maps must give a project,
//! a map or an error, never a panic.

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use microact_core::formats::ava;
use microact_core::labels;
use microact_core::model::Project;
use microact_core::sample::sample_project;

/// Built once: the fuzzer spends its time in the importer, not in making the open project.
static OPEN: LazyLock<(Project, String)> = LazyLock::new(|| {
    let project = sample_project();
    let map = ava::export(&project, &labels::ma52(), ava::Variant::RefAva).label_map;
    (project, map)
});

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let (project, map) = &*OPEN;
        let _ = ava::import(project, text, map);
        let _ = ava::parse_label_map(text);
    }
});
