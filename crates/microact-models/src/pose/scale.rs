//! MultiPose at the scale a clip's people need: the input's size ("auto": from the clip's size and
//! the smallest person seen in the last frames) and zoom to people, the auto-zoom of AZTR: people
//! that are small in the whole frame's input (candidates below the usual score cut included, and
//! people tracked a moment ago) are looked at again in crops around them, and everything found is
//! merged into one set per frame before the tracker.

use std::collections::VecDeque;

use super::decode::{NormBox, NormKeypoint, Person};
use super::net::KEYPOINTS;
use crate::frame::{Rect, Size};

/// MultiPose's input size.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Side {
    /// 256 × 256, as the graph was exported.
    #[default]
    Exported,
    /// This longer side in pixels (a multiple of 32), the other as the frame's aspect needs.
    Longer(u32),
    /// From the clip's size and the people seen: see [`AutoSide`].
    Auto,
}

/// How MultiPose looks at each frame.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MultiPoseInput {
    pub side: Side,
    /// Look again at small people in crops around them ([`zoom_regions`]).
    pub zoom: bool,
}

fn ceil32(value: f64) -> u32 {
    (value.max(1.0).ceil() as u32).div_ceil(32) * 32
}

/// "Auto" wants the smallest person this tall in input pixels (at 80 px MoveNet MultiPose finds
/// the pedestrians of a 768 × 576 plaza that it misses at 256).
pub const AUTO_PERSON_HEIGHT: f64 = 80.0;
/// Auto's smallest and largest longer side.
pub const AUTO_MIN: u32 = 256;
pub const AUTO_MAX: u32 = 1024;
/// Before anyone is seen, auto reads the clip at its own size, up to this longer side.
pub const AUTO_FIRST_MAX: u32 = 768;
/// Frames whose people auto remembers.
const AUTO_FRAMES: usize = 30;

/// The "auto" input side: at first the clip's own longer side (from [`AUTO_MIN`] to
/// [`AUTO_FIRST_MAX`]); once people are seen, the side that makes the smallest person of the
/// last 30 frames [`AUTO_PERSON_HEIGHT`] tall (from [`AUTO_MIN`] to [`AUTO_MAX`]). It moves only
/// when the wanted side differs by a quarter or more, so it does not flicker.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AutoSide {
    /// Per frame, the smallest person's height in source pixels (`None`: nobody).
    smallest: VecDeque<Option<f64>>,
    side: Option<u32>,
}

impl AutoSide {
    fn first(source: Size) -> u32 {
        ceil32(f64::from(source.width.max(source.height))).clamp(AUTO_MIN, AUTO_FIRST_MAX)
    }

    /// The longer side for the next frame of `source`.
    pub fn side(&self, source: Size) -> u32 {
        self.side.unwrap_or_else(|| Self::first(source))
    }

    /// A frame of `source` looked at: the heights (source pixels) of the people kept in it.
    pub fn saw(&mut self, source: Size, heights: impl IntoIterator<Item = f64>) {
        let smallest = heights
            .into_iter()
            .filter(|h| h.is_finite() && *h > 0.0)
            .min_by(f64::total_cmp);
        self.smallest.push_back(smallest);
        if self.smallest.len() > AUTO_FRAMES {
            self.smallest.pop_front();
        }
        let wanted = match self
            .smallest
            .iter()
            .flatten()
            .copied()
            .min_by(f64::total_cmp)
        {
            None => Self::first(source),
            Some(height) => {
                let long = f64::from(source.width.max(source.height));
                ceil32(AUTO_PERSON_HEIGHT * long / height).clamp(AUTO_MIN, AUTO_MAX)
            }
        };
        let current = self.side(source);
        if wanted.abs_diff(current) * 4 >= current {
            self.side = Some(wanted);
        }
    }

    pub fn reset(&mut self) {
        *self = Self::default();
    }
}

