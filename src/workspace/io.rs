//! The import/export menu's formats: which files each writes for the open project, and which
//! importer reads a file a person picks (by its name and first bytes, or as they chose).

use microact_core::formats::truth::{self, Counts, Include};
use microact_core::formats::{
    self, FormatError, activitynet, ava, cvat, elan, mmaction, native, table, via3,
};
use microact_core::labels::LabelSet;
use microact_core::model::{Project, VideoId};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    Native,
    Via3,
    Elan,
    ActivityNet,
    Ava,
    RefAva,
    MmactionClips,
    MmactionPoses,
    Cvat,
    Csv,
    Skeletons,
}

impl Format {
    pub const ALL: [Format; 11] = [
        Format::Native,
        Format::Via3,
        Format::Elan,
        Format::ActivityNet,
        Format::Ava,
        Format::RefAva,
        Format::MmactionClips,
        Format::MmactionPoses,
        Format::Cvat,
        Format::Csv,
        Format::Skeletons,
    ];

    /// Stable id (menu values, test ids).
    pub fn id(self) -> &'static str {
        match self {
            Format::Native => "native",
            Format::Via3 => "via3",
            Format::Elan => "elan",
            Format::ActivityNet => "activitynet",
            Format::Ava => "ava",
            Format::RefAva => "refava",
            Format::MmactionClips => "mmaction-clips",
            Format::MmactionPoses => "mmaction-poses",
            Format::Cvat => "cvat",
            Format::Csv => "csv",
            Format::Skeletons => "skeletons",
        }
    }

    pub fn from_id(id: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.id() == id)
    }

    pub fn name(self) -> &'static str {
        match self {
            Format::Native => "microact project (JSON)",
            Format::Via3 => "VIA3 project (JSON)",
            Format::Elan => "ELAN (EAF)",
            Format::ActivityNet => "ActivityNet (JSON)",
            Format::Ava => "AVA actions (CSV + label map)",
            Format::RefAva => "RefAVA (CSV with descriptions + label map)",
            Format::MmactionClips => "MMAction2 clip list",
            Format::MmactionPoses => "MMAction2 pose pickle",
            Format::Cvat => "CVAT for video 1.1 (XML, export only)",
            Format::Csv => "CSV table",
            Format::Skeletons => {
                "Skeletons and labels to share (microact JSON without file or labeller names; import it as a microact project)"
            }
        }
    }

    /// Where the format puts model proposals nobody accepted, when it can hold them beside
    /// the ground truth ([`truth`]); `None` when it holds ground truth only. microact's own
    /// files keep everything, so they are not asked.
    pub fn predictions(self) -> Option<&'static str> {
        match self {
            Format::ActivityNet => Some("a second file, the results the official evaluator scores"),
            Format::Ava | Format::RefAva => {
                Some("a second CSV, AVA's detection layout with scores")
            }
            Format::Csv => Some("rows marked proposed or rejected, with their scores"),
            Format::Elan => Some("annotations with a status tier"),
            _ => None,
        }
    }

    /// Whether the format writes the clip on screen only (else every video).
    pub fn one_video(self) -> bool {
        matches!(self, Format::Elan | Format::Cvat)
    }

    /// What the format warns about before it is written.
    pub fn caveat(self) -> Option<&'static str> {
        match self {
            Format::RefAva => Some(
                "The description is a ninth column: AVA's own evaluator reads 8; export plain AVA for it.",
            ),
            Format::MmactionClips | Format::MmactionPoses | Format::Ava => {
                Some("Only labels of the palette's label set are written.")
            }
            _ => None,
        }
    }

    pub fn can_import(self) -> bool {
        !matches!(self, Format::Cvat | Format::Skeletons)
    }

    /// The importer for a file, judged by its name and first bytes; `None` when nothing fits.
    pub fn detect(name: &str, bytes: &[u8]) -> Option<Self> {
        let lower = name.to_ascii_lowercase();
        let ext = lower.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
        let head = String::from_utf8_lossy(&bytes[..bytes.len().min(4096)]);
        match ext {
            "eaf" => Some(Format::Elan),
            "pkl" | "pickle" => Some(Format::MmactionPoses),
            "pbtxt" => Some(Format::Ava),
            "txt" | "list" => Some(Format::MmactionClips),
            "xml" => Some(Format::Cvat),
            "json" => {
                if head.contains("\"format\"") && head.contains("microact") {
                    Some(Format::Native)
                } else if head.contains("\"database\"") || head.contains("\"results\"") {
                    Some(Format::ActivityNet)
                } else if head.contains("\"aname\"") || head.contains("\"vid_list\"") {
                    Some(Format::Via3)
                } else {
                    None
                }
            }
            "csv" => {
                // Our table has a header; AVA rows start with a video id and a 4-digit second.
                let first = head
                    .trim_start_matches('\u{feff}')
                    .lines()
                    .next()
                    .unwrap_or("");
                if first.to_ascii_lowercase().starts_with("video,") {
                    Some(Format::Csv)
                } else if first.matches(',').count() >= 8 {
                    Some(Format::RefAva)
                } else {
                    Some(Format::Ava)
                }
            }
            _ => None,
        }
    }
}

