//! MoveNet's post-processing in plain Rust, as the TF.js graphs do it after the heads.
//!
//! SinglePose ([`HeadsData::single_pose`]):
//!
//! 1. the person centre is the arg-max of `sigmoid(centre) / (distance to the grid centre + 1.8)`;
//! 2. each keypoint's first guess is the centre plus its regressed offset;
//! 3. each keypoint is the arg-max of `sigmoid(heatmap_k) / (distance to that guess + 1.8)`;
//! 4. its position is that cell plus the sub-cell offset there, over the grid size; its score is
//!    the heatmap's sigmoid there.
//!
//! MultiPose ([`HeadsData::multi_pose`]):
//!
//! 1. person centres are the six highest local maxima (5 × 5) of `sigmoid(centre)`;
//! 2. each has a box (centre cell + offset, ± half the regressed size) and regressed keypoints;
//! 3. each keypoint is the arg-max, inside the person's box, of `sigmoid(heatmap_k) ·
//!    exp(−d² / (0.3 · grid side))`, d the distance to the regressed keypoint; its score is the
//!    largest such weighted value any person has at that cell;
//! 4. the person's score is the centre score times the mean of its keypoint scores above 0.127.
//!
//! Constants are the graph's float16 values, so arg-max ties and scale land where TF.js's do.

use super::net::KEYPOINTS;

/// 1.8 as the graph stores it (float16), added to distances from a keypoint's guess.
const DISTANCE_BIAS: f32 = 1.799_804_7;
/// The centre weighting is a float16 table of `1 / (distance + 1.8)` computed before rounding
/// (checked: all 48 × 48 entries of the graph's table match this).
const CENTRE_BIAS: f64 = 1.8;

/// One keypoint, normalised to the network input (0..1, y down) with its score.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct NormKeypoint {
    pub y: f32,
    pub x: f32,
    pub score: f32,
}

/// A person's box, normalised (0..1, y down).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct NormBox {
    pub y_min: f32,
    pub x_min: f32,
    pub y_max: f32,
    pub x_max: f32,
}

/// One person found by MultiPose (normalised to the network input, or, once mapped, to the
/// source frame).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Person {
    pub keypoints: [NormKeypoint; KEYPOINTS],
    pub bbox: NormBox,
    pub score: f32,
}

/// People MultiPose reports per frame (its top-k), best first, before any score threshold.
pub const MAX_PEOPLE: usize = 6;
/// Keypoints scoring above this count towards a person's score (float16 0.127).
const KEYPOINT_THRESHOLD: f32 = 0.126_953_12;
/// The Gaussian weighting's width as a fraction of the grid side (float16 0.3).
const SPREAD: f32 = 0.300_048_83;
/// Local maxima are cells within this of the 5 × 5 maximum (float16 1e-6).
const PEAK_TOLERANCE: f32 = 1.013_279e-6;
/// Side of the local-maximum window.
const PEAK_WINDOW: usize = 5;

/// The heads read back from the device, NCHW with batch 1.
pub struct HeadsData {
    pub height: usize,
    pub width: usize,
    /// `[1, h, w]`
    pub center: Vec<f32>,
    /// `[34, h, w]`: (y, x) per keypoint
    pub regress: Vec<f32>,
    /// `[17, h, w]`
    pub heatmap: Vec<f32>,
    /// `[34, h, w]`: (y, x) per keypoint
    pub offset: Vec<f32>,
    /// MultiPose only: box size `[2, h, w]` (height, width) and box-centre offset `[2, h, w]`.
    pub boxes: Option<[Vec<f32>; 2]>,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DecodeError {
    #[error("head {name} has {found} values; a {height}×{width} grid needs {expected}")]
    Size {
        name: &'static str,
        found: usize,
        expected: usize,
        height: usize,
        width: usize,
    },
    #[error("these weights have no person-box heads: they are SinglePose, not MultiPose")]
    NoBoxes,
}

fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x).exp())
}

/// `value` rounded to float16 and back, as the graph's constants are.
fn f16(value: f32) -> f32 {
    half::f16::from_f32(value).to_f32()
}

/// Index of the first maximum, as TF's ArgMax picks it.
fn arg_max(values: impl Iterator<Item = f32>) -> usize {
    let mut best = (0, f32::NEG_INFINITY);
    for (i, v) in values.enumerate() {
        if v > best.1 {
            best = (i, v);
        }
    }
    best.0
}

