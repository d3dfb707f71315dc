//! The pose benchmark (`?bench=pose&runs=N`, driven by `scripts/bench-pose.mjs`), run where the
//! models run: MoveNet SinglePose and MultiPose on a real frame, N timed runs after warm-up on
//! each backend the browser offers, forward pass + readback + decoding per run. The CPU is
//! measured twice: the engine's CPU path (packed kernels) and Burn's ops on the same CPU device,
//! the step from one to the other. On the CPU, N more runs are profiled by kind of operation
//! (both run each operation as it comes, so timing around one times it).

use microact_models::burn::tensor::{Device, Tensor, TensorData};
use microact_models::manifest::Manifest;
use microact_models::pose::net::{OpKind, Probe, Variant};
use microact_models::pose::{PoseNet, multi_pose, single_pose};
use microact_protocol::{Backend, BenchProfile, BenchRow};

use crate::compute::Devices;
use crate::pose::{load, load_movenet_on};
use crate::{EngineError, FetchError};

const WARM_UP: usize = 3;

/// The models measured, each with the frame it reads (`bench/…` beside the page).
pub const MODELS: [(&str, &str); 5] = [
    ("movenet-lightning", "bench/cam01-1s.rgb"),
    ("movenet-lightning-q8", "bench/cam01-1s.rgb"),
    ("movenet-multipose", "bench/multipose/cam01-1s.rgb"),
    // MultiPose at larger inputs (the pose panel's choice): what each size costs.
    (
        "movenet-multipose",
        "bench/multipose/sizes/walk-3s.384x224.rgb",
    ),
    (
        "movenet-multipose",
        "bench/multipose/sizes/walk-3s.512x288.rgb",
    ),
];

/// A frame's size, `[height, width]`: the `WxH` in its name, else the variant's square input.
fn frame_shape(frame: &str, side: usize) -> [usize; 2] {
    let size = frame
        .strip_suffix(".rgb")
        .and_then(|f| f.rsplit('.').next())
        .and_then(|s| s.split_once('x'))
        .and_then(|(w, h)| Some([h.parse().ok()?, w.parse().ok()?]));
    size.unwrap_or([side, side])
}

/// A row's model: the model's name, with the frame's size where it is not the default.
fn row_label(model: &str, frame: &str, side: usize) -> String {
    match frame_shape(frame, side) {
        [h, w] if [h, w] != [side, side] => format!("{model} {w}x{h}"),
        _ => model.to_string(),
    }
}

/// What the benchmark reads: the manifest, each model's weight file and each frame, by name.
pub struct Inputs {
    pub manifest: Manifest,
    /// `(name, bytes)`: weight files by model name, frames by path.
    pub files: Vec<(String, Vec<u8>)>,
}

impl Inputs {
    fn get(&self, name: &str) -> Result<&[u8], EngineError> {
        self.files
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, b)| b.as_slice())
            .ok_or_else(|| {
                FetchError::NotFetched {
                    name: name.to_string(),
                }
                .into()
            })
    }
}

/// Milliseconds per kind of operation (in `OpKind::ALL`'s order), summed over runs.
struct Timer<'a> {
    ms: [f64; 5],
    now: &'a dyn Fn() -> f64,
}

impl Probe for Timer<'_> {
    fn run<T>(&mut self, kind: OpKind, op: impl FnOnce() -> T) -> T {
        let started = (self.now)();
        let out = op();
        if let Some(i) = OpKind::ALL.iter().position(|k| *k == kind) {
            self.ms[i] += (self.now)() - started;
        }
        out
    }
}

/// What the benchmark measures: the engine's two paths and, for comparison, Burn's ops on the
/// CPU.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Path {
    Engine(Backend),
    BurnOnCpu,
}

impl Path {
    fn label(self) -> &'static str {
        match self {
            Path::Engine(backend) => backend.label(),
            Path::BurnOnCpu => "CPU (Burn ops)",
        }
    }

    fn backend(self) -> Backend {
        match self {
            Path::Engine(backend) => backend,
            Path::BurnOnCpu => Backend::Cpu,
        }
    }
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    match values.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => values[n / 2],
        n => (values[n / 2 - 1] + values[n / 2]) / 2.0,
    }
}

