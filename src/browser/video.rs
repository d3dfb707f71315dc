//! The `<video>` element: sources, playback, and frame-accurate presentation times through
//! `requestVideoFrameCallback`.

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Function, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::HtmlVideoElement;

/// Whether the browser reports each presented frame (`requestVideoFrameCallback`).
pub fn has_frame_callbacks(video: &HtmlVideoElement) -> bool {
    Reflect::has(video, &JsValue::from_str("requestVideoFrameCallback")).unwrap_or(false)
}

type FrameHandler = Box<dyn FnMut(f64)>;

struct WatchState {
    video: HtmlVideoElement,
    handle: Option<u32>,
    closure: Option<Closure<dyn FnMut(f64, JsValue)>>,
    handler: FrameHandler,
}

/// Calls a handler with the presentation time (`mediaTime`, seconds) of every frame the video
/// presents, playing or after a seek, until dropped.
pub struct FrameWatch {
    state: Rc<RefCell<WatchState>>,
}

impl FrameWatch {
    /// `None` where the browser has no `requestVideoFrameCallback`.
    pub fn start(video: &HtmlVideoElement, handler: impl FnMut(f64) + 'static) -> Option<Self> {
        if !has_frame_callbacks(video) {
            return None;
        }
        let state = Rc::new(RefCell::new(WatchState {
            video: video.clone(),
            handle: None,
            closure: None,
            handler: Box::new(handler),
        }));
        let weak = Rc::downgrade(&state);
        let closure =
            Closure::<dyn FnMut(f64, JsValue)>::new(move |_now: f64, metadata: JsValue| {
                let Some(state) = weak.upgrade() else { return };
                let media_time = Reflect::get(&metadata, &JsValue::from_str("mediaTime"))
                    .ok()
                    .and_then(|t| t.as_f64());
                if let Some(t) = media_time {
                    (state.borrow_mut().handler)(t);
                }
                request(&state);
            });
        state.borrow_mut().closure = Some(closure);
        request(&state);
        Some(Self { state })
    }
}

fn request(state: &Rc<RefCell<WatchState>>) {
    let mut s = state.borrow_mut();
    let Some(closure) = s.closure.as_ref() else {
        return;
    };
    let callback: &Function = closure.as_ref().unchecked_ref();
    let handle = Reflect::get(&s.video, &JsValue::from_str("requestVideoFrameCallback"))
        .ok()
        .and_then(|f| f.dyn_into::<Function>().ok())
        .and_then(|f| f.call1(&s.video, callback).ok())
        .and_then(|h| h.as_f64());
    s.handle = handle.map(|h| h as u32);
}

impl Drop for FrameWatch {
    fn drop(&mut self) {
        let mut s = self.state.borrow_mut();
        if let Some(handle) = s.handle.take() {
            let cancel = Reflect::get(&s.video, &JsValue::from_str("cancelVideoFrameCallback"))
                .ok()
                .and_then(|f| f.dyn_into::<Function>().ok());
            if let Some(cancel) = cancel {
                let _ = cancel.call1(&s.video, &JsValue::from_f64(f64::from(handle)));
            }
        }
        s.closure = None;
    }
}

/// Starts playback; the error says why the browser refused.
pub async fn play(video: &HtmlVideoElement) -> Result<(), String> {
    let promise = video.play().map_err(|e| super::js_error_text(&e))?;
    JsFuture::from(promise)
        .await
        .map(|_| ())
        .map_err(|e| super::js_error_text(&e))
}

/// The element's size and duration once its metadata is in: (seconds, width, height).
pub fn metadata(video: &HtmlVideoElement) -> (f64, u32, u32) {
    (video.duration(), video.video_width(), video.video_height())
}

/// The presentation time shown, seconds.
pub fn current_time(video: &HtmlVideoElement) -> f64 {
    video.current_time()
}

/// Shows the frame at `seconds` (the element seeks; `seeked` follows).
pub fn set_time(video: &HtmlVideoElement, seconds: f64) {
    video.set_current_time(seconds);
}

pub fn pause(video: &HtmlVideoElement) {
    let _ = video.pause();
}

