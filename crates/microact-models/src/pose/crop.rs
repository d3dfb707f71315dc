//! The tracking crop of MoveNet SinglePose, ported from TF.js pose-detection 2.1.3:
//! `movenet/crop_utils.ts` (`initCropRegion`, `torsoVisible`, `determineTorsoAndBodyRange`,
//! `determineNextCropRegion`), the crop filter and pose score of `movenet/detector.ts`
//! (`filterCropRegion`, `runSinglePersonPoseModel`) with the constants of `movenet/constants.ts`
//! (`MIN_CROP_KEYPOINT_SCORE`, `CROP_FILTER_ALPHA`, `DEFAULT_MIN_POSE_SCORE`), and the CPU kernel
//! of `tf.image.cropAndResize` (`tfjs-backend-cpu` `kernels/CropAndResize.ts`, bilinear).
//!
//! TF.js's loop per frame: crop the current region out of the frame and resize it to the network
//! input ([`crop_resize_rgb`]); map the keypoints back ([`CropRegion::to_source`]); if the
//! [`pose_score`] is below [`MIN_POSE_SCORE`], drop the pose and start over from
//! [`CropRegion::initial`]; otherwise smooth the keypoints, take [`CropRegion::next`] and low-pass
//! it ([`CropFilter`]) into the region for the next frame.

use super::decode::NormKeypoint;
use super::net::KEYPOINTS;
use super::smooth::LowPassFilter;
use crate::frame::{Rect, Size};

/// A keypoint counts towards the crop (and the pose score) above this score.
pub const MIN_CROP_KEYPOINT_SCORE: f32 = 0.2;
/// A single pose scoring below this is dropped and the crop starts over (TF.js
/// `DEFAULT_MIN_POSE_SCORE`).
pub const MIN_POSE_SCORE: f32 = 0.25;
/// The low-pass factor applied to each edge of the crop between frames.
pub const CROP_FILTER_ALPHA: f64 = 0.9;

const LEFT_SHOULDER: usize = 5;
const RIGHT_SHOULDER: usize = 6;
const LEFT_HIP: usize = 11;
const RIGHT_HIP: usize = 12;
const TORSO: [usize; 4] = [LEFT_SHOULDER, RIGHT_SHOULDER, LEFT_HIP, RIGHT_HIP];

/// A crop box in source-normalised coordinates (0..1 across the frame, y down). It may reach
/// outside the frame: that part is padded with zeros.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CropRegion {
    pub y_min: f64,
    pub x_min: f64,
    pub y_max: f64,
    pub x_max: f64,
    pub height: f64,
    pub width: f64,
}

impl CropRegion {
    fn from_corner(y_min: f64, x_min: f64, height: f64, width: f64) -> Self {
        Self {
            y_min,
            x_min,
            y_max: y_min + height,
            x_max: x_min + width,
            height,
            width,
        }
    }

    /// The crop of the first frame (`initCropRegion(firstFrame = true)`): the largest centred
    /// square inside the frame.
    pub fn initial(source: Size) -> Self {
        let (w, h) = (f64::from(source.width), f64::from(source.height));
        if w > h {
            Self::from_corner(0.0, (w / 2.0 - h / 2.0) / w, 1.0, h / w)
        } else {
            Self::from_corner((h / 2.0 - w / 2.0) / h, 0.0, w / h, 1.0)
        }
    }

    /// The whole frame padded to a centred square (`initCropRegion(firstFrame = false)`): the
    /// fallback of [`next`](Self::next) when the person cannot be located.
    pub fn padded(source: Size) -> Self {
        let (w, h) = (f64::from(source.width), f64::from(source.height));
        if w > h {
            Self::from_corner((h / 2.0 - w / 2.0) / h, 0.0, w / h, 1.0)
        } else {
            Self::from_corner(0.0, (w / 2.0 - h / 2.0) / w, 1.0, h / w)
        }
    }

