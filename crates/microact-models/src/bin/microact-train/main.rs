//! Trains and evaluates skeleton action recognizers on real datasets (CPU by default).
//!
//! ```text
//! microact-train train --dataset jhmdb14 --data ../shared/datasets/jhmdb_ddnet --split 1
//! microact-train train --dataset penn-action --data ../shared/datasets/penn_action --out models/
//! microact-train train --dataset microact-projects --data my-projects/ --test-share 0.25
//! microact-train train --dataset pyskl --data ntu60_2d.pkl --layout coco17 --classes ntu60.txt \
//!     --train-split xsub_train --test-split xsub_val
//! microact-train eval --name penn-ddnet --dataset penn-action --data ../shared/datasets/penn_action
//! ```
//! Each run prints the test top-1, per-class accuracy and the confusion matrix, and writes
//! `<out>/<name>.{bpk,json,report.json}` (weights, spec, everything measured). The work is
//! `microact_models::action::train::train_from`; this binary reads arguments and prints.

use std::path::{Path, PathBuf};

use burn::tensor::Device;
use clap::{Args, Parser, Subcommand, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};
use microact_models::action::card::{self, Card, EvalOptions, INT8_MIN_WEIGHTS};
use microact_models::action::datasets::{
    Dataset, GroupBy, Joints, ProjectOptions, PysklOptions, Sample, Source, Split,
};
use microact_models::action::segments::SegmentConfig;
use microact_models::action::stream::Windows;
use microact_models::action::train::{
    self, Evaluation, Network, Progress, TrainConfig, TrainOptions,
};
use microact_models::action::{Augment, Layout, Pipeline, RecognizerSpec};
use microact_models::manifest::Manifest;
use microact_models::weights::{quantize, sha256_hex, to_burnpack};

mod fewshot;

#[derive(Parser)]
#[command(about = "Train and evaluate microact's skeleton action recognizers")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Train on a dataset's training split, then evaluate on its test split.
    Train(TrainArgs),
    /// Evaluate shipped weights on a dataset's test split.
    Eval(EvalArgs),
    /// Few-shot episodes on classes a recognizer never learnt, and unknown detection.
    Fewshot(fewshot::FewShotArgs),
    /// Train a recognizer's embedding further with the prototypical loss over episodes.
    Metric(fewshot::MetricArgs),
    /// Copy trained weights into `models/` as float16 and int8 files and enter both (with the
    /// recognizer's spec) in `models/manifest.json`.
    Ship(ShipArgs),
}

#[derive(Clone, Copy, ValueEnum)]
enum Which {
    Jhmdb14,
    PennAction,
    /// microact project files (a folder of them, or one): the annotators' segments over their
    /// pose tracks, in the projects' own labels.
    MicroactProjects,
    /// An MMAction2/PYSKL `PoseDataset` pickle.
    Pyskl,
}

#[derive(Clone, Copy, ValueEnum)]
enum Grouping {
    Segment,
    Video,
}

#[derive(Clone, Copy, ValueEnum, PartialEq)]
enum NetworkArg {
    /// DD-Net (1-D convolutions over joint distances and motion).
    Ddnet,
    /// Adaptive graph convolutions (ST-GCN with a learned adjacency), for comparison.
    Graph,
}

#[derive(Clone, Copy, ValueEnum, PartialEq)]
enum Backend {
    Cpu,
    Wgpu,
}

