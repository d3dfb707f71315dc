//! Recognition learnt from a few labelled examples (prototypical networks, Snell et al. 2017):
//! pose windows embedded by a shipped recognizer (its features before the classifier, unit
//! length), one prototype per label (the mean of its windows), labels by cosine distance with a
//! temperature, and **unknown** beyond a distance calibrated on the examples themselves, each
//! left out in turn. Also the leave-one-out check the page shows, and N-way K-shot episodes
//! for the benchmarks. The model is plain data (`microact_core::taught`).

use std::time::Duration;

use burn::tensor::Device;
use microact_core::model::LabelRef;
use microact_core::taught::{Base, Check, TaughtLabel, TaughtModel};
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::{IndexedRandom, SliceRandom};

use super::ddnet::DdNet;
use super::pipeline::Pipeline;
use super::recognizer::{RecognizerError, rows, softmax};
use super::segments::SegmentConfig;
use super::sequence::Sequence;
use super::stream::{FrameScores, Windows};
use crate::readback::{ReadbackError, floats};

/// Fully connected layers after pooling in the embedding: none, the pooled convolution
/// features (`8·filters` wide), which transfer best to unseen classes (`docs/benchmarks.md`).
pub const DENSE: usize = 0;
/// Windows of a taught model: about a second at 30 fps, every 4 frames.
pub const WINDOWS: Windows = Windows {
    length: 32,
    stride: 4,
};
/// Share of the examples' windows inside the unknown distance.
pub const UNKNOWN_QUANTILE: f32 = 0.95;
/// Temperatures tried when calibrating.
const TEMPERATURES: [f32; 8] = [0.01, 0.02, 0.03, 0.05, 0.07, 0.1, 0.15, 0.25];
/// Used when no example can be left out (every label has one).
const DEFAULT_TEMPERATURE: f32 = 0.05;

/// Proposals from a taught model's frame scores: as the shipped recognizers', with unknown
/// where the windows are past the calibrated distance ([`window_scores`] puts it at 0.5).
pub const SEGMENTS: SegmentConfig = SegmentConfig {
    smooth: 5,
    enter: 0.4,
    exit: 0.25,
    min_frames: 12,
    max_unknown: 0.5,
    exclusive: true,
};

/// Unit-length embeddings of `clips` (mirror-averaged when `mirror`), `dense` layers deep.
pub async fn embed(
    net: &DdNet,
    pipeline: &Pipeline,
    dense: usize,
    clips: &[&Sequence],
    mirror: bool,
    device: &Device,
) -> Result<Vec<Vec<f32>>, RecognizerError> {
    let out = rows(pipeline, clips, mirror, device, |b| net.embed(b, dense)).await?;
    Ok(out.into_iter().map(unit).collect())
}

/// `v` scaled to length 1 (zero stays zero).
pub fn unit(mut v: Vec<f32>) -> Vec<f32> {
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    if norm > 0.0 {
        v.iter_mut().for_each(|x| *x /= norm);
    }
    v
}

/// `1 − cos` of two unit vectors: 0 the same direction, 2 opposite.
pub fn distance(a: &[f32], b: &[f32]) -> f32 {
    1.0 - a.iter().zip(b).map(|(x, y)| x * y).sum::<f32>()
}

/// The mean of `rows` (empty for none).
pub fn mean<'a>(rows: impl IntoIterator<Item = &'a Vec<f32>>) -> Vec<f32> {
    let mut sum: Vec<f32> = Vec::new();
    let mut n = 0usize;
    for r in rows {
        if sum.is_empty() {
            sum = vec![0.0; r.len()];
        }
        sum.iter_mut().zip(r).for_each(|(a, b)| *a += b);
        n += 1;
    }
    sum.iter_mut().for_each(|v| *v /= n.max(1) as f32);
    sum
}

/// The unit mean of `rows`.
pub fn centroid<'a>(rows: impl IntoIterator<Item = &'a Vec<f32>>) -> Option<Vec<f32>> {
    let mut sum: Option<Vec<f32>> = None;
    for r in rows {
        match &mut sum {
            Some(s) => s.iter_mut().zip(r).for_each(|(a, b)| *a += b),
            None => sum = Some(r.clone()),
        }
    }
    sum.map(unit)
}

