//! Writes `sample::unusual_project()` in every export format into DIR, and `expected.json`:
//! the ground truth and predictions each reader must see ([`truth`]), per video, in seconds.
//! `tests/readers/` opens the files with each format's own tools.
//!
//! `cargo run -p microact-core --example export_unusual -- DIR`

use std::path::PathBuf;
use std::process::ExitCode;

use microact_core::formats::truth::{self, Include, Role};
use microact_core::formats::{activitynet, ava, cvat, elan, mmaction, table, via3};
use microact_core::model::Project;
use microact_core::sample::unusual_project;
use serde_json::{Value, json};

fn main() -> ExitCode {
    let Some(dir) = std::env::args_os().nth(1).map(PathBuf::from) else {
        eprintln!("usage: export_unusual DIR");
        return ExitCode::FAILURE;
    };
    match write_all(&dir) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("export_unusual: {error}");
            ExitCode::FAILURE
        }
    }
}

fn write_all(dir: &std::path::Path) -> Result<(), Box<dyn std::error::Error>> {
    std::fs::create_dir_all(dir)?;
    let project = unusual_project();
    let set = &project.label_sets[0];
    let write = |name: &str, bytes: &[u8]| std::fs::write(dir.join(name), bytes);
    write(
        "unusual.csv",
        table::export(&project, Include::GroundTruth).as_bytes(),
    )?;
    write("unusual.via3.json", via3::export(&project).as_bytes())?;
    write(
        "activitynet.json",
        activitynet::export_ground_truth(&project).as_bytes(),
    )?;
    write(
        "activitynet-results.json",
        activitynet::export_predictions(&project).text.as_bytes(),
    )?;
    let out = ava::export(&project, set, ava::Variant::Ava);
    write("ava.csv", out.csv.as_bytes())?;
    write("ava-predictions.csv", out.predictions.as_bytes())?;
    write("ava.pbtxt", out.label_map.as_bytes())?;
    write(
        "refava.csv",
        ava::export(&project, set, ava::Variant::RefAva)
            .csv
            .as_bytes(),
    )?;
    write(
        "mmaction-clips.txt",
        mmaction::export_clips(&project, set).0.as_bytes(),
    )?;
    let mut videos = Vec::new();
    for (i, video) in project.videos.iter().enumerate() {
        write(
            &format!("video{i}.eaf"),
            elan::export(&project, video.id, Include::GroundTruth)?.as_bytes(),
        )?;
        write(
            &format!("video{i}.cvat.xml"),
            cvat::export(&project, video.id)?.as_bytes(),
        )?;
        videos.push(expected(&project, video.id));
    }
    let leaves: Vec<&str> = set.leaves().map(|l| l.name.as_str()).collect();
    let file = json!({"videos": videos, "numbered_set": leaves});
    write(
        "expected.json",
        serde_json::to_string_pretty(&file)?.as_bytes(),
    )?;
    Ok(())
}

/// One video's ground truth and predictions as readers should see them.
fn expected(project: &Project, video: microact_core::model::VideoId) -> Value {
    let Some(v) = project.video(video) else {
        return Value::Null;
    };
    let entry = |track: &str, s: &microact_core::model::Segment| {
        let label = project
            .label(&s.label)
            .map_or(s.label.label.as_str(), |l| l.name.as_str());
        json!({
            "track": track,
            "label": label,
            "label_id": s.label.label,
            "label_set": s.label.set,
            "start": v.seconds(s.start),
            "end": v.seconds(s.end),
            "start_frame": s.start,
            "end_frame": s.end,
            "score": s.score(),
            "status": s.status.as_str(),
        })
    };
    let (mut ground_truth, mut predictions) = (Vec::new(), Vec::new());
    for track in project.tracks_of(video) {
        for segment in &track.segments {
            match truth::role(segment) {
                Role::GroundTruth => ground_truth.push(entry(&track.meta.name, segment)),
                Role::Prediction => predictions.push(entry(&track.meta.name, segment)),
                Role::Neither => {}
            }
        }
    }
    let stem = v.name.rsplit_once('.').map_or(v.name.as_str(), |(s, _)| s);
    json!({
        "name": v.name,
        "stem": stem,
        "fps": v.rate.fps(),
        "frames": v.frames,
        "width": v.width,
        "height": v.height,
        "ground_truth": ground_truth,
        "predictions": predictions,
    })
}