#[derive(Args)]
pub(crate) struct DataArgs {
    #[arg(long, value_enum)]
    dataset: Which,
    /// The dataset's folder (`../shared/datasets/jhmdb_ddnet`, `…/penn_action`, a folder of
    /// project files) or file (a project, a pose pickle).
    #[arg(long)]
    data: PathBuf,
    /// JHMDB's official split, 1–3.
    #[arg(long, default_value_t = 1)]
    split: u8,
    /// The keypoints' joints: coco17, penn13, jhmdb15, or a layout file naming the data's joints
    /// and the shared 13 among them (pyskl: default coco17; projects: the pose tracks' own).
    #[arg(long)]
    layout: Option<String>,
    /// pyskl: the class names, label i the i-th (a label set: JSON, or one name a line).
    #[arg(long)]
    classes: Option<PathBuf>,
    /// microact-projects: only segments of this label set (its id).
    #[arg(long)]
    label_set: Option<String>,
    /// Named parts of the data's own split (a pickle's `split`) or of `--split-file`, for
    /// training and testing; without them a split is made (`--test-share`, `--split-seed`).
    #[arg(long, requires = "test_split")]
    train_split: Option<String>,
    #[arg(long, requires = "train_split")]
    test_split: Option<String>,
    /// A JSON file of named parts, `{"train": [clip or group, …], "test": […]}`.
    #[arg(long)]
    split_file: Option<PathBuf>,
    /// A made split: this share of each class's clips (or groups) held out for testing.
    #[arg(long, default_value_t = 0.25)]
    test_share: f32,
    #[arg(long, default_value_t = 1)]
    split_seed: u64,
    /// microact-projects: what a made split keeps on one side (each segment, or each video).
    #[arg(long, value_enum, default_value_t = Grouping::Segment)]
    group_by: Grouping,
    /// Windows (frames) and stride for the segment evaluation over the concatenated test clips.
    #[arg(long, default_value_t = 32)]
    window: usize,
    #[arg(long, default_value_t = 2)]
    stride: usize,
    /// Segment proposal settings: smoothing width, enter and exit thresholds, shortest segment,
    /// one class a frame.
    #[arg(long, default_value_t = SegmentConfig::default().smooth)]
    smooth: usize,
    #[arg(long, default_value_t = SegmentConfig::default().enter)]
    enter: f32,
    #[arg(long, default_value_t = SegmentConfig::default().exit)]
    exit: f32,
    #[arg(long, default_value_t = SegmentConfig::default().min_frames)]
    min_frames: usize,
    /// Let segments of different classes overlap (each frame supports every class).
    #[arg(long)]
    overlapping: bool,
    /// Evaluate also under these jitter:drop noise levels (torso lengths : share of joints).
    #[arg(long, value_delimiter = ',', default_value = "0.05:0.1,0.1:0.2")]
    noise: Vec<String>,
    #[arg(long, value_enum, default_value_t = Backend::Cpu)]
    device: Backend,
}

#[derive(Args)]
struct TrainArgs {
    #[command(flatten)]
    data: DataArgs,
    #[arg(long, value_enum, default_value_t = NetworkArg::Ddnet)]
    model: NetworkArg,
    /// DD-Net's width (16: 0.15 M parameters, 32: 0.5 M, 64: 1.8 M).
    #[arg(long, default_value_t = 32)]
    filters: usize,
    #[arg(long, default_value_t = 32)]
    frames: usize,
    /// Use the dataset's own joints instead of the shared 13 (cannot run on MoveNet output).
    #[arg(long)]
    native_joints: bool,
    #[arg(long, default_value_t = 0.3)]
    min_score: f32,
    #[arg(long, default_value_t = 200)]
    epochs: usize,
    #[arg(long, default_value_t = 64)]
    batch: usize,
    #[arg(long, default_value_t = 2e-3)]
    lr: f64,
    #[arg(long, default_value_t = 1e-4)]
    weight_decay: f32,
    #[arg(long, default_value_t = 0.1)]
    label_smoothing: f32,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Share of the training split held out to choose the epoch (0: keep the last).
    #[arg(long, default_value_t = 0.0)]
    validation: f32,
    #[arg(long, default_value_t = 60)]
    patience: usize,
    /// Class-balanced sampling.
    #[arg(long)]
    balanced: bool,
    /// Train without augmentation.
    #[arg(long)]
    no_augment: bool,
    /// Classes left out of training, to measure unknown detection on them.
    #[arg(long, value_delimiter = ',')]
    holdout: Vec<String>,
    /// Also train on Penn Action's training clips from this folder, its classes added after the
    /// dataset's (a Penn class named like a held-out class is left out; one named like a known
    /// class joins it): a wider embedding for few-shot learning.
    #[arg(long)]
    with_penn: Option<PathBuf>,
    /// Name of the written files.
    #[arg(long)]
    name: Option<String>,
    #[arg(long, default_value = "target/recognizers")]
    out: PathBuf,
    /// Write `<out>/<name>.checkpoint.bpk` every this many epochs.
    #[arg(long, default_value_t = 10)]
    checkpoint_every: usize,
}

#[derive(Args)]
struct ShipArgs {
    #[arg(long)]
    spec: PathBuf,
    #[arg(long)]
    weights: PathBuf,
    /// The report written by `train` (accuracy figures for the manifest).
    #[arg(long)]
    report: PathBuf,
    /// Name in the manifest (files `<name>.bpk`, `<name>-q8.bpk`).
    #[arg(long)]
    name: String,
    #[arg(long, default_value = "models")]
    models: PathBuf,
    /// Licence line for the manifest.
    #[arg(long)]
    licence: String,
    /// Model card path, relative to the repository.
    #[arg(long)]
    card: String,
}

