//! The Burn port of MoveNet SinglePose Lightning against TensorFlow.js running Google's graph on
//! the same frames (references: `scripts/reference/movenet.mjs`). Bars: 0.5 px at the 192 × 192
//! input and 0.01 in score, on every keypoint of every frame.

use std::path::PathBuf;

use microact_models::burn::tensor::{Device, Tensor, TensorData, read_sync};
use microact_models::pose::{self, weights};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn reference() -> serde_json::Value {
    let text =
        std::fs::read_to_string(root().join("tests/fixtures/pose/movenet-lightning.tfjs.json"))
            .unwrap();
    serde_json::from_str(&text).unwrap()
}

fn frame(name: &str, device: &Device) -> Tensor<4> {
    let bytes = std::fs::read(root().join(format!("tests/fixtures/pose/{name}.rgb"))).unwrap();
    let values: Vec<f32> = bytes.iter().map(|&b| b as f32).collect();
    Tensor::from_data(TensorData::new(values, [1, 192, 192, 3]), device)
}

fn shipped(device: &Device) -> pose::net::MoveNet {
    let manifest: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("models/manifest.json")).unwrap(),
    )
    .unwrap();
    let entry = manifest["models"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == "movenet-lightning")
        .unwrap();
    let file = entry["file"].as_str().unwrap();
    let bytes = std::fs::read(root().join("models").join(file)).unwrap();
    weights::load_movenet(file, bytes, entry["sha256"].as_str().unwrap(), device).unwrap()
}

#[test]
fn float_port_matches_tfjs_within_half_a_pixel() {
    let device = Device::flex();
    let net = shipped(&device);
    let reference = reference();
    let mut worst = (0.0f32, 0.0f32);
    for (name, expected) in reference["frames"].as_object().unwrap() {
        let got = read_sync(pose::single_pose(&net, frame(name, &device))).unwrap();
        for (k, (ours, theirs)) in got.iter().zip(expected.as_array().unwrap()).enumerate() {
            let t: Vec<f32> = theirs
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_f64().unwrap() as f32)
                .collect();
            let px = ((ours.y - t[0]).abs().max((ours.x - t[1]).abs())) * 192.0;
            let score = (ours.score - t[2]).abs();
            worst = (worst.0.max(px), worst.1.max(score));
            assert!(
                px <= 0.5 && score <= 0.01,
                "{name} keypoint {k}: ours {ours:?}, TF.js {t:?} ({px} px)"
            );
        }
    }
    eprintln!(
        "worst keypoint error {:.4} px, score {:.5}",
        worst.0, worst.1
    );
}

#[test]
fn damaged_weights_are_refused_with_the_file_name() {
    let bytes = std::fs::read(root().join("models/movenet-lightning.bpk")).unwrap();
    let err =
        weights::load_movenet("movenet-lightning.bpk", bytes, "00", &Device::flex()).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("movenet-lightning.bpk is damaged or not the expected version"),
        "{err}"
    );
}
