//! A dataset's joints: one of the layouts microact knows by name, or one described in a small
//! JSON file that names the dataset's joints and says which of them are the shared 13:
//!
//! ```json
//! {"name": "openpose18", "joints": ["nose", "neck", "r_shoulder", …],
//!  "shared": {"head": "nose", "right_shoulder": "r_shoulder", …}}
//! ```
//!
//! A shared joint missing from `shared` is looked up under its own name in `joints`
//! (`left_hip`, …). A described layout's clips are read onto the shared joints (Penn-13 order),
//! so its recognizer takes Penn-13 input.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use super::{DataError, bad, read};
use crate::action::joints::{Layout, SHARED_JOINTS};
use crate::action::sequence::Sequence;

/// The joints of a dataset's keypoints.
#[derive(Clone, Debug, PartialEq)]
pub enum Joints {
    Named(Layout),
    Described(JointMap),
}

/// A layout described in a file: how many joints, and the one each shared joint is read from.
#[derive(Clone, Debug, PartialEq)]
pub struct JointMap {
    pub name: String,
    pub joints: usize,
    pub to_shared: [usize; 13],
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct JointFile {
    #[serde(default)]
    name: Option<String>,
    joints: Vec<String>,
    #[serde(default)]
    shared: BTreeMap<String, String>,
}

impl Joints {
    /// A layout's name (`coco17`, `penn13`, `jhmdb15`), else the path of a layout file.
    pub fn parse(name_or_file: &str) -> Result<Joints, DataError> {
        match layout_named(name_or_file) {
            Some(layout) => Ok(Joints::Named(layout)),
            None if !Path::new(name_or_file).is_file() => Err(bad(
                Path::new(name_or_file),
                "not a layout name (coco17, penn13, jhmdb15), nor a layout file",
            )),
            None => JointMap::read(Path::new(name_or_file)).map(Joints::Described),
        }
    }

    /// How many joints each frame of the data has.
    pub fn count(&self) -> usize {
        match self {
            Joints::Named(layout) => layout.joints(),
            Joints::Described(map) => map.joints,
        }
    }

    /// The layout of the sequences [`Joints::sequence`] makes (a recognizer's input).
    pub fn layout(&self) -> Layout {
        match self {
            Joints::Named(layout) => *layout,
            Joints::Described(_) => Layout::Penn13,
        }
    }

    /// A sequence from `frames × count()` points and scores (`None` if empty).
    pub fn sequence(&self, xy: Vec<[f32; 2]>, score: Vec<f32>) -> Option<Sequence> {
        match self {
            Joints::Named(layout) => Sequence::new(*layout, xy, score),
            Joints::Described(map) => {
                Sequence::new(Layout::Penn13, map.pick(&xy), map.pick(&score))
            }
        }
    }
}

/// A layout by its name as specs write it (`coco17`, `penn13`, `jhmdb15`).
pub fn layout_named(name: &str) -> Option<Layout> {
    serde_json::from_value(serde_json::Value::String(name.to_string())).ok()
}

impl JointMap {
    /// Each frame's shared joints, in order, from its `joints` values.
    fn pick<T: Copy>(&self, values: &[T]) -> Vec<T> {
        values
            .chunks_exact(self.joints)
            .flat_map(|frame| self.to_shared.iter().map(|&j| frame[j]))
            .collect()
    }

    pub fn read(path: &Path) -> Result<JointMap, DataError> {
        let file: JointFile = serde_json::from_slice(&read(path)?).map_err(|e| {
            bad(
                path,
                format!("not a layout name (coco17, penn13, jhmdb15) or layout file: {e}"),
            )
        })?;
        let mut to_shared = [0; 13];
        for (slot, shared) in to_shared.iter_mut().zip(SHARED_JOINTS) {
            let source = file.shared.get(shared).map_or(shared, String::as_str);
            *slot = file
                .joints
                .iter()
                .position(|j| j == source)
                .ok_or_else(|| {
                    bad(
                        path,
                        format!("shared joint `{shared}`: no joint `{source}`"),
                    )
                })?;
        }
        if let Some(unknown) = file
            .shared
            .keys()
            .find(|k| !SHARED_JOINTS.contains(&k.as_str()))
        {
            return Err(bad(
                path,
                format!(
                    "`{unknown}` is not a shared joint ({})",
                    SHARED_JOINTS.join(", ")
                ),
            ));
        }
        Ok(JointMap {
            name: file.name.unwrap_or_else(|| "described".into()),
            joints: file.joints.len(),
            to_shared,
        })
    }
}
