//! Pose on the video: a toggle that runs MoveNet on the frame on screen (a paused clip frame,
//! a playing clip or the camera, one frame in flight, frames dropped rather than queued) and
//! draws each person's skeleton over the video in their own colour.

use leptos::prelude::*;
use leptos::task::spawn_local;
use microact_core::geometry::{Rect, Size};
use microact_core::labels::palette;
use microact_protocol::{Person, Reply, Request, SKELETON};

use crate::browser::engine::{EngineFailure, Frame};
use crate::browser::{self, canvas};
use crate::ui::actions_panel::{PoseFeed, PoseFrame};
use crate::ui::compute_panel::Compute;
use crate::ui::engine::EngineHandle;
use crate::ui::models_panel::RecognizerChoice;
use crate::ui::notices::Notices;
use crate::ui::player::{Source, Viewer};

/// Keypoints scored below this are not drawn (TF.js pose-detection's drawing default).
const MIN_DRAWN_SCORE: f32 = 0.3;
const DEFAULT_MODEL: &str = "movenet-lightning";
/// The overlay's session in the engine.
const SESSION: u32 = 1;

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
    people: Vec<Person>,
    /// From reading the frame to the skeletons drawn.
    ms: f64,
    /// Of which the engine's work.
    engine_ms: f64,
    backend: &'static str,
    model: String,
    frame: Option<u64>,
}

