//! Teaching in the engine: the examples' windows embedded by a shipped recognizer (a batch at a
//! time, progress after each, a cancel between batches), a taught model made of them
//! (`action::fewshot`), and a taught model's proposals over people's pose tracks.

use std::time::Duration;

use microact_core::model::LabelRef;
use microact_core::taught::{Base, TaughtModel};
use microact_models::action::Sequence;
use microact_models::action::fewshot::{self, Example as Embedded, SEGMENTS, WINDOWS};
use microact_models::action::segments::{propose, to_segments};
use microact_models::burn::tensor::Device;
use microact_protocol::{Example, PersonFrames, PersonProposals};

use crate::analysis::pose_sequence;
use crate::live::Recognizer;
use crate::{EngineError, TeachError};

/// Windows embedded between progress reports (and cancel checks).
const BATCH: usize = 64;
/// A window needs the person on at least this share of its frames.
const MIN_SEEN: f32 = 0.5;

/// What the page asked to teach.
pub struct Lesson<'a> {
    pub version: u32,
    pub labels: &'a [LabelRef],
    pub examples: &'a [Example],
    pub fine_tune: bool,
}

/// AdamW steps of a fine-tuned head (full batch of the examples' windows).
pub const FINE_TUNE_STEPS: usize = 100;

/// Teaching stopped by a cancel.
#[derive(Debug)]
pub struct Cancelled;

/// The windows of one example worth embedding: those where the person is seen enough.
fn windows(example: &Example) -> Vec<Sequence> {
    let Some(track) = pose_sequence(&example.frames) else {
        return Vec::new();
    };
    let seen: Vec<bool> = example.frames.iter().map(Option::is_some).collect();
    WINDOWS
        .spans(track.frames)
        .into_iter()
        .filter(|&(s, e)| {
            let n = seen[s..e].iter().filter(|v| **v).count();
            n as f32 >= MIN_SEEN * (e - s) as f32
        })
        .map(|(s, e)| track.select(&(s..e).collect::<Vec<_>>()))
        .collect()
}

/// A taught model from `lesson`, embedded by `base` on `device`; `progress(done, total)` after
/// each batch of windows, stopping with `Ok(Err(Cancelled))` when `cancelled()` says so.
/// `clock` gives milliseconds (the worker's `performance.now`).
pub async fn teach(
    base: &Recognizer,
    lesson: Lesson<'_>,
    device: &Device,
    mut progress: impl FnMut(u32, u32),
    cancelled: impl Fn() -> bool,
    clock: impl Fn() -> f64,
) -> Result<Result<TaughtModel, Cancelled>, EngineError> {
    let started = clock();
    let per_example: Vec<Vec<Sequence>> = lesson.examples.iter().map(windows).collect();
    let all: Vec<(usize, &Sequence)> = per_example
        .iter()
        .enumerate()
        .flat_map(|(i, w)| w.iter().map(move |s| (i, s)))
        .collect();
    if all.is_empty() {
        return Err(TeachError::NoWindows.into());
    }
    let total = all.len() as u32;
    let mut embedded: Vec<Embedded> = lesson
        .examples
        .iter()
        .map(|e| Embedded {
            label: e.label as usize,
            windows: Vec::new(),
        })
        .collect();
    for (done, chunk) in all.chunks(BATCH).enumerate() {
        if cancelled() {
            return Ok(Err(Cancelled));
        }
        let seqs: Vec<&Sequence> = chunk.iter().map(|(_, s)| *s).collect();
        let rows = fewshot::embed(
            &base.net,
            &base.spec.pipeline,
            fewshot::DENSE,
            &seqs,
            false,
            device,
        )
        .await?;
        for ((example, _), row) in chunk.iter().zip(rows) {
            embedded[*example].windows.push(row);
        }
        progress(((done * BATCH + chunk.len()) as u32).min(total), total);
    }
    embedded.retain(|e| !e.windows.is_empty() && e.label < lesson.labels.len());
    let base_id = Base {
        recognizer: base.name.clone(),
        sha256: base.sha256.clone(),
        dense: fewshot::DENSE as u8,
    };
    let mut model = fewshot::teach(
        lesson.version,
        base_id,
        lesson.labels.to_vec(),
        &embedded,
        WINDOWS,
        Duration::ZERO,
    )
    .ok_or(TeachError::NothingToLearn)?;
    if lesson.fine_tune {
        if cancelled() {
            return Ok(Err(Cancelled));
        }
        let autodiff = Device::autodiff(device.clone());
        model.head = Some(
            fewshot::fine_tune(&model, &embedded, FINE_TUNE_STEPS, &autodiff)
                .await
                .map_err(TeachError::FineTune)?,
        );
    }
    model.teach_ms = clock() - started;
    Ok(Ok(model))
}

/// `model`'s proposals for each person seen (its base `base`, already checked to be the one
/// it was taught in).
pub async fn propose_people(
    model: &TaughtModel,
    base: &Recognizer,
    people: &[PersonFrames],
    device: &Device,
) -> Result<Vec<PersonProposals>, EngineError> {
    let labels: Vec<LabelRef> = model.labels.iter().map(|l| l.label.clone()).collect();
    let mut out = Vec::with_capacity(people.len());
    for person in people {
        let Some(track) = pose_sequence(&person.frames) else {
            continue;
        };
        let mut scores =
            fewshot::score_track(model, &base.net, &base.spec.pipeline, &track, device).await?;
        let seen: Vec<bool> = person.frames.iter().map(Option::is_some).collect();
        scores.forget_unseen(&seen);
        out.push(PersonProposals {
            id: person.id,
            proposals: to_segments(
                &propose(&scores, &SEGMENTS),
                &labels,
                microact_core::taught::TAUGHT,
                &model.version_name(),
                0,
            ),
        });
    }
    Ok(out)
}

/// A taught model can only be used over the exact weights it was taught in.
pub fn check_base(model: &TaughtModel, base: &Recognizer) -> Result<(), TeachError> {
    if model.base.sha256 != base.sha256 {
        return Err(TeachError::OtherBase {
            version: model.version,
            recognizer: model.base.recognizer.clone(),
        });
    }
    Ok(())
}