async fn profile(
    path: Path,
    model: &str,
    net: &PoseNet,
    input: &Tensor<4>,
    runs: usize,
    now: &dyn Fn() -> f64,
) -> Result<BenchProfile, EngineError> {
    let mut timer = Timer { ms: [0.0; 5], now };
    let mut total = 0.0;
    for _ in 0..runs.max(1) {
        let started = now();
        net.heads_probed(input.clone(), &mut timer).await?;
        total += now() - started;
    }
    let n = runs.max(1) as f64;
    let mut kinds: Vec<(String, f64)> = OpKind::ALL
        .iter()
        .zip(timer.ms)
        .map(|(k, ms)| (k.name().to_string(), ms / n))
        .collect();
    let frame_ms = total / n;
    let rest = frame_ms - kinds.iter().map(|(_, ms)| ms).sum::<f64>();
    kinds.push(("the rest (input scaling, readback, decoding)".into(), rest));
    Ok(BenchProfile {
        path: path.label().into(),
        model: model.into(),
        kinds,
        frame_ms,
    })
}

#[allow(clippy::too_many_arguments)]
async fn measure(
    inputs: &Inputs,
    model: &str,
    frame_name: &str,
    frame: &[u8],
    runs: usize,
    path: Path,
    device: &Device,
    now: &dyn Fn() -> f64,
) -> Result<(f64, Option<BenchProfile>), EngineError> {
    let bytes = inputs.get(model)?.to_vec();
    let net = match path {
        Path::Engine(backend) => load(&inputs.manifest, model, bytes, backend, device)?,
        Path::BurnOnCpu => PoseNet::Burn(load_movenet_on(&inputs.manifest, model, bytes, device)?),
    };
    let variant = net.variant();
    let [height, width] = frame_shape(frame_name, variant.input_size() as usize);
    let values: Vec<f32> = frame.iter().map(|&b| f32::from(b)).collect();
    let input = Tensor::<4>::from_data(TensorData::new(values, [1, height, width, 3]), device);
    let mut times = Vec::with_capacity(runs);
    for i in 0..WARM_UP + runs {
        let started = now();
        match variant {
            Variant::SinglePoseLightning => single_pose(&net, input.clone()).await.map(|_| ()),
            Variant::MultiPoseLightning => multi_pose(&net, input.clone()).await.map(|_| ()),
        }?;
        if i >= WARM_UP {
            times.push(now() - started);
        }
    }
    let profiled = match path.backend() {
        Backend::Cpu => {
            let label = row_label(model, frame_name, variant.input_size() as usize);
            Some(profile(path, &label, &net, &input, runs, now).await?)
        }
        Backend::WebGpu => None,
    };
    Ok((median(times), profiled))
}

/// Every row and CPU profile; a backend that gives no device is left out.
pub async fn run(
    devices: &mut Devices,
    inputs: &Inputs,
    runs: u32,
    cpu_only: bool,
    now: &dyn Fn() -> f64,
) -> Result<(Vec<BenchRow>, Vec<BenchProfile>), EngineError> {
    let mut rows = Vec::new();
    let mut profiles = Vec::new();
    for path in [
        Path::Engine(Backend::Cpu),
        Path::BurnOnCpu,
        Path::Engine(Backend::WebGpu),
    ] {
        if cpu_only && path.backend() != Backend::Cpu {
            continue;
        }
        let Ok(device) = devices.get(path.backend()).await else {
            continue;
        };
        for (model, frame) in MODELS {
            // int8 is expanded to float at load: the float row's figure, except on the engine's
            // CPU path where the int8 file is the one a user would pick to download less.
            if model.ends_with("-q8") && path != Path::Engine(Backend::Cpu) {
                continue;
            }
            let name = frame;
            let frame = inputs.get(name)?;
            let (median_ms, profiled) = measure(
                inputs,
                model,
                name,
                frame,
                runs as usize,
                path,
                &device,
                now,
            )
            .await?;
            profiles.extend(profiled);
            let side = inputs
                .manifest
                .get(model)?
                .variant
                .map_or(0, |v| v.input_size());
            rows.push(BenchRow {
                backend: path.label().into(),
                model: row_label(model, name, side as usize),
                median_ms,
                runs,
            });
        }
    }
    Ok((rows, profiles))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_frame_says_its_size_in_its_name() {
        assert_eq!(frame_shape("bench/multipose/cam01-1s.rgb", 256), [256, 256]);
        assert_eq!(
            frame_shape("bench/multipose/sizes/walk-3s.512x288.rgb", 256),
            [288, 512]
        );
        assert_eq!(
            row_label(
                "movenet-multipose",
                "bench/multipose/sizes/walk-3s.384x224.rgb",
                256
            ),
            "movenet-multipose 384x224"
        );
        assert_eq!(
            row_label("movenet-lightning", "bench/cam01-1s.rgb", 192),
            "movenet-lightning"
        );
    }
}
