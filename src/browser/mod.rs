//! Everything that touches the browser's APIs (web-sys, js-sys). The rest of the app sees plain
//! Rust types and functions from here.

pub mod camera;
pub mod canvas;
pub mod dom;
pub mod engine;
pub mod fetch;
pub mod files;
pub mod offline;
pub mod storage;
pub mod tabs;
pub mod video;

use std::cell::Cell;
use std::rc::Rc;

use wasm_bindgen::JsValue;

/// Milliseconds from a monotonic clock (`performance.now()`); 0 where there is none.
pub fn now_ms() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map(|p| p.now())
        .unwrap_or(0.0)
}

/// Resolves once the page's event loop has had a turn (or at once, when it is not yet due).
pub type Pause = Rc<dyn Fn() -> std::pin::Pin<Box<dyn std::future::Future<Output = ()>>>>;

/// Work on the page's thread runs at most this long before the page gets a turn.
const SLICE_MS: f64 = 8.0;

/// A [`Pause`] for long work on the page's thread: once more than [`SLICE_MS`] have passed since
/// the last turn, it waits for the next task of the event loop (a `MessageChannel` message,
/// which, unlike a timer, is not throttled), so that animation frames, input and video events
/// run in between.
pub fn ui_pause() -> Pause {
    let last = Rc::new(Cell::new(now_ms()));
    Rc::new(move || {
        let last = last.clone();
        Box::pin(async move {
            if now_ms() - last.get() < SLICE_MS {
                return;
            }
            next_task().await;
            last.set(now_ms());
        })
    })
}

/// Resolves in a later task of the event loop.
async fn next_task() {
    let Ok(channel) = web_sys::MessageChannel::new() else {
        return;
    };
    let port = channel.port1();
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        port.set_onmessage(Some(&resolve));
    });
    if channel.port2().post_message(&JsValue::NULL).is_err() {
        return;
    }
    // The channel lives until its message has come (it is dropped after this await).
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
    port.set_onmessage(None);
}

/// Resolves after `ms` milliseconds (a timer: throttled in a hidden tab, which is fine for
/// background work).
pub async fn sleep(ms: f64) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        let timer = web_sys::window()
            .map(|w| w.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms as i32));
        if !matches!(timer, Some(Ok(_))) {
            let _ = resolve.call0(&JsValue::NULL);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

/// Milliseconds since the epoch (`Date.now()`).
pub fn now_epoch_ms() -> f64 {
    js_sys::Date::now()
}

/// Whether the browser exposes WebGPU at all (`navigator.gpu`). An adapter may still be refused.
pub fn has_webgpu() -> bool {
    web_sys::window()
        .map(|w| {
            js_sys::Reflect::get(&w.navigator(), &JsValue::from_str("gpu"))
                .map(|gpu| !gpu.is_undefined() && !gpu.is_null())
                .unwrap_or(false)
        })
        .unwrap_or(false)
}

/// A panic is a bug; with `panic = "abort"` it stops the app. Say so in the page (the `#fatal`
/// banner in index.html), not only in the console.
pub fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        console_error_panic_hook::hook(info);
        let banner = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.get_element_by_id("fatal"));
        if let Some(banner) = banner {
            banner.set_text_content(Some(&format!(
                "microact stopped because of a bug: {info}. Reload the page; your saved work is kept."
            )));
            let _ = banner.remove_attribute("hidden");
        }
    }));
}

/// The text of a JS exception or rejection value.
pub(crate) fn js_error_text(value: &JsValue) -> String {
    if let Some(error) = value.dyn_ref::<js_sys::Error>() {
        return String::from(error.message());
    }
    value.as_string().unwrap_or_else(|| format!("{value:?}"))
}

use wasm_bindgen::JsCast;

/// Whether a key event comes from a text field (where keys type, not command).
pub fn typing_in_field(event: &web_sys::KeyboardEvent) -> bool {
    event
        .target()
        .and_then(|t| t.dyn_into::<web_sys::HtmlElement>().ok())
        .map(|el| {
            let tag = el.tag_name();
            tag == "INPUT" || tag == "TEXTAREA" || tag == "SELECT" || el.is_content_editable()
        })
        .unwrap_or(false)
}

/// The value of `name` in the page URL's query string.
/// How many threads the browser says the machine runs at once (1 when it does not say).
pub fn hardware_concurrency() -> usize {
    web_sys::window()
        .map(|w| w.navigator().hardware_concurrency())
        .filter(|n| n.is_finite() && *n >= 1.0)
        .map_or(1, |n| n as usize)
}

pub fn query_param(name: &str) -> Option<String> {
    let search = web_sys::window()?.location().search().ok()?;
    web_sys::UrlSearchParams::new_with_str(&search)
        .ok()?
        .get(name)
}

/// Whether the page is hidden (another tab in front, minimised, being closed).
pub fn page_hidden() -> bool {
    web_sys::window()
        .and_then(|w| w.document())
        .is_some_and(|d| d.visibility_state() == web_sys::VisibilityState::Hidden)
}

/// Asks a yes/no question in the browser's own dialog; `false` when it cannot be shown.
pub fn confirm(question: &str) -> bool {
    web_sys::window()
        .and_then(|w| w.confirm_with_message(question).ok())
        .unwrap_or(false)
}

/// Resolves at the next animation frame (when the page next paints).
pub async fn next_animation_frame() -> Result<(), String> {
    let window = web_sys::window().ok_or("no window")?;
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        let _ = window.request_animation_frame(&resolve);
    });
    wasm_bindgen_futures::JsFuture::from(promise)
        .await
        .map(|_| ())
        .map_err(|e| format!("{e:?}"))
}
