//! Person tracking across frames for MultiPose, ported from TF.js pose-detection 2.1.3:
//! `calculators/tracker.ts` (age filter, greedy assignment, freshness order, `maxTracks` cut),
//! `calculators/bounding_box_tracker.ts` (IoU), `calculators/keypoint_tracker.ts` (OKS) and the
//! defaults `DEFAULT_BOUNDING_BOX_TRACKER_CONFIG` / `DEFAULT_KEYPOINT_TRACKER_CONFIG` of
//! `movenet/constants.ts` (MoveNet's default tracker is the bounding-box one).
//!
//! Differences from TF.js: timestamps are milliseconds (TF.js converts both them and `maxAge` to
//! microseconds, which compares the same); the configuration is not validated (a zero
//! `max_tracks` keeps no tracks, a non-positive falloff makes OKS 0 or NaN, never matching); and
//! `TrackerConfig::predict`, off in TF.js's two configurations, compares detections with where
//! each track's person would be now (the estimator turns it on, with a 2 s age: fewer id
//! switches in wide shots, `docs/benchmarks.md`).

use super::decode::{NormKeypoint, Person};
use super::net::KEYPOINTS;

/// COCO's per-keypoint falloffs (sigmas) in COCO keypoint order, as TF.js's keypoint tracker uses.
pub const COCO_KEYPOINT_FALLOFF: [f32; KEYPOINTS] = [
    0.026, 0.025, 0.025, 0.035, 0.035, 0.079, 0.079, 0.072, 0.072, 0.062, 0.062, 0.107, 0.107,
    0.087, 0.087, 0.089, 0.089,
];

/// Parameters of the keypoint similarity (TF.js `KeypointTrackerConfig`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct KeypointSimilarity {
    /// A keypoint pair counts only when both scores reach this.
    pub keypoint_confidence_threshold: f32,
    /// Per-keypoint falloff of the Gaussian in OKS.
    pub keypoint_falloff: [f32; KEYPOINTS],
    /// Fewer valid keypoint pairs than this make the similarity 0.
    pub min_number_of_keypoints: usize,
}

impl Default for KeypointSimilarity {
    /// TF.js's defaults: threshold 0.3, COCO falloffs, at least 4 keypoints.
    fn default() -> Self {
        Self {
            keypoint_confidence_threshold: 0.3,
            keypoint_falloff: COCO_KEYPOINT_FALLOFF,
            min_number_of_keypoints: 4,
        }
    }
}

impl KeypointSimilarity {
    /// Object keypoint similarity between a detection and a track's last detection, scaled by
    /// the area of the box around the track's confident keypoints (TF.js `oks`).
    fn oks(&self, pose: &[NormKeypoint; KEYPOINTS], track: &[NormKeypoint; KEYPOINTS]) -> f64 {
        let threshold = self.keypoint_confidence_threshold;
        let area = self.area(track) + 1e-6;
        let (total, valid) = pose
            .iter()
            .zip(track)
            .zip(self.keypoint_falloff)
            .filter(|((p, t), _)| p.score >= threshold && t.score >= threshold)
            .fold((0.0, 0usize), |(total, valid), ((p, t), falloff)| {
                let d2 = (f64::from(p.x) - f64::from(t.x)).powi(2)
                    + (f64::from(p.y) - f64::from(t.y)).powi(2);
                let spread = 2.0 * f64::from(falloff);
                (
                    total + (-d2 / (2.0 * area * spread * spread)).exp(),
                    valid + 1,
                )
            });
        if valid < self.min_number_of_keypoints {
            0.0
        } else {
            total / valid as f64
        }
    }

