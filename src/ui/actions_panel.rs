//! Live actions: the pose panel's first person, frame by frame while a clip plays or the camera
//! runs, through the streaming recognizer (`penn-ddnet` from the manifest): the top five classes
//! with bars, the unknown score, and how long pose and recognizer take and how many frames a
//! second the whole loop delivers.

use leptos::prelude::*;
use leptos::task::spawn_local;
use microact_models::action::DdNet;
use microact_models::action::joints::Layout;
use microact_models::action::recognizer::RecognizerSpec;
use microact_models::action::stream::{Stream, Windows, classify};
use microact_models::burn::tensor::Device;
use microact_protocol::Person;

use crate::browser;
use crate::compute::Backend;
use crate::ui::compute_panel::Compute;
use crate::ui::models_panel::{RecognizerChoice, load_recognizer};

/// Pose frames a window spans, and between windows. The page's pose runs at a few frames a
/// second, so 16 frames is a few seconds: about the length of a Penn Action clip.
const WINDOWS: Windows = Windows {
    length: 16,
    stride: 2,
};
/// Classes shown.
const TOP: usize = 5;
/// Frames in a row without a person that the window bridges (as score-0 gaps).
const MAX_MISSED: usize = 3;
/// Above this unknown score (1 − the top probability) the panel says the action is unknown.
const UNKNOWN_ABOVE: f32 = 0.5;

/// One pose result as the pose panel hands it on.
#[derive(Clone, Debug, PartialEq)]
pub struct PoseFrame {
    pub people: Vec<Person>,
    /// A playing clip or the camera (paused frames are not a time series).
    pub live: bool,
    /// `performance.now()` when the frame was read.
    pub at_ms: f64,
    pub pose_ms: f64,
}

/// The latest pose result, shared by the pose panel (writer) and the actions panel (reader).
#[derive(Clone, Copy)]
pub struct PoseFeed(pub RwSignal<Option<PoseFrame>>);

impl PoseFeed {
    pub fn new() -> PoseFeed {
        PoseFeed(RwSignal::new(None))
    }
}

impl Default for PoseFeed {
    fn default() -> PoseFeed {
        PoseFeed::new()
    }
}

#[derive(Clone, Debug, PartialEq)]
enum Status {
    /// Nothing live yet.
    Idle,
    Loading,
    /// Collecting the first window: frames so far.
    Filling(usize),
    Ready(Guess),
    Failed(String),
}

#[derive(Clone, Debug, PartialEq)]
struct Guess {
    top: Vec<(String, f32)>,
    unknown: f32,
    recognizer_ms: f64,
    pose_ms: f64,
    fps: f64,
    backend: &'static str,
}

struct Loaded {
    backend: Backend,
    model: String,
    spec: RecognizerSpec,
    net: DdNet,
}

#[derive(Clone, Copy)]
struct Runner {
    status: RwSignal<Status>,
    loaded: StoredValue<Option<Loaded>, LocalStorage>,
    stream: StoredValue<Stream>,
    /// The person followed (the stream restarts when another takes their place).
    person: StoredValue<Option<u32>>,
    /// `at_ms` of the previous live frame and the smoothed frame rate.
    last: StoredValue<Option<f64>>,
    /// Frames in a row where nobody was found.
    missed: StoredValue<usize>,
    fps: StoredValue<f64>,
    busy: StoredValue<bool>,
    compute: Compute,
    choice: RecognizerChoice,
}

impl Runner {
    fn reset(self) {
        self.stream.update_value(Stream::reset);
        self.person.set_value(None);
        self.last.set_value(None);
        self.missed.set_value(0);
    }