/// One labelled segment: its label's index and its windows' embeddings.
#[derive(Clone, Debug)]
pub struct Example {
    pub label: usize,
    pub windows: Vec<Vec<f32>>,
}

/// Nearest prototype of `e` among `prototypes` (`None`: a label without one): index, distance.
fn nearest(prototypes: &[Option<Vec<f32>>], e: &[f32]) -> Option<(usize, f32)> {
    prototypes
        .iter()
        .enumerate()
        .filter_map(|(i, p)| Some((i, distance(p.as_ref()?, e))))
        .min_by(|a, b| a.1.total_cmp(&b.1))
}

/// Prototypes of `labels` labels from `examples`, leaving out example `skip`.
fn prototypes(labels: usize, examples: &[Example], skip: Option<usize>) -> Vec<Option<Vec<f32>>> {
    (0..labels)
        .map(|l| {
            centroid(
                examples
                    .iter()
                    .enumerate()
                    .filter(|(i, e)| e.label == l && Some(*i) != skip)
                    .flat_map(|(_, e)| &e.windows),
            )
        })
        .collect()
}

/// The value below which `share` of `values` lie (nearest rank).
fn quantile(mut values: Vec<f32>, share: f32) -> Option<f32> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f32::total_cmp);
    let rank = ((share * values.len() as f32).ceil() as usize).clamp(1, values.len());
    Some(values[rank - 1])
}

/// A taught model of `labels` from `examples` (windows embedded by `base`): prototypes, the
/// leave-one-example-out check, the temperature and unknown distance calibrated on it.
pub fn teach(
    version: u32,
    base: Base,
    labels: Vec<LabelRef>,
    examples: &[Example],
    windows: Windows,
    took: Duration,
) -> Option<TaughtModel> {
    let n = labels.len();
    let dim = examples.iter().flat_map(|e| &e.windows).next()?.len();
    let all = prototypes(n, examples, None);
    let mut confusion = vec![vec![0u32; n]; n];
    // Left-out windows: (their label, distances to every prototype without their example).
    let mut held: Vec<(usize, Vec<Option<f32>>)> = Vec::new();
    let mut own = Vec::new();
    let counts: Vec<usize> = (0..n)
        .map(|l| examples.iter().filter(|e| e.label == l).count())
        .collect();
    for (i, example) in examples.iter().enumerate() {
        if counts[example.label] < 2 {
            continue;
        }
        let without = prototypes(n, examples, Some(i));
        if let Some(mean) = centroid(&example.windows)
            && let Some((predicted, _)) = nearest(&without, &mean)
        {
            confusion[example.label][predicted] += 1;
        }
        for w in &example.windows {
            let d: Vec<Option<f32>> = without
                .iter()
                .map(|p| p.as_ref().map(|p| distance(p, w)))
                .collect();
            if let Some(Some(mine)) = d.get(example.label) {
                own.push(*mine);
            }
            held.push((example.label, d));
        }
    }
    let right: u32 = (0..n).map(|l| confusion[l][l]).sum();
    let checked: u32 = confusion.iter().flatten().sum();
    let unknown_distance = quantile(own, UNKNOWN_QUANTILE).unwrap_or_else(|| {
        // No label has two examples: the examples' own spread, with a margin.
        let spread = examples
            .iter()
            .flat_map(|e| {
                let p = all[e.label].clone();
                e.windows
                    .iter()
                    .filter_map(move |w| Some(distance(p.as_ref()?, w)))
            })
            .collect();
        quantile(spread, 1.0).map_or(0.5, |d| 1.5 * d + 0.05)
    });
    let temperature = calibrate(&held).unwrap_or(DEFAULT_TEMPERATURE);
    let close = (0..n)
        .flat_map(|a| (a + 1..n).map(move |b| (a, b)))
        .filter(|&(a, b)| {
            let swapped = confusion[a][b] + confusion[b][a];
            let pair = confusion[a].iter().sum::<u32>() + confusion[b].iter().sum::<u32>();
            pair > 0 && 4 * swapped >= pair
        })
        .map(|(a, b)| [a as u32, b as u32])
        .collect();
    let labels = labels
        .into_iter()
        .enumerate()
        .map(|(l, label)| {
            let checked: u32 = confusion[l].iter().sum();
            TaughtLabel {
                label,
                prototype: all[l].clone().unwrap_or_else(|| vec![0.0; dim]),
                examples: counts[l] as u32,
                windows: examples
                    .iter()
                    .filter(|e| e.label == l)
                    .map(|e| e.windows.len() as u32)
                    .sum(),
                loo_accuracy: (checked > 0).then(|| confusion[l][l] as f32 / checked as f32),
            }
        })
        .collect();
    Some(TaughtModel {
        version,
        base,
        window: windows.length as u32,
        stride: windows.stride as u32,
        dim: dim as u32,
        labels,
        temperature,
        unknown_distance,
        unknown_quantile: UNKNOWN_QUANTILE,
        head: None,
        check: Check {
            accuracy: (checked > 0).then(|| right as f32 / checked as f32),
            confusion,
            close,
        },
        teach_ms: took.as_secs_f64() * 1000.0,
    })
}

