//! `models/manifest.json`: what weight files the app can fetch, with what to check them by.

use serde::Deserialize;

use crate::action::RecognizerSpec;
use crate::pose::net::Variant;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ManifestError {
    #[error("models/manifest.json could not be read: {0}")]
    Parse(String),
    #[error("models/manifest.json lists no model named {0:?}")]
    Unknown(String),
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Manifest {
    pub version: u32,
    pub models: Vec<ModelEntry>,
}

/// One weight file. Fields the app does not use (source, licence, error figures) stay in the
/// JSON for people to read.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ModelEntry {
    pub name: String,
    /// `pose`, later `action`.
    pub task: String,
    /// Which network the pose weights are for.
    pub variant: Option<Variant>,
    /// File name inside `models/`.
    pub file: String,
    pub sha256: String,
    pub bytes: u64,
    pub licence: String,
    /// For action recognizers: classes, pipeline and network shape.
    #[serde(default)]
    pub recognizer: Option<RecognizerSpec>,
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

impl ModelEntry {
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
                spec.dataset
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

impl Manifest {
    pub fn parse(text: &str) -> Result<Self, ManifestError> {
        serde_json::from_str(text).map_err(|e| ManifestError::Parse(e.to_string()))
    }

    pub fn get(&self, name: &str) -> Result<&ModelEntry, ManifestError> {
        self.models
            .iter()
            .find(|m| m.name == name)
            .ok_or_else(|| ManifestError::Unknown(name.to_string()))
    }

    /// The action recognizers (entries with a spec).
    pub fn action_models(&self) -> impl Iterator<Item = (&ModelEntry, &RecognizerSpec)> {
        self.models
            .iter()
            .filter(|m| m.task == "action")
            .filter_map(|m| Some((m, m.recognizer.as_ref()?)))
    }

    /// The pose models (entries with a variant).
    pub fn pose_models(&self) -> impl Iterator<Item = (&ModelEntry, Variant)> {
        self.models
            .iter()
            .filter(|m| m.task == "pose")
            .filter_map(|m| Some((m, m.variant?)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_shipped_model_says_how_accurate_it_is() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models");
        let manifest =
            Manifest::parse(&std::fs::read_to_string(root.join("manifest.json")).unwrap()).unwrap();
        for entry in &manifest.models {
            let said = entry.accuracy();
            assert!(said.is_some(), "{} has no accuracy figure", entry.name);
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
    }

    #[test]
    fn the_shipped_manifest_lists_four_pose_models_whose_files_match() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models");
        let text = std::fs::read_to_string(root.join("manifest.json")).unwrap();
        let manifest = Manifest::parse(&text).unwrap();
        let pose: Vec<_> = manifest.pose_models().collect();
        assert_eq!(pose.len(), 4);
        for (entry, _) in pose {
            let bytes = std::fs::read(root.join(&entry.file)).unwrap();
            assert_eq!(bytes.len() as u64, entry.bytes, "{}", entry.name);
            assert_eq!(
                crate::weights::sha256_hex(&bytes),
                entry.sha256,
                "{}",
                entry.name
            );
        }
        assert_eq!(
            manifest.get("nothing").unwrap_err().to_string(),
            "models/manifest.json lists no model named \"nothing\""
        );
    }
}
