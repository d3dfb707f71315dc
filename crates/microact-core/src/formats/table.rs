//! Plain CSV, one segment a row, for spreadsheets and scripts: header
//! `video,fps,track,description,label_set,label,start_s,end_s,source,score,status,note`. `video`
//! is the file name, `fps` its frame rate (`25`, `30000/1001`; empty when not known), `track` and `description` the track's name and referring description (repeated
//! on each of its rows), `label_set` and `label` the set id and label id, `start_s`/`end_s` the
//! interval `[start, end)` in seconds to the millisecond, `source` `human:<annotator>` or
//! `model:<name>@<version>`, `score` the model's score (empty for people), `status`
//! `proposed`, `accepted` or `rejected`, `note` free text. RFC 4180 quoting, so any field may
//! hold commas, quotes and line breaks.
//!
//! `label_set` and `note` go beyond the four-field minimum because a label name alone is
//! ambiguous between sets (Penn Action and JHMDB both have `pullup`) and notes are what people
//! most often put in a spreadsheet. Export writes ground truth ([`super::truth`]), and model
//! proposals nobody accepted only when asked, each row with its status. Import finds columns by header name (any order, any case);
//! only `video`, `label`, `start_s` and `end_s` are required. A missing `track` puts rows in
//! [`DEFAULT_TRACK`], a missing `source` makes them human, a missing `status` accepted for people
//! and proposed for models; unknown columns are ignored, rows with every cell empty skipped.
//! Errors name the line and column. Not carried: segment attributes, person ids, the exclusive
//! flag, boxes, poses, tracks without segments, label colours and hierarchy.

use ::csv::{ReaderBuilder, StringRecord, Writer};

use super::builder::SegmentIn;
use super::common::check_span;
use super::truth::Include;
use super::{FormatError, ImportBuilder, Place, seconds_text};
use crate::model::{Project, Source, Status};
use crate::time::FrameRate;

pub const FORMAT: &str = "CSV";
pub const HEADER: [&str; 12] = [
    "video",
    "fps",
    "track",
    "description",
    "label_set",
    "label",
    "start_s",
    "end_s",
    "source",
    "score",
    "status",
    "note",
];
const REQUIRED: [&str; 4] = ["video", "label", "start_s", "end_s"];
/// The track of rows that name none.
pub const DEFAULT_TRACK: &str = "Person 1";

/// The table of ground truth, or of ground truth and predictions ([`super::truth`]).
pub fn export(project: &Project, include: Include) -> String {
    let mut writer = Writer::from_writer(Vec::new());
    // Writing into memory fails only if a record has the wrong length, which these cannot.
    let _ = writer.write_record(HEADER);
    for track in &project.tracks {
        let Some(video) = project.video(track.video) else {
            continue;
        };
        let fps = if video.rate_unknown {
            String::new()
        } else {
            video.rate.text()
        };
        for segment in track.segments.iter().filter(|s| include.keeps(s)) {
            let (source, score) = match &segment.source {
                Source::Human { annotator } => (format!("human:{annotator}"), String::new()),
                Source::Model {
                    name,
                    version,
                    score,
                } => (format!("model:{name}@{version}"), score.to_string()),
            };
            let _ = writer.write_record([
                video.name.as_str(),
                &fps,
                &track.meta.name,
                track.meta.description.as_deref().unwrap_or(""),
                &segment.label.set,
                &segment.label.label,
                &seconds_text(video.seconds(segment.start)),
                &seconds_text(video.seconds(segment.end)),
                &source,
                &score,
                segment.status.as_str(),
                segment.note.as_deref().unwrap_or(""),
            ]);
        }
    }
    let bytes = writer.into_inner().unwrap_or_default();
    String::from_utf8(bytes).unwrap_or_default()
}

/// One data row and where it is, for reading cells and saying which one is wrong.
struct Row<'a> {
    record: &'a StringRecord,
    line: usize,
    /// `(name, index)` of each column the header has, in [`HEADER`] names.
    columns: &'a [(&'static str, usize)],
}

impl Row<'_> {
    /// The trimmed cell of column `name`; empty when the column or the cell is missing.
    fn cell(&self, name: &str) -> &str {
        self.index(name)
            .and_then(|i| self.record.get(i))
            .map_or("", str::trim)
    }

    fn index(&self, name: &str) -> Option<usize> {
        self.columns
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, i)| *i)
    }

    fn error(&self, name: &str, message: impl std::fmt::Display) -> FormatError {
        FormatError {
            format: FORMAT,
            place: Place::Line {
                line: self.line,
                column: self.index(name).map(|i| i + 1),
            },
            message: format!("{name}: {message}"),
        }
    }

    fn required(&self, name: &str) -> Result<&str, FormatError> {
        match self.cell(name) {
            "" => Err(self.error(name, "is empty")),
            text => Ok(text),
        }
    }

    fn seconds(&self, name: &str) -> Result<f64, FormatError> {
        let text = self.required(name)?;
        text.parse()
            .map_err(|_| self.error(name, format!("{text:?} is not a number of seconds")))
    }
}

