//! A pose session over a stream of frames, as TF.js pose-detection runs MoveNet: where each
//! frame's input comes from (the whole frame letterboxed, or SinglePose's tracking crop around
//! the previous person while the video is live), the network and its decoding, and the way back
//! to source pixels, with One-Euro smoothing (live SinglePose) and stable person ids (MultiPose).
//!
//! The caller draws the [`Input`] region of the frame at [`Estimator::input_size`] (a canvas in
//! the page, [`super::crop::crop_resize_rgb`] natively) and hands the RGB tensor back.

use std::collections::VecDeque;

use burn::tensor::Tensor;

use super::crop::{CropFilter, CropRegion, MIN_POSE_SCORE, pose_score};
use super::decode::MAX_PEOPLE;
use super::decode::{NormBox, NormKeypoint, Person};
use super::net::{KEYPOINTS, Variant};
use super::scale::{
    AUTO_MAX, AUTO_PERSON_HEIGHT, AutoSide, Found, MAX_LEVEL, MAX_LOOKS, MultiPoseInput, Region,
    Side, ZOOM_CANDIDATE, ZOOM_SIDE, Zoom, merge, tiles, zoom_regions,
};
use super::smooth::KeypointsFilter;
use super::tracker::{Tracker, TrackerConfig};
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
    /// A part of the frame (zoom to people), scaled to fit and centred with black bars; `level`:
    /// 1 for a part of the whole frame, 2 for a part of a part.
    Region {
        region: Region,
        letterbox: Letterbox,
        level: u8,
    },
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
            Input::Region { region, .. } => region.rect(),
        }
    }

    /// Where [`Self::source_rect`] lands in the input, in input pixels.
    pub fn dest_rect(&self, input: Size) -> Rect {
        match self {
            Input::Letterbox(l) | Input::Region { letterbox: l, .. } => l.placed,
            Input::Crop { .. } => Rect {
                x: 0.0,
                y: 0.0,
                width: f64::from(input.width),
                height: f64::from(input.height),
            },
        }
    }

    /// The network's input size for this input (`crop`: SinglePose's square).
    pub fn size(&self, crop: Size) -> Size {
        match self {
            Input::Letterbox(l) | Input::Region { letterbox: l, .. } => l.target,
            Input::Crop { .. } => crop,
        }
    }

    /// An input-normalised point in source pixels (x, y).
    fn to_source(&self, y: f32, x: f32) -> (f32, f32) {
        let letterboxed = |l: &Letterbox| {
            l.to_source(
                f64::from(x) * f64::from(l.target.width),
                f64::from(y) * f64::from(l.target.height),
            )
        };
        match self {
            Input::Letterbox(l) => {
                let (sx, sy) = letterboxed(l);
                (sx as f32, sy as f32)
            }
            Input::Region {
                region, letterbox, ..
            } => {
                let (sx, sy) = letterboxed(letterbox);
                (
                    (sx + f64::from(region.x)) as f32,
                    (sy + f64::from(region.y)) as f32,
                )
            }
            Input::Crop { region, source } => {
                let k = region.to_source(NormKeypoint { y, x, score: 0.0 });
                (k.x * source.width as f32, k.y * source.height as f32)
            }
        }
    }

    /// `person` (normalised to this input) normalised to the `source` frame.
    fn to_frame(&self, person: &Person, source: Size) -> Person {
        let (w, h) = (source.width.max(1) as f32, source.height.max(1) as f32);
        let point = |y: f32, x: f32| {
            let (sx, sy) = self.to_source(y, x);
            (sy / h, sx / w)
        };
        let (y_min, x_min) = point(person.bbox.y_min, person.bbox.x_min);
        let (y_max, x_max) = point(person.bbox.y_max, person.bbox.x_max);
        Person {
            keypoints: person.keypoints.map(|k| {
                let (y, x) = point(k.y, k.x);
                NormKeypoint {
                    y,
                    x,
                    score: k.score,
                }
            }),
            bbox: NormBox {
                y_min,
                x_min,
                y_max,
                x_max,
            },
            score: person.score,
        }
    }
}

/// What a look at a frame leaves to do.
#[derive(Debug)]
pub enum Look {
    /// Look again, at this input of the same frame (zoom to people).
    Again(Input),
    /// The frame's people.
    Done(Vec<PersonPose>),
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
    /// How MultiPose looks at frames.
    multi: MultiPoseInput,
    auto: AutoSide,
    /// The frame being looked at: its size, what was found so far and where to look next.
    source: Size,
    found: Vec<Found>,
    zooms: VecDeque<Zoom>,
    /// Looks at the frame so far.
    looks: usize,
    crop: Option<CropRegion>,
    crop_filter: CropFilter,
    smooth: KeypointsFilter,
    tracker: Tracker,
}

