//! The Burn port of MoveNet (SinglePose and MultiPose Lightning) against TensorFlow.js running
//! Google's graphs on the same frames (references: `scripts/reference/movenet.mjs`). Bars: 0.5 px
//! at the network input (192 × 192, 256 × 256) and 0.01 in score, on every keypoint of every
//! frame (MultiPose: of every person scoring at least 0.05; the graph reports six either way).

use std::path::PathBuf;

use microact_models::burn::tensor::{Device, Tensor, TensorData, read_sync};
use microact_models::manifest::Manifest;
use microact_models::pose::net::Variant;
use microact_models::pose::{self, PoseNet, weights};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Where a variant's golden frames are.
fn frames_dir(variant: Variant) -> PathBuf {
    let pose = root().join("tests/fixtures/pose");
    match variant {
        Variant::SinglePoseLightning => pose,
        Variant::MultiPoseLightning => pose.join("multipose"),
    }
}

fn reference(variant: Variant) -> serde_json::Value {
    let file = match variant {
        Variant::SinglePoseLightning => "movenet-lightning.tfjs.json",
        Variant::MultiPoseLightning => "movenet-multipose.tfjs.json",
    };
    let text = std::fs::read_to_string(frames_dir(variant).join(file)).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn frame(variant: Variant, name: &str, device: &Device) -> Tensor<4> {
    let bytes = std::fs::read(frames_dir(variant).join(format!("{name}.rgb"))).unwrap();
    let values: Vec<f32> = bytes.iter().map(|&b| b as f32).collect();
    let side = variant.input_size() as usize;
    Tensor::from_data(TensorData::new(values, [1, side, side, 3]), device)
}

fn floats(value: &serde_json::Value) -> Vec<f32> {
    value
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap() as f32)
        .collect()
}

fn shipped(device: &Device) -> pose::net::MoveNet {
    shipped_named("movenet-lightning", device)
}

fn shipped_named(name: &str, device: &Device) -> pose::net::MoveNet {
    let text = std::fs::read_to_string(root().join("models/manifest.json")).unwrap();
    let manifest = Manifest::parse(&text).unwrap();
    let entry = manifest.get(name).unwrap();
    let bytes = std::fs::read(root().join("models").join(&entry.file)).unwrap();
    weights::load_movenet(
        entry.variant.unwrap(),
        &entry.file,
        bytes,
        &entry.sha256,
        device,
    )
    .unwrap()
}

/// `net` (on the CPU device) packed for the CPU kernels: the page's CPU path.
fn cpu_kernels(net: pose::net::MoveNet) -> PoseNet {
    let packed = PoseNet::packed(net).unwrap();
    assert!(
        matches!(packed, PoseNet::Cpu(_)),
        "the CPU path packs its network"
    );
    packed
}

/// Distances of matched keypoints in input pixels, with the reference's score.
#[derive(Default)]
struct Errors {
    worst: f32,
    sum: f32,
    count: usize,
    /// Worst where TF.js scores the keypoint at least 0.3.
    worst_seen: f32,
    worst_score: f32,
}

impl Errors {
    fn add(&mut self, px: f32, reference_score: f32, score_difference: f32) {
        self.worst = self.worst.max(px);
        self.sum += px;
        self.count += 1;
        if reference_score >= 0.3 {
            self.worst_seen = self.worst_seen.max(px);
        }
        self.worst_score = self.worst_score.max(score_difference);
    }

    fn mean(&self) -> f32 {
        self.sum / self.count as f32
    }
}

/// Every keypoint of the SinglePose golden frames against TF.js.
fn errors_against_tfjs(net: &PoseNet, device: &Device) -> Errors {
    let variant = Variant::SinglePoseLightning;
    let side = variant.input_size() as f32;
    let mut errors = Errors::default();
    for (name, expected) in reference(variant)["frames"].as_object().unwrap() {
        let got = read_sync(pose::single_pose(net, frame(variant, name, device))).unwrap();
        for (ours, theirs) in got.iter().zip(expected.as_array().unwrap()) {
            let t = floats(theirs);
            let px = (ours.y - t[0]).hypot(ours.x - t[1]) * side;
            errors.add(px, t[2], (ours.score - t[2]).abs());
        }
    }
    errors
}

