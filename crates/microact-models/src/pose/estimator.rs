//! A pose session over a stream of frames, as TF.js pose-detection runs MoveNet: where each
//! frame's input comes from (the whole frame letterboxed, or SinglePose's tracking crop around
//! the previous person while the video is live), the network and its decoding, and the way back
//! to source pixels, with One-Euro smoothing (live SinglePose) and stable person ids (MultiPose).
//!
//! The caller draws the [`Input`] region of the frame at [`Estimator::input_size`] (a canvas in
//! the page, [`super::crop::crop_resize_rgb`] natively) and hands the RGB tensor back.

use burn::tensor::Tensor;

use super::crop::{CropFilter, CropRegion, MIN_POSE_SCORE, pose_score};
use super::decode::{NormBox, NormKeypoint, Person};
use super::net::{KEYPOINTS, Variant};
use super::smooth::KeypointsFilter;
use super::tracker::Tracker;
use super::{PoseError, PoseNet, multi_pose, single_pose};
use crate::frame::{FrameError, Letterbox, Rect, Size};

/// Where a frame's network input is taken from.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Input {
    /// The whole frame, scaled to fit and centred with black bars.
    Letterbox(Letterbox),
    /// A square crop of the frame in source pixels (parts outside the frame are black), scaled
    /// to the input size.
    Crop { region: CropRegion, source: Size },
}

impl Input {
    /// The part of the source frame, in source pixels, drawn into the input's `dest` rectangle.
    pub fn source_rect(&self) -> Rect {
        match self {
            Input::Letterbox(l) => Rect {
                x: 0.0,
                y: 0.0,
                width: f64::from(l.source.width),
                height: f64::from(l.source.height),
            },
            Input::Crop { region, source } => region.pixels(*source),
        }
    }

    /// Where [`Self::source_rect`] lands in the input, in input pixels.
    pub fn dest_rect(&self, input: Size) -> Rect {
        match self {
            Input::Letterbox(l) => l.placed,
            Input::Crop { .. } => Rect {
                x: 0.0,
                y: 0.0,
                width: f64::from(input.width),
                height: f64::from(input.height),
            },
        }
    }

    /// An input-normalised point in source pixels (x, y).
    fn to_source(&self, y: f32, x: f32) -> (f32, f32) {
        match self {
            Input::Letterbox(l) => {
                let (sx, sy) = l.to_source(
                    f64::from(x) * f64::from(l.target.width),
                    f64::from(y) * f64::from(l.target.height),
                );
                (sx as f32, sy as f32)
            }
            Input::Crop { region, source } => {
                let k = region.to_source(NormKeypoint { y, x, score: 0.0 });
                (k.x * source.width as f32, k.y * source.height as f32)
            }
        }
    }
}

/// A keypoint in source pixels.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Keypoint {
    pub x: f32,
    pub y: f32,
    pub score: f32,
}

/// One person in a frame, in source pixels.
#[derive(Clone, Debug, PartialEq)]
pub struct PersonPose {
    /// Stable across frames (MultiPose's tracker); always 1 for SinglePose.
    pub id: u32,
    pub keypoints: [Keypoint; KEYPOINTS],
    /// MultiPose's box, source pixels.
    pub bbox: Option<Rect>,
    pub score: f32,
    /// What the network gave, normalised to its input (the golden tests compare these).
    pub input_keypoints: [NormKeypoint; KEYPOINTS],
}

/// MoveNet over consecutive frames of one video.
pub struct Estimator {
    net: PoseNet,
    /// MultiPose's input: its longer side in pixels (`None`: the exported 256 × 256).
    side: Option<u32>,
    crop: Option<CropRegion>,
    crop_filter: CropFilter,
    smooth: KeypointsFilter,
    tracker: Tracker,
}

impl Estimator {
    pub fn new(net: PoseNet) -> Self {
        Self {
            net,
            side: None,
            crop: None,
            crop_filter: CropFilter::new(),
            smooth: KeypointsFilter::default(),
            tracker: Tracker::default(),
        }
    }

    pub fn variant(&self) -> Variant {
        self.net.variant()
    }

    /// The network's input size for the default frame (square).
    pub fn input_size(&self) -> Size {
        Size::square(self.net.variant().input_size())
    }

    /// MultiPose's input from now on: its longer side (rounded up to a multiple of 32, at least
    /// 32), the shorter side as the frame's aspect needs, rounded up to a multiple of 32; `None`:
    /// 256 × 256 as the graph was exported. A change forgets the tracked people. SinglePose
    /// keeps its 192 × 192.
    pub fn set_side(&mut self, side: Option<u32>) {
        let side = side.map(|s| s.max(1).div_ceil(32) * 32);
        if side != self.side {
            self.side = side;
            self.reset();
        }
    }

