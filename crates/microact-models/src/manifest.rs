//! `models/manifest.json` as the models crate reads it: the catalogue of `microact_core`, with
//! each recognizer's full spec and each pose model's network.

use crate::action::RecognizerSpec;
use crate::pose::net::Variant;

pub use microact_core::manifest::{Classes, ManifestError, PoseError};

pub type Manifest = microact_core::manifest::Manifest<RecognizerSpec, Variant>;
pub type ModelEntry = microact_core::manifest::ModelEntry<RecognizerSpec, Variant>;

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
