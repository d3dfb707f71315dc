//! Clip analysis: every frame of the clip on screen, decoded by seeking a second, hidden video
//! element (the one on screen stays free), through MoveNet (SinglePose following one person, or
//! MultiPose and its tracker for everyone) and then the recognizer over each person's pose
//! track; their proposals, boxes and per-frame confidence go into a track per person as one undo
//! step. A progress bar with frames/s and time left, cancel and resume; accept every proposal
//! above a score.

use leptos::html::{Canvas, Video};
use leptos::prelude::*;
use leptos::task::spawn_local;
use microact_core::model::{Confidence, VideoId};
use microact_core::time::FrameRate;
use microact_models::action::joints::Layout;
use microact_models::action::segments::{SegmentConfig, propose, to_segments};
use microact_models::action::sequence::Sequence;
use microact_models::action::stream::{Windows, score_track};
use microact_models::pose::estimator::Estimator;

use crate::browser::video::EventWaiter;
use crate::browser::{self, canvas};
use crate::format::seconds_left;
use crate::ui::annotate::Annotate;
use crate::ui::compute_panel::Compute;
use crate::ui::local_models::{estimate_frame, fetch_manifest, load_pose_net};
use crate::ui::models_panel::{RecognizerChoice, load_recognizer, recognizer_labels};
use crate::ui::notices::Notices;
use crate::workspace::analysis::{Analysed, Seen, people, person_boxes, person_frames, pose_track};

/// Who is analysed, and the pose network that finds them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum People {
    /// SinglePose, following one person from frame to frame.
    One,
    /// MultiPose (up to 6) with its tracker: a track per person.
    Everyone,
}

impl People {
    fn pose_model(self) -> &'static str {
        match self {
            People::One => "movenet-lightning",
            People::Everyone => "movenet-multipose",
        }
    }

    fn id(self) -> &'static str {
        match self {
            People::One => "one",
            People::Everyone => "everyone",
        }
    }
}

/// A person seen on fewer frames than this (and than a tenth of the clip) gets no track.
const MIN_PERSON_FRAMES: usize = 16;
/// Windows over the clip's own frames: about a second at 30 fps, the length of the recognizer's
/// training clips once resampled (the segment defaults were chosen with these).
const WINDOWS: Windows = Windows {
    length: 32,
    stride: 2,
};
/// MoveNet's 17 COCO keypoints.
const KEYPOINTS: usize = 17;

#[derive(Clone, Debug, PartialEq)]
enum Phase {
    Idle,
    Loading,
    /// Pose on each frame.
    Running,
    /// Cancelled: frames so far are kept for a resume.
    Paused,
    /// The recognizer over the whole track.
    Scoring,
    Done(Summary),
    Failed(String),
}

#[derive(Clone, Debug, PartialEq)]
struct Summary {
    model: String,
    /// The tracks the proposals went into.
    tracks: Vec<String>,
    added: usize,
    left_out: usize,
    frames: u64,
    with_person: usize,
    frames_per_s: f64,
    recognizer_ms: f64,
    backend: &'static str,
}

#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct Progress {
    done: u64,
    total: u64,
    frames_per_s: f64,
}

/// The analysis of one clip, kept across a cancel.
#[derive(Clone, Debug)]
struct Job {
    video: VideoId,
    url: String,
    rate: FrameRate,
    frames: u64,
    people: People,
    /// Frame by frame, the people seen.
    seen: Vec<Vec<Seen>>,
}

#[derive(Clone, Copy)]
struct Analyser {
    phase: RwSignal<Phase>,
    progress: RwSignal<Progress>,
    job: StoredValue<Option<Job>>,
    cancel: StoredValue<bool>,
    video: NodeRef<Video>,
    input: NodeRef<Canvas>,
    threshold: RwSignal<f32>,
    people: RwSignal<People>,
    annotate: Annotate,
    compute: Compute,
    choice: RecognizerChoice,
    notices: Notices,
}

impl Analyser {
    fn busy(self) -> bool {
        matches!(
            self.phase.get_untracked(),
            Phase::Loading | Phase::Running | Phase::Scoring
        )
    }

    /// Starts over on the clip on screen (`fresh`) or goes on from where a cancel stopped.
    fn start(self, fresh: bool) {
        if self.busy() {
            return;
        }
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
        spawn_local(async move {
            if let Err(why) = self.run().await {
                self.notices.error(format!("Analysis stopped: {why}"));
                self.phase.set(Phase::Failed(why));
            }
        });
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
        Ok(Job {
            video,
            url,
            rate,
            frames,
            people: self.people.get_untracked(),
            seen: Vec::new(),
        })
    }

