//! A skeleton sequence and the named stages that prepare it for a recognizer. Each stage is a
//! pure function from a sequence to a sequence.

use super::joints::Layout;

/// Per-frame 2-D joints of one person, frame-major, with a confidence per joint (visibility flags
/// read as 0/1, pose scores as given).
#[derive(Clone, Debug, PartialEq)]
pub struct Sequence {
    pub layout: Layout,
    pub frames: usize,
    /// `frames × joints` points.
    pub xy: Vec<[f32; 2]>,
    /// `frames × joints` confidences in `[0, 1]`.
    pub score: Vec<f32>,
}

impl Sequence {
    /// A sequence from frame-major points and scores; `None` where the lengths do not agree with
    /// the layout or there are no frames.
    pub fn new(layout: Layout, xy: Vec<[f32; 2]>, score: Vec<f32>) -> Option<Sequence> {
        let joints = layout.joints();
        (!xy.is_empty() && xy.len() % joints == 0 && score.len() == xy.len()).then(|| Sequence {
            layout,
            frames: xy.len() / joints,
            xy,
            score,
        })
    }

    pub fn joints(&self) -> usize {
        self.layout.joints()
    }

    /// Point of `joint` in `frame`.
    pub fn at(&self, frame: usize, joint: usize) -> [f32; 2] {
        self.xy[frame * self.joints() + joint]
    }

    fn from_fn(
        layout: Layout,
        frames: usize,
        mut point: impl FnMut(usize, usize) -> ([f32; 2], f32),
    ) -> Sequence {
        let joints = layout.joints();
        let (xy, score) = (0..frames * joints)
            .map(|i| point(i / joints, i % joints))
            .unzip();
        Sequence {
            layout,
            frames,
            xy,
            score,
        }
    }

    /// Stage: the shared 13 joints (Penn Action's order).
    pub fn to_shared(&self) -> Sequence {
        let map = self.layout.to_shared();
        Sequence::from_fn(Layout::Penn13, self.frames, |f, j| {
            let i = f * self.joints() + map[j];
            (self.xy[i], self.score[i])
        })
    }

    /// Stage: joints scored below `min_score` take the value interpolated in time between the
    /// nearest frames where that joint is confident (held at the ends); a joint never confident
    /// sits at the mean of the frame's confident joints (or where it is, if none are). Scores
    /// are kept, so later stages still know what was guessed.
    pub fn fill_missing(&self, min_score: f32) -> Sequence {
        let joints = self.joints();
        let ok = |f: usize, j: usize| self.score[f * joints + j] >= min_score;
        let mut out = self.clone();
        for j in 0..joints {
            let seen: Vec<usize> = (0..self.frames).filter(|&f| ok(f, j)).collect();
            for f in (0..self.frames).filter(|&f| !ok(f, j)) {
                out.xy[f * joints + j] = match seen.binary_search(&f) {
                    _ if seen.is_empty() => {
                        let confident: Vec<[f32; 2]> = (0..joints)
                            .filter(|&k| ok(f, k))
                            .map(|k| self.at(f, k))
                            .collect();
                        mean(&confident).unwrap_or(self.at(f, j))
                    }
                    Err(0) => self.at(seen[0], j),
                    Err(n) if n == seen.len() => self.at(seen[n - 1], j),
                    Err(n) | Ok(n) => {
                        let (a, b) = (seen[n - 1], seen[n]);
                        let t = (f - a) as f32 / (b - a) as f32;
                        lerp(self.at(a, j), self.at(b, j), t)
                    }
                };
            }
        }
        out
    }

