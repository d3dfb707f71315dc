//! AVA actions CSV and its label map, and the RefAVA-style variant with referring descriptions.
//!
//! **CSV**: no header, one row per person per action per keyframe:
//! `video_id,middle_frame_timestamp,x1,y1,x2,y2,action_id,person_id`. The timestamp is a whole
//! second (AVA writes four digits, `0902`), the box is the person on that keyframe normalised to
//! the frame (0..1, top left to bottom right), `action_id` is 1-based into the label map and
//! `person_id` ties a person's rows together within a video.
//!
//! **Label map** (`ava_action_list_v2.2_for_activitynet_2019.pbtxt` layout): one
//! `item { name: "bend/bow (at the waist)" id: 1 }` block per action, written one field a line
//! with two-space indents, because AVA's own evaluation code (`read_labelmap`) reads it line by
//! line. Import also takes the `label { name: … label_id: … label_type: … }` layout of
//! `ava_action_list_v2.2.pbtxt`, on one line or many.
//!
//! **RefAVA**: RefAVA (Peng et al., ECCV 2024) publishes its referring descriptions in pickles
//! keyed `video___timestamp___person`, not in a CSV layout, so there is no standard column for
//! them: the variant here appends the description as a ninth, always quoted, column. AVA's own
//! evaluation (`read_csv`) accepts only 7 or 8 columns: give it the plain AVA file; the export
//! dialog says so where it offers RefAVA.
//!
//! **What is written** ([`super::truth`]): the CSV holds ground truth only, `person_id` in the
//! eighth column; model proposals nobody accepted go to a second file in the layout of AVA's
//! detection results, the score in the eighth column (`0.9100`, always with a decimal point,
//! which is how import tells the two apart). Overlapping segments of one action give one row a
//! second (the best score among predictions). Import reads scored rows as open proposals of
//! [`MODEL`] on a track [`PREDICTIONS_TRACK`] (a detection row names no person).
//!
//! **Mapping**: a video's id is its file name without extension; a track is a `(video_id,
//! person_id)`; an action is a leaf of the chosen label set, numbered in the set's order. Export
//! writes, for every whole second whose frame lies inside a segment, the track's box on the
//! keyframe nearest that frame (the whole frame when the track has none). Import merges
//! consecutive seconds with the same action into one segment spanning half a second either side
//! of its keyframes (AVA labels the middle frame of each second) and keeps one box a keyframe.
//!
//! **Lossy**: segments are known only at whole seconds (a segment containing no whole second's
//! frame is not written at all; edges come back on half seconds); labels outside the chosen set's
//! leaves, notes, attributes, annotators, model names, rejected-or-open (a prediction comes back
//! open), track names and the exclusive flag are not carried;
//! boxes come back only on whole-second keyframes that had an action.

use std::collections::BTreeMap;

use super::builder::SegmentIn;
use super::truth::{Role, role};
use super::{FormatError, ImportBuilder};
use crate::labels::{Label, LabelSet};
use crate::model::{
    Frame, KeyBox, NormRect, Project, Source, Status, Track, TrackId, Video, VideoId,
};

pub const FORMAT: &str = "AVA";
pub const LABEL_MAP: &str = "AVA label map";

/// Plain AVA, or RefAVA-style with the track's referring description as a ninth column.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Variant {
    Ava,
    RefAva,
}

/// What [`export`] writes: the ground-truth CSV, the predictions CSV, their label map, and how
/// many segments had a label the map does not hold (left out).
#[derive(Clone, Debug, PartialEq)]
pub struct Export {
    /// Ground truth ([`super::truth`]): `person_id` in the eighth column.
    pub csv: String,
    /// Model proposals nobody accepted, in the layout of AVA's detection files: the score in
    /// the eighth column (always with a decimal point), as AVA's evaluator reads it.
    pub predictions: String,
    pub label_map: String,
    pub left_out: usize,
}

/// The box AVA gets for a track that has none: the whole frame.
const WHOLE_FRAME: NormRect = NormRect {
    x1: 0.0,
    y1: 0.0,
    x2: 1.0,
    y2: 1.0,
};

