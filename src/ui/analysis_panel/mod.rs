//! Clip analysis's panel: every frame of the clip on screen through the engine worker's MoveNet
//! (SinglePose following one person, or MultiPose and its tracker for everyone), then the
//! engine's recognizer over each person's pose track (`crates/microact-engine/src/analysis.rs`);
//! their proposals, boxes and per-frame confidence go into a track per person as one undo step.
//! The engine decodes the clip itself (`decode.rs`: its container demuxed, WebCodecs, split
//! across engine workers); a clip it cannot decode is read by seeking a second, hidden video
//! element (`seek.rs`; the one on screen stays free), and the page says why. A progress bar with
//! frames/s and time left, cancel and resume; accept every proposal above a score. The run's
//! state and words are plain Rust (`workspace::clip_analysis`).

mod decode;
mod score;
mod seek;

use leptos::html::Video;
use leptos::prelude::*;
use leptos::task::spawn_local;
use microact_protocol::{Backend, Request};

use crate::browser;
use crate::ui::compute_panel::Compute;
use crate::ui::editor::Editor;
use crate::ui::engine::EngineHandle;
use crate::ui::models_panel::RecognizerChoice;
use crate::ui::notices::Notices;
use crate::ui::pose_panel::MultiPoseChoice;
use crate::workspace::clip_analysis::{Decoder, Job, People, Phase, Progress};

/// Clip analysis's session in the engine (the overlay's is 1).
const SESSION: u32 = 2;

/// One run of an analysis (a start or a resume): the backend, when it started
/// (`performance.now`, ms) and the first frame it analyses.
#[derive(Clone, Copy)]
struct Run {
    backend: Backend,
    started: f64,
    first: u64,
}

/// The panel's state, shared by its views and the analysis running.
#[derive(Clone, Copy)]
struct Analyser {
    phase: RwSignal<Phase>,
    progress: RwSignal<Progress>,
    job: StoredValue<Option<Job>>,
    cancel: StoredValue<bool>,
    /// The hidden video seeking reads frames from.
    video: NodeRef<Video>,
    people: RwSignal<People>,
    engine: EngineHandle,
    annotate: Editor,
    compute: Compute,
    choice: RecognizerChoice,
    multi: MultiPoseChoice,
    notices: Notices,
}

impl Analyser {
    fn new(annotate: Editor) -> Analyser {
        Analyser {
            phase: RwSignal::new(Phase::Idle),
            progress: RwSignal::new(Progress::default()),
            job: StoredValue::new(None),
            cancel: StoredValue::new(false),
            video: NodeRef::new(),
            people: RwSignal::new(People::One),
            engine: expect_context::<EngineHandle>(),
            annotate,
            compute: expect_context::<Compute>(),
            choice: expect_context::<RecognizerChoice>(),
            multi: expect_context::<MultiPoseChoice>(),
            notices: expect_context::<Notices>(),
        }
    }

    /// Starts over on the clip on screen (`fresh`) or goes on from where a cancel stopped; what
    /// went wrong is said.
    async fn analyse(self, fresh: bool) {
        if fresh || self.job.with_value(Option::is_none) {
            match self.new_job() {
                Ok(job) => self.job.set_value(Some(job)),
                Err(why) => {
                    self.notices.error(why);
                    return;
                }
            }
        }
        self.cancel.set_value(false);
        if let Err(why) = self.run().await {
            self.notices.error(format!("Analysis stopped: {why}"));
            self.phase.set(Phase::Failed(why));
        }
    }