    /// Takes one pose frame: into the window, and a classification when one is due.
    fn take(self, frame: PoseFrame) {
        if !frame.live {
            self.reset();
            return;
        }
        // A frame where the pose model found nobody (a blur, the tracking crop a step behind) is a
        // gap the pipeline fills, as in training; a person gone for longer ends the window.
        let (xy, score): (Vec<[f32; 2]>, Vec<f32>) = match frame.people.first() {
            Some(person) => {
                if self.person.get_value() != Some(person.id) {
                    self.reset();
                    self.person.set_value(Some(person.id));
                }
                self.missed.set_value(0);
                (
                    person.keypoints.iter().map(|&[x, y, _]| [x, y]).collect(),
                    person
                        .keypoints
                        .iter()
                        .map(|&[_, _, score]| score)
                        .collect(),
                )
            }
            None => {
                let missed = self.missed.get_value() + 1;
                if missed > MAX_MISSED || self.person.get_value().is_none() {
                    self.reset();
                    return;
                }
                self.missed.set_value(missed);
                let joints = Layout::Coco17.joints();
                (vec![[0.0; 2]; joints], vec![0.0; joints])
            }
        };
        if let Some(last) = self.last.get_value() {
            let dt = frame.at_ms - last;
            if dt > 0.0 {
                let fps = 1000.0 / dt;
                let old = self.fps.get_value();
                self.fps.set_value(if old > 0.0 {
                    0.8 * old + 0.2 * fps
                } else {
                    fps
                });
            }
        }
        self.last.set_value(Some(frame.at_ms));
        let window = self
            .stream
            .try_update_value(|s| s.push(&xy, &score))
            .flatten();
        let Some(window) = window else {
            if !matches!(self.status.get_untracked(), Status::Ready(_)) {
                let have = window_fill(self.status.get_untracked());
                self.status.set(Status::Filling(have + 1));
            }
            return;
        };
        // One classification in flight; a window that comes meanwhile is skipped.
        if self.busy.get_value() {
            return;
        }
        self.busy.set_value(true);
        let pose_ms = frame.pose_ms;
        spawn_local(async move {
            if let Err(e) = self.classify(window, pose_ms).await {
                self.status.set(Status::Failed(e));
            }
            self.busy.set_value(false);
        });
    }

    async fn classify(
        self,
        window: microact_models::action::Sequence,
        pose_ms: f64,
    ) -> Result<(), String> {
        let (Some(device), Some(backend)) =
            (self.compute.device(), self.compute.backend.get_untracked())
        else {
            return Ok(());
        };
        self.ensure_loaded(backend, &device).await?;
        let Some(loaded) = self.loaded.try_update_value(Option::take).flatten() else {
            return Ok(());
        };
        let started = browser::now_ms();
        let result = classify(&loaded.net, &loaded.spec.pipeline, &window, &device).await;
        let recognizer_ms = browser::now_ms() - started;
        let classes = loaded.spec.classes.clone();
        self.loaded.set_value(Some(loaded));
        let (probabilities, unknown) = result.map_err(|e| e.to_string())?;
        self.status.set(Status::Ready(Guess {
            top: top_k(&classes, &probabilities, TOP),
            unknown: unknown.max_softmax,
            recognizer_ms,
            pose_ms,
            fps: self.fps.get_value(),
            backend: backend.label(),
        }));
        Ok(())
    }

    async fn ensure_loaded(self, backend: Backend, device: &Device) -> Result<(), String> {
        let model = self.choice.0.get_untracked();
        if self.loaded.with_value(|l| {
            l.as_ref()
                .is_some_and(|l| l.backend == backend && l.model == model)
        }) {
            return Ok(());
        }
        self.status.set(Status::Loading);
        let recognizer = load_recognizer(&model, backend, device).await?;
        self.loaded.set_value(Some(Loaded {
            backend,
            model: recognizer.name,
            spec: recognizer.spec,
            net: recognizer.net,
        }));
        Ok(())
    }
}

fn window_fill(status: Status) -> usize {
    match status {
        Status::Filling(n) => n,
        _ => 0,
    }
}

/// The `k` most probable classes, most probable first.
fn top_k(classes: &[String], probabilities: &[f32], k: usize) -> Vec<(String, f32)> {
    let mut ranked: Vec<(String, f32)> = classes
        .iter()
        .cloned()
        .zip(probabilities.iter().copied())
        .collect();
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1));
    ranked.truncate(k);
    ranked
}

