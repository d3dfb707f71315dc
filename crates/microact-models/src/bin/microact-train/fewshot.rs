//! `microact-train fewshot`: how well a recognizer's embedding learns classes it was never
//! trained on from a few clips (N-way K-shot episodes, nearest prototype), and how well the
//! distance to the known classes' prototypes tells held-out classes from known ones, beside the
//! softmax baselines. Prints a table and writes a JSON report. `microact-train metric` trains a
//! recognizer's embedding further with the prototypical loss over episodes.

use std::path::PathBuf;

use burn::tensor::{Device, read_sync};
use clap::Args;
use microact_models::action::datasets::Sample;
use microact_models::action::fewshot::{self, Episodes, centroid, distance};
use microact_models::action::recognizer::{Unknown, logits};
use microact_models::action::train::auroc;
use microact_models::action::{DdNet, RecognizerSpec, Sequence};
use microact_models::manifest::Manifest;
use microact_models::weights::sha256_hex;
use serde::Serialize;

use burn::module::Module;
use microact_models::action::Augment;
use microact_models::action::train::{EpisodicConfig, train_episodic};
use microact_models::weights::to_burnpack;

use super::{DataArgs, class_indices, device, load, prepare};

#[derive(Args)]
pub struct FewShotArgs {
    #[command(flatten)]
    data: DataArgs,
    /// A trained recognizer written by `train`: `<dir>/<name>` (its `.json` spec and `.bpk`).
    #[arg(long, conflicts_with = "name")]
    weights: Option<PathBuf>,
    /// Or a recognizer of the manifest.
    #[arg(long)]
    name: Option<String>,
    #[arg(long, default_value = "models/manifest.json")]
    manifest: PathBuf,
    /// Classes to draw episodes from (default: the dataset's classes the model does not know).
    #[arg(long, value_delimiter = ',')]
    classes: Vec<String>,
    #[arg(long, default_value_t = 1000)]
    episodes: usize,
    #[arg(long, default_value_t = 5)]
    ways: usize,
    #[arg(long, value_delimiter = ',', default_value = "1,5")]
    shots: Vec<usize>,
    #[arg(long, default_value_t = 5)]
    queries: usize,
    /// Embedding depths to compare: dense layers after pooling.
    #[arg(long, value_delimiter = ',', default_value = "0,1,2")]
    dense: Vec<usize>,
    /// Average each clip's embedding with its mirror image's.
    #[arg(long)]
    mirror: bool,
    /// Subtract the episode's mean support embedding before the distance (SimpleShot's
    /// centring, Wang et al. 2019).
    #[arg(long)]
    centre: bool,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Write the report here as JSON.
    #[arg(long)]
    out: Option<PathBuf>,
}

#[derive(Serialize)]
struct Report {
    model: String,
    trained_on: Vec<String>,
    dataset: String,
    classes: Vec<String>,
    clips: usize,
    mirror: bool,
    runs: Vec<Depth>,
    unknown: Option<UnknownAurocs>,
}

#[derive(Serialize)]
struct Depth {
    dense: usize,
    episodes: Vec<Episodes>,
}

/// Known classes' test clips against the other classes' clips; higher is more unknown.
#[derive(Serialize)]
struct UnknownAurocs {
    known_clips: usize,
    unknown_clips: usize,
    max_softmax: f32,
    energy: f32,
    /// Distance to the nearest known prototype (from the known classes' training clips), per depth.
    prototype_distance: Vec<(usize, f32)>,
}

fn read(p: &std::path::Path) -> Result<Vec<u8>, String> {
    std::fs::read(p).map_err(|e| format!("cannot read {}: {e}", p.display()))
}

fn model(args: &FewShotArgs, device: &Device) -> Result<(RecognizerSpec, DdNet), String> {
    if let Some(stem) = &args.weights {
        let spec = RecognizerSpec::parse(&String::from_utf8_lossy(&read(
            &stem.with_extension("json"),
        )?))
        .map_err(|e| e.to_string())?;
        let file = stem.with_extension("bpk");
        let bytes = read(&file)?;
        let sha = sha256_hex(&bytes);
        let net = spec
            .load(&file.display().to_string(), bytes, &sha, device)
            .map_err(|e| e.to_string())?;
        return Ok((spec, net));
    }
    let name = args.name.as_deref().ok_or("give --weights or --name")?;
    let manifest = Manifest::parse(&String::from_utf8_lossy(&read(&args.manifest)?))
        .map_err(|e| e.to_string())?;
    let entry = manifest.get(name).map_err(|e| e.to_string())?;
    let spec = entry
        .recognizer
        .clone()
        .ok_or(format!("{name} is not an action recognizer"))?;
    let bytes = read(&args.manifest.with_file_name(&entry.file))?;
    let net = spec
        .load(&entry.file, bytes, &entry.sha256, device)
        .map_err(|e| e.to_string())?;
    Ok((spec, net))
}