/// The track that imported predictions land in: a detection row names no person.
pub const PREDICTIONS_TRACK: &str = "Predictions";
/// The model name imported predictions carry.
pub const MODEL: &str = "ava";

pub fn export(project: &Project, set: &LabelSet, variant: Variant) -> Export {
    let actions: Vec<&Label> = set.leaves().collect();
    let (mut csv, mut predictions) = (String::new(), String::new());
    let mut left_out = 0;
    for track in &project.tracks {
        let Some(video) = project.video(track.video) else {
            continue;
        };
        // (second, action, keyframe, score): one row each; a second that two overlapping
        // segments of one action cover is written once.
        let (mut truth, mut predicted) = (Vec::new(), Vec::new());
        for segment in &track.segments {
            let rows = match role(segment) {
                Role::GroundTruth => &mut truth,
                Role::Prediction => &mut predicted,
                Role::Neither => continue,
            };
            let action = actions.iter().position(|a| a.id == segment.label.label);
            let Some(action) = action.filter(|_| segment.label.set == set.id) else {
                left_out += 1;
                continue;
            };
            let score = segment
                .score()
                .map_or(1.0, |s| (f64::from(s) * 1e4).round() / 1e4);
            let first = video.seconds(segment.start).ceil() as u64;
            rows.extend(
                (first..)
                    .map(|second| (second, video.rate.frame_at(second as f64)))
                    .skip_while(|(_, frame)| *frame < segment.start)
                    .take_while(|(_, frame)| *frame < segment.end)
                    .map(|(second, frame)| (second, action + 1, frame, score)),
            );
        }
        // AVA files list a video's keyframes in time order.
        for (rows, out, scored) in [
            (truth, &mut csv, false),
            (predicted, &mut predictions, true),
        ] {
            let mut rows = rows;
            rows.sort_unstable_by(|a, b| {
                (a.0, a.1, a.2)
                    .cmp(&(b.0, b.1, b.2))
                    .then(b.3.total_cmp(&a.3))
            });
            // The best-scored of a second's duplicates stays.
            rows.dedup_by_key(|r| (r.0, r.1));
            for (second, action, frame, score) in rows {
                let rect = nearest_box(track, frame).unwrap_or(WHOLE_FRAME);
                out.push_str(&format!(
                    "{},{second:04},{:.3},{:.3},{:.3},{:.3},{action},",
                    video_id(video),
                    rect.x1,
                    rect.y1,
                    rect.x2,
                    rect.y2,
                ));
                if scored {
                    out.push_str(&format!("{score:.4}"));
                } else {
                    out.push_str(&track.meta.person.to_string());
                    if variant == Variant::RefAva {
                        let description = track.meta.description.as_deref().unwrap_or("");
                        out.push_str(&format!(",\"{}\"", description.replace('"', "\"\"")));
                    }
                }
                out.push('\n');
            }
        }
    }
    let label_map = actions
        .iter()
        .enumerate()
        .map(|(i, label)| {
            format!(
                "item {{\n  name: \"{}\"\n  id: {}\n}}\n",
                escape(&label.name),
                i + 1
            )
        })
        .collect();
    Export {
        csv,
        predictions,
        label_map,
        left_out,
    }
}

/// AVA's id for a video: its file name without the extension (AVA ids are YouTube ids).
pub(super) fn video_id(video: &Video) -> &str {
    match video.name.rsplit_once('.') {
        Some((stem, _)) if !stem.is_empty() => stem,
        _ => &video.name,
    }
}

/// The name to give [`ImportBuilder::video`] for a video a file knows by its id: the open
/// project's video with that id, so the import lines up with it, else the id itself.
pub(super) fn video_name(base: &Project, id: &str) -> String {
    base.videos
        .iter()
        .find(|v| video_id(v) == id)
        .map_or_else(|| id.to_string(), |v| v.name.clone())
}