    fn new_job(self) -> Result<Job, String> {
        let viewer = self.annotate.viewer;
        let (Some(url), Some(rate), Some(frames)) = (
            viewer.clip_url(),
            viewer.rate.get_untracked(),
            viewer.frame_count(),
        ) else {
            return Err("Open a clip (and let its frame rate be measured) to analyse it.".into());
        };
        let video = self
            .annotate
            .ws
            .with_untracked(|w| w.video)
            .ok_or("Open a clip to analyse it.")?;
        // `?decode=seek`: the old path, for comparisons (tests, benchmarks).
        let undecodable = (browser::query_param("decode").as_deref() == Some("seek"))
            .then(|| "the page was opened with ?decode=seek".to_string());
        let people = self.people.get_untracked();
        Ok(Job::new(video, url, rate, frames, people, undecodable))
    }

    /// Pose on every frame not analysed yet (decoded in the engines, else by seeking), then the
    /// recognizer; `Ok` also when cancelled.
    async fn run(self) -> Result<(), String> {
        let backend = self.compute.backend.get_untracked();
        let Some(job) = self.job.get_value() else {
            return Ok(());
        };
        self.phase.set(Phase::Loading);
        // A fresh start (not a resume) begins the engine's session with no earlier frames.
        if job.seen.is_empty() && self.engine.started() {
            self.engine
                .get()
                .call(Request::Reset { session: SESSION }, None, |_| {})
                .await
                .map_err(|e| e.to_string())?;
        }
        let run = Run {
            backend,
            started: browser::now_ms(),
            first: job.done(),
        };
        if job.undecodable.is_none() && !self.decode(&job, run).await? {
            return Ok(());
        }
        // What the engine could not decode, by seeking.
        let Some(job) = self.job.get_value() else {
            return Ok(());
        };
        if job.done() < job.frames {
            if let Some(why) = &job.undecodable {
                self.notices.info(format!(
                    "Analysing by seeking the clip, frame by frame (slower): {why}."
                ));
            }
            if !self.seek(&job, run).await? {
                return Ok(());
            }
        }
        self.score(backend).await
    }

    /// Frame `done` of `total` reached, `done - run.first` of them by `run` (its speed).
    fn progressed(self, run: Run, done: u64, total: u64) {
        let elapsed_ms = browser::now_ms() - run.started;
        self.progress
            .set(Progress::at(done, total, done - run.first, elapsed_ms));
    }

    /// Cancelled: kept for a resume while the job is.
    fn paused(self) {
        let kept = self.job.with_value(Option::is_some);
        self.phase
            .set(if kept { Phase::Paused } else { Phase::Idle });
    }

    /// Stops the analysis `running` after the frame in hand (the engines' too, when they
    /// decode).
    fn stop(self, running: bool) {
        self.cancel.set_value(true);
        if !running {
            return;
        }
        for engine in self.engine.all().into_iter().filter(|e| e.running()) {
            spawn_local(async move {
                // Nothing to say if it fails: a stopped engine analyses nothing.
                let _ = engine.call(Request::Cancel, None, |_| {}).await;
            });
        }
    }
}

#[component]
pub fn AnalysisPanel() -> impl IntoView {
    let annotate = expect_context::<Editor>();
    let a = Analyser::new(annotate);
    let analyse = Action::new_local(move |fresh: &bool| a.analyse(*fresh));
    let running = analyse.pending();
    let start = move |fresh: bool| {
        if !running.get_untracked() {
            analyse.dispatch_local(fresh);
        }
    };
    // Another clip (or the camera): what was analysed belongs to the one before.
    Effect::new(move |_| {
        annotate.viewer.source.track();
        a.stop(running.get_untracked());
        a.job.set_value(None);
        if matches!(a.phase.get_untracked(), Phase::Paused) {
            a.phase.set(Phase::Idle);
        }
    });
    let has_clip =
        move || annotate.viewer.frame_count().is_some() && annotate.ws.with(|w| w.video.is_some());
    let paused = move || matches!(a.phase.get(), Phase::Paused);

    view! {
        <section class="analysis-panel" aria-label="Clip analysis">
            <h2>"Clip analysis"</h2>
            <div class="controls">
                <PeopleChoice people=a.people disabled=running />
                <button data-testid="analyse" prop:disabled=move || running.get() || !has_clip()
                    on:click=move |_| start(true)>"Analyse clip"</button>
                <Show when=move || running.get()>
                    <button data-testid="analysis-cancel" on:click=move |_| a.stop(running.get_untracked())>"Cancel"</button>
                </Show>
                <Show when=paused>
                    <button data-testid="analysis-resume" on:click=move |_| start(false)>"Resume"</button>
                </Show>
            </div>
            <AnalysisStatus phase=a.phase progress=a.progress people=a.people />
            <AcceptAbove annotate notices=a.notices />
            <video node_ref=a.video class="visually-hidden" muted=true preload="auto" aria-hidden="true"></video>
        </section>
    }
}

