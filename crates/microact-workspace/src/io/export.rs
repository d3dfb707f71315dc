//! Export: the files each format writes for the open project (named after the project, or the
//! clip for the one-video formats), and how many segments it will write before it does.

use microact_core::formats::truth::{self, Counts, Include};
use microact_core::formats::{
    FormatError, activitynet, ava, cvat, elan, mmaction, native, table, via3,
};
use microact_core::labels::LabelSet;
use microact_core::model::{Project, VideoId};

use super::Format;

const JSON: &str = "application/json";
const CSV: &str = "text/csv";
const XML: &str = "application/xml";
const TEXT: &str = "text/plain";
const BINARY: &str = "application/octet-stream";

/// A file to download.
#[derive(Clone, Debug, PartialEq)]
pub struct Download {
    pub name: String,
    pub mime: &'static str,
    pub bytes: Vec<u8>,
}

impl Download {
    fn text(name: String, mime: &'static str, body: String) -> Self {
        Self {
            name,
            mime,
            bytes: body.into_bytes(),
        }
    }
}

/// What an export wrote and what it had to leave out.
#[derive(Clone, Debug, PartialEq)]
pub struct Exported {
    pub files: Vec<Download>,
    /// Segments the format could not carry (labels outside `set`, no pose, …).
    pub left_out: usize,
}

impl Exported {
    /// One file that carries every segment.
    fn whole(file: Download) -> Self {
        Self {
            files: vec![file],
            left_out: 0,
        }
    }
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

/// [`written_video`], or the error of `format` when the project has none.
fn one_video(
    project: &Project,
    video: Option<VideoId>,
    format: &'static str,
) -> Result<VideoId, FormatError> {
    written_video(project, video)
        .ok_or_else(|| FormatError::file(format, "the project has no video to export"))
}

/// The stem of a one-video format's file: the video's file name without its extension.
fn video_stem(project: &Project, id: VideoId, stem: &str) -> String {
    project.video(id).map_or_else(
        || stem.to_string(),
        |v| {
            v.name
                .rsplit_once('.')
                .map_or_else(|| v.name.clone(), |(s, _)| s.to_string())
        },
    )
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
    let stem = stem(project);
    let json = |suffix: &str, body| {
        Exported::whole(Download::text(format!("{stem}.{suffix}"), JSON, body))
    };
    Ok(match format {
        Format::Native => json("microact.json", native::export(project)),
        Format::Skeletons => json("skeletons.microact.json", native::export_skeletons(project)),
        Format::Via3 => json("via3.json", via3::export(project)),
        Format::Csv => Exported::whole(Download::text(
            format!("{stem}.csv"),
            CSV,
            table::export(project, include),
        )),
        Format::ActivityNet => activitynet_files(project, &stem, include),
        Format::Elan => {
            let id = one_video(project, video, elan::FORMAT)?;
            let name = format!("{}.eaf", video_stem(project, id, &stem));
            Exported::whole(Download::text(
                name,
                XML,
                elan::export(project, id, include)?,
            ))
        }
        Format::Cvat => {
            let id = one_video(project, video, cvat::FORMAT)?;
            let name = format!("{}.cvat.xml", video_stem(project, id, &stem));
            Exported::whole(Download::text(name, XML, cvat::export(project, id)?))
        }
        Format::Ava => ava_files(project, ava::Variant::Ava, &stem, set, include),
        Format::RefAva => ava_files(project, ava::Variant::RefAva, &stem, set, include),
        Format::MmactionClips => {
            let (body, left_out) = mmaction::export_clips(project, set);
            let name = format!("{stem}.{}.txt", set.id);
            Exported {
                files: vec![Download::text(name, TEXT, body)],
                left_out,
            }
        }
        Format::MmactionPoses => {
            let (bytes, left_out) = mmaction::export_poses(project, set, "train");
            let name = format!("{stem}.{}.pkl", set.id);
            Exported {
                files: vec![Download {
                    name,
                    mime: BINARY,
                    bytes,
                }],
                left_out,
            }
        }
    })
}

/// ActivityNet's ground truth, and with predictions the results file its evaluator scores.
fn activitynet_files(project: &Project, stem: &str, include: Include) -> Exported {
    let mut exported = Exported::whole(Download::text(
        format!("{stem}.activitynet.json"),
        JSON,
        activitynet::export_ground_truth(project),
    ));
    if include == Include::WithPredictions {
        let results = activitynet::export_predictions(project);
        exported.files.push(Download::text(
            format!("{stem}.activitynet-results.json"),
            JSON,
            results.text,
        ));
        exported.left_out = results.left_out;
    }
    exported
}

/// AVA's (or RefAVA's) rows and label map, and with predictions the detection-layout CSV.
fn ava_files(
    project: &Project,
    variant: ava::Variant,
    stem: &str,
    set: &LabelSet,
    include: Include,
) -> Exported {
    let suffix = match variant {
        ava::Variant::Ava => "ava",
        ava::Variant::RefAva => "refava",
    };
    let out = ava::export(project, set, variant);
    let mut files = vec![
        Download::text(format!("{stem}.{suffix}.csv"), CSV, out.csv),
        Download::text(format!("{stem}.{}.pbtxt", set.id), TEXT, out.label_map),
    ];
    if include == Include::WithPredictions {
        files.push(Download::text(
            format!("{stem}.{suffix}-predictions.csv"),
            CSV,
            out.predictions,
        ));
    }
    Exported {
        files,
        left_out: out.left_out,
    }
}
