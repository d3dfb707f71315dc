//! Pixel geometry shared by the page and the models: sizes, rectangles, and the letterbox that
//! fits a video frame into a model's input and maps points back.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum GeometryError {
    #[error("the frame is empty ({width}×{height} pixels)")]
    Empty { width: u32, height: u32 },
}

/// Width and height in pixels.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Size {
    pub width: u32,
    pub height: u32,
}

impl Size {
    pub fn new(width: u32, height: u32) -> Self {
        Self { width, height }
    }

    pub fn square(side: u32) -> Self {
        Self::new(side, side)
    }

    pub fn is_empty(self) -> bool {
        self.width == 0 || self.height == 0
    }

    pub fn pixels(self) -> usize {
        self.width as usize * self.height as usize
    }

    /// A network input for frames of this size whose longer side is `side` (rounded up to a
    /// multiple of 32): the shorter side as the aspect needs, rounded up to a multiple of 32 (the
    /// only padding a letterbox then adds). MoveNet MultiPose takes any such input.
    pub fn input_at(self, side: u32) -> Size {
        let side = side.max(1).div_ceil(32) * 32;
        let (long, short) = (
            self.width.max(self.height).max(1),
            self.width.min(self.height),
        );
        let other = (u64::from(side) * u64::from(short)).div_ceil(u64::from(long));
        let other = (other.max(1) as u32).div_ceil(32) * 32;
        if self.width >= self.height {
            Size::new(side, other)
        } else {
            Size::new(other, side)
        }
    }
}

/// A rectangle in pixels (floating point: a scaled frame need not land on whole pixels).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Rect {
    pub x: f64,
    pub y: f64,
    pub width: f64,
    pub height: f64,
}

/// How a source frame is scaled, keeping its aspect ratio, and centred with padding into a model
/// input of another size; and the way back from input pixels to source pixels.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Letterbox {
    pub source: Size,
    pub target: Size,
    /// Target pixels per source pixel.
    pub scale: f64,
    /// Where the scaled source lands inside the target.
    pub placed: Rect,
}

impl Letterbox {
    pub fn fit(source: Size, target: Size) -> Result<Self, GeometryError> {
        for size in [source, target] {
            if size.is_empty() {
                return Err(GeometryError::Empty {
                    width: size.width,
                    height: size.height,
                });
            }
        }
        let scale = (f64::from(target.width) / f64::from(source.width))
            .min(f64::from(target.height) / f64::from(source.height));
        let width = f64::from(source.width) * scale;
        let height = f64::from(source.height) * scale;
        let placed = Rect {
            x: (f64::from(target.width) - width) / 2.0,
            y: (f64::from(target.height) - height) / 2.0,
            width,
            height,
        };
        Ok(Self {
            source,
            target,
            scale,
            placed,
        })
    }

    /// A point in model-input pixels back in source pixels (the inverse of [`Self::to_target`]).
    pub fn to_source(&self, x: f64, y: f64) -> (f64, f64) {
        (
            (x - self.placed.x) / self.scale,
            (y - self.placed.y) / self.scale,
        )
    }

    /// A point in source pixels in model-input pixels.
    pub fn to_target(&self, x: f64, y: f64) -> (f64, f64) {
        (
            x * self.scale + self.placed.x,
            y * self.scale + self.placed.y,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inputs_follow_the_aspect_in_multiples_of_32() {
        assert_eq!(Size::new(768, 576).input_at(512), Size::new(512, 384));
        // 1768 × 994 at 384: 216 rows needed, 224 given (8 rows of padding, no more).
        assert_eq!(Size::new(1768, 994).input_at(384), Size::new(384, 224));
        assert_eq!(Size::new(1080, 1920).input_at(384), Size::new(224, 384));
        assert_eq!(Size::new(1000, 1000).input_at(500), Size::new(512, 512));
    }

    fn close(a: (f64, f64), b: (f64, f64)) -> bool {
        (a.0 - b.0).abs() < 1e-9 && (a.1 - b.1).abs() < 1e-9
    }

    #[test]
    fn wide_frame_is_padded_top_and_bottom() {
        let lb = Letterbox::fit(Size::new(1920, 1080), Size::square(192)).unwrap();
        assert!((lb.scale - 0.1).abs() < 1e-12);
        assert_eq!(lb.placed.x, 0.0);
        assert!((lb.placed.y - 42.0).abs() < 1e-9);
        assert!((lb.placed.height - 108.0).abs() < 1e-9);
        assert!(close(lb.to_source(0.0, 42.0), (0.0, 0.0)));
        assert!(close(lb.to_source(192.0, 150.0), (1920.0, 1080.0)));
    }

    #[test]
    fn tall_frame_is_padded_left_and_right() {
        let lb = Letterbox::fit(Size::new(1080, 1920), Size::square(256)).unwrap();
        assert_eq!(lb.placed.y, 0.0);
        assert!((lb.placed.x - 56.0).abs() < 1e-9);
        assert!(close(lb.to_target(540.0, 960.0), (128.0, 128.0)));
    }

    #[test]
    fn to_source_inverts_to_target() {
        let lb = Letterbox::fit(Size::new(1768, 994), Size::new(320, 240)).unwrap();
        for (x, y) in [(0.0, 0.0), (13.5, 900.25), (1768.0, 994.0)] {
            let (tx, ty) = lb.to_target(x, y);
            assert!(close(lb.to_source(tx, ty), (x, y)));
        }
    }

    #[test]
    fn empty_sizes_are_errors() {
        assert!(matches!(
            Letterbox::fit(Size::new(0, 10), Size::square(192)),
            Err(GeometryError::Empty { .. })
        ));
    }
}