/// The temperature of the lowest mean negative log-likelihood of the left-out windows' labels.
fn calibrate(held: &[(usize, Vec<Option<f32>>)]) -> Option<f32> {
    let nll = |t: f32| {
        let (mut sum, mut n) = (0.0f64, 0usize);
        for (label, d) in held {
            let logits: Vec<f32> = d
                .iter()
                .map(|d| d.map_or(f32::NEG_INFINITY, |d| -d / t))
                .collect();
            let p = softmax(&logits);
            if let Some(p) = p.get(*label).filter(|p| p.is_finite()) {
                sum -= f64::from(p.max(1e-9)).ln();
                n += 1;
            }
        }
        (n > 0).then(|| sum / n as f64)
    };
    TEMPERATURES
        .iter()
        .filter_map(|&t| Some((t, nll(t)?)))
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(t, _)| t)
}

/// Each window's label probabilities (the head's when the model has one, else the
/// prototypes' at the model's temperature) and unknown score: half the nearest prototype's
/// distance over the calibrated one, so a window past it scores above 0.5 ([`SEGMENTS`]).
pub fn window_scores(model: &TaughtModel, windows: &[Vec<f32>]) -> Vec<(Vec<f32>, f32)> {
    windows
        .iter()
        .map(|w| {
            let d: Vec<f32> = model
                .labels
                .iter()
                .map(|l| distance(&l.prototype, w))
                .collect();
            let logits: Vec<f32> = match &model.head {
                Some(h) => h
                    .weights
                    .chunks_exact(model.dim as usize)
                    .zip(&h.bias)
                    .map(|(row, b)| row.iter().zip(w).map(|(a, x)| a * x).sum::<f32>() + b)
                    .collect(),
                None => d.iter().map(|d| -d / model.temperature).collect(),
            };
            let nearest = d.iter().copied().fold(f32::INFINITY, f32::min);
            let unknown = (0.5 * nearest / model.unknown_distance.max(1e-6)).clamp(0.0, 1.0);
            (softmax(&logits), unknown)
        })
        .collect()
}

/// A pose track scored frame by frame by a taught model, its windows embedded by `net`.
pub async fn score_track(
    model: &TaughtModel,
    net: &DdNet,
    pipeline: &Pipeline,
    track: &Sequence,
    device: &Device,
) -> Result<FrameScores, RecognizerError> {
    let windows = Windows {
        length: model.window as usize,
        stride: model.stride as usize,
    };
    let spans = windows.spans(track.frames);
    let clips: Vec<Sequence> = spans
        .iter()
        .map(|&(s, e)| track.select(&(s..e).collect::<Vec<_>>()))
        .collect();
    let refs: Vec<&Sequence> = clips.iter().collect();
    let embedded = embed(
        net,
        pipeline,
        usize::from(model.base.dense),
        &refs,
        false,
        device,
    )
    .await?;
    Ok(FrameScores::from_windows(
        track.frames,
        &spans,
        &window_scores(model, &embedded),
    ))
}