impl Estimator {
    pub fn new(net: PoseNet) -> Self {
        Self {
            net,
            multi: MultiPoseInput::default(),
            auto: AutoSide::default(),
            source: Size::new(0, 0),
            found: Vec::new(),
            zooms: VecDeque::new(),
            looks: 0,
            crop: None,
            crop_filter: CropFilter::new(),
            smooth: KeypointsFilter::default(),
            // Predicting, and 2 s rather than TF.js's 1 s, keep a walker's id across missed
            // frames (wide shots, small people): docs/benchmarks.md, "People in wide shots".
            tracker: Tracker::new(TrackerConfig {
                predict: true,
                max_age_ms: 2000.0,
                ..TrackerConfig::default()
            }),
        }
    }

    pub fn variant(&self) -> Variant {
        self.net.variant()
    }

    /// The network's input size for the default frame (square).
    pub fn input_size(&self) -> Size {
        Size::square(self.net.variant().input_size())
    }

    /// How MultiPose looks at frames from now on (SinglePose keeps its 192 × 192). People keep
    /// their ids across a change: they are tracked in the frame's coordinates.
    pub fn set_multi(&mut self, multi: MultiPoseInput) {
        if multi.side != self.multi.side {
            self.auto.reset();
        }
        self.multi = multi;
    }

    /// The network's whole-frame input for frames of `source`'s size: MultiPose as
    /// [`Self::set_multi`] chose ([`Size::input_at`]); SinglePose's 192 × 192.
    pub fn input_size_for(&self, source: Size) -> Size {
        match (self.net.variant(), self.multi.side) {
            (Variant::SinglePoseLightning, _) | (_, Side::Exported) => self.input_size(),
            _ if source.is_empty() => self.input_size(),
            (_, Side::Longer(side)) => source.input_at(side),
            (_, Side::Auto) => source.input_at(self.auto.side(source)),
        }
    }

    /// Forgets the previous frames (a new clip, a seek).
    pub fn reset(&mut self) {
        self.crop = None;
        self.crop_filter.reset();
        self.smooth.reset();
        self.tracker.reset();
        self.auto.reset();
        self.found.clear();
        self.zooms.clear();
    }

    /// Where the next frame's input comes from. `live` (playing video, camera): SinglePose
    /// follows the previous frame's person with a square crop; otherwise the whole frame.
    pub fn plan(&mut self, source: Size, live: bool) -> Result<Input, FrameError> {
        let letterbox = Letterbox::fit(source, self.input_size_for(source))?;
        self.source = source;
        self.found.clear();
        self.zooms.clear();
        self.looks = 0;
        if !live || self.net.variant() != Variant::SinglePoseLightning {
            self.crop = None;
            self.crop_filter.reset();
            return Ok(Input::Letterbox(letterbox));
        }
        let region = *self.crop.get_or_insert_with(|| CropRegion::initial(source));
        Ok(Input::Crop { region, source })
    }

    /// The people in `rgb` (`[1, H, W, 3]`, RGB 0–255, drawn as `input` says), from this one
    /// look: SinglePose gives one person (none while live when its score is under TF.js's 0.25,
    /// which also resets the crop); MultiPose those scoring at least 0.25, with ids kept across
    /// frames. Zoom to people needs [`Self::look`].
    pub async fn estimate(
        &mut self,
        rgb: Tensor<4>,
        input: &Input,
        timestamp_ms: f64,
    ) -> Result<Vec<PersonPose>, PoseError> {
        Ok(match self.look(rgb, input, timestamp_ms).await? {
            Look::Done(people) => people,
            Look::Again(_) => self.conclude(timestamp_ms),
        })
    }