/// A file to download.
#[derive(Clone, Debug, PartialEq)]
pub struct Download {
    pub name: String,
    pub mime: &'static str,
    pub bytes: Vec<u8>,
}

/// What an export wrote and what it had to leave out.
#[derive(Clone, Debug, PartialEq)]
pub struct Exported {
    pub files: Vec<Download>,
    /// Segments the format could not carry (labels outside `set`, no pose, …).
    pub left_out: usize,
}

/// The file stem exports are named by: the project's name, kept to safe characters.
fn stem(project: &Project) -> String {
    let s: String = project
        .name
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if s.trim_matches('_').is_empty() {
        "microact".into()
    } else {
        s
    }
}

/// The video a one-video format (ELAN, CVAT) writes: the clip on screen, else the first.
fn written_video(project: &Project, video: Option<VideoId>) -> Option<VideoId> {
    video.or_else(|| project.videos.first().map(|v| v.id))
}

/// How many segments `format` would write as ground truth and as predictions: what the export
/// menu shows before anything is written. `video` is the clip on screen.
pub fn will_write(
    project: &Project,
    format: Format,
    video: Option<VideoId>,
    include: Include,
) -> Counts {
    let video = if format.one_video() {
        written_video(project, video)
    } else {
        None
    };
    let counts = truth::counts(project, video);
    let predictions = match (format, include) {
        (Format::Native | Format::Skeletons, _) => counts.predictions,
        (_, Include::WithPredictions) if format.predictions().is_some() => counts.predictions,
        _ => 0,
    };
    Counts {
        predictions,
        ..counts
    }
}

/// `format`'s files for the project. `video` is the clip on screen (ELAN and CVAT write one
/// video); `set` the label set that numbered formats count in; `include` whether proposals
/// nobody accepted go in too, where the format can hold them ([`Format::predictions`]).
pub fn export(
    project: &Project,
    format: Format,
    video: Option<VideoId>,
    set: &LabelSet,
    include: Include,
) -> Result<Exported, FormatError> {
    let predicting = include == Include::WithPredictions;
    let stem = stem(project);
    let text = |name: String, mime, body: String| Download {
        name,
        mime,
        bytes: body.into_bytes(),
    };
    let one_video = |format: &'static str| {
        written_video(project, video)
            .ok_or_else(|| FormatError::file(format, "the project has no video to export"))
    };
    let video_stem = |id: VideoId| {
        project
            .video(id)
            .map(|v| {
                v.name
                    .rsplit_once('.')
                    .map(|(s, _)| s.to_string())
                    .unwrap_or(v.name.clone())
            })
            .unwrap_or_else(|| stem.clone())
    };
    let (files, left_out) = match format {
        Format::Native => (
            vec![text(
                format!("{stem}.microact.json"),
                "application/json",
                native::export(project),
            )],
            0,
        ),
        Format::Skeletons => (
            vec![text(
                format!("{stem}.skeletons.microact.json"),
                "application/json",
                native::export_skeletons(project),
            )],
            0,
        ),
        Format::Via3 => (
            vec![text(
                format!("{stem}.via3.json"),
                "application/json",
                via3::export(project),
            )],
            0,
        ),
        Format::ActivityNet => {
            let mut files = vec![text(
                format!("{stem}.activitynet.json"),
                "application/json",
                activitynet::export_ground_truth(project),
            )];
            let mut left_out = 0;
            if predicting {
                let out = activitynet::export_predictions(project);
                files.push(text(
                    format!("{stem}.activitynet-results.json"),
                    "application/json",
                    out.text,
                ));
                left_out = out.left_out;
            }
            (files, left_out)
        }
        Format::Csv => (
            vec![text(
                format!("{stem}.csv"),
                "text/csv",
                table::export(project, include),
            )],
            0,
        ),
        Format::Elan => {
            let id = one_video(elan::FORMAT)?;
            (
                vec![text(
                    format!("{}.eaf", video_stem(id)),
                    "application/xml",
                    elan::export(project, id, include)?,
                )],
                0,
            )
        }
        Format::Cvat => {
            let id = one_video(cvat::FORMAT)?;
            (
                vec![text(
                    format!("{}.cvat.xml", video_stem(id)),
                    "application/xml",
                    cvat::export(project, id)?,
                )],
                0,
            )
        }
        Format::Ava | Format::RefAva => {
            let variant = if format == Format::Ava {
                ava::Variant::Ava
            } else {
                ava::Variant::RefAva
            };
            let out = ava::export(project, set, variant);
            let suffix = if format == Format::Ava {
                "ava"
            } else {
                "refava"
            };
            let mut files = vec![
                text(format!("{stem}.{suffix}.csv"), "text/csv", out.csv),
                text(
                    format!("{stem}.{}.pbtxt", set.id),
                    "text/plain",
                    out.label_map,
                ),
            ];
            if predicting {
                files.push(text(
                    format!("{stem}.{suffix}-predictions.csv"),
                    "text/csv",
                    out.predictions,
                ));
            }
            (files, out.left_out)
        }
        Format::MmactionClips => {
            let (body, left_out) = mmaction::export_clips(project, set);
            (
                vec![text(format!("{stem}.{}.txt", set.id), "text/plain", body)],
                left_out,
            )
        }
        Format::MmactionPoses => {
            let (bytes, left_out) = mmaction::export_poses(project, set, "train");
            (
                vec![Download {
                    name: format!("{stem}.{}.pkl", set.id),
                    mime: "application/octet-stream",
                    bytes,
                }],
                left_out,
            )
        }
    };
    Ok(Exported { files, left_out })
}

