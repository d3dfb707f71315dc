//! Trains and evaluates skeleton action recognizers on real datasets (CPU by default).
//!
//! ```text
//! microact-train train --dataset jhmdb14 --data ../shared/datasets/jhmdb_ddnet --split 1
//! microact-train train --dataset penn-action --data ../shared/datasets/penn_action --out models/
//! microact-train eval --name penn-ddnet --dataset penn-action --data ../shared/datasets/penn_action
//! ```
//! Each run prints the test top-1, per-class accuracy and the confusion matrix, and writes
//! `<out>/<name>.{bpk,json,report.json}` (weights, spec, everything measured).

use std::path::{Path, PathBuf};
use std::time::Instant;

use burn::tensor::{Device, read_sync};
use clap::{Args, Parser, Subcommand, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};
use microact_models::action::Sequence;
use microact_models::action::datasets::{self, Dataset, Sample};
use microact_models::action::graph::GraphNetConfig;
use microact_models::action::recognizer::{Classifier, RecognizerError, Unknown, logits};
use microact_models::action::segments::{SegmentConfig, propose, to_segments};
use microact_models::action::stream::{Windows, score_track};
use microact_models::action::train::{self, Evaluation, TrainConfig, auroc};
use microact_models::action::{Augment, DdNetConfig, Layout, Pipeline, RecognizerSpec};
use microact_models::manifest::{Classes, Manifest};
use microact_models::weights::{quantize, sha256_hex, to_burnpack};
use serde::Serialize;

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
}