/// One person (SinglePose) or everyone (MultiPose).
#[component]
fn PeopleChoice(people: RwSignal<People>, disabled: Memo<bool>) -> impl IntoView {
    view! {
        <label>"People "
            <select data-testid="analysis-people" prop:disabled=move || disabled.get()
                on:change=move |e| people.set(People::from_id(&event_target_value(&e)))>
                <option value=People::One.id() selected=move || people.get() == People::One>"one (SinglePose)"</option>
                <option value=People::Everyone.id() selected=move || people.get() == People::Everyone>"everyone (MultiPose)"</option>
            </select>
        </label>
    }
}

/// The progress bar and the status line, with what a finished run did as data for tests.
#[component]
fn AnalysisStatus(
    phase: RwSignal<Phase>,
    progress: RwSignal<Progress>,
    people: RwSignal<People>,
) -> impl IntoView {
    let summary = move || phase.with(|p| p.summary().cloned());
    let engine = move || {
        summary().and_then(|s| match s.decoder {
            Decoder::Engine { workers, share } => Some((workers, share)),
            Decoder::Seeking => None,
        })
    };
    view! {
        <progress data-testid="analysis-progress"
            max=move || progress.get().total.max(1).to_string()
            value=move || progress.get().done.to_string()></progress>
        <output data-testid="analysis" data-state=move || phase.with(Phase::state)
            data-done=move || progress.get().done.to_string()
            data-proposals=move || summary().map(|s| s.added.to_string()).unwrap_or_default()
            data-tracks=move || summary().map(|s| s.tracks.len().to_string()).unwrap_or_default()
            data-decoder=move || summary().map(|s| s.decoder_id()).unwrap_or_default()
            data-decode-share=move || engine().map(|(_, share)| format!("{share:.3}")).unwrap_or_default()
            data-workers=move || engine().map(|(workers, _)| workers.to_string()).unwrap_or_default()>
            {move || phase.with(|p| p.text(progress.get(), people.get()))}
        </output>
    }
}

/// Accepts every open proposal of the clip on screen scoring at least a threshold.
#[component]
fn AcceptAbove(annotate: Editor, notices: Notices) -> impl IntoView {
    let threshold = RwSignal::new(0.5f32);
    let open = move || annotate.ws.with(|w| w.open_proposals());
    let accept = move |_| {
        let t = threshold.get_untracked();
        if let Some(n) = annotate.run(|w| w.accept_above(t)) {
            notices.info(format!(
                "{n} proposal{} accepted",
                if n == 1 { "" } else { "s" }
            ));
        }
    };
    view! {
        <div class="controls">
            <label>"Accept proposals scoring ≥ "
                <input type="number" min="0" max="1" step="0.05" data-testid="accept-threshold"
                    prop:value=move || format!("{:.2}", threshold.get())
                    on:change=move |e| {
                        if let Ok(t) = event_target_value(&e).parse::<f32>() {
                            threshold.set(t.clamp(0.0, 1.0));
                        }
                    } />
            </label>
            <button data-testid="accept-above" prop:disabled=move || open() == 0 on:click=accept>
                {move || format!("Accept ({} open)", open())}
            </button>
        </div>
    }
}