/// The track of `person` in `video`, named as the app names a new person's track.
pub(super) fn person_track(builder: &mut ImportBuilder, video: VideoId, person: u32) -> TrackId {
    let track = builder.track(video, &format!("Person {}", u64::from(person) + 1));
    if let Some(lane) = builder.track_mut(track) {
        lane.meta.person = person;
    }
    track
}

fn nearest_box(track: &Track, frame: Frame) -> Option<NormRect> {
    track
        .boxes
        .iter()
        .min_by_key(|b| b.frame.abs_diff(frame))
        .map(|b| b.rect)
}

fn escape(name: &str) -> String {
    name.replace('\\', "\\\\").replace('"', "\\\"")
}

/// Reads a label map: `(id, name)` in file order; `Err` names the line at fault.
pub fn parse_label_map(text: &str) -> Result<Vec<(u32, String)>, FormatError> {
    let mut tokens = Tokens::new(text);
    let mut map: Vec<(u32, String)> = Vec::new();
    while let Some((line, word)) = tokens.next()? {
        if !matches!(word, Token::Word(w) if w == "item" || w == "label") {
            return Err(FormatError::line(
                LABEL_MAP,
                line,
                "expected an `item {` or `label {` block",
            ));
        }
        tokens.expect_open(line)?;
        let (mut id, mut name) = (None, None);
        loop {
            let Some((line, token)) = tokens.next()? else {
                return Err(FormatError::line(
                    LABEL_MAP,
                    tokens.line,
                    "block is not closed",
                ));
            };
            let key = match token {
                Token::Close => break,
                Token::Word(key) => key.trim_end_matches(':').to_string(),
                _ => return Err(FormatError::line(LABEL_MAP, line, "expected a field name")),
            };
            let value = tokens.value(line)?;
            match (key.as_str(), value) {
                ("name", Token::Str(text)) => name = Some(text),
                ("id" | "label_id", Token::Word(number)) => {
                    let number = number.parse::<u32>().ok().filter(|n| *n > 0);
                    id = Some(number.ok_or_else(|| {
                        FormatError::line(LABEL_MAP, line, "id is not a whole number above 0")
                    })?);
                }
                ("name" | "id" | "label_id", _) => {
                    return Err(FormatError::line(
                        LABEL_MAP,
                        line,
                        format!("{key} has the wrong kind of value"),
                    ));
                }
                // label_type, display_name: nothing microact keeps.
                _ => {}
            }
        }
        let (Some(id), Some(name)) = (id, name) else {
            return Err(FormatError::line(
                LABEL_MAP,
                line,
                "block needs both a name and an id",
            ));
        };
        if map.iter().any(|(known, _)| *known == id) {
            return Err(FormatError::line(
                LABEL_MAP,
                line,
                format!("id {id} appears twice"),
            ));
        }
        map.push((id, name));
    }
    Ok(map)
}

enum Token {
    Word(String),
    Str(String),
    Open,
    Close,
}

/// The protobuf text format as label maps use it: words, quoted strings, braces, `#` comments.
struct Tokens<'a> {
    chars: std::iter::Peekable<std::str::Chars<'a>>,
    line: usize,
}

impl<'a> Tokens<'a> {
    fn new(text: &'a str) -> Self {
        Self {
            chars: text.chars().peekable(),
            line: 1,
        }
    }

    fn next(&mut self) -> Result<Option<(usize, Token)>, FormatError> {
        while let Some(&c) = self.chars.peek() {
            match c {
                '\n' => self.line += 1,
                '#' => {
                    while self.chars.next_if(|c| *c != '\n').is_some() {}
                    continue;
                }
                c if c.is_whitespace() => {}
                _ => break,
            }
            self.chars.next();
        }
        let line = self.line;
        let token = match self.chars.next() {
            None => return Ok(None),
            Some('{') => Token::Open,
            Some('}') => Token::Close,
            Some('"') => Token::Str(self.string()?),
            Some(first) => {
                let mut word = first.to_string();
                while let Some(c) = self
                    .chars
                    .next_if(|c| !c.is_whitespace() && !matches!(c, '{' | '}' | '"' | '#'))
                {
                    word.push(c);
                    // `name:"x"` and `id:1` need no space after the colon.
                    if c == ':' {
                        break;
                    }
                }
                Token::Word(word)
            }
        };
        Ok(Some((line, token)))
    }

