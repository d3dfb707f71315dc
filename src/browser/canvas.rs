//! A video frame drawn to a canvas at a model's input size.

use microact_models::frame::{Letterbox, Size};
use wasm_bindgen::JsCast;
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement, HtmlVideoElement};

/// The current frame of `video`, letterboxed into `target` on `canvas` (which then shows it), as
/// RGBA bytes, with the geometry to map model outputs back to source pixels.
pub fn grab_letterboxed(
    video: &HtmlVideoElement,
    canvas: &HtmlCanvasElement,
    target: Size,
) -> Result<(Vec<u8>, Letterbox), String> {
    let source = Size::new(video.video_width(), video.video_height());
    let letterbox = Letterbox::fit(source, target).map_err(|e| format!("no frame to read: {e}"))?;
    canvas.set_width(target.width);
    canvas.set_height(target.height);
    let context = canvas
        .get_context("2d")
        .ok()
        .flatten()
        .and_then(|c| c.dyn_into::<CanvasRenderingContext2d>().ok())
        .ok_or("the browser gave no 2D canvas context")?;
    context.set_fill_style_str("black");
    context.fill_rect(0.0, 0.0, f64::from(target.width), f64::from(target.height));
    let p = letterbox.placed;
    context
        .draw_image_with_html_video_element_and_dw_and_dh(video, p.x, p.y, p.width, p.height)
        .map_err(|e| format!("drawing the frame failed: {}", super::js_error_text(&e)))?;
    let image = context
        .get_image_data(0.0, 0.0, f64::from(target.width), f64::from(target.height))
        .map_err(|e| format!("reading the canvas failed: {}", super::js_error_text(&e)))?;
    Ok((image.data().0, letterbox))
}