/// Every keypoint, box corner and person score of the people TF.js scores at least 0.05 on the
/// MultiPose golden frames; returns the errors and the worst person-score difference.
fn multi_errors_against_tfjs(net: &PoseNet, device: &Device) -> (Errors, f32) {
    let variant = Variant::MultiPoseLightning;
    let side = variant.input_size() as f32;
    let (mut errors, mut worst_person) = (Errors::default(), 0.0f32);
    let mut people = 0;
    for (name, expected) in reference(variant)["frames"].as_object().unwrap() {
        let got = read_sync(pose::multi_pose(net, frame(variant, name, device))).unwrap();
        let expected = expected.as_array().unwrap();
        assert_eq!(got.len(), expected.len(), "{name}: people");
        for (ours, theirs) in got.iter().zip(expected) {
            let t = floats(theirs);
            if t[55] < 0.05 {
                continue;
            }
            people += 1;
            for (k, kp) in ours.keypoints.iter().enumerate() {
                let r = &t[3 * k..3 * k + 3];
                let px = (kp.y - r[0]).hypot(kp.x - r[1]) * side;
                errors.add(px, r[2], (kp.score - r[2]).abs());
            }
            let b = ours.bbox;
            for (v, r) in [b.y_min, b.x_min, b.y_max, b.x_max].iter().zip(&t[51..55]) {
                errors.add((v - r).abs() * side, 1.0, 0.0);
            }
            worst_person = worst_person.max((ours.score - t[55]).abs());
        }
    }
    assert!(people >= 3, "only {people} people scored at least 0.05");
    (errors, worst_person)
}

#[test]
fn float_port_matches_tfjs_within_half_a_pixel() {
    let device = Device::flex();
    let e = errors_against_tfjs(&cpu_kernels(shipped(&device)), &device);
    let (worst, mean, score) = (e.worst, e.mean(), e.worst_score);
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
    let e = errors_against_tfjs(
        &cpu_kernels(shipped_named("movenet-lightning-q8", &device)),
        &device,
    );
    let (worst, mean, seen, score) = (e.worst, e.mean(), e.worst_seen, e.worst_score);
    eprintln!(
        "int8: worst {worst:.3} px, mean {mean:.3} px, worst at score >= 0.3 {seen:.3} px, worst score difference {score:.4}"
    );
    assert!(
        mean <= 0.5 && seen <= 1.0,
        "mean {mean} px, worst at score >= 0.3 {seen} px (worst {worst})"
    );
}

#[test]
fn multipose_float_port_matches_tfjs_within_half_a_pixel() {
    let device = Device::flex();
    let (e, person) = multi_errors_against_tfjs(
        &cpu_kernels(shipped_named("movenet-multipose", &device)),
        &device,
    );
    eprintln!(
        "multipose float: worst {:.4} px, mean {:.4} px, worst keypoint score difference {:.5}, worst person score difference {person:.5}",
        e.worst,
        e.mean(),
        e.worst_score
    );
    assert!(
        e.worst <= 0.5 && e.worst_score <= 0.01 && person <= 0.01,
        "worst {} px, keypoint score {}, person score {person}",
        e.worst,
        e.worst_score
    );
}

/// MultiPose at sizes other than 256 × 256 (frames `multipose/sizes/NAME.WxH.rgb`, letterboxed
/// as the page does): every keypoint and box corner of the people TF.js scores at least 0.05, in
/// pixels of that input; the worst error, mean error, worst person-score difference and sizes.
fn sized_errors_against_tfjs(net: &PoseNet, device: &Device) -> (Errors, f32, Vec<String>) {
    let dir = frames_dir(Variant::MultiPoseLightning).join("sizes");
    let text = std::fs::read_to_string(dir.join("movenet-multipose.tfjs.json")).unwrap();
    let reference: serde_json::Value = serde_json::from_str(&text).unwrap();
    let (mut errors, mut worst_person, mut sizes) = (Errors::default(), 0.0f32, Vec::new());
    for (name, expected) in reference["frames"].as_object().unwrap() {
        let size = name.rsplit('.').next().unwrap();
        let (w, h) = size.split_once('x').unwrap();
        let (w, h): (usize, usize) = (w.parse().unwrap(), h.parse().unwrap());
        sizes.push(size.to_string());
        let bytes = std::fs::read(dir.join(format!("{name}.rgb"))).unwrap();
        let values: Vec<f32> = bytes.iter().map(|&b| b as f32).collect();
        let rgb = Tensor::from_data(TensorData::new(values, [1, h, w, 3]), device);
        let got = read_sync(pose::multi_pose(net, rgb)).unwrap();
        for (ours, theirs) in got.iter().zip(expected.as_array().unwrap()) {
            let t = floats(theirs);
            if t[55] < 0.05 {
                continue;
            }
            for (k, kp) in ours.keypoints.iter().enumerate() {
                let r = &t[3 * k..3 * k + 3];
                let px = ((kp.y - r[0]) * h as f32).hypot((kp.x - r[1]) * w as f32);
                errors.add(px, r[2], (kp.score - r[2]).abs());
            }
            let b = ours.bbox;
            let scales = [h, w, h, w].map(|s| s as f32);
            for ((v, r), s) in [b.y_min, b.x_min, b.y_max, b.x_max]
                .iter()
                .zip(&t[51..55])
                .zip(scales)
            {
                errors.add((v - r).abs() * s, 1.0, 0.0);
            }
            worst_person = worst_person.max((ours.score - t[55]).abs());
        }
    }
    (errors, worst_person, sizes)
}

