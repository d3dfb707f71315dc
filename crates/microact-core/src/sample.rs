//! Small, fully populated projects for tests, benchmarks and fuzz seeds.

use std::collections::BTreeMap;

use crate::labels;
use crate::model::{
    Annotator, KeyBox, LabelRef, NormRect, PoseFrame, PoseTrack, Project, Segment, SegmentId,
    Source, Status, Track, TrackId, Video, VideoId,
};
use crate::time::FrameRate;

/// One 10 s, 30 fps video with two people: every kind of field the model has is filled in.
pub fn sample_project() -> Project {
    let rate = FrameRate::new(30, 1).unwrap_or(FrameRate::from_fps(30.0));
    let video = Video {
        id: VideoId(0),
        name: "walk.webm".into(),
        rate,
        frames: 300,
        width: 640,
        height: 360,
        hash: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08".into(),
        bytes: 123_456,
        rate_unknown: false,
    };
    let mut first = Track::new(TrackId(0), VideoId(0), "Person 1");
    first.meta.description = Some("the woman in the green shirt on the left".into());
    first.meta.exclusive = true;
    first.boxes.push(KeyBox {
        frame: 30,
        rect: NormRect {
            x1: 0.1,
            y1: 0.2,
            x2: 0.4,
            y2: 0.95,
        },
    });
    let ma52 = |label: &str| LabelRef::new("ma52", label);
    let human = || Source::Human {
        annotator: "ann".into(),
    };
    first.segments = vec![
        segment(0, 0, 45, ma52("nodding"), human(), Status::Accepted),
        segment(1, 45, 90, ma52("shaking head"), human(), Status::Accepted),
        segment(2, 120, 150, ma52("waving"), model(0.87), Status::Proposed),
    ];
    first.segments[1].note = Some("slow, \"twice\", then stops".into());
    first.segments[1]
        .attributes
        .insert("intensity".into(), "low".into());
    let mut second = Track::new(TrackId(1), VideoId(0), "Person 2");
    second.meta.person = 1;
    second.segments = vec![
        segment(3, 10, 200, ma52("crossing arms"), human(), Status::Accepted),
        segment(
            4,
            60,
            75,
            ma52("touching nose"),
            model(0.42),
            Status::Rejected,
        ),
    ];
    Project {
        name: "sample".into(),
        videos: vec![video],
        label_sets: vec![labels::ma52(), labels::penn_action()],
        tracks: vec![first, second],
        annotators: vec![Annotator {
            id: "ann".into(),
            name: "Ann Otator".into(),
        }],
        poses: vec![PoseTrack {
            video: VideoId(0),
            person: 0,
            layout: "coco17".into(),
            frames: (0..3)
                .map(|f| PoseFrame {
                    frame: f,
                    keypoints: (0..17)
                        .map(|k| [100.0 + k as f32, 50.0 + f as f32, 0.9])
                        .collect(),
                })
                .collect(),
            confidence: None,
        }],
        taught: Vec::new(),
    }
}

/// The project exports are checked with against each format's own reader: two videos at 29.97
/// and 25 fps, Unicode and markup in names, descriptions and notes, overlapping segments of one
/// label, and model proposals accepted, rejected and left open. Its ground truth is segments 0,
/// 1, 2, 3 and 6 ([`crate::formats::truth`]); 4, 5 and 7 are predictions.
pub fn unusual_project() -> Project {
    let ntsc = FrameRate::new(30000, 1001).unwrap_or(FrameRate::from_fps(29.97));
    let pal = FrameRate::new(25, 1).unwrap_or(FrameRate::from_fps(25.0));
    let video = |id, name: &str, rate, frames, width, height| Video {
        id: VideoId(id),
        name: name.into(),
        rate,
        frames,
        width,
        height,
        hash: String::new(),
        bytes: 0,
        rate_unknown: false,
    };
    let label = |id: &str, name: &str, color: &str| labels::Label {
        id: id.into(),
        name: name.into(),
        parent: None,
        color: color.into(),
        shortcut: None,
    };
    let set = labels::LabelSet {
        id: "gestures".into(),
        name: "Gestures ✓ <mine>".into(),
        labels: vec![
            label("wave", "<wave> & \"hi\"", "#d03939"),
            label("nod", "nod 点头", "#29ae4f"),
        ],
    };
    let gesture = |id: &str| LabelRef::new("gestures", id);
    let human = || Source::Human {
        annotator: "zoë".into(),
    };
    let by_model = |score| Source::Model {
        name: "taught <v2>".into(),
        version: "2026-12-07".into(),
        score,
    };
    let lead = "Person 1 <lead> «ü»";
    let mut first = Track::new(TrackId(0), VideoId(0), lead);
    first.meta.description = Some("the \"tall\" one, <left> & café".into());
    first.boxes = vec![KeyBox {
        frame: 30,
        rect: NormRect {
            x1: 0.1,
            y1: 0.2,
            x2: 0.5,
            y2: 0.9,
        },
    }];
    first.segments = vec![
        segment(0, 30, 90, gesture("wave"), human(), Status::Accepted),
        // Overlaps the first with the same label.
        segment(1, 60, 120, gesture("wave"), human(), Status::Accepted),
        segment(
            2,
            100,
            150,
            gesture("nod"),
            by_model(0.91),
            Status::Accepted,
        ),
        segment(
            4,
            150,
            200,
            gesture("wave"),
            by_model(0.55),
            Status::Rejected,
        ),
        segment(
            5,
            200,
            260,
            gesture("nod"),
            by_model(0.33),
            Status::Proposed,
        ),
    ];
    first.segments[0].note = Some("line 1\nline 2, \"quoted\" <b>&amp;</b>".into());
    let mut second = Track::new(TrackId(1), VideoId(0), "Person 2");
    second.meta.person = 1;
    second.segments = vec![segment(
        3,
        10,
        50,
        LabelRef::new("ma52", "nodding"),
        human(),
        Status::Accepted,
    )];
    let mut third = Track::new(TrackId(2), VideoId(1), lead);
    third.segments = vec![
        // [2 s, 10 s) at 25 fps.
        segment(6, 50, 250, gesture("nod"), human(), Status::Accepted),
        segment(7, 0, 25, gesture("wave"), by_model(0.7), Status::Proposed),
    ];
    Project {
        name: "Unusual «project» <1> & 'two'".into(),
        videos: vec![
            video(0, "Café «ünï» <b> & 'talk'.mp4", ntsc, 300, 1280, 720),
            video(1, "my clip 02.webm", pal, 250, 640, 480),
        ],
        label_sets: vec![set, labels::ma52()],
        tracks: vec![first, second, third],
        annotators: vec![Annotator {
            id: "zoë".into(),
            name: "Zoë <Ü>".into(),
        }],
        poses: Vec::new(),
        taught: Vec::new(),
    }
}