    /// Area of the box around the keypoints scoring above the threshold, starting from the
    /// inverted unit box as TF.js does (so no such keypoint gives area 1).
    fn area(&self, keypoints: &[NormKeypoint; KEYPOINTS]) -> f64 {
        let (y0, x0, y1, x1) = keypoints
            .iter()
            .filter(|k| k.score > self.keypoint_confidence_threshold)
            .map(|k| (f64::from(k.y), f64::from(k.x)))
            .fold(
                (1.0f64, 1.0f64, 0.0f64, 0.0f64),
                |(y0, x0, y1, x1), (y, x)| (y0.min(y), x0.min(x), y1.max(y), x1.max(x)),
            );
        (x1 - x0) * (y1 - y0)
    }
}

/// How a detection is compared with a track.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Similarity {
    /// Intersection over union of the boxes (TF.js `BoundingBoxTracker`).
    BoundingBox,
    /// Object keypoint similarity (TF.js `KeypointTracker`).
    Keypoint(KeypointSimilarity),
}

impl Similarity {
    fn between(&self, detection: &Person, track: &Person) -> f64 {
        match self {
            Self::BoundingBox => detection.bbox.iou(&track.bbox),
            Self::Keypoint(params) => params.oks(&detection.keypoints, &track.keypoints),
        }
    }
}

/// Tracker settings (TF.js `TrackerConfig`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TrackerConfig {
    /// At most this many tracks are kept, the most recently seen first.
    pub max_tracks: usize,
    /// A track unseen for longer than this (milliseconds) is dropped.
    pub max_age_ms: f64,
    /// A detection joins a track only at this similarity or more.
    pub min_similarity: f64,
    pub similarity: Similarity,
    /// Not TF.js's: compare a detection with where each track's person would be now, moving as
    /// they moved between their last two sightings (a person missed for a few frames while
    /// walking is no longer a box away from where they were last seen).
    pub predict: bool,
}

impl TrackerConfig {
    /// TF.js `DEFAULT_BOUNDING_BOX_TRACKER_CONFIG`: 18 tracks, 1000 ms, IoU ≥ 0.15.
    pub fn bounding_box() -> Self {
        Self {
            max_tracks: 18,
            max_age_ms: 1000.0,
            min_similarity: 0.15,
            similarity: Similarity::BoundingBox,
            predict: false,
        }
    }

    /// TF.js `DEFAULT_KEYPOINT_TRACKER_CONFIG`: 18 tracks, 1000 ms, OKS ≥ 0.2 with the
    /// [`KeypointSimilarity`] defaults.
    pub fn keypoint() -> Self {
        Self {
            max_tracks: 18,
            max_age_ms: 1000.0,
            min_similarity: 0.2,
            similarity: Similarity::Keypoint(KeypointSimilarity::default()),
            predict: false,
        }
    }
}

impl Default for TrackerConfig {
    /// The bounding-box tracker, MoveNet's default in TF.js.
    fn default() -> Self {
        Self::bounding_box()
    }
}

/// A tracked person: its id and where it was last seen.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Track {
    pub id: u32,
    pub last_timestamp_ms: f64,
    pub detection: Person,
    /// How the person's box centre moved between the last two sightings, per ms (y, x).
    pub velocity: (f32, f32),
}

impl Track {
    /// Where the person would be at `timestamp_ms`, moving as they last moved.
    fn predicted(&self, timestamp_ms: f64) -> Person {
        let dt = (timestamp_ms - self.last_timestamp_ms).max(0.0) as f32;
        let (dy, dx) = (self.velocity.0 * dt, self.velocity.1 * dt);
        let mut p = self.detection;
        for k in &mut p.keypoints {
            k.y += dy;
            k.x += dx;
        }
        p.bbox.y_min += dy;
        p.bbox.y_max += dy;
        p.bbox.x_min += dx;
        p.bbox.x_max += dx;
        p
    }

    fn centre(p: &Person) -> (f32, f32) {
        (
            (p.bbox.y_min + p.bbox.y_max) / 2.0,
            (p.bbox.x_min + p.bbox.x_max) / 2.0,
        )
    }

