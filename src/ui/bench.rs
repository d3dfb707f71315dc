//! The pose benchmark mode (`?bench=pose&runs=N`), driven by `scripts/bench-pose.mjs`: MoveNet
//! SinglePose and MultiPose on a real frame, N timed runs after warm-up on each backend the
//! browser offers, forward pass + readback + decoding per run; medians in the page as JSON. On
//! the CPU, N more runs are profiled by kind of operation (the CPU backend runs each operation
//! as it comes, so timing around one times it).

use leptos::prelude::*;
use leptos::task::spawn_local;
use microact_models::burn::tensor::{Device, Tensor, TensorData};
use microact_models::manifest::Manifest;
use microact_models::pose::net::{MoveNet, OpKind, Probe, Variant, normalise};
use microact_models::pose::{multi_pose, read_heads, single_pose};

use crate::browser::{self, fetch};
use crate::compute::{self, Backend};
use crate::ui::pose_panel::{fetch_manifest, load_pose_net};

const WARM_UP: usize = 3;

/// One backend × model measurement.
#[derive(Clone, Debug, PartialEq)]
struct Row {
    backend: &'static str,
    model: &'static str,
    median_ms: f64,
    runs: usize,
}

/// Runs the benchmark named by the page URL, if any (`bench=pose`).
pub fn requested() -> Option<usize> {
    (browser::query_param("bench").as_deref() == Some("pose")).then(|| {
        browser::query_param("runs")
            .and_then(|r| r.parse().ok())
            .unwrap_or(20)
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
    model: &'static str,
    kinds: [f64; 5],
    frame_ms: f64,
}

async fn profile(
    model: &'static str,
    net: &MoveNet,
    input: &Tensor<4>,
    runs: usize,
) -> Result<Profile, String> {
    let mut timer = Timer::default();
    let mut total = 0.0;
    for _ in 0..runs.max(1) {
        let started = browser::now_ms();
        let heads = net.forward_probed(normalise(input.clone()), &mut timer);
        read_heads(heads).await.map_err(|e| e.to_string())?;
        total += browser::now_ms() - started;
    }
    let n = runs.max(1) as f64;
    Ok(Profile {
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

async fn measure(
    manifest: &Manifest,
    model: &'static str,
    frame: &[u8],
    runs: usize,
    backend: Backend,
    device: &Device,
) -> Result<(f64, Option<Profile>), String> {
    let net = load_pose_net(manifest, model, device).await?;
    let variant = net.variant;
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
    let profiled = match backend {
        Backend::Cpu => Some(profile(model, &net, &input, runs).await?),
        Backend::WebGpu => None,
    };
    Ok((median(times), profiled))
}

async fn run(
    runs: usize,
    progress: RwSignal<Vec<Row>>,
    profiles: RwSignal<Vec<Profile>>,
) -> Result<Vec<Row>, String> {
    let manifest = fetch_manifest().await?;
    let single = fetch::bytes("bench/cam01-1s.rgb").await?;
    let multi = fetch::bytes("bench/multipose/cam01-1s.rgb").await?;
    let mut rows = Vec::new();
    for backend in [Backend::Cpu, Backend::WebGpu] {
        let device = match compute::acquire(backend, browser::has_webgpu()).await {
            Ok(device) => device,
            Err(_) => continue,
        };
        for (model, frame) in [
            ("movenet-lightning", &single),
            ("movenet-lightning-q8", &single),
            ("movenet-multipose", &multi),
        ] {
            if backend == Backend::WebGpu && model.ends_with("-q8") {
                continue; // expanded to float there: the float row's figure
            }
            let (median_ms, profiled) =
                measure(&manifest, model, frame, runs, backend, &device).await?;
            if let Some(p) = profiled {
                profiles.update(|all| all.push(p));
            }
            rows.push(Row {
                backend: backend.label(),
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
pub fn PoseBench(runs: usize) -> impl IntoView {
    let result = RwSignal::new(None::<Result<Vec<Row>, String>>);
    let progress = RwSignal::new(Vec::new());
    let profiles = RwSignal::new(Vec::<Profile>::new());
    spawn_local(async move { result.set(Some(run(runs, progress, profiles).await)) });
    let profile_json = move || {
        let rows: Vec<String> = profiles
            .get()
            .iter()
            .flat_map(|p| {
                let kinds = OpKind::ALL.iter().zip(p.kinds).map(move |(k, ms)| {
                    format!(
                        "{{\"model\":\"{}\",\"kind\":\"{}\",\"ms\":{ms:.2},\"frame_ms\":{:.2}}}",
                        p.model,
                        k.name(),
                        p.frame_ms
                    )
                });
                let rest = p.frame_ms - p.kinds.iter().sum::<f64>();
                kinds.chain(std::iter::once(format!(
                    "{{\"model\":\"{}\",\"kind\":\"the rest (input scaling, readback, decoding)\",\"ms\":{rest:.2},\"frame_ms\":{:.2}}}",
                    p.model, p.frame_ms
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