/// The windows of frames `[start, end)` of `track`: every `stride`, at least one.
pub fn example_windows(
    track: &Sequence,
    start: usize,
    end: usize,
    windows: Windows,
) -> Vec<Sequence> {
    let end = end.min(track.frames);
    if start >= end {
        return Vec::new();
    }
    windows
        .spans(end - start)
        .into_iter()
        .map(|(s, e)| track.select(&(start + s..start + e).collect::<Vec<_>>()))
        .collect()
}

/// A linear head over the embedding fine-tuned on the examples' windows with Burn's autodiff
/// (`device` an autodiff device): started from the prototypes (weights `prototype / T`, bias 0,
/// which labels exactly as the prototypes do), `steps` full-batch AdamW steps of cross-entropy
/// with weight decay towards zero.
#[cfg(feature = "learn")]
pub async fn fine_tune(
    model: &TaughtModel,
    examples: &[Example],
    steps: usize,
    device: &Device,
) -> Result<microact_core::taught::Head, RecognizerError> {
    use burn::module::{Module, Param};
    use burn::nn::loss::CrossEntropyLossConfig;
    use burn::optim::{AdamWConfig, GradientsParams};
    use burn::tensor::{Int, Tensor, TensorData};

    #[derive(Module, Debug)]
    struct Linear {
        weight: Param<Tensor<2>>,
        bias: Param<Tensor<1>>,
    }

    let (n, dim) = (model.labels.len(), model.dim as usize);
    let rows: Vec<(&Vec<f32>, usize)> = examples
        .iter()
        .flat_map(|e| e.windows.iter().map(move |w| (w, e.label)))
        .filter(|(w, l)| w.len() == dim && *l < n)
        .collect();
    let x: Vec<f32> = rows.iter().flat_map(|(w, _)| w.iter().copied()).collect();
    let y: Vec<i64> = rows.iter().map(|(_, l)| *l as i64).collect();
    let x = Tensor::<2>::from_data(TensorData::new(x, [rows.len(), dim]), device);
    let y = Tensor::<1, Int>::from_data(TensorData::new(y.clone(), [y.len()]), device);
    let init: Vec<f32> = model
        .labels
        .iter()
        .flat_map(|l| l.prototype.iter().map(|v| v / model.temperature))
        .collect();
    let mut head = Linear {
        weight: Param::from_tensor(Tensor::from_data(TensorData::new(init, [n, dim]), device)),
        bias: Param::from_tensor(Tensor::zeros([n], device)),
    };
    let mut optim = AdamWConfig::new().with_weight_decay(1e-2).init();
    let loss_fn = CrossEntropyLossConfig::new().init(device);
    let logits = |head: &Linear| {
        x.clone().matmul(head.weight.val().transpose()) + head.bias.val().unsqueeze::<2>()
    };
    for _ in 0..steps {
        let loss = loss_fn.forward(logits(&head), y.clone());
        let grads = GradientsParams::from_grads(loss.backward(), &head);
        head = optim.step(1e-2, head, grads);
    }
    let read = |t: Tensor<2>| async move {
        let data = t.into_data_async().await.map_err(ReadbackError::from)?;
        Ok::<_, RecognizerError>(floats(data)?)
    };
    let predicted = read(logits(&head)).await?;
    let right = predicted
        .chunks_exact(n)
        .zip(&rows)
        .filter(|(p, (_, l))| super::recognizer::argmax(p) == *l)
        .count();
    let weights = read(head.weight.val()).await?;
    let bias = read(head.bias.val().unsqueeze::<2>()).await?;
    Ok(microact_core::taught::Head {
        weights,
        bias,
        steps: steps as u32,
        train_accuracy: right as f32 / rows.len().max(1) as f32,
        loo_accuracy: None,
    })
}

