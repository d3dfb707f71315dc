//! What a timeline lane draws, as plain Rust: the visible segments with their label's name,
//! colour and tooltip, or (past [`MAX_ELEMENTS`]) runs of colour in one gradient; and the
//! confidence strip of an analysed person (the top class's colour, as strong as its
//! probability).

use microact_core::model::{Frame, SegmentId, Source, Status, TrackId};
use microact_core::query::TrackIndex;

use super::Workspace;
use super::view::TimeView;
use crate::readout;

/// Pixels per column of a confidence strip.
const STRIP_COLUMN: f64 = 3.0;
/// Above this many visible segments a lane draws runs of colour instead of one element each.
/// (Each element made costs: at 400 a zoom step out of a 10 000-segment project took 750 ms.)
pub const MAX_ELEMENTS: usize = 150;

/// One segment as a lane draws it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SegBox {
    pub id: SegmentId,
    pub start: Frame,
    pub end: Frame,
    pub label_id: String,
    pub text: String,
    pub title: String,
    pub color: String,
    pub status: Status,
    pub selected: bool,
}

/// All of a lane's runs as one CSS gradient: one element however many runs (thousands of run
/// elements made each zoom step of a 10 000-segment project cost up to 750 ms a frame).
pub fn runs_gradient(runs: &[Run]) -> String {
    let mut stops = Vec::with_capacity(runs.len() * 4);
    for r in runs {
        let (x0, x1) = (r.x, r.x + r.w);
        stops.push(format!(
            "transparent {x0:.1}px,{c} {x0:.1}px,{c} {x1:.1}px,transparent {x1:.1}px",
            c = r.color
        ));
    }
    format!("linear-gradient(to right,{})", stops.join(","))
}

/// A run of pixels drawn in one colour (lanes with too many segments to draw one by one).
#[derive(Clone, Debug, PartialEq)]
pub struct Run {
    pub x: f64,
    pub w: f64,
    pub color: String,
}

/// Adds a column `[x, x + w)` of `color`: it widens the last run when that run ends at `x` in
/// the same colour, else starts a new one.
fn extend_runs(runs: &mut Vec<Run>, x: f64, w: f64, color: String) {
    match runs.last_mut() {
        Some(r) if r.color == color && (r.x + r.w - x).abs() < 1e-6 => r.w += w,
        _ => runs.push(Run { x, w, color }),
    }
}

