//! VIA3 project JSON, as the VGG Image Annotator 3 video annotator saves it (data format
//! 3.1.1): `{project: {pid, rev, rev_timestamp, pname, creator, created, data_format_version,
//! vid_list}, config: {file: {loc_prefix}, ui}, attribute: {"<aid>": {aname, anchor_id, type,
//! desc, options: {"<option id>": "<shown text>"}, default_option_id}}, file: {"<fid>": {fid,
//! fname, type: 4 (video), loc, src}}, view: {"<vid>": {fid_list: ["<fid>"]}}, metadata:
//! {"<vid>_<id>": {vid, flg, z, xy, av: {"<aid>": "<value>"}}}}`. An attribute anchored at
//! `FILE1_Z2_XY0` is a temporal-segment attribute, which VIA3 draws as one timeline row; a
//! metadata with `z: [t0, t1]` in seconds and an empty `xy` is a segment on the rows whose
//! attribute ids its `av` names, the value being an option id for attributes with options and
//! free text otherwise. Metadata with one `z` or a non-empty `xy` are spatial regions.
//!
//! Export makes one SELECT attribute per track name (VIA3 attributes are project-wide, so the
//! tracks of one name in several videos share one; its `desc` is the first one's description),
//! whose options are the labels that track name's ground truth uses, with option ids
//! `<set>/<label id>` so labels come back exactly; one file and view per video; one metadata
//! per segment people stand behind (see [`super::truth`]): VIA3 has no proposals or
//! scores. Import reads every temporal-segment attribute into a track of that name in each
//! video where it has segments, the attribute's `desc` as the track's description, and every
//! segment as an accepted human label credited to [`ANNOTATOR`]; segments with an empty value
//! are skipped, a view of several files is read as its first file. Not carried: model
//! proposals and scores, statuses, notes, attributes, annotators, person ids, the exclusive
//! flag, boxes, frame rates.

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::builder::SegmentIn;
use super::common::{check_span, label_name, seconds_number};
use super::truth::is_ground_truth;
use super::{FormatError, ImportBuilder};
use crate::model::{LabelRef, Project};

pub const FORMAT: &str = "VIA3";
/// Who imported segments are credited to.
pub const ANNOTATOR: &str = "via3";
/// The anchor of attributes that describe a temporal segment of one file.
const TEMPORAL: &str = "FILE1_Z2_XY0";
/// VIA3's attribute input types (`_VIA_ATTRIBUTE_TYPE`) and file types (`_VIA_FILE_TYPE`).
const SELECT: u32 = 4;
const VIDEO: u32 = 4;
/// `_VIA_FILE_LOC.LOCAL`: a file the user picks from their disk, as microact's videos are.
const LOCAL: u32 = 1;
/// The `desc` VIA3 gives the attribute it adds by default; not a description of anyone.
const DEFAULT_DESC: &str = "Temporal segment attribute added by default";