#[component]
pub fn ActionsPanel() -> impl IntoView {
    let feed = expect_context::<PoseFeed>();
    let runner = Runner {
        status: RwSignal::new(Status::Idle),
        loaded: StoredValue::new_local(None),
        stream: StoredValue::new(Stream::new(WINDOWS, Layout::Coco17)),
        person: StoredValue::new(None),
        last: StoredValue::new(None),
        missed: StoredValue::new(0),
        fps: StoredValue::new(0.0),
        busy: StoredValue::new(false),
        compute: expect_context::<Compute>(),
        choice: expect_context::<RecognizerChoice>(),
    };
    let model = move || runner.choice.0.get();
    // Another recognizer: the guess so far was the old one's.
    Effect::new(move |first: Option<()>| {
        runner.choice.0.track();
        if first.is_some() {
            runner.reset();
            runner.status.set(Status::Idle);
        }
    });
    Effect::new(move |_| {
        if let Some(frame) = feed.0.get() {
            runner.take(frame);
        }
    });

    let state = move || match runner.status.get() {
        Status::Idle => "idle",
        Status::Loading => "loading",
        Status::Filling(_) => "filling",
        Status::Ready(_) => "ready",
        Status::Failed(_) => "failed",
    };
    let guess = move || match runner.status.get() {
        Status::Ready(g) => Some(g),
        _ => None,
    };
    let text = move || match runner.status.get() {
        Status::Idle => {
            "Turn on skeletons and play a clip or start the camera to see actions.".to_string()
        }
        Status::Loading => format!("loading {}…", model()),
        Status::Filling(n) => format!("collecting poses: {n} of {} frames", WINDOWS.length),
        Status::Failed(e) => e,
        Status::Ready(g) => format!(
            "pose {:.0} ms · recognizer {:.0} ms on {} · {:.1} frames/s",
            g.pose_ms, g.recognizer_ms, g.backend, g.fps
        ),
    };
    let top_json = move || {
        guess()
            .map(|g| {
                let rows: Vec<String> = g
                    .top
                    .iter()
                    .map(|(c, p)| format!("[{},{p}]", serde_json::Value::from(c.as_str())))
                    .collect();
                format!("[{}]", rows.join(","))
            })
            .unwrap_or_default()
    };

    view! {
        <section class="actions-panel" aria-label="Actions">
            <h2>"Actions " <small>{model}</small></h2>
            <output data-testid="actions" data-state=state data-top=top_json
                data-backend=move || guess().map(|g| g.backend).unwrap_or_default()
                data-unknown=move || guess().map(|g| format!("{:.3}", g.unknown)).unwrap_or_default()
                data-recognizer-ms=move || guess().map(|g| format!("{:.1}", g.recognizer_ms)).unwrap_or_default()
                data-pose-ms=move || guess().map(|g| format!("{:.1}", g.pose_ms)).unwrap_or_default()
                data-fps=move || guess().map(|g| format!("{:.2}", g.fps)).unwrap_or_default()>
                {text}
            </output>
            {move || guess().map(|g| {
                let unknown = g.unknown > UNKNOWN_ABOVE;
                view! {
                    <p class="unknown" class:is-unknown=unknown data-testid="unknown">
                        {if unknown { "Unknown action" } else { "Known action" }}
                        {format!(" · unknown score {:.2}", g.unknown)}
                    </p>
                    <ol class="top-actions">
                        {g.top.into_iter().map(|(class, p)| view! {
                            <li>
                                <span class="name">{class.replace('_', " ")}</span>
                                <span class="bar"><span style:width=format!("{:.1}%", p * 100.0)></span></span>
                                <span class="p">{format!("{:.0} %", p * 100.0)}</span>
                            </li>
                        }).collect_view()}
                    </ol>
                }
            })}
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn top_k_ranks_by_probability() {
        let classes: Vec<String> = ["a", "b", "c"].map(String::from).to_vec();
        assert_eq!(
            top_k(&classes, &[0.2, 0.5, 0.3], 2),
            vec![("b".to_string(), 0.5), ("c".to_string(), 0.3)]
        );
    }
}
