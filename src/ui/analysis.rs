//! Clip analysis: every frame of the clip on screen through the engine worker's MoveNet
//! (SinglePose following one person, or MultiPose and its tracker for everyone), then the
//! engine's recognizer over each person's pose track (`crates/microact-engine/src/analysis.rs`);
//! their proposals, boxes and per-frame confidence go into a track per person as one undo step.
//! The engine decodes the clip itself (its container demuxed, WebCodecs); a clip it cannot decode
//! is read by seeking a second, hidden video element (the one on screen stays free), and the
//! page says why. A progress bar with frames/s and time left, cancel and resume; accept every proposal
//! above a score.

use futures_channel::oneshot;
use leptos::html::Video;
use leptos::prelude::*;
use leptos::task::spawn_local;
use microact_core::labels::LabelSet;
use microact_core::model::{Confidence, Segment, VideoId};
use microact_core::taught::{TAUGHT, TaughtModel};
use microact_core::time::FrameRate;
use microact_protocol::{Backend, Person, PersonFrames, Reply, Request};

use crate::browser::engine::{Beside, Frame};
use crate::browser::video::EventWaiter;
use crate::browser::{self, canvas};
use crate::format::seconds_left;
use crate::ui::annotate::Annotate;
use crate::ui::compute_panel::Compute;
use crate::ui::engine::EngineHandle;
use crate::ui::models_panel::RecognizerChoice;
use crate::ui::notices::Notices;
use crate::ui::pose_panel::MultiPoseChoice;
use crate::workspace::clip_analysis::{
    Analysed, Part, Seen, people, person_boxes, person_frames, pose_track, stitch,
};

/// A recognizer's name, its labels and each person's id, confidence and proposals.
type Scored = (
    String,
    LabelSet,
    Vec<(u32, Option<Confidence>, Vec<Segment>)>,
);

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
/// Clip analysis's session in the engine (the overlay's is 1).
const SESSION: u32 = 2;
/// Seeking: animation frames to wait at most for the element to hold the frame sought (then the
/// frame it holds is taken, as before).
const STALE_FRAMES: u32 = 5;
/// Most engine workers one clip is split across.
const MAX_WORKERS: usize = 4;
/// Fewest frames a worker's part has (fewer: fewer workers).
const MIN_PART_FRAMES: u64 = 30;
/// Frames a later part starts early: its tracking settles, and they tell who is who across the
/// join.
const WARM_FRAMES: u64 = 8;

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
    decoder: Decoder,
}

/// Where analysis read the frames from.
#[derive(Clone, Debug, PartialEq)]
enum Decoder {
    /// The engines' own decoders: how many engine workers shared the clip, and the share of a
    /// frame's time spent waiting for a decoder.
    Engine { workers: usize, share: f64 },
    /// Seeking the hidden video element (some frames, or all).
    Seeking,
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
    /// Why the engine could not decode the clip (then it is read by seeking).
    undecodable: Option<String>,
    /// The engine's decoder's time and pose's, ms, over the frames it decoded.
    decode_ms: f64,
    pose_ms: f64,
    /// Engine workers the last decoding shared the clip across.
    workers: usize,
}

/// The people of one frame as analysis keeps them.
fn seen_of(found: &[Person], who: People) -> Vec<Seen> {
    found
        .iter()
        .take(match who {
            People::One => 1,
            People::Everyone => usize::MAX,
        })
        .map(|p| Seen {
            id: p.id,
            keypoints: p.keypoints.clone(),
            bbox: p
                .bbox
                .map(|[x, y, w, h]| [x, y, x + w, y + h].map(|v| v as f32)),
        })
        .collect()
}

