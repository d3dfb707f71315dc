//! What the timeline asks of a track while it draws: the segments in a window, the segment under
//! the playhead, the next or previous boundary, proposals above a score.
//!
//! A track keeps its segments sorted by start. [`TrackIndex`] adds the running maximum of their
//! ends, so a window query is two binary searches plus the segments it returns, however long a
//! segment is or however many there are. Build it once per change of the track.

use crate::model::{Frame, Segment, Status, Track};

pub struct TrackIndex<'a> {
    segments: &'a [Segment],
    /// `reach[i]` = the largest end among `segments[..=i]`; non-decreasing.
    reach: Vec<Frame>,
}

impl<'a> TrackIndex<'a> {
    pub fn new(track: &'a Track) -> Self {
        let mut furthest = 0;
        let reach = track
            .segments
            .iter()
            .map(|s| {
                furthest = furthest.max(s.end);
                furthest
            })
            .collect();
        Self {
            segments: &track.segments,
            reach,
        }
    }

    /// Segments overlapping `[t0, t1)`, in start order.
    pub fn visible(&self, t0: Frame, t1: Frame) -> impl Iterator<Item = &'a Segment> + '_ {
        // Before `first`, every segment ends at or before t0; from `last` on, all start at or
        // after t1.
        let first = self.reach.partition_point(|&end| end <= t0);
        let last = self.segments.partition_point(|s| s.start < t1);
        self.segments[first..last.max(first)]
            .iter()
            .filter(move |s| s.end > t0)
    }

    /// Segments containing `frame` (more than one where the track allows overlaps).
    pub fn at(&self, frame: Frame) -> impl Iterator<Item = &'a Segment> + '_ {
        self.visible(frame, frame + 1)
    }

    /// The first segment start or end after `frame`.
    pub fn next_boundary(&self, frame: Frame) -> Option<Frame> {
        let first_start = self.segments.partition_point(|s| s.start <= frame);
        let start = self.segments.get(first_start).map(|s| s.start);
        // Segments starting after `frame` end after their start; only ends of the segments
        // open at `frame` can come first.
        let end = self.at(frame).map(|s| s.end).min();
        [start, end].into_iter().flatten().min()
    }

    /// The last segment start or end before `frame`.
    pub fn previous_boundary(&self, frame: Frame) -> Option<Frame> {
        let before = self.segments.partition_point(|s| s.start < frame);
        let start = before.checked_sub(1).map(|i| self.segments[i].start);
        // The largest end below `frame` is the reach just before the first segment whose
        // reach gets to `frame`, or an end among the segments still open at `frame`.
        let closed = self.reach.partition_point(|&end| end < frame);
        let end = closed.checked_sub(1).map(|i| self.reach[i]);
        let open_end = self.segments[closed..before]
            .iter()
            .map(|s| s.end)
            .filter(|&e| e < frame)
            .max();
        [start, end, open_end].into_iter().flatten().max()
    }

    /// Proposals scoring at least `threshold`, in start order.
    pub fn proposals_above(&self, threshold: f32) -> impl Iterator<Item = &'a Segment> {
        self.segments.iter().filter(move |s| {
            s.status == Status::Proposed && s.score().is_some_and(|score| score >= threshold)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{LabelRef, SegmentId, Source, TrackId, VideoId};

    fn track(spans: &[(Frame, Frame)]) -> Track {
        let mut track = Track::new(TrackId(0), VideoId(0), "t");
        for (i, &(start, end)) in spans.iter().enumerate() {
            track.insert_sorted(Segment {
                id: SegmentId(i as u64),
                start,
                end,
                label: LabelRef::new("s", "l"),
                note: None,
                attributes: Default::default(),
                source: Source::Model {
                    name: "m".into(),
                    version: "1".into(),
                    score: i as f32 / 10.0,
                },
                status: Status::Proposed,
            });
        }
        track
    }

    fn brute_visible(track: &Track, t0: Frame, t1: Frame) -> Vec<SegmentId> {
        track
            .segments
            .iter()
            .filter(|s| s.start < t1 && s.end > t0)
            .map(|s| s.id)
            .collect()
    }

    fn brute_next(track: &Track, frame: Frame) -> Option<Frame> {
        track
            .segments
            .iter()
            .flat_map(|s| [s.start, s.end])
            .filter(|&b| b > frame)
            .min()
    }

    fn brute_previous(track: &Track, frame: Frame) -> Option<Frame> {
        track
            .segments
            .iter()
            .flat_map(|s| [s.start, s.end])
            .filter(|&b| b < frame)
            .max()
    }

    #[test]
    fn queries_match_a_linear_scan_with_long_and_nested_segments() {
        let t = track(&[
            (0, 100),
            (5, 10),
            (12, 20),
            (15, 18),
            (30, 31),
            (40, 90),
            (95, 99),
        ]);
        let index = TrackIndex::new(&t);
        for t0 in 0..105 {
            for t1 in t0 + 1..106 {
                let got: Vec<_> = index.visible(t0, t1).map(|s| s.id).collect();
                assert_eq!(got, brute_visible(&t, t0, t1), "window {t0}..{t1}");
            }
            assert_eq!(
                index.next_boundary(t0),
                brute_next(&t, t0),
                "next after {t0}"
            );
            assert_eq!(
                index.previous_boundary(t0),
                brute_previous(&t, t0),
                "before {t0}"
            );
        }
        assert_eq!(index.at(16).map(|s| s.id.0).collect::<Vec<_>>(), [0, 2, 3]);
        assert_eq!(index.proposals_above(0.45).count(), 2);
    }

    #[test]
    fn empty_track_answers_nothing() {
        let t = track(&[]);
        let index = TrackIndex::new(&t);
        assert_eq!(index.visible(0, 10).count(), 0);
        assert_eq!(index.next_boundary(0), None);
        assert_eq!(index.previous_boundary(5), None);
    }
}
