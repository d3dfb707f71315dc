//! The Web Worker's side: requests in (`onmessage`: an envelope and, for a frame, a transferred
//! `VideoFrame` or `ImageBitmap`), replies out (`postMessage`), fetches of model files, and frames drawn to an
//! `OffscreenCanvas`. Requests are answered one at a time, in order, by one task.
//!
//! The messages are plain `postMessage` with serde-wasm-bindgen rather than `gloo-worker`: its
//! codec serializes every message to bytes, and frames must travel as transferables.

use std::cell::{Cell, RefCell};
use std::collections::{HashMap, VecDeque};
use std::rc::Rc;

use microact_core::time::FrameRate;
use microact_models::frame::{FrameStats, Rect, Size, rgba_to_tensor};
use microact_models::manifest::{Classes, Manifest};
use microact_models::pose::estimator::Estimator;
use microact_models::selftest;
use microact_protocol::{
    Actions, Envelope, LiveModel, Person, PersonFrames, Reply, Request, SelfTest, TensorStats,
};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::{JsFuture, spawn_local};
use web_sys::{
    Blob, CanvasRenderingContext2d, ImageBitmap, OffscreenCanvas, VideoFrame, WorkerGlobalScope,
};

use crate::compute::Devices;
use crate::decode::{Decoder, js_error_text};
use crate::error::SelfTestFailure;
use crate::live::{self, Live, Recognizer, Step};
use crate::pose::{self, Placement, Session};
use crate::teach;
use crate::{ClipError, EngineError, FetchError, FrameError, analysis, bench, demux, yuv};

/// A request as it arrived: its envelope and the frame beside it.
struct Incoming {
    envelope: Envelope<Request>,
    frame: Option<Moved>,
    /// A clip's file, for analysis.
    clip: Option<Blob>,
}

/// Requests waiting, and whether the task answering them runs.
#[derive(Default)]
struct Queue {
    waiting: VecDeque<Incoming>,
    running: bool,
}

/// What the engine keeps between requests.
#[derive(Default)]
struct Engine {
    devices: Devices,
    manifest: Option<Manifest>,
    sessions: HashMap<u32, Session>,
    /// Each session's live-actions window.
    live: HashMap<u32, Live>,
    recognizer: Option<Recognizer>,
    canvas: Option<OffscreenCanvas>,
    /// Set by a [`Request::Cancel`] as it arrives; a running analysis stops at it.
    cancelled: Rc<Cell<bool>>,
    /// A live window due, classified once the frame's people are sent (`after_reply`), so
    /// that the recognizer never holds a frame's round trip.
    deferred: Option<Deferred>,
    /// Each session's guess made after its last reply, sent with its next.
    guesses: HashMap<u32, Actions>,
}

/// A live window waiting for the recognizer.
struct Deferred {
    id: u64,
    session: u32,
    recognizer: LiveModel,
    backend: microact_protocol::Backend,
    window: microact_models::action::Sequence,
}

// Only web-sys features the page's build also turns on are used here (see Cargo.toml): the
// dedicated worker's `postMessage` is imported directly, and the offscreen canvas's 2D context is
// driven through `CanvasRenderingContext2d`'s methods, which it has by the same names.
#[wasm_bindgen]
extern "C" {
    /// `DedicatedWorkerGlobalScope.postMessage`: to the page.
    #[wasm_bindgen(js_name = postMessage, catch)]
    fn post_message(message: &JsValue) -> Result<(), JsValue>;
}

fn scope() -> WorkerGlobalScope {
    js_sys::global().unchecked_into()
}

fn now_ms() -> f64 {
    scope().performance().map(|p| p.now()).unwrap_or(0.0)
}

fn post(id: u64, body: Reply) {
    let envelope = Envelope { id, body };
    match serde_wasm_bindgen::to_value(&envelope) {
        Ok(value) => {
            if let Err(e) = post_message(&value) {
                web_sys::console::error_1(&e);
            }
        }
        Err(e) => web_sys::console::error_1(&JsValue::from_str(&e.to_string())),
    }
}

