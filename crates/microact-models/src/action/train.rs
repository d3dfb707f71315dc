//! Training and evaluation of a recognizer (`train` feature): seeded, with early stopping on a
//! validation slice of the training set, optional class-balanced sampling, test-time mirroring.

use burn::module::Module;
use burn::nn::loss::CrossEntropyLossConfig;
use burn::optim::{AdamWConfig, GradientsParams};
use burn::tensor::{Device, Int, Tensor, TensorData, read_sync};
use rand::rngs::StdRng;
use rand::seq::{IndexedRandom, SliceRandom};
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

mod run;

pub use run::{
    Network, Prepared, Progress, RunError, TrainOptions, Trained, class_indices, prepare,
    train_from,
};

use super::augment::Augment;
use super::datasets::{Sample, stratified};
use super::ddnet::DdNet;
use super::features::{Batch, Features};
use super::pipeline::Pipeline;
use super::recognizer::{Classifier, RecognizerError, argmax, logits};

/// How to train.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrainConfig {
    pub epochs: usize,
    pub batch: usize,
    /// Peak learning rate (AdamW), reached after a short warm-up and annealed by a cosine.
    pub lr: f64,
    pub weight_decay: f32,
    pub label_smoothing: f32,
    pub seed: u64,
    /// Share of each class held out of training to choose the epoch (0: keep the last epoch).
    pub validation: f32,
    /// Stop after this many epochs without a better validation accuracy.
    pub patience: usize,
    /// Draw batches so every class is equally likely (for long-tailed sets).
    pub balanced: bool,
    pub augment: Augment,
}

impl Default for TrainConfig {
    fn default() -> TrainConfig {
        TrainConfig {
            epochs: 200,
            batch: 64,
            lr: 2e-3,
            weight_decay: 1e-4,
            label_smoothing: 0.1,
            seed: 1,
            validation: 0.0,
            patience: 60,
            balanced: false,
            augment: Augment::TRAIN,
        }
    }
}

/// What one epoch did.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct EpochReport {
    pub epoch: usize,
    pub loss: f32,
    pub train_accuracy: f32,
    pub validation_accuracy: Option<f32>,
    pub lr: f64,
}

/// Accuracy, per class and as a confusion matrix (rows: truth, columns: prediction).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Evaluation {
    pub top1: f32,
    pub per_class: Vec<Option<f32>>,
    pub confusion: Vec<Vec<u32>>,
}

impl Evaluation {
    pub fn new(truth: &[usize], predicted: &[usize], classes: usize) -> Evaluation {
        let mut confusion = vec![vec![0u32; classes]; classes];
        for (&t, &p) in truth.iter().zip(predicted) {
            if t < classes && p < classes {
                confusion[t][p] += 1;
            }
        }
        let right = truth.iter().zip(predicted).filter(|(t, p)| t == p).count();
        let per_class = confusion
            .iter()
            .enumerate()
            .map(|(c, row)| {
                let n: u32 = row.iter().sum();
                (n > 0).then(|| row[c] as f32 / n as f32)
            })
            .collect();
        Evaluation {
            top1: right as f32 / truth.len().max(1) as f32,
            per_class,
            confusion,
        }
    }
}

/// `model` scored on `samples`.
pub fn evaluate(
    model: &impl Classifier,
    pipeline: &Pipeline,
    samples: &[Sample],
    classes: usize,
    mirror: bool,
    device: &Device,
) -> Result<Evaluation, RecognizerError> {
    let seqs: Vec<_> = samples.iter().map(|s| &s.seq).collect();
    let predicted: Vec<usize> = read_sync(logits(model, pipeline, &seqs, mirror, device))?
        .iter()
        .map(|p| argmax(p))
        .collect();
    let truth: Vec<usize> = samples.iter().map(|s| s.label).collect();
    Ok(Evaluation::new(&truth, &predicted, classes))
}

