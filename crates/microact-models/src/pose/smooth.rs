//! Keypoint smoothing with the One-Euro filter (Casiez, Roussel and Vogel, CHI 2012), ported from
//! TF.js pose-detection 2.1.3: `shared/filters/low_pass_filter.ts`,
//! `shared/filters/one_euro_filter.ts` and `shared/filters/keypoints_one_euro_filter.ts` (which
//! follow MediaPipe's `one_euro_filter.cc`), with MoveNet's `KEYPOINT_FILTER_CONFIG` from
//! `movenet/constants.ts`.
//!
//! Timestamps are whole **microseconds**, as in TF.js (its detector turns the caller's
//! milliseconds into microseconds and the filter truncates them). MoveNet disables value scaling
//! (`disableValueScaling: true`, object scale 1), so this port leaves it out.

use super::decode::NormKeypoint;
use super::net::KEYPOINTS;

/// A first-order low-pass filter, optionally with TF.js's `asinh` cap on large jumps.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LowPassFilter {
    alpha: f64,
    /// The last raw and filtered values, once a value has been seen.
    last: Option<(f64, f64)>,
}

impl LowPassFilter {
    /// A filter that moves `alpha` of the way to each new value.
    pub fn new(alpha: f64) -> Self {
        Self { alpha, last: None }
    }

    /// Filters `value`; the first value after construction or [`reset`](Self::reset) passes
    /// through. With a `threshold`, the step is `alpha · t · asinh(Δ / t)` instead of `alpha · Δ`,
    /// which damps outliers.
    pub fn apply(&mut self, value: f64, threshold: Option<f64>) -> f64 {
        let result = match (self.last, threshold) {
            (None, _) => value,
            (Some((_, stored)), None) => stored + self.alpha * (value - stored),
            (Some((_, stored)), Some(t)) => {
                stored + self.alpha * t * ((value - stored) / t).asinh()
            }
        };
        self.last = Some((value, result));
        result
    }

    /// [`apply`](Self::apply) after replacing alpha.
    pub fn apply_with_alpha(&mut self, value: f64, alpha: f64, threshold: Option<f64>) -> f64 {
        self.alpha = alpha;
        self.apply(value, threshold)
    }

    /// The last unfiltered value, if any.
    pub fn last_raw_value(&self) -> Option<f64> {
        self.last.map(|(raw, _)| raw)
    }

    /// Forgets the past: the next value passes through.
    pub fn reset(&mut self) {
        self.last = None;
    }
}

/// One-Euro filter parameters (TF.js `OneEuroFilterConfig`, without value scaling).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct OneEuroConfig {
    /// Assumed sampling rate in Hz until two timestamps give the real one.
    pub frequency: f64,
    /// Cut-off frequency (Hz) at zero speed: lower smooths more when still.
    pub min_cut_off: f64,
    /// How fast the cut-off rises with speed: higher lags less when moving.
    pub beta: f64,
    /// Cut-off frequency (Hz) of the speed estimate.
    pub derivate_cut_off: f64,
    /// Base of the `asinh` jump cap; `None` disables the cap.
    pub threshold_cut_off: Option<f64>,
    /// How fast the jump cap grows with speed.
    pub threshold_beta: f64,
}

impl OneEuroConfig {
    /// MoveNet's `KEYPOINT_FILTER_CONFIG` (pose-detection 2.1.3, `movenet/constants.ts`).
    pub const MOVENET: Self = Self {
        frequency: 30.0,
        min_cut_off: 2.5,
        beta: 300.0,
        derivate_cut_off: 2.5,
        threshold_cut_off: Some(0.5),
        threshold_beta: 5.0,
    };
}

impl Default for OneEuroConfig {
    fn default() -> Self {
        Self::MOVENET
    }
}

/// The One-Euro filter of one scalar signal: a low-pass filter whose cut-off rises with the
/// signal's filtered speed.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct OneEuroFilter {
    config: OneEuroConfig,
    frequency: f64,
    x: LowPassFilter,
    dx: LowPassFilter,
    last_timestamp_us: i64,
}

impl OneEuroFilter {
    /// A filter that has seen nothing yet.
    pub fn new(config: OneEuroConfig) -> Self {
        let alpha = |cut_off| smoothing_factor(config.frequency, cut_off);
        Self {
            config,
            frequency: config.frequency,
            x: LowPassFilter::new(alpha(config.min_cut_off)),
            dx: LowPassFilter::new(alpha(config.derivate_cut_off)),
            last_timestamp_us: 0,
        }
    }