    /// The crop for the next frame from this frame's keypoints in source-normalised coordinates
    /// (`determineNextCropRegion`): a square, in pixels, centred on the hips, large enough for
    /// 1.9× the torso and 1.2× the body's reach from there. [`padded`](Self::padded) when the
    /// torso is not visible or the square would exceed half the frame's longer side.
    pub fn next(keypoints: &[NormKeypoint; KEYPOINTS], source: Size) -> Self {
        if !torso_visible(keypoints) {
            return Self::padded(source);
        }
        let (w, h) = (f64::from(source.width), f64::from(source.height));
        let px: [(f64, f64); KEYPOINTS] =
            std::array::from_fn(|i| (f64::from(keypoints[i].y) * h, f64::from(keypoints[i].x) * w));
        let centre_y = (px[LEFT_HIP].0 + px[RIGHT_HIP].0) / 2.0;
        let centre_x = (px[LEFT_HIP].1 + px[RIGHT_HIP].1) / 2.0;
        let reach = |indices: &mut dyn Iterator<Item = usize>| {
            indices.fold((0.0f64, 0.0f64), |(ry, rx), i| {
                (
                    ry.max((centre_y - px[i].0).abs()),
                    rx.max((centre_x - px[i].1).abs()),
                )
            })
        };
        let (torso_y, torso_x) = reach(&mut TORSO.into_iter());
        let (body_y, body_x) =
            reach(&mut (0..KEYPOINTS).filter(|&i| keypoints[i].score >= MIN_CROP_KEYPOINT_SCORE));
        let half = (torso_x * 1.9)
            .max(torso_y * 1.9)
            .max(body_y * 1.2)
            .max(body_x * 1.2)
            .min(centre_x.max(w - centre_x).max(centre_y).max(h - centre_y));
        if half > w.max(h) / 2.0 {
            return Self::padded(source);
        }
        let (top, left, side) = (centre_y - half, centre_x - half, 2.0 * half);
        let (y_min, x_min) = (top / h, left / w);
        let (y_max, x_max) = ((top + side) / h, (left + side) / w);
        Self {
            y_min,
            x_min,
            y_max,
            x_max,
            height: y_max - y_min,
            width: x_max - x_min,
        }
    }

    /// A keypoint predicted inside this crop (normalised to it) in source-normalised coordinates.
    pub fn to_source(&self, k: NormKeypoint) -> NormKeypoint {
        NormKeypoint {
            y: (self.y_min + f64::from(k.y) * self.height) as f32,
            x: (self.x_min + f64::from(k.x) * self.width) as f32,
            score: k.score,
        }
    }

    /// This crop in source pixels (for a canvas `drawImage`).
    pub fn pixels(&self, source: Size) -> Rect {
        let (w, h) = (f64::from(source.width), f64::from(source.height));
        Rect {
            x: self.x_min * w,
            y: self.y_min * h,
            width: self.width * w,
            height: self.height * h,
        }
    }
}

/// Whether a hip and a shoulder are both confidently seen (`torsoVisible`).
pub fn torso_visible(keypoints: &[NormKeypoint; KEYPOINTS]) -> bool {
    let seen = |i: usize| keypoints[i].score > MIN_CROP_KEYPOINT_SCORE;
    (seen(LEFT_HIP) || seen(RIGHT_HIP)) && (seen(LEFT_SHOULDER) || seen(RIGHT_SHOULDER))
}

/// A single pose's score as TF.js computes it: the mean score of the keypoints scoring above
/// [`MIN_CROP_KEYPOINT_SCORE`], 0 when none does.
pub fn pose_score(keypoints: &[NormKeypoint; KEYPOINTS]) -> f32 {
    let (sum, count) = keypoints
        .iter()
        .filter(|k| k.score > MIN_CROP_KEYPOINT_SCORE)
        .fold((0.0f64, 0u32), |(s, n), k| (s + f64::from(k.score), n + 1));
    if count == 0 {
        0.0
    } else {
        (sum / f64::from(count)) as f32
    }
}