#[derive(Args)]
struct EvalArgs {
    #[command(flatten)]
    data: DataArgs,
    /// The manifest listing the recognizer (its weight file sits beside it).
    #[arg(long, default_value = "models/manifest.json")]
    manifest: PathBuf,
    /// The recognizer's name in the manifest.
    #[arg(long)]
    name: String,
}

fn main() {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Train(args) => run_train(args),
        Command::Eval(args) => run_eval(args),
        Command::Ship(args) => run_ship(args),
        Command::Fewshot(args) => fewshot::run(args),
        Command::Metric(args) => fewshot::run_metric(args),
    };
    if let Err(message) = result {
        eprintln!("error: {message}");
        std::process::exit(1);
    }
}

pub(crate) fn device(backend: Backend) -> Result<Device, String> {
    match backend {
        Backend::Cpu => Ok(Device::flex()),
        Backend::Wgpu => Device::wgpu_options()
            .init()
            .map_err(|e| format!("no wgpu adapter: {e}")),
    }
}

impl DataArgs {
    pub(crate) fn source(&self) -> Result<Source, String> {
        let data = self.data.clone();
        let joints = |default: Option<Layout>| -> Result<Option<Joints>, String> {
            match (&self.layout, default) {
                (Some(given), _) => Joints::parse(given).map(Some).map_err(|e| e.to_string()),
                (None, layout) => Ok(layout.map(Joints::Named)),
            }
        };
        // clap makes `--train-split` and `--test-split` come together.
        let names = self.train_split.clone().zip(self.test_split.clone());
        let split = Split::choose(
            names,
            self.split_file.clone(),
            self.test_share,
            self.split_seed,
        );
        Ok(match self.dataset {
            Which::Jhmdb14 => Source::Jhmdb14 {
                dir: data,
                split: self.split,
            },
            Which::PennAction => Source::PennAction { dir: data },
            Which::MicroactProjects => Source::Projects {
                paths: vec![data],
                options: ProjectOptions {
                    label_set: self.label_set.clone(),
                    joints: joints(None)?,
                    split,
                    group_by: match self.group_by {
                        Grouping::Segment => GroupBy::Segment,
                        Grouping::Video => GroupBy::Video,
                    },
                },
            },
            Which::Pyskl => Source::Pyskl {
                file: data,
                options: PysklOptions {
                    joints: joints(Some(Layout::Coco17))?.unwrap_or(Joints::Named(Layout::Coco17)),
                    classes: self.classes.clone(),
                    split,
                },
            },
        })
    }

    fn eval_options(&self, int8: bool) -> Result<EvalOptions, String> {
        let noise = self
            .noise
            .iter()
            .filter(|l| !l.is_empty())
            .map(|level| {
                level
                    .split_once(':')
                    .and_then(|(j, d)| Some((j.parse::<f32>().ok()?, d.parse::<f32>().ok()?)))
                    .ok_or(format!("noise level `{level}` is not jitter:drop"))
            })
            .collect::<Result<_, _>>()?;
        Ok(EvalOptions {
            windows: Windows {
                length: self.window,
                stride: self.stride,
            },
            segments: SegmentConfig {
                smooth: self.smooth,
                enter: self.enter,
                exit: self.exit,
                min_frames: self.min_frames,
                exclusive: !self.overlapping,
                ..SegmentConfig::default()
            },
            noise,
            int8,
        })
    }
}

pub(crate) fn load(args: &DataArgs) -> Result<(Dataset, Layout), String> {
    args.source()?.load().map_err(|e| e.to_string())
}

/// The indices of the classes `names` in `data`; an unknown name is an error naming it.
pub(crate) fn class_indices(data: &Dataset, names: &[String]) -> Result<Vec<usize>, String> {
    train::class_indices(data, names).map_err(|e| e.to_string())
}

/// The dataset of `data` without the `holdout` classes (their test clips returned apart), with
/// Penn Action's training clips added from `with_penn`.
fn prepare(
    data_args: &DataArgs,
    holdout: &[String],
    with_penn: Option<&Path>,
) -> Result<(Dataset, Layout, Vec<Sample>), String> {
    let prepared = train::prepare(&data_args.source()?, holdout, with_penn, |n| {
        println!("{n}")
    })
    .map_err(|e| e.to_string())?;
    Ok((prepared.data, prepared.layout, prepared.held_out_test))
}