/// Splits off `share` of each class (at least one clip of a class with two or more), seeded;
/// clips of one group stay together.
pub fn validation_split(samples: &[Sample], share: f32, seed: u64) -> (Vec<Sample>, Vec<Sample>) {
    stratified(samples, share, seed ^ 0x5eed)
}

/// The indices of each class's clips, by class (classes without clips empty).
fn clips_by_class(samples: &[Sample]) -> Vec<Vec<usize>> {
    let classes = samples.iter().map(|s| s.label + 1).max().unwrap_or(0);
    let mut by_class = vec![Vec::new(); classes];
    for (i, s) in samples.iter().enumerate() {
        by_class[s.label].push(i);
    }
    by_class
}

/// The order of training clips for one epoch: a shuffle, or with `balanced` as many draws,
/// each picking a class uniformly and then a clip of it.
fn epoch_order(samples: &[Sample], balanced: bool, rng: &mut StdRng) -> Vec<usize> {
    if !balanced {
        let mut order: Vec<usize> = (0..samples.len()).collect();
        order.shuffle(rng);
        return order;
    }
    let by_class = clips_by_class(samples);
    let present: Vec<&Vec<usize>> = by_class.iter().filter(|m| !m.is_empty()).collect();
    (0..samples.len())
        .map(|_| {
            let members = present[rng.random_range(0..present.len())];
            members[rng.random_range(0..members.len())]
        })
        .collect()
}

/// How many rows of `logits` (`[batch, classes]`) have their largest value at the row's label.
/// The class indices come back in the backend's integer type (`i32` on the CPU backend), so they
/// are read converted: read as `i64` unconverted, every batch failed and counted no hit.
fn hits(logits: Tensor<2>, labels: &[i64]) -> Option<usize> {
    let predicted = logits.argmax(1).try_into_vec_as::<i64>().ok()?;
    Some(predicted.iter().zip(labels).filter(|(p, t)| p == t).count())
}

/// Learning rate at `step` of `total`: linear warm-up over the first 5 %, then a cosine to 1 %.
fn learning_rate(peak: f64, step: usize, total: usize) -> f64 {
    let warmup = (total / 20).max(1);
    if step < warmup {
        return peak * (step + 1) as f64 / warmup as f64;
    }
    let t = (step - warmup) as f64 / (total - warmup).max(1) as f64;
    peak * (0.01 + 0.99 * 0.5 * (1.0 + (std::f64::consts::PI * t).cos()))
}

