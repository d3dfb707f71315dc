//! A video frame as a model input: letterbox geometry and the RGB tensor every model reads.

use burn::tensor::{Device, Tensor, TensorData, Transaction};

/// Width and height in pixels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
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

    fn is_empty(self) -> bool {
        self.width == 0 || self.height == 0
    }

    fn pixels(self) -> usize {
        self.width as usize * self.height as usize
    }
}

/// A rectangle in pixels (floating point: a scaled frame need not land on whole pixels).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Rect {
    pub x: f64,
    pub y: f64,
    pub width: f64,
    pub height: f64,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FrameError {
    #[error("the frame is empty ({width}×{height} pixels)")]
    EmptyFrame { width: u32, height: u32 },
    #[error("a {width}×{height} RGBA frame needs {expected} bytes, got {actual}")]
    WrongByteCount {
        width: u32,
        height: u32,
        expected: usize,
        actual: usize,
    },
    #[error("reading the frame tensor back failed: {0}")]
    Readback(String),
}

/// How a source frame is scaled, keeping its aspect ratio, and centred with padding into a model
/// input of another size; and the way back from input pixels to source pixels.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Letterbox {
    pub source: Size,
    pub target: Size,
    /// Target pixels per source pixel.
    pub scale: f64,
    /// Where the scaled source lands inside the target.
    pub placed: Rect,
}

impl Letterbox {
    pub fn fit(source: Size, target: Size) -> Result<Self, FrameError> {
        for size in [source, target] {
            if size.is_empty() {
                return Err(FrameError::EmptyFrame {
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

/// An RGBA frame (as a canvas gives it, row-major, 4 bytes a pixel) as the RGB tensor models
/// read: `[1, height, width, 3]`, values 0–255 (MoveNet's input convention; models that want
/// another range normalise inside).
pub fn rgba_to_tensor(rgba: &[u8], size: Size, device: &Device) -> Result<Tensor<4>, FrameError> {
    if size.is_empty() {
        return Err(FrameError::EmptyFrame {
            width: size.width,
            height: size.height,
        });
    }
    let expected = size.pixels() * 4;
    if rgba.len() != expected {
        return Err(FrameError::WrongByteCount {
            width: size.width,
            height: size.height,
            expected,
            actual: rgba.len(),
        });
    }
    let rgb: Vec<f32> = rgba
        .chunks_exact(4)
        .flat_map(|px| [f32::from(px[0]), f32::from(px[1]), f32::from(px[2])])
        .collect();
    let shape = [1, size.height as usize, size.width as usize, 3];
    Ok(Tensor::from_data(TensorData::new(rgb, shape), device))
}

/// Summary statistics of a frame tensor, computed on its device: enough to tell a real picture
/// from a black, blank or garbled one.
#[derive(Clone, Debug, PartialEq)]
pub struct FrameStats {
    pub shape: [usize; 4],
    /// Mean of each channel (R, G, B).
    pub mean: [f32; 3],
    /// Standard deviation over all values.
    pub std: f32,
    pub min: f32,
    pub max: f32,
}

impl FrameStats {
    /// Reads the statistics of a `[batch, height, width, channels]` tensor in one readback.
    pub async fn of(frame: Tensor<4>) -> Result<Self, FrameError> {
        let shape = frame.dims();
        let [batch, height, width, channels] = shape;
        let flat: Tensor<2> = frame.reshape([batch * height * width, channels]);
        let mean = flat.clone().mean_dim(0); // [1, channels]
        let centred = flat.clone() - flat.clone().mean().unsqueeze::<2>(); // [pixels, channels]
        let variance = (centred.clone() * centred).mean();
        let data = Transaction::default()
            .register(mean)
            .register(variance)
            .register(flat.clone().min())
            .register(flat.max())
            .execute_async()
            .await
            .map_err(|e| FrameError::Readback(e.to_string()))?;
        let values: Vec<Vec<f32>> = data
            .into_iter()
            .map(|d| d.try_into_vec::<f32>())
            .collect::<Result<_, _>>()
            .map_err(|e| FrameError::Readback(format!("{e:?}")))?;
        let first = |i: usize| {
            values
                .get(i)
                .and_then(|v| v.first().copied())
                .unwrap_or(f32::NAN)
        };
        let channel = |c: usize| {
            values
                .first()
                .and_then(|v| v.get(c).copied())
                .unwrap_or(f32::NAN)
        };
        Ok(Self {
            shape,
            mean: [channel(0), channel(1), channel(2)],
            std: first(1).sqrt(),
            min: first(2),
            max: first(3),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
            Err(FrameError::EmptyFrame { .. })
        ));
        let device = Device::flex();
        assert!(rgba_to_tensor(&[], Size::new(0, 0), &device).is_err());
    }

    #[test]
    fn wrong_byte_count_is_an_error() {
        let device = Device::flex();
        let err = rgba_to_tensor(&[0; 15], Size::new(2, 2), &device).unwrap_err();
        assert_eq!(
            err,
            FrameError::WrongByteCount {
                width: 2,
                height: 2,
                expected: 16,
                actual: 15
            }
        );
    }

    #[test]
    fn rgba_drops_alpha_keeps_layout_and_stats() {
        let device = Device::flex();
        // 2×1 frame: a red pixel then a blue one, alpha ignored.
        let rgba = [255, 0, 0, 7, 0, 0, 255, 9];
        let tensor = rgba_to_tensor(&rgba, Size::new(2, 1), &device).unwrap();
        assert_eq!(tensor.dims(), [1, 1, 2, 3]);
        let values = tensor.clone().into_data().try_into_vec::<f32>().unwrap();
        assert_eq!(values, vec![255.0, 0.0, 0.0, 0.0, 0.0, 255.0]);
        let stats = burn::tensor::read_sync(FrameStats::of(tensor)).unwrap();
        assert_eq!(stats.shape, [1, 1, 2, 3]);
        assert_eq!(stats.mean, [127.5, 0.0, 127.5]);
        assert_eq!((stats.min, stats.max), (0.0, 255.0));
        // Values: two 255s and four 0s, mean 85, std sqrt((2·170² + 4·85²)/6).
        assert!((stats.std - 120.208).abs() < 1e-2, "{}", stats.std);
    }
}