/// A picked file's name and bytes.
pub struct Picked {
    pub name: String,
    pub bytes: Vec<u8>,
}

fn utf8<'a>(format: &'static str, file: &'a Picked) -> Result<&'a str, FormatError> {
    std::str::from_utf8(&file.bytes)
        .map_err(|e| FormatError::file(format, format!("{} is not UTF-8 text ({e})", file.name)))
}

/// Reads `files` (one file; AVA's CSVs with their label map; ActivityNet's ground truth with its
/// results) as `format` into a project to merge.
/// `set` numbers the classes of AVA without a label map and of MMAction2.
pub fn import(
    base: &Project,
    format: Format,
    files: &[Picked],
    set: &LabelSet,
) -> Result<Project, FormatError> {
    let main = |f: &'static str| {
        files
            .iter()
            .find(|p| !p.name.to_ascii_lowercase().ends_with(".pbtxt"))
            .ok_or_else(|| FormatError::file(f, "choose the annotation file, not only a label map"))
    };
    match format {
        Format::Native => native::import(utf8(native::FORMAT, main(native::FORMAT)?)?),
        Format::Via3 => via3::import(base, utf8(via3::FORMAT, main(via3::FORMAT)?)?),
        Format::Elan => elan::import(base, utf8(elan::FORMAT, main(elan::FORMAT)?)?),
        Format::ActivityNet => {
            // Ground truth and results picked together are read as one file holding both.
            let mut whole = serde_json::Map::new();
            for file in files {
                let text = utf8(activitynet::FORMAT, file)?;
                match serde_json::from_str(text) {
                    Ok(serde_json::Value::Object(keys)) => whole.extend(keys),
                    // The importer names the line at fault.
                    _ => return activitynet::import(base, text),
                }
            }
            activitynet::import(base, &serde_json::Value::Object(whole).to_string())
        }
        Format::Csv => table::import(base, utf8(table::FORMAT, main(table::FORMAT)?)?),
        Format::Ava | Format::RefAva => {
            main(ava::FORMAT)?;
            // Ground truth and predictions picked together: their rows, one after the other.
            let mut csv = String::new();
            for file in files
                .iter()
                .filter(|p| !p.name.to_ascii_lowercase().ends_with(".pbtxt"))
            {
                csv.push_str(utf8(ava::FORMAT, file)?.trim_end());
                csv.push('\n');
            }
            let map = files
                .iter()
                .find(|p| p.name.to_ascii_lowercase().ends_with(".pbtxt"));
            let generated;
            let map = match map {
                Some(file) => utf8(ava::LABEL_MAP, file)?,
                None => {
                    generated = ava::export(&Project::default(), set, ava::Variant::Ava).label_map;
                    &generated
                }
            };
            ava::import(base, &csv, map)
        }
        Format::MmactionClips => {
            mmaction::import_clips(base, utf8(mmaction::CLIPS, main(mmaction::CLIPS)?)?, set)
        }
        Format::MmactionPoses => mmaction::import_poses(base, &main(mmaction::POSES)?.bytes, set),
        Format::Cvat => Err(FormatError::file(
            cvat::FORMAT,
            "importing CVAT files is not supported yet; export works",
        )),
        // A skeleton export is a project file.
        Format::Skeletons => native::import(utf8(native::FORMAT, main(native::FORMAT)?)?),
    }
}

