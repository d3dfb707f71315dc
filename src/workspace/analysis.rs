//! What clip analysis gives the workspace: each person's pose track (with the recognizer's
//! per-frame confidence), person boxes and proposed segments, taken in as one undo step; and
//! accepting the proposals above a score.

use microact_core::edit::Edit;
use microact_core::labels::LabelSet;
use microact_core::model::{
    Frame, KeyBox, NormRect, PoseFrame, PoseTrack, Project, Segment, Status, Track, TrackId,
    VideoId,
};

use super::{Refusal, Workspace};

/// One person's analysis of the video on screen.
#[derive(Clone, Debug, PartialEq)]
pub struct Analysed {
    pub pose: PoseTrack,
    /// The recognizer's name (its proposals replace its earlier ones).
    pub model: String,
    /// The label set its classes are (added to the project when missing).
    pub labels: LabelSet,
    pub proposals: Vec<Segment>,
    /// Person boxes from the pose, a few a second; a frame that has a box keeps it.
    pub boxes: Vec<KeyBox>,
}

/// What taking one person's analysis did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Taken {
    pub track: TrackId,
    pub added: usize,
    /// Proposals that overlapped a segment of an exclusive track.
    pub left_out: usize,
}

impl Workspace {
    /// Takes one person's analysis: see [`Self::take_analyses`].
    pub fn take_analysis(&mut self, a: Analysed) -> Result<Taken, Refusal> {
        let taken = self.take_analyses(vec![a])?;
        taken
            .first()
            .copied()
            .ok_or_else(|| "nothing was analysed".into())
    }

    /// Stores each person's pose track and boxes and puts their proposals into their track, all
    /// as one undo step. A person's track is the lane whose person id is the pose's; else, for
    /// the first person (the one seen most), the active lane, else the first; else a new lane.
    /// Each pose track is stored under its lane's person id.
    pub fn take_analyses(&mut self, people: Vec<Analysed>) -> Result<Vec<Taken>, Refusal> {
        let Some(first) = people.first() else {
            return Ok(Vec::new());
        };
        let video = first.pose.video;
        if self.video != Some(video) || people.iter().any(|a| a.pose.video != video) {
            return Err("the analysed clip is no longer on screen".into());
        }
        let mut edits = Vec::new();
        let mut after = self.project.clone();
        let mut step = |edit: Edit, after: &mut Project| {
            let done = edit.clone().apply(after).map(|_| ());
            edits.push(edit);
            done.map_err(|e| e.to_string())
        };
        for a in &people {
            if let Some(edit) = label_set_edit(&after, &a.labels, &a.model)? {
                step(edit, &mut after)?;
            }
        }
        let lanes: Vec<(TrackId, u32)> =
            self.lanes().iter().map(|t| (t.id, t.meta.person)).collect();
        let by_person = |person: u32| lanes.iter().find(|l| l.1 == person).map(|l| l.0);
        let matched: Vec<Option<TrackId>> =
            people.iter().map(|a| by_person(a.pose.person)).collect();
        let fallback = self
            .track
            .filter(|t| lanes.iter().any(|l| l.0 == *t))
            .or_else(|| lanes.first().map(|l| l.0))
            .filter(|t| !matched.contains(&Some(*t)));
        let mut taken = Vec::with_capacity(people.len());
        for (i, a) in people.into_iter().enumerate() {
            let track = match (matched[i], fallback.filter(|_| i == 0)) {
                (Some(id), _) | (None, Some(id)) => id,
                (None, None) => {
                    let id = after.next_track_id();
                    // "Person n", the first n no lane of the clip is named.
                    let taken = |name: &str| after.tracks_of(video).any(|t| t.meta.name == name);
                    let name = (1..)
                        .map(|n| format!("Person {n}"))
                        .find(|n| !taken(n))
                        .unwrap_or_default();
                    let mut lane = Track::new(id, video, name);
                    lane.meta.person = a.pose.person;
                    step(
                        Edit::AddTrack {
                            index: after.tracks.len(),
                            track: lane,
                        },
                        &mut after,
                    )?;
                    id
                }
            };
            // The pose track belongs to the lane's person (exports pair them by that id).
            let mut pose = a.pose;
            pose.person = after.track(track).map_or(pose.person, |t| t.meta.person);
            step(Edit::PutPose { pose }, &mut after)?;
            for b in a.boxes {
                let free = after
                    .track(track)
                    .is_some_and(|t| t.box_at(b.frame).is_none());
                if free {
                    let edit = Edit::SetBox {
                        track,
                        frame: b.frame,
                        rect: Some(b.rect),
                    };
                    step(edit, &mut after)?;
                }
            }
            let (proposals, left_out) =
                Edit::replace_proposals(&after, track, &a.model, a.proposals)
                    .map_err(|e| e.to_string())?;
            let added = match &proposals {
                Edit::Batch(e) => e
                    .iter()
                    .filter(|e| matches!(e, Edit::PutSegment { .. }))
                    .count(),
                _ => 0,
            };
            step(proposals, &mut after)?;
            taken.push(Taken {
                track,
                added,
                left_out,
            });
        }
        self.apply("analyse clip", Edit::Batch(edits))?;
        self.track = taken.first().map(|t| t.track);
        Ok(taken)
    }

