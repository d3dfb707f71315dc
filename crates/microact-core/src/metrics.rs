//! Agreement between two labellings of the same video: two annotators, or model proposals
//! against human labels.
//!
//! - [`frame_kappa`]: Cohen's kappa over frames, each frame taking the label of the segment that
//!   covers it (the latest-starting one where segments overlap) or "no label"; also one binary
//!   kappa per label (present / absent on each frame).
//! - [`segment_scores`]: precision, recall and F1 at temporal-IoU thresholds. Predictions are
//!   matched greedily in descending score (human segments count as score 1) to the unmatched
//!   reference segment of the same label with the highest IoU, as ActivityNet's detection
//!   evaluation does; a match at IoU ≥ the threshold is a true positive. Per label and
//!   macro-averaged over the labels that occur in either set.
//!
//! Which segments take part (accepted only, rejected left out) is the caller's choice.

use std::collections::{BTreeMap, BTreeSet};

use crate::model::{Frame, LabelRef, Segment};

/// The thresholds the field reports segment F1 at.
pub const IOU_THRESHOLDS: [f64; 3] = [0.1, 0.25, 0.5];

#[derive(Clone, Debug, PartialEq)]
pub struct Kappa {
    /// Over all categories, "no label" included. `None` when undefined (both labellings give
    /// every frame the same single category: chance agreement is 1).
    pub overall: Option<f64>,
    /// Proportion of frames where both agree.
    pub observed: f64,
    pub per_label: BTreeMap<LabelRef, Option<f64>>,
}

/// Frame-level Cohen's kappa between labellings `a` and `b` of frames `0..frames`.
pub fn frame_kappa(a: &[Segment], b: &[Segment], frames: Frame) -> Kappa {
    let fa = frame_labels(a, frames);
    let fb = frame_labels(b, frames);
    let n = frames as usize;
    let labels: BTreeSet<&LabelRef> = a.iter().chain(b).map(|s| &s.label).collect();

    let overall = {
        let mut joint: BTreeMap<(Option<&LabelRef>, Option<&LabelRef>), usize> = BTreeMap::new();
        for (x, y) in fa.iter().zip(&fb) {
            *joint.entry((*x, *y)).or_default() += 1;
        }
        let agree: usize = joint
            .iter()
            .filter(|((x, y), _)| x == y)
            .map(|(_, c)| c)
            .sum();
        let mut margin_a: BTreeMap<Option<&LabelRef>, usize> = BTreeMap::new();
        let mut margin_b: BTreeMap<Option<&LabelRef>, usize> = BTreeMap::new();
        for ((x, y), c) in &joint {
            *margin_a.entry(*x).or_default() += c;
            *margin_b.entry(*y).or_default() += c;
        }
        let chance: f64 = margin_a
            .iter()
            .map(|(k, ca)| {
                let cb = margin_b.get(k).copied().unwrap_or(0);
                (*ca as f64 / n as f64) * (cb as f64 / n as f64)
            })
            .sum();
        (agree, chance)
    };
    let observed = if n == 0 {
        1.0
    } else {
        overall.0 as f64 / n as f64
    };
    let per_label = labels
        .into_iter()
        .map(|label| {
            let ya: Vec<bool> = fa.iter().map(|x| *x == Some(label)).collect();
            let yb: Vec<bool> = fb.iter().map(|x| *x == Some(label)).collect();
            (label.clone(), binary_kappa(&ya, &yb))
        })
        .collect();
    Kappa {
        overall: kappa(observed, overall.1, n),
        observed,
        per_label,
    }
}

fn binary_kappa(a: &[bool], b: &[bool]) -> Option<f64> {
    let n = a.len();
    if n == 0 {
        return None;
    }
    let agree = a.iter().zip(b).filter(|(x, y)| x == y).count() as f64 / n as f64;
    let pa = a.iter().filter(|x| **x).count() as f64 / n as f64;
    let pb = b.iter().filter(|x| **x).count() as f64 / n as f64;
    kappa(agree, pa * pb + (1.0 - pa) * (1.0 - pb), n)
}

fn kappa(observed: f64, chance: f64, n: usize) -> Option<f64> {
    if n == 0 || (1.0 - chance).abs() < 1e-12 {
        None
    } else {
        Some((observed - chance) / (1.0 - chance))
    }
}