    /// Seen again: `detection` at `timestamp_ms`.
    fn saw(&mut self, detection: Person, timestamp_ms: f64) {
        let dt = (timestamp_ms - self.last_timestamp_ms) as f32;
        if dt > 0.0 {
            let ((y0, x0), (y1, x1)) = (Self::centre(&self.detection), Self::centre(&detection));
            self.velocity = ((y1 - y0) / dt, (x1 - x0) / dt);
        }
        self.last_timestamp_ms = timestamp_ms;
        self.detection = detection;
    }
}

/// Assigns stable ids to people across frames.
#[derive(Clone, Debug, PartialEq)]
pub struct Tracker {
    config: TrackerConfig,
    tracks: Vec<Track>,
    next_id: u32,
}

impl Tracker {
    /// A tracker with no tracks; ids start at 1.
    pub fn new(config: TrackerConfig) -> Self {
        Self {
            config,
            tracks: Vec::new(),
            next_id: 1,
        }
    }

    /// Gives each detection of the frame at `timestamp_ms` an id, in the detections' order, which
    /// TF.js assumes is most confident first: tracks older than `max_age_ms` are dropped; each
    /// detection in turn takes the most similar still unclaimed track at `min_similarity` or
    /// more, else a new id; then only the `max_tracks` most recently seen tracks are kept.
    pub fn apply(&mut self, detections: Vec<Person>, timestamp_ms: f64) -> Vec<(u32, Person)> {
        let max_age = self.config.max_age_ms;
        self.tracks
            .retain(|track| timestamp_ms - track.last_timestamp_ms <= max_age);
        let mut unclaimed: Vec<usize> = (0..self.tracks.len()).collect();
        let matched: Vec<Option<u32>> = detections
            .iter()
            .map(|detection| {
                let mut best: Option<(usize, f64)> = None;
                for (position, &t) in unclaimed.iter().enumerate() {
                    let track = &self.tracks[t];
                    let similarity = if self.config.predict {
                        self.config
                            .similarity
                            .between(detection, &track.predicted(timestamp_ms))
                    } else {
                        self.config.similarity.between(detection, &track.detection)
                    };
                    if similarity >= self.config.min_similarity
                        && best.is_none_or(|(_, most)| similarity > most)
                    {
                        best = Some((position, similarity));
                    }
                }
                let (position, _) = best?;
                let track = &mut self.tracks[unclaimed.remove(position)];
                track.saw(*detection, timestamp_ms);
                Some(track.id)
            })
            .collect();
        let ids: Vec<u32> = matched
            .into_iter()
            .zip(&detections)
            .map(|(id, detection)| id.unwrap_or_else(|| self.spawn(*detection, timestamp_ms)))
            .collect();
        // Stable, so equally fresh tracks keep their order (as JavaScript's sort).
        self.tracks
            .sort_by(|a, b| b.last_timestamp_ms.total_cmp(&a.last_timestamp_ms));
        self.tracks.truncate(self.config.max_tracks);
        ids.into_iter().zip(detections).collect()
    }

    /// The kept tracks, most recently seen first.
    pub fn tracks(&self) -> &[Track] {
        &self.tracks
    }

    /// Drops every track; ids already given are still not reused.
    pub fn reset(&mut self) {
        self.tracks.clear();
    }

    fn spawn(&mut self, detection: Person, timestamp_ms: f64) -> u32 {
        let id = self.next_id;
        // 2³² − 1 ids before any comes back; 0 is never given.
        self.next_id = self.next_id.wrapping_add(1).max(1);
        self.tracks.push(Track {
            id,
            last_timestamp_ms: timestamp_ms,
            detection,
            velocity: (0.0, 0.0),
        });
        id
    }
}