/// Low-pass filters on the four edges of the crop between frames (`filterCropRegion`, alpha
/// [`CROP_FILTER_ALPHA`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CropFilter {
    edges: [LowPassFilter; 4],
}

impl CropFilter {
    /// Filters that have seen no crop yet.
    pub fn new() -> Self {
        Self {
            edges: [LowPassFilter::new(CROP_FILTER_ALPHA); 4],
        }
    }

    /// The smoothed crop; the first after construction or [`reset`](Self::reset) passes through.
    pub fn apply(&mut self, region: CropRegion) -> CropRegion {
        let [y_min, x_min, y_max, x_max] = [region.y_min, region.x_min, region.y_max, region.x_max];
        let [fy0, fx0, fy1, fx1] = &mut self.edges;
        let (y_min, x_min) = (fy0.apply(y_min, None), fx0.apply(x_min, None));
        let (y_max, x_max) = (fy1.apply(y_max, None), fx1.apply(x_max, None));
        CropRegion {
            y_min,
            x_min,
            y_max,
            x_max,
            height: y_max - y_min,
            width: x_max - x_min,
        }
    }

    /// Forgets the past crops.
    pub fn reset(&mut self) {
        self.edges.iter_mut().for_each(LowPassFilter::reset);
    }
}

impl Default for CropFilter {
    fn default() -> Self {
        Self::new()
    }
}

