//! Pose on the video: a toggle that runs MoveNet on the frame on screen (a paused clip frame,
//! a playing clip or the camera, one frame in flight, frames dropped rather than queued) and
//! draws each person's skeleton over the video in their own colour.

use leptos::prelude::*;
use leptos::task::spawn_local;
use microact_core::geometry::Size;
use microact_protocol::{MultiPose, MultiPoseSide, Person, Reply, Request};

use crate::browser::engine::{EngineFailure, Frame};
use crate::browser::{self, canvas};
use crate::pose_cost;
use crate::ui::actions_panel::{PoseFeed, PoseFrame};
use crate::ui::compute_panel::Compute;
use crate::ui::engine::EngineHandle;
use crate::ui::models_panel::RecognizerChoice;
use crate::ui::notices::Notices;
use crate::ui::viewer::{Source, Viewer};

/// Keypoints scored below this are not drawn (TF.js pose-detection's drawing default).
const MIN_DRAWN_SCORE: f32 = 0.3;
const DEFAULT_MODEL: &str = "movenet-lightning";
/// The overlay's session in the engine.
const SESSION: u32 = 1;

/// What the pose panel shows.
#[derive(Clone, Debug, PartialEq)]
enum PoseStatus {
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
    /// The network inputs the engine looked at (the whole frame, then zoomed crops).
    inputs: Vec<Size>,
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

/// The overlay's loop: the frame on screen to the engine, one in flight (a newer frame waits
/// for it, older ones are dropped); shared by the panel's effect and its async runs.
#[derive(Clone, Copy)]
struct PoseLoop {
    enabled: RwSignal<bool>,
    model: RwSignal<String>,
    status: RwSignal<PoseStatus>,
    busy: StoredValue<bool>,
    pending: StoredValue<bool>,
    viewer: Viewer,
    compute: Compute,
    engine: EngineHandle,
    notices: Notices,
    /// Where the actions panel reads each result, and the recognizer it follows.
    feed: Option<PoseFeed>,
    choice: Option<RecognizerChoice>,
    multi: MultiPoseChoice,
}

impl PoseLoop {
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
                    self.status.set(PoseStatus::Failed(message));
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
                    multi: self.multi.input.get_untracked(),
                },
                Some(image.into()),
                move |r| {
                    if let Reply::Loading { model } = r {
                        status.set(PoseStatus::Loading(model.clone()));
                    }
                },
            )
            .await?;
        let Reply::Pose {
            people,
            ms: engine_ms,
            inputs,
            actions,
        } = reply
        else {
            return Err(Failure::Draw("the engine answered something else".into()));
        };
        if let Some(overlay) = self.viewer.overlay.get_untracked() {
            canvas::draw_people(&overlay, Size::new(width, height), &people, MIN_DRAWN_SCORE)
                .map_err(Failure::Draw)?;
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
        if model.starts_with("movenet-multipose") {
            self.multi.timed.set(Some(Timed {
                frame: Size::new(width, height),
                rate: pose_cost::rate(engine_ms, &inputs),
            }));
        }
        self.status.set(PoseStatus::Ready(Outcome {
            people,
            ms,
            engine_ms,
            inputs,
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

/// The people as JSON for tests and tools: id, score, keypoints normalised to the network input
/// (`[y, x, score]`, as TF.js reports them) and in source pixels (`[x, y, score]`), and
/// MultiPose's box in source pixels (`[x, y, width, height]`, or null).
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
            let bbox = p.bbox.map_or("null".to_string(), |[x, y, w, h]| {
                format!("[{x:.1},{y:.1},{w:.1},{h:.1}]")
            });
            format!(
                "{{\"id\":{},\"score\":{},\"input\":[{}],\"source\":[{}],\"box\":{bbox}}}",
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
/// its size (256 × 256 as exported, a longer side, or auto) and zoom to people. Larger finds
/// smaller people and costs more: each choice shows its cost once a frame was timed.
#[derive(Clone, Copy)]
pub struct MultiPoseChoice {
    pub input: RwSignal<MultiPose>,
    /// The last MultiPose frame's size and the engine's rate on it.
    timed: RwSignal<Option<Timed>>,
}

#[derive(Clone, Copy, Debug, PartialEq)]
struct Timed {
    frame: Size,
    rate: Option<f64>,
}

impl MultiPoseChoice {
    pub fn new() -> MultiPoseChoice {
        MultiPoseChoice {
            input: RwSignal::new(MultiPose::default()),
            timed: RwSignal::new(None),
        }
    }
}

impl Default for MultiPoseChoice {
    fn default() -> MultiPoseChoice {
        MultiPoseChoice::new()
    }
}

/// The longer sides offered for MultiPose's input.
const SIDES: [u32; 5] = [384, 512, 640, 768, 1024];

/// A menu value for a MultiPose size, and back.
fn side_value(side: MultiPoseSide) -> String {
    match side {
        MultiPoseSide::Exported => String::new(),
        MultiPoseSide::Longer(side) => side.to_string(),
        MultiPoseSide::Auto => "auto".to_string(),
    }
}

fn side_of(value: &str) -> MultiPoseSide {
    match value {
        "auto" => MultiPoseSide::Auto,
        v => v
            .parse()
            .map_or(MultiPoseSide::Exported, MultiPoseSide::Longer),
    }
}

/// MultiPose's input size and zoom, each choice with its cost.
#[component]
fn MultiPoseControls(multi: MultiPoseChoice) -> impl IntoView {
    let choices = std::iter::once(MultiPoseSide::Exported)
        .chain(std::iter::once(MultiPoseSide::Auto))
        .chain(SIDES.map(MultiPoseSide::Longer))
        .collect::<Vec<_>>();
    let timed = move || multi.timed.get();
    view! {
        <label title="MultiPose's input: larger finds smaller people, and costs more">"MultiPose input "
            <select data-testid="multipose-side"
                on:change=move |e| multi.input.update(|m| m.side = side_of(&event_target_value(&e)))>
                {choices.into_iter().map(|side| view! {
                    <option value=side_value(side) selected=move || multi.input.get().side == side>
                        {move || pose_cost::label(side, timed().map(|t| t.frame), timed().and_then(|t| t.rate))}
                    </option>
                }).collect_view()}
            </select>
        </label>
        <label title="Looks again at people who are small in the frame, in crops around them">
            <input type="checkbox" data-testid="multipose-zoom"
                prop:checked=move || multi.input.get().zoom
                on:change=move |e| multi.input.update(|m| m.zoom = event_target_checked(&e)) />
            {move || format!(" {}", pose_cost::zoom_label(timed().and_then(|t| t.rate)))}
        </label>
    }
}

/// The pose models offered: (manifest name, menu text).
const MODELS: [(&str, &str); 4] = [
    ("movenet-lightning", "SinglePose Lightning"),
    ("movenet-lightning-q8", "SinglePose Lightning, int8"),
    ("movenet-multipose", "MultiPose Lightning (up to 6)"),
    ("movenet-multipose-q8", "MultiPose Lightning, int8"),
];

#[component]
pub fn PosePanel() -> impl IntoView {
    let viewer = expect_context::<Viewer>();
    let pose = PoseLoop {
        enabled: RwSignal::new(false),
        model: RwSignal::new(DEFAULT_MODEL.to_string()),
        status: RwSignal::new(PoseStatus::Off),
        busy: StoredValue::new(false),
        pending: StoredValue::new(false),
        viewer,
        compute: expect_context::<Compute>(),
        engine: expect_context::<EngineHandle>(),
        notices: expect_context::<Notices>(),
        feed: use_context::<PoseFeed>(),
        choice: use_context::<RecognizerChoice>(),
        multi: expect_context::<MultiPoseChoice>(),
    };
    // A new frame on screen, a new model or backend, or the toggle: run (or clear).
    Effect::new(move |_| pose.follow());
    // A new clip or the camera: the previous frames say nothing about the next.
    Effect::new(move |_| {
        viewer.source.track();
        pose.reset();
    });

    view! {
        <section class="pose-panel" aria-label="Pose">
            <h2>"Pose"</h2>
            <div class="controls">
                <label>
                    <input type="checkbox" data-testid="pose-toggle"
                        prop:checked=move || pose.enabled.get()
                        on:change=move |e| pose.enabled.set(event_target_checked(&e)) />
                    " Show skeletons"
                </label>
                <label>"Model "
                    <select data-testid="pose-model" on:change=move |e| pose.model.set(event_target_value(&e))>
                        {MODELS.map(|(value, label)| view! { <option value=value>{label}</option> })}
                    </select>
                </label>
                <MultiPoseControls multi=pose.multi />
            </div>
            <PoseResult status=pose.status />
        </section>
    }
}

impl PoseLoop {
    /// What the panel's effect does: runs on the frame on screen while on (tracking the frame,
    /// the model, MultiPose's input and the backend), clears the overlay while off.
    fn follow(self) {
        let viewer = self.viewer;
        let enabled = self.enabled.get();
        self.model.track();
        self.multi.input.track();
        self.compute.backend.track();
        viewer.media_time.track();
        let source = viewer.source.get();
        let measuring = viewer.measuring();
        if !enabled || source == Source::Empty {
            if let Some(overlay) = viewer.overlay.get_untracked() {
                canvas::clear_overlay(&overlay);
            }
            if !enabled {
                self.status.set(PoseStatus::Off);
            }
            return;
        }
        if !measuring {
            // Turned on (again, after a failure): loading until the first result.
            if matches!(
                self.status.get_untracked(),
                PoseStatus::Off | PoseStatus::Failed(_)
            ) {
                self.status
                    .set(PoseStatus::Loading(self.model.get_untracked()));
            }
            self.request();
        }
    }
}

/// The last frame's result in words, with its people and timings as data for tests and tools.
#[component]
fn PoseResult(status: RwSignal<PoseStatus>) -> impl IntoView {
    let text = move || match status.get() {
        PoseStatus::Off => "off".to_string(),
        PoseStatus::Loading(model) => format!("loading {model}…"),
        PoseStatus::Failed(message) => message,
        PoseStatus::Ready(o) => format!(
            "{} {} · {:.0} ms on {} · {} · input {}",
            o.people.len(),
            if o.people.len() == 1 {
                "person"
            } else {
                "people"
            },
            o.ms,
            o.backend,
            o.model,
            pose_cost::looked(&o.inputs)
        ),
    };
    let state = move || match status.get() {
        PoseStatus::Off => "off",
        PoseStatus::Loading(_) => "loading",
        PoseStatus::Ready(_) => "ready",
        PoseStatus::Failed(_) => "failed",
    };
    let ready = move || match status.get() {
        PoseStatus::Ready(o) => Some(o),
        _ => None,
    };
    view! {
        <output data-testid="pose-result" data-state=state
            data-frame=move || ready().and_then(|o| o.frame).map(|f| f.to_string()).unwrap_or_default()
            data-model=move || ready().map(|o| o.model).unwrap_or_default()
            data-backend=move || ready().map(|o| o.backend).unwrap_or_default()
            data-ms=move || ready().map(|o| format!("{:.1}", o.ms)).unwrap_or_default()
            data-engine-ms=move || ready().map(|o| format!("{:.1}", o.engine_ms)).unwrap_or_default()
            data-inputs=move || ready().map(|o| pose_cost::looked(&o.inputs)).unwrap_or_default()
            data-people=move || ready().map(|o| people_json(&o.people)).unwrap_or_default()>
            {text}
        </output>
    }
}
