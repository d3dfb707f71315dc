//! A trained recognizer as it ships: its description (classes, pipeline, network shape), read
//! from JSON, and its weights.

use burn::tensor::{Device, Tensor};
use microact_core::manifest::Classes;
use serde::{Deserialize, Serialize};

use super::ddnet::{DdNet, DdNetConfig};
use super::features::{Batch, Features};
use super::joints::Layout;
use super::pipeline::Pipeline;
use super::sequence::Sequence;
use crate::readback::{ReadbackError, floats};
use crate::weights::{WeightsError, load_checked};

/// Everything needed to rebuild a recognizer around its weights.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RecognizerSpec {
    pub name: String,
    /// The dataset it learned from (`penn-action`, `jhmdb14-split1`, …).
    pub dataset: String,
    pub classes: Vec<String>,
    /// The skeleton layout of its training data.
    pub layout: Layout,
    pub pipeline: Pipeline,
    pub model: DdNetConfig,
}

/// Why a recognizer's description cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum SpecError {
    #[error("the recognizer's description is not valid: {0}")]
    Json(#[from] serde_json::Error),
    #[error("{names} class names for a network of {classes} classes")]
    Classes { names: usize, classes: usize },
}

impl RecognizerSpec {
    pub fn parse(text: &str) -> Result<RecognizerSpec, SpecError> {
        let spec: RecognizerSpec = serde_json::from_str(text)?;
        if spec.classes.len() != spec.model.classes {
            return Err(SpecError::Classes {
                names: spec.classes.len(),
                classes: spec.model.classes,
            });
        }
        Ok(spec)
    }

    /// The network with the weights of `file` (its bytes, whose sha256 must be `sha256`).
    pub fn load(
        &self,
        file: &str,
        bytes: Vec<u8>,
        sha256: &str,
        device: &Device,
    ) -> Result<DdNet, WeightsError> {
        load_checked(self.model.init(device), file, bytes, sha256)
    }
}

impl Classes for RecognizerSpec {
    fn dataset(&self) -> &str {
        &self.dataset
    }

    fn classes(&self) -> &[String] {
        &self.classes
    }
}

/// A network that scores a batch of clips.
pub trait Classifier: burn::module::Module {
    /// Class logits `[batch, classes]`.
    fn logits(&self, batch: Batch) -> Tensor<2>;
}

impl Classifier for DdNet {
    fn logits(&self, batch: Batch) -> Tensor<2> {
        self.forward(batch)
    }
}

impl Classifier for super::graph::GraphNet {
    fn logits(&self, batch: Batch) -> Tensor<2> {
        self.forward(batch)
    }
}

/// The recognizer's output could not be read back from the device.
#[derive(Debug, thiserror::Error)]
#[error("the recognizer's output could not be read back: {0}")]
pub struct RecognizerError(#[from] pub ReadbackError);

/// Class logits for each of `clips`, `[n][classes]`, averaged with those of the mirror images
/// if `mirror`; computed on `model`'s `device` in batches of 256, one asynchronous readback a
/// batch (natively: `burn::tensor::read_sync`).
pub async fn logits(
    model: &impl Classifier,
    pipeline: &Pipeline,
    clips: &[&Sequence],
    mirror: bool,
    device: &Device,
) -> Result<Vec<Vec<f32>>, RecognizerError> {
    rows(pipeline, clips, mirror, device, |batch| model.logits(batch)).await
}

/// One row of `network` a clip, for each of `clips` (`[n][width]`), averaged with the mirror
/// images' rows if `mirror`; in batches of 256 on `device`, one asynchronous readback a batch.
pub async fn rows(
    pipeline: &Pipeline,
    clips: &[&Sequence],
    mirror: bool,
    device: &Device,
    network: impl Fn(Batch) -> Tensor<2>,
) -> Result<Vec<Vec<f32>>, RecognizerError> {
    let views: &[bool] = if mirror { &[false, true] } else { &[false] };
    let mut out: Vec<Vec<f32>> = Vec::with_capacity(clips.len());
    for chunk in clips.chunks(256) {
        let mut sum: Option<Tensor<2>> = None;
        for &view in views {
            let features: Vec<Features> =
                chunk.iter().map(|s| pipeline.features(s, view)).collect();
            let Some(batch) = Batch::new(&features, device) else {
                continue;
            };
            let l = network(batch);
            sum = Some(match sum {
                Some(s) => s + l,
                None => l,
            });
        }
        if let Some(sum) = sum {
            let [n, width] = sum.dims();
            let data = (sum / views.len() as f32)
                .into_data_async()
                .await
                .map_err(ReadbackError::from)?;
            let values = floats(data)?;
            out.extend(values.chunks_exact(width).take(n).map(<[f32]>::to_vec));
        }
    }
    Ok(out)
}

/// Index of the largest value.
pub fn argmax(values: &[f32]) -> usize {
    values
        .iter()
        .enumerate()
        .max_by(|a, b| a.1.total_cmp(b.1))
        .map_or(0, |(i, _)| i)
}

/// Probabilities from logits.
pub fn softmax(logits: &[f32]) -> Vec<f32> {
    let top = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let exp: Vec<f32> = logits.iter().map(|l| (l - top).exp()).collect();
    let sum: f32 = exp.iter().sum();
    exp.iter().map(|e| e / sum).collect()
}

/// How strongly a clip looks like none of the known classes, two baselines from logits:
/// `1 − max softmax` (Hendrycks & Gimpel 2017) and the free energy `−log Σ exp(logit)`
/// (Liu et al. 2020); higher is more unknown.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Unknown {
    pub max_softmax: f32,
    pub energy: f32,
}

impl Unknown {
    pub fn from_logits(logits: &[f32]) -> Unknown {
        let top = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        let log_sum = top + logits.iter().map(|l| (l - top).exp()).sum::<f32>().ln();
        let best = softmax(logits).into_iter().fold(0.0, f32::max);
        Unknown {
            max_softmax: 1.0 - best,
            energy: -log_sum,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_scores_rise_as_logits_flatten() {
        let sure = Unknown::from_logits(&[10.0, 0.0, 0.0]);
        let unsure = Unknown::from_logits(&[1.0, 1.0, 1.0]);
        assert!(sure.max_softmax < unsure.max_softmax);
        assert!((unsure.max_softmax - 2.0 / 3.0).abs() < 1e-6);
        assert!((unsure.energy + (1.0 + 3f32.ln())).abs() < 1e-5);
        assert!(sure.energy < unsure.energy);
        assert_eq!(argmax(&softmax(&[0.0, 3.0, 1.0])), 1);
    }

    #[test]
    fn label_set_ids_are_the_built_in_sets_names() {
        let manifest = std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models/manifest.json"),
        )
        .unwrap();
        let manifest = crate::manifest::Manifest::parse(&manifest).unwrap();
        let mut spec = manifest
            .get("penn-ddnet")
            .unwrap()
            .recognizer
            .clone()
            .unwrap();
        assert_eq!(spec.label_set_id(), "penn_action");
        spec.dataset = "jhmdb14-split1".into();
        assert_eq!(spec.label_set_id(), "jhmdb14");
    }
}