impl HeadsData {
    fn check(&self) -> Result<(), DecodeError> {
        let cells = self.height * self.width;
        let mut heads = vec![
            ("center", &self.center, cells),
            ("regress", &self.regress, 2 * KEYPOINTS * cells),
            ("heatmap", &self.heatmap, KEYPOINTS * cells),
            ("offset", &self.offset, 2 * KEYPOINTS * cells),
        ];
        if let Some([scale, offset]) = &self.boxes {
            heads.extend([
                ("box_scale", scale, 2 * cells),
                ("box_offset", offset, 2 * cells),
            ]);
        }
        for (name, values, expected) in heads {
            if values.len() != expected {
                return Err(DecodeError::Size {
                    name,
                    found: values.len(),
                    expected,
                    height: self.height,
                    width: self.width,
                });
            }
        }
        Ok(())
    }

    /// The 17 keypoints of the most central person.
    pub fn single_pose(&self) -> Result<[NormKeypoint; KEYPOINTS], DecodeError> {
        self.check()?;
        let (h, w) = (self.height, self.width);
        let cells = h * w;
        let (mid_y, mid_x) = ((h / 2) as f64, (w / 2) as f64);
        let centre = arg_max((0..cells).map(|i| {
            let (y, x) = ((i / w) as f64, (i % w) as f64);
            let distance = ((y - mid_y).powi(2) + (x - mid_x).powi(2)).sqrt();
            sigmoid(self.center[i]) * f16((1.0 / (distance + CENTRE_BIAS)) as f32)
        }));
        let (cy, cx) = (centre / w, centre % w);
        let scale = (f16(1.0 / h as f32), f16(1.0 / w as f32));
        let mut keypoints = [NormKeypoint {
            y: 0.0,
            x: 0.0,
            score: 0.0,
        }; KEYPOINTS];
        for (k, keypoint) in keypoints.iter_mut().enumerate() {
            let guess_y = cy as f32 + self.regress[(2 * k) * cells + centre];
            let guess_x = cx as f32 + self.regress[(2 * k + 1) * cells + centre];
            let heat = &self.heatmap[k * cells..(k + 1) * cells];
            let cell = arg_max(heat.iter().enumerate().map(|(i, &logit)| {
                let (y, x) = ((i / w) as f32, (i % w) as f32);
                let distance = ((y - guess_y).powi(2) + (x - guess_x).powi(2)).sqrt();
                sigmoid(logit) / (distance + DISTANCE_BIAS)
            }));
            let (ky, kx) = ((cell / w) as f32, (cell % w) as f32);
            *keypoint = NormKeypoint {
                y: (ky + self.offset[(2 * k) * cells + cell]) * scale.0,
                x: (kx + self.offset[(2 * k + 1) * cells + cell]) * scale.1,
                score: sigmoid(heat[cell]),
            };
        }
        Ok(keypoints)
    }