    /// The network's input for frames of `source`'s size: see [`Self::set_side`].
    pub fn input_size_for(&self, source: Size) -> Size {
        match (self.net.variant(), self.side) {
            (Variant::MultiPoseLightning, Some(side)) if !source.is_empty() => {
                let (long, short) = if source.width >= source.height {
                    (source.width, source.height)
                } else {
                    (source.height, source.width)
                };
                let other = (u64::from(side) * u64::from(short)).div_ceil(u64::from(long));
                let other = (other.max(1) as u32).div_ceil(32) * 32;
                if source.width >= source.height {
                    Size {
                        width: side,
                        height: other,
                    }
                } else {
                    Size {
                        width: other,
                        height: side,
                    }
                }
            }
            _ => self.input_size(),
        }
    }

    /// Forgets the previous frames (a new clip, a seek).
    pub fn reset(&mut self) {
        self.crop = None;
        self.crop_filter.reset();
        self.smooth.reset();
        self.tracker.reset();
    }

    /// Where the next frame's input comes from. `live` (playing video, camera): SinglePose
    /// follows the previous frame's person with a square crop; otherwise the whole frame.
    pub fn plan(&mut self, source: Size, live: bool) -> Result<Input, FrameError> {
        let letterbox = Letterbox::fit(source, self.input_size_for(source))?;
        if !live || self.net.variant() != Variant::SinglePoseLightning {
            self.crop = None;
            self.crop_filter.reset();
            return Ok(Input::Letterbox(letterbox));
        }
        let region = *self.crop.get_or_insert_with(|| CropRegion::initial(source));
        Ok(Input::Crop { region, source })
    }

    /// The people in `rgb` (`[1, H, W, 3]`, RGB 0–255, drawn as `input` says). SinglePose gives
    /// one person (none while live when its score is under TF.js's 0.25, which also resets the
    /// crop); MultiPose those scoring at least 0.25, with ids kept across frames.
    pub async fn estimate(
        &mut self,
        rgb: Tensor<4>,
        input: &Input,
        timestamp_ms: f64,
    ) -> Result<Vec<PersonPose>, PoseError> {
        match self.net.variant() {
            Variant::SinglePoseLightning => {
                let found = single_pose(&self.net, rgb).await?;
                Ok(self
                    .single(found, input, timestamp_ms)
                    .into_iter()
                    .collect())
            }
            Variant::MultiPoseLightning => {
                let people = multi_pose(&self.net, rgb).await?;
                Ok(self.multi(people, input, timestamp_ms))
            }
        }
    }

    fn single(
        &mut self,
        found: [NormKeypoint; KEYPOINTS],
        input: &Input,
        timestamp_ms: f64,
    ) -> Option<PersonPose> {
        let score = pose_score(&found);
        let Input::Crop { region, source } = input else {
            return Some(pose_in_source(1, &found, None, score, input));
        };
        if score < MIN_POSE_SCORE {
            self.reset();
            return None;
        }
        // Source-normalised keypoints, smoothed, give the next crop.
        let mut normalised = found.map(|k| region.to_source(k));
        normalised = self
            .smooth
            .apply(&normalised, (timestamp_ms * 1000.0) as i64);
        self.crop = Some(
            self.crop_filter
                .apply(CropRegion::next(&normalised, *source)),
        );
        let (w, h) = (source.width as f32, source.height as f32);
        Some(PersonPose {
            id: 1,
            keypoints: normalised.map(|k| Keypoint {
                x: k.x * w,
                y: k.y * h,
                score: k.score,
            }),
            bbox: None,
            score,
            input_keypoints: found,
        })
    }

    fn multi(&mut self, people: Vec<Person>, input: &Input, timestamp_ms: f64) -> Vec<PersonPose> {
        let kept: Vec<Person> = people
            .into_iter()
            .filter(|p| p.score >= MIN_POSE_SCORE)
            .collect();
        self.tracker
            .apply(kept, timestamp_ms)
            .into_iter()
            .map(|(id, p)| pose_in_source(id, &p.keypoints, Some(p.bbox), p.score, input))
            .collect()
    }
}