/// A person shorter than this in the whole frame's input pixels is looked at again.
pub const ZOOM_BELOW: f64 = 96.0;
/// Whole-frame candidates scoring at least this are looked at again (under the 0.25 cut: a small
/// person often scores 0.2 and 0.5 once zoomed).
pub const ZOOM_CANDIDATE: f32 = 0.1;
/// A crop's input: its longer side.
pub const ZOOM_SIDE: u32 = 256;
/// At most this many crops per frame (MultiPose's own top-k).
pub const MAX_ZOOMS: usize = 6;
/// A crop spans this many times the person's height (and width), so that the person is about
/// half the crop: the context MoveNet was trained with.
const ZOOM_CONTEXT: f64 = 2.0;
/// Crops are never magnified more than this (a blurred person finds nothing more).
const ZOOM_MAX: f64 = 4.0;

/// An integer rectangle of the source frame, in pixels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Region {
    pub x: u32,
    pub y: u32,
    pub width: u32,
    pub height: u32,
}

impl Region {
    pub fn size(&self) -> Size {
        Size::new(self.width, self.height)
    }

    pub fn rect(&self) -> Rect {
        Rect {
            x: f64::from(self.x),
            y: f64::from(self.y),
            width: f64::from(self.width),
            height: f64::from(self.height),
        }
    }

    fn right(&self) -> u32 {
        self.x + self.width
    }

    fn bottom(&self) -> u32 {
        self.y + self.height
    }

    fn union(&self, other: &Region) -> Region {
        let (x, y) = (self.x.min(other.x), self.y.min(other.y));
        Region {
            x,
            y,
            width: self.right().max(other.right()) - x,
            height: self.bottom().max(other.bottom()) - y,
        }
    }

    /// The overlap's area over the smaller region's.
    fn overlap(&self, other: &Region) -> f64 {
        let w = f64::from(self.right().min(other.right())) - f64::from(self.x.max(other.x));
        let h = f64::from(self.bottom().min(other.bottom())) - f64::from(self.y.max(other.y));
        if w <= 0.0 || h <= 0.0 {
            return 0.0;
        }
        let smaller = (f64::from(self.width) * f64::from(self.height))
            .min(f64::from(other.width) * f64::from(other.height));
        w * h / smaller.max(1.0)
    }

    /// A crop of `side` × `side` pixels centred on (`cx`, `cy`), moved (and, where the frame is
    /// smaller, cut) to lie inside `source`.
    fn around(cx: f64, cy: f64, side: f64, source: Size) -> Region {
        let place = |centre: f64, extent: u32| {
            let length = side.round().clamp(1.0, f64::from(extent));
            let start = (centre - length / 2.0)
                .round()
                .clamp(0.0, f64::from(extent) - length);
            (start as u32, length as u32)
        };
        let (x, width) = place(cx, source.width);
        let (y, height) = place(cy, source.height);
        Region {
            x,
            y,
            width,
            height,
        }
    }
}

/// Where to look again on a frame of `source` whose whole-frame input had `scale` input pixels per
/// source pixel: around each box (source pixels, most confident first) that is shorter than
/// [`ZOOM_BELOW`] in that input, a crop [`ZOOM_CONTEXT`] times its size (square, magnified at
/// most [`ZOOM_MAX`] at [`ZOOM_SIDE`]); crops overlapping by half or more are joined; at most
/// [`MAX_ZOOMS`].
pub fn zoom_regions(source: Size, scale: f64, boxes: &[Rect]) -> Vec<Region> {
    let mut regions: Vec<Region> = Vec::new();
    for b in boxes {
        if !(b.width > 0.0 && b.height > 0.0) || b.height * scale >= ZOOM_BELOW {
            continue;
        }
        let side = (ZOOM_CONTEXT * b.height.max(b.width)).max(f64::from(ZOOM_SIDE) / ZOOM_MAX);
        let mut region = Region::around(b.x + b.width / 2.0, b.y + b.height / 2.0, side, source);
        // Joining may make a crop overlap another: join until none does.
        while let Some(i) = regions.iter().position(|r| r.overlap(&region) >= 0.5) {
            region = region.union(&regions.swap_remove(i));
        }
        regions.push(region);
        if regions.len() == MAX_ZOOMS {
            break;
        }
    }
    regions
}

/// A person found by one look, normalised to the source frame (x / width, y / height).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Found {
    pub person: Person,
    /// What the network gave, normalised to that look's input.
    pub input_keypoints: [NormKeypoint; KEYPOINTS],
    /// Reaching an edge of a part of the frame that is not the frame's own: maybe cut off.
    pub cut: bool,
}