fn run_train(args: TrainArgs) -> Result<(), String> {
    let options = TrainOptions {
        source: args.data.source()?,
        network: match args.model {
            NetworkArg::Ddnet => Network::Ddnet {
                filters: args.filters,
            },
            NetworkArg::Graph => Network::Graph,
        },
        pipeline: Pipeline {
            frames: args.frames,
            shared: !args.native_joints,
            min_score: args.min_score,
        },
        config: TrainConfig {
            epochs: args.epochs,
            batch: args.batch,
            lr: args.lr,
            weight_decay: args.weight_decay,
            label_smoothing: args.label_smoothing,
            seed: args.seed,
            validation: args.validation,
            patience: args.patience,
            balanced: args.balanced,
            augment: if args.no_augment {
                Augment::NONE
            } else {
                Augment::TRAIN
            },
        },
        holdout: args.holdout.clone(),
        with_penn: args.with_penn.clone(),
        name: args.name.clone(),
        out: args.out.clone(),
        checkpoint_every: args.checkpoint_every,
        eval: args.data.eval_options(true)?,
    };
    let bar = ProgressBar::new(args.epochs as u64);
    bar.set_style(
        ProgressStyle::with_template("{elapsed_precise} [{bar:30}] {pos}/{len} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let trained = train::train_from(&options, &device(args.data.device)?, |p| match p {
        Progress::Start {
            name,
            train_clips,
            test_clips,
            classes,
            parameters,
        } => bar.suspend(|| {
            println!(
                "{name}: {train_clips} train / {test_clips} test clips, {classes} classes, {parameters} parameters"
            )
        }),
        Progress::Epoch(r) => {
            bar.set_position(r.epoch as u64);
            let valid = r
                .validation_accuracy
                .map(|v| format!(" valid {v:.3}"))
                .unwrap_or_default();
            bar.set_message(format!(
                "loss {:.3} train {:.3}{valid} lr {:.2e}",
                r.loss, r.train_accuracy, r.lr
            ));
        }
        // Printed whether or not the bar is drawn (it is not without a terminal).
        Progress::Note(note) => bar.suspend(|| println!("{note}")),
    })
    .map_err(|e| e.to_string())?;
    bar.finish();
    let card = &trained.card;
    println!(
        "trained in {:.0} s ({} epochs)",
        card.train_seconds.unwrap_or_default(),
        trained.epochs.len()
    );
    print_card(card);
    if let Some(u) = &card.unknown {
        println!(
            "unknown ({}): AUROC max-softmax {:.3}, energy {:.3}",
            u.held_out.join(","),
            u.auroc_max_softmax,
            u.auroc_energy
        );
    }
    let written: Vec<String> = trained
        .files
        .iter()
        .map(|f| f.display().to_string())
        .collect();
    println!("wrote {}", written.join(", "));
    Ok(())
}

fn run_eval(args: EvalArgs) -> Result<(), String> {
    let read = |p: &Path| std::fs::read(p).map_err(|e| format!("cannot read {}: {e}", p.display()));
    let manifest = Manifest::parse(&String::from_utf8_lossy(&read(&args.manifest)?))
        .map_err(|e| e.to_string())?;
    let entry = manifest.get(&args.name).map_err(|e| e.to_string())?;
    let spec = entry
        .recognizer
        .clone()
        .ok_or(format!("{} is not an action recognizer", args.name))?;
    let file = args.manifest.with_file_name(&entry.file);
    let inner = device(args.data.device)?;
    let model = spec
        .load(&entry.file, read(&file)?, &entry.sha256, &inner)
        .map_err(|e| e.to_string())?;
    let (data, _) = load(&args.data)?;
    if data.classes != spec.classes {
        return Err(format!(
            "{} has other classes than {}",
            data.name, spec.name
        ));
    }
    let already_int8 = entry.file.contains("-q8");
    let card = card::measure(
        &model,
        spec,
        "ddnet".into(),
        &data,
        &args.data.eval_options(!already_int8)?,
        &inner,
    )
    .map_err(|e| e.to_string())?;
    print_card(&card);
    Ok(())
}