fn pose_in_source(
    id: u32,
    keypoints: &[NormKeypoint; KEYPOINTS],
    bbox: Option<NormBox>,
    score: f32,
    input: &Input,
) -> PersonPose {
    PersonPose {
        id,
        keypoints: keypoints.map(|k| {
            let (x, y) = input.to_source(k.y, k.x);
            Keypoint {
                x,
                y,
                score: k.score,
            }
        }),
        bbox: bbox.map(|b| {
            let (x0, y0) = input.to_source(b.y_min, b.x_min);
            let (x1, y1) = input.to_source(b.y_max, b.x_max);
            Rect {
                x: f64::from(x0),
                y: f64::from(y0),
                width: f64::from(x1 - x0),
                height: f64::from(y1 - y0),
            }
        }),
        score,
        input_keypoints: *keypoints,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pose::net::MoveNet;
    use burn::tensor::Device;

    #[test]
    fn letterboxed_keypoints_map_back_to_source_pixels() {
        // 640 × 360 into 192: scale 0.3, bars of 42 px above and below.
        let letterbox = Letterbox::fit(Size::new(640, 360), Size::square(192)).unwrap();
        let input = Input::Letterbox(letterbox);
        let (x, y) = input.to_source(0.5, 0.25);
        assert!(
            (x - 160.0).abs() < 1e-3 && (y - 180.0).abs() < 1e-3,
            "{x}, {y}"
        );
        let (_, top) = input.to_source(42.0 / 192.0, 0.0);
        assert!(top.abs() < 1e-3, "{top}");
    }

    #[test]
    fn live_single_pose_crops_after_the_first_frame_and_paused_frames_do_not() {
        let mut estimator = Estimator::new(PoseNet::Burn(MoveNet::init(
            Variant::SinglePoseLightning,
            &Device::flex(),
        )));
        let source = Size::new(640, 360);
        let live = estimator.plan(source, true).unwrap();
        assert!(matches!(live, Input::Crop { .. }), "{live:?}");
        // A confident person, small, in the left half of the crop.
        let mut found = [NormKeypoint {
            y: 0.5,
            x: 0.3,
            score: 0.9,
        }; KEYPOINTS];
        for (k, kp) in found.iter_mut().enumerate() {
            kp.y = 0.3 + 0.02 * k as f32;
        }
        let person = estimator.single(found, &live, 0.0).unwrap();
        assert_eq!(person.id, 1);
        let Input::Crop { region, .. } = estimator.plan(source, true).unwrap() else {
            panic!("not a crop");
        };
        let Input::Crop { region: first, .. } = live else {
            unreachable!()
        };
        assert_ne!(region, first, "the crop follows the person");
        assert!(matches!(
            estimator.plan(source, false).unwrap(),
            Input::Letterbox(_)
        ));
    }

    #[test]
    fn a_lost_person_resets_the_live_crop() {
        let mut estimator = Estimator::new(PoseNet::Burn(MoveNet::init(
            Variant::SinglePoseLightning,
            &Device::flex(),
        )));
        let source = Size::new(640, 360);
        let live = estimator.plan(source, true).unwrap();
        let faint = [NormKeypoint {
            y: 0.5,
            x: 0.5,
            score: 0.1,
        }; KEYPOINTS];
        assert!(estimator.single(faint, &live, 0.0).is_none());
        assert_eq!(estimator.plan(source, true).unwrap(), live);
    }

    #[test]
    fn multipose_input_follows_the_frame_at_the_chosen_side() {
        let mut estimator = Estimator::new(PoseNet::Burn(MoveNet::init(
            Variant::MultiPoseLightning,
            &Device::flex(),
        )));
        let wide = Size::new(768, 576);
        assert_eq!(estimator.input_size_for(wide), Size::new(256, 256));
        estimator.set_side(Some(512));
        assert_eq!(estimator.input_size_for(wide), Size::new(512, 384));
        estimator.set_side(Some(768));
        assert_eq!(estimator.input_size_for(wide), Size::new(768, 576));
        // 1768 × 994 at 384: 216 rows needed, 224 given (8 rows of padding, no more).
        estimator.set_side(Some(384));
        assert_eq!(
            estimator.input_size_for(Size::new(1768, 994)),
            Size::new(384, 224)
        );
        assert_eq!(
            estimator.input_size_for(Size::new(1080, 1920)),
            Size::new(224, 384)
        );
        estimator.set_side(Some(500));
        assert_eq!(
            estimator.input_size_for(Size::new(1000, 1000)),
            Size::new(512, 512)
        );
        let Input::Letterbox(l) = estimator.plan(wide, true).unwrap() else {
            panic!("MultiPose reads the whole frame");
        };
        assert_eq!(l.target, Size::new(512, 384));
    }
}
