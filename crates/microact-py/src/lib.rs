//! microact from Python: the `microact._native` extension module (PyO3) over `microact-cli`'s
//! library, wrapped by `python/microact/__init__.py`. The analysis is the CLI's, hence the
//! page's; every call releases the GIL while it decodes and poses, so that threads (and Ray's
//! workers) run side by side. Projects and report entries cross as JSON text, which the Python
//! side parses: one serialisation, the one the page imports.

use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard};

use microact_cli::{Analyser as Inner, Format, Options, People, Recognizer, Report};
use microact_models::action::Augment;
use microact_models::action::datasets::{
    GroupBy, Joints, ProjectOptions, PysklOptions, Source, Split,
};
use microact_models::action::train::{Network, TrainOptions, train_from};
use pyo3::exceptions::{PyOSError, PyRuntimeError, PyValueError};
use pyo3::prelude::*;

/// What a Python caller passes, read into the library's [`Options`].
fn options(
    people: &str,
    recognizer: Option<String>,
    model: Option<PathBuf>,
    models: Option<PathBuf>,
) -> PyResult<Options> {
    let people = match people {
        "one" => People::One,
        "everyone" => People::Everyone,
        other => {
            return Err(PyValueError::new_err(format!(
                "people must be \"one\" or \"everyone\", not {other:?}"
            )));
        }
    };
    let recognizer = match (recognizer, model) {
        (Some(_), Some(_)) => {
            return Err(PyValueError::new_err(
                "give a shipped recognizer or a taught model file, not both",
            ));
        }
        (Some(name), None) => Recognizer::Shipped(name),
        (None, Some(file)) => Recognizer::Taught(file),
        (None, None) => Recognizer::default(),
    };
    let mut options = Options {
        people,
        recognizer,
        ..Options::default()
    };
    if let Some(models) = models {
        options.models = models;
    }
    Ok(options)
}

fn formats(ids: Vec<String>) -> PyResult<Vec<Format>> {
    ids.iter()
        .map(|id| {
            Format::from_id(id)
                .ok_or_else(|| PyValueError::new_err(format!("no export format {id:?}")))
        })
        .collect()
}

fn json_error(e: serde_json::Error) -> PyErr {
    PyRuntimeError::new_err(e.to_string())
}

/// The models loaded once; clips analysed one after another (a second caller waits: the
/// models' buffers are reused from clip to clip).
#[pyclass(module = "microact._native")]
struct Analyser {
    /// Boxed: the CPU kernels' buffers are aligned to 64 bytes, more than Python allocates its
    /// objects with, so the analyser lives on Rust's heap and the Python object holds a pointer.
    inner: Mutex<Box<Inner>>,
}

impl Analyser {
    fn lock(&self) -> PyResult<MutexGuard<'_, Box<Inner>>> {
        self.inner.lock().map_err(|_| {
            PyRuntimeError::new_err("an earlier analysis panicked; make a new Analyser")
        })
    }
}

#[pymethods]
impl Analyser {
    #[new]
    #[pyo3(signature = (people = "one", recognizer = None, model = None, models = None))]
    fn new(
        people: &str,
        recognizer: Option<String>,
        model: Option<PathBuf>,
        models: Option<PathBuf>,
    ) -> PyResult<Self> {
        let options = options(people, recognizer, model, models)?;
        let inner = Inner::new(&options).map_err(|e| PyOSError::new_err(e.to_string()))?;
        Ok(Analyser {
            inner: Mutex::new(Box::new(inner)),
        })
    }

    /// Which models and settings make this analyser's outputs.
    #[getter]
    fn model_version(&self) -> PyResult<String> {
        Ok(self.lock()?.model_version().to_string())
    }

    /// `video` analysed: the project the page would make, as microact's project JSON text.
    fn analyse_json(&self, py: Python<'_>, video: PathBuf) -> PyResult<String> {
        py.allow_threads(|| {
            let analysis = self.lock()?.analyse(&video);
            analysis
                .map(|analysis| analysis.native_json())
                .map_err(|e| PyOSError::new_err(format!("{}: {e}", video.display())))
        })
    }

    /// `video` analysed into `out_dir` as the CLI does it (skipped when an earlier run wrote it
    /// from the same bytes and models; written whole or not at all): its report entry as JSON.
    #[pyo3(signature = (video, out_dir, formats = Vec::new()))]
    fn analyse_into(
        &self,
        py: Python<'_>,
        video: PathBuf,
        out_dir: PathBuf,
        formats: Vec<String>,
    ) -> PyResult<String> {
        let formats = self::formats(formats)?;
        let entry = py.allow_threads(|| {
            let mut inner = self.lock()?;
            Ok::<_, PyErr>(microact_cli::analyse_into(
                &mut inner, &video, &out_dir, &formats,
            ))
        })?;
        serde_json::to_string(&entry).map_err(json_error)
    }
}