impl Default for Tracker {
    fn default() -> Self {
        Self::new(TrackerConfig::default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pose::decode::NormBox;

    /// A standing person 0.5 tall and 0.2 wide with its top-left corner at (`y`, `x`): keypoints
    /// spread over the box, all confident.
    fn person(y: f32, x: f32) -> Person {
        let keypoints = std::array::from_fn(|i| NormKeypoint {
            y: y + 0.5 * (i / 3) as f32 / 5.0,
            x: x + 0.1 * (i % 3) as f32,
            score: 0.9,
        });
        Person {
            keypoints,
            bbox: NormBox {
                y_min: y,
                x_min: x,
                y_max: y + 0.5,
                x_max: x + 0.2,
            },
            score: 0.8,
        }
    }

    fn ids(output: &[(u32, Person)]) -> Vec<u32> {
        output.iter().map(|(id, _)| *id).collect()
    }

    fn both_kinds() -> [Tracker; 2] {
        [
            Tracker::new(TrackerConfig::bounding_box()),
            Tracker::new(TrackerConfig::keypoint()),
        ]
    }

    #[test]
    fn ids_follow_people_when_the_list_order_swaps() {
        for mut tracker in both_kinds() {
            let out = tracker.apply(vec![person(0.1, 0.1), person(0.2, 0.6)], 0.0);
            assert_eq!(ids(&out), [1, 2]);
            let out = tracker.apply(vec![person(0.21, 0.61), person(0.11, 0.1)], 33.0);
            assert_eq!(ids(&out), [2, 1]);
            assert_eq!(out[0].1, person(0.21, 0.61));
            let out = tracker.apply(vec![person(0.12, 0.11), person(0.22, 0.62)], 66.0);
            assert_eq!(ids(&out), [1, 2]);
        }
    }

    #[test]
    fn a_person_gone_longer_than_max_age_returns_with_a_new_id() {
        for mut tracker in both_kinds() {
            assert_eq!(ids(&tracker.apply(vec![person(0.1, 0.1)], 0.0)), [1]);
            assert!(tracker.apply(vec![], 500.0).is_empty());
            // Exactly max_age later: still the same track.
            assert_eq!(ids(&tracker.apply(vec![person(0.1, 0.1)], 1000.0)), [1]);
            assert!(tracker.apply(vec![], 1500.0).is_empty());
            // Just past it: a new id, and the old one is gone for good.
            assert_eq!(ids(&tracker.apply(vec![person(0.1, 0.1)], 2000.5)), [2]);
            assert_eq!(tracker.tracks().len(), 1);
            tracker.reset();
            assert_eq!(ids(&tracker.apply(vec![person(0.1, 0.1)], 2033.0)), [3]);
        }
    }

    #[test]
    fn ids_survive_crossing_paths() {
        // One walks right along the top, the other left along the bottom; their boxes overlap
        // while they pass. The list order alternates too.
        for mut tracker in both_kinds() {
            for frame in 0..=30u8 {
                let step = f32::from(frame) * 0.02;
                let (a, b) = (person(0.1, 0.1 + step), person(0.4, 0.7 - step));
                let t = f64::from(frame) * 33.0;
                if frame % 2 == 0 {
                    assert_eq!(ids(&tracker.apply(vec![a, b], t)), [1, 2], "frame {frame}");
                } else {
                    assert_eq!(ids(&tracker.apply(vec![b, a], t)), [2, 1], "frame {frame}");
                }
            }
        }
    }

    #[test]
    fn more_detections_than_max_tracks() {
        let crowd: Vec<Person> = (0..20u8)
            .map(|i| person(f32::from(i / 5) * 0.2, f32::from(i % 5) * 0.2))
            .collect();
        for mut tracker in both_kinds() {
            // Everyone gets an id, but only 18 tracks are kept: the first 18 (equally fresh).
            let out = tracker.apply(crowd.clone(), 0.0);
            assert_eq!(ids(&out), (1..=20).collect::<Vec<_>>());
            let kept: Vec<u32> = tracker.tracks().iter().map(|t| t.id).collect();
            assert_eq!(kept, (1..=18).collect::<Vec<_>>());
            // So the last two come back as strangers.
            let out = tracker.apply(crowd.clone(), 33.0);
            let expected: Vec<u32> = (1..=18).chain([21, 22]).collect();
            assert_eq!(ids(&out), expected);
        }
    }

    #[test]
    fn fresher_tracks_push_out_stale_ones() {
        let config = TrackerConfig {
            max_tracks: 2,
            ..TrackerConfig::bounding_box()
        };
        let mut tracker = Tracker::new(config);
        tracker.apply(vec![person(0.0, 0.0), person(0.0, 0.4)], 0.0);
        // Only the first is seen again, with a newcomer: the second (stalest) is dropped.
        let out = tracker.apply(vec![person(0.0, 0.0), person(0.5, 0.7)], 33.0);
        assert_eq!(ids(&out), [1, 3]);
        let kept: Vec<u32> = tracker.tracks().iter().map(|t| t.id).collect();
        assert_eq!(kept, [1, 3]);
        assert_eq!(ids(&tracker.apply(vec![person(0.0, 0.4)], 66.0)), [4]);
    }

    #[test]
    fn iou_and_its_threshold() {
        let b = |y_min, x_min, y_max, x_max| NormBox {
            y_min,
            x_min,
            y_max,
            x_max,
        };
        let a = b(0.0, 0.0, 0.5, 0.5);
        assert!((a.iou(&b(0.0, 0.125, 0.5, 0.625)) - 0.6).abs() < 1e-9);
        assert!((a.iou(&b(0.25, 0.25, 0.75, 0.75)) - 1.0 / 7.0).abs() < 1e-9);
        assert_eq!(a.iou(&b(0.5, 0.0, 1.0, 0.5)), 0.0);
        // IoU 1/7 is under 0.15: the moved box is somebody new.
        let mut tracker = Tracker::default();
        let mut d = person(0.0, 0.0);
        d.bbox = a;
        tracker.apply(vec![d], 0.0);
        d.bbox = b(0.25, 0.25, 0.75, 0.75);
        assert_eq!(ids(&tracker.apply(vec![d], 33.0)), [2]);
    }

    #[test]
    fn oks_counts_confident_keypoints_only() {
        let params = KeypointSimilarity::default();
        let a = person(0.1, 0.1).keypoints;
        assert!((params.oks(&a, &a) - 1.0).abs() < 1e-12);
        // One keypoint 0.05 off: its term is exp(−d² / (2·area·(2σ)²)), the others 1.
        let mut b = a;
        b[0].x += 0.05;
        let area = 0.2 * 0.5 + 1e-6; // the keypoints span 0.2 × 0.5
        let spread = 2.0 * f64::from(COCO_KEYPOINT_FALLOFF[0]);
        let d2 = (f64::from(b[0].x) - f64::from(a[0].x)).powi(2);
        let expected = (16.0 + (-d2 / (2.0 * area * spread * spread)).exp()) / 17.0;
        assert!((params.oks(&b, &a) - expected).abs() < 1e-6);
        // Below the minimum number of confident pairs the similarity is 0.
        let mut sparse = a;
        sparse.iter_mut().skip(3).for_each(|k| k.score = 0.29);
        assert_eq!(params.oks(&sparse, &a), 0.0);
        sparse[3].score = 0.3;
        assert!(params.oks(&sparse, &a) > 0.99);
    }

    #[test]
    fn predicting_keeps_a_walker_missed_for_a_while() {
        // Walking right 0.1 a frame (100 ms), 0.2 wide: missed for four frames, the last box no
        // longer overlaps; predicted, it does.
        let walk = |frame: u32| person(0.2, 0.05 + 0.1 * frame as f32);
        for (predict, kept) in [(false, false), (true, true)] {
            let mut tracker = Tracker::new(TrackerConfig {
                predict,
                ..TrackerConfig::bounding_box()
            });
            let first = tracker.apply(vec![walk(0)], 0.0)[0].0;
            tracker.apply(vec![walk(1)], 100.0);
            let later = tracker.apply(vec![walk(6)], 600.0)[0].0;
            assert_eq!(later == first, kept, "predict {predict}");
        }
    }
}
