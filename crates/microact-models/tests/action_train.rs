//! Dataset readers and training on committed real data (`--features train`); the shipped
//! recognizer against its model card.

use std::path::{Path, PathBuf};

use burn::module::Module;
use burn::tensor::{Device, read_sync};
use microact_models::action::datasets::{self, JHMDB14};
use microact_models::action::train::{self, TrainConfig};
use microact_models::action::{Augment, DdNetConfig, Layout, Pipeline};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/action")
}

#[test]
fn penn_reader_reads_label_files_including_the_two_with_cut_deflate_streams() {
    let data = datasets::penn_action(&fixtures().join("penn")).unwrap();
    assert_eq!(data.classes.len(), 15);
    assert_eq!(data.classes[0], "baseball_pitch");
    assert_eq!((data.train.len(), data.test.len()), (1, 61));
    let (name, action, train, seq) =
        datasets::penn_clip(&fixtures().join("penn/1605.mat")).unwrap();
    assert_eq!(
        (name.as_str(), action.as_str(), train),
        ("1605", "situp", true)
    );
    assert_eq!(seq.layout, Layout::Penn13);
    let first = datasets::penn_clip(&fixtures().join("penn/0001.mat"))
        .unwrap()
        .3;
    // 0001.mat: 151 frames; head at (136.5, ·) in the first frame (MATLAB column-major x).
    assert_eq!(first.frames, 151);
    assert_eq!(first.at(0, 0)[0], 136.5);
    assert!(first.score.iter().any(|&s| s == 0.0) && first.score.iter().any(|&s| s == 1.0));
}

