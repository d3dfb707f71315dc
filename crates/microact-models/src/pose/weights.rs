//! MoveNet's weight files: the generic loading, saving and int8 quantization of
//! [`crate::weights`] applied to the two MoveNet variants.

use burn::tensor::Device;

pub use crate::weights::{WeightsError, sha256_hex};
use crate::weights::{dequantize, load_checked, quantize, to_burnpack};

use super::net::{MoveNet, Variant};

/// A MoveNet `variant` from the bytes of weight file `file`, whose sha256 must be `sha256`.
pub fn load_movenet(
    variant: Variant,
    file: &str,
    bytes: Vec<u8>,
    sha256: &str,
    device: &Device,
) -> Result<MoveNet, WeightsError> {
    load_checked(MoveNet::init(variant, device), file, bytes, sha256)
}

/// The Burnpack bytes of `net`, weights stored as float16 (MoveNet's published weights are
/// float16, so this loses nothing).
pub fn save_movenet(net: &MoveNet) -> Result<Vec<u8>, WeightsError> {
    to_burnpack(net)
}

/// Kernels with at least this many weights are quantized. Measured on the golden frames against
/// the float port: quantizing every kernel moves keypoints by 5.0 px on average (worst 30 px),
/// kernels from 100 000 weights up (the wide layers at 12 × 12 and below, 1.48 M of 2.30 M
/// weights) by 0.26 px (worst 5.0 px on a keypoint scored 0.17; 0.28 px where the score is
/// at least 0.3). The early, high-resolution layers decide where heatmap peaks fall.
pub const MIN_QUANTIZED: usize = 100_000;

/// Post-training quantization of the large conv kernels (see [`MIN_QUANTIZED`]) to symmetric
/// int8 with one scale per output channel (min-max over the channel's weights): per-tensor scales
/// lose MoveNet entirely, since folding batch norm leaves channels of very different ranges. A
/// channel's block is split into equal parts where it holds over 255 input channels (block sides
/// are bytes). Biases and the other kernels stay float.
pub fn quantize_movenet(net: MoveNet) -> MoveNet {
    quantize(net, MIN_QUANTIZED)
}

/// `net` with its int8 kernels expanded back to float32 once, then moved to `device`: for
/// backends that cannot run Burn's int8 kernels (WebGPU 0.22 panics: "Q8S is not supported for
/// native quantization"). Load the int8 file on a CPU device, expand, move. The download stays
/// the int8 file; the outputs are the int8 network's.
pub fn dequantize_movenet(net: MoveNet, device: &Device) -> MoveNet {
    dequantize(net, device)
}