/// Trains `model` (on an autodiff `device`) on `train`, reporting each epoch and the model after
/// it to `report` (the CLI shows progress and writes checkpoints there).
/// Returns the model of the best validation epoch (or the last one without validation),
/// ready for inference, and the reports.
pub fn train<M: Classifier>(
    mut model: M,
    pipeline: &Pipeline,
    samples: &[Sample],
    classes: usize,
    config: &TrainConfig,
    device: &Device,
    mut report: impl FnMut(&EpochReport, &M),
) -> (M, Vec<EpochReport>) {
    device.seed(config.seed);
    let mut rng = StdRng::seed_from_u64(config.seed);
    let (train, valid) = validation_split(samples, config.validation, config.seed);
    let mut optim = AdamWConfig::new()
        .with_weight_decay(config.weight_decay)
        .init();
    let loss_fn = CrossEntropyLossConfig::new()
        .with_smoothing((config.label_smoothing > 0.0).then_some(config.label_smoothing))
        .init(device);
    let steps_per_epoch = train.len().div_ceil(config.batch.max(1));
    let total = steps_per_epoch * config.epochs;
    let inner = device.clone().inner();
    let mut best: Option<(f32, M)> = None;
    let mut since_best = 0;
    let mut reports = Vec::new();
    let mut step = 0;
    for epoch in 1..=config.epochs {
        let order = epoch_order(&train, config.balanced, &mut rng);
        let (mut loss_sum, mut trained) = (0.0f32, 0usize);
        let (mut right, mut seen) = (0usize, 0usize);
        let mut lr = config.lr;
        for chunk in order.chunks(config.batch.max(1)) {
            if chunk.len() < 2 {
                continue; // batch norm needs two clips
            }
            let features: Vec<Features> = chunk
                .iter()
                .map(|&i| pipeline.augmented(&train[i].seq, &config.augment, &mut rng))
                .collect();
            let labels: Vec<i64> = chunk.iter().map(|&i| train[i].label as i64).collect();
            let Some(batch) = Batch::new(&features, device) else {
                continue;
            };
            let targets = Tensor::<1, Int>::from_data(
                TensorData::new(labels.clone(), [labels.len()]),
                device,
            );
            let logits = model.logits(batch);
            // Batches whose predictions cannot be read back leave the accuracy, not the step.
            if let Some(hits) = hits(logits.clone(), &labels) {
                right += hits;
                seen += labels.len();
            }
            let loss = loss_fn.forward(logits, targets);
            loss_sum += loss.clone().into_scalar::<f32>() * chunk.len() as f32;
            trained += chunk.len();
            let grads = GradientsParams::from_grads(loss.backward(), &model);
            lr = learning_rate(config.lr, step, total);
            model = optim.step(lr, model, grads);
            step += 1;
        }
        // A validation pass that cannot be read back counts as no improvement.
        let validation_accuracy = (!valid.is_empty()).then(|| {
            evaluate(&model.valid(), pipeline, &valid, classes, false, &inner)
                .map_or(0.0, |e| e.top1)
        });
        let epoch_report = EpochReport {
            epoch,
            loss: loss_sum / trained.max(1) as f32,
            train_accuracy: right as f32 / seen.max(1) as f32,
            validation_accuracy,
            lr,
        };
        report(&epoch_report, &model);
        reports.push(epoch_report);
        if let Some(accuracy) = validation_accuracy {
            if best.as_ref().is_none_or(|(b, _)| accuracy > *b) {
                best = Some((accuracy, model.valid()));
                since_best = 0;
            } else {
                since_best += 1;
                if since_best >= config.patience {
                    break;
                }
            }
        }
    }
    let chosen = best.map(|(_, m)| m).unwrap_or_else(|| model.valid());
    (chosen, reports)
}

/// Episodic (prototypical) training of an embedding: how each step's episode is drawn.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EpisodicConfig {
    pub steps: usize,
    pub ways: usize,
    pub shots: usize,
    pub queries: usize,
    pub lr: f64,
    /// Cosine similarities are multiplied by this before the softmax.
    pub scale: f32,
    pub seed: u64,
    pub augment: Augment,
}

/// Trains `model`'s embedding (`dense` layers after pooling, on an autodiff `device`) with the
/// prototypical loss (Snell et al. 2017) over cosine similarity: each step draws `ways` classes
/// with enough clips, `shots` clips of each as the prototype and `queries` others to label.
/// Returns the model ready for inference and each step's loss.
pub fn train_episodic(
    mut model: DdNet,
    dense: usize,
    pipeline: &Pipeline,
    samples: &[Sample],
    config: &EpisodicConfig,
    device: &Device,
    mut report: impl FnMut(usize, f32),
) -> (DdNet, Vec<f32>) {
    device.seed(config.seed);
    let mut rng = StdRng::seed_from_u64(config.seed);
    let per = config.shots + config.queries;
    let by_class: Vec<Vec<usize>> = clips_by_class(samples)
        .into_iter()
        .filter(|m| m.len() >= per)
        .collect();
    let mut optim = AdamWConfig::new().with_weight_decay(1e-4).init();
    let mut losses = Vec::with_capacity(config.steps);
    if by_class.len() < config.ways {
        return (model.valid(), losses);
    }
    let targets: Vec<i64> = (0..config.ways)
        .flat_map(|c| std::iter::repeat_n(c as i64, config.queries))
        .collect();
    let targets =
        Tensor::<1, Int>::from_data(TensorData::new(targets.clone(), [targets.len()]), device);
    for step in 0..config.steps {
        let chosen: Vec<&Vec<usize>> = by_class.choose_multiple(&mut rng, config.ways).collect();
        let mut features = Vec::with_capacity(config.ways * per);
        for members in &chosen {
            for &i in members.choose_multiple(&mut rng, per) {
                features.push(pipeline.augmented(&samples[i].seq, &config.augment, &mut rng));
            }
        }
        let Some(batch) = Batch::new(&features, device) else {
            continue;
        };
        let unit = |x: Tensor<2>| {
            let norm = x.clone().powf_scalar(2.0).sum_dim(1).sqrt() + 1e-6;
            x / norm
        };
        let e = unit(model.embed(batch, dense));
        let [_, d] = e.dims();
        let e = e.reshape([config.ways, per, d]);
        let support = e
            .clone()
            .slice([0..config.ways, 0..config.shots, 0..d])
            .mean_dim(1)
            .reshape([config.ways, d]);
        let query = e
            .slice([0..config.ways, config.shots..per, 0..d])
            .reshape([config.ways * config.queries, d]);
        let logits = query.matmul(unit(support).transpose()) * config.scale;
        let loss = CrossEntropyLossConfig::new()
            .init(device)
            .forward(logits, targets.clone());
        let value = loss.clone().into_scalar::<f32>();
        let grads = GradientsParams::from_grads(loss.backward(), &model);
        model = optim.step(learning_rate(config.lr, step, config.steps), model, grads);
        losses.push(value);
        report(step, value);
    }
    (model.valid(), losses)
}

