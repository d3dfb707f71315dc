//! Small DOM facts and actions the workspace needs: where a pointer is inside an element, wheel
//! and key events as plain values, element widths, downloads, reading picked files.

use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Element, HtmlElement, KeyboardEvent, MouseEvent, PointerEvent, WheelEvent};

use super::files::PickedFile;

/// A key event's fields, as [`crate::workspace::keys::Chord::from_event`] takes them.
pub struct Key {
    pub key: String,
    pub ctrl: bool,
    pub meta: bool,
    pub shift: bool,
    pub alt: bool,
    pub repeat: bool,
}

pub fn key(e: &KeyboardEvent) -> Key {
    Key {
        key: e.key(),
        ctrl: e.ctrl_key(),
        meta: e.meta_key(),
        shift: e.shift_key(),
        alt: e.alt_key(),
        repeat: e.repeat(),
    }
}

/// The pointer's x in the element the listener sits on (`currentTarget`), CSS pixels.
pub fn local_x(e: &MouseEvent) -> f64 {
    let left = e
        .current_target()
        .and_then(|t| t.dyn_into::<Element>().ok())
        .map(|el| el.get_bounding_client_rect().left())
        .unwrap_or(0.0);
    f64::from(e.client_x()) - left
}

/// The pointer's y in the element the listener sits on, CSS pixels.
pub fn local_y(e: &MouseEvent) -> f64 {
    let top = e
        .current_target()
        .and_then(|t| t.dyn_into::<Element>().ok())
        .map(|el| el.get_bounding_client_rect().top())
        .unwrap_or(0.0);
    f64::from(e.client_y()) - top
}

/// Keeps a drag's pointer events coming to the element the listener sits on.
pub fn capture(e: &PointerEvent) {
    if let Some(el) = e
        .current_target()
        .and_then(|t| t.dyn_into::<Element>().ok())
    {
        let _ = el.set_pointer_capture(e.pointer_id());
    }
}

/// What an event's target says about itself in `data-*` attributes: the attribute `name` of the
/// target or its nearest ancestor that has one.
pub fn target_data(e: &MouseEvent, name: &str) -> Option<String> {
    let el = e.target()?.dyn_into::<Element>().ok()?;
    let holder = el.closest(&format!("[data-{name}]")).ok()??;
    holder.get_attribute(&format!("data-{name}"))
}

pub fn primary_button(e: &MouseEvent) -> bool {
    e.button() == 0
}

/// A wheel turn: horizontal and vertical pixels, whether Ctrl (or a pinch) was held, and the
/// pointer's x in the element.
pub struct Wheel {
    pub dx: f64,
    pub dy: f64,
    pub ctrl: bool,
    pub shift: bool,
    pub x: f64,
}

pub fn wheel(e: &WheelEvent) -> Wheel {
    // Line and page deltas (Firefox) become pixels.
    let unit = match e.delta_mode() {
        1 => 16.0,
        2 => 400.0,
        _ => 1.0,
    };
    Wheel {
        dx: e.delta_x() * unit,
        dy: e.delta_y() * unit,
        ctrl: e.ctrl_key() || e.meta_key(),
        shift: e.shift_key(),
        x: local_x(e),
    }
}

pub fn width(el: &HtmlElement) -> f64 {
    f64::from(el.client_width())
}

/// Width and height in CSS pixels.
pub fn size(el: &HtmlElement) -> (f64, f64) {
    (f64::from(el.client_width()), f64::from(el.client_height()))
}

pub fn focus(el: &HtmlElement) {
    let _ = el.focus();
}

pub fn blur(el: &HtmlElement) {
    let _ = el.blur();
}

/// Offers `bytes` as a download named `name`.
pub fn download(name: &str, mime: &str, bytes: &[u8]) -> Result<(), String> {
    let window = web_sys::window().ok_or("no window")?;
    let document = window.document().ok_or("no document")?;
    let array = js_sys::Uint8Array::from(bytes);
    let parts = js_sys::Array::of1(&array);
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let blob = web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &options)
        .map_err(|e| super::js_error_text(&e))?;
    let url =
        web_sys::Url::create_object_url_with_blob(&blob).map_err(|e| super::js_error_text(&e))?;
    let a = document
        .create_element("a")
        .map_err(|e| super::js_error_text(&e))?
        .dyn_into::<web_sys::HtmlAnchorElement>()
        .map_err(|_| "could not make a link")?;
    a.set_href(&url);
    a.set_download(name);
    a.click();
    // The click has started the download; the URL can go once the event loop turns.
    let revoke = wasm_bindgen::closure::Closure::once_into_js(move || {
        let _ = web_sys::Url::revoke_object_url(&url);
    });
    let _ =
        window.set_timeout_with_callback_and_timeout_and_arguments_0(revoke.unchecked_ref(), 1000);
    Ok(())
}

/// The whole content of a picked file.
pub async fn read(file: &PickedFile) -> Result<Vec<u8>, String> {
    let buffer = JsFuture::from(file.file().array_buffer())
        .await
        .map_err(|e| file.read_error(&e))?;
    Ok(js_sys::Uint8Array::new(&buffer).to_vec())
}
