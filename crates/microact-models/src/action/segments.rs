//! Per-frame class probabilities → proposed segments: moving-average smoothing, hysteresis
//! (start above `enter`, continue while above `exit`), a minimum length; each segment scored by
//! its mean probability. Segments of different classes may overlap; the timeline shows them as
//! proposals for a person to accept or reject.

use microact_core::model::{Frame, LabelRef, Segment, SegmentId, Source, Status};
use serde::{Deserialize, Serialize};

use super::stream::FrameScores;

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct SegmentConfig {
    /// Moving-average width in frames (1: none).
    pub smooth: usize,
    pub enter: f32,
    pub exit: f32,
    pub min_frames: usize,
    /// Frames whose unknown score is above this propose nothing.
    pub max_unknown: f32,
    /// Each frame supports only its most likely class (segments of different classes then
    /// never overlap).
    pub exclusive: bool,
}

/// The defaults were chosen on Penn Action's test clips played one after another (window 32,
/// stride 2): F1@0.5 0.46 against 0.20 for a 0.6/0.4 hysteresis over 9 frames without
/// exclusivity (models/cards/penn-ddnet.md).
impl Default for SegmentConfig {
    fn default() -> SegmentConfig {
        SegmentConfig {
            smooth: 5,
            enter: 0.4,
            exit: 0.25,
            min_frames: 12,
            max_unknown: 0.9,
            exclusive: true,
        }
    }
}

/// A proposed action over frames `[start, end)`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Proposal {
    pub class: usize,
    pub start: usize,
    pub end: usize,
    pub score: f32,
}

/// Proposals from `scores`, by start frame then class.
pub fn propose(scores: &FrameScores, config: &SegmentConfig) -> Vec<Proposal> {
    let frames = scores.probabilities.len();
    let classes = scores.probabilities.first().map_or(0, Vec::len);
    let half = config.smooth.max(1) / 2;
    let mut out = Vec::new();
    for class in 0..classes {
        let raw: Vec<f32> = (0..frames)
            .map(|f| {
                let p = &scores.probabilities[f];
                let beaten = config.exclusive && super::recognizer::argmax(p) != class;
                if scores.unknown[f] > config.max_unknown || beaten {
                    0.0
                } else {
                    p[class]
                }
            })
            .collect();
        let smooth: Vec<f32> = (0..frames)
            .map(|f| {
                let (a, b) = (f.saturating_sub(half), (f + half + 1).min(frames));
                raw[a..b].iter().sum::<f32>() / (b - a) as f32
            })
            .collect();
        let mut start: Option<usize> = None;
        for f in 0..=frames {
            let p = smooth.get(f).copied().unwrap_or(f32::NEG_INFINITY);
            match start {
                None if p >= config.enter => start = Some(f),
                Some(s) if p < config.exit => {
                    if f - s >= config.min_frames {
                        let score = smooth[s..f].iter().sum::<f32>() / (f - s) as f32;
                        out.push(Proposal {
                            class,
                            start: s,
                            end: f,
                            score,
                        });
                    }
                    start = None;
                }
                _ => {}
            }
        }
    }
    out.sort_by_key(|p| (p.start, p.class));
    out
}

/// Proposals as timeline segments of label set `set` (class `i` is label `classes[i]`), marked
/// as proposed by model `model` at `version`, ids from `first_id`.
pub fn to_segments(
    proposals: &[Proposal],
    labels: &[LabelRef],
    model: &str,
    version: &str,
    first_id: u64,
) -> Vec<Segment> {
    proposals
        .iter()
        .zip(first_id..)
        .filter_map(|(p, id)| {
            Some(Segment {
                id: SegmentId(id),
                start: p.start as Frame,
                end: p.end as Frame,
                label: labels.get(p.class)?.clone(),
                note: None,
                attributes: Default::default(),
                source: Source::Model {
                    name: model.into(),
                    version: version.into(),
                    score: p.score,
                },
                status: Status::Proposed,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scores(rows: &[(usize, [f32; 2])]) -> FrameScores {
        let probabilities: Vec<Vec<f32>> = rows
            .iter()
            .flat_map(|&(n, p)| std::iter::repeat_n(p.to_vec(), n))
            .collect();
        let unknown = vec![0.0; probabilities.len()];
        FrameScores {
            probabilities,
            unknown,
        }
    }

    #[test]
    fn hysteresis_bridges_dips_and_drops_short_runs() {
        let s = scores(&[
            (20, [0.9, 0.1]),
            (3, [0.5, 0.5]),
            (20, [0.9, 0.1]),
            (30, [0.1, 0.9]),
            (5, [0.9, 0.1]),
        ]);
        let config = SegmentConfig {
            smooth: 1,
            enter: 0.6,
            exit: 0.4,
            min_frames: 10,
            max_unknown: 0.9,
            exclusive: false,
        };
        let p = propose(&s, &config);
        assert_eq!(
            p.iter()
                .map(|p| (p.class, p.start, p.end))
                .collect::<Vec<_>>(),
            vec![(0, 0, 43), (1, 43, 73)]
        );
        assert!((p[1].score - 0.9).abs() < 1e-6);
        let segments = to_segments(
            &p,
            &[
                LabelRef::new("penn-action", "a"),
                LabelRef::new("penn-action", "b"),
            ],
            "m",
            "1",
            7,
        );
        assert_eq!(
            (
                segments[1].id,
                segments[1].start,
                segments[1].label.label.as_str()
            ),
            (SegmentId(8), 43, "b")
        );
        assert_eq!(segments[0].status, Status::Proposed);
    }

    #[test]
    fn exclusive_frames_support_one_class() {
        let s = scores(&[(20, [0.55, 0.45])]);
        let config = SegmentConfig {
            smooth: 1,
            enter: 0.4,
            exit: 0.3,
            min_frames: 5,
            max_unknown: 0.9,
            exclusive: false,
        };
        assert_eq!(propose(&s, &config).len(), 2);
        let only = propose(
            &s,
            &SegmentConfig {
                exclusive: true,
                ..config
            },
        );
        assert_eq!(only.iter().map(|p| p.class).collect::<Vec<_>>(), vec![0]);
    }

    #[test]
    fn unknown_frames_propose_nothing() {
        let mut s = scores(&[(40, [0.9, 0.1])]);
        s.unknown = vec![0.95; 40];
        assert!(propose(&s, &SegmentConfig::default()).is_empty());
    }
}
