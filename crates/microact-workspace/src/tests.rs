//! The workspace's tests: edits, the journal, clips, labels, keys and speeds; `workspace()` is the
//! shared start (a project with a 2 s clip) of the other modules' tests.

use super::*;

pub(crate) fn clip(name: &str) -> OpenedClip {
    OpenedClip {
        name: name.into(),
        bytes: 1000,
        hash: "ab".into(),
        rate: FrameRate::new(30, 1).unwrap(),
        frames: 60,
        width: 640,
        height: 360,
    }
}

fn label(name: &str) -> LabelRef {
    LabelRef::new("ma52", name)
}

/// A new project with a 2 s, 30 fps clip attached.
pub(crate) fn workspace() -> Workspace {
    let mut ws = Workspace::new("test");
    ws.attach(&clip("walk.webm")).unwrap();
    ws
}

#[test]
fn the_journal_replays_every_change_undo_and_redo_included() {
    let mut ws = Workspace::new("test");
    let base = ws.project.clone();
    let mut c = clip("walk.webm");
    c.hash = String::new();
    ws.attach(&c).unwrap();
    ws.set_hash("walk.webm", 1000, "aa").unwrap();
    let track = ws.track.unwrap();
    ws.label = Some(label("nodding"));
    let a = ws.create(track, 5, 20).unwrap();
    ws.create(track, 30, 40).unwrap();
    ws.split_selected(35).unwrap();
    ws.undo().unwrap();
    ws.undo().unwrap();
    ws.redo().unwrap();
    ws.selected = Some(a);
    ws.delete_selected().unwrap();
    let journal = ws.take_journal();
    assert!(!ws.journal_pending());
    assert_eq!(journal.len(), 9, "{journal:?}");
    let mut replayed = base;
    for entry in journal {
        entry.replay(&mut replayed).unwrap();
    }
    assert_eq!(replayed, ws.project);
}

#[test]
fn a_clip_opened_after_an_import_without_a_rate_gets_its_times_exactly() {
    // A CSV without an fps column, imported with no clip open: times in milliseconds.
    let mut ws = Workspace::new("test");
    let csv = "video,label,start_s,end_s\nwalk.webm,nodding,2,10\n";
    let imported = microact_core::formats::table::import(&ws.project, csv).unwrap();
    let edit =
        microact_core::formats::merge(&ws.project, &imported, microact_core::formats::Mode::Merge);
    ws.apply("import", edit).unwrap();
    assert!(ws.project.videos[0].rate_unknown);
    let mut c = clip("walk.webm");
    (c.rate, c.frames, c.bytes) = (FrameRate::new(25, 1).unwrap(), 250, 0);
    ws.attach(&c).unwrap();
    let (_, segment) = ws.project.segments().next().unwrap();
    assert_eq!(
        (segment.start, segment.end),
        (50, 250),
        "[2 s, 10 s) at 25 fps"
    );
    assert!(!ws.project.videos[0].rate_unknown);
    // Undo puts the milliseconds back.
    ws.undo().unwrap();
    assert_eq!(ws.project.segments().next().unwrap().1.start, 2000);
}

#[test]
fn a_read_only_workspace_refuses_every_edit_and_logs_nothing() {
    let mut ws = workspace();
    ws.take_journal();
    let track = ws.track.unwrap();
    ws.label = Some(label("nodding"));
    ws.create(track, 5, 20).unwrap();
    ws.take_journal();
    let before = ws.project.clone();
    ws.set_read_only(Some("open in another tab".into()));
    assert_eq!(ws.create(track, 30, 40).unwrap_err(), "open in another tab");
    assert!(ws.undo().is_none());
    assert!(ws.set_hash("walk.webm", 1000, "ab").is_ok());
    assert_eq!(ws.project, before);
    assert!(!ws.journal_pending());
    ws.set_read_only(None);
    assert!(ws.undo().is_some());
}

#[test]
fn a_new_clip_gets_a_track_and_reopening_it_finds_it() {
    let mut ws = workspace();
    assert_eq!(ws.lanes().len(), 1);
    assert_eq!(ws.lanes()[0].meta.name, "Person 1");
    let first = ws.video;
    ws.attach(&clip("other.webm")).unwrap();
    assert_ne!(ws.video, first);
    assert_eq!(ws.project.videos.len(), 2);
    ws.attach(&clip("walk.webm")).unwrap();
    assert_eq!(ws.video, first);
    assert_eq!(ws.project.videos.len(), 2);
    // The same name with other bytes is another file.
    let mut changed = clip("walk.webm");
    changed.bytes = 5;
    ws.attach(&changed).unwrap();
    assert_eq!(ws.project.videos.len(), 3);
}

#[test]
fn the_hash_is_recorded_once_and_a_different_file_is_named() {
    let mut c = clip("walk.webm");
    c.hash = String::new();
    let mut ws = Workspace::new("t");
    ws.attach(&c).unwrap();
    ws.set_hash("walk.webm", 1000, "aa").unwrap();
    assert_eq!(ws.project.videos[0].hash, "aa");
    // Re-opening without a hash yet keeps the recorded one.
    ws.attach(&c).unwrap();
    assert_eq!(ws.project.videos[0].hash, "aa");
    assert!(ws.set_hash("walk.webm", 1000, "aa").is_ok());
    let err = ws.set_hash("walk.webm", 1000, "bb").unwrap_err();
    assert!(err.contains("not the file"), "{err}");
    assert!(
        ws.set_hash("other.webm", 5, "cc").is_ok(),
        "not in the project: nothing to say"
    );
}

