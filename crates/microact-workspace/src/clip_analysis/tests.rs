//! The workspace's side of clip analysis, tested without a browser: analyses taken as one undo
//! step, label sets, accepting above a score, and the people, pose tracks and boxes of a run.

use microact_core::edit::Edit;
use microact_core::labels;
use microact_core::model::{Frame, KeyBox, PoseFrame, PoseTrack, Status, VideoId};
use microact_core::sample;

use super::*;
use crate::Workspace;
use crate::tests::workspace;

fn analysed(ws: &Workspace, spans: &[(u64, u64, f32)]) -> Analysed {
    person(ws, 1, spans)
}

fn person(ws: &Workspace, id: u32, spans: &[(u64, u64, f32)]) -> Analysed {
    Analysed {
        pose: PoseTrack {
            video: ws.video.unwrap(),
            person: id,
            layout: "coco17".into(),
            frames: vec![PoseFrame {
                frame: 0,
                keypoints: vec![[1.0, 2.0, 0.5]; 17],
            }],
            confidence: None,
        },
        model: "penn-ddnet".into(),
        labels: labels::penn_action(),
        proposals: spans
            .iter()
            .map(|&(start, end, score)| sample::proposal("penn-ddnet", start, end, score))
            .collect(),
        boxes: vec![KeyBox {
            frame: 0,
            rect: microact_core::model::NormRect {
                x1: 0.1 * id as f32,
                y1: 0.2,
                x2: 0.1 * id as f32 + 0.1,
                y2: 0.9,
            },
        }],
    }
}

#[test]
fn several_people_get_a_track_each_in_one_step_and_again_the_same_tracks() {
    let mut ws = workspace();
    let before = ws.project.clone();
    let first = ws.lanes()[0].id;
    let people = |ws: &Workspace| {
        vec![
            person(ws, 1, &[(0, 20, 0.9)]),
            person(ws, 2, &[(5, 25, 0.8), (30, 40, 0.7)]),
            person(ws, 4, &[]),
        ]
    };
    let taken = ws.take_analyses(people(&ws)).unwrap();
    let added: Vec<usize> = taken.iter().map(|t| t.added).collect();
    assert_eq!(added, vec![1, 2, 0]);
    // The first person takes the active lane ("Person 1"); the others get new lanes, named
    // with the next free numbers.
    assert_eq!(taken[0].track, first);
    let names: Vec<String> = ws.lanes().iter().map(|t| t.meta.name.clone()).collect();
    assert_eq!(names, vec!["Person 1", "Person 2", "Person 3"]);
    assert_eq!(ws.project.poses.len(), 3);
    for (t, lane) in taken.iter().zip(ws.lanes()) {
        assert_eq!(t.track, lane.id);
        assert_eq!(lane.boxes.len(), 1, "the pose's box");
        assert!(
            ws.project
                .poses
                .iter()
                .any(|p| p.person == lane.meta.person)
        );
    }
    assert_eq!(ws.track, Some(first));

    // Analysed again (a drawn box on frame 0 of the first lane stays): the same lanes.
    let drawn = microact_core::model::NormRect {
        x1: 0.5,
        y1: 0.5,
        x2: 0.6,
        y2: 0.6,
    };
    ws.apply(
        "box",
        Edit::SetBox {
            track: first,
            frame: 0,
            rect: Some(drawn),
        },
    )
    .unwrap();
    let again = ws.take_analyses(people(&ws)).unwrap();
    assert_eq!(again, taken);
    assert_eq!(ws.lanes().len(), 3);
    assert_eq!(ws.lanes()[0].box_at(0), Some(drawn));
    assert_eq!(ws.open_proposals(), 3);
    ws.undo();
    ws.undo();
    ws.undo();
    assert_eq!(ws.project, before);
}