pub fn run(args: FewShotArgs) -> Result<(), String> {
    let device = device(args.data.device)?;
    let (spec, net) = model(&args, &device)?;
    let (data, _) = load(&args.data)?;
    let classes: Vec<usize> = if args.classes.is_empty() {
        (0..data.classes.len())
            .filter(|&c| !spec.classes.contains(&data.classes[c]))
            .collect()
    } else {
        class_indices(&data, &args.classes)?
    };
    let all: Vec<&Sample> = data.train.iter().chain(&data.test).collect();
    let pool: Vec<&Sample> = all
        .iter()
        .copied()
        .filter(|s| classes.contains(&s.label))
        .collect();
    println!(
        "{}: episodes over {} classes of {} ({} clips): {}",
        spec.name,
        classes.len(),
        data.name,
        pool.len(),
        classes
            .iter()
            .map(|&c| data.classes[c].as_str())
            .collect::<Vec<_>>()
            .join(", ")
    );
    let embed = |samples: &[&Sample], dense: usize| {
        let seqs: Vec<&Sequence> = samples.iter().map(|s| &s.seq).collect();
        read_sync(fewshot::embed(
            &net,
            &spec.pipeline,
            dense,
            &seqs,
            args.mirror,
            &device,
        ))
        .map_err(|e| e.to_string())
    };
    let mut runs = Vec::new();
    for &dense in &args.dense {
        let rows = embed(&pool, dense)?;
        let by_class: Vec<Vec<Vec<f32>>> = classes
            .iter()
            .map(|&c| {
                pool.iter()
                    .zip(&rows)
                    .filter(|(s, _)| s.label == c)
                    .map(|(_, r)| r.clone())
                    .collect()
            })
            .collect();
        let mut episodes = Vec::new();
        for &shots in &args.shots {
            let e = fewshot::episodes(
                &by_class,
                args.ways,
                shots,
                args.queries,
                args.episodes,
                args.seed,
                args.centre,
            )
            .ok_or(format!(
                "fewer than {} classes with more than {shots} clips",
                args.ways
            ))?;
            println!(
                "  dense {dense}: {}-way {shots}-shot {:.2} ± {:.2} % ({} episodes, {} queries a class)",
                e.ways,
                100.0 * e.mean,
                100.0 * e.ci95,
                e.episodes,
                e.queries
            );
            episodes.push(e);
        }
        runs.push(Depth { dense, episodes });
    }
    let unknown = unknown(&args, &spec, &net, &data, &classes, &device)?;
    let report = Report {
        model: spec.name.clone(),
        trained_on: spec.classes.clone(),
        dataset: data.name.clone(),
        classes: classes.iter().map(|&c| data.classes[c].clone()).collect(),
        clips: pool.len(),
        mirror: args.mirror,
        runs,
        unknown,
    };
    if let Some(out) = &args.out {
        let json = serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?;
        std::fs::write(out, json).map_err(|e| format!("cannot write {}: {e}", out.display()))?;
        println!("wrote {}", out.display());
    }
    Ok(())
}

