//! A batch of clips into a folder: `<stem>.microact.json` (and each asked format's files) per
//! clip, every file written atomically (a temporary file renamed), and `report.json` saying of
//! each clip done, skipped or failed (with the reason), rewritten after each clip. One bad clip
//! never stops the rest. A clip is skipped when the report says it was done from the same bytes
//! (sha256) by the same models and its files are still as written, so a killed run resumes.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde::{Deserialize, Serialize};
use sha2::Digest;

use crate::analyser::{Analyser, Analysis, hex, sha256_of};
use crate::models::LoadError;
use crate::{Format, Options};

/// The report's file name in the output folder.
pub const REPORT: &str = "report.json";
/// A folder given as input: its files with these extensions (any case).
const VIDEO_EXTENSIONS: [&str; 11] = [
    "mp4", "m4v", "mov", "webm", "mkv", "avi", "mpg", "mpeg", "ogv", "y4m", "ts",
];

/// Why a batch could not run at all (one clip's failure is in its [`Entry`] instead).
#[derive(Debug, thiserror::Error)]
pub enum BatchError {
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the list of clips {} is unreadable: {why}", path.display())]
    Manifest { path: PathBuf, why: String },
    #[error("the models could not be loaded: {0}")]
    Load(#[from] LoadError),
}

fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> BatchError + '_ {
    move |source| BatchError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// What became of one clip.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Done,
    /// Done by an earlier run, from the same bytes with the same models.
    Skipped,
    Failed,
}

/// One clip's line in the report.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// The clip as it was given.
    pub input: PathBuf,
    pub outcome: Outcome,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The files written into the output folder, the project first.
    #[serde(default)]
    pub outputs: Vec<String>,
    #[serde(default)]
    pub frames: u64,
    #[serde(default)]
    pub people: usize,
    /// The clip's length and the time its analysis took, s.
    #[serde(default)]
    pub clip_seconds: f64,
    #[serde(default)]
    pub seconds: f64,
    /// The clip's sha256, and of each output (as `outputs`), hex.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_sha256: Option<String>,
    #[serde(default)]
    pub output_sha256: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model_version: Option<String>,
}

impl Entry {
    fn failed(input: &Path, reason: String) -> Entry {
        Entry {
            input: input.to_path_buf(),
            outcome: Outcome::Failed,
            reason: Some(reason),
            outputs: Vec::new(),
            frames: 0,
            people: 0,
            clip_seconds: 0.0,
            seconds: 0.0,
            content_sha256: None,
            output_sha256: Vec::new(),
            model_version: None,
        }
    }
}

/// The batch's report, as `report.json` holds it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub videos: Vec<Entry>,
}

impl Report {
    pub fn count(&self, outcome: Outcome) -> usize {
        self.videos.iter().filter(|e| e.outcome == outcome).count()
    }

    /// A report read back from `dir`; empty when there is none or it is unreadable (then every
    /// clip is done again).
    pub fn read(dir: &Path) -> Report {
        std::fs::read_to_string(dir.join(REPORT))
            .ok()
            .and_then(|text| serde_json::from_str(&text).ok())
            .unwrap_or_default()
    }
}

/// Where a batch stands, for a progress bar.
#[derive(Clone, Copy, Debug)]
pub enum Progress<'a> {
    /// `done` frames of `input` posed, of about `expected` (0: unknown).
    Frame {
        input: &'a Path,
        done: u64,
        expected: u64,
    },
    /// `input` is finished (its entry says how).
    Finished { input: &'a Path, entry: &'a Entry },
}

/// The project file's name for `input`: `<stem>.microact.json`.
pub fn output_name(input: &Path) -> String {
    let stem = input
        .file_stem()
        .map_or_else(|| "clip".into(), |s| s.to_string_lossy().into_owned());
    format!("{stem}.microact.json")
}

/// The clips `args` name: files; a folder's video files (sorted); or one list file, `.txt` (a
/// path a line, `#` comments) or `.json` (a list of paths), relative paths from its folder.
pub fn read_inputs(args: &[PathBuf]) -> Result<Vec<PathBuf>, BatchError> {
    let mut inputs = Vec::new();
    for arg in args {
        let extension = arg
            .extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase());
        match extension.as_deref() {
            Some("txt") | Some("json") => inputs.extend(read_list(arg)?),
            _ if arg.is_dir() => inputs.extend(videos_in(arg)?),
            _ => inputs.push(arg.clone()),
        }
    }
    Ok(inputs)
}