    /// One look at the frame [`Self::plan`] planned: `rgb` is `input` drawn as it says. With zoom
    /// to people, MultiPose asks to look again at crops around the small people it found (or
    /// tracked a moment ago) before it gives the frame's people.
    pub async fn look(
        &mut self,
        rgb: Tensor<4>,
        input: &Input,
        timestamp_ms: f64,
    ) -> Result<Look, PoseError> {
        match self.net.variant() {
            Variant::SinglePoseLightning => {
                let found = single_pose(&self.net, rgb).await?;
                Ok(Look::Done(
                    self.single(found, input, timestamp_ms)
                        .into_iter()
                        .collect(),
                ))
            }
            Variant::MultiPoseLightning => {
                let people = multi_pose(&self.net, rgb).await?;
                self.looks += 1;
                if self.multi.zoom {
                    self.plan_zooms(&people, input);
                }
                self.found.extend(people.into_iter().map(|p| {
                    let person = input.to_frame(&p, self.source);
                    Found {
                        person,
                        input_keypoints: p.keypoints,
                        cut: match input {
                            Input::Region { region, .. } => cut_by(region, &person, self.source),
                            _ => false,
                        },
                    }
                }));
                match self.zooms.pop_front() {
                    Some(zoom) if self.looks < MAX_LOOKS => {
                        let size = zoom.region.size();
                        let letterbox = Letterbox::fit(size, size.input_at(zoom.side))?;
                        Ok(Look::Again(Input::Region {
                            region: zoom.region,
                            letterbox,
                            level: zoom.level,
                        }))
                    }
                    _ => Ok(Look::Done(self.conclude(timestamp_ms))),
                }
            }
        }
    }

    /// What zoom to people looks at after `input`: a look that found as many confident people as
    /// MultiPose reports may have missed more, so its part of the frame is looked at again in
    /// four overlapping tiles at its scale, closer (up to 2×) where its smallest person is under
    /// [`AUTO_PERSON_HEIGHT`] (inputs [`ZOOM_SIDE`] to [`AUTO_MAX`] long; two levels at most);
    /// after the whole frame, crops around its small candidates and the people tracked a moment
    /// ago.
    fn plan_zooms(&mut self, people: &[Person], input: &Input) {
        let (region, level, scale) = match input {
            Input::Letterbox(l) => (
                Region {
                    x: 0,
                    y: 0,
                    width: self.source.width,
                    height: self.source.height,
                },
                0,
                l.scale,
            ),
            Input::Region {
                region,
                letterbox,
                level,
            } => (*region, *level, letterbox.scale),
            Input::Crop { .. } => return,
        };
        let confident: Vec<&Person> = people
            .iter()
            .filter(|p| p.score >= MIN_POSE_SCORE)
            .collect();
        if confident.len() >= MAX_PEOPLE && level < MAX_LEVEL {
            // Closer where this look's smallest person is short of what auto wants (at most 2×).
            let target = input.size(self.input_size());
            let smallest = confident
                .iter()
                .map(|p| f64::from(p.bbox.y_max - p.bbox.y_min) * f64::from(target.height))
                .fold(f64::INFINITY, f64::min);
            let closer = (AUTO_PERSON_HEIGHT / smallest).clamp(1.0, 2.0);
            self.zooms.extend(tiles(region).map(|region| {
                let long = f64::from(region.width.max(region.height));
                Zoom {
                    region,
                    side: ((long * scale * closer).ceil() as u32).clamp(ZOOM_SIDE, AUTO_MAX),
                    level: level + 1,
                }
            }));
        }
        if let Input::Letterbox(letterbox) = input {
            let crops = self.crops_for(people, input, letterbox.scale);
            self.zooms.extend(crops.into_iter().map(|region| Zoom {
                region,
                side: ZOOM_SIDE,
                level: 1,
            }));
        }
    }

    /// Crops around the whole frame's candidates (from [`ZOOM_CANDIDATE`]) and the people
    /// tracked a moment ago, where they are small at `scale` (input pixels per source pixel).
    fn crops_for(&self, people: &[Person], input: &Input, scale: f64) -> Vec<Region> {
        let candidates = people
            .iter()
            .filter(|p| p.score >= ZOOM_CANDIDATE)
            .map(|p| input.to_frame(p, self.source).bbox);
        let tracked = self.tracker.tracks().iter().map(|t| t.detection.bbox);
        let boxes: Vec<Rect> = candidates
            .chain(tracked)
            .map(|b| b.in_pixels(self.source))
            .collect();
        zoom_regions(self.source, scale, &boxes)
    }

