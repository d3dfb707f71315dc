//! The hand-labelled real clip that clip analysis is scored against
//! (`tests/fixtures/labelled/`, see its README): a valid project whose segments are all human,
//! on the built-in JHMDB-14 labels, each track with person boxes to pair analysed tracks by.

use microact_core::formats::native;
use microact_core::labels;
use microact_core::model::Source;

#[test]
fn the_labelled_clip_is_a_valid_project_of_human_segments() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/labelled/sports2d_walk.microact.json");
    let text = std::fs::read_to_string(&path).unwrap();
    let project = native::import(&text).unwrap();
    assert_eq!(project.validate(), vec![]);
    let builtin = labels::jhmdb14();
    let set = project.label_set("jhmdb14").unwrap();
    let ids = |s: &labels::LabelSet| s.labels.iter().map(|l| l.id.clone()).collect::<Vec<_>>();
    assert_eq!(
        ids(set),
        ids(&builtin),
        "the recognizer's classes, in its order"
    );
    assert_eq!(project.tracks.len(), 2);
    for track in &project.tracks {
        assert!(
            track.boxes.len() >= 3,
            "{}: boxes to pair by",
            track.meta.name
        );
        assert!(!track.segments.is_empty());
        for s in &track.segments {
            assert!(matches!(s.source, Source::Human { .. }));
            assert!(s.end <= project.videos[0].frames && s.start < s.end);
        }
    }
}
