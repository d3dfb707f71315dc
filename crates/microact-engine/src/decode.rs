//! WebCodecs' `VideoDecoder` over a demuxed clip ([`crate::demux`]): coded frames in, decoded
//! `VideoFrame`s out in presentation order, a few at a time (a decoder stalls when too many of
//! its frames are held, and frames wait while pose runs).
//!
//! `VideoDecoder` and `EncodedVideoChunk` are bound here by hand: web-sys has them only behind
//! `--cfg=web_sys_unstable_apis`, a flag that would apply to the whole build of both modules.
//! `VideoFrame`, which web-sys has as a stable API, is web-sys's.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;

use futures_channel::oneshot;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::{JsFuture, spawn_local};
use web_sys::VideoFrame;

use crate::ClipError;
use crate::demux::{Chunk, VideoTrack};

#[wasm_bindgen]
extern "C" {
    type VideoDecoder;

    #[wasm_bindgen(constructor, catch)]
    fn new(init: &js_sys::Object) -> Result<VideoDecoder, JsValue>;

    #[wasm_bindgen(method, catch)]
    fn configure(this: &VideoDecoder, config: &js_sys::Object) -> Result<(), JsValue>;

    #[wasm_bindgen(method, catch)]
    fn decode(this: &VideoDecoder, chunk: &EncodedVideoChunk) -> Result<(), JsValue>;

    #[wasm_bindgen(method)]
    fn flush(this: &VideoDecoder) -> js_sys::Promise;

    #[wasm_bindgen(method, catch)]
    fn close(this: &VideoDecoder) -> Result<(), JsValue>;

    #[wasm_bindgen(method, getter, js_name = decodeQueueSize)]
    fn decode_queue_size(this: &VideoDecoder) -> u32;

    #[wasm_bindgen(static_method_of = VideoDecoder, js_name = isConfigSupported, catch)]
    fn is_config_supported(config: &js_sys::Object) -> Result<js_sys::Promise, JsValue>;

    type EncodedVideoChunk;

    #[wasm_bindgen(constructor, catch)]
    fn new(init: &js_sys::Object) -> Result<EncodedVideoChunk, JsValue>;
}

/// Decoded frames held at once (waiting for pose, or being decoded).
const AHEAD: usize = 4;

/// What the decoder's callbacks hand over.
enum Out {
    Frame(VideoFrame),
    Failed(String),
    /// Every frame is out (the flush resolved).
    End,
}

#[derive(Default)]
struct Queue {
    out: VecDeque<Out>,
    waiting: Option<oneshot::Sender<()>>,
}

impl Queue {
    fn push(queue: &RefCell<Queue>, out: Out) {
        let mut q = queue.borrow_mut();
        q.out.push_back(out);
        if let Some(waiting) = q.waiting.take() {
            let _ = waiting.send(());
        }
    }
}

/// A decoder working through a clip's chunks from a key frame.
pub struct Decoder {
    inner: VideoDecoder,
    queue: Rc<RefCell<Queue>>,
    chunks: Vec<Chunk>,
    next: usize,
    flushed: bool,
    /// The decoder's callbacks, kept alive with it.
    _output: Closure<dyn FnMut(VideoFrame)>,
    _error: Closure<dyn FnMut(JsValue)>,
}

fn set(object: &js_sys::Object, key: &str, value: &JsValue) {
    let _ = js_sys::Reflect::set(object, &JsValue::from_str(key), value);
}

/// A JavaScript error's message (or the value as text).
pub(crate) fn js_error_text(value: &JsValue) -> String {
    if let Some(error) = value.dyn_ref::<js_sys::Error>() {
        return String::from(error.message());
    }
    value.as_string().unwrap_or_else(|| format!("{value:?}"))
}

/// WebCodecs refused a call: its words.
fn failed(value: JsValue) -> ClipError {
    ClipError::Decoder(js_error_text(&value))
}