/// Why a frame got no skeletons.
#[derive(Debug, thiserror::Error)]
enum Failure {
    #[error(transparent)]
    Engine(#[from] EngineFailure),
    #[error("{0}")]
    Draw(String),
}

/// The panel's state, shared by its effect and its async runs.
#[derive(Clone, Copy)]
struct Runner {
    enabled: RwSignal<bool>,
    model: RwSignal<String>,
    status: RwSignal<Status>,
    busy: StoredValue<bool>,
    pending: StoredValue<bool>,
    viewer: Viewer,
    compute: Compute,
    engine: EngineHandle,
    notices: Notices,
    /// Where the actions panel reads each result, and the recognizer it follows.
    feed: Option<PoseFeed>,
    choice: Option<RecognizerChoice>,
    side: MultiPoseSide,
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
                if let Err(failure) = self.run_once().await {
                    let message = format!("Pose: {failure}");
                    // A crash is said once, by the engine's handle.
                    if !matches!(failure, Failure::Engine(EngineFailure::Crashed(_))) {
                        self.notices.error(message.clone());
                    }
                    self.status.set(Status::Failed(message));
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

    async fn run_once(self) -> Result<(), Failure> {
        let Some(video) = self.viewer.video.get_untracked() else {
            return Ok(());
        };
        let backend = self.compute.backend.get_untracked();
        let model = self.model.get_untracked();
        let live = self.viewer.playing.get_untracked()
            || self.viewer.source.get_untracked() == Source::Camera;
        let frame = self.viewer.frame();
        let started = browser::now_ms();
        let image = Frame::of_video(&video).await?;
        let (width, height) = image.size();
        let status = self.status;
        let reply = self
            .engine
            .get()
            .call(
                Request::Pose {
                    session: SESSION,
                    model: model.clone(),
                    backend,
                    live,
                    timestamp_ms: started,
                    actions: self.feed.and(self.choice).map(|c| c.live()),
                    side: self.side.0.get_untracked(),
                },
                Some(image.into()),
                move |r| {
                    if let Reply::Loading { model } = r {
                        status.set(Status::Loading(model.clone()));
                    }
                },
            )
            .await?;
        let Reply::Pose {
            people,
            ms: engine_ms,
            actions,
        } = reply
        else {
            return Err(Failure::Draw("the engine answered something else".into()));
        };
        if let Some(overlay) = self.viewer.overlay.get_untracked() {
            draw(&overlay, Size::new(width, height), &people).map_err(Failure::Draw)?;
        }
        let ms = browser::now_ms() - started;
        if let Some(feed) = self.feed {
            feed.0.set(Some(PoseFrame {
                people: people.clone(),
                live,
                at_ms: started,
                pose_ms: ms,
                actions,
            }));
        }
        self.status.set(Status::Ready(Outcome {
            people,
            ms,
            engine_ms,
            backend: backend.label(),
            model,
            frame,
        }));
        Ok(())
    }

    /// The engine's session forgets earlier frames (a new clip or the camera).
    fn reset(self) {
        if !self.engine.started() {
            return;
        }
        let engine = self.engine.get();
        spawn_local(async move {
            // A failure here is a crash, which the engine handle reports.
            let _ = engine
                .call(Request::Reset { session: SESSION }, None, |_| {})
                .await;
        });
    }
}

/// The people's skeletons on the overlay, each in their id's colour.
fn draw(overlay: &web_sys::HtmlCanvasElement, size: Size, people: &[Person]) -> Result<(), String> {
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
                (score >= MIN_DRAWN_SCORE).then_some((f64::from(x), f64::from(y)))
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
fn people_json(people: &[Person]) -> String {
    let rows: Vec<String> = people
        .iter()
        .map(|p| {
            let input: Vec<String> = p
                .input_keypoints
                .iter()
                .map(|[y, x, score]| format!("[{y},{x},{score}]"))
                .collect();
            let source: Vec<String> = p
                .keypoints
                .iter()
                .map(|[x, y, score]| format!("[{x:.2},{y:.2},{score}]"))
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

/// MultiPose's input, chosen in the pose panel and used by the overlay and clip analysis alike:
/// its longer side in pixels, the other as the frame's aspect needs (`None`: 256 × 256, as the
/// graph was exported). Larger finds smaller people and costs more (the panel shows pose ms).
#[derive(Clone, Copy)]
pub struct MultiPoseSide(pub RwSignal<Option<u32>>);

impl MultiPoseSide {
    pub fn new() -> MultiPoseSide {
        MultiPoseSide(RwSignal::new(None))
    }
}

impl Default for MultiPoseSide {
    fn default() -> MultiPoseSide {
        MultiPoseSide::new()
    }
}

/// The sizes offered for MultiPose's longer side.
const SIDES: [u32; 5] = [384, 512, 640, 768, 1024];

#[component]
pub fn PosePanel() -> impl IntoView {
    let viewer = expect_context::<Viewer>();
    let runner = Runner {
        enabled: RwSignal::new(false),
        model: RwSignal::new(DEFAULT_MODEL.to_string()),
        status: RwSignal::new(Status::Off),
        busy: StoredValue::new(false),
        pending: StoredValue::new(false),
        viewer,
        compute: expect_context::<Compute>(),
        engine: expect_context::<EngineHandle>(),
        notices: expect_context::<Notices>(),
        feed: use_context::<PoseFeed>(),
        choice: use_context::<RecognizerChoice>(),
        side: expect_context::<MultiPoseSide>(),
    };

    // A new frame on screen, a new model or backend, or the toggle: run (or clear).
    Effect::new(move |_| {
        let enabled = runner.enabled.get();
        runner.model.track();
        runner.side.0.track();
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
            // Turned on (again, after a failure): loading until the first result.
            if matches!(
                runner.status.get_untracked(),
                Status::Off | Status::Failed(_)
            ) {
                runner
                    .status
                    .set(Status::Loading(runner.model.get_untracked()));
            }
            runner.request();
        }
    });
    // A new clip or the camera: the previous frames say nothing about the next.
    Effect::new(move |_| {
        viewer.source.track();
        runner.reset();
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
                <label title="MultiPose's input: larger finds smaller people, and costs more (pose ms below)">"MultiPose input "
                    <select data-testid="multipose-side" on:change=move |e| runner.side.0.set(event_target_value(&e).parse().ok())>
                        <option value="" selected=true>"256 × 256"</option>
                        {SIDES.map(|s| view! { <option value=s.to_string()>{format!("{s} px wide")}</option> })}
                    </select>
                </label>
            </div>
            <output data-testid="pose-result" data-state=state
                data-frame=move || ready().and_then(|o| o.frame).map(|f| f.to_string()).unwrap_or_default()
                data-model=move || ready().map(|o| o.model).unwrap_or_default()
                data-backend=move || ready().map(|o| o.backend).unwrap_or_default()
                data-ms=move || ready().map(|o| format!("{:.1}", o.ms)).unwrap_or_default()
                data-engine-ms=move || ready().map(|o| format!("{:.1}", o.engine_ms)).unwrap_or_default()
                data-people=move || ready().map(|o| people_json(&o.people)).unwrap_or_default()>
                {status_text}
            </output>
        </section>
    }
}