/// Starts reading requests; says so to the page.
pub fn serve() {
    let queue = Rc::new(RefCell::new(Queue::default()));
    let cancelled = Rc::new(Cell::new(false));
    let engine = Rc::new(RefCell::new(Some(Engine {
        cancelled: cancelled.clone(),
        ..Engine::default()
    })));
    let on_message =
        Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |event: web_sys::MessageEvent| {
            let data = event.data();
            let envelope = js_sys::Reflect::get(&data, &JsValue::from_str("envelope"))
                .ok()
                .and_then(|v| serde_wasm_bindgen::from_value::<Envelope<Request>>(v).ok());
            let Some(envelope) = envelope else {
                web_sys::console::error_1(&JsValue::from_str("engine: an unreadable request"));
                return;
            };
            if envelope.body == Request::Cancel {
                cancelled.set(true);
            }
            let frame = js_sys::Reflect::get(&data, &JsValue::from_str("frame"))
                .ok()
                .and_then(|v| match v.dyn_into::<ImageBitmap>() {
                    Ok(bitmap) => Some(Moved::Bitmap(bitmap)),
                    Err(v) => v.dyn_into::<VideoFrame>().ok().map(Moved::Video),
                });
            let clip = js_sys::Reflect::get(&data, &JsValue::from_str("clip"))
                .ok()
                .and_then(|v| v.dyn_into::<Blob>().ok());
            queue.borrow_mut().waiting.push_back(Incoming {
                envelope,
                frame,
                clip,
            });
            drain(queue.clone(), engine.clone());
        });
    if let Err(e) =
        scope().add_event_listener_with_callback("message", on_message.as_ref().unchecked_ref())
    {
        web_sys::console::error_1(&e);
    }
    // The handler lives as long as the worker.
    on_message.forget();
    post(0, Reply::Started);
}

/// Answers the waiting requests in order, unless a task already does.
fn drain(queue: Rc<RefCell<Queue>>, engine: Rc<RefCell<Option<Engine>>>) {
    if std::mem::replace(&mut queue.borrow_mut().running, true) {
        return;
    }
    spawn_local(async move {
        loop {
            let next = queue.borrow_mut().waiting.pop_front();
            let Some(incoming) = next else { break };
            // Taken out for the await: the one task owns it meanwhile.
            let Some(mut state) = engine.borrow_mut().take() else {
                break;
            };
            let id = incoming.envelope.id;
            let reply = state.answer(incoming).await.unwrap_or_else(Reply::from);
            post(id, reply);
            state.after_reply().await;
            *engine.borrow_mut() = Some(state);
        }
        queue.borrow_mut().running = false;
    });
}