/// `tf.image.cropAndResize(image, [[y_min, x_min, y_max, x_max]], [0], [side, side], 'bilinear',
/// 0)` for one RGB frame (`rgb`: row-major, 3 bytes a pixel): a `side × side × 3` row-major
/// buffer of values 0–255. Sample `i` of `side` lies at `y_min·(H−1) + i·(y_max−y_min)·(H−1)/(side−1)`
/// source pixels (pixel centres, corners aligned; the box's centre when `side` is 1); rows or
/// columns falling outside `[0, H−1]` / `[0, W−1]` are 0. The box goes through `f32` as TF.js's
/// box tensor does; TF.js's MoveNet then truncates the result to integers, which this leaves to
/// the caller. Bytes missing from a short `rgb` read as 0.
pub fn crop_resize_rgb(rgb: &[u8], size: Size, region: &CropRegion, side: u32) -> Vec<f32> {
    let n = side as usize;
    let mut out = vec![0.0f32; n * n * 3];
    if n == 0 {
        return out;
    }
    let as_f32 = |v: f64| f64::from(v as f32);
    let axis = |lo: f64, hi: f64, extent: u32| {
        let (lo, hi, last) = (as_f32(lo), as_f32(hi), f64::from(extent) - 1.0);
        move |i: usize| {
            let at = if side > 1 {
                lo * last + i as f64 * ((hi - lo) * last / f64::from(side - 1))
            } else {
                0.5 * (lo + hi) * last
            };
            (0.0..=last).contains(&at).then(|| {
                let (near, far) = (at.floor(), at.ceil());
                (near as usize, far as usize, at - near)
            })
        }
    };
    let rows = axis(region.y_min, region.y_max, size.height);
    let cols = axis(region.x_min, region.x_max, size.width);
    let width = size.width as usize;
    let pixel = |row: usize, col: usize, c: usize| {
        rgb.get((row * width + col) * 3 + c)
            .map_or(0.0, |&v| f64::from(v))
    };
    for (y, line) in out.chunks_exact_mut(n * 3).enumerate() {
        let Some((top, bottom, y_lerp)) = rows(y) else {
            continue;
        };
        for (x, texel) in line.chunks_exact_mut(3).enumerate() {
            let Some((left, right, x_lerp)) = cols(x) else {
                continue;
            };
            for (c, value) in texel.iter_mut().enumerate() {
                let upper =
                    pixel(top, left, c) + (pixel(top, right, c) - pixel(top, left, c)) * x_lerp;
                let lower = pixel(bottom, left, c)
                    + (pixel(bottom, right, c) - pixel(bottom, left, c)) * x_lerp;
                *value = (upper + (lower - upper) * y_lerp) as f32;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const VGA: Size = Size {
        width: 640,
        height: 480,
    };

    fn kp(y: f32, x: f32, score: f32) -> NormKeypoint {
        NormKeypoint { y, x, score }
    }

    /// A small standing person in the bottom-right corner of a 640×480 frame.
    fn corner_person() -> [NormKeypoint; KEYPOINTS] {
        let s = 0.9;
        [
            kp(0.60, 0.85, s), // nose
            kp(0.59, 0.84, s), // left eye
            kp(0.59, 0.86, s), // right eye
            kp(0.60, 0.83, s), // left ear
            kp(0.60, 0.87, s), // right ear
            kp(0.65, 0.82, s), // left shoulder
            kp(0.65, 0.88, s), // right shoulder
            kp(0.70, 0.81, s), // left elbow
            kp(0.70, 0.89, s), // right elbow
            kp(0.74, 0.80, s), // left wrist
            kp(0.74, 0.90, s), // right wrist
            kp(0.75, 0.83, s), // left hip
            kp(0.75, 0.87, s), // right hip
            kp(0.83, 0.83, s), // left knee
            kp(0.83, 0.87, s), // right knee
            kp(0.90, 0.83, s), // left ankle
            kp(0.90, 0.87, s), // right ankle
        ]
    }

    fn assert_region(actual: CropRegion, [y_min, x_min, y_max, x_max]: [f64; 4]) {
        let expected = [y_min, x_min, y_max, x_max, y_max - y_min, x_max - x_min];
        let got = [
            actual.y_min,
            actual.x_min,
            actual.y_max,
            actual.x_max,
            actual.height,
            actual.width,
        ];
        for (g, e) in got.iter().zip(expected) {
            assert!((g - e).abs() < 1e-6, "{actual:?} vs {expected:?}");
        }
    }

    #[test]
    fn initial_and_padded_regions() {
        // Landscape: first frame is the centred 480×480 square; padded is 640×640 around the frame.
        assert_region(CropRegion::initial(VGA), [0.0, 0.125, 1.0, 0.875]);
        assert_region(CropRegion::padded(VGA), [-1.0 / 6.0, 0.0, 7.0 / 6.0, 1.0]);
        // Portrait: the same transposed.
        let portrait = Size::new(480, 640);
        assert_region(CropRegion::initial(portrait), [0.125, 0.0, 0.875, 1.0]);
        assert_region(
            CropRegion::padded(portrait),
            [0.0, -1.0 / 6.0, 1.0, 7.0 / 6.0],
        );
        // Square: both are the frame.
        let square = Size::square(100);
        assert_region(CropRegion::initial(square), [0.0, 0.0, 1.0, 1.0]);
        assert_region(CropRegion::padded(square), [0.0, 0.0, 1.0, 1.0]);
    }

    #[test]
    fn crop_shrinks_around_a_small_person_in_a_corner() {
        // In pixels: hips centre (360, 544); torso reach (48, 19.2); body reach (76.8, 32) from
        // the eyes and wrists; half side = max(1.9·48, 1.2·76.8, …) = 92.16.
        let region = CropRegion::next(&corner_person(), VGA);
        let half = 92.16;
        assert_region(
            region,
            [
                (360.0 - half) / 480.0,
                (544.0 - half) / 640.0,
                (360.0 + half) / 480.0,
                (544.0 + half) / 640.0,
            ],
        );
        // Square in pixels, and every keypoint inside.
        assert!((region.height * 480.0 - region.width * 640.0).abs() < 1e-6);
        for k in corner_person() {
            let (y, x) = (f64::from(k.y), f64::from(k.x));
            assert!(region.y_min < y && y < region.y_max && region.x_min < x && x < region.x_max);
        }
        let rect = region.pixels(VGA);
        assert!((rect.width - 2.0 * half).abs() < 1e-4 && (rect.height - 2.0 * half).abs() < 1e-4);
    }

    #[test]
    fn low_scoring_limbs_do_not_widen_the_crop() {
        let mut pose = corner_person();
        let reference = CropRegion::next(&pose, VGA);
        pose[9] = kp(0.5, 0.7, 0.19); // a wrist further out, below the keypoint threshold
        assert_eq!(CropRegion::next(&pose, VGA), reference);
        pose[9].score = 0.2; // at the threshold it counts (TF.js skips only `score < 0.2`)
        assert!(CropRegion::next(&pose, VGA).height > reference.height);
    }

    #[test]
    fn no_visible_torso_falls_back_to_the_padded_frame() {
        let padded = CropRegion::padded(VGA);
        let mut no_hips = corner_person();
        no_hips[LEFT_HIP].score = 0.1;
        no_hips[RIGHT_HIP].score = 0.2; // not above the threshold
        assert!(!torso_visible(&no_hips));
        assert_eq!(CropRegion::next(&no_hips, VGA), padded);
        let mut no_shoulders = corner_person();
        no_shoulders[LEFT_SHOULDER].score = 0.0;
        no_shoulders[RIGHT_SHOULDER].score = 0.0;
        assert_eq!(CropRegion::next(&no_shoulders, VGA), padded);
        let mut one_of_each = corner_person();
        one_of_each[LEFT_HIP].score = 0.0;
        one_of_each[RIGHT_SHOULDER].score = 0.0;
        assert!(torso_visible(&one_of_each));
    }

    #[test]
    fn a_crop_larger_than_half_the_frame_falls_back_to_padded() {
        // Hips at x = 100 px, a wrist 400 px away: half side 480 > 320.
        let mut pose = [kp(0.5, 100.0 / 640.0, 0.9); KEYPOINTS];
        pose[LEFT_SHOULDER].y = 0.3;
        pose[9] = kp(0.5, 500.0 / 640.0, 0.9);
        assert_eq!(CropRegion::next(&pose, VGA), CropRegion::padded(VGA));
    }

    #[test]
    fn keypoints_map_back_to_the_source() {
        let region = CropRegion::initial(VGA);
        let back = |y, x| {
            let k = region.to_source(kp(y, x, 0.7));
            (k.y, k.x, k.score)
        };
        assert_eq!(back(0.5, 0.5), (0.5, 0.5, 0.7));
        assert_eq!(back(0.0, 0.0), (0.0, 0.125, 0.7));
        assert_eq!(back(1.0, 1.0), (1.0, 0.875, 0.7));
        let rect = region.pixels(VGA);
        assert_eq!(
            (rect.x, rect.y, rect.width, rect.height),
            (80.0, 0.0, 480.0, 480.0)
        );
    }

    #[test]
    fn pose_score_averages_confident_keypoints() {
        let mut pose = [kp(0.5, 0.5, 0.1); KEYPOINTS];
        assert_eq!(pose_score(&pose), 0.0);
        pose[0].score = 0.5;
        pose[1].score = 0.7;
        assert!((pose_score(&pose) - 0.6).abs() < 1e-6);
    }

    #[test]
    fn crop_filter_smooths_edges() {
        let mut filter = CropFilter::new();
        let a = CropRegion::from_corner(0.0, 0.0, 1.0, 1.0);
        let b = CropRegion::from_corner(0.5, 0.5, 0.5, 0.5);
        assert_eq!(filter.apply(a), a);
        // Each edge moves 90 % of the way.
        assert_region(filter.apply(b), [0.45, 0.45, 1.0, 1.0]);
        filter.reset();
        assert_eq!(filter.apply(b), b);
    }

    /// A 3×3 image whose channel `c` at (row, col) is `100·c + 10·row + col`: linear, so
    /// bilinear samples are exact.
    fn linear_3x3() -> Vec<u8> {
        (0..3)
            .flat_map(|r| (0..3).flat_map(move |col| (0..3).map(move |c| 100 * c + 10 * r + col)))
            .collect()
    }

    fn region(y_min: f64, x_min: f64, y_max: f64, x_max: f64) -> CropRegion {
        CropRegion::from_corner(y_min, x_min, y_max - y_min, x_max - x_min)
    }

    #[test]
    fn crop_resize_interpolates_bilinearly() {
        // 2×2 image, whole-image box, 3×3 output: samples at 0, 0.5 and 1 pixel.
        let rgb = [0, 10, 20, 40, 50, 60, 80, 90, 100, 120, 130, 140];
        let out = crop_resize_rgb(&rgb, Size::square(2), &region(0.0, 0.0, 1.0, 1.0), 3);
        #[rustfmt::skip]
        let expected = [
            0.0, 10.0, 20.0,   20.0, 30.0, 40.0,   40.0, 50.0, 60.0,
            40.0, 50.0, 60.0,  60.0, 70.0, 80.0,   80.0, 90.0, 100.0,
            80.0, 90.0, 100.0, 100.0, 110.0, 120.0, 120.0, 130.0, 140.0,
        ];
        assert_eq!(out, expected);
        // One output pixel samples the box centre.
        let centre = crop_resize_rgb(&rgb, Size::square(2), &region(0.0, 0.0, 1.0, 1.0), 1);
        assert_eq!(centre, [60.0, 70.0, 80.0]);
        assert!(crop_resize_rgb(&rgb, Size::square(2), &region(0.0, 0.0, 1.0, 1.0), 0).is_empty());
        // An empty frame is all outside.
        let empty = crop_resize_rgb(&[], Size::new(0, 0), &region(0.0, 0.0, 1.0, 1.0), 2);
        assert_eq!(empty, [0.0; 12]);
    }

    #[test]
    fn crop_resize_fills_outside_the_frame_with_zero() {
        let rgb = linear_3x3();
        // Box twice the image around it: samples at −1, 1 and 3 pixels; only the centre is inside.
        let out = crop_resize_rgb(&rgb, Size::square(3), &region(-0.5, -0.5, 1.5, 1.5), 3);
        let mut expected = [0.0; 27];
        expected[12..15].copy_from_slice(&[11.0, 111.0, 211.0]);
        assert_eq!(out, expected);
        // Shifted up by a quarter: rows at −0.5 (outside), 0.5 and 1.5; columns at 0, 1, 2.
        let out = crop_resize_rgb(&rgb, Size::square(3), &region(-0.25, 0.0, 0.75, 1.0), 3);
        #[rustfmt::skip]
        let expected = [
            0.0, 0.0, 0.0,     0.0, 0.0, 0.0,     0.0, 0.0, 0.0,
            5.0, 105.0, 205.0, 6.0, 106.0, 206.0, 7.0, 107.0, 207.0,
            15.0, 115.0, 215.0, 16.0, 116.0, 216.0, 17.0, 117.0, 217.0,
        ];
        assert_eq!(out, expected);
    }

    #[test]
    fn crop_resize_of_the_initial_region_keeps_the_centre_square() {
        // A 4×2 frame (landscape): the first-frame crop is columns 1..=2, resampled to 2×2.
        let rgb: Vec<u8> = (0..8u8).flat_map(|p| [p, 0, 0]).collect();
        let out = crop_resize_rgb(
            &rgb,
            Size::new(4, 2),
            &CropRegion::initial(Size::new(4, 2)),
            2,
        );
        // x samples at 0.25·3 = 0.75 and 0.75·3 = 2.25 pixels.
        let red: Vec<f32> = out.chunks(3).map(|p| p[0]).collect();
        assert_eq!(red, [0.75, 2.25, 4.75, 6.25]);
    }
}
