//! Writes a large project (the timeline benchmark's input) as a microact project file.
//!
//! `cargo run -p microact-core --example many_segments -- SEGMENTS TRACKS OUT.json`

use std::process::ExitCode;

use microact_core::formats::native;
use microact_core::sample::many_segments;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(n), Some(tracks), Some(out)) = (
        args.first().and_then(|a| a.parse::<usize>().ok()),
        args.get(1).and_then(|a| a.parse::<usize>().ok()),
        args.get(2),
    ) else {
        eprintln!("usage: many_segments SEGMENTS TRACKS OUT.json");
        return ExitCode::FAILURE;
    };
    let mut project = many_segments(n, tracks);
    project.name = format!("{n} segments");
    match std::fs::write(out, native::export(&project)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{out}: {e}");
            ExitCode::FAILURE
        }
    }
}
