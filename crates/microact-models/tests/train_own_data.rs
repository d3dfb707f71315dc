//! Training on data of one's own, end to end through `train_from`: a PYSKL pose pickle and a
//! folder of microact projects (`tests/fixtures/training/`, real clips), each trained a few
//! epochs, evaluated on a held-out split and its card written.

use std::path::{Path, PathBuf};

use burn::tensor::Device;
use microact_models::action::datasets::{
    Joints, ProjectOptions, PysklOptions, Source, Split, pyskl,
};
use microact_models::action::train::{Network, TrainOptions, Trained, train_from};
use microact_models::action::{Augment, Layout};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/training")
}

fn out_dir(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("microact-{test}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn pickle_options(joints: Joints) -> PysklOptions {
    PysklOptions {
        joints,
        classes: Some(fixtures().join("jhmdb5_pyskl.classes.txt")),
        split: Split::Named {
            file: None,
            train: "train1".into(),
            test: "test1".into(),
        },
    }
}

/// A small, quick run: DD-Net 16 wide, no int8 or noise figures.
fn run(source: Source, epochs: usize, out: &Path) -> Trained {
    let mut options = TrainOptions::new(source);
    options.network = Network::Ddnet { filters: 16 };
    options.config.epochs = epochs;
    options.config.batch = 16;
    options.config.lr = 5e-3;
    options.config.augment = Augment::NONE;
    options.out = out.to_owned();
    options.checkpoint_every = 0;
    options.eval.noise.clear();
    options.eval.int8 = false;
    options.name = Some("own".into());
    train_from(&options, &Device::flex(), |_| {}).unwrap()
}

/// The card and spec are on disk and say what the run measured.
fn check_files(trained: &Trained, out: &Path, classes: &[&str]) {
    assert_eq!(trained.files.len(), 3);
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("own.report.json")).unwrap()).unwrap();
    assert_eq!(report[0]["spec"]["classes"], serde_json::json!(classes));
    let top1 = report[0]["test_mirrored"]["top1"].as_f64().unwrap();
    assert!((top1 - f64::from(trained.card.test_mirrored.top1)).abs() < 1e-6);
    assert!(out.join("own.bpk").is_file() && out.join("own.json").is_file());
    let last = trained.epochs.last().unwrap();
    assert!(last.train_accuracy > 0.5, "{last:?}");
}

#[test]
fn pyskl_pickle_trains_on_its_own_split_and_beats_chance() {
    let out = out_dir("pyskl");
    let file = fixtures().join("jhmdb5_pyskl.pkl");
    let source = Source::Pyskl {
        file,
        options: pickle_options(Joints::Named(Layout::Jhmdb15)),
    };
    let trained = run(source, 25, &out);
    let card = &trained.card;
    let classes = ["clap", "golf", "pullup", "run", "sit"];
    println!(
        "pyskl: top-1 {:.3} (mirrored {:.3}) on {} clips",
        card.test.top1, card.test_mirrored.top1, card.segments.clips
    );
    assert_eq!(card.spec.layout, Layout::Jhmdb15);
    assert_eq!(card.segments.clips, 20);
    // Five classes: chance is 0.2.
    assert!(card.test_mirrored.top1 >= 0.6, "{card:?}");
    check_files(&trained, &out, &classes);
    let _ = std::fs::remove_dir_all(&out);
}

#[test]
fn a_described_layout_reads_the_same_shared_joints_as_the_named_one() {
    let file = fixtures().join("jhmdb5_pyskl.pkl");
    let described =
        Joints::parse(&fixtures().join("jhmdb15.layout.json").display().to_string()).unwrap();
    let (named, layout) = pyskl(&file, &pickle_options(Joints::Named(Layout::Jhmdb15))).unwrap();
    assert_eq!(layout, Layout::Jhmdb15);
    let (mapped, layout) = pyskl(&file, &pickle_options(described)).unwrap();
    assert_eq!(layout, Layout::Penn13);
    assert_eq!((named.train.len(), named.test.len()), (50, 20));
    for (a, b) in named.train.iter().zip(&mapped.train) {
        assert_eq!((&a.name, a.label), (&b.name, b.label));
        assert_eq!(a.seq.to_shared().xy, b.seq.xy);
    }
    // A wrong joint count, split name or layout name is an error that says so.
    let coco = pyskl(&file, &pickle_options(Joints::Named(Layout::Coco17))).unwrap_err();
    assert!(coco.to_string().contains("17 joints"), "{coco}");
    let mut options = pickle_options(Joints::Named(Layout::Jhmdb15));
    options.split = Split::Named {
        file: None,
        train: "xsub_train".into(),
        test: "test1".into(),
    };
    let split = pyskl(&file, &options).unwrap_err();
    assert!(split.to_string().contains("test1, train1"), "{split}");
    let layout = Joints::parse("openpose25").unwrap_err();
    assert!(layout.to_string().contains("coco17"), "{layout}");
}

#[test]
fn microact_projects_train_in_their_own_labels_and_beat_chance() {
    let out = out_dir("projects");
    let source = Source::Projects {
        paths: vec![fixtures().join("projects")],
        options: ProjectOptions::default(),
    };
    let (data, layout) = source.load().unwrap();
    assert_eq!(layout, Layout::Coco17);
    let mut classes = data.classes.clone();
    classes.sort();
    assert_eq!(classes, ["lunge", "sit", "situp", "walk"]);
    for s in &data.test {
        assert!(data.train.iter().all(|t| t.group != s.group), "{}", s.name);
    }
    for c in 0..4 {
        assert!(data.test.iter().any(|s| s.label == c), "class {c} untested");
    }
    let names: Vec<&str> = data.classes.iter().map(String::as_str).collect();
    let trained = run(source, 40, &out);
    let card = &trained.card;
    println!(
        "projects: top-1 {:.3} (mirrored {:.3}) on {} clips, {} training",
        card.test.top1,
        card.test_mirrored.top1,
        data.test.len(),
        data.train.len()
    );
    // Four classes: chance is 0.25.
    assert!(card.test_mirrored.top1 >= 0.6, "{card:?}");
    check_files(&trained, &out, &names);
    let _ = std::fs::remove_dir_all(&out);
}