#[derive(Clone, Copy, ValueEnum, PartialEq)]
enum Network {
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
    /// The dataset's folder (`../shared/datasets/jhmdb_ddnet` or `…/penn_action`).
    #[arg(long)]
    data: PathBuf,
    /// JHMDB's official split, 1–3.
    #[arg(long, default_value_t = 1)]
    split: u8,
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
    #[arg(long, value_enum, default_value_t = Network::Ddnet)]
    model: Network,
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

/// Everything a run measured, written beside the weights.
#[derive(Serialize)]
struct Report {
    /// Classes and pipeline; `model` is DD-Net's shape (see `network` for the graph model).
    spec: RecognizerSpec,
    network: String,
    parameters: usize,
    train: Option<TrainConfig>,
    train_seconds: Option<f64>,
    epochs_run: Option<usize>,
    test: Evaluation,
    test_mirrored: Evaluation,
    noise: Vec<(String, f32)>,
    int8: Option<Evaluation>,
    unknown: Option<UnknownReport>,
    segments: SegmentReport,
    weights_sha256: String,
    weights_bytes: usize,
}

/// Proposals over the test clips played one after another, against the clips as segments.
#[derive(Serialize)]
struct SegmentReport {
    clips: usize,
    frames: usize,
    windows: Windows,
    config: SegmentConfig,
    proposals: usize,
    f1_at_0_5: f64,
    precision_at_0_5: f64,
    recall_at_0_5: f64,
    f1_at_0_3: f64,
}

#[derive(Serialize)]
struct UnknownReport {
    held_out: Vec<String>,
    known_clips: usize,
    unknown_clips: usize,
    auroc_max_softmax: f32,
    auroc_energy: f32,
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

pub(crate) fn load(args: &DataArgs) -> Result<(Dataset, Layout), String> {
    match args.dataset {
        Which::Jhmdb14 => datasets::jhmdb(&args.data, args.split).map(|d| (d, Layout::Jhmdb15)),
        Which::PennAction => datasets::penn_action(&args.data).map(|d| (d, Layout::Penn13)),
    }
    .map_err(|e| e.to_string())
}

/// The indices of the classes `names` in `data`; an unknown name is an error naming it.
pub(crate) fn class_indices(data: &Dataset, names: &[String]) -> Result<Vec<usize>, String> {
    names
        .iter()
        .map(|name| {
            data.classes
                .iter()
                .position(|c| c == name)
                .ok_or(format!("no class `{name}` in {}", data.name))
        })
        .collect()
}

/// The dataset of `data`, without the `holdout` classes (their test clips returned apart), with
/// Penn Action's training clips added from `with_penn`.
fn prepare(
    data_args: &DataArgs,
    holdout: &[String],
    with_penn: Option<&Path>,
) -> Result<(Dataset, Layout, Vec<Sample>), String> {
    let (mut data, layout) = load(data_args)?;
    let unknown_classes = class_indices(&data, holdout)?;
    let mut held_out_test = Vec::new();
    if !unknown_classes.is_empty() {
        // Known classes renumbered in order; held-out clips leave training and are kept aside.
        let kept: Vec<usize> = (0..data.classes.len())
            .filter(|c| !unknown_classes.contains(c))
            .collect();
        let renumber = |s: &Sample| {
            kept.iter()
                .position(|&c| c == s.label)
                .map(|label| Sample { label, ..s.clone() })
        };
        held_out_test = data
            .test
            .iter()
            .filter(|s| unknown_classes.contains(&s.label))
            .cloned()
            .collect();
        data.train = data.train.iter().filter_map(renumber).collect();
        data.test = data.test.iter().filter_map(renumber).collect();
        data.classes = kept.iter().map(|&c| data.classes[c].clone()).collect();
    }
    if let Some(dir) = with_penn {
        add_penn(&mut data, dir, holdout)?;
    }
    Ok((data, layout, held_out_test))
}

fn run_train(args: TrainArgs) -> Result<(), String> {
    let (data, layout, held_out_test) =
        prepare(&args.data, &args.holdout, args.with_penn.as_deref())?;
    let pipeline = Pipeline {
        frames: args.frames,
        shared: !args.native_joints,
        min_score: args.min_score,
    };
    let model_config = DdNetConfig::new(pipeline.joints(layout.joints()), data.classes.len())
        .with_filters(args.filters)
        .with_frames(args.frames);
    let network = match args.model {
        Network::Ddnet => format!("ddnet{}", args.filters),
        Network::Graph => "graph".to_string(),
    };
    let name = args
        .name
        .clone()
        .unwrap_or_else(|| format!("{}-{network}-seed{}", data.name, args.seed));
    let spec = RecognizerSpec {
        name: name.clone(),
        dataset: data.name.clone(),
        classes: data.classes.clone(),
        layout,
        pipeline,
        model: model_config.clone(),
    };
    let config = TrainConfig {
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
    };
    let inner = device(args.data.device)?;
    let autodiff = Device::autodiff(inner.clone());
    autodiff.seed(args.seed);
    match args.model {
        Network::Ddnet => train_and_report(
            model_config.init(&autodiff),
            &args,
            spec,
            &data,
            &held_out_test,
            config,
            network,
            &inner,
            &autodiff,
        ),
        Network::Graph => {
            let graph = GraphNetConfig::new(
                if pipeline.shared {
                    Layout::Penn13
                } else {
                    layout
                },
                data.classes.len(),
            );
            train_and_report(
                graph.init(&autodiff),
                &args,
                spec,
                &data,
                &held_out_test,
                config,
                network,
                &inner,
                &autodiff,
            )
        }
    }
}

/// Penn Action's training clips added to `data`'s (see `TrainArgs::with_penn`).
fn add_penn(data: &mut Dataset, dir: &Path, holdout: &[String]) -> Result<(), String> {
    let penn = datasets::penn_action(dir).map_err(|e| e.to_string())?;
    let mut renumber = Vec::with_capacity(penn.classes.len());
    for class in &penn.classes {
        renumber.push(if holdout.contains(class) {
            None
        } else if let Some(i) = data.classes.iter().position(|c| c == class) {
            Some(i)
        } else {
            data.classes.push(class.clone());
            Some(data.classes.len() - 1)
        });
    }
    let before = data.train.len();
    data.train.extend(penn.train.into_iter().filter_map(|s| {
        let label = renumber[s.label]?;
        Some(Sample { label, ..s })
    }));
    data.name = format!("{}+penn-action", data.name);
    println!(
        "with Penn Action: {} more training clips, {} classes in all",
        data.train.len() - before,
        data.classes.len()
    );
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn train_and_report<M: Classifier>(
    model: M,
    args: &TrainArgs,
    spec: RecognizerSpec,
    data: &Dataset,
    held_out_test: &[Sample],
    config: TrainConfig,
    network: String,
    inner: &Device,
    autodiff: &Device,
) -> Result<(), String> {
    let name = spec.name.clone();
    println!(
        "{name}: {} train / {} test clips, {} classes, {} parameters",
        data.train.len(),
        data.test.len(),
        data.classes.len(),
        model.num_params()
    );
    let bar = ProgressBar::new(config.epochs as u64);
    bar.set_style(
        ProgressStyle::with_template("{elapsed_precise} [{bar:30}] {pos}/{len} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let started = Instant::now();
    std::fs::create_dir_all(&args.out)
        .map_err(|e| format!("cannot create {}: {e}", args.out.display()))?;
    let checkpoint = args.out.join(format!("{name}.checkpoint.bpk"));
    let (model, reports) = train::train(
        model,
        &spec.pipeline,
        &data.train,
        data.classes.len(),
        &config,
        autodiff,
        |r, model| {
            if args.checkpoint_every > 0 && r.epoch % args.checkpoint_every == 0 {
                // A checkpoint that cannot be written is reported once and training goes on.
                if let Err(e) = to_burnpack(model)
                    .map_err(|e| e.to_string())
                    .and_then(|b| std::fs::write(&checkpoint, b).map_err(|e| e.to_string()))
                {
                    bar.println(format!(
                        "checkpoint not written ({}): {e}",
                        checkpoint.display()
                    ));
                }
            }
            bar.set_position(r.epoch as u64);
            let valid = r
                .validation_accuracy
                .map(|v| format!(" valid {:.3}", v))
                .unwrap_or_default();
            bar.set_message(format!(
                "loss {:.3} train {:.3}{valid} lr {:.2e}",
                r.loss, r.train_accuracy, r.lr
            ));
        },
    );
    bar.finish();
    let seconds = started.elapsed().as_secs_f64();
    println!("trained in {seconds:.0} s ({} epochs)", reports.len());
    let model = model.to_device(inner);
    let unknown = match held_out_test.is_empty() {
        true => None,
        false => Some(
            unknown_report(
                &model,
                &spec,
                &data.test,
                held_out_test,
                &args.holdout,
                inner,
            )
            .map_err(|e| e.to_string())?,
        ),
    };
    let mut report = measure(&model, spec, network, data, &args.data, inner, true)?;
    report.train = Some(config);
    report.train_seconds = Some(seconds);
    report.epochs_run = Some(reports.len());
    report.unknown = unknown;
    if let Some(u) = &report.unknown {
        println!(
            "unknown ({}): AUROC max-softmax {:.3}, energy {:.3}",
            u.held_out.join(","),
            u.auroc_max_softmax,
            u.auroc_energy
        );
    }
    write(&args.out, &name, &model, &report, &reports)
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
    measure(
        &model,
        spec,
        "ddnet".into(),
        &data,
        &args.data,
        &inner,
        !already_int8,
    )
    .map(|_| ())
}

/// Test accuracy (plain, mirrored, under noise, int8) printed and returned.
fn measure<M: Classifier>(
    model: &M,
    spec: RecognizerSpec,
    network: String,
    data: &Dataset,
    args: &DataArgs,
    device: &Device,
    try_int8: bool,
) -> Result<Report, String> {
    let classes = data.classes.len();
    let pipeline = spec.pipeline;
    let evaluate = |model: &M, samples: &[Sample], mirror: bool| {
        train::evaluate(model, &pipeline, samples, classes, mirror, device)
            .map_err(|e| e.to_string())
    };
    let test = evaluate(model, &data.test, false)?;
    let mirrored = evaluate(model, &data.test, true)?;
    println!(
        "test top-1 {:.2} % ({:.2} % with mirror averaging) on {} clips",
        100.0 * test.top1,
        100.0 * mirrored.top1,
        data.test.len()
    );
    print_evaluation(&mirrored, &data.classes);
    let mut noise = Vec::new();
    for level in args.noise.iter().filter(|l| !l.is_empty()) {
        let (jitter, drop) = level
            .split_once(':')
            .and_then(|(j, d)| Some((j.parse::<f32>().ok()?, d.parse::<f32>().ok()?)))
            .ok_or(format!("noise level `{level}` is not jitter:drop"))?;
        let augment = Augment::noise(jitter, drop);
        let mut rng = <rand::rngs::StdRng as rand::SeedableRng>::seed_from_u64(99);
        let noisy: Vec<Sample> = data
            .test
            .iter()
            .map(|s| {
                // Noise in torso lengths: normalise first so the level means the same on every clip.
                let seq = s.seq.normalise();
                let seq = augment.geometry(&augment.drop_joints(&seq, &mut rng), &mut rng);
                Sample { seq, ..s.clone() }
            })
            .collect();
        let e = evaluate(model, &noisy, true)?;
        println!(
            "noise jitter {jitter} drop {drop}: top-1 {:.2} %",
            100.0 * e.top1
        );
        noise.push((level.clone(), e.top1));
    }
    let config = SegmentConfig {
        smooth: args.smooth,
        enter: args.enter,
        exit: args.exit,
        min_frames: args.min_frames,
        exclusive: !args.overlapping,
        ..SegmentConfig::default()
    };
    let segments = segment_report(
        model,
        &spec,
        data,
        Windows {
            length: args.window,
            stride: args.stride,
        },
        config,
        device,
    )?;
    println!(
        "segments over {} concatenated test clips: F1@0.5 {:.3} (P {:.3}, R {:.3}), F1@0.3 {:.3}, {} proposals",
        segments.clips,
        segments.f1_at_0_5,
        segments.precision_at_0_5,
        segments.recall_at_0_5,
        segments.f1_at_0_3,
        segments.proposals
    );
    let float = to_burnpack(model).map_err(|e| e.to_string())?;
    let int8 = match try_int8 {
        true => {
            let e = evaluate(&quantize(model.clone(), INT8_MIN_WEIGHTS), &data.test, true)?;
            println!("int8 kernels: top-1 {:.2} % (mirrored)", 100.0 * e.top1);
            Some(e)
        }
        false => None,
    };
    Ok(Report {
        network,
        parameters: model.num_params(),
        spec,
        train: None,
        train_seconds: None,
        epochs_run: None,
        test,
        test_mirrored: mirrored,
        noise,
        int8,
        unknown: None,
        segments,
        weights_sha256: sha256_hex(&float),
        weights_bytes: float.len(),
    })
}

fn segment_report(
    model: &impl Classifier,
    spec: &RecognizerSpec,
    data: &Dataset,
    windows: Windows,
    config: SegmentConfig,
    device: &Device,
) -> Result<SegmentReport, String> {
    let mut xy = Vec::new();
    let mut score = Vec::new();
    let mut truth = Vec::new();
    let mut at = 0usize;
    // Classes in turn (a clip of each class, then the next of each, …), so neighbours differ as
    // in a real recording and a proposal cannot span two clips of one class.
    let classes = data.classes.len();
    let mut queues: Vec<Vec<&Sample>> = (0..classes)
        .map(|c| data.test.iter().filter(|s| s.label == c).rev().collect())
        .collect();
    let mut order = Vec::with_capacity(data.test.len());
    while queues.iter().any(|q| !q.is_empty()) {
        order.extend(queues.iter_mut().filter_map(Vec::pop));
    }
    for s in order {
        xy.extend_from_slice(&s.seq.xy);
        score.extend_from_slice(&s.seq.score);
        truth.push(microact_models::action::segments::Proposal {
            class: s.label,
            start: at,
            end: at + s.seq.frames,
            score: 1.0,
        });
        at += s.seq.frames;
    }
    let (mut predicted, mut reference) = (Vec::new(), Vec::new());
    if let Some(track) = Sequence::new(spec.layout, xy, score) {
        let scores = read_sync(score_track(model, &spec.pipeline, &track, windows, device))
            .map_err(|e| e.to_string())?;
        let labels = spec.labels();
        predicted = to_segments(&propose(&scores, &config), &labels, &spec.name, "1", 0);
        reference = to_segments(&truth, &labels, "truth", "1", 0);
    }
    let at = microact_core::metrics::segment_scores(&predicted, &reference, &[0.5, 0.3]);
    let (half, third) = (&at[0], &at[1]);
    Ok(SegmentReport {
        clips: data.test.len(),
        frames: at_frames(&data.test),
        windows,
        config,
        proposals: predicted.len(),
        f1_at_0_5: half.macro_f1,
        precision_at_0_5: half.macro_precision,
        recall_at_0_5: half.macro_recall,
        f1_at_0_3: third.macro_f1,
    })
}

fn at_frames(samples: &[Sample]) -> usize {
    samples.iter().map(|s| s.seq.frames).sum()
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

/// Kernels with at least this many weights are stored as int8 (all but DD-Net's first layers).
const INT8_MIN_WEIGHTS: usize = 4096;

fn unknown_report(
    model: &impl Classifier,
    spec: &RecognizerSpec,
    known: &[Sample],
    unknown: &[Sample],
    names: &[String],
    device: &Device,
) -> Result<UnknownReport, RecognizerError> {
    let clips: Vec<_> = known.iter().chain(unknown).map(|s| &s.seq).collect();
    let scores: Vec<Unknown> = read_sync(logits(model, &spec.pipeline, &clips, true, device))?
        .iter()
        .map(|l| Unknown::from_logits(l))
        .collect();
    let is_unknown: Vec<bool> = (0..clips.len()).map(|i| i >= known.len()).collect();
    let pick = |f: fn(&Unknown) -> f32| scores.iter().map(f).collect::<Vec<f32>>();
    Ok(UnknownReport {
        held_out: names.to_vec(),
        known_clips: known.len(),
        unknown_clips: unknown.len(),
        auroc_max_softmax: auroc(&pick(|u| u.max_softmax), &is_unknown).unwrap_or(f32::NAN),
        auroc_energy: auroc(&pick(|u| u.energy), &is_unknown).unwrap_or(f32::NAN),
    })
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

fn write<M: Classifier>(
    out: &Path,
    name: &str,
    model: &M,
    report: &Report,
    epochs: &[train::EpochReport],
) -> Result<(), String> {
    std::fs::create_dir_all(out).map_err(|e| format!("cannot create {}: {e}", out.display()))?;
    let put = |file: String, bytes: Vec<u8>| {
        std::fs::write(out.join(&file), bytes).map_err(|e| format!("cannot write {file}: {e}"))
    };
    let json = |v: &dyn erased::Json| v.to_json();
    put(
        format!("{name}.bpk"),
        to_burnpack(model).map_err(|e| e.to_string())?,
    )?;
    put(format!("{name}.json"), json(&report.spec).into_bytes())?;
    put(
        format!("{name}.report.json"),
        json(&(report, epochs)).into_bytes(),
    )?;
    println!("wrote {}/{name}.{{bpk,json,report.json}}", out.display());
    Ok(())
}

mod erased {
    /// Pretty JSON of anything serializable, through one function.
    pub trait Json {
        fn to_json(&self) -> String;
    }
    impl<T: serde::Serialize> Json for T {
        fn to_json(&self) -> String {
            serde_json::to_string_pretty(self).unwrap_or_default()
        }
    }
}
