//! Live actions: the first person's poses, frame by frame, through a streaming window, and the
//! chosen recognizer on each window that comes due.

use microact_core::taught::TaughtModel;
use microact_models::action::DdNet;
use microact_models::action::Sequence;
use microact_models::action::fewshot;
use microact_models::action::joints::Layout;
use microact_models::action::recognizer::RecognizerSpec;
use microact_models::action::stream::{Stream, Windows, classify};
use microact_models::burn::tensor::Device;
use microact_models::manifest::Manifest;
use microact_models::weights::dequantize;
use microact_protocol::{Actions, Backend, Person};

use crate::EngineError;
use crate::compute::cpu_device;

/// Pose frames a window spans, and between windows. Live pose runs at a few to a few tens of
/// frames a second, so 16 frames is about the length of a Penn Action clip.
pub const WINDOWS: Windows = Windows {
    length: 16,
    stride: 2,
};
/// Classes reported.
const TOP: usize = 5;
/// Frames in a row without a person that the window bridges (as score-0 gaps).
const MAX_MISSED: usize = 3;

/// A recognizer from the manifest, loaded for a backend.
pub struct Recognizer {
    pub name: String,
    pub backend: Backend,
    pub spec: RecognizerSpec,
    pub net: DdNet,
    /// What identifies the weights in a proposal's source (the start of their sha256).
    pub version: String,
    /// The weight file's sha256 (a taught model's base).
    pub sha256: String,
}

impl Recognizer {
    /// Recognizer `model` from its weight file's `bytes`, checked, loaded for `backend` (int8
    /// files are expanded to float on the CPU first where the backend is WebGPU, which has no
    /// int8 kernels).
    pub fn load(
        manifest: &Manifest,
        model: &str,
        backend: Backend,
        bytes: Vec<u8>,
        device: &Device,
    ) -> Result<Recognizer, EngineError> {
        let entry = manifest.get(model)?;
        let spec = entry
            .recognizer
            .clone()
            .ok_or_else(|| EngineError::NotRecognizer {
                model: model.to_string(),
            })?;
        let expand = backend == Backend::WebGpu && entry.is_int8();
        let load_on = if expand { cpu_device() } else { device.clone() };
        let net = spec.load(&entry.file, bytes, &entry.sha256, &load_on)?;
        Ok(Recognizer {
            name: model.to_string(),
            backend,
            spec,
            net: if expand { dequantize(net, device) } else { net },
            version: entry.sha256.chars().take(12).collect(),
            sha256: entry.sha256.clone(),
        })
    }
}

/// What a frame does to the window.
pub enum Step {
    Say(Actions),
    /// A window is due.
    Window(Sequence),
    /// Nothing new.
    Nothing,
}

/// The window over the first person's live poses.
pub struct Live {
    stream: Stream,
    /// The person followed (the window starts again when another takes their place).
    person: Option<u32>,
    /// Frames in a row where nobody was found.
    missed: usize,
    /// Frames in the window being filled (until the first window).
    filled: usize,
}

impl Default for Live {
    fn default() -> Self {
        Live {
            stream: Stream::new(WINDOWS, Layout::Coco17),
            person: None,
            missed: 0,
            filled: 0,
        }
    }
}

impl Live {
    pub fn reset(&mut self) {
        self.stream.reset();
        self.person = None;
        self.missed = 0;
        self.filled = 0;
    }

    /// Takes one frame's people.
    pub fn take(&mut self, people: &[Person], live: bool) -> Step {
        if !live {
            self.reset();
            return Step::Say(Actions::Idle);
        }
        // A frame where the pose model found nobody (a blur, the tracking crop a step behind) is
        // a gap the pipeline fills, as in training; a person gone for longer ends the window.
        let (xy, score): (Vec<[f32; 2]>, Vec<f32>) = match people.first() {
            Some(person) => {
                if self.person != Some(person.id) {
                    self.reset();
                    self.person = Some(person.id);
                }
                self.missed = 0;
                (
                    person.keypoints.iter().map(|&[x, y, _]| [x, y]).collect(),
                    person.keypoints.iter().map(|&[_, _, s]| s).collect(),
                )
            }
            None => {
                self.missed += 1;
                if self.missed > MAX_MISSED || self.person.is_none() {
                    self.reset();
                    return Step::Nothing;
                }
                let joints = Layout::Coco17.joints();
                (vec![[0.0; 2]; joints], vec![0.0; joints])
            }
        };
        match self.stream.push(&xy, &score) {
            Some(window) => {
                self.filled = WINDOWS.length;
                Step::Window(window)
            }
            None if self.filled < WINDOWS.length => {
                self.filled += 1;
                Step::Say(Actions::Filling {
                    have: self.filled as u32,
                    need: WINDOWS.length as u32,
                })
            }
            None => Step::Nothing,
        }
    }
}

/// The recognizer on one window: its top classes and unknown score.
pub async fn guess(
    recognizer: &Recognizer,
    window: &Sequence,
    device: &Device,
    now_ms: impl Fn() -> f64,
) -> Result<Actions, EngineError> {
    let started = now_ms();
    let (probabilities, unknown) =
        classify(&recognizer.net, &recognizer.spec.pipeline, window, device).await?;
    Ok(Actions::Guess {
        top: top_k(&recognizer.spec.classes, &probabilities, TOP),
        unknown: unknown.max_softmax,
        recognizer_ms: now_ms() - started,
    })
}

/// A taught model on one window: its top labels and unknown score (above 0.5: farther from
/// every prototype than its calibrated distance).
pub async fn guess_taught(
    model: &TaughtModel,
    base: &Recognizer,
    window: &Sequence,
    device: &Device,
    now_ms: impl Fn() -> f64,
) -> Result<Actions, EngineError> {
    let started = now_ms();
    let embedded = fewshot::embed(
        &base.net,
        &base.spec.pipeline,
        usize::from(model.base.dense),
        &[window],
        false,
        device,
    )
    .await?;
    let (probabilities, unknown) = fewshot::window_scores(model, &embedded)
        .pop()
        .ok_or(EngineError::NoEmbedding)?;
    let labels: Vec<String> = model.labels.iter().map(|l| l.label.label.clone()).collect();
    Ok(Actions::Guess {
        top: top_k(&labels, &probabilities, TOP),
        unknown,
        recognizer_ms: now_ms() - started,
    })
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

    fn person(id: u32) -> Person {
        Person {
            id,
            score: 0.9,
            keypoints: (0..17).map(|k| [k as f32, 2.0 * k as f32, 0.9]).collect(),
            input_keypoints: vec![[0.0; 3]; 17],
            bbox: None,
        }
    }

    #[test]
    fn a_window_comes_after_its_length_and_then_every_stride() {
        let mut live = Live::default();
        for n in 1..WINDOWS.length {
            match live.take(&[person(1)], true) {
                Step::Say(Actions::Filling { have, .. }) => assert_eq!(have as usize, n),
                _ => panic!("frame {n}: still filling"),
            }
        }
        assert!(matches!(live.take(&[person(1)], true), Step::Window(_)));
        assert!(matches!(live.take(&[person(1)], true), Step::Nothing));
        assert!(matches!(live.take(&[person(1)], true), Step::Window(_)));
        // Another person: the window starts again; a paused frame: idle.
        assert!(matches!(
            live.take(&[person(2)], true),
            Step::Say(Actions::Filling { have: 1, .. })
        ));
        assert!(matches!(
            live.take(&[person(2)], false),
            Step::Say(Actions::Idle)
        ));
    }
}
