//! Property tests of edits and history: any sequence of edits followed by as many undos gives back
//! the original project; redoing them all gives back the edited one.

use microact_core::edit::{Edit, History};
use microact_core::labels;
use microact_core::model::{
    LabelRef, NormRect, Project, Segment, SegmentId, Source, Status, TrackMeta,
};
use microact_core::sample::{self, sample_project};
use proptest::prelude::*;

/// An edit described by numbers, turned into a concrete [`Edit`] against whatever the project
/// holds at that moment (indices wrap around what exists).
#[derive(Clone, Debug)]
enum Intent {
    Add {
        track: usize,
        start: u64,
        len: u64,
        label: usize,
        score: Option<u8>,
    },
    Span {
        segment: usize,
        start: u64,
        len: u64,
    },
    Relabel {
        segment: usize,
        label: usize,
    },
    Split {
        segment: usize,
        at: u64,
    },
    Merge {
        a: usize,
        b: usize,
    },
    Delete {
        segment: usize,
    },
    Status {
        segment: usize,
        status: u8,
    },
    AcceptAbove {
        threshold: u8,
    },
    AddTrack,
    DeleteTrack {
        track: usize,
    },
    Describe {
        track: usize,
        text: String,
        exclusive: bool,
    },
    SetBox {
        track: usize,
        frame: u64,
        clear: bool,
    },
    Note {
        segment: usize,
        text: Option<String>,
    },
    MoveToTrack {
        segment: usize,
        track: usize,
    },
    LabelSet {
        drop_unused: bool,
    },
    RemoveVideo,
    /// The clip measured again: another rate and size for the first video.
    Retime {
        fps: u32,
        frames: u64,
    },
    Rename {
        name: String,
    },
}

fn intent() -> impl Strategy<Value = Intent> {
    prop_oneof![
        (
            0..4usize,
            0..320u64,
            0..60u64,
            0..60usize,
            proptest::option::of(0..100u8)
        )
            .prop_map(|(track, start, len, label, score)| Intent::Add {
                track,
                start,
                len,
                label,
                score
            }),
        (0..50usize, 0..320u64, 0..60u64).prop_map(|(segment, start, len)| Intent::Span {
            segment,
            start,
            len
        }),
        (0..50usize, 0..60usize).prop_map(|(segment, label)| Intent::Relabel { segment, label }),
        (0..50usize, 0..300u64).prop_map(|(segment, at)| Intent::Split { segment, at }),
        (0..50usize, 0..50usize).prop_map(|(a, b)| Intent::Merge { a, b }),
        (0..50usize).prop_map(|segment| Intent::Delete { segment }),
        (0..50usize, 0..3u8).prop_map(|(segment, status)| Intent::Status { segment, status }),
        (0..100u8).prop_map(|threshold| Intent::AcceptAbove { threshold }),
        Just(Intent::AddTrack),
        (0..4usize).prop_map(|track| Intent::DeleteTrack { track }),
        (0..4usize, "[a-z ]{0,12}", any::<bool>()).prop_map(|(track, text, exclusive)| {
            Intent::Describe {
                track,
                text,
                exclusive,
            }
        }),
        (0..4usize, 0..10u64, any::<bool>()).prop_map(|(track, k, clear)| Intent::SetBox {
            track,
            frame: k * 15,
            clear
        }),
        (0..50usize, proptest::option::of("[a-z]{0,6}"))
            .prop_map(|(segment, text)| Intent::Note { segment, text }),
        (0..50usize, 0..4usize).prop_map(|(segment, track)| Intent::MoveToTrack { segment, track }),
        any::<bool>().prop_map(|drop_unused| Intent::LabelSet { drop_unused }),
        Just(Intent::RemoveVideo),
        (1..120u32, 1..400u64).prop_map(|(fps, frames)| Intent::Retime { fps, frames }),
        "[a-z]{1,8}".prop_map(|name| Intent::Rename { name }),
    ]
}

fn nth_segment(project: &Project, i: usize) -> Option<SegmentId> {
    let count = project.segments().count();
    (count > 0)
        .then(|| project.segments().nth(i % count).map(|(_, s)| s.id))
        .flatten()
}

fn label(i: usize) -> LabelRef {
    let set = labels::ma52();
    let leaves: Vec<_> = set.leaves().collect();
    LabelRef::new("ma52", leaves[i % leaves.len()].id.clone())
}