pub fn export(project: &Project) -> String {
    let mut names: Vec<&str> = Vec::new();
    for track in &project.tracks {
        if !names.contains(&track.meta.name.as_str()) {
            names.push(&track.meta.name);
        }
    }
    let aid = |name: &str| names.iter().position(|n| *n == name).map_or(0, |i| i + 1);
    let mut attributes = Map::new();
    for (i, name) in names.iter().enumerate() {
        let desc = project
            .tracks
            .iter()
            .filter(|t| t.meta.name == *name)
            .find_map(|t| t.meta.description.as_deref())
            .unwrap_or("");
        attributes.insert(
            (i + 1).to_string(),
            json!({
                "aname": name,
                "anchor_id": TEMPORAL,
                "type": SELECT,
                "desc": desc,
                "options": options(project, name),
                "default_option_id": "",
            }),
        );
    }
    let (mut files, mut views, mut metadata) = (Map::new(), Map::new(), Map::new());
    let mut vid_list = Vec::new();
    for (i, video) in project.videos.iter().enumerate() {
        let id = (i + 1).to_string();
        files.insert(
            id.clone(),
            json!({"fid": id, "fname": video.name, "type": VIDEO, "loc": LOCAL, "src": ""}),
        );
        views.insert(id.clone(), json!({"fid_list": [id]}));
        for track in project.tracks_of(video.id) {
            for segment in track.segments.iter().filter(|s| is_ground_truth(s)) {
                let z = [
                    seconds_number(video.seconds(segment.start)),
                    seconds_number(video.seconds(segment.end)),
                ];
                metadata.insert(
                    format!("{id}_{}", segment.id.0),
                    json!({
                        "vid": id,
                        "flg": 0,
                        "z": z,
                        "xy": [],
                        "av": {aid(&track.meta.name).to_string(): option_id(&segment.label)},
                    }),
                );
            }
        }
        vid_list.push(id);
    }
    let file = json!({
        "project": {
            // VIA3's markers for a project that lives only in the file, not on a VIA server.
            "pid": "__VIA_PROJECT_ID__",
            "rev": "__VIA_PROJECT_REV_ID__",
            "rev_timestamp": "__VIA_PROJECT_REV_TIMESTAMP__",
            "pname": project.name,
            "creator": "microact",
            "created": 0,
            "data_format_version": "3.1.1",
            "vid_list": vid_list,
        },
        "config": {
            "file": {"loc_prefix": {"1": "", "2": "", "3": "", "4": ""}},
            "ui": {"file_content_align": "center"},
        },
        "attribute": attributes,
        "file": files,
        "view": views,
        "metadata": metadata,
    });
    serde_json::to_string_pretty(&file).unwrap_or_default()
}

fn option_id(label: &LabelRef) -> String {
    format!("{}/{}", label.set, label.label)
}

/// The labels the ground truth of tracks named `name` uses, in label-set order: VIA3 draws a
/// timeline row per option, so unused labels would only add empty rows.
fn options(project: &Project, name: &str) -> Map<String, Value> {
    let used: BTreeSet<&LabelRef> = project
        .tracks
        .iter()
        .filter(|t| t.meta.name == name)
        .flat_map(|t| t.segments.iter().filter(|s| is_ground_truth(s)))
        .map(|s| &s.label)
        .collect();
    let order = |label: &LabelRef| {
        let set = project.label_sets.iter().position(|s| s.id == label.set);
        let at = set.and_then(|i| {
            project.label_sets[i]
                .labels
                .iter()
                .position(|l| l.id == label.label)
        });
        (set.unwrap_or(usize::MAX), at.unwrap_or(usize::MAX))
    };
    let mut used: Vec<&LabelRef> = used.into_iter().collect();
    used.sort_by_key(|l| order(l));
    used.into_iter()
        .map(|label| (option_id(label), label_name(project, label).into()))
        .collect()
}

#[derive(Deserialize)]
struct FileIn {
    #[serde(default)]
    attribute: BTreeMap<String, AttributeIn>,
    #[serde(default)]
    file: BTreeMap<String, FileEntry>,
    #[serde(default)]
    view: BTreeMap<String, ViewIn>,
    #[serde(default)]
    metadata: BTreeMap<String, MetadataIn>,
}

#[derive(Deserialize)]
struct AttributeIn {
    #[serde(default)]
    aname: String,
    #[serde(default)]
    anchor_id: String,
    #[serde(default)]
    desc: String,
    #[serde(default)]
    options: BTreeMap<String, String>,
}

#[derive(Deserialize)]
struct FileEntry {
    fname: String,
}

#[derive(Deserialize)]
struct ViewIn {
    #[serde(default)]
    fid_list: Vec<Id>,
}

#[derive(Deserialize)]
struct MetadataIn {
    vid: Id,
    #[serde(default)]
    z: Vec<f64>,
    #[serde(default)]
    xy: Vec<Value>,
    #[serde(default)]
    av: BTreeMap<String, Value>,
}