/// Reads a CSV table next to `base`, the open project; `Err` names the line and column.
pub fn import(base: &Project, text: &str) -> Result<Project, FormatError> {
    let mut reader = ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let header = reader.headers().map_err(csv_error)?.clone();
    let columns: Vec<(&'static str, usize)> = HEADER
        .iter()
        .filter_map(|name| {
            header
                .iter()
                .position(|h| h.trim().eq_ignore_ascii_case(name))
                .map(|i| (*name, i))
        })
        .collect();
    if let Some(missing) = REQUIRED
        .iter()
        .find(|name| !columns.iter().any(|(n, _)| n == *name))
    {
        return Err(FormatError::line(
            FORMAT,
            1,
            format!("the header has no {missing:?} column"),
        ));
    }

    let mut builder = ImportBuilder::new(base);
    for record in reader.records() {
        let record = record.map_err(csv_error)?;
        if record.iter().all(|cell| cell.trim().is_empty()) {
            continue;
        }
        let row = Row {
            record: &record,
            line: record.position().map_or(0, |p| p.line() as usize),
            columns: &columns,
        };
        let rate = match row.cell("fps") {
            "" => None,
            text => Some(FrameRate::parse(text).ok_or_else(|| {
                row.error(
                    "fps",
                    format!("{text:?} is not a frame rate (25, 29.97 or 30000/1001)"),
                )
            })?),
        };
        let video = builder.video(row.required("video")?, None, rate);
        let track = builder.track(
            video,
            match row.cell("track") {
                "" => DEFAULT_TRACK,
                name => name,
            },
        );
        let description = row.cell("description");
        if !description.is_empty()
            && let Some(track) = builder.track_mut(track)
        {
            track.meta.description = Some(description.to_string());
        }
        let set = Some(row.cell("label_set")).filter(|s| !s.is_empty());
        let label = builder.label(set, row.required("label")?);
        let (start, end) = (row.seconds("start_s")?, row.seconds("end_s")?);
        check_span(start, end).map_err(|m| row.error("end_s", m))?;
        let source = source(&row)?;
        let status = match row.cell("status") {
            "" if matches!(source, Source::Model { .. }) => Status::Proposed,
            "" => Status::Accepted,
            text => Status::parse(text).ok_or_else(|| {
                row.error(
                    "status",
                    format!("{text:?} is not proposed, accepted or rejected"),
                )
            })?,
        };
        let note = Some(row.cell("note")).filter(|n| !n.is_empty());
        let segment = SegmentIn {
            note: note.map(str::to_string),
            source,
            status,
            ..SegmentIn::human(start, end, label, "")
        };
        builder.segment(track, segment);
    }
    Ok(builder.finish())
}

/// `human:<annotator>` or `model:<name>@<version>` with the row's score; empty is human.
fn source(row: &Row) -> Result<Source, FormatError> {
    let text = row.cell("source");
    let (kind, who) = text.split_once(':').unwrap_or((text, ""));
    let who = who.trim();
    match kind.trim().to_ascii_lowercase().as_str() {
        "" | "human" => Ok(Source::Human {
            annotator: who.to_string(),
        }),
        "model" => {
            let (name, version) = who.rsplit_once('@').unwrap_or((who, ""));
            let score = row.required("score")?;
            let score: f32 = score
                .parse()
                .ok()
                .filter(|s: &f32| s.is_finite())
                .ok_or_else(|| row.error("score", format!("{score:?} is not a number")))?;
            Ok(Source::Model {
                name: name.to_string(),
                version: version.to_string(),
                score,
            })
        }
        other => Err(row.error("source", format!("{other:?} is neither human nor model"))),
    }
}

fn csv_error(error: ::csv::Error) -> FormatError {
    match error.position() {
        Some(position) => FormatError::line(FORMAT, position.line() as usize, error.to_string()),
        None => FormatError::file(FORMAT, error.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::common::fixture;
    use crate::labels;
    use crate::sample::sample_project;

    fn line_and_column(err: &FormatError) -> (usize, Option<usize>) {
        match err.place {
            Place::Line { line, column } => (line, column),
            _ => panic!("no line in {err}"),
        }
    }

    #[test]
    fn round_trip_keeps_every_segment_field_but_attributes() {
        let sample = sample_project();
        let text = export(&sample, Include::WithPredictions);
        assert!(text.starts_with(&(HEADER.join(",") + "\n")));
        // The note with a comma and quotes comes out quoted.
        assert!(
            text.contains(",\"slow, \"\"twice\"\", then stops\"\n"),
            "{text}"
        );
        assert!(
            text.contains(",model:ddnet-penn@0.1.0,0.87,proposed,"),
            "{text}"
        );

        let back = import(&sample, &text).unwrap();
        assert_eq!(back.videos, sample.videos);
        assert!(back.label_sets.is_empty());
        assert_eq!(back.tracks.len(), 2);
        for (got, want) in back.tracks.iter().zip(&sample.tracks) {
            assert_eq!(got.meta.name, want.meta.name);
            assert_eq!(got.meta.description, want.meta.description);
            assert_eq!(got.meta.person, want.meta.person);
            assert!(!got.meta.exclusive && got.boxes.is_empty(), "not carried");
            let mut expected = want.segments.clone();
            for segment in &mut expected {
                segment.attributes.clear();
            }
            assert_eq!(got.segments, expected);
        }
    }

    #[test]
    fn label_set_column_picks_between_sets_sharing_a_label() {
        let mut base = sample_project();
        base.label_sets.push(labels::jhmdb14());
        let text = "video,label_set,label,start_s,end_s\nwalk.webm,jhmdb14,pullup,0,1\n\
                    walk.webm,penn_action,pullup,1,2\nwalk.webm,,baseball pitch,2,3\n";
        let back = import(&base, text).unwrap();
        let sets: Vec<_> = back
            .segments()
            .map(|(_, s)| (s.label.set.as_str(), s.label.label.as_str()))
            .collect();
        assert_eq!(
            sets,
            [
                ("jhmdb14", "pullup"),
                ("penn_action", "pullup"),
                ("penn_action", "baseball_pitch")
            ]
        );
    }

    #[test]
    fn spreadsheet_export_with_bom_crlf_quotes_and_other_order_imports() {
        // Written by hand as spreadsheets save CSV (see the README).
        let text = fixture("table_spreadsheet.csv");
        let back = import(&Project::new("x"), &text).unwrap();
        // No fps column: milliseconds until the clip is opened, here at 30 fps.
        assert!(back.videos[0].rate_unknown);
        let back =
            crate::formats::common::opened_at(&back, crate::time::FrameRate::new(30, 1).unwrap());
        assert_eq!(back.videos.len(), 1);
        assert_eq!(back.videos[0].name, "clip 01.mp4");
        let tracks: Vec<_> = back.tracks.iter().map(|t| t.meta.name.as_str()).collect();
        assert_eq!(tracks, ["Person 2", DEFAULT_TRACK]);
        let waving = &back.tracks[0].segments[0];
        assert_eq!((waving.start, waving.end), (45, 90));
        assert_eq!(waving.note.as_deref(), Some("said \"hi\", then\r\nleft"));
        assert_eq!(waving.status, Status::Accepted);
        assert_eq!(
            waving.source,
            Source::Human {
                annotator: String::new()
            }
        );
        let nodding = &back.tracks[1].segments[0];
        assert_eq!((nodding.start, nodding.end), (120, 128));
        assert_eq!(nodding.note, None);
    }

    #[test]
    fn errors_name_line_and_column() {
        let base = Project::new("x");
        let err = import(&base, "video,label,start_s\nv,a,1\n").unwrap_err();
        assert_eq!(line_and_column(&err), (1, None));
        assert!(err.message.contains("\"end_s\""), "{err}");

        // The quoted note spans lines 2 and 3, so the bad row starts on line 4.
        let text = "video,label,start_s,end_s,note\nv,a,0,1,\"two\nlines\"\nv,b,1,soon,\n";
        let err = import(&base, text).unwrap_err();
        assert_eq!(line_and_column(&err), (4, Some(4)));
        assert_eq!(
            err.to_string(),
            "CSV: line 4, column 4: end_s: \"soon\" is not a number of seconds"
        );

        let err = import(&base, "end_s,start_s,video,label\n1,2,v,a\n").unwrap_err();
        assert_eq!(line_and_column(&err), (2, Some(1)));
        assert!(err.message.contains("before it starts"), "{err}");

        let err = import(&base, "video,label,start_s,end_s\n,a,0,1\n").unwrap_err();
        assert_eq!(line_and_column(&err), (2, Some(1)));

        let rows = [
            ("model:m@1", "", "proposed", "score: is empty"),
            ("model:m@1", "NaN", "", "score: \"NaN\" is not a number"),
            (
                "robot",
                "",
                "",
                "source: \"robot\" is neither human nor model",
            ),
            (
                "human:ann",
                "",
                "maybe",
                "status: \"maybe\" is not proposed",
            ),
        ];
        for (source, score, status, message) in rows {
            let text = format!(
                "video,label,start_s,end_s,source,score,status\nv,a,0,1,{source},{score},{status}\n"
            );
            let err = import(&base, &text).unwrap_err();
            assert!(err.message.starts_with(message), "{err}");
            assert_eq!(line_and_column(&err).0, 2);
        }
        let err = import(&base, "video,label,start_s,end_s\nv,a,0,1e300\n").unwrap_err();
        assert!(err.message.contains("past any video's end"), "{err}");
    }

    #[test]
    fn model_rows_default_to_proposed() {
        let text = "video,label,start_s,end_s,source,score\nv,a,0,1,model:ddnet@2,0.5\n";
        let back = import(&Project::new("x"), text).unwrap();
        let (_, segment) = back.segments().next().unwrap();
        assert_eq!(segment.status, Status::Proposed);
        assert_eq!(
            segment.source,
            Source::Model {
                name: "ddnet".into(),
                version: "2".into(),
                score: 0.5
            }
        );
    }
}