fn realise(project: &Project, intent: &Intent) -> Option<Edit> {
    let track = |i: usize| {
        (!project.tracks.is_empty()).then(|| project.tracks[i % project.tracks.len()].id)
    };
    let edit = match intent.clone() {
        Intent::Add {
            track: t,
            start,
            len,
            label: l,
            score,
        } => Edit::PutSegment {
            track: track(t)?,
            segment: Segment {
                id: project.next_segment_id(),
                start,
                end: start + len,
                label: label(l),
                note: None,
                attributes: Default::default(),
                source: match score {
                    Some(s) => Source::Model {
                        name: "m".into(),
                        version: "1".into(),
                        score: s as f32 / 100.0,
                    },
                    None => Source::Human {
                        annotator: "ann".into(),
                    },
                },
                status: if score.is_some() {
                    Status::Proposed
                } else {
                    Status::Accepted
                },
            },
        },
        Intent::Span {
            segment,
            start,
            len,
        } => Edit::set_span(project, nth_segment(project, segment)?, start, start + len).ok()?,
        Intent::Relabel { segment, label: l } => {
            Edit::relabel(project, nth_segment(project, segment)?, label(l)).ok()?
        }
        Intent::Split { segment, at } => {
            Edit::split(project, nth_segment(project, segment)?, at).ok()?
        }
        Intent::Merge { a, b } => {
            Edit::merge(project, nth_segment(project, a)?, nth_segment(project, b)?).ok()?
        }
        Intent::Delete { segment } => {
            Edit::delete_segments(project, &[nth_segment(project, segment)?]).ok()?
        }
        Intent::Status { segment, status } => {
            let status =
                [Status::Proposed, Status::Accepted, Status::Rejected][status as usize % 3];
            Edit::set_status(project, &[nth_segment(project, segment)?], status).ok()?
        }
        Intent::AcceptAbove { threshold } => {
            Edit::accept_above(project, None, threshold as f32 / 100.0)
        }
        Intent::AddTrack => Edit::add_track(project, project.videos.first()?.id, "Someone"),
        Intent::DeleteTrack { track: t } => Edit::RemoveTrack { id: track(t)? },
        Intent::Describe {
            track: t,
            text,
            exclusive,
        } => {
            let id = track(t)?;
            let old = project.track(id)?.meta.clone();
            Edit::SetTrackMeta {
                track: id,
                meta: TrackMeta {
                    description: Some(text),
                    exclusive,
                    ..old
                },
            }
        }
        Intent::SetBox {
            track: t,
            frame,
            clear,
        } => Edit::SetBox {
            track: track(t)?,
            frame,
            rect: (!clear).then_some(NormRect {
                x1: 0.1,
                y1: 0.1,
                x2: 0.5,
                y2: 0.9,
            }),
        },
        Intent::Note { segment, text } => {
            Edit::set_note(project, nth_segment(project, segment)?, text).ok()?
        }
        Intent::MoveToTrack { segment, track: t } => {
            Edit::move_to_track(project, nth_segment(project, segment)?, track(t)?).ok()?
        }
        Intent::LabelSet { drop_unused } => {
            // Edit the label set: recolour, or drop its last action (refused while in use).
            let mut set = project.label_set("ma52")?.clone();
            if drop_unused {
                set.labels.pop();
            } else {
                set.labels[0].color = "#123456".into();
            }
            Edit::PutLabelSet { index: 0, set }
        }
        Intent::RemoveVideo => Edit::remove_video(project, project.videos.first()?.id),
        Intent::Rename { name } => Edit::RenameProject { name },
        Intent::Retime { fps, frames } => {
            let mut video = project.videos.first()?.clone();
            video.rate = microact_core::time::FrameRate::new(fps, 1).ok()?;
            video.frames = frames;
            video.width += 2;
            Edit::SetVideo { video }
        }
    };
    Some(edit)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn undo_all_restores_and_redo_all_replays(intents in proptest::collection::vec(intent(), 1..40)) {
        let original = sample_project();
        let mut project = original.clone();
        let mut history = History::default();
        let mut applied = 0;
        for intent in &intents {
            let Some(edit) = realise(&project, intent) else { continue };
            let before = project.clone();
            match history.apply(&mut project, "edit", edit) {
                Ok(()) => applied += 1,
                Err(_) => prop_assert_eq!(&project, &before, "a refused edit changes nothing"),
            }
            prop_assert!(project.validate().is_empty(), "edits keep the project valid: {:?}", project.validate());
        }
        let edited = project.clone();
        for _ in 0..applied {
            prop_assert!(history.undo(&mut project));
        }
        prop_assert!(!history.undo(&mut project));
        prop_assert_eq!(&project, &original);
        for _ in 0..applied {
            prop_assert!(history.redo(&mut project));
        }
        prop_assert_eq!(&project, &edited);
    }

    #[test]
    fn a_gesture_is_one_undo_step(moves in proptest::collection::vec((0..250u64, 1..50u64), 1..30)) {
        let original = sample_project();
        let mut project = original.clone();
        let mut history = History::default();
        let id = SegmentId(3);
        for (start, len) in moves {
            let edit = Edit::set_span(&project, id, start, start + len).map_err(|e| TestCaseError::fail(e.to_string()))?;
            let _ = history.apply_in_group(&mut project, "move segment", edit, 7);
        }
        history.seal();
        let moved = project.clone();
        prop_assert!(history.undo(&mut project));
        prop_assert_eq!(&project, &original);
        prop_assert!(!history.undo(&mut project));
        prop_assert!(history.redo(&mut project));
        prop_assert_eq!(&project, &moved);
    }
}

