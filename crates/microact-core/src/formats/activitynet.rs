//! ActivityNet JSON (v1.3), the temporal-detection benchmark's two files. Ground truth is
//! `{"version", "taxonomy": [{nodeId, nodeName, parentId, parentName}], "database": {"<video>":
//! {"subset", "duration": s, "resolution": "WxH", "url", "annotations": [{"segment": [s, e],
//! "label"}]}}}`; predictions are `{"version", "results": {"<video>": [{"label", "score",
//! "segment": [s, e]}]}, "external_data": {...}}`. Times are seconds; labels are class names.
//!
//! Export writes ground truth ([`super::truth`]: human segments and accepted proposals), all
//! marked `"subset": "validation"` because that is the subset the official evaluation
//! (`Evaluation/eval_detection.py`) reads by default, with the taxonomy of the label sets they
//! use. Predictions carry every model proposal nobody accepted, open or rejected, with its score
//! as the model gave it, since an evaluation scores the model's output, not the review; a
//! prediction whose label no ground-truth segment has is left out and counted, because the
//! official reader stops with a `KeyError` on it. Beyond the official keys, which the evaluator
//! ignores, each annotation and result names its `"track"`, each result its `"status"`, and each
//! video its `"fps"` (`25`, `30000/1001`) when known. Import reads either file: ground-truth
//! annotations become accepted human labels, results model proposals with their score and
//! status (open when the file has none), each on the track it names ([`TRACK`] when none).
//! Video keys are names without their extension (`walk.webm` is `walk`; the official files use
//! bare YouTube ids, no `v_` prefix, and so do we), unless two videos share a stem, then the
//! whole name; an imported key matches an open video by whole name or by stem. Not carried:
//! notes, attributes, annotators, model names (results import as [`MODEL`] with the file's
//! `version`), label sets (labels are matched by name), person ids, descriptions, boxes.

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::builder::SegmentIn;
use super::common::{check_span, label_name, seconds_number};
use super::truth::{is_ground_truth, is_prediction};
use super::{FormatError, ImportBuilder};
use crate::model::{Project, Segment, Source, Status, Track, Video};
use crate::time::FrameRate;

pub const FORMAT: &str = "ActivityNet";
/// The release whose layout this module writes.
const VERSION: &str = "VERSION 1.3";
/// The subset `eval_detection.py` evaluates unless told otherwise.
const SUBSET: &str = "validation";
/// The track of imported segments that name none.
pub const TRACK: &str = "Person 1";
/// Who imported ground truth is credited to, and the model name of imported results.
pub const ANNOTATOR: &str = "activitynet";
pub const MODEL: &str = "activitynet";

/// Ground truth: the labels people stand behind ([`super::truth`]), every video listed.
pub fn export_ground_truth(project: &Project) -> String {
    let mut database = Map::new();
    for video in &project.videos {
        let annotations: Vec<Value> = segments_of(project, video, is_ground_truth)
            .map(|(track, s)| {
                json!({
                    "segment": span(video, s),
                    "label": label_name(project, &s.label),
                    "track": track.meta.name,
                })
            })
            .collect();
        let mut entry = json!({
            "subset": SUBSET,
            "duration": seconds_number(video.duration()),
            "url": "",
            "annotations": annotations,
        });
        if video.width > 0 && video.height > 0 {
            entry["resolution"] = format!("{}x{}", video.width, video.height).into();
        }
        if !video.rate_unknown {
            entry["fps"] = video.rate.text().into();
        }
        database.insert(video_key(project, video), entry);
    }
    let file = json!({"version": VERSION, "taxonomy": taxonomy(project), "database": database});
    serde_json::to_string_pretty(&file).unwrap_or_default()
}

/// What [`export_predictions`] writes, and how many predictions it left out because no
/// ground-truth segment has their label (the official evaluation stops on them).
pub struct Predictions {
    pub text: String,
    pub left_out: usize,
}

