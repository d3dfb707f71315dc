//! The pose benchmark mode (`?bench=pose&runs=N`), driven by `scripts/bench-pose.mjs`: MoveNet
//! SinglePose and MultiPose on a real frame, N timed runs after warm-up on each backend the
//! browser offers, forward pass + readback + decoding per run; medians in the page as JSON.

use leptos::prelude::*;
use leptos::task::spawn_local;
use microact_models::burn::tensor::{Device, Tensor, TensorData};
use microact_models::manifest::Manifest;
use microact_models::pose::net::Variant;
use microact_models::pose::{multi_pose, single_pose};

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
) -> Result<f64, String> {
    let net = load_pose_net(manifest, model, backend, device).await?;
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
    Ok(median(times))
}

async fn run(runs: usize, progress: RwSignal<Vec<Row>>) -> Result<Vec<Row>, String> {
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
            let median_ms = measure(&manifest, model, frame, runs, backend, &device).await?;
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
    spawn_local(async move { result.set(Some(run(runs, progress).await)) });
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
                data-rows=move || format!("[{}]", json())>
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
