//! Clip analysis's last step: the chosen recognizer (shipped, or a taught model) over each
//! analysed person's frames in the engine, and its proposals, boxes and confidence taken into
//! the project as one undo step.

use leptos::prelude::*;
use microact_core::labels::LabelSet;
use microact_core::taught::{TAUGHT, TaughtModel};
use microact_protocol::{Backend, PersonFrames, Reply, Request};

use super::Analyser;
use crate::browser::engine::Engine;
use crate::browser::{self, canvas};
use crate::workspace::clip_analysis::{Phase, Scored, Summary, scored, scored_taught};

/// `request` answered by `engine`, or what went wrong in words.
async fn ask(engine: &Engine, request: Request) -> Result<Reply, String> {
    engine
        .call(request, None, |_| {})
        .await
        .map_err(|e| e.to_string())
}

impl Analyser {
    /// The recognizer over the job's people, their analyses taken, the summary shown.
    pub(super) async fn score(self, backend: Backend) -> Result<(), String> {
        let frames_per_s = self.progress.get_untracked().frames_per_s;
        self.phase.set(Phase::Scoring);
        let Some(job) = self.job.get_value() else {
            return Ok(());
        };
        let scoring = browser::now_ms();
        let people = job.people_frames();
        if people.is_empty() {
            return Err("no person was found in the clip".into());
        }
        let engine = self.engine.get();
        let (model, labels, scored) = match self.choice.1.get_untracked() {
            Some(taught) => {
                self.propose_taught(&engine, backend, taught, people)
                    .await?
            }
            None => self.score_shipped(&engine, backend, people).await?,
        };
        // The clip's size from the video on screen (the hidden one loads only for seeking).
        let size = self
            .annotate
            .viewer
            .video
            .get_untracked()
            .or_else(|| self.video.get_untracked())
            .map(|v| canvas::video_size(&v))
            .ok_or("the page is not ready yet")?;
        let analysed = job.analysed(
            &model,
            &labels,
            scored,
            size.width as f32,
            size.height as f32,
        );
        let recognizer_ms = browser::now_ms() - scoring;
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
            with_person: job.with_person(),
            frames_per_s,
            recognizer_ms,
            backend: backend.label(),
            decoder: job.decoder(),
        }));
        Ok(())
    }

    /// The chosen shipped recognizer's confidence and proposals for each analysed person.
    async fn score_shipped(
        &self,
        engine: &Engine,
        backend: Backend,
        people: Vec<PersonFrames>,
    ) -> Result<(String, LabelSet, Scored), String> {
        let request = Request::Score {
            recognizer: self.choice.0.get_untracked(),
            backend,
            people,
        };
        let reply = ask(engine, request).await?;
        let Reply::Scores {
            model,
            labels,
            people,
            ..
        } = reply
        else {
            return Err("the engine answered something else".into());
        };
        Ok((model, labels, scored(people)))
    }

    /// A taught model's proposals for each analysed person (no confidence strip), its name as
    /// their source and the label set of its first label (the project has it).
    async fn propose_taught(
        &self,
        engine: &Engine,
        backend: Backend,
        taught: TaughtModel,
        people: Vec<PersonFrames>,
    ) -> Result<(String, LabelSet, Scored), String> {
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
        let reply = ask(engine, request).await?;
        let Reply::TaughtProposals { people, .. } = reply else {
            return Err("the engine answered something else".into());
        };
        Ok((TAUGHT.to_string(), labels, scored_taught(people)))
    }
}