/// The confidence strip of a track's person, as runs over the visible window: each column the
/// colour of the most probable class at its most confident frame, mixed with transparency as
/// far as that probability falls short of 1 (in 10 % steps, so that neighbours merge).
pub fn confidence_runs(w: &Workspace, track: TrackId, view: &TimeView, width: f64) -> Vec<Run> {
    {
        let Some(t) = w.project.track(track) else {
            return Vec::new();
        };
        let Some(confidence) = w.project.pose_of(t).and_then(|p| p.confidence.as_ref()) else {
            return Vec::new();
        };
        let mut runs: Vec<Run> = Vec::new();
        let mut x = 0.0;
        while x < width {
            let f0 = view.frame_at(x).floor().max(0.0) as Frame;
            let f1 = view.frame_at(x + STRIP_COLUMN).ceil().max(0.0) as Frame;
            if let Some((label, p)) = confidence.peak(f0, f1)
                && p >= 0.05
            {
                let base = w
                    .project
                    .label(&label)
                    .map_or("#888888", |l| l.color.as_str());
                let c = format!(
                    "color-mix(in srgb,{base} {:.0}%,transparent)",
                    (p * 10.0).round() * 10.0
                );
                extend_runs(&mut runs, x, STRIP_COLUMN, c);
            }
            x += STRIP_COLUMN;
        }
        runs
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum LaneDraw {
    Segments(Vec<SegBox>),
    Runs(Vec<Run>),
}

/// What a lane draws of `track` in the visible window: each segment, or runs of colour where
/// there are too many to draw one by one.
pub fn lane_draw(w: &Workspace, track: TrackId, view: &TimeView, width: f64) -> LaneDraw {
    {
        let Some(t) = w.project.track(track) else {
            return LaneDraw::Segments(Vec::new());
        };
        let Some(video) = w.project.video(t.video) else {
            return LaneDraw::Segments(Vec::new());
        };
        let (t0, t1) = view.window(width);
        let index = TrackIndex::new(t);
        let count = index.visible(t0, t1).take(MAX_ELEMENTS + 1).count();
        let color = |s: &microact_core::model::Segment| {
            w.project
                .label(&s.label)
                .map(|l| l.color.clone())
                .unwrap_or_else(|| "#888888".into())
        };
        if count > MAX_ELEMENTS {
            // One run per 2-pixel column: the colour of the first segment there.
            let mut runs: Vec<Run> = Vec::new();
            let mut x = 0.0;
            while x < width {
                let f0 = view.frame_at(x).floor().max(0.0) as Frame;
                let f1 = (view.frame_at(x + 2.0).ceil() as Frame).max(f0 + 1);
                if let Some(s) = index.visible(f0, f1).next() {
                    extend_runs(&mut runs, x, 2.0, color(s));
                }
                x += 2.0;
            }
            return LaneDraw::Runs(runs);
        }
        let boxes = index
            .visible(t0, t1)
            .map(|s| {
                let set = w.project.label_set(&s.label.set);
                let text = set
                    .and_then(|set| set.label(&s.label.label))
                    .map(|l| l.name.clone())
                    .unwrap_or_else(|| s.label.label.clone());
                let path = set
                    .map(|set| set.path(&s.label.label).join(" › "))
                    .unwrap_or_else(|| text.clone());
                let who = match &s.source {
                    Source::Human { annotator } => format!("by {annotator}"),
                    Source::Model {
                        name,
                        version,
                        score,
                    } => format!("proposed by {name} {version}, score {score:.2}"),
                };
                let mut title = format!(
                    "{path}\n{} – {} ({} frames)\n{who} · {}",
                    readout::clock(video.seconds(s.start)),
                    readout::clock(video.seconds(s.end)),
                    s.frames(),
                    s.status.as_str()
                );
                if let Some(note) = &s.note {
                    title.push('\n');
                    title.push_str(note);
                }
                SegBox {
                    id: s.id,
                    start: s.start,
                    end: s.end,
                    label_id: s.label.label.clone(),
                    text,
                    title,
                    color: color(s),
                    status: s.status,
                    selected: w.selected == Some(s.id),
                }
            })
            .collect();
        LaneDraw::Segments(boxes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tests::workspace;
    use microact_core::model::LabelRef;

    #[test]
    fn a_lane_draws_its_visible_segments_with_name_times_and_who() {
        let mut w = workspace();
        w.label = Some(LabelRef::new("ma52", "nodding"));
        let track = w.track.expect("a track");
        w.create(track, 0, 3).expect("a segment");
        let id = w.create(track, 30, 45).expect("another, selected");
        let view = TimeView {
            start: 20.0,
            px_per_frame: 10.0,
        };
        let LaneDraw::Segments(boxes) = lane_draw(&w, track, &view, 300.0) else {
            panic!("few segments are drawn one by one");
        };
        assert_eq!(boxes.len(), 1, "the one before the window is not drawn");
        let b = &boxes[0];
        assert_eq!((b.id, b.start, b.end, b.selected), (id, 30, 45, true));
        assert!(
            b.title.contains("0:01.000 – 0:01.500 (15 frames)"),
            "{}",
            b.title
        );
        assert!(b.title.contains("by me · accepted"), "{}", b.title);
    }

    #[test]
    fn past_the_element_limit_a_lane_draws_runs_joined_by_colour() {
        let mut w = Workspace::new("many");
        let clip = crate::OpenedClip {
            frames: 400,
            ..crate::tests::clip("long.webm")
        };
        w.attach(&clip).expect("attached");
        w.label = Some(LabelRef::new("ma52", "nodding"));
        let track = w.track.expect("a track");
        for f in 0..=MAX_ELEMENTS as Frame {
            w.create(track, 2 * f, 2 * f + 1).expect("a segment");
        }
        let close = TimeView {
            start: 0.0,
            px_per_frame: 10.0,
        };
        assert!(
            matches!(lane_draw(&w, track, &close, 300.0), LaneDraw::Segments(b) if b.len() == 15)
        );
        let LaneDraw::Runs(runs) = lane_draw(&w, track, &TimeView::fit(400, 400.0), 400.0) else {
            panic!("151 segments in view are drawn as runs");
        };
        assert_eq!(
            runs.len(),
            1,
            "one colour, every 2-pixel column covered: one run"
        );
        assert_eq!(
            (runs[0].x, runs[0].w),
            (0.0, 2.0 * (MAX_ELEMENTS as f64 + 1.0))
        );
        let mut mixed = Vec::new();
        extend_runs(&mut mixed, 0.0, 2.0, "red".into());
        extend_runs(&mut mixed, 2.0, 2.0, "red".into());
        extend_runs(&mut mixed, 4.0, 2.0, "blue".into());
        extend_runs(&mut mixed, 8.0, 2.0, "blue".into());
        assert_eq!(
            mixed.iter().map(|r| (r.x, r.w)).collect::<Vec<_>>(),
            vec![(0.0, 4.0), (4.0, 2.0), (8.0, 2.0)]
        );
        assert!(
            runs_gradient(&mixed)
                .starts_with("linear-gradient(to right,transparent 0.0px,red 0.0px,red 4.0px")
        );
    }
}