    /// Filters `value` sampled at `timestamp_us` (microseconds). As in TF.js, a timestamp not after
    /// the previous one (or 0 before any) returns `value` unfiltered and changes nothing; the
    /// first sample passes through.
    pub fn apply(&mut self, value: f64, timestamp_us: i64) -> f64 {
        if self.last_timestamp_us >= timestamp_us {
            return value;
        }
        if self.last_timestamp_us != 0 && timestamp_us != 0 {
            self.frequency = 1e6 / (timestamp_us - self.last_timestamp_us) as f64;
        }
        self.last_timestamp_us = timestamp_us;
        let speed = self
            .x
            .last_raw_value()
            .map_or(0.0, |last| (value - last) * self.frequency);
        let speed = self.dx.apply_with_alpha(
            speed,
            smoothing_factor(self.frequency, self.config.derivate_cut_off),
            None,
        );
        let cut_off = self.config.min_cut_off + self.config.beta * speed.abs();
        let threshold = self
            .config
            .threshold_cut_off
            .map(|t| t + self.config.threshold_beta * speed.abs());
        self.x
            .apply_with_alpha(value, smoothing_factor(self.frequency, cut_off), threshold)
    }
}

/// `1 / (1 + τ/Tₑ)` with `τ = 1/(2π·cut_off)` and `Tₑ = 1/frequency`.
fn smoothing_factor(frequency: f64, cut_off: f64) -> f64 {
    1.0 / (1.0 + frequency / (2.0 * std::f64::consts::PI * cut_off))
}

/// A One-Euro filter on each coordinate of each of the 17 keypoints (TF.js
/// `KeypointsOneEuroFilter`); scores pass through unchanged.
#[derive(Clone, Debug, PartialEq)]
pub struct KeypointsFilter {
    config: OneEuroConfig,
    /// `[y, x]` filters per keypoint; `None` until the first pose or after a reset.
    filters: Option<[[OneEuroFilter; 2]; KEYPOINTS]>,
}

impl KeypointsFilter {
    /// A filter with `config` for every coordinate.
    pub fn new(config: OneEuroConfig) -> Self {
        Self {
            config,
            filters: None,
        }
    }

    /// Smooths one pose sampled at `timestamp_us` (microseconds).
    pub fn apply(
        &mut self,
        keypoints: &[NormKeypoint; KEYPOINTS],
        timestamp_us: i64,
    ) -> [NormKeypoint; KEYPOINTS] {
        let config = self.config;
        let filters = self
            .filters
            .get_or_insert_with(|| [[OneEuroFilter::new(config); 2]; KEYPOINTS]);
        std::array::from_fn(|i| {
            let [fy, fx] = &mut filters[i];
            let k = keypoints[i];
            NormKeypoint {
                y: fy.apply(f64::from(k.y), timestamp_us) as f32,
                x: fx.apply(f64::from(k.x), timestamp_us) as f32,
                score: k.score,
            }
        })
    }

    /// Forgets the past (TF.js resets when a pose is lost): the next pose passes through.
    pub fn reset(&mut self) {
        self.filters = None;
    }
}

