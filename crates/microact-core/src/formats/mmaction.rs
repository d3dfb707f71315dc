//! MMAction2 training inputs: the trimmed-clip list and the skeleton `PoseDataset` pickle.
//!
//! **Clip list**: `path label` a line, `label` the 0-based index of the action among the chosen
//! label set's leaves (MMAction2's `VideoDataset` splits each line at spaces, so names have no
//! spaces). microact names each ground-truth segment's clip ([`super::truth`]: an open or
//! rejected proposal is never a training clip) `{video_id}_{person}_{start}_{end}.mp4`: the
//! video's file name without extension, percent-encoded (`my clip` → `my%20clip`), the track's
//! person id, and the segment's first and
//! past-the-end frames. Cutting the clips is left to ffmpeg; the names are what let the list be
//! read back into segments, exactly, on the open project's videos.
//!
//! **Pose pickle** (MMAction2 `PoseDataset`, PYSKL): `{'split': {name: [frame_dir, …]},
//! 'annotations': [{'frame_dir', 'label', 'img_shape': (h, w), 'original_shape': (h, w),
//! 'total_frames', 'keypoint': float32 [M, T, V, 2], 'keypoint_score': float32 [M, T, V]}]}`,
//! one annotation per ground-truth segment whose track's person has a pose track with detections inside it:
//! `frame_dir` is the clip name above, `M` is 1 (the track's own person), `T` the segment's
//! frames, keypoints in the video's pixels; frames without a detection are zeros with score 0,
//! as PYSKL pads them. The arrays are real `numpy.ndarray`s (see [`pickle`]) because
//! `PoseDecode` and `PreNormalize2D` index and slice them. Import reads any such pickle: a
//! `frame_dir` that is not a microact clip name is taken as a whole video starting at frame 0,
//! person `m` of an annotation becomes person `m` after the first, `split` is not read.
//!
//! **Lossy**: only segments with a leaf label of the chosen set travel (and, in the pickle, only
//! those with poses); notes, attributes, source, status, track names, descriptions and boxes do
//! not; pose frames outside segments are not written, and all-zero-score frames do not come back.

pub mod pickle;

use std::collections::BTreeMap;

use super::ava::{person_track, video_id, video_name};
use super::builder::SegmentIn;
use super::common::{decode_name, encode_name};
use super::truth::is_ground_truth;
use super::{FormatError, ImportBuilder};
use crate::labels::LabelSet;
use crate::model::{
    Frame, LabelRef, PoseFrame, PoseTrack, Project, Segment, Track, Video, VideoId,
};
use pickle::{Node, Value};

pub const CLIPS: &str = "MMAction2 clip list";
pub const POSES: &str = "MMAction2 pose pickle";

/// A segment with its class index in the label set's leaves.
struct Clip<'a> {
    video: &'a Video,
    track: &'a Track,
    segment: &'a Segment,
    class: usize,
}

impl Clip<'_> {
    /// `{video_id}_{person}_{start}_{end}`, without extension; the video id percent-encoded
    /// (space → `%20`), since MMAction2 splits each line at spaces.
    fn name(&self) -> String {
        format!(
            "{}_{}_{}_{}",
            encode_name(video_id(self.video)),
            self.track.meta.person,
            self.segment.start,
            self.segment.end
        )
    }
}

/// The ground-truth segments ([`super::truth`]: training clips are what people decided) whose
/// label is a leaf of `set`, and how many ground-truth segments had another label.
fn clips<'a>(project: &'a Project, set: &LabelSet) -> (Vec<Clip<'a>>, usize) {
    let leaves: Vec<&str> = set.leaves().map(|l| l.id.as_str()).collect();
    let mut clips = Vec::new();
    let mut left_out = 0;
    for (track, segment) in project.segments().filter(|(_, s)| is_ground_truth(s)) {
        let class = leaves.iter().position(|l| *l == segment.label.label);
        match (project.video(track.video), class) {
            (Some(video), Some(class)) if segment.label.set == set.id => clips.push(Clip {
                video,
                track,
                segment,
                class,
            }),
            _ => left_out += 1,
        }
    }
    (clips, left_out)
}

