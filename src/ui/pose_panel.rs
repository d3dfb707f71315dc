//! Pose on the video: a toggle that runs MoveNet on the frame on screen (a paused clip frame,
//! a playing clip or the camera, one frame in flight, frames dropped rather than queued) and
//! draws each person's skeleton over the video in their own colour.

use leptos::html::Canvas;
use leptos::prelude::*;
use leptos::task::spawn_local;
use microact_core::labels::palette;
use microact_models::burn::tensor::Device;
use microact_models::frame::{Rect, rgba_to_tensor};
use microact_models::manifest::Manifest;
use microact_models::pose::PoseNet;
use microact_models::pose::estimator::{Estimator, PersonPose, SKELETON};
use microact_models::pose::net::MoveNet;
use microact_models::pose::weights::{dequantize_movenet, load_movenet};

use crate::browser::{self, canvas, fetch};
use crate::compute::{self, Backend};
use crate::ui::actions_panel::{PoseFeed, PoseFrame};
use crate::ui::compute_panel::Compute;
use crate::ui::notices::Notices;
use crate::ui::player::{Source, Viewer};

/// Keypoints scored below this are not drawn (TF.js pose-detection's drawing default).
const MIN_DRAWN_SCORE: f32 = 0.3;
const DEFAULT_MODEL: &str = "movenet-lightning";

/// What the panel shows.
#[derive(Clone, Debug, PartialEq)]
enum Status {
    Off,
    Loading(String),
    Ready(Outcome),
    Failed(String),
}

/// One frame's result.
#[derive(Clone, Debug, PartialEq)]
struct Outcome {
    people: Vec<PersonPose>,
    ms: f64,
    backend: &'static str,
    model: String,
    frame: Option<u64>,
}

/// The loaded network and what it was loaded for.
struct Loaded {
    model: String,
    backend: Backend,
    estimator: Estimator,
}

/// The panel's state, shared by its effect and its async runs.
#[derive(Clone, Copy)]
struct Runner {
    enabled: RwSignal<bool>,
    model: RwSignal<String>,
    status: RwSignal<Status>,
    manifest: StoredValue<Option<Manifest>>,
    loaded: StoredValue<Option<Loaded>, LocalStorage>,
    input: NodeRef<Canvas>,
    busy: StoredValue<bool>,
    pending: StoredValue<bool>,
    viewer: Viewer,
    compute: Compute,
    notices: Notices,
    /// Where the actions panel reads each result (absent on the benchmark page).
    feed: Option<PoseFeed>,
}

impl Runner {
    /// Runs on the frame on screen now, or right after the run in flight.
    fn request(self) {
        if self.busy.get_value() {
            self.pending.set_value(true);
            return;
        }
        self.busy.set_value(true);
        spawn_local(async move {
            loop {
                self.pending.set_value(false);
                if let Err(message) = self.run_once().await {
                    self.status.set(Status::Failed(message.clone()));
                    self.notices.error(message);
                    self.enabled.set(false);
                    break;
                }
                if !self.pending.get_value() || !self.enabled.get_untracked() {
                    break;
                }
            }
            self.busy.set_value(false);
        });
    }

    async fn run_once(self) -> Result<(), String> {
        let (Some(video), Some(input_canvas), Some(device), Some(backend)) = (
            self.viewer.video.get_untracked(),
            self.input.get_untracked(),
            self.compute.device(),
            self.compute.backend.get_untracked(),
        ) else {
            return Ok(());
        };
        let model = self.model.get_untracked();
        self.ensure_loaded(&model, backend, &device).await?;
        let live = self.viewer.playing.get_untracked()
            || self.viewer.source.get_untracked() == Source::Camera;
        let frame = self.viewer.frame();
        let started = browser::now_ms();
        let source = canvas::video_size(&video);
        // Plan and estimate with the estimator taken out, so no borrow spans the await.
        let Some(mut loaded) = self.loaded.try_update_value(Option::take).flatten() else {
            return Ok(());
        };
        let result = estimate_frame(
            &mut loaded.estimator,
            &video,
            &input_canvas,
            &device,
            live,
            browser::now_ms(),
        )
        .await;
        self.loaded.set_value(Some(loaded));
        let people = result?;
        if let Some(overlay) = self.viewer.overlay.get_untracked() {
            draw(&overlay, source, &people)?;
        }
        let ms = browser::now_ms() - started;
        if let Some(feed) = self.feed {
            feed.0.set(Some(PoseFrame {
                people: people.clone(),
                live,
                at_ms: started,
                pose_ms: ms,
            }));
        }
        self.status.set(Status::Ready(Outcome {
            people,
            ms,
            backend: backend.label(),
            model,
            frame,
        }));
        Ok(())
    }

