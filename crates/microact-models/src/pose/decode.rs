//! MoveNet's post-processing in plain Rust, as the TF.js graph does it after the heads:
//!
//! 1. the person centre is the arg-max of `sigmoid(centre) / (distance to the grid centre + 1.8)`;
//! 2. each keypoint's first guess is the centre plus its regressed offset;
//! 3. each keypoint is the arg-max of `sigmoid(heatmap_k) / (distance to that guess + 1.8)`;
//! 4. its position is that cell plus the sub-cell offset there, over the grid size; its score is
//!    the heatmap's sigmoid there.
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

/// The four heads read back from the device, NCHW with batch 1.
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
        let heads = [
            ("center", &self.center, cells),
            ("regress", &self.regress, 2 * KEYPOINTS * cells),
            ("heatmap", &self.heatmap, KEYPOINTS * cells),
            ("offset", &self.offset, 2 * KEYPOINTS * cells),
        ];
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