/// VIA3 writes ids as strings, its demos sometimes as numbers.
#[derive(Deserialize)]
#[serde(untagged)]
enum Id {
    Text(String),
    Number(u64),
}

impl Id {
    fn text(&self) -> String {
        match self {
            Id::Text(text) => text.clone(),
            Id::Number(number) => number.to_string(),
        }
    }
}

/// A temporal segment as the file has it, its attribute and view known to exist.
struct Found<'a> {
    start: f64,
    end: f64,
    value: String,
    attribute: &'a AttributeIn,
}

/// Reads a VIA3 project next to `base`, the open project; `Err` names the JSON line or the
/// field path at fault.
pub fn import(base: &Project, text: &str) -> Result<Project, FormatError> {
    let file: FileIn = serde_json::from_str(text).map_err(|e| FormatError::json(FORMAT, &e))?;
    let mut rows: Vec<(&String, &AttributeIn)> = file
        .attribute
        .iter()
        .filter(|(_, a)| a.anchor_id == TEMPORAL)
        .collect();
    rows.sort_by_key(|(aid, _)| id_order(aid));
    let mut views: Vec<&String> = file.view.keys().collect();
    views.sort_by_key(|vid| id_order(vid));

    // Segments by (view, row) position, so tracks come in view then attribute order.
    let mut found: BTreeMap<(usize, usize), Vec<Found>> = BTreeMap::new();
    for (mid, m) in &file.metadata {
        let [start, end] = m.z[..] else { continue };
        if !m.xy.is_empty() {
            continue;
        }
        let vid = m.vid.text();
        let Some(view) = views.iter().position(|v| **v == vid) else {
            return Err(FormatError::field(
                FORMAT,
                format!("metadata.{mid}.vid"),
                format!("names view {vid:?}, which the file does not have"),
            ));
        };
        check_span(start, end)
            .map_err(|e| FormatError::field(FORMAT, format!("metadata.{mid}.z"), e))?;
        for (row, (aid, attribute)) in rows.iter().enumerate() {
            let value = match m.av.get(aid.as_str()) {
                None => continue,
                Some(Value::String(text)) => text.trim().to_string(),
                Some(Value::Number(number)) => number.to_string(),
                Some(_) => {
                    return Err(FormatError::field(
                        FORMAT,
                        format!("metadata.{mid}.av.{aid}"),
                        "expected text or a number",
                    ));
                }
            };
            if !value.is_empty() {
                found.entry((view, row)).or_default().push(Found {
                    start,
                    end,
                    value,
                    attribute,
                });
            }
        }
    }

    let mut builder = ImportBuilder::new(base);
    let mut videos = Vec::new();
    for vid in &views {
        let fid = file.view.get(*vid).and_then(|v| v.fid_list.first());
        let Some(entry) = fid.and_then(|fid| file.file.get(&fid.text())) else {
            return Err(FormatError::field(
                FORMAT,
                format!("view.{vid}.fid_list"),
                "names no file the project has",
            ));
        };
        videos.push(builder.video(&entry.fname, None, None));
    }
    for ((view, row), segments) in found {
        let (aid, attribute) = rows[row];
        let name = match attribute.aname.trim() {
            "" => format!("attribute {aid}"),
            name => name.to_string(),
        };
        let track = builder.track(videos[view], &name);
        let desc = attribute.desc.trim();
        if !desc.is_empty()
            && desc != name
            && desc != DEFAULT_DESC
            && let Some(track) = builder.track_mut(track)
        {
            track.meta.description = Some(desc.to_string());
        }
        for segment in segments {
            let label = label(&mut builder, segment.attribute, &segment.value);
            let segment = SegmentIn::human(segment.start, segment.end, label, ANNOTATOR);
            builder.segment(track, segment);
        }
    }
    Ok(builder.finish())
}