/// Accuracy over N-way K-shot episodes: mean and the half-width of its 95 % interval.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct Episodes {
    pub ways: usize,
    pub shots: usize,
    pub queries: usize,
    pub episodes: usize,
    pub mean: f32,
    pub ci95: f32,
}

/// `count` episodes over `classes` (each a list of unit embeddings, one a clip): `ways`
/// classes drawn, `shots` support clips each as the prototype, up to `queries` other clips
/// each labelled by the nearest prototype. Classes with fewer than `shots + 1` clips are not
/// drawn; `None` when fewer than `ways` remain.
pub fn episodes(
    classes: &[Vec<Vec<f32>>],
    ways: usize,
    shots: usize,
    queries: usize,
    count: usize,
    seed: u64,
    centre: bool,
) -> Option<Episodes> {
    let usable: Vec<&Vec<Vec<f32>>> = classes.iter().filter(|c| c.len() > shots).collect();
    if usable.len() < ways || ways == 0 || count == 0 {
        return None;
    }
    let mut rng = StdRng::seed_from_u64(seed);
    let mut accuracies = Vec::with_capacity(count);
    for _ in 0..count {
        let chosen: Vec<&&Vec<Vec<f32>>> = usable.choose_multiple(&mut rng, ways).collect();
        let mut support: Vec<Vec<&Vec<f32>>> = Vec::with_capacity(ways);
        let mut asked = Vec::new();
        for (c, clips) in chosen.iter().enumerate() {
            let mut order: Vec<usize> = (0..clips.len()).collect();
            order.shuffle(&mut rng);
            support.push(order[..shots].iter().map(|&i| &clips[i]).collect());
            asked.extend(order[shots..].iter().take(queries).map(|&i| (c, &clips[i])));
        }
        let centre = centre.then(|| mean(support.iter().flatten().copied()));
        let view = |v: &Vec<f32>| match &centre {
            Some(c) => unit(v.iter().zip(c).map(|(a, b)| a - b).collect()),
            None => v.clone(),
        };
        let protos: Vec<Option<Vec<f32>>> = support
            .iter()
            .map(|s| centroid(&s.iter().map(|v| view(v)).collect::<Vec<_>>()))
            .collect();
        let right = asked
            .iter()
            .filter(|(c, q)| nearest(&protos, &view(q)).is_some_and(|(p, _)| p == *c))
            .count();
        accuracies.push(right as f32 / asked.len().max(1) as f32);
    }
    let n = accuracies.len() as f32;
    let mean = accuracies.iter().sum::<f32>() / n;
    let var = accuracies.iter().map(|a| (a - mean).powi(2)).sum::<f32>() / (n - 1.0).max(1.0);
    Some(Episodes {
        ways,
        shots,
        queries,
        episodes: count,
        mean,
        ci95: 1.96 * (var / n).sqrt(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> Base {
        Base {
            recognizer: "r".into(),
            sha256: String::new(),
            dense: 1,
        }
    }

    fn around(v: [f32; 3], jitter: f32, k: usize) -> Vec<Vec<f32>> {
        (0..k)
            .map(|i| {
                let j = jitter * (i as f32 - k as f32 / 2.0);
                unit(vec![v[0] + j, v[1] - j, v[2] + 0.5 * j])
            })
            .collect()
    }

    fn examples() -> Vec<Example> {
        let mut out = Vec::new();
        for (label, v) in [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]
            .into_iter()
            .enumerate()
        {
            for k in 0..3 {
                out.push(Example {
                    label,
                    windows: around(v, 0.05 * (k + 1) as f32, 4),
                });
            }
        }
        out
    }

    #[test]
    fn separate_labels_are_learnt_and_checked_without_each_example() {
        let labels = ["a", "b", "c"].map(|l| LabelRef::new("mine", l)).to_vec();
        let m = teach(2, base(), labels, &examples(), WINDOWS, Duration::ZERO).unwrap();
        assert_eq!(m.check.accuracy, Some(1.0));
        assert!(m.check.close.is_empty());
        assert_eq!(m.labels[1].examples, 3);
        assert_eq!(m.labels[1].windows, 12);
        assert!(m.validate().is_ok());
        // A window like `b` is `b`; one between all three is unknown.
        let scores = window_scores(&m, &[unit(vec![0.05, 1.0, 0.0]), unit(vec![1.0, 1.0, 1.0])]);
        assert_eq!(super::super::recognizer::argmax(&scores[0].0), 1);
        assert!(scores[0].1 < 0.5, "{:?}", scores[0]);
        assert!(scores[1].1 > 0.5, "{:?}", scores[1]);
    }

    #[test]
    fn labels_that_look_alike_are_reported_close() {
        let mut ex = examples();
        // `c`'s examples are `b`'s: the check cannot tell them apart.
        let b: Vec<Vec<Vec<f32>>> = ex
            .iter()
            .filter(|e| e.label == 1)
            .map(|e| e.windows.clone())
            .collect();
        for (k, e) in ex.iter_mut().filter(|e| e.label == 2).enumerate() {
            e.windows = b[(k + 1) % b.len()].clone();
        }
        let labels = ["a", "b", "c"].map(|l| LabelRef::new("mine", l)).to_vec();
        let m = teach(1, base(), labels, &ex, WINDOWS, Duration::ZERO).unwrap();
        assert_eq!(m.check.close, vec![[1, 2]]);
        assert!(m.check.accuracy.unwrap() < 1.0);
    }

    #[test]
    fn one_example_a_label_still_teaches() {
        let ex: Vec<Example> = examples().into_iter().step_by(3).collect();
        let labels = ["a", "b", "c"].map(|l| LabelRef::new("mine", l)).to_vec();
        let m = teach(1, base(), labels, &ex, WINDOWS, Duration::ZERO).unwrap();
        assert_eq!(m.check.accuracy, None);
        assert!(m.unknown_distance > 0.0 && m.unknown_distance < 1.0);
        assert_eq!(m.temperature, DEFAULT_TEMPERATURE);
    }

    #[cfg(feature = "learn")]
    #[test]
    fn a_fine_tuned_head_labels_its_examples() {
        let labels = ["a", "b", "c"].map(|l| LabelRef::new("mine", l)).to_vec();
        let ex = examples();
        let mut m = teach(1, base(), labels, &ex, WINDOWS, Duration::ZERO).unwrap();
        let device = Device::autodiff(Device::flex());
        let head = burn::tensor::read_sync(fine_tune(&m, &ex, 50, &device)).unwrap();
        assert_eq!(head.train_accuracy, 1.0);
        assert_eq!((head.weights.len(), head.bias.len()), (9, 3));
        m.head = Some(head);
        assert!(m.validate().is_ok());
        let scores = window_scores(&m, &[unit(vec![0.0, 0.1, 1.0])]);
        assert_eq!(super::super::recognizer::argmax(&scores[0].0), 2);
    }

    #[test]
    fn episodes_score_separable_classes_fully_and_random_ones_by_chance() {
        let clean: Vec<Vec<Vec<f32>>> = examples()
            .chunks(3)
            .map(|c| c.iter().flat_map(|e| e.windows.clone()).collect())
            .collect();
        let e = episodes(&clean, 3, 1, 5, 200, 7, false).unwrap();
        assert_eq!((e.mean, e.ci95), (1.0, 0.0));
        assert!(episodes(&clean, 4, 1, 5, 10, 7, false).is_none());
        let mut rng = StdRng::seed_from_u64(3);
        let noise: Vec<Vec<Vec<f32>>> = (0..5)
            .map(|_| {
                (0..10)
                    .map(|_| {
                        unit(
                            (0..8)
                                .map(|_| rand::Rng::random::<f32>(&mut rng) - 0.5)
                                .collect(),
                        )
                    })
                    .collect()
            })
            .collect();
        let e = episodes(&noise, 5, 1, 5, 400, 1, true).unwrap();
        assert!((e.mean - 0.2).abs() < 3.0 * e.ci95.max(0.02), "{e:?}");
    }
}
