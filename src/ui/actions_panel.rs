//! Live actions: the pose panel's first person, frame by frame while a clip plays or the camera
//! runs, through the streaming recognizer chosen in the models panel. The engine keeps the window
//! and runs the recognizer (`crates/microact-engine/src/live.rs`); this panel shows the top five
//! classes with bars, the unknown score, and how long pose and recognizer take and how many
//! frames a second the whole loop delivers.

use leptos::prelude::*;
use microact_protocol::{Actions, Person};

use crate::ui::compute_panel::Compute;
use crate::ui::models_panel::RecognizerChoice;

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
    /// What the engine's live recognizer said after this frame (`None`: nothing new).
    pub actions: Option<Actions>,
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

/// What live actions show.
#[derive(Clone, Debug, PartialEq)]
enum LiveStatus {
    /// Nothing live yet.
    Idle,
    /// Collecting the first window: frames so far of how many.
    Filling(u32, u32),
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

/// Live actions as they come with each pose frame, and the loop's frame rate.
#[derive(Clone, Copy)]
struct LiveActions {
    status: RwSignal<LiveStatus>,
    /// `at_ms` of the previous live frame and the smoothed frame rate.
    last: StoredValue<Option<f64>>,
    fps: StoredValue<f64>,
    compute: Compute,
}

impl LiveActions {
    /// Takes one pose frame: the loop's frame rate, and what the recognizer said.
    fn take(self, frame: PoseFrame) {
        if !frame.live {
            self.last.set_value(None);
        } else {
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
        }
        match frame.actions {
            None | Some(Actions::Idle) => {}
            // A new window after a guess (another person, a gap): the guess stays until the next.
            Some(Actions::Filling { have, need }) => {
                if !matches!(self.status.get_untracked(), LiveStatus::Ready(_)) {
                    self.status.set(LiveStatus::Filling(have, need));
                }
            }
            Some(Actions::Guess {
                top,
                unknown,
                recognizer_ms,
            }) => self.status.set(LiveStatus::Ready(Guess {
                top,
                unknown,
                recognizer_ms,
                // The engine classifies a window after the frame's reply: the guess comes with
                // the next frame, and the round trip is pose's.
                pose_ms: frame.pose_ms,
                fps: self.fps.get_value(),
                backend: self.compute.backend.get_untracked().label(),
            })),
            Some(Actions::Failed { message }) => self.status.set(LiveStatus::Failed(message)),
        }
    }
}

#[component]
pub fn ActionsPanel() -> impl IntoView {
    let feed = expect_context::<PoseFeed>();
    let live = LiveActions {
        status: RwSignal::new(LiveStatus::Idle),
        last: StoredValue::new(None),
        fps: StoredValue::new(0.0),
        compute: expect_context::<Compute>(),
    };
    let choice = expect_context::<RecognizerChoice>();
    let model = move || choice.0.get();
    // Another recognizer: the guess so far was the old one's.
    Effect::new(move |first: Option<()>| {
        choice.0.track();
        if first.is_some() {
            live.status.set(LiveStatus::Idle);
        }
    });
    Effect::new(move |_| {
        if let Some(frame) = feed.0.get() {
            live.take(frame);
        }
    });

    let state = move || match live.status.get() {
        LiveStatus::Idle => "idle",
        LiveStatus::Filling(..) => "filling",
        LiveStatus::Ready(_) => "ready",
        LiveStatus::Failed(_) => "failed",
    };
    let guess = move || match live.status.get() {
        LiveStatus::Ready(g) => Some(g),
        _ => None,
    };
    let text = move || match live.status.get() {
        LiveStatus::Idle => {
            "Turn on skeletons and play a clip or start the camera to see actions.".to_string()
        }
        LiveStatus::Filling(have, need) => format!("collecting poses: {have} of {need} frames"),
        LiveStatus::Failed(e) => e,
        LiveStatus::Ready(g) => format!(
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