#[test]
fn a_new_edit_clears_redo_and_names_steps() {
    let mut project = sample_project();
    let mut history = History::default();
    let edit = Edit::split(&project, SegmentId(0), 20).unwrap();
    history.apply(&mut project, "split segment", edit).unwrap();
    assert_eq!(history.undo_name(), Some("split segment"));
    assert_eq!(project.tracks[0].segments.len(), 4);
    assert!(history.undo(&mut project));
    assert_eq!(history.redo_name(), Some("split segment"));
    history
        .apply(
            &mut project,
            "rename",
            Edit::RenameProject { name: "x".into() },
        )
        .unwrap();
    assert_eq!(history.redo_name(), None);
}

#[test]
fn refused_edits_explain_themselves() {
    let project = sample_project();
    let mut copy = project.clone();
    let overlap = Edit::set_span(&project, SegmentId(1), 30, 100)
        .unwrap()
        .apply(&mut copy)
        .unwrap_err();
    assert_eq!(
        overlap.to_string(),
        "track \"Person 1\" does not allow overlaps: frames 30..100 overlap segment SegmentId(0)"
    );
    let past = Edit::set_span(&project, SegmentId(1), 290, 310)
        .unwrap()
        .apply(&mut copy)
        .unwrap_err();
    assert_eq!(
        past.to_string(),
        "the segment ends at frame 310, past the end of walk.webm (300 frames)"
    );
    let mut set = project.label_set("ma52").unwrap().clone();
    set.labels.retain(|l| l.id != "nodding");
    let in_use = Edit::PutLabelSet { index: 0, set }
        .apply(&mut copy)
        .unwrap_err();
    assert_eq!(
        in_use.to_string(),
        "label \"nodding\" of set \"ma52\" is still used by 1 segment(s)"
    );
    let mut shorter = project.videos[0].clone();
    shorter.frames = 40;
    let cut = Edit::SetVideo { video: shorter }
        .apply(&mut copy)
        .unwrap_err();
    let end = project.latest_end(project.videos[0].id);
    assert_eq!(
        cut.to_string(),
        format!("the segment ends at frame {end}, past the end of walk.webm (40 frames)")
    );
    assert_eq!(copy, project);
}

#[test]
fn new_proposals_replace_the_models_undecided_ones_and_never_touch_the_rest() {
    let mut original = sample_project();
    original.tracks[0].meta.exclusive = false;
    let proposal = |start, end| sample::proposal("ddnet-penn", start, end, 0.7);
    let track = original.tracks[0].id;
    let fresh = vec![proposal(30, 60), proposal(95, 110), proposal(100, 130)];

    let (edit, left_out) =
        Edit::replace_proposals(&original, track, "ddnet-penn", fresh.clone()).unwrap();
    assert_eq!(left_out, 0);
    let mut project = original.clone();
    let mut history = History::default();
    history.apply(&mut project, "analyse", edit).unwrap();
    let spans = |p: &Project| -> Vec<(u64, u64, Status)> {
        p.tracks[0]
            .segments
            .iter()
            .map(|s| (s.start, s.end, s.status))
            .collect()
    };
    // The old proposal at 120..150 is gone; the human ones stay; the new ones come in proposed.
    assert_eq!(
        spans(&project),
        vec![
            (0, 45, Status::Accepted),
            (30, 60, Status::Proposed),
            (45, 90, Status::Accepted),
            (95, 110, Status::Proposed),
            (100, 130, Status::Proposed),
        ]
    );
    let ids: std::collections::BTreeSet<u64> = project.segments().map(|(_, s)| s.id.0).collect();
    assert_eq!(ids.len(), project.segments().count(), "ids stay unique");
    history.undo(&mut project);
    assert_eq!(project, original);

    // An exclusive track keeps out whatever overlaps what stays or came in before it.
    let mut exclusive = original.clone();
    exclusive.tracks[0].meta.exclusive = true;
    let (edit, left_out) = Edit::replace_proposals(&exclusive, track, "ddnet-penn", fresh).unwrap();
    assert_eq!(left_out, 2);
    edit.apply(&mut exclusive).unwrap();
    assert_eq!(
        spans(&exclusive),
        vec![
            (0, 45, Status::Accepted),
            (45, 90, Status::Accepted),
            (95, 110, Status::Proposed)
        ]
    );

    // Another model's proposals and decided ones (the rejected 60..75 of track 1) are not its.
    let (edit, _) =
        Edit::replace_proposals(&original, original.tracks[1].id, "ddnet-penn", vec![]).unwrap();
    assert_eq!(edit, Edit::Batch(vec![]));
}