pub fn paused(video: &HtmlVideoElement) -> bool {
    video.paused()
}

/// The speed playback starts at (1.0 is normal).
pub fn speed(video: &HtmlVideoElement) -> f64 {
    video.default_playback_rate()
}

/// Plays at `speed` now and after the next play.
pub fn set_speed(video: &HtmlVideoElement, speed: f64) {
    video.set_playback_rate(speed);
    video.set_default_playback_rate(speed);
}

/// Muted and at `speed` for now (the rate probe), without touching the speed to come back to.
pub fn set_probing(video: &HtmlVideoElement, probing: bool, speed: f64) {
    video.set_muted(probing);
    video.set_playback_rate(speed);
}

/// The element's `MediaError.code`, 0 when there is none.
pub fn error_code(video: &HtmlVideoElement) -> u16 {
    video.error().map(|e| e.code()).unwrap_or(0)
}

pub fn show_url(video: &HtmlVideoElement, url: &str) {
    video.set_src_object(None);
    video.set_src(url);
}

/// Detaches whatever the element shows (clip or camera).
pub fn clear(video: &HtmlVideoElement) {
    let _ = video.pause();
    video.set_src_object(None);
    let _ = video.remove_attribute("src");
    video.load();
}

type Settle = (js_sys::Function, js_sys::Function);

/// Awaits a video element's events one at a time: each [`EventWaiter::after`] does something
/// (set a source, seek) and resolves on the next `loadeddata` or `seeked`, or fails on `error`.
/// Its listeners live as long as it does.
pub struct EventWaiter {
    video: HtmlVideoElement,
    waiting: Rc<RefCell<Option<Settle>>>,
    on_ready: Closure<dyn FnMut()>,
    on_error: Closure<dyn FnMut()>,
}

const READY_EVENTS: [&str; 2] = ["loadeddata", "seeked"];

impl EventWaiter {
    pub fn new(video: &HtmlVideoElement) -> Result<Self, String> {
        let waiting: Rc<RefCell<Option<Settle>>> = Rc::new(RefCell::new(None));
        let slot = waiting.clone();
        let on_ready = Closure::<dyn FnMut()>::new(move || {
            if let Some((resolve, _)) = slot.borrow_mut().take() {
                let _ = resolve.call0(&JsValue::NULL);
            }
        });
        let slot = waiting.clone();
        let el = video.clone();
        let on_error = Closure::<dyn FnMut()>::new(move || {
            if let Some((_, reject)) = slot.borrow_mut().take() {
                let why = el
                    .error()
                    .map(|e| format!("{} (code {})", e.message(), e.code()))
                    .unwrap_or_else(|| "the browser gave no reason".into());
                let _ = reject.call1(&JsValue::NULL, &JsValue::from_str(&why));
            }
        });
        for event in READY_EVENTS {
            video
                .add_event_listener_with_callback(event, on_ready.as_ref().unchecked_ref())
                .map_err(|e| super::js_error_text(&e))?;
        }
        video
            .add_event_listener_with_callback("error", on_error.as_ref().unchecked_ref())
            .map_err(|e| super::js_error_text(&e))?;
        Ok(Self {
            video: video.clone(),
            waiting,
            on_ready,
            on_error,
        })
    }

    /// Runs `action` on the element, then waits for the event it causes.
    pub async fn after(&self, action: impl FnOnce(&HtmlVideoElement)) -> Result<(), String> {
        let slot = self.waiting.clone();
        let promise = js_sys::Promise::new(&mut |resolve, reject| {
            *slot.borrow_mut() = Some((resolve, reject));
        });
        action(&self.video);
        JsFuture::from(promise)
            .await
            .map(|_| ())
            .map_err(|e| e.as_string().unwrap_or_else(|| super::js_error_text(&e)))
    }
}

impl Drop for EventWaiter {
    fn drop(&mut self) {
        for event in READY_EVENTS {
            let _ = self
                .video
                .remove_event_listener_with_callback(event, self.on_ready.as_ref().unchecked_ref());
        }
        let _ = self
            .video
            .remove_event_listener_with_callback("error", self.on_error.as_ref().unchecked_ref());
    }
}
