//! MoveNet ms/frame natively: SinglePose and MultiPose Lightning on the CPU kernels (the page's
//! CPU path), Burn's ops on the CPU backend (flex) and on wgpu (Mesa lavapipe here; a real GPU
//! where there is one), one golden frame, readback and decoding included — what the page does per
//! frame, minus drawing the input.
//!
//! `cargo bench -p microact-models --bench movenet` (set `XDG_RUNTIME_DIR` for lavapipe).

use std::path::PathBuf;

use criterion::{Criterion, criterion_group, criterion_main};
use microact_models::burn::tensor::{Device, Tensor, TensorData, read_sync};
use microact_models::manifest::Manifest;
use microact_models::pose::net::{MoveNet, Variant};
use microact_models::pose::{self, PoseNet, weights};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn load(name: &str, device: &Device) -> MoveNet {
    let text = std::fs::read_to_string(root().join("models/manifest.json")).expect("manifest");
    let manifest = Manifest::parse(&text).expect("manifest parses");
    let entry = manifest.get(name).expect("model listed");
    let bytes = std::fs::read(root().join("models").join(&entry.file)).expect("weights");
    let variant = entry.variant.expect("a pose model");
    weights::load_movenet(variant, &entry.file, bytes, &entry.sha256, device).expect("loads")
}

fn frame(variant: Variant, device: &Device) -> Tensor<4> {
    let path = match variant {
        Variant::SinglePoseLightning => "tests/fixtures/pose/cam01-1s.rgb",
        Variant::MultiPoseLightning => "tests/fixtures/pose/multipose/cam01-1s.rgb",
    };
    let bytes = std::fs::read(root().join(path)).expect("frame");
    let side = variant.input_size() as usize;
    let values: Vec<f32> = bytes.iter().map(|&b| f32::from(b)).collect();
    Tensor::from_data(TensorData::new(values, [1, side, side, 3]), device)
}

fn bench(c: &mut Criterion) {
    // "kernels": the page's CPU path (packed kernels); "flex": Burn's ops on the same CPU device.
    let mut devices = vec![("kernels", Device::flex()), ("flex", Device::flex())];
    match Device::wgpu_options().init() {
        Ok(gpu) => devices.push(("wgpu", gpu)),
        Err(e) => eprintln!("no wgpu adapter ({e}); benchmarking the CPU backend only"),
    }
    let mut group = c.benchmark_group("movenet");
    group.sample_size(20);
    for (model, variant) in [
        ("movenet-lightning", Variant::SinglePoseLightning),
        ("movenet-lightning-q8", Variant::SinglePoseLightning),
        ("movenet-multipose", Variant::MultiPoseLightning),
    ] {
        for (backend, device) in &devices {
            // Burn's wgpu backend cannot run int8 kernels (the page expands them to float).
            if *backend == "wgpu" && model.ends_with("-q8") {
                continue;
            }
            let net = match *backend {
                "kernels" => PoseNet::packed(load(model, device)).expect("packs"),
                _ => PoseNet::Burn(load(model, device)),
            };
            let input = frame(variant, device);
            group.bench_function(format!("{model}/{backend}"), |b| {
                b.iter(|| match variant {
                    Variant::SinglePoseLightning => {
                        read_sync(pose::single_pose(&net, input.clone())).map(|_| ())
                    }
                    Variant::MultiPoseLightning => {
                        read_sync(pose::multi_pose(&net, input.clone())).map(|_| ())
                    }
                })
            });
        }
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
