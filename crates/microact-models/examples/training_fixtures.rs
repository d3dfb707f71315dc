//! Makes the small training fixtures (`tests/fixtures/training/`) from real data, and converts
//! JHMDB's DD-Net pickles into a PYSKL pose pickle for `microact-train --dataset pyskl`.
//!
//! ```text
//! # JHMDB split 1 (all classes, all clips) as a PYSKL pickle, with its class list
//! cargo run -p microact-models --features train --example training_fixtures -- \
//!     pyskl ../shared/datasets/jhmdb_ddnet 1 /tmp/jhmdb_pyskl.pkl
//! # the committed fixture: five classes, the first 10 training and 4 test clips of each
//! cargo run -p microact-models --features train --example training_fixtures -- \
//!     pyskl ../shared/datasets/jhmdb_ddnet 1 tests/fixtures/training/jhmdb5_pyskl.pkl \
//!     clap,golf,pullup,run,sit 10 4
//! # the hand-labelled teach projects, bouts cut into 1.2 s segments, poses only inside them
//! cargo run -p microact-models --features train --example training_fixtures -- \
//!     projects tests/fixtures/training/projects tests/fixtures/teach/*.microact.json
//! ```

use std::path::{Path, PathBuf};

use microact_core::formats::mmaction::pickle::{self, Value};
use microact_core::formats::native;
use microact_core::formats::truth::is_ground_truth;
use microact_core::labels::{LabelRef, flat_set};
use microact_core::model::{PoseFrame, Project, Segment, SegmentId};
use microact_models::action::datasets::{self, Sample};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("pyskl") if args.len() >= 4 => pyskl(&args[1..]),
        Some("projects") if args.len() >= 3 => projects(Path::new(&args[1]), &args[2..]),
        _ => Err("usage: training_fixtures pyskl DIR SPLIT OUT.pkl [CLASSES TRAIN TEST] | projects OUT_DIR PROJECT…".into()),
    };
    if let Err(message) = result {
        eprintln!("error: {message}");
        std::process::exit(1);
    }
}

/// DD-Net's `GT_{train,test}_{split}.pkl` as one PYSKL pickle: `split` {`train{s}`, `test{s}`},
/// keypoints `[1, T, 15, 2]` in DD-Net's coordinates, scores 1; the class names beside it
/// (`OUT.classes.txt`, one a line, label order).
fn pyskl(args: &[String]) -> Result<(), String> {
    let (dir, split, out) = (Path::new(&args[0]), &args[1], PathBuf::from(&args[2]));
    let split_number: u8 = split
        .parse()
        .map_err(|_| format!("split `{split}` is not 1–3"))?;
    let data = datasets::jhmdb(dir, split_number).map_err(|e| e.to_string())?;
    let chosen: Vec<String> = match args.get(3) {
        Some(list) => list.split(',').map(str::to_string).collect(),
        None => data.classes.clone(),
    };
    let per_class = |i: usize| -> Result<usize, String> {
        args.get(i).map_or(Ok(usize::MAX), |n| {
            n.parse().map_err(|_| format!("`{n}` is not a count"))
        })
    };
    let (train_n, test_n) = (per_class(4)?, per_class(5)?);
    let mut annotations = Vec::new();
    let mut parts = Vec::new();
    for (part, samples, keep) in [
        ("train", &data.train, train_n),
        ("test", &data.test, test_n),
    ] {
        let mut names = Vec::new();
        for (label, class) in chosen.iter().enumerate() {
            let index = data
                .classes
                .iter()
                .position(|c| c == class)
                .ok_or(format!("no class `{class}`"))?;
            let members = samples.iter().filter(|s| s.label == index).take(keep);
            for (i, sample) in members.enumerate() {
                let name = format!("{class}_{part}{split}_{i:03}");
                annotations.push(annotation(&name, label, sample));
                names.push(Value::Str(name));
            }
        }
        parts.push((Value::Str(format!("{part}{split}")), Value::List(names)));
    }
    let root = Value::Dict(vec![
        (Value::Str("split".into()), Value::Dict(parts)),
        (Value::Str("annotations".into()), Value::List(annotations)),
    ]);
    write(&out, pickle::write(&root))?;
    write(
        &out.with_extension("classes.txt"),
        (chosen.join("\n") + "\n").into_bytes(),
    )
}

