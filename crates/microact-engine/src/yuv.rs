//! A model's input straight from a video frame's YUV planes: the crop the network reads, scaled
//! (bilinear) and converted to RGB in one pass over the output's pixels only.
//!
//! Hand-written on purpose: drawing a `VideoFrame` onto a canvas converts the whole frame first
//! (10.7 ms for 1768×994 in a worker here), where copying the crop's planes out (`copyTo` with a
//! rect: 0.4 ms) and sampling the 192 × 192 pixels the network reads costs a fraction of that.
//! A conversion crate would convert the whole crop, and a resize crate scale it, in two passes.

use microact_core::geometry::Rect;

/// How the frame's chroma is laid out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layout {
    /// Three planes: Y, then U and V at half width and height.
    I420,
    /// Two planes: Y, then U and V interleaved at half width and height.
    Nv12,
}

/// Which YUV → RGB matrix, and whether Y spans 16–235 (limited) or 0–255 (full).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Colour {
    pub bt709: bool,
    pub full_range: bool,
}

impl Colour {
    /// A frame's colour from what its stream says: its `matrix` (`bt709`, `smpte170m`, …; unsaid:
    /// BT.709 for HD, BT.601 below, as players take it) and range, at `height` lines.
    pub fn from_tags(matrix: Option<&str>, full_range: bool, height: u32) -> Colour {
        Colour {
            bt709: match matrix {
                Some("bt709") => true,
                Some(m) if m != "unknown" => false,
                _ => height > 576,
            },
            full_range,
        }
    }
}

/// The planes of a rectangle copied out of a frame: `data` with each plane's offset and stride,
/// the rectangle's size, and where it sits in the frame (even coordinates).
pub struct Planes<'a> {
    pub layout: Layout,
    pub data: &'a [u8],
    pub offsets: [usize; 3],
    pub strides: [usize; 3],
    pub x: u32,
    pub y: u32,
    pub width: u32,
    pub height: u32,
}

impl Planes<'_> {
    fn at(&self, plane: usize, x: usize, y: usize) -> f32 {
        let i = self.offsets[plane] + y * self.strides[plane] + x;
        f32::from(self.data.get(i).copied().unwrap_or(0))
    }

    /// Y, U, V at `(x, y)` in the rectangle's pixels (clamped to it), bilinear. The position
    /// stays `f64` until its fraction is taken: shifted by the rectangle's (even, integer) origin
    /// it is exact, so a copied rectangle samples as the whole frame does; in `f32` its rounding
    /// would depend on where the rectangle starts.
    fn sample(&self, x: f64, y: f64) -> [f32; 3] {
        let luma = self.bilinear(x, y, self.width as usize, self.height as usize, |px, py| {
            self.at(0, px, py)
        });
        // Chroma samples sit at the centre of each 2 × 2 block of luma.
        let (cx, cy) = ((x - 0.5) / 2.0, (y - 0.5) / 2.0);
        let (cw, ch) = (
            self.width.div_ceil(2) as usize,
            self.height.div_ceil(2) as usize,
        );
        let (u, v) = match self.layout {
            Layout::I420 => (
                self.bilinear(cx, cy, cw, ch, |px, py| self.at(1, px, py)),
                self.bilinear(cx, cy, cw, ch, |px, py| self.at(2, px, py)),
            ),
            Layout::Nv12 => (
                self.bilinear(cx, cy, cw, ch, |px, py| self.at(1, 2 * px, py)),
                self.bilinear(cx, cy, cw, ch, |px, py| self.at(1, 2 * px + 1, py)),
            ),
        };
        [luma, u, v]
    }

    fn bilinear(
        &self,
        x: f64,
        y: f64,
        w: usize,
        h: usize,
        at: impl Fn(usize, usize) -> f32,
    ) -> f32 {
        let x = x.clamp(0.0, (w - 1) as f64);
        let y = y.clamp(0.0, (h - 1) as f64);
        let (x0, y0) = (x.floor() as usize, y.floor() as usize);
        let (x1, y1) = ((x0 + 1).min(w - 1), (y0 + 1).min(h - 1));
        let (fx, fy) = ((x - x0 as f64) as f32, (y - y0 as f64) as f32);
        let top = at(x0, y0) * (1.0 - fx) + at(x1, y0) * fx;
        let bottom = at(x0, y1) * (1.0 - fx) + at(x1, y1) * fx;
        top * (1.0 - fy) + bottom * fy
    }
}