    /// Adds a model's classes as a label set unless the project has it (one undo step); false
    /// when it was there already.
    pub fn add_label_set(&mut self, set: LabelSet) -> Result<bool, Refusal> {
        let model = set.name.clone();
        match label_set_edit(&self.project, &set, &model)? {
            Some(edit) => self.apply("add label set", edit).map(|()| true),
            None => Ok(false),
        }
    }

    /// Accepts the proposals of the video on screen that score at least `threshold`; returns
    /// how many.
    pub fn accept_above(&mut self, threshold: f32) -> Result<usize, Refusal> {
        let ids: Vec<TrackId> = self.lanes().iter().map(|t| t.id).collect();
        let edits: Vec<Edit> = ids
            .iter()
            .map(|&id| Edit::accept_above(&self.project, Some(id), threshold))
            .collect();
        let count = edits
            .iter()
            .map(|e| match e {
                Edit::Batch(e) => e.len(),
                _ => 1,
            })
            .sum();
        if count == 0 {
            return Err(format!("no proposals score {threshold:.2} or more"));
        }
        self.apply("accept proposals", Edit::Batch(edits))?;
        Ok(count)
    }

    /// The proposals of the video on screen still waiting for a decision.
    pub fn open_proposals(&self) -> usize {
        self.lanes()
            .iter()
            .flat_map(|t| &t.segments)
            .filter(|s| s.status == Status::Proposed)
            .count()
    }
}

/// One person on one analysed frame: their tracker id, keypoints `[x, y, score]` and box
/// `[x1, y1, x2, y2]` (MultiPose gives one), in source pixels.
#[derive(Clone, Debug, PartialEq)]
pub struct Seen {
    pub id: u32,
    pub keypoints: Vec<[f32; 3]>,
    pub bbox: Option<[f32; 4]>,
}

/// One part of a clip analysed on its own (by one engine worker): `seen[k]` is frame
/// `from + k`. Every part but the first begins `warm` frames before its own frames, on the end of
/// the part before it: those frames settle its tracking and tell who is who across the join.
#[derive(Clone, Debug, PartialEq)]
pub struct Part {
    pub from: u64,
    pub warm: u64,
    pub seen: Vec<Vec<Seen>>,
}