#[test]
fn multipose_at_other_sizes_matches_tfjs_within_half_a_pixel() {
    let device = Device::flex();
    let net = shipped_named("movenet-multipose", &device);
    for (path, net) in [
        ("cpu kernels", cpu_kernels(net.clone())),
        ("burn ops", PoseNet::Burn(net)),
    ] {
        let (e, person, sizes) = sized_errors_against_tfjs(&net, &device);
        eprintln!(
            "multipose {path} at {}: worst {:.4} px, mean {:.4} px, worst keypoint score difference {:.5}, worst person score difference {person:.5}",
            sizes.join(", "),
            e.worst,
            e.mean(),
            e.worst_score
        );
        assert_eq!(sizes.len(), 3);
        assert!(
            e.worst <= 0.5 && e.worst_score <= 0.01 && person <= 0.01,
            "{path}: worst {} px, keypoint score {}, person score {person}",
            e.worst,
            e.worst_score
        );
    }
}

#[test]
fn multipose_quantized_port_stays_close_where_keypoints_are_seen() {
    let device = Device::flex();
    let (e, person) = multi_errors_against_tfjs(
        &cpu_kernels(shipped_named("movenet-multipose-q8", &device)),
        &device,
    );
    eprintln!(
        "multipose int8: worst {:.3} px, mean {:.3} px, worst at score >= 0.3 {:.3} px, worst keypoint score difference {:.4}, worst person score difference {person:.4}",
        e.worst,
        e.mean(),
        e.worst_seen,
        e.worst_score
    );
    assert!(
        e.mean() <= 0.5 && e.worst_seen <= 1.0,
        "mean {} px, worst at score >= 0.3 {} px (worst {})",
        e.mean(),
        e.worst_seen,
        e.worst
    );
}

#[test]
fn damaged_weights_are_refused_with_the_file_name() {
    let bytes = std::fs::read(root().join("models/movenet-lightning.bpk")).unwrap();
    let err = weights::load_movenet(
        Variant::SinglePoseLightning,
        "movenet-lightning.bpk",
        bytes,
        "00",
        &Device::flex(),
    )
    .unwrap_err();
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
        let heads = net.forward(pose::net::normalise(frame(
            Variant::SinglePoseLightning,
            "cam01-1s",
            device,
        )));
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

/// Expanding the int8 kernels to float at load (what the page does on WebGPU) keeps the int8
/// network's outputs.
#[test]
fn dequantized_int8_gives_the_int8_outputs() {
    let device = Device::flex();
    let q8 = shipped_named("movenet-lightning-q8", &device);
    let expanded =
        weights::dequantize_movenet(shipped_named("movenet-lightning-q8", &device), &device);
    let input = || frame(Variant::SinglePoseLightning, "walk-3s", &device);
    let a = read_sync(pose::single_pose(&PoseNet::Burn(q8), input())).unwrap();
    let b = read_sync(pose::single_pose(&PoseNet::Burn(expanded), input())).unwrap();
    for (p, q) in a.iter().zip(&b) {
        assert!(
            (p.y - q.y).abs() * 192.0 < 0.01 && (p.x - q.x).abs() * 192.0 < 0.01,
            "{p:?} vs {q:?}"
        );
        assert!((p.score - q.score).abs() < 1e-4, "{p:?} vs {q:?}");
    }
}

/// The CPU kernels give Burn's heads (its ops on the same CPU device, same weights) on every
/// golden frame, SinglePose and MultiPose: what lets the golden tests above run on the kernels.
#[test]
fn cpu_kernels_give_burns_heads() {
    let device = Device::flex();
    for (model, variant) in [
        ("movenet-lightning", Variant::SinglePoseLightning),
        ("movenet-multipose", Variant::MultiPoseLightning),
    ] {
        let burn = PoseNet::Burn(shipped_named(model, &device));
        let kernels = cpu_kernels(shipped_named(model, &device));
        let mut worst = 0.0f32;
        for name in reference(variant)["frames"].as_object().unwrap().keys() {
            let input = || frame(variant, name, &device);
            let a = read_sync(burn.heads(input())).unwrap();
            let b = read_sync(kernels.heads(input())).unwrap();
            assert_eq!((a.height, a.width), (b.height, b.width));
            let mut pairs = vec![
                (&a.center, &b.center),
                (&a.regress, &b.regress),
                (&a.heatmap, &b.heatmap),
                (&a.offset, &b.offset),
            ];
            if let (Some(x), Some(y)) = (&a.boxes, &b.boxes) {
                pairs.extend([(&x[0], &y[0]), (&x[1], &y[1])]);
            }
            assert_eq!(a.boxes.is_some(), b.boxes.is_some(), "{model}: box heads");
            for (x, y) in pairs {
                assert_eq!(x.len(), y.len(), "{model} {name}");
                worst = x
                    .iter()
                    .zip(y)
                    .map(|(p, q)| (p - q).abs())
                    .fold(worst, f32::max);
            }
        }
        eprintln!("{model}: CPU kernels vs Burn, worst head difference {worst:e}");
        // Same f32 sums in another order, as between Burn's CPU and GPU backends.
        assert!(worst < 2e-3, "{model}: heads differ by up to {worst}");
    }
}
