//! A video frame as a model input: letterbox geometry and the RGB tensor every model reads.

use burn::tensor::{Device, Tensor, TensorData, Transaction};

pub use microact_core::geometry::{GeometryError, Letterbox, Rect, Size};

use crate::readback::{ReadbackError, floats};

#[derive(Debug, thiserror::Error)]
pub enum FrameError {
    #[error(transparent)]
    Geometry(#[from] GeometryError),
    #[error("a {width}×{height} RGBA frame needs {expected} bytes, got {actual}")]
    WrongByteCount {
        width: u32,
        height: u32,
        expected: usize,
        actual: usize,
    },
    #[error("reading the frame tensor back failed: {0}")]
    Readback(#[from] ReadbackError),
}

/// An RGBA frame (as a canvas gives it, row-major, 4 bytes a pixel) as the RGB tensor models
/// read: `[1, height, width, 3]`, values 0–255 (MoveNet's input convention; models that want
/// another range normalise inside).
pub fn rgba_to_tensor(rgba: &[u8], size: Size, device: &Device) -> Result<Tensor<4>, FrameError> {
    if size.is_empty() {
        return Err(GeometryError::Empty {
            width: size.width,
            height: size.height,
        }
        .into());
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
            .map_err(ReadbackError::from)?;
        let values: Vec<Vec<f32>> = data.into_iter().map(floats).collect::<Result<_, _>>()?;
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

    #[test]
    fn an_empty_frame_is_an_error() {
        let device = Device::flex();
        assert!(rgba_to_tensor(&[], Size::new(0, 0), &device).is_err());
    }

    #[test]
    fn wrong_byte_count_is_an_error() {
        let device = Device::flex();
        let err = rgba_to_tensor(&[0; 15], Size::new(2, 2), &device).unwrap_err();
        assert!(
            matches!(
                err,
                FrameError::WrongByteCount {
                    width: 2,
                    height: 2,
                    expected: 16,
                    actual: 15
                }
            ),
            "{err}"
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
