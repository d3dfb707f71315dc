//! The timeline's window onto a video: which frames are visible at which zoom, frame ↔ pixel, the
//! ruler's ticks. Pure and serialisable (a reload restores zoom and pan).

use microact_core::model::Frame;
use microact_core::time::FrameRate;
use serde::{Deserialize, Serialize};

/// Closest zoom: one frame this many pixels wide.
pub const MAX_PX_PER_FRAME: f64 = 48.0;
/// One zoom step of `+` / `−` and of a wheel notch.
pub const ZOOM_STEP: f64 = 1.5;

/// The left edge (in frames, fractional) and the scale of the timeline.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct TimeView {
    pub start: f64,
    pub px_per_frame: f64,
}

impl Default for TimeView {
    fn default() -> Self {
        Self {
            start: 0.0,
            px_per_frame: 4.0,
        }
    }
}

/// One mark on the ruler.
#[derive(Clone, Debug, PartialEq)]
pub struct Tick {
    pub frame: Frame,
    pub x: f64,
    /// Set on major ticks: the time there (`0:01.5`).
    pub label: Option<String>,
}

impl TimeView {
    /// The whole video in `width` pixels.
    pub fn fit(frames: Frame, width: f64) -> Self {
        Self {
            start: 0.0,
            px_per_frame: Self::min_scale(frames, width),
        }
    }

    /// The scale at which `frames` fill `width`: the farthest one may zoom out.
    fn min_scale(frames: Frame, width: f64) -> f64 {
        (width.max(1.0) / frames.max(1) as f64).min(MAX_PX_PER_FRAME)
    }

    pub fn x(&self, frame: f64) -> f64 {
        (frame - self.start) * self.px_per_frame
    }

    /// The frame (fractional) under pixel `x`.
    pub fn frame_at(&self, x: f64) -> f64 {
        self.start + x / self.px_per_frame
    }

    /// The whole frame under pixel `x`, within `[0, frames)`.
    pub fn snap(&self, x: f64, frames: Frame) -> Frame {
        let f = self.frame_at(x).floor().max(0.0) as Frame;
        f.min(frames.saturating_sub(1))
    }

    /// The frame boundary nearest pixel `x`, within `[0, frames]` (for segment edges).
    pub fn snap_edge(&self, x: f64, frames: Frame) -> Frame {
        let f = self.frame_at(x).round().max(0.0) as Frame;
        f.min(frames)
    }

    /// The frames `[t0, t1)` that `width` pixels show.
    pub fn window(&self, width: f64) -> (Frame, Frame) {
        let t0 = self.start.floor().max(0.0) as Frame;
        let t1 = self.frame_at(width).ceil().max(0.0) as Frame;
        (t0, t1.max(t0))
    }

    /// Zooms by `factor` keeping the frame under pixel `anchor` where it is, between the whole
    /// video and [`MAX_PX_PER_FRAME`].
    pub fn zoom(&mut self, factor: f64, anchor: f64, frames: Frame, width: f64) {
        let pinned = self.frame_at(anchor);
        let scale =
            (self.px_per_frame * factor).clamp(Self::min_scale(frames, width), MAX_PX_PER_FRAME);
        self.px_per_frame = scale;
        self.start = pinned - anchor / scale;
        self.clamp(frames, width);
    }

    /// Moves the window by `dx` pixels (positive: later).
    pub fn pan(&mut self, dx: f64, frames: Frame, width: f64) {
        self.start += dx / self.px_per_frame;
        self.clamp(frames, width);
    }

    /// Keeps the window inside the video and the scale inside its bounds (after a resize too).
    pub fn clamp(&mut self, frames: Frame, width: f64) {
        self.px_per_frame = self
            .px_per_frame
            .clamp(Self::min_scale(frames, width), MAX_PX_PER_FRAME);
        let visible = width / self.px_per_frame;
        let last_start = (frames as f64 - visible).max(0.0);
        self.start = self.start.clamp(0.0, last_start);
    }

    /// Scrolls just enough (by whole pages) that `frame` is in view, as a playhead is followed.
    pub fn follow(&mut self, frame: Frame, frames: Frame, width: f64) {
        let visible = width / self.px_per_frame;
        let f = frame as f64;
        if f < self.start || f + 1.0 > self.start + visible {
            self.start = f - visible * 0.1;
            self.clamp(frames, width);
        }
    }

