//! Pose sessions: a MoveNet network, fetched, checked and prepared for a backend, with what it
//! learnt of earlier frames (the estimator's crop, smoothing and tracker).

use microact_models::burn::tensor::Device;
use microact_models::frame::{Rect, Size, rgba_to_tensor};
use microact_models::manifest::Manifest;
use microact_models::pose::PoseNet;
use microact_models::pose::estimator::{Estimator, Look, PersonPose};
use microact_models::pose::net::MoveNet;
use microact_models::pose::scale::{MultiPoseInput, Side};
use microact_models::pose::weights::{dequantize_movenet, load_movenet};
use microact_protocol::{Backend, MultiPose, MultiPoseSide, Person};

use crate::compute::cpu_device;
use crate::{EngineError, FrameError};

/// One session's network and what it was loaded for.
pub struct Session {
    pub model: String,
    pub backend: Backend,
    pub estimator: Estimator,
}

impl Session {
    /// Whether this session runs `model` on `backend`.
    pub fn runs(&self, model: &str, backend: Backend) -> bool {
        self.model == model && self.backend == backend
    }
}

/// The pose network `model` (a manifest name) from its weight file's `bytes`, checked against the
/// manifest, int8 kernels expanded, on `backend`'s `device`, as the page runs it: packed for the
/// CPU kernels on the CPU, Burn's ops elsewhere.
pub fn load(
    manifest: &Manifest,
    model: &str,
    bytes: Vec<u8>,
    backend: Backend,
    device: &Device,
) -> Result<PoseNet, EngineError> {
    let net = load_movenet_on(manifest, model, bytes, device)?;
    Ok(match backend {
        Backend::Cpu => PoseNet::packed(net)?,
        _ => PoseNet::Burn(net),
    })
}

/// The MoveNet network `model` from its weight file's `bytes` on `device` (Burn's ops; the
/// benchmark compares them with the CPU path [`load`] gives).
pub fn load_movenet_on(
    manifest: &Manifest,
    model: &str,
    bytes: Vec<u8>,
    device: &Device,
) -> Result<MoveNet, EngineError> {
    let entry = manifest.get(model)?;
    let variant = entry.variant.ok_or_else(|| EngineError::NotPose {
        model: model.to_string(),
    })?;
    // int8 kernels are expanded to float once, here: Burn's WebGPU backend cannot run them, and
    // on the CPU it dequantizes them on every call (a frame cost 204 ms against float's 137 ms:
    // docs/benchmarks.md). Loaded on the CPU, expanded, moved to `device`.
    let net = load_movenet(variant, &entry.file, bytes, &entry.sha256, &cpu_device())?;
    Ok(dequantize_movenet(net, device))
}

/// Where a frame of `source` pixels goes into the network's input: the part to read and where to
/// draw it, at the network's size.
#[derive(Clone, Copy, Debug)]
pub struct Placement {
    pub size: Size,
    pub source: Rect,
    pub dest: Rect,
}

/// MultiPose's input as the page asked for it.
pub fn multi_input(multi: MultiPose) -> MultiPoseInput {
    MultiPoseInput {
        side: match multi.side {
            MultiPoseSide::Exported => Side::Exported,
            MultiPoseSide::Longer(side) => Side::Longer(side),
            MultiPoseSide::Auto => Side::Auto,
        },
        zoom: multi.zoom,
    }
}

/// Runs `estimator` on a frame: its plan says what to read; `read` draws that part and returns
/// its RGBA bytes at the network's size; with zoom to people it is asked again for each crop.
/// The people, and the inputs looked at.
pub async fn estimate<Read, Reading>(
    estimator: &mut Estimator,
    device: &Device,
    source: Size,
    live: bool,
    timestamp_ms: f64,
    mut read: Read,
) -> Result<(Vec<Person>, Vec<Size>), EngineError>
where
    Read: FnMut(Placement) -> Reading,
    Reading: std::future::Future<Output = Result<Vec<u8>, FrameError>>,
{
    let mut input = estimator.plan(source, live).map_err(FrameError::from)?;
    let mut inputs = Vec::new();
    loop {
        let size = input.size(estimator.input_size());
        inputs.push(size);
        let placement = Placement {
            size,
            source: input.source_rect(),
            dest: input.dest_rect(size),
        };
        let rgba = read(placement).await?;
        let tensor = rgba_to_tensor(&rgba, size, device).map_err(FrameError::from)?;
        match estimator.look(tensor, &input, timestamp_ms).await? {
            Look::Again(next) => input = next,
            Look::Done(people) => return Ok((people.iter().map(person).collect(), inputs)),
        }
    }
}

/// A person as the protocol carries them.
pub fn person(p: &PersonPose) -> Person {
    Person {
        id: p.id,
        score: p.score,
        keypoints: p.keypoints.iter().map(|k| [k.x, k.y, k.score]).collect(),
        input_keypoints: p
            .input_keypoints
            .iter()
            .map(|k| [k.y, k.x, k.score])
            .collect(),
        bbox: p.bbox.map(|b| [b.x, b.y, b.width, b.height]),
    }
}