    /// Stage: centred on the mean hip midpoint over the clip and scaled so the median torso
    /// (shoulder midpoint to hip midpoint) is 1. A clip without a measurable torso is scaled by
    /// the diagonal of all its points.
    pub fn normalise(&self) -> Sequence {
        let torso = self.layout.torso();
        let mid = |f: usize, pair: [usize; 2]| lerp(self.at(f, pair[0]), self.at(f, pair[1]), 0.5);
        let hips: Vec<[f32; 2]> = (0..self.frames).map(|f| mid(f, torso.hips)).collect();
        let centre = mean(&hips).unwrap_or([0.0, 0.0]);
        let mut lengths: Vec<f32> = (0..self.frames)
            .map(|f| distance(mid(f, torso.shoulders), hips[f]))
            .filter(|d| d.is_finite())
            .collect();
        lengths.sort_by(f32::total_cmp);
        let mut scale = lengths.get(lengths.len() / 2).copied().unwrap_or(0.0);
        if scale <= 1e-6 {
            let (lo, hi) = self
                .xy
                .iter()
                .fold(([f32::MAX; 2], [f32::MIN; 2]), |(lo, hi), p| {
                    (
                        [lo[0].min(p[0]), lo[1].min(p[1])],
                        [hi[0].max(p[0]), hi[1].max(p[1])],
                    )
                });
            scale = distance(lo, hi).max(1e-6);
        }
        let mut out = self.clone();
        for p in &mut out.xy {
            *p = [(p[0] - centre[0]) / scale, (p[1] - centre[1]) / scale];
        }
        out
    }

    /// Stage: `frames` frames by linear interpolation in time, first and last frames kept (as
    /// `scipy.ndimage.zoom(order=1)`, which DD-Net uses).
    pub fn resample(&self, frames: usize) -> Sequence {
        let joints = self.joints();
        let last = self.frames.saturating_sub(1) as f32;
        Sequence::from_fn(self.layout, frames, |f, j| {
            let at = if frames > 1 {
                f as f32 * last / (frames - 1) as f32
            } else {
                0.0
            };
            let a = (at.floor() as usize).min(self.frames - 1);
            let b = (a + 1).min(self.frames - 1);
            let t = at - a as f32;
            let (ia, ib) = (a * joints + j, b * joints + j);
            (
                lerp(self.xy[ia], self.xy[ib], t),
                self.score[ia] + (self.score[ib] - self.score[ia]) * t,
            )
        })
    }

    /// Stage: the frames `indices` (in order, may repeat).
    pub fn select(&self, indices: &[usize]) -> Sequence {
        let joints = self.joints();
        Sequence::from_fn(self.layout, indices.len(), |f, j| {
            let i = indices[f].min(self.frames - 1) * joints + j;
            (self.xy[i], self.score[i])
        })
    }

    /// Stage: the mirror image about x = 0, left and right joints swapped.
    pub fn mirror(&self) -> Sequence {
        let map = self.layout.mirror();
        Sequence::from_fn(self.layout, self.frames, |f, j| {
            let i = f * self.joints() + map[j];
            ([-self.xy[i][0], self.xy[i][1]], self.score[i])
        })
    }

    /// Stage: every point mapped through `transform`.
    pub fn map_points(
        &self,
        mut transform: impl FnMut(usize, usize, [f32; 2]) -> [f32; 2],
    ) -> Sequence {
        Sequence::from_fn(self.layout, self.frames, |f, j| {
            let i = f * self.joints() + j;
            (transform(f, j, self.xy[i]), self.score[i])
        })
    }

    /// Stage: every score mapped through `transform`.
    pub fn map_scores(&self, mut transform: impl FnMut(usize, usize, f32) -> f32) -> Sequence {
        Sequence::from_fn(self.layout, self.frames, |f, j| {
            let i = f * self.joints() + j;
            (self.xy[i], transform(f, j, self.score[i]))
        })
    }
}

fn lerp(a: [f32; 2], b: [f32; 2], t: f32) -> [f32; 2] {
    [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t]
}

fn distance(a: [f32; 2], b: [f32; 2]) -> f32 {
    (a[0] - b[0]).hypot(a[1] - b[1])
}