impl Default for KeypointsFilter {
    fn default() -> Self {
        Self::new(OneEuroConfig::MOVENET)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 30 frames per second in microseconds.
    const FRAME_US: i64 = 33_333;

    fn run(filter: &mut OneEuroFilter, values: impl IntoIterator<Item = f64>) -> Vec<f64> {
        values
            .into_iter()
            .enumerate()
            .map(|(i, v)| filter.apply(v, (i as i64 + 1) * FRAME_US))
            .collect()
    }

    #[test]
    fn first_sample_passes_through() {
        let mut filter = OneEuroFilter::new(OneEuroConfig::MOVENET);
        assert_eq!(filter.apply(0.37, 1_000), 0.37);
        let mut keypoints = KeypointsFilter::default();
        let pose = [NormKeypoint {
            y: 0.25,
            x: 0.75,
            score: 0.9,
        }; KEYPOINTS];
        assert_eq!(keypoints.apply(&pose, 5_000), pose);
    }

    #[test]
    fn constant_input_stays_constant() {
        let mut filter = OneEuroFilter::new(OneEuroConfig::MOVENET);
        for out in run(&mut filter, [0.42; 60]) {
            assert_eq!(out, 0.42);
        }
    }

    #[test]
    fn a_step_is_followed_with_lag_then_reached() {
        let mut filter = OneEuroFilter::new(OneEuroConfig::MOVENET);
        let input = (0..60).map(|i| if i < 10 { 0.5 } else { 0.51 });
        let out = run(&mut filter, input);
        assert_eq!(out[9], 0.5);
        // The first sample after the step moves towards it but not all the way.
        assert!(out[10] > 0.5 && out[10] < 0.51, "{}", out[10]);
        // Monotone approach, then converged.
        for pair in out[10..].windows(2) {
            assert!(pair[1] >= pair[0] - 1e-12, "{pair:?}");
        }
        assert!((out[59] - 0.51).abs() < 1e-4, "{}", out[59]);
    }

    #[test]
    fn fast_motion_lags_less_than_slow() {
        // The same ramp at two speeds: the relative lag (lag / step per frame) is smaller when fast,
        // because the cut-off rises with speed (beta).
        let lag = |step: f64| {
            let mut filter = OneEuroFilter::new(OneEuroConfig::MOVENET);
            let out = run(&mut filter, (0..30).map(|i| f64::from(i) * step));
            (f64::from(29) * step - out[29]) / step
        };
        let slow = lag(0.0001);
        let fast = lag(0.01);
        assert!(slow > 0.0 && fast >= 0.0);
        assert!(fast < slow / 2.0, "fast {fast} slow {slow}");
        // With beta 0 the filter is a plain low-pass: relative lag no longer depends on speed.
        let plain = |step: f64| {
            let config = OneEuroConfig {
                beta: 0.0,
                threshold_cut_off: None,
                ..OneEuroConfig::MOVENET
            };
            let mut filter = OneEuroFilter::new(config);
            let out = run(&mut filter, (0..30).map(|i| f64::from(i) * step));
            (f64::from(29) * step - out[29]) / step
        };
        assert!((plain(0.0001) - plain(0.01)).abs() < 1e-6);
    }

    #[test]
    fn stale_timestamps_pass_values_through_untouched() {
        let mut filter = OneEuroFilter::new(OneEuroConfig::MOVENET);
        filter.apply(0.5, 2 * FRAME_US);
        let before = filter;
        assert_eq!(filter.apply(0.9, 2 * FRAME_US), 0.9);
        assert_eq!(filter.apply(0.9, FRAME_US), 0.9);
        assert_eq!(filter, before);
    }

    #[test]
    fn reset_lets_the_next_pose_through() {
        let mut filter = KeypointsFilter::default();
        let at = |y: f32| {
            [NormKeypoint {
                y,
                x: 0.5,
                score: 0.8,
            }; KEYPOINTS]
        };
        filter.apply(&at(0.2), FRAME_US);
        let smoothed = filter.apply(&at(0.6), 2 * FRAME_US);
        assert!(smoothed[0].y < 0.6);
        assert_eq!(smoothed[0].score, 0.8);
        filter.reset();
        assert_eq!(filter.apply(&at(0.6), 3 * FRAME_US), at(0.6));
    }

    #[test]
    fn matches_tfjs_on_a_jittery_sequence() {
        // TF.js 2.1.3 `OneEuroFilter(KEYPOINT_FILTER_CONFIG)` run in Node on the same input
        // (uneven frame times, a sine and a jump at sample 21).
        let mut filter = OneEuroFilter::new(OneEuroConfig::MOVENET);
        let out: Vec<f64> = (0..40i64)
            .map(|i| {
                let t = (i + 1) * FRAME_US + (i % 3) * 1000;
                let jump = if i > 20 { 0.2 } else { 0.0 };
                filter.apply(0.5 + 0.1 * (i as f64 / 3.0).sin() + jump, t)
            })
            .collect();
        let expected = [
            (1, 0.531_304_752_439_850_2),
            (5, 0.599_428_846_073_096_5),
            (13, 0.407_485_215_497_514_15),
            (21, 0.764_364_383_634_654_2),
            (30, 0.646_287_193_044_552_8),
            (39, 0.741_320_070_858_203_3),
        ];
        for (i, value) in expected {
            assert!(
                (out[i] - value).abs() < 1e-12,
                "sample {i}: {} vs {value}",
                out[i]
            );
        }
    }

    #[test]
    fn low_pass_threshold_caps_jumps() {
        let mut plain = LowPassFilter::new(0.5);
        let mut capped = LowPassFilter::new(0.5);
        plain.apply(0.0, None);
        capped.apply(0.0, Some(0.1));
        assert_eq!(plain.apply(1.0, None), 0.5);
        let c = capped.apply(1.0, Some(0.1));
        assert!((c - 0.5 * 0.1 * 10f64.asinh()).abs() < 1e-12);
        assert_eq!(capped.last_raw_value(), Some(1.0));
    }
}