impl Decoder {
    /// A decoder for `track` that starts at chunk `start` (a key frame); the reason when the
    /// browser has no decoder for its codec.
    pub async fn new(track: VideoTrack, start: usize) -> Result<Decoder, ClipError> {
        let config = js_sys::Object::new();
        set(&config, "codec", &JsValue::from_str(&track.codec));
        if let Some(description) = &track.description {
            set(
                &config,
                "description",
                &js_sys::Uint8Array::from(description.as_slice()),
            );
        }
        if track.width > 0 && track.height > 0 {
            set(&config, "codedWidth", &JsValue::from(track.width));
            set(&config, "codedHeight", &JsValue::from(track.height));
        }
        let supported = match VideoDecoder::is_config_supported(&config) {
            Ok(promise) => JsFuture::from(promise).await,
            Err(e) => Err(e),
        }
        .map_err(|e| ClipError::NoWebCodecs(js_error_text(&e)))?;
        let supported = js_sys::Reflect::get(&supported, &JsValue::from_str("supported"))
            .ok()
            .and_then(|v| v.as_bool())
            .unwrap_or(false);
        if !supported {
            return Err(ClipError::Codec(track.codec));
        }
        let queue = Rc::new(RefCell::new(Queue::default()));
        let q = queue.clone();
        let output = Closure::<dyn FnMut(VideoFrame)>::new(move |frame: VideoFrame| {
            Queue::push(&q, Out::Frame(frame));
        });
        let q = queue.clone();
        let error = Closure::<dyn FnMut(JsValue)>::new(move |e: JsValue| {
            Queue::push(&q, Out::Failed(js_error_text(&e)));
        });
        let init = js_sys::Object::new();
        set(&init, "output", output.as_ref());
        set(&init, "error", error.as_ref());
        let inner = VideoDecoder::new(&init).map_err(failed)?;
        inner.configure(&config).map_err(failed)?;
        Ok(Decoder {
            inner,
            queue,
            chunks: track.chunks,
            next: start,
            flushed: false,
            _output: output,
            _error: error,
        })
    }

    /// The next decoded frame in presentation order; `Ok(None)` after the last.
    pub async fn next(&mut self) -> Result<Option<VideoFrame>, ClipError> {
        loop {
            self.feed()?;
            let out = self.queue.borrow_mut().out.pop_front();
            match out {
                Some(Out::Frame(frame)) => return Ok(Some(frame)),
                Some(Out::Failed(why)) => return Err(ClipError::Decoder(why)),
                Some(Out::End) => return Ok(None),
                None => {
                    let (tx, rx) = oneshot::channel();
                    self.queue.borrow_mut().waiting = Some(tx);
                    // The sender lives in the queue until a callback fires.
                    let _ = rx.await;
                }
            }
        }
    }

    /// Hands the decoder chunks until `AHEAD` frames are under way, then the flush.
    fn feed(&mut self) -> Result<(), ClipError> {
        let held = self.queue.borrow().out.len();
        while self.next < self.chunks.len()
            && held + self.inner.decode_queue_size() as usize <= AHEAD
        {
            let chunk = &self.chunks[self.next];
            let init = js_sys::Object::new();
            set(
                &init,
                "type",
                &JsValue::from_str(if chunk.key { "key" } else { "delta" }),
            );
            set(
                &init,
                "timestamp",
                &JsValue::from_f64(chunk.timestamp_us as f64),
            );
            set(
                &init,
                "data",
                &js_sys::Uint8Array::from(chunk.data.as_slice()),
            );
            let encoded = EncodedVideoChunk::new(&init).map_err(failed)?;
            self.inner.decode(&encoded).map_err(failed)?;
            self.next += 1;
        }
        if self.next == self.chunks.len() && !self.flushed {
            self.flushed = true;
            let flush = JsFuture::from(self.inner.flush());
            let queue = self.queue.clone();
            spawn_local(async move {
                let out = match flush.await {
                    Ok(_) => Out::End,
                    Err(e) => Out::Failed(js_error_text(&e)),
                };
                Queue::push(&queue, out);
            });
        }
        Ok(())
    }
}

impl Drop for Decoder {
    fn drop(&mut self) {
        // Frames not taken hold the decoder's memory until closed.
        for out in self.queue.borrow_mut().out.drain(..) {
            if let Out::Frame(frame) = out {
                frame.close();
            }
        }
        let _ = self.inner.close();
    }
}