/// A part of the frame to look at again, at an input whose longer side is `side`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Zoom {
    pub region: Region,
    pub side: u32,
    /// 1: a part of the whole frame; 2: a part of a part.
    pub level: u8,
}

/// Tiles split a part of a frame at most this deep.
pub const MAX_LEVEL: u8 = 2;
/// A frame is looked at at most this many times (the whole frame, tiles and crops).
pub const MAX_LOOKS: usize = 16;
/// Neighbouring tiles overlap by this fraction of the part split.
const TILE_OVERLAP: f64 = 0.25;

/// `region` in 2 × 2 tiles that overlap by [`TILE_OVERLAP`] of it (a person that tall or wide
/// lies whole in one of them).
pub fn tiles(region: Region) -> [Region; 4] {
    let part =
        |extent: u32| ((f64::from(extent) * (1.0 + TILE_OVERLAP) / 2.0).ceil() as u32).min(extent);
    let (w, h) = (part(region.width), part(region.height));
    let (right, bottom) = (region.x + region.width - w, region.y + region.height - h);
    [
        (region.x, region.y),
        (right, region.y),
        (region.x, bottom),
        (right, bottom),
    ]
    .map(|(x, y)| Region {
        x,
        y,
        width: w,
        height: h,
    })
}

impl NormBox {
    /// This box, normalised to a frame of `source`'s size, in its pixels.
    pub fn in_pixels(&self, source: Size) -> Rect {
        let (w, h) = (f64::from(source.width), f64::from(source.height));
        Rect {
            x: f64::from(self.x_min) * w,
            y: f64::from(self.y_min) * h,
            width: f64::from(self.x_max - self.x_min) * w,
            height: f64::from(self.y_max - self.y_min) * h,
        }
    }

    fn area(&self) -> f64 {
        (f64::from(self.x_max) - f64::from(self.x_min)).max(0.0)
            * (f64::from(self.y_max) - f64::from(self.y_min)).max(0.0)
    }

    fn intersection(&self, other: &Self) -> f64 {
        let w = f64::from(self.x_max.min(other.x_max)) - f64::from(self.x_min.max(other.x_min));
        let h = f64::from(self.y_max.min(other.y_max)) - f64::from(self.y_min.max(other.y_min));
        if w <= 0.0 || h <= 0.0 { 0.0 } else { w * h }
    }

    /// Intersection over union; 0 when the boxes do not overlap (TF.js `iou`).
    pub fn iou(&self, other: &Self) -> f64 {
        let i = self.intersection(other);
        if i == 0.0 {
            return 0.0;
        }
        i / (self.area() + other.area() - i)
    }

    /// The overlap over the smaller box: near 1 when one box holds the other.
    fn overlap(&self, other: &Self) -> f64 {
        let smaller = self.area().min(other.area());
        if smaller <= 0.0 {
            return 0.0;
        }
        self.intersection(other) / smaller
    }
}

/// Two looks' people are the same person at this IoU, or when the smaller box lies this much
/// inside the larger.
const SAME_IOU: f64 = 0.4;
const SAME_INSIDE: f64 = 0.7;

