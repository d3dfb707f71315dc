//! A model taught from the annotator's own labels: one prototype per label in a shipped
//! recognizer's embedding space, the distance beyond which a window is unknown, an optional
//! fine-tuned head, and what its leave-one-out check found. Plain data: kept in the project
//! (each teach a new version, undoable), written to and read from a sha256-checked file, and
//! described by a model card. The arithmetic lives in `microact-models` (`action::fewshot`).

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::labels::LabelRef;

/// The name proposals of a taught model give as their source (`Source::Model::name`); the
/// version is `v{version}`.
pub const TAUGHT: &str = "taught";

/// What a file of a taught model says it is.
pub const FILE_FORMAT: &str = "microact-taught-model";

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TaughtModel {
    /// Counts up within a project from 1.
    pub version: u32,
    /// The shipped recognizer whose embedding the prototypes live in.
    pub base: Base,
    /// Sliding windows over a pose track, in the track's frames.
    pub window: u32,
    pub stride: u32,
    /// Embedding width (each prototype's length).
    pub dim: u32,
    pub labels: Vec<TaughtLabel>,
    /// Softmax temperature over negative distances, chosen on the leave-one-out windows.
    pub temperature: f32,
    /// A window farther than this (cosine distance) from every prototype is unknown: the
    /// quantile [`Self::unknown_quantile`] of the labelled windows' distances to their own
    /// label's prototype, each computed without the window's own example.
    pub unknown_distance: f32,
    pub unknown_quantile: f32,
    /// A linear head fine-tuned on the examples' embeddings, used instead of the prototypes'
    /// distances for the label (never for unknown).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub head: Option<Head>,
    pub check: Check,
    /// Milliseconds the teach took, prototypes (and fine-tune when there is a head).
    #[serde(default)]
    pub teach_ms: f64,
}

/// The embedding a taught model was built in.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Base {
    /// Its name in `models/manifest.json`.
    pub recognizer: String,
    /// Its weight file's sha256: a taught model is only used with exactly these weights.
    pub sha256: String,
    /// Fully connected layers applied after pooling (0: pooled convolution features).
    pub dense: u8,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TaughtLabel {
    pub label: LabelRef,
    /// Unit length, `dim` values.
    pub prototype: Vec<f32>,
    /// Segments and windows it was taught from.
    pub examples: u32,
    pub windows: u32,
    /// Share of its examples the others' prototypes label right (`None` with one example).
    pub loo_accuracy: Option<f32>,
}

/// A linear layer over the embedding: `weights` `[labels][dim]` row-major, `bias` `[labels]`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Head {
    pub weights: Vec<f32>,
    pub bias: Vec<f32>,
    pub steps: u32,
    /// Accuracy on the examples' windows after fine-tuning.
    pub train_accuracy: f32,
    /// Leave-one-example-out accuracy of the head (`None` when not measured).
    #[serde(default)]
    pub loo_accuracy: Option<f32>,
}

/// Leave-one-example-out: each example labelled by prototypes built without it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Check {
    /// Over the examples of labels with two or more.
    pub accuracy: Option<f32>,
    /// `[truth][prediction]` over labels, in label order; counts of examples.
    pub confusion: Vec<Vec<u32>>,
    /// Label pairs (indices) too close to tell apart: at least a quarter of the pair's
    /// examples went to the other label.
    pub close: Vec<[u32; 2]>,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TaughtError {
    #[error("this is not a taught model file: {0}")]
    NotAModel(String),
    #[error("the taught model file is damaged: its checksum is {actual}, the file says {expected}")]
    Checksum { expected: String, actual: String },
    #[error("the taught model file is not usable: {0}")]
    Invalid(String),
}

impl TaughtModel {
    /// Proposals' `Source::Model::version` for this model.
    pub fn version_name(&self) -> String {
        format!("v{}", self.version)
    }

    /// Everything a model must satisfy to be used: the labels, widths and numbers agree.
    pub fn validate(&self) -> Result<(), TaughtError> {
        let bad = |what: String| Err(TaughtError::Invalid(what));
        if self.labels.is_empty() {
            return bad("it has no labels".into());
        }
        if self.window == 0 || self.stride == 0 || self.dim == 0 {
            return bad("its window, stride and width must be positive".into());
        }
        let dim = self.dim as usize;
        for l in &self.labels {
            if l.prototype.len() != dim {
                return bad(format!(
                    "the prototype of {} has {} values, not {dim}",
                    l.label.label,
                    l.prototype.len()
                ));
            }
            if l.prototype.iter().any(|v| !v.is_finite()) {
                return bad(format!("the prototype of {} is not finite", l.label.label));
            }
        }
        if !(self.temperature.is_finite() && self.temperature > 0.0) {
            return bad("its temperature must be a positive number".into());
        }
        if !self.unknown_distance.is_finite() {
            return bad("its unknown distance must be a number".into());
        }
        if let Some(h) = &self.head {
            let n = self.labels.len();
            if h.weights.len() != n * dim || h.bias.len() != n {
                return bad(format!(
                    "its head has {} weights and {} biases for {n} labels of width {dim}",
                    h.weights.len(),
                    h.bias.len()
                ));
            }
            if h.weights.iter().chain(&h.bias).any(|v| !v.is_finite()) {
                return bad("its head is not finite".into());
            }
        }
        Ok(())
    }