/// Predictions: every model proposal nobody accepted ([`super::truth`]), open or rejected, with
/// its score, status and track; videos without any are left out.
pub fn export_predictions(project: &Project) -> Predictions {
    let classes: BTreeSet<&str> = project
        .segments()
        .filter(|(_, s)| is_ground_truth(s))
        .map(|(_, s)| label_name(project, &s.label))
        .collect();
    let mut results = Map::new();
    let mut models = BTreeSet::new();
    let mut left_out = 0;
    for video in &project.videos {
        let mut found = Vec::new();
        for (track, s) in segments_of(project, video, is_prediction) {
            let Source::Model {
                name,
                version,
                score,
            } = &s.source
            else {
                continue;
            };
            let label = label_name(project, &s.label);
            if !classes.contains(label) {
                left_out += 1;
                continue;
            }
            models.insert(format!("{name} {version}"));
            found.push(json!({
                "label": label,
                "score": score_number(*score),
                "segment": span(video, s),
                "status": s.status.as_str(),
                "track": track.meta.name,
            }));
        }
        if !found.is_empty() {
            results.insert(video_key(project, video), Value::Array(found));
        }
    }
    let details = models.into_iter().collect::<Vec<_>>().join(", ");
    let file = json!({
        "version": VERSION,
        "results": results,
        // The evaluation requires the key; what it asks (outside training data) microact cannot
        // know, so it only names the models.
        "external_data": {"details": details},
    });
    Predictions {
        text: serde_json::to_string_pretty(&file).unwrap_or_default(),
        left_out,
    }
}

/// A score as the model gave it (`0.91`), not widened from `f32` (`0.9100000262260437`).
fn score_number(score: f32) -> f64 {
    score.to_string().parse().unwrap_or(f64::from(score))
}

#[derive(Deserialize)]
struct FileIn {
    #[serde(default)]
    version: Option<Value>,
    #[serde(default)]
    database: Option<BTreeMap<String, VideoIn>>,
    #[serde(default)]
    results: Option<BTreeMap<String, Vec<ResultIn>>>,
}

#[derive(Deserialize)]
struct VideoIn {
    #[serde(default)]
    duration: Option<f64>,
    #[serde(default)]
    fps: Option<Value>,
    #[serde(default)]
    resolution: Option<String>,
    #[serde(default)]
    annotations: Vec<AnnotationIn>,
}

#[derive(Deserialize)]
struct AnnotationIn {
    segment: [f64; 2],
    label: String,
    #[serde(default)]
    track: Option<String>,
}

#[derive(Deserialize)]
struct ResultIn {
    segment: [f64; 2],
    label: String,
    score: f64,
    #[serde(default)]
    track: Option<String>,
    #[serde(default)]
    status: Option<String>,
}

/// Reads a ground-truth or a predictions file (or one holding both) next to `base`, the open
/// project; `Err` names the JSON line or the field path at fault.
pub fn import(base: &Project, text: &str) -> Result<Project, FormatError> {
    let file: FileIn = serde_json::from_str(text).map_err(|e| FormatError::json(FORMAT, &e))?;
    if file.database.is_none() && file.results.is_none() {
        return Err(FormatError::file(
            FORMAT,
            "neither \"database\" (ground truth) nor \"results\" (predictions) is there",
        ));
    }
    let mut builder = ImportBuilder::new(base);
    let mut rates = BTreeMap::new();
    for (key, entry) in file.database.iter().flatten() {
        let rate = match &entry.fps {
            None => None,
            Some(fps) => Some(rate(fps).ok_or_else(|| {
                FormatError::field(
                    FORMAT,
                    format!("database.{key}.fps"),
                    "is not a frame rate (25, 29.97 or 30000/1001)",
                )
            })?),
        };
        rates.insert(key, rate);
        let video = builder.video(&video_name(base, key), entry.duration, rate);
        if let Some((width, height)) = entry.resolution.as_deref().and_then(resolution) {
            builder.set_size(video, width, height);
        }
        if entry.annotations.is_empty() {
            // A video without labels still gets the track people label in.
            builder.track(video, TRACK);
        }
        for (i, annotation) in entry.annotations.iter().enumerate() {
            let at = format!("database.{key}.annotations[{i}]");
            let [start, end] = annotation.segment;
            let label = checked(start, end, &annotation.label, &at)?;
            let track = builder.track(video, track_name(&annotation.track));
            let label = builder.label(None, label);
            builder.segment(track, SegmentIn::human(start, end, label, ANNOTATOR));
        }
    }
    let version = match file.version {
        Some(Value::String(version)) => version,
        _ => String::new(),
    };
    for (key, found) in file.results.iter().flatten() {
        let rate = rates.get(key).copied().flatten();
        let video = builder.video(&video_name(base, key), None, rate);
        for (i, result) in found.iter().enumerate() {
            let at = format!("results.{key}[{i}]");
            let [start, end] = result.segment;
            let label = checked(start, end, &result.label, &at)?;
            let status = match result.status.as_deref() {
                None => Status::Proposed,
                Some(text) => Status::parse(text).ok_or_else(|| {
                    FormatError::field(
                        FORMAT,
                        format!("{at}.status"),
                        format!("{text:?} is not proposed, accepted or rejected"),
                    )
                })?,
            };
            let track = builder.track(video, track_name(&result.track));
            let segment = SegmentIn {
                source: Source::Model {
                    name: MODEL.into(),
                    version: version.clone(),
                    score: result.score as f32,
                },
                status,
                ..SegmentIn::human(start, end, builder.label(None, label), ANNOTATOR)
            };
            builder.segment(track, segment);
        }
    }
    Ok(builder.finish())
}

