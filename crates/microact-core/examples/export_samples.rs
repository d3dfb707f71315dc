//! Writes the sample project in every export format, one folder per importer's fuzz target:
//! the fuzzers' seeds, and files to open in the other tools by hand.
//!
//! `cargo run -p microact-core --example export_samples -- DIR`

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use microact_core::formats::truth::Include;
use microact_core::formats::{activitynet, ava, elan, mmaction, native, table, via3};
use microact_core::labels;
use microact_core::model::VideoId;
use microact_core::sample::sample_project;

fn main() -> ExitCode {
    let Some(dir) = std::env::args_os().nth(1).map(PathBuf::from) else {
        eprintln!("usage: export_samples DIR");
        return ExitCode::FAILURE;
    };
    let project = sample_project();
    let ma52 = labels::ma52();
    let mut files: Vec<(&str, &str, Vec<u8>)> = vec![
        (
            "native",
            "sample.json",
            native::export(&project).into_bytes(),
        ),
        (
            "label_set",
            "ma52.txt",
            labels::ma52().to_text().into_bytes(),
        ),
        ("via3", "sample.json", via3::export(&project).into_bytes()),
        (
            "activitynet",
            "ground-truth.json",
            activitynet::export_ground_truth(&project).into_bytes(),
        ),
        (
            "activitynet",
            "predictions.json",
            activitynet::export_predictions(&project).text.into_bytes(),
        ),
        (
            "table",
            "sample.csv",
            table::export(&project, Include::WithPredictions).into_bytes(),
        ),
        (
            "ava",
            "predictions.csv",
            ava::export(&project, &ma52, ava::Variant::Ava)
                .predictions
                .into_bytes(),
        ),
        (
            "ava",
            "sample.csv",
            ava::export(&project, &ma52, ava::Variant::RefAva)
                .csv
                .into_bytes(),
        ),
        (
            "mmaction",
            "clips.txt",
            mmaction::export_clips(&project, &ma52).0.into_bytes(),
        ),
        (
            "mmaction",
            "poses.pkl",
            mmaction::export_poses(&project, &ma52, "train").0,
        ),
    ];
    let eaf = match elan::export(&project, VideoId(0), Include::WithPredictions) {
        Ok(text) => text,
        Err(error) => {
            eprintln!("export_samples: elan: {error}");
            return ExitCode::FAILURE;
        }
    };
    files.push(("elan", "sample.eaf", eaf.into_bytes()));
    for (target, name, bytes) in files {
        if let Err(error) = write(&dir.join(target), name, &bytes) {
            eprintln!(
                "export_samples: {}: {error}",
                dir.join(target).join(name).display()
            );
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    std::fs::write(dir.join(name), bytes)
}
