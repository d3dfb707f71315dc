//! The timeline's pointer gestures as a state machine: a press, moves and a release on the ruler
//! or a lane become a seek, a new segment (drag across empty lane), a resize (drag a handle), a
//! move (drag a segment) or a selection, snapped to frames; tested without a page.
//!
//! It reads the workspace and says what to change ([`Change`], applied by the page through its
//! one refusal-to-notice path) and where to seek, so that a scrub or a short wobble writes
//! nothing.

use microact_core::edit::Edit;
use microact_core::model::{Frame, SegmentId, TrackId};

use super::view::TimeView;
use super::{Refusal, Workspace};

/// Pixels a press must travel before it is a drag rather than a click.
pub const DRAG_SLOP: f64 = 3.0;

/// What was pressed.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Target {
    /// The ruler: press or drag to seek.
    Ruler,
    /// A lane: on a segment (on one of its handles) or on empty lane.
    Lane {
        track: TrackId,
        segment: Option<SegmentId>,
        edge: Option<Edge>,
    },
}

/// A selected segment's resize handle.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Edge {
    Start,
    End,
}

/// The geometry a gesture is read in: the timeline's view and the clip's length.
#[derive(Clone, Copy, Debug)]
pub struct Frames<'a> {
    pub view: &'a TimeView,
    pub frames: Frame,
}

/// What a pointer event changes in the workspace.
#[derive(Clone, Debug, PartialEq)]
pub enum Change {
    /// The lane pressed becomes the active track (and the segment pressed, the selected one).
    Focus {
        track: TrackId,
        segment: Option<SegmentId>,
    },
    /// A resize or move step: one undo step with the rest of its drag.
    Span {
        what: &'static str,
        edit: Edit,
        group: u64,
    },
    /// A new segment with the active label.
    Create {
        track: TrackId,
        start: Frame,
        end: Frame,
    },
    /// A drag ended: its steps are one undo step.
    Seal,
    /// A click on empty lane: nothing selected.
    Deselect,
}

impl Change {
    pub fn apply(self, w: &mut Workspace) -> Result<(), Refusal> {
        match self {
            Change::Focus { track, segment } => {
                w.track = Some(track);
                if segment.is_some() {
                    w.selected = segment;
                }
                Ok(())
            }
            Change::Span { what, edit, group } => w.apply_in_group(what, edit, group),
            Change::Create { track, start, end } => w.create(track, start, end).map(|_| ()),
            Change::Seal => {
                w.seal();
                Ok(())
            }
            Change::Deselect => {
                w.selected = None;
                Ok(())
            }
        }
    }
}

/// What the page does after a pointer event.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Response {
    pub change: Option<Change>,
    pub seek: Option<Frame>,
}

impl Response {
    fn change(change: Change) -> Self {
        Self {
            change: Some(change),
            seek: None,
        }
    }

    fn seek(frame: Frame) -> Self {
        Self {
            change: None,
            seek: Some(frame),
        }
    }

