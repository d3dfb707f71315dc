//! A small real computation run on a compute device at start, checked against plain Rust: proves
//! the device computes correctly before any model is trusted to it.

use burn::tensor::{Device, Tensor, TensorData, activation::softmax};

use crate::readback::{ReadbackError, floats};

const ROWS: usize = 16;
const INNER: usize = 32;
const COLS: usize = 8;
/// Largest difference from the f64 reference that still passes: f32 matmul over 32 terms plus a
/// softmax is good to about 1e-6; WebGPU implementations may reorder sums or flush denormals.
pub const TOLERANCE: f64 = 1e-4;

/// What the self-test found.
#[derive(Clone, Debug, PartialEq)]
pub struct SelfTestReport {
    /// Largest absolute difference between the device's result and the reference.
    pub max_abs_error: f64,
    /// Sum over all outputs; each of the 16 softmax rows sums to 1, so 16 when right.
    pub total: f64,
}

impl SelfTestReport {
    pub fn passed(&self) -> bool {
        self.max_abs_error <= TOLERANCE
            && (self.total - ROWS as f64).abs() <= TOLERANCE * ROWS as f64
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SelfTestError {
    #[error("reading the self-test result back from the device failed: {0}")]
    Readback(#[from] ReadbackError),
    #[error("the device returned {actual} values where {expected} were expected")]
    WrongLength { expected: usize, actual: usize },
}

fn lhs_value(i: usize) -> f32 {
    ((i * 7 + 3) % 23) as f32 / 11.0 - 1.0
}

fn rhs_value(i: usize) -> f32 {
    ((i * 5 + 1) % 19) as f32 / 9.0 - 1.0
}

/// `softmax(A·B / 8)` row by row, in f64.
fn reference() -> Vec<f64> {
    let mut out = Vec::with_capacity(ROWS * COLS);
    for r in 0..ROWS {
        let logits: Vec<f64> = (0..COLS)
            .map(|c| {
                (0..INNER)
                    .map(|k| {
                        f64::from(lhs_value(r * INNER + k)) * f64::from(rhs_value(k * COLS + c))
                    })
                    .sum::<f64>()
                    / 8.0
            })
            .collect();
        let max = logits.iter().copied().fold(f64::MIN, f64::max);
        let exps: Vec<f64> = logits.iter().map(|l| (l - max).exp()).collect();
        let sum: f64 = exps.iter().sum();
        out.extend(exps.iter().map(|e| e / sum));
    }
    out
}

/// Runs a matmul and a softmax on `device` and compares them with [`reference`].
pub async fn run(device: &Device) -> Result<SelfTestReport, SelfTestError> {
    let lhs: Vec<f32> = (0..ROWS * INNER).map(lhs_value).collect();
    let rhs: Vec<f32> = (0..INNER * COLS).map(rhs_value).collect();
    let a = Tensor::<2>::from_data(TensorData::new(lhs, [ROWS, INNER]), device);
    let b = Tensor::<2>::from_data(TensorData::new(rhs, [INNER, COLS]), device);
    let out = softmax(a.matmul(b) / 8.0, 1); // [ROWS, COLS]
    let data = out.into_data_async().await.map_err(ReadbackError::from)?;
    let values = floats(data)?;
    let expected = reference();
    if values.len() != expected.len() {
        return Err(SelfTestError::WrongLength {
            expected: expected.len(),
            actual: values.len(),
        });
    }
    let max_abs_error = values
        .iter()
        .zip(&expected)
        .map(|(v, e)| (f64::from(*v) - e).abs())
        .fold(0.0, f64::max);
    Ok(SelfTestReport {
        max_abs_error,
        total: values.iter().map(|v| f64::from(*v)).sum(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_rows_are_distributions_and_not_uniform() {
        let r = reference();
        for row in r.chunks(COLS) {
            assert!((row.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        }
        let spread = r.iter().copied().fold(0.0, f64::max) - r.iter().copied().fold(1.0, f64::min);
        assert!(
            spread > 0.1,
            "a uniform reference would not catch a wrong matmul"
        );
    }

    #[test]
    fn flex_device_passes() {
        let report = burn::tensor::read_sync(run(&Device::flex())).unwrap();
        assert!(report.passed(), "{report:?}");
        assert!(report.max_abs_error < 1e-5, "{report:?}");
    }

    #[test]
    fn a_wrong_result_fails() {
        let bad = SelfTestReport {
            max_abs_error: 0.01,
            total: 16.0,
        };
        assert!(!bad.passed());
    }
}