    /// Ruler ticks over `width` pixels: minor ticks at least 8 px apart, a labelled major tick
    /// every 5 minor ones, on round times (frames, then 0.1 s … 10 min).
    pub fn ticks(&self, width: f64, rate: FrameRate) -> Vec<Tick> {
        let fps = rate.fps();
        let min_frames = 8.0 / self.px_per_frame;
        // Steps in frames: 1, 2, 5 frames, then round seconds.
        let seconds = [
            0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0,
        ];
        let candidates = [1.0, 2.0, 5.0]
            .into_iter()
            .chain(seconds.iter().map(|s| s * fps));
        let step = candidates
            .filter(|&s| s >= 1.0)
            .find(|&s| s >= min_frames)
            .unwrap_or(600.0 * fps);
        let (t0, t1) = self.window(width);
        let first = (t0 as f64 / step).floor() as u64;
        let mut ticks = Vec::new();
        let mut i = first;
        loop {
            let frame = (i as f64 * step).round() as Frame;
            if frame > t1 {
                break;
            }
            let x = self.x(frame as f64);
            if x >= -1.0 {
                let label = i
                    .is_multiple_of(5)
                    .then(|| crate::readout::clock(rate.start_of(frame)));
                ticks.push(Tick { frame, x, label });
            }
            i += 1;
        }
        ticks
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rate() -> FrameRate {
        FrameRate::new(30, 1).unwrap()
    }

    #[test]
    fn fit_shows_every_frame_and_no_more() {
        let v = TimeView::fit(300, 600.0);
        assert_eq!(v.px_per_frame, 2.0);
        assert_eq!(v.window(600.0), (0, 300));
        assert_eq!(v.frame_at(600.0), 300.0);
    }

    #[test]
    fn zoom_keeps_the_frame_under_the_pointer() {
        let mut v = TimeView::fit(300, 600.0);
        let under = v.frame_at(450.0);
        v.zoom(4.0, 450.0, 300, 600.0);
        assert_eq!(v.px_per_frame, 8.0);
        assert!((v.frame_at(450.0) - under).abs() < 1e-9);
        // Zooming out past the whole video stops at the whole video.
        v.zoom(1e-6, 450.0, 300, 600.0);
        assert_eq!(v, TimeView::fit(300, 600.0));
        // And in, at the frame limit.
        v.zoom(1e6, 0.0, 300, 600.0);
        assert_eq!(v.px_per_frame, MAX_PX_PER_FRAME);
    }

    #[test]
    fn pan_stays_inside_the_video() {
        let mut v = TimeView {
            start: 0.0,
            px_per_frame: 10.0,
        };
        v.pan(-500.0, 300, 600.0);
        assert_eq!(v.start, 0.0);
        v.pan(10_000.0, 300, 600.0);
        assert_eq!(v.start, 240.0);
        assert_eq!(v.window(600.0), (240, 300));
    }

    #[test]
    fn snapping_lands_on_whole_frames_inside_the_video() {
        let v = TimeView {
            start: 10.0,
            px_per_frame: 10.0,
        };
        assert_eq!(v.snap(34.0, 300), 13);
        assert_eq!(v.snap_edge(34.0, 300), 13);
        assert_eq!(v.snap_edge(36.0, 300), 14);
        assert_eq!(v.snap(-50.0, 300), 5);
        assert_eq!(v.snap(1e9, 300), 299);
        assert_eq!(v.snap_edge(1e9, 300), 300);
    }

    #[test]
    fn follow_pages_to_the_playhead() {
        let mut v = TimeView {
            start: 0.0,
            px_per_frame: 10.0,
        };
        v.follow(30, 300, 600.0);
        assert_eq!(v.start, 0.0, "in view: no scroll");
        v.follow(100, 300, 600.0);
        assert!(v.start <= 100.0 && v.start + 60.0 >= 101.0, "{v:?}");
    }

    #[test]
    fn ticks_are_round_times_with_labels_on_majors() {
        let v = TimeView::fit(300, 600.0); // 2 px a frame: minor step 5 frames, majors every 25
        let ticks = v.ticks(600.0, rate());
        assert_eq!(ticks[0].frame, 0);
        assert_eq!(ticks[1].frame, 5);
        assert_eq!(ticks[0].label.as_deref(), Some("0:00.000"));
        assert!(ticks[1].label.is_none());
        assert_eq!(ticks[5].label.as_deref(), Some("0:00.833"));
        // Zoomed far out: whole seconds.
        let v = TimeView::fit(30 * 3600, 600.0);
        let ticks = v.ticks(600.0, rate());
        let step = ticks[1].frame - ticks[0].frame;
        assert_eq!(step % 30, 0, "step {step}");
        assert!(ticks.windows(2).all(|w| w[1].x - w[0].x >= 8.0));
    }
}
