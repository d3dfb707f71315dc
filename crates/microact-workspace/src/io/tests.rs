//! The menu's functions over every format: export, detection, import.

use super::*;
use microact_core::formats::truth::{self, Include};
use microact_core::labels;
use microact_core::model::Project;
use microact_core::sample::sample_project;

/// The files an export wrote, as a person would pick them to import.
fn picked(out: &Exported) -> Vec<Picked> {
    out.files
        .iter()
        .map(|f| Picked {
            name: f.name.clone(),
            bytes: f.bytes.clone(),
        })
        .collect()
}

/// Every format the menu offers writes the sample project, the detector names the format of
/// each file it wrote, and the importer reads it back with segments in it.
#[test]
fn every_format_round_trips_through_the_menu_functions() {
    let project = sample_project();
    let set = labels::ma52();
    for format in Format::ALL {
        let include = Include::WithPredictions;
        let out = export(&project, format, Some(project.videos[0].id), &set, include)
            .unwrap_or_else(|e| panic!("{format:?}: {e}"));
        assert!(!out.files.is_empty());
        let main = &out.files[0];
        let detected = Format::detect(&main.name, &main.bytes);
        // A skeleton export is a project file, read as one.
        let reader = match format {
            Format::Skeletons => Format::Native,
            f => f,
        };
        assert_eq!(detected, Some(reader), "{format:?} wrote {}", main.name);
        if !format.can_import() {
            continue;
        }
        let picked = picked(&out);
        let back = import(&Project::default(), format, &picked, &set)
            .unwrap_or_else(|e| panic!("{format:?}: {e}"));
        assert!(
            back.segments().count() > 0,
            "{format:?}: {}",
            summary(&back)
        );
        let want = will_write(&project, format, Some(project.videos[0].id), include);
        if format.predictions().is_some() {
            assert_eq!(want.predictions, 2, "{format:?}");
            let scored = back.segments().filter(|(_, s)| s.score().is_some()).count();
            // ActivityNet leaves out predictions whose label no ground truth has.
            let expected = if format == Format::ActivityNet { 0 } else { 2 };
            assert_eq!(scored, expected, "{format:?}: predictions come back scored");
        }
    }
}

#[test]
fn ground_truth_exports_hold_no_proposal_nobody_accepted() {
    let project = sample_project();
    let set = labels::ma52();
    for format in Format::ALL.into_iter().filter(|f| f.can_import()) {
        let counts = will_write(&project, format, None, Include::GroundTruth);
        let out = export(&project, format, None, &set, Include::GroundTruth).unwrap();
        let picked = picked(&out);
        let back = import(&Project::default(), format, &picked, &set).unwrap();
        let open = back
            .segments()
            .filter(|(_, s)| truth::is_prediction(s))
            .count();
        assert_eq!(open, counts.predictions, "{format:?}");
    }
}

#[test]
fn unknown_files_are_not_guessed() {
    assert_eq!(Format::detect("notes.json", b"{\"a\": 1}"), None);
    assert_eq!(Format::detect("clip.mp4", b"\0\0\0"), None);
    assert_eq!(
        Format::detect("x.EAF", b"<ANNOTATION_DOCUMENT"),
        Some(Format::Elan)
    );
}

#[test]
fn export_names_follow_the_project() {
    let mut project = sample_project();
    project.name = "my study / day 1".into();
    let out = export(
        &project,
        Format::Csv,
        None,
        &labels::ma52(),
        Include::GroundTruth,
    )
    .unwrap();
    assert_eq!(out.files[0].name, "my_study___day_1.csv");
}
