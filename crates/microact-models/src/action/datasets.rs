//! Readers for the skeleton datasets the recognizers are trained on (`train` feature only):
//! Penn Action's MATLAB label files and JHMDB's ground-truth joints as DD-Net's pickles here;
//! MMAction2/PYSKL pose pickles, folders of microact projects, joint layouts described in a file
//! and made splits in the submodules. [`Source`] names any of them.

mod joint_map;
mod projects;
mod pyskl;
mod split;

use std::path::{Path, PathBuf};

pub use joint_map::{JointMap, Joints};
pub use projects::{GroupBy, ProjectOptions, projects};
pub use pyskl::{PysklOptions, pyskl};
pub use split::{Split, stratified};

use microact_core::formats::mmaction::pickle::{self, Node};

use super::joints::Layout;
use super::sequence::Sequence;

/// One labelled clip.
#[derive(Clone, Debug)]
pub struct Sample {
    /// Where it came from (file stem or index in the pickle).
    pub name: String,
    /// The clip or subject it belongs to: a made split never puts one group on both sides.
    pub group: String,
    pub label: usize,
    pub seq: Sequence,
}

/// A dataset split into its official train and test parts.
#[derive(Clone, Debug)]
pub struct Dataset {
    pub name: String,
    pub classes: Vec<String>,
    pub train: Vec<Sample>,
    pub test: Vec<Sample>,
}

#[derive(Debug, thiserror::Error)]
pub enum DataError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Format { path: PathBuf, message: String },
    #[error("{path}: compressed element at byte {at}: {source}")]
    Inflate {
        path: PathBuf,
        at: usize,
        source: flate2::DecompressError,
    },
}

/// Where a training run's clips come from, with how to read them.
#[derive(Clone, Debug, PartialEq)]
pub enum Source {
    /// Penn Action's folder (see [`penn_action`]).
    PennAction { dir: PathBuf },
    /// JHMDB-14's DD-Net pickles and official split 1–3 (see [`jhmdb`]).
    Jhmdb14 { dir: PathBuf, split: u8 },
    /// microact project files, or folders of them (see [`projects`]).
    Projects {
        paths: Vec<PathBuf>,
        options: ProjectOptions,
    },
    /// An MMAction2/PYSKL pose pickle (see [`pyskl`]).
    Pyskl {
        file: PathBuf,
        options: PysklOptions,
    },
}

impl Source {
    /// The dataset, split, and the joint layout of its sequences.
    pub fn load(&self) -> Result<(Dataset, Layout), DataError> {
        match self {
            Source::PennAction { dir } => penn_action(dir).map(|d| (d, Layout::Penn13)),
            Source::Jhmdb14 { dir, split } => jhmdb(dir, *split).map(|d| (d, Layout::Jhmdb15)),
            Source::Projects { paths, options } => projects(paths, options),
            Source::Pyskl { file, options } => pyskl(file, options),
        }
    }
}

fn read(path: &Path) -> Result<Vec<u8>, DataError> {
    std::fs::read(path).map_err(|source| DataError::Io {
        path: path.to_owned(),
        source,
    })
}

/// A dataset named after its file or folder (`fallback` where the path has no name).
fn named_after(path: &Path, fallback: &str) -> String {
    path.file_stem()
        .map_or_else(|| fallback.into(), |s| s.to_string_lossy().into_owned())
}

fn bad(path: &Path, message: impl Into<String>) -> DataError {
    DataError::Format {
        path: path.to_owned(),
        message: message.into(),
    }
}

/// Penn Action from its folder (the one holding `labels/`, or a folder of label files): every
/// `.mat` file, split by the files' own `train` flag (1258 / 1068 in the full set). Classes sorted by name; joints visible score 1, the
/// others 0 (their coordinates are the annotators' guesses).
pub fn penn_action(root: &Path) -> Result<Dataset, DataError> {
    let dir = match root.join("labels") {
        labels if labels.is_dir() => labels,
        _ => root.to_owned(),
    };
    let entries = std::fs::read_dir(&dir).map_err(|source| DataError::Io {
        path: dir.clone(),
        source,
    })?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "mat"))
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(bad(&dir, "no .mat label files"));
    }
    let mut clips = Vec::new();
    for path in &files {
        clips.push(penn_clip(path)?);
    }
    let mut classes: Vec<String> = clips.iter().map(|c| c.1.clone()).collect();
    classes.sort();
    classes.dedup();
    let mut data = Dataset {
        name: "penn-action".into(),
        classes,
        train: Vec::new(),
        test: Vec::new(),
    };
    for (name, action, train, seq) in clips {
        let label = data.classes.iter().position(|c| *c == action).unwrap_or(0);
        let sample = Sample {
            group: name.clone(),
            name,
            label,
            seq,
        };
        if train {
            data.train.push(sample)
        } else {
            data.test.push(sample)
        }
    }
    Ok(data)
}