/// The track an annotation or result names, [`TRACK`] when it names none.
fn track_name(track: &Option<String>) -> &str {
    match track.as_deref().map(str::trim) {
        Some(name) if !name.is_empty() => name,
        _ => TRACK,
    }
}

/// A video's `fps`: a number or the text [`FrameRate::parse`] reads.
fn rate(fps: &Value) -> Option<FrameRate> {
    match fps {
        Value::String(text) => FrameRate::parse(text),
        Value::Number(n) => FrameRate::parse(&n.to_string()),
        _ => None,
    }
}

/// The label of an annotation or result at `at`, once its segment is known to be sound.
fn checked<'a>(start: f64, end: f64, label: &'a str, at: &str) -> Result<&'a str, FormatError> {
    check_span(start, end).map_err(|m| FormatError::field(FORMAT, format!("{at}.segment"), m))?;
    if label.trim().is_empty() {
        return Err(FormatError::field(
            FORMAT,
            format!("{at}.label"),
            "the label is empty",
        ));
    }
    Ok(label)
}

/// `video`'s segments that `keep` picks, with their tracks, in time order.
fn segments_of<'a>(
    project: &'a Project,
    video: &Video,
    keep: impl Fn(&Segment) -> bool,
) -> impl Iterator<Item = (&'a Track, &'a Segment)> {
    let mut found: Vec<(&Track, &Segment)> = project
        .tracks_of(video.id)
        .flat_map(|t| t.segments.iter().map(move |s| (t, s)))
        .filter(|(_, s)| keep(s))
        .collect();
    found.sort_by_key(|(_, s)| (s.start, s.end, s.id));
    found.into_iter()
}

fn span(video: &Video, segment: &Segment) -> [f64; 2] {
    [
        seconds_number(video.seconds(segment.start)),
        seconds_number(video.seconds(segment.end)),
    ]
}

/// The label sets the ground truth uses, as ActivityNet's taxonomy: a `Root` node 0 and one
/// node per label under its parent (top-level labels under the root).
fn taxonomy(project: &Project) -> Vec<Value> {
    let used: BTreeSet<&str> = project
        .segments()
        .filter(|(_, s)| is_ground_truth(s))
        .map(|(_, s)| s.label.set.as_str())
        .collect();
    let mut nodes =
        vec![json!({"nodeId": 0, "nodeName": "Root", "parentId": null, "parentName": null})];
    for set in project
        .label_sets
        .iter()
        .filter(|s| used.contains(s.id.as_str()))
    {
        let first = nodes.len();
        for label in &set.labels {
            let parent = label
                .parent
                .as_deref()
                .and_then(|p| set.labels.iter().position(|l| l.id == p));
            let (parent_id, parent_name) = match parent {
                Some(at) => (first + at, set.labels[at].name.as_str()),
                None => (0, "Root"),
            };
            nodes.push(json!({
                "nodeId": nodes.len(),
                "nodeName": label.name,
                "parentId": parent_id,
                "parentName": parent_name,
            }));
        }
    }
    nodes
}

/// The name without its extension, unless another video of the project has the same stem.
fn video_key(project: &Project, video: &Video) -> String {
    let own = stem(&video.name);
    let shared = project
        .videos
        .iter()
        .any(|v| v.id != video.id && stem(&v.name) == own);
    if shared {
        video.name.clone()
    } else {
        own.into()
    }
}

/// The open project's video a key names (whole name, else the one video with that stem), or
/// the key itself for a video the project does not have.
fn video_name(base: &Project, key: &str) -> String {
    if base.videos.iter().any(|v| v.name == key) {
        return key.into();
    }
    let mut by_stem = base.videos.iter().filter(|v| stem(&v.name) == key);
    match (by_stem.next(), by_stem.next()) {
        (Some(video), None) => video.name.clone(),
        _ => key.into(),
    }
}

fn stem(name: &str) -> &str {
    match name.rsplit_once('.') {
        Some((stem, _)) if !stem.is_empty() => stem,
        _ => name,
    }
}