    /// Loads `model` for `backend` unless it is what is loaded.
    async fn ensure_loaded(
        self,
        model: &str,
        backend: Backend,
        device: &Device,
    ) -> Result<(), String> {
        let current = self.loaded.with_value(|l| {
            l.as_ref()
                .is_some_and(|l| l.model == model && l.backend == backend)
        });
        if current {
            return Ok(());
        }
        self.status.set(Status::Loading(model.to_string()));
        let manifest = match self.manifest.get_value() {
            Some(manifest) => manifest,
            None => {
                let manifest = fetch_manifest().await?;
                self.manifest.set_value(Some(manifest.clone()));
                manifest
            }
        };
        let net = load_pose_net(&manifest, model, device).await?;
        self.loaded.set_value(Some(Loaded {
            model: model.to_string(),
            backend,
            estimator: Estimator::new(net),
        }));
        Ok(())
    }
}

/// The people on the frame `video` shows: planned (`live`: SinglePose follows the person),
/// drawn into `scratch` at the network's size, estimated at `timestamp_ms`.
pub(crate) async fn estimate_frame(
    estimator: &mut Estimator,
    video: &web_sys::HtmlVideoElement,
    scratch: &web_sys::HtmlCanvasElement,
    device: &Device,
    live: bool,
    timestamp_ms: f64,
) -> Result<Vec<PersonPose>, String> {
    let input = estimator
        .plan(canvas::video_size(video), live)
        .map_err(|e| format!("no frame to read: {e}"))?;
    let size = estimator.input_size();
    let rgba = canvas::grab_region(
        video,
        scratch,
        size,
        input.source_rect(),
        input.dest_rect(size),
    )?;
    let tensor = rgba_to_tensor(&rgba, size, device).map_err(|e| e.to_string())?;
    estimator
        .estimate(tensor, &input, timestamp_ms)
        .await
        .map_err(|e| e.to_string())
}

/// `models/manifest.json`, fetched and read.
pub(crate) async fn fetch_manifest() -> Result<Manifest, String> {
    Manifest::parse(&fetch::text("models/manifest.json").await?).map_err(|e| e.to_string())
}

/// The pose network `model` (a manifest name), ready to run on `device`: on the CPU, packed for
/// the CPU kernels, giving the page a turn between layers.
pub(crate) async fn load_pose_net(
    manifest: &Manifest,
    model: &str,
    device: &Device,
) -> Result<PoseNet, String> {
    let net =
        PoseNet::new(load_movenet_on(manifest, model, device).await?).map_err(|e| e.to_string())?;
    Ok(net.with_pause(browser::ui_pause()))
}

/// The pose network `model` (a manifest name), fetched, checked, int8 kernels expanded, on `device`.
pub(crate) async fn load_movenet_on(
    manifest: &Manifest,
    model: &str,
    device: &Device,
) -> Result<MoveNet, String> {
    let entry = manifest.get(model).map_err(|e| e.to_string())?;
    let variant = entry
        .variant
        .ok_or_else(|| format!("{model} is not a pose model"))?;
    let bytes = fetch::bytes(&format!("models/{}", entry.file)).await?;
    // int8 kernels are expanded to float once, here: Burn's WebGPU backend cannot run them, and
    // on the CPU it dequantizes them on every call (a frame cost 204 ms against float's 137 ms:
    // docs/benchmarks.md). Loaded on the CPU, expanded, moved to `device`.
    let net = load_movenet(
        variant,
        &entry.file,
        bytes,
        &entry.sha256,
        &compute::cpu_device(),
    )
    .map_err(|e| e.to_string())?;
    Ok(dequantize_movenet(net, device))
}

/// The people's skeletons on the overlay, each in their id's colour.
fn draw(
    overlay: &web_sys::HtmlCanvasElement,
    size: microact_models::frame::Size,
    people: &[PersonPose],
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
                let kp = p.keypoints[k];
                (kp.score >= MIN_DRAWN_SCORE).then_some((f64::from(kp.x), f64::from(kp.y)))
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
                p.bbox,
                format!("#{} {:.2}", p.id, p.score),
            )
        })
        .collect();
    let figures: Vec<canvas::Figure> = shapes
        .iter()
        .map(|(colour, points, lines, bbox, label)| canvas::Figure {
            colour,
            points,
            lines,
            bbox: *bbox,
            label: label.clone(),
        })
        .collect();
    canvas::draw_overlay(overlay, size, &figures)
}