#[test]
fn an_analysis_is_one_undo_step_and_a_second_replaces_the_first() {
    let mut ws = workspace();
    ws.project.label_sets.retain(|s| s.id != "penn_action");
    let before = ws.project.clone();
    let taken = ws
        .take_analysis(analysed(&ws, &[(0, 20, 0.9), (30, 50, 0.4)]))
        .unwrap();
    assert_eq!((taken.added, taken.left_out), (2, 0));
    assert_eq!(ws.project.poses.len(), 1);
    assert_eq!(ws.project.poses[0].person, ws.lanes()[0].meta.person);
    assert!(ws.project.label_set("penn_action").is_some());
    assert_eq!(ws.open_proposals(), 2);

    assert_eq!(ws.accept_above(0.5), Ok(1));
    assert_eq!(ws.open_proposals(), 1);
    // The accepted one stays when the model proposes again.
    ws.take_analysis(analysed(&ws, &[(40, 59, 0.6)])).unwrap();
    let spans: Vec<(u64, u64, Status)> = ws.lanes()[0]
        .segments
        .iter()
        .map(|s| (s.start, s.end, s.status))
        .collect();
    assert_eq!(
        spans,
        vec![(0, 20, Status::Accepted), (40, 59, Status::Proposed)]
    );
    ws.undo();
    ws.undo();
    ws.undo();
    assert_eq!(ws.project, before);
    assert!(ws.accept_above(0.5).is_err(), "nothing to accept");
}

#[test]
fn a_models_classes_become_a_label_set_once() {
    let mut ws = workspace();
    ws.project.label_sets.retain(|s| s.id != "jhmdb14");
    assert_eq!(ws.add_label_set(labels::jhmdb14()), Ok(true));
    assert_eq!(ws.add_label_set(labels::jhmdb14()), Ok(false));
    assert_eq!(ws.undo().as_deref(), Some("add label set"));
    assert!(ws.project.label_set("jhmdb14").is_none());
}

#[test]
fn a_label_set_without_the_classes_is_refused_and_nothing_changes() {
    let mut ws = workspace();
    let set = ws
        .project
        .label_sets
        .iter_mut()
        .find(|s| s.id == "penn_action")
        .unwrap();
    set.labels.retain(|l| l.id != "squat");
    let before = ws.project.clone();
    let why = ws
        .take_analysis(analysed(&ws, &[(0, 20, 0.9)]))
        .unwrap_err();
    assert!(why.contains("squat"), "{why}");
    assert_eq!(ws.project, before);
}

fn seen(id: u32, x: f32, bbox: Option<[f32; 4]>) -> Seen {
    let mut keypoints = vec![[x, 50.0, 0.9]; 17];
    keypoints[16] = [x + 20.0, 150.0, 0.9];
    keypoints[0] = [0.0, 0.0, 0.1]; // not sure: no part of the box
    Seen {
        id,
        keypoints,
        bbox,
    }
}

#[test]
fn people_seen_often_enough_most_seen_first_with_their_frames_and_boxes() {
    let frames = vec![
        vec![seen(2, 100.0, None)],
        vec![
            seen(2, 100.0, None),
            seen(1, 10.0, Some([5.0, 20.0, 40.0, 180.0])),
        ],
        vec![],
        vec![
            seen(1, 10.0, None),
            seen(2, 110.0, None),
            seen(3, 0.0, None),
        ],
    ];
    assert_eq!(people(&frames, 2), vec![2, 1]);
    assert_eq!(people(&frames, 1), vec![2, 1, 3]);
    assert_eq!(people(&frames, 4), Vec::<u32>::new());

    let track = pose_track(VideoId(7), 1, &frames);
    assert_eq!((track.video, track.person), (VideoId(7), 1));
    let at: Vec<Frame> = track.frames.iter().map(|f| f.frame).collect();
    assert_eq!(at, vec![1, 3]);

    // Every 2 frames where seen: 0, then 3 (2 has nobody).
    let boxes = person_boxes(&frames, 2, 2, 200.0, 200.0);
    let at: Vec<Frame> = boxes.iter().map(|b| b.frame).collect();
    assert_eq!(at, vec![0, 3]);
    // From the sure keypoints (x 100..120, y 50..150), padded 15 % and 10 %.
    let r = boxes[0].rect;
    assert!(
        (r.x1 - 97.0 / 200.0).abs() < 1e-6 && (r.x2 - 123.0 / 200.0).abs() < 1e-6,
        "{r:?}"
    );
    assert!(
        (r.y1 - 40.0 / 200.0).abs() < 1e-6 && (r.y2 - 160.0 / 200.0).abs() < 1e-6,
        "{r:?}"
    );
    // The model's box when it gives one.
    let r = person_boxes(&frames, 1, 30, 200.0, 200.0)[0].rect;
    assert_eq!((r.x1, r.y1, r.x2, r.y2), (0.025, 0.1, 0.2, 0.9));
    // Nobody sure of anything: no box.
    let unsure = Seen {
        id: 9,
        keypoints: vec![[1.0, 1.0, 0.0]; 17],
        bbox: None,
    };
    assert!(person_boxes(&[vec![unsure]], 9, 1, 10.0, 10.0).is_empty());
}
