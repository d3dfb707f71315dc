//! Video time as integer frames on an exact rational frame rate.

use serde::{Deserialize, Serialize};

/// Frame rates containers commonly carry; an estimate within [`SNAP_TOLERANCE`] of one of them is
/// taken to be it (30000/1001 rather than 29.97).
const COMMON_RATES: [(u32, u32); 13] = [
    (10, 1),
    (12, 1),
    (15, 1),
    (24000, 1001),
    (24, 1),
    (25, 1),
    (30000, 1001),
    (30, 1),
    (48, 1),
    (50, 1),
    (60000, 1001),
    (60, 1),
    (120, 1),
];

/// How much earlier than its exact start a frame's stored presentation time may be.
const PTS_ROUNDING: f64 = 0.0006;

/// Gaps between timestamps below this are the same frame reported twice.
const MIN_GAP: f64 = 1e-4;

/// How far timestamps on a whole-millisecond grid (WebM, many MP4 muxers) may sit from exact frame
/// times: half a millisecond either way, and a little slack.
const MILLISECOND_GRID_SPREAD: f64 = 0.0011;
/// The same for finer timestamps (microseconds as browsers report them).
const FINE_SPREAD: f64 = 0.00002;

/// Relative distance under which an estimated rate snaps to the nearest common one. Container
/// timestamps are often whole milliseconds, so a rate measured over a few hundred milliseconds is
/// good to a few tenths of a percent.
const SNAP_TOLERANCE: f64 = 0.006;

/// Frames per second as an exact fraction `num / den`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct FrameRate {
    num: u32,
    den: u32,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TimeError {
    #[error("a frame rate needs a positive numerator and denominator, got {num}/{den}")]
    InvalidRate { num: u32, den: u32 },
}

impl FrameRate {
    /// One frame a millisecond: the stand-in rate of a video known only from a file that gives
    /// times in seconds and no rate (see [`crate::model::Video::rate_unknown`]). Files write
    /// times to the millisecond, so nothing is rounded until the clip's own rate is known.
    pub const MILLISECONDS: FrameRate = FrameRate { num: 1000, den: 1 };

    pub fn new(num: u32, den: u32) -> Result<Self, TimeError> {
        if num == 0 || den == 0 {
            return Err(TimeError::InvalidRate { num, den });
        }
        let g = gcd(num, den);
        Ok(Self {
            num: num / g,
            den: den / g,
        })
    }

    pub fn num(self) -> u32 {
        self.num
    }

    pub fn den(self) -> u32 {
        self.den
    }

    /// The rate as files write it: `25`, or `30000/1001` when it is not whole.
    pub fn text(self) -> String {
        if self.den == 1 {
            self.num.to_string()
        } else {
            format!("{}/{}", self.num, self.den)
        }
    }

