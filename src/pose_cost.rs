//! What MultiPose's inputs cost, shown before a user picks one. The engine's time for the last
//! frame over the input pixels it looked at gives a rate (ms per pixel, on this backend and
//! model); a setting's estimate is that rate times its input's pixels for the clip's frames (a
//! MoveNet frame's work grows with its pixels: `docs/benchmarks.md`, "MultiPose at larger inputs").

use microact_core::geometry::Size;
use microact_protocol::MultiPoseSide;

/// A zoomed crop's input (the engine's: its longer side 256).
const ZOOM_PIXELS: f64 = 256.0 * 256.0;

/// ms per input pixel from one frame's time and the inputs it looked at.
pub fn rate(ms: f64, inputs: &[Size]) -> Option<f64> {
    let pixels: usize = inputs.iter().map(|s| s.pixels()).sum();
    (pixels > 0 && ms.is_finite() && ms > 0.0).then(|| ms / pixels as f64)
}

/// The whole-frame input of `side` for frames of `frame` (`None` for auto: the engine sizes it
/// as it goes).
pub fn whole_input(frame: Size, side: MultiPoseSide) -> Option<Size> {
    match side {
        MultiPoseSide::Exported => Some(Size::square(256)),
        MultiPoseSide::Longer(side) => Some(frame.input_at(side)),
        MultiPoseSide::Auto => None,
    }
}

/// How a choice of the MultiPose input reads in its menu: the input size and, once a frame was
/// timed, about how long a frame takes.
pub fn label(side: MultiPoseSide, frame: Option<Size>, rate: Option<f64>) -> String {
    let Some(input) = frame.and_then(|f| whole_input(f, side)) else {
        return match side {
            MultiPoseSide::Exported => "256 × 256".to_string(),
            MultiPoseSide::Longer(side) => format!("{side} px wide"),
            MultiPoseSide::Auto => "auto: sized to the clip and its people".to_string(),
        };
    };
    let size = format!("{} × {}", input.width, input.height);
    match rate {
        Some(rate) => format!("{size} · ≈ {:.0} ms", rate * input.pixels() as f64),
        None => size,
    }
}

/// What zoom to people adds per small person looked at again, once a frame was timed.
pub fn zoom_label(rate: Option<f64>) -> String {
    match rate {
        Some(rate) => format!(
            "Zoom to people (≈ {:.0} ms per small person)",
            rate * ZOOM_PIXELS
        ),
        None => "Zoom to people".to_string(),
    }
}

/// The inputs a frame was looked at, as the status line says them: `768×576 + 2 zoomed`.
pub fn looked(inputs: &[Size]) -> String {
    match inputs.split_first() {
        None => String::new(),
        Some((whole, [])) => format!("{}×{}", whole.width, whole.height),
        Some((whole, zooms)) => {
            format!("{}×{} + {} zoomed", whole.width, whole.height, zooms.len())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_setting_costs_the_timed_rate_times_its_pixels() {
        // 40 ms for 256 × 256 + one crop.
        let rate = rate(40.0, &[Size::square(256), Size::square(256)]);
        let plaza = Some(Size::new(768, 576));
        assert_eq!(
            label(MultiPoseSide::Longer(512), plaza, rate),
            "512 × 384 · ≈ 60 ms"
        );
        assert_eq!(
            label(MultiPoseSide::Exported, plaza, rate),
            "256 × 256 · ≈ 20 ms"
        );
        assert_eq!(label(MultiPoseSide::Longer(512), None, rate), "512 px wide");
        assert_eq!(label(MultiPoseSide::Longer(512), plaza, None), "512 × 384");
        assert!(label(MultiPoseSide::Auto, plaza, rate).starts_with("auto"));
        assert_eq!(
            zoom_label(rate),
            "Zoom to people (≈ 20 ms per small person)"
        );
        assert_eq!(super::rate(0.0, &[]), None);
        assert_eq!(
            looked(&[Size::new(768, 576), Size::square(256)]),
            "768×576 + 1 zoomed"
        );
    }
}