/// A project with one 30 fps video and `n` segments spread over `tracks` tracks, packed
/// end to end with some overlaps, labels cycling through MA-52.
pub fn many_segments(n: usize, tracks: usize) -> Project {
    let mut project = sample_project();
    project.tracks.clear();
    project.poses.clear();
    let set = labels::ma52();
    let leaves: Vec<String> = set.leaves().map(|l| l.id.clone()).collect();
    let per_track = n.div_ceil(tracks.max(1));
    for t in 0..tracks.max(1) {
        let mut track = Track::new(TrackId(t as u32), VideoId(0), format!("Person {}", t + 1));
        track.meta.person = t as u32;
        let mut at = 0;
        for i in 0..per_track.min(n - t * per_track.min(n)) {
            let id = SegmentId((t * per_track + i) as u64);
            let length = 5 + (i * 7919 % 40) as u64;
            let label = LabelRef::new("ma52", leaves[i % leaves.len()].clone());
            let source = if i % 3 == 0 {
                model((i % 100) as f32 / 100.0)
            } else {
                Source::Human {
                    annotator: "ann".into(),
                }
            };
            track.segments.push(segment(
                id.0,
                at,
                at + length,
                label,
                source,
                Status::Proposed,
            ));
            at += length - if i % 4 == 0 { 2 } else { 0 };
        }
        track.sort();
        project.tracks.push(track);
    }
    let end = project.segments().map(|(_, s)| s.end).max().unwrap_or(0);
    project.videos[0].frames = end.max(1);
    project
}

/// A proposal of Penn Action's `squat` by model `model` over `[start, end)`, scoring `score`
/// (id 0: edits give it a fresh one).
pub fn proposal(model: &str, start: u64, end: u64, score: f32) -> Segment {
    segment(
        0,
        start,
        end,
        LabelRef::new("penn_action", "squat"),
        Source::Model {
            name: model.into(),
            version: "1".into(),
            score,
        },
        Status::Proposed,
    )
}

fn model(score: f32) -> Source {
    Source::Model {
        name: "ddnet-penn".into(),
        version: "0.1.0".into(),
        score,
    }
}

fn segment(
    id: u64,
    start: u64,
    end: u64,
    label: LabelRef,
    source: Source,
    status: Status,
) -> Segment {
    Segment {
        id: SegmentId(id),
        start,
        end,
        label,
        note: None,
        attributes: BTreeMap::new(),
        source,
        status,
    }
}

/// A small taught model of two MA-52-like labels, as tests need one.
pub fn taught_model(version: u32) -> crate::taught::TaughtModel {
    crate::taught::TaughtModel {
        version,
        base: crate::taught::Base {
            recognizer: "jhmdb-ddnet".into(),
            sha256: "ab".repeat(32),
            dense: 1,
        },
        window: 32,
        stride: 4,
        dim: 3,
        labels: vec![
            crate::taught::TaughtLabel {
                label: LabelRef::new("mine", "wave"),
                prototype: vec![1.0, 0.0, 0.0],
                examples: 2,
                windows: 9,
                loo_accuracy: Some(1.0),
            },
            crate::taught::TaughtLabel {
                label: LabelRef::new("mine", "clap"),
                prototype: vec![0.0, 0.6, 0.8],
                examples: 1,
                windows: 3,
                loo_accuracy: None,
            },
        ],
        temperature: 0.1,
        unknown_distance: 0.31,
        unknown_quantile: 0.95,
        head: None,
        check: crate::taught::Check {
            accuracy: Some(1.0),
            confusion: vec![vec![2, 0], vec![0, 0]],
            close: vec![],
        },
        teach_ms: 12.5,
    }
}