/// `(video_id, person, start, end)` from a clip name this module wrote.
fn parse_clip_name(name: &str) -> Option<(String, u32, Frame, Frame)> {
    let mut parts = name.rsplitn(4, '_');
    let end = parts.next()?.parse().ok()?;
    let start = parts.next()?.parse().ok()?;
    let person = parts.next()?.parse().ok()?;
    let video = parts.next().filter(|v| !v.is_empty())?;
    (start < end).then(|| (decode_name(video), person, start, end))
}

/// The label with index `class` among `set`'s leaves.
fn class_label(builder: &mut ImportBuilder, set: &LabelSet, class: i64) -> Option<LabelRef> {
    let leaf = set.leaves().nth(usize::try_from(class).ok()?)?;
    Some(builder.label(Some(&set.id), &leaf.id))
}

/// The clip list and the number of segments left out (label not a leaf of `set`).
pub fn export_clips(project: &Project, set: &LabelSet) -> (String, usize) {
    let (clips, left_out) = clips(project, set);
    let text = clips
        .iter()
        .map(|c| format!("{}.mp4 {}\n", c.name(), c.class))
        .collect();
    (text, left_out)
}

/// Reads a clip list this module wrote; `Err` names the line whose clip name or label is wrong.
pub fn import_clips(base: &Project, text: &str, set: &LabelSet) -> Result<Project, FormatError> {
    let mut builder = ImportBuilder::new(base);
    for (i, line) in text.lines().enumerate() {
        let error = |message: String| FormatError::line(CLIPS, i + 1, message);
        let fields: Vec<&str> = line.split_whitespace().collect();
        let (path, class) = match fields.as_slice() {
            [] => continue,
            [path, class] => (*path, *class),
            _ => return Err(error("expected `path label`".into())),
        };
        let file = path.rsplit('/').next().unwrap_or(path);
        let stem = file.rsplit_once('.').map_or(file, |(stem, _)| stem);
        let (video, person, start, end) = parse_clip_name(stem).ok_or_else(|| {
            error(format!(
                "{file:?} is not a clip name video_person_start_end"
            ))
        })?;
        let label = class
            .parse()
            .ok()
            .and_then(|class| class_label(&mut builder, set, class))
            .ok_or_else(|| error(format!("label {class:?} is not a class of {}", set.name)))?;
        let video = builder.video_in_frames(&video_name(base, &video));
        let track = person_track(&mut builder, video, person);
        let segment = SegmentIn::human(0.0, 0.0, label, CLIPS);
        builder.segment_frames(track, start, end, segment);
    }
    Ok(builder.finish())
}

/// The pose pickle, all clips in split `split`, and the number of segments left out (label not
/// a leaf of `set`, or no pose of the track's person inside the segment).
pub fn export_poses(project: &Project, set: &LabelSet, split: &str) -> (Vec<u8>, usize) {
    let (clips, mut left_out) = clips(project, set);
    let mut names = Vec::new();
    let mut annotations = Vec::new();
    for clip in clips {
        let Some(annotation) = pose_annotation(project, &clip) else {
            left_out += 1;
            continue;
        };
        names.push(Value::Str(clip.name()));
        annotations.push(annotation);
    }
    let str = |s: &str| Value::Str(s.to_string());
    let root = Value::Dict(vec![
        (
            str("split"),
            Value::Dict(vec![(str(split), Value::List(names))]),
        ),
        (str("annotations"), Value::List(annotations)),
    ]);
    (pickle::write(&root), left_out)
}

