//! What the benchmark page (`?bench=pose`) and the models panel still read on the page's thread
//! until they move into the engine worker (`crates/microact-engine`), where the pose overlay,
//! live actions and clip analysis run.

use microact_models::burn::tensor::Device;
use microact_models::manifest::Manifest;
use microact_models::pose::net::MoveNet;
use microact_models::pose::weights::{dequantize_movenet, load_movenet};

use crate::browser::fetch;
use crate::compute;

/// `models/manifest.json`, fetched and read.
pub(crate) async fn fetch_manifest() -> Result<Manifest, String> {
    Manifest::parse(&fetch::text("models/manifest.json").await?).map_err(|e| e.to_string())
}

/// The pose network `model` (a manifest name), fetched, checked, int8 kernels expanded, on `device`.
pub(crate) async fn load_movenet_on(
    manifest: &Manifest,
    model: &str,
    device: &Device,
) -> Result<MoveNet, String> {
    let entry = manifest.get(model).map_err(|e| e.to_string())?;
    let variant = entry
        .variant
        .ok_or_else(|| format!("{model} is not a pose model"))?;
    let bytes = fetch::bytes(&format!("models/{}", entry.file)).await?;
    // int8 kernels are expanded to float once, here: Burn's WebGPU backend cannot run them, and
    // on the CPU it dequantizes them on every call (a frame cost 204 ms against float's 137 ms:
    // docs/benchmarks.md). Loaded on the CPU, expanded, moved to `device`.
    let net = load_movenet(
        variant,
        &entry.file,
        bytes,
        &entry.sha256,
        &compute::cpu_device(),
    )
    .map_err(|e| e.to_string())?;
    Ok(dequantize_movenet(net, device))
}
