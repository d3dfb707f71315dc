//! How a clip analysis compares with hand labels: segment precision, recall and F1 (at temporal
//! IoU 0.5 and 0.3) of the model's proposals in `ANALYSED.json` against the human segments of
//! `LABELLED.json`, both microact project files of the same clip (matched by video name).
//!
//! `cargo run -p microact-core --example segment_f1 -- LABELLED.json ANALYSED.json`
//!
//! Tracks are paired by their person boxes (the analysis draws one about every second; the
//! labeller draws one on a few frames): each analysed track goes with the labelled person whose
//! boxes are nearest (the mean distance between box centres, as a fraction of the frame, over
//! the analysed boxes that have a labelled box of that person within half a second; below
//! 0.15). Several analysed tracks may be one person (a tracker that lost them and found them
//! again); their proposals are then pooled. Proposals of an unpaired track are all false
//! positives; labels of a person no track is paired with, all misses. A project with one track on
//! each side pairs those two whatever their boxes.

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
        let half_second = (other.rate.fps() / 2.0).round() as u64;
        let pairs = pair(&ours, &theirs, half_second);
        for (t, paired) in theirs.iter().zip(&pairs) {
            let name = paired.map_or("nobody", |r| ours[r].meta.name.as_str());
            println!(
                "{}: analysed track {:?} is labelled track {name:?}",
                video.name, t.meta.name
            );
        }
        for (r, track) in ours.iter().enumerate() {
            // Each labelled person's segments, and the proposals of the tracks paired with them,
            // their labels keyed by the person so that two people's segments never match.
            let key = |s: &Segment| person_label(s, &r.to_string());
            pooled_reference.extend(track.segments.iter().filter(|s| !is_model(s)).map(key));
            for (t, _) in theirs.iter().zip(&pairs).filter(|(_, p)| **p == Some(r)) {
                pooled_predicted.extend(t.segments.iter().filter(|s| is_model(s)).map(key));
            }
        }
        for (t, _) in theirs.iter().zip(&pairs).filter(|(_, p)| p.is_none()) {
            let key = |s: &Segment| person_label(s, "unpaired");
            pooled_predicted.extend(t.segments.iter().filter(|s| is_model(s)).map(key));
        }
    }
    let (reference, predicted) = (pooled_reference, pooled_predicted);
    println!(
        "{} labelled segments, {} proposals",
        reference.len(),
        predicted.len()
    );
    report(&predicted, &reference, true);
    // Where the proposals are, whatever they are called: each label read as "action".
    let any = |s: &Segment| {
        let mut s = s.clone();
        let person = s
            .label
            .label
            .rsplit_once('#')
            .map_or("", |(_, p)| p)
            .to_string();
        s.label.label = format!("action#{person}");
        s
    };
    let predicted: Vec<Segment> = predicted.iter().map(any).collect();
    let reference: Vec<Segment> = reference.iter().map(any).collect();
    println!("\nlabels ignored (is there an action where the labeller saw one?):");
    report(&predicted, &reference, false);
    Ok(())
}

fn report(predicted: &[Segment], reference: &[Segment], per_label: bool) {
    for scores in segment_scores(predicted, reference, &[0.5, 0.3]) {
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
        if per_label {
            for (label, c) in &scores.per_label {
                println!(
                    "  {:<24} {} labelled, {} proposed, {} matched",
                    label.label, c.reference, c.predicted, c.true_positives
                );
            }
        }
    }
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

/// For each analysed track, the labelled person it is (an index into `ours`), if any.
fn pair(ours: &[&Track], theirs: &[&Track], within: u64) -> Vec<Option<usize>> {
    if ours.len() == 1 && theirs.len() == 1 {
        return vec![Some(0)];
    }
    theirs
        .iter()
        .map(|t| {
            ours.iter()
                .enumerate()
                .map(|(r, o)| (r, mean_distance(&t.boxes, &o.boxes, within)))
                .filter(|&(_, d)| d < 0.15)
                .min_by(|a, b| a.1.total_cmp(&b.1))
                .map(|(r, _)| r)
        })
        .collect()
}

/// Over the `analysed` boxes with a `labelled` box at most `within` frames away: the mean
/// distance between the centres of the two (infinite when no box has one).
fn mean_distance(analysed: &[KeyBox], labelled: &[KeyBox], within: u64) -> f32 {
    let centre = |r: &NormRect| ((r.x1 + r.x2) / 2.0, (r.y1 + r.y2) / 2.0);
    let near: Vec<f32> = analysed
        .iter()
        .filter_map(|a| {
            let l = labelled
                .iter()
                .filter(|l| l.frame.abs_diff(a.frame) <= within)
                .min_by_key(|l| l.frame.abs_diff(a.frame))?;
            let ((x0, y0), (x1, y1)) = (centre(&l.rect), centre(&a.rect));
            Some((x1 - x0).hypot(y1 - y0))
        })
        .collect();
    if near.is_empty() {
        f32::INFINITY
    } else {
        near.iter().sum::<f32>() / near.len() as f32
    }
}