fn mean(points: &[[f32; 2]]) -> Option<[f32; 2]> {
    let n = points.len() as f32;
    (!points.is_empty()).then(|| {
        let s = points
            .iter()
            .fold([0.0, 0.0], |s, p| [s[0] + p[0], s[1] + p[1]]);
        [s[0] / n, s[1] / n]
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A Penn-layout sequence whose joint `j` in frame `f` sits at `(f + j, 2j)`.
    fn ramp(frames: usize) -> Sequence {
        Sequence::from_fn(Layout::Penn13, frames, |f, j| {
            ([(f + j) as f32, 2.0 * j as f32], 1.0)
        })
    }

    #[test]
    fn new_checks_lengths() {
        assert!(Sequence::new(Layout::Penn13, vec![[0.0; 2]; 26], vec![1.0; 26]).is_some());
        assert!(Sequence::new(Layout::Penn13, vec![[0.0; 2]; 25], vec![1.0; 25]).is_none());
        assert!(Sequence::new(Layout::Penn13, vec![], vec![]).is_none());
        assert!(Sequence::new(Layout::Penn13, vec![[0.0; 2]; 13], vec![1.0; 12]).is_none());
    }

    #[test]
    fn to_shared_picks_coco_joints() {
        let coco = Sequence::from_fn(Layout::Coco17, 2, |f, j| ([j as f32, f as f32], 0.5));
        let shared = coco.to_shared();
        assert_eq!(shared.layout, Layout::Penn13);
        assert_eq!(shared.at(1, 0), [0.0, 1.0]);
        assert_eq!(shared.at(1, 12), [16.0, 1.0]);
    }

    #[test]
    fn resample_keeps_ends_and_interpolates_linearly() {
        let s = ramp(5).resample(9);
        assert_eq!(s.frames, 9);
        assert_eq!(s.at(0, 3), [3.0, 6.0]);
        assert_eq!(s.at(8, 3), [7.0, 6.0]);
        assert_eq!(s.at(1, 0), [0.5, 0.0]);
        let shrunk = ramp(31).resample(4);
        assert_eq!(shrunk.at(1, 0), [10.0, 0.0]);
        assert_eq!(ramp(1).resample(3).at(2, 1), [1.0, 2.0]);
    }

    #[test]
    fn fill_missing_interpolates_holds_and_falls_back_to_the_frame_centre() {
        let mut s = ramp(5);
        let j = 4;
        for f in [0, 2, 3] {
            s.score[f * 13 + j] = 0.0;
        }
        for f in 0..5 {
            s.score[f * 13 + 6] = 0.0;
        }
        let filled = s.fill_missing(0.5);
        assert_eq!(
            filled.at(0, j),
            s.at(1, j),
            "held before the first confident frame"
        );
        assert_eq!(filled.at(2, j), lerp(s.at(1, j), s.at(4, j), 1.0 / 3.0));
        assert_eq!(filled.score[2 * 13 + j], 0.0, "scores are kept");
        let others: Vec<[f32; 2]> = (0..13).filter(|&k| k != 6).map(|k| s.at(1, k)).collect();
        assert_eq!(filled.at(1, 6), mean(&others).unwrap());
    }

    #[test]
    fn normalise_centres_hips_and_makes_the_torso_one() {
        let s = ramp(3)
            .map_points(|_, _, p| [p[0] * 10.0 + 100.0, p[1] * 10.0 - 50.0])
            .normalise();
        let hip = lerp(s.at(1, 7), s.at(1, 8), 0.5);
        assert!(hip[0].abs() < 1e-5 && hip[1].abs() < 1e-5, "{hip:?}");
        let shoulders = lerp(s.at(1, 1), s.at(1, 2), 0.5);
        assert!((distance(shoulders, hip) - 1.0).abs() < 1e-5);
        let flat = Sequence::from_fn(Layout::Penn13, 2, |_, j| ([j as f32, 0.0], 1.0));
        assert!(
            flat.normalise().xy.iter().all(|p| p[0].is_finite()),
            "no torso, no NaN"
        );
    }

    #[test]
    fn mirror_twice_is_identity_and_swaps_sides() {
        let s = ramp(4);
        assert_eq!(s.mirror().mirror(), s);
        assert_eq!(s.mirror().at(2, 1), [-s.at(2, 2)[0], s.at(2, 2)[1]]);
    }

    #[test]
    fn select_takes_frames_in_order() {
        assert_eq!(ramp(6).select(&[5, 0]).at(0, 0), [5.0, 0.0]);
    }
}