/// A batch as the `microact analyse` command runs it, on `jobs` threads: the report as JSON.
#[pyfunction]
#[pyo3(signature = (inputs, out_dir, people = "one", recognizer = None, model = None, models = None, formats = Vec::new(), jobs = 1))]
#[allow(clippy::too_many_arguments)]
fn analyse_all(
    py: Python<'_>,
    inputs: Vec<PathBuf>,
    out_dir: PathBuf,
    people: &str,
    recognizer: Option<String>,
    model: Option<PathBuf>,
    models: Option<PathBuf>,
    formats: Vec<String>,
    jobs: usize,
) -> PyResult<String> {
    let options = options(people, recognizer, model, models)?;
    let formats = self::formats(formats)?;
    let report = py
        .allow_threads(|| {
            microact_cli::analyse_all(&inputs, &out_dir, &options, &formats, jobs, &|_| {})
        })
        .map_err(|e| PyOSError::new_err(e.to_string()))?;
    serde_json::to_string(&report).map_err(json_error)
}

/// `report.json` in `out_dir` from report entries (JSON texts), written whole or not at all.
#[pyfunction]
fn write_report(out_dir: PathBuf, entries: Vec<String>) -> PyResult<()> {
    let videos = entries
        .iter()
        .map(|e| serde_json::from_str(e))
        .collect::<Result<_, _>>()
        .map_err(|e| PyValueError::new_err(format!("not a report entry: {e}")))?;
    microact_cli::write_report(&out_dir, &Report { videos })
        .map_err(|e| PyOSError::new_err(format!("{}: {e}", out_dir.display())))
}

/// The report an earlier batch left in `out_dir` (empty when none), as JSON.
#[pyfunction]
fn read_report(out_dir: PathBuf) -> PyResult<String> {
    serde_json::to_string(&Report::read(&out_dir)).map_err(json_error)
}

/// Trains a recognizer on microact project files (`kind="projects"`: the annotators' own
/// segments over their pose tracks) or a PYSKL/MMAction2 pose pickle (`kind="pyskl"`), as
/// `microact-train train` does; writes its weights, spec and card into `out` and returns the
/// run (card, epochs, files) as JSON.
#[pyfunction]
#[pyo3(signature = (data, out, kind = "projects", layout = None, classes = None, label_set = None, group_by = "segment", train_split = None, test_split = None, split_file = None, test_share = 0.25, seed = 1, epochs = None, name = None, filters = 32, batch = None, lr = None, augment = true))]
#[allow(clippy::too_many_arguments)]
fn train(
    py: Python<'_>,
    data: Vec<PathBuf>,
    out: PathBuf,
    kind: &str,
    layout: Option<String>,
    classes: Option<PathBuf>,
    label_set: Option<String>,
    group_by: &str,
    train_split: Option<String>,
    test_split: Option<String>,
    split_file: Option<PathBuf>,
    test_share: f32,
    seed: u64,
    epochs: Option<usize>,
    name: Option<String>,
    filters: usize,
    batch: Option<usize>,
    lr: Option<f64>,
    augment: bool,
) -> PyResult<String> {
    let names = match (train_split, test_split) {
        (Some(train), Some(test)) => Some((train, test)),
        (None, None) => None,
        _ => {
            return Err(PyValueError::new_err(
                "name both train_split and test_split (of the data, or of split_file), or neither",
            ));
        }
    };
    let split = Split::choose(names, split_file, test_share, seed);
    let joints = layout
        .map(|l| Joints::parse(&l))
        .transpose()
        .map_err(|e| PyValueError::new_err(e.to_string()))?;
    let source = match kind {
        "projects" => Source::Projects {
            paths: data,
            options: ProjectOptions {
                label_set,
                joints,
                split,
                group_by: match group_by {
                    "segment" => GroupBy::Segment,
                    "video" => GroupBy::Video,
                    other => {
                        return Err(PyValueError::new_err(format!(
                            "group_by must be \"segment\" or \"video\", not {other:?}"
                        )));
                    }
                },
            },
        },
        "pyskl" => {
            let [file] = <[PathBuf; 1]>::try_from(data)
                .map_err(|_| PyValueError::new_err("a PYSKL run reads one pickle"))?;
            let mut options = PysklOptions {
                classes,
                split,
                ..PysklOptions::default()
            };
            if let Some(joints) = joints {
                options.joints = joints;
            }
            Source::Pyskl { file, options }
        }
        other => {
            return Err(PyValueError::new_err(format!(
                "kind must be \"projects\" or \"pyskl\", not {other:?}"
            )));
        }
    };
    let mut options = TrainOptions::new(source);
    options.out = out;
    options.name = name;
    options.config.seed = seed;
    options.network = Network::Ddnet { filters };
    if let Some(epochs) = epochs {
        options.config.epochs = epochs;
    }
    if let Some(batch) = batch {
        options.config.batch = batch;
    }
    if let Some(lr) = lr {
        options.config.lr = lr;
    }
    if !augment {
        options.config.augment = Augment::NONE;
    }
    let device = microact_engine::compute::cpu_device();
    let trained = py
        .allow_threads(|| train_from(&options, &device, |_| {}))
        .map_err(|e| PyRuntimeError::new_err(e.to_string()))?;
    serde_json::to_string(&trained).map_err(json_error)
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Analyser>()?;
    m.add_function(wrap_pyfunction!(analyse_all, m)?)?;
    m.add_function(wrap_pyfunction!(write_report, m)?)?;
    m.add_function(wrap_pyfunction!(read_report, m)?)?;
    m.add_function(wrap_pyfunction!(train, m)?)?;
    Ok(())
}
