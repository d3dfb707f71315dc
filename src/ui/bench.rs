//! The pose benchmark mode (`?bench=pose&runs=N`), driven by `scripts/bench-pose.mjs`: MoveNet
//! SinglePose and MultiPose on a real frame, N timed runs after warm-up on each backend the
//! browser offers, forward pass + readback + decoding per run; medians in the page as JSON. The
//! CPU is measured twice: the page's CPU path (packed kernels) and Burn's ops on the same CPU
//! device, the step from one to the other. On the CPU, N more runs are profiled by kind of
//! operation (both run each operation as it comes, so timing around one times it).

use leptos::prelude::*;
use leptos::task::spawn_local;
use microact_models::burn::tensor::{Device, Tensor, TensorData};
use microact_models::manifest::Manifest;
use microact_models::pose::net::{OpKind, Probe, Variant};
use microact_models::pose::{PoseNet, multi_pose, single_pose};

use crate::browser::{self, fetch};
use crate::compute::{self, Backend};
use crate::ui::local_models::{fetch_manifest, load_movenet_on};

const WARM_UP: usize = 3;

/// One backend × model measurement.
#[derive(Clone, Debug, PartialEq)]
struct Row {
    backend: &'static str,
    model: &'static str,
    median_ms: f64,
    runs: usize,
}

/// The benchmark named by the page URL, if any (`bench=pose&runs=N`, `&only=cpu` for the CPU
/// paths alone).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Request {
    runs: usize,
    cpu_only: bool,
}

pub fn requested() -> Option<Request> {
    (browser::query_param("bench").as_deref() == Some("pose")).then(|| Request {
        runs: browser::query_param("runs")
            .and_then(|r| r.parse().ok())
            .unwrap_or(20),
        cpu_only: browser::query_param("only").as_deref() == Some("cpu"),
    })
}

/// Milliseconds per kind of operation (in `OpKind::ALL`'s order), summed over runs.
#[derive(Default)]
struct Timer([f64; 5]);

impl Probe for Timer {
    fn run<T>(&mut self, kind: OpKind, op: impl FnOnce() -> T) -> T {
        let started = browser::now_ms();
        let out = op();
        if let Some(i) = OpKind::ALL.iter().position(|k| *k == kind) {
            self.0[i] += browser::now_ms() - started;
        }
        out
    }
}

/// Where one model's frame goes on the CPU: mean ms per kind of operation, and the whole frame
/// (the rest is input scaling, readback and decoding).
#[derive(Clone, Debug, PartialEq)]
struct Profile {
    path: &'static str,
    model: &'static str,
    kinds: [f64; 5],
    frame_ms: f64,
}

async fn profile(
    path: &'static str,
    model: &'static str,
    net: &PoseNet,
    input: &Tensor<4>,
    runs: usize,
) -> Result<Profile, String> {
    let mut timer = Timer::default();
    let mut total = 0.0;
    for _ in 0..runs.max(1) {
        let started = browser::now_ms();
        net.heads_probed(input.clone(), &mut timer)
            .await
            .map_err(|e| e.to_string())?;
        total += browser::now_ms() - started;
    }
    let n = runs.max(1) as f64;
    Ok(Profile {
        path,
        model,
        kinds: timer.0.map(|ms| ms / n),
        frame_ms: total / n,
    })
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    match values.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => values[n / 2],
        n => (values[n / 2 - 1] + values[n / 2]) / 2.0,
    }
}

/// What the benchmark measures: the page's two paths and, for comparison, Burn's ops on the CPU.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Path {
    Page(Backend),
    BurnOnCpu,
}

impl Path {
    fn label(self) -> &'static str {
        match self {
            Path::Page(backend) => backend.label(),
            Path::BurnOnCpu => "CPU (Burn ops)",
        }
    }

    fn backend(self) -> Backend {
        match self {
            Path::Page(backend) => backend,
            Path::BurnOnCpu => Backend::Cpu,
        }
    }
}

async fn measure(
    manifest: &Manifest,
    model: &'static str,
    frame: &[u8],
    runs: usize,
    path: Path,
    device: &Device,
) -> Result<(f64, Option<Profile>), String> {
    let movenet = load_movenet_on(manifest, model, device).await?;
    let net = match path {
        Path::Page(_) => PoseNet::new(movenet).map_err(|e| e.to_string())?,
        Path::BurnOnCpu => PoseNet::Burn(movenet),
    };
    let variant = net.variant();
    let side = variant.input_size() as usize;
    let values: Vec<f32> = frame.iter().map(|&b| f32::from(b)).collect();
    let input = Tensor::<4>::from_data(TensorData::new(values, [1, side, side, 3]), device);
    let mut times = Vec::with_capacity(runs);
    for i in 0..WARM_UP + runs {
        let started = browser::now_ms();
        match variant {
            Variant::SinglePoseLightning => single_pose(&net, input.clone()).await.map(|_| ()),
            Variant::MultiPoseLightning => multi_pose(&net, input.clone()).await.map(|_| ()),
        }
        .map_err(|e| e.to_string())?;
        if i >= WARM_UP {
            times.push(browser::now_ms() - started);
        }
    }
    let profiled = match path.backend() {
        Backend::Cpu => Some(profile(path.label(), model, &net, &input, runs).await?),
        Backend::WebGpu => None,
    };
    Ok((median(times), profiled))
}

