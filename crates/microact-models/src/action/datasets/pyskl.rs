//! MMAction2 `PoseDataset` / PYSKL skeleton pickles (the layout `microact_core::formats::mmaction`
//! documents): `{'split': {name: [frame_dir, …]}, 'annotations': [{'frame_dir', 'label',
//! 'keypoint': [M, T, V, C], 'keypoint_score': [M, T, V], …}]}`.

use std::path::{Path, PathBuf};

use microact_core::formats::mmaction::pickle::{Node, Pickle};
use microact_core::labels::LabelSet;

use super::split::{Parts, Split};
use super::{DataError, Dataset, Joints, Sample, bad, named_after, read, read_pickle};
use crate::action::joints::Layout;

/// How to read a pose pickle.
#[derive(Clone, Debug, PartialEq)]
pub struct PysklOptions {
    /// The keypoints' joints (`V`).
    pub joints: Joints,
    /// The class names, label `i` the `i`-th leaf: a label set (JSON, or one name a line with
    /// children indented, as the page imports them). Without one, classes are named by number.
    pub classes: Option<PathBuf>,
    pub split: Split,
}

impl Default for PysklOptions {
    fn default() -> PysklOptions {
        PysklOptions {
            joints: Joints::Named(Layout::Coco17),
            classes: None,
            split: Split::default(),
        }
    }
}

/// Each annotation becomes a clip of its label: the person (of `M`) with the highest total
/// keypoint score, `frame_dir` its name and group. Scores come from `keypoint_score`, else from a
/// third keypoint channel, else are 1.
pub fn pyskl(path: &Path, options: &PysklOptions) -> Result<(Dataset, Layout), DataError> {
    let pickled = read_pickle(path)?;
    let annotations = match pickled
        .field(pickled.root, "annotations")
        .map(|a| pickled.get(a))
    {
        Some(Node::List(items)) => items,
        _ => return Err(bad(path, "no `annotations` list")),
    };
    let mut samples = Vec::with_capacity(annotations.len());
    for (i, &id) in annotations.iter().enumerate() {
        let annotation = Annotation {
            path,
            pickled: &pickled,
            id,
            index: i,
        };
        samples.push(annotation.sample(&options.joints)?);
    }
    let labels = samples.iter().map(|s| s.label + 1).max().unwrap_or(0);
    let classes = match &options.classes {
        Some(file) => class_names(file)?,
        None => (0..labels).map(|c| c.to_string()).collect(),
    };
    if labels > classes.len() {
        return Err(bad(
            path,
            format!("label {} but {} classes", labels - 1, classes.len()),
        ));
    }
    let own = own_split(path, &pickled)?;
    let (train, test) = options.split.apply(samples, own.as_ref(), path)?;
    Ok((
        Dataset {
            name: named_after(path, "pyskl"),
            classes,
            train,
            test,
        },
        options.joints.layout(),
    ))
}

/// The leaves of the label set in `file`, in order.
pub(super) fn class_names(file: &Path) -> Result<Vec<String>, DataError> {
    let text = String::from_utf8_lossy(&read(file)?).into_owned();
    let set = match text.trim_start().starts_with('{') {
        true => LabelSet::from_json(&text),
        false => LabelSet::from_text("classes", "classes", &text),
    }
    .map_err(|e| bad(file, format!("not a label set or label map: {e}")))?;
    Ok(set.leaves().map(|l| l.name.clone()).collect())
}

/// The pickle's `split` dict, if it has one.
fn own_split(path: &Path, pickled: &Pickle) -> Result<Option<Parts>, DataError> {
    let Some(split) = pickled.field(pickled.root, "split") else {
        return Ok(None);
    };
    let Node::Dict(entries) = pickled.get(split) else {
        return Err(bad(path, "`split` is not a dict"));
    };
    let mut parts = Parts::new();
    for &(key, value) in entries {
        let (Node::Str(name), Node::List(items)) = (pickled.get(key), pickled.get(value)) else {
            return Err(bad(path, "`split` is not {name: [frame_dir, …]}"));
        };
        let names = items
            .iter()
            .map(|&i| match pickled.get(i) {
                Node::Str(s) => Ok(s.clone()),
                _ => Err(bad(
                    path,
                    format!("split `{name}` holds a name that is not text"),
                )),
            })
            .collect::<Result<_, _>>()?;
        parts.insert(name.clone(), names);
    }
    Ok(Some(parts))
}

/// An array's shape and values.
type Shaped = (Vec<usize>, Vec<f32>);

/// One annotation dict, read field by field.
struct Annotation<'a> {
    path: &'a Path,
    pickled: &'a Pickle,
    id: usize,
    index: usize,
}

impl Annotation<'_> {
    fn error(&self, field: &str, message: impl std::fmt::Display) -> DataError {
        bad(
            self.path,
            format!("annotations[{}].{field}: {message}", self.index),
        )
    }

    fn node(&self, field: &str) -> Option<&Node> {
        self.pickled
            .field(self.id, field)
            .map(|id| self.pickled.get(id))
    }

    /// An array field's shape and values.
    fn array(&self, field: &str) -> Result<Option<Shaped>, DataError> {
        match self.node(field) {
            None => Ok(None),
            Some(Node::Array(array)) => self
                .pickled
                .floats(array)
                .map(|values| Some((array.shape.clone(), values)))
                .map_err(|m| self.error(field, m)),
            Some(_) => Err(self.error(field, "not a numpy array")),
        }
    }

    fn sample(&self, joints: &Joints) -> Result<Sample, DataError> {
        let Some(Node::Str(frame_dir)) = self.node("frame_dir") else {
            return Err(self.error("frame_dir", "missing, or not text"));
        };
        let label = match self.node("label") {
            Some(&Node::Int(n)) if n >= 0 => n as usize,
            _ => return Err(self.error("label", "missing, or not a class index")),
        };
        let (shape, keypoint) = self
            .array("keypoint")?
            .ok_or_else(|| self.error("keypoint", "missing"))?;
        let &[people, frames, v, channels] = &shape[..] else {
            return Err(self.error("keypoint", format!("has shape {shape:?}, not [M, T, V, C]")));
        };
        if v != joints.count() || !(2..=3).contains(&channels) || people == 0 {
            return Err(self.error(
                "keypoint",
                format!(
                    "has shape {shape:?}: the layout has {} joints, C must be 2 or 3",
                    joints.count()
                ),
            ));
        }
        let score = match self.array("keypoint_score")? {
            Some((s, values)) if s[..] == [people, frames, v] => values,
            Some((s, _)) => return Err(self.error("keypoint_score", format!("has shape {s:?}"))),
            None if channels == 3 => keypoint.iter().skip(2).step_by(3).copied().collect(),
            None => vec![1.0; people * frames * v],
        };
        let per_person = frames * v;
        let person = (0..people)
            .map(|m| {
                score[m * per_person..(m + 1) * per_person]
                    .iter()
                    .sum::<f32>()
            })
            .enumerate()
            .max_by(|a, b| a.1.total_cmp(&b.1))
            .map_or(0, |(m, _)| m);
        let range = person * per_person..(person + 1) * per_person;
        let xy = keypoint[range.start * channels..range.end * channels]
            .chunks_exact(channels)
            .map(|p| [p[0], p[1]])
            .collect();
        let seq = joints
            .sequence(xy, score[range].to_vec())
            .ok_or_else(|| self.error("keypoint", "has no frames"))?;
        Ok(Sample {
            name: frame_dir.clone(),
            group: frame_dir.clone(),
            label,
            seq,
        })
    }
}
