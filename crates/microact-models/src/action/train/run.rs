//! One training run from a data source to a written card: what `microact-train train` does, as a
//! library call with typed options (for other front ends, such as a Python binding).

use std::path::{Path, PathBuf};
use std::time::Instant;

use burn::tensor::Device;
use serde::{Deserialize, Serialize};

use super::{EpochReport, TrainConfig, train};
use crate::action::card::{self, Card, CardError, EvalOptions};
use crate::action::datasets::{self, DataError, Dataset, Sample, Source};
use crate::action::graph::GraphNetConfig;
use crate::action::recognizer::Classifier;
use crate::action::{DdNetConfig, Layout, Pipeline, RecognizerSpec};
use crate::weights::to_burnpack;

/// Which network to train.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Network {
    /// DD-Net of this width (16: 0.15 M parameters, 32: 0.5 M, 64: 1.8 M).
    Ddnet { filters: usize },
    /// Adaptive graph convolutions (ST-GCN with a learned adjacency), for comparison.
    Graph,
}

impl Network {
    /// Its name in file names and cards (`ddnet32`, `graph`).
    pub fn name(self) -> String {
        match self {
            Network::Ddnet { filters } => format!("ddnet{filters}"),
            Network::Graph => "graph".into(),
        }
    }
}

/// Everything a training run needs.
#[derive(Clone, Debug, PartialEq)]
pub struct TrainOptions {
    pub source: Source,
    pub network: Network,
    /// The pipeline: frames per clip, the shared 13 joints (or the data's own: cannot run on
    /// MoveNet output), the score under which a joint counts as missing.
    pub pipeline: Pipeline,
    pub config: TrainConfig,
    /// Classes left out of training, to measure unknown detection on their test clips.
    pub holdout: Vec<String>,
    /// Penn Action's training clips added from this folder (see [`prepare`]).
    pub with_penn: Option<PathBuf>,
    /// Name of the written files; `<dataset>-<network>-seed<seed>` when `None`.
    pub name: Option<String>,
    pub out: PathBuf,
    /// Write `<out>/<name>.checkpoint.bpk` every this many epochs (0: never).
    pub checkpoint_every: usize,
    pub eval: EvalOptions,
}

impl TrainOptions {
    /// Defaults around `source`: DD-Net 32, the default pipeline and training, files in
    /// `target/recognizers`.
    pub fn new(source: Source) -> TrainOptions {
        TrainOptions {
            source,
            network: Network::Ddnet { filters: 32 },
            pipeline: Pipeline::default(),
            config: TrainConfig::default(),
            holdout: Vec::new(),
            with_penn: None,
            name: None,
            out: PathBuf::from("target/recognizers"),
            checkpoint_every: 10,
            eval: EvalOptions::default(),
        }
    }
}

/// What a run tells its caller while it goes.
#[derive(Debug)]
pub enum Progress<'a> {
    /// The data is read and the model made.
    Start {
        name: &'a str,
        train_clips: usize,
        test_clips: usize,
        classes: usize,
        parameters: usize,
    },
    Epoch(&'a EpochReport),
    /// Something worth saying that does not stop the run.
    Note(String),
}