/// AUROCs of the known classes' test clips against the episode classes' clips, when the model
/// was trained on some of the dataset's classes.
fn unknown(
    args: &FewShotArgs,
    spec: &RecognizerSpec,
    net: &DdNet,
    data: &microact_models::action::datasets::Dataset,
    held: &[usize],
    device: &Device,
) -> Result<Option<UnknownAurocs>, String> {
    let known = |s: &&Sample| spec.classes.contains(&data.classes[s.label]);
    let known_train: Vec<&Sample> = data.train.iter().filter(known).collect();
    let known_test: Vec<&Sample> = data.test.iter().filter(known).collect();
    let unknown_test: Vec<&Sample> = data
        .test
        .iter()
        .filter(|s| held.contains(&s.label))
        .collect();
    if known_test.is_empty() || unknown_test.is_empty() {
        return Ok(None);
    }
    let tested: Vec<&Sequence> = known_test
        .iter()
        .chain(&unknown_test)
        .map(|s| &s.seq)
        .collect();
    let is_unknown: Vec<bool> = (0..tested.len()).map(|i| i >= known_test.len()).collect();
    let l =
        read_sync(logits(net, &spec.pipeline, &tested, true, device)).map_err(|e| e.to_string())?;
    let u: Vec<Unknown> = l.iter().map(|l| Unknown::from_logits(l)).collect();
    let score = |f: fn(&Unknown) -> f32| {
        auroc(&u.iter().map(f).collect::<Vec<_>>(), &is_unknown).unwrap_or(f32::NAN)
    };
    let mut prototype_distance = Vec::new();
    for &dense in &args.dense {
        let embed = |seqs: &[&Sequence]| {
            read_sync(fewshot::embed(
                net,
                &spec.pipeline,
                dense,
                seqs,
                args.mirror,
                device,
            ))
            .map_err(|e| e.to_string())
        };
        let train_rows = embed(&known_train.iter().map(|s| &s.seq).collect::<Vec<_>>())?;
        let protos: Vec<Vec<f32>> = (0..data.classes.len())
            .filter_map(|c| {
                centroid(
                    known_train
                        .iter()
                        .zip(&train_rows)
                        .filter(|(s, _)| s.label == c)
                        .map(|(_, r)| r),
                )
            })
            .collect();
        let rows = embed(&tested)?;
        let d: Vec<f32> = rows
            .iter()
            .map(|r| {
                protos
                    .iter()
                    .map(|p| distance(p, r))
                    .fold(f32::INFINITY, f32::min)
            })
            .collect();
        prototype_distance.push((dense, auroc(&d, &is_unknown).unwrap_or(f32::NAN)));
    }
    let report = UnknownAurocs {
        known_clips: known_test.len(),
        unknown_clips: unknown_test.len(),
        max_softmax: score(|u| u.max_softmax),
        energy: score(|u| u.energy),
        prototype_distance,
    };
    println!(
        "  unknown ({} known / {} held-out test clips): AUROC max-softmax {:.3}, energy {:.3}, prototype distance {}",
        report.known_clips,
        report.unknown_clips,
        report.max_softmax,
        report.energy,
        report
            .prototype_distance
            .iter()
            .map(|(d, a)| format!("{a:.3} (dense {d})"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    Ok(Some(report))
}

#[derive(Args)]
pub struct MetricArgs {
    #[command(flatten)]
    data: DataArgs,
    /// The recognizer to start from: `<dir>/<name>` (its `.json` spec and `.bpk`).
    #[arg(long)]
    init: PathBuf,
    /// Classes left out (as for `train`).
    #[arg(long, value_delimiter = ',')]
    holdout: Vec<String>,
    /// Penn Action's folder, its training clips added (as for `train`).
    #[arg(long)]
    with_penn: Option<PathBuf>,
    #[arg(long, default_value_t = 0)]
    dense: usize,
    #[arg(long, default_value_t = 2000)]
    steps: usize,
    #[arg(long, default_value_t = 5)]
    ways: usize,
    #[arg(long, default_value_t = 5)]
    shots: usize,
    #[arg(long, default_value_t = 5)]
    queries: usize,
    #[arg(long, default_value_t = 5e-4)]
    lr: f64,
    #[arg(long, default_value_t = 10.0)]
    scale: f32,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Written as `<init>-metric.{json,bpk}` unless given.
    #[arg(long)]
    out: Option<PathBuf>,
}

pub fn run_metric(args: MetricArgs) -> Result<(), String> {
    let inner = device(args.data.device)?;
    let autodiff = Device::autodiff(inner.clone());
    let spec = RecognizerSpec::parse(&String::from_utf8_lossy(&read(
        &args.init.with_extension("json"),
    )?))
    .map_err(|e| e.to_string())?;
    let file = args.init.with_extension("bpk");
    let bytes = read(&file)?;
    let sha = sha256_hex(&bytes);
    let net = spec
        .load(&file.display().to_string(), bytes, &sha, &autodiff)
        .map_err(|e| e.to_string())?;
    let (data, _, _) = prepare(&args.data, &args.holdout, args.with_penn.as_deref())?;
    let config = EpisodicConfig {
        steps: args.steps,
        ways: args.ways,
        shots: args.shots,
        queries: args.queries,
        lr: args.lr,
        scale: args.scale,
        seed: args.seed,
        augment: Augment::TRAIN,
    };
    println!(
        "{}: {} episodes of {}-way {}-shot over {} training clips of {} classes",
        spec.name,
        args.steps,
        args.ways,
        args.shots,
        data.train.len(),
        data.classes.len()
    );
    let started = std::time::Instant::now();
    let (net, losses) = train_episodic(
        net,
        args.dense,
        &spec.pipeline,
        &data.train,
        &config,
        &autodiff,
        |step, loss| {
            if step % 200 == 0 {
                println!("  step {step}: loss {loss:.3}");
            }
        },
    );
    println!(
        "trained in {:.0} s; last 100 steps' mean loss {:.3}",
        started.elapsed().as_secs_f64(),
        losses.iter().rev().take(100).sum::<f32>() / losses.len().clamp(1, 100) as f32
    );
    let out = args.out.clone().unwrap_or_else(|| {
        let mut name = args.init.file_name().unwrap_or_default().to_os_string();
        name.push("-metric");
        args.init.with_file_name(name)
    });
    let mut spec = spec;
    spec.name = out
        .file_name()
        .map_or(spec.name.clone(), |n| n.to_string_lossy().into_owned());
    let write = |path: PathBuf, bytes: Vec<u8>| {
        std::fs::write(&path, bytes).map_err(|e| format!("cannot write {}: {e}", path.display()))
    };
    write(
        out.with_extension("bpk"),
        to_burnpack(&net.to_device(&inner)).map_err(|e| e.to_string())?,
    )?;
    write(
        out.with_extension("json"),
        serde_json::to_string_pretty(&spec)
            .map_err(|e| e.to_string())?
            .into_bytes(),
    )?;
    println!("wrote {}.{{bpk,json}}", out.display());
    Ok(())
}