fn read_list(path: &Path) -> Result<Vec<PathBuf>, BatchError> {
    let text = std::fs::read_to_string(path).map_err(io_error(path))?;
    let names: Vec<String> = if path.extension().is_some_and(|e| e == "json") {
        serde_json::from_str(&text).map_err(|e| BatchError::Manifest {
            path: path.to_path_buf(),
            why: format!("expected a JSON list of paths: {e}"),
        })?
    } else {
        text.lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(String::from)
            .collect()
    };
    let base = path.parent().unwrap_or(Path::new(""));
    Ok(names.into_iter().map(|n| base.join(n)).collect())
}

fn videos_in(dir: &Path) -> Result<Vec<PathBuf>, BatchError> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(io_error(dir))?
        .filter_map(|e| Some(e.ok()?.path()))
        .filter(|p| {
            p.extension().is_some_and(|e| {
                VIDEO_EXTENSIONS.contains(&e.to_string_lossy().to_ascii_lowercase().as_str())
            })
        })
        .collect();
    found.sort();
    Ok(found)
}

/// `bytes` into `dir/name`, whole or not at all: written to a temporary file beside it, then
/// renamed over it.
fn write_atomic(dir: &Path, name: &str, bytes: &[u8]) -> std::io::Result<()> {
    let thread = format!("{:?}", std::thread::current().id());
    let digits: String = thread.chars().filter(char::is_ascii_digit).collect();
    let temporary = dir.join(format!(".{name}.{}-{digits}.tmp", std::process::id()));
    std::fs::write(&temporary, bytes)?;
    std::fs::rename(&temporary, dir.join(name)).inspect_err(|_| {
        let _ = std::fs::remove_file(&temporary);
    })
}

/// The batch's shared state: the clips, what each came to, the report on disk.
struct Batch<'a> {
    inputs: &'a [PathBuf],
    out_dir: &'a Path,
    formats: &'a [Format],
    earlier: Report,
    /// Inputs whose project file name an earlier input has.
    clashing: HashSet<usize>,
    next: AtomicUsize,
    entries: Mutex<Vec<Option<Entry>>>,
    progress: &'a (dyn Fn(Progress<'_>) + Sync),
}

impl Batch<'_> {
    /// Clips taken from the shared queue until none is left.
    fn work(&self, analyser: &mut Analyser) {
        loop {
            let i = self.next.fetch_add(1, Ordering::Relaxed);
            let Some(input) = self.inputs.get(i) else {
                return;
            };
            let entry = self.one(i, input, analyser);
            (self.progress)(Progress::Finished {
                input,
                entry: &entry,
            });
            self.record(i, entry);
        }
    }

    fn one(&self, i: usize, input: &Path, analyser: &mut Analyser) -> Entry {
        if self.clashing.contains(&i) {
            let reason = format!(
                "another clip of the batch is written as {}",
                output_name(input)
            );
            return Entry::failed(input, reason);
        }
        if let Some(done) = self.done_before(input, analyser.model_version()) {
            return done;
        }
        let mut progress = |done, expected| {
            (self.progress)(Progress::Frame {
                input,
                done,
                expected,
            })
        };
        match analyser.analyse_with(input, &mut progress) {
            Ok(analysis) => self.write(input, &analysis),
            Err(e) => Entry::failed(input, e.to_string()),
        }
    }

    /// The earlier run's entry for `input`, as skipped, when it was done from these bytes with
    /// `model_version` and its files are as it wrote them.
    fn done_before(&self, input: &Path, model_version: &str) -> Option<Entry> {
        let earlier = self.earlier.videos.iter().find(|e| {
            e.input == input
                && e.outcome != Outcome::Failed
                && e.model_version.as_deref() == Some(model_version)
                && !e.outputs.is_empty()
                && e.outputs.len() == e.output_sha256.len()
        })?;
        let intact = earlier
            .outputs
            .iter()
            .zip(&earlier.output_sha256)
            .all(|(name, sha)| {
                sha256_of(&self.out_dir.join(name)).is_ok_and(|(have, _)| &have == sha)
            });
        let same_clip = sha256_of(input).ok()?.0;
        (intact && earlier.content_sha256.as_deref() == Some(same_clip.as_str())).then(|| Entry {
            outcome: Outcome::Skipped,
            reason: None,
            ..earlier.clone()
        })
    }

    /// The analysis's project and exports written; its entry.
    fn write(&self, input: &Path, analysis: &Analysis) -> Entry {
        let mut files = vec![(output_name(input), analysis.native_json().into_bytes())];
        for &format in self.formats {
            match analysis.export(format) {
                Ok(exported) => files.extend(exported.files.into_iter().map(|f| (f.name, f.bytes))),
                Err(e) => {
                    let reason = format!("the {} export failed: {e}", format.id());
                    return Entry::failed(input, reason);
                }
            }
        }
        for (name, bytes) in &files {
            if let Err(e) = write_atomic(self.out_dir, name, bytes) {
                return Entry::failed(input, format!("{name} could not be written: {e}"));
            }
        }
        let stats = analysis.stats;
        Entry {
            input: input.to_path_buf(),
            outcome: Outcome::Done,
            reason: None,
            output_sha256: files
                .iter()
                .map(|(_, bytes)| hex(&sha2::Sha256::digest(bytes)))
                .collect(),
            outputs: files.into_iter().map(|(name, _)| name).collect(),
            frames: stats.frames,
            people: stats.people,
            clip_seconds: stats.clip_seconds,
            seconds: stats.seconds,
            content_sha256: Some(analysis.content_sha256.clone()),
            model_version: Some(analysis.model_version.clone()),
        }
    }

    /// Entry `i` kept and the report rewritten: what was finished before a kill is known.
    fn record(&self, i: usize, entry: Entry) {
        let Ok(mut entries) = self.entries.lock() else {
            return;
        };
        entries[i] = Some(entry);
        let report = Report {
            videos: entries.iter().flatten().cloned().collect(),
        };
        // A report that cannot be written costs only the skipping on a rerun.
        let _ = write_report(self.out_dir, &report);
    }
}