/// A card's test figures, as `train` and `eval` print them.
fn print_card(card: &Card) {
    println!(
        "test top-1 {:.2} % ({:.2} % with mirror averaging) on {} clips",
        100.0 * card.test.top1,
        100.0 * card.test_mirrored.top1,
        card.segments.clips
    );
    print_evaluation(&card.test_mirrored, &card.spec.classes);
    for (level, top1) in &card.noise {
        println!("noise jitter:drop {level}: top-1 {:.2} %", 100.0 * top1);
    }
    let segments = &card.segments;
    println!(
        "segments over {} concatenated test clips: F1@0.5 {:.3} (P {:.3}, R {:.3}), F1@0.3 {:.3}, {} proposals",
        segments.clips,
        segments.f1_at_0_5,
        segments.precision_at_0_5,
        segments.recall_at_0_5,
        segments.f1_at_0_3,
        segments.proposals
    );
    if let Some(e) = &card.int8 {
        println!("int8 kernels: top-1 {:.2} % (mirrored)", 100.0 * e.top1);
    }
}

fn run_ship(args: ShipArgs) -> Result<(), String> {
    let read = |p: &Path| std::fs::read(p).map_err(|e| format!("cannot read {}: {e}", p.display()));
    let mut spec = RecognizerSpec::parse(&String::from_utf8_lossy(&read(&args.spec)?))
        .map_err(|e| e.to_string())?;
    spec.name = args.name.clone();
    let report: serde_json::Value = serde_json::from_slice(&read(&args.report)?)
        .map_err(|e| format!("{}: {e}", args.report.display()))?;
    let bytes = read(&args.weights)?;
    let sha = sha256_hex(&bytes);
    let cpu = Device::flex();
    let model = spec
        .load(
            &args.weights.display().to_string(),
            bytes.clone(),
            &sha,
            &cpu,
        )
        .map_err(|e| e.to_string())?;
    let int8 = to_burnpack(&quantize(model, INT8_MIN_WEIGHTS)).map_err(|e| e.to_string())?;
    let manifest_path = args.models.join("manifest.json");
    let mut manifest: serde_json::Value = serde_json::from_slice(&read(&manifest_path)?)
        .map_err(|e| format!("{}: {e}", manifest_path.display()))?;
    let Some(models) = manifest.get_mut("models").and_then(|m| m.as_array_mut()) else {
        return Err(format!("{} has no models list", manifest_path.display()));
    };
    let measured = &report[0];
    let test_clips: u64 = measured["test"]["confusion"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|row| row.as_array())
        .flatten()
        .filter_map(serde_json::Value::as_u64)
        .sum();
    for (name, file_bytes, format, accuracy) in [
        (
            args.name.clone(),
            bytes,
            "burnpack, float16 weights (loaded as float32)",
            &measured["test_mirrored"]["top1"],
        ),
        (
            format!("{}-q8", args.name),
            int8,
            "burnpack: int8 symmetric per-output-channel kernels (>= 4096 weights), float16 elsewhere",
            &measured["int8"]["top1"],
        ),
    ] {
        let file = format!("{name}.bpk");
        std::fs::write(args.models.join(&file), &file_bytes)
            .map_err(|e| format!("cannot write {file}: {e}"))?;
        let entry = serde_json::json!({
            "name": name,
            "task": "action",
            "file": file,
            "format": format,
            "sha256": sha256_hex(&file_bytes),
            "bytes": file_bytes.len(),
            "licence": args.licence,
            "card": args.card,
            "test_top1": accuracy,
            "test_clips": test_clips,
            "recognizer": spec,
        });
        models.retain(|m| m["name"] != serde_json::Value::String(name.clone()));
        models.push(entry);
        println!("{file}: {} bytes", file_bytes.len());
    }
    let text = serde_json::to_string_pretty(&manifest).map_err(|e| e.to_string())? + "\n";
    std::fs::write(&manifest_path, text)
        .map_err(|e| format!("cannot write {}: {e}", manifest_path.display()))
}

fn print_evaluation(e: &Evaluation, classes: &[String]) {
    println!("per class:");
    for (name, accuracy) in classes.iter().zip(&e.per_class) {
        match accuracy {
            Some(a) => println!("  {name:<16} {:6.2} %", 100.0 * a),
            None => println!("  {name:<16}      – (no test clips)"),
        }
    }
    println!("confusion (rows: truth, columns: prediction, in class order):");
    for (name, row) in classes.iter().zip(&e.confusion) {
        let cells: Vec<String> = row.iter().map(|n| format!("{n:3}")).collect();
        println!("  {name:<16} {}", cells.join(""));
    }
}
