//! The command-line tool's library on the real fixture clips: one clip analysed into the
//! project the page would make, and a batch with a missing and a corrupt clip, rerun and
//! resumed.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use microact_cli::{
    Analyser, Format, Options, Outcome, People, Recognizer, Report, analyse_all, output_name,
};
use microact_core::formats::native;
use microact_core::model::{Source, Status};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures")
        .join(name)
}

fn options(people: People) -> Options {
    Options {
        people,
        recognizer: Recognizer::Shipped("penn-ddnet".into()),
        ..Options::default()
    }
}

#[test]
fn one_clip_becomes_the_project_the_page_would_make() {
    let mut analyser = Analyser::new(&options(People::One)).unwrap();
    let analysis = analyser.analyse(&fixture("walk-2s.mp4")).unwrap();
    let project = &analysis.project;
    assert_eq!(analysis.stats.frames, 60);
    assert_eq!(analysis.stats.people, 1);
    let video = &project.videos[0];
    assert_eq!((video.name.as_str(), video.frames), ("walk-2s.mp4", 60));
    assert_eq!((video.width, video.height), (640, 360));
    assert_eq!(video.hash, analysis.content_sha256);
    // The walker's track: her pose on (nearly) every frame, the recognizer's confidence, boxes
    // about one a second and the recognizer's proposals in Penn Action's labels.
    let track = &project.tracks[0];
    let pose = project.pose_of(track).unwrap();
    assert!(
        pose.frames.len() >= 55,
        "{} posed frames",
        pose.frames.len()
    );
    assert_eq!(pose.confidence.as_ref().unwrap().model, "penn-ddnet");
    assert!(track.boxes.len() >= 2);
    assert!(!track.segments.is_empty());
    for s in &track.segments {
        assert_eq!(s.status, Status::Proposed);
        assert_eq!(s.label.set, "penn_action");
        assert!(matches!(&s.source, Source::Model { name, .. } if name == "penn-ddnet"));
    }
    // What the page imports as is.
    let back = native::import(&analysis.native_json()).unwrap();
    assert_eq!(&back, project);
}

#[test]
fn everyone_gets_a_track_each() {
    let mut analyser = Analyser::new(&options(People::Everyone)).unwrap();
    let analysis = analyser.analyse(&fixture("two-people-2s.webm")).unwrap();
    assert!(analysis.stats.people >= 2, "{:?}", analysis.stats);
    let project = &analysis.project;
    assert_eq!(project.tracks.len(), analysis.stats.people);
    assert_eq!(project.poses.len(), analysis.stats.people);
    assert!(project.tracks.iter().all(|t| project.pose_of(t).is_some()));
}

fn modified(path: &Path) -> SystemTime {
    std::fs::metadata(path).unwrap().modified().unwrap()
}

fn outcomes(report: &Report) -> Vec<(String, Outcome)> {
    report
        .videos
        .iter()
        .map(|e| {
            let name = e.input.file_name().unwrap().to_string_lossy().into_owned();
            (name, e.outcome)
        })
        .collect()
}

#[test]
fn a_batch_goes_past_bad_clips_and_resumes_without_redoing() {
    let dir = tempfile::tempdir().unwrap();
    let clips = dir.path().join("clips");
    std::fs::create_dir(&clips).unwrap();
    std::fs::copy(fixture("walk-2s.mp4"), clips.join("a.mp4")).unwrap();
    std::fs::copy(fixture("walk-2s.webm"), clips.join("b.webm")).unwrap();
    std::fs::write(
        clips.join("corrupt.mp4"),
        b"\x00\x00\x00\x18ftypmp42 not a video at all",
    )
    .unwrap();
    let list = dir.path().join("clips.txt");
    std::fs::write(
        &list,
        "clips/a.mp4\nclips/missing.mp4\nclips/corrupt.mp4\nclips/b.webm\n",
    )
    .unwrap();
    let inputs = microact_cli::read_inputs(&[list]).unwrap();
    let out = dir.path().join("out");
    let options = options(People::One);
    let run = || analyse_all(&inputs, &out, &options, &[Format::Csv], 2, &|_| {}).unwrap();

    let first = run();
    use Outcome::*;
    let want = |a, b| {
        vec![
            ("a.mp4".to_string(), a),
            ("missing.mp4".into(), Failed),
            ("corrupt.mp4".into(), Failed),
            ("b.webm".into(), b),
        ]
    };
    assert_eq!(outcomes(&first), want(Done, Done));
    let on_disk: Report =
        serde_json::from_str(&std::fs::read_to_string(out.join("report.json")).unwrap()).unwrap();
    assert_eq!(on_disk, first);
    assert_eq!(first.videos[1].reason.as_deref(), Some("no such file"));
    let corrupt = first.videos[2].reason.as_deref().unwrap();
    assert!(corrupt.contains("corrupt.mp4"), "{corrupt}");
    for name in ["a.microact.json", "a.csv", "b.microact.json", "b.csv"] {
        assert!(out.join(name).is_file(), "{name}");
    }
    let project = std::fs::read_to_string(out.join("b.microact.json")).unwrap();
    assert_eq!(native::import(&project).unwrap().videos[0].frames, 60);

    // Rerun: nothing done again, nothing rewritten.
    let a = out.join(output_name(&inputs[0]));
    let b = out.join(output_name(&inputs[3]));
    let (a_time, b_time) = (modified(&a), modified(&b));
    let second = run();
    assert_eq!(outcomes(&second), want(Skipped, Skipped));
    assert_eq!((modified(&a), modified(&b)), (a_time, b_time));
    assert_eq!(second.videos[0].frames, 60);

    // Killed before b was written: only b is done again.
    std::fs::remove_file(&b).unwrap();
    let third = run();
    assert_eq!(outcomes(&third), want(Skipped, Done));
    assert_eq!(modified(&a), a_time);
    assert!(b.is_file());
    // No temporary file is left behind.
    let left: Vec<_> = std::fs::read_dir(&out)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(left.is_empty());
}