fn resolution(text: &str) -> Option<(u32, u32)> {
    let (width, height) = text.split_once('x')?;
    Some((width.trim().parse().ok()?, height.trim().parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::Place;
    use crate::formats::common::fixture;
    use crate::model::LabelRef;
    use crate::sample::sample_project;

    /// `(track, start, end, label, score, status)` of every segment, in track order.
    fn all_spans(project: &Project) -> Vec<(String, u64, u64, String, Option<f32>, Status)> {
        project
            .segments()
            .map(|(t, s)| {
                let label = s.label.label.clone();
                (
                    t.meta.name.clone(),
                    s.start,
                    s.end,
                    label,
                    s.score(),
                    s.status,
                )
            })
            .collect()
    }

    #[test]
    fn ground_truth_round_trip_keeps_human_labels_on_their_tracks() {
        let sample = sample_project();
        let text = export_ground_truth(&sample);
        let doc: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(doc["database"]["walk"]["subset"], "validation");
        assert_eq!(doc["database"]["walk"]["duration"], 10.0);
        assert_eq!(doc["database"]["walk"]["resolution"], "640x360");
        assert_eq!(doc["database"]["walk"]["fps"], "30");
        // MA-52 is the only set used: root, 7 body parts, 52 actions.
        assert_eq!(doc["taxonomy"].as_array().unwrap().len(), 60);
        assert_eq!(doc["taxonomy"][10]["parentName"], "head");

        let back = import(&sample, &text).unwrap();
        assert_eq!(back.videos, sample.videos, "walk matches walk.webm by stem");
        let accepted = Status::Accepted;
        assert_eq!(
            all_spans(&back),
            [
                ("Person 1".into(), 0, 45, "nodding".into(), None, accepted),
                (
                    "Person 1".into(),
                    45,
                    90,
                    "shaking head".into(),
                    None,
                    accepted
                ),
                (
                    "Person 2".into(),
                    10,
                    200,
                    "crossing arms".into(),
                    None,
                    accepted
                ),
            ]
        );
        for (_, segment) in back.segments() {
            assert_eq!(segment.label.set, "ma52");
            assert_eq!(
                segment.source,
                Source::Human {
                    annotator: ANNOTATOR.into()
                }
            );
            assert_eq!(segment.note, None);
        }
        assert!(back.label_sets.is_empty(), "all labels found in the base");
    }

    #[test]
    fn predictions_are_the_proposals_nobody_accepted_with_their_status() {
        let mut sample = sample_project();
        // No ground truth has the proposals' labels: the official reader would stop on them.
        let out = export_predictions(&sample);
        assert_eq!(out.left_out, 2);
        // Give the proposals labels the ground truth uses.
        for track in &mut sample.tracks {
            for segment in &mut track.segments {
                if segment.score().is_some() {
                    segment.label = LabelRef::new("ma52", "nodding");
                }
            }
        }
        let out = export_predictions(&sample);
        assert_eq!(out.left_out, 0);
        let doc: Value = serde_json::from_str(&out.text).unwrap();
        assert_eq!(doc["external_data"]["details"], "ddnet-penn 0.1.0");
        assert!(
            out.text.contains("\"score\": 0.42,"),
            "no float noise: {}",
            out.text
        );
        let back = import(&sample, &out.text).unwrap();
        let nodding = || "nodding".to_string();
        assert_eq!(
            all_spans(&back),
            [
                (
                    "Person 2".into(),
                    60,
                    75,
                    nodding(),
                    Some(0.42),
                    Status::Rejected
                ),
                (
                    "Person 1".into(),
                    120,
                    150,
                    nodding(),
                    Some(0.87),
                    Status::Proposed
                ),
            ]
        );
        assert_eq!(
            back.tracks[0].segments[0].source,
            Source::Model {
                name: MODEL.into(),
                version: VERSION.into(),
                score: 0.42
            }
        );
    }

    #[test]
    fn a_file_without_rates_keeps_milliseconds_until_the_clip_is_known() {
        let mut sample = sample_project();
        sample.videos[0].rate = FrameRate::new(25, 1).unwrap();
        let mut text: Value = serde_json::from_str(&export_ground_truth(&sample)).unwrap();
        assert_eq!(text["database"]["walk"]["fps"], "25");
        let back = import(&Project::new("empty"), &text.to_string()).unwrap();
        assert_eq!(back.videos[0].rate, sample.videos[0].rate);
        assert_eq!(back.tracks[0].segments[0].end, 45, "frames exact at 25 fps");
        text["database"]["walk"]
            .as_object_mut()
            .unwrap()
            .remove("fps");
        let back = import(&Project::new("empty"), &text.to_string()).unwrap();
        assert!(back.videos[0].rate_unknown);
        assert_eq!(
            back.tracks[0].segments[0].end, 1800,
            "1.8 s in milliseconds"
        );
    }

    #[test]
    fn unknown_videos_keep_the_key_and_labels_go_to_the_imported_set() {
        let text = export_ground_truth(&sample_project());
        let back = import(&Project::new("empty"), &text).unwrap();
        assert_eq!(back.videos[0].name, "walk");
        assert_eq!(back.videos[0].frames, 300, "10 s at the file's 30 fps");
        assert_eq!(back.label_sets[0].id, crate::formats::IMPORTED_SET);
        assert_eq!(back.label_sets[0].labels.len(), 3);
    }

    #[test]
    fn keys_with_a_shared_stem_keep_their_extension() {
        let mut project = sample_project();
        let mut other = project.videos[0].clone();
        other.id = project.next_video_id();
        other.name = "walk.mp4".into();
        project.videos.push(other);
        let doc: Value = serde_json::from_str(&export_ground_truth(&project)).unwrap();
        let keys: Vec<_> = doc["database"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect();
        assert_eq!(keys, ["walk.mp4", "walk.webm"]);
    }

    #[test]
    fn official_sample_predictions_import() {
        // An excerpt of Evaluation/data/sample_detection_prediction.json (see the README).
        let project = import(
            &Project::new("x"),
            &fixture("activitynet_sample_detection_prediction.json"),
        )
        .unwrap();
        let names: Vec<_> = project.videos.iter().map(|v| v.name.as_str()).collect();
        assert_eq!(names, ["JDg--pjY5gg", "vD9oh7NZ2PA", "wONwHYy59Tc"]);
        let canoeing: Vec<_> = project.tracks[1].segments.iter().collect();
        assert_eq!(canoeing.len(), 2);
        // 13.600 s and 17.326 s, in milliseconds until the clip's rate is known.
        assert!(project.videos.iter().all(|v| v.rate_unknown));
        assert_eq!((canoeing[0].start, canoeing[0].end), (13600, 17326));
        assert_eq!(canoeing[0].label, LabelRef::new("imported", "Canoeing"));
        assert_eq!(canoeing[0].score(), Some(1.0));
    }

    #[test]
    fn documented_ground_truth_imports_every_subset() {
        let project = import(
            &Project::new("x"),
            &fixture("activitynet_ground_truth.json"),
        )
        .unwrap();
        assert_eq!(project.videos.len(), 3);
        let tennis = &project.videos[0];
        assert_eq!((tennis.width, tennis.height), (1920, 1080));
        assert_eq!(
            tennis.frames, 6990,
            "6.99 s in milliseconds: no rate in the file"
        );
        assert_eq!(project.tracks[1].segments.len(), 2);
        assert_eq!(
            project.tracks[2].segments.len(),
            0,
            "a test video without labels"
        );
    }

    #[test]
    fn malformed_files_name_the_place() {
        let base = Project::new("x");
        let err = import(&base, "{\"database\": {\n  \"v\": [\n}").unwrap_err();
        assert!(matches!(err.place, Place::Line { line: 3, .. }), "{err}");

        let err = import(&base, "{\"results\": {\"v\": [{\"label\": \"a\", \"score\": \"high\", \"segment\": [0, 1]}]}}").unwrap_err();
        assert!(
            err.to_string().contains("invalid type: string \"high\""),
            "{err}"
        );

        let bad = r#"{"database": {"v_1": {"annotations": [
            {"segment": [0, 1], "label": "a"},
            {"segment": [1, 2], "label": "a"},
            {"segment": [5, 3], "label": "a"}]}}}"#;
        let err = import(&base, bad).unwrap_err();
        assert_eq!(
            err.place,
            Place::Field("database.v_1.annotations[2].segment".into())
        );
        assert!(err.message.contains("before it starts"), "{err}");

        let err = import(
            &base,
            r#"{"results": {"v": [{"label": " ", "score": 1, "segment": [0, 1]}]}}"#,
        )
        .unwrap_err();
        assert_eq!(err.place, Place::Field("results.v[0].label".into()));

        let err = import(&base, r#"{"version": "VERSION 1.3"}"#).unwrap_err();
        assert_eq!(err.place, Place::File);
        assert!(import(&base, "[1, 2]").is_err());
        assert!(import(&base, "").is_err());
    }
}