/// `report` as `dir/report.json`, written whole or not at all.
pub fn write_report(dir: &Path, report: &Report) -> std::io::Result<()> {
    let text = serde_json::to_string_pretty(report).map_err(std::io::Error::other)?;
    write_atomic(dir, REPORT, text.as_bytes())
}

/// Analyses `inputs` into `out_dir` on `jobs` threads (each its own [`Analyser`]), writing
/// each clip's project and `formats`, and `report.json`; `progress` hears of each frame and
/// each clip finished. Clips done by an earlier run into the same folder are skipped.
pub fn analyse_all(
    inputs: &[PathBuf],
    out_dir: &Path,
    options: &Options,
    formats: &[Format],
    jobs: usize,
    progress: &(dyn Fn(Progress<'_>) + Sync),
) -> Result<Report, BatchError> {
    std::fs::create_dir_all(out_dir).map_err(io_error(out_dir))?;
    let mut names = HashSet::new();
    let clashing = inputs
        .iter()
        .enumerate()
        .filter(|(_, input)| !names.insert(output_name(input)))
        .map(|(i, _)| i)
        .collect();
    let earlier = Report::read(out_dir);
    // Until a clip is finished again, the report keeps what the earlier run said of it.
    let entries = inputs
        .iter()
        .map(|input| earlier.videos.iter().find(|e| &e.input == input).cloned())
        .collect();
    let batch = Batch {
        inputs,
        out_dir,
        formats,
        earlier,
        clashing,
        next: AtomicUsize::new(0),
        entries: Mutex::new(entries),
        progress,
    };
    // Loaded here first: models that cannot load stop the batch before any clip fails for it.
    let mut first = Analyser::new(options)?;
    let threads = jobs.clamp(1, inputs.len().max(1));
    std::thread::scope(|scope| {
        for _ in 1..threads {
            scope.spawn(|| {
                // A thread whose models fail to load leaves its clips to the others.
                if let Ok(mut analyser) = Analyser::new(options) {
                    batch.work(&mut analyser);
                }
            });
        }
        batch.work(&mut first);
    });
    let entries = batch
        .entries
        .into_inner()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let report = Report {
        videos: entries.into_iter().flatten().collect(),
    };
    write_report(out_dir, &report).map_err(io_error(&out_dir.join(REPORT)))?;
    Ok(report)
}

/// One clip analysed into `out_dir` as a batch does it, on its own (a step of someone else's
/// scheduler: a Ray worker's): skipped when the report in `out_dir` says an earlier run made it
/// from these bytes with this analyser's models and its files are intact, else analysed and
/// written whole or not at all. Its entry; the caller keeps the report ([`write_report`]).
pub fn analyse_into(
    analyser: &mut Analyser,
    input: &Path,
    out_dir: &Path,
    formats: &[Format],
) -> Entry {
    if let Err(e) = std::fs::create_dir_all(out_dir) {
        return Entry::failed(input, format!("{}: {e}", out_dir.display()));
    }
    let batch = Batch {
        inputs: &[],
        out_dir,
        formats,
        earlier: Report::read(out_dir),
        clashing: HashSet::new(),
        next: AtomicUsize::new(0),
        entries: Mutex::new(Vec::new()),
        progress: &|_| {},
    };
    batch.one(0, input, analyser)
}
