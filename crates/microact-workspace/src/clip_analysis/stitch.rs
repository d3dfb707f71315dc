//! Joining the parts of a clip that engine workers analysed apart: each later part's warm-up
//! frames tell who is who across the join, and its tracker ids become the earlier part's.

use std::collections::{HashMap, HashSet};

use super::people::{BOX_MIN_SCORE, Seen};

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
        let mut fresh = HashMap::new();
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
fn match_ids(overlap: &[(&Vec<Seen>, &Vec<Seen>)]) -> HashMap<u32, u32> {
    // (old, new) → (summed distance, keypoints compared, summed size)
    let mut pairs: HashMap<(u32, u32), (f32, u32, f32)> = Default::default();
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
    let mut matched = HashMap::new();
    let mut taken = HashSet::new();
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
}