/// The people as JSON for tests and tools: id, score, keypoints normalised to the network input
/// (`[y, x, score]`, as TF.js reports them) and in source pixels (`[x, y, score]`).
fn people_json(people: &[PersonPose]) -> String {
    let rows: Vec<String> = people
        .iter()
        .map(|p| {
            let input: Vec<String> = p
                .input_keypoints
                .iter()
                .map(|k| format!("[{},{},{}]", k.y, k.x, k.score))
                .collect();
            let source: Vec<String> = p
                .keypoints
                .iter()
                .map(|k| format!("[{:.2},{:.2},{}]", k.x, k.y, k.score))
                .collect();
            format!(
                "{{\"id\":{},\"score\":{},\"input\":[{}],\"source\":[{}]}}",
                p.id,
                p.score,
                input.join(","),
                source.join(",")
            )
        })
        .collect();
    format!("[{}]", rows.join(","))
}

#[component]
pub fn PosePanel() -> impl IntoView {
    let viewer = expect_context::<Viewer>();
    let runner = Runner {
        enabled: RwSignal::new(false),
        model: RwSignal::new(DEFAULT_MODEL.to_string()),
        status: RwSignal::new(Status::Off),
        manifest: StoredValue::new(None),
        loaded: StoredValue::new_local(None),
        input: NodeRef::new(),
        busy: StoredValue::new(false),
        pending: StoredValue::new(false),
        viewer,
        compute: expect_context::<Compute>(),
        notices: expect_context::<Notices>(),
        feed: use_context::<PoseFeed>(),
    };

    // A new frame on screen, a new model or backend, or the toggle: run (or clear).
    Effect::new(move |_| {
        let enabled = runner.enabled.get();
        runner.model.track();
        runner.compute.backend.track();
        viewer.media_time.track();
        let source = viewer.source.get();
        let measuring = viewer.measuring();
        if !enabled || source == Source::Empty {
            if let Some(overlay) = viewer.overlay.get_untracked() {
                canvas::clear_overlay(&overlay);
            }
            if !enabled {
                runner.status.set(Status::Off);
            }
            return;
        }
        if !measuring {
            runner.request();
        }
    });
    // A new clip or the camera: the previous frames say nothing about the next.
    Effect::new(move |_| {
        viewer.source.track();
        runner.loaded.update_value(|l| {
            if let Some(l) = l.as_mut() {
                l.estimator.reset();
            }
        });
    });

    let status_text = move || match runner.status.get() {
        Status::Off => "off".to_string(),
        Status::Loading(model) => format!("loading {model}…"),
        Status::Failed(message) => message,
        Status::Ready(o) => format!(
            "{} {} · {:.0} ms on {} · {}",
            o.people.len(),
            if o.people.len() == 1 {
                "person"
            } else {
                "people"
            },
            o.ms,
            o.backend,
            o.model
        ),
    };
    let state = move || match runner.status.get() {
        Status::Off => "off",
        Status::Loading(_) => "loading",
        Status::Ready(_) => "ready",
        Status::Failed(_) => "failed",
    };
    let ready = move || match runner.status.get() {
        Status::Ready(o) => Some(o),
        _ => None,
    };
    let models = [
        ("movenet-lightning", "SinglePose Lightning"),
        ("movenet-lightning-q8", "SinglePose Lightning, int8"),
        ("movenet-multipose", "MultiPose Lightning (up to 6)"),
        ("movenet-multipose-q8", "MultiPose Lightning, int8"),
    ];

    view! {
        <section class="pose-panel" aria-label="Pose">
            <h2>"Pose"</h2>
            <div class="controls">
                <label>
                    <input type="checkbox" data-testid="pose-toggle"
                        prop:checked=move || runner.enabled.get()
                        on:change=move |e| runner.enabled.set(event_target_checked(&e)) />
                    " Show skeletons"
                </label>
                <label>"Model "
                    <select data-testid="pose-model" on:change=move |e| runner.model.set(event_target_value(&e))>
                        {models.map(|(value, label)| view! { <option value=value>{label}</option> })}
                    </select>
                </label>
            </div>
            <output data-testid="pose-result" data-state=state
                data-frame=move || ready().and_then(|o| o.frame).map(|f| f.to_string()).unwrap_or_default()
                data-model=move || ready().map(|o| o.model).unwrap_or_default()
                data-backend=move || ready().map(|o| o.backend).unwrap_or_default()
                data-ms=move || ready().map(|o| format!("{:.1}", o.ms)).unwrap_or_default()
                data-people=move || ready().map(|o| people_json(&o.people)).unwrap_or_default()>
                {status_text}
            </output>
            <canvas node_ref=runner.input class="visually-hidden" data-testid="pose-input"></canvas>
        </section>
    }
}
