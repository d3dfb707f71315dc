//! Loading converted MoveNet weights (Burnpack, float16 on disk) after checking them against the
//! sha256 the manifest gives, and saving them (the converter).

use burn::module::Module;
use burn::store::{BurnpackStore, HalfPrecisionAdapter, ModuleSnapshot};
use burn::tensor::quantization::{
    Calibration, QuantScheme, QuantValue, ScaleDtype, compute_q_params, compute_range,
};
use burn::tensor::{Bytes, Device, Tensor};
use sha2::{Digest, Sha256};

use super::net::{MoveNet, Variant};

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum WeightsError {
    #[error(
        "{file} is damaged or not the expected version: its sha256 is {found}, the manifest says {expected}"
    )]
    Checksum {
        file: String,
        found: String,
        expected: String,
    },
    #[error("{file} does not fit the network: {message}")]
    Decode { file: String, message: String },
}

/// Hex sha256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A MoveNet `variant` from the bytes of weight file `file`, whose sha256 must be `sha256`.
pub fn load_movenet(
    variant: Variant,
    file: &str,
    bytes: Vec<u8>,
    sha256: &str,
    device: &Device,
) -> Result<MoveNet, WeightsError> {
    let found = sha256_hex(&bytes);
    if !found.eq_ignore_ascii_case(sha256) {
        return Err(WeightsError::Checksum {
            file: file.to_string(),
            found,
            expected: sha256.to_string(),
        });
    }
    let mut store = BurnpackStore::from_bytes(Some(Bytes::from_bytes_vec(bytes)))
        .with_from_adapter(HalfPrecisionAdapter::new());
    let mut net = MoveNet::init(variant, device);
    let result = net
        .load_from(&mut store)
        .map_err(|e| WeightsError::Decode {
            file: file.to_string(),
            message: e.to_string(),
        })?;
    if !result.errors.is_empty() || !result.missing.is_empty() {
        return Err(WeightsError::Decode {
            file: file.to_string(),
            message: format!(
                "{} tensors missing, {} unusable",
                result.missing.len(),
                result.errors.len()
            ),
        });
    }
    Ok(net)
}

/// The Burnpack bytes of `net`, weights stored as float16 (MoveNet's published weights are
/// float16, so this loses nothing).
pub fn save_movenet(net: &MoveNet) -> Result<Vec<u8>, String> {
    let mut store = BurnpackStore::from_bytes(None).with_to_adapter(HalfPrecisionAdapter::new());
    net.save_into(&mut store).map_err(|e| e.to_string())?;
    store
        .get_bytes()
        .map(|b| b.to_vec())
        .map_err(|e| e.to_string())
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
pub fn quantize_movenet(mut net: MoveNet) -> MoveNet {
    for conv in net.convs_mut() {
        if conv.conv.weight.dims().iter().product::<usize>() >= MIN_QUANTIZED {
            let weight = conv.conv.weight.clone();
            conv.conv.weight = weight.map(quantize_kernel);
        }
    }
    net
}

fn quantize_kernel(kernel: Tensor<4>) -> Tensor<4> {
    let [_, per_group, kh, kw] = kernel.dims();
    let side = (1..=per_group.min(255))
        .rev()
        .find(|d| per_group % d == 0)
        .unwrap_or(1);
    let block = [1, side, kh, kw].map(|v| v.min(255) as u8);
    let scheme = QuantScheme::default()
        .with_value(QuantValue::Q8S)
        .per_block(block, ScaleDtype::F32);
    let range = compute_range(&scheme, &kernel, &Calibration::MinMax);
    let qparams = compute_q_params(&scheme, range);
    kernel.quantize(&scheme, qparams)
}

/// `net` with its int8 kernels expanded back to float32 once, then moved to `device`: for
/// backends that cannot run Burn's int8 kernels (WebGPU 0.22 panics: "Q8S is not supported for
/// native quantization"). Load the int8 file on a CPU device, expand, move. The download stays
/// the int8 file; the outputs are the int8 network's.
pub fn dequantize_movenet(mut net: MoveNet, device: &Device) -> MoveNet {
    for conv in net.convs_mut() {
        let weight = conv.conv.weight.clone();
        conv.conv.weight = weight.map(|w| w.dequantize());
    }
    net.to_device(device)
}
