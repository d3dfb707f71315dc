//! Training-time augmentation that imitates what a pose estimator gives a recognizer: jitter,
//! joints dropped for a low score, other scales and tilts, mirror images, other timings.

use rand::Rng;
use serde::{Deserialize, Serialize};

use super::sequence::Sequence;

/// How much to disturb a clip. All zero/false is the identity.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Augment {
    /// Probability of taking a random 85–100 % stretch of the clip (or, as often, a random
    /// 90–100 % of its frames in order), as DD-Net's `sampling_frame`.
    pub temporal: f32,
    /// Probability of the mirror image (left and right swapped).
    pub mirror: f32,
    /// Largest relative change of scale, e.g. 0.15 for ×0.85…×1.15 (x and y apart).
    pub scale: f32,
    /// Largest tilt in degrees.
    pub rotate_deg: f32,
    /// Standard deviation of per-joint Gaussian jitter, in torso lengths.
    pub jitter: f32,
    /// Probability that a joint is lost in a frame (score set to 0 before gaps are filled).
    pub drop: f32,
}

impl Augment {
    pub const NONE: Augment = Augment {
        temporal: 0.0,
        mirror: 0.0,
        scale: 0.0,
        rotate_deg: 0.0,
        jitter: 0.0,
        drop: 0.0,
    };

    /// What the shipped recognizers train with.
    pub const TRAIN: Augment = Augment {
        temporal: 1.0,
        mirror: 0.5,
        scale: 0.15,
        rotate_deg: 10.0,
        jitter: 0.02,
        drop: 0.05,
    };

    /// Noise for the robustness report: pose-estimator-like jitter and lost joints only.
    pub fn noise(jitter: f32, drop: f32) -> Augment {
        Augment {
            jitter,
            drop,
            ..Augment::NONE
        }
    }

    /// Stage on raw joints, before gaps are filled: lose joints.
    pub fn drop_joints(&self, seq: &Sequence, rng: &mut impl Rng) -> Sequence {
        if self.drop <= 0.0 {
            return seq.clone();
        }
        seq.map_scores(|_, _, s| {
            if rng.random::<f32>() < self.drop {
                0.0
            } else {
                s
            }
        })
    }

    /// Stage on a normalised clip: other timing (frames picked before resampling).
    pub fn retime(&self, seq: &Sequence, rng: &mut impl Rng) -> Sequence {
        let n = seq.frames;
        if n < 4 || rng.random::<f32>() >= self.temporal {
            return seq.clone();
        }
        if rng.random::<bool>() {
            let keep = ((rng.random_range(0.85..=1.0) * n as f32).round() as usize).clamp(2, n);
            let start = rng.random_range(0..=n - keep);
            seq.select(&(start..start + keep).collect::<Vec<_>>())
        } else {
            let keep = ((rng.random_range(0.9..=1.0) * n as f32).round() as usize).clamp(2, n);
            let mut picked = rand::seq::index::sample(rng, n, keep).into_vec();
            picked.sort_unstable();
            seq.select(&picked)
        }
    }

    /// Stage on a normalised clip: mirror, scale, tilt, jitter.
    pub fn geometry(&self, seq: &Sequence, rng: &mut impl Rng) -> Sequence {
        let mut out = if rng.random::<f32>() < self.mirror {
            seq.mirror()
        } else {
            seq.clone()
        };
        let around = |r: &mut dyn FnMut() -> f32, amount: f32| 1.0 + amount * (2.0 * r() - 1.0);
        let mut uniform = || rng.random::<f32>();
        let (sx, sy) = (
            around(&mut uniform, self.scale),
            around(&mut uniform, self.scale),
        );
        let angle = (self.rotate_deg * (2.0 * uniform() - 1.0)).to_radians();
        let (sin, cos) = angle.sin_cos();
        if sx != 1.0 || sy != 1.0 || angle != 0.0 {
            out = out.map_points(|_, _, [x, y]| {
                let (x, y) = (x * sx, y * sy);
                [x * cos - y * sin, x * sin + y * cos]
            });
        }
        if self.jitter > 0.0 {
            out = out.map_points(|_, _, [x, y]| {
                [
                    x + self.jitter * gaussian(rng),
                    y + self.jitter * gaussian(rng),
                ]
            });
        }
        out
    }
}

/// A standard normal draw (Box–Muller).
fn gaussian(rng: &mut impl Rng) -> f32 {
    let u: f32 = rng.random_range(f32::EPSILON..1.0);
    let v: f32 = rng.random();
    (-2.0 * u.ln()).sqrt() * (std::f32::consts::TAU * v).cos()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::action::joints::Layout;
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    fn clip(frames: usize) -> Sequence {
        let xy = (0..frames * 13)
            .map(|i| [(i % 13) as f32 * 0.1, (i / 13) as f32 * 0.01])
            .collect();
        Sequence::new(Layout::Penn13, xy, vec![1.0; frames * 13]).unwrap()
    }

    #[test]
    fn none_is_the_identity() {
        let mut rng = StdRng::seed_from_u64(1);
        let s = clip(20);
        let a = Augment::NONE;
        assert_eq!(
            a.geometry(&a.retime(&a.drop_joints(&s, &mut rng), &mut rng), &mut rng),
            s
        );
    }

    #[test]
    fn each_stage_changes_what_it_says_and_is_seeded() {
        let s = clip(40);
        let run = |seed| {
            let mut rng = StdRng::seed_from_u64(seed);
            let a = Augment::TRAIN;
            let dropped = Augment::noise(0.0, 0.5).drop_joints(&s, &mut rng);
            (a.retime(&s, &mut rng), a.geometry(&s, &mut rng), dropped)
        };
        let (timed, moved, dropped) = run(7);
        assert_eq!(
            run(7),
            (timed.clone(), moved.clone(), dropped.clone()),
            "same seed, same clip"
        );
        assert!((34..=40).contains(&timed.frames), "{}", timed.frames);
        assert_ne!(moved.xy, s.xy);
        assert_eq!(moved.score, s.score);
        let lost = dropped.score.iter().filter(|&&v| v == 0.0).count();
        assert!((150..370).contains(&lost), "about half of 520 lost: {lost}");
        assert_eq!(dropped.xy, s.xy);
    }

    #[test]
    fn gaussian_has_unit_spread() {
        let mut rng = StdRng::seed_from_u64(3);
        let draws: Vec<f32> = (0..20_000).map(|_| gaussian(&mut rng)).collect();
        let mean = draws.iter().sum::<f32>() / draws.len() as f32;
        let var = draws.iter().map(|d| (d - mean).powi(2)).sum::<f32>() / draws.len() as f32;
        assert!(
            mean.abs() < 0.03 && (var - 1.0).abs() < 0.05,
            "{mean} {var}"
        );
    }
}