#[derive(Clone, Copy)]
struct Analyser {
    phase: RwSignal<Phase>,
    progress: RwSignal<Progress>,
    job: StoredValue<Option<Job>>,
    cancel: StoredValue<bool>,
    video: NodeRef<Video>,
    engine: EngineHandle,
    threshold: RwSignal<f32>,
    people: RwSignal<People>,
    annotate: Annotate,
    compute: Compute,
    choice: RecognizerChoice,
    multi: MultiPoseChoice,
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
            // `?decode=seek`: the old path, for comparisons (tests, benchmarks).
            undecodable: (browser::query_param("decode").as_deref() == Some("seek"))
                .then(|| "the page was opened with ?decode=seek".to_string()),
            decode_ms: 0.0,
            pose_ms: 0.0,
            workers: 1,
        })
    }

    /// How many engine workers analyse `frames` frames of `who`: one a thread the browser
    /// reports, at most [`MAX_WORKERS`] (or `?workers=N`), each with [`MIN_PART_FRAMES`] frames
    /// at least. One person is one worker: SinglePose follows the person it found on earlier
    /// frames, and a part started halfway would find whoever stands out there (on `walk-2s`, the
    /// bystander instead of the walker).
    fn workers_for(frames: u64, who: People) -> usize {
        if who == People::One {
            return 1;
        }
        let cap = browser::query_param("workers")
            .and_then(|n| n.parse().ok())
            .unwrap_or(MAX_WORKERS);
        let by_length = usize::try_from(frames / MIN_PART_FRAMES).unwrap_or(usize::MAX);
        browser::hardware_concurrency()
            .min(cap)
            .min(by_length)
            .max(1)
    }

    /// The clip decoded in the engines from `first` on, split in consecutive parts, one an
    /// engine worker, joined with the people matched across each join; `Ok(false)` when
    /// cancelled. What was analysed before a cancel, a failure or a part the engine could not
    /// decode is kept up to the first frame missing; a clip it cannot decode is marked so (its
    /// reason kept) for seeking to go on.
    async fn decode(
        self,
        job: &Job,
        backend: Backend,
        started: f64,
        first: u64,
    ) -> Result<bool, String> {
        let Some(clip) = self
            .annotate
            .viewer
            .file
            .with_value(|f| f.as_ref().map(|f| f.blob()))
        else {
            return Err("the clip's file is gone".into());
        };
        let who = job.people;
        let total = job.frames;
        let remaining = total.saturating_sub(first);
        let engines = self.engine.workers(Self::workers_for(remaining, who));
        let n = engines.len() as u64;
        let bounds: Vec<u64> = (0..=n).map(|i| first + remaining * i / n).collect();
        let parts = StoredValue::new(
            (0..engines.len())
                .map(|i| {
                    let own = bounds[i];
                    let from = if i == 0 {
                        own
                    } else {
                        own.saturating_sub(WARM_FRAMES).max(first)
                    };
                    Part {
                        from,
                        warm: own - from,
                        seen: Vec::new(),
                    }
                })
                .collect::<Vec<_>>(),
        );
        let answered = StoredValue::new(0u64);
        let mut answers = Vec::new();
        for (i, engine) in engines.into_iter().enumerate() {
            let (own, end) = (bounds[i], bounds[i + 1]);
            let from = parts.with_value(|p| p[i].from);
            let request = Request::Analyse {
                session: SESSION,
                model: who.pose_model().to_string(),
                backend,
                rate: job.rate,
                frames: end,
                from,
                multi: self.multi.input.get_untracked(),
            };
            let progress = move |reply: &Reply| {
                let Reply::Analysed { frame, people } = reply else {
                    return;
                };
                parts.update_value(|ps| {
                    let p = &mut ps[i];
                    let k = (frame - p.from) as usize;
                    // A frame the decoder did not give (a gap in the clip's timestamps) saw nobody.
                    while p.seen.len() < k {
                        p.seen.push(Vec::new());
                    }
                    if p.seen.len() == k {
                        p.seen.push(seen_of(people, who));
                    }
                });
                if *frame >= own {
                    answered.update_value(|a| *a += 1);
                }
                self.phase.set(Phase::Running);
                let done = answered.get_value();
                self.progressed(first + done, total, done, started);
            };
            let (tx, rx) = oneshot::channel();
            let clip = clip.clone();
            spawn_local(async move {
                // A helper starts its session afresh (the page's engine was reset by `run`).
                if i > 0 && engine.running() {
                    let _ = engine
                        .call(Request::Reset { session: SESSION }, None, |_| {})
                        .await;
                }
                let reply = engine
                    .call(request, Some(Beside::Clip(clip)), progress)
                    .await;
                let _ = tx.send(reply.map_err(|e| e.to_string()));
            });
            answers.push(rx);
        }
        let mut replies = Vec::new();
        for rx in answers {
            replies.push(
                rx.await
                    .unwrap_or_else(|_| Err("the engine was replaced".into())),
            );
        }
        // The parts up to the first one that did not finish (its frames so far included).
        let parts = parts.get_value();
        let complete = |p: &Part, i: usize| p.from + p.seen.len() as u64 >= bounds[i + 1];
        let kept = parts
            .iter()
            .enumerate()
            .position(|(i, p)| !complete(p, i))
            .map_or(parts.len(), |i| i + 1);
        let next_id = job
            .seen
            .iter()
            .flatten()
            .map(|s| s.id + 1)
            .max()
            .unwrap_or(1);
        let joined = stitch(parts.into_iter().take(kept).collect(), next_id);
        let cancelled = self.cancel.get_value();
        self.job.update_value(|j| {
            if let Some(j) = j.as_mut() {
                j.seen.extend(joined);
                j.seen.truncate(total as usize);
                j.workers = n as usize;
                for reply in &replies {
                    match reply {
                        Ok(Reply::Decoded {
                            decode_ms, pose_ms, ..
                        }) => {
                            j.decode_ms += decode_ms;
                            j.pose_ms += pose_ms;
                        }
                        Ok(Reply::Undecodable { reason }) => j.undecodable = Some(reason.clone()),
                        _ => {}
                    }
                }
            }
        });
        // What is kept is what the progress shows (parts running side by side were further).
        let kept = self
            .job
            .with_value(|j| j.as_ref().map_or(0, |j| j.seen.len() as u64));
        self.progress.update(|p| p.done = kept);
        if cancelled {
            self.paused();
            return Ok(false);
        }
        for reply in replies {
            match reply? {
                Reply::Decoded { .. } | Reply::Undecodable { .. } => {}
                other => return Err(format!("the engine answered {other:?}")),
            }
        }
        Ok(true)
    }

    /// Frames from the job's next on, by seeking the hidden video element; `Ok(false)` when
    /// cancelled.
    async fn seek(
        self,
        job: &Job,
        backend: Backend,
        started: f64,
        first: u64,
    ) -> Result<bool, String> {
        let Some(el) = self.video.get_untracked() else {
            return Err("the page is not ready yet".into());
        };
        let engine = self.engine.get();
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
        for frame in job.seen.len() as u64..job.frames {
            if self.cancel.get_value() {
                self.paused();
                return Ok(false);
            }
            let at = job.rate.seek_time(frame);
            waiter
                .after(|v| v.set_current_time(at))
                .await
                .map_err(|e| format!("frame {frame} could not be decoded: {e}"))?;
            // `seeked` can come before the element holds the frame sought (seen: now and then a
            // neighbour's picture): until it does, an animation frame at a time.
            let mut waited = 0;
            let image = loop {
                let image = Frame::of_video(&el)
                    .await
                    .map_err(|e| format!("frame {frame}: {e}"))?;
                let stale = image
                    .media_time()
                    .is_some_and(|t| job.rate.frame_at(t) != frame);
                if !stale || waited == STALE_FRAMES {
                    break image;
                }
                image.close();
                browser::next_animation_frame().await?;
                waited += 1;
            };
            let reply = engine
                .call(
                    Request::Pose {
                        session: SESSION,
                        model: job.people.pose_model().to_string(),
                        backend,
                        live: true,
                        timestamp_ms: job.rate.start_of(frame) * 1000.0,
                        actions: None,
                        multi: self.multi.input.get_untracked(),
                    },
                    Some(image.into()),
                    |_| {},
                )
                .await
                .map_err(|e| format!("frame {frame}: {e}"))?;
            let Reply::Pose { people: found, .. } = reply else {
                return Err(format!("frame {frame}: the engine answered something else"));
            };
            let seen = seen_of(&found, job.people);
            self.job.update_value(|j| {
                if let Some(j) = j.as_mut() {
                    j.seen.push(seen);
                }
            });
            self.progressed(frame + 1, job.frames, frame + 1 - first, started);
        }
        Ok(true)
    }

    /// Frame `done` of `total` reached, `analysed` frames since `started` (this run's speed).
    fn progressed(self, done: u64, total: u64, analysed: u64, started: f64) {
        let elapsed_s = (browser::now_ms() - started) / 1000.0;
        self.progress.set(Progress {
            done,
            total,
            frames_per_s: analysed as f64 / elapsed_s.max(1e-3),
        });
    }

    /// Cancelled: kept for a resume while the job is.
    fn paused(self) {
        let kept = self.job.with_value(Option::is_some);
        self.phase
            .set(if kept { Phase::Paused } else { Phase::Idle });
    }

    /// Stops the analysis after the frame in hand (the engines' too, when they decode).
    fn stop(self) {
        self.cancel.set_value(true);
        if !self.busy() {
            return;
        }
        for engine in self.engine.all().into_iter().filter(|e| e.running()) {
            spawn_local(async move {
                // Nothing to say if it fails: a stopped engine analyses nothing.
                let _ = engine.call(Request::Cancel, None, |_| {}).await;
            });
        }
    }

    /// The chosen shipped recognizer's confidence and proposals for each analysed person.
    async fn score_shipped(
        &self,
        engine: &crate::browser::engine::Engine,
        backend: Backend,
        people: Vec<PersonFrames>,
    ) -> Result<Scored, String> {
        let request = Request::Score {
            recognizer: self.choice.0.get_untracked(),
            backend,
            people,
        };
        let reply = engine
            .call(request, None, |_| {})
            .await
            .map_err(|e| e.to_string())?;
        let Reply::Scores {
            model,
            labels,
            people: scored,
            ..
        } = reply
        else {
            return Err("the engine answered something else".into());
        };
        let scored = scored
            .into_iter()
            .map(|s| (s.id, Some(s.confidence), s.proposals))
            .collect();
        Ok((model, labels, scored))
    }

    /// A taught model's proposals for each analysed person (no confidence strip), its name as
    /// their source and the label set of its first label (the project has it).
    async fn propose_taught(
        &self,
        engine: &crate::browser::engine::Engine,
        backend: Backend,
        taught: TaughtModel,
        people: Vec<PersonFrames>,
    ) -> Result<Scored, String> {
        let labels = self
            .annotate
            .ws
            .with_untracked(|w| {
                let set = &taught.labels.first()?.label.set;
                w.project.label_set(set).cloned()
            })
            .ok_or("the taught model's labels are no longer in the project")?;
        let request = Request::ProposeTaught {
            model: taught,
            backend,
            people,
        };
        let reply = engine
            .call(request, None, |_| {})
            .await
            .map_err(|e| e.to_string())?;
        let Reply::TaughtProposals { people, .. } = reply else {
            return Err("the engine answered something else".into());
        };
        let scored = people
            .into_iter()
            .map(|p| (p.id, None, p.proposals))
            .collect();
        Ok((TAUGHT.to_string(), labels, scored))
    }

    async fn run(self) -> Result<(), String> {
        let backend = self.compute.backend.get_untracked();
        let Some(job) = self.job.get_value() else {
            return Ok(());
        };
        self.phase.set(Phase::Loading);
        let engine = self.engine.get();
        // A fresh start (not a resume) begins the engine's session with no earlier frames.
        if job.seen.is_empty() && self.engine.started() {
            engine
                .call(Request::Reset { session: SESSION }, None, |_| {})
                .await
                .map_err(|e| e.to_string())?;
        }
        let started = browser::now_ms();
        let first = job.seen.len() as u64;
        if job.undecodable.is_none() && !self.decode(&job, backend, started, first).await? {
            return Ok(());
        }
        // What the engine could not decode, by seeking.
        let Some(job) = self.job.get_value() else {
            return Ok(());
        };
        if (job.seen.len() as u64) < job.frames {
            if let Some(why) = &job.undecodable {
                self.notices.info(format!(
                    "Analysing by seeking the clip, frame by frame (slower): {why}."
                ));
            }
            if !self.seek(&job, backend, started, first).await? {
                return Ok(());
            }
        }
        let frames_per_s = self.progress.get_untracked().frames_per_s;

        self.phase.set(Phase::Scoring);
        let Some(job) = self.job.get_value() else {
            return Ok(());
        };
        let scoring = browser::now_ms();
        let min_frames = MIN_PERSON_FRAMES.min((job.frames as usize / 10).max(1));
        let ids = people(&job.seen, min_frames);
        if ids.is_empty() {
            return Err("no person was found in the clip".into());
        }
        let people: Vec<PersonFrames> = ids
            .iter()
            .map(|&id| PersonFrames {
                id,
                frames: person_frames(&job.seen, id)
                    .into_iter()
                    .map(|s| s.map(|s| s.keypoints.clone()))
                    .collect(),
            })
            .collect();
        let (model, labels, scored) = match self.choice.1.get_untracked() {
            Some(taught) => {
                self.propose_taught(&engine, backend, taught, people)
                    .await?
            }
            None => self.score_shipped(&engine, backend, people).await?,
        };
        // About a box a second, normalised to the frames the keypoints are in.
        let every = job.rate.fps().round().max(1.0) as u64;
        // The clip's size from the video on screen (the hidden one loads only for seeking).
        let shown = self.annotate.viewer.video.get_untracked();
        let size = shown
            .or_else(|| self.video.get_untracked())
            .map(|v| canvas::video_size(&v))
            .ok_or("the page is not ready yet")?;
        let (width, height) = (size.width as f32, size.height as f32);
        let analysed: Vec<Analysed> = scored
            .into_iter()
            .map(|(id, confidence, proposals)| {
                let mut pose = pose_track(job.video, id, &job.seen);
                pose.confidence = confidence;
                Analysed {
                    pose,
                    model: model.clone(),
                    labels: labels.clone(),
                    proposals,
                    boxes: person_boxes(&job.seen, id, every, width, height),
                }
            })
            .collect();
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
            model,
            tracks,
            added: taken.iter().map(|t| t.added).sum(),
            left_out: taken.iter().map(|t| t.left_out).sum(),
            frames: job.frames,
            with_person,
            frames_per_s,
            recognizer_ms,
            backend: backend.label(),
            decoder: match job.undecodable {
                None => Decoder::Engine {
                    workers: job.workers,
                    share: job.decode_ms / (job.decode_ms + job.pose_ms).max(1e-9),
                },
                Some(_) => Decoder::Seeking,
            },
        }));
        Ok(())
    }
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
        engine: expect_context::<EngineHandle>(),
        threshold: RwSignal::new(0.5),
        people: RwSignal::new(People::One),
        annotate,
        compute: expect_context::<Compute>(),
        choice: expect_context::<RecognizerChoice>(),
        multi: expect_context::<MultiPoseChoice>(),
        notices: expect_context::<Notices>(),
    };
    // Another clip (or the camera): what was analysed belongs to the one before.
    Effect::new(move |_| {
        annotate.viewer.source.track();
        a.stop();
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
                "{} proposal{} from {} in {}{} · {} frames ({} with a person) at {:.1} frames/s, {} · recognizer {:.0} ms on {}",
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
                match s.decoder {
                    Decoder::Engine { workers, share } => format!(
                        "decoded in {} ({:.0} % of the time waiting for the decoder)",
                        if workers == 1 { "the engine".to_string() } else { format!("{workers} engine workers") },
                        share * 100.0
                    ),
                    Decoder::Seeking => "read by seeking".to_string(),
                },
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
                    <button data-testid="analysis-cancel" on:click=move |_| a.stop()>"Cancel"</button>
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
                data-tracks=move || match a.phase.get() { Phase::Done(s) => s.tracks.len().to_string(), _ => String::new() }
                data-decoder=move || match a.phase.get() {
                    Phase::Done(Summary { decoder: Decoder::Engine { .. }, .. }) => "engine",
                    Phase::Done(Summary { decoder: Decoder::Seeking, .. }) => "seeking",
                    _ => "",
                }
                data-decode-share=move || match a.phase.get() {
                    Phase::Done(Summary { decoder: Decoder::Engine { share, .. }, .. }) => format!("{share:.3}"),
                    _ => String::new(),
                }
                data-workers=move || match a.phase.get() {
                    Phase::Done(Summary { decoder: Decoder::Engine { workers, .. }, .. }) => workers.to_string(),
                    _ => String::new(),
                }>
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
        </section>
    }
}