fn rgb([y, u, v]: [f32; 3], colour: Colour) -> [u8; 3] {
    let (y, u, v) = if colour.full_range {
        (y, u - 128.0, v - 128.0)
    } else {
        (
            (y - 16.0) * 255.0 / 219.0,
            (u - 128.0) * 255.0 / 224.0,
            (v - 128.0) * 255.0 / 224.0,
        )
    };
    let (r, g, b) = if colour.bt709 {
        (
            y + 1.5748 * v,
            y - 0.187_324 * u - 0.468_124 * v,
            y + 1.8556 * u,
        )
    } else {
        (
            y + 1.402 * v,
            y - 0.344_136 * u - 0.714_136 * v,
            y + 1.772 * u,
        )
    };
    [r, g, b].map(|c| c.round().clamp(0.0, 255.0) as u8)
}

/// The rectangle of a `frame_width` × `frame_height` frame to copy out for [`crop_to_rgba`] of
/// `source`, as `[x0, y0, x1, y1]` on even pixels (chroma is halved both ways): the part of
/// `source` inside the frame and the pixels around it that bilinear sampling reaches (a luma
/// pixel and a chroma pair each side), so that sampling the copy gives what sampling the whole
/// frame gives. Without that margin the copy's edge is clamped where the frame has pixels, and
/// a network reading a crop inside the frame (SinglePose's tracking crop, MultiPose's zoom)
/// sees other pixels in the page than natively. `None` when no pixel of the frame is in it.
pub fn copy_rect(source: Rect, frame_width: u32, frame_height: u32) -> Option<[u32; 4]> {
    /// Luma pixels beyond the crop that sampling reads: one for luma, two for chroma's pair.
    const MARGIN: f64 = 2.0;
    let even_down = |v: f64| ((v.max(0.0) as u32) / 2) * 2;
    let even_up = |v: f64, limit: u32| ((v.ceil().max(0.0) as u32).div_ceil(2) * 2).min(limit);
    let (x0, y0) = (even_down(source.x - MARGIN), even_down(source.y - MARGIN));
    let x1 = even_up(source.x + source.width + MARGIN, frame_width);
    let y1 = even_up(source.y + source.height + MARGIN, frame_height);
    (x1 > x0 && y1 > y0).then_some([x0, y0, x1, y1])
}

