//! CVAT for video 1.1 (export only).
//!
//! The file is `<annotations>` holding `<version>1.1</version>`, a `<meta><task>` that describes
//! the task (`size` = frame count, `mode` = `interpolation`, `start_frame`/`stop_frame`, the
//! `labels` with their `attributes` — `name`, `mutable`, `input_type`, `default_value`, `values`
//! one per line — the `original_size` in pixels and the `source` file name) and one `<track id
//! label source>` per object: `<box frame xtl ytl xbr ybr outside occluded keyframe z_order>`
//! elements in pixels, CVAT interpolating linearly between key boxes, each box carrying the
//! values of the label's attributes on that frame as `<attribute name>value</attribute>`.
//! Mapping: every microact track of the video is one track of the label `person`, its key boxes
//! denormalised with the video's width and height (a track without boxes gets the full frame).
//! Actions are a mutable `select` attribute `action` of the person (values: `none` and the names
//! of the labels used), written on a key box at every segment boundary, as CVAT users annotate
//! AVA-style actions: the person is the tracked object and its state changes at keyframes,
//! rather than one short track per action with a box that merely repeats the person's. The
//! track's name, person id and description are immutable `text` attributes. The track `source`
//! is `auto` when every segment is a model proposal, else `manual`. Only ground truth is
//! written ([`super::truth`]): the human label on a frame, never an open or rejected proposal
//! over it. Not carried: where segments
//! of one track overlap, the one that started last is the action (a select holds one value);
//! notes, segment attributes, status, scores and annotators; label sets (only the names used);
//! poses.

use std::collections::BTreeSet;

use super::FormatError;
use super::common::label_name;
use super::truth::is_ground_truth;
use super::xml::{self, Element};
use crate::model::{Frame, NormRect, Project, Segment, Source, Track, Video, VideoId};

pub const FORMAT: &str = "CVAT for video 1.1";

const PERSON: &str = "person";
const ACTION: &str = "action";
/// The `action` value on frames no segment covers.
const NO_ACTION: &str = "none";

/// The annotations file for `video`'s tracks.
pub fn export(project: &Project, video: VideoId) -> Result<String, FormatError> {
    let v = project
        .video(video)
        .ok_or_else(|| FormatError::field(FORMAT, "video", format!("no video {}", video.0)))?;
    if v.width == 0 || v.height == 0 {
        return Err(FormatError::field(
            FORMAT,
            "video",
            format!(
                "{}: pixel size unknown; open the clip first so boxes can be given in pixels",
                v.name
            ),
        ));
    }
    let tracks: Vec<&Track> = project.tracks_of(video).collect();
    let actions: BTreeSet<&str> = tracks
        .iter()
        .flat_map(|t| t.segments.iter().filter(|s| is_ground_truth(s)))
        .map(|s| label_name(project, &s.label))
        .collect();
    let values: Vec<&str> = std::iter::once(NO_ACTION).chain(actions).collect();

    let attribute = |name: &str, mutable: bool, input: &str, default: &str, values: &str| {
        Element::new("attribute")
            .child(Element::new("name").text(name))
            .child(Element::new("mutable").text(if mutable { "True" } else { "False" }))
            .child(Element::new("input_type").text(input))
            .child(Element::new("default_value").text(default))
            .child(Element::new("values").text(values))
    };
    let label = Element::new("label")
        .child(Element::new("name").text(PERSON))
        .child(Element::new("type").text("rectangle"))
        .child(
            Element::new("attributes")
                .child(attribute(
                    ACTION,
                    true,
                    "select",
                    NO_ACTION,
                    &values.join("\n"),
                ))
                .child(attribute("name", false, "text", "", ""))
                .child(attribute("person", false, "text", "", ""))
                .child(attribute("description", false, "text", "", "")),
        );
    let text = |name: &str, value: String| Element::new(name).text(value);
    let task = Element::new("task")
        .child(text("name", project.name.clone()))
        .child(text("size", v.frames.to_string()))
        .child(text("mode", "interpolation".into()))
        .child(text("overlap", "0".into()))
        .child(text("start_frame", "0".into()))
        .child(text("stop_frame", v.frames.saturating_sub(1).to_string()))
        .child(Element::new("labels").child(label))
        .child(
            Element::new("original_size")
                .child(text("width", v.width.to_string()))
                .child(text("height", v.height.to_string())),
        )
        .child(text("source", v.name.clone()));
    let mut root = Element::new("annotations")
        .child(text("version", "1.1".into()))
        .child(Element::new("meta").child(task));
    for (id, track) in tracks.iter().enumerate() {
        root = root.child(track_element(project, v, track, id));
    }
    Ok(xml::print(&root))
}