#[test]
fn readers_name_the_damaged_file() {
    let dir = std::env::temp_dir().join(format!("microact-penn-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut bytes = std::fs::read(fixtures().join("penn/0001.mat")).unwrap();
    bytes.truncate(bytes.len() / 2);
    std::fs::write(dir.join("9999.mat"), &bytes).unwrap();
    let err = datasets::penn_action(&dir).unwrap_err().to_string();
    assert!(err.contains("9999.mat"), "{err}");
    std::fs::write(dir.join("9999.mat"), b"not a mat file at all").unwrap();
    assert!(
        datasets::penn_action(&dir)
            .unwrap_err()
            .to_string()
            .contains("9999.mat")
    );
    std::fs::remove_dir_all(&dir).ok();
    let err = datasets::jhmdb_pickle(&fixtures().join("penn/0001.mat"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("0001.mat"), "{err}");
}

#[test]
fn jhmdb_reader_reads_ddnet_pickles() {
    let data = datasets::jhmdb_parts(&fixtures().join("jhmdb14_tiny.pkl")).unwrap();
    assert_eq!((data.train.len(), data.test.len()), (28, 14));
    assert_eq!(data.classes, JHMDB14.map(String::from));
    for class in 0..14 {
        assert_eq!(data.train.iter().filter(|s| s.label == class).count(), 2);
    }
    let seq = &data.train[0].seq;
    assert_eq!(seq.layout, Layout::Jhmdb15);
    assert!(seq.frames > 10 && seq.xy.iter().all(|p| p[0].is_finite() && p[0].abs() < 2.0));
}

/// DD-Net learns the 28 real training clips (2 per class) on the CPU: a broken gradient, feature
/// or batch-norm path leaves it near chance (1/14).
#[test]
fn training_fits_real_clips() {
    let data = datasets::jhmdb_parts(&fixtures().join("jhmdb14_tiny.pkl")).unwrap();
    let pipeline = Pipeline {
        shared: false,
        ..Pipeline::default()
    };
    let device = Device::autodiff(Device::flex());
    let model = DdNetConfig::new(15, 14)
        .with_filters(8)
        .with_dropout(0.0)
        .init(&device);
    let config = TrainConfig {
        epochs: 60,
        batch: 14,
        lr: 5e-3,
        augment: Augment::NONE,
        label_smoothing: 0.0,
        ..TrainConfig::default()
    };
    let (model, reports) = train::train(
        model,
        &pipeline,
        &data.train,
        14,
        &config,
        &device,
        |_, _| {},
    );
    let last = reports.last().unwrap();
    assert!(last.loss < reports[0].loss * 0.5, "{last:?}");
    // Training accuracy follows the falling loss (it once read 0.0 in every epoch).
    assert!(last.train_accuracy >= 0.8, "{last:?}");
    let fitted = train::evaluate(
        &model.to_device(&Device::flex()),
        &pipeline,
        &data.train,
        14,
        false,
        &Device::flex(),
    )
    .unwrap();
    assert!(fitted.top1 >= 0.9, "train top-1 {}", fitted.top1);
}

/// The shipped recognizers (Penn Action; JHMDB-14 split 1), loaded as the page loads them
/// (manifest, sha256), on the committed test clips: the accuracy each manifest entry states for
/// them, and the same logits on wgpu (Mesa lavapipe) as on the CPU.
#[test]
fn shipped_recognizer_reproduces_its_card_on_the_committed_clips() {
    use microact_models::action::recognizer::{argmax, logits};
    use microact_models::manifest::Manifest;
    let models = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models");
    let text = std::fs::read_to_string(models.join("manifest.json")).unwrap();
    let manifest = Manifest::parse(&text).unwrap();
    let raw: serde_json::Value = serde_json::from_str(&text).unwrap();
    let penn = datasets::penn_action(&fixtures().join("penn")).unwrap();
    let jhmdb = datasets::jhmdb_parts(&fixtures().join("jhmdb14_tiny.pkl")).unwrap();
    let cpu = Device::flex();
    for (name, data) in [
        ("penn-ddnet", &penn),
        ("penn-ddnet-q8", &penn),
        ("jhmdb-ddnet", &jhmdb),
        ("jhmdb-ddnet-q8", &jhmdb),
    ] {
        let clips: Vec<_> = data.test.iter().map(|s| &s.seq).collect();
        let entry = manifest.get(name).unwrap();
        let spec = entry.recognizer.as_ref().unwrap();
        assert_eq!(spec.classes, data.classes);
        let bytes = std::fs::read(models.join(&entry.file)).unwrap();
        let model = spec.load(&entry.file, bytes, &entry.sha256, &cpu).unwrap();
        let right = read_sync(logits(&model, &spec.pipeline, &clips, true, &cpu))
            .unwrap()
            .iter()
            .zip(&data.test)
            .filter(|(l, s)| argmax(l) == s.label)
            .count();
        let card = raw["models"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["name"] == name)
            .unwrap();
        println!("{name}: {right} of {} committed test clips", clips.len());
        assert_eq!(
            right as u64,
            card["committed_clips"]["correct"].as_u64().unwrap(),
            "{name}"
        );
        assert_eq!(
            clips.len() as u64,
            card["committed_clips"]["clips"].as_u64().unwrap()
        );
    }
    let clips: Vec<_> = penn.test.iter().map(|s| &s.seq).collect();
    let entry = manifest.get("penn-ddnet").unwrap();
    let spec = entry.recognizer.as_ref().unwrap();
    let gpu = Device::wgpu_options().init().unwrap_or_else(|e| {
        panic!("no wgpu adapter ({e}); install a Vulkan driver (Debian: mesa-vulkan-drivers)")
    });
    let load = |device: &Device| {
        spec.load(
            &entry.file,
            std::fs::read(models.join(&entry.file)).unwrap(),
            &entry.sha256,
            device,
        )
        .unwrap()
    };
    let on_cpu = read_sync(logits(&load(&cpu), &spec.pipeline, &clips, false, &cpu)).unwrap();
    let on_gpu = read_sync(logits(&load(&gpu), &spec.pipeline, &clips, false, &gpu)).unwrap();
    let worst = on_cpu
        .iter()
        .flatten()
        .zip(on_gpu.iter().flatten())
        .map(|(a, b)| (a - b).abs())
        .fold(0.0f32, f32::max);
    assert!(worst < 1e-3, "wgpu logits differ from the CPU's by {worst}");
}