/// The `source` part of the frame (frame pixels) drawn into `dest` of a black `width` × `height`
/// RGBA picture, from `planes` (which hold at least the part of `source` inside the frame).
pub fn crop_to_rgba(
    planes: &Planes,
    colour: Colour,
    source: Rect,
    dest: Rect,
    width: u32,
    height: u32,
) -> Vec<u8> {
    let mut out = vec![0u8; width as usize * height as usize * 4];
    for px in out.chunks_exact_mut(4) {
        px[3] = 255;
    }
    if planes.width == 0 || planes.height == 0 || dest.width <= 0.0 || dest.height <= 0.0 {
        return out;
    }
    let (sx, sy) = (source.width / dest.width, source.height / dest.height);
    let x_from = dest.x.max(0.0).floor() as u32;
    let x_to = ((dest.x + dest.width).ceil().max(0.0) as u32).min(width);
    let y_from = dest.y.max(0.0).floor() as u32;
    let y_to = ((dest.y + dest.height).ceil().max(0.0) as u32).min(height);
    let (fw, fh) = (
        f64::from(planes.x + planes.width),
        f64::from(planes.y + planes.height),
    );
    for oy in y_from..y_to {
        // The output pixel's centre in frame pixels.
        let fy = source.y + (f64::from(oy) + 0.5 - dest.y) * sy;
        for ox in x_from..x_to {
            let fx = source.x + (f64::from(ox) + 0.5 - dest.x) * sx;
            // Outside the frame: black, as on a canvas.
            if fx < f64::from(planes.x) || fy < f64::from(planes.y) || fx >= fw || fy >= fh {
                continue;
            }
            let yuv = planes.sample(
                fx - f64::from(planes.x) - 0.5,
                fy - f64::from(planes.y) - 0.5,
            );
            let [r, g, b] = rgb(yuv, colour);
            let i = (oy as usize * width as usize + ox as usize) * 4;
            out[i..i + 3].copy_from_slice(&[r, g, b]);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 4 × 4 I420 frame: Y rising left to right, U and V grey.
    fn frame(y_row: [u8; 4]) -> Vec<u8> {
        let mut data = Vec::new();
        for _ in 0..4 {
            data.extend(y_row);
        }
        data.extend([128u8; 8]);
        data
    }

    fn planes(data: &[u8]) -> Planes<'_> {
        Planes {
            layout: Layout::I420,
            data,
            offsets: [0, 16, 20],
            strides: [4, 2, 2],
            x: 0,
            y: 0,
            width: 4,
            height: 4,
        }
    }

    fn rect(x: f64, y: f64, width: f64, height: f64) -> Rect {
        Rect {
            x,
            y,
            width,
            height,
        }
    }

    const FULL: Colour = Colour {
        bt709: false,
        full_range: true,
    };

    /// `data`'s I420 planes (a `w` × `h` frame) inside `[x0, y0, x1, y1]`, copied out as
    /// `VideoFrame.copyTo` with a rect copies them.
    fn copied(
        data: &[u8],
        w: usize,
        h: usize,
        [x0, y0, x1, y1]: [u32; 4],
    ) -> (Vec<u8>, [usize; 3], [usize; 3]) {
        let (cw, ch) = (w.div_ceil(2), h.div_ceil(2));
        let (x0, y0, x1, y1) = (x0 as usize, y0 as usize, x1 as usize, y1 as usize);
        let mut out = Vec::new();
        let mut offsets = [0; 3];
        let mut strides = [0; 3];
        for (plane, (start, stride, scale)) in [(0, w, 1), (w * h, cw, 2), (w * h + cw * ch, cw, 2)]
            .into_iter()
            .enumerate()
        {
            offsets[plane] = out.len();
            strides[plane] = (x1 - x0).div_ceil(scale);
            for row in y0 / scale..y1.div_ceil(scale) {
                let at = start + row * stride;
                out.extend_from_slice(&data[at + x0 / scale..at + x1.div_ceil(scale)]);
            }
        }
        (out, offsets, strides)
    }

    #[test]
    fn a_copied_crop_samples_as_the_whole_frame_does() {
        // A 320 × 180 frame of busy luma and chroma (a small generator: no two neighbours alike).
        let (w, h) = (320usize, 180usize);
        let mut state = 7u32;
        let data: Vec<u8> = (0..w * h + 2 * (w / 2) * (h / 2))
            .map(|_| {
                state = state.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                (state >> 16) as u8
            })
            .collect();
        let whole = Planes {
            layout: Layout::I420,
            data: &data,
            offsets: [0, w * h, w * h + (w / 2) * (h / 2)],
            strides: [w, w / 2, w / 2],
            x: 0,
            y: 0,
            width: w as u32,
            height: h as u32,
        };
        let colour = Colour {
            bt709: true,
            full_range: false,
        };
        // Crops inside the frame (whole, odd and fractional edges), over its edges, and the
        // letterbox SinglePose starts with; each at the network's size and a smaller one.
        let sources = [
            rect(20.0, 10.0, 24.0, 24.0),
            rect(21.0, 11.0, 23.0, 23.0),
            rect(13.37, 7.61, 30.2, 30.2),
            rect(0.4, 0.9, 17.3, 12.1),
            rect(-10.0, -6.0, 40.0, 40.0),
            rect(40.5, 30.25, 40.0, 40.0),
            rect(8.0, 0.0, 48.0, 48.0),
            rect(0.0, -8.0, 64.0, 64.0),
            // SinglePose's first crop of a 320 × 180 frame, and a tracking crop as it follows
            // someone (over the top edge, at positions no float holds exactly).
            rect(70.0, 0.0, 180.0, 180.0),
            rect(
                62.052_499_145_269_4,
                -0.398_971_349_000_9,
                102.406_318_008_9,
                102.406_318_008_9,
            ),
            rect(
                163.677_356_770_6,
                40.932_045_450_8,
                102.327_454_465_6,
                102.327_454_465_6,
            ),
        ];
        for source in sources {
            for (size, dest) in [
                (192, rect(0.0, 0.0, 192.0, 192.0)),
                (19, rect(1.5, 0.0, 16.0, 19.0)),
            ] {
                let want = crop_to_rgba(&whole, colour, source, dest, size, size);
                let r = copy_rect(source, w as u32, h as u32).expect("inside the frame");
                let (copy, offsets, strides) = copied(&data, w, h, r);
                let part = Planes {
                    layout: Layout::I420,
                    data: &copy,
                    offsets,
                    strides,
                    x: r[0],
                    y: r[1],
                    width: r[2] - r[0],
                    height: r[3] - r[1],
                };
                let got = crop_to_rgba(&part, colour, source, dest, size, size);
                assert!(
                    got == want,
                    "{source:?} into {dest:?}: the copy {r:?} samples otherwise"
                );
            }
        }
        assert_eq!(
            copy_rect(rect(330.0, 0.0, 10.0, 10.0), w as u32, h as u32),
            None
        );
    }

    #[test]
    fn grey_planes_give_grey_pixels_and_outside_the_frame_stays_black() {
        let data = frame([100; 4]);
        let whole = rect(0.0, 0.0, 4.0, 4.0);
        // The frame into the right half of an 8 × 4 picture.
        let dest = rect(4.0, 0.0, 4.0, 4.0);
        let out = crop_to_rgba(&planes(&data), FULL, whole, dest, 8, 4);
        assert_eq!(&out[0..4], &[0, 0, 0, 255], "left half black");
        assert_eq!(&out[4 * 4..4 * 4 + 4], &[100, 100, 100, 255]);
        assert_eq!(
            &out[(3 * 8 + 7) * 4..(3 * 8 + 7) * 4 + 4],
            &[100, 100, 100, 255]
        );
    }

    #[test]
    fn limited_range_stretches_and_bilinear_halves_meet_in_the_middle() {
        let data = frame([16, 16, 235, 235]);
        let limited = Colour {
            bt709: true,
            full_range: false,
        };
        let whole = rect(0.0, 0.0, 4.0, 4.0);
        let same = crop_to_rgba(&planes(&data), limited, whole, whole, 4, 4);
        assert_eq!(&same[0..3], &[0, 0, 0], "16 is black");
        assert_eq!(&same[12..15], &[255, 255, 255], "235 is white");
        // Scaled to 2 × 1: each output pixel's centre falls between two input pixels.
        let half = rect(0.0, 0.0, 2.0, 1.0);
        let out = crop_to_rgba(&planes(&data), FULL, whole, half, 2, 1);
        assert_eq!(out[0], 16, "the left pair");
        assert_eq!(out[4], 235, "the right pair");
        let colour = rgb(
            [81.0, 90.0, 240.0],
            Colour {
                bt709: false,
                full_range: false,
            },
        );
        assert!(
            colour[0] > 200 && colour[2] < 60,
            "a red from BT.601: {colour:?}"
        );
    }
}
