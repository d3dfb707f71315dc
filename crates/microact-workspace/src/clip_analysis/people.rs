//! The people clip analysis saw, frame by frame: who is worth a track, each one's frames, their
//! pose track as the project stores it and their boxes a few a second.

use microact_core::model::{Frame, KeyBox, NormRect, PoseFrame, PoseTrack, VideoId};

/// One person on one analysed frame: their tracker id, keypoints `[x, y, score]` and box
/// `[x1, y1, x2, y2]` (MultiPose gives one), in source pixels.
#[derive(Clone, Debug, PartialEq)]
pub struct Seen {
    pub id: u32,
    pub keypoints: Vec<[f32; 3]>,
    pub bbox: Option<[f32; 4]>,
}

/// Keypoints scored below this do not count towards a person's box.
pub(super) const BOX_MIN_SCORE: f32 = 0.3;

/// The people worth a track: ids seen on at least `min_frames` of `frames` (each frame's
/// people), most seen first (ties by id).
pub fn people(frames: &[Vec<Seen>], min_frames: usize) -> Vec<u32> {
    let mut counts: Vec<(u32, usize)> = Vec::new();
    for seen in frames.iter().flatten() {
        match counts.iter_mut().find(|(id, _)| *id == seen.id) {
            Some((_, n)) => *n += 1,
            None => counts.push((seen.id, 1)),
        }
    }
    counts.retain(|&(_, n)| n >= min_frames.max(1));
    counts.sort_by_key(|&(id, n)| (std::cmp::Reverse(n), id));
    counts.into_iter().map(|(id, _)| id).collect()
}

/// Person `id` on each frame (`None` where not seen).
pub fn person_frames(frames: &[Vec<Seen>], id: u32) -> Vec<Option<&Seen>> {
    frames
        .iter()
        .map(|seen| seen.iter().find(|s| s.id == id))
        .collect()
}

/// Person `id`'s keypoints as the project stores poses, under that id.
pub fn pose_track(video: VideoId, id: u32, frames: &[Vec<Seen>]) -> PoseTrack {
    PoseTrack {
        video,
        person: id,
        layout: "coco17".into(),
        frames: person_frames(frames, id)
            .into_iter()
            .enumerate()
            .filter_map(|(f, s)| {
                s.map(|s| PoseFrame {
                    frame: f as Frame,
                    keypoints: s.keypoints.clone(),
                })
            })
            .collect(),
        confidence: None,
    }
}

/// Person `id`'s box on the first frame they are seen and then every `every` frames (a frame
/// without them waits for the next that has them), normalised to the `width` × `height` frame:
/// the pose model's box, else the extent of the keypoints it is sure of.
pub fn person_boxes(
    frames: &[Vec<Seen>],
    id: u32,
    every: Frame,
    width: f32,
    height: f32,
) -> Vec<KeyBox> {
    let mut boxes = Vec::new();
    let mut due: Frame = 0;
    for (f, seen) in person_frames(frames, id).into_iter().enumerate() {
        let f = f as Frame;
        let Some(seen) = seen.filter(|_| f >= due) else {
            continue;
        };
        if let Some(rect) = normalised_box(seen, width, height) {
            boxes.push(KeyBox { frame: f, rect });
            due = f + every.max(1);
        }
    }
    boxes
}

fn normalised_box(seen: &Seen, width: f32, height: f32) -> Option<NormRect> {
    let [x1, y1, x2, y2] = match seen.bbox {
        Some(b) => b,
        None => {
            let sure = || seen.keypoints.iter().filter(|k| k[2] >= BOX_MIN_SCORE);
            let (xs, ys) = (sure().map(|k| k[0]), sure().map(|k| k[1]));
            let (x1, x2) = (
                xs.clone().fold(f32::MAX, f32::min),
                xs.fold(f32::MIN, f32::max),
            );
            let (y1, y2) = (
                ys.clone().fold(f32::MAX, f32::min),
                ys.fold(f32::MIN, f32::max),
            );
            if x1 > x2 || y1 > y2 {
                return None;
            }
            // Keypoints are joints: pad to the body's outline.
            let (px, py) = ((x2 - x1) * 0.15, (y2 - y1) * 0.1);
            [x1 - px, y1 - py, x2 + px, y2 + py]
        }
    };
    if !(width > 0.0 && height > 0.0) {
        return None;
    }
    let rect = NormRect {
        x1: (x1 / width).clamp(0.0, 1.0),
        y1: (y1 / height).clamp(0.0, 1.0),
        x2: (x2 / width).clamp(0.0, 1.0),
        y2: (y2 / height).clamp(0.0, 1.0),
    };
    (rect.x2 > rect.x1 && rect.y2 > rect.y1).then_some(rect)
}
