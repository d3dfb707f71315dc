//! Models that still run on the page's thread (clip analysis, the live recognizer, the pose
//! benchmark) until they move into the engine worker (`crates/microact-engine`); the pose
//! overlay already runs there.

use microact_models::burn::tensor::Device;
use microact_models::frame::rgba_to_tensor;
use microact_models::manifest::Manifest;
use microact_models::pose::PoseNet;
use microact_models::pose::estimator::{Estimator, PersonPose};
use microact_models::pose::net::MoveNet;
use microact_models::pose::weights::{dequantize_movenet, load_movenet};

use crate::browser::{self, canvas, fetch};
use crate::compute;

/// The people on the frame `video` shows: planned (`live`: SinglePose follows the person),
/// drawn into `scratch` at the network's size, estimated at `timestamp_ms`.
pub(crate) async fn estimate_frame(
    estimator: &mut Estimator,
    video: &web_sys::HtmlVideoElement,
    scratch: &web_sys::HtmlCanvasElement,
    device: &Device,
    live: bool,
    timestamp_ms: f64,
) -> Result<Vec<PersonPose>, String> {
    let input = estimator
        .plan(canvas::video_size(video), live)
        .map_err(|e| format!("no frame to read: {e}"))?;
    let size = estimator.input_size();
    let rgba = canvas::grab_region(
        video,
        scratch,
        size,
        input.source_rect(),
        input.dest_rect(size),
    )?;
    let tensor = rgba_to_tensor(&rgba, size, device).map_err(|e| e.to_string())?;
    estimator
        .estimate(tensor, &input, timestamp_ms)
        .await
        .map_err(|e| e.to_string())
}

/// `models/manifest.json`, fetched and read.
pub(crate) async fn fetch_manifest() -> Result<Manifest, String> {
    Manifest::parse(&fetch::text("models/manifest.json").await?).map_err(|e| e.to_string())
}

/// The pose network `model` (a manifest name), ready to run on `device`: on the CPU, packed for
/// the CPU kernels, giving the page a turn between layers.
pub(crate) async fn load_pose_net(
    manifest: &Manifest,
    model: &str,
    device: &Device,
) -> Result<PoseNet, String> {
    let net =
        PoseNet::new(load_movenet_on(manifest, model, device).await?).map_err(|e| e.to_string())?;
    Ok(net.with_pause(browser::ui_pause()))
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