/// One line for the notice after an import: how much came in.
pub fn summary(project: &Project) -> String {
    let segments = project.segments().count();
    format!(
        "{} video(s), {} track(s), {segments} segment(s)",
        project.videos.len(),
        project.tracks.len()
    )
}

pub use formats::Mode;

#[cfg(test)]
mod tests {
    use super::*;
    use microact_core::labels;
    use microact_core::sample::sample_project;

    /// The files an export wrote, as a person would pick them to import.
    fn picked(out: &Exported) -> Vec<Picked> {
        out.files
            .iter()
            .map(|f| Picked {
                name: f.name.clone(),
                bytes: f.bytes.clone(),
            })
            .collect()
    }

    /// Every format the menu offers writes the sample project, the detector names the format of
    /// each file it wrote, and the importer reads it back with segments in it.
    #[test]
    fn every_format_round_trips_through_the_menu_functions() {
        let project = sample_project();
        let set = labels::ma52();
        for format in Format::ALL {
            let include = Include::WithPredictions;
            let out = export(&project, format, Some(project.videos[0].id), &set, include)
                .unwrap_or_else(|e| panic!("{format:?}: {e}"));
            assert!(!out.files.is_empty());
            let main = &out.files[0];
            let detected = Format::detect(&main.name, &main.bytes);
            // A skeleton export is a project file, read as one.
            let reader = match format {
                Format::Skeletons => Format::Native,
                f => f,
            };
            assert_eq!(detected, Some(reader), "{format:?} wrote {}", main.name);
            if !format.can_import() {
                continue;
            }
            let picked = picked(&out);
            let back = import(&Project::default(), format, &picked, &set)
                .unwrap_or_else(|e| panic!("{format:?}: {e}"));
            assert!(
                back.segments().count() > 0,
                "{format:?}: {}",
                summary(&back)
            );
            let want = will_write(&project, format, Some(project.videos[0].id), include);
            if format.predictions().is_some() {
                assert_eq!(want.predictions, 2, "{format:?}");
                let scored = back.segments().filter(|(_, s)| s.score().is_some()).count();
                // ActivityNet leaves out predictions whose label no ground truth has.
                let expected = if format == Format::ActivityNet { 0 } else { 2 };
                assert_eq!(scored, expected, "{format:?}: predictions come back scored");
            }
        }
    }

    #[test]
    fn ground_truth_exports_hold_no_proposal_nobody_accepted() {
        let project = sample_project();
        let set = labels::ma52();
        for format in Format::ALL.into_iter().filter(|f| f.can_import()) {
            let counts = will_write(&project, format, None, Include::GroundTruth);
            let out = export(&project, format, None, &set, Include::GroundTruth).unwrap();
            let picked = picked(&out);
            let back = import(&Project::default(), format, &picked, &set).unwrap();
            let open = back
                .segments()
                .filter(|(_, s)| truth::is_prediction(s))
                .count();
            assert_eq!(open, counts.predictions, "{format:?}");
        }
    }

    #[test]
    fn unknown_files_are_not_guessed() {
        assert_eq!(Format::detect("notes.json", b"{\"a\": 1}"), None);
        assert_eq!(Format::detect("clip.mp4", b"\0\0\0"), None);
        assert_eq!(
            Format::detect("x.EAF", b"<ANNOTATION_DOCUMENT"),
            Some(Format::Elan)
        );
    }

    #[test]
    fn export_names_follow_the_project() {
        let mut project = sample_project();
        project.name = "my study / day 1".into();
        let out = export(
            &project,
            Format::Csv,
            None,
            &labels::ma52(),
            Include::GroundTruth,
        )
        .unwrap();
        assert_eq!(out.files[0].name, "my_study___day_1.csv");
    }
}