    /// Up to [`MAX_PEOPLE`] people, as the MultiPose graph reports them (best first; filter by
    /// score). Needs the box heads.
    pub fn multi_pose(&self) -> Result<Vec<Person>, DecodeError> {
        self.check()?;
        let Some([box_size, box_offset]) = &self.boxes else {
            return Err(DecodeError::NoBoxes);
        };
        let (h, w) = (self.height, self.width);
        let cells = h * w;
        let centre: Vec<f32> = self.center.iter().map(|&v| sigmoid(v)).collect();
        let heat: Vec<f32> = self.heatmap.iter().map(|&v| sigmoid(v)).collect();
        let mut candidates: Vec<(usize, f32)> = local_maxima(&centre, h, w)
            .into_iter()
            .enumerate()
            .collect();
        // TF's TopK: by value, ties to the lower index.
        candidates.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        candidates.truncate(MAX_PEOPLE);

        let (hf, wf) = (h as f32, w as f32);
        let spread = h.min(w) as f32 * SPREAD;
        struct Candidate {
            score: f32,
            /// Box in grid cells, clipped to the grid.
            grid_box: [f32; 4],
            /// Regressed keypoints in grid cells.
            guess: [(f32, f32); KEYPOINTS],
        }
        let people: Vec<Candidate> = candidates
            .iter()
            .map(|&(cell, score)| {
                let (y, x) = ((cell / w) as f32, (cell % w) as f32);
                let size_y = box_size[cell].max(0.0);
                let size_x = box_size[cells + cell].max(0.0);
                let (cy, cx) = (y + box_offset[cell], x + box_offset[cells + cell]);
                let clip = |v: f32, side: f32| v.min(side).max(0.0);
                let mut guess = [(0.0, 0.0); KEYPOINTS];
                for (k, g) in guess.iter_mut().enumerate() {
                    *g = (
                        y + self.regress[2 * k * cells + cell],
                        x + self.regress[(2 * k + 1) * cells + cell],
                    );
                }
                Candidate {
                    score,
                    grid_box: [
                        clip(cy - size_y * 0.5, hf),
                        clip(cx - size_x * 0.5, wf),
                        clip(cy + size_y * 0.5, hf),
                        clip(cx + size_x * 0.5, wf),
                    ],
                    guess,
                }
            })
            .collect();
        // Person p's weighted heatmap value for keypoint k at cell (i, j); zero outside its box.
        let weighted = |p: &Candidate, k: usize, i: usize, j: usize| {
            let (fi, fj) = (i as f32, j as f32);
            let [y0, x0, y1, x1] = p.grid_box;
            if fi < y0 || fi >= y1 || fj < x0 || fj >= x1 {
                return 0.0;
            }
            let (gy, gx) = p.guess[k];
            let d2 = (fi - gy).powi(2) + (fj - gx).powi(2);
            heat[k * cells + i * w + j] * (-d2 / spread).exp()
        };
        Ok(people
            .iter()
            .map(|p| {
                let mut keypoints = [NormKeypoint {
                    y: 0.0,
                    x: 0.0,
                    score: 0.0,
                }; KEYPOINTS];
                let (mut sum, mut count) = (0.0f32, 0u32);
                for (k, keypoint) in keypoints.iter_mut().enumerate() {
                    let cell = arg_max((0..cells).map(|c| weighted(p, k, c / w, c % w)));
                    let (i, j) = (cell / w, cell % w);
                    let score = people
                        .iter()
                        .map(|q| weighted(q, k, i, j))
                        .fold(f32::NEG_INFINITY, f32::max);
                    *keypoint = NormKeypoint {
                        y: (i as f32 + self.offset[2 * k * cells + cell]) * (1.0 / hf),
                        x: (j as f32 + self.offset[(2 * k + 1) * cells + cell]) * (1.0 / wf),
                        score,
                    };
                    if score > KEYPOINT_THRESHOLD {
                        sum += p.score * score;
                        count += 1;
                    }
                }
                let [y0, x0, y1, x1] = p.grid_box;
                let norm = |v: f32, side: f32| (v * 4.0 / (side * 4.0)).clamp(0.0, 1.0);
                Person {
                    keypoints,
                    bbox: NormBox {
                        y_min: norm(y0, hf),
                        x_min: norm(x0, wf),
                        y_max: norm(y1, hf),
                        x_max: norm(x1, wf),
                    },
                    score: (1.0 / count.max(1) as f32) * sum,
                }
            })
            .collect())
    }
}

