//! Reading a computation's values back from its device, and why that can fail: every model's
//! errors name what they were reading and wrap this.

use burn::tensor::{DataError, ExecutionError, TensorData};

/// Why values could not be read back from a device.
#[derive(Debug, thiserror::Error)]
pub enum ReadbackError {
    /// The device did not run the computation or hand its result over.
    #[error("{0}")]
    Device(#[from] ExecutionError),
    /// What came back is not the values asked for.
    #[error("{0:?}")]
    Data(#[from] DataError),
    /// Fewer results came back than were asked for (what is missing).
    #[error("{0}")]
    Missing(&'static str),
}

/// `data`'s values as `f32` (other float types converted).
pub fn floats(data: TensorData) -> Result<Vec<f32>, ReadbackError> {
    Ok(data.convert::<f32>().try_into_vec::<f32>()?)
}
