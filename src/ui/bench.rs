//! The pose benchmark page (`?bench=pose&runs=N`, `&only=cpu` for the CPU paths alone), driven
//! by `scripts/bench-pose.mjs`: the engine runs it where it runs the models
//! (`crates/microact-engine/src/bench.rs`); this page asks and shows the medians and the CPU
//! profiles as JSON.

use leptos::prelude::*;
use microact_protocol::{BenchProfile, BenchRow, Reply, Request as EngineRequest};

use crate::browser;
use crate::browser::engine::Engine;

/// The benchmark named by the page URL, if any.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Request {
    runs: u32,
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

async fn run(
    Request { runs, cpu_only }: Request,
) -> Result<(Vec<BenchRow>, Vec<BenchProfile>), String> {
    let engine = Engine::new(|_| {}, |_| {});
    match engine
        .call(EngineRequest::BenchPose { runs, cpu_only }, None, |_| {})
        .await
    {
        Ok(Reply::Bench { rows, profiles }) => Ok((rows, profiles)),
        Ok(other) => Err(format!("the engine answered {other:?}")),
        Err(e) => Err(e.to_string()),
    }
}

#[component]
pub fn PoseBench(request: Request) -> impl IntoView {
    let runs = request.runs;
    let result = LocalResource::new(move || run(request));
    let profile_json = move || {
        let rows: Vec<String> = match result.get() {
            Some(Ok((_, profiles))) => profiles
                .iter()
                .flat_map(|p| {
                    p.kinds.iter().map(move |(kind, ms)| {
                        format!(
                            "{{\"path\":\"{}\",\"model\":\"{}\",\"kind\":\"{kind}\",\"ms\":{ms:.2},\"frame_ms\":{:.2}}}",
                            p.path, p.model, p.frame_ms
                        )
                    })
                })
                .collect(),
            _ => Vec::new(),
        };
        format!("[{}]", rows.join(","))
    };
    let json = move || {
        match result.get() {
        Some(Ok((rows, _))) => rows
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
                    None => format!("running {runs} frames per backend and model in the engine…"),
                    Some(Ok((rows, _))) => rows.iter().map(|r| format!("{} {}: {:.1} ms/frame", r.backend, r.model, r.median_ms)).collect::<Vec<_>>().join(" · "),
                    Some(Err(e)) => e,
                }}
            </output>
        </main>
    }
}