/// One set of people from several looks at a frame: those seen whole before those maybe cut
/// off, most confident first, each dropping any later one that is the same person (by
/// [`SAME_IOU`] or [`SAME_INSIDE`]).
pub fn merge(mut found: Vec<Found>) -> Vec<Found> {
    found.sort_by(|a, b| {
        a.cut
            .cmp(&b.cut)
            .then(b.person.score.total_cmp(&a.person.score))
    });
    let mut kept: Vec<Found> = Vec::with_capacity(found.len());
    for f in found {
        let same = kept.iter().any(|k| {
            let (a, b) = (&k.person.bbox, &f.person.bbox);
            a.iou(b) >= SAME_IOU || a.overlap(b) >= SAME_INSIDE
        });
        if !same {
            kept.push(f);
        }
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person(score: f32, [x0, y0, x1, y1]: [f32; 4]) -> Found {
        let k = NormKeypoint {
            y: (y0 + y1) / 2.0,
            x: (x0 + x1) / 2.0,
            score,
        };
        Found {
            person: Person {
                keypoints: [k; KEYPOINTS],
                bbox: NormBox {
                    y_min: y0,
                    x_min: x0,
                    y_max: y1,
                    x_max: x1,
                },
                score,
            },
            input_keypoints: [k; KEYPOINTS],
            cut: false,
        }
    }

    #[test]
    fn auto_reads_the_clip_at_its_size_then_sizes_for_the_smallest_person() {
        let plaza = Size::new(768, 576);
        let mut auto = AutoSide::default();
        assert_eq!(auto.side(plaza), 768);
        assert_eq!(auto.side(Size::new(1920, 1080)), 768);
        assert_eq!(auto.side(Size::new(320, 180)), 320);
        // 60 px people in a 768 px frame want 80 / 60 × 768 = 1024.
        auto.saw(plaza, [200.0, 60.0]);
        assert_eq!(auto.side(plaza), 1024);
        // A little taller: within a quarter, it stays.
        for _ in 0..AUTO_FRAMES {
            auto.saw(plaza, [70.0]);
        }
        assert_eq!(auto.side(plaza), 1024);
        // Only large people for 30 frames: it shrinks, to no less than 256.
        for _ in 0..AUTO_FRAMES {
            auto.saw(plaza, [400.0]);
        }
        assert_eq!(auto.side(plaza), 256);
        // Nobody for 30 frames: back to the clip's size.
        for _ in 0..AUTO_FRAMES {
            auto.saw(plaza, []);
        }
        assert_eq!(auto.side(plaza), 768);
    }

    #[test]
    fn small_people_get_a_crop_twice_their_size_and_near_ones_share_one() {
        let source = Size::new(768, 576);
        let rect = |x, y, w, h| Rect {
            x,
            y,
            width: w,
            height: h,
        };
        // At scale 1/3 (256 input), 80 px people are 27 px: looked at again; a 400 px one is not.
        let boxes = [
            rect(100.0, 100.0, 30.0, 80.0),
            rect(120.0, 110.0, 30.0, 80.0),
            rect(600.0, 450.0, 40.0, 90.0),
            rect(300.0, 100.0, 200.0, 400.0),
        ];
        let regions = zoom_regions(source, 1.0 / 3.0, &boxes);
        assert_eq!(regions.len(), 2, "{regions:?}");
        // The two near people share one crop around both.
        assert!(
            regions[0].x <= 100 && regions[0].right() >= 150,
            "{regions:?}"
        );
        // The corner person's crop, 180 px, is moved inside the frame.
        assert_eq!(regions[1].width, 180);
        assert_eq!(regions[1].bottom(), 576);
        // At full scale nobody is small.
        assert!(zoom_regions(source, 1.5, &boxes).is_empty());
    }

    #[test]
    fn merging_keeps_the_best_look_at_each_person() {
        let found = vec![
            person(0.21, [0.10, 0.10, 0.15, 0.30]),
            person(0.50, [0.11, 0.10, 0.16, 0.31]),
            person(0.40, [0.12, 0.12, 0.14, 0.20]),
            person(0.30, [0.60, 0.10, 0.65, 0.30]),
        ];
        let kept = merge(found.clone());
        let scores: Vec<f32> = kept.iter().map(|f| f.person.score).collect();
        assert_eq!(scores, [0.50, 0.30]);
        // A person maybe cut off by a tile's edge gives way to the same person seen whole.
        let mut found = found;
        found[1].cut = true;
        let scores: Vec<f32> = merge(found).iter().map(|f| f.person.score).collect();
        assert_eq!(scores, [0.40, 0.30]);
    }

    #[test]
    fn tiles_cover_the_part_with_a_quarter_overlap() {
        let whole = Region {
            x: 0,
            y: 0,
            width: 960,
            height: 540,
        };
        let t = tiles(whole);
        assert_eq!((t[0].width, t[0].height), (600, 338));
        assert_eq!((t[3].x, t[3].y), (360, 202));
        assert_eq!((t[3].right(), t[3].bottom()), (960, 540));
        // Overlap: 240 px across, 136 px down.
        assert_eq!(t[0].right() - t[1].x, 240);
        let inner = tiles(t[3]);
        assert_eq!((inner[0].x, inner[3].right()), (360, 960));
    }
}
