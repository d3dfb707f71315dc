//! Clip analysis by the engines' own decoders: the clip's file split in consecutive parts, one an
//! engine worker (one a thread the browser reports), their frames joined with the people matched
//! across each join.

use futures_channel::oneshot;
use leptos::prelude::*;
use leptos::task::spawn_local;
use microact_protocol::{Reply, Request};

use super::{Analyser, Run, SESSION};
use crate::browser;
use crate::browser::engine::{Beside, Engine};
use crate::workspace::clip_analysis::{Job, People, Phase, split};

/// Most engine workers one clip is split across.
const MAX_WORKERS: usize = 4;
/// Fewest frames a worker's part has (fewer: fewer workers).
const MIN_PART_FRAMES: u64 = 30;

/// How many engine workers analyse `frames` frames of `who`: one a thread the browser reports, at
/// most [`MAX_WORKERS`] (or `?workers=N`), each with [`MIN_PART_FRAMES`] frames at least. One
/// person is one worker: SinglePose follows the person it found on earlier frames, and a part
/// started halfway would find whoever stands out there (on `walk-2s`, the bystander instead of
/// the walker).
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

/// `request` on `engine` by itself (a helper, `i > 0`, starting its session afresh: the page's
/// engine was reset by `run`); its reply comes through the receiver.
fn run_part(
    i: usize,
    engine: Engine,
    request: Request,
    clip: Beside,
    progress: impl Fn(&Reply) + 'static,
) -> oneshot::Receiver<Result<Reply, String>> {
    let (tx, rx) = oneshot::channel();
    spawn_local(async move {
        if i > 0 && engine.running() {
            let _ = engine
                .call(Request::Reset { session: SESSION }, None, |_| {})
                .await;
        }
        let reply = engine.call(request, Some(clip), progress).await;
        let _ = tx.send(reply.map_err(|e| e.to_string()));
    });
    rx
}

impl Analyser {
    /// The clip decoded in the engines from `first` on; `Ok(false)` when cancelled. What was
    /// analysed before a cancel, a failure or a part the engine could not decode is kept up to
    /// the first frame missing; a clip it cannot decode is marked so (its reason kept) for
    /// seeking to go on.
    pub(super) async fn decode(self, job: &Job, run: Run) -> Result<bool, String> {
        let Some(clip) = self
            .annotate
            .viewer
            .file
            .with_value(|f| f.as_ref().map(|f| f.blob()))
        else {
            return Err("the clip's file is gone".into());
        };
        let (who, total) = (job.people, job.frames);
        let engines = self
            .engine
            .workers(workers_for(total.saturating_sub(run.first), who));
        let (parts, ends) = split(run.first, total, engines.len());
        let parts = StoredValue::new(parts);
        // Frames of the parts' own (not warming up) answered so far.
        let answered = StoredValue::new(0u64);
        let mut answers = Vec::new();
        for (i, engine) in engines.into_iter().enumerate() {
            let (from, own) = parts.with_value(|p| (p[i].from, p[i].from + p[i].warm));
            let request = Request::Analyse {
                session: SESSION,
                model: who.pose_model().to_string(),
                backend: run.backend,
                rate: job.rate,
                frames: ends[i],
                from,
                multi: self.multi.input.get_untracked(),
            };
            let progress = move |reply: &Reply| {
                let Reply::Analysed { frame, people } = reply else {
                    return;
                };
                parts.update_value(|ps| ps[i].saw(*frame, who.seen(people)));
                if *frame >= own {
                    answered.update_value(|a| *a += 1);
                }
                self.phase.set(Phase::Running);
                let done = answered.get_value();
                self.progressed(run, run.first + done, total);
            };
            let clip = Beside::Clip(clip.clone());
            answers.push(run_part(i, engine, request, clip, progress));
        }
        let mut replies = Vec::new();
        for rx in answers {
            replies.push(
                rx.await
                    .unwrap_or_else(|_| Err("the engine was replaced".into())),
            );
        }
        self.job.update_value(|j| {
            if let Some(j) = j.as_mut() {
                j.join(parts.get_value(), &ends, &replies);
            }
        });
        // What is kept is what the progress shows (parts running side by side were further).
        let kept = self.job.with_value(|j| j.as_ref().map_or(0, Job::done));
        self.progress.update(|p| p.done = kept);
        if self.cancel.get_value() {
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
}
