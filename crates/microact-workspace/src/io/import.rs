//! Import: picked files read by a format's importer into a project to merge, and the notice's
//! one-line summary of what came in.

use microact_core::formats::{
    FormatError, activitynet, ava, cvat, elan, mmaction, native, table, via3,
};
use microact_core::labels::LabelSet;
use microact_core::model::Project;

use super::Format;

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