async fn run(
    Request { runs, cpu_only }: Request,
    progress: RwSignal<Vec<Row>>,
    profiles: RwSignal<Vec<Profile>>,
) -> Result<Vec<Row>, String> {
    let manifest = fetch_manifest().await?;
    let single = fetch::bytes("bench/cam01-1s.rgb").await?;
    let multi = fetch::bytes("bench/multipose/cam01-1s.rgb").await?;
    let mut rows = Vec::new();
    for path in [
        Path::Page(Backend::Cpu),
        Path::BurnOnCpu,
        Path::Page(Backend::WebGpu),
    ] {
        if cpu_only && path.backend() != Backend::Cpu {
            continue;
        }
        let device = match compute::acquire(path.backend(), browser::has_webgpu()).await {
            Ok(device) => device,
            Err(_) => continue,
        };
        for (model, frame) in [
            ("movenet-lightning", &single),
            ("movenet-lightning-q8", &single),
            ("movenet-multipose", &multi),
        ] {
            // int8 is expanded to float at load: the float row's figure, except on the page's
            // CPU path where the int8 file is the one a user would pick to download less.
            if model.ends_with("-q8") && path != Path::Page(Backend::Cpu) {
                continue;
            }
            let (median_ms, profiled) =
                measure(&manifest, model, frame, runs, path, &device).await?;
            if let Some(p) = profiled {
                profiles.update(|all| all.push(p));
            }
            rows.push(Row {
                backend: path.label(),
                model,
                median_ms,
                runs,
            });
            progress.set(rows.clone());
        }
    }
    Ok(rows)
}

#[component]
pub fn PoseBench(request: Request) -> impl IntoView {
    let runs = request.runs;
    let result = RwSignal::new(None::<Result<Vec<Row>, String>>);
    let progress = RwSignal::new(Vec::new());
    let profiles = RwSignal::new(Vec::<Profile>::new());
    spawn_local(async move { result.set(Some(run(request, progress, profiles).await)) });
    let profile_json = move || {
        let rows: Vec<String> = profiles
            .get()
            .iter()
            .flat_map(|p| {
                let kinds = OpKind::ALL.iter().zip(p.kinds).map(move |(k, ms)| {
                    format!(
                        "{{\"path\":\"{}\",\"model\":\"{}\",\"kind\":\"{}\",\"ms\":{ms:.2},\"frame_ms\":{:.2}}}",
                        p.path,
                        p.model,
                        k.name(),
                        p.frame_ms
                    )
                });
                let rest = p.frame_ms - p.kinds.iter().sum::<f64>();
                kinds.chain(std::iter::once(format!(
                    "{{\"path\":\"{}\",\"model\":\"{}\",\"kind\":\"the rest (input scaling, readback, decoding)\",\"ms\":{rest:.2},\"frame_ms\":{:.2}}}",
                    p.path, p.model, p.frame_ms
                )))
            })
            .collect();
        format!("[{}]", rows.join(","))
    };
    let json = move || {
        match result.get() {
        Some(Ok(rows)) => rows
            .iter()
            .map(|r| {
                format!(
                    "{{\"impl\":\"microact\",\"backend\":\"{}\",\"model\":\"{}\",\"median_ms\":{:.2},\"runs\":{}}}",
                    r.backend, r.model, r.median_ms, r.runs
                )
            })
            .collect::<Vec<_>>()
            .join(","),
        _ => String::new(),
    }
    };
    view! {
        <main class="bench">
            <h1>"microact pose benchmark"</h1>
            <output data-testid="bench-result"
                data-state=move || match result.get() { None => "running", Some(Ok(_)) => "done", Some(Err(_)) => "failed" }
                data-rows=move || format!("[{}]", json())
                data-profile=profile_json>
                {move || match result.get() {
                    None => format!(
                        "running {runs} frames per backend and model… {}",
                        progress.get().iter().map(|r| format!("{} {}: {:.1} ms", r.backend, r.model, r.median_ms)).collect::<Vec<_>>().join(" · ")
                    ),
                    Some(Ok(rows)) => rows.iter().map(|r| format!("{} {}: {:.1} ms/frame", r.backend, r.model, r.median_ms)).collect::<Vec<_>>().join(" · "),
                    Some(Err(e)) => e,
                }}
            </output>
        </main>
    }
}
