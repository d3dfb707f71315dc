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
    shipped_named("movenet-lightning", device)
}

fn shipped_named(name: &str, device: &Device) -> pose::net::MoveNet {
    let manifest: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("models/manifest.json")).unwrap(),
    )
    .unwrap();
    let entry = manifest["models"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == name)
        .unwrap();
    let file = entry["file"].as_str().unwrap();
    let bytes = std::fs::read(root().join("models").join(file)).unwrap();
    weights::load_movenet(file, bytes, entry["sha256"].as_str().unwrap(), device).unwrap()
}

/// Keypoint distances (px at 192) and score differences against TF.js: worst, mean, worst where
/// TF.js scores the keypoint at least 0.3, worst score difference.
fn errors_against_tfjs(net: &pose::net::MoveNet, device: &Device) -> [f32; 4] {
    let reference = reference();
    let (mut worst, mut sum, mut count, mut worst_seen, mut worst_score) =
        (0.0f32, 0.0f32, 0, 0.0f32, 0.0f32);
    for (name, expected) in reference["frames"].as_object().unwrap() {
        let got = read_sync(pose::single_pose(net, frame(name, device))).unwrap();
        for (ours, theirs) in got.iter().zip(expected.as_array().unwrap()) {
            let t: Vec<f32> = theirs
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_f64().unwrap() as f32)
                .collect();
            let px = (ours.y - t[0]).hypot(ours.x - t[1]) * 192.0;
            worst = worst.max(px);
            sum += px;
            count += 1;
            if t[2] >= 0.3 {
                worst_seen = worst_seen.max(px);
            }
            worst_score = worst_score.max((ours.score - t[2]).abs());
        }
    }
    [worst, sum / count as f32, worst_seen, worst_score]
}

#[test]
fn float_port_matches_tfjs_within_half_a_pixel() {
    let device = Device::flex();
    let [worst, mean, _, score] = errors_against_tfjs(&shipped(&device), &device);
    eprintln!("float: worst {worst:.4} px, mean {mean:.4} px, worst score difference {score:.5}");
    assert!(
        worst <= 0.5 && score <= 0.01,
        "worst {worst} px, score {score}"
    );
}

/// The int8 variant is held to what it reaches (see `weights::MIN_QUANTIZED`): the 2 px bar on
/// every keypoint is not met by low-scored keypoints, whose heatmap peaks are flat.
#[test]
fn quantized_port_stays_close_where_keypoints_are_seen() {
    let device = Device::flex();
    let [worst, mean, seen, score] =
        errors_against_tfjs(&shipped_named("movenet-lightning-q8", &device), &device);
    eprintln!(
        "int8: worst {worst:.3} px, mean {mean:.3} px, worst at score >= 0.3 {seen:.3} px, worst score difference {score:.4}"
    );
    assert!(
        mean <= 0.5 && seen <= 1.0,
        "mean {mean} px, worst at score >= 0.3 {seen} px (worst {worst})"
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

/// The wgpu backend (Mesa lavapipe natively; scripts/install.sh installs it) gives the CPU
/// backend's heads within float tolerance, and so the same keypoints.
#[test]
fn wgpu_heads_equal_the_cpu_heads() {
    let gpu = Device::wgpu_options().init().unwrap_or_else(|e| {
        panic!("no wgpu adapter ({e}); install a Vulkan driver (Debian: mesa-vulkan-drivers)")
    });
    let cpu = Device::flex();
    let (on_cpu, on_gpu) = (shipped(&cpu), shipped(&gpu));
    let heads = |net: &pose::net::MoveNet, device: &Device| {
        let heads = net.forward(pose::net::normalise(frame("cam01-1s", device)));
        read_sync(pose::read_heads(heads)).unwrap()
    };
    let (a, b) = (heads(&on_cpu, &cpu), heads(&on_gpu, &gpu));
    let pairs = [
        (&a.center, &b.center),
        (&a.regress, &b.regress),
        (&a.heatmap, &b.heatmap),
        (&a.offset, &b.offset),
    ];
    let worst = pairs
        .iter()
        .flat_map(|(x, y)| x.iter().zip(y.iter()).map(|(p, q)| (p - q).abs()))
        .fold(0.0f32, f32::max);
    eprintln!("wgpu vs flex: worst head difference {worst:e}");
    // Logits reach ±15; both backends accumulate 1 280-channel sums in f32 in different orders.
    assert!(worst < 2e-3, "wgpu and CPU heads differ by up to {worst}");
    for (p, q) in a
        .single_pose()
        .unwrap()
        .iter()
        .zip(b.single_pose().unwrap())
    {
        let px = (p.y - q.y).abs().max((p.x - q.x).abs()) * 192.0;
        assert!(
            px < 0.05 && (p.score - q.score).abs() < 1e-3,
            "cpu {p:?} vs wgpu {q:?}"
        );
    }
}
