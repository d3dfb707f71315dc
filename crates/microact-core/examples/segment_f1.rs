//! How a clip analysis compares with hand labels: segment precision, recall and F1 (at temporal
//! IoU 0.5 and 0.3) of the model's proposals in `ANALYSED.json` against the human segments of
//! `LABELLED.json`, both microact project files of the same clip (matched by video name).
//!
//! `cargo run -p microact-core --example segment_f1 -- LABELLED.json ANALYSED.json`
//!
//! Tracks are paired by their person boxes (the analysis draws one about every second; the
//! labeller draws one on a few frames): each analysed track goes with the labelled track whose
//! boxes are nearest (over the labelled boxes, the distance between their centre and the centre
//! of the analysed box nearest in time, as a fraction of the frame; mean below 0.15). Proposals
//! of an unpaired track are all false positives; labels of an unpaired track all misses. A
//! project with one track on each side pairs those two whatever their boxes.

use std::process::ExitCode;

use microact_core::formats::native;
use microact_core::metrics::{Counts, segment_scores};
use microact_core::model::{KeyBox, NormRect, Project, Segment, Source, Track};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [labelled, analysed] = args.as_slice() else {
        eprintln!("usage: segment_f1 LABELLED.json ANALYSED.json");
        return ExitCode::FAILURE;
    };
    match run(labelled, analysed) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("segment_f1: {e}");
            ExitCode::FAILURE
        }
    }
}

fn read(path: &str) -> Result<Project, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
    native::import(&text).map_err(|e| format!("{path}: {e}"))
}

fn run(labelled: &str, analysed: &str) -> Result<(), String> {
    let reference = read(labelled)?;
    let predicted = read(analysed)?;
    let mut pooled_reference = Vec::new();
    let mut pooled_predicted = Vec::new();
    for video in &reference.videos {
        let Some(other) = predicted.videos.iter().find(|v| v.name == video.name) else {
            println!("{}: not analysed", video.name);
            continue;
        };
        let ours: Vec<&Track> = reference.tracks_of(video.id).collect();
        let theirs: Vec<&Track> = predicted
            .tracks_of(other.id)
            .filter(|t| t.segments.iter().any(is_model))
            .collect();
        let pairs = pair(&ours, &theirs);
        for (i, t) in theirs.iter().enumerate() {
            let paired = pairs.iter().find(|p| p.1 == i).map(|p| p.0);
            let name = paired.map_or("nobody", |r| ours[r].meta.name.as_str());
            println!(
                "{}: analysed track {:?} is labelled track {name:?}",
                video.name, t.meta.name
            );
        }
        for (r, track) in ours.iter().enumerate() {
            // Each labelled person's segments, and the proposals of the track paired with them,
            // their labels keyed by the person so that two people's segments never match.
            let key = |s: &Segment| person_label(s, &r.to_string());
            pooled_reference.extend(track.segments.iter().filter(|s| !is_model(s)).map(key));
            if let Some(&(_, p)) = pairs.iter().find(|p| p.0 == r) {
                pooled_predicted.extend(theirs[p].segments.iter().filter(|s| is_model(s)).map(key));
            }
        }
        for (i, t) in theirs.iter().enumerate() {
            if !pairs.iter().any(|p| p.1 == i) {
                let key = |s: &Segment| person_label(s, "unpaired");
                pooled_predicted.extend(t.segments.iter().filter(|s| is_model(s)).map(key));
            }
        }
    }
    let (reference, predicted) = (pooled_reference, pooled_predicted);
    println!(
        "{} labelled segments, {} proposals",
        reference.len(),
        predicted.len()
    );
    for scores in segment_scores(&predicted, &reference, &[0.5, 0.3]) {
        let total = scores
            .per_label
            .values()
            .fold(Counts::default(), |a, c| Counts {
                true_positives: a.true_positives + c.true_positives,
                predicted: a.predicted + c.predicted,
                reference: a.reference + c.reference,
            });
        println!(
            "IoU {:.1}: F1 {:.3} (precision {:.3}, recall {:.3}; {} matched)",
            scores.iou,
            total.f1(),
            total.precision(),
            total.recall(),
            total.true_positives
        );
        for (label, c) in &scores.per_label {
            println!(
                "  {:<24} {} labelled, {} proposed, {} matched",
                label.label, c.reference, c.predicted, c.true_positives
            );
        }
    }
    Ok(())
}

/// `s` with its label keyed by `person` (`walk#0`).
fn person_label(s: &Segment, person: &str) -> Segment {
    let mut s = s.clone();
    s.label.label = format!("{}#{person}", s.label.label);
    s
}

fn is_model(s: &Segment) -> bool {
    matches!(s.source, Source::Model { .. })
}

/// `(labelled index, analysed index)` pairs, greedily by box distance.
fn pair(ours: &[&Track], theirs: &[&Track]) -> Vec<(usize, usize)> {
    if ours.len() == 1 && theirs.len() == 1 {
        return vec![(0, 0)];
    }
    let mut near: Vec<(f32, usize, usize)> = Vec::new();
    for (r, o) in ours.iter().enumerate() {
        for (p, t) in theirs.iter().enumerate() {
            let d = mean_distance(&o.boxes, &t.boxes);
            if d < 0.15 {
                near.push((d, r, p));
            }
        }
    }
    near.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut pairs: Vec<(usize, usize)> = Vec::new();
    for (_, r, p) in near {
        if !pairs.iter().any(|&(a, b)| a == r || b == p) {
            pairs.push((r, p));
        }
    }
    pairs
}

/// Over `labelled`'s boxes: the distance between its centre and that of the `analysed` box
/// nearest in time (infinite when there is none).
fn mean_distance(labelled: &[KeyBox], analysed: &[KeyBox]) -> f32 {
    if labelled.is_empty() {
        return f32::INFINITY;
    }
    let centre = |r: &NormRect| ((r.x1 + r.x2) / 2.0, (r.y1 + r.y2) / 2.0);
    let sum: f32 = labelled
        .iter()
        .map(|l| {
            analysed
                .iter()
                .min_by_key(|a| a.frame.abs_diff(l.frame))
                .map_or(f32::INFINITY, |a| {
                    let ((x0, y0), (x1, y1)) = (centre(&l.rect), centre(&a.rect));
                    (x1 - x0).hypot(y1 - y0)
                })
        })
        .sum();
    sum / labelled.len() as f32
}
