//! What happens while the clip plays, as plain Rust: labelling with a held key (pressed on one
//! frame, let go on another: a segment between) and a looped segment going round.

use microact_core::model::{Frame, LabelRef, SegmentId, TrackId};

use super::{Refusal, Workspace};

/// A label key held down while the clip plays.
#[derive(Clone, Debug, PartialEq)]
struct Held {
    key: char,
    track: TrackId,
    start: Frame,
    label: LabelRef,
}

/// Label while playing: at most one key held at a time.
#[derive(Clone, Debug, Default)]
pub struct LabelWhilePlaying {
    held: Option<Held>,
}

/// A segment recorded with a held key, ready to go into the project.
#[derive(Clone, Debug, PartialEq)]
pub struct Recorded {
    pub track: TrackId,
    pub start: Frame,
    pub end: Frame,
    pub label: LabelRef,
}

impl Recorded {
    /// Adds the segment with its label (which becomes the active one).
    pub fn apply(self, w: &mut Workspace) -> Result<SegmentId, Refusal> {
        w.label = Some(self.label);
        w.create(self.track, self.start, self.end)
    }
}

impl LabelWhilePlaying {
    /// `key` (picking `label`) went down on frame `at` with `track` active.
    pub fn press(&mut self, key: char, label: LabelRef, track: TrackId, at: Frame) {
        self.held = Some(Held {
            key,
            track,
            start: at,
            label,
        });
    }

    /// The segment being recorded, for the timeline to draw: (track, first frame).
    pub fn held(&self) -> Option<(TrackId, Frame)> {
        self.held.as_ref().map(|h| (h.track, h.start))
    }

    /// `key` came up on frame `at`: the segment it recorded, through `at` and at least a frame
    /// long. Another key than the one held records nothing.
    pub fn release(&mut self, key: char, at: Frame) -> Option<Recorded> {
        if self.held.as_ref()?.key != key {
            return None;
        }
        let h = self.held.take()?;
        Some(Recorded {
            track: h.track,
            start: h.start,
            end: (at + 1).max(h.start + 1),
            label: h.label,
        })
    }
}

/// Where a loop over `[start, end)` sends a playhead on `frame`: back to the start once it
/// passes the end (or is well before the start), else nowhere.
pub fn loop_jump((start, end): (Frame, Frame), frame: Frame) -> Option<Frame> {
    (frame >= end || frame + 1 < start).then_some(start)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tests::workspace;

    #[test]
    fn a_held_key_records_from_press_to_release_and_another_key_does_not_end_it() {
        let mut w = workspace();
        let track = w.track.expect("a track");
        let label = LabelRef::new("ma52", "nodding");
        let mut playing = LabelWhilePlaying::default();
        playing.press('1', label.clone(), track, 10);
        assert_eq!(playing.held(), Some((track, 10)));
        assert_eq!(playing.release('2', 20), None);
        let recorded = playing.release('1', 24).expect("the held key's segment");
        assert_eq!(playing.held(), None);
        assert_eq!((recorded.start, recorded.end), (10, 25));
        let id = recorded.apply(&mut w).expect("added");
        let (_, s) = w.project.segment(id).expect("in the project");
        assert_eq!((s.start, s.end, &s.label), (10, 25, &label));
        assert_eq!(w.label, Some(label));
    }

    #[test]
    fn a_tap_records_one_frame_even_if_the_playhead_went_back() {
        let mut playing = LabelWhilePlaying::default();
        playing.press('1', LabelRef::new("ma52", "nodding"), TrackId(0), 30);
        let r = playing.release('1', 12).expect("recorded");
        assert_eq!((r.start, r.end), (30, 31));
    }

    #[test]
    fn a_loop_goes_round_at_its_end_only() {
        assert_eq!(loop_jump((10, 20), 15), None);
        assert_eq!(
            loop_jump((10, 20), 9),
            None,
            "a frame before: the seek landing"
        );
        assert_eq!(loop_jump((10, 20), 20), Some(10));
        assert_eq!(loop_jump((10, 20), 3), Some(10));
    }
}
