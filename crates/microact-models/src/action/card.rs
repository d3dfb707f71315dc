//! A trained recognizer's card (`train` feature): everything measured on a dataset's test clips
//! (top-1 plain and mirrored, per class, confusion, under noise, int8, unknown detection,
//! segments over the clips played in a row), and the files a run writes.

use std::path::{Path, PathBuf};

use burn::tensor::{Device, read_sync};
use rand::SeedableRng;
use rand::rngs::StdRng;
use serde::{Deserialize, Serialize};

use super::augment::Augment;
use super::datasets::{Dataset, Sample};
use super::recognizer::{Classifier, RecognizerError, RecognizerSpec, Unknown, logits};
use super::segments::{Proposal, SegmentConfig, propose, to_segments};
use super::sequence::Sequence;
use super::stream::{Windows, score_track};
use super::train::{self, EpochReport, Evaluation, TrainConfig, auroc};
use crate::weights::{WeightsError, quantize, sha256_hex, to_burnpack};
use microact_core::manifest::Classes;

/// Kernels with at least this many weights are stored as int8 (all but DD-Net's first layers).
pub const INT8_MIN_WEIGHTS: usize = 4096;

/// Everything a run measured, written beside the weights as `<name>.report.json`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Card {
    /// Classes and pipeline; `model` is DD-Net's shape (see `network` for the graph model).
    pub spec: RecognizerSpec,
    pub network: String,
    pub parameters: usize,
    pub train: Option<TrainConfig>,
    pub train_seconds: Option<f64>,
    pub epochs_run: Option<usize>,
    pub test: Evaluation,
    pub test_mirrored: Evaluation,
    /// Mirrored top-1 under each `jitter:drop` noise level.
    pub noise: Vec<(String, f32)>,
    pub int8: Option<Evaluation>,
    pub unknown: Option<UnknownReport>,
    pub segments: SegmentReport,
    pub weights_sha256: String,
    pub weights_bytes: usize,
}

/// Proposals over the test clips played one after another, against the clips as segments.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SegmentReport {
    pub clips: usize,
    pub frames: usize,
    pub windows: Windows,
    pub config: SegmentConfig,
    pub proposals: usize,
    pub f1_at_0_5: f64,
    pub precision_at_0_5: f64,
    pub recall_at_0_5: f64,
    pub f1_at_0_3: f64,
}

/// How well held-out classes' clips are told from known ones.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct UnknownReport {
    pub held_out: Vec<String>,
    pub known_clips: usize,
    pub unknown_clips: usize,
    pub auroc_max_softmax: f32,
    pub auroc_energy: f32,
}

/// How the test clips are measured beyond top-1.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EvalOptions {
    /// Windows for the segment evaluation over the concatenated test clips.
    pub windows: Windows,
    pub segments: SegmentConfig,
    /// `(jitter, drop)` noise levels: torso lengths of jitter, share of joints lost.
    pub noise: Vec<(f32, f32)>,
    /// Also measure the model with int8 kernels.
    pub int8: bool,
}

impl Default for EvalOptions {
    fn default() -> EvalOptions {
        EvalOptions {
            windows: Windows {
                length: 32,
                stride: 2,
            },
            segments: SegmentConfig::default(),
            noise: vec![(0.05, 0.1), (0.1, 0.2)],
            int8: true,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CardError {
    #[error(transparent)]
    Recognizer(#[from] RecognizerError),
    #[error(transparent)]
    Weights(#[from] WeightsError),
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// `model` measured on `data`'s test clips.
pub fn measure<M: Classifier>(
    model: &M,
    spec: RecognizerSpec,
    network: String,
    data: &Dataset,
    options: &EvalOptions,
    device: &Device,
) -> Result<Card, CardError> {
    let classes = data.classes.len();
    let pipeline = spec.pipeline;
    let evaluate = |model: &M, samples: &[Sample], mirror: bool| {
        train::evaluate(model, &pipeline, samples, classes, mirror, device)
    };
    let test = evaluate(model, &data.test, false)?;
    let test_mirrored = evaluate(model, &data.test, true)?;
    let mut noise = Vec::new();
    for &(jitter, drop) in &options.noise {
        let augment = Augment::noise(jitter, drop);
        let mut rng = StdRng::seed_from_u64(99);
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
        noise.push((format!("{jitter}:{drop}"), e.top1));
    }
    let segments = segment_report(model, &spec, data, options, device)?;
    let float = to_burnpack(model)?;
    let int8 = match options.int8 {
        true => Some(evaluate(
            &quantize(model.clone(), INT8_MIN_WEIGHTS),
            &data.test,
            true,
        )?),
        false => None,
    };
    Ok(Card {
        network,
        parameters: model.num_params(),
        spec,
        train: None,
        train_seconds: None,
        epochs_run: None,
        test,
        test_mirrored,
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
    options: &EvalOptions,
    device: &Device,
) -> Result<SegmentReport, RecognizerError> {
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
        truth.push(Proposal {
            class: s.label,
            start: at,
            end: at + s.seq.frames,
            score: 1.0,
        });
        at += s.seq.frames;
    }
    let (mut predicted, mut reference) = (Vec::new(), Vec::new());
    if let Some(track) = Sequence::new(spec.layout, xy, score) {
        let scores = read_sync(score_track(
            model,
            &spec.pipeline,
            &track,
            options.windows,
            device,
        ))?;
        let labels = spec.labels();
        predicted = to_segments(
            &propose(&scores, &options.segments),
            &labels,
            &spec.name,
            "1",
            0,
        );
        reference = to_segments(&truth, &labels, "truth", "1", 0);
    }
    let at = microact_core::metrics::segment_scores(&predicted, &reference, &[0.5, 0.3]);
    let (half, third) = (&at[0], &at[1]);
    Ok(SegmentReport {
        clips: data.test.len(),
        frames: data.test.iter().map(|s| s.seq.frames).sum(),
        windows: options.windows,
        config: options.segments,
        proposals: predicted.len(),
        f1_at_0_5: half.macro_f1,
        precision_at_0_5: half.macro_precision,
        recall_at_0_5: half.macro_recall,
        f1_at_0_3: third.macro_f1,
    })
}

/// AUROCs of telling `unknown` clips (of the held-out classes `names`) from `known` ones.
pub fn unknown_report(
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

/// Writes `<out>/<name>.bpk` (weights), `.json` (spec) and `.report.json` (the card and each
/// epoch), returning their paths.
pub fn write<M: Classifier>(
    out: &Path,
    name: &str,
    model: &M,
    card: &Card,
    epochs: &[EpochReport],
) -> Result<Vec<PathBuf>, CardError> {
    let put = |file: String, bytes: Vec<u8>| {
        let path = out.join(file);
        std::fs::create_dir_all(out)
            .and_then(|()| std::fs::write(&path, bytes))
            .map(|()| path.clone())
            .map_err(|source| CardError::Write { path, source })
    };
    // Plain data with string keys: serialising cannot fail.
    let json = |v: &dyn erased::Json| v.to_json().into_bytes();
    Ok(vec![
        put(format!("{name}.bpk"), to_burnpack(model)?)?,
        put(format!("{name}.json"), json(&card.spec))?,
        put(format!("{name}.report.json"), json(&(card, epochs)))?,
    ])
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