    fn string(&mut self) -> Result<String, FormatError> {
        let mut text = String::new();
        loop {
            match self.chars.next() {
                None | Some('\n') => {
                    return Err(FormatError::line(LABEL_MAP, self.line, "unclosed string"));
                }
                Some('"') => return Ok(text),
                Some('\\') => match self.chars.next() {
                    Some('n') => text.push('\n'),
                    Some(c @ ('"' | '\\' | '\'')) => text.push(c),
                    _ => return Err(FormatError::line(LABEL_MAP, self.line, "unknown escape")),
                },
                Some(c) => text.push(c),
            }
        }
    }

    fn expect_open(&mut self, line: usize) -> Result<(), FormatError> {
        match self.next()? {
            Some((_, Token::Open)) => Ok(()),
            _ => Err(FormatError::line(LABEL_MAP, line, "expected `{`")),
        }
    }

    /// A field's value, after the colon that may stand alone (`name : "x"`).
    fn value(&mut self, line: usize) -> Result<Token, FormatError> {
        match self.next()? {
            Some((_, Token::Word(colon))) if colon == ":" => self.value(line),
            Some((_, token @ (Token::Word(_) | Token::Str(_)))) => Ok(token),
            _ => Err(FormatError::line(LABEL_MAP, line, "field has no value")),
        }
    }
}

/// One CSV row, checked.
struct Row {
    video: String,
    second: u64,
    rect: NormRect,
    action: String,
    who: Who,
    description: Option<String>,
}

/// The eighth column: a person in ground truth, a score in detections.
#[derive(Clone, Copy)]
enum Who {
    Person(u32),
    Score(f32),
}

/// Reads an AVA or RefAVA CSV against its label map into a fresh project next to `base`.
pub fn import(base: &Project, csv: &str, label_map: &str) -> Result<Project, FormatError> {
    let actions: BTreeMap<u32, String> = parse_label_map(label_map)?.into_iter().collect();
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(csv.as_bytes());
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line() as usize);
            FormatError::line(FORMAT, line, e.to_string())
        })?;
        let line = record.position().map_or(0, |p| p.line() as usize);
        rows.push(row(&record, line, &actions)?);
    }

    let mut builder = ImportBuilder::new(base);
    // (video, person) → seconds per action, and the first box seen on each second.
    let mut people: BTreeMap<(String, u32), Person> = BTreeMap::new();
    let mut scored: BTreeMap<String, Vec<(u64, String, f32)>> = BTreeMap::new();
    for row in rows {
        let person = match row.who {
            Who::Person(person) => person,
            Who::Score(score) => {
                let found = scored.entry(row.video).or_default();
                found.push((row.second, row.action, score));
                continue;
            }
        };
        let person = people.entry((row.video, person)).or_default();
        person
            .actions
            .entry(row.action)
            .or_default()
            .push(row.second);
        person.boxes.entry(row.second).or_insert(row.rect);
        if person.description.is_none() {
            person.description = row.description.filter(|d| !d.is_empty());
        }
    }
    for ((video_id, person_id), person) in people {
        let video = builder.video(&video_name(base, &video_id), None, None);
        let track = person_track(&mut builder, video, person_id);
        let rate = builder.project().video(video).map(|v| v.rate);
        for (action, mut seconds) in person.actions {
            let label = builder.label(None, &action);
            seconds.sort_unstable();
            seconds.dedup();
            for (first, last) in runs(&seconds) {
                let start = first as f64 - 0.5;
                let end = last as f64 + 0.5;
                let segment = SegmentIn::human(start.max(0.0), end, label.clone(), FORMAT);
                builder.segment(track, segment);
            }
        }
        if let (Some(lane), Some(rate)) = (builder.track_mut(track), rate) {
            lane.meta.description = person.description;
            lane.boxes = person
                .boxes
                .into_iter()
                .map(|(second, rect)| KeyBox {
                    frame: rate.frame_at(second as f64),
                    rect,
                })
                .collect();
        }
    }
    for (video_id, found) in scored {
        let video = builder.video(&video_name(base, &video_id), None, None);
        let track = builder.track(video, PREDICTIONS_TRACK);
        for (second, action, score) in found {
            let label = builder.label(None, &action);
            let start = (second as f64 - 0.5).max(0.0);
            let segment = SegmentIn {
                source: Source::Model {
                    name: MODEL.into(),
                    version: String::new(),
                    score,
                },
                status: Status::Proposed,
                ..SegmentIn::human(start, second as f64 + 0.5, label, FORMAT)
            };
            builder.segment(track, segment);
        }
    }
    Ok(builder.finish())
}

