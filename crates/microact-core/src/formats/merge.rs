//! Folding an imported project into the open one as a single undoable edit.

use std::collections::HashMap;

use crate::edit::Edit;
use crate::model::{Project, SegmentId, TrackId, VideoId};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Keep what is there; videos match by file name, tracks by video and name; imported
    /// segments are added next to existing ones.
    Merge,
    /// Remove the open project's videos, tracks and pose tracks first (label sets and
    /// annotators stay), then add the import.
    Replace,
}

/// The edit that brings `imported` into `base`. Ids are renumbered so nothing collides.
pub fn merge(base: &Project, imported: &Project, mode: Mode) -> Edit {
    let mut edits = Vec::new();
    let emptied;
    let base = match mode {
        Mode::Merge => base,
        Mode::Replace => {
            edits.extend(base.videos.iter().map(|v| Edit::remove_video(base, v.id)));
            emptied = Project {
                name: base.name.clone(),
                label_sets: base.label_sets.clone(),
                annotators: base.annotators.clone(),
                taught: base.taught.clone(),
                ..Project::default()
            };
            &emptied
        }
    };

    for set in &imported.label_sets {
        match base.label_set(&set.id) {
            None => edits.push(Edit::PutLabelSet {
                index: base.label_sets.len(),
                set: set.clone(),
            }),
            Some(existing) => {
                let mut union = existing.clone();
                let missing = set
                    .labels
                    .iter()
                    .filter(|l| existing.label(&l.id).is_none());
                union.labels.extend(missing.cloned());
                if union != *existing {
                    edits.push(Edit::PutLabelSet {
                        index: 0,
                        set: union,
                    });
                }
            }
        }
    }
    for annotator in &imported.annotators {
        if !base.annotators.iter().any(|a| a.id == annotator.id) {
            edits.push(Edit::PutAnnotator {
                annotator: annotator.clone(),
            });
        }
    }

    let mut next_video = base.next_video_id().0;
    let mut videos: HashMap<VideoId, VideoId> = HashMap::new();
    for video in &imported.videos {
        let id = match base.videos.iter().find(|v| v.name == video.name) {
            Some(existing) => existing.id,
            None => {
                let id = VideoId(next_video);
                next_video += 1;
                let index = base.videos.len() + videos.len();
                edits.push(Edit::AddVideo {
                    index,
                    video: crate::model::Video {
                        id,
                        ..video.clone()
                    },
                });
                id
            }
        };
        videos.insert(video.id, id);
    }

    let mut next_track = base.next_track_id().0;
    let mut next_segment = base.next_segment_id().0;
    let mut added_tracks = 0;
    for track in &imported.tracks {
        let Some(&video) = videos.get(&track.video) else {
            continue;
        };
        let mut segments = track.segments.clone();
        for segment in &mut segments {
            segment.id = SegmentId(next_segment);
            next_segment += 1;
        }
        match base
            .tracks_of(video)
            .find(|t| t.meta.name == track.meta.name)
        {
            Some(existing) => {
                edits.extend(segments.into_iter().map(|segment| Edit::PutSegment {
                    track: existing.id,
                    segment,
                }));
                if existing.meta.description.is_none() && track.meta.description.is_some() {
                    let mut meta = existing.meta.clone();
                    meta.description = track.meta.description.clone();
                    edits.push(Edit::SetTrackMeta {
                        track: existing.id,
                        meta,
                    });
                }
            }
            None => {
                let mut new = track.clone();
                new.id = TrackId(next_track);
                next_track += 1;
                new.video = video;
                new.segments = segments;
                edits.push(Edit::AddTrack {
                    index: base.tracks.len() + added_tracks,
                    track: new,
                });
                added_tracks += 1;
            }
        }
    }
    for pose in &imported.poses {
        if let Some(&video) = videos.get(&pose.video) {
            let mut pose = pose.clone();
            pose.video = video;
            edits.push(Edit::PutPose { pose });
        }
    }
    // Taught models come after the open project's, numbered on from its newest.
    let newest = base.taught.iter().map(|m| m.version).max().unwrap_or(0);
    for (model, version) in imported.taught.iter().zip(newest + 1..) {
        let mut model = model.clone();
        model.version = version;
        edits.push(Edit::PutTaught { model });
    }
    Edit::Batch(edits)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sample::sample_project;

    #[test]
    fn imported_taught_models_are_numbered_after_the_open_ones() {
        use crate::sample::taught_model;
        let mut base = sample_project();
        base.taught = vec![taught_model(1), taught_model(2)];
        let mut imported = Project::new("other");
        imported.taught = vec![taught_model(1)];
        for mode in [Mode::Merge, Mode::Replace] {
            let mut after = base.clone();
            merge(&base, &imported, mode).apply(&mut after).unwrap();
            let versions: Vec<u32> = after.taught.iter().map(|m| m.version).collect();
            assert_eq!(versions, vec![1, 2, 3]);
        }
    }

    #[test]
    fn merging_a_project_into_itself_doubles_segments_in_the_same_tracks() {
        let exclusive = sample_project();
        let mut project = exclusive.clone();
        let err = merge(&exclusive, &exclusive, Mode::Merge)
            .apply(&mut project)
            .unwrap_err();
        assert!(err.to_string().contains("does not allow overlaps"), "{err}");
        assert_eq!(project, exclusive, "a failed merge changes nothing");

        let mut base = exclusive;
        base.tracks[0].meta.exclusive = false;
        let mut project = base.clone();
        merge(&base, &base, Mode::Merge)
            .apply(&mut project)
            .unwrap();
        assert_eq!(project.tracks.len(), base.tracks.len());
        assert_eq!(project.segments().count(), 2 * base.segments().count());
        assert!(project.validate().is_empty(), "{:?}", project.validate());
    }

    #[test]
    fn replace_is_one_undoable_edit() {
        let base = sample_project();
        let mut imported = Project::new("other");
        imported.videos.push(crate::model::Video {
            name: "other.mp4".into(),
            ..base.videos[0].clone()
        });
        let mut project = base.clone();
        let undo = merge(&base, &imported, Mode::Replace)
            .apply(&mut project)
            .unwrap();
        assert_eq!(project.videos.len(), 1);
        assert_eq!(project.videos[0].name, "other.mp4");
        assert!(project.tracks.is_empty());
        undo.apply(&mut project).unwrap();
        assert_eq!(project, base);
    }
}