    /// Reads a rate a file gives: `30000/1001`, `25` or `29.97` (a decimal snaps to the common
    /// rate it rounds, as [`Self::from_fps`]). `None` for anything else, zero or negative.
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        if let Some((num, den)) = text.split_once('/') {
            return Self::new(num.trim().parse().ok()?, den.trim().parse().ok()?).ok();
        }
        let fps: f64 = text.parse().ok()?;
        (fps.is_finite() && fps > 0.0 && fps <= f64::from(u32::MAX) / 1000.0)
            .then(|| Self::from_fps(fps))
    }

    pub fn fps(self) -> f64 {
        f64::from(self.num) / f64::from(self.den)
    }

    /// Seconds one frame lasts.
    pub fn frame_duration(self) -> f64 {
        f64::from(self.den) / f64::from(self.num)
    }

    /// The frame on screen at `seconds`: frame `n` is shown during `[n, n + 1) / fps`. A
    /// presentation time up to [`PTS_ROUNDING`] before a boundary counts as that boundary:
    /// containers store times rounded to the millisecond (frame 1 at 30 fps is stamped 0.033).
    pub fn frame_at(self, seconds: f64) -> u64 {
        if !seconds.is_finite() || seconds <= 0.0 {
            return 0;
        }
        ((seconds + PTS_ROUNDING) * self.fps()).floor() as u64
    }

    /// The frame boundary nearest `seconds`: where an interval's edge given in seconds lands.
    pub fn boundary_near(self, seconds: f64) -> u64 {
        if !seconds.is_finite() || seconds <= 0.0 {
            return 0;
        }
        (seconds * self.fps()).round() as u64
    }

    /// Where frame `frame` starts, in seconds.
    pub fn start_of(self, frame: u64) -> f64 {
        frame as f64 * self.frame_duration()
    }

    /// The time to seek a media element to so that it shows `frame`: the middle of the frame's
    /// interval, so rounding on either side still lands on it.
    pub fn seek_time(self, frame: u64) -> f64 {
        (frame as f64 + 0.5) * self.frame_duration()
    }

    /// Number of whole frames in `duration` seconds (a partial last frame counts).
    pub fn frame_count(self, duration: f64) -> u64 {
        if !duration.is_finite() || duration <= 0.0 {
            return 0;
        }
        (duration * self.fps() - 1e-6).ceil() as u64
    }

    /// Estimates the rate from presentation timestamps (seconds) of frames as a decoder showed
    /// them, in order. Dropped frames make some gaps whole multiples of the frame period and
    /// millisecond timestamps make them jitter (33, 34, 33 ms at 30 fps), so each frame gets its
    /// index from the gaps counted against a rough period, and the period is the least-squares
    /// slope of time over index: over 20 frames that tells 30 from 29.97 fps even at
    /// millisecond resolution, which the span between two endpoints does not. Needs at least
    /// three gaps.
    pub fn estimate(timestamps: &[f64]) -> Option<Self> {
        let times: Vec<f64> = timestamps
            .iter()
            .copied()
            .filter(|t| t.is_finite())
            .collect();
        let gaps: Vec<f64> = times.windows(2).map(|w| w[1] - w[0]).collect();
        let mut positive: Vec<f64> = gaps.iter().copied().filter(|g| *g > MIN_GAP).collect();
        if positive.len() < 3 {
            return None;
        }
        positive.sort_by(f64::total_cmp);
        let near: Vec<f64> = positive
            .iter()
            .copied()
            .filter(|g| *g < positive[0] * 1.5)
            .collect();
        let rough = near[near.len() / 2];
        // (frame index, time) for each distinct frame.
        let mut points = vec![(0.0, times[0])];
        let mut index = 0.0;
        for (gap, time) in gaps.iter().zip(&times[1..]) {
            if *gap > MIN_GAP {
                index += (gap / rough).round().max(1.0);
                points.push((index, *time));
            }
        }
        let period = slope(&points);
        if period <= 0.0 {
            return None;
        }
        // Over a short span, millisecond rounding cannot tell 30 from 29.97 by the slope alone;
        // prefer a whole-number rate near the slope when every timestamp fits it.
        let fps = 1.0 / period;
        let whole = fps.round();
        let on_ms_grid = times
            .iter()
            .all(|t| ((t * 1000.0) - (t * 1000.0).round()).abs() < 1e-6);
        let spread = if on_ms_grid {
            MILLISECOND_GRID_SPREAD
        } else {
            FINE_SPREAD
        };
        let fits_whole =
            (fps - whole).abs() / whole < SNAP_TOLERANCE && grid_spread(&points, whole) <= spread;
        Some(Self::from_fps(if fits_whole { whole } else { fps }))
    }

    /// The exact rate for a measured `fps`: the nearest common rate when within
    /// [`SNAP_TOLERANCE`], else the value to a thousandth.
    pub fn from_fps(fps: f64) -> Self {
        let distance = |&(num, den): &(u32, u32)| {
            let common = f64::from(num) / f64::from(den);
            ((fps - common) / common).abs()
        };
        let snapped = COMMON_RATES
            .iter()
            .filter(|rate| distance(rate) < SNAP_TOLERANCE)
            .min_by(|a, b| distance(a).total_cmp(&distance(b)));
        match snapped {
            Some(&(num, den)) => Self { num, den },
            None => {
                let millis = (fps * 1000.0).round().clamp(1.0, f64::from(u32::MAX)) as u32;
                let g = gcd(millis, 1000);
                Self {
                    num: millis / g,
                    den: 1000 / g,
                }
            }
        }
    }
}

impl std::fmt::Display for FrameRate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.den == 1 {
            write!(f, "{} fps", self.num)
        } else {
            write!(f, "{:.3} fps ({}/{})", self.fps(), self.num, self.den)
        }
    }
}

/// Least-squares slope of `y` over `x`.
fn slope(points: &[(f64, f64)]) -> f64 {
    let n = points.len() as f64;
    let mean_x = points.iter().map(|p| p.0).sum::<f64>() / n;
    let mean_y = points.iter().map(|p| p.1).sum::<f64>() / n;
    let cov: f64 = points.iter().map(|p| (p.0 - mean_x) * (p.1 - mean_y)).sum();
    let var: f64 = points.iter().map(|p| (p.0 - mean_x).powi(2)).sum();
    cov / var
}

/// How far apart (max minus min, seconds) the times of `points` sit from the nearest frame
/// times of a `fps` grid anchored at the first point.
fn grid_spread(points: &[(f64, f64)], fps: f64) -> f64 {
    let origin = points.first().map_or(0.0, |p| p.1);
    let (lo, hi) = points
        .iter()
        .map(|&(_, t)| {
            let k = ((t - origin) * fps).round();
            t - origin - k / fps
        })
        .fold((f64::MAX, f64::MIN), |(lo, hi), r| (lo.min(r), hi.max(r)));
    hi - lo
}

