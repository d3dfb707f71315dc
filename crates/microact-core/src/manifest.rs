//! `models/manifest.json`: the models the app offers, the weight files and what to check them
//! by. Read by the page (names, sizes, accuracy, a recognizer's classes: no model code) and by
//! the models crate (with each network's full description), from the same JSON.

use serde::Deserialize;

use crate::labels::{LabelSet, flat_set};

/// What the page needs of an action recognizer: its dataset and class names.
pub trait Classes {
    /// The dataset it learned from (`penn-action`, `jhmdb14-split1`, …).
    fn dataset(&self) -> &str;
    fn classes(&self) -> &[String];

    /// The id of the project label set its classes are: the dataset without its split, `-` as
    /// `_` (`penn-action` → `penn_action`, `jhmdb14-split1` → `jhmdb14`), as the built-in sets
    /// name them.
    fn label_set_id(&self) -> String {
        let dataset = self.dataset();
        let dataset = dataset.split_once("-split").map_or(dataset, |(d, _)| d);
        dataset.replace('-', "_")
    }

    /// Its classes as labels of [`Self::label_set_id`], in class order.
    fn labels(&self) -> Vec<crate::model::LabelRef> {
        let set = self.label_set_id();
        self.classes()
            .iter()
            .map(|c| crate::model::LabelRef::new(&set, c))
            .collect()
    }

    /// Its classes as a project label set (one level, ids as the dataset spells them).
    fn label_set(&self) -> LabelSet {
        let classes: Vec<&str> = self.classes().iter().map(String::as_str).collect();
        flat_set(&self.label_set_id(), self.dataset(), &classes)
    }
}

/// A recognizer's entry as the page reads it (the JSON's other fields are the network's).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct RecognizerClasses {
    pub dataset: String,
    pub classes: Vec<String>,
}

impl Classes for RecognizerClasses {
    fn dataset(&self) -> &str {
        &self.dataset
    }

    fn classes(&self) -> &[String] {
        &self.classes
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ManifestError {
    #[error("models/manifest.json could not be read: {0}")]
    Parse(String),
    #[error("models/manifest.json lists no model named {0:?}")]
    Unknown(String),
}

/// The list. `R` is what a recognizer's entry says of it and `V` which network a pose model's
/// weights are for: the page reads [`RecognizerClasses`] and the variant's name; the models
/// crate reads its full spec and variant from the same JSON.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(bound(deserialize = "R: Deserialize<'de>, V: Deserialize<'de>"))]
pub struct Manifest<R = RecognizerClasses, V = String> {
    pub version: u32,
    pub models: Vec<ModelEntry<R, V>>,
}

/// One weight file. Fields the app does not use (source, licence, error figures) stay in the
/// JSON for people to read.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(bound(deserialize = "R: Deserialize<'de>, V: Deserialize<'de>"))]
pub struct ModelEntry<R = RecognizerClasses, V = String> {
    pub name: String,
    /// `pose`, later `action`.
    pub task: String,
    /// Which network the pose weights are for.
    pub variant: Option<V>,
    /// File name inside `models/`.
    pub file: String,
    pub sha256: String,
    pub bytes: u64,
    pub licence: String,
    /// For action recognizers: classes, pipeline and network shape.
    #[serde(default)]
    pub recognizer: Option<R>,
    /// How the weights are stored (float16, int8 kernels).
    #[serde(default)]
    pub format: String,
    /// For recognizers: top-1 accuracy on the dataset's test clips, and how many.
    #[serde(default)]
    pub test_top1: Option<f32>,
    #[serde(default)]
    pub test_clips: Option<u32>,
    /// For pose models: keypoints against TF.js on the same weights (float files) or against
    /// the float file (int8 ones).
    #[serde(default)]
    pub error_vs_tfjs: Option<PoseError>,
    #[serde(default)]
    pub error_vs_float: Option<PoseError>,
}

/// Keypoint error of a pose model's file against a reference, in input pixels.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct PoseError {
    #[serde(alias = "worst_px_at_192", alias = "worst_px_at_256")]
    pub worst_px: Option<f32>,
}

impl<R: Classes, V> ModelEntry<R, V> {
    /// What the page says of its accuracy, in a few words.
    pub fn accuracy(&self) -> Option<String> {
        if let (Some(top1), Some(spec)) = (self.test_top1, &self.recognizer) {
            let clips = self
                .test_clips
                .map(|n| format!(", {n} clips"))
                .unwrap_or_default();
            return Some(format!(
                "top-1 {:.1} % on {} test{clips}",
                top1 * 100.0,
                spec.dataset()
            ));
        }
        let (reference, error) = match (&self.error_vs_tfjs, &self.error_vs_float) {
            (Some(e), _) => ("TF.js", e),
            (None, Some(e)) => ("the float file", e),
            (None, None) => return None,
        };
        Some(format!(
            "keypoints within {} px of {reference}",
            error.worst_px?
        ))
    }

    /// Whether its large kernels are int8 (WebGPU runs them expanded to float).
    pub fn is_int8(&self) -> bool {
        self.format.contains("int8")
    }
}

impl<R, V> Manifest<R, V> {
    pub fn parse(text: &str) -> Result<Self, ManifestError>
    where
        Self: serde::de::DeserializeOwned,
    {
        serde_json::from_str(text).map_err(|e| ManifestError::Parse(e.to_string()))
    }

    pub fn get(&self, name: &str) -> Result<&ModelEntry<R, V>, ManifestError> {
        self.models
            .iter()
            .find(|m| m.name == name)
            .ok_or_else(|| ManifestError::Unknown(name.to_string()))
    }

    /// The action recognizers (entries with a spec).
    pub fn action_models(&self) -> impl Iterator<Item = (&ModelEntry<R, V>, &R)> {
        self.models
            .iter()
            .filter(|m| m.task == "action")
            .filter_map(|m| Some((m, m.recognizer.as_ref()?)))
    }

    /// The pose models (entries with a variant).
    pub fn pose_models(&self) -> impl Iterator<Item = (&ModelEntry<R, V>, V)>
    where
        V: Clone,
    {
        self.models
            .iter()
            .filter(|m| m.task == "pose")
            .filter_map(|m| Some((m, m.variant.clone()?)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shipped() -> String {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models");
        std::fs::read_to_string(root.join("manifest.json")).unwrap()
    }

    #[test]
    fn the_page_reads_every_shipped_model_and_its_accuracy() {
        let manifest: Manifest = Manifest::parse(&shipped()).unwrap();
        for entry in &manifest.models {
            assert!(
                entry.accuracy().is_some(),
                "{} has no accuracy figure",
                entry.name
            );
            assert_eq!(
                entry.is_int8(),
                entry.name.ends_with("-q8"),
                "{}",
                entry.name
            );
        }
        let penn = manifest.get("penn-ddnet").unwrap();
        assert_eq!(
            penn.accuracy().unwrap(),
            "top-1 98.4 % on penn-action test, 1068 clips"
        );
        let spec = penn.recognizer.as_ref().unwrap();
        assert_eq!(spec.label_set_id(), "penn_action");
        assert_eq!(spec.label_set().id, "penn_action");
        assert_eq!(manifest.pose_models().count(), 4);
        assert_eq!(
            manifest.get("nothing").unwrap_err().to_string(),
            "models/manifest.json lists no model named \"nothing\""
        );
    }
}
