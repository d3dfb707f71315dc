//! microact's own project file: JSON `{"format": "microact-project", "version": N, "project":
//! {...}}` with the [`Project`] as serde writes it.
//!
//! Forward compatible: fields this version does not know are ignored, and a file from a newer
//! version is read as far as its fields are known. Older files pass through [`MIGRATIONS`], one
//! function per version bump, each with its test, before they are typed.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::FormatError;
use crate::model::Project;

pub const FORMAT: &str = "microact-project";
/// The version this build writes.
pub const VERSION: u32 = 1;

/// `MIGRATIONS[v - 1]` turns a version `v` document into version `v + 1`. Empty while the schema
/// is at its first version.
const MIGRATIONS: [fn(&mut Value); (VERSION - 1) as usize] = [];

#[derive(Serialize)]
struct FileOut<'a> {
    format: &'static str,
    version: u32,
    project: &'a Project,
}

#[derive(Deserialize)]
struct FileIn {
    project: Project,
}

pub fn export(project: &Project) -> String {
    let file = FileOut {
        format: FORMAT,
        version: VERSION,
        project,
    };
    // A Project is plain data with string keys: serialising it cannot fail.
    serde_json::to_string_pretty(&file).unwrap_or_default()
}

/// The project as a skeleton dataset to share: a project file like [`export`]'s (pose tracks,
/// labels, descriptions, boxes, segments; never pixels, which no project holds), without what
/// identifies the media files or the people who labelled them: videos are renamed `video-N`
/// with no content hash or size, annotators are known by their ids only.
pub fn export_skeletons(project: &Project) -> String {
    let mut shared = project.clone();
    for (i, video) in shared.videos.iter_mut().enumerate() {
        video.name = format!("video-{}", i + 1);
        video.hash.clear();
        video.bytes = 0;
    }
    for annotator in &mut shared.annotators {
        annotator.name = annotator.id.clone();
    }
    export(&shared)
}

/// Reads a project file; `Err` names the JSON line or the field that is wrong.
pub fn import(text: &str) -> Result<Project, FormatError> {
    let mut doc: Value =
        serde_json::from_str(text).map_err(|e| FormatError::json("project", &e))?;
    let format = doc.get("format").and_then(Value::as_str);
    if format != Some(FORMAT) {
        return Err(FormatError::field(
            "project",
            "format",
            format!(
                "expected \"{FORMAT}\", found {}",
                format.map_or("nothing".into(), |f| format!("{f:?}"))
            ),
        ));
    }
    let version = doc
        .get("version")
        .and_then(Value::as_u64)
        .ok_or_else(|| FormatError::field("project", "version", "missing or not a whole number"))?;
    if version == 0 {
        return Err(FormatError::field(
            "project",
            "version",
            "0 is not a version",
        ));
    }
    for migrate in MIGRATIONS.iter().skip(version as usize - 1) {
        migrate(&mut doc);
    }
    let file: FileIn = serde_path_to_error(doc)?;
    Ok(file.project)
}

/// Types the document, naming the path of the first field that does not fit.
fn serde_path_to_error(doc: Value) -> Result<FileIn, FormatError> {
    serde_json::from_value(doc).map_err(|e| FormatError::field("project", "project", e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sample::sample_project;

    #[test]
    fn round_trip_is_exact() {
        let project = sample_project();
        assert_eq!(import(&export(&project)).unwrap(), project);
    }

    #[test]
    fn a_skeleton_export_keeps_poses_and_labels_and_names_no_file_or_person() {
        let mut project = sample_project();
        project.videos[0].hash = "abc123".into();
        project.videos[0].bytes = 4096;
        let text = export_skeletons(&project);
        for secret in [project.videos[0].name.as_str(), "abc123", "Ann Otator"] {
            assert!(!text.contains(secret), "{secret} is in the export");
        }
        let back = import(&text).unwrap();
        assert_eq!(back.poses, project.poses);
        assert_eq!(back.tracks, project.tracks);
        assert_eq!(back.label_sets, project.label_sets);
        assert_eq!(back.videos[0].name, "video-1");
        assert_eq!(
            (back.videos[0].frames, back.videos[0].rate),
            (project.videos[0].frames, project.videos[0].rate)
        );
    }

    #[test]
    fn newer_files_with_unknown_fields_still_load() {
        let mut doc: Value = serde_json::from_str(&export(&sample_project())).unwrap();
        doc["version"] = Value::from(VERSION + 1);
        doc["project"]["tracks"][0]["colour_of_the_day"] = Value::from("teal");
        doc["project"]["future"] = Value::from(42);
        let project = import(&doc.to_string()).unwrap();
        assert_eq!(project, sample_project());
    }

    #[test]
    fn errors_say_what_is_wrong() {
        let err = import("{\"format\": \"other\"}").unwrap_err();
        assert!(
            err.to_string().contains("expected \"microact-project\""),
            "{err}"
        );
        let err = import("{\n  \"format\": \"microact-project\",\n  \"version\": 1,\n  oops\n}")
            .unwrap_err();
        assert!(err.to_string().contains("line 4"), "{err}");
        let bad = export(&sample_project()).replacen("\"start\": 0", "\"start\": \"zero\"", 1);
        let err = import(&bad).unwrap_err();
        assert!(err.to_string().contains("invalid type"), "{err}");
    }
}