impl Engine {
    async fn answer(&mut self, incoming: Incoming) -> Result<Reply, EngineError> {
        let Incoming {
            envelope,
            frame,
            clip,
        } = incoming;
        match envelope.body {
            Request::Reset { session } => {
                if let Some(s) = self.sessions.get_mut(&session) {
                    s.estimator.reset();
                }
                if let Some(l) = self.live.get_mut(&session) {
                    l.reset();
                }
                Ok(Reply::Done)
            }
            Request::Score {
                recognizer,
                backend,
                people,
            } => self.score(envelope.id, &recognizer, backend, &people).await,
            Request::Teach {
                base,
                backend,
                version,
                labels,
                examples,
                fine_tune,
            } => {
                self.cancelled.set(false);
                let lesson = teach::Lesson {
                    version,
                    labels: &labels,
                    examples: &examples,
                    fine_tune,
                };
                self.teach(envelope.id, &base, backend, lesson).await
            }
            Request::ProposeTaught {
                model,
                backend,
                people,
            } => {
                let device = self.devices.get(backend).await?;
                let base = self
                    .recognizer(envelope.id, &model.base.recognizer, backend, &device)
                    .await?;
                teach::check_base(&model, base)?;
                let started = now_ms();
                let people = teach::propose_people(&model, base, &people, &device).await?;
                Ok(Reply::TaughtProposals {
                    people,
                    ms: now_ms() - started,
                })
            }
            Request::Analyse {
                session,
                model,
                backend,
                rate,
                frames,
                from,
                multi,
            } => {
                self.cancelled.set(false);
                let clip = clip.ok_or(FrameError::NoClip)?;
                self.analyse(
                    envelope.id,
                    session,
                    &model,
                    backend,
                    &clip,
                    rate,
                    frames,
                    from,
                    multi,
                )
                .await
            }
            // Read as it arrives (`serve`); one that waited in the queue has nothing to stop.
            Request::Cancel => Ok(Reply::Done),
            Request::SelfTest { backend } => Ok(Reply::SelfTest(self.self_test(backend).await)),
            Request::Tensor { backend } => {
                let frame = frame.ok_or(FrameError::NoFrame)?;
                let stats = self.tensor(backend, frame.picture()).await;
                frame.close();
                Ok(Reply::Tensor(stats?))
            }
            Request::BenchPose { runs, cpu_only } => {
                let manifest = self.manifest().await?;
                let mut files = Vec::new();
                for (model, frame) in bench::MODELS {
                    if !files.iter().any(|(n, _)| n == model) {
                        let file = &manifest.get(model)?.file;
                        files.push((
                            model.to_string(),
                            fetch_bytes(&format!("models/{file}")).await?,
                        ));
                    }
                    if !files.iter().any(|(n, _)| n == frame) {
                        files.push((frame.to_string(), fetch_bytes(frame).await?));
                    }
                }
                let inputs = bench::Inputs { manifest, files };
                let (rows, profiles) =
                    bench::run(&mut self.devices, &inputs, runs, cpu_only, &now_ms).await?;
                Ok(Reply::Bench { rows, profiles })
            }
            Request::Pose {
                session,
                model,
                backend,
                live,
                timestamp_ms,
                actions,
                multi,
            } => {
                let frame = frame.ok_or(FrameError::NoFrame)?;
                let result = self
                    .pose(
                        envelope.id,
                        session,
                        &model,
                        backend,
                        multi,
                        live,
                        timestamp_ms,
                        frame.picture(),
                    )
                    .await;
                frame.close();
                let (people, inputs, ms) = result?;
                let actions = match actions {
                    Some(recognizer) => {
                        self.actions(envelope.id, session, &recognizer, backend, &people, live)
                            .await
                    }
                    None => None,
                };
                Ok(Reply::Pose {
                    people,
                    ms,
                    inputs,
                    actions,
                })
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    async fn pose(
        &mut self,
        id: u64,
        session: u32,
        model: &str,
        backend: microact_protocol::Backend,
        multi: microact_protocol::MultiPose,
        live: bool,
        timestamp_ms: f64,
        frame: Picture<'_>,
    ) -> Result<(Vec<Person>, Vec<Size>, f64), EngineError> {
        let device = self.devices.get(backend).await?;
        self.load_session(id, session, model, backend, &device)
            .await?;
        let canvas = self.canvas()?;
        let started = now_ms();
        let source = frame.size();
        let s = self
            .sessions
            .get_mut(&session)
            .ok_or(FrameError::SessionGone)?;
        s.estimator.set_multi(pose::multi_input(multi));
        let canvas = &canvas;
        let (people, inputs) = pose::estimate(
            &mut s.estimator,
            &device,
            source,
            live,
            timestamp_ms,
            |p| async move { read_region(frame, canvas, &p).await },
        )
        .await?;
        Ok((people, inputs, now_ms() - started))
    }

    /// Session `session` running `model` on `backend` (fetched, checked and loaded unless it
    /// already does, with the page told it is loading).
    async fn load_session(
        &mut self,
        id: u64,
        session: u32,
        model: &str,
        backend: microact_protocol::Backend,
        device: &microact_models::burn::tensor::Device,
    ) -> Result<(), EngineError> {
        if self
            .sessions
            .get(&session)
            .is_some_and(|s| s.runs(model, backend))
        {
            return Ok(());
        }
        post(
            id,
            Reply::Loading {
                model: model.to_string(),
            },
        );
        let manifest = self.manifest().await?;
        let file = manifest.get(model)?.file.clone();
        let bytes = fetch_bytes(&format!("models/{file}")).await?;
        let net = pose::load(&manifest, model, bytes, backend, device)?;
        self.sessions.insert(
            session,
            Session {
                model: model.to_string(),
                backend,
                estimator: Estimator::new(net),
            },
        );
        Ok(())
    }

    /// Clip analysis's pose pass on frames the engine decodes itself (see [`Request::Analyse`]).
    #[allow(clippy::too_many_arguments)]
    async fn analyse(
        &mut self,
        id: u64,
        session: u32,
        model: &str,
        backend: microact_protocol::Backend,
        clip: &Blob,
        rate: FrameRate,
        frames: u64,
        from: u64,
        multi: microact_protocol::MultiPose,
    ) -> Result<Reply, EngineError> {
        let device = self.devices.get(backend).await?;
        self.load_session(id, session, model, backend, &device)
            .await?;
        let track = demux::open(&read_blob(clip).await?).map_err(ClipError::from)?;
        // Resuming: from the last key frame at or before the first frame wanted.
        let from_us = (rate.start_of(from) * 1e6) as i64;
        let start = track
            .chunks
            .iter()
            .rposition(|c| c.key && c.timestamp_us <= from_us)
            .unwrap_or(0);
        let mut decoder = Decoder::new(track, start).await?;
        let (mut decode_ms, mut pose_ms, mut done) = (0.0, 0.0, 0u64);
        // The next frame number to answer: each is answered once, in order.
        let mut next = from;
        loop {
            if self.cancelled.get() {
                break;
            }
            let waited = now_ms();
            let frame = match decoder.next().await {
                Ok(Some(frame)) => frame,
                Ok(None) => break,
                Err(e) if done == 0 => return Err(e.into()),
                Err(e) => {
                    return Err(ClipError::After {
                        done,
                        source: Box::new(e),
                    }
                    .into());
                }
            };
            decode_ms += now_ms() - waited;
            let number = rate.frame_at(frame.timestamp() / 1e6);
            if number < next || number >= frames {
                frame.close();
                continue;
            }
            let started = now_ms();
            let result = self
                .pose(
                    id,
                    session,
                    model,
                    backend,
                    multi,
                    true,
                    rate.start_of(number) * 1000.0,
                    Picture::Video(&frame),
                )
                .await;
            frame.close();
            let (people, _, _) = result?;
            pose_ms += now_ms() - started;
            post(
                id,
                Reply::Analysed {
                    frame: number,
                    people,
                },
            );
            done += 1;
            next = number + 1;
            if next >= frames {
                break;
            }
        }
        Ok(Reply::Decoded {
            frames: done,
            decode_ms,
            pose_ms,
        })
    }

    /// The live actions after a frame's `people`: what the window says, or the guess made on the
    /// window due at the frame before (a window due now is classified after this reply, loading
    /// `recognizer` first if it is not the one loaded).
    async fn actions(
        &mut self,
        id: u64,
        session: u32,
        recognizer: &LiveModel,
        backend: microact_protocol::Backend,
        people: &[Person],
        live: bool,
    ) -> Option<Actions> {
        let ready = self.guesses.remove(&session);
        match self.live.entry(session).or_default().take(people, live) {
            Step::Say(actions) => Some(actions),
            Step::Nothing => ready,
            Step::Window(window) => {
                self.deferred = Some(Deferred {
                    id,
                    session,
                    recognizer: recognizer.clone(),
                    backend,
                    window,
                });
                ready
            }
        }
    }

    /// The work a reply left: a live window's guess, kept for the session's next reply.
    async fn after_reply(&mut self) {
        let Some(d) = self.deferred.take() else {
            return;
        };
        let guess = async {
            let device = self.devices.get(d.backend).await?;
            match &d.recognizer {
                LiveModel::Shipped(name) => {
                    let r = self.recognizer(d.id, name, d.backend, &device).await?;
                    live::guess(r, &d.window, &device, now_ms).await
                }
                LiveModel::Taught(model) => {
                    let base = &model.base.recognizer;
                    let r = self.recognizer(d.id, base, d.backend, &device).await?;
                    teach::check_base(model, r)?;
                    live::guess_taught(model, r, &d.window, &device, now_ms).await
                }
            }
        };
        let actions = guess.await.unwrap_or_else(Actions::from);
        self.guesses.insert(d.session, actions);
    }

    /// Recognizer `name` loaded for `backend` (fetched, checked and loaded unless it is the one
    /// loaded, with the page told it is loading).
    async fn recognizer(
        &mut self,
        id: u64,
        name: &str,
        backend: microact_protocol::Backend,
        device: &microact_models::burn::tensor::Device,
    ) -> Result<&Recognizer, EngineError> {
        let loaded = self
            .recognizer
            .as_ref()
            .is_some_and(|r| r.name == name && r.backend == backend);
        if !loaded {
            post(
                id,
                Reply::Loading {
                    model: name.to_string(),
                },
            );
            self.recognizer = None;
            let manifest = self.manifest().await?;
            let file = manifest.get(name)?.file.clone();
            let bytes = fetch_bytes(&format!("models/{file}")).await?;
            self.recognizer = Some(Recognizer::load(&manifest, name, backend, bytes, device)?);
        }
        self.recognizer
            .as_ref()
            .ok_or(EngineError::RecognizerNotLoaded)
    }

    /// Clip analysis's scores for each person.
    async fn score(
        &mut self,
        id: u64,
        name: &str,
        backend: microact_protocol::Backend,
        people: &[PersonFrames],
    ) -> Result<Reply, EngineError> {
        let device = self.devices.get(backend).await?;
        let recognizer = self.recognizer(id, name, backend, &device).await?;
        let started = now_ms();
        let mut scored = Vec::with_capacity(people.len());
        for person in people {
            if let Some(s) = analysis::score(recognizer, person, &device).await? {
                scored.push(s);
            }
        }
        Ok(Reply::Scores {
            model: name.to_string(),
            labels: recognizer.spec.label_set(),
            people: scored,
            ms: now_ms() - started,
        })
    }

    /// A model taught from `lesson` over recognizer `base`, progress posted as it goes; a
    /// cancel ends it with [`Reply::Done`].
    async fn teach(
        &mut self,
        id: u64,
        base: &str,
        backend: microact_protocol::Backend,
        lesson: teach::Lesson<'_>,
    ) -> Result<Reply, EngineError> {
        let device = self.devices.get(backend).await?;
        let cancelled = self.cancelled.clone();
        let recognizer = self.recognizer(id, base, backend, &device).await?;
        let taught = teach::teach(
            recognizer,
            lesson,
            &device,
            |done, total| post(id, Reply::Teaching { done, total }),
            || cancelled.get(),
            now_ms,
        )
        .await?;
        Ok(match taught {
            Ok(model) => Reply::Taught { model },
            Err(teach::Cancelled) => Reply::Done,
        })
    }

    /// The self-test on `backend`: a device, a small computation, its result checked.
    async fn self_test(&mut self, backend: microact_protocol::Backend) -> SelfTest {
        self.run_self_test(backend)
            .await
            .unwrap_or_else(SelfTest::from)
    }

    async fn run_self_test(
        &mut self,
        backend: microact_protocol::Backend,
    ) -> Result<SelfTest, SelfTestFailure> {
        let device = self.devices.get(backend).await?;
        let started = now_ms();
        let report = selftest::run(&device).await?;
        if !report.passed() {
            return Err(SelfTestFailure::Wrong {
                max_abs_error: report.max_abs_error,
                total: report.total,
            });
        }
        Ok(SelfTest::Passed {
            max_abs_error: report.max_abs_error,
            ms: now_ms() - started,
        })
    }

    /// `frame` (a model's input, drawn at its size) as the tensor models read, summarised.
    async fn tensor(
        &mut self,
        backend: microact_protocol::Backend,
        frame: Picture<'_>,
    ) -> Result<TensorStats, EngineError> {
        let device = self.devices.get(backend).await?;
        let canvas = self.canvas()?;
        let started = now_ms();
        let size = frame.size();
        let whole = Rect {
            x: 0.0,
            y: 0.0,
            width: f64::from(size.width),
            height: f64::from(size.height),
        };
        let whole = Placement {
            size,
            source: whole,
            dest: whole,
        };
        let rgba = read_region(frame, &canvas, &whole).await?;
        let tensor = rgba_to_tensor(&rgba, size, &device)?;
        let stats = FrameStats::of(tensor).await?;
        Ok(TensorStats {
            shape: stats.shape,
            mean: stats.mean,
            std: stats.std,
            min: stats.min,
            max: stats.max,
            ms: now_ms() - started,
        })
    }

    /// The canvas frames are drawn on (made at the first frame, kept).
    fn canvas(&mut self) -> Result<OffscreenCanvas, EngineError> {
        if let Some(canvas) = &self.canvas {
            return Ok(canvas.clone());
        }
        let canvas =
            OffscreenCanvas::new(1, 1).map_err(|e| FrameError::Canvas(js_error_text(&e)))?;
        self.canvas = Some(canvas.clone());
        Ok(canvas)
    }

    async fn manifest(&mut self) -> Result<Manifest, EngineError> {
        if let Some(m) = &self.manifest {
            return Ok(m.clone());
        }
        let url = "models/manifest.json";
        let bytes = fetch_bytes(url).await?;
        let text = String::from_utf8(bytes).map_err(|_| FetchError::NotText {
            url: url.to_string(),
        })?;
        let manifest = Manifest::parse(&text)?;
        self.manifest = Some(manifest.clone());
        Ok(manifest)
    }
}

/// A frame the page moved here: a video's `VideoFrame`, or an `ImageBitmap` (a canvas, or a
/// browser without WebCodecs).
enum Moved {
    Bitmap(ImageBitmap),
    Video(VideoFrame),
}

impl Moved {
    fn picture(&self) -> Picture<'_> {
        match self {
            Moved::Bitmap(b) => Picture::Bitmap(b),
            Moved::Video(f) => Picture::Video(f),
        }
    }

    /// Lets go of its memory (a video frame holds the decoder's).
    fn close(&self) {
        match self {
            Moved::Bitmap(b) => b.close(),
            Moved::Video(f) => f.close(),
        }
    }
}

/// A frame the engine reads: moved from the page, or out of its own decoder.
#[derive(Clone, Copy)]
enum Picture<'a> {
    Bitmap(&'a ImageBitmap),
    Video(&'a VideoFrame),
}

impl Picture<'_> {
    fn size(self) -> Size {
        match self {
            Picture::Bitmap(b) => Size::new(b.width(), b.height()),
            Picture::Video(f) => Size::new(f.display_width(), f.display_height()),
        }
    }
}

/// The `placement.source` part of `frame` at the network's size, as RGBA bytes: read from a
/// video frame's YUV planes where it can be ([`read_planes`]), else drawn on `canvas`.
async fn read_region(
    frame: Picture<'_>,
    canvas: &OffscreenCanvas,
    placement: &Placement,
) -> Result<Vec<u8>, FrameError> {
    if let Picture::Video(f) = frame
        && let Some(rgba) = read_planes(f, placement).await
    {
        return Ok(rgba);
    }
    draw_region(frame, canvas, placement)
}

/// A number property of `object` (0 when it has none).
fn number(object: &JsValue, key: &str) -> f64 {
    js_sys::Reflect::get(object, &JsValue::from_str(key))
        .ok()
        .and_then(|v| v.as_f64())
        .unwrap_or(0.0)
}

fn property(object: &JsValue, key: &str) -> JsValue {
    js_sys::Reflect::get(object, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

/// What [`draw_region`] gives, read from `frame`'s YUV planes: only the crop's planes are copied
/// out (`copyTo` with a rect) and the network's pixels sampled from them ([`yuv`]). `None` where
/// that does not apply (another pixel format, non-square pixels, nothing of the frame in the
/// crop, a failed copy): the canvas draws it then.
async fn read_planes(frame: &VideoFrame, p: &Placement) -> Option<Vec<u8>> {
    let layout = match property(frame, "format").as_string().as_deref() {
        Some("I420") => yuv::Layout::I420,
        Some("NV12") => yuv::Layout::Nv12,
        _ => return None,
    };
    let visible = property(frame, "visibleRect");
    let (vx, vy) = (number(&visible, "x"), number(&visible, "y"));
    let (vw, vh) = (
        number(&visible, "width") as u32,
        number(&visible, "height") as u32,
    );
    if vw != frame.display_width() || vh != frame.display_height() {
        return None;
    }
    // The part of the crop inside the frame and what sampling reaches around it, on even pixels.
    let [x0, y0, x1, y1] = yuv::copy_rect(p.source, vw, vh)?;
    let rect = js_sys::Object::new();
    for (key, value) in [
        ("x", vx + f64::from(x0)),
        ("y", vy + f64::from(y0)),
        ("width", f64::from(x1 - x0)),
        ("height", f64::from(y1 - y0)),
    ] {
        let _ = js_sys::Reflect::set(&rect, &key.into(), &value.into());
    }
    let options = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&options, &"rect".into(), &rect);
    let call = |name: &str, args: &js_sys::Array| {
        property(frame, name)
            .dyn_into::<js_sys::Function>()
            .ok()?
            .apply(frame, args)
            .ok()
    };
    let size = call("allocationSize", &js_sys::Array::of1(&options))?.as_f64()? as u32;
    let buffer = js_sys::Uint8Array::new_with_length(size);
    let copied = call("copyTo", &js_sys::Array::of2(&buffer, &options))?;
    let layouts = JsFuture::from(copied.dyn_into::<js_sys::Promise>().ok()?)
        .await
        .ok()?;
    let layouts: Vec<JsValue> = js_sys::Array::from(&layouts).iter().collect();
    let (mut offsets, mut strides) = ([0usize; 3], [0usize; 3]);
    for (i, l) in layouts.iter().take(3).enumerate() {
        offsets[i] = number(l, "offset") as usize;
        strides[i] = number(l, "stride") as usize;
    }
    let data = buffer.to_vec();
    let space = property(frame, "colorSpace");
    let colour = yuv::Colour::from_tags(
        property(&space, "matrix").as_string().as_deref(),
        property(&space, "fullRange").as_bool().unwrap_or(false),
        vh,
    );
    let planes = yuv::Planes {
        layout,
        data: &data,
        offsets,
        strides,
        x: x0,
        y: y0,
        width: x1 - x0,
        height: y1 - y0,
    };
    Some(yuv::crop_to_rgba(
        &planes,
        colour,
        p.source,
        p.dest,
        p.size.width,
        p.size.height,
    ))
}

/// The `placement.source` part of `frame` drawn into `placement.dest` on a black canvas of the
/// network's size, as RGBA bytes (parts outside the frame stay black).
fn draw_region(
    frame: Picture,
    canvas: &OffscreenCanvas,
    placement: &Placement,
) -> Result<Vec<u8>, FrameError> {
    let Placement { size, source, dest } = placement;
    if canvas.width() != size.width || canvas.height() != size.height {
        canvas.set_width(size.width);
        canvas.set_height(size.height);
    }
    // Read back every frame: a canvas kept in memory, not on the GPU (the first call's options
    // are the context's for good).
    let options = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&options, &"willReadFrequently".into(), &JsValue::TRUE);
    let context = canvas
        .get_context_with_context_options("2d", &options)
        .ok()
        .flatten()
        .map(|c| c.unchecked_into::<CanvasRenderingContext2d>())
        .ok_or(FrameError::NoContext)?;
    let (w, h) = (f64::from(size.width), f64::from(size.height));
    context.set_fill_style_str("black");
    context.fill_rect(0.0, 0.0, w, h);
    let drawn = match frame {
        Picture::Bitmap(b) => context
            .draw_image_with_image_bitmap_and_sw_and_sh_and_dx_and_dy_and_dw_and_dh(
                b,
                source.x,
                source.y,
                source.width,
                source.height,
                dest.x,
                dest.y,
                dest.width,
                dest.height,
            ),
        Picture::Video(f) => context
            .draw_image_with_video_frame_and_sw_and_sh_and_dx_and_dy_and_dw_and_dh(
                f,
                source.x,
                source.y,
                source.width,
                source.height,
                dest.x,
                dest.y,
                dest.width,
                dest.height,
            ),
    };
    drawn.map_err(|e| FrameError::Draw(js_error_text(&e)))?;
    let image = context
        .get_image_data(0.0, 0.0, w, h)
        .map_err(|e| FrameError::ReadCanvas(js_error_text(&e)))?;
    Ok(image.data().0)
}

/// A clip's bytes.
async fn read_blob(blob: &Blob) -> Result<Vec<u8>, ClipError> {
    let buffer = JsFuture::from(blob.array_buffer())
        .await
        .map_err(|e| ClipError::Read(js_error_text(&e)))?;
    Ok(js_sys::Uint8Array::new(&buffer).to_vec())
}

/// The bytes at `url` (relative to the worker's script, which sits beside the page).
async fn fetch_bytes(url: &str) -> Result<Vec<u8>, FetchError> {
    let failed = |e: JsValue| FetchError::Network {
        url: url.to_string(),
        why: js_error_text(&e),
    };
    let response = JsFuture::from(scope().fetch_with_str(url))
        .await
        .map_err(failed)?;
    let response: web_sys::Response = response.dyn_into().map_err(|_| FetchError::NoResponse {
        url: url.to_string(),
    })?;
    if !response.ok() {
        return Err(FetchError::Status {
            url: url.to_string(),
            status: response.status(),
            status_text: response.status_text(),
        });
    }
    let buffer = response.array_buffer().map_err(failed)?;
    let buffer = JsFuture::from(buffer).await.map_err(failed)?;
    Ok(js_sys::Uint8Array::new(&buffer).to_vec())
}
