//! The models a native analysis runs: their folder found, the manifest read, MoveNet and the
//! recognizer (shipped, or a taught model over its shipped base) loaded on the CPU as the engine
//! loads them, and the version that says which models made an output.

use std::path::{Path, PathBuf};

use microact_core::labels::{self, LabelSet};
use microact_core::taught::{TaughtError, TaughtModel};
use microact_engine::EngineError;
use microact_engine::live;
use microact_engine::teach::check_base;
use microact_models::burn::tensor::Device;
use microact_models::manifest::{Manifest, ManifestError};
use microact_models::pose::PoseNet;
use microact_protocol::Backend;

use crate::Recognizer;

/// The environment variable naming the models' folder.
pub const MODELS_ENV: &str = "MICROACT_MODELS";

/// Why the models could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("{}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the model list {} is unreadable: {source}", path.display())]
    Manifest {
        path: PathBuf,
        source: ManifestError,
    },
    #[error("the taught model {} is unreadable: {source}", path.display())]
    Taught { path: PathBuf, source: TaughtError },
    #[error(transparent)]
    Engine(#[from] EngineError),
}

/// Where the models are: `$MICROACT_MODELS`, else a `models` folder beside the binary (or one
/// level up, for `bin/`), else the repository's.
pub fn default_models_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os(MODELS_ENV) {
        return PathBuf::from(dir);
    }
    let beside_binary = std::env::current_exe().ok().and_then(|exe| {
        exe.ancestors()
            .skip(1)
            .take(2)
            .map(|dir| dir.join("models"))
            .find(|dir| dir.join("manifest.json").is_file())
    });
    beside_binary.unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models"))
}

fn read(path: &Path) -> Result<Vec<u8>, LoadError> {
    std::fs::read(path).map_err(|source| LoadError::Read {
        path: path.to_path_buf(),
        source,
    })
}

/// The manifest and the folder it is in.
pub(crate) struct Models {
    dir: PathBuf,
    pub manifest: Manifest,
}

impl Models {
    pub fn open(dir: &Path) -> Result<Models, LoadError> {
        let path = dir.join("manifest.json");
        let text = String::from_utf8_lossy(&read(&path)?).into_owned();
        let manifest =
            Manifest::parse(&text).map_err(|source| LoadError::Manifest { path, source })?;
        Ok(Models {
            dir: dir.to_path_buf(),
            manifest,
        })
    }

    fn weights(&self, model: &str) -> Result<Vec<u8>, LoadError> {
        let entry = self.manifest.get(model).map_err(EngineError::from)?;
        read(&self.dir.join(&entry.file))
    }

    /// Pose network `model` packed for the CPU kernels, as the engine runs it on the CPU.
    pub fn pose(&self, model: &str, device: &Device) -> Result<PoseNet, LoadError> {
        let bytes = self.weights(model)?;
        Ok(microact_engine::pose::load(
            &self.manifest,
            model,
            bytes,
            Backend::Cpu,
            device,
        )?)
    }

    fn shipped(&self, name: &str, device: &Device) -> Result<live::Recognizer, LoadError> {
        let bytes = self.weights(name)?;
        Ok(live::Recognizer::load(
            &self.manifest,
            name,
            Backend::Cpu,
            bytes,
            device,
        )?)
    }

    /// The recognizer `choice` loaded on `device`.
    pub fn scorer(&self, choice: &Recognizer, device: &Device) -> Result<Scorer, LoadError> {
        match choice {
            Recognizer::Shipped(name) => Ok(Scorer::Shipped(self.shipped(name, device)?)),
            Recognizer::Taught(path) => {
                let text = String::from_utf8_lossy(&read(path)?).into_owned();
                let model = TaughtModel::from_file(&text).map_err(|source| LoadError::Taught {
                    path: path.clone(),
                    source,
                })?;
                let base = self.shipped(&model.base.recognizer, device)?;
                check_base(&model, &base).map_err(EngineError::from)?;
                let labels = taught_labels(&model);
                Ok(Scorer::Taught {
                    model: Box::new(model),
                    base,
                    labels,
                })
            }
        }
    }
}

/// What scores each person: a shipped recognizer, or a taught model over its base.
pub(crate) enum Scorer {
    Shipped(live::Recognizer),
    Taught {
        model: Box<TaughtModel>,
        base: live::Recognizer,
        /// The label set its proposals are in (the page takes it from the project).
        labels: LabelSet,
    },
}

impl Scorer {
    /// What identifies the recognizer's weights (a proposal's source names the same).
    pub fn version(&self) -> String {
        match self {
            Scorer::Shipped(r) => format!("{}@{}", r.name, r.version),
            Scorer::Taught { model, base, .. } => {
                format!("taught {}@{}", model.version_name(), base.version)
            }
        }
    }
}

/// A taught model's labels as a label set: the built-in set of that id (JHMDB-14, Penn Action,
/// MA-52), else a flat set of its labels.
fn taught_labels(model: &TaughtModel) -> LabelSet {
    let set = model
        .labels
        .first()
        .map_or(microact_core::taught::TAUGHT, |l| l.label.set.as_str());
    if let Some(builtin) = labels::builtin().into_iter().find(|s| s.id == set) {
        return builtin;
    }
    let names: Vec<&str> = model
        .labels
        .iter()
        .filter(|l| l.label.set == set)
        .map(|l| l.label.label.as_str())
        .collect();
    labels::flat_set(set, set, &names)
}