    async fn run(self) -> Result<(), String> {
        let (Some(device), Some(backend), Some(el), Some(input_canvas)) = (
            self.compute.device(),
            self.compute.backend.get_untracked(),
            self.video.get_untracked(),
            self.input.get_untracked(),
        ) else {
            return Err("the page is not ready yet".into());
        };
        let Some(job) = self.job.get_value() else {
            return Ok(());
        };
        self.phase.set(Phase::Loading);
        let manifest = fetch_manifest().await?;
        let mut estimator =
            Estimator::new(load_pose_net(&manifest, job.people.pose_model(), &device).await?);
        let waiter = EventWaiter::new(&el)?;
        if el.src() != job.url {
            waiter
                .after(|v| {
                    v.set_muted(true);
                    v.set_src(&job.url);
                })
                .await
                .map_err(|e| format!("the clip could not be decoded: {e}"))?;
        }
        self.phase.set(Phase::Running);
        let started = browser::now_ms();
        let first = job.seen.len() as u64;
        for frame in first..job.frames {
            if self.cancel.get_value() {
                let kept = self.job.with_value(Option::is_some);
                self.phase
                    .set(if kept { Phase::Paused } else { Phase::Idle });
                return Ok(());
            }
            let at = job.rate.seek_time(frame);
            waiter
                .after(|v| v.set_current_time(at))
                .await
                .map_err(|e| format!("frame {frame} could not be decoded: {e}"))?;
            let found = estimate_frame(
                &mut estimator,
                &el,
                &input_canvas,
                &device,
                true,
                job.rate.start_of(frame) * 1000.0,
            )
            .await
            .map_err(|e| format!("frame {frame}: {e}"))?;
            let seen: Vec<Seen> = found
                .iter()
                .take(match job.people {
                    People::One => 1,
                    People::Everyone => usize::MAX,
                })
                .map(|p| Seen {
                    id: p.id,
                    keypoints: p.keypoints.iter().map(|k| [k.x, k.y, k.score]).collect(),
                    bbox: p
                        .bbox
                        .map(|b| [b.x, b.y, b.x + b.width, b.y + b.height].map(|v| v as f32)),
                })
                .collect();
            self.job.update_value(|j| {
                if let Some(j) = j.as_mut() {
                    j.seen.push(seen);
                }
            });
            let elapsed_s = (browser::now_ms() - started) / 1000.0;
            self.progress.set(Progress {
                done: frame + 1,
                total: job.frames,
                frames_per_s: (frame + 1 - first) as f64 / elapsed_s.max(1e-3),
            });
        }
        let frames_per_s = self.progress.get_untracked().frames_per_s;

        self.phase.set(Phase::Scoring);
        let Some(job) = self.job.get_value() else {
            return Ok(());
        };
        let recognizer = load_recognizer(&self.choice.0.get_untracked(), backend, &device).await?;
        let scoring = browser::now_ms();
        let min_frames = MIN_PERSON_FRAMES.min((job.frames as usize / 10).max(1));
        let ids = people(&job.seen, min_frames);
        if ids.is_empty() {
            return Err("no person was found in the clip".into());
        }
        let spec = &recognizer.spec;
        let set_id = spec.label_set_id();
        // About a box a second, normalised to the frames the keypoints are in.
        let every = job.rate.fps().round().max(1.0) as u64;
        let size = canvas::video_size(&el);
        let (width, height) = (size.width as f32, size.height as f32);
        let mut analysed = Vec::with_capacity(ids.len());
        let pause = browser::ui_pause();
        for &id in &ids {
            let frames = person_frames(&job.seen, id);
            let Some(sequence) = pose_sequence(&frames) else {
                continue;
            };
            let mut scores = score_track(
                &recognizer.net,
                &recognizer.spec.pipeline,
                &sequence,
                WINDOWS,
                &device,
                Some(&pause),
            )
            .await
            .map_err(|e| e.to_string())?;
            let seen: Vec<bool> = frames.iter().map(Option::is_some).collect();
            scores.forget_unseen(&seen);
            let mut pose = pose_track(job.video, id, &job.seen);
            pose.confidence = Some(Confidence {
                model: recognizer.name.clone(),
                set: set_id.clone(),
                classes: spec.classes.clone(),
                frames: scores
                    .top()
                    .into_iter()
                    .map(|(c, p)| (u16::try_from(c).unwrap_or(u16::MAX), p))
                    .collect(),
            });
            analysed.push(Analysed {
                pose,
                model: recognizer.name.clone(),
                labels: recognizer_labels(spec),
                proposals: to_segments(
                    &propose(&scores, &SegmentConfig::default()),
                    &set_id,
                    &spec.classes,
                    &recognizer.name,
                    &recognizer.version,
                    0,
                ),
                boxes: person_boxes(&job.seen, id, every, width, height),
            });
        }
        let recognizer_ms = browser::now_ms() - scoring;
        let with_person = job.seen.iter().filter(|s| !s.is_empty()).count();
        let taken = self
            .annotate
            .ws
            .try_update(|w| w.take_analyses(analysed))
            .ok_or("the workspace is gone")??;
        self.job.set_value(None);
        let tracks = self.annotate.ws.with_untracked(|w| {
            taken
                .iter()
                .filter_map(|t| w.project.track(t.track).map(|t| t.meta.name.clone()))
                .collect()
        });
        self.phase.set(Phase::Done(Summary {
            model: recognizer.name.clone(),
            tracks,
            added: taken.iter().map(|t| t.added).sum(),
            left_out: taken.iter().map(|t| t.left_out).sum(),
            frames: job.frames,
            with_person,
            frames_per_s,
            recognizer_ms,
            backend: backend.label(),
        }));
        Ok(())
    }
}