/// Each frame's label: the covering segment that starts last, or `None`.
fn frame_labels(segments: &[Segment], frames: Frame) -> Vec<Option<&LabelRef>> {
    let mut order: Vec<&Segment> = segments.iter().collect();
    order.sort_by_key(|s| (s.start, s.end));
    let mut labels = vec![None; frames as usize];
    for segment in order {
        let end = segment.end.min(frames) as usize;
        let start = (segment.start as usize).min(end);
        for slot in &mut labels[start..end] {
            *slot = Some(&segment.label);
        }
    }
    labels
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Counts {
    pub true_positives: usize,
    /// Predicted segments.
    pub predicted: usize,
    /// Reference segments.
    pub reference: usize,
}

impl Counts {
    pub fn precision(&self) -> f64 {
        ratio(self.true_positives, self.predicted)
    }

    pub fn recall(&self) -> f64 {
        ratio(self.true_positives, self.reference)
    }

    pub fn f1(&self) -> f64 {
        let (p, r) = (self.precision(), self.recall());
        if p + r == 0.0 {
            0.0
        } else {
            2.0 * p * r / (p + r)
        }
    }
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 { 0.0 } else { a as f64 / b as f64 }
}

#[derive(Clone, Debug, PartialEq)]
pub struct SegmentScores {
    pub iou: f64,
    pub per_label: BTreeMap<LabelRef, Counts>,
    pub macro_precision: f64,
    pub macro_recall: f64,
    pub macro_f1: f64,
}

/// Temporal IoU of two frame intervals.
pub fn iou(a: &Segment, b: &Segment) -> f64 {
    let inter = a.end.min(b.end).saturating_sub(a.start.max(b.start));
    let union = a.end.max(b.end) - a.start.min(b.start);
    if union == 0 {
        0.0
    } else {
        inter as f64 / union as f64
    }
}

/// Segment precision/recall/F1 of `predicted` against `reference` at each IoU threshold.
pub fn segment_scores(
    predicted: &[Segment],
    reference: &[Segment],
    thresholds: &[f64],
) -> Vec<SegmentScores> {
    thresholds
        .iter()
        .map(|&t| scores_at(predicted, reference, t))
        .collect()
}

fn scores_at(predicted: &[Segment], reference: &[Segment], threshold: f64) -> SegmentScores {
    let mut per_label: BTreeMap<LabelRef, Counts> = BTreeMap::new();
    for s in reference {
        per_label.entry(s.label.clone()).or_default().reference += 1;
    }
    for s in predicted {
        per_label.entry(s.label.clone()).or_default().predicted += 1;
    }
    let mut order: Vec<&Segment> = predicted.iter().collect();
    order.sort_by(|a, b| {
        b.score()
            .unwrap_or(1.0)
            .total_cmp(&a.score().unwrap_or(1.0))
    });
    let mut taken = vec![false; reference.len()];
    for p in order {
        let best = reference
            .iter()
            .enumerate()
            .filter(|(i, r)| !taken[*i] && r.label == p.label)
            .map(|(i, r)| (i, iou(p, r)))
            .max_by(|x, y| x.1.total_cmp(&y.1));
        if let Some((i, overlap)) = best
            && overlap >= threshold
        {
            taken[i] = true;
            if let Some(counts) = per_label.get_mut(&p.label) {
                counts.true_positives += 1;
            }
        }
    }
    let n = per_label.len().max(1) as f64;
    let mean = |f: fn(&Counts) -> f64| per_label.values().map(f).sum::<f64>() / n;
    SegmentScores {
        iou: threshold,
        macro_precision: mean(Counts::precision),
        macro_recall: mean(Counts::recall),
        macro_f1: mean(Counts::f1),
        per_label,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{SegmentId, Source, Status};

    fn seg(start: Frame, end: Frame, label: &str, score: Option<f32>) -> Segment {
        Segment {
            id: SegmentId(start),
            start,
            end,
            label: LabelRef::new("s", label),
            note: None,
            attributes: Default::default(),
            source: match score {
                Some(score) => Source::Model {
                    name: "m".into(),
                    version: "1".into(),
                    score,
                },
                None => Source::Human {
                    annotator: "a".into(),
                },
            },
            status: Status::Accepted,
        }
    }

    #[test]
    fn kappa_matches_a_hand_computed_table() {
        // 10 frames. a: x on 0..5, y on 5..10. b: x on 0..4, y on 4..10.
        // Agreement 9/10. Marginals a: x .5, y .5; b: x .4, y .6 → chance .2 + .3 = .5.
        let a = [seg(0, 5, "x", None), seg(5, 10, "y", None)];
        let b = [seg(0, 4, "x", None), seg(4, 10, "y", None)];
        let k = frame_kappa(&a, &b, 10);
        assert!((k.observed - 0.9).abs() < 1e-12);
        assert!((k.overall.unwrap() - 0.8).abs() < 1e-12);
        assert!((k.per_label[&LabelRef::new("s", "x")].unwrap() - 0.8).abs() < 1e-12);
    }

    #[test]
    fn kappa_is_one_for_identical_and_undefined_for_constant() {
        let a = [seg(0, 3, "x", None), seg(6, 9, "y", None)];
        assert_eq!(frame_kappa(&a, &a, 12).overall, Some(1.0));
        let all = [seg(0, 12, "x", None)];
        assert_eq!(frame_kappa(&all, &all, 12).overall, None);
    }

    #[test]
    fn f1_counts_matches_at_each_threshold_and_by_label() {
        let reference = [
            seg(0, 10, "x", None),
            seg(20, 30, "x", None),
            seg(40, 50, "y", None),
        ];
        let predicted = [
            seg(0, 10, "x", Some(0.9)),  // IoU 1
            seg(22, 35, "x", Some(0.8)), // IoU 8/15 = 0.53
            seg(40, 50, "z", Some(0.7)), // wrong label
            seg(1, 9, "x", Some(0.6)),   // duplicate of an already-matched segment
        ];
        let s = segment_scores(&predicted, &reference, &IOU_THRESHOLDS);
        let x = LabelRef::new("s", "x");
        assert_eq!(
            s[2].per_label[&x],
            Counts {
                true_positives: 2,
                predicted: 3,
                reference: 2
            }
        );
        let strict = segment_scores(&predicted, &reference, &[0.6]);
        assert_eq!(strict[0].per_label[&x].true_positives, 1);
        // Labels x, y, z: F1 x = 2·(2/3)·1/(2/3+1) = 0.8, y and z 0.
        assert!((s[2].macro_f1 - 0.8 / 3.0).abs() < 1e-12);
    }

    #[test]
    fn higher_scores_match_first() {
        let reference = [seg(0, 10, "x", None)];
        let predicted = [seg(0, 6, "x", Some(0.2)), seg(0, 9, "x", Some(0.9))];
        let s = segment_scores(&predicted, &reference, &[0.85]);
        assert_eq!(s[0].per_label[&LabelRef::new("s", "x")].true_positives, 1);
    }
}
