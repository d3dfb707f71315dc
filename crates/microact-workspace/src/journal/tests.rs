//! Snapshots, the log and recovery on real edits of the sample project.

use super::*;
use microact_core::edit::Edit;
use microact_core::model::TrackId;
use microact_core::sample;

fn project() -> Project {
    sample::sample_project()
}

/// A log of real edits on the sample project, and the project after each.
fn edits(base: &Project, n: usize) -> (Vec<(u64, Sealed)>, Vec<Project>) {
    let mut project = base.clone();
    let mut log = Vec::new();
    let mut states = Vec::new();
    let track = project.tracks[0].id;
    for i in 0..n {
        let entry = if i % 3 == 2 {
            // An undo or redo is logged as the history applies it, unchecked.
            Entry::Restore(Edit::RenameProject {
                name: format!("undone {i}"),
            })
        } else {
            let id = project.next_segment_id();
            let start = 150 + 4 * i as u64;
            let mut segment = project.tracks[0].segments[0].clone();
            segment.id = id;
            segment.start = start;
            segment.end = start + 2;
            Entry::Apply(Edit::PutSegment { track, segment })
        };
        entry.clone().replay(&mut project).expect("applies");
        log.push((i as u64 + 1, Sealed::new(&entry).expect("serialises")));
        states.push(project.clone());
    }
    (log, states)
}

fn long_project() -> Project {
    sample::many_segments(3 * CHUNK + 7, 2)
}

#[test]
fn snapshot_parts_read_back_as_the_project() {
    let mut p = long_project();
    let before = p.clone();
    let snap = Snapshot::of(&mut p, 7).expect("writes");
    assert_eq!(p, before, "writing puts everything back");
    // head + three chunks of track 0 + the other tracks' chunks + poses
    assert!(snap.parts.len() >= 4, "{} parts", snap.parts.len());
    assert_eq!(snap.read().expect("reads"), before);
}

#[test]
fn snapshot_then_log_replays_to_the_last_state() {
    let mut base = project();
    let snap = Snapshot::of(&mut base, 0).expect("writes");
    let (log, states) = edits(&base, 30);
    let got = recover(vec![snap], log).expect("recovers");
    assert_eq!(got.seq, 30);
    assert_eq!(got.project, states[29]);
    assert!(!got.damaged(), "{:?}", got.problems);
    assert_eq!(got.dropped, 0);
}

#[test]
fn a_newer_snapshot_skips_the_edits_it_holds() {
    let mut base = project();
    let first = Snapshot::of(&mut base, 0).expect("writes");
    let (log, states) = edits(&base, 20);
    let mut at_12 = states[11].clone();
    let second = Snapshot::of(&mut at_12, 12).expect("writes");
    let got = recover(vec![first, second], log).expect("recovers");
    assert_eq!((got.seq, &got.project), (20, &states[19]));
    assert!(!got.damaged());
}

#[test]
fn a_truncated_log_loads_up_to_the_last_good_edit() {
    let mut base = project();
    let snap = Snapshot::of(&mut base, 0).expect("writes");
    let (mut log, states) = edits(&base, 10);
    let half = log[6].1.text.len() / 2;
    log[6].1.text.truncate(half);
    let got = recover(vec![snap.clone()], log.clone()).expect("recovers");
    assert_eq!((got.seq, &got.project, got.dropped), (6, &states[5], 4));
    assert!(got.problems[0].contains("edit 7"), "{:?}", got.problems);

    // A missing entry: everything after it is left out and said.
    log.remove(6);
    let got = recover(vec![snap], log).expect("recovers");
    assert_eq!((got.seq, got.dropped), (6, 3));
    assert_eq!(got.problems, vec!["edit 7 is missing".to_string()]);
}

#[test]
fn a_forged_entry_that_does_not_apply_stops_the_replay() {
    let mut base = project();
    let snap = Snapshot::of(&mut base, 0).expect("writes");
    let (mut log, states) = edits(&base, 4);
    // Valid JSON and checksum, but its track does not exist.
    let bad = Entry::Apply(Edit::RemoveTrack { id: TrackId(999) });
    log[2].1 = Sealed::new(&bad).expect("serialises");
    let got = recover(vec![snap], log).expect("recovers");
    assert_eq!((got.seq, &got.project), (2, &states[1]));
    assert!(
        got.problems[0].contains("does not apply"),
        "{:?}",
        got.problems
    );
}

#[test]
fn a_corrupted_snapshot_falls_back_to_the_older_one_and_loses_nothing() {
    let mut base = project();
    let first = Snapshot::of(&mut base, 0).expect("writes");
    let (log, states) = edits(&base, 20);
    let mut at_12 = states[11].clone();
    let mut second = Snapshot::of(&mut at_12, 12).expect("writes");
    second.parts[0] = second.parts[0].replacen("\"name\"", "\"nome\"", 1);
    let got = recover(vec![second, first.clone()], log).expect("recovers");
    assert_eq!((got.seq, &got.project, got.dropped), (20, &states[19], 0));
    assert_eq!(got.problems.len(), 1);
    assert!(
        got.problems[0].contains("snapshot after edit 12"),
        "{:?}",
        got.problems
    );

    let mut only = first;
    only.parts[0].push('x');
    assert!(recover(vec![only], Vec::new()).is_err());
}

#[test]
fn compaction_follows_the_log_not_the_project() {
    assert!(!should_compact(10, 10_000, 50_000_000));
    assert!(should_compact(1_000, 10_000, 50_000_000));
    assert!(should_compact(10, 300 * 1024, 1_000));
    assert!(!should_compact(10, 200 * 1024, 1_000));
}

fn records(snapshots: Vec<Snapshot>, log: Vec<(u64, Sealed)>) -> Records {
    Records {
        name: Some("stored".into()),
        snapshots,
        log,
        ..Records::default()
    }
}

#[test]
fn a_stored_project_opens_where_it_was_left_and_a_damaged_one_is_stored_afresh() {
    let mut base = project();
    let snap = Snapshot::of(&mut base, 0).expect("writes");
    let (mut log, states) = edits(&base, 5);
    let got = restore(records(vec![snap.clone()], log.clone()))
        .expect("restores")
        .expect("a project");
    assert_eq!((got.seq, &got.session.project), (5, &states[4]));
    assert!(!got.rewrite);

    log[3].1.sum.clear();
    let mut damaged = records(vec![snap], log);
    damaged
        .unreadable
        .push("a snapshot record is not a snapshot".into());
    let got = restore(damaged).expect("restores").expect("a project");
    assert_eq!((got.seq, got.dropped, got.problems.len()), (3, 2, 2));
    assert!(got.rewrite);
}

#[test]
fn no_project_an_earlier_versions_session_and_nothing_readable() {
    assert!(restore(Records::default()).expect("reads").is_none());

    let session = crate::Session {
        project: project(),
        focus: Focus::default(),
        view: Default::default(),
        playhead: 0,
    };
    let legacy = Records {
        name: Some("old".into()),
        legacy: Some(serde_json::to_string(&session).expect("serialises")),
        ..Records::default()
    };
    let got = restore(legacy).expect("reads").expect("a project");
    assert_eq!(
        (&got.session.project, got.rewrite),
        (&session.project, true)
    );

    let none = restore(records(Vec::new(), Vec::new())).expect_err("nothing to read");
    assert_eq!(
        none.to_string(),
        "the stored project could not be read: no snapshot is stored"
    );
}
