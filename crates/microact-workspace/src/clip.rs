//! A clip joining the project: the video on screen found by name, size and hash (or added with a
//! first track), retimed to the clip as measured, and its content hash recorded.

use microact_core::edit::Edit;
use microact_core::model::{Video, VideoId};

use super::journal::Entry;
use super::{OpenedClip, Refusal, Workspace};

impl Workspace {
    /// Makes `clip` the video on screen: the project's video with its name and size (and hash
    /// when both know one), or a new video with one empty track. Its rate and frame count come
    /// from the clip as measured.
    pub fn attach(&mut self, clip: &OpenedClip) -> Result<VideoId, Refusal> {
        let same = |v: &&Video| {
            v.name == clip.name
                && (v.bytes == 0 || v.bytes == clip.bytes)
                && (v.hash.is_empty() || clip.hash.is_empty() || v.hash == clip.hash)
        };
        let id = match self.project.videos.iter().find(same).cloned() {
            Some(known) => {
                let measured = Video {
                    name: known.name.clone(),
                    hash: if clip.hash.is_empty() {
                        known.hash.clone()
                    } else {
                        clip.hash.clone()
                    },
                    ..clip.video(known.id)
                };
                // A clip measured a few frames short (a rounded duration) keeps every segment;
                // times imported without a rate move onto the clip's.
                let edit = Edit::retime(&self.project, measured);
                let changed = match &edit {
                    Edit::SetVideo { video } => *video != known,
                    _ => true,
                };
                // A tab that only follows the project shows the clip as the project has it.
                if changed && self.read_only.is_none() {
                    self.apply("update video", edit)?;
                }
                known.id
            }
            None => {
                let id = self.project.next_video_id();
                let video = clip.video(id);
                let add = Edit::AddVideo {
                    index: self.project.videos.len(),
                    video,
                };
                let mut project = self.project.clone();
                add.clone().apply(&mut project).map_err(|e| e.to_string())?;
                let track = Edit::add_track(&project, id, "Person 1");
                self.apply("add video", Edit::Batch(vec![add, track]))?;
                id
            }
        };
        if self.video != Some(id) {
            self.video = Some(id);
            self.selected = None;
            self.mark_in = None;
            self.track = self.lanes().first().map(|t| t.id);
        }
        Ok(id)
    }

    /// Records the content hash of the clip on screen once it is known. `Err` names a clip that
    /// has the project's file name and size but other content.
    pub fn set_hash(&mut self, name: &str, bytes: u64, hash: &str) -> Result<(), Refusal> {
        let Some(video) = self
            .project
            .videos
            .iter()
            .find(|v| v.name == name && v.bytes == bytes)
            .cloned()
        else {
            return Ok(());
        };
        if video.hash.is_empty() {
            if self.read_only.is_some() {
                // The editing tab records it.
                return Ok(());
            }
            // A fact about the file found in the background, not an edit to undo.
            let edit = Edit::SetVideo {
                video: Video {
                    hash: hash.to_string(),
                    ..video
                },
            };
            edit.clone()
                .apply(&mut self.project)
                .map_err(|e| e.to_string())?;
            self.journal.push(Entry::Apply(edit));
            return Ok(());
        }
        if video.hash != hash {
            return Err(format!(
                "{name} is not the file this project was made with: same name and size, other content. Its segments may not fit this clip."
            ));
        }
        Ok(())
    }
}