/// A person's frames as a recognizer input (frames without them: scores 0); `None` when they
/// are on none.
fn pose_sequence(frames: &[Option<&Seen>]) -> Option<Sequence> {
    if frames.iter().all(Option::is_none) {
        return None;
    }
    let mut xy = Vec::with_capacity(frames.len() * KEYPOINTS);
    let mut score = Vec::with_capacity(frames.len() * KEYPOINTS);
    for seen in frames {
        match seen {
            Some(s) if s.keypoints.len() == KEYPOINTS => {
                xy.extend(s.keypoints.iter().map(|k| [k[0], k[1]]));
                score.extend(s.keypoints.iter().map(|k| k[2]));
            }
            _ => {
                xy.extend([[0.0; 2]; KEYPOINTS]);
                score.extend([0.0; KEYPOINTS]);
            }
        }
    }
    Sequence::new(Layout::Coco17, xy, score)
}

#[component]
pub fn AnalysisPanel() -> impl IntoView {
    let annotate = expect_context::<Annotate>();
    let a = Analyser {
        phase: RwSignal::new(Phase::Idle),
        progress: RwSignal::new(Progress::default()),
        job: StoredValue::new(None),
        cancel: StoredValue::new(false),
        video: NodeRef::new(),
        input: NodeRef::new(),
        threshold: RwSignal::new(0.5),
        people: RwSignal::new(People::One),
        annotate,
        compute: expect_context::<Compute>(),
        choice: expect_context::<RecognizerChoice>(),
        notices: expect_context::<Notices>(),
    };
    // Another clip (or the camera): what was analysed belongs to the one before.
    Effect::new(move |_| {
        annotate.viewer.source.track();
        a.cancel.set_value(true);
        a.job.set_value(None);
        if matches!(a.phase.get_untracked(), Phase::Paused) {
            a.phase.set(Phase::Idle);
        }
    });

    let state = move || match a.phase.get() {
        Phase::Idle => "idle",
        Phase::Loading => "loading",
        Phase::Running => "running",
        Phase::Paused => "paused",
        Phase::Scoring => "scoring",
        Phase::Done(_) => "done",
        Phase::Failed(_) => "failed",
    };
    let text = move || {
        let p = a.progress.get();
        match a.phase.get() {
            Phase::Idle => match a.people.get() {
                People::One => "Finds the person's pose in every frame, then proposes segments.",
                People::Everyone => {
                    "Finds everyone's pose in every frame (up to 6 people), then proposes segments for each."
                }
            }
            .to_string(),
            Phase::Loading => "loading the models…".into(),
            Phase::Running => {
                let left = (p.total - p.done) as f64 / p.frames_per_s.max(1e-3);
                format!(
                    "frame {} of {} · {:.1} frames/s · {} left",
                    p.done,
                    p.total,
                    p.frames_per_s,
                    seconds_left(left)
                )
            }
            Phase::Paused => format!("cancelled at frame {} of {}", p.done, p.total),
            Phase::Scoring => format!("recognising actions over {} frames…", p.total),
            Phase::Done(s) => format!(
                "{} proposal{} from {} in {}{} · {} frames ({} with a person) at {:.1} frames/s · recognizer {:.0} ms on {}",
                s.added,
                if s.added == 1 { "" } else { "s" },
                s.model,
                s.tracks.join(", "),
                if s.left_out > 0 {
                    format!(" ({} overlapping segments left out)", s.left_out)
                } else {
                    String::new()
                },
                s.frames,
                s.with_person,
                s.frames_per_s,
                s.recognizer_ms,
                s.backend
            ),
            Phase::Failed(why) => why,
        }
    };
    let open = move || annotate.ws.with(|w| w.open_proposals());
    let has_clip =
        move || annotate.viewer.frame_count().is_some() && annotate.ws.with(|w| w.video.is_some());
    let running = move || {
        matches!(
            a.phase.get(),
            Phase::Loading | Phase::Running | Phase::Scoring
        )
    };
    let accept = move |_| {
        let t = a.threshold.get_untracked();
        if let Some(n) = annotate.run(|w| w.accept_above(t)) {
            a.notices.info(format!(
                "{n} proposal{} accepted",
                if n == 1 { "" } else { "s" }
            ));
        }
    };

    view! {
        <section class="analysis-panel" aria-label="Clip analysis">
            <h2>"Clip analysis"</h2>
            <div class="controls">
                <label>"People "
                    <select data-testid="analysis-people" prop:disabled=running
                        on:change=move |e| a.people.set(if event_target_value(&e) == People::Everyone.id() { People::Everyone } else { People::One })>
                        <option value=People::One.id() selected=move || a.people.get() == People::One>"one (SinglePose)"</option>
                        <option value=People::Everyone.id() selected=move || a.people.get() == People::Everyone>"everyone (MultiPose)"</option>
                    </select>
                </label>
                <button data-testid="analyse" prop:disabled=move || running() || !has_clip()
                    on:click=move |_| a.start(true)>"Analyse clip"</button>
                <Show when=running>
                    <button data-testid="analysis-cancel" on:click=move |_| a.cancel.set_value(true)>"Cancel"</button>
                </Show>
                <Show when=move || matches!(a.phase.get(), Phase::Paused)>
                    <button data-testid="analysis-resume" on:click=move |_| a.start(false)>"Resume"</button>
                </Show>
            </div>
            <progress data-testid="analysis-progress"
                max=move || a.progress.get().total.max(1).to_string()
                value=move || a.progress.get().done.to_string()></progress>
            <output data-testid="analysis" data-state=state
                data-done=move || a.progress.get().done.to_string()
                data-proposals=move || match a.phase.get() { Phase::Done(s) => s.added.to_string(), _ => String::new() }
                data-tracks=move || match a.phase.get() { Phase::Done(s) => s.tracks.len().to_string(), _ => String::new() }>
                {text}
            </output>
            <div class="controls">
                <label>"Accept proposals scoring ≥ "
                    <input type="number" min="0" max="1" step="0.05" data-testid="accept-threshold"
                        prop:value=move || format!("{:.2}", a.threshold.get())
                        on:change=move |e| {
                            if let Ok(t) = event_target_value(&e).parse::<f32>() {
                                a.threshold.set(t.clamp(0.0, 1.0));
                            }
                        } />
                </label>
                <button data-testid="accept-above" prop:disabled=move || open() == 0 on:click=accept>
                    {move || format!("Accept ({} open)", open())}
                </button>
            </div>
            <video node_ref=a.video class="visually-hidden" muted=true preload="auto" aria-hidden="true"></video>
            <canvas node_ref=a.input class="visually-hidden"></canvas>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_without_the_person_score_zero() {
        let seen = |v: f32| Seen {
            id: 3,
            keypoints: vec![[v, v + 1.0, 0.8]; KEYPOINTS],
            bbox: None,
        };
        let (a, b) = (seen(1.0), seen(2.0));
        let seq = pose_sequence(&[None, Some(&a), None, Some(&b)]).unwrap();
        assert_eq!(seq.frames, 4);
        assert_eq!(seq.score[0], 0.0);
        assert_eq!(seq.xy[KEYPOINTS], [1.0, 2.0]);
        assert!(pose_sequence(&[None, None]).is_none());
    }
}
