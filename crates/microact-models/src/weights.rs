//! Weight files of every model: Burnpack bytes (float16 on disk) checked against the sha256 the
//! manifest gives, saving, and post-training int8 quantization of large kernels.

use burn::module::{Module, ModuleMapper, Param};
use burn::store::burn_pack::Error as PackError;
use burn::store::{BurnpackStore, HalfPrecisionAdapter, ModuleSnapshot};
use burn::tensor::quantization::{
    Calibration, QuantScheme, QuantValue, ScaleDtype, compute_q_params, compute_range,
};
use burn::tensor::{Bytes, DType, Device, Tensor};
use sha2::{Digest, Sha256};

/// What is wrong with a weight file, or why weights could not be written as one.
#[derive(Debug, thiserror::Error)]
pub enum WeightsError {
    #[error(
        "{file} is damaged or not the expected version: its sha256 is {found}, the manifest says {expected}"
    )]
    Checksum {
        file: String,
        found: String,
        expected: String,
    },
    #[error("{file} does not fit the network: {source}")]
    Unreadable { file: String, source: PackError },
    #[error("{file} does not fit the network: {missing} tensors missing, {unusable} unusable")]
    Mismatch {
        file: String,
        missing: usize,
        unusable: usize,
    },
    #[error("the weights could not be written as Burnpack: {0}")]
    Save(PackError),
}

/// Hex sha256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// `module` with the weights of file `file` (its `bytes`, whose sha256 must be `sha256`).
/// Every tensor of the module must be in the file.
pub fn load_checked<M: Module>(
    mut module: M,
    file: &str,
    bytes: Vec<u8>,
    sha256: &str,
) -> Result<M, WeightsError> {
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
    let result = module
        .load_from(&mut store)
        .map_err(|source| WeightsError::Unreadable {
            file: file.to_string(),
            source,
        })?;
    if !result.errors.is_empty() || !result.missing.is_empty() {
        return Err(WeightsError::Mismatch {
            file: file.to_string(),
            missing: result.missing.len(),
            unusable: result.errors.len(),
        });
    }
    Ok(module)
}

/// The Burnpack bytes of `module`, float weights stored as float16 (int8 ones as they are).
pub fn to_burnpack<M: Module>(module: &M) -> Result<Vec<u8>, WeightsError> {
    let mut store = BurnpackStore::from_bytes(None).with_to_adapter(HalfPrecisionAdapter::new());
    module.save_into(&mut store).map_err(WeightsError::Save)?;
    store
        .get_bytes()
        .map(|b| b.to_vec())
        .map_err(WeightsError::Save)
}

/// Post-training quantization of every kernel (a float parameter of rank 2 or more) with at
/// least `min_weights` weights to symmetric int8, one scale per output channel (min-max over its
/// weights; a channel's block is split into equal parts where it holds over 255 input channels,
/// since block sides are bytes). Biases, norms and smaller kernels stay float.
pub fn quantize<M: Module>(module: M, min_weights: usize) -> M {
    module.map(&mut Int8 { min_weights })
}

/// `module` with its int8 kernels expanded back to float32 once, then moved to `device`: for
/// backends that cannot run Burn's int8 kernels (WebGPU 0.22 panics: "Q8S is not supported for
/// native quantization"). Load the int8 file on a CPU device, expand, move. The download stays
/// the int8 file; the outputs are the int8 network's.
pub fn dequantize<M: Module>(module: M, device: &Device) -> M {
    module.map(&mut Expand).to_device(device)
}

struct Int8 {
    min_weights: usize,
}

impl ModuleMapper for Int8 {
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        let dims = param.dims();
        if D < 2 || dims.iter().product::<usize>() < self.min_weights {
            return param;
        }
        param.map(|kernel| {
            let per_group = dims[1];
            let side = (1..=per_group.min(255))
                .rev()
                .find(|d| per_group % d == 0)
                .unwrap_or(1);
            let block: Vec<u8> = dims
                .iter()
                .enumerate()
                .map(|(axis, &d)| match axis {
                    0 => 1,
                    1 => side as u8,
                    _ => d.min(255) as u8,
                })
                .collect();
            let scheme = QuantScheme::default()
                .with_value(QuantValue::Q8S)
                .per_block(block, ScaleDtype::F32);
            let range = compute_range(&scheme, &kernel, &Calibration::MinMax);
            let qparams = compute_q_params(&scheme, range);
            kernel.quantize(&scheme, qparams)
        })
    }
}

struct Expand;

impl ModuleMapper for Expand {
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        param.map(expand)
    }
}

/// `t` in float: int8 tensors expanded, float ones as they are.
pub fn expand<const D: usize>(t: Tensor<D>) -> Tensor<D> {
    match t.dtype() {
        DType::QFloat(_) => t.dequantize(),
        _ => t,
    }
}