fn pose_annotation(project: &Project, clip: &Clip) -> Option<Value> {
    let (start, end) = (clip.segment.start, clip.segment.end);
    let pose = project.pose_of(clip.track)?;
    let inside = pose
        .frames
        .iter()
        .filter(|f| start <= f.frame && f.frame < end);
    let joints = inside.clone().next()?.keypoints.len();
    let frames = usize::try_from(end - start).ok()?;
    let mut keypoint = vec![0.0; frames * joints * 2];
    let mut score = vec![0.0; frames * joints];
    for frame in inside.filter(|f| f.keypoints.len() == joints) {
        let t = (frame.frame - start) as usize;
        for (v, [x, y, s]) in frame.keypoints.iter().enumerate() {
            let at = t * joints + v;
            if let (Some(xy), Some(slot)) =
                (keypoint.get_mut(2 * at..2 * at + 2), score.get_mut(at))
            {
                xy.copy_from_slice(&[*x, *y]);
                *slot = *s;
            }
        }
    }
    let str = |s: &str| Value::Str(s.to_string());
    let int = |n: u64| Value::Int(n as i64);
    let size = Value::Tuple(vec![
        int(clip.video.height.into()),
        int(clip.video.width.into()),
    ]);
    Some(Value::Dict(vec![
        (str("frame_dir"), Value::Str(clip.name())),
        (str("label"), int(clip.class as u64)),
        (str("img_shape"), size.clone()),
        (str("original_shape"), size),
        (str("total_frames"), int(end - start)),
        (
            str("keypoint"),
            Value::Array {
                shape: vec![1, frames, joints, 2],
                data: keypoint,
            },
        ),
        (
            str("keypoint_score"),
            Value::Array {
                shape: vec![1, frames, joints],
                data: score,
            },
        ),
    ]))
}

/// Reads a `PoseDataset` pickle: each annotation becomes a segment of its label and the pose
/// frames of its persons. `Err` names the annotation field at fault, or the byte where the
/// pickle itself is broken.
pub fn import_poses(base: &Project, bytes: &[u8], set: &LabelSet) -> Result<Project, FormatError> {
    let pickle = pickle::read(bytes).map_err(|e| {
        FormatError::field(POSES, "pickle", format!("byte {}: {}", e.at, e.message))
    })?;
    let annotations = match pickle
        .field(pickle.root, "annotations")
        .map(|a| pickle.get(a))
    {
        Some(Node::List(items)) => items,
        _ => {
            return Err(FormatError::field(
                POSES,
                "annotations",
                "missing, or not a list",
            ));
        }
    };
    let mut builder = ImportBuilder::new(base);
    let mut poses = Poses::new();
    for (i, &annotation) in annotations.iter().enumerate() {
        let read = Annotation {
            base,
            pickle: &pickle,
            id: annotation,
            index: i,
        };
        read.import(&mut builder, set, &mut poses)?;
    }
    let mut project = builder.finish();
    project.poses = poses
        .into_iter()
        .map(|((video, person, joints), frames)| PoseTrack {
            video,
            person,
            layout: layout(joints),
            frames: frames
                .into_iter()
                .map(|(frame, keypoints)| PoseFrame { frame, keypoints })
                .collect(),
            confidence: None,
        })
        .collect();
    Ok(project)
}

fn layout(joints: usize) -> String {
    match joints {
        17 => "coco17".into(),
        n => format!("{n} keypoints"),
    }
}

/// Keypoints read so far per `(video, person, joints)`, the first annotation's frame winning
/// where two overlap.
type Poses = BTreeMap<(VideoId, u32, usize), BTreeMap<Frame, Vec<[f32; 3]>>>;

/// One annotation dict of a pose pickle, read field by field.
struct Annotation<'a> {
    base: &'a Project,
    pickle: &'a pickle::Pickle,
    id: usize,
    index: usize,
}