/// One Penn Action label file: (name, action, in the training split, joints).
pub fn penn_clip(path: &Path) -> Result<(String, String, bool, Sequence), DataError> {
    let bytes = inflate_elements(path, &read(path)?)?;
    // matrw panics on some malformed input; a damaged file is an error here, not a crash.
    let mat = std::panic::catch_unwind(|| matrw::load_matfile_from_u8(&bytes))
        .map_err(|_| bad(path, "not a readable MAT file"))?
        .map_err(|e| bad(path, format!("not a MAT file: {e:?}")))?;
    let action: String = mat["action"]
        .to_vec_char()
        .ok_or_else(|| bad(path, "no `action` text"))?
        .into_iter()
        .collect();
    let flag = &mat["train"];
    let train = flag
        .to_i32()
        .map(f64::from)
        .or_else(|| flag.to_f64())
        .or_else(|| flag.to_u8().map(f64::from))
        .ok_or_else(|| bad(path, "no `train` flag"))?;
    let column_major = |name: &str| -> Result<(Vec<f64>, usize), DataError> {
        let v = &mat[name];
        let dim = v.dim();
        let values = v
            .to_vec_f64()
            .or_else(|| {
                v.to_vec_u8()
                    .map(|x| x.into_iter().map(f64::from).collect())
            })
            .or_else(|| {
                v.to_vec_bool()
                    .map(|x| x.into_iter().map(|b| f64::from(u8::from(b))).collect())
            })
            .ok_or_else(|| bad(path, format!("no numeric `{name}`")))?;
        match dim[..] {
            [frames, 13] if values.len() == frames * 13 => Ok((values, frames)),
            _ => Err(bad(path, format!("`{name}` is {dim:?}, not frames × 13"))),
        }
    };
    let (x, frames) = column_major("x")?;
    let (y, _) = column_major("y")?;
    let (visible, vis_frames) = column_major("visibility")?;
    if mat["y"].dim() != mat["x"].dim() || vis_frames != frames {
        return Err(bad(path, "x, y and visibility differ in size"));
    }
    let at = |f: usize, j: usize| j * frames + f;
    let xy = (0..frames * 13)
        .map(|i| [x[at(i / 13, i % 13)] as f32, y[at(i / 13, i % 13)] as f32])
        .collect();
    let score = (0..frames * 13)
        .map(|i| visible[at(i / 13, i % 13)].clamp(0.0, 1.0) as f32)
        .collect();
    let seq = Sequence::new(Layout::Penn13, xy, score).ok_or_else(|| bad(path, "no frames"))?;
    let name = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    Ok((name, action, train > 0.0, seq))
}

/// A MAT v5 file with its compressed elements inflated. MATLAB wrote two of Penn Action's files
/// (1605, 1833) with deflate streams that stop before their final block although every byte of
/// the element is there; strict readers (matrw, flate2's readers) refuse them.
fn inflate_elements(path: &Path, bytes: &[u8]) -> Result<Vec<u8>, DataError> {
    const COMPRESSED: u32 = 15;
    let word = |at: usize| {
        bytes
            .get(at..at + 4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    };
    if bytes.len() < 128 || &bytes[126..128] != b"IM" {
        return Err(bad(path, "not a little-endian MAT v5 file"));
    }
    let mut out = bytes[..128].to_vec();
    let mut at = 128;
    while at + 8 <= bytes.len() {
        let (Some(kind), Some(size)) = (word(at), word(at + 4)) else {
            break;
        };
        let end = at + 8 + size as usize;
        let body = bytes
            .get(at + 8..end)
            .ok_or_else(|| bad(path, "an element runs past the end of the file"))?;
        if kind != COMPRESSED {
            out.extend_from_slice(&bytes[at..end]);
        } else {
            let mut inflater = flate2::Decompress::new(true);
            let mut element = Vec::with_capacity(body.len() * 8);
            loop {
                element.reserve(64 * 1024);
                let before = inflater.total_in();
                let status = inflater
                    .decompress_vec(
                        &body[inflater.total_in() as usize..],
                        &mut element,
                        flate2::FlushDecompress::None,
                    )
                    .map_err(|source| DataError::Inflate {
                        path: path.to_owned(),
                        at,
                        source,
                    })?;
                if status == flate2::Status::StreamEnd
                    || (inflater.total_in() == before && element.len() < element.capacity())
                {
                    break;
                }
            }
            let declared = element
                .get(4..8)
                .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize + 8);
            match declared {
                Some(n) if n <= element.len() => out.extend_from_slice(&element[..n]),
                _ => {
                    return Err(bad(
                        path,
                        format!("compressed element at byte {at} is cut short"),
                    ));
                }
            }
        }
        at = end;
    }
    Ok(out)
}

