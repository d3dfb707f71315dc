//! microact project files as a dataset: each ground-truth segment (`formats::truth`: people's
//! segments they did not reject, and accepted proposals) over its track's pose track is a clip of
//! the segment's label.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use microact_core::formats::native;
use microact_core::formats::truth::is_ground_truth;
use microact_core::labels::LabelRef;
use microact_core::model::Project;

use super::joint_map::layout_named;
use super::split::Split;
use super::{DataError, Dataset, Joints, Sample, bad, named_after, read};
use crate::action::joints::Layout;

/// How to read project files.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ProjectOptions {
    /// Only segments labelled from this label set (by id); all when `None`.
    pub label_set: Option<String>,
    /// The pose tracks' joints, when their own `layout` name is not one microact knows.
    pub joints: Option<Joints>,
    pub split: Split,
    /// What a made split keeps on one side.
    pub group_by: GroupBy,
}

/// The unit a made split never divides.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum GroupBy {
    /// Each segment is its own clip.
    #[default]
    Segment,
    /// All segments of one video (one recording, often one subject) go to one side.
    Video,
}

/// A clip read from a project, before its label becomes a class index.
struct Labelled {
    label: LabelRef,
    sample: Sample,
}

/// The ground-truth segments of the project files in `paths` (a folder stands for its `.json`
/// files), in file order. Classes are the labels used, in their label sets' order, named as the
/// sets name them; every pose track must be in one layout. Segments whose person has no pose
/// inside them are left out.
pub fn projects(
    paths: &[PathBuf],
    options: &ProjectOptions,
) -> Result<(Dataset, Layout), DataError> {
    let files = project_files(paths)?;
    let mut opened = Vec::with_capacity(files.len());
    for path in &files {
        let text = String::from_utf8_lossy(&read(path)?).into_owned();
        let project = native::import(&text).map_err(|e| bad(path, e.to_string()))?;
        opened.push((path.clone(), project));
    }
    let mut clips = Vec::new();
    let mut layout: Option<(Layout, PathBuf)> = None;
    for (path, project) in &opened {
        for (clip, track_layout) in segments(path, project, options)? {
            match &layout {
                Some((first, from)) if *first != track_layout => {
                    return Err(bad(
                        path,
                        format!(
                            "pose tracks in {track_layout:?}, but {} has {first:?}",
                            from.display()
                        ),
                    ));
                }
                Some(_) => {}
                None => layout = Some((track_layout, path.clone())),
            }
            clips.push(clip);
        }
    }
    let Some((layout, _)) = layout else {
        let first = files.first().map_or(Path::new("."), PathBuf::as_path);
        return Err(bad(
            first,
            "no labelled segment with poses in these projects",
        ));
    };
    let (keys, classes) = classes(&opened, &clips);
    let samples = clips
        .into_iter()
        .map(|c| Sample {
            label: keys.iter().position(|k| *k == c.label).unwrap_or(0),
            ..c.sample
        })
        .collect();
    let first = files.first().map_or(Path::new("."), PathBuf::as_path);
    let (train, test) = options.split.apply(samples, None, first)?;
    let name = match paths {
        [one] => named_after(one, "projects"),
        _ => "projects".into(),
    };
    Ok((
        Dataset {
            name,
            classes,
            train,
            test,
        },
        layout,
    ))
}

/// The files `paths` name: files as given, folders as their `.json` files sorted by name.
fn project_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, DataError> {
    let mut files = Vec::new();
    for path in paths {
        if !path.is_dir() {
            files.push(path.clone());
            continue;
        }
        let entries = std::fs::read_dir(path).map_err(|source| DataError::Io {
            path: path.clone(),
            source,
        })?;
        let mut found: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "json"))
            .collect();
        if found.is_empty() {
            return Err(bad(path, "no .json project files"));
        }
        found.sort();
        files.extend(found);
    }
    Ok(files)
}

/// A project's ground-truth segments with poses, each with its pose track's layout.
fn segments(
    path: &Path,
    project: &Project,
    options: &ProjectOptions,
) -> Result<Vec<(Labelled, Layout)>, DataError> {
    let stem = path
        .file_name()
        .map_or_else(String::new, |s| s.to_string_lossy().into_owned());
    let mut out = Vec::new();
    for (track, segment) in project.segments() {
        let wanted = options
            .label_set
            .as_ref()
            .is_none_or(|set| *set == segment.label.set);
        let Some(pose) = project
            .pose_of(track)
            .filter(|_| wanted && is_ground_truth(segment))
        else {
            continue;
        };
        let joints = match &options.joints {
            Some(joints) => joints.clone(),
            None => Joints::Named(layout_named(&pose.layout).ok_or_else(|| {
                bad(
                    path,
                    format!(
                        "pose layout `{}` is not coco17, penn13 or jhmdb15: describe it in a layout file",
                        pose.layout
                    ),
                )
            })?),
        };
        let v = joints.count();
        let frames = pose.between(segment.start, segment.end);
        if frames.iter().flatten().next().is_none() {
            continue; // the person is not seen inside the segment
        }
        let (mut xy, mut score) = (Vec::new(), Vec::new());
        for frame in &frames {
            match frame {
                Some(points) if points.len() == v => {
                    xy.extend(points.iter().map(|p| [p[0], p[1]]));
                    score.extend(points.iter().map(|p| p[2]));
                }
                Some(points) => {
                    return Err(bad(
                        path,
                        format!("a pose frame has {} keypoints, not {v}", points.len()),
                    ));
                }
                None => {
                    xy.extend(std::iter::repeat_n([0.0; 2], v));
                    score.extend(std::iter::repeat_n(0.0, v));
                }
            }
        }
        let video = project
            .video(track.video)
            .map_or_else(|| track.video.0.to_string(), |v| v.name.clone());
        let name = format!(
            "{stem}/{video}/{}/{}-{}",
            track.meta.person, segment.start, segment.end
        );
        let group = match options.group_by {
            GroupBy::Segment => name.clone(),
            GroupBy::Video => format!("{stem}/{video}"),
        };
        let Some(seq) = joints.sequence(xy, score) else {
            continue;
        };
        out.push((
            Labelled {
                label: segment.label.clone(),
                sample: Sample {
                    name,
                    group,
                    label: 0,
                    seq,
                },
            },
            joints.layout(),
        ));
    }
    Ok(out)
}

/// The labels `clips` use, in the order of the projects' label sets (a label no set holds last),
/// and their names (qualified by set where two sets share a name).
fn classes(opened: &[(PathBuf, Project)], clips: &[Labelled]) -> (Vec<LabelRef>, Vec<String>) {
    let used: BTreeSet<&LabelRef> = clips.iter().map(|c| &c.label).collect();
    let mut keys: Vec<LabelRef> = Vec::new();
    let mut names: Vec<String> = Vec::new();
    let mut add = |key: LabelRef, name: String| {
        if used.contains(&key) && !keys.contains(&key) {
            keys.push(key);
            names.push(name);
        }
    };
    for (_, project) in opened {
        for set in &project.label_sets {
            for label in set.leaves().chain(set.labels.iter()) {
                add(LabelRef::new(&set.id, &label.id), label.name.clone());
            }
        }
    }
    for clip in clips {
        add(clip.label.clone(), clip.label.label.clone());
    }
    let qualified = names
        .iter()
        .zip(&keys)
        .map(
            |(name, key)| match names.iter().filter(|n| *n == name).count() {
                1 => name.clone(),
                _ => format!("{}/{name}", key.set),
            },
        )
        .collect();
    (keys, qualified)
}