    fn span(edit: Option<Edit>, what: &'static str, group: u64) -> Self {
        Self {
            change: edit.map(|edit| Change::Span { what, edit, group }),
            seek: None,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Drag {
    Scrub,
    Create {
        track: TrackId,
        anchor: Frame,
        x0: f64,
    },
    Resize {
        id: SegmentId,
        edge: Edge,
        group: u64,
    },
    Move(Moving),
}

/// A segment being dragged along its lane.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Moving {
    id: SegmentId,
    /// Where in the segment (frames from its start) the pointer holds it.
    grab: f64,
    x0: f64,
    len: Frame,
    group: u64,
    /// Past the slop: a move, not a click that selects.
    moving: bool,
}

/// The gesture in progress, if any, and the numbering that makes each drag its own undo step.
#[derive(Clone, Debug)]
pub struct Gestures {
    drag: Option<Drag>,
    /// The new segment being dragged out: (track, anchor, pointer), drawn as a draft.
    draft: Option<(TrackId, Frame, Frame)>,
    next_group: u64,
}

impl Default for Gestures {
    fn default() -> Self {
        Self {
            drag: None,
            draft: None,
            next_group: 1,
        }
    }
}

impl Gestures {
    /// The new segment being dragged out: (track, first frame, frame under the pointer).
    pub fn draft(&self) -> Option<(TrackId, Frame, Frame)> {
        self.draft
    }

    /// A press at `x` pixels into the lanes.
    pub fn press(&mut self, w: &Workspace, at: Frames, target: Target, x: f64) -> Response {
        let (track, segment, edge) = match target {
            Target::Ruler => {
                self.drag = Some(Drag::Scrub);
                return Response::seek(at.view.snap(x, at.frames));
            }
            Target::Lane {
                track,
                segment,
                edge,
            } => (track, segment, edge),
        };
        let group = self.next_group;
        self.next_group += 1;
        self.drag = match (segment, edge) {
            (Some(id), Some(edge)) => Some(Drag::Resize { id, edge, group }),
            (Some(id), None) => w.project.segment(id).map(|(_, s)| {
                Drag::Move(Moving {
                    id,
                    grab: at.view.frame_at(x) - s.start as f64,
                    x0: x,
                    len: s.end - s.start,
                    group,
                    moving: false,
                })
            }),
            (None, _) => Some(Drag::Create {
                track,
                anchor: at.view.snap_edge(x, at.frames),
                x0: x,
            }),
        };
        let segment = if edge.is_some() { None } else { segment };
        Response::change(Change::Focus { track, segment })
    }

    /// The pointer moved to `x` (pixels into the lanes).
    pub fn moved(&mut self, w: &Workspace, at: Frames, x: f64) -> Response {
        match self.drag {
            Some(Drag::Scrub) => Response::seek(at.view.snap(x, at.frames)),
            Some(Drag::Create { track, anchor, x0 }) if (x - x0).abs() >= DRAG_SLOP => {
                self.draft = Some((track, anchor, at.view.snap_edge(x, at.frames)));
                Response::default()
            }
            Some(Drag::Resize { id, edge, group }) => {
                let f = at.view.snap_edge(x, at.frames);
                let edit = w.project.segment(id).and_then(|(_, s)| {
                    let (start, end) = match edge {
                        Edge::Start => (f.min(s.end - 1), s.end),
                        Edge::End => (s.start, f.max(s.start + 1)),
                    };
                    ((start, end) != (s.start, s.end))
                        .then(|| Edit::set_span(&w.project, id, start, end).ok())
                        .flatten()
                });
                Response::span(edit, "resize segment", group)
            }
            Some(Drag::Move(mut m)) => {
                if !m.moving && (x - m.x0).abs() < DRAG_SLOP {
                    return Response::default();
                }
                m.moving = true;
                self.drag = Some(Drag::Move(m));
                let start = (at.view.frame_at(x) - m.grab).round().max(0.0) as Frame;
                let start = start.min(at.frames.saturating_sub(m.len));
                let edit = w.project.segment(m.id).and_then(|(_, s)| {
                    (s.start != start)
                        .then(|| Edit::set_span(&w.project, m.id, start, start + m.len).ok())
                        .flatten()
                });
                Response::span(edit, "move segment", m.group)
            }
            _ => Response::default(),
        }
    }

    /// The pointer let go at `x`: a drag out makes its segment, a click on empty lane
    /// deselects and seeks there, a resize or move becomes one undo step.
    pub fn release(&mut self, at: Frames, x: f64) -> Response {
        self.draft = None;
        match self.drag.take() {
            Some(Drag::Create { track, anchor, x0 }) => {
                if (x - x0).abs() < DRAG_SLOP {
                    Response {
                        change: Some(Change::Deselect),
                        seek: Some(at.view.snap(x, at.frames)),
                    }
                } else {
                    let end = at.view.snap_edge(x, at.frames);
                    Response {
                        change: (end != anchor).then(|| Change::Create {
                            track,
                            start: anchor.min(end),
                            end: anchor.max(end),
                        }),
                        seek: None,
                    }
                }
            }
            Some(Drag::Resize { .. } | Drag::Move(_)) => Response::change(Change::Seal),
            _ => Response::default(),
        }
    }

    /// The browser took the pointer away: what was dragged stays as it is.
    pub fn cancel(&mut self) -> Response {
        self.draft = None;
        match self.drag.take() {
            Some(Drag::Resize { .. } | Drag::Move(_)) => Response::change(Change::Seal),
            _ => Response::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tests::workspace;
    use microact_core::model::LabelRef;

    /// The lanes at 5 px per frame over the 60-frame clip of [`setup`].
    const VIEW: TimeView = TimeView {
        start: 0.0,
        px_per_frame: 5.0,
    };
    const AT: Frames = Frames {
        view: &VIEW,
        frames: 60,
    };

    /// A workspace on a 60-frame clip with a label chosen.
    fn setup() -> (Workspace, TrackId) {
        let mut w = workspace();
        w.label = Some(LabelRef::new("ma52", "nodding"));
        let track = w.track.expect("a new clip gets a track");
        (w, track)
    }

    /// Runs one event and applies what it says, as the page does.
    fn apply(w: &mut Workspace, r: Response) -> Option<Frame> {
        if let Some(c) = r.change {
            c.apply(w).unwrap();
        }
        r.seek
    }

    fn press(g: &mut Gestures, w: &mut Workspace, at: Frames, t: Target, x: f64) -> Option<Frame> {
        let r = g.press(w, at, t, x);
        apply(w, r)
    }

    fn moved(g: &mut Gestures, w: &mut Workspace, at: Frames, x: f64) -> Option<Frame> {
        let r = g.moved(w, at, x);
        apply(w, r)
    }

    fn lane(track: TrackId, segment: Option<SegmentId>, edge: Option<Edge>) -> Target {
        Target::Lane {
            track,
            segment,
            edge,
        }
    }

    fn span(w: &Workspace, id: SegmentId) -> (Frame, Frame) {
        let (_, s) = w.project.segment(id).unwrap();
        (s.start, s.end)
    }

    #[test]
    fn dragging_across_empty_lane_makes_one_segment_backwards_too() {
        let (mut w, track) = setup();
        let mut g = Gestures::default();
        press(&mut g, &mut w, AT, lane(track, None, None), 120.0);
        moved(&mut g, &mut w, AT, 80.0);
        assert_eq!(g.draft(), Some((track, 24, 16)));
        apply(&mut w, g.release(AT, 60.0));
        assert_eq!(g.draft(), None);
        let id = w.selected.expect("the new segment is selected");
        assert_eq!(span(&w, id), (12, 24));
        assert_eq!(w.undo_name(), Some("add segment"));
    }

    #[test]
    fn a_click_on_empty_lane_deselects_and_seeks_and_a_wobble_is_a_click() {
        let (mut w, track) = setup();
        let mut g = Gestures::default();
        let id = w.create(track, 10, 20).unwrap();
        assert_eq!(w.selected, Some(id));
        press(&mut g, &mut w, AT, lane(track, None, None), 150.0);
        assert_eq!(moved(&mut g, &mut w, AT, 152.0), None);
        assert_eq!(g.draft(), None, "under the slop nothing is drafted");
        assert_eq!(apply(&mut w, g.release(AT, 152.0)), Some(30));
        assert_eq!(w.selected, None);
        assert_eq!(w.project.tracks[0].segments.len(), 1);
    }

    #[test]
    fn the_ruler_seeks_on_press_and_drag_and_changes_nothing() {
        let (w, _) = setup();
        let mut g = Gestures::default();
        let r = g.press(&w, AT, Target::Ruler, 40.4);
        assert_eq!((r.change, r.seek), (None, Some(8)));
        assert_eq!(g.moved(&w, AT, 500.0).seek, Some(59), "clamped to the clip");
        assert_eq!(g.release(AT, 500.0), Response::default());
        assert_eq!(g.moved(&w, AT, 10.0), Response::default(), "over");
    }

    #[test]
    fn a_move_keeps_its_length_stays_in_the_clip_and_is_one_undo_step() {
        let (mut w, track) = setup();
        let mut g = Gestures::default();
        let id = w.create(track, 20, 30).unwrap();
        w.selected = None;
        press(&mut g, &mut w, AT, lane(track, Some(id), None), 110.0);
        assert_eq!(w.selected, Some(id), "pressing a segment selects it");
        assert_eq!(g.moved(&w, AT, 112.0), Response::default(), "slop");
        moved(&mut g, &mut w, AT, 140.0);
        assert_eq!(span(&w, id), (26, 36));
        moved(&mut g, &mut w, AT, 400.0);
        assert_eq!(span(&w, id), (50, 60), "the clip's end holds it");
        apply(&mut w, g.release(AT, 400.0));
        assert_eq!(w.undo().as_deref(), Some("move segment"));
        assert_eq!(span(&w, id), (20, 30), "one undo for the whole drag");
    }

    #[test]
    fn a_resize_never_crosses_the_other_edge_and_each_drag_is_its_own_step() {
        let (mut w, track) = setup();
        let mut g = Gestures::default();
        let id = w.create(track, 20, 30).unwrap();
        let start = lane(track, Some(id), Some(Edge::Start));
        press(&mut g, &mut w, AT, start, 100.0);
        moved(&mut g, &mut w, AT, 200.0);
        assert_eq!(span(&w, id), (29, 30));
        apply(&mut w, g.release(AT, 200.0));
        let end = lane(track, Some(id), Some(Edge::End));
        press(&mut g, &mut w, AT, end, 150.0);
        moved(&mut g, &mut w, AT, 170.0);
        assert_eq!(span(&w, id), (29, 34));
        assert_eq!(apply(&mut w, g.cancel()), None);
        w.undo();
        assert_eq!(span(&w, id), (29, 30), "the end's drag undone alone");
        w.undo();
        assert_eq!(span(&w, id), (20, 30));
    }

    #[test]
    fn a_drag_out_without_a_label_is_refused_with_the_reason() {
        let (mut w, track) = setup();
        w.label = None;
        let mut g = Gestures::default();
        press(&mut g, &mut w, AT, lane(track, None, None), 10.0);
        let r = g.release(AT, 50.0);
        let refused = r.change.expect("a segment was asked for").apply(&mut w);
        assert_eq!(refused, Err("choose a label in the palette first".into()));
    }
}