/// JHMDB's 14 classes as DD-Net's pickles name them, in the order used for labels.
pub const JHMDB14: [&str; 14] = [
    "catch", "clap", "golf", "jump", "pick", "pour", "pullup", "push", "run", "sit", "stand",
    "throw", "walk", "wave",
];

/// JHMDB-14 official split `split` (1–3) from DD-Net's `GT_{train,test}_{split}.pkl` in `dir`.
pub fn jhmdb(dir: &Path, split: u8) -> Result<Dataset, DataError> {
    let part = |which: &str| jhmdb_pickle(&dir.join(format!("GT_{which}_{split}.pkl")));
    Ok(Dataset {
        name: format!("jhmdb14-split{split}"),
        classes: JHMDB14.iter().map(|s| s.to_string()).collect(),
        train: part("train")?,
        test: part("test")?,
    })
}

/// One of DD-Net's JHMDB pickles: `{'pose': [float (T, 15, 2)], 'label': [str]}`.
pub fn jhmdb_pickle(path: &Path) -> Result<Vec<Sample>, DataError> {
    let pickled = read_pickle(path)?;
    jhmdb_part(path, &pickled, pickled.root)
}

fn read_pickle(path: &Path) -> Result<pickle::Pickle, DataError> {
    pickle::read(&read(path)?).map_err(|e| bad(path, format!("byte {}: {}", e.at, e.message)))
}

/// A pickle holding both parts in DD-Net's format: `{'train': {...}, 'test': {...}}` (the
/// project's small JHMDB fixture).
pub fn jhmdb_parts(path: &Path) -> Result<Dataset, DataError> {
    let pickled = read_pickle(path)?;
    let part = |key: &str| {
        let id = pickled
            .field(pickled.root, key)
            .ok_or_else(|| bad(path, format!("no `{key}` part")))?;
        jhmdb_part(path, &pickled, id)
    };
    Ok(Dataset {
        name: "jhmdb14".into(),
        classes: JHMDB14.iter().map(|s| s.to_string()).collect(),
        train: part("train")?,
        test: part("test")?,
    })
}

fn jhmdb_part(
    path: &Path,
    pickled: &pickle::Pickle,
    dict: usize,
) -> Result<Vec<Sample>, DataError> {
    let list = |key: &str| match pickled.field(dict, key).map(|id| pickled.get(id)) {
        Some(Node::List(items)) => Ok(items.clone()),
        _ => Err(bad(path, format!("no `{key}` list"))),
    };
    let (poses, labels) = (list("pose")?, list("label")?);
    if poses.len() != labels.len() {
        return Err(bad(
            path,
            format!("{} poses but {} labels", poses.len(), labels.len()),
        ));
    }
    poses
        .iter()
        .zip(&labels)
        .enumerate()
        .map(|(i, (&pose, &label))| {
            let Node::Str(label) = pickled.get(label) else {
                return Err(bad(path, format!("label {i} is not text")));
            };
            let label = JHMDB14
                .iter()
                .position(|c| c == label)
                .ok_or_else(|| bad(path, format!("label {i} `{label}` is not a JHMDB-14 class")))?;
            let Node::Array(array) = pickled.get(pose) else {
                return Err(bad(path, format!("pose {i} is not an array")));
            };
            if !matches!(array.shape[..], [_, 15, 2]) {
                return Err(bad(
                    path,
                    format!("pose {i} has shape {:?}, not (T, 15, 2)", array.shape),
                ));
            }
            let values = pickled
                .floats(array)
                .map_err(|m| bad(path, format!("pose {i}: {m}")))?;
            let xy: Vec<[f32; 2]> = values.chunks_exact(2).map(|p| [p[0], p[1]]).collect();
            let score = vec![1.0; xy.len()];
            let seq = Sequence::new(Layout::Jhmdb15, xy, score)
                .ok_or_else(|| bad(path, format!("pose {i} is empty")))?;
            Ok(Sample {
                name: format!("{i}"),
                group: format!("{i}"),
                label,
                seq,
            })
        })
        .collect()
}