/// The label a value names: an option of ours (`<set>/<label id>`) exactly, else the option's
/// text, else the value itself (text attributes), looked up by name.
fn label(builder: &mut ImportBuilder, attribute: &AttributeIn, value: &str) -> LabelRef {
    let Some(text) = attribute
        .options
        .get(value)
        .filter(|t| !t.trim().is_empty())
    else {
        return builder.label(None, value);
    };
    if let Some((set, id)) = value.split_once('/') {
        let exact = LabelRef::new(set, id);
        if builder.project().label(&exact).is_some() {
            return exact;
        }
    }
    builder.label(None, text)
}

/// Numeric ids in numeric order ("2" before "10"), then the rest by text.
fn id_order(id: &str) -> (u64, &str) {
    (id.parse().unwrap_or(u64::MAX), id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::Place;
    use crate::formats::common::fixture;
    use crate::model::{Source, Status};
    use crate::sample::sample_project;

    /// `(track, start, end, label)` of every segment, in track order.
    fn spans(project: &Project) -> Vec<(String, u64, u64, String)> {
        project
            .segments()
            .map(|(t, s)| (t.meta.name.clone(), s.start, s.end, s.label.label.clone()))
            .collect()
    }

    #[test]
    fn export_has_the_layout_via3_saves() {
        let doc: Value = serde_json::from_str(&export(&sample_project())).unwrap();
        assert_eq!(doc["project"]["vid_list"], json!(["1"]));
        assert_eq!(doc["project"]["data_format_version"], "3.1.1");
        let first = &doc["attribute"]["1"];
        assert_eq!(first["aname"], "Person 1");
        assert_eq!(first["anchor_id"], "FILE1_Z2_XY0");
        assert_eq!(first["type"], 4);
        assert_eq!(first["desc"], "the woman in the green shirt on the left");
        assert_eq!(first["options"]["ma52/nodding"], "nodding");
        assert_eq!(
            first["options"].as_object().unwrap().len(),
            2,
            "only the labels Person 1's ground truth uses: nodding, shaking head"
        );
        assert_eq!(doc["attribute"]["2"]["aname"], "Person 2");
        assert_eq!(
            doc["file"]["1"],
            json!({"fid": "1", "fname": "walk.webm", "type": 4, "loc": 1, "src": ""})
        );
        assert_eq!(doc["view"]["1"], json!({"fid_list": ["1"]}));
        assert_eq!(
            doc["metadata"]["1_1"],
            json!({"vid": "1", "flg": 0, "z": [1.5, 3.0], "xy": [], "av": {"1": "ma52/shaking head"}})
        );
        // The open proposal (2) and the rejected one (4) stay behind.
        let mids: Vec<_> = doc["metadata"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect();
        assert_eq!(mids, ["1_0", "1_1", "1_3"]);
    }

    #[test]
    fn round_trip_keeps_tracks_descriptions_and_labels() {
        let sample = sample_project();
        let back = import(&sample, &export(&sample)).unwrap();
        assert_eq!(back.videos, sample.videos);
        assert!(
            back.label_sets.is_empty(),
            "labels resolve to the base's sets"
        );
        assert_eq!(
            spans(&back),
            [
                ("Person 1".into(), 0, 45, "nodding".into()),
                ("Person 1".into(), 45, 90, "shaking head".into()),
                ("Person 2".into(), 10, 200, "crossing arms".into()),
            ]
        );
        let (first, second) = (&back.tracks[0], &back.tracks[1]);
        assert_eq!(first.meta.description, sample.tracks[0].meta.description);
        assert_eq!((first.meta.person, second.meta.person), (0, 1));
        assert!(!first.meta.exclusive, "VIA3 has no exclusive flag");
        for (_, segment) in back.segments() {
            assert_eq!(segment.label.set, "ma52");
            assert_eq!(segment.status, Status::Accepted);
            assert_eq!(
                segment.source,
                Source::Human {
                    annotator: ANNOTATOR.into()
                }
            );
            assert!(segment.note.is_none() && segment.attributes.is_empty());
        }
    }

    #[test]
    fn via3_demo_video_project_imports_its_temporal_segments() {
        // VIA3's own video annotator demo (see the README): text attributes, numeric ids,
        // spatial regions beside the segments.
        let project = import(
            &Project::new("x"),
            &fixture("via3_demo_video_annotator.json"),
        )
        .unwrap();
        let project = crate::formats::common::opened_at(
            &project,
            crate::time::FrameRate::new(30, 1).unwrap(),
        );
        assert_eq!(project.videos.len(), 2);
        assert_eq!(project.videos[0].name, "Alioli_Wikimedia_Wardtmar.mp4");
        let tracks: Vec<_> = project
            .tracks
            .iter()
            .map(|t| (t.video.0, t.meta.name.as_str(), t.segments.len()))
            .collect();
        assert_eq!(tracks, [(0, "Activity", 5), (1, "Activity", 3)]);
        assert_eq!(project.tracks[0].meta.description, None, "desc = aname");
        let egg = &project.tracks[0].segments[0];
        assert_eq!((egg.start, egg.end), (60, 195));
        assert_eq!(egg.label, LabelRef::new("imported", "1. break egg"));
        assert_eq!(project.label_sets[0].labels.len(), 7);
    }

    #[test]
    fn saved_project_with_checkbox_and_option_rows_imports() {
        let project = import(&Project::new("x"), &fixture("via3_saved_checkbox.json")).unwrap();
        let project = crate::formats::common::opened_at(
            &project,
            crate::time::FrameRate::new(30, 1).unwrap(),
        );
        assert_eq!(project.videos[0].name, "clip 01.mp4");
        assert_eq!(
            spans(&project),
            [
                ("wave".into(), 7391, 7546, "wave".into()),
                ("TEMPORAL-SEGMENTS".into(), 105, 120, "shake".into()),
            ]
        );
        // VIA3's default desc is not a description; the empty value was skipped.
        assert_eq!(project.tracks[1].meta.description, None);
    }

    #[test]
    fn malformed_projects_name_the_place() {
        let base = Project::new("x");
        let err = import(
            &base,
            "{\n\"metadata\": {\n\"a\": {\"vid\": \"1\", \"z\": \"soon\"}}}",
        )
        .unwrap_err();
        assert!(matches!(err.place, Place::Line { line: 3, .. }), "{err}");
        assert!(import(&base, "{\"file\": ").is_err());

        let project = |metadata: &str| {
            format!(
                r#"{{"attribute": {{"1": {{"aname": "a", "anchor_id": "FILE1_Z2_XY0"}}}},
                "file": {{"1": {{"fname": "v.mp4"}}}}, "view": {{"1": {{"fid_list": ["1"]}}}},
                "metadata": {{{metadata}}}}}"#
            )
        };
        let err = import(
            &base,
            &project(r#""1_x": {"vid": "1", "z": [4, 2], "av": {"1": "l"}}"#),
        )
        .unwrap_err();
        assert_eq!(err.place, Place::Field("metadata.1_x.z".into()));
        let err = import(
            &base,
            &project(r#""9_x": {"vid": "9", "z": [1, 2], "av": {"1": "l"}}"#),
        )
        .unwrap_err();
        assert_eq!(err.place, Place::Field("metadata.9_x.vid".into()));
        let err = import(
            &base,
            &project(r#""1_x": {"vid": 1, "z": [1, 2], "av": {"1": ["l"]}}"#),
        )
        .unwrap_err();
        assert_eq!(err.place, Place::Field("metadata.1_x.av.1".into()));
        let broken = project("").replace("[\"1\"]", "[\"7\"]");
        let err = import(&base, &broken).unwrap_err();
        assert_eq!(err.place, Place::Field("view.1.fid_list".into()));
        let ok = import(
            &base,
            &project(r#""1_x": {"vid": 1, "z": [1, 2], "av": {"1": 3}}"#),
        )
        .unwrap();
        assert_eq!(ok.tracks[0].segments[0].label.label, "3");
    }
}