#[derive(Default)]
struct Person {
    actions: BTreeMap<String, Vec<u64>>,
    boxes: BTreeMap<u64, NormRect>,
    description: Option<String>,
}

/// Runs of consecutive seconds in sorted, distinct `seconds`: `(first, last)`.
fn runs(seconds: &[u64]) -> Vec<(u64, u64)> {
    let mut runs: Vec<(u64, u64)> = Vec::new();
    for &second in seconds {
        match runs.last_mut() {
            Some((_, last)) if *last + 1 == second => *last = second,
            _ => runs.push((second, second)),
        }
    }
    runs
}

fn row(
    record: &csv::StringRecord,
    line: usize,
    actions: &BTreeMap<u32, String>,
) -> Result<Row, FormatError> {
    let error = |message: String| FormatError::line(FORMAT, line, message);
    if !(8..=9).contains(&record.len()) {
        return Err(error(format!(
            "expected 8 columns (9 with a RefAVA description), found {}",
            record.len()
        )));
    }
    let field = |i: usize| record.get(i).unwrap_or("").trim();
    let video = field(0);
    if video.is_empty() {
        return Err(error("the video id is empty".into()));
    }
    let second = field(1)
        .parse::<u64>()
        .map_err(|_| error(format!("timestamp {:?} is not whole seconds", field(1))))?;
    let mut corners = [0f32; 4];
    for (i, corner) in corners.iter_mut().enumerate() {
        let text = field(2 + i);
        *corner = text
            .parse::<f32>()
            .ok()
            .filter(|v| (0.0..=1.0).contains(v))
            .ok_or_else(|| error(format!("box coordinate {text:?} is not a number in 0..1")))?;
    }
    let [x1, y1, x2, y2] = corners;
    if x1 > x2 || y1 > y2 {
        return Err(error("box corners are not top left, bottom right".into()));
    }
    let action = field(6)
        .parse::<u32>()
        .ok()
        .and_then(|id| actions.get(&id))
        .ok_or_else(|| error(format!("action id {:?} is not in the label map", field(6))))?;
    let who = match field(7) {
        score if score.contains('.') => score
            .parse::<f32>()
            .ok()
            .filter(|s| (0.0..=1.0).contains(s))
            .map(Who::Score)
            .ok_or_else(|| error(format!("score {score:?} is not a number in 0..1")))?,
        person => person
            .parse::<u32>()
            .map(Who::Person)
            .map_err(|_| error(format!("person id {person:?} is not a whole number")))?,
    };
    Ok(Row {
        video: video.to_string(),
        second,
        rect: NormRect { x1, y1, x2, y2 },
        action: action.clone(),
        who,
        description: record.get(8).map(|d| d.to_string()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::labels;
    use crate::model::LabelRef;
    use crate::sample::sample_project;

    fn spans(project: &Project, person: u32) -> Vec<(u64, u64, String)> {
        let track = project.tracks.iter().find(|t| t.meta.person == person);
        let track = track.expect("track of the person");
        track
            .segments
            .iter()
            .map(|s| (s.start, s.end, s.label.label.clone()))
            .collect()
    }

    #[test]
    fn export_writes_one_row_per_whole_second_and_the_label_map() {
        let out = export(&sample_project(), &labels::ma52(), Variant::Ava);
        assert_eq!(out.left_out, 0);
        let lines: Vec<&str> = out.csv.lines().collect();
        // Person 1: nodding on seconds 0 and 1, shaking head on 2;
        // Person 2: crossing arms on 1..=6. The proposals are predictions.
        assert_eq!(lines.len(), 3 + 6);
        assert_eq!(lines[0], "walk,0000,0.100,0.200,0.400,0.950,10,0");
        assert_eq!(lines[3], "walk,0001,0.000,0.000,1.000,1.000,38,1");
        let predictions: Vec<&str> = out.predictions.lines().collect();
        // Rejected waving on 4 (Person 1), open touching nose on 2 (Person 2).
        assert_eq!(predictions.len(), 2, "{}", out.predictions);
        assert!(predictions[0].ends_with(",0.8700"), "{}", predictions[0]);
        assert!(predictions[1].ends_with(",0.4200"), "{}", predictions[1]);
        assert!(
            out.label_map
                .starts_with("item {\n  name: \"shaking body\"\n  id: 1\n}\n")
        );
        assert_eq!(parse_label_map(&out.label_map).unwrap().len(), 52);
    }

    #[test]
    fn round_trip_keeps_people_labels_and_whole_seconds() {
        let mut project = sample_project();
        // Inside second 1 but holding none of its keyframes: AVA cannot say it.
        let mut short = project.tracks[0].segments[0].clone();
        (short.start, short.end) = (31, 45);
        project.tracks[0].segments.push(short.clone());
        // Overlapping the first nodding over second 1: one row, not two.
        (short.id, short.start) = (crate::model::SegmentId(99), 15);
        project.tracks[0].segments.push(short);
        // Not a leaf of MA-52: left out and counted.
        project.tracks[1].segments[0].label = LabelRef::new("penn_action", "jump_rope");

        let out = export(&project, &labels::ma52(), Variant::Ava);
        assert_eq!(out.left_out, 1);
        let rows: Vec<&str> = out.csv.lines().collect();
        let mut distinct = rows.clone();
        distinct.dedup();
        assert_eq!(rows, distinct, "no row twice");
        let back = import(&sample_project(), &out.csv, &out.label_map).unwrap();

        assert_eq!(back.videos.len(), 1);
        assert_eq!(back.videos[0].name, "walk.webm");
        // Person 2's only ground truth was the crossing arms left out.
        let names: Vec<_> = back.tracks.iter().map(|t| t.meta.name.as_str()).collect();
        assert_eq!(names, ["Person 1"]);
        // Each run of keyframes comes back half a second either side of them.
        let at = |start, end, label: &str| (start, end, label.to_string());
        assert_eq!(
            spans(&back, 0),
            [at(0, 45, "nodding"), at(45, 75, "shaking head")]
        );
        assert!(back.segments().all(|(_, s)| s.label.set == "ma52"));
        let boxes: Vec<_> = back.tracks[0].boxes.iter().map(|b| b.frame).collect();
        assert_eq!(boxes, [0, 30, 60]);
        assert!(back.segments().all(|(_, s)| s.status == Status::Accepted));

        // Predictions come back as open proposals with their scores, never as labels.
        let predicted = import(&sample_project(), &out.predictions, &out.label_map).unwrap();
        assert_eq!(predicted.tracks.len(), 1);
        assert_eq!(predicted.tracks[0].meta.name, PREDICTIONS_TRACK);
        let found: Vec<_> = predicted
            .segments()
            .map(|(_, s)| (s.start, s.end, s.label.label.as_str(), s.score(), s.status))
            .collect();
        assert_eq!(
            found,
            [
                (45, 75, "touching nose", Some(0.42), Status::Proposed),
                (105, 135, "waving", Some(0.87), Status::Proposed),
            ]
        );
        assert_eq!(
            back.tracks[0].boxes[0].rect,
            project.tracks[0].boxes[0].rect
        );
        assert_eq!(back.tracks[0].meta.description, None);
        assert!(
            back.label_sets.is_empty(),
            "labels resolve to the open MA-52"
        );
    }

    #[test]
    fn refava_carries_the_description_in_a_quoted_ninth_column() {
        let mut project = sample_project();
        project.tracks[0].meta.description = Some("the \"tall\" one, left".into());
        let out = export(&project, &labels::ma52(), Variant::RefAva);
        let first = out.csv.lines().next().unwrap();
        assert_eq!(
            first,
            "walk,0000,0.100,0.200,0.400,0.950,10,0,\"the \"\"tall\"\" one, left\""
        );
        let back = import(&Project::new("x"), &out.csv, &out.label_map).unwrap();
        assert_eq!(
            back.tracks[0].meta.description,
            project.tracks[0].meta.description
        );
        assert_eq!(back.tracks[1].meta.description, None);
        // Without the open project, labels land in the imported set and the video keeps its id.
        assert_eq!(back.videos[0].name, "walk");
        assert_eq!(back.label_sets[0].id, crate::formats::IMPORTED_SET);
    }

    #[test]
    fn label_maps_in_both_official_layouts_parse() {
        let v22 = "label {\n  name: \"bend/bow (at the waist)\"\n  label_id: 1\n  \
                   label_type: PERSON_MOVEMENT\n}\nlabel {\n  name: \"crawl\"\n  label_id: 2\n  \
                   label_type: PERSON_MOVEMENT\n}\n";
        let one_line =
            "# for ActivityNet\nitem { name: \"a \\\"b\\\"\" id: 7 }\nitem{name:\"c\" id:9}";
        assert_eq!(
            parse_label_map(v22).unwrap(),
            [(1, "bend/bow (at the waist)".into()), (2, "crawl".into())]
        );
        assert_eq!(
            parse_label_map(one_line).unwrap(),
            [(7, "a \"b\"".into()), (9, "c".into())]
        );
    }

    #[test]
    fn bad_label_maps_name_the_line() {
        let cases = [
            ("item {\n  name: \"a\"\n", "line 3: block is not closed"),
            (
                "item {\n  name: \"a\"\n}\n",
                "line 1: block needs both a name and an id",
            ),
            (
                "item { name: \"a\" id: 1 }\nitem { name: \"b\" id: 1 }",
                "line 2: id 1 appears twice",
            ),
            (
                "item {\n  id: one\n}",
                "line 2: id is not a whole number above 0",
            ),
            ("item {\n  name: \"a\n}", "line 2: unclosed string"),
            (
                "things {}",
                "line 1: expected an `item {` or `label {` block",
            ),
        ];
        for (text, message) in cases {
            let err = parse_label_map(text).unwrap_err().to_string();
            assert!(err.contains(message), "{text:?}: {err}");
        }
    }

    #[test]
    fn bad_rows_name_the_line() {
        let map = "item { name: \"wave\" id: 1 }";
        let good = "v,0001,0.1,0.1,0.5,0.5,1,0\n";
        let cases = [
            ("v,0002,0.1,0.1,0.5,0.5,1", "line 2: expected 8 columns"),
            (
                "v,2.5,0.1,0.1,0.5,0.5,1,0",
                "line 2: timestamp \"2.5\" is not whole seconds",
            ),
            ("v,2,0.1,x,0.5,0.5,1,0", "line 2: box coordinate \"x\""),
            ("v,2,0.1,0.1,1.5,0.5,1,0", "line 2: box coordinate \"1.5\""),
            ("v,2,0.6,0.1,0.5,0.5,1,0", "line 2: box corners"),
            (
                "v,2,0.1,0.1,0.5,0.5,3,0",
                "line 2: action id \"3\" is not in the label map",
            ),
            ("v,2,0.1,0.1,0.5,0.5,1,-1", "line 2: person id \"-1\""),
            (",2,0.1,0.1,0.5,0.5,1,0", "line 2: the video id is empty"),
        ];
        for (bad, message) in cases {
            let text = format!("{good}{bad}\n");
            let err = import(&Project::new("x"), &text, map)
                .unwrap_err()
                .to_string();
            assert!(err.starts_with("AVA: "), "{err}");
            assert!(err.contains(message), "{bad:?}: {err}");
        }
        assert!(import(&Project::new("x"), good, map).is_ok());
    }
}