/// A finished run: its card, each epoch, the files written.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Trained {
    pub card: Card,
    pub epochs: Vec<EpochReport>,
    pub files: Vec<PathBuf>,
}

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error(transparent)]
    Data(#[from] DataError),
    #[error("no class `{class}` in {dataset}")]
    NoClass { class: String, dataset: String },
    #[error("{dataset} has {clips} training clips: too few to train on")]
    TooFewClips { dataset: String, clips: usize },
    #[error(transparent)]
    Card(#[from] CardError),
}

/// A dataset ready to train on: without the held-out classes, whose test clips are kept apart.
#[derive(Clone, Debug)]
pub struct Prepared {
    pub data: Dataset,
    pub layout: Layout,
    pub held_out_test: Vec<Sample>,
}

/// The indices of the classes `names` in `data`; an unknown name is an error naming it.
pub fn class_indices(data: &Dataset, names: &[String]) -> Result<Vec<usize>, RunError> {
    names
        .iter()
        .map(|name| {
            data.classes
                .iter()
                .position(|c| c == name)
                .ok_or_else(|| RunError::NoClass {
                    class: name.clone(),
                    dataset: data.name.clone(),
                })
        })
        .collect()
}

/// `source`'s dataset without the `holdout` classes (known classes renumbered in order), with
/// Penn Action's training clips added from `with_penn`: its classes after the dataset's, a Penn
/// class named like a held-out class left out and one named like a known class joining it (a
/// wider embedding for few-shot learning).
pub fn prepare(
    source: &Source,
    holdout: &[String],
    with_penn: Option<&Path>,
    mut note: impl FnMut(String),
) -> Result<Prepared, RunError> {
    let (mut data, layout) = source.load()?;
    let unknown_classes = class_indices(&data, holdout)?;
    let mut held_out_test = Vec::new();
    if !unknown_classes.is_empty() {
        let kept: Vec<usize> = (0..data.classes.len())
            .filter(|c| !unknown_classes.contains(c))
            .collect();
        let renumber = |s: &Sample| {
            kept.iter()
                .position(|&c| c == s.label)
                .map(|label| Sample { label, ..s.clone() })
        };
        held_out_test = data
            .test
            .iter()
            .filter(|s| unknown_classes.contains(&s.label))
            .cloned()
            .collect();
        data.train = data.train.iter().filter_map(renumber).collect();
        data.test = data.test.iter().filter_map(renumber).collect();
        data.classes = kept.iter().map(|&c| data.classes[c].clone()).collect();
    }
    if let Some(dir) = with_penn {
        let penn = datasets::penn_action(dir)?;
        let mut renumber = Vec::with_capacity(penn.classes.len());
        for class in &penn.classes {
            renumber.push(if holdout.contains(class) {
                None
            } else if let Some(i) = data.classes.iter().position(|c| c == class) {
                Some(i)
            } else {
                data.classes.push(class.clone());
                Some(data.classes.len() - 1)
            });
        }
        let before = data.train.len();
        data.train.extend(penn.train.into_iter().filter_map(|s| {
            let label = renumber[s.label]?;
            Some(Sample { label, ..s })
        }));
        data.name = format!("{}+penn-action", data.name);
        note(format!(
            "with Penn Action: {} more training clips, {} classes in all",
            data.train.len() - before,
            data.classes.len()
        ));
    }
    Ok(Prepared {
        data,
        layout,
        held_out_test,
    })
}

/// Reads `options.source`, trains on its training clips (on `device`, through autodiff),
/// measures the model on its test clips and writes weights, spec and card to `options.out`.
pub fn train_from(
    options: &TrainOptions,
    device: &Device,
    mut progress: impl FnMut(Progress),
) -> Result<Trained, RunError> {
    let prepared = prepare(
        &options.source,
        &options.holdout,
        options.with_penn.as_deref(),
        |n| progress(Progress::Note(n)),
    )?;
    if prepared.data.train.len() < 2 {
        return Err(RunError::TooFewClips {
            dataset: prepared.data.name.clone(),
            clips: prepared.data.train.len(),
        });
    }
    let (data, layout) = (&prepared.data, prepared.layout);
    let pipeline = options.pipeline;
    // The spec records DD-Net's shape whichever network trains (the graph model's width is its own).
    let filters = match options.network {
        Network::Ddnet { filters } => filters,
        Network::Graph => 32,
    };
    let model_config = DdNetConfig::new(pipeline.joints(layout.joints()), data.classes.len())
        .with_filters(filters)
        .with_frames(pipeline.frames);
    let name = options.name.clone().unwrap_or_else(|| {
        format!(
            "{}-{}-seed{}",
            data.name,
            options.network.name(),
            options.config.seed
        )
    });
    let autodiff = Device::autodiff(device.clone());
    autodiff.seed(options.config.seed);
    let run = Run {
        options,
        spec: RecognizerSpec {
            name,
            dataset: data.name.clone(),
            classes: data.classes.clone(),
            layout,
            pipeline,
            model: model_config.clone(),
        },
        prepared: &prepared,
        device,
        autodiff: &autodiff,
    };
    match options.network {
        Network::Ddnet { .. } => run.go(model_config.init(&autodiff), &mut progress),
        Network::Graph => {
            let graph_layout = match pipeline.shared {
                true => Layout::Penn13,
                false => layout,
            };
            run.go(
                GraphNetConfig::new(graph_layout, data.classes.len()).init(&autodiff),
                &mut progress,
            )
        }
    }
}

/// A run's fixed parts, so the network's type is chosen once.
struct Run<'a> {
    options: &'a TrainOptions,
    spec: RecognizerSpec,
    prepared: &'a Prepared,
    device: &'a Device,
    autodiff: &'a Device,
}

impl Run<'_> {
    fn go<M: Classifier>(
        self,
        model: M,
        progress: &mut impl FnMut(Progress),
    ) -> Result<Trained, RunError> {
        let Run {
            options,
            spec,
            prepared,
            device,
            autodiff,
        } = self;
        let data = &prepared.data;
        progress(Progress::Start {
            name: &spec.name,
            train_clips: data.train.len(),
            test_clips: data.test.len(),
            classes: data.classes.len(),
            parameters: model.num_params(),
        });
        let started = Instant::now();
        let checkpoint = options.out.join(format!("{}.checkpoint.bpk", spec.name));
        let (model, epochs) = train(
            model,
            &spec.pipeline,
            &data.train,
            data.classes.len(),
            &options.config,
            autodiff,
            |report, model| {
                if options.checkpoint_every > 0 && report.epoch % options.checkpoint_every == 0 {
                    // A checkpoint that cannot be written is said and training goes on.
                    if let Err(e) =
                        to_burnpack(model)
                            .map_err(|e| e.to_string())
                            .and_then(|bytes| {
                                std::fs::create_dir_all(&options.out)
                                    .and_then(|()| std::fs::write(&checkpoint, bytes))
                                    .map_err(|e| e.to_string())
                            })
                    {
                        progress(Progress::Note(format!(
                            "checkpoint not written ({}): {e}",
                            checkpoint.display()
                        )));
                    }
                }
                progress(Progress::Epoch(report));
            },
        );
        let seconds = started.elapsed().as_secs_f64();
        let model = model.to_device(device);
        let unknown = match prepared.held_out_test.is_empty() {
            true => None,
            false => Some(
                card::unknown_report(
                    &model,
                    &spec,
                    &data.test,
                    &prepared.held_out_test,
                    &options.holdout,
                    device,
                )
                .map_err(CardError::from)?,
            ),
        };
        let name = spec.name.clone();
        let mut card = card::measure(
            &model,
            spec,
            options.network.name(),
            data,
            &options.eval,
            device,
        )?;
        card.train = Some(options.config.clone());
        card.train_seconds = Some(seconds);
        card.epochs_run = Some(epochs.len());
        card.unknown = unknown;
        let files = card::write(&options.out, &name, &model, &card, &epochs)?;
        Ok(Trained {
            card,
            epochs,
            files,
        })
    }
}