#[test]
fn marking_in_and_out_makes_a_segment_with_the_active_label() {
    let mut ws = workspace();
    ws.mark_in = Some(10);
    assert!(ws.mark_out(20).is_err(), "no label yet");
    ws.choose_label(label("nodding")).unwrap();
    ws.mark_in = Some(20);
    let id = ws.mark_out(10).unwrap();
    let (_, s) = ws.project.segment(id).unwrap();
    assert_eq!((s.start, s.end), (10, 21));
    assert_eq!(s.label, label("nodding"));
    assert_eq!(ws.selected, Some(id));
    // Choosing a label now relabels the selection, as one undo step.
    ws.choose_label(label("waving")).unwrap();
    assert_eq!(ws.project.segment(id).unwrap().1.label, label("waving"));
    assert_eq!(ws.undo().as_deref(), Some("relabel"));
    assert_eq!(ws.project.segment(id).unwrap().1.label, label("nodding"));
}

#[test]
fn split_merge_delete_and_undo_each() {
    let mut ws = workspace();
    ws.choose_label(label("nodding")).unwrap();
    let track = ws.track.unwrap();
    let a = ws.create(track, 0, 30).unwrap();
    ws.split_selected(10).unwrap();
    assert_eq!(ws.lanes()[0].segments.len(), 2);
    ws.selected = Some(a);
    ws.merge_next().unwrap();
    assert_eq!(ws.lanes()[0].segments.len(), 1);
    ws.delete_selected().unwrap();
    assert!(ws.lanes()[0].segments.is_empty());
    assert_eq!(ws.undo().as_deref(), Some("delete segment"));
    assert_eq!(ws.undo().as_deref(), Some("merge"));
    assert_eq!(ws.lanes()[0].segments.len(), 2);
    assert_eq!(ws.undo().as_deref(), Some("split"));
    assert_eq!(ws.undo().as_deref(), Some("add segment"));
    assert!(ws.lanes()[0].segments.is_empty());
    assert!(ws.selected.is_none(), "the selection went with the segment");
    assert_eq!(ws.redo().as_deref(), Some("add segment"));
}

#[test]
fn typing_a_description_is_one_undo_step() {
    let mut ws = workspace();
    let t = ws.track.unwrap();
    for text in ["t", "th", "the man"] {
        ws.set_track_meta(t, |m| m.description = Some(text.into()))
            .unwrap();
    }
    assert_eq!(ws.lanes()[0].meta.description.as_deref(), Some("the man"));
    ws.seal();
    ws.undo();
    assert_eq!(ws.lanes()[0].meta.description, None);
}

#[test]
fn tracks_add_step_and_delete() {
    let mut ws = workspace();
    let second = ws.add_track().unwrap();
    assert_eq!(ws.lanes()[1].meta.name, "Person 2");
    assert_eq!(ws.track, Some(second));
    ws.step_track(-1);
    assert_eq!(ws.track, Some(ws.lanes()[0].id));
    ws.remove_track(second).unwrap();
    assert_eq!(ws.lanes().len(), 1);
    ws.undo();
    assert_eq!(ws.lanes().len(), 2);
}

#[test]
fn the_session_round_trips_through_json() {
    let mut ws = workspace();
    ws.choose_label(label("nodding")).unwrap();
    let t = ws.track.unwrap();
    ws.create(t, 5, 9).unwrap();
    let view = TimeView {
        start: 3.5,
        px_per_frame: 2.0,
    };
    ws.playhead = 7;
    ws.step_speed(false);
    let text = serde_json::to_string(&ws.session(view)).unwrap();
    let saved: Session = serde_json::from_str(&text).unwrap();
    assert_eq!(saved.view, view);
    let back = Workspace::from_session(saved);
    assert_eq!(back.session(view), ws.session(view));
    assert_eq!(back.speed, 0.75);
}

#[test]
fn label_keys_are_the_sets_own_or_digits_over_the_search() {
    let penn = labels::penn_action();
    let all = search_labels(&penn, "");
    let keys = Workspace::label_keys(&penn, &all);
    assert_eq!(keys.len(), 15);
    assert_eq!(
        keys[0],
        ('1', LabelRef::new("penn_action", "baseball_pitch"))
    );
    let ma52 = labels::ma52();
    let found = search_labels(&ma52, "head");
    assert!(
        found.contains(&"nodding".to_string()),
        "path match: head › nodding"
    );
    assert!(
        !found.contains(&"head".to_string()),
        "parents are not labels to apply"
    );
    let keys = Workspace::label_keys(&ma52, &found);
    assert_eq!(keys.len(), 9.min(found.len()));
    assert_eq!(keys[0].0, '1');
    assert_eq!(keys[0].1.label, found[0]);
    assert!(search_labels(&ma52, "zzz").is_empty());
}

#[test]
fn boundaries_and_speeds() {
    let mut ws = workspace();
    ws.choose_label(label("nodding")).unwrap();
    let t = ws.track.unwrap();
    ws.create(t, 5, 9).unwrap();
    assert_eq!(ws.boundary(0, true), Some(5));
    assert_eq!(ws.boundary(5, true), Some(9));
    assert_eq!(ws.boundary(30, false), Some(9));
    ws.speed = 1.0;
    for _ in 0..20 {
        ws.step_speed(true);
    }
    assert_eq!(ws.speed, 4.0);
    for _ in 0..20 {
        ws.step_speed(false);
    }
    assert_eq!(ws.speed, 0.1);
}