/// Area under the ROC curve of `scores` separating `positive` items from the rest (ties half).
pub fn auroc(scores: &[f32], positive: &[bool]) -> Option<f32> {
    let pos: Vec<f32> = scores
        .iter()
        .zip(positive)
        .filter(|(_, p)| **p)
        .map(|(s, _)| *s)
        .collect();
    let neg: Vec<f32> = scores
        .iter()
        .zip(positive)
        .filter(|(_, p)| !**p)
        .map(|(s, _)| *s)
        .collect();
    if pos.is_empty() || neg.is_empty() {
        return None;
    }
    let wins: f64 = pos
        .iter()
        .map(|p| {
            neg.iter()
                .map(|n| {
                    if p > n {
                        1.0
                    } else if p == n {
                        0.5
                    } else {
                        0.0
                    }
                })
                .sum::<f64>()
        })
        .sum();
    Some((wins / (pos.len() * neg.len()) as f64) as f32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evaluation_counts_per_class() {
        let e = Evaluation::new(&[0, 0, 1, 2], &[0, 1, 1, 1], 4);
        assert_eq!(e.top1, 0.5);
        assert_eq!(e.per_class, vec![Some(0.5), Some(1.0), Some(0.0), None]);
        assert_eq!(e.confusion[2][1], 1);
    }

    #[test]
    fn auroc_of_perfect_random_and_reversed_scores() {
        assert_eq!(
            auroc(&[0.9, 0.8, 0.1, 0.2], &[true, true, false, false]),
            Some(1.0)
        );
        assert_eq!(
            auroc(&[0.1, 0.2, 0.9, 0.8], &[true, true, false, false]),
            Some(0.0)
        );
        assert_eq!(auroc(&[0.5, 0.5], &[true, false]), Some(0.5));
        assert_eq!(auroc(&[0.5], &[true]), None);
    }

    #[test]
    fn hits_counts_rows_whose_largest_logit_is_the_label() {
        let device = Device::flex();
        let logits = Tensor::<2>::from_data(
            TensorData::new(
                vec![0.1f32, 2.0, -1.0, 3.0, 0.5, 0.2, 0.0, 0.0, 9.0],
                [3, 3],
            ),
            &device,
        );
        assert_eq!(hits(logits, &[1, 0, 1]), Some(2));
    }

    #[test]
    fn learning_rate_warms_up_then_anneals() {
        assert!(learning_rate(1.0, 0, 100) < 0.5);
        assert!((learning_rate(1.0, 5, 100) - 1.0).abs() < 1e-9);
        assert!((learning_rate(1.0, 99, 100) - 0.01).abs() < 0.01);
    }
}
