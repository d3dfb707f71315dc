//! Reading files the page is served with (the model manifest and weights) over `fetch`.

use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::Response;

use super::js_error_text;

/// The bytes at `url` (relative to the page), or what went wrong, naming the file.
pub async fn bytes(url: &str) -> Result<Vec<u8>, String> {
    let window = web_sys::window().ok_or("no window to fetch from")?;
    let response = JsFuture::from(window.fetch_with_str(url))
        .await
        .map_err(|e| format!("{url} could not be fetched: {}", js_error_text(&e)))?;
    let response: Response = response
        .dyn_into()
        .map_err(|_| format!("{url}: the browser gave no response"))?;
    if !response.ok() {
        return Err(format!(
            "{url} could not be fetched: the server answered {} {}",
            response.status(),
            response.status_text()
        ));
    }
    let buffer = response
        .array_buffer()
        .map_err(|e| format!("{url} could not be read: {}", js_error_text(&e)))?;
    let buffer = JsFuture::from(buffer)
        .await
        .map_err(|e| format!("{url} could not be read: {}", js_error_text(&e)))?;
    Ok(js_sys::Uint8Array::new(&buffer).to_vec())
}

/// The text at `url`.
pub async fn text(url: &str) -> Result<String, String> {
    String::from_utf8(bytes(url).await?).map_err(|_| format!("{url} is not UTF-8 text"))
}