fn annotation(name: &str, label: usize, sample: &Sample) -> Value {
    let seq = &sample.seq;
    let (frames, joints) = (seq.frames, seq.joints());
    let str = |s: &str| Value::Str(s.to_string());
    let int = |n: usize| Value::Int(n as i64);
    // JHMDB's frames are 320 × 240.
    let shape = Value::Tuple(vec![int(240), int(320)]);
    Value::Dict(vec![
        (str("frame_dir"), str(name)),
        (str("label"), int(label)),
        (str("img_shape"), shape.clone()),
        (str("original_shape"), shape),
        (str("total_frames"), int(frames)),
        (
            str("keypoint"),
            Value::Array {
                shape: vec![1, frames, joints, 2],
                data: seq.xy.iter().flatten().copied().collect(),
            },
        ),
        (
            str("keypoint_score"),
            Value::Array {
                shape: vec![1, frames, joints],
                data: seq.score.clone(),
            },
        ),
    ])
}

/// Segment pieces of about this long: more clips from each hand-labelled bout.
const PIECE_SECONDS: f64 = 1.2;

/// Each project's ground-truth bouts cut into pieces of [`PIECE_SECONDS`] (a short rest joins
/// the last piece), labelled from one label set of the fixtures' own (`exercise`); pose frames
/// outside segments dropped, keypoints rounded to 0.1 px and scores to 0.01; compact JSON.
fn projects(out: &Path, inputs: &[String]) -> Result<(), String> {
    std::fs::create_dir_all(out).map_err(|e| format!("cannot create {}: {e}", out.display()))?;
    for input in inputs {
        let path = Path::new(input);
        let text = std::fs::read_to_string(path).map_err(|e| format!("{input}: {e}"))?;
        let mut project = native::import(&text).map_err(|e| format!("{input}: {e}"))?;
        let mut names: Vec<String> = Vec::new();
        let mut next = 1;
        for track in &mut project.tracks {
            let fps = f64::from(
                project
                    .videos
                    .iter()
                    .find(|v| v.id == track.video)
                    .map_or(25, |v| v.rate.num() / v.rate.den().max(1)),
            );
            let piece = (PIECE_SECONDS * fps).round() as u64;
            let mut pieces = Vec::new();
            for segment in track.segments.iter().filter(|s| is_ground_truth(s)) {
                let label = segment.label.label.clone();
                if !names.contains(&label) {
                    names.push(label.clone());
                }
                let mut start = segment.start;
                while start < segment.end {
                    let end = match start + piece {
                        end if end + piece / 2 > segment.end => segment.end,
                        end => end,
                    };
                    pieces.push(Segment {
                        id: SegmentId(next),
                        start,
                        end,
                        label: LabelRef::new("exercise", &label),
                        ..segment.clone()
                    });
                    next += 1;
                    start = end;
                }
            }
            track.segments = pieces;
        }
        let labels: Vec<&str> = names.iter().map(String::as_str).collect();
        project.label_sets = vec![flat_set("exercise", "Exercises", &labels)];
        keep_labelled_poses(&mut project);
        let compact: serde_json::Value =
            serde_json::from_str(&native::export(&project)).map_err(|e| e.to_string())?;
        let file = path.file_name().ok_or(format!("{input}: no file name"))?;
        write(&out.join(file), compact.to_string().into_bytes())?;
    }
    Ok(())
}

fn keep_labelled_poses(project: &mut Project) {
    let round = |v: f32, step: f32| (v / step).round() * step;
    let spans: Vec<(u32, u32, u64, u64)> = project
        .tracks
        .iter()
        .flat_map(|t| {
            t.segments
                .iter()
                .map(move |s| (t.video.0, t.meta.person, s.start, s.end))
        })
        .collect();
    for pose in &mut project.poses {
        pose.confidence = None;
        pose.frames.retain(|f| {
            spans.iter().any(|&(video, person, start, end)| {
                video == pose.video.0 && person == pose.person && start <= f.frame && f.frame < end
            })
        });
        for PoseFrame { keypoints, .. } in &mut pose.frames {
            for [x, y, s] in keypoints.iter_mut() {
                (*x, *y, *s) = (round(*x, 0.1), round(*y, 0.1), round(*s, 0.01));
            }
        }
    }
}

fn write(path: &Path, bytes: Vec<u8>) -> Result<(), String> {
    std::fs::write(path, bytes).map_err(|e| format!("cannot write {}: {e}", path.display()))
}