    /// The frame's people from every look: one per person, at least 0.25, tracked.
    fn conclude(&mut self, timestamp_ms: f64) -> Vec<PersonPose> {
        self.zooms.clear();
        let mut found = std::mem::take(&mut self.found);
        found.retain(|f| f.person.score >= MIN_POSE_SCORE);
        let (kept, inputs): (Vec<Person>, Vec<[NormKeypoint; KEYPOINTS]>) = merge(found)
            .into_iter()
            .map(|f| (f.person, f.input_keypoints))
            .unzip();
        let (w, h) = (self.source.width as f32, self.source.height as f32);
        self.auto.saw(
            self.source,
            kept.iter()
                .map(|p| f64::from((p.bbox.y_max - p.bbox.y_min) * h)),
        );
        self.tracker
            .apply(kept, timestamp_ms)
            .into_iter()
            .zip(inputs)
            .map(|((id, p), input_keypoints)| PersonPose {
                id,
                keypoints: p.keypoints.map(|k| Keypoint {
                    x: k.x * w,
                    y: k.y * h,
                    score: k.score,
                }),
                bbox: Some(p.bbox.in_pixels(self.source)),
                score: p.score,
                input_keypoints,
            })
            .collect()
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
}

/// Whether `person` (normalised to the frame of `source`'s size) reaches an edge of `region`
/// that is not the frame's: cut off there, and seen whole by the look whose region holds it.
fn cut_by(region: &Region, person: &Person, source: Size) -> bool {
    let (w, h) = (f64::from(source.width), f64::from(source.height));
    let margin = 0.02 * f64::from(region.width.max(region.height));
    let b = person.bbox.in_pixels(source);
    let (x0, y0, x1, y1) = (b.x, b.y, b.x + b.width, b.y + b.height);
    let r = region.rect();
    (r.x > 0.0 && x0 < r.x + margin)
        || (r.y > 0.0 && y0 < r.y + margin)
        || (r.x + r.width < w && x1 > r.x + r.width - margin)
        || (r.y + r.height < h && y1 > r.y + r.height - margin)
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
        let longer = |side| MultiPoseInput {
            side: Side::Longer(side),
            zoom: false,
        };
        estimator.set_multi(longer(512));
        assert_eq!(estimator.input_size_for(wide), Size::new(512, 384));
        estimator.set_multi(longer(768));
        assert_eq!(estimator.input_size_for(wide), Size::new(768, 576));
        estimator.set_multi(MultiPoseInput {
            side: Side::Auto,
            zoom: true,
        });
        assert_eq!(estimator.input_size_for(wide), Size::new(768, 576));
        assert_eq!(
            estimator.input_size_for(Size::new(1920, 1080)),
            Size::new(768, 448)
        );
        estimator.set_multi(longer(512));
        let Input::Letterbox(l) = estimator.plan(wide, true).unwrap() else {
            panic!("MultiPose reads the whole frame");
        };
        assert_eq!(l.target, Size::new(512, 384));
    }

    #[test]
    fn a_zoomed_look_maps_back_into_the_frame() {
        let region = Region {
            x: 100,
            y: 50,
            width: 200,
            height: 100,
        };
        let letterbox = Letterbox::fit(region.size(), Size::new(256, 128)).unwrap();
        let input = Input::Region {
            region,
            letterbox,
            level: 1,
        };
        assert_eq!(input.size(Size::square(192)), Size::new(256, 128));
        let (x, y) = input.to_source(0.5, 0.25);
        assert!(
            (x - 150.0).abs() < 1e-3 && (y - 100.0).abs() < 1e-3,
            "{x}, {y}"
        );
        let k = NormKeypoint {
            y: 0.5,
            x: 0.5,
            score: 0.9,
        };
        let near_left = Person {
            keypoints: [k; KEYPOINTS],
            bbox: NormBox {
                y_min: 0.3,
                x_min: 0.005,
                y_max: 0.7,
                x_max: 0.2,
            },
            score: 0.9,
        };
        let frame = Size::new(800, 600);
        let in_frame = input.to_frame(&near_left, frame);
        assert!((in_frame.bbox.x_min - 101.0 / 800.0).abs() < 1e-6);
        assert!(
            cut_by(&region, &in_frame, frame),
            "cut by the crop's left edge"
        );
        let at_frame_edge = Region { x: 0, ..region };
        let letterbox = Letterbox::fit(at_frame_edge.size(), Size::new(256, 128)).unwrap();
        let person = Input::Region {
            region: at_frame_edge,
            letterbox,
            level: 1,
        }
        .to_frame(&near_left, frame);
        assert!(
            !cut_by(&at_frame_edge, &person, frame),
            "the frame's own edge cuts nothing"
        );
    }
}
