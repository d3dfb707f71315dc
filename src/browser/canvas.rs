//! Video frames drawn to canvases: a model's input as the page shows it, and the pose overlay
//! drawn over the video.

use microact_core::geometry::{Letterbox, Rect, Size};
use microact_core::labels::palette;
use microact_protocol::{Person, SKELETON};
use wasm_bindgen::JsCast;
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement, HtmlVideoElement};

use super::js_error_text;

fn context(canvas: &HtmlCanvasElement) -> Result<CanvasRenderingContext2d, String> {
    canvas
        .get_context("2d")
        .ok()
        .flatten()
        .and_then(|c| c.dyn_into::<CanvasRenderingContext2d>().ok())
        .ok_or_else(|| "the browser gave no 2D canvas context".to_string())
}

/// The video's frame size in pixels (0 × 0 before it has one).
pub fn video_size(video: &HtmlVideoElement) -> Size {
    Size::new(video.video_width(), video.video_height())
}

/// The current frame of `video` letterboxed into `target` on `canvas` (black padding), which
/// then shows it; with the geometry that maps model outputs back to source pixels.
pub fn draw_letterboxed(
    video: &HtmlVideoElement,
    canvas: &HtmlCanvasElement,
    target: Size,
) -> Result<Letterbox, String> {
    let letterbox =
        Letterbox::fit(video_size(video), target).map_err(|e| format!("no frame to read: {e}"))?;
    if canvas.width() != target.width || canvas.height() != target.height {
        canvas.set_width(target.width);
        canvas.set_height(target.height);
    }
    let context = context(canvas)?;
    context.set_fill_style_str("black");
    context.fill_rect(0.0, 0.0, f64::from(target.width), f64::from(target.height));
    let dest = letterbox.placed;
    context
        .draw_image_with_html_video_element_and_dw_and_dh(
            video,
            dest.x,
            dest.y,
            dest.width,
            dest.height,
        )
        .map_err(|e| format!("drawing the frame failed: {}", js_error_text(&e)))?;
    Ok(letterbox)
}

/// One figure of the overlay: joints and bones in source pixels, in one colour.
pub struct Figure<'a> {
    pub colour: &'a str,
    pub points: &'a [(f64, f64)],
    pub lines: &'a [((f64, f64), (f64, f64))],
    pub bbox: Option<Rect>,
    pub label: String,
}

/// Clears `canvas` to the frame's `size` (transparent) and draws the figures on it.
pub fn draw_overlay(
    canvas: &HtmlCanvasElement,
    size: Size,
    figures: &[Figure],
) -> Result<(), String> {
    if canvas.width() != size.width || canvas.height() != size.height {
        canvas.set_width(size.width);
        canvas.set_height(size.height);
    }
    let context = context(canvas)?;
    let (w, h) = (f64::from(size.width), f64::from(size.height));
    context.clear_rect(0.0, 0.0, w, h);
    let stroke = (w.max(h) / 320.0).max(2.0);
    context.set_line_width(stroke);
    context.set_font(&format!("{}px sans-serif", (stroke * 6.0).round()));
    for figure in figures {
        context.set_stroke_style_str(figure.colour);
        context.set_fill_style_str(figure.colour);
        context.begin_path();
        for &((x0, y0), (x1, y1)) in figure.lines {
            context.move_to(x0, y0);
            context.line_to(x1, y1);
        }
        context.stroke();
        for &(x, y) in figure.points {
            context.begin_path();
            let _ = context.arc(x, y, stroke * 1.6, 0.0, std::f64::consts::TAU);
            context.fill();
        }
        if let Some(b) = figure.bbox {
            context.stroke_rect(b.x, b.y, b.width, b.height);
            let _ = context.fill_text(&figure.label, b.x + stroke, b.y - stroke);
        }
    }
    Ok(())
}

/// Clears the overlay.
pub fn clear_overlay(canvas: &HtmlCanvasElement) {
    if let Ok(context) = context(canvas) {
        context.clear_rect(
            0.0,
            0.0,
            f64::from(canvas.width()),
            f64::from(canvas.height()),
        );
    }
}

/// The people's skeletons on the overlay, each in their id's colour (keypoints scored under
/// `min_score` left out), with their box and id.
pub fn draw_people(
    overlay: &HtmlCanvasElement,
    size: Size,
    people: &[Person],
    min_score: f32,
) -> Result<(), String> {
    let shapes: Vec<(
        String,
        Vec<(f64, f64)>,
        Vec<((f64, f64), (f64, f64))>,
        Option<Rect>,
        String,
    )> = people
        .iter()
        .map(|p| {
            let seen = |k: usize| {
                let [x, y, score] = p.keypoints[k];
                (score >= min_score).then_some((f64::from(x), f64::from(y)))
            };
            let points = (0..p.keypoints.len()).filter_map(seen).collect();
            let lines = SKELETON
                .iter()
                .filter_map(|&(a, b)| Some((seen(a)?, seen(b)?)))
                .collect();
            (
                palette(p.id.saturating_sub(1) as usize),
                points,
                lines,
                p.bbox.map(|[x, y, width, height]| Rect {
                    x,
                    y,
                    width,
                    height,
                }),
                format!("#{} {:.2}", p.id, p.score),
            )
        })
        .collect();
    let figures: Vec<Figure> = shapes
        .iter()
        .map(|(colour, points, lines, bbox, label)| Figure {
            colour,
            points,
            lines,
            bbox: *bbox,
            label: label.clone(),
        })
        .collect();
    draw_overlay(overlay, size, &figures)
}