fn track_element(project: &Project, video: &Video, track: &Track, id: usize) -> Element {
    let segments: Vec<&Segment> = track
        .segments
        .iter()
        .filter(|s| is_ground_truth(s))
        .collect();
    let all_model = !segments.is_empty()
        && segments
            .iter()
            .all(|s| matches!(s.source, Source::Model { .. }));
    let mut element = Element::new("track")
        .attr("id", id.to_string())
        .attr("label", PERSON)
        .attr("source", if all_model { "auto" } else { "manual" });
    let mut keyframes: BTreeSet<Frame> = track
        .boxes
        .iter()
        .map(|b| b.frame)
        .chain(segments.iter().flat_map(|s| [s.start, s.end]))
        .filter(|&f| f < video.frames.max(1))
        .collect();
    // CVAT drops a track without boxes; an empty one still shows the person's attributes.
    if keyframes.is_empty() {
        keyframes.insert(0);
    }
    let immutable = [
        ("name", track.meta.name.clone()),
        ("person", track.meta.person.to_string()),
        (
            "description",
            track.meta.description.clone().unwrap_or_default(),
        ),
    ];
    for frame in keyframes {
        let rect = box_at(track, frame);
        let pixels = |v: f32, size: u32| format!("{:.2}", f64::from(v) * f64::from(size));
        // The latest-starting segment covering the frame: a select holds one action.
        let action = segments
            .iter()
            .filter(|s| s.contains(frame))
            .max_by_key(|s| s.start)
            .map_or(NO_ACTION, |s| label_name(project, &s.label));
        let mut shape = Element::new("box")
            .attr("frame", frame.to_string())
            .attr("keyframe", "1")
            .attr("outside", "0")
            .attr("occluded", "0")
            .attr("xtl", pixels(rect.x1, video.width))
            .attr("ytl", pixels(rect.y1, video.height))
            .attr("xbr", pixels(rect.x2, video.width))
            .attr("ybr", pixels(rect.y2, video.height))
            .attr("z_order", "0")
            .child(Element::new("attribute").attr("name", ACTION).text(action));
        for (name, value) in &immutable {
            shape = shape.child(
                Element::new("attribute")
                    .attr("name", *name)
                    .text(value.clone()),
            );
        }
        element = element.child(shape);
    }
    element
}