fn gcd(mut a: u32, mut b: u32) -> u32 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stamps(fps: f64, frames: &[u32]) -> Vec<f64> {
        frames.iter().map(|&n| f64::from(n) / fps).collect()
    }

    #[test]
    fn rates_read_back_as_written() {
        for (num, den) in [(25, 1), (30000, 1001), (30, 1), (24000, 1001)] {
            let rate = FrameRate::new(num, den).unwrap();
            assert_eq!(FrameRate::parse(&rate.text()), Some(rate));
        }
        assert_eq!(FrameRate::parse("29.97"), FrameRate::new(30000, 1001).ok());
        assert_eq!(FrameRate::parse(" 25 "), FrameRate::new(25, 1).ok());
        for bad in ["", "0", "-25", "nan", "inf", "25/0", "a/b", "1e300"] {
            assert_eq!(FrameRate::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn rejects_zero_rates() {
        assert!(FrameRate::new(0, 1).is_err());
        assert!(FrameRate::new(30, 0).is_err());
        assert_eq!(
            FrameRate::new(60, 2).unwrap(),
            FrameRate::new(30, 1).unwrap()
        );
    }

    #[test]
    fn frame_and_time_round_trip_on_ntsc() {
        let rate = FrameRate::new(30000, 1001).unwrap();
        for frame in [0, 1, 29, 30, 1799, 107_892] {
            assert_eq!(rate.frame_at(rate.start_of(frame)), frame);
            assert_eq!(rate.frame_at(rate.seek_time(frame)), frame);
            // A timestamp a float-rounding step before the boundary is still that frame.
            assert_eq!(rate.frame_at(rate.start_of(frame) - 1e-12), frame);
        }
    }

    #[test]
    fn millisecond_presentation_times_name_their_frames() {
        let rate = FrameRate::new(30, 1).unwrap();
        for (pts, frame) in [
            (0.0, 0),
            (0.033, 1),
            (0.067, 2),
            (0.1, 3),
            (0.967, 29),
            (1.0, 30),
        ] {
            assert_eq!(rate.frame_at(pts), frame, "{pts}");
        }
    }

    #[test]
    fn counts_frames_in_a_duration() {
        let rate = FrameRate::new(30, 1).unwrap();
        assert_eq!(rate.frame_count(2.0), 60);
        assert_eq!(rate.frame_count(2.01), 61);
        assert_eq!(rate.frame_count(0.0), 0);
        assert_eq!(rate.frame_count(f64::NAN), 0);
    }

    #[test]
    fn estimates_rate_with_dropped_frames() {
        let frames = [0, 1, 2, 4, 5, 6, 9, 10, 11, 12];
        assert_eq!(
            FrameRate::estimate(&stamps(30.0, &frames)),
            Some(FrameRate::new(30, 1).unwrap())
        );
        assert_eq!(
            FrameRate::estimate(&stamps(30000.0 / 1001.0, &frames)),
            Some(FrameRate::new(30000, 1001).unwrap())
        );
        assert_eq!(
            FrameRate::estimate(&stamps(25.0, &[3, 5, 6, 7, 8])),
            Some(FrameRate::new(25, 1).unwrap())
        );
    }

    #[test]
    fn millisecond_timestamps_still_give_the_rate() {
        let ms: Vec<f64> = (0..20)
            .map(|n| (f64::from(n) * 1000.0 / 30.0).round() / 1000.0)
            .collect();
        assert_eq!(
            FrameRate::estimate(&ms),
            Some(FrameRate::new(30, 1).unwrap())
        );
        let ms: Vec<f64> = (0..20)
            .map(|n| (f64::from(n) * 1000.0 / 25.0).round() / 1000.0)
            .collect();
        assert_eq!(
            FrameRate::estimate(&ms),
            Some(FrameRate::new(25, 1).unwrap())
        );
        // Starting one frame in: the endpoints alone would say 29.97 (0.634 s for 19 frames).
        let ms: Vec<f64> = (1..21)
            .map(|n| (f64::from(n) * 1000.0 / 30.0).round() / 1000.0)
            .collect();
        assert_eq!(
            FrameRate::estimate(&ms),
            Some(FrameRate::new(30, 1).unwrap())
        );
        // As seen in Chromium: callbacks resume late, after the main thread was busy.
        let late = [
            1.333, 1.6, 1.633, 1.667, 1.7, 1.733, 1.767, 1.8, 1.833, 1.867, 1.9, 1.933, 1.967,
        ];
        assert_eq!(
            FrameRate::estimate(&late),
            Some(FrameRate::new(30, 1).unwrap())
        );
        // 29.97 fps over two seconds drifts off the whole-number grid and is told apart.
        let ntsc: Vec<f64> = (1..61)
            .map(|n| (f64::from(n) * 1001.0 / 30.0).round() / 1000.0)
            .collect();
        assert_eq!(
            FrameRate::estimate(&ntsc),
            Some(FrameRate::new(30000, 1001).unwrap())
        );
    }

    #[test]
    fn unusual_rates_are_kept_to_a_thousandth() {
        let rate = FrameRate::estimate(&stamps(17.5, &[0, 1, 2, 3, 4])).unwrap();
        assert_eq!((rate.num(), rate.den()), (35, 2));
    }

    #[test]
    fn too_few_frames_give_no_estimate() {
        assert_eq!(FrameRate::estimate(&stamps(30.0, &[0, 1, 2])), None);
        assert_eq!(FrameRate::estimate(&[1.0, 1.0, 1.0, 1.0]), None);
    }
}
