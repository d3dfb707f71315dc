//! Loading converted MoveNet weights (Burnpack, float16 on disk) after checking them against the
//! sha256 the manifest gives, and saving them (the converter).

use burn::store::{BurnpackStore, HalfPrecisionAdapter, ModuleSnapshot};
use burn::tensor::{Bytes, Device};
use sha2::{Digest, Sha256};

use super::net::MoveNet;

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

/// A MoveNet from the bytes of weight file `file`, whose sha256 must be `sha256`.
pub fn load_movenet(
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
    let mut net = MoveNet::init(device);
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