/// The parts of a clip analysed apart as one run of frames from the first part's `from`: each
/// later part's warm-up frames are dropped and its tracker ids become the ids of the people they
/// match on those frames (keypoints nearest on average, within a fifth of the person's size);
/// anyone else gets a new id. A part ends where the next one's own frames begin. The first
/// part keeps its ids (its tracker went on from the frames before it).
/// New ids start at `next_id` at least (ids before the parts are taken).
pub fn stitch(parts: Vec<Part>, next_id: u32) -> Vec<Vec<Seen>> {
    let mut joined: Vec<Vec<Seen>> = Vec::new();
    let mut first_frame = None;
    for part in parts {
        // The first part goes on from frames before it: its ids are theirs.
        let Some(start) = first_frame else {
            first_frame = Some(part.from);
            joined.extend(part.seen);
            continue;
        };
        let own_from = part.from + part.warm;
        // The joined frames from this part's warm-up on (the part before covers them).
        let overlap: Vec<(&Vec<Seen>, &Vec<Seen>)> = (part.from..own_from)
            .filter_map(|f| {
                let old = joined.get(usize::try_from(f.checked_sub(start)?).ok()?)?;
                let new = part.seen.get(usize::try_from(f - part.from).ok()?)?;
                Some((old, new))
            })
            .collect();
        let mut next_id = joined
            .iter()
            .flatten()
            .map(|s| s.id + 1)
            .max()
            .unwrap_or(1)
            .max(next_id);
        let renamed = match_ids(&overlap);
        let mut fresh = std::collections::HashMap::new();
        let mut rename = |id: u32| {
            if let Some(&old) = renamed.get(&id) {
                return old;
            }
            *fresh.entry(id).or_insert_with(|| {
                let n = next_id;
                next_id += 1;
                n
            })
        };
        // Frames of the part before from here on are this part's.
        joined.truncate(usize::try_from(own_from.saturating_sub(start)).unwrap_or(usize::MAX));
        for frame in part
            .seen
            .into_iter()
            .skip(usize::try_from(part.warm).unwrap_or(usize::MAX))
        {
            joined.push(
                frame
                    .into_iter()
                    .map(|s| Seen {
                        id: rename(s.id),
                        ..s
                    })
                    .collect(),
            );
        }
    }
    joined
}

/// Which new id is which old one, from frames seen by both (`(old, new)` per frame): pairs by
/// mean keypoint distance, nearest first, each id used once.
fn match_ids(overlap: &[(&Vec<Seen>, &Vec<Seen>)]) -> std::collections::HashMap<u32, u32> {
    // (old, new) → (summed distance, keypoints compared, summed size)
    let mut pairs: std::collections::HashMap<(u32, u32), (f32, u32, f32)> = Default::default();
    for (old, new) in overlap {
        for o in old.iter() {
            for n in new.iter() {
                let (mut d, mut k) = (0.0, 0);
                for (a, b) in o.keypoints.iter().zip(&n.keypoints) {
                    if a[2] >= BOX_MIN_SCORE && b[2] >= BOX_MIN_SCORE {
                        d += (a[0] - b[0]).hypot(a[1] - b[1]);
                        k += 1;
                    }
                }
                if k > 0 {
                    let e = pairs.entry((o.id, n.id)).or_default();
                    e.0 += d;
                    e.1 += k;
                    e.2 += size(o) * k as f32;
                }
            }
        }
    }
    let mut ranked: Vec<((u32, u32), f32, f32)> = pairs
        .into_iter()
        .map(|(ids, (d, k, sz))| (ids, d / k as f32, sz / k as f32))
        .collect();
    ranked.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
    let mut matched = std::collections::HashMap::new();
    let mut taken = std::collections::HashSet::new();
    for ((old, new), mean, person) in ranked {
        if mean <= person / 5.0 && !matched.contains_key(&new) && taken.insert(old) {
            matched.insert(new, old);
        }
    }
    matched
}

/// A person's size on a frame: the diagonal of their keypoints' extent.
fn size(seen: &Seen) -> f32 {
    let sure = seen.keypoints.iter().filter(|k| k[2] >= BOX_MIN_SCORE);
    let (mut x0, mut y0, mut x1, mut y1) = (f32::MAX, f32::MAX, f32::MIN, f32::MIN);
    for k in sure {
        x0 = x0.min(k[0]);
        y0 = y0.min(k[1]);
        x1 = x1.max(k[0]);
        y1 = y1.max(k[1]);
    }
    if x1 < x0 {
        0.0
    } else {
        (x1 - x0).hypot(y1 - y0)
    }
}