/// `values` (an `h × w` grid) where a value is its 5 × 5 neighbourhood's maximum (TF's `SAME`
/// max-pool, within [`PEAK_TOLERANCE`]), else 0.
fn local_maxima(values: &[f32], h: usize, w: usize) -> Vec<f32> {
    let reach = PEAK_WINDOW / 2;
    (0..h * w)
        .map(|c| {
            let (i, j) = (c / w, c % w);
            let mut max = f32::NEG_INFINITY;
            for y in i.saturating_sub(reach)..(i + reach + 1).min(h) {
                for x in j.saturating_sub(reach)..(j + reach + 1).min(w) {
                    max = max.max(values[y * w + x]);
                }
            }
            if (values[c] - max).abs() < PEAK_TOLERANCE {
                values[c]
            } else {
                0.0
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Heads of a 48 × 48 grid with every logit at -10 (sigmoid ≈ 0) and no offsets.
    fn blank() -> HeadsData {
        let cells = 48 * 48;
        HeadsData {
            height: 48,
            width: 48,
            center: vec![-10.0; cells],
            regress: vec![0.0; 2 * KEYPOINTS * cells],
            heatmap: vec![-10.0; KEYPOINTS * cells],
            offset: vec![0.0; 2 * KEYPOINTS * cells],
            boxes: None,
        }
    }

    #[test]
    fn keypoints_follow_centre_regression_heatmap_and_offset() {
        let mut heads = blank();
        let cells = 48 * 48;
        let at = |y: usize, x: usize| y * 48 + x;
        heads.center[at(20, 30)] = 5.0;
        // Keypoint 3: regressed to (20 + 4, 30 - 6) = (24, 24); its heatmap has two peaks, the
        // stronger far away at (2, 2) and a weaker one at (25, 23) near the guess.
        heads.regress[6 * cells + at(20, 30)] = 4.0;
        heads.regress[7 * cells + at(20, 30)] = -6.0;
        heads.heatmap[3 * cells + at(2, 2)] = 3.0;
        heads.heatmap[3 * cells + at(25, 23)] = 2.0;
        heads.offset[6 * cells + at(25, 23)] = 0.25;
        heads.offset[7 * cells + at(25, 23)] = -0.5;
        let keypoints = heads.single_pose().unwrap();
        let k = keypoints[3];
        let scale = f16(1.0 / 48.0);
        assert!((k.y - 25.25 * scale).abs() < 1e-6, "{k:?}");
        assert!((k.x - 22.5 * scale).abs() < 1e-6, "{k:?}");
        assert!((k.score - sigmoid(2.0)).abs() < 1e-6);
        // Keypoints with flat heatmaps fall back to their guess's cell: the centre's.
        let k0 = keypoints[0];
        assert!(
            (k0.y - 20.0 * scale).abs() < 1e-6 && (k0.x - 30.0 * scale).abs() < 1e-6,
            "{k0:?}"
        );
    }

    #[test]
    fn the_most_central_of_equal_people_wins() {
        let mut heads = blank();
        heads.center[5 * 48 + 5] = 4.0;
        heads.center[22 * 48 + 26] = 4.0;
        let k = heads.single_pose().unwrap()[0];
        assert!(
            (k.y * 48.0 - 22.0).abs() < 0.05 && (k.x * 48.0 - 26.0).abs() < 0.05,
            "{k:?}"
        );
    }

    /// Two people: each keypoint is taken from the heatmap peak inside its own person's box,
    /// even where the other person's peak is stronger.
    #[test]
    fn multipose_keypoints_stay_inside_their_person_box() {
        let mut heads = blank();
        let cells = 48 * 48;
        let at = |y: usize, x: usize| y * 48 + x;
        let mut size = vec![0.0; 2 * cells];
        let offset = vec![0.0; 2 * cells];
        for (y, x, strength) in [(10, 10, 3.0), (30, 30, 2.0)] {
            heads.center[at(y, x)] = strength;
            size[at(y, x)] = 8.0;
            size[cells + at(y, x)] = 8.0;
        }
        heads.boxes = Some([size, offset]);
        // Keypoint 0: a strong peak in the first person's box, a weak one in the second's.
        heads.heatmap[at(11, 11)] = 4.0;
        heads.heatmap[at(31, 29)] = 1.0;
        let people = heads.multi_pose().unwrap();
        assert_eq!(people.len(), MAX_PEOPLE);
        let (a, b) = (&people[0], &people[1]);
        assert!(
            (a.keypoints[0].y * 48.0 - 11.0).abs() < 1e-4,
            "{:?}",
            a.keypoints[0]
        );
        assert!(
            (b.keypoints[0].y * 48.0 - 31.0).abs() < 1e-4,
            "{:?}",
            b.keypoints[0]
        );
        assert!(
            (b.keypoints[0].x * 48.0 - 29.0).abs() < 1e-4,
            "{:?}",
            b.keypoints[0]
        );
        assert!(
            (a.bbox.y_min * 48.0 - 6.0).abs() < 1e-4 && (a.bbox.x_max * 48.0 - 14.0).abs() < 1e-4
        );
        // Only keypoint 0 scores above the threshold: each person's score is centre × it.
        let expected = sigmoid(3.0) * a.keypoints[0].score;
        assert!(
            (a.score - expected).abs() < 1e-6,
            "{} vs {expected}",
            a.score
        );
        assert!(a.score > b.score);
    }

    #[test]
    fn multipose_needs_the_box_heads() {
        assert_eq!(blank().multi_pose().unwrap_err(), DecodeError::NoBoxes);
    }

    #[test]
    fn wrong_sizes_are_reported() {
        let mut heads = blank();
        heads.offset.pop();
        let err = heads.single_pose().unwrap_err();
        assert_eq!(
            err.to_string(),
            "head offset has 78335 values; a 48×48 grid needs 78336"
        );
    }
}