    /// The file a person exports: the format's name, the model's card, the model and the
    /// sha256 of the model's JSON exactly as written.
    pub fn to_file(&self) -> String {
        let model = serde_json::to_string(self).unwrap_or_default();
        let sha256 = hex(&Sha256::digest(model.as_bytes()));
        let card = serde_json::to_string(&self.card()).unwrap_or_default();
        format!(
            "{{\"format\":\"{FILE_FORMAT}\",\"format_version\":1,\"sha256\":\"{sha256}\",\"card\":{card},\"model\":{model}}}\n"
        )
    }

    /// A model read back from [`Self::to_file`]'s text, its checksum and contents checked.
    pub fn from_file(text: &str) -> Result<TaughtModel, TaughtError> {
        #[derive(Deserialize)]
        struct File<'a> {
            format: String,
            sha256: String,
            #[serde(borrow)]
            model: &'a serde_json::value::RawValue,
        }
        let file: File =
            serde_json::from_str(text).map_err(|e| TaughtError::NotAModel(e.to_string()))?;
        if file.format != FILE_FORMAT {
            return Err(TaughtError::NotAModel(format!(
                "its format is `{}`, not `{FILE_FORMAT}`",
                file.format
            )));
        }
        let actual = hex(&Sha256::digest(file.model.get().as_bytes()));
        if actual != file.sha256 {
            return Err(TaughtError::Checksum {
                expected: file.sha256,
                actual,
            });
        }
        let model: TaughtModel = serde_json::from_str(file.model.get())
            .map_err(|e| TaughtError::Invalid(e.to_string()))?;
        model.validate()?;
        Ok(model)
    }

    /// The model card (Markdown), in the shape of the shipped recognizers' cards: what it is,
    /// what it learnt from, how well it labels its own examples, when it says unknown.
    pub fn card(&self) -> String {
        let pct = |v: Option<f32>| v.map_or("–".to_string(), |a| format!("{:.0} %", 100.0 * a));
        let mut out = format!(
            "# Taught model {}\n\nA few-shot model taught in microact from an annotator's own \
             labels: one prototype per label in the embedding of `{}` (weights sha256 {}, \
             {} dense layers after pooling), windows of {} frames every {}.\n\n\
             ## Labels\n\n| label | set | examples | windows | leave-one-out |\n|---|---|---|---|---|\n",
            self.version_name(),
            self.base.recognizer,
            self.base.sha256,
            self.base.dense,
            self.window,
            self.stride
        );
        for l in &self.labels {
            out += &format!(
                "| {} | {} | {} | {} | {} |\n",
                l.label.label,
                l.label.set,
                l.examples,
                l.windows,
                pct(l.loo_accuracy)
            );
        }
        out += &format!(
            "\nLeave-one-example-out accuracy: {}.\n\n## Unknown\n\nA window farther than \
             {:.3} (cosine distance) from every prototype is unknown: the {:.0}th percentile \
             of the examples' distances to their own label.\n",
            pct(self.check.accuracy),
            self.unknown_distance,
            100.0 * self.unknown_quantile
        );
        if let Some(h) = &self.head {
            out += &format!(
                "\n## Fine-tuned head\n\nA linear head over the embedding, {} steps; accuracy \
                 on the examples' windows {}, leave-one-example-out {}.\n",
                h.steps,
                pct(Some(h.train_accuracy)),
                pct(h.loo_accuracy)
            );
        }
        for [a, b] in &self.check.close {
            let name = |i: &u32| {
                self.labels
                    .get(*i as usize)
                    .map_or("?", |l| l.label.label.as_str())
            };
            out += &format!(
                "\n- {} and {} are too close to tell apart.",
                name(a),
                name(b)
            );
        }
        out += "\n\n## Limits\n\nLearnt from the examples of one project only; it knows \
                nothing outside its labels, and proposals are for a person to accept.\n";
        out
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sample::taught_model as model;

    #[test]
    fn a_file_reads_back_the_same_model() {
        let m = model(3);
        let text = m.to_file();
        assert_eq!(TaughtModel::from_file(&text), Ok(m));
        assert!(text.contains("# Taught model v3"));
    }

    #[test]
    fn a_damaged_file_says_so() {
        let text = model(1)
            .to_file()
            .replace("\"unknown_distance\":0.31", "\"unknown_distance\":0.32");
        assert!(text.contains("0.32"));
        assert!(matches!(
            TaughtModel::from_file(&text),
            Err(TaughtError::Checksum { .. })
        ));
        assert!(matches!(
            TaughtModel::from_file("{\"format\":\"x\",\"sha256\":\"\",\"model\":{}}"),
            Err(TaughtError::NotAModel(_))
        ));
        assert!(matches!(
            TaughtModel::from_file("not json"),
            Err(TaughtError::NotAModel(_))
        ));
    }

    #[test]
    fn a_model_whose_widths_disagree_is_refused() {
        let mut m = model(1);
        m.labels[1].prototype.pop();
        let text = m.to_file();
        assert!(matches!(
            TaughtModel::from_file(&text),
            Err(TaughtError::Invalid(_))
        ));
    }
}