/// Keypoints scored below this do not count towards a person's box.
const BOX_MIN_SCORE: f32 = 0.3;

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

/// The edit that adds `set` to `project`, `None` when the project has a set with its id and
/// every one of its labels; refused when that set lacks one (`model`'s output could not be
/// labelled).
fn label_set_edit(project: &Project, set: &LabelSet, model: &str) -> Result<Option<Edit>, Refusal> {
    let Some(have) = project.label_set(&set.id) else {
        return Ok(Some(Edit::PutLabelSet {
            index: project.label_sets.len(),
            set: set.clone(),
        }));
    };
    match set.labels.iter().find(|l| have.label(&l.id).is_none()) {
        Some(missing) => Err(format!(
            "the project's label set {} has no label {:?} for {model}",
            have.name, missing.id
        )),
        None => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn standing(id: u32, x: f32) -> Seen {
        // A standing person 100 px tall, at x.
        let keypoints = (0..17)
            .map(|k| [x + (k % 3) as f32 * 10.0, 100.0 + k as f32 * 6.0, 0.9])
            .collect();
        Seen {
            id,
            keypoints,
            bbox: None,
        }
    }

    #[test]
    fn parts_join_with_the_people_they_share_renamed_and_warm_up_frames_dropped() {
        // Part one: frames 0–9, people 1 (x 0) and 2 (x 300). Part two: frames 6–14 of which
        // 6–9 warm up; its tracker calls the same people 1 (x 300) and 2 (x 1), and a newcomer 3.
        let one = Part {
            from: 0,
            warm: 0,
            seen: (0..10)
                .map(|_| vec![standing(1, 0.0), standing(2, 300.0)])
                .collect(),
        };
        let two = Part {
            from: 6,
            warm: 4,
            seen: (6..15)
                .map(|f| {
                    let mut p = vec![standing(1, 300.0), standing(2, 1.0)];
                    if f >= 12 {
                        p.push(standing(3, 600.0));
                    }
                    p
                })
                .collect(),
        };
        let joined = stitch(vec![one, two], 1);
        assert_eq!(joined.len(), 15);
        let ids = |f: usize| {
            joined[f]
                .iter()
                .map(|s| (s.id, s.keypoints[0][0] as i32))
                .collect::<Vec<_>>()
        };
        assert_eq!(ids(9), vec![(1, 0), (2, 300)]);
        assert_eq!(ids(10), vec![(2, 300), (1, 1)]);
        assert_eq!(ids(14), vec![(2, 300), (1, 1), (3, 600)]);
    }

    #[test]
    fn someone_far_from_everyone_on_the_join_is_someone_new() {
        let one = Part {
            from: 0,
            warm: 0,
            seen: (0..4).map(|_| vec![standing(1, 0.0)]).collect(),
        };
        let two = Part {
            from: 2,
            warm: 2,
            seen: (2..6).map(|_| vec![standing(1, 500.0)]).collect(),
        };
        let joined = stitch(vec![one.clone(), two.clone()], 1);
        assert_eq!(joined.len(), 6);
        assert_eq!(joined[5][0].id, 2, "not person 1: 500 px away");
        // Ids taken before the parts are not given again.
        assert_eq!(stitch(vec![one, two], 9)[5][0].id, 9);
        // A single part is itself.
        let only = Part {
            from: 3,
            warm: 0,
            seen: vec![vec![standing(7, 0.0)]],
        };
        assert_eq!(stitch(vec![only], 1), vec![vec![standing(7, 0.0)]]);
    }
    use crate::workspace::tests::workspace;
    use microact_core::labels;
    use microact_core::sample;

    fn analysed(ws: &Workspace, spans: &[(u64, u64, f32)]) -> Analysed {
        person(ws, 1, spans)
    }

    fn person(ws: &Workspace, id: u32, spans: &[(u64, u64, f32)]) -> Analysed {
        Analysed {
            pose: PoseTrack {
                video: ws.video.unwrap(),
                person: id,
                layout: "coco17".into(),
                frames: vec![PoseFrame {
                    frame: 0,
                    keypoints: vec![[1.0, 2.0, 0.5]; 17],
                }],
                confidence: None,
            },
            model: "penn-ddnet".into(),
            labels: labels::penn_action(),
            proposals: spans
                .iter()
                .map(|&(start, end, score)| sample::proposal("penn-ddnet", start, end, score))
                .collect(),
            boxes: vec![KeyBox {
                frame: 0,
                rect: microact_core::model::NormRect {
                    x1: 0.1 * id as f32,
                    y1: 0.2,
                    x2: 0.1 * id as f32 + 0.1,
                    y2: 0.9,
                },
            }],
        }
    }

    #[test]
    fn several_people_get_a_track_each_in_one_step_and_again_the_same_tracks() {
        let mut ws = workspace();
        let before = ws.project.clone();
        let first = ws.lanes()[0].id;
        let people = |ws: &Workspace| {
            vec![
                person(ws, 1, &[(0, 20, 0.9)]),
                person(ws, 2, &[(5, 25, 0.8), (30, 40, 0.7)]),
                person(ws, 4, &[]),
            ]
        };
        let taken = ws.take_analyses(people(&ws)).unwrap();
        let added: Vec<usize> = taken.iter().map(|t| t.added).collect();
        assert_eq!(added, vec![1, 2, 0]);
        // The first person takes the active lane ("Person 1"); the others get new lanes, named
        // with the next free numbers.
        assert_eq!(taken[0].track, first);
        let names: Vec<String> = ws.lanes().iter().map(|t| t.meta.name.clone()).collect();
        assert_eq!(names, vec!["Person 1", "Person 2", "Person 3"]);
        assert_eq!(ws.project.poses.len(), 3);
        for (t, lane) in taken.iter().zip(ws.lanes()) {
            assert_eq!(t.track, lane.id);
            assert_eq!(lane.boxes.len(), 1, "the pose's box");
            assert!(
                ws.project
                    .poses
                    .iter()
                    .any(|p| p.person == lane.meta.person)
            );
        }
        assert_eq!(ws.track, Some(first));

        // Analysed again (a drawn box on frame 0 of the first lane stays): the same lanes.
        let drawn = microact_core::model::NormRect {
            x1: 0.5,
            y1: 0.5,
            x2: 0.6,
            y2: 0.6,
        };
        ws.apply(
            "box",
            Edit::SetBox {
                track: first,
                frame: 0,
                rect: Some(drawn),
            },
        )
        .unwrap();
        let again = ws.take_analyses(people(&ws)).unwrap();
        assert_eq!(again, taken);
        assert_eq!(ws.lanes().len(), 3);
        assert_eq!(ws.lanes()[0].box_at(0), Some(drawn));
        assert_eq!(ws.open_proposals(), 3);
        ws.undo();
        ws.undo();
        ws.undo();
        assert_eq!(ws.project, before);
    }

    #[test]
    fn an_analysis_is_one_undo_step_and_a_second_replaces_the_first() {
        let mut ws = workspace();
        ws.project.label_sets.retain(|s| s.id != "penn_action");
        let before = ws.project.clone();
        let taken = ws
            .take_analysis(analysed(&ws, &[(0, 20, 0.9), (30, 50, 0.4)]))
            .unwrap();
        assert_eq!((taken.added, taken.left_out), (2, 0));
        assert_eq!(ws.project.poses.len(), 1);
        assert_eq!(ws.project.poses[0].person, ws.lanes()[0].meta.person);
        assert!(ws.project.label_set("penn_action").is_some());
        assert_eq!(ws.open_proposals(), 2);

        assert_eq!(ws.accept_above(0.5), Ok(1));
        assert_eq!(ws.open_proposals(), 1);
        // The accepted one stays when the model proposes again.
        ws.take_analysis(analysed(&ws, &[(40, 59, 0.6)])).unwrap();
        let spans: Vec<(u64, u64, Status)> = ws.lanes()[0]
            .segments
            .iter()
            .map(|s| (s.start, s.end, s.status))
            .collect();
        assert_eq!(
            spans,
            vec![(0, 20, Status::Accepted), (40, 59, Status::Proposed)]
        );
        ws.undo();
        ws.undo();
        ws.undo();
        assert_eq!(ws.project, before);
        assert!(ws.accept_above(0.5).is_err(), "nothing to accept");
    }

    #[test]
    fn a_models_classes_become_a_label_set_once() {
        let mut ws = workspace();
        ws.project.label_sets.retain(|s| s.id != "jhmdb14");
        assert_eq!(ws.add_label_set(labels::jhmdb14()), Ok(true));
        assert_eq!(ws.add_label_set(labels::jhmdb14()), Ok(false));
        assert_eq!(ws.undo().as_deref(), Some("add label set"));
        assert!(ws.project.label_set("jhmdb14").is_none());
    }

    #[test]
    fn a_label_set_without_the_classes_is_refused_and_nothing_changes() {
        let mut ws = workspace();
        let set = ws
            .project
            .label_sets
            .iter_mut()
            .find(|s| s.id == "penn_action")
            .unwrap();
        set.labels.retain(|l| l.id != "squat");
        let before = ws.project.clone();
        let why = ws
            .take_analysis(analysed(&ws, &[(0, 20, 0.9)]))
            .unwrap_err();
        assert!(why.contains("squat"), "{why}");
        assert_eq!(ws.project, before);
    }

    fn seen(id: u32, x: f32, bbox: Option<[f32; 4]>) -> Seen {
        let mut keypoints = vec![[x, 50.0, 0.9]; 17];
        keypoints[16] = [x + 20.0, 150.0, 0.9];
        keypoints[0] = [0.0, 0.0, 0.1]; // not sure: no part of the box
        Seen {
            id,
            keypoints,
            bbox,
        }
    }

    #[test]
    fn people_seen_often_enough_most_seen_first_with_their_frames_and_boxes() {
        let frames = vec![
            vec![seen(2, 100.0, None)],
            vec![
                seen(2, 100.0, None),
                seen(1, 10.0, Some([5.0, 20.0, 40.0, 180.0])),
            ],
            vec![],
            vec![
                seen(1, 10.0, None),
                seen(2, 110.0, None),
                seen(3, 0.0, None),
            ],
        ];
        assert_eq!(people(&frames, 2), vec![2, 1]);
        assert_eq!(people(&frames, 1), vec![2, 1, 3]);
        assert_eq!(people(&frames, 4), Vec::<u32>::new());

        let track = pose_track(VideoId(7), 1, &frames);
        assert_eq!((track.video, track.person), (VideoId(7), 1));
        let at: Vec<Frame> = track.frames.iter().map(|f| f.frame).collect();
        assert_eq!(at, vec![1, 3]);

        // Every 2 frames where seen: 0, then 3 (2 has nobody).
        let boxes = person_boxes(&frames, 2, 2, 200.0, 200.0);
        let at: Vec<Frame> = boxes.iter().map(|b| b.frame).collect();
        assert_eq!(at, vec![0, 3]);
        // From the sure keypoints (x 100..120, y 50..150), padded 15 % and 10 %.
        let r = boxes[0].rect;
        assert!(
            (r.x1 - 97.0 / 200.0).abs() < 1e-6 && (r.x2 - 123.0 / 200.0).abs() < 1e-6,
            "{r:?}"
        );
        assert!(
            (r.y1 - 40.0 / 200.0).abs() < 1e-6 && (r.y2 - 160.0 / 200.0).abs() < 1e-6,
            "{r:?}"
        );
        // The model's box when it gives one.
        let r = person_boxes(&frames, 1, 30, 200.0, 200.0)[0].rect;
        assert_eq!((r.x1, r.y1, r.x2, r.y2), (0.025, 0.1, 0.2, 0.9));
        // Nobody sure of anything: no box.
        let unsure = Seen {
            id: 9,
            keypoints: vec![[1.0, 1.0, 0.0]; 17],
            bbox: None,
        };
        assert!(person_boxes(&[vec![unsure]], 9, 1, 10.0, 10.0).is_empty());
    }
}