/// The track's box on `frame` as CVAT would interpolate it: linear between the key boxes around
/// it, the nearest one outside their range, the whole frame when the track has none.
fn box_at(track: &Track, frame: Frame) -> NormRect {
    let after = track.boxes.partition_point(|b| b.frame <= frame);
    let (before, next) = (
        after.checked_sub(1).and_then(|i| track.boxes.get(i)),
        track.boxes.get(after),
    );
    match (before, next) {
        (Some(a), Some(b)) => {
            let t = (frame - a.frame) as f32 / (b.frame - a.frame) as f32;
            let mix = |p: f32, q: f32| p + (q - p) * t;
            NormRect {
                x1: mix(a.rect.x1, b.rect.x1),
                y1: mix(a.rect.y1, b.rect.y1),
                x2: mix(a.rect.x2, b.rect.x2),
                y2: mix(a.rect.y2, b.rect.y2),
            }
        }
        (Some(only), None) | (None, Some(only)) => only.rect,
        (None, None) => NormRect {
            x1: 0.0,
            y1: 0.0,
            x2: 1.0,
            y2: 1.0,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sample::sample_project;

    /// (frame, xtl, ytl, xbr, ybr, action) of each box of a track element.
    fn boxes(track: &Element) -> Vec<(String, String, String, String, String, String)> {
        track
            .all("box")
            .map(|b| {
                let get = |k: &str| b.get(k).unwrap_or("").to_string();
                let action = b
                    .all("attribute")
                    .find(|a| a.get("name") == Some(ACTION))
                    .map(|a| a.text.clone())
                    .unwrap_or_default();
                (
                    get("frame"),
                    get("xtl"),
                    get("ytl"),
                    get("xbr"),
                    get("ybr"),
                    action,
                )
            })
            .collect()
    }

    fn row(
        frame: &str,
        rect: [&str; 4],
        action: &str,
    ) -> (String, String, String, String, String, String) {
        let [a, b, c, d] = rect.map(String::from);
        (frame.into(), a, b, c, d, action.into())
    }

    #[test]
    fn sample_exports_person_tracks_with_actions_at_boundaries() {
        let text = export(&sample_project(), VideoId(0)).unwrap();
        let root = xml::parse(FORMAT, &text).unwrap();
        assert_eq!(root.child_text("version"), Some("1.1"));
        let task = root.first("meta").and_then(|m| m.first("task")).unwrap();
        assert_eq!(task.child_text("size"), Some("300"));
        assert_eq!(task.child_text("stop_frame"), Some("299"));
        assert_eq!(task.child_text("source"), Some("walk.webm"));
        let size = task.first("original_size").unwrap();
        assert_eq!(
            (size.child_text("width"), size.child_text("height")),
            (Some("640"), Some("360"))
        );
        let action = task
            .first("labels")
            .and_then(|l| l.first("label"))
            .and_then(|l| l.first("attributes"))
            .and_then(|a| {
                a.all("attribute")
                    .find(|a| a.child_text("name") == Some(ACTION))
            })
            .unwrap();
        assert_eq!(action.child_text("mutable"), Some("True"));
        assert_eq!(
            action.child_text("values"),
            Some("none\ncrossing arms\nnodding\nshaking head"),
            "ground truth only: no proposal's label"
        );

        let tracks: Vec<&Element> = root.all("track").collect();
        assert_eq!(tracks.len(), 2);
        assert_eq!(tracks[0].get("label"), Some("person"));
        assert_eq!(tracks[0].get("source"), Some("manual"));
        // One key box (frame 30) held before and after; actions change at segment edges. The
        // rejected waving proposal (120..150) is not there.
        let person = ["64.00", "72.00", "256.00", "342.00"];
        assert_eq!(
            boxes(tracks[0]),
            [
                row("0", person, "nodding"),
                row("30", person, "nodding"),
                row("45", person, "shaking head"),
                row("90", person, "none"),
            ]
        );
        // No boxes: the full frame; the open touching-nose proposal (60..75) does not hide the
        // human label under it.
        let full = ["0.00", "0.00", "640.00", "360.00"];
        assert_eq!(
            boxes(tracks[1]),
            [row("10", full, "crossing arms"), row("200", full, "none")]
        );
        let description = tracks[0]
            .first("box")
            .and_then(|b| {
                b.all("attribute")
                    .find(|a| a.get("name") == Some("description"))
            })
            .map(|a| a.text.as_str());
        assert_eq!(
            description,
            Some("the woman in the green shirt on the left")
        );
    }

    /// The export of the sample as committed, which `scripts/fixtures/read_cvat_export.py` loads
    /// with datumaro.
    #[test]
    fn export_matches_the_committed_sample() {
        xml::assert_fixture(
            "microact-sample-cvat.xml",
            &export(&sample_project(), VideoId(0)).unwrap(),
        );
    }

    #[test]
    fn boxes_interpolate_between_keyframes() {
        let mut track = sample_project().tracks[0].clone();
        track.boxes.push(crate::model::KeyBox {
            frame: 50,
            rect: NormRect {
                x1: 0.3,
                y1: 0.2,
                x2: 0.6,
                y2: 0.95,
            },
        });
        let mid = box_at(&track, 40);
        assert!(
            (mid.x1 - 0.2).abs() < 1e-6 && (mid.x2 - 0.5).abs() < 1e-6,
            "{mid:?}"
        );
        assert_eq!(box_at(&track, 70).x1, 0.3);
    }

    #[test]
    fn unknown_video_size_is_an_error() {
        let mut project = sample_project();
        project.videos[0].width = 0;
        let err = export(&project, VideoId(0)).unwrap_err();
        assert!(err.to_string().contains("pixel size unknown"), "{err}");
        assert!(export(&project, VideoId(7)).is_err());
    }
}