impl Annotation<'_> {
    fn error(&self, field: &str, message: impl Into<String>) -> FormatError {
        FormatError::field(
            POSES,
            format!("annotations[{}].{field}", self.index),
            message,
        )
    }

    fn node(&self, field: &str) -> Result<&Node, FormatError> {
        match self.pickle.field(self.id, field) {
            Some(id) => Ok(self.pickle.get(id)),
            None => Err(self.error(field, "missing")),
        }
    }

    fn int(&self, field: &str) -> Result<i64, FormatError> {
        match self.node(field)? {
            Node::Int(n) => Ok(*n),
            _ => Err(self.error(field, "not an integer")),
        }
    }

    /// An array's shape and elements, checked to have `dims` dimensions.
    fn array(&self, field: &str, dims: usize) -> Result<(Vec<usize>, Vec<f32>), FormatError> {
        let Node::Array(array) = self.node(field)? else {
            return Err(self.error(field, "not a numpy array"));
        };
        if array.shape.len() != dims {
            return Err(self.error(field, format!("has shape {:?}", array.shape)));
        }
        let data = self
            .pickle
            .floats(array)
            .map_err(|m| self.error(field, m))?;
        Ok((array.shape.clone(), data))
    }

    fn import(
        &self,
        builder: &mut ImportBuilder,
        set: &LabelSet,
        poses: &mut Poses,
    ) -> Result<(), FormatError> {
        let Node::Str(frame_dir) = self.node("frame_dir")? else {
            return Err(self.error("frame_dir", "not a string"));
        };
        let class = self.int("label")?;
        let label = class_label(builder, set, class).ok_or_else(|| {
            self.error("label", format!("{class} is not a class of {}", set.name))
        })?;
        let (shape, keypoint) = self.array("keypoint", 4)?;
        let &[persons, frames, joints, 2] = shape.as_slice() else {
            return Err(self.error("keypoint", format!("shape {shape:?} is not [M, T, V, 2]")));
        };
        let score = match self.pickle.field(self.id, "keypoint_score") {
            Some(_) => {
                let (score_shape, score) = self.array("keypoint_score", 3)?;
                if score_shape != [persons, frames, joints] {
                    return Err(self.error(
                        "keypoint_score",
                        format!("shape {score_shape:?} does not match keypoint {shape:?}"),
                    ));
                }
                score
            }
            // 3D skeleton files have no scores: every point counts as seen.
            None => vec![1.0; keypoint.len() / 2],
        };
        if self.int("total_frames")? != frames as i64 {
            return Err(self.error("total_frames", format!("is not T = {frames}")));
        }
        let ours =
            parse_clip_name(frame_dir).filter(|(_, _, start, end)| end - start == frames as u64);
        let (name, person, start) = match ours {
            Some((video, person, start, _)) => (video_name(self.base, &video), person, start),
            None => (frame_dir.clone(), 0, 0),
        };
        let end = start
            .checked_add(frames as u64)
            .ok_or_else(|| self.error("frame_dir", "frames run past the end of time"))?;
        let video = builder.video_in_frames(&name);
        if let Some((height, width)) = self.size() {
            builder.set_size(video, width, height);
        }
        let track = person_track(builder, video, person);
        builder.segment_frames(track, start, end, SegmentIn::human(0.0, 0.0, label, POSES));
        for m in 0..persons {
            let Some(person) = u32::try_from(m).ok().and_then(|m| person.checked_add(m)) else {
                break;
            };
            let track = poses.entry((video, person, joints)).or_default();
            for t in 0..frames {
                let at = (m * frames + t) * joints;
                let points: Vec<[f32; 3]> = (at..at + joints)
                    .map(|p| {
                        let xy = keypoint.get(2 * p..2 * p + 2).unwrap_or(&[0.0, 0.0]);
                        let s = score.get(p).copied().unwrap_or(0.0);
                        [
                            xy.first().copied().unwrap_or(0.0),
                            xy.get(1).copied().unwrap_or(0.0),
                            s,
                        ]
                    })
                    .collect();
                if points.iter().any(|p| p[2] > 0.0) {
                    track.entry(start + t as u64).or_insert(points);
                }
            }
        }
        Ok(())
    }

    /// `(height, width)` from `img_shape`, else `original_shape`.
    fn size(&self) -> Option<(u32, u32)> {
        ["img_shape", "original_shape"].iter().find_map(|field| {
            let id = self.pickle.field(self.id, field)?;
            let (Node::Tuple(hw) | Node::List(hw)) = self.pickle.get(id) else {
                return None;
            };
            let dim = |i: usize| match hw.get(i).map(|&d| self.pickle.get(d)) {
                Some(Node::Int(n)) => u32::try_from(*n).ok(),
                _ => None,
            };
            Some((dim(0)?, dim(1)?))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::labels;
    use crate::sample::sample_project;

    const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/formats");

    /// The sample with poses for both people: person 0 on frames 0..3, person 1 on 60..64.
    fn posed_project() -> Project {
        let mut project = sample_project();
        let mut second = project.poses[0].clone();
        second.person = 1;
        for (i, frame) in second.frames.iter_mut().enumerate() {
            frame.frame = 60 + 2 * i as u64;
        }
        project.poses.push(second);
        project
    }

    fn spans(project: &Project) -> Vec<(u32, u64, u64, String)> {
        let mut spans: Vec<_> = project
            .segments()
            .map(|(t, s)| (t.meta.person, s.start, s.end, s.label.label.clone()))
            .collect();
        spans.sort();
        spans
    }

    #[test]
    fn clip_list_round_trip_is_exact_for_leaf_labels() {
        let mut project = sample_project();
        project.tracks[0].segments[1].label = LabelRef::new("penn_action", "jump_rope");
        let (text, left_out) = export_clips(&project, &labels::ma52());
        assert_eq!(left_out, 1);
        assert_eq!(text.lines().next(), Some("walk_0_0_45.mp4 9"));
        let back = import_clips(&sample_project(), &text, &labels::ma52()).unwrap();
        // Ground truth only: the open and the rejected proposal are no training clips.
        let mut expected: Vec<_> = project
            .segments()
            .filter(|(_, s)| is_ground_truth(s))
            .map(|(t, s)| (t.meta.person, s.start, s.end, s.label.label.clone()))
            .collect();
        expected.retain(|s| s.3 != "jump_rope");
        expected.sort();
        assert_eq!(spans(&back), expected);
        assert_eq!(back.videos[0].name, "walk.webm");
        assert_eq!(back.tracks[1].meta.name, "Person 2");
        assert!(
            back.label_sets.is_empty(),
            "labels resolve to the open MA-52"
        );
    }

    #[test]
    fn bad_clip_lines_name_the_line() {
        let set = labels::ma52();
        let cases = [
            ("a_0_0_9.mp4 1 2", "line 2: expected `path label`"),
            ("clip.mp4 3", "line 2: \"clip.mp4\" is not a clip name"),
            (
                "a_0_9_3.mp4 3",
                "line 2: \"a_0_9_3.mp4\" is not a clip name",
            ),
            ("a_0_0_9.mp4 52", "line 2: label \"52\" is not a class"),
            ("a_0_0_9.mp4 x", "line 2: label \"x\""),
        ];
        for (bad, message) in cases {
            let text = format!("dir/v_1_0_30.avi 0\n{bad}\n");
            let err = import_clips(&Project::new("x"), &text, &set).unwrap_err();
            assert!(err.to_string().contains(message), "{bad:?}: {err}");
        }
    }

    #[test]
    fn pose_export_matches_the_checked_fixture() {
        // scripts/fixtures/check_mmaction_pickle.py loads this file with pickle and numpy;
        // MICROACT_WRITE_FIXTURES=1 rewrites it after a deliberate change.
        let (bytes, left_out) = export_poses(&posed_project(), &labels::ma52(), "train");
        // Person 0: only the nodding segment holds poses (shaking head does not; waving is a
        // rejected proposal, touching nose an open one: neither is ground truth).
        assert_eq!(left_out, 1);
        let path = format!("{FIXTURES}/mmaction_poses_microact.pkl");
        if std::env::var_os("MICROACT_WRITE_FIXTURES").is_some() {
            std::fs::write(&path, &bytes).unwrap();
        }
        assert_eq!(std::fs::read(&path).unwrap(), bytes, "{path} is stale");
    }

    #[test]
    fn pose_round_trip_keeps_segments_and_keypoints_inside_them() {
        let project = posed_project();
        let (bytes, _) = export_poses(&project, &labels::ma52(), "train");
        let back = import_poses(&sample_project(), &bytes, &labels::ma52()).unwrap();
        let expected = [
            (0, 0, 45, "nodding".to_string()),
            (1, 10, 200, "crossing arms".to_string()),
        ];
        assert_eq!(spans(&back), expected);
        assert_eq!(back.videos[0].name, "walk.webm");
        assert_eq!(back.poses, project.poses);
    }

    #[test]
    fn numpy_written_fixtures_import_in_every_protocol() {
        let set = labels::ma52();
        let read = |p: u8| {
            let bytes = std::fs::read(format!("{FIXTURES}/mmaction_poses_p{p}.pkl")).unwrap();
            import_poses(&sample_project(), &bytes, &set).unwrap()
        };
        let project = read(4);
        assert_eq!(read(2), project);
        assert_eq!(read(5), project);

        let names: Vec<_> = project.videos.iter().map(|v| v.name.as_str()).collect();
        assert_eq!(names, ["walk.webm", "S001C001P001R001A010"]);
        assert_eq!(
            (project.videos[1].width, project.videos[1].height),
            (1920, 1080)
        );
        let spans: Vec<_> = project
            .segments()
            .map(|(t, s)| {
                (
                    t.video.0,
                    t.meta.person,
                    s.start,
                    s.end,
                    s.label.label.as_str(),
                )
            })
            .collect();
        assert_eq!(
            spans,
            [(0, 0, 0, 4, "nodding"), (1, 0, 0, 3, "crossing arms")]
        );

        // Two persons on the walk clip, one on the foreign one.
        let owners: Vec<_> = project
            .poses
            .iter()
            .map(|p| (p.video.0, p.person))
            .collect();
        assert_eq!(owners, [(0, 0), (0, 1), (1, 0)]);
        assert!(project.poses.iter().all(|p| p.layout == "coco17"));
        let frames =
            |i: usize| -> Vec<u64> { project.poses[i].frames.iter().map(|f| f.frame).collect() };
        assert_eq!(frames(0), [0, 1, 2, 3]);
        assert_eq!(
            frames(1),
            [0, 1, 3],
            "frame 2 has no detection for person 1"
        );
        assert_eq!(project.poses[1].frames[2].keypoints[4], [114.0, 53.0, 0.9]);
        // float16 data: 0.9 is 0.89990234375 in half precision.
        assert_eq!(
            project.poses[2].frames[1].keypoints[16],
            [116.0, 51.0, 0.899_902_34]
        );
    }

    #[test]
    fn broken_pickles_are_errors_naming_the_field_or_byte() {
        let set = labels::ma52();
        let (good, _) = export_poses(&posed_project(), &set, "train");
        let import = |bytes: &[u8]| import_poses(&Project::new("x"), bytes, &set);
        for cut in [0, 1, 2, 40, good.len() / 2, good.len() - 1] {
            let err = import(&good[..cut]).unwrap_err().to_string();
            assert!(err.contains("field pickle: byte"), "cut at {cut}: {err}");
        }

        let str = |s: &str| Value::Str(s.to_string());
        let with = |annotation: Vec<(Value, Value)>| {
            pickle::write(&Value::Dict(vec![(
                str("annotations"),
                Value::List(vec![Value::Dict(annotation)]),
            )]))
        };
        let array = |shape: Vec<usize>| {
            let n = shape.iter().product();
            Value::Array {
                shape,
                data: vec![1.0; n],
            }
        };
        let fields = |label: i64, kp: Vec<usize>, score: Vec<usize>, total: i64| {
            vec![
                (str("frame_dir"), str("clip")),
                (str("label"), Value::Int(label)),
                (str("total_frames"), Value::Int(total)),
                (str("keypoint"), array(kp)),
                (str("keypoint_score"), array(score)),
            ]
        };
        let cases = [
            (
                pickle::write(&Value::List(vec![])),
                "field annotations: missing",
            ),
            (
                with(fields(99, vec![1, 2, 3, 2], vec![1, 2, 3], 2)),
                "annotations[0].label: 99 is not a class",
            ),
            (
                with(fields(0, vec![1, 2, 3, 3], vec![1, 2, 3], 2)),
                "annotations[0].keypoint: shape [1, 2, 3, 3] is not [M, T, V, 2]",
            ),
            (
                with(fields(0, vec![1, 2, 3, 2], vec![1, 2, 4], 2)),
                "annotations[0].keypoint_score: shape [1, 2, 4] does not match",
            ),
            (
                with(fields(0, vec![1, 2, 3, 2], vec![1, 2, 3], 5)),
                "annotations[0].total_frames: is not T = 2",
            ),
            (
                with(vec![(str("frame_dir"), Value::Int(3))]),
                "annotations[0].frame_dir: not a string",
            ),
            (
                with(vec![
                    (str("frame_dir"), str("c")),
                    (str("label"), Value::Int(0)),
                ]),
                "annotations[0].keypoint: missing",
            ),
        ];
        for (bytes, message) in cases {
            let err = import(&bytes).unwrap_err().to_string();
            assert!(err.contains(message), "{message}: {err}");
        }
        assert!(import(&with(fields(0, vec![1, 2, 3, 2], vec![1, 2, 3], 2))).is_ok());
    }
}
