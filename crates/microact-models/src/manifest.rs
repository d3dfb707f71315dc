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
